// SPDX-License-Identifier: MIT
/**
 * DOC: test_offload.c - TAP offloads: the virtio_net_hdr checks of received
 * frames (tap.c) and the stack's TSO super-frames and checksum offload
 *
 * The stack's offloaded frames go to off_output(), a model of the kernel's
 * side of the TAP: it checks each request (checksum field holding the
 * pseudo-header sum, offsets, header length, IP length) and cuts a
 * super-frame into segments exactly as tcp_gso_segment() does (sequence
 * numbers, PSH/FIN on the last only, IP length, id and checksum per
 * segment), finishing every TCP checksum; the segments then reach the
 * fake device, where the usual helpers (th_*) parse and check them.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fakedev.h"
#include "pkt.h"
#include "tap.h"
#include "tcp_helpers.h"

static struct ae_stack *S;
static struct tconn C;

/**
 * struct off_log - what off_output() saw
 * @frames:	offloaded frames
 * @gso:	of which super-frames
 * @segs:	segments cut from super-frames
 * @max_len:	largest frame
 * @gso_size:	gso_size of the last super-frame
 */
static struct off_log {
	int frames, gso, segs;
	size_t max_len;
	unsigned int gso_size;
} L;

static uint8_t big[70000];

/**
 * finish_csum() - complete the TCP checksum of one segment, as the device
 * @f:		frame
 * @len:	its length
 */
static void finish_csum(uint8_t *f, size_t len)
{
	uint32_t src, dst;

	memcpy(&src, f + 26, 4);
	memcpy(&dst, f + 30, 4);
	st16(f + 14 + 20 + 16, 0);
	st16(f + 14 + 20 + 16, fake_l4_csum(src, dst, 6, f + 34, len - 34));
}

/**
 * ip_fix() - set IP total length and id, recompute the header checksum
 * @f:		frame
 * @len:	frame length
 * @id:		identification
 */
static void ip_fix(uint8_t *f, size_t len, uint16_t id)
{
	uint32_t sum = 0;
	int i;

	st16(f + 16, (uint16_t)(len - 14));
	st16(f + 18, id);
	st16(f + 24, 0);
	for (i = 0; i < 20; i += 2)
		sum += ld16(f + 14 + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	st16(f + 24, (uint16_t)~sum);
}

/**
 * off_output() - the kernel's side: check an offload request, segment
 * @ctx:	unused
 * @iov:	frame parts
 * @iovcnt:	their number
 * @off:	the request
 */
static void off_output(void *ctx, const struct iovec *iov, int iovcnt,
		       const struct ae_tx_offload *off)
{
	static uint8_t seg[2048];
	size_t len = 0, hlen, pay, o, n;
	uint32_t src, dst, sum, seq;
	uint16_t id;
	uint8_t fl;
	int i;

	(void)ctx;
	for (i = 0; i < iovcnt; i++) {
		ck_assert_uint_le(len + iov[i].iov_len, sizeof(big));
		memcpy(big + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	L.frames++;
	if (len > L.max_len)
		L.max_len = len;
	/* what tun_get_user() refuses with EINVAL: a header past the frame */
	ck_assert_uint_eq(ld16(big + 12), 0x0800);
	ck_assert_uint_le(off->hdr_len, len);
	ck_assert_uint_le((size_t)off->csum_start + off->csum_offset + 2, len);
	ck_assert_uint_eq(off->csum_start, 34);
	ck_assert_uint_eq(off->csum_offset, 16);
	hlen = (size_t)(big[34 + 12] >> 4) * 4;
	ck_assert_uint_eq(off->hdr_len, 34 + hlen);
	ck_assert_uint_eq(ld16(big + 16), len - 14);
	ck_assert_uint_le(len - 14, 65535);
	/* the checksum field holds the pseudo-header sum, length included */
	memcpy(&src, big + 26, 4);
	memcpy(&dst, big + 30, 4);
	sum = (ld16((uint8_t *)&src) + ld16((uint8_t *)&src + 2) +
	       ld16((uint8_t *)&dst) + ld16((uint8_t *)&dst + 2) + 6 +
	       (uint32_t)(len - 34));
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ck_assert_uint_eq(ld16(big + 34 + 16), sum);
	if (!off->gso_size) {
		ck_assert_uint_le(len, 1514);
		finish_csum(big, len);
		fake_output(NULL, &(struct iovec){ big, len }, 1);
		return;
	}
	L.gso++;
	L.gso_size = off->gso_size;
	pay = len - 34 - hlen;
	ck_assert_uint_gt(pay, off->gso_size);
	ck_assert_uint_le(34 + hlen + off->gso_size, 1514);
	seq = ld32(big + 34 + 4);
	fl = big[34 + 13];
	id = ld16(big + 18);
	for (o = 0; o < pay; o += n) {
		n = pay - o < off->gso_size ? pay - o : off->gso_size;
		memcpy(seg, big, 34 + hlen);
		memcpy(seg + 34 + hlen, big + 34 + hlen + o, n);
		st32(seg + 34 + 4, seq + (uint32_t)o);
		seg[34 + 13] = o + n < pay ? fl & (uint8_t)~(TH_F_FIN | TH_F_PSH) : fl;
		ip_fix(seg, 34 + hlen + n, id++);
		finish_csum(seg, 34 + hlen + n);
		fake_output(NULL, &(struct iovec){ seg, 34 + hlen + n }, 1);
		L.segs++;
	}
}

/**
 * setup_offload() - a stack whose device offloads checksums and TSO
 */
static void setup_offload(void)
{
	struct ae_config cfg;

	fake_config_default(&cfg);
	cfg.offload = AE_OFFLOAD_CSUM | AE_OFFLOAD_TSO4;
	cfg.output_offload = off_output;
	S = fake_stack_new(&cfg);
	ck_assert_ptr_nonnull(S);
	fake_arp_seed(S);
	memset(&C, 0, sizeof(C));
	memset(&L, 0, sizeof(L));
	C.port = TH_PORT;
	C.peer_port = TH_PEER_PORT;
	fake_frames_clear();
}

static void teardown(void)
{
	fake_stack_destroy(S);
}

/**
 * drain_sent() - check the segments emitted since the last call, in order
 * and contiguous from *@next, each checksummed and within the MSS
 * @next:	next expected sequence number, advanced
 * @mss:	largest payload allowed
 *
 * Return: payload bytes seen
 */
static size_t drain_sent(uint32_t *next, size_t mss)
{
	struct tpkt p;
	size_t bytes = 0;
	int i;

	for (i = 0; i < fake_frame_count(); i++) {
		ck_assert(th_get(i, &p));
		ck_assert(p.csum_ok);
		if (!p.len)
			continue;
		ck_assert_uint_eq(p.seq, *next);
		ck_assert_uint_le(p.len, mss);
		*next += (uint32_t)p.len;
		bytes += p.len;
	}
	return bytes;
}

/**
 * ack_to() - the peer acknowledges up to @seq; the frames seen so far are
 * forgotten first
 * @seq:	what it acknowledges
 */
static void ack_to(uint32_t seq)
{
	C.our_nxt = seq;
	fake_frames_clear();
	th_peer_send(S, &C, TH_F_ACK, NULL, 0);
}

START_TEST(test_tso_bulk)
{
	static uint8_t data[200000];
	uint32_t next;
	size_t got = 0, sent = 0;
	ssize_t n;
	int rounds = 0;

	C.lsk = th_listener(S, TH_PORT, 4);
	th_accept_conn(S, &C, 1000, NULL, 0);
	next = C.our_nxt;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	while (got < sizeof(data) && rounds++ < 200) {
		fake_frames_clear();
		if (sent < sizeof(data)) {
			n = ae_send(C.sk, data + sent, sizeof(data) - sent, 0);
			if (n > 0)
				sent += (size_t)n;
		}
		got += drain_sent(&next, 1460);
		ack_to(next);
		got += drain_sent(&next, 1460);
	}
	ck_assert_uint_eq(got, sizeof(data));
	ck_assert_int_gt(L.gso, 0);
	ck_assert_uint_eq(L.gso_size, 1460);
	ck_assert_uint_gt(L.max_len, 20000);	/* the window grew past 10 segments */
	ck_assert_uint_eq(th_stat(S, "out_tso_frames"), (uint64_t)L.gso);
	ck_assert_uint_eq(fake_frames_oversize(), 0);
}
END_TEST

START_TEST(test_tso_tail_alone)
{
	static uint8_t data[3 * 1460 + 100];
	uint32_t next;

	C.lsk = th_listener(S, TH_PORT, 4);
	th_accept_conn(S, &C, 1000, NULL, 0);
	next = C.our_nxt;
	fake_frames_clear();
	ck_assert_int_eq(ae_send(C.sk, data, sizeof(data), 0), (ssize_t)sizeof(data));
	/* whole segments in a super-frame; Nagle holds the 100-byte tail */
	ck_assert_uint_eq(drain_sent(&next, 1460), 3 * 1460);
	ck_assert_int_eq(L.gso, 1);
	ck_assert_int_eq(L.segs, 3);
	ack_to(next);
	ck_assert_uint_eq(drain_sent(&next, 1460), 100);
	ck_assert_int_eq(L.gso, 1);
}
END_TEST

/**
 * rx_super() - a TCP segment of @len bytes from the peer, with a correct
 * or a wrong checksum, given with @flags
 * @len:	payload bytes
 * @bad:	spoil the checksum
 * @flags:	AE_RX_*
 */
static void rx_super(size_t len, bool bad, unsigned int flags)
{
	static uint8_t l4[40000], frame[40100];
	struct fake_ip ip = { .proto = 6 };
	size_t n;
	uint16_t c;

	ck_assert_uint_le(20 + len, sizeof(l4));
	memset(l4, 0, 20 + len);
	st16(l4, C.peer_port);
	st16(l4 + 2, C.port);
	st32(l4 + 4, C.peer_nxt);
	st32(l4 + 8, C.our_nxt);
	l4[12] = 5 << 4;
	l4[13] = TH_F_ACK;
	st16(l4 + 14, 65535);
	memset(l4 + 20, 'x', len);
	c = fake_l4_csum(FAKE_PEER, FAKE_ADDR, 6, l4, 20 + len);
	st16(l4 + 16, bad ? (uint16_t)~c : c);
	n = fake_build_ipv4(frame, sizeof(frame), &ip, l4, 20 + len);
	ck_assert_uint_gt(n, 0);
	ae_stack_input_flags(S, frame, n, flags);
	C.peer_nxt += (uint32_t)len;
}

START_TEST(test_gro_in)
{
	static uint8_t buf[40000];
	struct tpkt p;

	C.lsk = th_listener(S, TH_PORT, 4);
	th_accept_conn(S, &C, 1000, NULL, 0);
	fake_frames_clear();
	/* a 20-segment super-frame, checksum left undone: trusted, taken
	 * whole, and acknowledged at once (it counts as 20 segments) */
	rx_super(20 * 1448, true, AE_RX_CSUM_VALID);
	ck_assert_int_eq(ae_recv(C.sk, buf, sizeof(buf), 0), 20 * 1448);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.ack, C.peer_nxt);
	ck_assert_uint_eq(th_stat(S, "in_csum_errors"), 0);
	/* without the device's word, a bad checksum is dropped */
	rx_super(1000, true, 0);
	C.peer_nxt -= 1000;
	ck_assert_uint_eq(th_stat(S, "in_csum_errors"), 1);
	ck_assert_int_eq(ae_recv(C.sk, buf, sizeof(buf), 0), -EAGAIN);
	rx_super(1000, false, 0);
	ck_assert_int_eq(ae_recv(C.sk, buf, sizeof(buf), 0), 1000);
}
END_TEST

/* --- MTU 65520 without offloads ------------------------------------------- */

/**
 * struct big_log - frames over the fake device's capacity, checked here
 * @n:		how many
 * @bytes:	TCP payload bytes they carried
 * @max_len:	the largest frame
 * @next:	the sequence number the next one must start at (0: any)
 */
static struct big_log {
	int n;
	size_t bytes, max_len;
	uint32_t next;
} BL;

/**
 * big_output() - an ae_output_fn for MTU 65520: small frames go to the fake
 * device, large ones are checked (IP length, TCP checksum, sequence) here
 * @ctx:	unused
 * @iov:	frame parts
 * @iovcnt:	their number
 */
static void big_output(void *ctx, const struct iovec *iov, int iovcnt)
{
	uint32_t src, dst;
	size_t len = 0, hlen;
	int i;

	for (i = 0; i < iovcnt; i++) {
		ck_assert_uint_le(len + iov[i].iov_len, sizeof(big));
		memcpy(big + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	if (len <= FAKE_FRAME_CAP) {
		fake_output(ctx, iov, iovcnt);
		return;
	}
	ck_assert_uint_le(len, 14 + 65520);
	ck_assert_uint_eq(ld16(big + 16), len - 14);
	memcpy(&src, big + 26, 4);
	memcpy(&dst, big + 30, 4);
	ck_assert_uint_eq(fake_l4_csum(src, dst, 6, big + 34, len - 34), 0);
	hlen = (size_t)(big[34 + 12] >> 4) * 4;
	if (BL.next)
		ck_assert_uint_eq(ld32(big + 34 + 4), BL.next);
	BL.next = ld32(big + 34 + 4) + (uint32_t)(len - 34 - hlen);
	BL.n++;
	BL.bytes += len - 34 - hlen;
	if (len > BL.max_len)
		BL.max_len = len;
}

START_TEST(test_mtu_65520_wire)
{
	static const uint8_t mss[] = { 2, 4, 0xff, 0xc8 };	/* 65480 */
	static uint8_t data[600000];
	struct ae_config cfg;
	size_t sent = 0;
	ssize_t n;
	int rounds = 0;

	fake_config_default(&cfg);
	cfg.mtu = 65520;
	cfg.output = big_output;
	S = fake_stack_new(&cfg);
	fake_arp_seed(S);
	memset(&C, 0, sizeof(C));
	memset(&BL, 0, sizeof(BL));
	C.port = TH_PORT;
	C.peer_port = TH_PEER_PORT;
	C.lsk = th_listener(S, TH_PORT, 4);
	th_accept_conn(S, &C, 1000, mss, sizeof(mss));
	BL.next = C.our_nxt;
	while (BL.bytes < sizeof(data) && rounds++ < 200) {
		if (sent < sizeof(data)) {
			n = ae_send(C.sk, data + sent, sizeof(data) - sent, 0);
			if (n > 0)
				sent += (size_t)n;
		}
		ack_to(BL.next);
	}
	/* every full segment is one 65534-byte frame: MSS 65480 */
	ck_assert_uint_eq(BL.bytes, sizeof(data));
	ck_assert_uint_eq(BL.max_len, 14 + 65520);
	ck_assert_int_eq(BL.n, (int)((sizeof(data) + 65479) / 65480));
	ck_assert_uint_eq(ae_stack_stat(S, "ip", "frag_creates"), 0);
	fake_stack_destroy(S);
}
END_TEST

/* --- tap_vnet_check() ----------------------------------------------------- */

static uint8_t F[2000];

/**
 * frame4() - an IPv4 frame with a transport header of protocol @proto
 * @proto:	6 or 17
 *
 * Return: frame length (F)
 */
static size_t frame4(uint8_t proto)
{
	memset(F, 0, sizeof(F));
	F[12] = 0x08;
	F[14] = 0x45;
	F[14 + 9] = proto;
	F[34 + 12] = 5 << 4;		/* TCP data offset (UDP: ignored) */
	return 34 + 20 + 100;
}

/**
 * frame6() - an IPv6 TCP frame
 *
 * Return: frame length (F)
 */
static size_t frame6(void)
{
	memset(F, 0, sizeof(F));
	F[12] = 0x86;
	F[13] = 0xdd;
	F[14] = 0x60;
	F[14 + 6] = 6;
	F[54 + 12] = 5 << 4;
	return 54 + 20 + 100;
}

/**
 * vh() - a header
 * @flags, @type, @gso, @start, @offset, @hdr: its fields
 *
 * Return: the header
 */
static struct virtio_net_hdr vh(uint8_t flags, uint8_t type, uint16_t gso,
				uint16_t start, uint16_t offset, uint16_t hdr)
{
	struct virtio_net_hdr h = {
		.flags = flags, .gso_type = type, .gso_size = gso,
		.csum_start = start, .csum_offset = offset, .hdr_len = hdr,
	};
	return h;
}

#define NEED	VIRTIO_NET_HDR_F_NEEDS_CSUM
#define VALID	VIRTIO_NET_HDR_F_DATA_VALID
#define TCP4	VIRTIO_NET_HDR_GSO_TCPV4
#define TCP6	VIRTIO_NET_HDR_GSO_TCPV6

/**
 * check() - tap_vnet_check() of @h on F
 * @h:		header
 * @len:	frame length
 * @valid:	filled: csum_valid
 *
 * Return: the verdict
 */
static enum tap_vnet_verdict check(struct virtio_net_hdr h, size_t len,
				   bool *valid)
{
	return tap_vnet_check(&h, F, len, valid);
}

START_TEST(test_vnet_good)
{
	size_t len = frame4(6);
	bool v;

	ck_assert_int_eq(check(vh(0, 0, 0, 0, 0, 0), len, &v), TAP_VNET_OK);
	ck_assert(!v);
	ck_assert_int_eq(check(vh(VALID, 0, 0, 0, 0, 0), len, &v), TAP_VNET_OK);
	ck_assert(v);
	ck_assert_int_eq(check(vh(NEED, 0, 0, 34, 16, 54), len, &v), TAP_VNET_OK);
	ck_assert(v);
	ck_assert_int_eq(check(vh(NEED, TCP4, 1448, 34, 16, 54), len, &v),
			 TAP_VNET_OK);
	ck_assert_int_eq(check(vh(NEED, TCP4 | VIRTIO_NET_HDR_GSO_ECN, 1448, 34,
				  16, 54), len, &v), TAP_VNET_OK);
	/* hdr_len is the kernel's hint (skb_headlen), not exact */
	ck_assert_int_eq(check(vh(NEED, TCP4, 1448, 34, 16, 120), len, &v),
			 TAP_VNET_OK);
	len = frame4(17);
	ck_assert_int_eq(check(vh(NEED, 0, 0, 34, 6, 42), len, &v), TAP_VNET_OK);
	len = frame6();
	ck_assert_int_eq(check(vh(NEED, TCP6, 1428, 54, 16, 74), len, &v),
			 TAP_VNET_OK);
}
END_TEST

START_TEST(test_vnet_bad)
{
	size_t len = frame4(6);
	bool v;

	ck_assert_int_eq(check(vh(4, 0, 0, 0, 0, 0), len, &v), TAP_VNET_BAD_FLAGS);
	ck_assert_int_eq(check(vh(0x80, 0, 0, 0, 0, 0), len, &v), TAP_VNET_BAD_FLAGS);
	ck_assert_int_eq(check(vh(NEED, 3, 1000, 34, 6, 42), len, &v),
			 TAP_VNET_BAD_GSO_TYPE);	/* UFO: not asked for */
	ck_assert_int_eq(check(vh(NEED, 5, 1000, 34, 6, 42), len, &v),
			 TAP_VNET_BAD_GSO_TYPE);	/* USO: not asked for */
	ck_assert_int_eq(check(vh(0, VIRTIO_NET_HDR_GSO_ECN, 0, 0, 0, 0), len, &v),
			 TAP_VNET_BAD_GSO_TYPE);
	ck_assert_int_eq(check(vh(NEED, TCP4, 0, 34, 16, 54), len, &v),
			 TAP_VNET_BAD_GSO_SIZE);
	ck_assert_int_eq(check(vh(0, 0, 1448, 0, 0, 0), len, &v),
			 TAP_VNET_BAD_GSO_SIZE);
	ck_assert_int_eq(check(vh(NEED, TCP4, 1448, 34, 16, (uint16_t)(len + 1)),
			       len, &v), TAP_VNET_BAD_HDR_LEN);
	ck_assert_int_eq(check(vh(NEED, 0, 0, 33, 16, 54), len, &v),
			 TAP_VNET_BAD_CSUM);
	ck_assert_int_eq(check(vh(NEED, 0, 0, 34, 6, 54), len, &v),
			 TAP_VNET_BAD_CSUM);
	ck_assert_int_eq(check(vh(NEED, 0, 0, 34, 0xfff0, 54), len, &v),
			 TAP_VNET_BAD_CSUM);
	ck_assert_int_eq(check(vh(0, TCP4, 1448, 0, 0, 54), len, &v),
			 TAP_VNET_BAD_CSUM);	/* a super-frame's csum is undone */
	ck_assert_int_eq(check(vh(NEED, TCP6, 1448, 34, 16, 54), len, &v),
			 TAP_VNET_BAD_FRAME);	/* says IPv6, is IPv4 */
	ck_assert(!v);
	len = frame4(17);
	ck_assert_int_eq(check(vh(NEED, TCP4, 1448, 34, 16, 54), len, &v),
			 TAP_VNET_BAD_FRAME);	/* TSO on UDP */
	ck_assert_int_eq(check(vh(NEED, 0, 0, 34, 16, 42), len, &v),
			 TAP_VNET_BAD_CSUM);	/* TCP's offset on UDP */
	len = frame4(1);
	ck_assert_int_eq(check(vh(NEED, 0, 0, 34, 2, 42), len, &v),
			 TAP_VNET_BAD_FRAME);	/* ICMP */
	len = frame4(6);
	F[14 + 6] = 0x20;			/* MF: a fragment */
	ck_assert_int_eq(check(vh(NEED, 0, 0, 34, 16, 54), len, &v),
			 TAP_VNET_BAD_FRAME);
	len = frame4(6);
	F[34 + 12] = 15 << 4;			/* TCP header past the end */
	ck_assert_int_eq(check(vh(NEED, 0, 0, 34, 16, 54), 34 + 40, &v),
			 TAP_VNET_BAD_FRAME);
	len = frame4(6);
	ck_assert_int_eq(check(vh(NEED, 0, 0, 34, 16, 0), 30, &v),
			 TAP_VNET_BAD_FRAME);	/* truncated */
	F[12] = 0x81;				/* VLAN tag */
	ck_assert_int_eq(check(vh(NEED, 0, 0, 38, 16, 0), len, &v),
			 TAP_VNET_BAD_FRAME);
	ck_assert_str_eq(tap_vnet_verdict_name(TAP_VNET_BAD_CSUM), "rx_vnet_bad_csum");
}
END_TEST

/**
 * arp_frames() - ARP frames among those emitted complete (fake_output())
 *
 * Return: their number
 */
static int arp_frames(void)
{
	const uint8_t *f;
	size_t len;
	int i, n = 0;

	for (i = 0; i < fake_frame_count(); i++) {
		f = fake_frame(i, &len);
		n += len >= 14 && ld16(f + 12) == 0x0806;
	}
	return n;
}

/*
 * A segment to a neighbour whose ARP entry expired: the ARP request goes out
 * from inside TCP's output, while the segment's offload request is set. It
 * must go out complete, without it (the TAP refused it: EINVAL on SIGTERM
 * with connections open, test_restart.sh); the segment waits for the reply.
 */
START_TEST(test_arp_request_not_offloaded)
{
	C.lsk = th_listener(S, TH_PORT, 4);
	th_accept_conn(S, &C, 1000, NULL, 0);
	th_run_ms(S, 70000);		/* the idle peer's entry expires */
	fake_frames_clear();
	memset(&L, 0, sizeof(L));
	ck_assert_int_eq(ae_send(C.sk, "x", 1, 0), 1);
	ck_assert_int_eq(arp_frames(), 1);
	ck_assert_int_eq(L.frames, 0);	/* the segment is queued, complete */
	fake_arp_seed(S);		/* the reply: the segment follows */
	ck_assert_int_eq(L.frames, 0);
	ck_assert_int_eq(fake_frame_count(), 2);
	ck_assert_int_eq(th_count(), 1);
}
END_TEST

/*
 * The other segments without payload or with one byte, offloaded: a
 * zero-window probe, an RST for unread data, a FIN retransmitted. Each goes
 * through off_output(), which checks what the kernel checks.
 */
START_TEST(test_probe_and_rst_offloaded)
{
	struct tseg t = { .sport = TH_PEER_PORT, .dport = TH_PORT,
			  .flags = TH_F_ACK, .zero_win = true };
	struct tpkt p;
	int rsts = 0, i;

	C.lsk = th_listener(S, TH_PORT, 4);
	th_accept_conn(S, &C, 1000, NULL, 0);
	th_peer_send(S, &C, TH_F_ACK, "unread", 6);
	t.seq = C.peer_nxt;
	t.ack = C.our_nxt;
	th_send(S, &t);			/* the peer's window closes */
	ck_assert_int_eq(ae_send(C.sk, "xy", 2, 0), 2);
	fake_frames_clear();
	memset(&L, 0, sizeof(L));
	th_run_ms(S, 3000);		/* a probe or more */
	ck_assert_int_gt(L.frames, 0);
	ck_assert_int_eq(L.gso, 0);
	fake_frames_clear();
	memset(&L, 0, sizeof(L));
	ck_assert_int_eq(ae_close(C.sk), 0);	/* unread data: RST */
	for (i = 0; th_get(i, &p); i++)
		rsts += (p.flags & TH_F_RST) != 0;
	ck_assert_int_eq(rsts, 1);
	ck_assert_int_eq(L.frames, 1);
	ck_assert_int_eq(L.gso, 0);
}
END_TEST

START_TEST(test_fin_retransmit_offloaded)
{
	struct tpkt p;
	int fins = 0, i;

	C.lsk = th_listener(S, TH_PORT, 4);
	th_accept_conn(S, &C, 1000, NULL, 0);
	ck_assert_int_eq(ae_shutdown(C.sk, 1), 0);	/* FIN, unacknowledged */
	fake_frames_clear();
	memset(&L, 0, sizeof(L));
	th_run_ms(S, 5000);		/* retransmitted */
	for (i = 0; th_get(i, &p); i++)
		fins += (p.flags & TH_F_FIN) != 0;
	ck_assert_int_gt(fins, 0);
	ck_assert_int_eq(L.frames, fins);
	ck_assert_int_eq(L.gso, 0);
}
END_TEST

/**
 * offload_suite() - the suite
 *
 * Return: it
 */
static Suite *offload_suite(void)
{
	Suite *s = suite_create("offload");
	TCase *tc = tcase_create("tso");

	tcase_add_checked_fixture(tc, setup_offload, teardown);
	tcase_add_test(tc, test_tso_bulk);
	tcase_add_test(tc, test_tso_tail_alone);
	tcase_add_test(tc, test_gro_in);
	tcase_add_test(tc, test_arp_request_not_offloaded);
	tcase_add_test(tc, test_probe_and_rst_offloaded);
	tcase_add_test(tc, test_fin_retransmit_offloaded);
	suite_add_tcase(s, tc);
	tc = tcase_create("mtu");
	tcase_add_test(tc, test_mtu_65520_wire);
	suite_add_tcase(s, tc);
	tc = tcase_create("vnet");
	tcase_add_test(tc, test_vnet_good);
	tcase_add_test(tc, test_vnet_bad);
	suite_add_tcase(s, tc);
	return s;
}

/**
 * main() - run the suite
 *
 * Return: 0 when every test passed
 */
int main(void)
{
	SRunner *sr = srunner_create(offload_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
