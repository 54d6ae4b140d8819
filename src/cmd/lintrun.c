/*
 * lintrun: printing findings, shared by lint, deploy and review.
 */
#include "cmd/lintrun.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/exitcodes.h"
#include "util/gha.h"
#include "util/output.h"

int lint_output_check(const struct lint_output *o, struct pgs_error *err)
{
	if (o->format && strcmp(o->format, "text") && strcmp(o->format, "json") && strcmp(o->format, "sarif")) {
		err_set(err, EXIT_USAGE, "unknown --format \"%s\"", o->format);
		err_hint(err, "use text, json or sarif");
		return -1;
	}
	return 0;
}

int lint_parse_version(const char *s, int *version, struct pgs_error *err)
{
	const char *dot = strchr(s, '.');
	char *major = xstrndup(s, dot ? (size_t)(dot - s) : strlen(s));
	long v = -1, minor;

	/* 9.0 to 9.6, 10 to 99, or a version number such as 150004 */
	if (dot)
		v = !strcmp(major, "9") && opts_parse_long(dot + 1, 0, 6, &minor) == 0 ? 90000 + minor * 100 : -1;
	else if (opts_parse_long(major, 10, 990000, &v) == 0 && v < 100)
		v *= 10000;
	free(major);
	if (v < 90000 || v > 990000)
		return err_set(err, EXIT_USAGE, "--pg-version needs a PostgreSQL major version from 9.0 to 99, such as 15, "
			       "not \"%s\"", s);
	*version = (int)v;
	return 0;
}

int lint_output_print(const struct lint_output *o, const struct findings *f)
{
	struct buf out = BUF_INIT;

	if (o->format && !strcmp(o->format, "json")) {
		lint_report_json(f, o->strict, &out);
	} else if (o->format && !strcmp(o->format, "sarif")) {
		lint_report_sarif(f, &out);
	} else {
		lint_report_text(f, out_colour_enabled(stdout), o->strict, &out);
		if (gha_active())
			lint_report_github(f, o->strict, &out);
	}
	out_puts(out.data);
	buf_release(&out);
	if (gha_active()) {
		struct buf md = BUF_INIT;

		buf_addf(&md, "### pgshift lint\n\n%zu finding%s\n", f->n, f->n == 1 ? "" : "s");
		for (size_t i = 0; i < f->n; i++)
			buf_addf(&md, "- %s `%s` %s:%d: %s%s\n", lint_blocks(&f->items[i], o->strict) ? "⛔" : "⚠️",
				 f->items[i].rule, f->items[i].file, f->items[i].line, f->items[i].message,
				 f->items[i].ack ? " (acknowledged)" : "");
		gha_summary(md.data);
		buf_release(&md);
	}
	return lint_exit_code(f, o->strict);
}
