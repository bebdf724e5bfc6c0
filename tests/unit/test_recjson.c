/* test_recjson.c: JSON <-> record value conversion (cli/recjson.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The unit test Makefile rule links only the libraries, so the CLI modules are compiled in here. */
#include "cli/recerr.c"
#include "cli/recjson.c"
#include "cli/recnorm.c"
#include "cli/sheet.c"

static struct pk_diag diag;

static const struct pk_collection *coll(const char *name)
{
	const struct pk_collection *c = pk_schema_find(name, strlen(name));

	assert_non_null(c);
	return c;
}

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_ALLOW_NUL, &e);

	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return j;
}

/* Encodes text as a record of collection name; returns the result code, message in diag. */
static int encode_text(const char *name, const char *text)
{
	json_t *obj = parse(text);
	uint8_t *val = (uint8_t *)"x";
	size_t len = 99;
	int rc;

	memset(&diag, 0, sizeof(diag));
	rc = recjson_encode(coll(name), obj, &val, &len, &diag);
	if (rc == 0) {
		assert_int_equal(pk_schema_validate(coll(name), val, len, NULL), 0);
		free(val);
	} else {
		assert_null(val);
		assert_int_equal(len, 0);
	}
	json_decref(obj);
	return rc;
}

#define assert_fails(rc, err, want)                                                                \
	do {                                                                                       \
		int rc_ = (rc);                                                                    \
		if (rc_ != (err) || strstr(diag.msg, (want)) == NULL)                              \
			fail_msg("got %d \"%s\", wanted %d \"%s\"", rc_, diag.msg, (err), (want)); \
	} while (0)

static const char kegiatan_full[] =
    "{\"nama\": \"Rapat teknis review draft RP3KP\","
    " \"strategi\": \"Penjaminan kualitas penyusunan RP3KP\","
    " \"tujuan\": \"Menyepakati draft RP3KP\\nbersama dinas terkait\","
    " \"target_hasil\": \"Draft RP3KP disepakati\", \"tahun\": 2024, \"bulan\": 5,"
    " \"jumlah_peserta\": 40, \"biaya\": 1000000000000000, \"sumber_biaya\": \"APBD\","
    " \"penanggung_jawab\": \"Sekretaris Pokja\", \"asumsi\": \"Data sudah terkumpul\","
    " \"status\": \"berjalan\", \"gugus_tugas\": \"gt-koordinasi\","
    " \"indikator\": \"ind-rp3kp-1\"}";

/* One valid record per collection, with every field, as it comes back from decode. */
static const struct {
	const char *coll, *json;
} examples[] = {
    {"pokja", "{\"nama\": \"Pokja Sanitasi Kota Bekasi\", \"jenis\": \"Sanitasi\","
              " \"sk_nomor\": \"050/Kep.12/2019\", \"sk_tanggal\": \"2019-02-28\","
              " \"tahap_ppsp\": 4, \"ketua\": \"Kepala Bappeda\", \"sekretaris\": \"Kabid\","
              " \"alamat\": \"Jl. Ahmad Yani 1\", \"keterangan\": \"PPSP tahap 4\"}"},
    {"anggota", "{\"nama\": \"Siti\", \"instansi\": \"Bappeda\", \"tim\": \"sekretariat\","
                " \"jabatan\": \"anggota\", \"gugus_tugas\": \"gt-1\", \"pokja\": \"p-1\","
                " \"telepon\": \"0812\", \"email\": \"siti@example.go.id\"}"},
    {"gugus_tugas", "{\"nama\": \"GT Fasilitasi\", \"bidang\": \"Fasilitasi\","
                    " \"ketua\": \"Kasi\", \"tugas\": \"Fasilitasi rapat\", \"pokja\": \"p-1\"}"},
    {"kegiatan", kegiatan_full},
    {"indikator", "{\"nama\": \"Perda RP3KP\", \"strategi\": \"QA\", \"target\": \"1 Perda\","
                  " \"satuan\": \"%\", \"capaian\": 62.5, \"tahun\": 2024}"},
    {"dokumen", "{\"jenis\": \"Memorandum Program\", \"judul\": \"MPS Kota Bekasi\","
                " \"nomor\": \"1/2020\", \"tanggal\": \"2020-02-29\", \"tahun\": 2020,"
                " \"tahap\": 4, \"status\": \"disahkan\", \"tautan\": \"https://x.id/mps\"}"},
    {"kumuh", "{\"tahun\": 2017, \"luas_ha\": 12.75, \"jumlah_kk\": 340,"
              " \"jumlah_rumah\": 290, \"lembaga\": \"BKM\", \"rplp\": \"rplp-1\","
              " \"keterangan\": \"menuju 0 ha\"}"},
    {"arahan", "{\"judul\": \"Perda RP3KP\", \"isi\": \"Tetapkan Perda.\","
               " \"dasar_hukum\": \"UU 1/2011\", \"wilayah_sasaran\": \"\","
               " \"batas_tindak_lanjut\": \"2024-06-30\", \"tanggal\": \"2024-01-15\"}"},
    {"tindak_lanjut", "{\"arahan\": \"arahan-1\", \"wilayah_arahan\": \"32\","
                      " \"uraian\": \"Draft diajukan\", \"tanggal\": \"2024-04-02\","
                      " \"status\": \"selesai\"}"},
    {"verifikasi", "{\"koleksi\": \"kumuh\", \"kunci\": \"kumuh-2017\","
                   " \"wilayah_rekaman\": \"32.75.01.1001\", \"hasil\": \"perbaikan\","
                   " \"catatan\": \"Luas belum sesuai SK\", \"tanggal\": \"2024-05-20\"}"},
    {"rapat", "{\"judul\": \"Rakor KOTAKU\", \"tanggal\": \"2017-02-09\","
              " \"tempat\": \"Jakarta\", \"agenda\": \"Kesepakatan\","
              " \"peserta\": [\"TL Jawa Tengah\", \"TL Bengkulu\", \"Regapu\xe2\x80\x99u\"],"
              " \"jumlah_peserta\": 120, \"kesepakatan\": \"Kumuh 0 ha pada 2019\"}"},
    {"pencabutan",
     "{\"kunci\": \"0e6651d8593a623f479e98f7736c01bed554c2ebd10a54cca049babb7b3c659e\","
     " \"alasan\": \"kunci hilang\", \"tanggal\": \"2026-11-22\"}"},
    {"kesehatan_node",
     "{\"versi\": \"0.1\", \"mulai\": 1767225600, \"waktu\": 1767229200,"
     " \"tautan\": [\"peran=induk wilayah=32 kunci=29acbae141bccaf0 terhubung=ya kontak=1767229190"
     " lag_naik=0 lag_turun=2\"], \"lag_naik\": 0, \"lag_turun\": 2, \"belum_terkirim\": 1,"
     " \"belum_terkirim_byte\": 412, \"ditolak\": 3, \"ditolak_alasan\": [\"schema=3\"],"
     " \"fork\": 0, \"disk_terpakai\": 1048576, \"disk_bebas\": 5368709120,"
     " \"disk_penuh\": false}"},
    {"penerimaan",
     "{\"arahan\": \"arahan-1\", \"wilayah_arahan\": \"\", \"diterima\": 1767229200}"},
    {"jejak",
     "{\"koleksi\": \"kegiatan\", \"kunci\": \"keg-1\", \"wilayah_rekaman\": \"32.75\","
     " \"pengguna\": \"budi\", \"nama_pengguna\": \"Budi Santoso\", \"peran\": \"operator\","
     " \"tindakan\": \"rekam\"}"},
};

/* Encodes, checks the bytes are sorted and valid, decodes, and compares with the input. */
static void round_trip(const char *name, const char *text)
{
	const struct pk_collection *c = coll(name);
	json_t *in = parse(text), *out = json_object();
	uint8_t *val;
	size_t len, k = 0;
	const char *key;
	json_t *v;
	int rc;

	rc = recjson_encode(c, in, &val, &len, &diag);
	if (rc != 0)
		fail_msg("%s: %d %s", name, rc, diag.msg);
	assert_int_equal(pk_schema_validate(c, val, len, NULL), 0);
	assert_int_equal(recjson_decode(c, val, len, out), 0);
	if (!json_equal(in, out)) {
		char *a = json_dumps(in, JSON_SORT_KEYS), *b = json_dumps(out, JSON_SORT_KEYS);

		fail_msg("%s: round trip differs:\n  %s\n  %s", name, a, b);
	}
	/* Decoded members come in schema field order. */
	json_object_foreach(out, key, v)
	{
		while (k < c->nfields && strcmp(c->fields[k].name, key) != 0)
			k++;
		assert_true(k < c->nfields);
	}
	free(val);
	json_decref(in);
	json_decref(out);
}

static void test_round_trip_kegiatan(void **state)
{
	(void)state;
	round_trip("kegiatan", kegiatan_full);
}

static void test_round_trip_all(void **state)
{
	size_t n;

	(void)state;
	pk_schema_all(&n);
	assert_int_equal(sizeof(examples) / sizeof(examples[0]), n);
	for (size_t i = 0; i < n; i++)
		round_trip(examples[i].coll, examples[i].json);
}

/* The encoding itself: sorted keys, compact ints, float64 for numbers. */
static void test_encoding_bytes(void **state)
{
	json_t *in = parse("{\"tahun\": 2020, \"luas_ha\": 3}");
	static const uint8_t want[] = {
	    0x82,                                                 /* map of 2 */
	    0xa7, 'l',  'u',  'a',  's',  '_',  'h',  'a',        /* "luas_ha" first */
	    0xcb, 0x40, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 3.0 as float64 */
	    0xa5, 't',  'a',  'h',  'u',  'n',                    /* "tahun" */
	    0xcd, 0x07, 0xe4,                                     /* 2020 as uint16 */
	};
	uint8_t *val;
	size_t len;

	(void)state;
	assert_int_equal(recjson_encode(coll("kumuh"), in, &val, &len, &diag), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(val, want, sizeof(want));
	free(val);
	json_decref(in);
}

static void test_null_is_absent(void **state)
{
	json_t *in = parse("{\"nama\": \"x\", \"tahun\": 2024, \"bulan\": null, \"status\": null}");
	json_t *out = json_object();
	uint8_t *val;
	size_t len;

	(void)state;
	assert_int_equal(recjson_encode(coll("kegiatan"), in, &val, &len, &diag), 0);
	assert_int_equal(recjson_decode(coll("kegiatan"), val, len, out), 0);
	assert_int_equal(json_object_size(out), 2);
	assert_null(json_object_get(out, "bulan"));
	free(val);
	json_decref(in);
	json_decref(out);
}

static void test_real_for_int(void **state)
{
	json_t *in = parse("{\"nama\": \"x\", \"tahun\": 2024.0}");
	json_t *out = json_object();
	uint8_t *val;
	size_t len;

	(void)state;
	assert_int_equal(recjson_encode(coll("kegiatan"), in, &val, &len, &diag), 0);
	assert_int_equal(recjson_decode(coll("kegiatan"), val, len, out), 0);
	assert_true(json_is_integer(json_object_get(out, "tahun")));
	assert_int_equal(json_integer_value(json_object_get(out, "tahun")), 2024);
	free(val);
	json_decref(in);
	json_decref(out);
	assert_fails(encode_text("kegiatan", "{\"nama\": \"x\", \"tahun\": 2024.5}"), PK_ESCHEMA,
	             "field 'tahun': expected an integer, not 2024.5");
	assert_fails(
	    encode_text("kegiatan", "{\"nama\": \"x\", \"tahun\": 2024, \"biaya\": 1e300}"),
	    PK_ESCHEMA, "field 'biaya': expected an integer");
}

static void test_bad_input(void **state)
{
	(void)state;
	assert_fails(encode_text("kegiatan", "{\"nama\": \"x\", \"tahun\": \"dua ribu\"}"),
	             PK_ESCHEMA, "field 'tahun': \"dua ribu\" is not a whole number");
	assert_fails(encode_text("kegiatan", "{\"nama\": \"x\", \"tahun\": 2024, \"foo\": 1}"),
	             PK_ESCHEMA, "field 'foo': not a field of collection 'kegiatan'");
	assert_fails(encode_text("kegiatan", "{\"nama\": \"x\", \"tahun\": 2024, \"key\": \"k\"}"),
	             PK_ESCHEMA, "field 'key': given beside the value");
	assert_fails(
	    encode_text("kegiatan", "{\"nama\": \"x\", \"tahun\": 2024, \"wilayah\": \"\"}"),
	    PK_ESCHEMA, "field 'wilayah': given beside the value");
	assert_fails(
	    encode_text("kegiatan",
	                "{\"nama\": \"x\", \"tahun\": 2024, \"collection\": \"kegiatan\"}"),
	    PK_ESCHEMA, "field 'collection': given beside the value");
	assert_fails(encode_text("kegiatan", "{\"nama\": \"x\", \"tahun\": 2024, \"bulan\": 13}"),
	             PK_ESCHEMA, "field 'bulan': 13 is outside 1..12");
	assert_fails(encode_text("kegiatan",
	                         "{\"nama\": \"x\", \"tahun\": 2024, \"biaya\": 1000000000000001}"),
	             PK_ESCHEMA, "field 'biaya': 1000000000000001 is outside");
	assert_fails(encode_text("kegiatan", "{\"tahun\": 2024}"), PK_ESCHEMA,
	             "required field 'nama' is missing");
	assert_fails(encode_text("kegiatan", "{\"nama\": null, \"tahun\": 2024}"), PK_ESCHEMA,
	             "required field 'nama' is missing");
	assert_fails(encode_text("kegiatan", "{\"nama\": 5, \"tahun\": 2024}"), PK_ESCHEMA,
	             "field 'nama': expected a string, not an integer");
	assert_fails(encode_text("kegiatan", "{\"nama\": [\"x\"], \"tahun\": 2024}"), PK_ESCHEMA,
	             "field 'nama': expected a string, not an array");
	assert_fails(encode_text("kegiatan", "{\"nama\": \"x\", \"tahun\": true}"), PK_ESCHEMA,
	             "field 'tahun': expected an integer, not true/false");
	assert_fails(
	    encode_text("kegiatan", "{\"nama\": \"x\", \"tahun\": 2024, \"status\": \"x\"}"),
	    PK_ESCHEMA, "field 'status': \"x\" is not one of");
	assert_fails(encode_text("kumuh", "{\"tahun\": 2020, \"luas_ha\": \"dua\"}"), PK_ESCHEMA,
	             "field 'luas_ha': \"dua\" is not a number");
	assert_fails(encode_text("kumuh", "{\"tahun\": 2020, \"luas_ha\": true}"), PK_ESCHEMA,
	             "field 'luas_ha': expected a number, not true/false");
	assert_fails(encode_text("kumuh", "{\"tahun\": 2020, \"luas_ha\": -1}"), PK_ESCHEMA,
	             "field 'luas_ha': -1 is outside");
	assert_fails(encode_text("rapat", "{\"judul\": \"r\", \"tanggal\": \"2023-02-30\"}"),
	             PK_ESCHEMA,
	             "field 'tanggal': \"2023-02-30\" is not a date: February 2023 has no day 30");
	assert_fails(encode_text("rapat", "{\"judul\": \"r\", \"tanggal\": 20230228}"), PK_ESCHEMA,
	             "field 'tanggal': expected a date string");
	assert_fails(
	    encode_text("rapat", "{\"judul\": \"r\", \"tanggal\": \"2023-02-28\", \"peserta\": 5}"),
	    PK_ESCHEMA, "field 'peserta': expected an array of strings, not an integer");
	assert_fails(
	    encode_text("rapat",
	                "{\"judul\": \"r\", \"tanggal\": \"2023-02-28\", \"peserta\": [\"a\", 1]}"),
	    PK_ESCHEMA, "field 'peserta': item 2 is an integer, not a string");
	assert_fails(encode_text("arahan", "{\"judul\": \"j\", \"isi\": \"i\"}"), PK_ESCHEMA,
	             "required field 'wilayah_sasaran' is missing");
	assert_fails(
	    encode_text("arahan",
	                "{\"judul\": \"j\", \"isi\": \"i\", \"wilayah_sasaran\": \"3275\"}"),
	    PK_ESCHEMA,
	    "field 'wilayah_sasaran': '3275' is not a region code; did you mean 32.75 (Kota "
	    "Bekasi)?");
	assert_fails(encode_text("tindak_lanjut", "{\"arahan\": \"a/1\", \"uraian\": \"u\"}"),
	             PK_ESCHEMA, "field 'arahan': \"a/1\" is not a record key");
	/* JSON allows \u0000; record strings do not. */
	assert_fails(encode_text("kegiatan", "{\"nama\": \"a\\u0000b\", \"tahun\": 2024}"),
	             PK_ESCHEMA, "field 'nama': not valid UTF-8");
}

/* Every problem of a record at once, one per field, in one pass. */
static void test_all_problems(void **state)
{
	json_t *obj = parse("{\"bulan\": \"Maretz\", \"biaya\": \"1.5\", \"status\": \"x\","
	                    " \"anggaran\": 5, \"tahun\": \"2026\"}");
	struct rec_errors errs = {.n = 0, .more = 0};
	uint8_t *val = (uint8_t *)"x";
	size_t len = 9;

	(void)state;
	assert_int_equal(recjson_encode_input(coll("kegiatan"), obj, 0, &val, &len, &errs, 7),
	                 PK_ESCHEMA);
	assert_null(val);
	assert_int_equal(len, 0);
	assert_int_equal(errs.n, 5);
	for (size_t k = 0; k < errs.n; k++)
		assert_int_equal(errs.e[k].line, 7);
	/* In the object's order, then the required fields missing. */
	assert_non_null(strstr(errs.e[0].msg, "field 'bulan': \"Maretz\" is not a month"));
	assert_non_null(strstr(errs.e[1].msg, "field 'biaya': \"1.5\" is not a whole number"));
	assert_non_null(strstr(errs.e[2].msg, "field 'status': \"x\" is not one of"));
	assert_non_null(strstr(errs.e[3].msg, "field 'anggaran': not a field of collection"));
	assert_string_equal(errs.e[4].msg,
	                    "required field 'nama' is missing; every kegiatan record has one");
	/* The one-message form says how many more there are. */
	assert_fails(recjson_encode(coll("kegiatan"), obj, &val, &len, &diag), PK_ESCHEMA,
	             "field 'bulan': \"Maretz\" is not a month");
	assert_non_null(strstr(diag.msg, "(and 4 more problems)"));
	json_decref(obj);

	/* A field given but bad is not also called missing. */
	obj = parse("{\"nama\": 5, \"tahun\": \"dua\"}");
	errs.n = 0;
	assert_int_equal(recjson_encode_input(coll("kegiatan"), obj, 0, &val, &len, &errs, 0),
	                 PK_ESCHEMA);
	assert_int_equal(errs.n, 2);
	json_decref(obj);

	/* Forms people write, stored as the schema takes them. */
	obj = parse("{\"nama\": \"x\", \"tahun\": \"2026\", \"bulan\": \"Maret\","
	            " \"biaya\": \"Rp 15.000.000\", \"status\": \" Selesai \"}");
	assert_int_equal(
	    recjson_encode_input(coll("kegiatan"), obj, RECNORM_LISTED, &val, &len, &errs, 0), 0);
	json_decref(obj);
	obj = json_object();
	assert_int_equal(recjson_decode(coll("kegiatan"), val, len, obj), 0);
	assert_int_equal(json_integer_value(json_object_get(obj, "tahun")), 2026);
	assert_int_equal(json_integer_value(json_object_get(obj, "bulan")), 3);
	assert_int_equal(json_integer_value(json_object_get(obj, "biaya")), 15000000);
	assert_string_equal(json_string_value(json_object_get(obj, "status")), "selesai");
	free(val);
	json_decref(obj);
}

static void test_not_object(void **state)
{
	json_t *arr = parse("[1, 2]");
	uint8_t *val;
	size_t len;

	(void)state;
	assert_int_equal(recjson_encode(coll("kegiatan"), arr, &val, &len, &diag), PK_EINVAL);
	assert_int_equal(recjson_encode(NULL, arr, &val, &len, &diag), PK_EINVAL);
	assert_null(val);
	json_decref(arr);
}

static void test_sizes(void **state)
{
	static char big[PK_TEXT_MAX + 2];
	json_t *obj;
	uint8_t *val;
	size_t len;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	obj = json_pack("{s:s%, s:i}", "nama", big, (size_t)PK_STR_MAX + 1, "tahun", 2024);
	assert_fails(recjson_encode(coll("kegiatan"), obj, &val, &len, &diag), PK_ESCHEMA,
	             "field 'nama': 1025 bytes, more than the limit of 1024");
	json_decref(obj);

	obj = json_pack("{s:s, s:i, s:s%, s:s%}", "nama", "x", "tahun", 2024, "tujuan", big,
	                (size_t)PK_TEXT_MAX, "asumsi", big, (size_t)PK_TEXT_MAX);
	assert_fails(recjson_encode(coll("kegiatan"), obj, &val, &len, &diag), PK_ETOOBIG,
	             "more than the limit of 65536");
	json_object_del(obj, "asumsi");
	assert_int_equal(recjson_encode(coll("kegiatan"), obj, &val, &len, &diag), 0);
	assert_true(len > PK_TEXT_MAX);
	free(val);
	json_decref(obj);

	obj = json_pack("{s:s, s:s, s:[]}", "judul", "r", "tanggal", "2020-01-01", "peserta");
	for (int i = 0; i < PK_LIST_MAX + 1; i++)
		json_array_append_new(json_object_get(obj, "peserta"), json_string("p"));
	assert_fails(recjson_encode(coll("rapat"), obj, &val, &len, &diag), PK_ESCHEMA,
	             "field 'peserta': 501 items, more than the limit of 500");
	json_array_remove(json_object_get(obj, "peserta"), 0);
	assert_int_equal(recjson_encode(coll("rapat"), obj, &val, &len, &diag), 0);
	free(val);
	json_decref(obj);
}

static void test_decode_bad(void **state)
{
	const struct pk_collection *c = coll("kegiatan");
	json_t *in = parse(kegiatan_full);
	json_t *out = parse("{\"key\": \"k1\"}");
	static const uint8_t unknown[] = {0x81, 0xa3, 'f', 'o', 'o', 0x01};
	static const uint8_t wrong[] = {0x81, 0xa5, 't', 'a', 'h', 'u', 'n', 0xa1, 'x'};
	static const uint8_t dup[] = {0x82, 0xa5, 't', 'a', 'h', 'u', 'n', 0x01,
	                              0xa5, 't',  'a', 'h', 'u', 'n', 0x02};
	static const uint8_t badutf8[] = {0x81, 0xa4, 'n', 'a', 'm', 'a', 0xa1, 0xff};
	uint8_t *val;
	size_t len;

	(void)state;
	assert_int_equal(recjson_decode(c, unknown, sizeof(unknown), out), PK_EDECODE);
	assert_int_equal(recjson_decode(c, wrong, sizeof(wrong), out), PK_EDECODE);
	assert_int_equal(recjson_decode(c, dup, sizeof(dup), out), PK_EDECODE);
	assert_int_equal(recjson_decode(c, badutf8, sizeof(badutf8), out), PK_EDECODE);
	assert_int_equal(recjson_decode(c, NULL, 0, out), PK_EDECODE);
	/* Failed decodes leave obj as it was. */
	assert_int_equal(json_object_size(out), 1);

	assert_int_equal(recjson_encode(c, in, &val, &len, &diag), 0);
	for (size_t cut = 0; cut < len; cut++)
		assert_int_equal(recjson_decode(c, val, cut, out), PK_EDECODE);
	assert_int_equal(json_object_size(out), 1);
	/* A good decode adds to what obj holds. */
	assert_int_equal(recjson_decode(c, val, len, out), 0);
	assert_int_equal(json_object_size(out), 1 + json_object_size(in));
	assert_string_equal(json_string_value(json_object_get(out, "key")), "k1");
	free(val);
	json_decref(in);
	json_decref(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_kegiatan), cmocka_unit_test(test_round_trip_all),
	    cmocka_unit_test(test_encoding_bytes),      cmocka_unit_test(test_null_is_absent),
	    cmocka_unit_test(test_real_for_int),        cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_not_object),          cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_decode_bad),          cmocka_unit_test(test_all_problems),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
