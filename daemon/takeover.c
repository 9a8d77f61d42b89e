// SPDX-License-Identifier: MIT
/**
 * DOC: takeover.c - live upgrade: a running aetherd hands its TAP, its
 * clients and its whole stack to a new one, and exits
 *
 * Theory of operation. Every aetherd listens, beside its control socket
 * PATH, on PATH.takeover (mode 0600; only its own uid or root may connect).
 * `aetherd --takeover` (same --tap, --addr, --socket) connects there, and
 * the two talk over that stream socket, each message a &struct to_msg
 * header (descriptors ride on it, SCM_RIGHTS) and its payload:
 *
 *   old -> new  OFFER   string version, pid, and why it cannot be handed
 *                       over if it cannot (an alive page made without /proc)
 *   new -> old  GO | REFUSE   a new daemon that cannot read that version
 *                       refuses here: the old one has given nothing up and
 *                       goes on serving
 *   old -> new  FDS...  the TAP, the control socket, the alive page, every
 *                       uid's arena memfd (and the own memfd of a region
 *                       in none), every client connection
 *   old -> new  STATE   the state string (stack/snapshot.h): the host
 *                       record, the impairment links (--impair: their
 *                       PRNGs and held frames), the client side (arenas,
 *                       regions, connections), the stack (TCBs with their
 *                       BBR models, UDP sockets, ARP, counters)
 *   new -> old  ACK | NAK   the new daemon has rebuilt everything, or has
 *                       not (then it exits and the old one goes on)
 *   old -> new  BYE     the old one lets go of the alive page's mutex and
 *                       exits 0, without closing anything; the new one
 *                       locks the mutex and starts its loop
 *
 * No frame is answered twice or by neither: the old daemon stops reading
 * the TAP the moment it starts (the exchange runs inside its loop's
 * callback, which reads nothing else) and never reads it again if it hands
 * over; frames that arrive meanwhile wait in the TAP's queue, which is the
 * same open file in both processes, and the new daemon reads them first.
 * Requests of clients wait likewise in their connections. Until BYE the
 * new daemon runs nothing (its loop has not started), so if anything fails
 * before, the old one resumes where it stopped: nothing has changed.
 *
 * Payload does not move: TCP data lives in the ring regions, which both
 * processes map; UDP datagrams queued in the stack are copied in the
 * string. Times are carried as time left.
 *
 * Socket memory is one memfd per uid, an arena (session_arena.c), and a
 * region is a range of it (a region made before its uid was known may
 * still be a memfd of its own). So an arena record carries the memfd, its
 * uid, its size, how far it was handed out and its free ranges (the old
 * daemon's pooled regions among them: their rings are holes already, and
 * the header page is written anew by whoever takes the range); a region
 * record names its arena and its offset there. The new daemon maps each
 * region at that same offset of that same memfd: the programs, which map
 * their sockets' ranges of the same memfd, see no change, and the
 * incarnation counter goes on from where it was, so that a stale mapping
 * of a reused range still tells it is not its socket. Ranges in neither
 * list (none expected) stay unused until their arena closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "pcap.h"
#include "session.h"
#include "shm.h"
#include "takeover.h"

#define TO_MAGIC	0x4f546541u	/* "AeTO" */
#define TO_TIMEOUT_S	10		/* each step of the exchange */
#define TO_FDS_PER_MSG	200		/* below SCM_MAX_FD (253) */
#define TO_MAX_STATE	(1u << 30)
#define TO_REASON	200

/* the daemon's own records in the state string */
enum {
	SNAP_T_HOST = SNAP_T_OWNER,	/* TAP facts, device counters */
	SNAP_T_SESSION,			/* control socket, alive page, ipc counters */
	SNAP_T_REGION,			/* one memfd region */
	SNAP_T_CONN,			/* one client connection */
	SNAP_T_ARENA,			/* one uid's memfd, its free ranges */
	SNAP_T_IMPAIR,			/* --impair: both links' state and frames */
};
#define SNAP_V_HOST	1
#define SNAP_V_SESSION	2	/* 2: the incarnation counter */
#define SNAP_V_REGION	3	/* 2: arena and offset, sent; 3: ring_off */
#define SNAP_V_CONN	1
#define SNAP_V_ARENA	1
#define SNAP_V_IMPAIR	1
#define TO_NO_FD	UINT32_MAX	/* a region in an arena: no memfd */

enum to_type {
	TO_OFFER = 1, TO_GO, TO_REFUSE, TO_FDS, TO_STATE, TO_ACK, TO_NAK, TO_BYE,
};

/**
 * struct to_msg - one message's header
 * @magic:	TO_MAGIC
 * @type:	enum to_type
 * @len:	payload bytes that follow
 * @nfds:	descriptors attached to this header
 */
struct to_msg {
	uint32_t magic;
	uint32_t type;
	uint32_t len;
	uint32_t nfds;
};

/**
 * struct to_offer - OFFER's payload
 * @version:	the state string's version (snap_version())
 * @pid:	the old daemon
 * @why:	empty, or why this daemon cannot be handed over
 */
struct to_offer {
	uint32_t version;
	uint32_t pid;
	char why[TO_REASON];
};

/**
 * struct fdvec - descriptors gathered for sending, named by index
 * @v:		the descriptors, @n of them
 * @n:		see @v
 * @cap:	allocated
 * @err:	-ENOMEM once growing failed
 */
struct fdvec {
	int *v;
	int n, cap;
	int err;
};

/**
 * fd_add() - add a descriptor to send
 * @f:		vector
 * @fd:		descriptor
 *
 * Return: its index (what the string names it by), or -1
 */
static int fd_add(struct fdvec *f, int fd)
{
	if (f->n == f->cap) {
		int cap = f->cap ? 2 * f->cap : 256;
		int *p = realloc(f->v, (size_t)cap * sizeof(*p));

		if (!p) {
			f->err = -ENOMEM;
			return -1;
		}
		f->v = p;
		f->cap = cap;
	}
	f->v[f->n] = fd;
	return f->n++;
}

/**
 * ms_now() - CLOCK_MONOTONIC in milliseconds, for the lines said
 *
 * Return: milliseconds
 */
static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/**
 * takeover_path() - where the takeover socket of control socket @socket_path is
 * @socket_path: the control socket
 * @buf:	result
 * @len:	its size
 */
void takeover_path(const char *socket_path, char *buf, size_t len)
{
	snprintf(buf, len, "%s.takeover", socket_path);
}

/**
 * to_send() - one message, its descriptors attached to the header
 * @fd:		connection (blocking, with a send timeout)
 * @type:	enum to_type
 * @p:		payload, @len bytes
 * @len:	see @p
 * @fds:	descriptors, @nfds of them
 * @nfds:	at most TO_FDS_PER_MSG
 *
 * Return: 0 or -errno
 */
static int to_send(int fd, uint32_t type, const void *p, size_t len,
		   const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(TO_FDS_PER_MSG * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct to_msg h = { TO_MAGIC, type, (uint32_t)len, (uint32_t)nfds };
	struct iovec iov = { &h, sizeof(h) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	const uint8_t *b = p;
	ssize_t n;

	if (nfds) {
		struct cmsghdr *c;

		m.msg_control = cm.buf;
		m.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	if (sendmsg(fd, &m, MSG_NOSIGNAL) != (ssize_t)sizeof(h))
		return -EIO;
	while (len) {
		n = send(fd, b, len, MSG_NOSIGNAL);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * read_all() - exactly @len bytes
 * @fd:		connection (blocking, with a receive timeout)
 * @p:		destination
 * @len:	count
 *
 * Return: 0, or -errno (-EPIPE at end of stream)
 */
static int read_all(int fd, void *p, size_t len)
{
	uint8_t *b = p;
	ssize_t n;

	while (len) {
		n = recv(fd, b, len, MSG_WAITALL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * take_fds() - the descriptors that came with a header
 * @m:		the received header's msghdr
 * @fds:	appended to, @n so far
 * @n:		count, updated
 * @want:	how many the header says
 *
 * Return: 0, or -EBADMSG when they are not those announced
 */
static int take_fds(struct msghdr *m, int *fds, int *n, uint32_t want)
{
	struct cmsghdr *c;
	uint32_t got = 0;

	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		size_t k, cnt;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < cnt; k++, got++)
			memcpy(&fds[(*n)++], CMSG_DATA(c) + k * sizeof(int),
			       sizeof(int));
	}
	return got == want && !(m->msg_flags & MSG_CTRUNC) ? 0 : -EBADMSG;
}

/**
 * to_recv() - one message: header, descriptors, payload
 * @fd:		connection
 * @h:		the header read
 * @p:		payload, malloc'ed (NULL when empty); the caller frees it
 * @fds:	array of room for TO_FDS_PER_MSG more, or NULL if none expected
 * @nfds:	its count, updated
 *
 * Return: 0 or -errno
 */
static int to_recv(int fd, struct to_msg *h, uint8_t **p, int *fds, int *nfds)
{
	union {
		char buf[CMSG_SPACE(TO_FDS_PER_MSG * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { h, sizeof(*h) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cm.buf,
			    .msg_controllen = sizeof(cm.buf) };
	ssize_t n;
	int ret, dummy = 0;

	*p = NULL;
	do
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(*h))
		return n < 0 ? -errno : -EPIPE;
	if (h->magic != TO_MAGIC || h->nfds > TO_FDS_PER_MSG ||
	    h->len > TO_MAX_STATE || (h->nfds && !fds))
		return -EBADMSG;
	ret = take_fds(&m, fds ? fds : (int[TO_FDS_PER_MSG]){ 0 },
		       nfds ? nfds : &dummy, h->nfds);
	if (ret || !h->len)
		return ret;
	*p = malloc(h->len + 1);
	if (!*p)
		return -ENOMEM;
	(*p)[h->len] = '\0';	/* reasons are read as text */
	return read_all(fd, *p, h->len);
}

/**
 * set_timeouts() - bound every step of the exchange; blocking mode
 * @fd:		connection
 */
static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = TO_TIMEOUT_S };

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* ------------------------------------------------------------------ */
/* the old daemon: writing                                             */
/* ------------------------------------------------------------------ */

/**
 * struct to_out - what the old daemon gathers
 * @d:		daemon
 * @h:		its host side
 * @w:		the state string
 * @fds:	the descriptors it names
 * @nregions:	regions named so far
 * @narenas:	arenas named so far
 */
struct to_out {
	struct aetherd *d;
	struct ae_host *h;
	struct snap_w w;
	struct fdvec fds;
	uint32_t nregions;
	uint32_t narenas;
};

/**
 * why_not() - what makes this daemon impossible to hand over now
 * @d:		daemon
 * @h:		its host side
 *
 * Return: a reason, or NULL
 */
static const char *why_not(const struct aetherd *d, const struct ae_host *h)
{
	(void)h;
	if (d->srv->alive_ro_fd < 0)
		return "its alive page is sealed (no /proc at its start)";
	return NULL;
}

/**
 * save_host() - SNAP_T_HOST: the TAP and the device counters
 * @o:		gathering
 */
static void save_host(struct to_out *o)
{
	const struct tap_info *t = &o->h->tap_info;
	uint8_t b[2] = { t->created, t->vnet_hdr };

	snap_begin(&o->w, SNAP_T_HOST, SNAP_V_HOST);
	snap_put_u32(&o->w, (uint32_t)fd_add(&o->fds, o->h->tap_fd));
	snap_put(&o->w, b, sizeof(b));
	snap_put_u32(&o->w, (uint32_t)t->mtu);
	snap_put_u32(&o->w, t->offload);
	snap_put_u32(&o->w, sizeof(o->h->st));
	snap_put(&o->w, &o->h->st, sizeof(o->h->st));
	snap_end(&o->w);
}

/**
 * save_impair() - SNAP_T_IMPAIR: which directions are impaired, then each
 * link's state and held frames (impair_save())
 * @o:		gathering
 * @now:	the clock of the string's header
 */
static void save_impair(struct to_out *o, uint64_t now)
{
	const struct ae_host *h = o->h;

	snap_begin(&o->w, SNAP_T_IMPAIR, SNAP_V_IMPAIR);
	snap_put_u32(&o->w, (h->impair_rx ? 1u : 0u) | (h->impair_tx ? 2u : 0u));
	if (h->impair_rx)
		impair_save(h->impair_rx, &o->w, now);
	if (h->impair_tx)
		impair_save(h->impair_tx, &o->w, now);
	snap_end(&o->w);
}

/**
 * save_session() - SNAP_T_SESSION: the control socket, the alive page, the
 * ipc counters
 * @o:		gathering
 */
static void save_session(struct to_out *o)
{
	struct session_srv *srv = o->d->srv;

	snap_begin(&o->w, SNAP_T_SESSION, SNAP_V_SESSION);
	snap_put_u32(&o->w, (uint32_t)fd_add(&o->fds, srv->lfd));
	snap_put_u32(&o->w, (uint32_t)fd_add(&o->fds, srv->alive_fd));
	snap_put_u32(&o->w, (uint32_t)fd_add(&o->fds, srv->alive_ro_fd));
	snap_put_u64(&o->w, srv->alive_id);
	snap_put_u64(&o->w, srv->ring_len_hint);
	snap_put_u32(&o->w, srv->next_incarnation);
	snap_put_u32(&o->w, sizeof(srv->stats));
	snap_put(&o->w, &srv->stats, sizeof(srv->stats));
	snap_end(&o->w);
}

/**
 * save_region() - SNAP_T_REGION for @r, once; names it
 * @o:		gathering
 * @r:		region, may be NULL
 *
 * Return: its name, 0 for none
 */
static uint32_t save_region(struct to_out *o, struct shm_region *r)
{
	uint8_t b[4];

	if (!r)
		return 0;
	if (r->snap_id)
		return r->snap_id;
	r->snap_id = ++o->nregions;
	b[0] = r->rings;
	b[1] = r->tagged;
	b[2] = r->poisoned;
	b[3] = r->sent;
	snap_begin(&o->w, SNAP_T_REGION, SNAP_V_REGION);
	snap_put_u32(&o->w, r->snap_id);
	snap_put_u32(&o->w, r->arena ? r->arena->snap_id : 0);
	snap_put_u32(&o->w, r->arena ? TO_NO_FD :
		     (uint32_t)fd_add(&o->fds, r->memfd));
	snap_put_u64(&o->w, r->off);
	snap_put_u64(&o->w, r->map_len);
	snap_put(&o->w, b, sizeof(b));
	snap_put_u32(&o->w, r->ring_off);
	snap_put_u32(&o->w, r->uid);
	snap_put_u32(&o->w, r->rx_size);
	snap_put_u32(&o->w, r->tx_size);
	snap_put_u32(&o->w, r->incarnation);
	snap_put_u64(&o->w, r->charged);
	snap_put_u32(&o->w, r->rx_hi);
	snap_end(&o->w);
	return r->snap_id;
}

/**
 * save_conn() - SNAP_T_CONN: one client connection
 * @o:		gathering
 * @c:		connection, @snap_id set
 */
static void save_conn(struct to_out *o, struct sconn *c)
{
	uint32_t reg = save_region(o, c->reg), ret = save_region(o, c->retired);
	int i;

	snap_begin(&o->w, SNAP_T_CONN, SNAP_V_CONN);
	snap_put_u32(&o->w, c->snap_id);
	snap_put_u32(&o->w, (uint32_t)fd_add(&o->fds, c->fd));
	snap_put_u32(&o->w, (uint32_t)c->cl->pid);
	snap_put_u32(&o->w, c->cl->uid);
	snap_put_u32(&o->w, (uint32_t)c->type);
	snap_put_u32(&o->w, c->flags & ~(SC_DIRTY | SC_FREEING));
	snap_put_u32(&o->w, reg);
	snap_put_u32(&o->w, ret);
	snap_put_u32(&o->w, c->req_uid);
	snap_put(&o->w, c->rcvtimeo, sizeof(c->rcvtimeo));
	snap_put(&o->w, c->sndtimeo, sizeof(c->sndtimeo));
	snap_put_u32(&o->w, (uint32_t)c->pend_len);
	snap_put(&o->w, c->pend, c->pend_len);
	snap_put_u32(&o->w, (uint32_t)c->pend_nfds);
	for (i = 0; i < c->pend_nfds; i++)
		snap_put_u32(&o->w, (uint32_t)fd_add(&o->fds, c->pend_fds[i]));
	snap_end(&o->w);
}

/**
 * put_range() - one free range of an arena record
 * @ctx:	gathering
 * @off:	offset in the arena
 * @len:	bytes
 */
static void put_range(void *ctx, uint64_t off, uint64_t len)
{
	struct to_out *o = ctx;

	snap_put_u64(&o->w, off);
	snap_put_u64(&o->w, len);
}

/**
 * pooled_ranges() - call put_range() (or only count) for the pooled regions
 * of an arena: free ranges for the successor, which keeps no pool
 * @o:		gathering
 * @a:		arena
 * @put:	write them, else count only
 *
 * Return: how many there are
 */
static uint32_t pooled_ranges(struct to_out *o, const struct shm_arena *a,
			      bool put)
{
	struct shm_region *r;
	struct suser *u;
	uint32_t n = 0;

	LIST_FOREACH(u, &o->d->srv->users, link)
		LIST_FOREACH(r, &u->pool, hlink) {
			if (r->arena != a)
				continue;
			if (put)
				put_range(o, r->off,
					  (r->map_len + AE_SHM_HDR_SIZE - 1) &
					  ~(uint64_t)(AE_SHM_HDR_SIZE - 1));
			n++;
		}
	return n;
}

/**
 * save_arenas() - SNAP_T_ARENA for every uid's arena: its memfd, uid, size,
 * how far it was handed out, its free ranges; names them
 * @o:		gathering
 */
static void save_arenas(struct to_out *o)
{
	struct shm_arena *a;

	LIST_FOREACH(a, &o->d->srv->arenas, link) {
		a->snap_id = ++o->narenas;
		snap_begin(&o->w, SNAP_T_ARENA, SNAP_V_ARENA);
		snap_put_u32(&o->w, a->snap_id);
		snap_put_u32(&o->w, (uint32_t)fd_add(&o->fds, a->fd));
		snap_put_u32(&o->w, a->uid);
		snap_put_u64(&o->w, a->size);
		snap_put_u64(&o->w, a->end);
		snap_put_u32(&o->w, (uint32_t)sess_arena_gaps(a, NULL, NULL) +
				    pooled_ranges(o, a, false));
		sess_arena_gaps(a, put_range, o);
		pooled_ranges(o, a, true);
		snap_end(&o->w);
	}
}

/**
 * save_clients() - every arena, every ring region, then every connection
 * @o:		gathering
 */
static void save_clients(struct to_out *o)
{
	struct session_srv *srv = o->d->srv;
	struct shm_region *r;
	struct sconn *c;
	uint32_t id = 0;
	int i;

	for (i = 0; i < SESS_REGION_BUCKETS; i++)
		LIST_FOREACH(r, &srv->regions[i], hlink)
			r->snap_id = 0;
	LIST_FOREACH(c, &srv->conns, link) {
		if (c->reg)
			c->reg->snap_id = 0;
		if (c->retired)
			c->retired->snap_id = 0;
	}
	save_arenas(o);
	for (i = 0; i < SESS_REGION_BUCKETS; i++)
		LIST_FOREACH(r, &srv->regions[i], hlink)
			save_region(o, r);
	LIST_FOREACH(c, &srv->conns, link) {
		c->snap_id = ++id;
		save_conn(o, c);
	}
}

/**
 * out_ring_ref() - the stack's hook: the region of ring memory @mem
 * @ctx:	gathering
 * @mem:	ring memory
 *
 * Return: its name, 0 if it is not in a region
 */
static uint32_t out_ring_ref(void *ctx, const void *mem)
{
	struct to_out *o = ctx;
	struct shm_region *r = sess_region_find(o->d->srv, mem);

	return r ? r->snap_id : 0;
}

/**
 * out_sock_tag() - the stack's hook: the connection owning @sk
 * @ctx:	gathering
 * @sk:		socket
 *
 * Return: the connection's name, 0 for none (not accepted yet, orphaned)
 */
static uint32_t out_sock_tag(void *ctx, struct ae_sock *sk)
{
	struct sconn *c = ae_sock_user(sk);

	(void)ctx;
	return c && c->sk == sk ? c->snap_id : 0;
}

/**
 * build() - the whole state string and its descriptors
 * @o:		gathering, @d and @h set
 *
 * Return: 0 or -errno
 */
static int build(struct to_out *o)
{
	const struct snap_ops ops = { .ctx = o, .ring_ref = out_ring_ref,
				      .sock_tag = out_sock_tag };
	uint64_t now = ae_host_now_ns(o->h);
	int ret;

	sess_publish_dirty(o->d->srv);
	pcap_flush(o->h->pcap);	/* the successor appends to the capture */
	snap_w_init(&o->w);
	snap_header(&o->w, now);
	save_host(o);
	save_impair(o, now);
	save_session(o);
	save_clients(o);
	ret = ae_snap_save(o->d->stack, &o->w, &ops);
	snap_finish(&o->w);
	if (!ret)
		ret = o->w.err ? o->w.err : o->fds.err;
	return ret;
}

/**
 * send_state() - every descriptor, then the string
 * @fd:		connection
 * @o:		what was gathered
 *
 * Return: 0 or -errno
 */
static int send_state(int fd, const struct to_out *o)
{
	int i, n, ret = 0;

	for (i = 0; i < o->fds.n && !ret; i += n) {
		n = o->fds.n - i < TO_FDS_PER_MSG ? o->fds.n - i : TO_FDS_PER_MSG;
		ret = to_send(fd, TO_FDS, NULL, 0, o->fds.v + i, n);
	}
	if (!ret)
		ret = to_send(fd, TO_STATE, o->w.buf, o->w.len, NULL, 0);
	return ret;
}

/**
 * hand_over() - the exchange, old side, on an accepted connection
 * @d:		daemon
 * @h:		its host side
 * @fd:		connection from the new daemon
 * @peer:	its pid (the unit's main process from now on, under systemd)
 *
 * Returns only when the old daemon goes on serving; exits 0 once the new
 * one has taken everything.
 */
static void hand_over(struct aetherd *d, struct ae_host *h, int fd,
		      pid_t peer)
{
	struct to_offer off = { .version = snap_version(),
				.pid = (uint32_t)getpid() };
	struct to_out o = { .d = d, .h = h };
	const char *why = why_not(d, h);
	struct to_msg m = { 0 };
	uint8_t *p = NULL;
	uint64_t t0;
	int ret;

	if (why)
		snprintf(off.why, sizeof(off.why), "%s", why);
	else
		sess_spin_end(d->srv);	/* hot rings ask for doorbells again */
	ret = to_send(fd, TO_OFFER, &off, sizeof(off), NULL, 0);
	if (ret || why)
		goto out;
	ret = to_recv(fd, &m, &p, NULL, NULL);
	if (ret == -EPIPE)
		goto out;	/* closed without a word: `aether upgrade` asking who we are */
	if (ret || m.type != TO_GO) {
		fprintf(stderr, "aetherd: takeover refused by the new aetherd (%s); still serving\n",
			ret ? strerror(-ret) : p ? (char *)p : "no reason");
		goto out;
	}
	t0 = ms_now();
	ret = build(&o);
	if (!ret)
		ret = send_state(fd, &o);
	free(p);
	p = NULL;
	if (!ret)
		ret = to_recv(fd, &m, &p, NULL, NULL);
	if (ret || m.type != TO_ACK) {
		fprintf(stderr, "aetherd: takeover failed (%s); still serving\n",
			ret ? strerror(-ret) : p ? (char *)p : "refused");
		goto out;
	}
	sdn_mainpid(d->notify_fd, peer);	/* before our exit */
	sess_alive_release(d->srv);
	to_send(fd, TO_BYE, NULL, 0, NULL, 0);
	ae_host_close_pcap(h);
	fprintf(stderr, "aetherd: handed over to the new aetherd (%u client connections, %d descriptors, %zu bytes of state; paused %llu ms); exiting\n",
		d->srv->nconns, o.fds.n, o.w.len,
		(unsigned long long)(ms_now() - t0));
	_exit(0);
out:
	if (why)
		fprintf(stderr, "aetherd: takeover asked, but %s; still serving\n",
			why);
	free(p);
	free(o.fds.v);
	snap_w_free(&o.w);
}

/**
 * takeover_io() - a new daemon connects to the takeover socket
 * @ctx:	daemon
 * @events:	epoll events
 */
static void takeover_io(void *ctx, uint32_t events)
{
	struct aetherd *d = ctx;
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int fd;

	(void)events;
	fd = accept4(d->to_lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) ||
	    (uc.uid != 0 && uc.uid != geteuid())) {
		close(fd);
		return;
	}
	set_timeouts(fd);
	hand_over(d, d->host, fd, uc.pid);
	close(fd);
}

/**
 * takeover_listen() - listen on the takeover socket beside the control one
 * @d:		daemon, its control socket served
 * @h:		its host side
 *
 * A leftover file of a daemon that died is replaced: only the daemon
 * serving the control socket gets here.
 *
 * Return: 0 or -errno
 */
int takeover_listen(struct aetherd *d, struct ae_host *h)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ret;

	takeover_path(d->srv->path, sun.sun_path, sizeof(sun.sun_path));
	if (strlen(d->srv->path) + 10 >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(sun.sun_path, 0600) || listen(fd, 4)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	d->to_lfd = fd;
	d->host = h;
	ret = ae_loop_add(d->loop, fd, EPOLLIN, takeover_io, d);
	if (ret) {
		close(fd);
		d->to_lfd = -1;
	}
	return ret;
}

/**
 * takeover_close() - stop listening and remove the takeover socket
 * @d:		daemon
 */
void takeover_close(struct aetherd *d)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

	if (d->to_lfd < 0 || !d->srv)
		return;
	ae_loop_del(d->loop, d->to_lfd);
	close(d->to_lfd);
	d->to_lfd = -1;
	takeover_path(d->srv->path, path, sizeof(path));
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* the new daemon: reading                                             */
/* ------------------------------------------------------------------ */

/**
 * takeover_refuse() - tell the old daemon no (it goes on serving)
 * @in:		what was received
 * @why:	reason, one line
 */
void takeover_refuse(struct takeover_in *in, const char *why)
{
	if (in->fd >= 0)
		to_send(in->fd, in->blob ? TO_NAK : TO_REFUSE, why,
			strlen(why), NULL, 0);
}

/**
 * in_fd() - the received descriptor the string names @idx
 * @in:		what was received
 * @r:		reader (fails on a bad index)
 * @idx:	index
 *
 * Return: the descriptor, or -1
 */
static int in_fd(struct takeover_in *in, struct snap_r *r, uint32_t idx)
{
	if (idx >= (uint32_t)in->nfds || in->fds[idx] < 0) {
		snap_fail(r);
		return -1;
	}
	return in->fds[idx];
}

/**
 * read_host() - SNAP_T_HOST, right after the header
 * @in:		what was received, @r at the header
 *
 * Return: 0 or -EBADMSG
 */
static int read_host(struct takeover_in *in)
{
	struct snap_r *r = &in->r;
	uint64_t then;
	uint8_t b[2];

	if (snap_read_header(r, &then) ||
	    snap_expect(r, SNAP_T_HOST, SNAP_V_HOST))
		return -EBADMSG;
	in->tap_fd = in_fd(in, r, snap_get_u32(r));
	snap_get(r, b, sizeof(b));
	in->tap.created = b[0];
	in->tap.vnet_hdr = b[1];
	in->tap.mtu = (int)snap_get_u32(r);
	in->tap.offload = snap_get_u32(r);
	if (snap_get_u32(r) != sizeof(in->st))
		snap_fail(r);
	snap_get(r, &in->st, sizeof(in->st));
	return r->err;
}

/**
 * receive() - descriptors and the string, then their checks
 * @in:		what is received
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0 or -errno
 */
static int receive(struct takeover_in *in, char *err, size_t errlen)
{
	struct to_msg m = { 0 };
	uint8_t *p;
	int ret, cap = 0;

	for (;;) {
		if (in->nfds + TO_FDS_PER_MSG > cap) {
			int *v = realloc(in->fds, (size_t)(cap + 4096) * sizeof(int));

			if (!v)
				return -ENOMEM;
			in->fds = v;
			cap += 4096;
		}
		ret = to_recv(in->fd, &m, &p, in->fds, &in->nfds);
		if (ret || m.type != TO_FDS)
			break;
	}
	if (!ret && m.type != TO_STATE)
		ret = -EBADMSG;
	if (ret) {
		free(p);
		snprintf(err, errlen, "receiving the state: %s", strerror(-ret));
		return ret;
	}
	in->blob = p;
	in->len = m.len;
	ret = snap_verify(in->blob, in->len);
	snap_r_init(&in->r, in->blob, in->len);
	if (!ret)
		ret = read_host(in);
	if (ret)
		snprintf(err, errlen, "the state string is not valid (%s)",
			 strerror(-ret));
	return ret;
}

/**
 * connect_to() - connect to the running daemon's takeover socket
 * @socket_path: its control socket
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Return: the connection, or -errno
 */
static int connect_to(const char *socket_path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, e;

	takeover_path(socket_path, sun.sun_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		e = errno;
		snprintf(err, errlen, "no aetherd to take over at %s: %s",
			 sun.sun_path, strerror(e));
		close(fd);
		return -e;
	}
	set_timeouts(fd);
	return fd;
}

/**
 * takeover_connect() - ask the running daemon for everything: offer,
 * version check (refused here if this daemon cannot read it), descriptors,
 * state string, checked
 * @socket_path: the control socket both serve
 * @in:		filled
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0, or -errno (-EPROTO: another string version; refused, and
 * the old daemon goes on serving)
 */
int takeover_connect(const char *socket_path, struct takeover_in *in,
		     char *err, size_t errlen)
{
	struct to_offer *off;
	struct to_msg m = { 0 };
	uint8_t *p;
	int ret;

	memset(in, 0, sizeof(*in));
	in->tap_fd = -1;
	in->t0 = ms_now();
	in->fd = connect_to(socket_path, err, errlen);
	if (in->fd < 0)
		return in->fd;
	ret = to_recv(in->fd, &m, &p, NULL, NULL);
	if (!ret && (m.type != TO_OFFER || m.len != sizeof(*off)))
		ret = -EBADMSG;
	if (ret) {
		free(p);
		snprintf(err, errlen, "no offer from the running aetherd: %s",
			 strerror(-ret));
		return ret;
	}
	off = (struct to_offer *)p;
	off->why[sizeof(off->why) - 1] = '\0';
	in->old_pid = (int)off->pid;
	if (off->why[0]) {
		snprintf(err, errlen, "the running aetherd (pid %d) cannot be taken over: %s",
			 in->old_pid, off->why);
		free(p);
		return -EOPNOTSUPP;
	}
	if (off->version != snap_version()) {
		snprintf(err, errlen, "the running aetherd (pid %d) offers state version %u, this aetherd reads version %u: refused, it goes on serving",
			 in->old_pid, off->version, snap_version());
		free(p);
		takeover_refuse(in, err);
		return -EPROTO;
	}
	free(p);
	ret = to_send(in->fd, TO_GO, NULL, 0, NULL, 0);
	if (!ret)
		ret = receive(in, err, errlen);
	else
		snprintf(err, errlen, "takeover: %s", strerror(-ret));
	return ret;
}

/**
 * struct to_load - the new daemon's tables while it reads the string
 * @d:		daemon
 * @in:		what was received
 * @arenas:	arenas by name (1-based), @narenas
 * @narenas:	see @arenas
 * @regions:	regions by name (1-based), @nregions
 * @nregions:	see @regions
 * @conns:	connections by name (1-based), @nconns
 * @nconns:	see @conns
 */
struct to_load {
	struct aetherd *d;
	struct takeover_in *in;
	struct shm_arena **arenas;
	uint32_t narenas;
	struct shm_region **regions;
	uint32_t nregions;
	struct sconn **conns;
	uint32_t nconns;
};

/**
 * grow() - make room for name @id in a table of pointers
 * @tab:	the table
 * @n:		its length, updated
 * @id:		the name (1-based)
 *
 * Return: 0 or -ENOMEM
 */
static int grow(void ***tab, uint32_t *n, uint32_t id)
{
	void **t;

	if (id <= *n)
		return 0;
	t = realloc(*tab, (size_t)id * sizeof(*t));
	if (!t)
		return -ENOMEM;
	memset(t + *n, 0, (size_t)(id - *n) * sizeof(*t));
	*tab = t;
	*n = id;
	return 0;
}

/**
 * load_session() - SNAP_T_SESSION: serve on the control socket, adopt the
 * alive page
 * @l:		tables
 * @r:		reader, the record current
 */
static void load_session(struct to_load *l, struct snap_r *r)
{
	struct session_srv *srv;
	int lfd, afd, rofd;
	uint64_t id;

	lfd = in_fd(l->in, r, snap_get_u32(r));
	afd = in_fd(l->in, r, snap_get_u32(r));
	rofd = in_fd(l->in, r, snap_get_u32(r));
	id = snap_get_u64(r);
	if (r->err || session_adopt(l->d, lfd) ||
	    sess_alive_adopt(l->d->srv, afd, rofd, id)) {
		snap_fail(r);
		return;
	}
	srv = l->d->srv;
	srv->ring_len_hint = (size_t)snap_get_u64(r);
	srv->next_incarnation = snap_get_u32(r);
	if (snap_get_u32(r) != sizeof(srv->stats))
		snap_fail(r);
	snap_get(r, &srv->stats, sizeof(srv->stats));
}

/**
 * load_arena() - SNAP_T_ARENA: adopt a uid's memfd as it is, with its free
 * ranges
 * @l:		tables
 * @r:		reader, the record current
 */
static void load_arena(struct to_load *l, struct snap_r *r)
{
	uint32_t id = snap_get_u32(r), n, i;
	int fd = in_fd(l->in, r, snap_get_u32(r));
	uid_t uid = snap_get_u32(r);
	uint64_t size = snap_get_u64(r), end = snap_get_u64(r), off;
	struct shm_arena *a;

	n = snap_get_u32(r);
	/* names are given in order, so the table grows by one each time */
	if (r->err || id != l->narenas + 1 ||
	    grow((void ***)&l->arenas, &l->narenas, id)) {
		snap_fail(r);
		return;
	}
	a = sess_arena_adopt(l->d->srv, fd, uid, size, end);
	if (!a) {
		snap_fail(r);
		return;
	}
	l->arenas[id - 1] = a;
	for (i = 0; i < n && !r->err; i++) {
		off = snap_get_u64(r);
		if (sess_arena_adopt_gap(a, off, snap_get_u64(r)))
			snap_fail(r);
	}
}

/**
 * load_region() - SNAP_T_REGION: map the region where it was (the same
 * range of the same arena, or its own memfd received)
 * @l:		tables
 * @r:		reader, the record current
 */
static void load_region(struct to_load *l, struct snap_r *r)
{
	uint32_t id = snap_get_u32(r), aid = snap_get_u32(r);
	uint32_t fdi = snap_get_u32(r);
	uint64_t off = snap_get_u64(r), len = snap_get_u64(r);
	struct shm_arena *a = NULL;
	struct shm_region *reg;
	uint32_t ring_off;
	int fd = -1;
	uint8_t b[4];

	snap_get(r, b, sizeof(b));
	ring_off = r->version >= 3 ? snap_get_u32(r) : AE_SHM_HDR_SIZE;
	if (aid && aid <= l->narenas)
		a = l->arenas[aid - 1];
	else if (!aid)
		fd = in_fd(l->in, r, fdi);
	if (r->err || (aid && !a) || id != l->nregions + 1 ||
	    grow((void ***)&l->regions, &l->nregions, id)) {
		snap_fail(r);
		return;
	}
	reg = sess_region_adopt(l->d->srv, a, fd, off, (size_t)len, b[0],
				ring_off);
	if (!reg) {
		snap_fail(r);
		return;
	}
	reg->tagged = b[1];
	reg->poisoned = b[2];
	reg->sent = b[3];
	reg->uid = snap_get_u32(r);
	reg->rx_size = snap_get_u32(r);
	reg->tx_size = snap_get_u32(r);
	reg->incarnation = snap_get_u32(r);
	reg->charged = snap_get_u64(r);
	reg->rx_hi = snap_get_u32(r);	/* an older daemon's rx_mark: an index,
					 * taken as "all of it" (shm_idle_span()
					 * clamps it to the ring) */
	if ((uint64_t)reg->rx_size + reg->tx_size + AE_SHM_HDR_SIZE > len &&
	    reg->rings)
		snap_fail(r);
	l->regions[id - 1] = reg;
}

/**
 * region_of() - the region named @id (0: none)
 * @l:		tables
 * @r:		reader (fails on an unknown name)
 * @id:		name
 *
 * Return: the region or NULL
 */
static struct shm_region *region_of(struct to_load *l, struct snap_r *r,
				    uint32_t id)
{
	if (!id)
		return NULL;
	if (id > l->nregions || !l->regions[id - 1]) {
		snap_fail(r);
		return NULL;
	}
	return l->regions[id - 1];
}

/**
 * conn_accounts() - a loaded connection's share of its uid's limits
 * @c:		connection, flags and region set
 */
static void conn_accounts(struct sconn *c)
{
	bool listening = c->flags & SC_LCOUNTED;

	if (c->flags & SC_COUNTED)
		c->cl->user->nsocks++;
	if (c->reg)
		c->cl->user->mem += c->reg->charged;
	c->flags &= ~SC_LCOUNTED;
	if (listening)
		sess_listen_count(c, true);
}

/**
 * conn_pending() - a response the old daemon had parked, and its fds
 * @l:		tables
 * @r:		reader
 * @c:		connection
 */
static void conn_pending(struct to_load *l, struct snap_r *r, struct sconn *c)
{
	uint32_t len = snap_get_u32(r), n, i;

	if (len > AE_IPC_MAX_MSG + 512) {
		snap_fail(r);
		return;
	}
	if (len) {
		c->pend = malloc(len);
		if (!c->pend) {
			snap_fail(r);
			return;
		}
		snap_get(r, c->pend, len);
		c->pend_len = len;
	}
	n = snap_get_u32(r);
	if (n > AE_IPC_MAX_FDS)
		snap_fail(r);
	for (i = 0; i < n && !r->err; i++)
		c->pend_fds[c->pend_nfds++] = in_fd(l->in, r, snap_get_u32(r));
	if ((c->flags & SC_BLOCKED) && !r->err)
		ae_loop_mod(l->d->loop, c->fd, EPOLLOUT);
}

/**
 * load_conn() - SNAP_T_CONN: a client connection, served from now on
 * @l:		tables
 * @r:		reader, the record current
 */
static void load_conn(struct to_load *l, struct snap_r *r)
{
	struct session_srv *srv = l->d->srv;
	uint32_t id = snap_get_u32(r), uid, reg, ret;
	int fd = in_fd(l->in, r, snap_get_u32(r));
	struct sclient *cl;
	struct sconn *c;
	pid_t pid;

	pid = (pid_t)snap_get_u32(r);
	uid = snap_get_u32(r);
	if (r->err || !id || id > (uint32_t)l->in->nfds ||
	    grow((void ***)&l->conns, &l->nconns, id) || l->conns[id - 1]) {
		snap_fail(r);
		return;
	}
	cl = client_get(srv, pid, uid);
	c = cl ? sess_conn_new(srv, fd, cl) : NULL;
	if (cl)
		client_put(srv, cl);
	if (!c) {
		snap_fail(r);
		return;
	}
	l->conns[id - 1] = c;
	c->type = (int)snap_get_u32(r);
	c->flags = snap_get_u32(r);
	reg = snap_get_u32(r);
	ret = snap_get_u32(r);
	c->reg = region_of(l, r, reg);
	c->retired = region_of(l, r, ret);
	c->req_uid = snap_get_u32(r);
	snap_get(r, c->rcvtimeo, sizeof(c->rcvtimeo));
	snap_get(r, c->sndtimeo, sizeof(c->sndtimeo));
	if (c->reg) {
		c->reg->owner = c;
		c->hdr = (struct ae_shm_hdr *)c->reg->base;
		/* the edge count goes on from what the old daemon published
		 * (all of it: build() published first); from 0 it could come
		 * back to the value a program saw last and hide an edge */
		c->in_ev = shm_load(&c->hdr->in_seq);
	}
	conn_pending(l, r, c);
	conn_accounts(c);
	sess_conn_mark(c);
}

/**
 * in_ring_mem() - the stack's hook: the ring memory of region @ref
 * @ctx:	tables
 * @ref:	region name
 * @len:	ring bytes the TCB expects
 *
 * Return: the memory, or NULL
 */
static void *in_ring_mem(void *ctx, uint32_t ref, size_t len)
{
	struct to_load *l = ctx;
	struct shm_region *r;

	if (!ref || ref > l->nregions || !(r = l->regions[ref - 1]) ||
	    !r->rings || r->map_len != AE_SHM_HDR_SIZE + len)
		return NULL;
	return sess_ring0(r);
}

/**
 * in_sock_attach() - the stack's hook: socket @sk belongs to connection @tag
 * @ctx:	tables
 * @tag:	connection name
 * @sk:		socket
 *
 * Return: 0, or -EINVAL for an unknown or taken connection
 */
static int in_sock_attach(void *ctx, uint32_t tag, struct ae_sock *sk)
{
	struct to_load *l = ctx;
	struct sconn *c;

	if (tag > l->nconns || !(c = l->conns[tag - 1]) || c->sk)
		return -EINVAL;
	c->sk = sk;
	ae_sock_set_callback(sk, sess_sock_cb, c);
	return 0;
}

/**
 * load_impair() - SNAP_T_IMPAIR into the links this daemon made from its own
 * --impair: the same spec must be impaired the same ways (a direction the
 * old daemon did not impair starts fresh here)
 * @h:		host side, its links made (setup_impair())
 * @r:		reader, past the host record
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0, -EINVAL (another --impair), -EBADMSG
 */
static int load_impair(struct ae_host *h, struct snap_r *r, char *err,
		       size_t errlen)
{
	uint64_t now = ae_host_now_ns(h);
	uint32_t dirs;
	int ret = 0;

	if (snap_expect(r, SNAP_T_IMPAIR, SNAP_V_IMPAIR))
		return r->err;
	dirs = snap_get_u32(r);
	if (((dirs & 1) && !h->impair_rx) || ((dirs & 2) && !h->impair_tx))
		ret = -EINVAL;
	if (!ret && (dirs & 1))
		ret = impair_load(h->impair_rx, r, now);
	if (!ret && (dirs & 2))
		ret = impair_load(h->impair_tx, r, now);
	if (ret == -EINVAL)
		snprintf(err, errlen, "the running aetherd impairs its link otherwise (give this one the same --impair)");
	return ret;
}

/**
 * load_clients() - the session records, up to the stack's first
 * @l:		tables
 * @r:		reader, past the host record
 *
 * Return: 0 or -EBADMSG, with the stack's first record current
 */
static int load_clients(struct to_load *l, struct snap_r *r)
{
	if (snap_expect(r, SNAP_T_SESSION, SNAP_V_SESSION))
		return r->err;
	load_session(l, r);
	while (!r->err && snap_next(r) == 1) {
		if (r->type == SNAP_T_ARENA && r->version == SNAP_V_ARENA)
			load_arena(l, r);
		else if (r->type == SNAP_T_REGION &&
			 (r->version == SNAP_V_REGION || r->version == 2))
			load_region(l, r);
		else if (r->type == SNAP_T_CONN && r->version == SNAP_V_CONN)
			load_conn(l, r);
		else if (r->type >= SNAP_T_OWNER)
			snap_fail(r);
		else
			break;
	}
	return r->err;
}

/**
 * takeover_restore() - rebuild the clients and the stack from the string
 * @d:		daemon, its stack created (no socket), its loop not running
 * @h:		host side (the device counters are carried)
 * @in:		what was received
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0, or -errno (then the caller refuses and exits: nothing of
 * what was built has been used)
 */
int takeover_restore(struct aetherd *d, struct ae_host *h,
		     struct takeover_in *in, char *err, size_t errlen)
{
	struct to_load l = { .d = d, .in = in };
	const struct snap_ops ops = { .ctx = &l, .ring_mem = in_ring_mem,
				      .sock_attach = in_sock_attach };
	struct snap_r *r = &in->r;
	int ret;

	*err = '\0';
	ret = load_impair(h, r, err, errlen);
	if (!ret)
		ret = load_clients(&l, r);
	if (!ret)
		sess_arenas_adopted(d->srv);
	if (!ret)
		ret = ae_snap_load(d->stack, r, &ops);
	free(l.arenas);
	free(l.regions);
	free(l.conns);
	if (ret) {
		if (!*err)
			snprintf(err, errlen, "the state cannot be restored (record type %u at offset %zu)",
				 r->type, r->off);
		return ret;
	}
	h->st = in->st;
	return 0;
}

/**
 * takeover_commit() - tell the old daemon we have it all, wait for it to
 * let go, then hold the alive page
 * @d:		daemon, restored
 * @in:		what was received (freed)
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0, or -errno (the old daemon did not let go: it goes on serving
 * and we must exit without running)
 */
int takeover_commit(struct aetherd *d, struct takeover_in *in, char *err,
		    size_t errlen)
{
	struct to_msg m = { 0 };
	uint8_t *p = NULL;
	int ret;

	ret = to_send(in->fd, TO_ACK, NULL, 0, NULL, 0);
	if (!ret)
		ret = to_recv(in->fd, &m, &p, NULL, NULL);
	free(p);
	if (!ret && m.type != TO_BYE)
		ret = -EBADMSG;
	if (ret) {
		snprintf(err, errlen, "the old aetherd did not let go (%s); it goes on serving",
			 strerror(-ret));
		return ret;
	}
	sess_alive_hold(d->srv);
	fprintf(stderr, "aetherd: took over from pid %d in %llu ms: %u client connections, %u TCP connections open\n",
		in->old_pid, (unsigned long long)(ms_now() - in->t0),
		d->srv->nconns, ae_stack_open_conns(d->stack));
	close(in->fd);
	in->fd = -1;
	free(in->blob);
	free(in->fds);
	in->blob = NULL;
	in->fds = NULL;
	return 0;
}
