// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_bbr.c - BBR v1 congestion control and pacing
 * (draft-cardwell-iccrg-bbr-congestion-control-00, after Linux's tcp_bbr.c)
 *
 * Theory of operation: BBR does not read loss as congestion. It models the
 * path by two numbers: the bottleneck bandwidth (BtlBw, the largest
 * delivery rate sampled over the last 10 round trips, tcp_rate.c) and the
 * round-trip propagation time (RTprop, the smallest RTT seen in 10 s). It
 * sends at pacing_gain * BtlBw and keeps at most cwnd_gain * BDP + a few
 * bursts in flight. Four modes set the gains:
 *
 *   STARTUP    pacing and cwnd gain 2/ln2 = 2.885: the rate doubles each
 *              round trip until three rounds fail to grow BtlBw by 25%
 *   DRAIN      pacing gain 1/2.885 until the queue STARTUP built is gone
 *   PROBE_BW   an 8-phase pacing gain cycle 5/4, 3/4, 1 x 6 (one phase a
 *              min RTT), cwnd gain 2: probe for more bandwidth, drain it
 *   PROBE_RTT  when RTprop is 10 s old: 4 segments in flight for 200 ms
 *              and a round trip, to measure RTprop again
 *
 * Loss only matters through recovery: on entering it the window is held
 * to what is in flight plus what is delivered (packet conservation) for
 * one round trip, and restored on leaving; after an RTO it restarts from
 * one segment and is restored when the RTO's data is acknowledged. No
 * ssthresh reduction: ssthresh stays infinite.
 *
 * Pacing: a BBR socket never sends data faster than its pacing rate.
 * tcp_output() asks tcp_bbr_pace_wait() (the pace_wait hook of tcp_cc_bbr,
 * the &struct tcp_cc_ops of this file) before each data segment; when the
 * next send is not yet due the TT_PACE timer is armed for it. A burst is at
 * most max(2 segments, 1 ms at the pacing rate, capped at 64 KiB), as
 * Linux's TSO autosizing would send. Gains are fixed point, BBR_UNIT = 1.
 *
 * Nothing here sends a segment: what is lost and resent is decided by
 * tcp_recovery.c (RACK marking over tcp_rate.c's records), what is sent by
 * tcp_output(); this file only sets cwnd and the pacing rate.
 */
#include <errno.h>
#include <string.h>

#include "tcp_bbr.h"

#define BBR_UNIT		256u
#define BBR_HIGH_GAIN		(BBR_UNIT * 2885 / 1000 + 1)
#define BBR_DRAIN_GAIN		(BBR_UNIT * 1000 / 2885)
#define BBR_CWND_GAIN		(BBR_UNIT * 2)
#define BBR_CYCLE_LEN		8
#define BBR_BW_RTTS		(BBR_CYCLE_LEN + 2)	/* BtlBw window, rounds */
#define BBR_MIN_RTT_WIN_NS	(10 * NS_PER_SEC)
#define BBR_PROBE_RTT_NS	(200 * NS_PER_MS)
#define BBR_FULL_BW_THRESH	(BBR_UNIT * 5 / 4)
#define BBR_FULL_BW_CNT		3
#define BBR_CWND_MIN_SEGS	4
#define BBR_PACING_MARGIN_PCT	1
#define BBR_BURST_MAX		65536u
#define BBR_CWND_MAX		(1u << 30)

static const uint32_t bbr_pacing_gain[BBR_CYCLE_LEN] = {
	BBR_UNIT * 5 / 4, BBR_UNIT * 3 / 4, BBR_UNIT, BBR_UNIT,
	BBR_UNIT, BBR_UNIT, BBR_UNIT, BBR_UNIT,
};

/**
 * minmax_subwin() - age the windowed max's three samples (Nichols'
 * algorithm, as Linux's lib/minmax.c)
 * @m:		the three samples, best first
 * @win:	window length (rounds)
 * @val:	the new sample
 *
 * Return: the max
 */
static uint64_t minmax_subwin(struct bbr_minmax_sample *m, uint32_t win,
			      const struct bbr_minmax_sample *val)
{
	uint32_t dt = val->t - m[0].t;

	if (dt > win) {
		m[0] = m[1];
		m[1] = m[2];
		m[2] = *val;
		if (val->t - m[0].t > win) {
			m[0] = m[1];
			m[1] = m[2];
			m[2] = *val;
		}
	} else if (m[1].t == m[0].t && dt > win / 4) {
		m[2] = m[1] = *val;
	} else if (m[2].t == m[1].t && dt > win / 2) {
		m[2] = *val;
	}
	return m[0].v;
}

/**
 * minmax_running_max() - add a sample to the windowed max
 * @m:		the three samples
 * @win:	window length (rounds)
 * @t:		round of the sample
 * @v:		value
 *
 * Return: the max over the window
 */
static uint64_t minmax_running_max(struct bbr_minmax_sample *m, uint32_t win,
				   uint32_t t, uint64_t v)
{
	struct bbr_minmax_sample val = { .t = t, .v = v };

	if (v >= m[0].v || val.t - m[2].t > win) {
		m[0] = m[1] = m[2] = val;
		return v;
	}
	if (v >= m[1].v)
		m[2] = m[1] = val;
	else if (v >= m[2].v)
		m[2] = val;
	return minmax_subwin(m, win, &val);
}

/**
 * bbr_bw() - the bottleneck bandwidth estimate
 * @b:		state
 *
 * Return: bytes per second
 */
static uint64_t bbr_bw(const struct tcp_bbr *b)
{
	return b->bw[0].v;
}

/**
 * bbr_burst() - the largest burst pacing lets out at once
 * @tp:		TCB
 *
 * Return: bytes: max(2 segments, 1 ms at the pacing rate), at most 64 KiB
 */
static uint32_t bbr_burst(const struct tcp_sock *tp)
{
	uint64_t ms = tp->bbr->pacing_rate / 1000;
	uint32_t two = 2u * tp->mss;

	if (ms > BBR_BURST_MAX)
		ms = BBR_BURST_MAX;
	return ms > two ? (uint32_t)ms : two;
}

/**
 * bbr_rate_for() - a pacing rate: @bw * @gain, less a 1% margin
 * @bw:		bytes per second
 * @gain:	BBR_UNIT fixed point
 *
 * Return: bytes per second
 */
static uint64_t bbr_rate_for(uint64_t bw, uint32_t gain)
{
	return bw * gain / BBR_UNIT * (100 - BBR_PACING_MARGIN_PCT) / 100;
}

/**
 * bbr_init_pacing_rate() - the first pacing rate: high_gain * cwnd / SRTT
 * (1 ms when there is no RTT yet), as Linux's bbr_init_pacing_rate_from_rtt
 * @tp:		TCB
 */
static void bbr_init_pacing_rate(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;
	uint64_t rtt_us = 1000, bw, cwnd = tp->cwnd;

	if ((tp->flags & TF_RTT_VALID) && tp->srtt) {
		rtt_us = tp->srtt;
		b->has_seen_rtt = true;
	}
	if (cwnd < TCP_INIT_CWND * (uint64_t)tp->mss)
		cwnd = TCP_INIT_CWND * (uint64_t)tp->mss;	/* not connected */
	bw = cwnd * 1000000 / rtt_us;
	b->pacing_rate = bbr_rate_for(bw, BBR_HIGH_GAIN);
}

/**
 * bbr_set_pacing_rate() - pace at @gain * BtlBw; in STARTUP never slower
 * than before (the first samples underestimate)
 * @tp:		TCB
 * @gain:	BBR_UNIT fixed point
 */
static void bbr_set_pacing_rate(struct tcp_sock *tp, uint32_t gain)
{
	struct tcp_bbr *b = tp->bbr;
	uint64_t rate = bbr_rate_for(bbr_bw(b), gain);

	if (!b->has_seen_rtt && (tp->flags & TF_RTT_VALID))
		bbr_init_pacing_rate(tp);
	if (rate && (b->full_bw_reached || rate > b->pacing_rate))
		b->pacing_rate = rate;
}

/**
 * bbr_bdp() - @gain times the bandwidth-delay product
 * @tp:		TCB
 * @bw:		bytes per second
 * @gain:	BBR_UNIT fixed point
 *
 * Return: bytes (the initial window while there is no RTprop)
 */
static uint32_t bbr_bdp(const struct tcp_sock *tp, uint64_t bw, uint32_t gain)
{
	const struct tcp_bbr *b = tp->bbr;
	uint64_t bdp;

	if (b->min_rtt_us == UINT32_MAX)
		return TCP_INIT_CWND * (uint32_t)tp->mss;
	bdp = bw * b->min_rtt_us / 1000000;
	bdp = bdp * gain / BBR_UNIT;
	return bdp > BBR_CWND_MAX ? BBR_CWND_MAX : (uint32_t)bdp;
}

/**
 * bbr_quantization_budget() - room for the bursts pacing sends: three of
 * them, and two more segments in the 5/4 phase so it can really probe
 * @tp:		TCB
 * @cwnd:	bytes
 *
 * Return: bytes
 */
static uint32_t bbr_quantization_budget(const struct tcp_sock *tp,
					uint32_t cwnd)
{
	const struct tcp_bbr *b = tp->bbr;

	cwnd += 3 * bbr_burst(tp);
	if (b->mode == BBR_PROBE_BW && b->cycle_idx == 0)
		cwnd += 2u * tp->mss;
	return cwnd;
}

/**
 * bbr_inflight() - the flight @gain * BDP asks for, with the burst budget
 * @tp:		TCB
 * @bw:		bytes per second
 * @gain:	BBR_UNIT fixed point
 *
 * Return: bytes
 */
static uint32_t bbr_inflight(const struct tcp_sock *tp, uint64_t bw,
			     uint32_t gain)
{
	return bbr_quantization_budget(tp, bbr_bdp(tp, bw, gain));
}

/**
 * bbr_save_cwnd() - remember the window before recovery or PROBE_RTT cut it
 * @tp:		TCB
 */
static void bbr_save_cwnd(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;

	/* in recovery or PROBE_RTT the window is already cut: keep the
	 * larger one saved before */
	if ((b->prev_ca_state < BBR_CA_RECOVERY && b->mode != BBR_PROBE_RTT) ||
	    tp->cwnd > b->prior_cwnd)
		b->prior_cwnd = tp->cwnd;
}

/**
 * bbr_advance_cycle_phase() - next phase of the PROBE_BW gain cycle
 * @tp:		TCB
 */
static void bbr_advance_cycle_phase(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;

	b->cycle_idx = (b->cycle_idx + 1) & (BBR_CYCLE_LEN - 1);
	b->cycle_stamp = b->delivered_time;
}

/**
 * bbr_reset_probe_bw_mode() - enter PROBE_BW at a random phase other than
 * the 3/4 one
 * @tp:		TCB
 */
static void bbr_reset_probe_bw_mode(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;

	b->mode = BBR_PROBE_BW;
	b->cycle_idx = BBR_CYCLE_LEN - 1 - stack_random(tp->sk.stack) % 7;
	bbr_advance_cycle_phase(tp);
}

/**
 * bbr_reset_mode() - leave PROBE_RTT: STARTUP until the pipe was full once,
 * else PROBE_BW
 * @tp:		TCB
 */
static void bbr_reset_mode(struct tcp_sock *tp)
{
	if (!tp->bbr->full_bw_reached)
		tp->bbr->mode = BBR_STARTUP;
	else
		bbr_reset_probe_bw_mode(tp);
}

/**
 * bbr_is_next_cycle_phase() - is this PROBE_BW phase over?
 * @tp:		TCB
 * @rs:		rate sample
 *
 * Return: true to advance: a gain-1 phase lasts one min RTT; the 5/4 phase
 * at least that and until losses or the flight reached 5/4 BDP; the 3/4
 * phase at most that, less once the flight fell to one BDP
 */
static bool bbr_is_next_cycle_phase(const struct tcp_sock *tp,
				    const struct tcp_rate_sample *rs)
{
	const struct tcp_bbr *b = tp->bbr;
	bool full = b->delivered_time - b->cycle_stamp >
		    (uint64_t)b->min_rtt_us * 1000;
	uint32_t inflight = rs->prior_in_flight;

	if (b->pacing_gain == BBR_UNIT)
		return full;
	if (b->pacing_gain > BBR_UNIT)
		return full && (rs->losses ||
				inflight >= bbr_inflight(tp, bbr_bw(b),
							 b->pacing_gain));
	return full || inflight <= bbr_inflight(tp, bbr_bw(b), BBR_UNIT);
}

/**
 * bbr_update_bw() - count round trips and feed the BtlBw max filter
 * @tp:		TCB
 * @rs:		rate sample
 */
static void bbr_update_bw(struct tcp_sock *tp, const struct tcp_rate_sample *rs)
{
	struct tcp_bbr *b = tp->bbr;
	uint64_t bw;

	b->round_start = false;
	if (rs->delivered < 0 || rs->interval_us <= 0)
		return;
	if (rs->prior_delivered >= b->next_rtt_delivered) {
		b->next_rtt_delivered = b->delivered;
		b->rtt_cnt++;
		b->round_start = true;
		b->packet_conservation = false;
	}
	bw = (uint64_t)rs->delivered * 1000000 / (uint64_t)rs->interval_us;
	/* an app-limited sample only counts when it shows more */
	if (!rs->is_app_limited || bw >= bbr_bw(b))
		minmax_running_max(b->bw, BBR_BW_RTTS, b->rtt_cnt, bw);
}

/**
 * bbr_check_full_bw_reached() - STARTUP ends after three rounds without
 * 25% growth of BtlBw
 * @tp:		TCB
 * @rs:		rate sample
 */
static void bbr_check_full_bw_reached(struct tcp_sock *tp,
				      const struct tcp_rate_sample *rs)
{
	struct tcp_bbr *b = tp->bbr;

	if (b->full_bw_reached || !b->round_start || rs->is_app_limited)
		return;
	if (bbr_bw(b) >= b->full_bw * BBR_FULL_BW_THRESH / BBR_UNIT) {
		b->full_bw = bbr_bw(b);
		b->full_bw_cnt = 0;
		return;
	}
	b->full_bw_cnt++;
	b->full_bw_reached = b->full_bw_cnt >= BBR_FULL_BW_CNT;
}

/**
 * bbr_check_drain() - STARTUP -> DRAIN when the pipe is full, DRAIN ->
 * PROBE_BW once the flight is down to one BDP
 * @tp:		TCB
 */
static void bbr_check_drain(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;

	if (b->mode == BBR_STARTUP && b->full_bw_reached)
		b->mode = BBR_DRAIN;
	if (b->mode == BBR_DRAIN &&
	    tcp_rate_inflight(tp) <= bbr_inflight(tp, bbr_bw(b), BBR_UNIT))
		bbr_reset_probe_bw_mode(tp);
}

/**
 * bbr_check_probe_rtt_done() - PROBE_RTT lasted 200 ms and a round trip:
 * RTprop is fresh again, restore the window
 * @tp:		TCB
 */
static void bbr_check_probe_rtt_done(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;
	uint64_t now = tp->sk.stack->now;

	if (!b->probe_rtt_done_stamp || now < b->probe_rtt_done_stamp)
		return;
	b->min_rtt_stamp = now;
	if (tp->cwnd < b->prior_cwnd)
		tp->cwnd = b->prior_cwnd;
	bbr_reset_mode(tp);
}

/**
 * bbr_update_min_rtt() - the RTprop min filter, and PROBE_RTT when it is
 * 10 s old
 * @tp:		TCB
 * @rs:		rate sample
 */
static void bbr_update_min_rtt(struct tcp_sock *tp,
			       const struct tcp_rate_sample *rs)
{
	struct tcp_bbr *b = tp->bbr;
	uint64_t now = tp->sk.stack->now;
	/* (no RTprop yet: nothing to expire, whenever BBR was selected) */
	bool expired = b->min_rtt_us != UINT32_MAX &&
		       now > b->min_rtt_stamp + BBR_MIN_RTT_WIN_NS;
	uint32_t cwnd_min = BBR_CWND_MIN_SEGS * (uint32_t)tp->mss;

	if (rs->rtt_us >= 0 &&
	    ((uint64_t)rs->rtt_us < b->min_rtt_us || expired)) {
		b->min_rtt_us = rs->rtt_us ? (uint32_t)rs->rtt_us : 1;
		b->min_rtt_stamp = now;
	}
	if (expired && !b->idle_restart && b->mode != BBR_PROBE_RTT) {
		STAT_INC(tp->sk.stack, tcp, bbr_probe_rtt);
		b->mode = BBR_PROBE_RTT;
		bbr_save_cwnd(tp);
		b->probe_rtt_done_stamp = 0;
	}
	if (b->mode == BBR_PROBE_RTT) {
		/* what is sent now is app-limited: no bandwidth samples */
		b->app_limited = b->delivered + tcp_rate_inflight(tp);
		if (!b->app_limited)
			b->app_limited = 1;
		if (!b->probe_rtt_done_stamp &&
		    tcp_rate_inflight(tp) <= cwnd_min) {
			b->probe_rtt_done_stamp = now + BBR_PROBE_RTT_NS;
			b->probe_rtt_round_done = false;
			b->next_rtt_delivered = b->delivered;
		} else if (b->probe_rtt_done_stamp) {
			if (b->round_start)
				b->probe_rtt_round_done = true;
			if (b->probe_rtt_round_done)
				bbr_check_probe_rtt_done(tp);
		}
	}
	if (rs->delivered > 0)
		b->idle_restart = false;
}

/**
 * bbr_update_gains() - the pacing and cwnd gains of the mode
 * @tp:		TCB
 */
static void bbr_update_gains(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;

	switch (b->mode) {
	case BBR_STARTUP:
		b->pacing_gain = BBR_HIGH_GAIN;
		b->cwnd_gain = BBR_HIGH_GAIN;
		break;
	case BBR_DRAIN:
		b->pacing_gain = BBR_DRAIN_GAIN;
		b->cwnd_gain = BBR_HIGH_GAIN;
		break;
	case BBR_PROBE_BW:
		b->pacing_gain = bbr_pacing_gain[b->cycle_idx];
		b->cwnd_gain = BBR_CWND_GAIN;
		break;
	case BBR_PROBE_RTT:
		b->pacing_gain = BBR_UNIT;
		b->cwnd_gain = BBR_UNIT;
		break;
	}
}

/**
 * bbr_update_model() - fold a rate sample into the model
 * @tp:		TCB
 * @rs:		rate sample
 */
static void bbr_update_model(struct tcp_sock *tp,
			     const struct tcp_rate_sample *rs)
{
	bbr_update_bw(tp, rs);
	if (tp->bbr->mode == BBR_PROBE_BW && bbr_is_next_cycle_phase(tp, rs))
		bbr_advance_cycle_phase(tp);
	bbr_check_full_bw_reached(tp, rs);
	bbr_check_drain(tp);
	bbr_update_min_rtt(tp, rs);
	bbr_update_gains(tp);
}

/**
 * bbr_ca_state() - where the loss recovery of tcp_input.c is
 * @tp:		TCB
 *
 * Return: BBR_CA_LOSS after an RTO until its data is acknowledged,
 * BBR_CA_RECOVERY in fast recovery, else BBR_CA_OPEN
 */
static enum bbr_ca_state bbr_ca_state(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;

	if (b->in_loss && SEQ_GEQ(tp->snd_una, b->loss_high))
		b->in_loss = false;
	if (b->in_loss)
		return BBR_CA_LOSS;
	if (tp->flags & TF_INRECOVERY)
		return BBR_CA_RECOVERY;
	return BBR_CA_OPEN;
}

/**
 * bbr_recover_or_restore() - the window around loss recovery: packet
 * conservation for the first round of recovery, the saved window back on
 * leaving it
 * @tp:		TCB
 * @rs:		rate sample
 * @cwnd:	in: the window; out: the new one
 *
 * Return: true when packet conservation decided @cwnd
 */
static bool bbr_recover_or_restore(struct tcp_sock *tp,
				   const struct tcp_rate_sample *rs,
				   uint32_t *cwnd)
{
	struct tcp_bbr *b = tp->bbr;
	enum bbr_ca_state st = bbr_ca_state(tp), prev = b->prev_ca_state;
	uint32_t w = *cwnd, inflight = tcp_rate_inflight(tp);
	uint32_t floor = inflight + rs->acked_sacked;

	if (rs->losses)
		w = w > rs->losses + tp->mss ? w - rs->losses : tp->mss;
	if (st == BBR_CA_RECOVERY && prev != BBR_CA_RECOVERY) {
		b->packet_conservation = true;
		b->next_rtt_delivered = b->delivered;
		w = floor;
	} else if (prev >= BBR_CA_RECOVERY && st < BBR_CA_RECOVERY) {
		if (w < b->prior_cwnd)
			w = b->prior_cwnd;
		b->packet_conservation = false;
	}
	b->prev_ca_state = st;
	if (b->packet_conservation) {
		*cwnd = w > floor ? w : floor;
		return true;
	}
	*cwnd = w;
	return false;
}

/**
 * bbr_set_cwnd() - move cwnd towards cwnd_gain * BDP + bursts
 * @tp:		TCB
 * @rs:		rate sample
 */
static void bbr_set_cwnd(struct tcp_sock *tp, const struct tcp_rate_sample *rs)
{
	struct tcp_bbr *b = tp->bbr;
	uint32_t cwnd = tp->cwnd, acked = rs->acked_sacked, target;
	uint32_t cwnd_min = BBR_CWND_MIN_SEGS * (uint32_t)tp->mss;

	if (!acked)
		goto done;
	if (bbr_recover_or_restore(tp, rs, &cwnd))
		goto done;
	target = bbr_inflight(tp, bbr_bw(b), b->cwnd_gain);
	if (b->full_bw_reached) {
		cwnd += acked;
		if (cwnd > target)
			cwnd = target;
	} else if (cwnd < target ||
		   b->delivered < TCP_INIT_CWND * (uint64_t)tp->mss) {
		cwnd += acked;
	}
	if (cwnd < cwnd_min)
		cwnd = cwnd_min;
done:
	if (cwnd > BBR_CWND_MAX)
		cwnd = BBR_CWND_MAX;
	if (b->mode == BBR_PROBE_RTT && cwnd > cwnd_min)
		cwnd = cwnd_min;
	tp->cwnd = cwnd;
}

/**
 * tcp_bbr_ack() - an ACK arrived (SND.UNA and the scoreboard updated):
 * sample the delivery rate, update the model, set pacing rate and cwnd
 * @tp:		TCB with tp->bbr
 * @seg:	the ACK
 * @prior_in_flight: bytes in flight before it
 */
static void tcp_bbr_ack(struct tcp_sock *tp, const struct tcp_seg *seg,
		 uint32_t prior_in_flight)
{
	struct tcp_bbr *b = tp->bbr;
	struct tcp_rate_sample rs;

	memset(&rs, 0, sizeof(rs));
	rs.prior_in_flight = prior_in_flight;
	tcp_rate_ack(tp, seg, &rs);
	if (tp->lost != b->last_lost) {
		rs.losses = (tp->lost - b->last_lost) * (uint32_t)tp->mss;
		b->last_lost = tp->lost;
	}
	bbr_update_model(tp, &rs);
	bbr_set_pacing_rate(tp, b->pacing_gain);
	bbr_set_cwnd(tp, &rs);
}

/**
 * tcp_bbr_loss() - fast recovery begins: remember the window (BBR keeps
 * ssthresh infinite; the window is set on the next ACK)
 * @tp:		TCB with tp->bbr
 */
static void tcp_bbr_loss(struct tcp_sock *tp)
{
	bbr_save_cwnd(tp);
	tp->bytes_acked = 0;
}

/**
 * tcp_bbr_timeout() - retransmission timeout: one segment, restart the
 * round and the full-pipe detection, restore the window once the data
 * outstanding at the timeout is acknowledged
 * @tp:		TCB with tp->bbr
 */
static void tcp_bbr_timeout(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;

	if (!b->in_loss)
		bbr_save_cwnd(tp);
	b->in_loss = true;
	b->loss_high = tp->snd_max;
	b->prev_ca_state = BBR_CA_LOSS;
	b->full_bw = 0;
	b->round_start = true;
	tp->cwnd = tp->mss;
	tp->bytes_acked = 0;
}

/**
 * bbr_init() - BBR state for a socket starting (or switching to) BBR
 * @tp:		TCB
 */
static void bbr_init(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;

	b->min_rtt_us = (tp->flags & TF_RTT_VALID) && tp->srtt ? tp->srtt :
			UINT32_MAX;
	b->min_rtt_stamp = tp->sk.stack->now;
	b->mode = BBR_STARTUP;
	b->prev_ca_state = BBR_CA_OPEN;
	b->pacing_gain = BBR_HIGH_GAIN;
	b->cwnd_gain = BBR_HIGH_GAIN;
	b->last_lost = tp->lost;
	b->pace_next = 0;
	bbr_init_pacing_rate(tp);
}

/**
 * bbr_attach() - &tcp_cc_ops.attach: a socket chooses BBR (TCP_CONGESTION
 * "bbr"): its state and record array
 * @tp:		TCB
 *
 * Return: 0 or -ENOMEM
 */
static int bbr_attach(struct tcp_sock *tp)
{
	if (tp->bbr)
		return 0;
	tp->bbr = tcp_rate_new();
	if (!tp->bbr)
		return -ENOMEM;
	bbr_init(tp);
	return 0;
}

/**
 * bbr_detach() - &tcp_cc_ops.detach: stop using BBR, or a dying TCB: free
 * its state (timers are tcp_cc_set()'s); the window stays and the next
 * algorithm's growth starts from it
 * @tp:		TCB
 */
static void bbr_detach(struct tcp_sock *tp)
{
	if (!tp->bbr)
		return;
	tcp_rate_free(tp->bbr);
	tp->bbr = NULL;
	if (TCPS_HAVEESTABLISHED(tp->state))
		tp->ssthresh = tp->cwnd;
	tp->cubic.epoch = 0;
}

/**
 * tcp_bbr_sent() - a BBR socket sent @len data bytes at @seq: record it
 * for rate sampling, note a restart from idle, charge the pacing budget
 * @tp:		TCB with tp->bbr
 * @seq:	first byte
 * @len:	bytes, > 0
 */
static void tcp_bbr_sent(struct tcp_sock *tp, uint32_t seq, uint32_t len)
{
	struct tcp_bbr *b = tp->bbr;
	uint64_t now = tp->sk.stack->now, burst_ns, floor;

	if (tp->snd_una == tp->snd_max && b->app_limited) {
		/* restart after idle: pace at BtlBw, not above (Linux's
		 * CA_EVENT_TX_START) */
		b->idle_restart = true;
		if (b->mode == BBR_PROBE_BW)
			bbr_set_pacing_rate(tp, BBR_UNIT);
		else if (b->mode == BBR_PROBE_RTT)
			bbr_check_probe_rtt_done(tp);
	}
	tcp_rate_sent(tp, seq, len);
	if (!b->pacing_rate ||
	    (!b->has_seen_rtt && (tp->flags & TF_RTT_VALID)))
		bbr_init_pacing_rate(tp);	/* from the handshake's RTT */
	if (!b->pacing_rate)
		return;		/* (never: the rate has a floor) */
	burst_ns = (uint64_t)bbr_burst(tp) * NS_PER_SEC / b->pacing_rate;
	floor = now > burst_ns ? now - burst_ns : 0;
	if (b->pace_next < floor)
		b->pace_next = floor;
	b->pace_next += (uint64_t)len * NS_PER_SEC / b->pacing_rate;
}

/**
 * tcp_bbr_pace_wait() - must the next data segment wait for pacing? If so
 * the TT_PACE timer is armed for when it is due
 * @tp:		TCB with tp->bbr
 *
 * Return: true to hold the segment back
 */
static bool tcp_bbr_pace_wait(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;
	uint64_t now = tp->sk.stack->now;

	if (b->pace_next <= now)
		return false;
	if (tp->timer[TT_PACE] != b->pace_next)
		tcp_timer_set(tp, TT_PACE, b->pace_next);
	STAT_INC(tp->sk.stack, tcp, paced);
	return true;
}

/**
 * tcp_bbr_output_done() - tcp_output() finished a pass: note whether the
 * application is what limits the sending
 * @tp:		TCB with tp->bbr
 */
static void tcp_bbr_output_done(struct tcp_sock *tp)
{
	tcp_rate_check_app_limited(tp);
}

/**
 * bbr_cwnd() - &tcp_cc_ops.cwnd: BBR's cwnd bounds what is in the network,
 * not what was SACKed or is deemed lost
 * @tp:		TCB with tp->bbr
 *
 * Return: bytes
 */
static uint32_t bbr_cwnd(const struct tcp_sock *tp)
{
	return tp->cwnd + tcp_sack_bytes(tp) + tcp_recovery_lost_bytes(tp);
}

const struct tcp_cc_ops tcp_cc_bbr = {
	.name		= "bbr",
	.attach		= bbr_attach,
	.detach		= bbr_detach,
	.init		= tcp_cc_initial_window,
	.on_ack_sample	= tcp_bbr_ack,
	.on_loss	= tcp_bbr_loss,
	.on_rto		= tcp_bbr_timeout,
	.cwnd		= bbr_cwnd,
	.on_sent	= tcp_bbr_sent,
	.pace_wait	= tcp_bbr_pace_wait,
	.on_output_done	= tcp_bbr_output_done,
};
