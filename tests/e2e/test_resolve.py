"""resolve: the way out of a failed migration."""
import hashlib
import json
import os
import pwd
import re


def make_failed(db, project, pgshift):
    """Applies a and b, then turns b into a failed attempt (as a crash mid-way would leave it)."""
    a = project.add("a", "CREATE TABLE a (id int);\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    db.query("UPDATE pgshift_migrations SET finished_at = NULL, logs = 'crashed' WHERE migration_name = %s", (b,))
    db.query("DROP TABLE b")
    return a, b


def state_of(pgshift, name):
    r = pgshift.run_db("status", "--json")
    return {m["name"]: m["state"] for m in json.loads(r.stdout)["migrations"]}[name]


def test_resolve_rolled_back_then_deploy_reruns(db, project, pgshift):
    a, b = make_failed(db, project, pgshift)
    s = pgshift.run_db("status")
    assert s.returncode == 5 and f"pgshift resolve --rolled-back {b}" in s.stderr
    d = pgshift.run_db("deploy")
    assert d.returncode == 5 and f"pgshift resolve --rolled-back {b}" in d.stderr
    r = pgshift.run_db("resolve", "--rolled-back", b)
    assert r.returncode == 0, r.stderr
    assert f"{b} resolved as rolled back" in r.stdout
    assert state_of(pgshift, b) == "rolled_back"
    d = pgshift.run_db("deploy")
    assert d.returncode == 0, d.stderr
    assert db.table_exists("b")
    assert state_of(pgshift, b) == "applied"
    # the failed attempt stays in the history, marked
    assert db.scalar("SELECT count(*) FROM pgshift_migrations WHERE migration_name = %s", (b,)) == 2


def test_resolve_applied(db, project, pgshift):
    a, b = make_failed(db, project, pgshift)
    db.query("CREATE TABLE b (id int)")  # finished by hand
    r = pgshift.run_db("resolve", "--applied", b)
    assert r.returncode == 0, r.stderr
    assert state_of(pgshift, b) == "applied"
    assert pgshift.run_db("status").returncode == 0
    d = pgshift.run_db("deploy")
    assert d.returncode == 0 and "up to date" in d.stdout
    row = db.query("SELECT applied_steps_count, checksum FROM pgshift_migrations "
                   "WHERE migration_name = %s AND finished_at IS NOT NULL AND rolled_back_at IS NULL", (b,))
    import hashlib
    assert row == [(0, hashlib.sha256((project.migrations / b / "migration.sql").read_bytes()).hexdigest())]


def test_resolve_refuses_non_failed(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    assert pgshift.run_db("deploy", "--dir", "migrations").returncode == 0
    c = project.add("c", "CREATE TABLE c (id int);\n")
    for flag, name, state in (("--applied", a, "applied"), ("--rolled-back", c, "pending")):
        r = pgshift.run_db("resolve", flag, name)
        assert r.returncode == 5
        assert f"{name} is {state}, not failed" in r.stderr
    r = pgshift.run_db("resolve", "--applied", "20990101000000_nope")
    assert r.returncode == 2 and "no migration named" in r.stderr
    r = pgshift.run_db("resolve")
    assert r.returncode == 2
    assert db.scalar("SELECT count(*) FROM pgshift_migrations") == 2


def test_rolled_back_refused_when_applied_steps_would_run_again(db, project, pgshift):
    """A no-transaction migration that failed after two statements: --rolled-back would run them again."""
    name = project.add("log", "-- pgshift:no-transaction\n"
                              "CREATE TABLE IF NOT EXISTS log (id serial PRIMARY KEY, v text);\n"
                              "INSERT INTO log (v) VALUES ('seeded');\n"
                              "SELECT * FROM nowhere;\n")
    assert pgshift.run_db("deploy").returncode == 1
    r = pgshift.run_db("resolve", "--rolled-back", name)
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"refusing to resolve {name} as rolled back: 2 of its 3 statements are applied" in r.stderr
    assert "statement 1 (line 2): CREATE TABLE IF NOT EXISTS log" in r.stderr
    assert "statement 2 (line 3): INSERT INTO log (v) VALUES ('seeded')" in r.stderr, r.stderr
    assert f"\"pgshift deploy\" resumes {name} at statement 3" in r.stderr
    assert "--rerun-applied-steps" in r.stderr
    assert db.query("SELECT finished_at IS NULL, rolled_back_at IS NULL FROM pgshift_migrations") == [(True, True)]
    # the flag does what it says: the row is rolled back (as Prisma's resolve) and deploy runs it all again
    (project.migrations / name / "migration.sql").write_text(
        "-- pgshift:no-transaction\nCREATE TABLE IF NOT EXISTS log (id serial PRIMARY KEY, v text);\n"
        "INSERT INTO log (v) VALUES ('seeded');\nSELECT 1;\n")
    r = pgshift.run_db("resolve", "--rolled-back", name, "--rerun-applied-steps")
    assert r.returncode == 0, r.stderr
    assert "runs" in r.stderr and "again running the 2 applied" in r.stderr and "INSERT INTO log" in r.stderr
    assert state_of(pgshift, name) == "rolled_back"
    assert pgshift.run_db("deploy").returncode == 0
    assert db.scalar("SELECT count(*) FROM log") == 2


def test_rolled_back_of_a_failed_no_tx_migration_with_nothing_applied(db, project, pgshift):
    name = project.add("first", "-- pgshift:no-transaction\nSELECT * FROM nowhere;\nCREATE TABLE x (id int);\n")
    assert pgshift.run_db("deploy").returncode == 1
    r = pgshift.run_db("resolve", "--rolled-back", name)
    assert r.returncode == 0, r.stderr
    assert "would run" not in r.stderr and "again running" not in r.stderr
    assert state_of(pgshift, name) == "rolled_back"


def test_accept_edit_records_the_new_checksum_and_who(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    sql = project.migrations / a / "migration.sql"
    sql.write_bytes(sql.read_bytes().replace(b"\n", b"\r\n"))
    assert pgshift.run_db("status").returncode == 5
    # only a modified migration has an edit to accept
    r = pgshift.run_db("resolve", "--accept-edit", b)
    assert r.returncode == 5 and "is applied, not modified" in r.stderr, r.stderr
    r = pgshift.run_db("resolve", "--accept-edit", "20990101000000_nope")
    assert r.returncode == 2 and 'no migration named "20990101000000_nope"' in r.stderr
    r = pgshift.run_db("resolve", "--accept-edit", a, "--applied", b)
    assert r.returncode == 2 and "exactly one of" in r.stderr
    old = db.scalar("SELECT checksum FROM pgshift_migrations WHERE migration_name = %s", (a,))

    r = pgshift.run_db("resolve", "--accept-edit", a)
    assert r.returncode == 0, r.stderr
    new = hashlib.sha256(sql.read_bytes()).hexdigest()
    assert f"{a}: edit accepted, recorded checksum {new}; the edit: whitespace or comments only" in r.stdout
    checksum, logs = db.query("SELECT checksum, logs FROM pgshift_migrations WHERE migration_name = %s", (a,))[0]
    assert checksum == new
    user = pwd.getpwuid(os.geteuid()).pw_name
    assert re.fullmatch(rf"edit accepted by {user} \(database role postgres\) at \d{{4}}-\d\d-\d\dT[\d:.]+Z; "
                        rf"the checksum was {old}", logs), logs
    r = pgshift.run_db("status")
    assert r.returncode == 0, r.stdout + r.stderr
    r = pgshift.run_db("resolve", "--accept-edit", a)
    assert r.returncode == 5 and "is applied, not modified" in r.stderr
