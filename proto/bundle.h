/*
 * bundle.h: offline bundles, the file that carries signed changesets by hand to an office with
 * no network link: one node (the creator) packs the changesets another node lacks, with the
 * certificates needed to check them, and signs the whole file with its node key. Encoding and
 * bounded, allocation-free decoding; no I/O. The byte layout is normative in proto/SPEC.md,
 * section "Offline bundles".
 *
 * What a bundle carries is checked twice: the bundle as a whole here (its layout, its limits
 * and the creator's signature over every byte of the body), and every certificate and
 * changeset in it by the receiver's store exactly as in live sync (store_cert_put,
 * store_apply).
 */
#ifndef PK_BUNDLE_H
#define PK_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "mpwrite.h"
#include "region.h"
#include "syncmsg.h"

#define PK_BUNDLE_TAG "pokja-bundle-1"
#define PK_BUNDLE_MAX_BYTES (1u << 30)          /* a whole bundle file: 1 GiB */
#define PK_BUNDLE_MAX_HEADS PK_HEADS_MAX        /* origins in the creator's heads */
#define PK_BUNDLE_MAX_CERTS (1u << 20)          /* certificates */
#define PK_BUNDLE_MAX_CS (1u << 24)             /* changesets */
#define PK_BUNDLE_CS_MAX PK_SYNC_CS_BLOB_MAX    /* one changeset blob, as in a push */
#define PK_BUNDLE_HEAD_MAX 6                    /* envelope bytes before the body: array + bin32 */
#define PK_BUNDLE_TAIL_BYTES (2 + PK_SIG_BYTES) /* envelope bytes after it: bin8(64) */

/* What a bundle says about itself. */
struct pk_bundle_meta {
	uint8_t creator[PK_PUB_BYTES];  /* the node that wrote and signed it */
	uint64_t created;               /* Unix seconds */
	char region[PK_REGION_MAX + 1]; /* the creator's region ("" for the national node) */
	bool has_for;                   /* made for one node (for_key), or for any */
	uint8_t for_key[PK_PUB_BYTES];
};

/*
 * A decoded bundle: the meta copied out, views into the decoded buffer for the rest (valid as
 * long as it is). Walk the lists with pk_sync_iter_init and pk_sync_next_head (heads) or
 * pk_sync_next_blob (certs, changesets): lists from pk_bundle_decode always walk cleanly.
 */
struct pk_bundle {
	struct pk_bundle_meta meta;
	const uint8_t *body; /* the signed bytes */
	size_t body_len;
	const uint8_t *sig;
	struct pk_sync_list heads;      /* the creator's heads, strictly ascending by origin */
	struct pk_sync_list certs;      /* certificate blobs, each at most PK_CERT_MAX_BYTES */
	struct pk_sync_list changesets; /* changeset blobs, each at most PK_BUNDLE_CS_MAX */
};

/*
 * Decodes a whole bundle file: the envelope, the tag and the creator's key, then the creator's
 * signature over the body (checked before anything else in the body is read), then the rest
 * of the body (pk_bundle_decode_body). The certificates and changesets are checked for size
 * only: their contents are for the store. Returns 0, PK_ETOOBIG, PK_EDECODE, PK_EVERSION
 * (another tag) or PK_ESIG (the signature does not verify: the file was changed after it was
 * signed), with a sentence in d. Safe on any bytes; allocates nothing.
 */
int pk_bundle_decode(const uint8_t *buf, size_t len, struct pk_bundle *b, struct pk_diag *d);

/*
 * Decodes a bundle body without checking any signature: for pk_bundle_decode, which checked
 * it, and for tests and fuzzing. Never trust what it returns on its own. Fills b->meta and the
 * lists, and b->body / b->body_len (b->sig is NULL). The same errors but PK_ESIG.
 */
int pk_bundle_decode_body(const uint8_t *body, size_t len, struct pk_bundle *b, struct pk_diag *d);

/*
 * Writing. The body is built incrementally, so that the creator never holds its changesets
 * twice: pk_bundle_begin with the meta, the heads, the certificates and the number of
 * changesets to come, then pk_bundle_add once per changeset, then pk_bundle_end, which signs.
 * The file is head ‖ body ‖ tail (the signed envelope [body, sig] of SPEC section 1, written
 * in three parts so that the body is not copied). Every limit that pk_bundle_decode enforces
 * is checked on the way, so what a writer finishes always decodes.
 */
struct pk_bundle_writer {
	struct pk_mpw w;
	uint8_t creator[PK_PUB_BYTES];
	size_t cs_left; /* changesets promised and not yet added */
	int err;        /* sticky: the first failure */
};

struct pk_bundle_file {
	uint8_t *body; /* malloc'd; the caller frees it */
	size_t body_len;
	uint8_t head[PK_BUNDLE_HEAD_MAX];
	size_t head_len;
	uint8_t tail[PK_BUNDLE_TAIL_BYTES];
};

/* Starts a body. Returns 0, PK_EINVAL (heads not strictly ascending, a seq of 0, a bad region,
 * NULL arrays with counts) or PK_ETOOBIG (a count or blob beyond the limits). On failure the
 * writer holds nothing. certs are copied as they are. */
int pk_bundle_begin(struct pk_bundle_writer *bw, const struct pk_bundle_meta *m,
                    const struct pk_head *heads, size_t nheads, const struct pk_blob *certs,
                    size_t ncerts, size_t ncs);

/* Adds the next changeset (copied as it is). PK_EINVAL beyond the count promised,
 * PK_ETOOBIG for a blob over PK_BUNDLE_CS_MAX or when the file would exceed
 * PK_BUNDLE_MAX_BYTES. Errors stick: pk_bundle_end reports the first one. */
int pk_bundle_add(struct pk_bundle_writer *bw, const uint8_t *cs, size_t len);

/*
 * Ends the body and signs it with sec, whose public half must be the creator's (PK_EINVAL
 * otherwise, and when fewer changesets were added than promised). Returns 0 and the file's
 * three parts in f, or the writer's first error. The writer holds nothing afterwards.
 */
int pk_bundle_end(struct pk_bundle_writer *bw, const uint8_t sec[PK_SEC_BYTES],
                  struct pk_bundle_file *f);

/* Frees what a writer holds, for one abandoned before pk_bundle_end. Safe to call twice. */
void pk_bundle_abandon(struct pk_bundle_writer *bw);

/* Everything at once, into one malloc'd buffer: for tests and small bundles. */
int pk_bundle_encode(const struct pk_bundle_meta *m, const struct pk_head *heads, size_t nheads,
                     const struct pk_blob *certs, size_t ncerts, const struct pk_blob *cs,
                     size_t ncs, const uint8_t sec[PK_SEC_BYTES], uint8_t **out, size_t *outlen);

#endif
