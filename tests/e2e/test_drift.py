"""pgshift drift: the live database against its applied migrations replayed in a scratch database.

The scratch database is created on the test server (its superuser may CREATEDB) and must be gone after every
run, also after SIGINT; a shadow database given with --shadow-url is emptied and kept; a shadow that is the
target itself, an unreachable one, and a role that may not create databases are refused with nothing changed."""
import json
import os
import secrets
import signal
import subprocess

import pytest

from conftest import _free_port, wait_for

MIGRATIONS = [
    ("init", """
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text DEFAULT 'anon');
CREATE INDEX users_email_idx ON users (email);
CREATE FUNCTION greeting(n text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'hello ' || n $$;
"""),
    ("grants", "GRANT SELECT, INSERT ON users TO {app};\n"),
    ("name_idx", "-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY users_name_idx ON users (name);\n"),
    ("fill", "ALTER TABLE users ADD COLUMN nick text;\n-- pgshift:backfill\nUPDATE users SET nick = name;\n"),
]


def scratch_dbs(pg):
    with pg.connect() as c:
        return [r[0] for r in c.execute("SELECT datname FROM pg_database WHERE datname LIKE 'pgshift\\_scratch\\_%'")]


def tables(db):
    return sorted(r[0] for r in db.query("SELECT relname FROM pg_class WHERE relkind = 'r' AND "
                                         "relnamespace = 'public'::regnamespace"))


@pytest.fixture
def app_role(pg):
    name = "drift_app_" + secrets.token_hex(4)
    with pg.connect() as c:
        c.execute(f"CREATE ROLE {name}")
    yield name
    with pg.connect() as c:
        for (d,) in c.execute("SELECT datname FROM pg_database WHERE datallowconn").fetchall():
            with pg.connect(d) as dc:
                dc.execute(f"DROP OWNED BY {name}")
        c.execute(f"DROP ROLE {name}")


@pytest.fixture
def deployed(pgshift, db, project, app_role):
    for name, sql in MIGRATIONS:
        project.add(name, sql.replace("{app}", app_role))
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r
    return app_role


def test_no_drift_after_deploy(pgshift, db, pg, deployed):
    """The replay goes through no-transaction and backfill migrations as deploy ran them: nothing differs."""
    r = pgshift.run_db("drift")
    assert r.returncode == 0, r
    assert "no drift" in r.stdout and "4 applied migrations" in r.stdout
    assert scratch_dbs(pg) == []
    j = pgshift.run_db("drift", "--json")
    assert j.returncode == 0, j
    out = json.loads(j.stdout)
    assert out["drift"] is False and out["differences"] == [] and out["migrations"] == 4
    assert scratch_dbs(pg) == []


CHANGES = {
    "added column": ("ALTER TABLE users ADD COLUMN age integer", "changed", "table", "public.users", "age"),
    "dropped index": ("DROP INDEX users_email_idx", "missing", "index", "public.users_email_idx", None),
    "changed default": ("ALTER TABLE users ALTER COLUMN name SET DEFAULT 'nobody'", "changed", "table",
                        "public.users", "nobody"),
    "new table": ("CREATE TABLE audit (id int)", "extra", "table", "public.audit", None),
    "changed function body": ("CREATE OR REPLACE FUNCTION greeting(n text) RETURNS text LANGUAGE sql IMMUTABLE "
                              "AS $$ SELECT 'bye ' || n $$", "changed", "function", "public.greeting(n text)",
                              "bye"),
    "revoked grant": ("REVOKE INSERT ON users FROM {app}", "changed", "table", "public.users", None),
    # the kinds the model gained after issue 18
    "column privilege": ("GRANT UPDATE (name) ON users TO {app}", "changed", "table", "public.users",
                         "GRANT UPDATE (name) ON TABLE public.users TO"),
    "new aggregate": ("CREATE AGGREGATE total(int) (SFUNC = int4pl, STYPE = int)", "extra", "aggregate",
                      "public.total(integer)", "SFUNC = int4pl"),
    "inheritance child": ("CREATE TABLE users_old (gone_at date) INHERITS (users)", "extra", "table",
                          "public.users_old", "INHERITS (public.users)"),
    "new statistics": ("CREATE STATISTICS users_st (dependencies) ON id, name FROM users", "extra", "statistics",
                       "public.users_st", None),
    "new publication": ("CREATE PUBLICATION pub FOR TABLE users", "extra", "publication", "pub",
                        "ADD TABLE ONLY public.users"),
    "default privileges": ("ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {app}", "extra", "default_privileges",
                           "FOR ROLE postgres ON TABLES", None),
    "new range type": ("CREATE TYPE floatrange AS RANGE (subtype = float8)", "extra", "range", "public.floatrange",
                       None),
    "new collation": ("CREATE COLLATION posix (locale = 'C')", "extra", "collation", "public.posix", None),
    "replica identity": ("ALTER TABLE users REPLICA IDENTITY FULL", "changed", "table", "public.users",
                         "REPLICA IDENTITY FULL"),
    "column settings": ("ALTER TABLE users ALTER COLUMN name SET STORAGE EXTERNAL, ALTER COLUMN name SET COMPRESSION "
                        "pglz, ALTER COLUMN email SET STATISTICS 300", "changed", "table", "public.users",
                        "ALTER COLUMN email SET STATISTICS 300"),
}


@pytest.mark.parametrize("case", list(CHANGES))
def test_drift_names_the_object(pgshift, db, pg, deployed, case):
    sql, change, kind, name, shown = CHANGES[case]
    db.query(sql.replace("{app}", deployed))
    r = pgshift.run_db("drift")
    assert r.returncode == 5, r
    assert f"{change} {kind} {name}" in r.stdout
    if shown:
        assert shown in r.stdout
    assert scratch_dbs(pg) == []
    j = pgshift.run_db("drift", "--json")
    assert j.returncode == 5, j
    diffs = json.loads(j.stdout)["differences"]
    assert [(d["change"], d["kind"], d["name"]) for d in diffs] == [(change, kind, name)]
    d = diffs[0]
    assert (d["database"] is None) == (change == "missing") and (d["expected"] is None) == (change == "extra")
    if case == "revoked grant":
        assert d["differs_in"] == "privileges"
        assert "INSERT" in d["expected"] and "INSERT" not in d["database"]
    if case == "added column":
        assert d["columns"] == "column age only in the database"
    assert scratch_dbs(pg) == []
    # the reconcile SQL, run as psql runs a file, takes the database back: no drift left
    sql = json.loads(j.stdout)["reconcile"]
    assert sql and "SQL that brings the database back" in r.stdout
    p = subprocess.run([f"{pg.bindir}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(pg.socket_dir), "-p",
                        str(pg.port), "-U", "postgres", "-d", db.name], input=sql, text=True, capture_output=True)
    assert p.returncode == 0, (sql, p.stderr)
    r = pgshift.run_db("drift")
    assert r.returncode == 0, (sql, r)


def test_github_annotations(pgshift, db, deployed, tmp_path):
    db.query("CREATE TABLE audit (id int)")
    summary = tmp_path / "summary.md"
    r = pgshift.run_db("drift", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert r.returncode == 5, r
    assert "::error title=pgshift drift%3A extra table::extra table public.audit" in r.stdout
    assert "| extra | table | `public.audit` |" in summary.read_text()


def test_shadow_url_is_emptied_and_kept(pgshift, db, pg, deployed):
    shadow = "shadow_" + secrets.token_hex(4)
    with pg.connect() as c:
        c.execute(f"CREATE DATABASE {shadow}")
    try:
        with pg.connect(shadow) as c:
            c.execute("CREATE TABLE leftover (x int); CREATE SCHEMA junk; CREATE TABLE junk.t (y int)")
        r = pgshift.run_db("drift", env={"PGSHIFT_SHADOW_URL": pg.url(shadow)})
        assert r.returncode == 0, r
        assert f"shadow database postgresql://postgres:********@127.0.0.1:{pg.port}/{shadow}" in r.stdout
        with pg.connect(shadow) as c:
            left = {r[0] for r in c.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace IN "
                                            "(SELECT oid FROM pg_namespace WHERE nspname IN ('public', 'junk'))")}
            assert "leftover" not in left and "t" not in left and "users" in left
            assert c.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'junk'").fetchone()[0] == 0
        assert scratch_dbs(pg) == []
    finally:
        with pg.connect() as c:
            c.execute(f"DROP DATABASE IF EXISTS {shadow} WITH (FORCE)")


def test_sigint_during_replay_drops_the_scratch_database(pgshift, db, pg, project):
    project.add("slow", "CREATE TABLE t (id int);\nDO $$ BEGIN IF current_database() LIKE 'pgshift\\_scratch\\_%' "
                        "THEN PERFORM pg_sleep(60); END IF; END $$;\n")
    assert pgshift.run_db("deploy").returncode == 0
    p = pgshift.spawn("drift", "--url", db.url)
    with pg.connect() as c:
        wait_for(lambda: c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'pgshift\\_scratch\\_%' "
                                   "AND query LIKE '%pg_sleep%'").fetchone()[0] == 1, timeout=30)
    os.kill(p.pid, signal.SIGINT)
    r = p.wait(timeout=30)
    assert r.returncode == 130, r
    assert "interrupted" in r.stderr and "was dropped" in r.stderr
    assert scratch_dbs(pg) == []
    assert tables(db) == ["pgshift_deployments", "pgshift_migrations", "t"]


def test_unreachable_shadow_url(pgshift, db, pg, deployed):
    before = tables(db)
    r = pgshift.run_db("drift", "--shadow-url", f"postgresql://postgres@127.0.0.1:{_free_port()}/nowhere")
    assert r.returncode == 1, r
    assert "shadow database" in r.stderr and "could not connect" in r.stderr and "--shadow-url" in r.stderr
    assert tables(db) == before and scratch_dbs(pg) == []


@pytest.mark.parametrize("spelling", ["same url", "unix socket"])
def test_shadow_url_that_is_the_target_is_refused(pgshift, db, pg, deployed, spelling):
    before = tables(db)
    shadow = db.url if spelling == "same url" else f"postgresql:///{db.name}?host={pg.socket_dir}&port={pg.port}&user=postgres"
    r = pgshift.run_db("drift", "--shadow-url", shadow)
    assert r.returncode == 2, r
    assert "refusing the shadow database" in r.stderr and "the target database itself" in r.stderr
    assert tables(db) == before and db.scalar("SELECT count(*) FROM users") == 0
    assert scratch_dbs(pg) == []


@pytest.fixture
def nocreate_role(pg, db):
    name = "drift_nocreate_" + secrets.token_hex(4)
    pw = secrets.token_hex(10)
    with pg.connect() as c:
        c.execute(f"CREATE ROLE {name} LOGIN NOCREATEDB PASSWORD '{pw}'")
    yield name, pw
    with pg.connect() as c:
        with pg.connect(db.name) as dc:
            dc.execute(f"DROP OWNED BY {name}")
        c.execute(f"DROP ROLE {name}")


def test_role_without_createdb_and_no_dev_cluster(pgshift, db, pg, deployed, nocreate_role):
    name, pw = nocreate_role
    db.query(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {name}")
    before = tables(db)
    r = pgshift.run("drift", "--url", f"postgresql://{name}:{pw}@127.0.0.1:{pg.port}/{db.name}")
    assert r.returncode == 1, r
    assert "no scratch database" in r.stderr and f"role {name} may not create databases" in r.stderr
    assert "pgshift dev up" in r.stderr and "--shadow-url" in r.stderr
    assert tables(db) == before and scratch_dbs(pg) == []


def test_history_problem_is_refused_before_any_scratch(pgshift, db, pg, deployed, project):
    (project.migrations / sorted(os.listdir(project.migrations))[0] / "migration.sql").write_text("SELECT 1;\n")
    r = pgshift.run_db("drift")
    assert r.returncode == 5, r
    assert "cannot replay the history" in r.stderr and "modified" in r.stderr
    assert scratch_dbs(pg) == []


def test_health_drift_check(pgshift, db, pg, deployed):
    r = pgshift.run_db("health", "--json")
    checks = {c["check"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["drift"]["ok"] and checks["drift"]["detail"].startswith("skipped")
    assert scratch_dbs(pg) == []
    shadow = "shadow_" + secrets.token_hex(4)
    with pg.connect() as c:
        c.execute(f"CREATE DATABASE {shadow}")
    try:
        r = pgshift.run_db("health", env={"PGSHIFT_SHADOW_URL": pg.url(shadow)})
        assert r.returncode == 0, r
        assert "drift" in r.stdout and "none: the schema is what the 4 applied migrations make" in r.stdout
        db.query("DROP INDEX users_email_idx")
        r = pgshift.run_db("health", "--shadow-url", pg.url(shadow))
        assert r.returncode == 5, r
        assert "missing index public.users_email_idx" in r.stdout
        # a history that does not say what the schema should be: the history check fails, drift is skipped
        db.query("UPDATE pgshift_migrations SET finished_at = NULL WHERE migration_name LIKE '%_fill'")
        r = pgshift.run_db("health", "--json", "--shadow-url", pg.url(shadow))
        checks = {c["check"]: c for c in json.loads(r.stdout)["checks"]}
        assert r.returncode == 1 and not checks["history"]["ok"]
        assert checks["drift"]["ok"] and checks["drift"]["detail"].startswith("skipped: the history")
    finally:
        with pg.connect() as c:
            c.execute(f"DROP DATABASE IF EXISTS {shadow} WITH (FORCE)")


def test_prisma_layout_history_and_deployments_are_not_drift(pgshift, db, pg, project):
    """Prisma mode keeps _prisma_migrations in public and pgshift's deployments in schema pgshift: neither is
    part of the schema the migrations make."""
    mig = project.path / "prisma" / "migrations"
    (mig / "20250101000001_init").mkdir(parents=True)
    (mig / "migration_lock.toml").write_text('provider = "postgresql"\n')
    (mig / "20250101000001_init" / "migration.sql").write_text("CREATE TABLE posts (id serial PRIMARY KEY);\n")
    assert pgshift.run_db("deploy").returncode == 0
    assert db.scalar("SELECT to_regclass('pgshift.pgshift_deployments') IS NOT NULL")
    r = pgshift.run_db("drift")
    assert r.returncode == 0, r
    db.query("ALTER TABLE posts ADD COLUMN title text")
    r = pgshift.run_db("drift")
    assert r.returncode == 5 and "changed table public.posts" in r.stdout, r
    assert scratch_dbs(pg) == []


def test_drift_says_what_it_does_not_compare(pgshift, db, pg, deployed):
    """A base type made by hand is not modelled: drift cannot see it, and says so instead of passing in silence."""
    db.query("CREATE TYPE myint; CREATE FUNCTION myint_in(cstring) RETURNS myint LANGUAGE internal IMMUTABLE STRICT "
             "AS 'int4in'; CREATE FUNCTION myint_out(myint) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS "
             "'int4out'; CREATE TYPE myint (INPUT = myint_in, OUTPUT = myint_out, LIKE = int4)")
    r = pgshift.run_db("drift")
    assert "warning: not compared, pgshift does not model them: 1 base type (public.myint)" in r.stderr, r
    j = pgshift.run_db("drift", "--json")
    assert json.loads(j.stdout)["not_compared"] == "1 base type (public.myint)"
    assert scratch_dbs(pg) == []
