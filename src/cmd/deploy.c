/*
 * deploy: apply the pending migrations.
 *
 * The order of work is the safety argument (ARCHITECTURE.md "deploy, step
 * by step"): every input is validated before connecting; the advisory lock
 * is taken before the history is read, so the plan cannot go stale under a
 * concurrent deploy; the plan is refused as a whole (failed, modified,
 * missing, out of order, unparsable) before anything is applied; then each
 * migration commits together with its history row.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "core/script.h"
#include "db/apply.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift deploy [options]";

struct deploy_opts {
	struct common_opts c;
	bool dry_run;
	bool allow_out_of_order;
	long lock_wait_ms;
	long lock_timeout_ms;
	long statement_timeout_ms;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Refuses a plan with history problems; returns -1 with err set. */
static int check_plan(const struct plan *p, bool allow_ooo, struct pgs_error *err)
{
	struct buf names = BUF_INIT;
	int code = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->entries[i];

		if (plan_is_problem(e->state) || (e->state == ST_OUT_OF_ORDER && !allow_ooo)) {
			buf_addf(&names, "%s%s (%s)", names.len ? ", " : "", e->name, mstate_name(e->state));
			code = EXIT_HISTORY;
		}
	}
	if (!code)
		return 0;
	err_set(err, code, "refusing to deploy: the history has problems: %s", names.data);
	buf_release(&names);
	for (size_t i = 0; i < p->n; i++) {
		const struct plan_entry *e = &p->entries[i];

		switch (e->state) {
		case ST_FAILED:
			err_hint(err, "%s failed earlier; find out what it left behind, then mark it with "
				      "\"pgshift resolve --rolled-back %s\" (to run it again) or \"pgshift resolve "
				      "--applied %s\" (if you finished it by hand)", e->name, e->name, e->name);
			return -1;
		case ST_MODIFIED:
			err_hint(err, "%s was edited after it was applied (checksum differs); restore the applied "
				      "file (git checkout) and put the change in a new migration", e->name);
			return -1;
		case ST_MISSING:
			err_hint(err, "%s is recorded as applied but its directory is gone; restore it from version "
				      "control (git checkout) or check that --dir points at the right place", e->name);
			return -1;
		case ST_OUT_OF_ORDER:
			if (!allow_ooo) {
				err_hint(err, "%s is older than the newest applied migration (%s); give it a newer "
					      "version, or pass --allow-out-of-order if the order does not matter",
					 e->name, p->newest_applied);
				return -1;
			}
			break;
		default:
			break;
		}
	}
	return -1;
}

int cmd_deploy(int argc, char **argv)
{
	struct deploy_opts o = { .lock_wait_ms = 60000, .lock_timeout_ms = 5000 };
	struct opt opts[] = {
		COMMON_DIR_OPTS(&o.c),
		OPT_BOOL('n', "dry-run", &o.dry_run, "print the plan and change nothing"),
		OPT_BOOL(0, "json", &o.c.json, "print the result as JSON"),
		OPT_BOOL(0, "allow-out-of-order", &o.allow_out_of_order,
			 "apply pending migrations older than the newest applied one"),
		OPT_DURATION(0, "lock-wait", &o.lock_wait_ms, "DURATION",
			     "wait this long for a concurrent deploy's lock (default 60s; 0: do not wait)"),
		OPT_DURATION(0, "lock-timeout", &o.lock_timeout_ms, "DURATION",
			     "lock_timeout of each migration's transaction (default 5s; 0: none)"),
		OPT_DURATION(0, "statement-timeout", &o.statement_timeout_ms, "DURATION",
			     "statement_timeout of each migration's transaction (default none)"),
		COMMON_CONN_OPTS(&o.c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss = { 0 };
	struct script *scripts = NULL;
	size_t *todo = NULL, ntodo = 0, applied = 0;
	json_t *jout = NULL, *japplied = NULL;
	int rc = EXIT_OK;
	int n = opts_parse(argc, argv, opts, usage, &err);

	if (n == -2)
		return EXIT_OK;
	if (n < 0)
		return common_fail(&err);
	if (n > 0) {
		err_set(&err, EXIT_USAGE, "unexpected argument \"%s\"", argv[0]);
		err_hint(&err, "usage: %s", usage);
		return common_fail(&err);
	}

	/*
	 * 1. Inputs and 2. the connection (a bad file is reported before anything
	 * is touched); 3. the lock and 4. the history and plan under it.  A dry
	 * run reads without locking and writes nothing.
	 */
	if (session_open(&ss, &o.c, !o.dry_run, o.lock_wait_ms, &err) < 0)
		goto fail;
	if (check_plan(&ss.plan, o.allow_out_of_order, &err) < 0)
		goto fail;

	/* Parse every pending migration before applying any. */
	todo = xcalloc(ss.plan.n + 1, sizeof(*todo));
	scripts = xcalloc(ss.plan.n + 1, sizeof(*scripts));
	for (size_t i = 0; i < ss.plan.n; i++) {
		struct plan_entry *e = &ss.plan.entries[i];
		struct script *s = &scripts[ntodo];

		if (!plan_is_pending(e->state, o.allow_out_of_order))
			continue;
		if (script_split(e->mig->sql_path, e->mig->sql.data, s, &err) < 0) {
			err_prefix(&err, "cannot deploy %s", e->name);
			goto fail;
		}
		todo[ntodo++] = i;
		if (s->n == 0) {
			err_set(&err, EXIT_FAILURE_, "%s: migration has no SQL statements (only comments)",
				e->mig->sql_path);
			err_hint(&err, "write the migration's SQL into it, or delete the directory %s", e->mig->dir);
			goto fail;
		}
	}

	if (o.c.json) {
		jout = json_object();
		japplied = json_array();
	}
	if (o.dry_run) {
		if (!o.c.json) {
			if (!ntodo)
				out_printf("dry run: %s is up to date, nothing to apply\n", ss.t.display);
			else
				out_printf("dry run: would apply %zu migration%s to %s:\n", ntodo, ntodo == 1 ? "" : "s",
					   ss.t.display);
		}
		for (size_t k = 0; k < ntodo; k++) {
			struct plan_entry *e = &ss.plan.entries[todo[k]];
			if (o.c.json)
				json_array_append_new(japplied, json_pack("{s:s, s:I}", "name", e->name, "statements",
									  (json_int_t)scripts[k].n));
			else
				out_printf("  %s (%zu statement%s)\n", e->name, scripts[k].n, scripts[k].n == 1 ? "" : "s");
		}
		if (o.c.json) {
			json_object_set_new(jout, "dry_run", json_true());
			json_object_set_new(jout, "would_apply", japplied);
			japplied = NULL;
		}
		goto done;
	}

	/* 6. Apply, one transaction each. */
	{
		struct apply_opts ao = { o.lock_timeout_ms, o.statement_timeout_ms };

		for (size_t k = 0; k < ntodo; k++) {
			struct plan_entry *e = &ss.plan.entries[todo[k]];
			double t0 = now_ms();

			struct apply_job job = { APPLY_UP, e->mig, e->mig->sql_path, e->mig->sql.data, &scripts[k] };

			if (apply_script(ss.conn, &ss.ht, &job, &ao, &err) < 0) {
				if (applied && !o.c.json)
					out_printf("%zu migration%s applied before the failure\n", applied,
						   applied == 1 ? "" : "s");
				goto fail;
			}
			applied++;
			if (o.c.json)
				json_array_append_new(japplied, json_pack("{s:s, s:I}", "name", e->name, "duration_ms",
									  (json_int_t)(now_ms() - t0 + 0.5)));
			else
				out_printf("%sapplied%s %s (%.0f ms)\n", out_c(C_GREEN), out_reset(), e->name,
					   now_ms() - t0);
		}
	}
	if (o.c.json) {
		json_object_set_new(jout, "applied", japplied);
		japplied = NULL;
	} else if (!applied) {
		out_printf("database is up to date: nothing to apply\n");
	} else {
		out_printf("%zu migration%s applied\n", applied, applied == 1 ? "" : "s");
	}
	goto done;

fail:
	rc = common_fail(&err);
done:
	if (jout) {
		char *s;
		if (rc != EXIT_OK) {
			json_object_set_new(jout, "applied", japplied ? japplied : json_array());
			japplied = NULL;
			json_object_set_new(jout, "ok", json_false());
		} else {
			json_object_set_new(jout, "ok", json_true());
		}
		s = json_dumps(jout, JSON_INDENT(2));
		out_printf("%s\n", s);
		free(s);
		json_decref(jout);
	}
	json_decref(japplied);
	for (size_t k = 0; k < ntodo; k++)
		script_free(&scripts[k]);
	free(scripts);
	free(todo);
	session_close(&ss);
	return rc;
}
