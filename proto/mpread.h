/*
 * mpread.h: a bounded msgpack reader for untrusted bytes.
 *
 * msgpack-c's unpacker sizes its allocations from the counts in array and map headers before it
 * has seen the items, so a few hostile bytes can ask it for gigabytes. This reader allocates
 * nothing: each call reads one item, checks every length against the bytes left before using it,
 * and reports an array or map only by its header (a count larger than the bytes left is refused).
 * On failure a call returns PK_EDECODE and leaves the reader where it was.
 */
#ifndef PK_MPREAD_H
#define PK_MPREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pk_mpr {
	const uint8_t *p;   /* next unread byte */
	const uint8_t *end; /* one past the last byte */
};

/* The type of the next item, as far as its first byte tells. */
enum pk_mpt {
	PK_MPT_NONE, /* no bytes left, or a type this reader does not accept (ext, 0xc1) */
	PK_MPT_NIL,
	PK_MPT_BOOL,
	PK_MPT_UINT, /* positive fixint or uint8..64 */
	PK_MPT_INT,  /* negative fixint or int8..64 */
	PK_MPT_FLOAT,
	PK_MPT_STR,
	PK_MPT_BIN,
	PK_MPT_ARRAY,
	PK_MPT_MAP,
};

static inline void pk_mpr_init(struct pk_mpr *r, const uint8_t *buf, size_t len)
{
	r->p = buf;
	r->end = len > 0 ? buf + len : buf; /* NULL + 0 is undefined in C */
}

/* Bytes not yet read. */
static inline size_t pk_mpr_left(const struct pk_mpr *r)
{
	return (size_t)(r->end - r->p);
}

enum pk_mpt pk_mpr_peek(const struct pk_mpr *r);

/* Container headers: *n receives the item (array) or pair (map) count. */
int pk_mpr_array(struct pk_mpr *r, uint32_t *n);
int pk_mpr_map(struct pk_mpr *r, uint32_t *n);

/* Strings and binaries: *s or *b points into the reader's buffer (not NUL-terminated). */
int pk_mpr_str(struct pk_mpr *r, const char **s, uint32_t *len);
int pk_mpr_bin(struct pk_mpr *r, const uint8_t **b, uint32_t *len);

int pk_mpr_nil(struct pk_mpr *r);
int pk_mpr_bool(struct pk_mpr *r, bool *v);

/* Any integer encoding whose value fits the result type. */
int pk_mpr_uint(struct pk_mpr *r, uint64_t *v);
int pk_mpr_int(struct pk_mpr *r, int64_t *v);

/* A float32, float64 or any integer, as a double. */
int pk_mpr_num(struct pk_mpr *r, double *v);

/* Skips one item of any accepted type; containers nest at most `depth` levels. */
int pk_mpr_skip(struct pk_mpr *r, int depth);

#endif
