"""TLS against a server that offers it: a non-local host gets an encrypted connection without being asked,
certificates are checked when the URL says so, and every refusal says which part to fix.

Each migration records what its own connection looked like (pg_stat_ssl of its backend), so the tests
assert what the server saw, not what pgshift says it did."""

RECORD = ("CREATE TABLE seen AS SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid();\n")


def seen(db):
    return db.query("SELECT ssl, version FROM seen")


def test_non_local_host_is_encrypted_without_asking(tls, db, project, pgshift):
    # pgshift adds sslmode=require (encrypt, no certificate check): it must connect, encrypted, with no CA
    # configured. (Refusal when the server offers no TLS is in test_connection.)
    project.add("a", RECORD)
    r = pgshift.run("deploy", "--url", tls.url(db.name))
    assert r.returncode == 0, r.stderr
    [(ssl, version)] = seen(db)
    assert ssl is True and version.startswith("TLS")


def test_insecure_leaves_the_choice_to_libpq(tls, db, project, pgshift):
    # --insecure drops pgshift's own requirement; the URL's sslmode is then what counts.
    project.add("a", RECORD)
    r = pgshift.run("deploy", "--insecure", "--url", tls.url(db.name, sslmode="disable"))
    assert r.returncode == 0, r.stderr
    assert seen(db) == [(False, None)]


def test_verify_full_with_the_right_ca(tls, db, project, pgshift):
    project.add("a", RECORD)
    r = pgshift.run("deploy", "--url", tls.url(db.name, sslmode="verify-full", sslrootcert=tls.ca))
    assert r.returncode == 0, r.stderr
    assert seen(db)[0][0] is True
    r = pgshift.run("status", "--url", tls.url(db.name, sslmode="verify-full", sslrootcert=tls.ca))
    assert r.returncode == 0, r.stderr


def test_certificate_from_another_ca_is_refused(tls, db, project, pgshift):
    project.add("a", RECORD)
    r = pgshift.run("deploy", "--url", tls.url(db.name, sslmode="verify-full", sslrootcert=tls.other_ca))
    assert r.returncode == 1
    assert "certificate verify failed" in r.stderr
    assert "sslrootcert" in r.stderr and "the CA that signed" in r.stderr
    assert "may not offer TLS" not in r.stderr
    assert not db.table_exists("seen")


def test_certificate_for_another_host_is_refused(tls, db, project, pgshift):
    project.add("a", RECORD)
    url = tls.url(db.name, host="other.example.test", sslmode="verify-full", sslrootcert=tls.ca)
    r = pgshift.run("deploy", "--url", url)
    assert r.returncode == 1
    assert "does not match host name" in r.stderr
    assert "verify-ca" in r.stderr
    assert not db.table_exists("seen")
    # verify-ca checks the signature only: the same certificate is accepted under another name.
    url = tls.url(db.name, host="other.example.test", sslmode="verify-ca", sslrootcert=tls.ca)
    r = pgshift.run("deploy", "--url", url)
    assert r.returncode == 0, r.stderr
    assert seen(db)[0][0] is True


def test_missing_root_certificate_file(tls, db, project, pgshift):
    project.add("a", RECORD)
    url = tls.url(db.name, sslmode="verify-full", sslrootcert=tls.dir / "nope.crt")
    r = pgshift.run("deploy", "--url", url)
    assert r.returncode == 1
    assert "nope.crt" in r.stderr
    assert "fix the sslrootcert path" in r.stderr
    assert not db.table_exists("seen")


def test_sslmode_in_dotenv_does_not_turn_tls_off(tls, db, project, pgshift):
    # A .env is not the environment: its PGSSLMODE does not reach libpq, whose default (prefer) encrypts
    # when the server offers TLS, even on a local address.
    project.add("a", RECORD)
    (project.path / ".env").write_text(f"DATABASE_URL={db.url}\nPGSSLMODE=disable\n")
    r = pgshift.run("deploy")
    assert r.returncode == 0, r.stderr
    assert seen(db)[0][0] is True


def test_seed_command_gets_the_sslmode_pgshift_chose(tls, db, project, pgshift):
    # a host that is not local without sslmode: pgshift connects with sslmode=require, and so does the child
    project.add("users", "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);\n")
    assert pgshift.run("deploy", "--url", tls.url(db.name)).returncode == 0
    cmd = ("/usr/bin/python3 -c \"import os, psycopg; u = os.environ['DATABASE_URL']; "
           "print('child sslmode', psycopg.conninfo.conninfo_to_dict(u).get('sslmode')); "
           "c = psycopg.connect(u, autocommit=True); "
           "c.execute(\\\"INSERT INTO users SELECT 1, 'tls-' || ssl::text FROM pg_stat_ssl "
           "WHERE pid = pg_backend_pid()\\\")\"")
    r = pgshift.run("seed", "--command", cmd, "--url", tls.url(db.name))
    assert r.returncode == 0, r.stderr
    assert "child sslmode require" in r.stdout
    assert db.scalar("SELECT name FROM users WHERE id = 1") == "tls-true"
