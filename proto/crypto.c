/* crypto.c: libsodium wrappers (see crypto.h). */
#include "crypto.h"

#include <sodium.h>

#include "error.h"

int pk_crypto_init(void)
{
	return sodium_init() < 0 ? PK_ESTATE : 0;
}

void pk_key_from_seed(const uint8_t seed[PK_SEED_BYTES], uint8_t pub[PK_PUB_BYTES],
                      uint8_t sec[PK_SEC_BYTES])
{
	crypto_sign_seed_keypair(pub, sec, seed);
}

void pk_random(void *buf, size_t n)
{
	randombytes_buf(buf, n);
}

void pk_sign(uint8_t sig[PK_SIG_BYTES], const uint8_t *msg, size_t len,
             const uint8_t sec[PK_SEC_BYTES])
{
	crypto_sign_detached(sig, NULL, msg, len, sec);
}

bool pk_sig_ok(const uint8_t sig[PK_SIG_BYTES], const uint8_t *msg, size_t len,
               const uint8_t pub[PK_PUB_BYTES])
{
	return crypto_sign_verify_detached(sig, msg, len, pub) == 0;
}

void pk_hash(uint8_t out[PK_HASH_BYTES], const uint8_t *msg, size_t len)
{
	crypto_generichash(out, PK_HASH_BYTES, msg, len, NULL, 0);
}

void pk_hex(char *out, const uint8_t *in, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, in, n);
}

int pk_unhex(uint8_t *out, size_t n, const char *hex, size_t hexlen)
{
	size_t got = 0;

	if (hexlen != 2 * n)
		return PK_EINVAL;
	if (sodium_hex2bin(out, n, hex, hexlen, NULL, &got, NULL) != 0 || got != n)
		return PK_EINVAL;
	return 0;
}

bool pk_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void pk_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
