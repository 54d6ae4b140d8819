"""resolve: the way out of a failed migration."""
import json


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
