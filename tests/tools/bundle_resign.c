/*
 * bundle_resign.c: makes bundles that `pokjactl bundle create` never makes, for the tests of
 * `bundle apply`. It reads a bundle (which must verify), changes its `for` field, and signs it
 * again, as its creator or as another node, keeping its heads, certificates and changesets.
 * Only for tests.
 *
 *   bundle_resign --dir SIGNERDIR [--for HEX|any] [--created UNIX] [--displace HEX] IN OUT
 *
 * The signer becomes the creator (its region from its store). --created sets the time the
 * bundle states; --displace adds two certificates naming key HEX: one issued by the signer
 * (inside its region), one by a fresh key (self-made, with no chain to the root). Exit status 0, 1
 * on failure, 2 on a usage error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/node.h"
#include "daemon/store.h"
#include "proto/bundle.h"
#include "proto/cert.h"
#include "proto/crypto.h"

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		free(buf);
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Every element of a list, as views. */
static struct pk_blob *blobs(const struct pk_sync_list *l)
{
	struct pk_blob *b = calloc(l->n + 1, sizeof(*b));
	struct pk_sync_iter it;
	size_t k = 0;

	pk_sync_iter_init(&it, l);
	while (b != NULL && pk_sync_next_blob(&it, &b[k]))
		k++;
	return b;
}

/* A certificate naming key hex: issued by the signer inside its region (i = 0), or by a fresh
 * key (i = 1). */
static int displacing(const char *hex, const struct store_node *node, const uint8_t *pub,
                      const uint8_t *sec, int i, struct pk_blob *out)
{
	uint8_t fpub[PK_PUB_BYTES], fsec[PK_SEC_BYTES], seed[PK_SEED_BYTES], *cert = NULL;
	struct pk_cert_info ci;
	size_t len;
	int err;

	memset(&ci, 0, sizeof(ci));
	if (pk_unhex(ci.subject, PK_PUB_BYTES, hex, strlen(hex)) != 0) {
		fprintf(stderr, "bundle_resign: --displace takes 64 hex digits\n");
		return -1;
	}
	pk_random(&ci.serial, sizeof(ci.serial));
	ci.serial = (ci.serial >> 1) | 1;
	char region[sizeof(ci.region) + 4];

	snprintf(region, sizeof(region), "%s%s", node->region, i == 0 ? ".99" : "");
	if (strlen(region) >= sizeof(ci.region)) {
		fprintf(stderr, "bundle_resign: the signer's region is too deep for --displace\n");
		return -1;
	}
	memcpy(ci.region, region, strlen(region) + 1);
	snprintf(ci.name, sizeof(ci.name), "Displace %d", i);
	ci.not_before = (uint64_t)time(NULL) - 3600;
	ci.not_after = ci.not_before + 86400 * 30;
	if (i == 0) {
		memcpy(ci.issuer, pub, PK_PUB_BYTES);
		err = pk_cert_encode(&ci, sec, &cert, &len);
	} else {
		pk_random(seed, sizeof(seed));
		pk_key_from_seed(seed, fpub, fsec);
		memcpy(ci.issuer, fpub, PK_PUB_BYTES);
		err = pk_cert_encode(&ci, fsec, &cert, &len);
		pk_wipe(fsec, sizeof(fsec));
	}
	if (err != 0) {
		fprintf(stderr, "bundle_resign: cannot make a certificate: %s\n", pk_strerror(err));
		return -1;
	}
	out->p = cert;
	out->len = len;
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *forarg = NULL, *in = NULL, *out = NULL, *created = NULL;
	const char *displace = NULL;
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES], *buf, *res = NULL;
	struct store_node node;
	struct pk_bundle b;
	struct pk_head *heads;
	struct pk_blob *certs, *cs;
	struct pk_sync_iter it;
	struct pk_diag d = {""};
	struct store *s;
	size_t len, rlen, k = 0, held;
	bool extra = false;
	FILE *f;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (strcmp(argv[i], "--for") == 0 && i + 1 < argc)
			forarg = argv[++i];
		else if (strcmp(argv[i], "--created") == 0 && i + 1 < argc)
			created = argv[++i];
		else if (strcmp(argv[i], "--displace") == 0 && i + 1 < argc)
			displace = argv[++i];
		else if (in == NULL)
			in = argv[i];
		else if (out == NULL)
			out = argv[i];
		else
			extra = true;
	}
	if (dir == NULL || in == NULL || out == NULL || extra) {
		fprintf(stderr,
		        "usage: bundle_resign --dir SIGNERDIR [--for HEX|any] [--created UNIX] "
		        "[--displace HEX] IN OUT\n");
		return 2;
	}
	if (pk_crypto_init() != 0 || (buf = read_all(in, &len)) == NULL)
		return 1;
	if (pk_bundle_decode(buf, len, &b, &d) != 0) {
		fprintf(stderr, "bundle_resign: %s: %s\n", in, d.msg);
		return 1;
	}
	if (node_key_load(dir, pub, sec, &d) != 0 ||
	    node_store_open(dir, STORE_RDONLY, &s, &d) != 0 || store_node_get(s, &node) != 0) {
		fprintf(stderr, "bundle_resign: %s: %s\n", dir, d.msg);
		return 1;
	}
	store_close(s);
	memcpy(b.meta.creator, pub, PK_PUB_BYTES);
	memcpy(b.meta.region, node.region, sizeof(b.meta.region));
	if (forarg != NULL && strcmp(forarg, "any") == 0) {
		b.meta.has_for = false;
		memset(b.meta.for_key, 0, PK_PUB_BYTES);
	} else if (forarg != NULL) {
		if (pk_unhex(b.meta.for_key, PK_PUB_BYTES, forarg, strlen(forarg)) != 0) {
			fprintf(stderr, "bundle_resign: --for takes 64 hex digits or 'any'\n");
			return 2;
		}
		b.meta.has_for = true;
	}
	if (created != NULL)
		b.meta.created = strtoull(created, NULL, 10);
	heads = calloc(b.heads.n + 1, sizeof(*heads));
	certs = blobs(&b.certs);
	held = b.certs.n; /* the bundle's own: views; the added ones are ours to free */
	if (displace != NULL) {
		struct pk_blob *more = realloc(certs, (b.certs.n + 3) * sizeof(*certs));

		if (more == NULL)
			return 1;
		certs = more;
		for (int i = 0; i < 2; i++)
			if (displacing(displace, &node, pub, sec, i, &certs[b.certs.n++]) != 0)
				return 1;
	}
	cs = blobs(&b.changesets);
	if (heads == NULL || certs == NULL || cs == NULL)
		return 1;
	pk_sync_iter_init(&it, &b.heads);
	while (pk_sync_next_head(&it, &heads[k]))
		k++;
	if (pk_bundle_encode(&b.meta, heads, b.heads.n, certs, b.certs.n, cs, b.changesets.n, sec,
	                     &res, &rlen) != 0 ||
	    (f = fopen(out, "wb")) == NULL || fwrite(res, 1, rlen, f) != rlen || fclose(f) != 0) {
		fprintf(stderr, "bundle_resign: cannot write %s\n", out);
		return 1;
	}
	free(res);
	free(heads);
	for (size_t i = held; i < b.certs.n; i++)
		free((void *)certs[i].p);
	free(certs);
	free(cs);
	free(buf);
	return 0;
}
