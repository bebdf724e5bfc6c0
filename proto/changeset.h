/*
 * changeset.h: encoding, decoding, signing and checking of changesets, the unit of every write.
 *
 * A changeset is one origin's signed batch of record operations, numbered 1, 2, 3, ... per
 * origin and chained by hash to the origin's previous changeset. It is stored and forwarded as
 * the exact bytes its origin signed; nothing here re-encodes a received changeset. The byte
 * layout is normative in proto/SPEC.md, section "Changesets".
 */
#ifndef PK_CHANGESET_H
#define PK_CHANGESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "error.h"
#include "mpread.h"

#define PK_CS_TAG "pokja-changeset-1" /* first element of every changeset body */
#define PK_CS_MAX_BYTES (1u << 20)    /* a whole encoded changeset */
#define PK_CS_MAX_OPS 4096

/* One record operation. Pointers refer to the caller's memory (encode) or into the changeset's
 * bytes (decode). value == NULL means delete (a tombstone). */
struct pk_op {
	const char *coll;
	uint32_t coll_len;
	const char *region;
	uint32_t region_len;
	const char *key;
	uint32_t key_len;
	const uint8_t *value;
	uint32_t value_len;
};

/* Fills op from NUL-terminated strings (value NULL for a delete); op points at them. */
static inline void pk_op_set(struct pk_op *op, const char *coll, const char *region,
                             const char *key, const uint8_t *value, size_t value_len)
{
	op->coll = coll;
	op->coll_len = (uint32_t)strlen(coll);
	op->region = region;
	op->region_len = (uint32_t)strlen(region);
	op->key = key;
	op->key_len = (uint32_t)strlen(key);
	op->value = value;
	op->value_len = (uint32_t)value_len;
}

/* A decoded changeset: a view into the bytes it was decoded from, valid as long as they are. */
struct pk_changeset {
	const uint8_t *raw; /* the whole encoded changeset */
	size_t raw_len;
	const uint8_t *body; /* the signed part */
	size_t body_len;
	const uint8_t *sig;    /* PK_SIG_BYTES */
	const uint8_t *origin; /* PK_PUB_BYTES */
	const uint8_t *prev;   /* PK_HASH_BYTES: hash of the previous changeset, zeros for seq 1 */
	uint64_t seq;
	uint64_t hlc;
	uint32_t nops;
	const uint8_t *ops; /* the encoded op array's elements, for pk_cs_iter */
	size_t ops_len;
};

/* Iterates over a decoded changeset's operations without allocating. */
struct pk_cs_iter {
	struct pk_mpr r;
	uint32_t left;
};

/* What a new changeset says besides its operations. */
struct pk_cs_head {
	uint64_t seq;
	uint8_t prev[PK_HASH_BYTES];
	uint64_t hlc;
};

/*
 * Decodes and structurally checks a changeset: layout and types, the tag, sizes and counts
 * within the limits above, seq >= 1, zero prev for seq 1, every op's collection name, region
 * code and key well formed, no trailing bytes. Does not check the signature (pk_cs_sig_ok) or
 * the records against the schema (pk_cs_check_records). Returns 0, PK_EDECODE, PK_ETOOBIG,
 * PK_EVERSION, or PK_EREGION / PK_ESCHEMA for a malformed region or key, with detail in d.
 * Allocates nothing; safe on any bytes.
 */
int pk_cs_decode(const uint8_t *buf, size_t len, struct pk_changeset *cs, struct pk_diag *d);

/* How many times this process has called pk_cs_decode (any thread), for the benches and
 * pokjad's stop line: a received changeset should cost one. */
unsigned long long pk_cs_decode_count(void);

/* True when the signature verifies against the origin key. */
bool pk_cs_sig_ok(const struct pk_changeset *cs);

/* The changeset's hash: BLAKE2b-256 over its whole encoding (raw). */
void pk_cs_hash(const struct pk_changeset *cs, uint8_t out[PK_HASH_BYTES]);

/* Operations in order. Only for changesets that pk_cs_decode accepted. Returns true and fills op
 * while operations remain. */
void pk_cs_iter_init(struct pk_cs_iter *it, const struct pk_changeset *cs);
bool pk_cs_iter_next(struct pk_cs_iter *it, struct pk_op *op);

/* Checks every op against the schema: a known collection, and a value (when not a delete) that
 * passes pk_schema_validate. Returns 0 or PK_ESCHEMA / PK_EDECODE / PK_ETOOBIG with the op's
 * index, collection and key in d. */
int pk_cs_check_records(const struct pk_changeset *cs, struct pk_diag *d);

/*
 * Encodes and signs a changeset from origin `pub` (with secret key `sec`). Returns 0 and a
 * malloc'd buffer in *out (the caller frees it), or PK_EINVAL for bad arguments (no ops, more
 * than PK_CS_MAX_OPS, seq 0) or PK_ETOOBIG when the encoding would exceed PK_CS_MAX_BYTES.
 * The ops are not schema-checked here.
 */
int pk_cs_encode(const struct pk_cs_head *h, const struct pk_op *ops, uint32_t nops,
                 const uint8_t pub[PK_PUB_BYTES], const uint8_t sec[PK_SEC_BYTES], uint8_t **out,
                 size_t *outlen);

/* An upper bound on the bytes one op adds to an encoded changeset, for callers that split a
 * long list of ops into changesets under PK_CS_MAX_BYTES. */
size_t pk_cs_op_size(const struct pk_op *op);

#endif
