/* SPDX-License-Identifier: MIT */
/**
 * DOC: pkt.h - bounds-checked access to frame bytes
 *
 * Every header in the input path is reached through pkt_get(), which returns
 * NULL when the requested range does not lie entirely inside the frame. No
 * code in the input path does raw pointer arithmetic on frame data.
 */
#ifndef AE_PKT_H
#define AE_PKT_H

#include <stddef.h>
#include <stdint.h>

/**
 * struct ae_pkt - a view of received bytes
 * @data:	first byte
 * @len:	bytes available from @data
 */
struct ae_pkt {
	const uint8_t *data;
	size_t len;
};

/**
 * pkt_get() - pointer to @len bytes at @off, or NULL if out of bounds
 * @p:		packet view
 * @off:	offset from the start of the view
 * @len:	bytes the caller will read
 *
 * Return: pointer into the frame, or NULL
 */
static inline const void *pkt_get(const struct ae_pkt *p, size_t off, size_t len)
{
	if (off > p->len || len > p->len - off)
		return NULL;
	return p->data + off;
}

/**
 * pkt_sub() - a narrower view starting at @off, @len bytes long
 * @p:		packet view
 * @off:	offset of the sub-view
 * @len:	its length
 * @out:	filled on success
 *
 * Return: 0, or -1 if the range is not inside @p
 */
static inline int pkt_sub(const struct ae_pkt *p, size_t off, size_t len,
			  struct ae_pkt *out)
{
	const void *d = pkt_get(p, off, len);

	if (!d)
		return -1;
	out->data = d;
	out->len = len;
	return 0;
}

/* Unaligned network-order loads: frames may sit at any address. */
static inline uint16_t ld16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t ld32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline void st16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

static inline void st32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = v >> 24;
	b[1] = (v >> 16) & 0xff;
	b[2] = (v >> 8) & 0xff;
	b[3] = v & 0xff;
}

#endif /* AE_PKT_H */
