// SPDX-License-Identifier: MIT
/**
 * DOC: sockopt.c - setsockopt/getsockopt for Aether sockets
 *
 * The shim keeps what only it uses or knows: SO_RCVTIMEO/SO_SNDTIMEO (it does
 * the sleeping), SO_DOMAIN/SO_TYPE/SO_PROTOCOL (the daemon does not know the
 * program asked for AF_INET6); IPV6_V6ONLY is kept here and told to the
 * daemon (its bind-conflict rules need it, see addr.c). IPPROTO_IPV6 goes
 * to the daemon for AF_INET6 sockets only (an AF_INET one gets ENOPROTOOPT
 * to set, EOPNOTSUPP to read), and a level foreign to an AF_INET6 socket
 * reads as ENOPROTOOPT. Everything else is the daemon's, with the kernel's
 * levels, names, values and errors (stack/sockopt.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "client.h"
#include "shim.h"

/**
 * put_int() - return an int option the way Linux does (truncated copy)
 * @v:		value
 * @val:	program's buffer
 * @len:	its size in/out
 *
 * Return: 0 or -1 with errno
 */
static int put_int(int v, void *val, socklen_t *len)
{
	socklen_t n;

	if (!len)
		return ps_fail(EFAULT);
	if ((int)*len < 0)
		return ps_fail(EINVAL);
	n = *len < sizeof(v) ? *len : sizeof(v);
	if (n && !val)
		return ps_fail(EFAULT);
	memcpy(val, &v, n);
	*len = n;
	return 0;
}

/**
 * put_ip_bool() - return an IPPROTO_IP boolean as do_ip_getsockopt() does:
 * one byte when the room is less than an int
 * @v:		value (0 or 1)
 * @val:	program's buffer
 * @len:	its size in/out
 *
 * Return: 0 or -1 with errno
 */
static int put_ip_bool(int v, void *val, socklen_t *len)
{
	unsigned char b = (unsigned char)v;

	if (!len)
		return ps_fail(EFAULT);
	if ((int)*len <= 0 || *len >= sizeof(int))
		return put_int(v, val, len);
	if (!val)
		return ps_fail(EFAULT);
	memcpy(val, &b, 1);
	*len = 1;
	return 0;
}

/**
 * put_timeo() - return SO_RCVTIMEO/SO_SNDTIMEO
 * @ms:		timeout, -1 none
 * @val:	program's buffer
 * @len:	its size in/out
 *
 * Return: 0 or -1 with errno
 */
static int put_timeo(int ms, void *val, socklen_t *len)
{
	struct timeval tv = { 0 };
	socklen_t n;

	if (!len)
		return ps_fail(EFAULT);
	if ((int)*len < 0)
		return ps_fail(EINVAL);
	if (ms > 0) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (long)(ms % 1000) * 1000;
	}
	n = *len < sizeof(tv) ? *len : sizeof(tv);
	if (n && !val)
		return ps_fail(EFAULT);
	memcpy(val, &tv, n);
	*len = n;
	return 0;
}

/**
 * get_timeo() - parse SO_RCVTIMEO/SO_SNDTIMEO
 * @val:	struct timeval
 * @len:	its size
 * @ms:		out: milliseconds (rounded up), -1 for none
 *
 * Return: 0 or a positive errno (EINVAL short, EDOM bad usec)
 */
static int get_timeo(const void *val, socklen_t len, int *ms)
{
	struct timeval tv;
	long long t;

	if (len < sizeof(tv))
		return EINVAL;
	if (!val)
		return EFAULT;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return EDOM;
	if (tv.tv_sec < 0) {
		*ms = 1;	/* Linux: a negative time is a zero-ish timeout */
		return 0;
	}
	if (tv.tv_sec == 0 && tv.tv_usec == 0) {
		*ms = -1;
		return 0;
	}
	t = (long long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	*ms = t > 0x7fffffff ? -1 : (int)t;
	return 0;
}

/**
 * setsockopt() - interposed setsockopt(2)
 * @fd:		socket
 * @level:	level
 * @name:	option
 * @val:	value
 * @len:	its length
 *
 * Return: 0 or -1 with errno
 */
int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	PS_HOLD(ps, fd);
	unsigned int bit = ps_cmsg_want_bit(level, name);
	int r, v;

	if (!ps)
		return REAL(setsockopt)(fd, level, name, val, len);
	ps_log("setsockopt(%d, %d, %d, len %u)", fd, level, name, len);
	if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
		r = get_timeo(val, len, name == SO_RCVTIMEO ? &ps->rcvtimeo_ms :
							     &ps->sndtimeo_ms);
		return r ? ps_fail(r) : 0;
	}
	if (level == IPPROTO_IPV6 && ps->domain != AF_INET6)
		return ps_fail(ENOPROTOOPT);
	if (bit) {
		atomic_store(&ps->opt_unkept, true);	/* kloop.c */
		r = ps_cmsg_setopt(ps, bit, level == IPPROTO_IPV6, val, len);
		return r ? ps_fail(r) : 0;
	}
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY) {
		if (len < sizeof(int))
			return ps_fail(EINVAL);
		memcpy(&v, val, sizeof(v));
		/* the daemon refuses it once bound (EINVAL) */
		r = aec_setsockopt(ps->aec, level, name, val, len);
		if (r < 0)
			return ps_fail(-r);
		ps->v6only = !!v;
		return 0;
	}
	r = aec_setsockopt(ps->aec, level, name, val, len);
	if (r == 0 && !ps_rc_note_opt(ps, level, name, val, len))
		atomic_store(&ps->opt_unkept, true);	/* kloop.c */
	return r < 0 ? ps_fail(-r) : 0;
}

/**
 * ps_dead_error() - SO_ERROR of a socket whose daemon is gone
 * @ps:	socket
 *
 * Reading SO_ERROR never fails on Linux; it returns and clears the pending
 * error. A listener or UDP socket's ENETDOWN is taken as accept/recv would
 * take it (after which it is never ready, see ps_mask()); a connection
 * reports its reset once, a connect in progress ENETDOWN.
 *
 * Return: positive errno or 0
 */
static int ps_dead_error(struct ps_sock *ps)
{
	if (!ps_down_take(ps))
		return 0;
	return ps_inert(ps) || atomic_load(&ps->connecting) ? ENETDOWN :
							       ECONNRESET;
}

/**
 * foreign_level() - is @level none of SOL_SOCKET, IP, IPv6 and the
 * socket's own protocol?
 * @ps:		socket
 * @level:	level
 *
 * Reading such a level is EOPNOTSUPP on an AF_INET socket (the daemon's
 * answer, as ip_getsockopt()) and ENOPROTOOPT on an AF_INET6 one.
 *
 * Return: true for a foreign level
 */
static bool foreign_level(const struct ps_sock *ps, int level)
{
	if (level == SOL_SOCKET || level == IPPROTO_IP || level == IPPROTO_IPV6)
		return false;
	return level != (ps->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
}

/**
 * getsockopt() - interposed getsockopt(2)
 * @fd:		socket
 * @level:	level
 * @name:	option
 * @val:	buffer
 * @len:	its size in/out
 *
 * Return: 0 or -1 with errno
 */
int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	PS_HOLD(ps, fd);
	unsigned int bit = ps_cmsg_want_bit(level, name);
	int r;

	if (!ps)
		return REAL(getsockopt)(fd, level, name, val, len);
	if (bit && level == IPPROTO_IP)
		return put_ip_bool(!!(atomic_load(&ps->rx_cmsg) & bit), val, len);
	if (bit && ps->domain == AF_INET6)
		return put_int(!!(atomic_load(&ps->rx_cmsg) & bit), val, len);
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_RCVTIMEO:
			return put_timeo(ps->rcvtimeo_ms, val, len);
		case SO_SNDTIMEO:
			return put_timeo(ps->sndtimeo_ms, val, len);
		case SO_DOMAIN:
			return put_int(ps->domain, val, len);
		case SO_TYPE:
			return put_int(ps->type, val, len);
		case SO_PROTOCOL:
			return put_int(ps->type == SOCK_STREAM ? IPPROTO_TCP :
				       IPPROTO_UDP, val, len);
		}
	}
	if (level == IPPROTO_IPV6 && ps->domain != AF_INET6)
		return ps_fail(EOPNOTSUPP);
	if (level == IPPROTO_IPV6 && name == IPV6_V6ONLY)
		return put_int(ps->v6only, val, len);
	if (ps->domain == AF_INET6 && foreign_level(ps, level))
		return ps_fail(ENOPROTOOPT);	/* ipv6_getsockopt() */
	if (level == SOL_SOCKET && name == SO_ERROR && ps_dead(ps))
		return put_int(ps_dead_error(ps), val, len);
	if (!len)
		return ps_fail(EFAULT);
	if ((int)*len < 0)
		return ps_fail(EINVAL);
	r = aec_getsockopt(ps->aec, level, name, val, len);
	return r < 0 ? ps_fail(-r) : 0;
}
