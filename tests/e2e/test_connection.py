"""Connection policy: URL precedence, .env, TLS for non-local hosts, redaction."""
import json


def test_env_precedence_unpooled_over_database_url(db, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run("deploy", env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere",
                                   "DATABASE_URL_UNPOOLED": db.url})
    assert r.returncode == 0, r.stderr
    assert db.table_exists("a")


def test_direct_url_over_database_url(db, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run("deploy", env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere",
                                   "DIRECT_URL": db.url})
    assert r.returncode == 0, r.stderr


def test_flag_over_environment(db, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run("deploy", "--url", db.url,
                    env={"DATABASE_URL_UNPOOLED": "postgresql://postgres@127.0.0.1:1/nowhere"})
    assert r.returncode == 0, r.stderr


def test_dotenv_is_read_and_does_not_override(db, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    (project.path / ".env").write_text(f"# comment\nexport DATABASE_URL=\"{db.url}\"\n")
    r = pgshift.run("deploy")
    assert r.returncode == 0, r.stderr
    assert db.table_exists("a")
    r = pgshift.run("status", env={"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere"})
    assert r.returncode == 1 and "127.0.0.1" in r.stderr and "port 1" in r.stderr


def test_pg_variables(pg, db, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run("deploy", env={"PGHOST": "127.0.0.1", "PGPORT": str(pg.port), "PGUSER": "postgres",
                                   "PGPASSWORD": pg.password, "PGDATABASE": db.name})
    assert r.returncode == 0, r.stderr
    assert db.table_exists("a")


def test_non_local_host_requires_tls_unless_insecure(pg, db, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    # A name that is not local, reaching the local server through hostaddr (no DNS involved).
    url = f"postgresql://postgres:{pg.password}@db.example.test:{pg.port}/{db.name}?hostaddr=127.0.0.1"
    r = pgshift.run("deploy", "--url", url)
    assert r.returncode == 1
    assert "SSL" in r.stderr
    assert not db.table_exists("a")
    r = pgshift.run("deploy", "--url", url, "--insecure")
    assert r.returncode == 0, r.stderr
    assert db.table_exists("a")


def test_status_json_shows_masked_url(db, project, pgshift, pg):
    project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run_db("status", "--json")
    out = json.loads(r.stdout)
    assert out["database"] == f"postgresql://postgres:********@127.0.0.1:{pg.port}/{db.name}"


def test_application_name_is_pgshift(db, project, pgshift):
    project.add("a", "SELECT pg_sleep(0); CREATE TABLE seen AS SELECT application_name FROM pg_stat_activity "
                     "WHERE pid = pg_backend_pid();\n")
    assert pgshift.run_db("deploy").returncode == 0
    assert db.scalar("SELECT application_name FROM seen") == "pgshift"


def test_pghost_name_behind_local_hostaddr_requires_tls(pg, db, project, pgshift):
    # The host comes from PGHOST (not local) while PGHOSTADDR reaches the local server, which offers no TLS:
    # pgshift must ask for TLS, as for the same name in the URL, and so fail instead of going in plaintext.
    project.add("a", "CREATE TABLE a (id int);\n")
    env = {"PGHOST": "db.example.test", "PGHOSTADDR": "127.0.0.1", "PGPASSWORD": pg.password}
    r = pgshift.run("deploy", "--url", f"postgresql://postgres@:{pg.port}/{db.name}", env=env)
    assert r.returncode == 1, r
    assert "SSL" in r.stderr
    assert not db.table_exists("a")


def test_sslpassword_is_masked(pg, db, project, pgshift):
    r = pgshift.run("status", "--url", f"postgresql://postgres@127.0.0.1:1/{db.name}?sslpassword=KeyPassphrase1")
    assert r.returncode == 1
    assert "sslpassword=********" in r.stderr and "KeyPassphrase1" not in r.stdout + r.stderr


def test_malformed_urls_are_not_printed(project, pgshift):
    cases = {"user=u password=Xsecret1 bogus=1": "Xsecret1",
             "user=u password\t=Tabbed1 bogus=1": "Tabbed1",
             "host=h password='a\\'Quoted1' bogus=1": "Quoted1",
             "postgresql://u:Hunter2/Secret@h/db?bogus=1": "Hunter2"}
    for url, secret in cases.items():
        r = pgshift.run("status", "--url", url)
        assert r.returncode == 2, r
        assert "invalid connection URL in --url" in r.stderr
        assert secret not in r.stdout + r.stderr and "u:" not in r.stderr


def test_short_password_does_not_garble_messages(pg, db, project, pgshift):
    # a wrong password "fail": the server's message stays readable, and the URL shows no password
    r = pgshift.run("status", "--url", f"postgresql://postgres:fail@127.0.0.1:{pg.port}/{db.name}")
    assert r.returncode == 1
    assert "password authentication failed" in r.stderr
    assert "postgres:********@" in r.stderr
