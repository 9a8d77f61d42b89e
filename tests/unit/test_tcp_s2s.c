// SPDX-License-Identifier: MIT
/**
 * DOC: test_tcp_s2s.c - two stacks back to back through a lossy link
 *
 * Stack A (192.168.1.2) and stack B (192.168.1.1) are wired through their
 * output callbacks into a simulated link: every frame gets a delay of 1 ms
 * plus random jitter (which reorders), and is lost with a given probability
 * (ARP included). Both sides transfer megabytes at the same time through
 * the public socket API, in virtual time, and every byte is checked. The
 * test then closes both ends and runs until TIME-WAIT is over: no TCB and
 * no buffer may remain.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>

#include "fakedev.h"
#include "../../host/impair.h"
#include "stack.h"
#include "tcp.h"
#include "tcp_bbr.h"

#define LINK_MAX	8192

/**
 * struct frame - a frame in flight
 */
struct frame {
	uint64_t at, id;
	size_t len;
	uint8_t *data;
	struct ae_stack *to;
};

/**
 * struct link - the wire between the stacks
 */
struct link {
	struct frame q[LINK_MAX];
	int n;
	uint64_t rng;
	unsigned int loss_pm, dup_pm;	/* per mille */
	uint64_t jitter_ns;
	struct ae_stack *a, *b;
	unsigned long sent, lost;
	uint64_t next_id;
	struct impair *imp_ab, *imp_ba;	/* impair.h link, when set */
};

static struct link L;

/*
 * BBR cases: run_bulk() puts both ends on @bulk_cc when set; the sender
 * switches to @bulk_switch_cc at @bulk_switch_at ns after connect when set;
 * A's data frames are timestamped into @pace_t when @pace_on.
 */
#define PACE_MAX	65536
static const char *bulk_cc;
static const char *bulk_switch_cc;
static uint64_t bulk_switch_at;
static bool pace_on;
static struct tcp_bbr bulk_bbr;		/* the sender's BBR state at EOF */
static struct tcp_info bulk_ti;		/* and its TCP_INFO */
static uint64_t pace_t[PACE_MAX];
static uint32_t pace_len[PACE_MAX];
static unsigned int pace_n;

/**
 * pace_note() - remember when stack A emitted a frame carrying TCP data
 * @iov:	the frame
 * @iovcnt:	its parts
 */
static void pace_note(const struct iovec *iov, int iovcnt)
{
	uint8_t buf[128];
	size_t off = 0, n;
	uint32_t iplen, ihl, doff;
	int i;

	for (i = 0; i < iovcnt && off < sizeof(buf); i++) {
		n = iov[i].iov_len;
		if (n > sizeof(buf) - off)
			n = sizeof(buf) - off;
		memcpy(buf + off, iov[i].iov_base, n);
		off += n;
	}
	if (off < 14 + 20 + 20 || buf[12] != 0x08 || buf[13] != 0 ||
	    buf[14 + 9] != IPPROTO_TCP)
		return;
	iplen = (uint32_t)buf[16] << 8 | buf[17];
	ihl = (buf[14] & 0xfu) * 4;
	if (off < 14 + ihl + 13)
		return;
	doff = (uint32_t)(buf[14 + ihl + 12] >> 4) * 4;
	if (iplen <= ihl + doff || pace_n == PACE_MAX)
		return;
	pace_t[pace_n] = fake_clock_now();
	pace_len[pace_n++] = iplen - ihl - doff;
}

/** rnd() - xorshift for the link's decisions */
static uint32_t rnd(void)
{
	L.rng ^= L.rng << 13;
	L.rng ^= L.rng >> 7;
	L.rng ^= L.rng << 17;
	return (uint32_t)L.rng;
}

/** enqueue() - put a copy of a frame on the wire towards @to */
static void enqueue(struct ae_stack *to, const struct iovec *iov, int iovcnt)
{
	struct frame *f;
	size_t len = 0, off = 0;
	int i;

	L.sent++;
	if (L.imp_ab) {
		uint8_t buf[2048];

		for (i = 0; i < iovcnt; i++) {
			ck_assert_uint_le(off + iov[i].iov_len, sizeof(buf));
			memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
			off += iov[i].iov_len;
		}
		impair_submit(to == L.b ? L.imp_ab : L.imp_ba, buf, off,
			      fake_clock_now());
		return;
	}
	if (rnd() % 1000 < L.loss_pm || L.n == LINK_MAX) {
		L.lost++;
		return;
	}
	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	f = &L.q[L.n++];
	f->data = malloc(len);
	ck_assert_ptr_nonnull(f->data);
	for (i = 0; i < iovcnt; i++) {
		memcpy(f->data + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	f->len = len;
	f->to = to;
	f->id = L.next_id++;
	f->at = fake_clock_now() + 1000000ULL +
		(L.jitter_ns ? rnd() % L.jitter_ns : 0);
}

static void out_a(void *ctx, const struct iovec *iov, int iovcnt)
{
	(void)ctx;
	if (pace_on)
		pace_note(iov, iovcnt);
	enqueue(L.b, iov, iovcnt);
}

static void out_b(void *ctx, const struct iovec *iov, int iovcnt)
{
	(void)ctx;
	enqueue(L.a, iov, iovcnt);
}

/** imp_out() - an impair link hands a due frame to its stack */
static void imp_out(void *ctx, const void *frame, size_t len)
{
	ae_stack_input(ctx, frame, len);
}

/**
 * deliver_due() - hand every frame whose time has come to its stack, in
 * order of arrival time (then of sending): the link itself only reorders
 * by jitter
 */
static void deliver_due(void)
{
	uint64_t now = fake_clock_now();
	int i, best;

	if (L.imp_ab) {
		unsigned int n;

		do {
			n = impair_deliver(L.imp_ab, now, imp_out, L.b);
			n += impair_deliver(L.imp_ba, now, imp_out, L.a);
		} while (n);
		return;
	}

	for (;;) {
		struct frame f;

		best = -1;
		for (i = 0; i < L.n; i++) {
			if (L.q[i].at > now)
				continue;
			if (best < 0 || L.q[i].at < L.q[best].at ||
			    (L.q[i].at == L.q[best].at &&
			     L.q[i].id < L.q[best].id))
				best = i;
		}
		if (best < 0)
			break;
		f = L.q[best];
		L.q[best] = L.q[--L.n];
		ae_stack_input(f.to, f.data, f.len);
		if (rnd() % 1000 < L.dup_pm)
			ae_stack_input(f.to, f.data, f.len);
		free(f.data);
	}
}

/** next_event() - the earliest of frame arrivals and stack timers */
static uint64_t next_event(void)
{
	uint64_t t = ae_stack_next_timeout(L.a), u = ae_stack_next_timeout(L.b);
	int i;

	if (u < t)
		t = u;
	if (L.imp_ab) {
		u = impair_next_deadline(L.imp_ab);
		if (u < t)
			t = u;
		u = impair_next_deadline(L.imp_ba);
		return u < t ? u : t;
	}
	for (i = 0; i < L.n; i++)
		if (L.q[i].at < t)
			t = L.q[i].at;
	return t;
}

/**
 * struct flow - one direction of application data
 */
struct flow {
	struct ae_sock *tx, *rx;
	size_t total, sent, rcvd;
	size_t read_chunk;		/* 0: read all; else per read_every */
	uint32_t max_queued;		/* most bytes seen waiting in rx */
	uint64_t read_every, next_read;
	uint32_t seed;
	bool shut, eof;
};

static uint8_t pattern(const struct flow *f, size_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13 ^ f->seed ^ (i >> 16));
}

/** pump() - the applications: write what fits, read and check what came */
static void pump(struct flow *f)
{
	uint8_t buf[16384];
	ssize_t n;
	size_t i, want;

	while (f->sent < f->total) {
		want = f->total - f->sent;
		if (want > sizeof(buf))
			want = sizeof(buf);
		for (i = 0; i < want; i++)
			buf[i] = pattern(f, f->sent + i);
		n = ae_send(f->tx, buf, want, 0);
		if (n <= 0) {
			if (n != -EAGAIN)
				ck_abort_msg("send: %zd", n);
			break;
		}
		f->sent += (size_t)n;
	}
	if (f->sent == f->total && !f->shut) {
		ck_assert_int_eq(ae_shutdown(f->tx, SHUT_WR), 0);
		f->shut = true;
	}
	if (ae_sock_rxring(f->rx)->tail - ae_sock_rxring(f->rx)->head >
	    f->max_queued)
		f->max_queued = ae_sock_rxring(f->rx)->tail -
				ae_sock_rxring(f->rx)->head;
	if (f->read_chunk) {
		/* a slow reader: read_chunk bytes every read_every ns */
		if (fake_clock_now() < f->next_read)
			return;
		f->next_read = fake_clock_now() + f->read_every;
	}
	for (;;) {
		n = ae_recv(f->rx, buf, f->read_chunk ? f->read_chunk :
			    sizeof(buf), 0);
		if (n == -EAGAIN)
			break;
		if (n < 0)
			ck_abort_msg("recv: %zd", n);
		if (n == 0) {
			f->eof = true;
			break;
		}
		for (i = 0; i < (size_t)n; i++)
			if (buf[i] != pattern(f, f->rcvd + i))
				ck_abort_msg("byte %zu corrupt", f->rcvd + i);
		f->rcvd += (size_t)n;
		if (f->read_chunk)
			break;
	}
}

/** make_stack() - a stack for one end of the link */
static struct ae_stack *make_stack(bool first, ae_output_fn out,
				   uint32_t addr, const uint8_t *mac)
{
	struct ae_config cfg;
	struct ae_stack *s;

	fake_config_default(&cfg);
	cfg.addr = addr;
	memcpy(cfg.mac, mac, 6);
	cfg.gateway = 0;
	cfg.output = out;
	cfg.time_wait_ms = 1000;
	cfg.seed ^= (uint64_t)addr;
	if (getenv("S2S_BUF"))	/* measurement: both buffers, bytes */
		cfg.rcvbuf = cfg.sndbuf = (uint32_t)atoi(getenv("S2S_BUF"));
	if (first)
		return fake_stack_new(&cfg);
	s = ae_stack_create(&cfg);
	ck_assert_ptr_nonnull(s);
	return s;
}

/**
 * step_apps() - advance the virtual clock to the next event, but by at
 * most 1 ms so that the applications run at least every millisecond, and
 * let both stacks run
 */
static void step_apps(void)
{
	uint64_t nxt = next_event(), now = fake_clock_now();

	if (nxt > now + 1000000ULL)
		nxt = now + 1000000ULL;
	if (nxt > now)
		fake_clock_set_ns(nxt);
	ae_stack_poll(L.a);
	ae_stack_poll(L.b);
}

/**
 * link_stacks() - both stacks on the link, B listening on port 5001 and an
 * unconnected socket on A, both on @bulk_cc when it is set
 * @lsk:	B's listener
 * @csk:	A's socket
 */
static void link_stacks(struct ae_sock **lsk, struct ae_sock **csk)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(5001) };
	int e;

	L.a = make_stack(true, out_a, FAKE_ADDR, fake_mac);
	L.b = make_stack(false, out_b, FAKE_PEER, fake_peer_mac);
	*lsk = ae_socket(L.b, SOCK_STREAM, &e);
	ck_assert_int_eq(ae_bind(*lsk, &a), 0);
	ck_assert_int_eq(ae_listen(*lsk, 8), 0);
	*csk = ae_socket(L.a, SOCK_STREAM, &e);
	ck_assert_ptr_nonnull(*csk);
	if (bulk_cc) {
		ck_assert_int_eq(ae_setsockopt(*lsk, IPPROTO_TCP, TCP_CONGESTION,
					       bulk_cc, strlen(bulk_cc)), 0);
		ck_assert_int_eq(ae_setsockopt(*csk, IPPROTO_TCP, TCP_CONGESTION,
					       bulk_cc, strlen(bulk_cc)), 0);
	}
}

/**
 * run_transfer_slow() - both directions at once over the impaired link,
 * each receiver reading @read_chunk bytes every @read_every_ns
 * @loss_pm:	loss per mille
 * @jitter_ms:	jitter (reordering)
 * @dup_pm:	duplication per mille
 * @bytes:	per direction
 * @read_chunk:	bytes a receiver reads at a time
 * @read_every_ns: virtual time between its reads
 */
static void run_transfer_slow(unsigned int loss_pm, unsigned int jitter_ms,
			      unsigned int dup_pm, size_t bytes,
			      size_t read_chunk, uint64_t read_every_ns)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct flow ab = { 0 }, ba = { 0 };
	struct ae_sock *lsk, *csk, *ssk = NULL;
	uint64_t deadline, t_start;
	unsigned long steps = 0;
	bool started = false;

	memset(&L, 0, sizeof(L));
	L.rng = 0x9e3779b97f4a7c15ULL ^ (loss_pm * 7919 + jitter_ms);
	if (getenv("S2S_SEED"))	/* measurement: another random link */
		L.rng ^= strtoull(getenv("S2S_SEED"), NULL, 0) << 20;
	link_stacks(&lsk, &csk);
	a.sin_port = htons(5001);
	a.sin_addr.s_addr = FAKE_PEER;
	ck_assert_int_eq(ae_connect(csk, &a), -EINPROGRESS);
	L.loss_pm = loss_pm;
	L.jitter_ns = jitter_ms * 1000000ULL;
	L.dup_pm = dup_pm;
	t_start = fake_clock_now();
	deadline = fake_clock_now() + 300ULL * NS_PER_SEC;
	while (fake_clock_now() < deadline && steps++ < 20000000) {
		deliver_due();
		if (!ssk && ae_accept(lsk, &ssk, NULL) == 0) {
			ab = (struct flow){ .tx = csk, .rx = ssk, .total = bytes,
					    .seed = 1, .read_chunk = read_chunk,
					    .read_every = read_every_ns };
			ba = (struct flow){ .tx = ssk, .rx = csk, .total = bytes,
					    .seed = 2 };
		}
		if (ssk && (started || ae_sock_state(csk) >= TCPS_ESTABLISHED)) {
			started = true;
			pump(&ab);
			pump(&ba);
			if (ab.eof && ba.eof)
				break;
		}
		step_apps();
	}
	if (!(ab.eof && ba.eof)) {
		struct tcp_sock *x = (struct tcp_sock *)csk,
				*y = (struct tcp_sock *)ssk;

		for (int k = 0; k < 2; k++) {
			struct tcp_sock *z = k ? y : x;

			printf("# %c: st %d una %u nxt %u max %u wnd %u cwnd %u "
			       "rcv_nxt %u adv %u rx %u/%u tx %u flags %x "
			       "timers %lu %lu %lu %lu %lu now %lu shift %u "
			       "nofo %u\n", k ? 'B' : 'A', z->state, z->snd_una,
			       z->snd_nxt, z->snd_max, z->snd_wnd, z->cwnd,
			       z->rcv_nxt, z->rcv_adv, ring_used(&z->rx),
			       z->rx.size, ring_used(&z->tx), z->flags,
			       (unsigned long)z->timer[0], (unsigned long)z->timer[1],
			       (unsigned long)z->timer[2], (unsigned long)z->timer[3],
			       (unsigned long)z->timer[4],
			       (unsigned long)fake_clock_now(), z->rxtshift,
			       z->nofo);
		}
		fflush(stdout);
	}
	ck_assert_msg(ab.eof && ba.eof, "transfer stalled: a->b %zu/%zu, "
		      "b->a %zu/%zu", ab.rcvd, bytes, ba.rcvd, bytes);
	ck_assert_uint_eq(ab.rcvd, bytes);
	if (read_chunk)	/* the slow reader's window did fill up */
		ck_assert_uint_ge(ab.max_queued,
				  ae_sock_rx_limit(ssk) / 10 * 9);
	ck_assert_uint_eq(ba.rcvd, bytes);
	if (loss_pm)
		ck_assert_uint_gt(ae_stack_stat(L.a, "tcp", "retrans_segs") +
				  ae_stack_stat(L.b, "tcp", "retrans_segs"), 0);
	printf("# loss %u/1000 jitter %u ms dup %u/1000: %zu bytes each way in "
	       "%.2f s virtual, frames %lu lost %lu, retrans %lu+%lu, "
	       "fast %lu+%lu, timeouts %lu+%lu\n", loss_pm, jitter_ms, dup_pm,
	       bytes, (fake_clock_now() - t_start) / 1e9, L.sent, L.lost,
	       (unsigned long)ae_stack_stat(L.a, "tcp", "retrans_segs"),
	       (unsigned long)ae_stack_stat(L.b, "tcp", "retrans_segs"),
	       (unsigned long)ae_stack_stat(L.a, "tcp", "fast_retrans"),
	       (unsigned long)ae_stack_stat(L.b, "tcp", "fast_retrans"),
	       (unsigned long)ae_stack_stat(L.a, "tcp", "timeouts"),
	       (unsigned long)ae_stack_stat(L.b, "tcp", "timeouts"));
	if (getenv("S2S_DEBUG")) {
		static const char *const names[] = { "ofo_queued", "ofo_drops",
			"in_out_of_window", "drop_after_ack", "drop",
			"challenge_acks", "in_errs", "out_segs", "in_segs" };
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			printf("#   %s %lu+%lu\n", names[k],
			       (unsigned long)ae_stack_stat(L.a, "tcp", names[k]),
			       (unsigned long)ae_stack_stat(L.b, "tcp", names[k]));
		printf("#   ip out_discards %lu arp queue_drops %lu+%lu\n",
		       (unsigned long)ae_stack_stat(L.a, "ip", "out_discards"),
		       (unsigned long)ae_stack_stat(L.a, "arp", "queue_drops"),
		       (unsigned long)ae_stack_stat(L.b, "arp", "queue_drops"));
	}
	/* both closed: everything must go away after TIME-WAIT */
	ae_close(csk);
	ae_close(ssk);
	ae_close(lsk);
	deadline = fake_clock_now() + 600ULL * NS_PER_SEC;
	while ((L.a->tcp->ntcb || L.b->tcp->ntcb) &&
	       fake_clock_now() < deadline) {
		deliver_due();
		fake_clock_set_ns(next_event() == AE_NEVER ? deadline :
				  next_event());
		ae_stack_poll(L.a);
		ae_stack_poll(L.b);
	}
	ck_assert_uint_eq(L.a->tcp->ntcb, 0);
	ck_assert_uint_eq(L.b->tcp->ntcb, 0);
	while (L.n)
		free(L.q[--L.n].data);
	ae_stack_destroy(L.b);
	fake_stack_destroy(L.a);
}

/**
 * run_transfer() - both directions at full speed
 * @loss_pm:	loss per mille
 * @jitter_ms:	jitter
 * @dup_pm:	duplication per mille
 * @bytes:	per direction
 */
static void run_transfer(unsigned int loss_pm, unsigned int jitter_ms,
			 unsigned int dup_pm, size_t bytes)
{
	run_transfer_slow(loss_pm, jitter_ms, dup_pm, bytes, 0, 0);
}

static uint64_t bulk_timeouts;	/* the sender's RTOs in the last run_bulk() */
static uint64_t bulk_probe_rtt;	/* its BBR PROBE_RTT entries */
static uint64_t bulk_idle_ns;	/* virtual time between socket and connect */
static uint64_t bulk_rec_full;	/* sends its full BBR records folded */
static uint32_t bulk_rcv_limit;	/* the receiver's autotuned buffer at the end */
static uint64_t bulk_rcv_grown;	/* times it grew */

/**
 * run_bulk() - one direction of @bytes through impair.h links built from
 * @spec both ways; prints and returns the virtual duration
 * @spec:	impairment SPEC (impair.h syntax)
 * @bytes:	bytes from A to B
 *
 * Return: virtual seconds from connect to the receiver's EOF
 */
static double run_bulk(const char *spec, size_t bytes)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct flow ab = { 0 }, ba = { 0 };
	struct ae_sock *lsk, *csk, *ssk = NULL;
	struct impair_spec is;
	uint64_t deadline, t_start, trace_at = 0;
	unsigned long steps = 0;
	char err[128];
	bool started = false;
	double secs;
	int dir;

	memset(&L, 0, sizeof(L));
	ck_assert_int_eq(impair_spec_parse(spec, &is, &dir, err, sizeof(err)),
			 0);
	L.imp_ab = impair_new(&is);
	is.seed += 17;
	L.imp_ba = impair_new(&is);
	ck_assert_ptr_nonnull(L.imp_ab);
	ck_assert_ptr_nonnull(L.imp_ba);
	link_stacks(&lsk, &csk);
	a.sin_port = htons(5001);
	pace_n = 0;
	if (bulk_idle_ns)
		fake_clock_set_ns(fake_clock_now() + bulk_idle_ns);
	a.sin_addr.s_addr = FAKE_PEER;
	t_start = fake_clock_now();
	ck_assert_int_eq(ae_connect(csk, &a), -EINPROGRESS);
	deadline = t_start + 600ULL * NS_PER_SEC;
	while (fake_clock_now() < deadline && steps++ < 50000000) {
		deliver_due();
		if (bulk_switch_cc && fake_clock_now() >= t_start + bulk_switch_at) {
			char cc[16];
			size_t cl = sizeof(cc);

			ck_assert_int_eq(ae_setsockopt(csk, IPPROTO_TCP,
						       TCP_CONGESTION,
						       bulk_switch_cc,
						       strlen(bulk_switch_cc)),
					 0);
			ck_assert_int_eq(ae_getsockopt(csk, IPPROTO_TCP,
						       TCP_CONGESTION, cc, &cl),
					 0);
			ck_assert_str_eq(cc, bulk_switch_cc);
			bulk_switch_cc = NULL;
		}
		if (!ssk && ae_accept(lsk, &ssk, NULL) == 0) {
			ab = (struct flow){ .tx = csk, .rx = ssk, .total = bytes,
					    .seed = 1 };
			ba = (struct flow){ .tx = ssk, .rx = csk, .seed = 2 };
			if (bulk_cc) {	/* the child has its listener's */
				char cc[16];
				size_t cl = sizeof(cc);

				ck_assert_int_eq(ae_getsockopt(ssk, IPPROTO_TCP,
							       TCP_CONGESTION,
							       cc, &cl), 0);
				ck_assert_str_eq(cc, bulk_cc);
			}
		}
		if (ssk && (started ||
			    ae_sock_state(csk) >= TCPS_ESTABLISHED)) {
			started = true;
			pump(&ab);
			pump(&ba);
			if (ab.eof)
				break;
		}
		if (getenv("S2S_TRACE") && fake_clock_now() >= trace_at) {
			const struct tcp_sock *t = (const struct tcp_sock *)csk;

			trace_at = fake_clock_now() + 50000000ULL;
			printf("# t %.2f una %u cwnd %u ssth %u flight %u "
			       "wnd %u srtt %u rto %u rec %d sacked %u\n",
			       (fake_clock_now() - t_start) / 1e9,
			       t->snd_una - t->iss, t->cwnd, t->ssthresh,
			       tcp_flight(t), t->snd_wnd, t->srtt, t->rto,
			       !!(t->flags & TF_INRECOVERY), t->nsacked);
		}
		step_apps();
	}
	secs = (fake_clock_now() - t_start) / 1e9;
	if (!ab.eof && ssk) {
		const struct tcp_sock *y = (const struct tcp_sock *)ssk;

		printf("# B: st %d rcv_nxt-irs %u rx used %u nofo %u flags %x "
		       "read %zu\n", y->state, y->rcv_nxt - y->irs,
		       ring_used(&y->rx), y->nofo, y->flags, ab.rcvd);
	}
	ck_assert_msg(ab.eof, "bulk stalled: %zu/%zu", ab.rcvd, bytes);
	ck_assert_uint_eq(ab.rcvd, bytes);
	printf("# bulk %s: %zu bytes in %.3f s virtual; sender retrans %lu "
	       "fast %lu timeouts %lu; receiver ofo %lu; lost %lu+%lu\n",
	       spec, bytes, secs,
	       (unsigned long)ae_stack_stat(L.a, "tcp", "retrans_segs"),
	       (unsigned long)ae_stack_stat(L.a, "tcp", "fast_retrans"),
	       (unsigned long)ae_stack_stat(L.a, "tcp", "timeouts"),
	       (unsigned long)ae_stack_stat(L.b, "tcp", "ofo_queued"),
	       (unsigned long)impair_stats(L.imp_ab)->dropped,
	       (unsigned long)impair_stats(L.imp_ba)->dropped);
	if (bulk_cc)
		printf("# bbr: paced %lu, rack_retrans %lu, probe_rtt %lu, "
		       "receiver dsack_sent %lu\n",
		       (unsigned long)ae_stack_stat(L.a, "tcp", "paced"),
		       (unsigned long)ae_stack_stat(L.a, "tcp", "rack_retrans"),
		       (unsigned long)ae_stack_stat(L.a, "tcp", "bbr_probe_rtt"),
		       (unsigned long)ae_stack_stat(L.b, "tcp", "dsack_sent"));
	fflush(stdout);
	bulk_timeouts = ae_stack_stat(L.a, "tcp", "timeouts");
	bulk_probe_rtt = ae_stack_stat(L.a, "tcp", "bbr_probe_rtt");
	bulk_rec_full = ae_stack_stat(L.a, "tcp", "bbr_rec_full");
	if (((struct tcp_sock *)csk)->bbr) {
		bulk_bbr = *((struct tcp_sock *)csk)->bbr;
		bulk_bbr.rec = NULL;	/* freed with the socket */
		ck_assert_int_eq(ae_tcp_info(csk, &bulk_ti), 0);
	}
	bulk_rcv_limit = ae_sock_rx_limit(ssk);
	bulk_rcv_grown = ae_stack_stat(L.b, "tcp", "rcvbuf_grown");
	ae_close(csk);
	ae_close(ssk);
	ae_close(lsk);
	deadline = fake_clock_now() + 600ULL * NS_PER_SEC;
	while ((L.a->tcp->ntcb || L.b->tcp->ntcb) &&
	       fake_clock_now() < deadline) {
		uint64_t nxt;

		deliver_due();
		nxt = next_event();
		fake_clock_set_ns(nxt == AE_NEVER || nxt > deadline ?
				  deadline : nxt);
		ae_stack_poll(L.a);
		ae_stack_poll(L.b);
	}
	ck_assert_uint_eq(L.a->tcp->ntcb, 0);
	ck_assert_uint_eq(L.b->tcp->ntcb, 0);
	impair_free(L.imp_ab);
	impair_free(L.imp_ba);
	L.imp_ab = L.imp_ba = NULL;
	ae_stack_destroy(L.b);
	fake_stack_destroy(L.a);
	return secs;
}

/*
 * Bounds for the bulk cases: what Aether does now (the seeds are fixed, so
 * the runs are deterministic), with ~15% slack, so that a regression fails.
 * Linux does 0.54 s and 14 s on the same SPECs in the lab (issue 5); these
 * bounds are to come down towards ~2x that.
 */
#define BULK_1PCT_MAX_S		20.0	/* now 17.4 s */
#define BULK_REORDER_MAX_S	39.0	/* now 33.4 s */
#define BULK_REORDER_MAX_RTO	12	/* now 8 */

START_TEST(bulk_loss_1pct_delay_10ms)
{
	double s = run_bulk(getenv("S2S_SPEC") ? getenv("S2S_SPEC") :
			    "loss=1%,delay=10ms", 16u << 20);

	if (!getenv("S2S_SPEC") && !getenv("S2S_BUF"))
		ck_assert_msg(s < BULK_1PCT_MAX_S, "16 MiB took %.2f s", s);
}
END_TEST

START_TEST(bulk_lossy_reordering)
{
	double s = run_bulk("loss=3%,delay=10ms,jitter=5ms,reorder=25%,"
			    "dup=1%,corrupt=0.1%", 16u << 20);

	if (getenv("S2S_BUF"))
		return;
	ck_assert_msg(s < BULK_REORDER_MAX_S, "16 MiB took %.2f s", s);
	ck_assert_uint_le(bulk_timeouts, BULK_REORDER_MAX_RTO);
}
END_TEST

/*
 * A clean 10 ms link (20 ms round trip): the receiver's buffer must grow
 * from 256 KiB towards the 4 MiB ring, or 32 MiB would take 2.6 s at
 * 256 KiB per round trip. Linux (cubic, same link through aether-impair)
 * moves 64 MiB in 1.4 s.
 */
START_TEST(clean_delay_autotunes_window)
{
	double s = run_bulk("delay=10ms", 32u << 20);

	ck_assert_uint_gt(bulk_rcv_grown, 0);
	ck_assert_uint_ge(bulk_rcv_limit, 2u << 20);
	ck_assert_msg(s < 1.2, "32 MiB took %.2f s", s);
}
END_TEST

START_TEST(clean_link_4mib)
{
	run_transfer(0, 0, 0, 4u << 20);
}
END_TEST

START_TEST(loss_2pct_reorder_4mib)
{
	run_transfer(20, 3, 0, 4u << 20);
}
END_TEST

START_TEST(loss_10pct_dup_1mib)
{
	run_transfer(100, 2, 20, 1u << 20);
}
END_TEST

START_TEST(slow_reader_window_closes)
{
	/* 4 KiB every 10 ms (400 KB/s) from a sender that could go faster:
	 * the window closes and reopens, under 1% loss, nothing lost */
	run_transfer_slow(10, 1, 0, 1u << 20, 4096, 10 * 1000000ULL);
}
END_TEST

/*
 * BBR (both ends' senders): random loss is not congestion, so 1% loss on
 * a 20 ms round trip must not hold the transfer down as it does CUBIC.
 */
#define BBR_1PCT_MAX_S		1.0	/* now 0.53 s; kernel BBR ~0.5 s */

START_TEST(bbr_bulk_loss_1pct)
{
	double s;

	bulk_cc = "bbr";
	s = run_bulk(getenv("S2S_SPEC") ? getenv("S2S_SPEC") :
		     "loss=1%,delay=10ms", 16u << 20);
	if (!getenv("S2S_SPEC"))
		ck_assert_msg(s < BBR_1PCT_MAX_S, "16 MiB took %.2f s", s);
}
END_TEST

/*
 * A clean 10 ms link: BBR must be at least as fast as CUBIC (the
 * receiver's autotuned window is the limit for both).
 */
START_TEST(bbr_clean_delay_10ms)
{
	double cubic, bbr;

	bulk_cc = NULL;
	cubic = run_bulk("delay=10ms", 32u << 20);
	bulk_cc = "bbr";
	bbr = run_bulk("delay=10ms", 32u << 20);
	printf("# clean delay=10ms 32 MiB: bbr %.3f s, cubic %.3f s\n", bbr,
	       cubic);
	ck_assert_msg(bbr <= cubic, "bbr %.3f s, cubic %.3f s", bbr, cubic);
}
END_TEST

START_TEST(bbr_lossy_reordering)
{
	double s;

	bulk_cc = "bbr";
	s = run_bulk("loss=3%,delay=10ms,jitter=5ms,reorder=25%,"
		     "dup=1%,corrupt=0.1%", 16u << 20);
	ck_assert_msg(s < BULK_REORDER_MAX_S, "16 MiB took %.2f s", s);
}
END_TEST

/**
 * pace_stats() - of A's data frames sent at or after @from: the most that
 * left at one instant, and the median gap between consecutive ones
 * @from:	virtual time (ns)
 * @same:	most frames at one instant
 * @median:	median gap (ns)
 */
static void pace_stats(uint64_t from, unsigned int *same, uint64_t *median)
{
	static uint64_t gaps[PACE_MAX];
	unsigned int i, j, n = 0, run = 1;
	uint64_t g;

	*same = 0;
	for (i = 1; i < pace_n; i++) {
		if (pace_t[i] < from)
			continue;
		run = pace_t[i] == pace_t[i - 1] ? run + 1 : 1;
		if (run > *same)
			*same = run;
		g = pace_t[i] - pace_t[i - 1];
		for (j = n++; j > 0 && gaps[j - 1] > g; j--)
			gaps[j] = gaps[j - 1];
		gaps[j] = g;
	}
	*median = n ? gaps[n / 2] : 0;
}

/*
 * Pacing spaces segments: over a 20 Mbit/s bottleneck (2.5 MB/s, one
 * 1448-byte segment every 0.58 ms) BBR sends at most a few segments at
 * one instant and, in steady state, its data segments half a millisecond
 * or more apart; CUBIC sends its initial window in one burst.
 */
START_TEST(bbr_pacing_spaces_segments)
{
	unsigned int same_c, same_b, same_b_steady;
	uint64_t med_c, med_b;
	double s;

	bulk_cc = NULL;
	pace_on = true;
	s = run_bulk("delay=10ms,rate=20mbit", 2u << 20);
	pace_stats(0, &same_c, &med_c);
	bulk_cc = "bbr";
	s = run_bulk("delay=10ms,rate=20mbit", 2u << 20);
	ck_assert_uint_gt(pace_n, 1000);
	pace_stats(0, &same_b, &med_b);
	pace_stats(pace_t[0] + 500 * NS_PER_MS, &same_b_steady, &med_b);
	printf("# pacing: cubic %u frames at once (median gap %.3f ms); bbr %u "
	       "at once, %u after 0.5 s, median gap %.3f ms; %.2f s\n",
	       same_c, med_c / 1e6, same_b, same_b_steady, med_b / 1e6, s);
	ck_assert_uint_ge(same_c, 10);
	ck_assert_uint_le(same_b, 5);
	ck_assert_uint_le(same_b_steady, 2);
	ck_assert_uint_ge(med_b, 400 * 1000);
	/* the model found the path: 2.5 MB/s of frames is 2.39 MB/s of
	 * 1448-byte payloads; 20 ms plus a frame's serialization */
	printf("# bbr model: mode %d bw %.3f MB/s min_rtt %.2f ms pacing "
	       "%.3f MB/s; TCP_INFO cwnd %u rtt %u us ssthresh %u\n",
	       bulk_bbr.mode, bulk_bbr.bw[0].v / 1e6, bulk_bbr.min_rtt_us / 1e3,
	       bulk_bbr.pacing_rate / 1e6, bulk_ti.tcpi_snd_cwnd,
	       bulk_ti.tcpi_rtt, bulk_ti.tcpi_snd_ssthresh);
	ck_assert_int_eq(bulk_bbr.mode, BBR_PROBE_BW);
	ck_assert_msg(bulk_bbr.bw[0].v >= 2200000 && bulk_bbr.bw[0].v <= 2600000,
		      "bw %lu", (unsigned long)bulk_bbr.bw[0].v);
	ck_assert_uint_ge(bulk_bbr.min_rtt_us, 20000);
	ck_assert_uint_le(bulk_bbr.min_rtt_us, 22000);
	ck_assert_uint_ge(bulk_ti.tcpi_snd_cwnd, 4);
	ck_assert_uint_eq(bulk_ti.tcpi_snd_ssthresh, 0x7fffffff);
	ck_assert_uint_ge(bulk_ti.tcpi_rtt, 20000);
}
END_TEST

/*
 * Switching mid-transfer: BBR to CUBIC, and CUBIC to BBR, under 1% loss;
 * every byte arrives and getsockopt names the new algorithm.
 */
START_TEST(bbr_switch_and_back)
{
	double s;

	bulk_cc = "bbr";
	bulk_switch_cc = "cubic";
	bulk_switch_at = 200 * NS_PER_MS;
	s = run_bulk("loss=1%,delay=10ms", 8u << 20);
	ck_assert_ptr_null(bulk_switch_cc);	/* it did switch */
	printf("# bbr -> cubic at 0.2 s: 8 MiB in %.2f s\n", s);
	bulk_cc = NULL;
	bulk_switch_cc = "bbr";
	s = run_bulk("loss=1%,delay=10ms", 8u << 20);
	ck_assert_ptr_null(bulk_switch_cc);
	printf("# cubic -> bbr at 0.2 s: 8 MiB in %.2f s\n", s);
}
END_TEST

/**
 * sock_cc() - a new socket's congestion control on a stack made with
 * @congestion in its config
 * @congestion:	ae_config.congestion ("" = the default)
 * @out:	the name TCP_CONGESTION reads back
 */
static void sock_cc(const char *congestion, char out[16])
{
	struct ae_config cfg;
	struct ae_stack *s;
	struct ae_sock *sk;
	size_t len = 16;
	int err;

	fake_config_default(&cfg);
	snprintf(cfg.congestion, sizeof(cfg.congestion), "%s", congestion);
	s = ae_stack_create(&cfg);
	ck_assert_ptr_nonnull(s);
	sk = ae_socket(s, SOCK_STREAM, &err);
	ck_assert_ptr_nonnull(sk);
	ck_assert_int_eq(ae_getsockopt(sk, IPPROTO_TCP, TCP_CONGESTION, out,
				       &len), 0);
	ae_close(sk);
	ae_stack_destroy(s);
}

/* CUBIC stays the default; BBR is the default only if the embedder asks */
START_TEST(bbr_only_default_when_asked)
{
	char cc[16];

	sock_cc("", cc);
	ck_assert_str_eq(cc, "cubic");
	sock_cc("bbr", cc);
	ck_assert_str_eq(cc, "bbr");
	sock_cc("reno", cc);
	ck_assert_str_eq(cc, "reno");
}
END_TEST

/*
 * 14 s at 20 Mbit/s: RTprop is 10 s old once, so BBR goes through PROBE_RTT
 * (4 segments for 200 ms) and back, and still uses the link (32 MiB is
 * 14.0 s of 1448-byte payloads at 2.39 MB/s).
 */
START_TEST(bbr_probe_rtt_long_transfer)
{
	double s;

	bulk_cc = "bbr";
	s = run_bulk("delay=10ms,rate=20mbit", 32u << 20);
	ck_assert_uint_ge(bulk_probe_rtt, 1);
	ck_assert_int_eq(bulk_bbr.mode, BBR_PROBE_BW);
	ck_assert_msg(s < 15.0, "32 MiB at 20 Mbit/s took %.2f s", s);
}
END_TEST

/*
 * 16 MiB rings (and a link that holds 20000 frames) let more segments
 * be in flight than the 4096 transmission records: the newest record absorbs the rest (coarser samples), and the
 * transfer still completes intact and fast.
 */
START_TEST(bbr_records_full_degrade)
{
	double s;

	bulk_cc = "bbr";
	setenv("S2S_BUF", "16777216", 1);
	s = run_bulk("loss=1%,delay=10ms,limit=20000", 64u << 20);
	unsetenv("S2S_BUF");
	printf("# bbr, 16 MiB rings: 64 MiB in %.3f s, %lu sends folded into "
	       "a full record array\n", s, (unsigned long)bulk_rec_full);
	ck_assert_uint_gt(bulk_rec_full, 0);
	ck_assert_msg(s < 2.0, "64 MiB took %.2f s", s);
}
END_TEST

/*
 * A socket that selects BBR long before it connects has no RTprop yet:
 * the 10 s RTprop window must not count from the selection, or the first
 * ACK would send the new connection into PROBE_RTT.
 */
START_TEST(bbr_selected_long_before_connect)
{
	double s;

	bulk_cc = "bbr";
	bulk_idle_ns = 30 * NS_PER_SEC;
	s = run_bulk("loss=1%,delay=10ms", 16u << 20);
	bulk_idle_ns = 0;
	ck_assert_uint_eq(bulk_probe_rtt, 0);
	ck_assert_msg(s < BBR_1PCT_MAX_S, "16 MiB took %.2f s", s);
}
END_TEST

/* the run_transfer() cases, both directions on BBR: heavy loss with
 * duplicates, and a slow reader whose window closes under pacing */
START_TEST(bbr_loss_10pct_dup_1mib)
{
	bulk_cc = "bbr";
	run_transfer(100, 2, 20, 1u << 20);
}
END_TEST

START_TEST(bbr_slow_reader_window_closes)
{
	bulk_cc = "bbr";
	run_transfer_slow(10, 1, 0, 1u << 20, 4096, 10 * 1000000ULL);
}
END_TEST

START_TEST(bbr_loss_2pct_reorder_4mib)
{
	bulk_cc = "bbr";
	run_transfer(20, 3, 0, 4u << 20);
}
END_TEST

static Suite *tcp_s2s_suite(void)
{
	Suite *s = suite_create("tcp_s2s");
	TCase *tc = tcase_create("s2s");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, bulk_loss_1pct_delay_10ms);
	tcase_add_test(tc, bulk_lossy_reordering);
	tcase_add_test(tc, clean_link_4mib);
	tcase_add_test(tc, clean_delay_autotunes_window);
	tcase_add_test(tc, loss_2pct_reorder_4mib);
	tcase_add_test(tc, loss_10pct_dup_1mib);
	tcase_add_test(tc, slow_reader_window_closes);
	tcase_add_test(tc, bbr_bulk_loss_1pct);
	tcase_add_test(tc, bbr_clean_delay_10ms);
	tcase_add_test(tc, bbr_lossy_reordering);
	tcase_add_test(tc, bbr_pacing_spaces_segments);
	tcase_add_test(tc, bbr_switch_and_back);
	tcase_add_test(tc, bbr_only_default_when_asked);
	tcase_add_test(tc, bbr_probe_rtt_long_transfer);
	tcase_add_test(tc, bbr_records_full_degrade);
	tcase_add_test(tc, bbr_selected_long_before_connect);
	tcase_add_test(tc, bbr_loss_10pct_dup_1mib);
	tcase_add_test(tc, bbr_slow_reader_window_closes);
	tcase_add_test(tc, bbr_loss_2pct_reorder_4mib);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(tcp_s2s_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
