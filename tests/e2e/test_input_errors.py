"""Bad input: each is one clear error saying what to do, and the database is untouched."""
import hashlib

import pytest


def untouched(db):
    return not db.table_exists("pgshift_migrations")


def test_unknown_command_and_option_exit_2(db, project, pgshift):
    r = pgshift.run("frobnicate")
    assert r.returncode == 2 and 'unknown command "frobnicate"' in r.stderr
    r = pgshift.run_db("deploy", "--no-such-option")
    assert r.returncode == 2 and '"--no-such-option"' in r.stderr and "--help" in r.stderr
    r = pgshift.run_db("deploy", "--lock-wait", "soon")
    assert r.returncode == 2 and "duration" in r.stderr
    r = pgshift.run("deploy", "--url")
    assert r.returncode == 2 and "needs a value" in r.stderr
    assert untouched(db)


def test_help_lists_commands_and_options(pgshift):
    r = pgshift.run("--help")
    assert r.returncode == 0
    for c in ("new", "deploy", "status", "dev"):
        assert f"  {c} " in r.stdout
    r = pgshift.run("deploy", "--help")
    assert r.returncode == 0 and "--dry-run" in r.stdout and "--lock-wait" in r.stdout


def test_missing_migrations_directory(db, project, pgshift):
    r = pgshift.run_db("deploy", "--dir", "nope")
    assert r.returncode == 1
    assert 'migrations directory "nope" does not exist' in r.stderr
    assert "pgshift new" in r.stderr
    assert untouched(db)


@pytest.mark.parametrize("content, expect", [
    (b"", "migration file is empty"),
    (b"  \n\t\n", "migration file is empty"),
    (b"CREATE TABLE a (id int);\n-- caf\xe9\nSELECT 1;\n", "not valid UTF-8"),
    # above U+10FFFF, and a 5-byte form: PostgreSQL rejects both, so the pre-check does too
    (b"CREATE TABLE a (id int);\n-- \xf4\x90\x80\x80\nSELECT 1;\n", "not valid UTF-8"),
    (b"CREATE TABLE a (id int);\n-- \xf8\x88\x80\x80\x80\nSELECT 1;\n", "not valid UTF-8"),
])
def test_bad_migration_file(db, project, pgshift, content, expect):
    name = project.add("bad", content)
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert expect in r.stderr
    assert f"migrations/{name}/migration.sql" in r.stderr
    if b"--" in content:
        assert f"migrations/{name}/migration.sql:2" in r.stderr
    assert untouched(db)
    assert pgshift.run_db("status").returncode == 1


def test_bad_directory_name(db, project, pgshift):
    project.add("good", "CREATE TABLE a (id int);\n")
    (project.migrations / "2025_oops").mkdir()
    (project.migrations / "2025_oops" / "migration.sql").write_text("CREATE TABLE b (id int);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert "2025_oops" in r.stderr and "<14 digits>_<name>" in r.stderr
    assert untouched(db) and not db.table_exists("a")


def test_every_bad_directory_named_with_a_real_timestamp_required(db, project, pgshift):
    project.add("good", "CREATE TABLE a (id int);\n")
    project.add("month13", "CREATE TABLE b (id int);\n", version="20261301000000")
    project.add("feb29", "CREATE TABLE c (id int);\n", version="20250229120000")
    project.add("late", "CREATE TABLE d (id int);\n", version="20250101240000")
    (project.migrations / "2025_oops").mkdir()
    (project.migrations / "2025_oops" / "migration.sql").write_text("CREATE TABLE e (id int);\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1, r.stderr
    assert "4 migration directories have names pgshift cannot use" in r.stderr, r.stderr
    details = [l for l in r.stderr.splitlines() if l.startswith("detail: ")]
    assert len(details) == 4, r.stderr
    for name, why in (("20261301000000_month13", "month is not 01-12"),
                      ("20250229120000_feb29", "day does not exist in that month"),
                      ("20250101240000_late", "hour is not 00-23"),
                      ("2025_oops", "not <14 digits>_<name>")):
        assert any(f"migrations/{name}: " in l and why in l for l in details), (name, r.stderr)
    assert "hint: rename each like 20250101120000_add_users" in r.stderr
    assert untouched(db) and not db.table_exists("a")


BOM = b"\xef\xbb\xbf"


def test_byte_order_mark_is_not_sql(db, project, pgshift):
    """A BOM (as Windows editors write it) is stripped from what is parsed and sent, in every SQL file pgshift
    reads; the checksum stays over the file's bytes as they are, as Prisma computes it."""
    raw = BOM + b"CREATE TABLE bom (id int);\n"
    name = project.add("bom", raw, down=BOM + b"DROP TABLE bom;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stderr
    assert db.table_exists("bom")
    assert db.scalar("SELECT checksum FROM pgshift_migrations WHERE migration_name = %s", (name,)) == \
        hashlib.sha256(raw).hexdigest()
    r = pgshift.run_db("status")
    assert r.returncode == 0, r.stdout + r.stderr
    (project.path / "seed.sql").write_bytes(BOM + b"INSERT INTO bom VALUES (1);\n")
    r = pgshift.run_db("seed")
    assert r.returncode == 0, r.stderr
    assert db.scalar("SELECT count(*) FROM bom") == 1
    sql = project.migrations / name / "migration.sql"
    for target in (sql, sql.parent):
        r = pgshift.run("lint", str(target))
        assert r.returncode == 0 and "syntax error" not in r.stderr, r.stdout + r.stderr
    r = pgshift.run_db("rollback", "--steps", "1", "--approve", name)  # the gate reads the down.sql too
    assert r.returncode == 0, r.stdout + r.stderr
    assert not db.table_exists("bom")


def test_duplicate_version(db, project, pgshift):
    a = project.add("first", "CREATE TABLE a (id int);\n", version="20250101000000")
    b = project.add("second", "CREATE TABLE b (id int);\n", version="20250101000000")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert "same version 20250101000000" in r.stderr and a in r.stderr and b in r.stderr
    assert untouched(db)


def test_wrong_password(pg, db, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    url = f"postgresql://postgres:not-the-password-42@127.0.0.1:{pg.port}/{db.name}"
    r = pgshift.run("deploy", "--url", url)
    assert r.returncode == 1
    assert "password authentication failed" in r.stderr
    assert "check the user and password in --url" in r.stderr
    assert "not-the-password-42" not in r.stderr + r.stdout
    assert "********" in r.stderr
    assert untouched(db)


def test_unreachable_port(pg, db, project, pgshift):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run("deploy", "--url", f"postgresql://postgres:{pg.password}@127.0.0.1:{port}/x")
    assert r.returncode == 1
    assert "could not connect" in r.stderr and "Connection refused" in r.stderr
    assert "is PostgreSQL running" in r.stderr


def test_database_does_not_exist(pg, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run("status", "--url", pg.url("no_such_db_here"))
    assert r.returncode == 1
    assert 'database "no_such_db_here" does not exist' in r.stderr
    assert "createdb no_such_db_here" in r.stderr


def test_invalid_url(project, pgshift):
    r = pgshift.run("status", "--url", "postgresql://u:hunter2secret@h/db?bogus_option=1")
    assert r.returncode == 2
    assert "invalid connection URL in --url" in r.stderr and "bogus_option" in r.stderr
    # a URL that does not parse is not shown at all: where its password ends is not known
    assert "hunter2secret" not in r.stderr and "u:" not in r.stderr and "the URL is not shown" in r.stderr
    r = pgshift.run("status", "--url", "postgresql://u:hunter2secret@h:notaport/db")
    assert r.returncode == 1
    assert '"notaport"' in r.stderr and "hunter2secret" not in r.stderr


def test_no_url_anywhere_says_how_to_start(project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run("deploy")
    assert r.returncode == 1
    assert "no database to connect to" in r.stderr
    assert "pgshift dev up" in r.stderr and "--url" in r.stderr


def test_numbers_out_of_range_are_refused(db, project, pgshift):
    # --pg-version used to overflow (9.<huge> times 100)
    r = pgshift.run("lint", "--pg-version", "9.99999999999999999999")
    assert r.returncode == 2
    assert 'major version from 9.0 to 99, such as 15, not "9.99999999999999999999"' in r.stderr
    r = pgshift.run_db("backfill", "--table", "t", "--set", "v = 1", "--batch", "99999999999999999999999")
    assert r.returncode == 2 and "--batch needs a whole number from 1 to 100000" in r.stderr
    r = pgshift.run_db("deploy", "--lock-timeout", "597h")
    assert r.returncode == 2 and "--lock-timeout needs a duration such as 500ms, 5s or 2m, from 0 to 2147483647ms" in r.stderr
    r = pgshift.run("hook", env={"PGSHIFT_DEPLOY_HOOK_URL": "http://127.0.0.1:9/hook",
                                 "PGSHIFT_HOOK_TIMEOUT_MS": "99999999999999999999"})
    assert r.returncode == 2
    assert 'PGSHIFT_HOOK_TIMEOUT_MS needs a whole number of milliseconds from 1 to 2147483647' in r.stderr
    assert untouched(db)


def test_backfill_directive_batch_out_of_range(db, project, pgshift):
    # used to be taken as LONG_MAX: a LIMIT of every row, and a float-to-long overflow when adapting
    name = project.add("fill", "CREATE TABLE t (id int PRIMARY KEY, v int);\n"
                               "-- pgshift:backfill batch=99999999999999999999999\n"
                               "UPDATE t SET v = 1;\n")
    r = pgshift.run("lint")
    assert r.returncode == 1
    assert '"batch=99999999999999999999999": not a whole number from 1 to 100000' in r.stdout
    r = pgshift.run_db("deploy")
    assert r.returncode == 2
    assert f"migrations/{name}/migration.sql:2:" in r.stderr and "from 1 to 100000" in r.stderr
    assert not db.table_exists("t")
