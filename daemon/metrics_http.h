/*
 * metrics_http.h: serves metrics_render() on GET /metrics ([metrics] listen in pokjad.conf),
 * with nng's HTTP server (nng is already how pokjad talks to its peers, so this adds no
 * library). Any other path answers 404, any other method on /metrics 405, and a request with a
 * body 400; each answer is at most METRICS_BODY_MAX bytes.
 */
#ifndef PK_METRICS_HTTP_H
#define PK_METRICS_HTTP_H

#include "proto/error.h"
#include "store.h"
#include "sync.h"

struct metrics_http;

/*
 * Starts serving on url (http://HOST:PORT, checked by config.c); one server per process. s and sy
 * (NULL: replication off) must outlive the server: stop it before sync_stop and store_close.
 * Returns 0, or PK_EEXIST (the port is in use) / PK_EINVAL / PK_ENOMEM with a sentence in d that
 * names the key to change.
 */
int metrics_http_start(struct metrics_http **out, const char *url, struct store *s, struct sync *sy,
                       struct pk_diag *d);

/* Stops serving and frees m; NULL does nothing. Returns once no scrape is reading s or sy, so
 * both may be closed next. */
void metrics_http_stop(struct metrics_http *m);

#endif
