/*
 * session.h: the encrypted sessions between a child and its parent (proto/SPEC.md, section
 * "Sessions"): the signed hello/welcome handshake with fresh X25519 keys on both sides, the key
 * derivation, sealed requests and replies with the parent's replay window, and the plain error
 * answer. It holds one session's state; the parent's table of sessions lives in the daemon.
 *
 * Every reader is safe on any bytes: it refuses a message larger than PK_MSG_MAX before looking
 * at it, decodes with the bounded reader (mpread.h), allocates only for a plaintext it returns,
 * and changes a handshake or a session's counters only on success. Secrets are wiped with
 * sodium_memzero.
 */
#ifndef PK_SESSION_H
#define PK_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "error.h"

#define PK_HELLO_TAG "pokja-hello-1"
#define PK_WELCOME_TAG "pokja-welcome-1"
#define PK_SEALED_TAG "pokja-sealed-1"
#define PK_ERRMSG_TAG "pokja-error-1"

#define PK_MSG_MAX (4u * 1024 * 1024) /* a whole nng message body (SPEC section "Transport") */
#define PK_EPH_BYTES 32               /* an X25519 public or secret key */
#define PK_HELLO_MAX 512 /* the longest hello accepted; one with a join proof is 229 bytes */
#define PK_SESSION_ID_BYTES 16
#define PK_SESSION_KEY_BYTES 32
#define PK_JOIN_SECRET_BYTES 32
#define PK_REPLAY_WINDOW 64 /* a request counter this far below the highest is a replay */
#define PK_SEAL_OVERHEAD 64 /* the most a sealed message adds to its plaintext */
#define PK_PLAIN_MAX (PK_MSG_MAX - PK_SEAL_OVERHEAD) /* the largest plaintext one can seal */
#define PK_ERRMSG_CODE_MAX 32                        /* bytes of [a-z0-9-] in an error code */
#define PK_ERRMSG_TEXT_MAX 1024                      /* bytes of UTF-8 in an error text */
#define PK_FEAT_ZSTD 0x1u   /* handshake feature bit 0: zstd frames in sealed plaintexts */
#define PK_FEAT_PARTS 0x2u  /* bit 1: changesets in parts, resumed by offset (SPEC section 16) */
#define PK_FEAT_RESUME 0x4u /* bit 2: the session goes on over a new connection (SPEC 14, 15) */
#define PK_FEATURES_KNOWN (PK_FEAT_ZSTD | PK_FEAT_PARTS | PK_FEAT_RESUME)
/* The largest message (its REQ header included) that may open a resumed connection: what the
 * parent's port holds whole to check before anything of it goes on (SPEC section 14). */
#define PK_RESUME_FIRST_MAX 65000

/* What a message claims to be, from its tag alone (pk_msg_kind). */
enum pk_msg_kind {
	PK_MSG_UNKNOWN,
	PK_MSG_HELLO,
	PK_MSG_WELCOME,
	PK_MSG_SEALED,
	PK_MSG_ERROR,
};

/* The child's side of a handshake in progress, from pk_hello_make to pk_welcome_read. Holds the
 * ephemeral secret: wipe it with pk_handshake_wipe when the handshake is abandoned. */
struct pk_handshake {
	uint8_t child[PK_PUB_BYTES];
	uint8_t parent[PK_PUB_BYTES]; /* the parent key the child expects */
	uint8_t eph_pub[PK_EPH_BYTES];
	uint8_t eph_sec[PK_EPH_BYTES];
	uint8_t hello_hash[PK_HASH_BYTES];
	uint64_t features; /* offered in the hello; 0 for a hello without the element */
	int level;         /* the zstd level this side compresses with once negotiated */
};

/* A hello as the parent read it. */
struct pk_hello {
	uint8_t child[PK_PUB_BYTES];
	uint8_t parent[PK_PUB_BYTES];
	uint8_t child_eph[PK_EPH_BYTES];
	uint64_t time; /* the child's clock, Unix seconds */
	int64_t skew;  /* time minus the parent's clock when read (pk_hello_read's now), seconds */
	bool has_join;
	uint8_t join[PK_HASH_BYTES]; /* the join proof when has_join */
	uint8_t hash[PK_HASH_BYTES]; /* BLAKE2b-256 of the whole hello, for the welcome */
	bool has_features;           /* the hello has its 7th element (a child of this version) */
	uint64_t features;           /* what it offers, unknown bits included; 0 without */
};

/*
 * One session's keys and counters, on either side. The child uses `sent`; the parent uses
 * `highest`, `seen` and `replied` (bit i stands for the counter highest - i). Plain data: it
 * may be copied and kept in a table, and must be wiped with pk_session_wipe when it ends.
 */
struct pk_session {
	uint8_t id[PK_SESSION_ID_BYTES];
	uint8_t c2p[PK_SESSION_KEY_BYTES]; /* child-to-parent (request) key */
	uint8_t p2c[PK_SESSION_KEY_BYTES]; /* parent-to-child (reply) key */
	uint64_t sent;                     /* child: the last request counter used, 0 for none */
	uint64_t highest;                  /* parent: the highest request counter accepted */
	uint64_t seen;                     /* parent: which counters were accepted */
	uint64_t replied;                  /* parent: which accepted counters were answered */
	uint64_t features;                 /* negotiated in the handshake (PK_FEAT_*) */
	int level; /* zstd level this side seals with when PK_FEAT_ZSTD is on; 0: never compress */
};

/* An error message as read. Not authenticated: anybody on the path can forge one. */
struct pk_errmsg {
	char code[PK_ERRMSG_CODE_MAX + 1];
	char text[PK_ERRMSG_TEXT_MAX + 1];
};

/* The kind a message claims by its tag, looking no further than the tag: a reader must still
 * check the rest. PK_MSG_UNKNOWN for anything else, including more than PK_MSG_MAX bytes. */
enum pk_msg_kind pk_msg_kind(const uint8_t *buf, size_t len);

/*
 * Child: makes a hello to the parent key `parent`, signed with the child's key `sec` (libsodium
 * layout, public half last), stamped `now` (Unix seconds). join_secret is the invite token's
 * secret when joining (the hello then carries the join proof), else NULL. Fills hs, including a
 * fresh ephemeral secret. Returns 0 and a malloc'd message in *out (the caller frees it), or
 * PK_ENOMEM with hs wiped.
 */
int pk_hello_make(struct pk_handshake *hs, const uint8_t sec[PK_SEC_BYTES],
                  const uint8_t parent[PK_PUB_BYTES], uint64_t now, const uint8_t *join_secret,
                  uint8_t **out, size_t *outlen);

/*
 * pk_hello_make offering zstd compression (SPEC section 15, "Compression") when level is 1 to
 * PK_ZSTD_LEVEL_MAX: the hello then carries features = PK_FEAT_ZSTD as its 7th element, and
 * the session compresses at that level once the parent accepts. Level 0 makes exactly the
 * hello of pk_hello_make (6 elements), which parents of every version accept. A parent of an
 * earlier version refuses a 7-element hello as malformed: the caller then says hello again
 * with level 0. PK_EINVAL for a level out of range.
 */
int pk_hello_make_zstd(struct pk_handshake *hs, const uint8_t sec[PK_SEC_BYTES],
                       const uint8_t parent[PK_PUB_BYTES], uint64_t now, const uint8_t *join_secret,
                       int level, uint8_t **out, size_t *outlen);

/*
 * pk_hello_make_zstd offering, besides compression at level, the feature bits of extra
 * (PK_FEAT_PARTS; bits outside PK_FEATURES_KNOWN or PK_FEAT_ZSTD itself: PK_EINVAL). With
 * level 0 and extra 0 it is pk_hello_make; any offer makes the 7-element hello.
 */
int pk_hello_make_feat(struct pk_handshake *hs, const uint8_t sec[PK_SEC_BYTES],
                       const uint8_t parent[PK_PUB_BYTES], uint64_t now, const uint8_t *join_secret,
                       int level, uint64_t extra, uint8_t **out, size_t *outlen);

/*
 * Parent: reads a hello and checks that it names `parent` (this node) and that the child's
 * signature verifies. Its time is not refused however far it lies from `now` (this node's clock,
 * Unix seconds): h->skew is the child's clock minus `now`, for the clock rule of SPEC section 4.
 * Whether the child may open a session (a certificate chain, or a join proof:
 * pk_join_proof_ok) is the caller's check. A hello longer than PK_HELLO_MAX is refused at its
 * length. Returns 0, PK_ETOOBIG, PK_EDECODE, PK_EVERSION, PK_EAUTH (another parent) or PK_ESIG,
 * with a sentence in d (may be NULL).
 */
int pk_hello_read(const uint8_t *buf, size_t len, const uint8_t parent[PK_PUB_BYTES], uint64_t now,
                  struct pk_hello *h, struct pk_diag *d);

/* The join proof BLAKE2b-256(key = secret, message = child ‖ child_eph). */
void pk_join_proof(uint8_t out[PK_HASH_BYTES], const uint8_t secret[PK_JOIN_SECRET_BYTES],
                   const uint8_t child[PK_PUB_BYTES], const uint8_t child_eph[PK_EPH_BYTES]);

/* True when the hello carries a join proof made with this invite secret (constant time). */
bool pk_join_proof_ok(const struct pk_hello *h, const uint8_t secret[PK_JOIN_SECRET_BYTES]);

/* theirs - ours as a signed number, saturated at +-INT64_MAX: a clock skew (SPEC section 4). */
int64_t pk_clock_skew(uint64_t theirs, uint64_t ours);

/*
 * Parent: answers an accepted hello with a welcome signed with `sec` (this node's key, whose
 * public half must equal h->parent) and stamped `now` (this node's clock, Unix seconds),
 * choosing a fresh ephemeral key and a random session id, and derives the session into s. The
 * ephemeral secret is wiped before returning. Returns 0 and a malloc'd message in *out,
 * PK_EINVAL (sec is not h->parent's), PK_EAUTH (the child's ephemeral key gives an all-zero
 * shared secret: refuse the hello) or PK_ENOMEM.
 */
int pk_welcome_make(const struct pk_hello *h, const uint8_t sec[PK_SEC_BYTES], uint64_t now,
                    struct pk_session *s, uint8_t **out, size_t *outlen);

/*
 * pk_welcome_make that accepts zstd compression when level is 1 to PK_ZSTD_LEVEL_MAX and the
 * hello offers it. To a hello with features the welcome carries the parent's choice as its 7th
 * element (0 when level is 0); to one without, it has 6 elements as before and nothing is
 * negotiated. s->features is the choice and s->level the level. PK_EINVAL as pk_welcome_make,
 * or for a level out of range.
 */
int pk_welcome_make_zstd(const struct pk_hello *h, const uint8_t sec[PK_SEC_BYTES], uint64_t now,
                         int level, struct pk_session *s, uint8_t **out, size_t *outlen);

/* pk_welcome_make_zstd also choosing, of the hello's offer, the bits of accept (PK_FEAT_PARTS). */
int pk_welcome_make_feat(const struct pk_hello *h, const uint8_t sec[PK_SEC_BYTES], uint64_t now,
                         int level, uint64_t accept, struct pk_session *s, uint8_t **out,
                         size_t *outlen);

/*
 * Child: reads the parent's welcome to the hello of hs: it must name and be signed by the
 * parent key in hs and carry the hash of that hello. Derives the session into s, sets
 * *parent_time (may be NULL) to the parent's clock in Unix seconds (0 from a parent whose
 * welcome has no time: it is then unknown) and wipes hs. s->features is the parent's choice
 * from the welcome's 7th element (0 without it: a parent of an earlier version), which it may
 * have only when the hello had one and must be a subset of the offer (else PK_EDECODE);
 * s->level is hs->level. Returns 0, PK_ETOOBIG, PK_EDECODE, PK_EVERSION, PK_EAUTH (another
 * parent, another hello, or an all-zero shared secret) or PK_ESIG; on failure hs is kept
 * (wipe it to give up).
 */
int pk_welcome_read(struct pk_handshake *hs, const uint8_t *buf, size_t len, struct pk_session *s,
                    uint64_t *parent_time, struct pk_diag *d);

/*
 * The key derivation both sides use: q = X25519(eph_sec, other_eph), then BLAKE2b-512 of
 * q ‖ child_eph ‖ parent_eph ‖ hello_hash ‖ welcome_hash, split into s->c2p and s->p2c; sets
 * s->id and resets the counters. Exported for test vectors and other implementations. Returns
 * 0, or PK_EAUTH for an all-zero q (s is then wiped).
 */
int pk_session_derive(struct pk_session *s, const uint8_t eph_sec[PK_EPH_BYTES],
                      const uint8_t other_eph[PK_EPH_BYTES], const uint8_t child_eph[PK_EPH_BYTES],
                      const uint8_t parent_eph[PK_EPH_BYTES],
                      const uint8_t hello_hash[PK_HASH_BYTES],
                      const uint8_t welcome_hash[PK_HASH_BYTES],
                      const uint8_t id[PK_SESSION_ID_BYTES]);

/* Wipes the ephemeral secret and everything else in hs. */
void pk_handshake_wipe(struct pk_handshake *hs);

/* Wipes the keys and everything else in s. */
void pk_session_wipe(struct pk_session *s);

/*
 * The session id and counter of a sealed message, unauthenticated: for the parent to find the
 * session to open it with. counter may be NULL. Returns 0, PK_ETOOBIG, PK_EDECODE or
 * PK_EVERSION.
 */
int pk_sealed_session(const uint8_t *buf, size_t len, uint8_t id[PK_SESSION_ID_BYTES],
                      uint64_t *counter);

/*
 * The session id of a sealed message from its first bytes only (the array, the tag and the id:
 * at least PK_SEALED_PREFIX bytes), unauthenticated and without reading the rest: for the listen
 * port, which looks at a large first message before it holds the whole (SPEC section 14).
 * Returns 0, PK_EDECODE or PK_EVERSION.
 */
#define PK_SEALED_PREFIX 34
int pk_sealed_prefix(const uint8_t *buf, size_t len, uint8_t id[PK_SESSION_ID_BYTES]);

/*
 * Sealing and opening with PK_FEAT_ZSTD negotiated: the sealer compresses a plaintext into one
 * zstd frame when s->level > 0 and it pays (proto/compress.h), and the opener decompresses a
 * plaintext that begins with the zstd magic, refusing a frame over PK_PLAIN_MAX (PK_ETOOBIG)
 * or a bad one (PK_EDECODE) before it allocates more than that. The plaintext given and
 * returned is always the message itself. Without the feature nothing changes.
 */

/*
 * Child: seals a request with the next counter (1, 2, 3, ...; stored in s->sent, which the
 * reply is opened with). Returns 0 and a malloc'd message in *out, PK_ETOOBIG (plaintext longer
 * than PK_PLAIN_MAX), PK_ESTATE (counters used up) or PK_ENOMEM.
 */
int pk_seal_request(struct pk_session *s, const uint8_t *plain, size_t plen, uint8_t **out,
                    size_t *outlen);

/*
 * Parent: opens a request of session s. A counter accepted before, or PK_REPLAY_WINDOW or more
 * below the highest accepted, is refused before decryption; the window records the counter only
 * once the box has decrypted, so a forged message changes nothing. Returns 0 with the malloc'd
 * plaintext in *plain (the caller frees it) and the counter to answer with in *counter, or
 * PK_ETOOBIG, PK_EDECODE, PK_EVERSION, PK_EAUTH (another session, or a box that does not
 * decrypt), PK_EREPLAY or PK_ENOMEM.
 */
int pk_open_request(struct pk_session *s, const uint8_t *buf, size_t len, uint8_t **plain,
                    size_t *plen, uint64_t *counter);

/*
 * Parent: whether pk_open_request would accept this request now (the same checks: the session,
 * the replay window, the box), without recording its counter or keeping the plaintext: for the
 * listen port, which admits a new connection of an established session on its first request
 * (SPEC section 14). Returns 0 or pk_open_request's errors.
 */
int pk_check_request(const struct pk_session *s, const uint8_t *buf, size_t len);

/*
 * Parent: seals the reply to the request with this counter, which pk_open_request accepted and
 * which has no reply yet (sealing twice under one counter would reuse a nonce). Returns 0 and a
 * malloc'd message in *out, PK_EINVAL (a counter not accepted, or too old to tell), PK_ESTATE
 * (already answered), PK_ETOOBIG or PK_ENOMEM.
 */
int pk_seal_reply(struct pk_session *s, uint64_t counter, const uint8_t *plain, size_t plen,
                  uint8_t **out, size_t *outlen);

/*
 * Child: opens the reply to the request sent with this counter (normally s->sent). Returns 0
 * with the malloc'd plaintext in *plain, PK_EINVAL (a counter never sent), PK_ETOOBIG,
 * PK_EDECODE, PK_EVERSION, PK_EAUTH (another session or counter, or a box that does not
 * decrypt) or PK_ENOMEM.
 */
int pk_open_reply(const struct pk_session *s, uint64_t counter, const uint8_t *buf, size_t len,
                  uint8_t **plain, size_t *plen);

/*
 * Makes an error message. code must be one of the codes of the spec ("unknown-session",
 * "replay", "refused", "too-big", "malformed", "busy"); text is at most PK_ERRMSG_TEXT_MAX bytes
 * of UTF-8 without NUL. Returns 0 and a malloc'd message in *out, PK_EINVAL or PK_ENOMEM.
 */
int pk_errmsg_make(const char *code, const char *text, uint8_t **out, size_t *outlen);

/*
 * Reads an error message. Any code of 1 to PK_ERRMSG_CODE_MAX bytes of [a-z0-9-] is accepted,
 * so that a newer parent's codes still read as errors. Returns 0, PK_ETOOBIG, PK_EDECODE or
 * PK_EVERSION.
 */
int pk_errmsg_read(const uint8_t *buf, size_t len, struct pk_errmsg *e);

/* The error code to answer a refusal with: "too-big", "malformed", "replay",
 * "unknown-session" (for PK_ENOTFOUND) or "refused". A static string. */
const char *pk_errmsg_code(int err);

#endif
