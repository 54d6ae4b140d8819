/*
 * opts: parsing argv against a declared option list, and printing its help.
 */
#include "util/opts.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/exitcodes.h"
#include "util/output.h"

/* bare: what a number without a unit is multiplied by to make milliseconds */
static int parse_duration(const char *s, double bare, long *ms)
{
	char *end;
	double v;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -1;
	if (!*end)
		v *= bare;
	else if (!strcmp(end, "s"))
		v *= 1000;
	else if (!strcmp(end, "ms"))
		;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		v *= 60 * 1000;
	else if (!strcmp(end, "h"))
		v *= 3600 * 1000;
	else
		return -1;
	if (!(v >= 0 && v <= (double)OPTS_MAX_MS))
		return -1;
	*ms = (long)v;
	return 0;
}

int opts_parse_duration(const char *s, long *ms)
{
	return parse_duration(s, 1000, ms);
}

int opts_parse_millis(const char *s, long *ms)
{
	return parse_duration(s, 1, ms);
}

int opts_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static const struct opt *find_long(const struct opt *opts, const char *name, size_t len)
{
	for (; opts->type != OPT_T_END; opts++)
		if (opts->name && strlen(opts->name) == len && !strncmp(opts->name, name, len))
			return opts;
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, char c)
{
	for (; opts->type != OPT_T_END; opts++)
		if (opts->type != OPT_T_GROUP && opts->short_name == c)
			return opts;
	return NULL;
}

static int set_value(const struct opt *o, const char *val, struct pgs_error *err)
{
	long n;

	switch (o->type) {
	case OPT_T_STRING:
		*(const char **)o->value = val;
		return 0;
	case OPT_T_INT: {
		long lo = o->min || o->max ? o->min : 0, hi = o->min || o->max ? o->max : INT_MAX;

		if (opts_parse_long(val, lo, hi, &n) < 0)
			return err_set(err, EXIT_USAGE, "option --%s needs a whole number from %ld to %ld, not \"%s\"",
				       o->name, lo, hi, val);
		*(int *)o->value = (int)n;
		return 0;
	}
	case OPT_T_DURATION:
	case OPT_T_MILLIS:
		if ((o->type == OPT_T_MILLIS ? opts_parse_millis : opts_parse_duration)(val, (long *)o->value) < 0) {
			err_set(err, EXIT_USAGE, "option --%s needs a duration such as %s, 5s or 2m, from "
				OPTS_DURATION_RANGE ", not \"%s\"",
				o->name, o->type == OPT_T_MILLIS ? "200 (milliseconds), 500ms" : "500ms", val);
			return -1;
		}
		return 0;
	case OPT_T_LIST: {
		struct strlist *l = o->value;
		l->items = xrealloc(l->items, (size_t)(l->n + 1) * sizeof(*l->items));
		l->items[l->n++] = val;
		return 0;
	}
	default:
		return 0;
	}
}

int opts_parse(int argc, char **argv, const struct opt *opts, const char *usage,
	       struct pgs_error *err)
{
	int npos = 0;
	bool only_pos = false;

	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];
		const struct opt *o;
		const char *val = NULL;

		if (only_pos || arg[0] != '-' || !arg[1]) {
			argv[npos++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			only_pos = true;
			continue;
		}
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			opts_usage(opts, usage);
			return -2;
		}
		if (arg[1] == '-') {
			const char *name = arg + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			o = find_long(opts, name, len);
			if (!o) {
				err_set(err, EXIT_USAGE, "unknown option \"--%.*s\"", (int)len, name);
				err_hint(err, "run \"%s --help\" for the options", usage);
				return -1;
			}
			if (eq)
				val = eq + 1;
		} else {
			if (arg[2]) {
				err_set(err, EXIT_USAGE, "unknown option \"%s\"", arg);
				err_hint(err, "short options cannot be bundled; run \"%s --help\"", usage);
				return -1;
			}
			o = find_short(opts, arg[1]);
			if (!o) {
				err_set(err, EXIT_USAGE, "unknown option \"%s\"", arg);
				err_hint(err, "run \"%s --help\" for the options", usage);
				return -1;
			}
		}
		if (o->type == OPT_T_BOOL) {
			if (val)
				return err_set(err, EXIT_USAGE, "option --%s takes no value", o->name);
			*(bool *)o->value = true;
			continue;
		}
		if (!val) {
			if (i + 1 >= argc)
				return err_set(err, EXIT_USAGE, "option --%s needs a value (%s)", o->name,
					       o->argh ? o->argh : "VALUE");
			val = argv[++i];
		}
		if (set_value(o, val, err) < 0)
			return -1;
	}
	return npos;
}

void opts_usage(const struct opt *opts, const char *usage)
{
	out_printf("usage: %s\n", usage);
	for (; opts->type != OPT_T_END; opts++) {
		struct buf b = BUF_INIT;

		if (opts->type == OPT_T_GROUP) {
			out_printf("\n%s\n", opts->help);
			continue;
		}
		buf_adds(&b, "  ");
		if (opts->short_name)
			buf_addf(&b, "-%c, ", opts->short_name);
		else
			buf_adds(&b, "    ");
		buf_addf(&b, "--%s", opts->name);
		if (opts->type != OPT_T_BOOL)
			buf_addf(&b, " %s", opts->argh ? opts->argh : "VALUE");
		if (opts->type == OPT_T_LIST)
			buf_adds(&b, " ...");
		if (b.len < 32)
			out_printf("%-32s%s\n", b.data, opts->help);
		else
			out_printf("%s\n%32s%s\n", b.data, "", opts->help);
		buf_release(&b);
	}
}

void strlist_free(struct strlist *l)
{
	free(l->items);
	l->items = NULL;
	l->n = 0;
}
