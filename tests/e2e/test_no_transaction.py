"""Migrations that cannot run in a transaction: statement by statement, with an exact record."""
import json

from conftest import wait_for_pgshift_gone, wait_for_pgshift_query


def row(db, name):
    rows = db.query("SELECT finished_at IS NOT NULL, applied_steps_count, logs, rolled_back_at IS NOT NULL "
                    "FROM pgshift_migrations WHERE migration_name = %s ORDER BY started_at", (name,))
    return rows[-1] if rows else None


def state_of(pgshift, name):
    r = pgshift.run_db("status", "--json")
    return {m["name"]: m for m in json.loads(r.stdout)["migrations"]}[name]


def test_create_index_concurrently_runs_outside_a_transaction(db, project, pgshift):
    project.add("t", "CREATE TABLE t (id int, v text);\nINSERT INTO t SELECT g, g::text FROM generate_series(1, 1000) g;\n")
    idx = project.add("idx", "CREATE INDEX CONCURRENTLY t_v_idx ON t (v);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert f"applied {idx}" in r.stdout and "no transaction" in r.stdout
    assert db.scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v_idx'::regclass") is True
    assert row(db, idx)[:2] == (True, 1)
    assert pgshift.run_db("status").returncode == 0


def test_mixed_migration_is_refused_before_anything_runs(db, project, pgshift):
    mixed = project.add("mixed", "CREATE TABLE m (id int);\n\nCREATE INDEX CONCURRENTLY m_idx ON m (id);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert f"migrations/{mixed}/migration.sql:3" in r.stderr
    assert "CREATE INDEX CONCURRENTLY cannot run inside a transaction" in r.stderr
    assert "split it" in r.stderr and "-- pgshift:no-transaction" in r.stderr
    assert not db.table_exists("m")
    assert db.scalar("SELECT count(*) FROM pgshift_migrations") == 0


def three_steps(project, second="CREATE TABLE nt2 (id int REFERENCES no_such_table);"):
    return project.add("nt", "-- pgshift:no-transaction\n"
                             "CREATE TABLE nt1 (id int);\n"
                             f"{second}\n"
                             "CREATE TABLE nt3 (id int);\n")


def test_failure_at_second_of_three_statements(db, project, pgshift):
    name = three_steps(project)
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert f"migrations/{name}/migration.sql:3" in r.stderr
    assert "statement 2 of 3" in r.stderr and "REFERENCES no_such_table" in r.stderr
    assert "statements 1-1 stay applied" in r.stderr
    finished, steps, logs, rolled = row(db, name)
    assert (finished, steps, rolled) == (False, 1, False)
    assert "statement 2 of 3 (line 3) failed" in logs and "1 of 3 statements applied" in logs
    assert db.table_exists("nt1") and not db.table_exists("nt2") and not db.table_exists("nt3")
    st = state_of(pgshift, name)
    assert st["state"] == "failed" and st["applied_steps_count"] == 1
    s = pgshift.run_db("status")
    assert s.returncode == 5


def test_fixed_rerun_resumes_where_it_stopped(db, project, pgshift):
    name = three_steps(project)
    assert pgshift.run_db("deploy").returncode == 1
    (project.migrations / name / "migration.sql").write_text(
        "-- pgshift:no-transaction\nCREATE TABLE nt1 (id int);\nCREATE TABLE nt2 (id int);\nCREATE TABLE nt3 (id int);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr   # statement 1 (CREATE TABLE nt1) would fail if it ran again
    assert f"resuming {name} at statement 2 of 3" in r.stdout
    assert row(db, name)[:2] == (True, 3)
    assert db.table_exists("nt2") and db.table_exists("nt3")
    assert db.scalar("SELECT count(*) FROM pgshift_migrations") == 1
    assert pgshift.run_db("status").returncode == 0


def test_resolve_applied_after_finishing_by_hand(db, project, pgshift):
    name = three_steps(project)
    assert pgshift.run_db("deploy").returncode == 1
    db.query("CREATE TABLE nt2 (id int)")
    db.query("CREATE TABLE nt3 (id int)")
    r = pgshift.run_db("resolve", "--applied", name)
    assert r.returncode == 0, r.stderr
    assert state_of(pgshift, name)["state"] == "applied"
    assert pgshift.run_db("deploy").returncode == 0
    assert pgshift.run_db("status").returncode == 0


def test_kill_9_leaves_an_exact_record(db, project, pgshift):
    name = project.add("slow", "-- pgshift:no-transaction\n"
                               "CREATE TABLE k1 (id int);\n"
                               "SELECT pg_sleep(3);\n"
                               "CREATE TABLE k3 (id int);\n")
    p = pgshift.spawn("deploy", "--url", db.url)
    wait_for_pgshift_query(db, "pg_sleep")
    p.kill9()
    wait_for_pgshift_gone(db)
    finished, steps, logs, rolled = row(db, name)
    assert (finished, steps) == (False, 1)
    assert db.table_exists("k1") and not db.table_exists("k3")
    assert state_of(pgshift, name)["state"] == "failed"
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert "at statement 2 of 3" in r.stdout
    assert row(db, name)[:2] == (True, 3) and db.table_exists("k3")
