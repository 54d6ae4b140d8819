"""The CI/CD pieces: changed, the deploy hook, health, and the GitHub workflow run locally."""
import http.server
import json
import os
import pathlib
import subprocess
import threading

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": os.environ["PATH"], "HOME": "/tmp"}


def git(project, *args):
    subprocess.run(["git", *args], cwd=project.path, env=GIT_ENV, check=True, capture_output=True)


# ---------- changed ----------

def test_changed_against_a_real_git_history(project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-qm", "first")
    git(project, "tag", "base")
    c = project.add("c", "CREATE TABLE c (id int);\n")           # added, untracked
    r = pgshift.run("changed", "--base", "base", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["added"] == [c] and out["modified"] == [] and out["deleted"] == [] and out["changed"] is True
    git(project, "add", ".")
    git(project, "commit", "-qm", "add c")
    r = pgshift.run("changed", "--base", "base")
    assert r.returncode == 0 and f"added     {c}" in r.stdout
    # nothing since HEAD
    r = pgshift.run("changed", "--base", "HEAD")
    assert r.returncode == 0 and "no migration changes" in r.stdout
    # editing or deleting one that exists at the base rewrites history
    (project.migrations / a / "migration.sql").write_text("CREATE TABLE a (id bigint);\n")
    (project.migrations / b / "migration.sql").unlink()
    out_file = project.path / "gh_output"
    r = pgshift.run("changed", "--base", "base", "--json",
                    env={"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(out_file)})
    assert r.returncode == 5
    out = json.loads(r.stdout)
    assert out["modified"] == [a] and out["deleted"] == [b] and out["added"] == [c]
    assert "must not be rewritten" in r.stderr
    assert out_file.read_text() == "changed=true\n"


def test_changed_outside_git_is_a_clear_error(project, pgshift):
    r = pgshift.run("changed", "--base", "HEAD")
    assert r.returncode == 1 and "not a git repository" in r.stderr


# ---------- deploy hook ----------

class Hook:
    """A real local HTTP server that records POSTs and answers with the statuses queued."""

    def __init__(self):
        self.posts = []
        self.statuses = []
        hook = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                hook.posts.append((self.path, self.rfile.read(n)))
                code = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *a):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), H)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.secret = "prj_SeCrEtToKeN123/abcDEF"
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/integrations/deploy/{self.secret}"

    def close(self):
        self.server.shutdown()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


FAST = {"PGSHIFT_HOOK_RETRY_DELAY_MS": "50"}


def test_hook_called_once_after_applying_and_not_when_nothing_pending(db, project, pgshift, hook):
    project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run_db("deploy", env={"VERCEL_DEPLOY_HOOK_URL": hook.url, **FAST})
    assert r.returncode == 0, r.stderr
    assert len(hook.posts) == 1 and hook.posts[0][0].startswith("/v1/integrations/deploy/")
    assert "deploy hook" in r.stdout and "SeCrEt" not in r.stdout + r.stderr
    # only the scheme and host: the path is where the token is
    assert f"deploy hook http://127.0.0.1:{hook.server.server_port} called" in r.stdout
    assert "/v1" not in r.stdout + r.stderr and "integrations" not in r.stdout + r.stderr
    r = pgshift.run_db("deploy", env={"VERCEL_DEPLOY_HOOK_URL": hook.url, **FAST})
    assert r.returncode == 0 and len(hook.posts) == 1


def test_hook_retries_5xx_then_succeeds(db, project, pgshift, hook):
    project.add("a", "CREATE TABLE a (id int);\n")
    hook.statuses = [500, 503]
    r = pgshift.run_db("deploy", "--deploy-hook", hook.url, env=FAST)
    assert r.returncode == 0, r.stderr
    assert len(hook.posts) == 3
    assert "SeCrEt" not in r.stdout + r.stderr


def test_hook_gives_up_on_404_with_migrations_applied(db, project, pgshift, hook):
    project.add("a", "CREATE TABLE a (id int);\n")
    hook.statuses = [404]
    r = pgshift.run_db("deploy", env={"PGSHIFT_DEPLOY_HOOK_URL": hook.url, **FAST})
    assert r.returncode == 1
    assert len(hook.posts) == 1
    assert "the migrations are applied; only the redeploy failed" in r.stderr and "HTTP 404" in r.stderr
    assert "pgshift hook" in r.stderr
    assert "SeCrEt" not in r.stdout + r.stderr and "127.0.0.1" in r.stderr
    assert db.table_exists("a")
    r = pgshift.run("hook", env={"PGSHIFT_DEPLOY_HOOK_URL": hook.url, **FAST})
    assert r.returncode == 0 and len(hook.posts) == 2


# ---------- health ----------

def health(pgshift, *args, **kw):
    r = pgshift.run_db("health", "--json", *args, **kw)
    return r.returncode, {c["check"]: c["ok"] for c in json.loads(r.stdout)["checks"]}


def test_health_in_each_state(pg, db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    rc, checks = health(pgshift)
    assert rc == 1 and checks == {"database": True, "history": True, "pending": False, "indexes": True}
    assert health(pgshift, "--allow-pending")[0] == 0
    assert pgshift.run_db("deploy").returncode == 0
    assert health(pgshift) == (0, {"database": True, "history": True, "pending": True, "indexes": True})
    r = pgshift.run_db("health")
    assert r.returncode == 0 and r.stdout.count("ok") >= 3
    (project.migrations / a / "migration.sql").write_text("CREATE TABLE a (id bigint);\n")
    assert health(pgshift) == (1, {"database": True, "history": False, "pending": True, "indexes": True})
    (project.migrations / a / "migration.sql").write_text("CREATE TABLE a (id int);\n")
    db.query("UPDATE pgshift_migrations SET finished_at = NULL")
    assert health(pgshift)[1]["history"] is False
    r = pgshift.run("health", "--json", "--url", f"postgresql://postgres:{pg.password}@127.0.0.1:1/x")
    assert r.returncode == 1
    assert json.loads(r.stdout)["checks"] == [{"check": "database", "ok": False,
                                               "detail": json.loads(r.stdout)["checks"][0]["detail"]}]
    assert pg.password not in r.stdout


# The workflow (.github/workflows/db-migrate.yml) is run job by job in test_workflow.py.
