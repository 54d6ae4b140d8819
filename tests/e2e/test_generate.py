"""pgshift new --from-schema and pgshift down: migrations and down.sql files written from the schema.

A project of several migrations and a schema.sql that changes it; the generated migrations are linted (nothing
but the destructive change the case asks for), deployed with pgshift deploy (pg_dump --schema-only then equals
schema.sql loaded into a fresh database, column order aside), and rolled back one at a time with pgshift
rollback, the schema checked after each step against the migrations before it applied with psql."""
import json
import os
import re
import signal
import secrets
import subprocess

from conftest import wait_for
from test_diff import pg_dump_schema, scratch_dbs

MIGRATIONS = [
    ("users", "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n"),
    ("orders", "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), note text);\n"),
    ("name_idx", "-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_name ON users (name);\n"),
]

SCHEMA = """
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text, nick text DEFAULT 'x');
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id), total numeric(10,2));
CREATE INDEX users_email ON users (email);
CREATE INDEX users_name ON users (name);
CREATE TABLE audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at timestamptz DEFAULT now());
"""


def psql_file(pg, dbname, path):
    r = subprocess.run([f"{pg.bindir}/psql", "-X", "-v", "ON_ERROR_STOP=1", "-q", "-h", str(pg.socket_dir),
                        "-p", str(pg.port), "-U", "postgres", "-d", dbname, "-f", str(path)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr




def without_history(pg, dbname):
    return pg_dump_schema(pg, dbname, "-T", "public.pgshift_*")


def written(r):
    return [line for line in r.stdout.splitlines() if line.endswith("migration.sql")]


def test_new_from_schema_deploys_and_rolls_back_step_by_step(pg, db, dbs, project, pgshift):
    for name, sql in MIGRATIONS:
        project.add(name, sql)
    (project.path / "schema.sql").write_text(SCHEMA)
    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("new", "change", "--from-schema")
    assert r.returncode == 0, r
    assert "warning" not in r.stderr, r
    paths = written(r)
    assert len(paths) >= 3, r  # concurrent index, NOT VALID then VALIDATE: separate migrations
    assert re.fullmatch(r"migrations/\d{14}_change/migration.sql", paths[0]), paths
    assert all(re.fullmatch(rf"migrations/\d{{14}}_change_{k + 1}/migration.sql", p)
               for k, p in enumerate(paths) if k), paths
    versions = [p.split("/")[1][:14] for p in paths]
    assert versions == sorted(set(versions))
    bodies = [(project.path / p).read_text() for p in paths]
    assert any(b.startswith("-- pgshift:no-transaction\n") and "CONCURRENTLY" in b for b in bodies), bodies
    assert all("CONCURRENTLY" not in b for b in bodies if not b.startswith("-- pgshift:no-transaction")), bodies
    assert any("NOT VALID" in b for b in bodies) and any("VALIDATE CONSTRAINT" in b for b in bodies), bodies
    assert scratch_dbs(pg) == []

    # lint: only the dropped column the schema asks for is a review finding; no warning with a safe form
    lint = pgshift.run_db("lint", "--format", "json")
    findings = json.loads(lint.stdout)["findings"]
    assert all(f["severity"] == "hint" or f["rule"] == "drop-column" for f in findings), [(f["rule"], f["file"], f["message"]) for f in findings]
    assert any(f["rule"] == "drop-column" for f in findings), findings

    deploy_and_roll_back(pg, db, dbs, project, pgshift, paths, len(MIGRATIONS), SCHEMA)


def deploy_and_roll_back(pg, db, dbs, project, pgshift, paths, nbefore, schema):
    """Deploys the generated migrations (schema then equals the file's), then rolls them back one at a time."""
    names = [p.split("/")[1] for p in paths]
    approve = [a for n in names for a in ("--approve", n)]
    r = pgshift.run_db("deploy", *approve)
    assert r.returncode == 0, r
    assert without_history(pg, db.name) == without_history(pg, dbs(schema))

    # each rollback undoes one generated migration: the schema is the migrations before it, applied with psql
    files = [project.migrations / d / "migration.sql" for d in sorted(x.name for x in project.migrations.iterdir())]
    for k in range(len(paths), 0, -1):
        r = pgshift.run_db("rollback", "--steps", "1", "--approve", names[k - 1])
        assert r.returncode == 0, r
        expected = dbs()
        for f in files[:nbefore + k - 1]:
            psql_file(pg, expected, f)
        assert without_history(pg, db.name) == without_history(pg, expected), names[k - 1]


# Migrations whose steps read only the tables they touch again (new --from-schema): a dropped table with its
# constraints, index and comments, an FK from an untouched table (under a view) to a changed one, comments and
# privileges (of a table, and unchanged of the sequence it owns), a default and an expression index on a function,
# a table that appears with the sequence it owns.
TABLES_MIGRATIONS = [
    ("base", "CREATE FUNCTION fee(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x + 1 $$;\n"
             "CREATE TABLE accounts (id serial PRIMARY KEY, name text);\n"
             "GRANT USAGE ON SEQUENCE accounts_id_seq TO PUBLIC;\n"
             "COMMENT ON TABLE accounts IS 'old';\n"
             "CREATE TABLE legacy (id int PRIMARY KEY, note text CHECK (note <> ''));\n"
             "CREATE INDEX legacy_note ON legacy (note);\n"
             "COMMENT ON COLUMN legacy.note IS 'a note';\n"
             "CREATE TABLE payments (id bigint PRIMARY KEY, account_id int REFERENCES accounts (id), amount int);\n"
             "CREATE VIEW big_payments AS SELECT id, amount FROM payments WHERE amount > 100;\n"
             "CREATE TABLE tags (id serial PRIMARY KEY, label text);\nCOMMENT ON COLUMN tags.label IS 'shown';\n"),
]

TABLES_SCHEMA = """
CREATE FUNCTION fee(x int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT x + 1 $$;
CREATE TABLE accounts (id serial PRIMARY KEY, name text, email text, level int DEFAULT fee(1));
COMMENT ON TABLE accounts IS 'new';
GRANT SELECT ON accounts TO PUBLIC;
GRANT USAGE ON SEQUENCE accounts_id_seq TO PUBLIC;
CREATE INDEX accounts_fee ON accounts (fee(level));
CREATE TABLE payments (id bigint PRIMARY KEY, account_id int REFERENCES accounts (id), amount int);
CREATE VIEW big_payments AS SELECT id, amount FROM payments WHERE amount > 100;
CREATE TABLE invoices (id serial PRIMARY KEY, account_id int REFERENCES accounts (id), amount int CHECK (amount > 0));
CREATE INDEX invoices_account ON invoices (account_id);
"""


def test_new_from_schema_steps_that_read_only_their_tables_roll_back_alone(pg, db, dbs, project, pgshift):
    for name, sql in TABLES_MIGRATIONS:
        project.add(name, sql)
    (project.path / "schema.sql").write_text(TABLES_SCHEMA)
    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("new", "change", "--from-schema")
    assert r.returncode == 0, r
    assert "warning" not in r.stderr, r
    paths = written(r)
    assert len(paths) >= 3, r
    downs = "".join((project.path / p).with_name("down.sql").read_text() for p in paths)
    assert "CREATE TABLE public.legacy" in downs and "COMMENT ON COLUMN public.legacy.note" in downs, downs
    # a sequence OWNED BY a column goes with its table: no statement, so no migration that does nothing
    ups = "".join((project.path / p).read_text() for p in paths)
    assert "DROP TABLE public.tags;" in ups and "DROP SEQUENCE" not in ups + downs, ups + downs
    assert all("\n" in (project.path / p).with_name("down.sql").read_text().strip() for p in paths), downs
    assert "REVOKE SELECT ON TABLE public.accounts FROM PUBLIC" in downs, downs
    # the sequence a changed table owns is read again with its privileges: unchanged, so not in any down.sql
    assert "accounts_id_seq" not in ups + downs, ups + downs
    assert scratch_dbs(pg) == []
    deploy_and_roll_back(pg, db, dbs, project, pgshift, paths, len(TABLES_MIGRATIONS), TABLES_SCHEMA)


def test_new_from_schema_without_changes_writes_nothing(pg, db, dbs, project, pgshift, tmp_path):
    for name, sql in MIGRATIONS:
        project.add(name, sql)
    before = sorted(p.name for p in project.migrations.iterdir())
    schema = tmp_path / "same.sql"
    schema.write_text("".join(sql for _, sql in MIGRATIONS[:2]) + "CREATE INDEX users_name ON users (name);\n")
    r = pgshift.run_db("new", "nothing", "--from-schema", str(schema))
    assert r.returncode == 0 and "no schema changes" in r.stdout, r
    assert sorted(p.name for p in project.migrations.iterdir()) == before
    # with a shadow database: the file, then the migrations, each in it emptied first; nothing else is created
    shadow = dbs("CREATE TABLE leftover (id int);")
    r = pgshift.run("new", "nothing", "--from-schema", str(schema), "--shadow-url", pg.url(shadow))
    assert r.returncode == 0 and "no schema changes" in r.stdout, r
    with pg.connect(shadow) as c:
        assert c.execute("SELECT to_regclass('leftover')").fetchone()[0] is None
    assert scratch_dbs(pg) == []
    r = pgshift.run_db("new", "nothing", "--from-schema", env={"PGSHIFT_SCHEMA": str(tmp_path / "none.sql")})
    assert r.returncode == 2 and "none.sql: no such file" in r.stderr, r
    r = pgshift.run("new", "a", "b")
    assert r.returncode == 2 and "unexpected argument" in r.stderr, r


def test_new_from_schema_in_prisma_layout(pg, db, project, pgshift):
    mdir = project.path / "prisma" / "migrations"
    mdir.mkdir(parents=True)
    (mdir / "migration_lock.toml").write_text('provider = "postgresql"\n')
    (mdir / "20250101000000_init").mkdir()
    (mdir / "20250101000000_init" / "migration.sql").write_text(MIGRATIONS[0][1])
    (project.path / "prisma" / "schema.sql").write_text(MIGRATIONS[0][1].replace("name text", "name text, age int"))
    new = pgshift.run_db("new", "Add age", "--from-schema")
    assert new.returncode == 0, new
    assert re.fullmatch(r"prisma/migrations/\d{14}_add_age/migration.sql", written(new)[0]), new
    assert "ADD COLUMN age integer" in (project.path / written(new)[0]).read_text()
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                     "AND column_name = 'age'") == 1
    r = pgshift.run_db("rollback", "--steps", "1")
    assert r.returncode == 3 and "drop-column" in r.stdout, r  # the down drops the column: left for the gate
    added = written(new)[0].split("/")[2]
    r = pgshift.run_db("rollback", "--steps", "1", "--approve", added)
    assert r.returncode == 0, r
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                     "AND column_name = 'age'") == 0


HAND_WRITTEN = [
    ("users", "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n"
              "CREATE TYPE mood AS ENUM ('sad', 'happy');\n"),
    ("profile", "ALTER TABLE users ADD COLUMN name text, ADD COLUMN mood mood DEFAULT 'happy';\n"
                "CREATE VIEW user_names AS SELECT id, name FROM users;\n"
                "COMMENT ON TABLE users IS 'people';\n"),
    ("seed", "INSERT INTO users (id, email) VALUES (1, 'a@example.com');\n"),
    ("email_idx", "-- pgshift:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n"),
    ("posts", "CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), "
              "body text CHECK (length(body) < 1000));\nALTER TABLE users ALTER COLUMN name SET DEFAULT 'anon';\n"),
]


def test_down_writes_each_migrations_down_and_rollback_undoes_them(pg, db, dbs, project, pgshift):
    names = [project.add(name, sql) for name, sql in HAND_WRITTEN]
    for name in names:
        r = pgshift.run_db("down", name)
        if name.endswith("_seed"):
            assert r.returncode == 0 and "changes no schema object" in r.stdout, r
            assert not (project.migrations / name / "down.sql").exists()
            (project.migrations / name / "down.sql").write_text("DELETE FROM users WHERE id = 1;\n")
            continue
        assert r.returncode == 0, r
        assert r.stdout.strip() == f"migrations/{name}/down.sql", r
        down = (project.migrations / name / "down.sql").read_text()
        assert down.startswith(f"-- Reverts {name}") and "CONCURRENTLY" not in down, down
    assert "DROP INDEX IF EXISTS public.users_email;" in (project.migrations / names[3] / "down.sql").read_text()
    assert scratch_dbs(pg) == []
    # an existing down.sql is never replaced; a path to the directory names the migration too
    before = (project.migrations / names[1] / "down.sql").read_text()
    r = pgshift.run_db("down", f"migrations/{names[1]}/")
    assert r.returncode == 2 and "not empty" in r.stderr and "delete this one" in r.stderr, r
    assert (project.migrations / names[1] / "down.sql").read_text() == before
    r = pgshift.run_db("down", "20990101000000_nope")
    assert r.returncode == 2 and "no migration named" in r.stderr, r

    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r
    files = [project.migrations / n / "migration.sql" for n in names]
    for k in range(len(names), 0, -1):
        r = pgshift.run_db("rollback", "--steps", "1", "--approve", names[k - 1])
        assert r.returncode == 0, r
        expected = dbs()
        for f in files[:k - 1]:
            psql_file(pg, expected, f)
        assert without_history(pg, db.name) == without_history(pg, expected), names[k - 1]


def test_generated_down_of_a_new_table_rolls_back_through_the_gate(pg, db, dbs, project, pgshift):
    """The down of a generated migration that created a table, its index and a view drops them: it acknowledges
    the drops of the index and the view (nothing that existed before the up is lost), and the gate lets the
    drop of the table through because it is still empty, so rollback needs no --approve.  A column the up
    added stays for the gate (test_new_from_schema_in_prisma_layout)."""
    project.add("users", MIGRATIONS[0][1])
    (project.path / "schema.sql").write_text(
        MIGRATIONS[0][1] + "CREATE TABLE notes (id bigint PRIMARY KEY, user_id bigint, body text);\n"
        "CREATE INDEX notes_user ON notes (user_id);\nCREATE VIEW note_bodies AS SELECT body FROM notes;\n")
    assert pgshift.run_db("deploy").returncode == 0
    before = without_history(pg, db.name)
    new = pgshift.run_db("new", "notes", "--from-schema")
    assert new.returncode == 0, new
    downs = [(project.path / p).parent / "down.sql" for p in written(new)]
    text = "".join(d.read_text() for d in downs)
    assert "-- pgshift:allow drop-table" not in text, text
    assert "-- pgshift:allow drop-object because: public.note_bodies" in text, text
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r
    assert db.scalar("SELECT to_regclass('public.note_bodies') IS NOT NULL")
    r = pgshift.run_db("rollback", "--steps", str(len(downs)))
    assert r.returncode == 0, r
    assert without_history(pg, db.name) == before


def test_generated_down_keeps_a_new_table_that_has_rows_for_the_gate(db, project, pgshift):
    """Once the application wrote rows into the table the up created, the down's DROP TABLE would lose them:
    rollback stops at the gate (exit 3) and leaves table and rows; with --approve it drops the table."""
    project.add("users", MIGRATIONS[0][1])
    (project.path / "schema.sql").write_text(
        MIGRATIONS[0][1] + "CREATE TABLE notes (id bigint PRIMARY KEY, body text);\n")
    assert pgshift.run_db("deploy").returncode == 0
    new = pgshift.run_db("new", "notes", "--from-schema")
    assert new.returncode == 0, new
    name = (project.path / written(new)[0]).parent.name
    assert pgshift.run_db("deploy").returncode == 0
    db.query("INSERT INTO notes VALUES (1, 'written by the app after the deploy')")
    r = pgshift.run_db("rollback", "--steps", "1")
    assert r.returncode == 3, r
    assert "drop-table" in r.stdout + r.stderr, r
    assert db.scalar("SELECT count(*) FROM notes") == 1
    r = pgshift.run_db("rollback", "--steps", "1", "--approve", name)
    assert r.returncode == 0, r
    assert db.scalar("SELECT to_regclass('public.notes') IS NULL")



def test_new_from_schema_says_what_it_does_not_compare(pg, db, project, pgshift, tmp_path):
    """An event trigger in the schema file is not modelled: the migration cannot make it, and new says so."""
    for name, sql in MIGRATIONS:
        project.add(name, sql)
    schema = tmp_path / "schema.sql"
    schema.write_text("".join(sql for _, sql in MIGRATIONS) +
                      "CREATE FUNCTION evt() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END';\n"
                      "CREATE EVENT TRIGGER audit_ddl ON ddl_command_end EXECUTE FUNCTION evt();\n")
    r = pgshift.run_db("new", "evt", "--from-schema", str(schema))
    assert r.returncode == 0, r
    assert ("warning: not compared, pgshift does not model them (write them by hand): 1 event trigger (audit_ddl)"
            in r.stderr), r.stderr
    assert scratch_dbs(pg) == []


SLEEP_IN_SCRATCH = ("DO $$ BEGIN IF current_database() LIKE 'pgshift\\_scratch\\_%' THEN PERFORM pg_sleep(60); END IF; "
                    "END $$;\n")


def test_new_from_schema_sigint_during_the_parallel_fills_drops_both_scratch_databases(pg, db, project, pgshift):
    """The schema file and the migrations fill two scratch databases at the same time; Ctrl-C while both are
    at work cancels both statements, drops both databases and writes nothing (exit 130)."""
    project.add("users", MIGRATIONS[0][1] + SLEEP_IN_SCRATCH)
    (project.path / "schema.sql").write_text(SCHEMA + SLEEP_IN_SCRATCH)
    p = pgshift.spawn("new", "change", "--from-schema", "--url", db.url)
    with pg.connect() as c:
        wait_for(lambda: c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'pgshift\\_scratch\\_%' "
                                   "AND query LIKE '%pg_sleep%'").fetchone()[0] == 2, timeout=30)
    os.kill(p.pid, signal.SIGINT)
    r = p.wait(timeout=30)
    assert r.returncode == 130, r
    assert "interrupted" in r.stderr and r.stderr.count("was dropped") == 2, r.stderr
    assert scratch_dbs(pg) == []
    assert not list((project.path / "migrations").glob("*_change")), "nothing written"


def test_new_from_schema_names_the_line_of_a_bad_statement_deep_in_a_large_schema_file(pg, db, project, pgshift):
    """The schema file loads in transactions of some statements each (so that two large loads fit the lock
    table): a statement that fails after several of them committed is still named by file and line."""
    project.add("users", MIGRATIONS[0][1])
    lines = [MIGRATIONS[0][1].strip()] + [f"CREATE TABLE t{i} (id bigint PRIMARY KEY, v text);" for i in range(450)]
    lines.insert(321, "CREATE TABLE broken (id bigint REFERENCES no_such_table (id));")
    (project.path / "schema.sql").write_text("\n".join(lines) + "\n")
    r = pgshift.run_db("new", "change", "--from-schema")
    assert r.returncode == 1, r
    assert "schema.sql:322:" in r.stderr and 'relation "no_such_table" does not exist' in r.stderr, r.stderr
    assert "statement 322 of 452" in r.stderr, r.stderr
    assert scratch_dbs(pg) == []
    assert not list((project.path / "migrations").glob("*_change")), "nothing written"


def test_new_from_schema_cancels_the_file_load_when_the_second_scratch_database_cannot_be_opened(pg, db, project,
                                                                                                  pgshift):
    """The schema file starts loading into its scratch database before the migrations' one is made: when that
    second one cannot be opened (here the role's connection limit), the file's load is cancelled at once (not
    waited for), both databases are dropped, nothing is written, and the error says why."""
    name, pw = "gen_limited_" + secrets.token_hex(4), secrets.token_hex(10)
    with pg.connect() as c:
        c.execute(f"CREATE ROLE {name} LOGIN CREATEDB CONNECTION LIMIT 2 PASSWORD '{pw}'")
    try:
        project.add("users", MIGRATIONS[0][1])
        (project.path / "schema.sql").write_text(SCHEMA + SLEEP_IN_SCRATCH)
        r = pgshift.run("new", "change", "--from-schema", "--url",
                        f"postgresql://{name}:{pw}@127.0.0.1:{pg.port}/{db.name}", timeout=40)
        assert r.returncode == 1, r
        assert "too many connections for role" in r.stderr, r.stderr
        assert pw not in r.stdout + r.stderr
        assert scratch_dbs(pg) == []
        assert not list((project.path / "migrations").glob("*_change")), "nothing written"
    finally:
        with pg.connect() as c:
            c.execute(f"DROP ROLE {name}")


def test_new_from_schema_stops_on_a_change_it_cannot_make_and_says_to_write_it_by_hand(pg, db, project, pgshift):
    """A column type change between types PostgreSQL has no cast for fails where new --from-schema runs it (its
    scratch database): nothing is written, and the error names the statement and says to write that step."""
    project.add("events", "CREATE TABLE events (id int PRIMARY KEY, at timestamp);\n")
    (project.path / "schema.sql").write_text("CREATE TABLE events (id int PRIMARY KEY, at boolean);\n")
    r = pgshift.run_db("new", "flag", "--from-schema")
    assert r.returncode == 1, r
    assert "cannot cast type timestamp without time zone to boolean" in r.stderr, r.stderr
    assert "ALTER TABLE public.events ALTER COLUMN at TYPE boolean" in r.stderr, r.stderr
    assert "write this step as a migration by hand" in r.stderr, r.stderr
    assert scratch_dbs(pg) == []
    assert not list((project.path / "migrations").glob("*_flag")), "nothing written"
