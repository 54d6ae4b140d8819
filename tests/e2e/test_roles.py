"""roles setup / check: the brief's admin and app roles on a live database."""
import secrets

import psycopg
import pytest


@pytest.fixture
def roles(pg, db):
    suffix = secrets.token_hex(3)
    names = {"admin": f"adm_{suffix}", "app": f"app_{suffix}",
             "admin_pw": secrets.token_hex(8), "app_pw": secrets.token_hex(8)}
    yield names
    for r in (names["admin"], names["app"]):
        with db.conn() as c:
            c.execute(f'DROP OWNED BY "{r}" CASCADE') if c.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (r,)).fetchone() else None
    with pg.connect() as c:
        for r in (names["admin"], names["app"]):
            c.execute(f'DROP ROLE IF EXISTS "{r}"')


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


def test_print_shows_sql_without_passwords(db, project, pgshift, roles):
    r = pgshift.run_db("roles", "setup", "--admin", roles["admin"], "--app", roles["app"], "--print",
                       env={"PGSHIFT_ADMIN_PASSWORD": roles["admin_pw"]})
    assert r.returncode == 0
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE" in r.stdout and 'REVOKE CREATE ON SCHEMA "public" FROM PUBLIC' in r.stdout
    assert roles["admin_pw"] not in r.stdout
    assert db.scalar("SELECT count(*) FROM pg_roles WHERE rolname = %s", (roles["admin"],)) == 0


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
