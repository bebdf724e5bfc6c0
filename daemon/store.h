/*
 * store.h: the node's LMDB store: per-origin logs of signed changesets, their heads, the
 * certificates that authorise origins, and the current records (last writer wins on
 * (hybrid clock, origin key), deletes kept as tombstones) with an index by key.
 *
 * Every change goes through store_apply() or store_write(): each changeset is verified
 * (signature, hash chain, sequence, clock, certificate chain, region authority, schema) and then
 * written with its records in the same LMDB write transaction, so a changeset is in the store
 * whole or not at all. Several processes may open one store (LMDB serialises writers), so
 * pokjactl and pokjad can write at the same time. The on-disk layout is in proto/SPEC.md,
 * section "Store". Read functions copy what they return in pages and hold no read
 * transaction while a callback runs, so a slow reader never pins old pages.
 */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto/cert.h"
#include "proto/changeset.h"
#include "proto/error.h"

struct store;

#define STORE_RDONLY 0x1

/* Opens (creating when missing, unless STORE_RDONLY) the store in folder `path`.
 * Returns 0 or PK_ESTORE / PK_ECORRUPT / PK_EIO / PK_EVERSION with a sentence in d. */
int store_open(const char *path, unsigned flags, struct store **out, struct pk_diag *d);
void store_close(struct store *s);

/* The node this store belongs to. */
struct store_node {
	uint8_t pub[PK_PUB_BYTES];
	uint8_t root[PK_PUB_BYTES]; /* the national key, the root of trust */
	char region[PK_REGION_MAX + 1];
	char name[PK_NAME_MAX + 1];
	bool certified; /* the root itself, or a node whose chain is installed */
};

/* Reads the node identity; PK_ENOTFOUND before store_node_init. */
int store_node_get(struct store *s, struct store_node *n);

/* Records the node identity once; PK_EEXIST when the store already has one. */
int store_node_init(struct store *s, const struct store_node *n);

/*
 * Installs this node's certificate chain (root-issued first, this node's own last), after
 * checking that it ends at this node's key, chains to `root`, is valid at `now` (Unix seconds),
 * and grants the region recorded at init. A node created without a root learns it here; a
 * node that has one refuses a chain to another root. Marks the node certified.
 */
int store_install_chain(struct store *s, const uint8_t root[PK_PUB_BYTES],
                        const uint8_t *const *certs, const size_t *lens, size_t n, uint64_t now,
                        struct pk_diag *d);

/* One blob handed to the store: a changeset (store_apply) or a certificate (store_certs_put). */
struct store_blob {
	const uint8_t *data;
	size_t len;
};

/*
 * Stores the certificates a peer's push, a bundle or this node's own certify carries, in one
 * transaction (SPEC section 7, "Storing certificates"). Each is stored only when it chains to
 * the root through certificates held here or stored by this same call (in any order), and never
 * replaces a different certificate held for its subject unless it supersedes it (same issuer
 * and region, a higher serial, a validity window containing the held one's). errs[i] gets 0
 * (stored, or the very same bytes held already) or the certificate's refusal: PK_EDECODE /
 * PK_ETOOBIG / PK_EVERSION, PK_ESIG, PK_ECERT (no chain to the root), PK_EEXPIRED (never valid
 * with its issuer's chain), PK_ECONFLICT (would displace the held one); whys[i], when whys is
 * not NULL, the sentence. *stored (may be NULL) counts those stored. Storing a first
 * certificate for a key settles the key's pending revocations (SPEC section 9). Returns 0 when
 * the transaction committed, or a store failure (nothing stored). O(n) lookups.
 */
int store_certs_put(struct store *s, const struct store_blob *certs, size_t n, int *errs,
                    struct pk_diag *whys, size_t *stored);

/* Copies the certificate held for subject into buf (PK_CERT_MAX_BYTES), its length in *len.
 * Returns 0, PK_ENOTFOUND or a store failure. */
int store_cert_get(struct store *s, const uint8_t subject[PK_PUB_BYTES], uint8_t *buf, size_t *len);

/* store_certs_put for one certificate: 0 or its refusal (or a store failure), with d. */
int store_cert_put(struct store *s, const uint8_t *cert, size_t len, struct pk_diag *d);

/* Calls fn with the chain (root-issued first) that authorises `origin`; PK_ECERT when none. */
int store_chain_get(struct store *s, const uint8_t origin[PK_PUB_BYTES],
                    int (*fn)(const uint8_t *cert, size_t len, void *arg), void *arg);

/* Takes the next certificate serial number this node issues (1, 2, ...). */
int store_next_serial(struct store *s, uint64_t *serial);

/* What became of one changeset in store_apply. */
struct store_outcome {
	int err; /* 0 applied, PK_EEXIST already held (harmless), or the refusal's error code */
	struct pk_diag why;
	/* From the one decode store_apply makes, so that no caller decodes the bytes again: */
	bool decoded;                 /* it decoded (err is then not a step-1 refusal) */
	uint8_t origin[PK_PUB_BYTES]; /* when decoded */
	uint64_t seq;                 /* when decoded */
};

/*
 * Who sent a batch, for the lineage rule of SPEC section 16 at the receiving end (outbox.h says
 * the rule). wants is asked, once per decoded changeset whose origin's chain is held, with the
 * origin's path from the root (from the store's cached authority, in the batch's transaction);
 * false refuses the changeset as PK_ELINEAGE before section 8's checks. An origin whose chain
 * is not held is never asked about: section 8 refuses it as no-certificate. `refusal` false
 * leaves such a changeset out without counting it as refused (a bundle not made for this node).
 */
struct store_sender {
	bool (*wants)(const void *arg, const uint8_t origin[PK_PUB_BYTES],
	              uint8_t (*path)[PK_PUB_BYTES], int npath);
	const void *arg;
	bool refusal;
	const char *why; /* the refusal's sentence ("origin outside the child's subtree") */
};

/*
 * Verifies and applies n received changesets in order, in one write transaction (group
 * commit). Signatures are checked on `threads` threads (1 = the caller's only) before the
 * transaction opens. Each changeset is refused or applied on its own: a refusal is reported in
 * out[i] and does not stop the others. A changeset ahead of a gap in its origin's sequence is
 * refused with PK_EGAP (the sender resends in order). Returns 0 when the transaction committed,
 * or PK_ESTORE / PK_ENOMEM when nothing was stored. `now_ms` bounds how far ahead of this
 * node's clock a changeset may be stamped (PK_ECLOCK); 0 disables the bound.
 */
int store_apply(struct store *s, const struct store_blob *cs, size_t n, int threads,
                uint64_t now_ms, struct store_outcome *out);

/* store_apply with the sender's lineage rule (store_sender above; NULL: none, as store_apply). */
int store_apply_from(struct store *s, const struct store_blob *cs, size_t n,
                     const struct store_sender *from, int threads, uint64_t now_ms,
                     struct store_outcome *out);

struct store_written {
	uint64_t first_seq, last_seq; /* this node's changesets that the write created */
	size_t changesets;
};

/*
 * Writes ops as this node's own changesets (as many as the size limits need), signed with sec,
 * all in one transaction: every op is applied or none is. Fails with the first refusal
 * (schema, region, ...) and its reason in d. progress, when not NULL, is called with the ops
 * done so far.
 */
int store_write(struct store *s, const uint8_t sec[PK_SEC_BYTES], const struct pk_op *ops,
                size_t nops, uint64_t now_ms, struct store_written *w,
                void (*progress)(size_t done, size_t total, void *arg), void *arg,
                struct pk_diag *d);

/*
 * A condition on the record one op writes, for store_write_if: checked in the write's own
 * transaction before anything is written, so no other writer can slip in between a read and
 * the write that relies on it.
 */
enum store_cond_kind {
	STORE_IF_ANY,     /* no condition */
	STORE_IF_ABSENT,  /* no live record (a tombstone counts as absent): PK_EEXIST otherwise */
	STORE_IF_VERSION, /* the live record still has version (hlc, origin): PK_ECONFLICT
	                   * otherwise (changed or deleted since it was read) */
};

struct store_cond {
	enum store_cond_kind kind;
	uint64_t hlc;
	uint8_t origin[PK_PUB_BYTES];
};

/*
 * store_write with conds[i] (conds may be NULL: none) on the record ops[i] writes. A condition
 * that fails refuses the whole write with PK_EEXIST or PK_ECONFLICT, with a sentence naming the
 * record and the op's index in d, and nothing is written.
 */
int store_write_if(struct store *s, const uint8_t sec[PK_SEC_BYTES], const struct pk_op *ops,
                   const struct store_cond *conds, size_t nops, uint64_t now_ms,
                   struct store_written *w, void (*progress)(size_t done, size_t total, void *arg),
                   void *arg, struct pk_diag *d);

/*
 * A bulk import's progress (SPEC section 11, meta "import:ID"): this node's own bookkeeping,
 * never replicated. `pokjactl import` writes a file in chunks, each in one transaction with
 * this mark, so that an import stopped at any moment (killed included) knows exactly which of
 * the file's items are in and goes on from the next one. id is the caller's name for the import
 * (pokjactl: a hash of the file's bytes and the options that read it).
 */
struct store_import {
	uint8_t id[PK_HASH_BYTES];
	uint64_t items;      /* the file's first `items` items are in (written or left out) */
	uint64_t next_line;  /* the file line of item `items`, where the import goes on */
	uint64_t records;    /* records written by the import so far */
	uint64_t updated_ms; /* when the last chunk committed (Unix milliseconds) */
	bool done;           /* the whole file is in: store_write_mark deletes the mark */
};

/*
 * store_write_if that also writes mark (not NULL) in the same transaction: every op and the
 * mark, or nothing. With mark->done the mark is deleted instead (an import finished leaves no
 * trace). nops may be 0 here: the mark alone. Never call it with a mark from pokjad's threads:
 * imports are pokjactl's.
 */
int store_write_mark(struct store *s, const uint8_t sec[PK_SEC_BYTES], const struct pk_op *ops,
                     const struct store_cond *conds, size_t nops, uint64_t now_ms,
                     const struct store_import *mark, struct store_written *w,
                     void (*progress)(size_t done, size_t total, void *arg), void *arg,
                     struct pk_diag *d);

/* The mark of import id: 0, PK_ENOTFOUND (none: not started, or finished), PK_ECORRUPT or a
 * store failure. One short read transaction. */
int store_import_get(struct store *s, const uint8_t id[PK_HASH_BYTES], struct store_import *m);

/*
 * The restore fence (SPEC section 11, meta "fence"). A node put back from a backup may lack
 * changesets of its own log that reached its peers; writing before it has them back would fork
 * its log. `pokjactl restore` sets the fence; while it holds, store_write refuses with PK_ESTATE
 * and a sentence saying why and what to do. pokjad reports what peers hold of this node's own
 * log with store_fence_note: `decisive` for the peer that has everything this node sent (its
 * parent; the national node: a child). The fence lifts at the next write once a decisive peer
 * has reported and this node holds its own log up to the highest sequence any peer reported.
 */
struct store_fence {
	bool fenced;
	uint64_t need; /* the highest own sequence a peer reported */
	bool heard;    /* a decisive peer has reported */
	uint64_t have; /* this node's own head (store_fence_get only) */
};

/* Sets the fence (need 0, not heard). */
int store_fence_set(struct store *s);

/* Records a peer's report of this node's own head; a no-op (and no write) without a fence. */
int store_fence_note(struct store *s, uint64_t seq, bool decisive);

/* The fence, or PK_ENOTFOUND when there is none. */
int store_fence_get(struct store *s, struct store_fence *f);

/* Removes the fence (the operator's override). */
int store_fence_lift(struct store *s);

/* Writes a consistent, compacted copy of the store's data file to fd (LMDB's hot copy: one read
 * transaction, so writers go on meanwhile). PK_EIO with errno on a write error. */
int store_backup(struct store *s, int fd);

/* A current record, as handed to a callback. Pointers are valid during the call only. */
struct store_record {
	const char *coll;
	const char *region;
	const char *key;
	uint64_t hlc;
	uint8_t origin[PK_PUB_BYTES];
	uint64_t seq;
	bool deleted;
	const uint8_t *value; /* NULL for a tombstone */
	size_t value_len;
	size_t file_offset; /* where the stored entry's value sits in the LMDB data file */
};

typedef int (*store_record_fn)(const struct store_record *r, void *arg);

/* Calls fn for each live record of coll with this key (any region when region is NULL).
 * Returns the number of calls, or a negative error. fn returning non-zero stops the walk. */
int store_get(struct store *s, const char *coll, const char *key, const char *region,
              store_record_fn fn, void *arg);

/* store_get with tombstones too (r->deleted set): a deleted record's region, for its history. */
int store_get_any(struct store *s, const char *coll, const char *key, const char *region,
                  store_record_fn fn, void *arg);

/* Calls fn for each record of coll whose region lies within `region` (NULL or "": all), in
 * (region, key) order; tombstones too when with_deleted. Returns the number of calls or an
 * error. */
int store_list(struct store *s, const char *coll, const char *region, bool with_deleted,
               store_record_fn fn, void *arg);

/* One version of a record, as handed to a store_history callback. value points into a copy of
 * its changeset and is valid during the call only. */
struct store_version {
	uint64_t hlc;                 /* the changeset's hybrid clock */
	uint8_t origin[PK_PUB_BYTES]; /* who wrote it */
	uint64_t seq;                 /* the changeset in origin's log */
	bool deleted;                 /* a delete (value NULL) */
	const uint8_t *value;
	size_t value_len;
};

typedef int (*store_version_fn)(const struct store_version *v, void *arg);

/*
 * Calls fn for every version of the record coll/region/key held (every accepted op that wrote
 * it, deletes included, also ones that lost to a newer version), oldest first by (hlc, origin):
 * the order of last-writer-wins, so the last call is the record as stored. From the index
 * `hist` (SPEC section 11): O(versions) reads of the log. A store made before the index and
 * opened read-only has none yet (store_history_indexed false); it is then found by decoding
 * every changeset held, O(log). Returns the number of calls (0: no such record ever) or an
 * error; fn returning non-zero stops the walk.
 */
int store_history(struct store *s, const char *coll, const char *region, const char *key,
                  store_version_fn fn, void *arg);

/* Whether store_history reads the index (true) or scans the log (false). */
bool store_history_indexed(const struct store *s);

struct store_head {
	uint64_t seq; /* 0 when nothing is held from the origin */
	uint8_t hash[PK_HASH_BYTES];
	uint64_t hlc;
	bool forked;
};

int store_head_get(struct store *s, const uint8_t origin[PK_PUB_BYTES], struct store_head *h);

/* Calls fn for every held changeset (of one origin when origin is not NULL), by origin key
 * then sequence. Returns the number of calls or an error. */
int store_log(struct store *s, const uint8_t *origin,
              int (*fn)(const uint8_t *raw, size_t len, void *arg), void *arg);

/* The changeset (origin, seq) into a malloc'd buffer. */
int store_log_get(struct store *s, const uint8_t origin[PK_PUB_BYTES], uint64_t seq, uint8_t **out,
                  size_t *len);

struct store_verify_stats {
	size_t changesets, records, certs, problems;
};

/*
 * Re-checks everything: every changeset's encoding, signature, hash chain and sequence, every
 * head, every record against the log that produced it (and the log against the records), the
 * key index, every certificate. Calls problem() once per finding with where it is (including
 * the byte offset in the data file) and what is wrong. Returns 0 when the walk finished
 * (problems may still have been found: see stats), or an error when it could not.
 * Reads one snapshot, so the read transaction lasts as long as the walk.
 */
int store_verify(struct store *s, void (*problem)(const char *where, const char *what, void *arg),
                 void *arg, struct store_verify_stats *stats);

/*
 * Checks the raw pages of the store in folder `path` (see lmdbcheck.h) before anything trusts
 * them: LMDB itself reads pages unchecked, and a damaged one can crash it. Holds an LMDB read
 * transaction during the check, so the snapshot checked is not recycled by a concurrent writer.
 * Calls problem() per finding ("LMDB page N (data.mdb offset X)", what). Returns 0 with the
 * finding count in *problems, or an error when the file cannot be checked at all.
 */
int store_check_pages(const char *path,
                      void (*problem)(const char *where, const char *what, void *arg), void *arg,
                      size_t *problems);

/* ---- replication support (pokjad) ---------------------------------------------------------- */

/*
 * The keys from the root down to origin, by the certificates held: path[0] is the root,
 * path[n-1] is origin itself (n = 1 for the root). A node's lineage rule (SPEC section 16) is
 * decided on these paths: origin O is in the subtree of C when C is on O's path; O is an ancestor
 * of C when O is on C's path. Returns n (1..PK_CHAIN_MAX + 1) or PK_ECERT when no chain is held.
 */
int store_origin_path(struct store *s, const uint8_t origin[PK_PUB_BYTES],
                      uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES]);

/*
 * The lineage rule of SPEC section 16, decided on certificate paths. store_in_lineage: origin is
 * an ancestor of the node whose path (root first, the node last, as store_origin_path gives) is
 * who_path, the node itself, or in its subtree. store_in_subtree: origin is `who` or certified
 * below it. Both are false for an origin whose chain is not held.
 */
bool store_in_lineage(struct store *s, uint8_t who_path[][PK_PUB_BYTES], int who_n,
                      const uint8_t origin[PK_PUB_BYTES]);
bool store_in_subtree(struct store *s, const uint8_t who[PK_PUB_BYTES],
                      const uint8_t origin[PK_PUB_BYTES]);
/* True when origin's chain to the root is held. Every arrival (push, pull, bundle) applies the
 * lineage rule only to such origins; the others are refused by the apply step as
 * no-certificate, so the same changeset gets the same tag whichever way it came. */
bool store_chain_held(struct store *s, const uint8_t origin[PK_PUB_BYTES]);

/* Calls fn for every origin's head, in origin order (one short read transaction per page).
 * Returns the number of calls or an error. */
int store_heads(struct store *s,
                int (*fn)(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h,
                          void *arg),
                void *arg);

/*
 * Calls fn with the changesets of origin whose sequence is above `after`, in order, until
 * max_count were given or the next one would take the total over max_bytes (the first one is
 * always given). Returns the number given or an error. One short read transaction.
 */
int store_log_after(struct store *s, const uint8_t origin[PK_PUB_BYTES], uint64_t after,
                    size_t max_bytes, size_t max_count,
                    int (*fn)(const uint8_t *raw, size_t len, void *arg), void *arg);

/* A number that changes whenever any process commits a write to this store (LMDB's last
 * transaction id): cheap enough to poll every few milliseconds. */
uint64_t store_generation(struct store *s);

/* Counts of refused changesets by reason tag (pk_errtag), kept in the store: store_apply adds
 * to them in its own transaction. fn is called per reason with a non-zero count, in tag
 * order. Returns 0 or an error. */
int store_refusals(struct store *s, int (*fn)(const char *tag, uint64_t count, void *arg),
                   void *arg);

/* Calls fn for every origin marked forked, with the sequence where it forked (the evidence is
 * in the forks table). Returns 0 or an error. */
int store_forks(struct store *s,
                int (*fn)(const uint8_t origin[PK_PUB_BYTES], uint64_t seq, void *arg), void *arg);

/* Invites for online joining (SPEC section 17), kept until used or expired. */
struct store_invite {
	uint8_t secret[32];
	char region[PK_REGION_MAX + 1];
	char name[PK_NAME_MAX + 1];
	uint64_t expires; /* Unix seconds */
	bool used;
};

/* Keeps an invite; PK_EEXIST when its secret is held already or was used before, PK_EINVAL
 * for a region that is not a region code. */
int store_invite_put(struct store *s, const struct store_invite *inv);

/* Calls fn for every invite that is neither used nor expired at `now` (expires < now).
 * Returns 0 or an error. */
int store_invite_list(struct store *s, uint64_t now,
                      int (*fn)(const struct store_invite *inv, void *arg), void *arg);

/* Marks the invite with this secret used, atomically: PK_ENOTFOUND when there is none,
 * PK_EEXIST when it was used already, PK_EEXPIRED after `now` passed its expiry. Deletes the
 * secret once used or expired (keeping only its hash, to tell a second use from an unknown
 * secret); every call also deletes the secrets of all invites expired at `now`. */
int store_invite_use(struct store *s, const uint8_t secret[32], uint64_t now);

/* What pokjad last knew of a peer, for `pokjactl status` (written by pokjad, read by anyone). */
struct store_peer {
	uint8_t key[PK_PUB_BYTES];
	char role[8]; /* "parent" or "child" */
	char region[PK_REGION_MAX + 1];
	char name[PK_NAME_MAX + 1];
	bool connected;
	uint64_t last_contact;     /* Unix seconds; 0 never */
	uint64_t lag_up, lag_down; /* changesets the peer lacks from us / we lack from it */
	uint64_t refused;          /* changesets from this peer refused */
	bool skew_known;           /* the peer's clock was read at a handshake */
	int64_t skew;     /* the peer's clock minus this node's, seconds (SPEC section 4) */
	uint64_t skew_at; /* this node's clock when skew was read, Unix seconds */
	uint64_t held;    /* changesets of ours the peer holds for their time (parent) */
	/* The link to the parent as measured (SPEC section 16, "Units"); link_known false: not
	 * measured (a child, or an entry written before these fields). */
	bool link_known;
	uint64_t rtt_ms;           /* round trip */
	uint64_t up_bps, down_bps; /* bytes on the wire a second, each way; 0: not measured */
	uint64_t ratio_milli;      /* plaintext bytes per wire byte up, times 1,000 */
};

/* Replaces what is kept of peer p->key. PK_EINVAL when a string fills its whole array. */
int store_peer_put(struct store *s, const struct store_peer *p);

/* Decodes one `peers` entry, in the current layout or the older one without the clock (SPEC
 * section 11). Returns 0 or PK_ECORRUPT. */
int store_peer_decode(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                      struct store_peer *p);

/* Calls fn for every peer kept, in key order. */
int store_peer_list(struct store *s, int (*fn)(const struct store_peer *p, void *arg), void *arg);

/*
 * Whether key's certificate is revoked (SPEC sections 8 and 9): 0 with the clock from which it
 * is (when since_hlc is not NULL), or PK_ENOTFOUND. A changeset stamped after that clock from
 * key or from any node certified below it is refused (PK_EREVOKED); pokjad also refuses
 * sessions of a revoked child.
 */
int store_revoked(struct store *s, const uint8_t key[PK_PUB_BYTES], uint64_t *since_hlc);

/* How far ahead of the receiver's clock (now_ms in store_apply) a changeset may be stamped
 * before it is refused as `clock`; 10 minutes unless set (pokjad: [limits] max_clock_skew). */
void store_set_max_skew(struct store *s, uint64_t ms);

/* How far ahead of the receiver's clock a changeset may be stamped and still be held for its
 * time instead of refused as `clock` (SPEC section 8); 7 days unless set (pokjad: [limits]
 * max_clock_hold). */
void store_set_max_hold(struct store *s, uint64_t ms);

/*
 * Applies the held changesets (SPEC section 8, "Held changesets") whose time has come at now_ms,
 * each origin's in order, through store_apply; fn (may be NULL) is told each one's outcome.
 * Sets *next_ms to the wall clock at which the next held one becomes due (0: none is held).
 * Returns 0 or a store error.
 */
int store_held_release(struct store *s, uint64_t now_ms,
                       void (*fn)(const uint8_t *raw, size_t len, const struct store_outcome *o,
                                  void *arg),
                       void *arg, uint64_t *next_ms);

/* How many changesets are held, and the earliest clock (milliseconds) among them (0: none). */
int store_held_stats(struct store *s, uint64_t *count, uint64_t *earliest_ms);

/* Raises each origin's head in hs to the highest sequence held for it (adding origins held but
 * not logged): what a peer is told this node holds, so that it does not send them again. */
struct pk_heads;
int store_heads_add_held(struct store *s, struct pk_heads *hs);

/* The data file's path (for messages). */
const char *store_path(const struct store *s);

/*
 * When err is PK_ENOSPC, writes "no space left on the device holding DIR" (DIR the store
 * folder) into d (when not NULL). Every store function that takes a struct pk_diag * does this
 * itself; callers of the others (store_apply, store_certs_put, store_fence_set, ...) call it.
 * Returns err.
 */
int store_diag(const struct store *s, int err, struct pk_diag *d);

/*
 * A write transaction that fails because the device is full leaves an empty file of this name
 * in the store folder; the next one that commits removes it. So `pokjactl status` can tell
 * that pokjad (or any writer) failed for lack of room, even after some room came back.
 */
#define STORE_FULL_MARK "disk-full"

/* Whether the STORE_FULL_MARK is there, and (when not NULL) since when (the last failure). */
bool store_full_since(const struct store *s, time_t *when);

/* The sentence to print for err from a store function that takes no struct pk_diag *: the
 * store_diag sentence (kept in d) for PK_ENOSPC, else pk_strerror(err). */
const char *store_strerror(const struct store *s, int err, struct pk_diag *d);

/* ---- commit notification (store_notify.c; SPEC section 11, "Commit notification") --------
 *
 * Every process that commits a write transaction to a store tells the one listener (pokjad)
 * without anyone polling: a commit in the listener's own process calls its callback, on the
 * committing thread, after LMDB's write lock is released; a commit in another process sends a
 * datagram to the Unix socket STORE_NOTIFY_SOCK in the store folder, which makes the
 * listener's descriptor readable. Both happen after the commit returned, so a read transaction
 * begun on the news sees it. Best effort: a writer that finds no listener goes on.
 */
#define STORE_NOTIFY_SOCK "notify"

/*
 * Makes this process the listener of s (a read-write store): binds STORE_NOTIFY_SOCK (replacing
 * a file left by a listener that was killed: call it only under the node lock) and calls fn(arg)
 * after every commit this process makes to s from then on. fn runs on the committing thread and
 * must be quick, must not write to s and must not take a lock held around a store write. *fd
 * gets the socket (non-blocking; the store keeps it): poll it for input, then store_notify_drain.
 * Call before the threads that commit start. Returns 0 or an error with a sentence in d.
 */
int store_notify_listen(struct store *s, void (*fn)(void *arg), void *arg, int *fd,
                        struct pk_diag *d);
/* Reads every datagram waiting on the listener's socket fd. */
void store_notify_drain(int fd);
/* Stops listening and removes the socket file; also done by store_close. Call it after the
 * threads of this process that commit have stopped: a commit already under way on another
 * thread may still call fn. */
void store_notify_unlisten(struct store *s);

/* ---- peer heads and certificates (offline bundles, cmd_bundle.c) ----------------------------
 *
 * What this node last learned that a peer holds: per peer and origin, the highest sequence the
 * peer reported (a bundle it created carries its heads; pokjad may record what a session's
 * heads exchange says). `pokjactl bundle create --for PEER` sends only what lies beyond them.
 * Kept in the database `peerheads` (SPEC section 11); this node's own bookkeeping, never
 * replicated. A head that is too high only makes a later bundle miss changesets the peer then
 * reports as a gap; one that is too low only makes a bundle carry changesets already held.
 */
struct pk_head;

#define STORE_PEER_HEADS_ALL 0x1 /* h is the peer's whole list: forget the origins not in it */

/* Sets peer's head of each origin in h[0..n) (seq 0: forgets it) in one transaction; with
 * STORE_PEER_HEADS_ALL also forgets every other origin of the peer. Returns 0 or an error. */
int store_peer_heads_put(struct store *s, const uint8_t peer[PK_PUB_BYTES], const struct pk_head *h,
                         size_t n, unsigned flags);

/* Calls fn for each origin whose head is known for peer, in origin order. Returns the number
 * of calls (0 when nothing is known of the peer) or an error. */
int store_peer_heads_get(struct store *s, const uint8_t peer[PK_PUB_BYTES],
                         int (*fn)(const struct pk_head *h, void *arg), void *arg);

/* Calls fn with every certificate held (its exact bytes), in subject key order. Returns the
 * number of calls or an error. */
int store_certs(struct store *s, int (*fn)(const uint8_t *cert, size_t len, void *arg), void *arg);

/* ---- the PostgreSQL mirror's bookkeeping (pgpos.c) ----------------------------------------
 *
 * pokjad's mirror (pgmirror.h) keeps, in the database `pgmirror` (SPEC section 11), per origin
 * the highest sequence of its log whose records PostgreSQL holds, and one `state` entry that
 * `pokjactl status` shows. This node's own bookkeeping, never replicated. A position is only
 * ever written after PostgreSQL committed what it covers, so one that is too low repeats work
 * (an idempotent upsert) and none is ever too high.
 */
struct store_mirror_pos {
	uint8_t origin[PK_PUB_BYTES];
	uint64_t seq;
};

#define STORE_MIRROR_TEXT 256 /* the target and the error, with their NUL */

struct store_mirror_state {
	bool connected;     /* pokjad's mirror had a working connection when it last wrote */
	uint64_t updated;   /* Unix seconds of its last commit to PostgreSQL; 0 never */
	uint64_t caught_up; /* Unix seconds when it last held everything the store held; 0 never */
	uint64_t error_at;  /* Unix seconds of its last error; 0 none */
	char target[STORE_MIRROR_TEXT]; /* the connection string, any password left out */
	char error[STORE_MIRROR_TEXT];  /* the last error's sentence ("" none) */
};

/* Calls fn with every origin's position, in origin order. Returns the number of calls or an
 * error (0 calls on a store without the database). */
int store_mirror_positions(struct store *s, int (*fn)(const struct store_mirror_pos *p, void *arg),
                           void *arg);

/* Writes positions p[0..n) and (when st is not NULL) the state, in one short transaction. */
int store_mirror_save(struct store *s, const struct store_mirror_pos *p, size_t n,
                      const struct store_mirror_state *st);

/* The state; PK_ENOTFOUND when no mirror ran (or it was turned off). */
int store_mirror_state(struct store *s, struct store_mirror_state *st);

/* Deletes the state, and with positions every position too (the next mirror starts over). */
int store_mirror_clear(struct store *s, bool positions);

/* How many changesets the store holds beyond the positions: the mirror's lag. O(origins)
 * short read transactions. */
int store_mirror_lag(struct store *s, uint64_t *changesets);

/* ---- size and counts, for pokjad's metrics (store_stats.c) ---------------------------------- */

struct store_stats {
	uint64_t file_bytes;      /* the data file's size */
	uint64_t used_bytes;      /* up to its last used page (LMDB's high-water mark) */
	uint64_t page_bytes;      /* LMDB's page size */
	bool disk_free_known;     /* statvfs answered */
	uint64_t disk_free_bytes; /* free to an unprivileged writer on the store's device */
	uint64_t held;            /* changesets held for their time (SPEC section 8) */
	uint64_t forked_origins;  /* origins marked forked */
};

/* Fills st in O(1): a stat, a statvfs, LMDB's meta page and two tables' entry counts (no walk).
 * Returns 0, PK_EIO when the data file cannot be stat'ed, or a store failure. */
int store_stats(struct store *s, struct store_stats *st);

#endif
