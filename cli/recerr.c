/* recerr.c: the bounded list of problems in records coming in (see recerr.h). */
#include "recerr.h"
#include "i18n.h"

#include <stdarg.h>
#include <stdio.h>

void rec_error_add(struct rec_errors *l, size_t line, const char *fmt, ...)
{
	va_list ap;

	if (l->n == REC_ERRORS_KEPT) {
		l->more++;
		return;
	}
	l->e[l->n].line = line;
	l->e[l->n].field[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(l->e[l->n].msg, sizeof(l->e[l->n].msg), _(fmt), ap);
	va_end(ap);
	l->n++;
}

void rec_error_at(struct rec_errors *l, const char *field)
{
	if (l->n > 0 && l->more == 0)
		snprintf(l->e[l->n - 1].field, sizeof(l->e[l->n - 1].field), "%s", field);
}

size_t rec_errors_count(const struct rec_errors *l)
{
	return l->n + l->more;
}
