"""reset: guarded; drops the managed schemas, keeps their owner and grants, re-applies, seeds."""
import psycopg


def setup_project(project):
    project.add("users", "CREATE TABLE users (id int PRIMARY KEY, name text);\n")
    (project.path / "seed.sql").write_text("INSERT INTO users VALUES (1, 'seeded');\n")


def test_reset_local_keeps_owner_and_grants(pg, db, project, pgshift):
    setup_project(project)
    with pg.connect() as c:
        c.execute("DO $$ BEGIN CREATE ROLE reset_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        c.execute("DO $$ BEGIN CREATE ROLE reset_app; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    db.query("ALTER SCHEMA public OWNER TO reset_owner")
    db.query("GRANT USAGE ON SCHEMA public TO reset_app")
    db.query("COMMENT ON SCHEMA public IS 'the app schema'")
    assert pgshift.run_db("deploy").returncode == 0
    db.query("INSERT INTO users VALUES (5, 'junk')")
    db.query("CREATE TABLE stray (id int)")

    r = pgshift.run_db("reset", "--yes")
    assert r.returncode == 0, r.stderr
    assert "1 migration applied" in r.stdout and "seeded from 1 file" in r.stdout
    assert not db.table_exists("stray")
    assert db.query("SELECT id, name FROM users") == [(1, "seeded")]
    assert db.scalar("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'") == "reset_owner"
    assert db.scalar("SELECT has_schema_privilege('reset_app', 'public', 'USAGE')") is True
    assert db.scalar("SELECT has_schema_privilege('reset_app', 'public', 'CREATE')") is False
    assert db.scalar("SELECT obj_description('public'::regnamespace, 'pg_namespace')") == "the app schema"
    assert db.scalar("SELECT count(*) FROM pgshift_migrations") == 1


def test_reset_refuses_non_local_host(pg, db, project, pgshift):
    setup_project(project)
    assert pgshift.run_db("deploy").returncode == 0
    url = f"postgresql://postgres:{pg.password}@db.example.test:{pg.port}/{db.name}?hostaddr=127.0.0.1&sslmode=disable"
    r = pgshift.run("reset", "--yes", "--url", url)
    assert r.returncode == 3
    assert "not local" in r.stderr and "--force" in r.stderr
    assert db.table_exists("users")
    r = pgshift.run("reset", "--yes", "--force", "--no-seed", "--url", url)
    assert r.returncode == 0, r.stderr


def test_reset_off_a_terminal_needs_yes(db, project, pgshift):
    setup_project(project)
    assert pgshift.run_db("deploy").returncode == 0
    db.query("INSERT INTO users VALUES (9, 'keep')")
    r = pgshift.run_db("reset", input="yes\n")  # a pipe, not a terminal: no one to ask
    assert r.returncode == 2, r.stdout + r.stderr
    assert "without confirmation: not run on a terminal" in r.stderr and "pass --yes" in r.stderr
    assert "Type \"yes\"" not in r.stdout
    assert db.scalar("SELECT count(*) FROM users") == 1


def test_reset_refuses_production(db, project, pgshift):
    setup_project(project)
    assert pgshift.run_db("deploy").returncode == 0
    db.query("INSERT INTO users VALUES (9, 'keep')")
    r = pgshift.run_db("reset", "--yes", "--force", env={"PGSHIFT_ENV": "production"})
    assert r.returncode == 3 and "PGSHIFT_ENV is production" in r.stderr
    assert db.scalar("SELECT count(*) FROM users") == 1


def test_reset_extra_schema(db, project, pgshift):
    # a managed schema is re-created empty by reset, so its migration creates it IF NOT EXISTS
    project.add("s", "CREATE SCHEMA IF NOT EXISTS app;\nCREATE TABLE app.t (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    db.query("INSERT INTO app.t VALUES (1)")
    r = pgshift.run_db("reset", "--yes", "--schema", "public", "--schema", "app", "--no-seed")
    assert r.returncode == 0, r.stderr
    assert "NOTICE" not in r.stderr, "pgshift's own statements must not leak server notices"
    assert db.scalar("SELECT count(*) FROM app.t") == 0


def test_reset_on_dev_cluster(project, pgshift):
    setup_project(project)
    try:
        assert pgshift.run("dev", "up", timeout=180).returncode == 0
        assert pgshift.run("deploy").returncode == 0
        url = pgshift.run("dev", "url").stdout.strip()
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("INSERT INTO users VALUES (2, 'extra')")
        r = pgshift.run("reset", "--yes")
        assert r.returncode == 0, r.stderr
        with psycopg.connect(url) as c:
            assert c.execute("SELECT count(*) FROM users").fetchone()[0] == 1
    finally:
        pgshift.run("dev", "down", timeout=120)


def test_reset_refuses_pghost_behind_a_local_hostaddr(pg, db, project, pgshift):
    # The URL names no host: libpq takes PGHOST (a production name) and connects to PGHOSTADDR. Only loopback is
    # reached; the guard must refuse on the name before anything changes.
    setup_project(project)
    assert pgshift.run_db("deploy").returncode == 0
    env = {"PGHOST": "prod-db.example.com", "PGHOSTADDR": "127.0.0.1", "PGPASSWORD": pg.password}
    r = pgshift.run("reset", "--yes", "--url", f"postgresql://postgres@:{pg.port}/{db.name}", env=env)
    assert r.returncode == 3, r
    assert "not local" in r.stderr and 'host "prod-db.example.com"' in r.stderr and "127.0.0.1" in r.stderr
    assert db.table_exists("users")


def test_reset_refuses_a_service_that_points_elsewhere(pg, db, project, pgshift):
    setup_project(project)
    assert pgshift.run_db("deploy").returncode == 0
    db.query("INSERT INTO users VALUES (7, 'keep')")
    services = project.path / "pg_service.conf"
    services.write_text(f"[prod]\nhost=prod-db.example.com\nhostaddr=127.0.0.1\nport={pg.port}\nuser=postgres\n"
                        f"dbname={db.name}\n")
    env = {"PGSERVICEFILE": str(services), "PGSYSCONFDIR": str(project.path / "none"), "PGPASSWORD": pg.password}
    # PGSERVICE alone (the PG* variables), and service= in a URL that names no host
    for args, extra in ((("reset", "--yes"), {"PGSERVICE": "prod"}),
                        (("reset", "--yes", "--url", f"postgresql:///{db.name}?service=prod"), {})):
        r = pgshift.run(*args, env={**env, **extra})
        assert r.returncode == 3, r
        assert "not local" in r.stderr and "prod-db.example.com" in r.stderr
    # a service that cannot be found is not local either
    r = pgshift.run("reset", "--yes", "--url", f"postgresql://postgres@localhost/{db.name}?service=nosuch", env=env)
    assert r.returncode == 3, r
    assert db.scalar("SELECT count(*) FROM users") == 1
    # the refusal is the guard's: --force goes ahead (connecting to 127.0.0.1 only)
    r = pgshift.run("reset", "--yes", "--force", "--no-seed", "--insecure", env={**env, "PGSERVICE": "prod"})
    assert r.returncode == 0, r.stderr
    assert db.scalar("SELECT count(*) FROM users") == 0
