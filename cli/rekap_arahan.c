/*
 * rekap_arahan.c: the arahan report: for each directive addressed to the region, the
 * kabupaten/kota it targets and which of them have a tindak_lanjut. The official list gives the
 * targets; one pass over arahan collects the directives, one over tindak_lanjut marks targets
 * done. Memory grows with directives times targets (at most the 514 kabupaten/kota each).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/wilayah.h"
#include "rekap.h"

#define DISTRICT_LEN 5   /* "32.75" */
#define TEXT_LIST_MAX 10 /* districts listed under a directive in a text report */

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
	struct smap all;               /* the key of every arahan held, addressed here or not */
	struct report *r;
	int err;
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
	size_t cap = rekap_code_level(d->sasaran) >= PK_LEVEL_KABKOTA ? 1 : a->nkab;

	d->districts = malloc((cap ? cap : 1) * sizeof(*d->districts));
	d->done = calloc(cap ? cap : 1, sizeof(*d->done));
	if (d->districts == NULL || d->done == NULL)
		return PK_ENOMEM;
	if (rekap_code_level(d->sasaran) >= PK_LEVEL_KABKOTA) {
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

/* Chains d, the last directive read, to the others with its key. */
static int ar_chain(struct ar *a, struct directive *d)
{
	long known = smap_get(&a->keys, d->key, strlen(d->key)), first;

	if (known >= 0) {
		first = *(long *)smap_val(&a->keys, (size_t)known);
		while (a->d[first].next >= 0)
			first = a->d[first].next;
		a->d[first].next = (long)(a->n - 1);
		return 0;
	}
	if ((known = smap_put(&a->keys, d->key, strlen(d->key))) < 0)
		return PK_ENOMEM;
	*(long *)smap_val(&a->keys, (size_t)known) = (long)(a->n - 1);
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

	if (smap_put(&a->all, r->key, strlen(r->key)) < 0)
		goto nomem;
	if (rekap_fields("arahan", r->value, r->value_len, f, 3) != 0 || !f[0].present ||
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
	a->n++; /* counted now, so that what is allocated below is freed */
	if ((d->judul = strndup(f[0].s, f[0].slen)) == NULL || ar_targets(a, d) != 0 ||
	    ar_chain(a, d) != 0)
		goto nomem;
	return 0;
nomem:
	a->err = PK_ENOMEM;
	return 1;
}

static int district_cmp(const void *key, const void *elem)
{
	return strcmp(key, elem);
}

/* Whether the schema names the target of tindak_lanjut.arahan (refs.h then reports a missing
 * one through rekap_dangling). */
static bool tl_ref_typed(void)
{
	const struct pk_field *f =
	    pk_schema_field(pk_schema_find("tindak_lanjut", 13), "arahan", 6);

	return f != NULL && (f->ref_coll != NULL || f->ref_coll_field != NULL);
}

/* A tindak_lanjut marks the district it lies in as done for every directive with its key. */
static int tl_visit(const struct store_record *r, void *arg)
{
	struct ar *a = arg;
	struct fget f[] = {{.name = "arahan"}};
	char district[DISTRICT_LEN + 1];
	long i;

	if (rekap_fields("tindak_lanjut", r->value, r->value_len, f, 1) != 0 || !f[0].present) {
		a->rk->bad++;
		return 0;
	}
	if (rekap_code_level(r->region) < PK_LEVEL_KABKOTA)
		return 0; /* a provincial or national follow-up lies in no district */
	if (smap_get(&a->all, f[0].s, f[0].slen) < 0 && !tl_ref_typed()) {
		/* An arahan not held (yet): noted, not dropped. Once the schema names the
		 * arahan's region (wilayah_arahan), rekap_dangling finds these itself. */
		char why[300];

		snprintf(why, sizeof(why),
		         "field 'arahan': no arahan '%.*s' in region %s or a region above it (see "
		         "'pokjactl list arahan')",
		         (int)f[0].slen, f[0].s, r->region[0] ? r->region : "\"\"");
		rekap_dangling_note(a->r, "tindak_lanjut", r->region, r->key, "arahan", why);
	}
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
static void percent(char buf[32], size_t part, size_t whole)
{
	if (whole == 0) {
		snprintf(buf, 32, "-");
		return;
	}
	unsigned long long tenths = (part * 1000ull + whole / 2) / whole;
	snprintf(buf, 32, "%llu,%llu%%", tenths / 10, tenths % 10);
}

/* The note under a directive in a text report: the districts with no tindak_lanjut yet, the
 * first TEXT_LIST_MAX of them. NULL when out of memory. */
static char *ar_note(const struct directive *d)
{
	static const char label[] = "  no tindak_lanjut yet: ";
	int indent = (int)strlen(label);
	char *buf = NULL;
	size_t len = 0, shown = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	for (size_t i = 0; i < d->n; i++) {
		if (d->done[i])
			continue;
		if (shown == TEXT_LIST_MAX) {
			fprintf(f, "%*s... and %zu more\n", indent, "", d->n - d->ndone - shown);
			break;
		}
		fprintf(f, "%*s%s %s\n", shown == 0 ? 0 : indent, shown == 0 ? label : "",
		        d->districts[i], pk_wilayah_name(d->districts[i]));
		shown++;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

enum {
	C_ARAHAN,
	C_KEY,
	C_JUDUL_TEXT,
	C_WIL_TEXT,
	C_SAS_TEXT,
	C_WILAYAH,
	C_JUDUL,
	C_SASARAN,
	C_BATAS,
	C_TARGETED,
	C_DONE,
	C_NOT_YET,
	C_RATE
};

/* The title, the JSON members before the rows, the columns and the items. */
static void ar_head(const struct ar *a, struct report *r)
{
	static const struct rpt_col cols[] = {
	    [C_ARAHAN] = {RPT_INT, 0, 0, 0, NULL, NULL, {"arahan"}}, /* the total's count */
	    [C_KEY] = {RPT_STR, RPT_KEY, 0, TEXT_CELL_MAX, "KEY", "key", {"key"}},
	    [C_JUDUL_TEXT] = {RPT_STR, RPT_KEY, 0, TEXT_CELL_MAX, "JUDUL", NULL, {NULL}},
	    [C_WIL_TEXT] = {RPT_STR, RPT_KEY, 0, 0, "WILAYAH", NULL, {NULL}},
	    [C_SAS_TEXT] = {RPT_STR, RPT_KEY, 0, 0, "SASARAN", NULL, {NULL}},
	    [C_WILAYAH] = {RPT_STR, RPT_KEY, 0, 0, NULL, "wilayah", {"wilayah"}},
	    [C_JUDUL] = {RPT_STR, RPT_KEY, 0, 0, NULL, "judul", {"judul"}},
	    [C_SASARAN] = {RPT_STR, RPT_KEY, 0, 0, NULL, "wilayah_sasaran", {"wilayah_sasaran"}},
	    [C_BATAS] =
	        {RPT_STR, RPT_KEY, 0, 0, "BATAS", "batas_tindak_lanjut", {"batas_tindak_lanjut"}},
	    [C_TARGETED] = {RPT_INT, 0, 0, 0, "TARGETED", NULL, {"targeted"}},
	    [C_DONE] = {RPT_INT, 0, 0, 0, "FOLLOWED UP", NULL, {"followed_up"}},
	    [C_NOT_YET] = {RPT_INT, 0, 0, 0, "NOT YET", NULL, {"not_yet"}},
	    [C_RATE] = {RPT_STR, RPT_RIGHT, 0, 0, "RATE", NULL, {NULL}},
	};
	static const struct rpt_items items = {{"kabupaten_kota", "name", "followed_up"},
	                                       {"wilayah", "name"},
	                                       "districts_followed_up",
	                                       "districts_not_yet"};
	char title[512], place[256];

	rekap_place(a->scope, place, sizeof(place));
	snprintf(title, sizeof(title),
	         "Follow-up of arahan in %s: the kabupaten/kota each directive targets, and how "
	         "many have a tindak_lanjut\n\n",
	         place);
	rpt_title(r, title, "(no arahan addressed to this region)\n");
	rekap_meta(a->rk, r, "arahan", a->scope);
	for (size_t c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		rpt_col(r, &cols[c]);
	rpt_items(r, &items);
}

static int ar_fill(const struct ar *a, struct report *r)
{
	size_t targeted = 0, done = 0;
	char buf[64], *note;

	ar_head(a, r);
	for (size_t i = 0; i < a->n; i++) {
		const struct directive *d = &a->d[i];
		size_t row = rpt_row(r);

		rpt_str(r, row, C_KEY, d->key);
		rpt_str(r, row, C_JUDUL_TEXT, d->judul);
		rpt_str(r, row, C_WIL_TEXT, rekap_code_text(d->region));
		rpt_str(r, row, C_SAS_TEXT, rekap_code_text(d->sasaran));
		rpt_str(r, row, C_WILAYAH, d->region);
		rpt_str(r, row, C_JUDUL, d->judul);
		rpt_str(r, row, C_SASARAN, d->sasaran);
		rpt_str(r, row, C_BATAS, d->batas[0] ? d->batas : NULL);
		rpt_int(r, row, C_TARGETED, d->n);
		rpt_int(r, row, C_DONE, d->ndone);
		rpt_int(r, row, C_NOT_YET, d->n - d->ndone);
		percent(buf, d->ndone, d->n);
		rpt_str(r, row, C_RATE, buf);
		if (d->ndone < d->n) {
			if ((note = ar_note(d)) == NULL)
				return PK_ENOMEM;
			rpt_note(r, row, note);
			free(note);
		}
		for (size_t j = 0; j < d->n; j++)
			rpt_item(r, row, d->districts[j], pk_wilayah_name(d->districts[j]),
			         d->done[j]);
		targeted += d->n;
		done += d->ndone;
	}
	snprintf(buf, sizeof(buf), "%zu arahan", a->n);
	rpt_str(r, RPT_TOTAL, C_KEY, "TOTAL");
	rpt_str(r, RPT_TOTAL, C_JUDUL_TEXT, buf);
	rpt_int(r, RPT_TOTAL, C_ARAHAN, a->n);
	rpt_int(r, RPT_TOTAL, C_TARGETED, targeted);
	rpt_int(r, RPT_TOTAL, C_DONE, done);
	rpt_int(r, RPT_TOTAL, C_NOT_YET, targeted - done);
	percent(buf, done, targeted);
	rpt_str(r, RPT_TOTAL, C_RATE, buf);
	return 0;
}

int rekap_arahan(struct rekap *rk, struct store *s, struct report *r)
{
	struct ar a = {.rk = rk, .keys = {.vsize = sizeof(long)}, .all = {.vsize = 1}, .r = r};
	int n;

	snprintf(a.scope, sizeof(a.scope), "%.*s",
	         (int)rekap_group_len(rk->region, PK_LEVEL_KABKOTA), rk->region);
	if ((n = ar_load_kab(&a)) != 0)
		goto out;
	/* Directives addressed to the scope may be issued anywhere above it: read them all. */
	n = store_list(s, "arahan", NULL, false, ar_visit, &a);
	if (n < 0 || (n = a.err) != 0)
		goto out;
	n = store_list(s, "tindak_lanjut", a.scope, false, tl_visit, &a);
	if (n < 0 || (n = a.err) != 0)
		goto out;
	n = ar_fill(&a, r);
out:
	for (size_t i = 0; i < a.n; i++) {
		free(a.d[i].judul);
		free(a.d[i].districts);
		free(a.d[i].done);
	}
	free(a.d);
	free(a.kab);
	smap_free(&a.keys);
	smap_free(&a.all);
	return n < 0 ? n : 0;
}
