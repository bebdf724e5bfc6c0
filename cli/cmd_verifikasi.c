/*
 * cmd_verifikasi.c: `pokjactl verifikasi`, verification as a workflow (SPEC section 5,
 * "Verification state"): the queue of the records of the nodes below this one that await this
 * node's verdict, and the verdict itself, a verifikasi record filed under this node's own region
 * with a key made from the record it names, so that a new verdict replaces this node's previous
 * one on the same record. The state shown is derived (cli/verif.h), never stored.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "i18n.h"
#include "proto/crypto.h"
#include "proto/region.h"
#include "proto/schema.h"
#include "recfind.h"
#include "recjson.h"
#include "recsvc.h"
#include "verif.h"

/* The verbs, the hasil each writes, and what the output says. */
static const struct {
	const char *verb, *hasil;
} verbs[] = {{"setujui", "diterima"}, {"perbaiki", "perbaikan"}, {"tolak", "ditolak"}};

struct queue {
	const char *home;
	bool json;
	struct vidx vx;
	struct cli_authors as;
	json_t *arr;
	size_t n, bad;
	int err;
};

/* The name a person knows the record by: its nama, else its judul; "" for neither. */
static const char *record_title(json_t *o)
{
	const char *t = json_string_value(json_object_get(o, "nama"));

	if (t == NULL)
		t = json_string_value(json_object_get(o, "judul"));
	return t != NULL ? t : "";
}

static int queue_visit(const struct store_record *r, void *arg)
{
	struct queue *q = arg;
	struct pk_version rec = {.hlc = r->hlc};
	const struct pk_verdict *v = NULL;
	const struct vinfo *vi;
	json_t *o;

	memcpy(rec.origin, r->origin, PK_PUB_BYTES);
	if (!vidx_awaits(&q->vx, q->home, r->coll, r->region, r->key, &rec))
		return 0; /* not below this node, or its verdict is newer than the last change */
	o = cli_record_json(pk_schema_find(r->coll, strlen(r->coll)), r->key, r->region, r->value,
	                    r->value_len, r->hlc, cli_author(&q->as, r->origin));
	if (o == NULL) {
		q->bad++;
		return 0;
	}
	vi = vidx_state(&q->vx, r->coll, r->region, r->key, &rec, NULL, &v);
	if (json_object_set_new(o, "collection", json_string(r->coll)) != 0 ||
	    json_object_set_new(o, "verifikasi", vidx_json(vi, v, &q->as)) != 0) {
		json_decref(o);
		q->err = PK_ENOMEM;
		return 1;
	}
	if (q->json) {
		json_array_append_new(q->arr, o);
	} else {
		char t[48];

		snprintf(t, sizeof(t), "%.44s%s", record_title(o),
		         strlen(record_title(o)) > 44 ? "..." : "");
		printf("%-14s %-26s %-13s %-24s %-18s %s\n", r->coll, r->key, r->region,
		       json_string_value(json_object_get(o, "diubah")),
		       vi != NULL ? pk_vstate_name(vi->state) : pk_vstate_name(PK_VS_BELUM), t);
		json_decref(o);
	}
	q->n++;
	return 0;
}

/* The queue: every record below this node, of one collection or of every verified one, with no
 * verdict of this node newer than its last change. */
static int show_queue(const struct cli *c, struct store *s, const struct store_node *node,
                      const char *region, const char *coll)
{
	struct queue q = {.home = node->region, .json = c->json};
	const struct pk_collection *all;
	size_t n;
	int err;

	if ((err = vidx_load(&q.vx, s)) != 0)
		return cli_fail(c, "reading the verdicts: %s", pk_strerror(err));
	cli_authors_init(&q.as, s, node);
	if (q.json)
		q.arr = json_array();
	else
		printf("%-14s %-26s %-13s %-24s %-18s %s\n", _("COLLECTION"), _("KEY"), "WILAYAH",
		       "DIUBAH", "STATUS", "NAMA/JUDUL");
	all = pk_schema_all(&n);
	for (size_t i = 0; i < n && err >= 0 && q.err == 0; i++) {
		if (!vidx_applies(all[i].name) || (coll != NULL && strcmp(coll, all[i].name) != 0))
			continue;
		err = store_list(s, all[i].name, region, false, queue_visit, &q);
	}
	vidx_free(&q.vx);
	if (err >= 0 && q.err != 0)
		err = q.err;
	if (err < 0) {
		json_decref(q.arr);
		return cli_fail(c, "reading the store: %s", pk_strerror(err));
	}
	if (q.json) {
		cli_print_json(q.arr);
		json_decref(q.arr);
	} else {
		printf(_("(%zu record%s await%s the verdict of %s)\n"), q.n, q.n == 1 ? "" : "s",
		       q.n == 1 ? "s" : "",
		       node->region[0] ? node->region : _("the national node"));
	}
	if (q.bad > 0)
		return cli_fail(c, "%zu stored records do not decode; run 'pokjactl verify'",
		                q.bad);
	return EXIT_OK;
}

static int give_verdict(const struct cli *c, char **pos, const char *region, const char *catatan)
{
	uint8_t pub[PK_PUB_BYTES], sec[PK_SEC_BYTES];
	struct found_list l = {.n = 0};
	struct store_node node;
	struct pk_diag d = {""};
	struct store *s = NULL;
	struct recsvc w;
	struct recsvc_done done;
	const char *hasil = NULL, *verb = pos[2];
	int rc;

	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verb, verbs[i].verb) == 0)
			hasil = verbs[i].hasil;
	if (hasil == NULL)
		return cli_usagef(c, "'%.40s' is not a verdict: say setujui, perbaiki or tolak",
		                  verb);
	if ((rc = cli_open(c, 0, &s, &node, pub, sec)) != 0)
		goto out;
	if (!vidx_applies(pos[0])) {
		rc = cli_fail(c, "records of %s are not verified", pos[0]);
		goto out;
	}
	if ((rc = cli_find_one(c, s, pos[0], pos[1], region, false, &l)) != 0)
		goto out;
	w = (struct recsvc){s, &node, sec, node_now_ms(), NULL};
	switch (recsvc_verdict(&w, pos[0], &l.f[0], hasil, catatan, &done, &d)) {
	case RECSVC_OK:
		break;
	case RECSVC_OWNER:
		rc = cli_fail(c, "%s", d.msg);
		goto out;
	case RECSVC_INVALID:
		rc = cli_fail(c, "refused: %s; no verdict was written", d.msg);
		goto out;
	case RECSVC_REFUSED:
		rc = cli_fail(c, "refused: %s", d.msg[0] ? d.msg : pk_strerror(done.err));
		goto out;
	default:
		rc = cli_fail(c, "%s", d.msg);
		goto out;
	}
	if (c->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "collection", pos[0],
		                      "wilayah", l.f[0].region, "key", pos[1], "hasil", hasil,
		                      "verifikasi", done.key, "wilayah_verifikasi", node.region,
		                      "seq", (json_int_t)done.seq);
		cli_print_json(j);
		json_decref(j);
	} else {
		printf(_("%s/%s in region %s: %s (verifikasi %s, changeset %llu)\n"), pos[0],
		       pos[1], l.f[0].region,
		       pk_vstate_name(pk_vstate_of_hasil(hasil, strlen(hasil))), done.key,
		       (unsigned long long)done.seq);
	}
out:
	memset(sec, 0, sizeof(sec));
	found_free(&l);
	store_close(s);
	return rc;
}

int cmd_verifikasi(struct cli *c, int argc, char **argv)
{
	const char *region = NULL, *coll = NULL, *catatan = NULL;
	struct cli_opt opts[] = {{"region", &region, NULL},
	                         {"collection", &coll, NULL},
	                         {"catatan", &catatan, NULL},
	                         {0}};
	struct store_node node;
	struct store *s;
	char *pos[3];
	int npos, rc;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 0, 3, &npos)) != 0)
		return rc;
	if (npos == 3) {
		if (coll != NULL)
			return cli_usagef(c, "--collection is for the queue; a verdict names "
			                     "COLLECTION KEY");
		return give_verdict(c, pos, region, catatan);
	}
	if (npos != 0)
		return cli_usagef(c, "give COLLECTION KEY and a verdict (setujui, perbaiki or "
		                     "tolak), or nothing for the queue");
	if (catatan != NULL)
		return cli_usagef(c, "--catatan goes with a verdict");
	if (coll != NULL && pk_schema_find(coll, strlen(coll)) == NULL)
		return cli_fail(c, "unknown collection '%.40s' (see 'pokjactl schema')", coll);
	if (region != NULL && !pk_region_valid(region, strlen(region)))
		return cli_fail(c, "'%.20s' is not a region code", region);
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;
	rc = show_queue(c, s, &node, region != NULL ? region : node.region, coll);
	store_close(s);
	return rc;
}
