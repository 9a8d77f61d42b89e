/* SPDX-License-Identifier: MIT */
/**
 * DOC: udp_int.h - UDP sockets, shared by udp.c and its snapshot (udp_state.c)
 */
#ifndef AE_UDP_INT_H
#define AE_UDP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "stack.h"

#define UDP_RCVBUF		212992
#define UDP_MAX_PAYLOAD		(IP_MAXPACKET_ - IP_HLEN - UDP_HLEN)
#define UDP_HASH		256
#define UDP_EPH_LOW		32768
#define UDP_EPH_HIGH		60999
#define UDP_MAX_IOV		2

/**
 * struct udp_rec - a queued datagram's header in the receive ring
 * @len:	payload length
 * @saddr:	source address, network order
 * @sport:	source port, network order
 * @ttl:	TTL of its IP header (IP_RECVTTL, IPV6_RECVHOPLIMIT)
 * @tos:	TOS byte of its IP header (IP_RECVTOS, IPV6_RECVTCLASS)
 * @daddr:	destination address of its IP header (IP_PKTINFO)
 */
struct udp_rec {
	uint32_t len;
	uint32_t saddr;
	uint16_t sport;
	uint8_t ttl, tos;
	uint32_t daddr;
};

/**
 * struct udp_sock - a UDP socket
 * @sk:		common part (first)
 * @hash:	link in the port bucket (when bound)
 * @all:	link in the module's list of UDP sockets
 * @bound:	has a local port
 * @shut_rd, @shut_wr: shutdown() state
 * @buf:	receive ring, UDP_RCVBUF bytes
 * @rd, @wr:	read and write offsets
 * @wrap:	end of data before the writer wrapped to 0 (0: not wrapped)
 * @count:	datagrams queued
 * @bytes:	payload bytes queued
 * @pending:	AE_EV_IN to deliver once the input path is done with the list
 */
struct udp_sock {
	struct ae_sock sk;
	LIST_ENTRY(udp_sock) hash;
	LIST_ENTRY(udp_sock) all;
	bool bound;
	bool shut_rd, shut_wr;
	uint8_t *buf;
	uint32_t rd, wr, wrap;
	uint32_t count;
	uint32_t bytes;
	bool pending;
};

LIST_HEAD(udp_list, udp_sock);

/**
 * struct ae_udp - module state
 * @hash:	bound sockets by local port
 * @all:	every UDP socket
 */
struct ae_udp {
	struct udp_list hash[UDP_HASH];
	struct udp_list all;
};

struct udp_list *udp_bucket(struct ae_stack *s, uint16_t port);

#endif /* AE_UDP_INT_H */
