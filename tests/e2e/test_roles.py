"""roles setup / check: the brief's admin and app roles on a live database."""
import os
import secrets

import psycopg
import pytest
from psycopg import sql

from conftest import wait_for

# "public; DROP TABLE x; --" and a byte that is not UTF-8: libpq cannot quote it
UNQUOTABLE = os.fsdecode(b"public; DROP TABLE x; --\xe3")


def drop_roles(pg, db, *names):
    for r in names:
        with db.conn() as c:
            if c.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (r,)).fetchone():
                c.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(r)))
    with pg.connect() as c:
        for r in names:
            c.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(r)))


@pytest.fixture
def roles(pg, db):
    suffix = secrets.token_hex(3)
    names = {"admin": f"adm_{suffix}", "app": f"app_{suffix}",
             "admin_pw": secrets.token_hex(8), "app_pw": secrets.token_hex(8)}
    yield names
    drop_roles(pg, db, names["admin"], names["app"])


def role_count(db, *names):
    return db.scalar("SELECT count(*) FROM pg_roles WHERE rolname = ANY(%s)", (list(names),))


def server_log(pg, db):
    """The server's log up to now: a line it logs last is waited for, so nothing before it is missing."""
    marker = "pgshift-test-marker-" + secrets.token_hex(4)
    db.query(f"DO $$ BEGIN RAISE LOG '{marker}'; END $$")
    path = pg.base / "server.log"
    return wait_for(lambda: marker in path.read_text(errors="replace") and path.read_text(errors="replace"))


def url_as(pg, db, user, password):
    return f"postgresql://{user}:{password}@127.0.0.1:{pg.port}/{db.name}"


def test_setup_check_and_separation(pg, db, project, pgshift, roles):
    env = {"PGSHIFT_ADMIN_PASSWORD": roles["admin_pw"], "PGSHIFT_APP_PASSWORD": roles["app_pw"]}
    r = pgshift.run_db("roles", "setup", "--admin", roles["admin"], "--app", roles["app"], env=env)
    assert r.returncode == 0, r.stderr
    assert roles["admin_pw"] not in r.stdout + r.stderr
    admin_url = url_as(pg, db, roles["admin"], roles["admin_pw"])
    app_url = url_as(pg, db, roles["app"], roles["app_pw"])

    # a migration run as the admin creates a table the app can use (default privileges)
    project.add("orders", "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);\n")
    r = pgshift.run("deploy", "--url", admin_url, "--app-role", roles["app"])
    assert r.returncode == 0, r.stderr
    assert "roles: ok" in r.stdout
    with psycopg.connect(app_url, autocommit=True) as c:
        c.execute("INSERT INTO orders (note) VALUES ('x')")
        assert c.execute("SELECT count(*) FROM orders").fetchone()[0] == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("CREATE TABLE sneaky (id int)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("DROP TABLE orders")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("SELECT * FROM pgshift_migrations")
    assert pgshift.run("roles", "check", "--app", roles["app"], "--url", admin_url).returncode == 0

    # a table created by another role is a gap, reported with the GRANT that fixes it
    db.query("CREATE TABLE stray (id int)")
    r = pgshift.run("roles", "check", "--app", roles["app"], "--url", admin_url)
    assert r.returncode == 5
    assert f"lacks SELECT, INSERT, UPDATE, DELETE on table public.stray" in r.stdout
    assert f"GRANT SELECT, INSERT, UPDATE, DELETE ON public.stray TO {roles['app']};" in r.stdout
    # ... and deploy --app-role catches it at deploy time
    project.add("more", "CREATE TABLE more (id int);\n")
    r = pgshift.run("deploy", "--url", admin_url, "--app-role", roles["app"])
    assert r.returncode == 5 and "migrations applied, but" in r.stderr
    assert db.table_exists("more")


def test_print_shows_the_sql_it_runs_with_verifiers_not_passwords(pg, db, project, pgshift, roles):
    r = pgshift.run_db("roles", "setup", "--admin", roles["admin"], "--app", roles["app"], "--print",
                       env={"PGSHIFT_ADMIN_PASSWORD": roles["admin_pw"]})
    assert r.returncode == 0
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE" in r.stdout and 'REVOKE CREATE ON SCHEMA "public" FROM PUBLIC' in r.stdout
    assert roles["admin_pw"] not in r.stdout
    assert f'ALTER ROLE "{roles["admin"]}" PASSWORD \'SCRAM-SHA-256$4096:' in r.stdout
    assert "DO $" not in r.stdout
    assert db.scalar("SELECT count(*) FROM pg_roles WHERE rolname = %s", (roles["admin"],)) == 0

    # what it prints is what it would run: run it, and the separation holds
    with db.conn() as c:
        c.execute(r.stdout)
    assert pgshift.run_db("roles", "check", "--app", roles["app"]).returncode == 0
    with psycopg.connect(url_as(pg, db, roles["admin"], roles["admin_pw"]), autocommit=True) as c:
        assert c.execute("SELECT current_user").fetchone()[0] == roles["admin"]


def test_passwords_reach_the_server_only_as_scram_verifiers(pg, db, pgshift, roles):
    # every DDL statement goes to the server log (the database's setting goes with it)
    with pg.connect() as c:
        c.execute(sql.SQL("ALTER DATABASE {} SET log_statement = 'ddl'").format(sql.Identifier(db.name)))
    env = {"PGSHIFT_ADMIN_PASSWORD": roles["admin_pw"], "PGSHIFT_APP_PASSWORD": roles["app_pw"]}
    r = pgshift.run_db("roles", "setup", "--admin", roles["admin"], "--app", roles["app"], env=env)
    assert r.returncode == 0, r.stderr
    # a failed setup: the server logs the statement that failed, with default settings too
    other = {"PGSHIFT_ADMIN_PASSWORD": secrets.token_hex(8), "PGSHIFT_APP_PASSWORD": secrets.token_hex(8)}
    r = pgshift.run_db("roles", "setup", "--admin", roles["admin"], "--app", roles["app"],
                       "--schema", "no_such_schema", env=other)
    assert r.returncode == 1 and "could not set up the roles" in r.stderr

    log = server_log(pg, db)
    for pw in (*env.values(), *other.values()):
        assert pw not in log
    assert f'ALTER ROLE "{roles["admin"]}" PASSWORD \'SCRAM-SHA-256$' in log   # the statements were logged
    with pg.connect() as c:
        stored = c.execute("SELECT rolpassword FROM pg_authid WHERE rolname = ANY(%s)",
                           ([roles["admin"], roles["app"]],)).fetchall()
    assert len(stored) == 2 and all(p.startswith("SCRAM-SHA-256$4096:") for (p,) in stored)
    # the failed run changed nothing: the first passwords log in (SCRAM, as pg_hba.conf asks)
    for who in ("admin", "app"):
        with psycopg.connect(url_as(pg, db, roles[who], roles[f"{who}_pw"]), autocommit=True) as c:
            assert c.execute("SELECT current_user").fetchone()[0] == roles[who]


def test_role_names_with_dollar_quotes_and_quotes(pg, db, pgshift):
    suffix = secrets.token_hex(3)
    admin, app = f"adm$pgshift$x{suffix}", f'app"$pgshift$; DROP TABLE t; --{suffix}'
    db.query("CREATE TABLE t (id int)")
    try:
        for _ in range(2):  # the second run finds the roles there
            r = pgshift.run_db("roles", "setup", "--admin", admin, "--app", app)
            assert r.returncode == 0, r.stderr
        assert role_count(db, admin, app) == 2
        assert db.scalar("SELECT has_schema_privilege(%s, 'public', 'CREATE')", (admin,)) is True
        assert db.scalar("SELECT has_table_privilege(%s, 'public.t', 'INSERT')", (app,)) is True
        assert db.scalar("SELECT has_table_privilege(%s, 'public.pgshift_migrations', 'SELECT')", (app,)) is False
        assert db.table_exists("t")
        assert pgshift.run_db("roles", "check", "--app", app).returncode == 0
    finally:
        drop_roles(pg, db, admin, app)


def test_a_name_that_cannot_be_quoted_is_an_error(db, pgshift, roles):
    names = ("--admin", roles["admin"], "--app", roles["app"])
    for args in (("--schema", UNQUOTABLE), ("--schema", "public", "--schema", UNQUOTABLE)):
        for mode in ((), ("--print",)):
            r = pgshift.run_db("roles", "setup", *names, *args, *mode)
            assert r.returncode == 2, r
            assert "error: --schema is not valid UTF8 text" in r.stderr
            assert "DROP TABLE" not in r.stdout + r.stderr and "CREATE" not in r.stdout
    r = pgshift.run_db("roles", "setup", "--admin", os.fsdecode(b"adm\xe3"), "--app", roles["app"])
    assert r.returncode == 2 and "--admin is not valid UTF8 text" in r.stderr
    r = pgshift.run_db("roles", "setup", *names, "--history-schema", os.fsdecode(b"\xe3"))
    assert r.returncode == 2 and "the history schema (--history-schema) is not valid UTF8 text" in r.stderr
    assert "(null)" not in r.stdout + r.stderr
    # nothing was written
    assert role_count(db, roles["admin"], roles["app"]) == 0
    assert not db.table_exists("pgshift_migrations")


def test_app_role_gaps(db, project, pgshift, roles):
    db.query(f'CREATE ROLE "{roles["app"]}" LOGIN')
    db.query(f'GRANT CREATE ON SCHEMA public TO "{roles["app"]}"')
    db.query("CREATE TABLE t (id int)")
    db.query(f'ALTER TABLE t OWNER TO "{roles["app"]}"')
    r = pgshift.run_db("roles", "check", "--app", roles["app"], "--json")
    assert r.returncode == 5
    import json
    problems = [g["problem"] for g in json.loads(r.stdout)["gaps"]]
    assert any("can create objects in schema public" in p for p in problems)
    assert any("owns table public.t" in p for p in problems)
    r = pgshift.run_db("roles", "check", "--app", "no_such_role_xyz")
    assert r.returncode == 5 and "does not exist" in r.stderr


def prisma_layout(project):
    """A Prisma project as pgshift reads it (no Prisma CLI needed): prisma/migrations with migration_lock.toml."""
    migrations = project.path / "prisma" / "migrations"
    (migrations / "20250101000001_orders").mkdir(parents=True)
    (migrations / "migration_lock.toml").write_text('provider = "postgresql"\n')
    (migrations / "20250101000001_orders" / "migration.sql").write_text("CREATE TABLE orders (id int);\n")
    project.migrations.rmdir()  # only the Prisma layout: the native directory must not be picked


def test_prisma_project_uses_prisma_history(pg, db, project, pgshift, roles):
    """roles setup and check go through the project's history table, _prisma_migrations in a Prisma project:
    check does not ask to grant the app CRUD on it, and setup creates no native history table."""
    prisma_layout(project)
    env = {"PGSHIFT_ADMIN_PASSWORD": roles["admin_pw"], "PGSHIFT_APP_PASSWORD": roles["app_pw"]}
    r = pgshift.run_db("roles", "setup", "--admin", roles["admin"], "--app", roles["app"], env=env)
    assert r.returncode == 0, r
    assert db.table_exists("_prisma_migrations")
    assert not db.table_exists("pgshift_migrations")
    admin_url = url_as(pg, db, roles["admin"], roles["admin_pw"])
    r = pgshift.run("deploy", "--url", admin_url, "--app-role", roles["app"])
    assert r.returncode == 0, r
    r = pgshift.run("roles", "check", "--app", roles["app"], "--url", admin_url)
    assert r.returncode == 0, r
    assert "_prisma_migrations" not in r.stdout
    assert pgshift.run("health", "--app-role", roles["app"], "--url", admin_url).returncode == 0
    assert not db.table_exists("pgshift_migrations")
