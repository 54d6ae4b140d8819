/*
 * edit: what an edit to an applied migration changed.
 *
 * The history keeps only the checksum of the text that ran, so that text is
 * looked for: first the file's own bytes with the other line endings or
 * without (with) a byte-order mark, which is what git's autocrlf and editors
 * do; then the versions of the file that git has (up to 50 commits, then
 * the index).  The text whose SHA-256 is the recorded checksum is compared with
 * the file by parse tree: both are parsed by libpg_query and deparsed, which
 * drops comments, whitespace and token positions, so equal deparsed SQL means
 * the edit touched only whitespace and comments.
 */
#ifndef PGSHIFT_EDIT_H
#define PGSHIFT_EDIT_H

#include "core/migset.h"
#include "util/buf.h"

enum edit_kind {
	EDIT_UNKNOWN,	/* the text that ran was not found, or one of the texts does not parse */
	EDIT_LAYOUT,	/* whitespace and comments only: the same parse trees */
	EDIT_SQL,	/* the SQL differs from what ran */
};

/* Compares two SQL texts (NUL-terminated) by their parse trees. */
enum edit_kind edit_compare(const char *old_sql, const char *new_sql);
/*
 * Classifies the edit of m, applied with the given checksum.  *found says
 * where the text that ran was found (e.g. "git commit 1a2b3c4d"), empty when
 * it was not; the caller owns it.
 */
enum edit_kind edit_classify(const struct migration *m, const char *checksum, struct buf *found);
/* Appends what edit_classify found, in words: the kind and what the file was compared with. */
void edit_describe(enum edit_kind k, const char *found, struct buf *out);

#endif
