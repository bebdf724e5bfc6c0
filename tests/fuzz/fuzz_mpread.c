/*
 * fuzz_mpread.c: libFuzzer target for the bounded msgpack reader (proto/mpread.h).
 *
 * Walks arbitrary bytes with a pk_mpr cursor, led by pk_mpr_peek: at every position it tries
 * pk_mpr_skip (depth 8) and every typed reader on copies of the cursor, and checks the reader's
 * promises: a failed call leaves the cursor where it was, a successful one moves it forward and
 * never past the end, every view it returns lies inside the input, and a container's count
 * never exceeds the bytes left. Then it steps into a container (header only) or over a scalar,
 * or over one byte where nothing can be read, so that the checks run at every item boundary and
 * at every unreadable byte. The skip at each container header costs up to the bytes left, so a
 * run is quadratic in the worst case; libFuzzer's inputs stay small (the seeds' size).
 * A broken promise aborts, which libFuzzer reports as a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "proto/mpread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keeps the compiler from dropping reads of the returned views, so ASan sees them. */
static volatile uint8_t sink;

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void touch(const uint8_t *p, uint32_t n)
{
	uint8_t x = 0;

	for (uint32_t i = 0; i < n; i++)
		x ^= p[i];
	sink = x;
}

/* Checks the outcome of one call on cursor r that started at `was`. */
static void moved(const struct pk_mpr *r, const uint8_t *was, int err)
{
	if (err != 0)
		check(r->p == was);
	else
		check(r->p > was && r->p <= r->end);
}

static void view_inside(const struct pk_mpr *r, const uint8_t *base, const uint8_t *p, uint32_t n)
{
	check(p >= base && p <= r->end && n <= (size_t)(r->end - p));
	touch(p, n);
}

/* Tries every reader at r's position, each on its own copy. */
static void try_all(const struct pk_mpr *r, const uint8_t *base)
{
	struct pk_mpr c;
	const uint8_t *b;
	const char *s;
	uint32_t n;
	uint64_t u;
	int64_t i;
	double f;
	bool t;
	int err;

	c = *r;
	moved(&c, r->p, pk_mpr_skip(&c, 8));

	c = *r;
	err = pk_mpr_array(&c, &n);
	moved(&c, r->p, err);
	if (err == 0)
		check(n <= pk_mpr_left(&c));

	c = *r;
	err = pk_mpr_map(&c, &n);
	moved(&c, r->p, err);
	if (err == 0)
		check((uint64_t)n * 2 <= pk_mpr_left(&c));

	c = *r;
	err = pk_mpr_str(&c, &s, &n);
	moved(&c, r->p, err);
	if (err == 0)
		view_inside(&c, base, (const uint8_t *)s, n);

	c = *r;
	err = pk_mpr_bin(&c, &b, &n);
	moved(&c, r->p, err);
	if (err == 0)
		view_inside(&c, base, b, n);

	c = *r;
	moved(&c, r->p, pk_mpr_nil(&c));
	c = *r;
	moved(&c, r->p, pk_mpr_bool(&c, &t));
	c = *r;
	moved(&c, r->p, pk_mpr_uint(&c, &u));
	c = *r;
	moved(&c, r->p, pk_mpr_int(&c, &i));
	c = *r;
	moved(&c, r->p, pk_mpr_num(&c, &f));
}

/* A scalar that pk_mpr_skip accepts must be read by its typed reader to the same place. */
static void same_as_skip(const struct pk_mpr *r, enum pk_mpt t)
{
	struct pk_mpr sk = *r, c = *r;
	const uint8_t *b;
	const char *s;
	uint32_t n;
	uint64_t u;
	int64_t i;
	double f;
	bool v;
	int err;

	if (pk_mpr_skip(&sk, 8) != 0)
		return;
	switch (t) {
	case PK_MPT_NIL:
		err = pk_mpr_nil(&c);
		break;
	case PK_MPT_BOOL:
		err = pk_mpr_bool(&c, &v);
		break;
	case PK_MPT_UINT:
		err = pk_mpr_uint(&c, &u);
		break;
	case PK_MPT_INT:
		err = pk_mpr_int(&c, &i);
		break;
	case PK_MPT_FLOAT:
		err = pk_mpr_num(&c, &f);
		break;
	case PK_MPT_STR:
		err = pk_mpr_str(&c, &s, &n);
		break;
	case PK_MPT_BIN:
		err = pk_mpr_bin(&c, &b, &n);
		break;
	default:
		return;
	}
	check(err == 0 && c.p == sk.p);
}

/* Reads the item at r by its peeked type, entering containers by their header. Returns false
 * when nothing could be read. */
static bool step(struct pk_mpr *r, enum pk_mpt t)
{
	const uint8_t *b;
	const char *s;
	uint32_t n;
	uint64_t u;
	int64_t i;
	double f;
	bool v;

	switch (t) {
	case PK_MPT_NIL:
		return pk_mpr_nil(r) == 0;
	case PK_MPT_BOOL:
		return pk_mpr_bool(r, &v) == 0;
	case PK_MPT_UINT:
		return pk_mpr_uint(r, &u) == 0;
	case PK_MPT_INT:
		return pk_mpr_int(r, &i) == 0;
	case PK_MPT_FLOAT:
		return pk_mpr_num(r, &f) == 0;
	case PK_MPT_STR:
		return pk_mpr_str(r, &s, &n) == 0;
	case PK_MPT_BIN:
		return pk_mpr_bin(r, &b, &n) == 0;
	case PK_MPT_ARRAY:
		return pk_mpr_array(r, &n) == 0;
	case PK_MPT_MAP:
		return pk_mpr_map(r, &n) == 0;
	default:
		return false;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pk_mpr r;
	enum pk_mpt t;

	pk_mpr_init(&r, data, size);
	check(pk_mpr_left(&r) == size);
	/* Each pass moves forward by at least one byte, so this ends after at most size passes. */
	while (pk_mpr_left(&r) > 0) {
		const uint8_t *was = r.p;

		t = pk_mpr_peek(&r);
		try_all(&r, data);
		same_as_skip(&r, t);
		if (!step(&r, t)) {
			check(r.p == was);
			r.p++;
		}
		check(r.p > was && r.p <= r.end);
	}
	check(pk_mpr_peek(&r) == PK_MPT_NONE);
	return 0;
}
