// SPDX-License-Identifier: MIT
/**
 * DOC: test_icmp.c - echo (small, 1472, 8000 fragmented both ways),
 * checksum, broadcast, unreachables and their rules, rate limiting
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fakedev.h"
#include "stack.h"

static struct ae_stack *S;
static uint8_t msg[9000];

/**
 * setup() - a fresh stack (and whatever the suite needs) per test
 */
static void setup(void)
{
	S = fake_stack_create();
	fake_arp_seed(S);
}

/**
 * teardown() - destroy the stack and check that it freed everything
 */
static void teardown(void)
{
	fake_stack_destroy(S);
}

/**
 * make_echo() - an echo request with @len data bytes in msg[]
 * @len:	data length
 * @seq:	sequence number
 *
 * Return: ICMP message length
 */
static size_t make_echo(size_t len, uint16_t seq)
{
	size_t i;

	msg[0] = 8;
	msg[1] = 0;
	st16(msg + 2, 0);
	st16(msg + 4, 0x1234);
	st16(msg + 6, seq);
	for (i = 0; i < len; i++)
		msg[8 + i] = (uint8_t)(i ^ (i >> 8) ^ seq);
	st16(msg + 2, fake_csum(msg, len + 8));
	return len + 8;
}

/**
 * send_icmp() - input msg[] as one datagram
 * @len:	ICMP length
 * @dst:	destination (0: us)
 */
static void send_icmp(size_t len, uint32_t dst)
{
	static uint8_t f[2048];
	struct fake_ip ip = { .proto = 1, .dst = dst, .id = 9 };
	size_t n;

	if (dst == FAKE_IP(192, 168, 1, 255))
		ip.eth_dst = fake_bcast_mac;
	n = fake_build_ipv4(f, sizeof(f), &ip, msg, len);
	fake_input(S, f, n);
}

/**
 * check_reply() - reassemble the emitted reply and compare it with msg[]
 * @len:	request length
 * @frags:	expected number of frames
 */
static void check_reply(size_t len, int frags)
{
	static uint8_t back[9000];
	struct fake_parsed p;
	size_t got = 0;
	int i;

	ck_assert_int_eq(fake_frame_count(), frags);
	for (i = 0; i < frags; i++) {
		ck_assert(fake_parse_frame(i, &p));
		ck_assert_ptr_nonnull(p.ip);
		ck_assert(p.ip_csum_ok);
		ck_assert_mem_eq(p.eth_dst, fake_peer_mac, 6);
		ck_assert_uint_eq(p.src, FAKE_ADDR);
		ck_assert_uint_eq(p.dst, FAKE_PEER);
		ck_assert_uint_eq(p.proto, 1);
		ck_assert_uint_eq((size_t)(p.frag & 0x1fff) * 8, got);
		ck_assert_uint_eq(!!(p.frag & 0x2000), i < frags - 1);
		memcpy(back + got, p.l4, p.l4len);
		got += p.l4len;
	}
	ck_assert_uint_eq(got, len);
	ck_assert_uint_eq(back[0], 0);				/* echo reply */
	ck_assert_uint_eq(back[1], 0);
	ck_assert_mem_eq(back + 4, msg + 4, len - 4);		/* id, seq, data */
	ck_assert_uint_eq(fake_csum(back, len), 0);		/* checksum */
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "out_echo_reps"), 1);
}

START_TEST(test_echo_small)
{
	size_t len = make_echo(56, 1);

	send_icmp(len, 0);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_echos"), 1);
	check_reply(len, 1);
}
END_TEST

START_TEST(test_echo_empty)
{
	size_t len = make_echo(0, 2);

	send_icmp(len, 0);
	check_reply(len, 1);
}
END_TEST

START_TEST(test_echo_1472)
{
	size_t len = make_echo(1472, 3), flen;

	send_icmp(len, 0);
	check_reply(len, 1);
	fake_frame(0, &flen);
	ck_assert_uint_eq(flen, 1514);
}
END_TEST

START_TEST(test_echo_8000_fragmented)
{
	static uint8_t f[2048];
	size_t len = make_echo(8000, 4), off, n;
	struct fake_ip ip = { .proto = 1, .id = 777 };

	/* ping -s 8000: 8008 bytes of ICMP in 1480-byte fragments */
	for (off = 0; off < len; off += 1480) {
		size_t part = len - off > 1480 ? 1480 : len - off;

		ip.frag = (uint16_t)(off / 8 | (off + part < len ? 0x2000 : 0));
		n = fake_build_ipv4(f, sizeof(f), &ip, msg + off, part);
		fake_input(S, f, n);
	}
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "reasm_oks"), 1);
	check_reply(len, 6);	/* 5 * 1480 + 608 */
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "frag_creates"), 6);
}
END_TEST

START_TEST(test_echo_bad_checksum)
{
	size_t len = make_echo(56, 5);

	msg[20] ^= 0x40;
	send_icmp(len, 0);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_csum_errors"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_echos"), 0);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(test_odd_length_checksum)
{
	size_t len = make_echo(57, 6);	/* odd total length */

	send_icmp(len, 0);
	check_reply(len, 1);
}
END_TEST

START_TEST(test_truncated)
{
	make_echo(0, 7);
	send_icmp(4, 0);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_errors"), 1);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(test_echo_broadcast_ignored)
{
	size_t len = make_echo(56, 8);

	send_icmp(len, FAKE_IP(192, 168, 1, 255));
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_bcast_ignored"), 1);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(test_echo_from_unspecified_source)
{
	static uint8_t f[256];
	size_t len = make_echo(8, 10), n;
	struct fake_ip ip = { .proto = 1, .src = FAKE_IP(0, 0, 0, 0) };

	/* fake_build_ipv4 maps src 0 to the peer: patch the header after */
	n = fake_build_ipv4(f, sizeof(f), &ip, msg, len);
	memset(f + 14 + 12, 0, 4);
	st16(f + 14 + 10, 0);
	st16(f + 14 + 10, fake_csum(f + 14, 20));
	fake_input(S, f, n);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_echos"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_errors"), 1);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(test_echo_not_rate_limited)
{
	size_t len = make_echo(56, 9);
	int i;

	for (i = 0; i < 200; i++)
		send_icmp(len, 0);
	ck_assert_int_eq(fake_frame_count(), 200);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "out_rate_limited"), 0);
}
END_TEST

static uint8_t last_sent[256];

/**
 * send_udp_closed() - a UDP datagram to a closed port (kept in last_sent)
 * @dst:	destination (0: us)
 */
static void send_udp_closed(uint32_t dst)
{
	uint8_t *f = last_sent;
	static uint8_t d[64];
	struct fake_ip ip = { .proto = 17, .dst = dst };
	size_t n;

	n = fake_build_udp(d, sizeof(d), FAKE_PEER, htons(4444),
			   dst ? dst : FAKE_ADDR, htons(9), "hello world", 11);
	if (dst)
		ip.eth_dst = fake_bcast_mac;
	n = fake_build_ipv4(f, sizeof(last_sent), &ip, d, n);
	fake_input(S, f, n);
}

START_TEST(test_port_unreachable_contents)
{
	struct fake_parsed p;

	send_udp_closed(0);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(fake_parse_frame(0, &p));
	ck_assert_uint_eq(p.proto, 1);
	ck_assert_uint_eq(p.dst, FAKE_PEER);
	ck_assert_uint_eq(p.l4[0], 3);
	ck_assert_uint_eq(p.l4[1], 3);
	ck_assert_uint_eq(fake_csum(p.l4, p.l4len), 0);
	/* original IP header (20) + 8 bytes of the UDP header */
	ck_assert_uint_eq(p.l4len, 8 + 20 + 8);
	ck_assert_mem_eq(p.l4 + 8, last_sent + 14, 28);	/* verbatim */
	ck_assert_uint_eq(ld16(p.l4 + 8 + 2), 20 + 8 + 11);
	ck_assert_uint_eq(ld16(p.l4 + 8 + 20 + 2), 9);	/* dst port */
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "out_dest_unreachs"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "no_ports"), 1);
}
END_TEST

START_TEST(test_no_unreach_for_broadcast)
{
	send_udp_closed(FAKE_IP(192, 168, 1, 255));
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "no_ports"), 1);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(test_no_unreach_about_icmp_error)
{
	uint8_t hdr[20] = { 0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1 };
	uint8_t err[36] = { 3, 3 };	/* an ICMP error as payload */
	uint8_t echo[8] = { 8, 0 };
	struct ae_ipinfo ip = { .src = FAKE_PEER, .dst = FAKE_ADDR, .proto = 1,
				.ttl = 64, .hdr = hdr, .hdr_len = 20 };
	struct ae_pkt pl = { err, sizeof(err) };

	icmp_send_unreach(S, 2, &ip, &pl);
	ck_assert_int_eq(fake_frame_count(), 0);
	/* a non-initial fragment */
	pl.data = echo;
	pl.len = sizeof(echo);
	st16(hdr + 6, 185);
	icmp_send_unreach(S, 2, &ip, &pl);
	ck_assert_int_eq(fake_frame_count(), 0);
	/* a broadcast source */
	st16(hdr + 6, 0);
	ip.src = FAKE_IP(192, 168, 1, 255);
	icmp_send_unreach(S, 2, &ip, &pl);
	ck_assert_int_eq(fake_frame_count(), 0);
	/* but an echo request from a host may get one */
	ip.src = FAKE_PEER;
	icmp_send_unreach(S, 2, &ip, &pl);
	ck_assert_int_eq(fake_frame_count(), 1);
}
END_TEST

START_TEST(test_rate_limit)
{
	int i;

	for (i = 0; i < 60; i++)
		send_udp_closed(0);
	ck_assert_int_eq(fake_frame_count(), 50);	/* the burst */
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "out_rate_limited"), 10);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "no_ports"), 60);
	/* one token per millisecond */
	fake_clock_advance_ms(5);
	for (i = 0; i < 10; i++)
		send_udp_closed(0);
	ck_assert_int_eq(fake_frame_count(), 55);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "out_rate_limited"), 15);
	/* a long pause refills only up to the burst */
	fake_clock_advance_ms(10000);
	for (i = 0; i < 60; i++)
		send_udp_closed(0);
	ck_assert_int_eq(fake_frame_count(), 105);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "out_rate_limited"), 25);
	/* sub-millisecond steps accumulate */
	for (i = 0; i < 4; i++) {
		fake_clock_advance_ns(250000);
		send_udp_closed(0);
	}
	ck_assert_int_eq(fake_frame_count(), 106);
}
END_TEST

/**
 * udp_icmp_about() - feed an ICMP error quoting a UDP datagram of ours to
 * FAKE_PEER port 53
 * @type:	ICMP type
 * @code:	ICMP code
 * @src:	the quoted source address (ours, or not)
 * @lport:	the quoted source port, network order
 */
static void udp_icmp_about(uint8_t type, uint8_t code, uint32_t src,
			   uint16_t lport)
{
	uint8_t icmp[8 + 20 + 8] = { type, code }, f[128];
	struct fake_ip ip = { .proto = 1 };
	uint8_t *ih = icmp + 8;
	uint32_t a = FAKE_PEER;
	size_t n;

	ih[0] = 0x45;
	st16(ih + 2, 20 + 8 + 4);
	ih[8] = 64;
	ih[9] = 17;
	memcpy(ih + 12, &src, 4);
	memcpy(ih + 16, &a, 4);
	st16(ih + 10, fake_csum(ih, 20));
	memcpy(ih + 20, &lport, 2);
	st16(ih + 22, 53);
	st16(ih + 24, 12);
	st16(icmp + 2, fake_csum(icmp, sizeof(icmp)));
	n = fake_build_ipv4(f, sizeof(f), &ip, icmp, sizeof(icmp));
	fake_input(S, f, n);
}

START_TEST(test_error_received_dispatched)
{
	/* Port unreachable about a datagram we sent from a connected socket. */
	struct ae_sock *sk;
	int err;

	sk = udp_socket(S, &err);
	ck_assert_ptr_nonnull(sk);
	ck_assert_int_eq(udp_connect(sk, FAKE_PEER, htons(53)), 0);
	udp_icmp_about(3, 3, FAKE_ADDR, sk->lport);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_dest_unreachs"), 1);
	ck_assert_int_eq(sk->so_error, ECONNREFUSED);
	ck_assert(udp_poll(sk) & AE_EV_ERR);
	ck_assert_int_eq(fake_frame_count(), 0);	/* never answered */
	/* An error that is not about a datagram of ours is ignored. */
	sk->so_error = 0;
	udp_icmp_about(3, 3, FAKE_IP(192, 168, 1, 77), sk->lport);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_errors"), 1);
	ck_assert_int_eq(sk->so_error, 0);
	ae_close(sk);
}
END_TEST

/*
 * Linux's __udp4_lib_err() without IP_RECVERR: a connected socket hears of
 * hard errors only (host unreachable is soft: nothing), and the error is
 * taken once by whichever call comes first: receive (before queued data),
 * send, or SO_ERROR.
 */
START_TEST(test_udp_error_rules)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = FAKE_PEER,
				  .sin_port = htons(53) };
	struct ae_sock *sk, *un;
	char b[8];
	int err;

	sk = ae_socket(S, SOCK_DGRAM, &err);
	un = ae_socket(S, SOCK_DGRAM, &err);
	ck_assert_int_eq(ae_connect(sk, &to), 0);
	ck_assert_int_eq(ae_sendto(un, "x", 1, 0, &to), 1);
	udp_icmp_about(3, 1, FAKE_ADDR, sk->lport);	/* host unreachable */
	udp_icmp_about(11, 0, FAKE_ADDR, sk->lport);	/* time exceeded */
	udp_icmp_about(4, 0, FAKE_ADDR, sk->lport);	/* source quench */
	ck_assert(!(ae_poll(sk) & AE_EV_ERR));
	udp_icmp_about(3, 3, FAKE_ADDR, un->lport);	/* unconnected */
	ck_assert(!(ae_poll(un) & AE_EV_ERR));
	udp_icmp_about(3, 3, FAKE_ADDR, sk->lport);
	ck_assert_int_eq(ae_recv(sk, b, sizeof(b), 0), -ECONNREFUSED);
	ck_assert_int_eq(ae_recv(sk, b, sizeof(b), 0), -EAGAIN);
	udp_icmp_about(12, 0, FAKE_ADDR, sk->lport);	/* parameter problem */
	ck_assert_int_eq(ae_send(sk, "x", 1, 0), -EPROTO);
	ck_assert_int_eq(ae_send(sk, "x", 1, 0), 1);
	udp_icmp_about(3, 4, FAKE_ADDR, sk->lport);	/* frag needed */
	ck_assert_int_eq(ae_sock_error(sk), -EMSGSIZE);
	ae_close(un);
	ae_close(sk);
}
END_TEST

START_TEST(test_other_types_counted)
{
	uint8_t m[8] = { 0, 0 };	/* an echo reply: no ping sockets */

	memcpy(msg, m, 8);
	st16(msg + 2, fake_csum(msg, 8));
	send_icmp(8, 0);
	msg[0] = 13;			/* timestamp */
	st16(msg + 2, 0);
	st16(msg + 2, fake_csum(msg, 8));
	send_icmp(8, 0);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_other"), 2);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_msgs"), 2);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

/**
 * icmp_suite() - the suite
 *
 * Return: suite
 */
static Suite *icmp_suite(void)
{
	Suite *su = suite_create("icmp");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_echo_small);
	tcase_add_test(tc, test_echo_empty);
	tcase_add_test(tc, test_echo_1472);
	tcase_add_test(tc, test_echo_8000_fragmented);
	tcase_add_test(tc, test_echo_bad_checksum);
	tcase_add_test(tc, test_odd_length_checksum);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_echo_broadcast_ignored);
	tcase_add_test(tc, test_echo_from_unspecified_source);
	tcase_add_test(tc, test_echo_not_rate_limited);
	tcase_add_test(tc, test_port_unreachable_contents);
	tcase_add_test(tc, test_no_unreach_for_broadcast);
	tcase_add_test(tc, test_no_unreach_about_icmp_error);
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_error_received_dispatched);
	tcase_add_test(tc, test_udp_error_rules);
	tcase_add_test(tc, test_other_types_counted);
	suite_add_tcase(su, tc);
	return su;
}

/**
 * main() - run the suite
 *
 * Return: EXIT_SUCCESS when every test passed
 */
int main(void)
{
	SRunner *sr = srunner_create(icmp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
