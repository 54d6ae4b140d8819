"""A .env is data from the repository: pgshift reads only the keys it uses (the URL variables, the hook URL,
PGSHIFT_*), exports nothing to git, a seed command or initdb, and no child ever gets GIT_* or LD_*."""
import os
import subprocess

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": os.environ["PATH"], "HOME": "/tmp"}


def git_repo(project):
    project.add("a", "CREATE TABLE a (id int);\n")
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "first"]):
        subprocess.run(["git", *args], cwd=project.path, env=GIT_ENV, check=True, capture_output=True)


def fsmonitor_payload(marker):
    # core.fsmonitor names a command git runs when it reads the index: `git diff` does.
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "core.fsmonitor",
            "GIT_CONFIG_VALUE_0": f"touch {marker}; false"}


def test_git_config_in_dotenv_runs_nothing(project, pgshift):
    git_repo(project)
    marker = project.path / "pwned"
    (project.path / ".env").write_text("".join(f"{k}='{v}'\n" for k, v in fsmonitor_payload(marker).items()))
    r = pgshift.run("changed", "--base", "HEAD")
    assert r.returncode == 0, r.stderr
    assert "no migration changes since HEAD" in r.stdout
    assert not marker.exists()


def test_git_config_in_the_environment_does_not_reach_git(project, pgshift):
    git_repo(project)
    marker = project.path / "pwned"
    r = pgshift.run("changed", "--base", "HEAD", env=fsmonitor_payload(marker))
    assert r.returncode == 0, r.stderr
    assert not marker.exists()
    # nor does a GIT_DIR pointing elsewhere: git finds the repository from the working directory
    r = pgshift.run("changed", "--base", "HEAD", env={"GIT_DIR": "/nonexistent"})
    assert r.returncode == 0, r.stderr


def test_option_as_base_is_refused(project, pgshift):
    git_repo(project)
    r = pgshift.run("changed", "--base=--output=written")
    assert r.returncode == 2
    assert '--base "--output=written" is not a commit' in r.stderr
    assert not (project.path / "written").exists()
    r = pgshift.run("changed", "--base", "no-such-branch")
    assert r.returncode == 2 and "not a commit" in r.stderr and "fetch-depth" in r.stderr


def test_seed_command_gets_no_dotenv_values(db, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    (project.path / ".env").write_text(f"DATABASE_URL={db.url}\nAPP_SECRET=from-dotenv\nLD_PRELOAD=/nonexistent.so\n"
                                       "GIT_DIR=/from-dotenv\n")
    r = pgshift.run("deploy")
    assert r.returncode == 0, r.stderr
    r = pgshift.run("seed", "--command", 'echo "[$APP_SECRET][$LD_PRELOAD][$GIT_DIR][$LD_LIBRARY_PATH][$KEEP]"; '
                    'test -n "$DATABASE_URL"', env={"LD_LIBRARY_PATH": "/nonexistent", "KEEP": "kept"})
    assert r.returncode == 0, r.stderr
    # the .env's DATABASE_URL is what pgshift connects to, given to the command explicitly;
    # an ordinary variable of the real environment still reaches it, LD_* does not
    assert "[][][][][kept]" in r.stdout
    assert "ld.so" not in r.stderr


def test_pg_variables_in_dotenv_are_not_used(pg, db, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\n")
    (project.path / ".env").write_text(f"PGHOST=127.0.0.1\nPGPORT={pg.port}\nPGUSER=postgres\n"
                                       f"PGPASSWORD={pg.password}\nPGDATABASE={db.name}\n")
    r = pgshift.run("status")
    assert r.returncode == 1
    assert "no database to connect to" in r.stderr
    # the same variables from the environment do count
    r = pgshift.run("status", env={"PGHOST": "127.0.0.1", "PGPORT": str(pg.port), "PGUSER": "postgres",
                                   "PGPASSWORD": pg.password, "PGDATABASE": db.name})
    assert r.returncode == 4, r.stderr
