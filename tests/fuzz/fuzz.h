/*
 * fuzz: what every libFuzzer target in tests/fuzz includes (make fuzz).
 *
 * A target takes the fuzzer's bytes, turns them into the input of one area
 * (a NUL-terminated text, NUL-separated pieces, a directory tree) and frees
 * everything it made: the runs have leak detection on.
 */
#ifndef PGSHIFT_FUZZ_H
#define PGSHIFT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fsutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (cut at its first NUL); caller frees. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	return xstrndup((const char *)data, size);
}

/*
 * The next NUL-separated piece of the input (a new string, caller frees),
 * advancing *data and *size past it; NULL when the input is used up.
 */
static inline char *fuzz_piece(const uint8_t **data, size_t *size)
{
	const uint8_t *nul;
	size_t len;
	char *s;

	if (!*size)
		return NULL;
	nul = memchr(*data, 0, *size);
	len = nul ? (size_t)(nul - *data) : *size;
	s = xstrndup((const char *)*data, len);
	*data += len + (nul != NULL);
	*size -= len + (nul != NULL);
	return s;
}

static char *fuzz_dir;

static inline void fuzz_tmpdir_remove(void)
{
	struct pgs_error err = PGS_ERROR_INIT;

	if (fs_remove_tree(fuzz_dir, &err) < 0)
		err_clear(&err);
	free(fuzz_dir);
	fuzz_dir = NULL;
}

/*
 * This process's scratch directory under $TMPDIR (make fuzz points that at
 * a throwaway directory), made on first use and removed at exit.
 */
static inline const char *fuzz_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (fuzz_dir)
		return fuzz_dir;
	fuzz_dir = xasprintf("%s/pgshift-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir))
		abort();
	atexit(fuzz_tmpdir_remove);
	return fuzz_dir;
}

#endif
