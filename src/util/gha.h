/*
 * gha: GitHub Actions integration: step outputs and the step summary.
 * Both do nothing outside GitHub Actions (GITHUB_ACTIONS=true).
 */
#ifndef PGSHIFT_GHA_H
#define PGSHIFT_GHA_H

#include <stdbool.h>

#include "util/buf.h"

bool gha_active(void);
/* Appends key=value to $GITHUB_OUTPUT. */
void gha_output(const char *key, const char *value);
/* Appends markdown (redacted) to $GITHUB_STEP_SUMMARY. */
void gha_summary(const char *markdown);
/* Appends s as workflow command data: % CR LF escaped; a property (file=, title=) also : and ,. */
void gha_escape(struct buf *out, const char *s, bool property);

#endif
