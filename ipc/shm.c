// SPDX-License-Identifier: MIT
/**
 * DOC: shm.c - shared-memory layout checks and the byte ring
 *
 * Theory of operation: a socket's memory is a header followed by the rx and
 * tx rings (aether_ipc.h), the rx ring starting in the header's page. Indices are free-running uint32 values; the
 * used part of a ring is tail - head (mod 2^32) and must never exceed its
 * size. The producer copies data in at tail and then publishes tail with a
 * release store; the consumer reads tail with an acquire load, copies out and
 * publishes head with a release store. Those two rules are the whole
 * synchronisation; nothing here takes a lock.
 *
 * Restarting. Index i lives at (i - base) & (size - 1), and the producer
 * moves base to tail when it finds the ring empty (spsc_restart() here,
 * ring_restart() in the stack), so a request-response connection keeps
 * writing the first page of each ring instead of walking all of it. Base
 * is written by the producer only (rx_base by the daemon, tx_base by the
 * shim). Why the consumer always reads the bytes where they were written,
 * although the two are different processes and either may die anywhere:
 *  1. The producer restarts only after an acquire load of head returned
 *     its own tail: the consumer had published, with a release store, a
 *     head equal to that tail after its last copy out. So no byte the
 *     consumer will still read lies in the ring, and the consumer's reads
 *     of earlier bytes all happened before that store.
 *  2. The producer stores base, then copies bytes in at the new place, then
 *     publishes tail with a release store. A consumer that sees the new
 *     tail (acquire) therefore sees the new base and the bytes, as long as
 *     it loads base after tail, on every read: it never keeps a base.
 *  3. While the consumer holds an unread byte (its head < the tail it
 *     loaded), the producer cannot see head == tail (the head it can see is
 *     at most the consumer's), so base does not move under a read in
 *     progress; a peek does not move head and is covered the same way.
 *  4. A producer that dies between storing base and publishing tail leaves
 *     an empty ring with a new base: harmless, nothing refers to the old
 *     one. The next producer (a process sharing the socket) loads base
 *     fresh, never from a copy. A consumer that dies before publishing head
 *     leaves the ring non-empty, so it is never restarted under that data.
 *  5. The daemon's side of a tx ring (the stack's own copy, struct ae_ring)
 *     takes the shim's tx_base together with a new tx_tail, and only while
 *     its copy is empty (ae_sock_tx_rebase()): by 1, a shim that follows
 *     this protocol restarts only then. A base that moves under queued
 *     bytes is a broken or hostile shim and cuts the socket off; any base
 *     keeps every access inside the ring (the position is masked).
 *  6. Each side restarts only a ring whose other side says it reads the
 *     base: the daemon the rx ring of a shim with AE_CAP_RESTART in
 *     shim_caps, the shim the tx ring of a daemon with it in daemon_caps.
 *     A program still running an older shim after a live upgrade, or a new
 *     shim under an older daemon, keeps the old placement (base 0).
 *
 * The daemon never uses a shim-written index before shm_check_rx_head() or
 * shm_check_tx_tail() accepted it; the functions here that read indices clamp
 * whatever they see to the ring's size, so even garbage cannot make them
 * touch memory outside the ring.
 *
 * Giving pages back. A ring's storage is touched page by page as its indices
 * run around it, and a shared page stays resident until it is punched out.
 * A ring that restarts when empty (below) stays in its first page(s) for
 * small exchanges; one that streams walks further. The writer notes how far
 * it wrote (shm_written(): @hi), and shm_idle_span() says which whole pages
 * past the live data and below @hi hold nothing anyone will read. Only the
 * side that is the ring's single writer, or that the writer waits for, may
 * act on them: the daemon for the rx ring (it produces into it, in its own
 * thread), the shim for the tx ring (it produces, under its write lock).
 * Both do it only past a threshold and when the ring pauses, so a busy ring
 * costs no system call for it, and a small exchange none at all.
 */
#include <errno.h>
#include <string.h>

#include "shm.h"

/**
 * shm_idle_span() - the pages of a ring outside its live data that were
 * written since the last give-back
 * @hi:		in: end of the storage written since the last give-back
 *		(bytes from the ring's first byte; the ring's size once it
 *		wrapped); out: the end of the live data, in the same terms,
 *		when spans are returned
 * @off:	where the ring starts in the mapping (need not be page aligned)
 * @pos:	position of the consumer index (index - base, masked)
 * @used:	bytes between the consumer and producer indices
 * @size:	ring size, a power of two, at least two pages
 * @min:	give nothing back below this many bytes
 * @sp:		up to two spans: offset in the mapping and length, whole
 *		pages that lie entirely inside the ring: the drained pages
 *		behind the live data, and those written beyond it
 *
 * Kept: the page holding the ring's first byte (a restarted ring writes
 * there next), the pages from @pos's to the one holding the producer's
 * next byte, and pages the ring shares with what lies around it. While the
 * live data wraps past the end of the storage nothing is returned: the
 * ring restarts once it is empty, and everything past its first page goes
 * then. Pages behind the live data may be returned again by a later call
 * while the data stays where it is (punching a hole twice is harmless; the
 * callers look only after a pause).
 *
 * Return: the number of spans in @sp (0: nothing worth giving back)
 */
int shm_idle_span(uint32_t *hi, uint32_t off, uint32_t pos, uint32_t used,
		  uint32_t size, uint32_t min, struct shm_span sp[2])
{
	const uint64_t pg = AE_SHM_PAGE;
	uint64_t first, lo, start, end, cap, total = 0;
	int n = 0;

	if (!shm_pow2(size) || size < 2 * AE_SHM_PAGE || pos >= size ||
	    used >= size - pos)
		return 0;
	first = ((uint64_t)off & ~(pg - 1)) + pg;
	cap = ((uint64_t)off + size) & ~(pg - 1);
	lo = ((uint64_t)off + pos) & ~(pg - 1);		/* behind the data */
	end = (uint64_t)off + (*hi < size ? *hi : size);
	end = (end + pg - 1) & ~(pg - 1);
	if (end > cap)
		end = cap;
	if (lo > end)
		lo = end;
	start = (((uint64_t)off + pos + used) & ~(pg - 1)) + pg;
	if (start < first)
		start = first;
	if (lo > first) {
		sp[n].off = (uint32_t)first;
		sp[n++].len = (uint32_t)(lo - first);
		total += lo - first;
	}
	if (end > start) {
		sp[n].off = (uint32_t)start;
		sp[n++].len = (uint32_t)(end - start);
		total += end - start;
	}
	if (!n || total < min || cap > UINT32_MAX)
		return 0;
	*hi = pos + used;
	return n;
}

/**
 * shm_written() - note where a producer wrote, for shm_idle_span()
 * @hi:		end of the storage written since the last give-back
 * @pos:	position of the first byte written (index - base, masked)
 * @len:	bytes written (or consumed: the same bytes)
 * @size:	ring size
 */
void shm_written(uint32_t *hi, uint32_t pos, uint32_t len, uint32_t size)
{
	uint64_t end = (uint64_t)pos + len;

	if (end > size)
		end = size;	/* wrapped: everything was written */
	if (end > *hi)
		*hi = (uint32_t)end;
}

/**
 * shm_pow2() - is @v a non-zero power of two?
 * @v:		value
 *
 * Return: true if so
 */
bool shm_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/**
 * shm_layout_init() - write the read-only part of a header page
 * @h:		header (zeroed by the caller)
 * @map_size:	bytes of the whole mapping
 * @rx_off:	rx ring offset, @rx_size bytes (0: no rings)
 * @rx_size:	rx ring size
 * @tx_off:	tx ring offset
 * @tx_size:	tx ring size
 *
 * Return: 0, or -EINVAL if the layout would not pass shm_layout_check()
 */
int shm_layout_init(struct ae_shm_hdr *h, uint32_t map_size, uint32_t rx_off,
		    uint32_t rx_size, uint32_t tx_off, uint32_t tx_size)
{
	h->magic = AE_SHM_MAGIC;
	h->version = AE_IPC_VERSION;
	h->map_size = map_size;
	h->rx_off = rx_off;
	h->rx_size = rx_size;
	h->tx_off = tx_off;
	h->tx_size = tx_size;
	return shm_layout_check(h, map_size);
}

/**
 * shm_tx_room() - bytes the shim may still write into the tx ring: the
 * part @tx_limit allows (SO_SNDBUF) minus what is queued
 * @h:		header of a socket with rings
 *
 * Return: bytes, 0 when full (or the indices are nonsense)
 */
uint32_t shm_tx_room(struct ae_shm_hdr *h)
{
	uint32_t used = shm_load(&h->tx_tail) - shm_load(&h->tx_head);
	uint32_t lim = shm_load(&h->tx_limit);

	if (!lim || lim > h->tx_size)
		lim = h->tx_size;
	return used >= lim ? 0 : lim - used;
}

/**
 * shm_ring_fits() - does a ring lie inside the mapping, after the header?
 * @off:	offset
 * @size:	size (0 is allowed: no ring)
 * @map_len:	mapping length
 *
 * Return: true if it fits
 */
static bool shm_ring_fits(uint32_t off, uint32_t size, size_t map_len)
{
	if (!size)
		return true;
	if (!shm_pow2(size) || size > AE_SHM_MAX_RING)
		return false;
	if (off < AE_SHM_RING_OFF)
		return false;
	return (uint64_t)off + size <= map_len;
}

/**
 * shm_layout_check() - validate a header page against the mapping
 * @h:		header
 * @map_len:	bytes actually mapped
 *
 * Return: 0, or -EINVAL (bad magic/version, rings outside, overlapping)
 */
int shm_layout_check(const struct ae_shm_hdr *h, size_t map_len)
{
	uint64_t rx_end, tx_end;

	if (h->magic != AE_SHM_MAGIC || h->version != AE_IPC_VERSION)
		return -EINVAL;
	if (map_len < AE_SHM_HDR_SIZE || h->map_size > map_len)
		return -EINVAL;
	if (!!h->rx_size != !!h->tx_size)
		return -EINVAL;
	if (!shm_ring_fits(h->rx_off, h->rx_size, h->map_size) ||
	    !shm_ring_fits(h->tx_off, h->tx_size, h->map_size))
		return -EINVAL;
	if (!h->rx_size)
		return 0;
	rx_end = (uint64_t)h->rx_off + h->rx_size;
	tx_end = (uint64_t)h->tx_off + h->tx_size;
	if (h->rx_off < tx_end && h->tx_off < rx_end)
		return -EINVAL;
	return 0;
}

/**
 * shm_check_rx_head() - validate a consumer index the shim published
 * @old_head:	the last rx head the daemon accepted
 * @tail:	the rx tail the daemon published
 * @new_head:	what the shim wrote
 * @n:		set to the bytes consumed (new_head - old_head)
 *
 * The head may only move forward, and not past the tail.
 *
 * Return: 0, or -EINVAL
 */
int shm_check_rx_head(uint32_t old_head, uint32_t tail, uint32_t new_head,
		      uint32_t *n)
{
	uint32_t adv = new_head - old_head;

	if (adv > tail - old_head)
		return -EINVAL;
	*n = adv;
	return 0;
}

/**
 * shm_check_tx_tail() - validate a producer index the shim published
 * @old_tail:	the last tx tail the daemon accepted
 * @head:	the tx head (acknowledged bytes) the daemon knows
 * @size:	ring size
 * @new_tail:	what the shim wrote
 * @n:		set to the bytes committed (new_tail - old_tail)
 *
 * The tail may only move forward and the ring may not hold more than @size.
 *
 * Return: 0, or -EINVAL
 */
int shm_check_tx_tail(uint32_t old_tail, uint32_t head, uint32_t size,
		      uint32_t new_tail, uint32_t *n)
{
	uint32_t used_old = old_tail - head;
	uint32_t adv = new_tail - old_tail;

	if (used_old > size || adv > size - used_old)
		return -EINVAL;
	*n = adv;
	return 0;
}

/**
 * ring_copy_in() - copy bytes into ring storage at a position
 * @mem:	storage
 * @size:	its size, a power of two
 * @idx:	position of the first byte (index - base), taken mod @size
 * @src:	data
 * @len:	bytes, <= @size
 */
void ring_copy_in(uint8_t *mem, uint32_t size, uint32_t idx, const void *src,
		  size_t len)
{
	uint32_t off = idx & (size - 1);
	size_t first = size - off;

	if (first > len)
		first = len;
	memcpy(mem + off, src, first);
	if (len > first)
		memcpy(mem, (const uint8_t *)src + first, len - first);
}

/**
 * ring_copy_out() - copy bytes out of ring storage at a position
 * @mem:	storage
 * @size:	its size, a power of two
 * @idx:	position of the first byte (index - base), taken mod @size
 * @dst:	destination
 * @len:	bytes, <= @size
 */
void ring_copy_out(const uint8_t *mem, uint32_t size, uint32_t idx, void *dst,
		   size_t len)
{
	uint32_t off = idx & (size - 1);
	size_t first = size - off;

	if (first > len)
		first = len;
	memcpy(dst, mem + off, first);
	if (len > first)
		memcpy((uint8_t *)dst + first, mem, len - first);
}

/**
 * spsc_base() - the index at the ring's first byte
 * @r:		ring
 *
 * Return: *@r->base (acquire), or 0 for a ring without one
 */
static uint32_t spsc_base(const struct ae_spsc *r)
{
	return r->base ? shm_load(r->base) : 0;
}

/**
 * spsc_restart() - producer: if the ring is empty, put the next byte at the
 * storage's first byte (base = tail; see the DOC for why this is safe)
 * @r:		ring, with a base
 *
 * Return: true if the ring is empty (restarted now or before)
 */
bool spsc_restart(const struct ae_spsc *r)
{
	uint32_t tail = __atomic_load_n(r->tail, __ATOMIC_RELAXED);

	if (!r->base || shm_load(r->head) != tail)
		return false;
	if (__atomic_load_n(r->base, __ATOMIC_RELAXED) != tail)
		shm_store(r->base, tail);
	return true;
}

/**
 * spsc_used() - bytes in the ring, clamped to its size
 * @r:		ring
 *
 * Return: tail - head, or @r->size if the indices are inconsistent
 */
uint32_t spsc_used(const struct ae_spsc *r)
{
	uint32_t used = shm_load(r->tail) - shm_load(r->head);

	return used > r->size ? r->size : used;
}

/**
 * spsc_free() - free bytes in the ring
 * @r:		ring
 *
 * Return: size - used (0 if the indices are inconsistent)
 */
uint32_t spsc_free(const struct ae_spsc *r)
{
	return r->size - spsc_used(r);
}

/**
 * spsc_writev() - producer: copy from an iovec into the ring, publish tail
 * @r:		ring
 * @iov:	source parts
 * @iovcnt:	parts
 * @skip:	bytes of @iov already sent (start after them)
 * @max:	copy at most this many bytes
 *
 * Return: bytes copied (0 when full)
 */
size_t spsc_writev(const struct ae_spsc *r, const struct iovec *iov,
		   int iovcnt, size_t skip, size_t max)
{
	uint32_t tail = __atomic_load_n(r->tail, __ATOMIC_RELAXED);
	uint32_t head = shm_load(r->head);
	uint32_t base = spsc_base(r);
	uint32_t used = tail - head;
	size_t room, done = 0;
	int i;

	if (used > r->size)
		return 0;
	room = r->size - used;
	if (room > max)
		room = max;
	for (i = 0; i < iovcnt && done < room; i++) {
		size_t len = iov[i].iov_len, chunk;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		chunk = len - skip;
		if (chunk > room - done)
			chunk = room - done;
		ring_copy_in(r->mem, r->size, tail - base + (uint32_t)done,
			     (const uint8_t *)iov[i].iov_base + skip, chunk);
		done += chunk;
		skip = 0;
	}
	if (done)
		shm_store(r->tail, tail + (uint32_t)done);
	return done;
}

/**
 * spsc_write() - producer: copy a buffer into the ring, publish tail
 * @r:		ring
 * @buf:	data
 * @len:	bytes
 *
 * Return: bytes copied
 */
size_t spsc_write(const struct ae_spsc *r, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return spsc_writev(r, &iov, 1, 0, len);
}

/**
 * spsc_readv() - consumer: copy from the ring into an iovec, publish head
 * @r:		ring
 * @iov:	destination parts
 * @iovcnt:	parts
 * @skip:	bytes of @iov already filled (start after them)
 * @max:	copy at most this many bytes
 * @peek:	do not consume (head stays)
 *
 * Return: bytes copied (0 when empty)
 */
size_t spsc_readv(const struct ae_spsc *r, const struct iovec *iov,
		  int iovcnt, size_t skip, size_t max, bool peek)
{
	uint32_t head = __atomic_load_n(r->head, __ATOMIC_RELAXED);
	uint32_t tail = shm_load(r->tail);
	uint32_t base = spsc_base(r);	/* after tail: see the DOC, 2 */
	uint32_t avail = tail - head;
	size_t done = 0;
	int i;

	if (avail > r->size)
		return 0;
	if (avail > max)
		avail = (uint32_t)max;
	for (i = 0; i < iovcnt && done < avail; i++) {
		size_t len = iov[i].iov_len, chunk;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		chunk = len - skip;
		if (chunk > avail - done)
			chunk = avail - done;
		ring_copy_out(r->mem, r->size, head - base + (uint32_t)done,
			      (uint8_t *)iov[i].iov_base + skip, chunk);
		done += chunk;
		skip = 0;
	}
	if (done && !peek)
		shm_store(r->head, head + (uint32_t)done);
	return done;
}

/**
 * spsc_read() - consumer: copy into a buffer, publish head
 * @r:		ring
 * @buf:	destination
 * @len:	its size
 * @peek:	do not consume
 *
 * Return: bytes copied
 */
size_t spsc_read(const struct ae_spsc *r, void *buf, size_t len, bool peek)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return spsc_readv(r, &iov, 1, 0, len, peek);
}
