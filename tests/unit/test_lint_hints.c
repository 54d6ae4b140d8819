/*
 * Unit tests of the safe alternatives: every suggestion of every rule,
 * made for quoted mixed-case names, reserved words and schema-qualified
 * names, parses with libpg_query and names the same objects as the
 * statement it replaces; the SET NOT NULL alternative, pasted as the
 * migrations it says, draws no warning.
 */
#include <ctype.h>
#include <pg_query.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "core/script.h"
#include "lint/lint.h"
#include "lint/rule.h"
#include "util/buf.h"

/* One set of names as the parse tree holds them (unquoted). */
struct names {
	const char *schema;	/* NULL: unqualified */
	const char *table, *column;
};

static const struct names name_sets[] = {
	{ NULL, "User", "oldField" },		/* Prisma's mixed case */
	{ NULL, "order", "select" },		/* reserved words */
	{ NULL, "user", "group" },
	{ "My Schema", "T", "Mixed Col" },	/* qualified, with a space */
	{ NULL, "plain", "col" },		/* needs no quotes at all */
};

/*
 * A statement that draws rule, written with {T} (the table, qualified),
 * {C} (the column) and {X} (the column with a suffix, in the SQL: the
 * name of an index, a constraint, a new column); expect: names that the
 * suggestion must contain, '|'-separated, in the same notation ({T} is
 * then the table name alone); rel: the suggestion's statements name the
 * table (a RangeVar).
 */
struct hint_case {
	const char *rule;
	const char *sql;
	const char *expect;
	bool rel;
	bool hints;
};

static const struct hint_case cases[] = {
	{ "drop-table", "DROP TABLE {T};", "{T}", false, false },
	{ "drop-column", "ALTER TABLE {T} DROP COLUMN {C};", "{C}", true, false },
	{ "drop-index", "DROP INDEX {T};", "{T}", false, false },
	{ "drop-object", "DROP VIEW {T};", "", false, false },
	{ "redefine-function", "DROP FUNCTION {T}(int);\nCREATE FUNCTION {T}(a int) RETURNS int LANGUAGE sql AS '1';", "{T}",
	  false, false },
	{ "drop-schema", "DROP SCHEMA {C};", "", false, false },
	{ "drop-database", "DROP DATABASE {C};", "", false, false },
	{ "truncate", "TRUNCATE {T};", "", true, false },
	{ "alter-column-type", "ALTER TABLE {T} ALTER COLUMN {C} TYPE bigint;", "{C}_new", true, false },
	{ "add-not-null-column-without-default", "ALTER TABLE {T} ADD COLUMN {C} int NOT NULL;",
	  "{C}|{C}_not_null", true, false },
	{ "set-not-null", "ALTER TABLE {T} ALTER COLUMN {C} SET NOT NULL;", "{C}|{C}_not_null", true, false },
	{ "fk-without-not-valid", "ALTER TABLE {T} ADD CONSTRAINT {X} FOREIGN KEY ({C}) REFERENCES {T} ({C});",
	  "{C}|{C}_x", true, false },
	{ "fk-without-not-valid", "ALTER TABLE {T} ADD COLUMN {C} int REFERENCES {T} ON DELETE CASCADE;",
	  "{C}|{T}_{C}_fkey", true, false },
	{ "check-without-not-valid", "ALTER TABLE {T} ADD CONSTRAINT {X} CHECK ({C} > 0);", "{C}|{C}_x", true,
	  false },
	{ "check-without-not-valid", "ALTER TABLE {T} ADD CHECK ({C} > 0);", "{C}|{T}_check", true, false },
	{ "unique-without-index", "ALTER TABLE {T} ADD CONSTRAINT {X} UNIQUE ({C});", "{C}|{C}_x|{C}_x_idx", true,
	  false },
	{ "unique-without-index", "ALTER TABLE {T} ADD PRIMARY KEY ({C});", "{C}|{T}_pkey|{T}_pkey_idx", true,
	  false },
	{ "volatile-default", "ALTER TABLE {T} ADD COLUMN {C} uuid DEFAULT gen_random_uuid();", "{C}", true, false },
	{ "table-rewrite", "ALTER TABLE {T} ADD COLUMN {C} serial;", "{C}", true, false },
	{ "table-rewrite", "ALTER TABLE {T} SET LOGGED;", "", false, false },
	{ "table-rewrite", "VACUUM FULL {T};", "", false, false },
	{ "table-rewrite", "CLUSTER {T};", "", false, false },
	{ "rename", "ALTER TABLE {T} RENAME COLUMN {C} TO {X};", "{C}_x", true, false },
	{ "rename", "ALTER TABLE {T} RENAME TO {X};", "", false, false },
	{ "unbounded-dml", "DELETE FROM {T};", "", true, false },
	{ "unbounded-dml", "UPDATE {T} SET {C} = 1;", "", true, false },
	{ "dml-with-ddl", "ALTER TABLE {T} ADD COLUMN {X} int;\nUPDATE {T} SET {X} = 1 WHERE {C} > 0;", "", true,
	  false },
	{ "non-concurrent-index", "CREATE INDEX {X} ON {T} USING btree ({C}) WHERE {C} IS NOT NULL;", "{C}|{C}_x",
	  true, false },
	{ "non-concurrent-index", "CREATE UNIQUE INDEX ON {T} ({C});", "{C}|{T}_idx", true, false },
	{ "non-concurrent-reindex", "REINDEX TABLE {T};", "", true, false },
	{ "non-concurrent-reindex", "REINDEX INDEX {T};", "", true, false },
	{ "lock-table", "LOCK TABLE {T};", "", false, false },
	{ "concurrently-in-transaction", "CREATE INDEX CONCURRENTLY {X} ON {T} ({C});\nSELECT 1;", "", false,
	  false },
	{ "enum-add-value", "ALTER TYPE {T} ADD VALUE 'it''s';", "{T}", false, false },
	{ "disables-timeout", "SET lock_timeout = 0;", "", false, false },
	{ "multiple-tables-locked", "ALTER TABLE {T} ALTER COLUMN {C} SET DEFAULT 1;\n"
	  "ALTER TABLE other ALTER COLUMN x SET DEFAULT 1;", "", false, false },
	{ "transaction-control", "BEGIN;", "", false, false },
	{ "not-idempotent-no-tx", "-- pgshift:no-transaction\nCREATE INDEX CONCURRENTLY {X} ON {T} ({C});", "",
	  false, false },
	{ "prefer-bigint", "CREATE TABLE {T} ({C} int PRIMARY KEY);", "{C}", false, true },
	{ "prefer-identity", "CREATE TABLE {T} ({C} serial);", "{C}", false, true },
	{ "prefer-text", "CREATE TABLE {T} ({C} varchar(20));", "{C}", false, true },
	{ "prefer-timestamptz", "CREATE TABLE {T} ({C} timestamp);", "{C}", false, true },
	{ "ban-char", "CREATE TABLE {T} ({C} char(3));", "{C}", false, true },
};

/* Appends s in double quotes (valid for any name). */
static void add_quoted(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

/* The template with the names of n: quoted SQL when sql, else the bare names (new string). */
static char *expand(const char *tmpl, const struct names *n, bool sql)
{
	struct buf b = BUF_INIT;

	for (const char *p = tmpl; *p; p++) {
		if (!strncmp(p, "{T}", 3)) {
			if (sql && n->schema) {
				add_quoted(&b, n->schema);
				buf_addc(&b, '.');
			}
			if (sql)
				add_quoted(&b, n->table);
			else
				buf_adds(&b, n->table);
			p += 2;
		} else if (!strncmp(p, "{C}", 3) || !strncmp(p, "{X}", 3)) {
			char *name = xasprintf("%s%s", n->column, p[1] == 'X' ? "_x" : "");
			if (sql)
				add_quoted(&b, name);
			else
				buf_adds(&b, name);
			free(name);
			p += 2;
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_detach(&b);
}

/* What a suggestion's statements name. */
struct seen {
	const struct names *want;
	bool rel;			/* the table, as a RangeVar */
	struct buf names;		/* every name in the tree, "\n"-separated */
};

static void seen_rel(const PgQuery__RangeVar *rv, void *ctx)
{
	struct seen *s = ctx;
	const char *schema = rv->schemaname && *rv->schemaname ? rv->schemaname : NULL;

	if (!strcmp(rv->relname, s->want->table) &&
	    ((!schema && !s->want->schema) || (schema && s->want->schema && !strcmp(schema, s->want->schema))))
		s->rel = true;
	buf_addf(&s->names, "\n%s\n", rv->relname);
}

static void add_name(struct seen *s, const char *name)
{
	if (name && *name)
		buf_addf(&s->names, "\n%s\n", name);
}

static void seen_string(const ProtobufCMessage *m, void *ctx)
{
	add_name(ctx, ((const PgQuery__String *)m)->sval);
}

static void seen_column_def(const ProtobufCMessage *m, void *ctx)
{
	add_name(ctx, ((const PgQuery__ColumnDef *)m)->colname);
}

static void seen_cmd(const ProtobufCMessage *m, void *ctx)
{
	add_name(ctx, ((const PgQuery__AlterTableCmd *)m)->name);
}

static void seen_constraint(const ProtobufCMessage *m, void *ctx)
{
	add_name(ctx, ((const PgQuery__Constraint *)m)->conname);
	add_name(ctx, ((const PgQuery__Constraint *)m)->indexname);
}

static void seen_index(const ProtobufCMessage *m, void *ctx)
{
	add_name(ctx, ((const PgQuery__IndexStmt *)m)->idxname);
}

static void seen_index_elem(const ProtobufCMessage *m, void *ctx)
{
	add_name(ctx, ((const PgQuery__IndexElem *)m)->name);
}

static void seen_rename(const ProtobufCMessage *m, void *ctx)
{
	add_name(ctx, ((const PgQuery__RenameStmt *)m)->newname);
}

/* Parses sql (must parse) and records what its statements name; returns how many statements. */
static size_t walk(const char *sql, struct seen *s, const char *what)
{
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
	PgQuery__ParseResult *tree;
	size_t n;

	if (r.error)
		fail_msg("%s: the suggestion does not parse (%s):\n%s", what, r.error->message, sql);
	tree = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
	assert_non_null(tree);
	for (size_t i = 0; i < tree->n_stmts; i++) {
		const PgQuery__Node *st = tree->stmts[i]->stmt;
		script_relations(st, seen_rel, s);
		script_messages(st, &pg_query__string__descriptor, seen_string, s);
		script_messages(st, &pg_query__column_def__descriptor, seen_column_def, s);
		script_messages(st, &pg_query__alter_table_cmd__descriptor, seen_cmd, s);
		script_messages(st, &pg_query__constraint__descriptor, seen_constraint, s);
		script_messages(st, &pg_query__index_stmt__descriptor, seen_index, s);
		script_messages(st, &pg_query__index_elem__descriptor, seen_index_elem, s);
		script_messages(st, &pg_query__rename_stmt__descriptor, seen_rename, s);
	}
	n = tree->n_stmts;
	pg_query__parse_result__free_unpacked(tree, NULL);
	pg_query_free_protobuf_parse_result(r);
	return n;
}

/* The --table argument of a `pgshift backfill` line, as the shell gives it to pgshift (new string). */
static char *shell_table_arg(const char *line)
{
	const char *p = strstr(line, "--table ");
	struct buf b = BUF_INIT;

	assert_non_null(p);
	for (p += strlen("--table "); *p && *p != ' ' && *p != '\n'; p++) {
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				buf_addc(&b, *p);
			assert_int_equal(*p, '\'');
		} else if (*p == '\\' && p[1]) {
			buf_addc(&b, *++p);
		} else {
			buf_addc(&b, *p);
		}
	}
	return buf_detach(&b);
}

/*
 * The suggestion as SQL: `pgshift ...` command lines are checked on their
 * own (the table they name) and left out; <type>, the one placeholder left
 * for the user, becomes a type.
 */
static char *suggestion_sql(const char *safe, struct seen *s, const char *what)
{
	struct buf b = BUF_INIT;

	for (const char *line = safe; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *one = xasprintf("%.*s", (int)len, line);

		if (!strncmp(one, "pgshift ", 8)) {
			char *arg = shell_table_arg(one);
			char *q = xasprintf("SELECT 1 FROM %s", arg);	/* backfill reads it with to_regclass */

			assert_int_equal(walk(q, s, what), 1);
			free(q);
			free(arg);
		} else {
			buf_adds(&b, one);
			buf_addc(&b, '\n');
		}
		free(one);
		line += len + (end ? 1 : 0);
	}
	buf_replace_all(&b, "<type>", "int");
	return buf_detach(&b);
}

static void check_case(const struct hint_case *c, const struct names *n)
{
	struct lint_opts o = { .pg_version = 150000, .batch = true, .hints = c->hints };
	struct lint_run run;
	char *sql = expand(c->sql, n, true);
	bool fired = false;

	lint_init(&run, &o);
	lint_file(&run, "m.sql", sql, "20250101000000_m");
	for (size_t i = 0; i < run.out.n; i++) {
		const struct finding *f = &run.out.items[i];
		struct seen s = { .want = n, .names = BUF_INIT };
		char *what = xasprintf("%s on %s", f->rule, sql);
		char *text = suggestion_sql(f->safe, &s, what);
		size_t stmts;

		assert_int_not_equal(f->sev, SEV_ERROR);
		/* a style hint is a column definition: it stands in a CREATE TABLE */
		if (f->sev == SEV_HINT) {
			char *wrapped = xasprintf("CREATE TABLE hint_wrapper (\n%s\n);", text);
			free(text);
			text = wrapped;
		}
		stmts = walk(text, &s, what);
		if (!strcmp(f->rule, c->rule)) {
			char *expect = expand(c->expect, n, false);

			fired = true;
			if (c->rel && !s.rel)
				fail_msg("%s: the suggestion does not name table %s%s%s:\n%s", what,
					 n->schema ? n->schema : "", n->schema ? "." : "", n->table, f->safe);
			for (char *e = expect, *bar; *e; e = bar ? bar + 1 : e + strlen(e)) {
				char *needle;

				bar = strchr(e, '|');
				if (bar)
					*bar = '\0';
				needle = xasprintf("\n%s\n", e);
				if (!strstr(s.names.data, needle))
					fail_msg("%s: the suggestion does not name \"%s\":\n%s", what, e, f->safe);
				free(needle);
			}
			/* a name that lost its quotes is folded to lower case */
			for (const char *raw = n->column; raw; raw = raw == n->column ? n->table : NULL) {
				char *fold = xstrdup(raw), *needle;

				for (char *p = fold; *p; p++)
					*p = (char)tolower((unsigned char)*p);
				needle = xasprintf("\n%s\n", fold);
				if (strcmp(fold, raw) && strstr(s.names.data, needle))
					fail_msg("%s: the suggestion names \"%s\" unquoted:\n%s", what, fold, f->safe);
				free(needle);
				free(fold);
			}
			if (c->rel || *c->expect)
				assert_true(stmts > 0 || strstr(f->safe, "pgshift backfill"));
			free(expect);
		}
		free(what);
		free(text);
		buf_release(&s.names);
	}
	if (!fired)
		fail_msg("%s did not fire on:\n%s", c->rule, sql);
	lint_free(&run);
	free(sql);
}

static void test_every_suggestion_parses(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t k = 0; k < sizeof(name_sets) / sizeof(name_sets[0]); k++)
			check_case(&cases[i], &name_sets[k]);
}

/* Every rule of the catalogue has a case above: a new rule's suggestion is checked too. */
static void test_every_rule_has_a_case(void **state)
{
	(void)state;
	for (const struct rule_info *r = lint_rules(); r->id; r++) {
		bool found = false;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && !found; i++)
			found = !strcmp(cases[i].rule, r->id);
		if (!found)
			fail_msg("rule %s has no case in test_lint_hints.c: add one whose suggestion is checked", r->id);
	}
}

static void expect_quoted(const char *name, const char *want)
{
	struct buf b = BUF_INIT;

	lint_quote_ident(&b, name);
	assert_string_equal(b.data, want);
	buf_release(&b);
}

/* As PostgreSQL's quote_identifier: bare only when it reads back the same. */
static void test_quote_ident(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	expect_quoted("users", "users");
	expect_quoted("_x1", "_x1");
	expect_quoted("name", "name");		/* unreserved keyword */
	expect_quoted("User", "\"User\"");
	expect_quoted("order", "\"order\"");	/* reserved */
	expect_quoted("int", "\"int\"");	/* column-name keyword */
	expect_quoted("left", "\"left\"");	/* type/function-name keyword */
	expect_quoted("1a", "\"1a\"");
	expect_quoted("a b", "\"a b\"");
	expect_quoted("a\"b", "\"a\"\"b\"");
	expect_quoted("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	lint_quote_qualified(&b, "My Schema", "t");
	assert_string_equal(b.data, "\"My Schema\".t");
	buf_release(&b);
}

/* A name cannot add a line to a suggestion (a forged workflow command, say), deparsed or filled in. */
static void test_names_stay_on_their_line(void **state)
{
	static const char *const inputs[] = {
		"ALTER TABLE \"t\n::error::x\" DROP COLUMN c;",
		"ALTER TABLE \"t\n::error::x\" ADD CONSTRAINT k CHECK (c > 0);",
		"CREATE INDEX \"i\n::error::x\" ON t (c);",
		"DELETE FROM \"t\n::error::x\";",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct lint_opts o = { .pg_version = 150000 };
		struct lint_run run;

		lint_init(&run, &o);
		lint_file(&run, "m.sql", inputs[i], "20250101000000_m");
		assert_true(run.out.n >= 1);
		for (size_t k = 0; k < run.out.n; k++) {
			assert_null(strstr(run.out.items[k].safe, "\n::error"));
			assert_null(strstr(run.out.items[k].effect, "\n::error"));
		}
		lint_free(&run);
	}
}

/* Lints files as one batch; returns how many findings of rule (NULL: any) it produced. */
static int batch_count(const char *const *files, size_t n, int version, const char *rule)
{
	struct lint_opts o = { .pg_version = version, .batch = true };
	struct lint_run run;
	int count = 0;

	lint_init(&run, &o);
	for (size_t i = 0; i < n; i++) {
		char *name = xasprintf("2025010100000%zu_m", i);
		lint_file(&run, "m.sql", files[i], name);
		free(name);
	}
	for (size_t i = 0; i < run.out.n; i++)
		if (!rule || !strcmp(run.out.items[i].rule, rule))
			count++;
	lint_free(&run);
	return count;
}

#define SNN(version, ...) batch_count((const char *const[]){ __VA_ARGS__ }, \
				      sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *), version, "set-not-null")

/*
 * set-not-null is quiet when a valid CHECK (c IS NOT NULL) proves the
 * column, and that check was not added in the same transaction: there
 * ADD CONSTRAINT's ACCESS EXCLUSIVE lock is held through VALIDATE's scan.
 */
static void test_set_not_null_after_check(void **state)
{
	const char *add = "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;";
	const char *validate = "ALTER TABLE users VALIDATE CONSTRAINT c;";
	const char *set = "ALTER TABLE users ALTER COLUMN email SET NOT NULL;";

	(void)state;
	assert_int_equal(SNN(150000, add, validate, set), 0);
	/* VALIDATE scans under SHARE UPDATE EXCLUSIVE; SET NOT NULL after it in the same transaction uses the check */
	assert_int_equal(SNN(150000, add, "ALTER TABLE users VALIDATE CONSTRAINT c;\n"
					  "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"), 0);
	/* a check validated when it was added, in an earlier migration */
	assert_int_equal(SNN(150000, "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL);", set), 0);
	/* qualified or not, the same table (search_path public) */
	assert_int_equal(SNN(150000, "ALTER TABLE public.users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;",
			     validate, set), 0);
	/* all in one transaction: the lock of ADD CONSTRAINT is held through the scan */
	assert_int_equal(SNN(150000, "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\n"
				     "ALTER TABLE users VALIDATE CONSTRAINT c;\n"
				     "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"), 1);
	/* ... but a no-transaction migration commits each statement */
	assert_int_equal(SNN(150000, "-- pgshift:no-transaction\n"
				     "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\n"
				     "ALTER TABLE users VALIDATE CONSTRAINT c;\n"
				     "ALTER TABLE users ALTER COLUMN email SET NOT NULL;"), 0);
	/* not validated, dropped, another column, another table, another schema, PostgreSQL 11 */
	assert_int_equal(SNN(150000, add, set), 1);
	assert_int_equal(SNN(150000, add, validate, "ALTER TABLE users DROP CONSTRAINT c;", set), 1);
	assert_int_equal(SNN(150000, add, validate, "ALTER TABLE users ALTER COLUMN name SET NOT NULL;"), 1);
	assert_int_equal(SNN(150000, add, validate, "ALTER TABLE people ALTER COLUMN email SET NOT NULL;"), 1);
	assert_int_equal(SNN(150000, add, validate, "ALTER TABLE app.users ALTER COLUMN email SET NOT NULL;"), 1);
	assert_int_equal(SNN(110000, add, validate, set), 1);
	/* a check of another form proves nothing here */
	assert_int_equal(SNN(150000, "ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL OR id < 0);",
			     set), 1);
}

static bool stub_not_null(void *ctx, const char *schema, const char *table, const char *column)
{
	(void)ctx;
	return !schema && !strcmp(table, "users") && !strcmp(column, "email");
}

/* With a database: a check (or NOT NULL) already in its catalogue proves the column too. */
static void test_set_not_null_catalogue(void **state)
{
	struct lint_opts o = { .pg_version = 150000, .batch = true, .not_null = stub_not_null };
	static const char *const files[][2] = {
		{ "SELECT 1;", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;" },
		{ "SELECT 1;", "ALTER TABLE users ALTER COLUMN name SET NOT NULL;" },
		{ "ALTER TABLE users DROP CONSTRAINT c;", "ALTER TABLE users ALTER COLUMN email SET NOT NULL;" },
	};
	static const int want[] = { 0, 1, 1 };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct lint_run run;

		lint_init(&run, &o);
		lint_file(&run, "1.sql", files[i][0], "1");
		lint_file(&run, "2.sql", files[i][1], "2");
		assert_int_equal(run.out.n, (size_t)want[i]);
		lint_free(&run);
	}
}

/* Splits a suggestion at its "-- migration N" lines (new strings, NULL-terminated). */
static size_t split_migrations(const char *safe, char **out, size_t max)
{
	size_t n = 0;
	const char *p = safe;

	while (*p && n < max) {
		const char *next = strstr(p + 1, "\n-- migration ");
		size_t len = next ? (size_t)(next - p) + 1 : strlen(p);

		out[n++] = xasprintf("%.*s", (int)len, p);
		p += len;
	}
	return n;
}

/* The alternative, pasted as the migrations it names, draws no finding at all. */
static void test_alternatives_pasted_as_migrations(void **state)
{
	static const char *const inputs[] = {
		"ALTER TABLE \"User\" ALTER COLUMN \"Email\" SET NOT NULL;",
		"ALTER TABLE \"User\" ADD COLUMN \"Email\" text NOT NULL;",
		"ALTER TABLE \"User\" ADD CONSTRAINT \"Pos\" CHECK (\"Age\" > 0);",
		"ALTER TABLE \"User\" ADD CHECK (\"Age\" > 0);",
		"ALTER TABLE \"User\" ADD CONSTRAINT fk FOREIGN KEY (\"orgId\") REFERENCES \"Org\" (id);",
		"ALTER TABLE \"User\" ADD COLUMN \"orgId\" int REFERENCES \"Org\";",
		"ALTER TABLE \"User\" ADD CONSTRAINT \"U\" UNIQUE (\"Email\");",
		"CREATE INDEX \"Ix\" ON \"User\" (\"Email\");",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct lint_opts o = { .pg_version = 150000, .batch = true };
		struct lint_run run;
		char *parts[8];
		size_t n;

		lint_init(&run, &o);
		lint_file(&run, "m.sql", inputs[i], "20250101000000_m");
		assert_int_equal(run.out.n, 1);
		n = split_migrations(run.out.items[0].safe, parts, 8);
		lint_free(&run);
		if (batch_count((const char *const *)parts, n, 150000, NULL) != 0)
			fail_msg("the alternative for %s, pasted as %zu migrations, still draws findings", inputs[i], n);
		for (size_t k = 0; k < n; k++)
			free(parts[k]);
	}
	/* pasted into one migration, the SET NOT NULL alternative still warns: the lock is held through the scan */
	{
		struct lint_opts o = { .pg_version = 150000, .batch = true };
		struct lint_run run;
		const char *one[1];
		char *safe;

		lint_init(&run, &o);
		lint_file(&run, "m.sql", inputs[0], "20250101000000_m");
		safe = xstrdup(run.out.items[0].safe);
		lint_free(&run);
		one[0] = safe;
		assert_int_equal(batch_count(one, 1, 150000, "set-not-null"), 1);
		free(safe);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_suggestion_parses),
		cmocka_unit_test(test_every_rule_has_a_case),
		cmocka_unit_test(test_quote_ident),
		cmocka_unit_test(test_names_stay_on_their_line),
		cmocka_unit_test(test_set_not_null_after_check),
		cmocka_unit_test(test_set_not_null_catalogue),
		cmocka_unit_test(test_alternatives_pasted_as_migrations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
