// SPDX-License-Identifier: MIT
/**
 * DOC: test_checksum.c - RFC 1071 / RFC 1624 checksum against known vectors
 * and a naive reference, at every alignment and length 0..200
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "fakedev.h"
#include "stack.h"

/**
 * rnd() - deterministic test randomness (xorshift32)
 *
 * Return: 32 random bits
 */
static uint32_t rnd(void)
{
	static uint32_t x = 0x12345679;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

START_TEST(test_rfc1071_example)
{
	/* RFC 1071 section 3: the sum of these bytes is 0xddf2. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	ck_assert_uint_eq(csum_fold(csum_partial(b, sizeof(b), 0)),
			  (uint16_t)~0xddf2);
	ck_assert_uint_eq(csum(b, sizeof(b)), 0x220d);
}
END_TEST

START_TEST(test_ipv4_header_vector)
{
	/* A well-known IPv4 header whose checksum is 0xb861. */
	uint8_t h[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00,
			  0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,
			  0xc0, 0xa8, 0x00, 0xc7 };

	ck_assert_uint_eq(csum(h, sizeof(h)), 0xb861);
	st16(h + 10, 0xb861);
	ck_assert_uint_eq(csum(h, sizeof(h)), 0);	/* verifies */
	h[3] ^= 1;
	ck_assert_uint_ne(csum(h, sizeof(h)), 0);	/* and detects */
}
END_TEST

START_TEST(test_edge_values)
{
	uint8_t ff[65536];
	uint8_t zero[64] = { 0 };

	memset(ff, 0xff, sizeof(ff));
	ck_assert_uint_eq(csum(zero, 0), 0xffff);
	ck_assert_uint_eq(csum(zero, sizeof(zero)), 0xffff);
	ck_assert_uint_eq(csum(ff, sizeof(ff)), fake_csum(ff, sizeof(ff)));
	ck_assert_uint_eq(csum(ff, 65535), fake_csum(ff, 65535));
	ck_assert_uint_eq(csum(ff, 1), fake_csum(ff, 1));
	ck_assert_uint_eq(csum(ff, 1), 0x00ff);
}
END_TEST

START_TEST(test_random_all_alignments)
{
	uint8_t buf[256 + 8];
	size_t len, al, i;
	int round;

	for (round = 0; round < 8; round++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rnd();
		for (al = 0; al < 8; al++) {
			for (len = 0; len <= 200; len++)
				ck_assert_msg(csum(buf + al, len) ==
					      fake_csum(buf + al, len),
					      "align %zu len %zu", al, len);
		}
	}
}
END_TEST

START_TEST(test_partial_with_seed_sum)
{
	uint8_t buf[300];
	uint32_t seed;
	size_t i, len;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rnd();
	for (len = 0; len < 200; len += 2) {
		/* Splitting at even offsets and chaining must not matter. */
		seed = csum_partial(buf, len, 0);
		ck_assert_uint_eq(csum_fold(csum_partial(buf + len, 100, seed)),
				  fake_csum(buf, len + 100));
	}
	/* A large running sum must not lose carries. */
	/* 0xfffffff0 = 0xfff0 + 0xffff * 0x10000, i.e. 0xfff0 mod 0xffff */
	ck_assert_uint_eq(csum_fold(csum_partial(buf, 10, 0xfffffff0U)),
			  csum_fold(csum_partial(buf, 10, 0xfff0U)));
}
END_TEST

START_TEST(test_iov_odd_parts)
{
	uint8_t buf[400 + 16];
	struct iovec v[8];
	size_t i, total, off;
	int round, n, k;

	for (round = 0; round < 2000; round++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)rnd();
		n = 1 + (int)(rnd() % 8);
		off = rnd() % 7;	/* unaligned start */
		total = 0;
		for (k = 0; k < n; k++) {
			size_t l = rnd() % 51;	/* odd and even, zero too */

			v[k].iov_base = buf + off + total;
			v[k].iov_len = l;
			total += l;
		}
		ck_assert_msg(csum_fold(csum_iov(v, n, 0)) ==
			      fake_csum(buf + off, total),
			      "round %d parts %d total %zu", round, n, total);
	}
}
END_TEST

START_TEST(test_pseudo_header)
{
	uint8_t udp[64];
	uint32_t src = FAKE_IP(10, 1, 2, 3), dst = FAKE_IP(192, 168, 255, 254);
	size_t len, i;

	for (len = 8; len < sizeof(udp); len++) {
		for (i = 0; i < len; i++)
			udp[i] = (uint8_t)rnd();
		ck_assert_uint_eq(csum_fold(csum_partial(udp, len,
				  csum_pseudo(src, dst, 17, (uint16_t)len))),
				  fake_l4_csum(src, dst, 17, udp, len));
	}
}
END_TEST

START_TEST(test_rfc1624_update)
{
	uint8_t b[40];
	uint16_t c, old, nw, inc;
	int round, off;

	for (round = 0; round < 5000; round++) {
		size_t i;

		for (i = 0; i < sizeof(b); i++)
			b[i] = (uint8_t)rnd();
		st16(b + 10, 0);
		c = csum(b, sizeof(b));
		st16(b + 10, c);
		off = 2 * (int)(rnd() % 20);
		if (off == 10)
			off = 12;
		old = ld16(b + off);
		nw = (uint16_t)rnd();
		if (round & 1)
			nw = 0;
		st16(b + off, nw);
		inc = csum_update16(c, old, nw);
		st16(b + 10, inc);
		/* The updated checksum must verify the new contents. */
		ck_assert_msg(csum(b, sizeof(b)) == 0, "round %d", round);
	}
}
END_TEST

START_TEST(test_rfc1624_example)
{
	/* RFC 1624 section 4: HC = 0xdd2f, m 0x5555 -> 0x3285: HC' = 0x0000 */
	ck_assert_uint_eq(csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}
END_TEST

/**
 * checksum_suite() - the suite
 *
 * Return: suite
 */
static Suite *checksum_suite(void)
{
	Suite *su = suite_create("checksum");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_rfc1071_example);
	tcase_add_test(tc, test_ipv4_header_vector);
	tcase_add_test(tc, test_edge_values);
	tcase_add_test(tc, test_random_all_alignments);
	tcase_add_test(tc, test_partial_with_seed_sum);
	tcase_add_test(tc, test_iov_odd_parts);
	tcase_add_test(tc, test_pseudo_header);
	tcase_add_test(tc, test_rfc1624_update);
	tcase_add_test(tc, test_rfc1624_example);
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
	SRunner *sr = srunner_create(checksum_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
