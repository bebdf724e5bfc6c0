/* verif.c: the verification state of records, from an index of the verifikasi held (see
 * verif.h). */
#include "verif.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/record.h"
#include "proto/region.h"

struct vspan {
	size_t first, n; /* verdicts v[first .. first + n) */
};

/* One verifikasi as read, before grouping. */
struct vraw {
	size_t target; /* index in targets */
	struct pk_verdict v;
	struct vinfo info;
};

struct vload {
	struct vidx *x;
	struct vraw *raw;
	size_t n, cap;
	int err;
};

static size_t target_id(char *buf, size_t cap, const char *coll, size_t cl, const char *region,
                        size_t rl, const char *key, size_t kl)
{
	size_t need = cl + rl + kl + 2;

	if (need > cap)
		return 0;
	memcpy(buf, coll, cl);
	buf[cl] = '\0';
	memcpy(buf + cl + 1, region, rl);
	buf[cl + 1 + rl] = '\0';
	memcpy(buf + cl + rl + 2, key, kl);
	return need;
}

static int load_visit(const struct store_record *r, void *arg)
{
	static const struct pk_collection *coll;
	struct vload *l = arg;
	struct pk_rec rec;
	struct pk_rec_val k, w, kunci, hasil, cat;
	char id[PK_COLL_MAX + PK_REGION_MAX + PK_KEY_MAX + 3];
	struct vraw *e;
	size_t idlen;
	long t;
	int st;

	if (coll == NULL)
		coll = pk_schema_find("verifikasi", 10);
	if (pk_record_open(&rec, coll, r->value, r->value_len) != 0 ||
	    pk_record_get_named(&rec, "koleksi", &k) != 0 ||
	    pk_record_get_named(&rec, "wilayah_rekaman", &w) != 0 ||
	    pk_record_get_named(&rec, "kunci", &kunci) != 0 ||
	    pk_record_get_named(&rec, "hasil", &hasil) != 0 ||
	    (st = pk_vstate_of_hasil(hasil.s, hasil.slen)) < 0 ||
	    (idlen = target_id(id, sizeof(id), k.s, k.slen, w.s, w.slen, kunci.s, kunci.slen)) ==
	        0) {
		l->x->bad++;
		return 0;
	}
	if ((t = smap_put(&l->x->targets, id, idlen)) < 0)
		goto nomem;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct vraw *nr = realloc(l->raw, ncap * sizeof(*nr));

		if (nr == NULL)
			goto nomem;
		l->raw = nr;
		l->cap = ncap;
	}
	e = &l->raw[l->n];
	memset(e, 0, sizeof(*e));
	e->target = (size_t)t;
	e->v.v.hlc = r->hlc;
	memcpy(e->v.v.origin, r->origin, PK_PUB_BYTES);
	e->v.state = (enum pk_vstate)st;
	e->info.state = (enum pk_vstate)st;
	snprintf(e->info.region, sizeof(e->info.region), "%s", r->region);
	snprintf(e->info.key, sizeof(e->info.key), "%s", r->key);
	if (pk_record_get_named(&rec, "catatan", &cat) == 0 &&
	    (e->info.catatan = strndup(cat.s, cat.slen)) == NULL)
		goto nomem;
	l->n++;
	return 0;
nomem:
	l->err = PK_ENOMEM;
	return 1;
}

int vidx_load(struct vidx *x, struct store *s)
{
	struct vload l = {.x = x};
	struct vspan *sp;
	size_t *fill = NULL;
	int n;

	memset(x, 0, sizeof(*x));
	x->targets.vsize = sizeof(struct vspan);
	n = store_list(s, "verifikasi", NULL, false, load_visit, &l);
	if (n >= 0 && l.err != 0)
		n = l.err;
	if (n < 0)
		goto fail;
	/* Group by target: a counting sort on the target index. */
	if (l.n > 0 && ((x->v = malloc(l.n * sizeof(*x->v))) == NULL ||
	                (x->info = malloc(l.n * sizeof(*x->info))) == NULL ||
	                (fill = calloc(x->targets.n, sizeof(*fill))) == NULL)) {
		n = PK_ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < l.n; i++)
		((struct vspan *)smap_val(&x->targets, l.raw[i].target))->n++;
	for (size_t t = 0, at = 0; t < x->targets.n; t++) {
		sp = smap_val(&x->targets, t);
		sp->first = at;
		at += sp->n;
	}
	for (size_t i = 0; i < l.n; i++) {
		sp = smap_val(&x->targets, l.raw[i].target);
		size_t at = sp->first + fill[l.raw[i].target]++;

		x->v[at] = l.raw[i].v;
		x->info[at] = l.raw[i].info;
		x->v[at].region = x->info[at].region;
	}
	x->n = l.n;
	free(fill);
	free(l.raw);
	return 0;
fail:
	for (size_t i = 0; i < l.n; i++)
		free(l.raw[i].info.catatan);
	free(l.raw);
	free(fill);
	free(x->v);
	free(x->info);
	smap_free(&x->targets);
	memset(x, 0, sizeof(*x));
	return n;
}

void vidx_free(struct vidx *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->info[i].catatan);
	free(x->v);
	free(x->info);
	smap_free(&x->targets);
	memset(x, 0, sizeof(*x));
}

bool vidx_applies(const char *coll)
{
	return strcmp(coll, "verifikasi") != 0 && strcmp(coll, "pencabutan") != 0 &&
	       strcmp(coll, "kesehatan_node") != 0 && strcmp(coll, "jejak") != 0;
}

bool vidx_verifiable(const char *coll, const char *region)
{
	return vidx_applies(coll) && pk_region_owner_len(region, strlen(region)) > 0;
}

const struct vinfo *vidx_state(const struct vidx *x, const char *coll, const char *region,
                               const char *key, const struct pk_version *rec, const char *by,
                               const struct pk_verdict **v)
{
	char id[PK_COLL_MAX + PK_REGION_MAX + PK_KEY_MAX + 3];
	size_t idlen =
	    target_id(id, sizeof(id), coll, strlen(coll), region, strlen(region), key, strlen(key));
	const struct vspan *sp;
	long t, i;

	if (idlen == 0 || (t = smap_get(&x->targets, id, idlen)) < 0)
		return NULL;
	sp = smap_val(&x->targets, (size_t)t);
	if ((i = pk_verdict_pick(region, rec, x->v + sp->first, sp->n, by)) < 0)
		return NULL;
	if (v != NULL)
		*v = &x->v[sp->first + (size_t)i];
	return &x->info[sp->first + (size_t)i];
}

json_t *vidx_json(const struct vinfo *vi, const struct pk_verdict *v, struct cli_authors *as)
{
	char when[32];
	json_t *o;

	if (vi == NULL)
		return json_pack("{s:s}", "status", pk_vstate_name(PK_VS_BELUM));
	cli_hlc_time(when, v->v.hlc);
	o = json_pack("{s:s, s:s*, s:o, s:s}", "status", pk_vstate_name(vi->state), "catatan",
	              vi->catatan, "oleh", cli_author_json(cli_author(as, v->v.origin)), "waktu",
	              when);
	return o;
}

bool vidx_awaits(const struct vidx *x, const char *home, const char *coll, const char *region,
                 const char *key, const struct pk_version *rec)
{
	return pk_verdict_ancestor(home, region) &&
	       vidx_state(x, coll, region, key, rec, home, NULL) == NULL;
}

int vidx_add_json(json_t *o, const struct vidx *x, struct cli_authors *as, const char *coll,
                  const char *region, const char *key, uint64_t hlc,
                  const uint8_t origin[PK_PUB_BYTES])
{
	struct pk_version rec = {.hlc = hlc};
	const struct pk_verdict *v = NULL;
	const struct vinfo *vi;

	if (!vidx_applies(coll) || !vidx_verifiable(coll, region))
		return 0;
	memcpy(rec.origin, origin, PK_PUB_BYTES);
	vi = vidx_state(x, coll, region, key, &rec, NULL, &v);
	return json_object_set_new(o, "verifikasi", vidx_json(vi, v, as)) != 0 ? PK_ENOMEM : 0;
}

int vidx_may_judge(const char *home, const char *coll, const char *region, const char *key,
                   char *why, size_t n)
{
	const char *r = region[0] ? region : "\"\"";

	if (pk_region_owned(region, strlen(region), home, strlen(home))) {
		snprintf(
		    why, n,
		    _("%s/%s in region %s is this node's own record: a record is verified by a "
		      "node above its owner, not by the owner"),
		    coll, key, r);
		return -1;
	}
	if (!pk_verdict_ancestor(home, region)) {
		snprintf(
		    why, n,
		    _("%s/%s in region %s is not below this node's region %s: only a node above "
		      "a record's owner verifies it"),
		    coll, key, r, home[0] ? home : _("\"\" (national)"));
		return -1;
	}
	return 0;
}
