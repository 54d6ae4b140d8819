/*
 * Driver of test_load_tables.py: schema_load_tables on one connection again
 * and again (as new --from-schema does), after a failed read, after its
 * prepared statements are gone, and on a connection where their names are
 * taken.  Every read must equal a whole read (schema_load) of the same
 * catalog.  Usage: load_tables URL TABLE (a quoted qualified name).
 * Prints what failed and exits 1; prints "ok" and exits 0.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/model.h"
#include "util/buf.h"
#include "util/err.h"

static const char *url;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "FAILED: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static PGconn *connect_db(void)
{
	PGconn *c = PQconnectdb(url);

	if (PQstatus(c) != CONNECTION_OK)
		die("connect", PQerrorMessage(c));
	return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		die(sql, PQerrorMessage(c));
	PQclear(r);
}

static int count_prepared(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'pgshift\\_load\\_%'");
	int n;

	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		die("count the prepared statements", PQerrorMessage(c));
	n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return n;
}

static void add(struct buf *b, const char *label, const char *s)
{
	buf_addf(b, "%s: %s\n", label, s ? s : "(null)");
}

/* Everything a model holds, as text. New string. */
static char *model_text(const struct schema_model *m)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < m->n; i++) {
		const struct schema_object *o = &m->objects[i];

		add(&b, "key", o->key);
		add(&b, "table", o->table);
		add(&b, "ref", o->ref);
		add(&b, "create", o->create_sql);
		add(&b, "post", o->post_sql);
		add(&b, "post_dep", o->post_dep == SCHEMA_NONE ? NULL : m->objects[o->post_dep].key);
		add(&b, "comment", o->comment_sql);
		add(&b, "grant", o->grant_sql);
		buf_addf(&b, "subkind %d valid %d partition %d\n", o->subkind, o->valid, o->partition);
		for (size_t k = 0; k < o->nparts; k++) {
			const struct schema_part *p = &o->parts[k];
			buf_addf(&b, "part %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %d\n", p->name, p->sql,
				 p->type, p->collation ? p->collation : "-", p->default_expr ? p->default_expr : "-",
				 p->generated ? p->generated : "-", p->identity ? p->identity : "-", p->not_null,
				 p->storage ? p->storage : "-", p->type_storage ? p->type_storage : "-",
				 p->compression ? p->compression : "-", p->stattarget);
		}
		for (size_t d = 0; d < o->ndeps; d++)
			add(&b, "dep", m->objects[o->deps[d]].key);
	}
	for (size_t i = 0; i < m->nunmodelled; i++)
		add(&b, "unmodelled", m->unmodelled[i].name);
	return buf_detach(&b);
}

/* The whole model of the database now (on a connection of its own). New string. */
static char *whole(void)
{
	PGconn *c = connect_db();
	struct schema_filter f = { 0 };
	struct schema_model m;
	struct pgs_error err = { 0 };
	char *t;

	if (schema_load(c, &f, &m, &err) < 0)
		die("schema_load", err.message);
	t = model_text(&m);
	schema_model_free(&m);
	PQfinish(c);
	return t;
}

/* schema_load_tables of table on c from before must equal a whole read. */
static void read_equal(PGconn *c, const struct schema_model *before, const char *table, const char *what)
{
	struct schema_filter f = { 0 };
	struct schema_model m;
	struct pgs_error err = { 0 };
	const char *tables[] = { table };
	char *want = whole(), *got;

	if (schema_load_tables(c, &f, before, tables, 1, &m, &err) < 0)
		die(what, err.message);
	got = model_text(&m);
	if (strcmp(got, want)) {
		fprintf(stderr, "--- whole read:\n%s\n--- schema_load_tables:\n%s\n", want, got);
		die(what, "the read differs from a whole read");
	}
	free(got);
	free(want);
	schema_model_free(&m);
	if (PQtransactionStatus(c) != PQTRANS_IDLE)
		die(what, "the connection is left inside a transaction");
	err_clear(&err);
}

int main(int argc, char **argv)
{
	struct schema_filter f = { 0 };
	struct schema_model before, m;
	struct pgs_error err = { 0 };
	const char *bad[] = { "a.b.c.d" };	/* to_regclass fails on it: the read fails after its prepares */
	PGconn *c, *other;
	PGresult *names;
	int n;

	if (argc != 3)
		die("usage", "load_tables URL TABLE");
	url = argv[1];
	c = connect_db();
	if (schema_load(c, &f, &before, &err) < 0)
		die("schema_load", err.message);

	read_equal(c, &before, argv[2], "first read");
	if ((n = count_prepared(c)) == 0)
		die("first read", "no statement was prepared");
	read_equal(c, &before, argv[2], "second read");
	if (count_prepared(c) != n)
		die("second read", "statements were prepared again");

	if (schema_load_tables(c, &f, &before, bad, 1, &m, &err) == 0)
		die("a read of an improper name", "did not fail");
	schema_model_free(&m);
	err_clear(&err);
	read_equal(c, &before, argv[2], "a read after a failed read");
	if (count_prepared(c) != n)
		die("a read after a failed read", "statements were prepared again");

	/* the table changes between reads: the plans prepared before still read it right */
	exec_ok(c, "ALTER TABLE t ADD COLUMN z text DEFAULT 'zz'; COMMENT ON COLUMN t.z IS 'zed';"
		   " CREATE INDEX t_z ON t (z)");
	read_equal(c, &before, argv[2], "a read after the table changed");

	/* the statements gone behind its back (DEALLOCATE ALL): read again unnamed */
	exec_ok(c, "DEALLOCATE ALL");
	read_equal(c, &before, argv[2], "a read after DEALLOCATE ALL");
	read_equal(c, &before, argv[2], "a read after that");
	if (count_prepared(c) != 0)
		die("after DEALLOCATE ALL", "the connection prepared statements again");

	/* a connection where the names are taken by other statements */
	other = connect_db();
	read_equal(other, &before, argv[2], "a read on a new connection");
	names = PQexec(other, "SELECT name FROM pg_prepared_statements WHERE name LIKE 'pgshift\\_load\\_%'");
	if (PQresultStatus(names) != PGRES_TUPLES_OK || PQntuples(names) != n)
		die("the names of the statements", PQerrorMessage(other));
	PQfinish(other);
	other = connect_db();
	for (int i = 0; i < PQntuples(names); i++) {
		char *sql = xasprintf("PREPARE %s AS SELECT 1", PQgetvalue(names, i, 0));
		exec_ok(other, sql);
		free(sql);
	}
	PQclear(names);
	read_equal(other, &before, argv[2], "a read where the names are taken");
	read_equal(other, &before, argv[2], "a second read where the names are taken");
	PQfinish(other);

	schema_model_free(&before);
	PQfinish(c);
	puts("ok");
	return 0;
}
