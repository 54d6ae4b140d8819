/*
 * dotenv: parsing KEY=VALUE files.
 */
#define _POSIX_C_SOURCE 200809L
#include "core/dotenv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/exitcodes.h"
#include "util/fsutil.h"

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static void add(struct dotenv *d, char *key, char *value)
{
	d->items = xrealloc(d->items, (d->n + 1) * sizeof(*d->items));
	d->items[d->n].key = key;
	d->items[d->n].value = value;
	d->n++;
}

/* Parses the value starting at p; *next is set past the value's line(s). */
static int parse_value(const char *p, const char **next, struct buf *v, int *line)
{
	if (*p == '\'' || *p == '"') {
		char q = *p++;

		for (; *p && *p != q; p++) {
			if (*p == '\n')
				(*line)++;
			if (q == '"' && *p == '\\' && p[1]) {
				p++;
				switch (*p) {
				case 'n': buf_addc(v, '\n'); break;
				case 't': buf_addc(v, '\t'); break;
				case 'r': buf_addc(v, '\r'); break;
				default: buf_addc(v, *p);
				}
				continue;
			}
			buf_addc(v, *p);
		}
		if (*p != q)
			return -1;
		p++;
		p = skip_blanks(p);
		if (*p && *p != '\n' && *p != '#' && *p != '\r')
			return -1;
	} else {
		const char *s = p;
		const char *e;

		while (*p && *p != '\n' && !(*p == '#' && p > s && (p[-1] == ' ' || p[-1] == '\t')))
			p++;
		e = p;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		buf_add(v, s, (size_t)(e - s));
	}
	while (*p && *p != '\n')
		p++;
	*next = p;
	return 0;
}

int dotenv_parse(const char *path, const char *text, struct dotenv *out, struct pgs_error *err)
{
	const char *p = text;
	int line = 1;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *k;
		size_t klen;
		struct buf v = BUF_INIT;
		int start_line = line;

		p = skip_blanks(p);
		if (*p == '\n' || *p == '\r' || *p == '#' || !*p)
			goto next_line;
		if (!strncmp(p, "export", 6) && (p[6] == ' ' || p[6] == '\t'))
			p = skip_blanks(p + 6);
		k = p;
		while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
			p++;
		klen = (size_t)(p - k);
		p = skip_blanks(p);
		if (!klen || *p != '=' || isdigit((unsigned char)*k)) {
			dotenv_free(out);
			err_set_at(err, EXIT_FAILURE_, path, line, 0, "expected KEY=VALUE");
			err_hint(err, "fix or comment out the line with #");
			return -1;
		}
		p = skip_blanks(p + 1);
		if (parse_value(p, &p, &v, &line) < 0) {
			buf_release(&v);
			dotenv_free(out);
			err_set_at(err, EXIT_FAILURE_, path, start_line, 0, "unterminated or malformed quoted value");
			err_hint(err, "close the quote, and put nothing but a # comment after it");
			return -1;
		}
		add(out, xstrndup(k, klen), buf_detach(&v));
	next_line:
		while (*p && *p != '\n')
			p++;
		if (*p == '\n') {
			p++;
			line++;
		}
	}
	return 0;
}

void dotenv_free(struct dotenv *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].key);
		free(d->items[i].value);
	}
	free(d->items);
	memset(d, 0, sizeof(*d));
}

/* The loaded .env (owned here; dotenv_unload frees it). */
static struct dotenv loaded;

int dotenv_load_file(const char *path, struct pgs_error *err)
{
	struct buf text = BUF_INIT;
	struct dotenv d;

	if (!fs_is_file(path))
		return 0;
	if (fs_read_file(path, &text, err) < 0)
		return -1;
	if (dotenv_parse(path, text.data, &d, err) < 0) {
		buf_release(&text);
		return -1;
	}
	buf_release(&text);
	dotenv_free(&loaded);
	loaded = d;
	return 0;
}

void dotenv_unload(void)
{
	dotenv_free(&loaded);
}

bool dotenv_key_allowed(const char *name)
{
	static const char *const keys[] = { "DATABASE_URL_UNPOOLED", "DIRECT_URL", "DATABASE_URL", "VERCEL_DEPLOY_HOOK_URL" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(name, keys[i]))
			return true;
	return !strncmp(name, "PGSHIFT_", 8) && name[8];
}

const char *config_getenv(const char *name)
{
	const char *v = getenv(name);

	if (v || !dotenv_key_allowed(name))
		return v;
	/* The first assignment wins, as it always has. */
	for (size_t i = 0; i < loaded.n; i++)
		if (!strcmp(loaded.items[i].key, name))
			return loaded.items[i].value;
	return NULL;
}
