/* SPDX-License-Identifier: MIT */
/**
 * DOC: snapshot_int.h - what the stack's snapshot files share (snapshot.c,
 * arp_state.c, udp_state.c, tcp_state.c)
 */
#ifndef AE_SNAPSHOT_INT_H
#define AE_SNAPSHOT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"
#include "stack.h"

struct tcp_sock;

/**
 * struct snap_tcp_name - a TCB's name in the writer and the TCB made from it
 * @name:	the writer's name (its address there)
 * @tp:		the new TCB
 */
struct snap_tcp_name {
	uint64_t name;
	struct tcp_sock *tp;
};

/**
 * struct snap_tcp_child - a listener's child, named, waiting to be linked
 * @name:	its name in the writer
 * @parent:	the new listener
 * @inq:	TCP_INQ_SYN or TCP_INQ_ACCEPT
 */
struct snap_tcp_child {
	uint64_t name;
	struct tcp_sock *parent;
	uint8_t inq;
};

/**
 * struct snap_tcp_load - what a load keeps until every TCB exists
 * @names:	every TCB loaded, @n of them (@cap allocated)
 * @n:		see @names
 * @cap:	see @names
 * @kids:	every queued child, @nkids of them (@capkids allocated)
 * @nkids:	see @kids
 * @capkids:	see @kids
 */
struct snap_tcp_load {
	struct snap_tcp_name *names;
	size_t n, cap;
	struct snap_tcp_child *kids;
	size_t nkids, capkids;
};

/* ipv4.c: datagrams being reassembled */
void ipv4_state_save(struct ae_stack *s, struct snap_w *w, uint64_t now);
void ipv4_state_load(struct ae_stack *s, struct snap_r *r, uint64_t now);

/* tcp_bbr_state.c */
void bbr_state_save(struct snap_w *w, const struct tcp_sock *tp, uint64_t now);
void bbr_state_load(struct snap_r *r, struct tcp_sock *tp, uint64_t now);

/* snapshot.c */
void sock_state_save(struct snap_w *w, const struct ae_sock *sk);
void sock_state_load(struct snap_r *r, struct ae_sock *sk);

/* arp_state.c */
void arp_state_save(struct ae_stack *s, struct snap_w *w, uint64_t now);
void arp_state_load(struct ae_stack *s, struct snap_r *r, uint64_t now);

/* udp_state.c */
void udp_state_save(struct ae_stack *s, struct snap_w *w,
		    const struct snap_ops *ops);
void udp_state_load(struct ae_stack *s, struct snap_r *r,
		    const struct snap_ops *ops);

/* tcp_state.c */
int tcp_state_save(struct ae_stack *s, struct snap_w *w,
		   const struct snap_ops *ops, uint64_t now);
void tcp_state_load(struct ae_stack *s, struct snap_r *r,
		    const struct snap_ops *ops, struct snap_tcp_load *ld,
		    uint64_t now);
int tcp_state_finish(struct ae_stack *s, struct snap_r *r,
		     struct snap_tcp_load *ld);

#endif /* AE_SNAPSHOT_INT_H */
