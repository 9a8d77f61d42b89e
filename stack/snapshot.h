/* SPDX-License-Identifier: MIT */
/**
 * DOC: snapshot.h - the stack's state as a versioned, checked byte string
 *
 * Theory of operation: a live upgrade (aetherd --takeover) moves a running
 * stack into another process. The old one writes its state as a sequence of
 * records, each `magic, type, version, length` then @length bytes; the new
 * one reads them back into a freshly created stack. A record of an unknown
 * type or version, a length beyond the data, a field read past its record,
 * a count beyond a table's size or a checksum that does not match the
 * bytes make the whole string refused (-EBADMSG), and the reader creates
 * nothing it cannot undo: the new daemon refuses before the old one gives
 * anything up (daemon/takeover.c).
 *
 * Payload bytes are not in the string: TCP data lives in rings the owner
 * placed in shared memory (ae_config @ring_alloc), so a ring is written as
 * the owner's reference to that memory (@ring_ref) and found again by the
 * new owner (@ring_mem). Sockets are tied to their owner the same way
 * (@sock_tag / @sock_attach). Times are written as the time left (or
 * passed) relative to the writer's clock and rebased on the reader's.
 *
 * Fields are host byte order: both ends run on one machine.
 */
#ifndef AE_SNAPSHOT_H
#define AE_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aether.h"

#define SNAP_MAGIC	0x52536541u	/* "AeSR" */
/* of the string as a whole; 2: aetherd's socket memory in per-uid arenas */
#define SNAP_VERSION	2u

/* record types; each has its own version (SNAP_V_*) */
enum snap_type {
	SNAP_T_HEADER = 1,	/* string version, writer's clock */
	SNAP_T_STACK,		/* config checked, rng, ip id, keys */
	SNAP_T_STATS,		/* struct ae_stats */
	SNAP_T_ARP,		/* one neighbour entry */
	SNAP_T_UDP,		/* one UDP socket and its queued datagrams */
	SNAP_T_TCP,		/* one TCB */
	SNAP_T_END,		/* checksum of everything before it */
	SNAP_T_BBR,		/* a BBR TCB's model, after its SNAP_T_TCP */
	SNAP_T_FRAG,		/* one IPv4 datagram being reassembled */
	SNAP_T_OWNER = 64,	/* from here on: the owner's own records */
};

/**
 * struct snap_rec_hdr - what precedes every record
 * @magic:	SNAP_MAGIC
 * @type:	enum snap_type, or the owner's
 * @version:	the record's version
 * @len:	bytes that follow
 */
struct snap_rec_hdr {
	uint32_t magic;
	uint16_t type;
	uint16_t version;
	uint32_t len;
};

/**
 * struct snap_w - a string being written
 * @buf:	bytes, @len used, @cap allocated
 * @len:	see @buf
 * @cap:	see @buf
 * @rec:	offset of the open record's header
 * @err:	first error (-ENOMEM), then every write is ignored
 */
struct snap_w {
	uint8_t *buf;
	size_t len, cap;
	size_t rec;
	int err;
};

/**
 * struct snap_r - a string being read
 * @buf:	bytes, @len of them
 * @len:	see @buf
 * @off:	offset of the next record
 * @rec:	the current record's payload, @rec_len bytes
 * @rec_len:	see @rec
 * @pos:	read position in it
 * @type:	its type
 * @version:	its version
 * @err:	first error (-EBADMSG): every later read gives zeroes
 */
struct snap_r {
	const uint8_t *buf;
	size_t len, off;
	const uint8_t *rec;
	size_t rec_len, pos;
	uint16_t type, version;
	int err;
};

/**
 * struct snap_ops - how the owner names what it keeps for the stack
 * @ctx:	first argument of every hook
 * @ring_ref:	writer: the reference of ring memory @mem (0 on failure)
 * @ring_mem:	reader: the memory of reference @ref, @len bytes long, or
 *		NULL if the owner has none such
 * @sock_tag:	writer: the owner's tag of socket @sk (0: none)
 * @sock_attach: reader: socket @sk carried tag @tag (not 0); 0 or -errno
 * @now:	reader: the time of the reader's clock (ns), to rebase times
 */
struct snap_ops {
	void *ctx;
	uint32_t (*ring_ref)(void *ctx, const void *mem);
	void *(*ring_mem)(void *ctx, uint32_t ref, size_t len);
	uint32_t (*sock_tag)(void *ctx, struct ae_sock *sk);
	int (*sock_attach)(void *ctx, uint32_t tag, struct ae_sock *sk);
};

/* snapshot.c: records */
void snap_w_init(struct snap_w *w);
void snap_w_free(struct snap_w *w);
void snap_begin(struct snap_w *w, uint16_t type, uint16_t version);
void snap_end(struct snap_w *w);
void snap_put(struct snap_w *w, const void *p, size_t n);
void snap_put_u32(struct snap_w *w, uint32_t v);
void snap_put_u64(struct snap_w *w, uint64_t v);
void snap_put_time(struct snap_w *w, uint64_t t, uint64_t now);
void snap_header(struct snap_w *w, uint64_t now);
void snap_finish(struct snap_w *w);
void snap_r_init(struct snap_r *r, const void *buf, size_t len);
int snap_next(struct snap_r *r);
int snap_expect(struct snap_r *r, uint16_t type, uint16_t version);
void snap_get(struct snap_r *r, void *p, size_t n);
uint32_t snap_get_u32(struct snap_r *r);
uint64_t snap_get_u64(struct snap_r *r);
uint64_t snap_get_time(struct snap_r *r, uint64_t now);
void snap_fail(struct snap_r *r);
int snap_verify(const void *buf, size_t len);
int snap_read_header(struct snap_r *r, uint64_t *now);
uint32_t snap_version(void);

/* snapshot.c: the whole stack */
int ae_snap_save(struct ae_stack *s, struct snap_w *w,
		 const struct snap_ops *ops);
int ae_snap_load(struct ae_stack *s, struct snap_r *r,
		 const struct snap_ops *ops);

#endif /* AE_SNAPSHOT_H */
