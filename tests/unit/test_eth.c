// SPDX-License-Identifier: MIT
/**
 * DOC: test_eth.c - Ethernet demultiplexing and framing
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fakedev.h"
#include "stack.h"

static struct ae_stack *S;

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
 * arp_request_frame() - an ARP request for us, to a given MAC
 * @buf:	output, at least 64 bytes
 * @dst:	Ethernet destination
 *
 * Return: frame length
 */
static size_t arp_request_frame(uint8_t *buf, const uint8_t *dst)
{
	uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	uint32_t spa = FAKE_PEER, tpa = FAKE_ADDR;

	memcpy(arp + 8, fake_peer_mac, 6);
	memcpy(arp + 14, &spa, 4);
	memcpy(arp + 24, &tpa, 4);
	return fake_build_eth(buf, 64, dst, fake_peer_mac, 0x0806, arp, 28);
}

START_TEST(test_our_mac_and_broadcast_accepted)
{
	uint8_t f[64];
	size_t n;

	n = arp_request_frame(f, fake_mac);
	fake_input(S, f, n);
	n = arp_request_frame(f, fake_bcast_mac);
	fake_input(S, f, n);
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "in_frames"), 2);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "in_requests"), 2);
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "in_not_for_us"), 0);
	ck_assert_int_eq(fake_frame_count(), 2);	/* two replies */
}
END_TEST

START_TEST(test_other_mac_dropped)
{
	static const uint8_t other[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	static const uint8_t mdns[6] = { 0x01, 0, 0x5e, 0, 0, 0xfb };
	uint8_t f[64];
	size_t n;

	n = arp_request_frame(f, other);
	fake_input(S, f, n);
	n = arp_request_frame(f, mdns);	/* a group we did not join */
	fake_input(S, f, n);
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "in_not_for_us"), 2);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "in_requests"), 0);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(test_allhosts_multicast_accepted)
{
	static const uint8_t allhosts[6] = { 0x01, 0, 0x5e, 0, 0, 0x01 };
	uint8_t icmp[8] = { 8, 0, 0, 0, 0, 1, 0, 1 }, f[128];
	struct fake_ip ip = { .proto = 1, .dst = FAKE_IP(224, 0, 0, 1),
			      .eth_dst = allhosts };
	size_t n;

	st16(icmp + 2, fake_csum(icmp, 8));
	n = fake_build_ipv4(f, sizeof(f), &ip, icmp, 8);
	fake_input(S, f, n);
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "in_not_for_us"), 0);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_receives"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_delivers"), 1);
	/* Echo to a group is ignored, like Linux's default. */
	ck_assert_uint_eq(ae_stack_stat(S, "icmp", "in_bcast_ignored"), 1);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(test_runts)
{
	uint8_t f[64];
	size_t n = arp_request_frame(f, fake_mac), len;

	for (len = 0; len < 14; len++)
		fake_input(S, f, len);
	ae_stack_input(S, NULL, 0);
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "in_runt"), 15);
	/* A bare header is no runt, but its ARP payload is missing. */
	fake_input(S, f, 14);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "in_malformed"), 1);
	fake_input(S, f, n - 1);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "in_malformed"), 2);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(test_unknown_types)
{
	static const uint16_t types[] = { 0x86dd, 0x8100, 0x88cc, 0x0000, 0xffff };
	uint8_t f[64], pay[46] = { 0 };
	size_t n, i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		n = fake_build_eth(f, sizeof(f), fake_mac, fake_peer_mac,
				   types[i], pay, sizeof(pay));
		fake_input(S, f, n);
	}
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "in_unknown_type"), 5);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_receives"), 0);
	ck_assert_uint_eq(ae_stack_stat(S, "arp", "in_malformed"), 0);
}
END_TEST

START_TEST(test_output_gathers_without_copy)
{
	static const uint8_t dst[6] = { 0x02, 1, 2, 3, 4, 5 };
	uint8_t a[3] = { 1, 2, 3 }, b[5] = { 4, 5, 6, 7, 8 };
	struct iovec v[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	const uint8_t *f;
	size_t len;

	ck_assert_int_eq(eth_output(S, dst, 0x0800, v, 2), 0);
	ck_assert_int_eq(fake_frame_count(), 1);
	/* header + the caller's two parts, passed through as they are */
	ck_assert_int_eq(fake_output_max_iovcnt(), 3);
	f = fake_frame(0, &len);
	ck_assert_uint_eq(len, 14 + 8);
	ck_assert_mem_eq(f, dst, 6);
	ck_assert_mem_eq(f + 6, fake_mac, 6);
	ck_assert_uint_eq(ld16(f + 12), 0x0800);
	ck_assert_mem_eq(f + 14, a, 3);
	ck_assert_mem_eq(f + 17, b, 5);
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "out_frames"), 1);
}
END_TEST

START_TEST(test_output_limits)
{
	static uint8_t big[1501];
	struct iovec v[16];
	int i;

	v[0].iov_base = big;
	v[0].iov_len = 1501;
	ck_assert_int_eq(eth_output(S, fake_peer_mac, 0x0800, v, 1), -EMSGSIZE);
	v[0].iov_len = 1500;
	ck_assert_int_eq(eth_output(S, fake_peer_mac, 0x0800, v, 1), 0);
	for (i = 0; i < 16; i++) {
		v[i].iov_base = big;
		v[i].iov_len = 1;
	}
	ck_assert_int_eq(eth_output(S, fake_peer_mac, 0x0800, v, 16), -EINVAL);
	ck_assert_int_eq(eth_output(S, fake_peer_mac, 0x0800, v, 15), 0);
	ck_assert_int_eq(fake_frame_count(), 2);
	ck_assert_uint_eq(ae_stack_stat(S, "eth", "out_frames"), 2);
}
END_TEST

/**
 * eth_suite() - the suite
 *
 * Return: suite
 */
static Suite *eth_suite(void)
{
	Suite *su = suite_create("eth");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_our_mac_and_broadcast_accepted);
	tcase_add_test(tc, test_other_mac_dropped);
	tcase_add_test(tc, test_allhosts_multicast_accepted);
	tcase_add_test(tc, test_runts);
	tcase_add_test(tc, test_unknown_types);
	tcase_add_test(tc, test_output_gathers_without_copy);
	tcase_add_test(tc, test_output_limits);
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
	SRunner *sr = srunner_create(eth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
