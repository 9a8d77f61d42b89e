// SPDX-License-Identifier: MIT
/**
 * DOC: udp_state.c - a UDP socket as a snapshot record (SNAP_T_UDP)
 *
 * Theory of operation: the socket's shared fields, its binding and shutdown
 * state, then its receive queue: the datagrams waiting to be read live in
 * the stack's own memory (not in memory the owner shares), so they are
 * copied: the queue's offsets and the bytes from 0 to the end of its data.
 * A bound socket goes back into its port bucket; the owner's tag ties it to
 * its owner again.
 */
#include <string.h>

#include "snapshot_int.h"
#include "udp_int.h"

#define SNAP_V_UDP	1

/**
 * queue_end() - where a socket's queued data ends in its buffer
 * @us:		socket
 *
 * Return: bytes from offset 0 that hold every record
 */
static uint32_t queue_end(const struct udp_sock *us)
{
	if (!us->count)
		return 0;
	return us->wrap > us->wr ? us->wrap : us->wr;
}

/**
 * udp_state_save() - one record per UDP socket
 * @s:		stack
 * @w:		writer
 * @ops:	the owner's hooks
 */
void udp_state_save(struct ae_stack *s, struct snap_w *w,
		    const struct snap_ops *ops)
{
	struct udp_sock *us;
	uint8_t b[3];
	uint32_t end;

	LIST_FOREACH(us, &s->udp->all, all) {
		end = queue_end(us);
		b[0] = us->bound;
		b[1] = us->shut_rd;
		b[2] = us->shut_wr;
		snap_begin(w, SNAP_T_UDP, SNAP_V_UDP);
		snap_put_u32(w, ops->sock_tag(ops->ctx, &us->sk));
		sock_state_save(w, &us->sk);
		snap_put(w, b, sizeof(b));
		snap_put_u32(w, us->count ? us->rd : 0);
		snap_put_u32(w, us->count ? us->wr : 0);
		snap_put_u32(w, us->count ? us->wrap : 0);
		snap_put_u32(w, us->count);
		snap_put_u32(w, us->bytes);
		snap_put_u32(w, end);
		snap_put(w, us->buf, end);
		snap_end(w);
	}
}

/**
 * queue_check() - do a queue's offsets and records fit its buffer?
 * @us:		socket as read
 * @end:	bytes of data read
 *
 * Walks the records from @rd as udp_dequeue() would.
 *
 * Return: true if they do
 */
static bool queue_check(const struct udp_sock *us, uint32_t end)
{
	uint32_t off = us->rd, wrap = us->wrap, n, bytes = 0;
	struct udp_rec rec;

	if (end > UDP_RCVBUF || us->rd > end || us->wr > end || wrap > end)
		return false;
	for (n = 0; n < us->count; n++) {
		if (wrap && off >= wrap) {
			off = 0;
			wrap = 0;
		}
		if (end - off < sizeof(rec))
			return false;
		memcpy(&rec, us->buf + off, sizeof(rec));
		if (rec.len > UDP_MAX_PAYLOAD ||
		    end - off < sizeof(rec) + rec.len)
			return false;
		bytes += rec.len;
		off += (uint32_t)((sizeof(rec) + rec.len + 7) & ~7UL);
	}
	return bytes == us->bytes;
}

/**
 * udp_state_load() - one SNAP_T_UDP record into a new socket
 * @s:		stack
 * @r:		reader, the record current
 * @ops:	the owner's hooks
 */
void udp_state_load(struct ae_stack *s, struct snap_r *r,
		    const struct snap_ops *ops)
{
	struct udp_sock *us;
	struct ae_sock *sk;
	uint32_t tag, end;
	uint8_t b[3];
	int err;

	sk = r->version == SNAP_V_UDP ? udp_socket(s, &err) : NULL;
	if (!sk) {
		snap_fail(r);
		return;
	}
	us = (struct udp_sock *)sk;
	tag = snap_get_u32(r);
	sock_state_load(r, sk);
	snap_get(r, b, sizeof(b));
	us->shut_rd = b[1];
	us->shut_wr = b[2];
	us->rd = snap_get_u32(r);
	us->wr = snap_get_u32(r);
	us->wrap = snap_get_u32(r);
	us->count = snap_get_u32(r);
	us->bytes = snap_get_u32(r);
	end = snap_get_u32(r);
	if (end > UDP_RCVBUF)
		snap_fail(r);
	else
		snap_get(r, us->buf, end);
	if (r->err || !queue_check(us, end)) {
		us->count = us->bytes = us->rd = us->wr = us->wrap = 0;
		snap_fail(r);
		return;
	}
	if (b[0]) {
		us->bound = true;
		LIST_INSERT_HEAD(udp_bucket(s, sk->lport), us, hash);
	}
	if (tag && ops->sock_attach(ops->ctx, tag, sk))
		snap_fail(r);
}
