// SPDX-License-Identifier: MIT
/**
 * DOC: addr.c - the program's addresses (AF_INET / AF_INET6) to and from the
 * IPv4 addresses the IPC client speaks
 *
 * Aether is IPv4. An AF_INET6 socket is dual stack like Linux's: `::` binds
 * every IPv4 address, ::ffff:a.b.c.d is a.b.c.d, ::1 is 127.0.0.1, and peers
 * are reported back as v4-mapped addresses. Other IPv6 addresses cannot be
 * reached (EADDRNOTAVAIL for bind, ENETUNREACH for connect). Error codes
 * follow Linux's inet_bind/inet6_bind/tcp_v6_connect checks.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "shim.h"

/**
 * v6_to_v4() - the IPv4 address an IPv6 address stands for
 * @a6:		IPv6 address
 * @out:	IPv4 address (network order)
 *
 * Return: true if @a6 is ::, ::1 or v4-mapped
 */
static bool v6_to_v4(const struct in6_addr *a6, uint32_t *out)
{
	if (IN6_IS_ADDR_UNSPECIFIED(a6)) {
		*out = htonl(INADDR_ANY);
		return true;
	}
	if (IN6_IS_ADDR_LOOPBACK(a6)) {
		*out = htonl(INADDR_LOOPBACK);
		return true;
	}
	if (IN6_IS_ADDR_V4MAPPED(a6)) {
		memcpy(out, &a6->s6_addr[12], 4);
		return true;
	}
	return false;
}

/**
 * ps_addr_from_app() - a program's address as the IPC client's sockaddr_in
 * @ps:		socket it is used with
 * @sa:		program's address
 * @len:	its length
 * @out:	IPv4 address and port
 * @for_bind:	bind() rules (else connect/sendto rules)
 *
 * Return: 0, or a positive errno as Linux would give
 */
int ps_addr_from_app(const struct ps_sock *ps, const struct sockaddr *sa,
		     socklen_t len, struct sockaddr_in *out, bool for_bind)
{
	const struct sockaddr_in6 *s6;

	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	if (!sa)
		return EFAULT;
	if (ps->domain == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		if (len < sizeof(*s4))
			return EINVAL;
		if (s4->sin_family != AF_INET) {
			if (!for_bind || s4->sin_family != AF_UNSPEC ||
			    s4->sin_addr.s_addr != htonl(INADDR_ANY))
				return EAFNOSUPPORT;
		}
		out->sin_port = s4->sin_port;
		out->sin_addr = s4->sin_addr;
		return 0;
	}
	s6 = (const void *)sa;
	if (len < 24)	/* SIN6_LEN_RFC2133 */
		return EINVAL;
	if (s6->sin6_family != AF_INET6)
		return EAFNOSUPPORT;
	if (!v6_to_v4(&s6->sin6_addr, &out->sin_addr.s_addr))
		return for_bind ? EADDRNOTAVAIL : ENETUNREACH;
	if (ps->v6only && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return for_bind ? EINVAL : ENETUNREACH;
	out->sin_port = s6->sin6_port;
	return 0;
}

/**
 * ps_addr_to_app() - an IPv4 address in the socket's own family
 * @ps:		socket
 * @in:		IPv4 address and port
 * @sa:		program's buffer (may be NULL)
 * @len:	in: buffer size; out: the address's full size (Linux truncates
 *		silently and reports the full size)
 */
void ps_addr_to_app(const struct ps_sock *ps, const struct sockaddr_in *in,
		    struct sockaddr *sa, socklen_t *len)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	const void *src;
	socklen_t n;

	if (ps->domain == AF_INET6) {
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_port = in->sin_port;
		if (in->sin_addr.s_addr == htonl(INADDR_ANY)) {
			/* :: */
		} else if (ps->v6loop &&
			   in->sin_addr.s_addr == htonl(INADDR_LOOPBACK)) {
			s6.sin6_addr = in6addr_loopback;
		} else {
			s6.sin6_addr.s6_addr[10] = 0xff;
			s6.sin6_addr.s6_addr[11] = 0xff;
			memcpy(&s6.sin6_addr.s6_addr[12], &in->sin_addr, 4);
		}
		src = &s6;
		n = sizeof(s6);
	} else {
		memset(&s4, 0, sizeof(s4));
		s4.sin_family = AF_INET;
		s4.sin_port = in->sin_port;
		s4.sin_addr = in->sin_addr;
		src = &s4;
		n = sizeof(s4);
	}
	if (!len)
		return;
	if (sa)
		memcpy(sa, src, *len < n ? *len : n);
	*len = n;
}
