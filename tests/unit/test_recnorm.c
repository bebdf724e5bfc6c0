/* test_recnorm.c: field values as people write them (cli/recnorm.h): every accepted form and
 * every refusal's message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The unit test Makefile rule links only the libraries, so the CLI modules are compiled in here. */
#include "cli/recnorm.c"
#include "cli/sheet.c"

static struct pk_diag diag;

static const struct pk_field *field(const char *coll, const char *name)
{
	const struct pk_collection *c = pk_schema_find(coll, strlen(coll));
	const struct pk_field *f = c != NULL ? pk_schema_field(c, name, strlen(name)) : NULL;

	assert_non_null(f);
	return f;
}

/* Normalises the JSON text `in` as the value of coll.name; returns the result code, the value
 * as compact JSON text in *text (malloc'd) on success, the message in diag on failure. */
static int norm(const char *coll, const char *name, const char *in, unsigned how, char **text)
{
	json_error_t e;
	json_t *v = json_loads(in, JSON_DECODE_ANY, &e), *out = (json_t *)&diag;
	int rc;

	if (v == NULL)
		fail_msg("bad test JSON: %s: %s", e.text, in);
	memset(&diag, 0, sizeof(diag));
	rc = recnorm_value(field(coll, name), v, how, &out, &diag);
	json_decref(v);
	*text = NULL;
	if (rc == 0) {
		assert_non_null(out);
		*text = json_dumps(out, JSON_COMPACT | JSON_ENCODE_ANY);
		json_decref(out);
	} else {
		assert_null(out);
	}
	return rc;
}

/* coll.name given `in` (JSON text) comes out as `want` (JSON text). */
static void accepts(const char *coll, const char *name, const char *in, unsigned how,
                    const char *want)
{
	char *got;
	int rc = norm(coll, name, in, how, &got);

	if (rc != 0)
		fail_msg("%s.%s %s: refused: %s", coll, name, in, diag.msg);
	if (strcmp(got, want) != 0)
		fail_msg("%s.%s %s: got %s, wanted %s", coll, name, in, got, want);
	free(got);
}

/* coll.name given `in` is refused with a message containing `want`. */
static void refuses(const char *coll, const char *name, const char *in, unsigned how,
                    const char *want)
{
	char *got;
	int rc = norm(coll, name, in, how, &got);

	if (rc != PK_ESCHEMA || strstr(diag.msg, want) == NULL)
		fail_msg("%s.%s %s: got %d %s \"%s\", wanted \"%s\"", coll, name, in, rc,
		         got ? got : "", diag.msg, want);
}

static void test_rupiah(void **state)
{
	(void)state;
	accepts("kegiatan", "biaya", "\"Rp 15.000.000\"", 0, "15000000");
	accepts("kegiatan", "biaya", "\"Rp15.000.000,-\"", 0, "15000000");
	accepts("kegiatan", "biaya", "\"rp. 15.000.000\"", 0, "15000000");
	accepts("kegiatan", "biaya", "\"15.000.000\"", 0, "15000000");
	accepts("kegiatan", "biaya", "\"15000000\"", 0, "15000000");
	accepts("kegiatan", "biaya", "\" 15.000.000,00 \"", 0, "15000000");
	accepts("kegiatan", "biaya", "15000000", 0, "15000000");
	accepts("kegiatan", "biaya", "15000000.0", 0, "15000000");
	/* In every dialect of CSV too. */
	accepts("kegiatan", "biaya", "\"Rp 15.000.000\"", RECNORM_POINT, "15000000");
	accepts("kegiatan", "biaya", "\"Rp 15.000.000,-\"", RECNORM_COMMA, "15000000");
	refuses("kegiatan", "biaya", "\"1.5\"", 0,
	        "field 'biaya': \"1.5\" is not a whole number: a dot groups thousands, three "
	        "digits at a time (1.500 is one thousand five hundred)");
	refuses("kegiatan", "biaya", "\"12.5\"", RECNORM_POINT, "is not a whole number: a dot");
	refuses("kegiatan", "biaya", "\"15.000.000,50\"", 0,
	        "field 'biaya': \"15.000.000,50\" has a fraction; the field takes a whole number");
	refuses("kegiatan", "biaya", "\"1.50.000\"", 0,
	        "field 'biaya': \"1.50.000\" is not an amount of rupiah; write it as 15000000, "
	        "15.000.000 or Rp 15.000.000");
	refuses("kegiatan", "biaya", "\"lima juta\"", 0, "is not an amount of rupiah");
	refuses("kegiatan", "biaya", "\"Rp\"", 0, "is not an amount of rupiah");
	refuses("kegiatan", "biaya", "\"-5\"", 0, "field 'biaya': -5 is outside 0..");
	refuses("kegiatan", "biaya", "\"99999999999999999999\"", 0,
	        "field 'biaya': \"99999999999999999999\" is outside 0..1000000000000000");
	refuses("kegiatan", "biaya", "1.5", 0, "field 'biaya': expected an integer, not 1.5");
	refuses("kegiatan", "biaya", "true", 0,
	        "field 'biaya': expected an integer, not true/false");
}

static void test_whole_numbers(void **state)
{
	(void)state;
	accepts("kegiatan", "jumlah_peserta", "\"1.250\"", 0, "1250");
	accepts("kegiatan", "jumlah_peserta", "\"1.250\"", RECNORM_POINT, "1250");
	accepts("kegiatan", "jumlah_peserta", "\" 40 \"", 0, "40");
	accepts("kegiatan", "tahun", "\"2026\"", 0, "2026");
	accepts("kegiatan", "tahun", "2026", 0, "2026");
	refuses("kegiatan", "tahun", "\"Rp 2026\"", 0,
	        "field 'tahun': \"Rp 2026\" is not an amount of rupiah; write the whole number "
	        "without Rp");
	refuses("kegiatan", "tahun", "\"2o26\"", 0,
	        "field 'tahun': \"2o26\" is not a whole number; write it with digits (1250), dots "
	        "may group thousands (1.250)");
	refuses("kegiatan", "tahun", "\"\"", 0, "field 'tahun': \"\" is not a whole number");
	refuses("kegiatan", "tahun", "\"1999\"", 0, "field 'tahun': 1999 is outside 2000..2100");
	refuses("kegiatan", "tahun", "\"2e3\"", 0, "is not a whole number");
	refuses("kegiatan", "jumlah_peserta", "\"12,5\"", RECNORM_POINT, "is not a whole number");
}

static void test_fractions(void **state)
{
	(void)state;
	accepts("indikator", "capaian", "\"15.000.000,50\"", 0, "15000000.5");
	accepts("indikator", "capaian", "\"12,5\"", 0, "12.5");
	accepts("indikator", "capaian", "\"12.5\"", 0, "12.5");
	accepts("indikator", "capaian", "\"-0,75\"", 0, "-0.75");
	accepts("indikator", "capaian", "\"1.250.000\"", 0, "1250000.0");
	accepts("indikator", "capaian", "62.5", 0, "62.5");
	accepts("indikator", "capaian", "7", 0, "7");
	/* The ';' dialect of CSV: "1.250" groups; the ',' dialect: a dot is a decimal point. */
	accepts("kumuh", "luas_ha", "\"1.250\"", RECNORM_COMMA, "1250.0");
	accepts("kumuh", "luas_ha", "\"13,75\"", RECNORM_COMMA, "13.75");
	accepts("kumuh", "luas_ha", "\"1.250\"", RECNORM_POINT, "1.25");
	accepts("indikator", "capaian", "\"-2.5e-7\"", RECNORM_POINT, "-2.4999999999999999e-7");
	accepts("indikator", "capaian", "\"-2,5e-7\"", RECNORM_COMMA, "-2.4999999999999999e-7");
	refuses("indikator", "capaian", "\"1.250\"", 0,
	        "field 'capaian': \"1.250\" could be a fraction or a thousands group; write a "
	        "fraction with a decimal comma (1,25) and a whole number without dots (1250)");
	refuses("indikator", "capaian", "\"12,5\"", RECNORM_POINT,
	        "field 'capaian': \"12,5\" is not a number; write it as 12.5 (this file has ',' "
	        "between cells, so a dot is the decimal point)");
	refuses("indikator", "capaian", "\"1,2,3\"", 0,
	        "field 'capaian': \"1,2,3\" is not a number; write it as 12,5 or 1.250.000 (a "
	        "decimal comma, dots grouping thousands)");
	refuses("indikator", "capaian", "\"1.2,5\"", 0, "is not a number");
	refuses("indikator", "capaian", "\"12.\"", 0, "is not a number");
	refuses("kumuh", "luas_ha", "\"-1\"", 0, "field 'luas_ha': -1 is outside 0..1000000");
	refuses("kumuh", "luas_ha", "\"1e999\"", RECNORM_POINT, "is outside 0..1000000");
}

static void test_months(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} names[] = {
	    {"\"Maret\"", "3"},     {"\"mar\"", "3"},
	    {"\"MARET\"", "3"},     {"\"Agustus\"", "8"},
	    {"\"agu\"", "8"},       {"\"Agt\"", "8"},
	    {"\"Agt.\"", "8"},      {"\"August\"", "8"},
	    {"\"Januari\"", "1"},   {"\"Pebruari\"", "2"},
	    {"\"Mei\"", "5"},       {"\"May\"", "5"},
	    {"\"Juni\"", "6"},      {"\"Juli\"", "7"},
	    {"\"Sept\"", "9"},      {"\"Okt\"", "10"},
	    {"\"Nopember\"", "11"}, {"\"Desember\"", "12"},
	    {"\" des \"", "12"},    {"\"3\"", "3"},
	    {"\"03\"", "3"},        {"3", "3"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		accepts("kegiatan", "bulan", names[i].in, 0, names[i].want);
	accepts("kegiatan", "bulan", "\"Maret\"", RECNORM_COMMA, "3");
	refuses("kegiatan", "bulan", "\"Maretz\"", 0,
	        "field 'bulan': \"Maretz\" is not a month; did you mean Maret? (1 to 12 or a "
	        "month's name: Maret, Mar, March)");
	refuses("kegiatan", "bulan", "\"xyz\"", 0,
	        "field 'bulan': \"xyz\" is not a month; write 1 to 12 or a month's name (Maret, "
	        "Mar, March)");
	refuses("kegiatan", "bulan", "\"13\"", 0, "field 'bulan': 13 is outside 1..12");
	refuses("kegiatan", "bulan", "13", 0, "field 'bulan': 13 is outside 1..12");
	/* Names are for month fields only. */
	refuses("kegiatan", "tahun", "\"Maret\"", 0, "field 'tahun': \"Maret\" is not a whole");
}

static void test_dates(void **state)
{
	(void)state;
	accepts("rapat", "tanggal", "\"2026-08-17\"", 0, "\"2026-08-17\"");
	accepts("rapat", "tanggal", "\"17 Agustus 2026\"", 0, "\"2026-08-17\"");
	accepts("rapat", "tanggal", "\"17 agt 2026\"", 0, "\"2026-08-17\"");
	accepts("rapat", "tanggal", "\"17 August 2026\"", 0, "\"2026-08-17\"");
	accepts("rapat", "tanggal", "\"17-08-2026\"", 0, "\"2026-08-17\"");
	accepts("rapat", "tanggal", "\"17/08/2026\"", 0, "\"2026-08-17\"");
	accepts("rapat", "tanggal", "\"17.08.2026\"", 0, "\"2026-08-17\"");
	accepts("rapat", "tanggal", "\"7/8/2026\"", 0, "\"2026-08-07\"");
	accepts("rapat", "tanggal", "\" 2026-8-7 \"", 0, "\"2026-08-07\"");
	accepts("rapat", "tanggal", "\"29 Februari 2024\"", RECNORM_COMMA, "\"2024-02-29\"");
	refuses("rapat", "tanggal", "\"31 Februari 2026\"", 0,
	        "field 'tanggal': \"31 Februari 2026\" is not a date: February 2026 has no day 31");
	refuses("rapat", "tanggal", "\"29-02-2026\"", 0, "February 2026 has no day 29");
	refuses("rapat", "tanggal", "\"2026-04-31\"", 0, "April 2026 has no day 31");
	refuses("rapat", "tanggal", "\"0/08/2026\"", 0, "August 2026 has no day 0");
	refuses(
	    "rapat", "tanggal", "\"08/17/2026\"", 0,
	    "field 'tanggal': \"08/17/2026\" is not a date: there is no month 17 (the day comes "
	    "first: 17/08/2026)");
	refuses("rapat", "tanggal", "\"17/08/26\"", 0,
	        "field 'tanggal': \"17/08/26\" has no four-digit year; write it as 17/08/2026 or "
	        "2026-08-17");
	refuses("rapat", "tanggal", "\"17 Agustus 1850\"", 0,
	        "field 'tanggal': \"17 Agustus 1850\" is not a date this system takes: the year "
	        "must be 1900 to 2999");
	refuses("rapat", "tanggal", "\"besok\"", 0,
	        "field 'tanggal': \"besok\" is not a date; write it as 2026-08-17, 17-08-2026, "
	        "17/08/2026 or 17 Agustus 2026 (the day first)");
	refuses("rapat", "tanggal", "\"17 Agustus 2026 10:00\"", 0, "is not a date; write it");
	refuses("rapat", "tanggal", "\"17 Agustusan 2026\"", 0, "is not a date; write it");
	refuses("rapat", "tanggal", "20260817", 0,
	        "field 'tanggal': expected a date string YYYY-MM-DD, not an integer");
}

static void test_choices(void **state)
{
	(void)state;
	accepts("dokumen", "status", "\"Disahkan\"", 0, "\"disahkan\"");
	accepts("dokumen", "status", "\"  DISAHKAN \"", RECNORM_POINT, "\"disahkan\"");
	accepts("dokumen", "jenis", "\"buku  putih sanitasi\"", 0, "\"Buku Putih Sanitasi\"");
	accepts("dokumen", "jenis", "\"rp3kp\"", 0, "\"RP3KP\"");
	accepts("pokja", "jenis", "\"kotaku\"", 0, "\"KOTAKU\"");
	refuses("dokumen", "status", "\"Disahkn\"", 0,
	        "field 'status': \"Disahkn\" is not one of \"draf\", \"final\", \"disahkan\"; did "
	        "you mean \"disahkan\"?");
	refuses("dokumen", "jenis", "\"Perdaa\"", 0, "; did you mean \"Perda\"?");
	/* Far from every choice: the list alone. */
	refuses("dokumen", "status", "\"x\"", 0,
	        "field 'status': \"x\" is not one of \"draf\", \"final\", \"disahkan\"");
	refuses("kegiatan", "status", "\"dibatalkan sekali\"", 0, "is not one of \"rencana\"");
	refuses("dokumen", "status", "3", 0, "field 'status': expected a string, not an integer");
}

static void test_regions(void **state)
{
	struct pk_diag d;

	(void)state;
	accepts("arahan", "wilayah_sasaran", "\"32.75\"", RECNORM_LISTED, "\"32.75\"");
	accepts("arahan", "wilayah_sasaran", "\" 32.75 \"", RECNORM_LISTED, "\"32.75\"");
	accepts("arahan", "wilayah_sasaran", "\"\"", RECNORM_LISTED, "\"\"");
	/* Without RECNORM_LISTED (a record as stored) a well-formed code need not be listed. */
	accepts("arahan", "wilayah_sasaran", "\"32.99\"", 0, "\"32.99\"");
	refuses("arahan", "wilayah_sasaran", "\"32.99\"", RECNORM_LISTED,
	        "field 'wilayah_sasaran': region '32.99' is not on the official Kemendagri list "
	        "(find a code by name with 'pokjactl wilayah NAME')");
	refuses("arahan", "wilayah_sasaran", "\"3275\"", 0,
	        "field 'wilayah_sasaran': '3275' is not a region code; did you mean 32.75 (Kota "
	        "Bekasi)?");
	refuses("verifikasi", "wilayah_rekaman", "\"327501\"", RECNORM_LISTED,
	        "'327501' is not a region code; did you mean 32.75.01 (");
	refuses("verifikasi", "wilayah_rekaman", "\"3275011001\"", RECNORM_LISTED,
	        "'3275011001' is not a region code; did you mean 32.75.01.1001 (");
	/* Digits that name no listed code: the forms, no guess. */
	refuses("arahan", "wilayah_sasaran", "\"9999\"", RECNORM_LISTED,
	        "field 'wilayah_sasaran': '9999' is not a region code (forms: 32, 32.75, "
	        "32.75.01, 32.75.01.1001; \"\" for the whole country)");
	refuses("arahan", "wilayah_sasaran", "\"32.7\"", 0, "'32.7' is not a region code (forms");
	assert_int_equal(recnorm_region("3275", 4, true, &d), PK_EREGION);
	assert_string_equal(d.msg,
	                    "'3275' is not a region code; did you mean 32.75 (Kota Bekasi)?");
	assert_int_equal(recnorm_region("32.75", 5, true, &d), 0);
	assert_int_equal(recnorm_region("", 0, true, &d), 0);
	assert_non_null(pk_wilayah_undotted("3275", 4));
	assert_string_equal(pk_wilayah_undotted("3275", 4)->code, "32.75");
	assert_null(pk_wilayah_undotted("32", 2));
	assert_null(pk_wilayah_undotted("32a5", 4));
	assert_null(pk_wilayah_undotted("9999", 4));
}

static void test_other_types(void **state)
{
	(void)state;
	accepts("kesehatan_node", "disk_penuh", "\"Ya\"", 0, "true");
	accepts("kesehatan_node", "disk_penuh", "\" tidak \"", 0, "false");
	accepts("kesehatan_node", "disk_penuh", "\"TRUE\"", 0, "true");
	accepts("kesehatan_node", "disk_penuh", "false", 0, "false");
	refuses("kesehatan_node", "disk_penuh", "\"mungkin\"", 0,
	        "field 'disk_penuh': \"mungkin\" is not true or false (ya/tidak and benar/salah "
	        "also do)");
	refuses("kesehatan_node", "disk_penuh", "1", 0,
	        "field 'disk_penuh': expected true or false, not an integer");
	accepts("rapat", "peserta", "\"Bappeda, Dinas PU ,,\"", 0, "[\"Bappeda\",\"Dinas PU\"]");
	accepts("rapat", "peserta", "\"[\\\"a, b\\\", \\\"c\\\"]\"", 0, "[\"a, b\",\"c\"]");
	accepts("rapat", "peserta", "\"\"", 0, "[]");
	accepts("rapat", "peserta", "[\"a\"]", 0, "[\"a\"]");
	refuses("rapat", "peserta", "\"[\\\"a\\\"\"", 0,
	        "field 'peserta': \"[\"a\"\" is not a list; write JSON array text such as "
	        "[\"a\",\"b\"] or the items with commas between them (a, b)");
	refuses("rapat", "peserta", "[\"a\", 1]", 0,
	        "field 'peserta': item 2 is an integer, not a string");
	refuses("rapat", "peserta", "\"[1]\"", 0, "field 'peserta': item 1 is an integer");
	/* Text is taken as it is, spaces and case too; a key is trimmed. */
	accepts("kegiatan", "nama", "\" Rapat  Pokja \"", 0, "\" Rapat  Pokja \"");
	accepts("kegiatan", "indikator", "\" ind-1 \"", 0, "\"ind-1\"");
	refuses("kegiatan", "indikator", "\"a/1\"", 0,
	        "field 'indikator': \"a/1\" is not a record key");
	refuses("kegiatan", "nama", "12", 0, "field 'nama': expected a string, not an integer");
	refuses("pencabutan", "kunci", "\"ABC\"", 0, "is not 64 lower-case hex digits");
}

/* A long or hostile value is shown cut and without control characters. */
static void test_shown(void **state)
{
	char *got;

	(void)state;
	assert_int_equal(norm("kegiatan", "tahun",
	                      "\"\\n12345678901234567890123456789012345678901234567890\"", 0, &got),
	                 PK_ESCHEMA);
	assert_non_null(strstr(diag.msg, "\"?123456789012345678901234567890123456789...\""));
	assert_null(strchr(diag.msg, '\n'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rupiah),    cmocka_unit_test(test_whole_numbers),
	    cmocka_unit_test(test_fractions), cmocka_unit_test(test_months),
	    cmocka_unit_test(test_dates),     cmocka_unit_test(test_choices),
	    cmocka_unit_test(test_regions),   cmocka_unit_test(test_other_types),
	    cmocka_unit_test(test_shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
