/*
 * opts: command-line options declared as data.
 *
 * Each command declares an array of struct opt ending in OPT_END(); the same
 * array parses argv and prints `--help`, so the help can never drift from
 * the parser.  Long options take their value as `--name value` or
 * `--name=value`.  Positional arguments are moved, in order, to the front of
 * argv and counted in the return value.
 */
#ifndef PGSHIFT_OPTS_H
#define PGSHIFT_OPTS_H

#include <stdbool.h>

#include "util/err.h"

enum opt_type {
	OPT_T_END,
	OPT_T_GROUP,	/* a heading in --help */
	OPT_T_BOOL,	/* bool *; --no-NAME is not supported */
	OPT_T_STRING,	/* const char **; last one wins */
	OPT_T_INT,	/* int *; 0 to INT_MAX, or the option's own range */
	OPT_T_DURATION,	/* long * in milliseconds: 500ms, 5s, 2m, 1h; a bare number is seconds; at most OPTS_MAX_MS */
	OPT_T_MILLIS,	/* the same, but a bare number is milliseconds (--target-ms 50) */
	OPT_T_LIST,	/* struct strlist *; repeatable */
};

struct strlist {
	const char **items;
	int n;
};

struct opt {
	enum opt_type type;
	const char *name;	/* long name without "--" */
	char short_name;	/* 0 for none */
	const char *argh;	/* name of the value in --help */
	const char *help;
	void *value;
	long min, max;	/* OPT_T_INT's range; both 0: 0 to INT_MAX */
};

/*
 * The longest duration pgshift takes: PostgreSQL's timeouts end at INT_MAX
 * milliseconds (about 24 days), and every duration becomes one or a wait.
 */
#define OPTS_MAX_MS 2147483647L
#define OPTS_DURATION_RANGE "0 to 2147483647ms (about 24 days)"

#define OPT_END() { OPT_T_END, NULL, 0, NULL, NULL, NULL }
#define OPT_GROUP(h) { OPT_T_GROUP, NULL, 0, NULL, (h), NULL }
#define OPT_BOOL(s, l, v, h) { OPT_T_BOOL, (l), (s), NULL, (h), (v) }
#define OPT_STRING(s, l, v, a, h) { OPT_T_STRING, (l), (s), (a), (h), (v) }
#define OPT_INT(s, l, v, a, h) { OPT_T_INT, (l), (s), (a), (h), (v), 0, 0 }
#define OPT_INT_RANGE(s, l, v, a, h, lo, hi) { OPT_T_INT, (l), (s), (a), (h), (v), (lo), (hi) }
#define OPT_DURATION(s, l, v, a, h) { OPT_T_DURATION, (l), (s), (a), (h), (v) }
#define OPT_MILLIS(s, l, v, a, h) { OPT_T_MILLIS, (l), (s), (a), (h), (v) }
#define OPT_LIST(s, l, v, a, h) { OPT_T_LIST, (l), (s), (a), (h), (v) }

/*
 * Parses argv[0..argc) (argv[0] is the first argument, not the program).
 * Returns the number of positional arguments, now at argv[0..n), or -1 with
 * err set (code EXIT_USAGE), or -2 when --help was given and printed.
 */
int opts_parse(int argc, char **argv, const struct opt *opts, const char *usage,
	       struct pgs_error *err);
void opts_usage(const struct opt *opts, const char *usage);
/*
 * Parses a duration into milliseconds (a bare number is seconds); returns -1
 * when it is not one or is longer than OPTS_MAX_MS.
 */
int opts_parse_duration(const char *s, long *ms);
/* The same, with a bare number taken as milliseconds. */
int opts_parse_millis(const char *s, long *ms);
/* Parses a decimal whole number from min to max (nothing else around it); returns -1 otherwise. */
int opts_parse_long(const char *s, long min, long max, long *out);
void strlist_free(struct strlist *l);

#endif
