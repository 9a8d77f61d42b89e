// SPDX-License-Identifier: MIT
/**
 * DOC: test_wake.c - NOTIFY wake-ups with several sleepers on one backing fd
 *
 * A socketpair plays the daemon; the socket's header page is plain memory.
 * The daemon clears a want bit when it sends the NOTIFY for it, and poll()
 * sleeps on if the datagram is gone when a woken sleeper finally looks. So
 * whoever consumes a NOTIFY meant for another sleeper's direction must leave
 * it for its owner or ask the daemon again (re-arm the want bit), or that
 * sleeper is stranded until its timeout (seen as multi-second stalls of a
 * reader+writer pair under CPU load).
 */
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "proto.h"

/* one POLLOUT sleeper as aec_wait() counts it in the header's waiters */
#define OUT_WAITER	(1u << 16)

static int sv[2];
static struct aec_sock s;
static struct ae_shm_hdr *h;

/**
 * setup() - a stream socket on a socketpair, header page in plain memory
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
	h = aligned_alloc(AE_SHM_HDR_SIZE, AE_SHM_HDR_SIZE);
	ck_assert_ptr_nonnull(h);
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
	free(h);
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
