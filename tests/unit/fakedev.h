/* SPDX-License-Identifier: MIT */
/**
 * DOC: fakedev.h - shared harness for the stack's Check suites
 *
 * - a virtual clock (nanoseconds) that only moves when a test moves it;
 * - a fake device that keeps a copy of every frame the stack emits, in a
 *   bounded array (fake_frame_count(), fake_frame(), fake_frames_clear());
 * - a counting allocator, so teardown can prove the stack freed everything
 *   (fake_stack_destroy() asserts the live counters are back to zero);
 * - a stack factory with fixed addresses: we are 02:00:00:00:00:02 /
 *   192.168.1.2/24, the peer and gateway is 02:00:00:00:00:01 / 192.168.1.1;
 * - frame builders (Ethernet, IPv4 with a correct header checksum, UDP, and a
 *   transport checksum with pseudo header that TCP tests can use) and a
 *   parser for emitted frames.
 *
 * The checksum helpers here are deliberately naive and independent of
 * stack/checksum.c so that tests cross-check the stack.
 */
#ifndef AE_FAKEDEV_H
#define AE_FAKEDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <arpa/inet.h>

#include "aether.h"

#define FAKE_MAX_FRAMES		512
#define FAKE_FRAME_CAP		2048

/* Addresses in network byte order. */
#define FAKE_IP(a, b, c, d) \
	htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
	      (uint32_t)(c) << 8 | (uint32_t)(d))
#define FAKE_ADDR	FAKE_IP(192, 168, 1, 2)
#define FAKE_PEER	FAKE_IP(192, 168, 1, 1)
#define FAKE_GW		FAKE_PEER
#define FAKE_SEED	0x5eed5eed12345678ULL

extern const uint8_t fake_mac[6];	/* ours: 02:00:00:00:00:02 */
extern const uint8_t fake_peer_mac[6];	/* 02:00:00:00:00:01 */
extern const uint8_t fake_bcast_mac[6];

/* Virtual clock (starts at 1000 s, never at 0) */
uint64_t fake_clock_now(void);
void fake_clock_set_ns(uint64_t ns);
void fake_clock_advance_ns(uint64_t ns);
void fake_clock_advance_ms(uint64_t ms);
uint64_t fake_clock(void *ctx);

/* Fake device */
void fake_output(void *ctx, const struct iovec *iov, int iovcnt);
int fake_frame_count(void);
const uint8_t *fake_frame(int i, size_t *len);
void fake_frames_clear(void);
unsigned long fake_frames_lost(void);	/* beyond FAKE_MAX_FRAMES */
unsigned long fake_frames_oversize(void); /* > 1514 bytes or < 14 bytes */
int fake_output_max_iovcnt(void);

/* Counting allocator */
void *fake_mem_alloc(void *ctx, size_t len);
void fake_mem_free(void *ctx, void *mem, size_t len);
long fake_mem_live_count(void);
long fake_mem_live_bytes(void);
unsigned long fake_mem_total_allocs(void);
void fake_mem_fail_after(long n);	/* -1: never fail (default) */
unsigned long fake_mem_size_mismatches(void);

/* Stack factory */
void fake_config_default(struct ae_config *cfg);
struct ae_stack *fake_stack_new(const struct ae_config *cfg);
struct ae_stack *fake_stack_create(void);
void fake_stack_destroy(struct ae_stack *s);
void fake_reset(void);

/* Feeding frames */
void fake_input(struct ae_stack *s, const void *frame, size_t len);
void fake_arp_seed(struct ae_stack *s);
void fake_arp_seed_host(struct ae_stack *s, uint32_t ip, const uint8_t *mac);

/* Checksums (naive reference implementations) */
uint16_t fake_csum(const void *buf, size_t len);
uint16_t fake_l4_csum(uint32_t src, uint32_t dst, uint8_t proto,
		      const void *l4, size_t len);

/**
 * struct fake_ip - fields for fake_build_ipv4(); zero means default
 * @src, @dst:	addresses, network order (default FAKE_PEER -> FAKE_ADDR)
 * @proto:	protocol
 * @ttl:	default 64
 * @tos:	type of service
 * @id:		identification (host order)
 * @frag:	flags+offset field as on the wire, host order (0x2000 = MF)
 * @ihl:	header length in 32-bit words (default 5; options are NOPs)
 * @version:	default 4
 * @tot_len:	override total length (0: computed)
 * @bad_csum:	corrupt the header checksum
 * @eth_dst:	destination MAC (default ours)
 */
struct fake_ip {
	uint32_t src, dst;
	uint8_t proto, ttl, tos;
	uint16_t id, frag;
	uint8_t ihl, version;
	uint16_t tot_len;
	bool bad_csum;
	const uint8_t *eth_dst;
};

size_t fake_build_eth(uint8_t *buf, size_t cap, const uint8_t *dst,
		      const uint8_t *src, uint16_t type, const void *payload,
		      size_t len);
size_t fake_build_ipv4(uint8_t *buf, size_t cap, const struct fake_ip *ip,
		       const void *payload, size_t len);
size_t fake_build_udp(uint8_t *buf, size_t cap, uint32_t src, uint16_t sport,
		      uint32_t dst, uint16_t dport, const void *payload,
		      size_t len);
size_t fake_udp_frame(uint8_t *buf, size_t cap, uint32_t src, uint16_t sport,
		      uint16_t dport, const void *payload, size_t len);

/**
 * struct fake_parsed - an emitted frame, decoded (pointers into the frame)
 * @eth_dst, @eth_src: MAC addresses
 * @ethertype:	host order
 * @ip:		IPv4 header or NULL, @ihl its length in bytes
 * @proto, @ttl, @src, @dst, @id, @frag, @tot_len: IPv4 fields (host order
 *		except addresses)
 * @ip_csum_ok:	header checksum verifies
 * @l4:		IPv4 payload, @l4len bytes (per tot_len)
 */
struct fake_parsed {
	const uint8_t *eth_dst, *eth_src;
	uint16_t ethertype;
	const uint8_t *ip;
	size_t ihl;
	uint8_t proto, ttl;
	uint32_t src, dst;
	uint16_t id, frag, tot_len;
	bool ip_csum_ok;
	const uint8_t *l4;
	size_t l4len;
};

bool fake_parse(const uint8_t *frame, size_t len, struct fake_parsed *out);
bool fake_parse_frame(int i, struct fake_parsed *out);
int fake_find_frame(uint16_t ethertype, uint8_t proto, int start);

#endif /* AE_FAKEDEV_H */
