/*
 * mpwrite.h: the one msgpack writer of proto/: every encoder here builds its bytes with it, and
 * signed messages get their [body bin, signature bin] envelope from pk_mpw_sign_envelope().
 * Decoding is mpread.h's. msgpack-c's write failures are translated here, nowhere else.
 *
 * A writer remembers whether any write failed (an allocation that failed midway leaves msgpack-c's
 * buffer shorter than what was packed), so callers make their put calls without checking each one
 * and learn the outcome once, from pk_mpw_finish(). Items take msgpack-c's shortest forms, which
 * the test vectors pin. Counts and lengths must stay below 2^32: callers check their limits first.
 */
#ifndef PK_MPWRITE_H
#define PK_MPWRITE_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

/*
 * The members are visible only so a writer can live on the stack. pk.data points at sb, so a
 * writer must not be copied or moved after pk_mpw_init(). The one use of the members from outside
 * this module: a test may replace pk.callback after pk_mpw_init() with a function that fails (see
 * tests/unit/test_mpwrite.c), to check that a failed write is reported.
 */
struct pk_mpw {
	msgpack_sbuffer sb;
	msgpack_packer pk;
	bool bad; /* a write failed; pk_mpw_finish() will return PK_ENOMEM */
};

/* Starts an empty writer. Allocates nothing until the first put. */
void pk_mpw_init(struct pk_mpw *w);

/* The header of an array of n items; the caller puts the n items after it. */
void pk_mpw_put_array(struct pk_mpw *w, size_t n);

/* A str of n bytes (s may be NULL when n is 0), or of strlen(s) bytes. */
void pk_mpw_put_str(struct pk_mpw *w, const char *s, size_t n);
void pk_mpw_put_cstr(struct pk_mpw *w, const char *s);

/* A bin of n bytes; b may be NULL when n is 0. */
void pk_mpw_put_bin(struct pk_mpw *w, const uint8_t *b, size_t n);

/* Only the header of a bin of n bytes, for a caller that appends the n bytes to the finished
 * buffer itself (sealing encrypts straight into it). */
void pk_mpw_put_bin_head(struct pk_mpw *w, size_t n);

/* The header of a map of n pairs; the caller puts the n keys and values after it. */
void pk_mpw_put_map(struct pk_mpw *w, size_t n);

void pk_mpw_put_uint(struct pk_mpw *w, uint64_t v);
void pk_mpw_put_int(struct pk_mpw *w, int64_t v);   /* the shortest form of the signed value */
void pk_mpw_put_double(struct pk_mpw *w, double v); /* always a float64 */
void pk_mpw_put_nil(struct pk_mpw *w);
void pk_mpw_put_bool(struct pk_mpw *w, bool v);

/*
 * Ends the writer. Returns 0 and hands the caller the encoding in *out (malloc'd; the caller frees
 * it) and its exact length in *outlen; or PK_ENOMEM after any failed write, PK_EINVAL when nothing
 * was written, with *out NULL and *outlen 0. Either way the writer holds nothing afterwards:
 * pk_mpw_destroy() is not needed, though harmless.
 */
int pk_mpw_finish(struct pk_mpw *w, uint8_t **out, size_t *outlen);

/* Frees what a writer holds, for one abandoned before pk_mpw_finish(). Safe to call twice. */
void pk_mpw_destroy(struct pk_mpw *w);

/*
 * Signs body with sec (pk_sign) and wraps it as the envelope [body bin, signature bin(64)].
 * Returns 0 and a malloc'd *out of *outlen bytes that the caller frees, or PK_ENOMEM with *out
 * NULL. body stays the caller's.
 */
int pk_mpw_sign_envelope(const uint8_t *body, size_t len, const uint8_t sec[PK_SEC_BYTES],
                         uint8_t **out, size_t *outlen);

/* pk_mpw_finish() on a writer that holds a message body, then pk_mpw_sign_envelope() on it: the
 * same results and ownership, with the body freed. */
int pk_mpw_finish_signed(struct pk_mpw *w, const uint8_t sec[PK_SEC_BYTES], uint8_t **out,
                         size_t *outlen);

#endif
