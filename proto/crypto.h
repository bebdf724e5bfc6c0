/*
 * crypto.h: the project's only use of libsodium: ed25519 keys and signatures, BLAKE2b-256
 * hashes, random bytes, and hex. libsodium's return codes are translated here.
 */
#ifndef PK_CRYPTO_H
#define PK_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PK_PUB_BYTES 32
#define PK_SEC_BYTES 64 /* libsodium's secret key: seed followed by public key */
#define PK_SEED_BYTES 32
#define PK_SIG_BYTES 64
#define PK_HASH_BYTES 32

/* Initialises libsodium. Call once before anything else in proto/; returns 0 or PK_ESTATE.
 * Safe to call again, and from several threads. */
int pk_crypto_init(void);

/* Derives an ed25519 key pair from a 32-byte seed (deterministic). */
void pk_key_from_seed(const uint8_t seed[PK_SEED_BYTES], uint8_t pub[PK_PUB_BYTES],
                      uint8_t sec[PK_SEC_BYTES]);

/* Fills buf with n bytes from the system's random source. */
void pk_random(void *buf, size_t n);

/* Detached ed25519 signature over msg. */
void pk_sign(uint8_t sig[PK_SIG_BYTES], const uint8_t *msg, size_t len,
             const uint8_t sec[PK_SEC_BYTES]);

/* True when sig is a valid signature of msg by pub. Rejects non-canonical signatures and
 * small-order keys (libsodium's strict checks). About 42 microseconds on this project's
 * reference machine; the dominant cost of applying a changeset. */
bool pk_sig_ok(const uint8_t sig[PK_SIG_BYTES], const uint8_t *msg, size_t len,
               const uint8_t pub[PK_PUB_BYTES]);

/* Unkeyed BLAKE2b with a 32-byte output. */
void pk_hash(uint8_t out[PK_HASH_BYTES], const uint8_t *msg, size_t len);

/* Lower-case hex of n bytes into out, which must hold 2n+1 bytes (NUL-terminated). */
void pk_hex(char *out, const uint8_t *in, size_t n);

/* Decodes exactly 2n hex digits (either case) into n bytes. Returns 0 or PK_EINVAL. */
int pk_unhex(uint8_t *out, size_t n, const char *hex, size_t hexlen);

/* Overwrites n bytes with zeros in a way the compiler cannot drop (for secrets). */
void pk_wipe(void *p, size_t n);

/* Constant-time comparison, true when equal. */
bool pk_equal(const void *a, const void *b, size_t n);

#endif
