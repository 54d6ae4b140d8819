/*
 * tree: small readers of libpg_query's tree shared by the rules.
 */
#include <pg_query.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lint/rule.h"

/*
 * True when name is a keyword that cannot stand as a bare identifier (any
 * but an unreserved one), as libpg_query's scanner classifies it.
 */
static bool reserved_keyword(const char *name)
{
	PgQueryScanResult r = pg_query_scan(name);
	PgQuery__ScanResult *scan = NULL;
	bool reserved = false;

	if (!r.error)
		scan = pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
	if (scan && scan->n_tokens == 1)
		reserved = scan->tokens[0]->keyword_kind != PG_QUERY__KEYWORD_KIND__NO_KEYWORD &&
			   scan->tokens[0]->keyword_kind != PG_QUERY__KEYWORD_KIND__UNRESERVED_KEYWORD;
	pg_query__scan_result__free_unpacked(scan, NULL);
	pg_query_free_scan_result(r);
	return reserved;
}

void lint_quote_ident(struct buf *b, const char *name)
{
	bool bare = (*name >= 'a' && *name <= 'z') || *name == '_';

	for (const char *p = name; bare && *p; p++)
		bare = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (bare && !reserved_keyword(name)) {
		buf_adds(b, name);
		return;
	}
	buf_addc(b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			buf_addc(b, '"');
		buf_addc(b, *p);
	}
	buf_addc(b, '"');
}

void lint_quote_qualified(struct buf *b, const char *schema, const char *name)
{
	if (schema && *schema) {
		lint_quote_ident(b, schema);
		buf_addc(b, '.');
	}
	lint_quote_ident(b, name);
}

const char *lint_rv_name(const PgQuery__RangeVar *rv)
{
	static _Thread_local char name[512];

	if (!rv)
		return "?";
	if (rv->schemaname && *rv->schemaname)
		snprintf(name, sizeof(name), "%s.%s", rv->schemaname, rv->relname);
	else
		snprintf(name, sizeof(name), "%s", rv->relname);
	return name;
}

const char *lint_list_name(PgQuery__Node **items, size_t n)
{
	static _Thread_local char name[512];
	size_t len = 0;

	name[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (items[i]->node_case != PG_QUERY__NODE__NODE_STRING)
			continue;
		len += (size_t)snprintf(name + len, sizeof(name) - len, "%s%s", len ? "." : "", items[i]->string->sval);
		if (len >= sizeof(name))
			break;
	}
	return name;
}

void lint_quote_list(struct buf *b, PgQuery__Node **items, size_t n)
{
	buf_addc(b, '(');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_adds(b, ", ");
		lint_quote_ident(b, items[i]->node_case == PG_QUERY__NODE__NODE_STRING ? items[i]->string->sval : "?");
	}
	buf_addc(b, ')');
}

char *lint_deparse(const PgQuery__Node *stmt)
{
	PgQuery__RawStmt raw = PG_QUERY__RAW_STMT__INIT;
	PgQuery__RawStmt *raws[1] = { &raw };
	PgQuery__ParseResult tree = PG_QUERY__PARSE_RESULT__INIT;
	PgQueryProtobuf pb;
	PgQueryDeparseResult d;
	char *sql = NULL;

	raw.stmt = (PgQuery__Node *)stmt;	/* only read: packed below */
	tree.version = PG_VERSION_NUM;
	tree.n_stmts = 1;
	tree.stmts = raws;
	pb.len = pg_query__parse_result__get_packed_size(&tree);
	pb.data = xmalloc(pb.len ? pb.len : 1);
	pg_query__parse_result__pack(&tree, (uint8_t *)pb.data);
	d = pg_query_deparse_protobuf(pb);
	if (!d.error && d.query) {
		struct buf b = BUF_INIT;

		buf_add_visible(&b, d.query, strlen(d.query), false);	/* one line, whatever the names hold */
		sql = buf_detach(&b);
	}
	pg_query_free_deparse_result(d);
	free(pb.data);
	return sql;
}

char *lint_deparse_named(const PgQuery__Node *stmt, const char *name)
{
	char *sql = lint_deparse(stmt);
	char *at = sql ? strstr(sql, " " LINT_NAME_MARK " ") : NULL;
	struct buf b = BUF_INIT, q = BUF_INIT;

	if (!at) {
		free(sql);
		return NULL;
	}
	buf_add(&b, sql, (size_t)(at - sql) + 1);
	lint_quote_ident(&q, name);
	buf_add_visible(&b, q.data, q.len, false);	/* like the rest of the statement */
	buf_release(&q);
	buf_adds(&b, at + 1 + strlen(LINT_NAME_MARK));
	free(sql);
	return buf_detach(&b);
}
