// SPDX-License-Identifier: MIT
/**
 * DOC: test_sockopt.c - socket options by Linux's rules (stack/sockopt.c):
 * level routing and its errors, length rules, read-back values and
 * defaults, SO_LINGER sequences and what they do to TCP, inheritance by an
 * accepted socket's options
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "fakedev.h"
#include "stack.h"
#include "tcp.h"

static struct ae_stack *S;
static struct ae_sock *T, *U;

/**
 * setup() - a fresh stack with one TCP and one UDP socket
 */
static void setup(void)
{
	int err;

	S = fake_stack_create();
	T = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_ptr_nonnull(T);
	U = ae_socket(S, SOCK_DGRAM, &err);
	ck_assert_ptr_nonnull(U);
}

/**
 * teardown() - destroy the stack and check that it freed everything
 */
static void teardown(void)
{
	fake_stack_destroy(S);
}

/**
 * set_int() - setsockopt() of an int
 * @sk:		socket
 * @level:	level
 * @name:	option
 * @v:		value
 *
 * Return: what ae_setsockopt() returned
 */
static int set_int(struct ae_sock *sk, int level, int name, int v)
{
	return ae_setsockopt(sk, level, name, &v, sizeof(v));
}

/**
 * get_int() - getsockopt() of an int, which must succeed with 4 bytes
 * @sk:		socket
 * @level:	level
 * @name:	option
 *
 * Return: the value
 */
static int get_int(struct ae_sock *sk, int level, int name)
{
	int v = -12345;
	size_t len = sizeof(v);

	ck_assert_int_eq(ae_getsockopt(sk, level, name, &v, &len), 0);
	ck_assert_uint_eq(len, sizeof(v));
	return v;
}

/**
 * get_err() - getsockopt() of an int that must fail
 * @sk:		socket
 * @level:	level
 * @name:	option
 *
 * Return: the negative errno
 */
static int get_err(struct ae_sock *sk, int level, int name)
{
	int v;
	size_t len = sizeof(v);

	return ae_getsockopt(sk, level, name, &v, &len);
}

START_TEST(test_wrong_level)
{
	/* ip_getsockopt(): a level the socket does not have is EOPNOTSUPP to
	 * read and ENOPROTOOPT to set (TCP_INFO on UDP, UDP's on TCP) */
	ck_assert_int_eq(get_err(U, IPPROTO_TCP, TCP_INFO), -EOPNOTSUPP);
	ck_assert_int_eq(get_err(U, IPPROTO_TCP, TCP_NODELAY), -EOPNOTSUPP);
	ck_assert_int_eq(set_int(U, IPPROTO_TCP, TCP_NODELAY, 1), -ENOPROTOOPT);
	ck_assert_int_eq(get_err(T, IPPROTO_UDP, 1), -EOPNOTSUPP);
	ck_assert_int_eq(set_int(T, IPPROTO_UDP, 1, 1), -ENOPROTOOPT);
	ck_assert_int_eq(get_err(T, 9999, 1), -EOPNOTSUPP);
	ck_assert_int_eq(set_int(T, 9999, 1, 1), -ENOPROTOOPT);
	/* unknown names of known levels */
	ck_assert_int_eq(set_int(T, SOL_SOCKET, 9999, 1), -ENOPROTOOPT);
	ck_assert_int_eq(get_err(T, SOL_SOCKET, 9999), -ENOPROTOOPT);
	ck_assert_int_eq(set_int(T, IPPROTO_TCP, 9999, 1), -ENOPROTOOPT);
	ck_assert_int_eq(set_int(U, IPPROTO_UDP, 9999, 1), -ENOPROTOOPT);
	ck_assert_int_eq(get_err(U, IPPROTO_UDP, 9999), -ENOPROTOOPT);
	ck_assert_int_eq(set_int(U, IPPROTO_IP, 9999, 1), -ENOPROTOOPT);
	/* read-only and raw-only ones */
	ck_assert_int_eq(set_int(T, SOL_SOCKET, SO_TYPE, 1), -ENOPROTOOPT);
	ck_assert_int_eq(set_int(T, SOL_SOCKET, SO_ERROR, 1), -ENOPROTOOPT);
	ck_assert_int_eq(set_int(T, SOL_SOCKET, SO_ACCEPTCONN, 1),
			 -ENOPROTOOPT);
	ck_assert_int_eq(set_int(T, IPPROTO_TCP, TCP_INFO, 1), -ENOPROTOOPT);
	ck_assert_int_eq(set_int(U, IPPROTO_IP, IP_HDRINCL, 1), -ENOPROTOOPT);
	ck_assert_int_eq(get_int(U, IPPROTO_IP, IP_HDRINCL), 0);
}
END_TEST

START_TEST(test_sndlowat_rcvlowat)
{
	/* socket(7): SO_SNDLOWAT cannot be changed, reads 1 */
	ck_assert_int_eq(set_int(T, SOL_SOCKET, SO_SNDLOWAT, 100), -ENOPROTOOPT);
	ck_assert_int_eq(get_int(T, SOL_SOCKET, SO_SNDLOWAT), 1);
	ck_assert_int_eq(get_int(T, SOL_SOCKET, SO_RCVLOWAT), 1);
	ck_assert_int_eq(set_int(T, SOL_SOCKET, SO_RCVLOWAT, 100), 0);
	ck_assert_int_eq(get_int(T, SOL_SOCKET, SO_RCVLOWAT), 100);
	ck_assert_int_eq(set_int(T, SOL_SOCKET, SO_RCVLOWAT, 0), 0);
	ck_assert_int_eq(get_int(T, SOL_SOCKET, SO_RCVLOWAT), 1);
	/* negative is INT_MAX; TCP caps it at half the receive buffer */
	ck_assert_int_eq(set_int(U, SOL_SOCKET, SO_RCVLOWAT, -1), 0);
	ck_assert_int_eq(get_int(U, SOL_SOCKET, SO_RCVLOWAT), INT_MAX);
	ck_assert_int_eq(set_int(T, SOL_SOCKET, SO_RCVBUF, 8192), 0);
	ck_assert_int_eq(set_int(T, SOL_SOCKET, SO_RCVLOWAT, -1), 0);
	ck_assert_int_eq(get_int(T, SOL_SOCKET, SO_RCVLOWAT), 8192);
}
END_TEST

START_TEST(test_lengths)
{
	uint8_t b = 33;
	int v = 0x01020304;
	size_t len;

	/* SOL_SOCKET, TCP, IPv6: less than an int is EINVAL, before the name
	 * is looked at; IPv4 takes one byte */
	ck_assert_int_eq(ae_setsockopt(T, SOL_SOCKET, SO_KEEPALIVE, &b, 1),
			 -EINVAL);
	ck_assert_int_eq(ae_setsockopt(T, SOL_SOCKET, 9999, &b, 1), -EINVAL);
	ck_assert_int_eq(ae_setsockopt(T, IPPROTO_TCP, TCP_INFO, &b, 1),
			 -EINVAL);
	ck_assert_int_eq(ae_setsockopt(U, IPPROTO_IPV6, IPV6_TCLASS, &b, 1),
			 -EINVAL);
	ck_assert_int_eq(ae_setsockopt(U, IPPROTO_IPV6, 9999, &b, 1),
			 -ENOPROTOOPT);
	ck_assert_int_eq(ae_setsockopt(T, IPPROTO_IP, IP_TTL, &b, 1), 0);
	ck_assert_int_eq(get_int(T, IPPROTO_IP, IP_TTL), 33);
	ck_assert_int_eq(ae_setsockopt(T, IPPROTO_IP, IP_TTL, &b, 0), -EINVAL);
	/* reads are truncated, never EINVAL; IPv4 gives one byte */
	len = 2;
	ck_assert_int_eq(ae_getsockopt(T, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	ck_assert_uint_eq(len, 2);
	len = 2;
	v = 0;
	ck_assert_int_eq(ae_getsockopt(T, IPPROTO_IP, IP_TTL, &v, &len), 0);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(v, 33);
	len = 0;
	ck_assert_int_eq(ae_getsockopt(T, IPPROTO_TCP, TCP_NODELAY, &v, &len),
			 0);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(test_defaults_and_roundtrips)
{
	static const struct {
		int level, name, def, set, back;
	} rows[] = {
		{ SOL_SOCKET, SO_BROADCAST, 0, 1, 1 },
		{ SOL_SOCKET, SO_OOBINLINE, 0, 1, 1 },
		{ SOL_SOCKET, SO_DONTROUTE, 0, 7, 1 },
		{ SOL_SOCKET, SO_PRIORITY, 0, 5, 5 },
		{ SOL_SOCKET, SO_KEEPALIVE, 0, 1, 1 },
		{ SOL_SOCKET, SO_SNDBUF, 212992, 8192, 16384 },
		{ SOL_SOCKET, SO_RCVBUF, 212992, 1, 2304 },
		{ IPPROTO_IP, IP_TOS, 0, 0x10, 0x10 },
		{ IPPROTO_IP, IP_TTL, 64, -1, 64 },
		{ IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_WANT,
		  IP_PMTUDISC_DO, IP_PMTUDISC_DO },
		{ IPPROTO_IP, IP_MULTICAST_TTL, 1, -1, 1 },
		{ IPPROTO_IP, IP_MULTICAST_LOOP, 1, 0, 0 },
		{ IPPROTO_IPV6, IPV6_TCLASS, 0, -1, 0 },
		{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, 64, 9, 9 },
		{ IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 1, 5, 5 },
		{ IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_WANT, 3, 3 },
	};
	/* IPPROTO_TCP: value set, what setsockopt() returns, value read */
	static const struct {
		int name, set, ret, back;
	} tcp_rows[] = {
		{ TCP_QUICKACK, 0, 0, 0 },
		{ TCP_LINGER2, 1000, 0, 120 },
		{ TCP_LINGER2, -5, 0, -1 },
		{ TCP_MAXSEG, 40000, -EINVAL, 536 },
		{ TCP_MAXSEG, 1000, 0, 1000 },
		{ TCP_FASTOPEN, -1, -EINVAL, 0 },
		{ TCP_FASTOPEN, 5, 0, 5 },
		{ TCP_KEEPCNT, 128, -EINVAL, 9 },
		{ TCP_USER_TIMEOUT, -1, -EINVAL, 0 },
		{ TCP_NOTSENT_LOWAT, 4096, 0, 4096 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		ck_assert_int_eq(get_int(U, rows[i].level, rows[i].name),
				 rows[i].def);
		ck_assert_int_eq(set_int(U, rows[i].level, rows[i].name,
					 rows[i].set), 0);
		ck_assert_int_eq(get_int(U, rows[i].level, rows[i].name),
				 rows[i].back);
	}
	ck_assert_int_eq(set_int(U, IPPROTO_IP, IP_MTU_DISCOVER, 6), -EINVAL);
	ck_assert_int_eq(set_int(U, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 2),
			 -EINVAL);
	/* multicast on TCP: IPv4's TTL is EINVAL, IPv6's hops ENOPROTOOPT */
	ck_assert_int_eq(set_int(T, IPPROTO_IP, IP_MULTICAST_TTL, 3), -EINVAL);
	ck_assert_int_eq(set_int(T, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 3),
			 -ENOPROTOOPT);
	/* TCP: Linux's initial buffers, TCP_MSS_DEFAULT, fin timeout */
	ck_assert_int_eq(get_int(T, SOL_SOCKET, SO_SNDBUF), 16384);
	ck_assert_int_eq(get_int(T, SOL_SOCKET, SO_RCVBUF), 131072);
	ck_assert_int_eq(get_int(T, IPPROTO_TCP, TCP_MAXSEG), 536);
	ck_assert_int_eq(get_int(T, IPPROTO_TCP, TCP_LINGER2), 60);
	ck_assert_int_eq(get_int(T, IPPROTO_TCP, TCP_QUICKACK), 1);
	for (i = 0; i < sizeof(tcp_rows) / sizeof(tcp_rows[0]); i++) {
		ck_assert_int_eq(set_int(T, IPPROTO_TCP, tcp_rows[i].name,
					 tcp_rows[i].set), tcp_rows[i].ret);
		ck_assert_int_eq(get_int(T, IPPROTO_TCP, tcp_rows[i].name),
				 tcp_rows[i].back);
	}
	/* SO_ERROR/SO_ACCEPTCONN/SO_PROTOCOL of a fresh socket */
	ck_assert_int_eq(get_int(T, SOL_SOCKET, SO_ERROR), 0);
	ck_assert_int_eq(get_int(U, SOL_SOCKET, SO_ACCEPTCONN), 0);
	ck_assert_int_eq(get_int(U, SOL_SOCKET, SO_PROTOCOL), IPPROTO_UDP);
	ck_assert_int_eq(get_int(T, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
}
END_TEST

/**
 * linger() - set SO_LINGER
 * @sk:		socket
 * @on:		l_onoff
 * @secs:	l_linger
 *
 * Return: what ae_setsockopt() returned
 */
static int linger(struct ae_sock *sk, int on, int secs)
{
	struct linger l = { on, secs };

	return ae_setsockopt(sk, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/**
 * linger_is() - check SO_LINGER's read-back value
 * @sk:		socket
 * @on:		l_onoff expected
 * @secs:	l_linger expected
 */
static void linger_is(struct ae_sock *sk, int on, int secs)
{
	struct linger l = { -1, -1 };
	size_t len = sizeof(l);

	ck_assert_int_eq(ae_getsockopt(sk, SOL_SOCKET, SO_LINGER, &l, &len), 0);
	ck_assert_uint_eq(len, sizeof(l));
	ck_assert_int_eq(l.l_onoff, on);
	ck_assert_int_eq(l.l_linger, secs);
}

START_TEST(test_linger_sequences)
{
	struct tcp_sock *tp = tcp_sk(T);
	int one = 1;

	linger_is(T, 0, 0);
	ck_assert_int_eq(ae_setsockopt(T, SOL_SOCKET, SO_LINGER, &one,
				       sizeof(one)), -EINVAL);
	ck_assert_int_eq(linger(T, 1, 5), 0);
	linger_is(T, 1, 5);
	ck_assert(!(tp->flags & TF_LINGER0));
	ck_assert_uint_eq(tp->linger_s, 5);
	/* off keeps the time, as Linux reads it back */
	ck_assert_int_eq(linger(T, 0, 7), 0);
	linger_is(T, 0, 5);
	ck_assert_uint_eq(tp->linger_s, 0);
	ck_assert_int_eq(linger(T, 1, 0), 0);
	linger_is(T, 1, 0);
	ck_assert(tp->flags & TF_LINGER0);
	ck_assert_int_eq(linger(T, 0, 0), 0);
	linger_is(T, 0, 0);
	ck_assert(!(tp->flags & TF_LINGER0));
	ck_assert_int_eq(linger(T, 1, 0), 0);
	ck_assert_int_eq(linger(T, 1, 3), 0);
	ck_assert(!(tp->flags & TF_LINGER0));
	/* UDP keeps it too (sk_setsockopt() is generic) */
	ck_assert_int_eq(linger(U, 1, 9), 0);
	linger_is(U, 1, 9);
}
END_TEST

START_TEST(test_keepalive_reaches_tcp)
{
	ck_assert_int_eq(set_int(T, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
	ck_assert(tcp_sk(T)->flags & TF_KEEPALIVE);
	ck_assert_int_eq(set_int(T, SOL_SOCKET, SO_KEEPALIVE, 0), 0);
	ck_assert(!(tcp_sk(T)->flags & TF_KEEPALIVE));
	ck_assert_int_eq(set_int(U, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
	ck_assert_int_eq(get_int(U, SOL_SOCKET, SO_KEEPALIVE), 1);
}
END_TEST

START_TEST(test_multicast_if)
{
	struct in_addr a = { S->cfg.addr }, r = { 1 };
	struct ip_mreqn m = { .imr_ifindex = 1 };
	size_t len = sizeof(r);

	ck_assert_int_eq(ae_getsockopt(U, IPPROTO_IP, IP_MULTICAST_IF, &r,
				       &len), 0);
	ck_assert_uint_eq(r.s_addr, 0);
	ck_assert_int_eq(ae_setsockopt(U, IPPROTO_IP, IP_MULTICAST_IF, &a,
				       sizeof(a)), 0);
	ck_assert_int_eq(ae_getsockopt(U, IPPROTO_IP, IP_MULTICAST_IF, &r,
				       &len), 0);
	ck_assert_uint_eq(r.s_addr, S->cfg.addr);
	a.s_addr = htonl(0x0a090909);
	ck_assert_int_eq(ae_setsockopt(U, IPPROTO_IP, IP_MULTICAST_IF, &a,
				       sizeof(a)), -EADDRNOTAVAIL);
	ck_assert_int_eq(ae_setsockopt(U, IPPROTO_IP, IP_MULTICAST_IF, &a, 3),
			 -EINVAL);
	ck_assert_int_eq(ae_setsockopt(T, IPPROTO_IP, IP_MULTICAST_IF, &a,
				       sizeof(a)), -EINVAL);
	/* by index: the address is not looked at */
	ck_assert_int_eq(ae_setsockopt(U, IPPROTO_IP, IP_MULTICAST_IF, &m,
				       sizeof(m)), 0);
	ck_assert_int_eq(ae_getsockopt(U, IPPROTO_IP, IP_MULTICAST_IF, &r,
				       &len), 0);
	ck_assert_uint_eq(r.s_addr, 0);
}
END_TEST

/**
 * sockopt_suite() - the suite
 *
 * Return: suite
 */
static Suite *sockopt_suite(void)
{
	Suite *su = suite_create("sockopt");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_wrong_level);
	tcase_add_test(tc, test_sndlowat_rcvlowat);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_defaults_and_roundtrips);
	tcase_add_test(tc, test_linger_sequences);
	tcase_add_test(tc, test_keepalive_reaches_tcp);
	tcase_add_test(tc, test_multicast_if);
	suite_add_tcase(su, tc);
	return su;
}

/**
 * main() - run the suite
 *
 * Return: 0 when every test passed
 */
int main(void)
{
	SRunner *sr = srunner_create(sockopt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
