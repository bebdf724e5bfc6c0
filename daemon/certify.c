/* certify.c: issuing a certificate set for a join request (see certify.h). */
#include "certify.h"

#include <stdlib.h>
#include <string.h>

#define DAY_SECONDS 86400ULL

struct chain_copy {
	struct pk_certset set;
	uint8_t *copies[PK_CHAIN_MAX];
};

static int chain_collect(const uint8_t *cert, size_t len, void *arg)
{
	struct chain_copy *b = arg;

	if (b->set.n >= PK_CHAIN_MAX - 1 || (b->copies[b->set.n] = malloc(len)) == NULL)
		return 1;
	memcpy(b->copies[b->set.n], cert, len);
	b->set.cert[b->set.n] = b->copies[b->set.n];
	b->set.len[b->set.n] = len;
	b->set.n++;
	return 0;
}

/*
 * The certificate held for the request's key, if any: a copy in *cert (NULL when none) when
 * this node issued it for the same region; PK_ECONFLICT when another node or region holds it.
 */
static int held_for(struct store *s, const uint8_t pub[PK_PUB_BYTES], const struct pk_request *rq,
                    uint8_t **cert, size_t *certlen, uint64_t *serial, struct pk_diag *d)
{
	uint8_t buf[PK_CERT_MAX_BYTES];
	struct pk_cert held;
	size_t len;
	int err;

	*cert = NULL;
	err = store_cert_get(s, rq->pub, buf, &len);
	if (err == PK_ENOTFOUND)
		return 0;
	if (err != 0)
		return pk_diagf(d, err, "reading the certificates: %s", pk_strerror(err));
	if (pk_cert_decode(buf, len, &held, NULL) != 0)
		return pk_diagf(d, PK_ECORRUPT,
		                "the certificate held for this key does not decode");
	if (memcmp(held.info.issuer, pub, PK_PUB_BYTES) != 0 ||
	    strcmp(held.info.region, rq->region) != 0)
		return pk_diagf(d, PK_ECONFLICT,
		                "this key already has a certificate for region '%s'%s; a node that "
		                "moves to another region or parent makes a new key (pokjactl init "
		                "in a new folder)",
		                held.info.region,
		                memcmp(held.info.issuer, pub, PK_PUB_BYTES) != 0
		                    ? PK_(" from another parent")
		                    : "");
	if ((*cert = malloc(len)) == NULL)
		return pk_diagf(d, PK_ENOMEM, "out of memory");
	memcpy(*cert, buf, len);
	*certlen = len;
	*serial = held.info.serial;
	return 0;
}

int certify_request(struct store *s, const uint8_t pub[PK_PUB_BYTES],
                    const uint8_t sec[PK_SEC_BYTES], const struct pk_request *rq, unsigned days,
                    uint64_t now, uint8_t **set, size_t *setlen, uint64_t *serial,
                    struct pk_diag *d)
{
	struct store_node node;
	struct pk_cert_info info;
	struct chain_copy chain;
	uint8_t *cert = NULL;
	size_t certlen;
	int err;

	*set = NULL;
	memset(&chain, 0, sizeof(chain));
	if ((err = store_node_get(s, &node)) != 0)
		return pk_diagf(d, err, "the node's identity is unreadable");
	if (!node.certified) {
		err = pk_diagf(d, PK_ESTATE, "this node has no certificate itself yet");
		goto out;
	}
	if (strcmp(rq->region, node.region) == 0 ||
	    !pk_region_within(rq->region, strlen(rq->region), node.region, strlen(node.region))) {
		err = pk_diagf(d, PK_EREGION,
		               "region '%s' does not lie strictly inside this node's region '%s'",
		               rq->region, node.region[0] ? node.region : PK_("(national)"));
		goto out;
	}
	if (pk_region_level(rq->region, strlen(rq->region)) > PK_NODE_LEVEL_MAX) {
		err = pk_diagf(d, PK_EREGION,
		               "region '%s' is below kabupaten/kota: its records are kept by its "
		               "kabupaten/kota's node, which is the deepest level a node has",
		               rq->region);
		goto out;
	}
	/* A key certified before keeps its certificate (SPEC section 7, rule 2): the same
	 * request again gets the same set; another issuer's or region's is refused. */
	if ((err = held_for(s, pub, rq, &cert, &certlen, serial, d)) != 0)
		goto out;
	if (cert != NULL)
		goto set;
	memset(&info, 0, sizeof(info));
	if ((err = store_next_serial(s, &info.serial)) != 0)
		goto out;
	memcpy(info.subject, rq->pub, PK_PUB_BYTES);
	memcpy(info.region, rq->region, sizeof(info.region));
	memcpy(info.name, rq->name, sizeof(info.name));
	info.not_before = now - 3600;
	info.not_after = now + (uint64_t)days * DAY_SECONDS;
	memcpy(info.issuer, pub, PK_PUB_BYTES);
	if ((err = pk_cert_encode(&info, sec, &cert, &certlen)) != 0 ||
	    (err = store_cert_put(s, cert, certlen, d)) != 0)
		goto out;
	*serial = info.serial;
set:
	/* The set: the root key, this node's own chain (none for the root), the new certificate. */
	memcpy(chain.set.root, node.root, PK_PUB_BYTES);
	if (memcmp(pub, node.root, PK_PUB_BYTES) != 0 &&
	    (err = store_chain_get(s, pub, chain_collect, &chain)) != 0) {
		pk_diagf(d, err, "this node's own chain is unreadable");
		goto out;
	}
	chain.set.cert[chain.set.n] = cert;
	chain.set.len[chain.set.n] = certlen;
	chain.set.n++;
	err = pk_certset_encode(&chain.set, set, setlen);
out:
	for (int i = 0; i < PK_CHAIN_MAX; i++)
		free(chain.copies[i]);
	free(cert);
	return err;
}
