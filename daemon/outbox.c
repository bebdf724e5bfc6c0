/*
 * outbox.c: what a peer lacks (see outbox.h). The one place where the lineage rule of SPEC
 * section 16 is applied, to departures and to arrivals.
 */
#include "outbox.h"

#include <string.h>

static bool has_key(uint8_t (*path)[PK_PUB_BYTES], int n, const uint8_t key[PK_PUB_BYTES])
{
	for (int i = 0; i < n; i++)
		if (memcmp(path[i], key, PK_PUB_BYTES) == 0)
			return true;
	return false;
}

bool outbox_wants_path(const struct outbox_peer *p, const uint8_t origin[PK_PUB_BYTES],
                       uint8_t (*path)[PK_PUB_BYTES], int npath)
{
	switch (p->rule) {
	case OUTBOX_EVERYTHING:
		return true;
	case OUTBOX_LINEAGE:
		return p->n >= 1 &&
		       (has_key(p->path, p->n, origin) || has_key(path, npath, p->path[p->n - 1]));
	case OUTBOX_UP:
		return memcmp(origin, p->parent, PK_PUB_BYTES) == 0 ||
		       has_key(path, npath, p->self);
	}
	return false;
}

bool outbox_wants(struct store *s, const struct outbox_peer *p, const uint8_t origin[PK_PUB_BYTES])
{
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	int n;

	/* Most origins are decided without their path (on the peer's own path, the parent). */
	if (outbox_wants_path(p, origin, NULL, 0))
		return true;
	n = store_origin_path(s, origin, path);
	return n > 0 && outbox_wants_path(p, origin, path, n);
}

bool outbox_refuses(struct store *s, const struct outbox_peer *sender,
                    const uint8_t origin[PK_PUB_BYTES])
{
	return store_chain_held(s, origin) && !outbox_wants(s, sender, origin);
}

uint64_t outbox_plan(struct store *s, const struct outbox_peer *p, const struct pk_heads *mine,
                     const struct pk_heads *theirs,
                     int (*fn)(const struct outbox_pick *pk, void *arg), void *arg)
{
	uint64_t lag = 0;
	bool stopped = false;

	for (size_t i = 0; i < mine->n; i++) {
		const struct pk_head *h = &mine->h[i];
		struct outbox_pick pk = {h->origin, 0, h->seq};

		if (!outbox_wants(s, p, h->origin))
			continue;
		pk.after = theirs != NULL ? pk_heads_find(theirs, h->origin) : 0;
		if (h->seq <= pk.after)
			continue;
		lag += h->seq - pk.after;
		if (!stopped && fn(&pk, arg) != 0)
			stopped = true;
	}
	return lag;
}
