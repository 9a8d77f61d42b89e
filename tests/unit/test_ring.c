// SPDX-License-Identifier: MIT
/**
 * DOC: test_ring.c - the shared-memory byte ring and index validation
 *
 * Full and empty, wrap-around of storage and of the 32-bit indices, peek,
 * iovec skip, layout checks, the daemon's validation of shim-written indices
 * (corrupt ones rejected), and the ring under two threads and under two
 * processes sharing a mapping, with every byte checked. Restarting (base
 * moved to tail when the ring is empty): a request-response exchange stays
 * in the first page, storage and index wrap with restarts, two threads and
 * two processes with a producer that restarts at every write, a producer
 * killed between moving base and publishing tail, a consumer killed in the
 * middle of a read. Which pages may be given back: past the threshold only,
 * never the first page, one holding data or the next byte written.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm.h"

#define RSZ	4096u

/**
 * struct tring - a ring with its indices, as one shared block
 * @head:	consumer index
 * @pad:	keeps the indices on separate lines
 * @tail:	producer index
 * @base:	index at the first byte of @mem (producer)
 * @restart:	the producer restarts the ring whenever it finds it empty
 * @mem:	storage
 */
struct tring {
	uint32_t head;
	uint8_t pad[60];
	uint32_t tail;
	uint32_t base;
	uint32_t restart;
	uint8_t mem[RSZ];
};

/**
 * ring_of() - the spsc view of a test ring
 * @t:		test ring
 *
 * Return: the view
 */
static struct ae_spsc ring_of(struct tring *t)
{
	return (struct ae_spsc){ t->mem, RSZ, &t->head, &t->tail, &t->base };
}

START_TEST(test_empty_full)
{
	static struct tring t;
	struct ae_spsc r = ring_of(&t);
	uint8_t in[5000], out[5000];

	memset(&t, 0, sizeof(t));
	memset(in, 0xab, sizeof(in));
	ck_assert_uint_eq(spsc_used(&r), 0);
	ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false), 0);
	ck_assert_uint_eq(spsc_write(&r, in, sizeof(in)), RSZ);
	ck_assert_uint_eq(spsc_free(&r), 0);
	ck_assert_uint_eq(spsc_write(&r, in, 1), 0);
	ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false), RSZ);
	ck_assert_uint_eq(spsc_used(&r), 0);
	ck_assert_int_eq(memcmp(in, out, RSZ), 0);
}
END_TEST

START_TEST(test_wrap_storage_and_index)
{
	static struct tring t;
	struct ae_spsc r = ring_of(&t);
	uint8_t in[3000], out[3000];
	int round;
	size_t i;

	memset(&t, 0, sizeof(t));
	/* indices just below 2^32: they wrap while the storage wraps too */
	t.head = t.tail = 0xFFFFFFFFu - 5000;
	for (round = 0; round < 10; round++) {
		for (i = 0; i < sizeof(in); i++)
			in[i] = (uint8_t)(i * 7 + round);
		ck_assert_uint_eq(spsc_write(&r, in, sizeof(in)), sizeof(in));
		ck_assert_uint_eq(spsc_used(&r), sizeof(in));
		ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false),
				  sizeof(out));
		ck_assert_int_eq(memcmp(in, out, sizeof(in)), 0);
	}
	ck_assert_uint_lt(t.tail, 0x10000u);	/* it did wrap */
}
END_TEST

START_TEST(test_peek_and_iov_skip)
{
	static struct tring t;
	struct ae_spsc r = ring_of(&t);
	char a[4] = "abcd", b[4] = "efgh", o1[3], o2[5];
	struct iovec iv[2] = { { a, 4 }, { b, 4 } };
	struct iovec ov[2] = { { o1, 3 }, { o2, 5 } };

	memset(&t, 0, sizeof(t));
	/* skip the first 2 bytes of the source iovec */
	ck_assert_uint_eq(spsc_writev(&r, iv, 2, 2, 100), 6);
	ck_assert_uint_eq(spsc_readv(&r, ov, 2, 0, 100, true), 6);
	ck_assert_uint_eq(spsc_used(&r), 6);	/* peek kept it */
	ck_assert_int_eq(memcmp(o1, "cde", 3), 0);
	ck_assert_int_eq(memcmp(o2, "fgh", 3), 0);
	ck_assert_uint_eq(spsc_readv(&r, ov, 2, 0, 4, false), 4);
	ck_assert_uint_eq(spsc_used(&r), 2);
}
END_TEST

START_TEST(test_corrupt_indices_clamped)
{
	static struct tring t;
	struct ae_spsc r = ring_of(&t);
	uint8_t buf[64];

	memset(&t, 0, sizeof(t));
	t.head = 0;
	t.tail = RSZ * 5;	/* impossible: more used than the size */
	ck_assert_uint_eq(spsc_used(&r), RSZ);
	ck_assert_uint_eq(spsc_free(&r), 0);
	ck_assert_uint_eq(spsc_write(&r, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(spsc_read(&r, buf, sizeof(buf), false), 0);
	t.head = 100;
	t.tail = 50;		/* tail behind head */
	ck_assert_uint_eq(spsc_read(&r, buf, sizeof(buf), false), 0);
	ck_assert_uint_eq(spsc_write(&r, buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_check_rx_head)
{
	uint32_t n = 99;

	ck_assert_int_eq(shm_check_rx_head(100, 200, 150, &n), 0);
	ck_assert_uint_eq(n, 50);
	ck_assert_int_eq(shm_check_rx_head(100, 200, 200, &n), 0);
	ck_assert_uint_eq(n, 100);
	ck_assert_int_eq(shm_check_rx_head(100, 200, 100, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(shm_check_rx_head(100, 200, 201, &n), -EINVAL);
	ck_assert_int_eq(shm_check_rx_head(100, 200, 99, &n), -EINVAL);
	ck_assert_int_eq(shm_check_rx_head(100, 200, 0xFFFFFFFFu, &n), -EINVAL);
	/* across the 2^32 wrap */
	ck_assert_int_eq(shm_check_rx_head(0xFFFFFFF0u, 0x10, 0x5, &n), 0);
	ck_assert_uint_eq(n, 0x15);
	ck_assert_int_eq(shm_check_rx_head(0xFFFFFFF0u, 0x10, 0x11, &n),
			 -EINVAL);
}
END_TEST

START_TEST(test_check_tx_tail)
{
	uint32_t n = 99;

	ck_assert_int_eq(shm_check_tx_tail(1000, 1000, RSZ, 1000 + RSZ, &n), 0);
	ck_assert_uint_eq(n, RSZ);
	ck_assert_int_eq(shm_check_tx_tail(1000, 1000, RSZ, 1001 + RSZ, &n),
			 -EINVAL);
	ck_assert_int_eq(shm_check_tx_tail(1000, 500, RSZ, 500 + RSZ, &n), 0);
	ck_assert_uint_eq(n, RSZ - 500);
	ck_assert_int_eq(shm_check_tx_tail(1000, 500, RSZ, 501 + RSZ, &n),
			 -EINVAL);
	ck_assert_int_eq(shm_check_tx_tail(1000, 500, RSZ, 999, &n), -EINVAL);
	ck_assert_int_eq(shm_check_tx_tail(1000, 500, RSZ, 1000, &n), 0);
	ck_assert_uint_eq(n, 0);
	/* the daemon's own state inconsistent: refuse everything */
	ck_assert_int_eq(shm_check_tx_tail(10 * RSZ, 0, RSZ, 10 * RSZ, &n),
			 -EINVAL);
	/* wrap of the index space */
	ck_assert_int_eq(shm_check_tx_tail(0xFFFFFF00u, 0xFFFFFF00u, RSZ,
					   0x100, &n), 0);
	ck_assert_uint_eq(n, 0x200);
}
END_TEST

START_TEST(test_layout_check)
{
	static _Alignas(4096) uint8_t page[AE_SHM_HDR_SIZE * 4];
	struct ae_shm_hdr *h = (struct ae_shm_hdr *)page;
	uint32_t map = sizeof(page);

	memset(page, 0, sizeof(page));
	ck_assert_int_eq(shm_layout_init(h, map, 4096, 4096, 8192, 8192), 0);
	ck_assert_int_eq(shm_layout_check(h, map), 0);
	ck_assert_int_eq(shm_layout_check(h, map - 1), -EINVAL);
	ck_assert_int_eq(shm_layout_init(h, map, 4096, 4096, 4096, 4096),
			 -EINVAL);	/* overlap */
	ck_assert_int_eq(shm_layout_init(h, map, 4096, 3000, 8192, 4096),
			 -EINVAL);	/* not a power of two */
	ck_assert_int_eq(shm_layout_init(h, map, 0, 4096, 8192, 4096),
			 -EINVAL);	/* over the header */
	ck_assert_int_eq(shm_layout_init(h, map, 4096, 4096, 12288, 8192),
			 -EINVAL);	/* past the end */
	ck_assert_int_eq(shm_layout_init(h, map, 4096, 4096, 0, 0), -EINVAL);
	ck_assert_int_eq(shm_layout_init(h, AE_SHM_HDR_SIZE, 0, 0, 0, 0), 0);
	h->magic ^= 1;
	ck_assert_int_eq(shm_layout_check(h, map), -EINVAL);
}
END_TEST

#define XFER	(32u << 20)

/**
 * pattern() - the byte at stream offset @i
 * @i:		offset
 *
 * Return: byte
 */
static uint8_t pattern(uint64_t i)
{
	return (uint8_t)((i * 2654435761u) >> 13);
}

/**
 * produce() - write XFER pattern bytes in uneven chunks
 * @t:		shared ring
 */
static void produce(struct tring *t)
{
	struct ae_spsc r = ring_of(t);
	uint8_t buf[1500];
	uint64_t off = 0;
	size_t chunk = 1, i, n;

	while (off < XFER) {
		chunk = chunk * 7 % 1499 + 1;
		if (chunk > XFER - off)
			chunk = XFER - off;
		for (i = 0; i < chunk; i++)
			buf[i] = pattern(off + i);
		n = 0;
		while (n < chunk) {
			size_t w;

			if (t->restart)
				spsc_restart(&r);
			w = spsc_write(&r, buf + n, chunk - n);

			if (!w)
				sched_yield();
			n += w;
		}
		off += chunk;
	}
}

/**
 * consume() - read XFER bytes and check each one
 * @t:		shared ring
 *
 * Return: the number of bad bytes
 */
static uint64_t consume(struct tring *t)
{
	struct ae_spsc r = ring_of(t);
	uint8_t buf[1000];
	uint64_t off = 0, bad = 0;
	size_t n, i;

	while (off < XFER) {
		if (t->restart && (off & 1)) {	/* a peek first, checked too */
			n = spsc_read(&r, buf, 1 + off % sizeof(buf), true);
			for (i = 0; i < n; i++)
				bad += buf[i] != pattern(off + i);
		}
		n = spsc_read(&r, buf, 1 + (off * 13) % sizeof(buf), false);
		if (!n) {
			sched_yield();
			continue;
		}
		for (i = 0; i < n; i++)
			bad += buf[i] != pattern(off + i);
		off += n;
	}
	return bad;
}

/**
 * producer_thread() - pthread wrapper of produce()
 * @arg:	ring
 *
 * Return: NULL
 */
static void *producer_thread(void *arg)
{
	produce(arg);
	return NULL;
}

/**
 * two_threads() - a producer thread and this one consuming, every byte
 * checked; the ring is freed
 * @t:		ring (calloc'd), indices set
 */
static void two_threads(struct tring *t)
{
	pthread_t th;

	ck_assert_int_eq(pthread_create(&th, NULL, producer_thread, t), 0);
	ck_assert_uint_eq(consume(t), 0);
	pthread_join(th, NULL);
	ck_assert_uint_eq(t->tail - t->head, 0);
	free(t);
}

START_TEST(test_two_threads)
{
	struct tring *t = calloc(1, sizeof(*t));

	ck_assert_ptr_nonnull(t);
	t->head = t->tail = 0xFFFF0000u;	/* wrap the indices on the way */
	two_threads(t);
}
END_TEST

START_TEST(test_two_threads_restart)
{
	struct tring *t = calloc(1, sizeof(*t));

	ck_assert_ptr_nonnull(t);
	t->head = t->tail = t->base = 0xFFFF0000u;
	t->restart = 1;
	two_threads(t);
}
END_TEST

/**
 * shared_ring() - a zeroed test ring in memory a fork shares
 *
 * Return: the ring
 */
static struct tring *shared_ring(void)
{
	struct tring *t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(t, MAP_FAILED);
	memset(t, 0, sizeof(*t));
	return t;
}

/**
 * two_processes() - a forked producer and this process consuming, every
 * byte checked; the ring is unmapped
 * @t:		ring from shared_ring(), indices set
 *
 * Return: seconds the transfer took
 */
static double two_processes(struct tring *t)
{
	struct timespec t0, t1;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		produce(t);
		_exit(0);
	}
	ck_assert_uint_eq(consume(t), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	munmap(t, sizeof(*t));
	return (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

START_TEST(test_two_processes)
{
	double secs = two_processes(shared_ring());

	fprintf(stderr, "# ring between two processes: %u bytes in %.3f s, "
		"%.0f bytes/s (4 KiB ring, checked byte by byte)\n", XFER,
		secs, (double)XFER / secs);
}
END_TEST

START_TEST(test_two_processes_restart)
{
	struct tring *t = shared_ring();

	t->restart = 1;
	t->head = t->tail = t->base = 0xFFFFF000u;
	two_processes(t);
}
END_TEST

START_TEST(test_restart_stays_in_first_page)
{
	static struct tring t;
	struct ae_spsc r = ring_of(&t);
	uint8_t req[300], out[300];
	uint32_t pos;
	int i;

	memset(&t, 0, sizeof(t));
	memset(req, 0x5a, sizeof(req));
	/* without restart a request-response ring walks all its storage */
	for (i = 0; i < 100; i++) {
		ck_assert_uint_eq(spsc_write(&r, req, sizeof(req)), sizeof(req));
		ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false),
				  sizeof(out));
	}
	pos = (t.tail - t.base) & (RSZ - 1);
	ck_assert_uint_eq(pos, (100 * sizeof(req)) % RSZ);
	/* with it, every exchange starts at the first byte */
	for (i = 0; i < 100; i++) {
		ck_assert(spsc_restart(&r));
		ck_assert_uint_eq((t.tail - t.base) & (RSZ - 1), 0);
		ck_assert_uint_eq(spsc_write(&r, req, sizeof(req)), sizeof(req));
		ck_assert(!spsc_restart(&r));	/* not empty: no restart */
		ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false),
				  sizeof(out));
		ck_assert_mem_eq(out, req, sizeof(req));
		ck_assert_int_eq(memcmp(t.mem, req, sizeof(req)), 0);
	}
}
END_TEST

START_TEST(test_restart_wraps)
{
	static struct tring t;
	struct ae_spsc r = ring_of(&t);
	uint8_t in[RSZ], out[RSZ];
	uint32_t k;

	memset(&t, 0, sizeof(t));
	for (k = 0; k < RSZ; k++)
		in[k] = (uint8_t)(k * 7 + 1);
	/* indices about to wrap, base far behind: data wraps the storage */
	t.head = t.tail = 0xFFFFFF00u;
	t.base = 0xFFFFFF00u - RSZ + 100;
	ck_assert_uint_eq(spsc_write(&r, in, 300), 300);	/* 100+300 > 256 */
	ck_assert_uint_eq(spsc_read(&r, out, 150, true), 150);
	ck_assert(!spsc_restart(&r));
	ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false), 300);
	ck_assert_mem_eq(out, in, 300);
	ck_assert(spsc_restart(&r));
	ck_assert_uint_eq(t.base, 0xFFFFFF00u + 300);	/* index wrapped */
	ck_assert_uint_eq(spsc_write(&r, in, RSZ), RSZ);	/* a full ring */
	ck_assert_mem_eq(t.mem, in, RSZ);
	ck_assert_uint_eq(spsc_free(&r), 0);
	ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false), RSZ);
	ck_assert_mem_eq(out, in, RSZ);
}
END_TEST

START_TEST(test_restart_producer_killed)
{
	struct tring *t = shared_ring();
	struct ae_spsc r = ring_of(t);
	uint8_t out[64];
	int status;
	pid_t pid;

	ck_assert_uint_eq(spsc_write(&r, "0123456789", 10), 10);
	ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false), 10);
	/* a producer that dies after moving base, before publishing tail */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		spsc_restart(&r);
		memcpy(t->mem, "garbage", 7);
		raise(SIGKILL);
		_exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_uint_eq(t->base, 10);
	ck_assert_uint_eq(spsc_used(&r), 0);	/* nothing appeared */
	ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false), 0);
	/* the next producer carries on from the base it finds */
	ck_assert(spsc_restart(&r));
	ck_assert_uint_eq(spsc_write(&r, "hello", 5), 5);
	ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false), 5);
	ck_assert_mem_eq(out, "hello", 5);
	munmap(t, sizeof(*t));
}
END_TEST

START_TEST(test_restart_consumer_killed)
{
	struct tring *t = shared_ring();
	struct ae_spsc r = ring_of(t);
	uint8_t out[64];
	int status;
	pid_t pid;

	ck_assert_uint_eq(spsc_write(&r, "abcdefgh", 8), 8);
	/* a consumer that dies mid-read (peeked, never published head) */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		spsc_read(&r, out, 4, true);
		raise(SIGKILL);
		_exit(1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert(!spsc_restart(&r));	/* its data is still there */
	ck_assert_uint_eq(t->base, 0);
	ck_assert_uint_eq(spsc_write(&r, "ijkl", 4), 4);
	ck_assert_uint_eq(spsc_read(&r, out, sizeof(out), false), 12);
	ck_assert_mem_eq(out, "abcdefghijkl", 12);
	ck_assert(spsc_restart(&r));
	munmap(t, sizeof(*t));
}
END_TEST

/* a 64 KiB ring for the give-back tests: 16 pages */
#define GSZ	(16u * AE_SHM_PAGE)

START_TEST(test_idle_threshold_and_simple)
{
	const uint32_t off = AE_SHM_PAGE;	/* the ring starts at page 1 */
	struct shm_span sp[2];
	uint32_t hi = 0;

	/* written 3 pages and a bit, threshold 4 pages: nothing */
	shm_written(&hi, 0, 3 * AE_SHM_PAGE + 5, GSZ);
	ck_assert_uint_eq(hi, 3 * AE_SHM_PAGE + 5);
	ck_assert_int_eq(shm_idle_span(&hi, off, 0, 0, GSZ, 4 * AE_SHM_PAGE,
				       sp), 0);
	ck_assert_uint_eq(hi, 3 * AE_SHM_PAGE + 5);
	/* 10 pages and a bit, ring empty at its start: all but the first */
	shm_written(&hi, 0, 10 * AE_SHM_PAGE + 5, GSZ);
	ck_assert_int_eq(shm_idle_span(&hi, off, 0, 0, GSZ, 4 * AE_SHM_PAGE,
				       sp), 1);
	ck_assert_uint_eq(sp[0].off, off + AE_SHM_PAGE);
	ck_assert_uint_eq(sp[0].len, 10 * AE_SHM_PAGE);
	ck_assert_uint_eq(hi, 0);
	/* nothing new written: nothing again, no second system call */
	ck_assert_int_eq(shm_idle_span(&hi, off, 0, 0, GSZ, 0, sp), 0);
	/* a write that wraps the storage: all of it was written */
	shm_written(&hi, GSZ - 10, 20, GSZ);
	ck_assert_uint_eq(hi, GSZ);
	/* live data wrapping: nothing until the ring restarts */
	ck_assert_int_eq(shm_idle_span(&hi, off, GSZ - 10, 20, GSZ, 0, sp), 0);
	ck_assert_int_eq(shm_idle_span(&hi, off, 0, 0, GSZ, 0, sp), 1);
	ck_assert_uint_eq(sp[0].off, off + AE_SHM_PAGE);
	ck_assert_uint_eq(sp[0].len, GSZ - AE_SHM_PAGE);
}
END_TEST

START_TEST(test_idle_behind_and_beyond)
{
	const uint32_t off = AE_SHM_RING_OFF;	/* in the header's page */
	struct shm_span sp[2];
	uint32_t hi = GSZ;

	/* the first page (shared with the header) and the last (shared with
	 * whatever follows the ring) are never given back */
	ck_assert_int_eq(shm_idle_span(&hi, off, 0, 0, GSZ, 0, sp), 1);
	ck_assert_uint_eq(sp[0].off, AE_SHM_PAGE);
	ck_assert_uint_eq(sp[0].off + sp[0].len, GSZ);	/* ring ends GSZ+256 */
	ck_assert_uint_eq(hi, 0);
	/* a reader that stopped with data in pages 5 and 6 of the mapping:
	 * the drained pages behind it go, and those written beyond it */
	hi = GSZ;
	ck_assert_int_eq(shm_idle_span(&hi, off, 5 * AE_SHM_PAGE, 4096, GSZ, 0,
				       sp), 2);
	ck_assert_uint_eq(sp[0].off, AE_SHM_PAGE);
	ck_assert_uint_eq(sp[0].len, 4 * AE_SHM_PAGE);
	ck_assert_uint_eq(sp[1].off, 7 * AE_SHM_PAGE);
	ck_assert_uint_eq(sp[1].off + sp[1].len, GSZ);
	ck_assert_uint_eq(hi, 6 * AE_SHM_PAGE);
	/* the threshold counts both: 2 pages behind, 5 beyond */
	hi = 8 * AE_SHM_PAGE;
	ck_assert_int_eq(shm_idle_span(&hi, off, 3 * AE_SHM_PAGE, 10, GSZ,
				       8 * AE_SHM_PAGE, sp), 0);
	ck_assert_uint_eq(hi, 8 * AE_SHM_PAGE);
	ck_assert_int_eq(shm_idle_span(&hi, off, 3 * AE_SHM_PAGE, 10, GSZ,
				       7 * AE_SHM_PAGE, sp), 2);
	ck_assert_uint_eq(sp[0].len + sp[1].len, 7 * AE_SHM_PAGE);
}
END_TEST

START_TEST(test_idle_never_live)
{
	uint32_t hi, off, pos, used, pg, lo, last;
	struct shm_span sp[2];
	int i, k, n, given = 0;

	srand(7);
	for (i = 0; i < 20000; i++) {
		off = i & 1 ? AE_SHM_RING_OFF : AE_SHM_PAGE;
		hi = (uint32_t)rand() % (GSZ + 1);
		pos = (uint32_t)rand() % GSZ;
		used = (uint32_t)rand() % (GSZ + 1);
		n = shm_idle_span(&hi, off, pos, used, GSZ, 0, sp);
		for (k = 0; k < n; k++) {
			ck_assert_uint_eq(sp[k].off % AE_SHM_PAGE, 0);
			ck_assert_uint_eq(sp[k].len % AE_SHM_PAGE, 0);
			ck_assert_uint_gt(sp[k].len, 0);
			/* whole pages inside the ring, past its first
			 * byte's page */
			ck_assert_uint_ge(sp[k].off,
					  (off & ~(AE_SHM_PAGE - 1)) +
					  AE_SHM_PAGE);
			ck_assert_uint_le(sp[k].off + sp[k].len, off + GSZ);
			ck_assert_uint_lt(pos + used, GSZ);	/* no wrap */
			lo = (off + pos) / AE_SHM_PAGE;	/* live pages and */
			last = (off + pos + used) / AE_SHM_PAGE; /* the next */
			for (pg = sp[k].off / AE_SHM_PAGE;
			     pg < (sp[k].off + sp[k].len) / AE_SHM_PAGE; pg++)
				ck_assert_msg(pg > last || pg < lo,
					      "page %u given back holds data "
					      "(off %u pos %u used %u)", pg,
					      off, pos, used);
			given++;
		}
		if (n)
			ck_assert_uint_eq(hi, pos + used);
	}
	ck_assert_int_gt(given, 1000);
}
END_TEST

/**
 * ring_suite() - the suite
 *
 * Return: suite
 */
static Suite *ring_suite(void)
{
	Suite *s = suite_create("ring");
	TCase *tc = tcase_create("ring");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_empty_full);
	tcase_add_test(tc, test_wrap_storage_and_index);
	tcase_add_test(tc, test_peek_and_iov_skip);
	tcase_add_test(tc, test_corrupt_indices_clamped);
	tcase_add_test(tc, test_check_rx_head);
	tcase_add_test(tc, test_check_tx_tail);
	tcase_add_test(tc, test_layout_check);
	tcase_add_test(tc, test_two_threads);
	tcase_add_test(tc, test_two_processes);
	tcase_add_test(tc, test_two_threads_restart);
	tcase_add_test(tc, test_two_processes_restart);
	tcase_add_test(tc, test_restart_stays_in_first_page);
	tcase_add_test(tc, test_restart_wraps);
	tcase_add_test(tc, test_restart_producer_killed);
	tcase_add_test(tc, test_restart_consumer_killed);
	tcase_add_test(tc, test_idle_threshold_and_simple);
	tcase_add_test(tc, test_idle_behind_and_beyond);
	tcase_add_test(tc, test_idle_never_live);
	suite_add_tcase(s, tc);
	return s;
}

/**
 * main() - run the suite
 *
 * Return: 0 when every test passed
 */
int main(void)
{
	SRunner *sr = srunner_create(ring_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
