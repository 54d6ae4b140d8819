"""backfill: batched, resumable, throttled data changes under a live application."""
import signal
import threading
import time

import psycopg

from conftest import wait_for


def make_table(db, rows=200_000, composite=False):
    if composite:
        db.query("CREATE TABLE t (a int, b int, n int NOT NULL DEFAULT 0, done bool NOT NULL DEFAULT false, "
                 "PRIMARY KEY (a, b))")
        db.query(f"INSERT INTO t (a, b) SELECT g / 100, g % 100 FROM generate_series(0, {rows - 1}) g")
    else:
        db.query("CREATE TABLE t (id int PRIMARY KEY, n int NOT NULL DEFAULT 0, done bool NOT NULL DEFAULT false)")
        db.query(f"INSERT INTO t (id) SELECT generate_series(1, {rows})")


ARGS = ("backfill", "--table", "t", "--set", "n = n + 1, done = true", "--where", "NOT done")


def test_every_row_exactly_once(db, project, pgshift):
    make_table(db)
    r = pgshift.run_db(*ARGS, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "200000 rows updated" in r.stdout
    assert db.query("SELECT count(*), min(n), max(n) FROM t") == [(200_000, 1, 1)]
    again = pgshift.run_db(*ARGS)
    assert again.returncode == 0 and "finished earlier" in again.stdout
    assert db.scalar("SELECT max(n) FROM t") == 1
    assert db.scalar("SELECT rows_done FROM pgshift_backfills") == 200_000


def test_composite_key(db, project, pgshift):
    make_table(db, rows=20_000, composite=True)
    r = pgshift.run_db(*ARGS, "--batch", "700", "--target-ms", "0")
    assert r.returncode == 0, r.stderr
    assert db.query("SELECT count(*), min(n), max(n) FROM t") == [(20_000, 1, 1)]


def test_refuses_a_table_without_key(db, project, pgshift):
    db.query("CREATE TABLE nokey (id int, n int)")
    r = pgshift.run_db("backfill", "--table", "nokey", "--set", "n = 1")
    assert r.returncode == 1 and "no primary key or unique index" in r.stderr
    r = pgshift.run_db("backfill", "--table", "missing", "--set", "n = 1")
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = pgshift.run_db("backfill", "--table", "nokey", "--set", "n = 1; DROP TABLE nokey")
    assert r.returncode == 2
    assert db.table_exists("nokey")


def test_sigint_then_resume(db, project, pgshift):
    make_table(db)
    p = pgshift.spawn(*ARGS, "--batch", "2000", "--target-ms", "0", "--sleep", "20ms", "--url", db.url)
    wait_for(lambda: db.table_exists("pgshift_backfills") and
             (db.scalar("SELECT rows_done FROM pgshift_backfills") or 0) > 10_000, timeout=60)
    p.proc.send_signal(signal.SIGINT)
    r = p.wait(60)
    assert r.returncode == 130, r.stderr
    assert "progress saved" in r.stderr and "run the same command again" in r.stderr
    done = db.scalar("SELECT rows_done FROM pgshift_backfills")
    assert 0 < done < 200_000
    assert db.scalar("SELECT count(*) FROM t WHERE n = 1") == done
    r = pgshift.run_db(*ARGS, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "resuming backfill" in r.stdout
    assert db.query("SELECT count(*), min(n), max(n) FROM t") == [(200_000, 1, 1)]


def test_concurrent_application_writes(db, project, pgshift):
    make_table(db, rows=100_000)
    stop = threading.Event()
    app_set = []

    def app():
        with psycopg.connect(db.url, autocommit=True) as c:
            i = 0
            while not stop.is_set():
                i += 1
                rid = 100_000 - i * 37 % 50_000
                # the app finishes some rows itself: the backfill must not overwrite them
                c.execute("UPDATE t SET done = true, n = 100 WHERE id = %s AND NOT done", (rid,))
                app_set.append(rid)
                c.execute("INSERT INTO t (id) VALUES (%s) ON CONFLICT DO NOTHING", (200_000 + i,))
                time.sleep(0.002)

    th = threading.Thread(target=app)
    th.start()
    try:
        r = pgshift.run_db(*ARGS, "--batch", "500", "--target-ms", "50", timeout=120)
    finally:
        stop.set()
        th.join()
    assert r.returncode == 0, r.stderr
    # nothing lost, nothing touched twice: every old row is either the backfill's (1) or the app's (100)
    assert db.scalar("SELECT count(*) FROM t WHERE id <= 100000 AND n NOT IN (1, 100)") == 0
    assert db.scalar("SELECT count(*) FROM t WHERE id <= 100000 AND NOT done") == 0
    assert db.scalar("SELECT count(*) FROM t WHERE n = 100") >= 1
    # rows the app inserted ahead of the cursor were backfilled too (they matched the WHERE)
    assert db.scalar("SELECT count(*) FROM t WHERE id > 200000 AND n NOT IN (0, 1)") == 0


def test_batch_blocked_by_a_lock_is_retried(db, project, pgshift):
    make_table(db, rows=5_000)
    holder = db.conn()
    holder.autocommit = False
    holder.execute("SELECT * FROM t WHERE id = 10 FOR UPDATE")
    threading.Timer(2.0, holder.rollback).start()
    r = pgshift.run_db(*ARGS, "--lock-timeout", "300ms", timeout=60)
    holder.close()
    assert r.returncode == 0, r.stderr
    assert "waited longer than 300 ms for a row lock; retry 1" in r.stderr
    assert db.query("SELECT count(*), min(n), max(n) FROM t") == [(5_000, 1, 1)]


def test_json_progress(db, project, pgshift):
    import json
    make_table(db, rows=3_000)
    r = pgshift.run_db(*ARGS, "--json", "--batch", "1000", "--target-ms", "0")
    assert r.returncode == 0
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert lines[-1]["finished"] is True and lines[-1]["rows_done"] == 3_000


def test_rate_after_a_resume_counts_only_this_run(db, project, pgshift):
    """The earlier run's rows (80 million here) are not this run's work: rate and ETA leave them out."""
    import json
    make_table(db, rows=3_000)
    args = (*ARGS, "--name", "bf", "--json", "--batch", "500", "--target-ms", "0")
    assert pgshift.run_db(*args).returncode == 0
    # as if an earlier run had done 80 million rows and stopped at id 2000
    db.query("UPDATE t SET done = false, n = 0 WHERE id > 2000")
    db.query("UPDATE pgshift_backfills SET finished_at = NULL, rows_done = 80000000, last_key = ARRAY['2000']")
    r = pgshift.run_db(*args)
    assert r.returncode == 0, r.stderr
    last = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")][-1]
    assert last["finished"] is True
    assert last["rows_done"] == 80_001_000 and last["rows_this_run"] == 1_000
    # stopped after its last batch: a resume has nothing left to do, and no rate to show
    db.query("UPDATE pgshift_backfills SET finished_at = NULL")
    r = pgshift.run_db(*ARGS, "--name", "bf")
    assert r.returncode == 0, r.stderr
    assert "80001000 rows updated (0 in this run" in r.stdout and " 0 rows/s" in r.stdout
    db.query("UPDATE pgshift_backfills SET finished_at = NULL")
    r = pgshift.run_db(*args)
    last = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")][-1]
    assert last["rows_this_run"] == 0 and last["rows_per_second"] == 0 and last["eta_seconds"] == 0


def test_batches_shrink_towards_target_ms(db, project, pgshift):
    """--target-ms takes milliseconds: 50,000-row batches are far above 5 ms, so the size halves."""
    import json
    make_table(db, rows=200_000)
    r = pgshift.run_db(*ARGS, "--json", "--batch", "50000", "--target-ms", "5", timeout=120)
    assert r.returncode == 0, r.stderr
    last = json.loads(r.stdout.splitlines()[-1])
    assert last["finished"] is True and last["rows_done"] == 200_000
    assert last["batch"] <= 25_000, last
    bad = pgshift.run_db(*ARGS, "--target-ms", "fast")
    assert bad.returncode == 2 and "--target-ms needs a duration such as 200 (milliseconds)" in bad.stderr


def test_warns_of_a_slot_with_no_consumer(db, project, pgshift):
    """A slot whose replica (or CDC consumer) is away keeps all the WAL the backfill writes: said up front."""
    make_table(db, rows=2_000)
    r = pgshift.run_db(*ARGS)
    assert r.returncode == 0, r.stderr
    assert "replication slot" not in r.stderr
    db.query("UPDATE t SET done = false")
    db.query("SELECT pg_create_physical_replication_slot('e2e_idle_replica', true)")
    try:
        r = pgshift.run_db(*ARGS, "--restart")
        assert r.returncode == 0, r.stderr
        assert "replication slot with no consumer connected: e2e_idle_replica (physical, " in r.stderr
        assert "of WAL kept" in r.stderr and "max_slot_wal_keep_size = -1" in r.stderr
        assert "pg_drop_replication_slot" in r.stderr
        assert db.query("SELECT count(*), min(n), max(n) FROM t") == [(2_000, 2, 2)]
    finally:
        db.query("SELECT pg_drop_replication_slot('e2e_idle_replica')")


def test_max_lag_waits_for_a_lagging_replica(db, project, pgshift, standby):
    """--max-lag: no batch while a real streaming replica replays more than the limit behind."""
    make_table(db, rows=20_000)
    standby.set_apply_delay("3s")
    try:
        p = pgshift.spawn(*ARGS, "--batch", "1000", "--target-ms", "0", "--sleep", "100", "--max-lag", "1s", "--url", db.url)
        err = []
        # the first batches commit; the replica then replays them 3 s late
        line = p.proc.stderr.readline()
        while line and "waiting before the next batch" not in line:
            err.append(line)
            line = p.proc.stderr.readline()
        assert "replica e2e_standby" in line and "(--max-lag 1.0 s)" in line, err + [line]
        done = db.scalar("SELECT rows_done FROM pgshift_backfills")
        assert done < 20_000
        time.sleep(1.5)
        assert db.scalar("SELECT rows_done FROM pgshift_backfills") == done  # no batch while it lags
    finally:
        standby.set_apply_delay("0")
    r = p.wait(timeout=120)
    assert r.returncode == 0, r.stderr
    assert "replicas within --max-lag again" in r.stderr
    assert db.query("SELECT count(*), min(n), max(n) FROM t") == [(20_000, 1, 1)]


def test_max_lag_needs_a_role_that_sees_the_lag(db, project, pgshift, standby):
    make_table(db, rows=100)
    db.query("DROP ROLE IF EXISTS bf_plain")
    db.query("CREATE ROLE bf_plain LOGIN PASSWORD 'pw-plain-1'")
    db.query("GRANT ALL ON SCHEMA public TO bf_plain; GRANT ALL ON t TO bf_plain")
    url = db.url.replace(f"{db.server.user}:{db.server.password}@", "bf_plain:pw-plain-1@")
    try:
        r = pgshift.run(*ARGS, "--max-lag", "5s", "--url", url)
        assert r.returncode == 1
        assert "--max-lag needs replication lag from pg_stat_replication, which role bf_plain may not read" in r.stderr
        assert "GRANT pg_monitor TO bf_plain" in r.stderr
        assert db.scalar("SELECT max(n) FROM t") == 0
        assert "pw-plain-1" not in r.stderr + r.stdout
    finally:
        db.query("DROP OWNED BY bf_plain")
        db.query("DROP ROLE bf_plain")


# ---------- -- pgshift:backfill in a migration ----------

EXPAND = """ALTER TABLE t ADD COLUMN email_lower text;
CREATE INDEX t_n ON t (n);

-- pgshift:backfill
UPDATE t SET n = n + 1, done = true, email_lower = 'x' || id WHERE NOT done;

ALTER TABLE t ADD CONSTRAINT t_email_lower_set CHECK (email_lower IS NOT NULL) NOT VALID;
"""


def test_migration_backfill_runs_after_the_schema_part(db, project, pgshift):
    make_table(db, rows=50_000)
    name = project.add("expand", EXPAND)
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"backfill {name} (statement 3, line 5): UPDATE \"t\" in batches" in r.stdout
    assert f"applied {name}" in r.stdout and "with backfill" in r.stdout
    assert db.query("SELECT count(*), min(n), max(n), count(email_lower) FROM t") == [(50_000, 1, 1, 50_000)]
    assert db.scalar("SELECT count(*) FROM pg_constraint WHERE conname = 't_email_lower_set'") == 1
    row = db.query("SELECT finished_at IS NOT NULL, applied_steps_count, logs FROM pgshift_migrations")
    assert row == [(True, 4, None)]
    assert db.query("SELECT name, rows_done, finished_at IS NOT NULL FROM pgshift_backfills") == \
        [(f"{name}/3", 50_000, True)]
    # The linter takes the marked UPDATE for what it is: no unbounded-dml or dml-with-ddl finding.
    r = pgshift.run("lint", "--all")
    assert "unbounded-dml" not in r.stdout and "dml-with-ddl" not in r.stdout, r.stdout


def test_migration_backfill_stopped_then_resumed(db, project, pgshift):
    make_table(db)
    name = project.add("expand", EXPAND)
    p = pgshift.spawn("deploy", "--url", db.url)
    wait_for(lambda: db.table_exists("pgshift_backfills") and
             (db.scalar("SELECT rows_done FROM pgshift_backfills") or 0) > 5_000, timeout=60)
    p.proc.send_signal(signal.SIGINT)
    r = p.wait(60)
    assert r.returncode == 130, r.stdout + r.stderr
    assert "progress saved" in r.stderr and "run deploy again" in r.stderr
    # The schema part is committed and recorded; the row says how far it got.
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'email_lower'") == 1
    steps, finished, logs = db.query("SELECT applied_steps_count, finished_at IS NOT NULL, logs "
                                     "FROM pgshift_migrations")[0]
    assert (steps, finished) == (2, False) and "stopped" in logs
    done = db.scalar("SELECT rows_done FROM pgshift_backfills")
    assert 0 < done < 200_000
    r = pgshift.run_db("status")
    assert r.returncode == 5 and "failed" in r.stdout
    # the way on is deploy (it resumes); resolve --rolled-back would run the ADD COLUMN again
    assert f"{name} stopped at statement 3" in r.stderr and "\"pgshift deploy\": it resumes there" in r.stderr
    assert "resolve --rolled-back" not in r.stderr
    h = pgshift.run_db("health")
    assert h.returncode == 1 and f"\"pgshift deploy\" resumes {name} at statement 3" in h.stdout
    r = pgshift.run_db("resolve", "--rolled-back", name)
    assert r.returncode == 2 and "statement 1 (line 1): ALTER TABLE t ADD COLUMN email_lower text" in r.stderr
    r = pgshift.run_db("deploy", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "resuming" in r.stdout and f"resuming backfill {name}/3" in r.stdout
    # Every row exactly once, across the two runs.
    assert db.query("SELECT count(*), min(n), max(n) FROM t") == [(200_000, 1, 1)]
    assert db.query("SELECT applied_steps_count, finished_at IS NOT NULL FROM pgshift_migrations") == [(4, True)]
    assert pgshift.run_db("status").returncode == 0


def test_migration_backfill_failure_in_a_later_step(db, project, pgshift):
    make_table(db, rows=5_000)
    name = project.add("expand", EXPAND.replace("NOT VALID", "NOT VALID;\nSELECT * FROM nowhere"))
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert "nowhere" in r.stderr and "resume at statement 4" in r.stderr
    assert db.query("SELECT applied_steps_count, finished_at IS NULL FROM pgshift_migrations") == [(3, True)]
    assert db.scalar("SELECT count(*) FROM pg_constraint WHERE conname = 't_email_lower_set'") == 0
    (project.migrations / name / "migration.sql").write_text(EXPAND)
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "backfill" not in r.stdout.split("resuming", 1)[1].split("applied")[0]
    assert db.scalar("SELECT count(*) FROM pg_constraint WHERE conname = 't_email_lower_set'") == 1
    assert db.query("SELECT count(*), min(n), max(n) FROM t") == [(5_000, 1, 1)]


def test_where_cannot_leave_the_key_range(db, project, pgshift):
    make_table(db, rows=1_000)
    db.query("UPDATE t SET done = true WHERE id > 10")
    # pasted as "AND (false) OR (NOT done)" this condition would update every row in one transaction
    for where in ("false) OR (NOT done", "NOT done -- x", "NOT done /* x */", "(NOT done", "NOT done; SELECT 1"):
        r = pgshift.run_db("backfill", "--table", "t", "--set", "n = 1", "--where", where)
        assert r.returncode == 2, r
        assert "--where cannot be pasted into the batch query" in r.stderr, r.stderr
    r = pgshift.run_db("backfill", "--table", "t", "--set", "n = 1 -- x")
    assert r.returncode == 2 and "--set cannot be pasted into the batch query: it holds a comment" in r.stderr
    r = pgshift.run_db("backfill", "--table", "t", "--set", "n = 1 FROM t AS o")
    assert r.returncode == 2 and "cannot have WITH, FROM or RETURNING" in r.stderr, r.stderr
    assert db.scalar("SELECT count(*) FROM t WHERE n <> 0") == 0
    # parentheses and comment marks inside strings are text, and a condition may hold parentheses
    r = pgshift.run_db("backfill", "--table", "t", "--set", "n = length(')--;')", "--where", "(NOT done) AND (id > 0)")
    assert r.returncode == 0, r.stderr
    assert db.query("SELECT count(*), min(n), max(n) FROM t WHERE n <> 0") == [(10, 4, 4)]


def test_migration_backfill_with_a_comment_in_its_update(db, project, pgshift):
    """A comment between SET and WHERE stays inside its part: the batch query the engine builds still works."""
    make_table(db, rows=10)
    project.add("fill", "ALTER TABLE t ADD COLUMN x int;\n-- pgshift:backfill\n"
                        "UPDATE t SET x = 1 -- every row\nWHERE x IS NULL -- not done yet\n  AND id > 0;\n")
    r = pgshift.run("lint")
    assert r.returncode == 0 and "invalid-directive" not in r.stdout, r.stdout
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert db.query("SELECT count(*), count(x) FROM t") == [(10, 10)]


def test_migration_backfill_bad_marks(db, project, pgshift):
    make_table(db, rows=10)
    project.add("bad", "ALTER TABLE t ADD COLUMN x int;\n-- pgshift:backfill\nDELETE FROM t WHERE id < 3;\n")
    for cmd in (("deploy",), ("lint",)):
        r = pgshift.run_db(*cmd) if cmd == ("deploy",) else pgshift.run(*cmd)
        assert r.returncode == 1, r
        out = r.stderr + r.stdout
        assert ("migration.sql:3" in out or "3:1  error  invalid-directive" in out) and "one UPDATE" in out, out
    assert db.scalar("SELECT count(*) FROM t") == 10
    assert not db.table_exists("pgshift_migrations") or \
        db.scalar("SELECT count(*) FROM pgshift_migrations") == 0
    for d in project.migrations.iterdir():
        (d / "migration.sql").write_text("ALTER TABLE t ADD COLUMN x int;\n-- pgshift:backfill\n"
                                          "UPDATE t u SET x = 1 FROM t o WHERE o.id = u.id;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1 and "cannot have WITH, FROM or RETURNING" in r.stderr, r.stderr
    for d in project.migrations.iterdir():
        (d / "migration.sql").write_text("ALTER TABLE t ADD COLUMN x int;\n-- pgshift:backfill\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1 and "stands above no statement" in r.stderr, r.stderr
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'x'") == 0


def test_migration_backfill_ends_in_a_comment(db, project, pgshift):
    """Issue 16: a final backfill UPDATE with a trailing comment and no ';' lints clean and deploys."""
    make_table(db, rows=3_000)
    project.add("expand", "ALTER TABLE t ADD COLUMN x int;\n"
                          "-- pgshift:backfill batch=500\n"
                          "UPDATE t SET x = id -- copy the id\n"
                          "  WHERE x IS NULL -- only the rows not done yet")
    r = pgshift.run("lint", "--all")
    assert r.returncode == 0 and "error" not in r.stdout, r.stdout + r.stderr
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert db.query("SELECT count(*), count(x), sum(x - id) FROM t") == [(3_000, 3_000, 0)]


def test_migration_backfill_settings_on_the_mark(db, project, pgshift):
    make_table(db, rows=5_000)
    name = project.add("expand", "ALTER TABLE t ADD COLUMN x int;\n"
                                 "-- pgshift:backfill batch=500 target-ms=0 sleep=1 lock-timeout=3s\n"
                                 "UPDATE t SET x = id, n = n + 1 WHERE x IS NULL;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    # fixed 500-row batches (target-ms=0), as the mark says
    assert f"backfill {name}/2: 5000 of ~5000 rows" in r.stdout and "batch 500, done" in r.stdout, r.stdout
    assert db.query("SELECT count(*), min(n), max(n) FROM t WHERE x = id") == [(5_000, 1, 1)]


def test_migration_backfill_bad_settings_refused(db, project, pgshift):
    make_table(db, rows=10)
    project.add("bad", "ALTER TABLE t ADD COLUMN x int;\n-- pgshift:backfill batch=lots\n"
                       "UPDATE t SET x = 1 WHERE x IS NULL;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "migration.sql:2: backfill setting \"batch=lots\": not a whole number from 1 to 100000" in r.stderr
    r = pgshift.run("lint")
    assert r.returncode == 1 and "2:1  error  invalid-directive" in r.stdout, r.stdout
    for d in project.migrations.iterdir():
        (d / "migration.sql").write_text("ALTER TABLE t ADD COLUMN x int;\n-- pgshift:backfill speed=11\n"
                                          "UPDATE t SET x = 1 WHERE x IS NULL;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 2 and "unknown backfill setting \"speed=11\"" in r.stderr, r.stderr
    assert "max-lag=DURATION" in r.stderr
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'x'") == 0


# ---------- Prisma projects: the progress table outside Prisma's schema ----------

PROGRESS_DDL = """CREATE TABLE public.pgshift_backfills (name TEXT PRIMARY KEY, table_name TEXT NOT NULL,
    set_expr TEXT NOT NULL, where_expr TEXT, last_key TEXT[], rows_done BIGINT NOT NULL DEFAULT 0,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ, finished_at TIMESTAMPTZ)"""


def prisma_layout(project, pgshift):
    """A Prisma project, deployed (no migrations yet): _prisma_migrations in public."""
    mig = project.path / "prisma" / "migrations"
    mig.mkdir(parents=True)
    (mig / "migration_lock.toml").write_text('provider = "postgresql"\n')
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stdout + r.stderr


def public_tables(db):
    return [r[0] for r in db.query("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                                   "AND relkind IN ('r', 'p') ORDER BY relname")]


def test_prisma_project_keeps_its_progress_in_schema_pgshift(db, project, pgshift):
    prisma_layout(project, pgshift)
    make_table(db, rows=2_000)
    r = pgshift.run_db(*ARGS, "--name", "bf")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2000 rows updated" in r.stdout
    # Prisma's drift check sees every table of public: nothing of pgshift's but Prisma's own history
    assert public_tables(db) == ["_prisma_migrations", "t"]
    assert db.query("SELECT name, rows_done, finished_at IS NOT NULL FROM pgshift.pgshift_backfills") == \
        [("bf", 2_000, True)]
    again = pgshift.run_db(*ARGS, "--name", "bf")
    assert again.returncode == 0 and "backfill bf finished earlier (2000 rows)" in again.stdout


def test_prisma_project_resumes_a_backfill_stopped_in_the_old_place(db, project, pgshift):
    """A backfill stopped half-way by a pgshift that kept the table in public goes on from where it was."""
    prisma_layout(project, pgshift)
    make_table(db, rows=1_000)
    db.query(PROGRESS_DDL)
    db.query("INSERT INTO public.pgshift_backfills (name, table_name, set_expr, where_expr, last_key, rows_done, "
             "started_at) VALUES ('bf', 't', 'n = n + 1, done = true', 'NOT done', ARRAY['400'], 400, "
             "'2025-01-02T03:04:05Z')")
    r = pgshift.run_db(*ARGS, "--name", "bf")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "resuming backfill bf: 400 rows done since 2025-01-02T03:04:05Z" in r.stdout
    assert "1000 rows updated (600 in this run" in r.stdout
    # the rows before the saved key were not visited again: resumed, not restarted
    assert db.query("SELECT count(*) FILTER (WHERE id <= 400 AND n = 0), count(*) FILTER (WHERE id > 400 AND n = 1) "
                    "FROM t") == [(400, 600)]
    assert not db.table_exists("public.pgshift_backfills")
    assert public_tables(db) == ["_prisma_migrations", "t"]
    assert db.query("SELECT name, rows_done, finished_at IS NOT NULL FROM pgshift.pgshift_backfills") == \
        [("bf", 1_000, True)]


def test_prisma_project_keeps_an_old_row_the_new_place_has_too(db, project, pgshift):
    """Two records of one name (an older pgshift ran after the upgrade): the new one counts, the old one is
    kept where it is rather than lost."""
    prisma_layout(project, pgshift)
    make_table(db, rows=300)
    assert pgshift.run_db(*ARGS, "--name", "bf").returncode == 0
    db.query(PROGRESS_DDL)
    db.query("INSERT INTO public.pgshift_backfills (name, table_name, set_expr, rows_done) "
             "VALUES ('bf', 't', 'n = 0', 7), ('other', 't', 'n = 2', 5)")
    r = pgshift.run_db(*ARGS, "--name", "bf")
    assert r.returncode == 0 and "backfill bf finished earlier (300 rows)" in r.stdout, r.stdout + r.stderr
    assert db.query("SELECT name, rows_done FROM public.pgshift_backfills") == [("bf", 7)]
    assert db.query("SELECT name, rows_done FROM pgshift.pgshift_backfills ORDER BY name") == \
        [("bf", 300), ("other", 5)]


def test_native_project_keeps_its_progress_beside_its_history(db, project, pgshift):
    make_table(db, rows=500)
    assert pgshift.run_db("deploy").returncode == 0
    assert pgshift.run_db(*ARGS, "--name", "bf").returncode == 0
    assert public_tables(db) == ["pgshift_backfills", "pgshift_deployments", "pgshift_migrations", "t"]
    assert db.scalar("SELECT to_regnamespace('pgshift') IS NULL")
