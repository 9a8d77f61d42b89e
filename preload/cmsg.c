// SPDX-License-Identifier: MIT
/**
 * DOC: cmsg.c - ancillary data of UDP datagrams: TTL/hop limit and TOS/
 * traffic class, received (IP_RECVTTL, IP_RECVTOS, IPV6_RECVHOPLIMIT,
 * IPV6_RECVTCLASS) and sent (IP_TTL, IP_TOS, IPV6_HOPLIMIT, IPV6_TCLASS
 * control messages given to sendmsg())
 *
 * Theory of operation: Aether is an IPv4 stack, and ::1 is carried as
 * PS_LOOP6_V4 (see addr.c). A datagram's TTL and TOS travel in its IPv4
 * header; the daemon's RECVFROM answer reports them (struct ae_ipc_dgram),
 * and a SENDTO may set them for one datagram. On an AF_INET6 socket a
 * datagram to or from ::1 is an IPv6 one: its hop limit is the TTL field and
 * its traffic class the TOS byte, as Linux's IPv6 socket would see them.
 * Other datagrams on that socket are v4-mapped IPv4 ones.
 *
 * Which control messages a socket receives is the shim's to know, like
 * IPV6_V6ONLY (the daemon does not know IPv6 options). The rules follow
 * Linux:
 *
 * - receive (udp_recvmsg/udpv6_recvmsg): an IPv4 datagram gets IP_TTL (an
 *   int) then IP_TOS (one byte), each when its IP_RECV* option is set, on
 *   AF_INET and AF_INET6 sockets alike; an IPv6 datagram gets IPV6_HOPLIMIT
 *   then IPV6_TCLASS (ints), and no IPv4 ones. Each is written by put_cmsg():
 *   with no room for a cmsghdr nothing is written and MSG_CTRUNC is set; a
 *   message that does not fit whole is cut to the room left (cmsg_len says
 *   so) and MSG_CTRUNC is set; the space used advances by CMSG_SPACE() or
 *   what is left, and msg_controllen comes back as the bytes used.
 * - send (ip_cmsg_send/ip6_datagram_send_ctl): every message must satisfy
 *   CMSG_OK (else EINVAL). To an IPv4 destination only SOL_IP ones count:
 *   IP_TTL (an int, 1..255), IP_TOS (an int or one byte, 0..255),
 *   IP_PKTINFO/IP_RETOPTS (accepted, no effect here), anything else EINVAL.
 *   To an IPv6 destination only SOL_IPV6 ones count: IPV6_HOPLIMIT and
 *   IPV6_TCLASS (exactly an int, -1..255; hop limit -1 is the default, a
 *   traffic class of -1 goes out as 255, as Linux's u8 cork keeps it), the other
 *   RFC 3542 types accepted without effect, anything else EINVAL. Other
 *   levels are ignored, as Linux ignores SCM_RIGHTS there.
 *
 * Limit: a hop limit of 0 is sent as the default 64 (an IPv4 TTL of 0 is
 * the stack's "default"); IP_PKTINFO/IPV6_RECVPKTINFO are not produced.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "client.h"
#include "shim.h"

#ifndef IPV6_FLOWINFO
#define IPV6_FLOWINFO	11	/* linux/in6.h; glibc's netinet/in.h lacks it */
#endif

/**
 * ps_cmsg_want_bit() - the PS_RX_* bit a receive option stands for
 * @level:	IPPROTO_IP or IPPROTO_IPV6
 * @name:	option
 *
 * Return: the bit, or 0 if @level/@name is no such option
 */
unsigned int ps_cmsg_want_bit(int level, int name)
{
	if (level == IPPROTO_IP && name == IP_RECVTTL)
		return PS_RX_TTL;
	if (level == IPPROTO_IP && name == IP_RECVTOS)
		return PS_RX_TOS;
	if (level == IPPROTO_IPV6 && name == IPV6_RECVHOPLIMIT)
		return PS_RX_HOPLIMIT6;
	if (level == IPPROTO_IPV6 && name == IPV6_RECVTCLASS)
		return PS_RX_TCLASS6;
	return 0;
}

/**
 * ps_cmsg_setopt() - set a receive option (a boolean)
 * @ps:		socket
 * @bit:	its ps_cmsg_want_bit()
 * @v6:		an IPPROTO_IPV6 option: less than an int is EINVAL; IPv4
 *		ones take a single byte too (do_ip_setsockopt)
 * @val:	value
 * @len:	its size
 *
 * Return: 0 or a positive errno
 */
int ps_cmsg_setopt(struct ps_sock *ps, unsigned int bit, bool v6,
		   const void *val, socklen_t len)
{
	int v = 0;

	if (v6 && len < sizeof(int))
		return EINVAL;
	if (len && !val && !v6)
		return EFAULT;
	if (len >= sizeof(int) && val)
		memcpy(&v, val, sizeof(v));
	else if (len && val)
		v = *(const unsigned char *)val;
	if (v)
		atomic_fetch_or(&ps->rx_cmsg, bit);
	else
		atomic_fetch_and(&ps->rx_cmsg, ~bit);
	return 0;
}

/**
 * ps_is_v6_dgram() - is a datagram with this peer an IPv6 one
 * @ps:		socket
 * @peer:	the other end, as Aether's IPv4 address
 *
 * Return: true on an AF_INET6 socket for ::1
 */
static bool ps_is_v6_dgram(const struct ps_sock *ps,
			   const struct sockaddr_in *peer)
{
	return ps->domain == AF_INET6 && peer &&
	       peer->sin_addr.s_addr == PS_LOOP6_V4;
}

/**
 * put_cmsg() - append one control message as Linux's put_cmsg() does
 * @msg:	program's message; msg_control/msg_controllen are the room
 *		left and advance
 * @level:	cmsg_level
 * @type:	cmsg_type
 * @data:	payload
 * @len:	its size
 */
static void put_cmsg(struct msghdr *msg, int level, int type,
		     const void *data, size_t len)
{
	struct cmsghdr h;
	size_t cmlen = CMSG_LEN(len);

	if (!msg->msg_control || msg->msg_controllen < sizeof(h)) {
		msg->msg_flags |= MSG_CTRUNC;
		return;
	}
	if (msg->msg_controllen < cmlen) {
		msg->msg_flags |= MSG_CTRUNC;
		cmlen = msg->msg_controllen;
	}
	h.cmsg_level = level;
	h.cmsg_type = type;
	h.cmsg_len = cmlen;
	memcpy(msg->msg_control, &h, sizeof(h));
	memcpy((char *)msg->msg_control + CMSG_LEN(0), data,
	       cmlen - CMSG_LEN(0));
	cmlen = CMSG_SPACE(len);
	if (msg->msg_controllen < cmlen)
		cmlen = msg->msg_controllen;
	msg->msg_control = (char *)msg->msg_control + cmlen;
	msg->msg_controllen -= cmlen;
}

/**
 * ps_cmsg_recv() - fill msg_control for a received datagram
 * @ps:		socket
 * @msg:	program's message (msg_flags already set by the receive)
 * @from:	the datagram's source
 * @dg:		its IP fields from the daemon
 *
 * msg_controllen comes back as the bytes written (0 for a TCP socket or
 * when nothing is asked for), msg_control unchanged.
 */
void ps_cmsg_recv(struct ps_sock *ps, struct msghdr *msg,
		  const struct sockaddr_in *from, const struct aec_dginfo *dg)
{
	unsigned int want = atomic_load(&ps->rx_cmsg);
	void *start = msg->msg_control;
	size_t room = msg->msg_controllen;
	unsigned char tos = dg->tos;
	int v;

	if (ps->type != SOCK_DGRAM || !want ||
	    (dg->set & (AE_IPC_DG_TTL | AE_IPC_DG_TOS)) !=
	    (AE_IPC_DG_TTL | AE_IPC_DG_TOS)) {
		msg->msg_controllen = 0;
		return;
	}
	if (ps_is_v6_dgram(ps, from)) {
		v = dg->ttl;
		if (want & PS_RX_HOPLIMIT6)
			put_cmsg(msg, IPPROTO_IPV6, IPV6_HOPLIMIT, &v, sizeof(v));
		v = dg->tos;
		if (want & PS_RX_TCLASS6)
			put_cmsg(msg, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v));
	} else {
		v = dg->ttl;
		if (want & PS_RX_TTL)
			put_cmsg(msg, IPPROTO_IP, IP_TTL, &v, sizeof(v));
		if (want & PS_RX_TOS)
			put_cmsg(msg, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	}
	msg->msg_controllen = room - msg->msg_controllen;
	msg->msg_control = start;
}

/**
 * cmsg_int() - the int payload of a control message that must be one int
 * @c:		message
 * @v:		out: value
 *
 * Return: 0 or EINVAL when cmsg_len is not CMSG_LEN(sizeof(int))
 */
static int cmsg_int(const struct cmsghdr *c, int *v)
{
	if (c->cmsg_len != CMSG_LEN(sizeof(int)))
		return EINVAL;
	memcpy(v, CMSG_DATA(c), sizeof(*v));
	return 0;
}

/**
 * send_ip() - one SOL_IP control message for an IPv4 datagram
 * @c:		message
 * @dg:		fields to fill
 *
 * Return: 0 or EINVAL
 */
static int send_ip(const struct cmsghdr *c, struct aec_dginfo *dg)
{
	int v;

	switch (c->cmsg_type) {
	case IP_TTL:
		if (cmsg_int(c, &v) || v < 1 || v > 255)
			return EINVAL;
		dg->ttl = (uint8_t)v;
		dg->set |= AE_IPC_DG_TTL;
		return 0;
	case IP_TOS:
		if (c->cmsg_len == CMSG_LEN(1))
			v = *(const unsigned char *)CMSG_DATA(c);
		else if (cmsg_int(c, &v))
			return EINVAL;
		if (v < 0 || v > 255)
			return EINVAL;
		dg->tos = (uint8_t)v;
		dg->set |= AE_IPC_DG_TOS;
		return 0;
	case IP_PKTINFO:
		return c->cmsg_len == CMSG_LEN(sizeof(struct in_pktinfo)) ?
		       0 : EINVAL;
	case IP_RETOPTS:
		return 0;
	}
	return EINVAL;
}

/**
 * send_ipv6() - one SOL_IPV6 control message for an IPv6 datagram
 * @c:		message
 * @dg:		fields to fill
 *
 * Return: 0 or EINVAL
 */
static int send_ipv6(const struct cmsghdr *c, struct aec_dginfo *dg)
{
	int v;

	switch (c->cmsg_type) {
	case IPV6_HOPLIMIT:
	case IPV6_2292HOPLIMIT:
	case IPV6_TCLASS:
		if (cmsg_int(c, &v) || v < -1 || v > 255)
			return EINVAL;
		if (c->cmsg_type == IPV6_TCLASS) {
			/* -1 replaces the socket's value in the cork, whose
			 * u8 tclass keeps 255 (seen on Linux 6.x) */
			dg->tos = (uint8_t)v;
			dg->set |= AE_IPC_DG_TOS;
		} else if (v != -1) {	/* -1: the route's default */
			dg->ttl = (uint8_t)v;
			dg->set |= AE_IPC_DG_TTL;
		}
		return 0;
	case IPV6_PKTINFO: case IPV6_2292PKTINFO: case IPV6_FLOWINFO:
	case IPV6_HOPOPTS: case IPV6_2292HOPOPTS: case IPV6_DSTOPTS:
	case IPV6_2292DSTOPTS: case IPV6_RTHDRDSTOPTS: case IPV6_RTHDR:
	case IPV6_2292RTHDR: case IPV6_DONTFRAG:
		return 0;	/* meaningless on ::1 over Aether */
	}
	return EINVAL;
}

/**
 * ps_cmsg_send() - read sendmsg()'s control messages for a UDP datagram
 * @ps:		socket
 * @msg:	program's message
 * @to:		destination as Aether's IPv4 address, NULL for the peer
 * @dg:		out: fields for this datagram (set == 0: none)
 *
 * Return: 0 or a positive errno (EINVAL)
 */
int ps_cmsg_send(struct ps_sock *ps, const struct msghdr *msg,
		 const struct sockaddr_in *to, struct aec_dginfo *dg)
{
	const char *base = msg->msg_control;
	struct sockaddr_in peer;
	struct cmsghdr c;
	size_t off = 0;
	bool v6;
	int r;

	memset(dg, 0, sizeof(*dg));
	if (ps->type != SOCK_DGRAM || !base)
		return 0;
	if (!to && ps->domain == AF_INET6 &&
	    !aec_getpeername(ps->aec, &peer))
		to = &peer;
	v6 = ps_is_v6_dgram(ps, to);
	while (off + sizeof(c) <= msg->msg_controllen) {
		memcpy(&c, base + off, sizeof(c));
		if (c.cmsg_len < sizeof(c) ||
		    c.cmsg_len > msg->msg_controllen - off)
			return EINVAL;	/* !CMSG_OK */
		r = 0;
		if (v6 && c.cmsg_level == IPPROTO_IPV6)
			r = send_ipv6((const struct cmsghdr *)(base + off), dg);
		else if (!v6 && c.cmsg_level == IPPROTO_IP)
			r = send_ip((const struct cmsghdr *)(base + off), dg);
		if (r)
			return r;
		off += CMSG_ALIGN(c.cmsg_len);
	}
	return 0;
}
