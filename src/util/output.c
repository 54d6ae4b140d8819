/*
 * output: printing with secret redaction and optional colour.
 */
#include "util/output.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/secret.h"

#define REDACTED "********"
/*
 * The safety net matches a registered secret as a whole word only, and only
 * from this length on.  A short password is also a piece of ordinary words:
 * replacing "fail" everywhere turned "authentication failed" into
 * "authentication ********ed", and a password "e" garbled every message,
 * which gave the password away rather than hiding it.  Eight characters is
 * the length below which such collisions are common; the secret fields of
 * every URL, key=value string and PGPASSWORD= are masked by structure
 * whatever their length (util/secret.h), so a short password is still
 * never printed in a URL or option that carries it.
 */
#define SAFETY_NET_MIN 8

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Replaces the whole-word occurrences of secret in b (a word character on its edge must not touch another). */
static void replace_whole(struct buf *b, const char *secret)
{
	size_t n = strlen(secret);
	struct buf out = BUF_INIT;
	const char *p = b->data, *hit;
	bool changed = false;

	while ((hit = strstr(p, secret))) {
		bool whole = !(word_char(secret[0]) && hit > b->data && word_char(hit[-1])) &&
			     !(word_char(secret[n - 1]) && word_char(hit[n]));

		buf_add(&out, p, (size_t)(hit - p));
		buf_adds(&out, whole ? REDACTED : secret);
		changed |= whole;
		p = hit + n;
	}
	if (!changed) {
		buf_release(&out);
		return;
	}
	buf_adds(&out, p);
	buf_release(b);
	*b = out;
}

/* By structure first (any length), then the registered secrets long enough to be unambiguous. */
static void redact_buf(struct buf *b)
{
	char *masked = secret_mask_fields(b->data);

	buf_reset(b);
	buf_adds(b, masked);
	free(masked);
	size_t n;
	const char *const *secrets = secret_registered(&n);

	for (size_t i = 0; i < n; i++)
		if (strlen(secrets[i]) >= SAFETY_NET_MIN)
			replace_whole(b, secrets[i]);
}

char *out_redact(const char *s)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, s);
	redact_buf(&b);
	return buf_detach(&b);
}

/*
 * The net under every write: control characters that pgshift's own text
 * never holds are made visible (a carriage return starts a new line in a CI
 * log, which runs a line beginning "::" as a workflow command; ESC moves a
 * terminal's cursor).  Newline and tab stay, and so do colour sequences
 * (ESC [ digits and ; then m) and a carriage return that opens a write (the
 * progress bar redraws its line).
 */
static void show_controls(struct buf *b)
{
	struct buf out = BUF_INIT;
	size_t from = b->len && b->data[0] == '\r', i = from;

	buf_add(&out, b->data, from);
	while (i < b->len) {
		size_t k = i + 2;

		if (b->data[i] != '\033' || b->data[i + 1] != '[') {
			i++;
			continue;
		}
		while (k < b->len && ((b->data[k] >= '0' && b->data[k] <= '9') || b->data[k] == ';'))
			k++;
		if (k == b->len || b->data[k] != 'm') {
			i++;
			continue;
		}
		buf_add_visible(&out, b->data + from, i - from, true);
		buf_add(&out, b->data + i, k + 1 - i);
		i = from = k + 1;
	}
	buf_add_visible(&out, b->data + from, b->len - from, true);
	buf_release(b);
	*b = out;
}

static void vwrite(FILE *f, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;

	buf_vaddf(&b, fmt, ap);
	redact_buf(&b);
	show_controls(&b);
	fwrite(b.data, 1, b.len, f);
	buf_release(&b);
}

void out_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwrite(stdout, fmt, ap);
	va_end(ap);
}

void out_eprintf(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vwrite(stderr, fmt, ap);
	va_end(ap);
}

void out_puts(const char *s)
{
	out_printf("%s", s);
}

/* Appends text to b as one line (a final newline dropped, others made visible), and releases text. */
static void one_line(struct buf *b, struct buf *text)
{
	while (text->len && text->data[text->len - 1] == '\n')
		text->data[--text->len] = '\0';
	buf_add_visible(b, text->data, text->len, false);
	buf_release(text);
}

static void eprint_prefixed(const char *prefix, enum out_colour c, const char *fmt, va_list ap)
{
	struct buf text = BUF_INIT, b = BUF_INIT;
	bool col = out_colour_enabled(stderr);

	buf_vaddf(&text, fmt, ap);
	one_line(&b, &text);
	if (col)
		out_eprintf("pgshift: %s%s%s: %s\n", c == C_RED ? "\033[1;31m" : "\033[1;33m",
			    prefix, "\033[0m", b.data);
	else
		out_eprintf("pgshift: %s: %s\n", prefix, b.data);
	buf_release(&b);
}

void out_error(const struct pgs_error *e)
{
	struct buf text = BUF_INIT;

	err_add_text(&text, e);
	out_errorf("%s", text.data);
	buf_release(&text);
	if (e->detail) {
		/* one "detail:" per line, so every line reads on its own in a CI log */
		const char *p = e->detail;
		while (*p) {
			size_t n = strcspn(p, "\n");
			out_eprintf("detail: %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	if (e->hint)
		out_eprintf("hint: %s\n", e->hint);
}

void out_errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eprint_prefixed("error", C_RED, fmt, ap);
	va_end(ap);
}

void out_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	eprint_prefixed("warning", C_YELLOW, fmt, ap);
	va_end(ap);
}

void out_hint(const char *fmt, ...)
{
	struct buf text = BUF_INIT, b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&text, fmt, ap);
	va_end(ap);
	one_line(&b, &text);
	out_eprintf("hint: %s\n", b.data);
	buf_release(&b);
}

bool out_colour_enabled(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if (nc && *nc)
		return false;
	return isatty(fileno(f));
}

static bool stdout_colour(void)
{
	static int enabled = -1;

	if (enabled < 0)
		enabled = out_colour_enabled(stdout);
	return enabled;
}

const char *out_c(enum out_colour c)
{
	static const char *codes[] = {
		[C_NONE] = "", [C_RED] = "\033[31m", [C_GREEN] = "\033[32m",
		[C_YELLOW] = "\033[33m", [C_BLUE] = "\033[34m", [C_BOLD] = "\033[1m",
		[C_DIM] = "\033[2m",
	};

	return stdout_colour() ? codes[c] : "";
}

const char *out_reset(void)
{
	return stdout_colour() ? "\033[0m" : "";
}
