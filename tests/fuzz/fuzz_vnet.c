// SPDX-License-Identifier: MIT
/**
 * DOC: fuzz_vnet.c - libFuzzer target: hostile virtio_net_hdr + frame pairs
 *
 * Theory of operation: with offloads on, every frame read from the TAP
 * comes after a struct virtio_net_hdr that is as untrusted as the frame.
 * One input is one read: the first 10 bytes are the header (host byte
 * order, as the kernel writes it), the rest the frame, in a heap copy of
 * exactly its length. tap_vnet_check() must give a verdict without reading
 * past the frame (ASan), and an accepted header must obey its promises:
 * NEEDS_CSUM points at a TCP (offset 16) or UDP (offset 6) checksum field
 * inside the frame, a super-frame is TCP with NEEDS_CSUM and a non-zero
 * gso_size, hdr_len lies inside the frame. An accepted frame then goes into
 * a stack with the flags aetherd would give it (a trusted checksum), which
 * must not crash either; nothing stays allocated after it is destroyed.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined (tests/fuzz/run.sh);
 * tests/fuzz/replay_main.c gives the same target a main() for gcc.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "aether.h"
#include "tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t fz_now = 1000000000ULL;

/**
 * fz_clock() - the virtual clock
 * @ctx:	unused
 *
 * Return: nanoseconds
 */
static uint64_t fz_clock(void *ctx)
{
	(void)ctx;
	return fz_now;
}

/**
 * fz_output() - frames the stack emits are dropped
 * @ctx:	unused
 * @iov:	parts
 * @iovcnt:	how many
 */
static void fz_output(void *ctx, const struct iovec *iov, int iovcnt)
{
	(void)ctx;
	(void)iov;
	(void)iovcnt;
}

/**
 * fz_output_offload() - offloaded frames are dropped too
 * @ctx:	unused
 * @iov:	parts
 * @iovcnt:	how many
 * @off:	request
 */
static void fz_output_offload(void *ctx, const struct iovec *iov, int iovcnt,
			      const struct ae_tx_offload *off)
{
	(void)ctx;
	(void)iov;
	(void)iovcnt;
	(void)off;
}

/**
 * fz_promises() - abort unless an accepted header keeps its promises
 * @h:		the header
 * @f:		the frame
 * @len:	its length
 */
static void fz_promises(const struct virtio_net_hdr *h, const uint8_t *f,
			size_t len)
{
	uint8_t type = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;

	if (h->hdr_len > len)
		abort();
	if (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if ((size_t)h->csum_start + h->csum_offset + 2 > len)
			abort();
		if (h->csum_offset != 16 && h->csum_offset != 6)
			abort();
	}
	if (type != VIRTIO_NET_HDR_GSO_NONE) {
		if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || !h->gso_size ||
		    h->csum_offset != 16)
			abort();
		if (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6)
			abort();
	}
	(void)f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr h;
	struct ae_config cfg;
	struct ae_stack *s;
	uint8_t *frame;
	size_t len;
	bool valid;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	len = size - sizeof(h);
	frame = malloc(len ? len : 1);	/* exact size: ASan sees overreads */
	if (!frame)
		return 0;
	memcpy(frame, data + sizeof(h), len);
	if (tap_vnet_check(&h, frame, len, &valid) != TAP_VNET_OK) {
		free(frame);
		return 0;
	}
	fz_promises(&h, frame, len);
	memset(&cfg, 0, sizeof(cfg));
	cfg.mac[0] = 0x02;
	cfg.mac[5] = 0x02;
	cfg.addr = htonl(0xc0a80102);
	cfg.prefix_len = 24;
	cfg.seed = 1;
	cfg.output = fz_output;
	cfg.clock = fz_clock;
	cfg.offload = AE_OFFLOAD_CSUM | AE_OFFLOAD_TSO4;
	cfg.output_offload = fz_output_offload;
	s = ae_stack_create(&cfg);
	if (s) {
		ae_stack_input_flags(s, frame, len, valid ? AE_RX_CSUM_VALID : 0);
		fz_now += 1000000000ULL;
		ae_stack_poll(s);
		ae_stack_destroy(s);
	}
	free(frame);
	return 0;
}
