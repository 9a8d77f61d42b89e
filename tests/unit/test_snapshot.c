// SPDX-License-Identifier: MIT
/**
 * DOC: test_snapshot.c - a stack saved (ae_snap_save()) and loaded into a
 * second stack (ae_snap_load()) goes on as the first would have: the
 * connection's data, sequence numbers, timers and listener, a BBR
 * socket's model, a UDP socket's queued datagram, the ARP cache and the
 * packets waiting for an answer, a datagram half reassembled; and a damaged
 * or foreign string is refused
 *
 * The two stacks share the ring memory, as two daemons share memfds: the
 * rings come from test_ring_alloc(), which keeps them until the test ends.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>

#include "fakedev.h"
#include "snapshot.h"
#include "stack.h"
#include "tcp.h"
#include "tcp_bbr.h"
#include "tcp_helpers.h"

#define MAX_RINGS	8
#define UPORT		htons(7777)
#define USPORT		htons(5000)

static struct ae_stack *A, *B;
static struct tconn C;
static void *rings[MAX_RINGS];
static size_t ring_len[MAX_RINGS];
static int nrings;
static struct ae_sock *tagged[4];	/* B's sockets by tag */
static struct ae_sock *usk;

/**
 * test_ring_alloc() - ring memory both stacks may use; freed at teardown
 * @ctx:	unused
 * @rx:		rx bytes
 * @tx:		tx bytes
 *
 * Return: memory or NULL
 */
static void *test_ring_alloc(void *ctx, size_t rx, size_t tx)
{
	(void)ctx;
	if (nrings == MAX_RINGS)
		return NULL;
	ring_len[nrings] = rx + tx;
	rings[nrings] = calloc(1, rx + tx);
	return rings[nrings++];
}

/**
 * test_ring_free() - nothing: the other stack may use it (teardown frees)
 * @ctx:	unused
 * @mem:	memory
 * @len:	its length
 */
static void test_ring_free(void *ctx, void *mem, size_t len)
{
	(void)ctx;
	(void)mem;
	(void)len;
}

/**
 * ring_ref() - a ring's name: its index + 1
 * @ctx:	unused
 * @mem:	ring memory
 *
 * Return: the name, 0 if unknown
 */
static uint32_t ring_ref(void *ctx, const void *mem)
{
	int i;

	(void)ctx;
	for (i = 0; i < nrings; i++)
		if (rings[i] == mem)
			return (uint32_t)i + 1;
	return 0;
}

/**
 * ring_mem() - the ring named @ref, if @len matches
 * @ctx:	unused
 * @ref:	name
 * @len:	expected length
 *
 * Return: memory or NULL
 */
static void *ring_mem(void *ctx, uint32_t ref, size_t len)
{
	(void)ctx;
	if (!ref || ref > (uint32_t)nrings || ring_len[ref - 1] != len)
		return NULL;
	return rings[ref - 1];
}

/**
 * sock_tag() - A's owned sockets: 1 the connection, 2 the listener, 3 UDP
 * @ctx:	unused
 * @sk:		socket
 *
 * Return: tag or 0
 */
static uint32_t sock_tag(void *ctx, struct ae_sock *sk)
{
	(void)ctx;
	if (sk == C.sk)
		return 1;
	if (sk == C.lsk)
		return 2;
	return sk == usk ? 3 : 0;
}

/**
 * sock_attach() - remember B's socket of tag @tag
 * @ctx:	unused
 * @tag:	tag
 * @sk:		socket
 *
 * Return: 0
 */
static int sock_attach(void *ctx, uint32_t tag, struct ae_sock *sk)
{
	(void)ctx;
	ck_assert_uint_lt(tag, 4);
	tagged[tag] = sk;
	return 0;
}

static const struct snap_ops ops = {
	.ring_ref = ring_ref, .ring_mem = ring_mem,
	.sock_tag = sock_tag, .sock_attach = sock_attach,
};

/**
 * config() - the test configuration with the shared ring hooks
 * @cfg:	filled
 */
static void config(struct ae_config *cfg)
{
	fake_config_default(cfg);
	cfg->ring_alloc = test_ring_alloc;
	cfg->ring_free = test_ring_free;
}

/**
 * setup() - stack A with an ARP entry for the peer
 */
static void setup(void)
{
	struct ae_config cfg;

	config(&cfg);
	A = fake_stack_new(&cfg);
	B = NULL;
	fake_arp_seed(A);
	memset(&C, 0, sizeof(C));
	memset(tagged, 0, sizeof(tagged));
	C.port = TH_PORT;
	C.peer_port = TH_PEER_PORT;
	usk = NULL;
	nrings = 0;
	fake_frames_clear();
}

/**
 * teardown() - both stacks, then the rings
 */
static void teardown(void)
{
	int i;

	ae_stack_destroy(B);
	fake_stack_destroy(A);
	for (i = 0; i < nrings; i++)
		free(rings[i]);
}

/**
 * save() - A's whole state as a string
 * @w:		writer, filled
 */
static void save(struct snap_w *w)
{
	snap_w_init(w);
	snap_header(w, fake_clock_now());
	ck_assert_int_eq(ae_snap_save(A, w, &ops), 0);
	snap_finish(w);
	ck_assert_int_eq(w->err, 0);
}

/**
 * load() - a new stack B from @w
 * @w:		the string
 *
 * Return: ae_snap_load()'s result
 */
static int load(const struct snap_w *w)
{
	struct ae_config cfg;
	struct snap_r r;
	uint64_t then;

	config(&cfg);
	B = ae_stack_create(&cfg);
	ck_assert_ptr_nonnull(B);
	ck_assert_int_eq(snap_verify(w->buf, w->len), 0);
	snap_r_init(&r, w->buf, w->len);
	ck_assert_int_eq(snap_read_header(&r, &then), 0);
	ck_assert_int_eq(snap_next(&r), 1);
	return ae_snap_load(B, &r, &ops);
}

/** fill() - deterministic test bytes */
static void fill(uint8_t *b, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 7 + seed);
}

START_TEST(established_goes_on)
{
	uint8_t in[1000], out[500], buf[2000];
	struct tcp_sock *ta, *tb;
	struct snap_w w;
	struct tseg t = { 0 };
	struct tpkt p;

	C.lsk = th_listener(A, TH_PORT, 16);
	th_accept_conn(A, &C, 5000, NULL, 0);
	fill(in, sizeof(in), 1);
	fill(out, sizeof(out), 2);
	th_peer_send(A, &C, TH_F_ACK | TH_F_PSH, in, sizeof(in));
	ck_assert_int_eq(ae_send(C.sk, out, sizeof(out), 0), (int)sizeof(out));
	fake_clock_advance_ms(50);	/* the delayed ACK is sent by now */
	ae_stack_poll(A);
	ta = (struct tcp_sock *)C.sk;
	save(&w);
	fake_frames_clear();

	ck_assert_int_eq(load(&w), 0);
	snap_w_free(&w);
	ck_assert_ptr_nonnull(tagged[1]);
	ck_assert_ptr_nonnull(tagged[2]);
	tb = (struct tcp_sock *)tagged[1];
	ck_assert_int_eq(tb->state, TCPS_ESTABLISHED);
	ck_assert_uint_eq(tb->snd_una, ta->snd_una);
	ck_assert_uint_eq(tb->snd_max, ta->snd_max);
	ck_assert_uint_eq(tb->rcv_nxt, ta->rcv_nxt);
	ck_assert_uint_eq(tb->ts_offset, ta->ts_offset);
	ck_assert_ptr_eq(tb->rx.mem, ta->rx.mem);
	ck_assert_str_eq(ae_stack_check(B) ? ae_stack_check(B) : "", "");

	/* the data received by A is read from B */
	ck_assert_int_eq(ae_recv(tagged[1], buf, sizeof(buf), 0), (int)sizeof(in));
	ck_assert_mem_eq(buf, in, sizeof(in));
	/* A's unacknowledged data is retransmitted by B's timer */
	fake_frames_clear();
	th_run_ms(B, 3000);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.seq, C.our_nxt);
	ck_assert_uint_eq(p.len, sizeof(out));
	ck_assert_mem_eq(p.data, out, sizeof(out));
	/* the peer acknowledges it and sends more: B answers in sequence */
	C.our_nxt += sizeof(out);
	fake_frames_clear();
	th_peer_send(B, &C, TH_F_ACK | TH_F_PSH, in, 100);
	fake_clock_advance_ms(50);
	ae_stack_poll(B);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.ack, C.peer_nxt);
	ck_assert_uint_eq(tb->snd_una, C.our_nxt);
	/* the listener answers a new SYN */
	fake_frames_clear();
	t.sport = TH_PEER_PORT + 1;
	t.dport = TH_PORT;
	t.seq = 9000;
	t.flags = TH_F_SYN;
	th_send(B, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_SYN | TH_F_ACK);
	ck_assert_uint_eq(p.ack, 9001);
}
END_TEST

START_TEST(bbr_model_goes_on)
{
	uint8_t out[1000];
	struct tcp_bbr *ba, *bb;
	struct snap_w w;
	char cc[16];
	size_t len = sizeof(cc);
	int i;

	C.lsk = th_listener(A, TH_PORT, 16);
	th_accept_conn(A, &C, 5000, NULL, 0);
	ck_assert_int_eq(ae_setsockopt(C.sk, IPPROTO_TCP, TCP_CONGESTION,
				       "bbr", 3), 0);
	fill(out, sizeof(out), 3);
	for (i = 0; i < 20; i++) {	/* rounds of data and ACKs: a model */
		ck_assert_int_eq(ae_send(C.sk, out, sizeof(out), 0),
				 (int)sizeof(out));
		th_run_ms(A, 10);
		th_peer_ack(A, &C);
	}
	ck_assert_int_eq(ae_send(C.sk, out, sizeof(out), 0), (int)sizeof(out));
	th_run_ms(A, 2);		/* in flight: a transmission record */
	ba = ((struct tcp_sock *)C.sk)->bbr;
	ck_assert_ptr_nonnull(ba);
	ck_assert_uint_gt(ba->delivered, 0);
	ck_assert_uint_ne(ba->min_rtt_us, UINT32_MAX);
	ck_assert_uint_gt(ba->rec_n, 0);
	save(&w);

	ck_assert_int_eq(load(&w), 0);
	snap_w_free(&w);
	ck_assert_ptr_nonnull(tagged[1]);
	bb = ((struct tcp_sock *)tagged[1])->bbr;
	ck_assert_ptr_nonnull(bb);
	ck_assert_int_eq(ae_getsockopt(tagged[1], IPPROTO_TCP, TCP_CONGESTION,
				       cc, &len), 0);
	ck_assert_str_eq(cc, "bbr");
	/* the model B goes on with is A's, not a fresh start-up */
	ck_assert_uint_eq(bb->delivered, ba->delivered);
	ck_assert_int_eq(bb->mode, ba->mode);
	ck_assert_uint_eq(bb->min_rtt_us, ba->min_rtt_us);
	ck_assert_uint_eq(bb->bw[0].v, ba->bw[0].v);
	ck_assert_uint_eq(bb->rtt_cnt, ba->rtt_cnt);
	ck_assert_uint_eq(bb->pacing_rate, ba->pacing_rate);
	ck_assert_uint_eq(bb->pacing_gain, ba->pacing_gain);
	ck_assert_uint_eq(bb->rec_n, ba->rec_n);
	ck_assert_uint_eq(bb->rec[0].start,
			  ba->rec[ba->rec_head & (TCP_RATE_RECS - 1)].start);
	ck_assert_str_eq(ae_stack_check(B) ? ae_stack_check(B) : "", "");
	/* and B's ACK processing uses it: the record is delivered */
	th_peer_ack(B, &C);
	ck_assert_uint_gt(bb->delivered, ba->delivered);
}
END_TEST

START_TEST(arp_queue_goes_on)
{
	static const uint8_t mac5[6] = { 0x02, 0, 0, 0, 0, 0x05 };
	uint32_t dst = FAKE_IP(192, 168, 1, 5);
	uint8_t pay[32];
	struct iovec v = { pay, sizeof(pay) };
	struct fake_parsed p;
	struct snap_w w;
	int i;

	/* two datagrams wait for an ARP answer in A */
	for (i = 0; i < 2; i++) {
		memset(pay, 0x5a + i, sizeof(pay));
		ck_assert_int_eq(ipv4_output(A, 0, dst, 17, 0, &v, 1), 0);
	}
	save(&w);
	fake_frames_clear();
	ck_assert_int_eq(load(&w), 0);
	snap_w_free(&w);
	/* the answer comes to B, which sends them, in order */
	fake_arp_seed_host(B, dst, mac5);
	ck_assert_int_eq(fake_frame_count(), 2);
	for (i = 0; i < 2; i++) {
		ck_assert(fake_parse_frame(i, &p));
		ck_assert_uint_eq(p.dst, dst);
		ck_assert_mem_eq(p.eth_dst, mac5, 6);
		ck_assert_uint_eq(p.l4[0], 0x5a + i);
	}
	ck_assert_uint_eq(ae_stack_stat(B, "arp", "queue_drops"), 0);
}
END_TEST

START_TEST(udp_queue_and_binding_go_on)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = UPORT };
	uint8_t f[256], buf[64];
	struct snap_w w;
	uint32_t from;
	uint16_t port;
	int err;
	size_t n;

	usk = ae_socket(A, SOCK_DGRAM, &err);
	ck_assert_ptr_nonnull(usk);
	ck_assert_int_eq(ae_bind(usk, &a), 0);
	n = fake_udp_frame(f, sizeof(f), 0, USPORT, UPORT, "queued", 6);
	fake_input(A, f, n);
	save(&w);
	ck_assert_int_eq(load(&w), 0);
	snap_w_free(&w);
	ck_assert_ptr_nonnull(tagged[3]);
	ck_assert_int_eq(udp_recvfrom(tagged[3], buf, sizeof(buf), 0, &from,
				      &port), 6);
	ck_assert_mem_eq(buf, "queued", 6);
	ck_assert_uint_eq(port, USPORT);
	/* bound: a datagram to the port reaches it in B */
	n = fake_udp_frame(f, sizeof(f), 0, USPORT, UPORT, "again", 5);
	fake_input(B, f, n);
	ck_assert_int_eq(udp_recvfrom(tagged[3], buf, sizeof(buf), 0, NULL,
				      NULL), 5);
	ck_assert_uint_eq(ae_stack_stat(B, "udp", "in_datagrams"), 2);
}
END_TEST

START_TEST(fragments_go_on)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = UPORT };
	static uint8_t pay[3000], dg[3100], f[2048], buf[4000];
	struct fake_ip ip = { .proto = 17, .id = 77 };
	struct snap_w w;
	size_t d, n, i;
	int err;

	usk = ae_socket(A, SOCK_DGRAM, &err);
	ck_assert_ptr_nonnull(usk);
	ck_assert_int_eq(ae_bind(usk, &a), 0);
	for (i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 7 + 1);
	d = fake_build_udp(dg, sizeof(dg), FAKE_PEER, USPORT, FAKE_ADDR, UPORT,
			   pay, sizeof(pay));
	/* the first half reaches A, the rest B after the hand-over */
	ip.frag = 0x2000;		/* MF, offset 0 */
	n = fake_build_ipv4(f, sizeof(f), &ip, dg, 1480);
	fake_input(A, f, n);
	ck_assert_int_eq(udp_recvfrom(usk, buf, sizeof(buf), 0, NULL, NULL),
			 -EAGAIN);
	save(&w);
	ck_assert_int_eq(load(&w), 0);
	snap_w_free(&w);
	ck_assert_ptr_nonnull(tagged[3]);
	ip.frag = 1480 / 8;		/* last, offset 1480 */
	n = fake_build_ipv4(f, sizeof(f), &ip, dg + 1480, d - 1480);
	fake_input(B, f, n);
	ck_assert_int_eq(udp_recvfrom(tagged[3], buf, sizeof(buf), 0, NULL,
				      NULL), (int)sizeof(pay));
	ck_assert_mem_eq(buf, pay, sizeof(pay));
	ck_assert_uint_eq(ae_stack_stat(B, "ip", "reasm_oks"), 1);
}
END_TEST

START_TEST(damaged_or_foreign_strings_refused)
{
	struct snap_w w;
	uint8_t *copy;

	C.lsk = th_listener(A, TH_PORT, 16);
	th_accept_conn(A, &C, 5000, NULL, 0);
	save(&w);
	copy = malloc(w.len);
	memcpy(copy, w.buf, w.len);
	copy[w.len / 2] ^= 0x40;
	ck_assert_int_eq(snap_verify(copy, w.len), -EBADMSG);
	memcpy(copy, w.buf, w.len);
	ck_assert_int_eq(snap_verify(copy, w.len - 1), -EBADMSG);
	ck_assert_int_eq(snap_verify(copy, sizeof(struct snap_rec_hdr)), -EBADMSG);
	setenv("AETHER_SNAP_VERSION", "99", 1);
	ck_assert_int_eq(snap_verify(copy, w.len), -EPROTO);
	unsetenv("AETHER_SNAP_VERSION");
	ck_assert_int_eq(snap_verify(copy, w.len), 0);
	free(copy);
	snap_w_free(&w);
}
END_TEST

START_TEST(another_address_refused)
{
	struct ae_config cfg;
	struct snap_w w;
	struct snap_r r;
	uint64_t then;

	save(&w);
	config(&cfg);
	cfg.addr = FAKE_IP(192, 168, 1, 3);
	B = ae_stack_create(&cfg);
	snap_r_init(&r, w.buf, w.len);
	ck_assert_int_eq(snap_read_header(&r, &then), 0);
	ck_assert_int_eq(snap_next(&r), 1);
	ck_assert_int_eq(ae_snap_load(B, &r, &ops), -EBADMSG);
	snap_w_free(&w);
}
END_TEST

/**
 * snapshot_suite() - the suite
 *
 * Return: suite
 */
static Suite *snapshot_suite(void)
{
	Suite *su = suite_create("snapshot");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, established_goes_on);
	tcase_add_test(tc, bbr_model_goes_on);
	tcase_add_test(tc, arp_queue_goes_on);
	tcase_add_test(tc, fragments_go_on);
	tcase_add_test(tc, udp_queue_and_binding_go_on);
	tcase_add_test(tc, damaged_or_foreign_strings_refused);
	tcase_add_test(tc, another_address_refused);
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
	SRunner *sr = srunner_create(snapshot_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
