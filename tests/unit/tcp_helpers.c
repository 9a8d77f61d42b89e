// SPDX-License-Identifier: MIT
/**
 * DOC: tcp_helpers.c - segment builders and parsers for the TCP suites
 *
 * See tcp_helpers.h. Everything here is independent of the stack's own TCP
 * code: checksums come from fakedev's reference implementation, options are
 * parsed by a separate small parser.
 */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "fakedev.h"
#include "pkt.h"
#include "tcp_helpers.h"

/**
 * th_build() - an Ethernet frame carrying the TCP segment @t
 * @buf:	output
 * @cap:	its size
 * @t:		segment
 *
 * Return: frame length
 */
size_t th_build(uint8_t *buf, size_t cap, const struct tseg *t)
{
	uint8_t l4[9000];
	struct fake_ip ip;
	size_t olen = (t->optlen + 3) & ~(size_t)3, hlen = 20 + olen;
	uint16_t c;

	ck_assert_uint_le(hlen + t->len, sizeof(l4));
	memset(l4, 0, hlen);
	st16(l4, t->sport ? t->sport : TH_PEER_PORT);
	st16(l4 + 2, t->dport ? t->dport : TH_PORT);
	st32(l4 + 4, t->seq);
	st32(l4 + 8, t->ack);
	l4[12] = (uint8_t)((t->doff ? t->doff : hlen / 4) << 4);
	l4[13] = t->flags;
	st16(l4 + 14, t->zero_win ? 0 : (t->win ? t->win : 65535));
	if (t->optlen)
		memcpy(l4 + 20, t->opt, t->optlen);
	if (t->len)
		memcpy(l4 + hlen, t->data, t->len);
	c = fake_l4_csum(t->src ? t->src : FAKE_PEER, FAKE_ADDR, 6, l4,
			 hlen + t->len);
	st16(l4 + 16, t->bad_csum ? (uint16_t)(c ^ 0x5a5a) : c);
	memset(&ip, 0, sizeof(ip));
	ip.src = t->src ? t->src : FAKE_PEER;
	ip.dst = FAKE_ADDR;
	ip.proto = 6;
	return fake_build_ipv4(buf, cap, &ip, l4, hlen + t->len);
}

/**
 * th_send() - build @t and feed it to @s
 * @s:		stack
 * @t:		segment
 */
void th_send(struct ae_stack *s, const struct tseg *t)
{
	uint8_t frame[9100];
	size_t n = th_build(frame, sizeof(frame), t);

	fake_input(s, frame, n);
}

/**
 * parse_opts() - decode options of an emitted segment
 * @o:		option bytes
 * @len:	length
 * @p:		filled
 */
static void parse_opts(const uint8_t *o, size_t len, struct tpkt *p)
{
	size_t i = 0;
	int k;

	while (i < len) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		ck_assert_uint_lt(i + 1, len);
		ck_assert_uint_ge(o[i + 1], 2);
		ck_assert_uint_le(i + o[i + 1], len);
		switch (o[i]) {
		case 2:
			p->mss = ld16(o + i + 2);
			break;
		case 3:
			p->wscale = o[i + 2];
			break;
		case 4:
			p->sack_ok = true;
			break;
		case 5:
			p->nsack = (o[i + 1] - 2) / 8;
			for (k = 0; k < p->nsack && k < 4; k++) {
				p->sack[k][0] = ld32(o + i + 2 + 8 * k);
				p->sack[k][1] = ld32(o + i + 6 + 8 * k);
			}
			break;
		case 8:
			p->has_ts = true;
			p->ts_val = ld32(o + i + 2);
			p->ts_ecr = ld32(o + i + 6);
			break;
		default:
			break;
		}
		i += o[i + 1];
	}
}

/**
 * th_get() - decode emitted frame @i as TCP
 * @i:		frame index
 * @out:	filled
 *
 * Return: true if frame @i is an IPv4 TCP segment
 */
bool th_get(int i, struct tpkt *out)
{
	struct fake_parsed fp;
	size_t doff;

	memset(out, 0, sizeof(*out));
	out->wscale = -1;
	if (!fake_parse_frame(i, &fp) || !fp.ip || fp.proto != 6 ||
	    fp.l4len < 20)
		return false;
	doff = (size_t)(fp.l4[12] >> 4) * 4;
	ck_assert_uint_ge(doff, 20);
	ck_assert_uint_le(doff, fp.l4len);
	out->src = fp.src;
	out->dst = fp.dst;
	out->sport = ld16(fp.l4);
	out->dport = ld16(fp.l4 + 2);
	out->seq = ld32(fp.l4 + 4);
	out->ack = ld32(fp.l4 + 8);
	out->flags = fp.l4[13];
	out->win = ld16(fp.l4 + 14);
	out->csum_ok = fake_l4_csum(fp.src, fp.dst, 6, fp.l4, fp.l4len) == 0;
	parse_opts(fp.l4 + 20, doff - 20, out);
	out->data = fp.l4 + doff;
	out->len = fp.l4len - doff;
	return true;
}

/**
 * th_count() - emitted TCP segments since the last clear
 *
 * Return: count
 */
int th_count(void)
{
	struct tpkt p;
	int i, n = 0;

	for (i = 0; i < fake_frame_count(); i++)
		if (th_get(i, &p))
			n++;
	return n;
}

/**
 * th_last() - the last emitted TCP segment
 * @out:	filled
 *
 * Return: false when there is none
 */
bool th_last(struct tpkt *out)
{
	int i;

	for (i = fake_frame_count() - 1; i >= 0; i--)
		if (th_get(i, out))
			return true;
	return false;
}

/**
 * th_next() - the next TCP segment at or after *@cursor
 * @cursor:	frame index, advanced past the one returned
 * @out:	filled
 *
 * Return: false when there is none
 */
bool th_next(int *cursor, struct tpkt *out)
{
	while (*cursor < fake_frame_count()) {
		if (th_get((*cursor)++, out))
			return true;
	}
	return false;
}

/**
 * th_cb() - a socket callback that ORs events into a struct tconn's events
 * or an unsigned int pointed to by user
 * @sk:		socket
 * @events:	AE_EV_*
 * @user:	unsigned int *
 */
void th_cb(struct ae_sock *sk, unsigned int events, void *user)
{
	(void)sk;
	if (user)
		*(unsigned int *)user |= events;
}

/**
 * th_fixture() - a fresh fake stack with the peer's ARP entry, no frames
 * @c:		the connection record to reset to the test ports
 *
 * Return: the stack, for fake_stack_destroy()
 */
struct ae_stack *th_fixture(struct tconn *c)
{
	struct ae_stack *s = fake_stack_create();

	fake_arp_seed(s);
	memset(c, 0, sizeof(*c));
	c->port = TH_PORT;
	c->peer_port = TH_PEER_PORT;
	fake_frames_clear();
	return s;
}

/**
 * th_listener() - a socket listening on @port
 * @s:		stack
 * @port:	host order
 * @backlog:	backlog
 *
 * Return: listener
 */
struct ae_sock *th_listener(struct ae_stack *s, uint16_t port, int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct ae_sock *l;
	int err;

	l = ae_socket(s, SOCK_STREAM, &err);
	ck_assert_ptr_nonnull(l);
	a.sin_port = htons(port);
	ck_assert_int_eq(ae_bind(l, &a), 0);
	ck_assert_int_eq(ae_listen(l, backlog), 0);
	return l;
}

/**
 * th_accept_conn() - the peer connects to our listener c->lsk on c->port
 * @s:		stack
 * @c:		connection (lsk, port, peer_port set); sk filled
 * @isn:	peer's ISN
 * @opt:	options of the SYN (NULL: MSS 1460 only)
 * @optlen:	their length
 */
void th_accept_conn(struct ae_stack *s, struct tconn *c, uint32_t isn,
		    const uint8_t *opt, size_t optlen)
{
	static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
	struct tseg t = { 0 };
	struct tpkt p;
	struct sockaddr_in peer;

	fake_frames_clear();
	t.sport = c->peer_port;
	t.dport = c->port;
	t.seq = isn;
	t.flags = TH_F_SYN;
	t.opt = opt ? opt : mss;
	t.optlen = opt ? optlen : sizeof(mss);
	th_send(s, &t);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_SYN | TH_F_ACK);
	ck_assert_uint_eq(p.ack, isn + 1);
	ck_assert(p.csum_ok);
	c->our_nxt = p.seq + 1;
	c->peer_nxt = isn + 1;
	memset(&t, 0, sizeof(t));
	t.sport = c->peer_port;
	t.dport = c->port;
	t.seq = c->peer_nxt;
	t.ack = c->our_nxt;
	t.flags = TH_F_ACK;
	th_send(s, &t);
	ck_assert_int_eq(ae_accept(c->lsk, &c->sk, &peer), 0);
	ck_assert_uint_eq(ntohs(peer.sin_port), c->peer_port);
	ae_sock_set_callback(c->sk, th_cb, &c->events);
	fake_frames_clear();
}

/**
 * th_connect_conn() - we connect to the peer (c->port is the peer's listening
 * port here), the peer answers SYN-ACK with @isn
 * @s:		stack
 * @c:		connection; sk filled
 * @isn:	peer's ISN
 */
void th_connect_conn(struct ae_stack *s, struct tconn *c, uint32_t isn)
{
	static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct tseg t = { 0 };
	struct tpkt p;
	int err;

	fake_frames_clear();
	c->sk = ae_socket(s, SOCK_STREAM, &err);
	ck_assert_ptr_nonnull(c->sk);
	ae_sock_set_callback(c->sk, th_cb, &c->events);
	a.sin_addr.s_addr = FAKE_PEER;
	a.sin_port = htons(c->port);
	ck_assert_int_eq(ae_connect(c->sk, &a), -EINPROGRESS);
	ck_assert(th_last(&p));
	ck_assert_uint_eq(p.flags, TH_F_SYN);
	c->peer_port = p.sport;
	c->our_nxt = p.seq + 1;
	c->peer_nxt = isn + 1;
	t.sport = c->port;
	t.dport = c->peer_port;
	t.seq = isn;
	t.ack = c->our_nxt;
	t.flags = TH_F_SYN | TH_F_ACK;
	t.opt = mss;
	t.optlen = sizeof(mss);
	th_send(s, &t);
	ck_assert_int_eq(ae_sock_state(c->sk), 4 /* ESTABLISHED */);
	ck_assert(c->events & AE_EV_OUT);
	fake_frames_clear();
}

/**
 * th_peer_send() - the peer sends a segment on connection @c with the
 * current sequence numbers, advancing peer_nxt by the data (and SYN/FIN)
 * @s:		stack
 * @c:		connection
 * @flags:	TH_F_*
 * @data:	payload
 * @len:	its length
 */
void th_peer_send(struct ae_stack *s, struct tconn *c, uint8_t flags,
		  const void *data, size_t len)
{
	struct tseg t = { 0 };

	t.sport = c->peer_port;
	t.dport = c->port;
	t.seq = c->peer_nxt;
	t.ack = c->our_nxt;
	t.flags = flags;
	t.data = data;
	t.len = len;
	th_send(s, &t);
	c->peer_nxt += (uint32_t)len + ((flags & TH_F_FIN) ? 1 : 0);
}

/**
 * th_peer_ack() - the peer acknowledges everything it has seen from us
 * @s:		stack
 * @c:		connection (our_nxt updated from the emitted segments first)
 */
void th_peer_ack(struct ae_stack *s, struct tconn *c)
{
	struct tpkt p;
	int i;

	for (i = 0; i < fake_frame_count(); i++) {
		if (!th_get(i, &p) || p.sport != c->port)
			continue;
		uint32_t end = p.seq + (uint32_t)p.len +
			       ((p.flags & (TH_F_FIN | TH_F_SYN)) ? 1 : 0);
		if ((int32_t)(end - c->our_nxt) > 0)
			c->our_nxt = end;
	}
	th_peer_send(s, c, TH_F_ACK, NULL, 0);
}

/**
 * th_stat() - a TCP counter by name
 * @s:		stack
 * @name:	counter
 *
 * Return: value
 */
uint64_t th_stat(struct ae_stack *s, const char *name)
{
	return ae_stack_stat(s, "tcp", name);
}

/**
 * th_run_ms() - advance virtual time by @ms, running timers in 1 ms steps
 * @s:		stack
 * @ms:		milliseconds
 */
void th_run_ms(struct ae_stack *s, uint64_t ms)
{
	uint64_t end = fake_clock_now() + ms * 1000000ULL, next;
	unsigned int n = 0;

	while (fake_clock_now() < end) {
		next = ae_stack_next_timeout(s);
		if (next > end)
			next = end;
		if (next <= fake_clock_now())
			next = fake_clock_now() + 1;
		fake_clock_set_ns(next);
		if (++n % 64 == 0)
			fake_arp_seed(s);
		ae_stack_poll(s);
	}
}

/**
 * th_advance_to_next() - jump the clock from deadline to deadline until
 * the stack emits a TCP segment
 * @s:		stack
 */
void th_advance_to_next(struct ae_stack *s)
{
	int before = th_count(), i;
	uint64_t next;

	/* other modules' timers (ARP, reassembly) may come first; the peer
	 * keeps answering ARP so that long tests never lose it */
	for (i = 0; i < 100 && th_count() == before; i++) {
		fake_arp_seed(s);
		next = ae_stack_next_timeout(s);
		ck_assert_uint_ne(next, UINT64_MAX);
		if (next > fake_clock_now())
			fake_clock_set_ns(next);
		ae_stack_poll(s);
	}
}
