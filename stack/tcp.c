// SPDX-License-Identifier: MIT
/**
 * DOC: tcp.c - TCB lifetime, the one state-changing function, deferred events
 *
 * Theory of operation: a TCB is calloc()ed (its ring storage, the only large
 * memory, comes from stack_ring_alloc() in one piece: receive ring first, then
 * send ring) and linked into the stack's socket list for `ss`. It dies in two
 * steps: tcp_destroy() unhooks it from every table and puts it on the dead
 * list; tcp_leave(), when the outermost entry point returns, first delivers
 * the events collected by tcp_notify() and then frees the dead, telling an
 * owner that had called ae_close() with AE_EV_FREE. Protocol code therefore
 * never runs under a callback, and a callback may close any socket.
 *
 * A TCB in CLOSED state lives on while its owner holds the handle (so that
 * SO_ERROR and recv() can report what happened); once the owner has closed
 * it, or it is a child nobody accepted, CLOSED means freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <arpa/inet.h>

#include "tcp.h"

static void tcp_rings_free(struct tcp_sock *tp);
static uint16_t tcp_mss_from_mtu(const struct ae_stack *s);

/**
 * tcp_buf_size() - smallest power of two >= @v, within [4 KiB, 64 MiB]
 * @v:		requested size
 *
 * Return: ring size
 */
uint32_t tcp_buf_size(uint32_t v)
{
	uint32_t r = 4096;

	while (r < v && r < (64u << 20))
		r <<= 1;
	return r;
}

/**
 * tcp_init() - allocate the TCP module of a stack
 * @s:		stack
 *
 * Return: 0 or -ENOMEM
 */
int tcp_init(struct ae_stack *s)
{
	struct ae_tcp *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	s->tcp = t;
	TAILQ_INIT(&t->notify);
	TAILQ_INIT(&t->dead);
	TAILQ_INIT(&t->twq);
	if (tcp_hash_init(s)) {
		free(t);
		s->tcp = NULL;
		return -ENOMEM;
	}
	tcp_isn_init(s);
	t->port_hint = (uint16_t)stack_random(s);
	return 0;
}

/**
 * tcp_free_now() - release a TCB's memory (already unhooked)
 * @tp:		TCB
 */
static void tcp_free_now(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;

	tcp_rings_free(tp);
	tcp_cc_free(tp);
	sock_unlink(&tp->sk);
	s->tcp->ntcb--;
	free(tp);
}

/**
 * tcp_fini() - free every TCB and the module; emits nothing
 * @s:		stack
 */
void tcp_fini(struct ae_stack *s)
{
	struct ae_sock *sk, *next;

	if (!s->tcp)
		return;
	for (sk = LIST_FIRST(&s->sockets); sk; sk = next) {
		next = LIST_NEXT(sk, entry);
		if (sk->type == SOCK_STREAM)
			tcp_free_now(tcp_sk(sk));
	}
	tcp_hash_fini(s);
	free(s->tcp);
	s->tcp = NULL;
}

/**
 * tcp_alloc() - a new TCB in CLOSED state with the stack's defaults
 * @s:		stack
 *
 * Return: TCB (linked into the socket list) or NULL
 */
struct tcp_sock *tcp_alloc(struct ae_stack *s)
{
	struct tcp_sock *tp = calloc(1, sizeof(*tp));
	int i;

	if (!tp)
		return NULL;
	sock_link(s, &tp->sk, SOCK_STREAM);
	s->tcp->ntcb++;
	tp->state = TCPS_CLOSED;
	TAILQ_INIT(&tp->synq);
	TAILQ_INIT(&tp->acceptq);
	for (i = 0; i < TT_NTIMERS; i++)
		tp->timer[i] = AE_NEVER;
	tp->rcvbuf = tcp_buf_size(s->cfg.rcvbuf);
	tp->sndbuf = tcp_buf_size(s->cfg.sndbuf);
	tp->rto = TCP_RTO_INIT_US;
	tp->mss = TCP_DEFAULT_MSS;
	tp->adv_mss = tcp_mss_from_mtu(s);
	tp->keepidle = TCP_KEEPIDLE_S;
	tp->keepintvl = TCP_KEEPINTVL_S;
	tp->keepcnt = TCP_KEEPCNT_DEF;
	tp->syn_retries = TCP_SYN_RETRIES;
	tp->cc = &tcp_cc_cubic;
	tp->ssthresh = UINT32_MAX;
	tp->quickacks = TCP_QUICKACKS;
	if (s->cfg.congestion[0])	/* the embedder's default; else CUBIC */
		tcp_cc_select(tp, s->cfg.congestion,
			      strnlen(s->cfg.congestion,
				      sizeof(s->cfg.congestion)));
	return tp;
}

/**
 * tcp_alloc_buffers() - give a TCB its rings (one allocation: rx then tx)
 * @tp:		TCB
 *
 * Return: 0 or -ENOMEM
 */
int tcp_alloc_buffers(struct tcp_sock *tp)
{
	uint32_t rsz = tcp_buf_size(tp->rcvbuf), tsz = tcp_buf_size(tp->sndbuf);
	uint8_t *mem;

	if (tp->bufmem)
		return 0;
	mem = stack_ring_alloc(tp->sk.stack, rsz, tsz);
	if (!mem)
		return -ENOMEM;
	tp->bufmem = mem;
	tp->buflen = (size_t)rsz + tsz;
	tp->rx = (struct ae_ring){ .mem = mem, .size = rsz };
	tp->tx = (struct ae_ring){ .mem = mem + rsz, .size = tsz };
	tcp_autotune_init(tp);
	return 0;
}

/**
 * tcp_rings_free() - return a TCB's ring storage
 * @tp:		TCB
 */
static void tcp_rings_free(struct tcp_sock *tp)
{
	if (!tp->bufmem)
		return;
	stack_ring_free(tp->sk.stack, tp->bufmem, tp->buflen);
	tp->bufmem = NULL;
	tp->buflen = 0;
	memset(&tp->rx, 0, sizeof(tp->rx));
	memset(&tp->tx, 0, sizeof(tp->tx));
}

/**
 * tcp_rcv_space() - bytes we can still accept beyond RCV.NXT
 * @tp:		TCB
 *
 * Return: what the autotuned buffer has free (never more than the ring
 * has), or the configured buffer before the rings exist (embryonic
 * connections)
 */
static uint32_t tcp_rcv_space(const struct tcp_sock *tp)
{
	uint32_t used, lim;

	if (!tp->rx.mem)
		return tcp_buf_size(tp->rcvbuf);
	used = ring_used(&tp->rx);
	lim = tcp_rcv_limit(tp);
	return used >= lim ? 0 : lim - used;
}

/**
 * tcp_snd_limit() - how much of the send ring the app may fill
 * @tp:		TCB
 *
 * Linux stops a sender when the bytes it holds reach sk_sndbuf, twice the
 * SO_SNDBUF value set, the other half standing for its per-skb overhead
 * (socket(7)). Our ring has no overhead, so the payload bound is the value
 * set: half of what getsockopt() reports, at least SOCK_MIN_SNDBUF / 2.
 * The ring keeps its size; only the part the app may fill follows.
 *
 * Return: bytes (the ring's size without SO_SNDBUF)
 */
uint32_t tcp_snd_limit(const struct tcp_sock *tp)
{
	uint32_t lim = (uint32_t)tp->sk.sndbuf_opt / 2;

	if (!tp->sk.sndbuf_opt || lim > tp->tx.size)
		return tp->tx.size;
	return lim;
}

/**
 * tcp_snd_space() - bytes the app may still queue
 * @tp:		TCB
 *
 * Return: tcp_snd_limit() minus what the send ring holds, 0 when past it
 */
uint32_t tcp_snd_space(const struct tcp_sock *tp)
{
	uint32_t used = ring_used(&tp->tx), lim = tcp_snd_limit(tp);

	return used >= lim ? 0 : lim - used;
}

/**
 * tcp_rcv_window() - the receive window we may offer now
 * @tp:		TCB
 *
 * Return: window in bytes, capped by what the window field can express
 */
uint32_t tcp_rcv_window(const struct tcp_sock *tp)
{
	uint32_t w = tcp_rcv_space(tp);
	uint32_t max = (uint32_t)TCP_MAXWIN <<
		       ((tp->flags & TF_WSCALE) ? tp->rcv_wscale : 0);

	return w > max ? max : w;
}

/**
 * tcp_data_una() - sequence number of the byte at the send ring's head
 * @tp:		TCB
 *
 * Return: SND.UNA, plus one while our SYN is unacknowledged
 */
uint32_t tcp_data_una(const struct tcp_sock *tp)
{
	if (tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED)
		return tp->snd_una + 1;
	return tp->snd_una;
}

/**
 * tcp_fin_acked() - does @ack cover our FIN?
 * @tp:		TCB
 * @ack:	acknowledgment number
 *
 * Return: true when the FIN has been sent and @ack is past it
 */
bool tcp_fin_acked(const struct tcp_sock *tp, uint32_t ack)
{
	uint32_t fin_seq;

	if (!(tp->flags & TF_SENTFIN))
		return false;
	fin_seq = tcp_data_una(tp) + ring_used(&tp->tx);
	return SEQ_GT(ack, fin_seq);
}

/**
 * tcp_ts_now() - our timestamp clock (1 ms ticks, per-connection offset)
 * @tp:		TCB
 *
 * Return: TSval
 */
uint32_t tcp_ts_now(const struct tcp_sock *tp)
{
	return (uint32_t)(tp->sk.stack->now / NS_PER_MS) + tp->ts_offset;
}

/**
 * tcp_mss_from_mtu() - the MSS we advertise: MTU less IP and TCP headers
 * @s:		stack
 *
 * Return: MSS
 */
static uint16_t tcp_mss_from_mtu(const struct ae_stack *s)
{
	return (uint16_t)(s->cfg.mtu - IP_HLEN - TCP_HLEN);
}

/**
 * tcp_set_state() - the one place a TCB changes state
 * @tp:		TCB
 * @st:		new state
 *
 * Keeps the CurrEstab gauge and logs every transition at debug level.
 */
void tcp_set_state(struct tcp_sock *tp, enum tcp_state st)
{
	struct ae_stack *s = tp->sk.stack;
	enum tcp_state old = tp->state;

	if (old == st)
		return;
	if (old == TCPS_ESTABLISHED || old == TCPS_CLOSE_WAIT)
		s->stats.tcp_curr_estab--;
	if (st == TCPS_ESTABLISHED || st == TCPS_CLOSE_WAIT)
		s->stats.tcp_curr_estab++;
	if (st == TCPS_ESTABLISHED)
		tp->was_connected = true;
	tp->state = st;
	stack_log(s, LOG_DEBUG, "tcp %08x:%u -> %08x:%u %s -> %s",
		  ntohl(tp->sk.laddr), ntohs(tp->sk.lport),
		  ntohl(tp->sk.raddr), ntohs(tp->sk.rport),
		  ae_tcp_state_name(old), ae_tcp_state_name(st));
}

/**
 * tcp_notify() - queue readiness events for delivery at tcp_leave()
 * @tp:		TCB
 * @ev:		AE_EV_* mask
 */
void tcp_notify(struct tcp_sock *tp, unsigned int ev)
{
	struct ae_tcp *t = tp->sk.stack->tcp;

	if (!ev || (tp->flags & TF_DEAD))
		return;
	tp->pending_ev |= ev;
	if (!(tp->flags & TF_QUEUED_NOTIFY)) {
		tp->flags |= TF_QUEUED_NOTIFY;
		TAILQ_INSERT_TAIL(&t->notify, tp, nentry);
	}
}

/**
 * tcp_enter() - mark entry into the TCP module from outside
 * @s:		stack
 */
void tcp_enter(struct ae_stack *s)
{
	s->tcp->depth++;
}

/**
 * tcp_flush() - deliver queued events, then free dead TCBs
 * @s:		stack
 *
 * Callbacks run here may queue more events or kill more TCBs; the loop runs
 * until both lists are empty, with a generous bound against a livelock.
 */
static void tcp_flush(struct ae_stack *s)
{
	struct ae_tcp *t = s->tcp;
	struct tcp_sock *tp;
	unsigned int ev;
	int guard = 1 << 20;

	while (guard-- > 0) {
		tp = TAILQ_FIRST(&t->notify);
		if (tp) {
			TAILQ_REMOVE(&t->notify, tp, nentry);
			tp->flags &= ~TF_QUEUED_NOTIFY;
			ev = tp->pending_ev;
			tp->pending_ev = 0;
			sock_notify(&tp->sk, ev);
			continue;
		}
		tp = TAILQ_FIRST(&t->dead);
		if (!tp)
			break;
		TAILQ_REMOVE(&t->dead, tp, nentry);
		t->ndead--;
		if (tp->sk.closed)
			sock_notify(&tp->sk, AE_EV_FREE);
		tcp_free_now(tp);
	}
	AE_ASSERT(guard >= 0);	/* the livelock bound is never reached */
}

/**
 * tcp_leave() - leave the TCP module; the outermost leave flushes events
 * @s:		stack
 */
void tcp_leave(struct ae_stack *s)
{
	struct ae_tcp *t = s->tcp;

	if (t->depth > 1) {
		t->depth--;
		return;
	}
	tcp_flush(s);
	t->depth = 0;
}

/**
 * tcp_unqueue_child() - take a child off its listener's queues
 * @tp:		child TCB
 */
static void tcp_unqueue_child(struct tcp_sock *tp)
{
	struct tcp_sock *lp = tp->parent;

	if (!lp)
		return;
	if (tp->inq == TCP_INQ_SYN) {
		TAILQ_REMOVE(&lp->synq, tp, qentry);
		lp->synq_len--;
	} else if (tp->inq == TCP_INQ_ACCEPT) {
		TAILQ_REMOVE(&lp->acceptq, tp, qentry);
		lp->acceptq_len--;
	}
	tp->inq = 0;
	tp->parent = NULL;
}

/**
 * tcp_destroy() - unhook a TCB from everything; freed at tcp_leave()
 * @tp:		TCB
 */
void tcp_destroy(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;
	struct ae_tcp *t = s->tcp;

	if (tp->flags & TF_DEAD)
		return;
	tcp_set_state(tp, TCPS_CLOSED);
	tcp_unqueue_child(tp);
	tcp_hash_remove(s, tp);
	tcp_unbind(s, tp);
	tcp_timer_clear_all(tp);
	if (tp->flags & TF_QUEUED_NOTIFY) {
		TAILQ_REMOVE(&t->notify, tp, nentry);
		tp->flags &= ~TF_QUEUED_NOTIFY;
	}
	if (tp->in_twq) {
		TAILQ_REMOVE(&t->twq, tp, twentry);
		tp->in_twq = false;
	}
	tp->flags |= TF_DEAD;
	TAILQ_INSERT_TAIL(&t->dead, tp, nentry);
	t->ndead++;
}

/**
 * tcp_live_sockets() - sockets that count against max_sockets: the linked
 * ones, less those already dead and about to be freed
 * @s:		stack
 *
 * Return: count
 */
uint32_t tcp_live_sockets(const struct ae_stack *s)
{
	return s->nsockets - s->tcp->ndead;
}

/**
 * tcp_reclaim_time_wait() - at the socket limit, end the oldest orphaned
 * TIME-WAIT early (as Linux does when its TIME-WAIT table overflows)
 * @s:		stack
 *
 * Return: true when one was reclaimed (freed now, or at the next
 * tcp_leave() when called from inside the stack)
 */
bool tcp_reclaim_time_wait(struct ae_stack *s)
{
	struct tcp_sock *tp = TAILQ_FIRST(&s->tcp->twq);

	if (!tp)
		return false;
	STAT_INC(s, tcp, time_wait_recycled);
	tcp_enter(s);
	tcp_destroy(tp);
	tcp_leave(s);
	return true;
}

/**
 * tcp_maybe_free() - destroy a CLOSED TCB nobody holds any more
 * @tp:		TCB
 */
void tcp_maybe_free(struct tcp_sock *tp)
{
	if (tp->state != TCPS_CLOSED && tp->state != TCPS_TIME_WAIT)
		return;
	if (tp->state == TCPS_TIME_WAIT) {
		if (tp->sk.closed) {
			tcp_rings_free(tp);
			if (!tp->in_twq) {
				TAILQ_INSERT_TAIL(&tp->sk.stack->tcp->twq, tp,
						  twentry);
				tp->in_twq = true;
			}
		}
		return;
	}
	if (tp->sk.closed || tp->parent)
		tcp_destroy(tp);
}

/**
 * tcp_close_tcb() - enter CLOSED: unhash, stop timers, tell the owner
 * @tp:		TCB
 *
 * The port stays reserved only if the owner bound it explicitly and still
 * holds the socket.
 */
void tcp_close_tcb(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;

	tcp_set_state(tp, TCPS_CLOSED);
	tcp_hash_remove(s, tp);
	tcp_timer_clear_all(tp);
	if (!tp->user_bound || tp->sk.closed)
		tcp_unbind(s, tp);
	tcp_notify(tp, AE_EV_HUP | AE_EV_IN | AE_EV_OUT);
	tcp_maybe_free(tp);
}

/**
 * tcp_drop() - abort a connection: RST if synchronized, report @err
 * @tp:		TCB
 * @err:	positive errno for SO_ERROR, 0 for none
 */
void tcp_drop(struct tcp_sock *tp, int err)
{
	struct ae_stack *s = tp->sk.stack;

	/* a timeout gives up silently, as Linux does; an abort resets */
	if (TCPS_HAVERCVDSYN(tp->state) && tp->state != TCPS_TIME_WAIT &&
	    err != ETIMEDOUT)
		tcp_send_rst(tp);
	if (tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED)
		STAT_INC(s, tcp, attempt_fails);
	else if (tp->state == TCPS_ESTABLISHED || tp->state == TCPS_CLOSE_WAIT)
		STAT_INC(s, tcp, estab_resets);
	/* Linux's tcp_write_err(): a timeout reports the soft error if any */
	if (err == ETIMEDOUT && tp->sk.soft_err)
		err = tp->sk.soft_err;
	tp->sk.soft_err = 0;
	if (err) {
		tp->sk.so_error = err;
		tcp_notify(tp, AE_EV_ERR);
	}
	tcp_close_tcb(tp);
}

/**
 * tcp_poll_mask() - current readiness of a TCP socket
 * @tp:		TCB
 *
 * Return: AE_EV_* mask
 */
unsigned int tcp_poll_mask(const struct tcp_sock *tp)
{
	unsigned int m = 0;

	if (tp->state == TCPS_LISTEN)
		return tp->acceptq_len ? AE_EV_IN : 0;
	if (tp->sk.so_error)
		m |= AE_EV_ERR;
	if (tp->rx.mem && ring_used(&tp->rx))
		m |= AE_EV_IN;
	if (TCPS_HAVERCVDFIN(tp->state) || (tp->flags & TF_SHUT_RD))
		m |= AE_EV_IN | AE_EV_RDHUP;
	if (tp->state == TCPS_CLOSED) {
		/* as Linux: a fresh socket is OUT|HUP; a dead connection
		 * also reads (EOF or its error) */
		m |= AE_EV_HUP | AE_EV_OUT;
		if (tp->was_connected || tp->sk.so_error)
			m |= AE_EV_IN | AE_EV_RDHUP;
		return m;
	}
	if (TCPS_HAVERCVDFIN(tp->state) && (tp->flags & TF_SHUT_WR))
		m |= AE_EV_HUP;
	if ((tp->state == TCPS_ESTABLISHED || tp->state == TCPS_CLOSE_WAIT) &&
	    !(tp->flags & TF_SHUT_WR) && tp->tx.mem && tcp_snd_space(tp))
		m |= AE_EV_OUT;
	return m;
}

/**
 * tcp_sock_info() - fill TCP fields of a socket-table line
 * @sk:		TCP socket
 * @info:	line (addresses already filled)
 */
void tcp_sock_info(const struct ae_sock *sk, struct ae_sock_info *info)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	info->state = tp->state;
	tcp_sock_info_cc(sk, info);
	if (tp->state == TCPS_LISTEN) {
		info->rx_queued = tp->acceptq_len;
		info->tx_queued = tp->backlog;
		return;
	}
	info->rx_queued = tp->rx.mem ? ring_used(&tp->rx) : 0;
	info->tx_queued = tp->tx.mem ? ring_used(&tp->tx) : 0;
}

/**
 * tcp_check_invariants() - what must hold of a TCB between events: rings
 * filled within their size, SND.UNA <= SND.NXT <= SND.MAX (RFC 9293 3.3.1),
 * the out-of-order list within its bound, the SACK scoreboard in order
 * (tcp_sack_check())
 * @tp:		TCB
 *
 * Return: NULL when they hold, else what is broken
 */
const char *tcp_check_invariants(const struct tcp_sock *tp)
{
	if (tp->rx.mem && ring_used(&tp->rx) > tp->rx.size)
		return "rx ring over-full";
	if (tp->tx.mem && ring_used(&tp->tx) > tp->tx.size)
		return "tx ring over-full";
	if (tp->state >= TCPS_SYN_SENT &&
	    (SEQ_GT(tp->snd_una, tp->snd_nxt) ||
	     SEQ_GT(tp->snd_nxt, tp->snd_max)))
		return "send sequence space out of order";
	if (tp->nofo > TCP_OFO_MAX)
		return "out-of-order list overflow";
	return tcp_sack_check(tp);
}

/**
 * tcp_check_all() - tcp_check_invariants() of every TCB, and the timer heap
 * @s:		stack
 *
 * Return: NULL when they hold, else what is broken
 */
const char *tcp_check_all(const struct ae_stack *s)
{
	const struct ae_sock *sk;
	const char *why;

	LIST_FOREACH(sk, &s->sockets, entry) {
		if (sk->type != SOCK_STREAM)
			continue;
		why = tcp_check_invariants((const struct tcp_sock *)sk);
		if (why)
			return why;
	}
	return tcp_heap_check(s->tcp);
}
