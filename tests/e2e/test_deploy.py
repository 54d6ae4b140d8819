"""deploy: the real binary against a real server, one fresh database per test."""
from conftest import wait_for_pgshift_gone, wait_for_pgshift_query


def history(db):
    if not db.table_exists("pgshift_migrations"):
        return []
    return [r[0] for r in db.query(
        "SELECT migration_name FROM pgshift_migrations ORDER BY migration_name")]


def test_deploy_applies_pending_in_order_and_records_history(db, project, pgshift):
    a = project.add("create_users", "CREATE TABLE users (id int primary key, email text);\n")
    b = project.add("add_name", "ALTER TABLE users ADD COLUMN name text;\n"
                                "INSERT INTO users VALUES (1, 'a;b', 'semi;colon');\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert f"applied {a}" in r.stdout and f"applied {b}" in r.stdout
    assert r.stdout.index(a) < r.stdout.index(b)
    assert "2 migrations applied" in r.stdout
    assert history(db) == [a, b]
    assert db.scalar("SELECT name FROM users WHERE id = 1") == "semi;colon"
    row = db.query("SELECT checksum, applied_steps_count, finished_at IS NOT NULL, "
                   "rolled_back_at IS NULL, length(id) FROM pgshift_migrations WHERE migration_name = %s", (a,))[0]
    import hashlib
    sql = (project.migrations / a / "migration.sql").read_bytes()
    assert row == (hashlib.sha256(sql).hexdigest(), 1, True, True, 36)

    again = pgshift.run_db("deploy")
    assert again.returncode == 0
    assert "up to date" in again.stdout
    assert history(db) == [a, b]


def test_dry_run_changes_nothing(db, project, pgshift):
    a = project.add("one", "CREATE TABLE one (id int);\n")
    r = pgshift.run_db("deploy", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert a in r.stdout and "would apply 1 migration" in r.stdout
    assert not db.table_exists("one")
    assert not db.table_exists("pgshift_migrations")


def test_dollar_quoted_bodies_and_comments_run_as_written(db, project, pgshift):
    project.add("fn", """-- leading comment; with a semicolon
CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
  RETURN i + 1; -- inside the body
END;
$$;
/* block; comment */ CREATE TABLE t (v text DEFAULT 'x;y');
DO $do$ BEGIN PERFORM 1; END $do$
""")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert db.scalar("SELECT add_one(41)") == 42
    assert db.scalar("SELECT column_default FROM information_schema.columns WHERE table_name='t'") == "'x;y'::text"


def test_sql_error_in_third_statement_of_second_migration(db, project, pgshift):
    first = project.add("first", "CREATE TABLE a (id int);\n")
    second = project.add("second", "CREATE TABLE b (id int);\n"
                                   "INSERT INTO b VALUES (1);\n"
                                   "\n"
                                   "INSERT INTO no_such_table VALUES (1);\n"
                                   "CREATE TABLE b2 (id int);\n")
    third = project.add("third", "CREATE TABLE c (id int);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    path = f"migrations/{second}/migration.sql"
    assert f"{path}:4" in r.stderr
    assert 'relation "no_such_table" does not exist' in r.stderr
    assert "42P01" in r.stderr
    assert "statement 3 of 4" in r.stderr and "INSERT INTO no_such_table VALUES (1)" in r.stderr
    assert "detail: SQLSTATE 42P01" in r.stderr
    assert history(db) == [first]
    assert db.table_exists("a")
    assert not db.table_exists("b") and not db.table_exists("b2") and not db.table_exists("c")

    (project.migrations / second / "migration.sql").write_text(
        "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\nCREATE TABLE b2 (id int);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert history(db) == [first, second, third]


def test_error_reports_server_hint(db, project, pgshift):
    name = project.add("bad", "SELECT 1;\nSELECT * FROM generate_series(1, 'x'::int);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert f"migrations/{name}/migration.sql:2" in r.stderr
    assert "22P02" in r.stderr


def test_syntax_error_refuses_before_applying_anything(db, project, pgshift):
    project.add("good", "CREATE TABLE good (id int);\n")
    bad = project.add("bad", "CREATE TABLE x (id int);\nCREATE TABLEX y;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert f"migrations/{bad}/migration.sql:2:" in r.stderr
    assert "syntax error" in r.stderr
    assert not db.table_exists("good")
    assert history(db) == []


def test_comment_only_migration_is_refused(db, project, pgshift):
    name = project.add("empty", "-- nothing here yet\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert f"migrations/{name}/migration.sql" in r.stderr and "no SQL statements" in r.stderr
    assert history(db) == []


def test_modified_after_apply_refuses_exit_5(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    project.add("b", "CREATE TABLE b (id int);\n")
    (project.migrations / a / "migration.sql").write_text("CREATE TABLE a (id bigint);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 5
    assert a in r.stderr and "modified" in r.stderr
    assert f'"pgshift resolve --accept-edit {a}"' in r.stderr
    assert not db.table_exists("b")
    s = pgshift.run_db("status")
    assert s.returncode == 5
    assert "modified" in s.stdout


def test_missing_file_is_reported(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    import shutil
    shutil.rmtree(project.migrations / a)
    s = pgshift.run_db("status")
    assert s.returncode == 5
    assert "missing" in s.stdout and a in s.stdout
    r = pgshift.run_db("deploy")
    assert r.returncode == 5 and "missing" in r.stderr


def test_out_of_order_refused_unless_allowed(db, project, pgshift):
    project.add("newer", "CREATE TABLE newer (id int);\n", version="20250102000000")
    assert pgshift.run_db("deploy").returncode == 0
    old = project.add("older", "CREATE TABLE older (id int);\n", version="20250101000000")
    s = pgshift.run_db("status")
    assert s.returncode == 4 and "out of order" in s.stdout
    r = pgshift.run_db("deploy")
    assert r.returncode == 5 and old in r.stderr and "--allow-out-of-order" in r.stderr
    assert not db.table_exists("older")
    r = pgshift.run_db("deploy", "--allow-out-of-order")
    assert r.returncode == 0, r.stderr
    assert db.table_exists("older")


def test_concurrent_deploys_apply_each_migration_once(db, project, pgshift):
    names = [project.add(f"m{i}", f"CREATE TABLE m{i} (id int);\nSELECT pg_sleep(0.05);\n") for i in range(6)]
    procs = [pgshift.spawn("deploy", "--url", db.url) for _ in range(8)]
    results = [p.wait(120) for p in procs]
    assert all(r.returncode == 0 for r in results), [(r.returncode, r.stderr) for r in results]
    applied = sum(r.stdout.count("applied 2") for r in results)
    assert applied == len(names)
    assert history(db) == names
    assert db.scalar("SELECT count(*) FROM pgshift_migrations") == len(names)


def test_lock_wait_exits_6_and_names_holder(db, project, pgshift):
    project.add("slow", "SELECT pg_sleep(4);\nCREATE TABLE slow (id int);\n")
    project.add("later", "CREATE TABLE later (id int);\n")
    first = pgshift.spawn("deploy", "--url", db.url)
    wait_for_pgshift_query(db, "pg_sleep")
    r = pgshift.run_db("deploy", "--lock-wait", "300ms")
    assert r.returncode == 6
    assert "held by pid" in r.stderr and 'application_name "pgshift"' in r.stderr
    assert "--lock-wait" in r.stderr
    assert first.wait(60).returncode == 0


def test_kill_9_mid_migration_leaves_nothing(db, project, pgshift):
    name = project.add("sleepy", "CREATE TABLE sleepy (id int);\nSELECT pg_sleep(3);\n")
    p = pgshift.spawn("deploy", "--url", db.url)
    wait_for_pgshift_query(db, "pg_sleep")
    p.kill9()
    # The server notices the vanished client and rolls back.
    wait_for_pgshift_gone(db)
    assert not db.table_exists("sleepy")
    assert db.scalar("SELECT count(*) FROM pgshift_migrations") == 0
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert db.table_exists("sleepy")
    assert history(db) == [name]


def test_terminated_backend_mid_migration_leaves_nothing(db, project, pgshift):
    name = project.add("sleepy", "CREATE TABLE sleepy (id int);\nSELECT pg_sleep(3);\n")
    p = pgshift.spawn("deploy", "--url", db.url)
    wait_for_pgshift_query(db, "pg_sleep")
    db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
             "WHERE application_name = 'pgshift' AND query LIKE '%pg_sleep%'")
    r = p.wait(30)
    assert r.returncode == 1
    assert "connection lost" in r.stderr or "terminating connection" in r.stderr
    assert name in r.stderr
    assert not db.table_exists("sleepy")
    assert db.scalar("SELECT count(*) FROM pgshift_migrations") == 0
    assert pgshift.run_db("deploy").returncode == 0
    assert history(db) == [name]


def test_json_output(db, project, pgshift):
    import json
    a = project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run_db("deploy", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["ok"] is True
    assert [m["name"] for m in out["applied"]] == [a]


def test_server_notices_are_shown_and_redacted(db, project, pgshift, pg):
    project.add("n", f"DO $$ BEGIN RAISE NOTICE 'hello from the migration'; END $$;\n"
                     f"DO $$ BEGIN RAISE NOTICE 'secret %', '{pg.password}'; END $$;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert "server notice: hello from the migration" in r.stderr
    assert "server notice: secret ********" in r.stderr
