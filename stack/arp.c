// SPDX-License-Identifier: MIT
/**
 * DOC: arp.c - Address Resolution Protocol (RFC 826) for IPv4 over Ethernet
 *
 * Theory of operation: a fixed table of ARP_ENTRIES entries, each FREE,
 * INCOMPLETE (we asked and wait), REACHABLE (confirmed, until @expires) or
 * PROBE (expired while in use: still used for output while we re-ask).
 *
 * Output: arp_output() sends a frame to the next hop's MAC when known.
 * Otherwise it creates an INCOMPLETE entry, broadcasts a request and copies
 * the frame into one of the slots preallocated in arp_init() (ARP_QUEUE_BYTES
 * of them, one MTU each, at most ARP_QUEUE_SLOTS), at
 * most ARP_QUEUE_PER_ENTRY per entry; beyond that the frame is dropped
 * (queue_drops). The request is sent again every second; after
 * ARP_MAX_REQUESTS requests without an answer (3 s, Linux's mcast_solicit
 * and retrans_time) the entry is freed and its queued frames dropped
 * (resolve_failed, one per frame), each reported to its sender as a host
 * unreachable (icmp_local_error(), Linux's arp_error_report()): a connect()
 * in SYN-SENT fails with EHOSTUNREACH instead of retrying for minutes.
 *
 * Input follows RFC 826's algorithm: if the sender is in the table its MAC
 * is updated (the merge flag); if the target is us, an unknown sender is
 * added, and a request is answered. Expiry: REACHABLE entries last
 * ARP_REACHABLE_MS; an entry used since it was confirmed is re-probed
 * instead of forgotten. When the table is full the least recently confirmed
 * entry is evicted (cache_full).
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "stack.h"
#include "arp_int.h"

static const uint8_t arp_bcast[ETH_ALEN_] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/**
 * arp_init() - allocate the table and the queue slots
 * @s:		stack
 *
 * Return: 0 or -ENOMEM
 */
int arp_init(struct ae_stack *s)
{
	struct ae_arp *a = stack_mem_alloc(s, sizeof(*a));
	int i;

	if (!a)
		return -ENOMEM;
	a->slot_size = s->cfg.mtu;
	a->nslots = (int)(ARP_QUEUE_BYTES / a->slot_size);
	if (a->nslots > ARP_QUEUE_SLOTS)
		a->nslots = ARP_QUEUE_SLOTS;
	if (a->nslots < 2)
		a->nslots = 2;
	a->slots = stack_mem_alloc(s, a->slot_size * (size_t)a->nslots);
	if (!a->slots) {
		stack_mem_free(s, a, sizeof(*a));
		return -ENOMEM;
	}
	for (i = 0; i < a->nslots; i++)
		a->free_slots[i] = (int16_t)i;
	a->nfree = a->nslots;
	s->arp = a;
	return 0;
}

/**
 * arp_fini() - free the module state (queued frames are dropped silently)
 * @s:		stack
 */
void arp_fini(struct ae_stack *s)
{
	struct ae_arp *a = s->arp;

	if (!a)
		return;
	stack_mem_free(s, a->slots, a->slot_size * (size_t)a->nslots);
	stack_mem_free(s, a, sizeof(*a));
	s->arp = NULL;
}

/**
 * arp_find() - the entry for @ip
 * @a:		module state
 * @ip:		address, network order
 *
 * Return: entry or NULL
 */
static struct arp_entry *arp_find(struct ae_arp *a, uint32_t ip)
{
	int i;

	if (a->e[a->last].state != ARP_FREE && a->e[a->last].ip == ip)
		return &a->e[a->last];
	for (i = 0; i < ARP_ENTRIES; i++) {
		if (a->e[i].state != ARP_FREE && a->e[i].ip == ip) {
			a->last = i;
			return &a->e[i];
		}
	}
	return NULL;
}

/**
 * arp_drop_queue() - release an entry's queued frames, counting them
 * @s:		stack
 * @e:		entry
 * @failed:	count into resolve_failed (true) or queue_drops (false)
 */
static void arp_drop_queue(struct ae_stack *s, struct arp_entry *e, bool failed)
{
	struct ae_arp *a = s->arp;
	int i;

	for (i = 0; i < e->nq; i++) {
		a->free_slots[a->nfree++] = e->q[i];
		if (failed)
			STAT_INC(s, arp, resolve_failed);
		else
			STAT_INC(s, arp, queue_drops);
	}
	e->nq = 0;
}

/**
 * arp_free_entry() - forget an entry
 * @s:		stack
 * @e:		entry
 * @failed:	why its queue is dropped (see arp_drop_queue())
 */
static void arp_free_entry(struct ae_stack *s, struct arp_entry *e, bool failed)
{
	arp_drop_queue(s, e, failed);
	memset(e, 0, sizeof(*e));
}

/**
 * arp_alloc() - a free entry for @ip, evicting the stalest if full
 * @s:		stack
 * @ip:		address, network order
 *
 * Return: the entry, zeroed but for @ip
 */
static struct arp_entry *arp_alloc(struct ae_stack *s, uint32_t ip)
{
	struct ae_arp *a = s->arp;
	struct arp_entry *victim = NULL, *e;
	int i;

	for (i = 0; i < ARP_ENTRIES; i++) {
		e = &a->e[i];
		if (e->state == ARP_FREE) {
			victim = e;
			break;
		}
		/* Prefer evicting resolved entries, then the oldest. */
		if (!victim ||
		    (victim->state == ARP_INCOMPLETE && e->state != ARP_INCOMPLETE) ||
		    ((victim->state == ARP_INCOMPLETE) == (e->state == ARP_INCOMPLETE) &&
		     e->confirmed < victim->confirmed))
			victim = e;
	}
	if (victim->state != ARP_FREE) {
		STAT_INC(s, arp, cache_full);
		arp_free_entry(s, victim, false);
	}
	victim->ip = ip;
	return victim;
}

/**
 * arp_send() - emit an ARP packet
 * @s:		stack
 * @op:		ARP_OP_REQUEST or ARP_OP_REPLY
 * @eth_dst:	Ethernet destination
 * @tha:	target hardware address field
 * @tpa:	target protocol address, network order
 *
 * A request may be sent from inside TCP's output (arp_output() for a
 * neighbour not yet resolved), while s->tx_off holds the offload request of
 * the TCP segment: the ARP frame is complete and must not carry it (the
 * TAP refuses a header longer than the frame, EINVAL).
 */
static void arp_send(struct ae_stack *s, uint16_t op, const uint8_t *eth_dst,
		     const uint8_t *tha, uint32_t tpa)
{
	const struct ae_tx_offload *tx_off = s->tx_off;
	uint8_t b[ARP_LEN];
	struct iovec v = { .iov_base = b, .iov_len = sizeof(b) };
	int ret;

	st16(b + ARP_F_HRD, ARP_HRD_ETHER);
	st16(b + ARP_F_PRO, ETH_P_IP_);
	b[ARP_F_HLN] = ETH_ALEN_;
	b[ARP_F_PLN] = ARP_PLEN_IPV4;
	st16(b + ARP_F_OP, op);
	memcpy(b + ARP_F_SHA, s->cfg.mac, ETH_ALEN_);
	memcpy(b + ARP_F_SPA, &s->cfg.addr, 4);
	memcpy(b + ARP_F_THA, tha, ETH_ALEN_);
	memcpy(b + ARP_F_TPA, &tpa, 4);
	s->tx_off = NULL;
	ret = eth_output(s, eth_dst, ETH_P_ARP_, &v, 1);
	s->tx_off = tx_off;
	if (ret)
		return;
	if (op == ARP_OP_REQUEST)
		STAT_INC(s, arp, out_requests);
	else
		STAT_INC(s, arp, out_replies);
}

/**
 * arp_request() - broadcast a request for @ip and arm the retry timer
 * @s:		stack
 * @e:		entry being resolved
 */
static void arp_request(struct ae_stack *s, struct arp_entry *e)
{
	static const uint8_t zero[ETH_ALEN_];

	arp_send(s, ARP_OP_REQUEST, arp_bcast, zero, e->ip);
	e->requests++;
	e->timer = s->now + ARP_RETRY_MS * NS_PER_MS;
}

/**
 * arp_flush() - send an entry's queued frames now that its MAC is known
 * @s:		stack
 * @e:		entry, REACHABLE
 */
static void arp_flush(struct ae_stack *s, struct arp_entry *e)
{
	struct ae_arp *a = s->arp;
	struct iovec v;
	int i;

	for (i = 0; i < e->nq; i++) {
		v.iov_base = a->slots + a->slot_size * (size_t)e->q[i];
		v.iov_len = a->slot_len[e->q[i]];
		eth_output(s, e->mac, ETH_P_IP_, &v, 1);
		a->free_slots[a->nfree++] = e->q[i];
	}
	e->nq = 0;
}

/**
 * arp_confirm() - record @mac for an entry and make it REACHABLE
 * @s:		stack
 * @e:		entry
 * @mac:	sender hardware address
 */
static void arp_confirm(struct ae_stack *s, struct arp_entry *e,
			const uint8_t *mac)
{
	memcpy(e->mac, mac, ETH_ALEN_);
	e->state = ARP_REACHABLE;
	e->requests = 0;
	e->confirmed = s->now;
	e->timer = s->now + ARP_REACHABLE_MS * NS_PER_MS;
	arp_flush(s, e);
}

/**
 * arp_sender_ok() - may we learn from this sender?
 * @s:		stack
 * @sha:	sender hardware address
 * @spa:	sender protocol address, network order
 *
 * Return: false for probes (0.0.0.0), our own address, broadcast or
 * multicast senders
 */
static bool arp_sender_ok(const struct ae_stack *s, const uint8_t *sha,
			  uint32_t spa)
{
	uint32_t h = ntohl(spa);

	if (!spa || spa == s->cfg.addr || h == 0xffffffff || (h >> 28) == 14)
		return false;
	return !(sha[0] & 1);	/* group MACs are never a host's */
}

/**
 * arp_defend() - answer a host claiming our address (RFC 5227 2.4 (b))
 * @s:		stack
 *
 * One gratuitous ARP per ARP_DEFEND_MS, so two hosts cannot ping-pong.
 */
static void arp_defend(struct ae_stack *s)
{
	struct ae_arp *a = s->arp;

	if (a->defended && s->now - a->defended < ARP_DEFEND_MS * NS_PER_MS)
		return;
	a->defended = s->now;
	arp_announce(s);
}

/**
 * arp_input() - handle a received ARP packet (RFC 826 "Packet Reception")
 * @s:		stack
 * @p:		the Ethernet payload
 */
void arp_input(struct ae_stack *s, const struct ae_pkt *p)
{
	const uint8_t *b = pkt_get(p, 0, ARP_LEN);
	struct arp_entry *e;
	uint32_t spa, tpa;
	bool merge = false;
	uint16_t op;

	if (!b || ld16(b + ARP_F_HRD) != ARP_HRD_ETHER ||
	    ld16(b + ARP_F_PRO) != ETH_P_IP_ || b[ARP_F_HLN] != ETH_ALEN_ ||
	    b[ARP_F_PLN] != ARP_PLEN_IPV4) {
		STAT_INC(s, arp, in_malformed);
		return;
	}
	op = ld16(b + ARP_F_OP);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
		STAT_INC(s, arp, in_malformed);
		return;
	}
	if (b[ARP_F_SHA] & 1) {	/* a group sender MAC: forged */
		STAT_INC(s, arp, in_malformed);
		return;
	}
	memcpy(&spa, b + ARP_F_SPA, 4);
	memcpy(&tpa, b + ARP_F_TPA, 4);
	if (op == ARP_OP_REQUEST)
		STAT_INC(s, arp, in_requests);
	else
		STAT_INC(s, arp, in_replies);
	/* our own, looped */
	if (!memcmp(b + ARP_F_SHA, s->cfg.mac, ETH_ALEN_)) {
		STAT_INC(s, arp, in_not_for_us);
		return;
	}
	if (spa == s->cfg.addr) {
		STAT_INC(s, arp, in_conflicts);
		arp_defend(s);
		return;
	}

	/* RFC 826: update the sender if we know it, whoever was asked. */
	if (arp_sender_ok(s, b + ARP_F_SHA, spa)) {
		e = arp_find(s->arp, spa);
		if (e) {
			arp_confirm(s, e, b + ARP_F_SHA);
			merge = true;
		}
	}
	if (tpa != s->cfg.addr) {
		STAT_INC(s, arp, in_not_for_us);
		return;
	}
	if (!merge && arp_sender_ok(s, b + ARP_F_SHA, spa))
		arp_confirm(s, arp_alloc(s, spa), b + ARP_F_SHA);
	if (op == ARP_OP_REQUEST)
		arp_send(s, ARP_OP_REPLY, b + ARP_F_SHA, b + ARP_F_SHA, spa);
}

/**
 * arp_csum_finish() - complete in software the checksum a queued frame left
 * to the device (it is sent later, by arp_flush(), as a complete frame)
 * @pkt:	the queued IP packet
 * @len:	its length
 * @off:	the frame's offload request (offsets from the Ethernet header)
 */
static void arp_csum_finish(uint8_t *pkt, size_t len,
			    const struct ae_tx_offload *off)
{
	size_t start = (size_t)off->csum_start - ETH_HLEN_;

	if (off->csum_start < ETH_HLEN_ || start + off->csum_offset + 2 > len)
		return;		/* (never: TCP sets them inside its header) */
	/* the field holds the pseudo-header sum: summing over it completes it */
	st16(pkt + start + off->csum_offset,
	     csum_fold(csum_partial(pkt + start, len - start, 0)));
}

/**
 * arp_enqueue() - copy a packet into a free slot of entry @e
 * @s:		stack
 * @e:		INCOMPLETE entry
 * @iov:	the IPv4 packet
 * @iovcnt:	parts
 *
 * A TSO super-frame is not queued (it would not fit a slot): dropped and
 * counted like a full queue; TCP sends it again.
 *
 * Return: 0, or -ENOBUFS when the entry or the pool is full (counted)
 */
static int arp_enqueue(struct ae_stack *s, struct arp_entry *e,
		       const struct iovec *iov, int iovcnt)
{
	struct ae_arp *a = s->arp;
	size_t len = 0, off = 0;
	uint8_t *pkt;
	int i, k;

	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (e->nq >= ARP_QUEUE_PER_ENTRY || !a->nfree ||
	    len > a->slot_size || (s->tx_off && s->tx_off->gso_size)) {
		STAT_INC(s, arp, queue_drops);
		return -ENOBUFS;
	}
	k = a->free_slots[--a->nfree];
	e->q[e->nq++] = (int16_t)k;
	pkt = a->slots + a->slot_size * (size_t)k;
	for (i = 0; i < iovcnt; i++) {
		memcpy(pkt + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	a->slot_len[k] = (uint16_t)len;
	if (s->tx_off)
		arp_csum_finish(pkt, len, s->tx_off);
	return 0;
}

/**
 * arp_mcast_mac() - the Ethernet group address of an IPv4 multicast group
 * @ip:		group, network order
 * @mac:	filled: 01:00:5e + low 23 bits (RFC 1112 section 6.4)
 */
static void arp_mcast_mac(uint32_t ip, uint8_t *mac)
{
	uint32_t h = ntohl(ip);

	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = (h >> 16) & 0x7f;
	mac[4] = (h >> 8) & 0xff;
	mac[5] = h & 0xff;
}

/**
 * arp_output() - send an IPv4 packet to @nexthop, resolving it if needed
 * @s:		stack
 * @nexthop:	next hop (network order): the destination or the gateway
 * @iov:	the IPv4 packet (header first), not kept after return
 * @iovcnt:	parts
 *
 * Return: 0 when sent or queued, negative errno when dropped
 */
int arp_output(struct ae_stack *s, uint32_t nexthop, const struct iovec *iov,
	       int iovcnt)
{
	struct arp_entry *e;
	uint8_t mac[ETH_ALEN_];

	if (ipv4_is_bcast(s, nexthop))
		return eth_output(s, arp_bcast, ETH_P_IP_, iov, iovcnt);
	if ((ntohl(nexthop) >> 28) == 14) {
		arp_mcast_mac(nexthop, mac);
		return eth_output(s, mac, ETH_P_IP_, iov, iovcnt);
	}
	e = arp_find(s->arp, nexthop);
	if (e && e->state != ARP_INCOMPLETE) {
		e->used = s->now;
		return eth_output(s, e->mac, ETH_P_IP_, iov, iovcnt);
	}
	if (!e) {
		e = arp_alloc(s, nexthop);
		e->state = ARP_INCOMPLETE;
		e->confirmed = s->now;
		arp_request(s, e);
	}
	return arp_enqueue(s, e, iov, iovcnt);
}

/**
 * arp_announce() - broadcast a gratuitous ARP request for our address
 * @s:		stack
 *
 * Sender and target protocol address are both ours (RFC 5227 section 3).
 */
void arp_announce(struct ae_stack *s)
{
	static const uint8_t zero[ETH_ALEN_];

	arp_send(s, ARP_OP_REQUEST, arp_bcast, zero, s->cfg.addr);
}

/**
 * arp_fail() - resolution failed: free the entry, then report each frame
 * it held as unreachable and give its slot back
 * @s:		stack
 * @e:		entry (INCOMPLETE or PROBE) out of requests
 *
 * The entry is freed first and the slots returned only after the reports,
 * so whatever a transport sends from its report (a new resolution of the
 * same address included) finds a consistent table and cannot overwrite a
 * frame not yet reported.
 */
static void arp_fail(struct ae_stack *s, struct arp_entry *e)
{
	int16_t q[ARP_QUEUE_PER_ENTRY];
	struct ae_arp *a = s->arp;
	struct ae_pkt p;
	int i, n = e->nq;

	memcpy(q, e->q, sizeof(q[0]) * (size_t)n);
	memset(e, 0, sizeof(*e));
	for (i = 0; i < n; i++) {
		STAT_INC(s, arp, resolve_failed);
		p.data = a->slots + a->slot_size * (size_t)q[i];
		p.len = a->slot_len[q[i]];
		icmp_local_error(s, ICMP_DEST_UNREACH_, ICMP_HOST_UNREACH_, &p);
	}
	for (i = 0; i < n; i++)
		a->free_slots[a->nfree++] = q[i];
}

/**
 * arp_entry_timer() - run one entry's due event
 * @s:		stack
 * @e:		entry whose timer expired
 */
static void arp_entry_timer(struct ae_stack *s, struct arp_entry *e)
{
	switch (e->state) {
	case ARP_REACHABLE:
		/* In use since confirmed: ask again, keep using it meanwhile. */
		if (e->used > e->confirmed) {
			e->state = ARP_PROBE;
			e->requests = 0;
			arp_request(s, e);
		} else {
			arp_free_entry(s, e, false);
		}
		break;
	case ARP_INCOMPLETE:
	case ARP_PROBE:
		if (e->requests >= ARP_MAX_REQUESTS)
			arp_fail(s, e);
		else
			arp_request(s, e);
		break;
	default:
		break;
	}
}

/**
 * arp_timer() - retries, expiry
 * @s:		stack
 */
void arp_timer(struct ae_stack *s)
{
	struct arp_entry *e;
	int i;

	for (i = 0; i < ARP_ENTRIES; i++) {
		e = &s->arp->e[i];
		if (e->state != ARP_FREE && e->timer <= s->now)
			arp_entry_timer(s, e);
	}
}

/**
 * arp_next_timeout() - earliest ARP event
 * @s:		stack
 *
 * Return: absolute time (ns) or AE_NEVER
 */
uint64_t arp_next_timeout(const struct ae_stack *s)
{
	uint64_t t = AE_NEVER;
	int i;

	for (i = 0; i < ARP_ENTRIES; i++) {
		if (s->arp->e[i].state != ARP_FREE && s->arp->e[i].timer < t)
			t = s->arp->e[i].timer;
	}
	return t;
}
