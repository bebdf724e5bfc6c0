/* cert.c: certificate encoding and chain checks (see cert.h and SPEC.md). */
#include "cert.h"

#include <string.h>

#include "mpread.h"
#include "mpwrite.h"
#include "schema.h"

int pk_cert_decode(const uint8_t *buf, size_t len, struct pk_cert *c, struct pk_diag *d)
{
	struct pk_cert_info *in = &c->info;
	struct pk_mpr r, b;
	const uint8_t *subject, *issuer;
	const char *tag, *region, *name;
	uint32_t n, taglen, rlen, nlen, blen, slen;

	memset(c, 0, sizeof(*c));
	if (len > PK_CERT_MAX_BYTES)
		return pk_diagf(d, PK_ETOOBIG, "certificate of %zu bytes exceeds %u", len,
		                PK_CERT_MAX_BYTES);
	pk_mpr_init(&r, buf, len);
	if (pk_mpr_array(&r, &n) != 0 || n != 2 || pk_mpr_bin(&r, &c->body, &blen) != 0 ||
	    pk_mpr_bin(&r, &c->sig, &slen) != 0 || slen != PK_SIG_BYTES || pk_mpr_left(&r) != 0)
		return pk_diagf(d, PK_EDECODE, "not a certificate envelope [body, signature]");
	c->body_len = blen;

	pk_mpr_init(&b, c->body, blen);
	if (pk_mpr_array(&b, &n) != 0 || n != 8 || pk_mpr_str(&b, &tag, &taglen) != 0)
		return pk_diagf(d, PK_EDECODE, "certificate body is not an 8-element array");
	if (taglen != strlen(PK_CERT_TAG) || memcmp(tag, PK_CERT_TAG, taglen) != 0)
		return pk_diagf(d, PK_EVERSION, "certificate tag is not '%s'", PK_CERT_TAG);
	if (pk_mpr_uint(&b, &in->serial) != 0 || pk_mpr_bin(&b, &subject, &n) != 0 ||
	    n != PK_PUB_BYTES || pk_mpr_str(&b, &region, &rlen) != 0 ||
	    pk_mpr_str(&b, &name, &nlen) != 0 || pk_mpr_uint(&b, &in->not_before) != 0 ||
	    pk_mpr_uint(&b, &in->not_after) != 0 || pk_mpr_bin(&b, &issuer, &n) != 0 ||
	    n != PK_PUB_BYTES || pk_mpr_left(&b) != 0)
		return pk_diagf(d, PK_EDECODE, "certificate fields have the wrong types");
	if (!pk_region_valid(region, rlen))
		return pk_diagf(d, PK_EREGION, "certificate region is not a valid code");
	if (nlen == 0 || nlen > PK_NAME_MAX || !pk_utf8_valid(name, nlen))
		return pk_diagf(d, PK_EDECODE, "certificate name is empty, too long or not UTF-8");
	if (in->not_before > in->not_after)
		return pk_diagf(d, PK_EDECODE, "certificate validity ends before it starts");
	memcpy(in->subject, subject, PK_PUB_BYTES);
	memcpy(in->issuer, issuer, PK_PUB_BYTES);
	memcpy(in->region, region, rlen);
	in->region[rlen] = '\0';
	memcpy(in->name, name, nlen);
	in->name[nlen] = '\0';
	c->raw = buf;
	c->raw_len = len;
	return 0;
}

bool pk_cert_sig_ok(const struct pk_cert *c)
{
	return pk_sig_ok(c->sig, c->body, c->body_len, c->info.issuer);
}

int pk_cert_encode(const struct pk_cert_info *info, const uint8_t sec[PK_SEC_BYTES], uint8_t **out,
                   size_t *outlen)
{
	struct pk_mpw w;
	size_t nlen = strnlen(info->name, PK_NAME_MAX + 1);

	*out = NULL;
	*outlen = 0;
	if (!pk_region_valid(info->region, strnlen(info->region, PK_REGION_MAX + 1)))
		return PK_EREGION;
	if (nlen == 0 || nlen > PK_NAME_MAX || !pk_utf8_valid(info->name, nlen) ||
	    info->not_before > info->not_after)
		return PK_EINVAL;
	if (memcmp(sec + PK_SEED_BYTES, info->issuer, PK_PUB_BYTES) != 0)
		return PK_EINVAL; /* libsodium's secret key ends with its public key */

	pk_mpw_init(&w);
	pk_mpw_put_array(&w, 8);
	pk_mpw_put_cstr(&w, PK_CERT_TAG);
	pk_mpw_put_uint(&w, info->serial);
	pk_mpw_put_bin(&w, info->subject, PK_PUB_BYTES);
	pk_mpw_put_cstr(&w, info->region);
	pk_mpw_put_cstr(&w, info->name);
	pk_mpw_put_uint(&w, info->not_before);
	pk_mpw_put_uint(&w, info->not_after);
	pk_mpw_put_bin(&w, info->issuer, PK_PUB_BYTES);
	return pk_mpw_finish_signed(&w, sec, out, outlen);
}

int pk_cert_chain_check(const uint8_t root[PK_PUB_BYTES], const struct pk_cert *chain, size_t n,
                        uint64_t at, struct pk_diag *d)
{
	const uint8_t *issuer = root;
	const char *outer = "";

	if (n == 0 || n > PK_CHAIN_MAX)
		return pk_diagf(d, PK_ECERT, "certificate chain of length %zu", n);
	for (size_t i = 0; i < n; i++) {
		const struct pk_cert_info *in = &chain[i].info;

		if (memcmp(in->issuer, issuer, PK_PUB_BYTES) != 0)
			return i == 0 ? pk_diagf(d, PK_ECERT,
			                         "certificate %zu: not issued by the root", i)
			              : pk_diagf(d, PK_ECERT,
			                         "certificate %zu: not issued by the previous "
			                         "certificate's subject",
			                         i);
		if (!pk_cert_sig_ok(&chain[i]))
			return pk_diagf(d, PK_ESIG, "certificate %zu: bad signature", i);
		if (!pk_region_within(in->region, strlen(in->region), outer, strlen(outer)))
			return pk_diagf(d, PK_EREGION, "certificate %zu: region '%s' outside '%s'",
			                i, in->region, outer);
		if (at < in->not_before || at > in->not_after)
			return pk_diagf(d, PK_EEXPIRED, "certificate %zu ('%s'): not valid at %llu",
			                i, in->name, (unsigned long long)at);
		issuer = in->subject;
		outer = in->region;
	}
	return 0;
}
