// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_timer.c - per-TCB timers in one binary heap, RTO (RFC 6298)
 *
 * Theory of operation: each TCB has five deadlines (retransmission, persist,
 * keepalive, 2MSL, delayed ACK), absolute nanoseconds or AE_NEVER. The heap
 * holds every TCB with at least one deadline, keyed by its earliest, so
 * tcp_next_timeout() is the heap's root and setting a timer costs O(log n),
 * whatever the number of connections. tcp_timer() pops the due TCBs and runs
 * their due handlers; a handler may re-arm (the TCB goes back into the heap)
 * or destroy the TCB (it left the heap in tcp_destroy()).
 *
 * RTO follows RFC 6298: SRTT/RTTVAR from samples that Karn's rule allows
 * (never from a retransmitted segment, unless timestamps disambiguate),
 * RTO = SRTT + 4 * RTTVAR clamped to [200 ms, 120 s] like Linux, doubled on
 * each expiry. SYNs give up after tcp_syn_retries, data after 15 backoffs
 * (Linux's tcp_retries2) or TCP_USER_TIMEOUT.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

#define TCP_FIN_TIMEOUT_NS	(60 * NS_PER_SEC)
#define TCP_MAX_PROBES		15

/**
 * heap_swap() - swap two heap slots and fix their back-indices
 * @t:		module
 * @a:		slot
 * @b:		slot
 */
static void heap_swap(struct ae_tcp *t, uint32_t a, uint32_t b)
{
	struct tcp_sock *x = t->heap[a];

	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->heap[a]->heap_idx = a;
	t->heap[b]->heap_idx = b;
}

/**
 * heap_up() - restore heap order upwards from @i
 * @t:		module
 * @i:		slot
 */
static void heap_up(struct ae_tcp *t, uint32_t i)
{
	while (i > 1 && t->heap[i / 2]->heap_key > t->heap[i]->heap_key) {
		heap_swap(t, i, i / 2);
		i /= 2;
	}
}

/**
 * heap_down() - restore heap order downwards from @i
 * @t:		module
 * @i:		slot
 */
static void heap_down(struct ae_tcp *t, uint32_t i)
{
	uint32_t c;

	for (;;) {
		c = 2 * i;
		if (c > t->heap_len)
			break;
		if (c + 1 <= t->heap_len &&
		    t->heap[c + 1]->heap_key < t->heap[c]->heap_key)
			c++;
		if (t->heap[i]->heap_key <= t->heap[c]->heap_key)
			break;
		heap_swap(t, i, c);
		i = c;
	}
}

/**
 * tcp_heap_remove() - take a TCB out of the heap
 * @t:		module
 * @tp:		TCB (may be absent)
 */
static void tcp_heap_remove(struct ae_tcp *t, struct tcp_sock *tp)
{
	uint32_t i = tp->heap_idx;

	if (!i)
		return;
	tp->heap_idx = 0;
	if (i != t->heap_len) {
		t->heap[i] = t->heap[t->heap_len];
		t->heap[i]->heap_idx = i;
		t->heap_len--;
		heap_up(t, i);
		heap_down(t, t->heap[i]->heap_idx);
	} else {
		t->heap_len--;
	}
}

/**
 * heap_grow() - make room for one more TCB
 * @t:		module
 *
 * Return: 0 or -ENOMEM
 */
static int heap_grow(struct ae_tcp *t)
{
	uint32_t cap = t->heap_cap ? t->heap_cap * 2 : 1024;
	struct tcp_sock **h;

	if (t->heap_len + 1 < t->heap_cap)
		return 0;
	h = realloc(t->heap, (cap + 1) * sizeof(struct tcp_sock *));
	if (!h)
		return -ENOMEM;
	t->heap = h;
	t->heap_cap = cap;
	return 0;
}

/**
 * heap_node_ok() - is slot @i of the timer heap in order with its parent
 * and children, and does its TCB know its slot?
 * @t:		TCP module
 * @i:		slot, 1..heap_len
 *
 * Return: true when it is
 */
static bool heap_node_ok(const struct ae_tcp *t, uint32_t i)
{
	uint64_t key = t->heap[i]->heap_key;

	if (t->heap[i]->heap_idx != i)
		return false;
	if (i > 1 && t->heap[i / 2]->heap_key > key)
		return false;
	if (2 * i <= t->heap_len && t->heap[2 * i]->heap_key < key)
		return false;
	return 2 * i + 1 > t->heap_len || t->heap[2 * i + 1]->heap_key >= key;
}

/**
 * tcp_heap_check() - the whole timer heap in order (for ae_stack_check())
 * @t:		TCP module
 *
 * Return: NULL when it is, else what is broken
 */
const char *tcp_heap_check(const struct ae_tcp *t)
{
	uint32_t i;

	if (t->heap_len > t->heap_cap)
		return "timer heap longer than its array";
	for (i = 1; i <= t->heap_len; i++)
		if (!heap_node_ok(t, i))
			return "timer heap out of order";
	return NULL;
}

/**
 * tcp_timer_update() - re-key a TCB after its deadlines changed
 * @tp:		TCB
 */
static void tcp_timer_update(struct tcp_sock *tp)
{
	struct ae_tcp *t = tp->sk.stack->tcp;
	uint64_t key = AE_NEVER;
	int k;

	for (k = 0; k < TT_NTIMERS; k++)
		if (tp->timer[k] < key)
			key = tp->timer[k];
	if (key == AE_NEVER || (tp->flags & TF_DEAD)) {
		tcp_heap_remove(t, tp);
		return;
	}
	if (tp->heap_idx) {
		if (key == tp->heap_key)
			return;
		tp->heap_key = key;
		heap_up(t, tp->heap_idx);
		heap_down(t, tp->heap_idx);
		AE_ASSERT(heap_node_ok(t, tp->heap_idx));
		return;
	}
	if (heap_grow(t))
		return;		/* out of memory: timer lost, like a lost frame */
	tp->heap_key = key;
	t->heap[++t->heap_len] = tp;
	tp->heap_idx = t->heap_len;
	heap_up(t, tp->heap_idx);
	AE_ASSERT(heap_node_ok(t, tp->heap_idx));
}

/**
 * tcp_timer_set() - arm one timer
 * @tp:		TCB
 * @k:		which
 * @at:		absolute deadline (ns)
 */
void tcp_timer_set(struct tcp_sock *tp, enum tcp_timer_kind k, uint64_t at)
{
	tp->timer[k] = at;
	tcp_timer_update(tp);
}

/**
 * tcp_timer_clear() - disarm one timer
 * @tp:		TCB
 * @k:		which
 */
void tcp_timer_clear(struct tcp_sock *tp, enum tcp_timer_kind k)
{
	if (tp->timer[k] == AE_NEVER)
		return;
	tp->timer[k] = AE_NEVER;
	tcp_timer_update(tp);
}

/**
 * tcp_timer_clear_all() - disarm every timer
 * @tp:		TCB
 */
void tcp_timer_clear_all(struct tcp_sock *tp)
{
	int k;

	for (k = 0; k < TT_NTIMERS; k++)
		tp->timer[k] = AE_NEVER;
	tcp_heap_remove(tp->sk.stack->tcp, tp);
}

/**
 * tcp_rto_ns() - the current (backed-off) retransmission timeout
 * @tp:		TCB
 *
 * Return: nanoseconds
 */
uint64_t tcp_rto_ns(const struct tcp_sock *tp)
{
	uint64_t us = (uint64_t)tp->rto << tp->rxtshift;

	if (us > TCP_RTO_MAX_US)
		us = TCP_RTO_MAX_US;
	return us * 1000;
}

/**
 * tcp_timer_rexmt_arm() - (re)start the retransmission timer if anything
 * is outstanding, else stop it
 * @tp:		TCB
 */
void tcp_timer_rexmt_arm(struct tcp_sock *tp)
{
	uint64_t now = tp->sk.stack->now, rto = tcp_rto_ns(tp), pto;

	tp->flags &= ~TF_TLP;
	if (tp->snd_una == tp->snd_max) {
		tcp_timer_clear(tp, TT_REXMT);
		return;
	}
	if (tcp_tlp_pto(tp, &pto) && pto < rto) {
		tp->flags |= TF_TLP;	/* a tail loss probe (tcp_recovery.c) */
		rto = pto;
	}
	tcp_timer_set(tp, TT_REXMT, now + rto);
}

/**
 * tcp_timer_keep_arm() - schedule the next keepalive check
 * @tp:		TCB
 */
void tcp_timer_keep_arm(struct tcp_sock *tp)
{
	uint64_t at;

	if (!(tp->flags & TF_KEEPALIVE) || !TCPS_HAVEESTABLISHED(tp->state) ||
	    tp->state == TCPS_TIME_WAIT) {
		tcp_timer_clear(tp, TT_KEEP);
		return;
	}
	if (tp->keep_probes)
		at = tp->sk.stack->now + (uint64_t)tp->keepintvl * NS_PER_SEC;
	else
		at = tp->last_rcv + (uint64_t)tp->keepidle * NS_PER_SEC;
	tcp_timer_set(tp, TT_KEEP, at);
}

/**
 * tcp_rtt_sample() - fold one RTT measurement into SRTT/RTTVAR/RTO
 * @tp:		TCB
 * @rtt_us:	sample, microseconds
 */
void tcp_rtt_sample(struct tcp_sock *tp, uint32_t rtt_us)
{
	uint32_t delta, rto;

	if (!rtt_us)
		rtt_us = 1;
	if (!(tp->flags & TF_RTT_VALID)) {
		tp->srtt = rtt_us;
		tp->rttvar = rtt_us / 2;
		tp->flags |= TF_RTT_VALID;
	} else {
		delta = tp->srtt > rtt_us ? tp->srtt - rtt_us : rtt_us - tp->srtt;
		tp->rttvar = (3 * tp->rttvar + delta) / 4;
		tp->srtt = (7 * tp->srtt + rtt_us) / 8;
	}
	rto = tp->srtt + 4 * tp->rttvar;
	if (rto < TCP_RTO_MIN_US)
		rto = TCP_RTO_MIN_US;
	if (rto > TCP_RTO_MAX_US)
		rto = TCP_RTO_MAX_US;
	tp->rto = rto;
}

/**
 * user_timeout_hit() - has TCP_USER_TIMEOUT passed since the first
 * unanswered retransmission?
 * @tp:		TCB
 *
 * Return: true to give up
 */
static bool user_timeout_hit(const struct tcp_sock *tp)
{
	if (!tp->user_timeout_ms || !tp->first_rexmt)
		return false;
	return tp->sk.stack->now - tp->first_rexmt >=
	       (uint64_t)tp->user_timeout_ms * NS_PER_MS;
}

/**
 * rexmt_expired() - the retransmission timer fired
 * @tp:		TCB
 */
static void rexmt_expired(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;
	int limit = TCP_DATA_RETRIES;

	if (tcp_recovery_timer(tp))
		return;		/* reordering window or tail loss probe */

	if (tp->state == TCPS_SYN_SENT)
		limit = tp->syn_retries;
	else if (tp->state == TCPS_SYN_RECEIVED)
		limit = TCP_SYNACK_RETRIES;
	if (tp->rxtshift >= limit || user_timeout_hit(tp)) {
		STAT_INC(s, tcp, timeouts);
		if (tp->state == TCPS_SYN_RECEIVED && tp->parent) {
			tcp_destroy(tp);
			return;
		}
		tcp_drop(tp, ETIMEDOUT);
		return;
	}
	STAT_INC(s, tcp, timeouts);
	if (!tp->first_rexmt)
		tp->first_rexmt = s->now;
	tp->rxtshift++;
	if (TCPS_HAVEESTABLISHED(tp->state))
		tcp_cc_timeout(tp);
	tp->rtt_start = 0;		/* Karn: never time a retransmission */
	tcp_recovery_rto(tp);		/* back to SND.UNA */
	if (tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED)
		tp->snd_nxt = tp->iss;
	tcp_timer_set(tp, TT_REXMT, s->now + tcp_rto_ns(tp));
	tcp_output(tp);
}

/**
 * persist_expired() - send a zero-window probe and back off
 * @tp:		TCB
 */
static void persist_expired(struct tcp_sock *tp)
{
	uint64_t t;

	if (tp->probes_out >= TCP_MAX_PROBES || user_timeout_hit(tp)) {
		STAT_INC(tp->sk.stack, tcp, timeouts);
		tcp_drop(tp, ETIMEDOUT);
		return;
	}
	if (!tp->first_rexmt)
		tp->first_rexmt = tp->sk.stack->now;
	tp->probes_out++;
	if (tp->snd_wnd) {
		/* a window too small for Nagle/SWS: push what fits */
		tp->flags |= TF_FORCE_PROBE;
		tcp_output(tp);
		tp->flags &= ~TF_FORCE_PROBE;
	} else {
		/* zero window: an old sequence number the peer must ACK
		 * with its current window (Linux's tcp_xmit_probe_skb) */
		tcp_send_segment(tp, tp->snd_una - 1, 0, TH_ACK);
	}
	if (tp->persist_shift < 16)
		tp->persist_shift++;
	t = (uint64_t)tp->rto << tp->persist_shift;
	if (t < TCP_PERSIST_MIN_US)
		t = TCP_PERSIST_MIN_US;
	if (t > TCP_PERSIST_MAX_US)
		t = TCP_PERSIST_MAX_US;
	if (ring_used(&tp->tx) && tp->timer[TT_REXMT] == AE_NEVER &&
	    tp->snd_nxt == tp->snd_una)
		tcp_timer_set(tp, TT_PERSIST, tp->sk.stack->now + t * 1000);
}

/**
 * keep_expired() - keepalive: probe an idle peer, give up after keepcnt
 * @tp:		TCB
 */
static void keep_expired(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;

	if (!(tp->flags & TF_KEEPALIVE) || !TCPS_HAVEESTABLISHED(tp->state))
		return;
	if (s->now < tp->last_rcv + (uint64_t)tp->keepidle * NS_PER_SEC &&
	    !tp->keep_probes) {
		tcp_timer_keep_arm(tp);
		return;
	}
	if (tp->keep_probes >= tp->keepcnt) {
		STAT_INC(s, tcp, timeouts);
		tcp_drop(tp, ETIMEDOUT);
		return;
	}
	tp->keep_probes++;
	/* a segment the peer must ACK: SEG.SEQ = SND.UNA - 1, no data */
	tcp_send_segment(tp, tp->snd_una - 1, 0, TH_ACK);
	tcp_timer_keep_arm(tp);
}

/**
 * twomsl_expired() - TIME-WAIT over, or an orphan FIN-WAIT-2 timed out
 * @tp:		TCB
 */
static void twomsl_expired(struct tcp_sock *tp)
{
	tcp_close_tcb(tp);
}

/**
 * tcp_run_timer() - run one due timer of a TCB
 * @tp:		TCB
 * @k:		which
 */
static void tcp_run_timer(struct tcp_sock *tp, enum tcp_timer_kind k)
{
	switch (k) {
	case TT_REXMT:
		rexmt_expired(tp);
		break;
	case TT_PERSIST:
		persist_expired(tp);
		break;
	case TT_KEEP:
		keep_expired(tp);
		break;
	case TT_2MSL:
		twomsl_expired(tp);
		break;
	case TT_DELACK:
		if (tp->flags & TF_DELACK) {
			tp->flags |= TF_ACKNOW;
			tcp_output(tp);
		}
		break;
	case TT_PACE:
		tcp_output(tp);		/* BBR: the next segment is due */
		break;
	default:
		break;
	}
}

/**
 * tcp_timer() - run every due TCP timer
 * @s:		stack
 */
void tcp_timer(struct ae_stack *s)
{
	struct ae_tcp *t = s->tcp;
	struct tcp_sock *tp;
	uint32_t guard = t->heap_len * TT_NTIMERS + 64;
	int k;

	tcp_enter(s);
	while (t->heap_len && t->heap[1]->heap_key <= s->now && guard--) {
		tp = t->heap[1];
		for (k = 0; k < TT_NTIMERS; k++) {
			if (tp->timer[k] > s->now)
				continue;
			tp->timer[k] = AE_NEVER;
			tcp_run_timer(tp, k);
			if (tp->flags & TF_DEAD)
				break;
		}
		if (!(tp->flags & TF_DEAD)) {
			tcp_timer_update(tp);
			AE_ASSERT(!tcp_check_invariants(tp));
		}
	}
	/* each TCB's timers fire at most once a pass unless re-armed in
	 * the past, which none is: the cap is never reached */
	AE_ASSERT(guard != UINT32_MAX);
	tcp_leave(s);
}

/**
 * tcp_next_timeout() - the earliest TCP deadline
 * @s:		stack
 *
 * Return: absolute ns or AE_NEVER
 */
uint64_t tcp_next_timeout(const struct ae_stack *s)
{
	const struct ae_tcp *t = s->tcp;

	if (!t || !t->heap_len)
		return AE_NEVER;
	return t->heap[1]->heap_key;
}

/**
 * tcp_enter_time_wait() - start TIME-WAIT: 2MSL timer, nothing else
 * @tp:		TCB
 */
void tcp_enter_time_wait(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;
	int k;

	tcp_set_state(tp, TCPS_TIME_WAIT);
	for (k = 0; k < TT_NTIMERS; k++)
		tp->timer[k] = AE_NEVER;
	tcp_timer_set(tp, TT_2MSL, s->now +
		      (uint64_t)s->cfg.time_wait_ms * NS_PER_MS);
	tcp_maybe_free(tp);
}

/**
 * tcp_fin_wait_2_arm() - an orphan in FIN-WAIT-2 waits at most 60 s, or
 * its TCP_LINGER2 time
 * @tp:		TCB
 */
void tcp_fin_wait_2_arm(struct tcp_sock *tp)
{
	uint64_t t = tp->linger2 > 0 ? (uint64_t)tp->linger2 * NS_PER_SEC :
		     TCP_FIN_TIMEOUT_NS;

	if (tp->state == TCPS_FIN_WAIT_2 && tp->sk.closed)
		tcp_timer_set(tp, TT_2MSL, tp->sk.stack->now + t);
}
