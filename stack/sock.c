// SPDX-License-Identifier: MIT
/**
 * DOC: sock.c - the public socket API of aether.h
 *
 * Theory of operation: every ae_* socket call validates what is generic
 * (addresses, families, option sizes), then dispatches on the socket type:
 * SOCK_STREAM to tcp_usr_*() (tcp_usrreq.c), SOCK_DGRAM to udp_*() (udp.c).
 * Socket options are in sockopt.c. Addresses and ports stay in network
 * order, exactly as struct sockaddr_in carries them.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "stack.h"
#include "tcp.h"

/**
 * ae_socket() - create a socket
 * @s:		stack
 * @type:	SOCK_STREAM or SOCK_DGRAM (SOCK_NONBLOCK/SOCK_CLOEXEC ignored:
 *		every socket of this API is non-blocking)
 * @err:	set to a negative errno on failure (may be NULL)
 *
 * Return: the socket, or NULL
 */
struct ae_sock *ae_socket(struct ae_stack *s, int type, int *err)
{
	int dummy;

	if (!err)
		err = &dummy;
	*err = 0;
	if (!s) {
		*err = -EINVAL;
		return NULL;
	}
	stack_now(s);
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s->nsockets >= s->cfg.max_sockets &&
	    (type != SOCK_STREAM || !tcp_reclaim_time_wait(s) ||
	     tcp_live_sockets(s) >= s->cfg.max_sockets)) {
		*err = -ENFILE;
		return NULL;
	}
	switch (type) {
	case SOCK_STREAM:
		return tcp_usr_socket(s, err);
	case SOCK_DGRAM:
		return udp_socket(s, err);
	default:
		*err = -EPROTONOSUPPORT;
		return NULL;
	}
}

/**
 * ae_sock_set_callback() - set the readiness callback
 * @sk:		socket
 * @cb:		callback, NULL for none
 * @user:	its argument
 */
void ae_sock_set_callback(struct ae_sock *sk, ae_sock_cb cb, void *user)
{
	sk->cb = cb;
	sk->user = user;
}

/**
 * ae_sock_user() - the callback argument given to ae_sock_set_callback()
 * @sk:		socket
 *
 * Return: the user pointer
 */
void *ae_sock_user(const struct ae_sock *sk)
{
	return sk->user;
}

/**
 * sin_check() - validate a caller's struct sockaddr_in
 * @sin:	address
 *
 * Return: 0, or -EINVAL / -EAFNOSUPPORT
 */
static int sin_check(const struct sockaddr_in *sin)
{
	if (!sin)
		return -EINVAL;
	if (sin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	return 0;
}

/**
 * ae_bind() - give a socket a local address and port
 * @sk:		socket
 * @addr:	address (INADDR_ANY or ours), port 0 for an ephemeral one
 *
 * Return: 0, -EINVAL (already bound), -EADDRNOTAVAIL, -EADDRINUSE
 */
int ae_bind(struct ae_sock *sk, const struct sockaddr_in *addr)
{
	int ret = sin_check(addr);

	if (ret)
		return ret;
	stack_now(sk->stack);
	if (addr->sin_addr.s_addr != INADDR_ANY &&
	    !stack_is_local(sk->stack, addr->sin_addr.s_addr))
		return -EADDRNOTAVAIL;
	if (sk->type == SOCK_DGRAM)
		return udp_bind(sk, addr->sin_addr.s_addr, addr->sin_port);
	return tcp_usr_bind(tcp_sk(sk), addr->sin_addr.s_addr, addr->sin_port);
}

/**
 * ae_listen() - accept connections on a bound (or auto-bound) socket
 * @sk:		TCP socket
 * @backlog:	accept queue bound (clamped to 1..4096 like somaxconn)
 *
 * Return: 0, -EOPNOTSUPP for UDP, -EINVAL in a wrong state, -EADDRINUSE
 */
int ae_listen(struct ae_sock *sk, int backlog)
{
	if (sk->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	stack_now(sk->stack);
	return tcp_usr_listen(tcp_sk(sk), backlog);
}

/**
 * ae_accept() - take one established connection off a listener
 * @sk:		listening socket
 * @out:	set to the new socket
 * @peer:	filled with the peer's address (may be NULL)
 *
 * Return: 0, -EAGAIN when none is ready, -EINVAL when not listening
 */
int ae_accept(struct ae_sock *sk, struct ae_sock **out,
	      struct sockaddr_in *peer)
{
	struct tcp_sock *child = NULL;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (sk->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	stack_now(sk->stack);
	ret = tcp_usr_accept(tcp_sk(sk), &child);
	if (ret)
		return ret;
	*out = &child->sk;
	if (peer)
		ae_getpeername(&child->sk, peer);
	return 0;
}

/**
 * ae_unaccept() - hand an accepted connection back to its listener, first
 * in line: for a daemon whose client took it ahead and went away unseen
 * @lsk:	listener
 * @sk:		the connection ae_accept() gave; the caller clears its
 *		callback first (queued children have none)
 *
 * Return: 0, -EOPNOTSUPP (not TCP), or -EINVAL (not listening, closed)
 */
int ae_unaccept(struct ae_sock *lsk, struct ae_sock *sk)
{
	if (lsk->type != SOCK_STREAM || sk->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	stack_now(lsk->stack);
	return tcp_usr_unaccept(tcp_sk(lsk), tcp_sk(sk));
}

/**
 * ae_connect() - open a connection (TCP) or set the default peer (UDP)
 * @sk:		socket
 * @addr:	peer
 *
 * Return: -EINPROGRESS when a TCP handshake started (completion is AE_EV_OUT,
 * failure AE_EV_ERR and SO_ERROR), 0 for UDP, or a negative errno
 */
int ae_connect(struct ae_sock *sk, const struct sockaddr_in *addr)
{
	int ret = sin_check(addr);

	if (ret)
		return ret;
	stack_now(sk->stack);
	if (sk->type == SOCK_DGRAM)
		return udp_connect(sk, addr->sin_addr.s_addr, addr->sin_port);
	if (addr->sin_addr.s_addr == INADDR_ANY || !addr->sin_port)
		return -ECONNREFUSED;
	return tcp_usr_connect(tcp_sk(sk), addr->sin_addr.s_addr,
			       addr->sin_port);
}

/**
 * ae_loop_unserved() - is @addr a loopback destination no socket here serves
 * @sk:		the socket that would connect (its type decides)
 * @addr:	destination
 *
 * A TCP destination is served when a socket the owner bound (listening or
 * not yet: a server between bind() and listen() keeps its port) or a
 * listener holds its address (or the wildcard) and port; a UDP one by any
 * socket bound to its port. aetherd uses this so that a program's
 * connect() to 127.0.0.0/8 (or the ::1 stand-in) reaches the kernel's
 * listener when Aether has none there.
 *
 * Return: true for a 127.0.0.0/8 destination nothing in this stack serves
 */
bool ae_loop_unserved(const struct ae_sock *sk, const struct sockaddr_in *addr)
{
	uint32_t a = ntohl(addr->sin_addr.s_addr);

	if (addr->sin_family != AF_INET || (a >> 24) != 127 || !addr->sin_port)
		return false;
	if (sk->type == SOCK_DGRAM)
		return !udp_port_used(sk->stack, addr->sin_port);
	return !tcp_port_claimed(sk->stack, addr->sin_addr.s_addr,
				 addr->sin_port);
}

/**
 * ae_send() - queue bytes for sending
 * @sk:		socket
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_* (MSG_MORE cork-like for TCP; others ignored)
 *
 * Return: bytes queued, -EAGAIN when the send buffer is full, -EPIPE,
 * -ENOTCONN, or a pending error
 */
ssize_t ae_send(struct ae_sock *sk, const void *buf, size_t len, int flags)
{
	stack_now(sk->stack);
	if (sk->type == SOCK_DGRAM) {
		if (!sk->raddr)
			return -EDESTADDRREQ;
		return udp_sendto(sk, buf, len, flags, 0, 0);
	}
	return tcp_usr_send(tcp_sk(sk), buf, len, flags);
}

/**
 * ae_recv() - read received bytes
 * @sk:		socket
 * @buf:	destination
 * @len:	room
 * @flags:	MSG_PEEK honoured; others ignored
 *
 * Return: bytes read, 0 at end of stream, -EAGAIN, -ENOTCONN, -ECONNRESET
 */
ssize_t ae_recv(struct ae_sock *sk, void *buf, size_t len, int flags)
{
	stack_now(sk->stack);
	if (sk->type == SOCK_DGRAM)
		return udp_recvfrom(sk, buf, len, flags, NULL, NULL);
	return tcp_usr_recv(tcp_sk(sk), buf, len, flags);
}

/**
 * ae_sendto() - send to an explicit destination
 * @sk:		socket
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_*
 * @to:		destination, or NULL (connected sockets)
 *
 * Return: as ae_sendmsg()
 */
ssize_t ae_sendto(struct ae_sock *sk, const void *buf, size_t len, int flags,
		  const struct sockaddr_in *to)
{
	return ae_sendmsg(sk, buf, len, flags, to, NULL);
}

/**
 * ae_sendmsg() - send to an explicit destination, with per-datagram fields
 * @sk:		socket
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_*
 * @to:		destination, or NULL (connected sockets)
 * @info:	UDP: TTL/TOS of this datagram only, or NULL; TCP ignores it
 *
 * Return: bytes sent or a negative errno; TCP ignores @to when connected
 * and gives -EISCONN like Linux only for UDP-style use
 */
ssize_t ae_sendmsg(struct ae_sock *sk, const void *buf, size_t len, int flags,
		   const struct sockaddr_in *to, const struct ae_dgram_info *info)
{
	int ret;

	if (sk->type == SOCK_STREAM)
		return ae_send(sk, buf, len, flags);
	stack_now(sk->stack);
	if (!to) {
		if (!sk->raddr)
			return -EDESTADDRREQ;
		return udp_sendmsg(sk, buf, len, flags, 0, 0, info);
	}
	ret = sin_check(to);
	if (ret)
		return ret;
	return udp_sendmsg(sk, buf, len, flags, to->sin_addr.s_addr,
			   to->sin_port, info);
}

/**
 * ae_recvfrom() - receive and learn the sender
 * @sk:		socket
 * @buf:	destination
 * @len:	room
 * @flags:	MSG_*
 * @from:	filled with the sender (may be NULL)
 *
 * Return: as ae_recvmsg()
 */
ssize_t ae_recvfrom(struct ae_sock *sk, void *buf, size_t len, int flags,
		    struct sockaddr_in *from)
{
	return ae_recvmsg(sk, buf, len, flags, from, NULL);
}

/**
 * ae_recvmsg() - receive, learn the sender and the datagram's IP fields
 * @sk:		socket
 * @buf:	destination
 * @len:	room
 * @flags:	MSG_*
 * @from:	filled with the sender (may be NULL)
 * @info:	UDP: filled with the datagram's TTL, TOS and destination
 *		(may be NULL); TCP leaves it alone
 *
 * Return: bytes or a negative errno
 */
ssize_t ae_recvmsg(struct ae_sock *sk, void *buf, size_t len, int flags,
		   struct sockaddr_in *from, struct ae_dgram_info *info)
{
	uint32_t addr = 0;
	uint16_t port = 0;
	ssize_t n;

	if (sk->type == SOCK_STREAM) {
		n = ae_recv(sk, buf, len, flags);
		if (n >= 0 && from)
			ae_getpeername(sk, from);
		return n;
	}
	stack_now(sk->stack);
	n = udp_recvmsg(sk, buf, len, flags, &addr, &port, info);
	if (n >= 0 && from) {
		memset(from, 0, sizeof(*from));
		from->sin_family = AF_INET;
		from->sin_addr.s_addr = addr;
		from->sin_port = port;
	}
	return n;
}

/**
 * ae_shutdown() - close one or both directions
 * @sk:		socket
 * @how:	SHUT_RD, SHUT_WR or SHUT_RDWR
 *
 * Return: 0, -EINVAL, -ENOTCONN
 */
int ae_shutdown(struct ae_sock *sk, int how)
{
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	stack_now(sk->stack);
	if (sk->type == SOCK_DGRAM)
		return udp_shutdown(sk, how);
	return tcp_usr_shutdown(tcp_sk(sk), how);
}

/**
 * ae_close() - release the handle; TCP closes gracefully in the background
 * @sk:		socket; the owner must not use it after AE_EV_FREE (delivered
 *		at the latest when the stack frees it, possibly during this call)
 *
 * Return: 0
 */
int ae_close(struct ae_sock *sk)
{
	stack_now(sk->stack);
	if (sk->type == SOCK_DGRAM) {
		udp_close(sk);
		return 0;
	}
	return tcp_usr_close(tcp_sk(sk));
}

/**
 * ae_abort() - reset a TCP connection (RST) and release the handle
 * @sk:		socket
 */
void ae_abort(struct ae_sock *sk)
{
	stack_now(sk->stack);
	if (sk->type == SOCK_DGRAM) {
		udp_close(sk);
		return;
	}
	tcp_usr_abort(tcp_sk(sk));
}

/**
 * fill_sin() - a struct sockaddr_in from network-order fields
 * @sin:	filled
 * @addr:	address
 * @port:	port
 */
static void fill_sin(struct sockaddr_in *sin, uint32_t addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	sin->sin_port = port;
}

/**
 * ae_getsockname() - the local address
 * @sk:		socket
 * @addr:	filled
 *
 * Return: 0 or -EINVAL
 */
int ae_getsockname(const struct ae_sock *sk, struct sockaddr_in *addr)
{
	if (!addr)
		return -EINVAL;
	fill_sin(addr, sk->laddr, sk->lport);
	return 0;
}

/**
 * ae_getpeername() - the peer's address
 * @sk:		socket
 * @addr:	filled
 *
 * Return: 0, -ENOTCONN when there is no peer
 */
int ae_getpeername(const struct ae_sock *sk, struct sockaddr_in *addr)
{
	if (!addr)
		return -EINVAL;
	if (!sk->rport)
		return -ENOTCONN;
	if (sk->type == SOCK_STREAM) {
		const struct tcp_sock *tp = (const struct tcp_sock *)sk;

		if (tp->state == TCPS_CLOSED || tp->state == TCPS_LISTEN ||
		    tp->state == TCPS_SYN_SENT)
			return -ENOTCONN;
	}
	fill_sin(addr, sk->raddr, sk->rport);
	return 0;
}

/**
 * sock_family_overlap() - can @a and @b receive for a common address family?
 * @a:		socket
 * @b:		socket
 *
 * Linux's ipv4_rcv_saddr_equal()/ipv6_rcv_saddr_equal(): an IPV6_V6ONLY
 * socket takes no IPv4 traffic, so it never shares an address with an
 * AF_INET socket: "listen 80; listen [::]:80 ipv6only=on" bind both. A
 * dual-stack AF_INET6 socket overlaps everything. The bind-conflict checks
 * skip pairs for which this is false.
 *
 * Return: false when one is V6ONLY and the other is AF_INET
 */
bool sock_family_overlap(const struct ae_sock *a, const struct ae_sock *b)
{
	return !((a->v6only && !b->v6) || (b->v6only && !a->v6));
}

/**
 * ae_poll() - the current readiness mask
 * @sk:		socket
 *
 * Return: AE_EV_* bits
 */
unsigned int ae_poll(const struct ae_sock *sk)
{
	if (sk->type == SOCK_DGRAM)
		return udp_poll(sk);
	return tcp_poll_mask((const struct tcp_sock *)sk);
}

/**
 * ae_sock_error() - read and clear the pending error
 * @sk:		socket
 *
 * Return: the error as a negative errno, or 0
 */
int ae_sock_error(struct ae_sock *sk)
{
	int e = sk->so_error;

	sk->so_error = 0;
	return -e;
}

/**
 * ae_sock_soft_error() - read and clear the soft error (TCP's last soft
 * ICMP error, see struct ae_sock)
 * @sk:		socket
 *
 * Return: the error as a negative errno, or 0
 */
int ae_sock_soft_error(struct ae_sock *sk)
{
	int e = sk->soft_err;

	sk->soft_err = 0;
	return -e;
}

/**
 * ae_sock_state() - the TCP state (enum tcp_state), 0 for UDP
 * @sk:		socket
 *
 * Return: state
 */
int ae_sock_state(const struct ae_sock *sk)
{
	if (sk->type != SOCK_STREAM)
		return 0;
	return ((const struct tcp_sock *)sk)->state;
}

/**
 * ae_sock_rxring() - the receive ring of a TCP socket
 * @sk:		socket
 *
 * Return: the ring (mem NULL until the connection has buffers), NULL for UDP
 */
struct ae_ring *ae_sock_rxring(struct ae_sock *sk)
{
	if (!sk || sk->type != SOCK_STREAM)
		return NULL;
	return &tcp_sk(sk)->rx;
}

/**
 * ae_sock_rx_limit() - how much of the receive ring the window is offered
 * from now (the autotuned buffer, tcp_autotune.c): an owner that learns of
 * reads lazily should report them before this much is queued
 * @sk:		socket
 *
 * Return: bytes; 0 for UDP or before the rings exist
 */
uint32_t ae_sock_rx_limit(struct ae_sock *sk)
{
	if (!sk || sk->type != SOCK_STREAM || !tcp_sk(sk)->rx.mem)
		return 0;
	return tcp_rcv_limit(tcp_sk(sk));
}

/**
 * ae_sock_peer_local() - is the socket's peer on this stack (loopback or
 * our own address), so that what it sends is delivered by the stack itself
 * @sk:		socket
 *
 * Return: true if so
 */
bool ae_sock_peer_local(const struct ae_sock *sk)
{
	return sk && sk->raddr && stack_is_local(sk->stack, sk->raddr);
}

/**
 * ae_sock_tx_limit() - how much of the send ring the owner may fill (the
 * rest stays unused: SO_SNDBUF, see tcp_snd_limit())
 * @sk:		socket
 *
 * Return: bytes; 0 for UDP or before the rings exist
 */
uint32_t ae_sock_tx_limit(struct ae_sock *sk)
{
	if (!sk || sk->type != SOCK_STREAM || !tcp_sk(sk)->tx.mem)
		return 0;
	return tcp_snd_limit(tcp_sk(sk));
}

/**
 * ae_sock_txring() - the send ring of a TCP socket
 * @sk:		socket
 *
 * Return: the ring, NULL for UDP
 */
struct ae_ring *ae_sock_txring(struct ae_sock *sk)
{
	if (!sk || sk->type != SOCK_STREAM)
		return NULL;
	return &tcp_sk(sk)->tx;
}

/**
 * ae_sock_rx_consumed() - the owner consumed @n bytes at the rx ring's head
 * @sk:		TCP socket
 * @n:		bytes (clamped to what is queued)
 *
 * Same effect as ae_recv() of @n bytes: may send a window update.
 */
void ae_sock_rx_consumed(struct ae_sock *sk, uint32_t n)
{
	if (!sk || sk->type != SOCK_STREAM)
		return;
	stack_now(sk->stack);
	tcp_usr_rx_consumed(tcp_sk(sk), n);
}

/**
 * ae_sock_tx_committed() - the owner appended @n bytes at the tx ring's tail
 * @sk:		TCP socket
 * @n:		bytes (clamped to the free space)
 *
 * Same effect as ae_send() of @n bytes: may transmit.
 */
void ae_sock_tx_committed(struct ae_sock *sk, uint32_t n)
{
	if (!sk || sk->type != SOCK_STREAM)
		return;
	stack_now(sk->stack);
	tcp_usr_tx_committed(tcp_sk(sk), n);
}

/**
 * ae_sock_rx_restart() - the receive ring is empty: let its next byte go
 * to the ring's first byte (struct ae_ring @base)
 * @sk:		TCP socket
 *
 * For an owner whose consumer is elsewhere (aetherd's shim) and which
 * tells the consumer the new base before the next tail. Not while data
 * out of order is held past the tail.
 *
 * Return: true if the ring restarted (or was at its start already)
 */
bool ae_sock_rx_restart(struct ae_sock *sk)
{
	if (!sk || sk->type != SOCK_STREAM || !tcp_sk(sk)->rx.mem)
		return false;
	return tcp_rx_restart(tcp_sk(sk));
}

/**
 * ae_sock_rx_ahead() - bytes of the receive ring past its tail that hold
 * data out of order (placed at their index, waiting for the hole)
 * @sk:		TCP socket
 *
 * Return: bytes from the tail to the end of the furthest such range, 0
 */
uint32_t ae_sock_rx_ahead(struct ae_sock *sk)
{
	struct tcp_sock *tp;
	uint32_t n = 0;
	int i;

	if (!sk || sk->type != SOCK_STREAM)
		return 0;
	tp = tcp_sk(sk);
	for (i = 0; i < tp->nofo; i++)
		if (tp->ofo[i].end - tp->rcv_nxt > n)
			n = tp->ofo[i].end - tp->rcv_nxt;
	return n;
}

/**
 * ae_sock_tx_rebase() - the send ring's producer (the owner's client)
 * restarted it at @base
 * @sk:		TCP socket
 * @base:	the index it put at the ring's first byte
 *
 * Accepted only while the ring is empty (everything acknowledged): a
 * base that moves under queued data would make the stack send other bytes
 * than the ones it was given.
 *
 * Return: 0, or -EBUSY (data is queued and @base is not the ring's)
 */
int ae_sock_tx_rebase(struct ae_sock *sk, uint32_t base)
{
	struct ae_ring *tx = ae_sock_txring(sk);

	if (!tx || !tx->mem || tx->base == base)
		return 0;
	if (tx->head != tx->tail)
		return -EBUSY;
	tx->base = base;
	return 0;
}

/**
 * ae_tcp_state_name() - the name of a TCP state, as `ss` prints it
 * @state:	enum tcp_state
 *
 * Return: a static string
 */
const char *ae_tcp_state_name(int state)
{
	static const char *const names[TCPS_NSTATES] = {
		[TCPS_CLOSED] = "CLOSED",
		[TCPS_LISTEN] = "LISTEN",
		[TCPS_SYN_SENT] = "SYN-SENT",
		[TCPS_SYN_RECEIVED] = "SYN-RECV",
		[TCPS_ESTABLISHED] = "ESTAB",
		[TCPS_CLOSE_WAIT] = "CLOSE-WAIT",
		[TCPS_FIN_WAIT_1] = "FIN-WAIT-1",
		[TCPS_CLOSING] = "CLOSING",
		[TCPS_LAST_ACK] = "LAST-ACK",
		[TCPS_FIN_WAIT_2] = "FIN-WAIT-2",
		[TCPS_TIME_WAIT] = "TIME-WAIT",
	};

	if (state < 0 || state >= TCPS_NSTATES)
		return "UNKNOWN";
	return names[state];
}
