// SPDX-License-Identifier: MIT
/**
 * DOC: snapshot.c - records of the state string, and the stack's own records
 *
 * Theory of operation: see snapshot.h. A writer appends records to a
 * growing buffer (snap_begin(), snap_put*(), snap_end()); snap_finish()
 * closes the string with a SNAP_T_END record carrying an FNV-1a hash of
 * every byte before it. A reader first checks the whole string
 * (snap_verify(): every header's magic and length, the hash) and only then
 * walks it record by record (snap_next()); every field read is bounded by
 * its record (snap_get()), and an overrun or a failed check sets @err, after
 * which every read gives zeroes and the caller's load fails as a whole.
 *
 * The stack's records, in this order: SNAP_T_STACK (what must match, and
 * the secrets that keep ISNs, timestamps, SYN cookies and the 4-tuple hash
 * the same), SNAP_T_STATS, then one SNAP_T_ARP per neighbour
 * (arp_state.c), one SNAP_T_UDP per UDP socket (udp_state.c) and one
 * SNAP_T_TCP per TCB, listeners before their children (tcp_state.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"
#include "snapshot_int.h"
#include "stack.h"
#include "tcp.h"

#define SNAP_V_STACK	1
#define SNAP_V_STATS	1
#define SNAP_V_HEADER	1
#define SNAP_V_END	1
#define SNAP_TIME_ZERO	INT64_MIN	/* "not set" (0) */
#define SNAP_TIME_NEVER	INT64_MAX	/* AE_NEVER */

/**
 * snap_version() - the string version this program writes and reads
 *
 * AETHER_SNAP_VERSION in the environment overrides it, so that a test can
 * make two daemons of one build disagree (tests/integration/test_takeover.sh).
 *
 * Return: the version
 */
uint32_t snap_version(void)
{
	const char *e = getenv("AETHER_SNAP_VERSION");

	if (e && *e)
		return (uint32_t)strtoul(e, NULL, 10);
	return SNAP_VERSION;
}

/**
 * snap_w_init() - an empty string
 * @w:		writer
 */
void snap_w_init(struct snap_w *w)
{
	memset(w, 0, sizeof(*w));
}

/**
 * snap_w_free() - release a writer's buffer
 * @w:		writer
 */
void snap_w_free(struct snap_w *w)
{
	free(w->buf);
	snap_w_init(w);
}

/**
 * snap_put() - append bytes to the open record
 * @w:		writer
 * @p:		bytes
 * @n:		count
 */
void snap_put(struct snap_w *w, const void *p, size_t n)
{
	if (w->err || !n)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		uint8_t *b;

		while (cap < w->len + n)
			cap *= 2;
		b = realloc(w->buf, cap);
		if (!b) {
			w->err = -ENOMEM;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/**
 * snap_put_u32() - append a 32-bit value
 * @w:		writer
 * @v:		value
 */
void snap_put_u32(struct snap_w *w, uint32_t v)
{
	snap_put(w, &v, sizeof(v));
}

/**
 * snap_put_u64() - append a 64-bit value
 * @w:		writer
 * @v:		value
 */
void snap_put_u64(struct snap_w *w, uint64_t v)
{
	snap_put(w, &v, sizeof(v));
}

/**
 * snap_put_time() - append a time as its distance from @now
 * @w:		writer
 * @t:		absolute time (ns), 0 for "not set", AE_NEVER for "never"
 * @now:	the writer's clock
 */
void snap_put_time(struct snap_w *w, uint64_t t, uint64_t now)
{
	int64_t rel;

	if (!t)
		rel = SNAP_TIME_ZERO;
	else if (t == AE_NEVER)
		rel = SNAP_TIME_NEVER;
	else
		rel = (int64_t)(t - now);
	snap_put(w, &rel, sizeof(rel));
}

/**
 * snap_begin() - open a record
 * @w:		writer
 * @type:	its type
 * @version:	its version
 */
void snap_begin(struct snap_w *w, uint16_t type, uint16_t version)
{
	struct snap_rec_hdr h = { .magic = SNAP_MAGIC, .type = type,
				  .version = version };

	w->rec = w->len;
	snap_put(w, &h, sizeof(h));
}

/**
 * snap_end() - close the open record: its length goes into its header
 * @w:		writer
 */
void snap_end(struct snap_w *w)
{
	struct snap_rec_hdr h;

	if (w->err)
		return;
	memcpy(&h, w->buf + w->rec, sizeof(h));
	h.len = (uint32_t)(w->len - w->rec - sizeof(h));
	memcpy(w->buf + w->rec, &h, sizeof(h));
}

/**
 * fnv64() - FNV-1a over @len bytes
 * @p:		bytes
 * @len:	count
 *
 * Return: the hash
 */
static uint64_t fnv64(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/**
 * snap_header() - the first record: string version and the writer's clock
 * @w:		writer (empty)
 * @now:	the writer's clock (ns)
 */
void snap_header(struct snap_w *w, uint64_t now)
{
	snap_begin(w, SNAP_T_HEADER, SNAP_V_HEADER);
	snap_put_u32(w, snap_version());
	snap_put_u64(w, now);
	snap_end(w);
}

/**
 * snap_finish() - the last record: a hash of every byte before it
 * @w:		writer
 */
void snap_finish(struct snap_w *w)
{
	uint64_t h = w->buf ? fnv64(w->buf, w->len) : 0;

	snap_begin(w, SNAP_T_END, SNAP_V_END);
	snap_put_u64(w, h);
	snap_end(w);
}

/**
 * snap_r_init() - start reading a string
 * @r:		reader
 * @buf:	the string
 * @len:	its length
 */
void snap_r_init(struct snap_r *r, const void *buf, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->len = len;
}

/**
 * snap_fail() - the string is not what it must be: every read fails now
 * @r:		reader
 */
void snap_fail(struct snap_r *r)
{
	r->err = -EBADMSG;
}

/**
 * snap_next() - move to the next record
 * @r:		reader
 *
 * Return: 1 with the record current, 0 at the end of the string, -EBADMSG
 */
int snap_next(struct snap_r *r)
{
	struct snap_rec_hdr h;

	if (r->err)
		return r->err;
	if (r->off == r->len)
		return 0;
	if (r->len - r->off < sizeof(h)) {
		snap_fail(r);
		return r->err;
	}
	memcpy(&h, r->buf + r->off, sizeof(h));
	if (h.magic != SNAP_MAGIC || h.len > r->len - r->off - sizeof(h)) {
		snap_fail(r);
		return r->err;
	}
	r->rec = r->buf + r->off + sizeof(h);
	r->rec_len = h.len;
	r->pos = 0;
	r->type = h.type;
	r->version = h.version;
	r->off += sizeof(h) + h.len;
	return 1;
}

/**
 * snap_expect() - the next record must be of @type and @version
 * @r:		reader
 * @type:	type
 * @version:	version
 *
 * Return: 0, or -EBADMSG
 */
int snap_expect(struct snap_r *r, uint16_t type, uint16_t version)
{
	if (snap_next(r) != 1 || r->type != type || r->version != version)
		snap_fail(r);
	return r->err;
}

/**
 * snap_get() - read @n bytes of the current record
 * @r:		reader
 * @p:		destination (zeroed when the record has fewer)
 * @n:		count
 */
void snap_get(struct snap_r *r, void *p, size_t n)
{
	if (r->err || n > r->rec_len - r->pos) {
		snap_fail(r);
		memset(p, 0, n);
		return;
	}
	memcpy(p, r->rec + r->pos, n);
	r->pos += n;
}

/**
 * snap_get_u32() - read a 32-bit value
 * @r:		reader
 *
 * Return: the value (0 after an error)
 */
uint32_t snap_get_u32(struct snap_r *r)
{
	uint32_t v;

	snap_get(r, &v, sizeof(v));
	return v;
}

/**
 * snap_get_u64() - read a 64-bit value
 * @r:		reader
 *
 * Return: the value (0 after an error)
 */
uint64_t snap_get_u64(struct snap_r *r)
{
	uint64_t v;

	snap_get(r, &v, sizeof(v));
	return v;
}

/**
 * snap_get_time() - read a time written by snap_put_time()
 * @r:		reader
 * @now:	the reader's clock (ns)
 *
 * Return: the same distance from @now (0 and AE_NEVER kept)
 */
uint64_t snap_get_time(struct snap_r *r, uint64_t now)
{
	int64_t rel;

	snap_get(r, &rel, sizeof(rel));
	if (rel == SNAP_TIME_ZERO)
		return 0;
	if (rel == SNAP_TIME_NEVER)
		return AE_NEVER;
	if (rel < 0 && (uint64_t)-rel >= now)
		return 1;	/* long past, but still "set" */
	return now + (uint64_t)rel;
}

/**
 * snap_verify() - check a whole string before anything is read from it:
 * the header record's version, every record's framing, the closing hash
 * @buf:	the string
 * @len:	its length
 *
 * Return: 0, -EPROTO for another string version, -EBADMSG
 */
int snap_verify(const void *buf, size_t len)
{
	struct snap_r r;
	uint64_t h;
	size_t end = 0;

	snap_r_init(&r, buf, len);
	if (snap_expect(&r, SNAP_T_HEADER, SNAP_V_HEADER))
		return -EBADMSG;
	if (snap_get_u32(&r) != snap_version())
		return -EPROTO;
	while (snap_next(&r) == 1) {
		if (r.type == SNAP_T_END)
			break;
		end = r.off;
	}
	if (r.err || r.type != SNAP_T_END || r.version != SNAP_V_END ||
	    r.off != len)
		return -EBADMSG;
	h = snap_get_u64(&r);
	if (r.err || h != fnv64(buf, end))
		return -EBADMSG;
	return 0;
}

/**
 * snap_read_header() - read the header record (after snap_verify())
 * @r:		reader at the start
 * @now:	set to the writer's clock
 *
 * Return: 0 or -EBADMSG
 */
int snap_read_header(struct snap_r *r, uint64_t *now)
{
	if (snap_expect(r, SNAP_T_HEADER, SNAP_V_HEADER))
		return r->err;
	snap_get_u32(r);
	*now = snap_get_u64(r);
	return r->err;
}

/**
 * sock_state_save() - what every socket type shares (&struct ae_sock)
 * @w:		writer
 * @sk:		socket
 */
void sock_state_save(struct snap_w *w, const struct ae_sock *sk)
{
	uint8_t b[7] = { sk->reuseaddr, sk->reuseport, sk->v6, sk->v6only,
			 sk->closed, sk->tos, sk->ttl };

	snap_put_u32(w, sk->laddr);
	snap_put_u32(w, sk->raddr);
	snap_put_u32(w, sk->lport);
	snap_put_u32(w, sk->rport);
	snap_put_u32(w, (uint32_t)sk->so_error);
	snap_put(w, b, sizeof(b));
	snap_put_u32(w, (uint32_t)sk->rcvbuf_opt);
	snap_put_u32(w, (uint32_t)sk->sndbuf_opt);
	snap_put_u32(w, (uint32_t)sk->defer_accept);
}

/**
 * sock_state_load() - read what sock_state_save() wrote
 * @r:		reader
 * @sk:		socket, linked into its stack already
 */
void sock_state_load(struct snap_r *r, struct ae_sock *sk)
{
	uint8_t b[7];

	sk->laddr = snap_get_u32(r);
	sk->raddr = snap_get_u32(r);
	sk->lport = (uint16_t)snap_get_u32(r);
	sk->rport = (uint16_t)snap_get_u32(r);
	sk->so_error = (int)snap_get_u32(r);
	snap_get(r, b, sizeof(b));
	sk->reuseaddr = b[0];
	sk->reuseport = b[1];
	sk->v6 = b[2];
	sk->v6only = b[3];
	sk->closed = b[4];
	sk->tos = b[5];
	sk->ttl = b[6];
	sk->rcvbuf_opt = (int)snap_get_u32(r);
	sk->sndbuf_opt = (int)snap_get_u32(r);
	sk->defer_accept = (int)snap_get_u32(r);
}

/**
 * stack_save() - SNAP_T_STACK and SNAP_T_STATS
 * @s:		stack
 * @w:		writer
 */
static void stack_save(struct ae_stack *s, struct snap_w *w)
{
	const struct ae_tcp *t = s->tcp;

	snap_begin(w, SNAP_T_STACK, SNAP_V_STACK);
	snap_put(w, s->cfg.mac, sizeof(s->cfg.mac));
	snap_put_u32(w, s->cfg.addr);
	snap_put_u32(w, s->cfg.prefix_len);
	snap_put_u32(w, s->cfg.mtu);
	snap_put_u64(w, s->rng);
	snap_put_u32(w, s->ip_id);
	snap_put(w, t->isn_key, sizeof(t->isn_key));
	snap_put(w, t->ts_key, sizeof(t->ts_key));
	snap_put(w, t->hash_key, sizeof(t->hash_key));
	snap_put(w, t->cookie_key, sizeof(t->cookie_key));
	snap_put_u32(w, t->port_hint);
	snap_put_u32(w, t->tw_iss);
	snap_put_u32(w, t->tw_iss_set);
	snap_end(w);
	snap_begin(w, SNAP_T_STATS, SNAP_V_STATS);
	snap_put_u32(w, sizeof(s->stats));
	snap_put(w, &s->stats, sizeof(s->stats));
	snap_end(w);
}

/**
 * stack_load() - SNAP_T_STACK and SNAP_T_STATS into a fresh stack
 * @s:		stack (no sockets yet)
 * @r:		reader, the SNAP_T_STACK record current
 *
 * The address, prefix, MAC and MTU must be the writer's: a connection
 * cannot move to another address.
 *
 * Return: 0 or -EBADMSG
 */
static int stack_load(struct ae_stack *s, struct snap_r *r)
{
	struct ae_tcp *t = s->tcp;
	uint8_t mac[sizeof(s->cfg.mac)];
	uint32_t addr, plen, mtu;

	if (r->type != SNAP_T_STACK || r->version != SNAP_V_STACK)
		snap_fail(r);
	snap_get(r, mac, sizeof(mac));
	addr = snap_get_u32(r);
	plen = snap_get_u32(r);
	mtu = snap_get_u32(r);
	if (memcmp(mac, s->cfg.mac, sizeof(mac)) || addr != s->cfg.addr ||
	    plen != s->cfg.prefix_len || mtu != s->cfg.mtu)
		snap_fail(r);
	s->rng = snap_get_u64(r);
	s->ip_id = (uint16_t)snap_get_u32(r);
	snap_get(r, t->isn_key, sizeof(t->isn_key));
	snap_get(r, t->ts_key, sizeof(t->ts_key));
	snap_get(r, t->hash_key, sizeof(t->hash_key));
	snap_get(r, t->cookie_key, sizeof(t->cookie_key));
	t->port_hint = (uint16_t)snap_get_u32(r);
	t->tw_iss = snap_get_u32(r);
	t->tw_iss_set = snap_get_u32(r) != 0;
	if (snap_expect(r, SNAP_T_STATS, SNAP_V_STATS) ||
	    snap_get_u32(r) != sizeof(s->stats))
		snap_fail(r);
	snap_get(r, &s->stats, sizeof(s->stats));
	return r->err;
}

/**
 * ae_snap_save() - write the stack's records
 * @s:		stack, quiet (no entry point running; the owner reads no more
 *		frames from now on)
 * @w:		writer, its header written (snap_header())
 * @ops:	the owner's hooks
 *
 * Return: 0, -EOPNOTSUPP (a ring the owner cannot name), -ENOMEM
 */
int ae_snap_save(struct ae_stack *s, struct snap_w *w,
		 const struct snap_ops *ops)
{
	uint64_t now = stack_now(s);

	stack_save(s, w);
	arp_state_save(s, w, now);
	ipv4_state_save(s, w, now);
	udp_state_save(s, w, ops);
	if (tcp_state_save(s, w, ops, now))
		return -EOPNOTSUPP;
	return w->err;
}

/**
 * ae_snap_load() - read the stack's records into a fresh stack
 * @s:		stack created with the writer's address, MAC and MTU, no socket
 * @r:		reader, the SNAP_T_STACK record current
 * @ops:	the owner's hooks
 *
 * Reads up to the SNAP_T_END record (left current). On failure the stack
 * may hold some of the sockets: the caller destroys it (nothing was sent).
 *
 * Return: 0 or -EBADMSG
 */
int ae_snap_load(struct ae_stack *s, struct snap_r *r,
		 const struct snap_ops *ops)
{
	struct snap_tcp_load ld = { 0 };
	uint64_t now = stack_now(s);
	int ret;

	if (stack_load(s, r))
		return r->err;
	while ((ret = snap_next(r)) == 1 && r->type != SNAP_T_END) {
		switch (r->type) {
		case SNAP_T_ARP:
			arp_state_load(s, r, now);
			break;
		case SNAP_T_FRAG:
			ipv4_state_load(s, r, now);
			break;
		case SNAP_T_UDP:
			udp_state_load(s, r, ops);
			break;
		case SNAP_T_TCP:
			tcp_state_load(s, r, ops, &ld, now);
			break;
		default:
			snap_fail(r);
		}
		if (r->err)
			break;
	}
	if (ret != 1)
		snap_fail(r);
	return tcp_state_finish(s, r, &ld);
}
