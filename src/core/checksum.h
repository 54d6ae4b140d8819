/*
 * checksum: SHA-256 of a migration file, as lower-case hex (Prisma's
 * definition, so both tools agree on `_prisma_migrations.checksum`).
 */
#ifndef PGSHIFT_CHECKSUM_H
#define PGSHIFT_CHECKSUM_H

#include <stddef.h>

#define CHECKSUM_HEX_LEN 64

/* Writes 64 hex characters and a NUL into out. */
void checksum_sha256_hex(const void *data, size_t len, char out[CHECKSUM_HEX_LEN + 1]);
/* Writes a random (version 4) UUID, 36 characters and a NUL, into out. */
void uuid_v4(char out[37]);

#endif
