// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_options.c - parsing and building TCP options
 *
 * Theory of operation: the parser walks the option bytes with an index that
 * strictly increases on every step and is checked against the option area
 * before every read: a zero or one length, a length running past the header,
 * or a truncated option ends parsing (counted by the caller as a bad option;
 * what was parsed before it stands, like Linux). Known options with a wrong
 * length are ignored; unknown options are skipped by their length. MSS,
 * window scale and SACK-permitted count only on SYN segments (RFC 9293,
 * RFC 7323 2.2, RFC 2018).
 *
 * The builder lays options out like Linux, 4-byte aligned with NOPs:
 * SYN: MSS, SACK-permitted + timestamps, NOP + window scale; others:
 * NOP NOP timestamps, NOP NOP SACK blocks (the out-of-order ranges we hold).
 */
#include <string.h>

#include "tcp.h"

/**
 * parse_sack() - read SACK blocks
 * @p:		option bytes after kind and length
 * @olen:	whole option length
 * @out:	parsed options (blocks appended)
 */
static void parse_sack(const uint8_t *p, uint8_t olen, struct tcp_opts *out)
{
	size_t n = (size_t)(olen - TCPOLEN_SACK_BASE) / TCPOLEN_SACK_BLOCK, i;

	if ((olen - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_BLOCK || n < 1 ||
	    n > TCP_SACK_BLOCKS_MAX)
		return;
	for (i = 0; i < n; i++) {
		out->sack[i].start = ld32(p + i * TCPOLEN_SACK_BLOCK);
		out->sack[i].end = ld32(p + i * TCPOLEN_SACK_BLOCK + 4);
	}
	out->nsack = (uint8_t)n;
}

/**
 * tcp_parse_options() - parse the option area of a segment
 * @opt:	first option byte
 * @len:	option area length (data offset * 4 - 20)
 * @flags:	the segment's flags (some options only count on SYN)
 * @out:	filled (zeroed first)
 *
 * Return: 0, or -1 when the area is malformed (parsing stopped there)
 */
int tcp_parse_options(const uint8_t *opt, size_t len, uint8_t flags,
		      struct tcp_opts *out)
{
	bool syn = flags & TH_SYN;
	size_t i = 0;
	uint8_t kind, olen;

	memset(out, 0, sizeof(*out));
	while (i < len) {
		kind = opt[i];
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -1;		/* truncated: no length byte */
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return -1;		/* zero, one or overlong */
		switch (kind) {
		case TCPOPT_MAXSEG:
			if (olen == TCPOLEN_MAXSEG && syn) {
				out->mss = ld16(opt + i + 2);
				out->has_mss = true;
			}
			break;
		case TCPOPT_WINDOW:
			if (olen == TCPOLEN_WINDOW && syn) {
				out->wscale = opt[i + 2];
				if (out->wscale > TCP_MAX_WINSHIFT)
					out->wscale = TCP_MAX_WINSHIFT;
				out->has_ws = true;
			}
			break;
		case TCPOPT_SACK_PERMITTED:
			if (olen == TCPOLEN_SACK_PERMITTED && syn)
				out->sack_ok = true;
			break;
		case TCPOPT_TIMESTAMP:
			if (olen == TCPOLEN_TIMESTAMP) {
				out->has_ts = true;
				out->ts_val = ld32(opt + i + 2);
				out->ts_ecr = ld32(opt + i + 6);
			}
			break;
		case TCPOPT_SACK:
			if (!syn)
				parse_sack(opt + i + 2, olen, out);
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

/**
 * put_ts() - NOP NOP TIMESTAMP
 * @tp:		TCB
 * @b:		where
 *
 * Return: 12
 */
static size_t put_ts(const struct tcp_sock *tp, uint8_t *b)
{
	b[0] = TCPOPT_NOP;
	b[1] = TCPOPT_NOP;
	b[2] = TCPOPT_TIMESTAMP;
	b[3] = TCPOLEN_TIMESTAMP;
	st32(b + 4, tcp_ts_now(tp));
	st32(b + 8, tp->ts_recent);
	return TCPOLEN_TSTAMP_APPA;
}

/**
 * build_syn() - options of a SYN or SYN-ACK
 * @tp:		TCB (its TF_REQ_* or negotiated flags say what to offer)
 * @b:		buffer of TCP_MAXOLEN bytes
 *
 * Return: bytes written (multiple of 4)
 */
static size_t build_syn(const struct tcp_sock *tp, uint8_t *b)
{
	bool synack = tp->state == TCPS_SYN_RECEIVED;
	bool ws = synack ? tp->flags & TF_WSCALE : tp->flags & TF_REQ_WSCALE;
	bool sack = synack ? tp->flags & TF_SACK : tp->flags & TF_REQ_SACK;
	bool ts = synack ? tp->flags & TF_TS : tp->flags & TF_REQ_TS;
	size_t n = 0;

	b[n++] = TCPOPT_MAXSEG;
	b[n++] = TCPOLEN_MAXSEG;
	st16(b + n, tp->adv_mss);
	n += 2;
	if (sack && ts) {
		b[n++] = TCPOPT_SACK_PERMITTED;
		b[n++] = TCPOLEN_SACK_PERMITTED;
		b[n++] = TCPOPT_TIMESTAMP;
		b[n++] = TCPOLEN_TIMESTAMP;
		st32(b + n, tcp_ts_now(tp));
		st32(b + n + 4, synack ? tp->ts_recent : 0);
		n += 8;
	} else if (ts) {
		n += put_ts(tp, b + n);
		if (!synack)
			st32(b + n - 4, 0);
	} else if (sack) {
		b[n++] = TCPOPT_NOP;
		b[n++] = TCPOPT_NOP;
		b[n++] = TCPOPT_SACK_PERMITTED;
		b[n++] = TCPOLEN_SACK_PERMITTED;
	}
	if (ws) {
		b[n++] = TCPOPT_NOP;
		b[n++] = TCPOPT_WINDOW;
		b[n++] = TCPOLEN_WINDOW;
		b[n++] = tp->rcv_wscale;
	}
	return n;
}

/**
 * tcp_sack_blocks() - the SACK blocks our next segment reports: a pending
 * D-SACK first (RFC 2883 4), then the out-of-order ranges, most recent
 * first (RFC 2018 4)
 * @tp:		TCB (SACK in use)
 * @room:	option bytes left for the SACK option
 * @out:	at least 4 ranges
 *
 * Return: number of blocks (0..4)
 */
int tcp_sack_blocks(const struct tcp_sock *tp, size_t room,
		    struct tcp_range *out)
{
	/* NOP NOP kind length, then the blocks */
	size_t head = 2 + TCPOLEN_SACK_BASE;
	int nb = 0, max = room >= head ?
			  (int)((room - head) / TCPOLEN_SACK_BLOCK) : 0, i;

	if (max > TCP_SACK_BLOCKS_MAX)
		max = TCP_SACK_BLOCKS_MAX;
	if (tp->dsack_pending && nb < max)
		out[nb++] = tp->dsack;
	for (i = 0; i < tp->nofo && nb < max; i++)
		out[nb++] = tp->ofo[i];
	return nb;
}

/**
 * tcp_dsack_note() - report [start, end), data we already had, in the next
 * segment (one block: a later duplicate replaces an unsent one)
 * @tp:		TCB
 * @start:	first duplicate byte
 * @end:	one past the last
 */
void tcp_dsack_note(struct tcp_sock *tp, uint32_t start, uint32_t end)
{
	if (!(tp->flags & TF_SACK) || !SEQ_LT(start, end))
		return;
	tp->dsack.start = start;
	tp->dsack.end = end;
	tp->dsack_pending = true;
	tp->flags |= TF_ACKNOW;
	STAT_INC(tp->sk.stack, tcp, dsack_sent);
}

/**
 * tcp_build_options() - options for an outgoing segment
 * @tp:		TCB
 * @flags:	the segment's flags
 * @buf:	TCP_MAXOLEN bytes
 *
 * Return: option bytes (multiple of 4)
 */
size_t tcp_build_options(const struct tcp_sock *tp, uint8_t flags,
			 uint8_t *buf)
{
	struct tcp_range blk[TCP_SACK_BLOCKS_MAX];
	size_t n = 0;
	int i, nb = 0;

	if (flags & TH_SYN)
		return build_syn(tp, buf);
	if (tp->flags & TF_TS)
		n += put_ts(tp, buf);
	if ((tp->flags & TF_SACK) && !(flags & TH_RST))
		nb = tcp_sack_blocks(tp, TCP_MAXOLEN - n, blk);
	if (nb) {
		buf[n++] = TCPOPT_NOP;
		buf[n++] = TCPOPT_NOP;
		buf[n++] = TCPOPT_SACK;
		buf[n++] = (uint8_t)(TCPOLEN_SACK_BASE +
				     nb * TCPOLEN_SACK_BLOCK);
		for (i = 0; i < nb; i++) {
			st32(buf + n, blk[i].start);
			st32(buf + n + 4, blk[i].end);
			n += TCPOLEN_SACK_BLOCK;
		}
	}
	return n;
}
