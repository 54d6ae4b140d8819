/*
 * resolve: the way out of a failed migration, as Prisma's migrate resolve,
 * and the acceptance of an edited one: the engine of pgshift resolve.  What
 * it did and what comes next are RUN_INFO, RUN_HINT and RUN_WARNING notices
 * on the caller's sink.
 */
#ifndef PGSHIFT_RUN_RESOLVE_H
#define PGSHIFT_RUN_RESOLVE_H

#include <stdbool.h>

#include "run/event.h"
#include "run/session.h"
#include "util/err.h"

enum resolve_as {
	RESOLVE_APPLIED,	/* a failed migration finished by hand: recorded as applied */
	RESOLVE_ROLLED_BACK,	/* a failed migration cleaned up: the next deploy runs it again */
	RESOLVE_ACCEPT_EDIT,	/* an applied migration whose file was edited: the new checksum recorded */
};

struct resolve_opts {
	enum resolve_as as;
	const char *name;	/* the migration */
	bool rerun;		/* RESOLVE_ROLLED_BACK: go on when statements of it are applied (deploy runs them again) */
	const char *who;	/* RESOLVE_ACCEPT_EDIT: who accepts the edit (the local user) */
};

/*
 * Resolves the migration o->name of the open (locked) session ss.  Only a
 * failed migration is resolved as applied (its file must be on disk) or
 * rolled back; one that commits in steps with statements applied is not
 * rolled back unless o->rerun (deploy would resume it without running them
 * again).  Only a modified one has an edit to accept.  Returns 0, or -1
 * with err set.
 */
int resolve_run(struct session *ss, const struct resolve_opts *o, const struct run_sink *sink, struct pgs_error *err);

#endif
