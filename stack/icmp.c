// SPDX-License-Identifier: MIT
/**
 * DOC: icmp.c - ICMP (RFC 792, RFC 1122 section 3.2.2)
 *
 * Theory of operation: icmp_input() verifies the checksum over the whole
 * message, answers echo requests of any size (the IP layer reassembles big
 * requests and fragments the reply) and passes errors about our own
 * datagrams to the transport that sent them: tcp_icmp_error() for TCP,
 * udp_icmp_error() for UDP. What an error means is Linux's
 * icmp_err_convert[] (icmp_err_convert() here): an errno, and whether it is
 * "fatal" (hard). A neighbour that never answers ARP is reported the same
 * way, as Linux's arp_error_report() does by sending itself a host
 * unreachable: icmp_local_error() with each datagram ARP had to drop.
 *
 * The echo reply is the request with type 0: its header is rebuilt in a
 * small buffer, the checksum fixed by RFC 1624 incremental update, and the
 * data is sent straight from the received frame.
 *
 * icmp_send_unreach() follows RFC 1122 3.2.2: never about an ICMP error, a
 * broadcast or multicast datagram, a non-initial fragment, or a source that
 * does not name a single host. Errors are rate limited by a token bucket like
 * Linux's icmp_msgs_per_sec / icmp_msgs_burst (1000/s, burst 50); echo
 * replies are not limited.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "stack.h"

#define ICMP_QUOTE		8	/* bytes of the offending payload */
#define ICMP_RATE_PER_SEC	1000
#define ICMP_BURST		50

/**
 * struct ae_icmp - module state
 * @tokens:	error messages we may send now
 * @refill:	last time tokens were added
 */
struct ae_icmp {
	uint32_t tokens;
	uint64_t refill;
};

/**
 * icmp_init() - allocate module state with a full bucket
 * @s:		stack
 *
 * Return: 0 or -ENOMEM
 */
int icmp_init(struct ae_stack *s)
{
	struct ae_icmp *c = stack_mem_alloc(s, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->tokens = ICMP_BURST;
	c->refill = s->now;
	s->icmp = c;
	return 0;
}

/**
 * icmp_fini() - free module state
 * @s:		stack
 */
void icmp_fini(struct ae_stack *s)
{
	stack_mem_free(s, s->icmp, sizeof(*s->icmp));
	s->icmp = NULL;
}

/**
 * icmp_ratelimit() - take a token for one error message
 * @s:		stack
 *
 * Return: true if the message may be sent
 */
static bool icmp_ratelimit(struct ae_stack *s)
{
	struct ae_icmp *c = s->icmp;
	uint64_t per = NS_PER_SEC / ICMP_RATE_PER_SEC;
	uint64_t n = (s->now - c->refill) / per;

	if (n) {
		c->tokens = n >= ICMP_BURST ? ICMP_BURST :
			    (uint32_t)(c->tokens + n > ICMP_BURST ?
				       ICMP_BURST : c->tokens + n);
		c->refill += n * per;
	}
	if (!c->tokens) {
		STAT_INC(s, icmp, out_rate_limited);
		return false;
	}
	c->tokens--;
	return true;
}

/**
 * icmp_echo() - answer an echo request
 * @s:		stack
 * @ip:		the request's IP information
 * @p:		the whole ICMP message (checksum verified)
 */
static void icmp_echo(struct ae_stack *s, const struct ae_ipinfo *ip,
		      const struct ae_pkt *p)
{
	const uint8_t *h = pkt_get(p, 0, ICMP_HLEN);
	uint8_t r[ICMP_HLEN];
	struct iovec v[2];

	/* Like Linux's icmp_echo_ignore_broadcasts = 1 (smurf defence). */
	if (!stack_is_local(s, ip->dst)) {
		STAT_INC(s, icmp, in_bcast_ignored);
		return;
	}
	if (!ip->src) {		/* no one to answer (RFC 1122 3.2.2.6) */
		STAT_INC(s, icmp, in_errors);
		return;
	}
	memcpy(r, h, ICMP_HLEN);
	r[ICMP_F_TYPE] = ICMP_ECHOREPLY_;
	/* the type and code word changed: update the checksum (RFC 1624) */
	st16(r + ICMP_F_CSUM, csum_update16(ld16(h + ICMP_F_CSUM),
					    ld16(h + ICMP_F_TYPE),
					    ld16(r + ICMP_F_TYPE)));
	v[0].iov_base = r;
	v[0].iov_len = ICMP_HLEN;
	v[1].iov_base = (void *)(p->data + ICMP_HLEN);
	v[1].iov_len = p->len - ICMP_HLEN;
	if (ipv4_output(s, ip->dst, ip->src, IPPROTO_ICMP, ip->tos, v, 2))
		return;
	STAT_INC(s, icmp, out_msgs);
	STAT_INC(s, icmp, out_echo_reps);
}

/*
 * Linux's icmp_err_convert[]: the errno of each destination unreachable
 * code, and whether it is hard (fatal): a connected UDP socket and a TCP
 * connection in SYN-SENT hear of hard ones at once; TCP keeps soft ones
 * for when it times out.
 */
static const struct {
	uint8_t err;
	bool fatal;
} icmp_unreach_err[] = {
	{ ENETUNREACH, false },		/* 0 net unreachable */
	{ EHOSTUNREACH, false },	/* 1 host unreachable */
	{ ENOPROTOOPT, true },		/* 2 protocol unreachable */
	{ ECONNREFUSED, true },		/* 3 port unreachable */
	{ EMSGSIZE, false },		/* 4 fragmentation needed */
	{ EOPNOTSUPP, false },		/* 5 source route failed */
	{ ENETUNREACH, true },		/* 6 net unknown */
	{ EHOSTDOWN, true },		/* 7 host unknown */
	{ ENONET, true },		/* 8 host isolated */
	{ ENETUNREACH, true },		/* 9 net prohibited */
	{ EHOSTUNREACH, true },		/* 10 host prohibited */
	{ ENETUNREACH, false },		/* 11 net unreachable for TOS */
	{ EHOSTUNREACH, false },	/* 12 host unreachable for TOS */
	{ EHOSTUNREACH, true },		/* 13 communication prohibited */
	{ EHOSTUNREACH, true },		/* 14 precedence violation */
	{ EHOSTUNREACH, true },		/* 15 precedence cutoff */
};

/**
 * icmp_err_convert() - the errno an ICMP error stands for, as Linux maps it
 * @type:	ICMP type
 * @code:	ICMP code
 * @fatal:	set: a hard error (see icmp_unreach_err[])
 *
 * Return: positive errno, or 0 for messages that report nothing (source
 * quench, redirect, unknown codes)
 */
int icmp_err_convert(uint8_t type, uint8_t code, bool *fatal)
{
	*fatal = false;
	switch (type) {
	case ICMP_DEST_UNREACH_:
		if (code >= sizeof(icmp_unreach_err) / sizeof(icmp_unreach_err[0]))
			return 0;
		*fatal = icmp_unreach_err[code].fatal;
		return icmp_unreach_err[code].err;
	case ICMP_TIME_EXCEEDED_:
		return EHOSTUNREACH;
	case ICMP_PARAMETERPROB_:
		*fatal = true;
		return EPROTO;
	default:
		return 0;
	}
}

/**
 * icmp_dispatch() - hand an error about our datagram to its transport
 * @s:		stack
 * @type:	ICMP type
 * @code:	ICMP code
 * @mtu:	next-hop MTU of a fragmentation needed, else 0
 * @inner:	our datagram as quoted: IP header and at least 8 bytes
 */
static void icmp_dispatch(struct ae_stack *s, uint8_t type, uint8_t code,
			  uint16_t mtu, const struct ae_pkt *inner)
{
	const uint8_t *ih = pkt_get(inner, 0, IP_HLEN);

	if (!ih)
		return;
	switch (ih[IP_F_PROTO]) {
	case IPPROTO_TCP:
		tcp_icmp_error(s, type, code, mtu, inner);
		break;
	case IPPROTO_UDP:
		udp_icmp_error(s, type, code, inner);
		break;
	default:
		break;
	}
}

/**
 * icmp_local_error() - report an error about a datagram of ours that never
 * left (its next hop did not answer ARP), as if an ICMP error had come back
 * @s:		stack
 * @type:	ICMP type
 * @code:	ICMP code
 * @dgram:	the datagram, IP header first
 */
void icmp_local_error(struct ae_stack *s, uint8_t type, uint8_t code,
		      const struct ae_pkt *dgram)
{
	const uint8_t *ih = pkt_get(dgram, 0, IP_HLEN);

	if (!ih || ip_hdr_len(ih) < IP_HLEN ||
	    !pkt_get(dgram, 0, ip_hdr_len(ih) + 8))
		return;
	STAT_INC(s, icmp, local_errors);
	icmp_dispatch(s, type, code, 0, dgram);
}

/**
 * icmp_error_input() - pass an ICMP error to the transport it concerns
 * @s:		stack
 * @type:	ICMP type
 * @code:	ICMP code
 * @p:		the whole ICMP message
 */
static void icmp_error_input(struct ae_stack *s, uint8_t type, uint8_t code,
			     const struct ae_pkt *p)
{
	const uint8_t *h = pkt_get(p, 0, ICMP_HLEN + IP_HLEN), *ih;
	struct ae_pkt inner;
	uint32_t src;
	size_t hl;
	uint16_t mtu;

	ih = h ? h + ICMP_HLEN : NULL;	/* the quoted IP header */
	if (!ih || ip_version(ih) != 4 || (hl = ip_hdr_len(ih)) < IP_HLEN ||
	    pkt_sub(p, ICMP_HLEN, p->len - ICMP_HLEN, &inner) ||
	    !pkt_get(&inner, 0, hl + 8)) {
		STAT_INC(s, icmp, in_errors);
		return;
	}
	memcpy(&src, ih + IP_F_SRC, 4);
	if (!stack_is_local(s, src)) {	/* not about a datagram of ours */
		STAT_INC(s, icmp, in_errors);
		return;
	}
	mtu = (type == ICMP_DEST_UNREACH_ && code == ICMP_FRAG_NEEDED_) ?
	      ld16(h + ICMP_F_MTU) : 0;
	icmp_dispatch(s, type, code, mtu, &inner);
}

/**
 * icmp_input() - receive an ICMP message
 * @s:		stack
 * @ip:		IP information
 * @p:		the ICMP message (IP payload)
 */
void icmp_input(struct ae_stack *s, const struct ae_ipinfo *ip,
		const struct ae_pkt *p)
{
	const uint8_t *h = pkt_get(p, 0, ICMP_HLEN);

	STAT_INC(s, icmp, in_msgs);
	if (!h) {
		STAT_INC(s, icmp, in_errors);
		return;
	}
	if (csum(p->data, p->len)) {
		STAT_INC(s, icmp, in_csum_errors);
		return;
	}
	switch (h[ICMP_F_TYPE]) {
	case ICMP_ECHO_:
		STAT_INC(s, icmp, in_echos);
		icmp_echo(s, ip, p);
		break;
	case ICMP_DEST_UNREACH_:
		STAT_INC(s, icmp, in_dest_unreachs);
		icmp_error_input(s, h[ICMP_F_TYPE], h[ICMP_F_CODE], p);
		break;
	case ICMP_SOURCE_QUENCH_:
	case ICMP_TIME_EXCEEDED_:
	case ICMP_PARAMETERPROB_:
		STAT_INC(s, icmp, in_other);
		icmp_error_input(s, h[ICMP_F_TYPE], h[ICMP_F_CODE], p);
		break;
	default:	/* echo replies (no ping sockets), redirects, ... */
		STAT_INC(s, icmp, in_other);
		break;
	}
}

/**
 * icmp_is_error() - is an ICMP message an error message?
 * @type:	its type
 *
 * Return: true for types that must never trigger another error
 */
static bool icmp_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH_ || type == ICMP_SOURCE_QUENCH_ ||
	       type == ICMP_REDIRECT_ || type == ICMP_TIME_EXCEEDED_ ||
	       type == ICMP_PARAMETERPROB_;
}

/**
 * icmp_may_answer() - RFC 1122 3.2.2 conditions for sending an error
 * @s:		stack
 * @ip:		the offending datagram
 * @payload:	its payload
 *
 * Return: true if an error may be sent about it
 */
static bool icmp_may_answer(const struct ae_stack *s,
			    const struct ae_ipinfo *ip,
			    const struct ae_pkt *payload)
{
	const uint8_t *t;
	uint32_t h = ntohl(ip->src);

	if (!stack_is_local(s, ip->dst))	/* broadcast, multicast */
		return false;
	/*
	 * A 127/8 source is answered: ipv4_input() drops such datagrams from
	 * the wire, so this one came through the loopback queue (like Linux,
	 * a UDP send to a closed local port gets its port unreachable).
	 */
	if (!ip->src || ipv4_is_bcast(s, ip->src) || (h >> 28) == 14)
		return false;
	if (!ip->hdr || ip->hdr_len < IP_HLEN ||
	    (ld16(ip->hdr + IP_F_FRAG) & IP_OFFMASK))
		return false;	/* not the first fragment */
	if (ip->proto == IPPROTO_ICMP) {
		t = pkt_get(payload, 0, 1);
		if (!t || icmp_is_error(t[ICMP_F_TYPE]))
			return false;
	}
	return true;
}

/**
 * icmp_send_error() - send an ICMP error about a received datagram
 * @s:		stack
 * @type:	3 (destination unreachable), 11 (time exceeded), ...
 * @code:	its code
 * @info:	the second header word (e.g. next-hop MTU for code 4), host order
 * @ip:		the offending datagram's IP information (with its header)
 * @payload:	its payload; the first 8 bytes are quoted
 *
 * Subject to the RFC 1122 3.2.2 rules and the rate limit.
 */
void icmp_send_error(struct ae_stack *s, uint8_t type, uint8_t code,
		     uint32_t info, const struct ae_ipinfo *ip,
		     const struct ae_pkt *payload)
{
	uint8_t h[ICMP_HLEN];
	struct iovec v[3];
	size_t q = payload->len < ICMP_QUOTE ? payload->len : ICMP_QUOTE;

	if (!icmp_may_answer(s, ip, payload) || !icmp_ratelimit(s))
		return;
	h[ICMP_F_TYPE] = type;
	h[ICMP_F_CODE] = code;
	st16(h + ICMP_F_CSUM, 0);
	st32(h + ICMP_F_INFO, info);
	v[0].iov_base = h;
	v[0].iov_len = ICMP_HLEN;
	v[1].iov_base = (void *)ip->hdr;
	v[1].iov_len = ip->hdr_len;
	v[2].iov_base = (void *)payload->data;
	v[2].iov_len = q;
	st16(h + ICMP_F_CSUM, csum_fold(csum_iov(v, 3, 0)));
	if (ipv4_output(s, ip->dst, ip->src, IPPROTO_ICMP, 0, v, 3))
		return;
	STAT_INC(s, icmp, out_msgs);
	if (type == ICMP_DEST_UNREACH_)
		STAT_INC(s, icmp, out_dest_unreachs);
	else
		STAT_INC(s, icmp, out_other);
}

/**
 * icmp_send_unreach() - send destination unreachable about a datagram
 * @s:		stack
 * @code:	e.g. 3 (port unreachable), 2 (protocol unreachable)
 * @ip:		the offending datagram's IP information (with its header)
 * @payload:	its payload; the first 8 bytes are quoted
 */
void icmp_send_unreach(struct ae_stack *s, uint8_t code,
		       const struct ae_ipinfo *ip, const struct ae_pkt *payload)
{
	icmp_send_error(s, ICMP_DEST_UNREACH_, code, 0, ip, payload);
}
