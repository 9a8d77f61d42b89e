// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_autotune.c - receive-buffer autotuning (dynamic right-sizing)
 *
 * Theory of operation: a connection's receive ring is allocated at its full
 * capacity (struct ae_config @rcvbuf, 4 MiB by default; the pages are only
 * touched as data passes through them), but the window we offer is bounded
 * by @rcv_clamp, the buffer the connection has shown it needs. It starts at
 * TCP_RCVBUF_INIT and, once per round trip, grows to about twice what
 * arrived in order during the last round trip when that was more than ever
 * before: a sender that fills the window every round trip doubles it, like
 * Linux's tcp_rcv_space_adjust() (there measured on what the app copied;
 * here on what arrived in order, because in the daemon the app's reads are
 * seen only in batches). A slow reader cannot make it grow for long: what
 * arrives per round trip is bounded by what the reader frees. The clamp
 * never shrinks, so the right edge of the window never moves back. An
 * explicit SO_RCVBUF (or an embedder's small @rcvbuf) fixes the window at
 * the ring's size, as SO_RCVBUF disables autotuning on Linux.
 */
#include "stack.h"
#include "tcp.h"

/* round trip assumed before the connection has measured one */
#define TCP_AUTOTUNE_DEF_RTT_US	100000U

/**
 * tcp_rcvbuf_locked() - is the window fixed at the ring's size?
 * @tp:		TCB
 *
 * Return: true when the app chose SO_RCVBUF
 */
static bool tcp_rcvbuf_locked(const struct tcp_sock *tp)
{
	return tp->sk.rcvbuf_opt != 0;
}

/**
 * tcp_autotune_init() - the first clamp, once the receive ring exists
 * @tp:		TCB with rings
 */
void tcp_autotune_init(struct tcp_sock *tp)
{
	uint32_t c = TCP_RCVBUF_INIT;

	if (tcp_rcvbuf_locked(tp) || c > tp->rx.size)
		c = tp->rx.size;
	tp->rcv_clamp = c;
	tp->rcvq_space = TCP_INIT_CWND * (uint32_t)tp->adv_mss;
	tp->rcvq_time = 0;
}

/**
 * tcp_rcv_limit() - the receive buffer the window is offered from now
 * @tp:		TCB
 *
 * An explicit SO_RCVBUF bounds it even when the ring was made larger
 * (set after the connection got its rings): Linux offers about half of
 * sk_rcvbuf (twice the value set, tcp_adv_win_scale 1), that is the value
 * set. select_window() never moves the right edge back meanwhile.
 *
 * Return: bytes (the ring's size when there is no clamp yet)
 */
uint32_t tcp_rcv_limit(const struct tcp_sock *tp)
{
	uint32_t lim = tp->rx.size, opt = (uint32_t)tp->sk.rcvbuf_opt / 2;

	if (tp->rcv_clamp && tp->rcv_clamp < lim)
		lim = tp->rcv_clamp;
	if (tp->sk.rcvbuf_opt && opt < lim)
		lim = opt;
	return lim;
}

/**
 * autotune_rtt_ns() - the round trip the measurement runs over
 * @tp:		TCB
 *
 * Return: nanoseconds (smoothed RTT, at least 1 ms)
 */
static uint64_t autotune_rtt_ns(const struct tcp_sock *tp)
{
	uint32_t us = (tp->flags & TF_RTT_VALID) ? tp->srtt :
		      TCP_AUTOTUNE_DEF_RTT_US;

	if (us < 1000)
		us = 1000;
	return us * 1000ULL;
}

/**
 * tcp_autotune_rcvd() - account in-order data; grow the clamp once a round
 * trip when the peer is filling it
 * @tp:		TCB whose RCV.NXT just advanced
 */
void tcp_autotune_rcvd(struct tcp_sock *tp)
{
	uint64_t now = tp->sk.stack->now, win;
	uint32_t copied;

	if (!tp->rx.mem || tcp_rcvbuf_locked(tp) || tp->rcv_clamp >= tp->rx.size)
		return;
	if (!tp->rcvq_time) {
		tp->rcvq_time = now;
		tp->rcvq_seq = tp->rcv_nxt;
		return;
	}
	if (now - tp->rcvq_time < autotune_rtt_ns(tp))
		return;
	copied = tp->rcv_nxt - tp->rcvq_seq;
	if (copied > tp->rcvq_space) {
		win = 2ULL * copied + 16ULL * tp->adv_mss;
		if (win > tp->rx.size)
			win = tp->rx.size;
		if (win > tp->rcv_clamp) {
			tp->rcv_clamp = (uint32_t)win;
			STAT_INC(tp->sk.stack, tcp, rcvbuf_grown);
		}
		tp->rcvq_space = copied;
	}
	tp->rcvq_time = now;
	tp->rcvq_seq = tp->rcv_nxt;
}
