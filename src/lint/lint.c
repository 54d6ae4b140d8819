/*
 * lint: the engine: parse, validate directives, run the rules per
 * statement, apply acknowledgements, track what the batch creates.
 */
#define _GNU_SOURCE
#include "lint/lint.h"

#include <search.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/script.h"
#include "core/text.h"
#include "lint/rule.h"
#include "util/exitcodes.h"
#include "util/opts.h"

const char *severity_name(enum severity s)
{
	static const char *names[] = { "error", "review", "warning", "hint", "info" };
	return names[s];
}

void lint_init(struct lint_run *run, const struct lint_opts *opts)
{
	memset(run, 0, sizeof(*run));
	run->opts = *opts;
	if (!run->opts.pg_version)
		run->opts.pg_version = 150000;
}

static void path_clear(struct lint_search_path *p);
static void checks_clear(struct lint_run *run);

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
	tdestroy(run->moved, free_key);
	path_clear(&run->path);
	path_clear(&run->local_path);
	checks_clear(run);
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

/* Appends s for a shell command line: as it is when plain, else in single quotes. */
static void add_shell_word(struct buf *b, const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(s)) {
		buf_adds(b, s);
		return;
	}
	buf_addc(b, '\'');
	for (; *s; s++)
		if (*s == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *s);
	buf_addc(b, '\'');
}

/*
 * Appends the placeholder key[0..len) (without braces) filled from sub;
 * false when it is not a placeholder.
 */
static bool fill_one(struct buf *b, const char *key, size_t len, const struct subst *sub)
{
	static const struct {
		const char *key;
		size_t off;		/* of the name in struct subst */
		const char *dflt;
		bool qualified;
	} keys[] = {
		{ "table", offsetof(struct subst, table), "the_table", true },
		{ "shtable", offsetof(struct subst, table), "the_table", true },
		{ "column", offsetof(struct subst, column), "the_column", false },
		{ "name", offsetof(struct subst, name), "the_name", false },
		{ "qname", offsetof(struct subst, name), "the_name", true },
	};
	const char *plus = memchr(key, '+', len);
	size_t klen = plus ? (size_t)(plus - key) : len;

	if (klen == 3 && !strncmp(key, "sql", 3) && !plus) {
		buf_adds(b, sub->sql ? sub->sql : "...");
		return true;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = *(const char *const *)((const char *)sub + keys[i].off);
		struct buf name = BUF_INIT, q = BUF_INIT, shown = BUF_INIT;

		if (strlen(keys[i].key) != klen || strncmp(key, keys[i].key, klen))
			continue;
		buf_adds(&name, v && *v ? v : keys[i].dflt);
		if (plus)
			buf_add(&name, plus + 1, len - klen - 1);
		lint_quote_qualified(&q, keys[i].qualified ? sub->schema : NULL, name.data);
		buf_add_visible(&shown, q.data, q.len, false);	/* a name cannot add a line */
		if (!strcmp(keys[i].key, "shtable"))
			add_shell_word(b, shown.data);
		else
			buf_adds(b, shown.data);
		buf_release(&name);
		buf_release(&q);
		buf_release(&shown);
		return true;
	}
	return false;
}

/* The template filled in one pass: a substituted name is never read again as a template. */
static char *fill(const char *tmpl, const struct subst *sub)
{
	static const struct subst none;
	struct buf b = BUF_INIT;

	for (const char *p = tmpl; *p; p++) {
		const char *end = *p == '{' ? strchr(p, '}') : NULL;

		if (end && fill_one(&b, p + 1, (size_t)(end - p - 1), sub ? sub : &none))
			p = end;
		else
			buf_addc(&b, *p);
	}
	return buf_detach(&b);
}

/* lint_report with the severity given and the message's arguments in ap. */
static void report_v(struct lint_ctx *ctx, const struct rule *r, enum severity sev, int loc, const struct subst *sub,
		     const char *effect, const char *safe, const char *fmt, va_list ap)
{
	struct finding *f;
	struct buf text = BUF_INIT, msg = BUF_INIT;

	if (sev == SEV_HINT && !ctx->run->opts.hints)
		return;
	buf_vaddf(&text, fmt, ap);
	buf_add_visible(&msg, text.data, text.len, false);	/* one line, whatever the names hold */
	buf_release(&text);
	f = new_finding(ctx->run);
	f->rule = r->id;
	f->sev = sev;
	f->file = xstrdup(ctx->path);
	position(ctx, loc, &f->line, &f->col);
	f->message = buf_detach(&msg);
	f->effect = fill(effect, sub);
	f->safe = fill(safe, sub);
	f->migration = ctx->migration ? xstrdup(ctx->migration) : NULL;
}

void lint_report(struct lint_ctx *ctx, const struct rule *r, int loc, const struct subst *sub, const char *effect,
		 const char *safe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_v(ctx, r, r->sev, loc, sub, effect, safe, fmt, ap);
	va_end(ap);
}

/*
 * The created-objects set: (kind, schema, name) in a tsearch tree.  Kinds:
 * 'r' a table, view or sequence; 'i' an index; 't' a type; 'f' a function
 * by name and input argument types, 'F' by name alone (any of its
 * overloads); 's' a schema (its schema ""). Names are as libpg_query gives
 * them: unquoted folded to lower case, quoted as written.
 */
struct created {
	char kind;
	char *schema, *name;	/* point into the same allocation */
};

static int cmp_key(const void *a, const void *b)
{
	const struct created *x = a, *y = b;
	int c = x->kind - y->kind;

	if (!c)
		c = strcmp(x->schema, y->schema);
	return c ? c : strcmp(x->name, y->name);
}

/* One allocation, owned by the tree once inserted. */
static struct created *make_key(char kind, const char *schema, const char *name)
{
	size_t ls = strlen(schema) + 1, ln = strlen(name) + 1;
	struct created *k = xmalloc(sizeof(*k) + ls + ln);

	k->kind = kind;
	k->schema = memcpy((char *)(k + 1), schema, ls);
	k->name = memcpy(k->schema + ls, name, ln);
	return k;
}

static bool created(const struct lint_run *run, char kind, const char *schema, const char *name)
{
	struct created *key = make_key(kind, schema, name);
	bool found = tfind(key, &run->created, cmp_key) != NULL;

	free(key);
	return found;
}

/* The search path in force: a SET LOCAL of this file's transaction, else the session's. */
static const struct lint_search_path *path_now(const struct lint_run *run)
{
	return run->local_path_set ? &run->local_path : &run->path;
}

/* The schema unqualified names are created in and first looked up in; NULL when unknown or none. */
static const char *first_schema(const struct lint_run *run)
{
	const struct lint_search_path *p = path_now(run);

	if (p->unknown)
		return NULL;
	return p->schemas ? p->schemas[0] : "public";
}

/*
 * The schema of an object named schema.name (schema NULL or "" when
 * unqualified) as PostgreSQL resolves it: temporary relations come first,
 * then the first schema of the search path.  NULL when unknown.
 */
static const char *resolve(const struct lint_run *run, char kind, const char *schema, const char *name)
{
	if (schema && *schema)
		return schema;
	if ((kind == 'r' || kind == 'i') && created(run, kind, "pg_temp", name))
		return "pg_temp";
	return first_schema(run);
}

static void remember(struct lint_run *run, char kind, const char *schema, const char *name)
{
	struct created *key;

	if (!schema || !name || !*name)
		return;
	key = make_key(kind, schema, name);
	if (*(struct created **)tsearch(key, &run->created, cmp_key) != key)
		free(key);
}

/* Takes schema.name out of the set: it now names an object that may hold data, or nothing. */
static void forget(struct lint_run *run, char kind, const char *schema, const char *name)
{
	struct created *key, **found;

	if (!schema || !name)
		return;
	key = make_key(kind, schema, name);
	found = tfind(key, &run->created, cmp_key);
	if (found) {
		struct created *stored = *found;
		tdelete(key, &run->created, cmp_key);
		free(stored);
	}
	free(key);
}

bool lint_is_new(const struct lint_ctx *ctx, char kind, const char *schema, const char *name)
{
	const char *in;

	if (!name || !*name)
		return false;
	if (kind == 's')
		return created(ctx->run, 's', "", name);
	in = resolve(ctx->run, kind, schema, name);
	return in && created(ctx->run, kind, in, name);
}

const char *lint_relation_schema(const struct lint_ctx *ctx, const char *schema, const char *name)
{
	return resolve(ctx->run, 'r', schema, name);
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

const char *lint_list_schema(PgQuery__Node **items, size_t n)
{
	if (n < 2 || items[n - 2]->node_case != PG_QUERY__NODE__NODE_STRING)
		return NULL;
	return items[n - 2]->string->sval;
}

/* Appends a type as a function signature names it: its last name (int and integer are both int4), [] per bound. */
static void add_type(struct buf *b, const PgQuery__TypeName *t)
{
	buf_adds(b, t ? lint_list_last(t->names, t->n_names) : "?");
	for (size_t i = 0; t && i < t->n_array_bounds; i++)
		buf_adds(b, "[]");
}

/* "name(type,type)": a function's name with its input argument types (new string). */
static char *signature(const char *name, PgQuery__Node **params, size_t n, bool typenames)
{
	struct buf b = BUF_INIT;
	bool first = true;

	buf_adds(&b, name);
	buf_addc(&b, '(');
	for (size_t i = 0; i < n; i++) {
		const PgQuery__TypeName *t = NULL;

		if (typenames && params[i]->node_case == PG_QUERY__NODE__NODE_TYPE_NAME) {
			t = params[i]->type_name;
		} else if (!typenames && params[i]->node_case == PG_QUERY__NODE__NODE_FUNCTION_PARAMETER) {
			PgQuery__FunctionParameterMode m = params[i]->function_parameter->mode;
			if (m == PG_QUERY__FUNCTION_PARAMETER_MODE__FUNC_PARAM_OUT ||
			    m == PG_QUERY__FUNCTION_PARAMETER_MODE__FUNC_PARAM_TABLE)
				continue;
			t = params[i]->function_parameter->arg_type;
		} else {
			continue;
		}
		if (!first)
			buf_addc(&b, ',');
		first = false;
		add_type(&b, t);
	}
	buf_addc(&b, ')');
	return buf_detach(&b);
}

bool lint_function_is_new(const struct lint_ctx *ctx, const PgQuery__ObjectWithArgs *f)
{
	const char *name = lint_list_last(f->objname, f->n_objname);
	char *sig;
	bool found;

	if (f->args_unspecified)	/* DROP FUNCTION f: fails unless f has one overload */
		return lint_is_new(ctx, 'F', lint_list_schema(f->objname, f->n_objname), name);
	sig = signature(name, f->objargs, f->n_objargs, true);
	found = lint_is_new(ctx, 'f', lint_list_schema(f->objname, f->n_objname), sig);
	free(sig);
	return found;
}

/*
 * The moved set: names that an object of the target database may have
 * been renamed or moved to by the batch (kind and name; schema ""); a
 * schema renamed also adds the key ('s', ""), "some schema moved".  Such a
 * name may hold data even when the target has nothing by that name.
 */
static void moved_to(struct lint_run *run, char kind, const char *name)
{
	struct created *key;

	if (!name)
		return;
	key = make_key(kind, "", name);
	if (*(struct created **)tsearch(key, &run->moved, cmp_key) != key)
		free(key);
}

static bool was_moved(const struct lint_run *run, char kind, const char *name)
{
	struct created *key = make_key(kind, "", name);
	bool found = tfind(key, &run->moved, cmp_key) != NULL;

	free(key);
	return found;
}

/*
 * Appends a type as SQL names it for the database: each name quoted, []
 * per bound; false when it cannot (%TYPE; db.schema.type, which the
 * server would refuse with an error rather than find nothing).
 */
static bool add_sql_type(struct buf *b, const PgQuery__TypeName *t)
{
	if (!t || t->pct_type || !t->n_names || t->n_names > 2)
		return false;
	for (size_t i = 0; i < t->n_names; i++) {
		if (t->names[i]->node_case != PG_QUERY__NODE__NODE_STRING)
			return false;
		if (i)
			buf_addc(b, '.');
		lint_quote_ident(b, t->names[i]->string->sval);
	}
	for (size_t i = 0; i < t->n_array_bounds; i++)
		buf_adds(b, "[]");
	return true;
}

/* Asks the database about kind schema.name (args for 'f'): 1, 0 or -1 as lint_exists_lookup. */
static int target_has(const struct lint_run *run, char kind, const char *schema, const char *name,
		      const char *const *args)
{
	const struct lint_search_path *p = path_now(run);
	int found = 0;

	if (kind == 's' || (schema && *schema))
		return run->opts.exists(run->opts.lookup_ctx, kind, kind == 's' ? NULL : schema, name, args);
	if (p->unknown)
		return -1;
	if (!p->schemas)	/* the default path: the database's own, as the deploy's session has it */
		return run->opts.exists(run->opts.lookup_ctx, kind, NULL, name, args);
	/* a path the migration set: the object is found in any of its schemas, or in pg_catalog */
	for (char **s = p->schemas; *s && !found; s++)
		found = run->opts.exists(run->opts.lookup_ctx, kind, *s, name, args);
	return found ? found : run->opts.exists(run->opts.lookup_ctx, kind, "pg_catalog", name, args);
}

/* Whether an object of the target was renamed or moved into this name, or into its schema, earlier in the batch. */
static bool moved_into(const struct lint_run *run, char kind, const char *schema, const char *name)
{
	return was_moved(run, kind == 'f' ? 'F' : kind, name) || (kind == 'r' && was_moved(run, 't', name)) ||
	       (kind != 's' && (schema && *schema ? was_moved(run, 's', schema) : was_moved(run, 's', "")));
}

bool lint_empty_table(const struct lint_ctx *ctx, const struct lint_object *o)
{
	const struct lint_run *run = ctx->run;
	const struct lint_search_path *p = path_now(run);
	bool qualified = o->schema && *o->schema;

	if (!run->opts.exists || run->opaque || o->kind != 'r' || o->function || !o->name || !*o->name ||
	    moved_into(run, 'r', o->schema, o->name))
		return false;
	/* unqualified, only where the server resolves the name as the deploy will: the default search_path */
	if (!qualified && (p->unknown || p->schemas))
		return false;
	return run->opts.exists(run->opts.lookup_ctx, 'E', qualified ? o->schema : NULL, o->name, NULL) == 1;
}

bool lint_absent(const struct lint_ctx *ctx, const struct lint_object *o)
{
	const struct lint_run *run = ctx->run;
	const PgQuery__ObjectWithArgs *f = o->function;
	char kind = o->kind;
	const char *schema = o->schema, *name = o->name;
	struct buf *types = NULL;
	const char **args = NULL;
	size_t nargs = 0;
	int has;

	if (!run->opts.exists || run->opaque)
		return false;
	if (f) {
		name = lint_list_last(f->objname, f->n_objname);
		schema = lint_list_schema(f->objname, f->n_objname);
		kind = f->args_unspecified ? 'F' : 'f';
	}
	if (!name || !*name)
		return false;
	if (moved_into(run, kind, schema, name))
		return false;
	if (kind == 'f') {
		nargs = f->n_objargs;
		types = xcalloc(nargs + 1, sizeof(*types));
		args = xcalloc(nargs + 1, sizeof(*args));
		for (size_t i = 0; i < nargs; i++) {
			if (f->objargs[i]->node_case != PG_QUERY__NODE__NODE_TYPE_NAME ||
			    !add_sql_type(&types[i], f->objargs[i]->type_name)) {
				has = -1;
				goto out;
			}
			args[i] = types[i].data;
		}
	}
	has = target_has(run, kind, schema, name, args);
out:
	for (size_t i = 0; i < nargs; i++)
		buf_release(&types[i]);
	free(types);
	free(args);
	return has == 0;
}

void lint_report_on(struct lint_ctx *ctx, const struct rule *r, const struct lint_object *o, int loc,
		    const struct subst *sub, const char *effect, const char *safe, const char *fmt, ...)
{
	va_list ap;

	if (r->sev == SEV_REVIEW && lint_absent(ctx, o)) {
		const PgQuery__ObjectWithArgs *f = o->function;
		struct buf name = BUF_INIT;

		lint_quote_qualified(&name, f ? lint_list_schema(f->objname, f->n_objname) : o->schema,
				     f ? lint_list_last(f->objname, f->n_objname) : o->name);
		lint_report(ctx, &(struct rule){ .id = r->id, .sev = SEV_INFO }, loc, NULL,
			    "no data can be lost: the target database has nothing of that name and no earlier statement of "
			    "this deploy renames anything to it; the statement finds only what this deploy makes, or nothing",
			    "", "%s %s is not in the target database: nothing to lose", o->what, name.data);
		buf_release(&name);
		return;
	}
	va_start(ap, fmt);
	report_v(ctx, r, r->sev, loc, sub, effect, safe, fmt, ap);
	va_end(ap);
}

bool lint_function_redefined(const struct lint_ctx *ctx, const PgQuery__ObjectWithArgs *f, bool procedure)
{
	const char *schema = lint_list_schema(f->objname, f->n_objname);
	const char *name = lint_list_last(f->objname, f->n_objname);
	char *sig;
	bool found = false;

	if (f->args_unspecified)
		return false;
	sig = signature(name, f->objargs, f->n_objargs, true);
	for (size_t i = ctx->index + 1; i < ctx->script->n && !found; i++) {
		const PgQuery__Node *n = ctx->script->stmts[i].node;
		const PgQuery__CreateFunctionStmt *c;
		const char *cschema;
		char *csig;

		if (!n || n->node_case != PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT)
			continue;
		c = n->create_function_stmt;
		cschema = lint_list_schema(c->funcname, c->n_funcname);
		if (c->is_procedure != procedure || strcmp(schema ? schema : "", cschema ? cschema : "") ||
		    strcmp(name, lint_list_last(c->funcname, c->n_funcname)))
			continue;
		csig = signature(name, c->parameters, c->n_parameters, false);
		found = !strcmp(sig, csig);
		free(csig);
	}
	free(sig);
	return found;
}

/* The schema an object named schema.name is created in (schema NULL or "" when unqualified); NULL when unknown. */
static const char *creation_schema(const struct lint_run *run, const char *schema)
{
	return schema && *schema ? schema : first_schema(run);
}

/*
 * A CHECK (column IS NOT NULL) added by the batch to an existing table:
 * the file (counted in run->files) that added it, whether it is valid yet.
 * column NULL: the batch dropped constraint name of the table, which may
 * be one that proves a column in the database's catalogue.
 */
struct lint_nn_check {
	char *schema, *table, *column, *name;	/* owned; name "" when the constraint is unnamed */
	size_t added_in;
	bool no_transaction;	/* it was added by a no-transaction file: committed at once */
	bool valid;
};

static void checks_clear(struct lint_run *run)
{
	for (size_t i = 0; i < run->n_checks; i++) {
		free(run->checks[i].schema);
		free(run->checks[i].table);
		free(run->checks[i].column);
		free(run->checks[i].name);
	}
	free(run->checks);
	run->checks = NULL;
	run->n_checks = run->cap_checks = 0;
}

/* The column c of a check of the form "c IS NOT NULL", or NULL. */
static const char *not_null_column(const PgQuery__Constraint *k)
{
	const PgQuery__Node *e = k->raw_expr;
	const PgQuery__ColumnRef *ref;

	if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_CHECK || !e || e->node_case != PG_QUERY__NODE__NODE_NULL_TEST ||
	    e->null_test->nulltesttype != PG_QUERY__NULL_TEST_TYPE__IS_NOT_NULL || !e->null_test->arg ||
	    e->null_test->arg->node_case != PG_QUERY__NODE__NODE_COLUMN_REF)
		return NULL;
	ref = e->null_test->arg->column_ref;
	if (ref->n_fields != 1 || ref->fields[0]->node_case != PG_QUERY__NODE__NODE_STRING)
		return NULL;
	return ref->fields[0]->string->sval;
}

/* Appends x (its strings now owned by run). */
static void add_check(struct lint_run *run, const struct lint_nn_check *x)
{
	if (run->n_checks == run->cap_checks) {
		run->cap_checks = run->cap_checks ? run->cap_checks * 2 : 8;
		run->checks = xrealloc(run->checks, run->cap_checks * sizeof(*run->checks));
	}
	run->checks[run->n_checks++] = *x;
}

/* Follows ADD CONSTRAINT ... CHECK (c IS NOT NULL), VALIDATE CONSTRAINT and DROP CONSTRAINT. */
static void track_checks(struct lint_run *run, const PgQuery__Node *n, bool no_transaction)
{
	const PgQuery__AlterTableStmt *a;
	const char *schema;

	if (n->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_STMT)
		return;
	a = n->alter_table_stmt;
	if (a->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || !a->relation ||
	    !(schema = resolve(run, 'r', a->relation->schemaname, a->relation->relname)))
		return;
	for (size_t i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = a->cmds[i]->alter_table_cmd;
		const char *column;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD)
			continue;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint && c->def &&
		    c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    (column = not_null_column(c->def->constraint))) {
			const PgQuery__Constraint *k = c->def->constraint;

			add_check(run, &(struct lint_nn_check){
				.schema = xstrdup(schema), .table = xstrdup(a->relation->relname),
				.column = xstrdup(column), .name = xstrdup(k->conname ? k->conname : ""),
				.added_in = run->files, .no_transaction = no_transaction, .valid = !k->skip_validation,
			});
			continue;
		}
		if ((c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint &&
		     c->subtype != PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint) || !c->name)
			continue;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_DropConstraint)
			add_check(run, &(struct lint_nn_check){ .schema = xstrdup(schema),
								.table = xstrdup(a->relation->relname),
								.name = xstrdup(c->name) });
		for (size_t k = 0; k < run->n_checks; k++) {
			struct lint_nn_check *x = &run->checks[k];

			if (!x->column || strcmp(x->schema, schema) || strcmp(x->table, a->relation->relname) ||
			    strcmp(x->name, c->name))
				continue;
			if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_ValidateConstraint) {
				x->valid = true;
			} else {
				/* dropped: make it match nothing */
				free(x->name);
				x->name = xstrdup("");
				x->valid = false;
			}
		}
	}
}

bool lint_not_null_proved(const struct lint_ctx *ctx, const PgQuery__RangeVar *rv, const char *column)
{
	const struct lint_run *run = ctx->run;
	const char *schema = rv ? resolve(run, 'r', rv->schemaname, rv->relname) : NULL;
	bool dropped = false;

	if (!schema || !column || run->opts.pg_version < 120000)
		return false;
	for (size_t i = 0; i < run->n_checks; i++) {
		const struct lint_nn_check *x = &run->checks[i];

		if (strcmp(x->schema, schema) || strcmp(x->table, rv->relname))
			continue;
		if (!x->column)
			dropped = true;
		else if (x->valid && !strcmp(x->column, column) && (x->added_in != run->files || x->no_transaction))
			return true;
	}
	/* the database's catalogue, unless the batch dropped a constraint of the table before this */
	return !dropped && run->opts.not_null &&
	       run->opts.not_null(run->opts.lookup_ctx, rv->schemaname && *rv->schemaname ? rv->schemaname : NULL,
				  rv->relname, column);
}

/* Records a new object named by a list of Strings ([schema.]name). */
static void remember_list(struct lint_run *run, char kind, PgQuery__Node **items, size_t n)
{
	remember(run, kind, creation_schema(run, lint_list_schema(items, n)), lint_list_last(items, n));
}

/* Records a new relation; a temporary one lives in pg_temp. */
static void remember_rv(struct lint_run *run, const PgQuery__RangeVar *rv)
{
	if (!rv)
		return;
	if (rv->relpersistence && !strcmp(rv->relpersistence, "t") && !(rv->schemaname && *rv->schemaname))
		remember(run, 'r', "pg_temp", rv->relname);
	else
		remember(run, 'r', creation_schema(run, rv->schemaname), rv->relname);
}

/*
 * The schema of the table rv names, for its indexes: certain when
 * qualified, temporary, or when the search path has one schema; else NULL
 * (the table may sit in any schema of the path).
 */
static const char *table_schema(const struct lint_run *run, const PgQuery__RangeVar *rv)
{
	const struct lint_search_path *p = path_now(run);

	if ((rv->schemaname && *rv->schemaname) || created(run, 'r', "pg_temp", rv->relname))
		return resolve(run, 'r', rv->schemaname, rv->relname);
	if (p->unknown || (p->schemas && (!p->schemas[0] || p->schemas[1])))
		return NULL;
	return first_schema(run);
}

static void path_clear(struct lint_search_path *p)
{
	for (char **s = p->schemas; s && *s; s++)
		free(*s);
	free(p->schemas);
	memset(p, 0, sizeof(*p));
}

/* SET [LOCAL] search_path TO ...: the schemas as written ("$user" left out: pgshift assumes no such schema). */
static void path_set(struct lint_search_path *p, const PgQuery__VariableSetStmt *v)
{
	size_t n = 0;

	path_clear(p);
	if (v->kind != PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE)
		return;	/* DEFAULT, RESET: the default */
	p->schemas = xcalloc(v->n_args + 1, sizeof(*p->schemas));
	for (size_t i = 0; i < v->n_args; i++) {
		const PgQuery__Node *a = v->args[i];

		if (a->node_case != PG_QUERY__NODE__NODE_A_CONST || a->a_const->val_case != PG_QUERY__A__CONST__VAL_SVAL) {
			p->unknown = true;
			continue;
		}
		if (strcmp(a->a_const->sval->sval, "$user"))
			p->schemas[n++] = xstrdup(a->a_const->sval->sval);
	}
}

/* A set_config('search_path', ...) call (or one whose setting is not a constant). */
static void set_config_seen(const ProtobufCMessage *m, void *ctx)
{
	const PgQuery__FuncCall *f = (const PgQuery__FuncCall *)m;
	bool *changes = ctx;
	const PgQuery__Node *a = f->n_args ? f->args[0] : NULL;

	if (strcmp(lint_list_last(f->funcname, f->n_funcname), "set_config"))
		return;
	if (!a || a->node_case != PG_QUERY__NODE__NODE_A_CONST || a->a_const->val_case != PG_QUERY__A__CONST__VAL_SVAL ||
	    !strcasecmp(a->a_const->sval->sval, "search_path"))
		*changes = true;
}

/*
 * Follows the search path through SET [LOCAL], RESET and set_config():
 * after a set_config() of it, nothing unqualified counts as new.
 */
static void track_path(struct lint_run *run, const PgQuery__Node *n, bool in_transaction)
{
	bool changes = false;

	if (n->node_case == PG_QUERY__NODE__NODE_VARIABLE_SET_STMT) {
		const PgQuery__VariableSetStmt *v = n->variable_set_stmt;
		bool all = v->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL;

		if (!all && (!v->name || strcasecmp(v->name, "search_path") ||
			     v->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_SET_CURRENT))
			return;
		if (v->is_local) {
			/* outside a transaction block SET LOCAL does nothing */
			if (in_transaction) {
				path_set(&run->local_path, v);
				run->local_path_set = true;
			}
			return;
		}
		path_set(&run->path, v);
		/* a session SET also replaces a SET LOCAL of the same transaction */
		path_clear(&run->local_path);
		run->local_path_set = false;
		return;
	}
	script_messages(n, &pg_query__func_call__descriptor, set_config_seen, &changes);
	if (changes) {
		/* set_config(..., true) is local, (..., false) sets the session's: either way lint cannot follow */
		path_clear(&run->path);
		path_clear(&run->local_path);
		run->path.unknown = run->local_path.unknown = true;
	}
}

static void track(struct lint_run *run, const PgQuery__Node *n);

/* CREATE SCHEMA x CREATE TABLE t ...: the elements' unqualified names are created in x. */
static void track_schema_elements(struct lint_run *run, const PgQuery__CreateSchemaStmt *c)
{
	struct lint_search_path saved = run->path;
	bool saved_set = run->local_path_set;
	char *only[] = { c->schemaname, NULL };

	run->path = (struct lint_search_path){ .schemas = only };
	run->local_path_set = false;
	for (size_t i = 0; i < c->n_schema_elts; i++)
		track(run, c->schema_elts[i]);
	run->path = saved;
	run->local_path_set = saved_set;
}

/* ALTER ... RENAME TO / SET SCHEMA: a new object stays new under its new name; an old one brings its data. */
static void track_move(struct lint_run *run, char kind, const char *schema, const char *name, const char *to_schema,
		       const char *to_name)
{
	const char *from = resolve(run, kind, schema, name);
	bool was_new = from && created(run, kind, from, name);

	if (!was_new) {
		moved_to(run, kind, to_name);
		if (kind == 'r')
			moved_to(run, 't', to_name);	/* a table's row type goes with it */
	}
	if (!to_schema)
		to_schema = from;
	if (!to_schema)
		return;
	forget(run, kind, to_schema, to_name);
	if (was_new) {
		remember(run, kind, to_schema, to_name);
		forget(run, kind, from, name);
	}
}

static char kind_of(PgQuery__ObjectType t)
{
	switch (t) {
	case PG_QUERY__OBJECT_TYPE__OBJECT_TABLE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_VIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW:
	case PG_QUERY__OBJECT_TYPE__OBJECT_SEQUENCE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_FOREIGN_TABLE:
		return 'r';
	case PG_QUERY__OBJECT_TYPE__OBJECT_INDEX:
		return 'i';
	case PG_QUERY__OBJECT_TYPE__OBJECT_TYPE:
	case PG_QUERY__OBJECT_TYPE__OBJECT_DOMAIN:
		return 't';
	default:
		return 0;
	}
}

struct schema_walk {
	const char *schema;
	struct created **found;
	size_t n, cap;
};

static void collect_in_schema(const void *node, VISIT which, void *ctx)
{
	struct created *k = *(struct created *const *)node;
	struct schema_walk *w = ctx;

	if ((which != postorder && which != leaf) || strcmp(k->schema, w->schema))
		return;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->found = xrealloc(w->found, w->cap * sizeof(*w->found));
	}
	w->found[w->n++] = k;
}

/*
 * A schema dropped (to NULL) or renamed: what the batch created in from is
 * new in to, and nothing is new any more in to's old contents.
 */
static void move_schema(struct lint_run *run, const char *from, const char *to)
{
	struct schema_walk gone = { .schema = to }, moved = { .schema = from };

	if (to)
		twalk_r(run->created, collect_in_schema, &gone);
	twalk_r(run->created, collect_in_schema, &moved);
	for (size_t i = 0; i < gone.n; i++) {
		tdelete(gone.found[i], &run->created, cmp_key);
		free(gone.found[i]);
	}
	for (size_t i = 0; i < moved.n; i++) {
		tdelete(moved.found[i], &run->created, cmp_key);
		if (to)
			remember(run, moved.found[i]->kind, to, moved.found[i]->name);
		free(moved.found[i]);
	}
	free(gone.found);
	free(moved.found);
}

/* ALTER FUNCTION f(args) RENAME TO g: g(args) is new only when f(args) was. */
static void rename_function(struct lint_run *run, const PgQuery__ObjectWithArgs *f, const char *to)
{
	const char *schema = resolve(run, 'f', lint_list_schema(f->objname, f->n_objname), NULL);
	char *sig = signature(to, f->objargs, f->n_objargs, true);
	bool was_new = lint_function_is_new(&(struct lint_ctx){ .run = run }, f);

	forget(run, 'f', schema, sig);
	forget(run, 'F', schema, to);
	if (!was_new)
		moved_to(run, 'F', to);
	if (was_new && !f->args_unspecified)
		remember(run, 'f', schema, sig);
	free(sig);
}

/*
 * Forgets each object a DROP names (a schema: with what the batch created
 * in it): the name may next be taken by an old object moved or renamed in.
 */
static void track_drop(struct lint_run *run, const PgQuery__DropStmt *d)
{
	char kind = kind_of(d->remove_type);

	for (size_t i = 0; d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA && i < d->n_objects; i++)
		if (d->objects[i]->node_case == PG_QUERY__NODE__NODE_STRING) {
			move_schema(run, d->objects[i]->string->sval, NULL);
			forget(run, 's', "", d->objects[i]->string->sval);
		}
	for (size_t i = 0; kind && i < d->n_objects; i++) {
		const PgQuery__Node *o = d->objects[i];
		PgQuery__Node **items = NULL;
		size_t ni = 0;
		const char *name;

		if (o->node_case == PG_QUERY__NODE__NODE_LIST) {
			items = o->list->items;
			ni = o->list->n_items;
		} else if (o->node_case == PG_QUERY__NODE__NODE_TYPE_NAME) {
			items = o->type_name->names;
			ni = o->type_name->n_names;
		}
		if (!ni)
			continue;
		name = lint_list_last(items, ni);
		forget(run, kind, resolve(run, kind, lint_list_schema(items, ni), name), name);
	}
}

/* The length of the longest prefix of s of at most n bytes that ends between two UTF-8 characters (pg_mbcliplen). */
static size_t clip(const char *s, size_t n)
{
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

#define NAMEDATALEN 64	/* PostgreSQL's: names are at most 63 bytes */

/*
 * PostgreSQL's makeObjectName: name1[_name2]_label in at most NAMEDATALEN
 * - 1 bytes, cutting the longer of the two names first (new string).
 */
static char *object_name(const char *name1, const char *name2, const char *label)
{
	size_t n1 = strlen(name1), n2 = name2 ? strlen(name2) : 0;
	size_t avail = NAMEDATALEN - 1 - (name2 ? 1 : 0) - strlen(label) - 1;
	struct buf b = BUF_INIT;

	while (n1 + n2 > avail) {
		if (n1 > n2)
			n1--;
		else
			n2--;
	}
	buf_add(&b, name1, clip(name1, n1));
	if (name2) {
		buf_addc(&b, '_');
		buf_add(&b, name2, clip(name2, n2));
	}
	buf_addc(&b, '_');
	buf_adds(&b, label);
	return buf_detach(&b);
}

/*
 * PostgreSQL's ChooseRelationName: object_name, with 1, 2... after the
 * label while the name is taken by a relation or index the batch created
 * or (with a database) the target holds (new string); NULL when the
 * database cannot tell.
 */
static char *choose_name(struct lint_run *run, const char *schema, const char *name1, const char *name2,
			 const char *label)
{
	for (int pass = 0;; pass++) {
		char *modlabel = pass ? xasprintf("%s%d", label, pass) : xstrdup(label);
		char *name = object_name(name1, name2, modlabel);
		int taken = created(run, 'r', schema, name) || created(run, 'i', schema, name) ? 1
			    : run->opts.exists				     ? target_has(run, 'r', schema, name, NULL)
									     : 0;

		free(modlabel);
		if (!taken)
			return name;
		free(name);
		if (taken < 0)
			return NULL;
	}
}

/*
 * PostgreSQL's ChooseIndexNameAddition: the names of an index's columns
 * (String nodes, or IndexElems: an expression is "expr") joined with _,
 * stopping once NAMEDATALEN bytes are reached (new string).
 */
static char *index_addition(PgQuery__Node **cols, size_t n, PgQuery__Node **incl, size_t nincl)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n + nincl && b.len < NAMEDATALEN; i++) {
		const PgQuery__Node *c = i < n ? cols[i] : incl[i - n];
		const char *name = "expr";

		if (c->node_case == PG_QUERY__NODE__NODE_STRING)
			name = c->string->sval;
		else if (c->node_case == PG_QUERY__NODE__NODE_INDEX_ELEM && c->index_elem->name && *c->index_elem->name)
			name = c->index_elem->name;
		else if (c->node_case == PG_QUERY__NODE__NODE_INDEX_ELEM && c->index_elem->indexcolname &&
			 *c->index_elem->indexcolname)
			name = c->index_elem->indexcolname;
		if (b.len)
			buf_addc(&b, '_');
		buf_add(&b, name, strnlen(name, NAMEDATALEN - 1));
	}
	return buf_detach(&b);
}

/* An index PostgreSQL names itself: table_pkey (label NULL), else table_columns_label. */
static void remember_index(struct lint_run *run, const char *schema, const char *table, const char *label,
			   PgQuery__Node **cols, size_t n, PgQuery__Node **incl, size_t nincl)
{
	char *addition, *name;

	if (!schema)
		return;
	addition = label ? index_addition(cols, n, incl, nincl) : NULL;
	name = choose_name(run, schema, table, addition, label ? label : "pkey");
	remember(run, 'i', schema, name);
	free(name);
	free(addition);
}

/*
 * The index of a primary key, unique or exclusion constraint on table
 * (column: the column whose definition holds it, else NULL): named as the
 * constraint, else as PostgreSQL chooses.  USING INDEX renames the index.
 */
static void constraint_index(struct lint_run *run, const char *schema, const char *table,
			     const PgQuery__Constraint *k, const char *column)
{
	const char *conname = k->conname && *k->conname ? k->conname : NULL;
	PgQuery__String colname = { .sval = (char *)column };
	PgQuery__Node colnode = { .node_case = PG_QUERY__NODE__NODE_STRING, .string = &colname };
	PgQuery__Node *col = &colnode;
	PgQuery__Node **cols = k->keys, **excl = NULL;
	size_t n = k->n_keys;

	if (k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY && k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE &&
	    k->contype != PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION)
		return;
	if (k->indexname && *k->indexname) {
		track_move(run, 'i', schema, k->indexname, NULL, conname ? conname : k->indexname);
		return;
	}
	if (conname) {
		remember(run, 'i', schema, conname);
		return;
	}
	if (column) {
		cols = &col;
		n = 1;
	}
	if (k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_EXCLUSION) {
		/* each exclusion is a list: the index element, then the operator */
		excl = xcalloc(k->n_exclusions + 1, sizeof(*excl));
		n = 0;
		for (size_t i = 0; i < k->n_exclusions; i++)
			if (k->exclusions[i]->node_case == PG_QUERY__NODE__NODE_LIST && k->exclusions[i]->list->n_items)
				excl[n++] = k->exclusions[i]->list->items[0];
		cols = excl;
	}
	remember_index(run, schema, table,
		       k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_PRIMARY ? NULL
		       : k->contype == PG_QUERY__CONSTR_TYPE__CONSTR_UNIQUE ? "key"
									    : "excl",
		       cols, n, k->including, k->n_including);
	free(excl);
}

/* The sequence behind an identity column: its SEQUENCE NAME option, else table_column_seq. */
static void identity_sequence(struct lint_run *run, const char *schema, const char *table, const char *column,
			      const PgQuery__Constraint *k)
{
	char *name;

	for (size_t i = 0; i < k->n_options; i++) {
		const PgQuery__DefElem *o = k->options[i]->def_elem;

		if (k->options[i]->node_case == PG_QUERY__NODE__NODE_DEF_ELEM && !strcmp(o->defname, "sequence_name") &&
		    o->arg && o->arg->node_case == PG_QUERY__NODE__NODE_LIST) {
			const PgQuery__List *l = o->arg->list;
			const char *in = lint_list_schema(l->items, l->n_items);

			remember(run, 'r', in ? in : schema, lint_list_last(l->items, l->n_items));
			return;
		}
	}
	name = choose_name(run, schema, table, column, "seq");
	remember(run, 'r', schema, name);
	free(name);
}

/* The sequence a serial or identity column makes (named as PostgreSQL names it). */
static void column_sequence(struct lint_run *run, const char *schema, const char *table, const PgQuery__ColumnDef *c)
{
	static const char *const serials[] = { "serial", "serial4", "bigserial", "serial8", "smallserial", "serial2", NULL };
	const PgQuery__TypeName *t = c->type_name;

	if (t && t->n_names == 1 && !t->pct_type)
		for (int i = 0; serials[i]; i++)
			if (!strcmp(lint_list_last(t->names, 1), serials[i])) {
				char *name = choose_name(run, schema, table, c->colname, "seq");
				remember(run, 'r', schema, name);
				free(name);
				return;
			}
	for (size_t i = 0; i < c->n_constraints; i++)
		if (c->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT &&
		    c->constraints[i]->constraint->contype == PG_QUERY__CONSTR_TYPE__CONSTR_IDENTITY)
			identity_sequence(run, schema, table, c->colname, c->constraints[i]->constraint);
}

/* The indexes of the primary key and unique constraints in a column's definition. */
static void column_indexes(struct lint_run *run, const char *schema, const char *table, const PgQuery__ColumnDef *c)
{
	for (size_t i = 0; i < c->n_constraints; i++)
		if (c->constraints[i]->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			constraint_index(run, schema, table, c->constraints[i]->constraint, c->colname);
}

/*
 * What CREATE TABLE makes besides the table: its row type, the sequences
 * of serial and identity columns, then (as PostgreSQL orders it) the
 * indexes of its primary key, unique and exclusion constraints.
 */
static void track_table_implicit(struct lint_run *run, const PgQuery__CreateStmt *c)
{
	const PgQuery__RangeVar *rv = c->relation;
	const char *schema = rv->relpersistence && !strcmp(rv->relpersistence, "t") &&
					     !(rv->schemaname && *rv->schemaname)
				     ? "pg_temp"
				     : creation_schema(run, rv->schemaname);

	if (!schema)
		return;
	remember(run, 't', schema, rv->relname);
	for (size_t i = 0; i < c->n_table_elts; i++)
		if (c->table_elts[i]->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			column_sequence(run, schema, rv->relname, c->table_elts[i]->column_def);
	for (size_t i = 0; i < c->n_table_elts; i++) {
		const PgQuery__Node *e = c->table_elts[i];

		if (e->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF)
			column_indexes(run, schema, rv->relname, e->column_def);
		else if (e->node_case == PG_QUERY__NODE__NODE_CONSTRAINT)
			constraint_index(run, schema, rv->relname, e->constraint, NULL);
	}
}

/* The same for ALTER TABLE: ADD COLUMN, ADD CONSTRAINT, ADD GENERATED ... AS IDENTITY. */
static void track_alter_implicit(struct lint_run *run, const PgQuery__AlterTableStmt *a)
{
	const char *schema;

	if (a->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE || !a->relation || a->missing_ok ||
	    !(schema = table_schema(run, a->relation)))
		return;
	for (size_t i = 0; i < a->n_cmds; i++) {
		const PgQuery__AlterTableCmd *c = a->cmds[i]->alter_table_cmd;
		const char *table = a->relation->relname;

		if (a->cmds[i]->node_case != PG_QUERY__NODE__NODE_ALTER_TABLE_CMD || !c->def)
			continue;
		if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddColumn && !c->missing_ok &&
		    c->def->node_case == PG_QUERY__NODE__NODE_COLUMN_DEF) {
			column_sequence(run, schema, table, c->def->column_def);
			column_indexes(run, schema, table, c->def->column_def);
		} else if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddConstraint &&
			   c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
			constraint_index(run, schema, table, c->def->constraint, NULL);
		} else if (c->subtype == PG_QUERY__ALTER_TABLE_TYPE__AT_AddIdentity &&
			   c->def->node_case == PG_QUERY__NODE__NODE_CONSTRAINT) {
			identity_sequence(run, schema, table, c->name, c->def->constraint);
		}
	}
}

/*
 * Records what a statement creates (or renames into being).  Only a create
 * that fails when the object exists makes it new: IF NOT EXISTS and OR
 * REPLACE may leave an existing object, with its data, in place.
 */
static void track(struct lint_run *run, const PgQuery__Node *n)
{
	switch (n->node_case) {
	case PG_QUERY__NODE__NODE_CREATE_STMT:
		if (!n->create_stmt->if_not_exists) {
			remember_rv(run, n->create_stmt->relation);
			track_table_implicit(run, n->create_stmt);
		}
		break;
	case PG_QUERY__NODE__NODE_CREATE_FOREIGN_TABLE_STMT:
		if (n->create_foreign_table_stmt->base_stmt && !n->create_foreign_table_stmt->base_stmt->if_not_exists)
			remember_rv(run, n->create_foreign_table_stmt->base_stmt->relation);
		break;
	case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
		if (n->create_table_as_stmt->into && !n->create_table_as_stmt->if_not_exists)
			remember_rv(run, n->create_table_as_stmt->into->rel);
		break;
	case PG_QUERY__NODE__NODE_VIEW_STMT:
		if (!n->view_stmt->replace)
			remember_rv(run, n->view_stmt->view);
		break;
	case PG_QUERY__NODE__NODE_CREATE_SEQ_STMT:
		if (!n->create_seq_stmt->if_not_exists)
			remember_rv(run, n->create_seq_stmt->sequence);
		break;
	case PG_QUERY__NODE__NODE_INDEX_STMT: {
		const PgQuery__IndexStmt *x = n->index_stmt;
		const char *schema = table_schema(run, x->relation);

		/* an index lives in its table's schema */
		if (x->idxname && *x->idxname && !x->if_not_exists)
			remember(run, 'i', schema, x->idxname);
		else if (!x->if_not_exists)
			remember_index(run, schema, x->relation->relname, x->primary ? NULL : "idx", x->index_params,
				       x->n_index_params, x->index_including_params, x->n_index_including_params);
		break;
	}
	case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT: {
		const PgQuery__CreateFunctionStmt *f = n->create_function_stmt;
		const char *schema = creation_schema(run, lint_list_schema(f->funcname, f->n_funcname));
		const char *name = lint_list_last(f->funcname, f->n_funcname);
		char *sig;

		if (f->replace)
			break;
		sig = signature(name, f->parameters, f->n_parameters, false);
		remember(run, 'f', schema, sig);
		remember(run, 'F', schema, name);
		free(sig);
		break;
	}
	case PG_QUERY__NODE__NODE_CREATE_ENUM_STMT:
		remember_list(run, 't', n->create_enum_stmt->type_name, n->create_enum_stmt->n_type_name);
		break;
	case PG_QUERY__NODE__NODE_COMPOSITE_TYPE_STMT: {
		const PgQuery__RangeVar *rv = n->composite_type_stmt->typevar;
		remember(run, 't', creation_schema(run, rv->schemaname), rv->relname);
		break;
	}
	case PG_QUERY__NODE__NODE_CREATE_DOMAIN_STMT:
		remember_list(run, 't', n->create_domain_stmt->domainname, n->create_domain_stmt->n_domainname);
		break;
	case PG_QUERY__NODE__NODE_DEFINE_STMT:
		if (n->define_stmt->kind == PG_QUERY__OBJECT_TYPE__OBJECT_TYPE && !n->define_stmt->if_not_exists &&
		    !n->define_stmt->replace)
			remember_list(run, 't', n->define_stmt->defnames, n->define_stmt->n_defnames);
		break;
	case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT:
		if (!n->create_schema_stmt->if_not_exists)
			remember(run, 's', "", n->create_schema_stmt->schemaname);
		track_schema_elements(run, n->create_schema_stmt);
		break;
	case PG_QUERY__NODE__NODE_RENAME_STMT: {
		const PgQuery__RenameStmt *r = n->rename_stmt;
		char kind = kind_of(r->rename_type);

		if (r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_SCHEMA) {
			bool was_new = created(run, 's', "", r->subname);

			move_schema(run, r->subname, r->newname);
			forget(run, 's', "", r->subname);
			forget(run, 's', "", r->newname);
			if (was_new) {
				remember(run, 's', "", r->newname);
			} else {
				moved_to(run, 's', r->newname);
				moved_to(run, 's', "");
			}
		} else if ((r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_FUNCTION ||
			    r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_PROCEDURE) &&
			   r->object && r->object->node_case == PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS) {
			rename_function(run, r->object->object_with_args, r->newname);
		} else if (r->rename_type == PG_QUERY__OBJECT_TYPE__OBJECT_TABCONSTRAINT && r->relation) {
			/* the index of a primary key or unique constraint takes the constraint's new name */
			track_move(run, 'i', table_schema(run, r->relation), r->subname, NULL, r->newname);
		} else if (kind && r->relation) {
			track_move(run, kind, r->relation->schemaname, r->relation->relname, NULL, r->newname);
		} else if (kind == 't' && r->object && r->object->node_case == PG_QUERY__NODE__NODE_LIST) {
			const PgQuery__List *l = r->object->list;
			track_move(run, 't', lint_list_schema(l->items, l->n_items), lint_list_last(l->items, l->n_items),
				   NULL, r->newname);
		}
		break;
	}
	case PG_QUERY__NODE__NODE_ALTER_OBJECT_SCHEMA_STMT: {
		const PgQuery__AlterObjectSchemaStmt *a = n->alter_object_schema_stmt;
		char kind = kind_of(a->object_type);

		if (kind && a->relation)
			track_move(run, kind, a->relation->schemaname, a->relation->relname, a->newschema,
				   a->relation->relname);
		else if (a->object && a->object->node_case == PG_QUERY__NODE__NODE_OBJECT_WITH_ARGS)
			moved_to(run, 'F', lint_list_last(a->object->object_with_args->objname,
							  a->object->object_with_args->n_objname));
		else if (kind == 't' && a->object && a->object->node_case == PG_QUERY__NODE__NODE_LIST)
			moved_to(run, 't', lint_list_last(a->object->list->items, a->object->list->n_items));
		break;
	}
	case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT:
		track_alter_implicit(run, n->alter_table_stmt);
		break;
	case PG_QUERY__NODE__NODE_DO_STMT:
	case PG_QUERY__NODE__NODE_CALL_STMT:
		run->opaque = true;
		break;
	case PG_QUERY__NODE__NODE_DROP_STMT:
		track_drop(run, n->drop_stmt);
		break;
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

/* An allow above the first statement: it covers the whole file. */
struct file_allow {
	const char *rule;
	const char *reason;
};

/* The allows above the first statement, the first per rule (at most one per rule: new array of n). */
static struct file_allow *file_allows(const struct script *s, const char **allow, char **reasons, size_t *n)
{
	struct file_allow *out = xcalloc(s->ndirectives + 1, sizeof(*out));

	*n = 0;
	for (size_t d = 0; d < s->ndirectives && (!s->n || s->directives[d].line < s->stmts[0].line); d++) {
		bool seen = false;

		for (size_t k = 0; allow[d] && k < *n && !seen; k++)
			seen = out[k].rule == allow[d];
		if (allow[d] && !seen)
			out[(*n)++] = (struct file_allow){ allow[d], reasons[d] };
	}
	return out;
}

/*
 * Marks findings [from, run->out.n) acknowledged by the allows that cover
 * statement i: those of the whole file, and those from the previous
 * statement's last line to this one's first (directives are in line order).
 */
static void acknowledge(struct lint_run *run, size_t from, const struct script *s, size_t i, const char **allow,
			char **reasons, const struct file_allow *whole, size_t nwhole)
{
	int lo = i > 0 ? s->stmts[i - 1].end_line : 0, hi = s->stmts[i].line;
	size_t first = 0, end = s->ndirectives;

	/* the first directive on line lo or later */
	while (first < end) {
		size_t mid = first + (end - first) / 2;
		if (s->directives[mid].line < lo)
			first = mid + 1;
		else
			end = mid;
	}
	for (size_t f = from; f < run->out.n; f++) {
		struct finding *fd = &run->out.items[f];

		for (size_t k = 0; k < nwhole && !fd->ack; k++)
			if (!strcmp(whole[k].rule, fd->rule))
				fd->ack = xstrdup(whole[k].reason);
		for (size_t d = first; d < s->ndirectives && s->directives[d].line < hi && !fd->ack; d++)
			if (allow[d] && !strcmp(allow[d], fd->rule))
				fd->ack = xstrdup(reasons[d]);
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
		tdestroy(run->moved, free_key);
		run->moved = NULL;
		run->opaque = false;
		path_clear(&run->path);
		checks_clear(run);
	}
	lint_file_unsorted(run, path, sql, migration);
	run->files++;
	/* a SET LOCAL ends with the migration's transaction */
	path_clear(&run->local_path);
	run->local_path_set = false;
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
	size_t nauto = 0, nwhole;
	struct file_allow *whole;
	bool *used;	/* per directive: a backfill that stands above a statement */

	if (script_split(path, sql, &s, &err) < 0) {
		/* PostgreSQL's message at its place */
		add_error(run, path, migration, err.line ? err.line : 1, err.column ? err.column : 1, "syntax-error",
			  err.message, "fix the SQL");
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
	whole = file_allows(&s, allow, reasons, &nwhole);
	used = xcalloc(s.ndirectives + 1, sizeof(*used));
	for (size_t i = 0; i < s.n; i++) {
		const PgQuery__Node *node = s.stmts[i].node;
		size_t from = run->out.n;
		const struct directive *d = script_statement_directive(&s, i, "backfill");
		bool backfill = d != NULL;

		ctx.stmt = &s.stmts[i];
		ctx.index = i;
		if (backfill) {
			struct update_parts parts;
			struct backfill_args args;
			struct pgs_error perr = PGS_ERROR_INIT;

			used[d - s.directives] = true;

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
		for (const struct rule *r = lint_rule_table; node && r->id; r++)
			if ((r->node == node->node_case || r->node == 0) && !(backfill && r->answered_by_backfill))
				r->check(&ctx, r, node);
		acknowledge(run, from, &s, i, allow, reasons, whole, nwhole);
		if (node) {
			track_checks(run, node, ctx.no_transaction);
			track(run, node);
			track_path(run, node, !ctx.no_transaction);
		}
		run->statements++;
	}
	for (size_t d = 0; d < s.ndirectives; d++)
		if (!strcmp(s.directives[d].name, "backfill") && !used[d])
			add_error(run, path, migration, s.directives[d].line, 1, "invalid-directive",
				  "-- pgshift:backfill stands above no statement",
				  "put it on the line right above the UPDATE to run in batches");
	for (size_t d = 0; d < s.ndirectives; d++)
		free(reasons[d]);
	free(used);
	free(whole);
	free(reasons);
	free(allow);
	free(ctx.altered);
	for (size_t i = 0; i < ctx.nlocked; i++) {
		free(ctx.locked[i].schema);
		free(ctx.locked[i].name);
	}
	free(ctx.locked);
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
			return EXIT_FAILURE_;
		if (lint_blocks(&f->items[i], strict))
			rc = EXIT_BLOCKED;
	}
	return rc;
}
