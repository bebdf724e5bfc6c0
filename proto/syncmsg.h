/*
 * syncmsg.h: the plaintext sync messages that travel inside sealed sessions (heads, push, pull,
 * join and their replies) and the invite token of online joining. Encoding, and bounded,
 * allocation-free decoding of untrusted bytes; no I/O, no crypto beyond base64.
 * Byte layouts are normative in proto/SPEC.md, sections "Sync messages" and "Online joining".
 */
#ifndef PK_SYNCMSG_H
#define PK_SYNCMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "changeset.h"
#include "error.h"
#include "mpread.h"
#include "session.h"
#include "region.h"

/*
 * A sealed message (SPEC section 15) adds at most 64 bytes to its plaintext: array header 1,
 * tag 15, session 18, counter 9, bin32 header 5, MAC 16. The plaintext limit leaves room for
 * them, so that every sync message, once sealed, fits the 4,194,304-byte nng body limit.
 */
#define PK_SYNC_MSG_MAX PK_PLAIN_MAX /* a whole plaintext: what a sealed message can carry */

/* changesets in a push or a pulled reply; also refusals and heads in a pushed reply */
#define PK_SYNC_PUSH_MAX_CS 1024
#define PK_SYNC_PUSH_MAX_CERTS 16  /* certificates in a push */
#define PK_SYNC_WAIT_MAX_MS 30000u /* pull: longest hold */
/* pull: the largest max_bytes a child may ask for; a reply also stays within PK_SYNC_MSG_MAX */
#define PK_SYNC_PULL_MAX_BYTES (4u << 20)
#define PK_SYNC_REASON_MAX 64 /* bytes of a refusal reason */
/*
 * Heads in one list (heads, pull's have, a bundle's heads): one per origin of the network.
 * Indonesia has 553 nodes down to kabupaten/kota today, about 7,800 once every kecamatan
 * (about 7,300) has one; 65,536 leaves room for eight times that, and a full list (at most
 * 44 bytes a head, 2.9 MB) still fits a sync message. A pushed reply holds at most
 * PK_SYNC_PUSH_MAX_CS.
 */
#define PK_HEADS_MAX 65536u
/* A changeset blob may exceed PK_CS_MAX_BYTES by a little, so that a changeset just over its
 * limit is refused on its own as too-big (SPEC 8, step 1) instead of sinking its whole batch;
 * pk_cs_decode enforces the exact limit. */
#define PK_SYNC_CS_BLOB_MAX (PK_CS_MAX_BYTES + 64u)

/* A part's data: at most this many bytes of one changeset (SPEC section 16, "Parts"). */
#define PK_PART_DATA_MAX (1u << 20)

/* One origin's head: the highest sequence number held. */
struct pk_head {
	uint8_t origin[PK_PUB_BYTES];
	uint64_t seq;
};

/*
 * Every head list in a message or a bundle (SPEC section 16) is in strictly ascending bytewise
 * order of origin, each seq >= 1. pk_heads_check says whether an array is such a list of at
 * most max heads: 0, PK_EINVAL (NULL with n > 0, out of order, a duplicate, a seq of 0) or
 * PK_ETOOBIG (n > max). O(n).
 */
int pk_heads_check(const struct pk_head *h, size_t n, size_t max);

/*
 * A set of heads in ascending origin order, at most one per origin. Start from {0};
 * pk_heads_free releases the array. No operation costs more than O(n + m log n) for a set of
 * n heads and an input of m, so that no message can make a node do more than linear work:
 * - pk_heads_from_list replaces the set with a list pk_sync_decode or pk_bundle_decode
 *   accepted, in one pass and one allocation: O(m).
 * - pk_heads_merge sets every head of such a list in the set (replacing the seq of an origin
 *   held): a binary search per head, then one merge pass when some origins are new.
 * - pk_heads_set inserts or replaces one head: O(log n), and O(1) when appended in origin
 *   order (building a set from the store), but O(n) for an insertion elsewhere (a memmove), so
 *   it is never used for the heads of a message.
 * - pk_heads_sort puts heads appended in any order (by filling h[] directly) in origin order
 *   and keeps one per origin, the highest seq: O(n log n).
 * - pk_heads_find is a binary search and gives 0 for an origin not in the set.
 * The first three return 0, PK_ENOMEM (the set is then unchanged; pk_heads_from_list leaves it
 * empty) or PK_EDECODE (a list that does not walk as an ascending head list).
 */
struct pk_heads {
	struct pk_head *h;
	size_t n, cap;
};
struct pk_sync_list;
int pk_heads_from_list(struct pk_heads *hs, const struct pk_sync_list *l);
int pk_heads_merge(struct pk_heads *hs, const struct pk_sync_list *l);
int pk_heads_set(struct pk_heads *hs, const uint8_t origin[PK_PUB_BYTES], uint64_t seq);
void pk_heads_sort(struct pk_heads *hs);
uint64_t pk_heads_find(const struct pk_heads *hs, const uint8_t origin[PK_PUB_BYTES]);
void pk_heads_free(struct pk_heads *hs);

/* A byte string the caller owns (encode) or a view into a decoded message (decode). */
struct pk_blob {
	const uint8_t *p;
	size_t len;
};

/* One refused changeset of a push, for encoding: its index in the push and a section 8 tag
 * ("bad-signature"), NUL-terminated, 1..PK_SYNC_REASON_MAX bytes of [a-z0-9-]. */
struct pk_refusal {
	uint32_t index;
	const char *reason;
};

/* A decoded refusal: the reason copied out and NUL-terminated. */
struct pk_refused {
	uint32_t index;
	char reason[PK_SYNC_REASON_MAX + 1];
};

/*
 * A piece of one changeset (SPEC section 16, "Parts"), in a push or a pulled reply of a session
 * that chose PK_FEAT_PARTS: bytes offset .. offset + data.len of the changeset whose hash
 * (BLAKE2b-256 of its bytes) and length (total) are given. total is 1..PK_SYNC_CS_BLOB_MAX,
 * data at most PK_PART_DATA_MAX bytes and offset + data.len at most total.
 */
struct pk_part {
	uint8_t hash[PK_HASH_BYTES];
	uint64_t total, offset;
	struct pk_blob data;
};

/* What a receiver holds of one changeset in parts: have of its total bytes (a pull says it). */
struct pk_staged {
	uint8_t hash[PK_HASH_BYTES];
	uint64_t total, have;
};

enum pk_sync_dir {
	PK_SYNC_REQUEST, /* child to parent */
	PK_SYNC_REPLY,   /* parent to child */
};

enum pk_sync_kind {
	PK_SYNC_NONE = 0,
	PK_SYNC_HEADS,       /* ["heads", have] as a request */
	PK_SYNC_PUSH,        /* ["push", certs, changesets] */
	PK_SYNC_PULL,        /* ["pull", have, wait_ms, max_bytes] */
	PK_SYNC_JOIN,        /* ["join", request] */
	PK_SYNC_HEADS_REPLY, /* ["heads", have] as a reply: the same layout as the request */
	PK_SYNC_PUSHED,      /* ["pushed", refused, heads] */
	PK_SYNC_PULLED,      /* ["pulled", changesets, more] */
	PK_SYNC_JOINED,      /* ["joined", certset] */
};

/* A validated array inside a decoded message: its count and the bytes of its elements. */
struct pk_sync_list {
	uint32_t n;
	const uint8_t *p;
	size_t len;
};

/*
 * A decoded sync message: views into the decoded buffer, valid as long as it is. Which fields
 * are set depends on kind; the others are zero.
 */
struct pk_sync_msg {
	enum pk_sync_kind kind;
	struct pk_sync_list heads;      /* HEADS, HEADS_REPLY, PULL (have), PUSHED */
	struct pk_sync_list certs;      /* PUSH */
	struct pk_sync_list changesets; /* PUSH, PULLED */
	struct pk_sync_list refused;    /* PUSHED */
	uint64_t wait_ms;               /* PULL, <= PK_SYNC_WAIT_MAX_MS */
	uint64_t max_bytes;             /* PULL, <= PK_SYNC_PULL_MAX_BYTES */
	bool more;                      /* PULLED */
	struct pk_blob blob;            /* JOIN (join request), JOINED (certificate set) */
	/* The elements of a PK_FEAT_PARTS session (SPEC section 16, "Parts"): */
	bool has_part;       /* PUSH, PULLED: a part follows the changesets */
	struct pk_part part; /* ... its data a view into the buffer */
	bool has_staged;     /* PUSHED: the push had a part; PULL, HEADS_REPLY: pstaged is set */
	uint64_t staged;     /* PUSHED: bytes of the part's changeset the parent now holds */
	bool parts;          /* PULL, HEADS_REPLY: the last element is there (nil or staged) */
	struct pk_staged pstaged; /* PULL, HEADS_REPLY, when has_staged */
};

/*
 * Decodes one plaintext sync message of the direction `dir` expects and checks all of it: the
 * element count and types, every array element, the limits above, no trailing bytes. A request
 * where a reply is expected (or the reverse) is refused. The blobs are checked for size only:
 * their contents are for pk_cs_decode, pk_cert_decode, pk_request_decode, pk_certset_decode.
 * Returns 0, PK_EDECODE (malformed, unknown message name, wrong direction, a head list out of
 * order or with a seq of 0) or PK_ETOOBIG (a limit), with a sentence in d. Safe on any bytes;
 * allocates nothing; linear in len.
 */
int pk_sync_decode(const uint8_t *buf, size_t len, enum pk_sync_dir dir, struct pk_sync_msg *m,
                   struct pk_diag *d);

/* The message name of a kind ("heads", "pushed", ...); "?" for an unknown kind. */
const char *pk_sync_kind_name(enum pk_sync_kind kind);

/*
 * Walks a list of a message that pk_sync_decode accepted, without allocating. Each next call
 * returns true with the next element, or false at the end. Lists from pk_sync_decode always
 * walk cleanly; on other bytes a call stops with false and sets err to PK_EDECODE.
 */
struct pk_sync_iter {
	struct pk_mpr r;
	uint32_t left;
	int err;
};

void pk_sync_iter_init(struct pk_sync_iter *it, const struct pk_sync_list *l);
bool pk_sync_next_head(struct pk_sync_iter *it, struct pk_head *h);
bool pk_sync_next_blob(struct pk_sync_iter *it, struct pk_blob *b); /* b->p points into buf */
bool pk_sync_next_refused(struct pk_sync_iter *it, struct pk_refused *rf);

/*
 * Reads a head list at r (for the bundle decoder, which shares the rule): an array of at most
 * max heads [origin: bin(32), seq: uint >= 1] in strictly ascending origin order. The count is
 * checked against max before any head is read. l receives the list's view. Returns 0,
 * PK_ETOOBIG (more than max) or PK_EDECODE (a malformed head, seq 0, out of order), with a
 * sentence in d that starts with `what`. Allocates nothing.
 */
int pk_sync_read_heads(struct pk_mpr *r, uint32_t max, struct pk_sync_list *l, const char *what,
                       struct pk_diag *d);

/*
 * Encoders. Each returns 0 and a malloc'd buffer in *out (the caller frees it), or PK_EINVAL
 * (a malformed argument; heads that pk_heads_check refuses), PK_ETOOBIG (a count, size or value
 * beyond the limits that pk_sync_decode enforces, checked before anything is allocated) or
 * PK_ENOMEM; *out is NULL then. Arrays may be NULL when their count is 0. Blobs are copied as they
 * are, unchecked.
 */

/* ["heads", have]: the request and the reply are the same bytes. */
int pk_sync_heads_encode(const struct pk_head *heads, size_t n, uint8_t **out, size_t *outlen);
int pk_sync_push_encode(const struct pk_blob *certs, size_t ncerts, const struct pk_blob *cs,
                        size_t ncs, uint8_t **out, size_t *outlen);
int pk_sync_pull_encode(const struct pk_head *have, size_t n, uint64_t wait_ms, uint64_t max_bytes,
                        uint8_t **out, size_t *outlen);
int pk_sync_join_encode(const uint8_t *request, size_t len, uint8_t **out, size_t *outlen);
int pk_sync_pushed_encode(const struct pk_refusal *refused, size_t nrefused,
                          const struct pk_head *heads, size_t nheads, uint8_t **out,
                          size_t *outlen);
int pk_sync_pulled_encode(const struct pk_blob *cs, size_t n, bool more, uint8_t **out,
                          size_t *outlen);
int pk_sync_joined_encode(const uint8_t *certset, size_t len, uint8_t **out, size_t *outlen);

/*
 * The same messages in a session that chose PK_FEAT_PARTS (SPEC section 16, "Parts"):
 * - push with part (NULL: the 3-element push) after its changesets;
 * - pushed with staged, sent exactly when the push had a part;
 * - pull with its 5th element: staged, or nil when staged is NULL;
 * - pulled with its 4th element: part, or nil when part is NULL;
 * - the heads reply with its 3rd element: what the parent holds in parts from the child, or nil
 *   when staged is NULL.
 * A part is checked as pk_sync_decode checks it (PK_EINVAL or PK_ETOOBIG).
 */
int pk_sync_push_part_encode(const struct pk_blob *certs, size_t ncerts, const struct pk_blob *cs,
                             size_t ncs, const struct pk_part *part, uint8_t **out, size_t *outlen);
int pk_sync_pushed_part_encode(const struct pk_refusal *refused, size_t nrefused,
                               const struct pk_head *heads, size_t nheads, uint64_t staged,
                               uint8_t **out, size_t *outlen);
int pk_sync_pull_part_encode(const struct pk_head *have, size_t n, uint64_t wait_ms,
                             uint64_t max_bytes, const struct pk_staged *staged, uint8_t **out,
                             size_t *outlen);
int pk_sync_pulled_part_encode(const struct pk_blob *cs, size_t n, bool more,
                               const struct pk_part *part, uint8_t **out, size_t *outlen);
int pk_sync_heads_staged_encode(const struct pk_head *heads, size_t n,
                                const struct pk_staged *staged, uint8_t **out, size_t *outlen);
/* The bytes a part adds to a message (for the budget of a reply). */
size_t pk_sync_part_size(const struct pk_part *part);

/*
 * Sizes, so that a sender can fill a push or a pulled reply up to a limit without encoding
 * twice. The encoded size of a message is its size with no changesets plus, for the i-th
 * changeset added (i = 0, 1, ...), pk_sync_blob_cost(i, its length); the encoders produce
 * exactly that many bytes. A parent answering a pull keeps the pulled size within both
 * max_bytes and PK_SYNC_MSG_MAX. Saturate at SIZE_MAX instead of overflowing.
 */
size_t pk_sync_blob_cost(size_t n_before, size_t len);
size_t pk_sync_push_size(const struct pk_blob *certs, size_t ncerts, const struct pk_blob *cs,
                         size_t ncs);
size_t pk_sync_pulled_size(const struct pk_blob *cs, size_t n);

/* Invite tokens (SPEC section 17): "pokja1-" and the base64url (no padding) of the invite. */
#define PK_INVITE_TAG "pokja-invite-1"
#define PK_INVITE_PREFIX "pokja1-"
#define PK_INVITE_MAX 1024 /* characters in a token, surrounding whitespace included */
#define PK_INVITE_URL_MAX 255

struct pk_invite {
	char url[PK_INVITE_URL_MAX + 1]; /* "tcp://host:port": printable ASCII, no spaces */
	uint8_t parent[PK_PUB_BYTES];    /* the parent's key */
	uint8_t secret[32];              /* one-time secret; the parent keeps its hash */
	char region[PK_REGION_MAX + 1];  /* the region granted; never "" */
	char name[PK_NAME_MAX + 1];      /* the new node's name, 1..128 bytes of UTF-8 */
	uint64_t expires;                /* Unix seconds */
};

/*
 * Encodes an invite as a token: returns 0 and a malloc'd NUL-terminated string in *token (the
 * caller frees it), or PK_EINVAL (bad url or name), PK_EREGION (bad or national region) or
 * PK_ENOMEM. A token of a valid invite is always shorter than PK_INVITE_MAX.
 */
int pk_invite_encode(const struct pk_invite *inv, char **token);

/*
 * Decodes a NUL-terminated token strictly: whitespace only at its ends, the prefix, base64url
 * without padding and with zero filler bits, the layout and every field as pk_invite_encode
 * requires, no trailing bytes. Returns 0, PK_ETOOBIG (longer than PK_INVITE_MAX), PK_EDECODE,
 * PK_EVERSION (another tag) or PK_EREGION, with a sentence in d. Safe on any string; copies
 * everything into inv.
 */
int pk_invite_decode(const char *token, struct pk_invite *inv, struct pk_diag *d);

#endif
