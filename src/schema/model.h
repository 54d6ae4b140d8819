/*
 * model: an in-memory model of the schema of a live PostgreSQL database.
 *
 * schema_load() reads the catalog of the managed schemas with a fixed number
 * of queries (one per object kind, never one per table) and keeps, for every
 * object, the SQL that creates it as the server's own deparsers print it
 * (format_type, pg_get_expr, pg_get_constraintdef, pg_get_indexdef,
 * pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef), its comments and
 * privileges, and the objects it needs first (from pg_depend).
 *
 * Objects are identified by a key, "KIND QUALIFIED-NAME" with the names
 * quoted as SQL quotes them ('table public."Users"', 'function
 * public.f(a integer)', 'constraint public.t.t_pkey'), never by OID, so two
 * models (a live database and a scratch one) compare as two maps:
 * schema_compare() walks both in key order.  m->objects is sorted by key;
 * that order is the iteration order.
 *
 * schema_order() sorts the objects so that they load (dependencies first,
 * ties by kind then key); schema_emit() writes them as SQL (`pgshift dump`).
 *
 * A model owns all of its strings; schema_model_free releases them.  The
 * module may use libpq, never prints and never changes the database.
 */
#ifndef PGSHIFT_SCHEMA_MODEL_H
#define PGSHIFT_SCHEMA_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "db/conn.h"
#include "util/buf.h"
#include "util/err.h"

/* In the order a dump creates them when nothing else decides (see schema_order). */
enum schema_kind {
	SCHEMA_KIND_SCHEMA,
	SCHEMA_KIND_EXTENSION,	/* with its version */
	SCHEMA_KIND_COLLATION,
	SCHEMA_KIND_ENUM,
	SCHEMA_KIND_DOMAIN,
	SCHEMA_KIND_COMPOSITE,
	SCHEMA_KIND_RANGE,	/* range types (their multirange comes with them) */
	SCHEMA_KIND_SEQUENCE,
	SCHEMA_KIND_FUNCTION,	/* functions and procedures (not aggregates) */
	SCHEMA_KIND_AGGREGATE,
	SCHEMA_KIND_TABLE,	/* tables, partitioned tables, partitions, inheritance children */
	SCHEMA_KIND_VIEW,
	SCHEMA_KIND_MATVIEW,
	SCHEMA_KIND_CONSTRAINT,	/* table constraints: p, u, c, x; f after the indexes */
	SCHEMA_KIND_INDEX,	/* those no constraint creates */
	SCHEMA_KIND_STATISTICS,	/* extended statistics (CREATE STATISTICS) */
	SCHEMA_KIND_TRIGGER,
	SCHEMA_KIND_POLICY,
	SCHEMA_KIND_PUBLICATION,
	SCHEMA_KIND_DEFAULT_ACL,	/* ALTER DEFAULT PRIVILEGES of one role, schema and object type: last */
	SCHEMA_KIND_COUNT
};

/*
 * A column of a table (a partition keeps only what it declares itself:
 * nothing); an attribute of a composite type (name, sql, type, collation);
 * for a domain, parts[0] is its base (name and sql NULL; type, collation,
 * default_expr, not_null) and the others its check constraints (name, and
 * sql the definition: "CHECK ((VALUE > 0))").
 */
struct schema_part {
	char *name;	/* quoted */
	char *sql;	/* its definition as CREATE TABLE writes it: "\"id\" integer NOT NULL" */
	/* the same, piece by piece (for schema_diff_plan): */
	char *type;		/* format_type: "character varying(20)" */
	char *collation;	/* " COLLATE \"pg_catalog\".\"C\"" when not the type's, else NULL */
	char *default_expr;	/* the DEFAULT expression, or NULL */
	char *generated;	/* the expression of GENERATED ALWAYS AS (...) STORED, or NULL */
	char *identity;		/* " GENERATED ... AS IDENTITY (SEQUENCE NAME ...)", or NULL */
	bool not_null;
	/*
	 * a table column's settings that ALTER TABLE ... ALTER COLUMN sets (the
	 * table's create_sql writes them as such lines after the CREATE):
	 */
	char *storage;		/* "EXTERNAL" when not its type's, else NULL */
	char *type_storage;	/* its type's own ("EXTENDED"): what a reset sets */
	char *compression;	/* "pglz" when set (14+), else NULL */
	int stattarget;		/* SET STATISTICS, -1 for the default */
};

#define SCHEMA_NONE ((size_t)-1)

struct schema_object {
	enum schema_kind kind;
	char *schema;		/* unquoted; NULL for schemas and extensions */
	char *name;		/* unquoted */
	char *qname;		/* quoted qualified identity: public.t, public.f(a integer), public.t.t_pkey */
	char *key;		/* kind name, a space, qname */
	char *table;		/* constraints, indexes, statistics, triggers, policies: the quoted qualified table */
	/*
	 * what COMMENT ON names: "TABLE public.t", "CONSTRAINT c ON public.t";
	 * default privileges (no comments): the head of each of their lines,
	 * "ALTER DEFAULT PRIVILEGES FOR ROLE r IN SCHEMA s "
	 */
	char *ref;
	/*
	 * the statements that create it, each ending ";\n"; default privileges:
	 * one line per GRANT or REVOKE (relative to PostgreSQL's defaults)
	 */
	char *create_sql;
	char *post_sql;		/* run once post_dep exists too (a sequence's OWNED BY), or NULL */
	size_t post_dep;	/* index of that object, or SCHEMA_NONE */
	char *comment_sql;	/* COMMENT ON statements (the object's, then its columns'), or NULL */
	/*
	 * GRANT / REVOKE relative to the owner's defaults (owners are not kept),
	 * then a table's column privileges ("GRANT SELECT (a) ON TABLE t TO r;"), or NULL
	 */
	char *grant_sql;
	struct schema_part *parts;	/* tables: columns in attnum order; domains, composites: see schema_part */
	size_t nparts;
	char subkind;		/* constraints: contype; tables: relkind; functions: prokind; else 0 */
	bool valid;		/* indexes: indisvalid; constraints: convalidated; else true */
	bool partition;		/* tables: a partition of another table */
	unsigned int oid;	/* for loading only: never used for ordering or output */
	size_t *deps;		/* indices of the objects to create first; ascending, unique */
	size_t ndeps;
};

/* An object of a kind the model does not hold (a base type, an event trigger, ...). */
struct schema_unmodelled {
	char *kind;	/* "base type" */
	char *kinds;	/* its plural: "base types" */
	char *name;	/* quoted qualified name */
};

struct schema_model {
	struct schema_object *objects;	/* sorted by key (strcmp) */
	size_t n;
	size_t cap;
	/* what is in the managed schemas but not modelled (so not dumped nor compared), by kind then name */
	struct schema_unmodelled *unmodelled;
	size_t nunmodelled;
	int queries;		/* statements schema_load sent: a constant, whatever the schema's size */
	int server_version;	/* PQserverVersion of the source, 0 for a hand-built model */
};

/* What schema_load reads. */
struct schema_filter {
	const char *const *schemas;	/* restrict to these (--schema), or NULL / nschemas 0: all managed */
	size_t nschemas;
	const char *history_schema;	/* where pgshift's own tables live (default "public") */
};

/*
 * Reads the managed schemas into m (initialised here; free it with
 * schema_model_free, also after a failure).  Managed: every schema but
 * pg_catalog, information_schema, pg_toast*, pg_temp*, without the objects
 * of extensions and pgshift's own tables (the history, pgshift_backfills,
 * pgshift_deployments, _prisma_migrations) in the history schema.  conn
 * must be idle (not in a transaction): the reading runs in one read-only
 * repeatable-read transaction with an empty search_path, so every name in
 * the SQL is schema-qualified.
 */
int schema_load(PGconn *conn, const struct schema_filter *f, struct schema_model *m, struct pgs_error *err);
/*
 * Reads again only the tables named in tables (quoted qualified names, as
 * their qname) from conn, where `before` was read and nothing else changed
 * since (new --from-schema, after a step that touched only those tables):
 * m (initialised here; free it also after a failure) is `before` with the
 * tables, what belongs to them (constraints, indexes, triggers, policies,
 * comments, privileges) and the sequences they own replaced by what the
 * catalog holds now; every other object is copied with its dependencies.
 * A table that is gone is left out.  The queries are schema_load's,
 * restricted to the tables, so the cost follows their number, not the
 * schema's size.
 */
int schema_load_tables(PGconn *conn, const struct schema_filter *f, const struct schema_model *before,
		       const char *const *tables, size_t ntables, struct schema_model *m, struct pgs_error *err);
void schema_model_free(struct schema_model *m);

/*
 * The objects of a and b (b may be NULL: one model) that the model does not
 * hold, once each, as a phrase: "2 base types (public.a, public.b) and 1
 * event trigger (audit)"; NULL when there are none.  New string.
 */
char *schema_unmodelled_phrase(const struct schema_model *a, const struct schema_model *b);

/*
 * Appends what ALTER TABLE table ALTER COLUMN sets on column c besides its
 * definition (storage, compression, statistics target), one statement a
 * line: how a table's create_sql writes them, and how a plan sets them.
 */
void schema_column_settings(const char *table, const struct schema_part *c, struct buf *out);

/* "table", "function", ...: the first word of a key. */
const char *schema_kind_name(enum schema_kind k);
/* The object with this key, or NULL (binary search). */
const struct schema_object *schema_find(const struct schema_model *m, const char *key);
size_t schema_index(const struct schema_model *m, const char *key);

/*
 * Building a model by hand (tests, and the loader itself): schema_add
 * appends an object (strings copied; the key made from kind and qname);
 * schema_sort then sorts by key, and only after it may dependencies be
 * added with schema_depend (by index, as the sorted array holds them).
 */
struct schema_object *schema_add(struct schema_model *m, enum schema_kind kind, const char *schema,
				 const char *name, const char *qname);
void schema_sort(struct schema_model *m);
void schema_depend(struct schema_model *m, size_t obj, size_t needs);

/*
 * Whether two objects of the same key are defined the same: their create,
 * post, comment and grant SQL (OIDs and dependencies are not compared).
 */
bool schema_object_equal(const struct schema_object *a, const struct schema_object *b);
/*
 * Walks a and b in key order and calls fn for every key whose objects
 * differ: (x, NULL) only in a, (NULL, y) only in b, (x, y) both but not
 * schema_object_equal.  Returns the number of differences.
 */
typedef void (*schema_diff_fn)(const struct schema_object *a, const struct schema_object *b, void *arg);
size_t schema_compare(const struct schema_model *a, const struct schema_model *b, schema_diff_fn fn, void *arg);

/*
 * The load order: *order (new array of *n, caller frees) holds node numbers;
 * node i < m->n creates object i, node m->n + i runs object i's post_sql.
 * Dependencies come first; among the nodes ready at a time, the lowest kind
 * rank (enum schema_kind, foreign keys after indexes, post_sql after
 * materialized views) then the lowest key.  A dependency cycle (none
 * expected: foreign keys and OWNED BY are separate nodes) is broken at the
 * lowest remaining node, so the order is always complete and deterministic.
 */
void schema_order(const struct schema_model *m, size_t **order, size_t *n);
/*
 * The same with extra edges: extra[k][0] (an object's index) comes before
 * extra[k][1] (the caller keeps them acyclic together with the model's).
 */
void schema_order_with(const struct schema_model *m, const size_t (*extra)[2], size_t nextra, size_t **order,
		       size_t *n);
/*
 * Appends the dump: a one-line header, the preamble (SET
 * check_function_bodies = false), then every node in schema_order's order
 * with its comments and grants.  Invalid indexes are left out (pg_dump
 * leaves them out too).
 */
void schema_emit(const struct schema_model *m, struct buf *out);

#endif
