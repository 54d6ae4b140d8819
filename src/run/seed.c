/* seed: loading the seed SQL or running the seed program (see seed.h). */
#include "run/seed.h"

#include <stdlib.h>
#include <string.h>

#include "core/script.h"
#include "core/seed.h"
#include "core/text.h"
#include "db/apply.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/proc.h"

/* The seed program's output, collected per stream until a line is complete. */
struct lines {
	struct buf out, err;
	seed_line_fn on_line;
	void *ctx;
};

/* Hands out the complete lines of b (all: the rest too), keeping what is left. */
static void hand_out(struct lines *l, struct buf *b, int stream, bool all)
{
	char *nl;

	while ((nl = memchr(b->data, '\n', b->len)) || (all && b->len)) {
		size_t n = nl ? (size_t)(nl - b->data) + 1 : b->len;
		char *line = xstrndup(b->data, n);

		if (l->on_line)
			l->on_line(stream, line, l->ctx);
		free(line);
		memmove(b->data, b->data + n, b->len - n + 1);
		b->len -= n;
	}
}

static void on_output(void *ctx, int stream, const char *data, size_t n)
{
	struct lines *l = ctx;
	struct buf *b = stream == 1 ? &l->out : &l->err;

	buf_add(b, data, n);
	hand_out(l, b, stream == 1 ? 1 : 2, false);
}

static int run_command(const struct seed_place *at, const char *command, seed_line_fn on_line, void *ctx,
		       struct pgs_error *err)
{
	char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
	struct lines l = { BUF_INIT, BUF_INIT, on_line, ctx };
	char *url = target_child_url(at->t);
	int status;

	/* the TLS pgshift chose goes with it; with the PG* variables, as PGSSLMODE */
	if (url)
		status = proc_run(argv, "DATABASE_URL", url, on_output, &l);
	else
		status = proc_run(argv, at->t->sslmode ? "PGSSLMODE" : NULL, at->t->sslmode, on_output, &l);
	free(url);
	hand_out(&l, &l.out, 1, true);
	hand_out(&l, &l.err, 2, true);
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

int seed_load(const struct seed_place *at, const struct seed_opts *so, bool required, seed_line_fn on_line,
	      void *ctx, struct seed_result *res, struct pgs_error *err)
{
	struct seed_files files;
	struct apply_job *jobs = NULL;
	struct buf *texts = NULL;
	struct script *scripts = NULL;
	struct apply_opts ao = { 0, 0 };
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (so->command)
		return run_command(at, so->command, on_line, ctx, err);
	if (seed_find(at->migrations_dir, so->path, &files, err) < 0)
		return -1;
	if (!files.n) {
		if (required || so->path) {
			err_set(err, EXIT_FAILURE_, "no seed found (looked for %s)", files.where);
			err_hint(err, "create one of them, or pass --seed PATH or --command CMD");
		} else {
			res->where = xstrdup(files.where);
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
		res->statements += scripts[i].n;
	}
	if (apply_scripts(at->conn, at->ht, jobs, files.n, &ao, err) < 0)
		goto out;
	res->files = files.n;
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
