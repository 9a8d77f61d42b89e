/* SPDX-License-Identifier: MIT */
/**
 * DOC: tcp.h - the TCP control block and what the tcp_*.c files share
 *
 * Theory of operation: every TCP socket is a &struct tcp_sock (TCB) whose
 * first member is the generic &struct ae_sock. A TCB is found from a segment
 * through the 4-tuple hash (tcp_hash.c) or, failing that, the listener table.
 * tcp_input.c processes a segment in the order of RFC 9293 3.10.7 and ends in
 * the labels dropafterack / dropwithreset / drop; tcp_output.c decides what to
 * send (data from the send ring, which is also the retransmission queue, FIN,
 * ACKs, window updates) and builds headers in a small buffer; tcp_timer.c keeps
 * one deadline per TCB in a binary heap so that the earliest timer of 100k
 * connections is found in O(1); tcp_cc.c holds NewReno and CUBIC, tcp_bbr.c
 * BBR with pacing (per socket, TCP_CONGESTION "bbr"; see tcp_bbr.h).
 *
 * Callbacks to the owner are never made from inside the protocol code: events
 * are collected per TCB (tcp_notify()) and delivered, and dead TCBs freed,
 * when the outermost entry point returns (tcp_enter() / tcp_leave()). So an
 * owner may call any socket function, ae_close() included, from a callback.
 */
#ifndef AE_TCP_H
#define AE_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "stack.h"

/*
 * States, ordered as OpenBSD's so that TCPS_HAVEESTABLISHED() is one
 * comparison: everything from ESTABLISHED on has seen the peer's SYN acked.
 */
enum tcp_state {
	TCPS_CLOSED = 0,
	TCPS_LISTEN,
	TCPS_SYN_SENT,
	TCPS_SYN_RECEIVED,
	TCPS_ESTABLISHED,
	TCPS_CLOSE_WAIT,
	TCPS_FIN_WAIT_1,
	TCPS_CLOSING,
	TCPS_LAST_ACK,
	TCPS_FIN_WAIT_2,
	TCPS_TIME_WAIT,
	TCPS_NSTATES
};

#define TCPS_HAVERCVDSYN(s)	((s) >= TCPS_SYN_RECEIVED)
#define TCPS_HAVEESTABLISHED(s)	((s) >= TCPS_ESTABLISHED)
#define TCPS_HAVERCVDFIN(s)	((s) == TCPS_CLOSE_WAIT || (s) == TCPS_CLOSING || \
				 (s) == TCPS_LAST_ACK || (s) == TCPS_TIME_WAIT)
/* states in which we have sent (or queued) our FIN */
#define TCPS_SENTFIN(s)		((s) > TCPS_CLOSE_WAIT)

/* Wraparound-safe sequence comparisons (RFC 9293 3.4, on uint32 differences) */
#define SEQ_LT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b)	((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)
#define SEQ_MIN(a, b)	(SEQ_LT(a, b) ? (a) : (b))
#define SEQ_MAX(a, b)	(SEQ_GT(a, b) ? (a) : (b))

/* Header fields, flags and option kinds: wire.h */
#define TCP_IP_HLEN	IP_HLEN	/* the IPv4 header ipv4_output() builds */
#define TCP_TSO_MAX	65515	/* a TSO super-frame's TCP bytes: 64 KiB less IP */

/* Protocol constants (Linux values where Linux has one) */
#define TCP_DEFAULT_MSS		536
#define TCP_MIN_MSS		88
/* Linux's ip_rt_min_pmtu: a frag-needed quoting less is taken as this (RFC 5927 7) */
#define TCP_MIN_PMTU		552
#ifndef TCP_MAX_WINSHIFT
#define TCP_MAX_WINSHIFT	14
#endif
#define TCP_RTO_MIN_US		200000U
#define TCP_RTO_MAX_US		120000000U
#define TCP_RTO_INIT_US		1000000U
#define TCP_DELACK_US		40000U
#define TCP_SYN_RETRIES		6
#define TCP_SYNACK_RETRIES	5
#define TCP_DATA_RETRIES	15
#define TCP_KEEPIDLE_S		7200
#define TCP_KEEPINTVL_S		75
#define TCP_KEEPCNT_DEF		9
#define TCP_PERSIST_MIN_US	200000U
#define TCP_PERSIST_MAX_US	60000000U
#define TCP_OFO_MAX		64	/* out-of-order ranges per TCB */
#define TCP_SACK_MAX		8	/* sender scoreboard ranges */
#define TCP_QUICKACKS		16	/* segments ACKed at once after start */
#define TCP_CHALLENGE_PER_S	1000	/* RFC 5961 7: global rate limit */
#define TCP_OOW_ACK_GAP_US	500000U	/* Linux's tcp_invalid_ratelimit */
#define TCP_PAWS_WINDOW		1	/* timestamp ticks PAWS tolerates */
#define TCP_EPHEMERAL_LO	32768
#define TCP_EPHEMERAL_HI	60999
#define TCP_INIT_CWND		10	/* RFC 6928 */
#define TCP_RCVBUF_INIT		(256u * 1024)	/* first autotuned clamp */

/* TCB flags */
enum tcp_flag {
	TF_ACKNOW	= 1u << 0,	/* send an ACK at the next output */
	TF_DELACK	= 1u << 1,	/* an ACK is owed (delayed) */
	TF_NODELAY	= 1u << 2,	/* TCP_NODELAY: no Nagle */
	TF_SHUT_WR	= 1u << 3,	/* the app will send no more: FIN queued */
	TF_SHUT_RD	= 1u << 4,	/* the app will read no more */
	TF_SENTFIN	= 1u << 5,	/* FIN has been sent at least once */
	TF_WSCALE	= 1u << 6,	/* window scaling in use */
	TF_SACK		= 1u << 7,	/* SACK permitted both ways */
	TF_TS		= 1u << 8,	/* timestamps in use */
	TF_REQ_WSCALE	= 1u << 9,	/* we asked for window scaling */
	TF_REQ_SACK	= 1u << 10,
	TF_REQ_TS	= 1u << 11,
	TF_PASSIVE	= 1u << 12,	/* opened by a listener */
	TF_DEAD		= 1u << 13,	/* freed at the next tcp_leave() */
	TF_INRECOVERY	= 1u << 14,	/* fast recovery (RFC 6582) */
	TF_KEEPALIVE	= 1u << 15,	/* SO_KEEPALIVE */
	TF_RCVD_FIN_OFO	= 1u << 16,	/* a FIN beyond a hole: @ofo_fin */
	TF_CORK		= 1u << 17,	/* TCP_CORK */
	TF_FORCE_PROBE	= 1u << 18,	/* window probe: send 1 byte past wnd */
	TF_LINGER0	= 1u << 19,	/* SO_LINGER {1, 0}: close sends RST */
	TF_QUEUED_NOTIFY = 1u << 20,	/* on the notify list */
	TF_RTT_VALID	= 1u << 21,	/* srtt holds a measurement */
	TF_QUICKACK	= 1u << 22,	/* TCP_QUICKACK */
	TF_COOKIE	= 1u << 24,	/* created from a SYN cookie */
	TF_TLP		= 1u << 25,	/* the REXMT timer is a tail loss probe */
	TF_TLP_OUT	= 1u << 26,	/* a probe is out: @tlp_high */
	TF_REO_WAIT	= 1u << 27,	/* REXMT is a reordering-window wait */
	TF_REORDERED	= 1u << 28,	/* the peer has seen reordering */
};

/* Timers kept per TCB; the heap holds each TCB's earliest */
enum tcp_timer_kind {
	TT_REXMT,	/* retransmission (and SYN / SYN-ACK) */
	TT_PERSIST,	/* zero-window probe */
	TT_KEEP,	/* keepalive, or connection-establishment limit */
	TT_2MSL,	/* TIME-WAIT, FIN-WAIT-2 orphan */
	TT_DELACK,	/* delayed ACK */
	TT_PACE,	/* BBR pacing: the next segment is due */
	TT_NTIMERS
};

/**
 * struct tcp_opts - options of one received segment
 * @mss:	MSS value (@has_mss)
 * @wscale:	window shift (@has_ws)
 * @sack_ok:	SACK-permitted present
 * @ts_val, @ts_ecr: timestamps (@has_ts)
 * @nsack:	SACK blocks in @sack
 */
struct tcp_opts {
	uint16_t mss;
	uint8_t wscale;
	bool has_mss, has_ws, sack_ok, has_ts;
	uint32_t ts_val, ts_ecr;
	uint8_t nsack;
	struct {
		uint32_t start, end;
	} sack[TCP_SACK_BLOCKS_MAX];
};

/**
 * struct tcp_seg - a received segment, header converted to host order
 */
struct tcp_seg {
	uint32_t seq, ack;
	uint16_t sport, dport;	/* network order */
	uint8_t flags;
	uint32_t wnd;		/* raw header window */
	uint16_t urp;
	uint32_t len;		/* payload bytes */
	const uint8_t *data;	/* payload (inside the frame) */
	struct tcp_opts opt;
	const struct ae_ipinfo *ip;
};

/** struct tcp_range - a [start, end) sequence range */
struct tcp_range {
	uint32_t start, end;
};

#define TCP_INQ_SYN	1
#define TCP_INQ_ACCEPT	2

struct tcp_sock;
struct tcp_bbr;
TAILQ_HEAD(tcp_queue, tcp_sock);
LIST_HEAD(tcp_list, tcp_sock);

/**
 * struct tcp_cc_ops - one congestion control (tcp_cc.c: "reno", "cubic";
 * tcp_bbr.c: "bbr"): how the window and the pacing move. None of these
 * sends a segment; what to resend is tcp_recovery.c's, what to send
 * tcp_output()'s. Optional hooks may be NULL.
 * @name:		TCP_CONGESTION name
 * @attach:		optional: a socket chooses it: allocate its state
 *			(0 or -ENOMEM)
 * @detach:		optional: the socket leaves it, or dies: free that
 * @init:		the connection is established: initial window
 * @on_ack:		optional: SND.UNA advanced by @acked data bytes
 *			outside recovery: grow the window
 * @on_ack_sample:	optional: every acceptable ACK, after the scoreboard
 *			update, with the bytes in flight before it
 * @on_dupack:		optional: a duplicate ACK during recovery
 * @on_recovery_ack:	optional: SND.UNA advanced by @acked in recovery;
 *			@full when it ended recovery
 * @on_loss:		fast recovery begins (a congestion event)
 * @on_rto:		a retransmission timeout
 * @on_idle_restart:	optional: sending resumes after an idle period
 * @cwnd:		bytes tcp_output() may have in flight beyond SND.UNA
 * @on_sent:		optional: @len data bytes at @seq left
 * @pace_wait:		optional: must the next data segment wait? (then it
 *			arms TT_PACE)
 * @on_output_done:	optional: tcp_output() finished a pass
 */
struct tcp_cc_ops {
	const char *name;
	int (*attach)(struct tcp_sock *tp);
	void (*detach)(struct tcp_sock *tp);
	void (*init)(struct tcp_sock *tp);
	void (*on_ack)(struct tcp_sock *tp, uint32_t acked);
	void (*on_ack_sample)(struct tcp_sock *tp, const struct tcp_seg *seg,
			      uint32_t prior_in_flight);
	void (*on_dupack)(struct tcp_sock *tp);
	void (*on_recovery_ack)(struct tcp_sock *tp, uint32_t acked, bool full);
	void (*on_loss)(struct tcp_sock *tp);
	void (*on_rto)(struct tcp_sock *tp);
	void (*on_idle_restart)(struct tcp_sock *tp);
	uint32_t (*cwnd)(const struct tcp_sock *tp);
	void (*on_sent)(struct tcp_sock *tp, uint32_t seq, uint32_t len);
	bool (*pace_wait)(struct tcp_sock *tp);
	void (*on_output_done)(struct tcp_sock *tp);
};

extern const struct tcp_cc_ops tcp_cc_reno, tcp_cc_cubic, tcp_cc_bbr;

/**
 * struct tcp_sock - the TCB
 *
 * Send sequence space (RFC 9293 3.3.1): snd_una <= snd_nxt <= snd_max.
 * The send ring's head is the first unacknowledged data byte; data_una
 * (snd_una, plus one while our SYN is unacknowledged) is its sequence number.
 */
struct tcp_sock {
	struct ae_sock sk;
	enum tcp_state state;
	uint32_t flags;

	/* demultiplexing */
	LIST_ENTRY(tcp_sock) hentry;	/* 4-tuple hash chain */
	LIST_ENTRY(tcp_sock) bentry;	/* bind (port) hash chain */
	LIST_ENTRY(tcp_sock) lentry;	/* listener hash chain */
	bool hashed, bound, listed;
	bool user_bound;		/* bind() by the owner (keeps the port) */
	bool connect_bound;		/* port chosen by connect() */
	bool was_connected;		/* reached ESTABLISHED once */

	/* listeners: queues of children; children: their parent */
	struct tcp_sock *parent;
	TAILQ_ENTRY(tcp_sock) qentry;
	uint8_t inq;			/* TCP_INQ_SYN / TCP_INQ_ACCEPT / 0 */
	struct tcp_queue synq, acceptq;
	uint32_t synq_len, acceptq_len, backlog;

	/* send sequence space */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t max_sndwnd;
	uint8_t snd_wscale;
	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv;
	uint8_t rcv_wscale;
	uint16_t mss;			/* what we send: peer's, path-bounded */
	uint16_t adv_mss;		/* what we advertised */
	uint16_t pmtu_mss;		/* from ICMP frag-needed, 0 = none */
	uint32_t ofo_fin;		/* seq of a FIN after a hole */

	/* buffers */
	struct ae_ring rx, tx;
	void *bufmem;
	size_t buflen;
	uint32_t rcvbuf, sndbuf;	/* requested sizes */
	uint32_t rcv_clamp;		/* autotuned buffer the window comes from */
	uint32_t rcvq_space;		/* most ever received in one round trip */
	uint32_t rcvq_seq;		/* RCV.NXT when this round trip began */
	uint64_t rcvq_time;		/* when it began; 0 = not yet */
	struct tcp_range ofo[TCP_OFO_MAX];
	uint8_t nofo;
	struct tcp_range dsack;		/* duplicate to report (RFC 2883) */
	bool dsack_pending;		/* in the next segment's SACK option */

	/* timers */
	uint64_t timer[TT_NTIMERS];
	uint64_t heap_key;
	uint32_t heap_idx;		/* 0 = not in the heap */
	uint8_t rxtshift;		/* consecutive retransmissions */
	uint8_t persist_shift;
	uint8_t keep_probes;
	uint8_t probes_out;		/* unanswered window probes */
	uint64_t last_rcv;		/* time of last segment received */
	uint64_t first_rexmt;		/* user timeout starts here */

	/* RTT (microseconds), RFC 6298 */
	uint32_t srtt, rttvar, rto;
	uint32_t rtt_seq;
	uint64_t rtt_start;		/* 0 = not timing */
	uint64_t defer_until;		/* TCP_DEFER_ACCEPT: hold a bare ACK until */
	uint64_t acceptq_since;		/* when it joined its listener's accept queue */
	uint64_t last_oow_ack;		/* last ACK for an unacceptable segment */
	uint32_t ts_recent;
	uint32_t last_ack_sent;
	uint64_t ts_recent_age;
	uint32_t ts_offset;

	/* congestion control */
	uint32_t cwnd, ssthresh, recover, dupacks, bytes_acked;
	uint32_t prior_cwnd;
	uint64_t last_send;		/* restart after idle */
	struct {
		uint32_t w_max, w_last_max, k_ms, origin;
		uint64_t epoch;		/* 0 = none */
		uint32_t ack_cnt, tcp_cwnd;
	} cubic;
	const struct tcp_cc_ops *cc;	/* congestion control, never NULL */
	struct tcp_bbr *bbr;		/* BBR state (tcp_bbr.h), NULL = none */
	struct tcp_range sacked[TCP_SACK_MAX];	/* scoreboard */
	uint8_t nsacked;
	uint32_t rexmit_nxt;		/* next hole to retransmit */
	uint32_t rexmit_high;		/* SND.MAX when @rexmit_seq was resent */
	uint32_t rexmit_seq;		/* the segment it refers to */
	uint32_t una_rexmit_seq;	/* SND.UNA when its segment was resent */
	uint32_t una_rexmit_high;	/* SND.MAX at that moment */
	uint32_t tlp_high;		/* SND.MAX when the probe was sent */
	uint32_t delack_segs;		/* full segments not yet ACKed */
	uint32_t quickacks;

	/* socket options */
	uint32_t keepidle, keepintvl, keepcnt;	/* seconds, count */
	uint32_t user_timeout_ms;
	uint32_t linger_s;
	int syn_retries;
	int linger2;			/* TCP_LINGER2 s, 0 default, -1 */
	int fastopen_qlen;		/* TCP_FASTOPEN (reported only) */
	int notsent_lowat;		/* TCP_NOTSENT_LOWAT (reported only) */
	uint16_t user_mss;		/* TCP_MAXSEG set, 0 none */
	bool fastopen_connect;		/* TCP_FASTOPEN_CONNECT (reported) */
	bool pingpong;			/* TCP_QUICKACK 0: reads back 0 */

	/* statistics for TCP_INFO */
	uint32_t total_retrans, lost;
	uint64_t bytes_sent, bytes_received, bytes_acked_total;
	uint32_t segs_in, segs_out;

	/* deferred callbacks */
	unsigned int pending_ev;
	TAILQ_ENTRY(tcp_sock) nentry;	/* notify or free list */
	TAILQ_ENTRY(tcp_sock) twentry;	/* orphans in TIME-WAIT, oldest first */
	bool in_twq;
};

/**
 * struct ae_tcp - the TCP module's state, one per stack
 */
struct ae_tcp {
	struct tcp_list *hash;		/* connected TCBs by 4-tuple */
	uint32_t hash_mask;
	uint32_t nhashed;
	struct tcp_list *bhash;		/* every bound TCB by local port */
	uint32_t bhash_mask;
	struct tcp_list *lhash;		/* listeners by local port */
	uint32_t lhash_mask;
	struct tcp_sock **heap;		/* timer heap, 1-based */
	uint32_t heap_len, heap_cap;
	uint8_t isn_key[16];		/* RFC 6528 secret */
	uint8_t ts_key[16];		/* timestamp offsets per address pair */
	uint8_t hash_key[16];
	uint8_t cookie_key[16];
	struct tcp_queue notify;	/* TCBs with pending events */
	struct tcp_queue dead;		/* TCBs to free */
	uint32_t ndead;
	struct tcp_queue twq;		/* orphaned TIME-WAIT, oldest first */
	int depth;			/* nesting of entry points */
	uint32_t ntcb;			/* live TCBs (leak check) */
	uint64_t challenge_sec;		/* RFC 5961 rate limit window */
	uint32_t challenge_cnt;
	uint16_t port_hint;
	uint32_t tw_iss;		/* ISN for a connection reusing TIME-WAIT */
	bool tw_iss_set;
};

static inline struct tcp_sock *tcp_sk(struct ae_sock *sk)
{
	return (struct tcp_sock *)sk;
}

static inline uint32_t ring_used(const struct ae_ring *r)
{
	return r->tail - r->head;
}

static inline uint32_t ring_free(const struct ae_ring *r)
{
	return r->size - (r->tail - r->head);
}

/* ring.c */
struct iovec;
void ring_write(struct ae_ring *r, uint32_t idx, const void *src,
		uint32_t len);
void ring_read(const struct ae_ring *r, uint32_t idx, void *dst,
	       uint32_t len);
int ring_iov(const struct ae_ring *r, uint32_t idx, uint32_t len,
	     struct iovec *iov);
bool ring_restart(struct ae_ring *r);

/* tcp.c */
struct tcp_sock *tcp_alloc(struct ae_stack *s);
uint32_t tcp_buf_size(uint32_t v);
int tcp_alloc_buffers(struct tcp_sock *tp);
void tcp_set_state(struct tcp_sock *tp, enum tcp_state st);
void tcp_notify(struct tcp_sock *tp, unsigned int ev);
void tcp_enter(struct ae_stack *s);
void tcp_leave(struct ae_stack *s);
void tcp_destroy(struct tcp_sock *tp);
void tcp_drop(struct tcp_sock *tp, int err);
void tcp_close_tcb(struct tcp_sock *tp);
void tcp_maybe_free(struct tcp_sock *tp);
bool tcp_reclaim_time_wait(struct ae_stack *s);
uint32_t tcp_live_sockets(const struct ae_stack *s);
uint32_t tcp_data_una(const struct tcp_sock *tp);
uint32_t tcp_rcv_window(const struct tcp_sock *tp);
bool tcp_fin_acked(const struct tcp_sock *tp, uint32_t ack);
uint32_t tcp_ts_now(const struct tcp_sock *tp);
unsigned int tcp_poll_mask(const struct tcp_sock *tp);
uint32_t tcp_snd_limit(const struct tcp_sock *tp);
uint32_t tcp_snd_space(const struct tcp_sock *tp);

/* tcp_autotune.c */
void tcp_autotune_init(struct tcp_sock *tp);
uint32_t tcp_rcv_limit(const struct tcp_sock *tp);
void tcp_autotune_rcvd(struct tcp_sock *tp);

/* tcp_hash.c */
int tcp_hash_init(struct ae_stack *s);
void tcp_hash_fini(struct ae_stack *s);
void tcp_hash_insert(struct ae_stack *s, struct tcp_sock *tp);
void tcp_hash_remove(struct ae_stack *s, struct tcp_sock *tp);
struct tcp_sock *tcp_hash_lookup(const struct ae_stack *s, uint32_t laddr,
				 uint16_t lport, uint32_t raddr, uint16_t rport);
bool tcp_port_claimed(const struct ae_stack *s, uint32_t addr, uint16_t port);
struct tcp_sock *tcp_listener_lookup(const struct ae_stack *s, uint32_t laddr,
				     uint16_t lport);
struct tcp_sock *tcp_listener_select(const struct ae_stack *s, uint32_t laddr,
				     uint16_t lport, uint32_t raddr,
				     uint16_t rport);
int tcp_bind_port(struct ae_stack *s, struct tcp_sock *tp, uint32_t addr,
		  uint16_t port);
void tcp_unbind(struct ae_stack *s, struct tcp_sock *tp);
int tcp_pick_ephemeral(struct ae_stack *s, struct tcp_sock *tp, uint32_t raddr,
		       uint16_t rport);
int tcp_listen_check(struct ae_stack *s, struct tcp_sock *tp);
void tcp_bind_inherit(struct ae_stack *s, struct tcp_sock *tp);

/* tcp_isn.c */
uint64_t siphash24(const uint8_t key[16], const void *data, size_t len);
uint32_t tcp_tuple_siphash(const uint8_t key[16], uint32_t laddr,
			   uint16_t lport, uint32_t raddr, uint16_t rport);
void tcp_isn_init(struct ae_stack *s);
uint32_t tcp_ts_offset(struct ae_stack *s, uint32_t laddr, uint32_t raddr);
uint32_t tcp_new_isn(struct ae_stack *s, uint32_t laddr, uint16_t lport,
		     uint32_t raddr, uint16_t rport);
uint32_t tcp_cookie_make(struct ae_stack *s, const struct tcp_seg *seg,
			 uint32_t laddr, uint32_t raddr, uint16_t mss);
uint16_t tcp_cookie_check(struct ae_stack *s, const struct tcp_seg *seg,
			  uint32_t laddr, uint32_t raddr);

/* tcp_options.c */
int tcp_parse_options(const uint8_t *opt, size_t len, uint8_t flags,
		      struct tcp_opts *out);
int tcp_sack_blocks(const struct tcp_sock *tp, size_t room,
		    struct tcp_range *out);
void tcp_dsack_note(struct tcp_sock *tp, uint32_t start, uint32_t end);
size_t tcp_build_options(const struct tcp_sock *tp, uint8_t flags,
			 uint8_t *buf);

/* tcp_input.c */
uint8_t tcp_wscale_for(uint32_t size);

/* tcp_output.c */
int tcp_output(struct tcp_sock *tp);
void tcp_build_header(uint8_t *h, uint16_t sport, uint16_t dport,
		      uint32_t seq, uint32_t ack, size_t hlen, uint8_t flags,
		      uint16_t win);
int tcp_send_segment(struct tcp_sock *tp, uint32_t seq, uint32_t len,
		     uint8_t flags);
void tcp_send_ack(struct tcp_sock *tp);
void tcp_send_rst(struct tcp_sock *tp);
void tcp_send_challenge_ack(struct tcp_sock *tp);
void tcp_respond_rst(struct ae_stack *s, const struct tcp_seg *seg);
uint32_t tcp_flight(const struct tcp_sock *tp);
uint32_t tcp_payload_max(const struct tcp_sock *tp);
void tcp_window_update(struct tcp_sock *tp);

/* tcp.c, tcp_sack.c, tcp_timer.c: invariants (AE_ASSERT, ae_stack_check()) */
const char *tcp_check_invariants(const struct tcp_sock *tp);
const char *tcp_sack_check(const struct tcp_sock *tp);
const char *tcp_heap_check(const struct ae_tcp *t);

/* tcp_timer.c */
void tcp_timer_set(struct tcp_sock *tp, enum tcp_timer_kind k, uint64_t at);
void tcp_timer_clear(struct tcp_sock *tp, enum tcp_timer_kind k);
void tcp_timer_clear_all(struct tcp_sock *tp);
void tcp_timer_rexmt_arm(struct tcp_sock *tp);
void tcp_timer_keep_arm(struct tcp_sock *tp);
void tcp_rtt_sample(struct tcp_sock *tp, uint32_t rtt_us);
uint64_t tcp_rto_ns(const struct tcp_sock *tp);
void tcp_enter_time_wait(struct tcp_sock *tp);
void tcp_fin_wait_2_arm(struct tcp_sock *tp);

/* tcp_recovery.c: loss detection and retransmission */
void tcp_dupack(struct tcp_sock *tp, const struct tcp_seg *seg);
bool tcp_sack_dupack(struct tcp_sock *tp, const struct tcp_seg *seg);
void tcp_recovery_ack(struct tcp_sock *tp, const struct tcp_seg *seg,
		      uint32_t acked, uint32_t data);
bool tcp_tlp_pto(const struct tcp_sock *tp, uint64_t *pto);
bool tcp_recovery_timer(struct tcp_sock *tp);
void tcp_recovery_rto(struct tcp_sock *tp);
void tcp_recovery_send(struct tcp_sock *tp);
uint32_t tcp_recovery_lost_bytes(const struct tcp_sock *tp);

/* tcp_cc.c: calls into the socket's &struct tcp_cc_ops, and sack */
int tcp_cc_set(struct tcp_sock *tp, const struct tcp_cc_ops *cc);
void tcp_cc_free(struct tcp_sock *tp);
void tcp_cc_init(struct tcp_sock *tp);
void tcp_cc_initial_window(struct tcp_sock *tp);
void tcp_cc_ack(struct tcp_sock *tp, uint32_t acked);
void tcp_cc_ack_sample(struct tcp_sock *tp, const struct tcp_seg *seg,
		       uint32_t prior_in_flight);
void tcp_cc_dupack(struct tcp_sock *tp);
void tcp_cc_recovery_ack(struct tcp_sock *tp, uint32_t acked, bool full);
void tcp_cc_loss(struct tcp_sock *tp);
void tcp_cc_timeout(struct tcp_sock *tp);
void tcp_cc_idle_restart(struct tcp_sock *tp);
uint32_t tcp_cc_window(const struct tcp_sock *tp);
void tcp_cc_sent(struct tcp_sock *tp, uint32_t seq, uint32_t len);
bool tcp_cc_pace_wait(struct tcp_sock *tp);
void tcp_cc_output_done(struct tcp_sock *tp);
void tcp_sack_update(struct tcp_sock *tp, const struct tcp_opts *o);
bool tcp_sack_is_sacked(const struct tcp_sock *tp, uint32_t seq, uint32_t *end);
uint32_t tcp_sack_bytes(const struct tcp_sock *tp);
uint32_t tcp_sack_bytes_above(const struct tcp_sock *tp, uint32_t seq);
bool tcp_sack_next_hole(const struct tcp_sock *tp, uint32_t from,
			uint32_t *hole, uint32_t *len);

/* tcp_rate.c: delivery-rate records, kept by BBR sockets */
bool tcp_rate_active(const struct tcp_sock *tp);
uint32_t tcp_rate_inflight(const struct tcp_sock *tp);

/* tcp_usrreq.c: the socket calls, called from sock.c */
struct ae_sock *tcp_usr_socket(struct ae_stack *s, int *err);
int tcp_usr_bind(struct tcp_sock *tp, uint32_t addr, uint16_t port);
int tcp_usr_listen(struct tcp_sock *tp, int backlog);
int tcp_usr_accept(struct tcp_sock *tp, struct tcp_sock **out);
int tcp_usr_unaccept(struct tcp_sock *lp, struct tcp_sock *c);
int tcp_usr_connect(struct tcp_sock *tp, uint32_t addr, uint16_t port);
ssize_t tcp_usr_send(struct tcp_sock *tp, const void *buf, size_t len,
		     int flags);
ssize_t tcp_usr_recv(struct tcp_sock *tp, void *buf, size_t len, int flags);
int tcp_usr_shutdown(struct tcp_sock *tp, int how);
int tcp_usr_close(struct tcp_sock *tp);
void tcp_usr_abort(struct tcp_sock *tp);
void tcp_usr_rx_consumed(struct tcp_sock *tp, uint32_t n);
bool tcp_rx_restart(struct tcp_sock *tp);
void tcp_usr_tx_committed(struct tcp_sock *tp, uint32_t n);
int tcp_cc_select(struct tcp_sock *tp, const char *val, size_t len);
int tcp_usr_setsockopt(struct tcp_sock *tp, int level, int name,
		       const void *val, size_t len);
const char *tcp_cong_name(const struct tcp_sock *tp);
void tcp_sock_info_cc(const struct ae_sock *sk, struct ae_sock_info *info);
int tcp_usr_getsockopt(struct tcp_sock *tp, int level, int name, void *val,
		       size_t *len);
void tcp_sol_effect(struct tcp_sock *tp, int name, int v);
int tcp_sol_get(struct tcp_sock *tp, int name, void *val, size_t *len);

#endif /* AE_TCP_H */
