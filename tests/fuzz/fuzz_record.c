/*
 * fuzz_record.c: libFuzzer target for record values.
 *
 * The first byte picks a collection; the rest is validated with pk_schema_validate. A value that
 * passes is decoded to JSON with recjson_decode, encoded again with recjson_encode (which must
 * succeed), and decoded again (which must give the same JSON): what validation accepts, the CLI
 * must be able to show and write back. Both go through proto/record.c, the format's one reader
 * and writer.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_record.c proto/schema.c \
 *       proto/record.c proto/mpread.c proto/mpwrite.c proto/crypto.c proto/region.c \
 *       proto/error.c -lmsgpackc -lsodium -ljansson -o /tmp/fr
 *   /tmp/fr -max_total_time=20 tests/fuzz/corpus/record
 *
 * The CLI module is compiled in here (the unit and fuzz builds link only proto/), and the
 * modules it calls are linked in. Seeds in tests/fuzz/corpus/record/ are one valid value per
 * collection, first byte the collection index.
 * fuzz-links: cli/recerr.c cli/recnorm.c cli/sheet.c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli/recjson.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_decoded(const struct pk_collection *c, json_t *first)
{
	json_t *second = json_object();
	uint8_t *again = NULL;
	size_t len = 0;
	struct pk_diag d;

	if (second == NULL)
		abort();
	if (recjson_encode(c, first, &again, &len, &d) != 0)
		abort(); /* a valid value decoded to JSON that does not encode */
	if (recjson_decode(c, again, len, second) != 0 || !json_equal(first, second))
		abort(); /* the round trip changed the record */
	free(again);
	json_decref(second);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pk_collection *all, *c;
	struct pk_diag d;
	size_t n;
	json_t *obj;

	if (size < 1)
		return 0;
	all = pk_schema_all(&n);
	c = &all[data[0] % n];
	if (pk_schema_validate(c, data + 1, size - 1, &d) != 0)
		return 0;
	obj = json_object();
	if (obj == NULL)
		abort();
	if (recjson_decode(c, data + 1, size - 1, obj) != 0)
		abort(); /* validated, so it must decode */
	check_decoded(c, obj);
	json_decref(obj);
	return 0;
}
