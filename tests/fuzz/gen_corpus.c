/*
 * gen_corpus.c: writes the fuzzers' seed corpora in tests/fuzz/corpus/{changeset,apply,cert,
 * certset,enroll,mpread}/ and the pencabutan, kesehatan_node, penerimaan and jejak seeds in
 * record/.
 *
 * The seeds are valid encodings made with the project's own encoders and fixed keys (seeds of
 * 32 equal bytes), fixed clocks and fixed validity periods, so that running this again gives
 * the same bytes. fuzz_cert.c checks chains against the same root key (seed byte 0x01).
 * Not part of the build; from the repository root:
 *
 *   cc -std=c11 -D_GNU_SOURCE -I. -o /tmp/gen_corpus tests/fuzz/gen_corpus.c proto/[a-z]*.c \
 *      build/proto/wilayah_table.c -lmsgpackc -lsodium -lzstd && /tmp/gen_corpus tests/fuzz/corpus
 */
#include <errno.h>
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto/cert.h"
#include "proto/changeset.h"
#include "proto/crypto.h"
#include "proto/enroll.h"
#include "proto/hlc.h"
#include "proto/schema.h"
#include "proto/syncmsg.h"

#define ROOT_SEED 0x01     /* the national node; fuzz_cert.c uses the same */
#define DISTRICT_SEED 0x02 /* Kota Bekasi, 32.75 */
#define PROVINCE_SEED 0x03 /* Jawa Barat, 32 */

#define T2025 1735689600ULL /* 2025-01-01T00:00:00Z */
#define T2035 2051222400ULL /* 2035-01-01T00:00:00Z */

struct key {
	uint8_t pub[PK_PUB_BYTES];
	uint8_t sec[PK_SEC_BYTES];
};

static const char *outdir;
static int failures;

static void key_make(struct key *k, uint8_t seed_byte)
{
	uint8_t seed[PK_SEED_BYTES];

	memset(seed, seed_byte, sizeof(seed));
	pk_key_from_seed(seed, k->pub, k->sec);
}

static void write_file(const char *sub, const char *name, const uint8_t *buf, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, sub);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		failures++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		failures++;
		return;
	}
	printf("%s (%zu bytes)\n", path, len);
}

/* ---- record values: msgpack maps whose keys the callers give in ascending order ---------- */

static void pstr(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str(pk, strlen(s));
	msgpack_pack_str_body(pk, s, strlen(s));
}

static void kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	pstr(pk, k);
	pstr(pk, v);
}

static void kv_int(msgpack_packer *pk, const char *k, int64_t v)
{
	pstr(pk, k);
	msgpack_pack_int64(pk, v);
}

static void kv_num(msgpack_packer *pk, const char *k, double v)
{
	pstr(pk, k);
	msgpack_pack_double(pk, v);
}

/* Checks a value that should be valid, so that a seed meant to pass does. */
static void must_validate(const char *coll, const msgpack_sbuffer *sb)
{
	struct pk_diag d;
	const struct pk_collection *c = pk_schema_find(coll, strlen(coll));

	if (c == NULL || pk_schema_validate(c, (const uint8_t *)sb->data, sb->size, &d) != 0) {
		fprintf(stderr, "gen_corpus: %s value does not validate: %s\n", coll,
		        c == NULL ? "no such collection" : d.msg);
		failures++;
	}
}

static void value_kegiatan(msgpack_sbuffer *sb)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 12);
	kv_str(&pk, "asumsi", "Anggaran APBD disahkan tepat waktu");
	kv_int(&pk, "biaya", 75000000);
	kv_int(&pk, "bulan", 3);
	kv_int(&pk, "jumlah_peserta", 40);
	kv_str(&pk, "nama", "Lokakarya penjaminan kualitas RP3KP");
	kv_str(&pk, "penanggung_jawab", "Sekretariat Pokja PKP");
	kv_str(&pk, "status", "rencana");
	kv_str(&pk, "strategi", "Penjaminan kualitas RP3KP");
	kv_str(&pk, "sumber_biaya", "APBD");
	kv_int(&pk, "tahun", 2026);
	kv_str(&pk, "target_hasil", "Dokumen RP3KP direviu dan disepakati");
	kv_str(&pk, "tujuan", "Meningkatkan mutu rencana kawasan permukiman");
	must_validate("kegiatan", sb);
}

static void value_kumuh(msgpack_sbuffer *sb)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 6);
	kv_int(&pk, "jumlah_kk", 312);
	kv_int(&pk, "jumlah_rumah", 287);
	kv_str(&pk, "keterangan", "Sebagian drainase sudah diperbaiki");
	kv_str(&pk, "lembaga", "BKM Maju Bersama");
	kv_num(&pk, "luas_ha", 12.75);
	kv_int(&pk, "tahun", 2025);
	must_validate("kumuh", sb);
}

static void value_rapat(msgpack_sbuffer *sb)
{
	static const char *const peserta[] = {"Bappeda", "Dinas Perkim", "Dinas PUPR", "BKM"};
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 7);
	kv_str(&pk, "agenda", "Pembahasan Memorandum Program Sanitasi");
	kv_str(&pk, "judul", "Rapat pleno Pokja Sanitasi");
	kv_int(&pk, "jumlah_peserta", 25);
	kv_str(&pk, "kesepakatan", "Tahap 4 PPSP dimulai bulan depan");
	pstr(&pk, "peserta");
	msgpack_pack_array(&pk, 4);
	for (int i = 0; i < 4; i++)
		pstr(&pk, peserta[i]);
	kv_str(&pk, "tanggal", "2026-02-28");
	kv_str(&pk, "tempat", "Ruang rapat Bappeda");
	must_validate("rapat", sb);
}

static void value_arahan(msgpack_sbuffer *sb)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 6);
	kv_str(&pk, "batas_tindak_lanjut", "2026-06-30");
	kv_str(&pk, "dasar_hukum", "Permen PUPR tentang penanganan permukiman kumuh");
	kv_str(&pk, "isi", "Setiap kabupaten/kota melaporkan luas kawasan kumuh per kelurahan.");
	kv_str(&pk, "judul", "Pelaporan kawasan kumuh 2026");
	kv_str(&pk, "tanggal", "2026-01-15");
	kv_str(&pk, "wilayah_sasaran", "32");
	must_validate("arahan", sb);
}

/* A pencabutan value, written as fuzz_record.c's seed for collection 11 (a leading byte 11). */
static void value_pencabutan(void)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char kunci[65];

	for (int i = 0; i < 64; i++)
		kunci[i] = "0123456789abcdef"[(i * 7) % 16];
	kunci[64] = '\0';
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_sbuffer_write(&sb, "\x0b", 1);
	msgpack_pack_map(&pk, 3);
	kv_str(&pk, "alasan", "Kunci node hilang bersama laptop sekretariat");
	kv_str(&pk, "kunci", kunci);
	kv_str(&pk, "tanggal", "2026-03-01");
	{
		msgpack_sbuffer v = {.size = sb.size - 1, .data = sb.data + 1};
		must_validate("pencabutan", &v);
	}
	write_file("record", "11_pencabutan", (const uint8_t *)sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* A kegiatan value that fails the schema: tahun is a string, and an unknown field. */
static void value_bad(msgpack_sbuffer *sb)
{
	msgpack_packer pk;

	msgpack_sbuffer_init(sb);
	msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, 3);
	kv_str(&pk, "nama", "Sosialisasi");
	kv_str(&pk, "tahun", "2026");
	kv_int(&pk, "zzz", -1);
}

/* ---- changesets ---------------------------------------------------------------------------- */

static struct pk_op op(const char *coll, const char *region, const char *key,
                       const msgpack_sbuffer *v)
{
	struct pk_op o = {.coll = coll,
	                  .coll_len = (uint32_t)strlen(coll),
	                  .region = region,
	                  .region_len = (uint32_t)strlen(region),
	                  .key = key,
	                  .key_len = (uint32_t)strlen(key)};

	if (v != NULL) {
		o.value = (const uint8_t *)v->data;
		o.value_len = (uint32_t)v->size;
	}
	return o;
}

/* Encodes, writes (named by the kinds of op they hold: put-, delete-, mixed-; the test
 * tests/cli/test_fuzz_corpus.sh wants a put and a delete), and checks the result decodes; prev
 * receives its hash for the next. */
static void changeset(const char *name, const struct key *k, uint64_t seq,
                      uint8_t prev[PK_HASH_BYTES], uint64_t hlc_ms, const struct pk_op *ops,
                      uint32_t nops)
{
	struct pk_cs_head h = {.seq = seq, .hlc = pk_hlc_from_ms(hlc_ms)};
	struct pk_changeset cs;
	struct pk_diag d;
	uint8_t *buf;
	size_t len;

	memcpy(h.prev, prev, PK_HASH_BYTES);
	if (pk_cs_encode(&h, ops, nops, k->pub, k->sec, &buf, &len) != 0) {
		fprintf(stderr, "gen_corpus: %s: encode failed\n", name);
		failures++;
		return;
	}
	if (pk_cs_decode(buf, len, &cs, &d) != 0 || !pk_cs_sig_ok(&cs)) {
		fprintf(stderr, "gen_corpus: %s: does not decode: %s\n", name, d.msg);
		failures++;
	} else {
		pk_cs_hash(&cs, prev);
	}
	/* fuzz_apply.c applies the same changesets to a store holding these keys' chain. */
	write_file("changeset", name, buf, len);
	write_file("apply", name, buf, len);
	if (strcmp(name, "mixed-seq3.bin") == 0)
		write_file("mpread", "changeset.bin", buf, len);
	free(buf);
}

static void kv_bool(msgpack_packer *pk, const char *k, bool v)
{
	pstr(pk, k);
	if (v)
		msgpack_pack_true(pk);
	else
		msgpack_pack_false(pk);
}

/* A kesehatan_node value (a node's health, SPEC section 20), written as fuzz_record.c's seed for
 * collection 12 (a leading byte 12). */
static void value_kesehatan_node(void)
{
	static const char *const tautan[] = {
	    "peran=induk wilayah=32 kunci=29acbae141bccaf0 terhubung=ya kontak=1767225590 "
	    "lag_naik=0 lag_turun=2",
	    "peran=anak wilayah=32.75.01 kunci=0b22e1a94d34d0bc terhubung=tidak kontak=0 "
	    "lag_naik=5 lag_turun=0"};
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_sbuffer_write(&sb, "\x0c", 1);
	msgpack_pack_map(&pk, 14);
	kv_int(&pk, "belum_terkirim", 1);
	kv_int(&pk, "belum_terkirim_byte", 412);
	kv_int(&pk, "disk_bebas", 5368709120LL);
	kv_bool(&pk, "disk_penuh", false);
	kv_int(&pk, "disk_terpakai", 1048576);
	kv_int(&pk, "ditolak", 3);
	pstr(&pk, "ditolak_alasan");
	msgpack_pack_array(&pk, 2);
	pstr(&pk, "clock=1");
	pstr(&pk, "schema=2");
	kv_int(&pk, "fork", 0);
	kv_int(&pk, "lag_naik", 0);
	kv_int(&pk, "lag_turun", 2);
	kv_int(&pk, "mulai", 1767225000);
	pstr(&pk, "tautan");
	msgpack_pack_array(&pk, 2);
	pstr(&pk, tautan[0]);
	pstr(&pk, tautan[1]);
	kv_str(&pk, "versi", "0.1.0");
	kv_int(&pk, "waktu", 1767225600);
	{
		msgpack_sbuffer v = {.size = sb.size - 1, .data = sb.data + 1};
		must_validate("kesehatan_node", &v);
	}
	write_file("record", "12_kesehatan_node", (const uint8_t *)sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* A penerimaan value (a node's receipt of a directive, SPEC section 21), written as
 * fuzz_record.c's seed for collection 13 (a leading byte 13). */
static void value_penerimaan(void)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_sbuffer_write(&sb, "\x0d", 1);
	msgpack_pack_map(&pk, 3);
	kv_str(&pk, "arahan", "ar-2026-01");
	kv_int(&pk, "diterima", 1767225600);
	kv_str(&pk, "wilayah_arahan", "");
	{
		msgpack_sbuffer v = {.size = sb.size - 1, .data = sb.data + 1};
		must_validate("penerimaan", &v);
	}
	write_file("record", "13_penerimaan", (const uint8_t *)sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

/* A jejak value (who wrote a record through the web application, SPEC section 22), written as
 * fuzz_record.c's seed for collection 14 (a leading byte 14). */
static void value_jejak(void)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_sbuffer_write(&sb, "\x0e", 1);
	msgpack_pack_map(&pk, 7);
	kv_str(&pk, "koleksi", "kegiatan");
	kv_str(&pk, "kunci", "keg-2026-001");
	kv_str(&pk, "nama_pengguna", "Budi Santoso");
	kv_str(&pk, "pengguna", "budi");
	kv_str(&pk, "peran", "operator");
	kv_str(&pk, "tindakan", "ubah");
	kv_str(&pk, "wilayah_rekaman", "32.75");
	{
		msgpack_sbuffer v = {.size = sb.size - 1, .data = sb.data + 1};
		must_validate("jejak", &v);
	}
	write_file("record", "14_jejak", (const uint8_t *)sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

static void changesets(const struct key *root, const struct key *district)
{
	msgpack_sbuffer keg, kum, rap, ara, bad;
	uint8_t prev[PK_HASH_BYTES] = {0}, rprev[PK_HASH_BYTES] = {0};
	uint64_t ms = 1767225600000ULL; /* 2026-01-01 */
	struct pk_op ops[5];

	value_kegiatan(&keg);
	value_kumuh(&kum);
	value_rapat(&rap);
	value_arahan(&ara);
	value_bad(&bad);
	value_pencabutan();
	value_kesehatan_node();
	value_penerimaan();
	value_jejak();

	ops[0] = op("kegiatan", "32.75", "keg-2026-001", &keg);
	changeset("put-kegiatan-seq1.bin", district, 1, prev, ms, ops, 1);

	ops[0] = op("kegiatan", "32.75", "keg-2026-001", NULL);
	changeset("delete-kegiatan-seq2.bin", district, 2, prev, ms + 1000, ops, 1);

	ops[0] = op("kegiatan", "32.75", "keg-2026-002", &keg);
	ops[1] = op("kumuh", "32.75.01.1001", "kumuh:2025", &kum);
	ops[2] = op("rapat", "32.75", "rapat.2026-02-28", &rap);
	ops[3] = op("kegiatan", "32.75.01", "keg-2026-001", NULL);
	changeset("mixed-seq3.bin", district, 3, prev, ms + 2000, ops, 4);

	ops[0] = op("kegiatan", "32.75", "keg-2026-003", &bad);
	ops[1] = op("nosuch", "32.75", "x", &keg);
	changeset("put-bad-records-seq4.bin", district, 4, prev, ms + 3000, ops, 2);

	ops[0] = op("arahan", "", "arahan-2026-01", &ara);
	changeset("put-root-arahan-seq1.bin", root, 1, rprev, ms + 4000, ops, 1);

	write_file("mpread", "kegiatan-value.bin", (const uint8_t *)keg.data, keg.size);
	write_file("mpread", "rapat-value.bin", (const uint8_t *)rap.data, rap.size);
	msgpack_sbuffer_destroy(&keg);
	msgpack_sbuffer_destroy(&kum);
	msgpack_sbuffer_destroy(&rap);
	msgpack_sbuffer_destroy(&ara);
	msgpack_sbuffer_destroy(&bad);
}

/* ---- certificates -------------------------------------------------------------------------- */

/* Writes a certificate; keep, when not NULL, receives the encoding (the caller frees it). */
static void cert(const char *name, const struct key *issuer, const struct key *subject,
                 uint64_t serial, const char *region, const char *cname, uint64_t nb, uint64_t na,
                 struct pk_blob *keep)
{
	struct pk_cert_info in;
	struct pk_cert c;
	struct pk_diag d;
	uint8_t *buf;
	size_t len;

	memset(&in, 0, sizeof(in));
	in.serial = serial;
	memcpy(in.subject, subject->pub, PK_PUB_BYTES);
	snprintf(in.region, sizeof(in.region), "%s", region);
	snprintf(in.name, sizeof(in.name), "%s", cname);
	in.not_before = nb;
	in.not_after = na;
	memcpy(in.issuer, issuer->pub, PK_PUB_BYTES);
	if (pk_cert_encode(&in, issuer->sec, &buf, &len) != 0) {
		fprintf(stderr, "gen_corpus: %s: encode failed\n", name);
		failures++;
		return;
	}
	if (pk_cert_decode(buf, len, &c, &d) != 0 || !pk_cert_sig_ok(&c)) {
		fprintf(stderr, "gen_corpus: %s: does not decode: %s\n", name, d.msg);
		failures++;
	}
	write_file("cert", name, buf, len);
	if (keep != NULL) {
		keep->p = buf;
		keep->len = len;
	} else {
		free(buf);
	}
}

/* A certificate set of n certificates (fuzz_certset.c; the decoder checks each one's structure,
 * not the chain). */
static void certset(const char *name, const struct key *root, const struct pk_blob *c, size_t n)
{
	struct pk_certset cs;
	struct pk_certset back;
	struct pk_diag d;
	uint8_t *buf;
	size_t len;

	memset(&cs, 0, sizeof(cs));
	memcpy(cs.root, root->pub, PK_PUB_BYTES);
	cs.n = n;
	for (size_t i = 0; i < n; i++) {
		cs.cert[i] = c[i].p;
		cs.len[i] = c[i].len;
	}
	if (pk_certset_encode(&cs, &buf, &len) != 0) {
		fprintf(stderr, "gen_corpus: %s: encode failed\n", name);
		failures++;
		return;
	}
	if (pk_certset_decode(buf, len, &back, &d) != 0 || back.n != n) {
		fprintf(stderr, "gen_corpus: %s: does not decode: %s\n", name, d.msg);
		failures++;
	}
	write_file("certset", name, buf, len);
	free(buf);
}

static void certs(const struct key *root, const struct key *province, const struct key *district)
{
	struct pk_blob c[3], five[PK_CHAIN_MAX];

	cert("root-province-32.bin", root, province, 1, "32", "Provinsi Jawa Barat", T2025, T2035,
	     &c[0]);
	cert("province-kota-32.75.bin", province, district, 1, "32.75", "Kota Bekasi", T2025, T2035,
	     &c[1]);
	cert("root-kota-utf8.bin", root, district, 2, "32.75",
	     "Dinas Perumahan dan Permukiman \xe2\x80\x93 Kota Bekasi", T2025, T2035, &c[2]);
	cert("root-expired.bin", root, province, 3, "32", "Jawa Barat (lama)", 1577836800ULL,
	     1609459199ULL, NULL);

	certset("certset-chain-2.bin", root, c, 2);
	certset("certset-single.bin", root, &c[2], 1);
	for (size_t i = 0; i < PK_CHAIN_MAX; i++)
		five[i] = c[i % 3];
	certset("certset-max.bin", root, five, PK_CHAIN_MAX);
	for (int i = 0; i < 3; i++)
		free((void *)c[i].p);
}

/* ---- join requests (fuzz_enroll.c) ----------------------------------------------------------- */

static void request(const char *name, const struct key *k, const char *region, const char *rname,
                    uint64_t created)
{
	struct pk_request rq, back;
	struct pk_diag d;
	uint8_t *buf;
	size_t len;

	memset(&rq, 0, sizeof(rq));
	memcpy(rq.pub, k->pub, PK_PUB_BYTES);
	snprintf(rq.region, sizeof(rq.region), "%s", region);
	snprintf(rq.name, sizeof(rq.name), "%s", rname);
	rq.created = created;
	if (pk_request_encode(&rq, k->sec, &buf, &len) != 0) {
		fprintf(stderr, "gen_corpus: %s: encode failed\n", name);
		failures++;
		return;
	}
	if (pk_request_decode(buf, len, &back, &d) != 0 || memcmp(&rq, &back, sizeof(rq)) != 0) {
		fprintf(stderr, "gen_corpus: %s: does not decode to itself: %s\n", name, d.msg);
		failures++;
	}
	write_file("enroll", name, buf, len);
	free(buf);
}

static void requests(const struct key *province, const struct key *district)
{
	request("request-kota-32.75.bin", district, "32.75", "Kota Bekasi", T2025);
	request("request-province-32.bin", province, "32", "Provinsi Jawa Barat", 0);
	request("request-desa-utf8.bin", district, "32.75.01.1001",
	        "Kelurahan Margahayu \xe2\x80\x93 BKM Maju Bersama", T2035);
}

/* ---- plain msgpack, every type the reader accepts ------------------------------------------ */

static void all_types(void)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	char big[300];
	uint8_t bin[300];

	memset(big, 'a', sizeof(big));
	for (size_t i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)i;
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_array(&pk, 16); /* array16 header */
	msgpack_pack_nil(&pk);
	msgpack_pack_true(&pk);
	msgpack_pack_false(&pk);
	msgpack_pack_fix_uint8(&pk, 200);
	msgpack_pack_fix_uint16(&pk, 60000);
	msgpack_pack_fix_uint32(&pk, 4000000000u);
	msgpack_pack_fix_uint64(&pk, UINT64_MAX);
	msgpack_pack_fix_int8(&pk, -100);
	msgpack_pack_fix_int16(&pk, -30000);
	msgpack_pack_fix_int32(&pk, -2000000000);
	msgpack_pack_fix_int64(&pk, INT64_MIN);
	msgpack_pack_float(&pk, 1.5f);
	msgpack_pack_double(&pk, -0.125);
	msgpack_pack_str(&pk, sizeof(big)); /* str16 */
	msgpack_pack_str_body(&pk, big, sizeof(big));
	msgpack_pack_bin(&pk, sizeof(bin)); /* bin16 */
	msgpack_pack_bin_body(&pk, bin, sizeof(bin));
	msgpack_pack_map(&pk, 17); /* map16 header */
	for (int i = 0; i < 17; i++) {
		msgpack_pack_int(&pk, i - 8);
		msgpack_pack_str(&pk, 40); /* str8 */
		msgpack_pack_str_body(&pk, big, 40);
	}
	/* Nested ten deep: one more than pk_mpr_skip's depth 8 in the fuzzer. */
	for (int i = 0; i < 10; i++)
		msgpack_pack_array(&pk, 1);
	msgpack_pack_bin(&pk, 3);
	msgpack_pack_bin_body(&pk, bin, 3);
	write_file("mpread", "all-types.bin", (const uint8_t *)sb.data, sb.size);
	msgpack_sbuffer_destroy(&sb);
}

int main(int argc, char **argv)
{
	struct key root, province, district;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR (normally tests/fuzz/corpus)\n");
		return 2;
	}
	outdir = argv[1];
	if (pk_crypto_init() != 0)
		return 1;
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	key_make(&root, ROOT_SEED);
	key_make(&province, PROVINCE_SEED);
	key_make(&district, DISTRICT_SEED);
	changesets(&root, &district);
	certs(&root, &province, &district);
	requests(&province, &district);
	all_types();
	return failures == 0 ? 0 : 1;
}
