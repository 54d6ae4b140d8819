/*
 * unit: helpers shared by the unit tests (compiled into each test binary).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "unit.h"
#include "util/buf.h"
#include "util/fsutil.h"

char *unit_tmpdir(void)
{
	char tmpl[] = "/tmp/pgshift-unit-XXXXXX";
	char *d = mkdtemp(tmpl);

	assert_non_null(d);
	return xstrdup(d);
}

void unit_write(const char *dir, const char *rel, const char *text, size_t len)
{
	char *path = fs_join(dir, rel);
	char *slash = strrchr(path, '/');
	struct pgs_error err = PGS_ERROR_INIT;

	*slash = '\0';
	assert_int_equal(fs_mkdir_p(path, 0755, &err), 0);
	*slash = '/';
	assert_int_equal(fs_write_file(path, text, len, 0644, &err), 0);
	free(path);
}
