// SPDX-License-Identifier: MIT
/**
 * DOC: fuzz_s2s.c - libFuzzer target: two stacks over a link the fuzzer runs
 *
 * Theory of operation: stack A (192.168.1.2) connects to stack B
 * (192.168.1.1:80) and sends a known byte pattern, then closes; B reads,
 * checks every byte against the pattern as it arrives, and closes at EOF.
 * Every frame either stack emits goes into a queue for the other, and the
 * fuzz input decides, frame by frame, what the link does with it:
 *
 *	byte 0		transfer size: 1000 + 250 * byte bytes
 *	byte 1		bit 0: 4 KiB socket buffers; bit 1: MTU 576 on both;
 *			bit 2: both ways - B sends its own pattern of the same
 *			size while reading, each side shuts down its sending
 *			half when done, reads to EOF, then closes
 *	then		one decision per frame:
 *			  0x00-0xbf deliver, 0xc0-0xdf drop, 0xe0-0xef duplicate,
 *			  0xf0-0xf7 hold back (reorder behind the queue),
 *			  0xf8-0xfb flip a byte (the next input byte says which;
 *			  the checksums must catch it), 0xfc-0xff let the clock
 *			  run (the next input byte, in ms) before delivering
 *
 * When the input is used up the link is clean. Oracles:
 *  - B never reads a byte that differs from the pattern at its offset;
 *  - at EOF B has read exactly the transfer size;
 *  - on a clean link the transfer ends within 40 virtual minutes: completed,
 *    or failed with an error on a socket (A gave up during the lossy part) -
 *    never stalled;
 *  - both stacks free everything at destroy (counting allocator; LSan for
 *    the rest).
 * This finds what a single-stack target cannot: retransmission, SACK,
 * recovery and reassembly logic that loses, duplicates or reorders data.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "aether.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define Q_LEN		256
#define Q_FRAME		1600
#define STEP_MAX	40000
#define CLEAN_LIMIT_NS	(40ULL * 60 * 1000000000ULL)

/**
 * struct link_q - frames in flight towards one stack
 * @len:	frame lengths
 * @buf:	frames
 * @head:	next to deliver
 * @n:		frames queued
 */
struct link_q {
	size_t len[Q_LEN];
	uint8_t buf[Q_LEN][Q_FRAME];
	unsigned int head, n;
};

/**
 * struct side - one stack and its application
 * @s:		the stack
 * @q:		frames towards this stack
 * @mem_live:	allocations live through the hook
 * @sk:		A: the connecting socket; B: the accepted one
 * @lsn:	B's listener
 * @off:	A: bytes sent; B: bytes read
 * @eof:	B read EOF / A closed its socket (both ways: this side closed)
 * @err:	an error was reported on a socket of this side
 * @wr:		both ways: bytes this side sent
 * @rd:		both ways: bytes this side read
 * @wr_shut:	both ways: this side shut down its sending half
 * @rd_eof:	both ways: this side read EOF
 */
struct side {
	struct ae_stack *s;
	struct link_q q;
	long mem_live;
	struct ae_sock *sk, *lsn;
	uint32_t off, wr, rd;
	bool eof, err, wr_shut, rd_eof;
};

static struct side A, B;
static uint64_t now;
static uint32_t total;
static const uint8_t *in;
static bool both_ways;
static int trace = -1;	/* env FUZZ_TRACE: 1 summary, 2 every frame */
static size_t in_len, in_pos;

/**
 * fail() - an oracle tripped
 * @what:	message
 */
static void fail(const char *what)
{
	uint64_t ta = A.s ? ae_stack_next_timeout(A.s) : 0;
	uint64_t tb = B.s ? ae_stack_next_timeout(B.s) : 0;

	fprintf(stderr, "fuzz_s2s: %s (A sent %u, B read %u of %u; at %.3f s "
		"virtual the next timers are A %+.3f s, B %+.3f s)\n", what,
		A.off, B.off, total, (double)(now - 1000000000000ULL) / 1e9,
		ta == UINT64_MAX ? 1e9 : ((double)ta - (double)now) / 1e9,
		tb == UINT64_MAX ? 1e9 : ((double)tb - (double)now) / 1e9);
	abort();
}

/**
 * pattern() - the byte at offset @i of the transfer
 * @i:		offset
 *
 * Return: byte (not periodic at any power of two below 2^32)
 */
static uint8_t pattern(uint32_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13 ^ i);
}

/**
 * next_byte() - the next decision byte, or -1 when the input is used up
 *
 * Return: 0..255 or -1
 */
static int next_byte(void)
{
	return in_pos < in_len ? in[in_pos++] : -1;
}

/**
 * q_push() - queue a gathered frame (dropped when full or oversized)
 * @q:		queue
 * @iov:	parts
 * @iovcnt:	count
 */
static void q_push(struct link_q *q, const struct iovec *iov, int iovcnt)
{
	unsigned int slot;
	size_t len = 0;
	int i;

	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (q->n >= Q_LEN || len > Q_FRAME)
		return;
	slot = (q->head + q->n) % Q_LEN;
	len = 0;
	for (i = 0; i < iovcnt; i++) {
		memcpy(q->buf[slot] + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	q->len[slot] = len;
	q->n++;
}

/**
 * out_a() - A's output hook: towards B
 * @ctx:	unused
 * @iov:	parts
 * @iovcnt:	count
 */
static void out_a(void *ctx, const struct iovec *iov, int iovcnt)
{
	(void)ctx;
	q_push(&B.q, iov, iovcnt);
}

/**
 * out_b() - B's output hook: towards A
 * @ctx:	unused
 * @iov:	parts
 * @iovcnt:	count
 */
static void out_b(void *ctx, const struct iovec *iov, int iovcnt)
{
	(void)ctx;
	q_push(&A.q, iov, iovcnt);
}

/**
 * clock_fn() - the shared virtual clock
 * @ctx:	unused
 *
 * Return: ns
 */
static uint64_t clock_fn(void *ctx)
{
	(void)ctx;
	return now;
}

/**
 * mem_alloc() - counting allocator (ctx: the side)
 * @ctx:	struct side
 * @len:	bytes
 *
 * Return: memory
 */
static void *mem_alloc(void *ctx, size_t len)
{
	size_t *h = malloc(len + 16);

	if (!h)
		return NULL;
	h[0] = len;
	((struct side *)ctx)->mem_live++;
	return h + 2;
}

/**
 * mem_free() - counting free; the length must match
 * @ctx:	struct side
 * @mem:	memory
 * @len:	length the stack believes
 */
static void mem_free(void *ctx, void *mem, size_t len)
{
	size_t *h;

	if (!mem)
		return;
	h = (size_t *)mem - 2;
	if (h[0] != len)
		fail("mem_free with a wrong length");
	((struct side *)ctx)->mem_live--;
	free(h);
}

/**
 * noop_cb() - sockets need no callback work: app_turn() polls them
 * @sk:		socket
 * @ev:		events
 * @user:	unused
 */
static void noop_cb(struct ae_sock *sk, unsigned int ev, void *user)
{
	(void)sk;
	(void)ev;
	(void)user;
}

/**
 * make_stack() - one side's stack
 * @x:		side
 * @last:	last address byte (2 for A, 1 for B)
 * @cfgbits:	byte 1 of the input
 */
static void make_stack(struct side *x, uint8_t last, unsigned int cfgbits)
{
	struct ae_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.mac[0] = 0x02;
	cfg.mac[5] = last;
	cfg.addr = htonl(0xc0a80100u | last);
	cfg.prefix_len = 24;
	cfg.mtu = (cfgbits & 2) ? 576 : 1500;
	cfg.seed = 0x5eed0000u + last;
	cfg.output = last == 2 ? out_a : out_b;
	cfg.clock = clock_fn;
	cfg.mem_alloc = mem_alloc;
	cfg.mem_free = mem_free;
	cfg.mem_ctx = x;
	if (cfgbits & 1)
		cfg.rcvbuf = cfg.sndbuf = 4096;
	cfg.time_wait_ms = 2000;
	x->s = ae_stack_create(&cfg);
	if (!x->s)
		fail("ae_stack_create");
}

/**
 * app_a() - A writes the pattern, closes when all is queued
 */
static void app_a(void)
{
	static uint8_t buf[8192];
	uint32_t n, i;
	ssize_t r;

	if (!A.sk || A.eof)
		return;
	if (ae_sock_error(A.sk) || (ae_poll(A.sk) & AE_EV_ERR)) {
		A.err = true;
		ae_close(A.sk);
		A.sk = NULL;
		return;
	}
	while (A.off < total) {
		n = total - A.off < sizeof(buf) ? total - A.off : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = pattern(A.off + i);
		r = ae_send(A.sk, buf, n, 0);
		if (r == -EAGAIN || r == -ENOTCONN || r == 0)
			return;
		if (r < 0) {
			A.err = true;
			return;
		}
		if ((size_t)r > n)
			fail("ae_send took more than given");
		A.off += (uint32_t)r;
	}
	ae_close(A.sk);		/* graceful: FIN after the data */
	A.sk = NULL;
	A.eof = true;
}

/**
 * app_b() - B accepts once, reads and checks, closes at EOF
 */
static void app_b(void)
{
	static uint8_t buf[16384];
	struct ae_sock *sk;
	ssize_t r, i;
	int k;

	if (!B.sk && !B.eof && ae_accept(B.lsn, &sk, NULL) == 0) {
		ae_sock_set_callback(sk, noop_cb, NULL);
		B.sk = sk;
	}
	if (!B.sk)
		return;
	for (k = 0; k < 64; k++) {
		r = ae_recv(B.sk, buf, sizeof(buf), 0);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			B.err = true;
			break;
		}
		if (r == 0) {
			if (B.off != total)
				fail("EOF before the whole transfer");
			B.eof = true;
			break;
		}
		if ((size_t)r > sizeof(buf))
			fail("ae_recv returned more than asked");
		for (i = 0; i < r; i++)
			if (buf[i] != pattern(B.off + (uint32_t)i))
				fail("B read a byte that differs from what A sent");
		B.off += (uint32_t)r;
		if (B.off > total)
			fail("B read more than A sent");
	}
	ae_close(B.sk);
	B.sk = NULL;
}

/**
 * trace_frame() - FUZZ_TRACE=2: one line per frame the link handles
 * @dir:	"A->B" or "B->A"
 * @f:		frame
 * @len:	length
 * @d:		the link's decision byte (-1: clean link)
 */
static void trace_frame(const char *dir, const uint8_t *f, size_t len, int d)
{
	const uint8_t *t;
	size_t hl;

	if (len < 54 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 6) {
		fprintf(stderr, "%10.3f %s non-TCP len %zu d %d\n",
			(double)(now - 1000ULL * 1000000000ULL) / 1e9, dir, len, d);
		return;
	}
	hl = (size_t)(f[14] & 0xf) * 4;
	t = f + 14 + hl;
	fprintf(stderr, "%10.3f %s fl %02x seq %u ack %u win %u len %zu d %d\n",
		(double)(now - 1000ULL * 1000000000ULL) / 1e9, dir, t[13],
		(unsigned)t[4] << 24 | (unsigned)t[5] << 16 | (unsigned)t[6] << 8 | t[7],
		(unsigned)t[8] << 24 | (unsigned)t[9] << 16 | (unsigned)t[10] << 8 | t[11],
		(unsigned)(t[14] << 8 | t[15]),
		len - 14 - hl - (size_t)(t[12] >> 4) * 4, d);
}

/**
 * pat_of() - the pattern byte @i of what side @x sends
 * @x:		sender
 * @i:		offset
 *
 * Return: byte
 */
static uint8_t pat_of(const struct side *x, uint32_t i)
{
	return x == &A ? pattern(i) : pattern(i + 0x9e3779b9u);
}

/**
 * duplex_write() - both ways: send this side's pattern, then SHUT_WR
 * @x:		side
 */
static void duplex_write(struct side *x)
{
	static uint8_t buf[8192];
	uint32_t n, i;
	ssize_t r;

	while (x->wr < total) {
		n = total - x->wr < sizeof(buf) ? total - x->wr : sizeof(buf);
		for (i = 0; i < n; i++)
			buf[i] = pat_of(x, x->wr + i);
		r = ae_send(x->sk, buf, n, 0);
		if (r == -EAGAIN || r == -ENOTCONN || r == 0)
			return;
		if (r < 0) {
			x->err = true;
			return;
		}
		if ((size_t)r > n)
			fail("ae_send took more than given");
		x->wr += (uint32_t)r;
	}
	if (!x->wr_shut) {
		if (ae_shutdown(x->sk, SHUT_WR))
			x->err = true;
		x->wr_shut = true;
	}
}

/**
 * duplex_read() - both ways: read and check the other side's pattern
 * @x:		side
 */
static void duplex_read(struct side *x)
{
	static uint8_t buf[16384];
	const struct side *peer = x == &A ? &B : &A;
	ssize_t r, i;
	int k;

	for (k = 0; k < 64 && !x->rd_eof; k++) {
		r = ae_recv(x->sk, buf, sizeof(buf), 0);
		if (r == -EAGAIN || r == -ENOTCONN)
			return;
		if (r < 0) {
			x->err = true;
			return;
		}
		if (r == 0) {
			if (x->rd != total)
				fail("EOF before the whole transfer (both ways)");
			x->rd_eof = true;
			return;
		}
		if ((size_t)r > sizeof(buf))
			fail("ae_recv returned more than asked");
		for (i = 0; i < r; i++)
			if (buf[i] != pat_of(peer, x->rd + (uint32_t)i))
				fail("read a byte that differs from what was sent "
				     "(both ways)");
		x->rd += (uint32_t)r;
		if (x->rd > total)
			fail("read more than was sent (both ways)");
	}
}

/**
 * duplex_side() - both ways: one side's turn
 * @x:		side
 */
static void duplex_side(struct side *x)
{
	struct ae_sock *sk;

	if (x == &B && !B.sk && !B.eof && ae_accept(B.lsn, &sk, NULL) == 0) {
		ae_sock_set_callback(sk, noop_cb, NULL);
		B.sk = sk;
	}
	if (!x->sk || x->eof)
		return;
	if (ae_sock_error(x->sk)) {
		x->err = true;
		return;
	}
	duplex_write(x);
	duplex_read(x);
	if (x->wr_shut && x->rd_eof && !x->err) {
		ae_close(x->sk);
		x->sk = NULL;
		x->eof = true;
	}
}

/**
 * deliver() - hand the head frame of @x's queue to @x, as the link decides
 * @x:		receiving side
 */
static void deliver(struct side *x)
{
	struct link_q *q = &x->q;
	unsigned int h = q->head;
	int d = next_byte(), b;
	size_t len = q->len[h];
	uint8_t frame[Q_FRAME];

	memcpy(frame, q->buf[h], len);
	if (trace > 1)
		trace_frame(x == &A ? "B->A" : "A->B", frame, len, d);
	q->head = (q->head + 1) % Q_LEN;
	q->n--;
	if (d < 0 || d < 0xc0) {
		ae_stack_input(x->s, frame, len);
	} else if (d < 0xe0) {
		/* dropped */
	} else if (d < 0xf0) {
		ae_stack_input(x->s, frame, len);
		ae_stack_input(x->s, frame, len);
	} else if (d < 0xf8) {
		unsigned int slot = (q->head + q->n) % Q_LEN;

		memcpy(q->buf[slot], frame, len);	/* behind the others */
		q->len[slot] = len;
		q->n++;
	} else if (d < 0xfc) {
		b = next_byte();
		if (len)
			frame[(size_t)(b < 0 ? 0 : b) * 7 % len] ^= 0x5a;
		ae_stack_input(x->s, frame, len);
	} else {
		b = next_byte();
		now += (uint64_t)(b < 0 ? 0 : b) * 1000000ULL;
		ae_stack_poll(A.s);
		ae_stack_poll(B.s);
		ae_stack_input(x->s, frame, len);
	}
}

/**
 * done() - the transfer is over, one way or the other
 *
 * Return: true when B read EOF (and A closed), or an error ended it
 */
static bool done(void)
{
	return (B.eof && A.eof) || A.err || B.err;
}

/**
 * check_stacks() - both stacks' invariants (ae_stack_check())
 */
static void check_stacks(void)
{
	const char *why = ae_stack_check(A.s);

	if (!why)
		why = ae_stack_check(B.s);
	if (why)
		fail(why);
}

/**
 * step() - one unit of progress: a frame delivered, or time to a timer
 */
static void step(void)
{
	uint64_t t;

	if (A.q.n || B.q.n) {
		if (B.q.n && (!A.q.n || (in_pos & 1)))
			deliver(&B);
		else
			deliver(&A);
		now += 100000;		/* 0.1 ms a frame */
	} else {
		t = ae_stack_next_timeout(A.s);
		if (ae_stack_next_timeout(B.s) < t)
			t = ae_stack_next_timeout(B.s);
		now = (t == UINT64_MAX || t <= now) ? now + 1000000 : t;
	}
	ae_stack_poll(A.s);
	ae_stack_poll(B.s);
	if (both_ways) {
		duplex_side(&A);
		duplex_side(&B);
	} else {
		app_a();
		app_b();
	}
	check_stacks();
}

/**
 * start() - both stacks, B listening, A connecting
 * @cfgbits:	byte 1 of the input
 */
static void start(unsigned int cfgbits)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int err;

	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	now = 1000ULL * 1000000000ULL;
	make_stack(&A, 2, cfgbits);
	make_stack(&B, 1, cfgbits);
	B.lsn = ae_socket(B.s, SOCK_STREAM, &err);
	A.sk = ae_socket(A.s, SOCK_STREAM, &err);
	if (!B.lsn || !A.sk)
		fail("ae_socket");
	ae_sock_set_callback(B.lsn, noop_cb, NULL);
	ae_sock_set_callback(A.sk, noop_cb, NULL);
	a.sin_port = htons(80);
	if (ae_bind(B.lsn, &a) || ae_listen(B.lsn, 4))
		fail("listen");
	a.sin_addr.s_addr = htonl(0xc0a80101);
	err = ae_connect(A.sk, &a);
	if (err && err != -EINPROGRESS)
		fail("connect");
}

/**
 * finish() - close what is left, destroy, check memory
 */
static void finish(void)
{
	if (trace > 0 && both_ways)
		fprintf(stderr, "both ways: A wrote %u read %u%s%s, B wrote %u "
			"read %u%s%s of %u, %.3f s virtual\n", A.wr, A.rd,
			A.eof ? " closed" : "", A.err ? " error" : "", B.wr, B.rd,
			B.eof ? " closed" : "", B.err ? " error" : "", total,
			(double)(now - 1000ULL * 1000000000ULL) / 1e9);
	else if (trace > 0)
		fprintf(stderr, "A sent %u%s%s, B read %u of %u%s%s, %.3f s virtual, "
			"%zu of %zu decisions used\n", A.off,
			A.eof ? " closed" : "", A.err ? " error" : "", B.off,
			total, B.eof ? " eof" : "", B.err ? " error" : "",
			(double)(now - 1000ULL * 1000000000ULL) / 1e9, in_pos,
			in_len);
	if (A.sk)
		ae_close(A.sk);
	if (B.sk)
		ae_close(B.sk);
	ae_close(B.lsn);
	ae_stack_destroy(A.s);
	ae_stack_destroy(B.s);
	if (A.mem_live || B.mem_live)
		fail("memory still allocated after ae_stack_destroy");
}

/**
 * count_sock() - ae_stack_sockets_foreach() visitor: connections only
 * @ctx:	int counter
 * @info:	socket line
 */
static void count_sock(void *ctx, const struct ae_sock_info *info)
{
	if (strcmp(ae_tcp_state_name(info->state), "LISTEN"))
		(*(int *)ctx)++;
}

/**
 * side_gone() - the application of @x closed and its stack holds no
 * connection any more
 * @x:		side
 *
 * Return: true when nothing more can come from @x
 */
static bool side_gone(const struct side *x)
{
	int n = 0;

	if (!x->eof)
		return false;
	ae_stack_sockets_foreach(x->s, count_sock, &n);
	return n == 0;
}

/**
 * live_conns() - connections (not listeners) a side's stack still holds
 * @x:		side
 *
 * Return: count
 */
static int live_conns(const struct side *x)
{
	int n = 0;

	ae_stack_sockets_foreach(x->s, count_sock, &n);
	return n;
}

/**
 * quiescent() - nothing queued on the link and no timer in either stack
 *
 * Return: true when nothing will ever happen again
 */
static bool quiescent(void)
{
	return !A.q.n && !B.q.n && ae_stack_next_timeout(A.s) == UINT64_MAX &&
	       ae_stack_next_timeout(B.s) == UINT64_MAX;
}

/**
 * LLVMFuzzerTestOneInput() - one transfer over one link schedule
 * @data:	input
 * @size:	length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t clean_since = 0, gone_at = 0;
	int k;

	if (size < 2)
		return 0;
	if (trace < 0)
		trace = getenv("FUZZ_TRACE") ? atoi(getenv("FUZZ_TRACE")) : 0;
	total = 1000 + 250u * data[0];
	both_ways = data[1] & 4;
	in = data + 2;
	in_len = size - 2;
	in_pos = 0;
	start(data[1]);
	for (k = 0; k < STEP_MAX && !done(); k++) {
		step();
		if (in_pos >= in_len && !clean_since)
			clean_since = now;
		if (!gone_at && (side_gone(&A) || side_gone(&B)))
			gone_at = now;
		if (quiescent())
			break;
		if (clean_since && now - clean_since > CLEAN_LIMIT_NS)
			break;
	}
	/*
	 * A side whose application closed and whose connection is gone (it
	 * gave up, or was reset by a peer that had lost the connection during
	 * the lossy part) cannot report anything: the kernel loses such data
	 * silently too. If the other side has no connection either, that is
	 * the end. If the other side still has one, it waits forever (TCP
	 * without keepalive, as the kernel does) - acceptable only when the
	 * first side went away while the link was lossy.
	 */
	if (!done() && !(gone_at && (!live_conns(&A) || !live_conns(&B) ||
				     !clean_since || gone_at < clean_since))) {
		if (k >= STEP_MAX)
			fail("transfer still going after the step limit");
		if (quiescent())
			fail("transfer stalled: no frame queued, no timer pending");
		fail("transfer stalled: 40 virtual minutes on a clean link");
	}
	finish();
	return 0;
}
