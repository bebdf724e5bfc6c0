/* error.c: error code names and the diagnostic helper. */
#include "error.h"

#include <errno.h>
#include <libintl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Marks a table's text for the catalog (cli/po); pk_strerror translates it where it is used. */
#define N_(s) (s)

static const struct {
	const char *text;
	const char *tag;
} errs[PK_ERR_COUNT] = {
    {N_("success"), "ok"},
    {N_("out of memory"), "no-memory"},
    {N_("invalid argument"), "invalid"},
    {N_("malformed encoding"), "malformed"},
    {N_("size limit exceeded"), "too-big"},
    {N_("unsupported format version"), "version"},
    {N_("signature does not verify"), "bad-signature"},
    {N_("does not follow the origin's log"), "bad-chain"},
    {N_("earlier changesets of the origin are missing"), "gap"},
    {N_("fork: a different changeset with the same origin and sequence"), "fork"},
    {N_("origin has forked its log"), "forked-origin"},
    {N_("no valid certificate chain to the root"), "no-certificate"},
    {N_("certificate not valid at that time"), "expired"},
    {N_("certificate revoked"), "revoked"},
    {N_("region invalid or outside the writer's authority"), "region"},
    {N_("record does not match the schema"), "schema"},
    {N_("hybrid clock implausible"), "clock"},
    {N_("not found"), "not-found"},
    {N_("already exists"), "exists"},
    {N_("storage failure"), "store"},
    {N_("stored data is damaged"), "corrupt"},
    {N_("I/O error"), "io"},
    {N_("ambiguous"), "ambiguous"},
    {N_("not possible in the current state"), "state"},
    {N_("permission problem"), "permission"},
    {N_("replayed message"), "replay"},
    {N_("message does not authenticate"), "auth"},
    {N_("a different certificate is held for that key"), "cert-conflict"},
    {N_("no space left on the device"), "no-space"},
    {N_("held until its time comes"), "held"},
    {N_("origin outside the sender's lineage"), "lineage"},
    {N_("the record belongs to another node"), "owner"},
};

const char *pk_strerror(int err)
{
	if (err > 0 || -err >= PK_ERR_COUNT)
		return dgettext(PK_TEXTDOMAIN, "unknown error");
	return dgettext(PK_TEXTDOMAIN, errs[-err].text);
}

const char *pk_errtag(int err)
{
	if (err > 0 || -err >= PK_ERR_COUNT)
		return "unknown";
	return errs[-err].tag;
}

int pk_diagf(struct pk_diag *d, int err, const char *fmt, ...)
{
	va_list ap;

	if (d != NULL) {
		va_start(ap, fmt);
		vsnprintf(d->msg, sizeof(d->msg), dgettext(PK_TEXTDOMAIN, fmt), ap);
		va_end(ap);
	}
	return err;
}

int pk_errno_err(int e)
{
	return e == ENOSPC || e == EDQUOT ? PK_ENOSPC : PK_EIO;
}

int pk_diag_nospace(struct pk_diag *d, const char *dir)
{
	return pk_diagf(d, PK_ENOSPC, "no space left on the device holding %s", dir);
}

int pk_diag_nospace_file(struct pk_diag *d, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return pk_diag_nospace(d, ".");
	if (slash == path)
		return pk_diag_nospace(d, "/");
	return pk_diagf(d, PK_ENOSPC, "no space left on the device holding %.*s",
	                (int)(slash - path), path);
}
