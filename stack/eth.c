// SPDX-License-Identifier: MIT
/**
 * DOC: eth.c - Ethernet II framing
 *
 * Theory of operation: eth_input() accepts frames addressed to our MAC, to
 * the broadcast address, or to a multicast group we joined (only all-hosts,
 * 224.0.0.1 -> 01:00:5e:00:00:01, as RFC 1112 level 1 hosts must), and hands
 * ARP and IPv4 payloads up. Anything else is dropped into exactly one
 * counter. eth_output() builds the 14-byte header in a small local buffer
 * and gives the owner an iovec of header + the caller's parts: the payload is
 * never copied here. A frame TCP left to the device's offloads (s->tx_off:
 * checksum, TSO super-frame over the MTU) goes to cfg.output_offload.
 */
#include <errno.h>
#include <string.h>

#include "stack.h"

#define ETH_MAX_IOV	16

static const uint8_t eth_bcast[ETH_ALEN_] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t eth_allhosts[ETH_ALEN_] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

/**
 * eth_for_us() - is a destination MAC one we listen to?
 * @s:		stack
 * @dst:	destination MAC from the frame
 *
 * Return: true for our MAC, broadcast, or a multicast group we joined
 */
static bool eth_for_us(const struct ae_stack *s, const uint8_t *dst)
{
	if (!memcmp(dst, s->cfg.mac, ETH_ALEN_))
		return true;
	if (!memcmp(dst, eth_bcast, ETH_ALEN_))
		return true;
	return !memcmp(dst, eth_allhosts, ETH_ALEN_);
}

/**
 * eth_input() - demultiplex one received frame
 * @s:		stack
 * @frame:	the whole frame, starting at the destination MAC
 */
void eth_input(struct ae_stack *s, const struct ae_pkt *frame)
{
	const uint8_t *h = pkt_get(frame, 0, ETH_HLEN_);
	struct ae_pkt payload;

	STAT_INC(s, eth, in_frames);
	if (!h || pkt_sub(frame, ETH_HLEN_, frame->len - ETH_HLEN_, &payload)) {
		STAT_INC(s, eth, in_runt);
		return;
	}
	if (!eth_for_us(s, h + ETH_F_DST)) {
		STAT_INC(s, eth, in_not_for_us);
		return;
	}
	switch (ld16(h + ETH_F_TYPE)) {
	case ETH_P_ARP_:
		arp_input(s, &payload);
		break;
	case ETH_P_IP_:
		ipv4_input(s, &payload);
		break;
	default:	/* IPv6, VLAN tags, LLDP...: not ours */
		STAT_INC(s, eth, in_unknown_type);
		break;
	}
}

/**
 * eth_output() - emit one frame: our header + the caller's parts
 * @s:		stack
 * @dst:	destination MAC
 * @ethertype:	host order
 * @iov:	payload parts (not copied)
 * @iovcnt:	number of parts, at most 15
 *
 * Return: 0, -EINVAL for too many parts, -EMSGSIZE for a frame over the MTU
 * (a TSO super-frame may be)
 */
int eth_output(struct ae_stack *s, const uint8_t *dst, uint16_t ethertype,
	       const struct iovec *iov, int iovcnt)
{
	struct iovec v[ETH_MAX_IOV];
	uint8_t hdr[ETH_HLEN_];
	size_t len = 0;
	int i;

	if (iovcnt < 0 || iovcnt >= ETH_MAX_IOV)
		return -EINVAL;
	for (i = 0; i < iovcnt; i++) {
		len += iov[i].iov_len;
		v[i + 1] = iov[i];
	}
	if (len > s->cfg.mtu && !(s->tx_off && s->tx_off->gso_size))
		return -EMSGSIZE;
	memcpy(hdr + ETH_F_DST, dst, ETH_ALEN_);
	memcpy(hdr + ETH_F_SRC, s->cfg.mac, ETH_ALEN_);
	st16(hdr + ETH_F_TYPE, ethertype);
	v[0].iov_base = hdr;
	v[0].iov_len = sizeof(hdr);
	if (s->tx_off)
		s->cfg.output_offload(s->cfg.output_ctx, v, iovcnt + 1,
				      s->tx_off);
	else
		s->cfg.output(s->cfg.output_ctx, v, iovcnt + 1);
	STAT_INC(s, eth, out_frames);
	return 0;
}
