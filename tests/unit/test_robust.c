// SPDX-License-Identifier: MIT
/**
 * DOC: test_robust.c - hostile input through the whole stack, quickly
 *
 * The in-tree, deterministic cousin of tests/fuzz/fuzz_frame.c: thousands of
 * random and mutated-valid frames (fixed seed, bounded counts) go into a
 * stack through the fake device, with an application on top (a TCP listener
 * on :80 that accepts, reads and closes on EOF; a UDP socket on :53 that
 * echoes). Each test asserts that nothing crashed (the test process would
 * die), that the counters agree with what was fed (eth.in_frames equals the
 * frames given; drop counters never exceed what arrived), that every frame
 * the stack emitted is well formed (sizes, IPv4 header checksum, transport
 * checksum), that connections and reassembly state do not outlive virtual
 * time, and that destroy frees every allocation (fake_stack_destroy()).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fakedev.h"
#include "pkt.h"

static struct ae_stack *S;
static struct ae_sock *lsn, *udp;
static struct ae_sock *conns[64];
static int nconns;
static uint64_t fed;		/* frames given to the stack */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static unsigned long emitted_checked;

/**
 * rnd() - xorshift64*, fixed seed: every run feeds the same frames
 *
 * Return: 32 random bits
 */
static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

/**
 * rnd_below() - uniform-ish value in [0, n)
 * @n:		bound (> 0)
 *
 * Return: value
 */
static uint32_t rnd_below(uint32_t n)
{
	return rnd() % n;
}

/**
 * check_emitted() - every recorded frame must be well formed; then clear
 *
 * Sizes are checked by fakedev itself (fake_frames_oversize()); here the IPv4
 * header checksum and, for unfragmented TCP/UDP/ICMP, the transport checksum.
 */
static void check_emitted(void)
{
	struct fake_parsed p;
	int i;

	for (i = 0; i < fake_frame_count(); i++) {
		ck_assert(fake_parse_frame(i, &p));
		ck_assert_msg(!memcmp(p.eth_src, fake_mac, 6),
			      "emitted frame %d not from our MAC", i);
		if (p.ethertype != 0x0800)
			continue;
		ck_assert_msg(p.ip, "emitted IPv4 frame %d malformed", i);
		ck_assert_msg(p.ip_csum_ok, "emitted frame %d: bad IP checksum", i);
		emitted_checked++;
		if (p.frag & 0x3fff)
			continue;
		if (p.proto == 6 || (p.proto == 17 && p.l4len >= 8 &&
				     ld16(p.l4 + 6)))
			ck_assert_msg(fake_l4_csum(p.src, p.dst, p.proto, p.l4,
						   p.l4len) == 0,
				      "emitted frame %d: bad proto %u checksum",
				      i, p.proto);
		if (p.proto == 1)
			ck_assert_msg(fake_csum(p.l4, p.l4len) == 0,
				      "emitted frame %d: bad ICMP checksum", i);
	}
	fake_frames_clear();
}

/**
 * app() - the application's turn: accept, read, close on EOF, echo UDP
 */
static void app(void)
{
	static uint8_t buf[65536];
	struct sockaddr_in from;
	struct ae_sock *sk;
	ssize_t n;
	int i, k;

	for (k = 0; k < 8 && ae_accept(lsn, &sk, NULL) == 0; k++) {
		if (nconns < (int)(sizeof(conns) / sizeof(conns[0])))
			conns[nconns++] = sk;
		else
			ae_close(sk);
	}
	for (i = 0; i < nconns; i++) {
		n = ae_recv(conns[i], buf, sizeof(buf), 0);
		ck_assert_int_le(n, (ssize_t)sizeof(buf));
		if (n == -EAGAIN || n > 0)
			continue;
		ae_close(conns[i]);
		conns[i--] = conns[--nconns];
	}
	for (k = 0; k < 8; k++) {
		n = ae_recvfrom(udp, buf, sizeof(buf), 0, &from);
		if (n < 0)
			break;
		ae_sendto(udp, buf, (size_t)n, 0, &from);
	}
}

/**
 * feed() - one frame in, time moves 0-20 ms, timers, the app
 * @f:		frame
 * @len:	length
 */
static void feed(const uint8_t *f, size_t len)
{
	/* the fake peer never answers ARP: refresh its entry now and then */
	if (fed % 128 == 0) {
		fake_arp_seed(S);
		fed++;
	}
	fake_input(S, f, len);
	fed++;
	fake_clock_advance_ms(rnd_below(21));
	ae_stack_poll(S);
	app();
	if (fake_frame_count() > FAKE_MAX_FRAMES / 2)
		check_emitted();
}

/**
 * setup() - a stack with a peer in the ARP cache, a listener and UDP :53
 */
static void setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int err;

	S = fake_stack_create();
	fake_arp_seed(S);
	fed = 1;
	nconns = 0;
	emitted_checked = 0;
	lsn = ae_socket(S, SOCK_STREAM, &err);
	udp = ae_socket(S, SOCK_DGRAM, &err);
	ck_assert_ptr_nonnull(lsn);
	ck_assert_ptr_nonnull(udp);
	a.sin_port = htons(80);
	ck_assert_int_eq(ae_bind(lsn, &a), 0);
	ck_assert_int_eq(ae_listen(lsn, 16), 0);
	a.sin_port = htons(53);
	ck_assert_int_eq(ae_bind(udp, &a), 0);
}

/**
 * count_sock() - ae_stack_sockets_foreach() visitor
 * @ctx:	int counter
 * @info:	unused
 */
static void count_sock(void *ctx, const struct ae_sock_info *info)
{
	(void)info;
	(*(int *)ctx)++;
}

/**
 * live_sockets() - sockets the stack still holds
 *
 * Return: count
 */
static int live_sockets(void)
{
	int n = 0;

	ae_stack_sockets_foreach(S, count_sock, &n);
	return n;
}

/**
 * check_counters() - counters against what was fed
 */
static void check_counters(void)
{
	uint64_t in = ae_stack_stat(S, "eth", "in_frames");

	ck_assert_uint_eq(in, fed);
	ck_assert_uint_le(ae_stack_stat(S, "eth", "in_runt") +
			  ae_stack_stat(S, "eth", "in_not_for_us") +
			  ae_stack_stat(S, "eth", "in_unknown_type"), in);
	ck_assert_uint_le(ae_stack_stat(S, "ip", "in_receives"), in);
	ck_assert_uint_le(ae_stack_stat(S, "ip", "in_hdr_errors") +
			  ae_stack_stat(S, "ip", "in_csum_errors") +
			  ae_stack_stat(S, "ip", "in_truncated"),
			  ae_stack_stat(S, "ip", "in_receives"));
}

/**
 * teardown() - close the app, let virtual time pass, destroy (leak check)
 */
static void teardown(void)
{
	int k;

	check_emitted();
	check_counters();
	while (nconns)
		ae_close(conns[--nconns]);
	ae_close(lsn);
	ae_close(udp);
	/*
	 * 40 minutes of virtual time: an orphan whose FIN is never answered
	 * retransmits it 15 times with backoff up to 120 s (tcp_retries2,
	 * about 20 minutes); then TIME-WAIT and reassembly timers.
	 */
	for (k = 0; k < 2400; k++) {
		fake_clock_advance_ms(1000);
		ae_stack_poll(S);
		fake_frames_clear();
	}
	ck_assert_int_eq(live_sockets(), 0);
	fake_stack_destroy(S);
}

/* --- frame builders --------------------------------------------------- */

/**
 * tcp_seg() - Ethernet + IPv4 + TCP from the peer to us
 * @buf:	output (2048 bytes)
 * @sport:	peer port (host order)
 * @dport:	our port (host order)
 * @seq:	sequence number
 * @ack:	acknowledgment number
 * @flags:	TCP flags byte
 * @opts:	options (a multiple of 4 bytes) or NULL
 * @olen:	their length
 * @data:	payload or NULL
 * @dlen:	its length
 *
 * Return: frame length
 */
static size_t tcp_seg(uint8_t *buf, uint16_t sport, uint16_t dport,
		      uint32_t seq, uint32_t ack, uint8_t flags,
		      const uint8_t *opts, size_t olen, const uint8_t *data,
		      size_t dlen)
{
	uint8_t seg[1600];
	struct fake_ip ip = { .proto = 6, .id = (uint16_t)rnd() };
	size_t hl = 20 + olen;

	ck_assert_uint_le(hl + dlen, sizeof(seg));
	memset(seg, 0, hl);
	st16(seg, sport);
	st16(seg + 2, dport);
	st32(seg + 4, seq);
	st32(seg + 8, ack);
	seg[12] = (uint8_t)((hl / 4) << 4);
	seg[13] = flags;
	st16(seg + 14, 65535);
	if (olen)
		memcpy(seg + 20, opts, olen);
	if (dlen)
		memcpy(seg + hl, data, dlen);
	st16(seg + 16, fake_l4_csum(FAKE_PEER, FAKE_ADDR, 6, seg, hl + dlen));
	return fake_build_ipv4(buf, 2048, &ip, seg, hl + dlen);
}

/**
 * icmp_echo() - an echo request frame with @dlen data bytes
 * @buf:	output (2048 bytes)
 * @dlen:	data length (<= 1400)
 *
 * Return: frame length
 */
static size_t icmp_echo(uint8_t *buf, size_t dlen)
{
	uint8_t m[1500];
	struct fake_ip ip = { .proto = 1, .id = (uint16_t)rnd() };
	size_t i;

	m[0] = 8;
	m[1] = 0;
	st16(m + 2, 0);
	st16(m + 4, 0x4242);
	st16(m + 6, (uint16_t)rnd());
	for (i = 0; i < dlen; i++)
		m[8 + i] = (uint8_t)rnd();
	st16(m + 2, fake_csum(m, dlen + 8));
	return fake_build_ipv4(buf, 2048, &ip, m, dlen + 8);
}

/**
 * arp_frame() - an ARP request or reply from the peer
 * @buf:	output (2048 bytes)
 * @op:		1 request, 2 reply
 *
 * Return: frame length
 */
static size_t arp_frame(uint8_t *buf, uint16_t op)
{
	uint8_t a[28];
	uint32_t peer = FAKE_PEER, us = FAKE_ADDR;

	st16(a, 1);
	st16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	st16(a + 6, op);
	memcpy(a + 8, fake_peer_mac, 6);
	memcpy(a + 14, &peer, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, &us, 4);
	return fake_build_eth(buf, 2048, op == 1 ? fake_bcast_mac : fake_mac,
			      fake_peer_mac, 0x0806, a, sizeof(a));
}

/**
 * fragment() - one fragment of an ICMP datagram, id from a small set
 * @buf:	output (2048 bytes)
 *
 * Return: frame length
 */
static size_t fragment(uint8_t *buf)
{
	uint8_t pl[1480];
	struct fake_ip ip = { .proto = 1 };
	size_t len = 8 * (1 + rnd_below(180)), i;

	ip.id = (uint16_t)rnd_below(8);
	ip.frag = (uint16_t)(rnd_below(400) | (rnd_below(4) ? 0x2000 : 0));
	for (i = 0; i < len; i++)
		pl[i] = (uint8_t)rnd();
	return fake_build_ipv4(buf, 2048, &ip, pl, len);
}

/**
 * valid_frame() - one of the valid templates, chosen at random
 * @buf:	output (2048 bytes)
 *
 * Return: frame length
 */
static size_t valid_frame(uint8_t *buf)
{
	static const uint8_t syn_opts[20] = {
		2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1,
		8, 10, 0, 0, 0, 1, 0, 0
	};
	uint8_t data[512];
	size_t dlen = rnd_below(sizeof(data)), i;
	uint16_t sport = (uint16_t)(40000 + rnd_below(16));

	for (i = 0; i < dlen; i++)
		data[i] = (uint8_t)rnd();
	switch (rnd_below(8)) {
	case 0:
		return arp_frame(buf, (uint16_t)(1 + rnd_below(2)));
	case 1:
		return icmp_echo(buf, dlen);
	case 2:
		return fake_udp_frame(buf, 2048, 0, htons(5353),
				      htons(rnd_below(2) ? 53 : 9), data, dlen);
	case 3:
		return fragment(buf);
	case 4:
		return tcp_seg(buf, sport, 80, rnd(), 0, 0x02, syn_opts,
			       sizeof(syn_opts), NULL, 0);
	case 5:
		return tcp_seg(buf, sport, 80, rnd(), rnd(), 0x18, NULL, 0, data,
			       dlen);
	case 6:
		return tcp_seg(buf, sport, 80, rnd(), rnd(),
			       (uint8_t)rnd_below(64), NULL, 0, data, dlen);
	default:
		return tcp_seg(buf, sport, (uint16_t)rnd_below(100), rnd(),
			       rnd(), 0x02, NULL, 0, NULL, 0);
	}
}

/**
 * fix_csums() - recompute IPv4 and transport checksums after a mutation
 * @f:		frame
 * @len:	length
 */
static void fix_csums(uint8_t *f, size_t len)
{
	uint8_t *ip = f + 14;
	size_t hl, tot;
	uint32_t src, dst;
	int off = -1;

	if (len < 34 || ld16(f + 12) != 0x0800)
		return;
	hl = (size_t)(ip[0] & 0xf) * 4;
	tot = ld16(ip + 2);
	if (hl < 20 || 14 + hl > len || tot < hl || 14 + tot > len)
		return;
	st16(ip + 10, 0);
	st16(ip + 10, fake_csum(ip, hl));
	if (ld16(ip + 6) & 0x3fff)
		return;
	off = ip[9] == 6 ? 16 : ip[9] == 17 ? 6 : ip[9] == 1 ? 2 : -1;
	if (off < 0 || tot - hl < (size_t)off + 2)
		return;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	st16(ip + hl + off, 0);
	if (ip[9] == 1)
		st16(ip + hl + off, fake_csum(ip + hl, tot - hl));
	else
		st16(ip + hl + off, fake_l4_csum(src, dst, ip[9], ip + hl,
						 tot - hl));
}

/**
 * mutate() - damage a frame in one to four random ways
 * @f:		frame (2048-byte buffer)
 * @len:	its length
 *
 * Return: the new length
 */
static size_t mutate(uint8_t *f, size_t len)
{
	static const uint8_t hot[] = {
		12, 13, 14, 16, 17, 20, 21, 22, 23, 24, 34, 35, 36, 37, 38, 39,
		40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55
	};
	int k, n = 1 + (int)rnd_below(4);
	size_t pos;

	for (k = 0; k < n; k++) {
		switch (rnd_below(6)) {
		case 0:		/* flip a bit anywhere */
			pos = rnd_below((uint32_t)len);
			f[pos] ^= (uint8_t)(1u << rnd_below(8));
			break;
		case 1:		/* a header byte gets an extreme value */
			pos = hot[rnd_below(sizeof(hot))];
			if (pos < len)
				f[pos] = rnd_below(2) ? 0xff : (uint8_t)rnd_below(3);
			break;
		case 2:		/* truncate */
			len = rnd_below((uint32_t)len + 1);
			break;
		case 3:		/* extend with garbage */
			while (len < 2048 && rnd_below(8)) {
				f[len++] = (uint8_t)rnd();
			}
			break;
		case 4:		/* a random byte in the first 64 */
			pos = rnd_below(64);
			if (pos < len)
				f[pos] = (uint8_t)rnd();
			break;
		default:	/* a 16-bit field gets a random value */
			pos = hot[rnd_below(sizeof(hot))];
			if (pos + 1 < len)
				st16(f + pos, (uint16_t)rnd());
			break;
		}
		if (!len)
			break;
	}
	if (rnd_below(2))
		fix_csums(f, len);
	return len;
}

/* --- tests -------------------------------------------------------------- */

START_TEST(random_bytes)
{
	uint8_t f[2048];
	size_t len, i;
	int k;

	for (k = 0; k < 4000; k++) {
		len = rnd_below(k % 10 ? 100 : 1600);
		for (i = 0; i < len; i++)
			f[i] = (uint8_t)rnd();
		/* addressed to us, with a plausible type, most of the time */
		if (len >= 14 && rnd_below(4)) {
			memcpy(f, rnd_below(4) ? fake_mac : fake_bcast_mac, 6);
			st16(f + 12, rnd_below(3) ? 0x0800 : 0x0806);
			if (len > 14 && rnd_below(2))
				f[14] = 0x45;
		}
		feed(f, len);
	}
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "in_frames"), fed);
	ck_assert_uint_gt(ae_stack_stat(S, "eth", "in_runt"), 0);
	ck_assert_uint_gt(ae_stack_stat(S, "ip", "in_receives"), 0);
}
END_TEST

START_TEST(mutated_valid)
{
	uint8_t f[2048];
	size_t len;
	int k;

	for (k = 0; k < 12000; k++) {
		len = valid_frame(f);
		if (k % 8)
			len = mutate(f, len);
		feed(f, len);
	}
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "in_frames"), fed);
	/* the mutations reached every layer */
	ck_assert_uint_gt(ae_stack_stat(S, "ip", "in_csum_errors"), 0);
	ck_assert_uint_gt(ae_stack_stat(S, "tcp", "in_segs"), 0);
	ck_assert_uint_gt(ae_stack_stat(S, "udp", "in_datagrams"), 0);
	ck_assert_uint_gt(ae_stack_stat(S, "icmp", "in_echos"), 0);
	ck_assert_uint_gt(ae_stack_stat(S, "arp", "in_requests"), 0);
	ck_assert_uint_gt(emitted_checked, 0);
}
END_TEST

/**
 * synack_seq() - find the SYN-ACK to @port among recorded frames
 * @port:	the peer port (host order)
 * @seq:	set to its sequence number
 *
 * Return: true if found
 */
static bool synack_seq(uint16_t port, uint32_t *seq)
{
	struct fake_parsed p;
	int i;

	for (i = fake_frame_count() - 1; i >= 0; i--) {
		if (!fake_parse_frame(i, &p) || !p.ip || p.proto != 6 ||
		    p.l4len < 20 || ld16(p.l4 + 2) != port)
			continue;
		if ((p.l4[13] & 0x12) == 0x12) {
			*seq = ld32(p.l4 + 4);
			return true;
		}
	}
	return false;
}

/**
 * print_stat() - ae_stack_stats_foreach() visitor: non-zero counters
 * @ctx:	unused
 * @group:	group
 * @name:	name
 * @value:	value
 */
static void print_stat(void *ctx, const char *group, const char *name,
		       uint64_t value)
{
	(void)ctx;
	if (value)
		fprintf(stderr, "  %s.%s %llu\n", group, name,
			(unsigned long long)value);
}

/**
 * dump_stats() - print the non-zero counters and socket count (diagnosis)
 */
static void dump_stats(void)
{
	fprintf(stderr, "counters (%d sockets, %d app connections):\n",
		live_sockets(), nconns);
	ae_stack_stats_foreach(S, print_stat, NULL);
}

START_TEST(mutated_conversations)
{
	uint8_t f[2048], data[1400];
	uint32_t isn, their = 0;
	size_t len, i;
	uint16_t sport;
	int c, k;

	for (c = 0; c < 300; c++) {
		sport = (uint16_t)(20000 + c);
		isn = rnd();
		fake_frames_clear();
		feed(f, tcp_seg(f, sport, 80, isn, 0, 0x02, NULL, 0, NULL, 0));
		if (!synack_seq(sport, &their))
			dump_stats();
		ck_assert_msg(synack_seq(sport, &their), "no SYN-ACK (conv %d)", c);
		feed(f, tcp_seg(f, sport, 80, isn + 1, their + 1, 0x10, NULL, 0,
				NULL, 0));
		for (k = 0; k < 20; k++) {
			size_t dlen = rnd_below(sizeof(data));
			uint32_t seq = isn + 1 + (uint32_t)(k * 700);
			uint8_t fl = k == 19 ? 0x11 : 0x18;

			for (i = 0; i < dlen; i++)
				data[i] = (uint8_t)rnd();
			len = tcp_seg(f, sport, 80, seq, their + 1, fl, NULL, 0,
				      data, dlen);
			if (rnd_below(3) == 0)
				len = mutate(f, len);
			feed(f, len);
		}
		if (c % 16 == 0) {	/* let retransmissions and timeouts run */
			fake_clock_advance_ms(5000);
			ae_stack_poll(S);
			app();
			check_emitted();
		}
	}
	ck_assert_uint_gt(ae_stack_stat(S, "tcp", "passive_opens"), 250);
	ck_assert_uint_gt(ae_stack_stat(S, "tcp", "in_csum_errors") +
			  ae_stack_stat(S, "tcp", "in_bad_offset") +
			  ae_stack_stat(S, "tcp", "in_out_of_window") +
			  ae_stack_stat(S, "tcp", "in_truncated") +
			  ae_stack_stat(S, "ip", "in_csum_errors"), 0);
}
END_TEST

START_TEST(fragment_storm)
{
	uint8_t f[2048];
	long base;
	int k;

	fake_clock_advance_ms(1);
	ae_stack_poll(S);
	base = fake_mem_live_count();
	for (k = 0; k < 5000; k++)
		feed(f, rnd_below(8) ? fragment(f) : mutate(f, fragment(f)));
	ck_assert_uint_gt(ae_stack_stat(S, "ip", "reasm_reqds"), 0);
	/* reassembly state ages out; nothing per packet stays allocated */
	for (k = 0; k < 120; k++) {
		fake_clock_advance_ms(1000);
		ae_stack_poll(S);
	}
	app();
	ck_assert_int_eq(fake_mem_live_count(), base);
	ck_assert_uint_gt(ae_stack_stat(S, "ip", "reasm_timeouts") +
			  ae_stack_stat(S, "ip", "reasm_fails"), 0);
}
END_TEST

START_TEST(bad_tcp_options)
{
	static const uint8_t bad[][8] = {
		{ 2, 0, 0, 0, 0, 0, 0, 0 },		/* zero length */
		{ 2, 1, 0, 0, 0, 0, 0, 0 },		/* length 1 */
		{ 2, 40, 5, 0xb4, 0, 0, 0, 0 },		/* past the header */
		{ 8, 10, 0, 0, 0, 0, 0, 0 },		/* TS cut short */
		{ 1, 1, 1, 1, 1, 1, 1, 8 },		/* kind, no length */
		{ 5, 3, 0, 0, 0, 0, 0, 0 },		/* SACK length 3 */
		{ 3, 3, 200, 0, 1, 1, 1, 1 },		/* wscale 200 */
		{ 2, 3, 5, 0, 0, 0, 0, 0 },		/* MSS length 3 */
	};
	uint8_t f[2048];
	int k, r;

	for (r = 0; r < 50; r++)
		for (k = 0; k < (int)(sizeof(bad) / sizeof(bad[0])); k++)
			feed(f, tcp_seg(f, (uint16_t)(30000 + k), 80, rnd(), 0,
					0x02, bad[k], 8, NULL, 0));
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "in_frames"), fed);
	ck_assert_uint_gt(ae_stack_stat(S, "tcp", "in_bad_options"), 0);
}
END_TEST

/**
 * robust_suite() - the suite
 *
 * Return: suite
 */
static Suite *robust_suite(void)
{
	Suite *s = suite_create("robust");
	TCase *tc = tcase_create("hostile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, random_bytes);
	tcase_add_test(tc, mutated_valid);
	tcase_add_test(tc, mutated_conversations);
	tcase_add_test(tc, fragment_storm);
	tcase_add_test(tc, bad_tcp_options);
	suite_add_tcase(s, tc);
	return s;
}

/**
 * main() - run the suite
 *
 * Return: 0 when every test passed
 */
int main(void)
{
	SRunner *sr = srunner_create(robust_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
