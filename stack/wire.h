/* SPDX-License-Identifier: MIT */
/**
 * DOC: wire.h - the wire formats: every header field named once
 *
 * Theory of operation: as smoltcp's wire::field, each header's fields are
 * named here by their byte offset from the start of the header (IP_F_TTL,
 * TCP_F_SEQ, ...), next to the protocol's constants (types, codes, option
 * kinds and lengths, limits). Headers stay in network byte order inside the
 * frame and are converted at the point of use with ld16()/ld32()/st16()/
 * st32() from pkt.h: `ld32(th + TCP_F_SEQ)`. Addresses and ports, which the
 * stack keeps in network order, are copied as they are. The pointer a field
 * is read from comes from pkt_get() for at least the header's fixed length,
 * so every read stays bounds-checked where it was; the two fields packed
 * with others (IPv4 IHL, TCP data offset) have an accessor each.
 */
#ifndef AE_WIRE_H
#define AE_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Ethernet II */
#define ETH_ALEN_	6
#define ETH_HLEN_	14
#define ETH_P_IP_	0x0800
#define ETH_P_ARP_	0x0806
enum eth_field {
	ETH_F_DST	= 0,	/* 6 bytes */
	ETH_F_SRC	= 6,	/* 6 bytes */
	ETH_F_TYPE	= 12,	/* 2 bytes */
};

/* ARP for IPv4 over Ethernet (RFC 826) */
#define ARP_LEN			28
#define ARP_HRD_ETHER		1
#define ARP_OP_REQUEST		1
#define ARP_OP_REPLY		2
#define ARP_PLEN_IPV4		4
enum arp_field {
	ARP_F_HRD	= 0,	/* hardware type */
	ARP_F_PRO	= 2,	/* protocol type */
	ARP_F_HLN	= 4,	/* hardware address length */
	ARP_F_PLN	= 5,	/* protocol address length */
	ARP_F_OP	= 6,
	ARP_F_SHA	= 8,	/* sender MAC */
	ARP_F_SPA	= 14,	/* sender IPv4 address */
	ARP_F_THA	= 18,	/* target MAC */
	ARP_F_TPA	= 24,	/* target IPv4 address */
};

/* IPv4 (RFC 791) */
#define IP_HLEN			20
#define IP_MAXPACKET_		65535
#define IP_VHL_DEFAULT		0x45	/* version 4, 20-byte header */
#define IP_DF			0x4000
#define IP_MF			0x2000
#define IP_OFFMASK		0x1fff
#define IP_DEFTTL		64
#define IPPROTO_ICMP_		1
#define IPPROTO_TCP_		6
#define IPPROTO_UDP_		17
enum ip_field {
	IP_F_VHL	= 0,	/* version << 4 | header length in words */
	IP_F_TOS	= 1,
	IP_F_LEN	= 2,	/* total length */
	IP_F_ID		= 4,
	IP_F_FRAG	= 6,	/* flags | fragment offset in 8 bytes */
	IP_F_TTL	= 8,
	IP_F_PROTO	= 9,
	IP_F_CSUM	= 10,
	IP_F_SRC	= 12,
	IP_F_DST	= 16,
};

/**
 * ip_version() - the version field of an IPv4 header
 * @h:		header (at least IP_HLEN bytes)
 *
 * Return: 4 for IPv4
 */
static inline unsigned int ip_version(const uint8_t *h)
{
	return h[IP_F_VHL] >> 4;
}

/**
 * ip_hdr_len() - the header length an IPv4 header claims
 * @h:		header (at least one byte)
 *
 * Return: bytes (IHL * 4), not checked against anything
 */
static inline size_t ip_hdr_len(const uint8_t *h)
{
	return (size_t)(h[IP_F_VHL] & 0xf) * 4;
}

/* ICMP (RFC 792) */
#define ICMP_HLEN		8
#define ICMP_ECHOREPLY_		0
#define ICMP_DEST_UNREACH_	3
#define ICMP_SOURCE_QUENCH_	4
#define ICMP_REDIRECT_		5
#define ICMP_ECHO_		8
#define ICMP_TIME_EXCEEDED_	11
#define ICMP_PARAMETERPROB_	12
/* codes of ICMP_DEST_UNREACH_ */
#define ICMP_NET_UNREACH_	0
#define ICMP_HOST_UNREACH_	1
#define ICMP_PROT_UNREACH_	2
#define ICMP_PORT_UNREACH_	3
#define ICMP_FRAG_NEEDED_	4
/* codes of ICMP_TIME_EXCEEDED_ */
#define ICMP_EXC_FRAGTIME_	1	/* reassembly time exceeded */
enum icmp_field {
	ICMP_F_TYPE	= 0,
	ICMP_F_CODE	= 1,
	ICMP_F_CSUM	= 2,
	ICMP_F_ID	= 4,	/* echo */
	ICMP_F_SEQ	= 6,	/* echo */
	ICMP_F_INFO	= 4,	/* errors: 4 bytes, unused or a pointer */
	ICMP_F_MTU	= 6,	/* fragmentation needed: next-hop MTU */
};

/* UDP (RFC 768) */
#define UDP_HLEN		8
#define UDP_CSUM_NONE		0	/* sent as 0xffff when it computes to 0 */
enum udp_field {
	UDP_F_SPORT	= 0,
	UDP_F_DPORT	= 2,
	UDP_F_LEN	= 4,
	UDP_F_CSUM	= 6,
};

/* TCP (RFC 9293) */
#define TCP_HLEN		20
#define TCP_MAXOLEN		40
#define TCP_MAXWIN		65535	/* largest unscaled window */
enum tcp_field {
	TCP_F_SPORT	= 0,
	TCP_F_DPORT	= 2,
	TCP_F_SEQ	= 4,
	TCP_F_ACK	= 8,
	TCP_F_OFF	= 12,	/* data offset in words << 4 */
	TCP_F_FLAGS	= 13,
	TCP_F_WIN	= 14,
	TCP_F_CSUM	= 16,
	TCP_F_URP	= 18,
};

/* Header flags and option kinds and lengths (RFC 9293, 7323, 2018): the
 * values of <netinet/tcp.h>, which some of our files also include */
#ifndef TH_FIN
#define TH_FIN	0x01
#define TH_SYN	0x02
#define TH_RST	0x04
#define TH_PUSH	0x08
#define TH_ACK	0x10
#endif

#ifndef TCPOPT_EOL
#define TCPOPT_EOL		0
#define TCPOPT_NOP		1
#define TCPOPT_MAXSEG		2
#define TCPOLEN_MAXSEG		4
#define TCPOPT_WINDOW		3
#define TCPOLEN_WINDOW		3
#define TCPOPT_SACK_PERMITTED	4
#define TCPOLEN_SACK_PERMITTED	2
#define TCPOPT_SACK		5
#define TCPOPT_TIMESTAMP	8
#define TCPOLEN_TIMESTAMP	10
#define TCPOLEN_TSTAMP_APPA	(TCPOLEN_TIMESTAMP+2)
#endif
#define TCPOLEN_SACK_BASE	2	/* kind and length before the blocks */
#define TCPOLEN_SACK_BLOCK	8	/* one left/right edge pair */
#define TCP_SACK_BLOCKS_MAX	4	/* that fit in 40 option bytes */

/**
 * tcp_hdr_len() - the header length a TCP header claims (data offset)
 * @h:		header (at least TCP_HLEN bytes)
 *
 * Return: bytes, not checked against anything
 */
static inline size_t tcp_hdr_len(const uint8_t *h)
{
	return (size_t)(h[TCP_F_OFF] >> 4) * 4;
}

#endif /* AE_WIRE_H */
