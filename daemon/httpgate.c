/* httpgate.c: the gate of pokjad's HTTP handlers and starting its servers (httpgate.h). */
#include "httpgate.h"

void http_gate_open(struct http_gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	pthread_mutex_unlock(&g->lock);
}

bool http_gate_enter(struct http_gate *g)
{
	bool in;

	pthread_mutex_lock(&g->lock);
	if ((in = g->open))
		g->inside++;
	pthread_mutex_unlock(&g->lock);
	return in;
}

void http_gate_leave(struct http_gate *g)
{
	pthread_mutex_lock(&g->lock);
	if (--g->inside == 0)
		pthread_cond_broadcast(&g->idle);
	pthread_mutex_unlock(&g->lock);
}

void http_gate_close(struct http_gate *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = false;
	while (g->inside > 0)
		pthread_cond_wait(&g->idle, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

int http_server_hold(const char *what, const char *url, nng_http_server **srv, struct pk_diag *d)
{
	nng_url *u = NULL;
	int rv;

	*srv = NULL;
	if ((rv = nng_url_parse(&u, url)) == 0)
		rv = nng_http_server_hold(srv, u);
	if (u != NULL)
		nng_url_free(u);
	return rv == 0 ? 0 : pk_diagf(d, PK_EINVAL, "%s %s: %s", what, url, nng_strerror(rv));
}

int http_server_start(const char *what, const char *url, nng_http_server *srv, struct pk_diag *d)
{
	int rv = nng_http_server_start(srv);

	if (rv == NNG_EADDRINUSE)
		return pk_diagf(d, PK_EEXIST,
		                "%s %s: the address is in use (another program listens there); "
		                "choose a free port in pokjad.conf",
		                what, url);
	return rv == 0 ? 0 : pk_diagf(d, PK_EINVAL, "%s %s: %s", what, url, nng_strerror(rv));
}
