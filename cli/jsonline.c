/*
 * jsonline.c: flat JSON objects read fast (see jsonline.h). A recursive descent over the bytes,
 * one pass, no copy of a string without escapes; it gives up (NULL) at the first thing it does
 * not take, and the caller asks jansson, so accepting less than jansson is always safe.
 */
#include "jsonline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/schema.h" /* pk_utf8_valid */

#define LIST_DEPTH 4 /* lists inside lists; deeper goes to jansson */

struct rd {
	const char *p, *end;
	char *buf; /* escapes decoded here (as long as the line), allocated on first need */
	size_t cap;
};

static void skip_ws(struct rd *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* A string at r->p (its opening quote) into *s, *n (pointing into the line or r->buf). */
static bool read_str(struct rd *r, const char **s, size_t *n)
{
	const char *q = ++r->p;
	size_t o = 0;

	while (q < r->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
		q++;
	if (q >= r->end || (unsigned char)*q < 0x20)
		return false;
	if (*q == '"') {
		*s = r->p;
		*n = (size_t)(q - r->p);
		r->p = q + 1;
		return pk_utf8_valid(*s, *n);
	}
	/* Escapes: decode into buf. */
	if (r->buf == NULL) {
		r->cap = (size_t)(r->end - r->p) + 1;
		if ((r->buf = malloc(r->cap)) == NULL)
			return false;
	}
	for (q = r->p; q < r->end && *q != '"'; q++) {
		char c = *q;

		if ((unsigned char)c < 0x20)
			return false;
		if (c == '\\') {
			if (++q >= r->end)
				return false;
			switch (*q) {
			case '"':
			case '\\':
			case '/':
				c = *q;
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			default: /* \u and anything else: jansson's */
				return false;
			}
		}
		r->buf[o++] = c;
	}
	if (q >= r->end)
		return false;
	r->p = q + 1;
	*s = r->buf;
	*n = o;
	return pk_utf8_valid(r->buf, o);
}

/* A whole number as JSON writes it ('-'? and digits, no leading zero); a fraction or exponent
 * (a real) is jansson's. */
static json_t *read_int(struct rd *r)
{
	const char *q = r->p;
	char tmp[32];
	long long v;
	char *e;

	if (q < r->end && *q == '-')
		q++;
	if (q >= r->end || *q < '0' || *q > '9')
		return NULL;
	if (*q == '0' && q + 1 < r->end && q[1] >= '0' && q[1] <= '9')
		return NULL;
	while (q < r->end && *q >= '0' && *q <= '9')
		q++;
	if (q < r->end && (*q == '.' || *q == 'e' || *q == 'E'))
		return NULL;
	if ((size_t)(q - r->p) >= sizeof(tmp))
		return NULL;
	memcpy(tmp, r->p, (size_t)(q - r->p));
	tmp[q - r->p] = '\0';
	errno = 0;
	v = strtoll(tmp, &e, 10);
	if (errno != 0 || *e != '\0')
		return NULL;
	r->p = q;
	return json_integer(v);
}

static bool word(struct rd *r, const char *w, size_t n)
{
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return false;
	r->p += n;
	return true;
}

static json_t *read_value(struct rd *r, int depth);

static json_t *read_list(struct rd *r, int depth)
{
	json_t *a, *v;

	if (depth >= LIST_DEPTH || (a = json_array()) == NULL)
		return NULL;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == ']') {
		r->p++;
		return a;
	}
	for (;;) {
		skip_ws(r);
		if ((v = read_value(r, depth + 1)) == NULL || json_array_append_new(a, v) != 0)
			break;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			r->p++;
			return a;
		}
		break;
	}
	json_decref(a);
	return NULL;
}

static json_t *read_value(struct rd *r, int depth)
{
	const char *s;
	size_t n;

	if (r->p >= r->end)
		return NULL;
	switch (*r->p) {
	case '"':
		return read_str(r, &s, &n) ? json_stringn_nocheck(s, n) : NULL;
	case '[':
		return read_list(r, depth);
	case 't':
		return word(r, "true", 4) ? json_true() : NULL;
	case 'f':
		return word(r, "false", 5) ? json_false() : NULL;
	case 'n':
		return word(r, "null", 4) ? json_null() : NULL;
	default:
		return read_int(r);
	}
}

/* The members after '{', up to and with '}', into o. */
static bool read_members(struct rd *r, json_t *o)
{
	const char *k;
	size_t kn;
	json_t *v;

	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return true;
	}
	for (;;) {
		skip_ws(r);
		if (r->p >= r->end || *r->p != '"' || !read_str(r, &k, &kn))
			return false;
		/* A repeated member is an error jansson words (JSON_REJECT_DUPLICATES). A key
		 * decoded into buf is used before the next string overwrites it. */
		if (json_object_getn(o, k, kn) != NULL)
			return false;
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':')
			return false;
		r->p++;
		skip_ws(r);
		{
			/* The value may decode into buf too: keep the key apart. */
			char kbuf[256];

			if (k == r->buf) {
				if (kn >= sizeof(kbuf))
					return false;
				memcpy(kbuf, k, kn);
				k = kbuf;
			}
			if ((v = read_value(r, 0)) == NULL)
				return false;
			if (json_object_setn_new_nocheck(o, k, kn, v) != 0)
				return false;
		}
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			r->p++;
			return true;
		}
		return false;
	}
}

json_t *jsonline_object(const char *p, size_t len)
{
	struct rd r = {p, p + len, NULL, 0};
	json_t *o = NULL;
	bool ok;

	skip_ws(&r);
	if (r.p >= r.end || *r.p != '{' || (o = json_object()) == NULL)
		return NULL;
	r.p++;
	ok = read_members(&r, o);
	skip_ws(&r);
	free(r.buf);
	if (ok && r.p == r.end)
		return o;
	json_decref(o);
	return NULL;
}
