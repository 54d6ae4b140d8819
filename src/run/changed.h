/*
 * changed: which migrations a push adds, edits or deletes, the engine of
 * pgshift changed (CI's "detects schema/migration changes").
 *
 * Compares the migrations directory of the working tree (plus untracked
 * files) with a git ref.  Adding migrations is the normal case.  Editing or
 * deleting the migration.sql of one that exists at the ref rewrites history
 * when that migration is applied: with a database configured, the history
 * table says which are (read only: a SELECT, nothing created), so a
 * migration never applied there (pending, or rolled back) may be fixed; an
 * applied one, or one that failed part-way (partly applied), is refused.
 * Without a database (or with no_db) every edit or deletion is refused.
 * The base "deployed" is the commit of the last successful deploy
 * (pgshift_deployments).
 */
#ifndef PGSHIFT_RUN_CHANGED_H
#define PGSHIFT_RUN_CHANGED_H

#include <stdbool.h>
#include <stddef.h>

#include "core/plan.h"
#include "run/event.h"
#include "run/session.h"
#include "util/err.h"

enum changed_kind { CHANGED_ADDED, CHANGED_EDITED, CHANGED_DELETED };

/* One migration whose migration.sql changed. */
struct changed_migration {
	char *name;
	enum changed_kind change;
	enum mstate state;	/* what the history says of it (with_db only) */
	bool applied;		/* with_db: applied, or partly (failed part-way): not pending, not rolled back */
	bool refused;		/* an edit or deletion of what may be applied */
};

/* What changed since the base; every string is the result's (changed_result_free). */
struct changed_result {
	char *base;		/* the ref compared with, as given (or the deployed commit, or the default picked) */
	char *dir;		/* the migrations directory */
	bool with_db;		/* the history was read */
	char *database;		/* with_db: the target as it may be shown */
	struct changed_migration *migrations;	/* the added, then the edited, then the deleted, each in git's order */
	size_t n;
	char **down;		/* migrations whose down.sql changed */
	size_t n_down;
	size_t refused;		/* how many of migrations are refused */
};

/*
 * Compares with base (NULL: origin/main, else HEAD~1, else the empty tree;
 * "deployed": the commit of the last successful deploy, said in a RUN_INFO
 * notice on sink) and, unless no_db, reads the history of the database c
 * configures, if any.  Returns 0 with *r filled (refused edits are in it,
 * not an error), or -1 with err set.
 */
int changed_run(const struct common_opts *c, const char *base, bool no_db, struct changed_result *r,
		const struct run_sink *sink, struct pgs_error *err);
void changed_result_free(struct changed_result *r);

#endif
