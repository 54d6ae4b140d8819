"""--history-schema and --schema: any name is quoted; one that cannot be is an error (exit 2) before anything is written."""
import os

# a byte that is not UTF-8: libpq refuses to quote it
UNQUOTABLE = os.fsdecode(b"hist\xe3")
MESSAGE = "the history schema (--history-schema) is not valid UTF8 text"


def test_an_unquotable_history_schema_stops_every_command(db, project, pgshift):
    project.add("t", "CREATE TABLE t (id int PRIMARY KEY);\n")
    db.query("CREATE TABLE b (id int PRIMARY KEY, n int NOT NULL DEFAULT 0)")
    db.query("INSERT INTO b (id) SELECT generate_series(1, 10)")
    for cmd in (("deploy",), ("status",), ("backfill", "--table", "b", "--set", "n = 1"),
                ("resolve", "--rolled-back", "t")):
        r = pgshift.run_db(*cmd, "--history-schema", UNQUOTABLE)
        assert r.returncode == 2, (cmd, r)
        assert MESSAGE in r.stderr, (cmd, r)
        assert "(null)" not in r.stdout + r.stderr
    assert not db.table_exists("t") and not db.table_exists("pgshift_migrations")
    assert db.scalar("SELECT count(*) FROM pg_class WHERE relname = 'pgshift_backfills'") == 0
    assert db.scalar("SELECT sum(n) FROM b") == 0


def test_an_odd_history_schema_is_quoted(db, project, pgshift):
    odd = 'hist "odd" $pgshift$; --'
    project.add("t", "CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 0);\n")
    r = pgshift.run_db("deploy", "--history-schema", odd)
    assert r.returncode == 0, r.stderr
    assert db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (odd,)) == 1
    assert db.scalar("SELECT to_regclass(format('%%I.pgshift_migrations', %s::text)) IS NOT NULL", (odd,))
    db.query("INSERT INTO t (id) SELECT generate_series(1, 10)")
    r = pgshift.run_db("backfill", "--table", "t", "--set", "n = 1", "--history-schema", odd)
    assert r.returncode == 0, r.stderr
    assert db.scalar("SELECT sum(n) FROM t") == 10
    assert pgshift.run_db("status", "--history-schema", odd).returncode == 0


def test_reset_with_an_unquotable_schema_drops_nothing(db, project, pgshift):
    project.add("t", "CREATE TABLE t (id int PRIMARY KEY);\n")
    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("reset", "--yes", "--schema", "public", "--schema", os.fsdecode(b"public; DROP TABLE t; --\xe3"))
    assert r.returncode == 2, r
    assert "error: --schema is not valid UTF8 text" in r.stderr and "(null)" not in r.stderr
    assert db.table_exists("t") and db.scalar("SELECT count(*) FROM pgshift_migrations") == 1
