/* session.c: handshake, key derivation, sealed messages and error messages (see session.h and
 * SPEC.md, section "Sessions"). libsodium's X25519, BLAKE2b-512 and XChaCha20-Poly1305 are used
 * here directly: this module is their only user. */
#include "session.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "compress.h"
#include "mpread.h"
#include "mpwrite.h"
#include "schema.h"

#define DIR_REQUEST 0x01
#define DIR_REPLY 0x02
#define AD_BYTES (PK_SESSION_ID_BYTES + 8)
#define BOX_MIN crypto_aead_xchacha20poly1305_ietf_ABYTES

_Static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == 24, "nonce layout");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == PK_SESSION_KEY_BYTES, "key size");
_Static_assert(crypto_scalarmult_BYTES == PK_EPH_BYTES, "X25519 size");
/* array(4) 1, tag 1 + 14, bin8 id 2 + 16, uint64 9, bin32 header 5, Poly1305 tag 16. */
_Static_assert(PK_SEAL_OVERHEAD >= 1 + 15 + 18 + 9 + 5 + BOX_MIN, "sealed overhead");

static const char *const errmsg_codes[] = {
    "unknown-session", "replay", "refused", "too-big", "malformed", "busy", "full",
};

static bool tag_is(const char *s, uint32_t len, const char *tag)
{
	return len == strlen(tag) && memcmp(s, tag, len) == 0;
}

static void put_u64be(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Reads a fixed-size bin. */
static int read_fixed(struct pk_mpr *r, const uint8_t **b, uint32_t want)
{
	uint32_t n;

	if (pk_mpr_bin(r, b, &n) != 0 || n != want)
		return PK_EDECODE;
	return 0;
}

/*
 * Opens a signed envelope [body, sig] whose body is an array of min_fields to max_fields
 * elements (their number in *fields) starting with `tag`, and leaves b positioned after the tag.
 * The signature is the caller's to check.
 */
static int open_envelope_n(const uint8_t *buf, size_t len, const char *tag, uint32_t min_fields,
                           uint32_t max_fields, struct pk_mpr *b, const uint8_t **body,
                           uint32_t *blen, const uint8_t **sig, uint32_t *fields, struct pk_diag *d)
{
	struct pk_mpr r;
	const char *t;
	uint32_t n, tlen;

	if (len > PK_MSG_MAX)
		return pk_diagf(d, PK_ETOOBIG, "message of %zu bytes exceeds %u", len, PK_MSG_MAX);
	pk_mpr_init(&r, buf, len);
	if (pk_mpr_array(&r, &n) != 0 || n != 2 || pk_mpr_bin(&r, body, blen) != 0 ||
	    read_fixed(&r, sig, PK_SIG_BYTES) != 0 || pk_mpr_left(&r) != 0)
		return pk_diagf(d, PK_EDECODE, "not a signed envelope [body, signature]");
	pk_mpr_init(b, *body, *blen);
	if (pk_mpr_array(b, &n) != 0 || n < min_fields || n > max_fields ||
	    pk_mpr_str(b, &t, &tlen) != 0)
		return pk_diagf(d, PK_EDECODE, "body is not a %u-element array with a tag",
		                max_fields);
	if (!tag_is(t, tlen, tag))
		return pk_diagf(d, PK_EVERSION, "tag is not '%s'", tag);
	*fields = n;
	return 0;
}

enum pk_msg_kind pk_msg_kind(const uint8_t *buf, size_t len)
{
	struct pk_mpr r;
	const uint8_t *body;
	const char *tag;
	uint32_t n, blen, tlen;

	if (len > PK_MSG_MAX)
		return PK_MSG_UNKNOWN;
	pk_mpr_init(&r, buf, len);
	if (pk_mpr_array(&r, &n) != 0 || n == 0)
		return PK_MSG_UNKNOWN;
	if (pk_mpr_peek(&r) == PK_MPT_BIN) {
		if (pk_mpr_bin(&r, &body, &blen) != 0)
			return PK_MSG_UNKNOWN;
		pk_mpr_init(&r, body, blen);
		if (pk_mpr_array(&r, &n) != 0 || n == 0 || pk_mpr_str(&r, &tag, &tlen) != 0)
			return PK_MSG_UNKNOWN;
		if (tag_is(tag, tlen, PK_HELLO_TAG))
			return PK_MSG_HELLO;
		if (tag_is(tag, tlen, PK_WELCOME_TAG))
			return PK_MSG_WELCOME;
		return PK_MSG_UNKNOWN;
	}
	if (pk_mpr_str(&r, &tag, &tlen) != 0)
		return PK_MSG_UNKNOWN;
	if (tag_is(tag, tlen, PK_SEALED_TAG))
		return PK_MSG_SEALED;
	if (tag_is(tag, tlen, PK_ERRMSG_TAG))
		return PK_MSG_ERROR;
	return PK_MSG_UNKNOWN;
}

void pk_join_proof(uint8_t out[PK_HASH_BYTES], const uint8_t secret[PK_JOIN_SECRET_BYTES],
                   const uint8_t child[PK_PUB_BYTES], const uint8_t child_eph[PK_EPH_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, secret, PK_JOIN_SECRET_BYTES, PK_HASH_BYTES);
	crypto_generichash_update(&st, child, PK_PUB_BYTES);
	crypto_generichash_update(&st, child_eph, PK_EPH_BYTES);
	crypto_generichash_final(&st, out, PK_HASH_BYTES);
	sodium_memzero(&st, sizeof(st));
}

bool pk_join_proof_ok(const struct pk_hello *h, const uint8_t secret[PK_JOIN_SECRET_BYTES])
{
	uint8_t want[PK_HASH_BYTES];
	bool ok;

	if (!h->has_join)
		return false;
	pk_join_proof(want, secret, h->child, h->child_eph);
	ok = pk_equal(want, h->join, PK_HASH_BYTES);
	sodium_memzero(want, sizeof(want));
	return ok;
}

int pk_hello_make(struct pk_handshake *hs, const uint8_t sec[PK_SEC_BYTES],
                  const uint8_t parent[PK_PUB_BYTES], uint64_t now, const uint8_t *join_secret,
                  uint8_t **out, size_t *outlen)
{
	return pk_hello_make_zstd(hs, sec, parent, now, join_secret, 0, out, outlen);
}

int pk_hello_make_zstd(struct pk_handshake *hs, const uint8_t sec[PK_SEC_BYTES],
                       const uint8_t parent[PK_PUB_BYTES], uint64_t now, const uint8_t *join_secret,
                       int level, uint8_t **out, size_t *outlen)
{
	return pk_hello_make_feat(hs, sec, parent, now, join_secret, level, 0, out, outlen);
}

int pk_hello_make_feat(struct pk_handshake *hs, const uint8_t sec[PK_SEC_BYTES],
                       const uint8_t parent[PK_PUB_BYTES], uint64_t now, const uint8_t *join_secret,
                       int level, uint64_t extra, uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;
	uint8_t join[PK_HASH_BYTES];
	int err;

	*out = NULL;
	*outlen = 0;
	memset(hs, 0, sizeof(*hs));
	if (level < 0 || level > PK_ZSTD_LEVEL_MAX ||
	    (extra & ~(uint64_t)(PK_FEATURES_KNOWN & ~PK_FEAT_ZSTD)) != 0)
		return PK_EINVAL;
	hs->level = level;
	hs->features = (level > 0 ? PK_FEAT_ZSTD : 0) | extra;
	memcpy(hs->child, sec + PK_SEED_BYTES, PK_PUB_BYTES); /* libsodium: the public half last */
	memcpy(hs->parent, parent, PK_PUB_BYTES);
	pk_random(hs->eph_sec, PK_EPH_BYTES);
	crypto_scalarmult_base(hs->eph_pub, hs->eph_sec);

	pk_mpw_init(&w);
	/* Without features the hello is the 6-element one that every parent reads. */
	pk_mpw_put_array(&w, hs->features != 0 ? 7 : 6);
	pk_mpw_put_cstr(&w, PK_HELLO_TAG);
	pk_mpw_put_bin(&w, hs->child, PK_PUB_BYTES);
	pk_mpw_put_bin(&w, hs->parent, PK_PUB_BYTES);
	pk_mpw_put_bin(&w, hs->eph_pub, PK_EPH_BYTES);
	pk_mpw_put_uint(&w, now);
	if (join_secret != NULL) {
		pk_join_proof(join, join_secret, hs->child, hs->eph_pub);
		pk_mpw_put_bin(&w, join, PK_HASH_BYTES);
	} else {
		pk_mpw_put_nil(&w);
	}
	if (hs->features != 0)
		pk_mpw_put_uint(&w, hs->features);
	if ((err = pk_mpw_finish_signed(&w, sec, out, outlen)) != 0) {
		pk_handshake_wipe(hs);
		return err;
	}
	pk_hash(hs->hello_hash, *out, *outlen);
	return 0;
}

int pk_hello_read(const uint8_t *buf, size_t len, const uint8_t parent[PK_PUB_BYTES], uint64_t now,
                  struct pk_hello *h, struct pk_diag *d)
{
	struct pk_mpr b;
	const uint8_t *body, *sig, *child, *to, *eph, *join = NULL;
	uint32_t blen, n;
	int err;

	memset(h, 0, sizeof(*h));
	if (len > PK_HELLO_MAX)
		return pk_diagf(d, PK_ETOOBIG, "hello of %zu bytes exceeds %u", len, PK_HELLO_MAX);
	/* 7 elements: a child that offers features (compression); 6: one that offers none. */
	if ((err = open_envelope_n(buf, len, PK_HELLO_TAG, 6, 7, &b, &body, &blen, &sig, &n, d)) !=
	    0)
		return err;
	if (read_fixed(&b, &child, PK_PUB_BYTES) != 0 || read_fixed(&b, &to, PK_PUB_BYTES) != 0 ||
	    read_fixed(&b, &eph, PK_EPH_BYTES) != 0 || pk_mpr_uint(&b, &h->time) != 0 ||
	    (pk_mpr_nil(&b) != 0 && read_fixed(&b, &join, PK_HASH_BYTES) != 0) ||
	    (n == 7 && pk_mpr_uint(&b, &h->features) != 0) || pk_mpr_left(&b) != 0)
		return pk_diagf(d, PK_EDECODE, "hello fields have the wrong types");
	/* The cheap checks first: a signature costs tens of microseconds. */
	if (memcmp(to, parent, PK_PUB_BYTES) != 0)
		return pk_diagf(d, PK_EAUTH, "hello is addressed to another parent");
	if (!pk_sig_ok(sig, body, blen, child))
		return pk_diagf(d, PK_ESIG, "hello is not signed by the child key it names");
	memcpy(h->child, child, PK_PUB_BYTES);
	memcpy(h->parent, to, PK_PUB_BYTES);
	memcpy(h->child_eph, eph, PK_EPH_BYTES);
	h->has_features = n == 7;
	if (join != NULL) {
		h->has_join = true;
		memcpy(h->join, join, PK_HASH_BYTES);
	}
	h->skew = pk_clock_skew(h->time, now);
	pk_hash(h->hash, buf, len);
	return 0;
}

int pk_session_derive(struct pk_session *s, const uint8_t eph_sec[PK_EPH_BYTES],
                      const uint8_t other_eph[PK_EPH_BYTES], const uint8_t child_eph[PK_EPH_BYTES],
                      const uint8_t parent_eph[PK_EPH_BYTES],
                      const uint8_t hello_hash[PK_HASH_BYTES],
                      const uint8_t welcome_hash[PK_HASH_BYTES],
                      const uint8_t id[PK_SESSION_ID_BYTES])
{
	crypto_generichash_state st;
	uint8_t q[crypto_scalarmult_BYTES];
	uint8_t k[2 * PK_SESSION_KEY_BYTES];
	int err = 0;

	memset(s, 0, sizeof(*s));
	/* libsodium refuses an all-zero result (a small-order public key); check it anyway. */
	if (crypto_scalarmult(q, eph_sec, other_eph) != 0 || sodium_is_zero(q, sizeof(q))) {
		err = PK_EAUTH;
		goto out;
	}
	crypto_generichash_init(&st, NULL, 0, sizeof(k));
	crypto_generichash_update(&st, q, sizeof(q));
	crypto_generichash_update(&st, child_eph, PK_EPH_BYTES);
	crypto_generichash_update(&st, parent_eph, PK_EPH_BYTES);
	crypto_generichash_update(&st, hello_hash, PK_HASH_BYTES);
	crypto_generichash_update(&st, welcome_hash, PK_HASH_BYTES);
	crypto_generichash_final(&st, k, sizeof(k));
	memcpy(s->id, id, PK_SESSION_ID_BYTES);
	memcpy(s->c2p, k, PK_SESSION_KEY_BYTES);
	memcpy(s->p2c, k + PK_SESSION_KEY_BYTES, PK_SESSION_KEY_BYTES);
	s->seen = 1; /* counter 0 counts as seen: requests are numbered from 1 */
out:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(q, sizeof(q));
	sodium_memzero(k, sizeof(k));
	if (err != 0)
		pk_session_wipe(s);
	return err;
}

int64_t pk_clock_skew(uint64_t theirs, uint64_t ours)
{
	const uint64_t cap = (uint64_t)INT64_MAX;

	if (theirs >= ours)
		return theirs - ours > cap ? INT64_MAX : (int64_t)(theirs - ours);
	return ours - theirs > cap ? -INT64_MAX : -(int64_t)(ours - theirs);
}

int pk_welcome_make(const struct pk_hello *h, const uint8_t sec[PK_SEC_BYTES], uint64_t now,
                    struct pk_session *s, uint8_t **out, size_t *outlen)
{
	return pk_welcome_make_zstd(h, sec, now, 0, s, out, outlen);
}

int pk_welcome_make_zstd(const struct pk_hello *h, const uint8_t sec[PK_SEC_BYTES], uint64_t now,
                         int level, struct pk_session *s, uint8_t **out, size_t *outlen)
{
	return pk_welcome_make_feat(h, sec, now, level, 0, s, out, outlen);
}

int pk_welcome_make_feat(const struct pk_hello *h, const uint8_t sec[PK_SEC_BYTES], uint64_t now,
                         int level, uint64_t accept, struct pk_session *s, uint8_t **out,
                         size_t *outlen)
{
	struct pk_mpw w;
	uint8_t eph_sec[PK_EPH_BYTES], eph_pub[PK_EPH_BYTES];
	uint8_t id[PK_SESSION_ID_BYTES], wh[PK_HASH_BYTES];
	uint64_t chosen = 0;
	int err;

	*out = NULL;
	*outlen = 0;
	if (memcmp(sec + PK_SEED_BYTES, h->parent, PK_PUB_BYTES) != 0 || level < 0 ||
	    level > PK_ZSTD_LEVEL_MAX) {
		err = PK_EINVAL;
		goto out;
	}
	/* The parent's choice: what it knows and wants among what the child offers. */
	if (h->has_features)
		chosen = h->features & ((level > 0 ? PK_FEAT_ZSTD : 0) |
		                        (accept & PK_FEATURES_KNOWN & ~(uint64_t)PK_FEAT_ZSTD));
	pk_random(eph_sec, sizeof(eph_sec));
	crypto_scalarmult_base(eph_pub, eph_sec);
	pk_random(id, sizeof(id));
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, h->has_features ? 7 : 6);
	pk_mpw_put_cstr(&w, PK_WELCOME_TAG);
	pk_mpw_put_bin(&w, h->parent, PK_PUB_BYTES);
	pk_mpw_put_bin(&w, h->hash, PK_HASH_BYTES);
	pk_mpw_put_bin(&w, eph_pub, PK_EPH_BYTES);
	pk_mpw_put_bin(&w, id, PK_SESSION_ID_BYTES);
	pk_mpw_put_uint(&w, now);
	if (h->has_features)
		pk_mpw_put_uint(&w, chosen);
	if ((err = pk_mpw_finish_signed(&w, sec, out, outlen)) != 0)
		goto out;
	pk_hash(wh, *out, *outlen);
	err = pk_session_derive(s, eph_sec, h->child_eph, h->child_eph, eph_pub, h->hash, wh, id);
	if (err == 0) {
		s->features = chosen;
		s->level = level;
	}
out:
	if (err != 0 && *out != NULL) {
		free(*out);
		*out = NULL;
		*outlen = 0;
	}
	sodium_memzero(eph_sec, sizeof(eph_sec));
	return err;
}

int pk_welcome_read(struct pk_handshake *hs, const uint8_t *buf, size_t len, struct pk_session *s,
                    uint64_t *parent_time, struct pk_diag *d)
{
	struct pk_mpr b;
	const uint8_t *body, *sig, *from, *hello_hash, *eph, *id;
	uint8_t wh[PK_HASH_BYTES];
	uint64_t t = 0, chosen = 0;
	uint32_t blen, n;
	int level, err;

	/* 5 elements: a parent from before the time was added; its time is unknown (0). 7: the
	 * parent's choice of features, only ever in answer to a hello that offered some. */
	if ((err = open_envelope_n(buf, len, PK_WELCOME_TAG, 5, hs->features != 0 ? 7 : 6, &b,
	                           &body, &blen, &sig, &n, d)) != 0)
		return err;
	if (read_fixed(&b, &from, PK_PUB_BYTES) != 0 ||
	    read_fixed(&b, &hello_hash, PK_HASH_BYTES) != 0 ||
	    read_fixed(&b, &eph, PK_EPH_BYTES) != 0 ||
	    read_fixed(&b, &id, PK_SESSION_ID_BYTES) != 0 || (n >= 6 && pk_mpr_uint(&b, &t) != 0) ||
	    (n == 7 && pk_mpr_uint(&b, &chosen) != 0) || pk_mpr_left(&b) != 0)
		return pk_diagf(d, PK_EDECODE, "welcome fields have the wrong types");
	if ((chosen & ~hs->features) != 0)
		return pk_diagf(d, PK_EDECODE, "welcome chooses features the hello did not offer");
	if (memcmp(from, hs->parent, PK_PUB_BYTES) != 0)
		return pk_diagf(d, PK_EAUTH, "welcome comes from another parent");
	if (!pk_sig_ok(sig, body, blen, hs->parent))
		return pk_diagf(d, PK_ESIG, "welcome is not signed by the expected parent");
	if (memcmp(hello_hash, hs->hello_hash, PK_HASH_BYTES) != 0)
		return pk_diagf(d, PK_EAUTH, "welcome answers another hello");
	pk_hash(wh, buf, len);
	if (pk_session_derive(s, hs->eph_sec, eph, hs->eph_pub, eph, hs->hello_hash, wh, id) != 0)
		return pk_diagf(d, PK_EAUTH, "parent's ephemeral key gives an all-zero secret");
	level = hs->level;
	pk_handshake_wipe(hs);
	s->features = chosen;
	s->level = level;
	if (parent_time != NULL)
		*parent_time = t;
	return 0;
}

void pk_handshake_wipe(struct pk_handshake *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}

void pk_session_wipe(struct pk_session *s)
{
	sodium_memzero(s, sizeof(*s));
}

/* A sealed message's fields: views into the message. */
struct sealed {
	const uint8_t *id;
	uint64_t counter;
	const uint8_t *box;
	uint32_t boxlen;
};

static int sealed_decode(const uint8_t *buf, size_t len, struct sealed *v)
{
	struct pk_mpr r;
	const char *tag;
	uint32_t n, tlen;

	if (len > PK_MSG_MAX)
		return PK_ETOOBIG;
	pk_mpr_init(&r, buf, len);
	if (pk_mpr_array(&r, &n) != 0 || n != 4 || pk_mpr_str(&r, &tag, &tlen) != 0)
		return PK_EDECODE;
	if (!tag_is(tag, tlen, PK_SEALED_TAG))
		return PK_EVERSION;
	if (read_fixed(&r, &v->id, PK_SESSION_ID_BYTES) != 0 || pk_mpr_uint(&r, &v->counter) != 0 ||
	    pk_mpr_bin(&r, &v->box, &v->boxlen) != 0 || v->boxlen < BOX_MIN || pk_mpr_left(&r) != 0)
		return PK_EDECODE;
	return 0;
}

/* The nonce dir ‖ 7 zero bytes ‖ counter (u64be) ‖ 8 zero bytes and the associated data
 * session ‖ counter (u64be). */
static void nonce_ad(uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES],
                     uint8_t ad[AD_BYTES], uint8_t dir, const uint8_t id[PK_SESSION_ID_BYTES],
                     uint64_t counter)
{
	memset(nonce, 0, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	nonce[0] = dir;
	put_u64be(nonce + 8, counter);
	memcpy(ad, id, PK_SESSION_ID_BYTES);
	put_u64be(ad + PK_SESSION_ID_BYTES, counter);
}

static int seal(const struct pk_session *s, const uint8_t key[PK_SESSION_KEY_BYTES], uint8_t dir,
                uint64_t counter, const uint8_t *plain, size_t plen, uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES], ad[AD_BYTES];
	static const uint8_t empty[1];
	uint8_t *head, *buf, *frame = NULL;
	size_t boxlen, hlen, flen;
	int err;

	*out = NULL;
	*outlen = 0;
	if (plen > PK_PLAIN_MAX)
		return PK_ETOOBIG;
	/* Compress, then encrypt (ciphertext does not compress); the frame replaces the
	 * plaintext only when it is shorter (pk_zstd_pack). */
	if ((s->features & PK_FEAT_ZSTD) != 0 && s->level > 0) {
		if ((err = pk_zstd_pack(s->level, plain, plen, &frame, &flen)) != 0)
			return err;
		if (frame != NULL) {
			plain = frame;
			plen = flen;
		}
	}
	if (plen == 0)
		plain = empty;
	boxlen = plen + BOX_MIN;
	/* The header through the box's bin length, then the box encrypted straight after it. */
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 4);
	pk_mpw_put_cstr(&w, PK_SEALED_TAG);
	pk_mpw_put_bin(&w, s->id, PK_SESSION_ID_BYTES);
	pk_mpw_put_uint(&w, counter);
	pk_mpw_put_bin_head(&w, boxlen);
	if ((err = pk_mpw_finish(&w, &head, &hlen)) != 0)
		goto out;
	if ((buf = realloc(head, hlen + boxlen)) == NULL) {
		free(head);
		err = PK_ENOMEM;
		goto out;
	}
	nonce_ad(nonce, ad, dir, s->id, counter);
	crypto_aead_xchacha20poly1305_ietf_encrypt(buf + hlen, NULL, plain, plen, ad, sizeof(ad),
	                                           NULL, nonce, key);
	*out = buf;
	*outlen = hlen + boxlen;
out:
	free(frame);
	return err;
}

/* With PK_FEAT_ZSTD, a plaintext that is a zstd frame becomes its content, checked by
 * pk_zstd_unpack (declared size at most PK_PLAIN_MAX before any allocation). Anything else is
 * the message itself: a sync message never begins with the frame magic. */
static int unframe(uint64_t features, uint8_t **plain, size_t *plen)
{
	uint8_t *m;
	size_t mlen;
	int err;

	if ((features & PK_FEAT_ZSTD) == 0 || !pk_zstd_is_frame(*plain, *plen))
		return 0;
	err = pk_zstd_unpack(*plain, *plen, PK_PLAIN_MAX, &m, &mlen);
	free(*plain);
	*plain = NULL;
	*plen = 0;
	if (err != 0)
		return err;
	*plain = m;
	*plen = mlen;
	return 0;
}

static int open_box(const struct sealed *v, const uint8_t key[PK_SESSION_KEY_BYTES], uint8_t dir,
                    uint64_t features, uint8_t **plain, size_t *plen)
{
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES], ad[AD_BYTES];
	size_t mlen = v->boxlen - BOX_MIN;
	uint8_t *m;
	int err = 0;

	*plain = NULL;
	*plen = 0;
	if ((m = malloc(mlen > 0 ? mlen : 1)) == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	nonce_ad(nonce, ad, dir, v->id, v->counter);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(m, NULL, NULL, v->box, v->boxlen, ad,
	                                               sizeof(ad), nonce, key) != 0) {
		free(m);
		err = PK_EAUTH;
		goto out;
	}
	*plain = m;
	*plen = mlen;
	err = unframe(features, plain, plen);
out:
	return err;
}

int pk_sealed_session(const uint8_t *buf, size_t len, uint8_t id[PK_SESSION_ID_BYTES],
                      uint64_t *counter)
{
	struct sealed v;
	int err;

	if ((err = sealed_decode(buf, len, &v)) != 0)
		return err;
	memcpy(id, v.id, PK_SESSION_ID_BYTES);
	if (counter != NULL)
		*counter = v.counter;
	return 0;
}

int pk_sealed_prefix(const uint8_t *buf, size_t len, uint8_t id[PK_SESSION_ID_BYTES])
{
	struct pk_mpr r;
	const uint8_t *p;
	const char *tag;
	uint32_t n, tlen;

	pk_mpr_init(&r, buf, len < PK_MSG_MAX ? len : PK_MSG_MAX);
	if (pk_mpr_array(&r, &n) != 0 || n != 4 || pk_mpr_str(&r, &tag, &tlen) != 0)
		return PK_EDECODE;
	if (!tag_is(tag, tlen, PK_SEALED_TAG))
		return PK_EVERSION;
	if (read_fixed(&r, &p, PK_SESSION_ID_BYTES) != 0)
		return PK_EDECODE;
	memcpy(id, p, PK_SESSION_ID_BYTES);
	return 0;
}

int pk_seal_request(struct pk_session *s, const uint8_t *plain, size_t plen, uint8_t **out,
                    size_t *outlen)
{
	int err;

	*out = NULL;
	*outlen = 0;
	if (s->sent == UINT64_MAX)
		return PK_ESTATE;
	if ((err = seal(s, s->c2p, DIR_REQUEST, s->sent + 1, plain, plen, out, outlen)) != 0)
		return err;
	s->sent++;
	return 0;
}

/* True when request counter c was accepted before, or is too old to tell. */
static bool replayed(const struct pk_session *s, uint64_t c)
{
	uint64_t below;

	if (c > s->highest)
		return false;
	below = s->highest - c;
	return below >= PK_REPLAY_WINDOW || ((s->seen >> below) & 1) != 0;
}

/* Records request counter c as accepted; c passed replayed(). */
static void mark_seen(struct pk_session *s, uint64_t c)
{
	uint64_t up;

	if (c > s->highest) {
		up = c - s->highest;
		s->seen = up >= PK_REPLAY_WINDOW ? 0 : s->seen << up;
		s->replied = up >= PK_REPLAY_WINDOW ? 0 : s->replied << up;
		s->highest = c;
	}
	s->seen |= UINT64_C(1) << (s->highest - c);
}

int pk_open_request(struct pk_session *s, const uint8_t *buf, size_t len, uint8_t **plain,
                    size_t *plen, uint64_t *counter)
{
	struct sealed v;
	int err;

	*plain = NULL;
	*plen = 0;
	*counter = 0;
	if ((err = sealed_decode(buf, len, &v)) != 0)
		return err;
	if (memcmp(v.id, s->id, PK_SESSION_ID_BYTES) != 0)
		return PK_EAUTH;
	if (replayed(s, v.counter))
		return PK_EREPLAY;
	if ((err = open_box(&v, s->c2p, DIR_REQUEST, s->features, plain, plen)) != 0)
		return err;
	mark_seen(s, v.counter);
	*counter = v.counter;
	return 0;
}

int pk_check_request(const struct pk_session *s, const uint8_t *buf, size_t len)
{
	struct sealed v;
	uint8_t *plain = NULL;
	size_t plen;
	int err;

	if ((err = sealed_decode(buf, len, &v)) != 0)
		return err;
	if (memcmp(v.id, s->id, PK_SESSION_ID_BYTES) != 0)
		return PK_EAUTH;
	if (replayed(s, v.counter))
		return PK_EREPLAY;
	err = open_box(&v, s->c2p, DIR_REQUEST, s->features, &plain, &plen);
	if (plain != NULL)
		sodium_memzero(plain, plen);
	free(plain);
	return err;
}

int pk_seal_reply(struct pk_session *s, uint64_t counter, const uint8_t *plain, size_t plen,
                  uint8_t **out, size_t *outlen)
{
	uint64_t bit;
	int err;

	*out = NULL;
	*outlen = 0;
	if (counter == 0 || counter > s->highest || s->highest - counter >= PK_REPLAY_WINDOW)
		return PK_EINVAL;
	bit = UINT64_C(1) << (s->highest - counter);
	if ((s->seen & bit) == 0)
		return PK_EINVAL;
	if ((s->replied & bit) != 0)
		return PK_ESTATE;
	if ((err = seal(s, s->p2c, DIR_REPLY, counter, plain, plen, out, outlen)) != 0)
		return err;
	s->replied |= bit;
	return 0;
}

int pk_open_reply(const struct pk_session *s, uint64_t counter, const uint8_t *buf, size_t len,
                  uint8_t **plain, size_t *plen)
{
	struct sealed v;
	int err;

	*plain = NULL;
	*plen = 0;
	if (counter == 0 || counter > s->sent)
		return PK_EINVAL;
	if ((err = sealed_decode(buf, len, &v)) != 0)
		return err;
	if (memcmp(v.id, s->id, PK_SESSION_ID_BYTES) != 0 || v.counter != counter)
		return PK_EAUTH;
	return open_box(&v, s->p2c, DIR_REPLY, s->features, plain, plen);
}

static bool errmsg_code_known(const char *code)
{
	for (size_t i = 0; i < sizeof(errmsg_codes) / sizeof(errmsg_codes[0]); i++)
		if (strcmp(code, errmsg_codes[i]) == 0)
			return true;
	return false;
}

int pk_errmsg_make(const char *code, const char *text, uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;
	size_t tlen = strnlen(text, PK_ERRMSG_TEXT_MAX + 1);

	*out = NULL;
	*outlen = 0;
	if (!errmsg_code_known(code) || tlen > PK_ERRMSG_TEXT_MAX || !pk_utf8_valid(text, tlen))
		return PK_EINVAL;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 3);
	pk_mpw_put_cstr(&w, PK_ERRMSG_TAG);
	pk_mpw_put_cstr(&w, code);
	pk_mpw_put_str(&w, text, tlen);
	return pk_mpw_finish(&w, out, outlen);
}

static bool code_syntax_ok(const char *s, uint32_t len)
{
	if (len == 0 || len > PK_ERRMSG_CODE_MAX)
		return false;
	for (uint32_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

int pk_errmsg_read(const uint8_t *buf, size_t len, struct pk_errmsg *e)
{
	struct pk_mpr r;
	const char *tag, *code, *text;
	uint32_t n, taglen, clen, tlen;

	memset(e, 0, sizeof(*e));
	if (len > PK_MSG_MAX)
		return PK_ETOOBIG;
	pk_mpr_init(&r, buf, len);
	if (pk_mpr_array(&r, &n) != 0 || n != 3 || pk_mpr_str(&r, &tag, &taglen) != 0)
		return PK_EDECODE;
	if (!tag_is(tag, taglen, PK_ERRMSG_TAG))
		return PK_EVERSION;
	if (pk_mpr_str(&r, &code, &clen) != 0 || pk_mpr_str(&r, &text, &tlen) != 0 ||
	    pk_mpr_left(&r) != 0 || !code_syntax_ok(code, clen) || tlen > PK_ERRMSG_TEXT_MAX ||
	    !pk_utf8_valid(text, tlen))
		return PK_EDECODE;
	memcpy(e->code, code, clen);
	memcpy(e->text, text, tlen);
	return 0;
}

const char *pk_errmsg_code(int err)
{
	switch (err) {
	case PK_ETOOBIG:
		return "too-big";
	case PK_EDECODE:
	case PK_EVERSION:
		return "malformed";
	case PK_EREPLAY:
		return "replay";
	case PK_ENOTFOUND:
		return "unknown-session";
	default:
		return "refused";
	}
}
