/*
 * unit: what every cmocka test file includes.
 */
#ifndef PGSHIFT_UNIT_H
#define PGSHIFT_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* A fresh temporary directory (caller frees the string and removes the tree). */
char *unit_tmpdir(void);
/* Writes text to dir/rel, creating parent directories. */
void unit_write(const char *dir, const char *rel, const char *text, size_t len);

#endif
