/*
 * sides: diff's two schemas read at the same time (see sides.h).
 */
#include "run/sides.h"

#include <stdlib.h>
#include <string.h>

#include "db/reset.h"
#include "util/exitcodes.h"

/* One side while it is read. */
struct side_state {
	const struct diff_side *d;
	PGconn *conn;			/* a URL side's connection; owned */
	struct target t;
	struct scratch s;		/* a scratch side's scratch database, once open */
	const struct migration **migs;	/* a migrations side's list (owned; the migrations borrowed) */
	struct shadow_fill fill;	/* what goes into a scratch side's database */
	struct shadow_load load;
	struct pgs_error err;
	int rc;
};

/* A URL side's failure names the side (-1). */
static int url_failed(const struct diff_side *d, struct pgs_error *err)
{
	err_prefix(err, "%s", d->which);
	return -1;
}

/* A scratch side's failure names the side and its source, unless a signal ended it (-1). */
static int scratch_failed(const struct diff_side *d, struct pgs_error *err)
{
	if (err->code != EXIT_INTERRUPTED)
		err_prefix(err, "%s %s", d->which, d->src);
	return -1;
}

/* Connects to a URL side, its password registered as a secret (common_connect). */
static int connect_side(const struct common_opts *base, struct side_state *x, struct pgs_error *err)
{
	struct common_opts c = *base;

	c.url = x->d->src;
	x->conn = common_connect(&c, &x->t, err);
	return x->conn ? 0 : url_failed(x->d, err);
}

/* What goes into a scratch side's database: its SQL file or directory, or all the migrations. */
static void side_fill(const struct sides_request *r, struct side_state *x)
{
	if (x->d->kind != SOURCE_MIGRATIONS) {
		x->fill.sql_path = x->d->src;
		return;
	}
	x->migs = xcalloc(r->set->n + 1, sizeof(*x->migs));
	for (size_t i = 0; i < r->set->n; i++)
		x->migs[i] = &r->set->items[i];
	x->fill = (struct shadow_fill){ NULL, r->ht, x->migs, r->set->n };
}

/*
 * Both sides in the one shadow database s the user named, in turn: filled,
 * read, emptied, filled with the other, read (0, or -1 with err).
 */
static int in_turn(const struct sides_request *r, struct side_state x[2], struct scratch *s, struct schema_model m[2],
		   struct pgs_error *err)
{
	for (int i = 0; i < 2; i++) {
		if (i && db_empty_database(s->conn, err) < 0)
			return scratch_failed(x[i].d, err);
		if (shadow_fill_db(s->conn, &x[i].fill, err) < 0)
			return scratch_failed(x[i].d, err);
		if (schema_load(s->conn, r->f, &m[i], err) < 0) {
			err_prefix(err, "reading the %s", s->where);
			return scratch_failed(x[i].d, err);
		}
	}
	return 0;
}

/*
 * Reads the two sides at the same time, --to on a second thread: a URL
 * side on its connection, a scratch side filled first.  While a scratch is
 * open (scratched), a signal cancels the read of a URL side too (it may
 * wait for a lock).  When both fail, the error told is the first of: the
 * URL sides, then the scratch sides, --from before --to (the order they
 * were read in one after the other).
 */
static int together(const struct sides_request *r, struct side_state x[2], bool scratched, struct schema_model m[2],
		    struct pgs_error *err)
{
	struct pgs_error ignore = PGS_ERROR_INIT;
	int rc = 0;

	for (int i = 0; i < 2; i++) {
		bool url = x[i].d->kind == SOURCE_URL;

		x[i].load = (struct shadow_load){ .s = url ? NULL : &x[i].s, .conn = x[i].conn, .fill = &x[i].fill,
						  .f = r->f, .m = &m[i] };
		x[i].err = (struct pgs_error)PGS_ERROR_INIT;
		/* two at most, of SCRATCH_MAX: cannot fail */
		if (url && scratched && scratch_watch(x[i].conn, &ignore) < 0)
			err_clear(&ignore);
	}
	shadow_load_start(&x[1].load);
	x[0].rc = shadow_load_run(&x[0].load, &x[0].err);
	x[1].rc = shadow_load_finish(&x[1].load, &x[1].err);
	for (int i = 0; i < 2; i++)
		if (x[i].d->kind == SOURCE_URL && scratched)
			scratch_unwatch(x[i].conn);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 2; i++) {
			bool url = x[i].d->kind == SOURCE_URL;

			if (x[i].rc >= 0 || url != (pass == 0))
				continue;
			if (rc < 0) {
				err_clear(&x[i].err);
				continue;
			}
			*err = x[i].err;
			x[i].err = (struct pgs_error)PGS_ERROR_INIT;
			rc = url ? url_failed(x[i].d, err) : scratch_failed(x[i].d, err);
		}
	}
	return rc;
}

int sides_load(const struct sides_request *r, struct schema_model m[2], struct pgs_error *err)
{
	struct side_state x[2] = { { .d = &r->sides[0] }, { .d = &r->sides[1] } };
	struct target host_t = { 0 };
	const struct target *tp = NULL;
	PGconn *host = NULL;	/* where a scratch database may be created: the first URL side, or host_t's */
	struct scratch *open[2];
	int scratch[2], nscratch = 0;
	size_t nopen = 0;
	int rc = -1;

	memset(m, 0, 2 * sizeof(*m));
	for (int i = 0; i < 2; i++) {
		if (x[i].d->kind != SOURCE_URL) {
			scratch[nscratch++] = i;
			side_fill(r, &x[i]);
			continue;
		}
		if (connect_side(r->c, &x[i], err) < 0)
			goto out;
		if (!host) {
			host = x[i].conn;
			tp = &x[i].t;
		}
	}
	if (nscratch && !host) {
		/* no URL side: a scratch database may be created on the server of the configured database */
		host = common_connect_if_configured(r->c, &host_t, err);
		if (!host && err->message)
			goto out;
		tp = host ? &host_t : NULL;
	}
	for (int k = 0; k < nscratch; k++) {
		struct side_state *xs = &x[scratch[k]];

		if (shadow_open(r->c, r->shadow_url, host, tp, false, &xs->s, err) < 0) {
			scratch_failed(xs->d, err);
			goto close;
		}
		open[nopen++] = &xs->s;
		if (!xs->s.created && nscratch == 2) {
			/* a shadow database the user named: the one database for both, in turn */
			rc = in_turn(r, x, &xs->s, m, err);
			goto close;
		}
	}
	rc = together(r, x, nopen > 0, m, err);
close:
	if (nopen) {
		bool ok = rc >= 0;

		/* dropped at the same time (scratch_close_all says why); a signal makes it 130 */
		rc = shadow_close_all(open, nopen, rc, err);
		if (ok && rc < 0 && nscratch == 1)
			scratch_failed(x[scratch[0]].d, err);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (x[i].conn)
			db_close(x[i].conn);
		target_free(&x[i].t);
		free(x[i].migs);
	}
	if (tp == &host_t)
		db_close(host);
	target_free(&host_t);
	return rc;
}
