/*
 * metrics.c: the counters and the renderer (see metrics.h). The counters are C11 atomics; the
 * table of links (one entry per peer, found by key) is under a mutex, held only to find or add
 * an entry and to copy the table out for a rendering.
 */
#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/cert.h"

/* One peer's link. key all zero: the shared "other" entry once the table is full. */
struct link {
	uint8_t key[PK_PUB_BYTES];
	char role[8];
	char region[PK_REGION_MAX + 1]; /* from its certificate, once found; "" until then */
	atomic_uint_fast64_t in, out;
};

/* A link as copied out for one rendering. */
struct link_copy {
	uint8_t key[PK_PUB_BYTES];
	char role[8];
	char peer[PK_REGION_MAX + 1 > 17 ? PK_REGION_MAX + 1 : 17]; /* the label: region or key */
	char key_label[17];
	uint64_t in, out;
};

static pthread_mutex_t links_lock = PTHREAD_MUTEX_INITIALIZER;
static struct link links[METRICS_LINKS_MAX];
static size_t nlinks;

static atomic_uint_fast64_t start_ms;
static atomic_uint_fast64_t applied, sessions_parent, sessions_child;

void metrics_reset(uint64_t start)
{
	pthread_mutex_lock(&links_lock);
	memset(links, 0, sizeof(links));
	nlinks = 0;
	pthread_mutex_unlock(&links_lock);
	atomic_store(&start_ms, start);
	atomic_store(&applied, 0);
	atomic_store(&sessions_parent, 0);
	atomic_store(&sessions_child, 0);
}

void metrics_ingested(const struct ingest_result *r)
{
	atomic_fetch_add(&applied, r->applied);
}

void metrics_released(const struct store_outcome *o)
{
	if (o->err == 0)
		atomic_fetch_add(&applied, 1);
}

void metrics_session_opened(const char *role)
{
	atomic_fetch_add(strcmp(role, "parent") == 0 ? &sessions_parent : &sessions_child, 1);
}

/* The entry of key, added when missing; the last entry ("other") once the table is full.
 * Call with links_lock held. */
static struct link *link_get(const uint8_t key[PK_PUB_BYTES], const char *role)
{
	struct link *l;

	for (size_t i = 0; i < nlinks; i++)
		if (memcmp(links[i].key, key, PK_PUB_BYTES) == 0)
			return &links[i];
	if (nlinks == METRICS_LINKS_MAX - 1) {
		l = &links[METRICS_LINKS_MAX - 1]; /* stays all zero: "other" */
		snprintf(l->role, sizeof(l->role), "%s", "other");
		return l;
	}
	l = &links[nlinks++];
	memcpy(l->key, key, PK_PUB_BYTES);
	snprintf(l->role, sizeof(l->role), "%s", role);
	return l;
}

void metrics_link_bytes(const uint8_t key[PK_PUB_BYTES], const char *role, uint64_t in,
                        uint64_t out)
{
	struct link *l;

	pthread_mutex_lock(&links_lock);
	l = link_get(key, role);
	atomic_fetch_add(&l->in, in);
	atomic_fetch_add(&l->out, out);
	pthread_mutex_unlock(&links_lock);
}

/* ---- rendering ----------------------------------------------------------------------------- */

/* The text being written, up to METRICS_BODY_MAX; err sticks at the first failure. */
struct out {
	char *p;
	size_t len, cap;
	int err;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *np;
	int n;

	if (o->err != 0)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->err = PK_EINVAL;
			return;
		}
		if ((size_t)n < o->cap - o->len) {
			o->len += (size_t)n;
			return;
		}
		if (o->len + (size_t)n + 1 > METRICS_BODY_MAX) {
			o->err = PK_ETOOBIG;
			return;
		}
		cap = o->cap * 2 > METRICS_BODY_MAX ? METRICS_BODY_MAX : o->cap * 2;
		while (cap < o->len + (size_t)n + 1)
			cap = cap * 2 > METRICS_BODY_MAX ? METRICS_BODY_MAX : cap * 2;
		if ((np = realloc(o->p, cap)) == NULL) {
			o->err = PK_ENOMEM;
			return;
		}
		o->p = np;
		o->cap = cap;
	}
}

/* The # HELP and # TYPE lines of a metric family. */
static void family(struct out *o, const char *name, const char *type, const char *help)
{
	put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* What a peer's series carry: peer (its region, or its short key while the region is not
 * known), key (the short key: two nodes of one region stay apart) and role. Region codes and
 * hex need no escaping in a label value. */
static void labels(char *buf, size_t n, const struct link_copy *l)
{
	snprintf(buf, n, "peer=\"%s\",key=\"%s\",role=\"%s\"", l->peer, l->key_label, l->role);
}

struct peers_ctx {
	struct store_peer *p;
	size_t n;
};

static int peer_collect(const struct store_peer *p, void *arg)
{
	struct peers_ctx *c = arg;

	if (c->n == METRICS_LINKS_MAX)
		return 1;
	c->p[c->n++] = *p;
	return 0;
}

static int refusal_put(const char *tag, uint64_t count, void *arg)
{
	put(arg, "pokja_changesets_refused_total{reason=\"%s\"} %llu\n", tag,
	    (unsigned long long)count);
	return 0;
}

/* The region of key's certificate, into region ("" when none is held). One LMDB get. */
static void cert_region(struct store *s, const uint8_t key[PK_PUB_BYTES],
                        char region[PK_REGION_MAX + 1])
{
	uint8_t buf[PK_CERT_MAX_BYTES];
	struct pk_cert c;
	size_t len = 0;

	region[0] = '\0';
	if (store_cert_get(s, key, buf, &len) == 0 && pk_cert_decode(buf, len, &c, NULL) == 0)
		memcpy(region, c.info.region, PK_REGION_MAX + 1);
}

/*
 * Adds every peer pokjad keeps in the store to the links table (so that each has its byte
 * counters, at zero when no traffic was counted since the start), looks up the region of those
 * whose region is not known yet, and copies the table out into *out (malloc'd, *n entries).
 */
static int links_copy(struct store *s, const struct peers_ctx *pc, struct link_copy **out,
                      size_t *n)
{
	uint8_t(*unknown)[PK_PUB_BYTES] = malloc(METRICS_LINKS_MAX * sizeof(*unknown));
	char region[PK_REGION_MAX + 1];
	struct link_copy *c = calloc(METRICS_LINKS_MAX, sizeof(*c));
	size_t nu = 0, m;

	if (unknown == NULL || c == NULL) {
		free(unknown);
		free(c);
		return PK_ENOMEM;
	}
	pthread_mutex_lock(&links_lock);
	for (size_t i = 0; i < pc->n; i++)
		link_get(pc->p[i].key, pc->p[i].role);
	for (size_t i = 0; i < nlinks; i++)
		if (links[i].region[0] == '\0')
			memcpy(unknown[nu++], links[i].key, PK_PUB_BYTES);
	pthread_mutex_unlock(&links_lock);
	/* The certificate lookups run without the lock: a push is never kept waiting on them. */
	for (size_t i = 0; i < nu; i++) {
		cert_region(s, unknown[i], region);
		if (region[0] == '\0')
			continue;
		pthread_mutex_lock(&links_lock);
		for (size_t j = 0; j < nlinks; j++)
			if (memcmp(links[j].key, unknown[i], PK_PUB_BYTES) == 0)
				memcpy(links[j].region, region, sizeof(region));
		pthread_mutex_unlock(&links_lock);
	}
	free(unknown);
	pthread_mutex_lock(&links_lock);
	m = nlinks;
	if (links[METRICS_LINKS_MAX - 1].role[0] != '\0')
		m = METRICS_LINKS_MAX; /* the "other" entry is in use */
	for (size_t i = 0; i < m; i++) {
		const struct link *l = &links[i];

		memcpy(c[i].key, l->key, PK_PUB_BYTES);
		memcpy(c[i].role, l->role, sizeof(c[i].role));
		if (i == METRICS_LINKS_MAX - 1) {
			snprintf(c[i].peer, sizeof(c[i].peer), "other");
			snprintf(c[i].key_label, sizeof(c[i].key_label), "other");
		} else {
			pk_hex(c[i].key_label, l->key, 8);
			snprintf(c[i].peer, sizeof(c[i].peer), "%s",
			         l->region[0] ? l->region : c[i].key_label);
		}
		c[i].in = atomic_load(&l->in);
		c[i].out = atomic_load(&l->out);
	}
	pthread_mutex_unlock(&links_lock);
	*out = c;
	*n = m;
	return 0;
}

static const struct link_copy *link_of(const struct link_copy *c, size_t n,
                                       const uint8_t key[PK_PUB_BYTES])
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(c[i].key, key, PK_PUB_BYTES) == 0)
			return &c[i];
	return NULL;
}

int metrics_render(struct store *s, struct sync *sy, char **out, size_t *len)
{
	struct out o = {NULL, 0, 0, 0};
	struct peers_ctx pc = {NULL, 0};
	struct link_copy *lc = NULL;
	struct store_stats st;
	struct sync_sessions ss;
	const struct link_copy *l;
	uint64_t t0 = atomic_load(&start_ms);
	char lb[128];
	size_t nl = 0;
	int err;

	*out = NULL;
	*len = 0;
	if ((o.p = malloc(o.cap = 16384)) == NULL ||
	    (pc.p = calloc(METRICS_LINKS_MAX, sizeof(*pc.p))) == NULL) {
		err = PK_ENOMEM;
		goto out;
	}
	o.p[0] = '\0';
	if ((err = store_stats(s, &st)) != 0 || (err = store_peer_list(s, peer_collect, &pc)) < 0 ||
	    (err = links_copy(s, &pc, &lc, &nl)) != 0)
		goto out;
	sync_sessions(sy, &ss);

	family(&o, "pokja_build_info", "gauge", "The version of pokjad; the value is always 1.");
	put(&o, "pokja_build_info{version=\"%s\"} 1\n", PK_VERSION);
	family(&o, "process_start_time_seconds", "gauge", "When pokjad started, in Unix seconds.");
	put(&o, "process_start_time_seconds %llu.%03llu\n", (unsigned long long)(t0 / 1000),
	    (unsigned long long)(t0 % 1000));

	family(&o, "pokja_changesets_applied_total", "counter",
	       "Changesets received from the parent and children and applied (at once, or when "
	       "their time came), since pokjad started.");
	put(&o, "pokja_changesets_applied_total %llu\n", (unsigned long long)atomic_load(&applied));
	family(&o, "pokja_changesets_refused_total", "counter",
	       "Changesets refused, by reason tag (SPEC section 19); kept in the store, so they "
	       "do not reset when pokjad restarts.");
	if ((err = store_refusals(s, refusal_put, &o)) != 0)
		goto out;
	family(&o, "pokja_changesets_held", "gauge",
	       "Changesets received stamped ahead of this node's clock, held until their time.");
	put(&o, "pokja_changesets_held %llu\n", (unsigned long long)st.held);
	family(&o, "pokja_forked_origins", "gauge",
	       "Origins whose log forked (two changesets with one sequence number).");
	put(&o, "pokja_forked_origins %llu\n", (unsigned long long)st.forked_origins);

	family(&o, "pokja_link_bytes_total", "counter",
	       "Bytes of sealed requests and replies on the link to a peer, since pokjad "
	       "started; direction in (received) or out (sent).");
	for (size_t i = 0; i < nl; i++) {
		labels(lb, sizeof(lb), &lc[i]);
		put(&o, "pokja_link_bytes_total{%s,direction=\"in\"} %llu\n", lb,
		    (unsigned long long)lc[i].in);
		put(&o, "pokja_link_bytes_total{%s,direction=\"out\"} %llu\n", lb,
		    (unsigned long long)lc[i].out);
	}
	family(&o, "pokja_link_lag_changesets", "gauge",
	       "Changesets waiting to travel the link to a peer, as pokjad last measured them: "
	       "direction up (towards the parent) or down (towards the child).");
	for (size_t i = 0; i < pc.n; i++) {
		if ((l = link_of(lc, nl, pc.p[i].key)) == NULL)
			continue;
		labels(lb, sizeof(lb), l);
		put(&o, "pokja_link_lag_changesets{%s,direction=\"up\"} %llu\n", lb,
		    (unsigned long long)pc.p[i].lag_up);
		put(&o, "pokja_link_lag_changesets{%s,direction=\"down\"} %llu\n", lb,
		    (unsigned long long)pc.p[i].lag_down);
	}
	family(&o, "pokja_link_connected", "gauge", "1 while the link to the peer is up, else 0.");
	for (size_t i = 0; i < pc.n; i++) {
		if ((l = link_of(lc, nl, pc.p[i].key)) == NULL)
			continue;
		labels(lb, sizeof(lb), l);
		put(&o, "pokja_link_connected{%s} %d\n", lb, pc.p[i].connected ? 1 : 0);
	}
	family(&o, "pokja_link_last_contact_seconds", "gauge",
	       "When the peer was last heard from, in Unix seconds.");
	for (size_t i = 0; i < pc.n; i++) {
		if (pc.p[i].last_contact == 0 || (l = link_of(lc, nl, pc.p[i].key)) == NULL)
			continue;
		labels(lb, sizeof(lb), l);
		put(&o, "pokja_link_last_contact_seconds{%s} %llu\n", lb,
		    (unsigned long long)pc.p[i].last_contact);
	}

	family(&o, "pokja_sessions_open", "gauge",
	       "Sessions open now: with children (established), and with the parent (0 or 1).");
	put(&o, "pokja_sessions_open{role=\"child\"} %u\n", ss.children);
	put(&o, "pokja_sessions_open{role=\"parent\"} %u\n", ss.parent);
	family(&o, "pokja_sessions_established_total", "counter",
	       "Sessions established with children and with the parent, since pokjad started.");
	put(&o, "pokja_sessions_established_total{role=\"child\"} %llu\n",
	    (unsigned long long)atomic_load(&sessions_child));
	put(&o, "pokja_sessions_established_total{role=\"parent\"} %llu\n",
	    (unsigned long long)atomic_load(&sessions_parent));

	family(&o, "pokja_store_file_bytes", "gauge", "The size of the store's data file.");
	put(&o, "pokja_store_file_bytes %llu\n", (unsigned long long)st.file_bytes);
	family(&o, "pokja_store_used_bytes", "gauge",
	       "Bytes of the data file up to its last used page (LMDB's high-water mark).");
	put(&o, "pokja_store_used_bytes %llu\n", (unsigned long long)st.used_bytes);
	if (st.disk_free_known) {
		family(&o, "pokja_disk_free_bytes", "gauge",
		       "Free space on the store's device, for an unprivileged writer.");
		put(&o, "pokja_disk_free_bytes %llu\n", (unsigned long long)st.disk_free_bytes);
	}
	if ((err = o.err) != 0)
		goto out;
	*out = o.p;
	*len = o.len;
	o.p = NULL;
out:
	free(o.p);
	free(pc.p);
	free(lc);
	return err;
}
