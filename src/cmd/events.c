/*
 * events: printing the events of run/ (see events.h).
 */
#include "cmd/events.h"

#include <stdio.h>
#include <string.h>

#include "lint/lint.h"
#include "util/buf.h"
#include "util/output.h"

static const char *how_text(enum run_how how)
{
	return how == RUN_NO_TRANSACTION ? ", no transaction" : how == RUN_WITH_BACKFILL ? ", with backfill" : "";
}

/* Each line of text on stderr after "pgshift: ". */
static void status_lines(const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		out_eprintf("pgshift: %.*s\n", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

static void notice(const struct cmd_events *ev, enum run_level level, const char *text)
{
	switch (level) {
	case RUN_INFO:
		if (!ev->json)
			out_printf("%s\n", text);
		break;
	case RUN_DONE:
		if (!ev->json)
			out_printf("%s\n", text);
		else
			status_lines(text);
		break;
	case RUN_STATUS:
		status_lines(text);
		break;
	case RUN_WARNING:
		out_warning("%s", text);
		break;
	case RUN_HINT:
		out_hint("%s", text);
		break;
	}
}

static void applied(const struct cmd_events *ev, const struct run_event *e)
{
	if (e->down) {
		if (ev->list)
			json_array_append_new(ev->list, json_pack("{s:s, s:I}", "name", e->name, "duration_ms",
								  (json_int_t)(e->ms + 0.5)));
		if (!ev->json)
			out_printf("%sreverted%s %s (%.0f ms)\n", out_c(C_YELLOW), out_reset(), e->name, e->ms);
		return;
	}
	if (ev->list)
		json_array_append_new(ev->list, json_pack("{s:s, s:I, s:b}", "name", e->name, "duration_ms",
							  (json_int_t)(e->ms + 0.5), "transaction",
							  e->how != RUN_NO_TRANSACTION));
	if (!ev->json)
		out_printf("%sapplied%s %s (%.0f ms%s)\n", out_c(C_GREEN), out_reset(), e->name, e->ms, how_text(e->how));
}

static void planned(const struct cmd_events *ev, const struct run_event *e)
{
	if (e->down) {
		if (ev->list)
			json_array_append_new(ev->list, json_pack("{s:s, s:I}", "name", e->name, "statements",
								  (json_int_t)e->statements));
		if (!ev->json)
			out_printf("  %s (%ld statement%s in down.sql)\n", e->name, e->statements,
				   e->statements == 1 ? "" : "s");
		return;
	}
	if (ev->list)
		json_array_append_new(ev->list, json_pack("{s:s, s:I, s:b, s:I}", "name", e->name, "statements",
							  (json_int_t)e->statements, "transaction",
							  e->how != RUN_NO_TRANSACTION, "resume_at",
							  (json_int_t)e->resumed_from + 1));
	if (!ev->json)
		out_printf("  %s (%ld statement%s%s)%s\n", e->name, e->statements, e->statements == 1 ? "" : "s",
			   how_text(e->how), e->resuming ? ", resuming a failed run" : "");
}

/* The report goes where a person reads it; with --json, stdout stays JSON. */
static void report(const struct cmd_events *ev, const struct findings *f)
{
	struct buf out = BUF_INIT;

	lint_report_text(f, out_colour_enabled(ev->json ? stderr : stdout), ev->strict, &out);
	if (ev->json)
		out_eprintf("%s", out.data);
	else
		out_printf("%s", out.data);
	buf_release(&out);
}

static void emit(const struct run_event *e, void *ctx)
{
	const struct cmd_events *ev = ctx;

	switch (e->kind) {
	case RUN_APPLIED:
		applied(ev, e);
		break;
	case RUN_PLANNED:
		planned(ev, e);
		break;
	case RUN_RETRY:
		status_lines(e->text);
		break;
	case RUN_NOTICE:
		notice(ev, e->level, e->text);
		break;
	case RUN_FINDINGS:
		report(ev, e->findings);
		break;
	case RUN_PROGRESS:
	case RUN_FINDING:
		break;	/* no engine of these commands reports them yet */
	}
}

void cmd_events_init(struct cmd_events *ev, bool json, json_t *list)
{
	memset(ev, 0, sizeof(*ev));
	ev->json = json;
	ev->list = list;
	ev->sink.emit = emit;
	ev->sink.ctx = ev;
}

const struct run_sink *cmd_text_sink(void)
{
	static struct cmd_events text = { { emit, &text }, false, false, NULL };

	return &text.sink;
}
