/*
 * edit: finding the text an applied migration ran and comparing parse trees.
 */
#include "core/edit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <pg_query.h>

#include "core/checksum.h"
#include "core/text.h"
#include "util/proc.h"

/* The parse tree of sql deparsed (a new string, caller frees), or NULL when it does not parse or deparse. */
static char *canonical(const char *sql)
{
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
	char *out = NULL;

	if (!r.error) {
		PgQueryDeparseResult d = pg_query_deparse_protobuf(r.parse_tree);

		if (!d.error && d.query)
			out = xstrdup(d.query);
		pg_query_free_deparse_result(d);
	}
	pg_query_free_protobuf_parse_result(r);
	return out;
}

enum edit_kind edit_compare(const char *old_sql, const char *new_sql)
{
	char *a = canonical(old_sql), *b = canonical(new_sql);
	enum edit_kind k = a && b ? (strcmp(a, b) ? EDIT_SQL : EDIT_LAYOUT) : EDIT_UNKNOWN;

	free(a);
	free(b);
	return k;
}

void edit_describe(enum edit_kind k, const char *found, struct buf *out)
{
	if (k == EDIT_LAYOUT)
		buf_addf(out, "whitespace or comments only (the parse trees are the same as those of %s)", found);
	else if (k == EDIT_SQL)
		buf_addf(out, "the SQL differs from what was applied (%s)", found);
	else if (*found)
		buf_addf(out, "not compared: %s or the file does not parse", found);
	else
		buf_adds(out, "not compared: the text that was applied is not in git");
}

static bool matches(const struct buf *text, const char *checksum)
{
	char sum[CHECKSUM_HEX_LEN + 1];

	checksum_sha256_hex(text->data, text->len, sum);
	return !strcmp(sum, checksum);
}

/* Appends s with every "\r\n" made "\n" (crlf false) or every lone "\n" made "\r\n" (crlf true). */
static void add_line_endings(struct buf *b, const char *s, size_t n, bool crlf)
{
	for (size_t i = 0; i < n; i++) {
		if (!crlf && s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		if (crlf && s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			buf_addc(b, '\r');
		buf_addc(b, s[i]);
	}
}

/*
 * The file's own bytes with other line endings or the byte-order mark
 * toggled: an edit of layout alone, found without git.  m->sql has no BOM;
 * m->bom says whether the file had one.
 */
static bool layout_variant(const struct migration *m, const char *checksum)
{
	struct buf v = BUF_INIT;
	bool found = false;

	for (int bom = 0; bom < 2 && !found; bom++) {
		for (int mode = 0; mode < 3 && !found; mode++) {
			if (bom == m->bom && mode == 0)
				continue;	/* the file as it is: its checksum differs, that is why we are here */
			buf_reset(&v);
			if (bom)
				buf_add(&v, "\xEF\xBB\xBF", 3);
			if (mode == 0)
				buf_add(&v, m->sql.data, m->sql.len);
			else
				add_line_endings(&v, m->sql.data, m->sql.len, mode == 2);
			found = matches(&v, checksum);
		}
	}
	buf_release(&v);
	return found;
}

/* Runs git -C dir ARGS (args NULL-terminated, at most 6): 0 with its stdout in out, or -1 (no git, no repository, no such object). */
static int git_in(const char *dir, const char *const *args, struct buf *out)
{
	char *argv[10] = { "git", "-C", (char *)dir };
	struct buf e = BUF_INIT;
	int rc;

	for (int i = 0; i < 6 && args[i]; i++)
		argv[3 + i] = (char *)args[i];
	buf_reset(out);
	rc = proc_capture(argv, out, &e);
	buf_release(&e);
	return rc == 0 ? 0 : -1;
}

/* A version of m's migration.sql in git whose checksum is checksum: its text in old, where in found. */
static bool git_version(const struct migration *m, const char *checksum, struct buf *old, struct buf *found)
{
	const char *staged[] = { "show", ":./migration.sql", NULL };
	const char *history[] = { "log", "-n50", "--format=%H", "--", "migration.sql", NULL };
	struct buf commits = BUF_INIT, spec = BUF_INIT;
	bool ok = false;

	if (git_in(m->dir, history, &commits) == 0) {
		for (char *line = commits.data; *line && !ok;) {
			size_t n = strcspn(line, "\n");
			const char *show[] = { "show", NULL, NULL };

			buf_reset(&spec);
			buf_add(&spec, line, n);
			buf_adds(&spec, ":./migration.sql");
			show[1] = spec.data;
			if (git_in(m->dir, show, old) == 0 && matches(old, checksum)) {
				buf_addf(found, "git commit %.*s", (int)(n < 12 ? n : 12), line);
				ok = true;
			}
			line += n + (line[n] == '\n');
		}
	}
	if (!ok && git_in(m->dir, staged, old) == 0 && matches(old, checksum)) {
		buf_adds(found, "the file staged in git");
		ok = true;
	}
	buf_release(&spec);
	buf_release(&commits);
	return ok;
}

enum edit_kind edit_classify(const struct migration *m, const char *checksum, struct buf *found)
{
	struct buf old = BUF_INIT;
	enum edit_kind k = EDIT_UNKNOWN;

	if (layout_variant(m, checksum)) {
		buf_adds(found, "the same text with other line endings or byte-order mark");
		k = EDIT_LAYOUT;
	} else if (git_version(m, checksum, &old, found)) {
		text_strip_bom(&old);
		k = edit_compare(old.data, m->sql.data);
	}
	buf_release(&old);
	return k;
}
