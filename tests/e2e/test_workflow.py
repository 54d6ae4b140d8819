"""The shipped GitHub pipeline, run job by job as a GitHub runner would (tests/e2e/gha_runner.py).

The workflow is the one `pgshift init --github --source ...` writes into a real git repository of
migrations; the jobs run against the real PostgreSQL of the suite, with a read-only role for the
production-read environment, and a local HTTP server as the deploy hook.
"""
import json
import os
import pathlib
import secrets
import shutil
import subprocess

import pytest
import yaml

from gha_runner import GIT_ENV, Runner, evaluate, evaluate_if, ExpressionError
from test_ci import Hook

REPO = pathlib.Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "db-migrate.yml"
ACTION = REPO / "action.yml"
BIN = pathlib.Path(os.environ.get("PGSHIFT_BIN", REPO / "pgshift"))
SHA = "0123456789abcdef0123456789abcdef01234567"
SOURCE = f"acme/pgshift@{SHA}"


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, check=True,
                          capture_output=True, text=True).stdout.strip()


class Pipeline:
    """A repository with the workflow that init writes, pushed commits, and runs of the workflow."""

    def __init__(self, db, project, hook, base, readonly_url):
        self.db, self.project, self.hook = db, project, hook
        p = subprocess.run([str(BIN), "init", "--github", "--source", SOURCE], cwd=project.path,
                           capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        git(project.path, "init", "-q", "-b", "main")
        git(project.path, "add", ".")
        git(project.path, "commit", "-qm", "the pipeline")
        self.secret_values = [db.server.password, hook.secret, readonly_url.split(":")[2].split("@")[0]]
        self.runner = Runner(
            project.path / ".github/workflows/db-migrate.yml", project.path, base, pgshift=BIN,
            action_source=SOURCE, vars={},
            environments={"production": {"DATABASE_URL_UNPOOLED": db.url, "VERCEL_DEPLOY_HOOK_URL": hook.url},
                          "production-read": {"DATABASE_URL_READONLY": readonly_url}},
            # make valgrind's wrapper, copied into the tool cache, finds the binary through this
            machine_env={"PGSHIFT_HOOK_RETRY_DELAY_MS": "20",
                         **{k: os.environ[k] for k in ("PGSHIFT_VALGRIND_BIN",) if k in os.environ}})

    def push(self, message):
        before = git(self.project.path, "rev-parse", "HEAD")
        git(self.project.path, "add", "-A")
        git(self.project.path, "commit", "-qm", message)
        return self.check(self.runner.run("push", before=before))

    def dispatch(self, **inputs):
        return self.check(self.runner.run("workflow_dispatch", inputs=inputs))

    def check(self, run):
        """No secret in any log or summary of the run."""
        text = run.log + run.summary
        for s in self.secret_values:
            assert s not in text, "a secret leaked into the run's log or summary"
        return run

    def applied(self):
        if not self.db.table_exists("pgshift_migrations"):
            return []
        return [r[0] for r in self.db.query("SELECT migration_name FROM pgshift_migrations "
                                            "WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL "
                                            "ORDER BY migration_name")]

    def column_exists(self, table, column):
        return self.db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = %s "
                              "AND column_name = %s", (table, column)) == 1


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


@pytest.fixture
def readonly(db):
    """A role that can connect and read (the history too, once deploy creates it), nothing more."""
    role, pw = f"ro_{db.name}", secrets.token_hex(12)
    with db.conn() as c:
        c.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{pw}'")
        c.execute(f'GRANT CONNECT ON DATABASE "{db.name}" TO {role}')
        c.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        c.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {role}")
    yield f"postgresql://{role}:{pw}@{db.server.host}:{db.server.port}/{db.name}"
    with db.conn() as c:
        c.execute(f"DROP OWNED BY {role}")
    with db.server.connect() as c:
        c.execute(f'REVOKE ALL ON DATABASE "{db.name}" FROM {role}')
        c.execute(f"DROP ROLE {role}")


@pytest.fixture
def pipe(db, project, hook, readonly, tmp_path):
    return Pipeline(db, project, hook, tmp_path, readonly)


def results(run):
    return run.results()


# ---------- the scenarios ----------

def test_push_of_a_safe_migration_validates_deploys_and_calls_the_hook_once(pipe):
    users = pipe.project.add("users", "CREATE TABLE users (id int PRIMARY KEY, email text);\n",
                             down="DROP TABLE users;\n")
    run = pipe.push("add users")
    assert results(run) == {"validate": "success", "review": "skipped", "deploy": "success",
                            "rollback": "skipped"}, run.log
    assert run["validate"].outputs["changed"] == "true"
    assert pipe.applied() == [users] and pipe.db.table_exists("users")
    assert len(pipe.hook.posts) == 1
    summary = run.summary
    assert "### pgshift changed" in summary and f"- added `{users}`" in summary
    assert "### pgshift lint" in summary and "0 findings" in summary
    assert "### pgshift deploy" in summary and f"- `{users}`" in summary
    # pgshift came from the pinned source, and only from there
    assert f"pgshift from {SOURCE}" in run["deploy"].log


def test_push_of_a_drop_column_is_annotated_and_stopped_at_the_gate(pipe):
    users = pipe.project.add("users", "CREATE TABLE users (id int PRIMARY KEY, old text);\n")
    pipe.push("users")
    drop = pipe.project.add("drop_old", "ALTER TABLE users DROP COLUMN old;\n")
    run = pipe.push("drop old")
    # validate is green, with the finding as an annotation on the file and in the summary
    assert run["validate"].result == "success", run.log
    assert any(level == "error" and f"file=migrations/{drop}/migration.sql,line=1" in props and "drop-column" in props
               for level, props, msg in run["validate"].annotations), run["validate"].annotations
    assert "drop-column" in run["validate"].summary
    # deploy stops at the gate: exit 3, nothing applied, no hook
    assert run["deploy"].result == "failure"
    assert run["deploy"].step("deploy").returncode == 3
    assert run["deploy"].step("status").outcome == "success"      # if: always()
    assert any(level == "error" and "manual-review" in msg for level, _, msg in run["deploy"].annotations)
    assert "Stopped by the safety gate" in run["deploy"].summary
    assert pipe.applied() == [users] and pipe.column_exists("users", "old")
    assert len(pipe.hook.posts) == 1


def test_review_then_approve_then_the_next_push_deploys(pipe):
    users = pipe.project.add("users", "CREATE TABLE users (id int PRIMARY KEY, old text);\n")
    pipe.push("users")
    drop = pipe.project.add("drop_old", "ALTER TABLE users DROP COLUMN old;\n")
    assert pipe.push("drop old")["deploy"].result == "failure"
    # manual-review: the report for the pending migration, in the summary and as an artifact
    run = pipe.dispatch(type="manual-review")
    assert results(run) == {"validate": "success", "review": "success", "deploy": "skipped",
                            "rollback": "skipped"}, run.log
    report = run["review"].summary
    assert "# Migration review" in report and f"## `{drop}`" in report and "drop-column" in report
    assert f"pgshift deploy --approve {drop}" in report
    assert (run.artifacts / "migration-review" / "migration-review.md").read_text().startswith("# Migration review")
    assert pipe.applied() == [users] and len(pipe.hook.posts) == 1
    # auto with approve: applied in production, the approval recorded, the hook called
    run = pipe.dispatch(type="auto", approve=drop)
    assert results(run) == {"validate": "success", "review": "skipped", "deploy": "success",
                            "rollback": "skipped"}, run.log
    assert pipe.applied() == [users, drop] and not pipe.column_exists("users", "old")
    review = json.loads(pipe.db.scalar("SELECT review FROM pgshift_migrations WHERE migration_name = %s", (drop,)))
    assert review["approved"] is True
    assert len(pipe.hook.posts) == 2
    # no permanent lock: the next push of an unrelated safe migration deploys
    more = pipe.project.add("more", "CREATE TABLE more (id int);\n")
    run = pipe.push("more")
    assert results(run)["deploy"] == "success", run.log
    assert pipe.applied() == [users, drop, more] and len(pipe.hook.posts) == 3


def test_an_allow_added_to_a_pending_migration_is_an_ordinary_edit(pipe):
    users = pipe.project.add("users", "CREATE TABLE users (id int PRIMARY KEY, old text);\n")
    pipe.push("users")
    drop = pipe.project.add("drop_old", "ALTER TABLE users DROP COLUMN old;\n")
    assert pipe.push("drop old")["deploy"].step("deploy").returncode == 3
    (pipe.project.migrations / drop / "migration.sql").write_text(
        "-- pgshift:allow drop-column because: the app stopped reading it in v42\nALTER TABLE users DROP COLUMN old;\n")
    run = pipe.push("acknowledge the drop")
    assert results(run)["validate"] == "success" and results(run)["deploy"] == "success", run.log
    assert run["validate"].step("changed").returncode == 0      # never applied: an edit, not history rewritten
    assert pipe.applied() == [users, drop] and not pipe.column_exists("users", "old")


def test_manual_review_before_any_deploy(pipe):
    """--base deployed has nothing to compare with yet: validate says so and compares with the previous commit."""
    drop = pipe.project.add("drop", "DROP TABLE IF EXISTS ancient;\n")
    git(pipe.project.path, "add", "-A")
    git(pipe.project.path, "commit", "-qm", "committed, never pushed through the workflow")
    run = pipe.dispatch(type="manual-review")
    assert results(run)["validate"] == "success" and results(run)["review"] == "success", run.log
    assert any(level == "notice" and "no successful deploy" in msg for level, _, msg in run["validate"].annotations)
    assert f"## `{drop}`" in run["review"].summary and pipe.applied() == []


def test_a_broken_migration_is_fixed_forward_by_editing_it(pipe):
    users = pipe.project.add("users", "CREATE TABLE users (id int PRIMARY KEY);\n")
    pipe.push("users")
    broken = pipe.project.add("add_email", "ALTER TABLE userz ADD COLUMN email text;\n")
    run = pipe.push("add email")
    assert run["deploy"].result == "failure" and run["deploy"].step("deploy").returncode == 1
    assert pipe.applied() == [users] and not pipe.column_exists("users", "email")
    # the fix is an edit of the same, never applied, file: changed accepts it and deploy applies it
    (pipe.project.migrations / broken / "migration.sql").write_text("ALTER TABLE users ADD COLUMN email text;\n")
    run = pipe.push("fix the table name")
    assert results(run)["validate"] == "success" and results(run)["deploy"] == "success", run.log
    assert pipe.applied() == [users, broken] and pipe.column_exists("users", "email")


def test_a_push_that_touches_no_migration_runs_nothing(pipe):
    (pipe.project.path / "README.md").write_text("docs\n")
    assert pipe.push("docs").jobs == {}
    pipe.project.add("users", "CREATE TABLE users (id int);\n")
    assert pipe.push("users").results()["deploy"] == "success"


def test_rollback_with_a_target_and_without_one(pipe):
    users = pipe.project.add("users", "CREATE TABLE users (id int);\n", down="DROP TABLE users;\n")
    more = pipe.project.add("more", "CREATE TABLE more (id int);\n", down="DROP TABLE more;\n")
    pipe.push("two tables")
    assert pipe.applied() == [users, more] and len(pipe.hook.posts) == 1
    pipe.db.query("INSERT INTO more VALUES (1)")
    # the down.sql drops a table with a row: the gate stops it until the dispatch approves it
    run = pipe.dispatch(type="rollback", target=users)
    assert run["rollback"].result == "failure" and run["rollback"].step("rollback").returncode == 3, run.log
    assert any(level == "error" and "approve" in msg for level, _, msg in run["rollback"].annotations)
    assert pipe.applied() == [users, more] and len(pipe.hook.posts) == 1
    run = pipe.dispatch(type="rollback", target=users, approve=more)
    assert results(run) == {"validate": "skipped", "review": "skipped", "deploy": "skipped",
                            "rollback": "success"}, run.log
    assert pipe.applied() == [users] and not pipe.db.table_exists("more") and pipe.db.table_exists("users")
    assert len(pipe.hook.posts) == 2
    # without a target: a clear error, nothing reverted, no hook
    run = pipe.dispatch(type="rollback")
    assert run["rollback"].result == "failure" and run["rollback"].step("rollback").returncode == 2
    assert any(level == "error" and "needs a target" in msg for level, _, msg in run["rollback"].annotations)
    assert pipe.applied() == [users] and len(pipe.hook.posts) == 2


def test_a_hook_failing_three_times_is_reported(pipe):
    users = pipe.project.add("users", "CREATE TABLE users (id int);\n")
    pipe.hook.statuses = [500, 500, 500]
    run = pipe.push("users")
    assert run["deploy"].result == "failure" and run["deploy"].step("deploy").returncode == 1
    assert "the migrations are applied; only the redeploy failed" in run["deploy"].log
    assert len(pipe.hook.posts) == 3 and pipe.applied() == [users]


def test_a_hook_that_failed_is_sent_again_by_the_next_run(pipe):
    users = pipe.project.add("users", "CREATE TABLE users (id int);\n")
    pipe.hook.statuses = [500, 500, 500]
    assert pipe.push("users")["deploy"].result == "failure"
    run = pipe.dispatch(type="auto")
    assert results(run)["deploy"] == "success", run.log
    assert len(pipe.hook.posts) == 4 and pipe.applied() == [users]
    # delivered now: the run after that has nothing to send
    assert pipe.dispatch(type="auto")["deploy"].result == "success"
    assert len(pipe.hook.posts) == 4


def test_validate_without_a_database_lints_what_changed_since_the_push(pipe):
    """No production-read environment secret: validate lints only what `changed` reports."""
    pipe.runner.environments["production-read"] = {}
    pipe.project.add("t", "CREATE TABLE t (id int);\nCREATE TABLE ancient (id int);\n")
    assert pipe.push("t")["deploy"].result == "success"
    pipe.db.query("INSERT INTO ancient VALUES (1)")
    # a table with rows on the target: the gate stops it (one absent or empty would be nothing to lose)
    old = pipe.project.add("old", "DROP TABLE ancient;\n")
    assert pipe.push("an old destructive one")["deploy"].result == "failure"
    new = pipe.project.add("new", "CREATE INDEX t_id ON t (id);\n")
    run = pipe.push("a new index")
    lint = run["validate"].step("lint")
    assert lint.outcome == "success", lint.log
    assert f"migrations/{new}/migration.sql" in lint.log and "non-concurrent-index" in lint.log
    assert old not in lint.log and "drop-table" not in lint.log


def test_validate_connects_read_only(pipe, readonly):
    """The validate and review jobs run with a role that cannot write and a read-only session."""
    assert pipe.runner.doc["jobs"]["validate"]["env"]["PGOPTIONS"] == "-c default_transaction_read_only=on"
    r = subprocess.run(["psql", readonly, "-Atc", "SHOW default_transaction_read_only"], capture_output=True,
                       text=True, env={**os.environ, "PGOPTIONS": "-c default_transaction_read_only=on"})
    assert r.stdout.strip() == "on", r.stderr


# ---------- the file itself ----------

def load(path=WORKFLOW):
    return yaml.safe_load(pathlib.Path(path).read_text())


def test_every_job_has_a_timeout_and_the_right_environment():
    jobs = load()["jobs"]
    assert set(jobs) == {"validate", "review", "deploy", "rollback"}
    for name, job in jobs.items():
        assert isinstance(job.get("timeout-minutes"), int) and 0 < job["timeout-minutes"] <= 60, name
    assert jobs["deploy"]["environment"] == "production" and jobs["rollback"]["environment"] == "production"
    assert jobs["validate"]["environment"] == "production-read" and jobs["review"]["environment"] == "production-read"
    # the admin secret only where the protected environment is
    text = WORKFLOW.read_text()
    for name, job in jobs.items():
        uses_admin = "secrets.DATABASE_URL_UNPOOLED" in yaml.safe_dump(job)
        assert uses_admin == (job["environment"] == "production"), name
    assert "PGSHIFT_APPROVE" not in text and "pgshift/pgshift" not in text
    # Prisma mode settings come from repository variables
    assert load()["env"] == {"PGSHIFT_DIR": "${{ vars.PGSHIFT_DIR }}",
                             "PGSHIFT_ALLOW_OUT_OF_ORDER": "${{ vars.PGSHIFT_ALLOW_OUT_OF_ORDER }}"}


def test_no_run_script_interpolates_an_expression():
    """Inputs reach scripts through env only (no script injection through ${{ inputs.* }})."""
    for job in load()["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step


def test_the_template_names_no_repository_until_init_fills_it():
    uses = [s["uses"] for j in load()["jobs"].values() for s in j["steps"] if "uses" in s]
    ours = [u for u in uses if not u.startswith("actions/")]
    assert ours and set(ours) == {"SOURCE_NOT_SET/pgshift@FULL_COMMIT_SHA"}
    # GitHub owners are letters, digits and hyphens: the placeholder cannot resolve to anyone's code
    assert "_" in ours[0].split("/")[0]


def test_expression_evaluator_is_strict():
    ctx = {"github": {"event_name": "push"}, "inputs": {}, "needs": {"v": {"outputs": {"x": "true"}}}}
    assert evaluate("github.event_name == 'PUSH'", ctx) is True           # case-insensitive, as GitHub
    assert evaluate("inputs.type == 'auto' || needs.v.outputs.x == 'true'", ctx) is True
    assert evaluate("!(inputs.type == 'auto') && github.event_name != 'x'", ctx) is True
    assert evaluate_if("inputs.type == 'auto'", ctx, lambda f: True) is False
    assert evaluate_if("always()", ctx, lambda f: f == "always") is True
    assert evaluate_if("github.event_name == 'push'", ctx, lambda f: f != "success") is False   # implicit success()
    for bad in ("contains(github.event_name, 'p')", "matrix.x", "github.event_name < 3", "hashFiles('x')"):
        with pytest.raises(ExpressionError):
            evaluate(bad, ctx)


# ---------- init --github --source ----------

def init(project, *args):
    return subprocess.run([str(BIN), "init", "--github", *args], cwd=project.path, capture_output=True, text=True)


def test_init_needs_a_source(project):
    r = init(project)
    assert r.returncode == 2 and "--source is required" in r.stderr and "hint: pass --source OWNER/REPO@SHA" in r.stderr
    assert not (project.path / ".github").exists()


def test_init_writes_the_pinned_source(project):
    r = init(project, "--source", SOURCE)
    assert r.returncode == 0 and "warning" not in r.stderr, r.stderr
    text = (project.path / ".github/workflows/db-migrate.yml").read_text()
    assert text == WORKFLOW.read_text().replace("SOURCE_NOT_SET/pgshift@FULL_COMMIT_SHA", SOURCE)
    assert text.count(f"uses: {SOURCE}\n") == 4 and "SOURCE_NOT_SET" not in text
    assert init(project, "--source", SOURCE).returncode == 1                  # exists: --force
    assert init(project, "--source", SOURCE, "--force").returncode == 0


def test_init_accepts_a_tag_with_a_warning(project):
    r = init(project, "--source", "acme/pgshift@v1.2.0", "--print")
    assert r.returncode == 0 and "uses: acme/pgshift@v1.2.0\n" in r.stdout
    assert "warning: --source acme/pgshift@v1.2.0 names a tag or branch" in r.stderr and "sha is safer" in r.stderr


@pytest.mark.parametrize("source, message", [
    ("acme/pgshift", "needs OWNER/REPO@REF"),
    ("pgshift@" + SHA, "needs OWNER/REPO@REF"),
    ("acme/pg/shift@" + SHA, "needs OWNER/REPO@REF"),
    ("ac_me/pgshift@" + SHA, "needs OWNER/REPO@REF"),
    ("-acme/pgshift@" + SHA, "needs OWNER/REPO@REF"),
    ("acme/..@" + SHA, "needs OWNER/REPO@REF"),
    ("acme/pgshift@", "needs OWNER/REPO@REF"),
    ("acme/pgshift@abc1234", "shortened commit sha"),
    ("acme/pgshift@v1 # x", "not a valid git ref"),
    ("acme/pgshift@a..b", "not a valid git ref"),
    ("acme/pgshift@v1\nrun: x", "not a valid git ref"),
    ("acme/pgshift@refs/heads/x.lock", "not a valid git ref"),
])
def test_init_refuses_a_malformed_source(project, source, message):
    r = init(project, "--source", source)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert not (project.path / ".github").exists()


# ---------- lint --report-only ----------

def test_lint_report_only_reports_findings_but_exits_0(project, tmp_path):
    project.add("drop", "DROP TABLE users;\n")
    run = lambda *a: subprocess.run([str(BIN), "lint", "--all", *a], cwd=project.path, capture_output=True, text=True,
                                    env={"PATH": os.environ["PATH"], "HOME": "/tmp"})
    assert run().returncode == 3
    r = run("--report-only")
    assert r.returncode == 0 and "drop-table" in r.stdout
    project.add("bad", "CREATE TABLE (;\n")
    assert run("--report-only").returncode == 1        # a file that cannot be parsed still fails


# ---------- the composite action ----------

def test_action_builds_at_the_pinned_ref_caches_by_ref_and_os_and_puts_pgshift_on_path():
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["key"] == "${{ steps.key.outputs.key }}"
    text = ACTION.read_text()
    assert "deps.sh\" runtime" in text and "deps.sh\" build" in text and "deps.sh\" all" not in text
    assert "GITHUB_PATH" in text and "make -C \"$GITHUB_ACTION_PATH\"" in text
    assert all(s.get("shell") == "bash" for s in steps if "run" in s)


@pytest.mark.parametrize("ref, expect_sha", [(SHA, True), ("v1", False), ("", False)])
def test_action_cache_key_names_the_commit_and_the_os(tmp_path, ref, expect_sha):
    """The key step of action.yml, run as GitHub runs it (bash -eo pipefail), with the action checked out."""
    step = next(s for s in load(ACTION)["runs"]["steps"] if s.get("id") == "key")
    out = tmp_path / "out"
    out.write_text("")
    env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(out), "GITHUB_ACTION_PATH": str(REPO),
           "ACTION_REF": ref, "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "RUNNER_TOOL_CACHE": str(tmp_path)}
    assert step["env"]["ACTION_REF"] == "${{ github.action_ref }}"
    script = tmp_path / "s.sh"
    script.write_text(step["run"])
    subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], env=env, check=True)
    kv = dict(line.split("=", 1) for line in out.read_text().splitlines())
    osid = subprocess.run(["sh", "-c", ". /etc/os-release && echo $ID-$VERSION_ID"], capture_output=True,
                          text=True).stdout.strip()
    assert kv["key"].startswith(f"pgshift-Linux-{osid}-X64-")
    assert (kv["key"].endswith(SHA) if expect_sha else "-src-" in kv["key"])
    assert kv["dir"].startswith(str(tmp_path / "pgshift"))


# ---------- scripts/deps.sh ----------

@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="apt-cache is missing (not Debian)")
def test_deps_sets():
    def pkgs(*sets):
        r = subprocess.run(["sh", str(REPO / "scripts/deps.sh"), "--list", *sets], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout.split()
    runtime, build, test, everything = pkgs("runtime"), pkgs("build"), pkgs("test"), pkgs()
    assert "libpq5" in runtime and any(p.startswith("libjansson") for p in runtime)
    assert not any(p.endswith("-dev") or p in ("postgresql", "pgbouncer", "gcc") for p in runtime)
    assert "gcc" in build and "libpq-dev" in build and "postgresql" not in build
    assert "postgresql" in test and "python3-pytest" in test and "gcc" not in test
    assert set(build) | set(test) <= set(everything)
    assert pkgs("valgrind")[-1] == "valgrind" and set(everything) <= set(pkgs("valgrind"))


# ---------- GitHub's own schema ----------

def test_workflow_and_action_pass_githubs_parser_and_schema(tmp_path):
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are missing (make deps installs them)")
    written = tmp_path / "db-migrate.yml"
    written.write_text(WORKFLOW.read_text().replace("SOURCE_NOT_SET/pgshift@FULL_COMMIT_SHA", SOURCE))
    r = subprocess.run(["sh", str(REPO / "scripts/gha-check.sh"), str(REPO / "build/gha-check"), str(WORKFLOW),
                        str(written), str(ACTION)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count(": ok") == 3
