/*
 * script: statement boundaries and lines from libpg_query.
 */
#include "core/script.h"

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include <stdbool.h>
#include "util/exitcodes.h"
#include "util/opts.h"

static int syntax_error(const char *path, const char *sql, const PgQueryError *pe, struct pgs_error *err)
{
	size_t len = strlen(sql);
	/* cursorpos is 1-based, in characters of the whole input. */
	size_t off = pe->cursorpos > 0 ? text_char_to_byte(sql, len, pe->cursorpos) : 0;

	err_set_at(err, EXIT_FAILURE_, path, text_line_of(sql, off), text_column_of(sql, off), "%s", pe->message);
	err_hint(err, "fix the SQL; nothing was applied");
	return -1;
}

#define DIRECTIVE_PREFIX "-- pgshift:"

/* True when the comment token [start, end) is a `-- pgshift:` directive. */
static bool is_directive(const char *sql, size_t start, size_t end)
{
	size_t plen = strlen(DIRECTIVE_PREFIX);

	return end - start >= plen && !strncmp(sql + start, DIRECTIVE_PREFIX, plen);
}

/* Records the directive [start, end) on line as the next of s->directives (allocated by the caller). */
static void add_directive(const char *sql, size_t start, size_t end, int line, struct script *s)
{
	const char *p, *e = sql + end;
	const char *name;
	struct directive *d = &s->directives[s->ndirectives++];

	p = name = sql + start + strlen(DIRECTIVE_PREFIX);
	while (p < e && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
		p++;
	d->name = xstrndup(name, (size_t)(p - name));
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	d->args = xstrndup(p, (size_t)(e - p));
	d->line = line;
}

/* Advances *line over the newlines of sql[*counted, to). */
static void count_lines(const char *sql, size_t to, size_t *counted, int *line)
{
	for (; *counted < to && sql[*counted]; (*counted)++)
		if (sql[*counted] == '\n')
			(*line)++;
}

/* Collects the directives among the scanner's tokens, in file order; lines counted once, forward. */
static void collect_directives(const char *sql, const PgQuery__ScanResult *res, struct script *s)
{
	size_t n = 0, counted = 0;
	int line = 1;

	for (size_t k = 0; k < res->n_tokens; k++)
		n += res->tokens[k]->token == PG_QUERY__TOKEN__SQL_COMMENT &&
		     is_directive(sql, (size_t)res->tokens[k]->start, (size_t)res->tokens[k]->end);
	if (!n)
		return;
	s->directives = xcalloc(n, sizeof(*s->directives));
	for (size_t k = 0; k < res->n_tokens; k++) {
		size_t start = (size_t)res->tokens[k]->start, end = (size_t)res->tokens[k]->end;

		if (res->tokens[k]->token != PG_QUERY__TOKEN__SQL_COMMENT || !is_directive(sql, start, end))
			continue;
		count_lines(sql, start, &counted, &line);
		add_directive(sql, start, end, line, s);
	}
}

/*
 * Fills st->start, st->line and st->end_line from the scanner's tokens
 * (comments skipped), collects the directives and maps each statement to
 * the directives above it.  One pass each: files can hold thousands of
 * statements and directives.
 */
static void locate_starts(const char *sql, struct script *s)
{
	PgQueryScanResult sr = pg_query_scan(sql);
	PgQuery__ScanResult *res = NULL;
	size_t t = 0, counted = 0, d = 0;
	int line = 1;

	if (!sr.error)
		res = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (const uint8_t *)sr.pbuf.data);
	if (res)
		collect_directives(sql, res, s);
	for (size_t i = 0; i < s->n; i++) {
		struct stmt *st = &s->stmts[i];
		int prev_end = i > 0 ? s->stmts[i - 1].end_line : 0;

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
		count_lines(sql, st->start, &counted, &line);
		st->line = line;
		count_lines(sql, st->off + st->len, &counted, &line);
		st->end_line = line;
		while (d < s->ndirectives && s->directives[d].line <= prev_end)
			d++;
		st->dir_first = d;
		while (d < s->ndirectives && s->directives[d].line < st->line)
			d++;
		st->dir_end = d;
	}
	if (res)
		pg_query__scan_result__free_unpacked(res, NULL);
	pg_query_free_scan_result(sr);
}

/*
 * The parse tree of a file is unpacked into one arena and released at once:
 * protobuf-c's per-node malloc and its recursive free were most of the cost
 * of linting a large migration set.
 */
struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

static void *arena_alloc(void *ctx, size_t n)
{
	struct arena_block **head = ctx;
	struct arena_block *b = *head;
	size_t need = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);

	if (!b || b->used + need > b->size) {
		size_t size = need > 65536 ? need : 65536;
		b = xmalloc(sizeof(*b) + size);
		b->next = *head;
		b->used = 0;
		b->size = size;
		*head = b;
	}
	b->used += need;
	return (char *)b->data + b->used - need;
}

static void arena_free(void *ctx, void *p)
{
	(void)ctx;
	(void)p;	/* released with the whole arena */
}

struct script_arena {
	ProtobufCAllocator alloc;
	struct arena_block *head;
};

static void arena_release(struct script_arena *a)
{
	struct arena_block *b = a ? a->head : NULL;

	free(a);
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
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
	out->arena = xcalloc(1, sizeof(*out->arena));
	out->arena->alloc = (ProtobufCAllocator){ arena_alloc, arena_free, &out->arena->head };
	out->tree = pg_query__parse_result__unpack(&out->arena->alloc, r.parse_tree.len, (const uint8_t *)r.parse_tree.data);
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
	for (size_t i = 0; i < s->ndirectives; i++) {
		free(s->directives[i].name);
		free(s->directives[i].args);
	}
	free(s->directives);
	free(s->stmts);
	arena_release(s->arena);
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

const struct directive *script_directive(const struct script *s, const char *name)
{
	for (size_t i = 0; i < s->ndirectives; i++)
		if (!strcmp(s->directives[i].name, name))
			return &s->directives[i];
	return NULL;
}

static bool has_option(PgQuery__Node **opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (opts[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && !strcmp(opts[i]->def_elem->defname, name))
			return true;
	return false;
}

const char *script_needs_autocommit(const PgQuery__Node *node, int server_version)
{
	if (!node)
		return NULL;
	switch (node->node_case) {
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		return node->index_stmt->concurrent ? "CREATE INDEX CONCURRENTLY" : NULL;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		return node->drop_stmt->concurrent ? "DROP INDEX CONCURRENTLY" : NULL;
	case PG_QUERY__NODE__NODE_REINDEX_STMT:
		if (has_option(node->reindex_stmt->params, node->reindex_stmt->n_params, "concurrently"))
			return "REINDEX CONCURRENTLY";
		if (node->reindex_stmt->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_SYSTEM ||
		    node->reindex_stmt->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_DATABASE)
			return "REINDEX SYSTEM/DATABASE";
		return NULL;
	case PG_QUERY__NODE__NODE_VACUUM_STMT:
		return node->vacuum_stmt->is_vacuumcmd ? "VACUUM" : NULL;
	case PG_QUERY__NODE__NODE_CLUSTER_STMT:
		return node->cluster_stmt->relation ? NULL : "CLUSTER without a table";
	case PG_QUERY__NODE__NODE_ALTER_SYSTEM_STMT:
		return "ALTER SYSTEM";
	case PG_QUERY__NODE__NODE_CREATEDB_STMT:
		return "CREATE DATABASE";
	case PG_QUERY__NODE__NODE_DROPDB_STMT:
		return "DROP DATABASE";
	case PG_QUERY__NODE__NODE_CREATE_TABLE_SPACE_STMT:
		return "CREATE TABLESPACE";
	case PG_QUERY__NODE__NODE_DROP_TABLE_SPACE_STMT:
		return "DROP TABLESPACE";
	case PG_QUERY__NODE__NODE_ALTER_ENUM_STMT:
		/* Before PostgreSQL 12, ALTER TYPE ... ADD VALUE cannot run in a transaction block. */
		{
			const PgQuery__AlterEnumStmt *a = node->alter_enum_stmt;
			/* RENAME VALUE sets old_val too; ADD VALUE only new_val. */
			bool add = a->new_val && *a->new_val && !(a->old_val && *a->old_val);

			return server_version < 120000 && add ? "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)" : NULL;
		}
	default:
		return NULL;
	}
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

void script_concurrent_index(const PgQuery__Node *node, struct concurrent_index *out)
{
	memset(out, 0, sizeof(*out));
	if (node && node->node_case == PG_QUERY__NODE__NODE_INDEX_STMT && node->index_stmt->concurrent &&
	    node->index_stmt->relation) {
		const PgQuery__IndexStmt *x = node->index_stmt;

		out->kind = CC_CREATE;
		out->schema = nonempty(x->relation->schemaname);
		out->relation = x->relation->relname;
		out->index = nonempty(x->idxname);	/* an index lives in its table's schema */
		out->if_not_exists = x->if_not_exists;
	} else if (node && node->node_case == PG_QUERY__NODE__NODE_REINDEX_STMT && node->reindex_stmt->relation &&
		   has_option(node->reindex_stmt->params, node->reindex_stmt->n_params, "concurrently")) {
		const PgQuery__ReindexStmt *x = node->reindex_stmt;

		if (x->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_INDEX)
			out->kind = CC_REINDEX_INDEX;
		else if (x->kind == PG_QUERY__REINDEX_OBJECT_TYPE__REINDEX_OBJECT_TABLE)
			out->kind = CC_REINDEX_TABLE;
		else
			return;
		out->schema = nonempty(x->relation->schemaname);
		out->relation = x->relation->relname;
	}
}

bool script_commits_in_steps(const struct script *s, int server_version)
{
	size_t nauto = 0;

	if (script_directive(s, "no-transaction") || script_directive(s, "backfill"))
		return true;
	for (size_t i = 0; i < s->n; i++)
		nauto += script_needs_autocommit(s->stmts[i].node, server_version) != NULL;
	return s->n > 0 && nauto == s->n;
}

/* Walks any protobuf-c message, calling fn on each message of type type (not looking inside those). */
static void walk(const ProtobufCMessage *m, const ProtobufCMessageDescriptor *type,
		 void (*fn)(const ProtobufCMessage *m, void *ctx), void *ctx)
{
	const ProtobufCMessageDescriptor *d;

	if (!m)
		return;
	d = m->descriptor;
	if (d == type) {
		fn(m, ctx);
		return;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m;

		if (f->type != PROTOBUF_C_TYPE_MESSAGE)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset);
			const ProtobufCMessage *const *items = *(const ProtobufCMessage *const *const *)(base + f->offset);
			for (size_t k = 0; k < n; k++)
				walk(items[k], type, fn, ctx);
		} else {
			/* a oneof member that is not the one set still has a (NULL or stale) slot: check the case */
			if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
				uint32_t which = *(const uint32_t *)(base + f->quantifier_offset);
				if (which != f->id)
					continue;
			}
			walk(*(const ProtobufCMessage *const *)(base + f->offset), type, fn, ctx);
		}
	}
}

void script_messages(const PgQuery__Node *node, const ProtobufCMessageDescriptor *type,
		     void (*fn)(const ProtobufCMessage *m, void *ctx), void *ctx)
{
	walk(&node->base, type, fn, ctx);
}

struct relations_ctx {
	void (*fn)(const PgQuery__RangeVar *rv, void *ctx);
	void *ctx;
};

static void relation_found(const ProtobufCMessage *m, void *ctx)
{
	const struct relations_ctx *r = ctx;

	r->fn((const PgQuery__RangeVar *)m, r->ctx);
}

void script_relations(const PgQuery__Node *node, void (*fn)(const PgQuery__RangeVar *rv, void *ctx), void *ctx)
{
	struct relations_ctx r = { fn, ctx };

	walk(&node->base, &pg_query__range_var__descriptor, relation_found, &r);
}

const struct directive *script_statement_directive(const struct script *s, size_t i, const char *name)
{
	for (size_t d = s->stmts[i].dir_first; d < s->stmts[i].dir_end; d++)
		if (!strcmp(s->directives[d].name, name))
			return &s->directives[d];
	return NULL;
}

/* Appends an identifier as SQL would read it back ("" doubled). */
static void add_ident(struct buf *b, const char *id)
{
	buf_addc(b, '"');
	for (; *id; id++) {
		if (*id == '"')
			buf_addc(b, '"');
		buf_addc(b, *id);
	}
	buf_addc(b, '"');
}

/* Copies sql[from, to) trimmed of blanks (and a final ';') into a new string. */
static char *trimmed(const char *sql, size_t from, size_t to)
{
	while (from < to && strchr(" \t\r\n", sql[from]))
		from++;
	while (to > from && strchr(" \t\r\n;", sql[to - 1]))
		to--;
	return xstrndup(sql + from, to - from);
}

int script_update_parts(const char *sql, const struct stmt *st, struct update_parts *out, struct pgs_error *err)
{
	const PgQuery__UpdateStmt *u;
	char *text;
	PgQueryScanResult sr;
	PgQuery__ScanResult *res = NULL;
	size_t set_end = 0, where_at = 0, set_last = 0, last = 0;
	int depth = 0;
	struct buf table = BUF_INIT;

	memset(out, 0, sizeof(*out));
	if (!st->node || st->node->node_case != PG_QUERY__NODE__NODE_UPDATE_STMT)
		return err_set(err, EXIT_FAILURE_, "a backfill is one UPDATE statement");
	u = st->node->update_stmt;
	if (u->with_clause || u->n_from_clause || u->n_returning_list)
		return err_set(err, EXIT_FAILURE_, "a backfill UPDATE cannot have WITH, FROM or RETURNING");
	if (u->relation->alias)
		return err_set(err, EXIT_FAILURE_, "a backfill UPDATE cannot give the table an alias");
	if (u->where_clause && u->where_clause->node_case == PG_QUERY__NODE__NODE_CURRENT_OF_EXPR)
		return err_set(err, EXIT_FAILURE_, "a backfill UPDATE cannot use WHERE CURRENT OF");
	/* SET and WHERE are found by the scanner, at the statement's own parenthesis level. */
	text = xstrndup(sql + st->off, st->len);
	sr = pg_query_scan(text);
	if (!sr.error)
		res = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (const uint8_t *)sr.pbuf.data);
	for (size_t k = 0; res && k < res->n_tokens; k++) {
		PgQuery__Token tok = res->tokens[k]->token;

		/* each part ends at its last token: a trailing comment would swallow what the engine appends */
		if (tok == PG_QUERY__TOKEN__SQL_COMMENT || tok == PG_QUERY__TOKEN__C_COMMENT || tok == PG_QUERY__TOKEN__ASCII_59)
			continue;
		if (tok == PG_QUERY__TOKEN__ASCII_40)
			depth++;
		else if (tok == PG_QUERY__TOKEN__ASCII_41)
			depth--;
		else if (depth == 0 && tok == PG_QUERY__TOKEN__SET && !set_end)
			set_end = st->off + (size_t)res->tokens[k]->end;
		else if (depth == 0 && tok == PG_QUERY__TOKEN__WHERE && set_end && !where_at) {
			where_at = st->off + (size_t)res->tokens[k]->start;
			continue;
		}
		last = st->off + (size_t)res->tokens[k]->end;
		if (!where_at)
			set_last = last;
	}
	if (res)
		pg_query__scan_result__free_unpacked(res, NULL);
	pg_query_free_scan_result(sr);
	free(text);
	if (!set_end)
		return err_set(err, EXIT_FAILURE_, "could not find the SET list of the backfill UPDATE");
	if (u->relation->schemaname && *u->relation->schemaname) {
		add_ident(&table, u->relation->schemaname);
		buf_addc(&table, '.');
	}
	add_ident(&table, u->relation->relname);
	out->table = buf_detach(&table);
	out->set = trimmed(sql, set_end, set_last);
	out->where = where_at ? trimmed(sql, where_at + 5, last) : NULL;
	return 0;
}

int script_check_fragment(const char *text, const char *what, struct pgs_error *err)
{
	PgQueryScanResult sr = pg_query_scan(text);
	PgQuery__ScanResult *res = NULL;
	const char *why = NULL;
	long depth = 0;

	if (sr.error)
		why = sr.error->message;
	else if (!(res = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (const uint8_t *)sr.pbuf.data)))
		why = "could not decode the scanner's tokens";
	for (size_t k = 0; res && !why && k < res->n_tokens; k++) {
		switch (res->tokens[k]->token) {
		case PG_QUERY__TOKEN__ASCII_40:
			depth++;
			break;
		case PG_QUERY__TOKEN__ASCII_41:
			if (--depth < 0)
				why = "a ')' closes a parenthesis it did not open";
			break;
		case PG_QUERY__TOKEN__ASCII_59:
			why = "it holds a ';'";
			break;
		case PG_QUERY__TOKEN__SQL_COMMENT:
		case PG_QUERY__TOKEN__C_COMMENT:
			why = "it holds a comment";
			break;
		default:
			break;
		}
	}
	if (!why && depth)
		why = "a '(' is not closed";
	if (why)
		err_set(err, EXIT_USAGE, "%s cannot be pasted into the batch query: %s", what, why);
	if (res)
		pg_query__scan_result__free_unpacked(res, NULL);
	pg_query_free_scan_result(sr);
	return why ? -1 : 0;
}

void update_parts_free(struct update_parts *p)
{
	free(p->table);
	free(p->set);
	free(p->where);
	memset(p, 0, sizeof(*p));
}

int script_backfill_args(const char *args, struct backfill_args *out, struct pgs_error *err)
{
	static const struct {
		const char *key;
		size_t off;
		int (*parse)(const char *, long *);	/* NULL: a count */
	} known[] = {
		{ "batch", offsetof(struct backfill_args, batch), NULL },
		{ "target-ms", offsetof(struct backfill_args, target_ms), opts_parse_millis },
		{ "sleep", offsetof(struct backfill_args, sleep_ms), opts_parse_millis },
		{ "max-lag", offsetof(struct backfill_args, max_lag_ms), opts_parse_duration },
		{ "lock-timeout", offsetof(struct backfill_args, lock_timeout_ms), opts_parse_duration },
	};
	const char *p = args;

	out->batch = out->target_ms = out->sleep_ms = out->max_lag_ms = out->lock_timeout_ms = -1;
	while (*p) {
		size_t len = strcspn(p, " \t"), k;
		char *word = xstrndup(p, len), *eq = strchr(word, '=');
		int bad = 1;

		for (k = 0; eq && k < sizeof(known) / sizeof(known[0]); k++)
			if ((size_t)(eq - word) == strlen(known[k].key) && !strncmp(word, known[k].key, strlen(known[k].key)))
				break;
		if (!eq || k == sizeof(known) / sizeof(known[0])) {
			err_set(err, EXIT_USAGE, "unknown backfill setting \"%s\"", word);
			err_hint(err, "-- pgshift:backfill takes batch=N target-ms=MS sleep=MS max-lag=DURATION "
				      "lock-timeout=DURATION");
		} else {
			long *v = (long *)((char *)out + known[k].off);

			if (known[k].parse)
				bad = known[k].parse(eq + 1, v) < 0;
			else
				bad = opts_parse_long(eq + 1, 1, BACKFILL_MAX_BATCH, v) < 0;
			if (bad && known[k].parse)
				err_set(err, EXIT_USAGE, "backfill setting \"%s\": not a duration from " OPTS_DURATION_RANGE
					" (such as 200ms, 5s)", word);
			else if (bad)
				err_set(err, EXIT_USAGE, "backfill setting \"%s\": not a whole number from 1 to %ld", word,
					(long)BACKFILL_MAX_BATCH);
		}
		free(word);
		if (bad)
			return -1;
		p += len;
		p += strspn(p, " \t");
	}
	return 0;
}
