// SPDX-License-Identifier: MIT
/**
 * DOC: arp_state.c - the neighbour table as snapshot records (SNAP_T_ARP)
 *
 * Theory of operation: one record per entry in use: address, MAC, state,
 * requests sent, and its three times relative to the clock. Frames queued
 * while an entry resolves are not carried: they are counted as queue drops
 * by the writer's table as it stops (their senders retransmit), and the
 * entry goes on resolving in the reader.
 */
#include <string.h>

#include "arp_int.h"
#include "snapshot_int.h"

#define SNAP_V_ARP	1

/**
 * arp_state_save() - one record per entry in use
 * @s:		stack
 * @w:		writer
 * @now:	the clock
 */
void arp_state_save(struct ae_stack *s, struct snap_w *w, uint64_t now)
{
	const struct arp_entry *e;
	int i;

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
		snap_end(w);
	}
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
	if (!e || r->version != SNAP_V_ARP) {
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
	if (r->err || e->state == ARP_FREE || e->state > ARP_PROBE) {
		memset(e, 0, sizeof(*e));
		snap_fail(r);
	}
}
