/*
 * metrics_http.c: GET /metrics over nng's HTTP server (see metrics_http.h). nng routes by path
 * and method itself: an unknown path gets its 404, another method on /metrics its 405.
 *
 * nng_http_server_stop closes the connections but does not wait for a handler that is running,
 * and a handler may still be called while a closed connection is reaped. So what the handler
 * reads (the store, the sync) sits in the file-local gate below, not in the server's data:
 * metrics_http_stop closes the gate and waits until no handler is inside, and a handler that
 * comes later finds it closed and touches nothing. One server per process, as pokjad has.
 */
#include "metrics_http.h"

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "metrics.h"

struct metrics_http {
	nng_http_server *srv;
	nng_http_handler *h; /* owned by srv once added */
};

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_idle = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int gate_inside; /* handlers rendering now */
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

	pthread_mutex_lock(&gate_lock);
	if (!gate_open) {
		pthread_mutex_unlock(&gate_lock);
		nng_aio_finish(aio, NNG_ECLOSED);
		return;
	}
	gate_inside++;
	s = gate_store;
	sy = gate_sync;
	pthread_mutex_unlock(&gate_lock);
	err = metrics_render(s, sy, &body, &len);
	pthread_mutex_lock(&gate_lock);
	if (--gate_inside == 0)
		pthread_cond_broadcast(&gate_idle);
	pthread_mutex_unlock(&gate_lock);

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
	nng_url *u = NULL;
	int rv, err;

	*out = NULL;
	if (m == NULL)
		return pk_diagf(d, PK_ENOMEM, "[metrics] listen %s: out of memory", url);
	pthread_mutex_lock(&gate_lock);
	gate_store = s;
	gate_sync = sy;
	gate_open = true;
	pthread_mutex_unlock(&gate_lock);
	if ((rv = nng_url_parse(&u, url)) != 0 || (rv = nng_http_server_hold(&m->srv, u)) != 0) {
		err = pk_diagf(d, PK_EINVAL, "[metrics] listen %s: %s", url, nng_strerror(rv));
		goto fail;
	}
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
	if ((rv = nng_http_server_start(m->srv)) != 0) {
		if (rv == NNG_EADDRINUSE)
			err = pk_diagf(d, PK_EEXIST,
			               "[metrics] listen %s: the address is in use (another "
			               "program listens there); choose a free port in pokjad.conf",
			               url);
		else
			err = pk_diagf(d, PK_EINVAL, "[metrics] listen %s: %s", url,
			               nng_strerror(rv));
		goto fail;
	}
	nng_url_free(u);
	log_info("metrics", "serving GET /metrics on %s", url);
	*out = m;
	return 0;
fail:
	pthread_mutex_lock(&gate_lock);
	gate_open = false;
	pthread_mutex_unlock(&gate_lock);
	if (m->srv != NULL)
		nng_http_server_release(m->srv);
	if (u != NULL)
		nng_url_free(u);
	free(m);
	return err;
}

void metrics_http_stop(struct metrics_http *m)
{
	if (m == NULL)
		return;
	nng_http_server_stop(m->srv);
	pthread_mutex_lock(&gate_lock);
	gate_open = false;
	while (gate_inside > 0)
		pthread_cond_wait(&gate_idle, &gate_lock);
	gate_store = NULL;
	gate_sync = NULL;
	pthread_mutex_unlock(&gate_lock);
	nng_http_server_release(m->srv);
	free(m);
}
