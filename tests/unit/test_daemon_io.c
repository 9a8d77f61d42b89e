// SPDX-License-Identifier: MIT
/**
 * DOC: test_daemon_io.c - the host-side helpers (host/): option parsing
 * (opts.c), the capture file (pcap.c) and the epoll loop (loop.c)
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"
#include "opts.h"
#include "pcap.h"

/* --- opts.c ------------------------------------------------------------------ */

START_TEST(test_cidr_good)
{
	uint32_t a;
	uint8_t p;
	char err[200];

	ck_assert_int_eq(opt_parse_cidr("192.168.1.2/24", &a, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(a, inet_addr("192.168.1.2"));
	ck_assert_uint_eq(p, 24);
	ck_assert_int_eq(opt_parse_cidr("10.0.0.1", &a, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p, 24);			/* default prefix */
	ck_assert_int_eq(opt_parse_cidr("10.1.2.3/8", &a, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(opt_parse_cidr("10.0.0.0/31", &a, &p, err, sizeof(err)), 0);
	ck_assert_int_eq(opt_parse_cidr("10.0.0.7/32", &a, &p, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_cidr_bad)
{
	static const char *const bad[] = {
		"", "192.168.1", "192.168.1.2/", "192.168.1.2/0", "192.168.1.2/33",
		"192.168.1.2/24x", "192.168.1.2/+24", "300.1.1.1/24", "1.2.3.4.5/24",
		"192.168.1.0/24", "192.168.1.255/24", "224.0.0.1/4", "127.0.0.1/8",
		"0.0.0.0/0", "255.255.255.255/32", " 192.168.1.2/24",
	};
	uint32_t a;
	uint8_t p;
	char err[200];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(opt_parse_cidr(bad[i], &a, &p, err, sizeof(err)) == -EINVAL,
			      "accepted '%s'", bad[i]);
		ck_assert_msg(strstr(err, "bad address") != NULL, "'%s': %s", bad[i], err);
	}
}
END_TEST

START_TEST(test_gateway)
{
	uint32_t a = inet_addr("192.168.1.2"), gw;
	char err[200];

	ck_assert_int_eq(opt_parse_gateway("192.168.1.1", a, 24, &gw, err, sizeof(err)), 0);
	ck_assert_uint_eq(gw, inet_addr("192.168.1.1"));
	ck_assert_int_eq(opt_parse_gateway("192.168.2.1", a, 24, &gw, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not on our /24 subnet"));
	ck_assert_int_eq(opt_parse_gateway("192.168.1.2", a, 24, &gw, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(opt_parse_gateway("192.168.1.255", a, 24, &gw, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(opt_parse_gateway("gw", a, 24, &gw, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_mac)
{
	uint8_t m[6], want[6] = { 0x02, 0xae, 0x00, 0x00, 0x0a, 0xff };
	static const char *const bad[] = {
		"", "02:ae:00:00:0a", "02:ae:00:00:0a:ff:00", "02:ae:00:00:0a:fg",
		"02:ae-00:00:0a:ff", "2:ae:00:00:0a:ff:", "01:00:5e:00:00:01",
		"00:00:00:00:00:00", "02:ae:00:00:0a: f", "0x:ae:00:00:0a:ff",
	};
	char err[200];
	size_t i;

	ck_assert_int_eq(opt_parse_mac("02:ae:00:00:0a:ff", m, err, sizeof(err)), 0);
	ck_assert_mem_eq(m, want, 6);
	ck_assert_int_eq(opt_parse_mac("02-AE-00-00-0A-FF", m, err, sizeof(err)), 0);
	ck_assert_mem_eq(m, want, 6);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(opt_parse_mac(bad[i], m, err, sizeof(err)) == -EINVAL,
			      "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(test_default_mac)
{
	uint8_t m[6], want[6] = { 0x02, 0xae, 192, 168, 1, 2 };

	opt_default_mac(inet_addr("192.168.1.2"), m);
	ck_assert_mem_eq(m, want, 6);
	ck_assert_uint_eq(m[0] & 1, 0);		/* unicast */
	ck_assert_uint_eq(m[0] & 2, 2);		/* locally administered */
}
END_TEST

START_TEST(test_ulong)
{
	unsigned long v;

	ck_assert_int_eq(opt_parse_ulong("1500", 576, 1500, &v), 0);
	ck_assert_uint_eq(v, 1500);
	ck_assert_int_eq(opt_parse_ulong("1501", 576, 1500, &v), -EINVAL);
	ck_assert_int_eq(opt_parse_ulong("-1", 0, 10, &v), -EINVAL);
	ck_assert_int_eq(opt_parse_ulong("1x", 0, 10, &v), -EINVAL);
	ck_assert_int_eq(opt_parse_ulong("", 0, 10, &v), -EINVAL);
	ck_assert_int_eq(opt_parse_ulong("99999999999999999999999", 0, ~0UL, &v), -EINVAL);
}
END_TEST

/* --- pcap.c ------------------------------------------------------------------- */

/**
 * slurp() - read a whole file
 * @path:	file
 * @len:	its length
 *
 * Return: malloc'd bytes
 */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = malloc(1 << 20);

	ck_assert_ptr_nonnull(f);
	*len = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

/**
 * rd32() - host-order 32-bit field of the capture (written natively)
 * @p:		bytes
 *
 * Return: value
 */
static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

START_TEST(test_pcap_records)
{
	char path[] = "/tmp/aether-pcap-XXXXXX";
	uint8_t f1[60], part2[1000], *b;
	struct iovec iov[2] = {
		{ .iov_base = f1, .iov_len = 14 },
		{ .iov_base = part2, .iov_len = sizeof(part2) },
	};
	struct pcap *p;
	size_t len;
	int fd = mkstemp(path), err = 0;

	ck_assert_int_ge(fd, 0);
	close(fd);
	memset(f1, 0xab, sizeof(f1));
	memset(part2, 0xcd, sizeof(part2));
	p = pcap_open(path, &err);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(pcap_write_frame(p, f1, sizeof(f1)), 0);
	ck_assert_int_eq(pcap_write(p, iov, 2), 0);
	ck_assert_uint_eq(pcap_frames(p), 2);
	ck_assert_int_eq(pcap_flush(p), 0);
	b = slurp(path, &len);
	ck_assert_uint_eq(len, 24 + 16 + 60 + 16 + 1014);	/* flushed: all there */
	ck_assert_uint_eq(rd32(b), 0xa1b23c4d);			/* nanosecond pcap */
	ck_assert_uint_eq(rd32(b + 20), 1);			/* Ethernet */
	ck_assert_uint_eq(rd32(b + 24 + 8), 60);		/* caplen */
	ck_assert_uint_eq(rd32(b + 24 + 12), 60);		/* len */
	ck_assert_uint_lt(rd32(b + 24 + 4), 1000000000);	/* nsec */
	ck_assert_uint_eq(b[24 + 16], 0xab);
	ck_assert_uint_eq(rd32(b + 100 + 8), 1014);
	ck_assert_uint_eq(b[100 + 16 + 13], 0xab);		/* gathered in order */
	ck_assert_uint_eq(b[100 + 16 + 14], 0xcd);
	free(b);
	ck_assert_int_eq(pcap_close(p), 0);
	unlink(path);
}
END_TEST

START_TEST(test_pcap_many_and_null)
{
	char path[] = "/tmp/aether-pcap-XXXXXX";
	static uint8_t big[65550];
	struct pcap *p;
	size_t len;
	uint8_t *b;
	int fd = mkstemp(path), err = 0, i;

	close(fd);
	ck_assert_int_eq(pcap_write_frame(NULL, big, 10), 0);	/* no capture: no-op */
	ck_assert_int_eq(pcap_flush(NULL), 0);
	ck_assert_int_eq(pcap_close(NULL), 0);
	p = pcap_open(path, &err);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 12; i++)	/* more than the buffer holds: flushes on the way */
		ck_assert_int_eq(pcap_write_frame(p, big, sizeof(big)), 0);
	ck_assert_int_eq(pcap_close(p), 0);
	b = slurp(path, &len);
	ck_assert_uint_eq(len, 24 + 12 * (16 + sizeof(big)));
	free(b);
	unlink(path);
	ck_assert_ptr_null(pcap_open("/nonexistent-dir/x.pcap", &err));
	ck_assert_int_eq(err, -ENOENT);
}
END_TEST

/* --- loop.c --------------------------------------------------------------------- */

/**
 * struct lt - what the loop callbacks saw
 */
struct lt {
	struct ae_loop *l;
	int fds[2][2];		/* two pipes */
	int calls[2];
	int idle;
	bool del_other;
};

static void lt_cb0(void *ctx, uint32_t ev)
{
	struct lt *t = ctx;
	char c;

	ck_assert(ev & EPOLLIN);
	t->calls[0]++;
	ck_assert_int_eq(read(t->fds[0][0], &c, 1), 1);
	if (t->del_other) {	/* remove and close the other pipe mid-batch */
		ck_assert_int_eq(ae_loop_del(t->l, t->fds[1][0]), 0);
	}
}

static void lt_cb1(void *ctx, uint32_t ev)
{
	struct lt *t = ctx;
	char c;

	t->calls[1]++;
	ck_assert_int_eq(read(t->fds[1][0], &c, 1), 1);
	if (t->del_other)
		ck_assert_int_eq(ae_loop_del(t->l, t->fds[0][0]), 0);
}

static void lt_idle(void *ctx)
{
	((struct lt *)ctx)->idle++;
}

START_TEST(test_loop_dispatch)
{
	struct lt t = { 0 };

	ck_assert_int_eq(pipe2(t.fds[0], O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(t.fds[1], O_NONBLOCK), 0);
	t.l = ae_loop_new();
	ck_assert_ptr_nonnull(t.l);
	ck_assert_int_eq(ae_loop_add(t.l, t.fds[0][0], EPOLLIN, lt_cb0, &t), 0);
	ck_assert_int_eq(ae_loop_add(t.l, t.fds[0][0], EPOLLIN, lt_cb0, &t), -EEXIST);
	ck_assert_int_eq(ae_loop_add(t.l, t.fds[1][0], EPOLLIN, lt_cb1, &t), 0);
	ck_assert_int_eq(ae_loop_add_idle(t.l, lt_idle, &t), 0);

	ck_assert_int_eq(ae_loop_run_once(t.l, 0), 0);	/* nothing ready */
	ck_assert_int_eq(t.idle, 1);			/* idle runs anyway */
	ck_assert_int_eq(write(t.fds[0][1], "x", 1), 1);
	ck_assert_int_eq(ae_loop_run_once(t.l, 1000), 1);
	ck_assert_int_eq(t.calls[0], 1);
	ck_assert_int_eq(t.calls[1], 0);
	ck_assert_int_eq(t.idle, 2);

	/* both ready; the first callback removes the other: it is not called */
	t.del_other = true;
	ck_assert_int_eq(write(t.fds[0][1], "x", 1), 1);
	ck_assert_int_eq(write(t.fds[1][1], "y", 1), 1);
	ck_assert_int_eq(ae_loop_run_once(t.l, 1000), 2);
	ck_assert_int_eq(t.calls[0] + t.calls[1], 2);	/* one of them, once */

	ck_assert_int_eq(ae_loop_mod(t.l, 999, EPOLLIN), -ENOENT);
	ck_assert_int_eq(ae_loop_del(t.l, 999), -ENOENT);
	ck_assert(!ae_loop_stopped(t.l));
	ae_loop_stop(t.l);
	ck_assert(ae_loop_stopped(t.l));
	ae_loop_free(t.l);
	close(t.fds[0][0]);
	close(t.fds[0][1]);
	close(t.fds[1][0]);
	close(t.fds[1][1]);
}
END_TEST

START_TEST(test_loop_reuse_fd)
{
	struct lt t = { 0 };
	int n;

	ck_assert_int_eq(pipe2(t.fds[0], O_NONBLOCK), 0);
	t.l = ae_loop_new();
	ck_assert_int_eq(ae_loop_add(t.l, t.fds[0][0], EPOLLIN, lt_cb0, &t), 0);
	ck_assert_int_eq(ae_loop_del(t.l, t.fds[0][0]), 0);
	ck_assert_int_eq(ae_loop_add(t.l, t.fds[0][0], EPOLLIN, lt_cb0, &t), 0);
	ck_assert_int_eq(write(t.fds[0][1], "x", 1), 1);
	n = ae_loop_run_once(t.l, 1000);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(t.calls[0], 1);
	/* a high fd number grows the table */
	n = dup2(t.fds[0][0], 700);
	ck_assert_int_eq(n, 700);
	ck_assert_int_eq(ae_loop_add(t.l, 700, EPOLLIN, lt_cb1, &t), 0);
	ck_assert_int_eq(ae_loop_del(t.l, 700), 0);
	close(700);
	ae_loop_free(t.l);
	close(t.fds[0][0]);
	close(t.fds[0][1]);
}
END_TEST

/**
 * struct spin_seen - what a spin hook saw
 * @looks:	calls while spinning
 * @sleeps:	calls before a sleep
 * @work_at:	look number at which to report work once (0: never)
 */
struct spin_seen {
	int looks;
	int sleeps;
	int work_at;
};

/**
 * spin_hook() - ae_loop_spin_fn that counts its calls
 * @ctx:	&struct spin_seen
 * @sleeping:	the loop is about to sleep
 *
 * Return: true at look @work_at
 */
static bool spin_hook(void *ctx, bool sleeping)
{
	struct spin_seen *s = ctx;

	if (sleeping) {
		s->sleeps++;
		return false;
	}
	return ++s->looks == s->work_at;
}

START_TEST(test_loop_spin_hook)
{
	struct spin_seen seen = { .work_at = 3 };
	struct lt t = { 0 };

	ck_assert_int_eq(pipe2(t.fds[0], O_NONBLOCK), 0);
	t.l = ae_loop_new();
	ck_assert_int_eq(ae_loop_add(t.l, t.fds[0][0], EPOLLIN, lt_cb0, &t), 0);
	ck_assert_int_eq(ae_loop_add_idle(t.l, lt_idle, &t), 0);
	ae_loop_set_spin_hook(t.l, spin_hook, &seen);
	/* busy polling off: the hook never runs */
	ck_assert_int_eq(ae_loop_run_once(t.l, 1), 0);
	ck_assert_int_eq(seen.looks + seen.sleeps, 0);
	/* a window long enough that a preemption on a loaded machine does
	 * not end the spin before look 3 (2 ms did: looks == 1) */
	ae_loop_set_busy_poll(t.l, 100000);
	/* no activity yet: no spin, but the look before the sleep */
	ck_assert_int_eq(ae_loop_run_once(t.l, 1), 0);
	ck_assert_int_eq(seen.looks, 0);
	ck_assert_int_eq(seen.sleeps, 1);
	/* activity; the wait before it was a sleep, so looked before too */
	ck_assert_int_eq(write(t.fds[0][1], "x", 1), 1);
	ck_assert_int_eq(ae_loop_run_once(t.l, 1000), 1);
	ck_assert_int_eq(seen.sleeps, 2);
	/* the hook's work at look 3 ends the spin: idle hooks run, no sleep */
	t.idle = 0;
	ck_assert_int_eq(ae_loop_run_once(t.l, 1000), 0);
	ck_assert_int_eq(seen.looks, 3);
	ck_assert_int_eq(seen.sleeps, 2);
	ck_assert_int_eq(t.idle, 1);
	/* that work was activity: the next call spins out its 100 ms, then
	 * looks once before its sleep of at most 5 ms */
	ck_assert_int_eq(ae_loop_run_once(t.l, 5), 0);
	ck_assert_int_gt(seen.looks, 3);
	ck_assert_int_eq(seen.sleeps, 3);
	ae_loop_free(t.l);
	close(t.fds[0][0]);
	close(t.fds[0][1]);
}
END_TEST

/**
 * daemon_io_suite() - the suite
 *
 * Return: suite
 */
static Suite *daemon_io_suite(void)
{
	Suite *s = suite_create("daemon_io");
	TCase *tc = tcase_create("opts");

	tcase_add_test(tc, test_cidr_good);
	tcase_add_test(tc, test_cidr_bad);
	tcase_add_test(tc, test_gateway);
	tcase_add_test(tc, test_mac);
	tcase_add_test(tc, test_default_mac);
	tcase_add_test(tc, test_ulong);
	suite_add_tcase(s, tc);
	tc = tcase_create("pcap");
	tcase_add_test(tc, test_pcap_records);
	tcase_add_test(tc, test_pcap_many_and_null);
	suite_add_tcase(s, tc);
	tc = tcase_create("loop");
	tcase_add_test(tc, test_loop_dispatch);
	tcase_add_test(tc, test_loop_reuse_fd);
	tcase_add_test(tc, test_loop_spin_hook);
	suite_add_tcase(s, tc);
	return s;
}

/**
 * main() - run the suite
 *
 * Return: 0 if every test passed
 */
int main(void)
{
	SRunner *sr = srunner_create(daemon_io_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
