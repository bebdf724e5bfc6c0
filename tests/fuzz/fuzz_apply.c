/*
 * fuzz_apply.c: libFuzzer target for the store's apply path (store_apply in daemon/store.h).
 * fuzz-links: daemon/store.c daemon/trust.c daemon/apply.c daemon/fence.c daemon/verify.c
 * fuzz-links: daemon/lineage.c daemon/invites.c daemon/peers.c daemon/clock.c daemon/lmdbcheck.c
 * fuzz-links: daemon/db.c daemon/history.c daemon/store_notify.c
 * fuzz-links: -llmdb -lpthread
 *
 * One store, opened once in a temporary folder: the national node (root key seed 0x01) holding
 * the certificates root -> Jawa Barat (32, seed 0x03) -> Kota Bekasi (32.75, seed 0x02), the
 * keys gen_corpus.c signs the changeset seeds with. Each input is applied twice:
 *
 *   1. as it is, one received changeset (most mutations stop at the signature);
 *   2. when it decodes, its ops re-signed by its origin (one of the three keys; any other origin
 *      becomes Kota Bekasi) as that origin's next changeset, so that fuzzed ops reach the
 *      region, schema and record steps. An applied changeset must then be held byte for byte
 *      in the origin's log, and applying it again must say it is already held.
 *
 * Every outcome must be 0 or a PK_E* code with a NUL-terminated reason. The folder is removed
 * at exit. A broken promise aborts, which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/store.h"
#include "proto/cert.h"
#include "proto/changeset.h"
#include "proto/crypto.h"
#include "proto/error.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROOT_SEED 0x01           /* gen_corpus.c uses the same three */
#define DISTRICT_SEED 0x02       /* Kota Bekasi, 32.75 */
#define PROVINCE_SEED 0x03       /* Jawa Barat, 32 */
#define NOT_BEFORE 1735689600ULL /* 2025-01-01T00:00:00Z */
#define NOT_AFTER 2051222400ULL  /* 2035-01-01T00:00:00Z */
#define NOW_MS 1767225600000ULL  /* 2026-01-01: the clock bound's "now" */

struct key {
	uint8_t pub[PK_PUB_BYTES];
	uint8_t sec[PK_SEC_BYTES];
};

static struct key keys[3]; /* root, province, district */
static struct store *st;
static char dir[4096];

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void key_make(struct key *k, uint8_t seed_byte)
{
	uint8_t seed[PK_SEED_BYTES];

	memset(seed, seed_byte, sizeof(seed));
	pk_key_from_seed(seed, k->pub, k->sec);
}

static void cert_put(const struct key *issuer, const struct key *subject, uint64_t serial,
                     const char *region, const char *name)
{
	struct pk_cert_info in;
	struct pk_diag d;
	uint8_t *buf;
	size_t len;

	memset(&in, 0, sizeof(in));
	in.serial = serial;
	memcpy(in.subject, subject->pub, PK_PUB_BYTES);
	memcpy(in.issuer, issuer->pub, PK_PUB_BYTES);
	snprintf(in.region, sizeof(in.region), "%s", region);
	snprintf(in.name, sizeof(in.name), "%s", name);
	in.not_before = NOT_BEFORE;
	in.not_after = NOT_AFTER;
	check(pk_cert_encode(&in, issuer->sec, &buf, &len) == 0);
	if (store_cert_put(st, buf, len, &d) != 0) {
		fprintf(stderr, "fuzz_apply: certificate for %s: %s\n", region, d.msg);
		abort();
	}
	free(buf);
}

static void remove_store(void)
{
	char path[4200];

	if (st != NULL)
		store_close(st);
	st = NULL;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	struct store_node n;
	struct pk_diag d;

	(void)argc;
	(void)argv;
	check(pk_crypto_init() == 0);
	key_make(&keys[0], ROOT_SEED);
	key_make(&keys[1], PROVINCE_SEED);
	key_make(&keys[2], DISTRICT_SEED);
	snprintf(dir, sizeof(dir), "%s/pokja-fuzz-apply.XXXXXX", tmp != NULL ? tmp : "/tmp");
	check(mkdtemp(dir) != NULL);
	if (store_open(dir, 0, &st, &d) != 0) {
		fprintf(stderr, "fuzz_apply: store_open %s: %s\n", dir, d.msg);
		abort();
	}
	atexit(remove_store);
	memset(&n, 0, sizeof(n));
	memcpy(n.pub, keys[0].pub, PK_PUB_BYTES);
	memcpy(n.root, keys[0].pub, PK_PUB_BYTES);
	snprintf(n.name, sizeof(n.name), "Nasional");
	check(store_node_init(st, &n) == 0);
	cert_put(&keys[0], &keys[1], 1, "32", "Provinsi Jawa Barat");
	cert_put(&keys[1], &keys[2], 1, "32.75", "Kota Bekasi");
	return 0;
}

static int apply_one(const uint8_t *buf, size_t len)
{
	struct store_blob b = {buf, len};
	struct store_outcome o;

	memset(&o, 0, sizeof(o));
	check(store_apply(st, &b, 1, 1, NOW_MS, &o) == 0);
	check(o.err <= 0 && o.err > -PK_ERR_COUNT);
	check(strnlen(o.why.msg, sizeof(o.why.msg)) < sizeof(o.why.msg));
	return o.err;
}

/* Re-signs the decoded changeset's ops as its origin's next changeset and applies that. */
static void resign_and_apply(const struct pk_changeset *cs)
{
	const struct key *k = &keys[2];
	struct store_head head;
	struct pk_cs_head h;
	struct pk_cs_iter it;
	struct pk_op *ops;
	uint8_t *buf = NULL, *held = NULL;
	size_t len, held_len;
	uint32_t n = 0;

	for (int i = 0; i < 3; i++)
		if (memcmp(cs->origin, keys[i].pub, PK_PUB_BYTES) == 0)
			k = &keys[i];
	ops = calloc(cs->nops + 1, sizeof(*ops));
	check(ops != NULL);
	pk_cs_iter_init(&it, cs);
	while (n < cs->nops && pk_cs_iter_next(&it, &ops[n]))
		n++;
	check(n == cs->nops);
	check(store_head_get(st, k->pub, &head) == 0);
	memset(&h, 0, sizeof(h));
	h.seq = head.seq + 1;
	if (head.seq > 0)
		memcpy(h.prev, head.hash, PK_HASH_BYTES);
	h.hlc = cs->hlc;
	if (n > 0 && pk_cs_encode(&h, ops, n, k->pub, k->sec, &buf, &len) == 0) {
		if (apply_one(buf, len) == 0) {
			check(store_log_get(st, k->pub, h.seq, &held, &held_len) == 0);
			check(held_len == len && memcmp(held, buf, len) == 0);
			check(apply_one(buf, len) == PK_EEXIST);
		}
	}
	free(held);
	free(buf);
	free(ops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_changeset cs;
	struct pk_diag d;

	(void)apply_one(data, size);
	if (pk_cs_decode(data, size, &cs, &d) == 0)
		resign_and_apply(&cs);
	return 0;
}
