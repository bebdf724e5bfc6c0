/*
 * replication.c: how fast a province catches up with a district after an outage, against the
 * speed of the signature check that bounds it (DESIGN.md, "Scale and speed").
 *
 * Builds a real network in a temporary folder (benchnet.h: national node, Jawa Barat, Kota
 * Bekasi, joined online), then stops the province and the national node and starts Kota
 * Bekasi's pokjad, which keeps trying to reach its province. While the province is down the
 * district writes 100,000 single-operation kegiatan changesets of its own: pre-generated and
 * signed with the district's key (pk_cs_encode, continuing its log), then applied to the
 * district's store with store_apply in batches of 1,000, as pokjactl would have written them one
 * by one, only faster. The bench also measures this machine's single-core ed25519 verify rate
 * on the same changesets (pk_sig_ok, about 2 s). Then it starts the province's pokjad and times,
 * from just before the start, until the province's store holds the district's log up to its last
 * sequence (store_head_get polled every 10 ms). The national node stays down, so the province
 * only receives. Prints two lines:
 *
 *   replication: changesets=N seconds=S rate=R verify_rate=V ratio=R/V
 *   replication: decodes per received changeset=D
 *
 * D is the province pokjad's pk_cs_decode calls (its "decode-stats" line when it stops) over the
 * changesets it received: 1 when each arrival is decoded once.
 *
 * S includes the district noticing that its parent is back. nng redials a lost parent after a
 * random wait below a back-off that starts at retry_min and doubles per failed attempt up to
 * retry_max (default 60 s), so with the defaults S would mostly measure that random wait (6 to
 * 54 s seen here after a 20 s outage). The district therefore runs with retry_max = 1s, which
 * bounds the wait below 1 s and leaves S the province's start and the transfer itself.
 * BENCH_VERBOSE=1 adds, on stderr, how S splits into the wait for the first changeset and the
 * rest; BENCH_KEEP=1 keeps the temporary folder with the daemons' logs. Run from the repository
 * root (BUILD names the build folder). Takes about 30 s, 300 MB of memory and temporary disk; exits
 * 1 on any failure or after 150 s.
 */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchnet.h"
#include "workload.h"
#include "daemon/node.h"
#include "daemon/store.h"
#include "proto/changeset.h"
#include "proto/crypto.h"
#include "proto/hlc.h"

#define N_CHANGESETS 100000
#define BATCH 1000
#define VERIFY_SECONDS 2.0
#define CATCHUP_TIMEOUT_S 90.0
#define REGION "32.75"

static void check(const char *what, int err, const struct pk_diag *d)
{
	if (err != 0)
		bn_fail("%s: %s%s%s", what, pk_strerror(err), d != NULL ? ": " : "",
		        d != NULL ? d->msg : "");
}

/* Signs n changesets of the district's own log, continuing after its head h: seq h.seq+1..,
 * each chained to the one before, clocks rising from hlc0 (above the head's). */
static void generate(const uint8_t pub[PK_PUB_BYTES], const uint8_t sec[PK_SEC_BYTES],
                     const struct store_head *head, uint64_t hlc0, struct store_blob *blobs,
                     struct pk_changeset *cs, size_t n)
{
	struct pk_cs_head h = {.seq = head->seq, .hlc = hlc0 > head->hlc ? hlc0 : head->hlc};
	msgpack_sbuffer sb;
	struct pk_diag d;
	struct pk_op op;
	char key[32];
	uint8_t *buf;
	size_t len;

	msgpack_sbuffer_init(&sb);
	memcpy(h.prev, head->hash, sizeof(h.prev));
	if (head->seq == 0)
		memset(h.prev, 0, sizeof(h.prev));
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "rep-%06zu", i + 1);
		value(&sb, (unsigned)i);
		op = (struct pk_op){.coll = "kegiatan",
		                    .coll_len = 8,
		                    .region = REGION,
		                    .region_len = (uint32_t)strlen(REGION),
		                    .key = key,
		                    .key_len = (uint32_t)strlen(key),
		                    .value = (const uint8_t *)sb.data,
		                    .value_len = (uint32_t)sb.size};
		h.seq++;
		h.hlc++;
		check("pk_cs_encode", pk_cs_encode(&h, &op, 1, pub, sec, &buf, &len), NULL);
		check("pk_cs_decode", pk_cs_decode(buf, len, &cs[i], &d), &d);
		pk_cs_hash(&cs[i], h.prev);
		blobs[i].data = buf;
		blobs[i].len = len;
	}
	msgpack_sbuffer_destroy(&sb);
}

/* Single-core ed25519 verifications per second over the changesets' bodies. */
static double verify_rate(const struct pk_changeset *cs, size_t n)
{
	double t0 = bn_mono(), t = t0;
	size_t done = 0;

	while (t - t0 < VERIFY_SECONDS) {
		for (int j = 0; j < 256; j++, done++) {
			const struct pk_changeset *c = &cs[done % n];

			if (!pk_sig_ok(c->sig, c->body, c->body_len, c->origin))
				bn_fail("a generated changeset does not verify");
		}
		t = bn_mono();
	}
	return (double)done / (t - t0);
}

/* The district writes the changesets into its own store, 1,000 per transaction. */
static void write_at_district(const struct store_blob *blobs, size_t n, uint64_t last_seq)
{
	static struct store_outcome out[BATCH];
	struct store *s;
	struct store_head h;
	struct pk_diag d;
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];

	check("node_key_load", node_key_load(bn.dir[BN_KOTA], pub, sec, &d), &d);
	check("open the district's store", node_store_open(bn.dir[BN_KOTA], 0, &s, &d), &d);
	for (size_t off = 0; off < n; off += BATCH) {
		size_t m = n - off < BATCH ? n - off : BATCH;

		check("store_apply", store_apply(s, blobs + off, m, 2, node_now_ms(), out), NULL);
		for (size_t i = 0; i < m; i++)
			if (out[i].err != 0)
				bn_fail("district: changeset %zu refused: %s: %s", off + i + 1,
				        pk_strerror(out[i].err), out[i].why.msg);
	}
	check("store_head_get", store_head_get(s, pub, &h), NULL);
	if (h.seq != last_seq)
		bn_fail("district: head at %llu, not %llu", (unsigned long long)h.seq,
		        (unsigned long long)last_seq);
	store_close(s);
}

/* Appends settings to a node's pokjad.conf. */
static void append_conf(int node, const char *text)
{
	char path[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/pokjad.conf", bn.dir[node]);
	if ((f = fopen(path, "a")) == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		bn_fail("cannot append to %s", path);
}

/* The count in the last "decode-stats" line of the node's log (it logs one as it stops). */
static unsigned long long decodes_logged(int node)
{
	static char buf[1 << 20];
	const char *p, *last = NULL, *tag = "decode-stats";
	unsigned long long n = 0;
	size_t len;
	FILE *f = fopen(bn.log[node], "r");

	if (f == NULL)
		bn_fail("cannot read %s", bn.log[node]);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (p = buf; (p = strstr(p, tag)) != NULL; p += strlen(tag))
		last = p;
	if (last == NULL || (p = strstr(last, "start: ")) == NULL || sscanf(p + 7, "%llu", &n) != 1)
		bn_fail("%s logged no decode-stats line", bn_names[node]);
	return n;
}

int main(void)
{
	struct store_blob *blobs;
	struct pk_changeset *cs;
	struct store_head head;
	struct store *kota, *prov;
	struct pk_diag d;
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	uint64_t last;
	double vrate, t0, t_first = 0, t1, secs, rate, twrite;
	const char *verbose = getenv("BENCH_VERBOSE");

	if (pk_crypto_init() != 0)
		return 1;
	bn_setup("replication", 150);
	bn_build();
	/* The outage: province and national node down, the district up and dialling. */
	bn_stop(BN_PROV);
	bn_stop(BN_NAS);
	append_conf(BN_KOTA, "[sync]\nretry_max = 1s\n");
	bn_start(BN_KOTA);
	bn_wait_log(BN_KOTA, " dial: ", 0, 10000);

	check("node_key_load", node_key_load(bn.dir[BN_KOTA], pub, sec, &d), &d);
	check("open the district's store",
	      node_store_open(bn.dir[BN_KOTA], STORE_RDONLY, &kota, &d), &d);
	check("store_head_get", store_head_get(kota, pub, &head), NULL);
	store_close(kota);
	blobs = calloc(N_CHANGESETS, sizeof(*blobs));
	cs = calloc(N_CHANGESETS, sizeof(*cs));
	if (blobs == NULL || cs == NULL)
		bn_fail("out of memory");
	generate(pub, sec, &head, pk_hlc_from_ms(node_now_ms()), blobs, cs, N_CHANGESETS);
	last = head.seq + N_CHANGESETS;
	vrate = verify_rate(cs, N_CHANGESETS);
	twrite = bn_mono();
	write_at_district(blobs, N_CHANGESETS, last);
	twrite = bn_mono() - twrite;

	/* The province comes back. */
	check("open the province's store",
	      node_store_open(bn.dir[BN_PROV], STORE_RDONLY, &prov, &d), &d);
	t0 = bn_mono();
	bn_start(BN_PROV);
	for (;;) {
		check("store_head_get", store_head_get(prov, pub, &head), NULL);
		if (head.seq > 0 && t_first == 0)
			t_first = bn_mono();
		if (head.seq >= last)
			break;
		if (bn_mono() - t0 > CATCHUP_TIMEOUT_S)
			bn_fail("the province holds %llu of %llu after %.0f s",
			        (unsigned long long)head.seq, (unsigned long long)last,
			        CATCHUP_TIMEOUT_S);
		bn_sleep_ms(10);
	}
	t1 = bn_mono();
	store_close(prov);
	secs = t1 - t0;
	rate = N_CHANGESETS / secs;
	printf("replication: changesets=%d seconds=%.2f rate=%.0f verify_rate=%.0f ratio=%.2f\n",
	       N_CHANGESETS, secs, rate, vrate, rate / vrate);
	fflush(stdout);
	bn_stop(BN_PROV);
	printf("replication: decodes per received changeset=%.2f\n",
	       (double)decodes_logged(BN_PROV) / N_CHANGESETS);
	fflush(stdout);
	if (verbose != NULL && *verbose == '1')
		fprintf(stderr,
		        "replication: district wrote them in %.2f s; province: first changeset "
		        "after %.2f s, the rest in %.2f s (%.0f/s)\n",
		        twrite, t_first - t0, t1 - t_first, N_CHANGESETS / (t1 - t_first));
	for (size_t i = 0; i < N_CHANGESETS; i++)
		free((void *)blobs[i].data);
	free(blobs);
	free(cs);
	return 0; /* bn_cleanup stops the daemons and removes the folder */
}
