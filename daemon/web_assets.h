/*
 * web_assets.h: the web application's files, compiled into pokjad (daemon/web/embed.c writes
 * the table from daemon/web/ at build time).
 */
#ifndef PK_WEB_ASSETS_H
#define PK_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path; /* "/app.js"; NULL ends the table */
	const char *type; /* the Content-Type */
	const unsigned char *data;
	size_t len;
};

extern const struct web_asset web_assets[];

#endif
