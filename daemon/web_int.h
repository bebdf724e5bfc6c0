/*
 * web_int.h: what the web server (web.c) hands the API (web_api.c) for one request, and what
 * the API hands back: a status and a JSON body, an error always as
 * {"error": {"tag", "message", "fields"?}} with one tag of SPEC section "Web API".
 */
#ifndef PK_WEB_INT_H
#define PK_WEB_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "node.h"
#include "store.h"
#include "sync.h"
#include "cli/recsvc.h"

/* The web API's own reason tags (SPEC sections 19 and 22); its other tags are pk_errtag's. */
#define WEB_TAG_LOGIN "login"
#define WEB_TAG_THROTTLED "throttled"
#define WEB_TAG_CSRF "csrf"
#define WEB_TAG_ROLE "role"
#define WEB_TAG_METHOD "method"
extern const char *const web_tags[]; /* those five, NULL-terminated */

struct web_req {
	/* In. */
	const char *method; /* GET, POST, PATCH, DELETE */
	char path[512];     /* percent-decoded, without the query */
	char query[1024];   /* as sent, after '?' */
	json_t *body;       /* POST and PATCH: the JSON object sent */
	char user[64];      /* the session's user, full name and role */
	char fullname[72];
	char role[16];
	struct recsvc_who who; /* the writer of web_api.c's records */
	struct store *s;
	struct sync *sy; /* NULL: replication off */
	const struct store_node *node;
	const uint8_t *sec;
	/* Out. */
	int status;
	json_t *out;
	/* Or, instead of out, a download: raw (malloc'd) of raw_type, named raw_name. */
	char *raw;
	size_t raw_len;
	const char *raw_type;
	char raw_name[64];
	bool raw_inline; /* shown in the browser (a page to print), not saved */
};

/* Answers r (an authenticated request under /api/ other than login, logout and me). */
void web_api(struct web_req *r);

/* Sets r's answer to the error object of tag with status; msg is already in the user's
 * language. fields: NULL, or an object of field -> message (taken). */
void web_fail(struct web_req *r, int status, const char *tag, const char *msg, json_t *fields);

/* The query parameter name, percent-decoded into buf; NULL when absent or too long. */
const char *web_query(const struct web_req *r, const char *name, char *buf, size_t cap);

/* Decodes %XX and '+' (form) of src[0..len) into dst (cap bytes); -1 when malformed, too long or
 * it holds a NUL. */
int web_unescape(const char *src, size_t len, char *dst, size_t cap);

#endif
