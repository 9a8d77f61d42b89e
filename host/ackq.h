/* SPDX-License-Identifier: MIT */
/**
 * DOC: ackq.h - pure ACKs held back until the end of a receive batch
 *
 * Within one batch of frames read from the TAP, a connection's later pure
 * ACK makes its earlier one redundant; aetherd writes only the last (one
 * system call instead of one per received super-frame). See ackq.c.
 */
#ifndef AE_ACKQ_H
#define AE_ACKQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "aether.h"

#define ACKQ_MAX	16		/* connections held at once */
#define ACKQ_FRAME_MAX	(14 + 20 + 32)	/* Ethernet + IPv4 + TCP with timestamps */

/** typedef ackq_out_fn - write one frame to the device */
typedef void (*ackq_out_fn)(void *ctx, const struct iovec *iov, int iovcnt,
			    const struct ae_tx_offload *off);

/**
 * struct ackq_entry - one held ACK
 * @frame:	the whole frame, @len bytes
 * @off:	its offload request, valid when @has_off
 */
struct ackq_entry {
	uint8_t frame[ACKQ_FRAME_MAX];
	size_t len;
	struct ae_tx_offload off;
	bool has_off;
};

/**
 * struct ackq - the held ACKs, in the order they were made
 * @e:		entries, @n of them
 * @coalesced:	ACKs never written because a later one replaced them
 */
struct ackq {
	struct ackq_entry e[ACKQ_MAX];
	int n;
	uint64_t coalesced;
};

bool ackq_offer(struct ackq *q, const struct iovec *iov, int iovcnt,
		const struct ae_tx_offload *off, ackq_out_fn out, void *ctx);
void ackq_flush(struct ackq *q, ackq_out_fn out, void *ctx);

#endif /* AE_ACKQ_H */
