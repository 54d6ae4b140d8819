"""pgshift dump: the schema model written as SQL that loads into an empty database and gives the same
schema (pg_dump --schema-only of both are equal), byte for byte the same every time, read with a fixed
number of queries whatever the schema's size."""
import os
import re
import secrets
import stat
import subprocess
import threading

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


def test_dump_writes_into_a_pipe_or_a_link_and_replaces_only_a_file(db, pgshift, project, tmp_path):
    """-o FILE replaces a regular file whole (a new file renamed over it, nothing left beside it); a pipe or
    a device (as /dev/null) and a symbolic link are written into, never replaced by a file."""
    db.query("CREATE TABLE items (id int)")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = {}
    reader = threading.Thread(target=lambda: got.setdefault("text", fifo.read_text()), daemon=True)
    reader.start()
    r = pgshift.run_db("dump", "-o", str(fifo))
    assert r.returncode == 0, r
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    reader.join(timeout=60)
    assert "CREATE TABLE public.items" in got["text"]

    target = tmp_path / "real.sql"
    target.write_text("old")
    link = tmp_path / "link.sql"
    link.symlink_to(target)
    assert pgshift.run_db("dump", "-o", str(link)).returncode == 0
    assert link.is_symlink() and "CREATE TABLE public.items" in target.read_text()

    plain = tmp_path / "plain.sql"
    plain.write_text("old")
    os.chmod(plain, 0o600)
    assert pgshift.run_db("dump", "-o", str(plain)).returncode == 0
    assert "CREATE TABLE public.items" in plain.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.sql", "pipe", "plain.sql", "real.sql"]


def test_dump_bad_input(pgshift, db):
    r = pgshift.run_db("dump", "extra")
    assert r.returncode == 2 and "unexpected argument" in r.stderr
    r = pgshift.run_db("dump", "-o", "/nonexistent-dir/x.sql")
    assert r.returncode == 1 and "/nonexistent-dir/x.sql" in r.stderr


# The kinds the model gained after issue 18: collations, range types, aggregates, inheritance, extended
# statistics, column privileges, publications, default privileges (and an extension's version).
MORE_KINDS = """
CREATE EXTENSION IF NOT EXISTS citext;
CREATE SCHEMA k;
CREATE COLLATION k.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE COLLATION k.posix (locale = 'C');
COMMENT ON COLLATION k.ci IS 'case-insensitive';
CREATE FUNCTION k.f8diff(a float8, b float8) RETURNS float8 LANGUAGE sql IMMUTABLE AS 'SELECT a - b';
CREATE TYPE k.floatrange AS RANGE (subtype = float8, subtype_diff = k.f8diff);
CREATE TYPE k.textrange AS RANGE (subtype = text, collation = "C");
GRANT USAGE ON TYPE k.floatrange TO {app};
CREATE FUNCTION k.add2(s int, v int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT s + v';
CREATE AGGREGATE k.total(int) (SFUNC = k.add2, STYPE = int, INITCOND = '0', PARALLEL = SAFE);
CREATE AGGREGATE k.total_all(int) (SFUNC = int4pl, STYPE = int, COMBINEFUNC = int4pl, MSFUNC = int4pl,
    MINVFUNC = int4mi, MSTYPE = int);
COMMENT ON AGGREGATE k.total(int) IS 'sum';
REVOKE EXECUTE ON FUNCTION k.total(int) FROM PUBLIC;
CREATE TABLE k.base (id int PRIMARY KEY, note text COLLATE k.ci, span k.floatrange, r k.textrange);
CREATE TABLE k.child (extra text) INHERITS (k.base);
CREATE TABLE k.other (a int, b int, c text COLLATE k.posix);
CREATE STATISTICS k.other_ab (dependencies, ndistinct) ON a, b FROM k.other;
ALTER STATISTICS k.other_ab SET STATISTICS 500;
COMMENT ON STATISTICS k.other_ab IS 'a and b go together';
CREATE VIEW k.totals AS SELECT k.total(a) AS t FROM k.other;
GRANT SELECT (a), UPDATE (a, b) ON k.other TO {app};
GRANT SELECT (id) ON k.base TO {app} WITH GRANT OPTION;
CREATE PUBLICATION pub_k FOR TABLE k.base, k.other WITH (publish = 'insert, update');
CREATE PUBLICATION pub_cols FOR TABLE k.other (a, b) WHERE (a > 0);
COMMENT ON PUBLICATION pub_k IS 'to the warehouse';
ALTER DEFAULT PRIVILEGES IN SCHEMA k GRANT SELECT ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
"""

# A base type (CREATE TYPE with input and output functions) and an event trigger: not modelled.
UNMODELLED = """
CREATE SCHEMA u;
CREATE TYPE u.myint;
CREATE FUNCTION u.myint_in(cstring) RETURNS u.myint LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
CREATE FUNCTION u.myint_out(u.myint) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
CREATE TYPE u.myint (INPUT = u.myint_in, OUTPUT = u.myint_out, LIKE = int4);
CREATE TYPE u.other;
CREATE FUNCTION u.other_in(cstring) RETURNS u.other LANGUAGE internal IMMUTABLE STRICT AS 'int4in';
CREATE FUNCTION u.other_out(u.other) RETURNS cstring LANGUAGE internal IMMUTABLE STRICT AS 'int4out';
CREATE TYPE u.other (INPUT = u.other_in, OUTPUT = u.other_out, LIKE = int4);
CREATE FUNCTION u.evt() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END';
CREATE EVENT TRIGGER audit_ddl ON ddl_command_end EXECUTE FUNCTION u.evt();
"""


def test_dump_round_trips_the_kinds_added_later(pg, db, empty_db, pgshift, project, app_role):
    with db.conn() as c:
        c.execute(MORE_KINDS.replace("{app}", app_role))
    first = pgshift.run_db("dump")
    assert first.returncode == 0, first
    sql = first.stdout
    assert "warning" not in first.stderr, first.stderr
    for text in ["CREATE COLLATION k.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);",
                 "COMMENT ON COLLATION k.ci IS 'case-insensitive';",
                 "CREATE TYPE k.floatrange AS RANGE (subtype = double precision, subtype_diff = k.f8diff, "
                 "multirange_type_name = k.floatmultirange);",
                 'CREATE TYPE k.textrange AS RANGE (subtype = text, collation = pg_catalog."C", '
                 "multirange_type_name = k.textmultirange);",
                 "CREATE AGGREGATE k.total(integer) (SFUNC = k.add2, STYPE = integer, INITCOND = '0', "
                 "PARALLEL = SAFE);",
                 "REVOKE EXECUTE ON FUNCTION k.total(integer) FROM PUBLIC;",
                 ") INHERITS (k.base);",
                 "ALTER STATISTICS k.other_ab SET STATISTICS 500;",
                 f"GRANT SELECT (a), UPDATE (a) ON TABLE k.other TO {app_role};",
                 f"GRANT SELECT (id) ON TABLE k.base TO {app_role} WITH GRANT OPTION;",
                 "ALTER PUBLICATION pub_k ADD TABLE ONLY k.base;",
                 "ALTER PUBLICATION pub_cols ADD TABLE ONLY k.other (a, b) WHERE ((a > 0));",
                 f"ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA k GRANT SELECT ON TABLES TO {app_role};",
                 "ALTER DEFAULT PRIVILEGES FOR ROLE postgres REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;",
                 "CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public VERSION '"]:
        assert text in sql, (text, sql)
    # the child writes only its own column; what it uses comes first; default privileges come last
    assert re.search(r"CREATE TABLE k\.child \(\n    extra text\n\) INHERITS", sql), sql
    assert sql.index("CREATE COLLATION k.ci") < sql.index("CREATE TABLE k.base")
    assert sql.index("CREATE TYPE k.floatrange") < sql.index("CREATE TABLE k.base")
    assert sql.index("CREATE AGGREGATE k.total(") < sql.index("CREATE VIEW k.totals")
    assert sql.index("CREATE TABLE k.base") < sql.index("CREATE TABLE k.child")
    assert sql.rindex("CREATE ") < sql.index("ALTER DEFAULT PRIVILEGES")

    (project.path / "s.sql").write_text(sql)
    loaded = psql_file(pg, empty_db, project.path / "s.sql")
    assert loaded.returncode == 0 and "ERROR" not in loaded.stderr, loaded.stderr
    assert pg_dump_schema(pg, empty_db) == pg_dump_schema(pg, db.name)
    again = pgshift.run("dump", "--url", pg.url(empty_db))
    assert again.returncode == 0, again
    assert again.stdout == sql


def test_dump_warns_about_the_kinds_it_does_not_model(db, pgshift):
    with db.conn() as c:
        c.execute(UNMODELLED + "CREATE TABLE public.t (id int);")
    r = pgshift.run_db("dump")
    assert r.returncode == 0, r
    assert "CREATE TABLE public.t" in r.stdout and "CREATE TYPE u.myint" not in r.stdout
    assert ("warning: the dump leaves out 2 base types (u.myint, u.other) and 1 event trigger (audit_ddl): "
            "pgshift does not model them") in r.stderr, r.stderr
    # --schema: only what is in those schemas (an event trigger is in none)
    r = pgshift.run_db("dump", "--schema", "public")
    assert r.returncode == 0 and "warning" not in r.stderr, r
