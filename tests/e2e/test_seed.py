"""seed: seed.sql, seed/*.sql, or an external command; one transaction."""


def base(project):
    project.add("users", "CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL);\n")


def test_seed_from_file(db, project, pgshift):
    base(project)
    assert pgshift.run_db("deploy").returncode == 0
    (project.path / "seed.sql").write_text("INSERT INTO users VALUES (1, 'ada');\nINSERT INTO users VALUES (2, 'bob');\n")
    r = pgshift.run_db("seed")
    assert r.returncode == 0, r.stderr
    assert "seeded from 1 file (2 statements)" in r.stdout
    assert db.scalar("SELECT count(*) FROM users") == 2


def test_seed_from_folder_in_name_order_one_transaction(db, project, pgshift):
    base(project)
    assert pgshift.run_db("deploy").returncode == 0
    seed = project.path / "seed"
    seed.mkdir()
    (seed / "02_more.sql").write_text("INSERT INTO users SELECT 10 + count(*), 'n' FROM users;\n")
    (seed / "01_first.sql").write_text("INSERT INTO users VALUES (1, 'first');\n")
    (seed / "notes.txt").write_text("not sql")
    r = pgshift.run_db("seed")
    assert r.returncode == 0, r.stderr
    assert db.query("SELECT id FROM users ORDER BY id") == [(1,), (11,)]

    # a failure in the second file rolls back the first too
    db.query("DELETE FROM users")
    (seed / "02_more.sql").write_text("INSERT INTO users VALUES (2, NULL);\n")
    r = pgshift.run_db("seed")
    assert r.returncode == 1
    assert "seed/02_more.sql:1" in r.stderr and "23502" in r.stderr
    assert db.scalar("SELECT count(*) FROM users") == 0


def test_seed_explicit_path_and_missing(db, project, pgshift):
    base(project)
    assert pgshift.run_db("deploy").returncode == 0
    (project.path / "data.sql").write_text("INSERT INTO users VALUES (7, 'x');\n")
    assert pgshift.run_db("seed", "--seed", "data.sql").returncode == 0
    assert db.scalar("SELECT name FROM users WHERE id = 7") == "x"
    r = pgshift.run_db("seed", "--seed", "nope.sql")
    assert r.returncode == 1 and 'seed "nope.sql" does not exist' in r.stderr
    r = pgshift.run_db("seed")
    assert r.returncode == 1 and "no seed found" in r.stderr


def test_seed_command_gets_database_url(db, project, pgshift, pg):
    base(project)
    assert pgshift.run_db("deploy").returncode == 0
    cmd = ("/usr/bin/python3 -c \"import os, psycopg; "
           "c = psycopg.connect(os.environ['DATABASE_URL'], autocommit=True); "
           "c.execute(\\\"INSERT INTO users VALUES (42, 'from-command')\\\"); "
           "print('url was', os.environ['DATABASE_URL'])\"")
    r = pgshift.run_db("seed", "--command", cmd)
    assert r.returncode == 0, r.stderr
    assert db.scalar("SELECT name FROM users WHERE id = 42") == "from-command"
    # the program printed the URL: the password is masked on the way out (the harness also checks)
    assert "url was postgresql://postgres:********@" in r.stdout
    r = pgshift.run_db("seed", "--command", "exit 3")
    assert r.returncode == 1 and "seed command failed (exit 3)" in r.stderr


def test_deploy_seed(db, project, pgshift):
    base(project)
    (project.path / "seed.sql").write_text("INSERT INTO users VALUES (1, 'a');\n")
    r = pgshift.run_db("deploy", "--seed")
    assert r.returncode == 0, r.stderr
    assert "1 migration applied" in r.stdout and "seeded from 1 file" in r.stdout
    assert db.scalar("SELECT count(*) FROM users") == 1


def test_seed_command_output_hides_the_encoded_password(db, project, pgshift, pg):
    base(project)
    assert pgshift.run_db("deploy").returncode == 0
    role, password = "seed_enc", "p@ss/w0rd!Xyz"
    encoded = "p%40ss%2Fw0rd%21Xyz"
    db.query(f"DROP ROLE IF EXISTS {role}")
    db.query(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    db.query(f"GRANT SELECT ON pgshift_migrations TO {role}")
    url = f"postgresql://{role}:{encoded}@127.0.0.1:{pg.port}/{db.name}"
    cmd = ("/usr/bin/python3 -c \"import os, urllib.parse; u = os.environ['DATABASE_URL']; "
           "print('url', u); print('pw', urllib.parse.unquote(u.split(':')[2].split('@')[0])); "
           "print('enc', u.split(':')[2].split('@')[0])\"")
    try:
        r = pgshift.run("seed", "--command", cmd, "--url", url)
        assert r.returncode == 0, r.stderr
        out = r.stdout + r.stderr
        assert password not in out and encoded not in out
        assert f"url postgresql://{role}:********@" in r.stdout and "pw ********" in r.stdout
        assert "enc ********" in r.stdout
    finally:
        db.query(f"DROP OWNED BY {role}")
        db.query(f"DROP ROLE IF EXISTS {role}")

