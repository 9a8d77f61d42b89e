// SPDX-License-Identifier: MIT
/**
 * DOC: addr.c - the program's addresses (AF_INET / AF_INET6) to and from the
 * IPv4 addresses the IPC client speaks
 *
 * Aether is IPv4. An AF_INET6 socket is dual stack like Linux's: `::` binds
 * every IPv4 address, ::ffff:a.b.c.d is a.b.c.d, ::1 is PS_LOOP6_V4 (a 127/8
 * address of its own, so ::1 and 127.0.0.1 stay apart), and peers are
 * reported back as v4-mapped addresses, or ::1 for PS_LOOP6_V4. Other IPv6 addresses cannot be
 * reached (EADDRNOTAVAIL for bind, ENETUNREACH for connect). Error codes
 * follow Linux's inet_bind/inet6_bind/tcp_v6_connect checks.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "client.h"
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
		*out = PS_LOOP6_V4;
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
 * ps_bind_addr() - tell the daemon an AF_INET6 socket's family, and map a
 * V6ONLY [::] onto the only IPv6 address Aether has
 * @ps:		socket about to bind
 * @a:		the address ps_addr_from_app() gave; may be changed
 * @sa:		the program's address
 *
 * Aether is IPv4 inside: [::] is 0.0.0.0. A V6ONLY socket takes no IPv4
 * traffic, so its [::] is bound to the ::1 stand-in, and the daemon is told
 * (IPV6_V6ONLY, sent for every AF_INET6 bind) so that 0.0.0.0:P and a
 * V6ONLY [::]:P do not conflict while a dual-stack [::]:P conflicts with
 * both, as Linux's inet6_bind() decides.
 *
 * Return: 0, or -errno from the option (-EINVAL: already bound)
 */
int ps_bind_addr(struct ps_sock *ps, struct sockaddr_in *a,
		 const struct sockaddr *sa)
{
	const struct sockaddr_in6 *s6 = (const void *)sa;
	int r;

	if (ps->domain != AF_INET6)
		return 0;
	r = aec_setsockopt(ps->aec, IPPROTO_IPV6, IPV6_V6ONLY, &ps->v6only,
			   sizeof(ps->v6only));
	if (r < 0)
		return r;
	/* replayed before the bind if aetherd restarts (reconnect.c) */
	ps_rc_note_opt(ps, IPPROTO_IPV6, IPV6_V6ONLY, &ps->v6only,
		       sizeof(ps->v6only));
	if (ps->v6only && IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
		a->sin_addr.s_addr = PS_LOOP6_V4;
	return 0;
}

/**
 * ps_loop6_bind() - give an unbound socket the ::1 stand-in as its source
 * @ps:		socket about to connect or send
 * @to:		destination, already mapped to IPv4
 *
 * A ::1 client must appear as ::1 to its peer, so its source is the stand-in
 * address too (the stack would pick 127.0.0.1 for any 127/8 destination).
 *
 * Return: 0, or -errno from the bind
 */
int ps_loop6_bind(struct ps_sock *ps, const struct sockaddr_in *to)
{
	struct sockaddr_in me = { .sin_family = AF_INET };

	if (to->sin_addr.s_addr != PS_LOOP6_V4)
		return 0;
	if (aec_getsockname(ps->aec, &me) < 0 ||
	    me.sin_addr.s_addr != htonl(INADDR_ANY) || me.sin_port)
		return 0;
	me.sin_addr.s_addr = PS_LOOP6_V4;
	return aec_bind(ps->aec, &me);
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
		if (in->sin_addr.s_addr == htonl(INADDR_ANY) ||
		    (in->sin_addr.s_addr == PS_LOOP6_V4 && ps->v6any)) {
			/* :: */
		} else if (in->sin_addr.s_addr == PS_LOOP6_V4) {
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
