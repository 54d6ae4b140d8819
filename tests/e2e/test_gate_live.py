"""Issue 18: the deploy gate asks the target database; a drop of what is not there is info, not review."""
import json

HOOKS = 'CREATE TABLE "Hook" (id SERIAL PRIMARY KEY, url text NOT NULL);\n'
TOKENS = "CREATE TABLE token (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, hook int);\n"
# the serial's sequence goes once the ids become text (the shape a Prisma migration writes)
TEXT_IDS = ('ALTER TABLE "Hook" ALTER COLUMN id DROP DEFAULT;\n'
            'ALTER TABLE "Hook" ALTER COLUMN id SET DATA TYPE text;\n'
            'DROP SEQUENCE "Hook_id_seq";\n')
SHORT_ID = ("CREATE OR REPLACE FUNCTION short_id(size int) RETURNS text LANGUAGE sql "
            "AS $$ SELECT substr(md5(random()::text), 1, size) $$;\n")
REDEFINE = "DROP FUNCTION IF EXISTS short_id(int);\n" + SHORT_ID


def test_empty_database_deploys_without_approval(db, project, pgshift):
    project.add("hooks", HOOKS)
    project.add("tokens", TOKENS)
    project.add("hook_text_ids", TEXT_IDS)
    ids = project.add("short_ids", REDEFINE)

    r = pgshift.run_db("lint")
    assert r.returncode == 0, r.stdout + r.stderr
    # the sequence is the serial's, made two migrations earlier: no finding at all
    assert "Hook_id_seq" not in r.stdout
    # the function is not in the target: said at info level, and nothing blocks
    assert "info  drop-object  function short_id is not in the target database: nothing to lose" in r.stdout, r.stdout
    assert "review" not in r.stdout.replace("0 review", "")
    assert "1 info" in r.stdout
    js = json.loads(pgshift.run_db("lint", "--format", "json").stdout)
    assert [(f["rule"], f["severity"], f["blocking"], f["migration"]) for f in js["findings"]] == \
        [("drop-object", "info", False, ids)]
    assert js["summary"]["info"] == 1 and js["exit_code"] == 0
    sarif = json.loads(pgshift.run_db("lint", "--format", "sarif").stdout)
    assert [x["level"] for x in sarif["runs"][0]["results"]] == ["note"]

    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert db.scalar("SELECT count(*) FROM pgshift_migrations WHERE finished_at IS NOT NULL") == 4
    assert not db.table_exists('"Hook_id_seq"')
    assert db.scalar("SELECT to_regprocedure('short_id(int)') IS NOT NULL")


def test_the_same_drops_on_objects_with_data_stop_at_the_gate(db, project, pgshift):
    project.add("hooks", HOOKS)
    project.add("short_ids", SHORT_ID)
    assert pgshift.run_db("deploy").returncode == 0
    db.query("""INSERT INTO "Hook" (url) VALUES ('https://a.example.invalid'), ('https://b.example.invalid')""")
    text_ids = project.add("hook_text_ids", TEXT_IDS)
    again = project.add("short_ids_again", REDEFINE)

    r = pgshift.run_db("deploy")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "review  drop-object  dropping \"Hook_id_seq\"" in r.stdout, r.stdout
    # the function is dropped and made again in one migration: a warning about its grants, not a review
    assert "warning  redefine-function  function \"short_id\" is dropped and created again" in r.stdout, r.stdout
    assert "info" not in r.stdout
    blocked = r.stderr.split("deploy blocked by the safety gate:")[1]
    assert text_ids in blocked and again not in blocked, r.stderr
    # nothing was applied: the sequence is still there and still counts
    assert db.table_exists('"Hook_id_seq"')
    assert db.scalar("SELECT count(*) FROM pgshift_migrations") == 2
    assert db.scalar("""SELECT last_value FROM "Hook_id_seq" """) == 2


def test_a_name_an_existing_table_is_renamed_to_is_not_absent(db, project, pgshift):
    project.add("hooks", HOOKS)
    assert pgshift.run_db("deploy").returncode == 0
    db.query("""INSERT INTO "Hook" (url) VALUES ('https://a.example.invalid')""")
    # hook_old is not in the target, but the rename puts the data there
    project.add("retire", 'ALTER TABLE "Hook" RENAME TO hook_old;\nDROP TABLE hook_old;\n')
    r = pgshift.run_db("deploy")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "review  drop-table  dropping table \"hook_old\"" in r.stdout, r.stdout
    assert db.scalar('SELECT count(*) FROM "Hook"') == 1


def test_lint_without_a_database_is_unchanged(project, pgshift):
    path = project.migrations / project.add("short_ids", REDEFINE.replace("CREATE OR REPLACE FUNCTION short_id",
                                                                          "CREATE FUNCTION other"))
    r = pgshift.run("lint", str(path / "migration.sql"))
    assert r.returncode == 3 and "review  drop-object" in r.stdout, r.stdout + r.stderr


def test_drop_of_an_empty_table_is_info_and_of_one_with_rows_stops(db, project, pgshift):
    """The gate reads whether a table it is asked to drop holds rows: empty, nothing can be lost (info, the
    deploy goes on); with one row the same DROP stops at the gate.  A table under row security is not read:
    what the deploy role sees need not be the truth, so its drop stays a review finding."""
    project.add("tables", 'CREATE TABLE spare (id int);\nCREATE TABLE "Kept" (id int);\n'
                'CREATE TABLE guarded (id int);\nALTER TABLE guarded ENABLE ROW LEVEL SECURITY;\n')
    assert pgshift.run_db("deploy").returncode == 0
    db.query('INSERT INTO "Kept" VALUES (1)')

    project.add("drop_spare", "DROP TABLE spare;\n")
    r = pgshift.run_db("lint")
    assert r.returncode == 0, r.stdout + r.stderr
    assert 'info  drop-table  table "spare" is empty in the target database: nothing to lose' in r.stdout, r.stdout
    r = pgshift.run_db("deploy")
    assert r.returncode == 0, r.stdout + r.stderr
    assert not db.table_exists("spare")

    drop_kept = project.add("drop_kept", 'DROP TABLE "Kept";\n')
    r = pgshift.run_db("deploy")
    assert r.returncode == 3, r.stdout + r.stderr
    assert 'review  drop-table  dropping table "Kept" deletes its data' in r.stdout, r.stdout
    assert db.scalar('SELECT count(*) FROM "Kept"') == 1
    assert pgshift.run_db("deploy", "--approve", drop_kept).returncode == 0

    project.add("drop_guarded", "DROP TABLE guarded;\n")
    r = pgshift.run_db("deploy")
    assert r.returncode == 3, r.stdout + r.stderr
    assert 'review  drop-table  dropping table "guarded" deletes its data' in r.stdout, r.stdout
    assert db.table_exists("guarded")
