/*
 * lint: the engine: parse, validate directives, run the rules per
 * statement, apply acknowledgements, track what the batch creates.
 */
#define _GNU_SOURCE
#include "lint/lint.h"

#include <search.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/script.h"
#include "core/text.h"
#include "lint/rule.h"
#include "util/opts.h"

const char *severity_name(enum severity s)
{
	static const char *names[] = { "error", "review", "warning", "hint" };
	return names[s];
}

void lint_init(struct lint_run *run, const struct lint_opts *opts)
{
	memset(run, 0, sizeof(*run));
	run->opts = *opts;
	if (!run->opts.pg_version)
		run->opts.pg_version = 150000;
}

static void free_key(void *p)
{
	free(p);
}

void lint_free(struct lint_run *run)
{
	for (size_t i = 0; i < run->out.n; i++) {
		struct finding *f = &run->out.items[i];
		free(f->file);
		free(f->message);
		free(f->effect);
		free(f->safe);
		free(f->migration);
		free(f->ack);
	}
	free(run->out.items);
	tdestroy(run->created, free_key);
	memset(run, 0, sizeof(*run));
}

static struct finding *new_finding(struct lint_run *run)
{
	struct finding *f;

	if (run->out.n == run->out.cap) {
		run->out.cap = run->out.cap ? run->out.cap * 2 : 16;
		run->out.items = xrealloc(run->out.items, run->out.cap * sizeof(*f));
	}
	f = &run->out.items[run->out.n++];
	memset(f, 0, sizeof(*f));
	return f;
}

static void add_error(struct lint_run *run, const char *path, const char *migration, int line, int col,
		      const char *rule, const char *msg, const char *safe)
{
	struct finding *f = new_finding(run);

	f->rule = rule;
	f->sev = SEV_ERROR;
	f->file = xstrdup(path);
	f->line = line;
	f->col = col;
	f->message = xstrdup(msg);
	f->effect = xstrdup("the migration cannot be checked, and deploy will not apply it");
	f->safe = xstrdup(safe);
	f->migration = migration ? xstrdup(migration) : NULL;
}

/* Line and column of byte offset loc, counted from the statement's start (files can be long). */
static void position(const struct lint_ctx *ctx, int loc, int *line, int *col)
{
	size_t from = ctx->stmt->start;
	size_t at = loc >= 0 && (size_t)loc >= from ? (size_t)loc : from;
	int l = ctx->stmt->line;

	for (size_t i = from; i < at && ctx->sql[i]; i++)
		if (ctx->sql[i] == '\n')
			l++;
	*line = l;
	*col = text_column_of(ctx->sql, at);
}

/* Replaces {key} in b by name, its control characters made visible (a name cannot add a line). */
static void put_name(struct buf *b, const char *key, const char *name)
{
	struct buf v = BUF_INIT;

	buf_add_visible(&v, name, strlen(name), false);
	buf_replace_all(b, key, v.data);
	buf_release(&v);
}

static char *fill(const char *tmpl, const struct subst *sub)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, tmpl);
	if (sub) {
		put_name(&b, "{table}", sub->table ? sub->table : "the_table");
		put_name(&b, "{column}", sub->column ? sub->column : "the_column");
		put_name(&b, "{name}", sub->name ? sub->name : "the_name");
	}
	return buf_detach(&b);
}

void lint_report(struct lint_ctx *ctx, const struct rule *r, int loc, const struct subst *sub, const char *effect,
		 const char *safe, const char *fmt, ...)
{
	struct finding *f;
	struct buf text = BUF_INIT, msg = BUF_INIT;
	va_list ap;

	if (r->sev == SEV_HINT && !ctx->run->opts.hints)
		return;
	va_start(ap, fmt);
	buf_vaddf(&text, fmt, ap);
	va_end(ap);
	buf_add_visible(&msg, text.data, text.len, false);	/* one line, whatever the names hold */
	buf_release(&text);
	f = new_finding(ctx->run);
	f->rule = r->id;
	f->sev = r->sev;
	f->file = xstrdup(ctx->path);
	position(ctx, loc, &f->line, &f->col);
	f->message = buf_detach(&msg);
	f->effect = fill(effect, sub);
	f->safe = fill(safe, sub);
	f->migration = ctx->migration ? xstrdup(ctx->migration) : NULL;
}

/* The created-objects set: keys "k:name" in a tsearch tree. */
static int cmp_key(const void *a, const void *b)
{
	return strcmp(a, b);
}

static char *make_key(char kind, const char *name)
{
	return xasprintf("%c:%s", kind, name);
}

static void remember(struct lint_run *run, char kind, const char *name)
{
	char *key;

	if (!name || !*name)
		return;
	key = make_key(kind, name);
	if (*(char **)tsearch(key, &run->created, cmp_key) != key)
		free(key);
}

bool lint_is_new(const struct lint_ctx *ctx, char kind, const char *schema, const char *name)
{
	char *key;
	bool found;

	(void)schema;	/* objects are tracked by name: a migration rarely reuses one name across schemas */
	if (!name)
		return false;
	key = make_key(kind, name);
	found = tfind(key, &ctx->run->created, cmp_key) != NULL;
	free(key);
	return found;
}

bool lint_rangevar_is_new(const struct lint_ctx *ctx, const PgQuery__RangeVar *rv)
{
	return rv && lint_is_new(ctx, 'r', rv->schemaname, rv->relname);
}

const char *lint_list_last(PgQuery__Node **items, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (items[i]->node_case == PG_QUERY__NODE__NODE_STRING)
			return items[i]->string->sval;
	return "";
}

/* Records what a statement creates (or renames into being). */
static void track(struct lint_run *run, const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		remember(run, 'r', n->create_stmt->relation->relname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		if (n->create_table_as_stmt->into && n->create_table_as_stmt->into->rel)
			remember(run, 'r', n->create_table_as_stmt->into->rel->relname);
		break;
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		remember(run, 'r', n->view_stmt->view->relname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
		remember(run, 'r', n->create_seq_stmt->sequence->relname);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT:
		remember(run, 'i', n->index_stmt->idxname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT:
		remember(run, 'f', lint_list_last(n->create_function_stmt->funcname, n->create_function_stmt->n_funcname));
		break;
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
		remember(run, 't', lint_list_last(n->create_enum_stmt->type_name, n->create_enum_stmt->n_type_name));
		break;
	case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT:
		remember(run, 't', n->composite_type_stmt->typevar->relname);
		break;
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
		remember(run, 't', lint_list_last(n->create_domain_stmt->domainname, n->create_domain_stmt->n_domainname));
		break;
	case PG_QUERY__NODE__NODE_DEFINE_STMT:
		if (n->define_stmt->kind == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE)
			remember(run, 't', lint_list_last(n->define_stmt->defnames, n->define_stmt->n_defnames));
		break;
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		remember(run, 's', n->create_schema_stmt->schemaname);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT: {
		const PgQuery__RenameStmt *r = n->rename_stmt;
		/* a new table renamed is still new under its new name */
		if (r->relation && lint_is_new(&(struct lint_ctx){ .run = run }, 'r', NULL, r->relation->relname))
			remember(run, 'r', r->newname);
		break;
	}
	default:
		break;
	}
}

/* Tables altered by ALTER TABLE anywhere in the file, for dml-with-ddl. */
static char **altered_tables(const struct script *s)
{
	char **out = xcalloc(s->n + 1, sizeof(*out));
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		const PgQuery__Node *node = s->stmts[i].node;
		if (node && node->node_case == PG_QUERY__NODE__NODE_ALTER_TABLE_STMT && node->alter_table_stmt->relation)
			out[n++] = node->alter_table_stmt->relation->relname;
	}
	return out;
}

static const char *const known_directives[] = { "allow", "no-transaction", "lock-timeout", "backfill", NULL };

/*
 * Checks the directives; reports bad ones as errors.  Returns, per
 * directive, the rule an `allow` acknowledges (NULL for others or bad ones).
 */
static const char **check_directives(struct lint_run *run, const char *path, const char *migration,
				     const struct script *s, char ***reasons)
{
	const char **allow = xcalloc(s->ndirectives + 1, sizeof(*allow));

	*reasons = xcalloc(s->ndirectives + 1, sizeof(**reasons));
	for (size_t i = 0; i < s->ndirectives; i++) {
		const struct directive *d = &s->directives[i];
		bool known = false;
		char *msg;

		for (int k = 0; known_directives[k]; k++)
			if (!strcmp(d->name, known_directives[k]))
				known = true;
		if (!known) {
			msg = xasprintf("unknown directive \"-- pgshift:%s\"", d->name);
			add_error(run, path, migration, d->line, 1, "invalid-directive", msg,
				  "-- pgshift:allow RULE because: REASON\n-- pgshift:no-transaction");
			free(msg);
			continue;
		}
		if (!strcmp(d->name, "lock-timeout")) {
			long ms;
			if (opts_parse_duration(d->args, &ms) < 0) {
				msg = xasprintf("\"-- pgshift:lock-timeout %s\": not a duration from " OPTS_DURATION_RANGE, d->args);
				add_error(run, path, migration, d->line, 1, "invalid-directive", msg, "-- pgshift:lock-timeout 10s");
				free(msg);
			}
			continue;
		}
		if (strcmp(d->name, "allow"))
			continue;
		{
			const char *because = strstr(d->args, "because:");
			size_t idlen = strcspn(d->args, " \t");
			char *id = xstrndup(d->args, idlen);
			const char *reason = because ? because + 8 : "";

			while (*reason == ' ' || *reason == '\t')
				reason++;
			if (!lint_rule_info(id)) {
				msg = xasprintf("\"-- pgshift:allow %s\": no rule is called \"%s\"", id, id);
				add_error(run, path, migration, d->line, 1, "invalid-directive", msg,
					  "-- pgshift:allow drop-column because: the app stopped reading it in v42");
				free(msg);
			} else if (!because || !*reason) {
				msg = xasprintf("\"-- pgshift:allow %s\" needs a reason: \"because: ...\"", id);
				add_error(run, path, migration, d->line, 1, "invalid-directive", msg,
					  "-- pgshift:allow drop-column because: the app stopped reading it in v42");
				free(msg);
			} else {
				allow[i] = lint_rule_info(id)->id;
				(*reasons)[i] = xstrdup(reason);
			}
			free(id);
		}
	}
	return allow;
}

/* Marks findings [from, run->out.n) acknowledged by the allows that cover statement i. */
static void acknowledge(struct lint_run *run, size_t from, const struct script *s, size_t i, const char *sql,
			const char **allow, char **reasons)
{
	int first_line = s->stmts[0].line;
	int lo = 0, hi = s->stmts[i].line;

	if (i > 0) {
		/* the previous statement's last line: its first line plus the newlines it spans */
		const struct stmt *prev = &s->stmts[i - 1];
		lo = prev->line;
		for (size_t k = prev->start; k < prev->off + prev->len; k++)
			lo += sql[k] == '\n';
	}
	for (size_t f = from; f < run->out.n; f++) {
		struct finding *fd = &run->out.items[f];

		for (size_t d = 0; d < s->ndirectives; d++) {
			int line = s->directives[d].line;
			bool covers = line < first_line || (line >= lo && line < hi);

			if (allow[d] && covers && !strcmp(allow[d], fd->rule) && !fd->ack)
				fd->ack = xstrdup(reasons[d]);
		}
	}
}

static void lint_file_unsorted(struct lint_run *run, const char *path, const char *sql, const char *migration);

static int cmp_position(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return strcmp(x->rule, y->rule);
}

void lint_file(struct lint_run *run, const char *path, const char *sql, const char *migration)
{
	size_t first = run->out.n;

	if (!run->opts.batch) {
		tdestroy(run->created, free_key);
		run->created = NULL;
	}
	lint_file_unsorted(run, path, sql, migration);
	/* Directive errors are found before the statements: report everything in file order. */
	if (run->out.n - first > 1)
		qsort(run->out.items + first, run->out.n - first, sizeof(*run->out.items), cmp_position);
}

static void lint_file_unsorted(struct lint_run *run, const char *path, const char *sql, const char *migration)
{
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;
	const char **allow;
	char **reasons;
	struct lint_ctx ctx = { .run = run, .path = path, .sql = sql, .migration = migration, .script = &s };
	size_t nauto = 0;

	if (script_split(path, sql, &s, &err) < 0) {
		/* "path:line:col: message": keep PostgreSQL's message and the position */
		const char *p = err.message + strlen(path);
		int line = 1, col = 1;
		const char *msg = err.message;

		if (sscanf(p, ":%d:%d:", &line, &col) == 2) {
			msg = strchr(p + 1, ':');
			msg = strchr(msg + 1, ':') + 2;
		}
		add_error(run, path, migration, line, col, "syntax-error", msg, "fix the SQL");
		err_clear(&err);
		return;
	}
	allow = check_directives(run, path, migration, &s, &reasons);
	for (size_t i = 0; i < s.n; i++)
		if (script_needs_autocommit(s.stmts[i].node, run->opts.pg_version))
			nauto++;
	ctx.no_transaction = script_directive(&s, "no-transaction") || (nauto && nauto == s.n);
	ctx.mixed_autocommit = nauto && nauto < s.n && !script_directive(&s, "no-transaction");
	ctx.altered = altered_tables(&s);
	for (size_t i = 0; i < s.n; i++) {
		const PgQuery__Node *node = s.stmts[i].node;
		size_t from = run->out.n;

		bool backfill = script_statement_directive(&s, sql, i, "backfill") != NULL;

		ctx.stmt = &s.stmts[i];
		ctx.index = i;
		if (backfill) {
			struct update_parts parts;
			struct backfill_args args;
			struct pgs_error perr = PGS_ERROR_INIT;
			const struct directive *d = script_statement_directive(&s, sql, i, "backfill");

			if (script_backfill_args(d->args, &args, &perr) < 0) {
				char *msg = xasprintf("-- pgshift:backfill: %s", perr.message);
				add_error(run, path, migration, d->line, 1, "invalid-directive", msg,
					  "-- pgshift:backfill max-lag=5s target-ms=100");
				free(msg);
				err_clear(&perr);
			}

			if (script_update_parts(sql, ctx.stmt, &parts, &perr) < 0) {
				char *msg = xasprintf("-- pgshift:backfill: %s", perr.message);
				add_error(run, path, migration, ctx.stmt->line, 1, "invalid-directive", msg,
					  "-- pgshift:backfill\nUPDATE table SET col = expr WHERE col IS NULL;");
				free(msg);
				err_clear(&perr);
			}
			update_parts_free(&parts);
		}
		for (int l = 0; node && lint_rule_lists[l]; l++)
			for (int k = 0; lint_rule_lists[l][k]; k++) {
				const struct rule *r = lint_rule_lists[l][k];
				/* A backfill is the safe way to do what these two warn about: batched, after the schema part. */
				if (backfill && (!strcmp(r->id, "unbounded-dml") || !strcmp(r->id, "dml-with-ddl")))
					continue;
				if (r->check && (r->node == node->node_case || r->node == 0))
					r->check(&ctx, node);
			}
		acknowledge(run, from, &s, i, sql, allow, reasons);
		if (node)
			track(run, node);
		run->statements++;
	}
	for (size_t d = 0; d < s.ndirectives; d++) {
		bool used = false;

		if (strcmp(s.directives[d].name, "backfill"))
			continue;
		for (size_t i = 0; i < s.n && !used; i++)
			used = script_statement_directive(&s, sql, i, "backfill") == &s.directives[d];
		if (!used)
			add_error(run, path, migration, s.directives[d].line, 1, "invalid-directive",
				  "-- pgshift:backfill stands above no statement",
				  "put it on the line right above the UPDATE to run in batches");
	}
	for (size_t d = 0; d < s.ndirectives; d++)
		free(reasons[d]);
	free(reasons);
	free(allow);
	free(ctx.altered);
	script_free(&s);
}

void lint_approve(struct lint_run *run, const char *migration)
{
	for (size_t i = 0; i < run->out.n; i++)
		if (run->out.items[i].migration && !strcmp(run->out.items[i].migration, migration))
			run->out.items[i].approved = true;
}

bool lint_blocks(const struct finding *f, bool strict)
{
	if (f->ack || f->approved)
		return false;
	return f->sev == SEV_REVIEW || (strict && f->sev == SEV_WARNING);
}

int lint_exit_code(const struct findings *f, bool strict)
{
	int rc = 0;

	for (size_t i = 0; i < f->n; i++) {
		if (f->items[i].sev == SEV_ERROR)
			return 1;
		if (lint_blocks(&f->items[i], strict))
			rc = 3;
	}
	return rc;
}
