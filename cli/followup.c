/* followup.c: the follow-up of directives as the store holds it (see followup.h). */
#include "followup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/record.h"
#include "proto/region.h"
#include "proto/wilayah.h"

int64_t followup_day_of(uint64_t unix_seconds)
{
	time_t t = (time_t)unix_seconds;
	struct tm tm;
	char buf[16];
	int64_t day = PK_NO_DAY;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%d", &tm) != 10 ||
	    pk_date_days(buf, 10, &day) != 0)
		return PK_NO_DAY;
	return day;
}

int64_t followup_today(void)
{
	return followup_day_of((uint64_t)time(NULL));
}

const char *followup_region_text(const char *code)
{
	return code[0] != '\0' ? code : "Indonesia";
}

/* Reads string fields of a stored record (the store validated it: a failure means damage). */
static int fields(const char *coll, const struct store_record *r, const char *const *names,
                  struct pk_rec_val *v, bool *present, size_t n)
{
	struct pk_rec rec;

	if (pk_record_open(&rec, pk_schema_find(coll, strlen(coll)), r->value, r->value_len) != 0)
		return PK_EDECODE;
	for (size_t i = 0; i < n; i++) {
		int err = pk_record_get_named(&rec, names[i], &v[i]);

		present[i] = err == 0;
		if (err != 0 && err != PK_ENOTFOUND)
			return PK_EDECODE;
	}
	return 0;
}

/* Copies a field into a buffer of cap bytes; false when it does not fit. */
static bool copy(char *dst, size_t cap, const struct pk_rec_val *v)
{
	if (v->slen >= cap)
		return false;
	memcpy(dst, v->s, v->slen);
	dst[v->slen] = '\0';
	return true;
}

struct load {
	struct followup *fu;
	struct fu_directive *cur; /* the directive whose targets are being added */
	int err;
};

static int add_target(const char *node, void *arg)
{
	struct load *l = arg;
	struct fu_directive *d = l->cur;
	struct fu_target *t;

	if (!pk_region_within(node, strlen(node), l->fu->scope, strlen(l->fu->scope)))
		return 0;
	if ((t = realloc(d->t, (d->n + 1) * sizeof(*t))) == NULL) {
		l->err = PK_ENOMEM;
		return 1;
	}
	d->t = t;
	t = &d->t[d->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->region, sizeof(t->region), "%s", node);
	t->done = PK_NO_DAY;
	return 0;
}

/* The smap key of a directive: "region/key" ('/' is in neither syntax). */
static size_t id_of(char *buf, size_t cap, const char *region, const char *key)
{
	return (size_t)snprintf(buf, cap, "%s/%s", region, key);
}

static int index_directive(struct followup *fu, size_t i)
{
	struct fu_directive *d = &fu->d[i];
	char id[PK_REGION_MAX + PK_KEY_MAX + 2];
	long k = smap_put(&fu->ids, id, id_of(id, sizeof(id), d->region, d->key)), first;

	if (k < 0)
		return PK_ENOMEM;
	*(long *)smap_val(&fu->ids, (size_t)k) = (long)i;
	if ((k = smap_get(&fu->keys, d->key, strlen(d->key))) >= 0) {
		for (first = *(long *)smap_val(&fu->keys, (size_t)k); fu->d[first].next >= 0;)
			first = fu->d[first].next;
		fu->d[first].next = (long)i;
		return 0;
	}
	if ((k = smap_put(&fu->keys, d->key, strlen(d->key))) < 0)
		return PK_ENOMEM;
	*(long *)smap_val(&fu->keys, (size_t)k) = (long)i;
	return 0;
}

static int arahan_visit(const struct store_record *r, void *arg)
{
	static const char *const names[] = {"judul", "wilayah_sasaran", "batas_tindak_lanjut"};
	struct load *l = arg;
	struct followup *fu = l->fu;
	struct pk_rec_val v[3];
	bool has[3];
	struct fu_directive *d;
	char sasaran[PK_REGION_MAX + 1];
	int n;

	if (fields("arahan", r, names, v, has, 3) != 0 || !has[0] || !has[1] ||
	    !copy(sasaran, sizeof(sasaran), &v[1]) || !pk_region_valid(sasaran, v[1].slen) ||
	    (has[2] && v[2].slen != 10)) {
		fu->bad++;
		return 0;
	}
	if (fu->n == fu->cap) {
		size_t cap = fu->cap ? fu->cap * 2 : 16;

		if ((d = realloc(fu->d, cap * sizeof(*d))) == NULL)
			goto nomem;
		fu->d = d;
		fu->cap = cap;
	}
	d = &fu->d[fu->n];
	memset(d, 0, sizeof(*d));
	d->next = -1;
	d->deadline = PK_NO_DAY;
	snprintf(d->key, sizeof(d->key), "%s", r->key);
	snprintf(d->region, sizeof(d->region), "%s", r->region);
	memcpy(d->sasaran, sasaran, sizeof(sasaran));
	if (has[2] && copy(d->batas, sizeof(d->batas), &v[2]))
		pk_date_days(d->batas, 10, &d->deadline);
	l->cur = d;
	n = pk_arahan_targets(d->region, d->sasaran, add_target, l);
	if (l->err != 0)
		goto nomem_d;
	/* Kept when a target lies in the scope, or when it targets nobody and was issued in the
	 * scope (so that a directive nobody can follow up is seen where it was written). */
	if (d->n == 0 && (n != 0 || !pk_region_within(d->region, strlen(d->region), fu->scope,
	                                              strlen(fu->scope)))) {
		free(d->t);
		return 0;
	}
	if ((d->judul = strndup(v[0].s, v[0].slen)) == NULL)
		goto nomem_d;
	fu->n++;
	if (index_directive(fu, fu->n - 1) != 0)
		goto nomem;
	return 0;
nomem_d:
	free(d->t);
nomem:
	l->err = PK_ENOMEM;
	return 1;
}

/* The target of d that is node, or NULL. Targets are in code order. */
static struct fu_target *target_of(struct fu_directive *d, const char *node)
{
	size_t lo = 0, hi = d->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(d->t[mid].region, node);

		if (c == 0)
			return &d->t[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct fu_directive *directive(struct followup *fu, const char *region, const char *key)
{
	char id[PK_REGION_MAX + PK_KEY_MAX + 2];
	long k = smap_get(&fu->ids, id, id_of(id, sizeof(id), region, key));

	return k < 0 ? NULL : &fu->d[*(long *)smap_val(&fu->ids, (size_t)k)];
}

static int receipt_visit(const struct store_record *r, void *arg)
{
	static const char *const names[] = {"arahan", "wilayah_arahan", "diterima"};
	struct load *l = arg;
	struct pk_rec_val v[3];
	bool has[3];
	char key[PK_KEY_MAX + 1], region[PK_REGION_MAX + 1];
	struct fu_directive *d;
	struct fu_target *t;

	if (fields("penerimaan", r, names, v, has, 3) != 0 || !has[0] || !has[1] || !has[2] ||
	    !copy(key, sizeof(key), &v[0]) || !copy(region, sizeof(region), &v[1])) {
		l->fu->bad++;
		return 0;
	}
	/* A receipt is filed under its receiver's own region. */
	if ((d = directive(l->fu, region, key)) != NULL && (t = target_of(d, r->region)) != NULL &&
	    (t->diterima == 0 || (uint64_t)v[2].i < t->diterima))
		t->diterima = (uint64_t)v[2].i;
	return 0;
}

/* Takes tl (a tindak_lanjut of node) as t's latest when its version is newer. */
static void take_tl(struct fu_target *t, const struct store_record *r, enum pk_tl_status st,
                    int64_t tanggal)
{
	if (t->tl_key[0] != '\0' &&
	    (r->hlc < t->tl_hlc ||
	     (r->hlc == t->tl_hlc && memcmp(r->origin, t->tl_origin, PK_PUB_BYTES) < 0)))
		return;
	snprintf(t->tl_key, sizeof(t->tl_key), "%s", r->key);
	t->tl_hlc = r->hlc;
	memcpy(t->tl_origin, r->origin, PK_PUB_BYTES);
	t->status = st;
	/* The day it was completed: its tanggal, else the day it was written (its clock). */
	t->done = tanggal != PK_NO_DAY ? tanggal : followup_day_of((r->hlc >> 16) / 1000);
}

static int tl_visit(const struct store_record *r, void *arg)
{
	static const char *const names[] = {"arahan", "wilayah_arahan", "status", "tanggal"};
	struct load *l = arg;
	struct pk_rec_val v[4];
	bool has[4];
	char key[PK_KEY_MAX + 1], region[PK_REGION_MAX + 1], node[PK_REGION_MAX + 1];
	enum pk_tl_status st;
	int64_t tanggal = PK_NO_DAY;
	int own;

	if (fields("tindak_lanjut", r, names, v, has, 4) != 0 || !has[0] ||
	    !copy(key, sizeof(key), &v[0]) || (has[1] && !copy(region, sizeof(region), &v[1]))) {
		l->fu->bad++;
		return 0;
	}
	st = has[2] ? pk_tl_status_parse(v[2].s, v[2].slen) : PK_TL_NONE;
	if (has[3])
		pk_date_days(v[3].s, v[3].slen, &tanggal);
	/* The follow-up is its writer's: the node that owns the region it is filed under. */
	if ((own = pk_region_owner_len(r->region, strlen(r->region))) < 0)
		return 0;
	memcpy(node, r->region, (size_t)own);
	node[own] = '\0';
	if (has[1]) {
		struct fu_directive *d = directive(l->fu, region, key);
		struct fu_target *t = d != NULL ? target_of(d, node) : NULL;

		if (t != NULL)
			take_tl(t, r, st, tanggal);
		return 0;
	}
	/* A record written before wilayah_arahan (SPEC section 21): it counts for every arahan
	 * with its key that targets its writer. */
	long k = smap_get(&l->fu->keys, key, strlen(key));
	for (long i = k < 0 ? -1 : *(long *)smap_val(&l->fu->keys, (size_t)k); i >= 0;
	     i = l->fu->d[i].next) {
		struct fu_target *t = target_of(&l->fu->d[i], node);

		if (t != NULL)
			take_tl(t, r, st, tanggal);
	}
	return 0;
}

/* The counts of each directive, once every target is known. */
static void judge(struct followup *fu)
{
	for (size_t i = 0; i < fu->n; i++) {
		struct fu_directive *d = &fu->d[i];

		for (size_t j = 0; j < d->n; j++) {
			struct fu_target *t = &d->t[j];

			t->due = pk_arahan_due(t->status, t->done, d->deadline, fu->today);
			d->received += t->diterima != 0;
			d->by_status[t->status]++;
			d->by_due[t->due]++;
			d->weight2 += pk_tl_weight2(t->status);
		}
	}
}

int followup_load(struct followup *fu, struct store *s, const char *scope, int64_t today)
{
	struct load l = {fu, NULL, 0};
	int n;

	memset(fu, 0, sizeof(*fu));
	fu->ids.vsize = fu->keys.vsize = sizeof(long);
	fu->today = today;
	snprintf(fu->scope, sizeof(fu->scope), "%.*s",
	         pk_region_level(scope, strlen(scope)) > PK_NODE_LEVEL_MAX ? 5 : PK_REGION_MAX,
	         scope);
	/* Directives may be issued anywhere above the scope: read them all. */
	n = store_list(s, "arahan", NULL, false, arahan_visit, &l);
	if (n < 0 || (n = l.err) != 0 || fu->n == 0)
		return n < 0 ? n : 0;
	if ((n = store_list(s, "penerimaan", fu->scope, false, receipt_visit, &l)) < 0)
		return n;
	if ((n = store_list(s, "tindak_lanjut", fu->scope, false, tl_visit, &l)) < 0)
		return n;
	judge(fu);
	return 0;
}

void followup_free(struct followup *fu)
{
	for (size_t i = 0; i < fu->n; i++) {
		free(fu->d[i].judul);
		free(fu->d[i].t);
	}
	free(fu->d);
	smap_free(&fu->ids);
	smap_free(&fu->keys);
	memset(fu, 0, sizeof(*fu));
}

static int row_cmp(const void *a, const void *b)
{
	const struct fu_due *x = a, *y = b;
	int c;

	if (x->left != y->left)
		return x->left < y->left ? -1 : 1;
	if ((c = strcmp(x->d->region, y->d->region)) != 0)
		return c;
	if ((c = strcmp(x->d->key, y->d->key)) != 0)
		return c;
	return strcmp(x->t->region, y->t->region);
}

/* The rows due: targets not selesai whose deadline is at most `due` days away. */
struct fu_due *followup_due(const struct followup *fu, long due, size_t *n)
{
	struct fu_due *rows = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < fu->n; i++) {
		const struct fu_directive *d = &fu->d[i];

		if (d->deadline == PK_NO_DAY)
			continue;
		for (size_t j = 0; j < d->n; j++) {
			if (d->t[j].status == PK_TL_SELESAI || d->deadline - fu->today > due)
				continue;
			if (*n == cap) {
				struct fu_due *nr;

				cap = cap ? cap * 2 : 16;
				if ((nr = realloc(rows, cap * sizeof(*nr))) == NULL) {
					free(rows);
					return NULL;
				}
				rows = nr;
			}
			rows[(*n)++] = (struct fu_due){d, &d->t[j], d->deadline - fu->today};
		}
	}
	if (*n > 0)
		qsort(rows, *n, sizeof(*rows), row_cmp);
	return rows != NULL ? rows : malloc(1);
}

json_t *followup_due_json(const struct fu_due *r)
{
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:o, s:o, s:o}", "key", r->d->key,
	    "wilayah", r->d->region, "judul", r->d->judul, "wilayah_sasaran", r->d->sasaran,
	    "batas_tindak_lanjut", r->d->batas, "target", r->t->region, "target_name",
	    pk_wilayah_name(r->t->region), "days_left", (json_int_t)r->left, "overdue", r->left < 0,
	    "diterima", r->t->diterima ? json_integer((json_int_t)r->t->diterima) : json_null(),
	    "tindak_lanjut", r->t->tl_key[0] ? json_string(r->t->tl_key) : json_null(), "status",
	    r->t->status != PK_TL_NONE ? json_string(pk_tl_status_name(r->t->status))
	                               : json_null());
}

json_t *followup_targets_json(const struct fu_directive *d)
{
	json_t *list = json_array();

	for (size_t j = 0; list != NULL && j < d->n; j++) {
		const struct fu_target *t = &d->t[j];
		json_t *o =
		    json_pack("{s:s, s:s, s:o, s:s, s:o, s:s}", "wilayah", t->region,
		              "nama_wilayah", pk_wilayah_name(t->region), "diterima",
		              t->diterima ? json_integer((json_int_t)t->diterima) : json_null(),
		              "kunci", t->tl_key, "status",
		              t->status != PK_TL_NONE ? json_string(pk_tl_status_name(t->status))
		                                      : json_null(),
		              "keadaan", pk_due_name(t->due));

		if (o == NULL || json_array_append_new(list, o) != 0) {
			json_decref(list);
			list = NULL;
		}
	}
	return list;
}
