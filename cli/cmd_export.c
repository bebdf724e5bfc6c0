/*
 * cmd_export.c: `pokjactl export`: a collection's live records (export.h) on stdout or
 * atomically into a file.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "i18n.h"
#include "proto/wilayah.h"
#include "xlsx.h"

/* What the command keeps of an export besides the options. */
struct export
{
	const struct pk_collection *coll;
	enum export_format fmt;
	FILE *f;
	bool progress;
	size_t n;
};

static int parse_format(const struct cli *c, const char *name, enum export_format *fmt)
{
	if (strcmp(name, "csv") == 0)
		*fmt = FMT_CSV;
	else if (strcmp(name, "json") == 0)
		*fmt = FMT_JSON;
	else if (strcmp(name, "jsonl") == 0)
		*fmt = FMT_JSONL;
	else if (strcmp(name, "xlsx") == 0)
		*fmt = FMT_XLSX;
	else {
		return cli_usagef(c, "unknown format '%.40s' (csv, json, jsonl or xlsx)", name);
	}
	return 0;
}

int cmd_export(struct cli *c, int argc, char **argv)
{
	const char *region = NULL, *format = NULL, *path = NULL;
	bool excel = false;
	struct cli_opt opts[] = {{"region", &region, NULL}, {"format", &format, NULL},
	                         {"excel", NULL, &excel},   {"o", &path, NULL},
	                         {"output", &path, NULL},   {0}};
	struct export x;
	struct export_opts o;
	struct export_result res;
	struct store_node node;
	struct store *s = NULL;
	struct cli_out out = {NULL, NULL, ""};
	char *pos[1];
	int npos, rc;

	memset(&x, 0, sizeof(x));
	memset(&o, 0, sizeof(o));
	if ((rc = cli_parse(c, argc, argv, opts, pos, 1, 1, &npos)) != 0)
		return rc;
	if ((x.coll = pk_schema_find(pos[0], strlen(pos[0]))) == NULL)
		return cli_fail(c, "unknown collection '%.40s' (see 'pokjactl schema')", pos[0]);
	/* A field named like an added column would make two columns of one name. */
	for (size_t i = 0; i < sizeof(export_extra_columns) / sizeof(export_extra_columns[0]); i++)
		if (pk_schema_field(x.coll, export_extra_columns[i],
		                    strlen(export_extra_columns[i])) != NULL)
			return cli_fail(c, "collection '%s' has a field '%s', a name export uses",
			                x.coll->name, export_extra_columns[i]);
	if (region != NULL && cli_check_region(c, region, NULL) != 0)
		return EXIT_FAIL;
	/* Without -o, --json asks for JSON data: the same as --format json. */
	x.fmt = c->json && path == NULL ? FMT_JSON : FMT_CSV;
	if (format != NULL && (rc = parse_format(c, format, &x.fmt)) != 0)
		return rc;
	if (c->json && path == NULL && x.fmt != FMT_JSON) {
		return cli_usagef(c,
		                  "--json without -o means --format json, not --format %s "
		                  "(with -o, --json prints a summary)",
		                  format);
	}
	if (path != NULL && path[0] == '\0')
		return cli_usagef(c, "-o needs a file name");
	if (excel && x.fmt != FMT_CSV)
		return cli_usagef(c, "--excel is a dialect of CSV; it does not go with --format %s",
		                  format != NULL ? format : "json");
	if (x.fmt == FMT_XLSX && path == NULL)
		return cli_usagef(c, "an xlsx workbook is a binary file, not for a terminal or a "
		                     "pipe: give -o FILE.xlsx");
	if ((rc = cli_open(c, STORE_RDONLY, &s, &node, NULL, NULL)) != 0)
		return rc;

	if (path != NULL) {
		/* FILE is either the old one or the whole new export. */
		if ((rc = cli_out_open(c, path, 0644, &out)) != 0)
			goto out;
		x.f = out.f;
		x.progress = isatty(STDERR_FILENO) != 0;
	} else {
		x.f = stdout;
		x.progress = isatty(STDERR_FILENO) != 0 && isatty(STDOUT_FILENO) == 0;
	}
	o.f = x.f;
	o.xlsx_path = out.tmp;
	o.region = region;
	o.excel = excel;
	o.coll = x.coll;
	o.fmt = x.fmt;
	o.progress = x.progress;
	switch (export_run(s, &node, &o, &res)) {
	case EXPORT_OK:
		break;
	case EXPORT_STORE:
		rc = cli_fail(c, "reading the store: %s", pk_strerror(res.err));
		goto out;
	case EXPORT_NOMEM:
		rc = cli_fail(c, "out of memory");
		goto out;
	case EXPORT_TOO_MANY:
		rc = cli_fail(c,
		              "more than %u records: too many for one xlsx sheet; export a region "
		              "at a time (--region) or use --format csv",
		              XLSX_ROWS_MAX - 2);
		goto out;
	case EXPORT_XLSX_FAILED:
		rc = cli_fail(c, "writing %s: %s", path, res.xlsx_why);
		goto out;
	case EXPORT_BAD:
		rc =
		    cli_fail(c, "%zu stored records do not decode; run 'pokjactl verify'", res.bad);
		goto out;
	case EXPORT_WRITE: {
		struct pk_diag d;
		rc = cli_fail(c, "writing %s: %s", path ? path : "stdout",
		              path ? cli_io_why(&d, path, errno) : strerror(errno));
		goto out;
	}
	}
	store_close(s);
	s = NULL;
	x.n = res.n;
	if (path != NULL) {
		x.f = NULL;
		if ((rc = cli_out_commit(c, &out)) != 0)
			goto out;
		if (c->json) {
			json_t *j =
			    json_pack("{s:I, s:s}", "records", (json_int_t)x.n, "file", path);
			if (j != NULL) {
				cli_print_json(j);
				json_decref(j);
			}
		} else {
			printf(_("exported %zu record%s to %s\n"), x.n, x.n == 1 ? "" : "s", path);
		}
		fflush(stdout);
	}
	/* The names in nama_wilayah come from the ODbL-licensed list. The notice goes to stderr,
	 * never into the data, so the exported file stays a clean table. */
	fprintf(stderr, "%s\n", pk_wilayah_notice());
	rc = EXIT_OK;
out:
	cli_out_abort(&out);
	store_close(s);
	return rc;
}
