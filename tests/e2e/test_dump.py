"""pgshift dump: the schema model written as SQL that loads into an empty database and gives the same
schema (pg_dump --schema-only of both are equal), byte for byte the same every time, read with a fixed
number of queries whatever the schema's size."""
import re
import secrets
import subprocess

import pytest

EVERY_KIND = """
CREATE EXTENSION IF NOT EXISTS citext;
CREATE SCHEMA "App";
COMMENT ON SCHEMA "App" IS 'the application''s schema';
CREATE TYPE "App"."Mood" AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN "App".posint AS integer DEFAULT 1 NOT NULL CONSTRAINT positive CHECK (VALUE > 0);
CREATE TYPE "App".pair AS (a integer, b text COLLATE "C");
CREATE SEQUENCE "App".ticket_seq AS bigint START WITH 100 INCREMENT BY 5 CACHE 3;

CREATE FUNCTION "App".is_valid_email(e text) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS $$ SELECT e LIKE '%@%' $$;
CREATE FUNCTION "App".touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW."updatedAt" := now(); RETURN NEW; END $$;
CREATE PROCEDURE "App".noop(n integer) LANGUAGE sql AS $$ SELECT 1 $$;
COMMENT ON FUNCTION "App".touch() IS 'sets updatedAt';

CREATE TABLE "App"."Users" (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email citext NOT NULL UNIQUE CHECK ("App".is_valid_email(email::text)),
    "displayName" text COLLATE "C" DEFAULT 'anon',
    mood "App"."Mood" DEFAULT 'ok',
    score "App".posint,
    ticket bigint DEFAULT nextval('"App".ticket_seq'),
    "updatedAt" timestamptz,
    name_len integer GENERATED ALWAYS AS (length("displayName")) STORED,
    best_team integer
);
ALTER SEQUENCE "App".ticket_seq OWNED BY "App"."Users".ticket;
COMMENT ON TABLE "App"."Users" IS 'people';
COMMENT ON COLUMN "App"."Users".email IS 'login';
CREATE TABLE "App".teams (id serial PRIMARY KEY, owner bigint NOT NULL, p "App".pair);
ALTER TABLE "App"."Users" ADD CONSTRAINT users_best_team_fk FOREIGN KEY (best_team) REFERENCES "App".teams (id)
    DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE "App".teams ADD CONSTRAINT teams_owner_fk FOREIGN KEY (owner) REFERENCES "App"."Users" (id) NOT VALID;
CREATE UNLOGGED TABLE "App".scratch (k text);
CREATE INDEX users_lower_email ON "App"."Users" (lower(email::text));
CREATE INDEX users_happy ON "App"."Users" (id) WHERE mood = 'happy';
CREATE TRIGGER users_touch BEFORE UPDATE ON "App"."Users" FOR EACH ROW EXECUTE FUNCTION "App".touch();

CREATE TABLE "App".events (id bigint NOT NULL, at date NOT NULL, body text) PARTITION BY RANGE (at);
CREATE TABLE "App".events_2024 PARTITION OF "App".events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE "App".events_2025 PARTITION OF "App".events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE "App".events_other PARTITION OF "App".events DEFAULT;
ALTER TABLE "App".events ADD PRIMARY KEY (id, at);
CREATE INDEX events_at ON "App".events (at);

CREATE VIEW "App".v_users AS SELECT id, email, mood FROM "App"."Users";
CREATE VIEW "App".a_happy AS SELECT id, email FROM "App".v_users WHERE mood = 'happy';
CREATE MATERIALIZED VIEW "App".mood_counts AS SELECT mood, count(*) AS n FROM "App"."Users" GROUP BY mood;
CREATE UNIQUE INDEX mood_counts_mood ON "App".mood_counts (mood);
COMMENT ON VIEW "App".a_happy IS 'a view on a view';

ALTER TABLE "App"."Users" ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON "App"."Users" FOR SELECT TO {app} USING (email = current_user::citext);

GRANT USAGE ON SCHEMA "App" TO {app};
GRANT SELECT, INSERT, UPDATE ON "App"."Users" TO {app};
GRANT SELECT ON "App".a_happy TO {app} WITH GRANT OPTION;
GRANT USAGE ON SEQUENCE "App".ticket_seq TO {app};
REVOKE EXECUTE ON FUNCTION "App".is_valid_email(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "App".is_valid_email(text) TO {app};
CREATE TABLE public.plain (id integer);
"""


@pytest.fixture
def app_role(pg):
    name = "dump_app_" + secrets.token_hex(4)
    with pg.connect() as c:
        c.execute(f"CREATE ROLE {name}")
    yield name
    with pg.connect() as c:
        for (d,) in c.execute("SELECT datname FROM pg_database WHERE datname LIKE 'test_%'").fetchall():
            try:
                with pg.connect(d) as dc:
                    dc.execute(f"DROP OWNED BY {name}")
            except Exception:
                pass
        c.execute(f"DROP ROLE IF EXISTS {name}")


@pytest.fixture
def empty_db(pg):
    name = "test_" + secrets.token_hex(4)
    with pg.connect() as c:
        c.execute(f'CREATE DATABASE "{name}"')
    yield name
    with pg.connect() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_dump_schema(pg, dbname):
    out = subprocess.run([f"{pg.bindir}/pg_dump", "--schema-only", "-h", str(pg.socket_dir), "-p", str(pg.port),
                          "-U", "postgres", dbname], capture_output=True, text=True, check=True).stdout
    # \restrict lines (pg_dump 17.6, 16.10, 15.14 and later) carry a random key per run
    return "\n".join(line for line in out.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))


def psql_file(pg, dbname, path):
    return subprocess.run([f"{pg.bindir}/psql", "-X", "-v", "ON_ERROR_STOP=1", "-q", "-h", str(pg.socket_dir),
                           "-p", str(pg.port), "-U", "postgres", "-d", dbname, "-f", str(path)],
                          capture_output=True, text=True)


def test_dump_round_trips_every_object_kind(pg, db, empty_db, pgshift, project, app_role):
    with db.conn() as c:
        c.execute(EVERY_KIND.replace("{app}", app_role))
    out = project.path / "schema.sql"
    r = pgshift.run_db("dump", "-o", str(out))
    assert r.returncode == 0, r
    sql = out.read_text()
    assert "OWNER" not in sql and "pgshift_migrations" not in sql and "pg_catalog.set_config" not in sql
    assert sql.count("SET ") == 1 and "SET check_function_bodies = false;" in sql
    # tables before every foreign key; the function a check constraint uses before the table
    assert sql.index('CREATE TABLE "App".teams') < sql.index("users_best_team_fk")
    assert sql.index('CREATE TABLE "App"."Users"') < sql.index("teams_owner_fk")
    assert sql.index('FUNCTION "App".is_valid_email') < sql.index('CREATE TABLE "App"."Users"')
    assert sql.index('CREATE VIEW "App".v_users') < sql.index('CREATE VIEW "App".a_happy')
    assert f'GRANT INSERT, SELECT, UPDATE ON TABLE "App"."Users" TO {app_role};' in sql
    assert 'REVOKE EXECUTE ON ROUTINE "App".is_valid_email(e text) FROM PUBLIC;' in sql

    loaded = psql_file(pg, empty_db, out)
    assert loaded.returncode == 0 and "ERROR" not in loaded.stderr, loaded.stderr
    assert pg_dump_schema(pg, empty_db) == pg_dump_schema(pg, db.name)


def test_dump_is_the_same_bytes_every_time_and_on_a_copy(pg, db, empty_db, pgshift, project, app_role):
    with db.conn() as c:
        c.execute(EVERY_KIND.replace("{app}", app_role))
    first = pgshift.run_db("dump")
    second = pgshift.run_db("dump")
    assert first.returncode == 0, first
    assert first.stdout == second.stdout
    # a database built from the dump (other OIDs, other creation order) dumps to the same bytes
    (project.path / "s.sql").write_text(first.stdout)
    assert psql_file(pg, empty_db, project.path / "s.sql").returncode == 0
    again = pgshift.run("dump", "--url", pg.url(empty_db))
    assert again.returncode == 0, again
    assert again.stdout == first.stdout


def test_dump_leaves_out_pgshift_tables_and_other_schemas(db, pgshift, project):
    project.add("init", "CREATE TABLE items (id int PRIMARY KEY);\nCREATE SCHEMA other;\n"
                "CREATE TABLE other.t (id serial);\n")
    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("dump")
    assert r.returncode == 0, r
    assert "CREATE TABLE public.items" in r.stdout and "CREATE TABLE other.t" in r.stdout
    assert "pgshift_migrations" not in r.stdout
    only = pgshift.run_db("dump", "--schema", "other")
    assert "CREATE TABLE other.t" in only.stdout and "public.items" not in only.stdout
    assert "ALTER SEQUENCE other.t_id_seq OWNED BY other.t.id;" in only.stdout


def test_schema_load_sends_the_same_number_of_queries_for_1_and_50_tables(db, pgshift):
    counts = []
    for n in (1, 50):
        with db.conn() as c:
            c.execute("DROP SCHEMA IF EXISTS gen CASCADE; CREATE SCHEMA gen")
            for i in range(n):
                c.execute(f"CREATE TABLE gen.t{i} (id serial PRIMARY KEY, ref int REFERENCES gen.t0 (id), v text)")
                c.execute(f"CREATE INDEX ON gen.t{i} (v)")
        r = pgshift.run_db("dump", "--stats")
        assert r.returncode == 0, r
        m = re.search(r"schema read with (\d+) queries: (\d+) objects", r.stderr)
        assert m, r.stderr
        counts.append((int(m.group(1)), int(m.group(2))))
    assert counts[0][0] == counts[1][0]
    assert counts[1][1] > counts[0][1] + 49 * 4


def test_dump_to_a_file_after_deploy(db, pgshift, project):
    project.add("init", "CREATE TABLE items (id int PRIMARY KEY);\n")
    r = pgshift.run_db("deploy", "--dump", "schema.sql")
    assert r.returncode == 0, r
    assert "CREATE TABLE public.items" in (project.path / "schema.sql").read_text()
    project.add("more", "CREATE TABLE more (id int);\n")
    r = pgshift.run_db("deploy", env={"PGSHIFT_DUMP_FILE": "schema.sql"})
    assert r.returncode == 0, r
    assert "CREATE TABLE public.more" in (project.path / "schema.sql").read_text()
    # nothing applied: the file is left as it is
    (project.path / "schema.sql").write_text("untouched")
    assert pgshift.run_db("deploy", "--dump", "schema.sql").returncode == 0
    assert (project.path / "schema.sql").read_text() == "untouched"


def test_dump_bad_input(pgshift, db):
    r = pgshift.run_db("dump", "extra")
    assert r.returncode == 2 and "unexpected argument" in r.stderr
    r = pgshift.run_db("dump", "-o", "/nonexistent-dir/x.sql")
    assert r.returncode == 1 and "/nonexistent-dir/x.sql" in r.stderr
