/*
 * plan: the state of every migration, computed from disk plus history.
 *
 * This is pure logic (no database, no printing) so that it can be tested on
 * its own.  The history may hold several rows for one migration (a failed
 * attempt later rolled back, then a successful one), as Prisma's does; the
 * rules are Prisma's:
 *   applied      a row finished and not rolled back (modified when the file's
 *                checksum differs from that row's)
 *   failed       a row started, neither finished nor rolled back
 *   rolled back  every row is rolled back; deploy applies it again
 *   missing      applied or failed in history, but no directory on disk
 *   pending      no row; out of order when older than the newest applied
 *   running      failed by the rows, but a deploy holding the migration lock
 *                is at work on it (plan_mark_running)
 */
#ifndef PGSHIFT_PLAN_H
#define PGSHIFT_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/migset.h"

struct history_row {
	char *id;
	char *checksum;
	char *migration_name;
	char *logs;		/* NULL when none */
	char *started_at;	/* ISO 8601 UTC, NULL when none */
	char *finished_at;
	char *rolled_back_at;
	int applied_steps_count;
	long duration_ms;	/* -1 when not finished */
};

struct history {
	bool table_exists;
	struct history_row *rows;	/* in started_at order */
	size_t n;
};

enum mstate {
	ST_APPLIED,
	ST_PENDING,
	ST_FAILED,
	ST_ROLLED_BACK,
	ST_MODIFIED,
	ST_MISSING,
	ST_OUT_OF_ORDER,
	ST_RUNNING,
	ST__COUNT
};

struct plan_entry {
	const char *name;
	enum mstate state;
	struct migration *mig;		/* NULL when missing */
	const struct history_row *row;	/* the row the state comes from; NULL when none */
};

struct plan {
	struct plan_entry *entries;	/* in name order */
	size_t n;
	size_t count[ST__COUNT];
	const char *newest_applied;	/* name, or NULL */
};

/* Computes the plan; entries point into set and hist, which must outlive it. */
void plan_compute(const struct migset *set, const struct history *hist, struct plan *out);
/*
 * Another session holds the migration lock: the newest started, unfinished
 * row is the deploy at work, not a failure.  Makes that entry (if any)
 * running; returns it, or NULL.
 */
const struct plan_entry *plan_mark_running(struct plan *p);
/*
 * Out-of-order migrations are allowed (--allow-out-of-order): they are
 * pending, as deploy sees them then.
 */
void plan_allow_out_of_order(struct plan *p);
/*
 * The state of migration name from its history rows alone (no file needed):
 * pending when it has none, else applied, failed or rolled back by the rules
 * above; *row (may be NULL) gets the deciding row.  `changed` asks this of a
 * migration that was edited or deleted: only pending and rolled back were
 * never applied (failed may be partly applied).
 */
enum mstate plan_history_state(const struct history *hist, const char *name, const struct history_row **row);
void plan_free(struct plan *p);
const char *mstate_name(enum mstate s);
/* True for the states deploy applies: pending, rolled back (and out of order when allowed). */
bool plan_is_pending(enum mstate s, bool allow_out_of_order);
/* True for failed, modified, missing. */
bool plan_is_problem(enum mstate s);

void history_free(struct history *h);

#endif
