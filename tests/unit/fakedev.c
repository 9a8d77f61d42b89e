// SPDX-License-Identifier: MIT
/**
 * DOC: fakedev.c - virtual clock, recording device, counting allocator,
 * stack factory and frame builders for the unit tests
 *
 * All state is file-global: Check runs each test in a forked child (CK_FORK),
 * and fake_reset() (called by fake_stack_new()) clears it for the no-fork case.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "fakedev.h"
#include "pkt.h"

const uint8_t fake_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
const uint8_t fake_peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t fake_bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

#define FAKE_T0		(1000ULL * 1000000000ULL)

static uint64_t clock_ns = FAKE_T0;

static struct {
	size_t len;
	uint8_t data[FAKE_FRAME_CAP];
} frames[FAKE_MAX_FRAMES];
static int nframes;
static unsigned long frames_lost, frames_oversize;
static int max_iovcnt;

static long mem_live, mem_fail_after = -1;
static long mem_bytes;
static unsigned long mem_total, mem_mismatch;

/* Each allocation carries a small header with its size to check frees. */
struct mem_hdr {
	size_t len;
	uint64_t magic;
	uint64_t pad[2];	/* keep 16-byte alignment of the user area */
};
#define MEM_MAGIC	0xae7e5a110cULL

/**
 * fake_clock_now() - current virtual time
 *
 * Return: nanoseconds
 */
uint64_t fake_clock_now(void)
{
	return clock_ns;
}

/**
 * fake_clock_set_ns() - set the virtual time
 * @ns:		new time
 */
void fake_clock_set_ns(uint64_t ns)
{
	clock_ns = ns;
}

/**
 * fake_clock_advance_ns() - move the virtual clock forward
 * @ns:		nanoseconds
 */
void fake_clock_advance_ns(uint64_t ns)
{
	clock_ns += ns;
}

/**
 * fake_clock_advance_ms() - move the virtual clock forward
 * @ms:		milliseconds
 */
void fake_clock_advance_ms(uint64_t ms)
{
	clock_ns += ms * 1000000ULL;
}

/**
 * fake_clock() - the ae_clock_fn given to the stack
 * @ctx:	unused
 *
 * Return: virtual time in nanoseconds
 */
uint64_t fake_clock(void *ctx)
{
	(void)ctx;
	return clock_ns;
}

/**
 * fake_output() - the ae_output_fn: keep a copy of the gathered frame
 * @ctx:	unused
 * @iov:	frame parts
 * @iovcnt:	number of parts
 */
void fake_output(void *ctx, const struct iovec *iov, int iovcnt)
{
	size_t total = 0, off = 0;
	int i;

	(void)ctx;
	if (iovcnt > max_iovcnt)
		max_iovcnt = iovcnt;
	for (i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total > 1514 || total < 14)
		frames_oversize++;
	if (nframes >= FAKE_MAX_FRAMES || total > FAKE_FRAME_CAP) {
		frames_lost++;
		return;
	}
	for (i = 0; i < iovcnt; i++) {
		memcpy(frames[nframes].data + off, iov[i].iov_base,
		       iov[i].iov_len);
		off += iov[i].iov_len;
	}
	frames[nframes].len = total;
	nframes++;
}

/**
 * fake_frame_count() - frames recorded since the last clear
 *
 * Return: count
 */
int fake_frame_count(void)
{
	return nframes;
}

/**
 * fake_frame() - one recorded frame
 * @i:		index, 0 = oldest
 * @len:	set to its length (may be NULL)
 *
 * Return: frame bytes, or NULL if @i is out of range
 */
const uint8_t *fake_frame(int i, size_t *len)
{
	if (i < 0 || i >= nframes)
		return NULL;
	if (len)
		*len = frames[i].len;
	return frames[i].data;
}

/**
 * fake_frames_clear() - forget recorded frames
 */
void fake_frames_clear(void)
{
	nframes = 0;
}

/**
 * fake_frames_lost() - frames not recorded because the array was full
 *
 * Return: count
 */
unsigned long fake_frames_lost(void)
{
	return frames_lost;
}

/**
 * fake_frames_oversize() - emitted frames longer than 1514 or shorter than 14
 *
 * Return: count
 */
unsigned long fake_frames_oversize(void)
{
	return frames_oversize;
}

/**
 * fake_output_max_iovcnt() - largest iovcnt the stack has passed to output
 *
 * Return: count
 */
int fake_output_max_iovcnt(void)
{
	return max_iovcnt;
}

/**
 * fake_mem_alloc() - counting allocator (ae_mem_alloc_fn)
 * @ctx:	unused
 * @len:	bytes
 *
 * Return: memory, or NULL when failure injection says so
 */
void *fake_mem_alloc(void *ctx, size_t len)
{
	struct mem_hdr *h;

	(void)ctx;
	if (mem_fail_after == 0)
		return NULL;
	if (mem_fail_after > 0)
		mem_fail_after--;
	h = malloc(sizeof(*h) + len);
	if (!h)
		return NULL;
	h->len = len;
	h->magic = MEM_MAGIC;
	/* Poison: the stack must not rely on malloc returning zeroes. */
	memset(h + 1, 0xa5, len);
	mem_live++;
	mem_bytes += (long)len;
	mem_total++;
	return h + 1;
}

/**
 * fake_mem_free() - counting free (ae_mem_free_fn); checks the size
 * @ctx:	unused
 * @mem:	memory from fake_mem_alloc()
 * @len:	size the stack believes it allocated
 */
void fake_mem_free(void *ctx, void *mem, size_t len)
{
	struct mem_hdr *h;

	(void)ctx;
	if (!mem)
		return;
	h = (struct mem_hdr *)mem - 1;
	ck_assert_msg(h->magic == MEM_MAGIC, "free of foreign/double-freed memory");
	if (h->len != len)
		mem_mismatch++;
	h->magic = 0;
	mem_live--;
	mem_bytes -= (long)h->len;
	free(h);
}

/**
 * fake_mem_live_count() - allocations not yet freed
 *
 * Return: count
 */
long fake_mem_live_count(void)
{
	return mem_live;
}

/**
 * fake_mem_live_bytes() - bytes not yet freed
 *
 * Return: bytes
 */
long fake_mem_live_bytes(void)
{
	return mem_bytes;
}

/**
 * fake_mem_total_allocs() - allocations since reset
 *
 * Return: count
 */
unsigned long fake_mem_total_allocs(void)
{
	return mem_total;
}

/**
 * fake_mem_fail_after() - make the allocator fail after @n more successes
 * @n:		successes left; -1 never fails
 */
void fake_mem_fail_after(long n)
{
	mem_fail_after = n;
}

/**
 * fake_mem_size_mismatches() - frees whose length differed from the alloc
 *
 * Return: count
 */
unsigned long fake_mem_size_mismatches(void)
{
	return mem_mismatch;
}

/**
 * fake_reset() - clear the clock, device and allocator counters
 */
void fake_reset(void)
{
	clock_ns = FAKE_T0;
	nframes = 0;
	frames_lost = 0;
	frames_oversize = 0;
	max_iovcnt = 0;
	mem_live = 0;
	mem_bytes = 0;
	mem_total = 0;
	mem_mismatch = 0;
	mem_fail_after = -1;
}

/**
 * fake_config_default() - the standard test configuration
 * @cfg:	filled: 02:00:00:00:00:02, 192.168.1.2/24 via 192.168.1.1, fixed
 *		seed, fake device, virtual clock, counting allocator
 */
void fake_config_default(struct ae_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->mac, fake_mac, 6);
	cfg->addr = FAKE_ADDR;
	cfg->prefix_len = 24;
	cfg->gateway = FAKE_GW;
	cfg->mtu = 1500;
	cfg->seed = FAKE_SEED;
	cfg->output = fake_output;
	cfg->clock = fake_clock;
	cfg->mem_alloc = fake_mem_alloc;
	cfg->mem_free = fake_mem_free;
}

/**
 * fake_stack_new() - reset the harness and create a stack from @cfg
 * @cfg:	configuration (usually from fake_config_default(), then tweaked)
 *
 * Return: the stack (asserts it was created)
 */
struct ae_stack *fake_stack_new(const struct ae_config *cfg)
{
	struct ae_stack *s;

	fake_reset();
	s = ae_stack_create(cfg);
	ck_assert_ptr_nonnull(s);
	return s;
}

/**
 * fake_stack_create() - a stack with the default test configuration
 *
 * Return: the stack
 */
struct ae_stack *fake_stack_create(void)
{
	struct ae_config cfg;

	fake_config_default(&cfg);
	return fake_stack_new(&cfg);
}

/**
 * fake_stack_destroy() - destroy @s and assert that it freed everything
 * @s:		stack from fake_stack_new()
 */
void fake_stack_destroy(struct ae_stack *s)
{
	ae_stack_destroy(s);
	ck_assert_msg(fake_mem_live_count() == 0,
		      "leak: %ld allocations (%ld bytes) live after destroy",
		      fake_mem_live_count(), fake_mem_live_bytes());
	ck_assert_msg(fake_mem_size_mismatches() == 0,
		      "mem_free called with a wrong length");
	ck_assert_msg(fake_frames_oversize() == 0,
		      "the stack emitted a frame over 1514 or under 14 bytes");
}

/**
 * fake_input() - hand a frame to the stack from an unaligned copy
 * @s:		stack
 * @frame:	bytes
 * @len:	length
 *
 * The copy sits at an odd address and is poisoned afterwards, so the stack
 * can neither rely on alignment nor keep pointers into input frames.
 */
void fake_input(struct ae_stack *s, const void *frame, size_t len)
{
	static uint8_t buf[65536 + 64];

	ck_assert_uint_le(len, sizeof(buf) - 1);
	memcpy(buf + 1, frame, len);
	ae_stack_input(s, buf + 1, len);
	memset(buf, 0xee, len + 1);
}

/**
 * fake_arp_seed_host() - teach the stack @ip is at @mac with an ARP reply
 * @s:		stack
 * @ip:		sender address, network order
 * @mac:	sender MAC
 */
void fake_arp_seed_host(struct ae_stack *s, uint32_t ip, const uint8_t *mac)
{
	uint8_t arp[28], frame[64];
	size_t n;

	st16(arp, 1);
	st16(arp + 2, 0x0800);
	arp[4] = 6;
	arp[5] = 4;
	st16(arp + 6, 2);
	memcpy(arp + 8, mac, 6);
	memcpy(arp + 14, &ip, 4);
	memcpy(arp + 18, fake_mac, 6);
	memcpy(arp + 24, &(uint32_t){ FAKE_ADDR }, 4);
	n = fake_build_eth(frame, sizeof(frame), fake_mac, mac, 0x0806, arp,
			   sizeof(arp));
	fake_input(s, frame, n);
}

/**
 * fake_arp_seed() - seed the cache with the peer/gateway 192.168.1.1
 * @s:		stack
 */
void fake_arp_seed(struct ae_stack *s)
{
	fake_arp_seed_host(s, FAKE_PEER, fake_peer_mac);
}

/**
 * fake_sum() - naive one's complement sum of 16-bit big-endian words
 * @buf:	bytes
 * @len:	length
 * @sum:	running sum
 *
 * Return: unfolded sum
 */
static uint64_t fake_sum(const void *buf, size_t len, uint64_t sum)
{
	const uint8_t *b = buf;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint64_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint64_t)b[len - 1] << 8;
	return sum;
}

/**
 * fake_fold() - fold and complement
 * @sum:	unfolded sum
 *
 * Return: checksum in host order
 */
static uint16_t fake_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * fake_csum() - reference Internet checksum
 * @buf:	bytes
 * @len:	length
 *
 * Return: checksum in host order (store with st16())
 */
uint16_t fake_csum(const void *buf, size_t len)
{
	return fake_fold(fake_sum(buf, len, 0));
}

/**
 * fake_l4_csum() - reference UDP/TCP checksum with the IPv4 pseudo header
 * @src, @dst:	addresses, network order
 * @proto:	IP protocol
 * @l4:		transport header + payload (checksum field as it should count)
 * @len:	length
 *
 * Return: checksum in host order
 */
uint16_t fake_l4_csum(uint32_t src, uint32_t dst, uint8_t proto,
		      const void *l4, size_t len)
{
	uint8_t ph[12];
	uint64_t sum;

	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	st16(ph + 10, (uint16_t)len);
	sum = fake_sum(ph, sizeof(ph), 0);
	return fake_fold(fake_sum(l4, len, sum));
}

/**
 * fake_build_eth() - an Ethernet frame around @payload
 * @buf:	output
 * @cap:	its size
 * @dst, @src:	MAC addresses
 * @type:	ethertype, host order
 * @payload:	bytes, @len long
 * @len:	payload length
 *
 * Return: frame length
 */
size_t fake_build_eth(uint8_t *buf, size_t cap, const uint8_t *dst,
		      const uint8_t *src, uint16_t type, const void *payload,
		      size_t len)
{
	ck_assert_uint_le(len + 14, cap);
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	st16(buf + 12, type);
	if (len)
		memmove(buf + 14, payload, len);
	return 14 + len;
}

/**
 * fake_build_ipv4() - Ethernet + IPv4 header (valid checksum) + @payload
 * @buf:	output
 * @cap:	its size
 * @ip:		header fields, zero = default (see &struct fake_ip)
 * @payload:	IP payload
 * @len:	its length
 *
 * Return: frame length
 */
size_t fake_build_ipv4(uint8_t *buf, size_t cap, const struct fake_ip *ip,
		       const void *payload, size_t len)
{
	uint8_t ihl = ip->ihl ? ip->ihl : 5;
	size_t hl = (size_t)ihl * 4;
	uint8_t *h = buf + 14;
	uint32_t src = ip->src ? ip->src : FAKE_PEER;
	uint32_t dst = ip->dst ? ip->dst : FAKE_ADDR;

	ck_assert_uint_le(14 + hl + len, cap);
	memcpy(buf, ip->eth_dst ? ip->eth_dst : fake_mac, 6);
	memcpy(buf + 6, fake_peer_mac, 6);
	st16(buf + 12, 0x0800);
	memset(h, 1, hl);	/* options: NOP */
	h[0] = (uint8_t)((ip->version ? ip->version : 4) << 4 | (ihl & 0xf));
	h[1] = ip->tos;
	st16(h + 2, ip->tot_len ? ip->tot_len : (uint16_t)(hl + len));
	st16(h + 4, ip->id);
	st16(h + 6, ip->frag);
	h[8] = ip->ttl ? ip->ttl : 64;
	h[9] = ip->proto;
	st16(h + 10, 0);
	memcpy(h + 12, &src, 4);
	memcpy(h + 16, &dst, 4);
	st16(h + 10, fake_csum(h, hl));
	if (ip->bad_csum)
		h[11] ^= 0x5a;
	if (len)
		memmove(h + hl, payload, len);
	return 14 + hl + len;
}

/**
 * fake_build_udp() - a UDP datagram (header + payload) with a checksum
 * @buf:	output
 * @cap:	its size
 * @src, @sport: source address and port (network order)
 * @dst, @dport: destination address and port (network order)
 * @payload:	data
 * @len:	its length
 *
 * Return: datagram length
 */
size_t fake_build_udp(uint8_t *buf, size_t cap, uint32_t src, uint16_t sport,
		      uint32_t dst, uint16_t dport, const void *payload,
		      size_t len)
{
	uint16_t c;

	ck_assert_uint_le(len + 8, cap);
	memcpy(buf, &sport, 2);
	memcpy(buf + 2, &dport, 2);
	st16(buf + 4, (uint16_t)(len + 8));
	st16(buf + 6, 0);
	if (len)
		memmove(buf + 8, payload, len);
	c = fake_l4_csum(src, dst, 17, buf, len + 8);
	st16(buf + 6, c ? c : 0xffff);
	return len + 8;
}

/**
 * fake_udp_frame() - a whole frame: UDP from the peer to us
 * @buf:	output
 * @cap:	its size
 * @src:	source address (network order), 0 = FAKE_PEER
 * @sport:	source port (network order)
 * @dport:	destination port (network order)
 * @payload:	data
 * @len:	its length
 *
 * Return: frame length
 */
size_t fake_udp_frame(uint8_t *buf, size_t cap, uint32_t src, uint16_t sport,
		      uint16_t dport, const void *payload, size_t len)
{
	static uint8_t dgram[65536];
	struct fake_ip ip = { .src = src ? src : FAKE_PEER, .proto = 17 };
	size_t n;

	n = fake_build_udp(dgram, sizeof(dgram), ip.src, sport, FAKE_ADDR,
			   dport, payload, len);
	return fake_build_ipv4(buf, cap, &ip, dgram, n);
}

/**
 * fake_parse() - decode an emitted frame
 * @frame:	bytes
 * @len:	length
 * @out:	filled
 *
 * Return: true if it is at least a valid Ethernet frame; @out->ip is set
 * only for a well-formed IPv4 header
 */
bool fake_parse(const uint8_t *frame, size_t len, struct fake_parsed *out)
{
	const uint8_t *h;

	memset(out, 0, sizeof(*out));
	if (!frame || len < 14)
		return false;
	out->eth_dst = frame;
	out->eth_src = frame + 6;
	out->ethertype = ld16(frame + 12);
	if (out->ethertype != 0x0800 || len < 34)
		return true;
	h = frame + 14;
	out->ihl = (size_t)(h[0] & 0xf) * 4;
	out->tot_len = ld16(h + 2);
	if ((h[0] >> 4) != 4 || out->ihl < 20 || out->tot_len < out->ihl ||
	    14 + (size_t)out->tot_len > len)
		return true;
	out->ip = h;
	out->id = ld16(h + 4);
	out->frag = ld16(h + 6);
	out->ttl = h[8];
	out->proto = h[9];
	memcpy(&out->src, h + 12, 4);
	memcpy(&out->dst, h + 16, 4);
	out->ip_csum_ok = fake_csum(h, out->ihl) == 0;
	out->l4 = h + out->ihl;
	out->l4len = out->tot_len - out->ihl;
	return true;
}

/**
 * fake_parse_frame() - decode recorded frame @i
 * @i:		index
 * @out:	filled
 *
 * Return: as fake_parse(); false when @i is out of range
 */
bool fake_parse_frame(int i, struct fake_parsed *out)
{
	size_t len;
	const uint8_t *f = fake_frame(i, &len);

	if (!f) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return fake_parse(f, len, out);
}

/**
 * fake_find_frame() - first recorded frame at or after @start matching
 * @ethertype:	host order
 * @proto:	IP protocol when @ethertype is IPv4 (0: any)
 * @start:	first index to look at
 *
 * Return: index, or -1
 */
int fake_find_frame(uint16_t ethertype, uint8_t proto, int start)
{
	struct fake_parsed p;
	int i;

	for (i = start < 0 ? 0 : start; i < nframes; i++) {
		if (!fake_parse_frame(i, &p) || p.ethertype != ethertype)
			continue;
		if (ethertype == 0x0800 && proto && (!p.ip || p.proto != proto))
			continue;
		return i;
	}
	return -1;
}
