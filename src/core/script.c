/*
 * script: statement boundaries and lines from libpg_query.
 */
#include "core/script.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "util/exitcodes.h"

static int syntax_error(const char *path, const char *sql, const PgQueryError *pe, struct pgs_error *err)
{
	size_t len = strlen(sql);
	/* cursorpos is 1-based, in characters of the whole input. */
	size_t off = pe->cursorpos > 0 ? text_char_to_byte(sql, len, pe->cursorpos) : 0;

	err_set(err, EXIT_FAILURE_, "%s:%d:%d: %s", path, text_line_of(sql, off), text_column_of(sql, off),
		pe->message);
	err_hint(err, "fix the SQL; nothing was applied");
	return -1;
}

/* Fills st->start and st->line from the scanner's tokens (comments skipped). */
static void locate_starts(const char *sql, struct script *s)
{
	PgQueryScanResult sr = pg_query_scan(sql);
	PgQuery__ScanResult *res = NULL;
	size_t t = 0;

	if (!sr.error)
		res = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (const uint8_t *)sr.pbuf.data);
	for (size_t i = 0; i < s->n; i++) {
		struct stmt *st = &s->stmts[i];

		st->start = st->off;
		if (res) {
			while (t < res->n_tokens && (size_t)res->tokens[t]->start < st->off)
				t++;
			for (size_t k = t; k < res->n_tokens && (size_t)res->tokens[k]->start < st->off + st->len; k++) {
				PgQuery__Token tok = res->tokens[k]->token;
				if (tok != PG_QUERY__TOKEN__SQL_COMMENT && tok != PG_QUERY__TOKEN__C_COMMENT) {
					st->start = (size_t)res->tokens[k]->start;
					break;
				}
			}
		}
		st->line = text_line_of(sql, st->start);
	}
	if (res)
		pg_query__scan_result__free_unpacked(res, NULL);
	pg_query_free_scan_result(sr);
}

int script_split(const char *path, const char *sql, struct script *out, struct pgs_error *err)
{
	PgQueryProtobufParseResult r = pg_query_parse_protobuf(sql);
	size_t total = strlen(sql);

	memset(out, 0, sizeof(*out));
	if (r.error) {
		syntax_error(path, sql, r.error, err);
		pg_query_free_protobuf_parse_result(r);
		return -1;
	}
	out->tree = pg_query__parse_result__unpack(NULL, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
	pg_query_free_protobuf_parse_result(r);
	if (!out->tree)
		return err_set(err, EXIT_FAILURE_, "%s: could not decode the parse tree", path);
	out->stmts = xcalloc(out->tree->n_stmts + 1, sizeof(*out->stmts));
	for (size_t i = 0; i < out->tree->n_stmts; i++) {
		PgQuery__RawStmt *raw = out->tree->stmts[i];
		struct stmt *st = &out->stmts[out->n++];

		st->off = (size_t)raw->stmt_location;
		st->len = (size_t)raw->stmt_len;
		if (st->len == 0 || st->off + st->len > total)	/* the last statement: to the end */
			st->len = total - st->off;
		st->node = raw->stmt;
	}
	locate_starts(sql, out);
	return 0;
}

void script_free(struct script *s)
{
	free(s->stmts);
	if (s->tree)
		pg_query__parse_result__free_unpacked(s->tree, NULL);
	memset(s, 0, sizeof(*s));
}

void script_first_line(const char *sql, const struct stmt *st, struct buf *b, size_t max)
{
	const char *p = sql + st->start;
	const char *end = sql + st->off + st->len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n = (size_t)((nl ? nl : end) - p);

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	if (n > max) {
		/* do not cut a UTF-8 sequence in half */
		while (max > 0 && ((unsigned char)p[max] & 0xC0) == 0x80)
			max--;
		buf_add(b, p, max);
		buf_adds(b, "...");
	} else {
		buf_add(b, p, n);
	}
}
