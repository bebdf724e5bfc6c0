/* enroll.c: join requests and certificate sets (see enroll.h and SPEC.md). */
#include "enroll.h"

#include <string.h>

#include "mpread.h"
#include "mpwrite.h"
#include "schema.h"

int pk_request_encode(const struct pk_request *rq, const uint8_t sec[PK_SEC_BYTES], uint8_t **out,
                      size_t *outlen)
{
	struct pk_mpw w;
	size_t nlen = strnlen(rq->name, PK_NAME_MAX + 1);

	*out = NULL;
	*outlen = 0;
	if (!pk_region_valid(rq->region, strnlen(rq->region, PK_REGION_MAX + 1)))
		return PK_EREGION;
	if (nlen == 0 || nlen > PK_NAME_MAX || !pk_utf8_valid(rq->name, nlen) ||
	    memcmp(sec + PK_SEED_BYTES, rq->pub, PK_PUB_BYTES) != 0)
		return PK_EINVAL;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 5);
	pk_mpw_put_cstr(&w, PK_REQUEST_TAG);
	pk_mpw_put_bin(&w, rq->pub, PK_PUB_BYTES);
	pk_mpw_put_cstr(&w, rq->region);
	pk_mpw_put_cstr(&w, rq->name);
	pk_mpw_put_uint(&w, rq->created);
	return pk_mpw_finish_signed(&w, sec, out, outlen);
}

int pk_request_decode(const uint8_t *buf, size_t len, struct pk_request *rq, struct pk_diag *d)
{
	struct pk_mpr r, b;
	const uint8_t *body, *sig, *pub;
	const char *tag, *region, *name;
	uint32_t n, blen, slen, taglen, rlen, nlen;
	uint64_t created;

	memset(rq, 0, sizeof(*rq));
	if (len > PK_REQUEST_MAX_BYTES)
		return pk_diagf(d, PK_ETOOBIG, "join request larger than %u bytes",
		                PK_REQUEST_MAX_BYTES);
	pk_mpr_init(&r, buf, len);
	if (pk_mpr_array(&r, &n) != 0 || n != 2 || pk_mpr_bin(&r, &body, &blen) != 0 ||
	    pk_mpr_bin(&r, &sig, &slen) != 0 || slen != PK_SIG_BYTES || pk_mpr_left(&r) != 0)
		return pk_diagf(d, PK_EDECODE, "not a join request");
	pk_mpr_init(&b, body, blen);
	if (pk_mpr_array(&b, &n) != 0 || n != 5 || pk_mpr_str(&b, &tag, &taglen) != 0)
		return pk_diagf(d, PK_EDECODE, "not a join request");
	if (taglen != strlen(PK_REQUEST_TAG) || memcmp(tag, PK_REQUEST_TAG, taglen) != 0)
		return pk_diagf(d, PK_EVERSION, "join request tag is not '%s'", PK_REQUEST_TAG);
	if (pk_mpr_bin(&b, &pub, &n) != 0 || n != PK_PUB_BYTES ||
	    pk_mpr_str(&b, &region, &rlen) != 0 || pk_mpr_str(&b, &name, &nlen) != 0 ||
	    pk_mpr_uint(&b, &created) != 0 || pk_mpr_left(&b) != 0)
		return pk_diagf(d, PK_EDECODE, "join request fields have the wrong types");
	if (!pk_region_valid(region, rlen))
		return pk_diagf(d, PK_EREGION, "join request names an invalid region code");
	if (nlen == 0 || nlen > PK_NAME_MAX || !pk_utf8_valid(name, nlen))
		return pk_diagf(d, PK_EDECODE, "join request name is empty, too long or not UTF-8");
	if (!pk_sig_ok(sig, body, blen, pub))
		return pk_diagf(d, PK_ESIG, "join request is not signed by the key it names");
	/* Nothing unverified is left in *rq on a refusal: the fields are copied out only now. */
	memcpy(rq->pub, pub, PK_PUB_BYTES);
	memcpy(rq->region, region, rlen);
	memcpy(rq->name, name, nlen);
	rq->created = created;
	return 0;
}

int pk_certset_encode(const struct pk_certset *cs, uint8_t **out, size_t *outlen)
{
	struct pk_mpw w;

	*out = NULL;
	*outlen = 0;
	if (cs->n == 0 || cs->n > PK_CHAIN_MAX)
		return PK_EINVAL;
	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 3);
	pk_mpw_put_cstr(&w, PK_CERTSET_TAG);
	pk_mpw_put_bin(&w, cs->root, PK_PUB_BYTES);
	pk_mpw_put_array(&w, cs->n);
	for (size_t i = 0; i < cs->n; i++)
		pk_mpw_put_bin(&w, cs->cert[i], cs->len[i]);
	return pk_mpw_finish(&w, out, outlen);
}

int pk_certset_decode(const uint8_t *buf, size_t len, struct pk_certset *cs, struct pk_diag *d)
{
	struct pk_mpr r;
	struct pk_cert c;
	const uint8_t *root, *cert;
	const char *tag;
	uint32_t n, taglen, clen;
	int err;

	memset(cs, 0, sizeof(*cs));
	if (len > PK_CERTSET_MAX_BYTES)
		return pk_diagf(d, PK_ETOOBIG, "certificate set too large");
	pk_mpr_init(&r, buf, len);
	if (pk_mpr_array(&r, &n) != 0 || n != 3 || pk_mpr_str(&r, &tag, &taglen) != 0)
		return pk_diagf(d, PK_EDECODE, "not a certificate set");
	if (taglen != strlen(PK_CERTSET_TAG) || memcmp(tag, PK_CERTSET_TAG, taglen) != 0)
		return pk_diagf(d, PK_EVERSION, "certificate set tag is not '%s'", PK_CERTSET_TAG);
	if (pk_mpr_bin(&r, &root, &n) != 0 || n != PK_PUB_BYTES || pk_mpr_array(&r, &n) != 0 ||
	    n == 0 || n > PK_CHAIN_MAX)
		return pk_diagf(d, PK_EDECODE, "certificate set fields have the wrong types");
	memcpy(cs->root, root, PK_PUB_BYTES);
	cs->n = n;
	for (uint32_t i = 0; i < n; i++) {
		if (pk_mpr_bin(&r, &cert, &clen) != 0)
			return pk_diagf(d, PK_EDECODE, "certificate %u is not a bin", i);
		if ((err = pk_cert_decode(cert, clen, &c, d)) != 0)
			return err;
		cs->cert[i] = cert;
		cs->len[i] = clen;
	}
	if (pk_mpr_left(&r) != 0)
		return pk_diagf(d, PK_EDECODE, "trailing bytes after the certificate set");
	return 0;
}
