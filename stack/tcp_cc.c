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
 * itself (entering, partial ACKs, leaving) is in tcp_input.c; this file only
 * says how the windows move. No libm: the cube root is a few Newton steps.
 * A socket with BBR (tp->bbr, tcp_bbr.c) sets its window from its model on
 * every ACK instead: these hooks hand it the loss events and do no more.
 */
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
 * tcp_cc_init() - initial window (RFC 6928: 10 segments)
 * @tp:		TCB whose MSS is known
 */
void tcp_cc_init(struct tcp_sock *tp)
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
 * tcp_cc_ack() - grow cwnd for @acked new bytes (outside recovery)
 * @tp:		TCB
 * @acked:	bytes newly acknowledged
 */
void tcp_cc_ack(struct tcp_sock *tp, uint32_t acked)
{
	uint32_t max = 1u << 30;

	if (tp->bbr)
		return;		/* tcp_bbr_ack() sets the window */
	if (tp->cwnd < tp->ssthresh) {
		tp->cwnd += acked < 2u * tp->mss ? acked : 2u * tp->mss;
	} else if (tp->flags & TF_CUBIC) {
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
 * loss_ssthresh() - ssthresh after a loss (NewReno: flight / 2; CUBIC:
 * beta * cwnd), never below 2 MSS; CUBIC also remembers W_max
 * @tp:		TCB
 *
 * Return: new ssthresh
 */
static uint32_t loss_ssthresh(struct tcp_sock *tp)
{
	uint32_t th, flight = tcp_flight(tp);

	if (tp->flags & TF_CUBIC) {
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
 * tcp_cc_loss() - three duplicate ACKs: enter fast recovery
 * @tp:		TCB
 */
void tcp_cc_loss(struct tcp_sock *tp)
{
	if (tp->bbr) {
		tcp_bbr_loss(tp);
		return;
	}
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
 * tcp_cc_timeout() - retransmission timeout: back to one segment
 * @tp:		TCB
 */
void tcp_cc_timeout(struct tcp_sock *tp)
{
	if (tp->bbr) {
		tcp_bbr_timeout(tp);
		return;
	}
	if (tp->rxtshift <= 1)
		tp->ssthresh = loss_ssthresh(tp);
	tp->cwnd = tp->mss;
	tp->bytes_acked = 0;
	tp->cubic.epoch = 0;
}

/**
 * tcp_cc_idle_restart() - restart after idle (RFC 5681 4.1): cwnd no larger
 * than the initial window
 * @tp:		TCB
 */
void tcp_cc_idle_restart(struct tcp_sock *tp)
{
	uint32_t iw = TCP_INIT_CWND * (uint32_t)tp->mss;

	if (tp->bbr)
		return;		/* BBR paces the restart at its bandwidth */
	if (tp->cwnd > iw)
		tp->cwnd = iw;
	tp->cubic.epoch = 0;
}
