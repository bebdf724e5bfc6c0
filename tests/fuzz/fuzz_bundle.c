/*
 * fuzz_bundle.c: libFuzzer target for offline bundles (proto/bundle.h).
 *
 * Decodes arbitrary bytes as a whole bundle file (envelope, signature, body) and, since a
 * random input almost never carries a valid signature, also as a bare body with
 * pk_bundle_decode_body, so that the body's parser is explored too. When a body decodes, it
 * walks every list with the iterators (which must not fail), checks that every view lies
 * inside the input and every limit holds, then writes the bundle again from what it read, as
 * a fixed key (the writer must accept everything the reader accepts), and checks that the copy
 * decodes, signature included, to the same meta and elements. A broken promise aborts, which
 * libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/bundle.h"
#include "proto/crypto.h"
#include "proto/error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t fixed_pub[PK_PUB_BYTES], fixed_sec[PK_SEC_BYTES];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool inside(const uint8_t *p, size_t len, const uint8_t *buf, size_t size)
{
	return len == 0 || (p >= buf && len <= size && (size_t)(p - buf) <= size - len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t seed[PK_SEED_BYTES];

	(void)argc;
	(void)argv;
	if (pk_crypto_init() != 0)
		abort();
	memset(seed, 0x42, sizeof(seed));
	pk_key_from_seed(seed, fixed_pub, fixed_sec);
	return 0;
}

static struct pk_head *all_heads(const struct pk_sync_list *l, const uint8_t *buf, size_t size)
{
	struct pk_head *h = malloc((l->n + 1) * sizeof(*h));
	struct pk_sync_iter it;
	uint32_t k = 0;

	check(h != NULL && inside(l->p, l->len, buf, size) && l->n <= PK_BUNDLE_MAX_HEADS);
	pk_sync_iter_init(&it, l);
	while (pk_sync_next_head(&it, &h[k])) {
		check(h[k].seq >= 1);
		check(k == 0 || memcmp(h[k - 1].origin, h[k].origin, PK_PUB_BYTES) < 0);
		check(++k <= l->n);
	}
	check(k == l->n && it.err == 0);
	return h;
}

static struct pk_blob *all_blobs(const struct pk_sync_list *l, uint32_t max_n, size_t max_each,
                                 const uint8_t *buf, size_t size)
{
	struct pk_blob *b = malloc((l->n + 1) * sizeof(*b));
	struct pk_sync_iter it;
	uint32_t k = 0;

	check(b != NULL && inside(l->p, l->len, buf, size) && l->n <= max_n);
	pk_sync_iter_init(&it, l);
	while (pk_sync_next_blob(&it, &b[k])) {
		check(b[k].len <= max_each && inside(b[k].p, b[k].len, l->p, l->len));
		check(++k <= l->n);
	}
	check(k == l->n && it.err == 0);
	return b;
}

static bool same_blobs(const struct pk_blob *a, const struct pk_blob *b, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].len != b[i].len || (a[i].len > 0 && memcmp(a[i].p, b[i].p, a[i].len) != 0))
			return false;
	return true;
}

/* Checks a decoded bundle, writes it again as the fixed key, and checks the copy. */
static void recheck(const struct pk_bundle *b, const uint8_t *buf, size_t size)
{
	struct pk_bundle_meta m = b->meta;
	struct pk_bundle b2;
	struct pk_head *h, *h2;
	struct pk_blob *certs, *cs, *certs2, *cs2;
	uint8_t *out = NULL;
	size_t outlen = 0, rlen = strnlen(m.region, sizeof(m.region));
	int err;

	check(rlen < sizeof(m.region) && pk_region_valid(m.region, rlen));
	check(inside(b->body, b->body_len, buf, size));
	h = all_heads(&b->heads, buf, size);
	certs = all_blobs(&b->certs, PK_BUNDLE_MAX_CERTS, PK_CERT_MAX_BYTES, buf, size);
	cs = all_blobs(&b->changesets, PK_BUNDLE_MAX_CS, PK_BUNDLE_CS_MAX, buf, size);

	memcpy(m.creator, fixed_pub, PK_PUB_BYTES);
	err = pk_bundle_encode(&m, h, b->heads.n, certs, b->certs.n, cs, b->changesets.n, fixed_sec,
	                       &out, &outlen);
	check(err == 0 || err == PK_ENOMEM);
	if (err == 0) {
		check(pk_bundle_decode(out, outlen, &b2, NULL) == 0);
		check(memcmp(&b2.meta, &m, sizeof(m)) == 0);
		check(b2.heads.n == b->heads.n && b2.certs.n == b->certs.n &&
		      b2.changesets.n == b->changesets.n);
		h2 = all_heads(&b2.heads, out, outlen);
		check(b->heads.n == 0 || memcmp(h, h2, b->heads.n * sizeof(*h)) == 0);
		certs2 = all_blobs(&b2.certs, PK_BUNDLE_MAX_CERTS, PK_CERT_MAX_BYTES, out, outlen);
		cs2 = all_blobs(&b2.changesets, PK_BUNDLE_MAX_CS, PK_BUNDLE_CS_MAX, out, outlen);
		check(same_blobs(certs, certs2, b->certs.n) &&
		      same_blobs(cs, cs2, b->changesets.n));
		free(h2);
		free(certs2);
		free(cs2);
		free(out);
	}
	free(h);
	free(certs);
	free(cs);
}

static bool known_error(int err)
{
	return err == PK_EDECODE || err == PK_ETOOBIG || err == PK_EVERSION || err == PK_ESIG;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[sizeof(struct pk_bundle)];
	struct pk_bundle b;
	struct pk_diag d;
	int err;

	/* As a whole file. */
	d.msg[0] = '\0';
	err = pk_bundle_decode(data, size, &b, &d);
	check(err == 0 || known_error(err));
	check(strnlen(d.msg, sizeof(d.msg)) < sizeof(d.msg));
	if (err == 0) {
		check(b.sig != NULL && inside(b.sig, PK_SIG_BYTES, data, size));
		check(pk_sig_ok(b.sig, b.body, b.body_len, b.meta.creator));
		recheck(&b, data, size);
	} else {
		check(d.msg[0] != '\0');
		check(memcmp(&b, zero, sizeof(b)) == 0); /* nothing to use after a refusal */
	}

	/* As a bare body. */
	d.msg[0] = '\0';
	err = pk_bundle_decode_body(data, size, &b, &d);
	check(err == 0 || (known_error(err) && err != PK_ESIG));
	if (err == 0) {
		check(b.sig == NULL && b.body == data && b.body_len == size);
		recheck(&b, data, size);
	} else {
		check(d.msg[0] != '\0' && memcmp(&b, zero, sizeof(b)) == 0);
	}
	return 0;
}
