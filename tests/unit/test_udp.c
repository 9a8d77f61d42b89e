// SPDX-License-Identifier: MIT
/**
 * DOC: test_udp.c - UDP input checks, sockets, queue bound, MSG_PEEK /
 * MSG_TRUNC, ports, connect filtering, output and unreachables
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fakedev.h"
#include "stack.h"

#define PORT	htons(7777)
#define SPORT	htons(5000)

static struct ae_stack *S;
static struct ae_sock *U;
static unsigned int cb_events;
static int cb_calls;

/**
 * cb() - records readiness callbacks
 * @sk:		socket
 * @ev:		events
 * @user:	unused
 */
static void cb(struct ae_sock *sk, unsigned int ev, void *user)
{
	(void)sk;
	(void)user;
	cb_events |= ev;
	cb_calls++;
}

/**
 * setup() - a fresh stack (and whatever the suite needs) per test
 */
static void setup(void)
{
	int err;

	S = fake_stack_create();
	fake_arp_seed(S);
	U = udp_socket(S, &err);
	ck_assert_ptr_nonnull(U);
	ck_assert_int_eq(err, 0);
	ck_assert_int_eq(udp_bind(U, 0, PORT), 0);
	U->cb = cb;
	cb_events = 0;
	cb_calls = 0;
}

/**
 * teardown() - destroy the stack and check that it freed everything
 */
static void teardown(void)
{
	/* sockets left open are the stack's to free: the leak check proves it */
	fake_stack_destroy(S);
}

/**
 * feed() - input a UDP datagram from the peer
 * @sport:	source port
 * @dport:	destination port
 * @data:	payload
 * @len:	its length
 */
static void feed(uint16_t sport, uint16_t dport, const void *data, size_t len)
{
	static uint8_t f[2048];
	size_t n = fake_udp_frame(f, sizeof(f), 0, sport, dport, data, len);

	fake_input(S, f, n);
}

/**
 * feed_raw() - input a UDP datagram given as bytes (header included)
 * @udp:	UDP header + payload
 * @len:	bytes
 */
static void feed_raw(const uint8_t *udp, size_t len)
{
	static uint8_t f[2048];
	struct fake_ip ip = { .proto = 17 };
	size_t n = fake_build_ipv4(f, sizeof(f), &ip, udp, len);

	fake_input(S, f, n);
}

START_TEST(test_receive)
{
	uint8_t buf[64];
	uint32_t from;
	uint16_t port;

	feed(SPORT, PORT, "hello", 5);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_datagrams"), 1);
	ck_assert(cb_events & AE_EV_IN);
	ck_assert(udp_poll(U) & AE_EV_IN);
	ck_assert_uint_eq(udp_rx_queued(U), 5);
	ck_assert_int_eq(udp_recvfrom(U, buf, sizeof(buf), 0, &from, &port), 5);
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_uint_eq(from, FAKE_PEER);
	ck_assert_uint_eq(port, SPORT);
	ck_assert(!(udp_poll(U) & AE_EV_IN));
	ck_assert(udp_poll(U) & AE_EV_OUT);
	ck_assert_int_eq(udp_recvfrom(U, buf, sizeof(buf), 0, NULL, NULL), -EAGAIN);
}
END_TEST

START_TEST(test_empty_datagram)
{
	uint8_t buf[4];

	feed(SPORT, PORT, NULL, 0);
	ck_assert(udp_poll(U) & AE_EV_IN);
	ck_assert_int_eq(udp_recvfrom(U, buf, sizeof(buf), 0, NULL, NULL), 0);
	ck_assert_int_eq(udp_recvfrom(U, buf, sizeof(buf), 0, NULL, NULL), -EAGAIN);
}
END_TEST

START_TEST(test_dgram_info)
{
	struct ae_dgram_info in = { .ttl = 7, .tos = 0x10,
				    .set = AE_DG_TTL | AE_DG_TOS }, out;
	struct fake_ip ip = { .proto = 17, .ttl = 9, .tos = 0x28 };
	struct fake_parsed p;
	uint8_t udp[8 + 2] = { 0x13, 0x88, 0x1e, 0x61, 0, 10, 0, 0, 'h', 'i' };
	static uint8_t f[256];
	uint8_t buf[8];

	/* sendmsg()'s IP_TTL/IP_TOS: this datagram only */
	ck_assert_int_eq(udp_sendmsg(U, "a", 1, 0, FAKE_PEER, htons(9), &in), 1);
	ck_assert_int_eq(udp_sendto(U, "b", 1, 0, FAKE_PEER, htons(9)), 1);
	ck_assert(fake_parse_frame(0, &p));
	ck_assert_uint_eq(p.ttl, 7);
	ck_assert_uint_eq(p.ip[1], 0x10);
	ck_assert(fake_parse_frame(1, &p));
	ck_assert_uint_eq(p.ttl, 64);
	ck_assert_uint_eq(p.ip[1], 0);
	/* IP_RECVTTL/IP_RECVTOS: the received header's fields */
	fake_input(S, f, fake_build_ipv4(f, sizeof(f), &ip, udp, sizeof(udp)));
	memset(&out, 0, sizeof(out));
	ck_assert_int_eq(udp_recvmsg(U, buf, sizeof(buf), MSG_PEEK, NULL, NULL,
				     &out), 2);
	ck_assert_uint_eq(out.ttl, 9);
	ck_assert_uint_eq(out.tos, 0x28);
	ck_assert_uint_eq(out.dst, FAKE_ADDR);
	ck_assert_uint_eq(out.set, AE_DG_TTL | AE_DG_TOS);
}
END_TEST

START_TEST(test_send)
{
	struct fake_parsed p;
	uint8_t data[300];
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	ck_assert_int_eq(udp_sendto(U, data, sizeof(data), 0, FAKE_PEER,
				    htons(53)), 300);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(fake_parse_frame(0, &p));
	ck_assert_ptr_nonnull(p.ip);
	ck_assert_mem_eq(p.eth_dst, fake_peer_mac, 6);
	ck_assert_uint_eq(p.proto, 17);
	ck_assert_uint_eq(p.src, FAKE_ADDR);
	ck_assert_uint_eq(p.dst, FAKE_PEER);
	ck_assert_uint_eq(p.l4len, 308);
	ck_assert_uint_eq(ld16(p.l4), 7777);
	ck_assert_uint_eq(ld16(p.l4 + 2), 53);
	ck_assert_uint_eq(ld16(p.l4 + 4), 308);
	ck_assert_uint_ne(ld16(p.l4 + 6), 0);
	ck_assert_uint_eq(fake_l4_csum(p.src, p.dst, 17, p.l4, p.l4len), 0);
	ck_assert_mem_eq(p.l4 + 8, data, 300);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "out_datagrams"), 1);
}
END_TEST

START_TEST(test_send_odd_lengths)
{
	struct fake_parsed p;
	uint8_t data[64];
	size_t len;

	memset(data, 0xab, sizeof(data));
	for (len = 0; len < 20; len++) {
		fake_frames_clear();
		ck_assert_int_eq(udp_sendto(U, data, len, 0, FAKE_PEER, htons(9)),
				 (ssize_t)len);
		ck_assert(fake_parse_frame(0, &p));
		ck_assert_uint_eq(fake_l4_csum(p.src, p.dst, 17, p.l4, p.l4len), 0);
	}
}
END_TEST

START_TEST(test_send_large_fragmented)
{
	static uint8_t data[8000];
	struct fake_parsed p;
	int i;

	ck_assert_int_eq(udp_sendto(U, data, sizeof(data), 0, FAKE_PEER,
				    htons(9)), 8000);
	ck_assert_int_eq(fake_frame_count(), 6);
	for (i = 0; i < 6; i++) {
		ck_assert(fake_parse_frame(i, &p));
		ck_assert_ptr_nonnull(p.ip);
	}
	ck_assert_int_eq(udp_sendto(U, data, 65508, 0, FAKE_PEER, htons(9)),
			 -EMSGSIZE);
}
END_TEST

START_TEST(test_send_resolves_first)
{
	struct fake_parsed p;
	uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 2 }, f[64];
	static const uint8_t mac9[6] = { 0x02, 0, 0, 0, 0, 9 };
	uint32_t ip9 = FAKE_IP(192, 168, 1, 9), us = FAKE_ADDR;
	size_t n;

	ck_assert_int_eq(udp_sendto(U, "x", 1, 0, ip9, htons(9)), 1);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(fake_parse_frame(0, &p));
	ck_assert_uint_eq(p.ethertype, 0x0806);
	memcpy(arp + 8, mac9, 6);
	memcpy(arp + 14, &ip9, 4);
	memcpy(arp + 18, fake_mac, 6);
	memcpy(arp + 24, &us, 4);
	n = fake_build_eth(f, sizeof(f), fake_mac, mac9, 0x0806, arp, 28);
	fake_input(S, f, n);
	ck_assert_int_eq(fake_frame_count(), 2);
	ck_assert(fake_parse_frame(1, &p));
	ck_assert_uint_eq(p.proto, 17);
	ck_assert_mem_eq(p.eth_dst, mac9, 6);
	ck_assert_uint_eq(p.dst, ip9);
}
END_TEST

START_TEST(test_send_broadcast_and_offlink)
{
	struct fake_parsed p;
	int one = 1;

	/* Linux: a broadcast route needs SO_BROADCAST, else EACCES */
	ck_assert_int_eq(udp_sendto(U, "b", 1, 0, FAKE_IP(192, 168, 1, 255),
				    htons(9)), -EACCES);
	ck_assert_int_eq(udp_connect(U, FAKE_IP(255, 255, 255, 255), htons(9)),
			 -EACCES);
	ck_assert_int_eq(fake_frame_count(), 0);
	ck_assert_int_eq(ae_setsockopt(U, SOL_SOCKET, SO_BROADCAST, &one,
				       sizeof(one)), 0);
	ck_assert_int_eq(udp_sendto(U, "b", 1, 0, FAKE_IP(192, 168, 1, 255),
				    htons(9)), 1);
	ck_assert_int_eq(udp_sendto(U, "g", 1, 0, FAKE_IP(1, 1, 1, 1),
				    htons(53)), 1);
	ck_assert(fake_parse_frame(0, &p));
	ck_assert_mem_eq(p.eth_dst, fake_bcast_mac, 6);
	ck_assert_uint_eq(p.dst, FAKE_IP(192, 168, 1, 255));
	ck_assert(fake_parse_frame(1, &p));
	ck_assert_mem_eq(p.eth_dst, fake_peer_mac, 6);	/* the gateway */
	ck_assert_uint_eq(p.dst, FAKE_IP(1, 1, 1, 1));
	ck_assert_uint_eq(fake_l4_csum(p.src, p.dst, 17, p.l4, p.l4len), 0);
}
END_TEST

START_TEST(test_port_unreachable)
{
	struct fake_parsed p;

	feed(SPORT, htons(9999), "knock", 5);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "no_ports"), 1);
	ck_assert_uint_eq(udp_rx_queued(U), 0);
	ck_assert_int_eq(fake_frame_count(), 1);
	ck_assert(fake_parse_frame(0, &p));
	ck_assert_uint_eq(p.proto, 1);
	ck_assert_uint_eq(p.l4[0], 3);
	ck_assert_uint_eq(p.l4[1], 3);
	ck_assert_uint_eq(ld16(p.l4 + 8 + 20 + 2), 9999);
}
END_TEST

START_TEST(test_zero_checksum_accepted)
{
	uint8_t d[16];
	uint8_t buf[16];

	memcpy(d, &(uint16_t){ SPORT }, 2);
	memcpy(d + 2, &(uint16_t){ PORT }, 2);
	st16(d + 4, 12);
	st16(d + 6, 0);		/* no checksum */
	memcpy(d + 8, "abcd", 4);
	feed_raw(d, 12);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_datagrams"), 1);
	ck_assert_int_eq(udp_recvfrom(U, buf, sizeof(buf), 0, NULL, NULL), 4);
	ck_assert_mem_eq(buf, "abcd", 4);
}
END_TEST

START_TEST(test_bad_checksum)
{
	uint8_t d[64];
	size_t n = fake_build_udp(d, sizeof(d), FAKE_PEER, SPORT, FAKE_ADDR,
				  PORT, "abcd", 4);

	d[9] ^= 1;
	feed_raw(d, n);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_csum_errors"), 1);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_datagrams"), 0);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "no_ports"), 0);
	ck_assert_uint_eq(udp_rx_queued(U), 0);
	ck_assert_int_eq(fake_frame_count(), 0);
	ck_assert_int_eq(cb_calls, 0);
}
END_TEST

START_TEST(test_length_field)
{
	uint8_t d[64], buf[64];
	size_t n;

	/* longer than the IP payload: truncated */
	n = fake_build_udp(d, sizeof(d), FAKE_PEER, SPORT, FAKE_ADDR, PORT,
			   "abcdefgh", 8);
	st16(d + 4, 17);
	feed_raw(d, n);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_truncated"), 1);
	/* shorter than a header */
	st16(d + 4, 7);
	feed_raw(d, n);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_errors"), 1);
	/* a header alone */
	feed_raw(d, 7);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_truncated"), 2);
	ck_assert_uint_eq(udp_rx_queued(U), 0);
	/* shorter than the IP payload: the extra bytes are ignored */
	n = fake_build_udp(d, sizeof(d), FAKE_PEER, SPORT, FAKE_ADDR, PORT,
			   "abc", 3);
	memcpy(d + n, "XYZ", 3);
	feed_raw(d, n + 3);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_datagrams"), 1);
	ck_assert_int_eq(udp_recvfrom(U, buf, sizeof(buf), 0, NULL, NULL), 3);
	ck_assert_mem_eq(buf, "abc", 3);
}
END_TEST

START_TEST(test_rcvbuf_bounds_queue)
{
	static uint8_t data[1000], buf[2000];
	int v = 1000, i;

	/* SO_RCVBUF 1000 reads 2304 (SOCK_MIN_RCVBUF); a datagram is refused
	 * once more than that is queued: 0, 1016 and 2032 queued get in */
	ck_assert_int_eq(ae_setsockopt(U, SOL_SOCKET, SO_RCVBUF, &v,
				       sizeof(v)), 0);
	for (i = 0; i < 5; i++)
		feed(SPORT, PORT, data, sizeof(data));
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_datagrams"), 3);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "rcvbuf_errors"), 2);
	ck_assert_int_eq(udp_recvfrom(U, buf, sizeof(buf), 0, NULL, NULL),
			 1000);
	feed(SPORT, PORT, data, sizeof(data));
	ck_assert_uint_eq(udp_rx_queued(U), 3000);
}
END_TEST

START_TEST(test_queue_overflow_and_wrap)
{
	static uint8_t data[1000], buf[2000];
	int i, queued = 0, round;
	uint32_t k = 0, r = 0;

	/* 1000 bytes + 16 of record header: 212992 / 1016 = 209 fit */
	for (i = 0; i < 300; i++) {
		memset(data, (uint8_t)i, sizeof(data));
		feed(SPORT, PORT, data, sizeof(data));
	}
	queued = (int)ae_stack_stat(S, "udp", "in_datagrams");
	ck_assert_int_eq(queued, 209);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "rcvbuf_errors"), 300 - 209);
	ck_assert_uint_eq(udp_rx_queued(U), 209 * 1000);
	for (i = 0; i < queued; i++) {
		ck_assert_int_eq(udp_recvfrom(U, buf, sizeof(buf), 0, NULL,
					      NULL), 1000);
		ck_assert_uint_eq(buf[0], (uint8_t)i);
		ck_assert_uint_eq(buf[999], (uint8_t)i);
	}
	ck_assert_int_eq(udp_recvfrom(U, buf, sizeof(buf), 0, NULL, NULL), -EAGAIN);
	/* Keep the ring part full while sizes vary: it wraps many times. */
	for (round = 0; round < 3000; round++) {
		size_t len = (k * 37) % 1400;

		memset(data, (uint8_t)k, sizeof(data));
		if (len > sizeof(data))
			len = sizeof(data);
		feed(SPORT, PORT, data, len);
		k++;
		if (round % 3 != 2 || udp_rx_queued(U) > 150000) {
			ssize_t n = udp_recvfrom(U, buf, sizeof(buf), 0, NULL, NULL);
			size_t want = (r * 37) % 1400;

			if (want > sizeof(data))
				want = sizeof(data);
			ck_assert_int_eq(n, (ssize_t)want);
			if (n)
				ck_assert_uint_eq(buf[n - 1], (uint8_t)r);
			r++;
		}
	}
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "rcvbuf_errors"), 300 - 209);
}
END_TEST

START_TEST(test_msg_trunc_and_peek)
{
	uint8_t data[100], buf[100];
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i + 1);
	feed(SPORT, PORT, data, 100);
	feed(SPORT, PORT, data, 100);
	feed(SPORT, PORT, data, 100);
	/* MSG_PEEK leaves it queued */
	ck_assert_int_eq(udp_recvfrom(U, buf, 10, MSG_PEEK, NULL, NULL), 10);
	ck_assert_mem_eq(buf, data, 10);
	ck_assert_uint_eq(udp_rx_queued(U), 300);
	/* MSG_PEEK | MSG_TRUNC reports the real size without consuming */
	ck_assert_int_eq(udp_recvfrom(U, buf, 10, MSG_PEEK | MSG_TRUNC, NULL,
				      NULL), 100);
	ck_assert_uint_eq(udp_rx_queued(U), 300);
	/* a short read returns what fits and discards the rest */
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(udp_recvfrom(U, buf, 10, 0, NULL, NULL), 10);
	ck_assert_mem_eq(buf, data, 10);
	ck_assert_uint_eq(buf[10], 0);
	ck_assert_uint_eq(udp_rx_queued(U), 200);
	/* MSG_TRUNC returns the full length (Linux), copies what fits */
	ck_assert_int_eq(udp_recvfrom(U, buf, 10, MSG_TRUNC, NULL, NULL), 100);
	ck_assert_uint_eq(udp_rx_queued(U), 100);
	ck_assert_int_eq(udp_recvfrom(U, buf, 0, MSG_TRUNC, NULL, NULL), 100);
	ck_assert_uint_eq(udp_rx_queued(U), 0);
}
END_TEST

START_TEST(test_ephemeral_ports)
{
	struct ae_sock *sk[200];
	uint16_t seen[200];
	int i, j, err;

	for (i = 0; i < 200; i++) {
		sk[i] = udp_socket(S, &err);
		ck_assert_ptr_nonnull(sk[i]);
		ck_assert_int_eq(udp_bind(sk[i], 0, 0), 0);
		seen[i] = ntohs(sk[i]->lport);
		ck_assert_uint_ge(seen[i], 32768);
		ck_assert_uint_le(seen[i], 60999);
		for (j = 0; j < i; j++)
			ck_assert_uint_ne(seen[i], seen[j]);
	}
	/* Not sequential from a fixed start: randomised. */
	ck_assert(seen[0] != 32768 || seen[1] != 32769);
	for (i = 0; i < 200; i += 2)
		udp_close(sk[i]);
}
END_TEST

START_TEST(test_autobind)
{
	struct ae_sock *sk;
	int err;

	sk = udp_socket(S, &err);
	ck_assert_int_eq(udp_sendto(sk, "a", 1, 0, FAKE_PEER, htons(9)), 1);
	ck_assert_uint_ge(ntohs(sk->lport), 32768);
	sk = udp_socket(S, &err);
	ck_assert_int_eq(udp_connect(sk, FAKE_PEER, htons(9)), 0);
	ck_assert_uint_ge(ntohs(sk->lport), 32768);
	ck_assert_uint_eq(sk->laddr, FAKE_ADDR);
	ck_assert_int_eq(udp_sendto(sk, "a", 1, 0, 0, 0), 1);
	sk = udp_socket(S, &err);
	ck_assert_int_eq(udp_sendto(sk, "a", 1, 0, 0, 0), -EDESTADDRREQ);
}
END_TEST

START_TEST(test_addrinuse)
{
	struct ae_sock *a, *b, *c;
	int err;

	a = udp_socket(S, &err);
	b = udp_socket(S, &err);
	ck_assert_int_eq(udp_bind(a, 0, PORT), -EADDRINUSE);
	ck_assert_int_eq(udp_bind(a, FAKE_ADDR, PORT), -EADDRINUSE);
	ck_assert_int_eq(udp_bind(a, FAKE_IP(10, 0, 0, 1), htons(1)),
			 -EADDRNOTAVAIL);
	ck_assert_int_eq(udp_bind(a, FAKE_ADDR, htons(1000)), 0);
	ck_assert_int_eq(udp_bind(a, FAKE_ADDR, htons(1001)), -EINVAL);
	ck_assert_int_eq(udp_bind(b, 0, htons(1000)), -EADDRINUSE);
	/* SO_REUSEADDR on both: allowed, as Linux does for UDP */
	a->reuseaddr = true;
	b->reuseaddr = true;
	ck_assert_int_eq(udp_bind(b, 0, htons(1000)), 0);
	c = udp_socket(S, &err);
	ck_assert_int_eq(udp_bind(c, 0, htons(1000)), -EADDRINUSE);
	c->reuseport = true;
	ck_assert_int_eq(udp_bind(c, 0, htons(1000)), -EADDRINUSE);
	/* closing frees the port */
	udp_close(U);
	U = NULL;
	ck_assert_int_eq(udp_bind(c, 0, PORT), 0);
}
END_TEST

START_TEST(test_connect_filters)
{
	struct ae_sock *c;
	uint8_t buf[16];
	int err;

	c = udp_socket(S, &err);
	ck_assert_int_eq(udp_bind(c, 0, htons(6000)), 0);
	ck_assert_int_eq(udp_connect(c, FAKE_PEER, htons(53)), 0);
	feed(htons(54), htons(6000), "no", 2);	/* wrong source port */
	ck_assert_uint_eq(udp_rx_queued(c), 0);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "no_ports"), 1);
	feed(htons(53), htons(6000), "yes", 3);
	ck_assert_int_eq(udp_recvfrom(c, buf, sizeof(buf), 0, NULL, NULL), 3);
	/* after disconnecting, any source is accepted again */
	ck_assert_int_eq(udp_connect(c, 0, 0), 0);	/* dissolve */
	feed(htons(54), htons(6000), "any", 3);
	ck_assert_int_eq(udp_recvfrom(c, buf, sizeof(buf), 0, NULL, NULL), 3);
}
END_TEST

START_TEST(test_most_specific_wins)
{
	struct ae_sock *w, *c;
	int err;

	w = udp_socket(S, &err);
	c = udp_socket(S, &err);
	w->reuseaddr = c->reuseaddr = true;
	ck_assert_int_eq(udp_bind(w, 0, htons(6001)), 0);
	ck_assert_int_eq(udp_bind(c, 0, htons(6001)), 0);
	ck_assert_int_eq(udp_connect(c, FAKE_PEER, SPORT), 0);
	feed(SPORT, htons(6001), "c", 1);
	feed(htons(1), htons(6001), "w", 1);
	ck_assert_uint_eq(udp_rx_queued(c), 1);
	ck_assert_uint_eq(udp_rx_queued(w), 1);
}
END_TEST

START_TEST(test_broadcast_to_all)
{
	static uint8_t f[256];
	struct ae_sock *b;
	struct fake_ip ip = { .proto = 17, .dst = FAKE_IP(192, 168, 1, 255),
			      .eth_dst = fake_bcast_mac };
	uint8_t d[32];
	size_t n;
	int err;

	b = udp_socket(S, &err);
	b->reuseaddr = U->reuseaddr = true;
	ck_assert_int_eq(udp_bind(b, 0, PORT), 0);
	n = fake_build_udp(d, sizeof(d), FAKE_PEER, SPORT, ip.dst, PORT, "hi", 2);
	n = fake_build_ipv4(f, sizeof(f), &ip, d, n);
	fake_input(S, f, n);
	ck_assert_uint_eq(udp_rx_queued(U), 2);
	ck_assert_uint_eq(udp_rx_queued(b), 2);
	ck_assert_int_eq(fake_frame_count(), 0);
}
END_TEST

static struct ae_sock *victim;

/**
 * closing_cb() - a callback that closes another socket (and itself)
 * @sk:		socket
 * @ev:		events
 * @user:	unused
 */
static void closing_cb(struct ae_sock *sk, unsigned int ev, void *user)
{
	(void)user;
	cb_calls++;
	if (!(ev & AE_EV_IN))
		return;
	if (victim) {
		struct ae_sock *v = victim;

		victim = NULL;
		udp_close(v);
	}
	udp_close(sk);
}

START_TEST(test_callback_closes_sockets)
{
	static uint8_t f[256];
	struct ae_sock *b[4];
	struct fake_ip ip = { .proto = 17, .dst = FAKE_IP(192, 168, 1, 255),
			      .eth_dst = fake_bcast_mac };
	uint8_t d[32];
	size_t n;
	int err, i;

	/* Four sockets share a port; the first callback closes another one
	 * and itself while the broadcast is being delivered. */
	for (i = 0; i < 4; i++) {
		b[i] = udp_socket(S, &err);
		b[i]->reuseaddr = true;
		ck_assert_int_eq(udp_bind(b[i], 0, htons(8000)), 0);
		b[i]->cb = closing_cb;
	}
	victim = b[1];
	n = fake_build_udp(d, sizeof(d), FAKE_PEER, SPORT, ip.dst, htons(8000),
			   "hi", 2);
	n = fake_build_ipv4(f, sizeof(f), &ip, d, n);
	cb_calls = 0;
	fake_input(S, f, n);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "in_datagrams"), 4);
	ck_assert_uint_eq(S->nsockets, 1);	/* only U is left */
}
END_TEST

START_TEST(test_shutdown_and_close)
{
	struct ae_sock *c;
	uint8_t buf[8];
	int err;

	ck_assert_int_eq(udp_shutdown(U, SHUT_RD), -ENOTCONN);
	c = udp_socket(S, &err);
	ck_assert_int_eq(udp_connect(c, FAKE_PEER, SPORT), 0);
	ck_assert_int_eq(udp_shutdown(c, SHUT_WR), 0);
	ck_assert_int_eq(udp_sendto(c, "a", 1, 0, 0, 0), -EPIPE);
	ck_assert_int_eq(udp_shutdown(c, SHUT_RD), 0);
	ck_assert_int_eq(udp_recvfrom(c, buf, sizeof(buf), 0, NULL, NULL), 0);
	ck_assert(udp_poll(c) & AE_EV_HUP);
	ck_assert_int_eq(udp_shutdown(c, 7), -EINVAL);
	cb_events = 0;
	udp_close(U);
	ck_assert_uint_eq(cb_events, AE_EV_FREE);
	U = NULL;
	feed(SPORT, PORT, "x", 1);
	ck_assert_uint_eq(ae_stack_stat(S, "udp", "no_ports"), 1);
}
END_TEST

START_TEST(test_max_sockets)
{
	struct ae_config cfg;
	struct ae_sock *a;
	int err, i;

	ae_stack_destroy(S);
	fake_config_default(&cfg);
	cfg.max_sockets = 4;
	S = fake_stack_new(&cfg);
	for (i = 0; i < 4; i++)
		ck_assert_ptr_nonnull(udp_socket(S, &err));
	a = udp_socket(S, &err);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(err, -EMFILE);
}
END_TEST

START_TEST(test_socket_alloc_failure)
{
	struct ae_sock *a;
	int err;

	fake_mem_fail_after(1);	/* the socket, not its buffer */
	a = udp_socket(S, &err);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(err, -ENOMEM);
	fake_mem_fail_after(-1);
}
END_TEST

/**
 * udp_suite() - the suite
 *
 * Return: suite
 */
static Suite *udp_suite(void)
{
	Suite *su = suite_create("udp");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_receive);
	tcase_add_test(tc, test_empty_datagram);
	tcase_add_test(tc, test_send);
	tcase_add_test(tc, test_send_odd_lengths);
	tcase_add_test(tc, test_send_large_fragmented);
	tcase_add_test(tc, test_send_resolves_first);
	tcase_add_test(tc, test_send_broadcast_and_offlink);
	tcase_add_test(tc, test_port_unreachable);
	tcase_add_test(tc, test_zero_checksum_accepted);
	tcase_add_test(tc, test_bad_checksum);
	tcase_add_test(tc, test_length_field);
	tcase_add_test(tc, test_queue_overflow_and_wrap);
	tcase_add_test(tc, test_rcvbuf_bounds_queue);
	tcase_add_test(tc, test_msg_trunc_and_peek);
	tcase_add_test(tc, test_ephemeral_ports);
	tcase_add_test(tc, test_autobind);
	tcase_add_test(tc, test_addrinuse);
	tcase_add_test(tc, test_dgram_info);
	tcase_add_test(tc, test_connect_filters);
	tcase_add_test(tc, test_most_specific_wins);
	tcase_add_test(tc, test_broadcast_to_all);
	tcase_add_test(tc, test_callback_closes_sockets);
	tcase_add_test(tc, test_shutdown_and_close);
	tcase_add_test(tc, test_max_sockets);
	tcase_add_test(tc, test_socket_alloc_failure);
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
	SRunner *sr = srunner_create(udp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
