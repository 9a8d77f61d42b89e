// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_sockopt.c - socket options of TCP sockets, and TCP_INFO
 *
 * Theory of operation: SOL_SOCKET options that concern TCP (SO_KEEPALIVE,
 * SO_LINGER, SO_RCVBUF, SO_SNDBUF; buffer sizes only before the rings
 * exist) and IPPROTO_TCP options (TCP_NODELAY, TCP_CORK, TCP_KEEPIDLE,
 * TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT, TCP_QUICKACK, TCP_MAXSEG,
 * TCP_SYNCNT, TCP_CONGESTION, TCP_INFO) with Linux's value ranges. TCP_INFO
 * fills Linux's struct tcp_info, with Linux's state numbering.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "tcp.h"

#define LINUX_BUF_MAX		212992	/* net.core.rmem_max, wmem_max */
#define LINUX_MIN_RCVBUF	2304	/* SOCK_MIN_RCVBUF */
#define LINUX_MIN_SNDBUF	4608	/* SOCK_MIN_SNDBUF */

/**
 * set_flag() - set or clear a TCB flag from an int option
 * @tp:		TCB
 * @f:		flag
 * @on:		value
 */
static void set_flag(struct tcp_sock *tp, uint32_t f, int on)
{
	if (on)
		tp->flags |= f;
	else
		tp->flags &= ~f;
}

/**
 * linux_bufsize() - remember SO_RCVBUF/SO_SNDBUF as Linux reports them
 * @sk:		socket
 * @name:	SO_RCVBUF or SO_SNDBUF
 * @v:		the value set
 *
 * Linux caps the value at rmem_max/wmem_max (212992 by default, read as
 * unsigned), doubles it for its bookkeeping overhead and keeps at least
 * SOCK_MIN_RCVBUF/SOCK_MIN_SNDBUF; getsockopt() returns that. Our ring is
 * sized from the value itself (tcp_buf_size()).
 */
static void linux_bufsize(struct ae_sock *sk, int name, int v)
{
	uint32_t u = (uint32_t)v;
	int min = name == SO_RCVBUF ? LINUX_MIN_RCVBUF : LINUX_MIN_SNDBUF;
	int r;

	if (u > LINUX_BUF_MAX)
		u = LINUX_BUF_MAX;
	r = (int)u * 2 < min ? min : (int)u * 2;
	if (name == SO_RCVBUF)
		sk->rcvbuf_opt = r;
	else
		sk->sndbuf_opt = r;
}

/**
 * defer_accept_secs() - TCP_DEFER_ACCEPT rounded as Linux reports it
 * @v:		seconds asked for
 *
 * Linux keeps the option as a count of SYN-ACK retransmissions (1 s initial
 * timeout doubling up to 120 s) and reports the time they add up to: 5
 * becomes 7 (1 + 2 + 4). For that long a listener holds a connection whose
 * handshake ended in a bare ACK off its accept queue (tcp_input.c).
 *
 * Return: seconds, 0 for off
 */
static int defer_accept_secs(int v)
{
	int period = 1, timeout = 1, n = 1;

	if (v <= 0)
		return 0;
	while (v > period && n < 255) {
		n++;
		timeout = timeout * 2 > 120 ? 120 : timeout * 2;
		period += timeout;
	}
	return period;
}

/**
 * sol_socket_set() - SOL_SOCKET options
 * @tp:		TCB
 * @name:	option
 * @val:	value
 * @len:	size
 *
 * Return: 0 or a negative errno
 */
static int sol_socket_set(struct tcp_sock *tp, int name, const void *val,
			  size_t len)
{
	struct linger l;
	int v, ret;

	if (name == SO_LINGER) {
		if (!val || len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		set_flag(tp, TF_LINGER0, l.l_onoff && !l.l_linger);
		tp->linger_s = l.l_onoff ? (uint32_t)l.l_linger : 0;
		return 0;
	}
	ret = sockopt_get_int(val, len, &v);
	if (ret)
		return ret;
	switch (name) {
	case SO_KEEPALIVE:
		set_flag(tp, TF_KEEPALIVE, v);
		tcp_timer_keep_arm(tp);
		return 0;
	case SO_RCVBUF:
	case SO_SNDBUF:
		if (v < 0)
			return -EINVAL;
		linux_bufsize(&tp->sk, name, v);
		if (!tp->bufmem) {
			if (name == SO_RCVBUF)
				tp->rcvbuf = tcp_buf_size((uint32_t)v);
			else
				tp->sndbuf = tcp_buf_size((uint32_t)v);
		}
		return 0;
	case SO_RCVTIMEO:
	case SO_SNDTIMEO:
	case SO_OOBINLINE:
	case SO_BROADCAST:
	case SO_DEBUG:
	case SO_DONTROUTE:
	case SO_PRIORITY:
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/**
 * tcp_cc_select() - choose a socket's congestion control by its
 * TCP_CONGESTION name
 * @tp:		TCB
 * @val:	"cubic", "reno" (or "newreno"), "bbr"
 * @len:	bytes of @val
 *
 * Return: 0, -ENOENT for an unknown name, -ENOMEM when BBR's state
 * cannot be allocated
 */
int tcp_cc_select(struct tcp_sock *tp, const char *val, size_t len)
{
	static const struct {
		const char *name;
		const struct tcp_cc_ops *cc;
	} names[] = {
		{ "bbr", &tcp_cc_bbr },
		{ "cubic", &tcp_cc_cubic },
		{ "reno", &tcp_cc_reno },
		{ "newreno", &tcp_cc_reno },
	};
	size_t i, n;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		n = strlen(names[i].name);
		if (len >= n && !strncmp(val, names[i].name, n))
			return tcp_cc_set(tp, names[i].cc);
	}
	return -ENOENT;
}

/**
 * tcp_usr_setsockopt() - set an option
 * @tp:		TCB
 * @level:	SOL_SOCKET or IPPROTO_TCP
 * @name:	option
 * @val:	value
 * @len:	size
 *
 * Return: 0 or a negative errno
 */
int tcp_usr_setsockopt(struct tcp_sock *tp, int level, int name,
		       const void *val, size_t len)
{
	struct ae_stack *s = tp->sk.stack;
	int v = 0, ret;

	if (level == SOL_SOCKET)
		return sol_socket_set(tp, name, val, len);
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	if (name == TCP_CONGESTION) {
		if (!val || !len)
			return -EINVAL;
		return tcp_cc_select(tp, val, len);
	}
	ret = sockopt_get_int(val, len, &v);
	if (ret)
		return ret;
	tcp_enter(s);
	switch (name) {
	case TCP_NODELAY:
		set_flag(tp, TF_NODELAY, v);
		if (v)
			tcp_output(tp);
		break;
	case TCP_CORK:
		set_flag(tp, TF_CORK, v);
		if (!v)
			tcp_output(tp);
		break;
	case TCP_QUICKACK:
		set_flag(tp, TF_QUICKACK, v);
		if (v && (tp->flags & TF_DELACK)) {
			tp->flags |= TF_ACKNOW;
			tcp_output(tp);
		}
		break;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767) {
			ret = -EINVAL;
			break;
		}
		if (name == TCP_KEEPIDLE)
			tp->keepidle = (uint32_t)v;
		else
			tp->keepintvl = (uint32_t)v;
		tcp_timer_keep_arm(tp);
		break;
	case TCP_KEEPCNT:
		if (v < 1 || v > 127)
			ret = -EINVAL;
		else
			tp->keepcnt = (uint32_t)v;
		break;
	case TCP_DEFER_ACCEPT:
		tp->sk.defer_accept = defer_accept_secs(v);
		break;
	case TCP_USER_TIMEOUT:
		if (v < 0)
			ret = -EINVAL;
		else
			tp->user_timeout_ms = (uint32_t)v;
		break;
	case TCP_SYNCNT:
		if (v < 1 || v > 127)
			ret = -EINVAL;
		else
			tp->syn_retries = v;
		break;
	case TCP_MAXSEG:
		if (v && (v < TCP_MIN_MSS ||
			  v > IP_MAXPACKET_ - IP_HLEN - TCP_HLEN)) {
			ret = -EINVAL;
			break;
		}
		if (v && v < tp->adv_mss)
			tp->adv_mss = (uint16_t)v;
		break;
	default:
		ret = -ENOPROTOOPT;
		break;
	}
	tcp_leave(s);
	return ret;
}

/**
 * linux_state() - Linux's TCP_* state number for TCP_INFO
 * @st:		our state
 *
 * Return: Linux's number
 */
static uint8_t linux_state(enum tcp_state st)
{
	static const uint8_t map[TCPS_NSTATES] = {
		[TCPS_CLOSED] = 7, [TCPS_LISTEN] = 10, [TCPS_SYN_SENT] = 2,
		[TCPS_SYN_RECEIVED] = 3, [TCPS_ESTABLISHED] = 1,
		[TCPS_CLOSE_WAIT] = 8, [TCPS_FIN_WAIT_1] = 4,
		[TCPS_CLOSING] = 11, [TCPS_LAST_ACK] = 9,
		[TCPS_FIN_WAIT_2] = 5, [TCPS_TIME_WAIT] = 6,
	};

	return map[st];
}

/**
 * ae_tcp_info() - fill Linux's struct tcp_info for a TCP socket
 * @sk:		TCP socket
 * @ti:		filled (zeroed first)
 *
 * Return: 0, or -EOPNOTSUPP for a non-TCP socket
 */
int ae_tcp_info(const struct ae_sock *sk, struct tcp_info *ti)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	uint32_t mss = tp->mss ? tp->mss : 1;

	if (sk->type != SOCK_STREAM || !ti)
		return -EOPNOTSUPP;
	memset(ti, 0, sizeof(*ti));
	ti->tcpi_state = linux_state(tp->state);
	ti->tcpi_retransmits = tp->rxtshift;
	ti->tcpi_backoff = tp->rxtshift;
	ti->tcpi_probes = tp->probes_out;
	if (tp->flags & TF_TS)
		ti->tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (tp->flags & TF_SACK)
		ti->tcpi_options |= TCPI_OPT_SACK;
	if (tp->flags & TF_WSCALE) {
		ti->tcpi_options |= TCPI_OPT_WSCALE;
		ti->tcpi_snd_wscale = tp->snd_wscale & 0xf;
		ti->tcpi_rcv_wscale = tp->rcv_wscale & 0xf;
	}
	ti->tcpi_rto = (uint32_t)(tcp_rto_ns(tp) / 1000);
	ti->tcpi_ato = TCP_DELACK_US;
	ti->tcpi_snd_mss = tp->mss;
	ti->tcpi_rcv_mss = tp->adv_mss;
	ti->tcpi_unacked = (tcp_flight(tp) + mss - 1) / mss;
	ti->tcpi_sacked = tcp_sack_bytes(tp) / mss;
	ti->tcpi_lost = tp->lost;
	ti->tcpi_retrans = tp->rxtshift ? 1 : 0;
	ti->tcpi_last_data_recv = (uint32_t)((sk->stack->now - tp->last_rcv) /
					     NS_PER_MS);
	ti->tcpi_pmtu = sk->stack->cfg.mtu;
	ti->tcpi_rtt = tp->srtt;
	ti->tcpi_rttvar = tp->rttvar;
	ti->tcpi_snd_ssthresh = tp->ssthresh == UINT32_MAX ? 0x7fffffff :
				tp->ssthresh / mss;
	ti->tcpi_snd_cwnd = tp->cwnd / mss;
	ti->tcpi_advmss = tp->adv_mss;
	ti->tcpi_reordering = 3;
	ti->tcpi_rcv_space = tp->rx.mem ? ring_free(&tp->rx) : tp->rcvbuf;
	ti->tcpi_total_retrans = tp->total_retrans;
	return 0;
}

/**
 * tcp_cong_name() - a socket's congestion control, as TCP_CONGESTION names it
 * @tp:		TCB
 *
 * Return: "bbr", "cubic" or "reno"
 */
const char *tcp_cong_name(const struct tcp_sock *tp)
{
	return tp->cc->name;
}

/**
 * tcp_sock_info_cc() - the `ss -i` fields of a socket-table line
 * @sk:		TCP socket
 * @info:	line to complete
 *
 * Taken from ae_tcp_info(), so `aether ss -i` and TCP_INFO agree.
 */
void tcp_sock_info_cc(const struct ae_sock *sk, struct ae_sock_info *info)
{
	struct tcp_info ti;

	ae_tcp_info(sk, &ti);
	info->rtt_us = ti.tcpi_rtt;
	info->rttvar_us = ti.tcpi_rttvar;
	info->rto_us = ti.tcpi_rto;
	info->cwnd = ti.tcpi_snd_cwnd;
	info->ssthresh = ti.tcpi_snd_ssthresh;
	info->mss = ti.tcpi_snd_mss;
	snprintf(info->congestion, sizeof(info->congestion), "%s",
		 tcp_cong_name((const struct tcp_sock *)sk));
}

/**
 * tcp_usr_getsockopt() - read an option
 * @tp:		TCB
 * @level:	SOL_SOCKET or IPPROTO_TCP
 * @name:	option
 * @val:	buffer
 * @len:	in: room; out: size
 *
 * Return: 0 or a negative errno
 */
int tcp_usr_getsockopt(struct tcp_sock *tp, int level, int name, void *val,
		       size_t *len)
{
	struct tcp_info ti;
	struct linger l;
	const char *cc;
	size_t n;

	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_KEEPALIVE:
			return sockopt_put_int(val, len, !!(tp->flags & TF_KEEPALIVE));
		case SO_RCVBUF:
			return sockopt_put_int(val, len, tp->sk.rcvbuf_opt ?
				       tp->sk.rcvbuf_opt : (int)tp->rcvbuf);
		case SO_SNDBUF:
			return sockopt_put_int(val, len, tp->sk.sndbuf_opt ?
				       tp->sk.sndbuf_opt : (int)tp->sndbuf);
		case SO_ACCEPTCONN:
			return sockopt_put_int(val, len, tp->state == TCPS_LISTEN);
		case SO_LINGER:
			if (!val || !len || *len < sizeof(l))
				return -EINVAL;
			l.l_onoff = (tp->flags & TF_LINGER0) || tp->linger_s;
			l.l_linger = (int)tp->linger_s;
			memcpy(val, &l, sizeof(l));
			*len = sizeof(l);
			return 0;
		default:
			return -ENOPROTOOPT;
		}
	}
	if (level != IPPROTO_TCP)
		return -ENOPROTOOPT;
	switch (name) {
	case TCP_NODELAY:
		return sockopt_put_int(val, len, !!(tp->flags & TF_NODELAY));
	case TCP_CORK:
		return sockopt_put_int(val, len, !!(tp->flags & TF_CORK));
	case TCP_KEEPIDLE:
		return sockopt_put_int(val, len, (int)tp->keepidle);
	case TCP_KEEPINTVL:
		return sockopt_put_int(val, len, (int)tp->keepintvl);
	case TCP_KEEPCNT:
		return sockopt_put_int(val, len, (int)tp->keepcnt);
	case TCP_USER_TIMEOUT:
		return sockopt_put_int(val, len, (int)tp->user_timeout_ms);
	case TCP_DEFER_ACCEPT:
		return sockopt_put_int(val, len, tp->sk.defer_accept);
	case TCP_SYNCNT:
		return sockopt_put_int(val, len, tp->syn_retries);
	case TCP_QUICKACK:
		return sockopt_put_int(val, len, !!(tp->flags & TF_QUICKACK));
	case TCP_MAXSEG:
		return sockopt_put_int(val, len, TCPS_HAVEESTABLISHED(tp->state) ?
				   tp->mss : tp->adv_mss);
	case TCP_CONGESTION:
		cc = tcp_cong_name(tp);
		if (!val || !len)
			return -EINVAL;
		n = strlen(cc) + 1;
		if (n > *len)
			n = *len;
		memcpy(val, cc, n);
		*len = n;
		return 0;
	case TCP_INFO:
		if (!val || !len)
			return -EINVAL;
		ae_tcp_info(&tp->sk, &ti);
		n = *len < sizeof(ti) ? *len : sizeof(ti);
		memcpy(val, &ti, n);
		*len = n;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}
