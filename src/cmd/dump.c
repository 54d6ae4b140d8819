/*
 * dump: write the schema of the database as deterministic,
 * dependency-ordered SQL that loads with psql -f (schema/model.h does the
 * reading and the ordering; this file owns the options and the output).
 */
#include "cmd/dump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/output.h"

static const char usage[] = "pgshift dump [--url URL] [-o FILE] [--schema S]...";

/* Says which objects the dump leaves out because the model does not hold their kind. */
static void warn_unmodelled(const struct schema_model *m)
{
	char *what = schema_unmodelled_phrase(m, NULL);

	if (what)
		out_warning("the dump leaves out %s: pgshift does not model them", what);
	free(what);
}

/* Writes the dump of m to path, whole or not at all (fs_replace_file). */
static int dump_model(const struct schema_model *m, const char *path, struct pgs_error *err)
{
	struct buf sql = BUF_INIT;
	int rc;

	warn_unmodelled(m);
	schema_emit(m, &sql);
	rc = fs_replace_file(path, sql.data, sql.len, 0644, err);
	buf_release(&sql);
	return rc;
}

int dump_write(PGconn *conn, const struct schema_filter *f, const char *path, struct pgs_error *err)
{
	struct schema_model m;
	int rc = schema_load(conn, f, &m, err) < 0 ? -1 : dump_model(&m, path, err);

	schema_model_free(&m);
	return rc;
}

int cmd_dump(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct strlist schemas = { 0 };
	const char *file = NULL;
	bool stats = false;
	struct opt opts[] = {
		OPT_STRING('o', "output", &file, "FILE", "write the dump to FILE (default: standard output)"),
		OPT_LIST(0, "schema", &schemas, "NAME", "dump only this schema (repeatable; default: every user schema)"),
		OPT_BOOL(0, "stats", &stats, "say on standard error how many queries and objects were read"),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss = { 0 };
	struct schema_filter f = { 0 };
	struct schema_model m = { 0 };
	int rc = EXIT_OK;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0) {
		strlist_free(&schemas);
		return rc;
	}
	f.schemas = schemas.items;
	f.nschemas = (size_t)schemas.n;
	if (session_open(&ss, &c, true, 0, &err) < 0)
		goto fail;
	f.history_schema = ss.ht.schema;
	if (schema_load(ss.conn, &f, &m, &err) < 0)
		goto fail;
	if (stats)
		out_eprintf("schema read with %d queries: %zu objects\n", m.queries, m.n);
	if (file) {
		if (dump_model(&m, file, &err) < 0)
			goto fail;
	} else {
		struct buf sql = BUF_INIT;
		warn_unmodelled(&m);
		schema_emit(&m, &sql);
		out_puts(sql.data);
		buf_release(&sql);
	}
	goto out;
fail:
	rc = common_fail(&err);
out:
	schema_model_free(&m);
	session_close(&ss);
	strlist_free(&schemas);
	return rc;
}
