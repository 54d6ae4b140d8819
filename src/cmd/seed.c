/*
 * seed: load the seed data.
 *
 * SQL seeds run like a migration (statements split by libpg_query, errors
 * named by file and line) but all files in one transaction and without a
 * history row: a seed either loads whole or not at all.  A seed program
 * (--command) gets DATABASE_URL in its environment; its output passes
 * through pgshift's redaction line by line.
 */
#include "cmd/seed.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmds.h"
#include "core/script.h"
#include "core/seed.h"
#include "core/text.h"
#include "db/apply.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"
#include "util/output.h"

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

static int run_command(const struct session *ss, const char *command, struct pgs_error *err)
{
	int out[2], errp[2], status;
	struct buf bo = BUF_INIT, be = BUF_INIT;
	pid_t pid;

	if (pipe(out) < 0 || pipe(errp) < 0)
		return err_set(err, EXIT_FAILURE_, "could not create a pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return err_set(err, EXIT_FAILURE_, "could not start the seed command: %s", strerror(errno));
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(errp[1], 2);
		close(out[0]);
		close(errp[0]);
		close(out[1]);
		close(errp[1]);
		if (*ss->t.conninfo)
			setenv("DATABASE_URL", ss->t.conninfo, 1);
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	{
		struct pollfd fds[2] = { { out[0], POLLIN, 0 }, { errp[0], POLLIN, 0 } };
		int open_fds = 2;

		while (open_fds > 0) {
			if (poll(fds, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (int i = 0; i < 2; i++) {
				struct buf *b = i ? &be : &bo;
				ssize_t n;

				if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
					continue;
				buf_grow(b, 4096);
				n = read(fds[i].fd, b->data + b->len, 4096);
				if (n <= 0) {
					close(fds[i].fd);
					fds[i].fd = -1;
					open_fds--;
					continue;
				}
				b->len += (size_t)n;
				b->data[b->len] = '\0';
				flush_lines(b, i == 1, false);
			}
		}
	}
	flush_lines(&bo, false, true);
	flush_lines(&be, true, true);
	buf_release(&bo);
	buf_release(&be);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return err_set(err, EXIT_FAILURE_, "could not wait for the seed command: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		err_set(err, EXIT_FAILURE_, "seed command failed (%s %d): %s",
			WIFEXITED(status) ? "exit" : "signal", WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			command);
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
			err_set(err, EXIT_FAILURE_, "%s:%d: file is not valid UTF-8", files.paths[i],
				text_line_of(texts[i].data, bad));
			goto out;
		}
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
	int n = opts_parse(argc, argv, opts, usage, &err);

	if (n > 0 || (n >= 0 && so.path && so.command)) {
		err_set(&err, EXIT_USAGE, n > 0 ? "unexpected argument" : "give --seed or --command, not both");
		err_hint(&err, "usage: %s", usage);
		n = -1;
	}
	if (n < 0)
		return n == -2 ? EXIT_OK : common_fail(&err);
	if (session_open(&ss, &c, false, 0, &err) < 0)
		return common_fail(&err);
	if (seed_run(&ss, &so, true, &err) < 0)
		rc = common_fail(&err);
	session_close(&ss);
	return rc;
}
