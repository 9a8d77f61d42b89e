// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_isn.c - initial sequence numbers (RFC 6528) and SYN cookies
 *
 * Theory of operation: ISN = SipHash-2-4(secret, 4-tuple) + M, where M is a
 * clock ticking every 4 microseconds (RFC 6528 section 3). The secrets are
 * drawn from stack_random() once at stack creation.
 *
 * A SYN cookie is the ISN we answer with when the SYN queue is full; it
 * encodes everything we need to rebuild the connection from the final ACK:
 *
 *	bits 31..27  minute counter (64 s units) modulo 32
 *	bits 26..24  index into a table of MSS values
 *	bits 23..0   SipHash(cookie secret, 4-tuple, peer ISN, counter, index)
 *
 * A cookie is valid for the current and the previous counter value (64 to
 * 128 s). Cookie connections negotiate no window scaling, SACK or
 * timestamps (we keep no state to remember them), like Linux without
 * timestamps.
 */
#include <string.h>

#include "tcp.h"

/**
 * rotl() - rotate left
 * @x:		value
 * @b:		bits
 *
 * Return: rotated value
 */
static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

/**
 * sipround() - one SipRound over the state
 * @v:		the four state words
 */
static inline void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static const uint16_t cookie_mss[8] = {
	536, 1200, 1360, 1400, 1440, 1452, 1460, 8960
};

/**
 * ld64le() - little-endian 64-bit load
 * @p:		bytes
 *
 * Return: value
 */
static uint64_t ld64le(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/**
 * siphash24() - SipHash-2-4 of @len bytes under a 128-bit key
 * @key:	16-byte key
 * @data:	message
 * @len:	its length
 *
 * Return: 64-bit hash
 */
uint64_t siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = ld64le(key), k1 = ld64le(key + 8);
	uint64_t v[4] = {
		0x736f6d6570736575ULL ^ k0, 0x646f72616e646f6dULL ^ k1,
		0x6c7967656e657261ULL ^ k0, 0x7465646279746573ULL ^ k1,
	};
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = ld64le(in + i);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	for (; left; left--)
		b |= (uint64_t)in[i + left - 1] << (8 * (left - 1));
	v[3] ^= b;
	sipround(v);
	sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/**
 * fill_key() - 16 random bytes from the stack's generator
 * @s:		stack
 * @key:	filled
 */
static void fill_key(struct ae_stack *s, uint8_t key[16])
{
	uint32_t r;
	int i;

	for (i = 0; i < 16; i += 4) {
		r = stack_random(s);
		memcpy(key + i, &r, 4);
	}
}

/**
 * tcp_isn_init() - draw the ISN, hash and cookie secrets
 * @s:		stack
 */
void tcp_isn_init(struct ae_stack *s)
{
	fill_key(s, s->tcp->isn_key);
	fill_key(s, s->tcp->hash_key);
	fill_key(s, s->tcp->cookie_key);
	fill_key(s, s->tcp->ts_key);
}

/**
 * tcp_ts_offset() - the offset our timestamps carry towards @raddr
 * @s:		stack
 * @laddr:	local address
 * @raddr:	remote address
 *
 * Like Linux (secure_tcp_ts_off()), one offset per address pair, not per
 * connection: a new connection to a peer then carries timestamps newer
 * than the last one's, so a peer holding the old 4-tuple in TIME-WAIT
 * takes the new SYN (RFC 6191) instead of answering it with an ACK that
 * we would have to reset, and a second later retry.
 *
 * Return: offset added to the millisecond clock
 */
uint32_t tcp_ts_offset(struct ae_stack *s, uint32_t laddr, uint32_t raddr)
{
	return tcp_tuple_siphash(s->tcp->ts_key, laddr, 0, raddr, 0);
}

/**
 * tcp_tuple_siphash() - SipHash of a connection's 4-tuple under @key
 * @key:	128-bit key
 * @laddr:	local address
 * @lport:	local port
 * @raddr:	remote address
 * @rport:	remote port
 *
 * Shared by the demultiplexing hash and the RFC 6528 ISN, which differ only
 * in their keys.
 *
 * Return: the low 32 bits of the hash
 */
uint32_t tcp_tuple_siphash(const uint8_t key[16], uint32_t laddr,
			   uint16_t lport, uint32_t raddr, uint16_t rport)
{
	uint8_t b[12];

	memcpy(b, &laddr, 4);
	memcpy(b + 4, &raddr, 4);
	memcpy(b + 8, &lport, 2);
	memcpy(b + 10, &rport, 2);
	return (uint32_t)siphash24(key, b, sizeof(b));
}

/**
 * tcp_new_isn() - RFC 6528 ISN for a 4-tuple
 * @s:		stack
 * @laddr:	local address
 * @lport:	local port
 * @raddr:	remote address
 * @rport:	remote port
 *
 * Return: ISN
 */
uint32_t tcp_new_isn(struct ae_stack *s, uint32_t laddr, uint16_t lport,
		     uint32_t raddr, uint16_t rport)
{
	return tcp_tuple_siphash(s->tcp->isn_key, laddr, lport, raddr, rport) +
	       (uint32_t)(s->now / 4000);
}

/**
 * cookie_hash() - the 24-bit MAC of a cookie
 * @s:		stack
 * @seg:	the SYN (or the ACK: its seq - 1 is the peer's ISN)
 * @peer_isn:	peer's ISN
 * @laddr:	local address
 * @raddr:	remote address
 * @count:	minute counter
 * @idx:	MSS index
 *
 * Return: 24 bits
 */
static uint32_t cookie_hash(struct ae_stack *s, const struct tcp_seg *seg,
			    uint32_t peer_isn, uint32_t laddr, uint32_t raddr,
			    uint32_t count, uint32_t idx)
{
	uint8_t b[24];

	memcpy(b, &laddr, 4);
	memcpy(b + 4, &raddr, 4);
	memcpy(b + 8, &seg->dport, 2);
	memcpy(b + 10, &seg->sport, 2);
	memcpy(b + 12, &peer_isn, 4);
	memcpy(b + 16, &count, 4);
	memcpy(b + 20, &idx, 4);
	return (uint32_t)siphash24(s->tcp->cookie_key, b, sizeof(b)) & 0xffffff;
}

/**
 * tcp_cookie_make() - the ISN to answer a SYN with when the queue is full
 * @s:		stack
 * @seg:	the SYN
 * @laddr:	local address
 * @raddr:	remote address
 * @mss:	MSS the peer offered (bounded by ours)
 *
 * Return: cookie ISN
 */
uint32_t tcp_cookie_make(struct ae_stack *s, const struct tcp_seg *seg,
			 uint32_t laddr, uint32_t raddr, uint16_t mss)
{
	uint32_t count = (uint32_t)(s->now / (64 * NS_PER_SEC)), idx = 0, i;

	for (i = 0; i < 8; i++)
		if (cookie_mss[i] <= mss)
			idx = i;
	return (count & 31) << 27 | idx << 24 |
	       cookie_hash(s, seg, seg->seq, laddr, raddr, count, idx);
}

/**
 * tcp_cookie_check() - validate the cookie an ACK returns
 * @s:		stack
 * @seg:	the ACK
 * @laddr:	local address
 * @raddr:	remote address
 *
 * Return: the MSS encoded, or 0 when the cookie is not valid
 */
uint16_t tcp_cookie_check(struct ae_stack *s, const struct tcp_seg *seg,
			  uint32_t laddr, uint32_t raddr)
{
	uint32_t cookie = seg->ack - 1, count, c, idx, d;

	count = (uint32_t)(s->now / (64 * NS_PER_SEC));
	idx = (cookie >> 24) & 7;
	for (d = 0; d < 2; d++) {
		c = count - d;
		if ((c & 31) != cookie >> 27)
			continue;
		if (cookie_hash(s, seg, seg->seq - 1, laddr, raddr, c, idx) ==
		    (cookie & 0xffffff))
			return cookie_mss[idx];
	}
	return 0;
}
