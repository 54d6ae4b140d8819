"""lint, the deploy gate and the review report, through the real binary."""
import json
import pathlib
import shutil

REPO = pathlib.Path(__file__).resolve().parents[2]


def users(project):
    return project.add("users", "CREATE TABLE users (id int PRIMARY KEY, old_field text, email text);\n")


def test_deploy_blocked_by_drop_column_then_approved(db, project, pgshift):
    users(project)
    assert pgshift.run_db("deploy").returncode == 0
    other = project.add("other", "CREATE TABLE other (id int);\n")
    drop = project.add("drop_old", "ALTER TABLE users DROP COLUMN old_field;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 3
    assert "drop-column" in r.stdout and f"migrations/{drop}/migration.sql" in r.stdout
    assert "deploy blocked by the safety gate" in r.stderr and drop in r.stderr
    assert "--approve" in r.stderr
    # nothing of the batch was applied
    assert not db.table_exists("other")
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name='users' "
                     "AND column_name='old_field'") == 1
    assert db.scalar("SELECT count(*) FROM pgshift_migrations") == 1

    r = pgshift.run_db("deploy", "--approve", drop)
    assert r.returncode == 0, r.stderr
    assert db.table_exists("other")
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE column_name='old_field'") == 0
    review = json.loads(db.scalar("SELECT review FROM pgshift_migrations WHERE migration_name = %s", (drop,)))
    assert review["approved"] is True
    assert db.scalar("SELECT review FROM pgshift_migrations WHERE migration_name = %s", (other,)) is None


def test_gate_cannot_be_walked_around_by_schema_or_if_not_exists(db, project, pgshift):
    """Issue 16: a table created in another schema, or CREATE ... IF NOT EXISTS, does not make users new."""
    users(project)
    assert pgshift.run_db("deploy").returncode == 0
    walks = ["CREATE SCHEMA archive;\nCREATE TABLE archive.users (id int);\n"
             "ALTER TABLE public.users DROP COLUMN email;\n",
             "CREATE TABLE IF NOT EXISTS users (id int);\nALTER TABLE users DROP COLUMN email;\n"]
    for sql in walks:
        walk = project.add("walk", sql)
        r = pgshift.run("lint", str(project.migrations / walk / "migration.sql"))
        assert r.returncode == 3 and "drop-column" in r.stdout, r.stdout + r.stderr
        r = pgshift.run_db("deploy")
        assert r.returncode == 3, r.stdout + r.stderr
        assert "drop-column" in r.stdout and "deploy blocked by the safety gate" in r.stderr
        assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                         "AND column_name = 'email'") == 1
        assert db.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = 'archive'") == 0
        shutil.rmtree(project.migrations / walk)
    # The same shape on a table the batch really creates passes, in its schema as set by search_path.
    project.add("real", "CREATE SCHEMA archive;\nSET search_path TO archive;\n"
                        "CREATE TABLE users (id int, email text);\nALTER TABLE archive.users DROP COLUMN email;\n"
                        "RESET search_path;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'archive' "
                     "AND table_name = 'users'") == 1


def test_allow_directive_lets_it_through_and_is_recorded(db, project, pgshift):
    users(project)
    assert pgshift.run_db("deploy").returncode == 0
    drop = project.add("drop_old", "-- pgshift:allow drop-column because: unused since v42\n"
                                   "ALTER TABLE users DROP COLUMN old_field;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    review = json.loads(db.scalar("SELECT review FROM pgshift_migrations WHERE migration_name = %s", (drop,)))
    assert review["findings"][0]["rule"] == "drop-column"
    assert review["findings"][0]["acknowledged"] == "unused since v42"


def test_allow_without_reason_is_an_error(db, project, pgshift):
    users(project)
    project.add("drop_old", "-- pgshift:allow drop-column\nALTER TABLE users DROP COLUMN old_field;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 1
    assert "needs a reason" in r.stdout and "cannot be checked" in r.stderr
    assert not db.table_exists("users")


def test_strict_makes_warnings_block(db, project, pgshift):
    users(project)
    assert pgshift.run_db("deploy").returncode == 0
    project.add("idx", "CREATE INDEX users_email ON users (email);\n")
    assert pgshift.run_db("deploy", "--strict").returncode == 3
    assert pgshift.run_db("deploy").returncode == 0


def test_brief_examples(project, pgshift):
    example = REPO / "examples" / "betterai" / "migrations"
    shutil.rmtree(project.migrations)
    shutil.copytree(example, project.migrations)
    # without a database every migration stands alone: the users table may already hold rows
    r = pgshift.run("lint", "--all")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "set-not-null" in r.stdout and "warning" in r.stdout
    assert "CHECK (email IS NOT NULL) NOT VALID" in r.stdout
    out = json.loads(pgshift.run("lint", "--all", "--format", "json").stdout)
    assert [f["rule"] for f in out["findings"]] == ["set-not-null"]
    (project.path / "drop.sql").write_text("ALTER TABLE users DROP COLUMN old_field;\n")
    r = pgshift.run("lint", "drop.sql")
    assert r.returncode == 3 and "drop-column" in r.stdout and "review" in r.stdout


def test_lint_pending_only_when_connected(db, project, pgshift):
    project.add("a", "CREATE TABLE a (id int);\nCREATE INDEX a_id ON a (id);\n")
    assert pgshift.run_db("deploy").returncode == 0
    project.add("b", "CREATE INDEX a_id2 ON a (id);\n")
    r = pgshift.run_db("lint")
    assert r.returncode == 0
    assert "non-concurrent-index" in r.stdout and "_b/" in r.stdout and "_a/" not in r.stdout


def test_multiple_tables_locked_names_the_foreign_key_from_the_database(db, project, pgshift):
    project.add("schema", "CREATE TABLE users (id int PRIMARY KEY);\n"
                          "CREATE TABLE posts (id int PRIMARY KEY, user_id int REFERENCES users);\n")
    assert pgshift.run_db("deploy").returncode == 0
    project.add("two", "ALTER TABLE users ADD COLUMN a int;\nALTER TABLE posts ADD COLUMN b int;\n")
    r = pgshift.run_db("deploy", "--dry-run", "--strict")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "multiple-tables-locked" in r.stdout
    assert "users (ACCESS EXCLUSIVE) and posts (ACCESS EXCLUSIVE)" in r.stdout
    assert "foreign key posts_user_id_fkey (posts references users)" in r.stdout
    assert "one table per migration" in r.stdout
    # without a database the tables are named, the key cannot be
    r = pgshift.run("lint", "--all")
    assert "multiple-tables-locked" in r.stdout and "posts_user_id_fkey" not in r.stdout


def test_multiple_tables_locked_quiet_on_one_table_or_a_new_one(db, project, pgshift):
    project.add("schema", "CREATE TABLE users (id int PRIMARY KEY);\nCREATE TABLE posts (id int PRIMARY KEY);\n")
    assert pgshift.run_db("deploy").returncode == 0
    project.add("one", "ALTER TABLE users ADD COLUMN a int;\nALTER TABLE users ADD COLUMN b int;\n")
    project.add("new", "CREATE TABLE tags (id int);\nALTER TABLE tags ADD COLUMN c int;\n"
                       "ALTER TABLE posts ADD COLUMN d int;\n")
    r = pgshift.run_db("deploy", "--strict")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "multiple-tables-locked" not in r.stdout + r.stderr


def test_syntax_error_sarif_and_annotations(project, pgshift):
    (project.path / "bad.sql").write_text("SELECT 1;\n\nALTER TABLE users ADD COLUMN;\n")
    r = pgshift.run("lint", "bad.sql")
    assert r.returncode == 1
    assert "3:" in r.stdout and "syntax-error" in r.stdout and "syntax error at or near" in r.stdout
    (project.path / "m.sql").write_text("DROP TABLE users;\nCREATE INDEX i ON orders (a);\n")
    sarif = json.loads(pgshift.run("lint", "m.sql", "--format", "sarif").stdout)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    assert [x["ruleId"] for x in results] == ["drop-table", "non-concurrent-index"]
    assert results[0]["level"] == "error" and results[1]["level"] == "warning"
    r = pgshift.run("lint", "m.sql", env={"GITHUB_ACTIONS": "true"})
    assert "::error file=m.sql,line=1,col=1,title=pgshift drop-table (review)::" in r.stdout
    assert "::warning file=m.sql,line=2," in r.stdout


def test_review_report(db, project, pgshift, tmp_path):
    users(project)
    assert pgshift.run_db("deploy").returncode == 0
    drop = project.add("drop_old", "ALTER TABLE users DROP COLUMN old_field;\n", down="ALTER TABLE users ADD COLUMN old_field text;\n")
    nn = project.add("email_nn", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    r = pgshift.run_db("review", env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)})
    assert r.returncode == 3
    md = r.stdout
    assert md.startswith("# Migration review")
    assert f"## `{drop}`" in md and f"## `{nn}`" in md
    assert f"pgshift deploy --approve {drop}" in md
    assert "ACCESS EXCLUSIVE" in md
    assert "down.sql` exists" in md and "**no down.sql**" in md
    assert "```sql" in md and "NOT VALID" in md
    assert summary.read_text() == "earlier step\n" + md


def workflow_commands(text):
    """The lines GitHub's runner would read as workflow commands: it splits at \\r and \\n (text mode
    already turned each \\r into \\n) and trims leading blanks before looking for "::"."""
    return [line.lstrip() for line in text.split("\n") if line.lstrip().startswith("::")]


INJECTED = ('ALTER TABLE t DROP COLUMN "a\n::error file=x::owned";\n'
            'ALTER TABLE "t\r::error file=y::owned" ADD COLUMN c int NOT NULL;\n'
            "-- pgshift:allow non-concurrent-index because: fine \x1b[2J\x0b::error::z\n"
            'CREATE INDEX "i\x1b]0;title\x07" ON t (a);\n')


def test_control_characters_in_sql_cannot_start_an_output_line(project, pgshift):
    (project.path / "m.sql").write_text(INJECTED)
    r = pgshift.run("lint", "m.sql")
    assert r.returncode == 3
    assert workflow_commands(r.stdout + "\n" + r.stderr) == []
    assert "\x1b" not in r.stdout and "\x0b" not in r.stdout and "\x07" not in r.stdout
    assert 'dropping column "a\\n::error file=x::owned"' in r.stdout
    assert 'table "t\\r::error file=y::owned"' in r.stdout
    assert "acknowledged: fine \\x1B[2J\\x0B::error::z" in r.stdout

    r = pgshift.run("lint", "m.sql", env={"GITHUB_ACTIONS": "true"})
    own = workflow_commands(r.stdout)
    # drop-column, add-not-null-column-without-default, multiple-tables-locked (t and "t\r..."), the index
    assert len(own) == 4 and all(x.startswith(("::error file=m.sql,line=", "::warning file=m.sql,line="))
                                 for x in own), own
    assert 'dropping column "a\\n::error file=x::owned"' in own[0]
    assert "t\\r::error file=y::owned" in own[1]
    # a syntax error quotes the token as it is
    (project.path / "bad.sql").write_text("SELECT 1 'a\n::error file=x::owned\r::warning::y' x;\n")
    for env in (None, {"GITHUB_ACTIONS": "true"}):
        r = pgshift.run("lint", "bad.sql", env=env)
        assert r.returncode == 1
        assert """syntax error at or near "'a\\n::error file=x::owned\\r::warning::y'\"""" in r.stdout
        assert [x for x in workflow_commands(r.stdout) if not x.startswith("::error file=bad.sql,line=1,")] == []


def test_server_error_quoting_a_name_cannot_start_an_output_line(db, project, pgshift):
    project.add("bad", 'ALTER TABLE "missing\n::error file=x::owned" ADD COLUMN c int;\n')
    r = pgshift.run_db("deploy")
    assert r.returncode != 0
    assert 'relation "missing\\n::error file=x::owned" does not exist' in r.stderr
    assert workflow_commands(r.stdout + "\n" + r.stderr) == []
    r = pgshift.run_db("status")
    assert workflow_commands(r.stdout + "\n" + r.stderr) == []
