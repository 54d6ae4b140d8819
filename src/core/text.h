/*
 * text: facts about the bytes of a migration file: is it UTF-8, on which
 * line is a byte offset, where does a line end.
 */
#ifndef PGSHIFT_TEXT_H
#define PGSHIFT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Checks that data[0..len) is valid UTF-8 as PostgreSQL reads it (no NUL
 * bytes; well-formed by the Unicode standard, decoded by ICU's U8_NEXT, not
 * by hand).  Returns true, or false with *bad_off set to the offset of the
 * first offending byte.
 */
bool text_valid_utf8(const char *data, size_t len, size_t *bad_off);
/* 1-based line of byte offset off. */
int text_line_of(const char *data, size_t off);
/* 1-based column (in characters) of byte offset off. */
int text_column_of(const char *data, size_t off);
/* Byte offset of the char_pos'th character (1-based) of s, clamped to len. */
size_t text_char_to_byte(const char *s, size_t len, int char_pos);
/* True when data holds only whitespace. */
bool text_is_blank(const char *data, size_t len);

#endif
