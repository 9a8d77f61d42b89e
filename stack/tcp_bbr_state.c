// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_bbr_state.c - a BBR socket's model as a snapshot record
 * (SNAP_T_BBR)
 *
 * Theory of operation: a TCB whose congestion control is BBR is followed in
 * the string by one SNAP_T_BBR record holding its &struct tcp_bbr: the
 * delivery-rate state, the model (mode, windowed max bandwidth, min RTT and
 * their stamps, gains, cycle, full-pipe detection, loss state), the pacing
 * rate and the next pacing time, and the transmission records still in
 * flight (tcp_rate.c), oldest first. Scalars go through one X-macro list at
 * their own sizes (the record's version pins it); times go relative to the
 * writer's clock, like the TCB's. The reader has just made the TCB choose
 * BBR (which allocated a fresh model) and overwrites that model with the
 * writer's, so the connection goes on with the bandwidth and RTT it had
 * learnt instead of starting up again. Counts and enums are checked.
 */
#include "snapshot.h"
#include "snapshot_int.h"
#include "tcp.h"
#include "tcp_bbr.h"

#define SNAP_V_BBR	1

/* the scalar state of &struct tcp_bbr, copied at each field's own size */
#define BBR_FIELDS(X) \
	X(delivered) X(app_limited) X(rec_n) X(last_lost) X(lost_bytes) \
	X(mode) X(prev_ca_state) X(bw) X(rtt_cnt) X(next_rtt_delivered) \
	X(min_rtt_us) X(cycle_idx) X(pacing_gain) X(cwnd_gain) X(full_bw) \
	X(full_bw_cnt) X(prior_cwnd) X(loss_high) X(in_loss) \
	X(full_bw_reached) X(round_start) X(packet_conservation) \
	X(idle_restart) X(probe_rtt_round_done) X(has_seen_rtt) \
	X(pacing_rate)

/* its absolute times (ns), written relative to the clock */
#define BBR_TIMES(X) \
	X(delivered_time) X(first_sent_time) X(rack_sent) X(rack_checked) \
	X(min_rtt_stamp) X(probe_rtt_done_stamp) X(cycle_stamp) X(pace_next)

/**
 * rec_save() - one transmission record
 * @w:		writer
 * @rec:	record
 * @now:	the clock
 */
static void rec_save(struct snap_w *w, const struct tcp_rate_rec *rec,
		     uint64_t now)
{
	uint8_t f[3] = { rec->retrans, rec->sacked, rec->app_limited };

	snap_put_u32(w, rec->start);
	snap_put_u32(w, rec->end);
	snap_put_time(w, rec->sent_time, now);
	snap_put_time(w, rec->first_sent_time, now);
	snap_put_u64(w, rec->delivered);
	snap_put_time(w, rec->delivered_time, now);
	snap_put(w, f, sizeof(f));
}

/**
 * rec_load() - read what rec_save() wrote
 * @r:		reader
 * @rec:	filled
 * @now:	the clock
 */
static void rec_load(struct snap_r *r, struct tcp_rate_rec *rec, uint64_t now)
{
	uint8_t f[3];

	rec->start = snap_get_u32(r);
	rec->end = snap_get_u32(r);
	rec->sent_time = snap_get_time(r, now);
	rec->first_sent_time = snap_get_time(r, now);
	rec->delivered = snap_get_u64(r);
	rec->delivered_time = snap_get_time(r, now);
	snap_get(r, f, sizeof(f));
	rec->retrans = f[0];
	rec->sacked = f[1];
	rec->app_limited = f[2];
}

/**
 * bbr_state_save() - SNAP_T_BBR for a TCB using BBR (nothing otherwise)
 * @w:		writer, right after the TCB's own record
 * @tp:		TCB
 * @now:	the clock
 */
void bbr_state_save(struct snap_w *w, const struct tcp_sock *tp, uint64_t now)
{
	const struct tcp_bbr *b = tp->bbr;
	uint32_t i;

	if (!b)
		return;
	snap_begin(w, SNAP_T_BBR, SNAP_V_BBR);
#define X(f) snap_put(w, &b->f, sizeof(b->f));
	BBR_FIELDS(X)
#undef X
#define X(f) snap_put_time(w, b->f, now);
	BBR_TIMES(X)
#undef X
	for (i = 0; i < b->rec_n; i++)
		rec_save(w, &b->rec[(b->rec_head + i) & (TCP_RATE_RECS - 1)],
			 now);
	snap_end(w);
}

/**
 * bbr_check() - are the values read possible at all?
 * @b:		model as read
 *
 * Return: true if they are
 */
static bool bbr_check(const struct tcp_bbr *b)
{
	return b->rec_n <= TCP_RATE_RECS &&
	       (unsigned int)b->mode <= BBR_PROBE_RTT &&
	       (unsigned int)b->prev_ca_state <= BBR_CA_LOSS;
}

/**
 * bbr_state_load() - the SNAP_T_BBR record that follows a BBR TCB's record
 * @r:		reader, the TCB's record current (left on the BBR record)
 * @tp:		TCB, which has chosen BBR (its model allocated)
 * @now:	the clock
 */
void bbr_state_load(struct snap_r *r, struct tcp_sock *tp, uint64_t now)
{
	struct tcp_bbr *b = tp->bbr;
	struct tcp_rate_rec *rec;
	uint32_t i;

	if (!b || snap_expect(r, SNAP_T_BBR, SNAP_V_BBR)) {
		snap_fail(r);
		return;
	}
#define X(f) snap_get(r, &b->f, sizeof(b->f));
	BBR_FIELDS(X)
#undef X
#define X(f) b->f = snap_get_time(r, now);
	BBR_TIMES(X)
#undef X
	if (!bbr_check(b)) {
		b->rec_n = 0;
		snap_fail(r);
		return;
	}
	rec = b->rec;
	b->rec_head = 0;
	for (i = 0; i < b->rec_n && !r->err; i++)
		rec_load(r, &rec[i], now);
	if (r->err || r->pos != r->rec_len) {
		b->rec_n = 0;
		snap_fail(r);
	}
}
