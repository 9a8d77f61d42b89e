// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_output.c - deciding what to send, and building segments
 *
 * Theory of operation: tcp_output() is called whenever something may have
 * become sendable (the app queued data, an ACK opened the window or the
 * congestion window, a timer fired, an ACK is owed). It loops: the next
 * segment starts at SND.NXT and takes at most one MSS from the send ring,
 * bounded by min(SND.WND, cwnd); Nagle (RFC 896) holds back a short segment
 * while data is in flight unless TCP_NODELAY; sender-side silly window
 * avoidance (RFC 9293 3.8.6.2.1) holds back a segment smaller than both MSS
 * and half the largest window the peer offered; a FIN rides on the last
 * data segment. Segments below SND.MAX are retransmissions; SACKed ranges
 * are skipped. When data waits behind a zero window and nothing is in
 * flight, the persist timer is armed.
 *
 * tcp_send_segment() builds the header and options in a small buffer and
 * hands ipv4_output() the header plus one or two parts of the send ring
 * (two when the range wraps): the payload is never copied.
 *
 * Offloads (cfg.offload, towards a peer on the wire, never to ourselves):
 * with AE_OFFLOAD_CSUM the checksum field gets only the pseudo-header sum
 * and the device completes it; with AE_OFFLOAD_TSO4 a send of several full
 * segments goes out as one super-frame of up to 64 KiB that the device cuts
 * into segments of tcp_payload_max() bytes (gso_size), each with a copy of
 * our header and options (one timestamp for all, as Linux's TSO), PSH and
 * FIN on the last only. A super-frame always carries whole segments: the
 * tail shorter than a segment is decided alone, by Nagle and SWS avoidance,
 * exactly as without TSO. The send ring, which is also the retransmission
 * queue, knows nothing of frames: a loss is repaired by sequence range, one
 * segment (tcp_retransmit_one) or a super-frame again (after an RTO).
 */
#include <string.h>
#include <netinet/in.h>

#include "tcp.h"

/**
 * tcp_flight() - bytes (and SYN/FIN) sent but not acknowledged
 * @tp:		TCB
 *
 * Return: SND.MAX - SND.UNA
 */
uint32_t tcp_flight(const struct tcp_sock *tp)
{
	return tp->snd_max - tp->snd_una;
}

/**
 * tcp_payload_max() - the largest payload of a data segment now: the MSS,
 * less any option bytes beyond the timestamps the MSS already allows for
 * (SACK blocks), and never more than the link MTU allows
 * @tp:		TCB
 *
 * Return: bytes
 */
uint32_t tcp_payload_max(const struct tcp_sock *tp)
{
	uint32_t ts = (tp->flags & TF_TS) ? TCPOLEN_TSTAMP_APPA : 0;
	uint32_t olen = ts, m;
	struct tcp_range blk[TCP_SACK_BLOCKS_MAX];
	uint32_t mtu_max;
	int nb;

	if (tp->flags & TF_SACK) {
		nb = tcp_sack_blocks(tp, TCP_MAXOLEN - ts, blk);
		if (nb)
			olen += 2 + TCPOLEN_SACK_BASE +
				TCPOLEN_SACK_BLOCK * (uint32_t)nb;
	}
	m = tp->mss + ts;
	m = m > olen ? m - olen : TCP_MIN_MSS;
	mtu_max = tp->sk.stack->cfg.mtu - IP_HLEN - TCP_HLEN - olen;
	if (m > mtu_max)
		m = mtu_max;
	return m;
}

/**
 * tcp_offload() - the device offloads usable for this connection's segments
 * @tp:		TCB
 *
 * Return: AE_OFFLOAD_* bits; 0 towards a local address (loopback queue)
 */
static unsigned int tcp_offload(const struct tcp_sock *tp)
{
	const struct ae_stack *s = tp->sk.stack;

	if (!s->cfg.offload || stack_is_local(s, tp->sk.raddr))
		return 0;
	return s->cfg.offload;
}

/**
 * tcp_send_size() - bytes of the next data send, from the @len the windows
 * allow: one segment, or whole segments up to a 64 KiB super-frame (TSO)
 * @tp:		TCB
 * @len:	bytes the windows and the ring allow
 *
 * Return: @len clipped
 */
static uint32_t tcp_send_size(const struct tcp_sock *tp, uint32_t len)
{
	uint32_t pmax = tcp_payload_max(tp), lim = pmax;

	if ((tcp_offload(tp) & AE_OFFLOAD_TSO4) &&
	    2 * pmax <= TCP_TSO_MAX - TCP_HLEN - TCP_MAXOLEN)
		lim = pmax * ((TCP_TSO_MAX - TCP_HLEN - TCP_MAXOLEN) / pmax);
	if (len > lim)
		len = lim;
	if (len > pmax)
		len -= len % pmax;	/* the tail is decided alone */
	return len;
}

/**
 * tcp_tx_offload() - fill the device's part of a segment: checksum left to
 * it, and a super-frame's segment size
 * @tp:		TCB
 * @hlen:	TCP header length with options
 * @len:	payload bytes
 * @off:	filled
 *
 * Return: true when the segment uses offloads (@off is then valid)
 */
static bool tcp_tx_offload(const struct tcp_sock *tp, size_t hlen,
			   uint32_t len, struct ae_tx_offload *off)
{
	unsigned int o = tcp_offload(tp);
	uint32_t pmax;

	if (!(o & AE_OFFLOAD_CSUM))
		return false;
	memset(off, 0, sizeof(*off));
	off->csum_start = ETH_HLEN_ + TCP_IP_HLEN;
	off->csum_offset = TCP_F_CSUM;
	off->hdr_len = (uint16_t)(ETH_HLEN_ + TCP_IP_HLEN + hlen);
	if ((o & AE_OFFLOAD_TSO4) && len > TCP_MIN_MSS) {
		pmax = tcp_payload_max(tp);
		if (len > pmax)
			off->gso_size = (uint16_t)pmax;
	}
	return true;
}

/**
 * select_window() - the window to advertise, never shrinking (RFC 9293
 * 3.8.6.2.2: a receiver offers more only in steps of min(MSS, buffer / 2))
 * @tp:		TCB
 *
 * Return: window in bytes (before scaling)
 */
static uint32_t select_window(const struct tcp_sock *tp)
{
	uint32_t w = tcp_rcv_window(tp), cur = 0, step;
	uint32_t scale = (tp->flags & TF_WSCALE) ? tp->rcv_wscale : 0;

	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt))
		cur = tp->rcv_adv - tp->rcv_nxt;
	step = tcp_rcv_limit(tp) / 2;
	if (step > tp->adv_mss)
		step = tp->adv_mss;
	if (w <= cur || w - cur < step) {
		/* keep the old right edge, rounded up to the scale unit */
		w = (cur + (1u << scale) - 1) & ~((1u << scale) - 1);
		if (w > ((uint32_t)TCP_MAXWIN << scale))
			w = (uint32_t)TCP_MAXWIN << scale;
		return w;
	}
	return w & ~((1u << scale) - 1);
}

/**
 * tcp_build_header() - write the fixed TCP header (every segment we send
 * starts here): checksum 0 until the caller sums, no urgent pointer
 * @h:		buffer of at least TCP_HLEN bytes; options, if any, follow
 * @sport:	our port (network order)
 * @dport:	peer's port (network order)
 * @seq:	sequence number
 * @ack:	acknowledgment number, sent only with TH_ACK (else 0)
 * @hlen:	header length with options (a multiple of 4, at most 60)
 * @flags:	TH_*
 * @win:	window field, already scaled
 */
void tcp_build_header(uint8_t *h, uint16_t sport, uint16_t dport,
		      uint32_t seq, uint32_t ack, size_t hlen, uint8_t flags,
		      uint16_t win)
{
	memcpy(h + TCP_F_SPORT, &sport, 2);
	memcpy(h + TCP_F_DPORT, &dport, 2);
	st32(h + TCP_F_SEQ, seq);
	st32(h + TCP_F_ACK, (flags & TH_ACK) ? ack : 0);
	h[TCP_F_OFF] = (uint8_t)((hlen / 4) << 4);
	h[TCP_F_FLAGS] = flags;
	st16(h + TCP_F_WIN, win);
	st16(h + TCP_F_CSUM, 0);
	st16(h + TCP_F_URP, 0);
}

/**
 * tcp_send_segment() - build and emit one segment
 * @tp:		TCB
 * @seq:	sequence number
 * @len:	payload bytes, taken from the send ring at @seq
 * @flags:	TH_* flags
 *
 * Return: what ipv4_output() returned
 */
int tcp_send_segment(struct tcp_sock *tp, uint32_t seq, uint32_t len,
		     uint8_t flags)
{
	struct ae_stack *s = tp->sk.stack;
	uint8_t hdr[TCP_HLEN + TCP_MAXOLEN];
	struct ae_tx_offload off;
	struct iovec iov[3];
	uint32_t win, sum, scale = 0;
	size_t hlen;
	int n = 1, ret;
	bool offload;

	hlen = TCP_HLEN + tcp_build_options(tp, flags, hdr + TCP_HLEN);
	if (!(flags & (TH_SYN | TH_RST)))
		tp->dsack_pending = false;	/* reported once */
	if (flags & TH_RST) {
		win = 0;
	} else if (flags & TH_SYN) {
		win = tcp_rcv_window(tp);
		if (win > TCP_MAXWIN)
			win = TCP_MAXWIN;
	} else {
		win = select_window(tp);
		if (tp->flags & TF_WSCALE)
			scale = tp->rcv_wscale;
	}
	tcp_build_header(hdr, tp->sk.lport, tp->sk.rport, seq, tp->rcv_nxt,
			 hlen, flags, (uint16_t)(win >> scale));
	if (len)	/* the payload straight from the send ring */
		n += ring_iov(&tp->tx, tp->tx.head + (seq - tcp_data_una(tp)),
			      len, iov + 1);
	sum = csum_pseudo(tp->sk.laddr, tp->sk.raddr, IPPROTO_TCP,
			  (uint16_t)(hlen + len));
	offload = tcp_tx_offload(tp, hlen, len, &off);
	if (offload) {
		/* pseudo-header sum only: the device completes it */
		st16(hdr + TCP_F_CSUM, (uint16_t)~csum_fold(sum));
	} else {
		sum = csum_partial(hdr, hlen, sum);
		sum = csum_iov(iov + 1, n - 1, sum);
		st16(hdr + TCP_F_CSUM, csum_fold(sum));
	}
	iov[0].iov_base = hdr;
	iov[0].iov_len = hlen;
	if (len)
		tcp_cc_sent(tp, seq, len);
	s->tx_off = offload ? &off : NULL;
	ret = ipv4_output_ttl(s, tp->sk.laddr, tp->sk.raddr, IPPROTO_TCP,
			      tp->sk.tos, tp->sk.ttl, iov, n);
	s->tx_off = NULL;
	n = (offload && off.gso_size) ? (int)((len + off.gso_size - 1) / off.gso_size) : 1;
	STAT_ADD(s, tcp, out_segs, (uint64_t)n);
	if (n > 1)
		STAT_INC(s, tcp, out_tso_frames);
	if (flags & TH_RST)
		STAT_INC(s, tcp, out_rsts);
	tp->segs_out += (uint32_t)n;
	tp->last_send = s->now;
	if (flags & TH_ACK) {
		if (SEQ_GT(tp->rcv_nxt + win, tp->rcv_adv))
			tp->rcv_adv = tp->rcv_nxt + win;
		tp->last_ack_sent = tp->rcv_nxt;
		tp->flags &= ~(TF_ACKNOW | TF_DELACK);
		tp->delack_segs = 0;
		if (tp->timer[TT_DELACK] != AE_NEVER)
			tcp_timer_clear(tp, TT_DELACK);
	}
	return ret;
}

/**
 * tcp_respond() - emit a segment that belongs to no TCB (RST, mostly)
 * @s:		stack
 * @src:	our address
 * @dst:	peer's address
 * @sport:	our port (network order)
 * @dport:	peer's port
 * @seq:	sequence number
 * @ack:	acknowledgment number
 * @flags:	TH_*
 */
static void tcp_respond(struct ae_stack *s, uint32_t src, uint32_t dst,
			uint16_t sport, uint16_t dport, uint32_t seq,
			uint32_t ack, uint8_t flags)
{
	uint8_t hdr[TCP_HLEN];
	struct iovec iov = { .iov_base = hdr, .iov_len = TCP_HLEN };
	uint32_t sum;

	tcp_build_header(hdr, sport, dport, seq, ack, TCP_HLEN, flags, 0);
	sum = csum_pseudo(src, dst, IPPROTO_TCP, TCP_HLEN);
	st16(hdr + TCP_F_CSUM, csum_fold(csum_partial(hdr, TCP_HLEN, sum)));
	ipv4_output(s, src, dst, IPPROTO_TCP, 0, &iov, 1);
	STAT_INC(s, tcp, out_segs);
	if (flags & TH_RST)
		STAT_INC(s, tcp, out_rsts);
}

/**
 * tcp_respond_rst() - answer a segment that has no connection (RFC 9293
 * 3.10.7.1): never to a RST; if it had an ACK, <SEQ=SEG.ACK><RST>, else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK>
 * @s:		stack
 * @seg:	the segment
 */
void tcp_respond_rst(struct ae_stack *s, const struct tcp_seg *seg)
{
	uint32_t len = seg->len;

	if (seg->flags & TH_RST)
		return;
	if (seg->flags & TH_ACK) {
		tcp_respond(s, seg->ip->dst, seg->ip->src, seg->dport,
			    seg->sport, seg->ack, 0, TH_RST);
		return;
	}
	if (seg->flags & TH_SYN)
		len++;
	if (seg->flags & TH_FIN)
		len++;
	tcp_respond(s, seg->ip->dst, seg->ip->src, seg->dport, seg->sport, 0,
		    seg->seq + len, TH_RST | TH_ACK);
}

/**
 * tcp_send_ack() - send a pure ACK now, <SEQ=SND.MAX> (the highest sent)
 * @tp:		TCB
 */
void tcp_send_ack(struct tcp_sock *tp)
{
	tcp_send_segment(tp, tp->snd_max, 0, TH_ACK);
}

/**
 * tcp_send_rst() - reset the connection from our side (<SEQ=SND.MAX>, the
 * highest sent, as Linux's tcp_send_active_reset())
 * @tp:		TCB
 */
void tcp_send_rst(struct tcp_sock *tp)
{
	tcp_send_segment(tp, tp->snd_max, 0, TH_RST | TH_ACK);
}

/**
 * tcp_send_challenge_ack() - RFC 5961 challenge ACK, globally rate-limited
 * (section 7) to TCP_CHALLENGE_PER_S per second
 * @tp:		TCB
 */
void tcp_send_challenge_ack(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;
	struct ae_tcp *t = s->tcp;
	uint64_t sec = s->now / NS_PER_SEC;

	if (sec != t->challenge_sec) {
		t->challenge_sec = sec;
		t->challenge_cnt = 0;
	}
	if (t->challenge_cnt >= TCP_CHALLENGE_PER_S)
		return;
	t->challenge_cnt++;
	STAT_INC(s, tcp, challenge_acks);
	tcp_send_ack(tp);
}

/**
 * window_update_due() - has the window we could offer grown enough since
 * the last advertisement to be worth a segment of its own?
 * @tp:		TCB
 *
 * Not before the peer's first byte: the SYN's window is never scaled (RFC
 * 7323 2.2), so a window beyond 65535 first shows in the segment after it,
 * and a pure ACK to say so answered every handshake's last ACK (a frame,
 * and in aetherd a writev(), per connection). The peer may already send
 * what the SYN offered; the ACK of that data carries the whole window, as
 * on Linux. A window that offered less than a segment still gets its
 * update.
 *
 * Return: true to send a window update
 */
static bool window_update_due(const struct tcp_sock *tp)
{
	uint32_t cur = 0, w;

	if (!tp->rx.mem || TCPS_HAVERCVDFIN(tp->state) ||
	    tp->state < TCPS_ESTABLISHED)
		return false;
	if (SEQ_GT(tp->rcv_adv, tp->rcv_nxt))
		cur = tp->rcv_adv - tp->rcv_nxt;
	w = select_window(tp);
	if (w <= cur)
		return false;
	if (tp->rcv_nxt == tp->irs + 1 && cur >= tp->adv_mss)
		return false;	/* nothing received yet: see above */
	return w - cur >= 2u * tp->adv_mss || w - cur >= tcp_rcv_limit(tp) / 2 ||
	       cur < tp->adv_mss;
}

/**
 * tcp_window_update() - after the app read: advertise the new window if
 * that is worth a segment
 * @tp:		TCB
 */
void tcp_window_update(struct tcp_sock *tp)
{
	if (window_update_due(tp)) {
		tp->flags |= TF_ACKNOW;
		tcp_output(tp);
	}
}

/**
 * output_syn() - send (or resend) our SYN or SYN-ACK
 * @tp:		TCB in SYN-SENT or SYN-RECEIVED
 */
static void output_syn(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;
	uint8_t flags = TH_SYN;

	if (tp->state == TCPS_SYN_RECEIVED)
		flags |= TH_ACK;
	if (tp->snd_max != tp->iss) {
		STAT_INC(s, tcp, retrans_segs);
		tp->total_retrans++;
	} else if (!tp->rtt_start) {
		tp->rtt_start = s->now;
		tp->rtt_seq = tp->iss;
	}
	tcp_send_segment(tp, tp->iss, 0, flags);
	tp->snd_nxt = tp->iss + 1;
	tp->snd_max = tp->iss + 1;
	if (tp->timer[TT_REXMT] == AE_NEVER)
		tcp_timer_set(tp, TT_REXMT, s->now + tcp_rto_ns(tp));
}

/**
 * persist_arm() - data waits behind a zero window: start probing
 * @tp:		TCB
 */
static void persist_arm(struct tcp_sock *tp)
{
	uint64_t us = tp->rto;

	if (tp->timer[TT_PERSIST] != AE_NEVER || tp->timer[TT_REXMT] != AE_NEVER)
		return;
	if (us < TCP_PERSIST_MIN_US)
		us = TCP_PERSIST_MIN_US;
	tp->persist_shift = 0;
	tcp_timer_set(tp, TT_PERSIST, tp->sk.stack->now + us * 1000);
}

/**
 * sack_clip() - skip a SACKed range at SND.NXT, or clip @len before one
 * @tp:		TCB
 * @len:	proposed length, reduced if a SACKed range starts inside
 *
 * Return: true when SND.NXT was moved past a SACKed range (retry)
 */
static bool sack_clip(struct tcp_sock *tp, uint32_t *len)
{
	uint32_t end;
	int i;

	if (!tp->nsacked || !SEQ_LT(tp->snd_nxt, tp->snd_max))
		return false;
	if (tcp_sack_is_sacked(tp, tp->snd_nxt, &end)) {
		tp->snd_nxt = SEQ_MIN(end, tp->snd_max);
		return true;
	}
	for (i = 0; i < tp->nsacked; i++) {
		if (SEQ_GT(tp->sacked[i].start, tp->snd_nxt) &&
		    SEQ_LT(tp->sacked[i].start, tp->snd_nxt + *len))
			*len = tp->sacked[i].start - tp->snd_nxt;
	}
	return false;
}

/**
 * want_send() - the send decision for a segment of @len bytes at SND.NXT
 * @tp:		TCB
 * @len:	payload
 * @off:	offset of SND.NXT from the ring head
 * @avail:	bytes in the ring
 *
 * Return: true to send data now
 */
static bool want_send(const struct tcp_sock *tp, uint32_t len, uint32_t off,
		      uint32_t avail)
{
	if (!len)
		return false;
	if (len >= tcp_payload_max(tp))
		return true;
	if (SEQ_LT(tp->snd_nxt, tp->snd_max))
		return true;		/* retransmission */
	if (tp->flags & TF_FORCE_PROBE)
		return true;
	if (off + len == avail && !(tp->flags & TF_CORK) &&
	    ((tp->flags & TF_NODELAY) || tp->snd_nxt == tp->snd_una))
		return true;		/* Nagle allows it */
	if (tp->max_sndwnd && len >= tp->max_sndwnd / 2)
		return true;		/* sender SWS allows it */
	return false;
}

/**
 * tcp_output() - send whatever the windows, Nagle and the state allow
 * @tp:		TCB
 *
 * Return: segments sent
 */
int tcp_output(struct tcp_sock *tp)
{
	struct ae_stack *s = tp->sk.stack;
	uint32_t una, off, avail, wnd, len, fin_seq;
	int sent = 0, guard = 4096;	/* segments a pass: a work bound */
	bool send, fin;
	uint8_t flags;

	if (tp->state == TCPS_CLOSED || tp->state == TCPS_LISTEN ||
	    (tp->flags & TF_DEAD))
		return 0;
	if (tp->state == TCPS_SYN_SENT || tp->state == TCPS_SYN_RECEIVED) {
		if (tp->snd_nxt == tp->iss) {
			output_syn(tp);
			return 1;
		}
		if ((tp->flags & TF_ACKNOW) && tp->state == TCPS_SYN_RECEIVED) {
			tcp_send_ack(tp);
			return 1;
		}
		return 0;
	}
	if (tp->snd_una == tp->snd_max && tp->last_send &&
	    s->now - tp->last_send > tcp_rto_ns(tp))
		tcp_cc_idle_restart(tp);
	tcp_recovery_send(tp);	/* lost segments first (RACK) */
	while (guard-- > 0) {
		una = tcp_data_una(tp);
		avail = tp->tx.mem ? ring_used(&tp->tx) : 0;
		fin_seq = una + avail;
		off = tp->snd_nxt - una;
		if (SEQ_GT(tp->snd_nxt, fin_seq))
			off = avail;	/* FIN already sent */
		/* the congestion control's window (limited transmit, the
		 * RFC 6675 pipe, BBR's in-network bound: tcp_cc.c) */
		wnd = tcp_cc_window(tp);
		if (tp->snd_wnd < wnd)
			wnd = tp->snd_wnd;
		if ((tp->flags & TF_FORCE_PROBE) && !wnd)
			wnd = 1;
		len = 0;
		if (wnd > off && avail > off) {
			len = avail - off;
			if (len > wnd - off)
				len = wnd - off;
		}
		len = tcp_send_size(tp, len);
		if (sack_clip(tp, &len))
			continue;
		flags = TH_ACK;
		fin = (tp->flags & TF_SHUT_WR) && TCPS_SENTFIN(tp->state) &&
		      tp->state != TCPS_FIN_WAIT_2 &&
		      tp->state != TCPS_TIME_WAIT &&
		      tp->snd_nxt + len == fin_seq;
		send = want_send(tp, len, off, avail) || fin;
		if (send && len && !(tp->flags & TF_FORCE_PROBE) &&
		    tcp_cc_pace_wait(tp)) {
			/* not yet due: the TT_PACE timer sends it */
			if (!(tp->flags & TF_ACKNOW))
				break;
			send = fin = false;
		}
		if (fin)
			flags |= TH_FIN;
		if (!send && !fin && !(tp->flags & TF_ACKNOW) &&
		    !window_update_due(tp)) {
			/* data waits and nothing in flight will bring an ACK
			 * (zero window, or a window too small for Nagle and
			 * SWS avoidance): the persist timer forces progress */
			if (avail > off)
				persist_arm(tp);
			break;
		}
		if (!send)
			len = 0;
		if (len && off + len == avail)
			flags |= TH_PUSH;
		if ((len || fin) && SEQ_LT(tp->snd_nxt, tp->snd_max)) {
			STAT_INC(s, tcp, retrans_segs);
			tp->total_retrans++;
		} else if ((len || fin) && !tp->rtt_start) {
			tp->rtt_start = s->now;
			tp->rtt_seq = tp->snd_nxt;
		}
		/* a pure ACK carries the highest sequence sent, even while
		 * SND.NXT is pulled back for a retransmission: the peer may
		 * already hold everything up to SND.MAX */
		tcp_send_segment(tp, (len || fin) ? tp->snd_nxt : tp->snd_max,
				 len, flags);
		sent++;
		tp->bytes_sent += len;
		tp->snd_nxt += len + (fin ? 1 : 0);
		if (fin)
			tp->flags |= TF_SENTFIN;
		if (SEQ_GT(tp->snd_nxt, tp->snd_max))
			tp->snd_max = tp->snd_nxt;
		if ((len || fin) && (tp->timer[TT_REXMT] == AE_NEVER ||
				     (tp->flags & TF_TLP))) {
			/* (a pending probe moves out with the new tail) */
			tcp_timer_clear(tp, TT_PERSIST);
			tcp_timer_rexmt_arm(tp);
		}
		if (!len && !fin)
			break;
		if (tp->flags & TF_FORCE_PROBE)
			break;
	}
	tcp_cc_output_done(tp);
	AE_ASSERT(!tcp_check_invariants(tp));
	return sent;
}
