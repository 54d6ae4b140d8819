/*
 * Fuzz target: a Prisma layout's migration_lock.toml (migset_check_lock),
 * written to a scratch directory.
 */
#include "fuzz.h"
#include "core/migset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_tmpdir();
	char *path = fs_join(dir, "migration_lock.toml");
	struct pgs_error err = PGS_ERROR_INIT;

	if (fs_write_file(path, (const char *)data, size, 0600, &err) < 0)
		abort();
	if (migset_check_lock(dir, &err) < 0)
		err_clear(&err);
	free(path);
	return 0;
}
