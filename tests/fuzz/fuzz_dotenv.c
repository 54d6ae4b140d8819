/*
 * Fuzz target: a `.env` file (core/dotenv).
 */
#include "fuzz.h"
#include "core/dotenv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct dotenv d = { 0 };
	struct pgs_error err = PGS_ERROR_INIT;

	if (dotenv_parse(".env", text, &d, &err) < 0)
		err_clear(&err);
	for (size_t i = 0; i < d.n; i++)
		dotenv_key_allowed(d.items[i].key);
	dotenv_free(&d);
	free(text);
	return 0;
}
