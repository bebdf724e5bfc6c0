/*
 * test_history.c: a record's versions (store_history, the index `hist` of SPEC section 11), the
 * index built for a store made before it, and conditional writes (store_write_if).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/store.h"
#include "daemon/store_int.h"
#include "proto/hlc.h"
#include "testutil.h"

#define BASE_MS (TU_T0_MS + 86400000ULL) /* inside every certificate's validity */
#define BASE_HLC pk_hlc_from_ms(BASE_MS)
#define NOW_MS (BASE_MS + 3600000ULL)

/* kab and kab_new are two keys of district 32.75: the one it had, and the one it made when it
 * replaced its server, both certified by the province for 32.75 (so both own its records). */
static struct tu_key root, prov, kab, kab_new;

struct fx {
	char *dir;
	char path[512];
	struct store *s;
};

/* What the history walk handed over. */
struct vers {
	int n;
	uint64_t hlc[8];
	uint64_t seq[8];
	uint8_t origin[8][PK_PUB_BYTES];
	bool deleted[8];
	uint8_t value[8][256];
	size_t vlen[8];
};

/* Whether version i's value holds the text t (the kegiatan's nama). */
static bool has(const struct vers *vs, int i, const char *t)
{
	return memmem(vs->value[i], vs->vlen[i], t, strlen(t)) != NULL;
}

static int take(const struct store_version *v, void *arg)
{
	struct vers *vs = arg;

	assert_true(vs->n < 8);
	vs->hlc[vs->n] = v->hlc;
	vs->seq[vs->n] = v->seq;
	memcpy(vs->origin[vs->n], v->origin, PK_PUB_BYTES);
	vs->deleted[vs->n] = v->deleted;
	assert_true(v->value_len <= sizeof(vs->value[0]));
	assert_true((v->value == NULL) == v->deleted);
	if (v->value != NULL)
		memcpy(vs->value[vs->n], v->value, v->value_len);
	vs->vlen[vs->n] = v->value_len;
	vs->n++;
	return 0;
}

/* The versions of kegiatan record `key` of region `region`. */
static int history(struct store *s, const char *region, const char *key, struct vers *vs)
{
	memset(vs, 0, sizeof(*vs));
	return store_history(s, "kegiatan", region, key, take, vs);
}

/* The node is the national one: it writes records of region "", the only region it owns. */

static int write_kg(struct store *s, const char *key, const char *nama, const struct store_cond *c,
                    struct pk_diag *d)
{
	struct store_written w;
	size_t vlen = 0;
	uint8_t *v = nama ? tu_kegiatan(nama, 2026, &vlen) : NULL;
	struct pk_op op = tu_op("kegiatan", "", key, v, vlen);
	int err = store_write_if(s, root.sec, &op, c, 1, BASE_MS, &w, NULL, NULL, d);

	free(v);
	return err;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tu_tmpdir();
	snprintf(f->path, sizeof(f->path), "%s/node", f->dir);
	f->s = tu_store_new(f->path, &root, &root, "", "Kementerian PKP");
	tu_cert_put(f->s, &root, &prov, "32");
	tu_cert_put(f->s, &prov, &kab, "32.75");
	tu_cert_put(f->s, &prov, &kab_new, "32.75");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	store_close(f->s);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	tu_init();
	tu_key(&root, 0);
	tu_key(&prov, 1);
	tu_key(&kab, 2);
	tu_key(&kab_new, 3);
	return 0;
}

/* Three local writes and a delete: four versions, oldest first, the delete last. */
static void test_versions_in_order(void **state)
{
	struct fx *f = *state;
	struct pk_diag d = {""};
	struct vers vs;

	assert_int_equal(write_kg(f->s, "kg-1", "Versi A", NULL, &d), 0);
	assert_int_equal(write_kg(f->s, "kg-1", "Versi B", NULL, &d), 0);
	assert_int_equal(write_kg(f->s, "kg-2", "Versi X", NULL, &d), 0); /* another record */
	assert_int_equal(write_kg(f->s, "kg-1", "Versi C", NULL, &d), 0);
	assert_int_equal(write_kg(f->s, "kg-1", NULL, NULL, &d), 0);
	assert_true(store_history_indexed(f->s));
	assert_int_equal(history(f->s, "", "kg-1", &vs), 4);
	assert_true(has(&vs, 0, "Versi A"));
	assert_true(has(&vs, 1, "Versi B"));
	assert_true(has(&vs, 2, "Versi C"));
	assert_true(vs.deleted[3]);
	assert_false(vs.deleted[0]);
	assert_int_equal(vs.seq[0], 1);
	assert_int_equal(vs.seq[3], 5);
	for (int i = 1; i < 4; i++)
		assert_true(vs.hlc[i] > vs.hlc[i - 1]);
	assert_memory_equal(vs.origin[0], root.pub, PK_PUB_BYTES);
	assert_int_equal(history(f->s, "", "kg-2", &vs), 1);
	/* A key that is a prefix of another is a record of its own, and so is the same key in
	 * another region. */
	assert_int_equal(history(f->s, "", "kg", &vs), 0);
	assert_int_equal(history(f->s, "32", "kg-1", &vs), 0);
}

/* A version that arrives after a newer one loses last-writer-wins but keeps its place. Two
 * origins own the record: the district's old key and its new one. */
static void test_late_version(void **state)
{
	struct fx *f = *state;
	struct store_outcome o[1];
	struct tu_origin old, k;
	struct vers vs;
	uint8_t *c1, *c2, *v1, *v2;
	size_t l1, l2, n1, n2;
	struct pk_op op;

	tu_origin_init(&old, 2, BASE_HLC);
	tu_origin_init(&k, 3, BASE_HLC);
	v1 = tu_kegiatan("Versi lama", 2026, &n1);
	v2 = tu_kegiatan("Versi baru", 2026, &n2);
	op = tu_op("kegiatan", "32.75", "kg-l", v1, n1);
	c1 = tu_cs_next(&old, BASE_HLC + 5, &op, 1, &l1);
	op = tu_op("kegiatan", "32.75", "kg-l", v2, n2);
	c2 = tu_cs_next(&k, BASE_HLC + 9, &op, 1, &l2);
	/* The new key's newer version arrives first, the old key's older one after it. */
	assert_int_equal(store_apply(f->s, &(struct store_blob){c2, l2}, 1, 1, NOW_MS, o), 0);
	assert_int_equal(o[0].err, 0);
	assert_int_equal(store_apply(f->s, &(struct store_blob){c1, l1}, 1, 1, NOW_MS, o), 0);
	assert_int_equal(o[0].err, 0);
	assert_int_equal(history(f->s, "32.75", "kg-l", &vs), 2);
	assert_true(has(&vs, 0, "Versi lama"));
	assert_true(has(&vs, 1, "Versi baru"));
	assert_memory_equal(vs.origin[0], kab.pub, PK_PUB_BYTES);
	assert_memory_equal(vs.origin[1], kab_new.pub, PK_PUB_BYTES);
	free(c1);
	free(c2);
	free(v1);
	free(v2);
}

/* A store without the index (made before it): read-only opens scan the log, the first
 * read-write open builds the index, and both give the same versions. */
static void test_index_built_on_upgrade(void **state)
{
	struct fx *f = *state;
	struct pk_diag d = {""};
	struct db_txn t;
	struct db_cur c;
	struct store *ro;
	struct vers vs;

	assert_int_equal(write_kg(f->s, "kg-u", "Versi 1", NULL, &d), 0);
	assert_int_equal(write_kg(f->s, "kg-u", "Versi 2", NULL, &d), 0);
	/* Make it a store from before the index: no mark, no entries. */
	db_txn_begin(&t, f->s->db, 0);
	db_del(&t, f->s->meta, "hist", 4);
	db_cur_open(&c, &t, f->s->hist);
	for (bool on = db_cur_first(&c); on;)
		on = db_cur_del(&c) == 0 && db_cur_first(&c);
	db_cur_close(&c);
	assert_int_equal(db_txn_commit(&t), 0);
	store_close(f->s);

	assert_int_equal(store_open(f->path, STORE_RDONLY, &ro, &d), 0);
	assert_false(store_history_indexed(ro));
	assert_int_equal(history(ro, "", "kg-u", &vs), 2);
	assert_true(has(&vs, 0, "Versi 1"));
	assert_true(has(&vs, 1, "Versi 2"));
	store_close(ro);

	f->s = tu_store_open(f->path);
	assert_true(store_history_indexed(f->s));
	assert_int_equal(history(f->s, "", "kg-u", &vs), 2);
	assert_true(has(&vs, 1, "Versi 2"));
	assert_int_equal(store_open(f->path, STORE_RDONLY, &ro, &d), 0);
	assert_true(store_history_indexed(ro));
	store_close(ro);
}

/* store_write_if: "absent" and "still this version", checked before anything is written. */
static void test_conditional_write(void **state)
{
	struct fx *f = *state;
	struct store_cond absent = {STORE_IF_ABSENT, 0, {0}}, same;
	struct pk_diag d = {""};
	struct store_head h;
	struct vers vs;

	assert_int_equal(write_kg(f->s, "kg-c", "Versi 1", &absent, &d), 0);
	assert_int_equal(write_kg(f->s, "kg-c", "Versi 2", &absent, &d), PK_EEXIST);
	assert_non_null(strstr(d.msg, "kegiatan/kg-c"));
	assert_non_null(strstr(d.msg, "exists already"));
	assert_int_equal(store_head_get(f->s, root.pub, &h), 0);
	assert_int_equal(h.seq, 1); /* nothing written */

	history(f->s, "", "kg-c", &vs);
	same.kind = STORE_IF_VERSION;
	same.hlc = vs.hlc[0];
	memcpy(same.origin, vs.origin[0], PK_PUB_BYTES);
	assert_int_equal(write_kg(f->s, "kg-c", "Versi 2", &same, &d), 0);
	/* The version read before is gone now. */
	assert_int_equal(write_kg(f->s, "kg-c", "Versi 3", &same, &d), PK_ECONFLICT);
	assert_non_null(strstr(d.msg, "changed by another write"));
	/* A deleted record counts as absent, and is no longer the version read. */
	assert_int_equal(write_kg(f->s, "kg-c", NULL, NULL, &d), 0);
	history(f->s, "", "kg-c", &vs);
	same.hlc = vs.hlc[1];
	assert_int_equal(write_kg(f->s, "kg-c", "Versi 4", &same, &d), PK_ECONFLICT);
	assert_non_null(strstr(d.msg, "deleted"));
	assert_int_equal(write_kg(f->s, "kg-c", "Versi 4", &absent, &d), 0);
	assert_int_equal(history(f->s, "", "kg-c", &vs), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_versions_in_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_late_version, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_index_built_on_upgrade, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conditional_write, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
