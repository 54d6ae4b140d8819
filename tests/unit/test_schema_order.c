/*
 * Unit tests of schema/order and schema/model on hand-built models: the load
 * order (dependencies first, then kind, then key; cycles broken
 * deterministically), lookup by key, and the comparison of two models.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "schema/model.h"

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

/* The create SQL of each node in load order, one per line (post nodes as "post:" + their SQL). */
static char *order_text(const struct schema_model *m)
{
	struct buf b = BUF_INIT;
	size_t *order, n;

	schema_order(m, &order, &n);
	for (size_t k = 0; k < n; k++) {
		if (order[k] >= m->n)
			buf_addf(&b, "post:%s", m->objects[order[k] - m->n].post_sql);
		else
			buf_adds(&b, m->objects[order[k]].create_sql);
	}
	free(order);
	return buf_detach(&b);
}

static void test_dependencies_then_kind_then_key(void **state)
{
	struct schema_model m = { 0 };
	struct schema_object *o;
	char *text;

	(void)state;
	add(&m, SCHEMA_KIND_VIEW, "public.a_view", "view a_view on b_view");
	add(&m, SCHEMA_KIND_VIEW, "public.b_view", "view b_view on t");
	add(&m, SCHEMA_KIND_TABLE, "public.t", "table t");
	add(&m, SCHEMA_KIND_TABLE, "public.u", "table u");
	/* a function (kind after sequences) that a table of a lower key uses */
	add(&m, SCHEMA_KIND_FUNCTION, "public.zz_default()", "function zz_default");
	add(&m, SCHEMA_KIND_SCHEMA, "public", "schema public");
	o = add(&m, SCHEMA_KIND_CONSTRAINT, "public.t.t_u_fk", "fk t -> u");
	o->subkind = 'f';
	o = add(&m, SCHEMA_KIND_CONSTRAINT, "public.u.u_t_fk", "fk u -> t");
	o->subkind = 'f';
	o = add(&m, SCHEMA_KIND_CONSTRAINT, "public.u.u_pkey", "pk u");
	o->subkind = 'p';
	add(&m, SCHEMA_KIND_INDEX, "public.t_idx", "index t_idx");
	o = add(&m, SCHEMA_KIND_SEQUENCE, "public.t_id_seq", "sequence t_id_seq");
	o->post_sql = xstrdup("owned by t\n");
	schema_sort(&m);
	/* every object depends on the schema */
	for (size_t i = 0; i < m.n; i++)
		if (i != at(&m, "schema public"))
			schema_depend(&m, i, at(&m, "schema public"));
	schema_depend(&m, at(&m, "view public.a_view"), at(&m, "view public.b_view"));
	schema_depend(&m, at(&m, "view public.b_view"), at(&m, "table public.t"));
	schema_depend(&m, at(&m, "table public.t"), at(&m, "function public.zz_default()"));
	schema_depend(&m, at(&m, "table public.t"), at(&m, "sequence public.t_id_seq"));
	/* the foreign key cycle: each table's key needs the other table */
	schema_depend(&m, at(&m, "constraint public.t.t_u_fk"), at(&m, "table public.t"));
	schema_depend(&m, at(&m, "constraint public.t.t_u_fk"), at(&m, "table public.u"));
	schema_depend(&m, at(&m, "constraint public.t.t_u_fk"), at(&m, "constraint public.u.u_pkey"));
	schema_depend(&m, at(&m, "constraint public.u.u_t_fk"), at(&m, "table public.u"));
	schema_depend(&m, at(&m, "constraint public.u.u_t_fk"), at(&m, "table public.t"));
	schema_depend(&m, at(&m, "constraint public.u.u_pkey"), at(&m, "table public.u"));
	schema_depend(&m, at(&m, "index public.t_idx"), at(&m, "table public.t"));
	m.objects[at(&m, "sequence public.t_id_seq")].post_dep = at(&m, "table public.t");

	text = order_text(&m);
	assert_string_equal(text, "schema public\n"
				  "sequence t_id_seq\n"
				  "function zz_default\n"
				  "table t\n"
				  "table u\n"
				  "view b_view on t\n"
				  "view a_view on b_view\n"
				  "post:owned by t\n"
				  "pk u\n"
				  "index t_idx\n"
				  "fk t -> u\n"
				  "fk u -> t\n");
	free(text);
	schema_model_free(&m);
}

/* Objects added in any order give the same model order and the same output. */
static void test_order_does_not_depend_on_insertion(void **state)
{
	const char *names[] = { "public.c", "public.a", "public.b" };
	char *first = NULL;

	(void)state;
	for (int rot = 0; rot < 3; rot++) {
		struct schema_model m = { 0 };
		char *text;

		for (int k = 0; k < 3; k++)
			add(&m, SCHEMA_KIND_TABLE, names[(k + rot) % 3], names[(k + rot) % 3]);
		schema_sort(&m);
		schema_depend(&m, at(&m, "table public.a"), at(&m, "table public.c"));
		text = order_text(&m);
		assert_string_equal(text, "public.b\npublic.c\npublic.a\n");
		if (first)
			assert_string_equal(text, first);
		free(first);
		first = text;
		schema_model_free(&m);
	}
	free(first);
}

static void test_a_cycle_is_broken_at_the_lowest_node(void **state)
{
	struct schema_model m = { 0 };
	char *text;

	(void)state;
	add(&m, SCHEMA_KIND_FUNCTION, "public.f()", "function f");
	add(&m, SCHEMA_KIND_TABLE, "public.t", "table t");
	add(&m, SCHEMA_KIND_TABLE, "public.after", "table after");
	schema_sort(&m);
	/* f takes t's row type and t's default calls f */
	schema_depend(&m, at(&m, "function public.f()"), at(&m, "table public.t"));
	schema_depend(&m, at(&m, "table public.t"), at(&m, "function public.f()"));
	schema_depend(&m, at(&m, "table public.after"), at(&m, "table public.t"));
	text = order_text(&m);
	assert_string_equal(text, "function f\ntable t\ntable after\n");
	free(text);
	schema_model_free(&m);
}

static void test_emit_skips_invalid_indexes(void **state)
{
	struct schema_model m = { 0 };
	struct buf b = BUF_INIT;
	struct schema_object *o;

	(void)state;
	add(&m, SCHEMA_KIND_TABLE, "public.t", "CREATE TABLE public.t ();");
	o = add(&m, SCHEMA_KIND_INDEX, "public.bad", "CREATE INDEX bad ON public.t (x);");
	o->valid = false;
	o = add(&m, SCHEMA_KIND_TABLE, "public.u", "CREATE TABLE public.u ();");
	o->comment_sql = xstrdup("COMMENT ON TABLE public.u IS 'x';\n");
	schema_sort(&m);
	schema_emit(&m, &b);
	assert_non_null(strstr(b.data, "SET check_function_bodies = false;\n"));
	assert_null(strstr(b.data, "bad"));
	assert_non_null(strstr(b.data, "\nCREATE TABLE public.t ();\n\nCREATE TABLE public.u ();\n"
				       "COMMENT ON TABLE public.u IS 'x';\n"));
	buf_release(&b);
	schema_model_free(&m);
}

struct diffs {
	struct buf out;
};

static void record(const struct schema_object *a, const struct schema_object *b, void *arg)
{
	struct diffs *d = arg;

	buf_addf(&d->out, "%s %s|", a ? a->key : "-", b ? b->key : "-");
}

static void test_find_and_compare(void **state)
{
	struct schema_model a = { 0 }, b = { 0 };
	struct diffs d = { BUF_INIT };
	struct schema_object *o;

	(void)state;
	add(&a, SCHEMA_KIND_TABLE, "public.same", "CREATE TABLE same ();");
	add(&a, SCHEMA_KIND_TABLE, "public.gone", "CREATE TABLE gone ();");
	add(&a, SCHEMA_KIND_TABLE, "public.changed", "CREATE TABLE changed (a int);");
	o = add(&a, SCHEMA_KIND_TABLE, "public.granted", "CREATE TABLE granted ();");
	o->grant_sql = xstrdup("GRANT SELECT ON TABLE granted TO app;\n");
	add(&b, SCHEMA_KIND_TABLE, "public.granted", "CREATE TABLE granted ();");
	add(&b, SCHEMA_KIND_TABLE, "public.new", "CREATE TABLE new ();");
	add(&b, SCHEMA_KIND_TABLE, "public.changed", "CREATE TABLE changed (a bigint);");
	add(&b, SCHEMA_KIND_TABLE, "public.same", "CREATE TABLE same ();");
	schema_sort(&a);
	schema_sort(&b);
	assert_non_null(schema_find(&a, "table public.gone"));
	assert_null(schema_find(&b, "table public.gone"));
	assert_null(schema_find(&a, "view public.same"));
	assert_int_equal(schema_compare(&a, &b, record, &d), 4);
	assert_string_equal(d.out.data, "table public.changed table public.changed|table public.gone -|"
					"table public.granted table public.granted|- table public.new|");
	buf_release(&d.out);
	schema_model_free(&a);
	schema_model_free(&b);
}

static void unmodelled(struct schema_model *m, const char *kind, const char *kinds, const char *name)
{
	struct schema_unmodelled *u;

	m->unmodelled = xrealloc(m->unmodelled, (m->nunmodelled + 1) * sizeof(*m->unmodelled));
	u = &m->unmodelled[m->nunmodelled++];
	u->kind = xstrdup(kind);
	u->kinds = xstrdup(kinds);
	u->name = xstrdup(name);
}

/* The objects neither model holds: both models' merged, each once, by kind then name, six or more counted. */
static void test_unmodelled_phrase(void **state)
{
	struct schema_model a = { 0 }, b = { 0 };
	static const char *const names[] = { "s.t7", "s.t1", "s.t2", "s.t3", "s.t4", "s.t5", "s.t6" };
	char *p;

	(void)state;
	assert_null(schema_unmodelled_phrase(&a, &b));
	unmodelled(&a, "event trigger", "event triggers", "audit");
	assert_string_equal((p = schema_unmodelled_phrase(&a, NULL)), "1 event trigger (audit)");
	free(p);
	unmodelled(&b, "event trigger", "event triggers", "audit");
	unmodelled(&b, "base type", "base types", "public.b");
	unmodelled(&a, "base type", "base types", "public.a");
	unmodelled(&b, "cast", "casts", "(integer AS s.t)");
	assert_string_equal((p = schema_unmodelled_phrase(&a, &b)),
			    "2 base types (public.a, public.b), 1 cast ((integer AS s.t)) and 1 event trigger (audit)");
	free(p);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unmodelled(&b, "text search configuration", "text search configurations", names[i]);
	assert_string_equal((p = schema_unmodelled_phrase(&b, NULL)),
			    "1 base type (public.b), 1 cast ((integer AS s.t)), 1 event trigger (audit) and 7 text search "
			    "configurations (s.t1, s.t2, s.t3, s.t4, s.t5 and 2 more)");
	free(p);
	schema_model_free(&a);
	schema_model_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dependencies_then_kind_then_key),
		cmocka_unit_test(test_order_does_not_depend_on_insertion),
		cmocka_unit_test(test_a_cycle_is_broken_at_the_lowest_node),
		cmocka_unit_test(test_emit_skips_invalid_indexes),
		cmocka_unit_test(test_find_and_compare),
		cmocka_unit_test(test_unmodelled_phrase),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
