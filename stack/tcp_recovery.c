// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_recovery.c - loss recovery: what is lost, and resending it
 *
 * Theory of operation: loss is detected three ways, and all three end in
 * tcp_fast_retransmit(), which enters fast recovery (RFC 6582, RFC 6675)
 * and tells the congestion control (tcp_cc_loss()):
 *
 *   duplicate ACKs     three, or three segments' worth SACKed (RFC 6675),
 *                      or fewer when fewer are outstanding (early
 *                      retransmit, RFC 5827); on a path seen to reorder a
 *                      reordering window of SRTT passes first (RFC 8985 6.2)
 *   tail loss probe    the retransmission timer fires early (PTO, RFC 8985
 *                      7.2) and resends the last segment; when the probe
 *                      comes back SACKed while data below it is missing,
 *                      that data is lost (7.4)
 *   RACK marking       a socket with transmission records (BBR, tcp_rate.c)
 *                      deems a segment lost once one sent a reordering
 *                      window after it was delivered (RFC 8985 6.2), and
 *                      resends lost segments while the pipe is below cwnd
 *
 * In recovery each ACK resends the next hole of the SACK scoreboard
 * (tcp_sack.c), or SND.UNA without SACK (NewReno); a lost retransmission of
 * SND.UNA is seen when three segments sent after it are SACKed. Recovery
 * ends on the ACK of everything outstanding when it began (@recover). The
 * retransmission timeout gives up on the scoreboard (RFC 6675 5.1) and goes
 * back to SND.UNA. This file decides what to resend; the congestion
 * control (tcp_cc.c, tcp_bbr.c) only says how much may be in flight.
 */
#include <string.h>

#include "tcp_bbr.h"

/**
 * tcp_retransmit_one() - resend one segment at @seq (fast retransmit, TLP)
 * @tp:		TCB
 * @seq:	first byte
 * @max:	at most this many bytes
 */
static void tcp_retransmit_one(struct tcp_sock *tp, uint32_t seq,
			       uint32_t max)
{
	struct ae_stack *s = tp->sk.stack;
	uint32_t una = tcp_data_una(tp), avail = ring_used(&tp->tx);
	uint32_t off = seq - una, len = 0;
	uint8_t flags = TH_ACK;

	if (off < avail)
		len = avail - off;
	if (len > tcp_payload_max(tp))
		len = tcp_payload_max(tp);
	if (len > max)
		len = max;
	/* never past SND.MAX: the segment at SND.UNA may have gone out
	 * shorter than the MSS (SACK blocks took option space), and bytes
	 * beyond SND.MAX would let the peer ACK what SND.MAX says we never
	 * sent, an ACK we must drop (RFC 9293 3.10.7.4): a deadlock */
	if (SEQ_GT(seq + len, tp->snd_max))
		len = SEQ_GT(tp->snd_max, seq) ? tp->snd_max - seq : 0;
	if ((tp->flags & TF_SENTFIN) && off + len == avail)
		flags |= TH_FIN;
	if (!len && !(flags & TH_FIN))
		return;
	if (tp->rtt_start && SEQ_GEQ(tp->rtt_seq, seq) &&
	    SEQ_LT(tp->rtt_seq, seq + len + 1))
		tp->rtt_start = 0;	/* Karn */
	tcp_send_segment(tp, seq, len, flags);
	STAT_INC(s, tcp, retrans_segs);
	tp->total_retrans++;
	tp->rexmit_nxt = seq + len;
	tp->rexmit_seq = seq;
	tp->rexmit_high = tp->snd_max;
	if (seq == tp->snd_una) {
		tp->una_rexmit_seq = seq;
		tp->una_rexmit_high = tp->snd_max;
	}
}

/**
 * next_hole() - the next hole of the SACK walk from @rexmit_nxt; a BBR
 * socket also skips what its transmission records know was SACKed, which
 * the scoreboard of TCP_SACK_MAX ranges may have forgotten
 * @tp:		TCB
 * @hole:	set to the hole's start
 * @len:	set to its length
 *
 * Return: true when there is a hole
 */
static bool next_hole(struct tcp_sock *tp, uint32_t *hole, uint32_t *len)
{
	uint32_t skip;
	int guard = 64;		/* skips a hole: a work bound, not an error */

	while (tcp_sack_next_hole(tp, tp->rexmit_nxt, hole, len)) {
		if (!tcp_rate_active(tp) || guard-- <= 0)
			return true;
		skip = tcp_rate_skip_sacked(tp, *hole);
		if (skip == *hole)
			return true;
		tp->rexmit_nxt = skip;
	}
	return false;
}

/**
 * recovery_retransmit() - in fast recovery, resend the next hole (SACK) or
 * the first unacknowledged segment (NewReno)
 * @tp:		TCB
 */
static void recovery_retransmit(struct tcp_sock *tp)
{
	uint32_t hole, len;

	/* the retransmission of SND.UNA was lost if the peer has since
	 * SACKed three segments sent after it (the idea of RACK, RFC 8985):
	 * resend it instead of waiting for the RTO. This is tracked apart
	 * from the last hole resent (@rexmit_seq): once later holes had
	 * been resent too, a lost SND.UNA resend used to go unnoticed and
	 * always ended in the RTO */
	if (tp->nsacked && tp->una_rexmit_seq == tp->snd_una &&
	    tcp_sack_bytes_above(tp, tp->una_rexmit_high) >= 3u * tp->mss) {
		uint32_t nxt = tp->rexmit_nxt;

		tp->lost++;
		STAT_INC(tp->sk.stack, tcp, lost_retrans);
		tcp_retransmit_one(tp, tp->snd_una, tp->mss);
		if (SEQ_GT(nxt, tp->rexmit_nxt))
			tp->rexmit_nxt = nxt;	/* the walk goes on */
		return;
	}

	if (next_hole(tp, &hole, &len)) {
		tcp_retransmit_one(tp, hole, len);
		return;
	}
	if (!tp->nsacked && SEQ_LEQ(tp->rexmit_nxt, tp->snd_una))
		tcp_retransmit_one(tp, tp->snd_una, tp->mss);
}

/**
 * early_retransmit_ok() - RFC 5827 early retransmit, SACK-based: with fewer
 * than four segments outstanding there can never be three duplicate ACKs,
 * so the threshold is the number of outstanding segments less one
 * @tp:		TCB
 *
 * Return: true to start fast recovery now
 */
static bool early_retransmit_ok(const struct tcp_sock *tp)
{
	uint32_t mss = tp->mss, oseg = (tcp_flight(tp) + mss - 1) / mss;
	uint32_t unsent = ring_used(&tp->tx) -
			  (tp->snd_max - tcp_data_una(tp) -
			   ((tp->flags & TF_SENTFIN) ? 1 : 0));

	if (!tp->nsacked || oseg >= 4 || oseg < 2)
		return false;
	if (unsent && tp->snd_wnd > tcp_flight(tp))
		return false;	/* new data can still make dup ACKs */
	return tp->dupacks >= oseg - 1;
}

/**
 * tlp_revealed_loss() - our tail loss probe was SACKed while data below it
 * is still missing: everything unSACKed sent before the probe is lost
 * (RFC 8985 7.4, as RACK would conclude)
 * @tp:		TCB
 *
 * Return: true to start recovery now
 */
static bool tlp_revealed_loss(const struct tcp_sock *tp)
{
	uint32_t end;

	return (tp->flags & TF_TLP_OUT) && tp->nsacked &&
	       tcp_sack_is_sacked(tp, tp->tlp_high - 1, &end);
}

/**
 * new_recovery_ok() - may these duplicate ACKs start a new recovery?
 * @tp:		TCB
 * @ack:	their cumulative ACK (SND.UNA)
 *
 * NewReno (RFC 6582 3.2 step 2) waits until the ACK covers more than
 * @recover (SND.MAX when the last recovery began), so that the duplicates
 * caused by its own retransmissions start nothing. With SACK the duplicates
 * name the bytes that arrived, and RFC 6675 5 only asks that the cumulative
 * ACK reach RecoveryPoint: an ACK equal to @recover means every byte of the
 * last episode arrived, and a loss in the first segment sent after it is a
 * new loss. Refusing it (as the NewReno test did) turned every such loss
 * into a retransmission timeout.
 *
 * Return: true to enter fast recovery
 */
static bool new_recovery_ok(const struct tcp_sock *tp, uint32_t ack)
{
	if (tp->recover == tp->iss)
		return true;
	if (tp->flags & TF_SACK)
		return SEQ_GEQ(ack, tp->recover);
	return SEQ_GT(ack - 1, tp->recover);
}

/**
 * tcp_fast_retransmit() - enter fast recovery and resend the first hole
 * @tp:		TCB, not in recovery
 */
static void tcp_fast_retransmit(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;

	tp->flags &= ~TF_REO_WAIT;
	STAT_INC(s, tcp, fast_retrans);
	tp->recover = tp->snd_max;
	tcp_cc_loss(tp);
	tp->flags |= TF_INRECOVERY;
	tp->flags &= ~(TF_TLP | TF_TLP_OUT);
	tp->rexmit_nxt = tp->snd_una;
	tp->lost++;
	recovery_retransmit(tp);
	if (!tp->nsacked && tp->rexmit_nxt == tp->snd_una)
		tcp_retransmit_one(tp, tp->snd_una, tp->mss);
	tcp_timer_set(tp, TT_REXMT, s->now + tcp_rto_ns(tp));
}

/**
 * tcp_dupack() - a duplicate ACK (RFC 5681 3.2, RFC 6582)
 * @tp:		TCB
 * @seg:	the segment
 */
void tcp_dupack(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	struct ae_stack *s = tp->sk.stack;

	tcp_sack_update(tp, &seg->opt);
	tp->dupacks++;
	if (tp->flags & TF_INRECOVERY) {
		tcp_cc_dupack(tp);	/* NewReno inflation */
		recovery_retransmit(tp);
		return;
	}
	if (tp->dupacks < 3 &&
	    !(tp->nsacked && tcp_sack_bytes(tp) >= 3u * tp->mss) &&
	    !early_retransmit_ok(tp) && !tlp_revealed_loss(tp))
		return;
	if (!new_recovery_ok(tp, seg->ack))
		return;
	if ((tp->flags & TF_REORDERED) && (tp->flags & TF_RTT_VALID) &&
	    !tlp_revealed_loss(tp)) {
		/* RFC 8985 6.2: the path reorders, so give the hole a
		 * reordering window to fill before calling it lost. RACK
		 * starts at min_rtt/4 and widens it on D-SACKs up to SRTT;
		 * we have no D-SACK, and measured (test_tcp_s2s, 16 MiB,
		 * jitter 5 ms and 25% reorder on a 20 ms RTT) SRTT/4 47 s,
		 * SRTT/2 42 s, SRTT 37 s: take the RFC's upper bound */
		if (!(tp->flags & TF_REO_WAIT)) {
			tp->flags |= TF_REO_WAIT;
			tp->flags &= ~TF_TLP;
			tcp_timer_set(tp, TT_REXMT, s->now +
				      (uint64_t)tp->srtt * 1000 + 1);
		}
		return;
	}
	tcp_fast_retransmit(tp);
}

/**
 * tcp_sack_dupack() - an ACK at SND.UNA that the strict duplicate test of
 * RFC 5681 rejects (it moved the window, or carries data) still counts as
 * a duplicate when it SACKs bytes the scoreboard did not hold: RFC 6675
 * counts the SACKed segments, not the ACKs, and a receiver whose app reads
 * while out-of-order data arrives changes its window on nearly every ACK
 * @tp:		TCB
 * @seg:	the segment (ack == SND.UNA checked here)
 *
 * Return: true when it was handled as a duplicate ACK
 */
bool tcp_sack_dupack(struct tcp_sock *tp, const struct tcp_seg *seg)
{
	uint32_t before;

	if (seg->ack != tp->snd_una || tp->snd_una == tp->snd_max ||
	    (seg->flags & (TH_SYN | TH_FIN)) || !(tp->flags & TF_SACK))
		return false;
	before = tcp_sack_bytes(tp);
	tcp_sack_update(tp, &seg->opt);
	if (tcp_sack_bytes(tp) == before)
		return true;	/* folded in, nothing new: not a duplicate */
	tcp_dupack(tp, seg);
	return true;
}

/**
 * tlp_allowed() - may the next retransmission timeout be a tail loss probe?
 * @tp:		TCB
 *
 * Return: true with SACK, an RTT estimate, data states, no recovery, no
 * backoff and no probe already out (RFC 8985 7.2)
 */
static bool tlp_allowed(const struct tcp_sock *tp)
{
	if ((tp->flags & (TF_SACK | TF_RTT_VALID)) != (TF_SACK | TF_RTT_VALID))
		return false;
	if (tp->flags & (TF_INRECOVERY | TF_TLP_OUT))
		return false;
	return tp->rxtshift == 0 && TCPS_HAVEESTABLISHED(tp->state) &&
	       tp->state != TCPS_TIME_WAIT && tp->state != TCPS_FIN_WAIT_2;
}

/**
 * tlp_fire() - send the tail loss probe: the last segment again, so that
 * its ACK (with SACK) reveals any loss before it
 * @tp:		TCB
 */
static void tlp_fire(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;
	uint32_t end = tcp_data_una(tp) + ring_used(&tp->tx), len, max;

	if (SEQ_GT(end, tp->snd_max))
		end = tp->snd_max;	/* only what was sent */
	len = end - tp->snd_una;
	max = tcp_payload_max(tp);
	if (len > max)
		len = max;
	STAT_INC(s, tcp, tlp_probes);
	tp->flags |= TF_TLP_OUT;
	tp->tlp_high = tp->snd_max;
	tcp_retransmit_one(tp, end - len, len);
	tcp_timer_set(tp, TT_REXMT, s->now + tcp_rto_ns(tp));
}

/**
 * tcp_tlp_pto() - the probe timeout, when the next retransmission timeout
 * may be a tail loss probe (RFC 8985 7.2: PTO = 2 SRTT, plus a delayed
 * ACK's worth when only one segment is out, at least 10 ms)
 * @tp:		TCB
 * @pto:	set to the PTO in nanoseconds
 *
 * Return: true when a probe is allowed
 */
bool tcp_tlp_pto(const struct tcp_sock *tp, uint64_t *pto)
{
	if (!tlp_allowed(tp))
		return false;
	*pto = 2ULL * tp->srtt * 1000;
	if (tcp_flight(tp) <= tp->mss)
		*pto += TCP_RTO_MIN_US * 1000ULL;
	if (*pto < 10 * NS_PER_MS)
		*pto = 10 * NS_PER_MS;
	return true;
}

/**
 * tcp_recovery_timer() - the retransmission timer fired: is it a
 * reordering window that passed (the hole did not fill: fast retransmit)
 * or a tail loss probe that is due, rather than a timeout?
 * @tp:		TCB
 *
 * Return: true when handled here, false for a real timeout
 */
bool tcp_recovery_timer(struct tcp_sock *tp)
{
	if (tp->flags & TF_REO_WAIT) {
		tp->flags &= ~TF_REO_WAIT;
		if (!(tp->flags & TF_INRECOVERY)) {
			tcp_fast_retransmit(tp);
			tcp_output(tp);
			return true;
		}
	}
	if (tp->flags & TF_TLP) {
		tp->flags &= ~TF_TLP;
		tlp_fire(tp);
		return true;
	}
	tp->flags &= ~TF_TLP_OUT;
	return false;
}

/**
 * tcp_recovery_rto() - a retransmission timeout: forget the scoreboard
 * (RFC 6675 5.1: the peer may renege), leave recovery, go back to SND.UNA
 * @tp:		TCB
 */
void tcp_recovery_rto(struct tcp_sock *tp)
{
	tp->nsacked = 0;
	tp->snd_nxt = tp->snd_una;
	tp->rexmit_nxt = tp->snd_una;
	tp->flags &= ~TF_INRECOVERY;
	tp->dupacks = 0;
}

/**
 * tcp_recovery_ack() - SND.UNA advanced (the scoreboard is updated): in
 * recovery a full ACK ends it and a partial one resends the next hole;
 * outside it the congestion window grows
 * @tp:		TCB
 * @seg:	the ACK
 * @acked:	sequence space newly acknowledged
 * @data:	data bytes of it
 */
void tcp_recovery_ack(struct tcp_sock *tp, const struct tcp_seg *seg,
		      uint32_t acked, uint32_t data)
{
	if (tp->flags & TF_INRECOVERY) {
		if (SEQ_GEQ(seg->ack, tp->recover)) {
			/* full ACK: recovery ends (RFC 6582 3.2 step 3) */
			tcp_cc_recovery_ack(tp, acked, true);
			tp->flags &= ~TF_INRECOVERY;
			tp->dupacks = 0;
		} else {
			/* partial ACK: resend the next hole */
			tcp_cc_recovery_ack(tp, acked, false);
			recovery_retransmit(tp);
		}
	} else {
		/* duplicates, then the hole filled without a retransmission:
		 * the path reorders (Linux's tcp_check_reno_reordering) */
		if (tp->dupacks && (tp->flags & TF_SACK))
			tp->flags |= TF_REORDERED;
		tp->flags &= ~TF_REO_WAIT;
		tp->dupacks = 0;
		tcp_cc_ack(tp, data);
	}
}

/**
 * recovery_reo_ns() - the reordering window: a quarter of the minimum RTT, or
 * SRTT once the path was seen to reorder (RFC 8985 6.2 widens it up to
 * SRTT; tcp_dupack() takes the same bound)
 * @tp:		TCB with tp->bbr
 *
 * Return: nanoseconds
 */
static uint64_t recovery_reo_ns(const struct tcp_sock *tp)
{
	uint32_t rtt_us = tp->bbr->min_rtt_us;

	if (rtt_us == UINT32_MAX || (tp->flags & TF_REORDERED))
		return tp->srtt * 1000ULL;
	return rtt_us * 1000ULL / 4;
}

/**
 * recovery_resend() - retransmit [seq, seq + len) in as many segments as the
 * current payload size needs
 * @tp:		TCB
 * @seq:	first byte
 * @len:	bytes
 *
 * Return: bytes sent
 */
static uint32_t recovery_resend(struct tcp_sock *tp, uint32_t seq, uint32_t len)
{
	uint32_t done = 0, nxt = tp->rexmit_nxt;
	int guard = 8;		/* segments a range: a work bound */

	while (done < len && guard-- > 0) {
		tcp_retransmit_one(tp, seq + done, len - done);
		if (!SEQ_GT(tp->rexmit_nxt, seq + done))
			break;
		done = tp->rexmit_nxt - seq;
	}
	if (SEQ_GT(nxt, tp->rexmit_nxt))
		tp->rexmit_nxt = nxt;	/* the SACK hole walk goes on */
	return done;
}

/**
 * tcp_recovery_send() - in fast recovery, resend what is lost while
 * the pipe is below cwnd and pacing allows
 * @tp:		TCB with tp->bbr
 *
 * The SACK hole walk of tcp_input.c resends one segment per ACK, so that
 * after a burst the bottleneck dropped (STARTUP's overshoot) the repair
 * runs at the rate of the few retransmissions in flight, and a lost
 * retransmission of SND.UNA waits for the RTO. Here a segment is lost when
 * a segment sent a reordering window after it was delivered (RACK, RFC
 * 8985 6.2); the pipe is what is in flight less SACKed and lost bytes
 * (RFC 6675), and lost segments are resent, oldest first, while it is
 * below cwnd. Lost bytes also leave room for new data (tcp_output()).
 */
void tcp_recovery_send(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;
	uint32_t pipe, seq, len, from = tp->snd_una, n;
	int guard = 256;	/* resends a pass: a work bound */
	uint64_t reo;

	if (!tcp_rate_active(tp))
		return;		/* no transmission records: no RACK */
	reo = recovery_reo_ns(tp);
	b->lost_bytes = 0;
	if (!tp->tx.mem || !TCPS_HAVEESTABLISHED(tp->state) || b->in_loss)
		return;
	if (!(tp->flags & TF_INRECOVERY)) {
		/* a loss the duplicate ACKs did not show, such as a tail
		 * whose probe was SACKed: start recovery (RFC 8985 7.4) */
		if (b->rack_sent == b->rack_checked)
			return;
		b->rack_checked = b->rack_sent;
		if (!tcp_rate_lost_bytes(tp, reo))
			return;
		tcp_fast_retransmit(tp);
	}
	b->lost_bytes = tcp_rate_lost_bytes(tp, reo);
	pipe = tcp_rate_inflight(tp);
	pipe = pipe > b->lost_bytes ? pipe - b->lost_bytes : 0;
	while (pipe < tp->cwnd && guard-- > 0 &&
	       tcp_rate_next_lost(tp, from, reo, &seq, &len)) {
		if (tcp_cc_pace_wait(tp))
			break;
		n = recovery_resend(tp, seq, len);
		if (!n)
			break;
		STAT_INC(tp->sk.stack, tcp, rack_retrans);
		pipe += n;
		b->lost_bytes -= n < b->lost_bytes ? n : b->lost_bytes;
		from = seq + n;
	}
}

/**
 * tcp_recovery_lost_bytes() - bytes deemed lost at the last recovery pass
 * @tp:		TCB with tp->bbr
 *
 * Return: bytes
 */
uint32_t tcp_recovery_lost_bytes(const struct tcp_sock *tp)
{
	return tp->bbr->lost_bytes;
}
