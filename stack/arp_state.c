// SPDX-License-Identifier: MIT
/**
 * DOC: arp_state.c - the neighbour table as snapshot records (SNAP_T_ARP)
 *
 * Theory of operation: one record per entry in use: address, MAC, state,
 * requests sent, its three times relative to the clock, and (version 2)
 * the packets queued while it resolves, in order, each as its length and
 * bytes. The reader puts them in slots of its own pool (the same MTU, so
 * the same slot size: stack_load() checks it), and the entry goes on
 * resolving there: the answer sends them, a failure drops them counted, as
 * if nothing had happened. A version 1 record has no queue.
 */
#include <string.h>

#include "arp_int.h"
#include "snapshot_int.h"

#define SNAP_V_ARP	2	/* 2: the queued packets */

/**
 * arp_state_save() - one record per entry in use
 * @s:		stack
 * @w:		writer
 * @now:	the clock
 */
void arp_state_save(struct ae_stack *s, struct snap_w *w, uint64_t now)
{
	const struct ae_arp *a = s->arp;
	const struct arp_entry *e;
	int i, k;

	for (i = 0; i < ARP_ENTRIES; i++) {
		e = &s->arp->e[i];
		if (e->state == ARP_FREE)
			continue;
		snap_begin(w, SNAP_T_ARP, SNAP_V_ARP);
		snap_put_u32(w, e->ip);
		snap_put(w, e->mac, sizeof(e->mac));
		snap_put(w, &e->state, sizeof(e->state));
		snap_put(w, &e->requests, sizeof(e->requests));
		snap_put_time(w, e->timer, now);
		snap_put_time(w, e->confirmed, now);
		snap_put_time(w, e->used, now);
		snap_put_u32(w, e->nq);
		for (k = 0; k < e->nq; k++) {
			snap_put_u32(w, a->slot_len[e->q[k]]);
			snap_put(w, a->slots + a->slot_size * (size_t)e->q[k],
				 a->slot_len[e->q[k]]);
		}
		snap_end(w);
	}
}

/**
 * queue_load() - the packets a version 2 record queued on @e, into slots
 * of this stack's pool
 * @a:		the neighbour module
 * @e:		entry, empty queue
 * @r:		reader, at the count
 */
static void queue_load(struct ae_arp *a, struct arp_entry *e,
		       struct snap_r *r)
{
	uint32_t n = snap_get_u32(r), len, i;
	int k;

	if (n > ARP_QUEUE_PER_ENTRY)
		snap_fail(r);
	for (i = 0; i < n && !r->err; i++) {
		len = snap_get_u32(r);
		if (!a->nfree || len > a->slot_size) {
			snap_fail(r);
			break;
		}
		k = a->free_slots[--a->nfree];
		e->q[e->nq++] = (int16_t)k;
		a->slot_len[k] = (uint16_t)len;
		snap_get(r, a->slots + a->slot_size * (size_t)k, len);
	}
}

/**
 * queue_drop() - give an entry's slots back (a record that failed)
 * @a:		the neighbour module
 * @e:		entry
 */
static void queue_drop(struct ae_arp *a, struct arp_entry *e)
{
	while (e->nq)
		a->free_slots[a->nfree++] = e->q[--e->nq];
}

/**
 * arp_state_load() - one SNAP_T_ARP record into a free entry
 * @s:		stack
 * @r:		reader, the record current
 * @now:	the clock
 */
void arp_state_load(struct ae_stack *s, struct snap_r *r, uint64_t now)
{
	struct arp_entry *e = NULL;
	int i;

	for (i = 0; i < ARP_ENTRIES && !e; i++)
		if (s->arp->e[i].state == ARP_FREE)
			e = &s->arp->e[i];
	if (!e || (r->version != 1 && r->version != SNAP_V_ARP)) {
		snap_fail(r);	/* more entries than a table holds */
		return;
	}
	memset(e, 0, sizeof(*e));
	e->ip = snap_get_u32(r);
	snap_get(r, e->mac, sizeof(e->mac));
	snap_get(r, &e->state, sizeof(e->state));
	snap_get(r, &e->requests, sizeof(e->requests));
	e->timer = snap_get_time(r, now);
	e->confirmed = snap_get_time(r, now);
	e->used = snap_get_time(r, now);
	if (r->version >= 2 && !r->err)
		queue_load(s->arp, e, r);
	if (r->err || e->state == ARP_FREE || e->state > ARP_PROBE) {
		queue_drop(s->arp, e);
		memset(e, 0, sizeof(*e));
		snap_fail(r);
	}
}
