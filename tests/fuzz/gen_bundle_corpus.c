/*
 * gen_bundle_corpus.c: writes the seed corpus of fuzz_bundle.c in tests/fuzz/corpus/bundle/.
 *
 * The seeds are valid bundles made with proto/bundle.h from fixed keys, clocks and validity
 * periods, so running this again gives the same bytes (Ed25519 is deterministic): the test
 * vector of SPEC section 18, its body alone (fuzz_bundle.c also decodes inputs as bare bodies),
 * an empty bundle for any node, and one with several origins, certificates and changesets.
 * Not part of the build; from the repository root:
 *
 *   cc -std=c11 -D_GNU_SOURCE -I. -o /tmp/gen_bundle_corpus tests/fuzz/gen_bundle_corpus.c \
 *      proto/[a-z]*.c build/proto/wilayah_table.c -lmsgpackc -lsodium -lzstd \
 *      && /tmp/gen_bundle_corpus tests/fuzz/corpus/bundle
 */
#include <errno.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto/bundle.h"
#include "proto/cert.h"
#include "proto/changeset.h"
#include "proto/crypto.h"
#include "proto/hlc.h"

#define T0 1767225600ULL /* 2026-01-01T00:00:00Z */
#define T1 1798761600ULL /* 2027-01-01T00:00:00Z */

struct key {
	uint8_t pub[PK_PUB_BYTES];
	uint8_t sec[PK_SEC_BYTES];
};

static const char *outdir;
static int failures;

/* Seed bytes first, first + 1, ..., as in SPEC section 13. */
static void key_make(struct key *k, uint8_t first)
{
	uint8_t seed[PK_SEED_BYTES];

	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(first + i);
	pk_key_from_seed(seed, k->pub, k->sec);
}

static void write_file(const char *name, const uint8_t *buf, size_t len, int err)
{
	char path[512];
	FILE *f;

	if (err != 0) {
		fprintf(stderr, "gen_bundle_corpus: %s: %s\n", name, pk_strerror(err));
		failures++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		failures++;
		return;
	}
	printf("%s (%zu bytes)\n", path, len);
}

static uint8_t *cert(const struct key *issuer, const struct key *subject, uint64_t serial,
                     const char *region, const char *name, size_t *len)
{
	struct pk_cert_info in;
	uint8_t *out = NULL;

	memset(&in, 0, sizeof(in));
	in.serial = serial;
	memcpy(in.subject, subject->pub, PK_PUB_BYTES);
	snprintf(in.region, sizeof(in.region), "%s", region);
	snprintf(in.name, sizeof(in.name), "%s", name);
	in.not_before = T0;
	in.not_after = T1;
	memcpy(in.issuer, issuer->pub, PK_PUB_BYTES);
	if (pk_cert_encode(&in, issuer->sec, &out, len) != 0)
		failures++;
	return out;
}

/* {"nama": nama, "tahun": 2026}, keys sorted. */
static uint8_t *kegiatan(const char *nama, size_t *len)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 2);
	msgpack_pack_str(&pk, 4);
	msgpack_pack_str_body(&pk, "nama", 4);
	msgpack_pack_str(&pk, strlen(nama));
	msgpack_pack_str_body(&pk, nama, strlen(nama));
	msgpack_pack_str(&pk, 5);
	msgpack_pack_str_body(&pk, "tahun", 5);
	msgpack_pack_int64(&pk, 2026);
	*len = sb.size;
	return (uint8_t *)msgpack_sbuffer_release(&sb);
}

/* The origin's changesets 1..n, each one op (the last of several a delete), in out[0..n). */
static void changesets(const struct key *k, const char *region, size_t n, struct pk_blob *out)
{
	uint8_t prev[PK_HASH_BYTES] = {0};
	struct pk_cs_head h;
	struct pk_changeset cs;
	struct pk_op op;
	uint8_t *v, *buf;
	size_t vlen, len;

	v = kegiatan("Sosialisasi RP3KP", &vlen);
	for (size_t i = 0; i < n; i++) {
		memset(&h, 0, sizeof(h));
		h.seq = i + 1;
		memcpy(h.prev, prev, sizeof(prev));
		h.hlc = pk_hlc_from_ms(T0 * 1000 + i);
		bool del = n > 1 && i + 1 == n;
		pk_op_set(&op, "kegiatan", region, "kg-0001", del ? NULL : v, del ? 0 : vlen);
		if (pk_cs_encode(&h, &op, 1, k->pub, k->sec, &buf, &len) != 0 ||
		    pk_cs_decode(buf, len, &cs, NULL) != 0) {
			failures++;
			return;
		}
		pk_cs_hash(&cs, prev);
		out[i].p = buf;
		out[i].len = len;
	}
	free(v);
}

static int head_cmp(const void *a, const void *b)
{
	return memcmp(((const struct pk_head *)a)->origin, ((const struct pk_head *)b)->origin,
	              PK_PUB_BYTES);
}

int main(int argc, char **argv)
{
	struct key root, prov, kota;
	struct pk_bundle_meta m;
	struct pk_bundle b;
	struct pk_head heads[3];
	struct pk_blob certs[2], cs[6];
	uint8_t *out = NULL;
	size_t len = 0;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	if (pk_crypto_init() != 0)
		return 1;
	key_make(&root, 0x00);
	key_make(&prov, 0x20);
	key_make(&kota, 0x40);
	certs[0].p = cert(&root, &prov, 1, "32", "Pokja PKP Provinsi Jawa Barat", &certs[0].len);
	certs[1].p = cert(&prov, &kota, 1, "32.75", "Kota Bekasi", &certs[1].len);

	/* The test vector: the root's bundle for the province, one changeset. */
	changesets(&root, "32.75", 1, cs);
	memset(&m, 0, sizeof(m));
	memcpy(m.creator, root.pub, PK_PUB_BYTES);
	m.created = T0;
	m.has_for = true;
	memcpy(m.for_key, prov.pub, PK_PUB_BYTES);
	memcpy(heads[0].origin, root.pub, PK_PUB_BYTES);
	heads[0].seq = 1;
	err = pk_bundle_encode(&m, heads, 1, certs, 1, cs, 1, root.sec, &out, &len);
	write_file("vector.bin", out, len, err);
	if (err == 0 && pk_bundle_decode(out, len, &b, NULL) == 0)
		write_file("vector-body.bin", b.body, b.body_len, 0);
	free(out);
	free((void *)cs[0].p);

	/* An empty bundle for any node, from the kota. */
	memset(&m, 0, sizeof(m));
	memcpy(m.creator, kota.pub, PK_PUB_BYTES);
	m.created = T0 + 86400;
	snprintf(m.region, sizeof(m.region), "32.75");
	err = pk_bundle_encode(&m, NULL, 0, NULL, 0, NULL, 0, kota.sec, &out, &len);
	write_file("empty.bin", out, len, err);
	free(out);

	/* The province's bundle for the kota: three origins, both certificates, six changesets. */
	changesets(&root, "32", 2, cs);
	changesets(&prov, "32.75", 3, cs + 2);
	changesets(&kota, "32.75", 1, cs + 5);
	memset(&m, 0, sizeof(m));
	memcpy(m.creator, prov.pub, PK_PUB_BYTES);
	m.created = T0 + 3600;
	snprintf(m.region, sizeof(m.region), "32");
	m.has_for = true;
	memcpy(m.for_key, kota.pub, PK_PUB_BYTES);
	memcpy(heads[0].origin, root.pub, PK_PUB_BYTES);
	heads[0].seq = 2;
	memcpy(heads[1].origin, prov.pub, PK_PUB_BYTES);
	heads[1].seq = 3;
	memcpy(heads[2].origin, kota.pub, PK_PUB_BYTES);
	heads[2].seq = 1;
	qsort(heads, 3, sizeof(heads[0]), head_cmp);
	err = pk_bundle_encode(&m, heads, 3, certs, 2, cs, 6, prov.sec, &out, &len);
	write_file("province-for-kota.bin", out, len, err);
	free(out);
	for (size_t i = 0; i < 6; i++)
		free((void *)cs[i].p);
	free((void *)certs[0].p);
	free((void *)certs[1].p);
	return failures == 0 ? 0 : 1;
}
