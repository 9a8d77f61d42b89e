// SPDX-License-Identifier: MIT
/**
 * DOC: checksum.c - the Internet checksum (RFC 1071), fast, and RFC 1624
 *
 * Theory of operation: the one's complement sum does not depend on byte
 * order (RFC 1071 section 2(B)), so the bulk of a buffer is summed as native
 * 32-bit words (loaded with memcpy, so any alignment is fine) into a 64-bit
 * accumulator that cannot overflow for any buffer below 16 GiB. The result is
 * folded to 16 bits and converted once to the network-order value.
 *
 * Conventions used by every caller: all sums and checksums here are host
 * order numbers equal to the big-endian 16-bit words on the wire. Read a
 * checksum field with ld16() and store one with st16(). csum_partial() sums
 * as if @buf started at an even offset; csum_iov() handles parts of odd
 * length by swapping the next part's sum (RFC 1071 section 2(B) again).
 */
#include <string.h>
#include <arpa/inet.h>

#include "stack.h"

/**
 * sum_native() - one's complement sum of native 32-bit words, unfolded
 * @b:		bytes, any alignment
 * @len:	length
 *
 * Return: 64-bit accumulator of native-order words (trailing bytes padded
 * with zero as if the buffer were followed by zeroes)
 */
static uint64_t sum_native(const uint8_t *b, size_t len)
{
	uint64_t acc = 0;
	uint32_t w[8];
	uint16_t h = 0;

	while (len >= sizeof(w)) {
		memcpy(w, b, sizeof(w));
		acc += (uint64_t)w[0] + w[1] + w[2] + w[3] +
		       (uint64_t)w[4] + w[5] + w[6] + w[7];
		b += sizeof(w);
		len -= sizeof(w);
	}
	while (len >= 4) {
		memcpy(w, b, 4);
		acc += w[0];
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&h, b, 2);
		acc += h;
		b += 2;
		len -= 2;
	}
	if (len) {
		h = 0;
		memcpy(&h, b, 1);	/* first byte of a zero-padded word */
		acc += h;
	}
	return acc;
}

/**
 * fold64() - fold a 64-bit one's complement accumulator to 16 bits
 * @acc:	accumulator
 *
 * Return: 16-bit sum (not complemented)
 */
static uint16_t fold64(uint64_t acc)
{
	acc = (acc & 0xffffffffULL) + (acc >> 32);
	acc = (acc & 0xffffffffULL) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

/**
 * csum_partial() - add the sum of @buf to @sum
 * @buf:	bytes, any alignment, treated as starting at an even offset
 * @len:	length, may be odd (the last byte is padded with zero)
 * @sum:	running sum (host order), e.g. from csum_pseudo(), or 0
 *
 * Return: new running sum, not folded; feed to csum_fold()
 */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	uint16_t part = ntohs(fold64(sum_native(buf, len)));
	uint64_t acc = (uint64_t)sum + part;

	return (uint32_t)((acc & 0xffffffffULL) + (acc >> 32));
}

/**
 * csum_fold() - fold a running sum and complement it
 * @sum:	running sum
 *
 * Return: checksum, host order (store with st16())
 */
uint16_t csum_fold(uint32_t sum)
{
	return (uint16_t)~fold64(sum);
}

/**
 * csum() - Internet checksum of one buffer
 * @buf:	bytes
 * @len:	length
 *
 * Return: checksum, host order; 0 when verifying a buffer that includes a
 * correct checksum field
 */
uint16_t csum(const void *buf, size_t len)
{
	return csum_fold(csum_partial(buf, len, 0));
}

/**
 * csum_iov() - add the sum of a gathered buffer to @sum
 * @iov:	parts, any lengths (odd ones included) and alignments
 * @iovcnt:	number of parts
 * @sum:	running sum
 *
 * Return: new running sum, not folded
 */
uint32_t csum_iov(const struct iovec *iov, int iovcnt, uint32_t sum)
{
	uint64_t acc = sum;
	bool odd = false;
	uint16_t part;
	int i;

	for (i = 0; i < iovcnt; i++) {
		if (!iov[i].iov_len)
			continue;
		part = ntohs(fold64(sum_native(iov[i].iov_base,
					       iov[i].iov_len)));
		if (odd)	/* this part starts at an odd offset */
			part = (uint16_t)(part << 8 | part >> 8);
		acc += part;
		if (iov[i].iov_len & 1)
			odd = !odd;
	}
	return (uint32_t)((acc & 0xffffffffULL) + (acc >> 32));
}

/**
 * csum_pseudo() - running sum of the IPv4 pseudo header
 * @src:	source address, network order
 * @dst:	destination address, network order
 * @proto:	IP protocol
 * @len:	transport length (header + data), host order
 *
 * Return: running sum to pass to csum_partial() or csum_iov()
 */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	uint32_t s = ntohl(src), d = ntohl(dst);

	return (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff) +
	       proto + len;
}

/**
 * csum_update16() - incrementally update a checksum (RFC 1624, eqn. 3)
 * @check:	old checksum, host order
 * @old:	old 16-bit field value, host order
 * @new:	new value
 *
 * Return: new checksum: ~(~HC + ~m + m')
 */
uint16_t csum_update16(uint16_t check, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~check;

	sum += (uint16_t)~old;
	sum += new;
	return csum_fold(sum);
}
