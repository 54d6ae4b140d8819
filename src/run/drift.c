/*
 * drift: the engine of pgshift drift and of health's drift check (see
 * drift.h): the applied migrations replayed into a scratch database, both
 * models read and compared.
 */
#include "run/drift.h"

#include <stdlib.h>
#include <string.h>

#include "db/replay.h"
#include "run/shadow.h"
#include "schema/diff.h"

struct collect {
	struct drift *d;
	const char *skip_schema;	/* Prisma mode: pgshift's own schema beside Prisma's (deployments), not drift */
};

static bool own_object(const struct schema_object *o, const char *skip)
{
	if (!o || !skip)
		return false;
	/* the schema pgshift makes for its deployments table, with its sequence, key and index */
	return o->kind == SCHEMA_KIND_SCHEMA ? !strcmp(o->name, skip) : o->schema && !strcmp(o->schema, skip);
}

static void collect(const struct schema_object *a, const struct schema_object *b, void *arg)
{
	struct collect *c = arg;
	struct drift *d = c->d;

	if (own_object(a ? a : b, c->skip_schema))
		return;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->items = xrealloc(d->items, d->cap * sizeof(*d->items));
	}
	d->items[d->n].live = a;
	d->items[d->n].replayed = b;
	d->n++;
}

int drift_compute(struct session *ss, const struct common_opts *c, const char *shadow_url, bool only_ready,
		  const struct schema_filter *f, struct drift *d, struct pgs_error *err)
{
	struct scratch s;
	const struct migration **migs = NULL;
	size_t nm = 0;
	int rc = -1, opened;

	memset(d, 0, sizeof(*d));
	if (replay_applied(&ss->plan, &migs, &nm, err) < 0 || schema_load(ss->conn, f, &d->live, err) < 0) {
		free(migs);
		return -1;
	}
	opened = shadow_open(c, shadow_url, ss->conn, &ss->t, only_ready, &s, err);
	if (opened <= 0) {
		free(migs);
		return opened;
	}
	d->where = xstrdup(s.where);
	d->migrations = nm;
	if (replay_migrations(s.conn, &ss->ht, (const struct migration *const *)migs, nm, err) < 0)
		goto close;
	if (ss->ht.prisma) {
		/* pgshift's deployments schema beside Prisma's: made in the scratch too when the target has it */
		char *key = xasprintf("schema %s", deployments_schema(&ss->ht));
		bool has = schema_find(&d->live, key) != NULL;

		free(key);
		if (has && deployments_ensure(s.conn, &ss->ht, err) < 0)
			goto close;
	}
	if (schema_load(s.conn, f, &d->replayed, err) < 0) {
		err_prefix(err, "reading the %s", d->where);
		goto close;
	}
	rc = 1;
close:
	rc = shadow_close(&s, rc, err);
	if (rc > 0) {
		struct collect col = { d, ss->ht.prisma ? deployments_schema(&ss->ht) : NULL };
		schema_compare(&d->live, &d->replayed, collect, &col);
	}
	free(migs);
	return rc;
}

void drift_free(struct drift *d)
{
	schema_model_free(&d->live);
	schema_model_free(&d->replayed);
	free(d->items);
	free(d->where);
	memset(d, 0, sizeof(*d));
}

bool drift_knowable(const struct plan *p)
{
	return !(p->count[ST_FAILED] + p->count[ST_MODIFIED] + p->count[ST_MISSING] + p->count[ST_RUNNING]);
}

char *drift_reconcile_sql(const struct drift *d, struct pgs_error *err)
{
	struct diff_plan plan;
	struct buf sql = BUF_INIT;

	if (schema_diff_plan(&d->live, &d->replayed, &plan, err) < 0) {
		diff_plan_free(&plan);
		return NULL;
	}
	diff_plan_sql(&plan, &sql);
	diff_plan_free(&plan);
	return buf_detach(&sql);
}
