/* bundle.c: offline bundles (see bundle.h and SPEC.md section 18). */
#include "bundle.h"

#include <stdlib.h>
#include <string.h>

#include "mpread.h"

#define BODY_FIELDS 8

/* Marks a message part for the catalog (cli/po); PK_() translates it where it is used. */
#define N_(s) (s)

/* Bytes of a bin header for n bytes, in msgpack's shortest form (what the writer produces). */
static size_t bin_hdr(size_t n)
{
	return n < 256 ? 2 : n <= 0xffff ? 3 : 5;
}

/* The largest body a file of PK_BUNDLE_MAX_BYTES can hold. */
#define BODY_MAX ((size_t)PK_BUNDLE_MAX_BYTES - PK_BUNDLE_HEAD_MAX - PK_BUNDLE_TAIL_BYTES)

/* ---- decoding ---- */

/* The fields after tag and creator; r is positioned after the creator. */
static int read_rest(struct pk_mpr *r, struct pk_bundle *b, struct pk_diag *d)
{
	struct pk_bundle_meta *m = &b->meta;
	const uint8_t *p;
	const char *region;
	uint32_t n, len;
	int err;

	if (pk_mpr_uint(r, &m->created) != 0)
		return pk_diagf(d, PK_EDECODE, "bundle: created is not a uint");
	if (pk_mpr_str(r, &region, &len) != 0 || !pk_region_valid(region, len))
		return pk_diagf(d, PK_EDECODE, "bundle: the creator's region is not a region code");
	memcpy(m->region, region, len);
	m->region[len] = '\0';
	if (pk_mpr_peek(r) == PK_MPT_NIL) {
		pk_mpr_nil(r);
	} else if (pk_mpr_bin(r, &p, &len) == 0 && len == PK_PUB_BYTES) {
		m->has_for = true;
		memcpy(m->for_key, p, PK_PUB_BYTES);
	} else {
		return pk_diagf(d, PK_EDECODE, "bundle: for is neither a key (bin 32) nor nil");
	}

	/* heads: [origin: bin(32), seq: uint >= 1], strictly ascending by origin */
	if ((err = pk_sync_read_heads(r, PK_BUNDLE_MAX_HEADS, &b->heads, N_("bundle heads"), d)) !=
	    0)
		return err;

	/* certs and changesets: arrays of bins, each within its limit */
	struct {
		struct pk_sync_list *l;
		uint32_t max_n, max_each;
		const char *what;
	} lists[] = {{&b->certs, PK_BUNDLE_MAX_CERTS, PK_CERT_MAX_BYTES, N_("certificates")},
	             {&b->changesets, PK_BUNDLE_MAX_CS, PK_BUNDLE_CS_MAX, N_("changesets")}};
	for (size_t k = 0; k < 2; k++) {
		if (pk_mpr_array(r, &n) != 0)
			return pk_diagf(d, PK_EDECODE, "bundle: %s is not an array",
			                PK_(lists[k].what));
		if (n > lists[k].max_n)
			return pk_diagf(d, PK_ETOOBIG, "bundle: %u %s exceed %u", n,
			                PK_(lists[k].what), lists[k].max_n);
		lists[k].l->p = r->p;
		for (uint32_t i = 0; i < n; i++) {
			if (pk_mpr_bin(r, &p, &len) != 0)
				return pk_diagf(d, PK_EDECODE,
				                "bundle: %s: element %u is not a bin",
				                PK_(lists[k].what), i);
			if (len > lists[k].max_each)
				return pk_diagf(d, PK_ETOOBIG,
				                "bundle: %s: element %u of %u bytes exceeds %u",
				                PK_(lists[k].what), i, len, lists[k].max_each);
		}
		lists[k].l->n = n;
		lists[k].l->len = (size_t)(r->p - lists[k].l->p);
	}
	if (pk_mpr_left(r) != 0)
		return pk_diagf(d, PK_EDECODE, "bundle: trailing bytes after the changesets");
	return 0;
}

/* Up to 32 bytes of untrusted text for a message, anything unprintable as '?'. */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
	size_t n = 0, limit = size - 4;

	for (; n < len && n < limit; n++)
		buf[n] = s[n] >= 0x20 && s[n] < 0x7f && s[n] != '\'' ? s[n] : '?';
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* The body's array header, tag and creator. */
static int read_start(struct pk_mpr *r, struct pk_bundle *b, struct pk_diag *d)
{
	const uint8_t *creator;
	const char *tag;
	char shownbuf[36];
	uint32_t n, taglen, len;

	if (pk_mpr_array(r, &n) != 0 || n < 1 || pk_mpr_str(r, &tag, &taglen) != 0)
		return pk_diagf(d, PK_EDECODE, "bundle body is not an array starting with a tag");
	if (taglen != strlen(PK_BUNDLE_TAG) || memcmp(tag, PK_BUNDLE_TAG, taglen) != 0)
		return pk_diagf(d, PK_EVERSION,
		                "not a bundle of this version: its tag is '%s', not '%s'",
		                shown(tag, taglen, shownbuf, sizeof(shownbuf)), PK_BUNDLE_TAG);
	if (n != BODY_FIELDS)
		return pk_diagf(d, PK_EDECODE, "bundle body has %u elements, not %u", n,
		                BODY_FIELDS);
	if (pk_mpr_bin(r, &creator, &len) != 0 || len != PK_PUB_BYTES)
		return pk_diagf(d, PK_EDECODE, "bundle: creator is not a key (bin 32)");
	memcpy(b->meta.creator, creator, PK_PUB_BYTES);
	return 0;
}

static int decode_body(const uint8_t *body, size_t len, struct pk_bundle *b, struct pk_diag *d)
{
	struct pk_mpr r;
	int err;

	pk_mpr_init(&r, body, len);
	if ((err = read_start(&r, b, d)) != 0 || (err = read_rest(&r, b, d)) != 0)
		return err;
	b->body = body;
	b->body_len = len;
	return 0;
}

int pk_bundle_decode_body(const uint8_t *body, size_t len, struct pk_bundle *b, struct pk_diag *d)
{
	int err;

	memset(b, 0, sizeof(*b));
	if (len > BODY_MAX)
		return pk_diagf(d, PK_ETOOBIG, "bundle body of %zu bytes exceeds %zu", len,
		                BODY_MAX);
	if ((err = decode_body(body, len, b, d)) != 0)
		memset(b, 0, sizeof(*b));
	return err;
}

int pk_bundle_decode(const uint8_t *buf, size_t len, struct pk_bundle *b, struct pk_diag *d)
{
	struct pk_mpr r, br;
	const uint8_t *body, *sig;
	uint32_t n, blen, slen;
	int err;

	memset(b, 0, sizeof(*b));
	if (len > PK_BUNDLE_MAX_BYTES)
		return pk_diagf(d, PK_ETOOBIG, "%zu bytes: larger than a bundle may be (%u)", len,
		                PK_BUNDLE_MAX_BYTES);
	pk_mpr_init(&r, buf, len);
	if (pk_mpr_array(&r, &n) != 0 || n != 2 || pk_mpr_bin(&r, &body, &blen) != 0 ||
	    pk_mpr_bin(&r, &sig, &slen) != 0 || slen != PK_SIG_BYTES || pk_mpr_left(&r) != 0)
		return pk_diagf(d, PK_EDECODE,
		                "not a bundle: not a signed envelope [body, signature] (truncated, "
		                "damaged, or another kind of file)");
	/* The signature first: a changed byte anywhere in the body is reported as what it is. */
	pk_mpr_init(&br, body, blen);
	if ((err = read_start(&br, b, d)) != 0)
		goto fail;
	if (!pk_sig_ok(sig, body, blen, b->meta.creator)) {
		err = pk_diagf(d, PK_ESIG,
		               "the bundle's signature does not verify: the file was changed or "
		               "damaged after it was written");
		goto fail;
	}
	if ((err = read_rest(&br, b, d)) != 0)
		goto fail;
	b->body = body;
	b->body_len = blen;
	b->sig = sig;
	return 0;
fail:
	memset(b, 0, sizeof(*b));
	return err;
}

/* ---- encoding ---- */

static int fail(struct pk_bundle_writer *bw, int err)
{
	if (bw->err == 0)
		bw->err = err;
	return bw->err;
}

int pk_bundle_begin(struct pk_bundle_writer *bw, const struct pk_bundle_meta *m,
                    const struct pk_head *heads, size_t nheads, const struct pk_blob *certs,
                    size_t ncerts, size_t ncs)
{
	size_t rlen = strnlen(m->region, sizeof(m->region));

	memset(bw, 0, sizeof(*bw));
	pk_mpw_init(&bw->w);
	if ((nheads > 0 && heads == NULL) || (ncerts > 0 && certs == NULL) ||
	    rlen == sizeof(m->region) || !pk_region_valid(m->region, rlen))
		return fail(bw, PK_EINVAL);
	if (nheads > PK_BUNDLE_MAX_HEADS || ncerts > PK_BUNDLE_MAX_CERTS || ncs > PK_BUNDLE_MAX_CS)
		return fail(bw, PK_ETOOBIG);
	if (pk_heads_check(heads, nheads, PK_BUNDLE_MAX_HEADS) != 0)
		return fail(bw, PK_EINVAL);
	for (size_t i = 0; i < ncerts; i++) {
		if (certs[i].p == NULL && certs[i].len > 0)
			return fail(bw, PK_EINVAL);
		if (certs[i].len > PK_CERT_MAX_BYTES)
			return fail(bw, PK_ETOOBIG);
	}
	memcpy(bw->creator, m->creator, PK_PUB_BYTES);
	bw->cs_left = ncs;
	pk_mpw_put_array(&bw->w, BODY_FIELDS);
	pk_mpw_put_cstr(&bw->w, PK_BUNDLE_TAG);
	pk_mpw_put_bin(&bw->w, m->creator, PK_PUB_BYTES);
	pk_mpw_put_uint(&bw->w, m->created);
	pk_mpw_put_str(&bw->w, m->region, rlen);
	if (m->has_for)
		pk_mpw_put_bin(&bw->w, m->for_key, PK_PUB_BYTES);
	else
		pk_mpw_put_nil(&bw->w);
	pk_mpw_put_array(&bw->w, nheads);
	for (size_t i = 0; i < nheads; i++) {
		pk_mpw_put_array(&bw->w, 2);
		pk_mpw_put_bin(&bw->w, heads[i].origin, PK_PUB_BYTES);
		pk_mpw_put_uint(&bw->w, heads[i].seq);
	}
	pk_mpw_put_array(&bw->w, ncerts);
	for (size_t i = 0; i < ncerts; i++)
		pk_mpw_put_bin(&bw->w, certs[i].p, certs[i].len);
	pk_mpw_put_array(&bw->w, ncs);
	if (bw->w.bad || bw->w.sb.size > BODY_MAX) {
		fail(bw, bw->w.bad ? PK_ENOMEM : PK_ETOOBIG);
		pk_mpw_destroy(&bw->w);
	}
	return bw->err;
}

int pk_bundle_add(struct pk_bundle_writer *bw, const uint8_t *cs, size_t len)
{
	if (bw->err != 0)
		return bw->err;
	if (bw->cs_left == 0 || (cs == NULL && len > 0))
		return fail(bw, PK_EINVAL);
	if (len > PK_BUNDLE_CS_MAX || bin_hdr(len) + len > BODY_MAX - bw->w.sb.size)
		return fail(bw, PK_ETOOBIG);
	pk_mpw_put_bin(&bw->w, cs, len);
	if (bw->w.bad)
		return fail(bw, PK_ENOMEM);
	bw->cs_left--;
	return 0;
}

void pk_bundle_abandon(struct pk_bundle_writer *bw)
{
	pk_mpw_destroy(&bw->w);
}

int pk_bundle_end(struct pk_bundle_writer *bw, const uint8_t sec[PK_SEC_BYTES],
                  struct pk_bundle_file *f)
{
	struct pk_mpw w;
	uint8_t sig[PK_SIG_BYTES], *part = NULL;
	size_t plen = 0;
	int err = bw->err;

	memset(f, 0, sizeof(*f));
	if (err == 0 &&
	    (bw->cs_left != 0 || memcmp(sec + PK_SEED_BYTES, bw->creator, PK_PUB_BYTES) != 0))
		err = PK_EINVAL;
	if (err != 0) {
		pk_mpw_destroy(&bw->w);
		return err;
	}
	if ((err = pk_mpw_finish(&bw->w, &f->body, &f->body_len)) != 0)
		return err;
	pk_sign(sig, f->body, f->body_len, sec);

	/* The envelope around the body: [ bin(body), bin(sig) ], the body's bytes left out. */
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 2);
	pk_mpw_put_bin_head(&w, f->body_len);
	if ((err = pk_mpw_finish(&w, &part, &plen)) != 0 || plen > sizeof(f->head))
		goto fail;
	memcpy(f->head, part, plen);
	f->head_len = plen;
	free(part);
	part = NULL;
	pk_mpw_init(&w);
	pk_mpw_put_bin(&w, sig, PK_SIG_BYTES);
	if ((err = pk_mpw_finish(&w, &part, &plen)) != 0 || plen != sizeof(f->tail))
		goto fail;
	memcpy(f->tail, part, plen);
	free(part);
	return 0;
fail:
	free(part);
	free(f->body);
	memset(f, 0, sizeof(*f));
	return err != 0 ? err : PK_EINVAL;
}

int pk_bundle_encode(const struct pk_bundle_meta *m, const struct pk_head *heads, size_t nheads,
                     const struct pk_blob *certs, size_t ncerts, const struct pk_blob *cs,
                     size_t ncs, const uint8_t sec[PK_SEC_BYTES], uint8_t **out, size_t *outlen)
{
	struct pk_bundle_writer bw;
	struct pk_bundle_file f;
	int err;

	*out = NULL;
	*outlen = 0;
	if (ncs > 0 && cs == NULL)
		return PK_EINVAL;
	pk_bundle_begin(&bw, m, heads, nheads, certs, ncerts, ncs);
	for (size_t i = 0; i < ncs && bw.err == 0; i++)
		pk_bundle_add(&bw, cs[i].p, cs[i].len);
	if ((err = pk_bundle_end(&bw, sec, &f)) != 0)
		return err;
	*outlen = f.head_len + f.body_len + sizeof(f.tail);
	if ((*out = malloc(*outlen)) == NULL) {
		free(f.body);
		*outlen = 0;
		return PK_ENOMEM;
	}
	memcpy(*out, f.head, f.head_len);
	memcpy(*out + f.head_len, f.body, f.body_len);
	memcpy(*out + f.head_len + f.body_len, f.tail, sizeof(f.tail));
	free(f.body);
	return 0;
}
