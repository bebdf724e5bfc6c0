/* sheet.c: spreadsheet column kinds and the text mark (see sheet.h). */
#include "sheet.h"
#include "i18n.h"

#include <stdio.h>
#include <string.h>

enum sheet_kind sheet_field_kind(const struct pk_field *f)
{
	switch (f->type) {
	case PK_T_INT:
		/* The schema says which integers are money in the field's meaning. */
		return f->doc != NULL && strstr(f->doc, "rupiah") != NULL ? SK_RUPIAH : SK_INT;
	case PK_T_NUM:
		return SK_NUM;
	case PK_T_BOOL:
		return SK_BOOL;
	case PK_T_DATE:
		return SK_DATE;
	case PK_T_STRLIST:
		return SK_LIST;
	case PK_T_REGION:
	case PK_T_REF:
		return SK_CODE;
	case PK_T_STR:
		return f->hex_digits != 0 ? SK_CODE : SK_TEXT;
	default:
		return SK_TEXT;
	}
}

enum sheet_kind sheet_extra_kind(const char *name)
{
	if (strcmp(name, "diubah") == 0)
		return SK_DATETIME;
	if (strcmp(name, "nama_wilayah") == 0 || strcmp(name, "diubah_oleh") == 0)
		return SK_TEXT;
	return SK_CODE;
}

bool sheet_needs_mark(const char *s, size_t len)
{
	return len > 0 && (strchr("0123456789+-=@., \t", s[0]) != NULL);
}

const char *sheet_unmark(const char *s, size_t *len)
{
	if (*len >= SHEET_MARK_LEN && memcmp(s, SHEET_MARK, SHEET_MARK_LEN) == 0) {
		*len -= SHEET_MARK_LEN;
		return s + SHEET_MARK_LEN;
	}
	return s;
}

const char *sheet_type_text(const struct pk_field *f, char *buf, size_t n)
{
	size_t used;

	switch (f->type) {
	case PK_T_INT:
		snprintf(buf, n, _("whole number %lld..%lld%s"), (long long)f->min,
		         (long long)f->max, sheet_field_kind(f) == SK_RUPIAH ? _(" (rupiah)") : "");
		break;
	case PK_T_NUM:
		snprintf(buf, n, _("number %lld..%lld"), (long long)f->min, (long long)f->max);
		break;
	case PK_T_BOOL:
		snprintf(buf, n, "%s", _("true or false"));
		break;
	case PK_T_DATE:
		snprintf(buf, n, "%s", _("date YYYY-MM-DD"));
		break;
	case PK_T_REGION:
		snprintf(buf, n, "%s", _("region code (32, 32.75, ...; empty: the whole country)"));
		break;
	case PK_T_REF:
		snprintf(buf, n, "%s", _("key of another record"));
		break;
	case PK_T_STRLIST:
		snprintf(buf, n, "%s", _("list: JSON array text such as [\"a\",\"b\"]"));
		break;
	case PK_T_ENUM:
		used = (size_t)snprintf(buf, n, "%s", _("one of:"));
		for (const char *const *ch = f->choices; ch && *ch && used < n; ch++)
			used += (size_t)snprintf(buf + used, n - used, "%s %s",
			                         ch == f->choices ? "" : ",", *ch);
		break;
	case PK_T_STR:
		if (f->hex_digits != 0) {
			snprintf(buf, n, _("%u hex digits"), f->hex_digits);
			break;
		}
		snprintf(buf, n, _("text (at most %d bytes)"), PK_STR_MAX);
		break;
	default:
		snprintf(buf, n, _("text (at most %u bytes)"), PK_TEXT_MAX);
		break;
	}
	return buf;
}
