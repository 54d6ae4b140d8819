/*
 * load: schema_load, the catalog read into a model.
 *
 * One query per object kind, plus columns, comments, privileges and
 * dependencies: the count (m->queries) never depends on the schema's size.
 * Every object query returns the same columns (OBJ_COLS below), so one
 * function turns rows into objects.  The SQL text of each object is built
 * by the server (format() with %I and %L quoting, and the pg_get_*def
 * deparsers) under an empty search_path, so every name is qualified and
 * quoted exactly as the server would.
 *
 * While loading, objects are numbered in load order and found by
 * (catalog, OID) through a small hash map; the map also holds aliases (a
 * table's row type and column defaults, a view's rewrite rule, the index of
 * a primary key, an extension's members) so that a pg_depend edge on any of
 * them lands on the object that creates it.  At the end the objects are
 * sorted by key and every index is renumbered: OIDs never order anything.
 *
 * schema_load_tables reads again only some tables (a step of new
 * --from-schema): the same queries, restricted by $3 to those tables, with
 * the kinds that never belong to a table left out; the other objects are
 * copied from the model before, and the map is seeded with their OIDs so
 * that the edges of what is read again still find them.
 *
 * Catalog columns by version (PostgreSQL 12 to 17 are supported):
 * prokind, conparentid (11+); attgenerated (12+; 18 adds 'v'); tgparentid
 * (13+: before it, a trigger cloned onto a partition was tgisinternal);
 * unlogged sequences (15+); domain NOT NULL as a pg_constraint row of
 * contype 'n' (17+, read from typnotnull instead); table NOT NULL as contype
 * 'n' (18+, read from attnotnull instead).
 */
#include "schema/model.h"

#include <inttypes.h>
#include <libpq-events.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "db/conn.h"
#include "util/exitcodes.h"

/* Catalog OIDs (fixed since PostgreSQL 7.x; src/include/catalog/pg_*.h). */
#define CLS_CLASS "1259"
#define CLS_TYPE "1247"
#define CLS_PROC "1255"
#define CLS_NAMESPACE "2615"
#define CLS_CONSTRAINT "2606"
#define CLS_ATTRDEF "2604"
#define CLS_REWRITE "2618"
#define CLS_TRIGGER "2620"
#define CLS_POLICY "3256"
#define CLS_EXTENSION "3079"
#define CLS_COLLATION "3456"
#define CLS_STATISTIC_EXT "3381"
#define CLS_PUBLICATION "6104"
#define CLS_PUBLICATION_REL "6106"
#define CLS_PUBLICATION_NAMESPACE "6237"
#define CLS_DEFAULT_ACL "826"
#define OID_CLASS 1259u
#define OID_ATTRDEF 2604u
#define OID_TYPE 1247u

/* $1: the schemas of --schema (text[], empty for all); $2: the history schema. */
#define NS_OK(n) \
	"(" n ".nspname NOT IN ('pg_catalog', 'information_schema') AND " n ".nspname !~ '^pg_(toast|temp_)'" \
	" AND (cardinality($1::text[]) = 0 OR " n ".nspname = ANY ($1::text[])))"
/*
 * $3: the tables schema_load_tables reads again (text[] of qnames, empty for
 * all), found by OID (an index lookup each) rather than by formatting the
 * name of every relation.
 */
#define SCOPE_OIDS "ARRAY(SELECT to_regclass(s)::oid FROM unnest($3::text[]) s)"
#define IN_SCOPE(n, c) "(cardinality($3::text[]) = 0 OR " c ".oid = ANY (" SCOPE_OIDS "))"
/* The sequences the tables of $3 own (and their indexes: a superset, for an index lookup). */
#define OWNED_BY_SCOPE \
	"ARRAY(SELECT d.objid FROM pg_depend d WHERE d.classid = " CLS_CLASS " AND d.refclassid = " CLS_CLASS \
	" AND d.deptype = 'a' AND d.refobjid = ANY (" SCOPE_OIDS "))"
/* pgshift's own tables (and the history table of either mode). */
#define OWN_OK(n, c) \
	"NOT (" n ".nspname = $2 AND " c ".relname IN ('pgshift_migrations', '_prisma_migrations'," \
	" 'pgshift_backfills', 'pgshift_deployments'))"
#define NOT_EXT(cls, oid) \
	"NOT EXISTS (SELECT FROM pg_depend e WHERE e.classid = " cls " AND e.objid = " oid " AND e.deptype = 'e')"
#define REL_OK(n, c) NS_OK(n) " AND " OWN_OK(n, c) " AND " NOT_EXT(CLS_CLASS, c ".oid")
#define COLLATE(coll, typcoll) \
	"CASE WHEN " coll " <> 0 AND " coll " <> " typcoll " THEN (SELECT format(' COLLATE %I.%I', cn.nspname," \
	" co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace" \
	" WHERE co.oid = " coll ") END"

/*
 * Every object query returns: 0 catalog, 1 oid, 2 schema, 3 name, 4 qname,
 * 5 table, 6 ref, 7 create SQL, 8 subkind, 9 valid, 10 partition,
 * 11 aliases ("catalog:oid ..."), 12 extra SQL (a table's tail after its
 * columns; a sequence's OWNED BY), 13 OID of the extra SQL's table.
 */
#define OBJ_COLS 14

static const char q_schemas[] =
	"SELECT " CLS_NAMESPACE ", n.oid, NULL, n.nspname, quote_ident(n.nspname), NULL, 'SCHEMA ' || quote_ident(n.nspname),"
	" format('CREATE SCHEMA IF NOT EXISTS %I;', n.nspname), NULL, true, false, NULL, NULL, NULL"
	" FROM pg_namespace n WHERE " NS_OK("n") " AND " NOT_EXT(CLS_NAMESPACE, "n.oid");

static const char q_extensions[] =
	"SELECT " CLS_EXTENSION ", x.oid, NULL, x.extname, quote_ident(x.extname), NULL, 'EXTENSION ' || quote_ident(x.extname),"
	" format('CREATE EXTENSION IF NOT EXISTS %I WITH SCHEMA %I VERSION %L;', x.extname, n.nspname, x.extversion),"
	" NULL, true, false, NULL,"
	" NULL, NULL"
	" FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace WHERE " NS_OK("n");

static const char q_enums[] =
	"SELECT " CLS_TYPE ", t.oid, n.nspname, t.typname, format('%I.%I', n.nspname, t.typname), NULL,"
	" format('TYPE %I.%I', n.nspname, t.typname),"
	" format('CREATE TYPE %I.%I AS ENUM (%s);', n.nspname, t.typname, coalesce((SELECT string_agg("
	"  quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')),"
	" NULL, true, false, '" CLS_TYPE ":' || t.typarray, NULL, NULL"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
	" WHERE t.typtype = 'e' AND " NS_OK("n") " AND " NOT_EXT(CLS_TYPE, "t.oid");

/* Domain NOT NULL from typnotnull: PostgreSQL 17 also records it as a contype 'n' constraint. */
static const char q_domains[] =
	"SELECT " CLS_TYPE ", t.oid, n.nspname, t.typname, format('%I.%I', n.nspname, t.typname), NULL,"
	" format('DOMAIN %I.%I', n.nspname, t.typname),"
	" format('CREATE DOMAIN %I.%I AS %s%s%s%s%s;', n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod),"
	"  " COLLATE("t.typcollation", "b.typcollation") ", ' DEFAULT ' || pg_get_expr(t.typdefaultbin, 0),"
	"  CASE WHEN t.typnotnull THEN ' NOT NULL' END,"
	"  (SELECT string_agg(format(' CONSTRAINT %I %s', c.conname, pg_get_constraintdef(c.oid)), ''"
	"   ORDER BY c.conname COLLATE \"C\") FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c')),"
	" NULL, true, false, concat_ws(' ', '" CLS_TYPE ":' || t.typarray,"
	"  (SELECT string_agg('" CLS_CONSTRAINT ":' || c.oid, ' ') FROM pg_constraint c WHERE c.contypid = t.oid)),"
	" NULL, NULL"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type b ON b.oid = t.typbasetype"
	" WHERE t.typtype = 'd' AND " NS_OK("n") " AND " NOT_EXT(CLS_TYPE, "t.oid");

static const char q_composites[] =
	"SELECT " CLS_TYPE ", t.oid, n.nspname, t.typname, format('%I.%I', n.nspname, t.typname), NULL,"
	" format('TYPE %I.%I', n.nspname, t.typname),"
	" format('CREATE TYPE %I.%I AS (%s);', n.nspname, t.typname, coalesce((SELECT string_agg(format('%I %s%s',"
	"  a.attname, format_type(a.atttypid, a.atttypmod), " COLLATE("a.attcollation", "at.typcollation") "), ', '"
	"  ORDER BY a.attnum) FROM pg_attribute a JOIN pg_type at ON at.oid = a.atttypid"
	"  WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '')),"
	" NULL, true, false, concat_ws(' ', '" CLS_TYPE ":' || t.typarray, '" CLS_CLASS ":' || t.typrelid), NULL, NULL"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_class c ON c.oid = t.typrelid"
	" WHERE t.typtype = 'c' AND c.relkind = 'c' AND " NS_OK("n") " AND " NOT_EXT(CLS_TYPE, "t.oid");

/*
 * The pieces of domains and composite types (schema_part rows, see model.h):
 * 0 type oid, 1 quoted name, 2 definition, 3 type, 4 collation clause,
 * 5 default, 6 not null.  A domain's first row is its base (name and
 * definition NULL), then its check constraints by name; a composite's rows
 * are its attributes in order.  Which types are modelled is left to the
 * objects already loaded (the rows of others find no object).
 */
static const char q_type_parts[] =
	"SELECT * FROM (SELECT t.oid, NULL::text AS name, NULL::text AS def, format_type(t.typbasetype, t.typtypmod),"
	"  " COLLATE("t.typcollation", "b.typcollation") ", pg_get_expr(t.typdefaultbin, 0), t.typnotnull, 0 AS ord, ''::text AS k"
	"  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type b ON b.oid = t.typbasetype"
	"  WHERE t.typtype = 'd' AND " NS_OK("n") ""
	" UNION ALL SELECT c.contypid, quote_ident(c.conname), pg_get_constraintdef(c.oid), NULL, NULL, NULL, false, 1,"
	"  c.conname"
	"  FROM pg_constraint c JOIN pg_type t ON t.oid = c.contypid JOIN pg_namespace n ON n.oid = t.typnamespace"
	"  WHERE c.contype = 'c' AND " NS_OK("n") ""
	" UNION ALL SELECT t.oid, quote_ident(a.attname), concat(quote_ident(a.attname), ' ',"
	"  format_type(a.atttypid, a.atttypmod), " COLLATE("a.attcollation", "at.typcollation") "),"
	"  format_type(a.atttypid, a.atttypmod), " COLLATE("a.attcollation", "at.typcollation") ", NULL, false,"
	"  a.attnum, ''"
	"  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_attribute a ON a.attrelid = t.typrelid"
	"  JOIN pg_type at ON at.oid = a.atttypid"
	"  WHERE t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped AND " NS_OK("n") ") p"
	" ORDER BY 1, ord, k COLLATE \"C\"";

/* The column a sequence is OWNED BY (pg_depend 'a' on a table column). */
#define SEQ_OWNER \
	" FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace" \
	" JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid" \
	" WHERE d.classid = " CLS_CLASS " AND d.objid = c.oid AND d.refclassid = " CLS_CLASS \
	" AND d.deptype = 'a' AND d.refobjsubid > 0"

/* Identity sequences (deptype 'i') belong to their column; unlogged sequences are 15+. */
static const char q_sequences[] =
	"SELECT " CLS_CLASS ", c.oid, n.nspname, c.relname, format('%I.%I', n.nspname, c.relname), NULL,"
	" format('SEQUENCE %I.%I', n.nspname, c.relname),"
	" format('CREATE %sSEQUENCE %I.%I AS %s START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s;',"
	"  CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END, n.nspname, c.relname,"
	"  format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache,"
	"  CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END),"
	" NULL, true, false, NULL,"
	" (SELECT format('ALTER SEQUENCE %I.%I OWNED BY %I.%I.%I;', n.nspname, c.relname, tn.nspname, t.relname,"
	"  a.attname)" SEQ_OWNER "),"
	" (SELECT t.oid" SEQ_OWNER ")"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid"
	" WHERE c.relkind = 'S' AND " NS_OK("n") " AND " NOT_EXT(CLS_CLASS, "c.oid") " AND NOT EXISTS (SELECT FROM"
	"  pg_depend d WHERE d.classid = " CLS_CLASS " AND d.objid = c.oid AND d.refclassid = " CLS_CLASS
	"  AND d.deptype = 'i')"
	" AND NOT EXISTS (SELECT" SEQ_OWNER " AND NOT " OWN_OK("tn", "t") ")"
	" AND (cardinality($3::text[]) = 0 OR c.oid = ANY (" OWNED_BY_SCOPE ")"
	"  AND EXISTS (SELECT" SEQ_OWNER " AND " IN_SCOPE("tn", "t") "))";

/*
 * prokind (11+): aggregates ('a') are q_aggregates'; the constructors a
 * range type makes for itself and its multirange (deptype 'i') come with it.
 */
static const char q_functions[] =
	"SELECT " CLS_PROC ", p.oid, n.nspname, p.proname,"
	" format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), NULL,"
	" format('ROUTINE %I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),"
	" rtrim(pg_get_functiondef(p.oid), E'\\n') || ';', p.prokind::text, true, false, NULL, NULL, NULL"
	" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
	" WHERE p.prokind IN ('f', 'p', 'w') AND " NS_OK("n") " AND " NOT_EXT(CLS_PROC, "p.oid")
	" AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = " CLS_PROC " AND d.objid = p.oid AND d.deptype = 'i')";

/*
 * Tables: column 7 is the head ("CREATE TABLE t (", or the whole
 * PARTITION OF clause of a partition), column 12 the tail after the
 * columns (INHERITS, PARTITION BY, WITH, the terminator, row level
 * security, replica identity FULL or NOTHING).  An inheritance child
 * writes only its own columns.  A replica identity USING INDEX is the
 * table's post SQL (column 14, once the index, column 13, exists): the
 * only query with a 15th column.
 */
static const char q_tables[] =
	"SELECT " CLS_CLASS ", c.oid, n.nspname, c.relname, format('%I.%I', n.nspname, c.relname), NULL,"
	" format('TABLE %I.%I', n.nspname, c.relname),"
	" CASE WHEN c.relispartition THEN format('CREATE %sTABLE %I.%I PARTITION OF %s %s',"
	"   CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END, n.nspname, c.relname,"
	"   (SELECT format('%I.%I', pn.nspname, pc.relname) FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent"
	"    JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid),"
	"   pg_get_expr(c.relpartbound, c.oid))"
	"  ELSE format('CREATE %sTABLE %I.%I (', CASE WHEN c.relpersistence = 'u' THEN 'UNLOGGED ' ELSE '' END,"
	"   n.nspname, c.relname) END,"
	" c.relkind::text, true, c.relispartition,"
	" concat_ws(' ', '" CLS_TYPE ":' || c.reltype, '" CLS_TYPE ":' || nullif(rt.typarray, 0)),"
	" concat(CASE WHEN NOT c.relispartition THEN ' INHERITS (' || (SELECT string_agg(format('%I.%I', pn.nspname,"
	"   pc.relname), ', ' ORDER BY i.inhseqno) FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent"
	"   JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid) || ')' END,"
	"  CASE WHEN c.relkind = 'p' THEN ' PARTITION BY ' || pg_get_partkeydef(c.oid) END,"
	"  ' WITH (' || array_to_string(c.reloptions, ', ') || ')', ';',"
	"  CASE WHEN c.relrowsecurity THEN format(E'\\nALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY;', n.nspname,"
	"   c.relname) END,"
	"  CASE WHEN c.relforcerowsecurity THEN format(E'\\nALTER TABLE %I.%I FORCE ROW LEVEL SECURITY;', n.nspname,"
	"   c.relname) END,"
	"  CASE c.relreplident WHEN 'f' THEN format(E'\\nALTER TABLE %I.%I REPLICA IDENTITY FULL;', n.nspname, c.relname)"
	"   WHEN 'n' THEN format(E'\\nALTER TABLE %I.%I REPLICA IDENTITY NOTHING;', n.nspname, c.relname) END),"
	" ri.indexrelid, CASE WHEN ri.relname IS NOT NULL THEN format('ALTER TABLE %I.%I REPLICA IDENTITY USING INDEX %I;',"
	"  n.nspname, c.relname, ri.relname) END"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_type rt ON rt.oid = c.reltype"
	" LEFT JOIN LATERAL (SELECT i.indexrelid, ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
	"  WHERE i.indrelid = c.oid AND i.indisreplident AND c.relreplident = 'i') ri ON true"
	" WHERE c.relkind IN ('r', 'p') AND " REL_OK("n", "c") " AND " IN_SCOPE("n", "c");

/*
 * Columns of every table: 0 table oid, 1 quoted name, 2 definition,
 * 3 pg_attrdef oid, 4 attislocal (a partition's inherited columns are not
 * written), then the definition's pieces: 5 type, 6 collation clause,
 * 7 default, 8 generated expression, 9 not null, 10 identity clause;
 * then what ALTER COLUMN sets: 11 storage when not the type's, 12 the
 * type's storage, 13 compression, 14 statistics target (NULL: default).
 * attgenerated is 12+ ('s'; 18 adds 'v' for virtual); attcompression 14+
 * (Q_COLUMNS's argument); attstattarget is NULL for the default in 17+.
 * The LATERAL x has OFFSET 0 so that it is not pulled up: its columns are
 * used twice each, and pulled up every use would call format_type,
 * pg_get_expr and the identity subquery again (twice the work per column).
 * The identity subquery runs only for identity columns.
 */
#define STORAGE(s) "CASE " s " WHEN 'p' THEN 'PLAIN' WHEN 'e' THEN 'EXTERNAL' WHEN 'm' THEN 'MAIN' ELSE 'EXTENDED' END"
#define Q_COLUMNS(compression) \
	"SELECT a.attrelid, quote_ident(a.attname)," \
	" concat(quote_ident(a.attname), ' ', x.type, x.coll," \
	"  ' GENERATED ALWAYS AS (' || x.gen || ') STORED', ' DEFAULT ' || x.def," \
	"  CASE WHEN a.attnotnull THEN ' NOT NULL' END, x.ident)," \
	" ad.oid, a.attislocal, x.type, x.coll, x.def, x.gen, a.attnotnull, x.ident," \
	" CASE WHEN a.attstorage <> t.typstorage THEN " STORAGE("a.attstorage") " END, " STORAGE("t.typstorage") "," \
	" " compression ", CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::text END" \
	" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace" \
	" JOIN pg_type t ON t.oid = a.atttypid" \
	" LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum" \
	" CROSS JOIN LATERAL (SELECT format_type(a.atttypid, a.atttypmod) AS type," \
	"  " COLLATE("a.attcollation", "t.typcollation") " AS coll," \
	"  CASE WHEN a.attgenerated = 's' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS gen," \
	"  CASE WHEN a.attgenerated <> 's' THEN pg_get_expr(ad.adbin, ad.adrelid) END AS def," \
	"  CASE WHEN a.attidentity IN ('a', 'd') THEN CASE a.attidentity WHEN 'a' THEN ' GENERATED ALWAYS AS IDENTITY'" \
	"   ELSE ' GENERATED BY DEFAULT AS IDENTITY' END" \
	"  || (SELECT format(' (SEQUENCE NAME %I.%I START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s)'," \
	"   sn.nspname, sc.relname, s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache," \
	"   CASE WHEN s.seqcycle THEN ' CYCLE' ELSE '' END)" \
	"   FROM pg_depend d JOIN pg_class sc ON sc.oid = d.objid JOIN pg_namespace sn ON sn.oid = sc.relnamespace" \
	"   JOIN pg_sequence s ON s.seqrelid = sc.oid WHERE d.classid = " CLS_CLASS " AND d.refclassid = " CLS_CLASS \
	"   AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum AND d.deptype = 'i') END AS ident OFFSET 0) x" \
	" WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND " REL_OK("n", "c") " AND " \
	IN_SCOPE("n", "c") \
	" ORDER BY a.attrelid, a.attnum"
static const char q_columns[] = Q_COLUMNS("CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' END");
static const char q_columns_13[] = Q_COLUMNS("NULL");

static const char q_views[] =
	"SELECT " CLS_CLASS ", c.oid, n.nspname, c.relname, format('%I.%I', n.nspname, c.relname), NULL,"
	" CASE c.relkind WHEN 'v' THEN 'VIEW ' ELSE 'MATERIALIZED VIEW ' END || format('%I.%I', n.nspname, c.relname),"
	" CASE c.relkind WHEN 'v' THEN format(E'CREATE VIEW %I.%I%s AS\\n%s', n.nspname, c.relname,"
	"   ' WITH (' || array_to_string(c.reloptions, ', ') || ')', pg_get_viewdef(c.oid))"
	"  ELSE format(E'CREATE MATERIALIZED VIEW %I.%I%s AS\\n%s\\nWITH NO DATA;', n.nspname, c.relname,"
	"   ' WITH (' || array_to_string(c.reloptions, ', ') || ')', rtrim(pg_get_viewdef(c.oid), ';')) END,"
	" c.relkind::text, true, false,"
	" concat_ws(' ', '" CLS_TYPE ":' || c.reltype, (SELECT string_agg('" CLS_REWRITE ":' || r.oid, ' ')"
	"  FROM pg_rewrite r WHERE r.ev_class = c.oid)), NULL, NULL"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('v', 'm') AND " REL_OK("n", "c");

/*
 * Constraints a table declares itself: not those a partition inherits
 * (conislocal, conparentid: 11+), nor NOT NULL (contype 'n', 18+; the
 * column says it), nor constraint triggers' ('t').
 */
static const char q_constraints[] =
	"SELECT " CLS_CONSTRAINT ", co.oid, n.nspname, co.conname, format('%I.%I.%I', n.nspname, c.relname, co.conname),"
	" format('%I.%I', n.nspname, c.relname), format('CONSTRAINT %I ON %I.%I', co.conname, n.nspname, c.relname),"
	" format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s;', n.nspname, c.relname, co.conname,"
	"  pg_get_constraintdef(co.oid)),"
	" co.contype::text, co.convalidated, false,"
	" CASE WHEN co.contype IN ('p', 'u', 'x') AND co.conindid <> 0 THEN '" CLS_CLASS ":' || co.conindid END,"
	" NULL, NULL"
	" FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE co.contype IN ('p', 'u', 'f', 'c', 'x') AND co.conislocal AND co.conparentid = 0 AND " REL_OK("n", "c")
	" AND " IN_SCOPE("n", "c");

/*
 * Indexes no constraint creates, and not a partition's share of a
 * partitioned index (created with it).  pg_get_indexdef writes "ON ONLY"
 * for a partitioned table, which would leave the partitions without it.
 * OFFSET 0 keeps x a subquery: pulled up, pg_get_indexdef would run once
 * per use of x.def.
 */
static const char q_indexes[] =
	"SELECT " CLS_CLASS ", i.indexrelid, n.nspname, ic.relname, format('%I.%I', n.nspname, ic.relname),"
	" format('%I.%I', tn.nspname, c.relname), format('INDEX %I.%I', n.nspname, ic.relname),"
	" CASE WHEN starts_with(x.def, x.head || 'ONLY ') THEN x.head || substr(x.def, length(x.head) + 6) ELSE x.def END"
	"  || ';',"
	" NULL, i.indisvalid, false, NULL, NULL, NULL"
	" FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace"
	" JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace tn ON tn.oid = c.relnamespace"
	" CROSS JOIN LATERAL (SELECT pg_get_indexdef(i.indexrelid) AS def, format('CREATE %sINDEX %I ON ',"
	"  CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END, ic.relname) AS head OFFSET 0) x"
	" WHERE c.relkind IN ('r', 'p', 'm') AND " REL_OK("tn", "c") " AND " IN_SCOPE("tn", "c")
	" AND NOT EXISTS (SELECT FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.conrelid = i.indrelid"
	"  AND co.contype IN ('p', 'u', 'x'))"
	" AND NOT EXISTS (SELECT FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)";

#define Q_TRIGGERS(parent) \
	"SELECT " CLS_TRIGGER ", t.oid, n.nspname, t.tgname, format('%I.%I.%I', n.nspname, c.relname, t.tgname)," \
	" format('%I.%I', n.nspname, c.relname), format('TRIGGER %I ON %I.%I', t.tgname, n.nspname, c.relname)," \
	" pg_get_triggerdef(t.oid) || ';' || CASE t.tgenabled" \
	"  WHEN 'D' THEN format(E'\\nALTER TABLE %I.%I DISABLE TRIGGER %I;', n.nspname, c.relname, t.tgname)" \
	"  WHEN 'R' THEN format(E'\\nALTER TABLE %I.%I ENABLE REPLICA TRIGGER %I;', n.nspname, c.relname, t.tgname)" \
	"  WHEN 'A' THEN format(E'\\nALTER TABLE %I.%I ENABLE ALWAYS TRIGGER %I;', n.nspname, c.relname, t.tgname)" \
	"  ELSE '' END," \
	" NULL, true, false, NULL, NULL, NULL" \
	" FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace" \
	" WHERE NOT t.tgisinternal" parent " AND " REL_OK("n", "c") " AND " IN_SCOPE("n", "c")
/* tgparentid is 13+: on 12 a partition's clone of a parent's trigger is tgisinternal. */
static const char q_triggers[] = Q_TRIGGERS(" AND t.tgparentid = 0");
static const char q_triggers_12[] = Q_TRIGGERS("");

static const char q_policies[] =
	"SELECT " CLS_POLICY ", p.oid, n.nspname, p.polname, format('%I.%I.%I', n.nspname, c.relname, p.polname),"
	" format('%I.%I', n.nspname, c.relname), format('POLICY %I ON %I.%I', p.polname, n.nspname, c.relname),"
	" format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s%s%s;', p.polname, n.nspname, c.relname,"
	"  CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,"
	"  CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE'"
	"   ELSE 'ALL' END,"
	"  (SELECT string_agg(r.name, ', ' ORDER BY r.name COLLATE \"C\") FROM (SELECT CASE WHEN u = 0 THEN 'PUBLIC'"
	"   ELSE quote_ident(pg_get_userbyid(u)) END AS name FROM unnest(p.polroles) u) r),"
	"  ' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')',"
	"  ' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')'),"
	" NULL, true, false, NULL, NULL, NULL"
	" FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE " REL_OK("n", "c") " AND " IN_SCOPE("n", "c");

/*
 * Collations: the columns that differ by version (colliculocale 15-16,
 * colllocale 17+, collicurules 16+) are read through to_jsonb.
 */
static const char q_collations[] =
	"SELECT " CLS_COLLATION ", co.oid, n.nspname, co.collname, format('%I.%I', n.nspname, co.collname), NULL,"
	" format('COLLATION %I.%I', n.nspname, co.collname),"
	" format('CREATE COLLATION %I.%I (provider = %s, %s%s%s);', n.nspname, co.collname,"
	"  CASE co.collprovider WHEN 'i' THEN 'icu' ELSE 'libc' END,"
	"  CASE WHEN co.collprovider = 'i' THEN format('locale = %L', coalesce(j.j ->> 'colllocale',"
	"    j.j ->> 'colliculocale', co.collcollate))"
	"   WHEN co.collcollate = co.collctype THEN format('locale = %L', co.collcollate)"
	"   ELSE format('lc_collate = %L, lc_ctype = %L', co.collcollate, co.collctype) END,"
	"  CASE WHEN NOT co.collisdeterministic THEN ', deterministic = false' END,"
	"  ', rules = ' || quote_literal(j.j ->> 'collicurules')),"
	" NULL, true, false, NULL, NULL, NULL"
	" FROM pg_collation co JOIN pg_namespace n ON n.oid = co.collnamespace CROSS JOIN LATERAL (SELECT to_jsonb(co) AS j) j"
	" WHERE " NS_OK("n") " AND " NOT_EXT(CLS_COLLATION, "co.oid");

/*
 * Range types (rngmultitypid, 14+, through to_jsonb): the multirange and
 * the arrays are aliases; the opclass and collation only when not the
 * subtype's default.
 */
static const char q_ranges[] =
	"SELECT " CLS_TYPE ", t.oid, n.nspname, t.typname, format('%I.%I', n.nspname, t.typname), NULL,"
	" format('TYPE %I.%I', n.nspname, t.typname),"
	" format('CREATE TYPE %I.%I AS RANGE (subtype = %s%s%s%s%s%s);', n.nspname, t.typname,"
	"  format_type(r.rngsubtype, NULL),"
	"  (SELECT format(', subtype_opclass = %I.%I', ocn.nspname, oc.opcname) FROM pg_opclass oc"
	"   JOIN pg_namespace ocn ON ocn.oid = oc.opcnamespace WHERE oc.oid = r.rngsubopc AND NOT oc.opcdefault),"
	"  CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation THEN (SELECT format(', collation = %I.%I',"
	"   cn.nspname, co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace"
	"   WHERE co.oid = r.rngcollation) END,"
	"  (SELECT format(', canonical = %I.%I', pn.nspname, p.proname) FROM pg_proc p"
	"   JOIN pg_namespace pn ON pn.oid = p.pronamespace WHERE p.oid = r.rngcanonical),"
	"  (SELECT format(', subtype_diff = %I.%I', pn.nspname, p.proname) FROM pg_proc p"
	"   JOIN pg_namespace pn ON pn.oid = p.pronamespace WHERE p.oid = r.rngsubdiff),"
	"  (SELECT format(', multirange_type_name = %I.%I', mn.nspname, mt.typname) FROM pg_type mt"
	"   JOIN pg_namespace mn ON mn.oid = mt.typnamespace WHERE mt.oid = (to_jsonb(r) ->> 'rngmultitypid')::oid)),"
	" NULL, true, false, concat_ws(' ', '" CLS_TYPE ":' || t.typarray,"
	"  (SELECT '" CLS_TYPE ":' || mt.oid || ' " CLS_TYPE ":' || mt.typarray FROM pg_type mt"
	"   WHERE mt.oid = (to_jsonb(r) ->> 'rngmultitypid')::oid)), NULL, NULL"
	" FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_range r ON r.rngtypid = t.oid"
	" JOIN pg_type st ON st.oid = r.rngsubtype"
	" WHERE t.typtype = 'r' AND " NS_OK("n") " AND " NOT_EXT(CLS_TYPE, "t.oid");

/* A function of an aggregate, as CREATE AGGREGATE names it (pg_catalog's unqualified). */
#define AGG_FN(col) "nullif(" col "::oid, 0)::regproc::text"

/*
 * Aggregates (prokind 'a'), built from pg_aggregate: pg_get_functiondef
 * has no form for them.  A zero-argument aggregate is "name(*)".
 */
static const char q_aggregates[] =
	"SELECT " CLS_PROC ", p.oid, n.nspname, p.proname,"
	" format('%I.%I(%s)', n.nspname, p.proname, coalesce(nullif(pg_get_function_identity_arguments(p.oid), ''), '*')),"
	" NULL,"
	" format('AGGREGATE %I.%I(%s)', n.nspname, p.proname,"
	"  coalesce(nullif(pg_get_function_identity_arguments(p.oid), ''), '*')),"
	" format('CREATE AGGREGATE %I.%I(%s) (SFUNC = %s, STYPE = %s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s);',"
	"  n.nspname, p.proname, coalesce(nullif(pg_get_function_arguments(p.oid), ''), '*'),"
	"  " AGG_FN("a.aggtransfn") ", format_type(a.aggtranstype, NULL),"
	"  CASE WHEN a.aggtransspace <> 0 THEN ', SSPACE = ' || a.aggtransspace END,"
	"  ', FINALFUNC = ' || " AGG_FN("a.aggfinalfn") ","
	"  CASE WHEN a.aggfinalextra THEN ', FINALFUNC_EXTRA' END,"
	"  CASE WHEN a.aggfinalfn::oid <> 0 THEN ', FINALFUNC_MODIFY = ' || CASE a.aggfinalmodify WHEN 'r' THEN 'READ_ONLY'"
	"   WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,"
	"  ', COMBINEFUNC = ' || " AGG_FN("a.aggcombinefn") ","
	"  ', SERIALFUNC = ' || " AGG_FN("a.aggserialfn") ","
	"  ', DESERIALFUNC = ' || " AGG_FN("a.aggdeserialfn") ","
	"  ', INITCOND = ' || quote_literal(a.agginitval),"
	"  ', MSFUNC = ' || " AGG_FN("a.aggmtransfn") ","
	"  ', MINVFUNC = ' || " AGG_FN("a.aggminvtransfn") ","
	"  CASE WHEN a.aggmtranstype <> 0 THEN ', MSTYPE = ' || format_type(a.aggmtranstype, NULL) END,"
	"  CASE WHEN a.aggmtransspace <> 0 THEN ', MSSPACE = ' || a.aggmtransspace END,"
	"  ', MFINALFUNC = ' || " AGG_FN("a.aggmfinalfn") ","
	"  CASE WHEN a.aggmfinalextra THEN ', MFINALFUNC_EXTRA' END,"
	"  CASE WHEN a.aggmfinalfn::oid <> 0 THEN ', MFINALFUNC_MODIFY = ' || CASE a.aggmfinalmodify WHEN 'r' THEN 'READ_ONLY'"
	"   WHEN 's' THEN 'SHAREABLE' ELSE 'READ_WRITE' END END,"
	"  ', MINITCOND = ' || quote_literal(a.aggminitval),"
	"  (SELECT format(', SORTOP = OPERATOR(%I.%s)', opn.nspname, op.oprname) FROM pg_operator op"
	"   JOIN pg_namespace opn ON opn.oid = op.oprnamespace WHERE op.oid = a.aggsortop),"
	"  CASE p.proparallel WHEN 's' THEN ', PARALLEL = SAFE' WHEN 'r' THEN ', PARALLEL = RESTRICTED' END"
	"  || CASE WHEN a.aggkind = 'h' THEN ', HYPOTHETICAL' ELSE '' END),"
	" 'a', true, false, NULL, NULL, NULL"
	" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_aggregate a ON a.aggfnoid = p.oid"
	" WHERE p.prokind = 'a' AND " NS_OK("n") " AND " NOT_EXT(CLS_PROC, "p.oid");

/* Extended statistics of a table (stxstattarget 13+, NULL for the default in 17+, through to_jsonb). */
static const char q_statistics[] =
	"SELECT " CLS_STATISTIC_EXT ", s.oid, n.nspname, s.stxname, format('%I.%I', n.nspname, s.stxname),"
	" format('%I.%I', tn.nspname, c.relname), format('STATISTICS %I.%I', n.nspname, s.stxname),"
	" pg_get_statisticsobjdef(s.oid) || ';' || coalesce(CASE WHEN (to_jsonb(s) ->> 'stxstattarget')::int >= 0 THEN"
	"  format(E'\\nALTER STATISTICS %I.%I SET STATISTICS %s;', n.nspname, s.stxname, to_jsonb(s) ->> 'stxstattarget')"
	"  END, ''),"
	" NULL, true, false, NULL, NULL, NULL"
	" FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace JOIN pg_class c ON c.oid = s.stxrelid"
	" JOIN pg_namespace tn ON tn.oid = c.relnamespace"
	" WHERE " NS_OK("n") " AND " REL_OK("tn", "c") " AND " IN_SCOPE("tn", "c");

/*
 * Publications: the CREATE with its options, then one ALTER PUBLICATION
 * ... ADD line per table (ONLY: an inheritance parent alone) or schema, so
 * that a change is a difference of lines.  Column lists, row filters and
 * schemas are 15+ (Q_PUBLICATIONS's argument: the table's extra clause).
 * Read only without --schema, or when a table of it is in one of them.
 */
#define Q_PUBLICATIONS(rel_extra, schemas) \
	"SELECT " CLS_PUBLICATION ", p.oid, NULL, p.pubname, quote_ident(p.pubname), NULL," \
	" 'PUBLICATION ' || quote_ident(p.pubname)," \
	" concat(format('CREATE PUBLICATION %I%s WITH (publish = %L, publish_via_partition_root = %s);', p.pubname," \
	"  CASE WHEN p.puballtables THEN ' FOR ALL TABLES' ELSE '' END," \
	"  concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END," \
	"   CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END), p.pubviaroot::text)," \
	"  (SELECT string_agg(format(E'\\nALTER PUBLICATION %I ADD TABLE ONLY %I.%I%s;', p.pubname, rn.nspname, rc.relname," \
	"    " rel_extra "), '' ORDER BY rn.nspname COLLATE \"C\", rc.relname COLLATE \"C\")" \
	"   FROM pg_publication_rel pr JOIN pg_class rc ON rc.oid = pr.prrelid" \
	"   JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE pr.prpubid = p.oid)" schemas ")," \
	" NULL, true, false, (SELECT string_agg('" CLS_PUBLICATION_REL ":' || pr.oid, ' ') FROM pg_publication_rel pr" \
	"  WHERE pr.prpubid = p.oid), NULL, NULL" \
	" FROM pg_publication p WHERE cardinality($1::text[]) = 0 OR EXISTS (SELECT FROM pg_publication_rel pr" \
	"  JOIN pg_class rc ON rc.oid = pr.prrelid JOIN pg_namespace n ON n.oid = rc.relnamespace" \
	"  WHERE pr.prpubid = p.oid AND " NS_OK("n") ")"
static const char q_publications[] = Q_PUBLICATIONS(
	"(SELECT ' (' || string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) || ')' FROM pg_attribute a"
	"  WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs::int2[]))"
	" || coalesce(' WHERE (' || pg_get_expr(pr.prqual, pr.prrelid) || ')', '')",
	", (SELECT string_agg(format(E'\\nALTER PUBLICATION %I ADD TABLES IN SCHEMA %I;', p.pubname, sn.nspname), ''"
	"  ORDER BY sn.nspname COLLATE \"C\") FROM pg_publication_namespace ps JOIN pg_namespace sn ON sn.oid = ps.pnnspid"
	"  WHERE ps.pnpubid = p.oid)");
static const char q_publications_14[] = Q_PUBLICATIONS("''", "");

/*
 * Default privileges (ALTER DEFAULT PRIVILEGES), one object per role,
 * schema (or none: every schema) and object type.  Lines relative to what
 * holds without them: acldefault for the global ones, nothing for a
 * schema's (they only add).  Global ones only without --schema.
 */
static const char q_default_acls[] =
	"WITH d AS (SELECT da.oid, da.defaclrole AS role, n.nspname, da.defaclobjtype AS objtype, da.defaclacl AS acl,"
	"  CASE WHEN da.defaclnamespace = 0 THEN acldefault(CASE da.defaclobjtype WHEN 'S' THEN 's'"
	"   ELSE da.defaclobjtype END, da.defaclrole) END AS base,"
	"  CASE da.defaclobjtype WHEN 'r' THEN 'TABLES' WHEN 'S' THEN 'SEQUENCES' WHEN 'f' THEN 'FUNCTIONS'"
	"   WHEN 'T' THEN 'TYPES' WHEN 'n' THEN 'SCHEMAS' ELSE 'LARGE OBJECTS' END AS word,"
	"  format('FOR ROLE %I%s', pg_get_userbyid(da.defaclrole), ' IN SCHEMA ' || quote_ident(n.nspname)) AS head"
	"  FROM pg_default_acl da LEFT JOIN pg_namespace n ON n.oid = da.defaclnamespace"
	"  WHERE (da.defaclnamespace = 0 AND cardinality($1::text[]) = 0) OR (n.oid IS NOT NULL AND " NS_OK("n") ")"
	"), a AS ("
	" (SELECT d.oid, true AS granted, x.grantee, x.is_grantable, x.privilege_type FROM d, aclexplode(d.acl) x"
	"  EXCEPT SELECT d.oid, true, x.grantee, x.is_grantable, x.privilege_type FROM d, aclexplode(d.base) x)"
	" UNION ALL"
	" (SELECT d.oid, false, x.grantee, x.is_grantable, x.privilege_type FROM d, aclexplode(d.base) x"
	"  EXCEPT SELECT d.oid, false, x.grantee, x.is_grantable, x.privilege_type FROM d, aclexplode(d.acl) x)"
	"), g AS (SELECT a.oid, a.granted, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee))"
	"  END AS who, a.is_grantable, string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type COLLATE \"C\") AS privs"
	"  FROM a GROUP BY 1, 2, 3, 4)"
	" SELECT " CLS_DEFAULT_ACL ", d.oid, d.nspname, d.head || ' ON ' || d.word, d.head || ' ON ' || d.word, NULL,"
	"  'ALTER DEFAULT PRIVILEGES ' || d.head || ' ',"
	"  string_agg(CASE WHEN g.granted THEN format('ALTER DEFAULT PRIVILEGES %s GRANT %s ON %s TO %s%s;', d.head, g.privs,"
	"   d.word, g.who, CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)"
	"   ELSE format('ALTER DEFAULT PRIVILEGES %s REVOKE %s ON %s FROM %s;', d.head, g.privs, d.word, g.who) END, E'\\n'"
	"   ORDER BY g.granted, g.who COLLATE \"C\", g.is_grantable),"
	"  d.objtype::text, true, false, NULL, NULL, NULL"
	" FROM d JOIN g ON g.oid = d.oid GROUP BY d.oid, d.nspname, d.head, d.word, d.objtype";

/*
 * Column privileges of every table: 0 table oid, 1 column number, 2 the GRANT line.  Read
 * as the table's own (pg_attribute.attacl has no default: every entry is
 * a grant).
 */
static const char q_column_privileges[] =
	"SELECT * FROM (SELECT c.oid AS rel, a.attnum AS num, format('GRANT %s ON TABLE %I.%I TO %s%s;', string_agg(format('%s (%I)', x.privilege_type,"
	"  a.attname), ', ' ORDER BY x.privilege_type COLLATE \"C\"), n.nspname, c.relname,"
	"  CASE WHEN x.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(x.grantee)) END,"
	"  CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS line"
	" FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace,"
	" aclexplode(a.attacl) x"
	" WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')"
	" AND x.grantee <> c.relowner AND " REL_OK("n", "c") " AND " IN_SCOPE("n", "c")
	" GROUP BY c.oid, a.attnum, a.attname, n.nspname, c.relname, x.grantee, x.is_grantable"
	") p ORDER BY rel, num, line COLLATE \"C\"";

/*
 * What is in the managed schemas (or the database, for objects in none)
 * but not modelled: 0 kind, 1 its plural, 2 quoted name.  Arrays, shell
 * types, the members of extensions and what a type makes for itself (a
 * range's casts to its multirange) are left out.
 */
#define GLOBAL_OK " AND cardinality($1::text[]) = 0"
static const char q_unmodelled[] =
	"SELECT * FROM ("
	" SELECT 'base type' AS kind, 'base types', format('%I.%I', n.nspname, t.typname) AS name FROM pg_type t"
	"  JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype = 'b' AND t.typisdefined"
	"  AND NOT EXISTS (SELECT FROM pg_type e WHERE e.typarray = t.oid) AND " NS_OK("n") " AND " NOT_EXT(CLS_TYPE, "t.oid")
	" UNION ALL SELECT 'foreign table', 'foreign tables', format('%I.%I', n.nspname, c.relname) FROM pg_class c"
	"  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'f' AND " REL_OK("n", "c")
	" UNION ALL SELECT 'table access method', 'table access methods', format('%I.%I USING %I', n.nspname, c.relname,"
	"  am.amname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = c.relam"
	"  WHERE c.relkind IN ('r', 'p', 'm') AND am.amname <> 'heap' AND " REL_OK("n", "c")
	" UNION ALL SELECT 'tablespace', 'tablespaces', format('%I.%I IN %I', n.nspname, c.relname, ts.spcname)"
	"  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_tablespace ts ON ts.oid = c.reltablespace"
	"  WHERE c.relkind IN ('r', 'p', 'm', 'i') AND " REL_OK("n", "c")
	" UNION ALL SELECT 'rule', 'rules', format('%I ON %I.%I', r.rulename, n.nspname, c.relname) FROM pg_rewrite r"
	"  JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace"
	"  WHERE r.rulename <> '_RETURN' AND " REL_OK("n", "c")
	" UNION ALL SELECT 'operator', 'operators', format('%I.%s(%s, %s)', n.nspname, o.oprname,"
	"  coalesce(format_type(nullif(o.oprleft, 0), NULL), 'NONE'), coalesce(format_type(nullif(o.oprright, 0), NULL),"
	"  'NONE')) FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace"
	"  WHERE " NS_OK("n") " AND " NOT_EXT("2617", "o.oid")
	" UNION ALL SELECT 'operator class', 'operator classes', format('%I.%I', n.nspname, o.opcname) FROM pg_opclass o"
	"  JOIN pg_namespace n ON n.oid = o.opcnamespace WHERE " NS_OK("n") " AND " NOT_EXT("2616", "o.oid")
	" UNION ALL SELECT 'operator family', 'operator families', format('%I.%I', n.nspname, o.opfname)"
	"  FROM pg_opfamily o JOIN pg_namespace n ON n.oid = o.opfnamespace"
	"  WHERE " NS_OK("n") " AND " NOT_EXT("2753", "o.oid")
	" UNION ALL SELECT 'text search configuration', 'text search configurations', format('%I.%I', n.nspname,"
	"  o.cfgname) FROM pg_ts_config o JOIN pg_namespace n ON n.oid = o.cfgnamespace"
	"  WHERE " NS_OK("n") " AND " NOT_EXT("3602", "o.oid")
	" UNION ALL SELECT 'text search dictionary', 'text search dictionaries', format('%I.%I', n.nspname, o.dictname)"
	"  FROM pg_ts_dict o JOIN pg_namespace n ON n.oid = o.dictnamespace"
	"  WHERE " NS_OK("n") " AND " NOT_EXT("3600", "o.oid")
	" UNION ALL SELECT 'text search parser', 'text search parsers', format('%I.%I', n.nspname, o.prsname)"
	"  FROM pg_ts_parser o JOIN pg_namespace n ON n.oid = o.prsnamespace"
	"  WHERE " NS_OK("n") " AND " NOT_EXT("3601", "o.oid")
	" UNION ALL SELECT 'text search template', 'text search templates', format('%I.%I', n.nspname, o.tmplname)"
	"  FROM pg_ts_template o JOIN pg_namespace n ON n.oid = o.tmplnamespace"
	"  WHERE " NS_OK("n") " AND " NOT_EXT("3764", "o.oid")
	" UNION ALL SELECT 'conversion', 'conversions', format('%I.%I', n.nspname, o.conname) FROM pg_conversion o"
	"  JOIN pg_namespace n ON n.oid = o.connamespace WHERE " NS_OK("n") " AND " NOT_EXT("2607", "o.oid")
	" UNION ALL SELECT 'event trigger', 'event triggers', quote_ident(o.evtname) FROM pg_event_trigger o"
	"  WHERE " NOT_EXT("3466", "o.oid") GLOBAL_OK
	" UNION ALL SELECT 'foreign-data wrapper', 'foreign-data wrappers', quote_ident(o.fdwname)"
	"  FROM pg_foreign_data_wrapper o WHERE " NOT_EXT("2328", "o.oid") GLOBAL_OK
	" UNION ALL SELECT 'foreign server', 'foreign servers', quote_ident(o.srvname) FROM pg_foreign_server o"
	"  WHERE " NOT_EXT("1417", "o.oid") GLOBAL_OK
	" UNION ALL SELECT 'cast', 'casts', format('(%s AS %s)', format_type(o.castsource, NULL),"
	"  format_type(o.casttarget, NULL)) FROM pg_cast o WHERE o.oid >= 16384 AND " NOT_EXT("2605", "o.oid")
	"  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 2605 AND d.objid = o.oid AND d.deptype = 'i')" GLOBAL_OK
	" UNION ALL SELECT 'language', 'languages', quote_ident(o.lanname) FROM pg_language o"
	"  WHERE o.oid >= 16384 AND " NOT_EXT("2612", "o.oid") GLOBAL_OK
	" UNION ALL SELECT 'transform', 'transforms', format('FOR %s LANGUAGE %I', format_type(o.trftype, NULL),"
	"  l.lanname) FROM pg_transform o JOIN pg_language l ON l.oid = o.trflang WHERE " NOT_EXT("3576", "o.oid") GLOBAL_OK
	" UNION ALL SELECT 'access method', 'access methods', quote_ident(o.amname) FROM pg_am o"
	"  WHERE o.oid >= 16384 AND " NOT_EXT("2601", "o.oid") GLOBAL_OK
	" UNION ALL SELECT 'subscription', 'subscriptions', quote_ident(o.subname) FROM pg_subscription o"
	"  WHERE o.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())" GLOBAL_OK
	") u ORDER BY kind COLLATE \"C\", name COLLATE \"C\"";

/*
 * 0 catalog, 1 oid, 2 column number, 3 quoted text, 4 quoted column name.
 * schema_load_tables: only the comments that may be of what it reads
 * again (the others' are copied): on the tables of $3, on what depends on
 * them (constraints, indexes, triggers, policies, statistics, owned
 * sequences; a superset), on the publications.
 */
static const char q_comments[] =
	"SELECT d.classoid, d.objoid, d.objsubid, quote_literal(d.description),"
	" CASE WHEN d.classoid = " CLS_CLASS " AND d.objsubid > 0 THEN (SELECT quote_ident(a.attname) FROM pg_attribute a"
	"  WHERE a.attrelid = d.objoid AND a.attnum = d.objsubid) END"
	" FROM pg_description d"
	" WHERE d.classoid IN (" CLS_CLASS ", " CLS_TYPE ", " CLS_PROC ", " CLS_NAMESPACE ", " CLS_CONSTRAINT ", "
	CLS_TRIGGER ", " CLS_POLICY ", " CLS_EXTENSION ", " CLS_COLLATION ", " CLS_STATISTIC_EXT ", " CLS_PUBLICATION ")"
	" AND (d.objoid >= 16384 OR d.classoid = " CLS_NAMESPACE ")"
	" AND (cardinality($3::text[]) = 0 OR d.classoid = " CLS_PUBLICATION " OR (d.classoid, d.objoid) IN (SELECT "
	CLS_CLASS ", x FROM unnest(" SCOPE_OIDS ") x UNION ALL SELECT r.classid, r.objid FROM pg_depend r"
	"  WHERE r.refclassid = " CLS_CLASS " AND r.refobjid = ANY (" SCOPE_OIDS ")))"
	" ORDER BY d.classoid, d.objoid, d.objsubid";

/*
 * Privileges as the difference between each ACL and the owner's default
 * (acldefault), leaving out the owner's own entries: 0 catalog, 1 oid,
 * 2 granted (false: a default taken away), 3 grantee, 4 grantable,
 * 5 privileges.  Namespaces include public (OID 2200, below 16384).
 */
static const char q_privileges[] =
	"WITH o AS ("
	" SELECT " CLS_CLASS "::oid AS cls, c.oid, CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::\"char\" AS t,"
	"  c.relowner AS owner, c.relacl AS acl FROM pg_class c"
	"  WHERE c.relacl IS NOT NULL AND c.oid >= 16384 AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
	"  AND (cardinality($3::text[]) = 0 OR c.oid = ANY (" SCOPE_OIDS ") OR c.oid = ANY (" OWNED_BY_SCOPE "))"
	/* schema_load_tables reads again only tables and their sequences */
	" UNION ALL SELECT " CLS_PROC ", p.oid, 'f', p.proowner, p.proacl FROM pg_proc p"
	"  WHERE p.proacl IS NOT NULL AND p.oid >= 16384 AND cardinality($3::text[]) = 0"
	" UNION ALL SELECT " CLS_TYPE ", t.oid, 'T', t.typowner, t.typacl FROM pg_type t"
	"  WHERE t.typacl IS NOT NULL AND t.oid >= 16384 AND cardinality($3::text[]) = 0"
	" UNION ALL SELECT " CLS_NAMESPACE ", n.oid, 'n', n.nspowner, n.nspacl FROM pg_namespace n"
	"  WHERE n.nspacl IS NOT NULL AND cardinality($3::text[]) = 0"
	"), a AS ("
	" (SELECT o.cls, o.oid, true AS granted, x.grantee, x.is_grantable, x.privilege_type"
	"   FROM o, aclexplode(o.acl) x WHERE x.grantee <> o.owner"
	"  EXCEPT SELECT o.cls, o.oid, true, x.grantee, x.is_grantable, x.privilege_type"
	"   FROM o, aclexplode(acldefault(o.t, o.owner)) x WHERE x.grantee <> o.owner)"
	" UNION ALL"
	" (SELECT o.cls, o.oid, false, x.grantee, x.is_grantable, x.privilege_type"
	"   FROM o, aclexplode(acldefault(o.t, o.owner)) x WHERE x.grantee <> o.owner"
	"  EXCEPT SELECT o.cls, o.oid, false, x.grantee, x.is_grantable, x.privilege_type"
	"   FROM o, aclexplode(o.acl) x WHERE x.grantee <> o.owner)"
	")"
	" SELECT * FROM (SELECT a.cls, a.oid, a.granted, CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
	"  ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS who, a.is_grantable,"
	"  string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type COLLATE \"C\") FROM a GROUP BY 1, 2, 3, 4, 5) g"
	" ORDER BY cls, oid, granted, who COLLATE \"C\", is_grantable";

/*
 * Dependencies among user objects (and on the public schema); extension
 * membership ('e') first, so that a member is known as its extension before
 * the edges that use it.
 */
#define DEP_COLS "SELECT d.classid, d.objid, d.refclassid, d.refobjid, d.deptype FROM pg_depend d"
#define DEP_OK \
	" d.deptype IN ('n', 'a', 'e') AND d.objid >= 16384 AND (d.refobjid >= 16384 OR d.refclassid = " \
	CLS_NAMESPACE ") AND d.classid IN (" CLS_CLASS ", " CLS_TYPE ", " CLS_PROC ", " CLS_NAMESPACE ", " CLS_CONSTRAINT \
	", " CLS_ATTRDEF ", " CLS_REWRITE ", " CLS_TRIGGER ", " CLS_POLICY ", " CLS_EXTENSION ", " CLS_COLLATION ", " \
	CLS_STATISTIC_EXT ", " CLS_PUBLICATION_REL ", " CLS_DEFAULT_ACL ")"
static const char q_depends[] = DEP_COLS " WHERE" DEP_OK " ORDER BY d.deptype <> 'e'";
/*
 * schema_load_tables: only the edges of what is read again (the edges of a
 * copied object are copied), found through pg_depend's indexes instead of
 * scanning it whole: the tables of $3, what depends on them (their
 * constraints, indexes, defaults, triggers, policies, statistics, owned
 * sequences), the indexes of their constraints, the publications; and
 * extension membership, as above.
 */
static const char q_depends_tables[] =
	"SELECT * FROM (WITH t AS (SELECT c.oid, c.reltype FROM unnest($3::text[]) q JOIN pg_class c ON c.oid = to_regclass(q)),"
	" o AS (SELECT " CLS_CLASS "::oid AS cls, t.oid FROM t UNION SELECT " CLS_TYPE ", t.reltype FROM t"
	"  UNION SELECT r.classid, r.objid FROM t JOIN pg_depend r ON r.refclassid = " CLS_CLASS " AND r.refobjid = t.oid"
	"  UNION SELECT " CLS_CLASS ", i.indexrelid FROM t JOIN pg_index i ON i.indrelid = t.oid"
	"  UNION SELECT " CLS_PUBLICATION ", p.oid FROM pg_publication p"
	"  UNION SELECT " CLS_PUBLICATION_REL ", p.oid FROM pg_publication_rel p)"
	" SELECT d.* FROM o CROSS JOIN LATERAL (" DEP_COLS " WHERE d.classid = o.cls AND d.objid = o.oid AND" DEP_OK
	"  OFFSET 0) d"	/* OFFSET 0: one index lookup per object, never a scan of pg_depend */
	" UNION ALL " DEP_COLS " WHERE d.refclassid = " CLS_EXTENSION " AND d.deptype = 'e' AND" DEP_OK
	") d ORDER BY d.deptype <> 'e'";

/*
 * schema_load_tables runs on one connection again and again (a step of new
 * --from-schema each): its queries are prepared there once, as named
 * statements, and run with a generic plan, planned once (planning them was
 * half the time of a read).  Which statements a connection has is its own
 * state (libpq instance data of an event procedure: freed with the
 * connection, emptied when it is reset); a statement is named by a hash of
 * its text.  A name already taken by someone else's statement, or a
 * statement gone (DEALLOCATE ALL, DISCARD ALL), fails the read: it is read
 * again with unnamed statements, as are all reads on that connection after.
 */
struct conn_state {
	uint64_t *prepared;	/* hashes of the statements prepared on the connection */
	size_t n, cap;
	bool unnamed;		/* prepare nothing more on it */
};

static int conn_event(PGEventId id, void *info, void *pass)
{
	struct conn_state *st;

	(void)pass;
	switch (id) {
	case PGEVT_CONNRESET:	/* a new session: the statements are gone */
		if ((st = PQinstanceData(((PGEventConnReset *)info)->conn, conn_event))) {
			st->n = 0;
			st->unnamed = false;
		}
		break;
	case PGEVT_CONNDESTROY:
		if ((st = PQinstanceData(((PGEventConnDestroy *)info)->conn, conn_event))) {
			free(st->prepared);
			free(st);
		}
		break;
	default:
		break;
	}
	return 1;
}

/* conn's state, made on first use; NULL when it cannot hold one (unnamed statements then). */
static struct conn_state *conn_state(PGconn *conn)
{
	struct conn_state *st = PQinstanceData(conn, conn_event);

	if (st)
		return st->unnamed ? NULL : st;
	if (!PQregisterEventProc(conn, conn_event, "pgshift schema load", NULL))
		return NULL;
	st = xcalloc(1, sizeof(*st));
	if (!PQsetInstanceData(conn, conn_event, st)) {
		free(st);
		return NULL;
	}
	return st;
}

static bool state_has(const struct conn_state *st, uint64_t h)
{
	for (size_t i = 0; i < st->n; i++)
		if (st->prepared[i] == h)
			return true;
	return false;
}

static void state_add(struct conn_state *st, uint64_t h)
{
	if (state_has(st, h))
		return;
	if (st->n == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 16;
		st->prepared = xrealloc(st->prepared, st->cap * sizeof(*st->prepared));
	}
	st->prepared[st->n++] = h;
}

/* FNV-1a: a statement's name from its text. */
static uint64_t text_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

/*
 * The text of sql for schema_load_tables: every "$3 is empty" (read every
 * table) made false, so that the generic plan restricts by the tables of $3
 * through the catalogs' indexes instead of keeping both ways.  New string.
 */
static char *tables_sql(const char *sql)
{
	static const char all[] = "cardinality($3::text[]) = 0";
	struct buf b = BUF_INIT;
	const char *p;

	while ((p = strstr(sql, all))) {
		buf_add(&b, sql, (size_t)(p - sql));
		buf_adds(&b, "false");
		sql = p + sizeof(all) - 1;
	}
	buf_adds(&b, sql);
	return buf_detach(&b);
}

/* (catalog, oid) -> load index; alias entries are found by edges but never named by comments or grants. */
struct slot {
	uint64_t key;	/* 0: empty */
	size_t obj;
	bool alias;
	bool kept;	/* schema_load_tables: an object copied from the model before (edges to it only) */
};

struct loader {
	PGconn *conn;
	struct schema_model *m;
	const char *params[3];
	struct slot *slots;
	size_t nslots, used;
	char **tail;		/* by load index: a table's SQL after its columns */
	unsigned int *post_oid;	/* by load index: the table of a sequence's OWNED BY */
	size_t cap;
	size_t first;		/* the first object read here (those before it were copied) */
	const char **sent;	/* the queries sent in one pipeline, in the order run() takes their results */
	size_t nsent, next;
	struct conn_state *state;	/* schema_load_tables: the statements prepared on conn (NULL: unnamed) */
	uint64_t *prep;		/* by sent index: the statement prepared just before it (0: none) */
	bool retry;		/* a prepared statement was missing or its name taken: read again unnamed */
};

static uint64_t slot_key(unsigned int cls, unsigned int oid)
{
	return ((uint64_t)cls << 32) | oid;
}

static void map_put(struct loader *l, unsigned int cls, unsigned int oid, size_t obj, bool alias, bool kept)
{
	uint64_t k = slot_key(cls, oid);
	size_t i;

	if (!cls || !oid)
		return;
	if (2 * (l->used + 1) > l->nslots) {
		struct slot *old = l->slots;
		size_t n = l->nslots;
		l->nslots = n ? 2 * n : 1024;
		l->slots = xcalloc(l->nslots, sizeof(*l->slots));
		l->used = 0;
		for (size_t j = 0; j < n; j++)
			if (old[j].key)
				map_put(l, (unsigned int)(old[j].key >> 32), (unsigned int)old[j].key, old[j].obj,
					old[j].alias, old[j].kept);
		free(old);
	}
	for (i = (k * 0x9E3779B97F4A7C15ull) >> 20 & (l->nslots - 1); l->slots[i].key; i = (i + 1) & (l->nslots - 1))
		if (l->slots[i].key == k)
			return;	/* the first owner keeps it */
	l->slots[i] = (struct slot){ k, obj, alias, kept };
	l->used++;
}

static const struct slot *map_get(const struct loader *l, unsigned int cls, unsigned int oid)
{
	uint64_t k = slot_key(cls, oid);

	if (!l->nslots)
		return NULL;
	for (size_t i = (k * 0x9E3779B97F4A7C15ull) >> 20 & (l->nslots - 1); l->slots[i].key;
	     i = (i + 1) & (l->nslots - 1))
		if (l->slots[i].key == k)
			return &l->slots[i];
	return NULL;
}

static unsigned int oid_at(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 : (unsigned int)strtoul(PQgetvalue(r, row, col), NULL, 10);
}

static char *str_at(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : xstrdup(PQgetvalue(r, row, col));
}

/* NULL with err from r (which it frees); a prepared statement missing or its name taken asks for a retry. */
static PGresult *fail_result(struct loader *l, PGresult *r, const char *what, struct pgs_error *err)
{
	const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	/* 26000: no such prepared statement; 42P05: its name is taken */
	if (l->state && code && (!strcmp(code, "26000") || !strcmp(code, "42P05")))
		l->retry = true;
	db_result_error(l->conn, PQresultStatus(r) == PGRES_PIPELINE_ABORTED ? NULL : r, what, err);
	PQclear(r);
	return NULL;
}

/*
 * The result of the next query of the pipeline (sql, which must be the one
 * sent next: the handlers take them in the order load() sent them), and
 * its end-of-query marker; status want, else NULL with err.
 */
static PGresult *next_result(struct loader *l, const char *sql, ExecStatusType want, const char *what,
			     struct pgs_error *err)
{
	PGresult *r, *end;

	if (l->next >= l->nsent || l->sent[l->next] != sql)
		xfatal("schema load: a query was taken out of the order it was sent in");
	if (l->prep && l->prep[l->next]) {	/* its statement's PQsendPrepare */
		r = PQgetResult(l->conn);
		end = r ? PQgetResult(l->conn) : NULL;
		PQclear(end);
		if (PQresultStatus(r) == PGRES_COMMAND_OK)
			state_add(l->state, l->prep[l->next]);
		else if (PQresultStatus(r) != PGRES_PIPELINE_ABORTED) {
			l->next++;
			return fail_result(l, r, what, err);
		}
		PQclear(r);
	}
	l->next++;
	r = PQgetResult(l->conn);
	end = r ? PQgetResult(l->conn) : NULL;
	PQclear(end);
	if (PQresultStatus(r) != want)
		return fail_result(l, r, what, err);
	return r;
}

static PGresult *run(struct loader *l, const char *sql, const char *what, struct pgs_error *err)
{
	return next_result(l, sql, PGRES_TUPLES_OK, what, err);
}

/* A command of the pipeline (BEGIN, SET, COMMIT): -1 with err when it failed. */
static int run_command(struct loader *l, const char *sql, const char *what, struct pgs_error *err)
{
	PGresult *r = next_result(l, sql, PGRES_COMMAND_OK, what, err);

	PQclear(r);
	return r ? 0 : -1;
}

static void grow(struct loader *l)
{
	if (l->m->n <= l->cap)
		return;
	size_t old = l->cap;
	l->cap = l->m->cap;
	l->tail = xrealloc(l->tail, l->cap * sizeof(*l->tail));
	l->post_oid = xrealloc(l->post_oid, l->cap * sizeof(*l->post_oid));
	for (size_t i = old; i < l->cap; i++) {
		l->tail[i] = NULL;
		l->post_oid[i] = 0;
	}
}

static int load_objects(struct loader *l, enum schema_kind kind, const char *sql, const char *what,
			struct pgs_error *err)
{
	PGresult *r = run(l, sql, what, err);

	if (!r)
		return -1;
	for (int row = 0; row < PQntuples(r); row++) {
		const char *sub = PQgetvalue(r, row, 8);
		enum schema_kind k = kind == SCHEMA_KIND_VIEW && sub[0] == 'm' ? SCHEMA_KIND_MATVIEW : kind;
		struct schema_object *o = schema_add(l->m, k, PQgetisnull(r, row, 2) ? NULL : PQgetvalue(r, row, 2),
						     PQgetvalue(r, row, 3), PQgetvalue(r, row, 4));
		size_t idx = l->m->n - 1;
		char *aliases = PQgetvalue(r, row, 11), *end;

		grow(l);
		o->oid = oid_at(r, row, 1);
		o->table = str_at(r, row, 5);
		o->ref = str_at(r, row, 6);
		o->create_sql = xasprintf("%s\n", PQgetvalue(r, row, 7));
		o->subkind = sub[0];
		o->valid = PQgetvalue(r, row, 9)[0] == 't';
		o->partition = PQgetvalue(r, row, 10)[0] == 't';
		map_put(l, oid_at(r, row, 0), o->oid, idx, false, false);
		while (*aliases) {
			unsigned long cls = strtoul(aliases, &end, 10), oid;
			if (*end != ':')
				break;
			oid = strtoul(end + 1, &end, 10);
			map_put(l, (unsigned int)cls, (unsigned int)oid, idx, true, false);
			aliases = end + (*end == ' ');
		}
		if (kind == SCHEMA_KIND_TABLE) {
			l->tail[idx] = str_at(r, row, 12);
			if (!PQgetisnull(r, row, 14)) {
				o->post_sql = xasprintf("%s\n", PQgetvalue(r, row, 14));
				l->post_oid[idx] = oid_at(r, row, 13);
			}
		} else if (!PQgetisnull(r, row, 12)) {
			o->post_sql = xasprintf("%s\n", PQgetvalue(r, row, 12));
			l->post_oid[idx] = oid_at(r, row, 13);
		}
	}
	PQclear(r);
	return 0;
}

static int load_columns(struct loader *l, struct pgs_error *err)
{
	PGresult *r = run(l, l->m->server_version >= 140000 ? q_columns : q_columns_13, "could not read the columns", err);

	if (!r)
		return -1;
	for (int row = 0; row < PQntuples(r); row++) {
		const struct slot *s = map_get(l, OID_CLASS, oid_at(r, row, 0));
		struct schema_object *o;

		if (!s || s->alias || s->kept)
			continue;
		o = &l->m->objects[s->obj];
		map_put(l, OID_ATTRDEF, oid_at(r, row, 3), s->obj, true, false);
		if (PQgetvalue(r, row, 4)[0] != 't')
			continue;	/* a partition's or inheritance child's column that its parent makes */
		o->parts = xrealloc(o->parts, (o->nparts + 1) * sizeof(*o->parts));
		o->parts[o->nparts].name = xstrdup(PQgetvalue(r, row, 1));
		o->parts[o->nparts].sql = xstrdup(PQgetvalue(r, row, 2));
		o->parts[o->nparts].type = xstrdup(PQgetvalue(r, row, 5));
		o->parts[o->nparts].collation = str_at(r, row, 6);
		o->parts[o->nparts].default_expr = str_at(r, row, 7);
		o->parts[o->nparts].generated = str_at(r, row, 8);
		o->parts[o->nparts].not_null = PQgetvalue(r, row, 9)[0] == 't';
		o->parts[o->nparts].identity = str_at(r, row, 10);
		o->parts[o->nparts].storage = str_at(r, row, 11);
		o->parts[o->nparts].type_storage = str_at(r, row, 12);
		o->parts[o->nparts].compression = str_at(r, row, 13);
		o->parts[o->nparts].stattarget = PQgetisnull(r, row, 14) ? -1 : atoi(PQgetvalue(r, row, 14));
		o->nparts++;
	}
	PQclear(r);
	return 0;
}

static int load_type_parts(struct loader *l, struct pgs_error *err)
{
	PGresult *r = run(l, q_type_parts, "could not read the domains' and composite types' pieces", err);

	if (!r)
		return -1;
	for (int row = 0; row < PQntuples(r); row++) {
		const struct slot *s = map_get(l, OID_TYPE, oid_at(r, row, 0));
		struct schema_object *o;
		struct schema_part *p;

		if (!s || s->alias)
			continue;
		o = &l->m->objects[s->obj];
		if (o->kind != SCHEMA_KIND_DOMAIN && o->kind != SCHEMA_KIND_COMPOSITE)
			continue;
		o->parts = xrealloc(o->parts, (o->nparts + 1) * sizeof(*o->parts));
		p = &o->parts[o->nparts++];
		memset(p, 0, sizeof(*p));
		p->name = str_at(r, row, 1);
		p->sql = str_at(r, row, 2);
		p->type = str_at(r, row, 3);
		p->collation = str_at(r, row, 4);
		p->default_expr = str_at(r, row, 5);
		p->not_null = PQgetvalue(r, row, 6)[0] == 't';
		p->stattarget = -1;
	}
	PQclear(r);
	return 0;
}

static void append(char **field, const char *s)
{
	char *old = *field;

	*field = xasprintf("%s%s", old ? old : "", s);
	free(old);
}

static int load_column_privileges(struct loader *l, struct pgs_error *err)
{
	PGresult *r = run(l, q_column_privileges, "could not read the column privileges", err);

	if (!r)
		return -1;
	for (int row = 0; row < PQntuples(r); row++) {
		const struct slot *s = map_get(l, OID_CLASS, oid_at(r, row, 0));
		char *stmt;

		if (!s || s->alias || s->kept)
			continue;
		stmt = xasprintf("%s\n", PQgetvalue(r, row, 2));
		append(&l->m->objects[s->obj].grant_sql, stmt);
		free(stmt);
	}
	PQclear(r);
	return 0;
}

/* The objects of kinds the model does not hold (schema_load_tables copies before's instead). */
static int load_unmodelled(struct loader *l, const struct schema_model *before, struct pgs_error *err)
{
	PGresult *r = NULL;
	size_t n;

	if (!before && !(r = run(l, q_unmodelled, "could not read the objects pgshift does not model", err)))
		return -1;
	n = before ? before->nunmodelled : (size_t)PQntuples(r);
	l->m->unmodelled = xcalloc(n + 1, sizeof(*l->m->unmodelled));
	for (size_t i = 0; i < n; i++) {
		struct schema_unmodelled *u = &l->m->unmodelled[i];

		if (before) {
			u->kind = xstrdup(before->unmodelled[i].kind);
			u->kinds = xstrdup(before->unmodelled[i].kinds);
			u->name = xstrdup(before->unmodelled[i].name);
		} else {
			u->kind = xstrdup(PQgetvalue(r, (int)i, 0));
			u->kinds = xstrdup(PQgetvalue(r, (int)i, 1));
			u->name = xstrdup(PQgetvalue(r, (int)i, 2));
		}
	}
	l->m->nunmodelled = n;
	PQclear(r);
	return 0;
}

static int load_comments(struct loader *l, struct pgs_error *err)
{
	PGresult *r = run(l, q_comments, "could not read the comments", err);

	if (!r)
		return -1;
	for (int row = 0; row < PQntuples(r); row++) {
		const struct slot *s = map_get(l, oid_at(r, row, 0), oid_at(r, row, 1));
		struct schema_object *o;
		char *stmt;

		if (!s || s->alias || s->kept)
			continue;
		o = &l->m->objects[s->obj];
		if (PQgetvalue(r, row, 2)[0] != '0') {
			if (PQgetisnull(r, row, 4) || o->kind == SCHEMA_KIND_COMPOSITE)
				continue;
			stmt = xasprintf("COMMENT ON COLUMN %s.%s IS %s;\n", o->qname, PQgetvalue(r, row, 4),
					 PQgetvalue(r, row, 3));
		} else {
			stmt = xasprintf("COMMENT ON %s IS %s;\n", o->ref, PQgetvalue(r, row, 3));
		}
		append(&o->comment_sql, stmt);
		free(stmt);
	}
	PQclear(r);
	return 0;
}

/* What GRANT names the object as ("TABLE x" for views too); NULL for kinds without privileges. */
static const char *grant_word(enum schema_kind k)
{
	switch (k) {
	case SCHEMA_KIND_TABLE:
	case SCHEMA_KIND_VIEW:
	case SCHEMA_KIND_MATVIEW:
		return "TABLE";
	case SCHEMA_KIND_SEQUENCE:
		return "SEQUENCE";
	case SCHEMA_KIND_FUNCTION:
		return "ROUTINE";
	case SCHEMA_KIND_AGGREGATE:
		return "FUNCTION";
	case SCHEMA_KIND_ENUM:
	case SCHEMA_KIND_COMPOSITE:
	case SCHEMA_KIND_RANGE:
		return "TYPE";
	case SCHEMA_KIND_DOMAIN:
		return "DOMAIN";
	case SCHEMA_KIND_SCHEMA:
		return "SCHEMA";
	default:
		return NULL;
	}
}

static int load_privileges(struct loader *l, struct pgs_error *err)
{
	PGresult *r = run(l, q_privileges, "could not read the privileges", err);

	if (!r)
		return -1;
	for (int row = 0; row < PQntuples(r); row++) {
		const struct slot *s = map_get(l, oid_at(r, row, 0), oid_at(r, row, 1));
		struct schema_object *o;
		const char *word;
		char *stmt;

		if (!s || s->alias || s->kept)
			continue;
		o = &l->m->objects[s->obj];
		if (!(word = grant_word(o->kind)))
			continue;
		if (PQgetvalue(r, row, 2)[0] == 't')
			stmt = xasprintf("GRANT %s ON %s %s TO %s%s;\n", PQgetvalue(r, row, 5), word, o->qname,
					 PQgetvalue(r, row, 3),
					 PQgetvalue(r, row, 4)[0] == 't' ? " WITH GRANT OPTION" : "");
		else
			stmt = xasprintf("REVOKE %s ON %s %s FROM %s;\n", PQgetvalue(r, row, 5), word, o->qname,
					 PQgetvalue(r, row, 3));
		append(&o->grant_sql, stmt);
		free(stmt);
	}
	PQclear(r);
	return 0;
}

static int load_depends(struct loader *l, bool all, struct pgs_error *err)
{
	PGresult *r = run(l, all ? q_depends : q_depends_tables, "could not read the dependencies", err);

	if (!r)
		return -1;
	for (int row = 0; row < PQntuples(r); row++) {
		const struct slot *from = map_get(l, oid_at(r, row, 0), oid_at(r, row, 1));
		const struct slot *to = map_get(l, oid_at(r, row, 2), oid_at(r, row, 3));

		if (PQgetvalue(r, row, 4)[0] == 'e') {
			/* a member of an extension stands for the extension */
			if (to && !from)
				map_put(l, oid_at(r, row, 0), oid_at(r, row, 1), to->obj, true, false);
			continue;
		}
		/* a copied object keeps the edges it was read with */
		if (!from || !to || from->kept || from->obj == to->obj)
			continue;
		/* OWNED BY: the table needs the sequence (its default), the OWNED BY runs after both */
		if (l->m->objects[from->obj].kind == SCHEMA_KIND_SEQUENCE &&
		    l->m->objects[to->obj].kind == SCHEMA_KIND_TABLE)
			continue;
		schema_depend(l->m, from->obj, to->obj);
	}
	PQclear(r);
	return 0;
}

/* Tables' CREATE from head, columns and tail; OWNED BY's table as an index. */
static void finish_objects(struct loader *l)
{
	for (size_t i = l->first; i < l->m->n; i++) {
		struct schema_object *o = &l->m->objects[i];

		if (o->kind == SCHEMA_KIND_TABLE) {
			struct buf b = BUF_INIT;
			size_t len = strlen(o->create_sql);

			buf_add(&b, o->create_sql, len - 1);	/* without its newline */
			if (!o->partition) {
				for (size_t k = 0; k < o->nparts; k++)
					buf_addf(&b, "%s\n    %s", k ? "," : "", o->parts[k].sql);
				buf_adds(&b, "\n)");
			}
			buf_addf(&b, "%s\n", l->tail[i] ? l->tail[i] : ";");
			for (size_t k = 0; k < o->nparts; k++)
				schema_column_settings(o->qname, &o->parts[k], &b);
			free(o->create_sql);
			o->create_sql = buf_detach(&b);
		}
		if (o->post_sql) {
			const struct slot *s = map_get(l, OID_CLASS, l->post_oid[i]);
			/* a table's replica identity index may be a constraint's (an alias of it) */
			if (s && (!s->alias || o->kind == SCHEMA_KIND_TABLE)) {
				o->post_dep = s->obj;
			} else {
				free(o->post_sql);	/* its table is not in the model */
				o->post_sql = NULL;
			}
		}
	}
}

struct keyed {
	const char *key;
	size_t idx;
};

static int by_keyed(const void *a, const void *b)
{
	return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

/* Sorts the objects by key and renumbers every index (dependencies, post_dep). */
static void renumber(struct schema_model *m)
{
	struct keyed *k = xmalloc((m->n + 1) * sizeof(*k));
	size_t *pos = xmalloc((m->n + 1) * sizeof(size_t));
	struct schema_object *sorted = xmalloc((m->cap + 1) * sizeof(*sorted));

	for (size_t i = 0; i < m->n; i++)
		k[i] = (struct keyed){ m->objects[i].key, i };
	qsort(k, m->n, sizeof(*k), by_keyed);
	for (size_t i = 0; i < m->n; i++) {
		pos[k[i].idx] = i;
		sorted[i] = m->objects[k[i].idx];
	}
	free(m->objects);
	m->objects = sorted;
	for (size_t i = 0; i < m->n; i++) {
		struct schema_object *o = &m->objects[i];
		size_t *deps = o->deps, nd = o->ndeps;

		o->deps = NULL;
		o->ndeps = 0;
		for (size_t d = 0; d < nd; d++)
			schema_depend(m, i, pos[deps[d]]);
		free(deps);
		if (o->post_dep != SCHEMA_NONE)
			o->post_dep = pos[o->post_dep];
	}
	free(k);
	free(pos);
}

/* A text[] literal of v[0..n). New string. */
static char *text_array(const char *const *v, size_t n)
{
	struct buf b = BUF_INIT;

	buf_addc(&b, '{');
	for (size_t i = 0; i < n; i++) {
		buf_adds(&b, i ? ",\"" : "\"");
		for (const char *p = v[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(&b, '\\');
			buf_addc(&b, *p);
		}
		buf_addc(&b, '"');
	}
	buf_addc(&b, '}');
	return buf_detach(&b);
}

/* The catalog an object's own OID is in. */
static unsigned int catalog_of(enum schema_kind k)
{
	switch (k) {
	case SCHEMA_KIND_SCHEMA:
		return 2615;
	case SCHEMA_KIND_EXTENSION:
		return 3079;
	case SCHEMA_KIND_ENUM:
	case SCHEMA_KIND_DOMAIN:
	case SCHEMA_KIND_COMPOSITE:
	case SCHEMA_KIND_RANGE:
		return 1247;
	case SCHEMA_KIND_FUNCTION:
	case SCHEMA_KIND_AGGREGATE:
		return 1255;
	case SCHEMA_KIND_COLLATION:
		return 3456;
	case SCHEMA_KIND_STATISTICS:
		return 3381;
	case SCHEMA_KIND_PUBLICATION:
		return 6104;
	case SCHEMA_KIND_DEFAULT_ACL:
		return 826;
	case SCHEMA_KIND_CONSTRAINT:
		return 2606;
	case SCHEMA_KIND_TRIGGER:
		return 2620;
	case SCHEMA_KIND_POLICY:
		return 3256;
	default:
		return OID_CLASS;	/* sequences, tables, views, indexes */
	}
}

static bool named(const char *const *v, size_t n, const char *x)
{
	for (size_t i = 0; x && i < n; i++)
		if (!strcmp(v[i], x))
			return true;
	return false;
}

/* Whether schema_load_tables reads o of `before` again: one of the tables, what belongs to it, a sequence it owns. */
static bool in_tables(const struct schema_model *before, const struct schema_object *o, const char *const *tables,
		      size_t n)
{
	if (o->kind == SCHEMA_KIND_TABLE)
		return named(tables, n, o->qname);
	if (o->kind == SCHEMA_KIND_PUBLICATION)
		return true;	/* read again whole: it may list the tables */
	if (o->kind == SCHEMA_KIND_SEQUENCE && o->post_dep != SCHEMA_NONE)
		return named(tables, n, before->objects[o->post_dep].qname);
	return named(tables, n, o->table);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Appends a copy of o (without its dependencies) to m. */
static void copy_object(struct schema_model *m, const struct schema_object *o)
{
	struct schema_object *c = schema_add(m, o->kind, o->schema, o->name, o->qname);

	c->table = dup_or_null(o->table);
	c->ref = dup_or_null(o->ref);
	c->create_sql = dup_or_null(o->create_sql);
	c->post_sql = dup_or_null(o->post_sql);
	c->comment_sql = dup_or_null(o->comment_sql);
	c->grant_sql = dup_or_null(o->grant_sql);
	c->subkind = o->subkind;
	c->valid = o->valid;
	c->partition = o->partition;
	c->oid = o->oid;
	c->nparts = o->nparts;
	c->parts = o->nparts ? xcalloc(o->nparts, sizeof(*c->parts)) : NULL;
	for (size_t k = 0; k < o->nparts; k++) {
		const struct schema_part *p = &o->parts[k];
		c->parts[k] = (struct schema_part){ xstrdup(p->name), xstrdup(p->sql), xstrdup(p->type),
						    dup_or_null(p->collation), dup_or_null(p->default_expr),
						    dup_or_null(p->generated), dup_or_null(p->identity), p->not_null,
						    dup_or_null(p->storage), dup_or_null(p->type_storage),
						    dup_or_null(p->compression), p->stattarget };
	}
}

/* An edge of a copied object to one that is read again: resolved by key once the model is sorted. */
struct pending {
	size_t from;		/* load index of the copied object */
	const char *key;	/* of the object it needs (owned by `before`) */
};

/*
 * Copies the objects of before that are not read again into l->m (load
 * indices 0 ..), with their edges among themselves; the edges to objects
 * read again go to *pend (new array of *npend, caller frees).
 */
static void copy_kept(struct loader *l, const struct schema_model *before, const char *const *tables, size_t n,
		      struct pending **pend, size_t *npend)
{
	size_t *pos = xmalloc((before->n + 1) * sizeof(*pos));
	size_t cap = 0;

	*pend = NULL;
	*npend = 0;
	for (size_t i = 0; i < before->n; i++) {
		const struct schema_object *o = &before->objects[i];

		pos[i] = SCHEMA_NONE;
		if (in_tables(before, o, tables, n))
			continue;
		pos[i] = l->m->n;
		copy_object(l->m, o);
		grow(l);
		map_put(l, catalog_of(o->kind), o->oid, pos[i], false, true);
	}
	for (size_t i = 0; i < before->n; i++) {
		const struct schema_object *o = &before->objects[i];

		if (pos[i] == SCHEMA_NONE)
			continue;
		for (size_t d = 0; d < o->ndeps; d++) {
			if (pos[o->deps[d]] != SCHEMA_NONE) {
				schema_depend(l->m, pos[i], pos[o->deps[d]]);
				continue;
			}
			if (*npend == cap) {
				cap = cap ? 2 * cap : 16;
				*pend = xrealloc(*pend, cap * sizeof(**pend));
			}
			(*pend)[(*npend)++] = (struct pending){ pos[i], before->objects[o->deps[d]].key };
		}
		if (o->post_dep != SCHEMA_NONE)
			l->m->objects[pos[i]].post_dep = pos[o->post_dep];
	}
	l->first = l->m->n;
	free(pos);
}

static const char q_begin[] = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
/* an empty search_path makes the deparsers qualify every name */
static const char q_search_path[] = "SET LOCAL search_path = ''";
static const char q_commit[] = "COMMIT";
/* schema_load_tables' prepared statements: planned once (their plan does not depend on the tables named) */
static const char q_generic[] = "SET LOCAL plan_cache_mode = force_generic_plan";

/* The queries of the objects of each kind, in the order they are read. */
struct obj_query {
	bool all_only;		/* kinds that never belong to a table: read only by schema_load */
	enum schema_kind kind;
	const char *sql;
	const char *what;
};

/*
 * Sends, in pipeline mode and in the order load() takes their results,
 * BEGIN (one snapshot for every query), the search path, the queries of
 * objs (those of all_only with all), those of the handlers after them, and
 * COMMIT, then a sync.  l->sent lists them; NULL when they could not be
 * sent (the pipeline ended again).
 */
static void send_all(struct loader *l, bool all, const struct obj_query *objs, size_t nobjs)
{
	static const Oid types[3] = { 1009, 25, 1009 };	/* text[], text, text[] */
	const char *after[] = { q_columns, q_type_parts, q_comments, q_privileges, q_column_privileges,
				q_unmodelled, all ? q_depends : q_depends_tables, q_commit };
	size_t nafter = sizeof(after) / sizeof(*after);
	bool ok;

	l->sent = xcalloc(nobjs + nafter + 4, sizeof(*l->sent));
	l->prep = l->state ? xcalloc(nobjs + nafter + 4, sizeof(*l->prep)) : NULL;
	l->sent[l->nsent++] = q_begin;
	l->sent[l->nsent++] = q_search_path;
	if (l->state)
		l->sent[l->nsent++] = q_generic;
	for (size_t i = 0; i < nobjs; i++)
		if (all || !objs[i].all_only)
			l->sent[l->nsent++] = objs[i].sql;
	/* the pieces of domains and composite types, and what is not modelled: only schema_load reads them */
	for (size_t i = 0; i < nafter; i++)
		if (all || (after[i] != q_type_parts && after[i] != q_unmodelled))
			l->sent[l->nsent++] = after[i];
	ok = PQenterPipelineMode(l->conn) == 1;
	for (size_t i = 0; ok && i < l->nsent; i++) {
		bool params = l->sent[i] != q_begin && l->sent[i] != q_search_path && l->sent[i] != q_generic &&
			      l->sent[i] != q_commit;

		if (params && l->state) {
			/* prepared after the SET LOCALs: planned with the search_path it runs with */
			char *text = tables_sql(l->sent[i]);
			uint64_t h = text_hash(text);
			char name[32];

			snprintf(name, sizeof(name), "pgshift_load_%016" PRIx64, h);
			if (!state_has(l->state, h)) {
				ok = PQsendPrepare(l->conn, name, text, 3, types) == 1;
				l->prep[i] = h;
			}
			free(text);
			ok = ok && PQsendQueryPrepared(l->conn, name, 3, l->params, NULL, NULL, 0) == 1;
			continue;
		}
		ok = PQsendQueryParams(l->conn, l->sent[i], params ? 3 : 0, params ? types : NULL,
				       params ? l->params : NULL, NULL, NULL, 0) == 1;
	}
	if (ok && PQpipelineSync(l->conn) == 1)
		return;
	PQexitPipelineMode(l->conn);
	free(l->sent);
	free(l->prep);
	l->sent = NULL;
	l->prep = NULL;
	l->nsent = 0;
}

/* Takes what is left of the pipeline (after a failure: aborted queries) up to its sync, and leaves pipeline mode. */
static void end_pipeline(PGconn *conn)
{
	PGresult *r;

	while (PQpipelineStatus(conn) != PQ_PIPELINE_OFF && PQstatus(conn) == CONNECTION_OK) {
		r = PQgetResult(conn);
		if (r && PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			PQexitPipelineMode(conn);
			break;
		}
		PQclear(r);
	}
	if (PQstatus(conn) != CONNECTION_OK)
		PQexitPipelineMode(conn);
}

/*
 * schema_load, or with before: schema_load_tables (tables[0..ntables) read
 * again, the rest copied from before), with the statements prepared on
 * conn when state is not NULL; *retry when it failed for them.
 */
static int load_once(PGconn *conn, const struct schema_filter *f, const struct schema_model *before,
		     const char *const *tables, size_t ntables, struct conn_state *state, struct schema_model *m,
		     bool *retry, struct pgs_error *err)
{
	struct loader l = { .conn = conn, .m = m, .state = state };
	char *schemas = text_array(f ? f->schemas : NULL, f ? f->nschemas : 0);
	char *scope = text_array(tables, before ? ntables : 0);
	struct pending *pend = NULL;
	size_t npend = 0;
	bool all = !before;
	/* the kinds that never belong to a table are read only by schema_load (all_only) */
	const struct obj_query objs[] = {
		{ true, SCHEMA_KIND_SCHEMA, q_schemas, "could not read the schemas" },
		{ true, SCHEMA_KIND_EXTENSION, q_extensions, "could not read the extensions" },
		{ true, SCHEMA_KIND_ENUM, q_enums, "could not read the enum types" },
		{ true, SCHEMA_KIND_DOMAIN, q_domains, "could not read the domains" },
		{ true, SCHEMA_KIND_COMPOSITE, q_composites, "could not read the composite types" },
		{ false, SCHEMA_KIND_SEQUENCE, q_sequences, "could not read the sequences" },
		{ true, SCHEMA_KIND_FUNCTION, q_functions, "could not read the functions" },
		{ false, SCHEMA_KIND_TABLE, q_tables, "could not read the tables" },
		{ true, SCHEMA_KIND_VIEW, q_views, "could not read the views" },
		{ false, SCHEMA_KIND_CONSTRAINT, q_constraints, "could not read the constraints" },
		{ false, SCHEMA_KIND_INDEX, q_indexes, "could not read the indexes" },
		{ false, SCHEMA_KIND_TRIGGER, PQserverVersion(conn) >= 130000 ? q_triggers : q_triggers_12,
		  "could not read the triggers" },
		{ false, SCHEMA_KIND_POLICY, q_policies, "could not read the policies" },
		{ true, SCHEMA_KIND_COLLATION, q_collations, "could not read the collations" },
		{ true, SCHEMA_KIND_RANGE, q_ranges, "could not read the range types" },
		{ true, SCHEMA_KIND_AGGREGATE, q_aggregates, "could not read the aggregates" },
		{ true, SCHEMA_KIND_DEFAULT_ACL, q_default_acls, "could not read the default privileges" },
		/* extended statistics belong to tables; publications may list the tables read again */
		{ false, SCHEMA_KIND_STATISTICS, q_statistics, "could not read the statistics objects" },
		{ false, SCHEMA_KIND_PUBLICATION, PQserverVersion(conn) >= 150000 ? q_publications : q_publications_14,
		  "could not read the publications" },
	};
	int rc = -1;

	memset(m, 0, sizeof(*m));
	m->server_version = PQserverVersion(conn);
	l.params[0] = schemas;
	l.params[1] = f && f->history_schema ? f->history_schema : "public";
	l.params[2] = scope;
	if (m->server_version < 120000) {
		err_set(err, EXIT_FAILURE_, "reading the schema needs PostgreSQL 12 or later (the server is %d)",
			m->server_version / 10000);
		goto out;
	}
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		err_set(err, EXIT_FAILURE_, "could not read the schema: the connection is inside a transaction");
		goto out;
	}
	if (before)
		copy_kept(&l, before, tables, ntables, &pend, &npend);
	/*
	 * Every query is sent at once (libpq's pipeline mode) and the results
	 * taken in that order: one round trip instead of one per query, which
	 * is most of the time of a read restricted to a few tables.
	 */
	send_all(&l, all, objs, sizeof(objs) / sizeof(*objs));
	if (!l.sent) {
		db_result_error(conn, NULL, "could not send the queries that read the schema", err);
		goto out;
	}
	if (run_command(&l, q_begin, "could not start reading the schema", err) < 0 ||
	    run_command(&l, q_search_path, "could not start reading the schema", err) < 0 ||
	    (state && run_command(&l, q_generic, "could not start reading the schema", err) < 0))
		goto fail;
	for (size_t i = 0; i < sizeof(objs) / sizeof(*objs); i++)
		if ((all || !objs[i].all_only) && load_objects(&l, objs[i].kind, objs[i].sql, objs[i].what, err) < 0)
			goto fail;
	if (load_columns(&l, err) < 0 || (all && load_type_parts(&l, err) < 0) || load_comments(&l, err) < 0 ||
	    load_privileges(&l, err) < 0 || load_column_privileges(&l, err) < 0 ||
	    load_unmodelled(&l, before, err) < 0 || load_depends(&l, all, err) < 0 ||
	    run_command(&l, q_commit, "could not finish reading the schema", err) < 0)
		goto fail;
	end_pipeline(conn);
	/* BEGIN and the SETs count as one statement, as they did in one round trip */
	m->queries = (int)l.nsent - (state ? 2 : 1);
	finish_objects(&l);
	/* a copied object's edge to one read again: to it when it is still there (few of either) */
	for (size_t i = 0; i < npend; i++)
		for (size_t j = l.first; j < m->n; j++)
			if (!strcmp(m->objects[j].key, pend[i].key))
				schema_depend(m, pend[i].from, j);
	renumber(m);
	rc = 0;
	goto out;
fail:
	end_pipeline(conn);
	db_rollback(conn);
	*retry = l.retry;
out:
	free(l.sent);
	free(l.prep);
	for (size_t i = 0; i < l.cap; i++)
		free(l.tail[i]);
	free(l.tail);
	free(l.post_oid);
	free(l.slots);
	free(pend);
	free(schemas);
	free(scope);
	return rc;
}

int schema_load(PGconn *conn, const struct schema_filter *f, struct schema_model *m, struct pgs_error *err)
{
	bool retry = false;

	return load_once(conn, f, NULL, NULL, 0, NULL, m, &retry, err);
}

int schema_load_tables(PGconn *conn, const struct schema_filter *f, const struct schema_model *before,
		       const char *const *tables, size_t ntables, struct schema_model *m, struct pgs_error *err)
{
	struct conn_state *st = conn_state(conn);
	bool retry = false;
	int rc = load_once(conn, f, before, tables, ntables, st, m, &retry, err);

	if (rc < 0 && retry && PQstatus(conn) == CONNECTION_OK) {
		/* a name of ours taken, or a statement of ours gone: unnamed statements on this connection from now on */
		st->unnamed = true;
		st->n = 0;
		schema_model_free(m);
		err_clear(err);
		rc = load_once(conn, f, before, tables, ntables, NULL, m, &retry, err);
	}
	return rc;
}
