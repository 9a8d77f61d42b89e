// SPDX-License-Identifier: MIT
/*
 * Unit tests for host/impair.c: the user-space impairment link, driven by
 * a virtual clock with fixed seeds. Every frame carries its sequence number
 * at byte 14, so the tests see what was lost, duplicated and reordered.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "impair.h"
#include "snapshot.h"

#define MS	1000000ULL
#define MAXREC	250000
#define FLEN	100

/**
 * struct rec - one delivered frame
 * @seq:	sequence number read from the frame
 * @t:		delivery time
 * @len:	length
 */
struct rec {
	uint32_t seq;
	uint64_t t;
	uint32_t len;
};

/**
 * struct sink - what the link delivered
 * @r:		records
 * @n:		count
 * @now:	current virtual time, stamped on each record
 * @last:	bytes of the last delivered frame
 */
struct sink {
	struct rec r[MAXREC];
	size_t n;
	uint64_t now;
	uint8_t last[2048];
};

static struct sink *sk, *sk2;

/**
 * sink_out() - impair_out_fn recording a frame
 * @ctx:	struct sink
 * @frame:	bytes
 * @len:	length
 */
static void sink_out(void *ctx, const void *frame, size_t len)
{
	struct sink *s = ctx;
	const uint8_t *b = frame;

	ck_assert_uint_lt(s->n, MAXREC);
	s->r[s->n].seq = (uint32_t)b[14] << 24 | (uint32_t)b[15] << 16 |
			 (uint32_t)b[16] << 8 | b[17];
	s->r[s->n].t = s->now;
	s->r[s->n].len = (uint32_t)len;
	s->n++;
	memcpy(s->last, frame, len < sizeof(s->last) ? len : sizeof(s->last));
}

/**
 * mkframe() - a frame of @len bytes with @seq at byte 14
 * @b:		buffer
 * @len:	length, >= 18
 * @seq:	sequence number
 */
static void mkframe(uint8_t *b, size_t len, uint32_t seq)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 7 + seq);
	b[14] = seq >> 24;
	b[15] = seq >> 16;
	b[16] = seq >> 8;
	b[17] = seq;
}

/**
 * run_until() - deliver everything due by @t, each at its own deadline
 * @imp:	link
 * @s:		sink
 * @t:		virtual time to advance to
 */
static void run_until(struct impair *imp, struct sink *s, uint64_t t)
{
	uint64_t d;

	while ((d = impair_next_deadline(imp)) <= t) {
		s->now = d;
		impair_deliver(imp, d, sink_out, s);
	}
	s->now = t;
}

/**
 * mklink() - parse @spec and create a link, failing the test on error
 * @spec:	SPEC string
 *
 * Return: the link
 */
static struct impair *mklink(const char *spec)
{
	struct impair_spec s;
	struct impair *imp;
	char err[200] = "";

	ck_assert_msg(!impair_spec_parse(spec, &s, NULL, err, sizeof(err)),
		      "%s: %s", spec, err);
	imp = impair_new(&s);
	ck_assert_ptr_nonnull(imp);
	return imp;
}

/**
 * feed() - submit @n frames @gap ns apart starting at @t0, delivering as
 * time passes, then drain
 * @imp:	link
 * @s:		sink
 * @n:		frames
 * @len:	frame length
 * @t0:		first submit time
 * @gap:	spacing
 *
 * Return: time of the last submission
 */
static uint64_t feed(struct impair *imp, struct sink *s, uint32_t n,
		     size_t len, uint64_t t0, uint64_t gap)
{
	uint8_t b[2048];
	uint64_t t = t0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		t = t0 + i * gap;
		run_until(imp, s, t);
		mkframe(b, len, i);
		impair_submit(imp, b, len, t);
	}
	run_until(imp, s, UINT64_MAX - 1);
	return t;
}

/**
 * check_conservation() - counters add up
 * @imp:	link, drained
 */
static void check_conservation(const struct impair *imp)
{
	const struct impair_stats *st = impair_stats(imp);

	ck_assert_uint_eq(st->passed + st->duplicated,
			  st->delivered + st->queued);
}

static void setup(void)
{
	sk = calloc(1, sizeof(*sk));
	sk2 = calloc(1, sizeof(*sk2));
	ck_assert_ptr_nonnull(sk);
	ck_assert_ptr_nonnull(sk2);
}

static void teardown(void)
{
	free(sk);
	free(sk2);
}

START_TEST(test_loss_rate)
{
	struct impair *imp = mklink("loss=3%,seed=7");
	const struct impair_stats *st = impair_stats(imp);
	double rate;

	feed(imp, sk, 100000, FLEN, 0, 1000);
	rate = 100.0 * (double)st->dropped / 100000.0;
	ck_assert_msg(rate > 2.5 && rate < 3.5, "loss %.3f%%", rate);
	ck_assert_uint_eq(st->submitted, 100000);
	ck_assert_uint_eq(st->passed + st->dropped, 100000);
	ck_assert_uint_eq(sk->n, st->passed);
	ck_assert_uint_eq(st->duplicated + st->corrupted + st->reordered +
			  st->tail_dropped, 0);
	check_conservation(imp);
	impair_free(imp);
}
END_TEST

START_TEST(test_loss_extremes)
{
	struct impair *imp = mklink("loss=0%");

	feed(imp, sk, 10000, FLEN, 0, 1000);
	ck_assert_uint_eq(sk->n, 10000);
	ck_assert_uint_eq(impair_stats(imp)->dropped, 0);
	impair_free(imp);

	sk->n = 0;
	imp = mklink("loss=100%");
	feed(imp, sk, 10000, FLEN, 0, 1000);
	ck_assert_uint_eq(sk->n, 0);
	ck_assert_uint_eq(impair_stats(imp)->dropped, 10000);
	impair_free(imp);
}
END_TEST

/**
 * mean_burst() - mean run length of consecutive lost sequence numbers
 * @s:		sink of an in-order link fed 0..@n-1
 * @n:		frames fed
 * @bursts:	number of loss runs
 *
 * Return: mean run length
 */
static double mean_burst(const struct sink *s, uint32_t n, uint64_t *bursts)
{
	uint64_t lost = 0, runs = 0;
	uint32_t expect = 0;
	size_t i;

	for (i = 0; i <= s->n; i++) {
		uint32_t seq = i < s->n ? s->r[i].seq : n;

		if (seq > expect) {
			runs++;
			lost += seq - expect;
		}
		expect = seq + 1;
	}
	*bursts = runs;
	return runs ? (double)lost / (double)runs : 0;
}

START_TEST(test_ge_bursts)
{
	struct impair *imp = mklink("ge=1%/30%,seed=3");
	const struct impair_stats *st = impair_stats(imp);
	uint64_t bursts;
	double mb, rate, want_rate = 100.0 * 0.01 / 0.31;

	feed(imp, sk, 100000, FLEN, 0, 1000);
	mb = mean_burst(sk, 100000, &bursts);
	rate = 100.0 * (double)st->dropped / 100000.0;
	/* bad state lasts 1/r = 3.33 frames; all its frames are lost */
	ck_assert_msg(mb > 3.33 * 0.9 && mb < 3.33 * 1.1,
		      "mean burst %.3f over %lu bursts", mb,
		      (unsigned long)bursts);
	ck_assert_msg(rate > want_rate - 0.5 && rate < want_rate + 0.5,
		      "loss %.3f%% want %.3f%%", rate, want_rate);
	impair_free(imp);

	/* independent loss at about the same rate: bursts barely above 1 */
	sk->n = 0;
	imp = mklink("loss=3.2%,seed=3");
	feed(imp, sk, 100000, FLEN, 0, 1000);
	mb = mean_burst(sk, 100000, &bursts);
	ck_assert_msg(mb < 1.1, "independent mean burst %.3f", mb);
	impair_free(imp);

	/* separate keys mean the same; ge_bad=50% halves the loss in bursts */
	sk->n = 0;
	imp = mklink("ge_p=1%,ge_r=30%,ge_bad=50%,seed=3");
	feed(imp, sk, 100000, FLEN, 0, 1000);
	rate = 100.0 * (double)impair_stats(imp)->dropped / 100000.0;
	ck_assert_msg(rate > want_rate / 2 - 0.5 && rate < want_rate / 2 + 0.5,
		      "ge_bad=50%% loss %.3f%%", rate);
	impair_free(imp);
}
END_TEST

START_TEST(test_delay_exact)
{
	struct impair *imp = mklink("delay=10ms");
	size_t i;

	feed(imp, sk, 1000, FLEN, 5 * MS, MS / 3);
	ck_assert_uint_eq(sk->n, 1000);
	for (i = 0; i < sk->n; i++) {
		ck_assert_uint_eq(sk->r[i].seq, i);
		ck_assert_uint_eq(sk->r[i].t, 5 * MS + i * (MS / 3) + 10 * MS);
	}
	/* several frames submitted at the same instant keep their order */
	sk->n = 0;
	feed(imp, sk, 100, FLEN, 100 * MS, 0);
	for (i = 0; i < 100; i++) {
		ck_assert_uint_eq(sk->r[i].seq, i);
		ck_assert_uint_eq(sk->r[i].t, 110 * MS);
	}
	check_conservation(imp);
	impair_free(imp);
}
END_TEST

/**
 * inversions() - delivered frames that overtook an earlier-submitted one
 * @s:		sink
 *
 * Return: count of records whose seq is below the highest seen before
 */
static size_t inversions(const struct sink *s)
{
	uint32_t max = 0;
	size_t i, inv = 0;

	for (i = 0; i < s->n; i++) {
		if (i && s->r[i].seq < max)
			inv++;
		if (s->r[i].seq > max)
			max = s->r[i].seq;
	}
	return inv;
}

START_TEST(test_jitter_reorders)
{
	struct impair *imp = mklink("delay=10ms,jitter=5ms");
	double sum = 0, mean;
	size_t i;

	feed(imp, sk, 10000, FLEN, 0, MS / 10);
	ck_assert_uint_eq(sk->n, 10000);
	for (i = 0; i < sk->n; i++) {
		uint64_t sent = sk->r[i].seq * (MS / 10);
		uint64_t d = sk->r[i].t - sent;

		ck_assert_uint_ge(d, 5 * MS);
		ck_assert_uint_le(d, 15 * MS);
		sum += (double)d;
	}
	mean = sum / (double)sk->n / (double)MS;
	ck_assert_msg(mean > 9.8 && mean < 10.2, "mean delay %.3f ms", mean);
	ck_assert_uint_gt(inversions(sk), 1000);
	ck_assert_uint_eq(impair_stats(imp)->reordered, 0);
	impair_free(imp);
}
END_TEST

START_TEST(test_reorder_ahead)
{
	struct impair *imp = mklink("delay=10ms,reorder=25%,seed=11");
	const struct impair_stats *st = impair_stats(imp);
	size_t i, immediate = 0;
	double pct;

	feed(imp, sk, 20000, FLEN, 0, MS);
	ck_assert_uint_eq(sk->n, 20000);
	for (i = 0; i < sk->n; i++) {
		uint64_t d = sk->r[i].t - sk->r[i].seq * MS;

		ck_assert(d == 0 || d == 10 * MS);
		immediate += d == 0;
	}
	ck_assert_uint_eq(immediate, st->reordered);
	pct = 100.0 * (double)st->reordered / 20000.0;
	ck_assert_msg(pct > 24 && pct < 26, "reordered %.2f%%", pct);
	/* each immediate frame overtakes the 9 delayed ones sent before it */
	ck_assert_uint_gt(inversions(sk), st->reordered * 9 / 10);
	impair_free(imp);

	/* without delay, reorder has nothing to overtake */
	sk->n = 0;
	imp = mklink("reorder=25%");
	feed(imp, sk, 1000, FLEN, 0, MS);
	ck_assert_uint_eq(inversions(sk), 0);
	ck_assert_uint_eq(impair_stats(imp)->reordered, 0);
	impair_free(imp);
}
END_TEST

START_TEST(test_dup_corrupt_rates)
{
	struct impair *imp = mklink("dup=1%,corrupt=0.1%,seed=5");
	const struct impair_stats *st = impair_stats(imp);
	double dup, cor;

	feed(imp, sk, 100000, FLEN, 0, 1000);
	dup = 100.0 * (double)st->duplicated / 100000.0;
	cor = 100.0 * (double)st->corrupted / 100000.0;
	ck_assert_msg(dup > 0.85 && dup < 1.15, "dup %.3f%%", dup);
	ck_assert_msg(cor > 0.07 && cor < 0.13, "corrupt %.3f%%", cor);
	ck_assert_uint_eq(sk->n, 100000 + st->duplicated);
	check_conservation(imp);
	impair_free(imp);
}
END_TEST

START_TEST(test_corrupt_one_bit)
{
	struct impair *imp = mklink("corrupt=100%,seed=9");
	uint8_t orig[1600];
	size_t len, i;
	int k;

	for (k = 0; k < 2000; k++) {
		int bits = 0;

		len = 15 + (size_t)(k * 37) % 1500;
		if (len < 18)
			len = 18;
		sk->n = 0;
		mkframe(orig, len, 0x01020304);
		impair_submit(imp, orig, len, (uint64_t)k);
		run_until(imp, sk, (uint64_t)k);
		ck_assert_uint_eq(sk->n, 1);
		ck_assert_uint_eq(sk->r[0].len, len);
		ck_assert_mem_eq(sk->last, orig, IMPAIR_ETH_HLEN);
		for (i = IMPAIR_ETH_HLEN; i < len; i++)
			bits += __builtin_popcount(sk->last[i] ^ orig[i]);
		ck_assert_int_eq(bits, 1);
	}
	ck_assert_uint_eq(impair_stats(imp)->corrupted, 2000);
	/* a bare Ethernet header has nothing to corrupt */
	sk->n = 0;
	memset(orig, 0xab, IMPAIR_ETH_HLEN);
	impair_submit(imp, orig, IMPAIR_ETH_HLEN, 5000);
	run_until(imp, sk, 5000);
	ck_assert_uint_eq(sk->n, 1);
	ck_assert_mem_eq(sk->last, orig, IMPAIR_ETH_HLEN);
	impair_free(imp);
}
END_TEST

START_TEST(test_rate_limit)
{
	/* 20 Mbit/s offered to a 10 Mbit/s link for one virtual second */
	struct impair *imp = mklink("rate=10mbit,limit=100");
	const struct impair_stats *st = impair_stats(imp);
	uint64_t first, last, bits;
	double mbit;
	size_t i;

	feed(imp, sk, 2500, 1000, 0, 400000);
	ck_assert_uint_gt(st->tail_dropped, 1000);
	ck_assert_uint_le(st->queue_max, 100);
	ck_assert_uint_eq(st->passed + st->tail_dropped, 2500);
	first = sk->r[0].t;
	last = sk->r[sk->n - 1].t;
	bits = (uint64_t)(sk->n - 1) * 1000 * 8;
	mbit = (double)bits / ((double)(last - first) / 1e9) / 1e6;
	ck_assert_msg(mbit > 9.5 && mbit < 10.5, "rate %.3f mbit/s", mbit);
	/* back to back frames leave exactly one serialization time apart */
	for (i = 1; i < 50; i++)
		ck_assert_uint_eq(sk->r[i].t - sk->r[i - 1].t, 800000);
	check_conservation(imp);
	impair_free(imp);

	/* offered below the rate: nothing dropped, each frame 0.8 ms late */
	sk->n = 0;
	imp = mklink("rate=10mbit,limit=100");
	feed(imp, sk, 1000, 1000, 0, 2 * MS);
	ck_assert_uint_eq(sk->n, 1000);
	ck_assert_uint_eq(impair_stats(imp)->tail_dropped, 0);
	for (i = 0; i < sk->n; i++)
		ck_assert_uint_eq(sk->r[i].t, i * 2 * MS + 800000);
	impair_free(imp);

	/* rate and delay: serialized, then the propagation delay */
	sk->n = 0;
	imp = mklink("rate=1mbit,delay=10ms");
	feed(imp, sk, 10, 125, 0, 0);
	for (i = 0; i < sk->n; i++)
		ck_assert_uint_eq(sk->r[i].t, (i + 1) * MS + 10 * MS);
	impair_free(imp);
}
END_TEST

START_TEST(test_bounded_queue)
{
	struct impair *imp = mklink("delay=1s,limit=50,maxframe=1514");
	const struct impair_stats *st = impair_stats(imp);
	size_t fp = impair_footprint(imp);
	uint8_t b[2048];
	uint32_t i;

	ck_assert_uint_lt(fp, 50 * 1514 + 4096);
	for (i = 0; i < 10000; i++) {
		mkframe(b, FLEN, i);
		impair_submit(imp, b, FLEN, i);
		ck_assert_uint_le(st->queued, 50);
	}
	ck_assert_uint_eq(st->queued, 50);
	ck_assert_uint_eq(st->tail_dropped, 9950);
	mkframe(b, 1515, 0);
	ck_assert_int_eq(impair_submit(imp, b, 1515, 10000), 0);
	ck_assert_uint_eq(st->oversize, 1);
	ck_assert_uint_eq(impair_footprint(imp), fp);
	run_until(imp, sk, UINT64_MAX - 1);
	ck_assert_uint_eq(sk->n, 50);
	ck_assert_uint_eq(st->queued, 0);
	for (i = 0; i < 50; i++)
		ck_assert_uint_eq(sk->r[i].seq, i);
	ck_assert_uint_eq(impair_next_deadline(imp), UINT64_MAX);
	/* the slots are reusable */
	sk->n = 0;
	feed(imp, sk, 200, FLEN, 2000 * MS, 100 * MS);
	ck_assert_uint_eq(sk->n, 200);
	impair_free(imp);
}
END_TEST

START_TEST(test_same_seed_same_run)
{
	const char *spec = "loss=3%,delay=10ms,jitter=5ms,reorder=25%,dup=1%,"
			   "corrupt=0.1%,rate=100mbit,seed=42,ge=1%/30%";
	struct impair *a = mklink(spec), *b = mklink(spec);
	struct impair *c = mklink("loss=3%,delay=10ms,jitter=5ms,reorder=25%,"
				  "dup=1%,corrupt=0.1%,rate=100mbit,seed=43,"
				  "ge=1%/30%");
	size_t i, diff = 0;

	feed(a, sk, 20000, 600, 0, 50000);
	feed(b, sk2, 20000, 600, 0, 50000);
	ck_assert_uint_eq(sk->n, sk2->n);
	ck_assert_mem_eq(impair_stats(a), impair_stats(b),
			 sizeof(struct impair_stats));
	for (i = 0; i < sk->n; i++) {
		ck_assert_uint_eq(sk->r[i].seq, sk2->r[i].seq);
		ck_assert_uint_eq(sk->r[i].t, sk2->r[i].t);
	}
	ck_assert_mem_eq(sk->last, sk2->last, 600);

	sk2->n = 0;
	feed(c, sk2, 20000, 600, 0, 50000);
	for (i = 0; i < sk->n && i < sk2->n; i++)
		diff += sk->r[i].seq != sk2->r[i].seq ||
			sk->r[i].t != sk2->r[i].t;
	ck_assert_uint_gt(diff, 100);
	impair_free(a);
	impair_free(b);
	impair_free(c);
}
END_TEST

/**
 * submit_n() - submit frames @first .. @first + @n - 1, @gap ns apart from
 * @t0, delivering as time passes; no drain at the end
 * @imp:	link
 * @s:		sink
 * @first:	first sequence number
 * @n:		frames
 * @t0:		first submit time
 * @gap:	spacing
 */
static void submit_n(struct impair *imp, struct sink *s, uint32_t first,
		     uint32_t n, uint64_t t0, uint64_t gap)
{
	uint8_t b[2048];
	uint32_t i;

	for (i = 0; i < n; i++) {
		run_until(imp, s, t0 + i * gap);
		mkframe(b, 600, first + i);
		impair_submit(imp, b, 600, t0 + i * gap);
	}
}

START_TEST(test_handed_over)
{
	const char *spec = "loss=3%,delay=10ms,jitter=5ms,reorder=25%,dup=1%,"
			   "corrupt=0.1%,rate=100mbit,seed=42,ge=1%/30%";
	struct impair *a = mklink(spec), *b = mklink(spec);
	struct impair *c = mklink("delay=10ms,seed=42");
	uint64_t t = 5000 * 50000ULL;
	struct snap_w w;
	struct snap_r r;
	size_t i, at;

	/* a runs half the input, hands over to b (frames held and all) */
	submit_n(a, sk, 0, 5000, 0, 50000);
	ck_assert_uint_gt(impair_stats(a)->queued, 10);
	snap_w_init(&w);
	impair_save(a, &w, t);
	ck_assert_int_eq(w.err, 0);
	snap_r_init(&r, w.buf, w.len);
	r.rec = w.buf;		/* the bytes as one record's payload */
	r.rec_len = w.len;
	ck_assert_int_eq(impair_load(b, &r, t), 0);
	ck_assert_uint_eq(r.pos, w.len);
	ck_assert_mem_eq(impair_stats(a), impair_stats(b),
			 sizeof(struct impair_stats));
	/* then both go on with the same input: the same frames, times and
	 * decisions (PRNG, loss-model state, rate backlog carried) */
	at = sk->n;
	sk2->n = 0;
	sk2->now = sk->now;
	submit_n(a, sk, 5000, 5000, t, 50000);
	submit_n(b, sk2, 5000, 5000, t, 50000);
	run_until(a, sk, UINT64_MAX - 1);
	run_until(b, sk2, UINT64_MAX - 1);
	ck_assert_uint_eq(sk->n - at, sk2->n);
	for (i = 0; i < sk2->n; i++) {
		ck_assert_uint_eq(sk->r[at + i].seq, sk2->r[i].seq);
		ck_assert_uint_eq(sk->r[at + i].t, sk2->r[i].t);
	}
	ck_assert_mem_eq(impair_stats(a), impair_stats(b),
			 sizeof(struct impair_stats));
	check_conservation(b);
	/* a link of another spec refuses the state */
	snap_r_init(&r, w.buf, w.len);
	r.rec = w.buf;
	r.rec_len = w.len;
	ck_assert_int_eq(impair_load(c, &r, t), -EINVAL);
	snap_w_free(&w);
	impair_free(a);
	impair_free(b);
	impair_free(c);
}
END_TEST

START_TEST(test_parse_example)
{
	struct impair_spec s;
	char err[200] = "", fmt[300];
	int dir = 0;

	ck_assert_int_eq(impair_spec_parse("loss=3%,delay=10ms,jitter=5ms,"
					   "reorder=25%,dup=1%,corrupt=0.1%,"
					   "rate=100mbit,seed=1,dir=both",
					   &s, &dir, err, sizeof(err)), 0);
	ck_assert_int_eq(dir, IMPAIR_DIR_BOTH);
	ck_assert_uint_eq(s.loss, (uint64_t)(0.03 * (double)IMPAIR_P_ONE + 0.5));
	ck_assert_uint_eq(s.delay_ns, 10 * MS);
	ck_assert_uint_eq(s.jitter_ns, 5 * MS);
	ck_assert_uint_eq(s.reorder, IMPAIR_P_ONE / 4);
	ck_assert_uint_eq(s.rate_bps, 100000000);
	ck_assert_uint_eq(s.seed, 1);
	ck_assert_uint_eq(s.limit, IMPAIR_LIMIT_DEFAULT);
	ck_assert(!s.ge);
	ck_assert(!impair_spec_is_clean(&s));
	ck_assert_int_eq(impair_spec_format(&s, fmt, sizeof(fmt)), 0);
	ck_assert_ptr_nonnull(strstr(fmt, "loss=3%"));
	ck_assert_ptr_nonnull(strstr(fmt, "delay=10ms"));

	ck_assert_int_eq(impair_spec_parse("dir=in,loss=3", &s, &dir, err,
					   sizeof(err)), 0);
	ck_assert_int_eq(dir, IMPAIR_DIR_IN);
	ck_assert_int_eq(impair_spec_parse("dir=out,rate=10kbps,delay=1.5s,"
					   "limit=10,maxframe=9000", &s, &dir,
					   err, sizeof(err)), 0);
	ck_assert_int_eq(dir, IMPAIR_DIR_OUT);
	ck_assert_uint_eq(s.rate_bps, 80000);
	ck_assert_uint_eq(s.delay_ns, 1500 * MS);
	ck_assert_uint_eq(s.limit, 10);
	ck_assert_uint_eq(s.maxframe, 9000);
	ck_assert_int_eq(impair_spec_parse("ge=1%/30%/80%/0.5%", &s, NULL, err,
					   sizeof(err)), 0);
	ck_assert(s.ge);
	ck_assert_uint_eq(s.ge_r, (uint64_t)(0.3 * (double)IMPAIR_P_ONE + 0.5));
	ck_assert_uint_eq(s.ge_bad, (uint64_t)(0.8 * (double)IMPAIR_P_ONE + 0.5));
	ck_assert_int_eq(impair_spec_parse("", &s, &dir, err, sizeof(err)), 0);
	ck_assert(impair_spec_is_clean(&s));
	ck_assert_int_eq(dir, IMPAIR_DIR_BOTH);
	ck_assert_int_eq(impair_spec_parse("loss=0%", &s, NULL, err,
					   sizeof(err)), 0);
	ck_assert(impair_spec_is_clean(&s));
	ck_assert_int_eq(impair_spec_parse("delay=0,rate=0", &s, NULL, err,
					   sizeof(err)), 0);
	ck_assert(impair_spec_is_clean(&s));
}
END_TEST

static const char *const bad_specs[][2] = {
	{ "loss=3%,foo=1", "foo" },
	{ "lose=3%", "lose" },
	{ "loss=abc", "loss" },
	{ "loss=101%", "loss" },
	{ "loss=-1%", "loss" },
	{ "loss=3%%", "loss" },
	{ "delay=10", "delay" },
	{ "delay=10parsecs", "delay" },
	{ "jitter=", "jitter" },
	{ "rate=fast", "rate" },
	{ "rate=100", "rate" },
	{ "dir=sideways", "dir" },
	{ "ge=1%", "ge" },
	{ "ge=1%/2%/3%/4%/5%", "ge" },
	{ "ge_r=x", "ge_r" },
	{ "limit=0", "limit" },
	{ "limit=2000000", "limit" },
	{ "maxframe=10", "maxframe" },
	{ "seed=x1", "seed" },
	{ "reorder=nan", "reorder" },
	{ "dup=inf", "dup" },
	{ "corrupt", "corrupt" },
};

START_TEST(test_parse_bad)
{
	struct impair_spec s;
	char err[200];
	const char *spec = bad_specs[_i][0], *key = bad_specs[_i][1];

	err[0] = '\0';
	ck_assert_msg(impair_spec_parse(spec, &s, NULL, err, sizeof(err)) == -1,
		      "'%s' accepted", spec);
	ck_assert_msg(strstr(err, key), "'%s': error '%s' does not name %s",
		      spec, err, key);
	ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

static Suite *impair_suite(void)
{
	Suite *s = suite_create("impair");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_loss_rate);
	tcase_add_test(tc, test_loss_extremes);
	tcase_add_test(tc, test_ge_bursts);
	tcase_add_test(tc, test_delay_exact);
	tcase_add_test(tc, test_jitter_reorders);
	tcase_add_test(tc, test_reorder_ahead);
	tcase_add_test(tc, test_dup_corrupt_rates);
	tcase_add_test(tc, test_corrupt_one_bit);
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_bounded_queue);
	tcase_add_test(tc, test_same_seed_same_run);
	tcase_add_test(tc, test_handed_over);
	tcase_add_test(tc, test_parse_example);
	tcase_add_loop_test(tc, test_parse_bad, 0,
			    sizeof(bad_specs) / sizeof(bad_specs[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(impair_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
