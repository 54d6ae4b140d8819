/*
 * migrate: the heart of deploy.
 *
 * The order of work is the safety argument (ARCHITECTURE.md "deploy, step
 * by step"): the caller has validated every file and taken the lock before
 * reading the history; here the plan is refused as a whole (failed,
 * modified, missing, out of order, unparsable) before anything is applied;
 * then each migration commits together with its history row.
 */
#include "cmd/migrate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/script.h"
#include "db/apply.h"
#include "util/exitcodes.h"
#include "util/output.h"

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

/* Parses the pending migrations; fills todo (plan indexes) and scripts. */
static int parse_pending(struct session *ss, bool allow_ooo, size_t *todo, struct script *scripts, size_t *ntodo,
			 struct pgs_error *err)
{
	for (size_t i = 0; i < ss->plan.n; i++) {
		struct plan_entry *e = &ss->plan.entries[i];
		struct script *s = &scripts[*ntodo];

		if (!plan_is_pending(e->state, allow_ooo))
			continue;
		if (script_split(e->mig->sql_path, e->mig->sql.data, s, err) < 0) {
			err_prefix(err, "cannot deploy %s", e->name);
			return -1;
		}
		todo[(*ntodo)++] = i;
		if (s->n == 0) {
			err_set(err, EXIT_FAILURE_, "%s: migration has no SQL statements (only comments)", e->mig->sql_path);
			err_hint(err, "write the migration's SQL into it, or delete the directory %s", e->mig->dir);
			return -1;
		}
	}
	return 0;
}

int migrate_pending(struct session *ss, const struct migrate_opts *o, json_t *jlist, struct pgs_error *err)
{
	size_t *todo = xcalloc(ss->plan.n + 1, sizeof(*todo));
	struct script *scripts = xcalloc(ss->plan.n + 1, sizeof(*scripts));
	struct apply_opts ao = { o->lock_timeout_ms, o->statement_timeout_ms };
	size_t ntodo = 0, applied = 0;
	int rc = -1;

	if (check_plan(&ss->plan, o->allow_out_of_order, err) < 0 ||
	    parse_pending(ss, o->allow_out_of_order, todo, scripts, &ntodo, err) < 0)
		goto out;
	if (o->dry_run) {
		if (!o->json && !ntodo)
			out_printf("dry run: %s is up to date, nothing to apply\n", ss->t.display);
		else if (!o->json)
			out_printf("dry run: would apply %zu migration%s to %s:\n", ntodo, ntodo == 1 ? "" : "s",
				   ss->t.display);
		for (size_t k = 0; k < ntodo; k++) {
			struct plan_entry *e = &ss->plan.entries[todo[k]];
			if (o->json)
				json_array_append_new(jlist, json_pack("{s:s, s:I}", "name", e->name, "statements",
								       (json_int_t)scripts[k].n));
			else
				out_printf("  %s (%zu statement%s)\n", e->name, scripts[k].n, scripts[k].n == 1 ? "" : "s");
		}
		rc = (int)ntodo;
		goto out;
	}
	for (size_t k = 0; k < ntodo; k++) {
		struct plan_entry *e = &ss->plan.entries[todo[k]];
		struct apply_job job = { APPLY_UP, e->mig, e->mig->sql_path, e->mig->sql.data, &scripts[k] };
		double t0 = now_ms();

		if (apply_script(ss->conn, &ss->ht, &job, &ao, err) < 0) {
			if (applied && !o->json)
				out_printf("%zu migration%s applied before the failure\n", applied, applied == 1 ? "" : "s");
			goto out;
		}
		applied++;
		if (o->json)
			json_array_append_new(jlist, json_pack("{s:s, s:I}", "name", e->name, "duration_ms",
							       (json_int_t)(now_ms() - t0 + 0.5)));
		else
			out_printf("%sapplied%s %s (%.0f ms)\n", out_c(C_GREEN), out_reset(), e->name, now_ms() - t0);
	}
	rc = (int)applied;
out:
	for (size_t k = 0; k < ntodo; k++)
		script_free(&scripts[k]);
	free(scripts);
	free(todo);
	return rc;
}
