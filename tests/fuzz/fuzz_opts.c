/*
 * Fuzz target: command-line options (util/opts) against a table with every
 * option type; the input is argv, one argument per NUL-separated piece.
 */
#include "fuzz.h"
#include "util/opts.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool flag = false;
	const char *str = NULL;
	int num = 0, ranged = 0;
	long dur = 0, ms = 0;
	struct strlist list = { 0 };
	const struct opt opts[] = {
		OPT_GROUP("Options:"),
		OPT_BOOL('f', "flag", &flag, "a flag"),
		OPT_STRING('s', "str", &str, "S", "a string"),
		OPT_INT('n', "num", &num, "N", "a number"),
		OPT_INT_RANGE(0, "pg-version", &ranged, "N", "a number in a range", 90600, 999999),
		OPT_DURATION(0, "dur", &dur, "D", "a duration"),
		OPT_MILLIS(0, "target-ms", &ms, "MS", "milliseconds"),
		OPT_LIST('i', "item", &list, "X", "repeatable"),
		OPT_END(),
	};
	char *argv[MAX_ARGS], *owned[MAX_ARGS];
	int argc = 0;
	struct pgs_error err = PGS_ERROR_INIT;
	char *arg;

	while (argc < MAX_ARGS && (arg = fuzz_piece(&data, &size)))
		argv[argc++] = arg;
	/* opts_parse moves the positional arguments to the front: free from a copy */
	memcpy(owned, argv, sizeof(argv[0]) * (size_t)argc);
	if (opts_parse(argc, argv, opts, "fuzz [options]", &err) == -1)
		err_clear(&err);
	strlist_free(&list);
	for (int i = 0; i < argc; i++)
		free(owned[i]);
	return 0;
}
