/*
 * Fuzz target: the linter on a batch of files (NUL-separated pieces of the
 * input, each linted in order), then every reporter on the findings.
 * The first byte picks the options.
 */
#include <stdio.h>

#include "fuzz.h"
#include "lint/lint.h"

static char *column_type(void *ctx, const char *schema, const char *table, const char *column)
{
	(void)ctx;
	(void)schema;
	(void)table;
	(void)column;
	return xstrdup("integer");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lint_opts o = { .pg_version = 150000 };
	struct lint_run run;
	struct buf out = BUF_INIT;
	char *sql;
	uint8_t flags;
	int k = 0;

	if (!size)
		return 0;
	flags = data[0];
	data++;
	size--;
	o.batch = flags & 1;
	o.hints = flags & 2;
	o.pg_version = flags & 4 ? 110000 : 170000;
	if (flags & 8)
		o.column_type = column_type;
	lint_init(&run, &o);
	while ((sql = fuzz_piece(&data, &size))) {
		char path[32], name[32];

		snprintf(path, sizeof(path), "m%d/migration.sql", k);
		snprintf(name, sizeof(name), "2025010100000%d_m", k % 10);
		lint_file(&run, path, sql, flags & 16 ? NULL : name);
		free(sql);
		k++;
	}
	if (flags & 32)
		lint_approve(&run, "20250101000000_m");
	for (size_t i = 0; i < run.out.n; i++) {
		lint_blocks(&run.out.items[i], flags & 64);
		lint_rule_info(run.out.items[i].rule);
	}
	lint_exit_code(&run.out, flags & 64);
	lint_report_text(&run.out, flags & 128, flags & 64, &out);
	lint_report_json(&run.out, flags & 64, &out);
	lint_report_sarif(&run.out, &out);
	lint_report_github(&run.out, flags & 64, &out);
	buf_release(&out);
	lint_free(&run);
	return 0;
}
