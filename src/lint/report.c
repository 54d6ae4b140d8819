/*
 * report: findings as text (grouped by file), JSON, SARIF 2.1.0 and GitHub
 * workflow annotations.  Each appends to a buf; the command prints it.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lint/lint.h"
#include "util/gha.h"

#define PGSHIFT_URI "https://github.com/pgshift/pgshift"

static const char *sev_colour(enum severity s)
{
	switch (s) {
	case SEV_ERROR: case SEV_REVIEW: return "\033[1;31m";
	case SEV_WARNING: return "\033[1;33m";
	default: return "\033[1;34m";
	}
}

/* Appends text with every line indented by pad (control characters made visible). */
static void add_indented(struct buf *out, const char *text, const char *pad)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");
		buf_adds(out, pad);
		buf_add_visible(out, p, n, false);
		buf_addc(out, '\n');
		p += n + (p[n] == '\n');
	}
}

/* Appends one field of a finding on one line, whatever its text holds. */
static void add_field(struct buf *out, const char *text)
{
	buf_add_visible(out, text, strlen(text), false);
}

void lint_report_text(const struct findings *f, bool colour, bool strict, struct buf *out)
{
	const char *last_file = NULL;
	size_t count[SEV_INFO + 1] = { 0 }, blocking = 0, acked = 0;
	const char *reset = colour ? "\033[0m" : "";

	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->items[i];

		count[x->sev]++;
		if (lint_blocks(x, strict))
			blocking++;
		if (x->ack || x->approved)
			acked++;
		if (!last_file || strcmp(last_file, x->file)) {
			buf_adds(out, colour ? "\033[1m" : "");
			add_field(out, x->file);
			buf_addf(out, "%s\n", reset);
			last_file = x->file;
		}
		buf_addf(out, "  %d:%d  %s%s%s  %s  ", x->line, x->col, colour ? sev_colour(x->sev) : "",
			 severity_name(x->sev), reset, x->rule);
		add_field(out, x->message);
		buf_adds(out, "\n      production: ");
		add_field(out, x->effect);
		buf_addc(out, '\n');
		if (x->sev != SEV_ERROR && *x->safe) {
			buf_adds(out, "      safe alternative:\n");
			add_indented(out, x->safe, "        ");
		}
		if (x->ack) {
			buf_adds(out, "      acknowledged: ");
			add_field(out, x->ack);
			buf_addc(out, '\n');
		}
		if (x->approved)
			buf_adds(out, "      approved with --approve\n");
	}
	if (!f->n) {
		buf_adds(out, "no findings\n");
		return;
	}
	buf_addf(out, "\n%zu finding%s: %zu error%s, %zu review, %zu warning%s", f->n, f->n == 1 ? "" : "s",
		 count[SEV_ERROR], count[SEV_ERROR] == 1 ? "" : "s", count[SEV_REVIEW], count[SEV_WARNING],
		 count[SEV_WARNING] == 1 ? "" : "s");
	if (count[SEV_HINT])
		buf_addf(out, ", %zu hint%s", count[SEV_HINT], count[SEV_HINT] == 1 ? "" : "s");
	if (count[SEV_INFO])
		buf_addf(out, ", %zu info", count[SEV_INFO]);
	if (acked)
		buf_addf(out, "; %zu acknowledged or approved", acked);
	if (blocking)
		buf_addf(out, "; %zu block%s the deploy", blocking, blocking == 1 ? "s" : "");
	buf_adds(out, "\n");
}

static json_t *finding_json(const struct finding *x, bool strict)
{
	json_t *o = json_object();

	json_object_set_new(o, "rule", json_string(x->rule));
	json_object_set_new(o, "severity", json_string(severity_name(x->sev)));
	json_object_set_new(o, "file", json_string(x->file));
	json_object_set_new(o, "line", json_integer(x->line));
	json_object_set_new(o, "column", json_integer(x->col));
	json_object_set_new(o, "message", json_string(x->message));
	json_object_set_new(o, "production", json_string(x->effect));
	json_object_set_new(o, "safe_alternative", json_string(x->safe));
	json_object_set_new(o, "migration", x->migration ? json_string(x->migration) : json_null());
	json_object_set_new(o, "acknowledged", x->ack ? json_string(x->ack) : json_null());
	json_object_set_new(o, "approved", json_boolean(x->approved));
	json_object_set_new(o, "blocking", json_boolean(lint_blocks(x, strict)));
	return o;
}

static void dump(json_t *root, struct buf *out)
{
	char *s = json_dumps(root, JSON_INDENT(2));

	buf_adds(out, s);
	buf_addc(out, '\n');
	free(s);
	json_decref(root);
}

void lint_report_json(const struct findings *f, bool strict, struct buf *out)
{
	json_t *list = json_array();
	size_t count[SEV_INFO + 1] = { 0 }, blocking = 0;

	for (size_t i = 0; i < f->n; i++) {
		json_array_append_new(list, finding_json(&f->items[i], strict));
		count[f->items[i].sev]++;
		blocking += lint_blocks(&f->items[i], strict);
	}
	dump(json_pack("{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:i}", "findings", list, "summary", "error",
		       (json_int_t)count[SEV_ERROR], "review", (json_int_t)count[SEV_REVIEW], "warning",
		       (json_int_t)count[SEV_WARNING], "hint", (json_int_t)count[SEV_HINT], "info",
		       (json_int_t)count[SEV_INFO], "blocking",
		       (json_int_t)blocking, "exit_code", lint_exit_code(f, strict)),
	     out);
}

static const char *sarif_level(enum severity s)
{
	return s == SEV_ERROR || s == SEV_REVIEW ? "error" : s == SEV_WARNING ? "warning" : "note";
}

void lint_report_sarif(const struct findings *f, struct buf *out)
{
	json_t *rules = json_array(), *results = json_array();

	for (const struct rule_info *r = lint_rules(); r->id; r++)
		json_array_append_new(rules, json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s}}", "id", r->id, "name", r->id,
						       "shortDescription", "text", r->summary, "defaultConfiguration",
						       "level", sarif_level(r->sev), "properties", "severity",
						       severity_name(r->sev)));
	for (const char *const *extra = (const char *const[]){ "syntax-error", "invalid-directive", NULL }; *extra; extra++)
		json_array_append_new(rules, json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "id", *extra, "name", *extra,
						       "shortDescription", "text",
						       !strcmp(*extra, "syntax-error") ? "the file does not parse"
										 : "a -- pgshift: directive is invalid",
						       "defaultConfiguration", "level", "error"));
	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->items[i];
		json_t *res = json_pack("{s:s, s:s, s:{s:s}, s:[{s:{s:{s:s}, s:{s:i, s:i}}}], s:{s:s, s:s}}", "ruleId",
					x->rule, "level", sarif_level(x->sev), "message", "text", x->message, "locations",
					"physicalLocation", "artifactLocation", "uri", x->file, "region", "startLine",
					x->line, "startColumn", x->col, "properties", "production", x->effect,
					"safeAlternative", x->safe);
		if (x->ack || x->approved)
			json_object_set_new(res, "suppressions",
					    json_pack("[{s:s, s:s}]", "kind", x->ack ? "inSource" : "external",
						      "justification", x->ack ? x->ack : "approved with --approve"));
		json_array_append_new(results, res);
	}
	dump(json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:o}]}", "$schema",
		       "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool", "driver", "name",
		       "pgshift", "informationUri", PGSHIFT_URI, "rules", rules, "results", results),
	     out);
}

void lint_report_github(const struct findings *f, bool strict, struct buf *out)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->items[i];
		struct buf msg = BUF_INIT;
		char *title = xasprintf("pgshift %s (%s)", x->rule, severity_name(x->sev));

		buf_addf(out, "::%s file=", lint_blocks(x, strict) || x->sev == SEV_ERROR ? "error"
					    : x->sev == SEV_HINT || x->sev == SEV_INFO ? "notice"
											 : "warning");
		gha_escape(out, x->file, true);
		buf_addf(out, ",line=%d,col=%d,title=", x->line, x->col);
		gha_escape(out, title, true);
		buf_adds(out, "::");
		buf_addf(&msg, "%s\nproduction: %s\nsafe alternative:\n%s", x->message, x->effect, x->safe);
		if (x->ack)
			buf_addf(&msg, "\nacknowledged: %s", x->ack);
		gha_escape(out, msg.data, false);
		buf_addc(out, '\n');
		buf_release(&msg);
		free(title);
	}
}

char *lint_review_record(const struct findings *f, const char *name, bool approved)
{
	json_t *list = json_array();
	json_t *o;
	char *s;

	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->items[i];
		if (!x->migration || strcmp(x->migration, name) || (!x->ack && !x->approved))
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s, s:i, s:o}", "rule", x->rule, "severity",
						      severity_name(x->sev), "line", x->line, "acknowledged",
						      x->ack ? json_string(x->ack) : json_null()));
	}
	if (!json_array_size(list) && !approved) {
		json_decref(list);
		return NULL;
	}
	o = json_pack("{s:b, s:o}", "approved", approved, "findings", list);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}
