// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_hash.c - demultiplexing and port ownership
 *
 * Theory of operation: three tables, all chained hashes with O(1) insert
 * and removal (doubly linked lists):
 *
 * - the connection table, keyed by a keyed SipHash of the 4-tuple (so a
 *   peer cannot aim many connections at one chain), sized from max_sockets
 *   so that 100k connections keep chains short;
 * - the listener table, keyed by local port, searched for an exact local
 *   address first and the wildcard second;
 * - the bind table, keyed by local port, holding every TCB that owns a port
 *   (bound, listening, connected, TIME-WAIT). bind() and listen() check it
 *   with Linux's rules: two sockets conflict on the same port when their
 *   addresses overlap, unless both set SO_REUSEADDR and the other is not
 *   listening (or both set SO_REUSEPORT).
 *
 * Ephemeral ports start at a random point of 32768-60999; a port already
 * used by connect() may be shared as long as the 4-tuple is unique (as in
 * Linux's __inet_hash_connect), a port taken by bind() or listen() may not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "tcp.h"

#define LHASH_SIZE	1024
#define BHASH_SIZE	4096

/**
 * tcp_hash_init() - allocate the three tables
 * @s:		stack
 *
 * Return: 0 or -ENOMEM
 */
int tcp_hash_init(struct ae_stack *s)
{
	struct ae_tcp *t = s->tcp;
	uint32_t n = 1024, i;

	while (n < s->cfg.max_sockets * 2u && n < (1u << 22))
		n <<= 1;
	t->hash = calloc(n, sizeof(*t->hash));
	t->bhash = calloc(BHASH_SIZE, sizeof(*t->bhash));
	t->lhash = calloc(LHASH_SIZE, sizeof(*t->lhash));
	if (!t->hash || !t->bhash || !t->lhash) {
		tcp_hash_fini(s);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		LIST_INIT(&t->hash[i]);
	for (i = 0; i < BHASH_SIZE; i++)
		LIST_INIT(&t->bhash[i]);
	for (i = 0; i < LHASH_SIZE; i++)
		LIST_INIT(&t->lhash[i]);
	t->hash_mask = n - 1;
	t->bhash_mask = BHASH_SIZE - 1;
	t->lhash_mask = LHASH_SIZE - 1;
	return 0;
}

/**
 * tcp_hash_fini() - free the tables (the TCBs are freed by tcp_fini())
 * @s:		stack
 */
void tcp_hash_fini(struct ae_stack *s)
{
	struct ae_tcp *t = s->tcp;

	free(t->hash);
	free(t->bhash);
	free(t->lhash);
	free(t->heap);
	t->hash = t->bhash = t->lhash = NULL;
	t->heap = NULL;
}

/**
 * tcp_hash_tuple() - keyed hash of a 4-tuple
 * @t:		TCP module (key)
 * @laddr:	local address
 * @lport:	local port
 * @raddr:	remote address
 * @rport:	remote port
 *
 * Return: 32-bit hash
 */
static uint32_t tcp_hash_tuple(const struct ae_tcp *t, uint32_t laddr,
			       uint16_t lport, uint32_t raddr, uint16_t rport)
{
	return tcp_tuple_siphash(t->hash_key, laddr, lport, raddr, rport);
}

/**
 * port_bucket() - bind/listener table index of a port
 * @port:	network order
 * @mask:	table mask
 *
 * Return: index
 */
static uint32_t port_bucket(uint16_t port, uint32_t mask)
{
	uint32_t p = ntohs(port);

	return (p ^ (p >> 10)) & mask;
}

/**
 * tcp_hash_insert() - add a connected TCB to the 4-tuple table (and a
 * listener to the listener table)
 * @s:		stack
 * @tp:		TCB with its addresses set
 */
void tcp_hash_insert(struct ae_stack *s, struct tcp_sock *tp)
{
	struct ae_tcp *t = s->tcp;
	uint32_t h;

	if (tp->state == TCPS_LISTEN) {
		if (tp->listed)
			return;
		h = port_bucket(tp->sk.lport, t->lhash_mask);
		LIST_INSERT_HEAD(&t->lhash[h], tp, lentry);
		tp->listed = true;
		return;
	}
	if (tp->hashed)
		return;
	h = tcp_hash_tuple(t, tp->sk.laddr, tp->sk.lport, tp->sk.raddr,
			   tp->sk.rport) & t->hash_mask;
	LIST_INSERT_HEAD(&t->hash[h], tp, hentry);
	tp->hashed = true;
	t->nhashed++;
}

/**
 * tcp_hash_remove() - remove a TCB from the 4-tuple or listener table
 * @s:		stack
 * @tp:		TCB (not necessarily hashed)
 */
void tcp_hash_remove(struct ae_stack *s, struct tcp_sock *tp)
{
	if (tp->hashed) {
		LIST_REMOVE(tp, hentry);
		tp->hashed = false;
		s->tcp->nhashed--;
	}
	if (tp->listed) {
		LIST_REMOVE(tp, lentry);
		tp->listed = false;
	}
}

/**
 * tcp_hash_lookup() - find the connection a segment belongs to
 * @s:		stack
 * @laddr:	local address (segment's destination)
 * @lport:	local port
 * @raddr:	remote address
 * @rport:	remote port
 *
 * Return: TCB or NULL
 */
struct tcp_sock *tcp_hash_lookup(const struct ae_stack *s, uint32_t laddr,
				 uint16_t lport, uint32_t raddr, uint16_t rport)
{
	const struct ae_tcp *t = s->tcp;
	struct tcp_sock *tp;
	uint32_t h = tcp_hash_tuple(t, laddr, lport, raddr, rport) &
		     t->hash_mask;

	LIST_FOREACH(tp, &t->hash[h], hentry) {
		if (tp->sk.lport == lport && tp->sk.rport == rport &&
		    tp->sk.laddr == laddr && tp->sk.raddr == raddr)
			return tp;
	}
	return NULL;
}

/**
 * tcp_listener_lookup() - the listener for a local address and port
 * @s:		stack
 * @laddr:	local address
 * @lport:	local port
 *
 * Return: an exact-address listener, else a wildcard one, else NULL
 */
struct tcp_sock *tcp_listener_lookup(const struct ae_stack *s, uint32_t laddr,
				     uint16_t lport)
{
	const struct ae_tcp *t = s->tcp;
	struct tcp_sock *tp, *wild = NULL;

	LIST_FOREACH(tp, &t->lhash[port_bucket(lport, t->lhash_mask)], lentry) {
		if (tp->sk.lport != lport)
			continue;
		if (tp->sk.laddr == laddr)
			return tp;
		if (tp->sk.laddr == INADDR_ANY && !wild)
			wild = tp;
	}
	return wild;
}

/**
 * tcp_listener_select() - the listener a new connection goes to
 * @s:		stack
 * @laddr:	local address
 * @lport:	local port
 * @raddr:	remote address
 * @rport:	remote port
 *
 * Like tcp_listener_lookup(), but when the listener found belongs to an
 * SO_REUSEPORT group (listeners with SO_REUSEPORT on the same address and
 * port), the connection goes to the member picked by a hash of the 4-tuple,
 * so connections spread over the group as on Linux, and a retransmitted SYN
 * meets the same member.
 *
 * Return: a listener or NULL
 */
struct tcp_sock *tcp_listener_select(const struct ae_stack *s, uint32_t laddr,
				     uint16_t lport, uint32_t raddr,
				     uint16_t rport)
{
	const struct ae_tcp *t = s->tcp;
	struct tcp_sock *lp = tcp_listener_lookup(s, laddr, lport), *tp;
	uint32_t n = 0, pick;

	if (!lp || !lp->sk.reuseport)
		return lp;
	LIST_FOREACH(tp, &t->lhash[port_bucket(lport, t->lhash_mask)], lentry)
		if (tp->sk.lport == lport && tp->sk.laddr == lp->sk.laddr &&
		    tp->sk.reuseport)
			n++;
	AE_ASSERT(n > 0);	/* lp itself is one of them */
	pick = tcp_hash_tuple(t, laddr, lport, raddr, rport) % n;
	LIST_FOREACH(tp, &t->lhash[port_bucket(lport, t->lhash_mask)], lentry)
		if (tp->sk.lport == lport && tp->sk.laddr == lp->sk.laddr &&
		    tp->sk.reuseport && !pick--)
			return tp;
	return lp;
}

/**
 * addr_overlap() - do two local addresses overlap (equal or wildcard)?
 * @a:		address
 * @b:		address
 *
 * Return: true if they do
 */
static bool addr_overlap(uint32_t a, uint32_t b)
{
	return a == INADDR_ANY || b == INADDR_ANY || a == b;
}

/**
 * bind_conflict() - would @tp on (@addr, @port) conflict with a bound TCB?
 * @s:		stack
 * @tp:		TCB wanting the port
 * @addr:	local address
 * @port:	local port
 * @listening:	@tp is about to listen
 *
 * Return: true on conflict
 */
static bool bind_conflict(struct ae_stack *s, const struct tcp_sock *tp,
			  uint32_t addr, uint16_t port, bool listening)
{
	struct ae_tcp *t = s->tcp;
	struct tcp_sock *o;

	LIST_FOREACH(o, &t->bhash[port_bucket(port, t->bhash_mask)], bentry) {
		if (o == tp || o->sk.lport != port ||
		    !addr_overlap(addr, o->sk.laddr) ||
		    !sock_family_overlap(&tp->sk, &o->sk))
			continue;
		if (tp->sk.reuseport && o->sk.reuseport)
			continue;
		if (listening) {
			/* only another listener blocks listen() now */
			if (o->state == TCPS_LISTEN)
				return true;
			continue;
		}
		/* inet_csk_bind_conflict(): both must have SO_REUSEADDR,
		 * a TIME-WAIT owner too (it keeps the closed socket's) */
		if (tp->sk.reuseaddr && o->sk.reuseaddr &&
		    o->state != TCPS_LISTEN)
			continue;
		return true;
	}
	return false;
}

/**
 * tcp_port_claimed() - does a TCB the owner bound (or a listener) hold
 * @addr:@port
 * @s:		stack
 * @addr:	address, network order
 * @port:	port, network order
 *
 * Return: true if one does (ephemeral ports of connections do not count)
 */
bool tcp_port_claimed(const struct ae_stack *s, uint32_t addr, uint16_t port)
{
	const struct ae_tcp *t = s->tcp;
	struct tcp_sock *o;

	LIST_FOREACH(o, &t->bhash[port_bucket(port, t->bhash_mask)], bentry) {
		if (o->sk.lport == port && addr_overlap(addr, o->sk.laddr) &&
		    (o->user_bound || o->state == TCPS_LISTEN))
			return true;
	}
	return false;
}

/**
 * bind_insert() - record @tp as owner of its local port
 * @s:		stack
 * @tp:		TCB with laddr/lport set
 */
static void bind_insert(struct ae_stack *s, struct tcp_sock *tp)
{
	struct ae_tcp *t = s->tcp;

	if (tp->bound)
		return;
	LIST_INSERT_HEAD(&t->bhash[port_bucket(tp->sk.lport, t->bhash_mask)],
			 tp, bentry);
	tp->bound = true;
}

/**
 * tcp_unbind() - release @tp's claim on its port
 * @s:		stack
 * @tp:		TCB
 */
void tcp_unbind(struct ae_stack *s, struct tcp_sock *tp)
{
	if (!tp->bound)
		return;
	LIST_REMOVE(tp, bentry);
	tp->bound = false;
}

/**
 * ephemeral_start() - a pseudo-random walk start in the ephemeral range
 * @s:		stack
 *
 * Return: first candidate port (host order)
 */
static uint32_t ephemeral_start(struct ae_stack *s)
{
	uint32_t range = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1;

	return TCP_EPHEMERAL_LO + stack_random(s) % range;
}

/**
 * tcp_bind_port() - bind @tp to (@addr, @port); port 0 picks an ephemeral one
 * @s:		stack
 * @tp:		TCB
 * @addr:	local address or INADDR_ANY
 * @port:	network order, 0 for any
 *
 * Return: 0, -EADDRINUSE
 */
int tcp_bind_port(struct ae_stack *s, struct tcp_sock *tp, uint32_t addr,
		  uint16_t port)
{
	uint32_t range = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1, i, p;

	if (port) {
		if (bind_conflict(s, tp, addr, port, false))
			return -EADDRINUSE;
	} else {
		p = ephemeral_start(s);
		for (i = 0; i < range; i++, p++) {
			if (p > TCP_EPHEMERAL_HI)
				p = TCP_EPHEMERAL_LO;
			if (!bind_conflict(s, tp, addr, htons((uint16_t)p),
					   false))
				break;
		}
		if (i == range)
			return -EADDRINUSE;
		port = htons((uint16_t)p);
	}
	tp->sk.laddr = addr;
	tp->sk.lport = port;
	bind_insert(s, tp);
	return 0;
}

/**
 * port_shareable() - may connect() use @port towards (@raddr, @rport)?
 * @s:		stack
 * @laddr:	local address
 * @port:	candidate (network order)
 * @raddr:	peer
 * @rport:	peer port
 *
 * Return: true when only connect()-chosen TCBs hold the port and the 4-tuple
 * is free
 */
static bool port_shareable(struct ae_stack *s, uint32_t laddr, uint16_t port,
			   uint32_t raddr, uint16_t rport)
{
	struct ae_tcp *t = s->tcp;
	struct tcp_sock *o;

	LIST_FOREACH(o, &t->bhash[port_bucket(port, t->bhash_mask)], bentry) {
		if (o->sk.lport != port || !addr_overlap(laddr, o->sk.laddr))
			continue;
		if (!o->connect_bound)
			return false;
	}
	return !tcp_hash_lookup(s, laddr, port, raddr, rport);
}

/**
 * tcp_pick_ephemeral() - choose a local port for connect() on an unbound TCB
 * @s:		stack
 * @tp:		TCB with laddr set
 * @raddr:	peer
 * @rport:	peer port
 *
 * Return: 0 (port set and owned), -EADDRNOTAVAIL when the range is exhausted
 */
int tcp_pick_ephemeral(struct ae_stack *s, struct tcp_sock *tp, uint32_t raddr,
		       uint16_t rport)
{
	uint32_t range = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1, i;
	uint32_t p = ephemeral_start(s);

	for (i = 0; i < range; i++, p++) {
		if (p > TCP_EPHEMERAL_HI)
			p = TCP_EPHEMERAL_LO;
		if (port_shareable(s, tp->sk.laddr, htons((uint16_t)p), raddr,
				   rport))
			break;
	}
	if (i == range)
		return -EADDRNOTAVAIL;
	tp->sk.lport = htons((uint16_t)p);
	tp->connect_bound = true;
	bind_insert(s, tp);
	return 0;
}

/**
 * tcp_listen_check() - may @tp (bound) start listening?
 * @s:		stack
 * @tp:		TCB
 *
 * Return: 0 or -EADDRINUSE
 */
int tcp_listen_check(struct ae_stack *s, struct tcp_sock *tp)
{
	if (bind_conflict(s, tp, tp->sk.laddr, tp->sk.lport, true))
		return -EADDRINUSE;
	return 0;
}

/**
 * tcp_bind_inherit() - a child takes its listener's port
 * @s:		stack
 * @tp:		child with addresses set
 */
void tcp_bind_inherit(struct ae_stack *s, struct tcp_sock *tp)
{
	bind_insert(s, tp);
}
