"""rollback: down.sql newest first, each with its history change in one transaction."""
import json


# A down.sql goes through the safety gate as migration.sql does: dropping a table needs an acknowledgement.
ALLOW = "-- pgshift:allow drop-table because: reverts the migration\n"


def three(project):
    a = project.add("a", "CREATE TABLE a (id int);\n", down=ALLOW + "DROP TABLE a;\n")
    b = project.add("b", "CREATE TABLE b (id int);\n", down=ALLOW + "DROP TABLE b;\n")
    c = project.add("c", "CREATE TABLE c (id int);\n", down=ALLOW + "DROP TABLE c;\n")
    return a, b, c


def states(pgshift):
    r = pgshift.run_db("status", "--json")
    return {m["name"]: m["state"] for m in json.loads(r.stdout)["migrations"]}


def test_rollback_to_target(db, project, pgshift):
    a, b, c = three(project)
    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("rollback", "--to", a)
    assert r.returncode == 0, r.stderr
    assert r.stdout.index(c) < r.stdout.index(b), "newest first"
    assert "2 migrations rolled back" in r.stdout
    assert db.table_exists("a") and not db.table_exists("b") and not db.table_exists("c")
    assert states(pgshift) == {a: "applied", b: "rolled_back", c: "rolled_back"}
    assert db.scalar("SELECT count(*) FROM pgshift_migrations WHERE rolled_back_at IS NOT NULL") == 2
    # deploy applies them again
    d = pgshift.run_db("deploy")
    assert d.returncode == 0, d.stderr
    assert f"applied {b}" in d.stdout and f"applied {c}" in d.stdout
    assert db.table_exists("b") and db.table_exists("c")
    assert states(pgshift) == {a: "applied", b: "applied", c: "applied"}
    assert pgshift.run_db("status").returncode == 0


def test_rollback_steps(db, project, pgshift):
    a, b, c = three(project)
    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("rollback", "--steps", "1")
    assert r.returncode == 0, r.stderr
    assert states(pgshift) == {a: "applied", b: "applied", c: "rolled_back"}
    r = pgshift.run_db("rollback", "--steps", "2")
    assert r.returncode == 0, r.stderr
    assert states(pgshift) == {a: "rolled_back", b: "rolled_back", c: "rolled_back"}
    assert not db.table_exists("a")
    r = pgshift.run_db("rollback", "--steps", "1")
    assert r.returncode == 2 and "only 0 migrations are applied" in r.stderr


def test_rollback_refuses_when_a_down_is_missing(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n", down=ALLOW + "DROP TABLE a;\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    c = project.add("c", "CREATE TABLE c (id int);\n", down="  \n")
    d = project.add("d", "CREATE TABLE d (id int);\n", down=ALLOW + "DROP TABLE d;\n")
    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("rollback", "--to", a)
    assert r.returncode == 1
    assert b in r.stderr and c in r.stderr and d not in r.stderr.split("for ")[1].split("\n")[0]
    assert "nothing was reverted" in r.stderr
    assert all(db.table_exists(t) for t in "abcd")
    assert db.scalar("SELECT count(*) FROM pgshift_migrations WHERE rolled_back_at IS NOT NULL") == 0


def test_failing_down_in_the_middle_stops_cleanly(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n", down="DROP TABLE a;\n")
    b = project.add("b", "CREATE TABLE b (id int);\n", down="DROP TABLE b;\nDROP TABLE no_such_table;\n")
    c = project.add("c", "CREATE TABLE c (id int);\n", down="DROP TABLE c;\n")
    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("rollback", "--steps", "3", "--approve", a, "--approve", b, "--approve", c)
    assert r.returncode == 1
    assert f"rollback of {b} failed at migrations/{b}/down.sql:2" in r.stderr, r.stderr
    assert 'table "no_such_table" does not exist' in r.stderr
    assert "1 migration reverted before the failure; 1 not touched" in r.stdout
    assert not db.table_exists("c")
    assert db.table_exists("b") and db.table_exists("a")
    assert states(pgshift) == {a: "applied", b: "applied", c: "rolled_back"}


def test_rollback_dry_run_changes_nothing(db, project, pgshift):
    a, b, c = three(project)
    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("rollback", "--steps", "2", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "would revert 2 migrations" in r.stdout and b in r.stdout and c in r.stdout
    assert db.table_exists("c")
    assert states(pgshift) == {a: "applied", b: "applied", c: "applied"}


def test_rollback_bad_arguments(db, project, pgshift):
    a, b, c = three(project)
    assert pgshift.run_db("deploy").returncode == 0
    assert pgshift.run_db("rollback").returncode == 2
    assert pgshift.run_db("rollback", "--to", a, "--steps", "1").returncode == 2
    r = pgshift.run_db("rollback", "--to", "20990101000000_nope")
    assert r.returncode == 2 and "no migration named" in r.stderr
    assert states(pgshift) == {a: "applied", b: "applied", c: "applied"}


def with_rows(project, down):
    t = project.add("t", "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL DEFAULT 0);\n"
                         "INSERT INTO t (id) SELECT generate_series(1, 1000);\n")
    return t, project.add("v2", "ALTER TABLE t ADD COLUMN v2 int;\n", down=down)


def test_down_sql_goes_through_the_safety_gate(db, project, pgshift):
    """An unbounded UPDATE in down.sql is stopped as it would be in migration.sql."""
    t, v2 = with_rows(project, "UPDATE t SET v = coalesce(v2, v);\nALTER TABLE t DROP COLUMN v2;\n")
    assert pgshift.run_db("deploy", "--approve", t).returncode == 0
    r = pgshift.run_db("rollback", "--steps", "1")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "unbounded-dml" in r.stdout and "drop-column" in r.stdout and f"migrations/{v2}/down.sql\n" in r.stdout
    assert f"rollback blocked by the safety gate: the down.sql of {v2} needs review" in r.stderr
    assert "nothing was reverted" in r.stderr and "--approve NAME" in r.stderr
    assert states(pgshift)[v2] == "applied"
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'v2'") == 1
    # a dry run is gated too, and --json keeps stdout JSON (the report on stderr)
    r = pgshift.run_db("rollback", "--steps", "1", "--dry-run", "--json")
    assert r.returncode == 3 and "unbounded-dml" in r.stderr
    assert json.loads(r.stdout)["ok"] is False
    r = pgshift.run_db("rollback", "--steps", "1", "--approve", "20990101000000_other")
    assert r.returncode == 3 and "--approve 20990101000000_other: no migration to revert has that name" in r.stderr
    r = pgshift.run_db("rollback", "--steps", "1", "--approve", v2)
    assert r.returncode == 0, r.stdout + r.stderr
    assert states(pgshift)[v2] == "rolled_back"
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'v2'") == 0


def test_down_sql_allow_and_strict(db, project, pgshift):
    t, v2 = with_rows(project, "-- pgshift:allow drop-column because: v2 is new and unused\n"
                               "ALTER TABLE t DROP COLUMN v2;\nCREATE INDEX t_v ON t (v);\n")
    assert pgshift.run_db("deploy").returncode == 0
    # the acknowledged review finding passes; the index warning blocks only under --strict
    r = pgshift.run_db("rollback", "--steps", "1", "--strict")
    assert r.returncode == 3 and "non-concurrent-index" in r.stdout, r.stdout + r.stderr
    assert states(pgshift)[v2] == "applied"
    r = pgshift.run_db("rollback", "--steps", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert states(pgshift)[v2] == "rolled_back"


def test_down_sql_lock_timeout_directive(db, project, pgshift):
    """-- pgshift:lock-timeout in down.sql wins over --lock-timeout, as in migration.sql."""
    a = project.add("a", "CREATE TABLE a (id int);\n",
                    down="-- pgshift:lock-timeout 200ms\n" + ALLOW + "DROP TABLE a;\n")
    assert pgshift.run_db("deploy").returncode == 0
    holder = db.conn()
    holder.autocommit = False
    holder.execute("SELECT * FROM a")
    holder_pid = holder.info.backend_pid
    try:
        r = pgshift.run_db("rollback", "--steps", "1", "--lock-timeout", "10min", "--lock-retries", "1", timeout=60)
    finally:
        holder.rollback()
        holder.close()
    assert r.returncode == 1 and "lock not granted after 1 attempt over 0.2 s" in r.stderr, r.stderr
    assert f"waited for pid {holder_pid} " in r.stderr, r.stderr      # DROP TABLE names its table: the holder is found
    assert states(pgshift)[a] == "applied"
    (project.migrations / a / "down.sql").write_text("-- pgshift:lock-timeout soon\nDROP TABLE a;\n")
    r = pgshift.run_db("rollback", "--steps", "1")
    assert r.returncode == 1 and f"migrations/{a}/down.sql:1: -- pgshift:lock-timeout needs a duration" in r.stderr
