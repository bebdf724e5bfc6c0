/*
 * fuzz_certset.c: libFuzzer target for the certificate set decoder (pk_certset_decode in
 * proto/enroll.h), which a joining node runs on a parent's joined reply and on files.
 *
 * Feeds arbitrary bytes to pk_certset_decode. Every outcome must be 0 or a PK_E* code with a
 * NUL-terminated reason. When they decode: there are 1..PK_CHAIN_MAX certificates, each a view
 * inside the input of at most PK_CERT_MAX_BYTES that pk_cert_decode accepts alone (the decoder
 * promises each certificate's structure, not the chain); pk_certset_encode of the decoded set
 * succeeds, is no longer than the input, and decodes to the same root and the same certificate
 * bytes; and encoding that copy again gives the same bytes (one canonical form). A broken
 * promise aborts, which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cert.h"
#include "proto/crypto.h"
#include "proto/enroll.h"
#include "proto/error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool inside(const uint8_t *p, size_t len, const uint8_t *buf, size_t size)
{
	return len == 0 || (p >= buf && len <= size && (size_t)(p - buf) <= size - len);
}

static bool same_set(const struct pk_certset *a, const struct pk_certset *b)
{
	if (a->n != b->n || memcmp(a->root, b->root, PK_PUB_BYTES) != 0)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->len[i] != b->len[i] || memcmp(a->cert[i], b->cert[i], a->len[i]) != 0)
			return false;
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (pk_crypto_init() != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_certset cs, back, again;
	struct pk_cert c;
	struct pk_diag d;
	uint8_t *out, *out2;
	size_t outlen, outlen2;
	int err;

	d.msg[0] = '\0';
	err = pk_certset_decode(data, size, &cs, &d);
	check(err <= 0 && err > -PK_ERR_COUNT);
	check(strnlen(d.msg, sizeof(d.msg)) < sizeof(d.msg));
	check(pk_certset_decode(data, size, &back, NULL) == err);
	if (err != 0)
		return 0;

	check(size <= PK_CERTSET_MAX_BYTES && cs.n >= 1 && cs.n <= PK_CHAIN_MAX);
	check(same_set(&cs, &back));
	for (size_t i = 0; i < cs.n; i++) {
		check(cs.len[i] <= PK_CERT_MAX_BYTES && inside(cs.cert[i], cs.len[i], data, size));
		check(pk_cert_decode(cs.cert[i], cs.len[i], &c, NULL) == 0);
		check(c.raw == cs.cert[i] && c.raw_len == cs.len[i]);
	}

	check(pk_certset_encode(&cs, &out, &outlen) == 0);
	check(outlen <= size);
	check(pk_certset_decode(out, outlen, &back, NULL) == 0);
	check(same_set(&cs, &back));
	for (size_t i = 0; i < back.n; i++)
		check(inside(back.cert[i], back.len[i], out, outlen));
	check(pk_certset_encode(&back, &out2, &outlen2) == 0);
	check(outlen2 == outlen && memcmp(out, out2, outlen) == 0);
	check(pk_certset_decode(out2, outlen2, &again, NULL) == 0 && same_set(&cs, &again));
	free(out);
	free(out2);
	return 0;
}
