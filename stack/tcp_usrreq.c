// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_usrreq.c - the socket calls on a TCP socket
 *
 * Theory of operation: each call enters the TCP module (tcp_enter()), acts
 * on the TCB and leaves (tcp_leave()), which delivers queued events and frees
 * dead TCBs. The semantics are Linux's: connect() returns -EINPROGRESS and
 * completes with AE_EV_OUT (or AE_EV_ERR and SO_ERROR); listen() keeps
 * established connections on an accept queue bounded by the backlog;
 * close() with unread data, or with SO_LINGER {1, 0}, resets the connection,
 * otherwise it sends a FIN and the TCB finishes closing in the background;
 * send() after shutdown(SHUT_WR) gives -EPIPE; recv() returns 0 at the
 * peer's FIN and -ECONNRESET once after a reset.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "tcp.h"

/**
 * tcp_usr_socket() - a new TCP socket
 * @s:		stack
 * @err:	negative errno on failure
 *
 * Return: socket or NULL
 */
struct ae_sock *tcp_usr_socket(struct ae_stack *s, int *err)
{
	struct tcp_sock *tp = tcp_alloc(s);

	if (!tp) {
		*err = -ENOMEM;
		return NULL;
	}
	return &tp->sk;
}

/**
 * tcp_usr_bind() - bind to a local address and port
 * @tp:		TCB
 * @addr:	INADDR_ANY or ours
 * @port:	network order, 0 for ephemeral
 *
 * Return: 0, -EINVAL (already bound), -EADDRINUSE
 */
int tcp_usr_bind(struct tcp_sock *tp, uint32_t addr, uint16_t port)
{
	struct ae_stack *s = tp->sk.stack;
	int ret;

	if (tp->bound || tp->state != TCPS_CLOSED)
		return -EINVAL;
	tcp_enter(s);
	ret = tcp_bind_port(s, tp, addr, port);
	if (!ret)
		tp->user_bound = true;
	tcp_leave(s);
	return ret;
}

/**
 * tcp_usr_listen() - become a listener
 * @tp:		TCB
 * @backlog:	accept queue bound
 *
 * Return: 0, -EINVAL, -EADDRINUSE
 */
int tcp_usr_listen(struct tcp_sock *tp, int backlog)
{
	struct ae_stack *s = tp->sk.stack;
	int ret = 0;

	if (backlog < 1)
		backlog = 1;
	if (backlog > 4096)
		backlog = 4096;
	if (tp->state == TCPS_LISTEN) {
		tp->backlog = (uint32_t)backlog;
		return 0;
	}
	if (tp->state != TCPS_CLOSED || tp->was_connected)
		return -EINVAL;
	tcp_enter(s);
	if (!tp->bound) {
		ret = tcp_bind_port(s, tp, INADDR_ANY, 0);
		if (ret)
			goto out;
	}
	ret = tcp_listen_check(s, tp);
	if (ret)
		goto out;
	tp->backlog = (uint32_t)backlog;
	tcp_set_state(tp, TCPS_LISTEN);
	tcp_hash_insert(s, tp);
out:
	tcp_leave(s);
	return ret;
}

/**
 * accept_wait_count() - count how long a connection waited to be accepted
 * @s:		stack (its clock read by the caller)
 * @c:		the child leaving the accept queue
 *
 * The wait between the handshake's end and accept() is the program's (and
 * the daemon's hand-over): tcp.accept_wait_ms sums it, tcp.accept_waits_1s
 * counts those over a second, which a client with a 2 s timeout (wrk) feels
 * as a slow server although every segment was answered at once (issue 19).
 */
static void accept_wait_count(struct ae_stack *s, const struct tcp_sock *c)
{
	uint64_t w = s->now > c->acceptq_since ? s->now - c->acceptq_since : 0;

	STAT_INC(s, tcp, accepts);
	STAT_ADD(s, tcp, accept_wait_ms, w / (NS_PER_SEC / 1000));
	if (w > NS_PER_SEC)
		STAT_INC(s, tcp, accept_waits_1s);
}

/**
 * tcp_usr_accept() - take the oldest established child
 * @tp:		listener
 * @out:	the child
 *
 * Return: 0, -EAGAIN, -EINVAL
 */
int tcp_usr_accept(struct tcp_sock *tp, struct tcp_sock **out)
{
	struct tcp_sock *c;

	if (tp->state != TCPS_LISTEN)
		return -EINVAL;
	c = TAILQ_FIRST(&tp->acceptq);
	if (!c)
		return -EAGAIN;
	TAILQ_REMOVE(&tp->acceptq, c, qentry);
	tp->acceptq_len--;
	c->inq = 0;
	c->parent = NULL;
	accept_wait_count(tp->sk.stack, c);
	*out = c;
	return 0;
}

/**
 * tcp_usr_unaccept() - put an accepted child back at the head of its
 * listener's accept queue: its owner never saw it (a program's queue of
 * connections taken ahead, whose process went away)
 * @lp:		listener
 * @c:		the child, as tcp_usr_accept() gave it
 *
 * Return: 0, or -EINVAL (@lp is not listening, @c is closed or queued)
 */
int tcp_usr_unaccept(struct tcp_sock *lp, struct tcp_sock *c)
{
	if (lp->state != TCPS_LISTEN || c->parent || c->inq ||
	    c->sk.closed || c->state == TCPS_CLOSED ||
	    c->state == TCPS_TIME_WAIT)
		return -EINVAL;
	tcp_enter(lp->sk.stack);
	TAILQ_INSERT_HEAD(&lp->acceptq, c, qentry);
	lp->acceptq_len++;
	c->inq = TCP_INQ_ACCEPT;
	c->parent = lp;
	c->acceptq_since = lp->sk.stack->now;
	STAT_INC(lp->sk.stack, tcp, unaccepts);
	tcp_notify(lp, AE_EV_IN);
	tcp_leave(lp->sk.stack);
	return 0;
}

/**
 * tcp_usr_connect() - start an active open
 * @tp:		TCB
 * @addr:	peer address
 * @port:	peer port
 *
 * Return: -EINPROGRESS, or -EISCONN / -EALREADY / -EADDRNOTAVAIL / ...
 */
int tcp_usr_connect(struct tcp_sock *tp, uint32_t addr, uint16_t port)
{
	struct ae_stack *s = tp->sk.stack;
	int ret;

	switch (tp->state) {
	case TCPS_CLOSED:
		break;
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		return -EALREADY;
	case TCPS_LISTEN:
		return -EINVAL;
	default:
		return -EISCONN;
	}
	if (tp->was_connected)
		return -EISCONN;
	tcp_enter(s);
	if (!tp->sk.laddr)
		tp->sk.laddr = ipv4_route_src(s, addr);
	ret = -ENETUNREACH;
	if (!tp->sk.laddr)
		goto out;
	tp->sk.raddr = addr;
	tp->sk.rport = port;
	if (!tp->bound) {
		ret = tcp_pick_ephemeral(s, tp, addr, port);
	} else {
		ret = tcp_hash_lookup(s, tp->sk.laddr, tp->sk.lport, addr, port) ?
		      -EADDRNOTAVAIL : 0;
	}
	if (!ret)
		ret = tcp_alloc_buffers(tp);
	if (ret) {
		tp->sk.raddr = 0;
		tp->sk.rport = 0;
		goto out;
	}
	/* a socket may connect again after a failed attempt: start clean */
	tp->flags &= TF_NODELAY | TF_KEEPALIVE | TF_CORK | TF_QUICKACK |
		     TF_LINGER0;
	tp->flags |= TF_REQ_WSCALE | TF_REQ_SACK | TF_REQ_TS;
	tp->rxtshift = 0;
	tp->rto = TCP_RTO_INIT_US;
	tp->rtt_start = 0;
	tp->nofo = 0;
	tp->nsacked = 0;
	tp->rx.head = tp->rx.tail;
	tp->tx.head = tp->tx.tail;
	tp->rcv_wscale = tcp_wscale_for(tp->rx.size);
	tp->ts_offset = tcp_ts_offset(s, tp->sk.laddr, addr);
	tp->iss = tcp_new_isn(s, tp->sk.laddr, tp->sk.lport, addr, port);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->recover = tp->iss;
	tp->sk.so_error = 0;
	tcp_set_state(tp, TCPS_SYN_SENT);
	tcp_hash_insert(s, tp);
	STAT_INC(s, tcp, active_opens);
	tcp_output(tp);
	ret = -EINPROGRESS;
out:
	tcp_leave(s);
	return ret;
}

/**
 * send_error() - why send() cannot queue data now
 * @tp:		TCB
 *
 * Return: 0 if it can, else a negative errno
 */
static int send_error(struct tcp_sock *tp)
{
	int e = tp->sk.so_error;

	if (e) {
		tp->sk.so_error = 0;
		return -e;
	}
	if (tp->flags & TF_SHUT_WR)
		return -EPIPE;
	switch (tp->state) {
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
		return 0;
	case TCPS_SYN_SENT:
	case TCPS_SYN_RECEIVED:
		return -EAGAIN;
	case TCPS_CLOSED:
		return tp->was_connected ? -EPIPE : -ENOTCONN;
	case TCPS_LISTEN:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
}

/**
 * tcp_usr_send() - copy bytes into the send ring and transmit
 * @tp:		TCB
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_MORE corks this call's data
 *
 * Return: bytes queued or a negative errno
 */
ssize_t tcp_usr_send(struct tcp_sock *tp, const void *buf, size_t len,
		     int flags)
{
	struct ae_stack *s = tp->sk.stack;
	uint32_t n;
	int err = send_error(tp);
	bool cork;

	if (err)
		return err;
	if (!len)
		return 0;
	n = tcp_snd_space(tp);
	if (!n)
		return -EAGAIN;
	if (len < n)
		n = (uint32_t)len;
	ring_restart(&tp->tx);	/* all acknowledged: back to the start */
	ring_write(&tp->tx, tp->tx.tail, buf, n);
	tp->tx.tail += n;
	tcp_enter(s);
	cork = (flags & MSG_MORE) && !(tp->flags & TF_CORK);
	if (cork)
		tp->flags |= TF_CORK;
	tcp_output(tp);
	if (cork)
		tp->flags &= ~TF_CORK;
	tcp_leave(s);
	return n;
}

/**
 * tcp_usr_recv() - copy received bytes out of the ring
 * @tp:		TCB
 * @buf:	destination
 * @len:	room
 * @flags:	MSG_PEEK
 *
 * Return: bytes, 0 at EOF, or a negative errno
 */
ssize_t tcp_usr_recv(struct tcp_sock *tp, void *buf, size_t len, int flags)
{
	uint32_t n = tp->rx.mem ? ring_used(&tp->rx) : 0;
	int e;

	if (tp->state == TCPS_LISTEN)
		return -ENOTCONN;
	if (!n) {
		e = tp->sk.so_error;
		if (e) {
			tp->sk.so_error = 0;
			return -e;
		}
		if (TCPS_HAVERCVDFIN(tp->state) || (tp->flags & TF_SHUT_RD))
			return 0;
		if (tp->state == TCPS_CLOSED)
			return tp->was_connected ? 0 : -ENOTCONN;
		return -EAGAIN;
	}
	if (!len)
		return 0;
	if (len < n)
		n = (uint32_t)len;
	ring_read(&tp->rx, tp->rx.head, buf, n);
	if (flags & MSG_PEEK)
		return n;
	tcp_usr_rx_consumed(tp, n);
	tcp_rx_restart(tp);	/* the stack is this ring's producer */
	return n;
}

/**
 * tcp_rx_restart() - restart the receive ring if it is empty and holds no
 * data out of order beyond its tail (that data sits at its index's place)
 * @tp:		TCB with rings
 *
 * Return: true if the ring restarted
 */
bool tcp_rx_restart(struct tcp_sock *tp)
{
	if (tp->nofo)
		return false;
	return ring_restart(&tp->rx);
}

/**
 * tcp_usr_rx_consumed() - the app took @n bytes off the receive ring
 * @tp:		TCB
 * @n:		bytes
 */
void tcp_usr_rx_consumed(struct tcp_sock *tp, uint32_t n)
{
	struct ae_stack *s = tp->sk.stack;

	if (!tp->rx.mem)
		return;
	if (n > ring_used(&tp->rx))
		n = ring_used(&tp->rx);
	tp->rx.head += n;
	tcp_enter(s);
	tcp_window_update(tp);
	tcp_leave(s);
}

/**
 * tcp_usr_tx_committed() - the app appended @n bytes to the send ring
 * @tp:		TCB
 * @n:		bytes
 */
void tcp_usr_tx_committed(struct tcp_sock *tp, uint32_t n)
{
	struct ae_stack *s = tp->sk.stack;

	if (!tp->tx.mem || send_error(tp) == -EPIPE)
		return;
	if (n > ring_free(&tp->tx))
		n = ring_free(&tp->tx);
	tp->tx.tail += n;
	tcp_enter(s);
	tcp_output(tp);
	tcp_leave(s);
}

/**
 * shut_wr() - no more data from us: queue a FIN (RFC 9293 3.10.4 CLOSE)
 * @tp:		TCB
 */
static void shut_wr(struct tcp_sock *tp)
{
	if (tp->flags & TF_SHUT_WR)
		return;
	tp->flags |= TF_SHUT_WR;
	switch (tp->state) {
	case TCPS_ESTABLISHED:
		tcp_set_state(tp, TCPS_FIN_WAIT_1);
		break;
	case TCPS_CLOSE_WAIT:
		tcp_set_state(tp, TCPS_LAST_ACK);
		break;
	default:
		return;	/* SYN-SENT/RECEIVED: sent once established */
	}
	tcp_output(tp);
}

/**
 * tcp_usr_shutdown() - close one or both directions
 * @tp:		TCB
 * @how:	SHUT_RD, SHUT_WR, SHUT_RDWR
 *
 * A connection in TIME-WAIT is closed as far as its owner can tell (Linux
 * hands TIME-WAIT to a separate mini socket and the owner's is CLOSED).
 *
 * Return: 0 or -ENOTCONN
 */
int tcp_usr_shutdown(struct tcp_sock *tp, int how)
{
	struct ae_stack *s = tp->sk.stack;

	if (tp->state == TCPS_CLOSED || tp->state == TCPS_LISTEN ||
	    tp->state == TCPS_TIME_WAIT)
		return -ENOTCONN;
	tcp_enter(s);
	if (how == SHUT_RD || how == SHUT_RDWR) {
		tp->flags |= TF_SHUT_RD;
		tcp_notify(tp, AE_EV_IN | AE_EV_RDHUP);
	}
	if (how == SHUT_WR || how == SHUT_RDWR)
		shut_wr(tp);
	tcp_leave(s);
	return 0;
}

/**
 * close_listener() - a listener closes: reset what waits to be accepted,
 * forget the half-open
 * @tp:		listener
 */
static void close_listener(struct tcp_sock *tp)
{
	struct tcp_sock *c;

	while ((c = TAILQ_FIRST(&tp->acceptq)))
		tcp_drop(c, 0);		/* RST, like Linux */
	while ((c = TAILQ_FIRST(&tp->synq)))
		tcp_destroy(c);
	tcp_destroy(tp);
}

/**
 * tcp_usr_close() - the owner releases the socket
 * @tp:		TCB
 *
 * Return: 0
 */
int tcp_usr_close(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;
	bool unread = tp->rx.mem && ring_used(&tp->rx);

	if (tp->sk.closed)
		return 0;
	tcp_enter(s);
	tp->sk.closed = true;
	switch (tp->state) {
	case TCPS_CLOSED:
	case TCPS_SYN_SENT:
		tcp_destroy(tp);
		break;
	case TCPS_LISTEN:
		close_listener(tp);
		break;
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
	case TCPS_CLOSE_WAIT:
		if (unread || (tp->flags & TF_LINGER0)) {
			tcp_drop(tp, 0);
			break;
		}
		shut_wr(tp);
		tp->flags |= TF_SHUT_RD;
		break;
	case TCPS_FIN_WAIT_2:
		if (unread || (tp->flags & TF_LINGER0)) {
			tcp_drop(tp, 0);
			break;
		}
		tcp_fin_wait_2_arm(tp);
		break;
	case TCPS_TIME_WAIT:
		tcp_maybe_free(tp);	/* rings go, the TCB joins the TW queue */
		break;
	default:	/* FIN-WAIT-1, CLOSING, LAST-ACK: our FIN is out */
		if (unread || (tp->flags & TF_LINGER0))
			tcp_drop(tp, 0);
		break;
	}
	tcp_leave(s);
	return 0;
}

/**
 * tcp_usr_abort() - reset the connection and release the socket
 * @tp:		TCB
 */
void tcp_usr_abort(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;

	if (tp->sk.closed)
		return;
	tcp_enter(s);
	tp->flags |= TF_LINGER0;
	if (tp->state == TCPS_LISTEN) {
		tp->sk.closed = true;
		close_listener(tp);
	} else {
		tp->sk.closed = true;
		if (tp->state == TCPS_TIME_WAIT || tp->state == TCPS_CLOSED)
			tcp_destroy(tp);
		else
			tcp_drop(tp, 0);
	}
	tcp_leave(s);
}

/**
 * tcp_conn_open() - is @sk a TCP connection not yet closed
 * @sk:		socket
 *
 * Return: true unless UDP, CLOSED, LISTEN or TIME_WAIT
 */
static bool tcp_conn_open(struct ae_sock *sk)
{
	int st;

	if (sk->type != SOCK_STREAM)
		return false;
	st = tcp_sk(sk)->state;
	return st != TCPS_CLOSED && st != TCPS_LISTEN && st != TCPS_TIME_WAIT;
}

/**
 * ae_stack_open_conns() - TCP connections not yet closed (not CLOSED,
 * LISTEN or TIME_WAIT): what a shutdown waits for
 * @s:		stack
 *
 * Return: how many
 */
unsigned int ae_stack_open_conns(struct ae_stack *s)
{
	struct ae_sock *sk;
	unsigned int n = 0;

	LIST_FOREACH(sk, &s->sockets, entry)
		n += tcp_conn_open(sk);
	return n;
}

/**
 * ae_stack_reset_all() - reset every TCP connection not yet closed: the last
 * step of a shutdown, so that no peer is left waiting on a host that is gone
 * @s:		stack
 *
 * Connections in TIME_WAIT are left alone (nothing is owed to their peer);
 * listeners are left to their owners. An RST goes out for every
 * synchronized connection (tcp_drop()); a socket still owned then reads
 * as closed, an orphan is freed.
 *
 * Return: how many connections were reset
 */
unsigned int ae_stack_reset_all(struct ae_stack *s)
{
	struct ae_sock *sk, *next;
	unsigned int n = 0;

	tcp_enter(s);
	for (sk = LIST_FIRST(&s->sockets); sk; sk = next) {
		next = LIST_NEXT(sk, entry);
		if (!tcp_conn_open(sk))
			continue;
		tcp_drop(tcp_sk(sk), 0);
		n++;
	}
	tcp_leave(s);
	return n;
}
