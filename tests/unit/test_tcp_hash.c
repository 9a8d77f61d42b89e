// SPDX-License-Identifier: MIT
/**
 * DOC: test_tcp_hash.c - demultiplexing and timers at 100k connections,
 * ISN and ephemeral port properties
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "fakedev.h"
#include "stack.h"
#include "tcp.h"
#include "tcp_helpers.h"

#define NCONN	100000

/* sanitizers slow everything down several times: scale the time bounds */
#if defined(__SANITIZE_ADDRESS__)
#define SLOW	6
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SLOW	6
#endif
#endif
#ifndef SLOW
#define SLOW	1
#endif

static struct ae_stack *S;

/**
 * setup() - a stack whose TCP sockets have 16 KiB rings
 *
 * Nothing here moves data, and the counting allocator poisons every ring
 * it hands out: with the default 4 MiB rings, the 200 connects of
 * ephemeral_ports_random_and_unique touched 1.6 GB, which took 9 s of
 * wall time at load 15 and ran past the case's timeout at load 40.
 */
static void setup(void)
{
	struct ae_config cfg;

	fake_config_default(&cfg);
	cfg.rcvbuf = cfg.sndbuf = 16384;
	S = fake_stack_new(&cfg);
	fake_arp_seed(S);
}

static void teardown(void)
{
	fake_stack_destroy(S);
}

/**
 * wall_ms() - this process's CPU time in ms (for the speed bounds; CPU
 * rather than wall time, so that a loaded machine does not fail them)
 *
 * Return: milliseconds
 */
static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/** tuple_of() - a distinct 4-tuple for connection @i */
static void tuple_of(uint32_t i, uint32_t *raddr, uint16_t *lport,
		     uint16_t *rport)
{
	*raddr = htonl(0x0a000000u | (i / 50000));
	*lport = htons((uint16_t)(1 + i % 50000));
	*rport = htons((uint16_t)(1024 + (i % 7)));
}

START_TEST(demux_100k)
{
	static struct tcp_sock *tps[NCONN];
	uint32_t i, raddr;
	uint16_t lport, rport;
	double t0, t1;

	/* The TCBs are made before the clock starts: tcp_alloc() zeroes a
	 * whole TCB and its buffers, which is most of the time and none of
	 * the hash's. */
	for (i = 0; i < NCONN; i++) {
		struct tcp_sock *tp = tcp_alloc(S);

		ck_assert_ptr_nonnull(tp);
		tuple_of(i, &raddr, &lport, &rport);
		tp->sk.laddr = FAKE_ADDR;
		tp->sk.lport = lport;
		tp->sk.raddr = raddr;
		tp->sk.rport = rport;
		tp->state = TCPS_ESTABLISHED;
		tps[i] = tp;
	}
	t0 = wall_ms();
	for (i = 0; i < NCONN; i++)
		tcp_hash_insert(S, tps[i]);
	for (i = 0; i < NCONN; i++) {
		tuple_of(i, &raddr, &lport, &rport);
		ck_assert_ptr_eq(tcp_hash_lookup(S, FAKE_ADDR, lport, raddr,
						 rport), tps[i]);
	}
	/* misses */
	for (i = 0; i < 1000; i++)
		ck_assert_ptr_null(tcp_hash_lookup(S, FAKE_ADDR, htons(1),
						   htonl(0x0b000000u + i),
						   htons(1)));
	t1 = wall_ms();
	printf("# 100k connections: insert + lookup + 1000 misses: %.0f ms CPU\n",
	       t1 - t0);
	fflush(stdout);
	ck_assert_msg(t1 - t0 < 1000 * SLOW, "100k insert+lookup took %.0f ms",
		      t1 - t0);
	ck_assert_uint_eq(S->tcp->nhashed, NCONN);
	/* removal is O(1) too */
	for (i = 0; i < NCONN; i += 2)
		tcp_hash_remove(S, tps[i]);
	for (i = 0; i < NCONN; i++) {
		tuple_of(i, &raddr, &lport, &rport);
		ck_assert_ptr_eq(tcp_hash_lookup(S, FAKE_ADDR, lport, raddr,
						 rport), (i & 1) ? tps[i] : NULL);
	}
	ck_assert_msg(wall_ms() - t0 < 2000 * SLOW, "too slow");
}
END_TEST

START_TEST(timer_heap_100k)
{
	static struct tcp_sock *tps[NCONN];
	uint64_t base = fake_clock_now(), prev = 0, key;
	uint32_t i, x = 12345;
	double t0 = wall_ms();

	for (i = 0; i < NCONN; i++) {
		tps[i] = tcp_alloc(S);
		x = x * 1103515245 + 12345;
		tcp_timer_set(tps[i], TT_KEEP, base + 1000000ULL + (x % 100000000));
	}
	/* re-arm half of them, earlier and later */
	for (i = 0; i < NCONN; i += 2) {
		x = x * 1103515245 + 12345;
		tcp_timer_set(tps[i], TT_DELACK, base + 500000ULL + (x % 200000000));
	}
	ck_assert_uint_eq(S->tcp->heap_len, NCONN);
	/* the root is the minimum, and popping yields a sorted order */
	for (i = 0; i < NCONN; i++) {
		key = tcp_next_timeout(S);
		ck_assert_uint_ge(key, prev);
		prev = key;
		struct tcp_sock *tp = S->tcp->heap[1];
		tcp_timer_clear_all(tp);
	}
	ck_assert_uint_eq(tcp_next_timeout(S), AE_NEVER);
	ck_assert_msg(wall_ms() - t0 < 2000 * SLOW, "heap too slow");
}
END_TEST

START_TEST(isn_properties)
{
	uint32_t a, b, c;

	a = tcp_new_isn(S, FAKE_ADDR, htons(80), FAKE_PEER, htons(1000));
	b = tcp_new_isn(S, FAKE_ADDR, htons(80), FAKE_PEER, htons(1001));
	ck_assert_uint_ne(a, b);
	/* the clock part: +250 per millisecond (4 us ticks) */
	fake_clock_advance_ms(1);
	ae_stack_poll(S);
	c = tcp_new_isn(S, FAKE_ADDR, htons(80), FAKE_PEER, htons(1000));
	ck_assert_uint_eq(c - a, 250);
}
END_TEST

START_TEST(siphash_vector)
{
	/* reference vector from the SipHash paper: key 00..0f, msg 00..0e */
	uint8_t key[16], msg[15];
	int i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(siphash24(key, msg, 15), 0xa129ca6149be45e5ULL);
}
END_TEST

START_TEST(ephemeral_ports_random_and_unique)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ae_sock *sk[200];
	uint16_t ports[200];
	int err, i, j, distinct_gaps = 0;

	a.sin_addr.s_addr = FAKE_PEER;
	a.sin_port = htons(80);
	for (i = 0; i < 200; i++) {
		sk[i] = ae_socket(S, SOCK_STREAM, &err);
		ck_assert_int_eq(ae_connect(sk[i], &a), -EINPROGRESS);
		ae_getsockname(sk[i], &a);
		ports[i] = ntohs(a.sin_port);
		a.sin_addr.s_addr = FAKE_PEER;
		a.sin_port = htons(80);
		ck_assert_uint_ge(ports[i], 32768);
		ck_assert_uint_le(ports[i], 60999);
		for (j = 0; j < i; j++)
			ck_assert_uint_ne(ports[i], ports[j]);
		if (i && ports[i] != ports[i - 1] + 1)
			distinct_gaps++;
	}
	ck_assert_int_gt(distinct_gaps, 150);	/* not sequential */
	for (i = 0; i < 200; i++)
		ae_close(sk[i]);
	ck_assert_uint_eq(S->tcp->ntcb, 0);
}
END_TEST

START_TEST(listener_wildcard_and_exact)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ae_sock *w, *e;
	int err;

	w = ae_socket(S, SOCK_STREAM, &err);
	e = ae_socket(S, SOCK_STREAM, &err);
	a.sin_port = htons(8080);
	ck_assert_int_eq(ae_bind(w, &a), 0);
	ck_assert_int_eq(ae_listen(w, 4), 0);
	ck_assert_ptr_eq(tcp_listener_lookup(S, FAKE_ADDR, htons(8080)),
			 (struct tcp_sock *)w);
	ck_assert_ptr_null(tcp_listener_lookup(S, FAKE_ADDR, htons(8081)));
	ae_close(w);
	a.sin_addr.s_addr = FAKE_ADDR;
	ck_assert_int_eq(ae_bind(e, &a), 0);
	ck_assert_int_eq(ae_listen(e, 4), 0);
	ck_assert_ptr_eq(tcp_listener_lookup(S, FAKE_ADDR, htons(8080)),
			 (struct tcp_sock *)e);
}
END_TEST

/* SO_REUSEPORT: a group of two listeners shares new connections by 4-tuple */
START_TEST(reuseport_group_spreads)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(8080) };
	struct tcp_sock *l[2], *p;
	int one = 1, err, i, k, got[2] = { 0, 0 };

	for (k = 0; k < 2; k++) {
		struct ae_sock *sk = ae_socket(S, SOCK_STREAM, &err);

		ck_assert_int_eq(ae_setsockopt(sk, SOL_SOCKET, SO_REUSEPORT,
					       &one, sizeof(one)), 0);
		ck_assert_int_eq(ae_bind(sk, &a), 0);
		ck_assert_int_eq(ae_listen(sk, 4), 0);
		l[k] = (struct tcp_sock *)sk;
	}
	for (i = 0; i < 64; i++) {
		p = tcp_listener_select(S, FAKE_ADDR, htons(8080), FAKE_PEER,
					htons((uint16_t)(30000 + i)));
		ck_assert(p == l[0] || p == l[1]);
		got[p == l[1]]++;
		/* the same 4-tuple always meets the same member */
		ck_assert_ptr_eq(tcp_listener_select(S, FAKE_ADDR, htons(8080),
						     FAKE_PEER,
						     htons((uint16_t)(30000 + i))),
				 p);
	}
	ck_assert_int_gt(got[0], 8);
	ck_assert_int_gt(got[1], 8);
	ae_close(&l[0]->sk);
	ck_assert_ptr_eq(tcp_listener_select(S, FAKE_ADDR, htons(8080),
					     FAKE_PEER, htons(30000)), l[1]);
}
END_TEST

static Suite *tcp_hash_suite(void)
{
	Suite *s = suite_create("tcp_hash");
	TCase *tc = tcase_create("hash");

	/* a hang guard only: the speed bounds above are CPU time, and 100k
	 * TCBs made and poisoned take 9 s of wall time at load 17 */
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, demux_100k);
	tcase_add_test(tc, timer_heap_100k);
	tcase_add_test(tc, isn_properties);
	tcase_add_test(tc, siphash_vector);
	tcase_add_test(tc, ephemeral_ports_random_and_unique);
	tcase_add_test(tc, listener_wildcard_and_exact);
	tcase_add_test(tc, reuseport_group_spreads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_hash_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
