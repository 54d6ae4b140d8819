/*
 * Unit tests of the linter: each rule fires on its case and stays quiet on
 * a close look-alike; context, versions, directives and the reporters.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lint/lint.h"
#include "lint/rule.h"
#include "util/fsutil.h"

static int version = 150000;

static char *stub_type(void *ctx, const char *schema, const char *table, const char *column)
{
	(void)ctx;
	(void)schema;
	(void)table;
	if (!strcmp(column, "name"))
		return strdup("character varying(50)");
	if (!strcmp(column, "price"))
		return strdup("numeric(10,2)");
	return strdup("integer");
}

/* Lints sql as one migration; returns how many findings of rule it produced. */
static int count(const char *sql, const char *rule)
{
	struct lint_opts o = { .pg_version = version, .batch = true, .column_type = stub_type };
	struct lint_run run;
	int n = 0;

	lint_init(&run, &o);
	lint_file(&run, "m.sql", sql, "20250101000000_m");
	for (size_t i = 0; i < run.out.n; i++)
		if (!strcmp(run.out.items[i].rule, rule))
			n++;
	lint_free(&run);
	return n;
}

#define FIRES(sql, rule) do { if (count(sql, rule) < 1) fail_msg("%s did not fire on: %s", rule, sql); } while (0)
#define QUIET(sql, rule) do { if (count(sql, rule) != 0) fail_msg("%s fired on: %s", rule, sql); } while (0)

static void test_drops(void **state)
{
	(void)state;
	FIRES("DROP TABLE users;", "drop-table");
	QUIET("CREATE TABLE t (id int);\nDROP TABLE t;", "drop-table");
	QUIET("SELECT 'DROP TABLE users';", "drop-table");
	QUIET("-- DROP TABLE users;\nSELECT 1;", "drop-table");
	QUIET("DO $$ BEGIN DROP TABLE users; END $$;", "drop-table");
	QUIET("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $f$ DROP TABLE users $f$;", "drop-table");
	FIRES("DROP SCHEMA app CASCADE;", "drop-schema");
	QUIET("CREATE SCHEMA app;\nDROP SCHEMA app;", "drop-schema");
	FIRES("DROP DATABASE other;", "drop-database");
	FIRES("DROP VIEW v;", "drop-object");
	FIRES("DROP FUNCTION f(int);", "drop-object");
	FIRES("DROP TYPE mood;", "drop-object");
	FIRES("DROP SEQUENCE s;", "drop-object");
	QUIET("CREATE VIEW v AS SELECT 1;\nDROP VIEW v;", "drop-object");
	QUIET("CREATE TYPE mood AS ENUM ('a');\nDROP TYPE mood;", "drop-object");
	FIRES("DROP INDEX users_email_idx;", "drop-index");
	FIRES("DROP INDEX CONCURRENTLY users_email_idx;", "drop-index");
	QUIET("CREATE INDEX i ON users (a);\nDROP INDEX i;", "drop-index");
	FIRES("TRUNCATE users;", "truncate");
	QUIET("CREATE TABLE t (id int);\nTRUNCATE t;", "truncate");
}

static void test_alter_table_review(void **state)
{
	(void)state;
	FIRES("ALTER TABLE users DROP COLUMN old_field;", "drop-column");
	FIRES("ALTER TABLE users ADD COLUMN b int, DROP COLUMN old_field;", "drop-column");
	QUIET("CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;", "drop-column");
	QUIET("ALTER TABLE users ADD COLUMN b int;", "drop-column");
	FIRES("ALTER TABLE users ALTER COLUMN id TYPE bigint;", "alter-column-type");
	FIRES("ALTER TABLE users ALTER COLUMN name TYPE varchar(20);", "alter-column-type");
	QUIET("ALTER TABLE users ALTER COLUMN name TYPE varchar(200);", "alter-column-type");
	QUIET("ALTER TABLE users ALTER COLUMN name TYPE text;", "alter-column-type");
	QUIET("ALTER TABLE users ALTER COLUMN price TYPE numeric(12,2);", "alter-column-type");
	FIRES("ALTER TABLE users ALTER COLUMN price TYPE numeric(12,3);", "alter-column-type");
	FIRES("ALTER TABLE users ADD COLUMN n int NOT NULL;", "add-not-null-column-without-default");
	QUIET("ALTER TABLE users ADD COLUMN n int;", "add-not-null-column-without-default");
	QUIET("ALTER TABLE users ADD COLUMN n int NOT NULL DEFAULT 0;", "add-not-null-column-without-default");
	QUIET("CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN n int NOT NULL;", "add-not-null-column-without-default");
	FIRES("ALTER TABLE users RENAME COLUMN a TO b;", "rename");
	FIRES("ALTER TABLE users RENAME TO people;", "rename");
	QUIET("CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;", "rename");
	QUIET("ALTER TABLE users RENAME CONSTRAINT a TO b;", "rename");
}

static void test_warnings(void **state)
{
	(void)state;
	FIRES("CREATE INDEX i ON users (email);", "non-concurrent-index");
	QUIET("CREATE INDEX CONCURRENTLY i ON users (email);", "non-concurrent-index");
	QUIET("CREATE TABLE t (id int);\nCREATE INDEX i ON t (id);", "non-concurrent-index");
	FIRES("REINDEX TABLE users;", "non-concurrent-reindex");
	QUIET("REINDEX TABLE CONCURRENTLY users;", "non-concurrent-reindex");
	FIRES("ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id);", "fk-without-not-valid");
	QUIET("ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID;", "fk-without-not-valid");
	FIRES("ALTER TABLE o ADD COLUMN u int REFERENCES users (id);", "fk-without-not-valid");
	FIRES("ALTER TABLE o ADD CONSTRAINT c CHECK (a > 0);", "check-without-not-valid");
	QUIET("ALTER TABLE o ADD CONSTRAINT c CHECK (a > 0) NOT VALID;", "check-without-not-valid");
	FIRES("ALTER TABLE users ALTER COLUMN email SET NOT NULL;", "set-not-null");
	QUIET("ALTER TABLE users ALTER COLUMN email DROP NOT NULL;", "set-not-null");
	FIRES("ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);", "unique-without-index");
	FIRES("ALTER TABLE users ADD PRIMARY KEY (id);", "unique-without-index");
	QUIET("ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX users_email_idx;", "unique-without-index");
	FIRES("ALTER TABLE users ADD COLUMN u uuid DEFAULT gen_random_uuid();", "volatile-default");
	FIRES("ALTER TABLE users ADD COLUMN r float DEFAULT random();", "volatile-default");
	QUIET("ALTER TABLE users ADD COLUMN email varchar(255) DEFAULT '';", "volatile-default");
	QUIET("ALTER TABLE users ADD COLUMN at timestamptz DEFAULT now();", "volatile-default");
	FIRES("ALTER TABLE users ADD COLUMN id2 bigserial;", "table-rewrite");
	FIRES("ALTER TABLE users ADD COLUMN id2 int GENERATED ALWAYS AS IDENTITY;", "table-rewrite");
	FIRES("ALTER TABLE users ADD COLUMN t int GENERATED ALWAYS AS (a * 2) STORED;", "table-rewrite");
	FIRES("ALTER TABLE users SET LOGGED;", "table-rewrite");
	FIRES("VACUUM FULL users;", "table-rewrite");
	FIRES("CLUSTER users USING users_pkey;", "table-rewrite");
	QUIET("VACUUM users;", "table-rewrite");
	QUIET("ALTER TABLE users ADD COLUMN n int;", "table-rewrite");
	FIRES("LOCK TABLE users IN ACCESS EXCLUSIVE MODE;", "lock-table");
	FIRES("CREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY i ON users (a);", "concurrently-in-transaction");
	QUIET("CREATE INDEX CONCURRENTLY i ON users (a);", "concurrently-in-transaction");
	QUIET("-- pgshift:no-transaction\nCREATE TABLE IF NOT EXISTS t (id int);\nCREATE INDEX CONCURRENTLY i ON users (a);",
	      "concurrently-in-transaction");
	FIRES("ALTER TYPE mood ADD VALUE 'meh';", "enum-add-value");
	QUIET("ALTER TYPE mood RENAME VALUE 'a' TO 'b';", "enum-add-value");
	QUIET("CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood ADD VALUE 'b';", "enum-add-value");
	FIRES("ALTER TABLE users ADD COLUMN e text;\nUPDATE users SET e = 'x' WHERE e IS NULL;", "dml-with-ddl");
	FIRES("ALTER TABLE users ADD COLUMN e text;\nINSERT INTO users (e) SELECT e FROM other;", "dml-with-ddl");
	QUIET("ALTER TABLE users ADD COLUMN e text;\nINSERT INTO users (e) VALUES ('x');", "dml-with-ddl");
	QUIET("ALTER TABLE users ADD COLUMN e text;\nUPDATE orders SET a = 1 WHERE id = 2;", "dml-with-ddl");
	FIRES("SET lock_timeout = 0;", "disables-timeout");
	FIRES("SET statement_timeout = '0';", "disables-timeout");
	QUIET("SET lock_timeout = '5s';", "disables-timeout");
	QUIET("SET work_mem = 0;", "disables-timeout");
	FIRES("BEGIN;\nSELECT 1;\nCOMMIT;", "transaction-control");
	QUIET("SELECT 'BEGIN';", "transaction-control");
	FIRES("-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY i ON users (a);", "not-idempotent-no-tx");
	QUIET("-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON users (a);", "not-idempotent-no-tx");
	QUIET("CREATE TABLE t (id int);", "not-idempotent-no-tx");
	/* DML that does something else the second time */
	FIRES("-- pgshift:no-transaction\nINSERT INTO users (a) VALUES (1);", "not-idempotent-no-tx");
	FIRES("-- pgshift:no-transaction\nINSERT INTO users (a) SELECT a FROM other;", "not-idempotent-no-tx");
	QUIET("-- pgshift:no-transaction\nINSERT INTO users (a) VALUES (1) ON CONFLICT DO NOTHING;", "not-idempotent-no-tx");
	QUIET("-- pgshift:no-transaction\nINSERT INTO users (a) SELECT 1 WHERE NOT EXISTS "
	      "(SELECT 1 FROM users WHERE a = 1);", "not-idempotent-no-tx");
	FIRES("-- pgshift:no-transaction\nUPDATE users SET n = n + 1 WHERE id = 5;", "not-idempotent-no-tx");
	FIRES("-- pgshift:no-transaction\nUPDATE users SET a = b, b = a WHERE id > 0;", "not-idempotent-no-tx");
	QUIET("-- pgshift:no-transaction\nUPDATE users SET n = n + 1, done = true WHERE NOT done;", "not-idempotent-no-tx");
	QUIET("-- pgshift:no-transaction\nUPDATE users SET email_lower = lower(email) WHERE id > 0;",
	      "not-idempotent-no-tx");
	QUIET("-- pgshift:no-transaction\nDELETE FROM users WHERE id = 1;", "not-idempotent-no-tx");
	QUIET("INSERT INTO users (a) VALUES (1);", "not-idempotent-no-tx");
	FIRES("DELETE FROM users;", "unbounded-dml");
	FIRES("UPDATE users SET a = 1;", "unbounded-dml");
	QUIET("DELETE FROM users WHERE id = 1;", "unbounded-dml");
	QUIET("UPDATE users SET email = 'x' WHERE email = '';", "unbounded-dml");
}

static int count_hints(const char *sql, const char *rule, bool hints)
{
	struct lint_opts o = { .pg_version = 150000, .hints = hints };
	struct lint_run run;
	int n = 0;

	lint_init(&run, &o);
	lint_file(&run, "m.sql", sql, NULL);
	for (size_t i = 0; i < run.out.n; i++)
		n += !strcmp(run.out.items[i].rule, rule);
	lint_free(&run);
	return n;
}

static void test_hints(void **state)
{
	(void)state;
	assert_int_equal(count_hints("CREATE TABLE t (id int PRIMARY KEY);", "prefer-bigint", true), 1);
	assert_int_equal(count_hints("CREATE TABLE t (id int PRIMARY KEY);", "prefer-bigint", false), 0);
	assert_int_equal(count_hints("CREATE TABLE t (id bigint PRIMARY KEY);", "prefer-bigint", true), 0);
	assert_int_equal(count_hints("CREATE TABLE t (id serial);", "prefer-identity", true), 1);
	assert_int_equal(count_hints("CREATE TABLE t (n varchar(20));", "prefer-text", true), 1);
	assert_int_equal(count_hints("CREATE TABLE t (n text);", "prefer-text", true), 0);
	assert_int_equal(count_hints("CREATE TABLE t (at timestamp);", "prefer-timestamptz", true), 1);
	assert_int_equal(count_hints("CREATE TABLE t (at timestamptz);", "prefer-timestamptz", true), 0);
	assert_int_equal(count_hints("CREATE TABLE t (c char(2));", "ban-char", true), 1);
	assert_int_equal(count_hints("ALTER TABLE t ADD COLUMN c char(2);", "ban-char", true), 1);
}

static void test_versions(void **state)
{
	(void)state;
	version = 100000;
	FIRES("ALTER TABLE users ADD COLUMN email varchar(255) DEFAULT '';", "volatile-default");
	QUIET("REINDEX TABLE users;", "non-concurrent-reindex");
	version = 110000;
	QUIET("ALTER TABLE users ADD COLUMN email varchar(255) DEFAULT '';", "volatile-default");
	version = 150000;
}

static void test_directives(void **state)
{
	struct lint_opts o = { .pg_version = 150000 };
	struct lint_run run;

	(void)state;
	lint_init(&run, &o);
	lint_file(&run, "m.sql",
		  "-- pgshift:allow drop-column because: unused since v42\n"
		  "ALTER TABLE users DROP COLUMN a;\n"
		  "ALTER TABLE users DROP COLUMN b;\n",
		  "m");
	assert_int_equal(run.out.n, 2);
	assert_string_equal(run.out.items[0].ack, "unused since v42");	/* file-wide: before the first statement */
	assert_string_equal(run.out.items[1].ack, "unused since v42");
	assert_int_equal(lint_exit_code(&run.out, false), 0);
	lint_free(&run);

	lint_init(&run, &o);
	lint_file(&run, "m.sql",
		  "SELECT 1;\n"
		  "-- pgshift:allow drop-column because: only this one\n"
		  "ALTER TABLE users DROP COLUMN a;\n"
		  "ALTER TABLE users DROP COLUMN b;\n",
		  "m");
	assert_int_equal(run.out.n, 2);
	assert_non_null(run.out.items[0].ack);
	assert_null(run.out.items[1].ack);
	assert_int_equal(lint_exit_code(&run.out, false), 3);
	lint_approve(&run, "m");
	assert_int_equal(lint_exit_code(&run.out, false), 0);
	lint_free(&run);

	assert_int_equal(count("-- pgshift:allow drop-column\nALTER TABLE users DROP COLUMN a;", "invalid-directive"), 1);
	assert_int_equal(count("-- pgshift:allow no-such-rule because: x\nSELECT 1;", "invalid-directive"), 1);
	assert_int_equal(count("-- pgshift:frobnicate\nSELECT 1;", "invalid-directive"), 1);
	assert_int_equal(count("-- pgshift:no-transaction\nSELECT 1;", "invalid-directive"), 0);
}

static void test_syntax_error_and_strict(void **state)
{
	struct lint_opts o = { .pg_version = 150000 };
	struct lint_run run;

	(void)state;
	lint_init(&run, &o);
	lint_file(&run, "m.sql", "SELECT 1;\nSELEC 2;\n", NULL);
	assert_int_equal(run.out.n, 1);
	assert_string_equal(run.out.items[0].rule, "syntax-error");
	assert_int_equal(run.out.items[0].line, 2);
	assert_int_equal(run.out.items[0].col, 1);
	assert_non_null(strstr(run.out.items[0].message, "syntax error at or near \"SELEC\""));
	assert_int_equal(lint_exit_code(&run.out, false), 1);
	lint_free(&run);

	lint_init(&run, &o);
	lint_file(&run, "m.sql", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", NULL);
	assert_int_equal(lint_exit_code(&run.out, false), 0);
	assert_int_equal(lint_exit_code(&run.out, true), 3);
	lint_free(&run);
}

static void test_batch_context(void **state)
{
	struct lint_opts o = { .pg_version = 150000, .batch = true };
	struct lint_run run;

	(void)state;
	lint_init(&run, &o);
	lint_file(&run, "1.sql", "CREATE TABLE t (id int);", "1");
	lint_file(&run, "2.sql", "CREATE INDEX t_id ON t (id);\nALTER TABLE t ALTER COLUMN id SET NOT NULL;", "2");
	assert_int_equal(run.out.n, 0);
	lint_free(&run);

	/* not a batch: each file on its own, so the table of file 1 may hold data by file 2 */
	o.batch = false;
	lint_init(&run, &o);
	lint_file(&run, "1.sql", "CREATE TABLE t (id int);", "1");
	lint_file(&run, "2.sql", "CREATE INDEX t_id ON t (id);", "2");
	assert_int_equal(run.out.n, 1);
	lint_free(&run);
}

/* Lints the files as one batch (or each on its own); returns how many findings of rule. */
static int count_files(bool batch, const char *const *files, const char *rule)
{
	struct lint_opts o = { .pg_version = version, .batch = batch };
	struct lint_run run;
	int n = 0;

	lint_init(&run, &o);
	for (size_t i = 0; files[i]; i++)
		lint_file(&run, "m.sql", files[i], "m");
	for (size_t i = 0; i < run.out.n; i++)
		n += !strcmp(run.out.items[i].rule, rule);
	lint_free(&run);
	return n;
}

/* "created earlier in the batch" is keyed by schema and name, resolved through search_path (issue 16). */
static void test_created_by_schema(void **state)
{
	(void)state;
	/* the two walk-arounds of the issue */
	FIRES("CREATE TABLE archive.users (id int);\nALTER TABLE public.users DROP COLUMN email;", "drop-column");
	FIRES("CREATE TABLE IF NOT EXISTS users (id int);\nALTER TABLE users DROP COLUMN email;", "drop-column");
	/* unqualified means public by default */
	QUIET("CREATE TABLE users (id int, email text);\nALTER TABLE public.users DROP COLUMN email;", "drop-column");
	QUIET("CREATE TABLE public.users (id int, email text);\nALTER TABLE users DROP COLUMN email;", "drop-column");
	FIRES("CREATE TABLE users (id int);\nALTER TABLE archive.users DROP COLUMN email;", "drop-column");
	QUIET("CREATE TABLE archive.users (id int, email text);\nALTER TABLE archive.users DROP COLUMN email;", "drop-column");
	/* quoted names keep their case, unquoted ones are folded */
	FIRES("CREATE TABLE \"Users\" (id int);\nALTER TABLE users DROP COLUMN email;", "drop-column");
	QUIET("CREATE TABLE \"Users\" (id int, email text);\nALTER TABLE \"Users\" DROP COLUMN email;", "drop-column");
	QUIET("CREATE TABLE Users (id int, email text);\nALTER TABLE USERS DROP COLUMN email;", "drop-column");
	FIRES("CREATE TABLE \"Archive\".users (id int);\nALTER TABLE archive.users DROP COLUMN email;", "drop-column");
	/* a temporary table comes first in the search, and only there */
	QUIET("CREATE TEMP TABLE users (id int, email text);\nALTER TABLE users DROP COLUMN email;", "drop-column");
	FIRES("CREATE TEMP TABLE users (id int);\nALTER TABLE public.users DROP COLUMN email;", "drop-column");
	/* a new schema's objects, with and without elements */
	QUIET("CREATE SCHEMA x;\nCREATE TABLE x.t (a int, b int);\nALTER TABLE x.t DROP COLUMN b;", "drop-column");
	QUIET("CREATE SCHEMA app CREATE TABLE users (id int, email text);\nALTER TABLE app.users DROP COLUMN email;",
	      "drop-column");
	FIRES("CREATE SCHEMA app CREATE TABLE users (id int);\nALTER TABLE users DROP COLUMN email;", "drop-column");
}

static void test_created_search_path(void **state)
{
	(void)state;
	QUIET("SET search_path TO archive;\nCREATE TABLE users (id int, email text);\n"
	      "ALTER TABLE archive.users DROP COLUMN email;", "drop-column");
	FIRES("SET search_path TO archive;\nCREATE TABLE users (id int);\nALTER TABLE public.users DROP COLUMN email;",
	      "drop-column");
	/* an unqualified name is new only when created in the path's first schema */
	FIRES("CREATE TABLE archive.users (id int);\nSET search_path TO public, archive;\n"
	      "ALTER TABLE users DROP COLUMN email;", "drop-column");
	QUIET("CREATE TABLE archive.users (id int, email text);\nSET search_path TO archive, public;\n"
	      "ALTER TABLE users DROP COLUMN email;", "drop-column");
	FIRES("SET search_path TO archive;\nCREATE TABLE users (id int);\nRESET search_path;\n"
	      "ALTER TABLE users DROP COLUMN email;", "drop-column");
	FIRES("SET search_path TO archive;\nCREATE TABLE users (id int);\nSET search_path TO DEFAULT;\n"
	      "ALTER TABLE users DROP COLUMN email;", "drop-column");
	FIRES("SET search_path TO archive;\nCREATE TABLE users (id int);\nRESET ALL;\nALTER TABLE users DROP COLUMN email;",
	      "drop-column");
	QUIET("SET search_path TO \"$user\", public;\nCREATE TABLE users (id int, email text);\n"
	      "ALTER TABLE public.users DROP COLUMN email;", "drop-column");
	/* a string names the schema as written; an identifier is folded */
	QUIET("SET search_path = 'Archive';\nCREATE TABLE users (id int, email text);\n"
	      "ALTER TABLE \"Archive\".users DROP COLUMN email;", "drop-column");
	FIRES("SET search_path = Archive;\nCREATE TABLE users (id int);\nALTER TABLE \"Archive\".users DROP COLUMN email;",
	      "drop-column");
	/* set_config() cannot be followed: nothing unqualified is new after it */
	FIRES("SELECT set_config('search_path', 'archive', false);\nCREATE TABLE users (id int);\n"
	      "ALTER TABLE users DROP COLUMN email;", "drop-column");
	FIRES("SELECT set_config('search_path', 'archive', false);\nCREATE TABLE users (id int);\n"
	      "ALTER TABLE public.users DROP COLUMN email;", "drop-column");
	/* SET LOCAL in a transactional migration; outside a transaction it does nothing */
	QUIET("SET LOCAL search_path TO archive;\nCREATE TABLE users (id int, email text);\n"
	      "ALTER TABLE archive.users DROP COLUMN email;", "drop-column");
	FIRES("-- pgshift:no-transaction\nSET LOCAL search_path TO archive;\nCREATE TABLE users (id int);\n"
	      "ALTER TABLE archive.users DROP COLUMN email;", "drop-column");
	/* deploy runs a batch in one session: SET lasts into the next migration, SET LOCAL does not */
	{
		const char *session[] = { "SET search_path TO archive;",
					  "CREATE TABLE users (id int, email text);\nALTER TABLE archive.users DROP COLUMN email;",
					  NULL };
		const char *local[] = { "SET LOCAL search_path TO archive;",
					"CREATE TABLE users (id int);\nALTER TABLE archive.users DROP COLUMN email;", NULL };

		assert_int_equal(count_files(true, session, "drop-column"), 0);
		assert_int_equal(count_files(false, session, "drop-column"), 1);
		assert_int_equal(count_files(true, local, "drop-column"), 1);
	}
}

/* IF NOT EXISTS and OR REPLACE may leave the old object, with its data, in place: not new. */
static void test_created_if_not_exists(void **state)
{
	(void)state;
	FIRES("CREATE TABLE IF NOT EXISTS t (id int);\nTRUNCATE t;", "truncate");
	FIRES("CREATE TABLE IF NOT EXISTS t2 AS SELECT 1 AS a;\nTRUNCATE t2;", "truncate");
	FIRES("CREATE INDEX IF NOT EXISTS i ON t (a);\nDROP INDEX i;", "drop-index");
	FIRES("CREATE SEQUENCE IF NOT EXISTS s;\nDROP SEQUENCE s;", "drop-object");
	FIRES("CREATE OR REPLACE VIEW v AS SELECT 1;\nDROP VIEW v;", "drop-object");
	FIRES("CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1;\nDROP MATERIALIZED VIEW mv;", "drop-object");
	FIRES("CREATE SCHEMA IF NOT EXISTS app;\nDROP SCHEMA app;", "drop-schema");
	FIRES("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1';\nDROP FUNCTION f();", "drop-object");
	QUIET("CREATE SEQUENCE s;\nDROP SEQUENCE s;", "drop-object");
	QUIET("CREATE MATERIALIZED VIEW mv AS SELECT 1;\nDROP MATERIALIZED VIEW mv;", "drop-object");
	QUIET("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1';\nDROP FUNCTION f();", "drop-object");
}

/* Indexes, types and functions are resolved by schema too. */
static void test_created_other_kinds(void **state)
{
	(void)state;
	/* an index lives in its table's schema */
	FIRES("CREATE INDEX i ON archive.t (a);\nDROP INDEX i;", "drop-index");
	QUIET("CREATE INDEX i ON archive.t (a);\nDROP INDEX archive.i;", "drop-index");
	QUIET("SET search_path TO archive;\nCREATE INDEX i ON t (a);\nDROP INDEX archive.i;", "drop-index");
	/* with two schemas in the path the table, and so the index, may be in either */
	FIRES("SET search_path TO a, b;\nCREATE INDEX i ON t (x);\nDROP INDEX i;", "drop-index");
	FIRES("CREATE TYPE archive.mood AS ENUM ('a');\nDROP TYPE mood;", "drop-object");
	QUIET("CREATE TYPE archive.mood AS ENUM ('a');\nDROP TYPE archive.mood;", "drop-object");
	FIRES("CREATE TYPE archive.mood AS ENUM ('a');\nALTER TYPE public.mood ADD VALUE 'b';", "enum-add-value");
	QUIET("CREATE TYPE mood AS ENUM ('a');\nALTER TYPE public.mood ADD VALUE 'b';", "enum-add-value");
	FIRES("CREATE DOMAIN archive.d AS int;\nDROP DOMAIN d;", "drop-object");
	FIRES("CREATE VIEW archive.v AS SELECT 1;\nDROP VIEW public.v;", "drop-object");
	/* a function is told apart by its input argument types */
	FIRES("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'select 1';\nDROP FUNCTION f(text);", "drop-object");
	QUIET("CREATE FUNCTION f(a integer) RETURNS int LANGUAGE sql AS 'select 1';\nDROP FUNCTION f(int);", "drop-object");
	QUIET("CREATE FUNCTION f(a int, OUT b int) LANGUAGE sql AS 'select 1';\nDROP FUNCTION f(int);", "drop-object");
	QUIET("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'select 1';\nDROP FUNCTION f;", "drop-object");
	FIRES("CREATE FUNCTION archive.f() RETURNS int LANGUAGE sql AS 'select 1';\nDROP FUNCTION f();", "drop-object");
}

/* Renames and moves: a new object stays new under its new name; an old one brings its data. */
static void test_created_renames(void **state)
{
	(void)state;
	QUIET("CREATE TABLE t (a int, b int);\nALTER TABLE t RENAME TO u;\nALTER TABLE u DROP COLUMN b;", "drop-column");
	FIRES("CREATE TABLE t (a int, b int);\nALTER TABLE t RENAME TO u;\nALTER TABLE t DROP COLUMN b;", "drop-column");
	/* a column renamed is not a table */
	FIRES("CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO users;\nALTER TABLE users DROP COLUMN email;",
	      "drop-column");
	/* an old table renamed or moved into a name the batch created */
	FIRES("CREATE TABLE t (a int);\nDROP TABLE t;\nALTER TABLE users RENAME TO t;\nALTER TABLE t DROP COLUMN email;",
	      "drop-column");
	FIRES("CREATE TABLE t (a int);\nALTER TABLE t RENAME TO t_new;\nALTER TABLE users RENAME TO t;\n"
	      "ALTER TABLE t DROP COLUMN email;", "drop-column");
	FIRES("CREATE TABLE x.users (id int);\nDROP TABLE x.users;\nALTER TABLE public.users SET SCHEMA x;\n"
	      "ALTER TABLE x.users DROP COLUMN email;", "drop-column");
	QUIET("CREATE TABLE users (id int, email text);\nALTER TABLE users SET SCHEMA x;\n"
	      "ALTER TABLE x.users DROP COLUMN email;", "drop-column");
	QUIET("CREATE INDEX i ON t (a);\nALTER INDEX i RENAME TO j;\nDROP INDEX j;", "drop-index");
	FIRES("CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood RENAME TO feeling;\nDROP TYPE mood;", "drop-object");
	QUIET("CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood RENAME TO feeling;\nDROP TYPE feeling;", "drop-object");
	/* schemas: a new one renamed keeps its new objects; an old one renamed into a dropped new one does not */
	QUIET("CREATE SCHEMA x;\nCREATE TABLE x.t (a int, b int);\nALTER SCHEMA x RENAME TO y;\n"
	      "ALTER TABLE y.t DROP COLUMN b;", "drop-column");
	FIRES("CREATE SCHEMA x;\nCREATE TABLE x.users (id int);\nDROP SCHEMA x CASCADE;\n"
	      "ALTER SCHEMA archive RENAME TO x;\nALTER TABLE x.users DROP COLUMN email;", "drop-column");
	FIRES("CREATE SCHEMA x;\nALTER SCHEMA x RENAME TO y;\nALTER SCHEMA archive RENAME TO x;\nDROP SCHEMA x;",
	      "drop-schema");
	/* functions */
	FIRES("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1';\nDROP FUNCTION f();\n"
	      "ALTER FUNCTION g() RENAME TO f;\nDROP FUNCTION f();", "drop-object");
	QUIET("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'select 1';\nALTER FUNCTION f(int) RENAME TO g;\n"
	      "DROP FUNCTION g(int);", "drop-object");
}

static void test_brief_examples(void **state)
{
	struct lint_opts o = { .pg_version = 150000 };
	struct lint_run run;

	(void)state;
	lint_init(&run, &o);
	lint_file(&run, "1.sql", "ALTER TABLE users ADD COLUMN email VARCHAR(255) DEFAULT '';", "1");
	lint_file(&run, "2.sql", "UPDATE users SET email = 'user@example.com' WHERE email = '';", "2");
	lint_file(&run, "3.sql", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;", "3");
	assert_int_equal(run.out.n, 1);
	assert_string_equal(run.out.items[0].rule, "set-not-null");
	assert_int_equal(run.out.items[0].sev, SEV_WARNING);
	assert_non_null(strstr(run.out.items[0].safe, "CHECK (email IS NOT NULL) NOT VALID"));
	lint_free(&run);
	assert_int_equal(count("ALTER TABLE users DROP COLUMN old_field;", "drop-column"), 1);
}

/* Golden outputs: a fixed input, compared with the files in tests/unit/golden/. */
static const char *golden_sql =
	"-- pgshift:allow drop-table because: archived in ticket 12\n"
	"DROP TABLE legacy;\n"
	"ALTER TABLE users DROP COLUMN old_field;\n"
	"ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n";

static void check_golden(const char *name, const char *got)
{
	char *path = xasprintf("%s/golden/%s", getenv("UNIT_DIR") ? getenv("UNIT_DIR") : "tests/unit", name);
	struct buf want = BUF_INIT;
	struct pgs_error err = PGS_ERROR_INIT;
	FILE *f = fopen(path, "r");

	if (!f && !getenv("UPDATE_GOLDEN"))
		fail_msg("missing golden file %s (run with UPDATE_GOLDEN=1 to write it, then review it)", path);
	if (getenv("UPDATE_GOLDEN")) {
		if (f)
			fclose(f);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(got, f);
		fclose(f);
		free(path);
		return;
	}
	fclose(f);
	assert_int_equal(fs_read_file(path, &want, &err), 0);
	assert_string_equal(got, want.data);
	buf_release(&want);
	free(path);
}

/*
 * The rule table is data: every entry has a check, the entries of one id
 * agree on severity and the first of them carries the summary, so the
 * catalogue lists each id once.
 */
static void test_rule_table(void **state)
{
	size_t listed = 0, ids = 0;

	(void)state;
	for (const struct rule *r = lint_rule_table; r->id; r++) {
		const struct rule *first = lint_rule_table;

		assert_non_null(r->check);
		while (strcmp(first->id, r->id))
			first++;
		assert_int_equal(first->sev, r->sev);
		assert_non_null(first->summary);
		if (first == r)
			ids++;
		else
			assert_null(r->summary);
	}
	for (const struct rule_info *i = lint_rules(); i->id; i++)
		listed++;
	assert_int_equal(listed, ids);
}

static void test_golden_reports(void **state)
{
	struct lint_opts o = { .pg_version = 150000 };
	struct lint_run run;
	struct buf text = BUF_INIT, json = BUF_INIT, sarif = BUF_INIT, gh = BUF_INIT;

	(void)state;
	lint_init(&run, &o);
	lint_file(&run, "migrations/20250101000000_x/migration.sql", golden_sql, "20250101000000_x");
	lint_report_text(&run.out, false, false, &text);
	lint_report_json(&run.out, false, &json);
	lint_report_sarif(&run.out, &sarif);
	lint_report_github(&run.out, false, &gh);
	check_golden("report.txt", text.data);
	check_golden("report.json", json.data);
	check_golden("report.sarif", sarif.data);
	check_golden("report.github", gh.data);
	buf_release(&text);
	buf_release(&json);
	buf_release(&gh);
	lint_free(&run);

	/* SARIF 2.1.0: the fields its schema requires, and what code scanning reads. */
	{
		json_error_t jerr;
		json_t *root = json_loads(sarif.data, 0, &jerr);
		json_t *run0, *driver, *results;

		assert_non_null(root);
		assert_string_equal(json_string_value(json_object_get(root, "version")), "2.1.0");
		assert_non_null(json_object_get(root, "$schema"));
		run0 = json_array_get(json_object_get(root, "runs"), 0);
		driver = json_object_get(json_object_get(run0, "tool"), "driver");
		assert_string_equal(json_string_value(json_object_get(driver, "name")), "pgshift");
		assert_true(json_array_size(json_object_get(driver, "rules")) >= 25);
		results = json_object_get(run0, "results");
		assert_int_equal(json_array_size(results), 3);
		for (size_t i = 0; i < json_array_size(results); i++) {
			json_t *r = json_array_get(results, i);
			json_t *loc = json_object_get(json_array_get(json_object_get(r, "locations"), 0), "physicalLocation");

			assert_non_null(json_string_value(json_object_get(json_object_get(r, "message"), "text")));
			assert_non_null(json_string_value(json_object_get(r, "ruleId")));
			assert_non_null(json_string_value(json_object_get(json_object_get(loc, "artifactLocation"), "uri")));
			assert_true(json_integer_value(json_object_get(json_object_get(loc, "region"), "startLine")) >= 1);
		}
		/* the acknowledged finding is a suppression, not an open alert */
		assert_non_null(json_object_get(json_array_get(results, 0), "suppressions"));
		json_decref(root);
	}
	buf_release(&sarif);
}

static char *stub_fk(void *ctx, const char *schema1, const char *table1, const char *schema2, const char *table2)
{
	(void)ctx;
	(void)schema1;
	(void)schema2;
	if ((!strcmp(table1, "users") && !strcmp(table2, "posts")) || (!strcmp(table1, "posts") && !strcmp(table2, "users")))
		return strdup("posts_user_id_fkey (posts references users)");
	return NULL;
}

/* The message of the only finding of rule, or NULL (new string). */
static char *message_of(const char *sql, const char *rule, lint_fk_lookup fk)
{
	struct lint_opts o = { .pg_version = version, .batch = true, .foreign_key = fk };
	struct lint_run run;
	char *msg = NULL;

	lint_init(&run, &o);
	lint_file(&run, "m.sql", sql, "m");
	for (size_t i = 0; i < run.out.n; i++)
		if (!strcmp(run.out.items[i].rule, rule)) {
			assert_null(msg);
			msg = strdup(run.out.items[i].message);
		}
	lint_free(&run);
	return msg;
}

/* Issue 14: one transaction that locks two existing tables queues the app on both and deadlocks with it. */
static void test_multiple_tables_locked(void **state)
{
	const char *two = "ALTER TABLE users ADD COLUMN a int;\nALTER TABLE posts ADD COLUMN b int;\n";
	const char *files[] = { "CREATE TABLE posts (id int);\n", two, NULL };
	char *msg;

	(void)state;
	FIRES(two, "multiple-tables-locked");
	assert_int_equal(count("ALTER TABLE users ADD COLUMN a int;\nALTER TABLE posts ADD COLUMN b int;\n"
			       "ALTER TABLE tags ADD COLUMN c int;\n", "multiple-tables-locked"), 1);	/* once per file */
	FIRES("ALTER TABLE users ADD COLUMN a int;\nTRUNCATE posts;\n", "multiple-tables-locked");
	FIRES("ALTER TABLE users ADD COLUMN a int;\nLOCK TABLE posts IN SHARE ROW EXCLUSIVE MODE;\n",
	      "multiple-tables-locked");
	FIRES("ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (uid) REFERENCES users NOT VALID;\n"
	      "ALTER TABLE users ADD COLUMN a int;\n", "multiple-tables-locked");
	/* one table, several statements */
	QUIET("ALTER TABLE users ADD COLUMN a int;\nALTER TABLE users ADD COLUMN b int;\n", "multiple-tables-locked");
	QUIET("ALTER TABLE users ADD COLUMN a int;\nALTER TABLE public.users ADD COLUMN b int;\n",
	      "multiple-tables-locked");
	/* a new table holds no data and no application waits for it */
	QUIET("CREATE TABLE tags (id int);\nALTER TABLE tags ADD COLUMN a int;\nALTER TABLE posts ADD COLUMN b int;\n",
	      "multiple-tables-locked");
	assert_int_equal(count_files(true, files, "multiple-tables-locked"), 0);
	/* one statement that must lock two tables (a foreign key) has no safer split */
	QUIET("ALTER TABLE posts ADD CONSTRAINT fk FOREIGN KEY (uid) REFERENCES users NOT VALID;\n",
	      "multiple-tables-locked");
	/* weak locks do not count */
	QUIET("ALTER TABLE users VALIDATE CONSTRAINT c;\nALTER TABLE posts ADD COLUMN b int;\n", "multiple-tables-locked");
	QUIET("CREATE INDEX CONCURRENTLY i ON users (a);\n", "multiple-tables-locked");
	/* outside a transaction each statement commits on its own */
	QUIET("-- pgshift:no-transaction\nALTER TABLE users ADD COLUMN a int;\nALTER TABLE posts ADD COLUMN b int;\n",
	      "multiple-tables-locked");

	/* the foreign key between them: from the migration, else from the database */
	msg = message_of(two, "multiple-tables-locked", NULL);
	assert_non_null(strstr(msg, "users (ACCESS EXCLUSIVE) and posts (ACCESS EXCLUSIVE)"));
	assert_null(strstr(msg, "foreign key"));
	free(msg);
	msg = message_of(two, "multiple-tables-locked", stub_fk);
	assert_non_null(strstr(msg, "foreign key posts_user_id_fkey (posts references users)"));
	free(msg);
	msg = message_of("ALTER TABLE posts ADD CONSTRAINT posts_fk FOREIGN KEY (uid) REFERENCES users NOT VALID;\n"
			 "ALTER TABLE users ADD COLUMN a int;\n", "multiple-tables-locked", NULL);
	assert_non_null(strstr(msg, "foreign key posts_fk (posts references users"));
	free(msg);
}

/* Objects that statements create without naming them count as created, named as PostgreSQL names them. */
static void test_created_implicitly(void **state)
{
	(void)state;
	QUIET("CREATE TABLE t (id serial);\nDROP SEQUENCE t_id_seq;", "drop-object");
	QUIET("CREATE TABLE \"Hook\" (id bigserial PRIMARY KEY);\nDROP SEQUENCE \"Hook_id_seq\";", "drop-object");
	QUIET("CREATE TABLE t (id int GENERATED ALWAYS AS IDENTITY);\nDROP SEQUENCE t_id_seq;", "drop-object");
	QUIET("CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME ids));\nDROP SEQUENCE ids;",
	      "drop-object");
	FIRES("CREATE TABLE t (id int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME ids));\nDROP SEQUENCE t_id_seq;",
	      "drop-object");
	FIRES("CREATE TABLE t (id serial);\nDROP SEQUENCE t_seq;", "drop-object");
	FIRES("CREATE TABLE IF NOT EXISTS t (id serial);\nDROP SEQUENCE t_id_seq;", "drop-object");
	QUIET("ALTER TABLE users ADD COLUMN n smallserial;\nDROP SEQUENCE users_n_seq;", "drop-object");
	QUIET("ALTER TABLE users ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;\nDROP SEQUENCE users_id_seq;",
	      "drop-object");
	FIRES("ALTER TABLE IF EXISTS users ADD COLUMN n serial;\nDROP SEQUENCE users_n_seq;", "drop-object");
	QUIET("CREATE TABLE t (id int PRIMARY KEY);\nDROP INDEX t_pkey;", "drop-index");
	QUIET("CREATE TABLE t (id int, PRIMARY KEY (id));\nDROP INDEX t_pkey;", "drop-index");
	QUIET("CREATE TABLE t (id int CONSTRAINT t_id PRIMARY KEY);\nDROP INDEX t_id;", "drop-index");
	FIRES("CREATE TABLE t (id int CONSTRAINT t_id PRIMARY KEY);\nDROP INDEX t_pkey;", "drop-index");
	QUIET("CREATE TABLE t (email text UNIQUE);\nDROP INDEX t_email_key;", "drop-index");
	QUIET("CREATE TABLE t (a int, b int, UNIQUE (a, b) INCLUDE (id));\nDROP INDEX t_a_b_id_key;", "drop-index");
	QUIET("CREATE TABLE x (r int, EXCLUDE USING btree (r WITH =));\nDROP INDEX x_r_excl;", "drop-index");
	/* a name taken gets a number, as ChooseRelationName does */
	QUIET("CREATE TABLE u (a int UNIQUE);\nALTER TABLE u ADD UNIQUE (a);\nDROP INDEX u_a_key1;", "drop-index");
	QUIET("CREATE SEQUENCE t_id_seq;\nCREATE TABLE t (id serial);\nDROP SEQUENCE t_id_seq1;", "drop-object");
	QUIET("CREATE INDEX ON users (a, (b + 1));\nDROP INDEX users_a_expr_idx;", "drop-index");
	QUIET("ALTER TABLE users ADD CONSTRAINT users_email UNIQUE (email);\nDROP INDEX users_email;", "drop-index");
	QUIET("ALTER TABLE users ADD UNIQUE (email);\nDROP INDEX users_email_key;", "drop-index");
	/* USING INDEX renames an existing index: the new name holds nothing new */
	FIRES("ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX users_email_idx;\nDROP INDEX u;", "drop-index");
	QUIET("CREATE UNIQUE INDEX i ON users (email);\nALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX i;\n"
	      "DROP INDEX u;", "drop-index");
	/* a table's row type */
	QUIET("CREATE TABLE t (id int);\nDROP TYPE t;", "drop-object");
	FIRES("CREATE VIEW t AS SELECT 1;\nDROP TYPE t2;", "drop-object");
	/* names longer than 63 bytes are cut as makeObjectName cuts them, at a character boundary (checked on PostgreSQL 15) */
	QUIET("CREATE TABLE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb serial, c int,"
	      " UNIQUE (c, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb));\n"
	      "DROP SEQUENCE aaaaaaaaaaaaaaaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbb_seq;\n"
	      "DROP INDEX aaaaaaaaaaaaaaaaaaaaaaaaaaaaa_c_bbbbbbbbbbbbbbbbbbbbbbbbbbb_key;", "drop-object");
	QUIET("CREATE TABLE aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa (bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb serial, c int,"
	      " UNIQUE (c, bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb));\n"
	      "DROP INDEX aaaaaaaaaaaaaaaaaaaaaaaaaaaaa_c_bbbbbbbbbbbbbbbbbbbbbbbbbbb_key;", "drop-index");
	QUIET("CREATE TABLE \"ééééééééééééééééééééééééééééé\" (\"ü\" serial);\n"
	      "DROP SEQUENCE \"éééééééééééééééééééééééééééé_ü_seq\";", "drop-object");
}

/* DROP FUNCTION f(args), then CREATE [OR REPLACE] FUNCTION f(args) in the same migration: a warning. */
static void test_function_redefined(void **state)
{
	static const char *body = " RETURNS int LANGUAGE sql AS 'select 1';";
	char *sql;

	(void)state;
	sql = xasprintf("DROP FUNCTION IF EXISTS f(int);\nCREATE OR REPLACE FUNCTION f(size integer)%s", body);
	assert_int_equal(count(sql, "redefine-function"), 1);
	assert_int_equal(count(sql, "drop-object"), 0);
	free(sql);
	sql = xasprintf("DROP FUNCTION app.f(int, text[]);\nCREATE FUNCTION app.f(a int, b text[], OUT c int)%s", body);
	assert_int_equal(count(sql, "redefine-function"), 1);
	free(sql);
	/* another signature, another schema, CASCADE (dependents go for good), a procedure: still review */
	sql = xasprintf("DROP FUNCTION f(int);\nCREATE FUNCTION f(a bigint)%s", body);
	FIRES(sql, "drop-object");
	free(sql);
	sql = xasprintf("DROP FUNCTION f(int);\nCREATE FUNCTION app.f(a int)%s", body);
	FIRES(sql, "drop-object");
	free(sql);
	sql = xasprintf("DROP FUNCTION f(int) CASCADE;\nCREATE FUNCTION f(a int)%s", body);
	FIRES(sql, "drop-object");
	QUIET(sql, "redefine-function");
	free(sql);
	FIRES("DROP PROCEDURE p(int);\nCREATE FUNCTION p(a int) RETURNS int LANGUAGE sql AS 'select 1';", "drop-object");
	QUIET("DROP PROCEDURE p(int);\nCREATE PROCEDURE p(a int) LANGUAGE sql AS 'select 1';", "drop-object");
	/* the CREATE must come after the DROP */
	sql = xasprintf("CREATE OR REPLACE FUNCTION f(a int)%s\nDROP FUNCTION f(int);", body);
	FIRES(sql, "drop-object");
	free(sql);
}

/* A stub of the database: public.users, its sequence and f(int) exist; nothing named gone*; tables empty* hold no rows. */
static int exists_calls;
static char exists_seen[512];

static int stub_exists(void *ctx, char kind, const char *schema, const char *name, const char *const *args)
{
	(void)ctx;
	if (kind == 'E')	/* a table with no rows: those named empty* */
		return !strncmp(name, "empty", 5);
	exists_calls++;
	snprintf(exists_seen + strlen(exists_seen), sizeof(exists_seen) - strlen(exists_seen), "%c %s.%s", kind,
		 schema ? schema : "-", name);
	for (size_t i = 0; args && args[i]; i++)
		snprintf(exists_seen + strlen(exists_seen), sizeof(exists_seen) - strlen(exists_seen), "%s%s",
			 i ? "," : "(", args[i]);
	snprintf(exists_seen + strlen(exists_seen), sizeof(exists_seen) - strlen(exists_seen), "%s;",
		 args && args[0] ? ")" : "");
	if (!strncmp(name, "unknown", 7))
		return -1;
	/* a name PostgreSQL numbered because the plain one was taken */
	if (strlen(name) > 5 && !strcmp(name + strlen(name) - 5, "_key1"))
		return 0;
	return strncmp(name, "gone", 4) != 0;
}

/* The severity of the first finding of rule on sql with the stub database, or -1. */
static int sev_live(const char *sql, const char *rule)
{
	struct lint_opts o = { .pg_version = 150000, .batch = true, .exists = stub_exists };
	struct lint_run run;
	int sev = -1;

	exists_calls = 0;
	exists_seen[0] = '\0';
	lint_init(&run, &o);
	lint_file(&run, "m.sql", sql, "20250101000000_m");
	for (size_t i = 0; i < run.out.n && sev < 0; i++)
		if (!strcmp(run.out.items[i].rule, rule))
			sev = (int)run.out.items[i].sev;
	if (sev == SEV_INFO)
		assert_int_equal(lint_exit_code(&run.out, true), 0);
	lint_free(&run);
	return sev;
}

static void test_absent_from_the_target(void **state)
{
	(void)state;
	assert_int_equal(sev_live("DROP TABLE gone_t;", "drop-table"), SEV_INFO);
	assert_string_equal(exists_seen, "r -.gone_t;");
	assert_int_equal(sev_live("DROP TABLE users;", "drop-table"), SEV_REVIEW);
	assert_int_equal(sev_live("DROP TABLE unknown;", "drop-table"), SEV_REVIEW);
	/* a table with no rows: nothing to lose, where the name resolves as the deploy will */
	assert_int_equal(sev_live("DROP TABLE empty_t;", "drop-table"), SEV_INFO);
	assert_int_equal(sev_live("DROP TABLE app.empty_t;", "drop-table"), SEV_INFO);
	assert_int_equal(sev_live("SET search_path = app;\nDROP TABLE empty_t;", "drop-table"), SEV_REVIEW);
	/* users, with its rows, renamed into the name first */
	assert_int_equal(sev_live("ALTER TABLE users RENAME TO empty_t;\nDROP TABLE empty_t;", "drop-table"), SEV_REVIEW);
	assert_int_equal(sev_live("DROP SEQUENCE empty_seq;", "drop-object"), SEV_REVIEW);
	assert_int_equal(sev_live("DROP SEQUENCE IF EXISTS app.gone_seq;", "drop-object"), SEV_INFO);
	assert_string_equal(exists_seen, "r app.gone_seq;");
	assert_int_equal(sev_live("DROP INDEX gone_idx;", "drop-index"), SEV_INFO);
	assert_int_equal(sev_live("DROP TYPE gone_mood;", "drop-object"), SEV_INFO);
	assert_string_equal(exists_seen, "t -.gone_mood;");
	assert_int_equal(sev_live("DROP SCHEMA gone_app CASCADE;", "drop-schema"), SEV_INFO);
	assert_string_equal(exists_seen, "s -.gone_app;");
	/* a function by its argument types, as the database names them */
	assert_int_equal(sev_live("DROP FUNCTION IF EXISTS gone_id(int, \"My Type\"[], varchar(3));", "drop-object"),
			 SEV_INFO);
	assert_string_equal(exists_seen, "f -.gone_id(pg_catalog.int4,\"My Type\"[],pg_catalog.\"varchar\");");
	assert_int_equal(sev_live("DROP FUNCTION gone_id;", "drop-object"), SEV_INFO);
	assert_string_equal(exists_seen, "F -.gone_id;");
	assert_int_equal(sev_live("DROP FUNCTION f(int);", "drop-object"), SEV_REVIEW);
	assert_int_equal(sev_live("DROP FUNCTION gone_f(users.id%TYPE);", "drop-object"), SEV_REVIEW);
	assert_int_equal(sev_live("DROP FUNCTION gone_f(otherdb.public.t);", "drop-object"), SEV_REVIEW);
	/* redefined, but not there: nothing to say but info */
	assert_int_equal(sev_live("DROP FUNCTION IF EXISTS gone_f(int);\n"
				  "CREATE OR REPLACE FUNCTION gone_f(a int) RETURNS int LANGUAGE sql AS 'select 1';",
				  "drop-object"), SEV_INFO);
	assert_int_equal(sev_live("DROP FUNCTION IF EXISTS f(int);\n"
				  "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'select 1';",
				  "redefine-function"), SEV_WARNING);
	/* the other review rules on a table that is not there */
	assert_int_equal(sev_live("TRUNCATE gone_t;", "truncate"), SEV_INFO);
	assert_int_equal(sev_live("ALTER TABLE gone_t DROP COLUMN a;", "drop-column"), SEV_INFO);
	assert_int_equal(sev_live("ALTER TABLE gone_t ALTER COLUMN a TYPE bigint;", "alter-column-type"), SEV_INFO);
	assert_int_equal(sev_live("ALTER TABLE gone_t ADD COLUMN n int NOT NULL;", "add-not-null-column-without-default"),
			 SEV_INFO);
	assert_int_equal(sev_live("ALTER TABLE gone_t RENAME COLUMN a TO b;", "rename"), SEV_INFO);
	assert_int_equal(sev_live("DELETE FROM gone_t;", "unbounded-dml"), SEV_INFO);
	assert_int_equal(sev_live("DELETE FROM users;", "unbounded-dml"), SEV_REVIEW);
	/* warnings are not judged */
	assert_int_equal(sev_live("CREATE INDEX i ON gone_t (a);", "non-concurrent-index"), SEV_WARNING);
	/* created earlier in the batch: no finding */
	assert_int_equal(sev_live("CREATE TABLE gone_t (id serial);\nDROP SEQUENCE gone_t_id_seq;", "drop-object"), -1);
	/* an implicit name the target already holds: PostgreSQL takes the next number */
	assert_int_equal(sev_live("ALTER TABLE users ADD UNIQUE (email);\nDROP INDEX users_email_key;", "drop-index"),
			 SEV_REVIEW);
	assert_int_equal(sev_live("ALTER TABLE users ADD UNIQUE (email);\nDROP INDEX users_email_key1;", "drop-index"), -1);
	/* the database cannot tell: the name is not taken as new */
	assert_int_equal(sev_live("CREATE TABLE unknown_t (id serial);\nDROP SEQUENCE unknown_t_id_seq;", "drop-object"),
			 SEV_REVIEW);
	/* a name an existing object is renamed or moved to may hold its data */
	assert_int_equal(sev_live("ALTER TABLE users RENAME TO gone_users;\nDROP TABLE gone_users;", "drop-table"),
			 SEV_REVIEW);
	assert_int_equal(sev_live("ALTER TABLE app.users SET SCHEMA gone_s;\nDROP TABLE gone_s.users;", "drop-table"),
			 SEV_REVIEW);
	assert_int_equal(sev_live("ALTER SCHEMA app RENAME TO gone_s;\nDROP TABLE gone_s.t;", "drop-table"), SEV_REVIEW);
	assert_int_equal(sev_live("ALTER SCHEMA app RENAME TO gone_s;\nDROP TABLE gone_t;", "drop-table"), SEV_REVIEW);
	assert_int_equal(sev_live("ALTER INDEX users_pkey RENAME TO gone_idx;\nDROP INDEX gone_idx;", "drop-index"),
			 SEV_REVIEW);
	assert_int_equal(sev_live("ALTER TABLE users RENAME CONSTRAINT users_pkey TO gone_pk;\nDROP INDEX gone_pk;",
				  "drop-index"), SEV_REVIEW);
	assert_int_equal(sev_live("ALTER FUNCTION f(int) RENAME TO gone_f;\nDROP FUNCTION gone_f(int);", "drop-object"),
			 SEV_REVIEW);
	assert_int_equal(sev_live("ALTER FUNCTION f(int) SET SCHEMA gone_s;\nDROP FUNCTION gone_s.f(int);", "drop-object"),
			 SEV_REVIEW);
	assert_int_equal(sev_live("ALTER TYPE mood RENAME TO gone_mood;\nDROP TYPE gone_mood;", "drop-object"),
			 SEV_REVIEW);
	assert_int_equal(sev_live("ALTER TABLE users RENAME TO gone_users;\nDROP TYPE gone_users;", "drop-object"),
			 SEV_REVIEW);
	/* code lint cannot follow may have made anything */
	assert_int_equal(sev_live("DO $$ BEGIN EXECUTE 'ALTER TABLE users RENAME TO gone_t'; END $$;\nDROP TABLE gone_t;",
				  "drop-table"), SEV_REVIEW);
	assert_int_equal(sev_live("CALL rename_things();\nTRUNCATE gone_t;", "truncate"), SEV_REVIEW);
	/* the search path the migration sets: every schema of it, then pg_catalog */
	assert_int_equal(sev_live("SET search_path TO app, extra;\nDROP TABLE gone_t;", "drop-table"), SEV_INFO);
	assert_string_equal(exists_seen, "r app.gone_t;r extra.gone_t;r pg_catalog.gone_t;");
	assert_int_equal(sev_live("SELECT set_config('search_path', 'app', false);\nDROP TABLE gone_t;", "drop-table"),
			 SEV_REVIEW);
	assert_int_equal(exists_calls, 0);
}

/* The info finding in each report: text, JSON (severity info, not blocking), SARIF note. */
static void test_info_reports(void **state)
{
	struct lint_opts o = { .pg_version = 150000, .batch = true, .exists = stub_exists };
	struct lint_run run;
	struct buf text = BUF_INIT, json = BUF_INIT, sarif = BUF_INIT, gh = BUF_INIT;
	json_t *j;

	(void)state;
	lint_init(&run, &o);
	lint_file(&run, "m.sql", "DROP SEQUENCE \"gone_Seq\";\n", "20250101000000_m");
	lint_report_text(&run.out, false, true, &text);
	lint_report_json(&run.out, true, &json);
	lint_report_sarif(&run.out, &sarif);
	lint_report_github(&run.out, true, &gh);
	assert_non_null(strstr(text.data, "1:1  info  drop-object  sequence \"gone_Seq\" is not in the target database: "
					  "nothing to lose\n"));
	assert_null(strstr(text.data, "safe alternative"));
	assert_non_null(strstr(text.data, "1 finding: 0 errors, 0 review, 0 warnings, 1 info\n"));
	j = json_loads(json.data, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "findings"), 0),
							      "severity")), "info");
	assert_true(json_is_false(json_object_get(json_array_get(json_object_get(j, "findings"), 0), "blocking")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "info")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "exit_code")), 0);
	json_decref(j);
	assert_non_null(strstr(sarif.data, "\"level\": \"note\""));
	assert_true(!strncmp(gh.data, "::notice ", 9));
	buf_release(&text);
	buf_release(&json);
	buf_release(&sarif);
	buf_release(&gh);
	lint_free(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_alter_table_review),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_hints),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_directives),
		cmocka_unit_test(test_syntax_error_and_strict),
		cmocka_unit_test(test_batch_context),
		cmocka_unit_test(test_created_by_schema),
		cmocka_unit_test(test_created_search_path),
		cmocka_unit_test(test_created_if_not_exists),
		cmocka_unit_test(test_created_other_kinds),
		cmocka_unit_test(test_created_renames),
		cmocka_unit_test(test_brief_examples),
		cmocka_unit_test(test_golden_reports),
		cmocka_unit_test(test_rule_table),
		cmocka_unit_test(test_multiple_tables_locked),
		cmocka_unit_test(test_created_implicitly),
		cmocka_unit_test(test_function_redefined),
		cmocka_unit_test(test_absent_from_the_target),
		cmocka_unit_test(test_info_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
