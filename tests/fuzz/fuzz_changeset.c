/*
 * fuzz_changeset.c: libFuzzer target for changeset decoding (proto/changeset.h).
 *
 * Feeds arbitrary bytes to pk_cs_decode. When they decode, it walks every operation with the
 * iterator (which must yield exactly nops operations, each a view inside the input), checks the
 * records against the schema, checks the signature and hashes the changeset, as a receiver
 * does before touching its store. A broken promise aborts, which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/changeset.h"
#include "proto/crypto.h"
#include "proto/error.h"
#include "proto/schema.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void check(bool ok)
{
	if (!ok)
		abort();
}

/* Checks that [p, p+n) lies inside the input and reads it, so ASan sees any stray view. */
static void inside(const uint8_t *data, size_t size, const void *ptr, size_t n)
{
	const uint8_t *p = ptr;
	uint8_t x = 0;

	check(p >= data && p <= data + size && n <= (size_t)(data + size - p));
	for (size_t i = 0; i < n; i++)
		x ^= p[i];
	sink = x;
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
	struct pk_changeset cs;
	struct pk_cs_iter it;
	struct pk_op op;
	struct pk_diag d;
	uint8_t hash[PK_HASH_BYTES];
	uint32_t n = 0;
	int err;

	d.msg[0] = '\0';
	err = pk_cs_decode(data, size, &cs, &d);
	check(err <= 0 && err > -PK_ERR_COUNT);
	check(strnlen(d.msg, sizeof(d.msg)) < sizeof(d.msg));
	if (err != 0)
		return 0;

	check(cs.raw == data && cs.raw_len == size);
	check(cs.seq >= 1 && cs.nops >= 1 && cs.nops <= PK_CS_MAX_OPS);
	inside(data, size, cs.body, cs.body_len);
	inside(data, size, cs.sig, PK_SIG_BYTES);
	inside(data, size, cs.origin, PK_PUB_BYTES);
	inside(data, size, cs.prev, PK_HASH_BYTES);
	inside(data, size, cs.ops, cs.ops_len);

	pk_cs_iter_init(&it, &cs);
	while (pk_cs_iter_next(&it, &op)) {
		inside(data, size, op.coll, op.coll_len);
		inside(data, size, op.region, op.region_len);
		inside(data, size, op.key, op.key_len);
		if (op.value != NULL)
			inside(data, size, op.value, op.value_len);
		check(op.coll_len >= 1 && op.coll_len <= PK_COLL_MAX);
		n++;
	}
	check(n == cs.nops);

	d.msg[0] = '\0';
	err = pk_cs_check_records(&cs, &d);
	check(err <= 0 && err > -PK_ERR_COUNT);
	check(strnlen(d.msg, sizeof(d.msg)) < sizeof(d.msg));
	(void)pk_cs_sig_ok(&cs);
	pk_cs_hash(&cs, hash);
	sink = hash[0];
	return 0;
}
