// SPDX-License-Identifier: MIT
/**
 * DOC: test_arp.c - ARP replies, learning, cache expiry, resolution queue,
 * retries and failure (reported to the senders), bounds, gratuitous ARP
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fakedev.h"
#include "stack.h"
#include "tcp.h"

static struct ae_stack *S;
static const uint8_t mac5[6] = { 0x02, 0, 0, 0, 0, 0x05 };
static const uint8_t zero6[6];

/**
 * setup() - a fresh stack (and whatever the suite needs) per test
 */
static void setup(void)
{
	S = fake_stack_create();
}

/**
 * teardown() - destroy the stack and check that it freed everything
 */
static void teardown(void)
{
	fake_stack_destroy(S);
}

/**
 * arp_frame() - build an ARP packet in an Ethernet frame
 * @buf:	output (64 bytes)
 * @op:		1 request, 2 reply
 * @sha:	sender MAC (also the Ethernet source)
 * @spa:	sender IP
 * @tha:	target MAC
 * @tpa:	target IP
 * @dst:	Ethernet destination
 *
 * Return: frame length
 */
static size_t arp_frame(uint8_t *buf, uint16_t op, const uint8_t *sha,
			uint32_t spa, const uint8_t *tha, uint32_t tpa,
			const uint8_t *dst)
{
	uint8_t a[28] = { 0, 1, 8, 0, 6, 4 };

	st16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, &spa, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, &tpa, 4);
	return fake_build_eth(buf, 64, dst, sha, 0x0806, a, sizeof(a));
}

/**
 * feed_arp() - build and input an ARP packet
 * @op:		operation
 * @sha:	sender MAC
 * @spa:	sender IP
 * @tpa:	target IP
 */
static void feed_arp(uint16_t op, const uint8_t *sha, uint32_t spa,
		     uint32_t tpa)
{
	uint8_t f[64];
	size_t n = arp_frame(f, op, sha, spa, op == 2 ? fake_mac : zero6, tpa,
			     op == 2 ? fake_mac : fake_bcast_mac);

	fake_input(S, f, n);
}

/**
 * send_ip() - send a small UDP-protocol datagram with a marker byte
 * @dst:	destination
 * @mark:	first payload byte
 *
 * Return: ipv4_output()'s result
 */
static int send_ip(uint32_t dst, uint8_t mark)
{
	uint8_t pay[32];
	struct iovec v = { pay, sizeof(pay) };

	memset(pay, mark, sizeof(pay));
	return ipv4_output(S, 0, dst, 17, 0, &v, 1);
}

/**
 * is_arp_request_for() - is frame @i a broadcast ARP request for @ip?
 * @i:		frame index
 * @ip:		target protocol address
 *
 * Return: true if so
 */
static bool is_arp_request_for(int i, uint32_t ip)
{
	size_t len;
	const uint8_t *f = fake_frame(i, &len);
	uint32_t spa = FAKE_ADDR;

	return f && len >= 42 && !memcmp(f, fake_bcast_mac, 6) &&
	       ld16(f + 12) == 0x0806 && ld16(f + 20) == 1 &&
	       !memcmp(f + 22, fake_mac, 6) && !memcmp(f + 28, &spa, 4) &&
	       !memcmp(f + 38, &ip, 4);
}

START_TEST(test_reply_to_request)
{
	const uint8_t *f;
	size_t len;
	uint32_t ip;

	feed_arp(1, fake_peer_mac, FAKE_PEER, FAKE_ADDR);
	ck_assert_int_eq(fake_frame_count(), 1);
	f = fake_frame(0, &len);
	ck_assert_uint_eq(len, 42);
	ck_assert_mem_eq(f, fake_peer_mac, 6);		/* unicast reply */
	ck_assert_mem_eq(f + 6, fake_mac, 6);
	ck_assert_uint_eq(ld16(f + 12), 0x0806);
	ck_assert_uint_eq(ld16(f + 14), 1);
	ck_assert_uint_eq(ld16(f + 16), 0x0800);
	ck_assert_uint_eq(ld16(f + 20), 2);		/* reply */
	ck_assert_mem_eq(f + 22, fake_mac, 6);
	ip = FAKE_ADDR;
	ck_assert_mem_eq(f + 28, &ip, 4);
	ck_assert_mem_eq(f + 32, fake_peer_mac, 6);
	ip = FAKE_PEER;
	ck_assert_mem_eq(f + 38, &ip, 4);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "in_requests"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "out_replies"), 1);

	/* RFC 826: the requester was learned; output goes straight out. */
	fake_frames_clear();
	ck_assert_int_eq(send_ip(FAKE_PEER, 7), 0);
	ck_assert_int_eq(fake_frame_count(), 1);
	f = fake_frame(0, &len);
	ck_assert_mem_eq(f, fake_peer_mac, 6);
	ck_assert_uint_eq(ld16(f + 12), 0x0800);
}
END_TEST

START_TEST(test_request_for_other_not_learned)
{
	feed_arp(1, mac5, FAKE_IP(192, 168, 1, 5), FAKE_IP(192, 168, 1, 9));
	ck_assert_int_eq(fake_frame_count(), 0);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "in_not_for_us"), 1);
	/* Not learned: resolving .5 needs a request. */
	ck_assert_int_eq(send_ip(FAKE_IP(192, 168, 1, 5), 1), 0);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(is_arp_request_for(0, FAKE_IP(192, 168, 1, 5)));
}
END_TEST

START_TEST(test_merge_updates_known_entry)
{
	static const uint8_t newmac[6] = { 0x02, 0, 0, 0, 0, 0x77 };
	struct fake_parsed p;

	fake_arp_seed(S);
	/* The peer asks about someone else, from a new MAC: merge updates. */
	feed_arp(1, newmac, FAKE_PEER, FAKE_IP(192, 168, 1, 9));
	ck_assert_int_eq(send_ip(FAKE_PEER, 1), 0);
	ck_assert(fake_parse_frame(fake_frame_count() - 1, &p));
	ck_assert_mem_eq(p.eth_dst, newmac, 6);
}
END_TEST

START_TEST(test_malformed)
{
	uint8_t f[64];
	size_t n;

	n = arp_frame(f, 1, fake_peer_mac, FAKE_PEER, zero6, FAKE_ADDR,
		      fake_mac);
	f[15] = 6;			/* hardware type 6 (IEEE 802) */
	fake_input(S, f, n);
	n = arp_frame(f, 3, fake_peer_mac, FAKE_PEER, zero6, FAKE_ADDR,
		      fake_mac);	/* RARP op */
	fake_input(S, f, n);
	n = arp_frame(f, 1, fake_peer_mac, FAKE_PEER, zero6, FAKE_ADDR,
		      fake_mac);
	f[18] = 16;			/* plen 16 */
	fake_input(S, f, n);
	n = arp_frame(f, 1, fake_peer_mac, FAKE_PEER, zero6, FAKE_ADDR,
		      fake_mac);
	fake_input(S, f, 14 + 27);	/* one byte short */
	n = arp_frame(f, 1, fake_bcast_mac, FAKE_PEER, zero6, FAKE_ADDR,
		      fake_mac);	/* sender claims a group MAC */
	fake_input(S, f, n);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "in_malformed"), 5);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(test_probe_answered_not_learned)
{
	/* RFC 5227 probe: sender IP 0. Answer it, learn nothing. */
	feed_arp(1, mac5, 0, FAKE_ADDR);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert_uint_eq(ld16(fake_frame(0, NULL) + 20), 2);
	fake_frames_clear();
	ck_assert_int_eq(send_ip(FAKE_IP(192, 168, 1, 5), 1), 0);
	ck_assert(is_arp_request_for(0, FAKE_IP(192, 168, 1, 5)));
}
END_TEST

START_TEST(test_resolution_queue_and_bound)
{
	uint32_t dst = FAKE_IP(192, 168, 1, 5);
	struct fake_parsed p;
	int i;

	for (i = 0; i < 50; i++)
		send_ip(dst, (uint8_t)(0x10 + i));
	/* One request only; 48 frames queued, two dropped. */
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(is_arp_request_for(0, dst));
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "out_requests"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "queue_drops"), 2);

	fake_frames_clear();
	feed_arp(2, mac5, dst, FAKE_ADDR);
	ck_assert_int_eq(fake_frame_count(), 48);
	for (i = 0; i < 48; i++) {
		ck_assert(fake_parse_frame(i, &p));
		ck_assert_ptr_nonnull(p.ip);
		ck_assert_mem_eq(p.eth_dst, mac5, 6);
		ck_assert_uint_eq(p.dst, dst);
		ck_assert_uint_eq(p.l4[0], 0x10 + i);	/* in order */
		ck_assert(p.ip_csum_ok);
	}
	/* Resolved: no more queueing, no more requests. */
	fake_frames_clear();
	send_ip(dst, 0x20);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "out_requests"), 1);
}
END_TEST

START_TEST(test_big_datagram_waits_whole)
{
	static uint8_t big[65507 + 8];
	struct iovec v = { big, sizeof(big) };
	uint32_t dst = FAKE_IP(192, 168, 1, 5);

	/* 45 fragments wait for one resolution and all leave. */
	ck_assert_int_eq(ipv4_output(S, 0, dst, 17, 0, &v, 1), 0);
	ck_assert_int_eq(fake_frame_count(), 1);
	feed_arp(2, mac5, dst, FAKE_ADDR);
	ck_assert_int_eq(fake_frame_count(), 46);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "queue_drops"), 0);
}
END_TEST

START_TEST(test_global_queue_bound)
{
	int h, k;

	/* 3 unresolved hosts x 48 frames = 144 > 128 preallocated slots */
	for (h = 0; h < 3; h++)
		for (k = 0; k < 48; k++)
			send_ip(FAKE_IP(192, 168, 1, 10 + h), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "out_requests"), 3);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "queue_drops"), 16);
	/* a failed resolution gives its slots back */
	for (k = 0; k < 3; k++) {
		fake_clock_advance_ms(1000);
		ae_stack_poll(S);
	}
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "resolve_failed"), 128);
	for (k = 0; k < 48; k++)
		send_ip(FAKE_IP(192, 168, 1, 20), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "queue_drops"), 16);
}
END_TEST

START_TEST(test_retries_then_failure)
{
	uint32_t dst = FAKE_IP(192, 168, 1, 5);
	uint64_t t0 = fake_clock_now();
	int i;

	send_ip(dst, 1);
	send_ip(dst, 2);
	ck_assert_uint_eq(ae_stack_next_timeout(S), t0 + 1000 * 1000000ULL);
	/* Nothing happens before the second is up. */
	fake_clock_advance_ms(999);
	ae_stack_poll(S);
	ck_assert_int_eq(fake_frame_count(), 1);
	for (i = 2; i <= 3; i++) {
		fake_clock_advance_ms(1);
		ae_stack_poll(S);
		ck_assert_int_eq(fake_frame_count(), i);
		ck_assert(is_arp_request_for(i - 1, dst));
		fake_clock_advance_ms(999);
	}
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "resolve_failed"), 0);
	fake_clock_advance_ms(1);
	ae_stack_poll(S);
	ck_assert_int_eq(fake_frame_count(), 3);	/* no 4th request */
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "out_requests"), 3);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "resolve_failed"), 2);
	ck_assert_uint_eq(ae_stack_next_timeout(S), AE_NEVER);
	/* A late reply to our request is for us: learned, nothing queued. */
	feed_arp(2, mac5, dst, FAKE_ADDR);
	ck_assert_int_eq(fake_frame_count(), 3);
}
END_TEST

/*
 * A neighbour that never answers: after the 3 requests (3 s) each queued
 * datagram is reported to its sender as a host unreachable, as Linux's
 * arp_error_report(). A connect() in SYN-SENT fails with EHOSTUNREACH; a
 * connected UDP socket hears nothing (host unreachable is a soft error for
 * UDP, as __udp4_lib_err() without IP_RECVERR).
 */
START_TEST(test_failure_reported_to_senders)
{
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_addr.s_addr = FAKE_IP(192, 168, 1, 5),
				   .sin_port = htons(80) };
	struct ae_sock *t, *u;
	int err, i;

	t = ae_socket(S, SOCK_STREAM, &err);
	u = ae_socket(S, SOCK_DGRAM, &err);
	ck_assert_int_eq(ae_connect(t, &dst), -EINPROGRESS);
	dst.sin_port = htons(9);
	ck_assert_int_eq(ae_connect(u, &dst), 0);
	ck_assert_int_eq(ae_send(u, "x", 1, 0), 1);
	for (i = 0; i < 2999; i++) {	/* the SYN is sent again at 1 s */
		fake_clock_advance_ms(1);
		ae_stack_poll(S);
	}
	ck_assert_int_eq(ae_sock_state(t), TCPS_SYN_SENT);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "local_errors"), 0);
	fake_clock_advance_ms(1);
	ae_stack_poll(S);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "resolve_failed"), 3);
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "local_errors"), 3);
	ck_assert_int_eq(ae_sock_state(t), TCPS_CLOSED);
	ck_assert(ae_poll(t) & AE_EV_ERR);
	ck_assert_int_eq(ae_sock_error(t), -EHOSTUNREACH);
	ck_assert_int_eq(ae_sock_error(u), 0);
	ck_assert_int_eq(ae_send(u, "x", 1, 0), 1);	/* queued again */
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "out_requests"), 4);
	ae_close(t);
	ae_close(u);
}
END_TEST

START_TEST(test_cache_expiry)
{
	fake_arp_seed(S);
	fake_clock_advance_ms(59000);
	ae_stack_poll(S);
	send_ip(FAKE_PEER, 1);
	ck_assert_int_eq(fake_frame_count(), 1);	/* still cached */
	ck_assert_uint_eq(ld16(fake_frame(0, NULL) + 12), 0x0800);
	fake_frames_clear();
	/* Expiry while in use: re-probe, keep sending meanwhile. */
	fake_clock_advance_ms(1000);
	ae_stack_poll(S);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(is_arp_request_for(0, FAKE_PEER));
	send_ip(FAKE_PEER, 2);
	ck_assert_int_eq(fake_frame_count(), 2);
	ck_assert_uint_eq(ld16(fake_frame(1, NULL) + 12), 0x0800);
	/* Unanswered probes: the entry goes after 3 requests. */
	fake_clock_advance_ms(1000);
	ae_stack_poll(S);
	fake_clock_advance_ms(1000);
	ae_stack_poll(S);
	fake_clock_advance_ms(1000);
	ae_stack_poll(S);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "out_requests"), 3);
	fake_frames_clear();
	send_ip(FAKE_PEER, 3);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(is_arp_request_for(0, FAKE_PEER));	/* resolving again */
}
END_TEST

START_TEST(test_unused_entry_expires_silently)
{
	fake_arp_seed(S);
	fake_clock_advance_ms(60001);
	ae_stack_poll(S);
	ck_assert_int_eq(fake_frame_count(), 0);	/* no probe */
	send_ip(FAKE_PEER, 1);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(is_arp_request_for(0, FAKE_PEER));
}
END_TEST

START_TEST(test_reply_refreshes)
{
	fake_arp_seed(S);
	fake_clock_advance_ms(50000);
	fake_arp_seed(S);		/* confirmed again at 50 s */
	fake_clock_advance_ms(50000);	/* 100 s: 50 s after confirmation */
	ae_stack_poll(S);
	send_ip(FAKE_PEER, 1);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert_uint_eq(ld16(fake_frame(0, NULL) + 12), 0x0800);
}
END_TEST

START_TEST(test_cache_bound_evicts_oldest)
{
	uint8_t mac[6] = { 0x02, 0, 0, 0x10, 0, 0 };
	uint32_t ip;
	int i;

	/* A /16 so that 300 distinct neighbours are all on-link. */
	ae_stack_destroy(S);
	{
		struct ae_config cfg;

		fake_config_default(&cfg);
		cfg.prefix_len = 16;
		S = fake_stack_new(&cfg);
	}
	for (i = 0; i < 300; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		fake_clock_advance_ms(1);
		feed_arp(1, mac, FAKE_IP(192, 168, 2 + (i >> 8), i & 0xff),
			 FAKE_ADDR);
	}
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "out_replies"), 300);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "cache_full"), 300 - 256);
	/* The newest is cached, the oldest was evicted. */
	fake_frames_clear();
	ip = FAKE_IP(192, 168, 3, 43);	/* i = 299 */
	send_ip(ip, 1);
	ck_assert_uint_eq(ld16(fake_frame(0, NULL) + 12), 0x0800);
	fake_frames_clear();
	ip = FAKE_IP(192, 168, 2, 0);	/* i = 0 */
	send_ip(ip, 1);
	ck_assert(is_arp_request_for(0, ip));
}
END_TEST

START_TEST(test_gateway_and_routes)
{
	struct fake_parsed p;

	/* Off-link: resolve the gateway, send to its MAC. */
	send_ip(FAKE_IP(8, 8, 8, 8), 1);
	ck_assert(is_arp_request_for(0, FAKE_GW));
	fake_frames_clear();
	feed_arp(2, fake_peer_mac, FAKE_GW, FAKE_ADDR);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(fake_parse_frame(0, &p));
	ck_assert_mem_eq(p.eth_dst, fake_peer_mac, 6);
	ck_assert_uint_eq(p.dst, FAKE_IP(8, 8, 8, 8));
	/* Broadcast needs no resolution. */
	fake_frames_clear();
	ck_assert_int_eq(send_ip(FAKE_IP(192, 168, 1, 255), 1), 0);
	ck_assert_int_eq(send_ip(FAKE_IP(255, 255, 255, 255), 1), 0);
	ck_assert_int_eq(fake_frame_count(), 2);
	for (int i = 0; i < 2; i++) {
		ck_assert(fake_parse_frame(i, &p));
		ck_assert_mem_eq(p.eth_dst, fake_bcast_mac, 6);
		ck_assert_ptr_nonnull(p.ip);	/* the datagram, not ARP */
	}
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "out_requests"), 1);
}
END_TEST

START_TEST(test_no_gateway)
{
	struct ae_config cfg;

	ae_stack_destroy(S);
	fake_config_default(&cfg);
	cfg.gateway = 0;
	S = fake_stack_new(&cfg);
	ck_assert_int_eq(send_ip(FAKE_IP(8, 8, 8, 8), 1), -ENETUNREACH);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "out_no_routes"), 1);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(test_gratuitous_announce)
{
	const uint8_t *f;
	uint32_t ip = FAKE_ADDR;
	size_t len;

	ae_stack_announce(S);
	ck_assert_int_eq(fake_frame_count(), 1);
	f = fake_frame(0, &len);
	ck_assert_mem_eq(f, fake_bcast_mac, 6);
	ck_assert_uint_eq(ld16(f + 20), 1);
	ck_assert_mem_eq(f + 22, fake_mac, 6);
	ck_assert_mem_eq(f + 28, &ip, 4);	/* spa = tpa = ours */
	ck_assert_mem_eq(f + 38, &ip, 4);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "out_requests"), 1);
}
END_TEST

START_TEST(test_someone_claims_our_address)
{
	uint32_t ip = FAKE_ADDR;

	/* Another host claims our address: defend with one announcement
	 * per 10 s (RFC 5227 2.4 (b)) and learn nothing from it. */
	feed_arp(1, mac5, FAKE_ADDR, FAKE_ADDR);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert_mem_eq(fake_frame(0, NULL), fake_bcast_mac, 6);
	ck_assert_mem_eq(fake_frame(0, NULL) + 22, fake_mac, 6);
	ck_assert_mem_eq(fake_frame(0, NULL) + 38, &ip, 4);
	feed_arp(2, mac5, FAKE_ADDR, FAKE_ADDR);
	ck_assert_int_eq(fake_frame_count(), 1);	/* not again yet */
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "in_conflicts"), 2);
	fake_clock_advance_ms(10000);
	feed_arp(1, mac5, FAKE_ADDR, FAKE_ADDR);
	ck_assert_int_eq(fake_frame_count(), 2);
	/* our own announcement coming back is no conflict */
	fake_clock_advance_ms(10000);
	feed_arp(1, fake_mac, FAKE_ADDR, FAKE_ADDR);
	ck_assert_int_eq(fake_frame_count(), 2);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "in_conflicts"), 3);
}
END_TEST

/**
 * arp_suite() - the suite
 *
 * Return: suite
 */
static Suite *arp_suite(void)
{
	Suite *su = suite_create("arp");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reply_to_request);
	tcase_add_test(tc, test_request_for_other_not_learned);
	tcase_add_test(tc, test_merge_updates_known_entry);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_probe_answered_not_learned);
	tcase_add_test(tc, test_resolution_queue_and_bound);
	tcase_add_test(tc, test_big_datagram_waits_whole);
	tcase_add_test(tc, test_global_queue_bound);
	tcase_add_test(tc, test_retries_then_failure);
	tcase_add_test(tc, test_failure_reported_to_senders);
	tcase_add_test(tc, test_cache_expiry);
	tcase_add_test(tc, test_unused_entry_expires_silently);
	tcase_add_test(tc, test_reply_refreshes);
	tcase_add_test(tc, test_cache_bound_evicts_oldest);
	tcase_add_test(tc, test_gateway_and_routes);
	tcase_add_test(tc, test_no_gateway);
	tcase_add_test(tc, test_gratuitous_announce);
	tcase_add_test(tc, test_someone_claims_our_address);
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
	SRunner *sr = srunner_create(arp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
