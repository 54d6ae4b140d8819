/*
 * event: how an engine of run/ tells its command what happens while it
 * works, without printing.
 *
 * run/ never includes util/output.h or jansson: an engine fills a struct
 * run_event and hands it to the sink its caller gave it (the pattern of
 * db_notice_hook).  A command supplies the sink: text on a terminal or in a
 * log, JSON objects, GitHub annotations.  A NULL sink, or one with no emit
 * function, drops every event (a caller that wants silence).
 *
 * The event and everything it points to live only for the duration of the
 * emit call: a sink that keeps something copies it.
 */
#ifndef PGSHIFT_RUN_EVENT_H
#define PGSHIFT_RUN_EVENT_H

#include <stdbool.h>

struct finding;
struct findings;

/* How a migration runs. */
enum run_how {
	RUN_IN_TRANSACTION,	/* one transaction */
	RUN_NO_TRANSACTION,	/* statement by statement, outside a transaction */
	RUN_WITH_BACKFILL,	/* in steps: runs of statements in transactions, backfills in batches */
};

enum run_event_kind {
	RUN_APPLIED,	/* a migration committed: name, ms, statements, resumed_from, how; down: its down.sql (reverted) */
	RUN_PLANNED,	/* a dry run: a migration that would be applied (down: reverted): name, statements,
			   resumed_from, resuming, how */
	RUN_PROGRESS,	/* a backfill's progress: name and the progress fields */
	RUN_RETRY,	/* a lock timeout, trying again: name, text (what happened and when the next try is) */
	RUN_NOTICE,	/* a line for the user: level and text */
	RUN_FINDING,	/* a lint finding: finding */
	RUN_FINDINGS,	/* the findings of a lint run that stops, as one report: findings */
};

enum run_level {
	RUN_INFO,	/* what pgshift is doing: stdout in text; left out when stdout holds a JSON result */
	RUN_DONE,	/* what pgshift did on its own (an invalid index dropped, the hook called): stdout in text, else as RUN_STATUS */
	RUN_STATUS,	/* what pgshift waits for or resumes: stderr in text ("pgshift: ...") */
	RUN_WARNING,	/* "pgshift: warning: ..." */
	RUN_HINT,	/* "hint: ..." after the warning it explains */
};

struct run_progress {
	long long done;		/* rows of every run of the backfill */
	long long this_run;	/* rows of this run */
	long long total;	/* estimated (or counted) rows */
	double rate;		/* rows per second of this run */
	double eta_s;		/* seconds left at that rate; 0 when unknown */
	long batch;		/* size of the next batch */
	double elapsed_s;	/* seconds of this run */
	double longest_ms;	/* the longest batch of this run (how long its row locks were held) */
	bool final;		/* the last report of a run that finished */
};

struct run_event {
	enum run_event_kind kind;
	enum run_level level;		/* RUN_NOTICE, RUN_RETRY */
	const char *name;		/* the migration or backfill, or NULL */
	const char *text;		/* RUN_NOTICE, RUN_RETRY: one or more lines, without the "pgshift: " prefix */
	double ms;			/* RUN_APPLIED: how long it took */
	long statements;		/* RUN_APPLIED: statements of the migration */
	long resumed_from;		/* RUN_APPLIED, RUN_PLANNED: first statement applied by this run (0-based; 0: all) */
	bool resuming;			/* RUN_PLANNED: a failed run is resumed */
	enum run_how how;		/* RUN_APPLIED, RUN_PLANNED */
	bool down;			/* RUN_APPLIED, RUN_PLANNED: a down.sql (rollback), not the migration */
	struct run_progress progress;	/* RUN_PROGRESS */
	const struct finding *finding;	/* RUN_FINDING */
	const struct findings *findings;	/* RUN_FINDINGS */
};

struct run_sink {
	void (*emit)(const struct run_event *ev, void *ctx);
	void *ctx;
};

/* Hands ev to sink (NULL, or no emit function: dropped). */
void run_emit(const struct run_sink *sink, const struct run_event *ev);
/* A RUN_NOTICE of level with the formatted text. */
void run_notice(const struct run_sink *sink, enum run_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
