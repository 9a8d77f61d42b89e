// SPDX-License-Identifier: MIT
/**
 * DOC: test_stack.c - lifetime (incl. allocation failure at every step),
 * counters by name, socket table, timers, randomness, logging
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "fakedev.h"
#include "stack.h"

START_TEST(test_create_requires_hooks)
{
	struct ae_config cfg;

	fake_reset();
	fake_config_default(&cfg);
	cfg.output = NULL;
	ck_assert_ptr_null(ae_stack_create(&cfg));
	fake_config_default(&cfg);
	cfg.clock = NULL;
	ck_assert_ptr_null(ae_stack_create(&cfg));
	fake_config_default(&cfg);
	cfg.mem_free = NULL;	/* an allocator without its free */
	ck_assert_ptr_null(ae_stack_create(&cfg));
	ck_assert_ptr_null(ae_stack_create(NULL));
	ck_assert_int_eq(fake_mem_live_count(), 0);
	ae_stack_destroy(NULL);
}
END_TEST

START_TEST(test_alloc_failure_every_step)
{
	struct ae_config cfg;
	struct ae_stack *s = NULL;
	long n;

	fake_config_default(&cfg);
	for (n = 0; n < 1000 && !s; n++) {
		fake_reset();
		fake_mem_fail_after(n);
		s = ae_stack_create(&cfg);
		if (!s)
			ck_assert_msg(fake_mem_live_count() == 0,
				      "leak after failing allocation %ld", n);
	}
	ck_assert_ptr_nonnull(s);
	ck_assert_int_gt(n, 3);	/* several allocations were exercised */
	fake_mem_fail_after(-1);
	ae_stack_destroy(s);
	ck_assert_int_eq(fake_mem_live_count(), 0);
}
END_TEST

START_TEST(test_default_allocator)
{
	struct ae_config cfg;
	struct ae_stack *s;

	fake_reset();
	fake_config_default(&cfg);
	cfg.mem_alloc = NULL;
	cfg.mem_free = NULL;
	s = ae_stack_create(&cfg);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(fake_mem_total_allocs(), 0);	/* malloc was used */
	ae_stack_destroy(s);
}
END_TEST

START_TEST(test_defaults_filled)
{
	struct ae_config cfg;
	struct ae_stack *s;

	fake_config_default(&cfg);
	cfg.mtu = 0;
	s = fake_stack_new(&cfg);
	ck_assert_uint_eq(s->cfg.mtu, 1500);
	ck_assert_uint_eq(s->cfg.time_wait_ms, 60000);
	ck_assert_uint_eq(s->cfg.rcvbuf, 4u << 20);
	ck_assert_uint_eq(s->cfg.sndbuf, 4u << 20);
	ck_assert_uint_eq(s->cfg.max_sockets, 65536);
	fake_stack_destroy(s);
	cfg.mtu = 9000;		/* jumbo frames are taken as given */
	s = fake_stack_new(&cfg);
	ck_assert_uint_eq(s->cfg.mtu, 9000);
	fake_stack_destroy(s);
	cfg.mtu = 65535;	/* above a TAP's largest (pasta's 65520) */
	s = fake_stack_new(&cfg);
	ck_assert_uint_eq(s->cfg.mtu, 65520);
	fake_stack_destroy(s);
	cfg.mtu = 100;		/* below IPv4's minimum */
	s = fake_stack_new(&cfg);
	ck_assert_uint_eq(s->cfg.mtu, 576);
	fake_stack_destroy(s);
}
END_TEST

/**
 * struct stat_seen - what the counter visitor saw
 */
struct stat_seen {
	int n;
	int groups[6];
	uint64_t ip_in_receives;
	bool dup;
	char names[256][48];
};

static const char *groups[6] = { "eth", "arp", "ip", "icmp", "udp", "tcp" };

/**
 * stat_visit() - ae_stat_fn collecting names
 * @ctx:	struct stat_seen
 * @group:	group
 * @name:	counter
 * @value:	value
 */
static void stat_visit(void *ctx, const char *group, const char *name,
		       uint64_t value)
{
	struct stat_seen *w = ctx;
	char full[48];
	int i;

	snprintf(full, sizeof(full), "%s.%s", group, name);
	for (i = 0; i < w->n; i++)
		if (!strcmp(w->names[i], full))
			w->dup = true;
	if (w->n < 256)
		snprintf(w->names[w->n++], sizeof(w->names[0]), "%s", full);
	for (i = 0; i < 6; i++)
		if (!strcmp(group, groups[i]))
			w->groups[i]++;
	if (!strcmp(full, "ip.in_receives"))
		w->ip_in_receives = value;
}

START_TEST(test_stats_by_name)
{
	static struct stat_seen w;
	struct ae_stack *s = fake_stack_create();
	uint8_t f[64] = { 0 };
	int i;

	memcpy(f, fake_mac, 6);
	f[12] = 0x08;		/* IPv4, but a truncated header */
	fake_input(s, f, 20);
	fake_input(s, f, 5);
	ck_assert_uint_eq(ae_stack_stat(s, "ip", "in_receives"), 1);
	ck_assert_uint_eq(ae_stack_stat(s, "ip", "in_truncated"), 1);
	ck_assert_uint_eq(ae_stack_stat(s, "eth", "in_runt"), 1);
	ck_assert_uint_eq(ae_stack_stat(s, "eth", "in_frames"), 2);
	ck_assert_uint_eq(ae_stack_stat(s, "ip", "no_such_counter"), 0);
	ck_assert_uint_eq(ae_stack_stat(s, "nope", "in_receives"), 0);
	ae_stack_stats_foreach(s, stat_visit, &w);
	ck_assert_int_eq(w.n, (int)(sizeof(struct ae_stats) / sizeof(uint64_t)));
	ck_assert(!w.dup);
	for (i = 0; i < 6; i++)
		ck_assert_int_gt(w.groups[i], 0);
	ck_assert_uint_eq(w.ip_in_receives, 1);
	fake_stack_destroy(s);
}
END_TEST

/**
 * struct sock_seen - what the socket visitor saw
 */
struct sock_seen {
	int n;
	struct ae_sock_info info[8];
};

/**
 * sock_visit() - ae_sock_visit_fn collecting lines
 * @ctx:	struct sock_seen
 * @info:	one socket
 */
static void sock_visit(void *ctx, const struct ae_sock_info *info)
{
	struct sock_seen *w = ctx;

	if (w->n < 8)
		w->info[w->n] = *info;
	w->n++;
}

START_TEST(test_socket_table)
{
	struct ae_stack *s = fake_stack_create();
	struct sock_seen w = { 0 };
	struct ae_sock *a, *b;
	uint8_t f[128];
	size_t n;
	int err, i, found = 0;

	a = udp_socket(s, &err);
	b = udp_socket(s, &err);
	ck_assert_int_eq(udp_bind(a, FAKE_ADDR, htons(53)), 0);
	ck_assert_int_eq(udp_connect(b, FAKE_PEER, htons(99)), 0);
	n = fake_udp_frame(f, sizeof(f), 0, htons(7), htons(53), "12345", 5);
	fake_input(s, f, n);
	ae_stack_sockets_foreach(s, sock_visit, &w);
	ck_assert_int_eq(w.n, 2);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(w.info[i].type, SOCK_DGRAM);
		ck_assert_int_eq(w.info[i].state, 0);
		ck_assert_int_eq(w.info[i].local.sin_family, AF_INET);
		if (w.info[i].local.sin_port == htons(53)) {
			found++;
			ck_assert_uint_eq(w.info[i].local.sin_addr.s_addr, FAKE_ADDR);
			ck_assert_uint_eq(w.info[i].rx_queued, 5);
		} else {
			found++;
			ck_assert_uint_eq(w.info[i].remote.sin_addr.s_addr, FAKE_PEER);
			ck_assert_uint_eq(w.info[i].remote.sin_port, htons(99));
			ck_assert_uint_eq(w.info[i].rx_queued, 0);
		}
	}
	ck_assert_int_eq(found, 2);
	ck_assert_uint_eq(s->nsockets, 2);
	udp_close(a);
	ck_assert_uint_eq(s->nsockets, 1);
	fake_stack_destroy(s);
}
END_TEST

START_TEST(test_timeouts_and_clock)
{
	struct ae_stack *s = fake_stack_create();
	uint8_t pay[8] = { 0 };
	struct iovec v = { pay, sizeof(pay) };
	uint64_t t0 = fake_clock_now();

	ck_assert_uint_eq(ae_stack_next_timeout(s), AE_NEVER);
	ipv4_output(s, 0, FAKE_IP(192, 168, 1, 50), 17, 0, &v, 1);
	ck_assert_uint_eq(ae_stack_next_timeout(s), t0 + NS_PER_SEC);
	/* A clock that steps back is clamped: time never decreases. */
	fake_clock_set_ns(t0 - 5 * NS_PER_SEC);
	ck_assert_uint_eq(stack_now(s), t0);
	fake_clock_set_ns(t0 + 10 * NS_PER_SEC);
	ae_stack_poll(s);
	ck_assert_uint_eq(s->now, t0 + 10 * NS_PER_SEC);
	fake_stack_destroy(s);
}
END_TEST

START_TEST(test_random_seeded)
{
	struct ae_config cfg;
	struct ae_stack *a, *b;
	uint32_t x[16], y[16];
	int i, same = 0;

	fake_config_default(&cfg);
	a = fake_stack_new(&cfg);
	for (i = 0; i < 16; i++)
		x[i] = stack_random(a);
	ae_stack_destroy(a);
	b = fake_stack_new(&cfg);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(stack_random(b), x[i]);	/* reproducible */
	ae_stack_destroy(b);
	cfg.seed ^= 1;
	b = fake_stack_new(&cfg);
	for (i = 0; i < 16; i++) {
		y[i] = stack_random(b);
		same += y[i] == x[i];
	}
	ck_assert_int_lt(same, 2);
	for (i = 1; i < 16; i++)
		ck_assert_uint_ne(y[i], y[i - 1]);
	fake_stack_destroy(b);
	cfg.seed = 0;		/* must not get stuck at zero */
	b = fake_stack_new(&cfg);
	ck_assert_uint_ne(stack_random(b) | stack_random(b), 0);
	fake_stack_destroy(b);
}
END_TEST

static int log_calls;
static char log_last[256];

/**
 * log_sink() - ae_log_fn recording messages
 * @ctx:	unused
 * @level:	syslog level
 * @msg:	message
 */
static void log_sink(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	log_calls++;
	snprintf(log_last, sizeof(log_last), "%s", msg);
}

START_TEST(test_log_levels)
{
	struct ae_config cfg;
	struct ae_stack *s;

	fake_config_default(&cfg);
	cfg.log = log_sink;
	cfg.log_level = LOG_INFO;
	s = fake_stack_new(&cfg);
	log_calls = 0;
	stack_log(s, LOG_DEBUG, "hidden %d", 1);
	ck_assert_int_eq(log_calls, 0);
	stack_log(s, LOG_WARNING, "shown %d", 2);
	ck_assert_int_eq(log_calls, 1);
	ck_assert_str_eq(log_last, "shown 2");
	fake_stack_destroy(s);
}
END_TEST

static int notify_calls;
static unsigned int notify_last;

/**
 * notify_cb() - records sock_notify deliveries
 * @sk:		socket
 * @ev:		events
 * @user:	must be &notify_calls
 */
static void notify_cb(struct ae_sock *sk, unsigned int ev, void *user)
{
	(void)sk;
	ck_assert_ptr_eq(user, &notify_calls);
	notify_calls++;
	notify_last = ev;
}

START_TEST(test_notify_after_close)
{
	struct ae_stack *s = fake_stack_create();
	struct ae_sock *a;
	int err;

	a = udp_socket(s, &err);
	a->cb = notify_cb;
	a->user = &notify_calls;
	sock_notify(a, AE_EV_IN);
	ck_assert_int_eq(notify_calls, 1);
	sock_notify(a, 0);
	ck_assert_int_eq(notify_calls, 1);	/* nothing to say */
	a->closed = true;
	sock_notify(a, AE_EV_IN | AE_EV_OUT);
	ck_assert_int_eq(notify_calls, 1);	/* closed: silent */
	sock_notify(a, AE_EV_IN | AE_EV_FREE);
	ck_assert_int_eq(notify_calls, 2);
	ck_assert_uint_eq(notify_last, AE_EV_FREE);
	fake_stack_destroy(s);
}
END_TEST

/**
 * fz_rnd() - xorshift32 for the garbage test
 *
 * Return: 32 random bits
 */
static uint32_t fz_rnd(void)
{
	static uint32_t x = 0xdeadbeef;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/**
 * fz_template() - one valid frame of a random kind
 * @f:		output, 2048 bytes
 *
 * Return: its length
 */
static size_t fz_template(uint8_t *f)
{
	static uint8_t pay[1600];
	uint8_t d[1600];
	struct fake_ip ip = { .proto = 17, .id = (uint16_t)(fz_rnd() % 4) };
	size_t n, len = fz_rnd() % 1400;
	uint32_t spa = FAKE_PEER, tpa = FAKE_ADDR;

	memset(pay, (int)fz_rnd(), sizeof(pay));
	switch (fz_rnd() % 5) {
	case 0: {
		uint8_t a[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };

		memcpy(a + 8, fake_peer_mac, 6);
		memcpy(a + 14, &spa, 4);
		memcpy(a + 24, &tpa, 4);
		return fake_build_eth(f, 2048, fake_bcast_mac, fake_peer_mac,
				      0x0806, a, sizeof(a));
	}
	case 1:	/* UDP to the bound port or elsewhere */
		n = fake_build_udp(d, sizeof(d), FAKE_PEER, htons(1),
				   FAKE_ADDR, htons(fz_rnd() & 1 ? 53 : 54),
				   pay, len);
		return fake_build_ipv4(f, 2048, &ip, d, n);
	case 2:	/* ICMP echo */
		ip.proto = 1;
		pay[0] = 8;
		pay[1] = 0;
		st16(pay + 2, 0);
		st16(pay + 2, fake_csum(pay, len + 8));
		return fake_build_ipv4(f, 2048, &ip, pay, len + 8);
	case 3:	/* a fragment */
		ip.proto = (uint8_t)(fz_rnd() & 1 ? 1 : 17);
		ip.frag = (uint16_t)((fz_rnd() % 16) * 185 |
				     (fz_rnd() & 1 ? 0x2000 : 0));
		return fake_build_ipv4(f, 2048, &ip, pay, len & ~7UL);
	default: /* IP with options and odd protocols */
		ip.proto = (uint8_t)fz_rnd();
		ip.ihl = (uint8_t)(5 + fz_rnd() % 11);
		return fake_build_ipv4(f, 2048, &ip, pay, len);
	}
}

START_TEST(test_garbage_counted_once)
{
	static uint8_t f[2048];
	struct ae_stack *s = fake_stack_create();
	struct ae_sock *u;
	uint8_t buf[2048];
	uint64_t drops, frames = 0;
	size_t n;
	int err, i, k;

	fake_arp_seed(s);
	frames++;
	u = udp_socket(s, &err);
	ck_assert_int_eq(udp_bind(u, 0, htons(53)), 0);
	for (i = 0; i < 30000; i++) {
		n = fz_template(f);
		for (k = (int)(fz_rnd() % 5); k > 0; k--)
			f[fz_rnd() % n] ^= (uint8_t)(1 << (fz_rnd() % 8));
		if (!(fz_rnd() % 4))
			n = fz_rnd() % (n + 1);
		if (n >= 34 && f[23] == 6)
			f[23] = 17;	/* TCP has its own suites */
		fake_input(s, f, n);
		frames++;
		if (!(i % 64)) {
			while (udp_recvfrom(u, buf, sizeof(buf), 0, NULL, NULL) >= 0)
				;
			fake_clock_advance_ms(fz_rnd() % 5000);
			ae_stack_poll(s);
			fake_frames_clear();
		}
	}
	/* Every frame is accounted for exactly once at each layer. */
	ck_assert_uint_eq(ae_stack_stat(s, "eth", "in_frames"), frames);
	ck_assert_uint_eq(frames,
		ae_stack_stat(s, "eth", "in_runt") +
		ae_stack_stat(s, "eth", "in_not_for_us") +
		ae_stack_stat(s, "eth", "in_unknown_type") +
		ae_stack_stat(s, "arp", "in_malformed") +
		ae_stack_stat(s, "arp", "in_requests") +
		ae_stack_stat(s, "arp", "in_replies") +
		ae_stack_stat(s, "ip", "in_receives"));
	drops = ae_stack_stat(s, "ip", "in_hdr_errors") +
		ae_stack_stat(s, "ip", "in_truncated") +
		ae_stack_stat(s, "ip", "in_csum_errors") +
		ae_stack_stat(s, "ip", "in_bad_version") +
		ae_stack_stat(s, "ip", "in_bad_ihl") +
		ae_stack_stat(s, "ip", "in_addr_errors") +
		ae_stack_stat(s, "ip", "in_ttl_expired");
	ck_assert_uint_eq(ae_stack_stat(s, "ip", "in_receives"),
		drops + ae_stack_stat(s, "ip", "reasm_reqds") +
		ae_stack_stat(s, "ip", "in_delivers") +
		ae_stack_stat(s, "ip", "in_unknown_protos") -
		ae_stack_stat(s, "ip", "reasm_oks"));
	/* and the garbage exercised the interesting paths */
	ck_assert_uint_gt(ae_stack_stat(s, "ip", "in_csum_errors"), 100);
	ck_assert_uint_gt(ae_stack_stat(s, "ip", "reasm_reqds"), 100);
	ck_assert_uint_gt(ae_stack_stat(s, "udp", "in_datagrams"), 100);
	ck_assert_uint_gt(ae_stack_stat(s, "icmp", "out_echo_reps"), 100);
	fake_stack_destroy(s);
}
END_TEST

/**
 * stack_suite() - the suite
 *
 * Return: suite
 */
static Suite *stack_suite(void)
{
	Suite *su = suite_create("stack");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_create_requires_hooks);
	tcase_add_test(tc, test_alloc_failure_every_step);
	tcase_add_test(tc, test_default_allocator);
	tcase_add_test(tc, test_defaults_filled);
	tcase_add_test(tc, test_stats_by_name);
	tcase_add_test(tc, test_socket_table);
	tcase_add_test(tc, test_timeouts_and_clock);
	tcase_add_test(tc, test_random_seeded);
	tcase_add_test(tc, test_log_levels);
	tcase_add_test(tc, test_notify_after_close);
	tcase_add_test(tc, test_garbage_counted_once);
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
	SRunner *sr = srunner_create(stack_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
