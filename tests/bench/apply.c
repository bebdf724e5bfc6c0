/*
 * apply.c: how fast a node applies received changesets, against the speed of the signature
 * check that bounds it (DESIGN.md, "Scale and speed").
 *
 * Sets up a national root store in a temporary folder with one district origin (Kota Bekasi,
 * 32.75) certified by the root, and pre-generates (untimed) 100,000 single-operation kegiatan
 * changesets from that origin: sequence 1..100,000 chained by hash, rising clocks, each a valid
 * record. Measures this machine's single-core ed25519 verify rate on the same bodies (pk_sig_ok,
 * about 2 s), then times store_apply in batches of 1,000 (one write transaction each, as the
 * sync code does) with 1 verify thread, and again on a fresh store with 2. Prints one line per
 * mode:
 *
 *   apply: changesets=100000 threads=1 seconds=S rate=R verify_rate=V ratio=R/V
 *
 * Every outcome must be 0 (applied); the program exits 1 otherwise. Takes about 15 s and
 * 500 MB of temporary disk and memory at most.
 */
#include <dirent.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/store.h"
#include "workload.h"
#include "proto/cert.h"
#include "proto/changeset.h"
#include "proto/crypto.h"
#include "proto/hlc.h"

#define N_CHANGESETS 100000
#define BATCH 1000
#define VERIFY_SECONDS 2.0
#define REGION "32.75"

struct key {
	uint8_t pub[PK_PUB_BYTES];
	uint8_t sec[PK_SEC_BYTES];
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void fail(const char *what, int err, const char *detail)
{
	fprintf(stderr, "apply: %s: %s%s%s\n", what, pk_strerror(err), detail ? ": " : "",
	        detail ? detail : "");
	exit(1);
}

static void key_make(struct key *k, uint8_t seed_byte)
{
	uint8_t seed[PK_SEED_BYTES];

	memset(seed, seed_byte, sizeof(seed));
	pk_key_from_seed(seed, k->pub, k->sec);
}

/* Removes a store folder (flat: LMDB's data and lock files). */
static void remove_dir(const char *dir)
{
	char path[4096];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* ---- the workload ------------------------------------------------------------------------- */

/* Signs n changesets from origin o: seq 1..n, each chained to the one before. */
static void generate(const struct key *o, uint64_t hlc0, struct store_blob *blobs,
                     struct pk_changeset *cs, size_t n)
{
	struct pk_cs_head h = {.seq = 0, .hlc = hlc0};
	msgpack_sbuffer sb;
	struct pk_diag d;
	struct pk_op op;
	char key[32];
	uint8_t *buf;
	size_t len;
	int err;

	msgpack_sbuffer_init(&sb);
	memset(h.prev, 0, sizeof(h.prev));
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "keg-%06zu", i + 1);
		value(&sb, (unsigned)i);
		op = (struct pk_op){.coll = "kegiatan",
		                    .coll_len = 8,
		                    .region = REGION,
		                    .region_len = (uint32_t)strlen(REGION),
		                    .key = key,
		                    .key_len = (uint32_t)strlen(key),
		                    .value = (const uint8_t *)sb.data,
		                    .value_len = (uint32_t)sb.size};
		h.seq = i + 1;
		h.hlc++;
		if ((err = pk_cs_encode(&h, &op, 1, o->pub, o->sec, &buf, &len)) != 0)
			fail("encode", err, NULL);
		if ((err = pk_cs_decode(buf, len, &cs[i], &d)) != 0)
			fail("decode", err, d.msg);
		pk_cs_hash(&cs[i], h.prev);
		blobs[i].data = buf;
		blobs[i].len = len;
	}
	if ((err = pk_cs_check_records(&cs[0], &d)) != 0)
		fail("generated record", err, d.msg);
	msgpack_sbuffer_destroy(&sb);
}

/* ---- measuring ---------------------------------------------------------------------------- */

/* Single-core ed25519 verifications per second over the changesets' bodies. */
static double verify_rate(const struct pk_changeset *cs, size_t n)
{
	double t0 = mono(), t = t0;
	size_t done = 0;

	while (t - t0 < VERIFY_SECONDS) {
		for (int j = 0; j < 256; j++, done++) {
			const struct pk_changeset *c = &cs[done % n];

			if (!pk_sig_ok(c->sig, c->body, c->body_len, c->origin))
				fail("verify", PK_ESIG, NULL);
		}
		t = mono();
	}
	return (double)done / (t - t0);
}

/* A national root store with the district's certificate, in folder dir. */
static struct store *root_store(const char *dir, const struct key *root, const uint8_t *cert,
                                size_t certlen)
{
	struct store_node node;
	struct store *s;
	struct pk_diag d;
	int err;

	if ((err = store_open(dir, 0, &s, &d)) != 0)
		fail("store_open", err, d.msg);
	memset(&node, 0, sizeof(node));
	memcpy(node.pub, root->pub, PK_PUB_BYTES);
	memcpy(node.root, root->pub, PK_PUB_BYTES);
	snprintf(node.name, sizeof(node.name), "Kementerian (bench)");
	if ((err = store_node_init(s, &node)) != 0)
		fail("store_node_init", err, NULL);
	if ((err = store_cert_put(s, cert, certlen, &d)) != 0)
		fail("store_cert_put", err, d.msg);
	return s;
}

static double run_apply(struct store *s, const struct store_blob *blobs, size_t n, int threads,
                        const uint8_t origin[PK_PUB_BYTES])
{
	static struct store_outcome out[BATCH];
	struct store_head head;
	double t0, t1;
	int err;

	t0 = mono();
	for (size_t off = 0; off < n; off += BATCH) {
		size_t m = n - off < BATCH ? n - off : BATCH;

		if ((err = store_apply(s, blobs + off, m, threads, wall_ms(), out)) != 0)
			fail("store_apply", err, NULL);
		for (size_t i = 0; i < m; i++)
			if (out[i].err != 0) {
				fprintf(stderr, "apply: changeset %zu refused: %s: %s\n",
				        off + i + 1, pk_strerror(out[i].err), out[i].why.msg);
				exit(1);
			}
	}
	t1 = mono();
	if ((err = store_head_get(s, origin, &head)) != 0)
		fail("store_head_get", err, NULL);
	if (head.seq != n) {
		fprintf(stderr, "apply: head is at %llu, not %zu\n", (unsigned long long)head.seq,
		        n);
		exit(1);
	}
	return t1 - t0;
}

int main(void)
{
	static const int modes[] = {1, 2};
	struct key root, origin;
	struct pk_cert_info ci;
	struct store_blob *blobs;
	struct pk_changeset *cs;
	char tmpl[512], dir[600];
	const char *tmp = getenv("TMPDIR");
	uint8_t *cert;
	size_t certlen;
	uint64_t now = wall_ms();
	double vrate;
	int err;

	if (pk_crypto_init() != 0)
		return 1;
	key_make(&root, 0x11);
	key_make(&origin, 0x22);

	memset(&ci, 0, sizeof(ci));
	ci.serial = 1;
	memcpy(ci.subject, origin.pub, PK_PUB_BYTES);
	snprintf(ci.region, sizeof(ci.region), "%s", REGION);
	snprintf(ci.name, sizeof(ci.name), "Kota Bekasi");
	ci.not_before = now / 1000 - 86400;
	ci.not_after = now / 1000 + 10ULL * 366 * 86400;
	memcpy(ci.issuer, root.pub, PK_PUB_BYTES);
	if ((err = pk_cert_encode(&ci, root.sec, &cert, &certlen)) != 0)
		fail("pk_cert_encode", err, NULL);

	blobs = calloc(N_CHANGESETS, sizeof(*blobs));
	cs = calloc(N_CHANGESETS, sizeof(*cs));
	if (blobs == NULL || cs == NULL)
		fail("calloc", PK_ENOMEM, NULL);
	/* Stamped from a minute ago; 100,000 clock ticks cover under two seconds of it. */
	generate(&origin, pk_hlc_from_ms(now - 60000), blobs, cs, N_CHANGESETS);
	vrate = verify_rate(cs, N_CHANGESETS);

	snprintf(tmpl, sizeof(tmpl), "%s/pokja-bench-apply.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(tmpl) == NULL) {
		perror(tmpl);
		return 1;
	}
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct store *s;
		double secs, rate;

		snprintf(dir, sizeof(dir), "%s/threads%d", tmpl, modes[m]);
		s = root_store(dir, &root, cert, certlen);
		secs = run_apply(s, blobs, N_CHANGESETS, modes[m], origin.pub);
		store_close(s);
		remove_dir(dir);
		rate = N_CHANGESETS / secs;
		printf("apply: changesets=%d threads=%d seconds=%.2f rate=%.0f verify_rate=%.0f "
		       "ratio=%.2f\n",
		       N_CHANGESETS, modes[m], secs, rate, vrate, rate / vrate);
		fflush(stdout);
	}
	rmdir(tmpl);
	for (size_t i = 0; i < N_CHANGESETS; i++)
		free((void *)blobs[i].data);
	free(blobs);
	free(cs);
	free(cert);
	return 0;
}
