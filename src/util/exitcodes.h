/*
 * Exit codes of pgshift, as documented in the manual and ARCHITECTURE.md.
 * CI scripts branch on them, so they never change meaning.
 */
#ifndef PGSHIFT_EXITCODES_H
#define PGSHIFT_EXITCODES_H

enum pgs_exit {
	EXIT_OK = 0,
	EXIT_FAILURE_ = 1,	/* connection, SQL error, hook, I/O */
	EXIT_USAGE = 2,		/* bad command line or bad input files */
	EXIT_BLOCKED = 3,	/* stopped by the safety gate */
	EXIT_PENDING = 4,	/* status: migrations are pending */
	EXIT_HISTORY = 5,	/* history problem: failed, modified, missing */
	EXIT_LOCK = 6,		/* advisory lock not acquired in time */
	EXIT_INTERRUPTED = 130,	/* stopped by SIGINT or SIGTERM after saving its progress (128 + SIGINT, as shells say) */
};

#endif
