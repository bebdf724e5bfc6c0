/*
 * netaddr.c: TCP addresses for a listening port (see netaddr.h).
 */
#include "netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static bool is_any_host(const char *h)
{
	return h[0] == '\0' || strcmp(h, "*") == 0;
}

int netaddr_listen(const char *url, int *out, struct pk_diag *d)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], port[16];
	const char *hp, *colon;
	int fd = -1, one = 1, rv, err = 0;
	size_t hl;

	if (strncmp(url, "tcp://", 6) != 0)
		return pk_diagf(d, PK_EINVAL, "%s: not a tcp:// address", url);
	hp = url + 6;
	if ((colon = strrchr(hp, ':')) == NULL || strlen(colon + 1) == 0 ||
	    strlen(colon + 1) >= sizeof(port))
		return pk_diagf(d, PK_EINVAL, "%s: no port", url);
	hl = (size_t)(colon - hp);
	if (hl >= 2 && hp[0] == '[' && hp[hl - 1] == ']') {
		hp++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return pk_diagf(d, PK_EINVAL, "%s: the host name is too long", url);
	memcpy(host, hp, hl);
	host[hl] = '\0';
	strcpy(port, colon + 1);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	hints.ai_family = is_any_host(host) ? AF_INET : AF_UNSPEC;
	if ((rv = getaddrinfo(is_any_host(host) ? NULL : host, port, &hints, &res)) != 0)
		return pk_diagf(d, PK_EINVAL, "%s: %s", url, gai_strerror(rv));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 512) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return pk_diagf(d, err == EADDRINUSE ? PK_EEXIST : PK_EIO,
		                "cannot listen on %s: %s", url, strerror(err != 0 ? err : EINVAL));
	*out = fd;
	return 0;
}

void netaddr_name(const struct sockaddr_storage *a, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)a;
		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, n, "%s:%u", ip, ntohs(s4->sin_port));
	} else if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)a;
		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(out, n, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		snprintf(out, n, "?");
	}
}

bool netaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)(const void *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr,
		              &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr,
		              sizeof(struct in6_addr)) == 0;
	return false;
}
