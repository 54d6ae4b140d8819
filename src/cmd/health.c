/*
 * health: one command for health checks (CI, uptime probes, the brief's
 * "Health Checks"): the database answers, the history has no failed,
 * modified or missing migration, nothing is pending (unless
 * --allow-pending), no invalid index (a concurrent build that failed or was
 * interrupted), no drift (when a scratch database is at hand: --shadow-url,
 * PGSHIFT_SHADOW_URL or the dev cluster), and optionally the app role's
 * grants.  One line per check; exit 0 only when all pass, 5 when an invalid
 * index or drift is found, else 1.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cmd/cmds.h"
#include "cmd/common.h"
#include "core/dotenv.h"
#include "db/roles.h"
#include "run/drift.h"
#include "run/deploy.h"
#include "util/exitcodes.h"
#include "util/output.h"

static const char usage[] = "pgshift health [--allow-pending] [--app-role NAME] [--shadow-url URL] [--json] [options]";

struct check {
	const char *name;
	bool ok;
	char *detail;
};

static void add(struct check *c, int *n, const char *name, bool ok, char *detail)
{
	c[*n].name = name;
	c[*n].ok = ok;
	c[*n].detail = detail;
	(*n)++;
}

/*
 * The drift check: only with a scratch database at hand (a shadow URL or
 * the dev cluster; health never creates one on the target's server).
 * True when drift was found.
 */
static bool check_drift(struct session *ss, const struct common_opts *c, const char *shadow_url, struct check *chk)
{
	struct pgs_error err = PGS_ERROR_INIT;
	struct schema_filter f = { NULL, 0, ss->ht.schema };
	struct drift d;
	int r;
	bool found;

	if (!drift_knowable(&ss->plan)) {
		/* the history does not say what the schema should be: the history and pending checks say why */
		chk->ok = true;
		chk->detail = xstrdup("skipped: the history does not say what the schema should be (see the history check)");
		return false;
	}
	r = drift_compute(ss, c, shadow_url, true, &f, &d, &err);
	found = r > 0 && d.n > 0;

	chk->ok = r == 0 || (r > 0 && d.n == 0);
	if (r < 0) {
		chk->detail = out_redact(err.message);
		err_clear(&err);
	} else if (r == 0) {
		chk->detail = xstrdup("skipped: no scratch database (--shadow-url, PGSHIFT_SHADOW_URL or pgshift dev up)");
	} else if (d.n) {
		chk->detail = xasprintf("%zu difference%s from the %zu applied migrations, e.g. %s %s %s (see pgshift "
					"drift)", d.n, d.n == 1 ? "" : "s", d.migrations,
					!d.items[0].replayed ? "extra" : !d.items[0].live ? "missing" : "changed",
					schema_kind_name((d.items[0].live ? d.items[0].live : d.items[0].replayed)->kind),
					(d.items[0].live ? d.items[0].live : d.items[0].replayed)->qname);
	} else {
		chk->detail = xasprintf("none: the schema is what the %zu applied migrations make", d.migrations);
	}
	drift_free(&d);
	return found;
}

/*
 * The indexes check: fails on every invalid index that is not being built
 * right now, naming each with the commands that fix it.
 */
static void describe_indexes(struct check *c, const struct invalid_indexes *ix)
{
	struct buf d = BUF_INIT;
	size_t bad = 0;

	for (size_t i = 0; i < ix->n; i++) {
		const struct invalid_index *x = &ix->items[i];
		char *fix = x->builder_pid ? NULL : common_index_fix(x);

		bad += !x->builder_pid;
		buf_addf(&d, "%s%s on %s (%s%s%s)", d.len ? "; " : "", x->qualified, x->table, common_index_cause(x),
			 fix ? "; fix: " : "", fix ? fix : "");
		free(fix);
	}
	c->ok = bad == 0;
	c->detail = ix->n ? xasprintf("%zu invalid: %s", bad, d.data) : xstrdup("no invalid index");
	buf_release(&d);
}

int cmd_health(int argc, char **argv)
{
	struct common_opts c = { 0 };
	bool allow_pending = false;
	const char *app_role = config_getenv("PGSHIFT_APP_ROLE");
	const char *shadow_url = NULL;
	struct opt opts[] = {
		OPT_BOOL(0, "allow-pending", &allow_pending, "pending migrations do not fail the check"),
		OPT_STRING(0, "app-role", &app_role, "NAME", "also check the app role's grants (default $PGSHIFT_APP_ROLE)"),
		SHADOW_OPT(&shadow_url),
		OPT_BOOL(0, "json", &c.json, "print the checks as JSON"),
		COMMON_DIR_OPTS(&c),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss;
	struct check checks[6];
	struct invalid_indexes indexes;
	bool bad_index = false, drift = false;
	int nchecks = 0;
	bool all = true;
	int rc;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		return rc;
	if (session_open(&ss, &c, false, 0, &err) < 0) {
		add(checks, &nchecks, "database", false, out_redact(err.message));
		err_clear(&err);
	} else {
		const struct plan *p = &ss.plan;
		size_t problems = p->count[ST_FAILED] + p->count[ST_MODIFIED] + p->count[ST_MISSING];
		size_t pending = p->count[ST_PENDING] + p->count[ST_ROLLED_BACK] + p->count[ST_OUT_OF_ORDER] +
				 p->count[ST_RUNNING];

		add(checks, &nchecks, "database", true, xasprintf("%s answers (PostgreSQL %d)", ss.t.display,
									db_server_version(ss.conn) / 10000));
		struct buf resumes = BUF_INIT;

		/* an interrupted migration that commits in steps is finished by deploy, not resolved */
		for (size_t i = 0; i < p->n; i++) {
			size_t step;
			if (deploy_resumes(&p->entries[i], db_server_version(ss.conn), &step, NULL))
				buf_addf(&resumes, "; \"pgshift deploy\" resumes %s at statement %zu", p->entries[i].name,
					 step + 1);
		}
		add(checks, &nchecks, "history", problems == 0,
		    problems ? xasprintf("%zu failed, %zu modified, %zu missing (see pgshift status)%s", p->count[ST_FAILED],
					 p->count[ST_MODIFIED], p->count[ST_MISSING], resumes.data)
			     : xasprintf("%zu applied, none failed, modified or missing", p->count[ST_APPLIED]));
		buf_release(&resumes);
		add(checks, &nchecks, "pending", pending == 0 || allow_pending,
		    ss.lock_holder ? xasprintf("%zu pending (%zu running)%s; a deploy is at work: the migration lock "
					       "is held by %s", pending, p->count[ST_RUNNING],
					       pending && allow_pending ? " (allowed)" : "", ss.lock_holder)
				   : xasprintf("%zu pending%s%s", pending, pending && allow_pending ? " (allowed)" : "",
					       p->count[ST_OUT_OF_ORDER] ? ", some out of order: deploy refuses them "
									   "(see pgshift status)" : ""));
		if (db_invalid_indexes(ss.conn, NULL, NULL, &indexes, &err) < 0) {
			add(checks, &nchecks, "indexes", false, xstrdup(err.message));
			err_clear(&err);
		} else {
			add(checks, &nchecks, "indexes", true, NULL);
			describe_indexes(&checks[nchecks - 1], &indexes);
			bad_index = !checks[nchecks - 1].ok;
			invalid_indexes_free(&indexes);
		}
		add(checks, &nchecks, "drift", true, NULL);
		drift = check_drift(&ss, &c, shadow_url, &checks[nchecks - 1]);
		if (app_role && *app_role) {
			static const char *schema[] = { "public" };
			struct role_gaps gaps;

			if (roles_check(ss.conn, app_role, schema, 1, &ss.ht, &gaps, &err) < 0) {
				add(checks, &nchecks, "roles", false, xstrdup(err.message));
				err_clear(&err);
			} else {
				add(checks, &nchecks, "roles", gaps.n == 0,
				    gaps.n ? xasprintf("%zu gap%s for %s, e.g. %s (see pgshift roles check)", gaps.n,
						       gaps.n == 1 ? "" : "s", app_role, gaps.items[0].problem)
					   : xasprintf("app role %s: CRUD only, owns nothing", app_role));
				role_gaps_free(&gaps);
			}
		}
		session_close(&ss);
	}
	if (c.json) {
		json_t *arr = json_array();
		for (int i = 0; i < nchecks; i++) {
			json_array_append_new(arr, json_pack("{s:s, s:b, s:s}", "check", checks[i].name, "ok", checks[i].ok,
							     "detail", checks[i].detail));
			all &= checks[i].ok;
		}
		json_t *o;

		o = json_pack("{s:b, s:o}", "healthy", all, "checks", arr);
		common_print_json(o);
	} else {
		for (int i = 0; i < nchecks; i++) {
			out_printf("%s%-4s%s %-9s %s\n", out_c(checks[i].ok ? C_GREEN : C_RED), checks[i].ok ? "ok" : "FAIL",
				   out_reset(), checks[i].name, checks[i].detail);
			all &= checks[i].ok;
		}
	}
	for (int i = 0; i < nchecks; i++)
		free(checks[i].detail);
	/* an invalid index or drift is a problem to fix by hand, as a failed migration is: exit 5 (unless the database is down) */
	return all ? EXIT_OK : bad_index || drift ? EXIT_HISTORY : EXIT_FAILURE_;
}
