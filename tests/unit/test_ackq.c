// SPDX-License-Identifier: MIT
/**
 * DOC: test_ackq.c - pure ACKs held back for the end of a receive batch
 * (daemon/ackq.c): a later ACK replaces an earlier one of its connection;
 * duplicates, SACKs, other frames and other connections are kept, in order
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ackq.h"
#include "pkt.h"

/**
 * struct sent - what went to the device
 * @ack:	acknowledgment number of each frame (0 for non-ACK frames)
 * @port:	its source port
 * @off:	whether it had an offload request
 * @n:		frames
 */
static struct sent {
	uint32_t ack[64];
	uint16_t port[64];
	bool off[64];
	int n;
} W;

static struct ackq Q;

/**
 * out() - ackq_out_fn: record the frame
 * @ctx:	unused
 * @iov:	parts
 * @iovcnt:	how many
 * @off:	offload request or NULL
 */
static void out(void *ctx, const struct iovec *iov, int iovcnt,
		const struct ae_tx_offload *off)
{
	uint8_t f[2048];
	size_t len = 0;
	int i;

	(void)ctx;
	for (i = 0; i < iovcnt; i++) {
		memcpy(f + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	ck_assert_int_lt(W.n, 64);
	W.ack[W.n] = len >= 54 ? ld32(f + 42) : 0;
	W.port[W.n] = len >= 54 ? ld16(f + 34) : 0;
	W.off[W.n] = off != NULL;
	W.n++;
}

/**
 * frame() - an IPv4 TCP frame from port @sport
 * @f:		buffer, 100 bytes
 * @sport:	source port
 * @ack:	acknowledgment number
 * @flags:	TCP flags
 * @sack:	carry a SACK option (else timestamps)
 * @payload:	payload bytes (zeros)
 *
 * Return: length
 */
static size_t frame(uint8_t *f, uint16_t sport, uint32_t ack, uint8_t flags,
		    bool sack, size_t payload)
{
	static const uint8_t ts[12] = { 1, 1, 8, 10 };
	static const uint8_t sk[12] = { 1, 1, 5, 10 };
	size_t len = 34 + 32 + payload;

	memset(f, 0, len);
	f[12] = 0x08;
	f[14] = 0x45;
	st16(f + 16, (uint16_t)(len - 14));
	f[14 + 9] = 6;
	st16(f + 34, sport);
	st16(f + 36, 5000);
	st32(f + 42, ack);
	f[34 + 12] = 8 << 4;
	f[34 + 13] = flags;
	memcpy(f + 54, sack ? sk : ts, 12);
	return len;
}

/**
 * offer() - offer a frame as the stack's output would; write it when the
 * queue does not take it
 * @sport, @ack, @flags, @sack, @payload: see frame()
 *
 * Return: whether it was held
 */
static bool offer(uint16_t sport, uint32_t ack, uint8_t flags, bool sack,
		  size_t payload)
{
	static uint8_t f[200];
	struct ae_tx_offload o = { .csum_start = 34, .csum_offset = 16 };
	struct iovec v[2];
	size_t len = frame(f, sport, ack, flags, sack, payload);
	bool held;

	v[0].iov_base = f;
	v[0].iov_len = 14;	/* in parts, as the stack gives them */
	v[1].iov_base = f + 14;
	v[1].iov_len = len - 14;
	held = ackq_offer(&Q, v, 2, &o, out, NULL);
	if (!held)
		out(NULL, v, 2, &o);
	return held;
}

static void setup(void)
{
	memset(&Q, 0, sizeof(Q));
	memset(&W, 0, sizeof(W));
}

START_TEST(test_later_ack_replaces)
{
	ck_assert(offer(1, 100, 0x10, false, 0));
	ck_assert(offer(1, 200, 0x10, false, 0));
	ck_assert(offer(1, 300, 0x10, false, 0));
	ck_assert_int_eq(W.n, 0);
	ackq_flush(&Q, out, NULL);
	ck_assert_int_eq(W.n, 1);
	ck_assert_uint_eq(W.ack[0], 300);
	ck_assert(W.off[0]);			/* the request is kept */
	ck_assert_uint_eq(Q.coalesced, 2);
	ackq_flush(&Q, out, NULL);
	ck_assert_int_eq(W.n, 1);		/* nothing held twice */
}
END_TEST

START_TEST(test_duplicates_kept)
{
	ck_assert(offer(1, 100, 0x10, false, 0));
	ck_assert(offer(1, 100, 0x10, false, 0));	/* dup: the first goes */
	ck_assert_int_eq(W.n, 1);
	ck_assert(offer(1, 50, 0x10, false, 0));	/* older: kept too */
	ackq_flush(&Q, out, NULL);
	ck_assert_int_eq(W.n, 3);
	ck_assert_uint_eq(W.ack[0], 100);
	ck_assert_uint_eq(W.ack[1], 100);
	ck_assert_uint_eq(W.ack[2], 50);
	ck_assert_uint_eq(Q.coalesced, 0);
}
END_TEST

START_TEST(test_not_pure_goes_in_order)
{
	ck_assert(offer(1, 100, 0x10, false, 0));
	ck_assert(offer(2, 700, 0x10, false, 0));
	/* SACK, data, FIN, PSH: written now, after what was held */
	ck_assert(!offer(1, 150, 0x10, true, 0));
	ck_assert_int_eq(W.n, 3);
	ck_assert_uint_eq(W.ack[0], 100);
	ck_assert_uint_eq(W.ack[1], 700);
	ck_assert_uint_eq(W.ack[2], 150);
	ck_assert(!offer(1, 160, 0x10, false, 10));
	ck_assert(!offer(1, 170, 0x11, false, 0));
	ck_assert(!offer(1, 180, 0x18, false, 0));
	ck_assert_int_eq(W.n, 6);
	ck_assert_int_eq(Q.n, 0);
}
END_TEST

START_TEST(test_connections_apart_and_bounded)
{
	int i;

	for (i = 0; i < ACKQ_MAX + 4; i++)
		ck_assert(offer((uint16_t)(10 + i), 1000, 0x10, false, 0));
	ck_assert_int_eq(W.n, 4);		/* the oldest went when full */
	ck_assert_uint_eq(W.port[0], 10);
	ck_assert_uint_eq(W.port[3], 13);
	ck_assert(offer(20, 2000, 0x10, false, 0));	/* replaces port 20's */
	ackq_flush(&Q, out, NULL);
	ck_assert_int_eq(W.n, 4 + ACKQ_MAX);
	ck_assert_uint_eq(W.port[W.n - 1], 20);
	ck_assert_uint_eq(W.ack[W.n - 1], 2000);
	ck_assert_uint_eq(Q.coalesced, 1);
}
END_TEST

START_TEST(test_wraparound)
{
	ck_assert(offer(1, 0xfffffff0u, 0x10, false, 0));
	ck_assert(offer(1, 0x10, 0x10, false, 0));	/* after, across 2^32 */
	ackq_flush(&Q, out, NULL);
	ck_assert_int_eq(W.n, 1);
	ck_assert_uint_eq(W.ack[0], 0x10);
}
END_TEST

/**
 * ackq_suite() - the suite
 *
 * Return: it
 */
static Suite *ackq_suite(void)
{
	Suite *s = suite_create("ackq");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_later_ack_replaces);
	tcase_add_test(tc, test_duplicates_kept);
	tcase_add_test(tc, test_not_pure_goes_in_order);
	tcase_add_test(tc, test_connections_apart_and_bounded);
	tcase_add_test(tc, test_wraparound);
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
	SRunner *sr = srunner_create(ackq_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
