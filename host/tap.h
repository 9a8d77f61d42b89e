/* SPDX-License-Identifier: MIT */
/**
 * DOC: tap.h - the TAP device: open, attach, make persistent
 *
 * Used by aetherd and by programs that embed the stack (examples/httpd.c).
 * Library code: reports errors, never prints or exits.
 */
#ifndef AE_TAP_H
#define AE_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/virtio_net.h>

/**
 * struct tap_opts - how to open the device
 * @name:	interface name (e.g. "aether0")
 * @persist:	make the device persistent (needs CAP_NET_ADMIN)
 * @owner:	with @persist: uid allowed to attach later, (uid_t)-1 for none
 * @offload:	ask for IFF_VNET_HDR and the kernel's offloads (TUNSETOFFLOAD)
 */
struct tap_opts {
	const char *name;
	bool persist;
	uid_t owner;
	bool offload;
};

/**
 * struct tap_info - what tap_open() found out
 * @created:	the device did not exist before; it vanishes when closed
 *		unless made persistent
 * @mtu:	the device's MTU as the kernel reports it (0 if unknown)
 * @vnet_hdr:	every read and write carries a &struct virtio_net_hdr first
 * @offload:	the TUN_F_* offloads the kernel accepted (0: none)
 */
struct tap_info {
	bool created;
	int mtu;
	bool vnet_hdr;
	unsigned int offload;
};

/**
 * enum tap_vnet_verdict - tap_vnet_check() on a received frame's header
 * @TAP_VNET_OK:	valid; the frame goes to the stack
 * @TAP_VNET_BAD_FLAGS:	a flag other than NEEDS_CSUM and DATA_VALID
 * @TAP_VNET_BAD_GSO_TYPE: a GSO type we did not ask for (UDP), or ECN
 *			without a GSO type
 * @TAP_VNET_BAD_GSO_SIZE: gso_size 0 on a super-frame, or set on a plain one
 * @TAP_VNET_BAD_HDR_LEN: hdr_len beyond the frame
 * @TAP_VNET_BAD_CSUM:	NEEDS_CSUM whose csum_start/csum_offset is not the
 *			TCP or UDP checksum field of the frame's own headers
 * @TAP_VNET_BAD_FRAME:	a super-frame, or a frame with NEEDS_CSUM, whose
 *			headers are not IPv4/IPv6 + TCP/UDP as the header says
 *			(or a fragment, or truncated headers)
 * @TAP_VNET_NVERDICTS:	number of verdicts
 */
enum tap_vnet_verdict {
	TAP_VNET_OK,
	TAP_VNET_BAD_FLAGS,
	TAP_VNET_BAD_GSO_TYPE,
	TAP_VNET_BAD_GSO_SIZE,
	TAP_VNET_BAD_HDR_LEN,
	TAP_VNET_BAD_CSUM,
	TAP_VNET_BAD_FRAME,
	TAP_VNET_NVERDICTS
};

bool tap_name_ok(const char *name);
int tap_open(const struct tap_opts *o, struct tap_info *info, char *err,
	     size_t errlen);
enum tap_vnet_verdict tap_vnet_check(const struct virtio_net_hdr *h,
				     const uint8_t *frame, size_t len,
				     bool *csum_valid);
const char *tap_vnet_verdict_name(enum tap_vnet_verdict v);
void tap_vnet_fill(struct virtio_net_hdr *h, uint16_t csum_start,
		   uint16_t csum_offset, uint16_t gso_size, uint16_t hdr_len);

#endif /* AE_TAP_H */
