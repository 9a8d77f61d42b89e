// SPDX-License-Identifier: MIT
/**
 * DOC: test_ipv4.c - header checks, reassembly (order, duplicates, overlaps,
 * timeout, memory bound), output and fragmentation
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fakedev.h"
#include "stack.h"

#define PORT	htons(7777)

static struct ae_stack *S;
static struct ae_sock *U;
static uint8_t dgram[70000];

/**
 * setup() - a fresh stack (and whatever the suite needs) per test
 */
static void setup(void)
{
	int err;

	S = fake_stack_create();
	fake_arp_seed(S);
	U = udp_socket(S, &err);
	ck_assert_ptr_nonnull(U);
	ck_assert_int_eq(udp_bind(U, 0, PORT), 0);
}

/**
 * teardown() - destroy the stack and check that it freed everything
 */
static void teardown(void)
{
	fake_stack_destroy(S);
}

/**
 * make_dgram_to() - a UDP datagram to PORT with @len bytes of pattern payload
 * @len:	payload length
 * @src:	source for the pseudo header (0: FAKE_PEER)
 * @dst:	destination for the pseudo header (0: FAKE_ADDR)
 *
 * Return: datagram length (in the global dgram[])
 */
static size_t make_dgram_to(size_t len, uint32_t src, uint32_t dst)
{
	static uint8_t pay[66000];
	size_t i;

	for (i = 0; i < len; i++)
		pay[i] = (uint8_t)(i * 7 + (i >> 8));
	return fake_build_udp(dgram, sizeof(dgram), src ? src : FAKE_PEER,
			      htons(5000), dst ? dst : FAKE_ADDR, PORT, pay,
			      len);
}

/**
 * make_dgram() - make_dgram_to() from the peer to us
 * @len:	payload length
 *
 * Return: datagram length
 */
static size_t make_dgram(size_t len)
{
	return make_dgram_to(len, 0, 0);
}

/**
 * send_frag() - input one fragment of dgram[]
 * @off:	offset in the datagram (multiple of 8)
 * @len:	bytes
 * @mf:		more fragments
 * @id:		identification
 */
static void send_frag(size_t off, size_t len, bool mf, uint16_t id)
{
	static uint8_t f[2048];
	struct fake_ip ip = { .proto = 17, .id = id,
			      .frag = (uint16_t)(off / 8 | (mf ? 0x2000 : 0)) };
	size_t n = fake_build_ipv4(f, sizeof(f), &ip, dgram + off, len);

	fake_input(S, f, n);
}

/**
 * check_received() - the socket holds one datagram of @len pattern bytes
 * @len:	expected payload length
 */
static void check_received(size_t len)
{
	static uint8_t buf[66000];
	ssize_t n = udp_recvfrom(U, buf, sizeof(buf), 0, NULL, NULL);

	ck_assert_int_eq(n, (ssize_t)len);
	ck_assert_mem_eq(buf, dgram + 8, len);
	ck_assert_int_eq(udp_recvfrom(U, buf, sizeof(buf), 0, NULL, NULL),
			 -EAGAIN);
}

/**
 * send_plain() - input a whole UDP datagram with header fields from @ip
 * @ip:		IP header fields (proto forced to UDP)
 * @len:	payload length
 */
static void send_plain(struct fake_ip *ip, size_t len)
{
	static uint8_t f[2048];
	size_t d = make_dgram_to(len, ip->src, ip->dst), n;

	ip->proto = 17;
	n = fake_build_ipv4(f, sizeof(f), ip, dgram, d);
	fake_input(S, f, n);
}

START_TEST(test_valid_delivered)
{
	struct fake_ip ip = { 0 };

	send_plain(&ip, 100);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_receives"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 1);
	check_received(100);
}
END_TEST

START_TEST(test_bad_checksum)
{
	struct fake_ip ip = { .bad_csum = true };

	send_plain(&ip, 100);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_csum_errors"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 0);
	ck_assert_uint_eq(udp_rx_queued(U), 0);
}
END_TEST

START_TEST(test_truncated_header)
{
	uint8_t f[128];
	struct fake_ip ip = { .proto = 17 };
	size_t n = fake_build_ipv4(f, sizeof(f), &ip, NULL, 0), len;

	ck_assert_uint_eq(n, 34);
	for (len = 14; len < 34; len++)	/* 0..19 bytes of header */
		fake_input(S, f, len);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_truncated"), 20);
	/* Header claims options that are not there. */
	ip.ihl = 15;
	ip.tot_len = 20;
	n = fake_build_ipv4(f, sizeof(f), &ip, NULL, 0);
	fake_input(S, f, 14 + 40);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_truncated"), 21);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 0);
}
END_TEST

START_TEST(test_ihl_below_5)
{
	struct fake_ip ip = { 0 };
	uint8_t ihl;

	for (ihl = 1; ihl < 5; ihl++) {
		uint8_t f[2048];
		size_t d = make_dgram(10), n;

		ip.proto = 17;
		n = fake_build_ipv4(f, sizeof(f), &ip, dgram, d);
		f[14] = (uint8_t)(0x40 | ihl);
		st16(f + 24, 0);
		st16(f + 24, fake_csum(f + 14, (size_t)ihl * 4));
		fake_input(S, f, n);
	}
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_bad_ihl"), 4);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 0);
}
END_TEST

START_TEST(test_total_length_beyond_frame)
{
	struct fake_ip ip = { .tot_len = 20 + 8 + 101 };

	send_plain(&ip, 100);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_truncated"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 0);
	/* Total length shorter than the header itself */
	ip.tot_len = 19;
	send_plain(&ip, 100);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_hdr_errors"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 0);
}
END_TEST

START_TEST(test_ethernet_padding_trimmed)
{
	uint8_t f[128];
	struct fake_ip ip = { .proto = 17 };
	size_t d = make_dgram(4), n;

	n = fake_build_ipv4(f, sizeof(f), &ip, dgram, d);	/* 46 bytes */
	memset(f + n, 0xcc, 60 - n);
	fake_input(S, f, 60);	/* padded to the Ethernet minimum */
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_csum_errors"), 0);
	check_received(4);
}
END_TEST

START_TEST(test_wrong_version)
{
	struct fake_ip ip = { .version = 6 };

	send_plain(&ip, 10);
	ip.version = 5;
	send_plain(&ip, 10);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_bad_version"), 2);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 0);
}
END_TEST

START_TEST(test_ttl)
{
	struct fake_ip ip = { .ttl = 0 };
	uint8_t f[128];
	size_t d = make_dgram(10), n;

	ip.proto = 17;
	n = fake_build_ipv4(f, sizeof(f), &ip, dgram, d);
	f[14 + 8] = 0;		/* fake_build_ipv4 defaults TTL 0 to 64 */
	st16(f + 24, 0);
	st16(f + 24, fake_csum(f + 14, 20));
	fake_input(S, f, n);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_ttl_expired"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 0);
	/* RFC 1122 3.2.1.7: a host must accept TTL 1 */
	ip.ttl = 1;
	send_plain(&ip, 10);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 1);
	check_received(10);
}
END_TEST

START_TEST(test_options_skipped)
{
	struct fake_ip ip = { .ihl = 15 };	/* 40 bytes of NOP options */

	send_plain(&ip, 50);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 1);
	check_received(50);
}
END_TEST

START_TEST(test_addresses)
{
	struct fake_ip ip = { .dst = FAKE_IP(192, 168, 1, 3) };

	send_plain(&ip, 10);	/* not ours */
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_addr_errors"), 1);
	ip.dst = 0;
	ip.src = FAKE_IP(224, 0, 0, 5);	/* multicast source */
	send_plain(&ip, 10);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_addr_errors"), 2);
	ip.src = FAKE_IP(192, 168, 1, 255);	/* broadcast source */
	send_plain(&ip, 10);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_addr_errors"), 3);
	ip.src = FAKE_ADDR;		/* ourselves */
	send_plain(&ip, 10);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_addr_errors"), 4);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 0);
	/* Subnet and limited broadcast are ours to receive. */
	ip.src = 0;
	ip.dst = FAKE_IP(192, 168, 1, 255);
	ip.eth_dst = fake_bcast_mac;
	send_plain(&ip, 10);
	ip.dst = FAKE_IP(255, 255, 255, 255);
	send_plain(&ip, 10);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 2);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_datagrams"), 2);
}
END_TEST

START_TEST(test_unknown_protocol)
{
	uint8_t f[128], pay[20] = { 0 };
	struct fake_ip ip = { .proto = 99 };
	struct fake_parsed p;
	size_t n = fake_build_ipv4(f, sizeof(f), &ip, pay, sizeof(pay));

	fake_input(S, f, n);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_unknown_protos"), 1);
	/* RFC 1122 3.2.2.1: protocol unreachable */
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(fake_parse_frame(0, &p));
	ck_assert_uint_eq(p.proto, 1);
	ck_assert_uint_eq(p.l4[0], 3);
	ck_assert_uint_eq(p.l4[1], 2);
}
END_TEST

START_TEST(test_frags_in_order)
{
	size_t d = make_dgram(4000), off;

	for (off = 0; off < d; off += 1480)
		send_frag(off, d - off > 1480 ? 1480 : d - off, off + 1480 < d, 42);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_reqds"), 3);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_oks"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 1);
	check_received(4000);
	ck_assert_uint_eq(ipv4_next_timeout(S), AE_NEVER);
}
END_TEST

START_TEST(test_frags_out_of_order)
{
	size_t d = make_dgram(4000);

	/* last first, then middle, then first; odd sizes, multiples of 8 */
	send_frag(2400, d - 2400, false, 43);
	send_frag(800, 1600, true, 43);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 0);
	send_frag(0, 800, true, 43);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_oks"), 1);
	check_received(4000);
}
END_TEST

START_TEST(test_frags_duplicated)
{
	size_t d = make_dgram(3000);

	send_frag(0, 1480, true, 44);
	send_frag(0, 1480, true, 44);		/* exact duplicate */
	send_frag(8, 16, true, 44);		/* inside what we have */
	send_frag(1480, d - 1480, false, 44);
	send_frag(1480, d - 1480, false, 44);	/* after completion: new */
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_dups"), 2);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_oks"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 1);
	check_received(3000);
}
END_TEST

START_TEST(test_frags_overlap_dropped)
{
	size_t d = make_dgram(3000);

	send_frag(0, 1480, true, 45);
	send_frag(1000, 1000, true, 45);	/* overlaps [1000, 1480) */
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_overlaps"), 1);
	/* The datagram is gone: the rest cannot complete it. */
	send_frag(1480, d - 1480, false, 45);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_oks"), 0);
	ck_assert_uint_eq(udp_rx_queued(U), 0);
	/* A fresh, clean copy is accepted afterwards (same id). */
	send_frag(0, 1480, true, 45);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_oks"), 1);
	check_received(3000);
}
END_TEST

START_TEST(test_frags_overlap_into_last)
{
	size_t d = make_dgram(3000);

	send_frag(1480, d - 1480, false, 46);
	send_frag(1472, 16, true, 46);		/* straddles the start */
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_overlaps"), 1);
	ck_assert_uint_eq(ipv4_next_timeout(S), AE_NEVER);
}
END_TEST

START_TEST(test_frags_timeout)
{
	size_t d = make_dgram(3000);
	uint64_t t0 = fake_clock_now();

	send_frag(0, 1480, true, 47);
	ck_assert_uint_eq(ipv4_next_timeout(S), t0 + 30000 * 1000000ULL);
	fake_clock_advance_ms(29999);
	ae_stack_poll(S);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_timeouts"), 0);
	ck_assert_int_eq(fake_frame_count(), 0);
	fake_clock_advance_ms(1);
	ae_stack_poll(S);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_timeouts"), 1);
	ck_assert_uint_eq(ipv4_next_timeout(S), AE_NEVER);
	/* RFC 1122 3.3.2: fragment zero came, so time exceeded (code 1) */
	{
		struct fake_parsed p;

		ck_assert_int_eq(fake_frame_count(), 1);
		ck_assert(fake_parse_frame(0, &p));
		ck_assert_uint_eq(p.proto, 1);
		ck_assert_uint_eq(p.dst, FAKE_PEER);
		ck_assert_uint_eq(p.l4[0], 11);
		ck_assert_uint_eq(p.l4[1], 1);
		ck_assert_uint_eq(p.l4len, 8 + 20 + 8);
		ck_assert_uint_eq(fake_csum(p.l4, p.l4len), 0);
		ck_assert_uint_eq(ld16(p.l4 + 8 + 4), 47);	/* its id */
		ck_assert_mem_eq(p.l4 + 8 + 20, dgram, 8);	/* UDP header */
		ck_assert_uint_eq(ae_stack_stat(S, "icmp", "out_other"), 1);
	}
	fake_frames_clear();
	/* The rest arriving late starts a new datagram, never delivered. */
	send_frag(1480, d - 1480, false, 47);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_oks"), 0);
}
END_TEST

START_TEST(test_frags_timeout_without_first)
{
	size_t d = make_dgram(3000);

	send_frag(1480, d - 1480, false, 48);
	fake_clock_advance_ms(30000);
	ae_stack_poll(S);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_timeouts"), 1);
	ck_assert_int_eq(fake_frame_count(), 0);	/* nothing to quote */
}
END_TEST

START_TEST(test_frags_memory_bound)
{
	uint16_t id;

	make_dgram(3000);
	for (id = 100; id < 108; id++)
		send_frag(0, 1480, true, id);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_no_memory"), 0);
	send_frag(0, 1480, true, 108);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_no_memory"), 1);
	/* Fragments of datagrams in progress are still accepted. */
	send_frag(1480, 3008 - 1480, false, 100);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_oks"), 1);
	check_received(3000);
	/* The freed slot serves a new datagram. */
	send_frag(0, 1480, true, 108);
	send_frag(1480, 3008 - 1480, false, 108);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_oks"), 2);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_no_memory"), 1);
}
END_TEST

START_TEST(test_frags_bad_lengths)
{
	make_dgram(3000);
	send_frag(0, 1475, true, 50);		/* MF, not a multiple of 8 */
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_fails"), 1);
	send_frag(0, 1480, true, 51);
	send_frag(65528, 1000, false, 51);	/* beyond 64 KiB */
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_fails"), 2);
	/* Two different ends */
	send_frag(1480, 1000, false, 52);
	send_frag(1480, 800, false, 52);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_fails"), 3);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 0);
}
END_TEST

START_TEST(test_frags_64k_max)
{
	/* The largest UDP datagram IPv4 can carry: 65507 bytes of data. */
	size_t d = make_dgram(65507), off;

	ck_assert_uint_eq(d, 65515);
	for (off = 0; off < d; off += 1480)
		send_frag(off, d - off > 1480 ? 1480 : d - off, off + 1480 < d, 60);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_oks"), 1);
	check_received(65507);
}
END_TEST

/**
 * collect() - reassemble emitted fragments in the test
 * @out:	reassembled payload
 * @cap:	its size
 * @nfrags:	set to the number of fragments
 *
 * Return: payload length (asserts consistent id, offsets and MF bits)
 */
static size_t collect(uint8_t *out, size_t cap, int *nfrags)
{
	struct fake_parsed p;
	size_t expect = 0;
	uint16_t id = 0;
	int i, n = fake_frame_count();

	for (i = 0; i < n; i++) {
		ck_assert(fake_parse_frame(i, &p));
		ck_assert_ptr_nonnull(p.ip);
		ck_assert(p.ip_csum_ok);
		ck_assert_uint_le(14 + p.tot_len, 1514);
		if (!i)
			id = p.id;
		ck_assert_uint_eq(p.id, id);
		ck_assert_uint_eq((size_t)(p.frag & 0x1fff) * 8, expect);
		ck_assert_uint_eq(!!(p.frag & 0x2000), i < n - 1);
		ck_assert_uint_eq(p.frag & 0x4000, 0);
		ck_assert_uint_le(expect + p.l4len, cap);
		memcpy(out + expect, p.l4, p.l4len);
		expect += p.l4len;
	}
	*nfrags = n;
	return expect;
}

START_TEST(test_output_fragments)
{
	static uint8_t pay[5000], back[6000];
	struct iovec v[3] = { { pay, 1 }, { pay + 1, 2999 }, { pay + 3000, 2000 } };
	size_t i, n;
	int nf;

	for (i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 13);
	ck_assert_int_eq(ipv4_output(S, 0, FAKE_PEER, 17, 0, v, 3), 0);
	n = collect(back, sizeof(back), &nf);
	ck_assert_int_eq(nf, 4);	/* 1480 * 3 + 560 */
	ck_assert_uint_eq(n, 5000);
	ck_assert_mem_eq(back, pay, 5000);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "frag_creates"), 4);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "frag_oks"), 1);
}
END_TEST

START_TEST(test_output_header)
{
	uint8_t pay[100] = { 1 };
	struct iovec v = { pay, sizeof(pay) };
	struct fake_parsed p;

	ck_assert_int_eq(ipv4_output(S, 0, FAKE_PEER, 17, 0x10, &v, 1), 0);
	ck_assert_int_eq(ipv4_output(S, 0, FAKE_PEER, 6, 0, &v, 1), 0);
	ck_assert(fake_parse_frame(0, &p));
	ck_assert(p.ip_csum_ok);
	ck_assert_uint_eq(p.ihl, 20);
	ck_assert_uint_eq(p.ttl, 64);
	ck_assert_uint_eq(p.src, FAKE_ADDR);
	ck_assert_uint_eq(p.dst, FAKE_PEER);
	ck_assert_uint_eq(p.tot_len, 120);
	ck_assert_uint_eq(p.frag, 0);		/* UDP: DF clear */
	ck_assert_uint_eq(p.ip[1], 0x10);
	ck_assert(fake_parse_frame(1, &p));
	ck_assert_uint_eq(p.frag, 0x4000);	/* TCP: DF, like Linux */
	/* TCP never fragments: a segment over the MTU is refused. */
	{
		static uint8_t big[1481];
		struct iovec b = { big, sizeof(big) };

		ck_assert_int_eq(ipv4_output(S, 0, FAKE_PEER, 6, 0, &b, 1),
				 -EMSGSIZE);
		b.iov_len = 1480;
		ck_assert_int_eq(ipv4_output(S, 0, FAKE_PEER, 6, 0, &b, 1), 0);
	}
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "out_discards"), 1);
}
END_TEST

START_TEST(test_output_ids_differ)
{
	uint8_t pay[10] = { 0 };
	struct iovec v = { pay, sizeof(pay) };
	struct fake_parsed a, b;

	ipv4_output(S, 0, FAKE_PEER, 17, 0, &v, 1);
	ipv4_output(S, 0, FAKE_PEER, 17, 0, &v, 1);
	ck_assert(fake_parse_frame(0, &a));
	ck_assert(fake_parse_frame(1, &b));
	ck_assert_uint_ne(a.id, b.id);
}
END_TEST

START_TEST(test_output_too_big)
{
	static uint8_t big[65536];
	struct iovec v = { big, 65516 };

	ck_assert_int_eq(ipv4_output(S, 0, FAKE_PEER, 17, 0, &v, 1), -EMSGSIZE);
	v.iov_len = 65515;
	ck_assert_int_eq(ipv4_output(S, 0, FAKE_PEER, 17, 0, &v, 1), 0);
	ck_assert_int_eq(fake_frame_count(), 45);
	ck_assert_uint_eq(fake_frames_lost(), 0);
}
END_TEST

START_TEST(test_small_mtu)
{
	static uint8_t pay[1400], back[1500];
	struct iovec v = { pay, sizeof(pay) };
	struct ae_config cfg;
	size_t i, n;
	int nf;

	ae_stack_destroy(S);
	fake_config_default(&cfg);
	cfg.mtu = 576;
	S = fake_stack_new(&cfg);
	fake_arp_seed(S);
	for (i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)i;
	ck_assert_int_eq(ipv4_output(S, 0, FAKE_PEER, 1, 0, &v, 1), 0);
	n = collect(back, sizeof(back), &nf);
	ck_assert_int_eq(nf, 3);	/* 552 + 552 + 296 */
	ck_assert_uint_eq(n, 1400);
	ck_assert_mem_eq(back, pay, 1400);
}
END_TEST

/**
 * ipv4_suite() - the suite
 *
 * Return: suite
 */
static Suite *ipv4_suite(void)
{
	Suite *su = suite_create("ipv4");
	TCase *tc = tcase_create("input");
	TCase *tf = tcase_create("fragments");
	TCase *to = tcase_create("output");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_valid_delivered);
	tcase_add_test(tc, test_bad_checksum);
	tcase_add_test(tc, test_truncated_header);
	tcase_add_test(tc, test_ihl_below_5);
	tcase_add_test(tc, test_total_length_beyond_frame);
	tcase_add_test(tc, test_ethernet_padding_trimmed);
	tcase_add_test(tc, test_wrong_version);
	tcase_add_test(tc, test_ttl);
	tcase_add_test(tc, test_options_skipped);
	tcase_add_test(tc, test_addresses);
	tcase_add_test(tc, test_unknown_protocol);
	suite_add_tcase(su, tc);

	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, test_frags_in_order);
	tcase_add_test(tf, test_frags_out_of_order);
	tcase_add_test(tf, test_frags_duplicated);
	tcase_add_test(tf, test_frags_overlap_dropped);
	tcase_add_test(tf, test_frags_overlap_into_last);
	tcase_add_test(tf, test_frags_timeout);
	tcase_add_test(tf, test_frags_timeout_without_first);
	tcase_add_test(tf, test_frags_memory_bound);
	tcase_add_test(tf, test_frags_bad_lengths);
	tcase_add_test(tf, test_frags_64k_max);
	suite_add_tcase(su, tf);

	tcase_add_checked_fixture(to, setup, teardown);
	tcase_add_test(to, test_output_fragments);
	tcase_add_test(to, test_output_header);
	tcase_add_test(to, test_output_ids_differ);
	tcase_add_test(to, test_output_too_big);
	tcase_add_test(to, test_small_mtu);
	suite_add_tcase(su, to);
	return su;
}

/**
 * main() - run the suite
 *
 * Return: EXIT_SUCCESS when every test passed
 */
int main(void)
{
	SRunner *sr = srunner_create(ipv4_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
