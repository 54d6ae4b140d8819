"""The CI/CD pieces: changed, the deploy hook, health, and the GitHub workflow run locally."""
import http.server
import json
import os
import pathlib
import re
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


def head(project):
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=project.path, env=GIT_ENV, check=True,
                          capture_output=True, text=True).stdout.strip()


def committed(project, *names):
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-qm", "migrations")
    git(project, "tag", "base")


def changes(out):
    return {m["name"]: (m["change"], m["state"], m["refused"]) for m in out["migrations"]}


def test_changed_with_the_database_allows_fixing_a_migration_never_applied(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    b = project.add("b", "ALTER TABLE userz ADD COLUMN x int;\n")     # fails: rolled back, never applied
    committed(project)
    # no history table yet: nothing is applied, and changed (a reader) creates nothing
    r = pgshift.run_db("changed", "--base", "base")
    assert r.returncode == 0 and "no migration changes" in r.stdout
    assert not db.table_exists("pgshift_migrations") and not db.table_exists("pgshift_deployments")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1 and db.table_exists("a")
    (project.migrations / b / "migration.sql").write_text("CREATE TABLE users (id int);\n")
    # git only: every edit is refused, with the way out named
    r = pgshift.run("changed", "--base", "base")
    assert r.returncode == 5 and "must not be rewritten" in r.stderr and "never applied" in r.stderr
    # with the database: the edit of a migration never applied is a fix, and said so
    r = pgshift.run_db("changed", "--base", "base")
    assert r.returncode == 0, r.stderr
    assert f"edited    {b}  (not applied yet)" in r.stdout
    r = pgshift.run("changed", "--base", "base", "--json", env={"DATABASE_URL_UNPOOLED": db.url})
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert changes(out) == {b: ("edited", "pending", False)} and out["modified"] == [b] and out["refused"] == []
    # --no-db forces the git-only check
    r = pgshift.run_db("changed", "--base", "base", "--no-db")
    assert r.returncode == 5
    # deleting it is allowed too; deleting or editing the applied one is not
    (project.migrations / b / "migration.sql").unlink()
    r = pgshift.run_db("changed", "--base", "base", "--json")
    assert r.returncode == 0 and changes(json.loads(r.stdout)) == {b: ("deleted", "pending", False)}
    (project.migrations / a / "migration.sql").write_text("CREATE TABLE a (id bigint);\n")
    r = pgshift.run_db("changed", "--base", "base", "--json")
    assert r.returncode == 5
    out = json.loads(r.stdout)
    assert changes(out) == {a: ("edited", "applied", True), b: ("deleted", "pending", False)}
    assert out["refused"] == [a] and f"{a} is applied to" in r.stderr and "must not be rewritten" in r.stderr
    (project.migrations / a / "migration.sql").unlink()
    r = pgshift.run_db("changed", "--base", "base")
    assert r.returncode == 5 and f"deleted   {a}  (applied)" in r.stdout


def test_changed_refuses_editing_a_migration_that_failed_part_way(db, project, pgshift):
    bad = project.add("idx", "-- pgshift:no-transaction\nCREATE TABLE t (id int);\nALTER TABLE userz ADD x int;\n")
    committed(project)
    r = pgshift.run_db("deploy")
    assert r.returncode == 1 and db.table_exists("t")                 # statement 1 stays: partly applied
    (project.migrations / bad / "migration.sql").write_text("-- pgshift:no-transaction\nCREATE TABLE t (id int);\n")
    r = pgshift.run_db("changed", "--base", "base", "--json")
    assert r.returncode == 5
    assert changes(json.loads(r.stdout)) == {bad: ("edited", "failed", True)}
    assert "partly applied" in r.stderr and f"pgshift resolve --rolled-back {bad}" in r.stderr


def test_changed_allows_fixing_a_rolled_back_prisma_migration(db, project, pgshift):
    (project.migrations / "migration_lock.toml").write_text('provider = "postgresql"\n')
    ok = project.add("a", "CREATE TABLE a (id int);\n")
    bad = project.add("b", "ALTER TABLE userz ADD COLUMN x int;\n")
    committed(project)
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    # Prisma mode writes the failed attempt as a rolled-back row: not applied
    assert db.scalar("SELECT rolled_back_at IS NOT NULL FROM _prisma_migrations WHERE migration_name = %s", (bad,))
    (project.migrations / bad / "migration.sql").write_text("CREATE TABLE users (id int);\n")
    r = pgshift.run_db("changed", "--base", "base", "--json")
    assert r.returncode == 0, r.stderr
    assert changes(json.loads(r.stdout)) == {bad: ("edited", "rolled back", False)}
    r = pgshift.run_db("deploy")
    assert r.returncode == 0 and db.table_exists("users")
    # pgshift's record of deploys is kept out of the schema Prisma's drift check looks at
    assert db.table_exists("pgshift.pgshift_deployments") and not db.table_exists("public.pgshift_deployments")
    r = pgshift.run_db("deploy", env={"PGSHIFT_GIT_COMMIT": head(project)})
    assert r.returncode == 0 and json.loads(pgshift.run_db("changed", "--base", "deployed", "--json").stdout)["base"] \
        == head(project)
    # now applied: a further edit is refused
    (project.migrations / bad / "migration.sql").write_text("CREATE TABLE users (id bigint);\n")
    r = pgshift.run_db("changed", "--base", "base")
    assert r.returncode == 5 and f"edited    {bad}  (applied)" in r.stdout and ok not in r.stdout


def test_changed_base_deployed_is_the_commit_of_the_last_successful_deploy(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    committed(project)
    r = pgshift.run_db("changed", "--base", "deployed")
    assert r.returncode == 2 and "no successful deploy" in r.stderr and "--base REF" in r.stderr
    r = pgshift.run("changed", "--base", "deployed")
    assert r.returncode == 2 and "needs the database" in r.stderr
    first = head(project)
    b = project.add("b", "CREATE TABLE b (id int);\n")
    git(project, "add", ".")
    git(project, "commit", "-qm", "b")
    # the commit comes from PGSHIFT_GIT_COMMIT (CI passes what it checked out), not from HEAD
    r = pgshift.run_db("deploy", env={"PGSHIFT_GIT_COMMIT": first})
    assert r.returncode == 0, r.stderr
    assert db.scalar("SELECT git_commit FROM pgshift_deployments WHERE finished_at IS NOT NULL") == first
    r = pgshift.run_db("changed", "--base", "deployed", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["base"] == first and out["added"] == [b] and changes(out)[b] == ("added", "applied", False)
    r = pgshift.run_db("changed", "--base", "deployed")
    assert r.returncode == 0 and f"comparing with {first}, the commit of the last successful deploy" in r.stdout
    # a deploy that applies nothing still moves the marker: GITHUB_SHA, else git's HEAD
    r = pgshift.run_db("deploy", env={"GITHUB_SHA": head(project)})
    assert r.returncode == 0 and "nothing to apply" in r.stdout
    r = pgshift.run_db("changed", "--base", "deployed", "--json")
    assert json.loads(r.stdout)["base"] == head(project) and json.loads(r.stdout)["changed"] is False
    (project.migrations / a / "migration.sql").write_text("CREATE TABLE a (id bigint);\n")
    git(project, "commit", "-qam", "edit a")
    r = pgshift.run_db("deploy")
    assert r.returncode == 5                                            # a is modified: not a successful deploy
    assert db.scalar("SELECT count(*) FROM pgshift_deployments WHERE finished_at IS NULL") == 1
    git(project, "revert", "--no-edit", "HEAD")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0
    assert db.scalar("SELECT git_commit FROM pgshift_deployments ORDER BY id DESC LIMIT 1") == head(project)


def test_allow_out_of_order_from_the_environment(db, project, pgshift):
    project.add("b", "CREATE TABLE b (id int);\n", version="20250102000000")
    assert pgshift.run_db("deploy").returncode == 0
    a = project.add("a", "CREATE TABLE a (id int);\n", version="20250101000000")
    r = pgshift.run_db("status")
    assert r.returncode == 4 and "out of order" in r.stdout and "PGSHIFT_ALLOW_OUT_OF_ORDER=1" in r.stderr
    r = pgshift.run_db("deploy")
    assert r.returncode == 5 and "out of order" in r.stderr
    r = pgshift.run_db("deploy", env={"PGSHIFT_ALLOW_OUT_OF_ORDER": "maybe"})
    assert r.returncode == 2 and "PGSHIFT_ALLOW_OUT_OF_ORDER must be 1, true, 0 or false" in r.stderr
    r = pgshift.run_db("status", "--json", env={"PGSHIFT_ALLOW_OUT_OF_ORDER": "true"})
    assert r.returncode == 4
    assert {m["name"]: m["state"] for m in json.loads(r.stdout)["migrations"]}[a] == "pending"
    r = pgshift.run_db("deploy", env={"PGSHIFT_ALLOW_OUT_OF_ORDER": "1"})
    assert r.returncode == 0 and db.table_exists("a")
    assert "PGSHIFT_ALLOW_OUT_OF_ORDER" in pgshift.run("deploy", "--help").stdout


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


def test_deploy_json_keeps_stdout_json_when_the_hook_is_called(db, project, pgshift, hook):
    """With --json, stdout is the JSON result alone: the hook's line goes to stderr."""
    name = project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run_db("deploy", "--json", env={"VERCEL_DEPLOY_HOOK_URL": hook.url, **FAST})
    assert r.returncode == 0, r.stderr
    assert len(hook.posts) == 1
    assert [m["name"] for m in json.loads(r.stdout)["applied"]] == [name], r.stdout
    assert f"deploy hook http://127.0.0.1:{hook.server.server_port} called" in r.stderr, r.stderr


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


def deployments(db):
    return db.query("SELECT applied, hook_status, hook_attempts, hook_http_status, hook_error IS NOT NULL "
                    "FROM pgshift_deployments ORDER BY id")


def test_failed_hook_is_recorded_and_sent_again_by_the_next_deploy(db, project, pgshift, hook):
    project.add("a", "CREATE TABLE a (id int);\n")
    hook.statuses = [500, 500, 500]
    env = {"PGSHIFT_DEPLOY_HOOK_URL": hook.url, "PGSHIFT_GIT_COMMIT": "c0ffee1", **FAST}
    r = pgshift.run_db("deploy", env=env)
    assert r.returncode == 1 and len(hook.posts) == 3
    assert "only the redeploy failed" in r.stderr and "HTTP 500" in r.stderr and "next deploy sends it again" in r.stderr
    assert db.table_exists("a")                                         # the migrations stay applied
    assert deployments(db) == [(1, "failed", 3, 500, True)]
    # the next deploy has nothing to apply but sends the hook that was not delivered
    r = pgshift.run_db("deploy", env=env)
    assert r.returncode == 0, r.stderr
    assert re.search(r"the deploy hook of the deployment at \S+ \(c0ffee1\) was not delivered; sending it again",
                     r.stdout), r.stdout
    assert len(hook.posts) == 4 and "SeCrEt" not in r.stdout + r.stderr and "/v1" not in r.stdout + r.stderr
    assert deployments(db) == [(1, "delivered", 4, 200, False), (0, None, 0, None, False)]
    # delivered: never again
    r = pgshift.run_db("deploy", env=env)
    assert r.returncode == 0 and "sending it again" not in r.stdout and len(hook.posts) == 4


def test_pgshift_hook_records_the_delivery(db, project, pgshift, hook):
    project.add("a", "CREATE TABLE a (id int);\n")
    hook.statuses = [404]
    r = pgshift.run_db("deploy", env={"PGSHIFT_DEPLOY_HOOK_URL": hook.url, **FAST})
    assert r.returncode == 1 and deployments(db) == [(1, "failed", 1, 404, True)]
    hook.statuses = [404]
    r = pgshift.run_db("hook", env={"PGSHIFT_DEPLOY_HOOK_URL": hook.url, **FAST})
    assert r.returncode == 1 and deployments(db) == [(1, "failed", 2, 404, True)]
    r = pgshift.run_db("hook", env={"PGSHIFT_DEPLOY_HOOK_URL": hook.url, **FAST})
    assert r.returncode == 0 and deployments(db) == [(1, "delivered", 3, 200, False)]
    r = pgshift.run_db("deploy", env={"PGSHIFT_DEPLOY_HOOK_URL": hook.url, **FAST})
    assert r.returncode == 0 and len(hook.posts) == 3


def test_undelivered_hook_without_a_hook_url_is_a_warning(db, project, pgshift, hook):
    project.add("a", "CREATE TABLE a (id int);\n")
    hook.statuses = [404]
    assert pgshift.run_db("deploy", "--deploy-hook", hook.url, env=FAST).returncode == 1
    r = pgshift.run_db("deploy")
    assert r.returncode == 0 and "was not delivered, and no hook is configured" in r.stderr


# ---------- health ----------

def health(pgshift, *args, **kw):
    r = pgshift.run_db("health", "--json", *args, **kw)
    return r.returncode, {c["check"]: c["ok"] for c in json.loads(r.stdout)["checks"]}


def test_health_in_each_state(pg, db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    rc, checks = health(pgshift)
    assert rc == 1 and checks == {"database": True, "history": True, "pending": False, "indexes": True, "drift": True}
    assert health(pgshift, "--allow-pending")[0] == 0
    assert pgshift.run_db("deploy").returncode == 0
    assert health(pgshift) == (0, {"database": True, "history": True, "pending": True, "indexes": True, "drift": True})
    r = pgshift.run_db("health")
    assert r.returncode == 0 and r.stdout.count("ok") >= 3
    (project.migrations / a / "migration.sql").write_text("CREATE TABLE a (id bigint);\n")
    assert health(pgshift) == (1, {"database": True, "history": False, "pending": True, "indexes": True, "drift": True})
    (project.migrations / a / "migration.sql").write_text("CREATE TABLE a (id int);\n")
    db.query("UPDATE pgshift_migrations SET finished_at = NULL")
    assert health(pgshift)[1]["history"] is False
    r = pgshift.run("health", "--json", "--url", f"postgresql://postgres:{pg.password}@127.0.0.1:1/x")
    assert r.returncode == 1
    assert json.loads(r.stdout)["checks"] == [{"check": "database", "ok": False,
                                               "detail": json.loads(r.stdout)["checks"][0]["detail"]}]
    assert pg.password not in r.stdout


# The workflow (.github/workflows/db-migrate.yml) is run job by job in test_workflow.py.
