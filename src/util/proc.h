/*
 * proc: running a helper program (git, a seed command) and reading what it
 * prints on both streams without deadlock.
 */
#ifndef PGSHIFT_PROC_H
#define PGSHIFT_PROC_H

#include <stddef.h>

#include "util/buf.h"

/* Called with each chunk the child writes; stream is 1 (stdout) or 2 (stderr). */
typedef void (*proc_sink)(void *ctx, int stream, const char *data, size_t n);

/*
 * Runs argv (argv[0] looked up in PATH) with the variable setenv_name set to
 * setenv_value when both are given and GIT_* and LD_* removed, feeding its output to sink.  Returns the
 * exit status, 128 + N when killed by signal N, or -1 when it could not run.
 */
int proc_run(char *const argv[], const char *setenv_name, const char *setenv_value, proc_sink sink, void *ctx);
/* proc_run collecting stdout into out and stderr into errout. */
int proc_capture(char *const argv[], struct buf *out, struct buf *errout);
/*
 * Removes every GIT_* and LD_* variable from this process's environment, in
 * place and without allocating, so it is safe between fork and exec: no child
 * (git, a seed command, initdb) gets a GIT_CONFIG_* that runs code, a GIT_DIR
 * that points elsewhere, or an LD_PRELOAD.  proc_run calls it in its child.
 */
void proc_scrub_env(void);

#endif
