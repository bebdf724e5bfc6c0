/*
 * error.h: the project-wide error codes.
 *
 * Every function in proto/, daemon/ and cli/ that can fail returns 0 or one of these negative
 * codes. Library errors (LMDB, nng, msgpack-c, libsodium) are translated into them inside the
 * module that wraps the library, nowhere else. pk_strerror() gives a short English phrase.
 */
#ifndef PK_ERROR_H
#define PK_ERROR_H

#include <stddef.h>

enum pk_err {
	PK_OK = 0,
	PK_ENOMEM = -1,    /* out of memory */
	PK_EINVAL = -2,    /* invalid argument */
	PK_EDECODE = -3,   /* malformed encoding */
	PK_ETOOBIG = -4,   /* a size limit is exceeded */
	PK_EVERSION = -5,  /* unsupported format version */
	PK_ESIG = -6,      /* signature does not verify */
	PK_ECHAIN = -7,    /* previous-hash or clock does not follow the origin's log */
	PK_EGAP = -8,      /* earlier changesets of the origin are missing */
	PK_EFORK = -9,     /* a second, different changeset for an origin's sequence number */
	PK_EFORKED = -10,  /* the origin has forked its log before; refused */
	PK_ECERT = -11,    /* no valid certificate chain to the root */
	PK_EEXPIRED = -12, /* certificate not valid at that time */
	PK_EREVOKED = -13, /* certificate revoked */
	PK_EREGION = -14,  /* region code invalid or outside the writer's authority */
	PK_ESCHEMA = -15,  /* record does not match its collection's schema */
	PK_ECLOCK = -16,   /* hybrid clock implausible */
	PK_ENOTFOUND = -17,
	PK_EEXIST = -18,    /* already exists */
	PK_ESTORE = -19,    /* storage engine failure */
	PK_ECORRUPT = -20,  /* stored data is damaged */
	PK_EIO = -21,       /* file or system I/O failure; see errno */
	PK_EAMBIG = -22,    /* the request matches more than one thing */
	PK_ESTATE = -23,    /* not possible in the node's current state */
	PK_EPERM = -24,     /* permission or ownership problem */
	PK_EREPLAY = -25,   /* a message seen before */
	PK_EAUTH = -26,     /* a message that does not authenticate (wrong key, altered) */
	PK_ECONFLICT = -27, /* a different certificate is held for that key */
	PK_ENOSPC = -28,    /* the device (or the quota) holding the files is full */
	PK_EHELD = -29,     /* a changeset stamped ahead, held until its time (not a refusal) */
	PK_ELINEAGE = -30,  /* an origin outside what the sender may send (SPEC section 16) */
	PK_EOWNER = -31,    /* a record of a region another node owns (SPEC section 5) */
};

#define PK_ERR_COUNT 32

/*
 * The gettext text domain of every message made for people (cli/po holds its catalogs). The
 * library translates the messages it makes (pk_strerror, pk_diagf's format) in this domain: a
 * program that never sets a locale, as pokjad, gets them as written, in English; pokjactl in the
 * language it chose (cli/i18n.h).
 */
#include <libintl.h>

#define PK_TEXTDOMAIN "pokja-sync"

/* PK_("text"): a message of the library (proto/, daemon/) in the program's message language,
 * for the few made without pk_diagf; a catalog message like pokjactl's _("text"). */
#define PK_(s) dgettext(PK_TEXTDOMAIN, s)

/* A short, static description of an error code, in the program's message language. Never
 * NULL. */
const char *pk_strerror(int err);

/* A stable lower-case tag for an error code ("bad-signature"), for logs and --json output. */
const char *pk_errtag(int err);

/*
 * Optional detail for an error: a human sentence such as "field 'tahun': expected an integer".
 * Functions that take a struct pk_diag * accept NULL; they fill msg only when they fail.
 */
struct pk_diag {
	char msg[256];
};

/* printf into d->msg when d is not NULL, the format translated (PK_TEXTDOMAIN). Returns err, so
 * callers can `return pk_diagf(...)`. */
int pk_diagf(struct pk_diag *d, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* PK_ENOSPC when errno value e says the device or the quota is full (ENOSPC, EDQUOT), else
 * PK_EIO. */
int pk_errno_err(int e);

/*
 * The one sentence for a full device: "no space left on the device holding DIR", into d when d
 * is not NULL. DIR is the folder that was written to (a node's store folder, the folder of an
 * output file). Returns PK_ENOSPC.
 */
int pk_diag_nospace(struct pk_diag *d, const char *dir);

/* pk_diag_nospace for the folder that holds the file `path` ("." for a bare name). */
int pk_diag_nospace_file(struct pk_diag *d, const char *path);

#endif
