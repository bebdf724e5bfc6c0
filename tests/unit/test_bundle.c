/* test_bundle.c: offline bundles (proto/bundle.h) and the store's peer heads (daemon/store.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/bundle.h"
#include "proto/hlc.h"
#include "proto/mpwrite.h"
#include "testutil.h"

#define CREATED 1767225600ULL /* 2026-01-01T00:00:00Z */

/* ---- fixtures ---- */

/* A small bundle: the root (key 0) for key 1, two heads, one certificate, two changesets. */
struct fixture {
	struct tu_key root, prov;
	struct pk_bundle_meta meta;
	struct pk_head heads[2];
	uint8_t *cert, *cs[2];
	struct pk_blob certs[1], css[2];
	uint8_t *bundle;
	size_t len;
};

static void fixture_make(struct fixture *f)
{
	struct tu_origin o;
	uint8_t *v;
	size_t vlen, len;
	struct pk_op op;

	memset(f, 0, sizeof(*f));
	tu_key(&f->root, 0);
	tu_key(&f->prov, 1);
	f->cert =
	    tu_cert(&f->root, &f->prov, 1, "32", "Jawa Barat", TU_NOT_BEFORE, TU_NOT_AFTER, &len);
	assert_non_null(f->cert);
	f->certs[0].p = f->cert;
	f->certs[0].len = len;
	tu_origin_init(&o, 0, pk_hlc_from_ms(TU_T0_MS));
	v = tu_kegiatan("Sosialisasi RP3KP", 2026, &vlen);
	op = tu_op("kegiatan", "32.75", "kg-0001", v, vlen);
	for (int i = 0; i < 2; i++) {
		f->cs[i] = tu_cs_next(&o, 0, &op, 1, &len);
		f->css[i].p = f->cs[i];
		f->css[i].len = len;
	}
	free(v);
	memcpy(f->meta.creator, f->root.pub, PK_PUB_BYTES);
	f->meta.created = CREATED;
	f->meta.has_for = true;
	memcpy(f->meta.for_key, f->prov.pub, PK_PUB_BYTES);
	/* heads in ascending origin order */
	memset(f->heads[0].origin, 0x11, PK_PUB_BYTES);
	f->heads[0].seq = 7;
	memset(f->heads[1].origin, 0xee, PK_PUB_BYTES);
	f->heads[1].seq = 1ULL << 40;
	assert_int_equal(pk_bundle_encode(&f->meta, f->heads, 2, f->certs, 1, f->css, 2,
	                                  f->root.sec, &f->bundle, &f->len),
	                 0);
}

static void fixture_free(struct fixture *f)
{
	free(f->cert);
	free(f->cs[0]);
	free(f->cs[1]);
	free(f->bundle);
}

/* Signs a hand-made body as a bundle envelope. */
static uint8_t *sign_body(struct pk_mpw *w, const struct tu_key *k, size_t *len)
{
	uint8_t *out;

	assert_int_equal(pk_mpw_finish_signed(w, k->sec, &out, len), 0);
	return out;
}

/* The body of a bundle, field by field, with the parts a test wants to break. */
struct body_spec {
	const char *tag;
	uint32_t fields; /* 8 */
	const uint8_t *creator;
	size_t creator_len;
	const char *region;
	bool for_bad;
	const struct pk_head *heads;
	size_t nheads;
	size_t cert_len; /* one certificate blob of this many bytes (0: none) */
	bool trailing;
};

static uint8_t *make_body(const struct body_spec *b, const struct tu_key *k, size_t *len)
{
	static uint8_t filler[2048];
	struct pk_mpw w;

	pk_mpw_init(&w);
	pk_mpw_put_array(&w, b->fields);
	pk_mpw_put_cstr(&w, b->tag);
	pk_mpw_put_bin(&w, b->creator, b->creator_len);
	if (b->fields > 2) {
		pk_mpw_put_uint(&w, CREATED);
		pk_mpw_put_cstr(&w, b->region);
		if (b->for_bad)
			pk_mpw_put_bin(&w, filler, 31);
		else
			pk_mpw_put_nil(&w);
		pk_mpw_put_array(&w, b->nheads);
		for (size_t i = 0; i < b->nheads; i++) {
			pk_mpw_put_array(&w, 2);
			pk_mpw_put_bin(&w, b->heads[i].origin, PK_PUB_BYTES);
			pk_mpw_put_uint(&w, b->heads[i].seq);
		}
		pk_mpw_put_array(&w, b->cert_len ? 1 : 0);
		if (b->cert_len)
			pk_mpw_put_bin(&w, filler, b->cert_len);
		pk_mpw_put_array(&w, 0);
		if (b->trailing)
			pk_mpw_put_nil(&w);
	}
	return sign_body(&w, k, len);
}

static struct body_spec good_spec(const struct tu_key *k)
{
	struct body_spec b = {PK_BUNDLE_TAG, 8, k->pub, PK_PUB_BYTES, "32", false,
	                      NULL,          0, 0,      false};
	return b;
}

/* ---- round trips ---- */

static void test_round_trip(void **state)
{
	struct fixture f;
	struct pk_bundle b;
	struct pk_diag d = {""};

	(void)state;
	fixture_make(&f);
	assert_int_equal(pk_bundle_decode(f.bundle, f.len, &b, &d), 0);
	assert_memory_equal(b.meta.creator, f.root.pub, PK_PUB_BYTES);
	assert_true(b.meta.created == CREATED);
	assert_string_equal(b.meta.region, "");
	assert_true(b.meta.has_for);
	assert_memory_equal(b.meta.for_key, f.prov.pub, PK_PUB_BYTES);
	tu_check_heads(&b.heads, f.heads, 2);
	tu_check_blobs(&b.certs, f.bundle, f.len, f.certs, 1);
	tu_check_blobs(&b.changesets, f.bundle, f.len, f.css, 2);
	assert_non_null(b.sig);
	assert_true(b.body > f.bundle && b.body + b.body_len < f.bundle + f.len);

	/* The same body decodes without its envelope, and without a signature. */
	struct pk_bundle b2;
	assert_int_equal(pk_bundle_decode_body(b.body, b.body_len, &b2, &d), 0);
	assert_null(b2.sig);
	assert_memory_equal(&b2.meta, &b.meta, sizeof(b.meta));
	assert_int_equal(b2.changesets.n, 2);
	fixture_free(&f);
}

static void test_empty_and_for_nil(void **state)
{
	struct tu_key k;
	struct pk_bundle_meta m;
	struct pk_bundle b;
	uint8_t *out;
	size_t len;

	(void)state;
	tu_key(&k, 3);
	memset(&m, 0, sizeof(m));
	memcpy(m.creator, k.pub, PK_PUB_BYTES);
	m.created = 0;
	snprintf(m.region, sizeof(m.region), "32.75");
	assert_int_equal(pk_bundle_encode(&m, NULL, 0, NULL, 0, NULL, 0, k.sec, &out, &len), 0);
	assert_int_equal(pk_bundle_decode(out, len, &b, NULL), 0);
	assert_false(b.meta.has_for);
	assert_string_equal(b.meta.region, "32.75");
	assert_int_equal(b.heads.n, 0);
	assert_int_equal(b.certs.n, 0);
	assert_int_equal(b.changesets.n, 0);
	free(out);
}

/* The writer's three parts are the bytes of pk_bundle_encode, whatever the body's size (bin8,
 * bin16 and bin32 headers). */
static void test_writer_parts(void **state)
{
	static const size_t sizes[] = {10, 300, 70000};
	struct fixture f;
	struct pk_bundle_writer bw;
	struct pk_bundle_file pf;
	struct pk_bundle b;
	struct pk_blob cs;
	uint8_t *blob, *whole, *joined;
	size_t wlen;

	(void)state;
	fixture_make(&f);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		blob = calloc(1, sizes[i]);
		assert_non_null(blob);
		cs.p = blob;
		cs.len = sizes[i];
		assert_int_equal(
		    pk_bundle_encode(&f.meta, NULL, 0, NULL, 0, &cs, 1, f.root.sec, &whole, &wlen),
		    0);
		assert_int_equal(pk_bundle_begin(&bw, &f.meta, NULL, 0, NULL, 0, 1), 0);
		assert_int_equal(pk_bundle_add(&bw, blob, sizes[i]), 0);
		assert_int_equal(pk_bundle_end(&bw, f.root.sec, &pf), 0);
		assert_int_equal(pf.head_len + pf.body_len + sizeof(pf.tail), wlen);
		joined = malloc(wlen);
		assert_non_null(joined);
		memcpy(joined, pf.head, pf.head_len);
		memcpy(joined + pf.head_len, pf.body, pf.body_len);
		memcpy(joined + pf.head_len + pf.body_len, pf.tail, sizeof(pf.tail));
		assert_memory_equal(joined, whole, wlen);
		assert_int_equal(pk_bundle_decode(joined, wlen, &b, NULL), 0);
		assert_int_equal(b.changesets.n, 1);
		free(joined);
		free(whole);
		free(pf.body);
		free(blob);
	}
	fixture_free(&f);
}

static void test_writer_refusals(void **state)
{
	struct fixture f;
	struct pk_bundle_writer bw;
	struct pk_bundle_file pf;
	struct pk_bundle_meta m;
	struct pk_head h[2];
	struct pk_blob big;
	uint8_t *out = NULL, *buf;
	size_t len = 0;

	(void)state;
	fixture_make(&f);
	/* more changesets than promised, fewer, the wrong key */
	assert_int_equal(pk_bundle_begin(&bw, &f.meta, NULL, 0, NULL, 0, 1), 0);
	assert_int_equal(pk_bundle_add(&bw, f.cs[0], f.css[0].len), 0);
	assert_int_equal(pk_bundle_add(&bw, f.cs[1], f.css[1].len), PK_EINVAL);
	assert_int_equal(pk_bundle_end(&bw, f.root.sec, &pf), PK_EINVAL);
	assert_null(pf.body);
	assert_int_equal(pk_bundle_begin(&bw, &f.meta, NULL, 0, NULL, 0, 2), 0);
	assert_int_equal(pk_bundle_add(&bw, f.cs[0], f.css[0].len), 0);
	assert_int_equal(pk_bundle_end(&bw, f.root.sec, &pf), PK_EINVAL);
	assert_int_equal(pk_bundle_begin(&bw, &f.meta, NULL, 0, NULL, 0, 0), 0);
	assert_int_equal(pk_bundle_end(&bw, f.prov.sec, &pf), PK_EINVAL);

	/* heads out of order, duplicated, or with seq 0 */
	h[0] = f.heads[1];
	h[1] = f.heads[0];
	assert_int_equal(pk_bundle_encode(&f.meta, h, 2, NULL, 0, NULL, 0, f.root.sec, &out, &len),
	                 PK_EINVAL);
	assert_null(out);
	h[1] = f.heads[1];
	assert_int_equal(pk_bundle_encode(&f.meta, h, 2, NULL, 0, NULL, 0, f.root.sec, &out, &len),
	                 PK_EINVAL);
	h[0] = f.heads[0];
	h[0].seq = 0;
	assert_int_equal(pk_bundle_encode(&f.meta, h, 1, NULL, 0, NULL, 0, f.root.sec, &out, &len),
	                 PK_EINVAL);

	/* a bad region, oversized blobs */
	m = f.meta;
	snprintf(m.region, sizeof(m.region), "3");
	assert_int_equal(pk_bundle_encode(&m, NULL, 0, NULL, 0, NULL, 0, f.root.sec, &out, &len),
	                 PK_EINVAL);
	buf = calloc(1, PK_BUNDLE_CS_MAX + 1);
	assert_non_null(buf);
	big.p = buf;
	big.len = PK_CERT_MAX_BYTES + 1;
	assert_int_equal(
	    pk_bundle_encode(&f.meta, NULL, 0, &big, 1, NULL, 0, f.root.sec, &out, &len),
	    PK_ETOOBIG);
	big.len = PK_BUNDLE_CS_MAX + 1;
	assert_int_equal(
	    pk_bundle_encode(&f.meta, NULL, 0, NULL, 0, &big, 1, f.root.sec, &out, &len),
	    PK_ETOOBIG);
	big.len = PK_BUNDLE_CS_MAX; /* exactly the limit is fine */
	assert_int_equal(
	    pk_bundle_encode(&f.meta, NULL, 0, NULL, 0, &big, 1, f.root.sec, &out, &len), 0);
	free(out);
	free(buf);
	assert_int_equal(pk_bundle_begin(&bw, &f.meta, NULL, 0, NULL, 0, PK_BUNDLE_MAX_CS + 1),
	                 PK_ETOOBIG);
	pk_bundle_abandon(&bw);
	fixture_free(&f);
}

/* ---- refusals ---- */

/* Every prefix of a bundle is refused, and so is the bundle with any one byte changed. */
static void test_truncations_and_flips(void **state)
{
	struct fixture f;
	struct pk_bundle b;
	struct pk_diag d;
	uint8_t *copy;

	(void)state;
	fixture_make(&f);
	for (size_t n = 0; n < f.len; n++) {
		d.msg[0] = '\0';
		assert_int_not_equal(pk_bundle_decode(f.bundle, n, &b, &d), 0);
		assert_true(d.msg[0] != '\0');
		assert_int_equal(b.changesets.n, 0); /* nothing left behind to use */
	}
	copy = malloc(f.len);
	assert_non_null(copy);
	for (size_t i = 0; i < f.len; i++) {
		for (int mask = 0x01; mask <= 0x80; mask <<= 7) {
			memcpy(copy, f.bundle, f.len);
			copy[i] ^= (uint8_t)mask;
			assert_int_not_equal(pk_bundle_decode(copy, f.len, &b, NULL), 0);
		}
	}
	/* A changed byte inside the body is reported as a bad signature. */
	memcpy(copy, f.bundle, f.len);
	copy[f.len / 2] ^= 0x01;
	d.msg[0] = '\0';
	assert_int_equal(pk_bundle_decode(copy, f.len, &b, &d), PK_ESIG);
	assert_non_null(strstr(d.msg, "changed or damaged"));
	free(copy);

	/* trailing bytes after the envelope */
	copy = malloc(f.len + 1);
	assert_non_null(copy);
	memcpy(copy, f.bundle, f.len);
	copy[f.len] = 0xc0;
	assert_int_equal(pk_bundle_decode(copy, f.len + 1, &b, NULL), PK_EDECODE);
	free(copy);
	fixture_free(&f);
}

static void test_wrong_tag_and_fields(void **state)
{
	struct tu_key k, other;
	struct body_spec s;
	struct pk_head h[2];
	struct pk_bundle b;
	struct pk_diag d;
	uint8_t *buf;
	size_t len;

	(void)state;
	tu_key(&k, 5);
	tu_key(&other, 6);
	/* another tag is another version; checked before the element count */
	s = good_spec(&k);
	s.tag = "pokja-bundle-2";
	s.fields = 9;
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, &d), PK_EVERSION);
	free(buf);
	s = good_spec(&k);
	s.tag = "pokja-changeset-1"; /* a signature made for another kind of object */
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, NULL), PK_EVERSION);
	free(buf);
	/* the good spec decodes: the cases below each break one thing */
	s = good_spec(&k);
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, NULL), 0);
	free(buf);
	/* signed by another key than the creator named */
	buf = make_body(&s, &other, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, &d), PK_ESIG);
	free(buf);
	s.fields = 7;
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, NULL), PK_EDECODE);
	free(buf);
	s = good_spec(&k);
	s.creator_len = 31;
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, NULL), PK_EDECODE);
	free(buf);
	s = good_spec(&k);
	s.region = "32.7";
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, NULL), PK_EDECODE);
	free(buf);
	s = good_spec(&k);
	s.for_bad = true;
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, NULL), PK_EDECODE);
	free(buf);
	s = good_spec(&k);
	s.trailing = true;
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, NULL), PK_EDECODE);
	free(buf);
	s = good_spec(&k);
	s.cert_len = PK_CERT_MAX_BYTES + 1;
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, NULL), PK_ETOOBIG);
	free(buf);
	/* heads: unsorted, duplicated, seq 0 */
	memset(h[0].origin, 2, PK_PUB_BYTES);
	memset(h[1].origin, 1, PK_PUB_BYTES);
	h[0].seq = h[1].seq = 1;
	s = good_spec(&k);
	s.heads = h;
	s.nheads = 2;
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, &d), PK_EDECODE);
	assert_non_null(strstr(d.msg, "head 1 is not above the one before"));
	free(buf);
	memset(h[1].origin, 2, PK_PUB_BYTES);
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, &d), PK_EDECODE);
	assert_non_null(strstr(d.msg, "strictly ascending"));
	free(buf);
	s.nheads = 1;
	h[0].seq = 0;
	buf = make_body(&s, &k, &len);
	assert_int_equal(pk_bundle_decode(buf, len, &b, &d), PK_EDECODE);
	assert_non_null(strstr(d.msg, "sequence 0"));
	free(buf);
}

/* A body from the creator's tag to the heads' array header; the caller adds the rest. */
static void put_start(struct pk_mpw *w, const struct tu_key *k)
{
	pk_mpw_put_array(w, 8);
	pk_mpw_put_cstr(w, PK_BUNDLE_TAG);
	pk_mpw_put_bin(w, k->pub, PK_PUB_BYTES);
	pk_mpw_put_uint(w, CREATED);
	pk_mpw_put_cstr(w, "");
	pk_mpw_put_nil(w);
}

/* Counts beyond the limits, or beyond the bytes that follow, are refused before anything is
 * read or allocated for them. */
static void test_counts(void **state)
{
	struct tu_key k;
	struct pk_bundle b;
	struct pk_diag d;
	struct pk_mpw w;
	uint8_t *body, *pad;
	size_t len, padlen = PK_BUNDLE_MAX_CERTS + 16; /* the larger of the two limits */

	(void)state;
	tu_key(&k, 7);
	pad = calloc(1, padlen);
	assert_non_null(pad);

	/* heads: one more than the limit, with bytes enough that only the limit refuses it */
	pk_mpw_init(&w);
	put_start(&w, &k);
	pk_mpw_put_array(&w, PK_BUNDLE_MAX_HEADS + 1);
	pk_mpw_put_bin(&w, pad, padlen);
	assert_int_equal(pk_mpw_finish(&w, &body, &len), 0);
	assert_int_equal(pk_bundle_decode_body(body, len, &b, &d), PK_ETOOBIG);
	assert_non_null(strstr(d.msg, "heads"));
	free(body);

	/* certificates likewise */
	pk_mpw_init(&w);
	put_start(&w, &k);
	pk_mpw_put_array(&w, 0);
	pk_mpw_put_array(&w, PK_BUNDLE_MAX_CERTS + 1);
	pk_mpw_put_bin(&w, pad, padlen);
	assert_int_equal(pk_mpw_finish(&w, &body, &len), 0);
	assert_int_equal(pk_bundle_decode_body(body, len, &b, &d), PK_ETOOBIG);
	assert_non_null(strstr(d.msg, "certificates"));
	free(body);

	/* counts of 2^32 - 1 with a few bytes after them: refused by the reader's length check */
	for (int which = 0; which < 3; which++) {
		pk_mpw_init(&w);
		put_start(&w, &k);
		for (int i = 0; i < which; i++)
			pk_mpw_put_array(&w, 0);
		pk_mpw_put_array(&w, UINT32_MAX);
		pk_mpw_put_nil(&w);
		assert_int_equal(pk_mpw_finish(&w, &body, &len), 0);
		assert_int_not_equal(pk_bundle_decode_body(body, len, &b, NULL), 0);
		free(body);
	}

	/* a changeset count above the limit */
	pk_mpw_init(&w);
	put_start(&w, &k);
	pk_mpw_put_array(&w, 0);
	pk_mpw_put_array(&w, 0);
	pk_mpw_put_array(&w, PK_BUNDLE_MAX_CS + 1);
	assert_int_equal(pk_mpw_finish(&w, &body, &len), 0);
	assert_int_not_equal(pk_bundle_decode_body(body, len, &b, NULL), 0);
	free(body);
	free(pad);

	/* a file larger than the limit is refused on its length alone (nothing is read) */
	uint8_t one = 0x92;
	assert_int_equal(pk_bundle_decode(&one, (size_t)PK_BUNDLE_MAX_BYTES + 1, &b, &d),
	                 PK_ETOOBIG);
}

/* The heads limit is the sync messages' (SPEC section 12): a bundle with exactly
 * PK_HEADS_MAX heads is written and read back; one more is refused by the writer and, in a
 * hand-made body, by the reader as too-big. The order rule is the reader's too: a descending
 * pair, a duplicate and a seq of 0 are malformed, each with its own sentence. */
static void test_heads_limit(void **state)
{
	struct fixture f;
	struct pk_bundle b;
	struct pk_bundle_writer bw;
	struct pk_diag d;
	struct pk_head *h;
	struct pk_mpw w;
	uint8_t *out = NULL, *body;
	size_t len = 0;

	(void)state;
	assert_int_equal(PK_BUNDLE_MAX_HEADS, PK_HEADS_MAX);
	fixture_make(&f);
	h = calloc(PK_BUNDLE_MAX_HEADS + 1, sizeof(*h));
	assert_non_null(h);
	for (uint32_t i = 0; i <= PK_BUNDLE_MAX_HEADS; i++) {
		memset(h[i].origin, 0x5a, PK_PUB_BYTES);
		h[i].origin[0] = (uint8_t)(i >> 24);
		h[i].origin[1] = (uint8_t)(i >> 16);
		h[i].origin[2] = (uint8_t)(i >> 8);
		h[i].origin[3] = (uint8_t)i;
		h[i].seq = i + 1;
	}
	assert_int_equal(pk_bundle_encode(&f.meta, h, PK_BUNDLE_MAX_HEADS, NULL, 0, NULL, 0,
	                                  f.root.sec, &out, &len),
	                 0);
	assert_int_equal(pk_bundle_decode(out, len, &b, &d), 0);
	assert_int_equal(b.heads.n, PK_BUNDLE_MAX_HEADS);
	free(out);
	assert_int_equal(pk_bundle_begin(&bw, &f.meta, h, PK_BUNDLE_MAX_HEADS + 1, NULL, 0, 0),
	                 PK_ETOOBIG);
	pk_bundle_abandon(&bw);

	/* the reader: one head more than the limit, each a real head */
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 8);
	pk_mpw_put_cstr(&w, PK_BUNDLE_TAG);
	pk_mpw_put_bin(&w, f.root.pub, PK_PUB_BYTES);
	pk_mpw_put_uint(&w, CREATED);
	pk_mpw_put_cstr(&w, "");
	pk_mpw_put_nil(&w);
	pk_mpw_put_array(&w, PK_BUNDLE_MAX_HEADS + 1);
	for (uint32_t i = 0; i <= PK_BUNDLE_MAX_HEADS; i++) {
		pk_mpw_put_array(&w, 2);
		pk_mpw_put_bin(&w, h[i].origin, PK_PUB_BYTES);
		pk_mpw_put_uint(&w, h[i].seq);
	}
	pk_mpw_put_array(&w, 0);
	pk_mpw_put_array(&w, 0);
	assert_int_equal(pk_mpw_finish(&w, &body, &len), 0);
	assert_int_equal(pk_bundle_decode_body(body, len, &b, &d), PK_ETOOBIG);
	assert_non_null(strstr(d.msg, "65537 heads exceed 65536"));
	free(body);
	free(h);
	fixture_free(&f);
}

/* ---- test vector (SPEC section 18) ---- */

/* The bundle of SPEC section 18's test vector: the changeset and certificate of section 13. */
static const char vector_hex[] =
    "92c5022a98ae706f6b6a612d62756e646c652d31c42003a107bff3ce10be1d70dd18e74bc09967e4d6309ba5"
    "0d5f1ddc8664125531b8ce6955b900a0c42029acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794"
    "bc9322966dd79192c42003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b80191"
    "c4c392c47e98ac706f6b6a612d636572742d3101c42029acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe"
    "12c89794bc9322966dd7a23332bd506f6b6a6120504b502050726f76696e7369204a617761204261726174ce"
    "6955b900ce6b36ec80c42003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8c4"
    "40aa5f5b807e831dc7de29fb7f53dfe4fc3ee909dda31fb0b16c274b0bf05836291606a168545f66c5a13c3d"
    "5822e48f0a4a3629a021103512fd2cfb901495870b91c4e292c49d96b1706f6b6a612d6368616e6765736574"
    "2d31c42003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b801c4200000000000"
    "000000000000000000000000000000000000000000000000000000cf019b76daa80000009194a86b65676961"
    "74616ea533322e3735a76b672d30303031c42182a46e616d61b1536f7369616c6973617369205250334b50a5"
    "746168756ecd07eac440a03fb3d02d129bdd565da1ff07c20e7ea1f14e29449a9f1e26c2ec17e2c619bd0195"
    "e2fc0c841c78db64337f73c893b9be7bc0d73a358bb680a838ee06820700c44033f20a841a85624aac8bb7b7"
    "18050fa52a5f483bd0549bfe9ed0422ca64ce8e1e1f812ac777ea37fc0b20489c9572a196ef8df876681983a"
    "092af1f09ca31d02";

static void test_vector(void **state)
{
	struct tu_key root, prov;
	struct tu_origin o;
	struct pk_bundle_meta m;
	struct pk_head h;
	struct pk_blob cert, cs;
	struct pk_op op;
	uint8_t *v, *out;
	size_t vlen, len;
	char *hex;
	static const char *keys[] = {"nama", "tahun"};
	static const char *vals[] = {"Sosialisasi RP3KP", "2026"};
	static const bool ints[] = {false, true};

	(void)state;
	tu_key(&root, 0);
	tu_key(&prov, 1);
	cert.p = tu_cert(&root, &prov, 1, "32", "Pokja PKP Provinsi Jawa Barat", TU_NOT_BEFORE,
	                 TU_NOT_AFTER, &cert.len);
	tu_origin_init(&o, 0, 0);
	v = tu_map(&vlen, 2, keys, vals, ints);
	op = tu_op("kegiatan", "32.75", "kg-0001", v, vlen);
	cs.p = tu_cs_make(&o, 1, o.prev, pk_hlc_from_ms(TU_T0_MS), &op, 1, &cs.len);
	assert_int_equal(cs.len, 226);
	memset(&m, 0, sizeof(m));
	memcpy(m.creator, root.pub, PK_PUB_BYTES);
	m.created = CREATED;
	m.has_for = true;
	memcpy(m.for_key, prov.pub, PK_PUB_BYTES);
	memcpy(h.origin, root.pub, PK_PUB_BYTES);
	h.seq = 1;
	assert_int_equal(pk_bundle_encode(&m, &h, 1, &cert, 1, &cs, 1, root.sec, &out, &len), 0);
	hex = tu_hex(out, len);
	assert_string_equal(hex, vector_hex);
	free(hex);
	free(out);
	free(v);
	free((void *)cs.p);
	free((void *)cert.p);
}

/* ---- the store's peer heads ---- */

struct collect {
	struct pk_head h[8];
	size_t n;
};

static int collect(const struct pk_head *h, void *arg)
{
	struct collect *c = arg;

	assert_true(c->n < 8);
	c->h[c->n++] = *h;
	return 0;
}

static void test_peer_heads(void **state)
{
	char *dir = tu_tmpdir();
	struct tu_key root, a, b;
	struct store *s;
	struct pk_head h[3];
	struct collect c;

	(void)state;
	tu_key(&root, 0);
	tu_key(&a, 1);
	tu_key(&b, 2);
	s = tu_store_new(dir, &root, &root, "", "Nasional");
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_peer_heads_get(s, a.pub, collect, &c), 0);
	for (int i = 0; i < 3; i++) {
		memset(h[i].origin, 0x10 * (3 - i), PK_PUB_BYTES); /* given out of order */
		h[i].seq = (uint64_t)i + 5;
	}
	assert_int_equal(store_peer_heads_put(s, a.pub, h, 3, 0), 0);
	assert_int_equal(store_peer_heads_put(s, b.pub, h, 1, 0), 0);
	assert_int_equal(store_peer_heads_get(s, a.pub, collect, &c), 3);
	assert_int_equal(c.n, 3);
	/* in origin order */
	assert_true(c.h[0].origin[0] == 0x10 && c.h[0].seq == 7);
	assert_true(c.h[2].origin[0] == 0x30 && c.h[2].seq == 5);

	/* upsert one, forget one (seq 0), leave the third */
	h[0].seq = 50;
	h[1].seq = 0;
	assert_int_equal(store_peer_heads_put(s, a.pub, h, 2, 0), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_peer_heads_get(s, a.pub, collect, &c), 2);
	assert_true(c.h[0].origin[0] == 0x10 && c.h[0].seq == 7);
	assert_true(c.h[1].origin[0] == 0x30 && c.h[1].seq == 50);

	/* the whole list replaces the peer's, and only that peer's */
	h[2].seq = 9;
	assert_int_equal(store_peer_heads_put(s, a.pub, &h[2], 1, STORE_PEER_HEADS_ALL), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_peer_heads_get(s, a.pub, collect, &c), 1);
	assert_true(c.h[0].origin[0] == 0x10 && c.h[0].seq == 9);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_peer_heads_get(s, b.pub, collect, &c), 1);
	assert_true(c.h[0].origin[0] == 0x30 && c.h[0].seq == 5);
	assert_int_equal(store_peer_heads_put(s, a.pub, NULL, 0, STORE_PEER_HEADS_ALL), 0);
	assert_int_equal(store_peer_heads_get(s, a.pub, collect, &c), 0);
	assert_int_equal(store_peer_heads_put(s, a.pub, NULL, 1, 0), PK_EINVAL);

	/* the same whole list again commits nothing; a changed one does */
	{
		struct pk_head two[2];
		uint64_t g;

		memset(two[0].origin, 0x01, PK_PUB_BYTES);
		memset(two[1].origin, 0x02, PK_PUB_BYTES);
		two[0].seq = 3;
		two[1].seq = 4;
		assert_int_equal(store_peer_heads_put(s, a.pub, two, 2, STORE_PEER_HEADS_ALL), 0);
		g = store_generation(s);
		assert_int_equal(store_peer_heads_put(s, a.pub, two, 2, STORE_PEER_HEADS_ALL), 0);
		assert_int_equal(store_generation(s), g);
		assert_int_equal(store_peer_heads_put(s, a.pub, two, 1, STORE_PEER_HEADS_ALL), 0);
		assert_true(store_generation(s) != g);
		memset(&c, 0, sizeof(c));
		assert_int_equal(store_peer_heads_get(s, a.pub, collect, &c), 1);
		g = store_generation(s);
		two[1].seq = 5;
		assert_int_equal(store_peer_heads_put(s, a.pub, two, 2, STORE_PEER_HEADS_ALL), 0);
		assert_true(store_generation(s) != g);
		memset(&c, 0, sizeof(c));
		assert_int_equal(store_peer_heads_get(s, a.pub, collect, &c), 2);
		assert_true(c.h[1].origin[0] == 0x02 && c.h[1].seq == 5);
		assert_int_equal(store_peer_heads_put(s, a.pub, NULL, 0, STORE_PEER_HEADS_ALL), 0);
		assert_int_equal(store_peer_heads_get(s, a.pub, collect, &c), 0);
	}

	/* kept across a reopen */
	store_close(s);
	s = tu_store_open(dir);
	memset(&c, 0, sizeof(c));
	assert_int_equal(store_peer_heads_get(s, b.pub, collect, &c), 1);
	store_close(s);
	tu_rmrf(dir);
	free(dir);
}

static int count_cert(const uint8_t *cert, size_t len, void *arg)
{
	struct pk_cert c;

	assert_int_equal(pk_cert_decode(cert, len, &c, NULL), 0);
	(*(int *)arg)++;
	return 0;
}

static void test_store_certs(void **state)
{
	char *dir = tu_tmpdir();
	struct tu_key root, a, b;
	struct store *s;
	int n = 0;

	(void)state;
	tu_key(&root, 0);
	tu_key(&a, 1);
	tu_key(&b, 2);
	s = tu_store_new(dir, &root, &root, "", "Nasional");
	assert_int_equal(store_certs(s, count_cert, &n), 0);
	tu_cert_put(s, &root, &a, "32");
	tu_cert_put(s, &a, &b, "32.75");
	assert_int_equal(store_certs(s, count_cert, &n), 2);
	assert_int_equal(n, 2);
	store_close(s);
	tu_rmrf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_empty_and_for_nil),
	    cmocka_unit_test(test_writer_parts),
	    cmocka_unit_test(test_writer_refusals),
	    cmocka_unit_test(test_truncations_and_flips),
	    cmocka_unit_test(test_wrong_tag_and_fields),
	    cmocka_unit_test(test_counts),
	    cmocka_unit_test(test_vector),
	    cmocka_unit_test(test_heads_limit),
	    cmocka_unit_test(test_peer_heads),
	    cmocka_unit_test(test_store_certs),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
