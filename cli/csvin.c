/* csvin.c: CSV rows as JSON records (see csvin.h). */
#include "csvin.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recnorm.h"
#include "sheet.h"

/* The columns export adds that are not the record's to set: nama_wilayah (from wilayah),
 * diubah, diubah_oleh and diubah_oleh_wilayah (the last write's time and author),
 * status_verifikasi and catatan_verifikasi (derived from the verdicts of the nodes above). */
static bool ignored(const char *name, size_t len)
{
	static const char *const names[] = {"nama_wilayah",      "diubah",
	                                    "diubah_oleh",       "diubah_oleh_wilayah",
	                                    "status_verifikasi", "catatan_verifikasi"};

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

unsigned csvin_how(const struct csvin *ci)
{
	return ci->doc->sep == ';' ? RECNORM_COMMA : RECNORM_POINT;
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
		/* Every cell is text, read by its field's type in recnorm_value when the row
		 * becomes a record (rec_from_json): the same reading as put's and edit's. */
		if (ci->col[k] >= 0) {
			name = ci->coll->fields[ci->col[k]].name;
		} else {
			name = ci->col[k] == CSVIN_KEY ? "key" : "wilayah";
			s = recnorm_trim(s, &len);
			if (ci->col[k] == CSVIN_WILAYAH && len == strlen(CSVIN_NATIONAL) &&
			    strncasecmp(s, CSVIN_NATIONAL, len) == 0)
				len = 0; /* the whole country: "" */
		}
		if ((v = json_stringn(s, len)) == NULL)
			rec_error_add(
			    errs, row->line,
			    "column '%s': not UTF-8 text (save the file as \"CSV UTF-8\")", name);
		if (v != NULL && json_object_set_new(o, name, v) != 0)
			*nomem = true;
	}
	if (*nomem || errs->n + errs->more != before) {
		json_decref(o);
		return NULL;
	}
	return o;
}
