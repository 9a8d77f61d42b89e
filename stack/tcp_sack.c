// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_sack.c - the sender's SACK scoreboard (RFC 2018, RFC 6675)
 *
 * Theory of operation: the scoreboard is a small array of disjoint sequence
 * ranges above SND.UNA that the peer reported holding. Blocks outside
 * (SND.UNA, SND.MAX] are ignored, which covers D-SACK (RFC 2883) reports of
 * duplicates below SND.UNA. Ranges merge as they touch; ranges at or below
 * SND.UNA are dropped as the cumulative ACK passes them. Retransmission
 * (tcp_output.c) skips SACKed ranges, and fast recovery (tcp_input.c)
 * retransmits the holes below the highest SACKed byte first.
 */
#include <string.h>

#include "tcp.h"

/**
 * sack_trim() - forget ranges the cumulative ACK covers
 * @tp:		TCB
 */
static void sack_trim(struct tcp_sock *tp)
{
	int i, j = 0;

	for (i = 0; i < tp->nsacked; i++) {
		if (SEQ_LEQ(tp->sacked[i].end, tp->snd_una))
			continue;
		if (SEQ_LT(tp->sacked[i].start, tp->snd_una))
			tp->sacked[i].start = tp->snd_una;
		tp->sacked[j++] = tp->sacked[i];
	}
	tp->nsacked = (uint8_t)j;
}

/**
 * sack_add() - merge one range into the scoreboard
 * @tp:		TCB
 * @start:	first byte
 * @end:	one past the last
 */
static void sack_add(struct tcp_sock *tp, uint32_t start, uint32_t end)
{
	int i, j;

	for (i = 0; i < tp->nsacked; i++) {
		struct tcp_range *r = &tp->sacked[i];

		if (SEQ_GT(start, r->end) || SEQ_LT(end, r->start))
			continue;
		/* overlaps or touches: absorb r and retry */
		start = SEQ_MIN(start, r->start);
		end = SEQ_MAX(end, r->end);
		for (j = i; j + 1 < tp->nsacked; j++)
			tp->sacked[j] = tp->sacked[j + 1];
		tp->nsacked--;
		i = -1;
	}
	if (tp->nsacked == TCP_SACK_MAX) {
		/* full: forget the highest range */
		j = 0;
		for (i = 1; i < tp->nsacked; i++)
			if (SEQ_GT(tp->sacked[i].start, tp->sacked[j].start))
				j = i;
		if (SEQ_GT(start, tp->sacked[j].start))
			return;
		tp->sacked[j] = tp->sacked[--tp->nsacked];
	}
	tp->sacked[tp->nsacked].start = start;
	tp->sacked[tp->nsacked].end = end;
	tp->nsacked++;
}

/**
 * tcp_sack_update() - fold a segment's SACK blocks into the scoreboard
 * @tp:		TCB (SND.UNA already advanced for this ACK)
 * @o:		parsed options, may carry no SACK at all
 */
void tcp_sack_update(struct tcp_sock *tp, const struct tcp_opts *o)
{
	int i;

	sack_trim(tp);
	if (!(tp->flags & TF_SACK))
		return;
	for (i = 0; i < o->nsack; i++) {
		uint32_t st = o->sack[i].start, en = o->sack[i].end;

		if (!SEQ_LT(st, en) || SEQ_LEQ(en, tp->snd_una) ||
		    SEQ_GT(en, tp->snd_max))
			continue;
		if (SEQ_LT(st, tp->snd_una))
			st = tp->snd_una;
		sack_add(tp, st, en);
	}
}

/**
 * tcp_sack_is_sacked() - is the byte at @seq SACKed?
 * @tp:		TCB
 * @seq:	sequence number
 * @end:	set to the end of the range holding it
 *
 * Return: true if SACKed
 */
bool tcp_sack_is_sacked(const struct tcp_sock *tp, uint32_t seq, uint32_t *end)
{
	int i;

	for (i = 0; i < tp->nsacked; i++) {
		if (SEQ_GEQ(seq, tp->sacked[i].start) &&
		    SEQ_LT(seq, tp->sacked[i].end)) {
			*end = tp->sacked[i].end;
			return true;
		}
	}
	return false;
}

/**
 * tcp_sack_bytes() - bytes the scoreboard holds
 * @tp:		TCB
 *
 * Return: total
 */
uint32_t tcp_sack_bytes(const struct tcp_sock *tp)
{
	uint32_t n = 0;
	int i;

	for (i = 0; i < tp->nsacked; i++)
		n += tp->sacked[i].end - tp->sacked[i].start;
	return n;
}

/**
 * tcp_sack_bytes_above() - SACKed bytes beyond @seq
 * @tp:		TCB
 * @seq:	sequence number
 *
 * Return: total
 */
uint32_t tcp_sack_bytes_above(const struct tcp_sock *tp, uint32_t seq)
{
	uint32_t n = 0;
	int i;

	for (i = 0; i < tp->nsacked; i++) {
		const struct tcp_range *r = &tp->sacked[i];

		if (SEQ_GEQ(r->start, seq))
			n += r->end - r->start;
		else if (SEQ_GT(r->end, seq))
			n += r->end - seq;
	}
	return n;
}

/**
 * tcp_sack_next_hole() - the first un-SACKed byte at or after @from that
 * lies below the highest SACKed byte
 * @tp:		TCB
 * @from:	where to start
 * @hole:	set to the hole's start
 * @len:	set to its length (up to the next SACKed range)
 *
 * Return: true when there is such a hole
 */
bool tcp_sack_next_hole(const struct tcp_sock *tp, uint32_t from,
			uint32_t *hole, uint32_t *len)
{
	uint32_t high = tp->snd_una, end, next;
	int i;

	if (!tp->nsacked)
		return false;
	for (i = 0; i < tp->nsacked; i++)
		if (SEQ_GT(tp->sacked[i].end, high))
			high = tp->sacked[i].end;
	if (SEQ_LT(from, tp->snd_una))
		from = tp->snd_una;
	while (SEQ_LT(from, high) && tcp_sack_is_sacked(tp, from, &end))
		from = end;
	if (!SEQ_LT(from, high))
		return false;
	next = high;
	for (i = 0; i < tp->nsacked; i++)
		if (SEQ_GT(tp->sacked[i].start, from) &&
		    SEQ_LT(tp->sacked[i].start, next))
			next = tp->sacked[i].start;
	*hole = from;
	*len = next - from;
	return true;
}

/**
 * tcp_sack_check() - the scoreboard's invariants: every range non-empty and
 * inside SND.UNA..SND.MAX, no two ranges overlapping or touching (sack_add()
 * merges those); ranges are kept in arrival order, not sorted
 * @tp:		TCB
 *
 * Return: NULL when they hold, else what is broken
 */
const char *tcp_sack_check(const struct tcp_sock *tp)
{
	const struct tcp_range *a, *b;
	int i, j;

	if (tp->nsacked > TCP_SACK_MAX)
		return "SACK scoreboard overflow";
	for (i = 0; i < tp->nsacked; i++) {
		a = &tp->sacked[i];
		if (!SEQ_LT(a->start, a->end))
			return "SACK range empty or reversed";
		if (SEQ_LT(a->start, tp->snd_una) || SEQ_GT(a->end, tp->snd_max))
			return "SACK range outside SND.UNA..SND.MAX";
		for (j = i + 1; j < tp->nsacked; j++) {
			b = &tp->sacked[j];
			if (!SEQ_GT(b->start, a->end) && !SEQ_LT(b->end, a->start))
				return "SACK ranges overlap";
		}
	}
	return NULL;
}
