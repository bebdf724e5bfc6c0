/*
 * schema.c: the pokja collections, and validation of encoded record values.
 *
 * The table below is the schema: validation, the CLI's JSON conversion and `pokjactl schema` all
 * read it, so a field is added here and nowhere else. Changing a field's type or range changes
 * which changesets every node accepts, so it is a protocol change (proto/SPEC.md, "Records").
 */
#include "schema.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mpread.h"
#include "region.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Limits for fields the documents give no bound for: generous, but far from overflow. */
#define COUNT_MAX 100000000LL         /* households, houses, people */
#define RUPIAH_MAX 1000000000000000LL /* 10^15 rupiah */
#define NUM_LIMIT 1000000000000000LL  /* any other number */

/* clang-format off */
static const char *const jenis_pokja[] = {"PKP", "Sanitasi", "KOTAKU", NULL};
static const char *const tim_anggota[] = {"pengarah", "pelaksana", "sekretariat", NULL};
static const char *const bidang_gugus[] = {"Advokasi dan Komunikasi", "Koordinasi dan Sinergi",
	"Fasilitasi", "Peran serta Masyarakat", NULL};
static const char *const status_kegiatan[] = {"rencana", "berjalan", "selesai", "batal", NULL};
static const char *const jenis_dokumen[] = {"RP3KP", "RPJMD", "Renstra", "Buku Putih Sanitasi",
	"SSK", "Memorandum Program", "RPLP", "Perda", "SK", "lainnya", NULL};
static const char *const status_dokumen[] = {"draf", "final", "disahkan", NULL};
static const char *const status_tindak[] = {"direncanakan", "dilaksanakan", "selesai", NULL};
static const char *const hasil_verifikasi[] = {"diterima", "ditolak", "perbaikan", NULL};
static const char *const peran_pengguna[] = {"operator", "verifikator", "pimpinan", "admin", NULL};
static const char *const tindakan_web[] = {"rekam", "ubah", "hapus", "verifikasi", NULL};

/* The collection names, for verifikasi.koleksi; test_schema checks they match the table. */
static const char *const koleksi[] = {"pokja", "anggota", "gugus_tugas", "kegiatan", "indikator",
	"dokumen", "kumuh", "arahan", "tindak_lanjut", "verifikasi", "rapat", "pencabutan",
	"kesehatan_node", "penerimaan", "jejak", NULL};

/*
 * A field of each type. The description d is English and stays so here: JSON output and
 * proto/SPEC.md's Appendix A show it as it is, and cli/sheet.c and cli/recnorm.c read words in it.
 * The Makefile's pot target takes each macro's d (and COLL's) into the catalog as a msgid, and
 * pokjactl translates it where people read it: `pokjactl schema` as text, the xlsx template.
 */
#define STR(n, req, d) {.name = n, .type = PK_T_STR, .required = req, .doc = d}
#define HEX(n, req, digits, d) \
	{.name = n, .type = PK_T_STR, .required = req, .hex_digits = digits, .doc = d}
#define TEXT(n, req, d) {.name = n, .type = PK_T_TEXT, .required = req, .doc = d}
#define INT(n, req, lo, hi, d) \
	{.name = n, .type = PK_T_INT, .required = req, .min = lo, .max = hi, .doc = d}
#define NUM(n, req, lo, hi, d) \
	{.name = n, .type = PK_T_NUM, .required = req, .min = lo, .max = hi, .doc = d}
#define DATE(n, req, d) {.name = n, .type = PK_T_DATE, .required = req, .doc = d}
#define ENUM(n, req, ch, d) {.name = n, .type = PK_T_ENUM, .required = req, .choices = ch, .doc = d}
#define REGION(n, req, d) {.name = n, .type = PK_T_REGION, .required = req, .doc = d}
#define REF(n, req, d) {.name = n, .type = PK_T_REF, .required = req, .doc = d}
/* A ref to a record of collection `to` in the record's own region or one enclosing it. */
#define REFTO(n, req, to, d) \
	{.name = n, .type = PK_T_REF, .required = req, .ref_coll = to, .doc = d}
/* A ref to a record of collection `to` in the region its sibling field rf names. */
#define REFIN(n, req, to, rf, d) \
	{.name = n, .type = PK_T_REF, .required = req, .ref_coll = to, .ref_region_field = rf, .doc = d}
/* A ref whose collection and region are the values of two sibling fields. */
#define REFAT(n, req, cf, rf, d)                                                             \
	{.name = n, .type = PK_T_REF, .required = req, .ref_coll_field = cf,                  \
	 .ref_region_field = rf, .doc = d}
#define BOOL(n, req, d) {.name = n, .type = PK_T_BOOL, .required = req, .doc = d}
#define STRLIST(n, req, d) {.name = n, .type = PK_T_STRLIST, .required = req, .doc = d}
#define COLL(n, f, d) {.name = n, .doc = d, .fields = f, .nfields = ARRAY_SIZE(f)}

static const struct pk_field pokja_fields[] = {
	STR("nama", true, "name of the working group, as in its decree"),
	ENUM("jenis", true, jenis_pokja,
	     "type: PKP (housing and settlements), Sanitasi (PPSP) or KOTAKU (slums)"),
	STR("sk_nomor", false, "number of the regional head's decree (SK) that set the group up"),
	DATE("sk_tanggal", false, "date of that decree"),
	INT("tahap_ppsp", false, 1, 6,
	    "PPSP stage: 1-3 campaign to strategy; 4-6 memorandum, implementation, evaluation"),
	STR("ketua", false, "chair of the executive team (ketua pokja)"),
	STR("sekretaris", false, "secretary, who leads the secretariat"),
	STR("alamat", false, "address of the secretariat"),
	TEXT("keterangan", false, "notes"),
};

static const struct pk_field anggota_fields[] = {
	STR("nama", true, "the member's name"),
	STR("instansi", false, "institution: agency (SKPD), university, NGO, ..."),
	ENUM("tim", false, tim_anggota, "team: steering, executive or secretariat"),
	STR("jabatan", false, "position in the group (ketua, sekretaris, anggota, ...)"),
	REFTO("gugus_tugas", false, "gugus_tugas", "key of the member's task force (gugus_tugas record)"),
	REFTO("pokja", false, "pokja", "key of the working group (pokja record)"),
	STR("telepon", false, "telephone number (personal data)"),
	STR("email", false, "e-mail address (personal data)"),
};

static const struct pk_field gugus_tugas_fields[] = {
	STR("nama", true, "name of the task force"),
	ENUM("bidang", false, bidang_gugus, "area of work"),
	STR("ketua", false, "who leads it"),
	TEXT("tugas", false, "its duties"),
	REFTO("pokja", false, "pokja", "key of the working group (pokja record)"),
};

static const struct pk_field kegiatan_fields[] = {
	STR("nama", true, "name of the activity"),
	STR("strategi", false, "the strategy it serves (e.g. quality assurance of the RP3KP)"),
	TEXT("tujuan", false, "goal"),
	TEXT("target_hasil", false, "target output"),
	INT("tahun", true, 2000, 2100, "year"),
	INT("bulan", false, 1, 12, "month, 1-12"),
	INT("jumlah_peserta", false, 0, 10000000, "number of participants"),
	INT("biaya", false, 0, RUPIAH_MAX, "cost in rupiah"),
	STR("sumber_biaya", false, "funding source: APBN, APBD, DAK, swasta, ..."),
	STR("penanggung_jawab", false, "person or office responsible"),
	TEXT("asumsi", false, "assumptions"),
	ENUM("status", false, status_kegiatan, "planned, running, done or cancelled"),
	REFTO("gugus_tugas", false, "gugus_tugas", "key of the task force that runs it (gugus_tugas record)"),
	REFTO("indikator", false, "indikator", "key of the success indicator it serves (indikator record)"),
};

static const struct pk_field indikator_fields[] = {
	STR("nama", true, "what is measured"),
	STR("strategi", false, "the strategy it measures"),
	STR("target", false, "the target, as written (e.g. \"Perda RP3KP ditetapkan\")"),
	STR("satuan", false, "unit of capaian (%, ha, dokumen, ...)"),
	NUM("capaian", false, -NUM_LIMIT, NUM_LIMIT, "achievement so far, in satuan"),
	INT("tahun", false, 2000, 2100, "year"),
};

static const struct pk_field dokumen_fields[] = {
	ENUM("jenis", true, jenis_dokumen, "kind of planning or legal document"),
	STR("judul", true, "title"),
	STR("nomor", false, "decree or regulation number"),
	DATE("tanggal", false, "date issued"),
	INT("tahun", false, 1900, 2100, "year"),
	INT("tahap", false, 1, 6, "PPSP stage the document belongs to"),
	ENUM("status", false, status_dokumen, "draft, final or enacted"),
	STR("tautan", false, "link (URL) or file reference"),
};

static const struct pk_field kumuh_fields[] = {
	INT("tahun", true, 2000, 2100, "year of the survey"),
	NUM("luas_ha", true, 0, 1000000, "slum area in hectares (the target is 0)"),
	INT("jumlah_kk", false, 0, COUNT_MAX, "households in the slum area"),
	INT("jumlah_rumah", false, 0, COUNT_MAX, "houses in the slum area"),
	STR("lembaga", false, "community body (BKM/LKM)"),
	REFTO("rplp", false, "dokumen", "key of the settlement plan (dokumen record of jenis RPLP)"),
	TEXT("keterangan", false, "notes"),
};

static const struct pk_field arahan_fields[] = {
	STR("judul", true, "title of the directive"),
	TEXT("isi", true, "its text"),
	STR("dasar_hukum", false, "legal basis"),
	REGION("wilayah_sasaran", true, "region it is addressed to (\"\" = the whole country)"),
	DATE("batas_tindak_lanjut", false, "deadline for follow-up"),
	DATE("tanggal", false, "date issued"),
};

static const struct pk_field tindak_lanjut_fields[] = {
	REFIN("arahan", true, "arahan", "wilayah_arahan",
	      "key of the directive followed up (arahan record)"),
	REGION("wilayah_arahan", false,
	       "region of that arahan record; writers set it, and a record without it is read "
	       "by its key alone (SPEC section 21)"),
	TEXT("uraian", true, "what was done or is planned"),
	DATE("tanggal", false, "date"),
	ENUM("status", false, status_tindak, "planned, carried out or complete"),
};

/* A node's receipt of an arahan that targets it, written by its own pokjad (SPEC section 21):
 * one per arahan, key pk_penerimaan_key (proto/arahan.h). */
static const struct pk_field penerimaan_fields[] = {
	REFIN("arahan", true, "arahan", "wilayah_arahan",
	      "key of the directive received (arahan record)"),
	REGION("wilayah_arahan", true, "region of that arahan record"),
	INT("diterima", true, 0, 1LL << 53, "when this node's pokjad first held it, Unix seconds"),
};

/* Who wrote a record through the web application (SPEC section 22): one per record, in the
 * changeset that writes the record, key "koleksi:wilayah_rekaman:kunci" (pk_jejak_key), so that
 * its versions name the person of each version the web wrote. */
static const struct pk_field jejak_fields[] = {
	ENUM("koleksi", true, koleksi, "collection of the record written"),
	STR("kunci", true, "key of the record written"),
	REGION("wilayah_rekaman", true, "region of the record written"),
	STR("pengguna", true, "the account that wrote it, at the writing node"),
	STR("nama_pengguna", false, "the account's full name"),
	ENUM("peran", true, peran_pengguna, "the account's role"),
	ENUM("tindakan", true, tindakan_web, "what the account did: created, edited, deleted or gave a verdict"),
};

static const struct pk_field verifikasi_fields[] = {
	ENUM("koleksi", true, koleksi, "collection of the record verified"),
	REFAT("kunci", true, "koleksi", "wilayah_rekaman", "key of the record verified"),
	REGION("wilayah_rekaman", true, "region of the record verified"),
	ENUM("hasil", true, hasil_verifikasi, "verdict: accepted, rejected or needs correction"),
	TEXT("catatan", false, "notes for the lower node"),
	DATE("tanggal", false, "date of the verdict"),
};

static const struct pk_field rapat_fields[] = {
	STR("judul", true, "title of the meeting or forum"),
	DATE("tanggal", true, "date"),
	STR("tempat", false, "place"),
	TEXT("agenda", false, "agenda"),
	STRLIST("peserta", false, "participants (names or institutions)"),
	INT("jumlah_peserta", false, 0, 10000000, "number of participants"),
	TEXT("kesepakatan", false, "agreements reached"),
};

/* A revocation: the store acts on it (proto/SPEC.md section 8, step 12, and section 9). */
static const struct pk_field pencabutan_fields[] = {
	HEX("kunci", true, 64, "public key of the node whose certificate is revoked (64 hex digits)"),
	TEXT("alasan", false, "reason for the revocation"),
	DATE("tanggal", false, "date of the revocation"),
};

/* A node's replication health, written by its own pokjad (SPEC section 20): one record per
 * node, key = its region code ("nasional" for the national node), overwritten (LWW) each time. */
#define HEALTH_MAX (1LL << 53) /* counts, bytes and Unix seconds: exact in a JSON number */
static const struct pk_field kesehatan_node_fields[] = {
	STR("versi", true, "version of the node's pokjad"),
	INT("mulai", true, 0, HEALTH_MAX, "when the node's pokjad started, Unix seconds"),
	INT("waktu", true, 0, HEALTH_MAX, "when this record was written, Unix seconds"),
	STRLIST("tautan", false,
	        "links: one item per parent or child, space-separated name=value pairs (SPEC "
	        "section 20)"),
	INT("lag_naik", false, 0, HEALTH_MAX, "changesets the parent lacks, as last counted"),
	INT("lag_turun", false, 0, HEALTH_MAX, "changesets this node lacks from the parent"),
	INT("belum_terkirim", false, 0, HEALTH_MAX,
	    "changesets of this node's subtree not yet acknowledged by its parent"),
	INT("belum_terkirim_byte", false, 0, HEALTH_MAX, "their size in bytes"),
	INT("ditolak", false, 0, HEALTH_MAX, "changesets refused here, all reasons together"),
	STRLIST("ditolak_alasan", false, "refusals by reason: items TAG=COUNT (SPEC section 19)"),
	INT("fork", false, 0, HEALTH_MAX, "origins this node holds as forked"),
	INT("disk_terpakai", false, 0, HEALTH_MAX, "size of the store's data file, bytes"),
	INT("disk_bebas", false, 0, HEALTH_MAX, "free bytes on the device holding the store"),
	BOOL("disk_penuh", false, "the device is (nearly) full or a write failed for lack of room"),
};

static const struct pk_collection collections[] = {
	COLL("pokja", pokja_fields, "working group profile: type, decree, PPSP stage"),
	COLL("anggota", anggota_fields, "member of a working group"),
	COLL("gugus_tugas", gugus_tugas_fields, "task force of a working group"),
	COLL("kegiatan", kegiatan_fields, "activity: goal, time, participants, cost, status"),
	COLL("indikator", indikator_fields, "success indicator of a strategy"),
	COLL("dokumen", dokumen_fields, "planning or legal document (RP3KP, SSK, Perda, SK, ...)"),
	COLL("kumuh", kumuh_fields, "slum area of a kelurahan in one year (KOTAKU)"),
	COLL("arahan", arahan_fields, "directive from a higher node to the regions below it, filed under its writer's region"),
	COLL("tindak_lanjut", tindak_lanjut_fields, "a lower node's follow-up to a directive, filed under its writer's region"),
	COLL("verifikasi", verifikasi_fields, "a higher node's verdict on a lower node's record (koleksi, wilayah_rekaman, kunci), filed under its writer's region"),
	COLL("rapat", rapat_fields, "meeting or forum: agenda, participants, agreements"),
	COLL("pencabutan", pencabutan_fields,
	     "revocation of a node's certificate by a node whose region covers it, filed under the revoker's region (SPEC section 9)"),
	COLL("kesehatan_node", kesehatan_node_fields,
	     "a node's replication health, written by its own pokjad (SPEC section 20)"),
	COLL("penerimaan", penerimaan_fields,
	     "a node's receipt of a directive that targets it, written by its own pokjad (SPEC "
	     "section 21)"),
	COLL("jejak", jejak_fields,
	     "who wrote a record through the web application, written in the same changeset as "
	     "the record (SPEC section 22)"),
};
/* clang-format on */

/* Validation tracks the fields seen in one 64-bit mask. */
#define FIELDS_MAX 64

const struct pk_collection *pk_schema_all(size_t *n)
{
	if (n != NULL)
		*n = ARRAY_SIZE(collections);
	return collections;
}

const struct pk_collection *pk_schema_find(const char *name, size_t len)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(collections); i++)
		if (strlen(collections[i].name) == len &&
		    memcmp(collections[i].name, name, len) == 0)
			return &collections[i];
	return NULL;
}

const struct pk_field *pk_schema_field(const struct pk_collection *c, const char *name, size_t len)
{
	if (c == NULL || name == NULL || len == 0)
		return NULL;
	/* The first byte rules out most fields before a strlen (called per member of every
	 * record an import reads). */
	for (size_t i = 0; i < c->nfields; i++)
		if (c->fields[i].name[0] == name[0] && strlen(c->fields[i].name) == len &&
		    memcmp(c->fields[i].name, name, len) == 0)
			return &c->fields[i];
	return NULL;
}

const char *pk_ftype_name(enum pk_ftype t)
{
	switch (t) {
	case PK_T_STR:
		return "str";
	case PK_T_TEXT:
		return "text";
	case PK_T_INT:
		return "int";
	case PK_T_NUM:
		return "num";
	case PK_T_BOOL:
		return "bool";
	case PK_T_DATE:
		return "date";
	case PK_T_ENUM:
		return "enum";
	case PK_T_REGION:
		return "region";
	case PK_T_REF:
		return "ref";
	case PK_T_STRLIST:
		return "strlist";
	}
	return "invalid";
}

bool pk_key_valid(const char *key, size_t len)
{
	if (key == NULL || len == 0 || len > PK_KEY_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = key[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == ':' || ch == '-'))
			return false;
	}
	return true;
}

size_t pk_utf8_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

bool pk_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c;
		uint32_t cp, min;
		size_t more;
		uint64_t v;

		/* Eight bytes at a time while they are ASCII without a NUL (most text is). */
		while (len - i >= 8) {
			memcpy(&v, p + i, 8);
			if ((v & 0x8080808080808080ull) != 0 ||
			    ((v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull) != 0)
				break;
			i += 8;
		}
		if (i == len)
			break;
		c = p[i];
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			more = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			more = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			more = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i - 1 < more)
			return false;
		for (size_t k = 1; k <= more; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += more + 1;
	}
	return true;
}

/* True for "YYYY-MM-DD" naming a real day of a year in 1900..2999. */
static bool date_valid(const char *s, size_t len)
{
	static const unsigned char mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, day, lim;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || y > 2999 || m < 1 || m > 12 || day < 1)
		return false;
	lim = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		lim = 29;
	return day <= lim;
}

/*
 * Copies bytes from the input into buf for an error message: printable ASCII as is, anything else
 * as '?', at most 40 bytes and then "...", so a hostile name cannot garble a log line.
 */
static const char *shown(const char *s, size_t len, char *buf, size_t size)
{
	size_t n = 0, limit = size - 4;

	for (size_t i = 0; i < len && n < limit; i++, n++)
		buf[n] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

const char *pk_field_choices(const struct pk_field *f, char *buf, size_t cap)
{
	size_t used = 0;

	buf[0] = '\0';
	for (const char *const *ch = f->choices; ch != NULL && *ch != NULL && used < cap; ch++) {
		int w = snprintf(buf + used, cap - used, "%s\"%s\"", used ? ", " : "", *ch);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

static int check_enum(const struct pk_field *f, const char *s, size_t len, struct pk_diag *d)
{
	char list[160], sbuf[48];

	for (const char *const *ch = f->choices; *ch != NULL; ch++)
		if (strlen(*ch) == len && memcmp(*ch, s, len) == 0)
			return 0;
	pk_field_choices(f, list, sizeof(list));
	return pk_diagf(d, PK_ESCHEMA, "field '%s': \"%s\" is not one of %s", f->name,
	                shown(s, len, sbuf, sizeof(sbuf)), list);
}

/* True for exactly `digits` characters of 0-9 a-f (how keys are written for people). */
static bool lower_hex(const char *s, size_t len, unsigned digits)
{
	if (len != digits)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Checks a string value against a string-typed field (everything but INT, NUM, BOOL). */
static int check_string(const struct pk_field *f, const char *s, uint32_t len, struct pk_diag *d)
{
	uint32_t limit = f->type == PK_T_TEXT ? PK_TEXT_MAX : PK_STR_MAX;
	char buf[48];

	if (len > limit)
		return pk_diagf(d, PK_ESCHEMA, "field '%s': %u bytes, more than the limit of %u",
		                f->name, len, limit);
	if (!pk_utf8_valid(s, len))
		return pk_diagf(d, PK_ESCHEMA, "field '%s': not valid UTF-8 text (or contains NUL)",
		                f->name);
	switch (f->type) {
	case PK_T_STR:
	case PK_T_TEXT:
		if (f->hex_digits != 0 && !lower_hex(s, len, f->hex_digits))
			return pk_diagf(d, PK_ESCHEMA,
			                "field '%s': \"%s\" is not %u lower-case hex digits",
			                f->name, shown(s, len, buf, sizeof(buf)), f->hex_digits);
		if (len == 0 && f->required)
			return pk_diagf(d, PK_ESCHEMA, "field '%s': must not be empty", f->name);
		return 0;
	case PK_T_STRLIST:
		return 0;
	case PK_T_DATE:
		if (!date_valid(s, len))
			return pk_diagf(d, PK_ESCHEMA,
			                "field '%s': \"%s\" is not a calendar date YYYY-MM-DD "
			                "(years 1900-2999)",
			                f->name, shown(s, len, buf, sizeof(buf)));
		return 0;
	case PK_T_ENUM:
		return check_enum(f, s, len, d);
	case PK_T_REGION:
		if (!pk_region_valid(s, len))
			return pk_diagf(
			    d, PK_ESCHEMA,
			    "field '%s': \"%s\" is not a region code (PP, PP.KK, PP.KK.CC "
			    "or PP.KK.CC.NNNN)",
			    f->name, shown(s, len, buf, sizeof(buf)));
		return 0;
	case PK_T_REF:
		if (!pk_key_valid(s, len))
			return pk_diagf(
			    d, PK_ESCHEMA,
			    "field '%s': \"%s\" is not a record key (1-%d of A-Z a-z 0-9 . _ "
			    ": -)",
			    f->name, shown(s, len, buf, sizeof(buf)), PK_KEY_MAX);
		return 0;
	case PK_T_INT:
	case PK_T_NUM:
	case PK_T_BOOL:
		break;
	}
	return pk_diagf(d, PK_EINVAL, "field '%s': not a string field", f->name);
}

int pk_field_check_int(const struct pk_field *f, int64_t v, struct pk_diag *d)
{
	if (f->type != PK_T_INT)
		return pk_diagf(d, PK_EINVAL, "field '%s': not an integer field", f->name);
	if (v < f->min || v > f->max)
		return pk_diagf(d, PK_ESCHEMA, "field '%s': %lld is outside %lld..%lld", f->name,
		                (long long)v, (long long)f->min, (long long)f->max);
	return 0;
}

int pk_field_check_num(const struct pk_field *f, double v, struct pk_diag *d)
{
	if (f->type != PK_T_NUM)
		return pk_diagf(d, PK_EINVAL, "field '%s': not a number field", f->name);
	if (!isfinite(v))
		return pk_diagf(d, PK_ESCHEMA, "field '%s': not a finite number", f->name);
	if (v < (double)f->min || v > (double)f->max)
		return pk_diagf(d, PK_ESCHEMA, "field '%s': %g is outside %lld..%lld", f->name, v,
		                (long long)f->min, (long long)f->max);
	return 0;
}

int pk_field_check_str(const struct pk_field *f, const char *s, size_t len, struct pk_diag *d)
{
	/* Longer than any string field allows, whatever uint32_t makes of it. */
	if (len > PK_TEXT_MAX)
		len = PK_TEXT_MAX + 1;
	return check_string(f, s, (uint32_t)len, d);
}

/* The "expected ..." message for a value of the wrong type: one whole sentence per type, so that
 * each is a catalog message of its own. */
static int wrong_type(const struct pk_field *f, struct pk_diag *d)
{
	switch (f->type) {
	case PK_T_INT:
		return pk_diagf(d, PK_ESCHEMA, "field '%s': expected an integer", f->name);
	case PK_T_NUM:
		return pk_diagf(d, PK_ESCHEMA, "field '%s': expected a number", f->name);
	case PK_T_BOOL:
		return pk_diagf(d, PK_ESCHEMA, "field '%s': expected true or false", f->name);
	case PK_T_DATE:
		return pk_diagf(d, PK_ESCHEMA, "field '%s': expected a date string YYYY-MM-DD",
		                f->name);
	case PK_T_STRLIST:
		return pk_diagf(d, PK_ESCHEMA, "field '%s': expected an array of strings", f->name);
	default:
		return pk_diagf(d, PK_ESCHEMA, "field '%s': expected a string", f->name);
	}
}

/* Reads one field value from r and checks it against f. */
static int check_value(const struct pk_field *f, struct pk_mpr *r, struct pk_diag *d)
{
	enum pk_mpt t = pk_mpr_peek(r);
	const char *s;
	uint32_t len, n;
	int64_t i;
	uint64_t u;
	double v;
	bool b;

	if (pk_mpr_left(r) == 0)
		return pk_diagf(d, PK_EDECODE, "field '%s': the value is missing (input ends)",
		                f->name);
	if (t == PK_MPT_NONE)
		return pk_diagf(d, PK_EDECODE, "field '%s': unsupported msgpack type 0x%02x",
		                f->name, *r->p);
	if (t == PK_MPT_NIL)
		return pk_diagf(d, PK_ESCHEMA,
		                "field '%s': null is not allowed; leave the field out", f->name);
	switch (f->type) {
	case PK_T_INT:
		if (t != PK_MPT_UINT && t != PK_MPT_INT)
			break;
		if (pk_mpr_int(r, &i) != 0) {
			/* Either truncated, or an unsigned value above INT64_MAX. */
			if (pk_mpr_uint(r, &u) != 0)
				return pk_diagf(d, PK_EDECODE, "field '%s': truncated integer",
				                f->name);
			return pk_diagf(d, PK_ESCHEMA, "field '%s': %llu is outside %lld..%lld",
			                f->name, (unsigned long long)u, (long long)f->min,
			                (long long)f->max);
		}
		return pk_field_check_int(f, i, d);
	case PK_T_NUM:
		if (t != PK_MPT_UINT && t != PK_MPT_INT && t != PK_MPT_FLOAT)
			break;
		if (pk_mpr_num(r, &v) != 0)
			return pk_diagf(d, PK_EDECODE, "field '%s': truncated number", f->name);
		return pk_field_check_num(f, v, d);
	case PK_T_BOOL:
		if (t != PK_MPT_BOOL)
			break;
		return pk_mpr_bool(r, &b);
	case PK_T_STRLIST:
		if (t != PK_MPT_ARRAY)
			break;
		if (pk_mpr_array(r, &n) != 0)
			return pk_diagf(
			    d, PK_EDECODE,
			    "field '%s': array header is truncated or counts more items "
			    "than there are bytes",
			    f->name);
		if (n > PK_LIST_MAX)
			return pk_diagf(d, PK_ESCHEMA,
			                "field '%s': %u items, more than the limit of %d", f->name,
			                n, PK_LIST_MAX);
		for (uint32_t k = 0; k < n; k++) {
			int err;

			if (pk_mpr_peek(r) != PK_MPT_STR)
				return pk_diagf(d, PK_ESCHEMA,
				                "field '%s': item %u is not a string", f->name,
				                k + 1);
			if (pk_mpr_str(r, &s, &len) != 0)
				return pk_diagf(d, PK_EDECODE, "field '%s': item %u is truncated",
				                f->name, k + 1);
			err = check_string(f, s, len, d);
			if (err != 0)
				return err;
		}
		return 0;
	default:
		if (t != PK_MPT_STR)
			break;
		if (pk_mpr_str(r, &s, &len) != 0)
			return pk_diagf(d, PK_EDECODE, "field '%s': truncated string", f->name);
		return check_string(f, s, len, d);
	}
	return wrong_type(f, d);
}

/* memcmp order, a proper prefix first: the order msgpack map keys must follow. */
static int keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

int pk_schema_validate(const struct pk_collection *c, const uint8_t *value, size_t len,
                       struct pk_diag *d)
{
	struct pk_mpr r;
	const char *prev = NULL, *name;
	uint32_t prev_len = 0, name_len, count;
	uint64_t seen = 0;
	char buf[48];
	int err;

	if (c == NULL || c->nfields > FIELDS_MAX || (value == NULL && len > 0))
		return pk_diagf(d, PK_EINVAL, "no collection or no value to validate");
	if (len > PK_VALUE_MAX_BYTES)
		return pk_diagf(d, PK_ETOOBIG,
		                "record value is %zu bytes, more than the limit of %u", len,
		                PK_VALUE_MAX_BYTES);
	if (len == 0)
		return pk_diagf(d, PK_EDECODE, "record value is empty, not a msgpack map");
	pk_mpr_init(&r, value, len);
	if (pk_mpr_peek(&r) != PK_MPT_MAP)
		return pk_diagf(d, PK_EDECODE, "record value is not a msgpack map");
	/* pk_mpr_map refuses a count that would need more pairs than there are bytes left. */
	if (pk_mpr_map(&r, &count) != 0)
		return pk_diagf(d, PK_EDECODE,
		                "record value: map header is truncated or counts more fields than "
		                "there are bytes");
	for (uint32_t k = 0; k < count; k++) {
		const struct pk_field *f;

		if (pk_mpr_peek(&r) != PK_MPT_STR || pk_mpr_str(&r, &name, &name_len) != 0)
			return pk_diagf(
			    d, PK_EDECODE,
			    "record value: field name %u is missing, truncated or not a "
			    "string",
			    k + 1);
		f = pk_schema_field(c, name, name_len);
		if (f == NULL) {
			shown(name, name_len, buf, sizeof(buf));
			if (keycmp(name, name_len, "wilayah", 7) == 0 ||
			    keycmp(name, name_len, "key", 3) == 0)
				return pk_diagf(d, PK_ESCHEMA,
				                "field '%s': the record's key and region travel "
				                "beside the value, not in it",
				                buf);
			return pk_diagf(d, PK_ESCHEMA, "field '%s': not a field of collection '%s'",
			                buf, c->name);
		}
		if (prev != NULL) {
			int order = keycmp(prev, prev_len, name, name_len);

			if (order == 0)
				return pk_diagf(d, PK_ESCHEMA, "field '%s': appears twice",
				                f->name);
			if (order > 0)
				return pk_diagf(d, PK_ESCHEMA,
				                "field '%s': out of order (field names must be in "
				                "ascending bytewise order)",
				                f->name);
		}
		err = check_value(f, &r, d);
		if (err != 0)
			return err;
		seen |= (uint64_t)1 << (f - c->fields);
		prev = name;
		prev_len = name_len;
	}
	if (pk_mpr_left(&r) != 0)
		return pk_diagf(d, PK_EDECODE, "record value: trailing bytes after the map (%zu)",
		                pk_mpr_left(&r));
	for (size_t k = 0; k < c->nfields; k++)
		if (c->fields[k].required && !(seen & (uint64_t)1 << k))
			return pk_diagf(d, PK_ESCHEMA, "required field '%s' is missing",
			                c->fields[k].name);
	return 0;
}
