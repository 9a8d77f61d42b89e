// SPDX-License-Identifier: MIT
/**
 * DOC: sock.c - control operations: socket, bind, listen, accept, connect
 *
 * Each call is one request/response exchange with the daemon
 * (aec_request()); what the answer carries (a memfd, a backing fd of an
 * accepted socket, an error) is taken into the struct aec_sock. Blocking
 * ones (accept, connect) sleep in aec_wait() on the socket's readiness
 * (ready.c) between attempts. See conn.c for the library's theory of
 * operation.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"

/**
 * aec_socket() - create an Aether socket
 * @type:	SOCK_STREAM / SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC
 * @err:	-errno on failure
 *
 * Return: socket or NULL
 */
struct aec_sock *aec_socket(int type, int *err)
{
	struct ae_ipc_socket_req q = { .type = type & 0xf };
	struct aec_sock *s;
	int fd, ret;

	if (q.type != SOCK_STREAM && q.type != SOCK_DGRAM) {
		*err = -EPROTONOSUPPORT;
		return NULL;
	}
	fd = aec_dial(type & SOCK_CLOEXEC);
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	s = aec_new(fd, q.type);
	if (!s) {
		sys_close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	ret = aec_simple(s, AE_MSG_SOCKET, &q, sizeof(q));
	if (ret >= 0 && !s->shm)
		ret = -EPROTO;
	if (ret >= 0 && (type & SOCK_NONBLOCK))
		ret = sys_fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR);
	if (ret < 0) {
		aec_close_local(s, 1);
		*err = ret;
		return NULL;
	}
	return s;
}

/**
 * aec_attach() - adopt an inherited or received backing fd
 * @fd:		the fd
 * @err:	-errno on failure
 *
 * Return: socket or NULL
 */
struct aec_sock *aec_attach(int fd, int *err)
{
	uint8_t buf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_sockinfo)];
	struct aec_rsp r = { .buf = buf, .cap = sizeof(buf) };
	struct ae_ipc_sockinfo info;
	struct aec_sock *s;
	int ret;

	s = aec_new(fd, 0);
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	ret = aec_request(s, AE_MSG_ATTACH, NULL, 0, NULL, 0, &r, 0);
	close_fds(&r);
	if (ret >= 0 && r.len >= sizeof(buf)) {
		memcpy(&info, buf + sizeof(struct ae_ipc_hdr), sizeof(info));
		s->type = info.type;
	}
	if (ret >= 0 && !s->shm)
		ret = -EPROTO;
	if (ret < 0) {
		aec_free(s);
		*err = ret == -EBADF ? -ENOTSOCK : ret;
		return NULL;
	}
	return s;
}

/**
 * aec_daemon_pid() - the daemon's pid, from SO_PEERCRED of a control link
 *
 * Return: pid, or 0 when no daemon answers
 */
static pid_t aec_daemon_pid(void)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int fd = aec_dial(true);

	if (fd < 0)
		return 0;
	if (sys_getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len))
		uc.pid = 0;
	sys_close(fd);
	return uc.pid;
}

/**
 * aec_is_backing_fd() - AF_UNIX SEQPACKET whose peer is the daemon?
 * @fd:		any fd
 *
 * Return: 1 or 0
 */
int aec_is_backing_fd(int fd)
{
	static pid_t cached;
	struct ucred uc;
	socklen_t len = sizeof(int);
	int v;

	if (sys_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) || v != AF_UNIX)
		return 0;
	len = sizeof(int);
	if (sys_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) ||
	    v != SOCK_SEQPACKET)
		return 0;
	len = sizeof(uc);
	if (sys_getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) || !uc.pid)
		return 0;
	if (uc.pid == __atomic_load_n(&cached, __ATOMIC_RELAXED))
		return 1;
	__atomic_store_n(&cached, aec_daemon_pid(), __ATOMIC_RELAXED);
	return uc.pid == __atomic_load_n(&cached, __ATOMIC_RELAXED);
}

/**
 * aec_atfork_child() - in a child of fork(): locks held by threads of the
 * parent that do not exist here are made fresh
 * @s:		socket
 */
void aec_atfork_child(struct aec_sock *s)
{
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->rlock, NULL);
	pthread_mutex_init(&s->wlock, NULL);
	s->fd_users = 0;
	if (s->acq) {	/* the parent keeps the originals: close our copies */
		pthread_mutex_init(&s->acq->lock, NULL);
		aec_acq_drop(s);
	}
}

/**
 * aec_set_fd() - talk on (and sleep on) another backing fd of the socket
 * @s:		socket
 * @fd:		a dup of the current backing fd
 *
 * Requests and drains hold @s->lock while they use the fd, doorbells count
 * themselves in @s->fd_users: when this returns, nothing uses the old fd
 * any more and the caller may close it.
 */
void aec_set_fd(struct aec_sock *s, int fd)
{
	pthread_mutex_lock(&s->lock);
	__atomic_store_n(&s->fd, fd, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&s->fd_users, __ATOMIC_SEQ_CST))
		sched_yield();
	pthread_mutex_unlock(&s->lock);
}

/**
 * aec_close_local() - forget a socket in this process
 * @s:		socket, may be NULL
 * @close_fd:	also close the backing fd
 */
void aec_close_local(struct aec_sock *s, int close_fd)
{
	if (!s)
		return;
	if (close_fd)
		sys_close(s->fd);
	aec_free(s);
}

/**
 * addr_to_ipc() - a sockaddr_in as the wire carries it
 * @sin:	address
 * @a:		wire address
 *
 * Return: 0, or -EAFNOSUPPORT / -EFAULT
 */
int addr_to_ipc(const struct sockaddr_in *sin, struct ae_ipc_addr *a)
{
	if (!sin)
		return -EFAULT;
	if (sin->sin_family != AF_INET && sin->sin_family != AF_UNSPEC)
		return -EAFNOSUPPORT;
	a->addr = sin->sin_addr.s_addr;
	a->port = sin->sin_port;
	a->pad = sin->sin_family == AF_UNSPEC ? AE_ADDR_UNSPEC : 0;
	return 0;
}

/**
 * ipc_to_addr() - wire address to sockaddr_in
 * @a:		wire address
 * @sin:	result, may be NULL
 */
void ipc_to_addr(const struct ae_ipc_addr *a, struct sockaddr_in *sin)
{
	if (!sin)
		return;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = a->addr;
	sin->sin_port = a->port;
}

/**
 * aec_bind() - bind
 * @s:		socket
 * @addr:	local address
 *
 * Return: 0 or -errno
 */
int aec_bind(struct aec_sock *s, const struct sockaddr_in *addr)
{
	struct ae_ipc_addr_req q = { 0 };
	int ret = addr_to_ipc(addr, &q.addr);

	if (ret)
		return ret;
	q.addr.pad = 0;
	return aec_simple(s, AE_MSG_BIND, &q, sizeof(q));
}

/**
 * aec_listen() - listen
 * @s:		socket
 * @backlog:	accept queue bound
 *
 * Return: 0 or -errno
 */
int aec_listen(struct aec_sock *s, int backlog)
{
	struct ae_ipc_int_req q = { .val = backlog };

	return aec_simple(s, AE_MSG_LISTEN, &q, sizeof(q));
}

/**
 * acq_give_back() - close a connection taken ahead: its daemon end hangs
 * up with @queued still set, and the daemon puts it back on its listener
 * for whichever process accepts next (the kernel's queue would have kept
 * it); with no listener left it is reset
 * @e:		entry
 */
static void acq_give_back(struct aec_acq_ent *e)
{
	aec_close_local(e->s, 1);
	e->s = NULL;
}

/**
 * aec_acq_drop() - give back every connection a listener took ahead (the
 * process forgets the listener, or a child of fork() drops its copies
 * while the parent keeps the originals)
 * @s:		listener
 */
void aec_acq_drop(struct aec_sock *s)
{
	struct aec_acq *q = s->acq;
	int i;

	if (!q)
		return;
	for (i = 0; i < q->n; i++)
		acq_give_back(&q->e[i]);
	q->n = 0;
	__atomic_store_n(&s->acq_n, 0, __ATOMIC_RELEASE);
}

/**
 * aec_acq_free() - aec_acq_drop(), then free the queue
 * @s:		listener
 */
void aec_acq_free(struct aec_sock *s)
{
	if (!s->acq)
		return;
	aec_acq_drop(s);
	pthread_mutex_destroy(&s->acq->lock);
	free(s->acq);
	s->acq = NULL;
}

/**
 * acq_pop() - the oldest connection taken ahead, if any
 * @s:		listener
 * @e:		set to it
 *
 * Return: true if one was there
 */
static bool acq_pop(struct aec_sock *s, struct aec_acq_ent *e)
{
	struct aec_acq *q = s->acq;
	bool got = false;

	if (!q || !__atomic_load_n(&s->acq_n, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&q->lock);
	if (q->n) {
		*e = q->e[0];
		memmove(&q->e[0], &q->e[1], sizeof(q->e[0]) * (size_t)--q->n);
		__atomic_store_n(&s->acq_n, q->n, __ATOMIC_RELEASE);
		got = true;
	}
	pthread_mutex_unlock(&q->lock);
	return got;
}

/**
 * aec_acq_return() - give every connection taken ahead back to the daemon
 * now, one UNACCEPT each, before closing it: for fork(), after which
 * whichever process accepts first must find them, as in the kernel's
 * shared queue (a close alone would put them back only when the daemon
 * gets to the hang-up)
 * @s:		listener
 */
void aec_acq_return(struct aec_sock *s)
{
	struct aec_acq_ent e;

	while (acq_pop(s, &e)) {
		aec_simple(e.s, AE_MSG_UNACCEPT, NULL, 0);
		acq_give_back(&e);
	}
}

/**
 * acq_push() - queue a connection taken ahead; given back when full
 * @s:		listener
 * @e:		the connection
 */
static void acq_push(struct aec_sock *s, struct aec_acq_ent *e)
{
	struct aec_acq *q = __atomic_load_n(&s->acq, __ATOMIC_ACQUIRE);

	if (!q) {
		q = calloc(1, sizeof(*q));
		if (q)
			pthread_mutex_init(&q->lock, NULL);
		pthread_mutex_lock(&s->lock);	/* two first batches at once */
		if (q && !s->acq)
			__atomic_store_n(&s->acq, q, __ATOMIC_RELEASE);
		else if (q) {
			pthread_mutex_destroy(&q->lock);
			free(q);
		}
		q = s->acq;
		pthread_mutex_unlock(&s->lock);
	}
	if (!q) {
		acq_give_back(e);
		return;
	}
	pthread_mutex_lock(&q->lock);
	if (q->n < AEC_ACQ_MAX) {
		q->e[q->n++] = *e;
		__atomic_store_n(&s->acq_n, q->n, __ATOMIC_RELEASE);
		e = NULL;
	}
	pthread_mutex_unlock(&q->lock);
	if (e)
		acq_give_back(e);
}

/**
 * acq_hand_out() - the program takes a connection: it is no longer queued
 * (a hang-up now closes it), and its backing fd gets accept4()'s flags
 * @e:		the connection
 * @flags:	SOCK_NONBLOCK | SOCK_CLOEXEC
 *
 * Return: 0 or -errno (the connection is closed)
 */
static int acq_hand_out(struct aec_acq_ent *e, int flags)
{
	bool nb = flags & SOCK_NONBLOCK;
	int ret = 0;

	__atomic_store_n(&e->s->shm->queued, 0, __ATOMIC_RELEASE);
	if (!(flags & SOCK_CLOEXEC))
		ret = sys_fcntl(e->s->fd, F_SETFD, 0);
	/* Linux: only accept4's flags decide, never the listener's */
	if (!ret && nb != e->nonblock)
		ret = sys_fcntl(e->s->fd, F_SETFL, nb ? O_NONBLOCK : 0);
	if (ret < 0)
		aec_close_local(e->s, 1);
	return ret;
}

/**
 * batch_ok() - is an ACCEPT batch answer well formed?
 * @r:		the answer
 * @b:		its head, copied out
 * @e:		its entries, copied out
 *
 * Return: true if so
 */
static bool batch_ok(const struct aec_rsp *r, struct ae_ipc_accept_batch *b,
		     struct ae_ipc_accept_ent *e)
{
	size_t off = sizeof(struct ae_ipc_hdr) + sizeof(*b);
	uint32_t i;

	if (r->len < off)
		return false;
	memcpy(b, (const uint8_t *)r->buf + sizeof(struct ae_ipc_hdr),
	       sizeof(*b));
	if (!b->n || b->n > AE_ACCEPT_BATCH || !b->nmem || b->nmem > b->n ||
	    r->len < off + b->n * sizeof(*e) || r->nfds != (int)(b->n + b->nmem))
		return false;
	memcpy(e, (const uint8_t *)r->buf + off, b->n * sizeof(*e));
	for (i = 0; i < b->n; i++)
		if (e[i].mem >= b->nmem || !(e[i].a.info.flags & AE_RESP_SHM))
			return false;
	return true;
}

/**
 * batch_take() - make a socket of each connection of a batch answer: the
 * first into @first, the others into the listener's queue
 * @s:		listener
 * @r:		the answer (its fds are all taken: kept or closed)
 * @b:		its head
 * @e:		its entries
 * @first:	set to the first connection
 *
 * Return: 0, or -errno for the first (the others are queued regardless)
 */
static int batch_take(struct aec_sock *s, struct aec_rsp *r,
		      const struct ae_ipc_accept_batch *b,
		      const struct ae_ipc_accept_ent *e,
		      struct aec_acq_ent *first)
{
	struct stat st[AE_ACCEPT_BATCH];
	bool st_ok[AE_ACCEPT_BATCH] = { false };
	struct aec_acq_ent x;
	int ret = 0, err;
	uint32_t i, m;

	for (m = 0; m < b->nmem; m++)
		st_ok[m] = !fstat(r->fds[b->n + m], &st[m]);
	for (i = 0; i < b->n; i++) {
		m = e[i].mem;
		x.s = aec_new(r->fds[i], SOCK_STREAM);
		x.nonblock = e[i].flags & AE_ACC_NONBLOCK;
		ipc_to_addr(&e[i].a.peer, &x.peer);
		err = !x.s ? -ENOMEM : !st_ok[m] ? -EPROTO :
		      aec_map_st(x.s, r->fds[b->n + m], &st[m],
				 e[i].a.info.shm_size, e[i].a.info.shm_pgoff);
		if (x.s)	/* the same daemon: the listener's alive page */
			__atomic_store_n(&x.s->alive, __atomic_load_n(
					 &s->alive, __ATOMIC_ACQUIRE),
					 __ATOMIC_RELEASE);
		if (!err && !x.s->shm)
			err = -EPROTO;
		if (err && x.s)
			aec_close_local(x.s, 1);
		else if (err)
			sys_close(r->fds[i]);
		if (!i && err)
			ret = err;
		else if (!i)
			*first = x;
		else if (!err)
			acq_push(s, &x);
	}
	for (m = 0; m < b->nmem; m++)
		sys_close(r->fds[b->n + m]);
	r->nfds = 0;
	return ret;
}

/**
 * aec_accept_once() - one connection: the oldest taken ahead, else from
 * an ACCEPT request for a batch (the first is the caller's, the rest wait
 * in the listener's queue, see struct aec_acq)
 * @s:		listener
 * @out:	the new socket
 * @peer:	its address
 * @flags:	SOCK_NONBLOCK | SOCK_CLOEXEC
 *
 * Return: new fd or -errno (-EAGAIN)
 */
static int aec_accept_once(struct aec_sock *s, struct aec_sock **out,
			   struct sockaddr_in *peer, int flags)
{
	uint8_t buf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_accept_batch) +
		    AE_ACCEPT_BATCH * sizeof(struct ae_ipc_accept_ent)];
	struct aec_rsp r = { .buf = buf, .cap = sizeof(buf) };
	struct ae_ipc_accept_ent e[AE_ACCEPT_BATCH];
	struct ae_ipc_int_req q = {
		.val = AE_ACCEPT_BATCH,
		.pad = (flags & SOCK_NONBLOCK) ? AE_ACC_NONBLOCK : 0,
	};
	struct ae_ipc_accept_batch b;
	struct aec_acq_ent x = { 0 };
	int ret;

	if (!acq_pop(s, &x)) {
		ret = aec_request(s, AE_MSG_ACCEPT, &q, sizeof(q), NULL, 0, &r,
				  -1);
		if (ret >= 0)
			ret = batch_ok(&r, &b, e) ?
			      batch_take(s, &r, &b, e, &x) : -EPROTO;
		close_fds(&r);
		if (ret < 0)
			return ret;
	}
	ret = acq_hand_out(&x, flags);
	if (ret < 0)
		return ret;
	if (peer)
		*peer = x.peer;
	*out = x.s;
	return x.s->fd;
}

/**
 * aec_accept() - take a connection from a listener
 * @s:		listener
 * @out:	new socket
 * @peer:	its address, may be NULL
 * @flags:	SOCK_NONBLOCK | SOCK_CLOEXEC | MSG_DONTWAIT
 * @timeout_ms:	-1 forever
 *
 * Return: new backing fd or -errno
 */
int aec_accept(struct aec_sock *s, struct aec_sock **out,
	       struct sockaddr_in *peer, int flags, int timeout_ms)
{
	int64_t deadline = deadline_of(timeout_ms);
	ssize_t ret;

	for (;;) {
		ret = aec_accept_once(s, out, peer, flags);
		if (ret != -EAGAIN ||
		    aec_io_blocked(s, aec_nonblock(flags, timeout_ms), POLLIN,
				   deadline, 0, &ret))
			return (int)ret;
	}
}

/**
 * aec_take_error() - read and clear the pending error in shared memory
 * @h:		header page
 *
 * Return: the error as -errno, or 0
 */
int aec_take_error(struct ae_shm_hdr *h)
{
	int32_t e = __atomic_exchange_n(&h->so_error, 0, __ATOMIC_ACQ_REL);

	return e > 0 ? -e : 0;
}

/**
 * aec_connect() - connect
 * @s:		socket
 * @addr:	destination
 * @flags:	MSG_DONTWAIT
 * @timeout_ms:	-1 forever
 *
 * Return: 0 or -errno
 */
int aec_connect(struct aec_sock *s, const struct sockaddr_in *addr, int flags,
		int timeout_ms)
{
	struct ae_ipc_addr_req q = { 0 };
	int64_t deadline = deadline_of(timeout_ms);
	struct ae_shm_hdr *h;
	int ret = addr_to_ipc(addr, &q.addr);
	int w;

	if (ret)
		return ret;
	ret = aec_simple(s, AE_MSG_CONNECT, &q, sizeof(q));
	if (ret != -EINPROGRESS || aec_nonblock(flags, timeout_ms))
		return ret;
	for (;;) {
		w = aec_wait(s, POLLOUT, left_ms(deadline));
		if (w < 0)
			return w;
		if (!w)
			return -EINPROGRESS;
		h = aec_hdr(s);
		if (s->dead)
			return -ECONNREFUSED;
		if (!(shm_load(&h->state) & AE_SS_CONNECTING) ||
		    (shm_load(&h->state) & (AE_SS_DEAD | AE_SS_HUP)) ||
		    (w & POLLERR))
			break;
	}
	ret = aec_take_error(h);
	if (ret)
		return ret;
	return (shm_load(&h->state) & AE_SS_CONNECTED) ? 0 : -ECONNREFUSED;
}

/**
 * aec_connect_loop() - a non-blocking connect that leaves a loopback
 * destination no Aether socket serves to the kernel
 * @s:		socket (fresh: neither bound nor connected)
 * @addr:	destination
 *
 * Return: as aec_connect() with MSG_DONTWAIT, or -EXDEV (nothing done:
 * 127.0.0.0/8 and no Aether listener or UDP socket on that port)
 */
int aec_connect_loop(struct aec_sock *s, const struct sockaddr_in *addr)
{
	struct ae_ipc_addr_req q = { 0 };
	int ret = addr_to_ipc(addr, &q.addr);

	if (ret)
		return ret;
	q.addr.pad = AE_ADDR_KERNEL_LOOP;
	return aec_simple(s, AE_MSG_CONNECT, &q, sizeof(q));
}

/**
 * aec_shutdown() - shutdown
 * @s:		socket
 * @how:	SHUT_RD / SHUT_WR / SHUT_RDWR
 *
 * Return: 0 or -errno
 */
int aec_shutdown(struct aec_sock *s, int how)
{
	struct ae_ipc_int_req q = { .val = how };

	return aec_simple(s, AE_MSG_SHUTDOWN, &q, sizeof(q));
}

/**
 * aec_name() - GETSOCKNAME / GETPEERNAME
 * @s:		socket
 * @type:	which
 * @addr:	result
 *
 * Return: 0 or -errno
 */
static int aec_name(struct aec_sock *s, uint16_t type, struct sockaddr_in *addr)
{
	uint8_t buf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_addr_req)];
	struct aec_rsp r = { .buf = buf, .cap = sizeof(buf) };
	struct ae_ipc_addr_req a;
	int ret;

	ret = aec_request(s, type, NULL, 0, NULL, 0, &r, -1);
	close_fds(&r);
	if (ret < 0)
		return ret;
	if (r.len < sizeof(buf))
		return -EPROTO;
	memcpy(&a, buf + sizeof(struct ae_ipc_hdr), sizeof(a));
	ipc_to_addr(&a.addr, addr);
	return 0;
}

int aec_getsockname(struct aec_sock *s, struct sockaddr_in *addr)
{
	return aec_name(s, AE_MSG_GETSOCKNAME, addr);
}

int aec_getpeername(struct aec_sock *s, struct sockaddr_in *addr)
{
	return aec_name(s, AE_MSG_GETPEERNAME, addr);
}

/**
 * sockopt_sure() - will the daemon surely accept this option?
 * @s:		socket
 * @level:	level
 * @name:	option
 * @len:	value length
 *
 * TCP_NODELAY with an int on a TCP socket: Linux returns 0 for it in every
 * state (listening, connected, reset), and so does the daemon.
 *
 * Return: true if the answer is known to be 0
 */
static bool sockopt_sure(const struct aec_sock *s, int level, int name,
			 socklen_t len)
{
	return s->type == SOCK_STREAM && level == IPPROTO_TCP &&
	       name == TCP_NODELAY && len >= sizeof(int);
}

/**
 * setsockopt_noreply() - send an option the daemon answers with nothing
 * @s:		socket
 * @q:		option header
 * @val:	value, @q->len bytes
 *
 * Return: 0 or -ENETDOWN
 */
static int setsockopt_noreply(struct aec_sock *s,
			      const struct ae_ipc_sockopt *q, const void *val)
{
	int ret;

	if (s->dead)
		return -ENETDOWN;
	pthread_mutex_lock(&s->lock);
	ret = aec_xfer_noreply(s->fd, &s->seq, AE_MSG_SETSOCKOPT, q,
			       sizeof(*q), val, q->len);
	if (ret == -ENETDOWN)
		s->dead = 1;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/**
 * aec_setsockopt() - setsockopt through the daemon
 * @s:		socket
 * @level:	level
 * @name:	option
 * @val:	value
 * @len:	its length
 *
 * Return: 0 or -errno
 */
int aec_setsockopt(struct aec_sock *s, int level, int name, const void *val,
		   socklen_t len)
{
	uint8_t buf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_sockinfo)];
	struct aec_rsp r = { .buf = buf, .cap = sizeof(buf) };
	struct ae_ipc_sockopt q = { .level = level, .name = name, .len = len };
	int ret;

	if (len > AE_IPC_MAX_OPTLEN)
		return -EINVAL;
	if (len && !val)
		return -EFAULT;
	if (sockopt_sure(s, level, name, len))	/* no daemon turn to wait */
		return setsockopt_noreply(s, &q, val);
	ret = aec_request(s, AE_MSG_SETSOCKOPT, &q, sizeof(q), val, len, &r, 0);
	close_fds(&r);
	return ret < 0 ? ret : 0;
}

/**
 * aec_getsockopt() - getsockopt through the daemon
 * @s:		socket
 * @level:	level
 * @name:	option
 * @val:	buffer
 * @len:	in: size, out: length
 *
 * Return: 0 or -errno
 */
int aec_getsockopt(struct aec_sock *s, int level, int name, void *val,
		   socklen_t *len)
{
	uint8_t buf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_sockopt) +
		    AE_IPC_MAX_OPTLEN];
	struct aec_rsp r = { .buf = buf, .cap = sizeof(buf) };
	struct ae_ipc_sockopt q = { .level = level, .name = name };
	struct ae_ipc_sockopt a;
	size_t off = sizeof(struct ae_ipc_hdr) + sizeof(a);
	int ret;

	if (!len || !val)
		return -EFAULT;
	q.len = *len > AE_IPC_MAX_OPTLEN ? AE_IPC_MAX_OPTLEN : *len;
	ret = aec_request(s, AE_MSG_GETSOCKOPT, &q, sizeof(q), NULL, 0, &r, -1);
	close_fds(&r);
	if (ret < 0)
		return ret;
	if (r.len < off)
		return -EPROTO;
	memcpy(&a, buf + sizeof(struct ae_ipc_hdr), sizeof(a));
	if (a.len > r.len - off || a.len > AE_IPC_MAX_OPTLEN)
		return -EPROTO;
	if (a.len > *len)
		a.len = *len;
	memcpy(val, buf + off, a.len);
	*len = a.len;
	return 0;
}

