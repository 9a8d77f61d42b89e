// SPDX-License-Identifier: MIT
/**
 * DOC: fuzz_ipc.c - libFuzzer target: what a hostile client (or a hostile
 * daemon) can put on the IPC channel and in shared memory
 *
 * Theory of operation: the first input byte picks what the rest is.
 *
 *  0: a request datagram for ipc_check_request() (the daemon's decoder);
 *  1: a response datagram for ipc_check_response(), bytes 1-2 the request
 *     type it must answer and byte 3 the minimum payload (the shim's side);
 *  2: a shared-memory header page for shm_layout_check() (the shim maps what
 *     the daemon describes), bytes 1-3 the mapping length; when the layout is
 *     accepted, a sequence of ring operations driven by the rest: indices the
 *     shim could publish go through shm_check_rx_head() / shm_check_tx_tail()
 *     and, when accepted, the byte counts move data with spsc_*().
 *
 * The datagram is copied to a heap buffer of exactly its length, so ASan
 * flags any read beyond what the kernel would have delivered. Besides "no
 * crash", each accepted input is checked against an independent statement
 * of the rules in aether_ipc.h (sizes, version, length field, ring bounds);
 * a validator that accepts what the rules forbid aborts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aether_ipc.h"
#include "proto.h"
#include "shm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAP_MAX		(256u * 1024u)

/**
 * fail() - a broken rule: abort, which the fuzzer reports as a crash
 * @what:	message
 */
static void fail(const char *what)
{
	fprintf(stderr, "fuzz_ipc: %s\n", what);
	abort();
}

/**
 * fixed_size() - the fixed payload of a request type, per aether_ipc.h
 * @type:	message type
 * @var:	set when a variable part follows (SETSOCKOPT, SENDTO)
 *
 * Return: bytes, or -1 for a type a client may not send
 */
static long fixed_size(unsigned int type, bool *var)
{
	*var = false;
	switch (type) {
	case AE_MSG_SOCKET:
		return sizeof(struct ae_ipc_socket_req);
	case AE_MSG_BIND:
	case AE_MSG_CONNECT:
		return sizeof(struct ae_ipc_addr_req);
	case AE_MSG_LISTEN:
	case AE_MSG_ACCEPT:
	case AE_MSG_SHUTDOWN:
	case AE_MSG_SOCKETS:
		return sizeof(struct ae_ipc_int_req);
	case AE_MSG_CLOSE:
	case AE_MSG_GETSOCKNAME:
	case AE_MSG_GETPEERNAME:
	case AE_MSG_STATS:
	case AE_MSG_ATTACH:
	case AE_MSG_DOORBELL:
	case AE_MSG_FLUSH:
		return 0;
	case AE_MSG_SETSOCKOPT:
		*var = true;
		return sizeof(struct ae_ipc_sockopt);
	case AE_MSG_GETSOCKOPT:
		return sizeof(struct ae_ipc_sockopt);
	case AE_MSG_SENDTO:
		*var = true;
		return sizeof(struct ae_ipc_dgram);
	case AE_MSG_RECVFROM:
		return sizeof(struct ae_ipc_dgram);
	case AE_MSG_SETLIMITS:
		return sizeof(struct ae_ipc_limits);
	default:
		return -1;
	}
}

/**
 * check_accepted_request() - an accepted request must obey every rule
 * @buf:	datagram
 * @n:		its size
 * @hdr:	the header ipc_check_request() returned
 */
static void check_accepted_request(const uint8_t *buf, size_t n,
				   const struct ae_ipc_hdr *hdr)
{
	struct ae_ipc_hdr h;
	const uint8_t *pl;
	uint32_t var = 0;
	bool has_var;
	long fixed;

	memcpy(&h, buf, sizeof(h));
	if (memcmp(&h, hdr, sizeof(h)))
		fail("returned header differs from the datagram's");
	if (h.version != AE_IPC_VERSION || h.len != n ||
	    (h.result != 0 && !(h.result == AE_REQ_NOREPLY &&
				h.type == AE_MSG_SETSOCKOPT)))
		fail("accepted a bad version, length field or result");
	if (n > AE_IPC_MAX_MSG)
		fail("accepted an oversized datagram");
	fixed = fixed_size(h.type, &has_var);
	if (fixed < 0)
		fail("accepted a type a client may not send");
	pl = ipc_payload(buf);
	if (pl != buf + sizeof(h))
		fail("ipc_payload() does not follow the header");
	if (n - sizeof(h) < (size_t)fixed)
		fail("accepted a truncated fixed payload");
	if (has_var && h.type == AE_MSG_SETSOCKOPT) {
		struct ae_ipc_sockopt o;

		memcpy(&o, pl, sizeof(o));
		var = o.len;
		if (var > AE_IPC_MAX_OPTLEN)
			fail("accepted an option value over AE_IPC_MAX_OPTLEN");
	} else if (has_var) {
		struct ae_ipc_dgram d;

		memcpy(&d, pl, sizeof(d));
		var = d.len;
		if (var > AE_IPC_MAX_UDP)
			fail("accepted a datagram over AE_IPC_MAX_UDP");
	}
	if (n - sizeof(h) != (size_t)fixed + var)
		fail("accepted a payload whose size does not match its type");
	/* What the daemon then reads: the whole payload, byte by byte. */
	if (n > sizeof(h)) {
		volatile uint8_t x = 0;
		size_t i;

		for (i = sizeof(h); i < n; i++)
			x ^= buf[i];
		(void)x;
	}
}

/**
 * fuzz_request() - mode 0
 * @d:		datagram
 * @n:		length
 */
static void fuzz_request(const uint8_t *d, size_t n)
{
	struct ae_ipc_hdr hdr;
	uint8_t *buf = malloc(n ? n : 1);
	int rc;

	if (!buf)
		abort();
	memcpy(buf, d, n);
	memset(&hdr, 0x5a, sizeof(hdr));
	rc = ipc_check_request(n ? buf : NULL, n, &hdr);
	if (n < sizeof(hdr) && rc != IPC_CLOSE)
		fail("a datagram shorter than a header did not close the link");
	if (rc == 0)
		check_accepted_request(buf, n, &hdr);
	else if (rc != IPC_CLOSE && rc != -EPROTO && rc != -EMSGSIZE &&
		 rc != -EOPNOTSUPP && rc != -EINVAL)
		fail("ipc_check_request() returned an undocumented error");
	if (n >= sizeof(hdr)) {
		ipc_type_name(hdr.type);
		ipc_is_request(hdr.type);
	}
	free(buf);
}

/**
 * fuzz_response() - mode 1
 * @d:		bytes: type (2), min payload (1), then the datagram
 * @n:		length
 */
static void fuzz_response(const uint8_t *d, size_t n)
{
	struct ae_ipc_hdr h;
	uint16_t type;
	size_t minp;
	uint8_t *buf;
	int rc;

	if (n < 3)
		return;
	type = (uint16_t)(d[0] | d[1] << 8);
	minp = d[2];
	d += 3;
	n -= 3;
	buf = malloc(n ? n : 1);
	if (!buf)
		abort();
	memcpy(buf, d, n);
	rc = ipc_check_response(n ? buf : NULL, n, type, minp);
	if (rc == 0) {
		if (n < sizeof(h))
			fail("accepted a response shorter than a header");
		memcpy(&h, buf, sizeof(h));
		if (h.version != AE_IPC_VERSION || h.len != n || h.type != type)
			fail("accepted a response with a bad header");
		if (h.result >= 0 && n - sizeof(h) < minp)
			fail("accepted a successful response without its payload");
	} else if (rc != -EPROTO) {
		fail("ipc_check_response() returned an undocumented error");
	}
	free(buf);
}

/**
 * ring_ops() - drive the rx and tx rings of an accepted layout
 * @h:		header page (at the start of the mapping)
 * @map:	the mapping
 * @d:		operation bytes
 * @n:		length
 *
 * Each operation is 5 bytes: a selector and a 32-bit index the shim wrote.
 * Selector bit 0: rx (0) or tx (1). The daemon side validates the index; if
 * accepted, the consumer/producer moves by the validated count.
 */
static void ring_ops(struct ae_shm_hdr *h, uint8_t *map, const uint8_t *d,
		     size_t n)
{
	static uint8_t tmp[MAP_MAX];
	uint32_t rx_head = 0, rx_tail = 0, tx_head = 0, tx_tail = 0;
	struct ae_spsc rx = { map + h->rx_off, h->rx_size, &rx_head, &rx_tail,
			      NULL };
	struct ae_spsc tx = { map + h->tx_off, h->tx_size, &tx_head, &tx_tail,
			      NULL };
	uint32_t idx, cnt;
	size_t got;
	int k;

	for (k = 0; k < 64 && n >= 5; k++, d += 5, n -= 5) {
		memcpy(&idx, d + 1, 4);
		if (!(d[0] & 1)) {
			/* daemon produces, then the shim claims a new head */
			got = spsc_write(&rx, tmp, (idx & 0xffff) % (MAP_MAX / 2));
			if (got > h->rx_size || spsc_used(&rx) > h->rx_size)
				fail("rx ring holds more than its size");
			if (shm_check_rx_head(rx_head, rx_tail, rx_head + idx,
					      &cnt) == 0) {
				if (cnt > rx_tail - rx_head)
					fail("accepted an rx head past the tail");
				rx_head += cnt;
			}
		} else {
			/* shim claims a new tail, the daemon reads what it got */
			if (shm_check_tx_tail(tx_tail, tx_head, h->tx_size,
					      tx_tail + idx, &cnt) == 0) {
				if ((uint64_t)(tx_tail - tx_head) + cnt > h->tx_size)
					fail("accepted a tx tail beyond the ring");
				tx_tail += cnt;
			}
			got = spsc_read(&tx, tmp, d[0] & 2 ? 1 : sizeof(tmp),
					d[0] & 4);
			if (got > h->tx_size)
				fail("read more than the tx ring holds");
		}
	}
}

/**
 * fuzz_shm() - mode 2
 * @d:		bytes: mapping length (3), header page, ring operations
 * @n:		length
 */
static void fuzz_shm(const uint8_t *d, size_t n)
{
	size_t map_len, hl = sizeof(struct ae_shm_hdr);
	struct ae_shm_hdr *h;
	uint8_t *map;

	if (n < 3)
		return;
	map_len = ((size_t)d[0] | (size_t)d[1] << 8 | (size_t)d[2] << 16) %
		  (MAP_MAX + 1);
	d += 3;
	n -= 3;
	map = aligned_alloc(64, map_len < 4096 ? 4096 : (map_len + 63) & ~63ul);
	if (!map)
		abort();
	memset(map, 0, map_len < 4096 ? 4096 : map_len);
	memcpy(map, d, n < hl ? n : hl);
	h = (struct ae_shm_hdr *)map;
	if (shm_layout_check(h, map_len) == 0) {
		if (h->map_size > map_len || map_len < AE_SHM_HDR_SIZE)
			fail("accepted a header describing more than the mapping");
		if (!h->rx_size != !h->tx_size)
			fail("accepted one ring without the other");
		if (h->rx_size &&
		    ((uint64_t)h->rx_off + h->rx_size > h->map_size ||
		     (uint64_t)h->tx_off + h->tx_size > h->map_size ||
		     h->rx_off < AE_SHM_HDR_SIZE || h->tx_off < AE_SHM_HDR_SIZE ||
		     !shm_pow2(h->rx_size) || !shm_pow2(h->tx_size)))
			fail("accepted a ring outside the mapping");
		if (h->rx_size && n > hl)
			ring_ops(h, map, d + hl, n - hl);
	}
	free(map);
}

/**
 * LLVMFuzzerTestOneInput() - dispatch on the first byte
 * @data:	input
 * @size:	length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_request(data + 1, size - 1);
		break;
	case 1:
		fuzz_response(data + 1, size - 1);
		break;
	default:
		fuzz_shm(data + 1, size - 1);
		break;
	}
	return 0;
}
