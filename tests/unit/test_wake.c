// SPDX-License-Identifier: MIT
/**
 * DOC: test_wake.c - NOTIFY wake-ups with several sleepers on one backing fd
 *
 * A socketpair plays the daemon; the socket's header page is anonymous
 * shared memory.
 * The daemon clears a want bit when it sends the NOTIFY for it, and poll()
 * sleeps on if the datagram is gone when a woken sleeper finally looks. So
 * whoever consumes a NOTIFY meant for another sleeper's direction must leave
 * it for its owner or ask the daemon again (re-arm the want bit), or that
 * sleeper is stranded until its timeout (seen as multi-second stalls of a
 * reader+writer pair under CPU load).
 *
 * Processes sharing one backing fd (nginx workers after fork, all on the
 * listener): one waits for its ACCEPT answer while another drains NOTIFYs.
 * Peek and consume are two calls; if both peek at the same NOTIFY and both
 * consume, the second consumes the response behind it, and its requester
 * waits forever (issue 19: both workers stuck in accept(), 0 requests/s).
 */
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "client_int.h"
#include "proto.h"

/* one POLLOUT sleeper as aec_wait() counts it in the header's waiters */
#define OUT_WAITER	(1u << 16)

static int sv[2];
static struct aec_sock s;
static struct ae_shm_hdr *h;

/**
 * setup() - a stream socket on a socketpair, header page in shared memory
 */
static void setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
				    0, sv), 0);
	memset(&s, 0, sizeof(s));
	s.fd = sv[0];
	s.type = SOCK_STREAM;
	pthread_mutex_init(&s.lock, NULL);
	pthread_mutex_init(&s.rlock, NULL);
	pthread_mutex_init(&s.wlock, NULL);
	/* shared, like the memfd page: forked "workers" see one lock word */
	h = mmap(NULL, AE_SHM_HDR_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(h, MAP_FAILED);
	memset(h, 0, AE_SHM_HDR_SIZE);
	h->magic = AE_SHM_MAGIC;
	h->version = AE_IPC_VERSION;
	h->map_size = AE_SHM_HDR_SIZE;
	s.shm = h;
}

/**
 * teardown() - close both ends, free the page
 */
static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
	munmap(h, AE_SHM_HDR_SIZE);
}

/**
 * daemon_notify() - the daemon side sends a NOTIFY for @dirs
 * @dirs:	AE_WANT_* carried in the result field
 */
static void daemon_notify(uint32_t dirs)
{
	struct ae_ipc_hdr m;

	ipc_hdr_init(&m, AE_MSG_NOTIFY, sizeof(m), 0, (int32_t)dirs);
	ck_assert_int_eq(send(sv[1], &m, sizeof(m), 0), (ssize_t)sizeof(m));
}

/**
 * notify_queued() - is a NOTIFY waiting on the client end?
 *
 * Return: 1 if so
 */
static int notify_queued(void)
{
	struct ae_ipc_hdr m;
	ssize_t n = recv(sv[0], &m, sizeof(m), MSG_PEEK | MSG_DONTWAIT);

	return n == (ssize_t)sizeof(m) && m.type == AE_MSG_NOTIFY;
}

/**
 * daemon_got_doorbells() - count the DOORBELLs the daemon side received
 *
 * Return: count
 */
static int daemon_got_doorbells(void)
{
	struct ae_ipc_hdr m;
	int n = 0;

	while (recv(sv[1], &m, sizeof(m), MSG_DONTWAIT) == (ssize_t)sizeof(m))
		if (m.type == AE_MSG_DOORBELL)
			n++;
	return n;
}

START_TEST(test_drain_rearms_sleeping_writer)
{
	/* a writer sleeps for POLLOUT; the daemon sent its NOTIFY and
	 * cleared AE_WANT_OUT; another thread drains */
	h->waiters = OUT_WAITER;
	daemon_notify(AE_WANT_OUT);
	ck_assert_int_eq(aec_drain(&s), 1);
	ck_assert(!notify_queued());
	ck_assert_msg(h->shim_want & AE_WANT_OUT,
		      "the sleeping writer's wake-up was drained and not re-armed");
	ck_assert_int_ge(daemon_got_doorbells(), 1);
}
END_TEST

START_TEST(test_drain_no_sleeper_no_rearm)
{
	daemon_notify(AE_WANT_OUT);
	ck_assert_int_eq(aec_drain(&s), 1);
	ck_assert_uint_eq(h->shim_want, 0);
	ck_assert_int_eq(daemon_got_doorbells(), 0);
}
END_TEST

START_TEST(test_reader_leaves_writers_wakeup)
{
	/* a reader waits (nothing readable) while the writer's NOTIFY heads
	 * the queue: when the reader gives up, the writer's wake-up must be
	 * queued still or re-armed */
	h->waiters = OUT_WAITER;
	daemon_notify(AE_WANT_OUT);
	ck_assert_int_eq(aec_wait(&s, POLLIN, 60), 0);
	ck_assert_msg(notify_queued() || (h->shim_want & AE_WANT_OUT),
		      "the reader consumed the writer's wake-up");
	ck_assert_uint_eq(h->waiters, OUT_WAITER);
}
END_TEST

START_TEST(test_reader_takes_its_own)
{
	/* the reader's own NOTIFY is consumed and it sees the data */
	h->waiters = OUT_WAITER;
	h->state = AE_SS_IN;
	daemon_notify(AE_WANT_IN);
	ck_assert_int_eq(aec_wait(&s, POLLIN, 1000) & POLLIN, POLLIN);
	ck_assert(!notify_queued());
	ck_assert_uint_eq(h->shim_want & AE_WANT_OUT, 0);
}
END_TEST

START_TEST(test_stale_wakeup_taken)
{
	/* nobody waits for POLLOUT any more: its NOTIFY is stale, the reader
	 * takes it and sleeps normally (no nap loop, no re-arm) */
	daemon_notify(AE_WANT_OUT);
	ck_assert_int_eq(aec_wait(&s, POLLIN, 20), 0);
	ck_assert(!notify_queued());
	ck_assert_uint_eq(h->shim_want & AE_WANT_OUT, 0);
	ck_assert_uint_eq(h->waiters, 0);
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
	TCase *tc = tcase_create("notify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_drain_rearms_sleeping_writer);
	tcase_add_test(tc, test_drain_no_sleeper_no_rearm);
	tcase_add_test(tc, test_reader_leaves_writers_wakeup);
	tcase_add_test(tc, test_reader_takes_its_own);
	tcase_add_test(tc, test_stale_wakeup_taken);
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
