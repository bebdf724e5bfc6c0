/* refs.c: references between records, looked up in this node's store (see refs.h). */
#include "refs.h"
#include "i18n.h"
#include "verif.h"

#include <stdio.h>
#include <string.h>

#include "proto/region.h"

int refs_each(const struct pk_collection *coll, const char *region, const uint8_t *value,
              size_t len, int (*fn)(const struct ref_to *t, void *arg), void *arg)
{
	struct pk_rec r;
	int err;

	if (pk_record_open(&r, coll, value, len) != 0)
		return PK_EDECODE;
	for (size_t k = 0; k < coll->nfields; k++) {
		struct ref_to t;
		struct pk_ref p;

		if (coll->fields[k].type != PK_T_REF)
			continue;
		err = pk_record_ref(&r, k, &p);
		if (err == PK_ENOTFOUND)
			continue;
		if (err != 0 || p.klen > PK_KEY_MAX || (p.exact && p.rlen > PK_REGION_MAX))
			return PK_EDECODE;
		memset(&t, 0, sizeof(t));
		t.field = p.f->name;
		t.coll = p.coll->name;
		memcpy(t.key, p.key, p.klen);
		t.exact = p.exact;
		if (p.exact)
			memcpy(t.region, p.region, p.rlen);
		else
			snprintf(t.region, sizeof(t.region), "%s", region);
		if ((err = fn(&t, arg)) != 0)
			return err;
	}
	return 0;
}

/* The smap key of a record: "coll\0region\0key"; its length. */
static size_t rec_id(char *buf, size_t cap, const char *coll, const char *region, const char *key)
{
	int n = snprintf(buf, cap, "%s%c%s%c%s", coll, 0, region, 0, key);

	return n < 0 || (size_t)n >= cap ? cap - 1 : (size_t)n;
}

/* Regions a non-exact ref looks in, nearest first: the record's own, then each enclosing one
 * up to "" (at most 5). */
static int enclosing(const char *region, char out[][PK_REGION_MAX + 1])
{
	int n = 0;
	size_t len = strlen(region);

	for (;;) {
		memcpy(out[n], region, len);
		out[n++][len] = '\0';
		if (len == 0)
			return n;
		while (len > 0 && region[len - 1] != '.')
			len--;
		if (len > 0)
			len--; /* drop the dot */
	}
}

struct look {
	char regions[6][PK_REGION_MAX + 1];
	int nregions;
	int best; /* the nearest region index that holds one, or -1 */
	bool any;
};

static int look_visit(const struct store_record *r, void *arg)
{
	struct look *l = arg;

	for (int i = 0; i < l->nregions; i++)
		if (strcmp(r->region, l->regions[i]) == 0) {
			l->any = true;
			if (!r->deleted && (l->best < 0 || i < l->best))
				l->best = i;
		}
	return 0;
}

/* Whether a node of region home holds records of region code: its own, those below it and
 * those above it (the lineage rule, SPEC section 16). */
static bool held(const char *code, const char *home)
{
	size_t cl = strlen(code), hl = strlen(home);

	return pk_region_within(code, cl, home, hl) || pk_region_within(home, hl, code, cl);
}

int refs_find(struct store *s, const char *home, const struct smap *pending, const struct ref_to *t)
{
	struct look l = {.best = -1};
	char id[PK_COLL_MAX + PK_REGION_MAX + PK_KEY_MAX + 3];
	int n;

	if (t->exact) {
		if (!held(t->region, home))
			return REF_NOT_HELD;
		snprintf(l.regions[0], sizeof(l.regions[0]), "%s", t->region);
		l.nregions = 1;
	} else {
		l.nregions = enclosing(t->region, l.regions);
	}
	if (pending != NULL && pending->n > 0)
		for (int i = 0; i < l.nregions; i++)
			if (smap_get(pending, id,
			             rec_id(id, sizeof(id), t->coll, l.regions[i], t->key)) >= 0)
				return REF_LIVE;
	/* One lookup by key over every region (the key index): tombstones too, to tell
	 * a deleted target from one never held. */
	n = store_get_any(s, t->coll, t->key, t->exact ? t->region : NULL, look_visit, &l);
	if (n < 0)
		return n;
	return l.best >= 0 ? REF_LIVE : l.any ? REF_DELETED : REF_MISSING;
}

static const char *code_text(const char *code)
{
	return code[0] ? code : _("\"\" (national)");
}

void refs_why(const struct ref_to *t, int found, char *buf, size_t cap)
{
	if (found == REF_NOT_HELD)
		snprintf(
		    buf, cap,
		    _("field '%s': region %s is not held by this node, which holds only its own "
		      "region and those below and above it"),
		    t->field, code_text(t->region));
	else if (found == REF_DELETED)
		snprintf(
		    buf, cap,
		    _("field '%s': %s '%s' in region %s%s was deleted (see 'pokjactl history %s "
		      "%s')"),
		    t->field, t->coll, t->key, code_text(t->region), t->exact ? "" : _(" or above"),
		    t->coll, t->key);
	else if (t->exact)
		snprintf(buf, cap,
		         _("field '%s': no %s '%s' in region %s (see 'pokjactl list %s')"),
		         t->field, t->coll, t->key, code_text(t->region), t->coll);
	else
		snprintf(
		    buf, cap,
		    _("field '%s': no %s '%s' in region %s or a region above it (see 'pokjactl "
		      "list %s')"),
		    t->field, t->coll, t->key, code_text(t->region), t->coll);
}

void refs_check_init(struct refcheck *rc, struct store *s, const char *home)
{
	memset(rc, 0, sizeof(*rc));
	rc->s = s;
	rc->home = home;
}

void refs_check_free(struct refcheck *rc)
{
	smap_free(&rc->pending);
}

int refs_check_pending(struct refcheck *rc, const char *coll, const char *region, const char *key)
{
	char id[PK_COLL_MAX + PK_REGION_MAX + PK_KEY_MAX + 3];

	return smap_put(&rc->pending, id, rec_id(id, sizeof(id), coll, region, key)) < 0 ? PK_ENOMEM
	                                                                                 : 0;
}

/* The references of the old value, to leave those unchanged alone. */
#define REFS_MAX 8
struct old_refs {
	struct ref_to t[REFS_MAX];
	int n;
};

static int keep_old(const struct ref_to *t, void *arg)
{
	struct old_refs *o = arg;

	if (o->n < REFS_MAX)
		o->t[o->n++] = *t;
	return 0;
}

struct check_ctx {
	struct refcheck *rc;
	const struct old_refs *old;
	struct rec_errors *errs;
	size_t line;
	int bad;
	bool verdict; /* the record is a verifikasi */
};

static int check_one(const struct ref_to *t, void *arg)
{
	struct check_ctx *x = arg;
	char why[300];
	int found;

	for (int i = 0; i < x->old->n; i++) {
		const struct ref_to *o = &x->old->t[i];

		if (strcmp(o->field, t->field) == 0 && strcmp(o->coll, t->coll) == 0 &&
		    strcmp(o->key, t->key) == 0 && strcmp(o->region, t->region) == 0)
			return 0;
	}
	/* A verdict names the record it judges: only a node above its owner gives one (the state
	 * rule ignores any other, SPEC section 20), so writing one by hand is refused as
	 * `pokjactl verifikasi` refuses it. */
	if (x->verdict &&
	    vidx_may_judge(x->rc->home, t->coll, t->region, t->key, why, sizeof(why)) != 0) {
		rec_error_add(x->errs, x->line, "%s", why);
		rec_error_at(x->errs, t->field);
		x->bad++;
		return 0;
	}
	found = refs_find(x->rc->s, x->rc->home, &x->rc->pending, t);
	if (found < 0)
		return found;
	if (found != REF_LIVE) {
		refs_why(t, found, why, sizeof(why));
		rec_error_add(x->errs, x->line, "%s", why);
		rec_error_at(x->errs, t->field);
		x->bad++;
	}
	return 0;
}

int refs_check(struct refcheck *rc, const struct pk_collection *coll, const char *region,
               const uint8_t *value, size_t len, const uint8_t *old, size_t old_len,
               struct rec_errors *errs, size_t line)
{
	struct old_refs o = {.n = 0};
	struct check_ctx x = {rc, &o, errs, line, 0, strcmp(coll->name, "verifikasi") == 0};
	int err;

	if (old != NULL && refs_each(coll, region, old, old_len, keep_old, &o) != 0)
		o.n = 0; /* a stored value that does not decode: check everything */
	if ((err = refs_each(coll, region, value, len, check_one, &x)) != 0)
		return err < 0 ? err : PK_EDECODE;
	return x.bad;
}

/* ---- dangling references -------------------------------------------------------------- */

struct dang {
	struct store *s;
	const char *home, *within;
	const char *const *colls;
	int (*fn)(const struct ref_dangling *d, void *arg);
	void *arg;
	const struct store_record *r; /* the record whose references are looked at */
	bool verifikasi_filter;       /* only targets in colls within `within` */
	int n, err;
};

static bool listed(const char *const *colls, const char *name)
{
	if (colls == NULL)
		return true;
	for (; *colls != NULL; colls++)
		if (strcmp(*colls, name) == 0)
			return true;
	return false;
}

static int dang_ref(const struct ref_to *t, void *arg)
{
	struct dang *x = arg;
	struct ref_dangling d;
	int found;

	if (x->verifikasi_filter &&
	    (!listed(x->colls, t->coll) ||
	     (x->within != NULL &&
	      !pk_region_within(t->region, strlen(t->region), x->within, strlen(x->within)))))
		return 0;
	found = refs_find(x->s, x->home, NULL, t);
	if (found < 0)
		return found;
	if (found == REF_LIVE || found == REF_NOT_HELD)
		return 0;
	d = (struct ref_dangling){x->r->coll, x->r->region, x->r->key, t, found};
	x->n++;
	return x->fn(&d, x->arg) != 0 ? 1 : 0;
}

static int dang_visit(const struct store_record *r, void *arg)
{
	struct dang *x = arg;
	const struct pk_collection *c = pk_schema_find(r->coll, strlen(r->coll));
	int err;

	if (c == NULL)
		return 0;
	x->r = r;
	err = refs_each(c, r->region, r->value, r->value_len, dang_ref, x);
	if (err == PK_EDECODE)
		return 0; /* verify reports undecodable records on their own */
	if (err != 0)
		x->err = err;
	return err;
}

static bool has_refs(const struct pk_collection *c)
{
	for (size_t k = 0; k < c->nfields; k++)
		if (c->fields[k].type == PK_T_REF &&
		    (c->fields[k].ref_coll != NULL || c->fields[k].ref_coll_field != NULL))
			return true;
	return false;
}

int refs_dangling(struct store *s, const char *home, const char *within, const char *const *colls,
                  int (*fn)(const struct ref_dangling *d, void *arg), void *arg)
{
	struct dang x = {s, home, within, colls, fn, arg, NULL, false, 0, 0};
	const struct pk_collection *all;
	size_t n;
	int err = 0;

	all = pk_schema_all(&n);
	for (size_t i = 0; i < n && err >= 0 && x.err == 0; i++) {
		bool verif = strcmp(all[i].name, "verifikasi") == 0;

		if (!has_refs(&all[i]))
			continue;
		if (verif && colls != NULL && !listed(colls, "verifikasi")) {
			/* Verdicts on the records of colls, wherever the verifier files them. */
			x.verifikasi_filter = true;
			err = store_list(s, all[i].name, NULL, false, dang_visit, &x);
			x.verifikasi_filter = false;
		} else if (listed(colls, all[i].name)) {
			err = store_list(s, all[i].name, within, false, dang_visit, &x);
		}
	}
	if (err < 0)
		return err;
	return x.err < 0 ? x.err : x.n;
}
