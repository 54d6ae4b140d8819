/*
 * model: the objects of a schema model, their keys, lookup and comparison.
 * Loading is load.c's; ordering and SQL output order.c's.
 */
#include "schema/model.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[SCHEMA_KIND_COUNT] = {
	[SCHEMA_KIND_SCHEMA] = "schema",
	[SCHEMA_KIND_EXTENSION] = "extension",
	[SCHEMA_KIND_COLLATION] = "collation",
	[SCHEMA_KIND_ENUM] = "enum",
	[SCHEMA_KIND_DOMAIN] = "domain",
	[SCHEMA_KIND_COMPOSITE] = "composite",
	[SCHEMA_KIND_RANGE] = "range",
	[SCHEMA_KIND_SEQUENCE] = "sequence",
	[SCHEMA_KIND_FUNCTION] = "function",
	[SCHEMA_KIND_AGGREGATE] = "aggregate",
	[SCHEMA_KIND_TABLE] = "table",
	[SCHEMA_KIND_VIEW] = "view",
	[SCHEMA_KIND_MATVIEW] = "materialized_view",
	[SCHEMA_KIND_CONSTRAINT] = "constraint",
	[SCHEMA_KIND_INDEX] = "index",
	[SCHEMA_KIND_STATISTICS] = "statistics",
	[SCHEMA_KIND_TRIGGER] = "trigger",
	[SCHEMA_KIND_POLICY] = "policy",
	[SCHEMA_KIND_PUBLICATION] = "publication",
	[SCHEMA_KIND_DEFAULT_ACL] = "default_privileges",
};

const char *schema_kind_name(enum schema_kind k)
{
	return k < SCHEMA_KIND_COUNT ? kind_names[k] : "object";
}

struct schema_object *schema_add(struct schema_model *m, enum schema_kind kind, const char *schema,
				 const char *name, const char *qname)
{
	struct schema_object *o;

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->objects = xrealloc(m->objects, m->cap * sizeof(*m->objects));
	}
	o = &m->objects[m->n++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->schema = schema ? xstrdup(schema) : NULL;
	o->name = xstrdup(name);
	o->qname = xstrdup(qname);
	o->key = xasprintf("%s %s", schema_kind_name(kind), qname);
	o->post_dep = SCHEMA_NONE;
	o->valid = true;
	return o;
}

void schema_column_settings(const char *table, const struct schema_part *c, struct buf *out)
{
	if (c->storage)
		buf_addf(out, "ALTER TABLE %s ALTER COLUMN %s SET STORAGE %s;\n", table, c->name, c->storage);
	if (c->compression)
		buf_addf(out, "ALTER TABLE %s ALTER COLUMN %s SET COMPRESSION %s;\n", table, c->name, c->compression);
	if (c->stattarget >= 0)
		buf_addf(out, "ALTER TABLE %s ALTER COLUMN %s SET STATISTICS %d;\n", table, c->name, c->stattarget);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct schema_object *)a)->key, ((const struct schema_object *)b)->key);
}

void schema_sort(struct schema_model *m)
{
	if (m->n > 1)
		qsort(m->objects, m->n, sizeof(*m->objects), by_key);
}

void schema_depend(struct schema_model *m, size_t obj, size_t needs)
{
	struct schema_object *o = &m->objects[obj];
	size_t lo = 0, hi = o->ndeps;

	if (obj == needs)
		return;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (o->deps[mid] < needs)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < o->ndeps && o->deps[lo] == needs)
		return;
	o->deps = xrealloc(o->deps, (o->ndeps + 1) * sizeof(*o->deps));
	memmove(o->deps + lo + 1, o->deps + lo, (o->ndeps - lo) * sizeof(*o->deps));
	o->deps[lo] = needs;
	o->ndeps++;
}

size_t schema_index(const struct schema_model *m, const char *key)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(m->objects[mid].key, key);
		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SCHEMA_NONE;
}

const struct schema_object *schema_find(const struct schema_model *m, const char *key)
{
	size_t i = schema_index(m, key);

	return i == SCHEMA_NONE ? NULL : &m->objects[i];
}

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

bool schema_object_equal(const struct schema_object *a, const struct schema_object *b)
{
	return a->kind == b->kind && same(a->create_sql, b->create_sql) && same(a->post_sql, b->post_sql) &&
	       same(a->comment_sql, b->comment_sql) && same(a->grant_sql, b->grant_sql);
}

size_t schema_compare(const struct schema_model *a, const struct schema_model *b, schema_diff_fn fn, void *arg)
{
	size_t i = 0, j = 0, diffs = 0;

	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->objects[i].key, b->objects[j].key);

		if (c < 0) {
			fn(&a->objects[i++], NULL, arg);
			diffs++;
		} else if (c > 0) {
			fn(NULL, &b->objects[j++], arg);
			diffs++;
		} else {
			if (!schema_object_equal(&a->objects[i], &b->objects[j])) {
				fn(&a->objects[i], &b->objects[j], arg);
				diffs++;
			}
			i++;
			j++;
		}
	}
	return diffs;
}

static int by_kind_name(const void *a, const void *b)
{
	const struct schema_unmodelled *x = *(const struct schema_unmodelled *const *)a;
	const struct schema_unmodelled *y = *(const struct schema_unmodelled *const *)b;
	int c = strcmp(x->kind, y->kind);

	return c ? c : strcmp(x->name, y->name);
}

/* At most this many names of one kind are listed; the others are counted. */
#define UNMODELLED_NAMES 5

char *schema_unmodelled_phrase(const struct schema_model *a, const struct schema_model *b)
{
	size_t n = a->nunmodelled + (b ? b->nunmodelled : 0), kinds = 0, k = 0;
	const struct schema_unmodelled **v = xmalloc((n + 1) * sizeof(*v));
	struct buf out = BUF_INIT;

	for (size_t i = 0; i < a->nunmodelled; i++)
		v[k++] = &a->unmodelled[i];
	for (size_t i = 0; b && i < b->nunmodelled; i++)
		v[k++] = &b->unmodelled[i];
	qsort(v, n, sizeof(*v), by_kind_name);
	/* once each */
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (!k || by_kind_name(&v[k - 1], &v[i]))
			v[k++] = v[i];
	n = k;
	for (size_t i = 0; i < n; i++)
		kinds += !i || strcmp(v[i - 1]->kind, v[i]->kind);
	for (size_t i = 0, g = 0; i < n; g++) {
		size_t j = i;
		while (j < n && !strcmp(v[j]->kind, v[i]->kind))
			j++;
		buf_addf(&out, "%s%zu %s (", !g ? "" : g + 1 == kinds ? " and " : ", ", j - i,
			 j - i == 1 ? v[i]->kind : v[i]->kinds);
		for (size_t x = i; x < j && x < i + UNMODELLED_NAMES; x++)
			buf_addf(&out, "%s%s", x > i ? ", " : "", v[x]->name);
		if (j - i > UNMODELLED_NAMES)
			buf_addf(&out, " and %zu more", j - i - UNMODELLED_NAMES);
		buf_addc(&out, ')');
		i = j;
	}
	free(v);
	if (!n)
		return NULL;
	return buf_detach(&out);
}

void schema_model_free(struct schema_model *m)
{
	for (size_t i = 0; i < m->nunmodelled; i++) {
		free(m->unmodelled[i].kind);
		free(m->unmodelled[i].kinds);
		free(m->unmodelled[i].name);
	}
	free(m->unmodelled);
	for (size_t i = 0; i < m->n; i++) {
		struct schema_object *o = &m->objects[i];
		free(o->schema);
		free(o->name);
		free(o->qname);
		free(o->key);
		free(o->table);
		free(o->ref);
		free(o->create_sql);
		free(o->post_sql);
		free(o->comment_sql);
		free(o->grant_sql);
		for (size_t k = 0; k < o->nparts; k++) {
			free(o->parts[k].name);
			free(o->parts[k].sql);
			free(o->parts[k].type);
			free(o->parts[k].collation);
			free(o->parts[k].default_expr);
			free(o->parts[k].generated);
			free(o->parts[k].identity);
			free(o->parts[k].storage);
			free(o->parts[k].type_storage);
			free(o->parts[k].compression);
		}
		free(o->parts);
		free(o->deps);
	}
	free(m->objects);
	memset(m, 0, sizeof(*m));
}
