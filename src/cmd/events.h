/*
 * events: how a command prints the events of its engines (run/event.h):
 * lines on stdout and stderr, a lint report, and, for deploy --json,
 * reset and rollback --json, the JSON list of the migrations applied or
 * reverted (or, in a dry run, that would be).
 */
#ifndef PGSHIFT_EVENTS_H
#define PGSHIFT_EVENTS_H

#include <jansson.h>
#include <stdbool.h>

#include "run/event.h"

struct cmd_events {
	struct run_sink sink;	/* hand &ev->sink to the engine */
	bool json;		/* stdout holds a JSON result: RUN_INFO is left out, RUN_DONE and reports go to stderr */
	bool strict;		/* RUN_FINDINGS: warnings block too */
	json_t *list;		/* when not NULL, RUN_APPLIED and RUN_PLANNED are appended to it as objects (borrowed) */
};

/* Sets ev up; list may be NULL. */
void cmd_events_init(struct cmd_events *ev, bool json, json_t *list);
/* The sink of a command that prints text and keeps no list. */
const struct run_sink *cmd_text_sink(void);

#endif
