/*
 * output: printing with secret redaction and optional colour.
 */
#include "util/output.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/buf.h"

#define REDACTED "********"

static char **secrets;
static size_t nsecrets;

void out_add_secret(const char *secret)
{
	if (!secret || !*secret)
		return;
	for (size_t i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], secret))
			return;
	secrets = xrealloc(secrets, (nsecrets + 1) * sizeof(*secrets));
	secrets[nsecrets++] = xstrdup(secret);
}

void out_free_secrets(void)
{
	for (size_t i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = 0;
}

static void redact_buf(struct buf *b)
{
	for (size_t i = 0; i < nsecrets; i++)
		buf_replace_all(b, secrets[i], REDACTED);
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
	out_errorf("%s", e->message ? e->message : "unknown error");
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
