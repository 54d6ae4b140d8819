/*
 * checksum: hashing and ids through OpenSSL.
 */
#include "core/checksum.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/buf.h"

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * OpenSSL 3 looks the algorithm up on every EVP_sha256() digest; fetching it
 * once makes hashing a thousand small files several times cheaper.
 */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void checksum_sha256_hex(const void *data, size_t len, char out[CHECKSUM_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	pthread_once(&sha256_once, fetch_sha256);
	if (!sha256 || !EVP_Digest(data, len, md, &mdlen, sha256, NULL)) {
		xfatal("SHA-256 is not available");
	}
	hex(md, mdlen, out);
}

void uuid_v4(char out[37])
{
	unsigned char r[16];
	char h[33];

	if (RAND_bytes(r, sizeof(r)) != 1) {
		xfatal("no random bytes available");
	}
	r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
	hex(r, 16, h);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}
