/*
 * Fuzz target: a migration file cut into statements (core/script), its
 * directives, and what the deploy reads from them (backfill parts and
 * settings, autocommit, relations, first lines); and the check of a
 * backfill's --where and --set fragments.
 */
#include "fuzz.h"
#include "core/script.h"

static void count_relation(const PgQuery__RangeVar *rv, void *ctx)
{
	(void)rv;
	(*(size_t *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sql = fuzz_text(data, size);
	struct script s;
	struct pgs_error err = PGS_ERROR_INIT;
	struct buf line = BUF_INIT;
	size_t relations = 0;

	/* the whole input as a --where condition, too */
	if (script_check_fragment(sql, "--where", &err) < 0)
		err_clear(&err);
	if (script_split("m.sql", sql, &s, &err) < 0) {
		err_clear(&err);
		free(sql);
		return 0;
	}
	for (size_t i = 0; i < s.ndirectives; i++) {
		struct backfill_args args;

		if (script_backfill_args(s.directives[i].args, &args, &err) < 0)
			err_clear(&err);
	}
	for (size_t i = 0; i < s.n; i++) {
		struct update_parts parts;

		script_directive(&s, "no-transaction");
		script_statement_directive(&s, i, "backfill");
		script_needs_autocommit(s.stmts[i].node, 150000);
		script_needs_autocommit(s.stmts[i].node, 110000);
		script_relations(s.stmts[i].node, count_relation, &relations);
		script_first_line(sql, &s.stmts[i], &line, 60);
		if (script_update_parts(sql, &s.stmts[i], &parts, &err) < 0)
			err_clear(&err);
		if (parts.where && script_check_fragment(parts.where, "condition", &err) < 0)
			err_clear(&err);
		update_parts_free(&parts);
	}
	buf_release(&line);
	script_free(&s);
	free(sql);
	return 0;
}
