/*
 * gha: writing GitHub Actions' output and summary files.
 */
#include "util/gha.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/output.h"

bool gha_active(void)
{
	const char *g = getenv("GITHUB_ACTIONS");
	return g && !strcmp(g, "true");
}

static void append(const char *var, const char *text)
{
	const char *path = getenv(var);
	FILE *f;

	if (!gha_active() || !path || !*path)
		return;
	f = fopen(path, "a");
	if (!f) {
		out_warning("could not append to %s (%s)", var, path);
		return;
	}
	{
		char *r = out_redact(text);
		fputs(r, f);
		free(r);
	}
	fclose(f);
}

void gha_output(const char *key, const char *value)
{
	char line[256];

	snprintf(line, sizeof(line), "%s=%s\n", key, value);
	append("GITHUB_OUTPUT", line);
}

void gha_summary(const char *markdown)
{
	append("GITHUB_STEP_SUMMARY", markdown);
}

void gha_escape(struct buf *out, const char *s, bool property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': buf_adds(out, "%25"); break;
		case '\r': buf_adds(out, "%0D"); break;
		case '\n': buf_adds(out, "%0A"); break;
		case ':': if (property) { buf_adds(out, "%3A"); break; } buf_addc(out, *s); break;
		case ',': if (property) { buf_adds(out, "%2C"); break; } buf_addc(out, *s); break;
		default: buf_addc(out, *s);
		}
	}
}
