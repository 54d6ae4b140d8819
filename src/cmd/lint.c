/*
 * lint: check migrations for operations that are destructive or that lock
 * or rewrite tables in production.
 *
 * With no PATH it lints the pending migrations when a database is
 * reachable (they are what deploy would apply, in order, as one batch),
 * otherwise every migration, each on its own (what an earlier one creates
 * may already be in production with data, so it is not taken as new).  A PATH is a .sql file, a migration directory
 * or a migrations directory.  Exit 0 clean, 3 review-level findings not
 * acknowledged (warnings too with --strict), 1 when a file cannot be parsed.
 * --report-only reports the findings and exits 0 for them (CI's validate
 * step: the gate is deploy's); a file that cannot be parsed still exits 1.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "cmd/lintrun.h"
#include "core/text.h"
#include "run/gate.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/output.h"

static const char usage[] = "pgshift lint [PATH...] [--format text|json|sarif] [--strict] [--report-only] [options]";

/* Lints one PATH argument: a file, a migration directory, or a migrations directory. */
static int lint_path(struct lint_run *run, const char *path, struct pgs_error *err)
{
	struct buf text = BUF_INIT;
	char *sql = fs_join(path, "migration.sql");
	int rc = 0;

	if (fs_is_file(path)) {
		if (fs_read_file(path, &text, err) < 0) {
			rc = -1;
		} else {
			text_strip_bom(&text);
			lint_file(run, path, text.data, NULL);
		}
	} else if (fs_is_dir(path) && fs_is_file(sql)) {
		const char *base = strrchr(path, '/');
		if (fs_read_file(sql, &text, err) < 0) {
			rc = -1;
		} else {
			text_strip_bom(&text);
			lint_file(run, sql, text.data, base && base[1] ? base + 1 : path);
		}
	} else if (fs_is_dir(path)) {
		struct migset set;
		if (migset_load(path, LAYOUT_NATIVE, &set, err) < 0) {
			rc = -1;
		} else {
			for (size_t i = 0; i < set.n; i++)
				lint_file(run, set.items[i].sql_path, set.items[i].sql.data, set.items[i].name);
			migset_free(&set);
		}
	} else {
		rc = err_set(err, EXIT_FAILURE_, "\"%s\" does not exist", path);
		err_hint(err, "give a .sql file, a migration directory or a migrations directory");
	}
	free(sql);
	buf_release(&text);
	return rc;
}

int cmd_lint(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct lint_output lo = { 0 };
	const char *pg_version = NULL;
	bool hints = false, all = false, report_only = false;
	struct opt opts[] = {
		LINT_OUTPUT_OPTS(&lo),
		OPT_STRING(0, "pg-version", &pg_version, "N", "judge for PostgreSQL N (default: the server's, else 15)"),
		OPT_BOOL(0, "hints", &hints, "also report style hints"),
		OPT_BOOL(0, "all", &all, "lint every migration, not only the pending ones"),
		OPT_BOOL(0, "report-only", &report_only,
			 "report findings but exit 0 for them (deploy's gate decides); unparsable files still exit 1"),
		COMMON_DIR_OPTS(&c),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct lint_opts lopts = { .hints = hints };
	struct lint_run run;
	struct session ss = { 0 };
	bool have_db = false;
	int rc;
	int n = cmd_options(argc, argv, opts, usage, &rc);

	if (n < 0)
		return rc;
	lopts.hints = hints;
	if (lint_output_check(&lo, &err) < 0 || (pg_version && lint_parse_version(pg_version, &lopts.pg_version, &err) < 0))
		return common_fail(&err);
	/* With no PATH, the pending migrations are what matters: ask the database when there is one. */
	if (n == 0 && !all) {
		struct target t = { 0 };
		bool configured = common_target(&c, &t, &err) == 0;

		target_free(&t);
		err_clear(&err);
		if (configured) {
			if (session_open(&ss, &c, false, 0, &err) == 0) {
				have_db = true;
			} else {
				out_warning("%s; linting every migration instead of the pending ones", err.message);
				err_clear(&err);
			}
		}
	}
	if (have_db) {
		lopts.batch = true;	/* the pending migrations, as deploy would apply them */
		if (!lopts.pg_version)
			lopts.pg_version = db_server_version(ss.conn);
		lint_catalog_lookups(&lopts, ss.conn);
	}
	lint_init(&run, &lopts);
	if (have_db) {
		for (size_t i = 0; i < ss.plan.n; i++) {
			const struct plan_entry *e = &ss.plan.entries[i];
			if (plan_is_pending(e->state, true))
				lint_file(&run, e->mig->sql_path, e->mig->sql.data, e->name);
		}
	} else if (n == 0) {
		struct migset set;
		if (common_load(&c, &set, &err) < 0) {
			lint_free(&run);
			return common_fail(&err);
		}
		for (size_t i = 0; i < set.n; i++)
			lint_file(&run, set.items[i].sql_path, set.items[i].sql.data, set.items[i].name);
		migset_free(&set);
	}
	for (int i = 0; i < n; i++)
		if (lint_path(&run, argv[i], &err) < 0) {
			lint_free(&run);
			session_close(&ss);
			return common_fail(&err);
		}
	rc = lint_output_print(&lo, &run.out);
	if (report_only && rc == EXIT_BLOCKED)
		rc = EXIT_OK;
	lint_free(&run);
	session_close(&ss);
	return rc;
}
