/*
 * proc: fork, exec, and read both pipes with poll.
 */
#define _GNU_SOURCE
#include "util/proc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void proc_scrub_env(void)
{
	char **out = environ;

	if (!environ)
		return;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "GIT_", 4) && strncmp(*e, "LD_", 3))
			*out++ = *e;
	*out = NULL;
}

int proc_run(char *const argv[], const char *setenv_name, const char *setenv_value, proc_sink sink, void *ctx)
{
	int po[2], pe[2], status;
	pid_t pid;
	struct pollfd fds[2];
	int open_fds = 2;
	char chunk[4096];

	if (pipe(po) < 0)
		return -1;
	if (pipe(pe) < 0) {
		close(po[0]);
		close(po[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		close(po[1]);
		close(pe[1]);
		if (setenv_name && setenv_value)
			setenv(setenv_name, setenv_value, 1);
		proc_scrub_env();
		execvp(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	fds[0] = (struct pollfd){ po[0], POLLIN, 0 };
	fds[1] = (struct pollfd){ pe[0], POLLIN, 0 };
	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			sink(ctx, i + 1, chunk, (size_t)n);
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct capture {
	struct buf *out, *err;
};

static void collect(void *ctx, int stream, const char *data, size_t n)
{
	struct capture *c = ctx;

	buf_add(stream == 1 ? c->out : c->err, data, n);
}

int proc_capture(char *const argv[], struct buf *out, struct buf *errout)
{
	struct capture c = { out, errout };

	return proc_run(argv, NULL, NULL, collect, &c);
}
