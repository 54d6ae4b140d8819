"""Prisma compatibility: pgshift and the real Prisma CLI (6.19, JS schema engine) on one database.

The CLI is installed once into build/prisma by scripts/prisma.sh (npm registry); each test gets a
project laid out as Prisma makes it: prisma/schema.prisma, prisma/migrations/migration_lock.toml,
prisma/migrations/<name>/migration.sql, and prisma.config.ts beside the prisma folder.
"""
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import time

import psycopg
import pytest

from conftest import BIN, _base_dir, check_no_leak, wait_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE = pathlib.Path(__file__).resolve().parent / "prisma"
CACHE = pathlib.Path(os.environ.get("PGSHIFT_PRISMA_DIR", ROOT / "build" / "prisma"))
PRISMA_LOCK_KEY = 72707369

FAILED = re.compile(r"failed", re.I)


@pytest.fixture(scope="session")
def prisma_cli():
    subprocess.run(["sh", str(ROOT / "scripts" / "prisma.sh"), str(CACHE)], check=True)
    cli = CACHE / "node_modules" / ".bin" / "prisma"
    assert cli.exists(), "scripts/prisma.sh did not install the Prisma CLI"
    return cli


class PrismaProject:
    def __init__(self, base, cli, database):
        self.path = base
        self.cli = cli
        self.db = database
        self.migrations = base / "prisma" / "migrations"
        self.migrations.mkdir(parents=True)
        shutil.copy(TEMPLATE / "schema.prisma", base / "prisma" / "schema.prisma")
        shutil.copy(TEMPLATE / "migration_lock.toml", self.migrations / "migration_lock.toml")
        shutil.copy(TEMPLATE / "prisma.config.ts", base / "prisma.config.ts")
        (base / "node_modules").symlink_to(CACHE / "node_modules")

    def add(self, name, sql, down=None):
        d = self.migrations / name
        d.mkdir()
        (d / "migration.sql").write_text(sql)
        if down is not None:
            (d / "down.sql").write_text(down)
        return name

    def env(self):
        stub = CACHE / "engine-stub"
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
                "LANG": "C.UTF-8", "TZ": "UTC", "DATABASE_URL": self.db.url,
                "PRISMA_SCHEMA_ENGINE_BINARY": str(stub / "schema-engine"),
                "PRISMA_QUERY_ENGINE_LIBRARY": str(stub / "libquery_engine.so.node"),
                "CHECKPOINT_DISABLE": "1", "PRISMA_HIDE_UPDATE_MESSAGE": "1"}

    def prisma(self, *args, timeout=120):
        p = subprocess.run([str(self.cli), *args], cwd=self.path, env=self.env(), capture_output=True, text=True,
                           timeout=timeout)
        return p.returncode, p.stdout + p.stderr

    def pgshift(self, *args, timeout=60):
        """pgshift as a team would run it here: DATABASE_URL from the environment, layout found by itself."""
        env = self.env()
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        p = subprocess.run([BIN, *args], cwd=self.path, env=env, capture_output=True, text=True, timeout=timeout)
        check_no_leak({self.db.server.password}, p.stdout, p.stderr)
        return p

    def rows(self):
        return self.db.query("SELECT migration_name, checksum, applied_steps_count, finished_at IS NOT NULL, "
                             "rolled_back_at IS NOT NULL, logs FROM _prisma_migrations ORDER BY started_at")


@pytest.fixture
def prisma(prisma_cli, db):
    base = _base_dir()
    try:
        yield PrismaProject(base, prisma_cli, db)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def three(pp):
    pp.add("20250101000000_init", "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);\n")
    pp.add("20250102000000_add_name", "ALTER TABLE users ADD COLUMN name text;\n")
    pp.add("20250103000000_posts", "CREATE TABLE posts (id serial PRIMARY KEY, user_id int REFERENCES users);\n"
                                   "CREATE INDEX posts_user_id ON posts (user_id);\n")


def test_prisma_deploys_then_pgshift_continues(prisma):
    three(prisma)
    rc, out = prisma.prisma("migrate", "deploy")
    assert rc == 0, out
    r = prisma.pgshift("status")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 applied, 0 pending" in r.stdout
    assert "_prisma_migrations" not in r.stderr
    prisma.add("20250104000000_add_bio", "ALTER TABLE users ADD COLUMN bio text;\n")
    r = prisma.pgshift("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "applied 20250104000000_add_bio" in r.stdout
    rc, out = prisma.prisma("migrate", "status")
    assert rc == 0, out
    assert "Database schema is up to date!" in out
    # Nothing of pgshift's own in Prisma's table or beside it.
    assert not prisma.db.table_exists("pgshift_migrations")
    cols = [r[0] for r in prisma.db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = '_prisma_migrations' "
        "ORDER BY ordinal_position")]
    assert cols == ["id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at", "started_at",
                    "applied_steps_count"]


def test_both_tools_write_the_same_rows(prisma, pg):
    three(prisma)
    r = prisma.pgshift("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    rc, out = prisma.prisma("migrate", "status")
    assert rc == 0 and "Database schema is up to date!" in out, out
    ours = prisma.rows()
    # The same files deployed by Prisma into a second database.
    other = "prisma_twin_" + prisma.db.name
    with pg.connect() as c:
        c.execute(f'CREATE DATABASE "{other}"')
    try:
        twin_url = pg.url(other)
        saved = prisma.db.url
        prisma.db.url = twin_url
        try:
            rc, out = prisma.prisma("migrate", "deploy")
        finally:
            prisma.db.url = saved
        assert rc == 0, out
        with psycopg.connect(twin_url) as c:
            theirs = c.execute("SELECT migration_name, checksum, applied_steps_count, finished_at IS NOT NULL, "
                               "rolled_back_at IS NOT NULL, logs FROM _prisma_migrations "
                               "ORDER BY started_at").fetchall()
            ids = [x[0] for x in c.execute("SELECT id FROM _prisma_migrations").fetchall()]
        assert [x[:5] for x in ours] == [x[:5] for x in theirs]
        assert all(x[2] == 1 and x[3] and not x[4] for x in ours)
        # Both write v4 UUIDs as ids.
        our_ids = [x[0] for x in prisma.db.query("SELECT id FROM _prisma_migrations")]
        for i in our_ids + ids:
            assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i), i
    finally:
        with pg.connect() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)')


def test_failure_under_prisma_is_failed_for_pgshift(prisma):
    prisma.add("20250101000000_init", "CREATE TABLE users (id serial PRIMARY KEY);\n")
    # Prisma runs it statement by statement outside a transaction: the first stays applied.
    bad = prisma.add("20250102000000_broken", "CREATE TABLE half (id int);\nINSERT INTO nowhere VALUES (1);\n")
    rc, out = prisma.prisma("migrate", "deploy")
    assert rc != 0, out
    assert prisma.db.table_exists("half")
    r = prisma.pgshift("status")
    assert r.returncode == 5, r.stdout + r.stderr
    assert re.search(r"failed\s+" + bad, r.stdout), r.stdout
    r = prisma.pgshift("deploy")
    assert r.returncode != 0
    assert f"pgshift resolve" in r.stderr and bad in r.stderr
    assert prisma.db.scalar("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL") == 1
    # Clean up by hand, then tell both tools.
    prisma.db.query("DROP TABLE half")
    r = prisma.pgshift("resolve", "--rolled-back", bad)
    assert r.returncode == 0, r.stdout + r.stderr
    # Neither tool reports a failure any more, and both will run it again: pgshift lists it as rolled
    # back (exit 4: something to apply); Prisma's status lists no failed or unapplied migration (it
    # only counts names without any row as unapplied), and its deploy applies it, as shown below.
    rc, out = prisma.prisma("migrate", "status")
    assert rc == 0 and not FAILED.search(out), out
    r = prisma.pgshift("status")
    assert r.returncode == 4, r.stdout + r.stderr
    assert re.search(r"rolled back\s+" + bad, r.stdout), r.stdout
    r = prisma.pgshift("deploy", "--dry-run")
    assert r.returncode == 0 and bad in r.stdout, r.stdout + r.stderr
    (prisma.migrations / bad / "migration.sql").write_text("CREATE TABLE half (id int);\n")
    rc, out = prisma.prisma("migrate", "deploy")
    assert rc == 0 and bad in out, out
    assert prisma.db.table_exists("half")
    assert prisma.pgshift("status").returncode == 0


def test_failure_under_pgshift_leaves_nothing_and_prisma_sees_it_pending(prisma):
    prisma.add("20250101000000_init", "CREATE TABLE users (id serial PRIMARY KEY);\n")
    bad = prisma.add("20250102000000_broken", "CREATE TABLE half (id int);\nINSERT INTO nowhere VALUES (1);\n")
    r = prisma.pgshift("deploy")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "nowhere" in r.stderr
    assert not prisma.db.table_exists("half")
    rows = prisma.rows()
    assert [x[0] for x in rows] == ["20250101000000_init", bad]
    name, checksum, steps, finished, rolled_back, logs = rows[1]
    assert (steps, finished, rolled_back) == (0, False, True)
    assert "nowhere" in logs
    # Prisma neither counts it as applied nor as a failure that blocks deploy.
    rc, out = prisma.prisma("migrate", "status")
    assert rc == 0 and not FAILED.search(out), out
    r = prisma.pgshift("status")
    assert r.returncode == 4, r.stdout + r.stderr
    # Prisma applies the fixed file over that record, as it does any migration not applied.
    (prisma.migrations / bad / "migration.sql").write_text("CREATE TABLE half (id int);\n")
    rc, out = prisma.prisma("migrate", "deploy")
    assert rc == 0 and bad in out, out
    assert prisma.db.table_exists("half")
    r = prisma.pgshift("status")
    assert r.returncode == 0, r.stdout + r.stderr


def test_edited_migration_reported_by_both(prisma):
    three(prisma)
    assert prisma.pgshift("deploy").returncode == 0
    sql = prisma.migrations / "20250102000000_add_name" / "migration.sql"
    sql.write_text(sql.read_text() + "-- edited after it was applied\n")
    r = prisma.pgshift("status")
    assert r.returncode == 5, r.stdout + r.stderr
    assert re.search(r"modified\s+20250102000000_add_name", r.stdout), r.stdout
    assert prisma.pgshift("deploy").returncode == 5
    rc, out = prisma.prisma("migrate", "dev", "--create-only", "--name", "next")
    assert rc != 0, out
    assert "The migration `20250102000000_add_name` was modified after it was applied." in out, out


def test_accepted_edit_is_accepted_by_prisma_too(prisma):
    three(prisma)
    assert prisma.pgshift("deploy").returncode == 0
    name = "20250102000000_add_name"
    sql = prisma.migrations / name / "migration.sql"
    sql.write_text("-- AlterTable: a comment added in review\n" + sql.read_text())
    rc, out = prisma.prisma("migrate", "dev", "--create-only", "--name", "next")
    assert rc != 0 and f"The migration `{name}` was modified after it was applied." in out, out
    r = prisma.pgshift("resolve", "--accept-edit", name)
    assert r.returncode == 0, r.stdout + r.stderr
    row = [x for x in prisma.rows() if x[0] == name][0]
    assert row[1] == hashlib.sha256(sql.read_bytes()).hexdigest()
    assert row[5].startswith("edit accepted by "), row
    cols = prisma.db.query("SELECT column_name FROM information_schema.columns "
                           "WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position")
    assert [c[0] for c in cols] == ["id", "checksum", "finished_at", "migration_name", "logs", "rolled_back_at",
                                    "started_at", "applied_steps_count"]
    assert prisma.pgshift("status").returncode == 0
    rc, out = prisma.prisma("migrate", "status")
    assert rc == 0 and "Database schema is up to date" in out, out
    rc, out = prisma.prisma("migrate", "dev", "--create-only", "--name", "next")
    assert "was modified after it was applied" not in out, out


def test_byte_order_mark_deploys_with_prismas_checksum(prisma):
    raw = b"\xef\xbb\xbfCREATE TABLE bom (id int);\n"
    d = prisma.migrations / "20250101000000_bom"
    d.mkdir()
    (d / "migration.sql").write_bytes(raw)
    r = prisma.pgshift("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert prisma.db.table_exists("bom")
    assert prisma.rows()[0][:2] == ("20250101000000_bom", hashlib.sha256(raw).hexdigest())
    assert prisma.pgshift("status").returncode == 0


def test_pgshift_deploy_leaves_no_drift_for_prisma(prisma):
    three(prisma)
    assert prisma.pgshift("deploy").returncode == 0
    # pgshift records its deploys (pgshift_deployments) outside the schema Prisma diffs
    rc, out = prisma.prisma("migrate", "dev", "--create-only", "--name", "next")
    assert "Drift detected" not in out and "pgshift" not in out, out


def test_pgshift_backfill_leaves_no_drift_for_prisma(prisma):
    prisma.add("20250101000000_init", "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);\n"
                                      "INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 500) g;\n")
    prisma.add("20250102000000_lower", "ALTER TABLE users ADD COLUMN email_lower text;\n\n"
                                       "-- pgshift:backfill\n"
                                       "UPDATE users SET email_lower = lower(email) WHERE email_lower IS NULL;\n")
    r = prisma.pgshift("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert prisma.db.scalar("SELECT count(email_lower) FROM users") == 500
    r = prisma.pgshift("backfill", "--table", "users", "--set", "email = upper(email)")
    assert r.returncode == 0, r.stdout + r.stderr
    # both backfills' progress is kept outside the schema Prisma diffs
    assert [t[0] for t in prisma.db.query("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                                          "AND relkind = 'r' ORDER BY relname")] == ["_prisma_migrations", "users"]
    assert prisma.db.scalar("SELECT count(*) FROM pgshift.pgshift_backfills WHERE finished_at IS NOT NULL") == 2
    rc, out = prisma.prisma("migrate", "dev", "--create-only", "--name", "next")
    assert "Drift detected" not in out and "pgshift" not in out, out


def test_pgshift_waits_for_prismas_lock(prisma):
    prisma.add("20250101000000_init", "CREATE TABLE users (id serial PRIMARY KEY);\n")
    with psycopg.connect(prisma.db.url, autocommit=True, application_name="prisma-migrate-deploy") as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (PRISMA_LOCK_KEY,))
        pid = holder.info.backend_pid
        env = prisma.env()
        proc = subprocess.Popen([BIN, "deploy", "--lock-wait", "30s"], cwd=prisma.path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert wait_for(lambda: prisma.db.scalar(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = %s",
                (PRISMA_LOCK_KEY,)) == 1, timeout=20)
            time.sleep(0.3)
            assert proc.poll() is None
            assert not prisma.db.table_exists("users")
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", (PRISMA_LOCK_KEY,))
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    assert f"waiting up to 30.0 s for the migration lock (advisory lock {PRISMA_LOCK_KEY}" in err
    assert f"pid {pid}" in err and 'application_name "prisma-migrate-deploy"' in err
    assert prisma.db.table_exists("users")


def test_status_sees_prisma_at_work(prisma):
    """While the real `prisma migrate deploy` runs a migration, its row is started and unfinished, as a
    failed one's is; Prisma holds its lock meanwhile, so pgshift status calls it running and names Prisma."""
    name = prisma.add("20250101000000_slow", "CREATE TABLE users (id serial PRIMARY KEY);\n"
                                             "SELECT pg_sleep(4);\n")
    proc = subprocess.Popen([str(prisma.cli), "migrate", "deploy"], cwd=prisma.path, env=prisma.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: prisma.db.scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE %s "
                                          "AND pid <> pg_backend_pid()", ("%pg_sleep(4)%",)) >= 1, timeout=60)
        r = prisma.pgshift("status")
        assert r.returncode == 4, r.stdout + r.stderr
        line = next(ln for ln in r.stdout.splitlines() if name in ln)
        assert line.split()[0] == "running", r.stdout
        assert f"migration lock (advisory lock {PRISMA_LOCK_KEY}) is held by pid" in r.stdout
    finally:
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    r = prisma.pgshift("status")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "running" not in r.stdout


def test_lock_wait_gives_up_naming_prisma(prisma):
    prisma.add("20250101000000_init", "CREATE TABLE users (id serial PRIMARY KEY);\n")
    with psycopg.connect(prisma.db.url, autocommit=True, application_name="prisma-migrate-deploy") as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (PRISMA_LOCK_KEY,))
        r = prisma.pgshift("deploy", "--lock-wait", "300ms")
    assert r.returncode == 6, r.stdout + r.stderr
    assert "prisma migrate" in r.stderr and 'application_name "prisma-migrate-deploy"' in r.stderr
    assert not prisma.db.table_exists("users")


def test_every_command_on_the_prisma_layout(prisma):
    three(prisma)
    d = prisma.migrations / "20250103000000_posts"
    (d / "down.sql").write_text("-- pgshift:allow drop-table because: reverts the migration\nDROP TABLE posts;\n")
    r = prisma.pgshift("lint")
    assert r.returncode == 0, r.stdout + r.stderr
    r = prisma.pgshift("review")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "20250103000000_posts" in r.stdout
    r = prisma.pgshift("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    r = prisma.pgshift("health")
    assert r.returncode == 0, r.stdout + r.stderr
    r = prisma.pgshift("rollback", "--steps", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert not prisma.db.table_exists("posts")
    # Rolled back is "not applied" to Prisma's deploy too: it runs the migration again.
    r = prisma.pgshift("status")
    assert r.returncode == 4 and re.search(r"rolled back\s+20250103000000_posts", r.stdout), r.stdout
    rc, out = prisma.prisma("migrate", "deploy")
    assert rc == 0 and "20250103000000_posts" in out, out
    assert prisma.db.table_exists("posts")
    assert prisma.pgshift("status").returncode == 0
    r = prisma.pgshift("new", "!!")
    assert r.returncode == 2 and "no letters or digits" in r.stderr, r.stderr
    r = prisma.pgshift("new", "Add userEmail")
    assert r.returncode == 0, r.stdout + r.stderr
    created = pathlib.Path(prisma.path / r.stdout.strip())
    assert re.fullmatch(r"\d{14}_add_user_email", created.parent.name), created
    assert created.name == "migration.sql" and not (created.parent / "down.sql").exists()
    created.write_text("ALTER TABLE users ADD COLUMN email2 text;\n")
    r = prisma.pgshift("status")
    assert r.returncode == 4, r.stdout + r.stderr
    rc, out = prisma.prisma("migrate", "deploy")
    assert rc == 0, out
    assert prisma.pgshift("status").returncode == 0
    # changed: the migrations added or rewritten since a git revision, in Prisma's folders.
    genv = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t", "PATH": os.environ["PATH"], "HOME": "/tmp"}
    for args in (["init", "-q", "-b", "main"], ["add", "prisma"], ["commit", "-qm", "base"]):
        subprocess.run(["git", *args], cwd=prisma.path, env=genv, check=True, capture_output=True)
    added = prisma.add("20250105000000_more", "ALTER TABLE users ADD COLUMN more text;\n")
    (prisma.migrations / "20250101000000_init" / "migration.sql").write_text("CREATE TABLE users (id int);\n")
    r = prisma.pgshift("changed", "--base", "HEAD", "--json")
    assert r.returncode == 5, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["added"] == [added] and out["modified"] == ["20250101000000_init"], out
    shutil.rmtree(prisma.migrations / added)
    subprocess.run(["git", "checkout", "-q", "--", "prisma"], cwd=prisma.path, env=genv, check=True)
    r = prisma.pgshift("reset", "--yes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert prisma.db.scalar("SELECT count(*) FROM _prisma_migrations") == 4


def test_baseline_names_and_provider_check(prisma):
    # Prisma's baselining guide names the first migration 0_init.
    prisma.add("0_init", "CREATE TABLE users (id serial PRIMARY KEY);\n")
    prisma.add("20250102000000_add_name", "ALTER TABLE users ADD COLUMN name text;\n")
    r = prisma.pgshift("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    rc, out = prisma.prisma("migrate", "status")
    assert rc == 0 and "Database schema is up to date!" in out, out
    lock = prisma.migrations / "migration_lock.toml"
    lock.write_text('# Please do not edit this file manually\nprovider = "mysql"\n')
    for cmd in (["status"], ["deploy"], ["lint"], ["new", "x"]):
        r = prisma.pgshift(*cmd)
        assert r.returncode == 1, (cmd, r.stdout + r.stderr)
        assert 'migration_lock.toml:2: provider is "mysql"' in r.stderr, r.stderr
        assert "PostgreSQL only" in r.stderr
    lock.write_text("# nothing here\n")
    r = prisma.pgshift("status")
    assert r.returncode == 1 and "no provider line" in r.stderr, r.stderr


def test_no_transaction_migration_counts_one_step_as_prismas_do(prisma):
    prisma.add("20250101000000_init", "CREATE TABLE users (id serial PRIMARY KEY, email text);\n")
    prisma.add("20250102000000_idx", "CREATE INDEX CONCURRENTLY users_email ON users (email);\n"
                                     "CREATE INDEX CONCURRENTLY users_id_email ON users (id, email);\n")
    r = prisma.pgshift("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no transaction" in r.stdout
    assert [(x[0], x[2], x[3], x[4]) for x in prisma.rows()] == [
        ("20250101000000_init", 1, True, False), ("20250102000000_idx", 1, True, False)]
    rc, out = prisma.prisma("migrate", "status")
    assert rc == 0 and "Database schema is up to date!" in out, out
