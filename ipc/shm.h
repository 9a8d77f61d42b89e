/* SPDX-License-Identifier: MIT */
/**
 * DOC: shm.h - shared-memory layout and the single-producer byte ring
 *
 * Both sides of a socket's memory (see aether_ipc.h) use these helpers: the
 * atomic accessors for the header page, the layout check, the index
 * validation the daemon applies to every shim-written index, and a
 * single-producer single-consumer byte ring whose indices live in shared
 * memory (struct ae_spsc) and whose storage wraps at a power-of-two size.
 */
#ifndef AETHER_IPC_SHM_H
#define AETHER_IPC_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "aether_ipc.h"

/** shm_load() - acquire-load of a shared 32-bit word */
static inline uint32_t shm_load(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/** shm_store() - release-store of a shared 32-bit word */
static inline void shm_store(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/** shm_or() - atomically set bits, Return: the old value */
static inline uint32_t shm_or(uint32_t *p, uint32_t bits)
{
	return __atomic_fetch_or(p, bits, __ATOMIC_SEQ_CST);
}

/** shm_clear() - atomically clear bits, Return: the old value */
static inline uint32_t shm_clear(uint32_t *p, uint32_t bits)
{
	return __atomic_fetch_and(p, ~bits, __ATOMIC_SEQ_CST);
}

/**
 * shm_fence() - full fence between a flag store and an index load
 *
 * ThreadSanitizer (gcc) rejects atomic_thread_fence; there a seq_cst
 * read-modify-write of a local stands in (a full barrier on every target
 * we build for).
 */
static inline void shm_fence(void)
{
#if defined(__SANITIZE_THREAD__)
	uint32_t dummy = 0;

	__atomic_fetch_add(&dummy, 0, __ATOMIC_SEQ_CST);
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/**
 * struct ae_spsc - a byte ring in shared memory, seen by one side
 * @mem:	storage, @size bytes
 * @size:	a power of two
 * @head:	consumer index (free running)
 * @tail:	producer index (free running)
 * @base:	index at the storage's first byte, written by the producer
 *		(spsc_restart()); NULL: always 0, a ring that never restarts
 */
struct ae_spsc {
	uint8_t *mem;
	uint32_t size;
	uint32_t *head;
	uint32_t *tail;
	uint32_t *base;
};

/**
 * struct shm_span - a byte range of a socket's mapping: offset from the
 * mapping's start and length, both multiples of AE_SHM_PAGE
 */
struct shm_span {
	uint32_t off;
	uint32_t len;
};

/* Ring storage is given back to the kernel in pages of this size. */
#define AE_SHM_PAGE		4096u

bool shm_pow2(uint32_t v);
int shm_idle_span(uint32_t *hi, uint32_t off, uint32_t pos, uint32_t used,
		  uint32_t size, uint32_t min, struct shm_span sp[2]);
void shm_written(uint32_t *hi, uint32_t pos, uint32_t len, uint32_t size);
uint32_t shm_tx_room(struct ae_shm_hdr *h);
int shm_layout_init(struct ae_shm_hdr *h, uint32_t map_size, uint32_t rx_off,
		    uint32_t rx_size, uint32_t tx_off, uint32_t tx_size);
int shm_layout_check(const struct ae_shm_hdr *h, size_t map_len);
int shm_check_rx_head(uint32_t old_head, uint32_t tail, uint32_t new_head,
		      uint32_t *n);
int shm_check_tx_tail(uint32_t old_tail, uint32_t head, uint32_t size,
		      uint32_t new_tail, uint32_t *n);

uint32_t spsc_used(const struct ae_spsc *r);
uint32_t spsc_free(const struct ae_spsc *r);
size_t spsc_writev(const struct ae_spsc *r, const struct iovec *iov,
		   int iovcnt, size_t skip, size_t max);
size_t spsc_write(const struct ae_spsc *r, const void *buf, size_t len);
size_t spsc_readv(const struct ae_spsc *r, const struct iovec *iov,
		  int iovcnt, size_t skip, size_t max, bool peek);
size_t spsc_read(const struct ae_spsc *r, void *buf, size_t len, bool peek);
bool spsc_restart(const struct ae_spsc *r);
void ring_copy_in(uint8_t *mem, uint32_t size, uint32_t idx, const void *src,
		  size_t len);
void ring_copy_out(const uint8_t *mem, uint32_t size, uint32_t idx, void *dst,
		   size_t len);

#endif /* AETHER_IPC_SHM_H */
