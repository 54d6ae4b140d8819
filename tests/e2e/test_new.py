"""new: creating migration directories."""
import re


def test_new_creates_migration_and_down(project, pgshift):
    r = pgshift.run("new", "add_users")
    assert r.returncode == 0, r.stderr
    path = r.stdout.strip()
    m = re.fullmatch(r"migrations/(\d{14})_add_users/migration.sql", path)
    assert m, path
    assert (project.path / path).is_file()
    assert (project.path / path).parent.joinpath("down.sql").read_text() == ""


def test_new_twice_gets_distinct_ordered_versions(project, pgshift):
    a = pgshift.run("new", "one").stdout.strip()
    b = pgshift.run("new", "two").stdout.strip()
    va, vb = a.split("/")[1][:14], b.split("/")[1][:14]
    assert va < vb


def test_new_creates_directory_and_respects_dir(project, pgshift):
    r = pgshift.run("new", "x", "--dir", "db/migs")
    assert r.returncode == 0
    assert r.stdout.startswith("db/migs/")


def test_new_rejects_bad_names(project, pgshift):
    for bad in ("add-users", "add users", "", "drop;table"):
        r = pgshift.run("new", bad)
        assert r.returncode == 2, bad
        assert "invalid migration name" in r.stderr or "missing" in r.stderr
    r = pgshift.run("new")
    assert r.returncode == 2 and "missing the migration NAME" in r.stderr
    assert not any(project.migrations.iterdir())


def test_new_then_deploy_refuses_template_until_written(db, project, pgshift):
    path = pgshift.run("new", "todo").stdout.strip()
    r = pgshift.run_db("deploy")
    assert r.returncode == 1 and "no SQL statements" in r.stderr
    (project.path / path).write_text("CREATE TABLE todo (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    assert db.table_exists("todo")
