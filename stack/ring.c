// SPDX-License-Identifier: MIT
/**
 * DOC: ring.c - the one copy into and out of a socket ring, and its view
 *
 * Theory of operation: a socket's receive and send rings (&struct ae_ring)
 * are a power-of-two array of bytes with free-running head and tail indices;
 * a byte at index i lives at (i - base) & (size - 1). A range that passes
 * the end of the array continues at its start, so every access is one or
 * two pieces.
 *
 * Restarting (ring_restart()): when the ring is empty its producer may move
 * @base to @tail, so that the next byte goes to the array's first byte
 * again. A request-response connection then keeps writing the same first
 * page of each ring instead of walking the whole array (every page of which
 * would become resident, and then be given back and faulted in again). Who
 * may restart and why it is safe across processes: ipc/shm.c.
 * These three functions are the only places that split a range there:
 * ring_write() (a segment's payload into the receive ring, the
 * application's bytes into the send ring), ring_read() (the application's
 * reads) and ring_iov() (a segment's payload sent straight from the send
 * ring, not copied). ipc/shm.c has the same two copies for the shared
 * rings, since the stack includes nothing outside itself.
 */
#include <string.h>
#include <sys/uio.h>

#include "tcp.h"

/**
 * ring_write() - copy bytes into a ring at a free-running index
 * @r:		ring
 * @idx:	index of the first byte (tail, or beyond it for data out of
 *		order)
 * @src:	bytes
 * @len:	count, fitting in the free space
 */
void ring_write(struct ae_ring *r, uint32_t idx, const void *src,
		uint32_t len)
{
	uint32_t pos = (idx - r->base) & (r->size - 1), first = r->size - pos;

	if (first > len)
		first = len;
	memcpy(r->mem + pos, src, first);
	if (first < len)
		memcpy(r->mem, (const uint8_t *)src + first, len - first);
}

/**
 * ring_read() - copy bytes out of a ring at a free-running index
 * @r:		ring
 * @idx:	index of the first byte
 * @dst:	destination
 * @len:	count, at most what the ring holds from @idx
 */
void ring_read(const struct ae_ring *r, uint32_t idx, void *dst,
	       uint32_t len)
{
	uint32_t pos = (idx - r->base) & (r->size - 1), first = r->size - pos;

	if (first > len)
		first = len;
	memcpy(dst, r->mem + pos, first);
	if (first < len)
		memcpy((uint8_t *)dst + first, r->mem, len - first);
}

/**
 * ring_iov() - the ring's bytes [idx, idx + len) as one or two pieces,
 * for sending without a copy
 * @r:		ring
 * @idx:	index of the first byte
 * @len:	count, > 0, at most what the ring holds from @idx
 * @iov:	two entries, filled
 *
 * Return: pieces filled, 1 or 2
 */
int ring_iov(const struct ae_ring *r, uint32_t idx, uint32_t len,
	     struct iovec *iov)
{
	uint32_t pos = (idx - r->base) & (r->size - 1), first = r->size - pos;

	if (first > len)
		first = len;
	iov[0].iov_base = r->mem + pos;
	iov[0].iov_len = first;
	if (first == len)
		return 1;
	iov[1].iov_base = r->mem;
	iov[1].iov_len = len - first;
	return 2;
}

/**
 * ring_restart() - producer: start over at the array's first byte if the
 * ring is empty
 * @r:		ring
 *
 * Only the producer calls it, and only while nothing is stored beyond
 * @tail (a receive ring holding out-of-order data must not restart).
 *
 * Return: true if the ring is empty (its next byte goes to the first byte)
 */
bool ring_restart(struct ae_ring *r)
{
	if (r->head != r->tail)
		return false;
	r->base = r->tail;
	return true;
}
