/*
 * cmd_rekap.c: `pokjactl rekap`, the recap reports a Pokja secretariat or the ministry asks for:
 * kegiatan (activities, participants and budgets by funding source, per region, funding source,
 * strategy or status), arahan (which targeted kabupaten/kota have followed each directive up)
 * and kumuh (slum hectares per region per year).
 *
 * Each report reads its collection once through store_list, which copies records out page by
 * page, and keeps one accumulator per cell of the report (per group, per group and funding
 * source, per group and year, per directive and targeted district): memory grows with the size
 * of the report, not with the number of records. The report is built in memory (it is small)
 * and written at the end, to stdout or atomically to -o FILE, so a failure never leaves half a
 * report behind. The store is opened read-only.
 *
 * Rupiah are summed in unsigned 128-bit integers: a record holds at most 10^15, so no store can
 * overflow them, and totals print exactly, also in JSON, which is why JSON is written here
 * rather than with jansson (whose integers stop at 2^63 - 1). Areas are summed in whole square
 * metres (luas_ha to 4 decimals), so totals do not depend on the order of float additions.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "proto/record.h"
#include "proto/region.h"
#include "proto/schema.h"
#include "proto/wilayah.h"

typedef unsigned __int128 u128;

enum report { REP_KEGIATAN, REP_ARAHAN, REP_KUMUH };
enum fmt { FMT_TEXT, FMT_CSV, FMT_JSON };
enum by { BY_WILAYAH, BY_SUMBER, BY_STRATEGI, BY_STATUS };

static const char *const report_names[] = {"kegiatan", "arahan", "kumuh", NULL};
static const char *const by_names[] = {"wilayah", "sumber_biaya", "strategi", "status", NULL};
/* --level values and the words for levels in output, indexed by enum pk_level. */
static const char *const level_names[] = {"nasional",  "provinsi", "kabupaten",
                                          "kecamatan", "desa",     NULL};
static const char *const level_titles[] = {"nasional", "provinsi", "kabupaten/kota", "kecamatan",
                                           "desa/kelurahan"};
/* Length of a code truncated to each level: "", "32", "32.75", "32.75.01", "32.75.01.1001". */
static const size_t level_len[] = {0, 2, 5, 8, 13};

/* The status values of kegiatan (schema order), then a slot for records without one. */
static const char *const statuses[] = {"rencana", "berjalan", "selesai", "batal"};
#define NSTATUS 5
#define ST_BATAL 3
#define ST_NONE 4

#define TEXT_CELL_MAX 40 /* display width of free text (names, titles) in a text table */
#define TEXT_LIST_MAX 10 /* districts listed under a directive in a text report */

/* What every report shares: the options and where output goes. */
struct rekap {
	enum fmt fmt;
	enum by by;
	char region[PK_REGION_MAX + 1];
	int level; /* the level rows are grouped at (wilayah grouping) */
	int tahun; /* 0: every year */
	FILE *out; /* an in-memory stream */
	size_t bad;
	bool nomem;
};

/* ---- a map from byte strings to dense indexes ---------------------------------------------- */

/*
 * Each distinct key gets the next index (0, 1, ...) and a zeroed value of vsize bytes; open
 * addressing with FNV-1a hashes, kept at most half full. Sized by the distinct keys only.
 */
struct smap {
	char **keys; /* NUL-terminated copies */
	size_t *lens;
	unsigned char *vals;
	size_t vsize, n, cap;
	uint32_t *slots; /* index + 1; 0 is empty */
	size_t nslots;   /* a power of two */
};

static uint64_t hash_bytes(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* The index of key, or -1 with *slot the empty slot where it would go. */
static long smap_find(const struct smap *m, const void *key, size_t len, size_t *slot)
{
	size_t mask = m->nslots - 1, i = (size_t)hash_bytes(key, len) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t s = m->slots[i];

		if (s == 0) {
			*slot = i;
			return -1;
		}
		if (m->lens[s - 1] == len && memcmp(m->keys[s - 1], key, len) == 0) {
			*slot = i;
			return (long)s - 1;
		}
	}
}

static long smap_get(const struct smap *m, const void *key, size_t len)
{
	size_t slot;

	return m->nslots == 0 ? -1 : smap_find(m, key, len, &slot);
}

static int smap_rehash(struct smap *m, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots));

	if (slots == NULL)
		return PK_ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		size_t j = (size_t)hash_bytes(m->keys[i], m->lens[i]) & (nslots - 1);

		while (slots[j] != 0)
			j = (j + 1) & (nslots - 1);
		slots[j] = (uint32_t)(i + 1);
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
	return 0;
}

/* The index of key, added when new; -1 when out of memory. */
static long smap_put(struct smap *m, const void *key, size_t len)
{
	size_t slot, ncap;
	long i;
	char *k;

	if ((m->n + 1) * 2 > m->nslots && smap_rehash(m, m->nslots ? m->nslots * 2 : 64) != 0)
		return -1;
	if ((i = smap_find(m, key, len, &slot)) >= 0)
		return i;
	if (m->n >= UINT32_MAX - 1)
		return -1;
	if (m->n == m->cap) {
		ncap = m->cap ? m->cap * 2 : 16;
		char **nk = realloc(m->keys, ncap * sizeof(*nk));
		if (nk == NULL)
			return -1;
		m->keys = nk;
		size_t *nl = realloc(m->lens, ncap * sizeof(*nl));
		if (nl == NULL)
			return -1;
		m->lens = nl;
		if (m->vsize > 0) {
			unsigned char *nv = realloc(m->vals, ncap * m->vsize);
			if (nv == NULL)
				return -1;
			memset(nv + m->cap * m->vsize, 0, (ncap - m->cap) * m->vsize);
			m->vals = nv;
		}
		m->cap = ncap;
	}
	if ((k = malloc(len + 1)) == NULL)
		return -1;
	memcpy(k, key, len);
	k[len] = '\0';
	m->keys[m->n] = k;
	m->lens[m->n] = len;
	m->slots[slot] = (uint32_t)(m->n + 1);
	return (long)m->n++;
}

static void *smap_val(const struct smap *m, size_t i)
{
	return m->vals + i * m->vsize;
}

static void smap_free(struct smap *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->lens);
	free(m->vals);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* A cell key: two indexes (group and source, or group and year). */
struct pair {
	uint32_t a, b;
};

/* ---- numbers ------------------------------------------------------------------------------- */

#define NUM_BUF 64

/* The decimal digits of v. */
static char *dec(u128 v, char buf[NUM_BUF])
{
	char tmp[NUM_BUF];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

/* v for people, thousands separated by '.' as written in Indonesia: 1.250.000. */
static char *grouped(u128 v, char buf[NUM_BUF])
{
	char d[NUM_BUF];
	size_t n = strlen(dec(v, d)), o = 0;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = '.';
		buf[o++] = d[i];
	}
	buf[o] = '\0';
	return buf;
}

/* An area in square metres as hectares for people: two decimals after a comma, 1.250,75. */
static char *ha_text(uint64_t m2, char buf[NUM_BUF])
{
	uint64_t h = (m2 + 50) / 100; /* hundredths of a hectare, rounded half up */
	char whole[NUM_BUF];

	snprintf(buf, NUM_BUF, "%s,%02u", grouped(h / 100, whole), (unsigned)(h % 100));
	return buf;
}

/* An area in square metres as an exact number of hectares for machines: 12.5, 3.0, 0.0001. */
static char *ha_plain(uint64_t m2, char buf[NUM_BUF])
{
	unsigned frac = (unsigned)(m2 % 10000);
	int digits = 4;

	if (frac == 0) {
		snprintf(buf, NUM_BUF, "%llu.0", (unsigned long long)(m2 / 10000));
		return buf;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	snprintf(buf, NUM_BUF, "%llu.%0*u", (unsigned long long)(m2 / 10000), digits, frac);
	return buf;
}

/* ---- text tables --------------------------------------------------------------------------- */

/* Cells as strings; columns are as wide as their widest cell, numbers right-aligned. Row 0 is
 * the header. A row may carry a note: lines printed under it. */
struct table {
	size_t ncols, nrows, cap;
	char **cells; /* nrows * ncols, row-major */
	char **notes;
	bool *right;
	bool nomem;
};

static void tbl_init(struct table *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	if ((t->right = calloc(ncols ? ncols : 1, sizeof(*t->right))) == NULL)
		t->nomem = true;
}

static size_t tbl_row(struct table *t)
{
	if (t->nomem)
		return 0;
	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, ncap * t->ncols * sizeof(*nc) + 1);
		if (nc == NULL) {
			t->nomem = true;
			return 0;
		}
		t->cells = nc;
		char **nn = realloc(t->notes, ncap * sizeof(*nn));
		if (nn == NULL) {
			t->nomem = true;
			return 0;
		}
		t->notes = nn;
		t->cap = ncap;
	}
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = NULL;
	t->notes[t->nrows] = NULL;
	return t->nrows++;
}

/* The number of characters (UTF-8 code points) in s, taken as its display width. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* Sets a cell to s, cut to max characters (0: no limit) with "..." at the end. */
static void tbl_set(struct table *t, size_t row, size_t col, const char *s, size_t max)
{
	size_t len = strlen(s), keep = len;
	char *copy;

	if (t->nomem)
		return;
	if (max > 3 && width(s) > max) {
		size_t w = 0;
		for (keep = 0; keep < len; keep++) {
			if (((unsigned char)s[keep] & 0xc0) != 0x80 && w++ == max - 3)
				break;
		}
	}
	if ((copy = malloc(keep + 4)) == NULL) {
		t->nomem = true;
		return;
	}
	memcpy(copy, s, keep);
	strcpy(copy + keep, keep < len ? "..." : "");
	free(t->cells[row * t->ncols + col]);
	t->cells[row * t->ncols + col] = copy;
}

static void tbl_head(struct table *t, size_t col, const char *name, bool right)
{
	if (t->nrows == 0)
		tbl_row(t);
	tbl_set(t, 0, col, name, 0);
	if (!t->nomem)
		t->right[col] = right;
}

static void tbl_num(struct table *t, size_t row, size_t col, u128 v)
{
	char b[NUM_BUF];

	tbl_set(t, row, col, grouped(v, b), 0);
}

static void tbl_note(struct table *t, size_t row, char *note)
{
	if (t->nomem) {
		free(note);
		return;
	}
	free(t->notes[row]);
	t->notes[row] = note;
}

static void tbl_print(struct table *t, FILE *f)
{
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));

	if (w == NULL || t->nomem) {
		t->nomem = true;
		free(w);
		return;
	}
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t cw = s ? width(s) : 0;
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t pad = w[c] - (s ? width(s) : 0);

			if (c > 0)
				fputs("  ", f);
			if (t->right[c])
				fprintf(f, "%*s", (int)pad, "");
			fputs(s ? s : "", f);
			if (!t->right[c] && c + 1 < t->ncols)
				fprintf(f, "%*s", (int)pad, "");
		}
		fputc('\n', f);
		if (t->notes[r] != NULL)
			fputs(t->notes[r], f);
	}
	free(w);
}

static void tbl_free(struct table *t)
{
	for (size_t i = 0; t->cells != NULL && i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	for (size_t i = 0; t->notes != NULL && i < t->nrows; i++)
		free(t->notes[i]);
	free(t->cells);
	free(t->notes);
	free(t->right);
}

/* ---- JSON output --------------------------------------------------------------------------- */

/* A small pretty-printing JSON writer (two spaces per level, as `get --json`). */
struct jw {
	FILE *f;
	int depth;
	bool first, after_key;
};

static void jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0)
		fprintf(w->f, "%s\n%*s", w->first ? "" : ",", 2 * w->depth, "");
	w->first = false;
}

static void jw_escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\r')
			fputs("\\r", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void jw_open(struct jw *w, char bracket)
{
	jw_sep(w);
	fputc(bracket, w->f);
	w->depth++;
	w->first = true;
}

static void jw_close(struct jw *w, char bracket)
{
	w->depth--;
	if (!w->first)
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	fputc(bracket, w->f);
	w->first = false;
	if (w->depth == 0)
		fputc('\n', w->f);
}

static void jw_key(struct jw *w, const char *k)
{
	jw_sep(w);
	jw_escaped(w->f, k);
	fputs(": ", w->f);
	w->after_key = true;
}

static void jw_str(struct jw *w, const char *s)
{
	jw_sep(w);
	if (s == NULL)
		fputs("null", w->f);
	else
		jw_escaped(w->f, s);
}

/* A number already written as JSON text (or "null"). */
static void jw_raw(struct jw *w, const char *text)
{
	jw_sep(w);
	fputs(text, w->f);
}

static void jw_num(struct jw *w, u128 v)
{
	char b[NUM_BUF];

	jw_raw(w, dec(v, b));
}

static void jw_kstr(struct jw *w, const char *k, const char *s)
{
	jw_key(w, k);
	jw_str(w, s);
}

static void jw_knum(struct jw *w, const char *k, u128 v)
{
	jw_key(w, k);
	jw_num(w, v);
}

/* ---- CSV ----------------------------------------------------------------------------------- */

static void csv_num(struct csv *w, u128 v)
{
	char b[NUM_BUF];

	csv_str(w, dec(v, b));
}

/* ---- reading record fields ----------------------------------------------------------------- */

struct fget {
	const char *name;
	bool present;
	int64_t i;     /* PK_T_INT fields */
	double d;      /* PK_T_NUM fields */
	const char *s; /* string fields, into the record value: valid during the store callback */
	uint32_t slen;
};

/*
 * Reads the fields named in f[0..n) from a stored value of collection coll (proto/record.h);
 * other fields are passed over. Returns 0, or PK_EDECODE when the value is not a record of
 * coll or a field has another type (only a damaged store holds such a value: the store
 * validates every record).
 */
static int get_fields(const char *coll, const uint8_t *v, size_t len, struct fget *f, size_t n)
{
	struct pk_rec r;
	struct pk_rec_val val;

	for (size_t i = 0; i < n; i++) {
		f[i].present = false;
		f[i].slen = 0;
	}
	if (pk_record_open(&r, pk_schema_find(coll, strlen(coll)), v, len) != 0)
		return PK_EDECODE;
	for (size_t i = 0; i < n; i++) {
		int err = pk_record_get_named(&r, f[i].name, &val);

		if (err == PK_ENOTFOUND)
			continue;
		if (err != 0 || val.slen > UINT32_MAX)
			return PK_EDECODE;
		f[i].present = true;
		f[i].i = val.i;
		f[i].d = val.d;
		f[i].s = val.s;
		f[i].slen = (uint32_t)val.slen;
	}
	return 0;
}

/*
 * A free-text field (sumber_biaya, strategi) made comparable: blanks at the ends dropped and
 * runs of blanks inside made one space (into disp), ASCII letters lowered too (into key), so
 * that "APBD", " apbd " and "Apbd" count as one funding source. Returns the length, 0 when
 * the field is absent or blank. Both buffers hold PK_STR_MAX + 1 bytes; f->slen is at most
 * PK_STR_MAX (the caller checks).
 */
static size_t norm_text(const struct fget *f, char *disp, char *key)
{
	size_t n = 0;
	bool blank = false;

	for (uint32_t i = 0; f->present && i < f->slen; i++) {
		char ch = f->s[i];

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			blank = n > 0;
			continue;
		}
		if (blank) {
			disp[n] = key[n] = ' ';
			n++;
			blank = false;
		}
		disp[n] = ch;
		key[n] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
		n++;
	}
	disp[n] = key[n] = '\0';
	return n;
}

/* Keeps in *label the spelling that sorts first bytewise, so that which one a report shows
 * does not depend on the order records are read in. */
static int keep_label(char **label, const char *disp)
{
	char *copy;

	if (*label != NULL && strcmp(disp, *label) >= 0)
		return 0;
	if ((copy = strdup(disp)) == NULL)
		return PK_ENOMEM;
	free(*label);
	*label = copy;
	return 0;
}

/* ---- regions ------------------------------------------------------------------------------- */

/* How many bytes of a record's region name its group at `level`: the record's own region when
 * that lies above the level (a provincial record when grouping by kabupaten/kota). */
static size_t group_len(const char *region, int level)
{
	size_t len = strlen(region);

	return len > level_len[level] ? level_len[level] : len;
}

static int code_level(const char *code)
{
	return pk_region_level(code, strlen(code));
}

/* A code for people: the whole country's empty code as "". */
static const char *code_text(const char *code)
{
	return code[0] ? code : "\"\"";
}

/* "Jawa Barat (32)", or "Indonesia" for the whole country. */
static void region_title(FILE *f, const char *code)
{
	if (code[0] == '\0')
		fputs("Indonesia", f);
	else
		fprintf(f, "%s (%s)", pk_wilayah_name(code), code);
}

/* The name of a region row for people; a row above the grouping level says which level. */
static void region_cell(struct table *t, size_t row, size_t col, const char *code, int level)
{
	char buf[256];
	int l = code_level(code);

	if (l >= 0 && l < level)
		snprintf(buf, sizeof(buf), "%s (tingkat %s)", pk_wilayah_name(code),
		         level_titles[l]);
	else
		snprintf(buf, sizeof(buf), "%s", pk_wilayah_name(code));
	tbl_set(t, row, col, buf, TEXT_CELL_MAX);
}

static const char *level_word(const char *code)
{
	int l = code_level(code);

	return l >= 0 ? level_names[l] : "?";
}

/* ---- rekap kegiatan ------------------------------------------------------------------------ */

struct kg_row {
	u128 biaya, batal; /* biaya of the activities not cancelled, and of the cancelled */
	uint64_t count, peserta, status[NSTATUS];
	char *label; /* --by sumber_biaya or strategi: the spelling shown */
};

struct kg {
	struct rekap *rk;
	struct smap groups;  /* group key -> struct kg_row */
	struct smap sources; /* funding sources seen ("" for none) -> char *label */
	struct smap cells;   /* struct pair (group, source) -> u128 biaya */
};

static int kg_visit(const struct store_record *r, void *arg)
{
	struct kg *k = arg;
	struct rekap *rk = k->rk;
	struct fget f[] = {{.name = "tahun"},    {.name = "jumlah_peserta"},
	                   {.name = "biaya"},    {.name = "sumber_biaya"},
	                   {.name = "strategi"}, {.name = "status"}};
	char disp[PK_STR_MAX + 1], fold[PK_STR_MAX + 1];
	struct kg_row *row;
	const char *key = fold;
	size_t klen;
	int st = ST_NONE;
	long g, s, cell;
	u128 biaya;

	if (get_fields("kegiatan", r->value, r->value_len, f, 6) != 0 || !f[0].present ||
	    (f[1].present && f[1].i < 0) || (f[2].present && f[2].i < 0) ||
	    f[3].slen > PK_STR_MAX || f[4].slen > PK_STR_MAX) {
		rk->bad++;
		return 0;
	}
	if (rk->tahun != 0 && f[0].i != rk->tahun)
		return 0;
	if (f[5].present) {
		for (st = 0; st < ST_NONE; st++)
			if (strlen(statuses[st]) == f[5].slen &&
			    memcmp(statuses[st], f[5].s, f[5].slen) == 0)
				break;
		if (st == ST_NONE) {
			rk->bad++;
			return 0;
		}
	}
	switch (rk->by) {
	case BY_WILAYAH:
		key = r->region;
		klen = group_len(r->region, rk->level);
		break;
	case BY_SUMBER:
		klen = norm_text(&f[3], disp, fold);
		break;
	case BY_STRATEGI:
		klen = norm_text(&f[4], disp, fold);
		break;
	default:
		key = st == ST_NONE ? "" : statuses[st];
		klen = strlen(key);
		break;
	}
	if ((g = smap_put(&k->groups, key, klen)) < 0)
		goto nomem;
	row = smap_val(&k->groups, (size_t)g);
	if ((rk->by == BY_SUMBER || rk->by == BY_STRATEGI) && keep_label(&row->label, disp) != 0)
		goto nomem;
	row->count++;
	row->status[st]++;
	biaya = f[2].present ? (u128)f[2].i : 0;
	if (st == ST_BATAL) {
		row->batal += biaya;
		return 0;
	}
	row->peserta += f[1].present ? (uint64_t)f[1].i : 0;
	row->biaya += biaya;
	if (rk->by == BY_SUMBER)
		return 0;
	klen = norm_text(&f[3], disp, fold);
	if ((s = smap_put(&k->sources, fold, klen)) < 0 ||
	    keep_label(smap_val(&k->sources, (size_t)s), disp) != 0)
		goto nomem;
	struct pair p = {(uint32_t)g, (uint32_t)s};
	if ((cell = smap_put(&k->cells, &p, sizeof(p))) < 0)
		goto nomem;
	*(u128 *)smap_val(&k->cells, (size_t)cell) += biaya;
	return 0;
nomem:
	rk->nomem = true;
	return 1;
}

/* An output order: groups or sources sorted by rank, then bytewise; "" (none) ranks last,
 * except as the whole country's region code, which comes first. */
struct ord {
	const char *key;
	const char *label; /* what the report shows */
	int rank;
	size_t idx;
};

static int ord_cmp(const void *a, const void *b)
{
	const struct ord *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Sorts the keys of m for output. by_status ranks status names in their schema order. */
static struct ord *sort_keys(const struct smap *m, bool none_last, bool by_status)
{
	struct ord *o = malloc((m->n ? m->n : 1) * sizeof(*o));

	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		o[i].key = o[i].label = m->keys[i];
		o[i].idx = i;
		o[i].rank = none_last && m->keys[i][0] == '\0' ? NSTATUS : 0;
		for (int st = 0; by_status && st < ST_NONE; st++)
			if (strcmp(m->keys[i], statuses[st]) == 0)
				o[i].rank = st;
	}
	qsort(o, m->n, sizeof(*o), ord_cmp);
	return o;
}

static const char *none_label(enum by by)
{
	return by == BY_SUMBER     ? "(tanpa sumber)"
	       : by == BY_STRATEGI ? "(tanpa strategi)"
	                           : "(tanpa status)";
}

static u128 kg_cell(const struct kg *k, size_t g, size_t s)
{
	struct pair p = {(uint32_t)g, (uint32_t)s};
	long i = smap_get(&k->cells, &p, sizeof(p));

	return i < 0 ? 0 : *(u128 *)smap_val(&k->cells, (size_t)i);
}

/* The title line of a text report. */
static void title(struct rekap *rk, const char *what)
{
	fprintf(rk->out, "Recap of %s in ", what);
	region_title(rk->out, rk->region);
	if (rk->tahun != 0)
		fprintf(rk->out, ", tahun %d", rk->tahun);
	else
		fputs(", all years", rk->out);
}

/* Group columns of a text table: WILAYAH and NAME, or the --by field. Returns their count. */
static size_t group_heads(struct table *t, enum by by)
{
	if (by == BY_WILAYAH) {
		tbl_head(t, 0, "WILAYAH", false);
		tbl_head(t, 1, "NAME", false);
		return 2;
	}
	tbl_head(t, 0,
	         by == BY_SUMBER     ? "SUMBER_BIAYA"
	         : by == BY_STRATEGI ? "STRATEGI"
	                             : "STATUS",
	         false);
	return 1;
}

static void group_cells(struct table *t, size_t row, const struct rekap *rk, const struct ord *o)
{
	if (rk->by == BY_WILAYAH) {
		tbl_set(t, row, 0, code_text(o->key), 0);
		region_cell(t, row, 1, o->key, rk->level);
	} else {
		tbl_set(t, row, 0, o->label, TEXT_CELL_MAX);
	}
}

static void kg_text(struct kg *k, const struct ord *go, const struct ord *so,
                    const struct kg_row *tot, const u128 *stot)
{
	struct rekap *rk = k->rk;
	struct table t;
	size_t gc = rk->by == BY_WILAYAH ? 2 : 1, nst = rk->by == BY_STATUS ? 0 : NSTATUS;
	size_t ncols = gc + 1 + nst + 3, col, row;
	static const char *const st_heads[] = {"RENCANA", "BERJALAN", "SELESAI", "BATAL",
	                                       "TANPA STATUS"};

	title(rk, "kegiatan");
	if (rk->by == BY_WILAYAH)
		fprintf(rk->out, ", by %s\n", level_titles[rk->level]);
	else
		fprintf(rk->out, ", by %s\n", by_names[rk->by]);
	fputs("PESERTA and BIAYA leave out cancelled activities (status batal); BIAYA BATAL is "
	      "their cost.\n\n",
	      rk->out);
	tbl_init(&t, ncols);
	col = group_heads(&t, rk->by);
	tbl_head(&t, col++, "KEGIATAN", true);
	for (size_t i = 0; i < nst; i++)
		tbl_head(&t, col++, st_heads[i], true);
	tbl_head(&t, col++, "PESERTA", true);
	tbl_head(&t, col++, "BIAYA", true);
	tbl_head(&t, col++, "BIAYA BATAL", true);
	for (size_t i = 0; i <= k->groups.n; i++) {
		const struct kg_row *r = i < k->groups.n ? smap_val(&k->groups, go[i].idx) : tot;

		if (i == k->groups.n && k->groups.n == 0)
			break;
		row = tbl_row(&t);
		if (i < k->groups.n)
			group_cells(&t, row, rk, &go[i]);
		else
			tbl_set(&t, row, 0, "TOTAL", 0);
		col = gc;
		tbl_num(&t, row, col++, r->count);
		for (size_t st = 0; st < nst; st++)
			tbl_num(&t, row, col++, r->status[st]);
		tbl_num(&t, row, col++, r->peserta);
		tbl_num(&t, row, col++, r->biaya);
		tbl_num(&t, row, col++, r->batal);
	}
	tbl_print(&t, rk->out);
	rk->nomem |= t.nomem;
	tbl_free(&t);
	if (k->groups.n == 0) {
		fputs("(no kegiatan records)\n", rk->out);
		return;
	}
	if (rk->by == BY_SUMBER || k->sources.n == 0)
		return;
	fputs("\nBIAYA by sumber_biaya (rupiah, without cancelled activities):\n\n", rk->out);
	tbl_init(&t, gc + k->sources.n);
	col = group_heads(&t, rk->by);
	for (size_t s = 0; s < k->sources.n; s++)
		tbl_head(&t, col + s, so[s].label, true);
	for (size_t i = 0; i <= k->groups.n; i++) {
		row = tbl_row(&t);
		if (i < k->groups.n)
			group_cells(&t, row, rk, &go[i]);
		else
			tbl_set(&t, row, 0, "TOTAL", 0);
		for (size_t s = 0; s < k->sources.n; s++)
			tbl_num(&t, row, gc + s,
			        i < k->groups.n ? kg_cell(k, go[i].idx, so[s].idx) : stot[s]);
	}
	tbl_print(&t, rk->out);
	rk->nomem |= t.nomem;
	tbl_free(&t);
}

static void kg_csv(struct kg *k, const struct ord *go, const struct ord *so,
                   const struct kg_row *tot, const u128 *stot)
{
	struct rekap *rk = k->rk;
	struct csv w = {rk->out, false};
	bool st_cols = rk->by != BY_STATUS, src_cols = rk->by != BY_SUMBER;
	static const char *const st_heads[] = {"rencana", "berjalan", "selesai", "batal",
	                                       "tanpa_status"};
	char h[PK_STR_MAX + 16];

	csv_str(&w, by_names[rk->by]);
	if (rk->by == BY_WILAYAH) {
		csv_str(&w, "name");
		csv_str(&w, "level");
	}
	csv_str(&w, "kegiatan");
	for (int st = 0; st_cols && st < NSTATUS; st++)
		csv_str(&w, st_heads[st]);
	csv_str(&w, "jumlah_peserta");
	csv_str(&w, "biaya");
	csv_str(&w, "biaya_batal");
	for (size_t s = 0; src_cols && s < k->sources.n; s++) {
		snprintf(h, sizeof(h), "biaya:%s", so[s].label);
		csv_str(&w, h);
	}
	csv_end_row(&w);
	for (size_t i = 0; i <= k->groups.n; i++) {
		const struct kg_row *r = i < k->groups.n ? smap_val(&k->groups, go[i].idx) : tot;

		if (i < k->groups.n) {
			csv_str(&w, go[i].label);
			if (rk->by == BY_WILAYAH) {
				csv_str(&w, pk_wilayah_name(go[i].key));
				csv_str(&w, level_word(go[i].key));
			}
		} else {
			csv_str(&w, "TOTAL");
			if (rk->by == BY_WILAYAH) {
				csv_str(&w, "");
				csv_str(&w, "");
			}
		}
		csv_num(&w, r->count);
		for (int st = 0; st_cols && st < NSTATUS; st++)
			csv_num(&w, r->status[st]);
		csv_num(&w, r->peserta);
		csv_num(&w, r->biaya);
		csv_num(&w, r->batal);
		for (size_t s = 0; src_cols && s < k->sources.n; s++)
			csv_num(&w, i < k->groups.n ? kg_cell(k, go[i].idx, so[s].idx) : stot[s]);
		csv_end_row(&w);
	}
}

/* The members of one kegiatan row (or the total) in JSON. g is the group index, or -1. */
static void kg_json_row(struct kg *k, struct jw *w, const struct kg_row *r, long g,
                        const struct ord *so, const u128 *stot)
{
	static const char *const st_keys[] = {"rencana", "berjalan", "selesai", "batal",
	                                      "tanpa_status"};

	jw_knum(w, "kegiatan", r->count);
	if (k->rk->by != BY_STATUS) {
		jw_key(w, "status");
		jw_open(w, '{');
		for (int st = 0; st < NSTATUS; st++)
			jw_knum(w, st_keys[st], r->status[st]);
		jw_close(w, '}');
	}
	jw_knum(w, "jumlah_peserta", r->peserta);
	jw_knum(w, "biaya", r->biaya);
	jw_knum(w, "biaya_batal", r->batal);
	if (k->rk->by != BY_SUMBER) {
		jw_key(w, "biaya_per_sumber");
		jw_open(w, '{');
		for (size_t s = 0; s < k->sources.n; s++)
			jw_knum(w, so[s].label,
			        g >= 0 ? kg_cell(k, (size_t)g, so[s].idx) : stot[s]);
		jw_close(w, '}');
	}
}

/* The report's options in JSON. */
static void json_head(struct rekap *rk, struct jw *w, const char *report)
{
	jw_kstr(w, "report", report);
	jw_kstr(w, "region", rk->region);
	jw_kstr(w, "region_name", pk_wilayah_name(rk->region));
	jw_key(w, "tahun");
	if (rk->tahun != 0)
		jw_num(w, (u128)rk->tahun);
	else
		jw_raw(w, "null");
}

static void kg_json(struct kg *k, const struct ord *go, const struct ord *so,
                    const struct kg_row *tot, const u128 *stot)
{
	struct rekap *rk = k->rk;
	struct jw w = {rk->out, 0, true, false};

	jw_open(&w, '{');
	json_head(rk, &w, "kegiatan");
	jw_kstr(&w, "by", by_names[rk->by]);
	if (rk->by == BY_WILAYAH)
		jw_kstr(&w, "level", level_names[rk->level]);
	if (rk->by != BY_SUMBER) {
		jw_key(&w, "sumber_biaya");
		jw_open(&w, '[');
		for (size_t s = 0; s < k->sources.n; s++)
			jw_str(&w, so[s].label);
		jw_close(&w, ']');
	}
	jw_key(&w, "rows");
	jw_open(&w, '[');
	for (size_t i = 0; i < k->groups.n; i++) {
		jw_open(&w, '{');
		jw_kstr(&w, by_names[rk->by], go[i].label);
		if (rk->by == BY_WILAYAH) {
			jw_kstr(&w, "name", pk_wilayah_name(go[i].key));
			jw_kstr(&w, "level", level_word(go[i].key));
		}
		kg_json_row(k, &w, smap_val(&k->groups, go[i].idx), (long)go[i].idx, so, stot);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_key(&w, "total");
	jw_open(&w, '{');
	kg_json_row(k, &w, tot, -1, so, stot);
	jw_close(&w, '}');
	jw_close(&w, '}');
}

static int rekap_kegiatan(struct rekap *rk, struct store *s)
{
	struct kg k = {rk,
	               {.vsize = sizeof(struct kg_row)},
	               {.vsize = sizeof(char *)},
	               {.vsize = sizeof(u128)}};
	struct ord *go = NULL, *so = NULL;
	struct kg_row tot;
	u128 *stot = NULL, *sorted;
	int n;

	memset(&tot, 0, sizeof(tot));
	n = store_list(s, "kegiatan", rk->region, false, kg_visit, &k);
	if (n < 0 || rk->nomem)
		goto out;
	go = sort_keys(&k.groups, rk->by != BY_WILAYAH, rk->by == BY_STATUS);
	so = sort_keys(&k.sources, true, false);
	stot = calloc(k.sources.n + 1, sizeof(*stot));
	if (go == NULL || so == NULL || stot == NULL) {
		rk->nomem = true;
		goto out;
	}
	for (size_t i = 0; i < k.groups.n; i++) {
		const struct kg_row *r = smap_val(&k.groups, i);

		tot.count += r->count;
		tot.peserta += r->peserta;
		tot.biaya += r->biaya;
		tot.batal += r->batal;
		for (int st = 0; st < NSTATUS; st++)
			tot.status[st] += r->status[st];
	}
	for (size_t c = 0; c < k.cells.n; c++)
		stot[((const struct pair *)k.cells.keys[c])->b] += *(u128 *)smap_val(&k.cells, c);
	/* stot is indexed by source index; reorder it to the output order. */
	if ((sorted = calloc(k.sources.n + 1, sizeof(*sorted))) == NULL) {
		rk->nomem = true;
		goto out;
	}
	for (size_t i = 0; i < k.sources.n; i++)
		sorted[i] = stot[so[i].idx];
	/* What to show for each group and source. */
	for (size_t i = 0; i < k.groups.n; i++) {
		const struct kg_row *r = smap_val(&k.groups, go[i].idx);

		if (go[i].key[0] == '\0' && rk->by != BY_WILAYAH)
			go[i].label = none_label(rk->by);
		else if (r->label != NULL)
			go[i].label = r->label;
	}
	for (size_t i = 0; i < k.sources.n; i++)
		so[i].label =
		    so[i].key[0] ? *(char **)smap_val(&k.sources, so[i].idx) : "(tanpa sumber)";
	free(stot);
	stot = sorted;
	if (rk->fmt == FMT_JSON)
		kg_json(&k, go, so, &tot, stot);
	else if (rk->fmt == FMT_CSV)
		kg_csv(&k, go, so, &tot, stot);
	else
		kg_text(&k, go, so, &tot, stot);
out:
	free(go);
	free(so);
	free(stot);
	for (size_t i = 0; i < k.groups.n; i++)
		free(((struct kg_row *)smap_val(&k.groups, i))->label);
	for (size_t i = 0; i < k.sources.n; i++)
		free(*(char **)smap_val(&k.sources, i));
	smap_free(&k.groups);
	smap_free(&k.sources);
	smap_free(&k.cells);
	return n < 0 ? n : 0;
}

/* ---- rekap arahan -------------------------------------------------------------------------- */

#define DISTRICT_LEN 5 /* "32.75" */

struct directive {
	char key[PK_KEY_MAX + 1];
	char region[PK_REGION_MAX + 1];  /* where it was issued */
	char sasaran[PK_REGION_MAX + 1]; /* wilayah_sasaran */
	char batas[16];                  /* batas_tindak_lanjut, "" when absent */
	char *judul;
	char (*districts)[DISTRICT_LEN + 1]; /* targeted kabupaten/kota, sorted */
	bool *done;                          /* done[i]: districts[i] has a tindak_lanjut */
	size_t n, ndone;
	long next; /* the next directive with the same key, or -1 */
};

struct ar {
	struct rekap *rk;
	struct directive *d;
	size_t n, cap;
	struct smap keys;              /* key -> long: the first directive with it */
	const struct pk_wilayah **kab; /* every kabupaten/kota on the official list, by code */
	size_t nkab;
	char scope[PK_REGION_MAX + 1]; /* rk->region, cut to kabupaten/kota at most */
};

/* Collects the kabupaten/kota of the official list: every code PP.KK looked up (10,000
 * binary searches), which needs nothing from wilayah.h but exact lookups. */
static int ar_load_kab(struct ar *a)
{
	char code[DISTRICT_LEN + 1];

	if ((a->kab = malloc(100 * 100 * sizeof(*a->kab))) == NULL)
		return PK_ENOMEM;
	for (int p = 10; p < 100; p++)
		for (int k = 1; k < 100; k++) {
			const struct pk_wilayah *w;

			snprintf(code, sizeof(code), "%02d.%02d", p, k);
			if ((w = pk_wilayah_find(code, DISTRICT_LEN)) != NULL &&
			    w->level == PK_LEVEL_KABKOTA)
				a->kab[a->nkab++] = w;
		}
	return 0;
}

/* The kabupaten/kota a directive targets, within the report's scope: the official ones inside
 * its sasaran, or, when the sasaran is a kabupaten/kota or lower, that one. */
static int ar_targets(struct ar *a, struct directive *d)
{
	size_t slen = strlen(d->sasaran), sclen = strlen(a->scope);
	size_t cap = code_level(d->sasaran) >= PK_LEVEL_KABKOTA ? 1 : a->nkab;

	d->districts = malloc((cap ? cap : 1) * sizeof(*d->districts));
	d->done = calloc(cap ? cap : 1, sizeof(*d->done));
	if (d->districts == NULL || d->done == NULL)
		return PK_ENOMEM;
	if (code_level(d->sasaran) >= PK_LEVEL_KABKOTA) {
		if (pk_region_within(d->sasaran, DISTRICT_LEN, a->scope, sclen)) {
			memcpy(d->districts[0], d->sasaran, DISTRICT_LEN);
			d->districts[0][DISTRICT_LEN] = '\0';
			d->n = 1;
		}
		return 0;
	}
	for (size_t i = 0; i < a->nkab; i++) {
		const char *c = a->kab[i]->code;

		if (pk_region_within(c, DISTRICT_LEN, d->sasaran, slen) &&
		    pk_region_within(c, DISTRICT_LEN, a->scope, sclen))
			snprintf(d->districts[d->n++], DISTRICT_LEN + 1, "%s", c);
	}
	return 0;
}

static int ar_visit(const struct store_record *r, void *arg)
{
	struct ar *a = arg;
	struct fget f[] = {
	    {.name = "judul"}, {.name = "wilayah_sasaran"}, {.name = "batas_tindak_lanjut"}};
	char sasaran[PK_REGION_MAX + 1];
	struct directive *d;
	size_t sclen = strlen(a->scope);
	long first;

	if (get_fields("arahan", r->value, r->value_len, f, 3) != 0 || !f[0].present ||
	    !f[1].present || f[1].slen > PK_REGION_MAX || !pk_region_valid(f[1].s, f[1].slen) ||
	    (f[2].present && f[2].slen >= sizeof(d->batas))) {
		a->rk->bad++;
		return 0;
	}
	memcpy(sasaran, f[1].s, f[1].slen);
	sasaran[f[1].slen] = '\0';
	/* Addressed to the scope: the sasaran lies inside it, or it inside the sasaran. */
	if (!pk_region_within(sasaran, f[1].slen, a->scope, sclen) &&
	    !pk_region_within(a->scope, sclen, sasaran, f[1].slen))
		return 0;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		struct directive *nd = realloc(a->d, ncap * sizeof(*nd));
		if (nd == NULL)
			goto nomem;
		a->d = nd;
		a->cap = ncap;
	}
	d = &a->d[a->n];
	memset(d, 0, sizeof(*d));
	d->next = -1;
	snprintf(d->key, sizeof(d->key), "%s", r->key);
	snprintf(d->region, sizeof(d->region), "%s", r->region);
	memcpy(d->sasaran, sasaran, f[1].slen + 1);
	if (f[2].present) {
		memcpy(d->batas, f[2].s, f[2].slen);
		d->batas[f[2].slen] = '\0';
	}
	a->n++; /* counted now, so that ar_free frees what is allocated below */
	if ((d->judul = strndup(f[0].s, f[0].slen)) == NULL || ar_targets(a, d) != 0)
		goto nomem;
	/* Several directives may share a key (in different regions): chain them. */
	long known = smap_get(&a->keys, d->key, strlen(d->key));
	if (known >= 0) {
		first = *(long *)smap_val(&a->keys, (size_t)known);
		while (a->d[first].next >= 0)
			first = a->d[first].next;
		a->d[first].next = (long)(a->n - 1);
	} else {
		if ((known = smap_put(&a->keys, d->key, strlen(d->key))) < 0)
			goto nomem;
		*(long *)smap_val(&a->keys, (size_t)known) = (long)(a->n - 1);
	}
	return 0;
nomem:
	a->rk->nomem = true;
	return 1;
}

static int district_cmp(const void *key, const void *elem)
{
	return strcmp(key, elem);
}

/* A tindak_lanjut marks the district it lies in as done for every directive with its key. */
static int tl_visit(const struct store_record *r, void *arg)
{
	struct ar *a = arg;
	struct fget f[] = {{.name = "arahan"}};
	char district[DISTRICT_LEN + 1];
	long i;

	if (get_fields("tindak_lanjut", r->value, r->value_len, f, 1) != 0 || !f[0].present) {
		a->rk->bad++;
		return 0;
	}
	if (code_level(r->region) < PK_LEVEL_KABKOTA)
		return 0; /* a provincial or national follow-up lies in no district */
	memcpy(district, r->region, DISTRICT_LEN);
	district[DISTRICT_LEN] = '\0';
	if ((i = smap_get(&a->keys, f[0].s, f[0].slen)) < 0)
		return 0;
	for (i = *(long *)smap_val(&a->keys, (size_t)i); i >= 0; i = a->d[i].next) {
		struct directive *d = &a->d[i];
		char(*hit)[DISTRICT_LEN + 1] =
		    bsearch(district, d->districts, d->n, sizeof(*d->districts), district_cmp);

		if (hit != NULL && !d->done[hit - d->districts]) {
			d->done[hit - d->districts] = true;
			d->ndone++;
		}
	}
	return 0;
}

/* "12,5%" of part in whole, one decimal, for people; "-" when whole is 0. */
static void percent(char buf[NUM_BUF], size_t part, size_t whole)
{
	if (whole == 0) {
		snprintf(buf, NUM_BUF, "-");
		return;
	}
	unsigned long long tenths = (part * 1000ull + whole / 2) / whole;
	snprintf(buf, NUM_BUF, "%llu,%llu%%", tenths / 10, tenths % 10);
}

/* The note under a directive in a text report: the districts with no tindak_lanjut yet. */
static char *ar_note(const struct directive *d, size_t indent)
{
	char *buf = NULL;
	size_t len = 0, shown = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *label = "no tindak_lanjut yet: ";

	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < d->n; i++) {
		if (d->done[i])
			continue;
		if (shown == TEXT_LIST_MAX) {
			fprintf(f, "%*s%*s... and %zu more\n", (int)indent, "", (int)strlen(label),
			        "", d->n - d->ndone - shown);
			break;
		}
		if (shown == 0)
			fprintf(f, "%*s%s", (int)indent, "", label);
		else
			fprintf(f, "%*s", (int)(indent + strlen(label)), "");
		fprintf(f, "%s %s\n", d->districts[i], pk_wilayah_name(d->districts[i]));
		shown++;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void ar_text(struct ar *a)
{
	struct rekap *rk = a->rk;
	struct table t;
	size_t row, targeted = 0, done = 0;
	char pct[NUM_BUF];
	static const char *const heads[] = {"KEY",         "JUDUL",   "WILAYAH",
	                                    "SASARAN",     "BATAS",   "TARGETED",
	                                    "FOLLOWED UP", "NOT YET", "RATE"};

	fputs("Follow-up of arahan in ", rk->out);
	region_title(rk->out, a->scope);
	fputs(": the kabupaten/kota each directive targets, and how many have a tindak_lanjut\n\n",
	      rk->out);
	tbl_init(&t, 9);
	for (size_t c = 0; c < 9; c++)
		tbl_head(&t, c, heads[c], c >= 5);
	for (size_t i = 0; i < a->n; i++) {
		const struct directive *d = &a->d[i];

		row = tbl_row(&t);
		tbl_set(&t, row, 0, d->key, TEXT_CELL_MAX);
		tbl_set(&t, row, 1, d->judul, TEXT_CELL_MAX);
		tbl_set(&t, row, 2, code_text(d->region), 0);
		tbl_set(&t, row, 3, code_text(d->sasaran), 0);
		tbl_set(&t, row, 4, d->batas[0] ? d->batas : "-", 0);
		tbl_num(&t, row, 5, d->n);
		tbl_num(&t, row, 6, d->ndone);
		tbl_num(&t, row, 7, d->n - d->ndone);
		percent(pct, d->ndone, d->n);
		tbl_set(&t, row, 8, pct, 0);
		if (d->ndone < d->n) {
			char *note = ar_note(d, 2);
			if (note == NULL)
				t.nomem = true;
			tbl_note(&t, row, note);
		}
		targeted += d->n;
		done += d->ndone;
	}
	if (a->n > 0) {
		char label[64];

		row = tbl_row(&t);
		snprintf(label, sizeof(label), "%zu arahan", a->n);
		tbl_set(&t, row, 0, "TOTAL", 0);
		tbl_set(&t, row, 1, label, 0);
		tbl_num(&t, row, 5, targeted);
		tbl_num(&t, row, 6, done);
		tbl_num(&t, row, 7, targeted - done);
		percent(pct, done, targeted);
		tbl_set(&t, row, 8, pct, 0);
	}
	tbl_print(&t, rk->out);
	rk->nomem |= t.nomem;
	tbl_free(&t);
	if (a->n == 0)
		fputs("(no arahan addressed to this region)\n", rk->out);
}

static void ar_csv(struct ar *a)
{
	struct csv w = {a->rk->out, false};
	static const char *const heads[] = {"key",
	                                    "wilayah",
	                                    "judul",
	                                    "wilayah_sasaran",
	                                    "batas_tindak_lanjut",
	                                    "kabupaten_kota",
	                                    "name",
	                                    "followed_up"};

	for (size_t c = 0; c < 8; c++)
		csv_str(&w, heads[c]);
	csv_end_row(&w);
	for (size_t i = 0; i < a->n; i++) {
		const struct directive *d = &a->d[i];

		for (size_t j = 0; j < (d->n ? d->n : 1); j++) {
			csv_str(&w, d->key);
			csv_str(&w, d->region);
			csv_str(&w, d->judul);
			csv_str(&w, d->sasaran);
			csv_str(&w, d->batas);
			csv_str(&w, d->n ? d->districts[j] : "");
			csv_str(&w, d->n ? pk_wilayah_name(d->districts[j]) : "");
			csv_str(&w, d->n ? (d->done[j] ? "yes" : "no") : "");
			csv_end_row(&w);
		}
	}
}

static void ar_json_list(struct jw *w, const struct directive *d, bool done)
{
	jw_open(w, '[');
	for (size_t j = 0; j < d->n; j++) {
		if (d->done[j] != done)
			continue;
		jw_open(w, '{');
		jw_kstr(w, "wilayah", d->districts[j]);
		jw_kstr(w, "name", pk_wilayah_name(d->districts[j]));
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

static void ar_json(struct ar *a)
{
	struct rekap *rk = a->rk;
	struct jw w = {rk->out, 0, true, false};
	size_t targeted = 0, done = 0;

	jw_open(&w, '{');
	jw_kstr(&w, "report", "arahan");
	jw_kstr(&w, "region", a->scope);
	jw_kstr(&w, "region_name", pk_wilayah_name(a->scope));
	jw_key(&w, "arahan");
	jw_open(&w, '[');
	for (size_t i = 0; i < a->n; i++) {
		const struct directive *d = &a->d[i];

		jw_open(&w, '{');
		jw_kstr(&w, "key", d->key);
		jw_kstr(&w, "wilayah", d->region);
		jw_kstr(&w, "judul", d->judul);
		jw_kstr(&w, "wilayah_sasaran", d->sasaran);
		jw_kstr(&w, "batas_tindak_lanjut", d->batas[0] ? d->batas : NULL);
		jw_knum(&w, "targeted", d->n);
		jw_knum(&w, "followed_up", d->ndone);
		jw_knum(&w, "not_yet", d->n - d->ndone);
		jw_key(&w, "districts_followed_up");
		ar_json_list(&w, d, true);
		jw_key(&w, "districts_not_yet");
		ar_json_list(&w, d, false);
		jw_close(&w, '}');
		targeted += d->n;
		done += d->ndone;
	}
	jw_close(&w, ']');
	jw_key(&w, "total");
	jw_open(&w, '{');
	jw_knum(&w, "arahan", a->n);
	jw_knum(&w, "targeted", targeted);
	jw_knum(&w, "followed_up", done);
	jw_knum(&w, "not_yet", targeted - done);
	jw_close(&w, '}');
	jw_close(&w, '}');
}

static int rekap_arahan(struct rekap *rk, struct store *s)
{
	struct ar a = {.rk = rk, .keys = {.vsize = sizeof(long)}};
	int n;

	snprintf(a.scope, sizeof(a.scope), "%.*s", (int)group_len(rk->region, PK_LEVEL_KABKOTA),
	         rk->region);
	if (ar_load_kab(&a) != 0) {
		rk->nomem = true;
		n = 0;
		goto out;
	}
	/* Directives addressed to the scope may be issued anywhere above it: read them all. */
	n = store_list(s, "arahan", NULL, false, ar_visit, &a);
	if (n < 0 || rk->nomem)
		goto out;
	if (a.n > 0)
		n = store_list(s, "tindak_lanjut", a.scope, false, tl_visit, &a);
	if (n < 0 || rk->nomem)
		goto out;
	if (rk->fmt == FMT_JSON)
		ar_json(&a);
	else if (rk->fmt == FMT_CSV)
		ar_csv(&a);
	else
		ar_text(&a);
out:
	for (size_t i = 0; i < a.n; i++) {
		free(a.d[i].judul);
		free(a.d[i].districts);
		free(a.d[i].done);
	}
	free(a.d);
	free(a.kab);
	smap_free(&a.keys);
	return n < 0 ? n : 0;
}

/* ---- rekap kumuh --------------------------------------------------------------------------- */

#define YEAR_MIN 2000
#define YEAR_MAX 2100

struct km_cell {
	uint64_t records, m2, kk, rumah;
	uint64_t n_kk, n_rumah; /* records that give jumlah_kk, jumlah_rumah */
};

struct km {
	struct rekap *rk;
	struct smap groups; /* region codes at the level asked */
	struct smap cells;  /* struct pair (group, year) -> struct km_cell */
	bool year[YEAR_MAX - YEAR_MIN + 1];
};

static int km_visit(const struct store_record *r, void *arg)
{
	struct km *k = arg;
	struct fget f[] = {{.name = "tahun"},
	                   {.name = "luas_ha"},
	                   {.name = "jumlah_kk"},
	                   {.name = "jumlah_rumah"}};
	struct km_cell *c;
	long g, i;

	if (get_fields("kumuh", r->value, r->value_len, f, 4) != 0 || !f[0].present ||
	    !f[1].present || f[0].i < YEAR_MIN || f[0].i > YEAR_MAX || !isfinite(f[1].d) ||
	    f[1].d < 0 || f[1].d > 1e9 || (f[2].present && f[2].i < 0) ||
	    (f[3].present && f[3].i < 0)) {
		k->rk->bad++;
		return 0;
	}
	if (k->rk->tahun != 0 && f[0].i != k->rk->tahun)
		return 0;
	if ((g = smap_put(&k->groups, r->region, group_len(r->region, k->rk->level))) < 0)
		goto nomem;
	struct pair p = {(uint32_t)g, (uint32_t)f[0].i};
	if ((i = smap_put(&k->cells, &p, sizeof(p))) < 0)
		goto nomem;
	k->year[f[0].i - YEAR_MIN] = true;
	c = smap_val(&k->cells, (size_t)i);
	c->records++;
	c->m2 += (uint64_t)llround(f[1].d * 10000.0);
	if (f[2].present) {
		c->kk += (uint64_t)f[2].i;
		c->n_kk++;
	}
	if (f[3].present) {
		c->rumah += (uint64_t)f[3].i;
		c->n_rumah++;
	}
	return 0;
nomem:
	k->rk->nomem = true;
	return 1;
}

static const struct km_cell *km_cell(const struct km *k, size_t g, int year)
{
	struct pair p = {(uint32_t)g, (uint32_t)year};
	long i = smap_get(&k->cells, &p, sizeof(p));

	return i < 0 ? NULL : smap_val(&k->cells, (size_t)i);
}

/* One measure of a cell as text for people ("-": no record gives it), or for machines ("":
 * none). */
enum km_measure { KM_LUAS, KM_KK, KM_RUMAH };

static const char *km_value(const struct km_cell *c, enum km_measure m, bool people,
                            char buf[NUM_BUF])
{
	const char *none = people ? "-" : NULL;

	if (c == NULL)
		return none;
	switch (m) {
	case KM_LUAS:
		return people ? ha_text(c->m2, buf) : ha_plain(c->m2, buf);
	case KM_KK:
		return c->n_kk == 0 ? none : people ? grouped(c->kk, buf) : dec(c->kk, buf);
	default:
		return c->n_rumah == 0 ? none
		       : people        ? grouped(c->rumah, buf)
		                       : dec(c->rumah, buf);
	}
}

/* Adds cell c into the total t. */
static void km_add(struct km_cell *t, const struct km_cell *c)
{
	if (c == NULL)
		return;
	t->records += c->records;
	t->m2 += c->m2;
	t->kk += c->kk;
	t->rumah += c->rumah;
	t->n_kk += c->n_kk;
	t->n_rumah += c->n_rumah;
}

static void km_text(struct km *k, const struct ord *go, const int *years, size_t ny,
                    const struct km_cell *tot)
{
	struct rekap *rk = k->rk;
	static const char *const titles[] = {
	    "luas_ha: slum area in hectares",
	    "jumlah_kk: households in slum areas (sums of the records that give it)",
	    "jumlah_rumah: houses in slum areas (sums of the records that give it)"};
	char buf[NUM_BUF];

	title(rk, "kumuh");
	fprintf(rk->out, ", by %s\n", level_titles[rk->level]);
	if (k->groups.n == 0) {
		struct table t;

		fputc('\n', rk->out);
		tbl_init(&t, 2);
		group_heads(&t, BY_WILAYAH);
		tbl_print(&t, rk->out);
		rk->nomem |= t.nomem;
		tbl_free(&t);
		fputs("(no kumuh records)\n", rk->out);
		return;
	}
	for (int m = KM_LUAS; m <= KM_RUMAH; m++) {
		struct table t;
		size_t row;

		fprintf(rk->out, "\n%s\n\n", titles[m]);
		tbl_init(&t, 2 + ny);
		group_heads(&t, BY_WILAYAH);
		for (size_t y = 0; y < ny; y++) {
			snprintf(buf, sizeof(buf), "%d", years[y]);
			tbl_head(&t, 2 + y, buf, true);
		}
		for (size_t i = 0; i <= k->groups.n; i++) {
			row = tbl_row(&t);
			if (i < k->groups.n)
				group_cells(&t, row, rk, &go[i]);
			else
				tbl_set(&t, row, 0, "TOTAL", 0);
			for (size_t y = 0; y < ny; y++) {
				const struct km_cell *c =
				    i < k->groups.n ? km_cell(k, go[i].idx, years[y]) : &tot[y];
				tbl_set(&t, row, 2 + y, km_value(c, (enum km_measure)m, true, buf),
				        0);
			}
		}
		tbl_print(&t, rk->out);
		rk->nomem |= t.nomem;
		tbl_free(&t);
	}
}

static void km_csv(struct km *k, const struct ord *go, const int *years, size_t ny,
                   const struct km_cell *tot)
{
	struct csv w = {k->rk->out, false};
	static const char *const names[] = {"luas_ha", "jumlah_kk", "jumlah_rumah"};
	char buf[NUM_BUF];

	csv_str(&w, "wilayah");
	csv_str(&w, "name");
	csv_str(&w, "level");
	for (int m = KM_LUAS; m <= KM_RUMAH; m++)
		for (size_t y = 0; y < ny; y++) {
			snprintf(buf, sizeof(buf), "%s:%d", names[m], years[y]);
			csv_str(&w, buf);
		}
	csv_end_row(&w);
	for (size_t i = 0; i <= k->groups.n; i++) {
		csv_str(&w, i < k->groups.n ? go[i].key : "TOTAL");
		csv_str(&w, i < k->groups.n ? pk_wilayah_name(go[i].key) : "");
		csv_str(&w, i < k->groups.n ? level_word(go[i].key) : "");
		for (int m = KM_LUAS; m <= KM_RUMAH; m++)
			for (size_t y = 0; y < ny; y++) {
				const struct km_cell *c =
				    i < k->groups.n ? km_cell(k, go[i].idx, years[y]) : &tot[y];
				csv_str(&w, km_value(c, (enum km_measure)m, false, buf));
			}
		csv_end_row(&w);
	}
}

/* {"2025": {"records": n, "luas_ha": x, "jumlah_kk": n|null, "jumlah_rumah": n|null}, ...} */
static void km_json_years(struct km *k, struct jw *w, long g, const int *years, size_t ny,
                          const struct km_cell *tot)
{
	static const char *const names[] = {"luas_ha", "jumlah_kk", "jumlah_rumah"};
	char buf[NUM_BUF];

	jw_key(w, "tahun");
	jw_open(w, '{');
	for (size_t y = 0; y < ny; y++) {
		const struct km_cell *c = g >= 0 ? km_cell(k, (size_t)g, years[y]) : &tot[y];
		const char *v;

		if (c == NULL)
			continue;
		snprintf(buf, sizeof(buf), "%d", years[y]);
		jw_key(w, buf);
		jw_open(w, '{');
		jw_knum(w, "records", c->records);
		for (int m = KM_LUAS; m <= KM_RUMAH; m++) {
			jw_key(w, names[m]);
			v = km_value(c, (enum km_measure)m, false, buf);
			jw_raw(w, v ? v : "null");
		}
		jw_close(w, '}');
	}
	jw_close(w, '}');
}

static void km_json(struct km *k, const struct ord *go, const int *years, size_t ny,
                    const struct km_cell *tot)
{
	struct rekap *rk = k->rk;
	struct jw w = {rk->out, 0, true, false};

	jw_open(&w, '{');
	json_head(rk, &w, "kumuh");
	jw_kstr(&w, "level", level_names[rk->level]);
	jw_key(&w, "years");
	jw_open(&w, '[');
	for (size_t y = 0; y < ny; y++)
		jw_num(&w, (u128)years[y]);
	jw_close(&w, ']');
	jw_key(&w, "rows");
	jw_open(&w, '[');
	for (size_t i = 0; i < k->groups.n; i++) {
		jw_open(&w, '{');
		jw_kstr(&w, "wilayah", go[i].key);
		jw_kstr(&w, "name", pk_wilayah_name(go[i].key));
		jw_kstr(&w, "level", level_word(go[i].key));
		km_json_years(k, &w, (long)go[i].idx, years, ny, tot);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_key(&w, "total");
	jw_open(&w, '{');
	km_json_years(k, &w, -1, years, ny, tot);
	jw_close(&w, '}');
	jw_close(&w, '}');
}

static int rekap_kumuh(struct rekap *rk, struct store *s)
{
	struct km k = {
	    .rk = rk, .groups = {.vsize = 0}, .cells = {.vsize = sizeof(struct km_cell)}};
	int years[YEAR_MAX - YEAR_MIN + 1];
	struct km_cell tot[YEAR_MAX - YEAR_MIN + 1];
	struct ord *go = NULL;
	size_t ny = 0;
	int n;

	n = store_list(s, "kumuh", rk->region, false, km_visit, &k);
	if (n < 0 || rk->nomem)
		goto out;
	if ((go = sort_keys(&k.groups, false, false)) == NULL) {
		rk->nomem = true;
		goto out;
	}
	for (int y = YEAR_MIN; y <= YEAR_MAX; y++)
		if (k.year[y - YEAR_MIN])
			years[ny++] = y;
	memset(tot, 0, sizeof(tot));
	for (size_t y = 0; y < ny; y++)
		for (size_t g = 0; g < k.groups.n; g++)
			km_add(&tot[y], km_cell(&k, g, years[y]));
	if (rk->fmt == FMT_JSON)
		km_json(&k, go, years, ny, tot);
	else if (rk->fmt == FMT_CSV)
		km_csv(&k, go, years, ny, tot);
	else
		km_text(&k, go, years, ny, tot);
out:
	free(go);
	smap_free(&k.groups);
	smap_free(&k.cells);
	return n < 0 ? n : 0;
}

/* ---- the command --------------------------------------------------------------------------- */

static int word_index(const char *const *words, const char *w)
{
	for (int i = 0; words[i] != NULL; i++)
		if (strcmp(words[i], w) == 0)
			return i;
	return -1;
}

int cmd_rekap(struct cli *c, int argc, char **argv)
{
	const char *region = NULL, *level = NULL, *tahun = NULL, *by = NULL, *outpath = NULL;
	bool csv = false;
	struct cli_opt opts[] = {{"region", &region, NULL}, {"level", &level, NULL},
	                         {"tahun", &tahun, NULL},   {"by", &by, NULL},
	                         {"csv", NULL, &csv},       {"o", &outpath, NULL},
	                         {NULL, NULL, NULL}};
	struct rekap rk = {.fmt = FMT_TEXT, .by = BY_WILAYAH, .level = -1};
	struct store_node node;
	struct pk_diag d = {""};
	struct store *s = NULL;
	char *pos[1], *buf = NULL;
	size_t len = 0;
	int npos, rc, err, rep, rlevel, byi = BY_WILAYAH;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 1, &npos)) != 0)
		return rc;
	if ((rep = word_index(report_names, pos[0])) < 0)
		return cli_usagef(c, "no report '%s' (kegiatan, arahan or kumuh)", pos[0]);
	if (csv && c->json)
		return cli_usagef(c, "--csv and --json exclude each other");
	rk.fmt = csv ? FMT_CSV : c->json ? FMT_JSON : FMT_TEXT;
	if (by != NULL && rep != REP_KEGIATAN)
		return cli_usagef(c, "--by belongs to 'rekap kegiatan'");
	if (by != NULL && (byi = word_index(by_names, by)) < 0)
		return cli_usagef(
		    c, "--by must be wilayah, sumber_biaya, strategi or status, not '%s'", by);
	rk.by = (enum by)byi;
	if (tahun != NULL && rep == REP_ARAHAN)
		return cli_usagef(c, "--tahun belongs to 'rekap kegiatan' and 'rekap kumuh'");
	if (tahun != NULL) {
		char *end;
		long y = strtol(tahun, &end, 10);

		if (tahun[0] < '0' || tahun[0] > '9' || *end != '\0' || y < YEAR_MIN ||
		    y > YEAR_MAX)
			return cli_usagef(c, "--tahun must be a year from %d to %d, not '%.20s'",
			                  YEAR_MIN, YEAR_MAX, tahun);
		rk.tahun = (int)y;
	}
	if (level != NULL && (rep == REP_ARAHAN || rk.by != BY_WILAYAH))
		return cli_usagef(c, "--level belongs to 'rekap kumuh' and 'rekap kegiatan --by "
		                     "wilayah'");
	if (level != NULL && (rk.level = word_index(level_names, level)) < 1)
		return cli_usagef(c,
		                  "--level must be provinsi, kabupaten, kecamatan or desa, not "
		                  "'%s'",
		                  level);
	if (region != NULL && cli_region_ok(region, NULL, &d) != 0)
		return cli_fail(c, "%s", d.msg);
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	snprintf(rk.region, sizeof(rk.region), "%s", region != NULL ? region : node.region);
	rlevel = code_level(rk.region);
	if (rk.level < 0) {
		rk.level = rlevel < PK_LEVEL_DESA ? rlevel + 1 : PK_LEVEL_DESA;
	} else if (rk.level < rlevel) {
		store_close(s);
		return cli_usagef(c, "--level %s lies above the region %s (a %s)", level, rk.region,
		                  pk_level_name(rlevel));
	}
	if ((rk.out = open_memstream(&buf, &len)) == NULL) {
		store_close(s);
		return cli_fail(c, "out of memory");
	}
	err = rep == REP_KEGIATAN ? rekap_kegiatan(&rk, s)
	      : rep == REP_ARAHAN ? rekap_arahan(&rk, s)
	                          : rekap_kumuh(&rk, s);
	store_close(s);
	if (fclose(rk.out) != 0)
		rk.nomem = true;
	if (err != 0) {
		rc = cli_fail(c, "reading the store: %s", pk_strerror(err));
		goto out;
	}
	if (rk.nomem) {
		rc = cli_fail(c, "out of memory");
		goto out;
	}
	if (outpath != NULL) {
		if ((rc = cli_write_file(c, outpath, (const uint8_t *)buf, len)) != 0)
			goto out;
	} else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
		rc = cli_fail(c, "writing the report: %s", strerror(errno));
		goto out;
	}
	if (rk.bad > 0)
		rc = cli_fail(c,
		              "%zu stored records do not decode and were left out; run 'pokjactl "
		              "verify'",
		              rk.bad);
out:
	free(buf);
	return rc;
}
