// SPDX-License-Identifier: MIT
/**
 * DOC: udp.c - UDP (RFC 768) and its sockets
 *
 * Theory of operation, input: udp_input() checks the header (length field
 * against the IP payload, which may be longer: the excess is ignored, as
 * Linux does; checksum unless zero, which means none in IPv4), finds the
 * socket(s) and copies the payload into each socket's receive queue. A
 * unicast datagram goes to the most specific match (connected, then bound to
 * our address, then wildcard); a broadcast or multicast one to every match.
 * No socket: no_ports, and a port unreachable for unicast.
 *
 * Each socket owns a receive queue of UDP_RCVBUF bytes (Linux's default
 * rmem, 212992), allocated once at socket creation. Datagrams sit in it as
 * records (struct udp_rec + payload, 8-byte aligned) that never wrap: when a
 * record does not fit at the end, the writer goes back to offset 0 and
 * remembers where the data ended (@wrap). A datagram that does not fit is
 * dropped (rcvbuf_errors), and so is one arriving while the queue holds
 * more than a smaller SO_RCVBUF allows (udp_over_rcvbuf()).
 *
 * Sockets are found through UDP_HASH buckets by local port. Binding to port 0
 * picks an ephemeral port from 32768-60999 starting at a random offset.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "stack.h"
#include "udp_int.h"

/**
 * udp_sk() - the UDP socket around a common socket
 * @sk:		common part
 *
 * Return: the containing &struct udp_sock
 */
static struct udp_sock *udp_sk(const struct ae_sock *sk)
{
	return (struct udp_sock *)sk;
}

/**
 * udp_bucket() - the hash bucket of a local port
 * @s:		stack
 * @port:	network order
 *
 * Return: the bucket
 */
struct udp_list *udp_bucket(struct ae_stack *s, uint16_t port)
{
	return &s->udp->hash[ntohs(port) % UDP_HASH];
}

/**
 * udp_init() - allocate module state
 * @s:		stack
 *
 * Return: 0 or -ENOMEM
 */
int udp_init(struct ae_stack *s)
{
	struct ae_udp *u = stack_mem_alloc(s, sizeof(*u));
	int i;

	if (!u)
		return -ENOMEM;
	for (i = 0; i < UDP_HASH; i++)
		LIST_INIT(&u->hash[i]);
	LIST_INIT(&u->all);
	s->udp = u;
	return 0;
}

/**
 * udp_free() - release a socket's memory and unlink it everywhere
 * @us:		socket
 */
static void udp_free(struct udp_sock *us)
{
	struct ae_stack *s = us->sk.stack;

	if (us->bound)
		LIST_REMOVE(us, hash);
	LIST_REMOVE(us, all);
	sock_unlink(&us->sk);
	stack_mem_free(s, us->buf, UDP_RCVBUF);
	stack_mem_free(s, us, sizeof(*us));
}

/**
 * udp_fini() - free every UDP socket (no callbacks) and the module state
 * @s:		stack
 */
void udp_fini(struct ae_stack *s)
{
	if (!s->udp)
		return;
	while (!LIST_EMPTY(&s->udp->all))
		udp_free(LIST_FIRST(&s->udp->all));
	stack_mem_free(s, s->udp, sizeof(*s->udp));
	s->udp = NULL;
}

/**
 * udp_socket() - create a UDP socket
 * @s:		stack
 * @err:	set to a negative errno on failure
 *
 * Return: the socket or NULL (-EMFILE over max_sockets, -ENOMEM)
 */
struct ae_sock *udp_socket(struct ae_stack *s, int *err)
{
	struct udp_sock *us;

	if (s->nsockets >= s->cfg.max_sockets) {
		*err = -EMFILE;
		return NULL;
	}
	us = stack_mem_alloc(s, sizeof(*us));
	if (!us) {
		*err = -ENOMEM;
		return NULL;
	}
	us->buf = stack_mem_alloc(s, UDP_RCVBUF);
	if (!us->buf) {
		stack_mem_free(s, us, sizeof(*us));
		*err = -ENOMEM;
		return NULL;
	}
	sock_link(s, &us->sk, SOCK_DGRAM);
	LIST_INSERT_HEAD(&s->udp->all, us, all);
	*err = 0;
	return &us->sk;
}

/**
 * udp_conflict() - would binding @us to @addr:@port clash with a socket?
 * @s:		stack
 * @us:		socket being bound
 * @addr:	local address (0 = wildcard)
 * @port:	local port, network order
 *
 * Two sockets may share a port when their addresses differ and neither is
 * the wildcard, or when both set SO_REUSEADDR (UDP's rule in Linux) or both
 * set SO_REUSEPORT, or when one is IPV6_V6ONLY and the other AF_INET.
 *
 * Return: true on conflict
 */
static bool udp_conflict(struct ae_stack *s, const struct udp_sock *us,
			 uint32_t addr, uint16_t port)
{
	struct udp_sock *o;

	LIST_FOREACH(o, udp_bucket(s, port), hash) {
		if (o == us || o->sk.lport != port)
			continue;
		if (o->sk.laddr && addr && o->sk.laddr != addr)
			continue;
		if (!sock_family_overlap(&o->sk, &us->sk))
			continue;
		if (o->sk.reuseaddr && us->sk.reuseaddr)
			continue;
		if (o->sk.reuseport && us->sk.reuseport)
			continue;
		return true;
	}
	return false;
}

/**
 * udp_port_used() - is any socket bound to @port?
 * @s:		stack
 * @port:	network order
 *
 * Return: true if so
 */
bool udp_port_used(struct ae_stack *s, uint16_t port)
{
	struct udp_sock *o;

	LIST_FOREACH(o, udp_bucket(s, port), hash) {
		if (o->sk.lport == port)
			return true;
	}
	return false;
}

/**
 * udp_ephemeral() - a free port from the ephemeral range
 * @s:		stack
 *
 * Return: port (network order) or 0 when the range is exhausted
 */
static uint16_t udp_ephemeral(struct ae_stack *s)
{
	uint32_t n = UDP_EPH_HIGH - UDP_EPH_LOW + 1;
	uint32_t start = stack_random(s) % n, i;
	uint16_t port;

	for (i = 0; i < n; i++) {
		port = htons((uint16_t)(UDP_EPH_LOW + (start + i) % n));
		if (!udp_port_used(s, port))
			return port;
	}
	return 0;
}

/**
 * udp_bind() - give a socket its local address and port
 * @sk:		socket
 * @addr:	our address, broadcast, multicast, or 0 (network order)
 * @port:	network order; 0 picks an ephemeral port
 *
 * Return: 0, -EINVAL (already bound), -EADDRNOTAVAIL, -EADDRINUSE
 */
int udp_bind(struct ae_sock *sk, uint32_t addr, uint16_t port)
{
	struct udp_sock *us = udp_sk(sk);
	struct ae_stack *s = sk->stack;
	uint32_t h = ntohl(addr);

	if (us->bound)
		return -EINVAL;
	if (addr && !stack_is_local(s, addr) && h != 0xffffffff &&
	    (h >> 28) != 14)
		return -EADDRNOTAVAIL;
	if (!port) {
		port = udp_ephemeral(s);
		if (!port)
			return -EADDRINUSE;
	} else if (udp_conflict(s, us, addr, port)) {
		return -EADDRINUSE;
	}
	sk->laddr = addr;
	sk->lport = port;
	us->bound = true;
	LIST_INSERT_HEAD(udp_bucket(s, port), us, hash);
	return 0;
}

/**
 * udp_bcast_denied() - a broadcast destination without SO_BROADCAST?
 * @sk:		socket
 * @daddr:	destination, network order
 *
 * Linux answers EACCES to connect() and sendmsg() when the route is a
 * broadcast one and the socket has not set SO_BROADCAST.
 *
 * Return: true to refuse with -EACCES
 */
static bool udp_bcast_denied(const struct ae_sock *sk, uint32_t daddr)
{
	return !(sk->opt.flags & AE_SOF_BROADCAST) &&
	       ipv4_is_bcast(sk->stack, daddr);
}

/**
 * udp_connect() - set (or with 0:0 dissolve) the default peer
 * @sk:		socket
 * @addr:	peer address, network order
 * @port:	peer port, network order
 *
 * Like Linux, an unbound socket gets an ephemeral port, and a wildcard local
 * address becomes the source address for the peer; a broadcast peer needs
 * SO_BROADCAST (-EACCES).
 *
 * Return: 0 or negative errno
 */
int udp_connect(struct ae_sock *sk, uint32_t addr, uint16_t port)
{
	struct udp_sock *us = udp_sk(sk);
	int rc;

	if (!addr && !port) {	/* AF_UNSPEC: disconnect */
		sk->raddr = 0;
		sk->rport = 0;
		return 0;
	}
	if (!addr || !port)
		return -EINVAL;
	if (udp_bcast_denied(sk, addr))
		return -EACCES;
	if (!us->bound) {
		rc = udp_bind(sk, 0, 0);
		if (rc)
			return rc;
	}
	if (!sk->laddr)
		sk->laddr = ipv4_route_src(sk->stack, addr);
	sk->raddr = addr;
	sk->rport = port;
	return 0;
}

/**
 * udp_sendto() - send one datagram with the socket's IP_TTL and IP_TOS
 * @sk:		socket
 * @buf:	payload
 * @len:	its length, at most 65507
 * @flags:	MSG_* (MSG_DONTWAIT and MSG_NOSIGNAL have no effect here)
 * @daddr:	destination (network order), 0 with @dport 0: the connected peer
 * @dport:	destination port, network order
 *
 * Return: as udp_sendmsg()
 */
ssize_t udp_sendto(struct ae_sock *sk, const void *buf, size_t len, int flags,
		   uint32_t daddr, uint16_t dport)
{
	return udp_sendmsg(sk, buf, len, flags, daddr, dport, NULL);
}

/**
 * udp_sendmsg() - send one datagram
 * @sk:		socket
 * @buf:	payload
 * @len:	its length, at most 65507
 * @flags:	MSG_* (MSG_DONTWAIT and MSG_NOSIGNAL have no effect here)
 * @daddr:	destination (network order), 0 with @dport 0: the connected peer
 * @dport:	destination port, network order
 * @info:	TTL/TOS for this datagram only (sendmsg()'s IP_TTL/IP_TOS
 *		control messages), or NULL
 *
 * Return: @len, or negative errno (-EDESTADDRREQ, -EMSGSIZE, -EPIPE,
 * -EINVAL, -ENETUNREACH, -EACCES for a broadcast without SO_BROADCAST...)
 */
ssize_t udp_sendmsg(struct ae_sock *sk, const void *buf, size_t len, int flags,
		    uint32_t daddr, uint16_t dport,
		    const struct ae_dgram_info *info)
{
	uint8_t tos = sk->tos, ttl = sk->ttl;
	struct udp_sock *us = udp_sk(sk);
	struct ae_stack *s = sk->stack;
	uint8_t h[UDP_HLEN];
	struct iovec v[UDP_MAX_IOV];
	uint32_t src, sum;
	uint16_t c;
	int rc;

	(void)flags;
	if (us->shut_wr)
		return -EPIPE;
	if (sk->so_error)	/* Linux: sock_alloc_send_pskb() takes it */
		return ae_sock_error(sk);
	if (!daddr && !dport) {
		if (!sk->rport)
			return -EDESTADDRREQ;
		daddr = sk->raddr;
		dport = sk->rport;
	}
	if (!daddr || !dport)
		return -EINVAL;
	if (udp_bcast_denied(sk, daddr))
		return -EACCES;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (!us->bound) {
		rc = udp_bind(sk, 0, 0);
		if (rc)
			return rc;
	}
	stack_now(s);
	src = stack_is_local(s, sk->laddr) ? sk->laddr :
	      ipv4_route_src(s, daddr);
	memcpy(h + UDP_F_SPORT, &sk->lport, 2);
	memcpy(h + UDP_F_DPORT, &dport, 2);
	st16(h + UDP_F_LEN, (uint16_t)(len + UDP_HLEN));
	st16(h + UDP_F_CSUM, 0);
	v[0].iov_base = h;
	v[0].iov_len = UDP_HLEN;
	v[1].iov_base = (void *)buf;
	v[1].iov_len = len;
	sum = csum_pseudo(src, daddr, IPPROTO_UDP, (uint16_t)(len + UDP_HLEN));
	c = csum_fold(csum_iov(v, 2, sum));
	/* a sum of 0 is sent as its other form: 0 means "no checksum" */
	st16(h + UDP_F_CSUM, c != UDP_CSUM_NONE ? c : 0xffff);
	if (info && (info->set & AE_DG_TTL))
		ttl = info->ttl;
	if (info && (info->set & AE_DG_TOS))
		tos = info->tos;
	rc = ipv4_output_ttl(s, src, daddr, IPPROTO_UDP, tos, ttl, v, 2);
	if (rc)
		return rc;
	STAT_INC(s, udp, out_datagrams);
	return (ssize_t)len;
}

/**
 * udp_rec_at() - the record at ring offset @off
 * @us:		socket
 * @off:	offset
 *
 * Return: pointer to the record header
 */
static struct udp_rec *udp_rec_at(const struct udp_sock *us, uint32_t off)
{
	return (struct udp_rec *)(us->buf + off);
}

/**
 * udp_rec_size() - ring bytes a datagram of @len takes
 * @len:	payload length
 *
 * Return: header + payload rounded up to 8
 */
static uint32_t udp_rec_size(uint32_t len)
{
	return (uint32_t)((sizeof(struct udp_rec) + len + 7) & ~7UL);
}

/**
 * udp_ring_reserve() - find room for a record of @need bytes
 * @us:		socket
 * @need:	bytes
 *
 * Return: offset of the room, or -1 when the queue is full
 */
static int64_t udp_ring_reserve(struct udp_sock *us, uint32_t need)
{
	if (!us->count) {
		us->rd = us->wr = us->wrap = 0;
		return need <= UDP_RCVBUF ? 0 : -1;
	}
	if (us->wr > us->rd || (us->wr == us->rd && !us->wrap)) {
		/* Data in [rd, wr): room at the end, or at the start. */
		if (UDP_RCVBUF - us->wr >= need)
			return us->wr;
		if (us->rd >= need) {
			us->wrap = us->wr;
			return 0;
		}
		return -1;
	}
	/* Wrapped: data in [rd, wrap) and [0, wr). */
	return us->rd - us->wr >= need ? (int64_t)us->wr : -1;
}

/**
 * udp_over_rcvbuf() - is the queue past a smaller SO_RCVBUF?
 * @us:		socket
 *
 * Like __udp_enqueue_schedule_skb(), a datagram is refused once what is
 * queued already exceeds the value SO_RCVBUF reports; Linux counts each
 * datagram's buffer, here its record (so a few more small ones fit).
 *
 * Return: true to drop
 */
static bool udp_over_rcvbuf(const struct udp_sock *us)
{
	return us->sk.rcvbuf_opt &&
	       us->bytes + us->count * sizeof(struct udp_rec) >
	       (uint32_t)us->sk.rcvbuf_opt;
}

/**
 * udp_enqueue() - copy a datagram into the socket's receive queue
 * @s:		stack
 * @us:		socket
 * @ip:		its IP header's fields
 * @sport:	source port
 * @data:	payload
 *
 * Return: true if queued
 */
static bool udp_enqueue(struct ae_stack *s, struct udp_sock *us,
			const struct ae_ipinfo *ip, uint16_t sport,
			const struct ae_pkt *data)
{
	uint32_t need = udp_rec_size((uint32_t)data->len);
	int64_t off = udp_over_rcvbuf(us) ? -1 : udp_ring_reserve(us, need);
	struct udp_rec *r;

	if (off < 0) {
		STAT_INC(s, udp, rcvbuf_errors);
		return false;
	}
	r = udp_rec_at(us, (uint32_t)off);
	r->len = (uint32_t)data->len;
	r->saddr = ip->src;
	r->sport = sport;
	r->ttl = ip->ttl;
	r->tos = ip->tos;
	r->daddr = ip->dst;
	memcpy(r + 1, data->data, data->len);
	us->wr = (uint32_t)off + need;
	us->count++;
	us->bytes += (uint32_t)data->len;
	STAT_INC(s, udp, in_datagrams);
	us->pending = true;
	return true;
}

/**
 * udp_dequeue() - drop the oldest record
 * @us:		socket with at least one record
 */
static void udp_dequeue(struct udp_sock *us)
{
	struct udp_rec *r = udp_rec_at(us, us->rd);

	us->bytes -= r->len;
	us->rd += udp_rec_size(r->len);
	us->count--;
	if (us->wrap && us->rd >= us->wrap) {
		us->rd = 0;
		us->wrap = 0;
	}
	if (!us->count)
		us->rd = us->wr = us->wrap = 0;
}

/**
 * udp_recvfrom() - receive one datagram
 * @sk:		socket
 * @buf:	destination
 * @len:	its size; the rest of a longer datagram is discarded
 * @flags:	MSG_PEEK (leave it queued), MSG_TRUNC (return the real length)
 * @saddr:	set to the source address (may be NULL)
 * @sport:	set to the source port (may be NULL)
 *
 * Return: as udp_recvmsg()
 */
ssize_t udp_recvfrom(struct ae_sock *sk, void *buf, size_t len, int flags,
		     uint32_t *saddr, uint16_t *sport)
{
	return udp_recvmsg(sk, buf, len, flags, saddr, sport, NULL);
}

/**
 * udp_recvmsg() - receive one datagram and its IP header's fields
 * @sk:		socket
 * @buf:	destination
 * @len:	its size; the rest of a longer datagram is discarded
 * @flags:	MSG_PEEK (leave it queued), MSG_TRUNC (return the real length)
 * @saddr:	set to the source address (may be NULL)
 * @sport:	set to the source port (may be NULL)
 * @info:	set to its TTL, TOS and destination address (may be NULL)
 *
 * Return: bytes copied (the datagram's length with MSG_TRUNC), 0 after
 * shutdown(SHUT_RD) with nothing queued, -EAGAIN, or the pending error
 */
ssize_t udp_recvmsg(struct ae_sock *sk, void *buf, size_t len, int flags,
		    uint32_t *saddr, uint16_t *sport,
		    struct ae_dgram_info *info)
{
	struct udp_sock *us = udp_sk(sk);
	struct udp_rec *r;
	size_t n;

	if (sk->so_error)	/* before data, as __skb_try_recv_datagram() */
		return ae_sock_error(sk);
	if (!us->count)
		return us->shut_rd ? 0 : -EAGAIN;
	r = udp_rec_at(us, us->rd);
	n = r->len < len ? r->len : len;
	if (n)
		memcpy(buf, r + 1, n);
	if (saddr)
		*saddr = r->saddr;
	if (sport)
		*sport = r->sport;
	if (info) {
		info->dst = r->daddr;
		info->ttl = r->ttl;
		info->tos = r->tos;
		info->set = AE_DG_TTL | AE_DG_TOS;
	}
	if (flags & MSG_TRUNC)
		n = r->len;
	if (!(flags & MSG_PEEK))
		udp_dequeue(us);
	return (ssize_t)n;
}

/**
 * udp_poll() - readiness of a UDP socket
 * @sk:		socket
 *
 * Return: AE_EV_* mask
 */
unsigned int udp_poll(const struct ae_sock *sk)
{
	const struct udp_sock *us = udp_sk(sk);
	unsigned int ev = AE_EV_OUT;

	if (us->count || us->shut_rd)
		ev |= AE_EV_IN;
	if (us->shut_rd)
		ev |= AE_EV_RDHUP;
	if (us->shut_rd && us->shut_wr)
		ev |= AE_EV_HUP;
	if (sk->so_error)
		ev |= AE_EV_ERR;
	return ev;
}

/**
 * udp_rx_queued() - payload bytes waiting to be read
 * @sk:		socket
 *
 * Return: bytes
 */
uint32_t udp_rx_queued(const struct ae_sock *sk)
{
	return udp_sk(sk)->bytes;
}

/**
 * udp_shutdown() - shut down reading and/or writing
 * @sk:		socket
 * @how:	SHUT_RD, SHUT_WR or SHUT_RDWR
 *
 * Return: 0, -EINVAL for a bad @how, -ENOTCONN when not connected (Linux)
 */
int udp_shutdown(struct ae_sock *sk, int how)
{
	struct udp_sock *us = udp_sk(sk);

	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (!sk->rport)
		return -ENOTCONN;
	if (how != SHUT_WR)
		us->shut_rd = true;
	if (how != SHUT_RD)
		us->shut_wr = true;
	sock_notify(sk, udp_poll(sk));
	return 0;
}

/**
 * udp_close() - close a socket and free it
 * @sk:		socket; invalid after the call
 *
 * The owner gets AE_EV_FREE before the memory goes.
 */
void udp_close(struct ae_sock *sk)
{
	sk->closed = true;
	sock_notify(sk, AE_EV_FREE);
	udp_free(udp_sk(sk));
}

/**
 * udp_match() - how well a socket matches an incoming datagram
 * @us:		socket bound to the destination port
 * @ip:		IP information
 * @sport:	source port, network order
 *
 * Return: -1 for no match, higher for more specific matches
 */
static int udp_match(const struct udp_sock *us, const struct ae_ipinfo *ip,
		     uint16_t sport)
{
	int score = 0;

	if (us->sk.laddr) {
		if (us->sk.laddr != ip->dst)
			return -1;
		score += 2;
	}
	if (us->sk.rport) {
		if (us->sk.raddr != ip->src || us->sk.rport != sport)
			return -1;
		score += 4;
	}
	return score;
}

/**
 * udp_notify_pending() - deliver AE_EV_IN to sockets that received data
 * @s:		stack
 * @port:	the bucket's port, network order
 *
 * Callbacks may close or open sockets, including ones in this bucket, so the
 * walk restarts after each callback and only touches sockets still linked.
 */
static void udp_notify_pending(struct ae_stack *s, uint16_t port)
{
	struct udp_sock *us;

again:
	LIST_FOREACH(us, udp_bucket(s, port), hash) {
		if (us->pending) {
			us->pending = false;
			sock_notify(&us->sk, AE_EV_IN);
			goto again;
		}
	}
}

/**
 * udp_input() - receive a UDP datagram
 * @s:		stack
 * @ip:		IP information
 * @p:		the IP payload
 */
void udp_input(struct ae_stack *s, const struct ae_ipinfo *ip,
	       const struct ae_pkt *p)
{
	const uint8_t *h = pkt_get(p, 0, UDP_HLEN);
	struct udp_sock *us, *best = NULL;
	struct ae_pkt data;
	int score, best_score = -1;
	bool unicast = stack_is_local(s, ip->dst), found = false;
	uint16_t ulen, dport, sport;

	if (!h) {
		STAT_INC(s, udp, in_truncated);
		return;
	}
	ulen = ld16(h + UDP_F_LEN);
	if (ulen > p->len) {
		STAT_INC(s, udp, in_truncated);
		return;
	}
	if (ulen < UDP_HLEN) {
		STAT_INC(s, udp, in_errors);
		return;
	}
	if (ld16(h + UDP_F_CSUM) != UDP_CSUM_NONE && !s->rx_csum_valid &&
	    csum_fold(csum_partial(h, ulen, csum_pseudo(ip->src, ip->dst,
							IPPROTO_UDP, ulen)))) {
		STAT_INC(s, udp, in_csum_errors);
		return;
	}
	memcpy(&sport, h + UDP_F_SPORT, 2);
	memcpy(&dport, h + UDP_F_DPORT, 2);
	if (pkt_sub(p, UDP_HLEN, ulen - UDP_HLEN, &data)) {
		STAT_INC(s, udp, in_truncated);	/* cannot happen: checked */
		return;
	}
	LIST_FOREACH(us, udp_bucket(s, dport), hash) {
		if (us->sk.lport != dport)
			continue;
		score = udp_match(us, ip, sport);
		if (score < 0)
			continue;
		if (!unicast) {	/* broadcast/multicast: everyone */
			found = true;
			udp_enqueue(s, us, ip, sport, &data);
		} else if (score > best_score) {
			best = us;
			best_score = score;
		}
	}
	if (best)
		udp_enqueue(s, best, ip, sport, &data);
	if (best || found) {
		udp_notify_pending(s, dport);
		return;
	}
	STAT_INC(s, udp, no_ports);
	icmp_send_unreach(s, ICMP_PORT_UNREACH_, ip, p);
}

/**
 * udp_icmp_error() - an ICMP error about a datagram we sent
 * @s:		stack
 * @type:	ICMP type
 * @code:	ICMP code
 * @inner:	the quoted IP header + at least 8 bytes of UDP header
 *
 * As Linux's __udp4_lib_err() without IP_RECVERR: only a connected socket
 * learns of it, and only of a hard error (icmp_err_convert(): port
 * unreachable is ECONNREFUSED; host unreachable, what a neighbour that
 * never answers ARP gives, is soft and says nothing). Fragmentation needed
 * is EMSGSIZE (path MTU discovery is on). The error is reported once, by
 * the next send, receive, poll or SO_ERROR.
 */
void udp_icmp_error(struct ae_stack *s, uint8_t type, uint8_t code,
		    const struct ae_pkt *inner)
{
	const uint8_t *ih = pkt_get(inner, 0, IP_HLEN), *uh;
	struct udp_sock *us;
	uint32_t src, dst;
	uint16_t sport, dport;
	bool hard;
	size_t hl;
	int err;

	err = icmp_err_convert(type, code, &hard);
	if (type == ICMP_DEST_UNREACH_ && code == ICMP_FRAG_NEEDED_)
		hard = true;
	if (!ih || !err || !hard)
		return;
	hl = ip_hdr_len(ih);
	uh = pkt_get(inner, hl, UDP_HLEN);
	if (!uh)
		return;
	memcpy(&src, ih + IP_F_SRC, 4);
	memcpy(&dst, ih + IP_F_DST, 4);
	memcpy(&sport, uh + UDP_F_SPORT, 2);
	memcpy(&dport, uh + UDP_F_DPORT, 2);
	LIST_FOREACH(us, udp_bucket(s, sport), hash) {
		if (us->sk.lport != sport || us->sk.raddr != dst ||
		    us->sk.rport != dport ||
		    (us->sk.laddr && us->sk.laddr != src))
			continue;
		us->sk.so_error = err;
		sock_notify(&us->sk, AE_EV_ERR);
		return;
	}
}
