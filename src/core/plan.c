/*
 * plan: merging the migrations on disk with the history rows.
 */
#include "core/plan.h"

#include <stdlib.h>
#include <string.h>

const char *mstate_name(enum mstate s)
{
	static const char *names[] = {
		[ST_APPLIED] = "applied", [ST_PENDING] = "pending", [ST_FAILED] = "failed",
		[ST_ROLLED_BACK] = "rolled back", [ST_MODIFIED] = "modified",
		[ST_MISSING] = "missing", [ST_OUT_OF_ORDER] = "out of order", [ST_RUNNING] = "running",
	};
	return s < ST__COUNT ? names[s] : "unknown";
}

bool plan_is_pending(enum mstate s, bool allow_out_of_order)
{
	return s == ST_PENDING || s == ST_ROLLED_BACK || (allow_out_of_order && s == ST_OUT_OF_ORDER);
}

bool plan_is_problem(enum mstate s)
{
	return s == ST_FAILED || s == ST_MODIFIED || s == ST_MISSING;
}

/* Rows sorted by name, keeping started_at order within a name (qsort is not stable). */
struct row_ref {
	const struct history_row *row;
	size_t pos;
};

static int cmp_row_ref(const void *a, const void *b)
{
	const struct row_ref *x = a, *y = b;
	int c = strcmp(x->row->migration_name, y->row->migration_name);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * Picks the state of one migration from its rows (in started_at order):
 * the newest applied row wins, then the newest failed one, else rolled back.
 */
static enum mstate state_from_rows(const struct history_row *const *rows, size_t n,
				   const struct history_row **row)
{
	const struct history_row *applied = NULL, *failed = NULL, *rolled = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct history_row *r = rows[i];

		if (r->rolled_back_at)
			rolled = r;
		else if (r->finished_at)
			applied = r;
		else
			failed = r;
	}
	if (applied) {
		*row = applied;
		return ST_APPLIED;
	}
	if (failed) {
		*row = failed;
		return ST_FAILED;
	}
	*row = rolled;
	return ST_ROLLED_BACK;
}

static void add_entry(struct plan *p, size_t *cap, struct plan_entry e)
{
	if (p->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		p->entries = xrealloc(p->entries, *cap * sizeof(*p->entries));
	}
	p->entries[p->n++] = e;
}

void plan_compute(const struct migset *set, const struct history *hist, struct plan *out)
{
	struct row_ref *refs = xmalloc((hist->n + 1) * sizeof(*refs));
	const struct history_row **rows = xmalloc((hist->n + 1) * sizeof(*rows));
	size_t cap = 0, i = 0, j = 0;

	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < hist->n; k++) {
		refs[k].row = &hist->rows[k];
		refs[k].pos = k;
	}
	qsort(refs, hist->n, sizeof(*refs), cmp_row_ref);
	for (size_t k = 0; k < hist->n; k++)
		rows[k] = refs[k].row;
	free(refs);

	/* Merge the two name-sorted lists. */
	while (i < set->n || j < hist->n) {
		struct plan_entry e = { 0 };
		int c;

		if (i >= set->n)
			c = 1;
		else if (j >= hist->n)
			c = -1;
		else
			c = strcmp(set->items[i].name, rows[j]->migration_name);

		if (c < 0) {
			e.name = set->items[i].name;
			e.mig = &set->items[i];
			e.state = ST_PENDING;
			i++;
		} else {
			size_t start = j;
			const char *name = rows[j]->migration_name;

			while (j < hist->n && !strcmp(rows[j]->migration_name, name))
				j++;
			e.state = state_from_rows(&rows[start], j - start, &e.row);
			e.name = name;
			if (c == 0) {
				e.mig = &set->items[i];
				e.name = e.mig->name;
				i++;
				if (e.state == ST_APPLIED && strcmp(e.row->checksum, e.mig->checksum))
					e.state = ST_MODIFIED;
			} else if (e.state == ST_ROLLED_BACK) {
				continue;	/* reverted and deleted: nothing left to say */
			} else {
				e.state = ST_MISSING;
			}
		}
		add_entry(out, &cap, e);
	}
	free(rows);

	for (size_t k = 0; k < out->n; k++)
		if (out->entries[k].state == ST_APPLIED || out->entries[k].state == ST_MODIFIED)
			out->newest_applied = out->entries[k].name;
	for (size_t k = 0; k < out->n; k++) {
		struct plan_entry *e = &out->entries[k];

		if (e->state == ST_PENDING && out->newest_applied && strcmp(e->name, out->newest_applied) < 0)
			e->state = ST_OUT_OF_ORDER;
		out->count[e->state]++;
	}
}

const struct plan_entry *plan_mark_running(struct plan *p)
{
	struct plan_entry *newest = NULL;

	for (size_t k = 0; k < p->n; k++) {
		struct plan_entry *e = &p->entries[k];

		/* ISO 8601 UTC timestamps of one format: text order is time order */
		if (e->state == ST_FAILED && e->row && e->row->started_at &&
		    (!newest || strcmp(e->row->started_at, newest->row->started_at) > 0))
			newest = e;
	}
	if (newest) {
		p->count[ST_FAILED]--;
		p->count[ST_RUNNING]++;
		newest->state = ST_RUNNING;
	}
	return newest;
}

void plan_allow_out_of_order(struct plan *p)
{
	for (size_t k = 0; k < p->n; k++)
		if (p->entries[k].state == ST_OUT_OF_ORDER)
			p->entries[k].state = ST_PENDING;
	p->count[ST_PENDING] += p->count[ST_OUT_OF_ORDER];
	p->count[ST_OUT_OF_ORDER] = 0;
}

enum mstate plan_history_state(const struct history *hist, const char *name, const struct history_row **row)
{
	const struct history_row **rows = xmalloc((hist->n + 1) * sizeof(*rows));
	const struct history_row *dummy;
	size_t n = 0;
	enum mstate s = ST_PENDING;

	if (!row)
		row = &dummy;
	*row = NULL;
	for (size_t k = 0; k < hist->n; k++)	/* kept in started_at order */
		if (!strcmp(hist->rows[k].migration_name, name))
			rows[n++] = &hist->rows[k];
	if (n)
		s = state_from_rows(rows, n, row);
	free(rows);
	return s;
}

void plan_free(struct plan *p)
{
	free(p->entries);
	memset(p, 0, sizeof(*p));
}

void history_free(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		struct history_row *r = &h->rows[i];
		free(r->id);
		free(r->checksum);
		free(r->migration_name);
		free(r->logs);
		free(r->started_at);
		free(r->finished_at);
		free(r->rolled_back_at);
	}
	free(h->rows);
	memset(h, 0, sizeof(*h));
}
