/* mpread.c: the bounded msgpack reader (see mpread.h). */
#include "mpread.h"

#include <string.h>

#include "error.h"

static uint64_t be(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

enum pk_mpt pk_mpr_peek(const struct pk_mpr *r)
{
	uint8_t b;

	if (r->p >= r->end)
		return PK_MPT_NONE;
	b = *r->p;
	if (b <= 0x7f || (b >= 0xcc && b <= 0xcf))
		return PK_MPT_UINT;
	if (b >= 0xe0 || (b >= 0xd0 && b <= 0xd3))
		return PK_MPT_INT;
	if ((b & 0xf0) == 0x80 || b == 0xde || b == 0xdf)
		return PK_MPT_MAP;
	if ((b & 0xf0) == 0x90 || b == 0xdc || b == 0xdd)
		return PK_MPT_ARRAY;
	if ((b & 0xe0) == 0xa0 || (b >= 0xd9 && b <= 0xdb))
		return PK_MPT_STR;
	if (b >= 0xc4 && b <= 0xc6)
		return PK_MPT_BIN;
	if (b == 0xc0)
		return PK_MPT_NIL;
	if (b == 0xc2 || b == 0xc3)
		return PK_MPT_BOOL;
	if (b == 0xca || b == 0xcb)
		return PK_MPT_FLOAT;
	return PK_MPT_NONE;
}

/* Reads a header whose length field follows the tag in `width` bytes (0: in the tag itself,
 * masked by `mask`). Checks that the header fits; the caller checks the payload. */
static int header(struct pk_mpr *r, int width, uint8_t mask, uint64_t *n)
{
	size_t left = pk_mpr_left(r);

	if (left < (size_t)1 + (size_t)width)
		return PK_EDECODE;
	*n = width == 0 ? (uint64_t)(r->p[0] & mask) : be(r->p + 1, width);
	r->p += 1 + width;
	return 0;
}

static int container(struct pk_mpr *r, enum pk_mpt want, uint32_t *n)
{
	const uint8_t *start = r->p;
	uint64_t count;
	uint8_t b;
	int width;

	if (pk_mpr_peek(r) != want)
		return PK_EDECODE;
	b = *r->p;
	width = (b & 0xf0) == 0x80 || (b & 0xf0) == 0x90 ? 0 : (b == 0xdc || b == 0xde) ? 2 : 4;
	if (header(r, width, 0x0f, &count) != 0)
		return PK_EDECODE;
	if (count * (want == PK_MPT_MAP ? 2 : 1) > pk_mpr_left(r)) {
		r->p = start;
		return PK_EDECODE;
	}
	*n = (uint32_t)count;
	return 0;
}

int pk_mpr_array(struct pk_mpr *r, uint32_t *n)
{
	return container(r, PK_MPT_ARRAY, n);
}

int pk_mpr_map(struct pk_mpr *r, uint32_t *n)
{
	return container(r, PK_MPT_MAP, n);
}

static int bytes(struct pk_mpr *r, enum pk_mpt want, const uint8_t **b, uint32_t *len)
{
	const uint8_t *start = r->p;
	uint64_t n;
	uint8_t t;
	int width;

	if (pk_mpr_peek(r) != want)
		return PK_EDECODE;
	t = *r->p;
	if ((t & 0xe0) == 0xa0)
		width = 0;
	else if (t == 0xd9 || t == 0xc4)
		width = 1;
	else if (t == 0xda || t == 0xc5)
		width = 2;
	else
		width = 4;
	if (header(r, width, 0x1f, &n) != 0)
		return PK_EDECODE;
	if (n > pk_mpr_left(r)) {
		r->p = start;
		return PK_EDECODE;
	}
	*b = r->p;
	*len = (uint32_t)n;
	r->p += n;
	return 0;
}

int pk_mpr_str(struct pk_mpr *r, const char **s, uint32_t *len)
{
	return bytes(r, PK_MPT_STR, (const uint8_t **)s, len);
}

int pk_mpr_bin(struct pk_mpr *r, const uint8_t **b, uint32_t *len)
{
	return bytes(r, PK_MPT_BIN, b, len);
}

int pk_mpr_nil(struct pk_mpr *r)
{
	if (pk_mpr_peek(r) != PK_MPT_NIL)
		return PK_EDECODE;
	r->p++;
	return 0;
}

int pk_mpr_bool(struct pk_mpr *r, bool *v)
{
	if (pk_mpr_peek(r) != PK_MPT_BOOL)
		return PK_EDECODE;
	*v = *r->p == 0xc3;
	r->p++;
	return 0;
}

/* Reads any integer as sign + magnitude. */
static int integer(struct pk_mpr *r, bool *neg, uint64_t *mag)
{
	size_t left = pk_mpr_left(r);
	uint8_t b;
	int width;
	int64_t s;

	if (left == 0)
		return PK_EDECODE;
	b = *r->p;
	if (b <= 0x7f) {
		*neg = false;
		*mag = b;
		r->p++;
		return 0;
	}
	if (b >= 0xe0) {
		*neg = true;
		*mag = (uint64_t)(0x100 - b);
		r->p++;
		return 0;
	}
	if (b >= 0xcc && b <= 0xcf) {
		width = 1 << (b - 0xcc);
		if (left < (size_t)1 + width)
			return PK_EDECODE;
		*neg = false;
		*mag = be(r->p + 1, width);
		r->p += 1 + width;
		return 0;
	}
	if (b >= 0xd0 && b <= 0xd3) {
		width = 1 << (b - 0xd0);
		if (left < (size_t)1 + width)
			return PK_EDECODE;
		s = (int64_t)(be(r->p + 1, width) << (64 - 8 * width)) >> (64 - 8 * width);
		*neg = s < 0;
		*mag = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
		r->p += 1 + width;
		return 0;
	}
	return PK_EDECODE;
}

int pk_mpr_uint(struct pk_mpr *r, uint64_t *v)
{
	const uint8_t *start = r->p;
	bool neg;
	uint64_t mag;

	if (integer(r, &neg, &mag) != 0)
		return PK_EDECODE;
	if (neg && mag != 0) {
		r->p = start;
		return PK_EDECODE;
	}
	*v = mag;
	return 0;
}

int pk_mpr_int(struct pk_mpr *r, int64_t *v)
{
	const uint8_t *start = r->p;
	bool neg;
	uint64_t mag;

	if (integer(r, &neg, &mag) != 0)
		return PK_EDECODE;
	if ((!neg && mag > (uint64_t)INT64_MAX) || (neg && mag > (uint64_t)INT64_MAX + 1)) {
		r->p = start;
		return PK_EDECODE;
	}
	*v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

int pk_mpr_num(struct pk_mpr *r, double *v)
{
	size_t left = pk_mpr_left(r);
	int64_t i;
	uint64_t u;

	if (left > 0 && (*r->p == 0xca || *r->p == 0xcb)) {
		if (*r->p == 0xca) {
			uint32_t bits;
			float f;
			if (left < 5)
				return PK_EDECODE;
			bits = (uint32_t)be(r->p + 1, 4);
			memcpy(&f, &bits, 4);
			*v = f;
			r->p += 5;
		} else {
			uint64_t bits;
			if (left < 9)
				return PK_EDECODE;
			bits = be(r->p + 1, 8);
			memcpy(v, &bits, 8);
			r->p += 9;
		}
		return 0;
	}
	if (pk_mpr_int(r, &i) == 0) {
		*v = (double)i;
		return 0;
	}
	if (pk_mpr_uint(r, &u) == 0) {
		*v = (double)u;
		return 0;
	}
	return PK_EDECODE;
}

int pk_mpr_skip(struct pk_mpr *r, int depth)
{
	const uint8_t *start = r->p;
	const uint8_t *b;
	const char *s;
	uint32_t n;
	uint64_t u;
	double d;
	bool t;
	int err = 0;

	switch (pk_mpr_peek(r)) {
	case PK_MPT_NIL:
		return pk_mpr_nil(r);
	case PK_MPT_BOOL:
		return pk_mpr_bool(r, &t);
	case PK_MPT_UINT:
		return pk_mpr_uint(r, &u);
	case PK_MPT_INT:
	case PK_MPT_FLOAT:
		return pk_mpr_num(r, &d);
	case PK_MPT_STR:
		return pk_mpr_str(r, &s, &n);
	case PK_MPT_BIN:
		return pk_mpr_bin(r, &b, &n);
	case PK_MPT_ARRAY:
	case PK_MPT_MAP:
		if (depth <= 0)
			return PK_EDECODE;
		if (pk_mpr_peek(r) == PK_MPT_ARRAY)
			err = pk_mpr_array(r, &n);
		else if ((err = pk_mpr_map(r, &n)) == 0)
			n *= 2; /* cannot overflow: n <= bytes left / 2 */
		for (uint32_t i = 0; err == 0 && i < n; i++)
			err = pk_mpr_skip(r, depth - 1);
		if (err != 0)
			r->p = start;
		return err;
	default:
		return PK_EDECODE;
	}
}
