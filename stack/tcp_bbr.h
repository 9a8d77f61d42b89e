/* SPDX-License-Identifier: MIT */
/**
 * DOC: tcp_bbr.h - what tcp_rate.c (delivery-rate estimation) and tcp_bbr.c
 * (BBR v1 congestion control and pacing) share
 *
 * Theory of operation: a socket that selects "bbr" gets one &struct tcp_bbr,
 * allocated once with its record array and freed with the TCB. The send ring
 * keeps no per-segment metadata, so tcp_rate.c keeps a bounded circular
 * array of transmission records (&struct tcp_rate_rec), in sequence order,
 * from which each ACK produces one &struct tcp_rate_sample
 * (draft-cheng-iccrg-delivery-rate-estimation). tcp_bbr.c feeds the sample
 * into the BBR model (draft-cardwell-iccrg-bbr-congestion-control-00, as in
 * Linux's tcp_bbr.c) and sets cwnd and the pacing rate. Sizes are bytes,
 * times nanoseconds unless a name says _us, rates bytes per second.
 */
#ifndef AE_TCP_BBR_H
#define AE_TCP_BBR_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp.h"

#define TCP_RATE_RECS	4096	/* records per socket (power of two) */

/**
 * struct tcp_rate_rec - one transmission of [start, end)
 * @start, @end:	sequence range
 * @sent_time:		when it (last) left
 * @first_sent_time:	start of the send interval it closes
 * @delivered:		bytes delivered when it left
 * @delivered_time:	when @delivered last grew, as of its sending
 * @retrans:		it was retransmitted (no RTT from it)
 * @sacked:		already counted as delivered by a SACK
 * @app_limited:	sent while the application was the limit
 */
struct tcp_rate_rec {
	uint32_t start, end;
	uint64_t sent_time, first_sent_time;
	uint64_t delivered, delivered_time;
	bool retrans, sacked, app_limited;
};

/**
 * struct tcp_rate_sample - what one ACK says about the delivery rate
 * @prior_delivered:	delivered when the newest acked record left
 * @prior_time:		delivered_time then (0: no sample)
 * @interval_us:	max(send interval, ACK interval); <= 0 invalid
 * @delivered:		bytes delivered over @interval_us; < 0 invalid
 * @rtt_us:		RTT of the newest acked record, < 0 none
 * @acked_sacked:	bytes newly delivered by this ACK
 * @prior_in_flight:	bytes in flight before this ACK
 * @losses:		bytes newly deemed lost
 * @is_app_limited:	the sample may underestimate the bandwidth
 * @is_retrans:		it came from a retransmission
 */
struct tcp_rate_sample {
	uint64_t prior_delivered, prior_time;
	int64_t interval_us, delivered, rtt_us;
	uint32_t acked_sacked, prior_in_flight, losses;
	bool is_app_limited, is_retrans;
};

enum bbr_mode {
	BBR_STARTUP,
	BBR_DRAIN,
	BBR_PROBE_BW,
	BBR_PROBE_RTT,
};

enum bbr_ca_state {
	BBR_CA_OPEN,
	BBR_CA_RECOVERY,
	BBR_CA_LOSS,
};

/** struct bbr_minmax_sample - one (round, value) of the windowed max */
struct bbr_minmax_sample {
	uint32_t t;
	uint64_t v;
};

/**
 * struct tcp_bbr - per-socket BBR and rate-sampling state
 */
struct tcp_bbr {
	/* delivery rate estimation (tcp_rate.c) */
	uint64_t delivered;		/* bytes delivered (ACKed or SACKed) */
	uint64_t delivered_time;	/* when @delivered last grew */
	uint64_t first_sent_time;	/* send time of the last sampled rec */
	uint64_t app_limited;		/* delivered mark, 0 = not limited */
	struct tcp_rate_rec *rec;	/* TCP_RATE_RECS, circular */
	uint32_t rec_head, rec_n;
	uint32_t last_lost;		/* tp->lost at the last ACK */
	uint64_t rack_sent;		/* newest send time delivered */
	uint64_t rack_checked;		/* @rack_sent at the last loss check */
	uint32_t lost_bytes;		/* deemed lost, not yet resent */

	/* BBR model (tcp_bbr.c) */
	enum bbr_mode mode;
	enum bbr_ca_state prev_ca_state;
	struct bbr_minmax_sample bw[3];	/* windowed max over rounds */
	uint32_t rtt_cnt;		/* round trips counted */
	uint64_t next_rtt_delivered;	/* delivered that ends the round */
	uint32_t min_rtt_us;		/* UINT32_MAX = none */
	uint64_t min_rtt_stamp;
	uint64_t probe_rtt_done_stamp;	/* 0 = not yet */
	uint64_t cycle_stamp;
	uint32_t cycle_idx;
	uint32_t pacing_gain, cwnd_gain;	/* BBR_UNIT = 1.0 */
	uint64_t full_bw;
	uint32_t full_bw_cnt;
	uint32_t prior_cwnd;
	uint32_t loss_high;		/* SND.MAX at the RTO (BBR_CA_LOSS) */
	bool in_loss;
	bool full_bw_reached, round_start, packet_conservation;
	bool idle_restart, probe_rtt_round_done, has_seen_rtt;

	/* pacing */
	uint64_t pacing_rate;		/* bytes per second */
	uint64_t pace_next;		/* earliest time of the next send */
};

/* tcp_rate.c */
struct tcp_bbr *tcp_rate_new(void);
void tcp_rate_free(struct tcp_bbr *b);
void tcp_rate_sent(struct tcp_sock *tp, uint32_t seq, uint32_t len);
void tcp_rate_ack(struct tcp_sock *tp, const struct tcp_seg *seg,
		  struct tcp_rate_sample *rs);
void tcp_rate_check_app_limited(struct tcp_sock *tp);
uint32_t tcp_rate_lost_bytes(struct tcp_sock *tp, uint64_t reo_ns);
uint32_t tcp_rate_skip_sacked(struct tcp_sock *tp, uint32_t seq);
bool tcp_rate_next_lost(struct tcp_sock *tp, uint32_t from, uint64_t reo_ns,
			uint32_t *seq, uint32_t *len);

#endif /* AE_TCP_BBR_H */
