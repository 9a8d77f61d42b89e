// SPDX-License-Identifier: MIT
/**
 * DOC: ackq.c - pure ACKs held back until the end of a receive batch
 *
 * Theory of operation: with offloads, the kernel sends super-frames of up
 * to 64 KiB and the stack acknowledges each at once, as Linux does per GRO
 * packet; each ACK is a writev() of its own. aetherd reads the TAP in
 * batches, so while a batch is fed to the stack, ackq_offer() holds every
 * pure ACK (an IPv4 TCP segment with only the ACK flag, no payload, and no
 * option but timestamps); a later ACK of the same connection that
 * acknowledges more replaces the held one, which then never crosses the
 * TAP (counted in @coalesced). The batch ends with ackq_flush(), which
 * writes what is held in the order it was made.
 *
 * What is never held back or replaced, so the peer sees what it needs:
 * duplicate ACKs (the same acknowledgment number: they drive the peer's
 * fast retransmit), ACKs with SACK blocks, and every frame that is not a
 * pure ACK: before such a frame goes out, everything held is written first,
 * so the order on the wire is the stack's order. The delay an ACK takes is
 * the rest of the batch it answers: microseconds.
 */
#include <string.h>

#include "ackq.h"
#include "pkt.h"

#define ACKQ_TH_ACK	0x10

/**
 * ackq_flat() - copy a frame of at most ACKQ_FRAME_MAX bytes into @buf
 * @iov:	parts
 * @iovcnt:	how many
 * @buf:	ACKQ_FRAME_MAX bytes
 *
 * Return: its length, or 0 when larger
 */
static size_t ackq_flat(const struct iovec *iov, int iovcnt, uint8_t *buf)
{
	size_t len = 0;
	int i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > ACKQ_FRAME_MAX - len)
			return 0;
		memcpy(buf + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	return len;
}

/**
 * ackq_pure() - is this frame a pure ACK we may replace by a later one?
 * @f:		frame
 * @len:	its length
 *
 * Return: true for IPv4 + TCP, 20-byte IP header, flags ACK only, no
 * payload, options none or NOP NOP timestamps
 */
static bool ackq_pure(const uint8_t *f, size_t len)
{
	size_t doff;

	if (len < 14 + 20 + 20 || f[12] != 0x08 || f[13] != 0x00 ||
	    f[14] != 0x45 || f[14 + 9] != 6)
		return false;
	doff = (size_t)(f[34 + 12] >> 4) * 4;
	if (ld16(f + 16) != 20 + doff || len != 34 + doff ||
	    f[34 + 13] != ACKQ_TH_ACK)
		return false;
	return doff == 20 ||
	       (doff == 32 && f[54] == 1 && f[55] == 1 && f[56] == 8 &&
		f[57] == 10);
}

/**
 * ackq_same_conn() - do two pure ACK frames belong to one connection?
 * @a:		frame
 * @b:		frame
 *
 * Return: true when addresses and ports match
 */
static bool ackq_same_conn(const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a + 26, b + 26, 8) && !memcmp(a + 34, b + 34, 4);
}

/**
 * ackq_write() - write entry @i and remove it, keeping the order
 * @q:		queue
 * @i:		entry
 * @out:	device output
 * @ctx:	its argument
 */
static void ackq_write(struct ackq *q, int i, ackq_out_fn out, void *ctx)
{
	struct ackq_entry *e = &q->e[i];
	struct iovec v = { .iov_base = e->frame, .iov_len = e->len };

	out(ctx, &v, 1, e->has_off ? &e->off : NULL);
	memmove(&q->e[i], &q->e[i + 1], (size_t)(q->n - i - 1) * sizeof(q->e[0]));
	q->n--;
}

/**
 * ackq_offer() - hold a frame if it is a pure ACK
 * @q:		queue
 * @iov:	the frame's parts
 * @iovcnt:	how many
 * @off:	its offload request, or NULL
 * @out:	device output, for what must go out first
 * @ctx:	its argument
 *
 * Return: true when held (the caller writes nothing); false when the caller
 * must write the frame now (everything held was written before it)
 */
bool ackq_offer(struct ackq *q, const struct iovec *iov, int iovcnt,
		const struct ae_tx_offload *off, ackq_out_fn out, void *ctx)
{
	uint8_t f[ACKQ_FRAME_MAX];
	size_t len = ackq_flat(iov, iovcnt, f);
	struct ackq_entry *e;
	int i;

	if (!len || !ackq_pure(f, len)) {
		ackq_flush(q, out, ctx);
		return false;
	}
	for (i = 0; i < q->n; i++) {
		if (!ackq_same_conn(q->e[i].frame, f))
			continue;
		if ((int32_t)(ld32(f + 34 + 8) - ld32(q->e[i].frame + 34 + 8)) > 0) {
			q->coalesced++;		/* acknowledges more */
			memmove(&q->e[i], &q->e[i + 1],
				(size_t)(q->n - i - 1) * sizeof(q->e[0]));
			q->n--;
		} else {
			ackq_write(q, i, out, ctx);	/* a duplicate: both go */
		}
		break;
	}
	if (q->n == ACKQ_MAX)
		ackq_write(q, 0, out, ctx);
	e = &q->e[q->n++];
	memcpy(e->frame, f, len);
	e->len = len;
	e->has_off = off != NULL;
	if (off)
		e->off = *off;
	return true;
}

/**
 * ackq_flush() - write everything held, oldest first
 * @q:		queue
 * @out:	device output
 * @ctx:	its argument
 */
void ackq_flush(struct ackq *q, ackq_out_fn out, void *ctx)
{
	struct iovec v;
	int i;

	for (i = 0; i < q->n; i++) {
		v.iov_base = q->e[i].frame;
		v.iov_len = q->e[i].len;
		out(ctx, &v, 1, q->e[i].has_off ? &q->e[i].off : NULL);
	}
	q->n = 0;
}
