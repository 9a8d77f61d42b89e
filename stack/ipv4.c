// SPDX-License-Identifier: MIT
/**
 * DOC: ipv4.c - IPv4 input checks, reassembly, output and fragmentation
 *
 * Theory of operation, input: ipv4_input() checks the header in the order
 * RFC 1122 section 3.2.1 lists (version, header length, total length against
 * the real frame, which may carry Ethernet padding, checksum, TTL, source and
 * destination addresses), trims the view to the total length and either
 * delivers it or hands a fragment to reassembly. Options are skipped: they
 * lie inside the header length, which is all we need to know.
 *
 * Reassembly keeps IPFRAG_SLOTS datagrams at once, each in a preallocated
 * buffer large enough for the largest datagram, so memory is bounded and no
 * packet allocates. Instead of RFC 815's hole list, which needs descriptors
 * stored in the holes, each slot keeps a bitmap of the 8-byte blocks it has
 * received; that answers the same question (is anything missing?) and also
 * detects overlaps exactly. A fragment entirely inside what we have is a
 * duplicate and is dropped alone (reasm_dups); one that partly overlaps
 * makes the whole datagram untrustworthy, and it is dropped
 * (reasm_overlaps), as Linux does since the FragmentSmack fixes and RFC 5722
 * requires for IPv6. A datagram not complete IPFRAG_TIMEOUT_MS after its
 * first fragment is dropped (reasm_timeouts).
 *
 * Output: ipv4_output() builds the 20-byte header in a local buffer. DF is
 * set for TCP (path MTU discovery, as Linux does); a datagram larger than
 * the MTU is split into fragments whose payload slices point into the
 * caller's iovec, so nothing is copied before arp_output().
 *
 * Loopback: a datagram to a local address (127.0.0.0/8 or ours, see
 * stack_is_local()) never reaches ARP or the wire; it goes to the loopback
 * queue (loopback.c), which later feeds it to ipv4_input_local(): the same
 * checks and reassembly, without the address checks meant for the wire.
 * From the wire, a destination in 127.0.0.0/8 is a martian and dropped
 * (in_addr_errors), as Linux does.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "snapshot.h"
#include "snapshot_int.h"
#include "stack.h"


#define IPFRAG_SLOTS		8
#define IPFRAG_TIMEOUT_MS	30000
#define IPFRAG_HDRMAX		60
#define IPFRAG_BLOCKS		(65536 / 8)
#define IPFRAG_BUFLEN		(IPFRAG_HDRMAX + 65536)
#define IPV4_MAX_IOV		12

/**
 * struct ipfrag_slot - one datagram being reassembled
 * @used:	slot in use
 * @src, @dst:	addresses, network order
 * @id:		identification, host order
 * @proto:	protocol
 * @expires:	drop time
 * @have_first:	the offset-0 fragment arrived; its header is in @buf
 * @hlen:	its header length
 * @total:	payload length, known once the last fragment (MF=0) arrived
 * @received:	payload bytes received
 * @bits:	received 8-byte blocks
 * @buf:	header at [IPFRAG_HDRMAX - hlen], payload from IPFRAG_HDRMAX
 */
struct ipfrag_slot {
	bool used;
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
	uint64_t expires;
	bool have_first;
	size_t hlen;
	size_t total;
	size_t received;
	uint64_t bits[IPFRAG_BLOCKS / 64];
	uint8_t *buf;
};

/**
 * struct ae_ipfrag - reassembly state
 * @slot:	datagrams in progress
 */
struct ae_ipfrag {
	struct ipfrag_slot slot[IPFRAG_SLOTS];
};

/**
 * ipv4_init() - allocate the reassembly buffers
 * @s:		stack
 *
 * Return: 0 or -ENOMEM
 */
int ipv4_init(struct ae_stack *s)
{
	struct ae_ipfrag *f = stack_mem_alloc(s, sizeof(*f));
	int i;

	if (!f)
		return -ENOMEM;
	s->frag = f;
	for (i = 0; i < IPFRAG_SLOTS; i++) {
		f->slot[i].buf = stack_mem_alloc(s, IPFRAG_BUFLEN);
		if (!f->slot[i].buf) {
			ipv4_fini(s);
			return -ENOMEM;
		}
	}
	return 0;
}

#define SNAP_V_FRAG	1

/**
 * frag_span() - bytes of @f's buffer that hold anything: the header room
 * and the payload up to its last received block
 * @f:		slot in use
 *
 * Return: length from the start of @f->buf
 */
static size_t frag_span(const struct ipfrag_slot *f)
{
	size_t b = IPFRAG_BLOCKS;

	while (b && !(f->bits[(b - 1) / 64] & (1ULL << ((b - 1) % 64))))
		b--;
	return IPFRAG_HDRMAX + b * 8;
}

/**
 * ipv4_state_save() - SNAP_T_FRAG: one record per datagram being
 * reassembled, its fragments' bytes with it (a live upgrade)
 * @s:		stack
 * @w:		writer
 * @now:	the clock
 */
void ipv4_state_save(struct ae_stack *s, struct snap_w *w, uint64_t now)
{
	const struct ipfrag_slot *f;
	size_t n;
	int i;

	for (i = 0; i < IPFRAG_SLOTS; i++) {
		f = &s->frag->slot[i];
		if (!f->used)
			continue;
		n = frag_span(f);
		snap_begin(w, SNAP_T_FRAG, SNAP_V_FRAG);
		snap_put_u32(w, f->src);
		snap_put_u32(w, f->dst);
		snap_put_u32(w, f->id);
		snap_put_u32(w, f->proto);
		snap_put_time(w, f->expires, now);
		snap_put_u32(w, f->have_first);
		snap_put_u32(w, (uint32_t)f->hlen);
		snap_put_u32(w, (uint32_t)f->total);
		snap_put_u32(w, (uint32_t)f->received);
		snap_put(w, f->bits, sizeof(f->bits));
		snap_put_u32(w, (uint32_t)n);
		snap_put(w, f->buf, n);
		snap_end(w);
	}
}

/**
 * ipv4_state_load() - one SNAP_T_FRAG record into a free slot: the
 * datagram completes when its other fragments reach the reader
 * @s:		stack
 * @r:		reader, the record current
 * @now:	the clock
 */
void ipv4_state_load(struct ae_stack *s, struct snap_r *r, uint64_t now)
{
	struct ipfrag_slot *f = NULL;
	uint32_t n;
	int i;

	for (i = 0; i < IPFRAG_SLOTS && !f; i++)
		if (!s->frag->slot[i].used)
			f = &s->frag->slot[i];
	if (!f || r->version != SNAP_V_FRAG) {
		snap_fail(r);
		return;
	}
	f->src = snap_get_u32(r);
	f->dst = snap_get_u32(r);
	f->id = (uint16_t)snap_get_u32(r);
	f->proto = (uint8_t)snap_get_u32(r);
	f->expires = snap_get_time(r, now);
	f->have_first = snap_get_u32(r) != 0;
	f->hlen = snap_get_u32(r);
	f->total = snap_get_u32(r);
	f->received = snap_get_u32(r);
	snap_get(r, f->bits, sizeof(f->bits));
	n = snap_get_u32(r);
	if (r->err || n > IPFRAG_BUFLEN || n != frag_span(f) ||
	    f->hlen > IPFRAG_HDRMAX || f->total > 65536 || f->received > 65536) {
		snap_fail(r);
		return;
	}
	snap_get(r, f->buf, n);
	f->used = !r->err;
}

/**
 * ipv4_fini() - free the reassembly buffers
 * @s:		stack
 */
void ipv4_fini(struct ae_stack *s)
{
	struct ae_ipfrag *f = s->frag;
	int i;

	if (!f)
		return;
	for (i = 0; i < IPFRAG_SLOTS; i++)
		stack_mem_free(s, f->slot[i].buf, IPFRAG_BUFLEN);
	stack_mem_free(s, f, sizeof(*f));
	s->frag = NULL;
}

/**
 * ipv4_is_mcast() - class D address?
 * @addr:	network order
 *
 * Return: true for 224.0.0.0/4
 */
static bool ipv4_is_mcast(uint32_t addr)
{
	return (ntohl(addr) >> 28) == 14;
}

/**
 * ipv4_netmask() - our subnet mask
 * @s:		stack
 *
 * Return: mask, host order
 */
static uint32_t ipv4_netmask(const struct ae_stack *s)
{
	if (!s->cfg.prefix_len)
		return 0;
	return 0xffffffffU << (32 - s->cfg.prefix_len);
}

/**
 * ipv4_is_bcast() - limited or our subnet's directed broadcast?
 * @s:		stack
 * @addr:	network order
 *
 * Return: true if broadcast
 */
bool ipv4_is_bcast(const struct ae_stack *s, uint32_t addr)
{
	uint32_t h = ntohl(addr), mask = ipv4_netmask(s);

	if (h == 0xffffffff)
		return true;
	if (s->cfg.prefix_len == 0 || s->cfg.prefix_len >= 31)
		return false;
	return (h & mask) == (ntohl(s->cfg.addr) & mask) && (h | mask) == 0xffffffffU;
}

/**
 * ipv4_dst_ok() - is a received datagram addressed to us?
 * @s:		stack
 * @dst:	destination, network order
 *
 * Return: true for our address, broadcast, or all-hosts 224.0.0.1
 */
static bool ipv4_dst_ok(const struct ae_stack *s, uint32_t dst)
{
	return stack_is_local(s, dst) || ipv4_is_bcast(s, dst) ||
	       ntohl(dst) == 0xe0000001;
}

/**
 * ipv4_src_ok() - a plausible source? (RFC 1122 section 3.2.1.3)
 * @s:		stack
 * @src:	source, network order
 *
 * Return: false for broadcast, multicast, loopback and our own address
 */
static bool ipv4_src_ok(const struct ae_stack *s, uint32_t src)
{
	uint32_t h = ntohl(src);

	if (ipv4_is_mcast(src) || ipv4_is_bcast(s, src) || (h >> 24) == 127)
		return false;
	return !stack_is_local(s, src);
}

/**
 * ipv4_deliver() - hand a complete datagram to its transport
 * @s:		stack
 * @hdr:	IP header, @hlen bytes
 * @hlen:	header length
 * @payload:	the datagram's payload
 */
static void ipv4_deliver(struct ae_stack *s, const uint8_t *hdr, size_t hlen,
			 const struct ae_pkt *payload)
{
	struct ae_ipinfo ip = {
		.proto = hdr[IP_F_PROTO], .tos = hdr[IP_F_TOS],
		.ttl = hdr[IP_F_TTL], .hdr = hdr, .hdr_len = hlen,
	};

	memcpy(&ip.src, hdr + IP_F_SRC, 4);
	memcpy(&ip.dst, hdr + IP_F_DST, 4);
	switch (ip.proto) {
	case IPPROTO_ICMP_:
		STAT_INC(s, ip, in_delivers);
		icmp_input(s, &ip, payload);
		break;
	case IPPROTO_UDP_:
		STAT_INC(s, ip, in_delivers);
		udp_input(s, &ip, payload);
		break;
	case IPPROTO_TCP_:
		STAT_INC(s, ip, in_delivers);
		tcp_input(s, &ip, payload);
		break;
	default:
		STAT_INC(s, ip, in_unknown_protos);
		/* RFC 1122 3.2.2.1: protocol unreachable (rate limited). */
		icmp_send_unreach(s, ICMP_PROT_UNREACH_, &ip, payload);
		break;
	}
}

/**
 * frag_find() - the slot of a datagram, or a new one
 * @s:		stack
 * @src, @dst:	addresses
 * @id:		identification
 * @proto:	protocol
 *
 * Return: slot, or NULL when all slots are busy (counted)
 */
static struct ipfrag_slot *frag_find(struct ae_stack *s, uint32_t src,
				     uint32_t dst, uint16_t id, uint8_t proto)
{
	struct ipfrag_slot *free_slot = NULL, *f;
	int i;

	for (i = 0; i < IPFRAG_SLOTS; i++) {
		f = &s->frag->slot[i];
		if (!f->used) {
			if (!free_slot)
				free_slot = f;
			continue;
		}
		if (f->src == src && f->dst == dst && f->id == id &&
		    f->proto == proto)
			return f;
	}
	if (!free_slot) {
		STAT_INC(s, ip, reasm_no_memory);
		return NULL;
	}
	f = free_slot;
	f->used = true;
	f->src = src;
	f->dst = dst;
	f->id = id;
	f->proto = proto;
	f->expires = s->now + IPFRAG_TIMEOUT_MS * NS_PER_MS;
	f->have_first = false;
	f->hlen = 0;
	f->total = 0;
	f->received = 0;
	memset(f->bits, 0, sizeof(f->bits));
	return f;
}

/**
 * frag_release() - free a slot
 * @f:		slot
 */
static void frag_release(struct ipfrag_slot *f)
{
	f->used = false;
}

/**
 * frag_blocks() - how many of the 8-byte blocks [@b0, @b1) are received
 * @f:		slot
 * @b0:		first block
 * @b1:		one past the last block
 *
 * Return: count of set bits in the range
 */
static size_t frag_blocks(const struct ipfrag_slot *f, size_t b0, size_t b1)
{
	size_t b, n = 0;

	for (b = b0; b < b1; b++)
		n += (f->bits[b / 64] >> (b % 64)) & 1;
	return n;
}

/**
 * frag_mark() - mark blocks [@b0, @b1) received
 * @f:		slot
 * @b0:		first block
 * @b1:		one past the last block
 */
static void frag_mark(struct ipfrag_slot *f, size_t b0, size_t b1)
{
	size_t b;

	for (b = b0; b < b1; b++)
		f->bits[b / 64] |= 1ULL << (b % 64);
}

/**
 * frag_complete() - deliver a reassembled datagram and free its slot
 * @s:		stack
 * @f:		slot with every byte of [0, total)
 */
static void frag_complete(struct ae_stack *s, struct ipfrag_slot *f)
{
	uint8_t *h = f->buf + IPFRAG_HDRMAX - f->hlen;
	struct ae_pkt payload = { .data = f->buf + IPFRAG_HDRMAX,
				  .len = f->total };

	/* The header as if it had come whole (ICMP errors quote it). */
	st16(h + IP_F_LEN, (uint16_t)(f->hlen + f->total));
	st16(h + IP_F_FRAG, 0);
	st16(h + IP_F_CSUM, 0);
	st16(h + IP_F_CSUM, csum(h, f->hlen));
	STAT_INC(s, ip, reasm_oks);
	ipv4_deliver(s, h, f->hlen, &payload);
	frag_release(f);
}

/**
 * ipv4_reassemble() - add one fragment to its datagram
 * @s:		stack
 * @hdr:	its header, @hlen bytes
 * @hlen:	header length
 * @data:	its payload
 */
static void ipv4_reassemble(struct ae_stack *s, const uint8_t *hdr,
			    size_t hlen, const struct ae_pkt *data)
{
	uint16_t fo = ld16(hdr + IP_F_FRAG);
	size_t off = (size_t)(fo & IP_OFFMASK) * 8, end = off + data->len;
	bool more = fo & IP_MF;
	struct ipfrag_slot *f;
	uint32_t src, dst;
	size_t b0, b1, have;

	STAT_INC(s, ip, reasm_reqds);
	memcpy(&src, hdr + IP_F_SRC, 4);
	memcpy(&dst, hdr + IP_F_DST, 4);
	/* Non-last fragments carry whole blocks; nothing may pass 64 KiB. */
	if ((more && (data->len & 7)) || !data->len ||
	    end + hlen > IP_MAXPACKET_) {
		STAT_INC(s, ip, reasm_fails);
		return;
	}
	f = frag_find(s, src, dst, ld16(hdr + IP_F_ID), hdr[IP_F_PROTO]);
	if (!f)
		return;
	if ((f->total && end > f->total) ||
	    (!more && f->total && end != f->total) ||
	    (!more && frag_blocks(f, (end + 7) / 8, IPFRAG_BLOCKS))) {
		STAT_INC(s, ip, reasm_fails);	/* inconsistent lengths */
		frag_release(f);
		return;
	}
	b0 = off / 8;
	b1 = (end + 7) / 8;
	have = frag_blocks(f, b0, b1);
	if (have == b1 - b0) {
		STAT_INC(s, ip, reasm_dups);
		return;
	}
	if (have) {
		STAT_INC(s, ip, reasm_overlaps);
		frag_release(f);
		return;
	}
	frag_mark(f, b0, b1);
	memcpy(f->buf + IPFRAG_HDRMAX + off, data->data, data->len);
	f->received += data->len;
	if (!more)
		f->total = end;
	if (!off) {
		f->have_first = true;
		f->hlen = hlen;
		memcpy(f->buf + IPFRAG_HDRMAX - hlen, hdr, hlen);
	}
	if (f->total && f->have_first && f->received == f->total)
		frag_complete(s, f);
}

/**
 * ipv4_check() - validate a received header against the frame
 * @s:		stack
 * @p:		Ethernet payload
 * @hlen:	set to the header length
 * @tot:	set to the total length
 *
 * Return: the header, or NULL when the datagram was dropped (counted)
 */
static const uint8_t *ipv4_check(struct ae_stack *s, const struct ae_pkt *p,
				 size_t *hlen, size_t *tot)
{
	const uint8_t *h = pkt_get(p, 0, IP_HLEN);

	if (!h) {
		STAT_INC(s, ip, in_truncated);
		return NULL;
	}
	if (ip_version(h) != 4) {
		STAT_INC(s, ip, in_bad_version);
		return NULL;
	}
	*hlen = ip_hdr_len(h);
	if (*hlen < IP_HLEN) {
		STAT_INC(s, ip, in_bad_ihl);
		return NULL;
	}
	*tot = ld16(h + IP_F_LEN);
	if (!pkt_get(p, 0, *hlen) || *tot > p->len) {
		STAT_INC(s, ip, in_truncated);
		return NULL;
	}
	if (*tot < *hlen) {
		STAT_INC(s, ip, in_hdr_errors);
		return NULL;
	}
	if (csum(h, *hlen)) {
		STAT_INC(s, ip, in_csum_errors);
		return NULL;
	}
	/*
	 * A TTL of 0 can only come from a broken sender: hosts must not send
	 * it and routers discard at 0 (RFC 1812 5.3.1).
	 */
	if (!h[IP_F_TTL]) {
		STAT_INC(s, ip, in_ttl_expired);
		return NULL;
	}
	return h;
}

/**
 * ipv4_receive() - receive one IPv4 datagram or fragment
 * @s:		stack
 * @p:		the Ethernet payload (may include padding)
 * @local:	it comes from the loopback queue: skip the address checks
 */
static void ipv4_receive(struct ae_stack *s, const struct ae_pkt *p,
			 bool local)
{
	struct ae_pkt payload;
	const uint8_t *h;
	size_t hlen, tot;
	uint32_t src, dst;

	STAT_INC(s, ip, in_receives);
	h = ipv4_check(s, p, &hlen, &tot);
	if (!h)
		return;
	memcpy(&src, h + IP_F_SRC, 4);
	memcpy(&dst, h + IP_F_DST, 4);
	if (!local && (!ipv4_dst_ok(s, dst) || !ipv4_src_ok(s, src) ||
		       (ntohl(dst) >> 24) == 127)) {
		STAT_INC(s, ip, in_addr_errors);
		return;
	}
	/* Trim Ethernet padding: the total length is the truth. */
	if (pkt_sub(p, hlen, tot - hlen, &payload)) {
		STAT_INC(s, ip, in_truncated);	/* cannot happen: checked */
		return;
	}
	if (ld16(h + IP_F_FRAG) & (IP_MF | IP_OFFMASK)) {
		/* a device's word on a checksum covers one frame, never the
		 * datagram this fragment may complete */
		s->rx_csum_valid = false;
		ipv4_reassemble(s, h, hlen, &payload);
		return;
	}
	ipv4_deliver(s, h, hlen, &payload);
}

/**
 * ipv4_input() - receive one IPv4 datagram or fragment from the wire
 * @s:		stack
 * @p:		the Ethernet payload (may include padding)
 */
void ipv4_input(struct ae_stack *s, const struct ae_pkt *p)
{
	ipv4_receive(s, p, false);
}

/**
 * ipv4_input_local() - receive a datagram the stack sent to itself
 * @s:		stack
 * @p:		the datagram, from the loopback queue
 *
 * Only loop_drain() calls this, never anything below ipv4_output().
 */
void ipv4_input_local(struct ae_stack *s, const struct ae_pkt *p)
{
	ipv4_receive(s, p, true);
}

/**
 * ipv4_route() - the next hop towards @dst
 * @s:		stack
 * @dst:	destination, network order
 *
 * Return: @dst when on-link (or broadcast/multicast), else the gateway;
 * 0 when there is no route
 */
static uint32_t ipv4_route(const struct ae_stack *s, uint32_t dst)
{
	uint32_t mask = ipv4_netmask(s);

	if (ipv4_is_bcast(s, dst) || ipv4_is_mcast(dst))
		return dst;
	if ((ntohl(dst) & mask) == (ntohl(s->cfg.addr) & mask))
		return dst;
	return s->cfg.gateway;
}

/**
 * ipv4_route_src() - the source address for datagrams to @dst
 * @s:		stack
 * @dst:	destination
 *
 * Like Linux: towards 127.0.0.0/8 the loopback device's 127.0.0.1, else
 * our one address.
 *
 * Return: the source address, network order
 */
uint32_t ipv4_route_src(const struct ae_stack *s, uint32_t dst)
{
	if ((ntohl(dst) >> 24) == 127)
		return htonl(INADDR_LOOPBACK);
	return s->cfg.addr;
}

/**
 * ipv4_send() - the datagram's way out: the loopback queue or ARP
 * @s:		stack
 * @nexthop:	next hop (for ARP)
 * @dst:	destination
 * @v:		the datagram, IP header first
 * @n:		its parts
 *
 * Return: what loop_output() or arp_output() returned
 */
static int ipv4_send(struct ae_stack *s, uint32_t nexthop, uint32_t dst,
		     const struct iovec *v, int n)
{
	if (stack_is_local(s, dst))
		return loop_output(s, v, n);
	return arp_output(s, nexthop, v, n);
}

/**
 * ipv4_build_hdr() - fill a 20-byte header with its checksum
 * @h:		output
 * @src, @dst:	addresses, network order
 * @proto:	protocol
 * @tos:	type of service
 * @ttl:	time to live, 0 for the default
 * @len:	payload bytes in this packet
 * @id:		identification
 * @frag:	flags and offset
 */
static void ipv4_build_hdr(uint8_t *h, uint32_t src, uint32_t dst,
			   uint8_t proto, uint8_t tos, uint8_t ttl, size_t len,
			   uint16_t id, uint16_t frag)
{
	h[IP_F_VHL] = IP_VHL_DEFAULT;
	h[IP_F_TOS] = tos;
	st16(h + IP_F_LEN, (uint16_t)(IP_HLEN + len));
	st16(h + IP_F_ID, id);
	st16(h + IP_F_FRAG, frag);
	h[IP_F_TTL] = ttl ? ttl : IP_DEFTTL;
	h[IP_F_PROTO] = proto;
	st16(h + IP_F_CSUM, 0);
	memcpy(h + IP_F_SRC, &src, 4);
	memcpy(h + IP_F_DST, &dst, 4);
	st16(h + IP_F_CSUM, csum(h, IP_HLEN));
}

/**
 * iov_slice() - the parts of @iov covering bytes [@off, @off + @len)
 * @iov:	source parts
 * @iovcnt:	their number
 * @off:	first byte
 * @len:	bytes
 * @out:	filled, at most @max parts
 * @max:	capacity of @out
 *
 * Return: parts used, or -1 if @max is too small
 */
static int iov_slice(const struct iovec *iov, int iovcnt, size_t off,
		     size_t len, struct iovec *out, int max)
{
	int i, n = 0;
	size_t take;

	for (i = 0; i < iovcnt && len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		if (n == max)
			return -1;
		take = iov[i].iov_len - off;
		if (take > len)
			take = len;
		out[n].iov_base = (uint8_t *)iov[i].iov_base + off;
		out[n].iov_len = take;
		n++;
		len -= take;
		off = 0;
	}
	return n;
}

/**
 * ipv4_fragment() - send a datagram too large for the MTU in fragments
 * @s:		stack
 * @nexthop:	resolved next hop
 * @src, @dst, @proto, @tos, @ttl: header fields
 * @iov:	payload parts
 * @iovcnt:	their number
 * @len:	payload length
 *
 * Return: 0 or the first negative errno from below
 */
static int ipv4_fragment(struct ae_stack *s, uint32_t nexthop, uint32_t src,
			 uint32_t dst, uint8_t proto, uint8_t tos, uint8_t ttl,
			 const struct iovec *iov, int iovcnt, size_t len)
{
	size_t chunk = ((size_t)s->cfg.mtu - IP_HLEN) & ~(size_t)7, off, n;
	struct iovec v[IPV4_MAX_IOV + 1];
	uint16_t id = s->ip_id++;
	uint8_t h[IP_HLEN];
	int parts, rc = 0, r;

	for (off = 0; off < len; off += n) {
		n = len - off > chunk ? chunk : len - off;
		parts = iov_slice(iov, iovcnt, off, n, v + 1, IPV4_MAX_IOV);
		if (parts < 0) {
			STAT_INC(s, ip, out_discards);
			return -EINVAL;
		}
		ipv4_build_hdr(h, src, dst, proto, tos, ttl, n, id,
			       (uint16_t)((off / 8) | (off + n < len ? IP_MF : 0)));
		v[0].iov_base = h;
		v[0].iov_len = IP_HLEN;
		r = ipv4_send(s, nexthop, dst, v, parts + 1);
		if (r && !rc)
			rc = r;
		STAT_INC(s, ip, frag_creates);
	}
	STAT_INC(s, ip, frag_oks);
	return rc;
}

/**
 * ipv4_gso() - is the datagram being sent a TCP super-frame that the
 * device cuts into segments (TSO)? It then goes out whole, over the MTU.
 * @s:		stack
 *
 * Return: true for a super-frame
 */
static bool ipv4_gso(const struct ae_stack *s)
{
	return s->tx_off && s->tx_off->gso_size;
}

/**
 * ipv4_output() - send a datagram with the default TTL
 * @s:		stack
 * @src:	source address (0: ipv4_route_src())
 * @dst:	destination, network order
 * @proto:	protocol
 * @tos:	type of service
 * @iov:	payload parts (transport header first); read during the call
 * @iovcnt:	their number, at most 12
 *
 * Return: as ipv4_output_ttl()
 */
int ipv4_output(struct ae_stack *s, uint32_t src, uint32_t dst, uint8_t proto,
		uint8_t tos, const struct iovec *iov, int iovcnt)
{
	return ipv4_output_ttl(s, src, dst, proto, tos, 0, iov, iovcnt);
}

/**
 * ipv4_output_ttl() - send a datagram
 * @s:		stack
 * @src:	source address (0: ipv4_route_src())
 * @dst:	destination, network order
 * @proto:	protocol
 * @tos:	type of service
 * @ttl:	time to live (a socket's IP_TTL), 0 for the default 64
 * @iov:	payload parts (transport header first); read during the call
 * @iovcnt:	their number, at most 12
 *
 * Return: 0 when sent or queued for ARP, negative errno otherwise
 * (-ENETUNREACH without a route, -EMSGSIZE over 64 KiB or a TCP segment
 * over the MTU that is not a super-frame for the device's TSO, s->tx_off)
 */
int ipv4_output_ttl(struct ae_stack *s, uint32_t src, uint32_t dst,
		    uint8_t proto, uint8_t tos, uint8_t ttl,
		    const struct iovec *iov, int iovcnt)
{
	struct iovec v[IPV4_MAX_IOV + 1];
	uint8_t h[IP_HLEN];
	uint32_t nexthop;
	size_t len = 0;
	int i;

	STAT_INC(s, ip, out_requests);
	if (iovcnt < 0 || iovcnt > IPV4_MAX_IOV) {
		STAT_INC(s, ip, out_discards);
		return -EINVAL;
	}
	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (len > IP_MAXPACKET_ - IP_HLEN ||
	    (proto == IPPROTO_TCP_ && len + IP_HLEN > s->cfg.mtu &&
	     !ipv4_gso(s))) {
		STAT_INC(s, ip, out_discards);
		return -EMSGSIZE;
	}
	nexthop = stack_is_local(s, dst) ? dst : ipv4_route(s, dst);
	if (!nexthop) {
		STAT_INC(s, ip, out_no_routes);
		return -ENETUNREACH;
	}
	if (!src)
		src = ipv4_route_src(s, dst);
	if (len + IP_HLEN > s->cfg.mtu && !ipv4_gso(s))
		return ipv4_fragment(s, nexthop, src, dst, proto, tos, ttl,
				     iov, iovcnt, len);
	ipv4_build_hdr(h, src, dst, proto, tos, ttl, len, s->ip_id++,
		       proto == IPPROTO_TCP_ ? IP_DF : 0);
	v[0].iov_base = h;
	v[0].iov_len = IP_HLEN;
	for (i = 0; i < iovcnt; i++)
		v[i + 1] = iov[i];
	return ipv4_send(s, nexthop, dst, v, iovcnt + 1);
}

/**
 * frag_time_exceeded() - tell the sender its datagram timed out
 * @s:		stack
 * @f:		expired slot
 *
 * RFC 1122 3.3.2: only when fragment zero arrived, since the error quotes
 * its header and first 8 bytes.
 */
static void frag_time_exceeded(struct ae_stack *s, struct ipfrag_slot *f)
{
	const uint8_t *h = f->buf + IPFRAG_HDRMAX - f->hlen;
	struct ae_ipinfo ip = {
		.src = f->src, .dst = f->dst, .proto = f->proto,
		.tos = h[IP_F_TOS], .ttl = h[IP_F_TTL], .hdr = h,
		.hdr_len = f->hlen,
	};
	struct ae_pkt first = { .data = f->buf + IPFRAG_HDRMAX, .len = 8 };

	if (!f->have_first || !frag_blocks(f, 0, 1))
		return;
	icmp_send_error(s, ICMP_TIME_EXCEEDED_, ICMP_EXC_FRAGTIME_, 0, &ip,
			&first);
}

/**
 * ipv4_timer() - expire incomplete datagrams
 * @s:		stack
 */
void ipv4_timer(struct ae_stack *s)
{
	struct ipfrag_slot *f;
	int i;

	for (i = 0; i < IPFRAG_SLOTS; i++) {
		f = &s->frag->slot[i];
		if (f->used && f->expires <= s->now) {
			STAT_INC(s, ip, reasm_timeouts);
			frag_time_exceeded(s, f);
			frag_release(f);
		}
	}
}

/**
 * ipv4_next_timeout() - earliest reassembly deadline
 * @s:		stack
 *
 * Return: absolute time (ns) or AE_NEVER
 */
uint64_t ipv4_next_timeout(const struct ae_stack *s)
{
	uint64_t t = AE_NEVER;
	int i;

	for (i = 0; i < IPFRAG_SLOTS; i++) {
		if (s->frag->slot[i].used && s->frag->slot[i].expires < t)
			t = s->frag->slot[i].expires;
	}
	return t;
}
