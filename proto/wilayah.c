/*
 * wilayah.c: lookups in the built-in list of region codes and names.
 *
 * The list is a table generated at build time from the four CSV files of proto/wilayah/
 * (proto/wilayah/gen_table.c, which checks every row and stops the build at a bad one), sorted
 * by code with the national entry "" first. Nothing is parsed or allocated at run time. Lookups
 * by code are binary searches; searches by name are linear scans, which take a few milliseconds
 * over the ~92,000 entries.
 */
#include "wilayah.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "error.h" /* PK_ */
#include "region.h"
#include "wilayah_table.h"

#define entries pk_wilayah_table
#define nentries pk_wilayah_count

static int code_cmp(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

const struct pk_wilayah *pk_wilayah_find(const char *code, size_t len)
{
	size_t lo = 0, hi;

	if (code == NULL && len > 0)
		return NULL;
	if (code == NULL)
		code = "";
	hi = nentries;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = code_cmp(code, len, entries[mid].code);

		if (c == 0)
			return &entries[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct pk_wilayah *pk_wilayah_undotted(const char *s, size_t len)
{
	char code[PK_REGION_MAX + 1];
	size_t n = 0;

	if (s == NULL || (len != 4 && len != 6 && len != 10))
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return NULL;
		/* A dot before the second, third and fourth component: PP.KK.CC.NNNN. */
		if (i == 2 || i == 4 || i == 6)
			code[n++] = '.';
		code[n++] = s[i];
	}
	return pk_wilayah_find(code, n);
}

const char *pk_wilayah_name(const char *code)
{
	const struct pk_wilayah *w = pk_wilayah_find(code, code != NULL ? strlen(code) : 0);

	return w != NULL ? w->name : PK_WILAYAH_UNLISTED;
}

static char fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when hay contains needle, ASCII letters compared without case. */
static bool contains_nocase(const char *hay, const char *needle, size_t nlen)
{
	size_t hlen = strlen(hay);

	for (size_t i = 0; i + nlen <= hlen; i++) {
		size_t k = 0;

		while (k < nlen && fold(hay[i + k]) == fold(needle[k]))
			k++;
		if (k == nlen)
			return true;
	}
	return false;
}

/* True when code starts with q and the match ends where a component ends ("32.7" is no prefix
 * of "32.75"). */
static bool code_prefix(const char *code, const char *q, size_t qlen)
{
	return strncmp(code, q, qlen) == 0 && (code[qlen] == '\0' || code[qlen] == '.');
}

size_t pk_wilayah_search(const char *query, size_t max,
                         int (*fn)(const struct pk_wilayah *w, void *arg), void *arg)
{
	size_t given = 0, qlen;

	if (query == NULL)
		return 0;
	qlen = strlen(query);
	for (size_t i = 0; i < nentries && given < max; i++) {
		const struct pk_wilayah *w = &entries[i];

		if (!code_prefix(w->code, query, qlen) && !contains_nocase(w->name, query, qlen))
			continue;
		given++;
		if (fn != NULL && fn(w, arg) != 0)
			break;
	}
	return given;
}

/* The first entry whose code is not below key in strcmp order. */
static size_t lower_bound(const char *key)
{
	size_t lo = 0, hi = nentries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(entries[mid].code, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t pk_wilayah_children(const char *code, int (*fn)(const struct pk_wilayah *w, void *arg),
                           void *arg)
{
	char key[PK_REGION_MAX + 3];
	size_t given = 0, i, plen;
	int level;

	if (code == NULL || (level = pk_region_level(code, strlen(code))) < 0 ||
	    level >= PK_LEVEL_DESA)
		return 0;
	/* Every code below `code` starts with "code." (or is any code but "" for the country);
	 * in strcmp order a child comes before its own descendants, and "child/" sorts after them
	 * all ('/' follows '.') and before the next child. */
	plen = (size_t)snprintf(key, sizeof(key), level == 0 ? "%s" : "%s.", code);
	i = level == 0 ? 1 : lower_bound(key);
	while (i < nentries && strncmp(entries[i].code, key, plen) == 0) {
		const struct pk_wilayah *w = &entries[i];

		if (w->level == level + 1) {
			given++;
			if (fn != NULL && fn(w, arg) != 0)
				break;
		}
		snprintf(key + plen, sizeof(key) - plen, "%.*s/", (int)(strlen(w->code) - plen),
		         w->code + plen);
		i = lower_bound(key);
		key[plen] = '\0';
	}
	return given;
}

const char *pk_wilayah_notice(void)
{
	return PK_("Region codes and names: idn-area-data 4.0.1 (Kemendagri), "
	           "Open Database License (ODbL) 1.0; see proto/wilayah/SOURCE.md");
}
