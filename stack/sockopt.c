// SPDX-License-Identifier: MIT
/**
 * DOC: sockopt.c - socket options, dispatched the way Linux dispatches them
 *
 * Theory of operation: ae_setsockopt()/ae_getsockopt() route a level the
 * way Linux's socket layer does: SOL_SOCKET to sol_set()/sol_get() (Linux's
 * sk_setsockopt()/sk_getsockopt()), IPPROTO_IP to ip_set()/ip_get()
 * (do_ip_setsockopt()/do_ip_getsockopt()), IPPROTO_IPV6 to ip6_set()/
 * ip6_get() (do_ipv6_*; the shim sends that level only for AF_INET6
 * sockets), the socket's own protocol level to tcp_usr_*() or to the UDP
 * level here (udp_lib_*), and any other level gives what ip_setsockopt()/
 * ip_getsockopt() give: ENOPROTOOPT to set, EOPNOTSUPP to read (the shim
 * turns that into ENOPROTOOPT for AF_INET6, as ipv6_getsockopt() does).
 *
 * Lengths follow Linux too: SOL_SOCKET, IPv6, TCP and UDP values are ints
 * (shorter is EINVAL, checked before the name is known); IPv4 ones may be a
 * single byte (or nothing: 0). Reads are truncated to the room given,
 * never EINVAL; an IPv4 value of 0..255 read into less than an int comes
 * back as one byte. Values only stored (SO_PRIORITY, SO_DEBUG,
 * IP_MTU_DISCOVER, the multicast ones, the IPv6 ones) live in
 * struct ae_sock_opts with Linux's defaults.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "stack.h"
#include "tcp.h"

#define IPTOS_ECN_MASK_	0x03	/* the ECN field of the TOS byte */
#define IP_DEFTTL_	64	/* net.ipv4.ip_default_ttl */
#define IPV6_HOPS_DEF_	64	/* net.ipv6.conf.all.hop_limit */
#define PMTUDISC_MAX_	5	/* IP_PMTUDISC_OMIT, IPV6_PMTUDISC_OMIT */
#define PMTUDISC_WANT_	1	/* IP_PMTUDISC_WANT, IPV6_PMTUDISC_WANT */
#define LINUX_MIN_RCVBUF 2304	/* SOCK_MIN_RCVBUF */
#define LINUX_MIN_SNDBUF 4608	/* SOCK_MIN_SNDBUF */
#define LINUX_UDP_BUF	212992	/* net.core.rmem_default, wmem_default */
#define LINUX_TCP_RMEM_MAX 6291456 /* net.ipv4.tcp_rmem[2] */

/**
 * sock_opts_init() - Linux's defaults for a new socket's options
 * @sk:		socket (zeroed)
 */
void sock_opts_init(struct ae_sock *sk)
{
	sk->opt.flags = AE_SOF_MC_LOOP | AE_SOF_MC6_LOOP;
	sk->opt.rcvlowat = 1;
	sk->opt.pmtudisc = PMTUDISC_WANT_;
	sk->opt.pmtudisc6 = PMTUDISC_WANT_;
	sk->opt.mc_ttl = 1;
	sk->opt.hops6 = -1;
	sk->opt.mc_hops6 = 1;
}

/**
 * sockopt_get_int() - read an int-sized option value
 * @val:	value
 * @len:	its size
 * @out:	the int
 *
 * Return: 0 or -EINVAL when too short
 */
int sockopt_get_int(const void *val, size_t len, int *out)
{
	if (!val || len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

/**
 * sockopt_put() - store an option value, truncated to the room given
 * @val:	buffer
 * @len:	in: its size, out: the bytes stored
 * @v:		the value
 * @size:	its size
 *
 * Linux's getsockopt() copies min(room, size) bytes and reports that.
 *
 * Return: 0 or -EINVAL without a buffer
 */
int sockopt_put(void *val, size_t *len, const void *v, size_t size)
{
	if (!len || (*len && !val))
		return -EINVAL;
	if (*len > size)
		*len = size;
	memcpy(val, v, *len);
	return 0;
}

/**
 * sockopt_put_int() - store an int option value (truncated, as Linux)
 * @val:	buffer
 * @len:	in: its size, out: the bytes stored
 * @v:		the value
 *
 * Return: 0 or -EINVAL
 */
int sockopt_put_int(void *val, size_t *len, int v)
{
	return sockopt_put(val, len, &v, sizeof(v));
}

/**
 * ip_put_int() - store an IPv4-level int as do_ip_getsockopt() does
 * @val:	buffer
 * @len:	in: its size, out: the bytes stored
 * @v:		the value
 *
 * Less room than an int gets a single byte when the value fits one.
 *
 * Return: 0 or -EINVAL
 */
static int ip_put_int(void *val, size_t *len, int v)
{
	uint8_t b = (uint8_t)v;

	if (len && *len && *len < sizeof(int) && v >= 0 && v <= 255) {
		*len = 1;
		return sockopt_put(val, len, &b, 1);
	}
	return sockopt_put_int(val, len, v);
}

/**
 * set_sof() - set or clear an enum ae_sof bit
 * @sk:		socket
 * @bit:	the bit
 * @on:		value
 */
static void set_sof(struct ae_sock *sk, uint32_t bit, int on)
{
	if (on)
		sk->opt.flags |= bit;
	else
		sk->opt.flags &= ~bit;
}

/**
 * sof_bit() - the enum ae_sof bit of a boolean SOL_SOCKET option
 * @name:	option
 *
 * Return: the bit, 0 for other options
 */
static uint32_t sof_bit(int name)
{
	switch (name) {
	case SO_KEEPALIVE:	return AE_SOF_KEEPALIVE;
	case SO_BROADCAST:	return AE_SOF_BROADCAST;
	case SO_OOBINLINE:	return AE_SOF_OOBINLINE;
	case SO_DONTROUTE:	return AE_SOF_DONTROUTE;
	case SO_DEBUG:		return AE_SOF_DEBUG;
	case SO_NO_CHECK:	return AE_SOF_NO_CHECK;
	default:		return 0;
	}
}

/**
 * linux_bufsize() - SO_RCVBUF/SO_SNDBUF as Linux keeps and reports them
 * @sk:		socket
 * @name:	SO_RCVBUF or SO_SNDBUF
 * @v:		the value set
 *
 * Linux caps the value at rmem_max/wmem_max (212992 by default, read as
 * unsigned), doubles it for its bookkeeping overhead and keeps at least
 * SOCK_MIN_RCVBUF/SOCK_MIN_SNDBUF; getsockopt() returns that.
 */
static void linux_bufsize(struct ae_sock *sk, int name, int v)
{
	uint32_t u = (uint32_t)v;
	int min = name == SO_RCVBUF ? LINUX_MIN_RCVBUF : LINUX_MIN_SNDBUF;
	int r;

	if (u > AE_LINUX_BUF_MAX)
		u = AE_LINUX_BUF_MAX;
	r = (int)u * 2 < min ? min : (int)u * 2;
	if (name == SO_RCVBUF)
		sk->rcvbuf_opt = r;
	else
		sk->sndbuf_opt = r;
}

/**
 * set_rcvlowat() - SO_RCVLOWAT: negative is INT_MAX, 0 is 1; TCP caps it at
 * half the receive buffer (tcp_set_rcvlowat())
 * @sk:		socket
 * @v:		the value set
 */
static void set_rcvlowat(struct ae_sock *sk, int v)
{
	int cap = sk->rcvbuf_opt ? sk->rcvbuf_opt / 2 : LINUX_TCP_RMEM_MAX / 2;

	if (v < 0)
		v = INT_MAX;
	if (sk->type == SOCK_STREAM && v > cap)
		v = cap;
	sk->opt.rcvlowat = v ? v : 1;
}

/**
 * set_linger() - SO_LINGER: l_onoff 0 keeps the time (Linux reads it back)
 * @sk:		socket
 * @val:	struct linger
 * @len:	its size
 *
 * Return: 0 or -EINVAL when short
 */
static int set_linger(struct ae_sock *sk, const void *val, size_t len)
{
	struct linger l;

	if (len < sizeof(l))
		return -EINVAL;
	memcpy(&l, val, sizeof(l));
	set_sof(sk, AE_SOF_LINGER, l.l_onoff);
	if (l.l_onoff)
		sk->opt.linger_s = l.l_linger;
	return 0;
}

/**
 * sol_set() - a SOL_SOCKET option (sk_setsockopt())
 * @sk:		socket
 * @name:	option
 * @val:	value
 * @len:	its size (less than an int: EINVAL, whatever the name)
 *
 * Return: 0, -EINVAL or -ENOPROTOOPT (SO_SNDLOWAT as well: Linux cannot
 * change it)
 */
static int sol_set(struct ae_sock *sk, int name, const void *val, size_t len)
{
	int v, ret = sockopt_get_int(val, len, &v);

	if (ret)
		return ret;
	if (sof_bit(name))
		set_sof(sk, sof_bit(name), v);
	else if (name == SO_REUSEADDR)
		sk->reuseaddr = !!v;
	else if (name == SO_REUSEPORT)
		sk->reuseport = !!v;
	else if (name == SO_PRIORITY)
		sk->opt.priority = v;
	else if (name == SO_RCVLOWAT)
		set_rcvlowat(sk, v);
	else if (name == SO_RCVBUF || name == SO_SNDBUF)
		linux_bufsize(sk, name, v);
	else if (name == SO_LINGER)
		ret = set_linger(sk, val, len);
	else if (name != SO_BSDCOMPAT)
		return -ENOPROTOOPT;
	if (!ret && sk->type == SOCK_STREAM)
		tcp_sol_effect(tcp_sk(sk), name, v);
	return ret;
}

/**
 * sol_get() - read a SOL_SOCKET option (sk_getsockopt())
 * @sk:		socket
 * @name:	option
 * @val:	buffer
 * @len:	in: its size; out: the bytes stored
 *
 * SO_ERROR reads and clears the pending error (positive errno, as Linux).
 *
 * Return: 0, -EINVAL or -ENOPROTOOPT
 */
static int sol_get(struct ae_sock *sk, int name, void *val, size_t *len)
{
	struct linger l;
	int v;

	if (sof_bit(name))
		return sockopt_put_int(val, len, !!(sk->opt.flags & sof_bit(name)));
	switch (name) {
	case SO_ERROR:
		v = -ae_sock_error(sk);
		if (!v)	/* Linux's sock_getsockopt(): then sk_err_soft */
			v = -ae_sock_soft_error(sk);
		return sockopt_put_int(val, len, v);
	case SO_TYPE:
		return sockopt_put_int(val, len, sk->type);
	case SO_PROTOCOL:
		return sockopt_put_int(val, len, sk->type == SOCK_STREAM ?
				       IPPROTO_TCP : IPPROTO_UDP);
	case SO_REUSEADDR:
		return sockopt_put_int(val, len, sk->reuseaddr);
	case SO_REUSEPORT:
		return sockopt_put_int(val, len, sk->reuseport);
	case SO_PRIORITY:
		return sockopt_put_int(val, len, sk->opt.priority);
	case SO_RCVLOWAT:
		return sockopt_put_int(val, len, sk->opt.rcvlowat);
	case SO_SNDLOWAT:
		return sockopt_put_int(val, len, 1);
	case SO_BSDCOMPAT:
		return sockopt_put_int(val, len, 0);
	case SO_LINGER:
		l.l_onoff = !!(sk->opt.flags & AE_SOF_LINGER);
		l.l_linger = sk->opt.linger_s;
		return sockopt_put(val, len, &l, sizeof(l));
	case SO_BINDTODEVICE:
		/* never bound to a device: Linux's sock_getbindtodevice()
		 * answers an empty name (sshd reads it on every accept)
		 */
		if (!len)
			return -EINVAL;
		*len = 0;
		return 0;
	}
	if (sk->type == SOCK_STREAM)
		return tcp_sol_get(tcp_sk(sk), name, val, len);
	if (name == SO_ACCEPTCONN)
		return sockopt_put_int(val, len, 0);
	if (name == SO_RCVBUF || name == SO_SNDBUF)
		return sockopt_put_int(val, len, name == SO_RCVBUF ?
			(sk->rcvbuf_opt ? sk->rcvbuf_opt : LINUX_UDP_BUF) :
			(sk->sndbuf_opt ? sk->sndbuf_opt : LINUX_UDP_BUF));
	return -ENOPROTOOPT;
}

/**
 * ip_int() - an IPv4-level value as do_ip_setsockopt() reads it
 * @val:	value
 * @len:	an int, a single byte, or nothing (0)
 *
 * Return: the value
 */
static int ip_int(const void *val, size_t len)
{
	int v = 0;

	if (val && len >= sizeof(int))
		memcpy(&v, val, sizeof(v));
	else if (val && len >= 1)
		v = *(const uint8_t *)val;
	return v;
}

/**
 * set_mc_if() - IP_MULTICAST_IF: a struct in_addr, ip_mreq or ip_mreqn
 * @sk:		socket
 * @val:	value
 * @len:	its size
 *
 * As do_ip_setsockopt(): EINVAL on TCP or when shorter than an address;
 * the wildcard (and no index) clears it; an address must be one of ours
 * (EADDRNOTAVAIL), an index is taken as given.
 *
 * Return: 0, -EINVAL or -EADDRNOTAVAIL
 */
static int set_mc_if(struct ae_sock *sk, const void *val, size_t len)
{
	struct ip_mreqn m = { 0 };

	if (sk->type == SOCK_STREAM || !val || len < sizeof(struct in_addr))
		return -EINVAL;
	if (len >= sizeof(m))
		memcpy(&m, val, sizeof(m));
	else if (len >= sizeof(struct ip_mreq))	/* imr_interface second */
		memcpy(&m, val, sizeof(struct ip_mreq));
	else
		memcpy(&m.imr_address, val, sizeof(struct in_addr));
	if (!m.imr_ifindex && m.imr_address.s_addr &&
	    !stack_is_local(sk->stack, m.imr_address.s_addr))
		return -EADDRNOTAVAIL;
	sk->opt.mc_addr = m.imr_address.s_addr;
	sk->opt.mc_index = m.imr_ifindex;
	return 0;
}

/**
 * ip_set() - an IPPROTO_IP option (do_ip_setsockopt())
 * @sk:		socket
 * @name:	option
 * @val:	value
 * @len:	its size
 *
 * Like Linux, a TCP socket keeps its own ECN bits (the low two) of IP_TOS
 * whatever the value asks for; ipv4_output() writes @sk->tos into every
 * header. IP_MULTICAST_TTL is EINVAL on a TCP socket.
 *
 * Return: 0, -EINVAL or -ENOPROTOOPT
 */
static int ip_set(struct ae_sock *sk, int name, const void *val, size_t len)
{
	int v = ip_int(val, len);

	switch (name) {
	case IP_TOS:
		if (sk->type == SOCK_STREAM)
			v = (v & ~IPTOS_ECN_MASK_) | (sk->tos & IPTOS_ECN_MASK_);
		sk->tos = (uint8_t)v;
		return 0;
	case IP_TTL:
		if (len < 1 || (v != -1 && (v < 1 || v > 255)))
			return -EINVAL;
		sk->ttl = v == -1 ? 0 : (uint8_t)v;
		return 0;
	case IP_MTU_DISCOVER:
		if (v < 0 || v > PMTUDISC_MAX_)
			return -EINVAL;
		sk->opt.pmtudisc = (uint8_t)v;
		return 0;
	case IP_MULTICAST_TTL:
		if (sk->type == SOCK_STREAM || len < 1)
			return -EINVAL;
		v = v == -1 ? 1 : v;
		if (v < 0 || v > 255)
			return -EINVAL;
		sk->opt.mc_ttl = (uint8_t)v;
		return 0;
	case IP_MULTICAST_LOOP:
		if (len < 1)
			return -EINVAL;
		set_sof(sk, AE_SOF_MC_LOOP, v);
		return 0;
	case IP_MULTICAST_IF:
		return set_mc_if(sk, val, len);
	default:	/* IP_HDRINCL too: raw sockets only */
		return -ENOPROTOOPT;
	}
}

/**
 * ip_get() - read an IPPROTO_IP option (do_ip_getsockopt())
 * @sk:		socket
 * @name:	option
 * @val:	buffer
 * @len:	in: its size; out: the bytes stored
 *
 * IP_MTU needs a peer (ENOTCONN otherwise), as Linux needs a route.
 *
 * Return: 0, -EINVAL, -ENOTCONN or -ENOPROTOOPT
 */
static int ip_get(struct ae_sock *sk, int name, void *val, size_t *len)
{
	switch (name) {
	case IP_TOS:
		return ip_put_int(val, len, sk->tos);
	case IP_TTL:
		return ip_put_int(val, len, sk->ttl ? sk->ttl : IP_DEFTTL_);
	case IP_MTU_DISCOVER:
		return ip_put_int(val, len, sk->opt.pmtudisc);
	case IP_MULTICAST_TTL:
		return ip_put_int(val, len, sk->opt.mc_ttl);
	case IP_MULTICAST_LOOP:
		return ip_put_int(val, len, !!(sk->opt.flags & AE_SOF_MC_LOOP));
	case IP_HDRINCL:
		return ip_put_int(val, len, 0);
	case IP_MULTICAST_IF:
		return sockopt_put(val, len, &sk->opt.mc_addr,
				   sizeof(sk->opt.mc_addr));
	case IP_MTU:
		if (!sk->raddr)
			return -ENOTCONN;
		return ip_put_int(val, len, (int)sk->stack->cfg.mtu);
	default:
		return -ENOPROTOOPT;
	}
}

/**
 * ip6_range() - an IPv6-level int, or why not (do_ipv6_setsockopt())
 * @val:	value
 * @len:	its size: an int
 * @lo:		lowest value allowed
 * @hi:		highest value allowed
 * @out:	the value
 *
 * Return: 0 or -EINVAL
 */
static int ip6_range(const void *val, size_t len, int lo, int hi, int *out)
{
	int ret = sockopt_get_int(val, len, out);

	if (ret)
		return ret;
	return *out < lo || *out > hi ? -EINVAL : 0;
}

/**
 * sock_set_v6only() - IPV6_V6ONLY: the owner's socket is AF_INET6; V6ONLY
 * or dual stack
 * @sk:		socket
 * @v:		the value
 *
 * Fixed once the socket has a port, as in Linux's do_ipv6_setsockopt().
 *
 * Return: 0 or -EINVAL
 */
static int sock_set_v6only(struct ae_sock *sk, int v)
{
	if (sk->lport)
		return -EINVAL;
	sk->v6 = true;
	sk->v6only = !!v;
	return 0;
}

/**
 * ip6_set() - an IPPROTO_IPV6 option of an AF_INET6 socket
 * @sk:		socket
 * @name:	option
 * @val:	value
 * @len:	its size (an int)
 *
 * IPV6_TCLASS -1 means 0 and a TCP socket keeps its ECN bits; the hop
 * limits take -1 for the default; IPV6_MULTICAST_HOPS is ENOPROTOOPT on a
 * TCP socket, as in Linux.
 *
 * Return: 0, -EINVAL or -ENOPROTOOPT
 */
static int ip6_set(struct ae_sock *sk, int name, const void *val, size_t len)
{
	int v = 0, ret;

	switch (name) {
	case IPV6_V6ONLY:
		ret = sockopt_get_int(val, len, &v);
		return ret ? ret : sock_set_v6only(sk, v);
	case IPV6_UNICAST_HOPS:
		ret = ip6_range(val, len, -1, 255, &v);
		if (!ret)
			sk->opt.hops6 = (int16_t)v;
		return ret;
	case IPV6_MULTICAST_HOPS:
		if (sk->type == SOCK_STREAM)
			return -ENOPROTOOPT;
		ret = ip6_range(val, len, -1, 255, &v);
		if (!ret)
			sk->opt.mc_hops6 = (int16_t)(v == -1 ? 1 : v);
		return ret;
	case IPV6_MULTICAST_LOOP:
		ret = ip6_range(val, len, 0, 1, &v);
		if (!ret)
			set_sof(sk, AE_SOF_MC6_LOOP, v);
		return ret;
	case IPV6_TCLASS:
		ret = ip6_range(val, len, -1, 255, &v);
		if (ret)
			return ret;
		v = v == -1 ? 0 : v;
		if (sk->type == SOCK_STREAM)
			v = (v & ~IPTOS_ECN_MASK_) |
			    (sk->opt.tclass6 & IPTOS_ECN_MASK_);
		sk->opt.tclass6 = (uint8_t)v;
		return 0;
	case IPV6_MTU_DISCOVER:
		ret = ip6_range(val, len, 0, PMTUDISC_MAX_, &v);
		if (!ret)
			sk->opt.pmtudisc6 = (uint8_t)v;
		return ret;
	default:
		return -ENOPROTOOPT;
	}
}

/**
 * ip6_get() - read an IPPROTO_IPV6 option of an AF_INET6 socket
 * @sk:		socket
 * @name:	option
 * @val:	buffer
 * @len:	in: its size; out: the bytes stored
 *
 * Return: 0, -EINVAL or -ENOPROTOOPT
 */
static int ip6_get(struct ae_sock *sk, int name, void *val, size_t *len)
{
	switch (name) {
	case IPV6_V6ONLY:
		return sockopt_put_int(val, len, sk->v6only);
	case IPV6_UNICAST_HOPS:
		return sockopt_put_int(val, len, sk->opt.hops6 < 0 ?
				       IPV6_HOPS_DEF_ : sk->opt.hops6);
	case IPV6_MULTICAST_HOPS:
		return sockopt_put_int(val, len, sk->opt.mc_hops6);
	case IPV6_MULTICAST_LOOP:
		return sockopt_put_int(val, len,
				       !!(sk->opt.flags & AE_SOF_MC6_LOOP));
	case IPV6_TCLASS:
		return sockopt_put_int(val, len, sk->opt.tclass6);
	case IPV6_MTU_DISCOVER:
		return sockopt_put_int(val, len, sk->opt.pmtudisc6);
	default:
		return -ENOPROTOOPT;
	}
}

/**
 * ae_setsockopt() - set a socket option
 * @sk:		socket
 * @level:	SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6 (AF_INET6 sockets only),
 *		IPPROTO_TCP or IPPROTO_UDP
 * @name:	option
 * @val:	value
 * @len:	its size
 *
 * Return: 0, -EINVAL, -ENOPROTOOPT
 */
int ae_setsockopt(struct ae_sock *sk, int level, int name, const void *val,
		  size_t len)
{
	int v;

	stack_now(sk->stack);
	switch (level) {
	case SOL_SOCKET:
		return sol_set(sk, name, val, len);
	case IPPROTO_IP:
		return ip_set(sk, name, val, len);
	case IPPROTO_IPV6:
		return ip6_set(sk, name, val, len);
	case IPPROTO_TCP:
		if (sk->type != SOCK_STREAM)
			return -ENOPROTOOPT;
		return tcp_usr_setsockopt(tcp_sk(sk), level, name, val, len);
	case IPPROTO_UDP:	/* udp_lib_setsockopt(): no option of ours */
		if (sk->type != SOCK_DGRAM)
			return -ENOPROTOOPT;
		return sockopt_get_int(val, len, &v) ? -EINVAL : -ENOPROTOOPT;
	default:
		return -ENOPROTOOPT;
	}
}

/**
 * ae_getsockopt() - read a socket option
 * @sk:		socket
 * @level:	SOL_SOCKET, IPPROTO_IP, IPPROTO_IPV6 (AF_INET6 sockets only),
 *		IPPROTO_TCP or IPPROTO_UDP
 * @name:	option
 * @val:	buffer
 * @len:	in: its size; out: the bytes stored (truncated, as Linux)
 *
 * A level that is neither SOL_SOCKET, IP, IPv6 nor the socket's protocol
 * is EOPNOTSUPP, as ip_getsockopt() answers (TCP_INFO on a UDP socket).
 *
 * Return: 0, -EINVAL, -ENOTCONN, -EOPNOTSUPP, -ENOPROTOOPT
 */
int ae_getsockopt(struct ae_sock *sk, int level, int name, void *val,
		  size_t *len)
{
	stack_now(sk->stack);
	switch (level) {
	case SOL_SOCKET:
		return sol_get(sk, name, val, len);
	case IPPROTO_IP:
		return ip_get(sk, name, val, len);
	case IPPROTO_IPV6:
		return ip6_get(sk, name, val, len);
	case IPPROTO_TCP:
		if (sk->type != SOCK_STREAM)
			return -EOPNOTSUPP;
		return tcp_usr_getsockopt(tcp_sk(sk), level, name, val, len);
	case IPPROTO_UDP:
		return sk->type == SOCK_DGRAM ? -ENOPROTOOPT : -EOPNOTSUPP;
	default:
		return -EOPNOTSUPP;
	}
}
