/*
 * secret: the secret fields of URLs, key=value strings and PGPASSWORD=.
 */
#include "util/secret.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"

#define MASK "********"

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The end of a URL token: it runs to white space, a quote or an angle bracket. */
static size_t token_end(const char *s, size_t i)
{
	while (s[i] && !isspace((unsigned char)s[i]) && !strchr("\"'<>", s[i]))
		i++;
	return i;
}

/* The token a URL scan is in: its end and its last '@', found once, so that the scan stays linear. */
struct token {
	size_t end, last_at;
	bool have_at, known;
};

/*
 * scheme://user:SECRET@host: the password runs from the first ':' of the
 * user part to the last '@' of the token, so that a malformed password with
 * a '/' or a '?' in it is still covered.
 */
static bool url_password(const char *s, size_t i, struct token *tok, size_t *start, size_t *len)
{
	size_t u = i + 3, c;

	if (!tok->known || u >= tok->end) {
		tok->end = token_end(s, u);
		tok->have_at = false;
		for (size_t k = u; k < tok->end; k++)
			if (s[k] == '@') {
				tok->last_at = k;
				tok->have_at = true;
			}
		tok->known = true;
	}
	if (!tok->have_at || tok->last_at < u)
		return false;
	for (c = u; c < tok->last_at && s[c] != ':'; c++)
		;
	if (c >= tok->last_at || c + 1 == tok->last_at)
		return false;
	*start = c + 1;
	*len = tok->last_at - c - 1;
	return true;
}

/* The value after "keyword =" at v: quoted (backslash escapes) or a word. */
static size_t value_len(const char *s, size_t v, bool in_query, bool greedy)
{
	size_t k = v;

	if (s[k] == '\'' || s[k] == '"') {
		char q = s[k++];
		while (s[k] && s[k] != q)
			k += s[k] == '\\' && s[k + 1] ? 2 : 1;
		return (s[k] ? k + 1 : k) - v;
	}
	for (;;) {
		/* a '"' ends it too, so that a masked URL inside JSON keeps its closing quote */
		while (s[k] && !isspace((unsigned char)s[k]) && s[k] != '"' &&
		       !(in_query && (s[k] == '&' || s[k] == '#' || s[k] == '\'')))
			k++;
		if (!greedy || in_query || !isspace((unsigned char)s[k]))
			return k - v;
		/* greedy: the next word belongs to the password unless it is an option of its own */
		size_t w = k;
		while (isspace((unsigned char)s[w]))
			w++;
		size_t we = w;
		while (s[we] && !isspace((unsigned char)s[we]) && s[we] != '=')
			we++;
		while (isspace((unsigned char)s[we]))
			we++;
		if (!s[w] || s[we] == '=')
			return k - v;
		k = w;
	}
}

/* password= / sslpassword= / PGPASSWORD= at i, as a whole word. */
static bool option_password(const char *s, size_t i, bool greedy, size_t *start, size_t *len)
{
	static const char *const keys[] = { "sslpassword", "pgpassword", "password" };
	size_t v;

	if (i > 0 && word_char(s[i - 1]))
		return false;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		size_t n = strlen(keys[k]);

		if (strncasecmp(s + i, keys[k], n) || word_char(s[i + n]))
			continue;
		v = i + n;
		while (isspace((unsigned char)s[v]))
			v++;
		if (s[v] != '=')
			return false;
		v++;
		while (isspace((unsigned char)s[v]))
			v++;
		*start = v;
		*len = value_len(s, v, i > 0 && (s[i - 1] == '?' || s[i - 1] == '&'), greedy);
		return *len > 0;
	}
	return false;
}

bool secret_next(const char *s, size_t from, bool greedy, size_t *start, size_t *len)
{
	struct token tok = { 0, 0, false, false };

	for (size_t i = from; s[i]; i++) {
		if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/' && url_password(s, i, &tok, start, len))
			return true;
		if (option_password(s, i, greedy, start, len))
			return true;
	}
	return false;
}

char *secret_mask_fields(const char *s)
{
	struct buf b = BUF_INIT;
	size_t pos = 0, start, len;

	while (secret_next(s, pos, false, &start, &len)) {
		buf_add(&b, s + pos, start - pos);
		buf_adds(&b, MASK);
		pos = start + len;
	}
	buf_adds(&b, s + pos);
	return buf_detach(&b);
}

/* The registry of secrets known by value (passwords), for the safety net of util/output.c. */
static char **secrets;
static size_t nsecrets;

static void add_one(const char *secret)
{
	for (size_t i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], secret))
			return;
	secrets = xrealloc(secrets, (nsecrets + 1) * sizeof(*secrets));
	secrets[nsecrets++] = xstrdup(secret);
}

/* secret percent-encoded as in a URL (all but A-Z a-z 0-9 - . _ ~), with upper- or lower-case hex. */
static char *percent_encoded(const char *secret, bool upper)
{
	const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	struct buf b = BUF_INIT;

	for (const unsigned char *p = (const unsigned char *)secret; *p; p++) {
		if (isalnum(*p) || strchr("-._~", *p)) {
			buf_addc(&b, (char)*p);
		} else {
			buf_addc(&b, '%');
			buf_addc(&b, hex[*p >> 4]);
			buf_addc(&b, hex[*p & 15]);
		}
	}
	return buf_detach(&b);
}

void secret_register(const char *secret)
{
	if (!secret || !*secret)
		return;
	add_one(secret);
	for (int upper = 0; upper < 2; upper++) {
		char *enc = percent_encoded(secret, upper);
		add_one(enc);
		free(enc);
	}
}

void secret_forget_all(void)
{
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
}

const char *const *secret_registered(size_t *n)
{
	*n = nsecrets;
	return (const char *const *)secrets;
}
