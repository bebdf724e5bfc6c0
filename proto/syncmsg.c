/* syncmsg.c: sync messages and invite tokens (see syncmsg.h and SPEC.md sections 16, 17). */
#include "syncmsg.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "enroll.h"
#include "mpwrite.h"
#include "schema.h"

#define B64_VARIANT sodium_base64_VARIANT_URLSAFE_NO_PADDING

/* Marks a message part for the catalog (cli/po); PK_() translates it where it is used. */
#define N_(s) (s)

/* ---- sizes (msgpack-c's shortest forms) ---- */

static size_t sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static size_t array_hdr_size(size_t n)
{
	return n < 16 ? 1 : n <= 0xffff ? 3 : 5;
}

static size_t bin_size(size_t len)
{
	return sat_add(len < 256 ? 2 : len <= 0xffff ? 3 : 5, len);
}

static size_t str_size(size_t len)
{
	return sat_add(len < 32 ? 1 : len < 256 ? 2 : len <= 0xffff ? 3 : 5, len);
}

static size_t uint_size(uint64_t v)
{
	return v < 128 ? 1 : v <= 0xff ? 2 : v <= 0xffff ? 3 : v <= 0xffffffff ? 5 : 9;
}

size_t pk_sync_blob_cost(size_t n_before, size_t len)
{
	size_t grow =
	    n_before == SIZE_MAX ? 0 : array_hdr_size(n_before + 1) - array_hdr_size(n_before);

	return sat_add(bin_size(len), grow);
}

/* An array of blobs: its header and every element. */
static size_t blobs_size(const struct pk_blob *b, size_t n)
{
	size_t size = array_hdr_size(0);

	for (size_t i = 0; i < n; i++)
		size = sat_add(size, pk_sync_blob_cost(i, b[i].len));
	return size;
}

size_t pk_sync_push_size(const struct pk_blob *certs, size_t ncerts, const struct pk_blob *cs,
                         size_t ncs)
{
	size_t size = 1 + str_size(strlen("push"));

	size = sat_add(size, blobs_size(certs, ncerts));
	return sat_add(size, blobs_size(cs, ncs));
}

size_t pk_sync_pulled_size(const struct pk_blob *cs, size_t n)
{
	size_t size = 1 + str_size(strlen("pulled")) + 1; /* the bool */

	return sat_add(size, blobs_size(cs, n));
}

static size_t heads_size(const struct pk_head *h, size_t n)
{
	size_t size = array_hdr_size(n);

	for (size_t i = 0; i < n; i++)
		size = sat_add(size, 1 + bin_size(PK_PUB_BYTES) + uint_size(h[i].seq));
	return size;
}

/* ---- encoding ---- */

static void put_heads(struct pk_mpw *w, const struct pk_head *h, size_t n)
{
	pk_mpw_put_array(w, n);
	for (size_t i = 0; i < n; i++) {
		pk_mpw_put_array(w, 2);
		pk_mpw_put_bin(w, h[i].origin, PK_PUB_BYTES);
		pk_mpw_put_uint(w, h[i].seq);
	}
}

static void put_blobs(struct pk_mpw *w, const struct pk_blob *b, size_t n)
{
	pk_mpw_put_array(w, n);
	for (size_t i = 0; i < n; i++)
		pk_mpw_put_bin(w, b[i].p, b[i].len);
}

size_t pk_sync_part_size(const struct pk_part *part)
{
	if (part == NULL)
		return 1; /* nil */
	return sat_add(1 + bin_size(PK_HASH_BYTES) + uint_size(part->total) +
	                   uint_size(part->offset),
	               bin_size(part->data.len));
}

/* A part as SPEC section 16 bounds it: PK_EINVAL or PK_ETOOBIG. */
static int part_check(const struct pk_part *p)
{
	if (p->data.p == NULL && p->data.len > 0)
		return PK_EINVAL;
	if (p->total > PK_SYNC_CS_BLOB_MAX || p->data.len > PK_PART_DATA_MAX)
		return PK_ETOOBIG;
	if (p->total == 0 || p->offset > p->total || p->data.len > p->total - p->offset)
		return PK_EINVAL;
	return 0;
}

/* [hash: bin(32), total: uint, offset: uint, data: bin], or nil for NULL. */
static void put_part(struct pk_mpw *w, const struct pk_part *p)
{
	if (p == NULL) {
		pk_mpw_put_nil(w);
		return;
	}
	pk_mpw_put_array(w, 4);
	pk_mpw_put_bin(w, p->hash, PK_HASH_BYTES);
	pk_mpw_put_uint(w, p->total);
	pk_mpw_put_uint(w, p->offset);
	pk_mpw_put_bin(w, p->data.p, p->data.len);
}

static int pull_encode(const struct pk_head *have, size_t n, uint64_t wait_ms, uint64_t max_bytes,
                       bool parts, const struct pk_staged *st, uint8_t **out, size_t *outlen);
static int pushed_encode(const struct pk_refusal *refused, size_t nrefused,
                         const struct pk_head *heads, size_t nheads, const uint64_t *staged,
                         uint8_t **out, size_t *outlen);
static int pulled_encode(const struct pk_blob *cs, size_t n, bool more, bool parts,
                         const struct pk_part *part, uint8_t **out, size_t *outlen);

int pk_heads_check(const struct pk_head *h, size_t n, size_t max)
{
	if (n > 0 && h == NULL)
		return PK_EINVAL;
	if (n > max)
		return PK_ETOOBIG;
	for (size_t i = 0; i < n; i++)
		if (h[i].seq == 0 ||
		    (i > 0 && memcmp(h[i - 1].origin, h[i].origin, PK_PUB_BYTES) >= 0))
			return PK_EINVAL;
	return 0;
}

static int check_blobs(const struct pk_blob *b, size_t n, size_t max_n, size_t max_each)
{
	if (n > 0 && b == NULL)
		return PK_EINVAL;
	if (n > max_n)
		return PK_ETOOBIG;
	for (size_t i = 0; i < n; i++) {
		if (b[i].p == NULL && b[i].len > 0)
			return PK_EINVAL;
		if (b[i].len > max_each)
			return PK_ETOOBIG;
	}
	return 0;
}

/* A refusal reason: 1..PK_SYNC_REASON_MAX bytes of [a-z0-9-], like the tags of section 8. */
static int reason_check(const char *s, size_t len)
{
	if (len == 0)
		return PK_EDECODE;
	if (len > PK_SYNC_REASON_MAX)
		return PK_ETOOBIG;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return PK_EDECODE;
	return 0;
}

int pk_sync_heads_encode(const struct pk_head *heads, size_t n, uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;
	int err;

	*out = NULL;
	*outlen = 0;
	if ((err = pk_heads_check(heads, n, PK_HEADS_MAX)) != 0)
		return err;
	if (sat_add(1 + str_size(strlen("heads")), heads_size(heads, n)) > PK_SYNC_MSG_MAX)
		return PK_ETOOBIG;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 2);
	pk_mpw_put_cstr(&w, "heads");
	put_heads(&w, heads, n);
	return pk_mpw_finish(&w, out, outlen);
}

static bool staged_ok(const struct pk_staged *st)
{
	return st->total > 0 && st->total <= PK_SYNC_CS_BLOB_MAX && st->have <= st->total;
}

/* [hash: bin(32), total: uint, have: uint], or nil for NULL. */
static void put_staged(struct pk_mpw *w, const struct pk_staged *st)
{
	if (st == NULL) {
		pk_mpw_put_nil(w);
		return;
	}
	pk_mpw_put_array(w, 3);
	pk_mpw_put_bin(w, st->hash, PK_HASH_BYTES);
	pk_mpw_put_uint(w, st->total);
	pk_mpw_put_uint(w, st->have);
}

int pk_sync_heads_staged_encode(const struct pk_head *heads, size_t n,
                                const struct pk_staged *staged, uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;
	int err;

	*out = NULL;
	*outlen = 0;
	if ((err = pk_heads_check(heads, n, PK_HEADS_MAX)) != 0)
		return err;
	if (staged != NULL && !staged_ok(staged))
		return PK_EINVAL;
	if (sat_add(1 + str_size(strlen("heads")) + 64, heads_size(heads, n)) > PK_SYNC_MSG_MAX)
		return PK_ETOOBIG;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 3);
	pk_mpw_put_cstr(&w, "heads");
	put_heads(&w, heads, n);
	put_staged(&w, staged);
	return pk_mpw_finish(&w, out, outlen);
}

int pk_sync_push_encode(const struct pk_blob *certs, size_t ncerts, const struct pk_blob *cs,
                        size_t ncs, uint8_t **out, size_t *outlen)
{
	return pk_sync_push_part_encode(certs, ncerts, cs, ncs, NULL, out, outlen);
}

int pk_sync_push_part_encode(const struct pk_blob *certs, size_t ncerts, const struct pk_blob *cs,
                             size_t ncs, const struct pk_part *part, uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;
	int err;

	*out = NULL;
	*outlen = 0;
	if ((err = check_blobs(certs, ncerts, PK_SYNC_PUSH_MAX_CERTS, PK_CERT_MAX_BYTES)) != 0 ||
	    (err = check_blobs(cs, ncs, PK_SYNC_PUSH_MAX_CS, PK_SYNC_CS_BLOB_MAX)) != 0 ||
	    (part != NULL && (err = part_check(part)) != 0))
		return err;
	if (sat_add(pk_sync_push_size(certs, ncerts, cs, ncs),
	            part != NULL ? pk_sync_part_size(part) : 0) > PK_SYNC_MSG_MAX)
		return PK_ETOOBIG;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, part != NULL ? 4 : 3);
	pk_mpw_put_cstr(&w, "push");
	put_blobs(&w, certs, ncerts);
	put_blobs(&w, cs, ncs);
	if (part != NULL)
		put_part(&w, part);
	return pk_mpw_finish(&w, out, outlen);
}

int pk_sync_pull_encode(const struct pk_head *have, size_t n, uint64_t wait_ms, uint64_t max_bytes,
                        uint8_t **out, size_t *outlen)
{
	return pull_encode(have, n, wait_ms, max_bytes, false, NULL, out, outlen);
}

int pk_sync_pull_part_encode(const struct pk_head *have, size_t n, uint64_t wait_ms,
                             uint64_t max_bytes, const struct pk_staged *staged, uint8_t **out,
                             size_t *outlen)
{
	return pull_encode(have, n, wait_ms, max_bytes, true, staged, out, outlen);
}

static int pull_encode(const struct pk_head *have, size_t n, uint64_t wait_ms, uint64_t max_bytes,
                       bool parts, const struct pk_staged *st, uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;
	int err;

	*out = NULL;
	*outlen = 0;
	if ((err = pk_heads_check(have, n, PK_HEADS_MAX)) != 0)
		return err;
	if (wait_ms > PK_SYNC_WAIT_MAX_MS || max_bytes > PK_SYNC_PULL_MAX_BYTES ||
	    sat_add(1 + str_size(strlen("pull")) + uint_size(wait_ms) + uint_size(max_bytes),
	            heads_size(have, n)) > PK_SYNC_MSG_MAX)
		return PK_ETOOBIG;
	if (st != NULL && !staged_ok(st))
		return PK_EINVAL;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, parts ? 5 : 4);
	pk_mpw_put_cstr(&w, "pull");
	put_heads(&w, have, n);
	pk_mpw_put_uint(&w, wait_ms);
	pk_mpw_put_uint(&w, max_bytes);
	if (parts)
		put_staged(&w, st);
	return pk_mpw_finish(&w, out, outlen);
}

/* ["join", request] and ["joined", certset]: a name and one blob. */
static int one_blob_encode(const char *name, const uint8_t *b, size_t len, size_t max,
                           uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;

	*out = NULL;
	*outlen = 0;
	if (b == NULL && len > 0)
		return PK_EINVAL;
	if (len > max)
		return PK_ETOOBIG;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 2);
	pk_mpw_put_cstr(&w, name);
	pk_mpw_put_bin(&w, b, len);
	return pk_mpw_finish(&w, out, outlen);
}

int pk_sync_join_encode(const uint8_t *request, size_t len, uint8_t **out, size_t *outlen)
{
	return one_blob_encode("join", request, len, PK_REQUEST_MAX_BYTES, out, outlen);
}

int pk_sync_joined_encode(const uint8_t *certset, size_t len, uint8_t **out, size_t *outlen)
{
	return one_blob_encode("joined", certset, len, PK_CERTSET_MAX_BYTES, out, outlen);
}

int pk_sync_pushed_encode(const struct pk_refusal *refused, size_t nrefused,
                          const struct pk_head *heads, size_t nheads, uint8_t **out, size_t *outlen)
{
	return pushed_encode(refused, nrefused, heads, nheads, NULL, out, outlen);
}

int pk_sync_pushed_part_encode(const struct pk_refusal *refused, size_t nrefused,
                               const struct pk_head *heads, size_t nheads, uint64_t staged,
                               uint8_t **out, size_t *outlen)
{
	if (staged > PK_SYNC_CS_BLOB_MAX) {
		*out = NULL;
		*outlen = 0;
		return PK_EINVAL;
	}
	return pushed_encode(refused, nrefused, heads, nheads, &staged, out, outlen);
}

static int pushed_encode(const struct pk_refusal *refused, size_t nrefused,
                         const struct pk_head *heads, size_t nheads, const uint64_t *staged,
                         uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;
	int err;

	*out = NULL;
	*outlen = 0;
	if (nrefused > 0 && refused == NULL)
		return PK_EINVAL;
	if ((err = pk_heads_check(heads, nheads, PK_SYNC_PUSH_MAX_CS)) != 0)
		return err;
	if (nrefused > PK_SYNC_PUSH_MAX_CS)
		return PK_ETOOBIG;
	for (size_t i = 0; i < nrefused; i++) {
		if (refused[i].reason == NULL || refused[i].index >= PK_SYNC_PUSH_MAX_CS)
			return PK_EINVAL;
		err = reason_check(refused[i].reason,
		                   strnlen(refused[i].reason, PK_SYNC_REASON_MAX + 1));
		if (err != 0)
			return err == PK_ETOOBIG ? PK_ETOOBIG : PK_EINVAL;
	}
	/* At most 1,024 refusals of at most 70 bytes and 1,024 heads of at most 44 bytes: far
	 * below PK_SYNC_MSG_MAX, so no size check is needed. */
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, staged != NULL ? 4 : 3);
	pk_mpw_put_cstr(&w, "pushed");
	pk_mpw_put_array(&w, nrefused);
	for (size_t i = 0; i < nrefused; i++) {
		pk_mpw_put_array(&w, 2);
		pk_mpw_put_uint(&w, refused[i].index);
		pk_mpw_put_cstr(&w, refused[i].reason);
	}
	put_heads(&w, heads, nheads);
	if (staged != NULL)
		pk_mpw_put_uint(&w, *staged);
	return pk_mpw_finish(&w, out, outlen);
}

int pk_sync_pulled_encode(const struct pk_blob *cs, size_t n, bool more, uint8_t **out,
                          size_t *outlen)
{
	return pulled_encode(cs, n, more, false, NULL, out, outlen);
}

int pk_sync_pulled_part_encode(const struct pk_blob *cs, size_t n, bool more,
                               const struct pk_part *part, uint8_t **out, size_t *outlen)
{
	return pulled_encode(cs, n, more, true, part, out, outlen);
}

static int pulled_encode(const struct pk_blob *cs, size_t n, bool more, bool parts,
                         const struct pk_part *part, uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;
	int err;

	*out = NULL;
	*outlen = 0;
	if ((err = check_blobs(cs, n, PK_SYNC_PUSH_MAX_CS, PK_SYNC_CS_BLOB_MAX)) != 0 ||
	    (part != NULL && (err = part_check(part)) != 0))
		return err;
	if (sat_add(pk_sync_pulled_size(cs, n), parts ? pk_sync_part_size(part) : 0) >
	    PK_SYNC_MSG_MAX)
		return PK_ETOOBIG;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, parts ? 4 : 3);
	pk_mpw_put_cstr(&w, "pulled");
	put_blobs(&w, cs, n);
	pk_mpw_put_bool(&w, more);
	if (parts)
		put_part(&w, part);
	return pk_mpw_finish(&w, out, outlen);
}

/* ---- decoding ---- */

/* Up to 32 bytes of untrusted text for a diagnostic, with anything unprintable as '?'. */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
	size_t n = 0, limit = size - 4;

	for (; n < len && n < limit; n++)
		buf[n] = s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?';
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* [origin: bin(32), seq: uint]. Returns 0 or PK_EDECODE. */
static int read_head(struct pk_mpr *r, struct pk_head *h)
{
	const uint8_t *origin;
	uint32_t n;

	if (pk_mpr_array(r, &n) != 0 || n != 2 || pk_mpr_bin(r, &origin, &n) != 0 ||
	    n != PK_PUB_BYTES || pk_mpr_uint(r, &h->seq) != 0)
		return PK_EDECODE;
	memcpy(h->origin, origin, PK_PUB_BYTES);
	return 0;
}

/* [index: uint, reason: str]. Returns 0, PK_EDECODE or PK_ETOOBIG (a long reason). */
static int read_refused(struct pk_mpr *r, struct pk_refused *rf)
{
	const char *reason;
	uint64_t index;
	uint32_t n, len;
	int err;

	if (pk_mpr_array(r, &n) != 0 || n != 2 || pk_mpr_uint(r, &index) != 0 ||
	    index >= PK_SYNC_PUSH_MAX_CS || pk_mpr_str(r, &reason, &len) != 0)
		return PK_EDECODE;
	if ((err = reason_check(reason, len)) != 0)
		return err;
	rf->index = (uint32_t)index;
	memcpy(rf->reason, reason, len);
	rf->reason[len] = '\0';
	return 0;
}

int pk_sync_read_heads(struct pk_mpr *r, uint32_t max, struct pk_sync_list *l, const char *what,
                       struct pk_diag *d)
{
	struct pk_head h;
	uint8_t prev[PK_PUB_BYTES];
	uint32_t n;

	memset(l, 0, sizeof(*l));
	if (pk_mpr_array(r, &n) != 0)
		return pk_diagf(d, PK_EDECODE, "%s: not an array of heads", PK_(what));
	if (n > max)
		return pk_diagf(d, PK_ETOOBIG, "%s: %u heads exceed %u", PK_(what), n, max);
	l->p = r->p;
	for (uint32_t i = 0; i < n; i++) {
		if (read_head(r, &h) != 0)
			return pk_diagf(d, PK_EDECODE,
			                "%s: head %u is not [origin: bin(32), seq: uint]",
			                PK_(what), i);
		if (h.seq == 0)
			return pk_diagf(d, PK_EDECODE, "%s: head %u has sequence 0", PK_(what), i);
		if (i > 0 && memcmp(prev, h.origin, PK_PUB_BYTES) >= 0)
			return pk_diagf(d, PK_EDECODE,
			                "%s: head %u is not above the one before (heads must be in "
			                "strictly ascending origin order)",
			                PK_(what), i);
		memcpy(prev, h.origin, PK_PUB_BYTES);
	}
	l->n = n;
	l->len = (size_t)(r->p - l->p);
	return 0;
}

/* An array of at most max_n bins of at most max_each bytes each. */
static int read_blobs(struct pk_mpr *r, uint32_t max_n, uint32_t max_each, struct pk_sync_list *l,
                      const char *what, struct pk_diag *d)
{
	const uint8_t *b;
	uint32_t n, len;

	if (pk_mpr_array(r, &n) != 0)
		return pk_diagf(d, PK_EDECODE, "%s: not an array", PK_(what));
	if (n > max_n)
		return pk_diagf(d, PK_ETOOBIG, "%u %s exceed %u", n, PK_(what), max_n);
	l->p = r->p;
	for (uint32_t i = 0; i < n; i++) {
		if (pk_mpr_bin(r, &b, &len) != 0)
			return pk_diagf(d, PK_EDECODE, "%s: element %u is not a bin", PK_(what), i);
		if (len > max_each)
			return pk_diagf(d, PK_ETOOBIG, "%s: element %u of %u bytes exceeds %u",
			                PK_(what), i, len, max_each);
	}
	l->n = n;
	l->len = (size_t)(r->p - l->p);
	return 0;
}

static int read_refusals(struct pk_mpr *r, struct pk_sync_list *l, struct pk_diag *d)
{
	struct pk_refused rf;
	uint32_t n;
	int err;

	if (pk_mpr_array(r, &n) != 0)
		return pk_diagf(d, PK_EDECODE, "refused: not an array");
	if (n > PK_SYNC_PUSH_MAX_CS)
		return pk_diagf(d, PK_ETOOBIG, "%u refusals exceed %u", n, PK_SYNC_PUSH_MAX_CS);
	l->p = r->p;
	for (uint32_t i = 0; i < n; i++) {
		if ((err = read_refused(r, &rf)) == PK_ETOOBIG)
			return pk_diagf(d, err, "refusal %u: reason longer than %u bytes", i,
			                PK_SYNC_REASON_MAX);
		if (err != 0)
			return pk_diagf(d, err,
			                "refusal %u is not [index < %u, reason: [a-z0-9-]+]", i,
			                PK_SYNC_PUSH_MAX_CS);
	}
	l->n = n;
	l->len = (size_t)(r->p - l->p);
	return 0;
}

static int read_one_blob(struct pk_mpr *r, uint32_t max, struct pk_blob *b, const char *what,
                         struct pk_diag *d)
{
	uint32_t len;

	if (pk_mpr_bin(r, &b->p, &len) != 0)
		return pk_diagf(d, PK_EDECODE, "%s is not a bin", PK_(what));
	if (len > max)
		return pk_diagf(d, PK_ETOOBIG, "%s of %u bytes exceeds %u", PK_(what), len, max);
	b->len = len;
	return 0;
}

/* [hash: bin(32), total: uint, offset: uint, data: bin] (SPEC section 16, "Parts"). */
static int read_part(struct pk_mpr *r, struct pk_part *p, const char *what, struct pk_diag *d)
{
	const uint8_t *hash;
	uint32_t n, len;

	if (pk_mpr_array(r, &n) != 0 || n != 4 || pk_mpr_bin(r, &hash, &len) != 0 ||
	    len != PK_HASH_BYTES || pk_mpr_uint(r, &p->total) != 0 ||
	    pk_mpr_uint(r, &p->offset) != 0 || pk_mpr_bin(r, &p->data.p, &len) != 0)
		return pk_diagf(
		    d, PK_EDECODE,
		    "%s: part is not [hash: bin(32), total: uint, offset: uint, data: bin]",
		    PK_(what));
	memcpy(p->hash, hash, PK_HASH_BYTES);
	p->data.len = len;
	if (p->total > PK_SYNC_CS_BLOB_MAX)
		return pk_diagf(d, PK_ETOOBIG, "%s: part of a changeset of %llu bytes exceeds %u",
		                PK_(what), (unsigned long long)p->total, PK_SYNC_CS_BLOB_MAX);
	if (len > PK_PART_DATA_MAX)
		return pk_diagf(d, PK_ETOOBIG, "%s: part data of %u bytes exceeds %u", PK_(what),
		                len, PK_PART_DATA_MAX);
	if (p->total == 0 || p->offset > p->total || len > p->total - p->offset)
		return pk_diagf(d, PK_EDECODE, "%s: part bytes %llu..%llu lie outside 0..%llu",
		                PK_(what), (unsigned long long)p->offset,
		                (unsigned long long)(p->offset + len),
		                (unsigned long long)p->total);
	return 0;
}

/* A pull's 5th element, a heads reply's 3rd: nil, or [hash: bin(32), total: uint, have: uint]. */
static int read_staged(struct pk_mpr *r, struct pk_sync_msg *m, struct pk_diag *d)
{
	const uint8_t *hash;
	uint32_t n, len;

	m->parts = true;
	if (pk_mpr_nil(r) == 0)
		return 0;
	if (pk_mpr_array(r, &n) != 0 || n != 3 || pk_mpr_bin(r, &hash, &len) != 0 ||
	    len != PK_HASH_BYTES || pk_mpr_uint(r, &m->pstaged.total) != 0 ||
	    pk_mpr_uint(r, &m->pstaged.have) != 0)
		return pk_diagf(d, PK_EDECODE,
		                "staged is not nil or [hash: bin(32), total: uint, have: uint]");
	if (m->pstaged.total == 0 || m->pstaged.total > PK_SYNC_CS_BLOB_MAX ||
	    m->pstaged.have > m->pstaged.total)
		return pk_diagf(d, PK_EDECODE, "staged %llu of %llu bytes is out of range",
		                (unsigned long long)m->pstaged.have,
		                (unsigned long long)m->pstaged.total);
	memcpy(m->pstaged.hash, hash, PK_HASH_BYTES);
	m->has_staged = true;
	return 0;
}

/* The messages: name, kind as a request, kind as a reply, elements after the name, and how many
 * more a PK_FEAT_PARTS session may add (SPEC section 16, "Parts"). */
static const struct {
	const char *name;
	enum pk_sync_kind request, reply;
	uint32_t fields, optional;
} msgs[] = {
    {"heads", PK_SYNC_HEADS, PK_SYNC_HEADS_REPLY, 1, 1}, /* the 3rd only in a reply */
    {"push", PK_SYNC_PUSH, PK_SYNC_NONE, 2, 1},
    {"pull", PK_SYNC_PULL, PK_SYNC_NONE, 3, 1},
    {"join", PK_SYNC_JOIN, PK_SYNC_NONE, 1, 0},
    {"pushed", PK_SYNC_NONE, PK_SYNC_PUSHED, 2, 1},
    {"pulled", PK_SYNC_NONE, PK_SYNC_PULLED, 2, 1},
    {"joined", PK_SYNC_NONE, PK_SYNC_JOINED, 1, 0},
};

#define NMSGS (sizeof(msgs) / sizeof(msgs[0]))

const char *pk_sync_kind_name(enum pk_sync_kind kind)
{
	for (size_t i = 0; i < NMSGS; i++)
		if (kind != PK_SYNC_NONE && (msgs[i].request == kind || msgs[i].reply == kind))
			return msgs[i].name;
	return "?";
}

/* The fields after the name, for a known kind; extra: the optional element is there. */
static int read_fields(struct pk_mpr *r, struct pk_sync_msg *m, bool extra, struct pk_diag *d)
{
	int err = 0;

	switch (m->kind) {
	case PK_SYNC_HEADS:
		if (extra)
			return pk_diagf(d, PK_EDECODE,
			                "'heads' as a request has 1 element after its name");
		return pk_sync_read_heads(r, PK_HEADS_MAX, &m->heads, "heads", d);
	case PK_SYNC_HEADS_REPLY:
		if ((err = pk_sync_read_heads(r, PK_HEADS_MAX, &m->heads, "heads", d)) != 0 ||
		    !extra)
			return err;
		return read_staged(r, m, d);
	case PK_SYNC_PUSH:
		if ((err = read_blobs(r, PK_SYNC_PUSH_MAX_CERTS, PK_CERT_MAX_BYTES, &m->certs,
		                      N_("certificates"), d)) != 0)
			return err;
		if ((err = read_blobs(r, PK_SYNC_PUSH_MAX_CS, PK_SYNC_CS_BLOB_MAX, &m->changesets,
		                      N_("changesets"), d)) != 0 ||
		    !extra)
			return err;
		m->has_part = true;
		return read_part(r, &m->part, "push", d);
	case PK_SYNC_PULL:
		if ((err = pk_sync_read_heads(r, PK_HEADS_MAX, &m->heads, "have", d)) != 0)
			return err;
		if (pk_mpr_uint(r, &m->wait_ms) != 0 || pk_mpr_uint(r, &m->max_bytes) != 0)
			return pk_diagf(d, PK_EDECODE, "pull: wait_ms and max_bytes must be uints");
		if (m->wait_ms > PK_SYNC_WAIT_MAX_MS)
			return pk_diagf(d, PK_ETOOBIG, "pull: wait_ms %llu exceeds %u",
			                (unsigned long long)m->wait_ms, PK_SYNC_WAIT_MAX_MS);
		if (m->max_bytes > PK_SYNC_PULL_MAX_BYTES)
			return pk_diagf(d, PK_ETOOBIG, "pull: max_bytes %llu exceeds %u",
			                (unsigned long long)m->max_bytes, PK_SYNC_PULL_MAX_BYTES);
		return extra ? read_staged(r, m, d) : 0;
	case PK_SYNC_JOIN:
		return read_one_blob(r, PK_REQUEST_MAX_BYTES, &m->blob, N_("join request"), d);
	case PK_SYNC_PUSHED:
		if ((err = read_refusals(r, &m->refused, d)) != 0)
			return err;
		if ((err = pk_sync_read_heads(r, PK_SYNC_PUSH_MAX_CS, &m->heads, "pushed heads",
		                              d)) != 0 ||
		    !extra)
			return err;
		m->has_staged = true;
		if (pk_mpr_uint(r, &m->staged) != 0 || m->staged > PK_SYNC_CS_BLOB_MAX)
			return pk_diagf(d, PK_EDECODE, "pushed: staged is not a uint up to %u",
			                PK_SYNC_CS_BLOB_MAX);
		return 0;
	case PK_SYNC_PULLED:
		if ((err = read_blobs(r, PK_SYNC_PUSH_MAX_CS, PK_SYNC_CS_BLOB_MAX, &m->changesets,
		                      N_("changesets"), d)) != 0)
			return err;
		if (pk_mpr_bool(r, &m->more) != 0)
			return pk_diagf(d, PK_EDECODE, "pulled: more is not a bool");
		if (!extra || pk_mpr_nil(r) == 0)
			return 0;
		m->has_part = true;
		return read_part(r, &m->part, "pulled", d);
	case PK_SYNC_JOINED:
		return read_one_blob(r, PK_CERTSET_MAX_BYTES, &m->blob, N_("certificate set"), d);
	default:
		return pk_diagf(d, PK_EDECODE, "internal: no layout for kind %d", (int)m->kind);
	}
}

int pk_sync_decode(const uint8_t *buf, size_t len, enum pk_sync_dir dir, struct pk_sync_msg *m,
                   struct pk_diag *d)
{
	struct pk_mpr r;
	const char *name;
	char nbuf[36];
	uint32_t n, nlen;
	size_t i;
	int err;

	memset(m, 0, sizeof(*m));
	if (len > PK_SYNC_MSG_MAX)
		return pk_diagf(d, PK_ETOOBIG, "sync message of %zu bytes exceeds %u", len,
		                PK_SYNC_MSG_MAX);
	pk_mpr_init(&r, buf, len);
	if (pk_mpr_array(&r, &n) != 0 || n == 0)
		return pk_diagf(d, PK_EDECODE, "not a sync message (an array naming the message)");
	if (pk_mpr_str(&r, &name, &nlen) != 0)
		return pk_diagf(d, PK_EDECODE, "sync message name is not a string");
	for (i = 0; i < NMSGS; i++)
		if (strlen(msgs[i].name) == nlen && memcmp(msgs[i].name, name, nlen) == 0)
			break;
	if (i == NMSGS)
		return pk_diagf(d, PK_EDECODE, "unknown sync message '%s'",
		                shown(name, nlen, nbuf, sizeof(nbuf)));
	m->kind = dir == PK_SYNC_REPLY ? msgs[i].reply : msgs[i].request;
	if (m->kind == PK_SYNC_NONE)
		return dir == PK_SYNC_REPLY
		           ? pk_diagf(d, PK_EDECODE, "'%s' is a request where a reply was expected",
		                      msgs[i].name)
		           : pk_diagf(d, PK_EDECODE, "'%s' is a reply where a request was expected",
		                      msgs[i].name);
	if (n != 1 + msgs[i].fields && n != 1 + msgs[i].fields + msgs[i].optional) {
		err = pk_diagf(d, PK_EDECODE, "'%s' has %u elements, not %u", msgs[i].name, n,
		               1 + msgs[i].fields);
		goto fail;
	}
	if ((err = read_fields(&r, m, n > 1 + msgs[i].fields, d)) != 0)
		goto fail;
	if (pk_mpr_left(&r) != 0) {
		err = pk_diagf(d, PK_EDECODE, "trailing bytes after '%s'", msgs[i].name);
		goto fail;
	}
	return 0;
fail:
	memset(m, 0, sizeof(*m));
	return err;
}

void pk_sync_iter_init(struct pk_sync_iter *it, const struct pk_sync_list *l)
{
	pk_mpr_init(&it->r, l->p, l->len);
	it->left = l->n;
	it->err = 0;
}

/* Ends the walk after an element that does not parse. */
static bool iter_fail(struct pk_sync_iter *it)
{
	it->left = 0;
	it->err = PK_EDECODE;
	return false;
}

bool pk_sync_next_head(struct pk_sync_iter *it, struct pk_head *h)
{
	if (it->left == 0)
		return false;
	if (read_head(&it->r, h) != 0)
		return iter_fail(it);
	it->left--;
	return true;
}

bool pk_sync_next_blob(struct pk_sync_iter *it, struct pk_blob *b)
{
	uint32_t len;

	if (it->left == 0)
		return false;
	if (pk_mpr_bin(&it->r, &b->p, &len) != 0)
		return iter_fail(it);
	b->len = len;
	it->left--;
	return true;
}

bool pk_sync_next_refused(struct pk_sync_iter *it, struct pk_refused *rf)
{
	if (it->left == 0)
		return false;
	if (read_refused(&it->r, rf) != 0)
		return iter_fail(it);
	it->left--;
	return true;
}

/* ---- invite tokens ---- */

/* "tcp://" and at least one more byte, all printable ASCII without spaces. */
static bool url_ok(const char *s, size_t len)
{
	size_t plen = strlen("tcp://");

	if (len <= plen || len > PK_INVITE_URL_MAX || memcmp(s, "tcp://", plen) != 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

/* The granted region: a valid code, and never national (only the root holds ""). */
static bool invite_region_ok(const char *s, size_t len)
{
	return len > 0 && len <= PK_REGION_MAX && pk_region_valid(s, len);
}

static bool name_ok(const char *s, size_t len)
{
	return len > 0 && len <= PK_NAME_MAX && pk_utf8_valid(s, len);
}

int pk_invite_encode(const struct pk_invite *inv, char **token)
{
	size_t ulen = strnlen(inv->url, sizeof(inv->url));
	size_t rlen = strnlen(inv->region, sizeof(inv->region));
	size_t nlen = strnlen(inv->name, sizeof(inv->name));
	size_t plen = strlen(PK_INVITE_PREFIX), rawlen, b64len;
	struct pk_mpw w;
	uint8_t *raw;
	char *t;
	int err = 0;

	*token = NULL;
	if (!url_ok(inv->url, ulen) || !name_ok(inv->name, nlen))
		return PK_EINVAL;
	if (!invite_region_ok(inv->region, rlen))
		return PK_EREGION;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 7);
	pk_mpw_put_cstr(&w, PK_INVITE_TAG);
	pk_mpw_put_str(&w, inv->url, ulen);
	pk_mpw_put_bin(&w, inv->parent, PK_PUB_BYTES);
	pk_mpw_put_bin(&w, inv->secret, sizeof(inv->secret));
	pk_mpw_put_str(&w, inv->region, rlen);
	pk_mpw_put_str(&w, inv->name, nlen);
	pk_mpw_put_uint(&w, inv->expires);
	if ((err = pk_mpw_finish(&w, &raw, &rawlen)) != 0)
		return err;
	b64len = sodium_base64_ENCODED_LEN(rawlen, B64_VARIANT); /* with the NUL */
	if ((t = malloc(plen + b64len)) == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	memcpy(t, PK_INVITE_PREFIX, plen);
	sodium_bin2base64(t + plen, b64len, raw, rawlen, B64_VARIANT);
	*token = t;
out:
	free(raw);
	return err;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int pk_invite_decode(const char *token, struct pk_invite *inv, struct pk_diag *d)
{
	uint8_t raw[PK_INVITE_MAX]; /* base64 decodes to 3/4 of its length */
	const char *s = token, *end, *tag, *url, *region, *name;
	const uint8_t *parent, *secret;
	size_t len = strnlen(token, PK_INVITE_MAX + 1), plen = strlen(PK_INVITE_PREFIX), rawlen;
	struct pk_mpr r;
	uint64_t expires;
	uint32_t n, k, taglen, ulen, rlen, nlen;

	memset(inv, 0, sizeof(*inv));
	if (len > PK_INVITE_MAX)
		return pk_diagf(d, PK_ETOOBIG, "invite token longer than %u characters",
		                PK_INVITE_MAX);
	end = token + len;
	while (s < end && is_space(*s))
		s++;
	while (end > s && is_space(end[-1]))
		end--;
	if ((size_t)(end - s) < plen || memcmp(s, PK_INVITE_PREFIX, plen) != 0)
		return pk_diagf(d, PK_EDECODE, "not an invite token (those start with '%s')",
		                PK_INVITE_PREFIX);
	s += plen;
	if (sodium_base642bin(raw, sizeof(raw), s, (size_t)(end - s), NULL, &rawlen, NULL,
	                      B64_VARIANT) != 0)
		return pk_diagf(d, PK_EDECODE, "invite token is not unpadded base64url after '%s'",
		                PK_INVITE_PREFIX);
	pk_mpr_init(&r, raw, rawlen);
	if (pk_mpr_array(&r, &n) != 0 || n == 0 || pk_mpr_str(&r, &tag, &taglen) != 0)
		return pk_diagf(d, PK_EDECODE, "invite token does not hold an invite");
	if (taglen != strlen(PK_INVITE_TAG) || memcmp(tag, PK_INVITE_TAG, taglen) != 0)
		return pk_diagf(d, PK_EVERSION, "invite tag is not '%s'", PK_INVITE_TAG);
	if (n != 7 || pk_mpr_str(&r, &url, &ulen) != 0 || pk_mpr_bin(&r, &parent, &k) != 0 ||
	    k != PK_PUB_BYTES || pk_mpr_bin(&r, &secret, &k) != 0 || k != sizeof(inv->secret) ||
	    pk_mpr_str(&r, &region, &rlen) != 0 || pk_mpr_str(&r, &name, &nlen) != 0 ||
	    pk_mpr_uint(&r, &expires) != 0)
		return pk_diagf(d, PK_EDECODE, "invite fields have the wrong number or types");
	if (pk_mpr_left(&r) != 0)
		return pk_diagf(d, PK_EDECODE, "trailing bytes after the invite");
	if (!url_ok(url, ulen))
		return pk_diagf(d, PK_EDECODE,
		                "invite url is not tcp://host:port of at most %u bytes",
		                PK_INVITE_URL_MAX);
	if (!invite_region_ok(region, rlen))
		return pk_diagf(d, PK_EREGION, "invite region is not a valid non-national code");
	if (!name_ok(name, nlen))
		return pk_diagf(d, PK_EDECODE, "invite name is empty, too long or not UTF-8");
	memcpy(inv->url, url, ulen);
	memcpy(inv->parent, parent, PK_PUB_BYTES);
	memcpy(inv->secret, secret, sizeof(inv->secret));
	memcpy(inv->region, region, rlen);
	memcpy(inv->name, name, nlen);
	inv->expires = expires;
	return 0;
}

/* ---- head sets -------------------------------------------------------------------------- */

/* The index of origin in hs, or where it would go (with *found false). */
static size_t heads_at(const struct pk_heads *hs, const uint8_t origin[PK_PUB_BYTES], bool *found)
{
	size_t lo = 0, hi = hs->n;

	*found = false;
	if (hs->n > 0 && memcmp(hs->h[hs->n - 1].origin, origin, PK_PUB_BYTES) < 0)
		return hs->n; /* the common case: heads come in origin order */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(hs->h[mid].origin, origin, PK_PUB_BYTES);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Makes room for at least want heads. */
static int heads_reserve(struct pk_heads *hs, size_t want)
{
	struct pk_head *nh;
	size_t cap = hs->cap ? hs->cap : 64;

	if (want <= hs->cap)
		return 0;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 / sizeof(*nh) ? want : cap * 2;
	if (cap > SIZE_MAX / sizeof(*nh) || (nh = realloc(hs->h, cap * sizeof(*nh))) == NULL)
		return PK_ENOMEM;
	hs->h = nh;
	hs->cap = cap;
	return 0;
}

int pk_heads_set(struct pk_heads *hs, const uint8_t origin[PK_PUB_BYTES], uint64_t seq)
{
	bool found;
	size_t i = heads_at(hs, origin, &found);

	if (found) {
		hs->h[i].seq = seq;
		return 0;
	}
	if (heads_reserve(hs, hs->n + 1) != 0)
		return PK_ENOMEM;
	memmove(&hs->h[i + 1], &hs->h[i], (hs->n - i) * sizeof(*hs->h));
	memcpy(hs->h[i].origin, origin, PK_PUB_BYTES);
	hs->h[i].seq = seq;
	hs->n++;
	return 0;
}

int pk_heads_from_list(struct pk_heads *hs, const struct pk_sync_list *l)
{
	struct pk_sync_iter it;
	struct pk_head h;

	hs->n = 0;
	if (heads_reserve(hs, l->n) != 0)
		return PK_ENOMEM;
	pk_sync_iter_init(&it, l);
	while (pk_sync_next_head(&it, &h)) {
		if (hs->n > 0 && memcmp(hs->h[hs->n - 1].origin, h.origin, PK_PUB_BYTES) >= 0)
			break;
		hs->h[hs->n++] = h;
	}
	if (it.err != 0 || hs->n != l->n) {
		hs->n = 0;
		return PK_EDECODE;
	}
	return 0;
}

/*
 * First a binary search per head of the list: a head held gets its new seq in place, and the
 * new origins are counted. Only when there are some does a second pass merge the two ascending
 * sequences into a new array, O(n + m). The new array is built before the old one is touched,
 * so a failure leaves the set as it was but for the seqs already replaced.
 */
int pk_heads_merge(struct pk_heads *hs, const struct pk_sync_list *l)
{
	struct pk_sync_iter it;
	struct pk_head h, *out;
	uint8_t prev[PK_PUB_BYTES];
	size_t fresh = 0, i = 0, k = 0, cap;
	bool found, more;
	uint32_t seen = 0;

	pk_sync_iter_init(&it, l);
	while (pk_sync_next_head(&it, &h)) {
		if (seen++ > 0 && memcmp(prev, h.origin, PK_PUB_BYTES) >= 0)
			return PK_EDECODE;
		memcpy(prev, h.origin, PK_PUB_BYTES);
		size_t at = heads_at(hs, h.origin, &found);
		if (found)
			hs->h[at].seq = h.seq;
		else
			fresh++;
	}
	if (it.err != 0 || seen != l->n)
		return PK_EDECODE;
	if (fresh == 0)
		return 0;
	cap = hs->n + fresh;
	if (cap > SIZE_MAX / sizeof(*out) || (out = malloc(cap * sizeof(*out))) == NULL)
		return PK_ENOMEM;
	pk_sync_iter_init(&it, l);
	more = pk_sync_next_head(&it, &h);
	while (i < hs->n || more) {
		int c = !more        ? -1
		        : i == hs->n ? 1
		                     : memcmp(hs->h[i].origin, h.origin, PK_PUB_BYTES);
		if (c <= 0) {
			out[k++] = hs->h[i++]; /* its seq, if the list has it, was set above */
			if (c == 0)
				more = pk_sync_next_head(&it, &h);
		} else {
			out[k++] = h;
			more = pk_sync_next_head(&it, &h);
		}
	}
	free(hs->h);
	hs->h = out;
	hs->n = k;
	hs->cap = cap;
	return 0;
}

static int head_cmp(const void *a, const void *b)
{
	const struct pk_head *x = a, *y = b;
	int c = memcmp(x->origin, y->origin, PK_PUB_BYTES);

	if (c != 0)
		return c;
	return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0; /* the highest seq first */
}

void pk_heads_sort(struct pk_heads *hs)
{
	size_t k = 0;

	if (hs->n < 2)
		return;
	qsort(hs->h, hs->n, sizeof(*hs->h), head_cmp);
	for (size_t i = 0; i < hs->n; i++)
		if (k == 0 || memcmp(hs->h[k - 1].origin, hs->h[i].origin, PK_PUB_BYTES) != 0)
			hs->h[k++] = hs->h[i];
	hs->n = k;
}

uint64_t pk_heads_find(const struct pk_heads *hs, const uint8_t origin[PK_PUB_BYTES])
{
	bool found;
	size_t i = heads_at(hs, origin, &found);

	return found ? hs->h[i].seq : 0;
}

void pk_heads_free(struct pk_heads *hs)
{
	free(hs->h);
	memset(hs, 0, sizeof(*hs));
}
