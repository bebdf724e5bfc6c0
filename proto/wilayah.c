/*
 * wilayah.c: the built-in list of region codes and names, parsed on first use.
 *
 * wilayah_data.S embeds the four CSV files of proto/wilayah/ unchanged. The first call parses them
 * into one array sorted by code (the national entry "" first), with every string copied into one
 * arena; both live until the process ends (about 5 MB). Lookups by code are binary searches;
 * searches by name are linear scans, which take a few milliseconds over the ~92,000 entries.
 */
#include "wilayah.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "region.h"

extern const char pk_wilayah_provinces_csv[], pk_wilayah_provinces_csv_end[];
extern const char pk_wilayah_regencies_csv[], pk_wilayah_regencies_csv_end[];
extern const char pk_wilayah_districts_csv[], pk_wilayah_districts_csv_end[];
extern const char pk_wilayah_villages_csv[], pk_wilayah_villages_csv_end[];

static const struct {
	const char *start, *end;
	int level; /* every code in the file has this level */
} files[] = {
    {pk_wilayah_provinces_csv, pk_wilayah_provinces_csv_end, PK_LEVEL_PROVINCE},
    {pk_wilayah_regencies_csv, pk_wilayah_regencies_csv_end, PK_LEVEL_KABKOTA},
    {pk_wilayah_districts_csv, pk_wilayah_districts_csv_end, PK_LEVEL_KECAMATAN},
    {pk_wilayah_villages_csv, pk_wilayah_villages_csv_end, PK_LEVEL_DESA},
};

#define NFILES (sizeof(files) / sizeof(files[0]))

/* Slack per file in the arena: a last line without a newline needs one more byte for its NUL. */
#define FILE_SLACK 8

static struct pk_wilayah *entries;
static size_t nentries;

/*
 * Reads one CSV field (RFC 4180: a quoted field may hold commas, newlines and "" for a quote)
 * from *pp into out as a NUL-terminated string. out must have room for the field's bytes plus
 * one. Returns 0 when a comma follows, 1 at the end of the line or input, or -1 when the field is
 * malformed (an unterminated quote, or bytes after the closing quote).
 */
static int csv_field(const char **pp, const char *end, char *out)
{
	const char *p = *pp;
	size_t n = 0;
	int ret;

	if (p < end && *p == '"') {
		for (p++;; p++) {
			if (p >= end) {
				ret = -1;
				goto out;
			}
			if (*p == '"') {
				if (p + 1 < end && p[1] == '"')
					p++;
				else
					break;
			}
			out[n++] = *p;
		}
		p++;
	} else {
		while (p < end && *p != ',' && *p != '\n' && *p != '\r')
			out[n++] = *p++;
	}
	if (p >= end) {
		ret = 1;
	} else if (*p == ',') {
		ret = 0;
		p++;
	} else if (*p == '\n') {
		ret = 1;
		p++;
	} else if (*p == '\r' && p + 1 < end && p[1] == '\n') {
		ret = 1;
		p += 2;
	} else {
		ret = -1;
	}
out:
	out[n] = '\0';
	*pp = p;
	return ret;
}

/*
 * Parses one file (a header line, then code,[parent,]name rows) and appends its rows to list,
 * their strings to the arena at *pos. The first column is the code and the last the name; columns
 * between are dropped. A row whose code is not of the file's level, or that is malformed, is
 * skipped: the list is compiled in, so the unit tests' counts catch a damaged edition.
 */
static void parse_file(const char *p, const char *end, int level, char **pos,
                       struct pk_wilayah *list, size_t *n)
{
	while (p < end && *p != '\n') /* the header line */
		p++;
	if (p < end)
		p++;
	while (p < end) {
		char *code = *pos, *name = NULL;
		int r = csv_field(&p, end, code);
		char *next = code + strlen(code) + 1;

		while (r == 0) {
			name = next;
			r = csv_field(&p, end, name);
			if (r == 0)
				name = NULL; /* a middle column: written over by the next one */
		}
		if (r < 0) {
			while (p < end && *p++ != '\n')
				;
			continue;
		}
		if (name == NULL || name[0] == '\0' || pk_region_level(code, strlen(code)) != level)
			continue;
		list[*n].code = code;
		list[*n].name = name;
		list[*n].level = level;
		(*n)++;
		*pos = name + strlen(name) + 1;
	}
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pk_wilayah *)a)->code, ((const struct pk_wilayah *)b)->code);
}

int pk_wilayah_load(void)
{
	struct pk_wilayah *list = NULL;
	char *buf = NULL, *pos;
	size_t bytes = 0, rows = 1, n = 0;
	int err = 0;

	if (entries != NULL)
		return 0;
	/* Every row's strings fit in the bytes of the row; rows are counted by their newlines. */
	for (size_t f = 0; f < NFILES; f++) {
		bytes += (size_t)(files[f].end - files[f].start) + FILE_SLACK;
		rows++; /* a last line without a newline */
		for (const char *p = files[f].start; p < files[f].end; p++)
			rows += *p == '\n';
	}
	buf = malloc(bytes);
	list = malloc(rows * sizeof(*list));
	if (buf == NULL || list == NULL) {
		err = PK_ENOMEM;
		goto fail;
	}
	list[n++] =
	    (struct pk_wilayah){.code = "", .name = "Indonesia", .level = PK_LEVEL_NATIONAL};
	pos = buf;
	for (size_t f = 0; f < NFILES; f++)
		parse_file(files[f].start, files[f].end, files[f].level, &pos, list, &n);
	qsort(list, n, sizeof(*list), entry_cmp);
	entries = list;
	nentries = n;
	return 0;
fail:
	free(buf);
	free(list);
	return err;
}

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

	if ((code == NULL && len > 0) || pk_wilayah_load() != 0)
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

	if (query == NULL || pk_wilayah_load() != 0)
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

const char *pk_wilayah_notice(void)
{
	return "Region codes and names: idn-area-data 4.0.1 (Kemendagri), "
	       "Open Database License (ODbL) 1.0; see proto/wilayah/SOURCE.md";
}
