/*
 * health.c: a node's replication health (health.h): the kesehatan_node value both ways, and
 * what the store, its folder and the pokjad lock file tell of the node.
 */
#include "health.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "proto/mpread.h"
#include "proto/mpwrite.h"
#include "proto/schema.h"
#include "proto/syncmsg.h"

const char *health_key(const char *region)
{
	return region[0] != '\0' ? region : HEALTH_NATIONAL_KEY;
}

/* ---- the value ----------------------------------------------------------------------------- */

void health_link_format(char *out, size_t cap, const struct health_link *l)
{
	snprintf(out, cap,
	         "peran=%s wilayah=%s kunci=%s terhubung=%s kontak=%" PRIu64 " lag_naik=%" PRIu64
	         " lag_turun=%" PRIu64,
	         l->parent ? "induk" : "anak", l->region[0] ? l->region : "-", l->key,
	         l->connected ? "ya" : "tidak", l->last_contact, l->lag_up, l->lag_down);
}

/* A decimal number that fills the whole of s[0..n). */
static int parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 19)
		return PK_EDECODE;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return PK_EDECODE;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return 0;
}

int health_link_parse(const char *s, size_t len, struct health_link *l)
{
	const char *p = s, *end = s + len;
	unsigned seen = 0;

	memset(l, 0, sizeof(*l));
	while (p < end) {
		const char *w = p, *eq;
		size_t n, vn;

		while (p < end && *p != ' ')
			p++;
		n = (size_t)(p - w);
		if (p < end)
			p++;
		if (n == 0)
			continue;
		if ((eq = memchr(w, '=', n)) == NULL)
			return PK_EDECODE;
		vn = n - (size_t)(eq + 1 - w);
#define IS(name) ((size_t)(eq - w) == strlen(name) && memcmp(w, name, strlen(name)) == 0)
		if (IS("peran")) {
			l->parent = vn == 5 && memcmp(eq + 1, "induk", 5) == 0;
			seen |= 1;
		} else if (IS("wilayah")) {
			if (vn > PK_REGION_MAX)
				return PK_EDECODE;
			if (!(vn == 1 && eq[1] == '-'))
				memcpy(l->region, eq + 1, vn);
			l->region[vn == 1 && eq[1] == '-' ? 0 : vn] = '\0';
			seen |= 2;
		} else if (IS("kunci")) {
			if (vn > 16)
				return PK_EDECODE;
			memcpy(l->key, eq + 1, vn);
			l->key[vn] = '\0';
		} else if (IS("terhubung")) {
			l->connected = vn == 2 && memcmp(eq + 1, "ya", 2) == 0;
		} else if (IS("kontak")) {
			if (parse_u64(eq + 1, vn, &l->last_contact) != 0)
				return PK_EDECODE;
		} else if (IS("lag_naik")) {
			if (parse_u64(eq + 1, vn, &l->lag_up) != 0)
				return PK_EDECODE;
		} else if (IS("lag_turun")) {
			if (parse_u64(eq + 1, vn, &l->lag_down) != 0)
				return PK_EDECODE;
		}
		/* Other names are for later versions: left alone. */
#undef IS
	}
	return seen == 3 ? 0 : PK_EDECODE;
}

static void put_int(struct pk_mpw *w, const char *k, uint64_t v)
{
	pk_mpw_put_cstr(w, k);
	pk_mpw_put_uint(w, v);
}

int health_encode(const struct health *h, uint8_t **out, size_t *len)
{
	const struct pk_collection *c = pk_schema_find(HEALTH_COLL, strlen(HEALTH_COLL));
	struct pk_mpw w;
	struct pk_diag d;
	char item[256];
	int err;

	*out = NULL;
	pk_mpw_init(&w);
	/* Keys in bytewise order (SPEC section 5). */
	pk_mpw_put_map(&w, 14);
	put_int(&w, "belum_terkirim", h->unacked);
	put_int(&w, "belum_terkirim_byte", h->unacked_bytes);
	put_int(&w, "disk_bebas", h->disk_free);
	pk_mpw_put_cstr(&w, "disk_penuh");
	pk_mpw_put_bool(&w, h->disk_full);
	put_int(&w, "disk_terpakai", h->disk_used);
	put_int(&w, "ditolak", h->refused);
	pk_mpw_put_cstr(&w, "ditolak_alasan");
	pk_mpw_put_array(&w, h->nreasons);
	for (size_t i = 0; i < h->nreasons; i++) {
		snprintf(item, sizeof(item), "%s=%" PRIu64, h->reasons[i].tag, h->reasons[i].count);
		pk_mpw_put_cstr(&w, item);
	}
	put_int(&w, "fork", h->forks);
	put_int(&w, "lag_naik", h->lag_up);
	put_int(&w, "lag_turun", h->lag_down);
	put_int(&w, "mulai", h->started);
	pk_mpw_put_cstr(&w, "tautan");
	pk_mpw_put_array(&w, h->nlinks);
	for (size_t i = 0; i < h->nlinks; i++) {
		health_link_format(item, sizeof(item), &h->links[i]);
		pk_mpw_put_cstr(&w, item);
	}
	pk_mpw_put_cstr(&w, "versi");
	pk_mpw_put_cstr(&w, h->version[0] ? h->version : "?");
	put_int(&w, "waktu", h->written);
	if ((err = pk_mpw_finish(&w, out, len)) != 0)
		return err;
	if ((err = pk_schema_validate(c, *out, *len, &d)) != 0) {
		free(*out);
		*out = NULL;
	}
	return err;
}

/* Copies a str item into a fixed buffer, cut to fit. */
static void copy_str(char *dst, size_t cap, const char *s, uint32_t n)
{
	size_t k = n < cap - 1 ? n : cap - 1;

	memcpy(dst, s, k);
	dst[k] = '\0';
}

static int read_strlist(struct pk_mpr *r, struct health *h, bool links)
{
	uint32_t n, sl;
	const char *s;
	int err;

	if ((err = pk_mpr_array(r, &n)) != 0)
		return err;
	for (uint32_t i = 0; i < n; i++) {
		if ((err = pk_mpr_str(r, &s, &sl)) != 0)
			return err;
		if (links) {
			if (h->nlinks < HEALTH_LINKS_MAX &&
			    health_link_parse(s, sl, &h->links[h->nlinks]) == 0)
				h->nlinks++;
		} else {
			const char *eq = memchr(s, '=', sl);
			struct health_reason *rs = &h->reasons[h->nreasons];

			if (eq == NULL || h->nreasons >= HEALTH_REASONS_MAX ||
			    parse_u64(eq + 1, sl - (uint32_t)(eq + 1 - s), &rs->count) != 0)
				continue;
			copy_str(rs->tag, sizeof(rs->tag), s, (uint32_t)(eq - s));
			h->nreasons++;
		}
	}
	return 0;
}

int health_decode(const uint8_t *value, size_t len, struct health *h)
{
	static const struct {
		const char *name;
		size_t off;
	} ints[] = {
	    {"belum_terkirim", offsetof(struct health, unacked)},
	    {"belum_terkirim_byte", offsetof(struct health, unacked_bytes)},
	    {"disk_bebas", offsetof(struct health, disk_free)},
	    {"disk_terpakai", offsetof(struct health, disk_used)},
	    {"ditolak", offsetof(struct health, refused)},
	    {"fork", offsetof(struct health, forks)},
	    {"lag_naik", offsetof(struct health, lag_up)},
	    {"lag_turun", offsetof(struct health, lag_down)},
	    {"mulai", offsetof(struct health, started)},
	    {"waktu", offsetof(struct health, written)},
	};
	struct pk_mpr r;
	uint32_t n, kl, sl;
	const char *k, *s;
	int err = 0;

	memset(h, 0, sizeof(*h));
	pk_mpr_init(&r, value, len);
	if ((err = pk_mpr_map(&r, &n)) != 0)
		return err;
	for (uint32_t i = 0; i < n && err == 0; i++) {
		bool done = false;

		if ((err = pk_mpr_str(&r, &k, &kl)) != 0)
			break;
		for (size_t j = 0; j < sizeof(ints) / sizeof(ints[0]) && !done; j++)
			if (kl == strlen(ints[j].name) && memcmp(k, ints[j].name, kl) == 0) {
				err = pk_mpr_uint(&r, (uint64_t *)((char *)h + ints[j].off));
				done = true;
			}
		if (done)
			continue;
		if (kl == 10 && memcmp(k, "disk_penuh", 10) == 0) {
			err = pk_mpr_bool(&r, &h->disk_full);
		} else if (kl == 5 && memcmp(k, "versi", 5) == 0) {
			if ((err = pk_mpr_str(&r, &s, &sl)) == 0)
				copy_str(h->version, sizeof(h->version), s, sl);
		} else if (kl == 6 && memcmp(k, "tautan", 6) == 0) {
			err = read_strlist(&r, h, true);
		} else if (kl == 14 && memcmp(k, "ditolak_alasan", 14) == 0) {
			err = read_strlist(&r, h, false);
		} else {
			err = pk_mpr_skip(&r, 4);
		}
	}
	return err != 0 ? PK_EDECODE : 0;
}

/* ---- what the store tells ------------------------------------------------------------------ */

struct acked {
	struct pk_head *h;
	size_t n, cap;
};

static int acked_add(const struct pk_head *h, void *arg)
{
	struct acked *a = arg;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		struct pk_head *nh = realloc(a->h, cap * sizeof(*nh));

		if (nh == NULL)
			return PK_ENOMEM;
		a->h = nh;
		a->cap = cap;
	}
	a->h[a->n++] = *h;
	return 0;
}

struct unacked {
	struct store *s;
	const uint8_t *me;
	const struct acked *acked;
	uint64_t count, bytes;
	int err;
};

static int sum_bytes(const uint8_t *raw, size_t len, void *arg)
{
	(void)raw;
	*(uint64_t *)arg += len;
	return 0;
}

static int unacked_origin(const uint8_t origin[PK_PUB_BYTES], const struct store_head *h, void *arg)
{
	struct unacked *u = arg;
	uint64_t have = 0, bytes = 0;
	int n;

	if (memcmp(origin, u->me, PK_PUB_BYTES) != 0 && !store_in_subtree(u->s, u->me, origin))
		return 0;
	for (size_t i = 0; i < u->acked->n; i++)
		if (memcmp(u->acked->h[i].origin, origin, PK_PUB_BYTES) == 0)
			have = u->acked->h[i].seq;
	if (h->seq <= have)
		return 0;
	u->count += h->seq - have;
	n = store_log_after(u->s, origin, have, SIZE_MAX, HEALTH_BYTES_SCAN_MAX, sum_bytes, &bytes);
	if (n < 0) {
		u->err = n;
		return n;
	}
	u->bytes += bytes;
	return 0;
}

int health_unacked(struct store *s, const uint8_t me[PK_PUB_BYTES], bool *known, uint64_t *count,
                   uint64_t *bytes)
{
	uint8_t path[PK_CHAIN_MAX + 1][PK_PUB_BYTES];
	struct acked a = {NULL, 0, 0};
	struct unacked u = {s, me, &a, 0, 0, 0};
	int n, err = 0;

	*known = false;
	*count = *bytes = 0;
	n = store_origin_path(s, me, path);
	if (n < 2)
		return 0; /* the national node, or no chain yet: no parent to acknowledge */
	*known = true;
	if ((err = store_peer_heads_get(s, path[n - 2], acked_add, &a)) < 0)
		goto out;
	if ((err = store_heads(s, unacked_origin, &u)) < 0)
		goto out;
	err = u.err < 0 ? u.err : 0;
	*count = u.count;
	*bytes = u.bytes;
out:
	free(a.h);
	return err < 0 ? err : 0;
}

static int add_reason(const char *tag, uint64_t count, void *arg)
{
	struct health *h = arg;

	h->refused += count;
	if (h->nreasons < HEALTH_REASONS_MAX) {
		snprintf(h->reasons[h->nreasons].tag, sizeof(h->reasons[0].tag), "%s", tag);
		h->reasons[h->nreasons++].count = count;
	}
	return 0;
}

static int count_fork(const uint8_t origin[PK_PUB_BYTES], uint64_t seq, void *arg)
{
	(void)origin;
	(void)seq;
	(*(uint64_t *)arg)++;
	return 0;
}

int health_local(struct store *s, const uint8_t me[PK_PUB_BYTES], struct health *h)
{
	bool known;
	int err;

	if ((err = health_state(s, h)) < 0)
		return err;
	return health_unacked(s, me, &known, &h->unacked, &h->unacked_bytes);
}

int health_state(struct store *s, struct health *h)
{
	const char *dir = store_path(s);
	char file[4096];
	struct statvfs v;
	struct stat st;
	int err;

	h->refused = 0;
	h->nreasons = 0;
	h->forks = 0;
	if ((err = store_refusals(s, add_reason, h)) < 0 ||
	    (err = store_forks(s, count_fork, &h->forks)) < 0)
		return err;
	snprintf(file, sizeof(file), "%s/data.mdb", dir);
	h->disk_used = stat(file, &st) == 0 ? (uint64_t)st.st_size : 0;
	h->disk_free = statvfs(dir, &v) == 0 ? (uint64_t)v.f_bavail * v.f_frsize : 0;
	h->disk_full = store_full_since(s, NULL) || h->disk_free < HEALTH_DISK_LOW;
	return 0;
}

/* ---- is pokjad running --------------------------------------------------------------------- */

int health_daemon(const char *dir, struct health_daemon *out, struct pk_diag *d)
{
	char path[4096], who[96] = "";
	unsigned long long since = 0;
	ssize_t n;
	int f;

	memset(out, 0, sizeof(*out));
	if ((size_t)snprintf(path, sizeof(path), "%s/pokjad.lock", dir) >= sizeof(path))
		return pk_diagf(d, PK_EINVAL, "%s: the folder name is too long", dir);
	if ((f = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0; /* pokjad never ran here */
		return pk_diagf(d, PK_EIO, "%s: %s", path, strerror(errno));
	}
	/* pokjad holds an exclusive lock for as long as it runs (node_lock); the kernel drops it
	 * when the process dies, whatever killed it, so a free lock means not running. */
	if (flock(f, LOCK_SH | LOCK_NB) == 0) {
		close(f);
		return 0;
	}
	if (errno != EWOULDBLOCK) {
		int e = errno;

		close(f);
		return pk_diagf(d, PK_EIO, "%s: %s", path, strerror(e));
	}
	n = pread(f, who, sizeof(who) - 1, 0);
	close(f);
	who[n > 0 ? n : 0] = '\0';
	out->running = true;
	if (sscanf(who, "%ld %31s %llu", &out->pid, out->prog, &since) == 3)
		out->since = since;
	return 0;
}
