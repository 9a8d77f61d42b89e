// SPDX-License-Identifier: MIT
/**
 * DOC: test_wake.c - futex wake-ups of blocked calls, many sleepers
 *
 * The socket's header page is MAP_SHARED memory (so forked sleepers share
 * it, as processes sharing a socket do); the daemon's side is the real
 * sess_wake() and sess_alive_init(). The sleepers are the real aec_wait().
 * Checked: every sleeper of a socket wakes for one event, in threads and in
 * processes, over many rounds in which the event races the sleepers' arming
 * (a lost wake-up shows as a sleeper still asleep at the round's deadline);
 * a sleeper SIGKILLed leaves nothing that makes the next wake-up repeat;
 * the daemon's death (its alive page's robust mutex) wakes every sleeper.
 *
 * Processes sharing one backing fd (nginx workers after fork, all on the
 * listener): one waits for its ACCEPT answer while another drains NOTIFYs.
 * Peek and consume are two calls; if both peek at the same NOTIFY and both
 * consume, the second consumes the response behind it, and its requester
 * waits forever (issue 19: both workers stuck in accept(), 0 requests/s).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "client_int.h"
#include "session.h"
#include "shm.h"

#define SLEEPERS	8
#define ROUNDS		300

static int sv[2];
static struct aec_sock s;
static struct ae_shm_hdr *h;
static uint32_t *alive;		/* a stand-in alive page: a live daemon's word */
static struct session_srv srv;

/**
 * setup() - a UDP-like socket (header only) on shared memory
 */
static void setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
				    0, sv), 0);
	memset(&s, 0, sizeof(s));
	memset(&srv, 0, sizeof(srv));
	s.fd = sv[0];
	s.type = SOCK_DGRAM;
	pthread_mutex_init(&s.lock, NULL);
	pthread_mutex_init(&s.rlock, NULL);
	pthread_mutex_init(&s.wlock, NULL);
	h = mmap(NULL, 2 * AE_SHM_HDR_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(h, MAP_FAILED);
	h->magic = AE_SHM_MAGIC;
	h->version = AE_IPC_VERSION;
	h->map_size = AE_SHM_HDR_SIZE;
	alive = (uint32_t *)((uint8_t *)h + AE_SHM_HDR_SIZE);
	*alive = 0x80000001u;		/* FUTEX_WAITERS | a tid */
	s.shm = h;
	s.alive = alive;
}

/**
 * teardown() - close both ends, unmap
 */
static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
	munmap(h, 2 * AE_SHM_HDR_SIZE);
}

/**
 * now_ms() - monotonic milliseconds
 *
 * Return: ms
 */
static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/**
 * daemon_event() - the daemon publishes readability and wakes (sess_publish
 * order: state, fence, clear the met bits, bump, wake)
 *
 * Return: sess_wake()'s answer
 */
static bool daemon_event(void)
{
	shm_or(&h->state, AE_SS_IN);
	shm_fence();
	return sess_wake(&srv, h, AE_WAKE_IN);
}

/**
 * sleeper() - a thread blocked in aec_wait(POLLIN)
 * @arg:	where to store the result (int)
 *
 * Return: NULL
 */
static void *sleeper(void *arg)
{
	*(int *)arg = aec_wait(&s, POLLIN, 3000);
	return NULL;
}

START_TEST(test_threads_all_wake_every_round)
{
	pthread_t t[SLEEPERS];
	int res[SLEEPERS], i, round, late = 0;
	long long t0, worst = 0;

	for (round = 0; round < ROUNDS; round++) {
		shm_store(&h->state, 0);
		for (i = 0; i < SLEEPERS; i++)
			pthread_create(&t[i], NULL, sleeper, &res[i]);
		if (round & 1)
			usleep(round % 7 * 100);	/* race the arming */
		else
			sched_yield();
		t0 = now_ms();
		daemon_event();
		for (i = 0; i < SLEEPERS; i++) {
			pthread_join(t[i], NULL);
			if (!(res[i] & POLLIN))
				late++;
		}
		if (now_ms() - t0 > worst)
			worst = now_ms() - t0;
	}
	ck_assert_msg(late == 0, "%d sleepers missed their wake-up", late);
	ck_assert_msg(worst < 1000, "slowest round %lld ms", worst);
}
END_TEST

START_TEST(test_processes_all_wake)
{
	pid_t pid[SLEEPERS];
	int i, st, woke = 0;

	for (i = 0; i < SLEEPERS; i++) {
		pid[i] = fork();
		ck_assert_int_ge(pid[i], 0);
		if (!pid[i])
			_exit(aec_wait(&s, POLLIN, 3000) & POLLIN ? 0 : 1);
	}
	usleep(50000);
	ck_assert(daemon_event());
	for (i = 0; i < SLEEPERS; i++) {
		ck_assert_int_eq(waitpid(pid[i], &st, 0), pid[i]);
		woke += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	ck_assert_int_eq(woke, SLEEPERS);
}
END_TEST

START_TEST(test_killed_sleeper_leaves_no_loop)
{
	pthread_t t;
	int st, res = 0;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (!pid)
		_exit(aec_wait(&s, POLLIN, -1) > 0 ? 0 : 1);
	usleep(50000);
	ck_assert(shm_load(&h->shim_want) & AE_WAKE_IN);	/* it armed */
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	/* a survivor sleeps on; the event wakes it once */
	pthread_create(&t, NULL, sleeper, &res);
	usleep(50000);
	ck_assert(daemon_event());
	pthread_join(t, NULL);
	ck_assert(res & POLLIN);
	/* nothing left armed: later events wake nobody, nothing repeats */
	ck_assert_uint_eq(shm_load(&h->shim_want) & (AE_WAKE_IN | AE_WAKE_OUT), 0);
	ck_assert(!daemon_event());
	ck_assert_uint_eq(srv.stats.futex_wakes, 1);
}
END_TEST

START_TEST(test_daemon_death_wakes_all)
{
	pthread_t t[SLEEPERS];
	int res[SLEEPERS], i, go[2];
	long long t0;
	char c = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(go), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {	/* the "daemon": holds the alive page and sv[1] */
		struct session_srv d = { .alive_fd = -1 };

		close(sv[0]);
		if (sess_alive_init(&d))
			_exit(1);
		/* ready: the parent maps our memfd through /proc */
		(void)!write(go[1], &c, 1);
		for (;;)
			pause();
	}
	ck_assert_int_eq(read(go[0], &c, 1), 1);
	{
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
		fd = -1;
		for (i = 3; i < 64 && fd < 0; i++) {
			char p[96], l[128];
			ssize_t n;

			snprintf(p, sizeof(p), "%s/%d", path, i);
			n = readlink(p, l, sizeof(l) - 1);
			if (n > 0) {
				l[n] = 0;
				if (strstr(l, "aether-alive"))
					fd = open(p, O_RDONLY);
			}
		}
		ck_assert_int_ge(fd, 0);
		s.alive = mmap(NULL, AE_ALIVE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
		ck_assert_ptr_ne(s.alive, MAP_FAILED);
		close(fd);
	}
	close(sv[1]);
	sv[1] = -1;
	for (i = 0; i < SLEEPERS; i++)
		pthread_create(&t[i], NULL, sleeper, &res[i]);
	usleep(100000);
	t0 = now_ms();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (i = 0; i < SLEEPERS; i++) {
		pthread_join(t[i], NULL);
		/* as a kernel socket after an RST (tcp_poll()) */
		ck_assert_int_eq(res[i], POLLIN | POLLRDNORM | POLLOUT |
				 POLLWRNORM | POLLERR | POLLHUP | POLLRDHUP);
	}
	ck_assert_msg(now_ms() - t0 < 1000, "woke after %lld ms", now_ms() - t0);
}
END_TEST

/* requests each forked worker makes in test_shared_fd_keeps_responses */
#define SHARED_ROUNDS	3000
#define SHARED_SECS	20

/**
 * worker() - a process sharing the backing fd: request, then drain, in a
 * loop; SIGALRM ends it if a response never comes
 *
 * Return: never; exits 0 when every response came
 */
static void worker(void)
{
	uint8_t buf[64];
	struct aec_rsp r = { .buf = buf, .cap = sizeof(buf), .wake = h };
	int i;

	signal(SIGALRM, SIG_DFL);	/* not check's handler: that kills all */
	alarm(SHARED_SECS);
	for (i = 0; i < SHARED_ROUNDS; i++) {
		if (aec_xfer(s.fd, &s.seq, AE_MSG_GETSOCKNAME, NULL, 0, NULL, 0,
			     &r) != 0)
			_exit(2);
		aec_drain(&s);
	}
	_exit(0);
}

/**
 * answer() - the daemon side answers one request: a NOTIFY, then the
 * response (doorbells are read and ignored)
 */
static void answer(void)
{
	struct ae_ipc_hdr q, n, a;

	if (recv(sv[1], &q, sizeof(q), MSG_DONTWAIT) != (ssize_t)sizeof(q) ||
	    q.type != AE_MSG_GETSOCKNAME)
		return;
	ipc_hdr_init(&n, AE_MSG_NOTIFY, sizeof(n), 0, AE_WANT_IN);
	ipc_hdr_init(&a, q.type, sizeof(a), q.seq, 0);
	ck_assert_int_eq(send(sv[1], &n, sizeof(n), 0), (ssize_t)sizeof(n));
	ck_assert_int_eq(send(sv[1], &a, sizeof(a), 0), (ssize_t)sizeof(a));
}

/**
 * serve_shared() - play the daemon until both workers have exited
 * @pids:	the workers; each becomes -1 when it has exited
 * @status:	their wait statuses
 */
static void serve_shared(pid_t *pids, int *status)
{
	struct pollfd p = { .fd = sv[1], .events = POLLIN };
	time_t end = time(NULL) + SHARED_SECS + 5;
	int i;

	while ((pids[0] > 0 || pids[1] > 0) && time(NULL) < end) {
		for (i = 0; i < 2; i++)
			if (pids[i] > 0 &&
			    waitpid(pids[i], &status[i], WNOHANG) == pids[i])
				pids[i] = -1;
		if (poll(&p, 1, 20) > 0)
			answer();
	}
	for (i = 0; i < 2; i++)
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], &status[i], 0);
		}
}

START_TEST(test_shared_fd_keeps_responses)
{
	pid_t pids[2];
	int i, status[2] = { -1, -1 };

	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0)
			worker();
	}
	serve_shared(pids, status);
	for (i = 0; i < 2; i++)
		ck_assert_msg(WIFEXITED(status[i]) && !WEXITSTATUS(status[i]),
			      "worker %d lost a response (status 0x%x): "
			      "another process consumed it", i, status[i]);
}
END_TEST

/**
 * wake_suite() - the suite
 *
 * Return: suite
 */
static Suite *wake_suite(void)
{
	Suite *su = suite_create("wake");
	TCase *tc = tcase_create("futex");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_threads_all_wake_every_round);
	tcase_add_test(tc, test_processes_all_wake);
	tcase_add_test(tc, test_killed_sleeper_leaves_no_loop);
	tcase_add_test(tc, test_daemon_death_wakes_all);
	suite_add_tcase(su, tc);
	tc = tcase_create("shared fd");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, SHARED_SECS + 15);
	tcase_add_test(tc, test_shared_fd_keeps_responses);
	suite_add_tcase(su, tc);
	return su;
}

/**
 * main() - run
 *
 * Return: 0 if all passed
 */
int main(void)
{
	SRunner *sr = srunner_create(wake_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
