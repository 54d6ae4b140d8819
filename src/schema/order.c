/*
 * order: the load order of a model (a topological sort of its dependency
 * edges, ties broken by kind rank then key) and the dump SQL in that order.
 *
 * Nothing here looks at OIDs: the same schema gives the same order and the
 * same bytes in any database.
 */
#include "schema/model.h"

#include <stdlib.h>
#include <string.h>

/*
 * Where a node stands when nothing else decides.  Tables come before every
 * constraint, so foreign keys (after the indexes: a foreign key needs its
 * referenced unique index) can never form a cycle between tables, and a
 * sequence's OWNED BY after every table and view.
 */
static int rank(const struct schema_model *m, size_t node)
{
	const struct schema_object *o;

	if (node >= m->n)
		return 2 * SCHEMA_KIND_MATVIEW + 1;
	o = &m->objects[node];
	if (o->kind == SCHEMA_KIND_CONSTRAINT && o->subkind == 'f')
		return 2 * SCHEMA_KIND_INDEX + 1;
	return 2 * (int)o->kind;
}

static int node_cmp(const struct schema_model *m, size_t a, size_t b)
{
	int ra = rank(m, a), rb = rank(m, b);
	size_t ia = a >= m->n ? a - m->n : a, ib = b >= m->n ? b - m->n : b;

	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (ia != ib)
		return ia < ib ? -1 : 1;	/* objects are sorted by key: index order is key order */
	return 0;
}

/* A binary min-heap of node numbers under node_cmp. */
struct heap {
	size_t *v;
	size_t n;
};

static void heap_push(const struct schema_model *m, struct heap *h, size_t x)
{
	size_t i = h->n++;

	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (node_cmp(m, h->v[p], x) <= 0)
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = x;
}

static size_t heap_pop(const struct schema_model *m, struct heap *h)
{
	size_t top = h->v[0], x = h->v[--h->n], i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && node_cmp(m, h->v[c + 1], h->v[c]) < 0)
			c++;
		if (node_cmp(m, x, h->v[c]) <= 0)
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = x;
	return top;
}

/* Calls add(from, to, ctx) for every edge "from must come before to", the extra ones last. */
static void edges(const struct schema_model *m, const size_t (*extra)[2], size_t nextra,
		  void (*add)(size_t from, size_t to, void *ctx), void *ctx)
{
	for (size_t k = 0; k < nextra; k++)
		add(extra[k][0], extra[k][1], ctx);
	for (size_t i = 0; i < m->n; i++) {
		const struct schema_object *o = &m->objects[i];
		for (size_t k = 0; k < o->ndeps; k++)
			add(o->deps[k], i, ctx);
		if (o->post_sql) {
			add(i, m->n + i, ctx);
			if (o->post_dep != SCHEMA_NONE)
				add(o->post_dep, m->n + i, ctx);
		}
	}
}

struct graph {
	size_t *indeg;
	size_t *start;	/* CSR: the successors of node x are next[start[x] .. start[x + 1]) */
	size_t *next;
	size_t *fill;
};

static void count_edge(size_t from, size_t to, void *ctx)
{
	struct graph *g = ctx;

	g->start[from + 1]++;
	g->indeg[to]++;
}

static void put_edge(size_t from, size_t to, void *ctx)
{
	struct graph *g = ctx;

	g->next[g->fill[from]++] = to;
}

void schema_order(const struct schema_model *m, size_t **order, size_t *n)
{
	schema_order_with(m, NULL, 0, order, n);
}

void schema_order_with(const struct schema_model *m, const size_t (*extra)[2], size_t nextra, size_t **order,
		       size_t *n)
{
	size_t nodes = 2 * m->n, out = 0;
	struct graph g;
	struct heap h;
	bool *present = xcalloc(nodes + 1, sizeof(bool)), *done = xcalloc(nodes + 1, sizeof(bool));

	g.indeg = xcalloc(nodes + 1, sizeof(size_t));
	g.start = xcalloc(nodes + 2, sizeof(size_t));
	g.fill = xcalloc(nodes + 1, sizeof(size_t));
	edges(m, extra, nextra, count_edge, &g);
	for (size_t x = 0; x < nodes; x++)
		g.start[x + 1] += g.start[x];
	g.next = xmalloc((g.start[nodes] + 1) * sizeof(size_t));
	memcpy(g.fill, g.start, nodes * sizeof(size_t));
	edges(m, extra, nextra, put_edge, &g);

	h.v = xmalloc((nodes + 1) * sizeof(size_t));
	h.n = 0;
	*order = xmalloc((nodes + 1) * sizeof(size_t));
	for (size_t x = 0; x < nodes; x++) {
		present[x] = x < m->n || m->objects[x - m->n].post_sql;
		if (present[x] && !g.indeg[x])
			heap_push(m, &h, x);
	}
	for (;;) {
		size_t x;

		if (!h.n) {
			/* A cycle: take the lowest node not yet placed, as if its dependencies were met. */
			size_t best = nodes;
			for (size_t y = 0; y < nodes; y++)
				if (present[y] && !done[y] && (best == nodes || node_cmp(m, y, best) < 0))
					best = y;
			if (best == nodes)
				break;
			g.indeg[best] = 0;
			heap_push(m, &h, best);
		}
		x = heap_pop(m, &h);
		if (done[x])
			continue;
		done[x] = true;
		(*order)[out++] = x;
		for (size_t k = g.start[x]; k < g.start[x + 1]; k++) {
			size_t y = g.next[k];
			if (!done[y] && g.indeg[y] && --g.indeg[y] == 0)
				heap_push(m, &h, y);
		}
	}
	*n = out;
	free(present);
	free(done);
	free(g.indeg);
	free(g.start);
	free(g.fill);
	free(g.next);
	free(h.v);
}

void schema_emit(const struct schema_model *m, struct buf *out)
{
	size_t *order, n;

	buf_adds(out, "-- schema dumped by pgshift: dependency-ordered; load with psql -f\n\n"
		      "SET check_function_bodies = false;\n");
	schema_order(m, &order, &n);
	for (size_t k = 0; k < n; k++) {
		const struct schema_object *o = &m->objects[order[k] < m->n ? order[k] : order[k] - m->n];

		if (order[k] >= m->n) {
			buf_addf(out, "\n%s", o->post_sql);
			continue;
		}
		if (o->kind == SCHEMA_KIND_INDEX && !o->valid)
			continue;
		buf_addf(out, "\n%s", o->create_sql);
		if (o->comment_sql)
			buf_adds(out, o->comment_sql);
		if (o->grant_sql)
			buf_adds(out, o->grant_sql);
	}
	free(order);
}
