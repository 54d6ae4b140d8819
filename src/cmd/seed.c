/*
 * seed: load the seed data.
 *
 * SQL seeds run like a migration (statements split by libpg_query, errors
 * named by file and line) but all files in one transaction and without a
 * history row: a seed either loads whole or not at all.  A seed program
 * (--command) gets DATABASE_URL in its environment, with the sslmode
 * pgshift chose for a host that is not local; its output passes
 * through pgshift's redaction line by line.
 */
#include "cmd/seed.h"

#include <stdlib.h>
#include <string.h>

#include "cmd/cmds.h"
#include "core/script.h"
#include "core/seed.h"
#include "core/text.h"
#include "db/apply.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/output.h"
#include "util/proc.h"

static const char usage[] = "pgshift seed [--seed PATH | --command CMD] [options]";

/* Writes the complete lines of b to stdout or stderr, keeping the rest. */
static void flush_lines(struct buf *b, bool to_err, bool all)
{
	char *nl;

	while ((nl = memchr(b->data, '\n', b->len)) || (all && b->len)) {
		size_t n = nl ? (size_t)(nl - b->data) + 1 : b->len;
		char *line = xstrndup(b->data, n);

		if (to_err)
			out_eprintf("%s%s", line, nl ? "" : "\n");
		else
			out_printf("%s%s", line, nl ? "" : "\n");
		free(line);
		memmove(b->data, b->data + n, b->len - n + 1);
		b->len -= n;
	}
}

/* The seed program's output, line by line through the redaction (a secret can be cut between two reads). */
struct lines {
	struct buf out, err;
};

static void on_output(void *ctx, int stream, const char *data, size_t n)
{
	struct lines *l = ctx;
	struct buf *b = stream == 1 ? &l->out : &l->err;

	buf_add(b, data, n);
	flush_lines(b, stream == 2, false);
}

static int run_command(const struct session *ss, const char *command, struct pgs_error *err)
{
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	struct lines l = { BUF_INIT, BUF_INIT };
	char *url = target_child_url(&ss->t);
	int status;

	fflush(stdout);
	/* the TLS pgshift chose goes with it; with the PG* variables, as PGSSLMODE */
	if (url)
		status = proc_run(argv, "DATABASE_URL", url, on_output, &l);
	else
		status = proc_run(argv, ss->t.sslmode ? "PGSSLMODE" : NULL, ss->t.sslmode, on_output, &l);
	free(url);
	flush_lines(&l.out, false, true);
	flush_lines(&l.err, true, true);
	buf_release(&l.out);
	buf_release(&l.err);
	if (status != 0) {
		if (status < 0)
			err_set(err, EXIT_FAILURE_, "could not start the seed command: %s", command);
		else if (status > 128)
			err_set(err, EXIT_FAILURE_, "seed command killed by signal %d: %s", status - 128, command);
		else
			err_set(err, EXIT_FAILURE_, "seed command failed (exit %d): %s", status, command);
		err_hint(err, "its output is above; the migrations stay as they are");
		return -1;
	}
	return 0;
}

int seed_run(struct session *ss, const struct seed_opts *so, bool required, struct pgs_error *err)
{
	struct seed_files files;
	struct apply_job *jobs = NULL;
	struct buf *texts = NULL;
	struct script *scripts = NULL;
	struct apply_opts ao = { 0, 0 };
	size_t nstmts = 0;
	int rc = -1;

	if (so->command) {
		if (run_command(ss, so->command, err) < 0)
			return -1;
		out_printf("seeded with: %s\n", so->command);
		return 0;
	}
	if (seed_find(ss->set.dir, so->path, &files, err) < 0)
		return -1;
	if (!files.n) {
		if (required || so->path) {
			err_set(err, EXIT_FAILURE_, "no seed found (looked for %s)", files.where);
			err_hint(err, "create one of them, or pass --seed PATH or --command CMD");
		} else {
			out_printf("no seed (looked for %s)\n", files.where);
			rc = 0;
		}
		seed_files_free(&files);
		return rc;
	}
	jobs = xcalloc(files.n, sizeof(*jobs));
	texts = xcalloc(files.n, sizeof(*texts));
	scripts = xcalloc(files.n, sizeof(*scripts));
	for (size_t i = 0; i < files.n; i++) {
		size_t bad;

		buf_init(&texts[i]);
		if (fs_read_file(files.paths[i], &texts[i], err) < 0)
			goto out;
		if (!text_valid_utf8(texts[i].data, texts[i].len, &bad)) {
			err_set_at(err, EXIT_FAILURE_, files.paths[i], text_line_of(texts[i].data, bad), 0,
				   "file is not valid UTF-8");
			goto out;
		}
		text_strip_bom(&texts[i]);
		if (script_split(files.paths[i], texts[i].data, &scripts[i], err) < 0)
			goto out;
		jobs[i] = (struct apply_job){ APPLY_SEED, NULL, files.paths[i], texts[i].data, &scripts[i] };
		nstmts += scripts[i].n;
	}
	if (apply_scripts(ss->conn, &ss->ht, jobs, files.n, &ao, err) < 0)
		goto out;
	out_printf("seeded from %zu file%s (%zu statement%s)\n", files.n, files.n == 1 ? "" : "s", nstmts,
		   nstmts == 1 ? "" : "s");
	rc = 0;
out:
	for (size_t i = 0; i < files.n; i++) {
		buf_release(&texts[i]);
		script_free(&scripts[i]);
	}
	free(jobs);
	free(texts);
	free(scripts);
	seed_files_free(&files);
	return rc;
}

int cmd_seed(int argc, char **argv)
{
	struct common_opts c = { 0 };
	struct seed_opts so = { 0 };
	struct opt opts[] = {
		SEED_OPTS(&so),
		COMMON_DIR_OPTS(&c),
		COMMON_CONN_OPTS(&c),
		OPT_END(),
	};
	struct pgs_error err = PGS_ERROR_INIT;
	struct session ss;
	int rc = EXIT_OK;

	if (cmd_options(argc, argv, opts, usage, &rc) < 0)
		return rc;
	if (so.path && so.command) {
		err_set(&err, EXIT_USAGE, "give --seed or --command, not both");
		err_hint(&err, "usage: %s", usage);
		return common_fail(&err);
	}
	if (session_open(&ss, &c, false, 0, &err) < 0)
		return common_fail(&err);
	if (seed_run(&ss, &so, true, &err) < 0)
		rc = common_fail(&err);
	session_close(&ss);
	return rc;
}
