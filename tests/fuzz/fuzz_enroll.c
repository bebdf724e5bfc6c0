/*
 * fuzz_enroll.c: libFuzzer target for the join request decoder (pk_request_decode in
 * proto/enroll.h), which a parent runs on bytes from the network (a join message) and from files.
 *
 * Feeds arbitrary bytes to pk_request_decode. Every outcome must be 0 or a PK_E* code with a
 * NUL-terminated reason, and a refused input must leave the request zeroed. When they decode:
 * decoding again (with or without diagnostics) gives the same request; the region is valid and
 * the name non-empty, NUL-terminated UTF-8; the decoded fields with a fixed key in place of the
 * named one must encode (the encoder accepts everything the decoder accepts) and decode to the
 * same fields, and when the input is signed by that fixed key (the one gen_corpus.c signs the
 * seeds with) the copy is no longer than the input. A broken promise aborts, which libFuzzer
 * reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/crypto.h"
#include "proto/enroll.h"
#include "proto/error.h"
#include "proto/region.h"
#include "proto/schema.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* gen_corpus.c signs its request seeds with this key among others (Kota Bekasi, seed 0x02). */
#define FIXED_SEED_BYTE 0x02

static uint8_t fixed_pub[PK_PUB_BYTES], fixed_sec[PK_SEC_BYTES];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t seed[PK_SEED_BYTES];

	(void)argc;
	(void)argv;
	if (pk_crypto_init() != 0)
		abort();
	memset(seed, FIXED_SEED_BYTE, sizeof(seed));
	pk_key_from_seed(seed, fixed_pub, fixed_sec);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_request rq, mine, back;
	struct pk_diag d;
	size_t rlen, nlen, outlen;
	uint8_t *out;
	int err;

	d.msg[0] = '\0';
	err = pk_request_decode(data, size, &rq, &d);
	check(err <= 0 && err > -PK_ERR_COUNT);
	check(strnlen(d.msg, sizeof(d.msg)) < sizeof(d.msg));
	/* NULL diagnostics are allowed and give the same outcome. */
	check(pk_request_decode(data, size, &back, NULL) == err);
	if (err != 0) {
		check(err == PK_EDECODE || err == PK_ETOOBIG || err == PK_EVERSION ||
		      err == PK_EREGION || err == PK_ESIG);
		check(all_zero(&rq, sizeof(rq)));
		return 0;
	}
	check(memcmp(&rq, &back, sizeof(rq)) == 0);
	check(size <= PK_REQUEST_MAX_BYTES);
	rlen = strnlen(rq.region, sizeof(rq.region));
	nlen = strnlen(rq.name, sizeof(rq.name));
	check(rlen < sizeof(rq.region) && pk_region_valid(rq.region, rlen));
	check(nlen >= 1 && nlen <= PK_NAME_MAX && pk_utf8_valid(rq.name, nlen));

	/* Re-signed by the fixed key, the fields encode and decode to themselves; the encoder
	 * writes the shortest forms, so a request the fixed key signed comes out no longer. */
	mine = rq;
	memcpy(mine.pub, fixed_pub, PK_PUB_BYTES);
	check(pk_request_encode(&mine, fixed_sec, &out, &outlen) == 0);
	if (memcmp(rq.pub, fixed_pub, PK_PUB_BYTES) == 0)
		check(outlen <= size);
	check(pk_request_decode(out, outlen, &back, NULL) == 0);
	check(memcmp(&mine, &back, sizeof(mine)) == 0);
	free(out);
	return 0;
}
