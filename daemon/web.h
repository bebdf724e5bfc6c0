/*
 * web.h: the office web application ([web] in pokjad.conf): the pages compiled into pokjad
 * (daemon/web/, web_assets.h) and the JSON API under /api/ they use (web_api.c), served over
 * nng's HTTP server, the HTTP library pokjad already links, with TLS when [web] listen is
 * https:// (nng's TLS). People log in with the office's local accounts (users.h); a session is
 * a random token in an HttpOnly, SameSite=Strict cookie, and every state change must carry the
 * session's CSRF token in the X-CSRF-Token header. A name that fails to log in
 * WEB_LOGIN_TRIES times in a row is refused for a time that doubles with each further failure.
 */
#ifndef PK_WEB_H
#define PK_WEB_H

#include "config.h"
#include "proto/error.h"
#include "store.h"
#include "sync.h"

#define WEB_LOGIN_TRIES 5   /* failed logins of one name before it waits */
#define WEB_LOGIN_WAIT_S 30 /* the first wait; it doubles, up to WEB_LOGIN_WAIT_MAX_S */
#define WEB_LOGIN_WAIT_MAX_S 900
#define WEB_SESSION_IDLE_S (8 * 3600) /* a session unused this long ends */
#define WEB_SESSIONS_MAX 256          /* sessions at once; the least recently used ends first */
#define WEB_BODY_MAX (1u << 20)       /* a request's body */

struct web;

/*
 * Starts serving cfg's [web] listen (checked by config.c); relative tls_cert and tls_key name
 * files in the node folder dir. s, sy (NULL: replication off) and
 * the node's key must outlive the server: stop it before sync_stop and store_close. Returns 0, or
 * an error with a sentence in d that names what to change.
 */
int web_start(struct web **out, const struct config *cfg, const char *dir, struct store *s,
              struct sync *sy, const uint8_t sec[PK_SEC_BYTES], struct pk_diag *d);

/* Stops serving and frees w; NULL does nothing. Returns once no request is using s or sy. */
void web_stop(struct web *w);

#endif
