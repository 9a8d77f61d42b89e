// SPDX-License-Identifier: MIT
/**
 * DOC: test_tapctl.c - the host side's drop counter (host/tapctl.c)
 *
 * tapctl_tx_dropped() reads a device's TX drop counter, the 12th number of
 * its /proc/net/dev line. Fed a file in that format (names padded or not,
 * numbers that fill their columns, a device whose name is a prefix of
 * another's), it must pick the right line and column; a missing device is
 * -ENODEV. On this machine's own /proc/self/net/dev, "lo" must be found.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tapctl.h"

/**
 * dev_file() - a temporary file holding @text
 * @text:	contents
 *
 * Return: an fd open on it (the file is unlinked)
 */
static int dev_file(const char *text)
{
	char path[] = "/tmp/aether-tapctl.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

static const char netdev[] =
"Inter-|   Receive                                                |  Transmit\n"
" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
"    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0\n"
"aether0:12345678     100    1    2    3     4          5         6 87654321     200    7   27803    9    10      11         12\n"
"aether01:      1       1    0    0    0     0          0         0        1       1    0   99    0     0       0          0\n";

START_TEST(test_picks_the_tx_drop_column)
{
	int fd = dev_file(netdev);
	uint64_t v = 0;

	ck_assert_int_eq(tapctl_tx_dropped(fd, "aether0", &v), 0);
	ck_assert_uint_eq(v, 27803);
	ck_assert_int_eq(tapctl_tx_dropped(fd, "aether01", &v), 0);
	ck_assert_uint_eq(v, 99);
	ck_assert_int_eq(tapctl_tx_dropped(fd, "lo", &v), 0);
	ck_assert_uint_eq(v, 0);
	/* read again from the start: pread, no file position */
	ck_assert_int_eq(tapctl_tx_dropped(fd, "aether0", &v), 0);
	ck_assert_uint_eq(v, 27803);
	ck_assert_int_eq(tapctl_tx_dropped(fd, "aether", &v), -ENODEV);
	ck_assert_int_eq(tapctl_tx_dropped(fd, "eth0", &v), -ENODEV);
	close(fd);
}
END_TEST

START_TEST(test_short_line_refused)
{
	int fd = dev_file("aether0: 1 2 3\n");
	uint64_t v = 0;

	ck_assert_int_eq(tapctl_tx_dropped(fd, "aether0", &v), -EINVAL);
	close(fd);
}
END_TEST

START_TEST(test_own_namespace)
{
	int fd = tapctl_stats_open();
	uint64_t v = 1;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(tapctl_tx_dropped(fd, "lo", &v), 0);
	close(fd);
}
END_TEST

/**
 * tapctl_suite() - the cases above
 *
 * Return: the suite
 */
static Suite *tapctl_suite(void)
{
	Suite *s = suite_create("tapctl");
	TCase *tc = tcase_create("tapctl");

	tcase_add_test(tc, test_picks_the_tx_drop_column);
	tcase_add_test(tc, test_short_line_refused);
	tcase_add_test(tc, test_own_namespace);
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
	SRunner *sr = srunner_create(tapctl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
