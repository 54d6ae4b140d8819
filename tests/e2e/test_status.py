"""status: states, JSON and exit codes."""
import json
import os
import subprocess

from conftest import wait_for_pgshift_gone, wait_for_pgshift_query


def test_status_states_and_exit_codes(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    r = pgshift.run_db("status")
    assert r.returncode == 4
    assert "pending" in r.stdout and a in r.stdout
    assert not db.table_exists("pgshift_migrations"), "status must not write"

    assert pgshift.run_db("deploy").returncode == 0
    r = pgshift.run_db("status")
    assert r.returncode == 0, r.stderr
    assert "applied" in r.stdout and "ms)" in r.stdout
    assert "1 applied, 0 pending" in r.stdout


def test_status_json(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n", down="DROP TABLE a;\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    c = project.add("c", "CREATE TABLE c (id int);\n")
    r = pgshift.run_db("status", "--json")
    assert r.returncode == 4
    out = json.loads(r.stdout)
    states = {m["name"]: m["state"] for m in out["migrations"]}
    assert states == {a: "applied", b: "applied", c: "pending"}
    first = out["migrations"][0]
    assert first["has_down"] is True and out["migrations"][1]["has_down"] is False
    assert first["applied_at"].endswith("Z") and first["duration_ms"] >= 0
    assert out["counts"]["applied"] == 2 and out["counts"]["pending"] == 1
    assert out["up_to_date"] is False
    assert "pgshift_migrations" in out["history_table"]


def test_failed_and_rolled_back_rows_from_history(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    # A failed attempt as another tool (or a no-transaction migration) would leave it.
    db.query("UPDATE pgshift_migrations SET finished_at = NULL, logs = 'boom' WHERE migration_name = %s", (b,))
    r = pgshift.run_db("status")
    assert r.returncode == 5
    assert "failed" in r.stdout
    assert f"pgshift resolve --rolled-back {b}" in r.stderr
    d = pgshift.run_db("deploy")
    assert d.returncode == 5 and f"resolve --rolled-back {b}" in d.stderr

    db.query("UPDATE pgshift_migrations SET rolled_back_at = now() WHERE migration_name = %s", (b,))
    db.query("DROP TABLE b")
    r = pgshift.run_db("status", "--json")
    assert r.returncode == 4
    assert {m["name"]: m["state"] for m in json.loads(r.stdout)["migrations"]}[b] == "rolled_back"
    assert pgshift.run_db("deploy").returncode == 0
    assert db.scalar("SELECT count(*) FROM pgshift_migrations WHERE migration_name = %s "
                     "AND finished_at IS NOT NULL AND rolled_back_at IS NULL", (b,)) == 1


def test_a_migration_in_progress_is_running_not_failed(db, project, pgshift):
    """A no-transaction migration at work has a started, unfinished row, like a failed one. While the
    deploy holds the migration lock it is running (exit 4, the holder named); once the deploy is gone
    (kill -9: the lock goes with its session) the same row is failed (exit 5)."""
    project.add("first", "CREATE TABLE first (id int);\n")
    slow = project.add("slow", "-- pgshift:no-transaction\n"
                               "CREATE TABLE s1 (id int);\n"
                               "SELECT pg_sleep(60);\n")
    p = pgshift.spawn("deploy", "--url", db.url)
    try:
        wait_for_pgshift_query(db, "pg_sleep")
        pid = db.scalar("SELECT pid FROM pg_stat_activity WHERE application_name = 'pgshift' "
                        "AND query LIKE '%pg_sleep%'")
        r = pgshift.run_db("status")
        assert r.returncode == 4, r
        line = next(ln for ln in r.stdout.splitlines() if slow in ln)
        assert line.split()[0] == "running" and "1 step done" in line
        assert "1 running" in r.stdout
        assert f"held by pid {pid} (application_name \"pgshift\"" in r.stdout
        assert "resolve --rolled-back" not in r.stderr

        r = pgshift.run_db("status", "--json")
        assert r.returncode == 4
        doc = json.loads(r.stdout)
        states = {m["name"]: m["state"] for m in doc["migrations"]}
        assert states[slow] == "running" and doc["counts"]["running"] == 1 and doc["counts"]["failed"] == 0
        assert doc["lock_holder"].startswith(f"pid {pid} ")

        r = pgshift.run_db("health")
        assert r.returncode == 1
        assert "ok   history" in r.stdout and "none failed" in r.stdout
        assert "FAIL pending   1 pending (1 running)" in r.stdout and f"held by pid {pid}" in r.stdout

        r = pgshift.run_db("deploy", "--dry-run")
        assert r.returncode == 0, r
        assert f"another deploy is at work: the migration lock is held by pid {pid}" in r.stdout
    finally:
        p.kill9()
    wait_for_pgshift_gone(db)
    r = pgshift.run_db("status", "--json")
    assert r.returncode == 5
    doc = json.loads(r.stdout)
    assert {m["name"]: m["state"] for m in doc["migrations"]}[slow] == "failed"
    assert doc["lock_holder"] is None
    r = pgshift.run_db("status")
    assert "in progress" not in r.stdout and f"{slow} stopped at statement 2" in r.stderr


def test_failed_no_transaction_migration_points_to_deploy(db, project, pgshift):
    """deploy resumes it at the first statement not done; resolve --rolled-back would run statement 1 again."""
    name = project.add("nt", "-- pgshift:no-transaction\nCREATE TABLE nt1 (id int);\nSELECT * FROM nowhere;\n")
    assert pgshift.run_db("deploy").returncode == 1
    r = pgshift.run_db("status")
    assert r.returncode == 5
    assert f"{name} stopped at statement 2" in r.stderr and "run \"pgshift deploy\": it resumes there" in r.stderr
    assert "resolve --rolled-back" not in r.stderr
    m = json.loads(pgshift.run_db("status", "--json").stdout)["migrations"][0]
    assert m["state"] == "failed" and m["resume_at"] == 2
    h = pgshift.run_db("health")
    assert h.returncode == 1 and f"\"pgshift deploy\" resumes {name} at statement 2" in h.stdout


def test_out_of_order_is_not_sent_to_deploy(db, project, pgshift):
    b = project.add("b", "CREATE TABLE b (id int);\n", version="20250102000000")
    assert pgshift.run_db("deploy").returncode == 0
    a = project.add("a", "CREATE TABLE a (id int);\n", version="20250101000000")
    c = project.add("c", "CREATE TABLE c (id int);\n", version="20250103000000")
    r = pgshift.run_db("status")
    assert r.returncode == 4
    assert f"{a} is older than the newest applied migration ({b}), so deploy refuses it" in r.stderr
    assert "rename its directory" in r.stderr and "pgshift deploy --allow-out-of-order" in r.stderr
    assert "to apply the pending migrations" not in r.stderr
    assert c not in r.stderr
    h = pgshift.run_db("health")
    assert "out of order: deploy refuses them" in h.stdout
    # the advice holds: deploy refuses, --allow-out-of-order applies
    assert pgshift.run_db("deploy").returncode == 5
    assert pgshift.run_db("deploy", "--allow-out-of-order").returncode == 0


GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": os.environ["PATH"], "HOME": "/tmp"}


def git_commit_all(project):
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "migrations"]):
        subprocess.run(["git", *args], cwd=project.path, env=GIT_ENV, check=True, capture_output=True)


def test_modified_says_whether_the_edit_is_whitespace_or_comments(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int, name text);\nINSERT INTO a VALUES (1, 'x');\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    git_commit_all(project)
    assert pgshift.run_db("deploy").returncode == 0
    # a: reformatted and commented, same parse trees; b: a different column type
    (project.migrations / a / "migration.sql").write_text(
        "-- the users' table\nCREATE TABLE a (\n    id   int,\n    name text  /* display name */\n);\n"
        "INSERT INTO a VALUES (1, 'x');  -- seed row\n")
    (project.migrations / b / "migration.sql").write_text("CREATE TABLE b (id bigint);\n")
    r = pgshift.run_db("status")
    assert r.returncode == 5, r.stdout + r.stderr
    assert f"{a} was edited after it was applied: whitespace or comments only" in r.stdout, r.stdout
    assert f'"pgshift resolve --accept-edit {a}"' in r.stderr, r.stderr
    assert f"{b} was edited after it was applied: the SQL differs from what was applied (git commit " in r.stdout
    assert f"restore it and put the change in a new migration" in r.stderr
    r = pgshift.run_db("status", "--json")
    edits = {m["name"]: m.get("edit") for m in json.loads(r.stdout)["migrations"]}
    assert edits == {a: "whitespace_or_comments", b: "sql"}, edits


def test_modified_by_line_endings_alone_is_found_without_git(db, project, pgshift):
    a = project.add("a", "CREATE TABLE a (id int);\nCREATE TABLE c (id int);\n")
    b = project.add("b", "CREATE TABLE b (id int);\n")
    assert pgshift.run_db("deploy").returncode == 0
    sql = project.migrations / a / "migration.sql"
    sql.write_bytes(sql.read_bytes().replace(b"\n", b"\r\n"))  # what git's autocrlf does on Windows
    (project.migrations / b / "migration.sql").write_text("CREATE TABLE b (id int); -- note\n")
    r = pgshift.run_db("status")
    assert r.returncode == 5
    assert f"{a} was edited after it was applied: whitespace or comments only (the parse trees are the same " \
           "as those of the same text with other line endings or byte-order mark)" in r.stdout, r.stdout
    # not in git, not a line-ending change: pgshift cannot know, and says so
    assert f"{b} was edited after it was applied: not compared: the text that was applied is not in git" in r.stdout
