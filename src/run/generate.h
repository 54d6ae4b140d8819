/*
 * generate: the engine of `pgshift new NAME --from-schema`: the migrations
 * that take the schema the project's migrations make to the one a schema
 * file holds, each with the SQL that undoes it.
 *
 * The schema file is loaded into one scratch database and the migrations
 * replayed into another at the same time (run/shadow.h: the file on a
 * second thread), unless the scratch is a shadow database the user named:
 * then it is filled with one after the other.  The plan between the two
 * models (schema/diff.h) is cut into migrations where it says; each is run
 * in the replayed scratch in turn, and the model read after it gives its
 * down SQL (the plan back to the model before it), so that rollback, newest
 * first, undoes each one alone.  A migration that touches only tables and
 * what belongs to them (columns, constraints, indexes, triggers, policies)
 * has only those tables read again (schema_load_tables): on a large schema
 * a whole read per migration would cost more than the migrations.  The
 * model after the last one is read whole, to say what still differs.
 * Nothing here prints or writes files: the objects of kinds pgshift does
 * not model, which the plan cannot see, are a RUN_WARNING on the sink.
 */
#ifndef PGSHIFT_RUN_GENERATE_H
#define PGSHIFT_RUN_GENERATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/migset.h"
#include "db/history.h"
#include "run/event.h"
#include "run/session.h"
#include "schema/diff.h"
#include "util/buf.h"

struct generate_request {
	const struct common_opts *c;	/* where a scratch database may be created (the configured target) */
	const char *shadow_url;		/* --shadow-url, or NULL (then PGSHIFT_SHADOW_URL) */
	const char *file;		/* the schema file */
	const struct migset *set;	/* the project's migrations, all replayed in order */
	const struct history_table *ht;
	const struct run_sink *sink;	/* told of what the plan cannot see (RUN_WARNING); NULL: nobody */
};

/* One migration of the plan: statements [first, end), and the SQL that undoes it. */
struct generate_step {
	size_t first, end;
	bool in_transaction;
	struct buf down;
};

/* What generate_from_schema made (owned; generate_free). */
struct generated {
	struct diff_plan plan;
	struct generate_step *steps;
	size_t n;			/* 0: no schema changes */
	size_t left;			/* objects the migrations still do not make as the file does */
	struct buf left_names;		/* a few of them, named */
};

/* Fills g (also on failure: free it); -1 with err (code 130 after a signal, both scratches dropped). */
int generate_from_schema(const struct generate_request *r, struct generated *g, struct pgs_error *err);
void generate_free(struct generated *g);

/*
 * The engine of `pgshift down NAME`: the SQL that takes the schema after
 * migs[n - 1] back to the one before it (schema_down_sql), appended to
 * out.  migs[0..n-1) are replayed into a scratch database (run/shadow.h,
 * from c and shadow_url; the target, when one is configured, only says
 * where a scratch may be created), read, then migs[n - 1] and read again.
 * Returns the number of statements, or -1 with err.
 */
int generate_down(const struct common_opts *c, const char *shadow_url, const struct history_table *ht,
		  const struct migration *const *migs, size_t n, struct buf *out, struct pgs_error *err);

#endif
