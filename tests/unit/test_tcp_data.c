// SPDX-License-Identifier: MIT
/**
 * DOC: test_tcp_data.c - data transfer, windows, timers and loss recovery
 * against the fake peer, in virtual time
 */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>

#include "fakedev.h"
#include "stack.h"
#include "tcp.h"
#include "tcp_helpers.h"

static struct ae_stack *S;
static struct tconn C;

static void setup(void)
{
	S = th_fixture(&C);
}

static void teardown(void)
{
	fake_stack_destroy(S);
}

/**
 * passive_isn() - listener on port 80 and an accepted connection in C
 * @isn:	the peer's initial sequence number
 */
static void passive_isn(uint32_t isn)
{
	C.lsk = th_listener(S, TH_PORT, 16);
	th_accept_conn(S, &C, isn, NULL, 0);
}

/** fill() - deterministic test bytes */
static void fill(uint8_t *b, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)((i * 131 + seed) ^ (i >> 7));
}

START_TEST(sndbuf_rcvbuf_bound_established)
{
	static uint8_t buf[65536];
	struct tcp_sock *tp;
	int v = 4096, i;
	struct tpkt p;

	passive_isn(1000);
	tp = (struct tcp_sock *)C.sk;
	/* SO_SNDBUF after the rings exist: the ring keeps its size, what the
	 * app may queue follows the value set (Linux: sk_sndbuf / 2) */
	ck_assert_int_eq(ae_setsockopt(C.sk, SOL_SOCKET, SO_SNDBUF, &v,
				       sizeof(v)), 0);
	ck_assert_uint_eq(ae_sock_tx_limit(C.sk), 4096);
	ck_assert_int_eq(ae_send(C.sk, buf, sizeof(buf), 0), 4096);
	ck_assert_int_eq(ae_send(C.sk, buf, sizeof(buf), 0), -EAGAIN);
	ck_assert(!(ae_poll(C.sk) & AE_EV_OUT));
	/* SO_RCVBUF: the window offered from now is at most the value set */
	ck_assert_int_eq(ae_setsockopt(C.sk, SOL_SOCKET, SO_RCVBUF, &v,
				       sizeof(v)), 0);
	ck_assert_uint_eq(ae_sock_rx_limit(C.sk), 4096);
	/* the right edge offered before never moves back: fill up to it,
	 * read everything, and only then is the window the new bound */
	for (i = 0; i < 66; i++) {
		th_peer_send(S, &C, TH_F_ACK, buf, 1000);
		while (ae_recv(C.sk, buf, sizeof(buf), 0) > 0)
			;
	}
	th_run_ms(S, 50);
	ck_assert(th_last(&p));
	ck_assert_uint_le((uint32_t)p.win << tp->rcv_wscale, 4096);
	ck_assert_uint_gt(p.win, 0);
}
END_TEST

START_TEST(sequence_wraparound_both_ways)
{
	static uint8_t in[20000], got[20000], out[20000];
	struct tpkt p;
	size_t off = 0, n;
	uint32_t peer_isn = 0xfffff000;
	int cur;
	ssize_t r;

	passive_isn(peer_isn);
	fill(in, sizeof(in), 1);
	/* the peer's data crosses 2^32 */
	while (off < sizeof(in)) {
		n = sizeof(in) - off < 1000 ? sizeof(in) - off : 1000;
		th_peer_send(S, &C, TH_F_ACK, in + off, n);
		off += n;
	}
	ck_assert(C.peer_nxt < 0x10000);
	off = 0;
	while ((r = ae_recv(C.sk, got + off, sizeof(got) - off, 0)) > 0)
		off += (size_t)r;
	ck_assert_uint_eq(off, sizeof(in));
	ck_assert(!memcmp(in, got, sizeof(in)));
	th_run_ms(S, 41);	/* the last, short segment's ACK is delayed */
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.ack, C.peer_nxt);
	/* and ours: force our send sequence near 2^32 through the TCB */
	{
		struct tcp_sock *tp = (struct tcp_sock *)C.sk;
		uint32_t base = 0xffffe000;

		ck_assert_uint_eq(tp->snd_una, C.our_nxt);
		tp->snd_una = tp->snd_nxt = tp->snd_max = base;
		tp->snd_wl2 = base;
		tp->rtt_start = 0;
		C.our_nxt = base;
	}
	fill(out, sizeof(out), 2);
	fake_frames_clear();
	off = 0;
	while (off < sizeof(out)) {
		r = ae_send(C.sk, out + off, sizeof(out) - off, 0);
		ck_assert_int_gt(r, 0);
		off += (size_t)r;
	}
	uint32_t expect = 0xffffe000;
	size_t got_bytes = 0;
	for (int round = 0; round < 50 && got_bytes < sizeof(out); round++) {
		cur = 0;
		while (th_next(&cur, &p)) {
			if (p.seq == expect && p.len) {
				ck_assert(p.csum_ok);
				ck_assert(!memcmp(p.data, out + got_bytes, p.len));
				got_bytes += p.len;
				expect += (uint32_t)p.len;
			}
		}
		fake_frames_clear();
		C.our_nxt = expect;
		th_peer_send(S, &C, TH_F_ACK, NULL, 0);
	}
	ck_assert_uint_eq(got_bytes, sizeof(out));
	ck_assert(expect < 0x10000);
	ck_assert_uint_eq(((struct tcp_sock *)C.sk)->snd_una, expect);
}
END_TEST

START_TEST(rto_backoff_sequence)
{
	struct tpkt p;
	uint64_t t0, prev, gaps[6];
	int i;

	passive_isn(1);
	t0 = fake_clock_now();
	ck_assert_int_eq(ae_send(C.sk, "ping", 4, 0), 4);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.len, 4);
	prev = t0;
	for (i = 0; i < 6; i++) {
		fake_frames_clear();
		th_advance_to_next(S);
		ck_assert(th_last(&p));
		ck_assert_uint_eq(p.len, 4);
		ck_assert_uint_eq(p.seq, C.our_nxt);
		gaps[i] = fake_clock_now() - prev;
		prev = fake_clock_now();
	}
	/* RTT ~0 from the handshake: RTO = 200 ms minimum, then doubling */
	ck_assert_uint_eq(gaps[0], 200 * 1000000ULL);
	for (i = 1; i < 6; i++)
		ck_assert_uint_eq(gaps[i], gaps[i - 1] * 2);
	ck_assert_uint_eq(th_stat(S, "retrans_segs"), 6);
	/* Karn: the late ACK of a retransmitted segment yields no RTT sample,
	 * and the backoff ends */
	th_peer_ack(S, &C);
	ck_assert_uint_eq(((struct tcp_sock *)C.sk)->rxtshift, 0);
	ck_assert_uint_le(((struct tcp_sock *)C.sk)->srtt, 1000);
}
END_TEST

/**
 * sent_then_rto() - two segments out, then the retransmission timeout that
 * pulls SND.NXT back to SND.UNA; the frames so far are forgotten
 *
 * Return: SND.MAX, the sequence number after the two segments
 */
static uint32_t sent_then_rto(void)
{
	static uint8_t d[2920];
	uint32_t first;

	passive_isn(1);
	ck_assert_int_eq(ae_send(C.sk, d, sizeof(d), 0), sizeof(d));
	first = C.our_nxt;
	th_advance_to_next(S);		/* RTO: SND.NXT pulled back */
	fake_frames_clear();
	return first + sizeof(d);
}

START_TEST(pure_ack_after_rto_uses_snd_max)
{
	uint32_t snd_max = sent_then_rto();
	struct tpkt p;

	th_peer_send(S, &C, TH_F_ACK | TH_F_PSH, "0123456789", 10);
	th_run_ms(S, 50);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.len, 0);
	ck_assert_uint_eq(p.seq, snd_max);
}
END_TEST

/* the same for an ACK sent outside tcp_output() (tcp_send_ack(), here a
 * challenge ACK): two stacks answering each other's stale-sequence ACKs
 * with stale-sequence ACKs never advanced SND.UNA
 * (tests/fuzz/crashes/s2s-ack-storm-stale-seq) */
START_TEST(challenge_ack_after_rto_uses_snd_max)
{
	uint32_t snd_max = sent_then_rto();
	struct tseg t = { 0 };
	struct tpkt p;

	t.sport = C.peer_port;
	t.dport = C.port;
	t.seq = C.peer_nxt + 10;
	t.flags = TH_F_SYN;		/* in-window SYN: challenge ACK */
	th_send(S, &t);
	ck_assert_uint_eq(th_stat(S, "challenge_acks"), 1);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.len, 0);
	ck_assert_uint_eq(p.seq, snd_max);
}
END_TEST

/**
 * run_ms_arp_alive() - th_run_ms(), the peer answering ARP (re-seeded every
 * 20 s) but nothing else: a pure timeout, no host unreachable from a failed
 * ARP resolution (which Linux, and Aether, would report instead)
 * @ms:		milliseconds of virtual time
 */
static void run_ms_arp_alive(uint64_t ms)
{
	uint64_t done;

	for (done = 0; done < ms; done += 20000) {
		fake_arp_seed(S);
		th_run_ms(S, ms - done < 20000 ? ms - done : 20000);
	}
}

START_TEST(data_retransmit_gives_up)
{
	passive_isn(1);
	ck_assert_int_eq(ae_send(C.sk, "ping", 4, 0), 4);
	run_ms_arp_alive(30ULL * 60 * 1000);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSED);
	ck_assert_int_eq(ae_sock_error(C.sk), -ETIMEDOUT);
	ck_assert(C.events & AE_EV_ERR);
}
END_TEST

START_TEST(user_timeout)
{
	int v = 5000;

	passive_isn(1);
	ck_assert_int_eq(ae_setsockopt(C.sk, IPPROTO_TCP, TCP_USER_TIMEOUT, &v,
				       sizeof(v)), 0);
	ck_assert_int_eq(ae_send(C.sk, "ping", 4, 0), 4);
	th_run_ms(S, 4000);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_ESTABLISHED);
	th_run_ms(S, 10000);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSED);
	ck_assert_int_eq(ae_sock_error(C.sk), -ETIMEDOUT);
}
END_TEST

START_TEST(syn_lost_retransmit_then_timeout)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	unsigned int ev = 0;
	struct ae_sock *x;
	struct tpkt p;
	uint64_t t0 = fake_clock_now();
	uint64_t expect[] = { 1, 3, 7, 15, 31, 63 };
	int err, i;

	x = ae_socket(S, SOCK_STREAM, &err);
	ae_sock_set_callback(x, th_cb, &ev);
	a.sin_addr.s_addr = FAKE_PEER;
	a.sin_port = htons(80);
	ck_assert_int_eq(ae_connect(x, &a), -EINPROGRESS);
	for (i = 0; i < 6; i++) {
		fake_frames_clear();
		th_advance_to_next(S);
		ck_assert(th_last(&p));
		ck_assert_uint_eq(p.flags, TH_F_SYN);
		ck_assert_uint_eq(fake_clock_now() - t0, expect[i] * 1000000000ULL);
	}
	while (ae_sock_state(x) != TCPS_CLOSED &&
	       ae_stack_next_timeout(S) != UINT64_MAX) {
		fake_clock_set_ns(ae_stack_next_timeout(S));
		ae_stack_poll(S);
	}
	ck_assert_int_eq(ae_sock_state(x), TCPS_CLOSED);
	ck_assert_int_eq(ae_sock_error(x), -ETIMEDOUT);
	ck_assert(ev & AE_EV_ERR);
	ck_assert_uint_eq(fake_clock_now() - t0, 127 * 1000000000ULL);
}
END_TEST

START_TEST(synack_lost_retransmitted)
{
	struct tseg t = { 0 };
	struct tpkt p, q;
	struct ae_sock *c;

	C.lsk = th_listener(S, 80, 4);
	t.seq = 10;
	t.flags = TH_F_SYN;
	th_send(S, &t);
	ck_assert(th_last(&p));
	/* lost: the timer resends it after 1 s */
	fake_frames_clear();
	th_advance_to_next(S);
	ck_assert(th_last(&q));
	ck_assert_uint_eq(q.flags, TH_F_SYN | TH_F_ACK);
	ck_assert_uint_eq(q.seq, p.seq);
	/* and a retransmitted SYN also gets it again */
	fake_frames_clear();
	th_send(S, &t);
	ck_assert(th_last(&q));
	ck_assert_uint_eq(q.flags, TH_F_SYN | TH_F_ACK);
	t.seq = 11;
	t.ack = p.seq + 1;
	t.flags = TH_F_ACK;
	th_send(S, &t);
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), 0);
	/* without any answer, the half-open child dies after 5 retries */
	t.sport = 1234;
	t.seq = 10;
	t.flags = TH_F_SYN;
	th_send(S, &t);
	ck_assert_uint_eq(S->tcp->ntcb, 3);
	th_run_ms(S, 100000);
	ck_assert_uint_eq(S->tcp->ntcb, 2);
}
END_TEST

START_TEST(fin_lost_retransmitted)
{
	struct tpkt p;

	passive_isn(1);
	ae_close(C.sk);
	ck_assert(th_last(&p));
	ck_assert(p.flags & TH_F_FIN);
	fake_frames_clear();
	th_advance_to_next(S);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_FIN | TH_F_ACK);
	ck_assert_uint_eq(p.seq, C.our_nxt);
	th_peer_ack(S, &C);
	ck_assert_uint_eq(ae_sock_state(C.sk), TCPS_FIN_WAIT_2);
	th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
	th_run_ms(S, 61000);
	ck_assert_uint_eq(S->tcp->ntcb, 1);
}
END_TEST

START_TEST(orphan_fin_wait_2_times_out)
{
	passive_isn(1);
	ae_close(C.sk);
	th_peer_ack(S, &C);
	ck_assert_uint_eq(S->tcp->ntcb, 2);
	th_run_ms(S, 61000);
	ck_assert_uint_eq(S->tcp->ntcb, 1);
}
END_TEST

/**
 * last_sack() - the last segment we sent ACKs @ack and carries @n SACK
 * blocks, the first [@start, @end)
 * @ack:	expected acknowledgment number
 * @n:		expected number of blocks
 * @start:	first block's left edge (when @n > 0)
 * @end:	its right edge
 * @p:		the segment, decoded
 */
static void last_sack(uint32_t ack, int n, uint32_t start, uint32_t end,
		      struct tpkt *p)
{
	ck_assert(th_last(p));
	ck_assert_uint_eq(p->ack, ack);
	ck_assert_int_eq(p->nsack, n);
	if (n) {
		ck_assert_uint_eq(p->sack[0][0], start);
		ck_assert_uint_eq(p->sack[0][1], end);
	}
}

START_TEST(reordering_and_sack)
{
	static uint8_t d[3500], got[3000];
	struct tseg t = { 0 };
	struct tpkt p;
	uint32_t base;

	static const uint8_t opt[] = { 2, 4, 5, 0xb4, 4, 2, 1, 1 };

	C.lsk = th_listener(S, TH_PORT, 16);
	th_accept_conn(S, &C, 100, opt, sizeof(opt));
	fill(d, sizeof(d), 3);
	base = C.peer_nxt;
	t.sport = C.peer_port;
	t.dport = C.port;
	t.ack = C.our_nxt;
	t.flags = TH_F_ACK;
	/* segments 2 and 3 arrive before 1 */
	t.seq = base + 2000;
	t.data = d + 2000;
	t.len = 1000;
	th_send(S, &t);
	last_sack(base, 1, base + 2000, base + 3000, &p);
	t.seq = base + 1000;
	t.data = d + 1000;
	th_send(S, &t);
	last_sack(base, 1, base + 1000, base + 3000, &p);
	ck_assert_int_eq(ae_recv(C.sk, got, sizeof(got), 0), -EAGAIN);
	/* a duplicate of an out-of-order one changes nothing but is
	 * reported first, as a D-SACK (RFC 2883 4.2.2), then the range */
	th_send(S, &t);
	last_sack(base, 2, base + 1000, base + 2000, &p);
	ck_assert_uint_eq(p.sack[1][0], base + 1000);
	ck_assert_uint_eq(p.sack[1][1], base + 3000);
	t.seq = base;
	t.data = d;
	fake_frames_clear();
	th_send(S, &t);
	last_sack(base + 3000, 0, 0, 0, &p);
	ck_assert_int_eq(ae_recv(C.sk, got, sizeof(got), 0), 3000);
	ck_assert(!memcmp(d, got, 3000));
	ck_assert_uint_ge(th_stat(S, "ofo_queued"), 2);
	/* old data again, wholly and in part: D-SACK below the ACK, once */
	t.seq = base + 1000;
	t.data = d + 1000;
	th_send(S, &t);
	last_sack(base + 3000, 1, base + 1000, base + 2000, &p);
	t.seq = base + 2500;
	t.data = d + 2500;
	t.len = 1000;
	th_send(S, &t);
	last_sack(base + 3500, 1, base + 2500, base + 3000, &p);
	ck_assert_uint_eq(th_stat(S, "dsack_sent"), 3);
	ae_send(C.sk, "x", 1, 0);
	ck_assert(th_last(&p));
	ck_assert_int_eq(p.len, 1);
	ck_assert_int_eq(p.nsack, 0);
}
END_TEST

START_TEST(overlapping_segments)
{
	static uint8_t d[4000], got[4000];
	struct tseg t = { 0 };
	uint32_t base;

	passive_isn(100);
	fill(d, sizeof(d), 4);
	base = C.peer_nxt;
	t.sport = C.peer_port;
	t.dport = C.port;
	t.ack = C.our_nxt;
	t.flags = TH_F_ACK;
	t.seq = base + 500;
	t.data = d + 500;
	t.len = 1500;
	th_send(S, &t);		/* [500, 2000) out of order */
	t.seq = base + 1500;
	t.data = d + 1500;
	t.len = 2500;
	th_send(S, &t);		/* [1500, 4000) overlaps it */
	t.seq = base;
	t.data = d;
	t.len = 1000;
	th_send(S, &t);		/* [0, 1000) fills and overlaps */
	ck_assert_int_eq(ae_recv(C.sk, got, sizeof(got), 0), 4000);
	ck_assert(!memcmp(d, got, 4000));
	/* an old duplicate is acknowledged and ignored */
	th_send(S, &t);
	ck_assert_int_eq(ae_recv(C.sk, got, sizeof(got), 0), -EAGAIN);
}
END_TEST

START_TEST(fin_out_of_order)
{
	struct tseg t = { 0 };
	char b[16];
	uint32_t base;

	passive_isn(100);
	base = C.peer_nxt;
	t.sport = C.peer_port;
	t.dport = C.port;
	t.ack = C.our_nxt;
	t.flags = TH_F_ACK | TH_F_FIN;
	t.seq = base + 5;
	t.data = "world";
	t.len = 5;
	th_send(S, &t);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_ESTABLISHED);
	t.flags = TH_F_ACK;
	t.seq = base;
	t.data = "hello";
	th_send(S, &t);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSE_WAIT);
	ck_assert_int_eq(ae_recv(C.sk, b, sizeof(b), 0), 10);
	ck_assert_int_eq(ae_recv(C.sk, b, sizeof(b), 0), 0);
}
END_TEST

START_TEST(zero_window_and_persist)
{
	static uint8_t d[8000];
	struct tseg t = { 0 };
	struct tpkt p;
	uint64_t t0;
	int cur, probes = 0;

	passive_isn(1);
	fill(d, sizeof(d), 5);
	/* the peer closes its window */
	t.sport = C.peer_port;
	t.dport = C.port;
	t.seq = C.peer_nxt;
	t.ack = C.our_nxt;
	t.flags = TH_F_ACK;
	t.zero_win = true;
	th_send(S, &t);
	ck_assert_int_eq(ae_send(C.sk, d, sizeof(d), 0), sizeof(d));
	ck_assert_int_eq(th_count(), 0);
	t0 = fake_clock_now();
	th_run_ms(S, 10000);
	cur = 0;
	while (th_next(&cur, &p)) {
		ck_assert_uint_eq(p.len, 0);
		/* a probe: an old sequence number the peer must ACK */
		ck_assert_uint_eq(p.seq, C.our_nxt - 1);
		probes++;
	}
	ck_assert_int_ge(probes, 4);
	ck_assert_int_le(probes, 7);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_ESTABLISHED);
	(void)t0;
	/* the peer answers a probe with an open window: data flows */
	fake_frames_clear();
	t.zero_win = false;
	t.win = 4000;
	th_send(S, &t);
	ck_assert(th_count() >= 2);
	ck_assert(th_last(&p));
	ck_assert_uint_gt(p.len, 0);
}
END_TEST

START_TEST(receive_window_closes_and_reopens)
{
	struct ae_config cfg;
	static uint8_t d[1000];
	uint8_t got[8192];
	struct tpkt p;
	int i;

	fake_stack_destroy(S);
	fake_config_default(&cfg);
	cfg.rcvbuf = 8192;
	S = fake_stack_new(&cfg);
	fake_arp_seed(S);
	passive_isn(1);
	for (i = 0; i < 8; i++)
		th_peer_send(S, &C, TH_F_ACK, d, 1000);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.ack, C.peer_nxt);
	ck_assert_uint_lt(p.win, 1000);	/* 192 bytes left: advertised as is */
	/* more than fits: trimmed to the buffer and ACKed */
	fake_frames_clear();
	th_peer_send(S, &C, TH_F_ACK, d, 1000);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.ack, C.peer_nxt - 1000 + 192);
	C.peer_nxt = p.ack;
	ck_assert_uint_eq(p.win, 0);
	/* a zero-window probe gets the same answer */
	fake_frames_clear();
	th_peer_send(S, &C, TH_F_ACK, d, 1);
	C.peer_nxt--;
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.win, 0);
	ck_assert_uint_eq(p.ack, C.peer_nxt);
	/* the app reads: a window update goes out */
	fake_frames_clear();
	ck_assert_int_eq(ae_recv(C.sk, got, sizeof(got), 0), 8192);
	ck_assert(th_last(&p));
	ck_assert_uint_ge(p.win, 8000 >> (p.win > 8192 ? 0 : 0));
}
END_TEST

START_TEST(nagle_and_nodelay)
{
	struct tpkt p;
	int one = 1;

	passive_isn(1);
	ck_assert_int_eq(ae_send(C.sk, "a", 1, 0), 1);
	ck_assert_int_eq(th_count(), 1);
	/* one small segment in flight: Nagle holds the next */
	ck_assert_int_eq(ae_send(C.sk, "b", 1, 0), 1);
	ck_assert_int_eq(ae_send(C.sk, "c", 1, 0), 1);
	ck_assert_int_eq(th_count(), 1);
	C.our_nxt++;
	fake_frames_clear();
	th_peer_send(S, &C, TH_F_ACK, NULL, 0);
	ck_assert_int_eq(th_count(), 1);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.len, 2);
	ck_assert(!memcmp(p.data, "bc", 2));
	/* TCP_NODELAY: each write goes out */
	ae_setsockopt(C.sk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fake_frames_clear();
	ae_send(C.sk, "d", 1, 0);
	ae_send(C.sk, "e", 1, 0);
	ck_assert_int_eq(th_count(), 2);
	/* MSG_MORE corks a write */
	fake_frames_clear();
	ae_send(C.sk, "f", 1, MSG_MORE);
	ck_assert_int_eq(th_count(), 0);
	ae_send(C.sk, "g", 1, 0);
	ck_assert_int_eq(th_count(), 1);
}
END_TEST

START_TEST(delayed_ack_timing)
{
	static uint8_t d[1460];
	struct tcp_sock *tp;
	int i;

	passive_isn(1);
	tp = (struct tcp_sock *)C.sk;
	/* use up the quick ACKs of the start */
	for (i = 0; i < 20; i++)
		th_peer_send(S, &C, TH_F_ACK, d, 100);
	ck_assert_uint_eq(tp->quickacks, 0);
	/* one small segment: the ACK waits 40 ms */
	fake_frames_clear();
	th_peer_send(S, &C, TH_F_ACK, d, 100);
	ck_assert_int_eq(th_count(), 0);
	th_run_ms(S, 39);
	ck_assert_int_eq(th_count(), 0);
	th_run_ms(S, 2);
	ck_assert_int_eq(th_count(), 1);
	/* two full segments: ACK at once */
	fake_frames_clear();
	th_peer_send(S, &C, TH_F_ACK, d, 1460);
	ck_assert_int_eq(th_count(), 0);
	th_peer_send(S, &C, TH_F_ACK, d, 1460);
	ck_assert_int_eq(th_count(), 1);
	/* out-of-order data is ACKed at once */
	fake_frames_clear();
	C.peer_nxt += 10;
	th_peer_send(S, &C, TH_F_ACK, d, 10);
	ck_assert_int_eq(th_count(), 1);
}
END_TEST

START_TEST(fast_retransmit_newreno)
{
	static uint8_t d[14600];
	struct tcp_sock *tp;
	struct tpkt p;
	int cur = 0, n = 0, i;
	uint32_t first;

	passive_isn(1);
	tp = (struct tcp_sock *)C.sk;
	ck_assert_int_eq(ae_send(C.sk, d, sizeof(d), 0), sizeof(d));
	while (th_next(&cur, &p))
		n++;
	ck_assert_int_eq(n, 10);	/* initial window: 10 segments */
	first = C.our_nxt;
	/* segment 1 lost: three duplicate ACKs */
	fake_frames_clear();
	for (i = 0; i < 3; i++)
		th_peer_send(S, &C, TH_F_ACK, NULL, 0);
	ck_assert_uint_eq(th_stat(S, "fast_retrans"), 1);
	ck_assert(tp->flags & TF_INRECOVERY);
	cur = 0;
	ck_assert(th_next(&cur, &p));
	ck_assert_uint_eq(p.seq, first);
	ck_assert_uint_eq(p.len, 1460);
	/* partial ACK (segment 3 also lost): retransmit at once */
	fake_frames_clear();
	C.our_nxt = first + 2 * 1460;
	th_peer_send(S, &C, TH_F_ACK, NULL, 0);
	cur = 0;
	ck_assert(th_next(&cur, &p));
	ck_assert_uint_eq(p.seq, first + 2 * 1460);
	ck_assert(tp->flags & TF_INRECOVERY);
	/* full ACK ends recovery */
	C.our_nxt = first + sizeof(d);
	th_peer_send(S, &C, TH_F_ACK, NULL, 0);
	ck_assert(!(tp->flags & TF_INRECOVERY));
	ck_assert_uint_eq(tp->cwnd, tp->ssthresh);
	ck_assert_uint_eq(th_stat(S, "timeouts"), 0);
}
END_TEST

START_TEST(sack_recovery_retransmits_holes)
{
	static const uint8_t opt[] = { 2, 4, 5, 0xb4, 4, 2, 1, 1 };
	static uint8_t d[14600];
	uint8_t sack[12] = { 1, 1, 5, 10 };
	struct tseg t = { 0 };
	struct tpkt p;
	uint32_t first;
	int cur;

	C.lsk = th_listener(S, TH_PORT, 16);
	th_accept_conn(S, &C, 1, opt, sizeof(opt));
	ck_assert(((struct tcp_sock *)C.sk)->flags & TF_SACK);
	ck_assert_int_eq(ae_send(C.sk, d, sizeof(d), 0), sizeof(d));
	first = C.our_nxt;
	fake_frames_clear();
	/* segments 0 and 2 lost; the peer SACKs 1 and 3..9 */
	t.sport = C.peer_port;
	t.dport = C.port;
	t.seq = C.peer_nxt;
	t.ack = first;
	t.flags = TH_F_ACK;
	t.opt = sack;
	t.optlen = sizeof(sack);
	st32(sack + 4, first + 1460);
	st32(sack + 8, first + 2920);
	th_send(S, &t);
	uint8_t sack2[20] = { 1, 1, 5, 18 };
	st32(sack2 + 4, first + 3 * 1460);
	st32(sack2 + 8, first + 10 * 1460);
	st32(sack2 + 12, first + 1460);
	st32(sack2 + 16, first + 2920);
	t.opt = sack2;
	t.optlen = sizeof(sack2);
	th_send(S, &t);
	th_send(S, &t);
	ck_assert_uint_eq(th_stat(S, "fast_retrans"), 1);
	cur = 0;
	ck_assert(th_next(&cur, &p));
	ck_assert_uint_eq(p.seq, first);
	ck_assert(th_next(&cur, &p));
	ck_assert_uint_eq(p.seq, first + 2920);	/* the second hole */
}
END_TEST

START_TEST(keepalive_probes_and_expiry)
{
	int one = 1, idle = 10, intvl = 2, cnt = 3;
	struct tpkt p;

	passive_isn(1);
	ae_setsockopt(C.sk, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	ae_setsockopt(C.sk, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	ae_setsockopt(C.sk, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	ae_setsockopt(C.sk, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	th_run_ms(S, 9900);
	ck_assert_int_eq(th_count(), 0);
	th_run_ms(S, 200);
	ck_assert_int_eq(th_count(), 1);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.seq, C.our_nxt - 1);
	/* an answer resets it */
	th_peer_send(S, &C, TH_F_ACK, NULL, 0);
	fake_frames_clear();
	th_run_ms(S, 9000);
	ck_assert_int_eq(th_count(), 0);
	th_run_ms(S, 20000);
	ck_assert_int_eq(th_count(), 3);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSED);
	ck_assert_int_eq(ae_sock_error(C.sk), -ETIMEDOUT);
}
END_TEST

/**
 * ts_conn() - an accepted connection with timestamps, which has taken
 * "new" with TSval 0x200; @t is set up to send the next byte
 * @t:		segment template (uses @ts as its options)
 * @ts:		12 option bytes: NOP NOP TS, TSval at ts + 4
 */
static void ts_conn(struct tseg *t, uint8_t *ts)
{
	static const uint8_t syn[] = { 2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 1, 0,
				       0, 0, 0, 0 };
	char b[8];

	C.lsk = th_listener(S, TH_PORT, 16);
	th_accept_conn(S, &C, 1, syn, sizeof(syn));
	ck_assert(((struct tcp_sock *)C.sk)->flags & TF_TS);
	memset(t, 0, sizeof(*t));
	memcpy(ts, (const uint8_t[]){ 1, 1, 8, 10 }, 4);
	t->sport = C.peer_port;
	t->dport = C.port;
	t->seq = C.peer_nxt;
	t->ack = C.our_nxt;
	t->flags = TH_F_ACK;
	t->opt = ts;
	t->optlen = 12;
	t->data = "new";
	t->len = 3;
	st32(ts + 4, 0x200);
	th_send(S, t);
	ck_assert_int_eq(ae_recv(C.sk, b, 8, 0), 3);
	t->seq += 3;
}

START_TEST(paws_drops_old_timestamp)
{
	uint8_t ts[12] = { 0 };
	struct tseg t;
	char b[8];

	ts_conn(&t, ts);
	/* an older timestamp: dropped by PAWS */
	st32(ts + 4, 0x100);
	th_send(S, &t);
	ck_assert_int_eq(ae_recv(C.sk, b, 8, 0), -EAGAIN);
	ck_assert_uint_ge(th_stat(S, "in_out_of_window"), 1);
}
END_TEST

/*
 * Reordered pure ACKs fail PAWS by the dozen on a reordering path: each is
 * dropped, but only one ACK answers them per 500 ms (Linux's
 * tcp_invalid_ratelimit), while dropped data is always answered.
 */
START_TEST(paws_pure_ack_answers_rate_limited)
{
	uint8_t ts[12] = { 0 };
	struct tseg t;
	int i;

	ts_conn(&t, ts);
	t.data = NULL;
	t.len = 0;
	st32(ts + 4, 0x100);
	fake_frames_clear();
	for (i = 0; i < 10; i++)
		th_send(S, &t);
	ck_assert_int_eq(th_count(), 1);
	ck_assert_uint_eq(th_stat(S, "ack_skipped"), 9);
	fake_clock_advance_ms(499);
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 1);
	fake_clock_advance_ms(2);
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 2);
	/* old data is answered every time */
	t.data = "old";
	t.len = 3;
	th_send(S, &t);
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 4);
	ck_assert_uint_eq(th_stat(S, "drop_after_ack"), 14);
}
END_TEST

/**
 * icmp_about() - feed an ICMP error quoting a TCP segment of ours
 * @type:	ICMP type
 * @code:	ICMP code
 * @info:	the 32-bit field after the checksum (frag-needed: its MTU)
 * @sport:	our port, host order
 * @dport:	the peer's port, host order
 * @seq:	the quoted sequence number
 */
static void icmp_about(uint8_t type, uint8_t code, uint32_t info,
		       uint16_t sport, uint16_t dport, uint32_t seq)
{
	uint8_t icmp[8 + 20 + 8], frame[200];
	struct fake_ip ip = { .proto = 1 };
	size_t n;

	memset(icmp, 0, sizeof(icmp));
	icmp[0] = type;
	icmp[1] = code;
	st32(icmp + 4, info);
	icmp[8] = 0x45;
	icmp[8 + 9] = 6;
	memcpy(icmp + 8 + 12, &(uint32_t){ FAKE_ADDR }, 4);
	memcpy(icmp + 8 + 16, &(uint32_t){ FAKE_PEER }, 4);
	st16(icmp + 28, sport);
	st16(icmp + 30, dport);
	st32(icmp + 32, seq);
	st16(icmp + 2, fake_csum(icmp, sizeof(icmp)));
	n = fake_build_ipv4(frame, sizeof(frame), &ip, icmp, sizeof(icmp));
	fake_input(S, frame, n);
}

/**
 * frag_needed() - send data, answer its first segment with ICMP frag-needed
 * @mtu:	next-hop MTU the ICMP message quotes
 *
 * Return: the connection's MSS afterwards
 */
static uint32_t frag_needed(uint16_t mtu)
{
	static uint8_t d[3000];
	struct tpkt p;
	int cur = 0, one = 1;

	passive_isn(1);
	ae_setsockopt(C.sk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ae_send(C.sk, d, sizeof(d), 0);
	ck_assert(th_next(&cur, &p));
	fake_frames_clear();
	icmp_about(3, 4, mtu, C.port, C.peer_port, p.seq);
	ck_assert(th_last(&p));
	ck_assert_uint_le(p.len, ((struct tcp_sock *)C.sk)->mss);
	ck_assert_uint_gt(p.len, 0);
	return ((struct tcp_sock *)C.sk)->mss;
}

START_TEST(icmp_frag_needed_lowers_mss)
{
	ck_assert_uint_eq(frag_needed(1000), 960);
}
END_TEST

/* RFC 5927 7: a forged MTU of 68 is taken as Linux's floor of 552 */
START_TEST(icmp_frag_needed_floor)
{
	ck_assert_uint_eq(frag_needed(68), TCP_MIN_PMTU - 40);
}
END_TEST

START_TEST(icmp_unreachable_in_syn_sent)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct tpkt p;
	struct ae_sock *x;
	int err;

	x = ae_socket(S, SOCK_STREAM, &err);
	a.sin_addr.s_addr = FAKE_PEER;
	a.sin_port = htons(80);
	ae_connect(x, &a);
	ck_assert(th_last(&p));
	/* host unreachable about a sequence we never sent: ignored */
	icmp_about(3, 1, 0, p.sport, 80, p.seq + 1000);
	ck_assert_int_eq(ae_sock_state(x), TCPS_SYN_SENT);
	icmp_about(4, 0, 0, p.sport, 80, p.seq);	/* source quench: nothing */
	icmp_about(3, 16, 0, p.sport, 80, p.seq);	/* unknown code: nothing */
	ck_assert_int_eq(ae_sock_state(x), TCPS_SYN_SENT);
	icmp_about(3, 1, 0, p.sport, 80, p.seq);
	ck_assert_int_eq(ae_sock_state(x), TCPS_CLOSED);
	ck_assert_int_eq(ae_sock_error(x), -EHOSTUNREACH);
	ae_close(x);
}
END_TEST

/* Linux's icmp_err_convert(): each error aborts SYN-SENT with its errno */
START_TEST(icmp_errnos_in_syn_sent)
{
	static const struct { uint8_t type, code; int err; } t[] = {
		{ 3, 0, ENETUNREACH }, { 3, 2, ENOPROTOOPT },
		{ 3, 3, ECONNREFUSED }, { 3, 7, EHOSTDOWN }, { 3, 8, ENONET },
		{ 3, 13, EHOSTUNREACH }, { 11, 0, EHOSTUNREACH },
		{ 12, 0, EPROTO },
	};
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = FAKE_PEER,
				 .sin_port = htons(80) };
	struct tpkt p;
	struct ae_sock *x;
	unsigned int i;
	int err;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		x = ae_socket(S, SOCK_STREAM, &err);
		fake_frames_clear();
		ck_assert_int_eq(ae_connect(x, &a), -EINPROGRESS);
		ck_assert(th_last(&p));
		icmp_about(t[i].type, t[i].code, 0, p.sport, 80, p.seq);
		ck_assert_int_eq(ae_sock_state(x), TCPS_CLOSED);
		ck_assert_int_eq(ae_sock_error(x), -t[i].err);
		ae_close(x);
	}
}
END_TEST

/*
 * RFC 1122 4.2.3.9, Linux's tcp_v4_err(): on a synchronized connection an
 * ICMP error is soft. SO_ERROR reads (and clears) it; an ACK that shows the
 * path works forgets it; a connection that then times out reports it
 * instead of ETIMEDOUT (tcp_write_err()).
 */
START_TEST(icmp_soft_error_established)
{
	static uint8_t d[100];
	size_t len;
	struct tpkt p;
	int v = -1;

	passive_isn(1);
	fake_frames_clear();
	ae_send(C.sk, d, sizeof(d), 0);
	ck_assert(th_last(&p));
	icmp_about(3, 1, 0, C.port, C.peer_port, p.seq);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_ESTABLISHED);
	ck_assert_int_eq(ae_sock_error(C.sk), 0);	/* no hard error */
	len = sizeof(v);
	ck_assert_int_eq(ae_getsockopt(C.sk, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	ck_assert_int_eq(v, EHOSTUNREACH);
	ae_getsockopt(C.sk, SOL_SOCKET, SO_ERROR, &v, &len);
	ck_assert_int_eq(v, 0);				/* read once */
	icmp_about(3, 1, 0, C.port, C.peer_port, p.seq);
	th_peer_ack(S, &C);				/* the path works */
	ae_getsockopt(C.sk, SOL_SOCKET, SO_ERROR, &v, &len);
	ck_assert_int_eq(v, 0);
	fake_frames_clear();
	ae_send(C.sk, d, sizeof(d), 0);
	ck_assert(th_last(&p));
	icmp_about(3, 0, 0, C.port, C.peer_port, p.seq);
	run_ms_arp_alive(1000 * 1000);			/* never acknowledged */
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSED);
	ck_assert_int_eq(ae_sock_error(C.sk), -ENETUNREACH);
}
END_TEST

START_TEST(tcp_info_and_options)
{
	struct tcp_info ti;
	size_t len = sizeof(ti);
	char cc[16];
	int v;

	passive_isn(1);
	ck_assert_int_eq(ae_getsockopt(C.sk, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	ck_assert_uint_eq(ti.tcpi_state, 1);	/* TCP_ESTABLISHED */
	ck_assert_uint_eq(ti.tcpi_snd_mss, 1460);
	ck_assert_uint_eq(ti.tcpi_snd_cwnd, 10);
	ck_assert_int_eq(ae_tcp_info(C.sk, &ti), 0);
	len = sizeof(cc);
	ck_assert_int_eq(ae_getsockopt(C.sk, IPPROTO_TCP, TCP_CONGESTION, cc,
				       &len), 0);
	ck_assert_str_eq(cc, "cubic");
	ck_assert_int_eq(ae_setsockopt(C.sk, IPPROTO_TCP, TCP_CONGESTION,
				       "reno", 4), 0);
	len = sizeof(cc);
	ae_getsockopt(C.sk, IPPROTO_TCP, TCP_CONGESTION, cc, &len);
	ck_assert_str_eq(cc, "reno");
	ck_assert_int_eq(ae_setsockopt(C.sk, IPPROTO_TCP, TCP_CONGESTION,
				       "vegas", 5), -ENOENT);
	ck_assert_int_eq(ae_setsockopt(C.sk, IPPROTO_TCP, TCP_CONGESTION,
				       "bbr", 3), 0);
	len = sizeof(cc);
	ae_getsockopt(C.sk, IPPROTO_TCP, TCP_CONGESTION, cc, &len);
	ck_assert_str_eq(cc, "bbr");
	len = sizeof(v);
	ck_assert_int_eq(ae_getsockopt(C.sk, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	ck_assert_int_eq(v, 0);
}
END_TEST

START_TEST(ring_api_matches_send_recv)
{
	struct ae_ring *rx, *tx;
	struct tpkt p;

	passive_isn(1);
	rx = ae_sock_rxring(C.sk);
	tx = ae_sock_txring(C.sk);
	ck_assert_ptr_nonnull(rx->mem);
	memcpy(tx->mem + (tx->tail & (tx->size - 1)), "ring", 4);
	ae_sock_tx_committed(C.sk, 4);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.len, 4);
	ck_assert(!memcmp(p.data, "ring", 4));
	th_peer_send(S, &C, TH_F_ACK, "abc", 3);
	ck_assert_uint_eq(rx->tail - rx->head, 3);
	ck_assert(!memcmp(rx->mem + (rx->head & (rx->size - 1)), "abc", 3));
	ae_sock_rx_consumed(C.sk, 3);
	ck_assert_uint_eq(rx->tail - rx->head, 0);
}
END_TEST

START_TEST(early_retransmit_small_window)
{
	static const uint8_t opt[] = { 2, 4, 5, 0xb4, 4, 2, 1, 1 };
	static uint8_t d[3 * 1460];
	uint8_t sack[12] = { 1, 1, 5, 10 };
	struct tseg t = { 0 };
	struct tpkt p;
	uint32_t first;

	C.lsk = th_listener(S, TH_PORT, 16);
	th_accept_conn(S, &C, 1, opt, sizeof(opt));
	ck_assert_int_eq(ae_send(C.sk, d, sizeof(d), 0), sizeof(d));
	first = C.our_nxt;
	fake_frames_clear();
	/* three segments out, the first lost: only two dup ACKs can come */
	t.sport = C.peer_port;
	t.dport = C.port;
	t.seq = C.peer_nxt;
	t.ack = first;
	t.flags = TH_F_ACK;
	t.opt = sack;
	t.optlen = sizeof(sack);
	st32(sack + 4, first + 1460);
	st32(sack + 8, first + 2920);
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 0);
	st32(sack + 8, first + 4380);
	th_send(S, &t);
	ck_assert_uint_eq(th_stat(S, "fast_retrans"), 1);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.seq, first);
	ck_assert_uint_eq(p.len, 1460);
}
END_TEST

START_TEST(small_window_no_stall)
{
	static uint8_t d[3000];
	struct tseg t = { 0 };
	struct tpkt p;
	int cur = 0;
	size_t total = 0;

	passive_isn(1);
	/* a peer window below MSS and below half its maximum: Nagle and SWS
	 * avoidance hold the data; the persist timer must push it */
	t.sport = C.peer_port;
	t.dport = C.port;
	t.seq = C.peer_nxt;
	t.ack = C.our_nxt;
	t.flags = TH_F_ACK;
	t.win = 500;
	th_send(S, &t);
	ck_assert_int_eq(ae_send(C.sk, d, sizeof(d), 0), sizeof(d));
	th_run_ms(S, 1000);
	while (th_next(&cur, &p))
		total += p.len;
	ck_assert_uint_ge(total, 500);
}
END_TEST

START_TEST(poll_masks)
{
	struct ae_sock *x;
	int err;

	x = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_uint_eq(ae_poll(x), AE_EV_OUT | AE_EV_HUP);
	ae_close(x);
	passive_isn(1);
	ck_assert_uint_eq(ae_poll(C.sk), AE_EV_OUT);
	th_peer_send(S, &C, TH_F_ACK, "x", 1);
	ck_assert_uint_eq(ae_poll(C.sk), AE_EV_OUT | AE_EV_IN);
	th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
	ck_assert_uint_eq(ae_poll(C.sk), AE_EV_OUT | AE_EV_IN | AE_EV_RDHUP);
	ae_shutdown(C.sk, SHUT_WR);
	ck_assert(ae_poll(C.sk) & AE_EV_HUP);
}
END_TEST

START_TEST(connect_again_after_failure)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct tseg t = { 0 };
	struct tpkt p;
	struct ae_sock *x;
	int err;

	x = ae_socket(S, SOCK_STREAM, &err);
	a.sin_addr.s_addr = FAKE_PEER;
	a.sin_port = htons(81);
	ck_assert_int_eq(ae_connect(x, &a), -EINPROGRESS);
	ck_assert(th_last(&p));
	t.sport = 81;
	t.dport = p.sport;
	t.ack = p.seq + 1;
	t.flags = TH_F_RST | TH_F_ACK;
	th_send(S, &t);
	ck_assert_int_eq(ae_sock_error(x), -ECONNREFUSED);
	fake_frames_clear();
	ck_assert_int_eq(ae_connect(x, &a), -EINPROGRESS);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_SYN);
	ck_assert_int_eq(ae_sock_state(x), TCPS_SYN_SENT);
}
END_TEST

START_TEST(window_scaling_both_ways)
{
	/* the peer offers wscale 7 and its windows are scaled by 128 */
	static const uint8_t opt[] = { 2, 4, 5, 0xb4, 1, 3, 3, 7 };
	static uint8_t d[100000];
	struct tcp_sock *tp;
	struct tseg t = { 0 };
	struct tpkt p;
	int cur = 0;
	size_t total = 0;

	C.lsk = th_listener(S, TH_PORT, 16);
	th_accept_conn(S, &C, 1, opt, sizeof(opt));
	tp = (struct tcp_sock *)C.sk;
	ck_assert(tp->flags & TF_WSCALE);
	ck_assert_uint_eq(tp->snd_wscale, 7);
	/* the handshake's last ACK already carries a scaled window */
	ck_assert_uint_eq(tp->snd_wnd, 65535u << 7);
	t.sport = C.peer_port;
	t.dport = C.port;
	t.seq = C.peer_nxt;
	t.ack = C.our_nxt;
	t.flags = TH_F_ACK;
	t.win = 1000;		/* 128000 bytes */
	th_send(S, &t);
	ck_assert_uint_eq(tp->snd_wnd, 128000);
	/* our window is scaled too: the shift fits the 4 MiB ring (7), the
	 * window offered is the autotuned 256 KiB less what is queued */
	th_peer_send(S, &C, TH_F_ACK, "x", 1);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(tp->rcv_wscale, 7);
	ck_assert_uint_ge((uint32_t)p.win << 7, 200000);
	ck_assert_uint_le((uint32_t)p.win << 7, TCP_RCVBUF_INIT);
	/* the sender may fill the peer's scaled window, cwnd permitting */
	tp->cwnd = 1u << 20;
	fake_frames_clear();
	ae_send(C.sk, d, sizeof(d), 0);
	while (th_next(&cur, &p))
		total += p.len;
	/* all but a sub-MSS tail that Nagle holds while data is in flight */
	ck_assert_uint_gt(total, sizeof(d) - 1460);
}
END_TEST

/**
 * drop_frames() - forget the first @n recorded frames, keep the rest
 * @n:		count
 */
static void drop_frames(int n)
{
	static uint8_t keep[FAKE_MAX_FRAMES][FAKE_FRAME_CAP];
	static size_t len[FAKE_MAX_FRAMES];
	int i, k = 0, total = fake_frame_count();

	for (i = n; i < total && k < FAKE_MAX_FRAMES; i++, k++) {
		const uint8_t *f = fake_frame(i, &len[k]);

		memcpy(keep[k], f, len[k]);
	}
	fake_frames_clear();
	for (i = 0; i < k; i++) {
		struct iovec v = { .iov_base = keep[i], .iov_len = len[i] };

		fake_output(NULL, &v, 1);
	}
}

/**
 * grow() - ACK everything we sent, segment by segment, for @rounds RTTs
 * @rounds:	round trips
 * @rtt_ms:	virtual time per round trip
 */
static void grow(int rounds, int rtt_ms)
{
	static uint8_t d[65536];
	struct tpkt p;
	int r, i, n;

	for (r = 0; r < rounds; r++) {
		while (ae_send(C.sk, d, sizeof(d), 0) > 0)
			;
		th_run_ms(S, (uint64_t)rtt_ms);
		/* one round trip: ACK what was in flight, not what these ACKs
		 * release (that is the next round) */
		n = fake_frame_count();
		for (i = 0; i < n; i++) {
			if (!th_get(i, &p) || !p.len)
				continue;
			C.our_nxt = p.seq + (uint32_t)p.len;
			th_peer_send(S, &C, TH_F_ACK, NULL, 0);
		}
		/* keep what these ACKs released for the next round */
		drop_frames(n);
	}
}

START_TEST(cubic_and_reno_growth)
{
	struct tcp_sock *tp;
	uint32_t reno = 0, cubic = 0;
	int i;

	for (i = 0; i < 2; i++) {
		if (i) {
			fake_stack_destroy(S);
			setup();
		}
		passive_isn(1);
		tp = (struct tcp_sock *)C.sk;
		if (!i)
			ck_assert_int_eq(ae_setsockopt(C.sk, IPPROTO_TCP,
						       TCP_CONGESTION, "reno",
						       4), 0);
		/* leave slow start right away, as after a loss */
		tp->ssthresh = tp->cwnd;
		grow(40, 10);
		if (!i)
			reno = tp->cwnd;
		else
			cubic = tp->cwnd;
		ck_assert_uint_gt(tp->cwnd, 10u * tp->mss);
	}
	/* Reno adds one MSS per RTT: ~40 segments more; CUBIC at these
	 * small windows and short RTTs is Reno-friendly or faster */
	ck_assert_uint_le(reno, 60u * 1460);
	ck_assert_uint_ge(reno, 30u * 1460);
	ck_assert_uint_ge(cubic, reno * 9 / 10);
}
END_TEST

START_TEST(rst_to_listener_ignored)
{
	struct tseg t = { 0 };

	C.lsk = th_listener(S, TH_PORT, 4);
	t.flags = TH_F_RST;
	th_send(S, &t);
	t.flags = TH_F_RST | TH_F_ACK;
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 0);
	ck_assert_int_eq(ae_sock_state(C.lsk), TCPS_LISTEN);
}
END_TEST

START_TEST(close_in_syn_sent)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	unsigned int ev = 0;
	struct ae_sock *x;
	int err;

	x = ae_socket(S, SOCK_STREAM, &err);
	ae_sock_set_callback(x, th_cb, &ev);
	a.sin_addr.s_addr = FAKE_PEER;
	a.sin_port = htons(80);
	ck_assert_int_eq(ae_connect(x, &a), -EINPROGRESS);
	fake_frames_clear();
	ae_close(x);
	ck_assert_int_eq(th_count(), 0);	/* no RST before a SYN-ACK */
	ck_assert(ev & AE_EV_FREE);
	ck_assert_uint_eq(S->tcp->ntcb, 0);
	ck_assert_uint_eq(tcp_next_timeout(S), AE_NEVER);
}
END_TEST

START_TEST(tail_loss_probe)
{
	static const uint8_t opt[] = { 2, 4, 5, 0xb4, 4, 2, 1, 1 };
	static uint8_t d[5 * 1460];
	uint8_t sack[12] = { 1, 1, 5, 10 };
	struct tcp_sock *tp;
	struct tseg t = { 0 };
	struct tpkt p;
	uint32_t first;
	uint64_t t0;

	C.lsk = th_listener(S, TH_PORT, 16);
	th_accept_conn(S, &C, 1, opt, sizeof(opt));
	tp = (struct tcp_sock *)C.sk;
	/* an RTT of 50 ms from a first exchange */
	ae_send(C.sk, "x", 1, 0);
	th_run_ms(S, 50);
	th_peer_ack(S, &C);
	ck_assert(tp->flags & TF_RTT_VALID);
	fake_frames_clear();
	ck_assert_int_eq(ae_send(C.sk, d, sizeof(d), 0), sizeof(d));
	first = C.our_nxt;
	/* the last three segments are lost: no dup ACKs can come. The probe
	 * (the last segment again) goes out at 2 SRTT, well before the RTO */
	C.our_nxt = first + 2 * 1460;
	th_peer_send(S, &C, TH_F_ACK, NULL, 0);
	fake_frames_clear();
	t0 = fake_clock_now();
	th_advance_to_next(S);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.seq, first + 4 * 1460);
	ck_assert_uint_eq(p.len, 1460);
	ck_assert_uint_lt(fake_clock_now() - t0, 150 * 1000000ULL);
	ck_assert_uint_eq(th_stat(S, "tlp_probes"), 1);
	ck_assert_uint_eq(th_stat(S, "timeouts"), 0);
	/* its SACK reveals the two segments before it: recovery at once */
	fake_frames_clear();
	t.sport = C.peer_port;
	t.dport = C.port;
	t.seq = C.peer_nxt;
	t.ack = first + 2 * 1460;
	t.flags = TH_F_ACK;
	t.opt = sack;
	t.optlen = sizeof(sack);
	st32(sack + 4, first + 4 * 1460);
	st32(sack + 8, first + 5 * 1460);
	th_send(S, &t);
	ck_assert_uint_eq(th_stat(S, "fast_retrans"), 1);
	ck_assert(th_last(&p) && p.seq == first + 2 * 1460);
}
END_TEST

static Suite *tcp_data_suite(void)
{
	Suite *s = suite_create("tcp_data");
	TCase *tc = tcase_create("data");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sequence_wraparound_both_ways);
	tcase_add_test(tc, sndbuf_rcvbuf_bound_established);
	tcase_add_test(tc, rto_backoff_sequence);
	tcase_add_test(tc, pure_ack_after_rto_uses_snd_max);
	tcase_add_test(tc, challenge_ack_after_rto_uses_snd_max);
	tcase_add_test(tc, data_retransmit_gives_up);
	tcase_add_test(tc, user_timeout);
	tcase_add_test(tc, syn_lost_retransmit_then_timeout);
	tcase_add_test(tc, synack_lost_retransmitted);
	tcase_add_test(tc, fin_lost_retransmitted);
	tcase_add_test(tc, orphan_fin_wait_2_times_out);
	tcase_add_test(tc, reordering_and_sack);
	tcase_add_test(tc, overlapping_segments);
	tcase_add_test(tc, fin_out_of_order);
	tcase_add_test(tc, zero_window_and_persist);
	tcase_add_test(tc, receive_window_closes_and_reopens);
	tcase_add_test(tc, nagle_and_nodelay);
	tcase_add_test(tc, delayed_ack_timing);
	tcase_add_test(tc, fast_retransmit_newreno);
	tcase_add_test(tc, sack_recovery_retransmits_holes);
	tcase_add_test(tc, keepalive_probes_and_expiry);
	tcase_add_test(tc, paws_drops_old_timestamp);
	tcase_add_test(tc, paws_pure_ack_answers_rate_limited);
	tcase_add_test(tc, icmp_frag_needed_lowers_mss);
	tcase_add_test(tc, icmp_frag_needed_floor);
	tcase_add_test(tc, icmp_unreachable_in_syn_sent);
	tcase_add_test(tc, icmp_errnos_in_syn_sent);
	tcase_add_test(tc, icmp_soft_error_established);
	tcase_add_test(tc, tcp_info_and_options);
	tcase_add_test(tc, ring_api_matches_send_recv);
	tcase_add_test(tc, early_retransmit_small_window);
	tcase_add_test(tc, small_window_no_stall);
	tcase_add_test(tc, poll_masks);
	tcase_add_test(tc, connect_again_after_failure);
	tcase_add_test(tc, window_scaling_both_ways);
	tcase_add_test(tc, cubic_and_reno_growth);
	tcase_add_test(tc, rst_to_listener_ignored);
	tcase_add_test(tc, close_in_syn_sent);
	tcase_add_test(tc, tail_loss_probe);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_data_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
