// SPDX-License-Identifier: MIT
/**
 * DOC: test_preload_addr.c - libaether.so's address mapping and fd table,
 * without a daemon
 *
 * preload/addr.c and preload/fdtable.c are compiled into this test directly
 * (the unit build does not link libaether.so); ps_put() is stubbed to count
 * releases.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "../../preload/addr.c"
#include "../../preload/fdtable.c"

static int puts_seen;

/**
 * ps_put() - stub: count releases, free at zero
 * @ps:	socket
 */
void ps_put(struct ps_sock *ps)
{
	puts_seen++;
	if (atomic_fetch_sub(&ps->refs, 1) == 1)
		free(ps);
}

/**
 * ps_rc_note_opt() - stub: no daemon restarts here
 * @ps:		socket
 * @level:	level
 * @name:	option
 * @val:	value
 * @len:	its length
 *
 * Return: false (nothing kept)
 */
bool ps_rc_note_opt(struct ps_sock *ps, int level, int name, const void *val,
		    socklen_t len)
{
	return false;
}

/** ps_epoll_atfork_prepare() - stub: no epoll records here */
void ps_epoll_atfork_prepare(void)
{
}

/** ps_epoll_atfork_parent() - stub */
void ps_epoll_atfork_parent(void)
{
}

/** ps_epoll_atfork_child() - stub */
void ps_epoll_atfork_child(void)
{
}

/** ps_fd_atfork_prepare() - stub: no fdops here */
void ps_fd_atfork_prepare(void)
{
}

/** ps_fd_atfork_parent() - stub */
void ps_fd_atfork_parent(void)
{
}

/** ps_fd_atfork_child() - stub */
void ps_fd_atfork_child(void)
{
}

/** ps_fd_settle() - stub: no close() runs here (nothing is marked) */
void ps_fd_settle(void)
{
}

/** ps_rc_atfork_child() - stub: no reconnect notes here */
void ps_rc_atfork_child(void)
{
}

/**
 * sin6() - an IPv6 socket address
 * @txt:	address text
 * @port:	port
 *
 * Return: the address
 */
static struct sockaddr_in6 sin6(const char *txt, int port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port) };

	ck_assert_int_eq(inet_pton(AF_INET6, txt, &a.sin6_addr), 1);
	return a;
}

START_TEST(test_v4_rules)
{
	struct ps_sock ps = { .domain = AF_INET };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct sockaddr_in out;
	struct sockaddr_in6 a6 = sin6("::", 80);

	a.sin_addr.s_addr = inet_addr("192.168.1.1");
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, sizeof(a), &out,
					  false), 0);
	ck_assert_uint_eq(out.sin_addr.s_addr, inet_addr("192.168.1.1"));
	ck_assert_uint_eq(ntohs(out.sin_port), 80);
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, 8, &out, false),
			 EINVAL);
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a6, sizeof(a6), &out,
					  false), EAFNOSUPPORT);
	a.sin_family = AF_UNSPEC;
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, sizeof(a), &out,
					  true), 0);
	a.sin_addr.s_addr = inet_addr("10.0.0.1");
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, sizeof(a), &out,
					  true), EAFNOSUPPORT);
	ck_assert_int_eq(ps_addr_from_app(&ps, NULL, sizeof(a), &out, true),
			 EFAULT);
}
END_TEST

START_TEST(test_v6_dual_stack)
{
	struct ps_sock ps = { .domain = AF_INET6 };
	struct sockaddr_in out;
	struct sockaddr_in6 a;

	a = sin6("::", 80);
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, sizeof(a), &out,
					  true), 0);
	ck_assert_uint_eq(out.sin_addr.s_addr, htonl(INADDR_ANY));
	a = sin6("::ffff:192.168.1.1", 8080);
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, sizeof(a), &out,
					  false), 0);
	ck_assert_uint_eq(out.sin_addr.s_addr, inet_addr("192.168.1.1"));
	ck_assert_uint_eq(ntohs(out.sin_port), 8080);
	a = sin6("::1", 1);
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, sizeof(a), &out,
					  false), 0);
	ck_assert_uint_eq(out.sin_addr.s_addr, PS_LOOP6_V4);
	a = sin6("2001:db8::1", 1);
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, sizeof(a), &out,
					  true), EADDRNOTAVAIL);
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, sizeof(a), &out,
					  false), ENETUNREACH);
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, 16, &out, false),
			 EINVAL);
	ps.v6only = 1;
	a = sin6("::ffff:192.168.1.1", 1);
	ck_assert_int_eq(ps_addr_from_app(&ps, (void *)&a, sizeof(a), &out,
					  true), EINVAL);
}
END_TEST

START_TEST(test_to_app)
{
	struct ps_sock ps6 = { .domain = AF_INET6 }, ps4 = { .domain = AF_INET };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(7) };
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (void *)&ss;
	socklen_t len = sizeof(ss);
	char txt[INET6_ADDRSTRLEN];

	in.sin_addr.s_addr = inet_addr("192.168.1.1");
	ps_addr_to_app(&ps6, &in, (void *)&ss, &len);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	ck_assert_int_eq(s6->sin6_family, AF_INET6);
	inet_ntop(AF_INET6, &s6->sin6_addr, txt, sizeof(txt));
	ck_assert_str_eq(txt, "::ffff:192.168.1.1");
	ck_assert_uint_eq(ntohs(s6->sin6_port), 7);
	in.sin_addr.s_addr = htonl(INADDR_ANY);
	len = sizeof(ss);
	ps_addr_to_app(&ps6, &in, (void *)&ss, &len);
	inet_ntop(AF_INET6, &s6->sin6_addr, txt, sizeof(txt));
	ck_assert_str_eq(txt, "::");
	/* 127.0.0.1 is an IPv4 client; the ::1 stand-in is ::1 */
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ps_addr_to_app(&ps6, &in, (void *)&ss, &len);
	inet_ntop(AF_INET6, &s6->sin6_addr, txt, sizeof(txt));
	ck_assert_str_eq(txt, "::ffff:127.0.0.1");
	in.sin_addr.s_addr = PS_LOOP6_V4;
	ps_addr_to_app(&ps6, &in, (void *)&ss, &len);
	inet_ntop(AF_INET6, &s6->sin6_addr, txt, sizeof(txt));
	ck_assert_str_eq(txt, "::1");
	/* a short buffer gets a truncated copy and the full length */
	memset(&ss, 0xee, sizeof(ss));
	len = 4;
	ps_addr_to_app(&ps4, &in, (void *)&ss, &len);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(((unsigned char *)&ss)[4], 0xee);
}
END_TEST

START_TEST(test_fd_table)
{
	struct ps_sock *a = ps_new(NULL, AF_INET, SOCK_STREAM);
	struct ps_sock *b = ps_new(NULL, AF_INET6, SOCK_DGRAM);

	puts_seen = 0;
	ck_assert_ptr_null(ps_get(3));
	ck_assert_ptr_null(ps_get(-1));
	ck_assert_ptr_null(ps_get(1 << 20));
	ps_install(3, a);
	ps_install(100000, a);	/* a dup far away: a second page */
	ck_assert_ptr_eq(ps_get(3), a);
	ck_assert_ptr_eq(ps_get(100000), a);
	ck_assert_int_eq(atomic_load(&a->refs), 2);
	ck_assert_int_eq(ps_find_other(a, 3), 100000);
	ck_assert_int_eq(ps_find_other(a, 100000), 3);
	/* a stale entry is released when its number is reused */
	ps_install(3, b);
	ck_assert_int_eq(puts_seen, 1);
	ck_assert_ptr_eq(ps_get(3), b);
	ck_assert_int_eq(ps_find_other(a, 100000), -1);
	ck_assert_ptr_eq(ps_forget(100000), a);
	ck_assert_ptr_null(ps_forget(100000));
	ps_put(a);
	ck_assert_ptr_eq(ps_forget(3), b);
	ck_assert_ptr_null(ps_get(3));
	ck_assert_int_eq(atomic_load(&b->refs), 1);
	ps_put(b);
	ck_assert_int_eq(puts_seen, 3);
}
END_TEST

/**
 * preload_suite() - the suite
 *
 * Return: suite
 */
static Suite *preload_suite(void)
{
	Suite *su = suite_create("preload_addr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_v4_rules);
	tcase_add_test(tc, test_v6_dual_stack);
	tcase_add_test(tc, test_to_app);
	tcase_add_test(tc, test_fd_table);
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
	SRunner *sr = srunner_create(preload_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
