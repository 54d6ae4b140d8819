"""Zero downtime: lock timeouts with retries, so a migration never stalls the running app."""
import threading
import time

import psycopg

from conftest import wait_for, wait_for_pgshift_query


def test_lock_timeout_retries_then_fails_naming_the_blocker(db, project, pgshift):
    project.add("users", "CREATE TABLE users (id int PRIMARY KEY, name text);\n"
                         "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100) g;\n")
    assert pgshift.run_db("deploy").returncode == 0
    alter = project.add("add_col", "ALTER TABLE users ADD COLUMN nickname text;\n")

    blocker = db.conn()
    blocker.autocommit = False
    blocker.execute("SELECT * FROM users WHERE id = 1")          # holds ACCESS SHARE on users
    blocker_pid = blocker.execute("SELECT pg_backend_pid()").fetchone()[0]

    # An application-like reader: how long does any of its queries wait?
    stop = threading.Event()
    worst = [0.0]
    errors = []

    def reader():
        with psycopg.connect(db.url, autocommit=True) as c:
            while not stop.is_set():
                t0 = time.monotonic()
                try:
                    c.execute("SELECT count(*) FROM users WHERE id < 50").fetchone()
                except Exception as e:   # pragma: no cover - recorded for the assertion
                    errors.append(e)
                worst[0] = max(worst[0], time.monotonic() - t0)
                time.sleep(0.01)

    t = threading.Thread(target=reader)
    t.start()
    try:
        r = pgshift.run_db("deploy", "--lock-timeout", "200ms", "--lock-retries", "3", "--lock-retry-delay", "100ms",
                           timeout=60)
    finally:
        stop.set()
        t.join()
    assert r.returncode == 1
    assert r.stderr.count("lock timeout in") == 2          # two retries announced, the third attempt gives up
    assert f"pid {blocker_pid}" in r.stderr and "on users" in r.stderr
    assert "after 3 attempts" in r.stderr
    assert not errors
    assert worst[0] < 2.0, f"the application waited {worst[0]:.2f} s"
    assert db.scalar("SELECT count(*) FROM pgshift_migrations WHERE migration_name = %s", (alter,)) == 0
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'") == 0
    blocker.rollback()
    blocker.close()


def test_succeeds_when_the_blocker_ends_between_retries(db, project, pgshift):
    project.add("users", "CREATE TABLE users (id int PRIMARY KEY);\n")
    assert pgshift.run_db("deploy").returncode == 0
    project.add("add_col", "-- pgshift:lock-timeout 300ms\nALTER TABLE users ADD COLUMN nickname text;\n")
    blocker = db.conn()
    blocker.autocommit = False
    blocker.execute("SELECT * FROM users")
    p = pgshift.spawn("deploy", "--url", db.url, "--lock-retries", "10", "--lock-retry-delay", "300ms")
    # wait for the first timeout to be reported, then end the blocking transaction
    wait_for(lambda: db.scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgshift'") >= 1)
    time.sleep(1.0)
    blocker.rollback()
    blocker.close()
    r = p.wait(60)
    assert r.returncode == 0, r.stderr
    assert "lock timeout in" in r.stderr
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'") == 1


def test_defaults_let_the_app_through_while_a_long_reader_holds_the_table(db, project, pgshift):
    project.add("users", "CREATE TABLE users (id int PRIMARY KEY, name text);\n"
                         "INSERT INTO users SELECT g, 'u' || g FROM generate_series(1, 100) g;\n")
    assert pgshift.run_db("deploy").returncode == 0
    project.add("add_col", "ALTER TABLE users ADD COLUMN nickname text;\n")
    reader = db.conn()                       # a long report: holds ACCESS SHARE on users
    reader.autocommit = False
    reader_pid = reader.info.backend_pid
    reader.execute("SELECT count(*) FROM users")
    # The application tolerates waiting 3 s for a lock; pgshift's old default (5 s) broke it.
    app = psycopg.connect(db.url, autocommit=True)
    app.execute("SET lock_timeout = '3s'")
    p = pgshift.spawn("deploy", "--url", db.url)          # no flags: the defaults
    queued = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgshift' "
              "AND wait_event_type = 'Lock' AND query LIKE 'ALTER TABLE users%'")
    try:
        for _ in range(4):
            wait_for(lambda: db.scalar(queued) >= 1, timeout=30)       # the ALTER is queued
            assert app.execute("SELECT count(*) FROM users").fetchone()[0] == 100
            # the application got through while pgshift was still trying
            assert p.proc.poll() is None
            assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'") == 0
    finally:
        reader.rollback()
        reader.close()
        app.close()
    r = p.wait(60)
    assert r.returncode == 0, r.stderr
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'") == 1
    assert r.stderr.count("lock timeout in") >= 4
    # the reader is named once, with its query, though pgshift retried many times
    assert r.stderr.count(f"pid {reader_pid} ") == 1, r.stderr
    assert "SELECT count(*) FROM users" in r.stderr
    assert "idle in transaction" in r.stderr


def test_two_tables_with_a_foreign_key_do_not_deadlock_the_app(db, project, pgshift):
    project.add("schema", "CREATE TABLE users (id int PRIMARY KEY, posts int NOT NULL DEFAULT 0);\n"
                          "CREATE TABLE posts (id serial PRIMARY KEY, user_id int REFERENCES users);\n"
                          "INSERT INTO users SELECT g FROM generate_series(1, 10) g;\n")
    assert pgshift.run_db("deploy").returncode == 0
    # the pause stands for a first statement that takes a while
    project.add("two_tables", "ALTER TABLE users ADD COLUMN a int;\nSELECT pg_sleep(0.5);\n"
                              "ALTER TABLE posts ADD COLUMN b int;\n")
    app = db.conn()
    app.autocommit = False
    p = pgshift.spawn("deploy", "--url", db.url)
    errors = []
    wait_for_pgshift_query(db, "pg_sleep")                    # pgshift holds users, posts comes next

    def app_update():
        # the INSERT locks posts, then its foreign key check waits for pgshift's lock on users
        try:
            app.execute("INSERT INTO posts (user_id) VALUES (1)")
            app.execute("UPDATE users SET posts = posts + 1 WHERE id = 1")
            app.commit()
        except Exception as e:   # pragma: no cover - recorded for the assertion
            errors.append(e)

    t = threading.Thread(target=app_update)
    t.start()
    t.join(30)
    r = p.wait(60)
    app.close()
    assert not errors, errors        # no "deadlock detected" for the application
    assert r.returncode == 0, r.stderr
    assert "lock timeout in" in r.stderr
    assert db.scalar("SELECT posts FROM users WHERE id = 1") == 1
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name IN ('a', 'b')") == 2


def test_rollback_retries_with_the_same_schedule(db, project, pgshift):
    project.add("users", "CREATE TABLE users (id int PRIMARY KEY);\n")
    project.add("add_col", "ALTER TABLE users ADD COLUMN nickname text;\n",
                down="-- pgshift:allow drop-column because: it was added by this migration\n"
                     "ALTER TABLE users DROP COLUMN nickname;\n")
    assert pgshift.run_db("deploy").returncode == 0
    reader = db.conn()
    reader.autocommit = False
    reader_pid = reader.info.backend_pid
    reader.execute("SELECT count(*) FROM users")
    p = pgshift.spawn("rollback", "--steps", "1", "--url", db.url)
    waiting = ("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgshift' "
               "AND wait_event_type = 'Lock'")
    try:
        # two separate lock waits: pgshift gave up on the first and tried again
        for _ in range(2):
            wait_for(lambda: db.scalar(waiting) >= 1 or p.proc.poll() is not None, timeout=30)
            assert p.proc.poll() is None
            wait_for(lambda: db.scalar(waiting) == 0, timeout=30)
            assert p.proc.poll() is None
    finally:
        reader.rollback()
        reader.close()
    r = p.wait(60)
    assert r.returncode == 0, r.stderr
    assert "lock timeout in" in r.stderr and r.stderr.count(f"pid {reader_pid} ") == 1
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'") == 0


def test_transaction_pooler_is_refused_session_pool_allowed(db, project, pgshift, pgbouncer):
    project.add("t", "CREATE TABLE t (id int);\n")
    r = pgshift.run("deploy", "--url", pgbouncer.url("tx"))
    assert r.returncode == 1
    assert "goes through a transaction pooler" in r.stderr
    assert "DATABASE_URL_UNPOOLED" in r.stderr
    assert "pass --allow-pooled" not in r.stderr  # it would not help: the pooler was seen switching backends
    assert not db.table_exists("t")
    # reading through a pool is fine
    assert pgshift.run("status", "--url", pgbouncer.url("tx")).returncode == 4
    r = pgshift.run("deploy", "--url", pgbouncer.url("sess"), "--allow-pooled")
    assert r.returncode == 0, r.stderr
    assert db.table_exists("t")


def test_allow_pooled_does_not_override_a_pooler_seen_by_its_behaviour(db, project, pgshift, pgbouncer):
    project.add("t", "CREATE TABLE t (id int);\n")
    r = pgshift.run("deploy", "--url", pgbouncer.url("tx"), "--allow-pooled")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "goes through a transaction pooler" in r.stderr
    assert "--allow-pooled is for a session-mode pool that only its host name makes suspect" in r.stderr
    assert "DATABASE_URL_UNPOOLED" in r.stderr and "pass --allow-pooled" not in r.stderr
    assert not db.table_exists("t")
    assert not db.table_exists("pgshift_migrations")


def test_pooler_host_name_is_refused(db, project, pgshift, pg):
    project.add("t", "CREATE TABLE t (id int);\n")
    url = (f"postgresql://postgres:{pg.password}@ep-cool-name-pooler.example.test:{pg.port}/{db.name}"
           "?hostaddr=127.0.0.1&sslmode=disable")
    r = pgshift.run("deploy", "--url", url)
    assert r.returncode == 1 and '"-pooler"' in r.stderr
    assert not db.table_exists("t")
    # only suspected by its name (here a direct server): --allow-pooled lets it through
    r = pgshift.run("deploy", "--url", url, "--allow-pooled")
    assert r.returncode == 0, r.stderr
    assert db.table_exists("t")


def test_migration_under_pgbench_load(pg, db, project, pgshift, tmp_path):
    import subprocess
    project.add("users", "CREATE TABLE users (id int PRIMARY KEY, name text, visits int NOT NULL DEFAULT 0);\n"
                         "INSERT INTO users SELECT g, 'u' || g, 0 FROM generate_series(1, 1000) g;\n")
    assert pgshift.run_db("deploy").returncode == 0
    project.add("add_col", "ALTER TABLE users ADD COLUMN nickname text;\n")
    script = tmp_path / "app.sql"
    script.write_text("\\set id random(1, 1000)\n"
                      "SELECT name FROM users WHERE id = :id;\n"
                      "UPDATE users SET visits = visits + 1 WHERE id = :id;\n")
    os_env = {"PGPASSWORD": pg.password, "PATH": "/usr/bin:/bin"}
    bench = subprocess.Popen([f"{pg.bindir}/pgbench", "-n", "-h", "127.0.0.1", "-p", str(pg.port), "-U", "postgres",
                              "-c", "4", "-T", "6", "-f", str(script), db.name],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os_env)
    import time
    time.sleep(2)
    r = pgshift.run_db("deploy", "--lock-timeout", "1s")
    out, err = bench.communicate(timeout=60)
    assert r.returncode == 0, r.stderr
    assert bench.returncode == 0, err
    assert "number of failed transactions: 0" in out
    processed = int([l for l in out.splitlines() if "number of transactions actually processed" in l][0].split(":")[1])
    assert processed > 100
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name = 'nickname'") == 1


def test_holder_of_a_quoted_mixed_case_table_is_named(db, project, pgshift):
    """The blocker is found by the names the parse tree holds, so Prisma's "User" is not folded to user."""
    db.query('CREATE TABLE "User" (id int)')
    db.query("CREATE TABLE \"user\" (id int)")       # the folded name exists too, and nobody holds it
    project.add("add_col", 'ALTER TABLE "User" ADD COLUMN nickname text;\n')
    reader = db.conn()
    reader.autocommit = False
    reader.execute('SELECT count(*) FROM "User"')
    reader_pid = reader.info.backend_pid
    try:
        r = pgshift.run_db("deploy", "--lock-retries", "1")
    finally:
        reader.rollback()
        reader.close()
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"pid {reader_pid} " in r.stderr, r.stderr
