/*
 * sync_receipt.c: pokjad's receipts of directives (collection penerimaan, SPEC section 21).
 * When this node holds an arahan that targets it (pk_arahan_targets_node, proto/arahan.h) and
 * no penerimaan of its own for it, pokjad writes one, with the time, through store_write: a
 * changeset of this node that travels up like any other.
 *
 * The watcher calls sy_receipt_tick when the store changed (at most once a second: the commit
 * that brought an arahan wakes it, whether pokjad made it or pokjactl, e.g. a bundle applied)
 * and at each heartbeat. It scans only when the store changed since the last scan, or a failed
 * write is due to be tried again, and once at start, so that an arahan that arrived while pokjad
 * was down (or just before it was killed) gets its receipt then. A scan reads every arahan held (a
 * district holds its ancestors' and its own: hundreds; the national node does not scan, since
 * nothing targets it) and looks up a receipt for each that targets this node: one store read each.
 * A busy parent whose store changes all the time scans once a second, which at tens of thousands of
 * arahan costs some tens of milliseconds of the watcher's time.
 *
 * Idempotent: the receipt's key is derived from the arahan's region and key
 * (pk_penerimaan_key), the write is conditional on its absence, and a receipt held (or deleted
 * by the operator: a tombstone) is never written again. A refused write (the restore fence,
 * this node's clock ahead) is tried again after RECEIPT_RETRY_MS or at the next change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proto/arahan.h"
#include "proto/record.h"
#include "sync_int.h"

#define RECEIPT_COLL "penerimaan"
#define RECEIPT_RETRY_MS 60000 /* a refused write is tried again after this, or at a change */
#define RECEIPT_BATCH 1024     /* receipts in one write; more wait for the next tick */

struct due_receipt {
	char region[PK_REGION_MAX + 1]; /* the arahan's */
	char key[PK_KEY_MAX + 1];
	char rkey[PK_PENERIMAAN_KEY_LEN + 1];
	uint8_t *value;
	size_t len;
};

struct scan {
	struct store *s;
	const char *me;
	struct due_receipt *due;
	size_t n, cap;
	int err;
};

static int seen_one(const struct store_record *r, void *arg)
{
	(void)r;
	*(bool *)arg = true;
	return 1;
}

/* One arahan: when it targets this node and no receipt of it is held, note it. */
static int visit(const struct store_record *r, void *arg)
{
	struct scan *sc = arg;
	const struct pk_collection *c = pk_schema_find("arahan", 6);
	char sasaran[PK_REGION_MAX + 1], rkey[PK_PENERIMAAN_KEY_LEN + 1];
	struct pk_rec rec;
	struct pk_rec_val v;
	bool held = false;
	int n;

	if (sc->n >= RECEIPT_BATCH)
		return 1;
	if (pk_record_open(&rec, c, r->value, r->value_len) != 0 ||
	    pk_record_get_named(&rec, "wilayah_sasaran", &v) != 0 || v.slen > PK_REGION_MAX)
		return 0; /* the store validates every record: only a damaged one gets here */
	memcpy(sasaran, v.s, v.slen);
	sasaran[v.slen] = '\0';
	if (!pk_arahan_targets_node(r->region, sasaran, sc->me))
		return 0;
	pk_penerimaan_key(r->region, r->key, rkey);
	if ((n = store_get_any(sc->s, RECEIPT_COLL, rkey, sc->me, seen_one, &held)) < 0) {
		sc->err = n;
		return 1;
	}
	if (held)
		return 0;
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 8;
		struct due_receipt *d = realloc(sc->due, cap * sizeof(*d));

		if (d == NULL) {
			sc->err = PK_ENOMEM;
			return 1;
		}
		sc->due = d;
		sc->cap = cap;
	}
	memset(&sc->due[sc->n], 0, sizeof(sc->due[0]));
	snprintf(sc->due[sc->n].region, sizeof(sc->due[0].region), "%s", r->region);
	snprintf(sc->due[sc->n].key, sizeof(sc->due[0].key), "%s", r->key);
	memcpy(sc->due[sc->n].rkey, rkey, sizeof(rkey));
	sc->n++;
	return 0;
}

/* The penerimaan value for d, received at `when` (Unix seconds). */
static int encode(struct due_receipt *d, uint64_t when, struct pk_diag *diag)
{
	const struct pk_collection *c = pk_schema_find(RECEIPT_COLL, strlen(RECEIPT_COLL));
	struct pk_rec_val v[3];

	memset(v, 0, sizeof(v));
	v[0].f = pk_schema_field(c, "arahan", 6);
	v[0].s = d->key;
	v[0].slen = strlen(d->key);
	v[1].f = pk_schema_field(c, "wilayah_arahan", 14);
	v[1].s = d->region;
	v[1].slen = strlen(d->region);
	v[2].f = pk_schema_field(c, "diterima", 8);
	v[2].i = (int64_t)when;
	return pk_record_encode(c, v, 3, &d->value, &d->len, diag);
}

/* Writes the receipts due, in one write; returns 0 or the error (logged). */
static int write_receipts(struct sync *sy, const char *me, struct due_receipt *due, size_t n)
{
	struct pk_op *ops = calloc(n, sizeof(*ops));
	struct store_cond *conds = calloc(n, sizeof(*conds));
	uint64_t when = now_ms() / 1000;
	struct store_written w;
	struct pk_diag d = {""};
	int err = PK_ENOMEM;

	if (ops == NULL || conds == NULL)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((err = encode(&due[i], when, &d)) != 0)
			goto out;
		pk_op_set(&ops[i], RECEIPT_COLL, me, due[i].rkey, due[i].value, due[i].len);
		conds[i].kind = STORE_IF_ABSENT;
	}
	err = store_write_if(sy->s, sy->sec, ops, conds, n, now_ms(), &w, NULL, NULL, &d);
out:
	if (err == 0) {
		for (size_t i = 0; i < n; i++)
			log_info("receipt", "arahan %s of region %s received: receipt %s written",
			         due[i].key, due[i].region[0] ? due[i].region : "\"\"",
			         due[i].rkey);
	} else if (err == PK_ESTATE || err == PK_ECLOCK) {
		/* Writes held after a restore, or this node's clock ahead: each has its own
		 * warning already. */
		log_debug("receipt", "receipts not written yet: %s", d.msg);
	} else {
		log_warnx("receipt", "cannot write the receipt of %zu arahan: %s", n,
		          d.msg[0] ? d.msg : pk_strerror(err));
	}
	free(ops);
	free(conds);
	return err;
}

void sy_receipt_tick(struct sync *sy)
{
	uint64_t g = store_generation(sy->s), t = mono_ms();
	struct store_node node;
	struct scan sc = {0};
	int err;

	if (g == sy->receipt_gen && (sy->receipt_retry == 0 || t < sy->receipt_retry))
		return;
	if (store_node_get(sy->s, &node) != 0 || !node.certified || node.region[0] == '\0') {
		sy->receipt_gen = g; /* nothing targets the national node */
		return;
	}
	/* As the health record: nothing of this node's own before its clock can be judged. */
	if (sy->cfg->parent_url[0] != '\0' && !sy_clock_read(sy))
		return;
	if (sy_log_ahead(sy)) {
		sy->receipt_retry = t + RECEIPT_RETRY_MS;
		sy->receipt_gen = g;
		return;
	}
	sc.s = sy->s;
	sc.me = node.region;
	err = store_list(sy->s, "arahan", NULL, false, visit, &sc);
	if (err >= 0)
		err = sc.err;
	if (err == 0 && sc.n > 0)
		err = write_receipts(sy, node.region, sc.due, sc.n);
	else if (err < 0)
		log_warnx("receipt", "cannot look for arahan that need a receipt: %s",
		          pk_strerror(err));
	/* A full batch leaves more: the write changed the store, so the next tick scans again. */
	sy->receipt_gen = g;
	sy->receipt_retry = err == 0 ? 0 : t + RECEIPT_RETRY_MS;
	for (size_t i = 0; i < sc.n; i++)
		free(sc.due[i].value);
	free(sc.due);
}
