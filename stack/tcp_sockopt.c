// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_sockopt.c - socket options of TCP sockets, and TCP_INFO
 *
 * Theory of operation: what SOL_SOCKET options do to a TCP socket once
 * sockopt.c has stored them (SO_KEEPALIVE, SO_LINGER, SO_RCVBUF, SO_SNDBUF;
 * buffer sizes only before the rings exist) and IPPROTO_TCP options
 * (do_tcp_setsockopt()/do_tcp_getsockopt(): TCP_NODELAY, TCP_CORK,
 * TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT, TCP_USER_TIMEOUT, TCP_QUICKACK,
 * TCP_MAXSEG, TCP_SYNCNT, TCP_LINGER2, TCP_DEFER_ACCEPT, TCP_FASTOPEN,
 * TCP_FASTOPEN_CONNECT, TCP_NOTSENT_LOWAT, TCP_CONGESTION, TCP_INFO) with
 * Linux's value ranges and read-back values. TCP_INFO fills Linux's struct
 * tcp_info, with Linux's state numbering. TCP Fast Open is accepted and
 * reported but not done: a listener sends no cookie and a client's connect
 * carries no data, which a peer handles as plain TCP.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "tcp.h"

#define LINUX_TCP_WMEM	16384	/* net.ipv4.tcp_wmem[1]: SO_SNDBUF unset */
#define LINUX_TCP_RMEM	131072	/* net.ipv4.tcp_rmem[1]: SO_RCVBUF unset */
#define LINUX_MSS_DEFAULT 536	/* TCP_MSS_DEFAULT: TCP_MAXSEG unconnected */
#define LINUX_MAX_USER_MSS 32767 /* MAX_TCP_WINDOW: TCP_MAXSEG's bound */
#define LINUX_FIN_TIMEOUT 60	/* net.ipv4.tcp_fin_timeout, seconds */
#define LINUX_FIN_TIMEOUT_MAX 120 /* TCP_FIN_TIMEOUT_MAX / HZ */

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
 * tcp_sol_effect() - what a SOL_SOCKET option just stored does to TCP
 * @tp:		TCB
 * @name:	option
 * @v:		its value (SO_LINGER: read from @tp->sk.opt)
 *
 * SO_KEEPALIVE arms the keepalive timer; SO_LINGER {1, 0} makes close()
 * send RST; SO_RCVBUF/SO_SNDBUF size the rings while they do not exist yet
 * (a negative value is Linux's maximum, read as unsigned).
 */
void tcp_sol_effect(struct tcp_sock *tp, int name, int v)
{
	const struct ae_sock_opts *o = &tp->sk.opt;
	uint32_t u = v < 0 ? AE_LINUX_BUF_MAX : (uint32_t)v;

	switch (name) {
	case SO_KEEPALIVE:
		set_flag(tp, TF_KEEPALIVE, v);
		tcp_timer_keep_arm(tp);
		break;
	case SO_LINGER:
		set_flag(tp, TF_LINGER0, (o->flags & AE_SOF_LINGER) &&
			 !o->linger_s);
		tp->linger_s = (o->flags & AE_SOF_LINGER) ?
			       (uint32_t)o->linger_s : 0;
		break;
	case SO_RCVBUF:
		if (!tp->bufmem)
			tp->rcvbuf = tcp_buf_size(u);
		break;
	case SO_SNDBUF:
		if (!tp->bufmem)
			tp->sndbuf = tcp_buf_size(u);
		break;
	default:
		break;
	}
}

/**
 * tcp_sol_get() - the SOL_SOCKET options whose value is TCP's
 * @tp:		TCB
 * @name:	SO_ACCEPTCONN, SO_RCVBUF or SO_SNDBUF
 * @val:	buffer
 * @len:	in: its size; out: the bytes stored
 *
 * Unset buffer sizes read as Linux's initial tcp_rmem/tcp_wmem before a
 * connection exists, and as the ring's size afterwards.
 *
 * Return: 0, -EINVAL or -ENOPROTOOPT
 */
int tcp_sol_get(struct tcp_sock *tp, int name, void *val, size_t *len)
{
	bool fresh = tp->state == TCPS_CLOSED || tp->state == TCPS_LISTEN;
	int v;

	switch (name) {
	case SO_ACCEPTCONN:
		return sockopt_put_int(val, len, tp->state == TCPS_LISTEN);
	case SO_RCVBUF:
		v = tp->sk.rcvbuf_opt ? tp->sk.rcvbuf_opt :
		    fresh ? LINUX_TCP_RMEM : (int)tp->rcvbuf;
		return sockopt_put_int(val, len, v);
	case SO_SNDBUF:
		v = tp->sk.sndbuf_opt ? tp->sk.sndbuf_opt :
		    fresh ? LINUX_TCP_WMEM : (int)tp->sndbuf;
		return sockopt_put_int(val, len, v);
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
 * tcp_set_int() - the IPPROTO_TCP options that act on the connection
 * @tp:		TCB (inside tcp_enter())
 * @name:	option
 * @v:		value
 *
 * Return: 0, -EINVAL, or -ENOPROTOOPT for an option not handled here
 */
static int tcp_set_int(struct tcp_sock *tp, int name, int v)
{
	switch (name) {
	case TCP_NODELAY:
		set_flag(tp, TF_NODELAY, v);
		if (v)
			tcp_output(tp);
		return 0;
	case TCP_CORK:
		set_flag(tp, TF_CORK, v);
		if (!v)
			tcp_output(tp);
		return 0;
	case TCP_QUICKACK:
		/* Linux: 0 enters "pingpong" (delayed ACKs), which reads 0 */
		set_flag(tp, TF_QUICKACK, v);
		tp->pingpong = !v;
		if (v && (tp->flags & TF_DELACK)) {
			tp->flags |= TF_ACKNOW;
			tcp_output(tp);
		}
		return 0;
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (v < 1 || v > 32767)
			return -EINVAL;
		if (name == TCP_KEEPIDLE)
			tp->keepidle = (uint32_t)v;
		else
			tp->keepintvl = (uint32_t)v;
		tcp_timer_keep_arm(tp);
		return 0;
	case TCP_MAXSEG:
		if (v && (v < TCP_MIN_MSS || v > LINUX_MAX_USER_MSS))
			return -EINVAL;
		tp->user_mss = (uint16_t)v;
		if (v && v < tp->adv_mss)
			tp->adv_mss = (uint16_t)v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/**
 * tcp_set_stored() - the IPPROTO_TCP options kept for timers and reads
 * @tp:		TCB (inside tcp_enter())
 * @name:	option
 * @v:		value
 *
 * TCP_LINGER2: negative is -1, more than 120 s is 120 s; TCP_FASTOPEN on a
 * closed or listening socket only, TCP_FASTOPEN_CONNECT 0 or 1 on a closed
 * one (both accepted as Linux with net.ipv4.tcp_fastopen=1, see the DOC).
 *
 * Return: 0, -EINVAL or -ENOPROTOOPT
 */
static int tcp_set_stored(struct tcp_sock *tp, int name, int v)
{
	bool closed = tp->state == TCPS_CLOSED;

	switch (name) {
	case TCP_KEEPCNT:
	case TCP_SYNCNT:
		if (v < 1 || v > 127)
			return -EINVAL;
		if (name == TCP_KEEPCNT)
			tp->keepcnt = (uint32_t)v;
		else
			tp->syn_retries = v;
		return 0;
	case TCP_DEFER_ACCEPT:
		tp->sk.defer_accept = defer_accept_secs(v);
		return 0;
	case TCP_USER_TIMEOUT:
		if (v < 0)
			return -EINVAL;
		tp->user_timeout_ms = (uint32_t)v;
		return 0;
	case TCP_LINGER2:
		tp->linger2 = v < 0 ? -1 : v > LINUX_FIN_TIMEOUT_MAX ?
			      LINUX_FIN_TIMEOUT_MAX : v;
		return 0;
	case TCP_FASTOPEN:
		if (v < 0 || !(closed || tp->state == TCPS_LISTEN))
			return -EINVAL;
		tp->fastopen_qlen = v;
		return 0;
	case TCP_FASTOPEN_CONNECT:
		if (v < 0 || v > 1 || !closed)
			return -EINVAL;
		tp->fastopen_connect = v;
		return 0;
	case TCP_NOTSENT_LOWAT:
		tp->notsent_lowat = v;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/**
 * tcp_usr_setsockopt() - set an option
 * @tp:		TCB
 * @level:	IPPROTO_TCP (other levels are sockopt.c's)
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
	ret = tcp_set_int(tp, name, v);
	if (ret == -ENOPROTOOPT)
		ret = tcp_set_stored(tp, name, v);
	tcp_leave(s);
	return ret;
}

/**
 * linux_state() - Linux's TCP_* state number for TCP_INFO
 * @st:		our state
 *
 * TIME-WAIT reads as CLOSE (7): Linux hands that state to a separate
 * timewait socket (tcp_time_wait()) and the one a program still holds is
 * closed.
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
		[TCPS_FIN_WAIT_2] = 5, [TCPS_TIME_WAIT] = 7,
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
 * tcp_maxseg() - TCP_MAXSEG as Linux reads it
 * @tp:		TCB
 *
 * The MSS in use once connected; before that (and on a listener) the value
 * set, else TCP_MSS_DEFAULT (536).
 *
 * Return: bytes
 */
static int tcp_maxseg(const struct tcp_sock *tp)
{
	if (tp->state != TCPS_CLOSED && tp->state != TCPS_LISTEN)
		return tp->mss;
	return tp->user_mss ? tp->user_mss : LINUX_MSS_DEFAULT;
}

/**
 * tcp_usr_getsockopt() - read an option
 * @tp:		TCB
 * @level:	IPPROTO_TCP (other levels are sockopt.c's)
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
	const char *cc;

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
		return sockopt_put_int(val, len, !tp->pingpong);
	case TCP_MAXSEG:
		return sockopt_put_int(val, len, tcp_maxseg(tp));
	case TCP_LINGER2:
		return sockopt_put_int(val, len, tp->linger2 ? tp->linger2 :
				       LINUX_FIN_TIMEOUT);
	case TCP_FASTOPEN:
		return sockopt_put_int(val, len, tp->fastopen_qlen);
	case TCP_FASTOPEN_CONNECT:
		return sockopt_put_int(val, len, tp->fastopen_connect);
	case TCP_NOTSENT_LOWAT:
		return sockopt_put_int(val, len, tp->notsent_lowat);
	case TCP_CONGESTION:
		cc = tcp_cong_name(tp);
		return sockopt_put(val, len, cc, strlen(cc) + 1);
	case TCP_INFO:
		ae_tcp_info(&tp->sk, &ti);
		return sockopt_put(val, len, &ti, sizeof(ti));
	default:
		return -ENOPROTOOPT;
	}
}
