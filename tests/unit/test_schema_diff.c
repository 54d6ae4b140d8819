/*
 * Unit tests of schema/diff on hand-built models: drops in the reverse of
 * the dependencies, creations in load order, dependants dropped and
 * created again around what they depend on, and the migration split.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "schema/diff.h"

static struct schema_object *add(struct schema_model *m, enum schema_kind k, const char *qname, const char *sql)
{
	struct schema_object *o = schema_add(m, k, "public", qname, qname);

	o->create_sql = xasprintf("%s\n", sql);
	return o;
}

static size_t at(const struct schema_model *m, const char *key)
{
	size_t i = schema_index(m, key);

	assert_true(i != SCHEMA_NONE);
	return i;
}

/* The plan's statements, one line each ("|" between migrations), comments left out. */
static char *plan_text(const struct schema_model *a, const struct schema_model *b)
{
	struct diff_plan p;
	struct pgs_error err = PGS_ERROR_INIT;
	struct buf out = BUF_INIT;

	assert_int_equal(schema_diff_plan(a, b, &p, &err), 0);
	for (size_t i = 0; i < p.n; i++)
		buf_addf(&out, "%s%s", i && p.stmts[i].new_migration ? "|" : "", p.stmts[i].sql);
	diff_plan_free(&p);
	return buf_detach(&out);
}

static void views(struct schema_model *m, const char *v1, const char *v2)
{
	add(m, SCHEMA_KIND_TABLE, "public.t", "CREATE TABLE public.t ();");
	add(m, SCHEMA_KIND_VIEW, "public.v1", v1);
	add(m, SCHEMA_KIND_VIEW, "public.v2", v2);
	schema_sort(m);
	schema_depend(m, at(m, "view public.v1"), at(m, "table public.t"));
	schema_depend(m, at(m, "view public.v2"), at(m, "view public.v1"));
}

static void test_equal_models_give_an_empty_plan(void **state)
{
	struct schema_model a = { 0 }, b = { 0 };
	char *text;

	(void)state;
	views(&a, "CREATE VIEW v1 AS SELECT 1;", "CREATE VIEW v2 AS SELECT 2;");
	views(&b, "CREATE VIEW v1 AS SELECT 1;", "CREATE VIEW v2 AS SELECT 2;");
	text = plan_text(&a, &b);
	assert_string_equal(text, "");
	free(text);
	schema_model_free(&a);
	schema_model_free(&b);
}

/* v1 changes: v2 (which uses it) is dropped before it and created after it. */
static void test_dependants_are_dropped_first_and_created_after(void **state)
{
	struct schema_model a = { 0 }, b = { 0 };
	char *text;

	(void)state;
	views(&a, "CREATE VIEW v1 AS SELECT 1;", "CREATE VIEW v2 AS SELECT 2;");
	views(&b, "CREATE VIEW v1 AS SELECT 10;", "CREATE VIEW v2 AS SELECT 2;");
	text = plan_text(&a, &b);
	assert_string_equal(text, "DROP VIEW public.v2;\nDROP VIEW public.v1;\n"
				  "CREATE VIEW v1 AS SELECT 10;\nCREATE VIEW v2 AS SELECT 2;\n");
	free(text);
	/* and the whole chain from nothing, and back to nothing */
	schema_model_free(&b);
	text = plan_text(&a, &b);
	assert_string_equal(text, "DROP VIEW public.v2;\nDROP VIEW public.v1;\nDROP TABLE public.t;\n");
	free(text);
	text = plan_text(&b, &a);
	assert_string_equal(text, "CREATE TABLE public.t ();\nCREATE VIEW v1 AS SELECT 1;\nCREATE VIEW v2 AS SELECT 2;\n");
	free(text);
	schema_model_free(&a);
}

/* A function dropped while a view that used it goes: the view first, the function at the very end. */
static void test_types_and_functions_are_dropped_last(void **state)
{
	struct schema_model a = { 0 }, b = { 0 };
	struct schema_object *f;
	char *text;

	(void)state;
	f = add(&a, SCHEMA_KIND_FUNCTION, "public.f()", "CREATE FUNCTION f() ...;");
	f->subkind = 'f';
	add(&a, SCHEMA_KIND_VIEW, "public.v", "CREATE VIEW v AS SELECT f();");
	add(&a, SCHEMA_KIND_TABLE, "public.keep", "CREATE TABLE public.keep ();");
	add(&b, SCHEMA_KIND_TABLE, "public.keep", "CREATE TABLE public.keep ();");
	add(&b, SCHEMA_KIND_TABLE, "public.other", "CREATE TABLE public.other ();");
	schema_sort(&a);
	schema_sort(&b);
	schema_depend(&a, at(&a, "view public.v"), at(&a, "function public.f()"));
	text = plan_text(&a, &b);
	assert_string_equal(text, "DROP VIEW public.v;\nCREATE TABLE public.other ();\nDROP FUNCTION public.f();\n");
	free(text);
	schema_model_free(&a);
	schema_model_free(&b);
}

/* A new index on an existing table: CONCURRENTLY, in a migration of its own outside a transaction. */
static void test_index_on_existing_table_is_concurrent(void **state)
{
	struct schema_model a = { 0 }, b = { 0 };
	struct schema_object *ix;
	struct diff_plan p;
	struct pgs_error err = PGS_ERROR_INIT;

	(void)state;
	add(&a, SCHEMA_KIND_TABLE, "public.t", "CREATE TABLE public.t (a int);");
	add(&b, SCHEMA_KIND_TABLE, "public.t", "CREATE TABLE public.t (a int);");
	add(&b, SCHEMA_KIND_TABLE, "public.u", "CREATE TABLE public.u (a int);");
	ix = add(&b, SCHEMA_KIND_INDEX, "public.t_a", "CREATE INDEX t_a ON public.t USING btree (a);");
	ix->table = xstrdup("public.t");
	ix = add(&b, SCHEMA_KIND_INDEX, "public.u_a", "CREATE INDEX u_a ON public.u USING btree (a);");
	ix->table = xstrdup("public.u");
	schema_sort(&a);
	schema_sort(&b);
	assert_int_equal(schema_diff_plan(&a, &b, &p, &err), 0);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.stmts[0].sql, "CREATE TABLE public.u (a int);\n");
	assert_string_equal(p.stmts[1].sql, "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON public.t USING btree (a);\n");
	assert_false(p.stmts[1].in_transaction);
	assert_true(p.stmts[1].new_migration);
	/* the new table's index is built with it, in a transaction */
	assert_string_equal(p.stmts[2].sql, "CREATE INDEX u_a ON public.u USING btree (a);\n");
	assert_true(p.stmts[2].in_transaction && p.stmts[2].new_migration);
	assert_int_equal(p.migrations, 3);
	diff_plan_free(&p);
	schema_model_free(&a);
	schema_model_free(&b);
}

/* A down.sql runs in one transaction: the plan made one migration, CONCURRENTLY dropped, comments with it. */
static void test_one_transaction_for_a_down(void **state)
{
	struct schema_model a = { 0 }, b = { 0 };
	struct schema_object *ix;
	struct diff_plan p;
	struct pgs_error err = PGS_ERROR_INIT;
	struct buf out = BUF_INIT;

	(void)state;
	add(&a, SCHEMA_KIND_TABLE, "public.t", "CREATE TABLE public.t (a int);");
	add(&b, SCHEMA_KIND_TABLE, "public.t", "CREATE TABLE public.t (a int);");
	ix = add(&b, SCHEMA_KIND_INDEX, "public.t_a", "CREATE INDEX t_a ON public.t USING btree (a);");
	ix->table = xstrdup("public.t");
	add(&b, SCHEMA_KIND_TABLE, "public.u", "CREATE TABLE public.u (a int);");
	schema_sort(&a);
	schema_sort(&b);
	assert_int_equal(schema_diff_plan(&a, &b, &p, &err), 0);
	assert_int_equal(p.migrations, 2);
	diff_plan_one_transaction(&p);
	assert_int_equal(p.migrations, 1);
	for (size_t i = 0; i < p.n; i++)
		assert_true(p.stmts[i].in_transaction && p.stmts[i].new_migration == (i == 0));
	diff_plan_sql_range(&p, 0, p.n, &out);
	assert_string_equal(out.data, "CREATE TABLE public.u (a int);\n"
				      "CREATE INDEX IF NOT EXISTS t_a ON public.t USING btree (a);\n");
	diff_plan_free(&p);
	buf_reset(&out);
	/* and back: the index dropped without CONCURRENTLY */
	assert_int_equal(schema_diff_plan(&b, &a, &p, &err), 0);
	diff_plan_one_transaction(&p);
	diff_plan_sql_range(&p, 0, p.n, &out);
	assert_non_null(strstr(out.data, "DROP INDEX IF EXISTS public.t_a;\n"));
	assert_null(strstr(out.data, "CONCURRENTLY"));
	buf_release(&out);
	diff_plan_free(&p);
	schema_model_free(&a);
	schema_model_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_models_give_an_empty_plan),
		cmocka_unit_test(test_dependants_are_dropped_first_and_created_after),
		cmocka_unit_test(test_types_and_functions_are_dropped_last),
		cmocka_unit_test(test_index_on_existing_table_is_concurrent),
		cmocka_unit_test(test_one_transaction_for_a_down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
