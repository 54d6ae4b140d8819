"""pgshift diff reads its two sides at the same time (run/sides.c): two databases read together, a database read
while a scratch database fills, two scratch databases created and filled together; Ctrl-C during the fills drops
every scratch database (exit 130), and an error names the side it comes from."""
import os
import signal

import psycopg

from conftest import wait_for
from test_diff import BASE, scratch_dbs

# a view: reading a model asks pg_get_viewdef, which waits for a lock the test holds on the view
VIEW = BASE + "CREATE VIEW user_emails AS SELECT id, email FROM users;\n"


def sleep_in_scratch(seconds):
    return ("DO $$ BEGIN IF current_database() LIKE 'pgshift\\_scratch\\_%' THEN "
            f"PERFORM pg_sleep({seconds}); END IF; END $$;\n")


def lock_view(pg, dbname):
    """An open transaction holding the view of VIEW in dbname locked (ACCESS EXCLUSIVE); close it to release."""
    c = psycopg.connect(host=str(pg.socket_dir), port=pg.port, user=pg.user, dbname=dbname)
    c.execute("LOCK TABLE user_emails IN ACCESS EXCLUSIVE MODE")
    return c


def pgshift_waiting_for_a_lock(pg):
    with pg.connect() as c:
        return c.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgshift' "
                         "AND wait_event_type = 'Lock'").fetchone()[0]


def scratch_sleepers(pg):
    with pg.connect() as c:
        return c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'pgshift\\_scratch\\_%' "
                         "AND query LIKE '%pg_sleep%' AND state = 'active'").fetchone()[0]


def scratch_has_column(pg, column):
    for name in scratch_dbs(pg):
        try:
            with pg.connect(name) as c:
                return c.execute("SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass('public.users') "
                                 "AND attname = %s", (column,)).fetchone()[0] == 1
        except psycopg.Error:
            return False
    return False


def test_diff_reads_two_databases_at_the_same_time(pg, dbs, pgshift):
    """Both reads wait for a lock at once: the --to side is not read after the --from side."""
    a, b = dbs(VIEW), dbs(VIEW + "ALTER TABLE users ADD COLUMN nick text;")
    locks = [lock_view(pg, a), lock_view(pg, b)]
    try:
        p = pgshift.spawn("diff", "--from", pg.url(a), "--to", pg.url(b))
        wait_for(lambda: pgshift_waiting_for_a_lock(pg) == 2, timeout=15)
    finally:
        for c in locks:
            c.close()
    r = p.wait(timeout=30)
    assert r.returncode == 0 and "ALTER TABLE public.users ADD COLUMN nick text;" in r.stdout, r


def test_diff_fills_a_scratch_database_while_it_reads_the_database(pg, dbs, pgshift, tmp_path):
    """A .sql file side is loaded into its scratch database (on the URL side's server) while the URL side's read
    waits for a lock; the scratch database is dropped afterwards."""
    a = dbs(VIEW)
    schema = tmp_path / "schema.sql"
    schema.write_text(VIEW + "ALTER TABLE users ADD COLUMN nick text;\n")
    lock = lock_view(pg, a)
    try:
        p = pgshift.spawn("diff", "--from", pg.url(a), "--to", str(schema))
        # the file loaded (its last statement committed) while the read of --from still waits
        wait_for(lambda: scratch_has_column(pg, "nick"), timeout=15)
        assert pgshift_waiting_for_a_lock(pg) == 1
    finally:
        lock.close()
    r = p.wait(timeout=30)
    assert r.returncode == 0 and "ALTER TABLE public.users ADD COLUMN nick text;" in r.stdout, r
    assert scratch_dbs(pg) == []


def test_diff_fills_two_scratch_databases_at_the_same_time(pg, dbs, pgshift, tmp_path):
    """Two .sql files: both scratch databases exist and fill at once, and both are dropped afterwards."""
    (tmp_path / "a.sql").write_text(BASE + sleep_in_scratch(3))
    (tmp_path / "b.sql").write_text(BASE + "ALTER TABLE users ADD COLUMN nick text;\n" + sleep_in_scratch(3))
    env = {"DATABASE_URL": pg.url(dbs(""))}
    p = pgshift.spawn("diff", "--from", str(tmp_path / "a.sql"), "--to", str(tmp_path / "b.sql"), env=env)
    wait_for(lambda: scratch_sleepers(pg) == 2, timeout=15)
    r = p.wait(timeout=30)
    assert r.returncode == 0 and r.stdout.strip().endswith("ALTER TABLE public.users ADD COLUMN nick text;"), r
    assert scratch_dbs(pg) == []


def test_diff_sigint_during_the_two_fills_drops_both_scratch_databases(pg, dbs, pgshift, tmp_path):
    """Ctrl-C while both scratch databases fill cancels both and drops both (exit 130), nothing on stdout."""
    (tmp_path / "a.sql").write_text(BASE + sleep_in_scratch(60))
    d = tmp_path / "dir"
    d.mkdir()
    (d / "1.sql").write_text(BASE + sleep_in_scratch(60))
    p = pgshift.spawn("diff", "--from", str(tmp_path / "a.sql"), "--to", str(d), env={"DATABASE_URL": pg.url(dbs(""))})
    wait_for(lambda: scratch_sleepers(pg) == 2, timeout=15)
    os.kill(p.pid, signal.SIGINT)
    r = p.wait(timeout=30)
    assert r.returncode == 130, r
    assert "interrupted" in r.stderr and r.stderr.count("was dropped") == 2 and r.stdout == "", r
    assert scratch_dbs(pg) == []


def test_diff_sigint_while_a_database_read_waits_and_a_scratch_fills(pg, dbs, pgshift, tmp_path):
    """Ctrl-C cancels the URL side's read too (it waits for a lock here): exit 130, the scratch database dropped."""
    a = dbs(VIEW)
    (tmp_path / "b.sql").write_text(VIEW + sleep_in_scratch(60))
    lock = lock_view(pg, a)
    try:
        p = pgshift.spawn("diff", "--from", pg.url(a), "--to", str(tmp_path / "b.sql"))
        wait_for(lambda: scratch_sleepers(pg) == 1 and pgshift_waiting_for_a_lock(pg) == 1, timeout=15)
        os.kill(p.pid, signal.SIGINT)
        r = p.wait(timeout=30)
    finally:
        lock.close()
    assert r.returncode == 130, r
    assert "interrupted" in r.stderr and r.stderr.count("was dropped") == 1, r
    assert scratch_dbs(pg) == []


def test_diff_names_the_side_that_failed_while_the_other_loads(pg, dbs, pgshift, tmp_path):
    """An error in the --to file while the --from file still loads is told as --to's; when both fail, --from's."""
    good, bad = tmp_path / "good.sql", tmp_path / "bad.sql"
    good.write_text(BASE + sleep_in_scratch(1))
    bad.write_text("CREATE TABLE t (id int REFERENCES missing (id));\n")
    env = {"DATABASE_URL": pg.url(dbs(""))}
    r = pgshift.run("diff", "--from", str(good), "--to", str(bad), env=env)
    assert r.returncode == 1, r
    assert f"--to {bad}: " in r.stderr and 'relation "missing" does not exist' in r.stderr, r.stderr
    assert "--from" not in r.stderr, r.stderr
    bad2 = tmp_path / "bad2.sql"
    bad2.write_text("CREATE TABLE u (id int REFERENCES nowhere (id));\n")
    r = pgshift.run("diff", "--from", str(bad2), "--to", str(bad), env=env)
    assert r.returncode == 1 and f"--from {bad2}: " in r.stderr and "nowhere" in r.stderr, r
    assert "--to" not in r.stderr, r.stderr
    # a URL side's failure comes first, as when it was read before the file
    r = pgshift.run("diff", "--from", str(bad), "--to", pg.url("no_such_db"), env=env)
    assert r.returncode == 1 and "--to: " in r.stderr and "no_such_db" in r.stderr and "--from" not in r.stderr, r
    assert scratch_dbs(pg) == []
