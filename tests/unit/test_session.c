// SPDX-License-Identifier: MIT
/**
 * DOC: test_session.c - the daemon's shared-memory side with a real stack
 *
 * A stack on the fake device allocates its TCP rings through
 * session_ring_alloc() (the ring_alloc hook): ring storage must land in memfd
 * regions (with a header page in front) and everything else in plain memory,
 * whatever its size; a connection moved onto its rings gets a
 * header describing them; shim-written indices are validated by sess_pull()
 * (good commits reach the stack, a scribbled index cuts the socket off and
 * marks the header dead); freeing the stack frees every region.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fakedev.h"
#include "session.h"
#include "shm.h"

static struct aetherd d;
static struct ae_stack *stk;
static struct suser usr = { .uid = 0 };
static struct sclient cl = { .pid = 1, .uid = 0, .user = &usr };
static int sv[2];

/**
 * setup() - a stack whose socket memory comes from the session code
 */
static void setup(void)
{
	struct ae_config cfg;

	fake_reset();
	memset(&d, 0, sizeof(d));
	fake_config_default(&cfg);
	cfg.ring_alloc = session_ring_alloc;
	cfg.ring_free = session_ring_free;
	cfg.ring_ctx = &d;
	cfg.rcvbuf = 16384;
	cfg.sndbuf = 8192;
	stk = ae_stack_create(&cfg);
	ck_assert_ptr_nonnull(stk);
	d.stack = stk;
	fake_arp_seed(stk);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
				    0, sv), 0);
	usr.mem = 0;
	usr.nsocks = 0;
	ck_assert_ptr_nonnull(sess_srv(&d));
	d.srv->max_mem = 1ULL << 30;
	d.srv->max_sockets = 100;
}

/**
 * teardown() - destroy the stack: every region must be gone
 */
static void teardown(void)
{
	int i;

	ae_stack_destroy(stk);
	for (i = 0; i < SESS_REGION_BUCKETS; i++)
		ck_assert_msg(LIST_EMPTY(&d.srv->regions[i]),
			      "region left in bucket %d", i);
	close(sv[0]);
	close(sv[1]);
	session_destroy(&d);
}

/**
 * connecting_conn() - a connection whose socket is connecting (has rings)
 *
 * Return: the connection (calloc'd, not registered with a loop)
 */
static struct sconn *connecting_conn(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = FAKE_PEER,
				  .sin_port = htons(80) };
	struct sconn *c = calloc(1, sizeof(*c));
	bool moved = false;
	int err = 0;

	ck_assert_ptr_nonnull(c);
	c->srv = d.srv;
	c->fd = sv[0];
	c->cl = &cl;
	c->type = SOCK_STREAM;
	c->sk = ae_socket(stk, SOCK_STREAM, &err);
	ck_assert_ptr_nonnull(c->sk);
	ae_sock_set_callback(c->sk, sess_sock_cb, c);
	ck_assert_int_eq(sess_conn_give_header(c), 0);
	ck_assert_int_eq(ae_connect(c->sk, &to), -EINPROGRESS);
	c->flags |= SC_CONNECTING;
	ck_assert_int_eq(sess_conn_bind_rings(c, &moved), 0);
	ck_assert(moved);
	return c;
}

/**
 * conn_done() - close and free a test connection
 * @c:		connection
 */
static void conn_done(struct sconn *c)
{
	c->flags |= SC_FREEING;		/* as conn_free(): its last fd closed */
	sess_close_sock(c);
	sess_conn_drop_region(c);
	free(c);
}

START_TEST(test_rings_in_memfd)
{
	struct sconn *c = connecting_conn();
	struct ae_ring *rx = ae_sock_rxring(c->sk), *tx = ae_sock_txring(c->sk);
	struct ae_shm_hdr *h = c->hdr;

	ck_assert(c->reg->rings);
	ck_assert_int_ge(sess_region_fd(c->reg), 0);
	/* the rx ring starts in the header's page */
	ck_assert_ptr_eq(rx->mem, c->reg->base + AE_SHM_RING_OFF);
	ck_assert_ptr_eq(tx->mem, rx->mem + rx->size);
	ck_assert_int_eq(shm_layout_check(h, c->reg->map_len), 0);
	ck_assert_uint_eq(h->rx_size, rx->size);
	ck_assert_uint_eq(h->tx_size, tx->size);
	ck_assert_uint_eq(h->rx_off, AE_SHM_RING_OFF);
	ck_assert_uint_eq(h->tx_off, AE_SHM_RING_OFF + rx->size);
	ck_assert_uint_le(h->tx_off + tx->size, c->reg->map_len);
	ck_assert_uint_eq(h->tx_tail, tx->tail);
	/* charged: the header page and the receive window offered, not the
	 * mapped size (the send ring fills as fast as the program writes) */
	ck_assert_uint_eq(usr.mem, AE_SHM_HDR_SIZE + ae_sock_rx_limit(c->sk));
	ck_assert_uint_le(usr.mem, c->reg->map_len);
	conn_done(c);
	ck_assert_uint_eq(usr.mem, 0);
}
END_TEST

START_TEST(test_small_allocations_not_shared)
{
	/* sizes that look like ring storage (two powers of two >= 4 KiB):
	 * only the ring hook decides what is shared, never the size */
	static const size_t len[] = { 100, 12345, 16384 + 8192, 8192,
				      262144 + 262144 };
	void *p[5];
	size_t i;

	for (i = 0; i < 5; i++) {
		p[i] = session_mem_alloc(&d, len[i]);
		ck_assert_ptr_nonnull(p[i]);
		ck_assert_ptr_null(sess_region_find(d.srv, p[i]));
	}
	ck_assert_uint_eq(d.srv->nregions, 0);
	for (i = 0; i < 5; i++)
		session_mem_free(&d, p[i], len[i]);
}
END_TEST

START_TEST(test_ring_hook_shared)
{
	void *p = session_ring_alloc(&d, 4096, 8192);
	struct shm_region *r;

	ck_assert_ptr_nonnull(p);
	r = sess_region_find(d.srv, p);
	ck_assert_ptr_nonnull(r);
	ck_assert(r->rings);
	ck_assert_uint_eq(r->map_len, AE_SHM_HDR_SIZE + 4096 + 8192);
	ck_assert_uint_eq(d.srv->nregions, 1);
	session_ring_free(&d, p, 4096 + 8192);
	ck_assert_uint_eq(d.srv->nregions, 0);
}
END_TEST

/**
 * shim_tx() - the tx ring of a connection as the shim writes it
 * @c:		connection on rings
 *
 * Return: the ring view
 */
static struct ae_spsc shim_tx(struct sconn *c)
{
	return (struct ae_spsc){ (uint8_t *)c->hdr + c->hdr->tx_off,
				 c->hdr->tx_size, &c->hdr->tx_head,
				 &c->hdr->tx_tail, &c->hdr->tx_base };
}

START_TEST(test_good_commit_reaches_stack)
{
	struct sconn *c = connecting_conn();
	struct ae_ring *tx = ae_sock_txring(c->sk);
	struct ae_spsc r = shim_tx(c);
	uint32_t before = tx->tail;

	ck_assert_uint_eq(spsc_write(&r, "hello", 5), 5);
	ck_assert_int_eq(sess_pull(c), 0);
	ck_assert_uint_eq(tx->tail - before, 5);
	ck_assert(!(c->flags & SC_DEAD));
	conn_done(c);
}
END_TEST

/**
 * shim_map() - map a connection's memory as the shim would
 * @c:		connection
 * @len:	set to the mapping length
 *
 * Return: the shim's view of the header page
 */
static struct ae_shm_hdr *shim_map(struct sconn *c, size_t *len)
{
	void *p;

	*len = c->reg->map_len;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 sess_region_fd(c->reg), (off_t)c->reg->off);
	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

START_TEST(test_tx_restart_taken_when_empty)
{
	struct sconn *c = connecting_conn();
	struct ae_ring *tx = ae_sock_txring(c->sk);
	struct ae_spsc r = shim_tx(c);
	uint32_t pos;

	ck_assert_uint_eq(shm_load(&c->hdr->daemon_caps) & AE_CAP_RESTART,
			  AE_CAP_RESTART);
	/* an empty ring: the shim may put its next byte anywhere */
	shm_store(&c->hdr->tx_base, tx->tail - 1000);
	ck_assert_uint_eq(spsc_write(&r, "hello", 5), 5);
	ck_assert_int_eq(sess_pull(c), 0);
	ck_assert(!(c->flags & SC_DEAD));
	ck_assert_uint_eq(tx->base, tx->tail - 1005);
	pos = (tx->head - tx->base) & (tx->size - 1);
	ck_assert_uint_eq(pos, 1000);
	ck_assert_mem_eq(tx->mem + pos, "hello", 5);	/* what the stack sends */
	conn_done(c);
}
END_TEST

START_TEST(test_tx_base_moved_under_data_cuts_off)
{
	struct sconn *c = connecting_conn();
	struct ae_spsc r = shim_tx(c);

	ck_assert_uint_eq(spsc_write(&r, "hello", 5), 5);
	ck_assert_int_eq(sess_pull(c), 0);
	/* "hello" is not acknowledged (SYN-SENT): a restart now is a lie */
	shm_store(&c->hdr->tx_base, shm_load(&c->hdr->tx_tail));
	ck_assert_uint_eq(spsc_write(&r, "world", 5), 5);
	ck_assert_int_eq(sess_pull(c), -EINVAL);
	ck_assert(c->flags & SC_DEAD);
	conn_done(c);
}
END_TEST

START_TEST(test_scribbled_tx_tail_cuts_off)
{
	struct sconn *c = connecting_conn();
	size_t len;
	struct ae_shm_hdr *h = shim_map(c, &len);

	shm_store(&h->tx_tail, h->tx_tail + 3 * h->tx_size);
	ck_assert_int_eq(sess_pull(c), -EINVAL);
	ck_assert(c->flags & SC_DEAD);
	ck_assert_ptr_null(c->sk);
	/* the stack freed the rings at once (RST in SYN-SENT): the daemon
	 * let go of the memory, the shim still sees the verdict */
	ck_assert(shm_load(&h->state) & AE_SS_DEAD);
	ck_assert_int_eq(h->so_error, ECONNRESET);
	ck_assert_uint_ge(d.srv->stats.cutoffs, 1);
	/* its range stays out of reach of new sockets until the connection
	 * goes (a new one here must not land on it and rewrite the header) */
	ck_assert_ptr_nonnull(c->cut);
	{
		struct sconn *n = connecting_conn();

		ck_assert_ptr_ne(n->reg, c->cut);
		ck_assert(shm_load(&h->state) & AE_SS_DEAD);
		conn_done(n);
	}
	munmap(h, len);
	conn_done(c);		/* and the teardown finds no region left */
}
END_TEST

START_TEST(test_scribbled_rx_head_cuts_off)
{
	struct sconn *c = connecting_conn();
	struct ae_shm_hdr *h = c->hdr;

	/* nothing was received: any forward move of rx_head is a lie */
	shm_store(&h->rx_head, h->rx_head + 1);
	ck_assert_int_eq(sess_pull(c), -EINVAL);
	ck_assert(c->flags & SC_DEAD);
	conn_done(c);
}
END_TEST

START_TEST(test_backwards_tx_tail_cuts_off)
{
	struct sconn *c = connecting_conn();
	struct ae_shm_hdr *h = c->hdr;

	shm_store(&h->tx_tail, h->tx_tail - 1);
	ck_assert_int_eq(sess_pull(c), -EINVAL);
	ck_assert(c->flags & SC_DEAD);
	conn_done(c);
}
END_TEST

START_TEST(test_memory_limit)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_addr.s_addr = FAKE_PEER,
				  .sin_port = htons(81) };
	struct sconn *c = calloc(1, sizeof(*c));
	bool moved = true;
	int err = 0;

	d.srv->max_mem = 8192;		/* less than one socket's rings */
	c->srv = d.srv;
	c->fd = sv[0];
	c->cl = &cl;
	c->type = SOCK_STREAM;
	c->sk = ae_socket(stk, SOCK_STREAM, &err);
	ae_sock_set_callback(c->sk, sess_sock_cb, c);
	ck_assert_int_eq(sess_conn_give_header(c), 0);
	ck_assert_int_eq(ae_connect(c->sk, &to), -EINPROGRESS);
	ck_assert_int_eq(sess_conn_bind_rings(c, &moved), -ENOBUFS);
	ck_assert(!moved);
	ck_assert_uint_eq(d.srv->stats.enobufs, 1);
	conn_done(c);
}
END_TEST

START_TEST(test_publish_state)
{
	struct sconn *c = connecting_conn();

	sess_publish(c);
	ck_assert(shm_load(&c->hdr->state) & AE_SS_CONNECTING);
	ck_assert(!(shm_load(&c->hdr->state) & AE_SS_OUT));
	ck_assert(shm_load(&c->hdr->daemon_want) & AE_DB_TX);
	/* the shim wants OUT: no NOTIFY while connecting */
	shm_or(&c->hdr->shim_want, AE_WANT_OUT);
	sess_publish(c);
	ck_assert(shm_load(&c->hdr->shim_want) & AE_WANT_OUT);
	conn_done(c);
}
END_TEST

/**
 * session_suite() - the suite
 *
 * Return: suite
 */
static Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("shm");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rings_in_memfd);
	tcase_add_test(tc, test_small_allocations_not_shared);
	tcase_add_test(tc, test_ring_hook_shared);
	tcase_add_test(tc, test_good_commit_reaches_stack);
	tcase_add_test(tc, test_scribbled_tx_tail_cuts_off);
	tcase_add_test(tc, test_scribbled_rx_head_cuts_off);
	tcase_add_test(tc, test_backwards_tx_tail_cuts_off);
	tcase_add_test(tc, test_memory_limit);
	tcase_add_test(tc, test_tx_restart_taken_when_empty);
	tcase_add_test(tc, test_tx_base_moved_under_data_cuts_off);
	tcase_add_test(tc, test_publish_state);
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
	SRunner *sr = srunner_create(session_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
