/*
 * latency.c: how long one write takes to reach the other end of the hierarchy, through the
 * province, with every daemon idle and connected.
 *
 * Builds a real network in a temporary folder (benchnet.h: national node, Jawa Barat, Kota
 * Bekasi, joined online) and runs all three pokjad. Up: 200 kegiatan records written one after
 * another at the district, each with store_write into the district's store with its key (what
 * `pokjactl put` does) and timed from just before the write until store_get finds it in the
 * national node's store, polled every 1 ms (each poll one short read transaction). Down: the
 * same for 200 arahan written at the national node, until the district holds them. A few
 * untimed writes each way first make sure both links are up. Prints one line:
 *
 *   latency: up_p50_ms=.. up_p99_ms=.. down_p50_ms=.. down_p99_ms=..
 *
 * (nearest-rank percentiles). BENCH_VERBOSE=1 adds min, mean and max on stderr, and how much
 * of it the write itself took; BENCH_KEEP=1 keeps the temporary folder with the daemons' logs.
 * Run from the repository root (BUILD names the build folder). Takes about 20 s; exits 1 on any
 * failure, when one write is not through within 10 s, or after 90 s.
 */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchnet.h"
#include "daemon/node.h"
#include "daemon/store.h"

#define N_WRITES 200
#define WARMUP 5
#define WRITE_TIMEOUT_S 10.0

struct end {
	struct store *s;
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
};

static void check(const char *what, int err, const struct pk_diag *d)
{
	if (err != 0)
		bn_fail("%s: %s%s%s", what, pk_strerror(err), d != NULL ? ": " : "",
		        d != NULL ? d->msg : "");
}

static void open_end(int node, struct end *e)
{
	struct pk_diag d;

	check("node_key_load", node_key_load(bn.dir[node], e->pub, e->sec, &d), &d);
	check("node_store_open", node_store_open(bn.dir[node], 0, &e->s, &d), &d);
}

static void pstr(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* A kegiatan (up) or an arahan (down) for Kota Bekasi; map keys in ascending byte order. */
static void value(msgpack_sbuffer *sb, bool up, int i)
{
	msgpack_packer pk;
	char text[128];

	msgpack_sbuffer_clear(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	if (up) {
		snprintf(text, sizeof(text), "Rapat koordinasi Pokja PKP ke-%d", i);
		msgpack_pack_map(&pk, 2);
		pstr(&pk, "nama");
		pstr(&pk, text);
		pstr(&pk, "tahun");
		msgpack_pack_int64(&pk, 2026);
	} else {
		snprintf(text, sizeof(text), "Percepatan penanganan kawasan kumuh, arahan %d", i);
		msgpack_pack_map(&pk, 3);
		pstr(&pk, "isi");
		pstr(&pk, "Segera tetapkan SK kawasan kumuh dan laporkan tindak lanjutnya.");
		pstr(&pk, "judul");
		pstr(&pk, text);
		pstr(&pk, "wilayah_sasaran");
		pstr(&pk, "32.75");
	}
}

static int found(const struct store_record *r, void *arg)
{
	(void)r;
	(void)arg;
	return 1;
}

static double write_sum, write_max; /* seconds spent in store_write itself */

/* Writes one record at `from` and returns the milliseconds until `to` holds it. */
static double one(struct end *from, struct end *to, bool up, int i, msgpack_sbuffer *sb)
{
	const char *coll = up ? "kegiatan" : "arahan";
	struct store_written w;
	struct pk_diag d;
	struct pk_op op;
	char key[32];
	double t0, t;
	int r;

	snprintf(key, sizeof(key), "lat-%s-%03d", up ? "up" : "down", i);
	value(sb, up, i);
	op = (struct pk_op){.coll = coll,
	                    .coll_len = (uint32_t)strlen(coll),
	                    /* Each writes its own records (SPEC section 5): the district
	                     * its region's, the national node the whole country's. */
	                    .region = up ? "32.75" : "",
	                    .region_len = up ? 5 : 0,
	                    .key = key,
	                    .key_len = (uint32_t)strlen(key),
	                    .value = (const uint8_t *)sb->data,
	                    .value_len = (uint32_t)sb->size};
	t0 = bn_mono();
	check("store_write",
	      store_write(from->s, from->sec, &op, 1, node_now_ms(), &w, NULL, NULL, &d), &d);
	t = bn_mono() - t0;
	write_sum += t;
	if (t > write_max)
		write_max = t;
	for (;;) {
		if ((r = store_get(to->s, coll, key, up ? "32.75" : "", found, NULL)) < 0)
			check("store_get", r, NULL);
		t = bn_mono();
		if (r > 0)
			return (t - t0) * 1000.0;
		if (t - t0 > WRITE_TIMEOUT_S)
			bn_fail("%s %s not through after %.0f s", coll, key, WRITE_TIMEOUT_S);
		bn_sleep_ms(1);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *v, int n, double p)
{
	int k = (int)(p * n + 0.999999) - 1;

	return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static void summary(const char *dir, double *v, int n)
{
	double sum = 0;

	for (int i = 0; i < n; i++)
		sum += v[i];
	fprintf(stderr, "latency: %s min=%.1f mean=%.1f max=%.1f ms\n", dir, v[0], sum / n,
	        v[n - 1]);
}

int main(void)
{
	static double up[N_WRITES], down[N_WRITES];
	struct end nas, kota;
	msgpack_sbuffer sb;
	const char *verbose = getenv("BENCH_VERBOSE");

	if (pk_crypto_init() != 0)
		return 1;
	bn_setup("latency", 90);
	bn_build();
	bn_start(BN_KOTA);
	bn_wait_log(BN_KOTA, "session with the parent opened", 0, 10000);
	open_end(BN_NAS, &nas);
	open_end(BN_KOTA, &kota);
	msgpack_sbuffer_init(&sb);

	for (int i = 0; i < WARMUP; i++) {
		one(&kota, &nas, true, N_WRITES + i, &sb);
		one(&nas, &kota, false, N_WRITES + i, &sb);
	}
	for (int i = 0; i < N_WRITES; i++)
		up[i] = one(&kota, &nas, true, i, &sb);
	for (int i = 0; i < N_WRITES; i++)
		down[i] = one(&nas, &kota, false, i, &sb);
	qsort(up, N_WRITES, sizeof(up[0]), cmp);
	qsort(down, N_WRITES, sizeof(down[0]), cmp);
	printf("latency: up_p50_ms=%.1f up_p99_ms=%.1f down_p50_ms=%.1f down_p99_ms=%.1f\n",
	       pct(up, N_WRITES, 0.50), pct(up, N_WRITES, 0.99), pct(down, N_WRITES, 0.50),
	       pct(down, N_WRITES, 0.99));
	fflush(stdout);
	if (verbose != NULL && *verbose == '1') {
		summary("up", up, N_WRITES);
		summary("down", down, N_WRITES);
		fprintf(stderr, "latency: of which the write itself: mean=%.1f max=%.1f ms\n",
		        write_sum * 1000 / (2 * (N_WRITES + WARMUP)), write_max * 1000);
	}
	msgpack_sbuffer_destroy(&sb);
	store_close(nas.s);
	store_close(kota.s);
	return 0; /* bn_cleanup stops the daemons and removes the folder */
}
