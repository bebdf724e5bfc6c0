/*
 * netaddr.h: TCP addresses for a listening port: a tcp://HOST:PORT URL to a bound socket, an
 * address as text for the log, and whether two peers share a host. No state; safe from any
 * thread.
 */
#ifndef PK_NETADDR_H
#define PK_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "proto/error.h"

/* Binds and listens on url (tcp://HOST:PORT; HOST empty or "*" is every IPv4 address, [v6]
 * in brackets), non-blocking and close-on-exec, with SO_REUSEADDR. Returns 0 and the socket
 * in *out, or PK_EINVAL (a malformed URL, an unknown host), PK_EEXIST (the port is in use) or
 * PK_EIO, with the reason in d. */
int netaddr_listen(const char *url, int *out, struct pk_diag *d);

/* "1.2.3.4:5678" or "[::1]:5678" ("?" for another family) into out (n bytes). */
void netaddr_name(const struct sockaddr_storage *a, char *out, size_t n);

/* True when a and b are the same IPv4 or IPv6 host, whatever their ports. */
bool netaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif
