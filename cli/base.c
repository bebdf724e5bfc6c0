/*
 * base.c: what pokjactl's record library (the cli/ files but main.c, util.c and the commands;
 * see the Makefile) needs of its helpers: the error printer, the time and key formats and the
 * region checks. Kept apart from util.c (option parsing, files), which needs the command table,
 * so that pokjad's web application can link the record library without pokjactl's commands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "i18n.h"
#include "proto/hlc.h"
#include "proto/region.h"
#include "proto/wilayah.h"
#include "recnorm.h"

/* "pokjactl CMD: message" on stderr, the message in the chosen language: fmt is the English
 * msgid, which xgettext finds as the second argument of cli_fail and cli_usagef (make pot). */
void cli_say(const struct cli *c, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s %s: ", c->prog, c->cmd);
	vfprintf(stderr, _(fmt), ap);
	fputc('\n', stderr);
}

int cli_fail(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cli_say(c, fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

void cli_progress(const char *fmt, ...)
{
	va_list ap;

	fputc('\r', stderr);
	va_start(ap, fmt);
	vfprintf(stderr, _(fmt), ap);
	va_end(ap);
}

void cli_key_hex(char out[2 * PK_PUB_BYTES + 1], const uint8_t *key)
{
	pk_hex(out, key, PK_PUB_BYTES);
}

void cli_hlc_time(char out[32], uint64_t hlc)
{
	uint64_t ms = pk_hlc_ms(hlc);
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000));
}

int cli_region_ok(const char *code, const char *within, struct pk_diag *d)
{
	size_t len = strlen(code);
	int err;

	if ((err = recnorm_region(code, len, true, d)) != 0)
		return err;
	if (within != NULL && !pk_region_within(code, len, within, strlen(within)))
		return pk_diagf(d, PK_EREGION, _("region '%s' is outside this node's region '%s'"),
		                code, within[0] ? within : _("(national)"));
	return 0;
}

int cli_region_own(const char *code, const char *home, struct pk_diag *d)
{
	size_t len = strlen(code);
	char owner[PK_REGION_MAX + 1];
	const struct pk_wilayah *w;
	int own;

	if (pk_region_owned(code, len, home, strlen(home)))
		return 0;
	if (!pk_region_within(code, len, home, strlen(home)))
		return pk_diagf(d, PK_EREGION, _("region '%s' is outside this node's region '%s'"),
		                code, home[0] ? home : _("(national)"));
	own = pk_region_owner_len(code, len);
	snprintf(owner, sizeof(owner), "%.*s", own < 0 ? 0 : own, code);
	w = pk_wilayah_find(owner, strlen(owner));
	return pk_diagf(d, PK_EOWNER,
	                _("records of region '%s' belong to the node of %s (%s); this node writes "
	                  "only records of its own region '%s' (a higher level acts on a lower "
	                  "level's records through records of its own: a verifikasi or an arahan)"),
	                code, w != NULL ? w->name : owner, owner, home[0] ? home : "\"\"");
}
