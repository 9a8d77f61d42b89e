// SPDX-License-Identifier: MIT
/**
 * DOC: test_loopback.c - the stack talking to itself (127.0.0.0/8 and its
 * own address), and the socket options the API suite compares with Linux
 *
 * Two sockets in one stack connect over 127.0.0.1 and over 192.168.1.2,
 * move data both ways and close; nothing may reach the fake device, and the
 * teardown's leak check proves the loopback queue and every socket freed.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include "fakedev.h"
#include "stack.h"
#include "tcp.h"

#define LOOP_SLOTS_	128	/* loopback.c's queue length */

static struct ae_stack *S;

/**
 * setup() - a fresh stack, no frames recorded
 */
static void setup(void)
{
	S = fake_stack_create();
	fake_frames_clear();
}

/**
 * teardown() - destroy the stack; the leak check asserts all was freed
 */
static void teardown(void)
{
	fake_stack_destroy(S);
}

/**
 * pump() - poll while the loopback queue asks for it (bounded)
 *
 * Return: polls made
 */
static int pump(void)
{
	int n;

	for (n = 0; n < 1000 && ae_stack_next_timeout(S) <= fake_clock_now();
	     n++)
		ae_stack_poll(S);
	ck_assert_int_lt(n, 1000);
	return n;
}

/**
 * run_ms() - advance virtual time by @ms, deadline to deadline
 * @ms:		milliseconds
 */
static void run_ms(uint64_t ms)
{
	uint64_t end = fake_clock_now() + ms * 1000000ULL, next;
	int i;

	for (i = 0; i < 100000 && fake_clock_now() < end; i++) {
		next = ae_stack_next_timeout(S);
		if (next > end)
			next = end;
		if (next > fake_clock_now())
			fake_clock_set_ns(next);
		ae_stack_poll(S);
	}
}

/**
 * sin_at() - a struct sockaddr_in
 * @addr:	network order
 * @port:	host order
 *
 * Return: the address
 */
static struct sockaddr_in sin_at(uint32_t addr, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = addr };

	return a;
}

/**
 * tcp_pair() - a listener on 0.0.0.0:@port, a client connected to
 * @dst:@port, and the accepted server side
 * @dst:	address to connect to (network order)
 * @port:	port
 * @c:		client, set
 * @srv:	accepted socket, set
 * @peer:	the client's address as accept() saw it
 *
 * Return: the listener
 */
static struct ae_sock *tcp_pair(uint32_t dst, uint16_t port,
				struct ae_sock **c, struct ae_sock **srv,
				struct sockaddr_in *peer)
{
	struct sockaddr_in a = sin_at(INADDR_ANY, port);
	struct ae_sock *l;
	int err;

	l = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(ae_bind(l, &a), 0);
	ck_assert_int_eq(ae_listen(l, 8), 0);
	*c = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_ptr_nonnull(*c);
	a = sin_at(dst, port);
	ck_assert_int_eq(ae_connect(*c, &a), -EINPROGRESS);
	/* queued, not sent: the owner is told to poll now */
	ck_assert_uint_le(ae_stack_next_timeout(S), fake_clock_now());
	ck_assert_int_gt(pump(), 0);
	ck_assert_int_eq(ae_sock_state(*c), TCPS_ESTABLISHED);
	ck_assert_int_eq(ae_accept(l, srv, peer), 0);
	return l;
}

/**
 * exchange() - data both ways, then both sides close, through TIME-WAIT
 * @c:		client
 * @srv:	server side
 * @l:		listener
 */
static void exchange(struct ae_sock *c, struct ae_sock *srv, struct ae_sock *l)
{
	static char big[200000];
	char b[16] = "";
	size_t got = 0;
	ssize_t n;
	int i;

	ck_assert_int_eq(ae_send(c, "ping", 4, 0), 4);
	pump();
	ck_assert_int_eq(ae_recv(srv, b, sizeof(b), 0), 4);
	ck_assert_str_eq(b, "ping");
	ck_assert_int_eq(ae_send(srv, "pong!", 5, 0), 5);
	pump();
	memset(b, 0, sizeof(b));
	ck_assert_int_eq(ae_recv(c, b, sizeof(b), 0), 5);
	ck_assert_str_eq(b, "pong!");

	/* more than the queue holds at once: segments flow as the
	 * receiver reads, and losses to a full queue are recovered */
	for (i = 0; i < (int)sizeof(big); i++)
		big[i] = (char)(i * 7);
	n = ae_send(c, big, sizeof(big), 0);
	ck_assert_int_gt(n, 0);
	for (i = 0; i < 2000 && got < (size_t)n; i++) {
		char r[4096];
		ssize_t k;

		pump();
		while ((k = ae_recv(srv, r, sizeof(r), 0)) > 0) {
			ck_assert_mem_eq(r, big + got, (size_t)k);
			got += (size_t)k;
		}
		run_ms(1);
	}
	ck_assert_uint_eq(got, (size_t)n);

	ck_assert_int_eq(ae_close(c), 0);
	pump();
	ck_assert_int_eq(ae_recv(srv, b, sizeof(b), 0), 0);	/* FIN */
	ck_assert_int_eq(ae_close(srv), 0);
	ck_assert_int_eq(ae_close(l), 0);
	pump();
	run_ms(61000);		/* TIME-WAIT */
	ck_assert_uint_eq(S->nsockets, 0);
	ck_assert_int_eq(fake_frame_count(), 0);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_addr_errors"), 0);
}

START_TEST(tcp_over_127_0_0_1)
{
	struct ae_sock *c, *srv, *l;
	struct sockaddr_in peer, me;

	l = tcp_pair(htonl(INADDR_LOOPBACK), 6040, &c, &srv, &peer);
	ck_assert_uint_eq(peer.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	ck_assert_int_eq(ae_getsockname(c, &me), 0);
	ck_assert_uint_eq(me.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	ck_assert_uint_eq(me.sin_port, peer.sin_port);
	ck_assert_int_eq(ae_getsockname(srv, &me), 0);
	ck_assert_uint_eq(me.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	exchange(c, srv, l);
	ck_assert_uint_gt(ae_stack_stat(S, "ip", "loop_out"), 10);
}
END_TEST

START_TEST(tcp_over_own_address)
{
	struct ae_sock *c, *srv, *l;
	struct sockaddr_in peer, me;

	l = tcp_pair(FAKE_ADDR, 6041, &c, &srv, &peer);
	ck_assert_uint_eq(peer.sin_addr.s_addr, FAKE_ADDR);
	ck_assert_int_eq(ae_getsockname(c, &me), 0);
	ck_assert_uint_eq(me.sin_addr.s_addr, FAKE_ADDR);
	exchange(c, srv, l);
}
END_TEST

/**
 * no_offload() - an ae_output_offload_fn that must never be called: nothing
 * to our own addresses uses the device's offloads
 * @ctx, @iov, @iovcnt, @off: unused
 */
static void no_offload(void *ctx, const struct iovec *iov, int iovcnt,
		       const struct ae_tx_offload *off)
{
	(void)ctx; (void)iov; (void)iovcnt; (void)off;
	ck_abort_msg("an offloaded frame to a local address");
}

START_TEST(tcp_local_at_mtu_65520_with_offloads)
{
	struct ae_sock *c, *srv, *l;
	struct sockaddr_in peer;
	struct ae_config cfg;

	fake_stack_destroy(S);
	fake_config_default(&cfg);
	cfg.mtu = 65520;
	cfg.offload = AE_OFFLOAD_CSUM | AE_OFFLOAD_TSO4;
	cfg.output_offload = no_offload;
	S = fake_stack_new(&cfg);
	ck_assert_uint_eq(S->cfg.mtu, 65520);
	l = tcp_pair(FAKE_ADDR, 6042, &c, &srv, &peer);
	/* 64 KiB segments, whole in the loopback slots sized by the MTU */
	exchange(c, srv, l);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "frag_creates"), 0);
}
END_TEST

START_TEST(tcp_refused_locally)
{
	struct sockaddr_in a = sin_at(htonl(INADDR_LOOPBACK), 6042);
	struct ae_sock *c;
	int err;

	c = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_int_eq(ae_connect(c, &a), -EINPROGRESS);
	pump();
	ck_assert_int_eq(ae_sock_error(c), -ECONNREFUSED);
	ck_assert_int_eq(fake_frame_count(), 0);
	ae_close(c);
}
END_TEST

/*
 * ae_loop_unserved(): which loopback destinations aetherd leaves to the
 * kernel. A TCP one is served by a listener, or a socket bound by its owner
 * (between bind() and listen()), on its address or the wildcard and port;
 * a client's ephemeral port does not count. A UDP one by a socket bound to
 * the port; other addresses never leave the stack.
 */
START_TEST(loop_unserved_rules)
{
	struct sockaddr_in lo = sin_at(htonl(INADDR_LOOPBACK), 6043);
	struct sockaddr_in lo2 = sin_at(htonl(0x7f000002), 6043);
	struct sockaddr_in own = sin_at(inet_addr("192.168.1.2"), 6099);
	struct sockaddr_in any = sin_at(INADDR_ANY, 6043);
	struct ae_sock *t, *u, *l, *b;
	int err;

	t = ae_socket(S, SOCK_STREAM, &err);
	u = ae_socket(S, SOCK_DGRAM, &err);
	ck_assert(ae_loop_unserved(t, &lo));
	ck_assert(ae_loop_unserved(u, &lo));
	ck_assert(!ae_loop_unserved(t, &own));	/* ours: never the kernel's */
	l = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_int_eq(ae_bind(l, &lo), 0);
	ck_assert_int_eq(ae_listen(l, 4), 0);
	ck_assert(!ae_loop_unserved(t, &lo));
	ck_assert(ae_loop_unserved(t, &lo2));	/* bound to 127.0.0.1 only */
	ck_assert(ae_loop_unserved(u, &lo));	/* a TCP listener serves no UDP */
	ae_close(l);
	l = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_int_eq(ae_bind(l, &any), 0);
	ck_assert(!ae_loop_unserved(t, &lo2));	/* bound: the port is ours */
	ck_assert_int_eq(ae_listen(l, 4), 0);
	ck_assert(!ae_loop_unserved(t, &lo2));	/* the wildcard serves it */
	b = ae_socket(S, SOCK_DGRAM, &err);
	ck_assert_int_eq(ae_bind(b, &any), 0);
	ck_assert(!ae_loop_unserved(u, &lo2));
	lo.sin_port = 0;
	ck_assert(!ae_loop_unserved(t, &lo));	/* port 0: Aether's refusal */
	ae_close(b);
	ae_close(l);
	ae_close(u);
	ae_close(t);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(udp_over_loopback_and_queue_bound)
{
	struct sockaddr_in a = sin_at(INADDR_ANY, 5000), from;
	struct ae_sock *r, *t;
	char b[16] = "";
	int err, i;

	r = ae_socket(S, SOCK_DGRAM, &err);
	t = ae_socket(S, SOCK_DGRAM, &err);
	ck_assert_int_eq(ae_bind(r, &a), 0);
	a = sin_at(htonl(0x7f000005), 5000);	/* any of 127/8 */
	ck_assert_int_eq(ae_sendto(t, "dgram", 5, 0, &a), 5);
	pump();
	ck_assert_int_eq(ae_recvfrom(r, b, sizeof(b), 0, &from), 5);
	ck_assert_str_eq(b, "dgram");
	ck_assert_uint_eq(from.sin_addr.s_addr, htonl(INADDR_LOOPBACK));

	/* without a poll in between, the bounded queue drops the excess */
	for (i = 0; i < LOOP_SLOTS_ + 10; i++)
		ae_sendto(t, "x", 1, 0, &a);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "loop_drops"), 10);
	pump();
	ck_assert_uint_eq(ae_stack_next_timeout(S), AE_NEVER);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

/* as on Linux: a connected UDP socket learns of a closed local port */
START_TEST(udp_port_unreachable_locally)
{
	struct sockaddr_in a = sin_at(htonl(INADDR_LOOPBACK), 5999);
	struct ae_sock *u;
	char b[4];
	int err;

	u = ae_socket(S, SOCK_DGRAM, &err);
	ck_assert_int_eq(ae_connect(u, &a), 0);
	ck_assert_int_eq(ae_send(u, "x", 1, 0), 1);
	pump();
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "no_ports"), 1);
	ck_assert(ae_poll(u) & AE_EV_ERR);
	ck_assert_int_eq(ae_sock_error(u), -ECONNREFUSED);
	ck_assert_int_eq(ae_recv(u, b, sizeof(b), 0), -EAGAIN);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

START_TEST(martian_127_from_the_wire)
{
	uint8_t udp[64], fr[256];
	struct fake_ip h = { .src = FAKE_PEER,
			     .dst = htonl(INADDR_LOOPBACK), .proto = 17 };
	size_t n;

	n = fake_build_udp(udp, sizeof(udp), h.src, htons(1000), h.dst,
			   htons(7), "x", 1);
	n = fake_build_ipv4(fr, sizeof(fr), &h, udp, n);
	fake_input(S, fr, n);
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "in_addr_errors"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_datagrams"), 0);
}
END_TEST

START_TEST(ip_tos_ttl_on_the_wire)
{
	struct sockaddr_in a = sin_at(FAKE_PEER, 9);
	struct fake_parsed p;
	struct ae_sock *u, *t;
	int err, v = 0x10 | 0x3;
	size_t len = sizeof(v);

	fake_arp_seed(S);
	fake_frames_clear();
	u = ae_socket(S, SOCK_DGRAM, &err);
	ck_assert_int_eq(ae_setsockopt(u, IPPROTO_IP, IP_TOS, &v, sizeof(v)),
			 0);
	v = 7;
	ck_assert_int_eq(ae_setsockopt(u, IPPROTO_IP, IP_TTL, &v, sizeof(v)),
			 0);
	ck_assert_int_eq(ae_sendto(u, "t", 1, 0, &a), 1);
	ck_assert(fake_parse_frame(fake_find_frame(0x0800, 17, 0), &p));
	ck_assert_uint_eq(p.ip[1], 0x13);
	ck_assert_uint_eq(p.ttl, 7);
	v = 0x10 | 0x3;
	/* TCP keeps its own ECN bits, as on Linux */
	t = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_int_eq(ae_setsockopt(t, IPPROTO_IP, IP_TOS, &v, sizeof(v)),
			 0);
	v = -1;
	ck_assert_int_eq(ae_getsockopt(t, IPPROTO_IP, IP_TOS, &v, &len), 0);
	ck_assert_int_eq(v, 0x10);
	/* IP_TTL: 1..255 or -1 (the default, read back as 64), as Linux */
	ck_assert_int_eq(ae_getsockopt(t, IPPROTO_IP, IP_TTL, &v, &len), 0);
	ck_assert_int_eq(v, 64);
	v = 0;
	ck_assert_int_eq(ae_setsockopt(t, IPPROTO_IP, IP_TTL, &v, sizeof(v)),
			 -EINVAL);
	v = 200;
	ck_assert_int_eq(ae_setsockopt(t, IPPROTO_IP, IP_TTL, &v, sizeof(v)),
			 0);
	ck_assert_int_eq(ae_getsockopt(t, IPPROTO_IP, IP_TTL, &v, &len), 0);
	ck_assert_int_eq(v, 200);
}
END_TEST

START_TEST(bindtodevice_unbound_reads_empty)
{
	struct ae_sock *t, *u;
	char name[16] = "x";
	size_t len = sizeof(name);
	int err;

	/* Linux: a socket bound to no device reads SO_BINDTODEVICE as "" */
	t = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_int_eq(ae_getsockopt(t, SOL_SOCKET, SO_BINDTODEVICE, name,
				       &len), 0);
	ck_assert_uint_eq(len, 0);
	u = ae_socket(S, SOCK_DGRAM, &err);
	len = sizeof(name);
	ck_assert_int_eq(ae_getsockopt(u, SOL_SOCKET, SO_BINDTODEVICE, name,
				       &len), 0);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(linux_reported_sockopts)
{
	struct ae_sock *t;
	int err, v = 65536;
	size_t len = sizeof(v);

	t = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_int_eq(ae_setsockopt(t, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)),
			 0);
	ck_assert_int_eq(ae_getsockopt(t, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	ck_assert_int_eq(v, 131072);
	v = 1;
	ck_assert_int_eq(ae_setsockopt(t, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)),
			 0);
	ck_assert_int_eq(ae_getsockopt(t, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	ck_assert_int_eq(v, 4608);
	v = 1 << 30;
	ck_assert_int_eq(ae_setsockopt(t, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)),
			 0);
	ck_assert_int_eq(ae_getsockopt(t, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	ck_assert_int_eq(v, 2 * 212992);
	v = 5;
	ck_assert_int_eq(ae_setsockopt(t, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v,
				       sizeof(v)), 0);
	ck_assert_int_eq(ae_getsockopt(t, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v,
				       &len), 0);
	ck_assert_int_eq(v, 7);
}
END_TEST

static Suite *loopback_suite(void)
{
	Suite *s = suite_create("loopback");
	TCase *tc = tcase_create("loopback");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, tcp_over_127_0_0_1);
	tcase_add_test(tc, tcp_over_own_address);
	tcase_add_test(tc, tcp_local_at_mtu_65520_with_offloads);
	tcase_add_test(tc, tcp_refused_locally);
	tcase_add_test(tc, loop_unserved_rules);
	tcase_add_test(tc, udp_over_loopback_and_queue_bound);
	tcase_add_test(tc, udp_port_unreachable_locally);
	tcase_add_test(tc, martian_127_from_the_wire);
	tcase_add_test(tc, ip_tos_ttl_on_the_wire);
	tcase_add_test(tc, linux_reported_sockopts);
	tcase_add_test(tc, bindtodevice_unbound_reads_empty);
	suite_add_tcase(s, tc);
	return s;
}

/**
 * main() - run the suite
 *
 * Return: EXIT_SUCCESS when every test passed
 */
int main(void)
{
	SRunner *sr = srunner_create(loopback_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
