/*
 * cert.h: node certificates: encoding, signing, and chain verification.
 *
 * A certificate, signed by a parent node, binds a child's public key to a region and a name for
 * a validity period. The national node's key is the root of trust and has no certificate. A
 * chain runs from a certificate issued by the root down to the node in question, each
 * certificate issued by the subject of the one before it, each region inside the one before it.
 * The byte layout is normative in proto/SPEC.md, section "Certificates".
 */
#ifndef PK_CERT_H
#define PK_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "error.h"
#include "region.h"

#define PK_CERT_TAG "pokja-cert-1"
#define PK_CERT_MAX_BYTES 1024
#define PK_NAME_MAX 128 /* bytes of UTF-8 in a node name */
#define PK_CHAIN_MAX 5  /* certificates in a chain: province, kabupaten/kota, and spare levels */

/* What a certificate says. */
struct pk_cert_info {
	uint64_t serial;
	uint8_t subject[PK_PUB_BYTES];
	char region[PK_REGION_MAX + 1];
	char name[PK_NAME_MAX + 1];
	uint64_t not_before; /* Unix seconds, inclusive */
	uint64_t not_after;  /* Unix seconds, inclusive */
	uint8_t issuer[PK_PUB_BYTES];
};

/* A decoded certificate: the fields copied out, and a view of the bytes it was decoded from. */
struct pk_cert {
	struct pk_cert_info info;
	const uint8_t *raw;
	size_t raw_len;
	const uint8_t *body;
	size_t body_len;
	const uint8_t *sig;
};

/*
 * Decodes and structurally checks a certificate (layout, tag, sizes, a valid region code, a
 * UTF-8 name, not_before <= not_after, no trailing bytes). Does not check the signature.
 * Returns 0, PK_EDECODE, PK_EVERSION, PK_ETOOBIG or PK_EREGION. Safe on any bytes; allocates
 * nothing. The views in c stay valid as long as buf does.
 */
int pk_cert_decode(const uint8_t *buf, size_t len, struct pk_cert *c, struct pk_diag *d);

/* True when the certificate's signature verifies against its issuer field. */
bool pk_cert_sig_ok(const struct pk_cert *c);

/* Encodes info and signs it with the issuer's secret key (whose public half must equal
 * info->issuer). Returns 0 and a malloc'd buffer in *out, or PK_EINVAL / PK_EREGION / PK_ENOMEM. */
int pk_cert_encode(const struct pk_cert_info *info, const uint8_t sec[PK_SEC_BYTES], uint8_t **out,
                   size_t *outlen);

/*
 * Checks a chain: chain[0] issued by `root`, each next one issued by the subject of the one
 * before, every signature valid, every region within the issuer's ("" for the root), every
 * certificate valid at time `at` (Unix seconds). Returns 0, or PK_ECERT, PK_ESIG, PK_EREGION or
 * PK_EEXPIRED with the failing link's index in d. n must be 1..PK_CHAIN_MAX.
 */
int pk_cert_chain_check(const uint8_t root[PK_PUB_BYTES], const struct pk_cert *chain, size_t n,
                        uint64_t at, struct pk_diag *d);

#endif
