/*
 * cmd_template.c: `pokjactl template`: an empty file to fill in for `import`, with every column
 * of a collection: CSV (a header row), xlsx (the header row with formatted columns and lists of
 * allowed values, and a sheet describing each column) or JSON (the description alone). It reads
 * only the schema, so it needs no node.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "csv.h"
#include "i18n.h"
#include "proto/record.h"
#include "proto/schema.h"
#include "sheet.h"
#include "xlsx.h"

/* Rows of the xlsx template that offer the lists of allowed values. */
#define TEMPLATE_ROWS 5000

/* What the columns key and wilayah mean, beside the schema's fields. Like the fields'
 * descriptions, English in JSON and translated in the xlsx sheet that people read. */
static const char *const key_doc =
    N_("the record's key; empty: a new record, with a key made for it");
static const char *const wilayah_doc =
    N_("region code of the record (32, 32.75, 32.75.01, ...); empty: this node's own region");

/* The column names: key, wilayah, the fields. */
static size_t column_names(const struct pk_collection *k, const char **names)
{
	size_t n = 0;

	names[n++] = "key";
	names[n++] = "wilayah";
	for (size_t i = 0; i < k->nfields; i++)
		names[n++] = k->fields[i].name;
	return n;
}

static json_t *template_json(const struct pk_collection *k)
{
	json_t *cols = json_array(), *o;

	json_array_append_new(cols, json_pack("{s:s, s:s, s:b, s:s}", "name", "key", "type", "key",
	                                      "required", 0, "doc", key_doc));
	json_array_append_new(cols, json_pack("{s:s, s:s, s:b, s:s}", "name", "wilayah", "type",
	                                      "region", "required", 0, "doc", wilayah_doc));
	for (size_t i = 0; i < k->nfields; i++) {
		const struct pk_field *f = &k->fields[i];

		o = json_pack("{s:s, s:s, s:b}", "name", f->name, "type", pk_ftype_name(f->type),
		              "required", f->required);
		if (f->type == PK_T_ENUM) {
			json_t *vals = json_array();

			for (const char *const *ch = f->choices; ch && *ch; ch++)
				json_array_append_new(vals, json_string(*ch));
			json_object_set_new(o, "values", vals);
		}
		if (f->type == PK_T_INT || f->type == PK_T_NUM) {
			json_object_set_new(o, "min", json_integer(f->min));
			json_object_set_new(o, "max", json_integer(f->max));
		}
		json_object_set_new(o, "doc", json_string(f->doc));
		json_array_append_new(cols, o);
	}
	return json_pack("{s:s, s:s, s:o}", "collection", k->name, "doc", k->doc, "columns", cols);
}

static void template_csv(const struct pk_collection *k, bool excel, FILE *f)
{
	const char *names[PK_REC_FIELDS_MAX + 2];
	struct csv w = {f, false, excel ? ';' : ','};
	size_t n = column_names(k, names);

	if (excel)
		fputs("\xef\xbb\xbf", f);
	for (size_t i = 0; i < n; i++)
		csv_str(&w, names[i]);
	csv_end_row(&w);
}

static void template_xlsx(const struct pk_collection *k, struct xlsx *x)
{
	/* The header of the sheet that describes the columns: marked here, translated below. */
	static const char *const about_en[] = {N_("column"), N_("type"), N_("required"),
	                                       N_("meaning")};
	const char *about[4];
	const char *names[PK_REC_FIELDS_MAX + 2];
	size_t n = column_names(k, names);
	char type[512];

	xlsx_sheet(x, k->name, names, n);
	xlsx_column_kind(x, 0, SK_CODE);
	xlsx_column_kind(x, 1, SK_CODE);
	for (size_t i = 0; i < k->nfields; i++) {
		xlsx_column_kind(x, i + 2, sheet_field_kind(&k->fields[i]));
		if (k->fields[i].type == PK_T_ENUM)
			xlsx_choices(x, i + 2, TEMPLATE_ROWS, k->fields[i].choices);
	}
	for (size_t i = 0; i < 4; i++)
		about[i] = _(about_en[i]);
	xlsx_sheet(x, "kolom", about, 4);
	xlsx_text(x, 1, 0, "key");
	xlsx_text(x, 1, 1, _("key of the record (A-Z a-z 0-9 . _ : -)"));
	xlsx_text(x, 1, 2, _("no"));
	xlsx_text(x, 1, 3, _(key_doc));
	xlsx_text(x, 2, 0, "wilayah");
	xlsx_text(x, 2, 1, _("region code"));
	xlsx_text(x, 2, 2, _("no"));
	xlsx_text(x, 2, 3, _(wilayah_doc));
	for (size_t i = 0; i < k->nfields; i++) {
		const struct pk_field *f = &k->fields[i];

		xlsx_text(x, i + 3, 0, f->name);
		xlsx_text(x, i + 3, 1, sheet_type_text(f, type, sizeof(type)));
		xlsx_text(x, i + 3, 2, f->required ? _("yes") : _("no"));
		xlsx_text(x, i + 3, 3, _(f->doc));
	}
}

int cmd_template(struct cli *c, int argc, char **argv)
{
	const char *format = NULL, *path = NULL;
	bool excel = false;
	struct cli_opt opts[] = {{"format", &format, NULL},
	                         {"excel", NULL, &excel},
	                         {"o", &path, NULL},
	                         {"output", &path, NULL},
	                         {0}};
	const struct pk_collection *k;
	struct cli_out out = {NULL, NULL, ""};
	struct pk_diag d;
	struct xlsx *x;
	char *pos[1];
	int npos, rc;
	json_t *j;

	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 1, &npos)) != 0)
		return rc;
	if ((k = pk_schema_find(pos[0], strlen(pos[0]))) == NULL)
		return cli_fail(c, "unknown collection '%.40s' (see 'pokjactl schema')", pos[0]);
	if (format == NULL)
		format = c->json ? "json" : "csv";
	if (strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0 &&
	    strcmp(format, "json") != 0)
		return cli_usagef(c, "unknown format '%.40s' (csv, xlsx or json)", format);
	if (excel && strcmp(format, "csv") != 0)
		return cli_usagef(c, "--excel is a dialect of CSV; it does not go with --format %s",
		                  format);
	if (path != NULL && path[0] == '\0')
		return cli_usagef(c, "-o needs a file name");
	if (strcmp(format, "xlsx") == 0 && path == NULL)
		return cli_usagef(c, "an xlsx workbook is a binary file, not for a terminal or a "
		                     "pipe: give -o FILE.xlsx");
	if (path != NULL && (rc = cli_out_open(c, path, 0644, &out)) != 0)
		return rc;
	if (strcmp(format, "xlsx") == 0) {
		if ((x = xlsx_new(out.tmp)) == NULL) {
			cli_out_abort(&out);
			return cli_fail(c, "out of memory");
		}
		template_xlsx(k, x);
		if (xlsx_close(x, d.msg, sizeof(d.msg)) != 0) {
			cli_out_abort(&out);
			return cli_fail(c, "writing %s: %s", path, d.msg);
		}
	} else if (strcmp(format, "csv") == 0) {
		template_csv(k, excel, path != NULL ? out.f : stdout);
	} else {
		if ((j = template_json(k)) == NULL) {
			cli_out_abort(&out);
			return cli_fail(c, "out of memory");
		}
		json_dumpf(j, path != NULL ? out.f : stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', path != NULL ? out.f : stdout);
		json_decref(j);
	}
	if (path != NULL)
		return cli_out_commit(c, &out);
	return fflush(stdout) == 0 ? EXIT_OK : cli_fail(c, "writing stdout failed");
}
