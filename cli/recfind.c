/* recfind.c: finding one record, records as JSON, and who changed them (see recfind.h). */
#include "recfind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cert.h"
#include "proto/region.h"
#include "i18n.h"
#include "recjson.h"

static int collect(const struct store_record *r, void *arg)
{
	struct found_list *l = arg;
	struct found *f;

	if (l->n == FOUND_MAX)
		return 1;
	f = &l->f[l->n];
	memset(f, 0, sizeof(*f));
	snprintf(f->region, sizeof(f->region), "%s", r->region);
	snprintf(f->key, sizeof(f->key), "%s", r->key);
	f->hlc = r->hlc;
	memcpy(f->origin, r->origin, PK_PUB_BYTES);
	f->seq = r->seq;
	f->deleted = r->deleted;
	if (!r->deleted) {
		if ((f->value = malloc(r->value_len ? r->value_len : 1)) == NULL)
			return -1;
		memcpy(f->value, r->value, r->value_len);
		f->value_len = r->value_len;
	}
	l->n++;
	return 0;
}

void found_free(struct found_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->f[i].value);
	l->n = 0;
}

int found_get(struct store *s, const char *coll, const char *key, const char *region,
              bool with_deleted, struct found_list *l)
{
	int n;

	l->n = 0;
	n = with_deleted ? store_get_any(s, coll, key, region, collect, l)
	                 : store_get(s, coll, key, region, collect, l);
	if (n < 0)
		found_free(l);
	return n < 0 ? n : l->n;
}

int cli_find_one(const struct cli *c, struct store *s, const char *coll, const char *key,
                 const char *region, bool with_deleted, struct found_list *l)
{
	int n;

	l->n = 0;
	if (pk_schema_find(coll, strlen(coll)) == NULL)
		return cli_fail(c, "unknown collection '%s' (see 'pokjactl schema')", coll);
	if (!pk_key_valid(key, strlen(key)))
		return cli_fail(c, "'%.40s' is not a record key", key);
	if (region != NULL && !pk_region_valid(region, strlen(region)))
		return cli_fail(c, "'%.20s' is not a region code", region);
	if ((n = found_get(s, coll, key, region, with_deleted, l)) < 0)
		return cli_fail(c, "%s", pk_strerror(n));
	if (l->n == 0)
		return region != NULL
		           ? cli_fail(c, "no record %s/%s in region %s", coll, key, region)
		           : cli_fail(c, "no record %s/%s", coll, key);
	if (l->n > 1) {
		fprintf(stderr, _("pokjactl %s: %s/%s exists in %d regions:"), c->cmd, coll, key,
		        l->n);
		for (int i = 0; i < l->n; i++)
			fprintf(stderr, " %s", l->f[i].region[0] ? l->f[i].region : "\"\"");
		fprintf(stderr, "%s\n", _("; choose one with --region"));
		found_free(l);
		return EXIT_FAIL;
	}
	return 0;
}

void cli_authors_init(struct cli_authors *as, struct store *s, const struct store_node *node)
{
	memset(as, 0, sizeof(*as));
	as->s = s;
	as->node = node;
}

/* The author of origin, looked up in the store. */
static void author_lookup(struct cli_authors *as, const uint8_t origin[PK_PUB_BYTES],
                          struct cli_author *a)
{
	uint8_t buf[PK_CERT_MAX_BYTES];
	char hex[2 * PK_PUB_BYTES + 1];
	struct pk_cert cert;
	size_t len;

	memset(a, 0, sizeof(*a));
	cli_key_hex(hex, origin);
	snprintf(a->key, sizeof(a->key), "%.16s", hex);
	if (memcmp(origin, as->node->pub, PK_PUB_BYTES) == 0) {
		snprintf(a->name, sizeof(a->name), "%s", as->node->name);
		snprintf(a->region, sizeof(a->region), "%s", as->node->region);
	} else if (store_cert_get(as->s, origin, buf, &len) == 0 &&
	           pk_cert_decode(buf, len, &cert, NULL) == 0) {
		snprintf(a->name, sizeof(a->name), "%s", cert.info.name);
		snprintf(a->region, sizeof(a->region), "%s", cert.info.region);
	} else if (memcmp(origin, as->node->root, PK_PUB_BYTES) == 0) {
		snprintf(a->name, sizeof(a->name), "%s", _("root"));
	} else {
		snprintf(a->name, sizeof(a->name), "%s", _("unknown"));
	}
}

const struct cli_author *cli_author(struct cli_authors *as, const uint8_t origin[PK_PUB_BYTES])
{
	int i;

	for (i = 0; i < as->n; i++)
		if (memcmp(as->seen[i].origin, origin, PK_PUB_BYTES) == 0)
			return &as->seen[i].a;
	i = as->n < AUTHORS_CACHED ? as->n++ : as->next++ % AUTHORS_CACHED;
	memcpy(as->seen[i].origin, origin, PK_PUB_BYTES);
	author_lookup(as, origin, &as->seen[i].a);
	return &as->seen[i].a;
}

json_t *cli_author_json(const struct cli_author *a)
{
	return json_pack("{s:s, s:s, s:s}", "nama", a->name, "wilayah", a->region, "kunci", a->key);
}

void cli_author_text(const struct cli_author *a, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s (%s)", a->name, a->region[0] ? a->region : _("national"));
}

json_t *cli_record_json(const struct pk_collection *coll, const char *key, const char *region,
                        const uint8_t *value, size_t len, uint64_t hlc, const struct cli_author *a)
{
	json_t *o = json_pack("{s:s, s:s}", "key", key, "wilayah", region);
	char when[32];

	if (o == NULL || recjson_decode(coll, value, len, o) != 0) {
		json_decref(o);
		return NULL;
	}
	if (a == NULL)
		return o;
	cli_hlc_time(when, hlc);
	if (json_object_set_new(o, "diubah_oleh", cli_author_json(a)) != 0 ||
	    json_object_set_new(o, "diubah", json_string(when)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
