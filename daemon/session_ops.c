// SPDX-License-Identifier: MIT
/**
 * DOC: session_ops.c - one handler per request type
 *
 * Theory of operation: sess_dispatch() validates the datagram with
 * ipc_check_request() (size, version, type, payload layout) and calls the
 * handler of its type with the payload copied into an aligned struct. A
 * handler calls the stack, then answers exactly once through sess_reply(),
 * which first publishes the socket's state to shared memory so that the
 * shim sees it as soon as it has the answer. A connection that is not a
 * socket answers socket requests with -EBADF; a socket that was cut off
 * answers -ECONNRESET. Clients can only name their own sockets: a request
 * acts on the socket of the connection it arrived on and nothing else.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "proto.h"
#include "session.h"
#include "shm.h"

/**
 * to_sin() - wire address to sockaddr_in
 * @a:		wire address
 * @sin:	result
 */
static void to_sin(const struct ae_ipc_addr *a, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = a->addr;
	sin->sin_port = a->port;
}

/**
 * from_sin() - sockaddr_in to wire address
 * @sin:	address
 * @a:		result
 */
static void from_sin(const struct sockaddr_in *sin, struct ae_ipc_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->addr = sin->sin_addr.s_addr;
	a->port = sin->sin_port;
}

/**
 * reply_info() - answer with the socket info, and the memfd if @shm
 * @c:		connection
 * @req:	request
 * @result:	result
 * @shm:	attach the current memfd
 *
 * Return: 0 or -errno from sending
 */
static int reply_info(struct sconn *c, const struct ae_ipc_hdr *req,
		      int32_t result, bool shm)
{
	struct ae_ipc_sockinfo info = { .type = c->type };
	int fd, ret;

	if (shm && c->reg) {
		ret = sess_shm_expose(c, c->reg, c->req_uid);
		if (ret)
			return sess_reply(c, req, ret, &info, sizeof(info),
					  NULL, 0, NULL, 0);
		sess_region_info(c->reg, &info);
		fd = sess_region_fd(c->reg);
		return sess_reply(c, req, result, &info, sizeof(info), NULL, 0,
				  &fd, 1);
	}
	return sess_reply(c, req, result, &info, sizeof(info), NULL, 0, NULL, 0);
}

/**
 * follow_rings() - move onto ring memory if the stack created rings
 * @c:		connection
 *
 * Return: true when the connection moved (send the new memfd)
 */
static bool follow_rings(struct sconn *c)
{
	bool moved = false;
	int ret = sess_conn_bind_rings(c, &moved);

	if (ret)
		sess_cutoff(c, -ret);
	if (moved)
		sess_notify(c);
	return moved;
}

/**
 * op_socket() - AE_MSG_SOCKET
 * @c:		connection (not yet a socket)
 * @h:		request
 * @p:		payload
 *
 * Return: 0 or -errno from sending
 */
static int op_socket(struct sconn *c, const struct ae_ipc_hdr *h, const void *p)
{
	struct ae_ipc_socket_req q;
	int err = 0;

	memcpy(&q, p, sizeof(q));
	if (c->sk || c->reg)
		return reply_info(c, h, -EISCONN, false);
	if (q.type != SOCK_STREAM && q.type != SOCK_DGRAM)
		return reply_info(c, h, -EPROTONOSUPPORT, false);
	if (c->cl->user->nsocks >= c->srv->max_sockets) {
		SSTAT(c->srv, emfile);
		return reply_info(c, h, -EMFILE, false);
	}
	err = sess_conn_give_header(c);
	if (err)
		return reply_info(c, h, err, false);
	c->sk = ae_socket(c->srv->d->stack, q.type, &err);
	if (!c->sk) {
		sess_conn_drop_region(c);
		return reply_info(c, h, err ? err : -ENOBUFS, false);
	}
	c->type = q.type;
	c->cl->user->nsocks++;
	c->flags |= SC_COUNTED;
	ae_sock_set_callback(c->sk, sess_sock_cb, c);
	return reply_info(c, h, 0, true);
}

/**
 * op_bind() - AE_MSG_BIND; ports below 1024 need uid 0 or an allow rule
 * @c:		connection
 * @h:		request
 * @p:		payload
 *
 * Return: 0 or -errno from sending
 */
static int op_bind(struct sconn *c, const struct ae_ipc_hdr *h, const void *p)
{
	struct ae_ipc_addr_req q;
	struct sockaddr_in sin;
	uint16_t port;
	int ret;

	memcpy(&q, p, sizeof(q));
	port = ntohs(q.addr.port);
	if (port && port < 1024 && !sess_uid_may_bind_low(c->srv, c->cl->uid)) {
		SSTAT(c->srv, eacces_low_port);
		return sess_reply(c, h, -EACCES, NULL, 0, NULL, 0, NULL, 0);
	}
	to_sin(&q.addr, &sin);
	ret = ae_bind(c->sk, &sin);
	if (ret == -EADDRINUSE && sess_reap_port(c->srv, c, q.addr.port))
		ret = ae_bind(c->sk, &sin);	/* a closed holder is gone now */
	return sess_reply(c, h, ret, NULL, 0, NULL, 0, NULL, 0);
}

/**
 * op_listen() - AE_MSG_LISTEN
 * @c:		connection
 * @h:		request
 * @p:		payload
 *
 * Return: 0 or -errno from sending
 */
static int op_listen(struct sconn *c, const struct ae_ipc_hdr *h, const void *p)
{
	struct ae_ipc_int_req q;
	int ret;

	memcpy(&q, p, sizeof(q));
	if (c->type != SOCK_STREAM)
		return reply_info(c, h, -EOPNOTSUPP, false);
	if (q.val < 0 || q.val > 4096)
		q.val = 4096;
	ret = ae_listen(c->sk, q.val);
	if (!ret) {
		c->flags |= SC_LISTEN;
		sess_listen_count(c, true);
	}
	return reply_info(c, h, ret, false);
}

/**
 * accept_conn() - wrap an accepted stack socket in a new connection
 * @c:		the listener's connection
 * @nsk:	the new socket
 * @fd:		set to the client's end of the new socketpair
 * @nonblock:	make that end O_NONBLOCK (the daemon's end is used with
 *		MSG_DONTWAIT only, so its own mode does not matter)
 *
 * Return: the new connection (published), or NULL (the socket is aborted)
 */
static struct sconn *accept_conn(struct sconn *c, struct ae_sock *nsk, int *fd,
				 bool nonblock)
{
	struct sconn *n;
	bool moved;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
		       (nonblock ? SOCK_NONBLOCK : 0), 0, sv))
		goto err;
	if (sess_pass_creds(sv[0])) {
		close(sv[0]);
		close(sv[1]);
		goto err;
	}
	n = sess_conn_new(c->srv, sv[0], c->cl);
	if (!n) {
		close(sv[0]);
		close(sv[1]);
		goto err;
	}
	n->sk = nsk;
	n->type = SOCK_STREAM;
	n->req_uid = c->req_uid;
	if ((c->flags & SC_FOREIGN) || c->req_uid != c->cl->uid)
		sess_conn_foreign(n);	/* another uid accepts it */
	n->flags |= SC_CONNECTED | SC_OUT_SEEN | SC_COUNTED;
	c->cl->user->nsocks++;
	ae_sock_set_callback(nsk, sess_sock_cb, n);
	if (sess_conn_bind_rings(n, &moved) || (!n->reg &&
						sess_conn_give_header(n))) {
		close(sv[1]);
		sess_cutoff(n, ENOBUFS);
		return NULL;
	}
	sess_publish(n);
	*fd = sv[1];
	return n;
err:
	ae_abort(nsk);
	return NULL;
}

/**
 * accept_limit() - may the listener's uid hold one more connection?
 * @c:		listener connection
 * @count:	count a refusal (ipc.emfile, ipc.enobufs): the program sees it
 *
 * Checked before a connection leaves the backlog, so it is never taken and
 * then reset.
 *
 * Return: 0, -EMFILE or -ENOBUFS
 */
static int accept_limit(struct sconn *c, bool count)
{
	if (c->cl->user->nsocks >= c->srv->max_sockets) {
		if (count)
			SSTAT(c->srv, emfile);
		return -EMFILE;
	}
	if (c->cl->user->mem + c->srv->ring_len_hint > c->srv->max_mem) {
		if (count)
			SSTAT(c->srv, enobufs);
		return -ENOBUFS;
	}
	return 0;
}

/**
 * accept_one() - take one connection off the listener for the client
 * @c:		listener connection
 * @a:		set to its address and memory
 * @fd:		set to the client's end of its backing socketpair
 * @nonblock:	that end O_NONBLOCK
 * @first:	the first of the answer (its refusals are counted)
 *
 * Return: the connection, or NULL with *@fd the -errno (-EAGAIN: none)
 */
static struct sconn *accept_one(struct sconn *c, struct ae_ipc_accept_resp *a,
				int *fd, bool nonblock, bool first)
{
	struct sockaddr_in peer;
	struct ae_sock *nsk = NULL;
	struct sconn *n;
	int ret = accept_limit(c, first);

	if (!ret)
		ret = ae_accept(c->sk, &nsk, &peer);
	if (ret < 0 || !nsk) {
		*fd = ret < 0 ? ret : -EAGAIN;
		return NULL;
	}
	n = accept_conn(c, nsk, fd, nonblock);
	if (!n) {
		*fd = -ENOBUFS;
		return NULL;
	}
	memset(a, 0, sizeof(*a));
	from_sin(&peer, &a->peer);
	a->info.type = SOCK_STREAM;
	ret = sess_shm_expose(n, n->reg, c->req_uid);
	if (ret) {
		close(*fd);
		sess_cutoff(n, ENOBUFS);
		*fd = ret;
		return NULL;
	}
	sess_region_info(n->reg, &a->info);
	return n;
}

/**
 * struct accept_batch - an ACCEPT answer to a batch request, being built
 * @b:		its head
 * @e:		its entries
 * @fds:	the backing fds, then (from @b.n on) the memfds
 * @mem:	the memfds, @b.nmem of them
 */
struct accept_batch {
	struct ae_ipc_accept_batch b;
	struct ae_ipc_accept_ent e[AE_ACCEPT_BATCH];
	int fds[AE_IPC_MAX_FDS];
	int mem[AE_ACCEPT_BATCH];
};

_Static_assert(2 * AE_ACCEPT_BATCH <= AE_IPC_MAX_FDS, "a batch's fds fit");

/**
 * batch_mem() - the index of a memfd in the batch, added if new
 * @ab:		batch
 * @memfd:	the memfd
 *
 * Return: its index
 */
static uint32_t batch_mem(struct accept_batch *ab, int memfd)
{
	uint32_t i;

	for (i = 0; i < ab->b.nmem; i++)
		if (ab->mem[i] == memfd)
			return i;
	ab->mem[ab->b.nmem] = memfd;
	return ab->b.nmem++;
}

/**
 * op_accept_batch() - AE_MSG_ACCEPT for up to @want connections: every
 * one the listener has ready, so a burst costs the program one exchange
 * @c:		listener connection
 * @h:		request
 * @want:	1 to AE_ACCEPT_BATCH
 * @nonblock:	the backing fds are O_NONBLOCK
 *
 * Every connection after the first is marked @queued in its header: the
 * shim keeps it until the program accepts it, and if its backing fd hangs
 * up before that (the process exited, exec'd, closed the listener), it
 * goes back to the listener (sess_requeue()).
 *
 * Return: 0 or -errno from sending
 */
static int op_accept_batch(struct sconn *c, const struct ae_ipc_hdr *h,
			   uint32_t want, bool nonblock)
{
	struct accept_batch ab = { .b = { 0 } };
	struct sconn *n;
	uint32_t i;
	int fd, ret;

	for (i = 0; i < want; i++) {
		n = accept_one(c, &ab.e[i].a, &fd, nonblock, !i);
		if (!n && !i)
			return sess_reply(c, h, fd, NULL, 0, NULL, 0, NULL, 0);
		if (!n)
			break;
		__atomic_store_n(&n->hdr->queued, i ? 1 : 0, __ATOMIC_RELEASE);
		ab.fds[i] = fd;
		ab.e[i].mem = batch_mem(&ab, sess_region_fd(n->reg));
		ab.e[i].flags = nonblock ? AE_ACC_NONBLOCK : 0;
		ab.b.n++;
	}
	if (ab.b.n > 1)
		SSTAT(c->srv, accept_batched);
	memcpy(&ab.fds[ab.b.n], ab.mem, ab.b.nmem * sizeof(int));
	ret = sess_reply(c, h, (int32_t)ab.b.n, &ab.b, sizeof(ab.b), ab.e,
			 ab.b.n * sizeof(ab.e[0]), ab.fds,
			 (int)(ab.b.n + ab.b.nmem));
	for (i = 0; i < ab.b.n; i++)
		close(ab.fds[i]);
	return ret;
}

/**
 * op_accept() - AE_MSG_ACCEPT: new backing fd + memfd by SCM_RIGHTS, or a
 * batch of them (op_accept_batch())
 * @c:		listener connection
 * @h:		request
 * @p:		payload: ae_ipc_int_req
 *
 * Return: 0 or -errno from sending
 */
static int op_accept(struct sconn *c, const struct ae_ipc_hdr *h, const void *p)
{
	struct ae_ipc_accept_resp a;
	struct ae_ipc_int_req q;
	struct sconn *n;
	int ret, fds[2], fd;

	memcpy(&q, p, sizeof(q));
	if (q.val > 0)
		return op_accept_batch(c, h, q.val > AE_ACCEPT_BATCH ?
				       AE_ACCEPT_BATCH : (uint32_t)q.val,
				       q.pad & AE_ACC_NONBLOCK);
	n = accept_one(c, &a, &fd, true, true);
	if (!n)
		return sess_reply(c, h, fd, NULL, 0, NULL, 0, NULL, 0);
	fds[0] = fd;
	fds[1] = sess_region_fd(n->reg);
	ret = sess_reply(c, h, 0, &a, sizeof(a), NULL, 0, fds, 2);
	close(fd);
	return ret;
}

/**
 * listener_of() - a listening connection whose socket serves @c's address
 * @c:		an accepted connection
 *
 * Return: the listener, or NULL (it was closed)
 */
static struct sconn *listener_of(struct sconn *c)
{
	struct sockaddr_in me, l;
	struct sconn *x;

	if (ae_getsockname(c->sk, &me))
		return NULL;
	LIST_FOREACH(x, &c->srv->conns, link) {
		if (!(x->flags & SC_LISTEN) || (x->flags & SC_DEAD) || !x->sk ||
		    ae_getsockname(x->sk, &l) || l.sin_port != me.sin_port)
			continue;
		if (l.sin_addr.s_addr == INADDR_ANY ||
		    l.sin_addr.s_addr == me.sin_addr.s_addr)
			return x;
	}
	return NULL;
}

/**
 * sess_unaccept() - put a connection its program never took (@queued in
 * its header) back first in its listener's accept queue; the connection
 * keeps no socket and no memory, and is cut off (SC_DEAD)
 * @c:		connection
 *
 * Return: 0, -EINVAL (not a queued connection: left alone), or -ENOENT (no
 * listener takes it: left alone, the caller resets it)
 */
int sess_unaccept(struct sconn *c)
{
	struct sconn *l;

	if (!c->sk || !c->hdr || c->type != SOCK_STREAM ||
	    (c->flags & (SC_DEAD | SC_LISTEN)) ||
	    !__atomic_load_n(&c->hdr->queued, __ATOMIC_ACQUIRE))
		return -EINVAL;
	l = listener_of(c);
	ae_sock_set_callback(c->sk, NULL, NULL);
	if (!l || ae_unaccept(l->sk, c->sk)) {
		ae_sock_set_callback(c->sk, sess_sock_cb, c);
		return -ENOENT;
	}
	SSTAT(c->srv, accept_requeued);
	sess_conn_mark(l);
	c->sk = NULL;
	c->flags |= SC_DEAD;
	sess_conn_drop_region(c);
	return 0;
}

/**
 * op_unaccept() - AE_MSG_UNACCEPT: the shim gives back a connection it took
 * ahead (before a fork, so that whichever process accepts next gets it)
 * @c:		connection
 * @h:		request
 *
 * Return: 0 or -errno from sending
 */
static int op_unaccept(struct sconn *c, const struct ae_ipc_hdr *h)
{
	return sess_reply(c, h, sess_unaccept(c), NULL, 0, NULL, 0, NULL, 0);
}

/**
 * op_connect() - AE_MSG_CONNECT
 * @c:		connection
 * @h:		request
 * @p:		payload
 *
 * Return: 0 or -errno from sending
 */
static int op_connect(struct sconn *c, const struct ae_ipc_hdr *h,
		      const void *p)
{
	struct ae_ipc_addr_req q;
	struct sockaddr_in sin;
	bool moved;
	int ret;

	memcpy(&q, p, sizeof(q));
	if (c->flags & SC_CONNECTING)
		return reply_info(c, h, -EALREADY, false);
	to_sin(&q.addr, &sin);
	if (q.addr.pad == AE_ADDR_UNSPEC)
		sin.sin_family = AF_UNSPEC;
	if (q.addr.pad == AE_ADDR_KERNEL_LOOP && ae_loop_unserved(c->sk, &sin)) {
		SSTAT(c->srv, kernel_loop);
		return reply_info(c, h, -EXDEV, false);
	}
	/* its rings are its uid's; a socket several uids use gets fresh ones */
	sess_ring_hint(c->srv, (c->flags & SC_FOREIGN) ? NULL : c->cl->user);
	ret = ae_connect(c->sk, &sin);
	sess_ring_hint(c->srv, NULL);
	if (ret == -EINPROGRESS)
		c->flags |= SC_CONNECTING;
	else if (!ret)
		c->flags |= SC_CONNECTED;
	moved = follow_rings(c);
	if (c->flags & SC_DEAD)		/* rings over the memory limit */
		return reply_info(c, h, -ENOBUFS, false);
	return reply_info(c, h, ret, moved);
}

/**
 * op_shutdown() - AE_MSG_SHUTDOWN (queued data goes before the FIN)
 * @c:		connection
 * @h:		request
 * @p:		payload
 *
 * Return: 0 or -errno from sending
 */
static int op_shutdown(struct sconn *c, const struct ae_ipc_hdr *h,
		       const void *p)
{
	struct ae_ipc_int_req q;
	int ret;

	memcpy(&q, p, sizeof(q));
	if (q.val < SHUT_RD || q.val > SHUT_RDWR)
		return sess_reply(c, h, -EINVAL, NULL, 0, NULL, 0, NULL, 0);
	if (sess_pull(c) || !c->sk)
		return sess_reply(c, h, -ECONNRESET, NULL, 0, NULL, 0, NULL, 0);
	ret = ae_shutdown(c->sk, q.val);
	if (!ret && q.val != SHUT_RD)
		c->flags |= SC_WRSHUT;
	if (!ret && q.val != SHUT_WR)
		c->flags |= SC_RDSHUT;
	return sess_reply(c, h, ret, NULL, 0, NULL, 0, NULL, 0);
}

/**
 * op_name() - GETSOCKNAME / GETPEERNAME
 * @c:		connection
 * @h:		request
 *
 * Return: 0 or -errno from sending
 */
static int op_name(struct sconn *c, const struct ae_ipc_hdr *h)
{
	struct ae_ipc_addr_req a;
	struct sockaddr_in sin;
	int ret;

	memset(&sin, 0, sizeof(sin));
	if (h->type == AE_MSG_GETSOCKNAME)
		ret = ae_getsockname(c->sk, &sin);
	else
		ret = ae_getpeername(c->sk, &sin);
	from_sin(&sin, &a.addr);
	if (ret < 0)
		return sess_reply(c, h, ret, NULL, 0, NULL, 0, NULL, 0);
	return sess_reply(c, h, 0, &a, sizeof(a), NULL, 0, NULL, 0);
}

/**
 * timeo_slot() - where SO_RCVTIMEO / SO_SNDTIMEO are kept
 * @c:		connection
 * @level:	option level
 * @name:	option name
 *
 * Return: the slot, or NULL for other options
 */
static int64_t *timeo_slot(struct sconn *c, int level, int name)
{
	if (level != SOL_SOCKET)
		return NULL;
	if (name == SO_RCVTIMEO)
		return c->rcvtimeo;
	if (name == SO_SNDTIMEO)
		return c->sndtimeo;
	return NULL;
}

/**
 * sockopt_permitted() - Linux's privilege checks of SOL_SOCKET options
 * @c:		connection
 * @o:		option header
 * @val:	its value
 *
 * Without CAP_NET_ADMIN (here: for a uid other than 0), SO_PRIORITY takes
 * 0..6 only (EPERM, sk_set_prio_allowed()) and SO_DEBUG only 0 (EACCES).
 *
 * Return: 0, -EPERM or -EACCES
 */
static int sockopt_permitted(const struct sconn *c,
			     const struct ae_ipc_sockopt *o, const uint8_t *val)
{
	uid_t uid = c->req_uid != (uid_t)-1 ? c->req_uid : c->cl->uid;
	int v;

	if (!uid || o->level != SOL_SOCKET || o->len < sizeof(int))
		return 0;
	memcpy(&v, val, sizeof(v));
	if (o->name == SO_PRIORITY && (v < 0 || v > 6))
		return -EPERM;
	if (o->name == SO_DEBUG && v)
		return -EACCES;
	return 0;
}

/**
 * op_setsockopt() - AE_MSG_SETSOCKOPT
 * @c:		connection
 * @h:		request
 * @p:		payload (option header + value)
 *
 * Return: 0 or -errno from sending
 */
static int op_setsockopt(struct sconn *c, const struct ae_ipc_hdr *h,
			 const void *p)
{
	struct ae_ipc_sockopt o;
	uint8_t val[AE_IPC_MAX_OPTLEN];
	int64_t *slot;
	int ret;

	memcpy(&o, p, sizeof(o));
	memcpy(val, (const uint8_t *)p + sizeof(o), o.len);
	slot = timeo_slot(c, o.level, o.name);
	if (slot) {
		struct timeval tv;

		if (o.len < sizeof(tv))
			return reply_info(c, h, -EINVAL, false);
		memcpy(&tv, val, sizeof(tv));
		slot[0] = tv.tv_sec;
		slot[1] = tv.tv_usec;
		return reply_info(c, h, 0, false);
	}
	ret = sockopt_permitted(c, &o, val);
	if (ret)
		return reply_info(c, h, ret, false);
	if (o.level == SOL_SOCKET && o.name == SO_LINGER &&
	    o.len >= sizeof(struct linger)) {
		struct linger l;

		memcpy(&l, val, sizeof(l));
		if (l.l_onoff && !l.l_linger)
			c->flags |= SC_LINGER0;
		else
			c->flags &= ~SC_LINGER0;
	}
	ret = ae_setsockopt(c->sk, o.level, o.name, val, o.len);
	if (!ret)
		sess_publish_tx_limit(c);
	return reply_info(c, h, ret, follow_rings(c));
}

/**
 * take_error() - read and clear a socket's pending error, wherever it is:
 * still in the stack, or already published to the shared header
 * @c:		connection
 *
 * Return: the error as a negative errno, or 0
 */
static int take_error(struct sconn *c)
{
	int v = ae_sock_error(c->sk);

	if (!v && c->hdr)
		v = -__atomic_exchange_n(&c->hdr->so_error, 0,
					 __ATOMIC_ACQ_REL);
	else if (c->hdr)
		__atomic_store_n(&c->hdr->so_error, 0, __ATOMIC_RELEASE);
	return v > 0 ? -v : v;
}

/**
 * op_getsockopt() - AE_MSG_GETSOCKOPT (SO_ERROR reads and clears)
 * @c:		connection
 * @h:		request
 * @p:		payload
 *
 * Return: 0 or -errno from sending
 */
static int op_getsockopt(struct sconn *c, const struct ae_ipc_hdr *h,
			 const void *p)
{
	struct ae_ipc_sockopt o;
	uint8_t val[AE_IPC_MAX_OPTLEN];
	size_t len;
	int64_t *slot;
	int ret = 0, v;

	memcpy(&o, p, sizeof(o));
	len = o.len;
	slot = timeo_slot(c, o.level, o.name);
	memset(val, 0, sizeof(val));
	if (slot) {
		struct timeval tv = { .tv_sec = slot[0], .tv_usec = slot[1] };

		len = len < sizeof(tv) ? len : sizeof(tv);
		memcpy(val, &tv, len);
	} else if (o.level == SOL_SOCKET && o.name == SO_ERROR) {
		v = -take_error(c);
		if (!v)		/* Linux: then the soft error, cleared too */
			v = -ae_sock_soft_error(c->sk);
		len = len < sizeof(v) ? len : sizeof(v);
		memcpy(val, &v, len);
	} else if (o.level == SOL_SOCKET && o.name == SO_TYPE) {
		v = c->type;
		len = len < sizeof(v) ? len : sizeof(v);
		memcpy(val, &v, len);
	} else {
		ret = ae_getsockopt(c->sk, o.level, o.name, val, &len);
	}
	if (ret < 0)
		return sess_reply(c, h, ret, NULL, 0, NULL, 0, NULL, 0);
	o.len = (uint32_t)(len > AE_IPC_MAX_OPTLEN ? AE_IPC_MAX_OPTLEN : len);
	return sess_reply(c, h, 0, &o, sizeof(o), val, o.len, NULL, 0);
}

/**
 * deliver_local() - hand what was just sent to a peer on this stack over
 * now, and publish the sockets that changed, before the sender is answered
 * @c:		the sender's connection
 */
static void deliver_local(struct sconn *c)
{
	if (ae_stack_deliver_local(c->srv->d->stack))
		sess_publish_dirty(c->srv);
}

/**
 * op_sendto() - AE_MSG_SENDTO (UDP)
 * @c:		connection
 * @h:		request
 * @p:		payload (dgram header + data)
 *
 * Return: 0 or -errno from sending
 */
static int op_sendto(struct sconn *c, const struct ae_ipc_hdr *h, const void *p)
{
	struct ae_dgram_info info = { 0 };
	struct ae_ipc_dgram q;
	struct sockaddr_in sin;
	ssize_t n;

	memcpy(&q, p, sizeof(q));
	if (c->type != SOCK_DGRAM)
		return sess_reply(c, h, -EOPNOTSUPP, NULL, 0, NULL, 0, NULL, 0);
	if (q.set & ~(AE_IPC_DG_TTL | AE_IPC_DG_TOS))
		return sess_reply(c, h, -EINVAL, NULL, 0, NULL, 0, NULL, 0);
	n = take_error(c);	/* a pending ICMP error: Linux's send fails */
	if (n)
		return sess_reply(c, h, (int32_t)n, NULL, 0, NULL, 0, NULL, 0);
	info.ttl = q.ttl;
	info.tos = q.tos;
	info.set = ((q.set & AE_IPC_DG_TTL) ? AE_DG_TTL : 0) |
		   ((q.set & AE_IPC_DG_TOS) ? AE_DG_TOS : 0);
	to_sin(&q.addr, &sin);
	n = ae_sendmsg(c->sk, (const uint8_t *)p + sizeof(q), q.len,
		       q.flags & ~MSG_DONTWAIT, q.addr.port ? &sin : NULL,
		       &info);
	if (n >= 0)
		deliver_local(c);	/* a local peer has it on return */
	return sess_reply(c, h, (int32_t)n, NULL, 0, NULL, 0, NULL, 0);
}

/**
 * op_recvfrom() - AE_MSG_RECVFROM (UDP); the datagram comes back inline
 * @c:		connection
 * @h:		request
 * @p:		payload
 *
 * Return: 0 or -errno from sending
 */
static int op_recvfrom(struct sconn *c, const struct ae_ipc_hdr *h,
		       const void *p)
{
	struct ae_ipc_dgram q, a = { 0 };
	struct ae_dgram_info info = { 0 };
	struct sockaddr_in sin;
	uint8_t *data = c->srv->buf;	/* the request was already copied */
	ssize_t n;

	memcpy(&q, p, sizeof(q));
	if (c->type != SOCK_DGRAM)
		return sess_reply(c, h, -EOPNOTSUPP, NULL, 0, NULL, 0, NULL, 0);
	if (q.len > AE_IPC_MAX_UDP)
		q.len = AE_IPC_MAX_UDP;
	memset(&sin, 0, sizeof(sin));
	n = take_error(c);	/* before data, as Linux */
	if (!n)
		n = ae_recvmsg(c->sk, data, q.len,
			       q.flags & (MSG_PEEK | MSG_TRUNC), &sin, &info);
	if (n < 0)
		return sess_reply(c, h, (int32_t)n, NULL, 0, NULL, 0, NULL, 0);
	from_sin(&sin, &a.addr);
	a.dst = info.dst;
	a.ttl = info.ttl;
	a.tos = info.tos;
	a.set = AE_IPC_DG_TTL | AE_IPC_DG_TOS;
	a.len = (uint32_t)n < q.len ? (uint32_t)n : q.len;
	return sess_reply(c, h, (int32_t)n, &a, sizeof(a), data, a.len, NULL, 0);
}

/**
 * op_flush() - AE_MSG_FLUSH: deliver what a loopback connection's shim
 * wrote (already pulled by sess_dispatch()) to its peer before answering
 * @c:		connection
 * @h:		request
 *
 * The stack queued the segments for local delivery (loopback.c);
 * deliver_local() runs that queue and publishes the peer's header, so the
 * peer's readiness shows the bytes when the sender's send() returns, as
 * Linux's loopback does. Asked only for AE_SS_LOCAL connections: others
 * keep the one-way doorbell.
 *
 * Return: 0 or -errno from sending
 */
static int op_flush(struct sconn *c, const struct ae_ipc_hdr *h)
{
	SSTAT(c->srv, flushes);
	ae_stack_deliver_local(c->srv->d->stack);
	sess_conn_mark(c);
	sess_publish_dirty(c->srv);
	return sess_reply(c, h, 0, NULL, 0, NULL, 0, NULL, 0);
}

/**
 * op_attach() - AE_MSG_ATTACH: the current memfd again
 * @c:		connection
 * @h:		request
 *
 * Return: 0 or -errno from sending
 */
static int op_attach(struct sconn *c, const struct ae_ipc_hdr *h)
{
	if (!c->reg)
		return reply_info(c, h, -EBADF, false);
	return reply_info(c, h, 0, true);
}

/**
 * op_setlimits() - AE_MSG_SETLIMITS (uid 0)
 * @c:		connection
 * @h:		request
 * @p:		payload
 *
 * Return: 0 or -errno from sending
 */
static int op_setlimits(struct sconn *c, const struct ae_ipc_hdr *h,
			const void *p)
{
	struct ae_ipc_limits q;

	memcpy(&q, p, sizeof(q));
	if (c->cl->uid != 0)
		return sess_reply(c, h, -EPERM, NULL, 0, NULL, 0, NULL, 0);
	if (!q.max_sockets || !q.max_mem)
		return sess_reply(c, h, -EINVAL, NULL, 0, NULL, 0, NULL, 0);
	c->srv->max_sockets = q.max_sockets;
	c->srv->max_mem = q.max_mem;
	return sess_reply(c, h, 0, NULL, 0, NULL, 0, NULL, 0);
}

/**
 * needs_socket() - does a request type act on the connection's socket?
 * @type:	request type
 *
 * Return: true for socket operations
 */
static bool needs_socket(unsigned int type)
{
	switch (type) {
	case AE_MSG_SOCKET: case AE_MSG_STATS: case AE_MSG_SOCKETS:
	case AE_MSG_ATTACH: case AE_MSG_DOORBELL: case AE_MSG_SETLIMITS:
	case AE_MSG_ALIVE:
		return false;
	default:
		return true;
	}
}

/**
 * sess_dispatch() - validate one datagram and run its handler
 * @c:		connection
 * @buf:	datagram (srv->buf; copied out by the handlers before reuse)
 * @n:		its size
 *
 * Return: 0, or IPC_CLOSE: garbage, the caller closes the connection (its
 *	   socket was reset)
 */
int sess_dispatch(struct sconn *c, const uint8_t *buf, size_t n)
{
	uint8_t p[sizeof(struct ae_ipc_sockopt) + AE_IPC_MAX_OPTLEN];
	const void *pl = ipc_payload(buf);
	struct ae_ipc_hdr h;
	int ret;

	ret = ipc_check_request(buf, n, &h);
	if (ret == IPC_CLOSE) {
		SSTAT(c->srv, closed_garbage);
		sess_cutoff(c, EPROTO);
		return IPC_CLOSE;
	}
	SSTAT(c->srv, requests);
	if (ret) {
		SSTAT(c->srv, bad_msgs);
		if (h.type == AE_MSG_DOORBELL || h.type == AE_MSG_NOTIFY)
			return 0;
		sess_reply(c, &h, ret, NULL, 0, NULL, 0, NULL, 0);
		return 0;
	}
	if (h.type == AE_MSG_DOORBELL) {
		SSTAT(c->srv, doorbells);
		sess_spin_hot(c);
		if (!sess_pull(c))
			sess_conn_mark(c);
		return 0;
	}
	if (needs_socket(h.type) && (!c->sk || (c->flags & SC_DEAD))) {
		sess_reply(c, &h, (c->flags & SC_DEAD) ? -ECONNRESET : -EBADF,
			   NULL, 0, NULL, 0, NULL, 0);
		return 0;
	}
	if (needs_socket(h.type) && sess_pull(c)) {
		sess_reply(c, &h, -ECONNRESET, NULL, 0, NULL, 0, NULL, 0);
		return 0;
	}
	/* small payloads are copied so handlers may reuse srv->buf */
	if (h.type != AE_MSG_SENDTO)
		memcpy(p, pl, n - sizeof(h) < sizeof(p) ? n - sizeof(h) :
		       sizeof(p));
	switch (h.type) {
	case AE_MSG_SOCKET:	op_socket(c, &h, p); break;
	case AE_MSG_BIND:	op_bind(c, &h, p); break;
	case AE_MSG_LISTEN:	op_listen(c, &h, p); break;
	case AE_MSG_ACCEPT:	op_accept(c, &h, p); break;
	case AE_MSG_CONNECT:	op_connect(c, &h, p); break;
	case AE_MSG_SHUTDOWN:	op_shutdown(c, &h, p); break;
	case AE_MSG_GETSOCKNAME:
	case AE_MSG_GETPEERNAME: op_name(c, &h); break;
	case AE_MSG_SETSOCKOPT:	op_setsockopt(c, &h, p); break;
	case AE_MSG_GETSOCKOPT:	op_getsockopt(c, &h, p); break;
	case AE_MSG_SENDTO:	op_sendto(c, &h, pl); break;
	case AE_MSG_RECVFROM:	op_recvfrom(c, &h, p); break;
	case AE_MSG_FLUSH:	op_flush(c, &h); break;
	case AE_MSG_STATS:	sess_op_stats(c, &h); break;
	case AE_MSG_SOCKETS:	sess_op_sockets(c, &h, p); break;
	case AE_MSG_ATTACH:	op_attach(c, &h); break;
	case AE_MSG_SETLIMITS:	op_setlimits(c, &h, p); break;
	case AE_MSG_ALIVE:	sess_op_alive(c, &h); break;
	case AE_MSG_UNACCEPT:	op_unaccept(c, &h); break;
	case AE_MSG_CLOSE:
		sess_reply(c, &h, 0, NULL, 0, NULL, 0, NULL, 0);
		sess_close_sock(c);
		c->flags |= SC_DEAD;
		break;
	default:
		sess_reply(c, &h, -EOPNOTSUPP, NULL, 0, NULL, 0, NULL, 0);
	}
	return 0;
}
