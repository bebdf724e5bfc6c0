/*
 * peers.c: what pokjad last knew of each peer (connection, lag, refusals, clock skew), for
 * `pokjactl status`: one `peers` entry per key, in the current layout or the older one without
 * the clock (SPEC section 11). Written by pokjad, read by anyone.
 */
#include "store_int.h"

#include <string.h>

#define PEER_META (1 + 4 * 8)
#define PEER_CLOCK (1 + 8 + 8 + 8) /* after the name and a \0: skew known, skew, at, held */
#define PEER_LINK (1 + 4 * 8)      /* then: link known, rtt, up, down, ratio */

/* ---- peers -------------------------------------------------------------------------------- */

int store_peer_put(struct store *s, const struct store_peer *p)
{
	uint8_t buf[PEER_META + sizeof(p->role) + PK_REGION_MAX + 1 + PK_NAME_MAX + 1 + PEER_CLOCK +
	            PEER_LINK];
	size_t ol = strnlen(p->role, sizeof(p->role));
	size_t rl = strnlen(p->region, sizeof(p->region));
	size_t nl = strnlen(p->name, sizeof(p->name));
	size_t at = PEER_META + ol + 1 + rl + 1 + nl;
	struct db_txn t;

	if (ol == sizeof(p->role) || rl == sizeof(p->region) || nl == sizeof(p->name))
		return PK_EINVAL;
	buf[0] = p->connected ? 1 : 0;
	db_put_be64(buf + 1, p->last_contact);
	db_put_be64(buf + 9, p->lag_up);
	db_put_be64(buf + 17, p->lag_down);
	db_put_be64(buf + 25, p->refused);
	memcpy(buf + PEER_META, p->role, ol + 1);
	memcpy(buf + PEER_META + ol + 1, p->region, rl + 1);
	memcpy(buf + PEER_META + ol + 1 + rl + 1, p->name, nl);
	buf[at] = '\0';
	buf[at + 1] = p->skew_known ? 1 : 0;
	db_put_be64(buf + at + 2, (uint64_t)p->skew);
	db_put_be64(buf + at + 10, p->skew_at);
	db_put_be64(buf + at + 18, p->held);
	buf[at + 26] = p->link_known ? 1 : 0;
	db_put_be64(buf + at + 27, p->rtt_ms);
	db_put_be64(buf + at + 35, p->up_bps);
	db_put_be64(buf + at + 43, p->down_bps);
	db_put_be64(buf + at + 51, p->ratio_milli);
	db_txn_begin(&t, s->db, 0);
	db_put(&t, s->peers, p->key, PK_PUB_BYTES, buf, at + 1 + PEER_CLOCK + PEER_LINK);
	return db_txn_commit(&t);
}

struct peer_ctx {
	int (*fn)(const struct store_peer *p, void *arg);
	void *arg;
};

/* Copies the NUL-ended string at *at (within end) into dst; advances *at past the NUL. */
static int take_str(char *dst, size_t cap, const uint8_t **at, const uint8_t *end, bool last)
{
	const uint8_t *z = last ? end : memchr(*at, 0, (size_t)(end - *at));
	size_t n;

	if (z == NULL || (size_t)(z - *at) >= cap)
		return PK_ECORRUPT;
	n = (size_t)(z - *at);
	memcpy(dst, *at, n);
	dst[n] = '\0';
	*at = last ? end : z + 1;
	return 0;
}

int store_peer_decode(const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen,
                      struct store_peer *p)
{
	const uint8_t *at, *end = val + vlen, *z;

	memset(p, 0, sizeof(*p));
	if (klen != PK_PUB_BYTES || vlen < PEER_META)
		return PK_ECORRUPT;
	at = val + PEER_META;
	if (take_str(p->role, sizeof(p->role), &at, end, false) != 0 ||
	    take_str(p->region, sizeof(p->region), &at, end, false) != 0)
		return PK_ECORRUPT;
	/* The name ends the old layout; the current one follows it with \0 and the clock. */
	z = memchr(at, 0, (size_t)(end - at));
	if (z != NULL && (size_t)(end - z) != 1 + PEER_CLOCK &&
	    (size_t)(end - z) != 1 + PEER_CLOCK + PEER_LINK)
		return PK_ECORRUPT;
	if (take_str(p->name, sizeof(p->name), &at, z != NULL ? z : end, true) != 0)
		return PK_ECORRUPT;
	if (z != NULL) {
		p->skew_known = z[1] != 0;
		p->skew = (int64_t)db_get_be64(z + 2);
		p->skew_at = db_get_be64(z + 10);
		p->held = db_get_be64(z + 18);
		if ((size_t)(end - z) == 1 + PEER_CLOCK + PEER_LINK) {
			p->link_known = z[26] != 0;
			p->rtt_ms = db_get_be64(z + 27);
			p->up_bps = db_get_be64(z + 35);
			p->down_bps = db_get_be64(z + 43);
			p->ratio_milli = db_get_be64(z + 51);
		}
	}
	memcpy(p->key, key, PK_PUB_BYTES);
	p->connected = val[0] != 0;
	p->last_contact = db_get_be64(val + 1);
	p->lag_up = db_get_be64(val + 9);
	p->lag_down = db_get_be64(val + 17);
	p->refused = db_get_be64(val + 25);
	return 0;
}

static int peer_visit(const struct db_entry *e, void *arg)
{
	struct peer_ctx *c = arg;
	struct store_peer p;

	if (store_peer_decode(e->key, e->klen, e->val, e->vlen, &p) != 0)
		return PK_ECORRUPT;
	return c->fn(&p, c->arg) != 0 ? 1 : 0;
}

int store_peer_list(struct store *s, int (*fn)(const struct store_peer *p, void *arg), void *arg)
{
	struct peer_ctx c = {fn, arg};
	int err;

	if (s->peers == DB_NONE)
		return 0;
	err = db_scan(s->db, s->peers, NULL, 0, peer_visit, &c);
	return err < 0 ? err : 0;
}
