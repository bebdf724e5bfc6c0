/* xlsx.c: spreadsheets through libxlsxwriter (see xlsx.h). */
#include "xlsx.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "proto/error.h"
#include "proto/schema.h"

#define COLS_MAX 64    /* columns whose width is fitted; a collection has fewer */
#define WIDTH_MAX 50.0 /* characters */
#define WIDTH_MIN 6.0

struct xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *text, *rupiah, *hundredths, *date, *datetime;
	double width[COLS_MAX];
	lxw_format *colfmt[COLS_MAX];
	size_t ncols;
	lxw_error err; /* the first error, sticky */
	bool too_many_rows;
};

struct xlsx *xlsx_new(const char *path)
{
	struct xlsx *x = calloc(1, sizeof(*x));

	if (x == NULL || (x->wb = workbook_new(path)) == NULL) {
		free(x);
		return NULL;
	}
	x->bold = workbook_add_format(x->wb);
	format_set_bold(x->bold);
	x->text = workbook_add_format(x->wb);
	format_set_num_format(x->text, "@");
	x->rupiah = workbook_add_format(x->wb);
	format_set_num_format(x->rupiah, "#,##0");
	x->hundredths = workbook_add_format(x->wb);
	format_set_num_format(x->hundredths, "#,##0.00");
	x->date = workbook_add_format(x->wb);
	format_set_num_format(x->date, "yyyy-mm-dd");
	x->datetime = workbook_add_format(x->wb);
	format_set_num_format(x->datetime, "yyyy-mm-dd hh:mm:ss");
	return x;
}

static void keep(struct xlsx *x, lxw_error e)
{
	if (x->err == LXW_NO_ERROR && e != LXW_NO_ERROR)
		x->err = e;
}

/* The widths of the current sheet's columns, from what was written. */
static void fit_columns(struct xlsx *x)
{
	for (size_t c = 0; x->ws != NULL && c < x->ncols; c++) {
		double w = x->width[c] + 2 < WIDTH_MIN ? WIDTH_MIN : x->width[c] + 2;

		keep(x, worksheet_set_column(x->ws, (lxw_col_t)c, (lxw_col_t)c,
		                             w > WIDTH_MAX ? WIDTH_MAX : w, x->colfmt[c]));
	}
}

static void measure(struct xlsx *x, size_t col, double chars)
{
	if (col < COLS_MAX && chars > x->width[col])
		x->width[col] = chars;
	if (col < COLS_MAX && col >= x->ncols)
		x->ncols = col + 1;
}

/* Whether the cell lies inside a sheet; a row beyond is remembered as the error. */
static bool fits(struct xlsx *x, size_t row, size_t col)
{
	if (row >= XLSX_ROWS_MAX || col >= LXW_COL_MAX) {
		x->too_many_rows = true;
		return false;
	}
	return x->ws != NULL;
}

void xlsx_sheet(struct xlsx *x, const char *name, const char *const *headers, size_t n)
{
	fit_columns(x);
	memset(x->width, 0, sizeof(x->width));
	memset(x->colfmt, 0, sizeof(x->colfmt));
	x->ncols = 0;
	if ((x->ws = workbook_add_worksheet(x->wb, name)) == NULL) {
		keep(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
		return;
	}
	for (size_t c = 0; c < n; c++) {
		keep(x, worksheet_write_string(x->ws, 0, (lxw_col_t)c, headers[c], x->bold));
		measure(x, c, (double)pk_utf8_width(headers[c]) * 1.1);
	}
	worksheet_freeze_panes(x->ws, 1, 0);
}

void xlsx_column_kind(struct xlsx *x, size_t col, enum sheet_kind kind)
{
	if (col >= COLS_MAX)
		return;
	x->colfmt[col] = kind == SK_CODE || kind == SK_TEXT || kind == SK_LIST ? x->text
	                 : kind == SK_DATE                                     ? x->date
	                 : kind == SK_DATETIME                                 ? x->datetime
	                 : kind == SK_RUPIAH                                   ? x->rupiah
	                                                                       : NULL;
	measure(x, col, kind == SK_DATE ? 10 : kind == SK_DATETIME ? 19 : 0);
}

void xlsx_choices(struct xlsx *x, size_t col, size_t last_row, const char *const *choices)
{
	lxw_data_validation dv;

	if (x->ws == NULL || last_row < 1)
		return;
	memset(&dv, 0, sizeof(dv));
	dv.validate = LXW_VALIDATION_TYPE_LIST;
	dv.value_list = (char **)choices; /* libxlsxwriter copies the list; it does not change it */
	keep(x, worksheet_data_validation_range(x->ws, 1, (lxw_col_t)col, (lxw_row_t)last_row,
	                                        (lxw_col_t)col, &dv));
}

void xlsx_text(struct xlsx *x, size_t row, size_t col, const char *s)
{
	if (!fits(x, row, col))
		return;
	keep(x, worksheet_write_string(x->ws, (lxw_row_t)row, (lxw_col_t)col, s, NULL));
	measure(x, col, (double)pk_utf8_width(s));
}

void xlsx_int(struct xlsx *x, size_t row, size_t col, int64_t v, bool rupiah)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	if (!fits(x, row, col))
		return;
	/* A double holds integers exactly up to 2^53; the schema's largest (10^15 rupiah) fits. */
	keep(x, worksheet_write_number(x->ws, (lxw_row_t)row, (lxw_col_t)col, (double)v,
	                               rupiah ? x->rupiah : NULL));
	measure(x, col, rupiah ? n + n / 3 : n);
}

void xlsx_num(struct xlsx *x, size_t row, size_t col, double v, bool hundredths)
{
	if (!fits(x, row, col))
		return;
	keep(x, worksheet_write_number(x->ws, (lxw_row_t)row, (lxw_col_t)col, v,
	                               hundredths ? x->hundredths : NULL));
	measure(x, col, 12);
}

void xlsx_bool(struct xlsx *x, size_t row, size_t col, bool v)
{
	if (!fits(x, row, col))
		return;
	keep(x, worksheet_write_boolean(x->ws, (lxw_row_t)row, (lxw_col_t)col, v, NULL));
	measure(x, col, 5);
}

void xlsx_date(struct xlsx *x, size_t row, size_t col, const char *ymd)
{
	lxw_datetime dt = {0, 0, 0, 0, 0, 0};

	if (!fits(x, row, col))
		return;
	/* The schema has checked the date; the test only keeps odd text from a template safe. */
	if (strlen(ymd) != 10 || sscanf(ymd, "%4d-%2d-%2d", &dt.year, &dt.month, &dt.day) != 3 ||
	    dt.year < 1900) {
		xlsx_text(x, row, col, ymd);
		return;
	}
	keep(x, worksheet_write_datetime(x->ws, (lxw_row_t)row, (lxw_col_t)col, &dt, x->date));
	measure(x, col, 10);
}

void xlsx_time_ms(struct xlsx *x, size_t row, size_t col, uint64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	lxw_datetime dt;

	if (!fits(x, row, col))
		return;
	gmtime_r(&t, &tm);
	dt = (lxw_datetime){tm.tm_year + 1900, tm.tm_mon + 1,
	                    tm.tm_mday,        tm.tm_hour,
	                    tm.tm_min,         tm.tm_sec + (double)(ms % 1000) / 1000.0};
	keep(x, worksheet_write_datetime(x->ws, (lxw_row_t)row, (lxw_col_t)col, &dt, x->datetime));
	measure(x, col, 19);
}

int xlsx_close(struct xlsx *x, char *why, size_t n)
{
	lxw_error e;
	int err = 0;

	fit_columns(x);
	e = workbook_close(x->wb);
	if (x->too_many_rows) {
		snprintf(why, n, _("more rows than a sheet holds (%u)"), XLSX_ROWS_MAX);
		err = PK_EIO;
	} else if (x->err != LXW_NO_ERROR || e != LXW_NO_ERROR) {
		snprintf(why, n, "%s", lxw_strerror(x->err != LXW_NO_ERROR ? x->err : e));
		err = PK_EIO;
	}
	free(x);
	return err;
}
