/*
 * httpgate.h: what pokjad's two HTTP servers share (the metrics, metrics_http.c; the office web
 * application, web.c), both nng's HTTP server. nng_http_server_stop closes the connections but
 * does not wait for a handler that is running, and a handler may still be called while a closed
 * connection is reaped; so what a handler reads sits behind a gate: stop closes it and waits
 * until no handler is inside, and a handler that comes later finds it closed and touches
 * nothing. Also: holding and starting a server at a URL, with errors that name the config key.
 */
#ifndef PK_HTTPGATE_H
#define PK_HTTPGATE_H

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <pthread.h>
#include <stdbool.h>

#include "proto/error.h"

struct http_gate {
	pthread_mutex_t lock;
	pthread_cond_t idle;
	bool open;
	int inside; /* handlers inside now */
};
#define HTTP_GATE_INIT                                                                             \
	{                                                                                          \
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, 0                      \
	}

/* Opens the gate: what handlers read must be set before. */
void http_gate_open(struct http_gate *g);

/* A handler comes in: false when the gate is closed (touch nothing, finish the aio with
 * NNG_ECLOSED). Else http_gate_leave when done. */
bool http_gate_enter(struct http_gate *g);
void http_gate_leave(struct http_gate *g);

/* Closes the gate and returns once no handler is inside: what they read may then go. */
void http_gate_close(struct http_gate *g);

/* Holds the server of url; what names it in errors ("[web] listen"). 0 or PK_EINVAL. */
int http_server_hold(const char *what, const char *url, nng_http_server **srv, struct pk_diag *d);

/* Starts srv: PK_EEXIST when the port is in use (another program listens there), else
 * PK_EINVAL, with a sentence in d that says what to change. */
int http_server_start(const char *what, const char *url, nng_http_server *srv, struct pk_diag *d);

#endif
