/*
 * diff: schema_diff_plan, the statements that take one model to another.
 *
 * Every object of `from` gets a state (kept, altered in place, dropped,
 * dropped and created again) and so does every object of `to` (kept,
 * altered, created).  The plan is then written in five runs:
 *   1. drops of relations and what hangs on them, and of everything that is
 *      created again, in the reverse of `from`'s load order;
 *   2. creations and in-place changes in `to`'s load order (schema_order),
 *      each in its safe form;
 *   3. the VALIDATEs of what run 2 added NOT VALID;
 *   4. SET NOT NULL once a validated check proves it;
 *   5. drops of types, functions, sequences, schemas and extensions (last:
 *      a column default or a dropped column may use them until run 2).
 * finish() then cuts the runs into migrations (see diff.h).
 */
#include "schema/diff.h"

#include <stdlib.h>
#include <string.h>

/*
 * F_TYPE_RECREATE: a type that columns use and that cannot change in place
 * (an enum's values removed or reordered, a domain's base type, a
 * composite's attribute type or order): renamed away, made again, its
 * columns converted, the old one dropped (type_recreate).
 */
enum { F_KEEP, F_ALTER, F_DROP, F_RECREATE, F_TYPE_RECREATE };
enum { T_KEEP, T_ALTER, T_CREATE };

struct planner {
	const struct schema_model *from, *to;
	unsigned char *fs;	/* state of each object of from */
	unsigned char *ts;	/* state of each object of to */
	bool *columns_changed;	/* from tables: a column's type changes or a column goes (dependants are recreated) */
	size_t *f2t, *t2f;	/* the same key in the other model, or SCHEMA_NONE */
	bool *drop_alone;	/* from objects dropped on their own though their table's drop drops them (drop_order) */
	struct diff_plan run[5];
};

/* ---- small helpers ---- */

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* name as a quoted identifier, always quoted (new string). */
static char *quote_ident(const char *name)
{
	struct buf b = BUF_INIT;

	buf_addc(&b, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			buf_addc(&b, '"');
		buf_addc(&b, *p);
	}
	buf_addc(&b, '"');
	return buf_detach(&b);
}

/* A quoted identifier made unquoted (new string). */
static char *unquote(const char *q)
{
	struct buf b = BUF_INIT;

	if (*q != '"')
		return xstrdup(q);
	for (const char *p = q + 1; *p; p++) {
		if (*p == '"' && p[1] == '"')
			p++;
		else if (*p == '"')
			break;
		buf_addc(&b, *p);
	}
	return buf_detach(&b);
}

/* The object's own quoted name after its table ("public.t.t_pkey" -> "t_pkey"). */
static const char *local_name(const struct schema_object *o)
{
	size_t n = o->table ? strlen(o->table) : 0;

	return n && !strncmp(o->qname, o->table, n) && o->qname[n] == '.' ? o->qname + n + 1 : o->qname;
}

/* The table or materialized view named qname in m, or SCHEMA_NONE. */
static size_t relation_index(const struct schema_model *m, const char *qname)
{
	char *key = xasprintf("table %s", qname);
	size_t i = schema_index(m, key);

	free(key);
	if (i == SCHEMA_NONE) {
		key = xasprintf("materialized_view %s", qname);
		i = schema_index(m, key);
		free(key);
	}
	return i;
}

static bool is_partitioned(const struct schema_model *m, const char *qname)
{
	size_t i = relation_index(m, qname);

	return i != SCHEMA_NONE && m->objects[i].kind == SCHEMA_KIND_TABLE && m->objects[i].subkind == 'p';
}

/* Whether qname is a relation of `from` that the plan keeps (not dropped, not created again). */
static bool existing(const struct planner *pl, const char *qname)
{
	size_t i = qname ? relation_index(pl->from, qname) : SCHEMA_NONE;

	return i != SCHEMA_NONE && (pl->fs[i] == F_KEEP || pl->fs[i] == F_ALTER);
}

static struct diff_stmt *add(struct diff_plan *p, const struct schema_object *o, const char *action, bool tx,
			     char *sql)
{
	struct diff_stmt *s;

	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->stmts = xrealloc(p->stmts, p->cap * sizeof(*p->stmts));
	}
	s = &p->stmts[p->n++];
	memset(s, 0, sizeof(*s));
	s->sql = sql;
	s->kind = schema_kind_name(o->kind);
	s->action = action;
	s->object = xstrdup(o->qname);
	s->in_transaction = tx;
	s->lock = "";
	return s;
}

/* Marks s as taking a strong lock on an existing table. */
static void locks(const struct planner *pl, struct diff_stmt *s, const char *table, const char *lock)
{
	s->lock = lock;
	if (existing(pl, table)) {
		s->table = xstrdup(table);
		s->hazards |= DIFF_LOCK_STRONG;
	}
}

static void add_comment(struct diff_stmt *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_comment(struct diff_stmt *s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (s->comment)
		buf_adds(&b, s->comment);
	buf_adds(&b, "-- ");
	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	buf_addc(&b, '\n');
	free(s->comment);
	s->comment = buf_detach(&b);
}

/* ---- line deltas: comments and grants ---- */

static bool has_line(const char *text, const char *line, size_t len)
{
	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == len && !memcmp(p, line, len))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* The target of a COMMENT ON line: its length up to " IS '" / " IS E'". */
static size_t comment_target(const char *line, size_t len)
{
	for (size_t i = 0; i + 5 <= len; i++)
		if (!memcmp(line + i, " IS '", 5) || (i + 6 <= len && !memcmp(line + i, " IS E'", 6)))
			return i;
	return len;
}

static bool has_target(const char *text, const char *line, size_t tlen)
{
	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (comment_target(p, n) == tlen && !memcmp(p, line, tlen))
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

/* GRANT x ON y TO z[ WITH GRANT OPTION]; <-> REVOKE x ON y FROM z; */
static char *invert_grant(const char *line, size_t len)
{
	char *l = xstrndup(line, len), *out = NULL, *to;

	if (!strncmp(l, "GRANT ", 6) && (to = strstr(l, " TO "))) {
		char *opt = strstr(to, " WITH GRANT OPTION;");
		if (opt)
			strcpy(opt, ";");
		*to = '\0';
		out = xasprintf("REVOKE %s FROM %s\n", l + 6, to + 4);
	} else if (!strncmp(l, "REVOKE ", 7) && (to = strstr(l, " FROM "))) {
		*to = '\0';
		out = xasprintf("GRANT %s TO %s\n", l + 7, to + 6);
	}
	free(l);
	return out;
}

static const struct schema_part *find_part(const struct schema_object *o, const char *name);

/* Whether a table's inheritance child (INHERITS: not a partition). */
static bool inherits(const struct schema_object *o)
{
	return o->kind == SCHEMA_KIND_TABLE && !o->partition && strstr(o->create_sql, ") INHERITS (");
}

/*
 * Whether a grant line is a column privilege of a column that table o no
 * longer has ("GRANT SELECT (a) ON TABLE ..."): dropping the column took it.
 */
static bool on_dropped_column(const struct schema_object *o, const char *line, size_t len)
{
	const char *on = o->kind == SCHEMA_KIND_TABLE ? strstr(line, " ON TABLE ") : NULL;
	const char *open = on ? memchr(line, '(', (size_t)(on - line)) : NULL;
	const char *close = open ? memchr(open, ')', (size_t)(on - open)) : NULL;
	char *name;
	bool gone;

	if (!close || on > line + len || o->partition || inherits(o))
		return false;
	name = xstrndup(open + 1, (size_t)(close - open - 1));
	gone = !find_part(o, name);
	free(name);
	return gone;
}

/* The changes of comments and grants between a and b (either may be NULL) as statements in p. */
static void meta_delta(struct diff_plan *p, const struct schema_object *o, const char *oldc, const char *newc,
		       const char *oldg, const char *newg)
{
	struct buf b = BUF_INIT;

	for (const char *q = oldc; q && *q;) {
		const char *e = strchr(q, '\n');
		size_t n = e ? (size_t)(e - q) : strlen(q), t = comment_target(q, n);
		if (!has_target(newc, q, t))
			buf_addf(&b, "%.*s IS NULL;\n", (int)t, q);
		q = e ? e + 1 : NULL;
	}
	for (const char *q = newc; q && *q;) {
		const char *e = strchr(q, '\n');
		size_t n = e ? (size_t)(e - q) : strlen(q);
		if (!has_line(oldc, q, n))
			buf_addf(&b, "%.*s\n", (int)n, q);
		q = e ? e + 1 : NULL;
	}
	if (b.len)
		add(p, o, "comment", true, buf_detach(&b));
	buf_release(&b);
	for (const char *q = oldg; q && *q;) {
		const char *e = strchr(q, '\n');
		size_t n = e ? (size_t)(e - q) : strlen(q);
		char *inv;
		if (!has_line(newg, q, n) && !on_dropped_column(o, q, n) && (inv = invert_grant(q, n))) {
			buf_adds(&b, inv);
			free(inv);
		}
		q = e ? e + 1 : NULL;
	}
	for (const char *q = newg; q && *q;) {
		const char *e = strchr(q, '\n');
		size_t n = e ? (size_t)(e - q) : strlen(q);
		if (!has_line(oldg, q, n))
			buf_addf(&b, "%.*s\n", (int)n, q);
		q = e ? e + 1 : NULL;
	}
	if (b.len)
		add(p, o, "grant", true, buf_detach(&b));
	buf_release(&b);
}

/* ---- extensions, publications, default privileges ---- */

/* The text after word in sql up to the next space or ";" (new string), or NULL. */
static char *word_after(const char *sql, const char *word)
{
	const char *p = strstr(sql, word);

	return p ? xstrndup(p + strlen(word), strcspn(p + strlen(word), " ;")) : NULL;
}

/* An extension's schema (SET SCHEMA) and version (UPDATE TO). */
static void extension_alter(struct diff_plan *p, const struct schema_object *o, const struct schema_object *t)
{
	char *os = word_after(o->create_sql, " WITH SCHEMA "), *ts = word_after(t->create_sql, " WITH SCHEMA ");
	char *ov = word_after(o->create_sql, " VERSION "), *tv = word_after(t->create_sql, " VERSION ");

	if (ts && !same(os, ts))
		add(p, t, "alter", true, xasprintf("ALTER EXTENSION %s SET SCHEMA %s;\n", t->qname, ts));
	if (tv && !same(ov, tv))
		add(p, t, "alter", true, xasprintf("ALTER EXTENSION %s UPDATE TO %s;\n", t->qname, tv));
	free(os);
	free(ts);
	free(ov);
	free(tv);
}

/* Whether a publication changes by ALTER PUBLICATION: FOR ALL TABLES neither added nor taken away. */
static bool publication_in_place(const struct schema_object *o, const struct schema_object *t)
{
	const char *eo = strchr(o->create_sql, '\n'), *et = strchr(t->create_sql, '\n');
	char *a = xstrndup(o->create_sql, eo ? (size_t)(eo - o->create_sql) : strlen(o->create_sql));
	char *b = xstrndup(t->create_sql, et ? (size_t)(et - t->create_sql) : strlen(t->create_sql));
	bool r = !strstr(a, " FOR ALL TABLES ") == !strstr(b, " FOR ALL TABLES ");

	free(a);
	free(b);
	return r;
}

/*
 * "ALTER PUBLICATION p ADD TABLE ONLY s.t (a) WHERE (...);" taken back:
 * "ALTER PUBLICATION p DROP TABLE s.t;" (new string; NULL for a line that
 * is not an ADD).
 */
static char *publication_drop_line(const char *line, size_t len)
{
	static const char tbl[] = " ADD TABLE ONLY ", sch[] = " ADD TABLES IN SCHEMA ";
	char *l = xstrndup(line, len), *at, *out = NULL;

	if ((at = strstr(l, tbl))) {
		char *name = at + strlen(tbl);
		size_t n = 0;
		/* the quoted qualified name: up to a space or ";" outside quotes */
		while (name[n] && name[n] != ';' && name[n] != ' ') {
			if (name[n] == '"')
				for (n++; name[n] && !(name[n] == '"' && name[n + 1] != '"'); n += name[n] == '"' ? 2 : 1)
					;
			if (name[n])
				n++;
		}
		out = xasprintf("%.*s DROP TABLE %.*s;\n", (int)(at - l), l, (int)n, name);
	} else if ((at = strstr(l, sch))) {
		out = xasprintf("%.*s DROP TABLES IN SCHEMA %s\n", (int)(at - l), l, at + strlen(sch));
	}
	free(l);
	return out;
}

/*
 * A publication in place: its options (ALTER PUBLICATION ... SET), the
 * tables and schemas it no longer has dropped, the new ones (or a changed
 * column list or row filter) added, in one transaction.
 */
static void publication_alter(struct diff_plan *p, const struct schema_object *o, const struct schema_object *t)
{
	const char *eo = strchr(o->create_sql, '\n'), *et = strchr(t->create_sql, '\n');
	size_t lo = eo ? (size_t)(eo - o->create_sql) : strlen(o->create_sql);
	size_t lt = et ? (size_t)(et - t->create_sql) : strlen(t->create_sql);
	const char *with = strstr(t->create_sql, " WITH (");
	struct buf b = BUF_INIT;

	if ((lo != lt || memcmp(o->create_sql, t->create_sql, lt)) && with && with < t->create_sql + lt)
		buf_addf(&b, "ALTER PUBLICATION %s SET %.*s\n", t->qname, (int)(t->create_sql + lt - with - 6), with + 6);
	for (const char *q = eo ? eo + 1 : NULL; q && *q;) {
		const char *e = strchr(q, '\n');
		size_t n = e ? (size_t)(e - q) : strlen(q);
		char *drop;
		if (!has_line(t->create_sql, q, n) && (drop = publication_drop_line(q, n))) {
			buf_adds(&b, drop);
			free(drop);
		}
		q = e ? e + 1 : NULL;
	}
	for (const char *q = et ? et + 1 : NULL; q && *q;) {
		const char *e = strchr(q, '\n');
		size_t n = e ? (size_t)(e - q) : strlen(q);
		if (!has_line(o->create_sql, q, n))
			buf_addf(&b, "%.*s\n", (int)n, q);
		q = e ? e + 1 : NULL;
	}
	if (b.len)
		add(p, t, "alter", true, buf_detach(&b));
	buf_release(&b);
}

/*
 * The default privileges' lines of from (a) that to (b, NULL: none) lacks
 * taken back, then b's new lines (new string).  Each line is o->ref (the
 * "ALTER DEFAULT PRIVILEGES FOR ROLE ..." head) then a GRANT or REVOKE.
 */
static char *default_acl_delta(const struct schema_object *o, const char *a, const char *b)
{
	size_t head = strlen(o->ref);
	struct buf out = BUF_INIT;

	for (const char *q = a; q && *q;) {
		const char *e = strchr(q, '\n');
		size_t n = e ? (size_t)(e - q) : strlen(q);
		char *inv;
		if (!has_line(b, q, n) && n > head && (inv = invert_grant(q + head, n - head))) {
			buf_addf(&out, "%s%s", o->ref, inv);
			free(inv);
		}
		q = e ? e + 1 : NULL;
	}
	for (const char *q = b; q && *q;) {
		const char *e = strchr(q, '\n');
		size_t n = e ? (size_t)(e - q) : strlen(q);
		if (!has_line(a, q, n))
			buf_addf(&out, "%.*s\n", (int)n, q);
		q = e ? e + 1 : NULL;
	}
	return buf_detach(&out);
}

/* ---- tables ---- */

/*
 * The table's CREATE without its column list and the ALTER TABLE lines
 * after it (row level security, replica identity, column settings: what
 * alter_table sets in place) (new string).
 */
static char *table_shape(const struct schema_object *o)
{
	struct buf cols = BUF_INIT, b = BUF_INIT;
	const char *s = o->create_sql, *at;

	if (!o->partition) {
		for (size_t k = 0; k < o->nparts; k++)
			buf_addf(&cols, "%s\n    %s", k ? "," : "", o->parts[k].sql);
		buf_adds(&cols, "\n)");
	}
	at = cols.len ? strstr(s, cols.data) : NULL;
	if (at) {
		buf_add(&b, s, (size_t)(at - s));
		s = at + cols.len;
	}
	for (const char *q = s; *q;) {
		const char *e = strchr(q, '\n');
		size_t n = e ? (size_t)(e - q + 1) : strlen(q);
		if (q == s || strncmp(q, "ALTER TABLE ", 12))
			buf_add(&b, q, n);
		q += n;
	}
	buf_release(&cols);
	return buf_detach(&b);
}

/*
 * What ALTER TABLE changes in a table's CREATE line besides its columns:
 * UNLOGGED, the WITH (...) storage options, and a partition's parent and
 * bound.  table_head cuts them out of the shape (table_shape), leaving in
 * canon what only a new table can change (new strings, or NULL).
 */
struct table_head {
	bool unlogged;
	char *options;	/* "fillfactor=70, autovacuum_enabled=false" */
	char *parent;	/* a partition's parent, quoted qualified */
	char *bound;	/* "FOR VALUES ..." or "DEFAULT" */
	char *canon;
};

/* The length of a list of quoted qualified names up to its closing ")" (quotes skipped). */
static size_t name_list_len(const char *p)
{
	size_t n = 0;

	while (p[n] && p[n] != ')') {
		if (p[n] == '"')
			for (n++; p[n] && !(p[n] == '"' && p[n + 1] != '"'); n += p[n] == '"' ? 2 : 1)
				;
		if (p[n])
			n++;
	}
	return n;
}

/*
 * The parents of an inheritance child in INHERITS order, quoted qualified
 * (a new array of *n new strings; NULL and 0 for any other table).
 */
static char **table_parents(const struct schema_object *o, size_t *n)
{
	const char *at = o->kind == SCHEMA_KIND_TABLE && !o->partition ? strstr(o->create_sql, ") INHERITS (") : NULL;
	const char *p, *end;
	char **v = NULL;

	*n = 0;
	if (!at)
		return NULL;
	p = at + 12;
	end = p + name_list_len(p);
	while (p < end) {
		size_t k = 0;
		while (p + k < end && !(p[k] == ',' && p[k + 1] == ' ')) {
			if (p[k] == '"')
				for (k++; p + k < end && !(p[k] == '"' && p[k + 1] != '"'); k += p[k] == '"' ? 2 : 1)
					;
			if (p + k < end)
				k++;
		}
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = xstrndup(p, k);
		p += k + (p + k < end ? 2 : 0);
	}
	return v;
}

static void free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char *cut(char *line, const char *at, size_t len)
{
	memmove((char *)at, at + len, strlen(at + len) + 1);
	return line;
}

static void table_head(const struct schema_object *o, struct table_head *h)
{
	char *shape = table_shape(o), *nl = strchr(shape, '\n'), *line, *at;
	size_t n;

	memset(h, 0, sizeof(*h));
	line = nl ? xstrndup(shape, (size_t)(nl - shape)) : xstrdup(shape);
	n = strlen(line);
	if (!strncmp(line, "CREATE UNLOGGED TABLE ", 22)) {
		h->unlogged = true;
		cut(line, line + 7, 9);
		n = strlen(line);
	}
	if (!o->partition && (at = strstr(line, " INHERITS ("))) {
		/* ALTER TABLE ... INHERIT / NO INHERIT change it (inherit_alter) */
		cut(line, at, 11 + name_list_len(at + 11) + 1);
		n = strlen(line);
	}
	at = n > 2 && !strcmp(line + n - 2, ");") ? strstr(line, " WITH (") : NULL;
	for (char *more = at; more; more = strstr(more + 1, " WITH ("))
		at = more;
	if (at) {
		h->options = xstrndup(at + 7, (size_t)(line + n - 2 - (at + 7)));
		cut(line, at, strlen(at) - 1);
	}
	if (o->partition && (at = strstr(line, " PARTITION OF "))) {
		char *parent = at + 14, *bound = strstr(parent, " FOR VALUES ");
		char *end;
		if (!bound)
			bound = strstr(parent, " DEFAULT");
		if (bound) {
			end = strstr(bound, " PARTITION BY ");
			if (!end)
				end = line + strlen(line) - 1;
			h->parent = xstrndup(parent, (size_t)(bound - parent));
			h->bound = xstrndup(bound + 1, (size_t)(end - bound - 1));
			cut(line, at, (size_t)(end - at));
		}
	}
	h->canon = xasprintf("%s%s", line, nl ? nl : "");
	free(line);
	free(shape);
}

static void table_head_free(struct table_head *h)
{
	free(h->options);
	free(h->parent);
	free(h->bound);
	free(h->canon);
}

static bool table_reshaped(const struct schema_object *a, const struct schema_object *b)
{
	struct table_head x, y;
	bool r;

	table_head(a, &x);
	table_head(b, &y);
	r = strcmp(x.canon, y.canon) != 0 || !x.parent != !y.parent;
	table_head_free(&x);
	table_head_free(&y);
	return r;
}

static const struct schema_part *find_part(const struct schema_object *o, const char *name)
{
	for (size_t k = 0; k < o->nparts; k++)
		if (!strcmp(o->parts[k].name, name))
			return &o->parts[k];
	return NULL;
}

/* The identity clause without its ALWAYS / BY DEFAULT word. */
static const char *identity_options(const char *ident)
{
	const char *p = strstr(ident, " AS IDENTITY");

	return p ? p : ident;
}

/* Types whose change to the other never loses a value. */
static bool widening(const char *from, const char *to)
{
	static const char *const pairs[][2] = {
		{ "smallint", "integer" }, { "smallint", "bigint" }, { "integer", "bigint" }, { "real", "double precision" },
		{ "character varying", "text" }, { "character", "text" }, { "integer", "numeric" }, { "bigint", "numeric" },
		{ "timestamp without time zone", "timestamp with time zone" },
	};
	size_t lf = strcspn(from, "("), lt = strcspn(to, "(");

	if (!strcmp(to, "text") && !strncmp(from, "character varying", 17))
		return true;
	if (lf == lt && !strncmp(from, to, lf) && from[lf] == '(' && to[lt] == '(') {
		/* varchar(10) -> varchar(20), numeric(10,2) -> numeric(12,2) */
		return atol(to + lt + 1) >= atol(from + lf + 1) && !strchr(from, ',') == !strchr(to, ',');
	}
	if (!strncmp(from, "character varying", 17) && !strcmp(to, "character varying"))
		return true;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (!strcmp(from, pairs[i][0]) && !strcmp(to, pairs[i][1]))
			return true;
	return false;
}

#define ALTER_LOCK "ACCESS EXCLUSIVE"

static struct diff_stmt *alter_stmt(struct planner *pl, struct diff_plan *p, const struct schema_object *t,
				    const char *action, char *sql)
{
	struct diff_stmt *s = add(p, t, action, true, sql);

	locks(pl, s, t->qname, ALTER_LOCK);
	return s;
}

/* SET NOT NULL through a validated check (PostgreSQL 12+): the check now, the rest in runs 3 and 4. */
static void set_not_null(struct planner *pl, const struct schema_object *t, const struct schema_part *c)
{
	char *raw_table = xstrdup(t->name), *raw_col = unquote(c->name), *raw, *check;
	struct diff_stmt *s;

	if (strlen(raw_table) + strlen(raw_col) > 50)
		raw_table[50 > strlen(raw_col) ? 50 - strlen(raw_col) : 0] = '\0';
	raw = xasprintf("%s_%s_not_null", raw_table, raw_col);
	if (strlen(raw) > 63)
		raw[63] = '\0';
	check = quote_ident(raw);
	s = alter_stmt(pl, &pl->run[1], t, "alter",
		       xasprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID;\n", t->qname, check,
				 c->name));
	add_comment(s, "SET NOT NULL on %s.%s in three steps: a check NOT VALID, VALIDATE, then SET NOT NULL", t->qname,
		    c->name);
	s = add(&pl->run[2], t, "validate", true,
		xasprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", t->qname, check));
	s->lock = "SHARE UPDATE EXCLUSIVE";
	s->new_migration = true;
	s = alter_stmt(pl, &pl->run[3], t, "alter",
		       xasprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n", t->qname, c->name));
	s->new_migration = true;
	alter_stmt(pl, &pl->run[3], t, "alter", xasprintf("ALTER TABLE %s DROP CONSTRAINT %s;\n", t->qname, check));
	free(raw_table);
	free(raw_col);
	free(raw);
	free(check);
}

/*
 * Storage, compression and statistics target of column n of table t, where
 * it was o (NULL: a new column, all defaults); retyped: ALTER COLUMN TYPE
 * has just set storage and compression back to the new type's defaults.
 * SHARE UPDATE EXCLUSIVE for the statistics target, ACCESS EXCLUSIVE for
 * the others; neither rewrites the table.
 */
static void column_settings(struct planner *pl, const struct schema_object *t, const struct schema_part *o,
			    const struct schema_part *n, bool retyped)
{
	const char *storage = o && !retyped ? o->storage : NULL, *compression = o && !retyped ? o->compression : NULL;
	struct diff_stmt *s;

	if (!same(storage, n->storage))
		alter_stmt(pl, &pl->run[1], t, "alter",
			   xasprintf("ALTER TABLE %s ALTER COLUMN %s SET STORAGE %s;\n", t->qname, n->name,
				     n->storage ? n->storage : n->type_storage));
	if (!same(compression, n->compression))
		alter_stmt(pl, &pl->run[1], t, "alter",
			   xasprintf("ALTER TABLE %s ALTER COLUMN %s SET COMPRESSION %s;\n", t->qname, n->name,
				     n->compression ? n->compression : "DEFAULT"));
	if ((o ? o->stattarget : -1) != n->stattarget) {
		s = add(&pl->run[1], t, "alter", true,
			xasprintf("ALTER TABLE %s ALTER COLUMN %s SET STATISTICS %d;\n", t->qname, n->name, n->stattarget));
		s->lock = "SHARE UPDATE EXCLUSIVE";
		if (existing(pl, t->qname))
			s->table = xstrdup(t->qname);
	}
}

static void add_column(struct planner *pl, const struct schema_object *t, const struct schema_part *c)
{
	struct diff_stmt *s = alter_stmt(pl, &pl->run[1], t, "alter",
					 xasprintf("ALTER TABLE %s ADD COLUMN %s;\n", t->qname, c->sql));

	if (c->identity || c->generated) {
		s->hazards |= DIFF_REWRITE;
		add_comment(s, "an identity or generated column rewrites %s", t->qname);
	}
	if (c->not_null && !c->default_expr && !c->identity && !c->generated)
		add_comment(s, "NOT NULL without a default: fails if %s has rows (add it nullable and backfill first)",
			    t->qname);
	column_settings(pl, t, NULL, c, false);
}

static void drop_column(struct planner *pl, const struct schema_object *t, const struct schema_part *c, bool hint)
{
	struct diff_stmt *s = alter_stmt(pl, &pl->run[1], t, "drop",
					 xasprintf("ALTER TABLE %s DROP COLUMN %s;\n", t->qname, c->name));

	s->hazards |= DIFF_DATA_LOSS;
	add_comment(s, "drops column %s of %s and every value in it", c->name, t->qname);
	if (hint)
		add_comment(s, "if it was renamed, write ALTER TABLE %s RENAME COLUMN ... TO ... by hand instead "
			       "(pgshift does not guess renames)", t->qname);
}

/* Whether expr calls function f: its name and "(", not the tail of a longer name. */
static bool calls(const char *expr, const struct schema_object *f)
{
	char *name = xstrndup(f->qname, strcspn(f->qname, "(") + 1);
	bool r = false;

	for (const char *p = expr; !r && (p = strstr(p, name)) != NULL; p++)
		r = p == expr || !(p[-1] == '_' || p[-1] == '"' || p[-1] == '.' || p[-1] == '$' ||
				   (p[-1] >= '0' && p[-1] <= '9') || ((p[-1] | 0x20) >= 'a' && (p[-1] | 0x20) <= 'z'));
	free(name);
	return r;
}

/*
 * Whether column c of from's table o has a default that calls a function
 * the plan drops and creates again: PostgreSQL refuses to drop a function
 * a default uses, so the default is dropped first (run 1) and set again
 * once the function is back (run 2).
 */
static bool calls_rebuilt(const struct planner *pl, const struct schema_object *o, const char *expr)
{
	for (size_t d = 0; expr && d < o->ndeps; d++) {
		const struct schema_object *f = &pl->from->objects[o->deps[d]];
		if (f->kind == SCHEMA_KIND_FUNCTION && pl->fs[o->deps[d]] == F_RECREATE && calls(expr, f))
			return true;
	}
	return false;
}

static bool default_calls_rebuilt(const struct planner *pl, const struct schema_object *o, const struct schema_part *c)
{
	return calls_rebuilt(pl, o, c->default_expr);
}

/*
 * Whether column c of from's table o is generated by an expression that
 * calls a function made again: a generation expression cannot be dropped
 * and set again (before PostgreSQL 17), so the column is dropped before the
 * function (run 1) and added again after it (run 2), its values computed
 * again.
 */
static bool generated_calls_rebuilt(const struct planner *pl, const struct schema_object *o,
				    const struct schema_part *c)
{
	return calls_rebuilt(pl, o, c->generated);
}

/* Whether alter_column drops column o and adds it again as n (a generated column cannot change in place). */
static bool column_readded(const struct planner *pl, const struct schema_part *o, const struct schema_part *n)
{
	return !same(o->generated, n->generated) && (n->generated || pl->from->server_version < 130000);
}

/* Whether a column of this type (format_type) holds an enum of m: the enum, an array of it, a domain over it. */
static bool enum_typed(const struct schema_model *m, const char *type)
{
	size_t len = strlen(type);
	const struct schema_object *d;
	char *key;

	if (len > 2 && !strcmp(type + len - 2, "[]"))
		len -= 2;
	key = xasprintf("enum %.*s", (int)len, type);
	d = schema_find(m, key);
	free(key);
	if (d)
		return true;
	key = xasprintf("domain %.*s", (int)len, type);
	d = schema_find(m, key);
	free(key);
	return d && d->nparts && d->parts[0].type && strcmp(d->parts[0].type, type) && enum_typed(m, d->parts[0].type);
}

/*
 * The USING of column o's type change to n's type (new string): a plain
 * cast, or through text where an enum is on either side (PostgreSQL has no
 * cast from an enum to another enum or to a type other than a string, nor
 * from one to an enum).
 */
static char *type_using(const struct planner *pl, const struct schema_part *o, const struct schema_part *n)
{
	if (strcmp(n->type, "text") && (enum_typed(pl->from, o->type) || enum_typed(pl->to, n->type)))
		return xasprintf(" USING %s::text%s::%s", o->name, strstr(o->type, "[]") ? "[]" : "", n->type);
	return xasprintf(" USING %s::%s", o->name, n->type);
}

static void alter_column(struct planner *pl, const struct schema_object *t, const struct schema_part *o,
			 const struct schema_part *n)
{
	struct diff_plan *p = &pl->run[1];
	bool type_changed = !same(o->type, n->type) || !same(o->collation, n->collation);
	bool ident_add = false;
	struct diff_stmt *s;

	if (!same(o->generated, n->generated)) {
		if (column_readded(pl, o, n)) {
			s = alter_stmt(pl, p, t, "drop", xasprintf("ALTER TABLE %s DROP COLUMN %s;\n", t->qname, o->name));
			add_comment(s, "a generated column cannot change in place: %s is dropped and added again", o->name);
			s->hazards |= DIFF_DATA_LOSS;
			add_column(pl, t, n);
			return;
		}
		alter_stmt(pl, p, t, "alter",
			   xasprintf("ALTER TABLE %s ALTER COLUMN %s DROP EXPRESSION;\n", t->qname, o->name));
	}
	if (!same(o->identity, n->identity)) {
		if (o->identity && n->identity && !strcmp(identity_options(o->identity), identity_options(n->identity))) {
			alter_stmt(pl, p, t, "alter",
				   xasprintf("ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s;\n", t->qname, o->name,
					     strstr(n->identity, "ALWAYS") ? "ALWAYS" : "BY DEFAULT"));
		} else {
			if (o->identity) {
				s = alter_stmt(pl, p, t, "alter",
					       xasprintf("ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY;\n", t->qname,
							 o->name));
				if (n->identity)
					add_comment(s, "the identity of %s is made again: its sequence starts over",
						    o->name);
			}
			ident_add = n->identity != NULL;
		}
	}
	/* a new default replaces the old one (SET DEFAULT below); the old one goes first only before a type change */
	if (o->default_expr && (type_changed || !n->default_expr) &&
	    !default_calls_rebuilt(pl, &pl->from->objects[pl->t2f[t - pl->to->objects]], o))
		alter_stmt(pl, p, t, "alter", xasprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n", t->qname, o->name));
	if (type_changed) {
		bool only_collation = same(o->type, n->type);
		char *using = only_collation ? xstrdup("") : type_using(pl, o, n);
		s = alter_stmt(pl, p, t, "alter",
			       xasprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s;\n", t->qname, o->name, n->type,
					 n->collation ? n->collation : "", using));
		free(using);
		s->hazards |= DIFF_REWRITE;
		add_comment(s, "changes the type of %s.%s from %s to %s: rewrites the table under ACCESS EXCLUSIVE",
			    t->qname, o->name, o->type, n->type);
		if (!only_collation && !widening(o->type, n->type)) {
			s->hazards |= DIFF_DATA_LOSS;
			add_comment(s, "values that do not fit %s make it fail or lose precision", n->type);
		}
	}
	if (!o->not_null && n->not_null) {
		if (ident_add || pl->from->server_version < 120000)
			alter_stmt(pl, p, t, "alter",
				   xasprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\n", t->qname, o->name));
		else
			set_not_null(pl, t, n);
	} else if (o->not_null && !n->not_null) {
		alter_stmt(pl, p, t, "alter", xasprintf("ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL;\n", t->qname, o->name));
	}
	if (n->default_expr && (type_changed || !same(o->default_expr, n->default_expr)))
		alter_stmt(pl, p, t, "alter",
			   xasprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n", t->qname, o->name, n->default_expr));
	if (ident_add)
		alter_stmt(pl, p, t, "alter", xasprintf("ALTER TABLE %s ALTER COLUMN %s ADD%s;\n", t->qname, o->name,
							 n->identity));
	column_settings(pl, t, o, n, type_changed);
}

static bool has_rls(const char *sql, const char *what)
{
	char *needle = xasprintf(" %s ROW LEVEL SECURITY;", what);
	bool r = strstr(sql, needle) != NULL;

	free(needle);
	return r;
}

/* Whether the list "a=1, b=2" has the item [item, item + len) (whole, or by name when by_name). */
static bool has_option(const char *list, const char *item, size_t len, bool by_name)
{
	size_t name = by_name ? strcspn(item, "=") : len;

	for (const char *q = list; q && *q;) {
		size_t n = strcspn(q, ",");
		if (by_name ? n > name && q[name] == '=' && !memcmp(q, item, name) : n == len && !memcmp(q, item, len))
			return true;
		q += n;
		q += *q == ',' ? 1 + (q[1] == ' ') : 0;
	}
	return false;
}

/* The storage options of from (a) and to (b) as SET (...) and RESET (...). */
static void alter_options(struct planner *pl, const struct schema_object *t, const char *a, const char *b)
{
	struct buf set = BUF_INIT, reset = BUF_INIT;
	bool strong = false;

	for (const char *q = b; q && *q;) {
		size_t n = strcspn(q, ",");
		if (!has_option(a, q, n, false)) {
			buf_addf(&set, "%s%.*s", set.len ? ", " : "", (int)n, q);
			strong |= !strncmp(q, "user_catalog_table=", 19);
		}
		q += n;
		q += *q == ',' ? 1 + (q[1] == ' ') : 0;
	}
	for (const char *q = a; q && *q;) {
		size_t n = strcspn(q, ",");
		if (!has_option(b, q, n, true)) {
			buf_addf(&reset, "%s%.*s", reset.len ? ", " : "", (int)strcspn(q, "="), q);
			strong |= !strncmp(q, "user_catalog_table=", 19);
		}
		q += n;
		q += *q == ',' ? 1 + (q[1] == ' ') : 0;
	}
	if (set.len || reset.len) {
		struct buf sql = BUF_INIT;
		struct diff_stmt *s;

		buf_addf(&sql, "ALTER TABLE %s", t->qname);
		if (set.len)
			buf_addf(&sql, " SET (%s)", set.data);
		if (reset.len)
			buf_addf(&sql, "%s RESET (%s)", set.len ? "," : "", reset.data);
		buf_adds(&sql, ";\n");
		s = add(&pl->run[1], t, "alter", true, buf_detach(&sql));
		if (strong) {
			locks(pl, s, t->qname, ALTER_LOCK);
		} else {
			s->lock = "SHARE UPDATE EXCLUSIVE";
			/* a migration of its own all the same: lint counts every ALTER TABLE as locking its table */
			if (existing(pl, t->qname))
				s->table = xstrdup(t->qname);
		}
	}
	buf_release(&set);
	buf_release(&reset);
}

/* UNLOGGED, storage options, a partition's bound or parent: what ALTER TABLE changes besides columns. */
static void alter_head(struct planner *pl, const struct schema_object *o, const struct schema_object *t)
{
	struct table_head a, b;
	struct diff_stmt *s;

	table_head(o, &a);
	table_head(t, &b);
	if (!same(a.options, b.options))
		alter_options(pl, t, a.options, b.options);
	if (a.unlogged != b.unlogged) {
		s = alter_stmt(pl, &pl->run[1], t, "alter",
			       xasprintf("ALTER TABLE %s SET %s;\n", t->qname, b.unlogged ? "UNLOGGED" : "LOGGED"));
		s->hazards |= DIFF_REWRITE;
		add_comment(s, "rewrites %s under ACCESS EXCLUSIVE%s", t->qname,
			    b.unlogged ? "; an unlogged table is emptied by a crash and not replicated" : "");
	}
	table_head_free(&a);
	table_head_free(&b);
}

/*
 * The partitions of parent (a table of to, by its run 2 turn) that keep
 * their rows but change bound or parent: all detached first, then all
 * attached, so that no new bound meets another partition's old one.  One
 * migration: their rows are out of the parent only inside that transaction.
 */
static void rebind_partitions(struct planner *pl, const struct schema_object *parent)
{
	const struct schema_model *to = pl->to;
	struct table_head *heads = xcalloc(2 * to->n + 1, sizeof(*heads));
	size_t *moved = xcalloc(to->n + 1, sizeof(size_t)), n = 0;
	struct diff_stmt *s;

	for (size_t j = 0; j < to->n; j++) {
		const struct schema_object *t = &to->objects[j];
		struct table_head *a = &heads[2 * n], *b = &heads[2 * n + 1];
		size_t i = pl->t2f[j];
		if (t->kind != SCHEMA_KIND_TABLE || !t->partition || i == SCHEMA_NONE || pl->ts[j] != T_ALTER ||
		    !pl->from->objects[i].partition || !strstr(t->create_sql, parent->qname))
			continue;
		table_head(&pl->from->objects[i], a);
		table_head(t, b);
		if (a->parent && b->parent && !strcmp(b->parent, parent->qname) &&
		    (strcmp(a->parent, b->parent) || strcmp(a->bound, b->bound))) {
			moved[n++] = j;
			continue;
		}
		table_head_free(a);
		table_head_free(b);
	}
	for (size_t k = 0; k < n; k++) {
		const struct schema_object *t = &to->objects[moved[k]];
		s = add(&pl->run[1], t, "alter", true,
			xasprintf("ALTER TABLE %s DETACH PARTITION %s;\n", heads[2 * k].parent, t->qname));
		locks(pl, s, heads[2 * k].parent, ALTER_LOCK);
		s->hazards |= DIFF_LOCK_STRONG;
		add_comment(s, "the bound of partition %s changes: it is detached and attached again, its rows kept",
			    t->qname);
	}
	for (size_t k = 0; k < n; k++) {
		const struct schema_object *t = &to->objects[moved[k]];
		s = add(&pl->run[1], t, "alter", true,
			xasprintf("ALTER TABLE %s ATTACH PARTITION %s %s;\n", parent->qname, t->qname,
				  heads[2 * k + 1].bound));
		locks(pl, s, parent->qname, "SHARE UPDATE EXCLUSIVE on the parent, ACCESS EXCLUSIVE on the partition");
		s->hazards |= DIFF_LOCK_STRONG;
		add_comment(s, "scans %s to check its rows against the bound (and a default partition, if any, for "
			       "rows that now belong here)",
			    t->qname);
		table_head_free(&heads[2 * k]);
		table_head_free(&heads[2 * k + 1]);
	}
	free(heads);
	free(moved);
}

/*
 * Run 1: the defaults of kept table o that call a function made again,
 * dropped before it is (default_calls_rebuilt).
 */
static void drop_rebuilt_defaults(struct planner *pl, const struct schema_object *o)
{
	for (size_t k = 0; k < o->nparts; k++) {
		struct diff_stmt *s;
		if (generated_calls_rebuilt(pl, o, &o->parts[k])) {
			s = alter_stmt(pl, &pl->run[0], o, "drop",
				       xasprintf("ALTER TABLE %s DROP COLUMN %s;\n", o->qname, o->parts[k].name));
			add_comment(s, "generated column %s calls a function that is made again: it is dropped first and "
				       "added again after (its values computed again)", o->parts[k].name);
			continue;
		}
		if (!default_calls_rebuilt(pl, o, &o->parts[k]))
			continue;
		s = alter_stmt(pl, &pl->run[0], o, "alter",
			       xasprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n", o->qname, o->parts[k].name));
		add_comment(s, "the default of %s calls a function that is made again: it is set again after", o->parts[k].name);
	}
}

/*
 * Run 2, at table t's turn: the defaults drop_rebuilt_defaults dropped,
 * set again where alter_column does not set them itself.
 */
/* The comment of column c of table t again, after it was dropped and added (t kept: alter_object does not run). */
static void column_comment_again(struct planner *pl, const struct schema_object *t, const struct schema_part *c)
{
	char *prefix = xasprintf("COMMENT ON COLUMN %s.%s IS ", t->qname, c->name);
	const char *at = t->comment_sql ? strstr(t->comment_sql, prefix) : NULL;

	if (at && (at == t->comment_sql || at[-1] == '\n'))
		add(&pl->run[1], t, "comment", true, xstrndup(at, strcspn(at, "\n") + 1));
	free(prefix);
}

static void restore_rebuilt_defaults(struct planner *pl, const struct schema_object *o, const struct schema_object *t,
				     bool kept)
{
	bool altered = strcmp(o->create_sql, t->create_sql) != 0;

	for (size_t k = 0; k < o->nparts; k++) {
		const struct schema_part *c = &o->parts[k], *n = find_part(t, c->name);
		if (n && generated_calls_rebuilt(pl, o, c)) {
			add_column(pl, t, n);
			if (kept)
				column_comment_again(pl, t, n);
			continue;
		}
		if (!n || !n->default_expr || !default_calls_rebuilt(pl, o, c))
			continue;
		if (altered && strcmp(c->sql, n->sql) &&
		    (column_readded(pl, c, n) || !same(c->type, n->type) || !same(c->collation, n->collation) ||
		     !same(c->default_expr, n->default_expr)))
			continue;	/* alter_column sets it */
		alter_stmt(pl, &pl->run[1], t, "alter",
			   xasprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n", t->qname, n->name, n->default_expr));
	}
}

/* ---- inheritance ---- */

/* Column name (quoted) of table o of m: its own or one a parent gives it (recursively), or NULL. */
static const struct schema_part *table_column(const struct schema_model *m, const struct schema_object *o,
					     const char *name, int depth)
{
	const struct schema_part *c = find_part(o, name);
	char **par;
	size_t np;

	if (c || depth > 32)
		return c;
	par = table_parents(o, &np);
	for (size_t i = 0; i < np && !c; i++) {
		size_t x = relation_index(m, par[i]);
		if (x != SCHEMA_NONE)
			c = table_column(m, &m->objects[x], name, depth + 1);
	}
	free_names(par, np);
	return c;
}

/* The check constraint named name (quoted) of table o of m, or NULL. */
static const struct schema_object *own_check(const struct schema_model *m, const struct schema_object *o,
					     const char *name)
{
	char *key = xasprintf("constraint %s.%s", o->qname, name);
	const struct schema_object *c = schema_find(m, key);

	free(key);
	return c && c->subkind == 'c' ? c : NULL;
}

/* The check named name that table o of m inherits from a parent (recursively), or NULL. */
static const struct schema_object *inherited_check(const struct schema_model *m, const struct schema_object *o,
						   const char *name, int depth)
{
	const struct schema_object *c = NULL;
	char **par;
	size_t np;

	if (depth > 32)
		return NULL;
	par = table_parents(o, &np);
	for (size_t i = 0; i < np && !c; i++) {
		size_t x = relation_index(m, par[i]);
		if (x != SCHEMA_NONE && !(c = own_check(m, &m->objects[x], name)))
			c = inherited_check(m, &m->objects[x], name, depth + 1);
	}
	free_names(par, np);
	return c;
}

/* Whether from's table qname is dropped or made again: run 1 detaches its children first. */
static bool parent_goes(const struct planner *pl, const char *qname)
{
	size_t i = relation_index(pl->from, qname);

	return i != SCHEMA_NONE && (pl->fs[i] == F_DROP || pl->fs[i] == F_RECREATE);
}

/*
 * The parents of from's child o (*pf, *nf) and of to's t (*pt, *nt; t
 * NULL: none); returns how many stay attached: the common prefix of t's
 * and of o's that run 1 does not detach (INHERIT appends, so a parent
 * after one that goes is detached and attached again).
 */
static size_t attached(const struct planner *pl, const struct schema_object *o, const struct schema_object *t,
		       char ***pf, size_t *nf, char ***pt, size_t *nt)
{
	size_t k = 0;

	*pf = table_parents(o, nf);
	*pt = t ? table_parents(t, nt) : NULL;
	if (!t)
		*nt = 0;
	for (size_t i = 0; i < *nf; i++) {
		if (parent_goes(pl, (*pf)[i]))
			continue;
		if (k >= *nt || strcmp((*pf)[i], (*pt)[k]))
			break;
		k++;
	}
	return k;
}

/*
 * Run 1, at kept child o's turn (before its parents): NO INHERIT from each
 * parent that is dropped or made again (PostgreSQL refuses to drop a
 * parent under its children); the child keeps its rows and its columns.
 */
static void detach_from_going_parents(struct planner *pl, const struct schema_object *o)
{
	size_t np;
	char **par = table_parents(o, &np);

	for (size_t i = 0; i < np; i++) {
		struct diff_stmt *s;
		if (!parent_goes(pl, par[i]))
			continue;
		s = alter_stmt(pl, &pl->run[0], o, "alter", xasprintf("ALTER TABLE %s NO INHERIT %s;\n", o->qname, par[i]));
		add_comment(s, "%s goes or is made again: %s leaves it first, its rows kept", par[i], o->qname);
	}
	free_names(par, np);
}

/*
 * Columns that from's table p gives (its own and its parents', recursively)
 * appended to *v (*n of them; pointers into the model).
 */
static void given_columns(const struct schema_model *m, const struct schema_object *p,
			  const struct schema_part ***v, size_t *n, int depth)
{
	char **par;
	size_t np;

	if (depth > 32)
		return;
	for (size_t k = 0; k < p->nparts; k++) {
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = &p->parts[k];
	}
	par = table_parents(p, &np);
	for (size_t i = 0; i < np; i++) {
		size_t x = relation_index(m, par[i]);
		if (x != SCHEMA_NONE)
			given_columns(m, &m->objects[x], v, n, depth + 1);
	}
	free_names(par, np);
}

/* The check constraints of to's table p and its parents appended to *v (recursively). */
static void given_checks(const struct schema_model *m, const struct schema_object *p, const struct schema_object ***v,
			 size_t *n, int depth)
{
	size_t plen = strlen(p->qname);
	char **par;
	size_t np;

	if (depth > 32)
		return;
	for (size_t i = 0; i < m->n; i++) {
		const struct schema_object *c = &m->objects[i];
		if (c->kind != SCHEMA_KIND_CONSTRAINT || c->subkind != 'c' || !c->table || strcmp(c->table, p->qname) ||
		    strstr(c->create_sql, " NO INHERIT") || strncmp(c->qname, p->qname, plen))
			continue;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = c;
	}
	par = table_parents(p, &np);
	for (size_t i = 0; i < np; i++) {
		size_t x = relation_index(m, par[i]);
		if (x != SCHEMA_NONE)
			given_checks(m, &m->objects[x], v, n, depth + 1);
	}
	free_names(par, np);
}

/*
 * Run 2, at the start of alter_table: NO INHERIT from the parents o has
 * and t (at that place) has not; the columns only such a parent gave that
 * t has not are then dropped (NO INHERIT leaves them in the child).  A
 * check such a parent gave stays in the child (NO INHERIT leaves it as the
 * child's own): one that t declares itself is not created again.
 */
static void inherit_detach(struct planner *pl, const struct schema_object *o, const struct schema_object *t)
{
	char **pf, **pt;
	size_t nf, nt, k = attached(pl, o, t, &pf, &nf, &pt, &nt), kept = 0;
	const struct schema_part **cols = NULL;
	const struct schema_object **checks = NULL;
	size_t ncols = 0, nchecks = 0;

	for (size_t i = 0; i < nf; i++) {
		size_t x = relation_index(pl->from, pf[i]);
		if (!parent_goes(pl, pf[i]) && kept++ >= k)
			alter_stmt(pl, &pl->run[1], t, "alter", xasprintf("ALTER TABLE %s NO INHERIT %s;\n", t->qname, pf[i]));
		else if (!parent_goes(pl, pf[i]))
			continue;
		if (x != SCHEMA_NONE)
			given_columns(pl->from, &pl->from->objects[x], &cols, &ncols, 0);
		if (x != SCHEMA_NONE)
			given_checks(pl->from, &pl->from->objects[x], &checks, &nchecks, 0);
	}
	for (size_t i = 0; i < ncols; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(cols[j]->name, cols[i]->name);
		if (!seen && !find_part(o, cols[i]->name) && !table_column(pl->to, t, cols[i]->name, 0))
			drop_column(pl, t, cols[i], false);
	}
	for (size_t i = 0; i < pl->to->n; i++) {
		const struct schema_object *c = &pl->to->objects[i];
		if (pl->ts[i] == T_CREATE && c->kind == SCHEMA_KIND_CONSTRAINT && c->table && !strcmp(c->table, t->qname) &&
		    pl->t2f[i] == SCHEMA_NONE)
			for (size_t j = 0; j < nchecks; j++)
				if (!strcmp(local_name(checks[j]), local_name(c)))
					pl->ts[i] = T_KEEP;
	}
	for (size_t j = 0; j < nchecks; j++) {
		const char *name = local_name(checks[j]);
		bool seen = false;
		for (size_t i = 0; i < j && !seen; i++)
			seen = !strcmp(local_name(checks[i]), name);
		if (!seen && !own_check(pl->to, t, name) && !inherited_check(pl->to, t, name, 0))
			alter_stmt(pl, &pl->run[1], t, "drop",
				   xasprintf("ALTER TABLE %s DROP CONSTRAINT %s;\n", t->qname, name));
	}
	free(cols);
	free(checks);
	free_names(pf, nf);
	free_names(pt, nt);
}

/*
 * Run 2, at the end of alter_table (or of a kept child whose parent was
 * made again): INHERIT each parent t has past those that stayed attached,
 * after adding the columns and check constraints it needs that the child
 * lacks (PostgreSQL requires them); a check t declares itself is then not
 * created again.
 */
static void inherit_attach(struct planner *pl, const struct schema_object *o, const struct schema_object *t)
{
	char **pf, **pt;
	size_t nf, nt, k = attached(pl, o, t, &pf, &nf, &pt, &nt);

	for (size_t i = k; i < nt; i++) {
		size_t x = relation_index(pl->to, pt[i]);
		const struct schema_part **cols = NULL;
		const struct schema_object **checks = NULL;
		size_t ncols = 0, nchecks = 0;
		struct diff_stmt *s;

		if (x != SCHEMA_NONE) {
			given_columns(pl->to, &pl->to->objects[x], &cols, &ncols, 0);
			given_checks(pl->to, &pl->to->objects[x], &checks, &nchecks, 0);
		}
		for (size_t c = 0; c < ncols; c++) {
			bool seen = false;
			for (size_t j = 0; j < c && !seen; j++)
				seen = !strcmp(cols[j]->name, cols[c]->name);
			if (seen || table_column(pl->from, o, cols[c]->name, 0) || find_part(t, cols[c]->name))
				continue;
			s = alter_stmt(pl, &pl->run[1], t, "alter",
				       xasprintf("ALTER TABLE %s ADD COLUMN %s %s%s%s;\n", t->qname, cols[c]->name, cols[c]->type,
						 cols[c]->collation ? cols[c]->collation : "", cols[c]->not_null ? " NOT NULL" : ""));
			add_comment(s, "%s needs column %s before %s inherits it", pt[i], cols[c]->name, t->qname);
		}
		for (size_t c = 0; c < nchecks; c++) {
			const char *name = local_name(checks[c]), *def = strstr(checks[c]->create_sql, " ADD CONSTRAINT ");
			char *key = xasprintf("constraint %s.%s", t->qname, name);
			size_t own = schema_index(pl->to, key);
			free(key);
			if (own_check(pl->from, o, name) || inherited_check(pl->from, o, name, 0) || !def)
				continue;
			if (own != SCHEMA_NONE)
				pl->ts[own] = T_KEEP;
			s = alter_stmt(pl, &pl->run[1], t, "alter",
				       xasprintf("ALTER TABLE %s%s", t->qname, def));
			add_comment(s, "%s needs check %s before %s inherits it", pt[i], name, t->qname);
		}
		s = alter_stmt(pl, &pl->run[1], t, "alter", xasprintf("ALTER TABLE %s INHERIT %s;\n", t->qname, pt[i]));
		add_comment(s, "%s now inherits %s: its rows are kept (and show in queries on %s)", t->qname, pt[i], pt[i]);
		free(cols);
		free(checks);
	}
	free_names(pf, nf);
	free_names(pt, nt);
}

/* The REPLICA IDENTITY FULL or NOTHING line of a table's create_sql (its length in *n), or NULL. */
static const char *replica_line(const struct schema_object *o, size_t *n)
{
	const char *at = strstr(o->create_sql, " REPLICA IDENTITY ");
	const char *start = at;

	if (!at)
		return NULL;
	while (start > o->create_sql && start[-1] != '\n')
		start--;
	*n = strcspn(start, "\n");
	return start;
}

/*
 * A table's replica identity FULL or NOTHING set, or taken back to the
 * default (unless a USING INDEX, the post SQL, sets it after).
 */
static void replica_identity(struct planner *pl, const struct schema_object *o, const struct schema_object *t)
{
	size_t na = 0, nb = 0;
	const char *a = replica_line(o, &na), *b = replica_line(t, &nb);

	if (b && !(a && na == nb && !memcmp(a, b, nb)))
		alter_stmt(pl, &pl->run[1], t, "alter", xasprintf("%.*s\n", (int)nb, b));
	else if (!b && (a || (o->post_sql && !same(o->post_sql, t->post_sql))) && !t->post_sql)
		alter_stmt(pl, &pl->run[1], t, "alter", xasprintf("ALTER TABLE %s REPLICA IDENTITY DEFAULT;\n", t->qname));
}

static void alter_table(struct planner *pl, const struct schema_object *o, const struct schema_object *t)
{
	static const char *const rls[][2] = { { "ENABLE", "DISABLE" }, { "FORCE", "NO FORCE" } };
	bool added = false, dropped = false;

	alter_head(pl, o, t);
	if (!o->partition) {
		inherit_detach(pl, o, t);
		/* a column a parent gives is there (or stays) without a statement of its own */
		for (size_t k = 0; k < t->nparts; k++)
			added |= !table_column(pl->from, o, t->parts[k].name, 0);
		for (size_t k = 0; k < o->nparts; k++)
			dropped |= !table_column(pl->to, t, o->parts[k].name, 0);
		/* a generated column that calls a function made again: run 1 drops it, restore_rebuilt_defaults adds it */
		for (size_t k = 0; k < o->nparts; k++)
			if (!table_column(pl->to, t, o->parts[k].name, 0) && !generated_calls_rebuilt(pl, o, &o->parts[k]))
				drop_column(pl, t, &o->parts[k], added);
		for (size_t k = 0; k < t->nparts; k++) {
			const struct schema_part *c = find_part(o, t->parts[k].name);
			if ((!c && table_column(pl->from, o, t->parts[k].name, 0)) || (c && generated_calls_rebuilt(pl, o, c)))
				continue;
			if (!c) {
				add_column(pl, t, &t->parts[k]);
				if (dropped)
					add_comment(&pl->run[1].stmts[pl->run[1].n - 1],
						    "a column of %s was dropped above: if this is it renamed, write the "
						    "rename by hand instead",
						    t->qname);
			} else if (strcmp(c->sql, t->parts[k].sql)) {
				alter_column(pl, t, c, &t->parts[k]);
			} else {
				column_settings(pl, t, c, &t->parts[k], false);
			}
		}
	}
	for (int i = 0; i < 2; i++) {
		bool was = has_rls(o->create_sql, rls[i][0]), is = has_rls(t->create_sql, rls[i][0]);
		if (was != is)
			alter_stmt(pl, &pl->run[1], t, "alter",
				   xasprintf("ALTER TABLE %s %s ROW LEVEL SECURITY;\n", t->qname, rls[i][is ? 0 : 1]));
	}
	replica_identity(pl, o, t);
	if (!o->partition)
		inherit_attach(pl, o, t);
}

/* ---- enums ---- */

/* The labels of CREATE TYPE ... AS ENUM ('a', 'b'); as quoted literals (an array of n, each new). */
static char **enum_labels(const char *sql, size_t *n)
{
	const char *p = strstr(sql, " AS ENUM (");
	char **v = NULL;

	*n = 0;
	if (!p)
		return NULL;
	p += 10;
	while (*p == 'E' || *p == '\'') {
		const char *s = p;
		bool e = *p == 'E';
		p += e ? 2 : 1;
		while (*p) {
			if (e && *p == '\\' && p[1]) {
				p += 2;
				continue;
			}
			if (*p == '\'' && p[1] == '\'') {
				p += 2;
				continue;
			}
			if (*p == '\'')
				break;
			p++;
		}
		if (!*p)
			break;
		p++;
		v = xrealloc(v, (*n + 1) * sizeof(*v));
		v[(*n)++] = xstrndup(s, (size_t)(p - s));
		if (!strncmp(p, ", ", 2))
			p += 2;
	}
	return v;
}

static void free_labels(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static size_t label_at(char **v, size_t n, const char *x)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], x))
			return i;
	return SCHEMA_NONE;
}

/* Whether the old labels keep their order among the new ones (values only added). */
static bool enum_only_adds(const struct schema_object *o, const struct schema_object *t)
{
	size_t no, nt, last = 0;
	char **a = enum_labels(o->create_sql, &no), **b = enum_labels(t->create_sql, &nt);
	bool ok = no <= nt;

	for (size_t i = 0; ok && i < no; i++) {
		size_t at = label_at(b, nt, a[i]);
		ok = at != SCHEMA_NONE && (i == 0 || at > last);
		last = at;
	}
	free_labels(a, no);
	free_labels(b, nt);
	return ok;
}

static void enum_add_values(struct planner *pl, const struct schema_object *o, const struct schema_object *t)
{
	size_t no, nt;
	char **a = enum_labels(o->create_sql, &no), **b = enum_labels(t->create_sql, &nt);

	for (size_t i = 0; i < nt; i++) {
		size_t next = i + 1;
		struct diff_stmt *s;
		if (label_at(a, no, b[i]) != SCHEMA_NONE)
			continue;
		while (next < nt && label_at(a, no, b[next]) == SCHEMA_NONE)
			next++;
		s = add(&pl->run[1], t, "alter", false,
			next < nt ? xasprintf("ALTER TYPE %s ADD VALUE IF NOT EXISTS %s BEFORE %s;\n", t->qname, b[i], b[next])
			: i ? xasprintf("ALTER TYPE %s ADD VALUE IF NOT EXISTS %s AFTER %s;\n", t->qname, b[i], b[i - 1])
			    : xasprintf("ALTER TYPE %s ADD VALUE IF NOT EXISTS %s;\n", t->qname, b[i]));
		add_comment(s, "outside a transaction: the new value is usable once this commits");
	}
	free_labels(a, no);
	free_labels(b, nt);
}

/* Whether column c of a table has type e (or an array of it). */
static bool of_type(const struct schema_part *c, const struct schema_object *e)
{
	size_t n = strlen(e->qname);

	return !strncmp(c->type, e->qname, n) && (!c->type[n] || !strcmp(c->type + n, "[]"));
}

/* What ALTER and DROP call a type. */
static const char *type_word(const struct schema_object *o)
{
	return o->kind == SCHEMA_KIND_DOMAIN ? "DOMAIN" : "TYPE";
}

/*
 * How column c (of type o, becoming t) converts (new string): an enum
 * through text; a composite attribute by attribute, the new ones NULL, a
 * NULL staying NULL (an array of one through text: it fails if the
 * attributes differ in number); a domain by a cast to the new one.
 */
static char *type_conversion(const struct schema_part *c, const struct schema_object *o, const struct schema_object *t)
{
	bool array = strstr(c->type, "[]") != NULL;
	struct buf b = BUF_INIT;

	if (t->kind == SCHEMA_KIND_ENUM || (t->kind == SCHEMA_KIND_COMPOSITE && array))
		return xasprintf("%s::text%s::%s", c->name, array ? "[]" : "", c->type);
	if (t->kind != SCHEMA_KIND_COMPOSITE)
		return xasprintf("%s::%s", c->name, c->type);
	buf_addf(&b, "CASE WHEN %s IS NOT DISTINCT FROM NULL THEN NULL ELSE ROW(", c->name);
	for (size_t k = 0; k < t->nparts; k++) {
		const struct schema_part *a = &t->parts[k], *was = find_part(o, a->name);
		if (was)
			buf_addf(&b, "%s(%s).%s::%s%s", k ? ", " : "", c->name, a->name, a->type,
				 a->collation ? a->collation : "");
		else
			buf_addf(&b, "%sNULL::%s", k ? ", " : "", a->type);
	}
	buf_addf(&b, ")::%s END", t->qname);
	return buf_detach(&b);
}

/*
 * A type its columns use that cannot change in place: the old one renamed,
 * the new one created, the columns converted (type_conversion), the old
 * one dropped at the end of the plan.  What depends on the type or on
 * those columns was dropped in run 1 and is created again after
 * (classify).
 */
static void type_recreate(struct planner *pl, const struct schema_object *o, const struct schema_object *t)
{
	struct diff_plan *p = &pl->run[1];
	char *raw = xasprintf("%.50s_pgshift_old", t->name), *old_name = quote_ident(raw);
	char *schema = quote_ident(t->schema);
	struct diff_stmt *s;

	s = add(p, t, "alter", true, xasprintf("ALTER %s %s RENAME TO %s;\n", type_word(o), t->qname, old_name));
	add_comment(s, "%s cannot change in place while columns use it: it is created again and its columns converted",
		    t->qname);
	add(p, t, "create", true, xasprintf("%s", t->create_sql));
	for (size_t i = 0; i < pl->to->n; i++) {
		const struct schema_object *tab = &pl->to->objects[i];
		size_t fi = pl->t2f[i];
		if (tab->kind != SCHEMA_KIND_TABLE || fi == SCHEMA_NONE || pl->fs[fi] == F_RECREATE || tab->partition)
			continue;
		for (size_t k = 0; k < tab->nparts; k++) {
			const struct schema_part *c = &tab->parts[k], *oc = find_part(&pl->from->objects[fi], c->name);
			char *conv;
			if (!oc || !of_type(c, t) || !of_type(oc, o))
				continue;
			if (oc->default_expr)
				alter_stmt(pl, p, tab, "alter",
					   xasprintf("ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT;\n", tab->qname, c->name));
			conv = type_conversion(c, o, t);
			s = alter_stmt(pl, p, tab, "alter",
				       xasprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s;\n", tab->qname, c->name,
						 c->type, conv));
			free(conv);
			s->hazards |= DIFF_REWRITE | DIFF_DATA_LOSS;
			add_comment(s, "fails if a row holds a value %s no longer accepts", t->qname);
			if (c->default_expr)
				alter_stmt(pl, p, tab, "alter",
					   xasprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s;\n", tab->qname, c->name,
						     c->default_expr));
		}
	}
	/* last (run 5): a column of the old type that goes, or changes to another type, does so in run 2 */
	add(&pl->run[4], t, "drop", true, xasprintf("DROP %s %s.%s;\n", type_word(o), schema, old_name));
	meta_delta(p, t, NULL, t->comment_sql, NULL, t->grant_sql);
	free(raw);
	free(old_name);
	free(schema);
}

/* ---- domains and composite types in place ---- */

/* A domain's check constraint named name, or NULL (parts[0] is the domain's base). */
static const struct schema_part *domain_check(const struct schema_object *d, const char *name)
{
	for (size_t k = 1; k < d->nparts; k++)
		if (!strcmp(d->parts[k].name, name))
			return &d->parts[k];
	return NULL;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && !strcmp(s + n - m, tail);
}

/*
 * ALTER DOMAIN: default, NOT NULL, and its checks (a changed one dropped
 * and added again), each added NOT VALID and validated in a later
 * migration, as a table's.
 */
static void domain_alter(struct planner *pl, const struct schema_object *o, const struct schema_object *t)
{
	const struct schema_part *ob = &o->parts[0], *tb = &t->parts[0];
	struct diff_plan *p = &pl->run[1];
	struct diff_stmt *s;

	for (size_t k = 1; k < o->nparts; k++) {
		const struct schema_part *c = &o->parts[k], *n = domain_check(t, c->name);
		if (calls_rebuilt(pl, o, c->sql))
			continue;	/* dropped in run 1 (drop_rebuilt_domain_parts) */
		if (n && (!strcmp(c->sql, n->sql) || (ends_with(c->sql, " NOT VALID") &&
						      !strncmp(c->sql, n->sql, strlen(n->sql)) &&
						      strlen(c->sql) == strlen(n->sql) + 10)))
			continue;
		add(p, t, "alter", true, xasprintf("ALTER DOMAIN %s DROP CONSTRAINT %s;\n", t->qname, c->name));
	}
	if (!same(ob->default_expr, tb->default_expr) || (tb->default_expr && calls_rebuilt(pl, o, ob->default_expr)))
		add(p, t, "alter", true,
		    tb->default_expr ? xasprintf("ALTER DOMAIN %s SET DEFAULT %s;\n", t->qname, tb->default_expr)
				     : xasprintf("ALTER DOMAIN %s DROP DEFAULT;\n", t->qname));
	if (ob->not_null != tb->not_null) {
		s = add(p, t, "alter", true,
			xasprintf("ALTER DOMAIN %s %s NOT NULL;\n", t->qname, tb->not_null ? "SET" : "DROP"));
		if (tb->not_null) {
			s->lock = "SHARE";
			add_comment(s, "checks every row of every column of type %s (no NOT VALID form for a domain)",
				    t->qname);
		}
	}
	for (size_t k = 1; k < t->nparts; k++) {
		const struct schema_part *n = &t->parts[k], *c = domain_check(o, n->name);
		bool not_valid = ends_with(n->sql, " NOT VALID");
		if (c && calls_rebuilt(pl, o, c->sql))
			c = NULL;
		if (c && !strcmp(c->sql, n->sql))
			continue;
		if (!c || strncmp(c->sql, n->sql, strlen(n->sql)) || !ends_with(c->sql, " NOT VALID")) {
			s = add(p, t, "alter", true,
				xasprintf("ALTER DOMAIN %s ADD CONSTRAINT %s %s%s;\n", t->qname, n->name, n->sql,
					  not_valid ? "" : " NOT VALID"));
			if (!not_valid)
				add_comment(s, "added NOT VALID, then validated: existing values are checked without "
					       "blocking writes");
		}
		if (!not_valid) {
			s = add(&pl->run[2], t, "validate", true,
				xasprintf("ALTER DOMAIN %s VALIDATE CONSTRAINT %s;\n", t->qname, n->name));
			s->lock = "SHARE UPDATE EXCLUSIVE";
			s->new_migration = true;
		}
	}
}

/*
 * Run 1: the default and the checks of kept domain o that call a function
 * made again, dropped before it is (PostgreSQL refuses to drop the function
 * under them); domain_alter sets them again once it is back.
 */
static void drop_rebuilt_domain_parts(struct planner *pl, const struct schema_object *o)
{
	struct diff_stmt *s;

	if (!o->nparts)
		return;
	if (calls_rebuilt(pl, o, o->parts[0].default_expr)) {
		s = add(&pl->run[0], o, "alter", true, xasprintf("ALTER DOMAIN %s DROP DEFAULT;\n", o->qname));
		add_comment(s, "the default of %s calls a function that is made again: it is set again after", o->qname);
	}
	for (size_t k = 1; k < o->nparts; k++)
		if (calls_rebuilt(pl, o, o->parts[k].sql)) {
			s = add(&pl->run[0], o, "alter", true,
				xasprintf("ALTER DOMAIN %s DROP CONSTRAINT %s;\n", o->qname, o->parts[k].name));
			add_comment(s, "check %s calls a function that is made again: it is added again after",
				    o->parts[k].name);
		}
}

/* Whether run 1 drops a part of domain o (drop_rebuilt_domain_parts). */
static bool domain_rebuilt(const struct planner *pl, const struct schema_object *o)
{
	bool r = o->nparts && calls_rebuilt(pl, o, o->parts[0].default_expr);

	for (size_t k = 1; k < o->nparts && !r; k++)
		r = calls_rebuilt(pl, o, o->parts[k].sql);
	return r;
}

/*
 * Whether a table of m has a column of type oi, or of a domain or
 * composite type built on it (edges from a table, or from such a type, to
 * oi): PostgreSQL follows both when it refuses to change a type in use.
 * Only the tables whose state in fs is kept count (fs NULL: every table).
 */
static bool type_in_columns(const struct schema_model *m, size_t oi, const unsigned char *fs)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct schema_object *o = &m->objects[i];
		bool table = o->kind == SCHEMA_KIND_TABLE && (!fs || fs[i] == F_KEEP || fs[i] == F_ALTER);
		bool type = (o->kind == SCHEMA_KIND_DOMAIN || o->kind == SCHEMA_KIND_COMPOSITE) && i != oi;
		for (size_t d = 0; (table || type) && d < o->ndeps; d++)
			if (o->deps[d] == oi && (table || type_in_columns(m, i, fs)))
				return true;
	}
	return false;
}

/*
 * Whether composite o becomes t by ALTER TYPE: its kept attributes in the
 * same order, the new ones after them (ADD ATTRIBUTE appends), a type
 * changed only where no column uses o (PostgreSQL refuses it there).
 */
static bool composite_in_place(const struct schema_model *from, size_t oi, const struct schema_object *t)
{
	const struct schema_object *o = &from->objects[oi];
	size_t next = 0;
	bool typed = false;

	if (!o->nparts && !t->nparts)
		return false;	/* a hand-built model without attributes */
	for (size_t k = 0; k < o->nparts; k++) {
		const struct schema_part *n = find_part(t, o->parts[k].name);
		if (!n)
			continue;
		if (n != &t->parts[next])
			return false;
		typed |= strcmp(n->sql, o->parts[k].sql) != 0;
		next++;
	}
	for (size_t k = next; k < t->nparts; k++)
		if (find_part(o, t->parts[k].name))
			return false;
	return !typed || !type_in_columns(from, oi, NULL);
}

static void composite_alter(struct planner *pl, const struct schema_object *o, const struct schema_object *t)
{
	struct diff_plan *p = &pl->run[1];
	struct diff_stmt *s;

	for (size_t k = 0; k < o->nparts; k++)
		if (!find_part(t, o->parts[k].name)) {
			s = add(p, t, "alter", true,
				xasprintf("ALTER TYPE %s DROP ATTRIBUTE %s;\n", t->qname, o->parts[k].name));
			s->hazards |= DIFF_DATA_LOSS;
			add_comment(s, "drops attribute %s of %s from every value that has it", o->parts[k].name,
				    t->qname);
		}
	for (size_t k = 0; k < t->nparts; k++) {
		const struct schema_part *a = &t->parts[k], *was = find_part(o, a->name);
		if (!was)
			add(p, t, "alter", true, xasprintf("ALTER TYPE %s ADD ATTRIBUTE %s;\n", t->qname, a->sql));
		else if (strcmp(was->sql, a->sql))
			add(p, t, "alter", true,
			    xasprintf("ALTER TYPE %s ALTER ATTRIBUTE %s TYPE %s%s;\n", t->qname, a->name, a->type,
				      a->collation ? a->collation : ""));
	}
}

/* ---- the other kinds ---- */

/* The first line and the RETURNS line of a function's definition: what CREATE OR REPLACE cannot change. */
static bool function_replaceable(const struct schema_object *o, const struct schema_object *t)
{
	const char *a = o->create_sql, *b = t->create_sql;
	const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
	const char *ra = strstr(a, "\n RETURNS "), *rb = strstr(b, "\n RETURNS ");

	if (o->subkind != t->subkind || !ea || !eb || ea - a != eb - b || memcmp(a, b, (size_t)(ea - a)))
		return false;
	if (!ra || !rb)
		return !ra && !rb;
	ea = strchr(ra + 1, '\n');
	eb = strchr(rb + 1, '\n');
	return ea && eb && ea - ra == eb - rb && !memcmp(ra, rb, (size_t)(ea - ra));
}

/* The constraint's definition without " NOT VALID". */
static bool differs_only_in_validity(const struct schema_object *o, const struct schema_object *t)
{
	size_t lo = strlen(o->create_sql), lt = strlen(t->create_sql);
	static const char nv[] = " NOT VALID;\n";

	return !o->valid && t->valid && lo == lt + 10 && !strcmp(o->create_sql + lo - 12, nv) &&
	       !strncmp(o->create_sql, t->create_sql, lt - 2);
}

/* The quoted qualified table a foreign key references (new string), or NULL. */
static char *fk_target(const char *sql)
{
	const char *p = strstr(sql, " REFERENCES ");
	size_t n;

	if (!p)
		return NULL;
	p += 12;
	n = 0;
	while (p[n] && p[n] != '(') {
		if (p[n] == '"')
			for (n++; p[n] && !(p[n] == '"' && p[n + 1] != '"'); n += p[n] == '"' ? 2 : 1)
				;
		if (p[n])
			n++;
	}
	return xstrndup(p, n);
}

static void create_constraint(struct planner *pl, const struct schema_object *t)
{
	struct diff_plan *p = &pl->run[1];
	const char *sql = t->create_sql, *def;
	bool old_table = existing(pl, t->table), partitioned = is_partitioned(pl->to, t->table);
	size_t len = strlen(sql);
	struct diff_stmt *s;

	def = strstr(sql, " ADD CONSTRAINT ");
	def = def ? def + 16 + strlen(local_name(t)) + 1 : sql;
	if (old_table && !partitioned && (t->subkind == 'f' || t->subkind == 'c') && t->valid) {
		char *ref = t->subkind == 'f' ? fk_target(sql) : NULL;
		s = add(p, t, "create", true, xasprintf("%.*s NOT VALID;\n", (int)(len - 2), sql));
		locks(pl, s, t->table, t->subkind == 'f' ? "SHARE ROW EXCLUSIVE" : ALTER_LOCK);
		if (ref && existing(pl, ref) && strcmp(ref, t->table))
			s->ref_table = xstrdup(ref);
		free(ref);
		s = add(&pl->run[2], t, "validate", true,
			xasprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", t->table, local_name(t)));
		s->lock = "SHARE UPDATE EXCLUSIVE";
		s->new_migration = true;
		return;
	}
	if (old_table && !partitioned && (t->subkind == 'p' || t->subkind == 'u') &&
	    (!strncmp(def, "PRIMARY KEY (", 13) || !strncmp(def, "UNIQUE (", 8)) && def[strlen(def) - 3] == ')' &&
	    !strstr(def, " INCLUDE ") && !strstr(def, " WITH (") && !strstr(def, " USING ")) {
		const char *cols = strchr(def, '(');
		char *ix;
		s = add(p, t, "create", false,
			xasprintf("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS %s ON %s %.*s;\n", local_name(t), t->table,
				  (int)(strlen(cols) - 2), cols));
		s->lock = "SHARE UPDATE EXCLUSIVE";
		add_comment(s, "the index of %s built without blocking writes, then the constraint uses it", local_name(t));
		ix = xasprintf("ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s;\n", t->table, local_name(t),
			       t->subkind == 'p' ? "PRIMARY KEY" : "UNIQUE", local_name(t));
		s = add(p, t, "create", true, ix);
		locks(pl, s, t->table, ALTER_LOCK);
		return;
	}
	s = add(p, t, "create", true, xstrdup(sql));
	if (t->subkind == 'f') {
		char *ref = fk_target(sql);
		if (ref && existing(pl, ref) && strcmp(ref, t->table ? t->table : ""))
			s->ref_table = xstrdup(ref);
		free(ref);
	}
	locks(pl, s, t->table, t->subkind == 'f' ? "SHARE ROW EXCLUSIVE" : ALTER_LOCK);
}

/* The quoted name in "CREATE [UNIQUE ]INDEX name ON ..." (new string). */
static char *index_name(const char *sql)
{
	const char *at = strstr(sql, "INDEX "), *on = at ? strstr(at, " ON ") : NULL;

	return on ? xstrndup(at + 6, (size_t)(on - at - 6)) : xstrdup("");
}

/* The CREATE INDEX with CONCURRENTLY IF NOT EXISTS, under another (quoted) name when as is given. */
static char *concurrent_index(const char *sql, const char *as)
{
	const char *at = strstr(sql, "INDEX "), *on = at ? strstr(at, " ON ") : NULL;

	if (!on)
		return xstrdup(sql);
	return xasprintf("%.*sINDEX CONCURRENTLY IF NOT EXISTS %s%s", (int)(at - sql), sql, as ? as : "", on);
}

static void create_index(struct planner *pl, const struct schema_object *t, bool replace)
{
	struct diff_plan *p = &pl->run[1];
	bool concurrent = existing(pl, t->table) && !is_partitioned(pl->to, t->table);
	char *name = index_name(t->create_sql);
	struct diff_stmt *s;

	if (!concurrent) {
		if (replace)
			add(p, t, "drop", true, xasprintf("DROP INDEX IF EXISTS %s;\n", t->qname));
		s = add(p, t, "create", true, xstrdup(t->create_sql));
		locks(pl, s, t->table, "SHARE");
	} else if (!replace) {
		s = add(p, t, "create", false, concurrent_index(t->create_sql, name));
		s->lock = "SHARE UPDATE EXCLUSIVE";
	} else {
		char *raw = xasprintf("%.50s_pgshift_new", t->name), *tmp = quote_ident(raw);
		char *schema = quote_ident(t->schema);
		s = add(p, t, "create", false, concurrent_index(t->create_sql, tmp));
		s->lock = "SHARE UPDATE EXCLUSIVE";
		add_comment(s, "%s changes: the new one is built under another name first, then takes the old one's "
			       "place", t->qname);
		s = add(p, t, "drop", false, xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s;\n", t->qname));
		s->lock = "SHARE UPDATE EXCLUSIVE";
		/* in the same no-transaction migration: consecutive replaced indexes then make one migration */
		add(p, t, "alter", false, xasprintf("ALTER INDEX IF EXISTS %s.%s RENAME TO %s;\n", schema, tmp, name));
		free(raw);
		free(tmp);
		free(schema);
	}
	free(name);
}

/* The statements that create t (run 2). */
static void create_object(struct planner *pl, const struct schema_object *t)
{
	struct diff_plan *p = &pl->run[1];
	struct diff_stmt *s;

	switch (t->kind) {
	case SCHEMA_KIND_CONSTRAINT:
		create_constraint(pl, t);
		break;
	case SCHEMA_KIND_INDEX:
		if (!t->valid)
			return;
		create_index(pl, t, false);
		break;
	case SCHEMA_KIND_FUNCTION:
		add(p, t, "create", true, xasprintf("SET check_function_bodies = false;\n%s", t->create_sql));
		break;
	case SCHEMA_KIND_TRIGGER:
		s = add(p, t, "create", true, xstrdup(t->create_sql));
		locks(pl, s, t->table, "SHARE ROW EXCLUSIVE");
		break;
	default:
		add(p, t, "create", true, xstrdup(t->create_sql));
		break;
	}
	meta_delta(p, t, NULL, t->comment_sql, NULL, t->grant_sql);
}

static const char *drop_word(const struct schema_object *o)
{
	switch (o->kind) {
	case SCHEMA_KIND_SCHEMA:
		return "SCHEMA";
	case SCHEMA_KIND_EXTENSION:
		return "EXTENSION";
	case SCHEMA_KIND_ENUM:
	case SCHEMA_KIND_COMPOSITE:
	case SCHEMA_KIND_RANGE:
		return "TYPE";
	case SCHEMA_KIND_DOMAIN:
		return "DOMAIN";
	case SCHEMA_KIND_COLLATION:
		return "COLLATION";
	case SCHEMA_KIND_AGGREGATE:
		return "AGGREGATE";
	case SCHEMA_KIND_STATISTICS:
		return "STATISTICS";
	case SCHEMA_KIND_PUBLICATION:
		return "PUBLICATION";
	case SCHEMA_KIND_SEQUENCE:
		return "SEQUENCE IF EXISTS";
	case SCHEMA_KIND_FUNCTION:
		return o->subkind == 'p' ? "PROCEDURE" : "FUNCTION";
	case SCHEMA_KIND_TABLE:
		return "TABLE";
	case SCHEMA_KIND_VIEW:
		return "VIEW";
	case SCHEMA_KIND_MATVIEW:
		return "MATERIALIZED VIEW";
	default:
		return NULL;
	}
}

/*
 * The quoted column a sequence is OWNED BY ("ALTER SEQUENCE s OWNED BY
 * t.col;": what follows its table's qname), or NULL.
 */
static const char *owner_column(const struct schema_object *seq, const struct schema_object *table)
{
	const char *by = seq->post_sql ? strstr(seq->post_sql, " OWNED BY ") : NULL;
	size_t n = strlen(table->qname);

	if (!by || strncmp(by + 10, table->qname, n) || by[10 + n] != '.')
		return NULL;
	return by + 11 + n;
}

/* The part (column) of o named [name, name + len), or NULL. */
static const struct schema_part *part_named(const struct schema_object *o, const char *name, size_t len)
{
	for (size_t k = 0; k < o->nparts; k++)
		if (strlen(o->parts[k].name) == len && !strncmp(o->parts[k].name, name, len))
			return &o->parts[k];
	return NULL;
}

/* Whether column name (quoted) of from's table i is gone from to's table, or dropped and added again. */
static bool column_goes(const struct planner *pl, size_t i, const char *name, size_t len)
{
	const struct schema_object *o = &pl->from->objects[i], *t;
	const struct schema_part *oc, *nc;

	if (pl->f2t[i] == SCHEMA_NONE)
		return true;
	t = &pl->to->objects[pl->f2t[i]];
	oc = part_named(o, name, len);
	nc = part_named(t, name, len);
	return oc && (!nc || column_readded(pl, oc, nc) || generated_calls_rebuilt(pl, o, oc));
}

/*
 * Whether dropping o's table (or parent) already drops o; for a sequence,
 * whether dropping the table or the column it is OWNED BY does.
 */
static bool drop_implied(const struct planner *pl, const struct schema_object *o)
{
	size_t i = o->table ? relation_index(pl->from, o->table) : SCHEMA_NONE;

	if (o->kind == SCHEMA_KIND_SEQUENCE && o->post_dep != SCHEMA_NONE) {
		const char *col;
		i = o->post_dep;
		if (pl->fs[i] == F_DROP || pl->fs[i] == F_RECREATE)
			return true;
		col = owner_column(o, &pl->from->objects[i]);
		return col && column_goes(pl, i, col, strcspn(col, ";"));
	}
	return i != SCHEMA_NONE && (pl->fs[i] == F_DROP || pl->fs[i] == F_RECREATE);
}

static void drop_object(struct planner *pl, struct diff_plan *p, const struct schema_object *o, bool recreate)
{
	const char *word = drop_word(o);
	struct diff_stmt *s;

	if (drop_implied(pl, o) && !pl->drop_alone[o - pl->from->objects])
		return;
	switch (o->kind) {
	case SCHEMA_KIND_CONSTRAINT:
		s = add(p, o, "drop", true, xasprintf("ALTER TABLE %s DROP CONSTRAINT %s;\n", o->table, local_name(o)));
		locks(pl, s, o->table, ALTER_LOCK);
		break;
	case SCHEMA_KIND_INDEX:
		if (is_partitioned(pl->from, o->table)) {
			s = add(p, o, "drop", true, xasprintf("DROP INDEX %s;\n", o->qname));
			s->lock = ALTER_LOCK;
		} else {
			s = add(p, o, "drop", false, xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s;\n", o->qname));
			s->lock = "SHARE UPDATE EXCLUSIVE";
		}
		break;
	case SCHEMA_KIND_TRIGGER:
		s = add(p, o, "drop", true, xasprintf("DROP TRIGGER %s ON %s;\n", local_name(o), o->table));
		s->lock = "SHARE ROW EXCLUSIVE";
		break;
	case SCHEMA_KIND_POLICY:
		s = add(p, o, "drop", true, xasprintf("DROP POLICY %s ON %s;\n", local_name(o), o->table));
		s->lock = ALTER_LOCK;
		break;
	case SCHEMA_KIND_DEFAULT_ACL:
		s = add(p, o, "drop", true, default_acl_delta(o, o->create_sql, NULL));
		break;
	default:
		s = add(p, o, "drop", true, xasprintf("DROP %s %s;\n", word ? word : "", o->qname));
		if (o->kind == SCHEMA_KIND_TABLE) {
			s->lock = ALTER_LOCK;
			s->hazards |= DIFF_DATA_LOSS;
			add_comment(s, recreate ? "%s changes in a way ALTER TABLE cannot make: it is dropped and created "
						  "again, and its rows are lost"
						: "drops table %s and every row in it",
				    o->qname);
		}
		break;
	}
	if (recreate) {
		s->hazards |= DIFF_RECREATE;
		s->action = "drop";
	}
	/* a part dropped on its own locks its table, which still exists then: one such table per migration */
	if (pl->drop_alone[o - pl->from->objects] && o->table && !s->table)
		s->table = xstrdup(o->table);
}

/* ---- the order of the drops ---- */

static bool goes(const struct planner *pl, size_t i)
{
	return pl->fs[i] == F_DROP || pl->fs[i] == F_RECREATE;
}

/* The relation (table, view, materialized view) of from that object d is or belongs to, or SCHEMA_NONE. */
static size_t relation_of(const struct schema_model *m, size_t d)
{
	const struct schema_object *o = &m->objects[d];

	if (o->table)
		return relation_index(m, o->table);
	return o->kind == SCHEMA_KIND_TABLE || o->kind == SCHEMA_KIND_VIEW || o->kind == SCHEMA_KIND_MATVIEW
		       ? d : SCHEMA_NONE;
}

/* The drop order's extra edges: extra[k] = {relation, table}; by_table[x] its first, next[k] the following. */
struct drop_edges {
	size_t (*extra)[2];
	size_t n, cap;
	size_t *by_table, *next;
	unsigned char *seen;
	size_t *stack;
};

/* Whether from's object a needs b, through dependencies and the edges accepted so far. */
static bool needs(const struct planner *pl, struct drop_edges *e, size_t a, size_t b)
{
	size_t top = 0;
	bool found = false;

	memset(e->seen, 0, pl->from->n);
	e->stack[top++] = a;
	e->seen[a] = 1;
	while (top && !found) {
		size_t x = e->stack[--top];
		const struct schema_object *o = &pl->from->objects[x];
		found = x == b;
		for (size_t k = 0; k < o->ndeps; k++)
			if (!e->seen[o->deps[k]]) {
				e->seen[o->deps[k]] = 1;
				e->stack[top++] = o->deps[k];
			}
		for (size_t k = e->by_table[x]; k != SCHEMA_NONE; k = e->next[k])
			if (!e->seen[e->extra[k][0]]) {
				e->seen[e->extra[k][0]] = 1;
				e->stack[top++] = e->extra[k][0];
			}
	}
	return found;
}

/*
 * The order of run 1's drops (reversed): from's load order, with each
 * dropped table after what its own parts hang on (a foreign key: the other
 * table, or the unique index it uses; a policy: a table or view it reads),
 * when that goes too: the table's drop drops those parts, and PostgreSQL
 * refuses to drop what they need while they exist.  Nothing else orders
 * two tables, or a table and another one's index.  Where such an edge would close
 * a cycle (two tables that reference each other), the part is dropped on
 * its own (drop_alone), before either table.
 */
static void drop_order(struct planner *pl, size_t **order, size_t *n)
{
	const struct schema_model *m = pl->from;
	struct drop_edges e = { 0 };

	e.by_table = xmalloc((m->n + 1) * sizeof(size_t));
	for (size_t i = 0; i < m->n; i++)
		e.by_table[i] = SCHEMA_NONE;
	for (size_t i = 0; i < m->n; i++) {
		const struct schema_object *o = &m->objects[i];
		size_t own = o->table ? relation_index(m, o->table) : SCHEMA_NONE;
		if (own == SCHEMA_NONE || !goes(pl, own))
			continue;
		for (size_t k = 0; k < o->ndeps; k++) {
			size_t r = relation_of(m, o->deps[k]);
			if (r == own)
				continue;
			/* a dropped relation, or else a dropped object of a kept one (the unique index a key uses) */
			if (r == SCHEMA_NONE || !goes(pl, r))
				r = goes(pl, o->deps[k]) ? o->deps[k] : SCHEMA_NONE;
			if (r == SCHEMA_NONE)
				continue;
			if (!e.seen) {
				e.seen = xmalloc(m->n + 1);
				e.stack = xmalloc((m->n + 1) * sizeof(size_t));
			}
			if (needs(pl, &e, r, own)) {
				pl->drop_alone[i] = true;
				continue;
			}
			if (e.n == e.cap) {
				e.cap = e.cap ? 2 * e.cap : 16;
				e.extra = xrealloc(e.extra, e.cap * sizeof(*e.extra));
				e.next = xrealloc(e.next, e.cap * sizeof(size_t));
			}
			e.extra[e.n][0] = r;
			e.extra[e.n][1] = own;
			e.next[e.n] = e.by_table[own];
			e.by_table[own] = e.n++;
		}
	}
	schema_order_with(m, (const size_t(*)[2])e.extra, e.n, order, n);
	free(e.extra);
	free(e.next);
	free(e.by_table);
	free(e.seen);
	free(e.stack);
}

/* ---- states ---- */

static bool cascades_to(enum schema_kind k)
{
	return k == SCHEMA_KIND_VIEW || k == SCHEMA_KIND_MATVIEW || k == SCHEMA_KIND_TRIGGER || k == SCHEMA_KIND_POLICY ||
	       k == SCHEMA_KIND_CONSTRAINT || k == SCHEMA_KIND_INDEX || k == SCHEMA_KIND_FUNCTION ||
	       k == SCHEMA_KIND_AGGREGATE || k == SCHEMA_KIND_STATISTICS || k == SCHEMA_KIND_PUBLICATION;
}

/* Whether domain o becomes t by ALTER DOMAIN: the same base type and collation. */
static bool domain_in_place(const struct schema_object *o, const struct schema_object *t)
{
	return o->nparts && t->nparts && same(o->parts[0].type, t->parts[0].type) &&
	       same(o->parts[0].collation, t->parts[0].collation);
}

/* The state of a changed object of from (its index fi) and to (t): altered in place or made again. */
static int change_state(const struct planner *pl, size_t fi, const struct schema_object *t)
{
	const struct schema_object *o = &pl->from->objects[fi];
	bool meta_only = same(o->create_sql, t->create_sql) && same(o->post_sql, t->post_sql);

	if (meta_only)
		return F_ALTER;
	switch (o->kind) {
	case SCHEMA_KIND_SCHEMA:
	case SCHEMA_KIND_EXTENSION:
	case SCHEMA_KIND_SEQUENCE:
	case SCHEMA_KIND_INDEX:
	case SCHEMA_KIND_DEFAULT_ACL:
		return F_ALTER;
	case SCHEMA_KIND_PUBLICATION:
		return publication_in_place(o, t) ? F_ALTER : F_RECREATE;
	case SCHEMA_KIND_ENUM:
		return enum_only_adds(o, t) ? F_ALTER : F_TYPE_RECREATE;
	case SCHEMA_KIND_DOMAIN:
		return domain_in_place(o, t) ? F_ALTER : F_TYPE_RECREATE;
	case SCHEMA_KIND_COMPOSITE:
		return composite_in_place(pl->from, fi, t) ? F_ALTER : F_TYPE_RECREATE;
	case SCHEMA_KIND_FUNCTION:
		return function_replaceable(o, t) ? F_ALTER : F_RECREATE;
	case SCHEMA_KIND_TABLE:
		return table_reshaped(o, t) ? F_RECREATE : F_ALTER;
	case SCHEMA_KIND_CONSTRAINT:
		return differs_only_in_validity(o, t) ? F_ALTER : F_RECREATE;
	default:
		return F_RECREATE;
	}
}

/*
 * Whether o, depending on a table, may use its columns in a way that
 * PostgreSQL refuses ALTER COLUMN TYPE under (the model keeps the edge to
 * the table, not to the column): a view, a policy, a function with an SQL
 * body (BEGIN ATOMIC or RETURN: pg_get_functiondef writes no AS for it), a
 * trigger with WHEN or UPDATE OF.
 */
static bool uses_columns(const struct schema_object *o)
{
	switch (o->kind) {
	case SCHEMA_KIND_VIEW:
	case SCHEMA_KIND_MATVIEW:
	case SCHEMA_KIND_POLICY:
		return true;
	case SCHEMA_KIND_FUNCTION:
		return !strstr(o->create_sql, "\n AS ");
	case SCHEMA_KIND_TRIGGER:
		return strstr(o->create_sql, " WHEN (") || strstr(o->create_sql, " UPDATE OF ");
	default:
		return false;
	}
}

/* Whether a column of table o changes type, or goes, or (enum recreated) has its type made again. */
static bool columns_change(const struct planner *pl, size_t fi, const struct schema_object *o,
			   const struct schema_object *t)
{
	for (size_t d = 0; d < o->ndeps; d++)
		if (pl->fs[o->deps[d]] == F_TYPE_RECREATE)
			return true;
	if (!t || o->partition)
		return false;
	(void)fi;
	for (size_t k = 0; k < o->nparts; k++) {
		const struct schema_part *c = find_part(t, o->parts[k].name);
		if (!c || !same(c->type, o->parts[k].type) || !same(c->collation, o->parts[k].collation) ||
		    !same(c->generated, o->parts[k].generated) || generated_calls_rebuilt(pl, o, &o->parts[k]))
			return true;
	}
	return false;
}

/* Whether the column (quoted name, len bytes) of from's table r is kept with another type or collation. */
static bool column_retyped(const struct planner *pl, size_t r, const char *name, size_t len)
{
	const struct schema_object *o = &pl->from->objects[r], *t;
	const struct schema_part *oc, *nc;

	if (pl->f2t[r] == SCHEMA_NONE)
		return false;
	t = &pl->to->objects[pl->f2t[r]];
	oc = part_named(o, name, len);
	nc = part_named(t, name, len);
	return oc && nc && (!same(oc->type, nc->type) || !same(oc->collation, nc->collation));
}

/* Whether a column of the list at p ("a, \"B\")") of from's table r is retyped. */
static bool list_retyped(const struct planner *pl, size_t r, const char *p)
{
	while (r != SCHEMA_NONE && *p && *p != ')') {
		size_t n = 0;
		if (*p == '"')
			for (n = 1; p[n] && !(p[n] == '"' && p[n + 1] != '"'); n += p[n] == '"' ? 2 : 1)
				;
		while (p[n] && p[n] != ',' && p[n] != ')')
			n++;
		if (column_retyped(pl, r, p, n))
			return true;
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return false;
}

/*
 * Whether foreign key o (of from) has a column, on its table or on the one
 * it references, that changes type: PostgreSQL checks the key again after
 * each ALTER COLUMN TYPE and refuses one whose sides no longer compare (both
 * from integer to text, one after the other), so the key is dropped before
 * and made again after.
 */
static bool foreign_key_retyped(const struct planner *pl, const struct schema_object *o)
{
	const char *own = strstr(o->create_sql, "FOREIGN KEY (");
	const char *ref = strstr(o->create_sql, " REFERENCES ");
	char *target;
	bool r;

	if (o->kind != SCHEMA_KIND_CONSTRAINT || o->subkind != 'f' || !own || !ref || !o->table)
		return false;
	if (list_retyped(pl, relation_index(pl->from, o->table), own + 13))
		return true;
	target = fk_target(o->create_sql);
	r = target && list_retyped(pl, relation_index(pl->from, target), ref + 12 + strlen(target) + 1);
	free(target);
	return r;
}

/* The type of from that o (a domain or composite) is built on and that is made again, or SCHEMA_NONE. */
static size_t on_recreated_type(const struct planner *pl, const struct schema_object *o)
{
	for (size_t d = 0; (o->kind == SCHEMA_KIND_DOMAIN || o->kind == SCHEMA_KIND_COMPOSITE) && d < o->ndeps; d++)
		if (pl->fs[o->deps[d]] == F_TYPE_RECREATE && &pl->from->objects[o->deps[d]] != o)
			return o->deps[d];
	return SCHEMA_NONE;
}

/*
 * A type made again (type_recreate) converts the columns of that type,
 * not those of a domain or composite built on it: such a type is dropped
 * and created again around it (classify), which PostgreSQL refuses while a
 * column uses it.  Refused here rather than written as a plan that fails.
 */
static int check_nested_types(const struct planner *pl, struct pgs_error *err)
{
	for (size_t i = 0; i < pl->from->n; i++) {
		const struct schema_object *o = &pl->from->objects[i];
		size_t x = on_recreated_type(pl, o);
		if (x == SCHEMA_NONE || !type_in_columns(pl->from, i, pl->fs))
			continue;
		err_set(err, 1, "cannot generate the change of %s %s: %s %s is built on it and columns use it",
			schema_kind_name(pl->from->objects[x].kind), pl->from->objects[x].qname, schema_kind_name(o->kind),
			o->qname);
		err_detail(err, "%s cannot change in place, and PostgreSQL refuses to drop %s while columns use it",
			   pl->from->objects[x].qname, o->qname);
		err_hint(err, "write this migration by hand (convert those columns to text, make both types again, convert "
			      "them back), or make the change in two steps: first move the columns off %s",
			 o->qname);
		return -1;
	}
	return 0;
}

/*
 * A range type made again while columns use it: PostgreSQL refuses to
 * drop it, and making it again under another name would collide with the
 * constructor functions and the multirange it made.  Refused here, with
 * the columns named, rather than written as a plan that fails.
 */
static int check_ranges_in_use(const struct planner *pl, struct pgs_error *err)
{
	for (size_t i = 0; i < pl->from->n; i++) {
		const struct schema_object *o = &pl->from->objects[i];
		struct buf cols = BUF_INIT;
		if (o->kind != SCHEMA_KIND_RANGE || pl->fs[i] != F_RECREATE || !type_in_columns(pl->from, i, pl->fs))
			continue;
		for (size_t j = 0; j < pl->from->n; j++) {
			const struct schema_object *t = &pl->from->objects[j];
			if (t->kind != SCHEMA_KIND_TABLE || (pl->fs[j] != F_KEEP && pl->fs[j] != F_ALTER))
				continue;
			for (size_t k = 0; k < t->nparts; k++)
				if (of_type(&t->parts[k], o))
					buf_addf(&cols, "%s%s.%s", cols.len ? ", " : "", t->qname, t->parts[k].name);
		}
		err_set(err, 1, "cannot generate the change of range %s: columns use it%s%s%s", o->qname,
			cols.len ? " (" : "", cols.len ? cols.data : "", cols.len ? ")" : "");
		err_detail(err, "a range type cannot change in place, and PostgreSQL refuses to drop %s while columns use it",
			   o->qname);
		err_hint(err, "write this migration by hand (convert those columns to text, drop and create %s again, convert "
			      "them back), or make the change in two steps: first move the columns off %s",
			 o->qname, o->qname);
		buf_release(&cols);
		return -1;
	}
	return 0;
}

static void classify(struct planner *pl)
{
	const struct schema_model *f = pl->from, *t = pl->to;
	size_t *order, n;

	for (size_t i = 0; i < f->n; i++) {
		size_t j = schema_index(t, f->objects[i].key);
		pl->f2t[i] = j;
		if (j != SCHEMA_NONE)
			pl->t2f[j] = i;
		pl->fs[i] = j == SCHEMA_NONE ? F_DROP
			    : schema_object_equal(&f->objects[i], &t->objects[j]) ? F_KEEP
										   : (unsigned char)change_state(pl, i, &t->objects[j]);
	}
	/* what depends on something dropped and created again goes with it (dependencies come first in order) */
	schema_order(f, &order, &n);
	for (size_t k = 0; k < n; k++) {
		size_t i = order[k];
		const struct schema_object *o;
		if (i >= f->n)
			continue;
		o = &f->objects[i];
		if (o->kind == SCHEMA_KIND_TABLE && pl->fs[i] != F_DROP && pl->fs[i] != F_RECREATE)
			pl->columns_changed[i] =
				columns_change(pl, i, o, pl->f2t[i] == SCHEMA_NONE ? NULL : &t->objects[pl->f2t[i]]);
		if (pl->fs[i] == F_DROP || pl->fs[i] == F_RECREATE)
			continue;
		for (size_t d = 0; d < o->ndeps; d++) {
			size_t x = o->deps[d];
			bool gone = pl->fs[x] == F_RECREATE || (pl->fs[x] == F_DROP && o->kind != SCHEMA_KIND_TABLE);
			bool table_dep = f->objects[x].kind == SCHEMA_KIND_TABLE;
			if ((gone && (cascades_to(o->kind) || (table_dep && o->partition))) ||
			    (pl->fs[x] == F_TYPE_RECREATE && o->kind != SCHEMA_KIND_TABLE && o->kind != SCHEMA_KIND_SEQUENCE) ||
			    (table_dep && pl->columns_changed[x] && uses_columns(o))) {
				pl->fs[i] = F_RECREATE;
				break;
			}
		}
		if (o->kind == SCHEMA_KIND_SEQUENCE && o->post_dep != SCHEMA_NONE && pl->fs[o->post_dep] == F_RECREATE)
			pl->fs[i] = F_RECREATE;
		if (foreign_key_retyped(pl, o))
			pl->fs[i] = F_RECREATE;
	}
	free(order);
	/*
	 * A check of a child that INHERIT merged with its parent's: PostgreSQL
	 * refuses to drop it; it stays as the parent's (inherit_attach), or is
	 * dropped once the parent is detached (inherit_detach).
	 */
	for (size_t i = 0; i < f->n; i++) {
		const struct schema_object *o = &f->objects[i];
		size_t x = pl->fs[i] == F_DROP && o->kind == SCHEMA_KIND_CONSTRAINT && o->subkind == 'c' && o->table
				   ? relation_index(t, o->table) : SCHEMA_NONE;
		size_t y = x != SCHEMA_NONE ? relation_index(f, o->table) : SCHEMA_NONE;
		if (x != SCHEMA_NONE && !t->objects[x].partition &&
		    (inherited_check(t, &t->objects[x], local_name(o), 0) ||
		     (y != SCHEMA_NONE && inherited_check(f, &f->objects[y], local_name(o), 0))))
			pl->fs[i] = F_KEEP;
	}
	for (size_t j = 0; j < t->n; j++) {
		size_t i = pl->t2f[j];
		pl->ts[j] = i == SCHEMA_NONE || pl->fs[i] == F_RECREATE ? T_CREATE
			    : pl->fs[i] == F_KEEP			  ? T_KEEP
									  : T_ALTER;
	}
}

/*
 * The comments of from's table i without those on its columns that go
 * (new string, or NULL): a dropped column takes its comment with it, one
 * dropped and added again gets its comment anew.
 */
static char *comments_of_kept_columns(const struct planner *pl, size_t i)
{
	const struct schema_object *o = &pl->from->objects[i];
	char *prefix = xasprintf("COMMENT ON COLUMN %s.", o->qname);
	size_t np = strlen(prefix);
	struct buf b = BUF_INIT;

	for (const char *q = o->comment_sql; q && *q;) {
		const char *e = strchr(q, '\n');
		size_t n = e ? (size_t)(e - q + 1) : strlen(q), t = comment_target(q, n);
		if (t <= np || strncmp(q, prefix, np) || !column_goes(pl, i, q + np, t - np))
			buf_add(&b, q, n);
		q += n;
	}
	free(prefix);
	return b.len ? buf_detach(&b) : NULL;
}

/* In-place change of o (from) into t (to), run 2. */
static void alter_object(struct planner *pl, const struct schema_object *o, const struct schema_object *t)
{
	struct diff_plan *p = &pl->run[1];
	char *kept_comments = NULL;
	struct diff_stmt *s;

	if (!same(o->create_sql, t->create_sql)) {
		switch (t->kind) {
		case SCHEMA_KIND_EXTENSION:
			extension_alter(p, o, t);
			break;
		case SCHEMA_KIND_PUBLICATION:
			publication_alter(p, o, t);
			break;
		case SCHEMA_KIND_DEFAULT_ACL:
			add(p, t, "grant", true, default_acl_delta(t, o->create_sql, t->create_sql));
			break;
		case SCHEMA_KIND_ENUM:
		case SCHEMA_KIND_DOMAIN:
		case SCHEMA_KIND_COMPOSITE:
			if (pl->fs[pl->t2f[t - pl->to->objects]] == F_TYPE_RECREATE) {
				type_recreate(pl, o, t);
				return;
			}
			if (t->kind == SCHEMA_KIND_ENUM)
				enum_add_values(pl, o, t);
			else if (t->kind == SCHEMA_KIND_DOMAIN)
				domain_alter(pl, o, t);
			else
				composite_alter(pl, o, t);
			break;
		case SCHEMA_KIND_SEQUENCE: {
			const char *as = strstr(t->create_sql, " AS ");
			bool was_unlogged = !strncmp(o->create_sql, "CREATE UNLOGGED", 15);
			bool unlogged = !strncmp(t->create_sql, "CREATE UNLOGGED", 15);
			if (as) {
				size_t len = strlen(as);
				bool cycle = strstr(as, " CYCLE;") != NULL;
				add(p, t, "alter", true,
				    xasprintf("ALTER SEQUENCE %s%.*s%s;\n", t->qname, (int)(len - (cycle ? 8 : 2)), as,
					      cycle ? " CYCLE" : " NO CYCLE"));
			}
			if (was_unlogged != unlogged)
				add(p, t, "alter", true,
				    xasprintf("ALTER SEQUENCE %s SET %s;\n", t->qname, unlogged ? "UNLOGGED" : "LOGGED"));
			break;
		}
		case SCHEMA_KIND_FUNCTION:
			add(p, t, "alter", true, xasprintf("SET check_function_bodies = false;\n%s", t->create_sql));
			break;
		case SCHEMA_KIND_TABLE:
			alter_table(pl, o, t);
			break;
		case SCHEMA_KIND_CONSTRAINT:
			s = add(&pl->run[2], t, "validate", true,
				xasprintf("ALTER TABLE %s VALIDATE CONSTRAINT %s;\n", t->table, local_name(t)));
			s->lock = "SHARE UPDATE EXCLUSIVE";
			s->new_migration = true;
			break;
		case SCHEMA_KIND_INDEX:
			if (t->valid)
				create_index(pl, t, true);
			break;
		default:
			break;
		}
	}
	if (!same(o->post_sql, t->post_sql) && !t->post_sql && t->kind == SCHEMA_KIND_SEQUENCE)
		add(p, t, "alter", true, xasprintf("ALTER SEQUENCE %s OWNED BY NONE;\n", t->qname));
	if (t->kind == SCHEMA_KIND_TABLE)
		kept_comments = comments_of_kept_columns(pl, pl->t2f[t - pl->to->objects]);
	meta_delta(p, t, t->kind == SCHEMA_KIND_TABLE ? kept_comments : o->comment_sql, t->comment_sql, o->grant_sql,
		   t->grant_sql);
	free(kept_comments);
}

/* ---- the migration split ---- */

static bool in_set(char **set, size_t n, const char *x)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(set[i], x))
			return true;
	return false;
}

static void finish(struct diff_plan *p)
{
	char *set[4];
	size_t nset = 0;

	p->migrations = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct diff_stmt *s = &p->stmts[i];
		bool fits = true;

		if (i && s->in_transaction && p->stmts[i - 1].in_transaction && !s->new_migration) {
			size_t extra = (s->table && !in_set(set, nset, s->table)) +
				       (s->ref_table && !in_set(set, nset, s->ref_table));
			/* a statement that locks two tables (a foreign key) goes alone: lint accepts only that */
			fits = (!extra || !nset) && !(nset && s->ref_table) && !p->stmts[i - 1].ref_table;
		}
		if (!i || s->new_migration || s->in_transaction != p->stmts[i - 1].in_transaction || !fits) {
			s->new_migration = true;
			p->migrations++;
			nset = 0;
		}
		if (s->in_transaction) {
			if (s->table && !in_set(set, nset, s->table) && nset < 4)
				set[nset++] = s->table;
			if (s->ref_table && !in_set(set, nset, s->ref_table) && nset < 4)
				set[nset++] = s->ref_table;
		}
	}
}

static void append_run(struct diff_plan *p, struct diff_plan *r)
{
	for (size_t i = 0; i < r->n; i++) {
		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 16;
			p->stmts = xrealloc(p->stmts, p->cap * sizeof(*p->stmts));
		}
		p->stmts[p->n++] = r->stmts[i];
	}
	free(r->stmts);
	memset(r, 0, sizeof(*r));
}

int schema_diff_plan(const struct schema_model *from, const struct schema_model *to, struct diff_plan *out,
		     struct pgs_error *err)
{
	struct planner pl = { .from = from, .to = to };
	size_t *order, n;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	pl.fs = xcalloc(from->n + 1, 1);
	pl.ts = xcalloc(to->n + 1, 1);
	pl.columns_changed = xcalloc(from->n + 1, sizeof(bool));
	pl.f2t = xcalloc(from->n + 1, sizeof(size_t));
	pl.drop_alone = xcalloc(from->n + 1, sizeof(bool));
	pl.t2f = xcalloc(to->n + 1, sizeof(size_t));
	for (size_t j = 0; j < to->n; j++)
		pl.t2f[j] = SCHEMA_NONE;
	classify(&pl);
	if (check_nested_types(&pl, err) < 0 || check_ranges_in_use(&pl, err) < 0)
		goto out;

	/* runs 1 and 5: drops, in the reverse of from's order */
	drop_order(&pl, &order, &n);
	for (size_t k = n; k-- > 0;) {
		size_t i = order[k];
		const struct schema_object *o;
		if (i >= from->n) {
			/*
			 * a sequence that stays, OWNED BY a table or column that goes (a table renamed, its
			 * sequence kept): dropping that would drop it too, so it is detached first
			 */
			o = &from->objects[i - from->n];
			if (o->kind == SCHEMA_KIND_SEQUENCE && !goes(&pl, i - from->n) && drop_implied(&pl, o))
				add(&pl.run[0], o, "alter", true,
				    xasprintf("ALTER SEQUENCE %s OWNED BY NONE;\n", o->qname));
			continue;
		}
		o = &from->objects[i];
		if (o->kind == SCHEMA_KIND_TABLE && (pl.fs[i] == F_KEEP || pl.fs[i] == F_ALTER)) {
			detach_from_going_parents(&pl, o);
			drop_rebuilt_defaults(&pl, o);
		}
		if (o->kind == SCHEMA_KIND_DOMAIN && pl.fs[i] != F_DROP && pl.fs[i] != F_RECREATE)
			drop_rebuilt_domain_parts(&pl, o);
		if (pl.fs[i] == F_RECREATE)
			drop_object(&pl, &pl.run[0], o, true);
		else if (pl.fs[i] == F_DROP)
			/* a type on one made again goes before type_recreate drops the old one */
			drop_object(&pl, o->kind >= SCHEMA_KIND_TABLE || on_recreated_type(&pl, o) != SCHEMA_NONE
					       ? &pl.run[0] : &pl.run[4],
				    o, false);
	}
	free(order);
	/* a table dropped while another is created: perhaps a rename */
	for (size_t i = 0; i < pl.run[0].n; i++) {
		struct diff_stmt *s = &pl.run[0].stmts[i];
		bool created = false;
		if (strcmp(s->kind, "table") || (s->hazards & DIFF_RECREATE))
			continue;
		for (size_t j = 0; j < to->n && !created; j++)
			created = to->objects[j].kind == SCHEMA_KIND_TABLE && pl.t2f[j] == SCHEMA_NONE;
		if (created)
			add_comment(s, "a table is created below: if this one was renamed, write ALTER TABLE ... RENAME TO "
				       "by hand instead (pgshift does not guess renames)");
	}

	/* run 2: creations and changes in to's order */
	schema_order(to, &order, &n);
	for (size_t k = 0; k < n; k++) {
		size_t j = order[k];
		if (j >= to->n) {
			const struct schema_object *t = &to->objects[j - to->n];
			size_t i = pl.t2f[j - to->n];
			/* a replica identity index made again (or replaced) is named again */
			if (pl.ts[j - to->n] == T_CREATE || !same(from->objects[i].post_sql, t->post_sql) ||
			    (t->kind == SCHEMA_KIND_TABLE && pl.ts[t->post_dep] != T_KEEP))
			{
				struct diff_stmt *s = add(&pl.run[1], t, "alter", true, xstrdup(t->post_sql));
				if (t->kind == SCHEMA_KIND_TABLE)
					locks(&pl, s, t->qname, ALTER_LOCK);
			}
			continue;
		}
		if (pl.ts[j] == T_CREATE)
			create_object(&pl, &to->objects[j]);
		else if (pl.ts[j] == T_ALTER)
			alter_object(&pl, &from->objects[pl.t2f[j]], &to->objects[j]);
		/* alter_object calls domain_alter when its definition changes */
		if (to->objects[j].kind == SCHEMA_KIND_DOMAIN && pl.ts[j] != T_CREATE &&
		    same(from->objects[pl.t2f[j]].create_sql, to->objects[j].create_sql) &&
		    domain_rebuilt(&pl, &from->objects[pl.t2f[j]]))
			domain_alter(&pl, &from->objects[pl.t2f[j]], &to->objects[j]);
		if (to->objects[j].kind == SCHEMA_KIND_TABLE && pl.ts[j] == T_KEEP && !to->objects[j].partition)
			inherit_attach(&pl, &from->objects[pl.t2f[j]], &to->objects[j]);
		if (to->objects[j].kind == SCHEMA_KIND_TABLE && pl.ts[j] != T_CREATE)
			restore_rebuilt_defaults(&pl, &from->objects[pl.t2f[j]], &to->objects[j], pl.ts[j] == T_KEEP);
		if (to->objects[j].kind == SCHEMA_KIND_TABLE && to->objects[j].subkind == 'p')
			rebind_partitions(&pl, &to->objects[j]);
	}
	free(order);

	for (int r = 0; r < 5; r++)
		append_run(out, &pl.run[r]);
	finish(out);
	rc = 0;
out:
	for (int r = 0; r < 5; r++)
		diff_plan_free(&pl.run[r]);
	free(pl.fs);
	free(pl.ts);
	free(pl.columns_changed);
	free(pl.f2t);
	free(pl.t2f);
	free(pl.drop_alone);
	return rc;
}

void diff_plan_free(struct diff_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->stmts[i].sql);
		free(p->stmts[i].object);
		free(p->stmts[i].comment);
		free(p->stmts[i].table);
		free(p->stmts[i].ref_table);
	}
	free(p->stmts);
	memset(p, 0, sizeof(*p));
}

void diff_plan_sql(const struct diff_plan *p, struct buf *out)
{
	size_t m = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct diff_stmt *s = &p->stmts[i];
		if (s->new_migration)
			buf_addf(out, "%s-- migration %zu of %zu%s\n", i ? "\n" : "", ++m, p->migrations,
				 s->in_transaction ? "" : " (no transaction: each statement runs on its own)");
		buf_addf(out, "%s%s", s->comment ? s->comment : "", s->sql);
	}
}

void diff_plan_sql_range(const struct diff_plan *p, size_t first, size_t end, struct buf *out)
{
	for (size_t i = first; i < end && i < p->n; i++)
		buf_addf(out, "%s%s", p->stmts[i].comment ? p->stmts[i].comment : "", p->stmts[i].sql);
}

void diff_plan_one_transaction(struct diff_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct diff_stmt *s = &p->stmts[i];
		char *at = s->in_transaction ? NULL : strstr(s->sql, "INDEX CONCURRENTLY ");

		/* only the statements this file makes CONCURRENTLY: the words come before any name */
		if (at)
			memmove(at + 6, at + 19, strlen(at + 19) + 1);
		if (!s->in_transaction) {
			/* what it said was about running outside a transaction */
			free(s->comment);
			s->comment = NULL;
		}
		s->in_transaction = true;
		s->new_migration = i == 0;
	}
	p->migrations = p->n ? 1 : 0;
}

/* The lint rule that a drop of an object of this kind raises (NULL: none). */
static const char *drop_rule(const char *kind)
{
	static const char *const rules[][2] = {
		{ "table", "drop-table" },	   { "schema", "drop-schema" },	    { "index", "drop-index" },
		{ "view", "drop-object" },	   { "materialized_view", "drop-object" }, { "function", "drop-object" },
		{ "enum", "drop-object" },	   { "domain", "drop-object" },	    { "composite", "drop-object" },
		{ "sequence", "drop-object" },
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(kind, rules[i][0]))
			return rules[i][1];
	return NULL;
}

/*
 * Whether stmt i of a down plan drops an object that `before` does not
 * have: one the up created, so the down takes back only what it added.
 */
static const char *created_by_up(const struct diff_plan *p, size_t i, const struct schema_model *before)
{
	const struct diff_stmt *s = &p->stmts[i];
	const char *rule = strcmp(s->action, "drop") || (s->hazards & DIFF_RECREATE) ? NULL : drop_rule(s->kind);
	char *key;
	bool ours;

	/*
	 * A table is never acknowledged here: rows the application wrote into
	 * it since the deploy would be lost.  The gate lets the drop of a table
	 * that holds no rows through by itself (lint_empty_table).
	 */
	if (!rule || !strcmp(s->kind, "table"))
		return NULL;
	key = xasprintf("%s %s", s->kind, s->object);
	ours = schema_index(before, key) == SCHEMA_NONE;
	free(key);
	return ours ? rule : NULL;
}

/*
 * Acknowledges, on the line above it, each drop of an object the up
 * created, so rollback's gate lets the down run.  An acknowledgement
 * above the first statement covers the whole file (lint.h): the first
 * statement gets none when another drop of the same rule is not one.
 */
static void acknowledge_own_drops(struct diff_plan *p, const struct schema_model *before)
{
	for (size_t i = 0; i < p->n; i++) {
		const char *rule = created_by_up(p, i, before);
		bool whole_file_wrong = false;

		for (size_t j = 1; rule && i == 0 && j < p->n && !whole_file_wrong; j++)
			whole_file_wrong = !created_by_up(p, j, before) && !strcmp(p->stmts[j].action, "drop") &&
					   drop_rule(p->stmts[j].kind) && !strcmp(drop_rule(p->stmts[j].kind), rule);
		if (rule && !whole_file_wrong)
			add_comment(&p->stmts[i], "pgshift:allow %s because: %s is created by this migration, so the down "
						  "removes only what the up added",
				    rule, p->stmts[i].object);
	}
}

int schema_down_sql(const struct schema_model *after, const struct schema_model *before, struct buf *out,
		    struct pgs_error *err)
{
	struct diff_plan p;
	int n = -1;

	if (schema_diff_plan(after, before, &p, err) == 0) {
		diff_plan_one_transaction(&p);
		acknowledge_own_drops(&p, before);
		diff_plan_sql_range(&p, 0, p.n, out);
		n = (int)p.n;
	}
	diff_plan_free(&p);
	return n;
}
