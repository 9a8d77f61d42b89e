/* SPDX-License-Identifier: MIT */
/**
 * DOC: arp_int.h - the neighbour table, shared by arp.c and its snapshot (arp_state.c)
 */
#ifndef AE_ARP_INT_H
#define AE_ARP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "stack.h"

#define ARP_ENTRIES		256
/*
 * 48 frames per neighbour: a 64 KiB UDP datagram or an 8000-byte ping reply
 * leaves as up to 45 fragments at once, and losing any loses it all.
 * ARP_QUEUE_BYTES bound the whole queue, about Linux's unres_qlen_bytes:
 * slots of one MTU each, so 128 slots at MTU 1500 and 2 at MTU 65520 (where
 * a 64 KiB datagram is one packet).
 */
#define ARP_QUEUE_PER_ENTRY	48
#define ARP_QUEUE_SLOTS		128
#define ARP_QUEUE_BYTES		(128 * 1500)
#define ARP_MAX_REQUESTS	3
#define ARP_RETRY_MS		1000
#define ARP_REACHABLE_MS	60000
#define ARP_DEFEND_MS		10000

enum arp_state {
	ARP_FREE = 0,
	ARP_INCOMPLETE,
	ARP_REACHABLE,
	ARP_PROBE,
};

/**
 * struct arp_entry - one neighbour
 * @ip:		its address, network order
 * @mac:	its MAC (valid in REACHABLE and PROBE)
 * @state:	enum arp_state
 * @requests:	requests sent in the current resolution
 * @nq:		frames queued, their slots in @q
 * @timer:	next event (retry, or expiry for REACHABLE)
 * @confirmed:	when the MAC was last confirmed (for eviction)
 * @used:	when output last used the entry
 */
struct arp_entry {
	uint32_t ip;
	uint8_t mac[ETH_ALEN_];
	uint8_t state;
	uint8_t requests;
	uint8_t nq;
	int16_t q[ARP_QUEUE_PER_ENTRY];
	uint64_t timer;
	uint64_t confirmed;
	uint64_t used;
};

/**
 * struct ae_arp - module state
 * @e:		the table
 * @slots:	queue storage: @nslots slots of @slot_size bytes (one MTU),
 *		each a queued IPv4 packet (IP header onward) of @slot_len bytes
 * @free_slots:	stack of free slot indices, @nfree of them
 * @last:	index of the last entry found (fast path)
 * @defended:	when we last defended our address
 */
struct ae_arp {
	struct arp_entry e[ARP_ENTRIES];
	uint8_t *slots;
	size_t slot_size;
	int nslots;
	uint16_t slot_len[ARP_QUEUE_SLOTS];
	int16_t free_slots[ARP_QUEUE_SLOTS];
	int nfree;
	int last;
	uint64_t defended;
};

#endif /* AE_ARP_INT_H */
