// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_input.c - segment arrival, in the order of RFC 9293 3.10.7
 *
 * Theory of operation: tcp_input() validates the header (length, data
 * offset, checksum), parses options defensively and finds the TCB: the
 * 4-tuple table first (a SYN may reopen a TIME-WAIT connection, as Linux
 * allows, when its sequence number is above the old one), else a listener,
 * else the segment gets a RST (3.10.7.1). A listener creates a child in
 * SYN-RECEIVED on its SYN queue, or answers with a SYN cookie when that
 * queue is full. SYN-SENT has its own path (3.10.7.3). Every other state
 * goes through tcp_do_segment():
 *
 *   PAWS (RFC 7323) -> 1. sequence acceptability -> 2. RST (RFC 5961 3: only
 *   an exact RCV.NXT match resets, an in-window one gets a challenge ACK) ->
 *   4. SYN (RFC 5961 4: challenge ACK) -> trim to the window -> 5. ACK
 *   (RFC 5961 5: acceptable range check; dup ACKs drive fast retransmit and
 *   NewReno/SACK recovery, tcp_recovery.c; the window moves through the
 *   socket's &struct tcp_cc_ops, tcp_cc.c) -> 7. data (in order into the receive ring;
 *   out of order straight into the ring's free space at its offset, tracked
 *   as ranges that are also our SACK blocks) -> 8. FIN.
 *
 * URG is ignored safely: urgent data is delivered in line. The path ends in
 * dropafterack / dropwithreset / drop, each counted.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>

#include "tcp.h"


enum seg_verdict {
	SEG_DONE,		/* consumed (or TCB gone) */
	SEG_DROP,		/* drop silently */
	SEG_DROPAFTERACK,	/* drop, but send an ACK */
	SEG_DROPWITHRESET,	/* drop and answer with a RST */
	SEG_CONTINUE,		/* go on to the next step */
};

/**
 * tcp_wscale_for() - the window shift our receive buffer needs
 * @size:	receive ring size
 *
 * Return: shift so that @size >> shift fits in 16 bits
 */
uint8_t tcp_wscale_for(uint32_t size)
{
	uint8_t sh = 0;

	while (sh < TCP_MAX_WINSHIFT && (size >> sh) > TCP_MAXWIN)
		sh++;
	return sh;
}

/**
 * tcp_negotiate() - apply the options of the peer's SYN or SYN-ACK
 * @tp:		TCB (its TF_REQ_* flags say what we offered or will offer)
 * @o:		the peer's options
 */
static void tcp_negotiate(struct tcp_sock *tp, const struct tcp_opts *o)
{
	uint32_t mss = o->has_mss ? o->mss : TCP_DEFAULT_MSS;

	if (mss > tp->adv_mss)
		mss = tp->adv_mss;
	if (tp->pmtu_mss && mss > tp->pmtu_mss)
		mss = tp->pmtu_mss;
	if ((tp->flags & TF_REQ_WSCALE) && o->has_ws) {
		tp->flags |= TF_WSCALE;
		tp->snd_wscale = o->wscale;
	} else {
		tp->snd_wscale = 0;
		tp->rcv_wscale = 0;
	}
	if ((tp->flags & TF_REQ_SACK) && o->sack_ok)
		tp->flags |= TF_SACK;
	if ((tp->flags & TF_REQ_TS) && o->has_ts) {
		tp->flags |= TF_TS;
		tp->ts_recent = o->ts_val;
		tp->ts_recent_age = tp->sk.stack->now;
		mss -= 12;	/* every segment carries the option */
	}
	if (mss < TCP_MIN_MSS)
		mss = TCP_MIN_MSS;
	tp->mss = (uint16_t)mss;
}

/**
 * ofo_add() - remember an out-of-order range (merged); most recent first,
 * as RFC 2018 wants the first SACK block to be
 * @tp:		TCB
 * @start:	first byte
 * @end:	one past the last
 *
 * Return: false when there was no room (the data is dropped)
 */
static bool ofo_add(struct tcp_sock *tp, uint32_t start, uint32_t end)
{
	int i, j;

	for (i = 0; i < tp->nofo; i++) {
		struct tcp_range *r = &tp->ofo[i];

		if (SEQ_GT(start, r->end) || SEQ_LT(end, r->start))
			continue;
		start = SEQ_MIN(start, r->start);
		end = SEQ_MAX(end, r->end);
		for (j = i; j + 1 < tp->nofo; j++)
			tp->ofo[j] = tp->ofo[j + 1];
		tp->nofo--;
		i = -1;
	}
	if (tp->nofo == TCP_OFO_MAX)
		return false;
	for (j = tp->nofo; j > 0; j--)
		tp->ofo[j] = tp->ofo[j - 1];
	tp->ofo[0].start = start;
	tp->ofo[0].end = end;
	tp->nofo++;
	return true;
}

/**
 * ofo_note_dup() - report (D-SACK) the part of [start, end) that an
 * out-of-order range already holds
 * @tp:		TCB
 * @start:	first byte of the arriving data
 * @end:	one past its last
 */
static void ofo_note_dup(struct tcp_sock *tp, uint32_t start, uint32_t end)
{
	int i;

	for (i = 0; i < tp->nofo; i++) {
		const struct tcp_range *r = &tp->ofo[i];

		if (SEQ_LT(start, r->end) && SEQ_GT(end, r->start)) {
			tcp_dsack_note(tp, SEQ_MAX(start, r->start),
				       SEQ_MIN(end, r->end));
			return;
		}
	}
}

/**
 * tcp_rcv_fin() - our peer's FIN is in order (RFC 9293 3.10.7.4 eighth)
 * @tp:		TCB
 */
static void tcp_rcv_fin(struct tcp_sock *tp)
{
	tp->flags &= ~TF_RCVD_FIN_OFO;
	tp->rcv_nxt++;
	tp->flags |= TF_ACKNOW;
	tcp_notify(tp, AE_EV_IN | AE_EV_RDHUP);
	switch (tp->state) {
	case TCPS_SYN_RECEIVED:
	case TCPS_ESTABLISHED:
		tcp_set_state(tp, TCPS_CLOSE_WAIT);
		break;
	case TCPS_FIN_WAIT_1:
		/* our FIN is not yet acknowledged, or we would be in FW2 */
		tcp_set_state(tp, TCPS_CLOSING);
		break;
	case TCPS_FIN_WAIT_2:
		tcp_send_ack(tp);
		tcp_enter_time_wait(tp);
		tcp_notify(tp, AE_EV_HUP);
		break;
	case TCPS_TIME_WAIT:
		tcp_timer_set(tp, TT_2MSL, tp->sk.stack->now +
			      (uint64_t)tp->sk.stack->cfg.time_wait_ms * NS_PER_MS);
		break;
	default:
		break;
	}
}

/**
 * ofo_merge() - move ranges that now touch RCV.NXT into the in-order data
 * @tp:		TCB
 */
static void ofo_merge(struct tcp_sock *tp)
{
	bool again = true;
	int i, j;

	while (again) {
		again = false;
		for (i = 0; i < tp->nofo; i++) {
			struct tcp_range r = tp->ofo[i];

			if (SEQ_GT(r.start, tp->rcv_nxt))
				continue;
			if (SEQ_GT(r.end, tp->rcv_nxt)) {
				tp->rx.tail += r.end - tp->rcv_nxt;
				tp->rcv_nxt = r.end;
			}
			for (j = i; j + 1 < tp->nofo; j++)
				tp->ofo[j] = tp->ofo[j + 1];
			tp->nofo--;
			again = true;
			break;
		}
	}
}

/**
 * delack_schedule() - decide between an immediate and a delayed ACK
 * @tp:		TCB
 * @len:	bytes just received in order
 */
static void delack_schedule(struct tcp_sock *tp, uint32_t len)
{
	/* a super-frame (the peer's GSO) counts as the segments it carries */
	if (len >= tp->mss || len >= tp->adv_mss)
		tp->delack_segs += len / tp->mss > 1 ? len / tp->mss : 1;
	if (tp->quickacks) {
		tp->quickacks--;
		tp->flags |= TF_ACKNOW;
	} else if (tp->delack_segs >= 2 || (tp->flags & TF_QUICKACK)) {
		tp->flags |= TF_ACKNOW;
	} else {
		tp->flags |= TF_DELACK;
		if (tp->timer[TT_DELACK] == AE_NEVER)
			tcp_timer_set(tp, TT_DELACK, tp->sk.stack->now +
				      TCP_DELACK_US * 1000ULL);
	}
}

/**
 * tcp_rcv_data() - accept payload that lies within the receive buffer
 * @tp:		TCB with rings
 * @seq:	first byte's sequence number (>= RCV.NXT after trimming)
 * @data:	bytes
 * @len:	count (fits in the ring's free space from RCV.NXT)
 */
static void tcp_rcv_data(struct tcp_sock *tp, uint32_t seq,
			 const uint8_t *data, uint32_t len)
{
	struct ae_stack *s = tp->sk.stack;
	uint32_t off = seq - tp->rcv_nxt;

	if (!len)
		return;
	if (off == 0) {
		bool filled = tp->nofo != 0;

		ring_write(&tp->rx, tp->rx.tail, data, len);
		tp->rx.tail += len;
		tp->rcv_nxt += len;
		tp->bytes_received += len;
		if (filled) {
			ofo_merge(tp);
			tp->flags |= TF_ACKNOW;	/* RFC 5681 4.2: hole filled */
		} else {
			delack_schedule(tp, len);
		}
		tcp_autotune_rcvd(tp);
		tcp_notify(tp, AE_EV_IN);
		return;
	}
	ofo_note_dup(tp, seq, seq + len);
	if (!ofo_add(tp, seq, seq + len)) {
		STAT_INC(s, tcp, ofo_drops);
		tp->flags |= TF_ACKNOW;
		return;
	}
	ring_write(&tp->rx, tp->rx.tail + off, data, len);
	STAT_INC(s, tcp, ofo_queued);
	tp->flags |= TF_ACKNOW;		/* duplicate ACK, with SACK blocks */
}

/**
 * tcp_reset_rcvd() - an acceptable RST arrived (RFC 9293 3.10.7.4 second)
 * @tp:		TCB
 */
static void tcp_reset_rcvd(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;
	int err = 0;

	STAT_INC(s, tcp, in_rsts);
	switch (tp->state) {
	case TCPS_SYN_RECEIVED:
		if (tp->parent) {	/* passive: back to LISTEN */
			tcp_destroy(tp);
			return;
		}
		err = ECONNREFUSED;
		STAT_INC(s, tcp, attempt_fails);
		break;
	case TCPS_ESTABLISHED:
		STAT_INC(s, tcp, estab_resets);
		err = ECONNRESET;
		break;
	case TCPS_CLOSE_WAIT:
		/*
		 * Linux's tcp_reset(): the peer had already finished
		 * sending, so the next write fails with EPIPE (and
		 * SIGPIPE), not ECONNRESET.
		 */
		STAT_INC(s, tcp, estab_resets);
		err = EPIPE;
		break;
	case TCPS_FIN_WAIT_1:
	case TCPS_FIN_WAIT_2:
		err = ECONNRESET;
		break;
	default:
		break;
	}
	if (err) {
		tp->sk.so_error = err;
		tcp_notify(tp, AE_EV_ERR);
	}
	tcp_close_tcb(tp);
}

/**
 * tcp_established() - our SYN is acknowledged: enter ESTABLISHED
 * @tp:		TCB in SYN-SENT or SYN-RECEIVED
 * @seg:	the acknowledging segment
 */
static void tcp_established(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	struct ae_stack *s = tp->sk.stack;

	if (tp->rtt_start && SEQ_GT(seg->ack, tp->rtt_seq))
		tcp_rtt_sample(tp, (uint32_t)((s->now - tp->rtt_start) / 1000));
	tp->rtt_start = 0;
	tp->rxtshift = 0;
	tp->first_rexmt = 0;
	tp->snd_una = tp->iss + 1;
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	tp->snd_wnd = seg->wnd;		/* never scaled in a SYN */
	if (!(seg->flags & TH_SYN))
		tp->snd_wnd = seg->wnd << tp->snd_wscale;
	tp->max_sndwnd = tp->snd_wnd;
	tp->snd_wl1 = seg->seq;
	tp->snd_wl2 = seg->ack;
	tp->recover = tp->iss;
	tcp_set_state(tp, TCPS_ESTABLISHED);
	tcp_cc_init(tp);
	tcp_timer_rexmt_arm(tp);
	tcp_timer_keep_arm(tp);
	if (tp->flags & TF_SHUT_WR)
		tcp_set_state(tp, TCPS_FIN_WAIT_1);
	if (tp->parent) {
		struct tcp_sock *lp = tp->parent;

		TAILQ_REMOVE(&lp->synq, tp, qentry);
		lp->synq_len--;
		TAILQ_INSERT_TAIL(&lp->acceptq, tp, qentry);
		lp->acceptq_len++;
		tp->inq = TCP_INQ_ACCEPT;
		tp->acceptq_since = tp->sk.stack->now;
		tcp_notify(lp, AE_EV_IN);
	} else {
		tcp_notify(tp, AE_EV_OUT);
	}
}

/**
 * tcp_newack() - SND.UNA < SEG.ACK <= SND.MAX: free acknowledged bytes,
 * measure RTT, move the congestion window
 * @tp:		TCB
 * @seg:	the segment
 *
 * Return: true when the ACK covers our FIN
 */
static bool tcp_newack(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	struct ae_stack *s = tp->sk.stack;
	uint32_t acked = seg->ack - tp->snd_una, data, rtt = 0, now_ts;
	bool fin_acked = tcp_fin_acked(tp, seg->ack);

	data = acked - (fin_acked ? 1 : 0);
	if (data > ring_used(&tp->tx))
		data = ring_used(&tp->tx);
	tp->tx.head += data;
	tp->bytes_acked_total += data;
	if ((tp->flags & TF_TS) && seg->opt.has_ts && seg->opt.ts_ecr) {
		now_ts = tcp_ts_now(tp);
		if (SEQ_GEQ(now_ts, seg->opt.ts_ecr))
			rtt = (now_ts - seg->opt.ts_ecr) * 1000 + 1;
	} else if (tp->rtt_start && SEQ_GT(seg->ack, tp->rtt_seq)) {
		rtt = (uint32_t)((s->now - tp->rtt_start) / 1000);
	}
	if (SEQ_GT(seg->ack, tp->rtt_seq))
		tp->rtt_start = 0;
	if (rtt)
		tcp_rtt_sample(tp, rtt);
	tp->rxtshift = 0;
	tp->first_rexmt = 0;
	tp->probes_out = 0;
	tp->sk.soft_err = 0;	/* Linux's tcp_ack(): "something worked" */
	tp->snd_una = seg->ack;
	if (SEQ_LT(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	if ((tp->flags & TF_TLP_OUT) && SEQ_GEQ(seg->ack, tp->tlp_high))
		tp->flags &= ~TF_TLP_OUT;	/* the probe did its job */
	if (SEQ_LT(tp->rexmit_nxt, tp->snd_una))
		tp->rexmit_nxt = tp->snd_una;
	tcp_sack_update(tp, &seg->opt);
	tcp_recovery_ack(tp, seg, acked, data);
	tcp_timer_rexmt_arm(tp);
	if (data && !(tp->flags & TF_SHUT_WR))
		tcp_notify(tp, AE_EV_OUT);
	return fin_acked;
}

/**
 * tcp_update_window() - take the peer's window if the segment is newer
 * (RFC 9293 3.10.7.4 fifth, SND.WL1/WL2)
 * @tp:		TCB
 * @seg:	the segment
 */
static void tcp_update_window(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	uint32_t wnd = seg->wnd << tp->snd_wscale;

	if (!(SEQ_LT(tp->snd_wl1, seg->seq) ||
	      (tp->snd_wl1 == seg->seq && SEQ_LEQ(tp->snd_wl2, seg->ack))))
		return;
	if (!tp->snd_wnd && wnd) {
		tcp_timer_clear(tp, TT_PERSIST);
		tp->persist_shift = 0;
		tp->probes_out = 0;
	}
	tp->snd_wnd = wnd;
	tp->snd_wl1 = seg->seq;
	tp->snd_wl2 = seg->ack;
	if (wnd > tp->max_sndwnd)
		tp->max_sndwnd = wnd;
}

/**
 * tcp_ack_step() - RFC 9293 3.10.7.4 fifth: the ACK field
 * @tp:		TCB (synchronized)
 * @seg:	the segment
 *
 * Return: verdict
 */
static enum seg_verdict tcp_ack_step(struct tcp_sock *tp,
				     const struct tcp_seg *seg)
{
	uint32_t wnd = seg->wnd << tp->snd_wscale, prior_in_flight = 0;
	bool fin_acked = false;

	if (SEQ_GT(seg->ack, tp->snd_max))
		return SEG_DROPAFTERACK;	/* acks what we never sent */
	if (tp->cc->on_ack_sample)
		prior_in_flight = tcp_rate_inflight(tp);
	if (SEQ_LT(seg->ack, tp->snd_una - tp->max_sndwnd)) {
		/* RFC 5961 5.2: too old to be from our peer: challenge */
		tcp_send_challenge_ack(tp);
		return SEG_DROP;
	}
	if (SEQ_LEQ(seg->ack, tp->snd_una)) {
		if (seg->ack == tp->snd_una && !seg->len &&
		    !(seg->flags & (TH_FIN | TH_SYN)) && wnd == tp->snd_wnd &&
		    tp->snd_una != tp->snd_max)
			tcp_dupack(tp, seg);
		else if (seg->opt.nsack && !tcp_sack_dupack(tp, seg))
			tcp_sack_update(tp, &seg->opt);
	} else {
		fin_acked = tcp_newack(tp, seg);
	}
	tcp_cc_ack_sample(tp, seg, prior_in_flight);
	tcp_update_window(tp, seg);
	if (!fin_acked)
		return SEG_CONTINUE;
	switch (tp->state) {
	case TCPS_FIN_WAIT_1:
		tcp_set_state(tp, TCPS_FIN_WAIT_2);
		tcp_fin_wait_2_arm(tp);
		break;
	case TCPS_CLOSING:
		tcp_enter_time_wait(tp);
		tcp_notify(tp, AE_EV_HUP);
		return SEG_DONE;
	case TCPS_LAST_ACK:
		tcp_close_tcb(tp);
		return SEG_DONE;
	default:
		break;
	}
	return SEG_CONTINUE;
}

/**
 * seq_acceptable() - RFC 9293 3.10.7.4 first: the four-case test
 * @tp:		TCB
 * @seg:	the segment
 * @wnd:	receive window (free buffer space)
 *
 * Return: true if some part of the segment is in the window
 */
static bool seq_acceptable(const struct tcp_sock *tp, const struct tcp_seg *seg,
			   uint32_t wnd)
{
	uint32_t seglen = seg->len + !!(seg->flags & TH_SYN) +
			  !!(seg->flags & TH_FIN);
	uint32_t nxt = tp->rcv_nxt;

	if (!seglen) {
		if (!wnd)
			return seg->seq == nxt;
		return SEQ_GEQ(seg->seq, nxt) && SEQ_LT(seg->seq, nxt + wnd);
	}
	if (!wnd)
		return seg->seq == nxt;	/* ACK/RST/URG still processed */
	return (SEQ_GEQ(seg->seq, nxt) && SEQ_LT(seg->seq, nxt + wnd)) ||
	       (SEQ_GEQ(seg->seq + seglen - 1, nxt) &&
		SEQ_LT(seg->seq + seglen - 1, nxt + wnd));
}

/**
 * rcv_edge_window() - how far beyond RCV.NXT data is accepted: up to the
 * right edge we advertised (RFC 9293 3.10.7.4), which autotuning may keep
 * well inside the ring; never beyond the ring's free space
 * @tp:		TCB with rings
 *
 * Return: bytes
 */
static uint32_t rcv_edge_window(const struct tcp_sock *tp)
{
	uint32_t adv = SEQ_GT(tp->rcv_adv, tp->rcv_nxt) ?
		       tp->rcv_adv - tp->rcv_nxt : 0;
	uint32_t room = ring_free(&tp->rx);

	return adv < room ? adv : room;
}

/**
 * trim_segment() - cut what lies before RCV.NXT or beyond the buffer
 * @tp:		TCB
 * @seg:	the segment, modified
 * @wnd:	free buffer space beyond RCV.NXT
 */
static void trim_segment(struct tcp_sock *tp, struct tcp_seg *seg, uint32_t wnd)
{
	uint32_t todrop;

	if (SEQ_LT(seg->seq, tp->rcv_nxt)) {
		todrop = tp->rcv_nxt - seg->seq;
		if (seg->flags & TH_SYN) {
			seg->flags &= ~TH_SYN;
			seg->seq++;
			todrop--;
		}
		if (todrop > seg->len) {
			seg->flags &= ~TH_FIN;	/* an old FIN */
			todrop = seg->len;
		}
		if (todrop) {
			tp->flags |= TF_ACKNOW;	/* duplicate data: ACK it */
			tcp_dsack_note(tp, seg->seq, seg->seq + todrop);
			seg->data += todrop;
			seg->len -= todrop;
			seg->seq += todrop;
		}
	}
	if (SEQ_GT(seg->seq + seg->len, tp->rcv_nxt + wnd)) {
		uint32_t keep = SEQ_GT(tp->rcv_nxt + wnd, seg->seq) ?
				tp->rcv_nxt + wnd - seg->seq : 0;

		seg->len = keep;
		seg->flags &= ~TH_FIN;
		tp->flags |= TF_ACKNOW;
	}
}

/**
 * tcp_data_step() - RFC 9293 3.10.7.4 seventh and eighth: text and FIN
 * @tp:		TCB
 * @seg:	the segment (trimmed)
 *
 * Return: verdict
 */
static enum seg_verdict tcp_data_step(struct tcp_sock *tp, struct tcp_seg *seg)
{
	uint32_t fin_seq;

	if (seg->len) {
		switch (tp->state) {
		case TCPS_ESTABLISHED:
		case TCPS_FIN_WAIT_1:
		case TCPS_FIN_WAIT_2:
			if (tp->sk.closed) {
				/* nobody will read it: reset, like Linux */
				tcp_drop(tp, 0);
				return SEG_DONE;
			}
			tcp_rcv_data(tp, seg->seq, seg->data, seg->len);
			break;
		default:
			break;		/* after a FIN: ignore */
		}
	}
	if (TCPS_HAVERCVDFIN(tp->state))
		seg->flags &= ~TH_FIN;
	if (seg->flags & TH_FIN) {
		fin_seq = seg->seq + seg->len;
		if (fin_seq == tp->rcv_nxt) {
			tcp_rcv_fin(tp);
		} else if (SEQ_GT(fin_seq, tp->rcv_nxt)) {
			tp->flags |= TF_RCVD_FIN_OFO | TF_ACKNOW;
			tp->ofo_fin = fin_seq;
		}
	}
	if ((tp->flags & TF_RCVD_FIN_OFO) && tp->ofo_fin == tp->rcv_nxt &&
	    !TCPS_HAVERCVDFIN(tp->state))
		tcp_rcv_fin(tp);
	return SEG_CONTINUE;
}

/**
 * tcp_do_segment() - process a segment for a synchronized (or SYN-RECEIVED)
 * TCB
 * @tp:		TCB
 * @seg:	the segment
 *
 * Return: verdict for the caller's drop labels
 */
static enum seg_verdict tcp_do_segment(struct tcp_sock *tp, struct tcp_seg *seg)
{
	struct ae_stack *s = tp->sk.stack;
	enum seg_verdict v;
	uint32_t wnd;

	/* PAWS, RFC 7323 5.3, with Linux's one-tick tolerance: a segment
	 * the peer sent a clock tick before one that passed (reordering)
	 * is still new data */
	if ((tp->flags & TF_TS) && seg->opt.has_ts && !(seg->flags & TH_RST) &&
	    (int32_t)(tp->ts_recent - seg->opt.ts_val) > TCP_PAWS_WINDOW &&
	    s->now - tp->ts_recent_age < 24ULL * 86400 * NS_PER_SEC) {
		STAT_INC(s, tcp, in_out_of_window);
		return SEG_DROPAFTERACK;
	}
	/* a retransmitted SYN: our SYN-ACK was lost */
	if (tp->state == TCPS_SYN_RECEIVED && (seg->flags & TH_SYN) &&
	    !(seg->flags & (TH_ACK | TH_RST)) && seg->seq == tp->irs) {
		tp->snd_nxt = tp->iss;
		tcp_output(tp);
		return SEG_DONE;
	}
	wnd = tp->rx.mem ? rcv_edge_window(tp) : tcp_rcv_window(tp);
	/* first: sequence number */
	if (!seq_acceptable(tp, seg, wnd)) {
		STAT_INC(s, tcp, in_out_of_window);
		if (seg->len && SEQ_LT(seg->seq, tp->rcv_nxt))
			tcp_dsack_note(tp, seg->seq,
				       SEQ_MIN(seg->seq + seg->len, tp->rcv_nxt));
		if (seg->flags & TH_RST)
			return SEG_DROP;
		if (tp->state == TCPS_TIME_WAIT && (seg->flags & TH_FIN))
			tcp_timer_set(tp, TT_2MSL, s->now +
				      (uint64_t)s->cfg.time_wait_ms * NS_PER_MS);
		return SEG_DROPAFTERACK;
	}
	/* RFC 7323 4.3: remember the timestamp of in-order segments */
	if ((tp->flags & TF_TS) && seg->opt.has_ts &&
	    SEQ_GEQ(seg->opt.ts_val, tp->ts_recent) &&
	    SEQ_LEQ(seg->seq, tp->last_ack_sent)) {
		tp->ts_recent = seg->opt.ts_val;
		tp->ts_recent_age = s->now;
	}
	/* second: RST (RFC 5961 3.2) */
	if (seg->flags & TH_RST) {
		if (seg->seq == tp->rcv_nxt)
			tcp_reset_rcvd(tp);
		else
			tcp_send_challenge_ack(tp);
		return SEG_DONE;
	}
	/* fourth: SYN in a synchronized state (RFC 5961 4.2) */
	if (seg->flags & TH_SYN) {
		tcp_send_challenge_ack(tp);
		return SEG_DONE;
	}
	trim_segment(tp, seg, wnd);
	/* fifth: ACK */
	if (!(seg->flags & TH_ACK))
		return SEG_DROP;
	if (tp->state == TCPS_SYN_RECEIVED) {
		if (!SEQ_GT(seg->ack, tp->snd_una) ||
		    SEQ_GT(seg->ack, tp->snd_max))
			return SEG_DROPWITHRESET;
		if (tp->parent && tp->parent->acceptq_len >= tp->parent->backlog) {
			STAT_INC(s, tcp, accept_queue_drops);
			return SEG_DROP;	/* the peer will retransmit */
		}
		/* TCP_DEFER_ACCEPT, as Linux: a bare ACK leaves the connection
		 * in SYN-RECEIVED (the SYN-ACK timer keeps asking) until data
		 * comes or the period ends; then the next ACK completes it. */
		if (seg->len == 0 && !(seg->flags & TH_FIN) &&
		    s->now < tp->defer_until) {
			STAT_INC(s, tcp, defer_accept_held);
			return SEG_DONE;
		}
		if (tcp_alloc_buffers(tp)) {
			tcp_drop(tp, ENOMEM);
			return SEG_DONE;
		}
		tcp_established(tp, seg);
	}
	v = tcp_ack_step(tp, seg);
	if (v != SEG_CONTINUE)
		return v;
	/* sixth: URG ignored (data delivered in line); seventh, eighth */
	v = tcp_data_step(tp, seg);
	if (v != SEG_CONTINUE)
		return v;
	if (tp->state != TCPS_TIME_WAIT || (tp->flags & TF_ACKNOW))
		tcp_output(tp);
	return SEG_DONE;
}

/**
 * tcp_syn_sent() - RFC 9293 3.10.7.3: a segment for a TCB in SYN-SENT
 * @tp:		TCB
 * @seg:	the segment
 *
 * Return: verdict
 */
static enum seg_verdict tcp_syn_sent(struct tcp_sock *tp, struct tcp_seg *seg)
{
	bool ack = seg->flags & TH_ACK;

	if (ack && (SEQ_LEQ(seg->ack, tp->iss) || SEQ_GT(seg->ack, tp->snd_max)))
		return (seg->flags & TH_RST) ? SEG_DROP : SEG_DROPWITHRESET;
	if (seg->flags & TH_RST) {
		if (!ack)
			return SEG_DROP;
		STAT_INC(tp->sk.stack, tcp, in_rsts);
		tcp_drop(tp, ECONNREFUSED);
		return SEG_DONE;
	}
	if (!(seg->flags & TH_SYN))
		return SEG_DROP;
	tp->irs = seg->seq;
	tp->rcv_nxt = seg->seq + 1;
	tp->rcv_adv = tp->rcv_nxt;
	tcp_negotiate(tp, &seg->opt);
	if (ack) {
		tcp_established(tp, seg);
		tp->flags |= TF_ACKNOW;
		tcp_output(tp);
		return SEG_DONE;
	}
	/* simultaneous open: SYN-RECEIVED, send SYN-ACK */
	tp->snd_wnd = seg->wnd;
	tp->snd_wl1 = seg->seq;
	tcp_set_state(tp, TCPS_SYN_RECEIVED);
	tp->snd_nxt = tp->iss;
	tcp_output(tp);
	return SEG_DONE;
}

/**
 * child_new() - a TCB for a connection to listener @lp
 * @lp:		listener
 * @seg:	the SYN (or cookie ACK)
 *
 * Return: TCB with addresses and inherited options, or NULL
 */
static struct tcp_sock *child_new(struct tcp_sock *lp, const struct tcp_seg *seg)
{
	struct ae_stack *s = lp->sk.stack;
	struct tcp_sock *tp;

	if (tcp_live_sockets(s) >= s->cfg.max_sockets &&
	    !tcp_reclaim_time_wait(s))
		return NULL;
	tp = tcp_alloc(s);
	if (!tp)
		return NULL;
	tp->sk.laddr = seg->ip->dst;
	tp->sk.lport = seg->dport;
	tp->sk.raddr = seg->ip->src;
	tp->sk.rport = seg->sport;
	tp->sk.reuseaddr = lp->sk.reuseaddr;
	tp->sk.reuseport = lp->sk.reuseport;
	tp->sk.tos = lp->sk.tos;
	tp->sk.ttl = lp->sk.ttl;
	tp->sk.rcvbuf_opt = lp->sk.rcvbuf_opt;
	tp->sk.sndbuf_opt = lp->sk.sndbuf_opt;
	tp->rcvbuf = lp->rcvbuf;
	tp->sndbuf = lp->sndbuf;
	tp->flags = (lp->flags & (TF_NODELAY | TF_KEEPALIVE)) | TF_PASSIVE;
	tp->keepidle = lp->keepidle;
	tp->keepintvl = lp->keepintvl;
	tp->keepcnt = lp->keepcnt;
	tp->user_timeout_ms = lp->user_timeout_ms;
	tp->linger_s = lp->linger_s;
	tp->linger2 = lp->linger2;
	tp->notsent_lowat = lp->notsent_lowat;
	tp->user_mss = lp->user_mss;
	tp->sk.opt = lp->sk.opt;
	tp->sk.opt.priority = 0;	/* Linux: the SYN's, not the listener's */
	tp->adv_mss = lp->adv_mss;
	/* the listener's choice, not the default (no memory for BBR: the
	 * default stays) */
	tcp_cc_set(tp, lp->cc);
	tp->parent = lp;
	tp->ts_offset = tcp_ts_offset(s, tp->sk.laddr, tp->sk.raddr);
	return tp;
}

/**
 * child_link() - hash a new child and queue it on its listener
 * @lp:		listener
 * @tp:		child
 * @q:		TCP_INQ_SYN or TCP_INQ_ACCEPT
 */
static void child_link(struct tcp_sock *lp, struct tcp_sock *tp, uint8_t q)
{
	struct ae_stack *s = lp->sk.stack;

	tcp_hash_insert(s, tp);
	tcp_bind_inherit(s, tp);
	tp->inq = q;
	if (lp->sk.defer_accept)
		tp->defer_until = s->now +
				  (uint64_t)lp->sk.defer_accept * NS_PER_SEC;
	if (q == TCP_INQ_SYN) {
		TAILQ_INSERT_TAIL(&lp->synq, tp, qentry);
		lp->synq_len++;
	} else {
		TAILQ_INSERT_TAIL(&lp->acceptq, tp, qentry);
		lp->acceptq_len++;
		tp->acceptq_since = s->now;
	}
	STAT_INC(s, tcp, passive_opens);
}

/**
 * cookie_window() - the window a cookie SYN-ACK offers (unscaled: cookie
 * connections negotiate no scaling), which is also where the connection
 * built from the cookie starts its right edge
 * @rcvbuf:	the listener's receive buffer
 *
 * Return: bytes
 */
static uint32_t cookie_window(uint32_t rcvbuf)
{
	return rcvbuf > TCP_MAXWIN ? TCP_MAXWIN : rcvbuf;
}

/**
 * send_cookie_synack() - stateless SYN-ACK carrying a SYN cookie
 * @lp:		listener
 * @seg:	the SYN
 */
static void send_cookie_synack(struct tcp_sock *lp, const struct tcp_seg *seg)
{
	struct ae_stack *s = lp->sk.stack;
	uint16_t mss = seg->opt.has_mss ? seg->opt.mss : TCP_DEFAULT_MSS;
	uint8_t hdr[TCP_HLEN + TCPOLEN_MAXSEG];
	struct iovec iov = { .iov_base = hdr, .iov_len = sizeof(hdr) };
	uint32_t iss, sum, win = cookie_window(lp->rcvbuf);

	if (mss > lp->adv_mss)
		mss = lp->adv_mss;
	iss = tcp_cookie_make(s, seg, seg->ip->dst, seg->ip->src, mss);
	tcp_build_header(hdr, seg->dport, seg->sport, iss, seg->seq + 1,
			 sizeof(hdr), TH_SYN | TH_ACK, (uint16_t)win);
	hdr[TCP_HLEN] = TCPOPT_MAXSEG;
	hdr[TCP_HLEN + 1] = TCPOLEN_MAXSEG;
	st16(hdr + TCP_HLEN + 2, lp->adv_mss);
	sum = csum_pseudo(seg->ip->dst, seg->ip->src, IPPROTO_TCP, sizeof(hdr));
	st16(hdr + TCP_F_CSUM, csum_fold(csum_partial(hdr, sizeof(hdr), sum)));
	ipv4_output(s, seg->ip->dst, seg->ip->src, IPPROTO_TCP, 0, &iov, 1);
	STAT_INC(s, tcp, out_segs);
	STAT_INC(s, tcp, syn_cookies_sent);
}

/**
 * cookie_ack() - an ACK to a listener: complete a SYN-cookie connection
 * @lp:		listener
 * @seg:	the ACK
 *
 * Return: verdict
 */
static enum seg_verdict cookie_ack(struct tcp_sock *lp, struct tcp_seg *seg)
{
	struct ae_stack *s = lp->sk.stack;
	struct tcp_sock *tp;
	uint16_t mss;

	mss = tcp_cookie_check(s, seg, seg->ip->dst, seg->ip->src);
	if (!mss) {
		STAT_INC(s, tcp, syn_cookies_failed);
		return SEG_DROPWITHRESET;
	}
	if (lp->acceptq_len >= lp->backlog) {
		STAT_INC(s, tcp, accept_queue_drops);
		return SEG_DROP;
	}
	tp = child_new(lp, seg);
	if (!tp)
		return SEG_DROP;
	if (tcp_alloc_buffers(tp)) {
		tcp_destroy(tp);
		return SEG_DROP;
	}
	STAT_INC(s, tcp, syn_cookies_recv);
	tp->flags |= TF_COOKIE;
	tp->iss = seg->ack - 1;
	tp->snd_una = tp->snd_nxt = tp->snd_max = seg->ack;
	tp->irs = seg->seq - 1;
	tp->rcv_nxt = seg->seq;
	tp->rcv_adv = seg->seq + cookie_window(tp->rcvbuf);
	tp->mss = mss < tp->adv_mss ? mss : tp->adv_mss;
	tp->snd_wnd = seg->wnd;
	tp->max_sndwnd = seg->wnd;
	tp->snd_wl1 = seg->seq;
	tp->snd_wl2 = seg->ack;
	tp->recover = tp->iss;
	tcp_set_state(tp, TCPS_ESTABLISHED);
	tcp_cc_init(tp);
	child_link(lp, tp, TCP_INQ_ACCEPT);
	tcp_notify(lp, AE_EV_IN);
	return tcp_do_segment(tp, seg);
}

/**
 * listen_input() - a segment for a listener (RFC 9293 3.10.7.2)
 * @lp:		listener
 * @seg:	the segment
 */
static enum seg_verdict listen_input(struct tcp_sock *lp, struct tcp_seg *seg)
{
	struct ae_stack *s = lp->sk.stack;
	struct ae_tcp *t = s->tcp;
	uint32_t synq_max = lp->backlog < 8 ? 8 : lp->backlog;
	struct tcp_sock *tp;

	if (seg->flags & TH_RST)
		return SEG_DROP;
	if ((seg->flags & TH_ACK) && !(seg->flags & TH_SYN))
		return cookie_ack(lp, seg);
	if (seg->flags & TH_ACK)
		return SEG_DROPWITHRESET;
	if (!(seg->flags & TH_SYN))
		return SEG_DROP;
	if (lp->acceptq_len >= lp->backlog) {
		STAT_INC(s, tcp, accept_queue_drops);
		return SEG_DROP;
	}
	if (lp->synq_len >= synq_max) {
		send_cookie_synack(lp, seg);
		return SEG_DONE;
	}
	tp = child_new(lp, seg);
	if (!tp) {
		STAT_INC(s, tcp, syn_queue_drops);
		return SEG_DROP;
	}
	tp->flags |= TF_REQ_WSCALE | TF_REQ_SACK | TF_REQ_TS;
	tp->rcv_wscale = tcp_wscale_for(tp->rcvbuf);
	tp->irs = seg->seq;
	tp->rcv_nxt = tp->rcv_adv = seg->seq + 1;
	tcp_negotiate(tp, &seg->opt);
	if (t->tw_iss_set) {
		tp->iss = t->tw_iss;
		t->tw_iss_set = false;
	} else {
		tp->iss = tcp_new_isn(s, tp->sk.laddr, tp->sk.lport,
				      tp->sk.raddr, tp->sk.rport);
	}
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->iss;
	tp->recover = tp->iss;
	tp->snd_wnd = seg->wnd;
	tp->snd_wl1 = seg->seq;
	tcp_set_state(tp, TCPS_SYN_RECEIVED);
	child_link(lp, tp, TCP_INQ_SYN);
	tcp_output(tp);
	return SEG_DONE;
}

/**
 * tcp_input_listen() - entry for a listener's segment, with drop labels
 * @lp:		listener
 * @seg:	the segment
 */
static void tcp_input_listen(struct tcp_sock *lp, struct tcp_seg *seg)
{
	struct ae_stack *s = lp->sk.stack;

	switch (listen_input(lp, seg)) {
	case SEG_DROPWITHRESET:
		STAT_INC(s, tcp, drop_with_reset);
		tcp_respond_rst(s, seg);
		break;
	case SEG_DROP:
	case SEG_DROPAFTERACK:
		STAT_INC(s, tcp, drop);
		break;
	default:
		break;
	}
}

/**
 * tw_reusable() - may a SYN reopen this TIME-WAIT connection? (Linux:
 * sequence above the old RCV.NXT, or a newer timestamp)
 * @tp:		TCB in TIME-WAIT
 * @seg:	the SYN
 *
 * Return: true to kill the old incarnation
 */
static bool tw_reusable(const struct tcp_sock *tp, const struct tcp_seg *seg)
{
	if ((seg->flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN)
		return false;
	if ((tp->flags & TF_TS) && seg->opt.has_ts)
		return SEQ_GT(seg->opt.ts_val, tp->ts_recent) ||
		       SEQ_GT(seg->seq, tp->rcv_nxt);
	return SEQ_GT(seg->seq, tp->rcv_nxt);
}

/**
 * parse_segment() - validate a TCP header and fill @seg
 * @s:		stack
 * @ip:		IP information
 * @p:		the TCP segment (header and payload)
 * @seg:	filled
 *
 * Return: 0, or -1 when the segment must be dropped (counted)
 */
static int parse_segment(struct ae_stack *s, const struct ae_ipinfo *ip,
			 const struct ae_pkt *p, struct tcp_seg *seg)
{
	const uint8_t *h = pkt_get(p, 0, TCP_HLEN);
	size_t doff;
	uint32_t sum;

	if (!h || p->len > IP_MAXPACKET_) {
		STAT_INC(s, tcp, in_truncated);
		STAT_INC(s, tcp, in_errs);
		return -1;
	}
	doff = tcp_hdr_len(h);
	if (doff < TCP_HLEN || !pkt_get(p, 0, doff)) {
		STAT_INC(s, tcp, in_bad_offset);
		STAT_INC(s, tcp, in_errs);
		return -1;
	}
	sum = csum_pseudo(ip->src, ip->dst, IPPROTO_TCP, (uint16_t)p->len);
	if (!s->rx_csum_valid &&
	    csum_fold(csum_partial(p->data, p->len, sum)) != 0) {
		STAT_INC(s, tcp, in_csum_errors);
		STAT_INC(s, tcp, in_errs);
		return -1;
	}
	memset(seg, 0, sizeof(*seg));
	memcpy(&seg->sport, h + TCP_F_SPORT, 2);
	memcpy(&seg->dport, h + TCP_F_DPORT, 2);
	seg->seq = ld32(h + TCP_F_SEQ);
	seg->ack = ld32(h + TCP_F_ACK);
	seg->flags = h[TCP_F_FLAGS];
	seg->wnd = ld16(h + TCP_F_WIN);
	seg->urp = ld16(h + TCP_F_URP);
	seg->data = h + doff;
	seg->len = (uint32_t)(p->len - doff);
	seg->ip = ip;
	if (tcp_parse_options(h + TCP_HLEN, doff - TCP_HLEN, seg->flags,
			      &seg->opt))
		STAT_INC(s, tcp, in_bad_options);
	if (!seg->sport || !seg->dport) {
		STAT_INC(s, tcp, in_errs);
		return -1;
	}
	return 0;
}

/**
 * oow_ack_limited() - should the ACK owed for an unacceptable segment be
 * skipped? Like Linux (tcp_oow_rate_limited(), tcp_invalid_ratelimit), a
 * segment without data, SYN or FIN gets at most one such ACK per
 * TCP_OOW_ACK_GAP_US per connection: reordered pure ACKs failing PAWS, or
 * two stacks disagreeing on the window, must not start an ACK loop.
 * Segments carrying data or FIN always get theirs (the sender needs it).
 * @tp:		TCB
 * @seg:	the segment being dropped
 *
 * Return: true to skip the ACK (counted in ack_skipped)
 */
static bool oow_ack_limited(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	struct ae_stack *s = tp->sk.stack;

	if (seg->len || (seg->flags & (TH_SYN | TH_FIN)))
		return false;
	if (tp->last_oow_ack &&
	    s->now - tp->last_oow_ack < TCP_OOW_ACK_GAP_US * 1000ULL) {
		STAT_INC(s, tcp, ack_skipped);
		return true;
	}
	tp->last_oow_ack = s->now;
	return false;
}

/**
 * tcp_segment() - demultiplex and process one valid segment
 * @s:		stack
 * @seg:	the segment
 */
static void tcp_segment(struct ae_stack *s, struct tcp_seg *seg)
{
	struct tcp_sock *tp, *lp;
	enum seg_verdict v;

	tp = tcp_hash_lookup(s, seg->ip->dst, seg->dport, seg->ip->src,
			     seg->sport);
	if (tp && tp->state == TCPS_TIME_WAIT && tw_reusable(tp, seg) &&
	    tcp_listener_lookup(s, seg->ip->dst, seg->dport)) {
		STAT_INC(s, tcp, time_wait_reused);
		s->tcp->tw_iss = tp->snd_nxt + TCP_MAXWIN + 2;
		s->tcp->tw_iss_set = true;
		/* the old incarnation ends; an owner still holding it sees it
		 * CLOSED (like Linux, whose TIME-WAIT is a separate socket) */
		tcp_close_tcb(tp);
		tp = NULL;
	}
	if (!tp) {
		lp = tcp_listener_select(s, seg->ip->dst, seg->dport,
					 seg->ip->src, seg->sport);
		s->tcp->tw_iss_set = s->tcp->tw_iss_set && lp;
		if (lp) {
			tcp_input_listen(lp, seg);
			return;
		}
		STAT_INC(s, tcp, in_no_socket);
		tcp_respond_rst(s, seg);
		return;
	}
	tp->segs_in++;
	tp->last_rcv = s->now;
	tp->keep_probes = 0;
	if (tp->state == TCPS_SYN_SENT)
		v = tcp_syn_sent(tp, seg);
	else
		v = tcp_do_segment(tp, seg);
	switch (v) {
	case SEG_DROPAFTERACK:
		STAT_INC(s, tcp, drop_after_ack);
		if (!(seg->flags & TH_RST) && !(tp->flags & TF_DEAD) &&
		    !oow_ack_limited(tp, seg)) {
			tp->flags |= TF_ACKNOW;
			tcp_output(tp);
		}
		break;
	case SEG_DROPWITHRESET:
		STAT_INC(s, tcp, drop_with_reset);
		tcp_respond_rst(s, seg);
		break;
	case SEG_DROP:
		STAT_INC(s, tcp, drop);
		break;
	default:
		break;
	}
	if (!(tp->flags & TF_DEAD) && tp->state >= TCPS_ESTABLISHED)
		tcp_timer_keep_arm(tp);
	AE_ASSERT((tp->flags & TF_DEAD) || !tcp_check_invariants(tp));
}

/**
 * tcp_input() - a TCP segment from the IP layer
 * @s:		stack
 * @ip:		IP information (addresses, header)
 * @p:		the segment
 */
void tcp_input(struct ae_stack *s, const struct ae_ipinfo *ip,
	       const struct ae_pkt *p)
{
	struct tcp_seg seg;

	STAT_INC(s, tcp, in_segs);
	if (parse_segment(s, ip, p, &seg))
		return;
	tcp_enter(s);
	tcp_segment(s, &seg);
	tcp_leave(s);
}

/**
 * tcp_icmp_error() - an ICMP error about a segment we sent
 * @s:		stack
 * @type:	ICMP type
 * @code:	ICMP code
 * @mtu:	next-hop MTU for fragmentation needed, else 0
 * @inner:	the quoted IP header and at least 8 bytes of TCP
 *
 * Fragmentation needed lowers the path MSS and resends (RFC 1191). Other
 * errors, as Linux's tcp_v4_err(): source quench and unknown codes say
 * nothing; any other (icmp_err_convert()) aborts a connection still in
 * SYN-SENT with its errno (ECONNREFUSED, EHOSTUNREACH, ...) and is
 * otherwise soft (RFC 1122 4.2.3.9): kept in soft_err, reported by SO_ERROR
 * or instead of ETIMEDOUT if the connection times out, forgotten when an
 * ACK shows the path works. The quoted sequence number must lie in
 * SND.UNA..SND.MAX (RFC 5927).
 */
void tcp_icmp_error(struct ae_stack *s, uint8_t type, uint8_t code,
		    uint16_t mtu, const struct ae_pkt *inner)
{
	const uint8_t *ih = pkt_get(inner, 0, IP_HLEN), *th;
	uint32_t src, dst, seq;
	uint16_t sport, dport;
	struct tcp_sock *tp;
	bool fatal;
	size_t hl;
	int err;

	if (!ih)
		return;
	hl = ip_hdr_len(ih);
	th = pkt_get(inner, hl, 8);	/* the 8 bytes ICMP quotes */
	if (hl < IP_HLEN || !th)
		return;
	memcpy(&src, ih + IP_F_SRC, 4);
	memcpy(&dst, ih + IP_F_DST, 4);
	memcpy(&sport, th + TCP_F_SPORT, 2);
	memcpy(&dport, th + TCP_F_DPORT, 2);
	seq = ld32(th + TCP_F_SEQ);
	tp = tcp_hash_lookup(s, src, sport, dst, dport);
	if (!tp || SEQ_LT(seq, tp->snd_una) || SEQ_GT(seq, tp->snd_max))
		return;
	tcp_enter(s);
	if (type == ICMP_DEST_UNREACH_ && code == ICMP_FRAG_NEEDED_) {
		/* RFC 5927 7: a forged tiny MTU must not cut us to 48-byte
		 * segments; like Linux, never go below 552. */
		if (mtu >= 68 && mtu < TCP_MIN_PMTU)
			mtu = TCP_MIN_PMTU;
		if (mtu >= 68 && (uint32_t)mtu - IP_HLEN - TCP_HLEN < tp->mss) {
			uint32_t m = (uint32_t)mtu - IP_HLEN - TCP_HLEN;

			if (tp->flags & TF_TS)
				m -= TCPOLEN_TSTAMP_APPA;
			if (m < TCP_MIN_MSS)
				m = TCP_MIN_MSS;
			tp->pmtu_mss = (uint16_t)m;
			tp->mss = (uint16_t)m;
			tp->snd_nxt = tp->snd_una;
			tcp_output(tp);
		}
	} else if ((err = icmp_err_convert(type, code, &fatal)) != 0) {
		if (tp->state == TCPS_SYN_SENT)
			tcp_drop(tp, err);
		else
			tp->sk.soft_err = err;
	}
	tcp_leave(s);
}
