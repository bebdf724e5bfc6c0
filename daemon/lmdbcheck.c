/*
 * lmdbcheck.c: see lmdbcheck.h. The offsets below are LMDB 0.9's structures (mdb.c: MDB_page,
 * MDB_node, MDB_meta, MDB_db) as a 64-bit build lays them out; tests/unit/test_lmdbcheck.c
 * checks this reader against files that liblmdb wrote.
 *
 *   page:  pgno u64 @0 | pad u16 @8 | flags u16 @10 | lower u16 @12 | upper u16 @14
 *          (overflow pages: page count u32 @12), then u16 node offsets from @16
 *   node:  lo u16 @0 | hi u16 @2 | flags u16 @4 | ksize u16 @6 | key | data, 2-byte aligned;
 *          leaf data size lo|hi<<16, branch child page lo|hi<<16|flags<<32
 *   meta:  magic u32 @16 | version u32 @20 | address @24 | mapsize @32 | free db @40 |
 *          main db @88 | last page @136 | txnid @144
 *   db:    pad u32 @0 (page size in the free db) | flags u16 @4 | depth u16 @6 | branch @8 |
 *          leaf @16 | overflow @24 | entries @32 | root @40; 48 bytes
 */
#include "daemon/lmdbcheck.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"

/* N_("text"): marks a message for the catalog where it is defined (a table), translated with
 * PK_() where it is used. */
#define N_(s) (s)

#define PAGEHDR 16
#define NODEHDR 8
#define DBREC 48
#define META_DBS 40
#define META_LAST 136
#define META_TXNID 144
#define META_END 152
#define MAGIC 0xBEEFC0DEu
#define INVALID UINT64_MAX
#define MAXDEPTH 32 /* LMDB's CURSOR_STACK */
#define MAXKEY 511  /* LMDB's default MDB_MAXKEYSIZE */
#define PSIZE_MAX 32768
#define EVEN(n) (((n) + 1) & ~(size_t)1)

enum { P_BRANCH = 0x01, P_LEAF = 0x02, P_OVERFLOW = 0x04, P_META = 0x08, P_LEAF2 = 0x20 };
enum { F_BIGDATA = 0x01, F_SUBDATA = 0x02, F_DUPDATA = 0x04 };
enum { INTEGERKEY = 0x08 };
enum { SEEN = 1, FREE = 2 }; /* page states */

typedef unsigned long long u64; /* page numbers and sizes, printed with %llu */

struct ck {
	const uint8_t *map;
	size_t len, psize;
	u64 last_pg, npages, txnid;   /* npages: pages that are both counted and in the file */
	uint8_t *state;               /* SEEN | FREE per page */
	u64 *runof;                   /* for an overflow run's later pages, its first page */
	uint8_t cover[PSIZE_MAX / 2]; /* 1 for each 2-byte unit of the page a node uses */
	void (*problem)(uint64_t pgno, uint64_t offset, const char *what, void *arg);
	void *arg;
	struct lmdbcheck_stats *st;
};

/* One B-tree being walked, with what the walk counted. */
struct tree {
	char label[48];
	bool is_free, is_main, ordered; /* ordered: the key order is one this checker knows */
	u64 home;                       /* the page that holds the db record */
	const uint8_t *rec;
	u64 branch, leaf, overflow, entries;
	unsigned leaf_depth;
};

struct span {
	const uint8_t *p; /* NULL: no bound */
	size_t n;
};

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static u64 rd64(const uint8_t *p)
{
	u64 v;
	memcpy(&v, p, sizeof(v));
	return v;
}

__attribute__((format(printf, 3, 4))) static void find(struct ck *c, u64 pgno, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->st->problems++;
	c->problem(pgno, pgno <= UINT64_MAX / c->psize ? pgno * c->psize : UINT64_MAX, msg, c->arg);
}

/* LMDB's default order (memcmp, then the shorter first); the free db's keys are txnids. */
static int keycmp(const struct tree *t, struct span a, struct span b)
{
	size_t n = a.n < b.n ? a.n : b.n;
	int r;

	if (t->is_free && a.n == 8 && b.n == 8) {
		u64 x = rd64(a.p), y = rd64(b.p);
		return (x > y) - (x < y);
	}
	r = n ? memcmp(a.p, b.p, n) : 0;
	return r ? r : (a.n > b.n) - (a.n < b.n);
}

static struct span node_key(const uint8_t *node)
{
	return (struct span){node + NODEHDR, rd16(node + 6)};
}

/* Takes page pg for tree t, as referred to from page `from`. NULL when it cannot be read or was
 * taken before (reported). */
static const uint8_t *claim(struct ck *c, struct tree *t, u64 pg, u64 from)
{
	const uint8_t *p;

	if (pg < 2 || pg > c->last_pg) {
		find(c, from, PK_("%s: refers to page %llu, outside pages 2..%llu"), t->label, pg,
		     c->last_pg);
		return NULL;
	}
	if (pg >= c->npages) {
		find(c, pg, PK_("%s: page lies past the end of the file (truncated?)"), t->label);
		return NULL;
	}
	if (c->state[pg] & SEEN) {
		find(c, pg, PK_("%s: page reached twice (cycle or shared), again from page %llu"),
		     t->label, from);
		if (c->runof[pg] != 0)
			find(c, c->runof[pg],
			     PK_("%s: overflow run covers page %llu, which page %llu refers to"),
			     t->label, pg, from);
		return NULL;
	}
	c->state[pg] |= SEEN;
	if (c->state[pg] & FREE)
		find(c, pg, PK_("%s: page is in use but also on the free list"), t->label);
	p = c->map + pg * c->psize;
	if (rd64(p) != pg)
		find(c, pg, PK_("%s: page header says it is page %llu"), t->label, rd64(p));
	return p;
}

/* The overflow run that a leaf node's value of `size` bytes starts at page pg; returns the
 * value, or NULL (reported). */
static const uint8_t *overflow(struct ck *c, struct tree *t, u64 from, u64 pg, u64 size)
{
	const uint8_t *p = claim(c, t, pg, from);
	uint32_t count;

	if (p == NULL)
		return NULL;
	count = rd32(p + 12);
	t->overflow += count;
	if (rd16(p + 10) != P_OVERFLOW) {
		find(c, pg, PK_("%s: page flags 0x%x, expected an overflow page"), t->label,
		     rd16(p + 10));
		return NULL;
	}
	if (count == 0 || count - 1 > c->last_pg - pg) {
		find(c, pg, PK_("%s: overflow run of %u pages does not end by the last page"),
		     t->label, count);
		return NULL;
	}
	for (uint32_t i = 1; i < count; i++) {
		u64 q = pg + i;
		if (q >= c->npages || (c->state[q] & SEEN)) {
			find(c, pg,
			     PK_("%s: overflow run of %u pages reaches page %llu, which is %s"),
			     t->label, count, q,
			     q >= c->npages ? PK_("past the end of the file")
			                    : PK_("already in use"));
			return NULL;
		}
		if (c->state[q] & FREE)
			find(c, pg,
			     PK_("%s: overflow run includes page %llu, which is on the free list"),
			     t->label, q);
		c->state[q] |= SEEN;
		c->runof[q] = pg;
	}
	if (size > (u64)count * c->psize - PAGEHDR) {
		find(c, pg, PK_("%s: value of %llu bytes does not fit its %u overflow pages"),
		     t->label, size, count);
		return NULL;
	}
	return p + PAGEHDR;
}

/* A free db value: a count, then that many page numbers (it may hold spare room). */
static void free_list(struct ck *c, struct tree *t, u64 pgno, struct span k, const uint8_t *v,
                      u64 vn)
{
	u64 txn = k.n == 8 ? rd64(k.p) : 0, n;

	if (txn > c->txnid)
		find(c, pgno, PK_("%s: entry of txn %llu is newer than the snapshot (%llu)"),
		     t->label, txn, c->txnid);
	if (vn < 8 || vn % 8 != 0 || (n = rd64(v)) > vn / 8 - 1) {
		find(c, pgno, PK_("%s: page list of txn %llu does not fit its %llu bytes"),
		     t->label, txn, vn);
		return;
	}
	for (u64 i = 1; i <= n; i++) {
		u64 q = rd64(v + 8 * i);
		if (q < 2 || q > c->last_pg) {
			find(
			    c, pgno,
			    PK_("%s: page list of txn %llu names page %llu, outside pages 2..%llu"),
			    t->label, txn, q, c->last_pg);
			return;
		}
		if (q >= c->npages)
			continue;
		if (c->state[q] & FREE)
			find(c, q, PK_("%s: page is on the free list twice"), t->label);
		else if (c->state[q] & SEEN)
			find(c, q, PK_("%s: page is on the free list but also in use"), t->label);
		else
			c->st->free++;
		c->state[q] |= FREE;
	}
}

static void walk_db(struct ck *c, struct tree *t);

/* A named db's record, in a main db leaf on page `home`. */
static void named(struct ck *c, u64 home, struct span name, const uint8_t *rec)
{
	struct tree t = {.home = home, .rec = rec, .ordered = true};
	char safe[33];
	size_t i;

	for (i = 0; i < name.n && i < sizeof(safe) - 1; i++)
		safe[i] = name.p[i] >= 0x20 && name.p[i] < 0x7f ? (char)name.p[i] : '?';
	safe[i] = '\0';
	snprintf(t.label, sizeof(t.label), "db '%s'", safe);
	c->st->dbs++;
	if (rd16(rec + 4) != 0) {
		find(c, home,
		     PK_("%s: flags 0x%x; this store's dbs have none (not checked further)"),
		     t.label, rd16(rec + 4));
		return;
	}
	walk_db(c, &t);
}

/* Checks the n nodes of the page p (pgno) and returns how many lead the page before the first
 * bad one (reported): they lie in [upper, page end) without overlap, with sizes that fit and
 * keys in order within [lo, hi). When all are good they must fill that space exactly. */
static unsigned check_nodes(struct ck *c, struct tree *t, const uint8_t *p, u64 pgno, bool leaf,
                            unsigned n, unsigned upper, struct span lo, struct span hi)
{
	const char *kind = leaf ? "leaf" : "branch";
	struct span prev = {NULL, 0};
	size_t total = 0;
	unsigned i;

	memset(c->cover, 0, c->psize / 2);
	for (i = 0; i < n; i++) {
		unsigned off = rd16(p + PAGEHDR + 2 * i), fl, ks;
		const uint8_t *nd = p + off;
		size_t size;
		u64 ds;
		struct span k;

		if (off % 2 != 0 || off < upper || off > c->psize - NODEHDR) {
			find(c, pgno,
			     PK_("%s: %s page: node %u at offset %u lies outside the node area"),
			     t->label, kind, i, off);
			break;
		}
		fl = rd16(nd + 4);
		ks = rd16(nd + 6);
		ds = rd16(nd) | (u64)rd16(nd + 2) << 16;
		size = NODEHDR + ks;
		if (leaf &&
		    ((fl & ~(unsigned)(F_BIGDATA | F_SUBDATA)) != 0 ||
		     ((fl & F_SUBDATA) && (!t->is_main || fl != F_SUBDATA || ds != DBREC)))) {
			find(c, pgno, PK_("%s: leaf page: node %u has flags 0x%x%s"), t->label, i,
			     fl,
			     (fl & F_DUPDATA)
			         ? PK_(" (duplicate data: this store uses no DUPSORT db)")
			         : "");
			break;
		}
		if (leaf)
			size += (fl & F_BIGDATA) ? 8 : ds;
		if (ks > MAXKEY || (ks == 0 && (leaf || i > 0)) ||
		    (t->is_free && ks != 8 && ks > 0)) {
			find(c, pgno, PK_("%s: %s page: node %u has a key of %u bytes"), t->label,
			     kind, i, ks);
			break;
		}
		if (EVEN(size) > c->psize - off) {
			find(c, pgno,
			     PK_("%s: %s page: node %u (%zu bytes) runs past the page end"),
			     t->label, kind, i, size);
			break;
		}
		if (memchr(c->cover + off / 2, 1, EVEN(size) / 2) != NULL) {
			find(c, pgno, PK_("%s: %s page: node %u overlaps another node"), t->label,
			     kind, i);
			break;
		}
		memset(c->cover + off / 2, 1, EVEN(size) / 2);
		total += EVEN(size);
		if (!leaf && i == 0)
			continue; /* a branch page's first key is implicit */
		k = node_key(nd);
		/* ascending, so only the first key is compared with lo and the last with hi */
		if (t->ordered && ((prev.p != NULL && keycmp(t, prev, k) >= 0) ||
		                   (prev.p == NULL && lo.p != NULL && keycmp(t, k, lo) < 0) ||
		                   (i == n - 1 && hi.p != NULL && keycmp(t, k, hi) >= 0))) {
			find(c, pgno, PK_("%s: %s page: key of node %u is out of order"), t->label,
			     kind, i);
			break;
		}
		prev = k;
	}
	if (i == n && total != c->psize - upper)
		find(c, pgno, PK_("%s: %s page: nodes fill %zu bytes, the header says %zu"),
		     t->label, kind, total, c->psize - upper);
	return i;
}

/* A leaf node's value: an overflow run, a named db, or a free list. */
static void leaf_value(struct ck *c, struct tree *t, u64 pgno, const uint8_t *nd)
{
	unsigned fl = rd16(nd + 4);
	struct span k = node_key(nd);
	u64 ds = rd16(nd) | (u64)rd16(nd + 2) << 16;
	const uint8_t *v = k.p + k.n;

	t->entries++;
	if ((fl & F_BIGDATA) && (v = overflow(c, t, pgno, rd64(v), ds)) == NULL)
		return;
	if (fl & F_SUBDATA)
		named(c, pgno, k, v);
	else if (t->is_free)
		free_list(c, t, pgno, k, v, ds);
}

static void walk(struct ck *c, struct tree *t, u64 pgno, u64 from, unsigned depth, struct span lo,
                 struct span hi)
{
	const uint8_t *p = claim(c, t, pgno, from);
	unsigned flags, lower, upper, n, good;
	bool leaf;

	if (p == NULL)
		return;
	flags = rd16(p + 10);
	lower = rd16(p + 12);
	upper = rd16(p + 14);
	leaf = flags == P_LEAF;
	if (flags != P_LEAF && flags != P_BRANCH) {
		find(c, pgno, PK_("%s: page flags 0x%x, expected a branch or leaf page%s"),
		     t->label, flags,
		     (flags & P_LEAF2) ? PK_(" (LEAF2 pages belong to DUPFIXED dbs, unused here)")
		                       : "");
		return;
	}
	if (leaf)
		t->leaf++;
	else
		t->branch++;
	if (lower < PAGEHDR || lower > upper || upper > c->psize || (lower - PAGEHDR) % 2 != 0 ||
	    upper % 2 != 0 || lower == PAGEHDR) {
		find(c, pgno, PK_("%s: %s page: bad node area (lower %u, upper %u)"), t->label,
		     leaf ? "leaf" : "branch", lower, upper);
		return;
	}
	if (leaf && t->leaf_depth == 0)
		t->leaf_depth = depth;
	else if (leaf && depth != t->leaf_depth)
		find(c, pgno, PK_("%s: leaf page at depth %u, others at %u"), t->label, depth,
		     t->leaf_depth);
	if (!leaf && depth >= MAXDEPTH) {
		find(c, pgno, PK_("%s: branch page at depth %u, deeper than LMDB goes"), t->label,
		     depth);
		return;
	}
	n = (lower - PAGEHDR) / 2;
	good = check_nodes(c, t, p, pgno, leaf, n, upper, lo, hi);
	for (unsigned i = 0; i < good; i++) {
		const uint8_t *nd = p + rd16(p + PAGEHDR + 2 * i);
		if (leaf) {
			leaf_value(c, t, pgno, nd);
		} else {
			u64 child = rd16(nd) | (u64)rd16(nd + 2) << 16 | (u64)rd16(nd + 4) << 32;
			struct span clo = i > 0 ? node_key(nd) : lo;
			struct span chi =
			    i + 1 < good ? node_key(p + rd16(p + PAGEHDR + 2 * (i + 1))) : hi;
			walk(c, t, child, pgno, depth + 1, clo, chi);
		}
	}
}

/* Walks the tree t->rec describes and compares what it found with the record's counts. */
static void walk_db(struct ck *c, struct tree *t)
{
	/* Marked for the catalog, translated where used. */
	static const char *const what[] = {N_("branch pages"), N_("leaf pages"),
	                                   N_("overflow pages"), N_("entries")};
	const uint8_t *r = t->rec;
	unsigned depth = rd16(r + 6);
	u64 root = rd64(r + 40), *found[] = {&t->branch, &t->leaf, &t->overflow, &t->entries};

	if (root == INVALID) {
		if (depth != 0 || rd64(r + 8) || rd64(r + 16) || rd64(r + 24) || rd64(r + 32))
			find(c, t->home, PK_("%s: empty db record with a depth or counts"),
			     t->label);
		return;
	}
	if (depth == 0 || depth > MAXDEPTH)
		find(c, t->home, PK_("%s: depth %u is not in 1..%d"), t->label, depth, MAXDEPTH);
	walk(c, t, root, t->home, 1, (struct span){NULL, 0}, (struct span){NULL, 0});
	c->st->branch += t->branch;
	c->st->leaf += t->leaf;
	c->st->overflow += t->overflow;
	for (int i = 0; i < 4; i++)
		if (*found[i] != rd64(r + 8 + 8 * i))
			find(c, t->home, PK_("%s: found %llu %s, the db record says %llu"),
			     t->label, *found[i], PK_(what[i]), rd64(r + 8 + 8 * i));
	if (t->leaf_depth != 0 && t->leaf_depth != depth)
		find(c, t->home, PK_("%s: leaves at depth %u, the db record says %u"), t->label,
		     t->leaf_depth, depth);
}

/* Whether meta page i (of psize bytes) is one LMDB accepts; reports what is wrong with it. */
static bool meta_ok(struct ck *c, int i)
{
	const uint8_t *m = c->map + (size_t)i * c->psize;
	const char *bad = NULL;

	if (c->len / c->psize < (size_t)i + 1)
		bad = PK_("lies past the end of the file");
	else if (!(rd16(m + 10) & P_META))
		bad = PK_("is not marked as a meta page");
	else if (rd32(m + 16) != MAGIC)
		bad = PK_("has no LMDB magic number");
	else if (rd32(m + 20) != 1)
		bad = PK_("has an unknown format version");
	else if (rd32(m + META_DBS) != c->psize)
		bad = PK_("gives another page size");
	else if (rd64(m + META_LAST) < 1)
		bad = PK_("counts no pages");
	else if (rd64(m + META_LAST) >= UINT64_MAX / c->psize)
		bad =
		    PK_("counts more pages than a file can hold"); /* their offsets would not fit */
	if (bad != NULL) {
		find(c, (u64)i, PK_("meta page %d %s"), i, bad);
		return false;
	}
	if (rd64(m) != (u64)i)
		find(c, (u64)i, PK_("meta page %d: header says it is page %llu"), i, rd64(m));
	if (rd16(m + 10) != P_META)
		find(c, (u64)i, PK_("meta page %d: flags 0x%x"), i, rd16(m + 10));
	return true;
}

/* The page size: meta page 0's, or else the one at which meta page 1 sits. 0: none. */
static size_t page_size(const uint8_t *map, size_t len)
{
	for (size_t ps = 0; ps <= PSIZE_MAX; ps = ps ? ps * 2 : 512) {
		const uint8_t *m;
		size_t want;
		if (len < ps + META_END)
			break;
		m = map + ps;
		if (rd32(m + 16) != MAGIC || rd32(m + 20) != 1)
			continue;
		want = rd32(m + META_DBS);
		if (want >= 512 && want <= PSIZE_MAX && (want & (want - 1)) == 0 &&
		    (ps == 0 || ps == want))
			return want;
	}
	return 0;
}

int lmdbcheck(const uint8_t *map, size_t len, uint64_t txnid,
              void (*problem)(uint64_t pgno, uint64_t offset, const char *what, void *arg),
              void *arg, struct lmdbcheck_stats *st)
{
	struct ck *c = calloc(1, sizeof(*c));
	struct tree free_db = {.label = "free db", .is_free = true};
	struct tree main_db = {.label = "main db", .is_main = true};
	u64 leaked = 0, first = 0;
	const uint8_t *m;
	int best = -1, err = 0;

	memset(st, 0, sizeof(*st));
	if (c == NULL)
		return PK_ENOMEM;
	*c = (struct ck){
	    .map = map, .len = len, .psize = 1, .problem = problem, .arg = arg, .st = st};
	if ((c->psize = page_size(map, len)) == 0) {
		c->psize = 1;
		find(c, 0, PK_("no LMDB meta page with a sane page size"));
		err = PK_ECORRUPT;
		goto done;
	}
	for (int i = 0; i < 2; i++) {
		u64 t;
		if (!meta_ok(c, i))
			continue;
		t = rd64(map + (size_t)i * c->psize + META_TXNID);
		/* On a tie LMDB reads meta page 0 (mdb_env_pick_meta): so do both choices here. */
		if (txnid ? best < 0 && t == txnid : best < 0 || t > c->txnid) {
			best = i;
			c->txnid = t;
		}
	}
	if (best < 0) {
		find(c, 0,
		     txnid ? PK_("no usable meta page has txnid %llu") : PK_("no usable meta page"),
		     (u64)txnid);
		err = PK_ECORRUPT;
		goto done;
	}
	m = map + (size_t)best * c->psize;
	c->last_pg = rd64(m + META_LAST);
	c->npages = c->last_pg < len / c->psize ? c->last_pg + 1 : len / c->psize;
	st->txnid = c->txnid;
	st->pages = c->last_pg + 1;
	if (c->last_pg >= len / c->psize)
		find(c, (u64)best,
		     PK_("the file holds %zu pages, meta page %d counts %llu (truncated?)"),
		     len / c->psize, best, c->last_pg + 1);
	c->state = calloc(c->npages + 2, 1); /* + 2: pages 0 and 1 even in a shorter file */
	c->runof = calloc(c->npages + 2, sizeof(*c->runof));
	if (c->state == NULL || c->runof == NULL) {
		err = PK_ENOMEM;
		goto done;
	}
	c->state[0] = c->state[1] = SEEN;
	free_db.home = main_db.home = (u64)best;
	free_db.rec = m + META_DBS;
	main_db.rec = m + META_DBS + DBREC;
	free_db.ordered = rd16(free_db.rec + 4) == INTEGERKEY;
	main_db.ordered = rd16(main_db.rec + 4) == 0;
	if (!free_db.ordered || !main_db.ordered)
		find(c, (u64)best,
		     PK_("meta page %d: db flags 0x%x (free) and 0x%x (main), "
		         "expected 0x%x and 0"),
		     best, rd16(free_db.rec + 4), rd16(main_db.rec + 4), INTEGERKEY);
	walk_db(c, &free_db); /* first, so that pages in use can be checked against free lists */
	walk_db(c, &main_db);
	for (u64 q = 2; q < c->npages; q++)
		if (c->state[q] == 0 && leaked++ == 0)
			first = q;
	if (leaked)
		find(c, first,
		     PK_("page is neither in use nor free (%llu such pages from here on)"), leaked);
done:
	free(c->state);
	free(c->runof);
	free(c);
	return err;
}
