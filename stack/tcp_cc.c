// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_cc.c - congestion control: NewReno (RFC 5681/6582) and CUBIC
 * (RFC 9438), selected per socket with TCP_CONGESTION ("cubic" default)
 *
 * Theory of operation: cwnd and ssthresh are in bytes. Slow start grows cwnd
 * by the bytes acknowledged, at most 2 MSS per ACK (ABC, RFC 3465, L = 2).
 * In congestion avoidance NewReno adds one MSS per cwnd of acknowledged
 * bytes; CUBIC follows W(t) = C (t - K)^3 + W_max with C = 0.4 and
 * beta = 0.7, never slower than its Reno-friendly estimate. Fast recovery
 * itself (entering, partial ACKs, leaving) is in tcp_recovery.c; this file
 * only says how the windows move. No libm: the cube root is a few Newton
 * steps.
 *
 * Each algorithm is a &struct tcp_cc_ops (tcp.h): tcp_cc_reno and
 * tcp_cc_cubic here, tcp_cc_bbr in tcp_bbr.c, which sets its window from
 * its model on every ACK instead. The rest of TCP calls the tcp_cc_*()
 * functions at the end of this file, which call the socket's ops; no
 * congestion control sends a segment.
 */
#include <errno.h>
#include <string.h>

#include "tcp.h"

#define CUBIC_C		0.4
#define CUBIC_BETA	0.7

/**
 * cube_root() - cube root of a non-negative number (Newton's method)
 * @x:		value
 *
 * Return: x^(1/3)
 */
static double cube_root(double x)
{
	double r = x > 1 ? x / 3 : 1;
	int i;

	if (x <= 0)
		return 0;
	for (i = 0; i < 60; i++) {
		double n = r - (r * r * r - x) / (3 * r * r);

		if (n == r)
			break;
		r = n;
	}
	return r;
}

/**
 * tcp_cc_initial_window() - &tcp_cc_ops.init of all three: initial window
 * (RFC 6928: 10 segments), no ssthresh yet
 * @tp:		TCB whose MSS is known
 */
void tcp_cc_initial_window(struct tcp_sock *tp)
{
	tp->cwnd = TCP_INIT_CWND * (uint32_t)tp->mss;
	tp->ssthresh = UINT32_MAX;
	tp->cubic.epoch = 0;
	tp->cubic.w_max = 0;
}

/**
 * cubic_ack() - CUBIC window growth in congestion avoidance
 * @tp:		TCB
 * @acked:	bytes newly acknowledged
 */
static void cubic_ack(struct tcp_sock *tp, uint32_t acked)
{
	double mss = tp->mss, w = tp->cwnd / mss, t, target, west, k;
	uint64_t now = tp->sk.stack->now;
	uint32_t inc;

	if (!tp->cubic.epoch) {
		tp->cubic.epoch = now;
		if (tp->cubic.w_max > tp->cwnd) {
			k = cube_root((tp->cubic.w_max - tp->cwnd) / mss / CUBIC_C);
			tp->cubic.k_ms = (uint32_t)(k * 1000);
			tp->cubic.origin = tp->cubic.w_max;
		} else {
			tp->cubic.k_ms = 0;
			tp->cubic.origin = tp->cwnd;
		}
		tp->cubic.tcp_cwnd = tp->cwnd;
		tp->cubic.ack_cnt = 0;
	}
	t = (double)(now - tp->cubic.epoch) / 1e9 + tp->srtt / 1e6 -
	    tp->cubic.k_ms / 1000.0;
	target = tp->cubic.origin / mss + CUBIC_C * t * t * t;
	/* Reno-friendly estimate: alpha = 3 (1 - beta) / (1 + beta) below
	 * W_max, 1 beyond it (RFC 9438 4.3) */
	tp->cubic.ack_cnt += acked;
	if (tp->cubic.ack_cnt >= tp->cubic.tcp_cwnd) {
		double alpha = tp->cubic.tcp_cwnd >= tp->cubic.w_max ? 1.0 :
			       3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA);

		tp->cubic.ack_cnt -= tp->cubic.tcp_cwnd;
		tp->cubic.tcp_cwnd += (uint32_t)(mss * alpha);
	}
	west = tp->cubic.tcp_cwnd / mss;
	if (west > target)
		target = west;
	if (target > 1.5 * w)
		target = 1.5 * w;
	if (target <= w)
		return;
	inc = (uint32_t)((target - w) / w * acked);
	if (!inc)
		inc = 1;
	tp->cwnd += inc;
}

/**
 * lb_ack() - grow cwnd for @acked new bytes (outside recovery): slow start
 * (ABC, L = 2), else the algorithm's congestion avoidance
 * @tp:		TCB
 * @acked:	bytes newly acknowledged
 * @cubic:	CUBIC's growth, else NewReno's
 */
static void lb_ack(struct tcp_sock *tp, uint32_t acked, bool cubic)
{
	uint32_t max = 1u << 30;

	if (tp->cwnd < tp->ssthresh) {
		tp->cwnd += acked < 2u * tp->mss ? acked : 2u * tp->mss;
	} else if (cubic) {
		cubic_ack(tp, acked);
	} else {
		tp->bytes_acked += acked;
		if (tp->bytes_acked >= tp->cwnd) {
			tp->bytes_acked -= tp->cwnd;
			tp->cwnd += tp->mss;
		}
	}
	if (tp->cwnd > max)
		tp->cwnd = max;
}

/**
 * reno_ack() - &tcp_cc_ops.on_ack of NewReno
 * @tp:		TCB
 * @acked:	bytes newly acknowledged
 */
static void reno_ack(struct tcp_sock *tp, uint32_t acked)
{
	lb_ack(tp, acked, false);
}

/**
 * cubic_on_ack() - &tcp_cc_ops.on_ack of CUBIC
 * @tp:		TCB
 * @acked:	bytes newly acknowledged
 */
static void cubic_on_ack(struct tcp_sock *tp, uint32_t acked)
{
	lb_ack(tp, acked, true);
}

/**
 * loss_ssthresh() - ssthresh after a loss (NewReno: flight / 2; CUBIC:
 * beta * cwnd), never below 2 MSS; CUBIC also remembers W_max
 * @tp:		TCB
 *
 * Return: new ssthresh
 */
static uint32_t loss_ssthresh(struct tcp_sock *tp)
{
	uint32_t th, flight = tcp_flight(tp);

	if (tp->cc == &tcp_cc_cubic) {
		/* fast convergence (RFC 9438 4.7) */
		if (tp->cwnd < tp->cubic.w_max)
			tp->cubic.w_max = (uint32_t)(tp->cwnd *
						     (1 + CUBIC_BETA) / 2);
		else
			tp->cubic.w_max = tp->cwnd;
		tp->cubic.epoch = 0;
		th = (uint32_t)(tp->cwnd * CUBIC_BETA);
	} else {
		th = flight / 2;
	}
	if (th < 2u * tp->mss)
		th = 2u * tp->mss;
	return th;
}

/**
 * lb_loss() - three duplicate ACKs: enter fast recovery (NewReno, CUBIC)
 * @tp:		TCB
 */
static void lb_loss(struct tcp_sock *tp)
{
	tp->prior_cwnd = tp->cwnd;
	tp->ssthresh = loss_ssthresh(tp);
	/* with SACK the window is compared with the pipe (RFC 6675), which
	 * already leaves out what the duplicates reported: no inflation */
	tp->cwnd = tp->ssthresh;
	if (!(tp->flags & TF_SACK))
		tp->cwnd += 3u * tp->mss;
	tp->bytes_acked = 0;
}

/**
 * lb_rto() - retransmission timeout: back to one segment
 * @tp:		TCB
 */
static void lb_rto(struct tcp_sock *tp)
{
	if (tp->rxtshift <= 1)
		tp->ssthresh = loss_ssthresh(tp);
	tp->cwnd = tp->mss;
	tp->bytes_acked = 0;
	tp->cubic.epoch = 0;
}

/**
 * lb_idle_restart() - restart after idle (RFC 5681 4.1): cwnd no larger
 * than the initial window
 * @tp:		TCB
 */
static void lb_idle_restart(struct tcp_sock *tp)
{
	uint32_t iw = TCP_INIT_CWND * (uint32_t)tp->mss;

	if (tp->cwnd > iw)
		tp->cwnd = iw;
	tp->cubic.epoch = 0;
}

/**
 * lb_dupack() - a duplicate ACK in recovery: without SACK, NewReno
 * inflation (one more segment has left the network)
 * @tp:		TCB
 */
static void lb_dupack(struct tcp_sock *tp)
{
	if (!(tp->flags & TF_SACK))
		tp->cwnd += tp->mss;
}

/**
 * lb_recovery_ack() - a new ACK in recovery: a full ACK deflates to
 * ssthresh (RFC 6582 3.2 step 3), a partial one without SACK deflates by
 * what it acknowledged less one segment (step 4)
 * @tp:		TCB
 * @acked:	sequence space newly acknowledged
 * @full:	it ended recovery
 */
static void lb_recovery_ack(struct tcp_sock *tp, uint32_t acked, bool full)
{
	if (full) {
		tp->cwnd = tp->ssthresh;
	} else if (!(tp->flags & TF_SACK)) {
		tp->cwnd -= acked < tp->cwnd ? acked : tp->cwnd;
		tp->cwnd += tp->mss;
	}
}

/**
 * lb_cwnd() - the window tcp_output() fills: cwnd, plus a segment per early
 * duplicate ACK (RFC 3042 limited transmit), or in SACK recovery plus what
 * was SACKed (RFC 6675 pipe: SACKed bytes have left the network)
 * @tp:		TCB
 *
 * Return: bytes
 */
static uint32_t lb_cwnd(const struct tcp_sock *tp)
{
	if (!(tp->flags & TF_INRECOVERY) && tp->dupacks < 3)
		return tp->cwnd + tp->dupacks * (uint32_t)tp->mss;
	if ((tp->flags & (TF_INRECOVERY | TF_SACK)) ==
	    (TF_INRECOVERY | TF_SACK))
		return tp->cwnd + tcp_sack_bytes(tp);
	return tp->cwnd;
}

/* NewReno and CUBIC differ only in their growth (and loss_ssthresh()) */
#define LOSS_BASED_OPS(nm, ack) {			\
	.name		 = (nm),			\
	.init		 = tcp_cc_initial_window,	\
	.on_ack		 = (ack),			\
	.on_dupack	 = lb_dupack,			\
	.on_recovery_ack = lb_recovery_ack,		\
	.on_loss	 = lb_loss,			\
	.on_rto		 = lb_rto,			\
	.on_idle_restart = lb_idle_restart,		\
	.cwnd		 = lb_cwnd,			\
}

const struct tcp_cc_ops tcp_cc_reno = LOSS_BASED_OPS("reno", reno_ack);
const struct tcp_cc_ops tcp_cc_cubic = LOSS_BASED_OPS("cubic", cubic_on_ack);

/**
 * tcp_cc_set() - make @cc the socket's congestion control: attach the new
 * one's state first (it may fail), then detach the old one's
 * @tp:		TCB
 * @cc:		the new one
 *
 * Return: 0, or -ENOMEM when @cc's state cannot be allocated (then the old
 * one stays)
 */
int tcp_cc_set(struct tcp_sock *tp, const struct tcp_cc_ops *cc)
{
	const struct tcp_cc_ops *old = tp->cc;
	int ret;

	if (old == cc)
		return 0;
	if (cc->attach) {
		ret = cc->attach(tp);
		if (ret)
			return ret;
	}
	if (old && old->detach)
		old->detach(tp);
	tp->cc = cc;
	if (!cc->pace_wait && tp->timer[TT_PACE] != AE_NEVER)
		tcp_timer_clear(tp, TT_PACE);	/* no more pacing */
	return 0;
}

/**
 * tcp_cc_free() - a dying TCB: free its congestion control's state
 * @tp:		TCB
 */
void tcp_cc_free(struct tcp_sock *tp)
{
	if (tp->cc && tp->cc->detach)
		tp->cc->detach(tp);
}

/**
 * tcp_cc_init() - the connection is established: initial window
 * @tp:		TCB whose MSS is known
 */
void tcp_cc_init(struct tcp_sock *tp)
{
	tp->cc->init(tp);
}

/**
 * tcp_cc_ack() - @acked new bytes outside recovery
 * @tp:		TCB
 * @acked:	bytes newly acknowledged
 */
void tcp_cc_ack(struct tcp_sock *tp, uint32_t acked)
{
	if (tp->cc->on_ack)
		tp->cc->on_ack(tp, acked);
}

/**
 * tcp_cc_ack_sample() - an acceptable ACK was processed (SND.UNA and the
 * scoreboard updated)
 * @tp:		TCB
 * @seg:	the ACK
 * @prior_in_flight: bytes in flight before it (tcp_rate_inflight())
 */
void tcp_cc_ack_sample(struct tcp_sock *tp, const struct tcp_seg *seg,
		       uint32_t prior_in_flight)
{
	if (tp->cc->on_ack_sample)
		tp->cc->on_ack_sample(tp, seg, prior_in_flight);
}

/**
 * tcp_cc_dupack() - a duplicate ACK during fast recovery
 * @tp:		TCB
 */
void tcp_cc_dupack(struct tcp_sock *tp)
{
	if (tp->cc->on_dupack)
		tp->cc->on_dupack(tp);
}

/**
 * tcp_cc_recovery_ack() - SND.UNA advanced during fast recovery
 * @tp:		TCB
 * @acked:	sequence space newly acknowledged
 * @full:	it ended recovery
 */
void tcp_cc_recovery_ack(struct tcp_sock *tp, uint32_t acked, bool full)
{
	if (tp->cc->on_recovery_ack)
		tp->cc->on_recovery_ack(tp, acked, full);
}

/**
 * tcp_cc_loss() - three duplicate ACKs (or RACK): fast recovery begins
 * @tp:		TCB
 */
void tcp_cc_loss(struct tcp_sock *tp)
{
	tp->cc->on_loss(tp);
}

/**
 * tcp_cc_timeout() - retransmission timeout
 * @tp:		TCB
 */
void tcp_cc_timeout(struct tcp_sock *tp)
{
	tp->cc->on_rto(tp);
}

/**
 * tcp_cc_idle_restart() - sending resumes after an idle period
 * @tp:		TCB
 */
void tcp_cc_idle_restart(struct tcp_sock *tp)
{
	if (tp->cc->on_idle_restart)
		tp->cc->on_idle_restart(tp);
}

/**
 * tcp_cc_window() - how far beyond SND.UNA tcp_output() may send (before
 * the peer's window bounds it)
 * @tp:		TCB
 *
 * Return: bytes
 */
uint32_t tcp_cc_window(const struct tcp_sock *tp)
{
	return tp->cc->cwnd(tp);
}

/**
 * tcp_cc_sent() - @len data bytes at @seq were sent
 * @tp:		TCB
 * @seq:	first byte
 * @len:	bytes, > 0
 */
void tcp_cc_sent(struct tcp_sock *tp, uint32_t seq, uint32_t len)
{
	if (tp->cc->on_sent)
		tp->cc->on_sent(tp, seq, len);
}

/**
 * tcp_cc_pace_wait() - must the next data segment wait for pacing?
 * @tp:		TCB
 *
 * Return: true to hold it back (the TT_PACE timer is armed)
 */
bool tcp_cc_pace_wait(struct tcp_sock *tp)
{
	return tp->cc->pace_wait && tp->cc->pace_wait(tp);
}

/**
 * tcp_cc_output_done() - tcp_output() finished a pass
 * @tp:		TCB
 */
void tcp_cc_output_done(struct tcp_sock *tp)
{
	if (tp->cc->on_output_done)
		tp->cc->on_output_done(tp);
}
