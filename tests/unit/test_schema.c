/* test_schema.c: the collection table and pk_schema_validate (proto/schema.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "proto/error.h"
#include "proto/schema.h"

/* One map entry of a test value. kind: 's' string, 'i' int, 'u' uint64, 'f' float64, 'b' bool,
 * 'n' nil, 'l' string list, 'm' empty map, 'r' raw msgpack bytes (s, i = length). */
struct kv {
	const char *k;
	char kind;
	const char *s;
	int64_t i;
	double f;
	const char *const *list;
};

#define S(k, v)                                                                                    \
	{                                                                                          \
		k, 's', v, 0, 0, NULL                                                              \
	}
#define I(k, v)                                                                                    \
	{                                                                                          \
		k, 'i', NULL, v, 0, NULL                                                           \
	}
#define F(k, v)                                                                                    \
	{                                                                                          \
		k, 'f', NULL, 0, v, NULL                                                           \
	}
#define L(k, v)                                                                                    \
	{                                                                                          \
		k, 'l', NULL, 0, 0, v                                                              \
	}
#define END                                                                                        \
	{                                                                                          \
		NULL, 0, NULL, 0, 0, NULL                                                          \
	}

static uint8_t buf[160 * 1024];
static size_t buflen;
static struct pk_diag diag;

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->k, ((const struct kv *)b)->k);
}

static void pack_kv(msgpack_packer *pk, const struct kv *e)
{
	size_t n;

	msgpack_pack_str_with_body(pk, e->k, strlen(e->k));
	switch (e->kind) {
	case 's':
		msgpack_pack_str_with_body(pk, e->s, e->i > 0 ? (size_t)e->i : strlen(e->s));
		break;
	case 'i':
		msgpack_pack_int64(pk, e->i);
		break;
	case 'u':
		msgpack_pack_uint64(pk, (uint64_t)e->i);
		break;
	case 'f':
		msgpack_pack_double(pk, e->f);
		break;
	case 'b':
		if (e->i)
			msgpack_pack_true(pk);
		else
			msgpack_pack_false(pk);
		break;
	case 'n':
		msgpack_pack_nil(pk);
		break;
	case 'l':
		for (n = 0; e->list[n] != NULL; n++)
			;
		msgpack_pack_array(pk, n);
		for (size_t k = 0; k < n; k++)
			msgpack_pack_str_with_body(pk, e->list[k], strlen(e->list[k]));
		break;
	case 'm':
		msgpack_pack_map(pk, 0);
		break;
	case 'r':
		pk->callback(pk->data, e->s, (size_t)e->i);
		break;
	}
}

/* Packs the entries into buf as a map, sorted by key unless raw, and returns buflen. */
static size_t build(const struct kv *in, bool raw)
{
	struct kv kv[64];
	size_t n = 0;
	msgpack_sbuffer sb;
	msgpack_packer pk;

	while (in[n].k != NULL)
		n++;
	assert_true(n <= 64);
	memcpy(kv, in, n * sizeof(kv[0]));
	if (!raw)
		qsort(kv, n, sizeof(kv[0]), kv_cmp);
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_map(&pk, n);
	for (size_t i = 0; i < n; i++)
		pack_kv(&pk, &kv[i]);
	assert_true(sb.size <= sizeof(buf));
	memcpy(buf, sb.data, sb.size);
	buflen = sb.size;
	msgpack_sbuffer_destroy(&sb);
	return buflen;
}

static const struct pk_collection *coll(const char *name)
{
	const struct pk_collection *c = pk_schema_find(name, strlen(name));

	assert_non_null(c);
	return c;
}

static int check(const char *collection, const struct kv *kv)
{
	build(kv, false);
	memset(&diag, 0, sizeof(diag));
	return pk_schema_validate(coll(collection), buf, buflen, &diag);
}

/* Expects validation to fail with err and a message containing want. */
#define assert_fails(rc, err, want)                                                                \
	do {                                                                                       \
		int rc_ = (rc);                                                                    \
		if (rc_ != (err) || strstr(diag.msg, (want)) == NULL)                              \
			fail_msg("got %d \"%s\", wanted %d \"%s\"", rc_, diag.msg, (err), (want)); \
	} while (0)

static const char *const peserta[] = {"Bappeda", "Dinas Perkim", "BKM Sejahtera", NULL};
static const char *const tautan[] = {
    "peran=induk wilayah=32 kunci=29acbae141bccaf0 terhubung=ya kontak=1765090590 lag_naik=0 "
    "lag_turun=2",
    NULL};
static const char *const ditolak[] = {"schema=2", "clock=1", NULL};

/* A valid example of every collection, in pk_schema_all() order. */
static const struct {
	const char *coll;
	struct kv kv[16];
} examples[] = {
    {"pokja",
     {S("nama", "Pokja PKP Provinsi Jawa Barat"), S("jenis", "PKP"),
      S("sk_nomor", "188/Kep.123-Bappeda/2021"), S("sk_tanggal", "2021-03-15"), I("tahap_ppsp", 3),
      S("ketua", "Kepala Bidang Perumahan"), S("sekretaris", "Kasi Data"),
      S("alamat", "Jl. Diponegoro No. 22, Bandung"),
      S("keterangan", "Dibentuk dengan SK Gubernur."), END}},
    {"anggota",
     {S("nama", "Siti Rahmawati"), S("instansi", "Bappeda"), S("tim", "pelaksana"),
      S("jabatan", "anggota"), S("gugus_tugas", "gt-advokasi"), S("pokja", "pokja-pkp"),
      S("telepon", "+62 812 0000 0000"), S("email", "siti@example.go.id"), END}},
    {"gugus_tugas",
     {S("nama", "Gugus Tugas Advokasi"), S("bidang", "Advokasi dan Komunikasi"),
      S("ketua", "Kasi Perencanaan"), S("tugas", "Sosialisasi kebijakan dan rencana PKP."),
      S("pokja", "pokja-pkp"), END}},
    {"kegiatan",
     {S("nama", "Rapat teknis review draft RP3KP"),
      S("strategi", "Penjaminan kualitas penyusunan RP3KP"), S("tujuan", "Menyepakati draft RP3KP"),
      S("target_hasil", "Draft RP3KP disepakati"), I("tahun", 2024), I("bulan", 5),
      I("jumlah_peserta", 40), I("biaya", 25000000), S("sumber_biaya", "APBD"),
      S("penanggung_jawab", "Sekretaris Pokja"), S("asumsi", "Data sudah terkumpul"),
      S("status", "rencana"), S("gugus_tugas", "gt-koordinasi"), S("indikator", "ind-rp3kp-1"),
      END}},
    {"indikator",
     {S("nama", "Perda RP3KP ditetapkan"), S("strategi", "Penjaminan kualitas"),
      S("target", "1 Perda"), S("satuan", "%"), F("capaian", 62.5), I("tahun", 2024), END}},
    {"dokumen",
     {S("jenis", "Buku Putih Sanitasi"), S("judul", "Buku Putih Sanitasi Kota Bekasi"),
      S("nomor", "050/12/2019"), S("tanggal", "2019-11-04"), I("tahun", 2019), I("tahap", 3),
      S("status", "final"), S("tautan", "https://example.go.id/bps.pdf"), END}},
    {"kumuh",
     {I("tahun", 2017), F("luas_ha", 12.75), I("jumlah_kk", 340), I("jumlah_rumah", 290),
      S("lembaga", "BKM Sejahtera"), S("rplp", "rplp-2017"), S("keterangan", "Target 0 ha"), END}},
    {"arahan",
     {S("judul", "Percepatan penetapan Perda RP3KP"),
      S("isi", "Seluruh kabupaten/kota menetapkan Perda RP3KP."), S("dasar_hukum", "UU 1/2011"),
      S("wilayah_sasaran", "32"), S("batas_tindak_lanjut", "2024-06-30"),
      S("tanggal", "2024-01-15"), END}},
    {"tindak_lanjut",
     {S("arahan", "arahan-2024-001"), S("uraian", "Draft Perda diajukan ke DPRD."),
      S("tanggal", "2024-04-02"), S("status", "dilaksanakan"), S("wilayah_arahan", "32"), END}},
    {"verifikasi",
     {S("koleksi", "kegiatan"), S("kunci", "keg-2024-01"), S("wilayah_rekaman", "32.75"),
      S("hasil", "diterima"), S("catatan", "Lengkap."), S("tanggal", "2024-05-20"), END}},
    {"rapat",
     {S("judul", "Rakor TL dan EGM KOTAKU 2017"), S("tanggal", "2017-02-09"),
      S("tempat", "Jakarta"), S("agenda", "Kesepakatan penanganan kumuh"), L("peserta", peserta),
      I("jumlah_peserta", 120), S("kesepakatan", "Kumuh 0 ha pada tahun 2019."), END}},
    {"pencabutan",
     {S("kunci", "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7"),
      S("alasan", "Kunci server kabupaten hilang bersama laptopnya."), S("tanggal", "2026-03-01"),
      END}},
    {"kesehatan_node",
     {S("versi", "0.1.0"),
      I("mulai", 1765090000),
      I("waktu", 1765090600),
      L("tautan", tautan),
      I("lag_naik", 0),
      I("lag_turun", 2),
      I("belum_terkirim", 1),
      I("belum_terkirim_byte", 412),
      I("ditolak", 3),
      L("ditolak_alasan", ditolak),
      I("fork", 0),
      I("disk_terpakai", 1048576),
      I("disk_bebas", 5368709120LL),
      {"disk_penuh", 'b', NULL, 0, 0, NULL},
      END}},
    {"penerimaan",
     {S("arahan", "arahan-2024-001"), S("wilayah_arahan", "32"), I("diterima", 1765090600), END}},
    {"jejak",
     {S("koleksi", "kegiatan"), S("kunci", "keg-2024-001"), S("wilayah_rekaman", "32.75"),
      S("pengguna", "budi"), S("nama_pengguna", "Budi Santoso"), S("peran", "operator"),
      S("tindakan", "ubah"), END}},
};

#define NEXAMPLES (sizeof(examples) / sizeof(examples[0]))

static void test_table(void **state)
{
	size_t n;
	const struct pk_collection *all = pk_schema_all(&n);
	static const char *const order[] = {
	    "pokja",   "anggota",    "gugus_tugas",    "kegiatan",      "indikator",
	    "dokumen", "kumuh",      "arahan",         "tindak_lanjut", "verifikasi",
	    "rapat",   "pencabutan", "kesehatan_node", "penerimaan",    "jejak"};

	(void)state;
	assert_int_equal(n, 15); /* deliberate: a new collection */
	for (size_t i = 0; i < n; i++) {
		const struct pk_collection *c = &all[i];
		bool has_required = false;

		assert_string_equal(c->name, order[i]);
		assert_ptr_equal(pk_schema_find(c->name, strlen(c->name)), c);
		assert_true(strlen(c->name) <= PK_COLL_MAX);
		assert_non_null(c->doc);
		assert_true(c->nfields > 0 && c->nfields <= 64);
		for (size_t k = 0; k < c->nfields; k++) {
			const struct pk_field *f = &c->fields[k];

			assert_ptr_equal(pk_schema_field(c, f->name, strlen(f->name)), f);
			assert_non_null(f->doc);
			assert_string_not_equal(f->name, "wilayah");
			assert_string_not_equal(f->name, "key");
			assert_true((f->type == PK_T_ENUM) == (f->choices != NULL));
			if (f->type == PK_T_INT || f->type == PK_T_NUM)
				assert_true(f->min <= f->max);
			has_required |= f->required;
		}
		assert_true(has_required);
	}
	/* verifikasi.koleksi names exactly the collections. */
	const struct pk_field *k = pk_schema_field(coll("verifikasi"), "koleksi", 7);
	assert_non_null(k);
	for (n = 0; k->choices[n] != NULL; n++)
		assert_string_equal(k->choices[n], order[n]);
	assert_int_equal(n, 15); /* deliberate: a new collection */
}

static void test_lookup(void **state)
{
	const struct pk_collection *c = coll("kegiatan");
	const struct pk_field *f;

	(void)state;
	assert_null(pk_schema_find("kegiata", 7));
	assert_null(pk_schema_find("Kegiatan", 8));
	assert_non_null(pk_schema_find("kegiatanXYZ", 8)); /* the length bounds the name */
	assert_null(pk_schema_find(NULL, 0));
	f = pk_schema_field(c, "tahun", 5);
	assert_non_null(f);
	assert_int_equal(f->type, PK_T_INT);
	assert_true(f->required);
	assert_int_equal(f->min, 2000);
	assert_int_equal(f->max, 2100);
	assert_null(pk_schema_field(c, "tahu", 4));
	assert_null(pk_schema_field(c, "wilayah", 7));
	assert_string_equal(pk_ftype_name(PK_T_STR), "str");
	assert_string_equal(pk_ftype_name(PK_T_STRLIST), "strlist");
	assert_string_equal(pk_ftype_name(PK_T_REGION), "region");
	assert_string_equal(pk_ftype_name((enum pk_ftype)99), "invalid");
}

static void test_key_valid(void **state)
{
	char longkey[PK_KEY_MAX + 2];

	(void)state;
	assert_true(pk_key_valid("keg-2024-01", 11));
	assert_true(pk_key_valid("a.b_c:d-E9", 10));
	assert_false(pk_key_valid("", 0));
	assert_false(pk_key_valid("a b", 3));
	assert_false(pk_key_valid("a/b", 3));
	assert_false(pk_key_valid("ké", 3));
	assert_false(pk_key_valid("ab\0c", 4));
	memset(longkey, 'k', sizeof(longkey));
	assert_true(pk_key_valid(longkey, PK_KEY_MAX));
	assert_false(pk_key_valid(longkey, PK_KEY_MAX + 1));
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(pk_utf8_valid("", 0));
	assert_true(pk_utf8_valid("Regapu\xe2\x80\x99u", 9)); /* U+2019 */
	assert_true(pk_utf8_valid("\xf0\x9f\x8f\xa0", 4));    /* U+1F3E0 */
	assert_true(pk_utf8_valid("\xf4\x8f\xbf\xbf", 4));    /* U+10FFFF */
	assert_false(pk_utf8_valid("a\0b", 3));               /* NUL */
	assert_false(pk_utf8_valid("\xc3\x28", 2));           /* bad continuation */
	assert_false(pk_utf8_valid("\xc0\xaf", 2));           /* overlong '/' */
	assert_false(pk_utf8_valid("\xe0\x80\xaf", 3));       /* overlong */
	assert_false(pk_utf8_valid("\xed\xa0\x80", 3));       /* surrogate */
	assert_false(pk_utf8_valid("\xf4\x90\x80\x80", 4));   /* above U+10FFFF */
	assert_false(pk_utf8_valid("\xe2\x80", 2));           /* truncated */
	assert_false(pk_utf8_valid("\x80", 1));               /* lone continuation */
	assert_false(pk_utf8_valid("\xff", 1));
	/* Long runs go eight ASCII bytes at a time: what follows a run, or sits inside one. */
	assert_true(pk_utf8_valid("Kota Bekasi, Jawa Barat\x7f", 24));
	assert_true(pk_utf8_valid("Kota Bekasi Jawa \xe2\x80\x99"
	                          "Barat\xe2\x80\x99",
	                          28));
	assert_false(pk_utf8_valid("Kota Bekasi\0Jawa Barat......", 28));     /* NUL at 11 */
	assert_false(pk_utf8_valid("Kota Bekasi Jawa\0", 17));                /* NUL at 16 */
	assert_false(pk_utf8_valid("Kota Bekasi Jawa Barat\xff.......", 30)); /* bad at 22 */
	assert_false(pk_utf8_valid("Kota Bekasi Jawa\xe2\x80", 18));          /* truncated */
	assert_false(pk_utf8_valid("Kota Bek\xc0\xafsi Jawa Barat", 23));     /* overlong at 8 */
}

static void test_examples_valid(void **state)
{
	size_t n;
	const struct pk_collection *all = pk_schema_all(&n);

	(void)state;
	assert_int_equal(NEXAMPLES, n);
	for (size_t i = 0; i < NEXAMPLES; i++) {
		const struct pk_collection *c = coll(examples[i].coll);
		int rc;

		assert_ptr_equal(c, &all[i]);
		rc = check(examples[i].coll, examples[i].kv);
		if (rc != 0)
			fail_msg("%s: %d %s", examples[i].coll, rc, diag.msg);
		/* Each example sets every field, so each field's checks ran at least once. */
		for (n = 0; examples[i].kv[n].k != NULL; n++)
			;
		assert_int_equal(n, c->nfields);
		/* Valid for its own collection only (every other lacks a field or has one too
		 * many). */
		for (size_t j = 0; j < NEXAMPLES; j++)
			if (j != i)
				assert_int_not_equal(pk_schema_validate(&all[j], buf, buflen, NULL),
				                     0);
	}
}

static void test_minimal(void **state)
{
	const struct kv kegiatan[] = {S("nama", "Sosialisasi RP3KP"), I("tahun", 2024), END};
	const struct kv arahan[] = {S("judul", "J"), S("isi", "I"), S("wilayah_sasaran", ""), END};

	(void)state;
	assert_int_equal(check("kegiatan", kegiatan), 0);
	assert_int_equal(check("arahan", arahan), 0); /* "" is the whole country */
}

static void test_order(void **state)
{
	const struct kv unsorted[] = {I("tahun", 2024), S("nama", "x"), END};
	const struct kv dup[] = {S("nama", "x"), S("nama", "y"), I("tahun", 2024), END};
	/* "status" < "strategi": the first differing byte decides, not the length. */
	const struct kv close[] = {S("nama", "x"), S("strategi", "s"), S("status", "selesai"),
	                           I("tahun", 2024), END};

	(void)state;
	build(unsorted, true);
	assert_fails(pk_schema_validate(coll("kegiatan"), buf, buflen, &diag), PK_ESCHEMA,
	             "field 'nama': out of order");
	build(dup, true);
	assert_fails(pk_schema_validate(coll("kegiatan"), buf, buflen, &diag), PK_ESCHEMA,
	             "field 'nama': appears twice");
	build(close, true);
	assert_fails(pk_schema_validate(coll("kegiatan"), buf, buflen, &diag), PK_ESCHEMA,
	             "field 'status': out of order");
}

static void test_unknown_field(void **state)
{
	const struct kv foo[] = {S("foo", "x"), S("nama", "x"), I("tahun", 2024), END};
	const struct kv wil[] = {S("nama", "x"), I("tahun", 2024), S("wilayah", "32"), END};
	const struct kv key[] = {S("key", "k1"), S("nama", "x"), I("tahun", 2024), END};
	const struct kv bad_name[] = {{"na\x01m\xc3", 's', "x", 0, 0, NULL}, I("tahun", 2024), END};

	(void)state;
	assert_fails(check("kegiatan", foo), PK_ESCHEMA,
	             "field 'foo': not a field of collection 'kegiatan'");
	assert_fails(check("kegiatan", wil), PK_ESCHEMA, "field 'wilayah': the record's key");
	assert_fails(check("kegiatan", key), PK_ESCHEMA, "field 'key': the record's key");
	assert_fails(check("kegiatan", bad_name), PK_ESCHEMA, "field 'na?m?': not a field");
}

static void test_wrong_type(void **state)
{
	const struct kv tahun_str[] = {S("nama", "x"), S("tahun", "2024"), END};
	const struct kv tahun_float[] = {S("nama", "x"), F("tahun", 2024.0), END};
	const struct kv nama_int[] = {I("nama", 5), I("tahun", 2024), END};
	const struct kv nama_nil[] = {{"nama", 'n', NULL, 0, 0, NULL}, I("tahun", 2024), END};
	const struct kv nama_map[] = {{"nama", 'm', NULL, 0, 0, NULL}, I("tahun", 2024), END};
	const struct kv nama_bool[] = {{"nama", 'b', NULL, 1, 0, NULL}, I("tahun", 2024), END};
	const struct kv luas_str[] = {I("tahun", 2020), S("luas_ha", "12"), END};
	const struct kv peserta_str[] = {S("judul", "r"), S("tanggal", "2020-01-01"),
	                                 S("peserta", "Bappeda"), END};
	const struct kv date_int[] = {S("judul", "r"), I("tanggal", 20200101), END};
	static const uint8_t ext[] = {0xd4, 0x01, 0x00};
	const struct kv nama_ext[] = {
	    {"nama", 'r', (const char *)ext, 3, 0, NULL}, I("tahun", 2024), END};
	/* A list whose second item is an integer. */
	static const uint8_t mixed[] = {0x92, 0xa1, 'a', 0x05};
	const struct kv peserta_mixed[] = {S("judul", "r"),
	                                   S("tanggal", "2020-01-01"),
	                                   {"peserta", 'r', (const char *)mixed, 4, 0, NULL},
	                                   END};

	(void)state;
	assert_fails(check("kegiatan", tahun_str), PK_ESCHEMA,
	             "field 'tahun': expected an integer");
	assert_fails(check("kegiatan", tahun_float), PK_ESCHEMA,
	             "field 'tahun': expected an integer");
	assert_fails(check("kegiatan", nama_int), PK_ESCHEMA, "field 'nama': expected a string");
	assert_fails(check("kegiatan", nama_nil), PK_ESCHEMA, "field 'nama': null is not allowed");
	assert_fails(check("kegiatan", nama_map), PK_ESCHEMA, "field 'nama': expected a string");
	assert_fails(check("kegiatan", nama_bool), PK_ESCHEMA, "field 'nama': expected a string");
	assert_fails(check("kegiatan", nama_ext), PK_EDECODE, "field 'nama': unsupported");
	assert_fails(check("kumuh", luas_str), PK_ESCHEMA, "field 'luas_ha': expected a number");
	assert_fails(check("rapat", peserta_str), PK_ESCHEMA,
	             "field 'peserta': expected an array of strings");
	assert_fails(check("rapat", peserta_mixed), PK_ESCHEMA,
	             "field 'peserta': item 2 is not a string");
	assert_fails(check("rapat", date_int), PK_ESCHEMA,
	             "field 'tanggal': expected a date string");
}

static void test_missing_required(void **state)
{
	const struct kv no_nama[] = {I("tahun", 2024), S("status", "rencana"), END};
	const struct kv no_tahun[] = {S("nama", "x"), END};
	const struct kv empty_nama[] = {S("nama", ""), I("tahun", 2024), END};
	const struct kv none[] = {END};

	(void)state;
	assert_fails(check("kegiatan", no_nama), PK_ESCHEMA, "required field 'nama' is missing");
	assert_fails(check("kegiatan", no_tahun), PK_ESCHEMA, "required field 'tahun' is missing");
	assert_fails(check("kegiatan", empty_nama), PK_ESCHEMA, "field 'nama': must not be empty");
	assert_fails(check("verifikasi", none), PK_ESCHEMA, "required field 'koleksi' is missing");
}

static void test_range(void **state)
{
	const struct kv bulan[] = {S("nama", "x"), I("tahun", 2024), I("bulan", 13), END};
	const struct kv bulan0[] = {S("nama", "x"), I("tahun", 2024), I("bulan", 0), END};
	const struct kv tahun[] = {S("nama", "x"), I("tahun", 1999), END};
	const struct kv biaya[] = {S("nama", "x"), I("tahun", 2024), I("biaya", -1), END};
	const struct kv biaya_max[] = {S("nama", "x"), I("tahun", 2024),
	                               I("biaya", 1000000000000000LL), END};
	const struct kv huge[] = {S("nama", "x"), {"tahun", 'u', NULL, -1, 0, NULL}, END};
	const struct kv luas[] = {I("tahun", 2020), F("luas_ha", 1e7), END};
	const struct kv luas_neg[] = {I("tahun", 2020), F("luas_ha", -0.5), END};
	const struct kv luas_nan[] = {I("tahun", 2020), F("luas_ha", NAN), END};
	const struct kv luas_int[] = {I("tahun", 2020), I("luas_ha", 3), END};
	const struct kv tahap[] = {S("jenis", "SSK"), S("judul", "SSK"), I("tahap", 7), END};
	const struct kv jenis[] = {S("nama", "x"), S("jenis", "pkp"), END};
	const struct kv region[] = {S("judul", "j"), S("isi", "i"), S("wilayah_sasaran", "32.7"),
	                            END};
	const struct kv ref[] = {S("arahan", "arahan 1"), S("uraian", "u"), END};
	const struct kv koleksi[] = {S("koleksi", "bogus"), S("kunci", "k"),
	                             S("wilayah_rekaman", "32"), S("hasil", "diterima"), END};

	(void)state;
	assert_fails(check("kegiatan", bulan), PK_ESCHEMA, "field 'bulan': 13 is outside 1..12");
	assert_fails(check("kegiatan", bulan0), PK_ESCHEMA, "field 'bulan': 0 is outside 1..12");
	assert_fails(check("kegiatan", tahun), PK_ESCHEMA, "field 'tahun': 1999 is outside");
	assert_fails(check("kegiatan", biaya), PK_ESCHEMA, "field 'biaya': -1 is outside");
	assert_int_equal(check("kegiatan", biaya_max), 0);
	assert_fails(check("kegiatan", huge), PK_ESCHEMA,
	             "field 'tahun': 18446744073709551615 is outside");
	assert_fails(check("kumuh", luas), PK_ESCHEMA, "field 'luas_ha': 1e+07 is outside");
	assert_fails(check("kumuh", luas_neg), PK_ESCHEMA, "field 'luas_ha': -0.5 is outside");
	assert_fails(check("kumuh", luas_nan), PK_ESCHEMA, "field 'luas_ha': not a finite number");
	assert_int_equal(check("kumuh", luas_int), 0); /* an integer is a number */
	assert_fails(check("dokumen", tahap), PK_ESCHEMA, "field 'tahap': 7 is outside 1..6");
	assert_fails(check("pokja", jenis), PK_ESCHEMA, "field 'jenis': \"pkp\" is not one of");
	assert_fails(check("arahan", region), PK_ESCHEMA,
	             "field 'wilayah_sasaran': \"32.7\" is not a region code");
	assert_fails(check("tindak_lanjut", ref), PK_ESCHEMA,
	             "field 'arahan': \"arahan 1\" is not a record key");
	assert_fails(check("verifikasi", koleksi), PK_ESCHEMA, "field 'koleksi': \"bogus\"");
}

/* pencabutan.kunci is a public key as people write it: 64 lower-case hex digits, no more. */
static void test_hex_key(void **state)
{
	static const char *const bad[] = {
	    "29ACBAE141BCCAF0B22E1A94D34D0BC7361E526D0BFE12C89794BC9322966DD7",  /* upper case */
	    "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd",   /* 63 digits */
	    "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd70", /* 65 digits */
	    "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966ddg",  /* not hex */
	    "",
	    NULL};
	const struct kv good[] = {
	    S("kunci", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), END};
	const struct kv none[] = {S("alasan", "x"), END};

	(void)state;
	assert_int_equal(check("pencabutan", good), 0);
	assert_fails(check("pencabutan", none), PK_ESCHEMA, "required field 'kunci' is missing");
	for (size_t i = 0; bad[i] != NULL; i++) {
		const struct kv one[] = {S("kunci", bad[i]), END};

		assert_fails(check("pencabutan", one), PK_ESCHEMA, "field 'kunci': \"");
		assert_non_null(strstr(diag.msg, "is not 64 lower-case hex digits"));
	}
}

static void test_dates(void **state)
{
	static const char *const good[] = {"2023-02-28", "2024-02-29", "2000-02-29", "1900-01-01",
	                                   "2999-12-31", "2023-04-30", NULL};
	static const char *const bad[] = {"2023-02-30",  "2023-02-29",  "1900-02-29", "2023-04-31",
	                                  "2023-13-01",  "2023-00-10",  "2023-01-00", "1899-12-31",
	                                  "3000-01-01",  "2023-2-3",    "2023/02/03", "20230203",
	                                  "2023-02-03 ", "２023-02-03", "",           NULL};

	(void)state;
	for (size_t i = 0; good[i] != NULL; i++) {
		const struct kv kv[] = {S("judul", "r"), S("tanggal", good[i]), END};
		int rc = check("rapat", kv);

		if (rc != 0)
			fail_msg("%s: %s", good[i], diag.msg);
	}
	for (size_t i = 0; bad[i] != NULL; i++) {
		const struct kv kv[] = {S("judul", "r"), S("tanggal", bad[i]), END};

		assert_fails(check("rapat", kv), PK_ESCHEMA, "field 'tanggal': \"");
		assert_non_null(strstr(diag.msg, "is not a calendar date"));
	}
}

static void test_bad_utf8(void **state)
{
	const struct kv bad[] = {S("nama", "Bekasi \xc3\x28"), I("tahun", 2024), END};
	const struct kv surrogate[] = {S("nama", "\xed\xa0\x80"), I("tahun", 2024), END};
	const struct kv nul[] = {{"nama", 's', "a\0b", 3, 0, NULL}, I("tahun", 2024), END};
	const char *const items[] = {"ok", "\xc0\xaf", NULL};
	const struct kv list[] = {S("judul", "r"), S("tanggal", "2020-01-01"), L("peserta", items),
	                          END};

	(void)state;
	assert_fails(check("kegiatan", bad), PK_ESCHEMA, "field 'nama': not valid UTF-8");
	assert_fails(check("kegiatan", surrogate), PK_ESCHEMA, "field 'nama': not valid UTF-8");
	assert_fails(check("kegiatan", nul), PK_ESCHEMA, "field 'nama': not valid UTF-8");
	assert_fails(check("rapat", list), PK_ESCHEMA, "field 'peserta': not valid UTF-8");
}

static void test_oversize(void **state)
{
	static char big[PK_TEXT_MAX + 2];
	static const char *items[PK_LIST_MAX + 2];
	struct kv kv[4] = {S("nama", big), I("tahun", 2024), END};

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	kv[0].i = PK_STR_MAX; /* exactly at the limit */
	assert_int_equal(check("kegiatan", kv), 0);
	kv[0].i = PK_STR_MAX + 1;
	assert_fails(check("kegiatan", kv), PK_ESCHEMA, "field 'nama': 1025 bytes, more than");

	struct kv text[] = {S("nama", "x"), I("tahun", 2024), S("tujuan", big), END};
	text[2].i = PK_TEXT_MAX;
	assert_int_equal(check("kegiatan", text), 0);
	text[2].i = PK_TEXT_MAX + 1;
	assert_fails(check("kegiatan", text), PK_ESCHEMA, "field 'tujuan': 32769 bytes");

	/* Two texts at their limit make a value over PK_VALUE_MAX_BYTES. */
	struct kv two[] = {S("nama", "x"), I("tahun", 2024), S("tujuan", big), S("asumsi", big),
	                   END};
	two[2].i = PK_TEXT_MAX;
	two[3].i = PK_TEXT_MAX;
	assert_fails(check("kegiatan", two), PK_ETOOBIG, "more than the limit of 65536");

	for (size_t i = 0; i < PK_LIST_MAX + 1; i++)
		items[i] = "p";
	items[PK_LIST_MAX + 1] = NULL;
	struct kv list[] = {S("judul", "r"), S("tanggal", "2020-01-01"), L("peserta", items), END};
	assert_fails(check("rapat", list), PK_ESCHEMA, "field 'peserta': 501 items");
	items[PK_LIST_MAX] = NULL;
	assert_int_equal(check("rapat", list), 0);
}

static void test_structure(void **state)
{
	const struct pk_collection *c = coll("kegiatan");
	static const uint8_t array[] = {0x92, 0x01, 0x02};
	static const uint8_t big_map32[] = {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa4, 'n', 'a', 'm', 'a'};
	static const uint8_t map16_big[] = {0xde, 0x00, 0x05, 0xa4, 'n', 'a', 'm', 'a', 0xa1, 'x'};
	static const uint8_t map16_short[] = {0xde, 0x00, 0x03, 0xa4, 'n',
	                                      'a',  'm',  'a',  0xa1, 'x'};
	static const uint8_t int_key[] = {0x81, 0x01, 0x02};
	static const uint8_t str_count[] = {0x81, 0xdb, 0xff, 0xff, 0xff, 0xf0, 'a'};
	static const uint8_t reserved[] = {0x81, 0xa4, 'n', 'a', 'm', 'a', 0xc1};

	(void)state;
	assert_fails(pk_schema_validate(c, NULL, 0, &diag), PK_EDECODE, "not a msgpack map");
	assert_fails(pk_schema_validate(c, array, 0, &diag), PK_EDECODE, "empty");
	assert_fails(pk_schema_validate(c, array, sizeof(array), &diag), PK_EDECODE,
	             "not a msgpack map");
	assert_fails(pk_schema_validate(c, big_map32, sizeof(big_map32), &diag), PK_EDECODE,
	             "counts more fields than there are bytes");
	assert_fails(pk_schema_validate(c, map16_big, sizeof(map16_big), &diag), PK_EDECODE,
	             "counts more fields");
	assert_fails(pk_schema_validate(c, map16_short, sizeof(map16_short), &diag), PK_EDECODE,
	             "field name 2 is missing");
	assert_fails(pk_schema_validate(c, int_key, sizeof(int_key), &diag), PK_EDECODE,
	             "not a string");
	assert_fails(pk_schema_validate(c, str_count, sizeof(str_count), &diag), PK_EDECODE,
	             "field name 1");
	assert_fails(pk_schema_validate(c, reserved, sizeof(reserved), &diag), PK_EDECODE,
	             "field 'nama': unsupported msgpack type 0xc1");
	assert_fails(pk_schema_validate(NULL, array, sizeof(array), &diag), PK_EINVAL, "");
	/* A NULL diag is fine. */
	assert_int_equal(pk_schema_validate(c, array, sizeof(array), NULL), PK_EDECODE);
}

static void test_trailing(void **state)
{
	const struct pk_collection *c = coll("kegiatan");

	(void)state;
	build(examples[3].kv, false);
	assert_int_equal(pk_schema_validate(c, buf, buflen, &diag), 0);
	buf[buflen] = 0xc0;
	assert_fails(pk_schema_validate(c, buf, buflen + 1, &diag), PK_EDECODE,
	             "trailing bytes after the map (1)");
	/* A second, valid map after the first is trailing too. */
	memcpy(buf + buflen, buf, buflen);
	assert_int_equal(pk_schema_validate(c, buf, 2 * buflen, &diag), PK_EDECODE);
}

/* Every proper prefix of every example fails, cleanly (the sanitizer build checks "cleanly"). */
static void test_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < NEXAMPLES; i++) {
		const struct pk_collection *c = coll(examples[i].coll);
		uint8_t *copy;
		size_t len = build(examples[i].kv, false);

		assert_int_equal(pk_schema_validate(c, buf, len, NULL), 0);
		for (size_t cut = 0; cut < len; cut++) {
			int rc;

			/* A fresh allocation of exactly `cut` bytes, so a read past it is caught.
			 */
			copy = malloc(cut ? cut : 1);
			assert_non_null(copy);
			memcpy(copy, buf, cut);
			rc = pk_schema_validate(c, copy, cut, &diag);
			free(copy);
			if (rc == 0)
				fail_msg("%s: prefix of %zu/%zu bytes passed", c->name, cut, len);
			assert_true(rc == PK_EDECODE || rc == PK_ESCHEMA);
		}
	}
}

/* Every single-byte change of a valid value is either still valid or fails with a code. */
static void test_mutations(void **state)
{
	static const uint8_t subst[] = {0x00, 0x01, 0x7f, 0x80, 0x8f, 0x90, 0xa0, 0xbf,
	                                0xc0, 0xc1, 0xc2, 0xc4, 0xca, 0xcb, 0xcf, 0xd3,
	                                0xd9, 0xdb, 0xdd, 0xdf, 0xe0, 0xff};
	size_t failed = 0, passed = 0;

	(void)state;
	for (size_t i = 0; i < NEXAMPLES; i++) {
		const struct pk_collection *c = coll(examples[i].coll);
		size_t len = build(examples[i].kv, false);
		uint8_t *copy = malloc(len);

		assert_non_null(copy);
		for (size_t pos = 0; pos < len; pos++) {
			for (size_t s = 0; s < sizeof(subst); s++) {
				int rc;

				memcpy(copy, buf, len);
				copy[pos] = subst[s];
				rc = pk_schema_validate(c, copy, len, &diag);
				assert_true(rc == 0 || rc == PK_EDECODE || rc == PK_ESCHEMA);
				if (rc == 0)
					passed++;
				else
					failed++;
			}
		}
		free(copy);
	}
	/* Most changes break the value; some (inside free text) do not. */
	assert_true(failed > passed);
	assert_true(passed > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),          cmocka_unit_test(test_lookup),
	    cmocka_unit_test(test_key_valid),      cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_examples_valid), cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_order),          cmocka_unit_test(test_unknown_field),
	    cmocka_unit_test(test_wrong_type),     cmocka_unit_test(test_missing_required),
	    cmocka_unit_test(test_range),          cmocka_unit_test(test_hex_key),
	    cmocka_unit_test(test_dates),          cmocka_unit_test(test_bad_utf8),
	    cmocka_unit_test(test_oversize),       cmocka_unit_test(test_structure),
	    cmocka_unit_test(test_trailing),       cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
