/*
 * fsutil: the few file-system operations pgshift needs, with errors that
 * name the path.
 */
#ifndef PGSHIFT_FSUTIL_H
#define PGSHIFT_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

/* Reads the whole file into out (appended).  -1 with err on failure. */
int fs_read_file(const char *path, struct buf *out, struct pgs_error *err);
/*
 * Reads rel (relative to the directory dirfd) into out; shown names it in
 * errors.  Returns 0, 1 when it does not exist (err untouched), or -1 with err.
 * The scan of a large migrations directory is mostly these calls, so they
 * use as few system calls as possible.
 */
int fs_read_at(int dirfd, const char *rel, const char *shown, struct buf *out, struct pgs_error *err);
/* Writes data to path (created or truncated) with the given mode. */
int fs_write_file(const char *path, const char *data, size_t len, int mode, struct pgs_error *err);
/*
 * Replaces the regular file at path (or creates it) with data, whole or not
 * at all: written to a new file beside it, then renamed over it.  A path
 * that is not a regular file (a device such as /dev/null, a pipe, a
 * symbolic link) is written into instead, never replaced.
 */
int fs_replace_file(const char *path, const char *data, size_t len, int mode, struct pgs_error *err);
/* mkdir -p with mode for the created directories. */
int fs_mkdir_p(const char *path, int mode, struct pgs_error *err);
/* Removes a directory tree (used for throwaway state only). */
int fs_remove_tree(const char *path, struct pgs_error *err);
bool fs_is_dir(const char *path);
bool fs_is_file(const char *path);
/* Returns "a/b" (caller frees). */
char *fs_join(const char *a, const char *b);
/* Returns the absolute form of path, without requiring it to exist (caller frees). */
char *fs_absolute(const char *path);

#endif
