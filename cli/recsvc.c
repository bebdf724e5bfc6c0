/* recsvc.c: one record put, edited or deleted, checked as every way in checks it (recsvc.h). */
#include "recsvc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "recfind.h"
#include "recin.h"
#include "recjson.h"
#include "recnorm.h"
#include "refs.h"
#include "verif.h"

/* The references value sets must name records held here, a verdict only one this node may give;
 * those old held already are not checked again. 0, RECSVC_INVALID or RECSVC_FAILED. */
static enum recsvc_outcome check_refs(const struct recsvc *w, const struct pk_collection *coll,
                                      const char *region, const uint8_t *value, size_t len,
                                      const uint8_t *old, size_t old_len, struct rec_errors *errs,
                                      struct pk_diag *d)
{
	struct refcheck rck;
	int bad;

	refs_check_init(&rck, w->s, w->node->region);
	bad = refs_check(&rck, coll, region, value, len, old, old_len, errs, 0);
	refs_check_free(&rck);
	if (bad < 0) {
		pk_diagf(d, bad, "reading the store: %s", pk_strerror(bad));
		return RECSVC_FAILED;
	}
	return bad > 0 ? RECSVC_INVALID : RECSVC_OK;
}

void recsvc_pair_key(const char *coll, const char *region, const char *key,
                     char out[PK_KEY_MAX + 1])
{
	char full[PK_COLL_MAX + PK_REGION_MAX + PK_KEY_MAX + 3];
	uint8_t h[PK_HASH_BYTES];
	int n = snprintf(full, sizeof(full), "%s:%s:%s", coll, region, key);

	if (n >= 0 && n <= PK_KEY_MAX) {
		memcpy(out, full, (size_t)n + 1);
		return;
	}
	pk_hash(h, (const uint8_t *)full, strlen(full));
	memcpy(out, "h:", 2);
	pk_hex(out + 2, h, 16);
}

/* Writes op (under cond) and, with w->who, the jejak record of it (tindakan) in the same
 * changeset. */
static int write_with_trail(const struct recsvc *w, const struct pk_op *op,
                            const struct store_cond *cond, const char *tindakan,
                            struct store_written *wr, struct pk_diag *d)
{
	const struct pk_collection *jc = pk_schema_find("jejak", 5);
	struct store_cond conds[2] = {*cond, {STORE_IF_ANY, 0, {0}}};
	struct pk_op ops[2] = {*op};
	char key[PK_KEY_MAX + 1];
	uint8_t *value = NULL;
	json_t *obj;
	size_t len;
	int err;

	if (w->who == NULL)
		return store_write_if(w->s, w->sec, op, cond, 1, w->now_ms, wr, NULL, NULL, d);
	recsvc_pair_key(op->coll, op->region, op->key, key);
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "koleksi", op->coll, "kunci", op->key,
	                "wilayah_rekaman", op->region, "pengguna", w->who->user, "peran",
	                w->who->role, "tindakan", tindakan);
	if (obj != NULL && w->who->fullname != NULL && w->who->fullname[0] != '\0')
		json_object_set_new(obj, "nama_pengguna", json_string(w->who->fullname));
	if (obj == NULL)
		return pk_diagf(d, PK_ENOMEM, "out of memory");
	err = recjson_encode(jc, obj, &value, &len, d);
	json_decref(obj);
	if (err != 0)
		return err;
	pk_op_set(&ops[1], "jejak", op->region, key, value, len);
	err = store_write_if(w->s, w->sec, ops, conds, 2, w->now_ms, wr, NULL, NULL, d);
	free(value);
	return err;
}

enum recsvc_outcome recsvc_put(const struct recsvc *w, json_t *obj, const char *coll,
                               const char *key, bool replace, struct rec_errors *errs,
                               struct recsvc_done *done, struct pk_diag *d)
{
	struct store_cond cond = {replace ? STORE_IF_ANY : STORE_IF_ABSENT, 0, {0}};
	struct rec_in r = {0};
	struct store_written wr;
	struct pk_op op;
	enum recsvc_outcome out;
	int err;

	memset(done, 0, sizeof(*done));
	if (rec_from_json(obj, coll, key, w->node->region, 0, &r, errs, 0) != 0) {
		out = RECSVC_INVALID;
		goto fin;
	}
	done->coll = r.coll;
	snprintf(done->key, sizeof(done->key), "%s", r.key);
	snprintf(done->region, sizeof(done->region), "%s", r.region);
	if (cli_region_own(r.region, w->node->region, d) != 0) {
		out = RECSVC_OWNER;
		goto fin;
	}
	if ((out = check_refs(w, r.coll, r.region, r.value, r.value_len, NULL, 0, errs, d)) != 0)
		goto fin;
	rec_op(&r, &op);
	err = write_with_trail(w, &op, &cond, "rekam", &wr, d);
	if (err == PK_EEXIST)
		out = RECSVC_EXISTS;
	else if (err != 0)
		out = RECSVC_REFUSED;
	else
		done->seq = wr.last_seq;
	done->err = err;
fin:
	free(r.value);
	return out;
}

/* The field of coll named by name[0..len), or NULL after adding why to errs. */
static const struct pk_field *edit_field(const struct pk_collection *coll, const char *name,
                                         size_t len, struct rec_errors *errs)
{
	const struct pk_field *f = pk_schema_field(coll, name, len);

	if (f != NULL)
		return f;
	if ((len == 3 && memcmp(name, "key", 3) == 0) ||
	    (len == 7 && memcmp(name, "wilayah", 7) == 0))
		rec_error_add(errs, 0,
		              "'%.*s' is not a field: edit cannot move a record to another key or "
		              "region (put it under the new one and delete the old)",
		              (int)len, name);
	else
		rec_error_add(errs, 0,
		              "field '%.*s' is not a field of collection '%s' (see 'pokjactl "
		              "schema %s')",
		              (int)len > 60 ? 60 : (int)len, name, coll->name, coll->name);
	return NULL;
}

/* Sets or unsets each field of e in obj, the record's JSON form; every problem into errs. */
static int apply_edits(const struct pk_collection *coll, json_t *obj, const struct recsvc_edit *e,
                       int n, struct rec_errors *errs, char *names, size_t cap)
{
	size_t used = 0;

	names[0] = '\0';
	for (int i = 0; i < n; i++) {
		const struct pk_field *f = edit_field(coll, e[i].field, e[i].len, errs);
		struct pk_diag d;
		json_t *v = NULL;
		int err;

		if (f == NULL) {
			rec_error_at(errs, "");
			continue;
		}
		if (e[i].value == NULL && f->required) {
			rec_error_add(errs, 0,
			              "field '%s' is required in collection '%s' and cannot be "
			              "unset; give it another value with --set %s=VALUE",
			              f->name, coll->name, f->name);
			rec_error_at(errs, f->name);
			continue;
		}
		if (e[i].value == NULL) {
			json_object_del(obj, f->name);
		} else {
			err = recnorm_value(f, e[i].value, RECNORM_LISTED, &v, &d);
			if (err == PK_ENOMEM)
				return PK_ENOMEM;
			if (err != 0) {
				rec_error_add(errs, 0, "%s", d.msg);
				rec_error_at(errs, f->name);
				continue;
			}
			if (json_object_set_new(obj, f->name, v) != 0)
				return PK_ENOMEM;
		}
		used +=
		    (size_t)snprintf(names + used, cap - used, "%s%s", used ? ", " : "", f->name);
		if (used >= cap)
			used = cap - 1;
	}
	return 0;
}

/* Starts a write over the live record old: done names it; RECSVC_OWNER (d says why) when its
 * region is not this node's to write. */
static enum recsvc_outcome on_old(const struct recsvc *w, const struct pk_collection *coll,
                                  const struct found *old, struct recsvc_done *done,
                                  struct pk_diag *d)
{
	memset(done, 0, sizeof(*done));
	done->coll = coll;
	snprintf(done->key, sizeof(done->key), "%s", old->key);
	snprintf(done->region, sizeof(done->region), "%s", old->region);
	return cli_region_own(old->region, w->node->region, d) != 0 ? RECSVC_OWNER : RECSVC_OK;
}

enum recsvc_outcome recsvc_edit(const struct recsvc *w, const struct pk_collection *coll,
                                const struct found *old, const struct recsvc_edit *e, int n,
                                struct rec_errors *errs, struct recsvc_done *done,
                                struct pk_diag *d)
{
	struct store_written wr;
	struct store_cond cond;
	struct pk_op op;
	uint8_t *value = NULL;
	json_t *obj = NULL;
	enum recsvc_outcome out;
	size_t len;
	int err;

	if (on_old(w, coll, old, done, d) != RECSVC_OK)
		return RECSVC_OWNER;
	if ((obj = json_object()) == NULL ||
	    recjson_decode(coll, old->value, old->value_len, obj) != 0) {
		pk_diagf(d, PK_ECORRUPT,
		         "the stored record does not decode; run 'pokjactl verify'");
		out = RECSVC_FAILED;
		goto fin;
	}
	if ((err = apply_edits(coll, obj, e, n, errs, done->changed, sizeof(done->changed))) != 0) {
		pk_diagf(d, err, "out of memory");
		out = RECSVC_FAILED;
		goto fin;
	}
	if (rec_errors_count(errs) > 0) {
		out = RECSVC_INVALID;
		goto fin;
	}
	if ((done->err = recjson_encode(coll, obj, &value, &len, d)) != 0) {
		out = RECSVC_REFUSED;
		goto fin;
	}
	if (len == old->value_len && memcmp(value, old->value, len) == 0) {
		out = RECSVC_NO_CHANGE;
		goto fin;
	}
	if ((out = check_refs(w, coll, old->region, value, len, old->value, old->value_len, errs,
	                      d)) != 0)
		goto fin;
	pk_op_set(&op, coll->name, old->region, old->key, value, len);
	cond.kind = STORE_IF_VERSION;
	cond.hlc = old->hlc;
	memcpy(cond.origin, old->origin, PK_PUB_BYTES);
	if ((done->err = write_with_trail(w, &op, &cond, "ubah", &wr, d)) != 0)
		out = RECSVC_REFUSED;
	else
		done->seq = wr.last_seq;
fin:
	json_decref(obj);
	free(value);
	return out;
}

enum recsvc_outcome recsvc_del(const struct recsvc *w, const struct pk_collection *coll,
                               const struct found *old, struct recsvc_done *done, struct pk_diag *d)
{
	struct store_cond any = {STORE_IF_ANY, 0, {0}};
	struct store_written wr;
	struct pk_op op;

	if (on_old(w, coll, old, done, d) != RECSVC_OK)
		return RECSVC_OWNER;
	pk_op_set(&op, coll->name, old->region, old->key, NULL, 0);
	if ((done->err = write_with_trail(w, &op, &any, "hapus", &wr, d)) != 0)
		return RECSVC_REFUSED;
	done->seq = wr.last_seq;
	return RECSVC_OK;
}

enum recsvc_outcome recsvc_verdict(const struct recsvc *w, const char *coll,
                                   const struct found *old, const char *hasil, const char *catatan,
                                   struct recsvc_done *done, struct pk_diag *d)
{
	const struct pk_collection *vc = pk_schema_find("verifikasi", 10);
	char why[PK_REGION_MAX * 2 + PK_KEY_MAX + 200], date[16];
	enum recsvc_outcome out = RECSVC_OK;
	time_t now = (time_t)(w->now_ms / 1000);
	struct store_written wr;
	struct pk_op op;
	uint8_t *value = NULL;
	json_t *obj;
	struct tm tm;
	size_t len;

	memset(done, 0, sizeof(*done));
	done->coll = vc;
	snprintf(done->region, sizeof(done->region), "%s", w->node->region);
	if (vidx_may_judge(w->node->region, coll, old->region, old->key, why, sizeof(why)) != 0) {
		pk_diagf(d, PK_EPERM, "%s", why);
		return RECSVC_OWNER;
	}
	recsvc_pair_key(coll, old->region, old->key, done->key);
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s}", "koleksi", coll, "wilayah_rekaman",
	                old->region, "kunci", old->key, "hasil", hasil, "tanggal", date);
	if (obj == NULL || (catatan != NULL && catatan[0] != '\0' &&
	                    json_object_set_new(obj, "catatan", json_string(catatan)) != 0)) {
		pk_diagf(d, PK_ENOMEM, "out of memory");
		out = RECSVC_FAILED;
	} else if ((done->err = recjson_encode(vc, obj, &value, &len, d)) != 0) {
		out = RECSVC_INVALID;
	} else {
		struct store_cond any = {STORE_IF_ANY, 0, {0}};

		pk_op_set(&op, "verifikasi", w->node->region, done->key, value, len);
		if ((done->err = write_with_trail(w, &op, &any, "verifikasi", &wr, d)) != 0)
			out = RECSVC_REFUSED;
		else
			done->seq = wr.last_seq;
	}
	json_decref(obj);
	free(value);
	return out;
}
