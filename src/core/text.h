/*
 * text: facts about the bytes of a migration file: is it UTF-8, on which
 * line is a byte offset, where does a line end.
 */
#ifndef PGSHIFT_TEXT_H
#define PGSHIFT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

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
/*
 * Removes a UTF-8 byte-order mark (EF BB BF) from the start of b, as editors
 * on Windows write it: PostgreSQL reads it as part of the first token.  Only
 * the text parsed and sent loses it; a checksum is taken over the file's
 * bytes as they are (as Prisma's is).  Returns true when there was one.
 */
bool text_strip_bom(struct buf *b);
/* True when data holds only whitespace. */
bool text_is_blank(const char *data, size_t len);

#endif
