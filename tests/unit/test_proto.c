// SPDX-License-Identifier: MIT
/**
 * DOC: test_proto.c - the ipc message decoder against good and bad input
 *
 * Every request type in its exact layout is accepted; truncated, oversized,
 * mislabelled, unknown, wrong-version and inconsistent variable-length
 * messages are refused with the documented error; random bytes never crash
 * the decoder and only ever give documented answers.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static uint8_t msg[AE_IPC_MAX_MSG + 64];

/**
 * build() - a request of @type with @plen payload bytes (zeros)
 * @type:	type
 * @plen:	payload bytes
 *
 * Return: total length
 */
static size_t build(uint16_t type, size_t plen)
{
	struct ae_ipc_hdr h;

	memset(msg, 0, sizeof(struct ae_ipc_hdr) + plen);
	ipc_hdr_init(&h, type, (uint32_t)(sizeof(h) + plen), 7, 0);
	memcpy(msg, &h, sizeof(h));
	return sizeof(h) + plen;
}

/**
 * check() - run the request decoder on msg
 * @n:		bytes
 *
 * Return: its result
 */
static int check(size_t n)
{
	struct ae_ipc_hdr h;

	return ipc_check_request(msg, n, &h);
}

static const struct {
	uint16_t type;
	size_t plen;
} good[] = {
	{ AE_MSG_SOCKET, sizeof(struct ae_ipc_socket_req) },
	{ AE_MSG_BIND, sizeof(struct ae_ipc_addr_req) },
	{ AE_MSG_LISTEN, sizeof(struct ae_ipc_int_req) },
	{ AE_MSG_ACCEPT, sizeof(struct ae_ipc_int_req) },
	{ AE_MSG_CONNECT, sizeof(struct ae_ipc_addr_req) },
	{ AE_MSG_SHUTDOWN, sizeof(struct ae_ipc_int_req) },
	{ AE_MSG_CLOSE, 0 },
	{ AE_MSG_GETSOCKNAME, 0 },
	{ AE_MSG_GETPEERNAME, 0 },
	{ AE_MSG_SETSOCKOPT, sizeof(struct ae_ipc_sockopt) },
	{ AE_MSG_GETSOCKOPT, sizeof(struct ae_ipc_sockopt) },
	{ AE_MSG_SENDTO, sizeof(struct ae_ipc_dgram) },
	{ AE_MSG_RECVFROM, sizeof(struct ae_ipc_dgram) },
	{ AE_MSG_STATS, 0 },
	{ AE_MSG_SOCKETS, sizeof(struct ae_ipc_int_req) },
	{ AE_MSG_ATTACH, 0 },
	{ AE_MSG_DOORBELL, 0 },
	{ AE_MSG_SETLIMITS, sizeof(struct ae_ipc_limits) },
	{ AE_MSG_FLUSH, 0 },
};

START_TEST(test_every_type_exact)
{
	size_t i, n;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		n = build(good[i].type, good[i].plen);
		ck_assert_msg(check(n) == 0, "%s refused",
			      ipc_type_name(good[i].type));
		if (good[i].plen) {	/* one byte short, one byte long */
			n = build(good[i].type, good[i].plen - 1);
			ck_assert_int_eq(check(n), -EINVAL);
		}
		n = build(good[i].type, good[i].plen + 1);
		ck_assert_int_eq(check(n), -EINVAL);
	}
}
END_TEST

START_TEST(test_truncated_header)
{
	size_t n;

	for (n = 0; n < sizeof(struct ae_ipc_hdr); n++) {
		build(AE_MSG_STATS, 0);
		ck_assert_int_eq(check(n), IPC_CLOSE);
	}
	ck_assert_int_eq(ipc_check_request(NULL, 100, &(struct ae_ipc_hdr){0}),
			 IPC_CLOSE);
}
END_TEST

START_TEST(test_length_field_lies)
{
	struct ae_ipc_hdr h;
	size_t n = build(AE_MSG_BIND, sizeof(struct ae_ipc_addr_req));

	memcpy(&h, msg, sizeof(h));
	h.len = (uint32_t)n + 1;
	memcpy(msg, &h, sizeof(h));
	ck_assert_int_eq(check(n), -EMSGSIZE);
	h.len = (uint32_t)n - 1;
	memcpy(msg, &h, sizeof(h));
	ck_assert_int_eq(check(n), -EMSGSIZE);
	h.len = 0xFFFFFFFFu;
	memcpy(msg, &h, sizeof(h));
	ck_assert_int_eq(check(n), -EMSGSIZE);
}
END_TEST

START_TEST(test_oversized)
{
	size_t n = build(AE_MSG_SENDTO, AE_IPC_MAX_MSG + 8 -
			 sizeof(struct ae_ipc_hdr));

	ck_assert_int_eq(check(n), -EMSGSIZE);
}
END_TEST

START_TEST(test_unknown_types)
{
	uint16_t bad[] = { 0, AE_MSG_NOTIFY, AE_MSG_MAX, AE_MSG_MAX + 1, 999,
			   0xFFFF };
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = build(bad[i], 0);
		ck_assert_int_eq(check(n), -EOPNOTSUPP);
	}
	ck_assert_str_eq(ipc_type_name(999), "unknown");
	ck_assert_str_eq(ipc_type_name(AE_MSG_ACCEPT), "accept");
}
END_TEST

START_TEST(test_version_and_result)
{
	struct ae_ipc_hdr h;
	size_t n = build(AE_MSG_STATS, 0);

	memcpy(&h, msg, sizeof(h));
	h.version = AE_IPC_VERSION + 1;
	memcpy(msg, &h, sizeof(h));
	ck_assert_int_eq(check(n), -EPROTO);
	h.version = AE_IPC_VERSION;
	h.result = -5;		/* requests carry no result */
	memcpy(msg, &h, sizeof(h));
	ck_assert_int_eq(check(n), -EINVAL);
	h.result = AE_REQ_NOREPLY;	/* a SETSOCKOPT's flag only */
	memcpy(msg, &h, sizeof(h));
	ck_assert_int_eq(check(n), -EINVAL);
}
END_TEST

START_TEST(test_noreply_setsockopt)
{
	struct ae_ipc_sockopt o = { .level = 6, .name = 1, .len = 4 };
	struct ae_ipc_hdr h;
	size_t n = build(AE_MSG_SETSOCKOPT, sizeof(o) + 4);

	memcpy(msg + sizeof(h), &o, sizeof(o));
	memcpy(&h, msg, sizeof(h));
	h.result = AE_REQ_NOREPLY;
	memcpy(msg, &h, sizeof(h));
	ck_assert_int_eq(check(n), 0);
	h.result = AE_REQ_NOREPLY + 1;	/* no other value */
	memcpy(msg, &h, sizeof(h));
	ck_assert_int_eq(check(n), -EINVAL);
}
END_TEST

START_TEST(test_variable_parts)
{
	struct ae_ipc_sockopt o = { .level = 1, .name = 2, .len = 4 };
	struct ae_ipc_dgram d = { .len = 10 };
	size_t n;

	n = build(AE_MSG_SETSOCKOPT, sizeof(o) + 4);
	memcpy(msg + sizeof(struct ae_ipc_hdr), &o, sizeof(o));
	ck_assert_int_eq(check(n), 0);
	n = build(AE_MSG_SETSOCKOPT, sizeof(o) + 3);	/* value short */
	memcpy(msg + sizeof(struct ae_ipc_hdr), &o, sizeof(o));
	ck_assert_int_eq(check(n), -EINVAL);
	o.len = AE_IPC_MAX_OPTLEN + 1;
	n = build(AE_MSG_SETSOCKOPT, sizeof(o) + o.len);
	memcpy(msg + sizeof(struct ae_ipc_hdr), &o, sizeof(o));
	ck_assert_int_eq(check(n), -EINVAL);

	n = build(AE_MSG_SENDTO, sizeof(d) + 10);
	memcpy(msg + sizeof(struct ae_ipc_hdr), &d, sizeof(d));
	ck_assert_int_eq(check(n), 0);
	n = build(AE_MSG_SENDTO, sizeof(d) + 11);
	memcpy(msg + sizeof(struct ae_ipc_hdr), &d, sizeof(d));
	ck_assert_int_eq(check(n), -EINVAL);
	d.len = AE_IPC_MAX_UDP + 1;
	n = build(AE_MSG_SENDTO, sizeof(d));
	memcpy(msg + sizeof(struct ae_ipc_hdr), &d, sizeof(d));
	ck_assert_int_eq(check(n), -EMSGSIZE);
	d.len = AE_IPC_MAX_UDP;
	n = build(AE_MSG_SENDTO, sizeof(d) + d.len);
	memcpy(msg + sizeof(struct ae_ipc_hdr), &d, sizeof(d));
	ck_assert_int_eq(check(n), 0);
}
END_TEST

START_TEST(test_response_checks)
{
	struct ae_ipc_hdr h;

	ipc_hdr_init(&h, AE_MSG_ACCEPT, sizeof(h) + 8, 1, 0);
	memcpy(msg, &h, sizeof(h));
	ck_assert_int_eq(ipc_check_response(msg, sizeof(h) + 8, AE_MSG_ACCEPT,
					    8), 0);
	ck_assert_int_eq(ipc_check_response(msg, sizeof(h) + 8, AE_MSG_ACCEPT,
					    9), -EPROTO);
	ck_assert_int_eq(ipc_check_response(msg, sizeof(h) + 8, AE_MSG_BIND,
					    0), -EPROTO);
	ck_assert_int_eq(ipc_check_response(msg, sizeof(h) + 7, AE_MSG_ACCEPT,
					    0), -EPROTO);
	ck_assert_int_eq(ipc_check_response(msg, 3, AE_MSG_ACCEPT, 0), -EPROTO);
	ipc_hdr_init(&h, AE_MSG_ACCEPT, sizeof(h), 1, -EAGAIN);
	memcpy(msg, &h, sizeof(h));
	/* an error answer needs no payload */
	ck_assert_int_eq(ipc_check_response(msg, sizeof(h), AE_MSG_ACCEPT, 24),
			 0);
}
END_TEST

START_TEST(test_random_bytes)
{
	uint32_t x = 12345;
	int i, r;
	size_t n, j;

	for (i = 0; i < 200000; i++) {
		n = (size_t)(x % 600);
		for (j = 0; j < n + 16; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			msg[j] = (uint8_t)x;
		}
		if (i & 1) {	/* plausible header, random rest */
			struct ae_ipc_hdr h;

			ipc_hdr_init(&h, (uint16_t)(x % (AE_MSG_MAX + 2)),
				     (uint32_t)n, 0, 0);
			if (n >= sizeof(h))
				memcpy(msg, &h, sizeof(h));
		}
		r = check(n);
		ck_assert(r == 0 || r == IPC_CLOSE || r == -EPROTO ||
			  r == -EMSGSIZE || r == -EOPNOTSUPP || r == -EINVAL);
	}
}
END_TEST

/**
 * proto_suite() - the suite
 *
 * Return: suite
 */
static Suite *proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("proto");

	tcase_add_test(tc, test_every_type_exact);
	tcase_add_test(tc, test_truncated_header);
	tcase_add_test(tc, test_length_field_lies);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_unknown_types);
	tcase_add_test(tc, test_version_and_result);
	tcase_add_test(tc, test_noreply_setsockopt);
	tcase_add_test(tc, test_variable_parts);
	tcase_add_test(tc, test_response_checks);
	tcase_add_test(tc, test_random_bytes);
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
	SRunner *sr = srunner_create(proto_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
