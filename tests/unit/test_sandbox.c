// SPDX-License-Identifier: MIT
/**
 * DOC: test_sandbox.c - aetherd's capability drop and seccomp filter
 *
 * Each case runs the sandbox in a forked child, as aetherd would, and looks
 * at the child from outside: after sandbox_seccomp() the calls of the
 * running daemon (write, memfd_create, mmap, socketpair, epoll...) still
 * work, a call outside the table (getppid, execve) stops the child with
 * exit status 159 and one line on stderr naming the call's number, and
 * /proc/self/status reads "Seccomp: 2" and "NoNewPrivs: 1". After
 * sandbox_drop_caps() every capability set is empty.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "sandbox.h"

/**
 * status_has() - does /proc/self/status hold the line @line?
 * @line:	e.g. "Seccomp:\t2"
 *
 * Return: true if so
 */
static bool status_has(const char *line)
{
	FILE *f = fopen("/proc/self/status", "r");
	char buf[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(buf, sizeof(buf), f))
		found = !strncmp(buf, line, strlen(line)) &&
			buf[strlen(line)] == '\n';
	fclose(f);
	return found;
}

/**
 * run_child() - fork, run @fn in the child with stderr into a pipe
 * @fn:		the child's body; its return value is the exit status
 * @err:	the child's stderr, NUL-terminated
 * @errlen:	size of @err
 *
 * Return: the child's wait status
 */
static int run_child(int (*fn)(void), char *err, size_t errlen)
{
	int p[2], st = 0;
	ssize_t n, off = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		_exit(fn());
	}
	close(p[1]);
	while (off < (ssize_t)errlen - 1 &&
	       (n = read(p[0], err + off, errlen - 1 - (size_t)off)) > 0)
		off += n;
	err[off] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

/**
 * child_allowed() - the daemon's usual calls under the filter
 *
 * Return: 0 if all of them worked and the status file shows the filter
 */
static int child_allowed(void)
{
	char msg[256], e[256];
	int sv[2], ep, fd;
	void *m;

	if (sandbox_seccomp(e, sizeof(e)))
		return 10;
	/* read after the filter: fopen/fgets/fclose (openat, read, close) */
	if (!status_has("Seccomp:\t2") || !status_has("NoNewPrivs:\t1"))
		return 11;
	fd = (int)syscall(SYS_memfd_create, "t", 0);
	if (fd < 0 || ftruncate(fd, 4096))
		return 12;
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED || munmap(m, 4096))
		return 13;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) ||
	    send(sv[0], "x", 1, 0) != 1 || recv(sv[1], msg, sizeof(msg), 0) != 1)
		return 14;
	ep = epoll_create1(EPOLL_CLOEXEC);	/* setup-only: trapped */
	(void)ep;
	return 15;
}

/**
 * child_forbidden() - a call no running daemon makes
 *
 * Return: 0 only if the filter let it through (a failure)
 */
static int child_forbidden(void)
{
	char e[256];

	if (sandbox_seccomp(e, sizeof(e)))
		return 10;
	(void)syscall(SYS_getppid);
	return 0;
}

START_TEST(test_allowed_calls_work)
{
	char err[512];
	int st = run_child(child_allowed, err, sizeof(err));

	/* everything up to epoll_create1() worked; that one is setup-only */
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 159,
		      "status %#x, stderr: %s", st, err);
	ck_assert_msg(strstr(err, "aetherd: seccomp: system call ") != NULL, "%s", err);
}
END_TEST

START_TEST(test_forbidden_call_stops_with_a_line)
{
	char err[512], want[128];
	int st = run_child(child_forbidden, err, sizeof(err));

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 159,
		      "status %#x, stderr: %s", st, err);
	snprintf(want, sizeof(want),
		 "aetherd: seccomp: system call %d is not allowed", SYS_getppid);
	ck_assert_msg(strstr(err, want) != NULL, "%s", err);
	ck_assert_msg(strstr(err, "--no-seccomp") != NULL, "%s", err);
	ck_assert_int_eq((int)(strchr(err, '\n') - err) + 1, (int)strlen(err));
}
END_TEST

/**
 * child_caps() - drop, then read the status file
 *
 * Return: 0 if every set is empty
 */
static int child_caps(void)
{
	char e[256];

	if (sandbox_drop_caps(e, sizeof(e)))
		return 10;
	if (!status_has("CapEff:\t0000000000000000") ||
	    !status_has("CapPrm:\t0000000000000000") ||
	    !status_has("CapInh:\t0000000000000000") ||
	    !status_has("CapAmb:\t0000000000000000"))
		return 11;
	/* as root, the bounding set too */
	if (!geteuid() && !status_has("CapBnd:\t0000000000000000"))
		return 12;
	return 0;
}

START_TEST(test_caps_dropped)
{
	char err[512];
	int st = run_child(child_caps, err, sizeof(err));

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "status %#x, stderr: %s", st, err);
}
END_TEST

/**
 * sandbox_suite() - the cases
 *
 * Return: the suite
 */
static Suite *sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");
	TCase *tc = tcase_create("sandbox");

	tcase_add_test(tc, test_allowed_calls_work);
	tcase_add_test(tc, test_forbidden_call_stops_with_a_line);
	tcase_add_test(tc, test_caps_dropped);
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
	SRunner *sr = srunner_create(sandbox_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
