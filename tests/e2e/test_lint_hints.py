"""Issue 14, part 3: lint's safe alternatives, pasted, do what they say on a real server."""
import json
import re
import shutil


def suggestion(pgshift, project, name, sql):
    """Lints one migration on its own and returns its findings (JSON), then removes it."""
    d = project.add(name, sql)
    r = pgshift.run("lint", "--format", "json", str(project.migrations / d / "migration.sql"))
    shutil.rmtree(project.migrations / d)
    return json.loads(r.stdout)["findings"]


def migrations_of(safe):
    """Splits a safe alternative at its "-- migration N" lines."""
    parts = re.split(r"\n(?=-- migration \d)", safe)
    return [p for p in parts if re.search(r"^\s*[A-Z]", p, re.M)]


def columns(db, table):
    return {r[0]: r[1] for r in db.query(
        "SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped", (table,))}


def test_prisma_drop_column_suggestion_drops_that_column(db, project, pgshift):
    """Quoting was lost: ALTER TABLE User DROP COLUMN oldField named another column (or did not parse)."""
    project.add("init", 'CREATE TABLE "User" (id int PRIMARY KEY, "oldField" text, oldfield text);\n'
                        'CREATE TABLE "user" (id int);\n')
    assert pgshift.run_db("deploy").returncode == 0
    found = suggestion(pgshift, project, "drop", 'ALTER TABLE "User" DROP COLUMN "oldField";\n')
    assert [f["rule"] for f in found] == ["drop-column"]
    with db.conn() as c:
        c.execute(found[0]["safe_alternative"])
    assert columns(db, '"User"') == {"id": True, "oldfield": False}
    assert db.table_exists('"user"')


def test_set_not_null_alternative_as_its_migrations_deploys_strict(db, project, pgshift):
    project.add("init", 'CREATE TABLE "User" (id int PRIMARY KEY, "Email" text);\n'
                        "INSERT INTO \"User\" SELECT g, 'u' || g FROM generate_series(1, 100) g;\n")
    assert pgshift.run_db("deploy").returncode == 0
    found = suggestion(pgshift, project, "nn", 'ALTER TABLE "User" ALTER COLUMN "Email" SET NOT NULL;\n')
    assert [f["rule"] for f in found] == ["set-not-null"]
    safe = found[0]["safe_alternative"]

    # Pasted into one migration it still warns: ADD CONSTRAINT's lock would be held through VALIDATE.
    one = project.add("one", safe + "\n")
    r = pgshift.run_db("deploy", "--strict")
    assert r.returncode == 3 and "set-not-null" in r.stdout, r.stdout + r.stderr
    shutil.rmtree(project.migrations / one)

    parts = migrations_of(safe)
    assert len(parts) == 3
    for i, part in enumerate(parts):
        project.add(f"step{i + 1}", part + "\n")
    r = pgshift.run_db("deploy", "--strict")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "set-not-null" not in r.stdout + r.stderr
    assert columns(db, '"User"')["Email"] is True
    assert db.scalar("SELECT count(*) FROM pg_constraint WHERE conrelid = '\"User\"'::regclass AND contype = 'c'") == 0


def test_set_not_null_quiet_when_the_database_has_the_valid_check(db, project, pgshift):
    """Migrations 1 and 2 deployed earlier: lint reads the valid check in the catalogue."""
    project.add("init", "CREATE TABLE users (id int PRIMARY KEY, email text, name text);\n"
                        "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\n"
                        "ALTER TABLE users ADD CONSTRAINT name_nn CHECK (name IS NOT NULL) NOT VALID;\n")
    project.add("validate", "ALTER TABLE users VALIDATE CONSTRAINT email_nn;\n")
    assert pgshift.run_db("deploy").returncode == 0

    # name_nn is not valid: SET NOT NULL would scan
    d = project.add("name_nn", "ALTER TABLE users ALTER COLUMN name SET NOT NULL;\n")
    r = pgshift.run_db("lint", "--strict")
    assert r.returncode == 3 and "set-not-null" in r.stdout, r.stdout + r.stderr
    shutil.rmtree(project.migrations / d)

    project.add("email_nn", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"
                            "ALTER TABLE users DROP CONSTRAINT email_nn;\n")
    r = pgshift.run_db("lint", "--strict")
    assert r.returncode == 0 and "set-not-null" not in r.stdout, r.stdout + r.stderr
    r = pgshift.run_db("deploy", "--strict")
    assert r.returncode == 0, r.stdout + r.stderr
    assert columns(db, "users")["email"] is True
