/* error.c: error code names and the diagnostic helper. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *text;
	const char *tag;
} errs[PK_ERR_COUNT] = {
    {"success", "ok"},
    {"out of memory", "no-memory"},
    {"invalid argument", "invalid"},
    {"malformed encoding", "malformed"},
    {"size limit exceeded", "too-big"},
    {"unsupported format version", "version"},
    {"signature does not verify", "bad-signature"},
    {"does not follow the origin's log", "bad-chain"},
    {"earlier changesets of the origin are missing", "gap"},
    {"fork: a different changeset with the same origin and sequence", "fork"},
    {"origin has forked its log", "forked-origin"},
    {"no valid certificate chain to the root", "no-certificate"},
    {"certificate not valid at that time", "expired"},
    {"certificate revoked", "revoked"},
    {"region invalid or outside the writer's authority", "region"},
    {"record does not match the schema", "schema"},
    {"hybrid clock implausible", "clock"},
    {"not found", "not-found"},
    {"already exists", "exists"},
    {"storage failure", "store"},
    {"stored data is damaged", "corrupt"},
    {"I/O error", "io"},
    {"ambiguous", "ambiguous"},
    {"not possible in the current state", "state"},
    {"permission problem", "permission"},
    {"replayed message", "replay"},
    {"message does not authenticate", "auth"},
    {"a different certificate is held for that key", "cert-conflict"},
    {"no space left on the device", "no-space"},
    {"held until its time comes", "held"},
    {"origin outside the sender's lineage", "lineage"},
    {"the record belongs to another node", "owner"},
};

const char *pk_strerror(int err)
{
	if (err > 0 || -err >= PK_ERR_COUNT)
		return "unknown error";
	return errs[-err].text;
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
		vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
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
