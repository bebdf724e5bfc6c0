/* csvin.c: CSV rows as JSON records (see csvin.h). */
#include "csvin.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sheet.h"

/* Room for a number's text; longer cells are not numbers. */
#define NUM_TEXT_MAX 64

/* The columns export adds that are not the record's to set: nama_wilayah (from wilayah),
 * diubah, diubah_oleh and diubah_oleh_wilayah (the last write's time and author). */
static bool ignored(const char *name, size_t len)
{
	static const char *const names[] = {"nama_wilayah", "diubah", "diubah_oleh",
	                                    "diubah_oleh_wilayah"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (len == strlen(names[i]) && memcmp(name, names[i], len) == 0)
			return true;
	return false;
}

int csvin_header(struct csvin *ci, const struct pk_collection *coll, const struct csv_doc *doc,
                 struct rec_errors *errs)
{
	const struct csv_row *h = &doc->rows[0];
	int err = 0;

	memset(ci, 0, sizeof(*ci));
	ci->coll = coll;
	ci->doc = doc;
	ci->ncols = h->n;
	if ((ci->col = calloc(h->n, sizeof(*ci->col))) == NULL)
		return PK_ENOMEM;
	for (size_t i = 0; i < h->n; i++) {
		size_t len = doc->cells[h->first + i].len;
		const char *name = sheet_unmark(doc->cells[h->first + i].s, &len);
		const struct pk_field *f = pk_schema_field(coll, name, len);

		if (len == 0) {
			rec_error_add(errs, h->line, "column %zu has no name in the header", i + 1);
			err = PK_ESCHEMA;
			continue;
		}
		if (f != NULL)
			ci->col[i] = (int)(f - coll->fields);
		else if (len == 3 && memcmp(name, "key", 3) == 0)
			ci->col[i] = CSVIN_KEY;
		else if (len == 7 && memcmp(name, "wilayah", 7) == 0)
			ci->col[i] = CSVIN_WILAYAH;
		else if (ignored(name, len))
			ci->col[i] = CSVIN_IGNORED;
		else {
			rec_error_add(errs, h->line,
			              "column '%.60s': not a field of collection '%s' (the columns "
			              "are key, wilayah and the fields 'pokjactl schema %s' lists)",
			              name, coll->name, coll->name);
			err = PK_ESCHEMA;
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (ci->col[j] == ci->col[i] && ci->col[i] != CSVIN_IGNORED) {
				rec_error_add(errs, h->line, "column '%.60s' appears twice", name);
				err = PK_ESCHEMA;
			}
	}
	return err;
}

void csvin_free(struct csvin *ci)
{
	free(ci->col);
	ci->col = NULL;
}

/* s without spaces around it (*len adjusted). */
static const char *trim(const char *s, size_t *len)
{
	while (*len > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		(*len)--;
	}
	while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t'))
		(*len)--;
	return s;
}

/* Whether s (digits and dots only) groups thousands with dots: 1.250 or 12.500.000. */
static bool grouped(const char *s, size_t len)
{
	size_t run = 0, groups = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (run == 0 || (groups > 0 && run != 3) || run > 3)
				return false;
			groups++;
			run = 0;
		} else {
			run++;
		}
	}
	return groups > 0 && run == 3;
}

/*
 * A number's cell as the C text strtod and strtoll read, in out. With a decimal comma (the ';'
 * dialect): "12,5" is 12.5, "1.250.000" is 1250000 and "1.250,5" is 1250.5, and a lone "12.5"
 * (no grouping) is 12.5. Else: the cell as it is. Returns false when it is no number's text.
 */
static bool number_text(const char *s, size_t len, bool decimal_comma, char out[NUM_TEXT_MAX])
{
	size_t o = 0, comma = len, i;

	if (len == 0 || len >= NUM_TEXT_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (strchr("0123456789+-.,eE", s[i]) == NULL)
			return false;
	if (!decimal_comma) {
		if (memchr(s, ',', len) != NULL)
			return false;
		memcpy(out, s, len);
		out[len] = '\0';
		return true;
	}
	for (i = 0; i < len; i++)
		if (s[i] == ',') {
			if (comma != len)
				return false;
			comma = i;
		}
	i = 0;
	if (s[0] == '-' || s[0] == '+')
		out[o++] = s[i++];
	/* The whole part: dots group thousands, unless there is no comma and they do not. */
	if (comma != len || grouped(s + i, comma - i)) {
		for (; i < comma; i++)
			if (s[i] != '.')
				out[o++] = s[i];
		if (comma != len) {
			out[o++] = '.';
			for (i = comma + 1; i < len; i++)
				out[o++] = s[i];
		}
	} else {
		for (; i < len; i++)
			out[o++] = s[i];
	}
	out[o] = '\0';
	return true;
}

/* A cell as the JSON value of field f; NULL after adding the error (or *nomem). */
static json_t *cell_value(const struct csvin *ci, const struct pk_field *f, const char *s,
                          size_t len, size_t line, struct rec_errors *errs, bool *nomem)
{
	char num[NUM_TEXT_MAX], *end;
	bool comma = ci->doc->sep == ';';
	json_t *v = NULL;
	json_error_t jerr;

	switch (f->type) {
	case PK_T_INT: {
		long long x;

		s = trim(s, &len);
		errno = 0;
		if (!number_text(s, len, comma, num) || (x = strtoll(num, &end, 10), *end) ||
		    errno != 0) {
			rec_error_add(errs, line, "column '%s': '%.40s' is not a whole number",
			              f->name, s);
			return NULL;
		}
		v = json_integer(x);
		break;
	}
	case PK_T_NUM: {
		double x;

		s = trim(s, &len);
		if (!number_text(s, len, comma, num) || (x = strtod(num, &end), *end) ||
		    !isfinite(x)) {
			rec_error_add(
			    errs, line, "column '%s': '%.40s' is not a number%s", f->name, s,
			    comma ? " (write a fraction with a decimal comma: 12,5)" : "");
			return NULL;
		}
		v = json_real(x);
		break;
	}
	case PK_T_BOOL:
		s = trim(s, &len);
		if ((len == 4 && strncasecmp(s, "true", 4) == 0) ||
		    (len == 5 && strncasecmp(s, "benar", 5) == 0) ||
		    (len == 2 && strncasecmp(s, "ya", 2) == 0))
			v = json_true();
		else if ((len == 5 && strncasecmp(s, "false", 5) == 0) ||
		         (len == 5 && strncasecmp(s, "salah", 5) == 0) ||
		         (len == 5 && strncasecmp(s, "tidak", 5) == 0))
			v = json_false();
		else {
			rec_error_add(errs, line, "column '%s': '%.40s' is not true or false",
			              f->name, s);
			return NULL;
		}
		break;
	case PK_T_STRLIST:
		v = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
		if (v == NULL || !json_is_array(v)) {
			json_decref(v);
			rec_error_add(errs, line,
			              "column '%s': '%.40s' is not a list; write it as JSON array "
			              "text such as [\"a\",\"b\"]",
			              f->name, s);
			return NULL;
		}
		break;
	case PK_T_REGION:
	case PK_T_REF:
		s = trim(s, &len);
		/* fall through */
	default:
		if ((v = json_stringn(s, len)) == NULL) {
			rec_error_add(
			    errs, line,
			    "column '%s': not UTF-8 text (save the file as \"CSV UTF-8\")",
			    f->name);
			return NULL;
		}
		break;
	}
	if (v == NULL)
		*nomem = true;
	return v;
}

json_t *csvin_row(const struct csvin *ci, size_t i, struct rec_errors *errs, bool *nomem)
{
	const struct csv_row *row = &ci->doc->rows[i];
	size_t before = errs->n + errs->more;
	json_t *o = json_object(), *v;

	*nomem = o == NULL;
	for (size_t k = 0; o != NULL && k < row->n; k++) {
		const struct csv_cell *cell = &ci->doc->cells[row->first + k];
		size_t len = cell->len;
		const char *s = sheet_unmark(cell->s, &len);
		const char *name;

		if (k >= ci->ncols) {
			if (len > 0)
				rec_error_add(
				    errs, row->line,
				    "cell %zu ('%.40s') lies beyond the header's %zu columns",
				    k + 1, s, ci->ncols);
			continue;
		}
		if (ci->col[k] == CSVIN_IGNORED || len == 0)
			continue; /* an empty cell: an absent field */
		if (ci->col[k] >= 0) {
			name = ci->coll->fields[ci->col[k]].name;
			v = cell_value(ci, &ci->coll->fields[ci->col[k]], s, len, row->line, errs,
			               nomem);
		} else {
			name = ci->col[k] == CSVIN_KEY ? "key" : "wilayah";
			s = trim(s, &len);
			if ((v = json_stringn(s, len)) == NULL)
				rec_error_add(errs, row->line, "column '%s': not UTF-8 text", name);
		}
		if (v != NULL && json_object_set_new(o, name, v) != 0)
			*nomem = true;
	}
	if (*nomem || errs->n + errs->more != before) {
		json_decref(o);
		return NULL;
	}
	return o;
}
