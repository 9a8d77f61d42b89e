// SPDX-License-Identifier: MIT
/**
 * DOC: test_shm_pool.c - reuse of ring regions per uid (session_shm.c)
 *
 * A ring region the stack frees after a connection of uid U used it goes to
 * U's pool and comes back only for U: for a ring allocation hinted for U
 * (ae_connect()) or made while only U listens. It comes back with its header
 * cleared, its rings punched and its incarnation bumped, its old header
 * marked dead first. A region never handed to a uid, or one that reached a
 * second uid (poisoned), is destroyed, never pooled; pools are bounded and
 * die with their uid. No stack here: the ring hooks are called directly.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session.h"
#include "shm.h"

#define RX	8192
#define TX	4096

static struct aetherd d;
static struct session_srv *srv;
static struct suser u1, u2;

/**
 * setup() - server state with two known uids, 1001 and 1002
 */
static void setup(void)
{
	memset(&d, 0, sizeof(d));
	memset(&u1, 0, sizeof(u1));
	memset(&u2, 0, sizeof(u2));
	srv = sess_srv(&d);
	ck_assert_ptr_nonnull(srv);
	u1.uid = 1001;
	u2.uid = 1002;
	LIST_INSERT_HEAD(&srv->users, &u1, link);
	LIST_INSERT_HEAD(&srv->users, &u2, link);
}

/**
 * teardown() - flush both pools, free the server state
 */
static void teardown(void)
{
	sess_pool_flush(srv, &u1);
	sess_pool_flush(srv, &u2);
	ck_assert_uint_eq(srv->npooled, 0);
	ck_assert_uint_eq(srv->nregions, 0);
	session_destroy(&d);
}

/**
 * alloc_for() - a ring allocation hinted for @u (as around ae_connect())
 * @u:		uid record or NULL (no hint)
 *
 * Return: ring memory
 */
static uint8_t *alloc_for(struct suser *u)
{
	uint8_t *p;

	sess_ring_hint(srv, u);
	p = session_ring_alloc(&d, RX, TX);
	sess_ring_hint(srv, NULL);
	ck_assert_ptr_nonnull(p);
	return p;
}

/**
 * hand_to() - what binding does to a region: tag it for @u
 * @p:		ring memory
 * @u:		uid record
 *
 * Return: the region
 */
static struct shm_region *hand_to(uint8_t *p, struct suser *u)
{
	struct shm_region *r = sess_region_find(srv, p);

	ck_assert_ptr_nonnull(r);
	ck_assert(!r->tagged || r->uid == u->uid);
	r->tagged = true;
	r->uid = u->uid;
	return r;
}

START_TEST(test_reused_for_same_uid)
{
	uint8_t *p = alloc_for(&u1), *q;
	struct shm_region *r = hand_to(p, &u1);
	struct ae_shm_hdr *h = (struct ae_shm_hdr *)r->base;
	uint32_t inc = r->incarnation;
	int fd = sess_region_fd(r);
	uint64_t off = r->off;

	h->rx_head = 77;
	p[0] = 0x5a;			/* in the header's page */
	p[AE_SHM_HDR_SIZE] = 0x5a;	/* a page of its own */
	session_ring_free(&d, p, RX + TX);
	ck_assert_uint_eq(u1.npool, 1);
	ck_assert_uint_eq(srv->nregions, 0);
	ck_assert(shm_load(&h->state) & AE_SS_DEAD);
	q = alloc_for(&u1);
	ck_assert_ptr_eq(q, p);
	r = sess_region_find(srv, q);
	ck_assert_int_eq(sess_region_fd(r), fd);
	ck_assert_uint_eq(r->off, off);
	ck_assert_uint_ne(r->incarnation, inc);
	ck_assert_uint_eq(h->rx_head, 0);
	ck_assert_uint_eq(h->state, 0);
	ck_assert_uint_eq(u1.npool, 0);
	ck_assert_uint_eq(srv->stats.shm_reused, 1);
	ck_assert_uint_eq(q[0], 0);		/* nothing of the last socket */
	/* the header's page and the tx ring's first page were zeroed in
	 * place (a warm pool), the rx ring's page of its own punched: two
	 * pages resident, nothing else (until read below) */
	ck_assert_uint_eq(srv->stats.shm_punched, 1);
	ck_assert_uint_eq(sess_region_resident(r), 2 * AE_SHM_HDR_SIZE);
	ck_assert_uint_eq(q[AE_SHM_HDR_SIZE], 0);
	/* every other ring page is punched out */
	memset(q, 0x5a, SESS_POOL_KEEP_BYTES + AE_SHM_HDR_SIZE);
	session_ring_free(&d, q, RX + TX);
	ck_assert_uint_eq(srv->stats.shm_punched, 2);
	ck_assert_uint_eq(sess_region_resident(r), 2 * AE_SHM_HDR_SIZE);
	q = alloc_for(&u1);
	ck_assert_uint_eq(q[0], 0);
	ck_assert_uint_eq(q[SESS_POOL_KEEP_BYTES], 0);
	session_ring_free(&d, q, RX + TX);
}
END_TEST

START_TEST(test_never_for_other_uid)
{
	uint8_t *p = alloc_for(&u1), *q;

	hand_to(p, &u1);
	session_ring_free(&d, p, RX + TX);
	ck_assert_uint_eq(u1.npool, 1);
	q = alloc_for(&u2);
	ck_assert_ptr_ne(q, p);
	ck_assert(!sess_region_find(srv, q)->tagged);
	ck_assert_uint_eq(u1.npool, 1);
	session_ring_free(&d, q, RX + TX);	/* never handed out: gone */
	ck_assert_uint_eq(u2.npool, 0);
	q = alloc_for(NULL);	/* no hint, nobody listens: fresh */
	ck_assert_ptr_ne(q, p);
	ck_assert_uint_eq(srv->stats.shm_reused, 0);
	ck_assert_uint_eq(u1.npool, 1);
	session_ring_free(&d, q, RX + TX);
	ck_assert_uint_eq(srv->npooled, 1);
}
END_TEST

START_TEST(test_untagged_destroyed)
{
	uint8_t *p = alloc_for(&u1);

	session_ring_free(&d, p, RX + TX);
	ck_assert_uint_eq(u1.npool, 0);
	ck_assert_uint_eq(srv->npooled, 0);
	ck_assert_uint_eq(srv->nregions, 0);
}
END_TEST

START_TEST(test_listener_uid_guess)
{
	struct sclient cl = { .pid = 1, .uid = 1001, .user = &u1 };
	struct sconn c = { .srv = NULL, .cl = &cl };
	uint8_t *p, *q;

	c.srv = srv;
	p = alloc_for(&u1);
	hand_to(p, &u1);
	session_ring_free(&d, p, RX + TX);
	sess_listen_count(&c, true);
	sess_listen_count(&c, true);	/* idempotent */
	ck_assert_uint_eq(u1.nlisten, 1);
	q = session_ring_alloc(&d, RX, TX);	/* a child of u1's listener */
	ck_assert_ptr_eq(q, p);
	session_ring_free(&d, q, RX + TX);
	/* listeners of two uids: no guess */
	{
		struct sclient cl2 = { .pid = 2, .uid = 1002, .user = &u2 };
		struct sconn c2 = { .srv = srv, .cl = &cl2 };

		sess_listen_count(&c2, true);
		ck_assert_uint_eq(srv->nlisten_users, 2);
		q = session_ring_alloc(&d, RX, TX);
		ck_assert_ptr_ne(q, p);
		session_ring_free(&d, q, RX + TX);
		sess_listen_count(&c2, false);
	}
	sess_listen_count(&c, false);
	ck_assert_uint_eq(srv->nlisten_users, 0);
	ck_assert_uint_eq(u1.nlisten, 0);
}
END_TEST

/**
 * poison_for_test() - what a region sent to two uids used to get
 * @r:		region
 */
static void poison_for_test(struct shm_region *r)
{
	r->poisoned = true;
	srv->stats.shm_poisoned++;
}

START_TEST(test_adopted_by_first_uid)
{
	struct sclient cl = { .pid = 1, .uid = 1001, .user = &u1 };
	struct sconn c = { .cl = &cl };
	uint8_t *p = alloc_for(NULL);		/* uid not known: private */
	struct shm_region *r = sess_region_find(srv, p);
	uint8_t *base = r->base;

	c.srv = srv;
	ck_assert_ptr_null(r->arena);
	ck_assert_int_ge(r->memfd, 0);
	p[0] = 0x5a;
	p[RX + TX - 1] = 0xa5;
	ck_assert_int_eq(sess_shm_expose(&c, r, 1002), 0);
	/* moved into uid 1002's arena, same address, same bytes */
	ck_assert_ptr_nonnull(r->arena);
	ck_assert_uint_eq(r->arena->uid, 1002);
	ck_assert_int_eq(r->memfd, -1);
	ck_assert_ptr_eq(r->base, base);
	ck_assert_uint_eq(p[0], 0x5a);
	ck_assert_uint_eq(p[RX + TX - 1], 0xa5);
	ck_assert_uint_le(sess_region_resident(r), 3 * AE_SHM_HDR_SIZE);
	ck_assert_uint_eq(srv->stats.shm_settled, 1);
	/* a region in uid 1001's arena never sent moves to 1002's too */
	session_ring_free(&d, p, RX + TX);
	p = alloc_for(&u1);
	r = sess_region_find(srv, p);
	ck_assert_uint_eq(r->arena->uid, 1001);
	ck_assert_int_eq(sess_shm_expose(&c, r, 1002), 0);
	ck_assert_uint_eq(r->arena->uid, 1002);
	session_ring_free(&d, p, RX + TX);
}
END_TEST

START_TEST(test_poisoned_never_pooled)
{
	struct sclient cl = { .pid = 1, .uid = 1001, .user = &u1 };
	struct sconn c = { .cl = &cl };
	uint8_t *p = alloc_for(&u1), *q;
	struct shm_region *r = sess_region_find(srv, p);

	c.srv = srv;
	ck_assert_int_eq(sess_shm_expose(&c, r, 1001), 0);
	ck_assert(r->tagged && r->uid == 1001 && !r->poisoned);
	/* sent from uid 1001's arena: never to a second uid */
	ck_assert_int_eq(sess_shm_expose(&c, r, 1002), -EACCES);
	ck_assert_uint_eq(srv->stats.shm_foreign_refused, 1);
	poison_for_test(r);
	ck_assert(r->poisoned);
	session_ring_free(&d, p, RX + TX);
	ck_assert_uint_eq(u1.npool, 0);
	/* a connection another uid used poisons what it has and gets */
	q = alloc_for(&u1);
	r = sess_region_find(srv, q);
	c.reg = r;
	sess_conn_foreign(&c);
	ck_assert(r->poisoned);
	ck_assert_uint_eq(srv->stats.shm_poisoned, 2);	/* one by hand */
	c.reg = NULL;
	session_ring_free(&d, q, RX + TX);
	ck_assert_uint_eq(u1.npool, 0);
	/* a foreign listener stops the listener-uid guess */
	sess_listen_count(&c, true);
	ck_assert_uint_eq(srv->nlisten_foreign, 1);
	sess_listen_count(&c, false);
	ck_assert_uint_eq(srv->nlisten_foreign, 0);
}
END_TEST

START_TEST(test_pool_bounded_and_punched)
{
	uint8_t *p[SESS_POOL_PER_USER + 1];
	struct shm_region *r;
	int i;

	for (i = 0; i <= SESS_POOL_PER_USER; i++)
		hand_to(p[i] = alloc_for(&u1), &u1);
	for (i = 0; i <= SESS_POOL_PER_USER; i++)
		session_ring_free(&d, p[i], RX + TX);
	ck_assert_uint_eq(u1.npool, SESS_POOL_PER_USER);
	/* a region that kept many pages is punched when pooled */
	p[0] = alloc_for(&u1);
	r = sess_region_find(srv, p[0]);
	ck_assert_ptr_nonnull(r);
	sess_pool_flush(srv, &u1);
	{
		size_t big = 256 * 1024;
		uint8_t *b;

		sess_ring_hint(srv, &u1);
		b = session_ring_alloc(&d, big, big);
		sess_ring_hint(srv, NULL);
		ck_assert_ptr_nonnull(b);
		uint64_t punched;

		r = hand_to(b, &u1);
		memset(b, 1, 2 * big);
		punched = srv->stats.shm_punched;
		session_ring_free(&d, b, 2 * big);
		ck_assert_uint_eq(srv->stats.shm_punched, punched + 1);
		/* the header's page and the tx ring's first (zeroed) stay */
		ck_assert_uint_eq(sess_region_resident(r),
				  2 * AE_SHM_HDR_SIZE);
		ck_assert_uint_eq(b[0], 0);
		ck_assert_uint_eq(b[AE_SHM_HDR_SIZE], 0);
		ck_assert_uint_eq(b[big], 0);
		ck_assert_uint_eq(b[2 * big - 1], 0);
	}
	session_ring_free(&d, p[0], RX + TX);
}
END_TEST

/* a successor (takeover.c) adopts a uid's arena memfd as it is and maps a
 * region at its same offset: the same memory, both ways; ranges outside the
 * arena and a second arena for the uid are refused, an arena left with no
 * region is closed */
START_TEST(test_takeover_adopts_arena)
{
	struct shm_region *r = sess_region_new(srv, RX + TX, true, &u1.uid);
	struct session_srv *srv2;
	struct shm_region *r2;
	struct shm_arena *a2;
	struct aetherd d2;
	int fd;

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(r->arena);
	ck_assert_int_eq(sess_region_fd(r), r->arena->fd);
	memset(r->base + AE_SHM_HDR_SIZE, 0x5a, RX);
	memset(&d2, 0, sizeof(d2));
	srv2 = sess_srv(&d2);
	ck_assert_ptr_nonnull(srv2);
	a2 = sess_arena_adopt(srv2, dup(r->arena->fd), u1.uid, r->arena->size,
			      r->arena->end);
	ck_assert_ptr_nonnull(a2);
	fd = dup(r->arena->fd);
	ck_assert_ptr_null(sess_arena_adopt(srv2, fd, u1.uid, r->arena->size,
					    r->arena->end));
	close(fd);
	ck_assert_int_eq(sess_arena_adopt_gap(a2, a2->end, AE_SHM_HDR_SIZE),
			 -EINVAL);
	ck_assert_int_eq(sess_arena_adopt_gap(a2, 1, AE_SHM_HDR_SIZE), -EINVAL);
	ck_assert_ptr_null(sess_region_adopt(srv2, a2, -1, a2->end, r->map_len,
					     true, r->ring_off));
	ck_assert_ptr_null(sess_region_adopt(srv2, a2, -1, r->off, r->map_len,
					     true, AE_SHM_HDR_SIZE + 1));
	r2 = sess_region_adopt(srv2, a2, -1, r->off, r->map_len, true,
			       r->ring_off);
	ck_assert_ptr_nonnull(r2);
	ck_assert_uint_eq(r2->off, r->off);
	ck_assert_int_eq(sess_region_fd(r2), a2->fd);
	ck_assert_uint_eq(r2->ring_off, AE_SHM_RING_OFF);
	ck_assert_ptr_eq(sess_region_find(srv2, sess_ring0(r2)), r2);
	ck_assert_uint_eq(r2->base[AE_SHM_HDR_SIZE + RX - 1], 0x5a);
	r2->base[AE_SHM_HDR_SIZE] = 0xa5;
	ck_assert_uint_eq(r->base[AE_SHM_HDR_SIZE], 0xa5);
	/* an arena of another uid that holds no region goes */
	fd = memfd_create("test", MFD_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(sess_arena_adopt(srv2, fd, u2.uid, 0, 0));
	ck_assert_uint_eq(srv2->narenas, 2);
	sess_arenas_adopted(srv2);
	ck_assert_uint_eq(srv2->narenas, 1);
	ck_assert_uint_eq(a2->nregions, 1);
	sess_region_free(srv2, r2);
	ck_assert_uint_eq(srv2->narenas, 0);
	session_destroy(&d2);
	sess_region_free(srv, r);
}
END_TEST

/**
 * pool_suite() - the suite
 *
 * Return: suite
 */
static Suite *pool_suite(void)
{
	Suite *s = suite_create("shm_pool");
	TCase *t = tcase_create("pool");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_reused_for_same_uid);
	tcase_add_test(t, test_never_for_other_uid);
	tcase_add_test(t, test_untagged_destroyed);
	tcase_add_test(t, test_listener_uid_guess);
	tcase_add_test(t, test_poisoned_never_pooled);
	tcase_add_test(t, test_adopted_by_first_uid);
	tcase_add_test(t, test_pool_bounded_and_punched);
	tcase_add_test(t, test_takeover_adopts_arena);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pool_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
