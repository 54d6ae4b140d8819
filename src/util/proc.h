/*
 * proc: running a helper program (git) and capturing what it prints.
 */
#ifndef PGSHIFT_PROC_H
#define PGSHIFT_PROC_H

#include "util/buf.h"

/*
 * Runs argv (argv[0] looked up in PATH), stdout into out, stderr into errout;
 * returns the exit status, or -1 when it could not be run.
 */
int proc_capture(char *const argv[], struct buf *out, struct buf *errout);

#endif
