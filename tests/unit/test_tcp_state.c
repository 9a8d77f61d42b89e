// SPDX-License-Identifier: MIT
/**
 * DOC: test_tcp_state.c - the RFC 9293 state diagram, RST rules, RFC 5961,
 * TIME-WAIT, options, backlog
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

/** passive() - listener on port 80 and an accepted connection in C */
static void passive(void)
{
	C.lsk = th_listener(S, TH_PORT, 16);
	th_accept_conn(S, &C, 1000, NULL, 0);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_ESTABLISHED);
}

/** active() - an outgoing connection to the peer's port 80 in C */
static void active(void)
{
	th_connect_conn(S, &C, 5000);
}

/**
 * syn_sent() - connect C.sk to the peer's @port; the SYN it sent in @p
 * @port:	peer port, host order
 * @p:		our SYN, parsed
 */
static void syn_sent(uint16_t port, struct tpkt *p)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int err;

	C.sk = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_ptr_nonnull(C.sk);
	ae_sock_set_callback(C.sk, th_cb, &C.events);
	a.sin_addr.s_addr = FAKE_PEER;
	a.sin_port = htons(port);
	ck_assert_int_eq(ae_connect(C.sk, &a), -EINPROGRESS);
	ck_assert(th_last(p));
}

/** last_flags() - flags of the last emitted segment (asserts there is one) */
static uint8_t last_flags(void)
{
	struct tpkt p;

	ck_assert(th_last(&p));
	ck_assert(p.csum_ok);
	return p.flags;
}

START_TEST(passive_open_synack)
{
	struct tseg t = { 0 };
	static const uint8_t opt[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
				       0, 0, 0, 0, 1, 3, 3, 7 };
	struct tpkt p;
	struct ae_sock *l = th_listener(S, 80, 8);

	t.seq = 0x12345678;
	t.flags = TH_F_SYN;
	t.opt = opt;
	t.optlen = sizeof(opt);
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 1);
	ck_assert(th_last(&p));
	ck_assert(p.csum_ok);
	ck_assert_uint_eq(p.flags, TH_F_SYN | TH_F_ACK);
	ck_assert_uint_eq(p.ack, 0x12345679);
	ck_assert_uint_eq(p.mss, 1460);
	ck_assert(p.sack_ok);
	ck_assert(p.has_ts);
	ck_assert_uint_eq(p.ts_ecr, 1);
	ck_assert_int_ge(p.wscale, 1);
	ck_assert_uint_eq(p.sport, 80);
	ck_assert_uint_eq(p.dport, TH_PEER_PORT);
	ck_assert_uint_eq(th_stat(S, "passive_opens"), 1);
	/* not acceptable before the handshake completes */
	struct ae_sock *c;
	ck_assert_int_eq(ae_accept(l, &c, NULL), -EAGAIN);
	ck_assert_uint_eq(ae_poll(l) & AE_EV_IN, 0);
}
END_TEST

START_TEST(passive_open_established_and_data)
{
	struct tpkt p;
	char buf[64];

	passive();
	ck_assert_uint_eq(th_stat(S, "curr_estab"), 1);
	th_peer_send(S, &C, TH_F_ACK | TH_F_PSH, "hello", 5);
	ck_assert(C.events & AE_EV_IN);
	ck_assert_int_eq(ae_recv(C.sk, buf, sizeof(buf), 0), 5);
	ck_assert(!memcmp(buf, "hello", 5));
	ck_assert_int_eq(ae_recv(C.sk, buf, sizeof(buf), 0), -EAGAIN);
	/* quick ACK at the start of a connection */
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.ack, C.peer_nxt);
	fake_frames_clear();
	ck_assert_int_eq(ae_send(C.sk, "world!", 6, 0), 6);
	ck_assert(th_last(&p));
	ck_assert(p.csum_ok);
	ck_assert_uint_eq(p.len, 6);
	ck_assert(!memcmp(p.data, "world!", 6));
	ck_assert_uint_eq(p.seq, C.our_nxt);
	ck_assert(p.flags & TH_F_PSH);
}
END_TEST

/*
 * The handshake's last ACK is not answered: the window beyond the SYN-ACK's
 * unscaled 65535 shows in the ACK of the peer's first data, not in a pure
 * window update per connection.
 */
START_TEST(passive_open_final_ack_unanswered)
{
	static const uint8_t opt[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	struct tseg t = { 0 };
	struct tpkt p;
	int ws;

	C.lsk = th_listener(S, TH_PORT, 16);
	t.seq = 1000;
	t.flags = TH_F_SYN;
	t.opt = opt;
	t.optlen = sizeof(opt);
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_SYN | TH_F_ACK);
	ck_assert_int_ge(p.wscale, 1);
	ws = p.wscale;
	C.our_nxt = p.seq + 1;
	C.peer_nxt = 1001;
	fake_frames_clear();
	memset(&t, 0, sizeof(t));
	t.seq = C.peer_nxt;
	t.ack = C.our_nxt;
	t.flags = TH_F_ACK;
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 0);
	ck_assert_int_eq(ae_accept(C.lsk, &C.sk, NULL), 0);
	ck_assert_int_eq(th_count(), 0);
	ae_sock_set_callback(C.sk, th_cb, &C.events);
	/* the first data's ACK offers the whole window, scaled */
	th_peer_send(S, &C, TH_F_ACK | TH_F_PSH, "hello", 5);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.ack, C.peer_nxt);
	ck_assert_uint_gt((uint32_t)p.win << ws, 65535);
}
END_TEST

START_TEST(passive_close_last_ack)
{
	unsigned int ev = 0;
	char buf[8];

	passive();
	th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSE_WAIT);
	ck_assert(C.events & AE_EV_RDHUP);
	ck_assert_int_eq(ae_recv(C.sk, buf, sizeof(buf), 0), 0);
	ck_assert_uint_eq(last_flags(), TH_F_ACK);
	/* half-close: we can still send in CLOSE-WAIT */
	ck_assert_int_eq(ae_send(C.sk, "x", 1, 0), 1);
	th_peer_ack(S, &C);
	fake_frames_clear();
	ae_sock_set_callback(C.sk, th_cb, &ev);
	ck_assert_int_eq(ae_close(C.sk), 0);
	ck_assert_uint_eq(last_flags(), TH_F_FIN | TH_F_ACK);
	ck_assert_uint_eq(S->tcp->ntcb, 2);
	th_peer_ack(S, &C);
	ck_assert(ev & AE_EV_FREE);
	ck_assert_uint_eq(S->tcp->ntcb, 1);
	ck_assert_int_eq(ae_close(C.lsk), 0);
	ck_assert_uint_eq(S->tcp->ntcb, 0);
}
END_TEST

START_TEST(active_close_time_wait)
{
	struct ae_config cfg;
	unsigned int ev = 0;
	struct tpkt p;

	fake_stack_destroy(S);
	fake_config_default(&cfg);
	cfg.time_wait_ms = 2000;
	S = fake_stack_new(&cfg);
	fake_arp_seed(S);
	passive();
	ae_sock_set_callback(C.sk, th_cb, &ev);
	ck_assert_int_eq(ae_shutdown(C.sk, SHUT_WR), 0);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_FIN_WAIT_1);
	ck_assert_uint_eq(last_flags(), TH_F_FIN | TH_F_ACK);
	ck_assert_int_eq(ae_send(C.sk, "x", 1, 0), -EPIPE);
	th_peer_ack(S, &C);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_FIN_WAIT_2);
	/* half-close: the peer still sends data to us */
	th_peer_send(S, &C, TH_F_ACK, "data", 4);
	char buf[8];
	ck_assert_int_eq(ae_recv(C.sk, buf, sizeof(buf), 0), 4);
	fake_frames_clear();
	th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_TIME_WAIT);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_ACK);
	ck_assert_uint_eq(p.ack, C.peer_nxt);
	ck_assert_int_eq(ae_close(C.sk), 0);
	ck_assert_uint_eq(ev & AE_EV_FREE, 0);
	/* a retransmitted FIN in TIME-WAIT is acknowledged again */
	fake_frames_clear();
	C.peer_nxt--;
	th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
	ck_assert_uint_eq(last_flags(), TH_F_ACK);
	th_run_ms(S, 1900);
	ck_assert_uint_eq(ev & AE_EV_FREE, 0);
	th_run_ms(S, 2100);
	ck_assert(ev & AE_EV_FREE);
	ck_assert_uint_eq(S->tcp->ntcb, 1);
}
END_TEST

START_TEST(simultaneous_close)
{
	struct tpkt p;

	passive();
	ck_assert_int_eq(ae_shutdown(C.sk, SHUT_WR), 0);
	ck_assert(th_last(&p));
	ck_assert(p.flags & TH_F_FIN);
	/* the peer's FIN crosses ours: it does not ACK our FIN */
	th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSING);
	C.our_nxt = p.seq + 1;
	th_peer_send(S, &C, TH_F_ACK, NULL, 0);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_TIME_WAIT);
}
END_TEST

START_TEST(fin_wait_1_to_time_wait_on_fin_ack)
{
	passive();
	ck_assert_int_eq(ae_shutdown(C.sk, SHUT_WR), 0);
	C.our_nxt++;	/* the peer ACKs our FIN and sends its own at once */
	th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_TIME_WAIT);
}
END_TEST

START_TEST(active_open)
{
	struct tpkt p;

	C.port = 8080;
	fake_frames_clear();
	struct sockaddr_in a = { .sin_family = AF_INET };
	int err;

	C.sk = ae_socket(S, SOCK_STREAM, &err);
	ae_sock_set_callback(C.sk, th_cb, &C.events);
	a.sin_addr.s_addr = FAKE_PEER;
	a.sin_port = htons(8080);
	ck_assert_int_eq(ae_connect(C.sk, &a), -EINPROGRESS);
	ck_assert_int_eq(ae_connect(C.sk, &a), -EALREADY);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_SYN_SENT);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_SYN);
	ck_assert_uint_ge(p.sport, 32768);
	ck_assert_uint_le(p.sport, 60999);
	ck_assert_uint_eq(p.mss, 1460);
	ck_assert(p.sack_ok && p.has_ts && p.wscale >= 0);
	ck_assert_int_eq(ae_send(C.sk, "x", 1, 0), -EAGAIN);
	ck_assert_uint_eq(th_stat(S, "active_opens"), 1);
	ae_close(C.sk);
	fake_frames_clear();
	active();
	ck_assert_int_eq(ae_connect(C.sk, &a), -EISCONN);
	struct sockaddr_in n;
	ck_assert_int_eq(ae_getpeername(C.sk, &n), 0);
	ck_assert_uint_eq(n.sin_addr.s_addr, FAKE_PEER);
	ck_assert_int_eq(ae_getsockname(C.sk, &n), 0);
	ck_assert_uint_eq(n.sin_addr.s_addr, FAKE_ADDR);
}
END_TEST

/*
 * Timestamps run on one clock per address pair (Linux's secure_tcp_ts_off),
 * not a random one per connection: a new connection's SYN is newer than
 * everything the last one to the same peer sent, so a peer still holding
 * that 4-tuple in TIME-WAIT accepts it (RFC 6191) instead of answering with
 * an ACK we would reset, then retry a second later.
 */
START_TEST(timestamps_monotonic_per_peer)
{
	struct tpkt p;
	uint32_t first;
	int i;

	syn_sent(8080, &p);
	ck_assert(p.has_ts);
	first = p.ts_val;
	ae_abort(C.sk);
	for (i = 1; i <= 20; i++) {
		fake_clock_advance_ms(5);
		syn_sent(8080, &p);
		ck_assert(p.has_ts);
		ck_assert_uint_eq(p.ts_val - first, (uint32_t)i * 5);
		ae_abort(C.sk);
	}
}
END_TEST

START_TEST(active_open_acks_synack)
{
	struct tseg t = { 0 };
	struct tpkt p;

	syn_sent(80, &p);
	fake_frames_clear();
	t.sport = 80;
	t.dport = p.sport;
	t.seq = 777;
	t.ack = p.seq + 1;
	t.flags = TH_F_SYN | TH_F_ACK;
	th_send(S, &t);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_ESTABLISHED);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_ACK);
	ck_assert_uint_eq(p.ack, 778);
	ck_assert_uint_eq(ae_poll(C.sk) & AE_EV_OUT, AE_EV_OUT);
}
END_TEST

START_TEST(simultaneous_open)
{
	struct tseg t = { 0 };
	struct tpkt p, q;

	syn_sent(80, &p);
	fake_frames_clear();
	/* the peer's own SYN crosses ours */
	t.sport = 80;
	t.dport = p.sport;
	t.seq = 9000;
	t.flags = TH_F_SYN;
	th_send(S, &t);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_SYN_RECEIVED);
	ck_assert(th_last(&q));
	ck_assert_uint_eq(q.flags, TH_F_SYN | TH_F_ACK);
	ck_assert_uint_eq(q.seq, p.seq);
	ck_assert_uint_eq(q.ack, 9001);
	/* the peer's SYN-ACK for our SYN */
	t.seq = 9000;
	t.ack = p.seq + 1;
	t.flags = TH_F_SYN | TH_F_ACK;
	th_send(S, &t);
	/* a SYN in SYN-RECEIVED with seq == IRS re-sends the SYN-ACK; the ACK
	 * alone completes */
	t.seq = 9001;
	t.flags = TH_F_ACK;
	th_send(S, &t);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_ESTABLISHED);
	ck_assert(C.events & AE_EV_OUT);
}
END_TEST

START_TEST(rst_to_closed_port)
{
	struct tseg t = { 0 };
	struct tpkt p;

	t.dport = 81;
	t.seq = 100;
	t.flags = TH_F_SYN;
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_RST | TH_F_ACK);
	ck_assert_uint_eq(p.seq, 0);
	ck_assert_uint_eq(p.ack, 101);
	ck_assert(p.csum_ok);
	fake_frames_clear();
	t.flags = TH_F_ACK;
	t.ack = 4242;
	t.data = "abc";
	t.len = 3;
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_RST);
	ck_assert_uint_eq(p.seq, 4242);
	fake_frames_clear();
	/* never a RST for a RST */
	t.flags = TH_F_RST;
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 0);
	/* FIN without ACK counts in SEG.LEN */
	t.flags = TH_F_FIN;
	t.len = 0;
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.ack, 101);
	ck_assert_uint_eq(th_stat(S, "in_no_socket"), 4);
	ck_assert_uint_eq(th_stat(S, "out_rsts"), 3);
}
END_TEST

START_TEST(connect_refused)
{
	struct tseg t = { 0 };
	struct tpkt p;
	char b[4];

	syn_sent(81, &p);
	/* a RST without an acceptable ACK is ignored */
	t.sport = 81;
	t.dport = p.sport;
	t.ack = p.seq + 5;
	t.flags = TH_F_RST | TH_F_ACK;
	th_send(S, &t);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_SYN_SENT);
	t.ack = p.seq + 1;
	th_send(S, &t);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSED);
	ck_assert(C.events & AE_EV_ERR);
	ck_assert_int_eq(ae_sock_error(C.sk), -ECONNREFUSED);
	ck_assert_int_eq(ae_sock_error(C.sk), 0);
	ck_assert_int_eq(ae_recv(C.sk, b, 4, 0), -ENOTCONN);
	ck_assert_uint_eq(th_stat(S, "attempt_fails"), 1);
}
END_TEST

START_TEST(syn_sent_bad_ack_gets_rst)
{
	struct tseg t = { 0 };
	struct tpkt p;

	syn_sent(80, &p);
	fake_frames_clear();
	t.sport = 80;
	t.dport = p.sport;
	t.seq = 1;
	t.ack = p.seq + 100;
	t.flags = TH_F_SYN | TH_F_ACK;
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_RST);
	ck_assert_uint_eq(p.seq, t.ack);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_SYN_SENT);
}
END_TEST

START_TEST(rst_established_exact_resets)
{
	char b[4];

	passive();
	th_peer_send(S, &C, TH_F_RST, NULL, 0);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSED);
	ck_assert(C.events & AE_EV_ERR);
	ck_assert(C.events & AE_EV_HUP);
	ck_assert_int_eq(ae_recv(C.sk, b, 4, 0), -ECONNRESET);
	ck_assert_int_eq(ae_recv(C.sk, b, 4, 0), 0);
	ck_assert_int_eq(ae_send(C.sk, b, 4, 0), -EPIPE);
	ck_assert_uint_eq(th_stat(S, "estab_resets"), 1);
	ck_assert_uint_eq(th_stat(S, "curr_estab"), 0);
}
END_TEST

/**
 * expect_challenge() - an established connection answers a segment with a
 * challenge ACK (RFC 5961) and stays established
 * @t:		segment to fill in and send (ports and @seq_off set here)
 * @seq_off:	its sequence number, relative to what the stack expects
 * @flags:	its flags
 */
static void expect_challenge(struct tseg *t, uint32_t seq_off, uint8_t flags)
{
	struct tpkt p;

	passive();
	t->sport = C.peer_port;
	t->dport = C.port;
	t->seq = C.peer_nxt + seq_off;
	t->flags = flags;
	th_send(S, t);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_ESTABLISHED);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_ACK);
	ck_assert_uint_eq(p.ack, C.peer_nxt);
	ck_assert_uint_eq(p.seq, C.our_nxt);
	ck_assert_uint_eq(th_stat(S, "challenge_acks"), 1);
}

START_TEST(rst_in_window_challenge)
{
	struct tseg t = { 0 };

	expect_challenge(&t, 1000, TH_F_RST);
	/* out of window: silently dropped */
	fake_frames_clear();
	t.seq = C.peer_nxt + 0x40000000;
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 0);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_ESTABLISHED);
}
END_TEST

START_TEST(syn_in_established_challenge)
{
	struct tseg t = { 0 };

	expect_challenge(&t, 10, TH_F_SYN);
}
END_TEST

START_TEST(challenge_ack_rate_limit)
{
	struct tseg t = { 0 };
	int i;

	passive();
	t.sport = C.peer_port;
	t.dport = C.port;
	t.flags = TH_F_RST;
	for (i = 0; i < 1100; i++) {
		t.seq = C.peer_nxt + 1 + (uint32_t)i;
		th_send(S, &t);
		fake_frames_clear();
	}
	ck_assert_uint_eq(th_stat(S, "challenge_acks"), 1000);
	fake_clock_advance_ms(1000);
	th_send(S, &t);
	ck_assert_uint_eq(th_stat(S, "challenge_acks"), 1001);
}
END_TEST

START_TEST(ack_blind_injection)
{
	struct tseg t = { 0 };
	struct tpkt p;
	char b[8];

	passive();
	/* data with an ACK of something never sent: ACK and drop */
	t.sport = C.peer_port;
	t.dport = C.port;
	t.seq = C.peer_nxt;
	t.ack = C.our_nxt + 5000;
	t.flags = TH_F_ACK;
	t.data = "evil";
	t.len = 4;
	th_send(S, &t);
	ck_assert_int_eq(ae_recv(C.sk, b, 8, 0), -EAGAIN);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_ACK);
	ck_assert_uint_eq(p.ack, C.peer_nxt);
	/* an ACK far below SND.UNA - MAX.SND.WND: challenge, drop */
	fake_frames_clear();
	t.ack = C.our_nxt - 0x20000000;
	th_send(S, &t);
	ck_assert_int_eq(ae_recv(C.sk, b, 8, 0), -EAGAIN);
	ck_assert_uint_eq(th_stat(S, "challenge_acks"), 1);
	/* the real one is accepted */
	th_peer_send(S, &C, TH_F_ACK, "good", 4);
	ck_assert_int_eq(ae_recv(C.sk, b, 8, 0), 4);
}
END_TEST

/**
 * to_state() - drive a fresh passive connection into @st
 * @st:		FIN-WAIT-1, FIN-WAIT-2, CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT
 */
static void to_state(enum tcp_state st)
{
	struct tpkt p;

	passive();
	switch (st) {
	case TCPS_FIN_WAIT_1:
	case TCPS_FIN_WAIT_2:
	case TCPS_CLOSING:
	case TCPS_TIME_WAIT:
		ae_shutdown(C.sk, SHUT_WR);
		ck_assert(th_last(&p));
		if (st == TCPS_FIN_WAIT_1)
			break;
		if (st == TCPS_CLOSING) {
			th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
			break;
		}
		C.our_nxt = p.seq + 1;
		th_peer_send(S, &C, TH_F_ACK, NULL, 0);
		if (st == TCPS_TIME_WAIT)
			th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
		break;
	case TCPS_CLOSE_WAIT:
	case TCPS_LAST_ACK:
		th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
		if (st == TCPS_LAST_ACK)
			ae_shutdown(C.sk, SHUT_WR);
		break;
	default:
		break;
	}
	ck_assert_int_eq(ae_sock_state(C.sk), st);
}

START_TEST(rst_in_every_state)
{
	static const enum tcp_state sts[] = {
		TCPS_FIN_WAIT_1, TCPS_FIN_WAIT_2, TCPS_CLOSE_WAIT,
		TCPS_CLOSING, TCPS_LAST_ACK, TCPS_TIME_WAIT,
	};
	/* Linux: EPIPE in CLOSE-WAIT (the peer had finished sending) */
	static const int errs[] = { ECONNRESET, ECONNRESET, EPIPE, 0, 0, 0 };
	int i = _i;

	to_state(sts[i]);
	C.events = 0;
	th_peer_send(S, &C, TH_F_RST, NULL, 0);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSED);
	ck_assert_int_eq(ae_sock_error(C.sk), -errs[i]);
	ck_assert(C.events & AE_EV_HUP);
	ck_assert_uint_eq(th_stat(S, "in_rsts"), 1);
}
END_TEST

/* Linux: shutdown() once the connection reached TIME-WAIT is ENOTCONN */
START_TEST(shutdown_in_time_wait)
{
	to_state(TCPS_TIME_WAIT);
	ck_assert_int_eq(ae_shutdown(C.sk, SHUT_WR), -ENOTCONN);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_TIME_WAIT);
}
END_TEST

START_TEST(rst_in_syn_received_back_to_listen)
{
	struct tseg t = { 0 };
	struct tpkt p;
	struct ae_sock *c;
	struct ae_sock *l = th_listener(S, 80, 8);

	t.seq = 500;
	t.flags = TH_F_SYN;
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(S->tcp->ntcb, 2);
	t.seq = 501;
	t.flags = TH_F_RST;
	th_send(S, &t);
	ck_assert_uint_eq(S->tcp->ntcb, 1);
	ck_assert_int_eq(ae_accept(l, &c, NULL), -EAGAIN);
	ck_assert_int_eq(ae_sock_state(l), TCPS_LISTEN);
}
END_TEST

START_TEST(syn_received_bad_ack_rst)
{
	struct tseg t = { 0 };
	struct tpkt p;

	th_listener(S, 80, 8);
	t.seq = 500;
	t.flags = TH_F_SYN;
	th_send(S, &t);
	ck_assert(th_last(&p));
	fake_frames_clear();
	t.seq = 501;
	t.ack = p.seq + 77;
	t.flags = TH_F_ACK;
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_RST);
	ck_assert_uint_eq(p.seq, t.ack);
}
END_TEST

START_TEST(ack_to_listener_rst)
{
	struct tseg t = { 0 };
	struct tpkt p;

	th_listener(S, 80, 8);
	t.seq = 500;
	t.ack = 12345;
	t.flags = TH_F_ACK;
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_RST);
	ck_assert_uint_eq(p.seq, 12345);
	ck_assert_uint_eq(th_stat(S, "syn_cookies_failed"), 1);
}
END_TEST

START_TEST(time_wait_reuse)
{
	struct ae_config cfg;
	struct tseg t = { 0 };
	struct tpkt p;
	uint32_t old_nxt;

	fake_stack_destroy(S);
	fake_config_default(&cfg);
	S = fake_stack_new(&cfg);
	fake_arp_seed(S);
	to_state(TCPS_TIME_WAIT);
	ae_close(C.sk);
	old_nxt = C.our_nxt;
	fake_frames_clear();
	/* an old SYN (below RCV.NXT) is answered as TIME-WAIT does: ACK */
	t.sport = C.peer_port;
	t.dport = C.port;
	t.seq = C.peer_nxt - 100;
	t.flags = TH_F_SYN;
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_ACK);
	ck_assert_uint_eq(th_stat(S, "time_wait_reused"), 0);
	/* a SYN above the old sequence opens a new incarnation */
	fake_frames_clear();
	t.seq = C.peer_nxt + 100000;
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_SYN | TH_F_ACK);
	ck_assert_uint_eq(p.ack, t.seq + 1);
	ck_assert(SEQ_GT(p.seq, old_nxt));
	ck_assert_uint_eq(th_stat(S, "time_wait_reused"), 1);
}
END_TEST

START_TEST(time_wait_reuse_while_owned)
{
	struct tseg t = { 0 };
	struct tpkt p;

	/* found by test_tcp_fuzz: the owner has not closed its socket */
	to_state(TCPS_TIME_WAIT);
	fake_frames_clear();
	t.sport = C.peer_port;
	t.dport = C.port;
	t.seq = C.peer_nxt + 100000;
	t.flags = TH_F_SYN;
	th_send(S, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_SYN | TH_F_ACK);
	ck_assert_int_eq(ae_sock_state(C.sk), TCPS_CLOSED);
	ck_assert(ae_poll(C.sk) & AE_EV_HUP);
	ae_close(C.sk);
	ck_assert_uint_eq(S->tcp->ntcb, 2);	/* listener + new child */
}
END_TEST

START_TEST(time_wait_recycled_at_socket_limit)
{
	struct ae_config cfg;
	struct ae_sock *x;
	int i, err;

	fake_stack_destroy(S);
	fake_config_default(&cfg);
	cfg.max_sockets = 4;
	S = fake_stack_new(&cfg);
	fake_arp_seed(S);
	C.lsk = th_listener(S, TH_PORT, 16);
	/* three connections closed by us first: three orphans in TIME-WAIT */
	for (i = 0; i < 3; i++) {
		C.peer_port = (uint16_t)(2000 + i);
		th_accept_conn(S, &C, 100, NULL, 0);
		ae_close(C.sk);
		th_peer_ack(S, &C);
		th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, NULL, 0);
		ck_assert_int_eq(ae_sock_state(C.sk), TCPS_TIME_WAIT);
	}
	ck_assert_uint_eq(S->nsockets, 4);
	/* a new connection and a new socket each end the oldest early */
	C.peer_port = 3000;
	th_accept_conn(S, &C, 100, NULL, 0);
	ck_assert_uint_eq(th_stat(S, "time_wait_recycled"), 1);
	x = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(th_stat(S, "time_wait_recycled"), 2);
	ck_assert_uint_eq(S->nsockets, 4);
	ae_close(x);
	x = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_ptr_nonnull(x);
	ae_close(x);
}
END_TEST

START_TEST(time_wait_bind_rules)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct tcp_info ti;
	struct ae_sock *x;
	size_t len;
	int err, one = 1;

	to_state(TCPS_TIME_WAIT);
	/* the socket still held reads CLOSE, as Linux's after tcp_time_wait() */
	len = sizeof(ti);
	ck_assert_int_eq(ae_getsockopt(C.sk, IPPROTO_TCP, TCP_INFO, &ti, &len),
			 0);
	ck_assert_uint_eq(ti.tcpi_state, 7);
	ae_close(C.lsk);
	a.sin_port = htons(80);
	x = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_int_eq(ae_bind(x, &a), -EADDRINUSE);
	ck_assert_int_eq(ae_setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one,
				       sizeof(one)), 0);
	/* inet_csk_bind_conflict(): the TIME-WAIT socket must have it too */
	ck_assert_int_eq(ae_bind(x, &a), -EADDRINUSE);
	ck_assert_int_eq(ae_setsockopt(C.sk, SOL_SOCKET, SO_REUSEADDR, &one,
				       sizeof(one)), 0);
	ae_close(C.sk);
	ck_assert_int_eq(ae_bind(x, &a), 0);
	ck_assert_int_eq(ae_listen(x, 4), 0);
}
END_TEST

START_TEST(bind_conflicts)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ae_sock *x, *y, *z;
	int err, one = 1;

	a.sin_port = htons(9999);
	x = ae_socket(S, SOCK_STREAM, &err);
	y = ae_socket(S, SOCK_STREAM, &err);
	z = ae_socket(S, SOCK_STREAM, &err);
	ck_assert_int_eq(ae_bind(x, &a), 0);
	ck_assert_int_eq(ae_bind(x, &a), -EINVAL);
	a.sin_addr.s_addr = FAKE_ADDR;
	ck_assert_int_eq(ae_bind(y, &a), -EADDRINUSE);
	a.sin_addr.s_addr = FAKE_IP(10, 0, 0, 1);
	ck_assert_int_eq(ae_bind(y, &a), -EADDRNOTAVAIL);
	/* both SO_REUSEADDR, neither listening: allowed; then only one listens */
	ae_close(x);
	x = ae_socket(S, SOCK_STREAM, &err);
	ae_setsockopt(x, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ae_setsockopt(y, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = 0;
	ck_assert_int_eq(ae_bind(x, &a), 0);
	ck_assert_int_eq(ae_bind(y, &a), 0);
	ck_assert_int_eq(ae_listen(x, 4), 0);
	ck_assert_int_eq(ae_listen(y, 4), -EADDRINUSE);
	ae_setsockopt(z, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(ae_bind(z, &a), -EADDRINUSE);	/* x listens */
	/* port 0 binds an ephemeral port */
	a.sin_port = 0;
	ck_assert_int_eq(ae_bind(z, &a), 0);
	ck_assert_int_eq(ae_getsockname(z, &a), 0);
	ck_assert_uint_ge(ntohs(a.sin_port), 32768);
}
END_TEST

START_TEST(malformed_options)
{
	static const uint8_t zero_len[] = { 2, 4, 5, 0xb4, 8, 0, 1, 1 };
	static const uint8_t overlong[] = { 3, 40, 1, 1 };
	static const uint8_t truncated[] = { 1, 1, 1, 2 };
	static const uint8_t one_len[] = { 30, 1, 0, 0 };
	static const uint8_t bad_mss_len[] = { 2, 3, 5, 1, 1, 1, 1, 1 };
	const uint8_t *opts[] = { zero_len, overlong, truncated, one_len,
				  bad_mss_len };
	size_t lens[] = { sizeof(zero_len), sizeof(overlong), sizeof(truncated),
			  sizeof(one_len), sizeof(bad_mss_len) };
	struct tseg t = { 0 };
	struct tpkt p;
	int i;

	th_listener(S, 80, 64);
	for (i = 0; i < 5; i++) {
		fake_frames_clear();
		t.sport = (uint16_t)(1000 + i);
		t.seq = 1;
		t.flags = TH_F_SYN;
		t.opt = opts[i];
		t.optlen = lens[i];
		th_send(S, &t);
		ck_assert(th_last(&p));
		ck_assert_uint_eq(p.flags, TH_F_SYN | TH_F_ACK);
	}
	ck_assert_uint_eq(th_stat(S, "in_bad_options"), 4);
	/* the zero-length case still took the MSS before it: check MSS use by
	 * a data offset pointing past the segment */
	fake_frames_clear();
	t.doff = 15;
	t.opt = NULL;
	t.optlen = 0;
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 0);
	ck_assert_uint_eq(th_stat(S, "in_bad_offset"), 1);
	t.doff = 3;
	th_send(S, &t);
	ck_assert_uint_eq(th_stat(S, "in_bad_offset"), 2);
	t.doff = 0;
	t.bad_csum = true;
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 0);
	ck_assert_uint_eq(th_stat(S, "in_csum_errors"), 1);
}
END_TEST

START_TEST(peer_mss_honoured)
{
	static const uint8_t mss[] = { 2, 4, 0x02, 0x00 };	/* 512 */
	static char big[4000];
	struct tpkt p;
	int cur = 0, n = 0;

	C.lsk = th_listener(S, TH_PORT, 16);
	th_accept_conn(S, &C, 1, mss, sizeof(mss));
	ck_assert_int_eq(ae_setsockopt(C.sk, IPPROTO_TCP, TCP_NODELAY,
				       &(int){ 1 }, sizeof(int)), 0);
	ck_assert_int_eq(ae_send(C.sk, big, sizeof(big), 0), sizeof(big));
	while (th_next(&cur, &p)) {
		ck_assert_uint_le(p.len, 512);
		n++;
	}
	ck_assert_int_ge(n, 8);
}
END_TEST

/**
 * defer_handshake() - SYN from @sport, then the peer's bare ACK
 * @t:		segment, left as that ACK
 * @sport:	peer port
 */
static void defer_handshake(struct tseg *t, uint16_t sport)
{
	struct tpkt p;

	memset(t, 0, sizeof(*t));
	t->sport = sport;
	t->seq = 7;
	t->flags = TH_F_SYN;
	fake_frames_clear();
	th_send(S, t);
	ck_assert(th_last(&p));
	t->seq = 8;
	t->ack = p.seq + 1;
	t->flags = TH_F_ACK;
	th_send(S, t);
}

/* TCP_DEFER_ACCEPT as Linux: a bare ACK is held off the accept queue; data
 * completes the handshake; after the period a bare ACK does too */
START_TEST(defer_accept)
{
	struct tseg t;
	struct ae_sock *c;
	int v = 5;
	char b[8];

	C.lsk = th_listener(S, TH_PORT, 8);
	ck_assert_int_eq(ae_setsockopt(C.lsk, IPPROTO_TCP, TCP_DEFER_ACCEPT,
				       &v, sizeof(v)), 0);
	defer_handshake(&t, 3000);
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), -EAGAIN);
	ck_assert_uint_eq(th_stat(S, "defer_accept_held"), 1);
	t.flags = TH_F_ACK | TH_F_PSH;
	t.data = "GET";
	t.len = 3;
	th_send(S, &t);
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), 0);
	ck_assert_int_eq(ae_recv(c, b, sizeof(b), 0), 3);
	ae_close(c);
	defer_handshake(&t, 3001);
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), -EAGAIN);
	th_run_ms(S, 8000);	/* past the 7 s Linux reports for 5 */
	th_send(S, &t);
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), 0);
	ck_assert_int_eq(ae_sock_state(c), TCPS_ESTABLISHED);
}
END_TEST

/**
 * handshake_from() - a peer on @sport completes a handshake with the listener
 * @sport:	peer port
 */
static void handshake_from(uint16_t sport)
{
	struct tseg t = { 0 };
	struct tpkt p;

	t.sport = sport;
	t.seq = 7;
	t.flags = TH_F_SYN;
	fake_frames_clear();
	th_send(S, &t);
	ck_assert(th_last(&p));
	t.seq = 8;
	t.ack = p.seq + 1;
	t.flags = TH_F_ACK;
	th_send(S, &t);
}

START_TEST(accept_wait_counted)
{
	struct ae_sock *c;

	C.lsk = th_listener(S, TH_PORT, 8);
	handshake_from(3000);
	th_run_ms(S, 1500);	/* the program is slow to accept */
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), 0);
	handshake_from(3001);
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), 0);
	ck_assert_uint_eq(th_stat(S, "accepts"), 2);
	ck_assert_uint_eq(th_stat(S, "accept_waits_1s"), 1);
	ck_assert_uint_ge(th_stat(S, "accept_wait_ms"), 1500);
	ck_assert_uint_lt(th_stat(S, "accept_wait_ms"), 1600);
}
END_TEST

/* a connection a daemon's client took ahead and never used goes back
 * first in line; a closed listener then resets it like any queued one */
START_TEST(unaccept_first_in_line)
{
	struct sockaddr_in peer;
	struct ae_sock *c1, *c2, *c;
	struct tpkt p;

	C.lsk = th_listener(S, TH_PORT, 8);
	handshake_from(3000);
	handshake_from(3001);
	ck_assert_int_eq(ae_accept(C.lsk, &c1, NULL), 0);
	ck_assert_int_eq(ae_accept(C.lsk, &c2, NULL), 0);
	ck_assert_uint_eq(ae_poll(C.lsk) & AE_EV_IN, 0);
	ck_assert_int_eq(ae_unaccept(c2, c1), -EINVAL);	/* not a listener */
	ck_assert_int_eq(ae_unaccept(C.lsk, c1), 0);
	ck_assert_int_eq(ae_unaccept(C.lsk, c1), -EINVAL);	/* queued already */
	ck_assert_uint_eq(ae_poll(C.lsk) & AE_EV_IN, AE_EV_IN);
	ck_assert_uint_eq(th_stat(S, "unaccepts"), 1);
	ck_assert_int_eq(ae_accept(C.lsk, &c, &peer), 0);
	ck_assert_ptr_eq(c, c1);
	ck_assert_uint_eq(ntohs(peer.sin_port), 3000);
	ck_assert_int_eq(ae_unaccept(C.lsk, c), 0);
	ck_assert_int_eq(ae_close(c2), 0);
	fake_frames_clear();
	ck_assert_int_eq(ae_close(C.lsk), 0);
	C.lsk = NULL;
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.dport, 3000);
	ck_assert(p.flags & TH_F_RST);
}
END_TEST

START_TEST(backlog_overflow)
{
	struct tseg t = { 0 };
	struct ae_sock *c;
	int i;

	C.lsk = th_listener(S, TH_PORT, 2);
	for (i = 0; i < 2; i++) {
		C.peer_port = (uint16_t)(2000 + i);
		th_accept_conn(S, &C, 100, NULL, 0);
	}
	/* th_accept_conn accepted them; fill the accept queue now */
	for (i = 0; i < 2; i++)
		handshake_from((uint16_t)(3000 + i));
	ck_assert_uint_eq(ae_poll(C.lsk) & AE_EV_IN, AE_EV_IN);
	/* accept queue full: a new SYN is dropped, not answered */
	fake_frames_clear();
	memset(&t, 0, sizeof(t));
	t.sport = 4000;
	t.seq = 7;
	t.flags = TH_F_SYN;
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 0);
	ck_assert_uint_eq(th_stat(S, "accept_queue_drops"), 1);
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), 0);
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), 0);
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), -EAGAIN);
	th_send(S, &t);
	ck_assert_int_eq(th_count(), 1);
}
END_TEST

START_TEST(syn_cookies_when_syn_queue_full)
{
	struct tseg t = { 0 };
	struct tpkt p;
	struct ae_sock *c;
	char b[8];
	int i;

	C.lsk = th_listener(S, TH_PORT, 8);
	for (i = 0; i < 8; i++) {
		t.sport = (uint16_t)(5000 + i);
		t.seq = 1;
		t.flags = TH_F_SYN;
		th_send(S, &t);
	}
	ck_assert_uint_eq(th_stat(S, "syn_cookies_sent"), 0);
	fake_frames_clear();
	t.sport = 6000;
	t.seq = 99;
	th_send(S, &t);
	ck_assert_uint_eq(th_stat(S, "syn_cookies_sent"), 1);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_SYN | TH_F_ACK);
	ck_assert(p.csum_ok);
	ck_assert_uint_eq(S->tcp->ntcb, 9);	/* no state for it */
	/* a forged cookie is refused */
	t.seq = 100;
	t.ack = p.seq + 2;
	t.flags = TH_F_ACK;
	th_send(S, &t);
	ck_assert_uint_eq(th_stat(S, "syn_cookies_failed"), 1);
	/* the right one makes a connection, data included */
	t.ack = p.seq + 1;
	t.data = "hi";
	t.len = 2;
	th_send(S, &t);
	ck_assert_uint_eq(th_stat(S, "syn_cookies_recv"), 1);
	ck_assert_int_eq(ae_accept(C.lsk, &c, NULL), 0);
	ck_assert_int_eq(ae_sock_state(c), TCPS_ESTABLISHED);
	ck_assert_int_eq(ae_recv(c, b, 8, 0), 2);
}
END_TEST

START_TEST(close_with_unread_data_rst)
{
	passive();
	th_peer_send(S, &C, TH_F_ACK, "unread", 6);
	fake_frames_clear();
	ae_close(C.sk);
	ck_assert_uint_eq(last_flags() & TH_F_RST, TH_F_RST);
}
END_TEST

/* after shutdown(SHUT_WR) too (FIN-WAIT-1), as Linux's tcp_close() */
START_TEST(close_with_unread_data_rst_after_shutdown)
{
	passive();
	ck_assert_int_eq(ae_shutdown(C.sk, 1), 0);
	th_peer_send(S, &C, TH_F_ACK, "unread", 6);
	fake_frames_clear();
	ae_close(C.sk);
	ck_assert_uint_eq(last_flags() & TH_F_RST, TH_F_RST);
}
END_TEST

START_TEST(linger_zero_rst)
{
	struct linger l = { 1, 0 };

	passive();
	ck_assert_int_eq(ae_setsockopt(C.sk, SOL_SOCKET, SO_LINGER, &l,
				       sizeof(l)), 0);
	fake_frames_clear();
	ae_close(C.sk);
	ck_assert_uint_eq(last_flags() & TH_F_RST, TH_F_RST);
	ck_assert_uint_eq(S->tcp->ntcb, 1);
}
END_TEST

START_TEST(abort_sends_rst)
{
	passive();
	fake_frames_clear();
	ae_abort(C.sk);
	ck_assert_uint_eq(last_flags(), TH_F_RST | TH_F_ACK);
	ck_assert_uint_eq(S->tcp->ntcb, 1);
}
END_TEST

START_TEST(listener_close_resets_queue)
{
	struct tseg t = { 0 };

	C.lsk = th_listener(S, TH_PORT, 8);
	handshake_from(0);	/* 0: the helpers' default peer port */
	t.sport = 999;
	t.seq = 7;
	t.flags = TH_F_SYN;
	th_send(S, &t);
	ck_assert_uint_eq(S->tcp->ntcb, 3);
	fake_frames_clear();
	ae_close(C.lsk);
	ck_assert_uint_eq(S->tcp->ntcb, 0);
	ck_assert_int_eq(th_count(), 1);
	ck_assert_uint_eq(last_flags() & TH_F_RST, TH_F_RST);
}
END_TEST

START_TEST(free_event_once)
{
	unsigned int ev = 0;
	struct ae_sock *x;
	int err;

	x = ae_socket(S, SOCK_STREAM, &err);
	ae_sock_set_callback(x, th_cb, &ev);
	ae_close(x);
	ck_assert_uint_eq(ev, AE_EV_FREE);
	ck_assert_uint_eq(S->tcp->ntcb, 0);
}
END_TEST

/**
 * close_in_cb() - a callback that closes its socket on any event
 * @sk:		socket
 * @ev:		events
 * @user:	unused
 */
static void close_in_cb(struct ae_sock *sk, unsigned int ev, void *user)
{
	(void)user;
	if (!(ev & AE_EV_FREE))
		ae_close(sk);
}

START_TEST(close_from_callback)
{
	passive();
	ae_sock_set_callback(C.sk, close_in_cb, NULL);
	th_peer_send(S, &C, TH_F_ACK | TH_F_FIN, "bye", 3);
	/* unread data: RST, and the TCB is gone */
	ck_assert_uint_eq(S->tcp->ntcb, 1);
}
END_TEST

START_TEST(state_names)
{
	ck_assert_str_eq(ae_tcp_state_name(TCPS_ESTABLISHED), "ESTAB");
	ck_assert_str_eq(ae_tcp_state_name(TCPS_TIME_WAIT), "TIME-WAIT");
	ck_assert_str_eq(ae_tcp_state_name(99), "UNKNOWN");
}
END_TEST

static Suite *tcp_state_suite(void)
{
	Suite *s = suite_create("tcp_state");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, passive_open_synack);
	tcase_add_test(tc, passive_open_established_and_data);
	tcase_add_test(tc, passive_open_final_ack_unanswered);
	tcase_add_test(tc, passive_close_last_ack);
	tcase_add_test(tc, active_close_time_wait);
	tcase_add_test(tc, simultaneous_close);
	tcase_add_test(tc, fin_wait_1_to_time_wait_on_fin_ack);
	tcase_add_test(tc, active_open);
	tcase_add_test(tc, timestamps_monotonic_per_peer);
	tcase_add_test(tc, active_open_acks_synack);
	tcase_add_test(tc, simultaneous_open);
	tcase_add_test(tc, rst_to_closed_port);
	tcase_add_test(tc, connect_refused);
	tcase_add_test(tc, syn_sent_bad_ack_gets_rst);
	tcase_add_test(tc, rst_established_exact_resets);
	tcase_add_test(tc, rst_in_window_challenge);
	tcase_add_test(tc, syn_in_established_challenge);
	tcase_add_test(tc, challenge_ack_rate_limit);
	tcase_add_test(tc, ack_blind_injection);
	tcase_add_loop_test(tc, rst_in_every_state, 0, 6);
	tcase_add_test(tc, shutdown_in_time_wait);
	tcase_add_test(tc, rst_in_syn_received_back_to_listen);
	tcase_add_test(tc, syn_received_bad_ack_rst);
	tcase_add_test(tc, ack_to_listener_rst);
	tcase_add_test(tc, time_wait_reuse);
	tcase_add_test(tc, time_wait_reuse_while_owned);
	tcase_add_test(tc, time_wait_recycled_at_socket_limit);
	tcase_add_test(tc, time_wait_bind_rules);
	tcase_add_test(tc, bind_conflicts);
	tcase_add_test(tc, malformed_options);
	tcase_add_test(tc, peer_mss_honoured);
	tcase_add_test(tc, backlog_overflow);
	tcase_add_test(tc, accept_wait_counted);
	tcase_add_test(tc, unaccept_first_in_line);
	tcase_add_test(tc, syn_cookies_when_syn_queue_full);
	tcase_add_test(tc, close_with_unread_data_rst);
	tcase_add_test(tc, close_with_unread_data_rst_after_shutdown);
	tcase_add_test(tc, linger_zero_rst);
	tcase_add_test(tc, abort_sends_rst);
	tcase_add_test(tc, listener_close_resets_queue);
	tcase_add_test(tc, free_event_once);
	tcase_add_test(tc, close_from_callback);
	tcase_add_test(tc, state_names);
	tcase_add_test(tc, defer_accept);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
