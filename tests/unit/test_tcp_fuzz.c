// SPDX-License-Identifier: MIT
/**
 * DOC: test_tcp_fuzz.c - random segments against TCBs in every state
 *
 * A fixed-seed generator throws segments with random flags, sequence and
 * acknowledgment numbers near and far from the connection's, random
 * windows, random (often malformed) options and random payload lengths at
 * connections driven into each state, interleaved with random socket calls
 * and timer runs. After every step the stack's own invariants must hold
 * (ae_stack_check(): rings within bounds, SND.UNA <= SND.NXT <= SND.MAX,
 * the SACK scoreboard in order, the timer heap ordered), every emitted
 * segment must have a valid checksum, and at the end everything must be
 * freed.
 */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "fakedev.h"
#include "stack.h"
#include "tcp.h"
#include "tcp_helpers.h"

static struct ae_stack *S;
static uint64_t R;

static uint32_t rnd(void)
{
	R ^= R << 13;
	R ^= R >> 7;
	R ^= R << 17;
	return (uint32_t)R;
}

static void setup(void)
{
	S = fake_stack_create();
	fake_arp_seed(S);
}

static void teardown(void)
{
	fake_stack_destroy(S);
}

/** check_all() - the stack's invariants, the emitted checksums */
static void check_all(void)
{
	const char *why = ae_stack_check(S);
	struct tpkt p;
	uint32_t i;

	if (why)
		ck_abort_msg("stack invariant broken: %s", why);
	for (i = 0; i < (uint32_t)fake_frame_count(); i++)
		if (th_get((int)i, &p) && !p.csum_ok)
			ck_abort_msg("bad checksum in emitted segment");
	fake_frames_clear();
}

/** run_out_timers() - jump from deadline to deadline until none is left */
static void run_out_timers(void)
{
	int i;

	for (i = 0; i < 100000 && ae_stack_next_timeout(S) != AE_NEVER; i++) {
		if (ae_stack_next_timeout(S) > fake_clock_now())
			fake_clock_set_ns(ae_stack_next_timeout(S));
		ae_stack_poll(S);
		fake_frames_clear();
	}
	ck_assert_uint_eq(ae_stack_next_timeout(S), AE_NEVER);
}

/** random_options() - option bytes, well-formed or not */
static size_t random_options(uint8_t *o)
{
	size_t n = (rnd() % 11) * 4, i;
	static const uint8_t good[][4] = {
		{ 2, 4, 5, 0xb4 }, { 1, 3, 3, 7 }, { 4, 2, 1, 1 },
		{ 1, 1, 1, 1 }, { 0, 0, 0, 0 },
	};

	for (i = 0; i < n; i += 4) {
		if (rnd() % 3)
			memcpy(o + i, good[rnd() % 5], 4);
		else {
			o[i] = (uint8_t)(rnd() % 10);
			o[i + 1] = (uint8_t)(rnd() % 50);
			o[i + 2] = (uint8_t)rnd();
			o[i + 3] = (uint8_t)rnd();
		}
	}
	if (rnd() % 4 == 0 && n >= 12) {
		o[0] = 1;
		o[1] = 1;
		o[2] = 8;
		o[3] = 10;
		st32(o + 4, rnd() % 1000);
		st32(o + 8, rnd() % 1000);
	}
	return n;
}

/** pick() - a value near @base or anywhere */
static uint32_t pick(uint32_t base)
{
	switch (rnd() % 4) {
	case 0:
		return base;
	case 1:
		return base + rnd() % 3000;
	case 2:
		return base - rnd() % 3000;
	default:
		return rnd();
	}
}

/** fuzz_conn() - random traffic and calls on one connection */
static void fuzz_conn(struct tconn *c, int steps)
{
	static uint8_t data[1460];
	uint8_t opt[44];
	struct tseg t;
	char buf[4096];
	int i;

	for (i = 0; i < steps; i++) {
		memset(&t, 0, sizeof(t));
		t.sport = c->peer_port;
		t.dport = c->port;
		t.seq = pick(c->peer_nxt);
		t.ack = pick(c->our_nxt);
		t.flags = (uint8_t)(rnd() % 64);
		if (rnd() % 2)
			t.flags = (t.flags & ~(TH_F_SYN | TH_F_RST)) | TH_F_ACK;
		t.win = (uint16_t)rnd();
		t.zero_win = rnd() % 16 == 0;
		t.optlen = random_options(opt);
		t.opt = opt;
		t.len = rnd() % 4 ? rnd() % sizeof(data) : 0;
		t.data = data;
		th_send(S, &t);
		if (c->sk && !(rnd() % 4)) {
			switch (rnd() % 6) {
			case 0:
				ae_send(c->sk, data, rnd() % sizeof(data), 0);
				break;
			case 1:
				ae_recv(c->sk, buf, sizeof(buf), 0);
				break;
			case 2:
				ae_shutdown(c->sk, SHUT_WR);
				break;
			case 3:
				fake_clock_advance_ms(rnd() % 3000);
				fake_arp_seed(S);
				ae_stack_poll(S);
				break;
			default:
				ae_poll(c->sk);
				break;
			}
		}
		check_all();
		/* follow the connection's real sequence numbers sometimes */
		if (c->sk && rnd() % 2) {
			struct tcp_sock *tp = (struct tcp_sock *)c->sk;

			if (tp->state >= TCPS_SYN_RECEIVED) {
				c->peer_nxt = tp->rcv_nxt;
				c->our_nxt = tp->snd_nxt;
			}
		}
	}
}

START_TEST(fuzz_established_family)
{
	struct tconn c;
	int round;

	R = 0x1234567 + (uint64_t)_i * 7919;
	for (round = 0; round < 20; round++) {
		memset(&c, 0, sizeof(c));
		c.port = 80;
		c.peer_port = (uint16_t)(1000 + round);
		c.lsk = round ? c.lsk : th_listener(S, 80, 64);
		if (round)
			c.lsk = tcp_listener_lookup(S, FAKE_ADDR, htons(80)) ?
				&tcp_listener_lookup(S, FAKE_ADDR,
						     htons(80))->sk : NULL;
		ck_assert_ptr_nonnull(c.lsk);
		{	/* children the fuzzing itself established: close them */
			struct ae_sock *x;

			while (ae_accept(c.lsk, &x, NULL) == 0)
				ae_close(x);
		}
		th_accept_conn(S, &c, rnd(), NULL, 0);
		fuzz_conn(&c, 300);
		ae_close(c.sk);
		c.sk = NULL;
		fuzz_conn(&c, 50);
	}
	/* and the listener itself */
	memset(&c, 0, sizeof(c));
	c.port = 80;
	c.peer_port = 7;
	fuzz_conn(&c, 2000);
	/* run out every timer: nothing but the listener may remain */
	run_out_timers();
	check_all();
	/* the listener, and what waits in its accept queue (never accepted,
	 * so kept, as Linux keeps it) */
	ck_assert_uint_eq(S->tcp->ntcb, 1 + ((struct tcp_sock *)
		tcp_listener_lookup(S, FAKE_ADDR, htons(80)))->acceptq_len);
}
END_TEST

START_TEST(fuzz_active_open)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct tconn c;
	int err, round;

	R = 0xabcdef + (uint64_t)_i * 104729;
	for (round = 0; round < 30; round++) {
		memset(&c, 0, sizeof(c));
		c.sk = ae_socket(S, SOCK_STREAM, &err);
		a.sin_addr.s_addr = FAKE_PEER;
		a.sin_port = htons(443);
		ck_assert_int_eq(ae_connect(c.sk, &a), -EINPROGRESS);
		c.port = 443;
		ae_getsockname(c.sk, &a);
		c.peer_port = ntohs(a.sin_port);
		/* th_send's ports are from the peer's view */
		c.port = c.peer_port;
		c.peer_port = 443;
		c.our_nxt = ((struct tcp_sock *)c.sk)->snd_nxt;
		c.peer_nxt = rnd();
		fuzz_conn(&c, 200);
		ae_close(c.sk);
		c.sk = NULL;
		fuzz_conn(&c, 20);
	}
	run_out_timers();
	check_all();
	ck_assert_uint_eq(S->tcp->ntcb, 0);
}
END_TEST

/* the checks the fuzzing relies on see what they claim to: each broken
 * invariant, planted in a healthy connection, is named, and undoing it
 * makes the stack whole again */
START_TEST(stack_check_sees_broken_invariants)
{
	struct tconn c = { .port = 80, .peer_port = 1000 };
	struct tconn c2 = { .port = 80, .peer_port = 1001 };
	struct tcp_sock *tp;
	uint32_t una, nxt;
	uint64_t key;

	c.lsk = th_listener(S, 80, 4);
	th_accept_conn(S, &c, 1000, NULL, 0);
	ck_assert_int_eq(ae_send(c.sk, "data", 4, 0), 4);
	tp = (struct tcp_sock *)c.sk;
	ck_assert_ptr_null(ae_stack_check(S));
	una = tp->snd_una;
	nxt = tp->snd_nxt;
	tp->snd_nxt = tp->snd_max + 1;
	ck_assert_str_eq(ae_stack_check(S), "send sequence space out of order");
	tp->snd_nxt = una - 1;
	ck_assert_str_eq(ae_stack_check(S), "send sequence space out of order");
	tp->snd_nxt = nxt;
	tp->nsacked = 1;
	tp->sacked[0].start = tp->snd_max;
	tp->sacked[0].end = tp->snd_max + 10;
	ck_assert_str_eq(ae_stack_check(S),
			 "SACK range outside SND.UNA..SND.MAX");
	tp->sacked[0].start = una + 2;
	tp->sacked[0].end = una + 1;
	ck_assert_str_eq(ae_stack_check(S), "SACK range empty or reversed");
	tp->nsacked = 2;
	tp->sacked[0].start = una + 1;
	tp->sacked[0].end = una + 3;
	tp->sacked[1].start = una + 3;
	tp->sacked[1].end = una + 4;
	ck_assert_str_eq(ae_stack_check(S), "SACK ranges overlap");
	tp->nsacked = 0;
	tp->tx.tail = tp->tx.head + tp->tx.size + 1;
	ck_assert_str_eq(ae_stack_check(S), "tx ring over-full");
	tp->tx.tail = tp->tx.head + 4;
	/* a second connection, so the heap has an order to break */
	c2.lsk = c.lsk;
	th_accept_conn(S, &c2, 5000, NULL, 0);
	ck_assert_int_eq(ae_send(c2.sk, "data", 4, 0), 4);
	ck_assert_uint_ge(S->tcp->heap_len, 2);
	ck_assert_ptr_null(ae_stack_check(S));
	key = S->tcp->heap[1]->heap_key;
	S->tcp->heap[1]->heap_key = AE_NEVER - 1;
	ck_assert_str_eq(ae_stack_check(S), "timer heap out of order");
	S->tcp->heap[1]->heap_key = key;
	ck_assert_ptr_null(ae_stack_check(S));
}
END_TEST

static Suite *tcp_fuzz_suite(void)
{
	Suite *s = suite_create("tcp_fuzz");
	TCase *tc = tcase_create("fuzz");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, fuzz_established_family, 0, 16);
	tcase_add_loop_test(tc, fuzz_active_open, 0, 16);
	tcase_add_test(tc, stack_check_sees_broken_invariants);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_fuzz_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
