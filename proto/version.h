/*
 * version.h: the version of pokja-sync, in one place: `pokjactl --version` prints it, man/gen.sh
 * puts it in the man pages, and deploy/build-deb.sh refuses to build a package whose
 * debian/changelog names another one.
 */
#ifndef PK_VERSION_H
#define PK_VERSION_H

/* A Debian native version: digits and dots, raised with a debian/changelog entry (dch -v). */
#define PK_VERSION "0.1"

#endif
