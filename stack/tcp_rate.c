// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_rate.c - delivery-rate estimation
 * (draft-cheng-iccrg-delivery-rate-estimation), for BBR sockets only
 *
 * Theory of operation: the send ring is also the retransmission queue and
 * keeps no per-segment metadata, so every data segment a BBR socket sends
 * leaves a &struct tcp_rate_rec in a circular array, in sequence order:
 * new data is appended at SND.MAX, a retransmission refreshes the records
 * it covers. Each record remembers the connection's delivered count and
 * its time when the segment left, and the start of the send interval it
 * closes (first_sent_time). When an ACK cumulatively covers records, or
 * its SACK blocks cover them whole, their bytes are delivered; the most
 * recently sent of them gives the sample:
 *
 *   delivery rate = (delivered now - delivered then) /
 *                   max(send interval, ACK interval)
 *
 * An interval shorter than the minimum RTT is an artefact of ACK
 * compression and gives no sample. Samples taken while the application
 * had nothing to send are marked app-limited (they may underestimate).
 * The array is allocated once, when the socket selects BBR; when it is
 * full, a new transmission extends the newest record (coarser samples,
 * never a failure).
 */
#include <stdlib.h>

#include "tcp_bbr.h"

/**
 * tcp_rate_new() - BBR state with its record array, zeroed
 *
 * Return: state, or NULL when out of memory
 */
struct tcp_bbr *tcp_rate_new(void)
{
	struct tcp_bbr *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->rec = calloc(TCP_RATE_RECS, sizeof(*b->rec));
	if (!b->rec) {
		free(b);
		return NULL;
	}
	return b;
}

/**
 * tcp_rate_free() - release what tcp_rate_new() gave
 * @b:		state, may be NULL
 */
void tcp_rate_free(struct tcp_bbr *b)
{
	if (!b)
		return;
	free(b->rec);
	free(b);
}

/**
 * rec_at() - the @i-th record from the oldest
 * @b:		state
 * @i:		index, < rec_n (or == rec_n for the next free slot)
 *
 * Return: record
 */
static struct tcp_rate_rec *rec_at(struct tcp_bbr *b, uint32_t i)
{
	return &b->rec[(b->rec_head + i) & (TCP_RATE_RECS - 1)];
}

/**
 * tcp_rate_active() - does the socket keep transmission records (a BBR
 * socket: tcp_bbr.c allocates them with its state)?
 * @tp:		TCB
 *
 * Return: true when it does
 */
bool tcp_rate_active(const struct tcp_sock *tp)
{
	return tp->bbr != NULL;
}

/**
 * tcp_rate_inflight() - bytes in the network: sent, neither cumulatively
 * acknowledged nor SACKed (RFC 6675 pipe, without loss marks)
 * @tp:		TCB
 *
 * Return: bytes
 */
uint32_t tcp_rate_inflight(const struct tcp_sock *tp)
{
	uint32_t f = tcp_flight(tp), sacked = tcp_sack_bytes(tp);

	return f > sacked ? f - sacked : 0;
}

/**
 * rec_stamp() - fill a record's send-time view of the connection
 * @tp:		TCB
 * @r:		record
 */
static void rec_stamp(struct tcp_sock *tp, struct tcp_rate_rec *r)
{
	struct tcp_bbr *b = tp->bbr;

	r->sent_time = tp->sk.stack->now;
	r->first_sent_time = b->first_sent_time;
	r->delivered = b->delivered;
	r->delivered_time = b->delivered_time;
	r->app_limited = b->app_limited != 0;
}

/**
 * rate_retransmitted() - refresh the records that [seq, end) covers
 * @tp:		TCB
 * @seq:	first byte resent
 * @end:	one past the last (<= SND.MAX)
 */
static void rate_retransmitted(struct tcp_sock *tp, uint32_t seq, uint32_t end)
{
	struct tcp_bbr *b = tp->bbr;
	struct tcp_rate_rec *r;
	uint32_t i;

	for (i = 0; i < b->rec_n; i++) {
		r = rec_at(b, i);
		if (SEQ_LEQ(r->end, seq))
			continue;
		if (SEQ_GEQ(r->start, end))
			break;
		rec_stamp(tp, r);
		r->retrans = true;
	}
}

/**
 * tcp_rate_sent() - a BBR socket sent @len data bytes at @seq (called
 * before SND.MAX moves)
 * @tp:		TCB with tp->bbr
 * @seq:	first byte
 * @len:	bytes, > 0
 */
void tcp_rate_sent(struct tcp_sock *tp, uint32_t seq, uint32_t len)
{
	struct tcp_bbr *b = tp->bbr;
	uint64_t now = tp->sk.stack->now;
	uint32_t end = seq + len;
	struct tcp_rate_rec *r;

	if (tp->snd_una == tp->snd_max) {
		/* nothing in flight: a new send interval starts now */
		b->first_sent_time = now;
		b->delivered_time = now;
	}
	if (SEQ_LT(seq, tp->snd_max)) {
		rate_retransmitted(tp, seq, SEQ_MIN(end, tp->snd_max));
		if (SEQ_LEQ(end, tp->snd_max))
			return;
		seq = tp->snd_max;	/* the rest is new data */
	}
	if (b->rec_n == TCP_RATE_RECS) {
		/* full: the newest record grows (coarser, still correct) */
		r = rec_at(b, b->rec_n - 1);
		r->end = end;
		STAT_INC(tp->sk.stack, tcp, bbr_rec_full);
		return;
	}
	r = rec_at(b, b->rec_n++);
	r->start = seq;
	r->end = end;
	r->retrans = false;
	r->sacked = false;
	rec_stamp(tp, r);
}

/**
 * rec_newer() - was @r sent after @best?
 * @r:		candidate
 * @best:	current choice, may be NULL
 *
 * Return: true to take @r
 */
static bool rec_newer(const struct tcp_rate_rec *r,
		      const struct tcp_rate_rec *best)
{
	if (!best)
		return true;
	if (r->sent_time != best->sent_time)
		return r->sent_time > best->sent_time;
	return SEQ_GT(r->end, best->end);
}

/**
 * rack_note() - a record was delivered: remember its send time as the
 * newest delivered, unless it is a retransmission delivered sooner than a
 * round trip after it left, whose ACK is likely the original's (RFC 8985
 * 6.1: such a sample would call everything sent meanwhile lost)
 * @tp:		TCB with tp->bbr
 * @r:		the record
 */
static void rack_note(struct tcp_sock *tp, const struct tcp_rate_rec *r)
{
	struct tcp_bbr *b = tp->bbr;
	uint64_t now = tp->sk.stack->now;

	if (r->sent_time <= b->rack_sent)
		return;
	if (r->retrans && b->min_rtt_us != UINT32_MAX &&
	    now - r->sent_time < (uint64_t)b->min_rtt_us * 1000)
		return;
	b->rack_sent = r->sent_time;
}

/**
 * rate_take() - remember the sample-carrying fields of the newest record
 * delivered by this ACK
 * @r:		record just delivered
 * @best:	copy of the newest so far (valid when *@have)
 * @have:	whether @best holds one
 */
static void rate_take(const struct tcp_rate_rec *r, struct tcp_rate_rec *best,
		      bool *have)
{
	if (*have && !rec_newer(r, best))
		return;
	*best = *r;
	*have = true;
}

/**
 * rec_find() - the first record whose end lies beyond @seq
 * @b:		state
 * @seq:	sequence number
 *
 * Return: index (rec_n when none)
 */
static uint32_t rec_find(struct tcp_bbr *b, uint32_t seq)
{
	uint32_t lo = 0, hi = b->rec_n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (SEQ_GT(rec_at(b, mid)->end, seq))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/**
 * rate_cumulative() - deliver and drop the records SND.UNA has passed
 * @tp:		TCB (SND.UNA already advanced)
 * @best:	newest delivered record, updated
 * @have:	whether @best holds one
 *
 * Return: bytes newly delivered
 */
static uint32_t rate_cumulative(struct tcp_sock *tp, struct tcp_rate_rec *best,
				bool *have)
{
	struct tcp_bbr *b = tp->bbr;
	struct tcp_rate_rec *r;
	uint32_t n = 0;

	while (b->rec_n) {
		r = rec_at(b, 0);
		if (SEQ_GT(r->end, tp->snd_una)) {
			if (SEQ_LT(r->start, tp->snd_una)) {
				/* partly acknowledged: deliver that part */
				if (!r->sacked)
					n += tp->snd_una - r->start;
				rate_take(r, best, have);
				rack_note(tp, r);
				r->start = tp->snd_una;
			}
			break;
		}
		if (!r->sacked) {
			n += r->end - r->start;
			rate_take(r, best, have);
			rack_note(tp, r);
		}
		b->rec_head = (b->rec_head + 1) & (TCP_RATE_RECS - 1);
		b->rec_n--;
	}
	return n;
}

/**
 * rate_sacked() - deliver the records this ACK's SACK blocks cover whole
 * @tp:		TCB
 * @seg:	the ACK
 * @best:	newest delivered record, updated
 * @have:	whether @best holds one
 *
 * Return: bytes newly delivered
 */
static uint32_t rate_sacked(struct tcp_sock *tp, const struct tcp_seg *seg,
			    struct tcp_rate_rec *best, bool *have)
{
	struct tcp_bbr *b = tp->bbr;
	struct tcp_rate_rec *r;
	uint32_t n = 0, i, k, st, en;

	if (!(tp->flags & TF_SACK))
		return 0;
	for (k = 0; k < seg->opt.nsack; k++) {
		st = seg->opt.sack[k].start;
		en = seg->opt.sack[k].end;
		if (!SEQ_LT(st, en) || SEQ_LEQ(en, tp->snd_una) ||
		    SEQ_GT(en, tp->snd_max))
			continue;	/* D-SACK or nonsense */
		for (i = rec_find(b, st); i < b->rec_n; i++) {
			r = rec_at(b, i);
			if (SEQ_GEQ(r->start, en))
				break;
			if (r->sacked || SEQ_LT(r->start, st) ||
			    SEQ_GT(r->end, en))
				continue;
			r->sacked = true;
			n += r->end - r->start;
			rate_take(r, best, have);
			rack_note(tp, r);
		}
	}
	return n;
}

/**
 * tcp_rate_ack() - account an ACK's newly delivered bytes and produce the
 * rate sample (draft-cheng 3.3)
 * @tp:		TCB with tp->bbr, SND.UNA already advanced
 * @seg:	the ACK
 * @rs:		filled (its @prior_in_flight is the caller's)
 */
void tcp_rate_ack(struct tcp_sock *tp, const struct tcp_seg *seg,
		  struct tcp_rate_sample *rs)
{
	struct tcp_bbr *b = tp->bbr;
	uint64_t now = tp->sk.stack->now, send_us, ack_us;
	struct tcp_rate_rec best = { 0 };
	bool have = false;
	uint32_t n;

	n = rate_cumulative(tp, &best, &have);
	n += rate_sacked(tp, seg, &best, &have);
	if (n) {
		b->delivered += n;
		b->delivered_time = now;
	}
	rs->acked_sacked = n;
	rs->delivered = -1;
	rs->interval_us = -1;
	rs->rtt_us = -1;
	/* the application-limited period ends once its data is delivered */
	if (b->app_limited && b->delivered > b->app_limited)
		b->app_limited = 0;
	if (!have)
		return;
	rs->prior_delivered = best.delivered;
	rs->prior_time = best.delivered_time;
	rs->is_app_limited = best.app_limited;
	rs->is_retrans = best.retrans;
	if (!best.retrans)
		rs->rtt_us = (int64_t)((now - best.sent_time) / 1000);
	b->first_sent_time = best.sent_time;
	if (!rs->prior_time)
		return;
	send_us = (best.sent_time - best.first_sent_time) / 1000;
	ack_us = (b->delivered_time - rs->prior_time) / 1000;
	rs->delivered = (int64_t)(b->delivered - rs->prior_delivered);
	rs->interval_us = (int64_t)(send_us > ack_us ? send_us : ack_us);
	/* shorter than a round trip: ACK compression, not a rate */
	if (b->min_rtt_us != UINT32_MAX &&
	    rs->interval_us < (int64_t)b->min_rtt_us)
		rs->interval_us = -1;
}

/**
 * tcp_rate_skip_sacked() - the first byte at or after @seq that no record
 * marked SACKed holds
 * @tp:		TCB with tp->bbr
 * @seq:	sequence number
 *
 * Return: @seq, or the end of the run of SACKed records holding it
 */
uint32_t tcp_rate_skip_sacked(struct tcp_sock *tp, uint32_t seq)
{
	struct tcp_bbr *b = tp->bbr;
	const struct tcp_rate_rec *r;
	uint32_t i;

	for (i = rec_find(b, seq); i < b->rec_n; i++) {
		r = rec_at(b, i);
		if (!r->sacked || SEQ_LT(seq, r->start))
			break;
		seq = r->end;
	}
	return seq;
}

/**
 * rack_past() - can no record from @r on be lost? Records are in sequence
 * order, and new data leaves in sequence order: a record never resent that
 * left within the reordering window of @rack_sent is followed only by
 * records sent later still (a resend leaves after the original)
 * @r:		record
 * @rack_sent:	newest send time delivered
 * @reo_ns:	reordering window
 *
 * Return: true to stop looking
 */
static bool rack_past(const struct tcp_rate_rec *r, uint64_t rack_sent,
		      uint64_t reo_ns)
{
	return !r->retrans && r->sent_time + reo_ns >= rack_sent;
}

/**
 * tcp_rate_lost_bytes() - bytes of the records tcp_rate_next_lost() would
 * call lost
 * @tp:		TCB with tp->bbr
 * @reo_ns:	reordering window
 *
 * Return: bytes
 */
uint32_t tcp_rate_lost_bytes(struct tcp_sock *tp, uint64_t reo_ns)
{
	struct tcp_bbr *b = tp->bbr;
	const struct tcp_rate_rec *r;
	uint32_t i, n = 0;

	if (!b->rack_sent)
		return 0;
	for (i = 0; i < b->rec_n; i++) {
		r = rec_at(b, i);
		if (rack_past(r, b->rack_sent, reo_ns))
			break;
		if (!r->sacked && r->sent_time + reo_ns < b->rack_sent)
			n += r->end - r->start;
	}
	return n;
}

/**
 * tcp_rate_next_lost() - the first range at or after @from that is neither
 * acknowledged nor SACKed and was sent more than @reo_ns before the newest
 * transmission that was delivered: by the reasoning of RACK (RFC 8985 6.2)
 * it is lost, since the path delivers in order but for a little reordering
 * @tp:		TCB with tp->bbr
 * @from:	where to look from
 * @reo_ns:	reordering window
 * @seq:	set to its first byte
 * @len:	set to its length
 *
 * Return: true when there is one
 */
bool tcp_rate_next_lost(struct tcp_sock *tp, uint32_t from, uint64_t reo_ns,
			uint32_t *seq, uint32_t *len)
{
	struct tcp_bbr *b = tp->bbr;
	const struct tcp_rate_rec *r;
	uint32_t i;

	if (!b->rack_sent)
		return false;
	if (SEQ_LT(from, tp->snd_una))
		from = tp->snd_una;
	for (i = rec_find(b, from); i < b->rec_n; i++) {
		r = rec_at(b, i);
		if (rack_past(r, b->rack_sent, reo_ns))
			break;
		if (r->sacked || r->sent_time + reo_ns >= b->rack_sent)
			continue;
		if (SEQ_GT(r->end, tp->snd_max))
			break;
		*seq = SEQ_MAX(r->start, from);
		*len = r->end - *seq;
		return true;
	}
	return false;
}

/**
 * tcp_rate_check_app_limited() - mark the coming samples app-limited when
 * the sender has less than a segment to send and room in cwnd (draft-cheng
 * 3.4): their rates say what the application offered, not the path
 * @tp:		TCB with tp->bbr
 */
void tcp_rate_check_app_limited(struct tcp_sock *tp)
{
	struct tcp_bbr *b = tp->bbr;
	uint32_t avail = tp->tx.mem ? ring_used(&tp->tx) : 0;
	uint32_t sent = tp->snd_max - tcp_data_una(tp), unsent, inflight;

	if (tp->state < TCPS_ESTABLISHED)
		return;
	if (tp->flags & TF_SENTFIN)
		sent--;
	unsent = avail > sent ? avail - sent : 0;
	inflight = tcp_rate_inflight(tp);
	if (unsent >= tp->mss || inflight >= tp->cwnd)
		return;
	if (tp->flags & TF_INRECOVERY)
		return;		/* holes wait for retransmission */
	b->app_limited = b->delivered + inflight;
	if (!b->app_limited)
		b->app_limited = 1;
}
