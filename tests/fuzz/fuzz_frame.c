// SPDX-License-Identifier: MIT
/**
 * DOC: fuzz_frame.c - libFuzzer target: hostile frames into a whole stack
 *
 * Theory of operation: one fuzz input drives one stack from creation to
 * destruction, so a single input can walk ARP, fragment reassembly and a
 * multi-segment TCP conversation. The input is
 *
 *	byte 0:		configuration bits (FZ_CFG_*)
 *	then records:	[flags u8][len u16 big endian][len bytes: a frame]
 *
 * and every record is one frame handed to ae_stack_input() from a heap copy
 * of exactly its length (so ASan sees any read past it). Record flags:
 *
 *	bit 0	FZ_FIX_CSUM: recompute the IPv4 header checksum and, for an
 *		unfragmented TCP/UDP/ICMP datagram, the transport checksum, so
 *		the fuzzer gets past the checksum checks into the protocols;
 *	bit 1	FZ_AUTO_ACK: for TCP, treat the acknowledgment field as an
 *		offset from the end of the last segment the stack sent to that
 *		port (the stack's ISN is not something a fuzzer can guess), and
 *		a destination port of 0 as the stack's port on that connection
 *		(its ephemeral port, for the active open), and the edges of SACK
 *		blocks as offsets from the stack's ISN + 1;
 *	bits 2-4 how far the virtual clock moves after the frame
 *		(0, 1 ms, 10 ms, 100 ms, 500 ms, 2 s, 30 s, 130 s);
 *	bit 5	the application writes 6000 bytes on every connection;
 *	bit 6	the application stops reading (receive windows fill up);
 *	bit 7	the application closes its oldest connection.
 *
 * Around the stack: a virtual clock, an output hook that checks every frame
 * the stack emits (size, our source MAC, IPv4 and transport checksums, and
 * that a connection's acknowledgment number never goes backwards) and
 * remembers each TCP connection's highest sent sequence number for
 * FZ_AUTO_ACK, and a counting allocator. An application lives on top: a TCP
 * listener on port 80 that accepts and reads (closing on EOF), a UDP socket
 * on 53 that echoes datagrams, and with FZ_CFG_CONNECT an active connection
 * to 192.168.1.1:8080. At the end every socket is closed, the stack is
 * destroyed, and any allocation still live is a failure (abort), as is a
 * counter that disagrees with the number of frames fed.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined (tests/fuzz/run.sh);
 * tests/fuzz/replay_main.c gives the same target a main() for gcc.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "aether.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CFG_ARP	(1u << 0)	/* teach the stack the peer's MAC first */
#define FZ_CFG_SMALLBUF	(1u << 1)	/* 4 KiB socket buffers */
#define FZ_CFG_CONNECT	(1u << 2)	/* active open to 192.168.1.1:8080 */
#define FZ_CFG_MTU576	(1u << 3)	/* link MTU 576 */
#define FZ_CFG_SHORTTW	(1u << 4)	/* TIME-WAIT of 1 s */

#define FZ_FIX_CSUM	(1u << 0)
#define FZ_AUTO_ACK	(1u << 1)
#define FZ_APP_WRITE	(1u << 5)
#define FZ_APP_NOREAD	(1u << 6)
#define FZ_APP_CLOSE	(1u << 7)

#define FZ_MAX_FRAME	9000
#define FZ_MAX_CONNS	32
#define FZ_TRACK	16

static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint64_t clock_steps_ms[8] = {
	0, 1, 10, 100, 500, 2000, 30000, 130000
};

/**
 * struct fz_track - the stack's send sequence on one connection
 * @port:	the peer's port (destination of our segments), network order
 * @lport:	our port on that connection, network order
 * @used:	slot in use
 * @end:	highest SEG.SEQ + SEG.LEN (SYN and FIN count) sent
 * @isn:	the sequence number of the stack's SYN
 */
struct fz_track {
	uint16_t port, lport;
	bool used;
	uint32_t end, isn;
};

/**
 * struct fz_acks - what the stack acknowledged on one 4-tuple
 * @used:	slot in use
 * @raddr:	peer address (network order)
 * @rport:	peer port, @lport ours (network order)
 * @has_isn:	@isn is the stack's ISN of the current incarnation
 * @isn:	its ISN (from its SYN or SYN-ACK)
 * @has_ack:	@last_ack is valid
 * @last_ack:	highest acknowledgment number sent (RCV.NXT never decreases)
 */
struct fz_acks {
	bool used, has_isn, has_ack;
	uint32_t raddr, isn, last_ack;
	uint16_t rport, lport;
};

#define FZ_ACKS		64

/**
 * struct fz - the harness around one stack
 * @now:	virtual clock, ns
 * @mtu:	configured MTU
 * @mem_live:	allocations not yet freed, @mem_bytes their size
 * @s:		the stack
 * @lsn:	TCP listener on :80
 * @udp:	UDP socket on :53
 * @conns:	accepted (and the active) connections, oldest first
 * @nconns:	how many
 * @track:	sequence tracking for FZ_AUTO_ACK
 */
struct fz {
	uint64_t now;
	uint16_t mtu;
	long mem_live, mem_bytes;
	struct ae_stack *s;
	struct ae_sock *lsn, *udp;
	struct ae_sock *conns[FZ_MAX_CONNS];
	int nconns;
	struct fz_track track[FZ_TRACK];
	struct fz_acks acks[FZ_ACKS];
};

static struct fz fz;
static uint8_t appbuf[65536];
static int trace = -1;	/* env FUZZ_TRACE: print every emitted frame */

/**
 * fz_fail() - report a broken invariant and abort (the fuzzer's crash)
 * @what:	message
 */
static void fz_fail(const char *what)
{
	fprintf(stderr, "fuzz_frame: invariant broken: %s\n", what);
	abort();
}

/**
 * ld16() - big-endian 16-bit load
 * @p:		bytes
 *
 * Return: value
 */
static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/**
 * ld32() - big-endian 32-bit load
 * @p:		bytes
 *
 * Return: value
 */
static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/**
 * st16() - big-endian 16-bit store
 * @p:		destination
 * @v:		value
 */
static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/**
 * st32() - big-endian 32-bit store
 * @p:		destination
 * @v:		value
 */
static void st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)(v >> 16));
	st16(p + 2, (uint16_t)v);
}

/**
 * sum16() - one's complement sum of big-endian words (unfolded)
 * @b:		bytes
 * @len:	length
 * @sum:	running sum
 *
 * Return: sum
 */
static uint64_t sum16(const uint8_t *b, size_t len, uint64_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += ld16(b + i);
	if (len & 1)
		sum += (uint64_t)b[len - 1] << 8;
	return sum;
}

/**
 * fold() - fold a sum to 16 bits and complement it
 * @sum:	unfolded sum
 *
 * Return: checksum
 */
static uint16_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * l4_sum() - transport checksum of @len bytes at @l4 with the pseudo header
 * @ip:		IPv4 header (addresses)
 * @proto:	protocol
 * @l4:		transport header and payload
 * @len:	length
 *
 * Return: checksum as it would be stored (0 when the field verifies)
 */
static uint16_t l4_sum(const uint8_t *ip, uint8_t proto, const uint8_t *l4,
		       size_t len)
{
	uint64_t sum = sum16(ip + 12, 8, 0) + proto + len;

	return fold(sum16(l4, len, sum));
}

/**
 * ipv4_view() - locate the IPv4 header and payload of an Ethernet frame
 * @f:		frame
 * @len:	frame length
 * @hl:		set to the header length
 * @pl:		set to the payload length (per total length, clamped)
 *
 * Return: the IPv4 header, or NULL when this is not a usable IPv4 frame
 */
static uint8_t *ipv4_view(uint8_t *f, size_t len, size_t *hl, size_t *pl)
{
	uint8_t *ip = f + 14;
	size_t tot;

	if (len < 34 || ld16(f + 12) != 0x0800 || (ip[0] >> 4) != 4)
		return NULL;
	*hl = (size_t)(ip[0] & 0xf) * 4;
	tot = ld16(ip + 2);
	if (*hl < 20 || 14 + *hl > len || tot < *hl)
		return NULL;
	if (14 + tot > len)
		tot = len - 14;
	*pl = tot - *hl;
	return ip;
}

/**
 * csum_off() - offset of the checksum field for a transport protocol
 * @proto:	IP protocol
 *
 * Return: offset within the transport header, or -1
 */
static int csum_off(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 16;
	case IPPROTO_UDP:
		return 6;
	case IPPROTO_ICMP:
		return 2;
	default:
		return -1;
	}
}

/**
 * track_slot() - the tracking slot for a peer port
 * @port:	peer port, network order
 * @create:	take a slot when none exists
 *
 * Return: slot or NULL
 */
static struct fz_track *track_slot(uint16_t port, bool create)
{
	struct fz_track *t = &fz.track[(ntohs(port) * 7u) % FZ_TRACK];

	if (t->used && t->port == port)
		return t;
	if (!create)
		return NULL;
	t->used = true;
	t->port = port;
	return t;
}

/**
 * track_output() - remember how far the stack sent on a TCP connection
 * @l4:		TCP header
 * @len:	segment length (header + data)
 */
static void track_output(const uint8_t *l4, size_t len)
{
	size_t doff = (size_t)(l4[12] >> 4) * 4;
	uint32_t end = ld32(l4 + 4) + (uint32_t)(len - doff);
	struct fz_track *t;
	bool fresh;

	if (l4[13] & 0x02)	/* SYN */
		end++;
	if (l4[13] & 0x01)	/* FIN */
		end++;
	t = track_slot(htons(ld16(l4 + 2)), false);
	fresh = !t;
	if (fresh)
		t = track_slot(htons(ld16(l4 + 2)), true);
	if (fresh || (l4[13] & 0x02) || (int32_t)(end - t->end) > 0)
		t->end = end;
	if (fresh || (l4[13] & 0x02))
		t->isn = ld32(l4 + 4);
	t->lport = htons(ld16(l4));
}

/**
 * check_ack_order() - RCV.NXT never decreases within one incarnation
 * @ip:		IPv4 header of an emitted TCP segment
 * @l4:		its TCP header (20 bytes at least)
 *
 * RSTs are skipped (a RST for an unknown connection acks whatever it got).
 * A SYN starts an incarnation; a segment whose sequence number is far from
 * the incarnation's ISN (a SYN-cookie connection, say) starts a new one.
 */
static void check_ack_order(const uint8_t *ip, const uint8_t *l4)
{
	uint32_t raddr, seq = ld32(l4 + 4), ack = ld32(l4 + 8);
	uint16_t rport, lport;
	uint8_t fl = l4[13];
	struct fz_acks *a;

	if (fl & 0x04)
		return;
	memcpy(&raddr, ip + 16, 4);
	memcpy(&rport, l4 + 2, 2);
	memcpy(&lport, l4, 2);
	a = &fz.acks[(raddr ^ rport * 31u ^ lport * 7u) % FZ_ACKS];
	if (!a->used || a->raddr != raddr || a->rport != rport ||
	    a->lport != lport) {
		memset(a, 0, sizeof(*a));
		a->used = true;
		a->raddr = raddr;
		a->rport = rport;
		a->lport = lport;
	}
	if ((fl & 0x02) || !a->has_isn || seq - a->isn > (1u << 30)) {
		a->has_isn = (fl & 0x02) != 0;
		a->isn = seq;
		a->has_ack = (fl & 0x10) != 0;
		a->last_ack = ack;
		return;
	}
	if (!(fl & 0x10))
		return;
	if (a->has_ack && (int32_t)(ack - a->last_ack) < 0)
		fz_fail("a connection's acknowledgment number went backwards");
	if (!a->has_ack || (int32_t)(ack - a->last_ack) > 0)
		a->last_ack = ack;
	a->has_ack = true;
}

/**
 * check_output() - verify one emitted frame
 * @f:		frame
 * @len:	its length
 *
 * Frames must be 14..14+MTU bytes, come from our MAC and carry valid IPv4
 * and (unfragmented) transport checksums.
 */
static void check_output(uint8_t *f, size_t len)
{
	size_t hl, pl;
	uint8_t *ip;
	int off;

	if (len < 14 || len > 14 + (size_t)fz.mtu)
		fz_fail("emitted frame size out of range");
	if (memcmp(f + 6, our_mac, 6))
		fz_fail("emitted frame not from our MAC");
	ip = ipv4_view(f, len, &hl, &pl);
	if (!ip)
		return;
	if (14 + (size_t)ld16(ip + 2) != len && len > 60)
		fz_fail("emitted IPv4 total length disagrees with the frame");
	if (fold(sum16(ip, hl, 0)) != 0)
		fz_fail("emitted IPv4 header checksum wrong");
	if (ld16(ip + 6) & 0x3fff)	/* a fragment: no transport check */
		return;
	off = csum_off(ip[9]);
	if (off < 0 || pl < (size_t)off + 2)
		return;
	if (ip[9] == IPPROTO_UDP && !ld16(ip + hl + 6))
		return;		/* UDP without checksum */
	if (ip[9] == IPPROTO_ICMP ? fold(sum16(ip + hl, pl, 0)) != 0 :
	    l4_sum(ip, ip[9], ip + hl, pl) != 0)
		fz_fail("emitted transport checksum wrong");
	if (ip[9] == IPPROTO_TCP && pl >= 20 && (size_t)(ip[hl + 12] >> 4) * 4 <= pl) {
		track_output(ip + hl, pl);
		check_ack_order(ip, ip + hl);
	}
	if (trace > 0 && ip[9] == IPPROTO_TCP && pl >= 20)
		fprintf(stderr, "%.3f out tcp %u>%u flags %02x seq %u ack %u win %u len %zu\n",
			(double)(fz.now % 1000000000000ULL) / 1e9,
			ld16(ip + hl), ld16(ip + hl + 2), ip[hl + 13],
			ld32(ip + hl + 4), ld32(ip + hl + 8), ld16(ip + hl + 14),
			pl - (size_t)(ip[hl + 12] >> 4) * 4);
	else if (trace > 0)
		fprintf(stderr, "out ip proto %u len %zu\n", ip[9], len);
}

/**
 * fz_output() - the stack's output hook: gather, then check
 * @ctx:	unused
 * @iov:	parts
 * @iovcnt:	count
 */
static void fz_output(void *ctx, const struct iovec *iov, int iovcnt)
{
	static uint8_t frame[65536 + 64];
	size_t len = 0;
	int i;

	(void)ctx;
	if (iovcnt <= 0)
		fz_fail("output with no parts");
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > sizeof(frame) - len)
			fz_fail("emitted frame larger than 64 KiB");
		if (iov[i].iov_len)
			memcpy(frame + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	check_output(frame, len);
}

/**
 * fz_clock() - the virtual clock
 * @ctx:	unused
 *
 * Return: ns
 */
static uint64_t fz_clock(void *ctx)
{
	(void)ctx;
	return fz.now;
}

/**
 * fz_alloc() - counting allocator (fills with garbage, as malloc may)
 * @ctx:	unused
 * @len:	bytes
 *
 * Return: memory or NULL
 */
static void *fz_alloc(void *ctx, size_t len)
{
	size_t *h = malloc(len + 16);

	(void)ctx;
	if (!h)
		return NULL;
	h[0] = len;
	memset(h + 2, 0xa5, len);
	fz.mem_live++;
	fz.mem_bytes += (long)len;
	return h + 2;
}

/**
 * fz_free() - counting free; the length must match the allocation
 * @ctx:	unused
 * @mem:	memory from fz_alloc()
 * @len:	length the stack believes it allocated
 */
static void fz_free(void *ctx, void *mem, size_t len)
{
	size_t *h;

	(void)ctx;
	if (!mem)
		return;
	h = (size_t *)mem - 2;
	if (h[0] != len)
		fz_fail("mem_free with a length other than the allocation's");
	fz.mem_live--;
	fz.mem_bytes -= (long)len;
	free(h);
}

/**
 * sock_cb() - readiness callback: work happens in app_service()
 * @sk:		socket
 * @events:	AE_EV_*
 * @user:	unused
 */
static void sock_cb(struct ae_sock *sk, unsigned int events, void *user)
{
	(void)sk;
	(void)events;
	(void)user;
}

/**
 * conn_add() - keep a connection, or close it when the table is full
 * @sk:		socket
 */
static void conn_add(struct ae_sock *sk)
{
	ae_sock_set_callback(sk, sock_cb, NULL);
	if (fz.nconns >= FZ_MAX_CONNS) {
		ae_close(sk);
		return;
	}
	fz.conns[fz.nconns++] = sk;
}

/**
 * conn_close() - close connection @i and forget it
 * @i:		index in fz.conns
 */
static void conn_close(int i)
{
	struct ae_sock *sk = fz.conns[i];

	memmove(&fz.conns[i], &fz.conns[i + 1],
		(size_t)(fz.nconns - i - 1) * sizeof(fz.conns[0]));
	fz.nconns--;
	ae_close(sk);
}

/**
 * conn_service() - read (unless told not to) and maybe write on one
 * @i:		index in fz.conns
 * @flags:	record flags (FZ_APP_*)
 *
 * Return: true when the connection was closed (EOF or error)
 */
static bool conn_service(int i, unsigned int flags)
{
	struct ae_sock *sk = fz.conns[i];
	ssize_t n;
	int k;

	if (!(flags & FZ_APP_NOREAD)) {
		for (k = 0; k < 8; k++) {
			n = ae_recv(sk, appbuf, sizeof(appbuf), 0);
			if (n == -EAGAIN)
				break;
			if (n > (ssize_t)sizeof(appbuf))
				fz_fail("ae_recv returned more than asked");
			if (n <= 0 && n != -ENOTCONN) {
				conn_close(i);
				return true;
			}
			if (n < 0)
				break;
		}
	}
	if (flags & FZ_APP_WRITE) {
		memset(appbuf, 'a' + i, 6000);
		n = ae_send(sk, appbuf, 6000, 0);
		if (n > 6000)
			fz_fail("ae_send accepted more than given");
	}
	return false;
}

/**
 * udp_service() - echo queued datagrams back to their sender
 */
static void udp_service(void)
{
	struct sockaddr_in from;
	ssize_t n;
	int k;

	for (k = 0; k < 8; k++) {
		n = ae_recvfrom(fz.udp, appbuf, sizeof(appbuf), 0, &from);
		if (n < 0)
			break;
		if (n > (ssize_t)sizeof(appbuf))
			fz_fail("ae_recvfrom returned more than asked");
		ae_sendto(fz.udp, appbuf, (size_t)n, 0, &from);
	}
}

/**
 * app_service() - the application's turn after each frame
 * @flags:	record flags
 */
static void app_service(unsigned int flags)
{
	struct ae_sock *sk;
	int i, k;

	for (k = 0; k < 8; k++) {
		if (ae_accept(fz.lsn, &sk, NULL) || !sk)
			break;
		conn_add(sk);
	}
	for (i = 0; i < fz.nconns; i++)
		if (conn_service(i, flags))
			i--;
	if ((flags & FZ_APP_CLOSE) && fz.nconns)
		conn_close(0);
	udp_service();
}

/**
 * run_timers() - let the stack run what is due at the current time
 */
static void run_timers(void)
{
	int k;

	ae_stack_poll(fz.s);
	for (k = 0; k < 4 && ae_stack_next_timeout(fz.s) <= fz.now; k++)
		ae_stack_poll(fz.s);
}

/**
 * fix_checksums() - make IPv4 and transport checksums right (FZ_FIX_CSUM)
 * @f:		frame (writable copy)
 * @len:	length
 */
static void fix_checksums(uint8_t *f, size_t len)
{
	size_t hl, pl;
	uint8_t *ip = ipv4_view(f, len, &hl, &pl);
	uint16_t c;
	int off;

	if (!ip)
		return;
	st16(ip + 10, 0);
	st16(ip + 10, fold(sum16(ip, hl, 0)));
	if (ld16(ip + 6) & 0x3fff)
		return;
	off = csum_off(ip[9]);
	if (off < 0 || pl < (size_t)off + 2)
		return;
	st16(ip + hl + off, 0);
	if (ip[9] == IPPROTO_ICMP) {
		c = fold(sum16(ip + hl, pl, 0));
	} else {
		c = l4_sum(ip, ip[9], ip + hl, pl);
		if (ip[9] == IPPROTO_UDP && !c)
			c = 0xffff;
	}
	st16(ip + hl + off, c);
}

/**
 * sack_rebase() - SACK block edges become offsets from the stack's ISN + 1
 * @th:		TCP header (writable)
 * @len:	segment length available
 * @isn:	the stack's ISN on this connection
 */
static void sack_rebase(uint8_t *th, size_t len, uint32_t isn)
{
	size_t doff = (size_t)(th[12] >> 4) * 4, i = 20, olen, k;

	if (doff > len)
		doff = len;
	while (i < doff) {
		if (th[i] == 0)
			break;
		if (th[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= doff)
			break;
		olen = th[i + 1];
		if (olen < 2 || olen > doff - i)
			break;
		if (th[i] == 5)
			for (k = i + 2; k + 4 <= i + olen; k += 4)
				st32(th + k, isn + 1 + ld32(th + k));
		i += olen;
	}
}

/**
 * auto_ack() - FZ_AUTO_ACK: acknowledgment = tracked end + given offset
 * @f:		frame (writable copy)
 * @len:	length
 */
static void auto_ack(uint8_t *f, size_t len)
{
	size_t hl, pl;
	uint8_t *ip = ipv4_view(f, len, &hl, &pl);
	struct fz_track *t;
	uint8_t *th;

	if (!ip || ip[9] != IPPROTO_TCP || pl < 20 || (ld16(ip + 6) & 0x3fff))
		return;
	th = ip + hl;
	t = track_slot(htons(ld16(th)), false);
	if (!t)
		return;
	st32(th + 8, t->end + ld32(th + 8));
	if (!ld16(th + 2))
		st16(th + 2, ntohs(t->lport));
	sack_rebase(th, pl, t->isn);
}

/**
 * feed() - one record: frame in, clock forward, timers, application
 * @flags:	record flags
 * @frame:	bytes
 * @len:	length
 */
static void feed(unsigned int flags, const uint8_t *frame, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	const char *why;

	if (!copy)
		abort();
	if (len)
		memcpy(copy, frame, len);
	if (flags & FZ_AUTO_ACK)
		auto_ack(copy, len);
	if (flags & FZ_FIX_CSUM)
		fix_checksums(copy, len);
	ae_stack_input(fz.s, copy, len);
	free(copy);
	fz.now += clock_steps_ms[(flags >> 2) & 7] * 1000000ULL;
	run_timers();
	app_service(flags);
	why = ae_stack_check(fz.s);
	if (why)
		fz_fail(why);
}

/**
 * seed_arp() - an ARP reply from the peer, so replies need no resolution
 */
static void seed_arp(void)
{
	uint8_t f[42];
	uint32_t peer = htonl(0xc0a80101), us = htonl(0xc0a80102);

	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	st16(f + 12, 0x0806);
	st16(f + 14, 1);
	st16(f + 16, 0x0800);
	f[18] = 6;
	f[19] = 4;
	st16(f + 20, 2);
	memcpy(f + 22, peer_mac, 6);
	memcpy(f + 28, &peer, 4);
	memcpy(f + 32, our_mac, 6);
	memcpy(f + 38, &us, 4);
	ae_stack_input(fz.s, f, sizeof(f));
}

/**
 * open_sockets() - listener on :80, UDP on :53, maybe an active connection
 * @cfgbits:	FZ_CFG_*
 */
static void open_sockets(unsigned int cfgbits)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ae_sock *sk;
	int err;

	fz.lsn = ae_socket(fz.s, SOCK_STREAM, &err);
	fz.udp = ae_socket(fz.s, SOCK_DGRAM, &err);
	if (!fz.lsn || !fz.udp)
		fz_fail("cannot create the application's sockets");
	ae_sock_set_callback(fz.lsn, sock_cb, NULL);
	ae_sock_set_callback(fz.udp, sock_cb, NULL);
	a.sin_port = htons(80);
	if (ae_bind(fz.lsn, &a) || ae_listen(fz.lsn, 8))
		fz_fail("cannot listen on :80");
	a.sin_port = htons(53);
	if (ae_bind(fz.udp, &a))
		fz_fail("cannot bind :53");
	if (!(cfgbits & FZ_CFG_CONNECT))
		return;
	sk = ae_socket(fz.s, SOCK_STREAM, &err);
	if (!sk)
		fz_fail("cannot create the active socket");
	a.sin_addr.s_addr = htonl(0xc0a80101);
	a.sin_port = htons(8080);
	err = ae_connect(sk, &a);
	if (err && err != -EINPROGRESS)
		fz_fail("active connect failed at once");
	conn_add(sk);
}

/**
 * fz_start() - a fresh stack configured by @cfgbits
 * @cfgbits:	FZ_CFG_*
 */
static void fz_start(unsigned int cfgbits)
{
	struct ae_config cfg;

	memset(&fz, 0, sizeof(fz));
	if (trace < 0)
		trace = getenv("FUZZ_TRACE") != NULL;
	fz.now = 1000ULL * 1000000000ULL;
	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.mac, our_mac, 6);
	cfg.addr = htonl(0xc0a80102);
	cfg.prefix_len = 24;
	cfg.gateway = htonl(0xc0a80101);
	cfg.mtu = (cfgbits & FZ_CFG_MTU576) ? 576 : 1500;
	fz.mtu = cfg.mtu;
	cfg.seed = 0x5eed;
	cfg.output = fz_output;
	cfg.clock = fz_clock;
	cfg.mem_alloc = fz_alloc;
	cfg.mem_free = fz_free;
	if (cfgbits & FZ_CFG_SMALLBUF)
		cfg.rcvbuf = cfg.sndbuf = 4096;
	if (cfgbits & FZ_CFG_SHORTTW)
		cfg.time_wait_ms = 1000;
	cfg.max_sockets = 256;
	fz.s = ae_stack_create(&cfg);
	if (!fz.s)
		fz_fail("ae_stack_create failed");
	if (cfgbits & FZ_CFG_ARP)
		seed_arp();
	open_sockets(cfgbits);
}

/**
 * trace_stat() - FUZZ_TRACE: print one non-zero counter
 * @ctx:	unused
 * @group:	counter group
 * @name:	counter name
 * @value:	value
 */
static void trace_stat(void *ctx, const char *group, const char *name,
		       uint64_t value)
{
	(void)ctx;
	if (value)
		fprintf(stderr, "  %s.%s %llu\n", group, name,
			(unsigned long long)value);
}

/**
 * fz_stop() - close everything, destroy, and check that all was freed
 * @fed:	frames given to ae_stack_input() (the ARP seed included)
 */
static void fz_stop(uint64_t fed)
{
	uint64_t in = ae_stack_stat(fz.s, "eth", "in_frames");
	uint64_t drops = ae_stack_stat(fz.s, "eth", "in_runt") +
			 ae_stack_stat(fz.s, "eth", "in_not_for_us") +
			 ae_stack_stat(fz.s, "eth", "in_unknown_type");

	if (trace > 0)
		ae_stack_stats_foreach(fz.s, trace_stat, NULL);
	if (in != fed)
		fz_fail("eth.in_frames differs from the frames fed");
	if (drops > in)
		fz_fail("eth drop counters exceed eth.in_frames");
	while (fz.nconns)
		conn_close(fz.nconns - 1);
	ae_close(fz.lsn);
	ae_close(fz.udp);
	fz.now += 1000000ULL;
	run_timers();
	ae_stack_destroy(fz.s);
	fz.s = NULL;
	if (fz.mem_live != 0 || fz.mem_bytes != 0) {
		fprintf(stderr, "fuzz_frame: %ld allocations, %ld bytes live\n",
			fz.mem_live, fz.mem_bytes);
		fz_fail("memory still allocated after ae_stack_destroy");
	}
}

/**
 * LLVMFuzzerTestOneInput() - one input: a configuration byte and records
 * @data:	input
 * @size:	its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t fed = 0;
	size_t off = 1, len;
	unsigned int cfgbits, flags;

	if (size < 1)
		return 0;
	cfgbits = data[0];
	fz_start(cfgbits);
	if (cfgbits & FZ_CFG_ARP)
		fed++;
	while (off + 3 <= size) {
		flags = data[off];
		len = ld16(data + off + 1);
		off += 3;
		if (len > size - off)
			len = size - off;
		if (len > FZ_MAX_FRAME)
			len = FZ_MAX_FRAME;
		feed(flags, data + off, len);
		fed++;
		off += len;
	}
	fz_stop(fed);
	return 0;
}
