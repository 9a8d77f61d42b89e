// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_state.c - a TCB as a snapshot record (SNAP_T_TCP)
 *
 * Theory of operation: every field of &struct tcp_sock that is state, not
 * linkage, is written: the scalars through one X-macro list (TCB_FIELDS,
 * each copied at its own size: the record's version pins the list), the
 * times relative to the writer's clock (TCB_TIMES and the timers), the
 * rings as the owner's reference to their memory plus their indices (the
 * bytes stay where they are: in memory the owner hands over), the
 * congestion control by name. Linkage is rebuilt on load with the stack's
 * own functions: the bind and 4-tuple (or listener) tables, the timer
 * heap, the TIME-WAIT queue. A TCB is named in the string by its address
 * in the writer; a listener's record lists its SYN and accept queues by
 * those names, in order, and tcp_state_finish() links them once every TCB
 * exists (children may come before their listener).
 *
 * Every count and enum is checked against its table before use; a ring
 * whose sizes or indices do not fit its memory is refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "snapshot_int.h"
#include "tcp.h"

/* 2: each ring's base follows its tail (1, read too: base 0) */
#define SNAP_V_TCP	2

/* the scalar state of a TCB, copied at each field's own size */
#define TCB_FIELDS(X) \
	X(state) X(flags) X(user_bound) X(connect_bound) X(was_connected) \
	X(backlog) X(iss) X(snd_una) X(snd_nxt) X(snd_max) X(snd_wnd) \
	X(snd_wl1) X(snd_wl2) X(max_sndwnd) X(snd_wscale) X(irs) X(rcv_nxt) \
	X(rcv_adv) X(rcv_wscale) X(mss) X(adv_mss) X(pmtu_mss) X(ofo_fin) \
	X(rcvbuf) X(sndbuf) X(rcv_clamp) X(rcvq_space) X(rcvq_seq) X(nofo) \
	X(ofo) X(dsack) X(dsack_pending) X(rxtshift) X(persist_shift) \
	X(keep_probes) X(probes_out) X(srtt) X(rttvar) X(rto) X(rtt_seq) \
	X(ts_recent) X(last_ack_sent) X(ts_offset) X(cwnd) X(ssthresh) \
	X(recover) X(dupacks) X(bytes_acked) X(prior_cwnd) \
	X(cubic.w_max) X(cubic.w_last_max) X(cubic.k_ms) X(cubic.origin) \
	X(cubic.ack_cnt) X(cubic.tcp_cwnd) X(sacked) X(nsacked) \
	X(rexmit_nxt) X(rexmit_high) X(rexmit_seq) X(una_rexmit_seq) \
	X(una_rexmit_high) X(tlp_high) X(delack_segs) X(quickacks) \
	X(keepidle) X(keepintvl) X(keepcnt) X(user_timeout_ms) X(linger_s) \
	X(syn_retries) X(total_retrans) X(lost) X(bytes_sent) \
	X(bytes_received) X(bytes_acked_total) X(segs_in) X(segs_out) \
	X(in_twq) X(bound) X(hashed) X(listed)

/* absolute times (ns) of a TCB, written relative to the clock */
#define TCB_TIMES(X) \
	X(last_rcv) X(first_rexmt) X(rtt_start) X(defer_until) \
	X(last_oow_ack) X(ts_recent_age) X(last_send) X(rcvq_time) \
	X(cubic.epoch)

/* flags that describe linkage of the writer, not state */
#define TF_NOT_STATE	(TF_QUEUED_NOTIFY | TF_DEAD)

/**
 * ring_save() - a ring's size, indices and base
 * @w:		writer
 * @r:		ring
 */
static void ring_save(struct snap_w *w, const struct ae_ring *r)
{
	snap_put_u32(w, r->size);
	snap_put_u32(w, r->head);
	snap_put_u32(w, r->tail);
	snap_put_u32(w, r->base);
}

/**
 * ring_load() - read what ring_save() wrote, on memory @mem
 * @r:		reader
 * @ring:	filled
 * @mem:	its storage
 */
static void ring_load(struct snap_r *r, struct ae_ring *ring, uint8_t *mem)
{
	ring->mem = mem;
	ring->size = snap_get_u32(r);
	ring->head = snap_get_u32(r);
	ring->tail = snap_get_u32(r);
	ring->base = r->version >= 2 ? snap_get_u32(r) : 0;
	if (ring->size & (ring->size - 1) || ring->tail - ring->head > ring->size)
		snap_fail(r);
}

/**
 * queue_save() - the names of a listener's children, in queue order
 * @w:		writer
 * @q:		the queue
 * @n:		its length
 */
static void queue_save(struct snap_w *w, struct tcp_queue *q, uint32_t n)
{
	struct tcp_sock *c;

	snap_put_u32(w, n);
	TAILQ_FOREACH(c, q, qentry)
		snap_put_u64(w, (uint64_t)(uintptr_t)c);
}

/**
 * tcb_save() - one SNAP_T_TCP record
 * @w:		writer
 * @tp:		TCB
 * @ops:	the owner's hooks
 * @now:	the clock
 */
static void tcb_save(struct snap_w *w, struct tcp_sock *tp,
		     const struct snap_ops *ops, uint64_t now)
{
	uint32_t flags = tp->flags;
	char cc[16] = "";
	int k;

	snap_begin(w, SNAP_T_TCP, SNAP_V_TCP);
	snap_put_u64(w, (uint64_t)(uintptr_t)tp);
	snap_put_u32(w, ops->sock_tag(ops->ctx, &tp->sk));
	sock_state_save(w, &tp->sk);
	tp->flags &= ~TF_NOT_STATE;
#define X(f) snap_put(w, &tp->f, sizeof(tp->f));
	TCB_FIELDS(X)
#undef X
	tp->flags = flags;
#define X(f) snap_put_time(w, tp->f, now);
	TCB_TIMES(X)
#undef X
	for (k = 0; k < TT_NTIMERS; k++)
		snap_put_time(w, tp->timer[k], now);
	snprintf(cc, sizeof(cc), "%s", tp->cc->name);
	snap_put(w, cc, sizeof(cc));
	snap_put_u32(w, tp->bufmem ? ops->ring_ref(ops->ctx, tp->bufmem) : 0);
	snap_put_u64(w, tp->buflen);
	ring_save(w, &tp->rx);
	ring_save(w, &tp->tx);
	queue_save(w, &tp->synq, tp->synq_len);
	queue_save(w, &tp->acceptq, tp->acceptq_len);
	snap_end(w);
	bbr_state_save(w, tp, now);
}

/**
 * tcp_state_save() - every live TCB
 * @s:		stack
 * @w:		writer
 * @ops:	the owner's hooks
 * @now:	the clock
 *
 * Return: 0, or -EOPNOTSUPP when a ring's owner cannot name its memory
 */
int tcp_state_save(struct ae_stack *s, struct snap_w *w,
		   const struct snap_ops *ops, uint64_t now)
{
	struct ae_sock *sk;
	struct tcp_sock *tp;

	LIST_FOREACH(sk, &s->sockets, entry) {
		if (sk->type != SOCK_STREAM)
			continue;
		tp = tcp_sk(sk);
		if (tp->flags & TF_DEAD)
			continue;	/* freed at the next tcp_leave() */
		if (tp->bufmem && !ops->ring_ref(ops->ctx, tp->bufmem))
			return -EOPNOTSUPP;
		tcb_save(w, tp, ops, now);
	}
	return 0;
}

/**
 * tcb_check() - are the values read possible at all?
 * @tp:		TCB as read
 *
 * Return: true if they are
 */
static bool tcb_check(const struct tcp_sock *tp)
{
	return tp->state < TCPS_NSTATES && tp->nofo <= TCP_OFO_MAX &&
	       tp->nsacked <= TCP_SACK_MAX &&
	       tp->snd_wscale <= TCP_MAX_WINSHIFT &&
	       tp->rcv_wscale <= TCP_MAX_WINSHIFT && tp->mss &&
	       (!tp->in_twq || tp->state == TCPS_TIME_WAIT) &&
	       (!tp->listed || tp->state == TCPS_LISTEN);
}

/**
 * cc_load() - the congestion control named in the record
 * @r:		reader
 * @tp:		TCB
 */
static void cc_load(struct snap_r *r, struct tcp_sock *tp)
{
	char cc[16];

	snap_get(r, cc, sizeof(cc));
	cc[sizeof(cc) - 1] = '\0';
	if (tcp_cc_select(tp, cc, strnlen(cc, sizeof(cc))))
		snap_fail(r);
}

/**
 * rings_load() - the TCB's rings on the memory the owner hands over
 * @r:		reader
 * @tp:		TCB
 * @ops:	the owner's hooks
 */
static void rings_load(struct snap_r *r, struct tcp_sock *tp,
		       const struct snap_ops *ops)
{
	uint32_t ref = snap_get_u32(r);
	uint64_t len = snap_get_u64(r);
	uint8_t *mem = NULL;

	if (ref) {
		mem = ops->ring_mem(ops->ctx, ref, (size_t)len);
		if (!mem)
			snap_fail(r);
	}
	ring_load(r, &tp->rx, mem);
	ring_load(r, &tp->tx, mem ? mem + tp->rx.size : NULL);
	if (r->err || (uint64_t)tp->rx.size + tp->tx.size != (mem ? len : 0))
		snap_fail(r);
	tp->bufmem = mem;
	tp->buflen = mem ? (size_t)len : 0;
}

/**
 * room() - room for one more element in a growing array
 * @r:		reader (fails without memory)
 * @v:		the array
 * @cap:	its capacity, updated
 * @n:		elements in it
 * @size:	element size
 *
 * Return: 0, or -ENOMEM
 */
static int room(struct snap_r *r, void **v, size_t *cap, size_t n,
		size_t size)
{
	size_t c = *cap ? 2 * *cap : 64;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*v, c * size);
	if (!p) {
		snap_fail(r);
		return -ENOMEM;
	}
	*v = p;
	*cap = c;
	return 0;
}

/**
 * queue_load() - remember a listener's children by name, for
 * tcp_state_finish()
 * @r:		reader
 * @ld:		what the load keeps
 * @lp:		the listener
 * @inq:	TCP_INQ_SYN or TCP_INQ_ACCEPT
 */
static void queue_load(struct snap_r *r, struct snap_tcp_load *ld,
		       struct tcp_sock *lp, uint8_t inq)
{
	uint32_t n = snap_get_u32(r), i;

	if (n > r->rec_len / sizeof(uint64_t))
		snap_fail(r);
	for (i = 0; i < n && !r->err; i++) {
		struct snap_tcp_child *c;

		if (room(r, (void **)&ld->kids, &ld->capkids, ld->nkids,
			 sizeof(*ld->kids)))
			return;
		c = &ld->kids[ld->nkids++];
		c->name = snap_get_u64(r);
		c->parent = lp;
		c->inq = inq;
	}
}

/**
 * name_add() - remember which TCB had name @name in the writer
 * @r:		reader
 * @ld:		what the load keeps
 * @name:	the writer's name
 * @tp:		the TCB made from it
 */
static void name_add(struct snap_r *r, struct snap_tcp_load *ld,
		     uint64_t name, struct tcp_sock *tp)
{
	if (room(r, (void **)&ld->names, &ld->cap, ld->n, sizeof(*ld->names)))
		return;
	ld->names[ld->n].name = name;
	ld->names[ld->n++].tp = tp;
}

/**
 * tcb_link() - put a loaded TCB in the tables its state says it was in
 * @s:		stack
 * @tp:		TCB, fields loaded; @bound/@hashed/@listed/@in_twq as the
 *		writer had them (cleared here, set again by the insertions)
 */
static void tcb_link(struct ae_stack *s, struct tcp_sock *tp)
{
	bool bound = tp->bound, hashed = tp->hashed || tp->listed;
	bool twq = tp->in_twq;
	uint64_t timer[TT_NTIMERS];
	int k;

	tp->bound = tp->hashed = tp->listed = tp->in_twq = false;
	if (bound)
		tcp_bind_inherit(s, tp);
	if (hashed)
		tcp_hash_insert(s, tp);
	if (twq) {
		TAILQ_INSERT_TAIL(&s->tcp->twq, tp, twentry);
		tp->in_twq = true;
	}
	memcpy(timer, tp->timer, sizeof(timer));
	for (k = 0; k < TT_NTIMERS; k++)
		if (timer[k] != AE_NEVER)
			tcp_timer_set(tp, (enum tcp_timer_kind)k, timer[k]);
}

/**
 * tcp_state_load() - one SNAP_T_TCP record into a new TCB
 * @s:		stack
 * @r:		reader, the record current
 * @ops:	the owner's hooks
 * @ld:		what the load keeps until tcp_state_finish()
 * @now:	the clock
 */
void tcp_state_load(struct ae_stack *s, struct snap_r *r,
		    const struct snap_ops *ops, struct snap_tcp_load *ld,
		    uint64_t now)
{
	struct tcp_sock *tp;
	uint64_t name;
	uint32_t tag;
	int k;

	if (r->version != SNAP_V_TCP && r->version != 1) {
		snap_fail(r);
		return;
	}
	tp = tcp_alloc(s);
	if (!tp) {
		snap_fail(r);
		return;
	}
	name = snap_get_u64(r);
	tag = snap_get_u32(r);
	sock_state_load(r, &tp->sk);
#define X(f) snap_get(r, &tp->f, sizeof(tp->f));
	TCB_FIELDS(X)
#undef X
#define X(f) tp->f = snap_get_time(r, now);
	TCB_TIMES(X)
#undef X
	for (k = 0; k < TT_NTIMERS; k++)
		tp->timer[k] = snap_get_time(r, now);
	cc_load(r, tp);
	rings_load(r, tp, ops);
	queue_load(r, ld, tp, TCP_INQ_SYN);
	queue_load(r, ld, tp, TCP_INQ_ACCEPT);
	name_add(r, ld, name, tp);
	if (tp->bbr && !r->err)
		bbr_state_load(r, tp, now);	/* its model follows */
	if (r->err || !tcb_check(tp)) {
		snap_fail(r);
		tp->bound = tp->hashed = tp->listed = tp->in_twq = false;
		for (k = 0; k < TT_NTIMERS; k++)
			tp->timer[k] = AE_NEVER;
		return;	/* freed with the stack */
	}
	tcb_link(s, tp);
	if (tag && ops->sock_attach(ops->ctx, tag, &tp->sk))
		snap_fail(r);
}

/**
 * name_cmp() - order names for bsearch()
 * @a:		a &struct snap_tcp_name
 * @b:		another
 *
 * Return: <0, 0, >0
 */
static int name_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct snap_tcp_name *)a)->name;
	uint64_t y = ((const struct snap_tcp_name *)b)->name;

	return x < y ? -1 : x > y;
}

/**
 * tcp_state_finish() - link every listener's children into its queues,
 * in their order, then forget the names
 * @s:		stack
 * @r:		reader (its error, or a child named twice or never: -EBADMSG)
 * @ld:		what the load kept (freed)
 *
 * Return: 0 or -EBADMSG
 */
int tcp_state_finish(struct ae_stack *s, struct snap_r *r,
		     struct snap_tcp_load *ld)
{
	size_t i;

	(void)s;
	if (ld->n)
		qsort(ld->names, ld->n, sizeof(*ld->names), name_cmp);
	for (i = 0; i < ld->nkids && !r->err; i++) {
		struct snap_tcp_name key = { .name = ld->kids[i].name }, *f;
		struct tcp_sock *lp = ld->kids[i].parent, *tp;

		f = bsearch(&key, ld->names, ld->n, sizeof(*ld->names),
			    name_cmp);
		if (!f || f->tp->parent || f->tp == lp) {
			snap_fail(r);
			break;
		}
		tp = f->tp;
		tp->parent = lp;
		tp->inq = ld->kids[i].inq;
		if (tp->inq == TCP_INQ_SYN) {
			TAILQ_INSERT_TAIL(&lp->synq, tp, qentry);
			lp->synq_len++;
		} else {
			TAILQ_INSERT_TAIL(&lp->acceptq, tp, qentry);
			lp->acceptq_len++;
		}
	}
	free(ld->names);
	free(ld->kids);
	memset(ld, 0, sizeof(*ld));
	return r->err;
}
