/*
 * testutil.h: helpers shared by the unit tests: temporary folders, deterministic keys, stores
 * with a root node, certificates, record values, signed changesets from a small origin state,
 * and a byte dump of a store's records for comparisons.
 *
 * Every helper that can fail asserts with cmocka (so a failure fails the calling test), except
 * where it returns an error code for the test to check. Buffers returned as uint8_t * are
 * malloc'd; the caller frees them.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/store.h"
#include "proto/changeset.h"
#include "proto/crypto.h"

#define TU_T0_MS 1767225600000ULL   /* 2026-01-01T00:00:00Z */
#define TU_NOT_BEFORE 1767225600ULL /* 2026-01-01T00:00:00Z */
#define TU_NOT_AFTER 1798761600ULL  /* 2027-01-01T00:00:00Z */

/* Initialises libsodium; call from each test program's main (or a group setup). */
void tu_init(void);

/* A new empty folder under $TMPDIR (or /tmp); free with tu_rmrf() and then free(). */
char *tu_tmpdir(void);

/* Removes path and everything under it. */
void tu_rmrf(const char *path);

struct tu_key {
	uint8_t pub[PK_PUB_BYTES];
	uint8_t sec[PK_SEC_BYTES];
};

/* The key pair with seed bytes (32n + i) mod 256, i = 0..31 (n = 0: 0x00..0x1f, n = 1:
 * 0x20..0x3f), with n / 8 mixed into the last byte so every n < 2^19 differs. */
void tu_key(struct tu_key *k, unsigned n);

/* Opens (creating) the store in dir and records its node: self, with root as the root of trust.
 * A node whose key is the root is certified at once; others need tu_install_chain(). */
struct store *tu_store_new(const char *dir, const struct tu_key *root, const struct tu_key *self,
                           const char *region, const char *name);

/* Opens an existing store in dir, asserting success. */
struct store *tu_store_open(const char *dir);

/* Encodes and signs a certificate for subject issued by issuer. NULL when pk_cert_encode fails. */
uint8_t *tu_cert(const struct tu_key *issuer, const struct tu_key *subject, uint64_t serial,
                 const char *region, const char *name, uint64_t not_before, uint64_t not_after,
                 size_t *len);

/* Issues a certificate (valid TU_NOT_BEFORE..TU_NOT_AFTER) and store_cert_put()s it; asserts. */
void tu_cert_put(struct store *s, const struct tu_key *issuer, const struct tu_key *subject,
                 const char *region);

/* Issues the chain keys[0] (the root) -> keys[1] -> ... -> keys[n], keys[i + 1] getting
 * regions[i], and installs it as this store's chain (keys[n] must be the store's node). Returns
 * store_install_chain's result. */
int tu_install_chain(struct store *s, const struct tu_key *const *keys, const char *const *regions,
                     size_t n);

/* A valid `kegiatan` value: {"nama": nama, "tahun": tahun} (sorted keys). */
uint8_t *tu_kegiatan(const char *nama, int64_t tahun, size_t *len);

/* A value of any shape: a map of n string keys (in the order given) to string values (when
 * ints is NULL or ints[i] is false) or integers (atoll of the value). For schema violations. */
uint8_t *tu_map(size_t *len, size_t n, const char *const *keys, const char *const *vals,
                const bool *ints);

/* An op; value NULL is a delete. */
struct pk_op tu_op(const char *coll, const char *region, const char *key, const uint8_t *value,
                   size_t value_len);

/* An origin's state: the last changeset it issued (seq 0: none yet). */
struct tu_origin {
	struct tu_key key;
	uint64_t seq;
	uint8_t prev[PK_HASH_BYTES]; /* hash of the last changeset */
	uint64_t hlc;                /* its clock */
};

void tu_origin_init(struct tu_origin *o, unsigned keyn, uint64_t hlc0);

/* A changeset with exactly these header fields, from o's key; does not touch o. */
uint8_t *tu_cs_make(const struct tu_origin *o, uint64_t seq, const uint8_t prev[PK_HASH_BYTES],
                    uint64_t hlc, const struct pk_op *ops, uint32_t nops, size_t *len);

/* The origin's next changeset (seq + 1, prev = last hash) stamped hlc (0: the last clock plus
 * one millisecond), and advances o. */
uint8_t *tu_cs_next(struct tu_origin *o, uint64_t hlc, const struct pk_op *ops, uint32_t nops,
                    size_t *len);

/* A growable byte buffer. */
struct tu_buf {
	uint8_t *data;
	size_t len, cap;
};

void tu_buf_add(struct tu_buf *b, const void *p, size_t n);
void tu_buf_free(struct tu_buf *b);

/* Appends one record in the dump format: coll\0 region\0 key\0 hlc(8, BE) origin(32) seq(8, BE)
 * deleted(1) value_len(4, BE) value. */
void tu_dump_record(struct tu_buf *b, const char *coll, const char *region, const char *key,
                    uint64_t hlc, const uint8_t origin[PK_PUB_BYTES], uint64_t seq, bool deleted,
                    const uint8_t *value, size_t value_len);

/* Every record of every collection (tombstones included), in schema order then store_list
 * order, in the dump format. Returns the number of records. */
size_t tu_dump(struct store *s, struct tu_buf *out);

/* A small seeded PRNG (splitmix64). */
uint64_t tu_rand(uint64_t *state);

/* Lower-case hex of n bytes, malloc'd. */
char *tu_hex(const uint8_t *p, size_t n);

/* Asserts that a decoded sync list holds exactly the heads want[0..n) / the blobs
 * want[0..n) in order, each blob a view into buf[0..len). */
struct pk_sync_list;
struct pk_head;
struct pk_blob;
void tu_check_heads(const struct pk_sync_list *l, const struct pk_head *want, size_t n);
void tu_check_blobs(const struct pk_sync_list *l, const uint8_t *buf, size_t len,
                    const struct pk_blob *want, size_t n);

/* For tests that build messages by hand with msgpack-c (forged or old-format handshakes). */
struct msgpack_sbuffer;
struct msgpack_packer;

/* Signs the body the test built with k and wraps it as [body: bin, sig: bin(64)]; destroys
 * body; returns the malloc'd message and its length in *len. */
uint8_t *tu_envelope(struct msgpack_sbuffer *body, const struct tu_key *k, size_t *len);

/* A bin of n bytes; a str of strlen(s) bytes. */
void tu_pack_bin(struct msgpack_packer *pk, const uint8_t *b, size_t n);
void tu_pack_str(struct msgpack_packer *pk, const char *s);

#endif
