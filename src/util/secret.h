/*
 * secret: where the secret fields of connection strings are, in any text.
 *
 * The structure pgshift knows: the password of a URL
 * (scheme://user:SECRET@host), a `password=` or `sslpassword=` option in a
 * key=value string or a URL's query, and `PGPASSWORD=`.  Masking by
 * structure hides a password of any length, even one letter, without
 * touching the same letters elsewhere ("authentication failed" stays whole
 * when the password is "fail").  Nothing here prints.
 */
#ifndef PGSHIFT_SECRET_H
#define PGSHIFT_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Finds the first secret field of s at or after offset from: its start and
 * length (quotes included for a quoted value).  greedy, for a whole
 * connection string that did not parse: an unquoted key=value password runs
 * on over the following words up to the next word with an "=" (the user
 * may have meant "password=two words").  False when there is none.
 */
bool secret_next(const char *s, size_t from, bool greedy, size_t *start, size_t *len);
/* s with every secret field replaced by "********" (new string). */
char *secret_mask_fields(const char *s);

/*
 * The secrets known by value (a target's password, PGPASSWORD): registered
 * (copied) with their percent-encoded forms, so that util/output.c masks
 * them wherever they stand as a whole word.  Any layer may register one;
 * nothing here prints.
 */
void secret_register(const char *secret);
void secret_forget_all(void);
/* The registered secrets, *n of them (owned by the registry). */
const char *const *secret_registered(size_t *n);

#endif
