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
