/*
 * enroll.h: the two files of offline joining, carried by hand between a new node and its
 * parent: a join request (the new node's key, region and name, signed by that key to prove it
 * holds it) and a certificate set (the root key and the chain from the root down to the new
 * node). Byte layouts are normative in proto/SPEC.md, section "Joining offline".
 */
#ifndef PK_ENROLL_H
#define PK_ENROLL_H

#include <stddef.h>
#include <stdint.h>

#include "cert.h"

#define PK_REQUEST_TAG "pokja-request-1"
#define PK_CERTSET_TAG "pokja-certset-1"
#define PK_REQUEST_MAX_BYTES 1024
#define PK_CERTSET_MAX_BYTES (PK_CHAIN_MAX * PK_CERT_MAX_BYTES + 128)

struct pk_request {
	uint8_t pub[PK_PUB_BYTES];
	char region[PK_REGION_MAX + 1];
	char name[PK_NAME_MAX + 1];
	uint64_t created; /* Unix seconds */
};

/* Encodes and signs a request with the requesting node's key. *out is malloc'd. */
int pk_request_encode(const struct pk_request *rq, const uint8_t sec[PK_SEC_BYTES], uint8_t **out,
                      size_t *outlen);

/* Decodes a request and checks its self-signature. PK_EDECODE, PK_ETOOBIG, PK_EVERSION,
 * PK_EREGION, PK_ESIG, with *rq all zero. Safe on any bytes. */
int pk_request_decode(const uint8_t *buf, size_t len, struct pk_request *rq, struct pk_diag *d);

struct pk_certset {
	uint8_t root[PK_PUB_BYTES];
	size_t n;
	const uint8_t *cert[PK_CHAIN_MAX]; /* views into the decoded buffer, root-issued first */
	size_t len[PK_CHAIN_MAX];
};

int pk_certset_encode(const struct pk_certset *cs, uint8_t **out, size_t *outlen);

/* Decodes the container and each certificate's structure (not the chain: see
 * pk_cert_chain_check). Safe on any bytes. */
int pk_certset_decode(const uint8_t *buf, size_t len, struct pk_certset *cs, struct pk_diag *d);

#endif
