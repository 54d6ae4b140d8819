"""status: states, JSON and exit codes."""
import json


def test_status_states_and_exit_codes(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run_db("status")
    assert r.returncode == 4
    assert "pending" in r.stdout and a in r.stdout
    assert not db.table_exists("pgshift_migrations"), "status must not write"

    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("status")
    assert r.returncode == 0, r.stderr
    assert "applied" in r.stdout and "ms)" in r.stdout
    assert "1 applied, 0 pending" in r.stdout


def test_status_json(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n", down="DROP TABLE a;\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    c = project.add("c", "CREATE TABLE c (id int);\n")
    r = pgshift.run_db("status", "--json")
    assert r.returncode == 4
    out = json.loads(r.stdout)
    states = {m["name"]: m["state"] for m in out["migrations"]}
    assert states == {a: "applied", b: "applied", c: "pending"}
    first = out["migrations"][0]
    assert first["has_down"] is True and out["migrations"][1]["has_down"] is False
    assert first["applied_at"].endswith("Z") and first["duration_ms"] >= 0
    assert out["counts"]["applied"] == 2 and out["counts"]["pending"] == 1
    assert out["up_to_date"] is False
    assert "pgshift_migrations" in out["history_table"]


def test_failed_and_rolled_back_rows_from_history(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    # A failed attempt as another tool (or a no-transaction migration) would leave it.
    db.query("UPDATE pgshift_migrations SET finished_at = NULL, logs = 'boom' WHERE migration_name = %s", (b,))
    r = pgshift.run_db("status")
    assert r.returncode == 5
    assert "failed" in r.stdout
    assert f"pgshift resolve --rolled-back {b}" in r.stderr
    d = pgshift.run_db("deploy")
    assert d.returncode == 5 and f"resolve --rolled-back {b}" in d.stderr

    db.query("UPDATE pgshift_migrations SET rolled_back_at = now() WHERE migration_name = %s", (b,))
    db.query("DROP TABLE b")
    r = pgshift.run_db("status", "--json")
    assert r.returncode == 4
    assert {m["name"]: m["state"] for m in json.loads(r.stdout)["migrations"]}[b] == "rolled_back"
    assert pgshift.run_db("deploy").returncode == 0
    assert db.scalar("SELECT count(*) FROM pgshift_migrations WHERE migration_name = %s "
                     "AND finished_at IS NOT NULL AND rolled_back_at IS NULL", (b,)) == 1
