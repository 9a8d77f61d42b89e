// SPDX-License-Identifier: MIT
/**
 * DOC: loopback.c - datagrams from the stack to itself (127.0.0.0/8 and our
 * own address)
 *
 * Theory of operation: ipv4_output() hands a datagram whose destination is
 * local to loop_output() instead of ARP. It is copied, whole IP header
 * included, into one slot of a ring of preallocated buffers of one MTU each
 * (LOOP_BYTES of them, between LOOP_MIN_SLOTS and LOOP_SLOTS: 128 slots at
 * MTU 1500, 16 (1 MiB) at MTU 65520) (a
 * full ring drops it and counts ip.loop_drops, as a full device queue would;
 * TCP recovers as from any loss). Nothing is delivered from inside
 * ipv4_output(): the sender may be in the middle of changing a TCB, and
 * input recursing into it would find that TCB half-changed. The queue is
 * drained by loop_drain() at the end of ae_stack_input() and in
 * ae_stack_poll(); while it is not empty, ae_stack_next_timeout() says "now",
 * so an owner that arms its timer after every batch of events (aetherd)
 * polls again at once. A drain delivers at most LOOP_DRAIN_MAX datagrams,
 * so two sockets answering each other forever cannot hold the caller.
 *
 * A slot stays owned by the ring while its datagram is being processed (the
 * head moves only afterwards), so what that processing sends cannot
 * overwrite the bytes being read.
 */
#include <errno.h>
#include <string.h>

#include "stack.h"

#define LOOP_SLOTS	128		/* at most */
#define LOOP_MIN_SLOTS	16
#define LOOP_BYTES	(128 * 1514)	/* the ring's memory below ~16 MTUs */
#define LOOP_DRAIN_MAX	(4 * LOOP_SLOTS)

/**
 * struct ae_loop - the loopback queue
 * @len:	bytes held by each slot
 * @head:	next slot to deliver
 * @count:	slots in use
 * @nslots:	slots in the ring
 * @slot_size:	bytes of each (the MTU)
 * @buf:	@nslots buffers of @slot_size bytes
 */
struct ae_loop {
	uint16_t len[LOOP_SLOTS];
	uint32_t head;
	uint32_t count;
	uint32_t nslots;
	size_t slot_size;
	uint8_t *buf;
};

/**
 * loop_init() - allocate the loopback queue
 * @s:		stack
 *
 * Return: 0 or -ENOMEM
 */
int loop_init(struct ae_stack *s)
{
	struct ae_loop *l = stack_mem_alloc(s, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->slot_size = s->cfg.mtu;
	l->nslots = (uint32_t)(LOOP_BYTES / l->slot_size);
	if (l->nslots > LOOP_SLOTS)
		l->nslots = LOOP_SLOTS;
	if (l->nslots < LOOP_MIN_SLOTS)
		l->nslots = LOOP_MIN_SLOTS;
	l->buf = stack_mem_alloc(s, l->nslots * l->slot_size);
	if (!l->buf) {
		stack_mem_free(s, l, sizeof(*l));
		return -ENOMEM;
	}
	s->loop = l;
	return 0;
}

/**
 * loop_fini() - free the loopback queue (queued datagrams are dropped)
 * @s:		stack
 */
void loop_fini(struct ae_stack *s)
{
	struct ae_loop *l = s->loop;

	if (!l)
		return;
	stack_mem_free(s, l->buf, l->nslots * l->slot_size);
	stack_mem_free(s, l, sizeof(*l));
	s->loop = NULL;
}

/**
 * loop_output() - queue one IP datagram for local delivery
 * @s:		stack
 * @iov:	the datagram (IP header first), read during the call
 * @iovcnt:	its parts
 *
 * Return: 0, or -ENOBUFS when the queue is full or the datagram too large
 * (counted in ip.loop_drops)
 */
int loop_output(struct ae_stack *s, const struct iovec *iov, int iovcnt)
{
	struct ae_loop *l = s->loop;
	size_t len = 0;
	uint8_t *slot;
	int i;

	for (i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	if (l->count == l->nslots || len > l->slot_size) {
		STAT_INC(s, ip, loop_drops);
		return -ENOBUFS;
	}
	i = (int)((l->head + l->count) % l->nslots);
	slot = l->buf + (size_t)i * l->slot_size;
	l->len[i] = (uint16_t)len;
	for (len = 0, iovcnt--; iovcnt >= 0; iov++, iovcnt--) {
		memcpy(slot + len, iov->iov_base, iov->iov_len);
		len += iov->iov_len;
	}
	l->count++;
	STAT_INC(s, ip, loop_out);
	return 0;
}

/**
 * loop_drain() - deliver queued datagrams to IPv4 input
 * @s:		stack
 *
 * Datagrams queued while draining are delivered in the same call, up to
 * LOOP_DRAIN_MAX in all; the rest wait for the next ae_stack_poll().
 */
void loop_drain(struct ae_stack *s)
{
	struct ae_loop *l = s->loop;
	struct ae_pkt p;
	int n;

	for (n = 0; l->count && n < LOOP_DRAIN_MAX; n++) {
		p.data = l->buf + (size_t)l->head * l->slot_size;
		p.len = l->len[l->head];
		ipv4_input_local(s, &p);
		l->head = (l->head + 1) % l->nslots;
		l->count--;
	}
}

/**
 * loop_pending() - is anything waiting for loop_drain()?
 * @s:		stack
 *
 * Return: true if so
 */
bool loop_pending(const struct ae_stack *s)
{
	return s->loop && s->loop->count;
}
