"""Concurrent index builds that fail or are interrupted leave invalid indexes: deploy, status and health see them (issue 14)."""
import json
import time
from contextlib import contextmanager

from conftest import wait_for, wait_for_pgshift_gone

CIC = "-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_name2_idx ON users (name);\n"


def valid(db, index):
    return db.scalar("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                     "WHERE c.relname = %s", (index,))


def state_of(pgshift, name):
    r = pgshift.run_db("status", "--json")
    return {m["name"]: m for m in json.loads(r.stdout)["migrations"]}[name]


@contextmanager
def held_snapshot(db):
    """A REPEATABLE READ transaction that has read: a concurrent build waits for it before it can finish."""
    c = db.conn()
    c.autocommit = False
    c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    c.execute("SELECT 1")
    try:
        yield c
    finally:
        c.rollback()
        c.close()


def wait_for_build_waiting(db, index):
    """Waits until pgshift's backend waits in the concurrent build, with the index already in the catalog."""
    wait_for(lambda: db.scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgshift' "
                               "AND wait_event_type = 'Lock' AND query ILIKE '%%concurrently%%'") >= 1
             and valid(db, index) is False, timeout=20)


def users(db):
    db.query("CREATE TABLE users (id int PRIMARY KEY, name text)")
    db.query("INSERT INTO users SELECT g, 'n' || g FROM generate_series(1, 1000) g")


def interrupted_build(db, project, pgshift, how):
    """Starts the deploy of the CIC migration, interrupts its build while it waits, returns the migration's name."""
    users(db)
    name = project.add("idx", CIC)
    with held_snapshot(db):
        p = pgshift.spawn("deploy", "--url", db.url, "--lock-timeout", "0")
        wait_for_build_waiting(db, "users_name2_idx")
        if how == "kill -9":
            p.kill9()     # the server notices the lost client (client_connection_check_interval) and ends the build
        else:
            db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgshift'")
            assert p.wait().returncode == 1
        wait_for_pgshift_gone(db)
    assert valid(db, "users_name2_idx") is False
    assert state_of(pgshift, name)["state"] == "failed"
    return name


def check_rebuilt(db, pgshift, name):
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert "index public.users_name2_idx is invalid" in r.stdout
    assert "dropping it with DROP INDEX CONCURRENTLY and building it again" in r.stdout
    assert f"applied {name}" in r.stdout
    assert valid(db, "users_name2_idx") is True
    assert db.scalar("SELECT count(*) FROM pg_class WHERE relname LIKE 'users_name2_idx%%'") == 1
    assert state_of(pgshift, name)["state"] == "applied"
    assert pgshift.run_db("health").returncode == 0


def test_kill_9_during_build_then_deploy_rebuilds_it(db, project, pgshift):
    name = interrupted_build(db, project, pgshift, "kill -9")
    check_rebuilt(db, pgshift, name)


def test_terminated_backend_during_build_then_deploy_rebuilds_it(db, project, pgshift):
    name = interrupted_build(db, project, pgshift, "pg_terminate_backend")
    check_rebuilt(db, pgshift, name)


def test_lock_timeout_in_build_then_deploy_rebuilds_it(db, project, pgshift):
    users(db)
    name = project.add("idx", CIC)
    with held_snapshot(db):
        r = pgshift.run_db("deploy", "--lock-timeout", "300ms", "--lock-retries", "1")
        assert r.returncode == 1
    assert valid(db, "users_name2_idx") is False
    check_rebuilt(db, pgshift, name)


def test_invalid_index_is_never_recorded_applied(db, project, pgshift):
    """The skip of IF NOT EXISTS over an invalid index, as an old pgshift (or a hand-made index) left it."""
    users(db)
    with held_snapshot(db):
        with db.conn() as c:
            c.execute("SET lock_timeout = '300ms'")
            try:
                c.execute("CREATE INDEX CONCURRENTLY users_name2_idx ON users (name)")
            except Exception:
                pass
    assert valid(db, "users_name2_idx") is False
    name = project.add("idx", CIC)
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert "already exists, skipping" not in r.stdout + r.stderr
    assert "dropping it with DROP INDEX CONCURRENTLY" in r.stdout
    assert valid(db, "users_name2_idx") is True
    assert state_of(pgshift, name)["state"] == "applied"


def test_unique_build_on_duplicates_is_reported_then_rebuilt(db, project, pgshift):
    db.query("CREATE TABLE accounts (id int PRIMARY KEY, email text)")
    db.query("INSERT INTO accounts VALUES (1, 'a@x'), (2, 'a@x'), (3, 'b@x')")
    name = project.add("uniq", "CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert "could not create unique index" in r.stderr
    assert valid(db, "accounts_email_key") is False

    s = pgshift.run_db("status")
    assert s.returncode == 5
    assert "invalid index public.accounts_email_key on public.accounts" in s.stdout
    assert "REINDEX INDEX CONCURRENTLY public.accounts_email_key;" in s.stderr
    assert "DROP INDEX CONCURRENTLY public.accounts_email_key;" in s.stderr
    j = json.loads(pgshift.run_db("status", "--json").stdout)
    assert j["invalid_indexes"] == [{"index": "public.accounts_email_key", "table": "public.accounts",
                                     "reindex_leftover": False, "being_built_by": None,
                                     "fix": "REINDEX INDEX CONCURRENTLY public.accounts_email_key; (or drop it: "
                                            "DROP INDEX CONCURRENTLY public.accounts_email_key;)"}]
    h = pgshift.run_db("health")
    assert h.returncode == 5
    assert "public.accounts_email_key on public.accounts" in h.stdout
    assert "fix: REINDEX INDEX CONCURRENTLY public.accounts_email_key;" in h.stdout

    db.query("DELETE FROM accounts WHERE id = 2")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert "index public.accounts_email_key is invalid" in r.stdout and "building it again" in r.stdout
    assert valid(db, "accounts_email_key") is True
    assert state_of(pgshift, name)["state"] == "applied"
    assert pgshift.run_db("status").returncode == 0
    h = pgshift.run_db("health", "--json")
    assert h.returncode == 0
    assert {c["check"]: c for c in json.loads(h.stdout)["checks"]}["indexes"]["ok"] is True


def test_applied_migration_with_invalid_index_fails_health(db, project, pgshift):
    """Health and status catch an invalid index even when the history is clean."""
    db.query("CREATE TABLE accounts (id int PRIMARY KEY, email text)")
    db.query("INSERT INTO accounts VALUES (1, 'a@x'), (2, 'a@x')")
    name = project.add("uniq", "CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email);\n")
    assert pgshift.run_db("deploy").returncode == 1
    assert pgshift.run_db("resolve", "--applied", name).returncode == 0
    assert pgshift.run_db("status").returncode == 5
    h = pgshift.run_db("health", "--json")
    assert h.returncode == 5
    checks = {c["check"]: c for c in json.loads(h.stdout)["checks"]}
    assert checks["history"]["ok"] is True and checks["indexes"]["ok"] is False
    db.query("DELETE FROM accounts WHERE id = 2")
    db.query("REINDEX INDEX CONCURRENTLY accounts_email_key")   # the fix health names
    assert valid(db, "accounts_email_key") is True
    assert pgshift.run_db("health").returncode == 0


def test_reindex_concurrently_leftover_is_reported_and_dropped(db, project, pgshift):
    users(db)
    db.query("CREATE INDEX users_name_idx ON users (name)")
    with held_snapshot(db):
        with db.conn() as c:
            c.execute("SET lock_timeout = '300ms'")
            try:
                c.execute("REINDEX INDEX CONCURRENTLY users_name_idx")
            except Exception:
                pass
    assert valid(db, "users_name_idx_ccnew") is False and valid(db, "users_name_idx") is True
    s = pgshift.run_db("status")
    assert s.returncode == 5
    assert "invalid index public.users_name_idx_ccnew on public.users: left over by an interrupted REINDEX " \
           "CONCURRENTLY" in s.stdout
    assert "hint: drop it: DROP INDEX CONCURRENTLY public.users_name_idx_ccnew;" in s.stderr
    h = pgshift.run_db("health")
    assert h.returncode == 5 and "fix: DROP INDEX CONCURRENTLY public.users_name_idx_ccnew;" in h.stdout

    name = project.add("reindex", "REINDEX INDEX CONCURRENTLY users_name_idx;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert "index public.users_name_idx_ccnew is invalid (left over by an interrupted REINDEX CONCURRENTLY)" in r.stdout
    assert valid(db, "users_name_idx_ccnew") is None and valid(db, "users_name_idx") is True
    assert state_of(pgshift, name)["state"] == "applied"
    assert pgshift.run_db("health").returncode == 0


def test_reindex_killed_leaves_a_leftover_health_reports(db, project, pgshift):
    users(db)
    db.query("CREATE INDEX users_name_idx ON users (name)")
    project.add("reindex", "REINDEX INDEX CONCURRENTLY users_name_idx;\n")
    with held_snapshot(db):
        p = pgshift.spawn("deploy", "--url", db.url, "--lock-timeout", "0")
        wait_for_build_waiting(db, "users_name_idx_ccnew")
        p.kill9()
        wait_for_pgshift_gone(db)
    h = pgshift.run_db("health")
    assert h.returncode == 5
    assert "public.users_name_idx_ccnew on public.users (left over by an interrupted REINDEX CONCURRENTLY" in h.stdout
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert "index public.users_name_idx_ccnew is invalid" in r.stdout
    assert pgshift.run_db("health").returncode == 0


def test_unnamed_build_warns_about_an_earlier_leftover(db, project, pgshift):
    """A server-named index cannot be matched to an earlier attempt: deploy names the leftover and its fix."""
    users(db)
    with held_snapshot(db):
        with db.conn() as c:
            c.execute("SET lock_timeout = '300ms'")
            try:
                c.execute("CREATE INDEX CONCURRENTLY ON users (name)")
            except Exception:
                pass
    assert valid(db, "users_name_idx") is False
    project.add("idx", "CREATE INDEX CONCURRENTLY ON users (name);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert "public.users has an invalid index public.users_name_idx, not built by this statement; fix: " \
           "REINDEX INDEX CONCURRENTLY public.users_name_idx;" in r.stdout
    assert valid(db, "users_name_idx1") is True


def test_if_not_exists_over_an_index_on_another_table_fails_the_step(db, project, pgshift):
    """IF NOT EXISTS skips over any relation of the name: the step checks it got a valid index on its own table."""
    users(db)
    db.query("CREATE TABLE other (name text)")
    db.query("CREATE INDEX users_name2_idx ON other (name)")
    name = project.add("idx", CIC)
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert f"migrations/{name}/migration.sql:2" in r.stderr
    assert "no index public.users_name2_idx was built on public.users: an index of that name exists on " \
           "public.other" in r.stderr
    assert state_of(pgshift, name)["state"] == "failed"
    assert "0 of 1 statements applied" in state_of(pgshift, name)["logs"]


def test_default_build_outlasts_an_older_transaction(db, project, pgshift):
    """With no flags, a concurrent build waits for an older transaction longer than the 5 s no-transaction default:
    its waits block no application query, so a short lock_timeout would only fail it and leave an invalid index."""
    users(db)
    name = project.add("idx", CIC)
    with held_snapshot(db):
        p = pgshift.spawn("deploy", "--url", db.url)
        wait_for_build_waiting(db, "users_name2_idx")
        time.sleep(6)
        assert p.proc.poll() is None, "the build gave up while the older transaction was still open"
        db.query("INSERT INTO users VALUES (5000, 'app write while the build waits')")
    r = p.wait()
    assert r.returncode == 0, r.stderr
    assert valid(db, "users_name2_idx") is True
    assert state_of(pgshift, name)["state"] == "applied"
