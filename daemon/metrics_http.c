/*
 * metrics_http.c: GET /metrics over nng's HTTP server (see metrics_http.h). nng routes by path
 * and method itself: an unknown path gets its 404, another method on /metrics its 405. What the
 * handler reads (the store, the sync) sits behind the file-local gate (httpgate.h), not in the
 * server's data. One server per process, as pokjad has.
 */
#include "metrics_http.h"

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "httpgate.h"
#include "log.h"
#include "metrics.h"

struct metrics_http {
	nng_http_server *srv;
	nng_http_handler *h; /* owned by srv once added */
};

static struct http_gate gate = HTTP_GATE_INIT;
static struct store *gate_store;
static struct sync *gate_sync;

/* The handler: renders, and hands nng the response (or a 500 when the rendering failed). */
static void serve(nng_aio *aio)
{
	nng_http_res *res = NULL;
	struct store *s;
	struct sync *sy;
	char *body = NULL;
	size_t len = 0;
	int err, rv;

	if (!http_gate_enter(&gate)) {
		nng_aio_finish(aio, NNG_ECLOSED);
		return;
	}
	s = gate_store;
	sy = gate_sync;
	err = metrics_render(s, sy, &body, &len);
	http_gate_leave(&gate);

	if (err != 0) {
		log_warnx("metrics", "GET /metrics: %s", pk_strerror(err));
		rv = nng_http_res_alloc_error(&res, NNG_HTTP_STATUS_INTERNAL_SERVER_ERROR);
	} else if ((rv = nng_http_res_alloc(&res)) == 0 &&
	           (rv = nng_http_res_set_header(res, "Content-Type", METRICS_CONTENT_TYPE)) == 0) {
		rv = nng_http_res_copy_data(res, body, len);
	}
	free(body);
	if (rv != 0) {
		if (res != NULL)
			nng_http_res_free(res);
		nng_aio_finish(aio, rv); /* nng answers 500 and closes the connection */
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

int metrics_http_start(struct metrics_http **out, const char *url, struct store *s, struct sync *sy,
                       struct pk_diag *d)
{
	struct metrics_http *m = calloc(1, sizeof(*m));
	int rv, err;

	*out = NULL;
	if (m == NULL)
		return pk_diagf(d, PK_ENOMEM, "[metrics] listen %s: out of memory", url);
	gate_store = s;
	gate_sync = sy;
	http_gate_open(&gate);
	if ((err = http_server_hold("[metrics] listen", url, &m->srv, d)) != 0)
		goto fail;
	/* GET (and so HEAD) only; no request body is read: one is refused with 400. */
	if ((rv = nng_http_handler_alloc(&m->h, "/metrics", serve)) != 0 ||
	    (rv = nng_http_handler_collect_body(m->h, true, 0)) != 0) {
		if (m->h != NULL)
			nng_http_handler_free(m->h);
		err = pk_diagf(d, PK_ENOMEM, "[metrics] listen %s: %s", url, nng_strerror(rv));
		goto fail;
	}
	if ((rv = nng_http_server_add_handler(m->srv, m->h)) != 0) {
		nng_http_handler_free(m->h);
		err = pk_diagf(d, PK_EINVAL, "[metrics] listen %s: %s", url, nng_strerror(rv));
		goto fail;
	}
	if ((err = http_server_start("[metrics] listen", url, m->srv, d)) != 0)
		goto fail;
	log_info("metrics", "serving GET /metrics on %s", url);
	*out = m;
	return 0;
fail:
	http_gate_close(&gate);
	if (m->srv != NULL)
		nng_http_server_release(m->srv);
	free(m);
	return err;
}

void metrics_http_stop(struct metrics_http *m)
{
	if (m == NULL)
		return;
	nng_http_server_stop(m->srv);
	http_gate_close(&gate);
	gate_store = NULL;
	gate_sync = NULL;
	nng_http_server_release(m->srv);
	free(m);
}
