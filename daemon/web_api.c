/*
 * web_api.c: the web application's JSON API (web_int.h; README "Web application" and SPEC
 * section "Web API"). Records are read, checked and written by pokjactl's own record layer
 * (cli/recsvc.h, cli/recfind.h, cli/verif.h): the same normalising of what people type, the same
 * ownership, reference and verdict rules, the same messages. Each answer is built here; web.c
 * sends it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "cli/export.h"
#include "cli/followup.h"
#include "cli/recfind.h"
#include "cli/rechist.h"
#include "cli/rekap.h"
#include "cli/recjson.h"
#include "cli/recsvc.h"
#include "cli/i18n.h"
#include "cli/status.h"
#include "cli/verif.h"
#include "node.h"
#include "proto/region.h"
#include "proto/record.h"
#include "proto/schema.h"
#include "proto/wilayah.h"
#include "web_int.h"

#define PER_PAGE_MAX 200
#define PAGE_MAX 10000000L
#define DUE_ALL_DAYS 36500       /* beranda: every deadline, however far */
#define XLSX_WEB_MAX (64u << 20) /* an xlsx export served whole */

static bool role_is(const struct web_req *r, const char *a, const char *b)
{
	return strcmp(r->role, a) == 0 || (b != NULL && strcmp(r->role, b) == 0);
}

/* ---- schema ----------------------------------------------------------------------------- */

static void get_schema(struct web_req *r)
{
	const struct pk_collection *all;
	json_t *colls = json_array();
	size_t n;

	all = pk_schema_all(&n);
	for (size_t i = 0; i < n; i++) {
		json_t *fs = json_array();

		for (size_t k = 0; k < all[i].nfields; k++) {
			const struct pk_field *f = &all[i].fields[k];
			json_t *fo = json_pack("{s:s, s:s, s:b, s:s}", "name", f->name, "type",
			                       pk_ftype_name(f->type), "required", f->required,
			                       "doc", PK_(f->doc));

			if (f->choices != NULL) {
				json_t *ch = json_array();

				for (size_t c = 0; f->choices[c] != NULL; c++)
					json_array_append_new(ch, json_string(f->choices[c]));
				json_object_set_new(fo, "choices", ch);
			}
			json_array_append_new(fs, fo);
		}
		json_array_append_new(colls, json_pack("{s:s, s:s, s:o}", "name", all[i].name,
		                                       "doc", PK_(all[i].doc), "fields", fs));
	}
	r->out = json_pack("{s:o}", "collections", colls);
}

/* ---- list and get ----------------------------------------------------------------------- */

struct listing {
	const struct pk_collection *coll;
	struct cli_authors as;
	struct vidx vx;
	const char *q, *tahun, *status, *verif;
	size_t skip, take, total;
	json_t *items;
	int err;
};

/* Whether any string field of o holds q (ASCII case folded). */
static bool matches(json_t *o, const char *q)
{
	const char *name;
	json_t *v;

	json_object_foreach(o, name, v)
	{
		if (json_is_string(v) && strcasestr(json_string_value(v), q) != NULL)
			return true;
	}
	return false;
}

static int list_visit(const struct store_record *rec, void *arg)
{
	struct listing *x = arg;
	json_t *o = cli_record_json(x->coll, rec->key, rec->region, rec->value, rec->value_len,
	                            rec->hlc, cli_author(&x->as, rec->origin));
	json_t *t;
	const char *st;

	if (o == NULL)
		return 0; /* undecodable: `pokjactl verify` reports it */
	if (vidx_add_json(o, &x->vx, &x->as, rec->coll, rec->region, rec->key, rec->hlc,
	                  rec->origin) != 0) {
		json_decref(o);
		x->err = PK_ENOMEM;
		return 1;
	}
	st = json_string_value(json_object_get(json_object_get(o, "verifikasi"), "status"));
	t = json_object_get(o, "tahun");
	if ((x->q != NULL && x->q[0] != '\0' && !matches(o, x->q)) ||
	    (x->tahun != NULL && x->tahun[0] != '\0' &&
	     !(json_is_integer(t) && json_integer_value(t) == atoll(x->tahun))) ||
	    (x->status != NULL && x->status[0] != '\0' &&
	     (!json_is_string(json_object_get(o, "status")) ||
	      strcmp(json_string_value(json_object_get(o, "status")), x->status) != 0)) ||
	    (x->verif != NULL && x->verif[0] != '\0' &&
	     (st == NULL || strcmp(st, x->verif) != 0))) {
		json_decref(o);
		return 0;
	}
	json_object_set_new(o, "collection", json_string(rec->coll));
	json_object_set_new(o, "nama_wilayah", json_string(pk_wilayah_name(rec->region)));
	if (x->total >= x->skip && x->total < x->skip + x->take)
		json_array_append_new(x->items, o);
	else
		json_decref(o);
	x->total++;
	return 0;
}

/* The query parameter name as a whole number from 1 into *out (left as it is when absent):
 * 0, or -1 when it is given but is not one (or has more than 18 digits). */
static int count_param(const struct web_req *r, const char *name, long *out)
{
	char buf[24], *end;
	const char *v = web_query(r, name, buf, sizeof(buf));
	size_t nl = strlen(name);
	long n;

	if (v == NULL) { /* absent, or there but malformed or too long */
		for (const char *p = r->query; (p = strstr(p, name)) != NULL; p += nl)
			if ((p == r->query || p[-1] == '&') && p[nl] == '=')
				return -1;
		return 0;
	}
	if (v[0] < '0' || v[0] > '9' || strlen(v) > 18 || (n = strtol(v, &end, 10)) < 1 ||
	    *end != '\0')
		return -1;
	*out = n;
	return 0;
}

static void list_records(struct web_req *r, const struct pk_collection *coll)
{
	char q[200], region[PK_REGION_MAX + 1], tahun[8], status[40], verif[40];
	struct listing x = {.coll = coll};
	long page = 1, pp = 50;
	int n;

	x.q = web_query(r, "q", q, sizeof(q));
	x.tahun = web_query(r, "tahun", tahun, sizeof(tahun));
	x.status = web_query(r, "status", status, sizeof(status));
	x.verif = web_query(r, "verifikasi", verif, sizeof(verif));
	if (count_param(r, "per_page", &pp) != 0 || count_param(r, "page", &page) != 0) {
		web_fail(r, 400, "malformed",
		         PK_("page and per_page are whole numbers from 1 (per_page at most 200)"),
		         NULL);
		return;
	}
	x.take = pp > PER_PAGE_MAX ? PER_PAGE_MAX : (size_t)pp;
	if (page > PAGE_MAX)
		page = PAGE_MAX; /* past every list, and (page - 1) * per_page cannot wrap */
	x.skip = (size_t)(page - 1) * x.take;
	if (web_query(r, "region", region, sizeof(region)) == NULL)
		region[0] = '\0';
	else if (region[0] != '\0' && !pk_region_valid(region, strlen(region))) {
		web_fail(r, 400, "malformed",
		         PK_("the region is not a region code (32, 32.75, ...)"), NULL);
		return;
	}
	if ((n = vidx_load(&x.vx, r->s)) != 0) {
		web_fail(r, 500, "store", pk_strerror(n), NULL);
		return;
	}
	cli_authors_init(&x.as, r->s, r->node);
	x.items = json_array();
	n = store_list(r->s, coll->name, region[0] ? region : NULL, false, list_visit, &x);
	vidx_free(&x.vx);
	if (n < 0 || x.err != 0) {
		json_decref(x.items);
		web_fail(r, 500, "store", pk_strerror(n < 0 ? n : x.err), NULL);
		return;
	}
	r->out = json_pack("{s:I, s:I, s:I, s:o}", "total", (json_int_t)x.total, "page",
	                   (json_int_t)page, "per_page", (json_int_t)x.take, "items", x.items);
}

/* Finds the one live record coll/key (in the query's region when given); false after setting
 * the answer. */
static bool find_one(struct web_req *r, const struct pk_collection *coll, const char *key,
                     struct found_list *l)
{
	char region[PK_REGION_MAX + 1], msg[200];
	const char *rg = web_query(r, "region", region, sizeof(region));
	int n;

	l->n = 0;
	if (!pk_key_valid(key, strlen(key)) || (rg != NULL && !pk_region_valid(rg, strlen(rg)))) {
		web_fail(r, 400, "malformed", PK_("not a record key or region code"), NULL);
		return false;
	}
	n = found_get(r->s, coll->name, key, rg, false, l);
	if (n < 0) {
		web_fail(r, 500, "store", pk_strerror(n), NULL);
		return false;
	}
	if (l->n == 1)
		return true;
	if (l->n == 0) {
		snprintf(msg, sizeof(msg), PK_("no record %s/%s"), coll->name, key);
		web_fail(r, 404, "not-found", msg, NULL);
	} else {
		snprintf(msg, sizeof(msg),
		         PK_("%s/%s exists in %d regions; choose one with region"), coll->name, key,
		         l->n);
		web_fail(r, 409, "ambiguous", msg, NULL);
	}
	found_free(l);
	return false;
}

/* An arahan's follow-up by every target within this node's region (followup.h), as
 * "tindak_lanjut". */
static int add_followup(struct web_req *r, json_t *o, const struct found *f)
{
	struct followup fu;
	int err = followup_load(&fu, r->s, r->node->region, followup_today());

	for (size_t i = 0; err == 0 && i < fu.n; i++)
		if (strcmp(fu.d[i].key, f->key) == 0 && strcmp(fu.d[i].region, f->region) == 0)
			err = json_object_set_new(o, "tindak_lanjut",
			                          followup_targets_json(&fu.d[i])) != 0
			          ? PK_ENOMEM
			          : 0;
	followup_free(&fu);
	return err;
}

static void get_record(struct web_req *r, const struct pk_collection *coll, const char *key)
{
	struct found_list l;
	struct cli_authors as;
	struct vidx x;
	json_t *o;
	int err;

	if (!find_one(r, coll, key, &l))
		return;
	cli_authors_init(&as, r->s, r->node);
	o = cli_record_json(coll, l.f[0].key, l.f[0].region, l.f[0].value, l.f[0].value_len,
	                    l.f[0].hlc, cli_author(&as, l.f[0].origin));
	if (o != NULL && (err = vidx_load(&x, r->s)) == 0) {
		err = vidx_add_json(o, &x, &as, coll->name, l.f[0].region, l.f[0].key, l.f[0].hlc,
		                    l.f[0].origin);
		vidx_free(&x);
	} else {
		err = o == NULL ? PK_ECORRUPT : err;
	}
	if (err == 0) {
		json_t *versions = json_array();

		err = versions == NULL
		          ? PK_ENOMEM
		          : rec_history_json(r->s, &as, coll, l.f[0].region, l.f[0].key, versions);
		json_object_set_new(o, "history", versions);
	}
	if (err == 0 && strcmp(coll->name, "arahan") == 0)
		err = add_followup(r, o, &l.f[0]);
	found_free(&l);
	if (err != 0) {
		json_decref(o);
		web_fail(r, 500, "store", pk_strerror(err), NULL);
		return;
	}
	json_object_set_new(o, "collection", json_string(coll->name));
	json_object_set_new(o, "nama_wilayah", json_string(pk_wilayah_name(l.f[0].region)));
	r->out = o;
}

/* ---- writes ----------------------------------------------------------------------------- */

/* The answer for a write's outcome. */
static void outcome(struct web_req *r, enum recsvc_outcome out, const struct rec_errors *errs,
                    const struct recsvc_done *done, const struct pk_diag *d, int ok_status)
{
	char msg[400];
	json_t *fields;

	switch (out) {
	case RECSVC_OK:
		r->status = ok_status;
		r->out = json_pack("{s:s, s:s, s:I}", "key", done->key, "region", done->region,
		                   "seq", (json_int_t)done->seq);
		return;
	case RECSVC_NO_CHANGE:
		r->out = json_pack("{s:s, s:s, s:b}", "key", done->key, "region", done->region,
		                   "unchanged", 1);
		return;
	case RECSVC_INVALID:
		fields = json_object();
		for (size_t i = 0; errs != NULL && i < errs->n; i++) {
			const char *f = errs->e[i].field[0] ? errs->e[i].field : "_";
			json_t *had = json_object_get(fields, f);

			if (had != NULL) {
				snprintf(msg, sizeof(msg), "%s; %s", json_string_value(had),
				         errs->e[i].msg);
				json_object_set_new(fields, f, json_string(msg));
			} else {
				json_object_set_new(fields, f, json_string(errs->e[i].msg));
			}
		}
		if (errs == NULL || errs->n == 0)
			json_object_set_new(fields, "_", json_string(d->msg));
		snprintf(msg, sizeof(msg),
		         errs != NULL && rec_errors_count(errs) == 1
		             ? PK_("the record has 1 problem; nothing was stored")
		             : PK_("the record has %zu problems; nothing was stored"),
		         errs != NULL && errs->n > 0 ? rec_errors_count(errs) : (size_t)1);
		web_fail(r, 422, "invalid", msg, fields);
		return;
	case RECSVC_EXISTS:
		snprintf(msg, sizeof(msg), PK_("record %s/%s exists already; edit it instead"),
		         done->coll != NULL ? done->coll->name : "", done->key);
		web_fail(r, 409, "exists", msg, NULL);
		return;
	case RECSVC_OWNER:
		web_fail(r, 403, "owner", d->msg, NULL);
		return;
	case RECSVC_REFUSED:
		web_fail(r, 409, "refused", d->msg[0] ? d->msg : pk_strerror(done->err), NULL);
		return;
	default:
		web_fail(r, 500, "store", d->msg, NULL);
	}
}

/* This node writes, and the jejak record names the session's person (SPEC section 22). */
static struct recsvc writer(struct web_req *r)
{
	r->who = (struct recsvc_who){r->user, r->fullname, r->role};
	return (struct recsvc){r->s, r->node, r->sec, node_now_ms(), &r->who};
}

static void put_record(struct web_req *r, const struct pk_collection *coll)
{
	struct rec_errors *errs = calloc(1, sizeof(*errs));
	struct recsvc w = writer(r);
	struct recsvc_done done;
	struct pk_diag d = {""};

	if (errs == NULL) {
		web_fail(r, 500, "store", pk_strerror(PK_ENOMEM), NULL);
		return;
	}
	outcome(r, recsvc_put(&w, r->body, coll->name, NULL, false, errs, &done, &d), errs, &done,
	        &d, 201);
	free(errs);
}

static void edit_record(struct web_req *r, const struct pk_collection *coll, const char *key)
{
	json_t *set = json_object_get(r->body, "set"), *unset = json_object_get(r->body, "unset");
	struct recsvc_edit e[PK_REC_FIELDS_MAX * 2];
	struct rec_errors *errs;
	struct recsvc_done done;
	struct pk_diag d = {""};
	struct recsvc w;
	struct found_list l;
	const char *name;
	json_t *v;
	size_t i;
	int n = 0;

	if ((set != NULL && !json_is_object(set)) || (unset != NULL && !json_is_array(unset)) ||
	    json_object_size(set) + json_array_size(unset) > PK_REC_FIELDS_MAX * 2 ||
	    json_object_size(set) + json_array_size(unset) == 0) {
		web_fail(r, 400, "malformed",
		         PK_("give {\"set\": {FIELD: VALUE, ...}, \"unset\": [FIELD, ...]}"), NULL);
		return;
	}
	json_object_foreach(set, name, v) e[n++] = (struct recsvc_edit){name, strlen(name), v};
	json_array_foreach(unset, i, v)
	{
		if (!json_is_string(v)) {
			web_fail(r, 400, "malformed", PK_("unset lists field names"), NULL);
			return;
		}
		e[n++] = (struct recsvc_edit){json_string_value(v), json_string_length(v), NULL};
	}
	if (!find_one(r, coll, key, &l))
		return;
	if ((errs = calloc(1, sizeof(*errs))) == NULL) {
		found_free(&l);
		web_fail(r, 500, "store", pk_strerror(PK_ENOMEM), NULL);
		return;
	}
	w = writer(r);
	outcome(r, recsvc_edit(&w, coll, &l.f[0], e, n, errs, &done, &d), errs, &done, &d, 200);
	free(errs);
	found_free(&l);
}

static void del_record(struct web_req *r, const struct pk_collection *coll, const char *key)
{
	struct recsvc_done done;
	struct pk_diag d = {""};
	struct found_list l;
	struct recsvc w = writer(r);

	if (!find_one(r, coll, key, &l))
		return;
	outcome(r, recsvc_del(&w, coll, &l.f[0], &done, &d), NULL, &done, &d, 200);
	found_free(&l);
}

/* ---- verification ----------------------------------------------------------------------- */

struct queue {
	const char *home;
	struct cli_authors as;
	struct vidx vx;
	json_t *items;
	int err;
};

static int queue_visit(const struct store_record *rec, void *arg)
{
	struct queue *q = arg;
	struct pk_version v = {.hlc = rec->hlc};
	json_t *o;

	memcpy(v.origin, rec->origin, PK_PUB_BYTES);
	if (!vidx_awaits(&q->vx, q->home, rec->coll, rec->region, rec->key, &v))
		return 0;
	o = cli_record_json(pk_schema_find(rec->coll, strlen(rec->coll)), rec->key, rec->region,
	                    rec->value, rec->value_len, rec->hlc, cli_author(&q->as, rec->origin));
	if (o == NULL)
		return 0;
	if (vidx_add_json(o, &q->vx, &q->as, rec->coll, rec->region, rec->key, rec->hlc,
	                  rec->origin) != 0 ||
	    json_object_set_new(o, "collection", json_string(rec->coll)) != 0 ||
	    json_array_append_new(q->items, o) != 0) {
		q->err = PK_ENOMEM;
		return 1;
	}
	return 0;
}

static void get_queue(struct web_req *r)
{
	struct queue q = {.home = r->node->region};
	const struct pk_collection *all;
	size_t n;
	int err;

	if ((err = vidx_load(&q.vx, r->s)) != 0) {
		web_fail(r, 500, "store", pk_strerror(err), NULL);
		return;
	}
	cli_authors_init(&q.as, r->s, r->node);
	q.items = json_array();
	all = pk_schema_all(&n);
	for (size_t i = 0; i < n && err >= 0 && q.err == 0; i++)
		if (vidx_applies(all[i].name))
			err = store_list(r->s, all[i].name, NULL, false, queue_visit, &q);
	vidx_free(&q.vx);
	if (err < 0 || q.err != 0) {
		json_decref(q.items);
		web_fail(r, 500, "store", pk_strerror(err < 0 ? err : q.err), NULL);
		return;
	}
	r->out = json_pack("{s:o}", "items", q.items);
}

static void post_verdict(struct web_req *r)
{
	const char *coll = json_string_value(json_object_get(r->body, "collection"));
	const char *key = json_string_value(json_object_get(r->body, "key"));
	const char *verdict = json_string_value(json_object_get(r->body, "verdict"));
	const char *catatan = json_string_value(json_object_get(r->body, "catatan"));
	const char *region = json_string_value(json_object_get(r->body, "region"));
	static const char *const verdicts[][2] = {
	    {"disetujui", "diterima"}, {"perlu_perbaikan", "perbaikan"}, {"ditolak", "ditolak"}};
	const char *hasil = NULL;
	const struct pk_collection *c;
	struct recsvc_done done;
	struct pk_diag d = {""};
	struct found_list l;
	struct recsvc w = writer(r);

	for (size_t i = 0; verdict != NULL && i < 3; i++)
		if (strcmp(verdict, verdicts[i][0]) == 0)
			hasil = verdicts[i][1];
	if (coll == NULL || key == NULL || hasil == NULL ||
	    (c = pk_schema_find(coll, strlen(coll))) == NULL || !vidx_applies(coll)) {
		web_fail(r, 400, "malformed",
		         PK_("give collection, key, region and a verdict: disetujui, "
		             "perlu_perbaikan or ditolak"),
		         NULL);
		return;
	}
	if (region != NULL && strlen(region) < sizeof(r->query) - 8)
		snprintf(r->query, sizeof(r->query), "region=%s", region);
	if (!find_one(r, c, key, &l))
		return;
	outcome(r, recsvc_verdict(&w, coll, &l.f[0], hasil, catatan, &done, &d), NULL, &done, &d,
	        201);
	found_free(&l);
}

/* ---- the office at a glance ------------------------------------------------------------- */

struct glance {
	json_t *by_status, *by_sumber, *kumuh, *arahan;
};

static void add_num(json_t *o, const char *k, double v)
{
	json_t *had = json_object_get(o, k);

	json_object_set_new(o, k, json_real((had != NULL ? json_number_value(had) : 0) + v));
}

static int glance_visit(const struct store_record *rec, void *arg)
{
	struct glance *g = arg;
	json_t *o = json_object(), *v;

	if (recjson_decode(pk_schema_find(rec->coll, strlen(rec->coll)), rec->value, rec->value_len,
	                   o) != 0) {
		json_decref(o);
		return 0;
	}
	if (strcmp(rec->coll, "kegiatan") == 0) {
		const char *st = json_string_value(json_object_get(o, "status"));
		const char *sd = json_string_value(json_object_get(o, "sumber_biaya"));

		add_num(g->by_status, st != NULL ? st : "-", 1);
		if ((v = json_object_get(o, "biaya")) != NULL && json_is_number(v))
			add_num(g->by_sumber, sd != NULL ? sd : "-", json_number_value(v));
	} else if (strcmp(rec->coll, "kumuh") == 0) {
		json_t *t = json_object_get(o, "tahun");
		char y[16];

		snprintf(y, sizeof(y), "%lld", (long long)json_integer_value(t));
		if ((v = json_object_get(o, "luas_ha")) != NULL && json_is_number(v))
			add_num(g->kumuh, y, json_number_value(v));
	}
	json_decref(o);
	return 0;
}

/* The directives whose follow-up by a target within this node's region is not selesai and has
 * a deadline, most overdue first (followup.h). */
static int due_json(struct web_req *r, json_t *out)
{
	struct followup fu;
	struct fu_due *rows = NULL;
	size_t n = 0;
	int err = followup_load(&fu, r->s, r->node->region, followup_today());

	if (err == 0 && (rows = followup_due(&fu, DUE_ALL_DAYS, &n)) == NULL)
		err = PK_ENOMEM;
	for (size_t i = 0; err == 0 && i < n; i++)
		if (json_array_append_new(out, followup_due_json(&rows[i])) != 0)
			err = PK_ENOMEM;
	free(rows);
	followup_free(&fu);
	return err;
}

/* The parent and the children of status_json in one list, each with its "role". */
static json_t *peers_json(json_t *st)
{
	json_t *list = json_array(), *p = json_object_get(st, "parent"), *c;
	size_t i;

	if (json_is_object(p))
		json_array_append_new(list, json_pack("{s:s, s:O}", "role", "parent", "peer", p));
	json_array_foreach(json_object_get(st, "children"), i, c)
	    json_array_append_new(list, json_pack("{s:s, s:O}", "role", "child", "peer", c));
	json_array_foreach(list, i, c)
	{
		json_object_update(c, json_object_get(c, "peer"));
		json_object_del(c, "peer");
	}
	return list;
}

static void get_beranda(struct web_req *r)
{
	struct glance g = {json_object(), json_object(), json_object(), json_array()};
	json_t *queue, *st = NULL;
	int err;

	store_list(r->s, "kegiatan", NULL, false, glance_visit, &g);
	store_list(r->s, "kumuh", NULL, false, glance_visit, &g);
	if ((err = due_json(r, g.arahan)) == 0)
		err = status_json(r->s, r->node, &st);
	get_queue(r);
	queue = r->out;
	r->out = NULL;
	if (err != 0 || queue == NULL || json_object_get(queue, "error") != NULL) {
		json_decref(g.by_status);
		json_decref(g.by_sumber);
		json_decref(g.kumuh);
		json_decref(g.arahan);
		json_decref(st);
		if (queue != NULL && json_object_get(queue, "error") != NULL) {
			r->out = queue;
			return;
		}
		json_decref(queue);
		web_fail(r, 500, "store", pk_strerror(err != 0 ? err : PK_ENOMEM), NULL);
		return;
	}
	r->out = json_pack("{s:o, s:o, s:o, s:o, s:I, s:O, s:O, s:o}", "kegiatan_by_status",
	                   g.by_status, "anggaran_by_sumber", g.by_sumber, "kumuh_by_tahun",
	                   g.kumuh, "arahan_due", g.arahan, "verifikasi_waiting",
	                   (json_int_t)json_array_size(json_object_get(queue, "items")), "parent",
	                   json_object_get(st, "parent"), "children",
	                   json_object_get(st, "children"), "peers", peers_json(st));
	json_decref(queue);
	json_decref(st);
}

static int invite_json(const struct store_invite *inv, void *arg)
{
	return json_array_append_new(arg,
	                             json_pack("{s:s, s:s, s:s, s:I}", "region", inv->region,
	                                       "nama_wilayah", pk_wilayah_name(inv->region), "name",
	                                       inv->name, "expires", (json_int_t)inv->expires)) != 0
	           ? PK_ENOMEM
	           : 0;
}

/* `pokjactl status --json`, and the invites not yet used (their region, name and expiry; never
 * the secret). */
static void get_status(struct web_req *r)
{
	json_t *inv = json_array();
	int err = status_json(r->s, r->node, &r->out);

	if (err == 0)
		err = store_invite_list(r->s, node_now_ms() / 1000, invite_json, inv);
	if (err != 0) {
		json_decref(inv);
		web_fail(r, 500, "store", pk_strerror(err), NULL);
		return;
	}
	json_object_set_new(r->out, "invites", inv);
}

/* /api/export/COLL?format=csv|xlsx|json[&excel=1][&region=R]: the collection as `pokjactl
 * export` writes it, as a download. */
static void get_export(struct web_req *r, const struct pk_collection *coll)
{
	char fmt[8] = "csv", region[PK_REGION_MAX + 1], excel[4], path[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	struct export_opts o = {.coll = coll};
	struct export_result res;
	enum export_outcome out;
	char *buf = NULL;
	size_t len = 0;
	int fd = -1;

	web_query(r, "format", fmt, sizeof(fmt));
	if (strcmp(fmt, "csv") == 0)
		o.fmt = FMT_CSV;
	else if (strcmp(fmt, "xlsx") == 0)
		o.fmt = FMT_XLSX;
	else if (strcmp(fmt, "json") == 0)
		o.fmt = FMT_JSON;
	else
		return web_fail(r, 400, "malformed", PK_("format is csv, xlsx or json"), NULL);
	o.excel = o.fmt == FMT_CSV && web_query(r, "excel", excel, sizeof(excel)) != NULL &&
	          strcmp(excel, "1") == 0;
	if (web_query(r, "region", region, sizeof(region)) != NULL && region[0] != '\0') {
		if (!pk_region_valid(region, strlen(region)))
			return web_fail(r, 400, "malformed",
			                PK_("the region is not a region code (32, 32.75, ...)"),
			                NULL);
		o.region = region;
	}
	if (o.fmt == FMT_XLSX) {
		/* libxlsxwriter writes a file: a temporary one (mkstemp's six-letter template) in
		 * TMPDIR, read back whole and removed. */
		snprintf(path, sizeof(path), "%s/pokja-xlsx-%s",
		         tmp != NULL && tmp[0] == '/' ? tmp : "/tmp", "XXXXXX");
		if ((fd = mkstemp(path)) < 0)
			return web_fail(r, 500, "store", strerror(errno), NULL);
		o.xlsx_path = path;
		o.f = fdopen(fd, "w+");
	} else {
		o.f = open_memstream(&buf, &len);
	}
	if (o.f == NULL) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return web_fail(r, 500, "store", pk_strerror(PK_ENOMEM), NULL);
	}
	out = export_run(r->s, r->node, &o, &res);
	if (out == EXPORT_OK && o.fmt == FMT_XLSX) {
		FILE *in = fopen(path, "rb");

		fclose(o.f);
		o.f = NULL;
		if (in == NULL || (buf = malloc(XLSX_WEB_MAX)) == NULL ||
		    (len = fread(buf, 1, XLSX_WEB_MAX, in)) == XLSX_WEB_MAX)
			out = EXPORT_WRITE;
		if (in != NULL)
			fclose(in);
	}
	if (o.f != NULL)
		fclose(o.f);
	if (fd >= 0)
		unlink(path);
	if (out != EXPORT_OK) {
		free(buf);
		return web_fail(r, out == EXPORT_TOO_MANY ? 413 : 500,
		                out == EXPORT_TOO_MANY ? "too-big" : "store",
		                out == EXPORT_STORE ? pk_strerror(res.err)
		                : out == EXPORT_XLSX_FAILED
		                    ? res.xlsx_why
		                    : PK_("the export failed; run 'pokjactl verify' on the node"),
		                NULL);
	}
	r->raw = buf;
	r->raw_len = len;
	r->raw_type = o.fmt == FMT_XLSX   ? "application/vnd.openxmlformats-officedocument."
	                                    "spreadsheetml.sheet"
	              : o.fmt == FMT_JSON ? "application/json; charset=utf-8"
	                                  : "text/csv; charset=utf-8";
	snprintf(r->raw_name, sizeof(r->raw_name), "%s.%s", coll->name, fmt);
}

/* /api/rekap/KIND?by=&tahun=&region=&format=html|json|csv: `pokjactl rekap KIND` (html: the
 * page to print under the node's letterhead). */
static void get_rekap(struct web_req *r, const char *kind)
{
	char fmt[8] = "html", by[16], tahun[8], region[PK_REGION_MAX + 1], place[256];
	struct rekap rk = {.by = BY_WILAYAH, .level = -1};
	struct rpt_page page;
	char *buf = NULL;
	size_t len = 0;
	int rep = -1, rlevel, err;

	for (int i = 0; rekap_report_names[i] != NULL; i++)
		if (strcmp(rekap_report_names[i], kind) == 0)
			rep = i;
	if (rep < 0)
		return web_fail(r, 404, "not-found", PK_("no report: kegiatan, arahan or kumuh"),
		                NULL);
	web_query(r, "format", fmt, sizeof(fmt));
	if (strcmp(fmt, "html") != 0 && strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0)
		return web_fail(r, 400, "malformed", PK_("format is html, json or csv"), NULL);
	if (web_query(r, "by", by, sizeof(by)) != NULL && by[0] != '\0') {
		int b = -1;

		for (int i = 0; rekap_by_names[i] != NULL; i++)
			if (strcmp(rekap_by_names[i], by) == 0)
				b = i;
		if (b < 0 || rep != REKAP_KEGIATAN)
			return web_fail(r, 400, "malformed",
			                PK_("by is wilayah, sumber_biaya, strategi, status or "
			                    "verifikasi, for the kegiatan report"),
			                NULL);
		rk.by = (enum rekap_by)b;
	}
	if (web_query(r, "tahun", tahun, sizeof(tahun)) != NULL && tahun[0] != '\0') {
		rk.tahun = atoi(tahun);
		if (rk.tahun < YEAR_MIN || rk.tahun > YEAR_MAX)
			return web_fail(r, 400, "malformed", PK_("tahun is a year"), NULL);
	}
	if (web_query(r, "region", region, sizeof(region)) == NULL || region[0] == '\0')
		snprintf(region, sizeof(region), "%s", r->node->region);
	else if (!pk_region_valid(region, strlen(region)))
		return web_fail(r, 400, "malformed",
		                PK_("the region is not a region code (32, 32.75, ...)"), NULL);
	snprintf(rk.region, sizeof(rk.region), "%s", region);
	rk.today = followup_today();
	rlevel = rekap_code_level(rk.region);
	rk.level = rlevel < PK_LEVEL_DESA ? rlevel + 1 : PK_LEVEL_DESA;
	rekap_place(r->node->region, place, sizeof(place));
	page = (struct rpt_page){r->node->name, place, (time_t)(node_now_ms() / 1000),
	                         i18n_lang() == I18N_EN ? "en" : "id"};
	err = rekap_build(&rk, r->s, rep, strcmp(fmt, "csv") == 0 ? RPT_CSV : RPT_JSON,
	                  strcmp(fmt, "html") == 0 ? &page : NULL, &buf, &len);
	if (err != 0) {
		free(buf);
		return web_fail(r, 500, "store", pk_strerror(err), NULL);
	}
	r->raw = buf;
	r->raw_len = len;
	r->raw_inline = true;
	r->raw_type = strcmp(fmt, "html") == 0  ? "text/html; charset=utf-8"
	              : strcmp(fmt, "csv") == 0 ? "text/csv; charset=utf-8"
	                                        : "application/json; charset=utf-8";
	snprintf(r->raw_name, sizeof(r->raw_name), "rekap-%s.%s", kind, fmt);
}

/* ---- routing ---------------------------------------------------------------------------- */

void web_api(struct web_req *r)
{
	char coll[PK_COLL_MAX + 1], key[PK_KEY_MAX + 1];
	const struct pk_collection *c = NULL;
	const char *p = r->path;
	bool get = strcmp(r->method, "GET") == 0;
	int n = 0;

	if (strcmp(p, "/api/schema") == 0 && get)
		return get_schema(r);
	if (strcmp(p, "/api/beranda") == 0 && get)
		return get_beranda(r);
	if (strcmp(p, "/api/status") == 0 && get) {
		if (!role_is(r, "admin", NULL))
			return web_fail(r, 403, WEB_TAG_ROLE,
			                PK_("only an admin sees the node's status"), NULL);
		return get_status(r);
	}
	if (strncmp(p, "/api/rekap/", 11) == 0 && get)
		return get_rekap(r, p + 11);
	if (strncmp(p, "/api/export/", 12) == 0 && get) {
		if ((c = pk_schema_find(p + 12, strlen(p + 12))) == NULL)
			return web_fail(r, 404, "not-found",
			                PK_("unknown collection (see /api/schema)"), NULL);
		return get_export(r, c);
	}
	if (strcmp(p, "/api/verifikasi") == 0) {
		if (get)
			return get_queue(r);
		if (strcmp(r->method, "POST") != 0)
			return web_fail(r, 405, WEB_TAG_METHOD, PK_("GET or POST"), NULL);
		if (!role_is(r, "verifikator", "admin"))
			return web_fail(r, 403, WEB_TAG_ROLE,
			                PK_("only a verifikator or an admin gives verdicts"), NULL);
		return post_verdict(r);
	}
	if (strncmp(p, "/api/records/", 13) != 0)
		return web_fail(r, 404, "not-found", PK_("no such API address"), NULL);
	p += 13;
	n = sscanf(p, "%32[^/]/%128[^/]", coll, key);
	if (n < 1 || strlen(p) > strlen(coll) + (n == 2 ? strlen(key) + 1 : 0) ||
	    (c = pk_schema_find(coll, strlen(coll))) == NULL)
		return web_fail(r, 404, "not-found", PK_("unknown collection (see /api/schema)"),
		                NULL);
	if (get)
		return n == 1 ? list_records(r, c) : get_record(r, c, key);
	if (!role_is(r, "operator", "admin"))
		return web_fail(r, 403, WEB_TAG_ROLE,
		                PK_("only an operator or an admin enters and changes records"),
		                NULL);
	if (n == 1 && strcmp(r->method, "POST") == 0)
		return put_record(r, c);
	if (n == 2 && strcmp(r->method, "PATCH") == 0)
		return edit_record(r, c, key);
	if (n == 2 && strcmp(r->method, "DELETE") == 0)
		return del_record(r, c, key);
	web_fail(r, 405, WEB_TAG_METHOD, PK_("not a method of this address"), NULL);
}
