/*
 * gen_table.c: turns the official region list (the four CSV files beside this one) into the C
 * table proto/wilayah.c looks codes up in, at build time.
 *
 *   gen_table OUT.c provinces.csv regencies.csv districts.csv villages.csv
 *
 * Every row is checked: RFC 4180 quoting, the header the file should have, a code of the file's
 * level whose parent column is its parent and whose parent is on the list, a non-empty UTF-8 name
 * without control characters, no code twice. The first bad row stops the build with
 * "FILE:LINE: what is wrong" on stderr and exit status 1, and OUT.c is not written. The table is
 * sorted by code (strcmp order, the national entry "" first) so lookups are binary searches.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/region.h"
#include "proto/wilayah.h"

#define FIELD_MAX 256 /* a code or a name, with its NUL */
#define NFILES 4

struct row {
	char *code, *name;
	int level;
};

static const struct {
	const char *header; /* the first line, exactly */
	int level;
} expect[NFILES] = {
    {"code,name", PK_LEVEL_PROVINCE},
    {"code,province_code,name", PK_LEVEL_KABKOTA},
    {"code,regency_code,name", PK_LEVEL_KECAMATAN},
    {"code,district_code,name", PK_LEVEL_DESA},
};

static struct row *rows;
static size_t nrows, caprows;

static void die(const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

static void die(const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	if (line > 0)
		fprintf(stderr, "%s:%u: ", file, line);
	else
		fprintf(stderr, "%s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		die("gen_table", 0, "out of memory");
	return d;
}

/*
 * Reads one field at *pp (RFC 4180) into out. Returns 0 when a comma follows, 1 at the end of
 * the line; dies on an unterminated quote, bytes after a closing quote or an over-long field.
 * *line counts the newlines crossed inside a quoted field.
 */
static int field(const char **pp, char *out, const char *file, unsigned *line)
{
	const char *p = *pp;
	size_t n = 0;
	unsigned start = *line;

	if (*p == '"') {
		for (p++;; p++) {
			if (*p == '\0')
				die(file, start, "a quoted field has no closing quote");
			if (*p == '"') {
				if (p[1] != '"')
					break;
				p++;
			}
			if (*p == '\n')
				(*line)++;
			if (n + 1 >= FIELD_MAX)
				die(file, *line, "a field longer than %d bytes", FIELD_MAX - 1);
			out[n++] = *p;
		}
		p++;
	} else {
		for (; *p != '\0' && *p != ',' && *p != '\n' && *p != '\r'; p++) {
			if (*p == '"')
				die(file, *line, "a quote inside an unquoted field");
			if (n + 1 >= FIELD_MAX)
				die(file, *line, "a field longer than %d bytes", FIELD_MAX - 1);
			out[n++] = *p;
		}
	}
	out[n] = '\0';
	if (*p == ',') {
		*pp = p + 1;
		return 0;
	}
	if (*p == '\r' && p[1] == '\n')
		p++;
	if (*p == '\n' || *p == '\0') {
		*pp = *p == '\n' ? p + 1 : p;
		return 1;
	}
	die(file, *line, "bytes after a closing quote");
}

/* Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF), no controls. */
static bool name_ok(const unsigned char *s)
{
	while (*s != '\0') {
		unsigned c = *s, n, cp;

		if (c < 0x20 || c == 0x7f)
			return false;
		if (c < 0x80) {
			s++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

static char *slurp(const char *file)
{
	FILE *f = fopen(file, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (f == NULL)
		die(file, 0, "cannot open: %s", strerror(errno));
	do {
		if (len + 65536 + 1 > cap) {
			cap = (len + 65536 + 1) * 2;
			if ((buf = realloc(buf, cap)) == NULL)
				die(file, 0, "out of memory");
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
	} while (got > 0);
	if (ferror(f))
		die(file, 0, "cannot read: %s", strerror(errno));
	fclose(f);
	if (memchr(buf, '\0', len) != NULL)
		die(file, 0, "the file holds a NUL byte");
	buf[len] = '\0';
	return buf;
}

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->code, ((const struct row *)b)->code);
}

/* A code among the first n rows (sorted). */
static const struct row *find(const char *code, size_t n)
{
	struct row key = {.code = (char *)code};

	return bsearch(&key, rows, n, sizeof(*rows), row_cmp);
}

/* Reads one file's rows; the parents (the files before it) are already in rows, sorted. */
static void read_file(const char *file, int level, const char *header)
{
	char *text = slurp(file), code[FIELD_MAX], parent[FIELD_MAX], name[FIELD_MAX];
	const char *p = text;
	unsigned line = 1;
	size_t parents = nrows, hlen = strlen(header);
	bool has_parent = level != PK_LEVEL_PROVINCE;

	if (strncmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	if (strncmp(p, header, hlen) != 0 || (p[hlen] != '\n' && p[hlen] != '\r'))
		die(file, 1, "the header should be '%s'", header);
	p += hlen + (p[hlen] == '\r') + 1;
	for (line = 2; *p != '\0'; line++) {
		unsigned at = line;

		if (*p == '\n' || *p == '\r')
			die(file, at, "an empty line");
		if (field(&p, code, file, &line) != 0)
			die(file, at, "only one column (%s)", header);
		if (has_parent && field(&p, parent, file, &line) != 0)
			die(file, at, "only two columns (%s)", header);
		if (field(&p, name, file, &line) != 1)
			die(file, at, "more columns than '%s'", header);
		if (pk_region_level(code, strlen(code)) != level)
			die(file, at, "'%s' is not a region code of this file's level", code);
		if (has_parent) {
			size_t plen = strrchr(code, '.') - code;

			if (strlen(parent) != plen || memcmp(parent, code, plen) != 0)
				die(file, at, "the parent column '%s' is not the parent of '%s'",
				    parent, code);
			if (find(parent, parents) == NULL)
				die(file, at, "the parent '%s' of '%s' is not on the list", parent,
				    code);
		}
		if (name[0] == '\0')
			die(file, at, "'%s' has no name", code);
		if (strlen(name) > PK_WILAYAH_NAME_MAX)
			die(file, at,
			    "the name of '%s' is longer than %d bytes (PK_WILAYAH_NAME_MAX)", code,
			    PK_WILAYAH_NAME_MAX);
		if (!name_ok((const unsigned char *)name))
			die(file, at,
			    "the name of '%s' is not UTF-8 text without control characters", code);
		if (nrows == caprows) {
			caprows = caprows ? caprows * 2 : 1024;
			if ((rows = realloc(rows, caprows * sizeof(*rows))) == NULL)
				die(file, at, "out of memory");
		}
		rows[nrows++] = (struct row){dup_or_die(code), dup_or_die(name), level};
	}
	qsort(rows, nrows, sizeof(*rows), row_cmp);
	for (size_t i = 1; i < nrows; i++)
		if (strcmp(rows[i - 1].code, rows[i].code) == 0)
			die(file, 0, "'%s' is listed twice", rows[i].code);
	free(text);
}

/* Writes s as the body of a C string literal: quotes, backslashes, '?' (trigraphs) escaped. */
static void put_literal(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\' || *s == '?')
			fputc('\\', f);
		fputc(*s, f);
	}
}

int main(int argc, char **argv)
{
	char tmp[4096];
	FILE *f;

	if (argc != 2 + NFILES) {
		fprintf(stderr,
		        "usage: %s OUT.c provinces.csv regencies.csv districts.csv "
		        "villages.csv\n",
		        argv[0]);
		return 2;
	}
	for (int i = 0; i < NFILES; i++)
		read_file(argv[2 + i], expect[i].level, expect[i].header);

	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	if ((f = fopen(tmp, "w")) == NULL)
		die(tmp, 0, "cannot create: %s", strerror(errno));
	fprintf(f,
	        "/* Generated by proto/wilayah/gen_table.c from the CSV files in proto/wilayah/ "
	        "(ODbL, see\n"
	        " * proto/wilayah/LICENSE.md). Do not edit. */\n"
	        "#include \"proto/wilayah_table.h\"\n\n"
	        "const size_t pk_wilayah_count = %zu;\n\n"
	        "const struct pk_wilayah pk_wilayah_table[] = {\n"
	        "    {\"\", \"Indonesia\", PK_LEVEL_NATIONAL},\n",
	        nrows + 1);
	for (size_t i = 0; i < nrows; i++) {
		fprintf(f, "    {\"%s\", \"", rows[i].code);
		put_literal(f, rows[i].name);
		fprintf(f, "\", %d},\n", rows[i].level);
	}
	fprintf(f, "};\n");
	if (ferror(f) || fclose(f) != 0)
		die(tmp, 0, "cannot write: %s", strerror(errno));
	if (rename(tmp, argv[1]) != 0)
		die(argv[1], 0, "cannot rename into place: %s", strerror(errno));
	return 0;
}
