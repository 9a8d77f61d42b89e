// SPDX-License-Identifier: MIT
/**
 * DOC: session.c - serving programs over the control socket
 *
 * Theory of operation: session_init() listens on an AF_UNIX SOCK_SEQPACKET
 * socket at d->socket_path (its directory is created 0755 if missing; the
 * socket itself is 0666: any local user may use the stack, and what each may
 * do is decided per connection from SO_PEERCRED: ports below 1024 need uid 0
 * or an allow rule, and limits are per process). Every accepted connection is
 * a &struct sconn registered with the loop; its datagrams are requests
 * (session_ops.c). A connection's EOF is the last close of that backing fd
 * anywhere: its socket is closed as the kernel would (session_sync.c).
 *
 * Nothing here blocks on a client: all fds are non-blocking; a response that
 * meets a full socket buffer is parked and the connection stops being read
 * until it is flushed (EPOLLOUT), so a client that never reads only stalls
 * itself; NOTIFYs that meet EAGAIN are dropped (the state is in shm, and one
 * NOTIFY is already queued to wake the client).
 *
 * The idle hook publishes every dirty connection's state. Nothing runs on a
 * clock of its own: a connection is looked at when its client sends a
 * request or a doorbell, or when the stack reports an event on its socket
 * (the stack's timers drive the host's one-shot timerfd, armed only when a
 * timer is due). An idle daemon takes no wake-ups.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "proto.h"
#include "session.h"
#include "shm.h"

#define SESS_READ_BATCH	32

/**
 * sess_srv() - the server state, created on first use
 * @d:		daemon
 *
 * The stack allocates through session_ring_alloc() before session_init()
 * runs, so the state (region table) exists from the first call.
 *
 * Return: the state, or NULL without memory
 */
struct session_srv *sess_srv(struct aetherd *d)
{
	struct session_srv *srv;
	int i;

	if (d->srv)
		return d->srv;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->buf = malloc(AE_IPC_MAX_MSG);
	srv->out = malloc(AE_IPC_MAX_MSG + 512);
	if (!srv->buf || !srv->out) {
		free(srv->buf);
		free(srv->out);
		free(srv);
		return NULL;
	}
	srv->d = d;
	srv->lfd = -1;
	srv->spare_fd = -1;
	srv->alive_fd = -1;
	srv->alive_ro_fd = -1;
	srv->gb_fd = -1;
	srv->max_sockets = SESS_DEF_MAX_SOCKETS;
	srv->max_mem = SESS_DEF_MAX_MEM;
	LIST_INIT(&srv->conns);
	LIST_INIT(&srv->clients);
	LIST_INIT(&srv->users);
	LIST_INIT(&srv->arenas);
	TAILQ_INIT(&srv->dirty);
	TAILQ_INIT(&srv->hot);
	TAILQ_INIT(&srv->giveback);
	for (i = 0; i < SESS_REGION_BUCKETS; i++)
		LIST_INIT(&srv->regions[i]);
	d->srv = srv;
	return srv;
}

/**
 * sess_uid_may_bind_low() - may @uid bind a port below 1024?
 * @srv:	server
 * @uid:	client uid
 *
 * Return: true for uid 0 and for uids in d->allow_low_ports
 */
bool sess_uid_may_bind_low(const struct session_srv *srv, uid_t uid)
{
	const int *a = srv->d->allow_low_ports;
	size_t i;

	if (uid == 0)
		return true;
	for (i = 0; i < sizeof(srv->d->allow_low_ports) / sizeof(*a); i++) {
		if (a[i] < 0)
			break;
		if ((uid_t)a[i] == uid)
			return true;
	}
	return false;
}

/**
 * user_get() - the accounting record of a uid, created on first sight
 * @srv:	server
 * @uid:	uid
 *
 * Return: the record (a reference taken) or NULL
 */
static struct suser *user_get(struct session_srv *srv, uid_t uid)
{
	struct suser *u;

	LIST_FOREACH(u, &srv->users, link)
		if (u->uid == uid)
			goto found;
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->uid = uid;
	LIST_INSERT_HEAD(&srv->users, u, link);
found:
	u->refs++;
	return u;
}

/**
 * user_put() - drop a reference to a uid's record
 * @srv:	server
 * @u:		record
 *
 * With the last reference the uid's pooled regions go too.
 */
static void user_put(struct session_srv *srv, struct suser *u)
{
	if (--u->refs)
		return;
	sess_pool_flush(srv, u);
	LIST_REMOVE(u, link);
	free(u);
}

/**
 * client_get() - the client record of a pid, created on first sight
 * @srv:	server
 * @pid:	pid
 * @uid:	uid
 *
 * Return: client (a reference taken) or NULL
 */
struct sclient *client_get(struct session_srv *srv, pid_t pid, uid_t uid)
{
	struct sclient *cl;

	LIST_FOREACH(cl, &srv->clients, link)
		if (cl->pid == pid && cl->uid == uid)
			goto found;
	cl = calloc(1, sizeof(*cl));
	if (!cl)
		return NULL;
	cl->user = user_get(srv, uid);
	if (!cl->user) {
		free(cl);
		return NULL;
	}
	cl->pid = pid;
	cl->uid = uid;
	LIST_INSERT_HEAD(&srv->clients, cl, link);
	SSTAT(srv, clients);
found:
	cl->refs++;
	return cl;
}

/**
 * client_put() - drop a reference to a client record
 * @srv:	server
 * @cl:		client
 */
void client_put(struct session_srv *srv, struct sclient *cl)
{
	if (--cl->refs)
		return;
	user_put(srv, cl->user);
	LIST_REMOVE(cl, link);
	free(cl);
}

/**
 * sess_conn_mark() - queue a connection for publishing in the idle hook
 * @c:		connection
 */
void sess_conn_mark(struct sconn *c)
{
	if (!c || (c->flags & SC_DIRTY))
		return;
	c->flags |= SC_DIRTY;
	TAILQ_INSERT_TAIL(&c->srv->dirty, c, dirty);
}

/**
 * conn_free() - close a connection: socket, memory, fd, accounting
 * @c:		connection
 */
static void conn_free(struct sconn *c)
{
	struct session_srv *srv = c->srv;
	int i;

	c->flags |= SC_FREEING;
	sess_close_sock(c);
	sess_conn_drop_region(c);
	if (c->flags & SC_COUNTED)
		c->cl->user->nsocks--;
	if (c->flags & SC_DIRTY)
		TAILQ_REMOVE(&srv->dirty, c, dirty);
	sess_giveback_forget(c);
	sess_spin_forget(c);
	for (i = 0; i < c->pend_nfds; i++)
		close(c->pend_fds[i]);
	free(c->pend);
	/* never dup'd in the daemon: its close() leaves the epoll set */
	ae_loop_forget(srv->d->loop, c->fd);
	close(c->fd);
	LIST_REMOVE(c, link);
	srv->nconns--;
	SSTAT(srv, conns_closed);
	client_put(srv, c->cl);
	free(c);
	srv->closed_since_trim++;
}

/**
 * send_msg() - one non-blocking sendmsg with optional fds
 * @fd:		connection fd
 * @buf:	message, @len bytes
 * @len:	size
 * @fds:	fds to pass, @nfds
 * @nfds:	count (<= AE_IPC_MAX_FDS)
 *
 * Return: 0, or -errno (-EAGAIN)
 */
static int send_msg(int fd, const void *buf, size_t len, const int *fds,
		    int nfds)
{
	union {
		char buf[CMSG_SPACE(AE_IPC_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (nfds) {
		memset(&cm, 0, sizeof(cm));
		m.msg_control = cm.buf;
		m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	if (sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/**
 * park() - keep a response that met EAGAIN until the fd drains
 * @c:		connection
 * @len:	response bytes in srv->out
 * @fds:	fds to pass, @nfds
 * @nfds:	count
 */
static void park(struct sconn *c, size_t len, const int *fds, int nfds)
{
	int i;

	c->pend = malloc(len);
	if (!c->pend) {
		sess_cutoff(c, ENOMEM);
		return;
	}
	memcpy(c->pend, c->srv->out, len);
	c->pend_len = len;
	c->pend_nfds = 0;
	for (i = 0; i < nfds; i++) {
		int d = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);

		if (d >= 0)
			c->pend_fds[c->pend_nfds++] = d;
	}
	c->flags |= SC_BLOCKED;
	SSTAT(c->srv, resp_deferred);
	ae_loop_mod(c->srv->d->loop, c->fd, EPOLLOUT);
}

/**
 * sess_reply() - answer a request (publishing the socket's state first)
 * @c:		connection
 * @req:	the request
 * @result:	>= 0 or -errno
 * @p:		fixed payload, @plen bytes
 * @plen:	size
 * @v:		variable payload, @vlen bytes
 * @vlen:	size
 * @fds:	fds to pass, @nfds
 * @nfds:	count (<= AE_IPC_MAX_FDS)
 *
 * Return: 0, or -errno (the connection is gone or parked)
 */
int sess_reply(struct sconn *c, const struct ae_ipc_hdr *req, int32_t result,
	       const void *p, size_t plen, const void *v, size_t vlen,
	       const int *fds, int nfds)
{
	struct session_srv *srv = c->srv;
	struct ae_ipc_hdr h;
	size_t len = sizeof(h) + plen + vlen;
	int ret;

	if (len > AE_IPC_MAX_MSG)
		return -EMSGSIZE;
	if (c->sk)
		sess_publish(c);
	if (req->result == AE_REQ_NOREPLY) {	/* the shim does not wait */
		SSTAT(srv, noreply_reqs);
		if (result < 0)
			SSTAT(srv, noreply_errors);
		return 0;
	}
	ipc_hdr_init(&h, req->type, (uint32_t)len, req->seq, result);
	memcpy(srv->out, &h, sizeof(h));
	if (plen)
		memcpy(srv->out + sizeof(h), p, plen);
	if (vlen)
		memcpy(srv->out + sizeof(h) + plen, v, vlen);
	ret = send_msg(c->fd, srv->out, len, fds, nfds);
	if (ret == -EAGAIN)
		park(c, len, fds, nfds);
	return ret;
}

/**
 * sess_notify_dirs() - wake the client: one NOTIFY datagram per direction
 * @c:		connection
 * @dirs:	AE_WANT_IN / AE_WANT_OUT; each NOTIFY carries its bit in
 *		@result, so a waiter for the other direction leaves it to its
 *		owner (one datagram for both would wake only whoever took it)
 *
 * A NOTIFY that meets EAGAIN is dropped (the client has datagrams queued).
 */
void sess_notify_dirs(struct sconn *c, uint32_t dirs)
{
	static const uint32_t bit[] = { AE_WANT_IN, AE_WANT_OUT };
	struct ae_ipc_hdr h;
	size_t i;

	for (i = 0; i < sizeof(bit) / sizeof(bit[0]); i++) {
		if (!(dirs & bit[i]))
			continue;
		ipc_hdr_init(&h, AE_MSG_NOTIFY, sizeof(h), 0,
			     (int32_t)bit[i]);
		if (send(c->fd, &h, sizeof(h), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			SSTAT(c->srv, notifies_dropped);
		else
			SSTAT(c->srv, notifies);
	}
}

/**
 * sess_notify() - wake the client's waiters in both directions
 * @c:		connection
 */
void sess_notify(struct sconn *c)
{
	sess_wake(c->srv, c->hdr, AE_WAKE_IN | AE_WAKE_OUT);
	sess_notify_dirs(c, AE_WANT_IN | AE_WANT_OUT);
}

/**
 * flush_parked() - try to send the parked response again
 * @c:		connection
 *
 * Return: 0 sent (reading resumes), -EAGAIN still full, other -errno
 */
static int flush_parked(struct sconn *c)
{
	int ret = send_msg(c->fd, c->pend, c->pend_len, c->pend_fds,
			   c->pend_nfds);
	int i;

	if (ret == -EAGAIN)
		return ret;
	for (i = 0; i < c->pend_nfds; i++)
		close(c->pend_fds[i]);
	c->pend_nfds = 0;
	free(c->pend);
	c->pend = NULL;
	c->flags &= ~SC_BLOCKED;
	ae_loop_mod(c->srv->d->loop, c->fd, EPOLLIN);
	return ret;
}

/**
 * drop_fds() - close descriptors a client tried to pass (never accepted)
 * @c:		connection
 * @m:		received message
 */
static void drop_fds(struct sconn *c, struct msghdr *m)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		size_t n, i;
		int fd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
		SSTAT(c->srv, fds_rejected);
	}
}

/**
 * sender_uid() - the uid of the process that sent a datagram
 * @m:		received message (SO_PASSCRED is on for every connection)
 *
 * Return: its uid, or (uid_t)-1 if the kernel attached none
 */
static uid_t sender_uid(struct msghdr *m)
{
	struct cmsghdr *cm;
	struct ucred uc;

	for (cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR(m, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_CREDENTIALS ||
		    cm->cmsg_len < CMSG_LEN(sizeof(uc)))
			continue;
		memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
		return uc.uid;
	}
	return (uid_t)-1;
}

/**
 * sess_pass_creds() - have the kernel tell the sender of every datagram
 * @fd:		the daemon's end of a connection
 *
 * Return: 0 or -errno
 */
int sess_pass_creds(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)))
		return -errno;
	return 0;
}

/**
 * is_doorbell() - is datagram @buf a DOORBELL
 * @buf:	datagram
 * @n:		its size
 *
 * Return: true if its header says so (sess_dispatch() checks the rest)
 */
static bool is_doorbell(const uint8_t *buf, size_t n)
{
	struct ae_ipc_hdr h;

	if (n < sizeof(h))
		return false;
	memcpy(&h, buf, sizeof(h));
	return h.type == AE_MSG_DOORBELL;
}

/**
 * requeue() - a connection hung up before its program ever took it from
 * the shim's queue (@queued still set: the process exited, exec'd, or
 * closed the listener): back to its listener (sess_unaccept()), where
 * another process holding the listener takes it, as the kernel's queue
 * would have kept it; with no listener left it is reset, as Linux resets
 * what a closed listener's queue held
 * @c:		connection whose backing fd reached end of stream
 *
 * Return: true if @c is freed here
 */
static bool requeue(struct sconn *c)
{
	int ret = sess_unaccept(c);

	if (ret == -EINVAL)
		return false;
	if (ret) {
		SSTAT(c->srv, accept_queue_reset);
		ae_abort(c->sk);
		c->sk = NULL;
	}
	conn_free(c);
	return true;
}

/**
 * conn_io() - a connection's fd is readable (or writable when parked)
 * @ctx:	connection
 * @events:	epoll events
 *
 * Reads up to SESS_READ_BATCH datagrams, but stops after a DOORBELL: a
 * program rings one after writing and then waits for the answer, so the
 * read that would find the socket empty (EAGAIN) is one system call per
 * round trip for nothing; the registration is level-triggered, so the
 * loop comes back at once if more is queued.
 */
static void conn_io(void *ctx, uint32_t events)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) +
			 CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct sconn *c = ctx;
	struct session_srv *srv = c->srv;
	bool db;
	int i;

	if ((c->flags & SC_BLOCKED) && flush_parked(c) == -EAGAIN) {
		if (events & (EPOLLHUP | EPOLLERR))
			conn_free(c);
		return;
	}
	for (i = 0; i < SESS_READ_BATCH && !(c->flags & SC_BLOCKED); i++) {
		struct iovec iov = { srv->buf, AE_IPC_MAX_MSG };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cm.buf,
				    .msg_controllen = sizeof(cm.buf) };
		ssize_t n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (!requeue(c))
				conn_free(c);
			return;
		}
		if (m.msg_controllen)
			drop_fds(c, &m);
		c->req_uid = sender_uid(&m);
		if (c->req_uid != c->cl->uid) {
			SSTAT(srv, foreign_uid_reqs);
			sess_conn_foreign(c);
		}
		if (m.msg_flags & MSG_TRUNC)
			n = AE_IPC_MAX_MSG + 1;	/* fails the size check */
		db = is_doorbell(srv->buf, (size_t)n);
		if (sess_dispatch(c, srv->buf, (size_t)n) == IPC_CLOSE) {
			conn_free(c);
			return;
		}
		if (db)
			return;
	}
}

/**
 * sess_reap_port() - finish the closes a bind to @port would otherwise race
 * @srv:	server
 * @self:	the connection asking (skipped)
 * @port:	port, network order
 *
 * A program's close() of a socket is its connection hanging up; the loop
 * sees that hang-up in its own time, possibly after a bind that another
 * connection of the same program sent later. Linux releases the port in
 * close() itself, so before a bind answers EADDRINUSE every connection
 * whose socket holds @port and whose program has gone (end of stream with
 * nothing queued) is closed now, as the loop would have.
 *
 * Return: how many were closed
 */
int sess_reap_port(struct session_srv *srv, struct sconn *self, uint16_t port)
{
	struct sconn *c, *next;
	struct sockaddr_in sin;
	char b;
	int n = 0;

	for (c = LIST_FIRST(&srv->conns); c; c = next) {
		next = LIST_NEXT(c, link);
		if (c == self || !c->sk || ae_getsockname(c->sk, &sin) ||
		    sin.sin_port != port ||
		    recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) != 0)
			continue;
		conn_io(c, EPOLLIN);	/* reads the end of stream, frees @c */
		n++;
	}
	return n;
}

/**
 * sess_conn_new() - register a connection with the loop
 * @srv:	server
 * @fd:		its fd (non-blocking)
 * @cl:		client (a reference is taken)
 *
 * Return: connection or NULL
 */
struct sconn *sess_conn_new(struct session_srv *srv, int fd,
			    struct sclient *cl)
{
	struct sconn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->srv = srv;
	c->fd = fd;
	c->cl = cl;
	c->req_uid = cl->uid;
	if (ae_loop_add(srv->d->loop, fd, EPOLLIN, conn_io, c)) {
		free(c);
		return NULL;
	}
	cl->refs++;
	LIST_INSERT_HEAD(&srv->conns, c, link);
	srv->nconns++;
	SSTAT(srv, conns_opened);
	return c;
}

/**
 * shed_one() - out of descriptors: accept and drop one pending connection
 * @srv:	server
 *
 * The listening socket is level-triggered: leaving the connection queued
 * would spin the loop. A spare descriptor kept for this moment makes room
 * for the accept; the client sees its connection closed (ENETDOWN).
 */
static void shed_one(struct session_srv *srv)
{
	int fd;

	if (srv->spare_fd >= 0) {
		close(srv->spare_fd);
		srv->spare_fd = -1;
	}
	fd = accept4(srv->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	SSTAT(srv, shed_no_fds);
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/**
 * raise_nofile() - allow as many descriptors as the hard limit permits, and
 * say how many connections that holds
 *
 * Each socket costs the daemon one descriptor (its connection; its memory
 * is a range of its uid's arena, session_arena.c); a few dozen go to the
 * TAP, the loop, the control socket and the arenas.
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	fprintf(stderr, "aetherd: %llu descriptors: room for about %llu connections (1 descriptor each)\n",
		(unsigned long long)rl.rlim_cur,
		rl.rlim_cur > 64 ? (unsigned long long)(rl.rlim_cur - 64) : 0);
}

/**
 * listener_io() - accept every pending control connection
 * @ctx:	server
 * @events:	epoll events
 */
static void listener_io(void *ctx, uint32_t events)
{
	struct session_srv *srv = ctx;
	struct ucred uc;
	socklen_t len;
	struct sclient *cl;
	int i, fd;

	(void)events;
	for (i = 0; i < 256; i++) {
		fd = accept4(srv->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
			shed_one(srv);
			return;
		}
		if (fd < 0)
			return;
		len = sizeof(uc);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len)) {
			close(fd);
			continue;
		}
		cl = client_get(srv, uc.pid, uc.uid);
		if (!cl || sess_pass_creds(fd)) {
			if (cl)
				client_put(srv, cl);
			close(fd);
			continue;
		}
		if (!sess_conn_new(srv, fd, cl))
			close(fd);
		client_put(srv, cl);
	}
}

/**
 * idle_publish() - the idle hook: publish every dirty connection, and trim
 * the heap after many connections closed
 * @ctx:	server
 */
static void idle_publish(void *ctx)
{
	sess_publish_dirty(ctx);
}

/**
 * sess_publish_dirty() - publish every dirty connection now
 * @srv:	server
 */
void sess_publish_dirty(struct session_srv *srv)
{
	struct sconn *c;
	uint32_t budget = 4 * srv->nconns + 64;

	while ((c = TAILQ_FIRST(&srv->dirty)) && budget--) {
		TAILQ_REMOVE(&srv->dirty, c, dirty);
		c->flags &= ~SC_DIRTY;
		sess_publish(c);
	}
	/* thousands closed: give the heap they used back to the system */
	if (srv->closed_since_trim >= SESS_TRIM_AFTER) {
		srv->closed_since_trim = 0;
		malloc_trim(0);
	}
}

/**
 * socket_access() - who may connect: the socket's group, or everyone
 * @path:	the bound socket
 * @gid:	its group (mode 0660), or -1 (mode 0666)
 *
 * Return: 0 or -1 with errno
 */
static int socket_access(const char *path, long gid)
{
	if (gid < 0)
		return chmod(path, 0666);
	if (chown(path, (uid_t)-1, (gid_t)gid))
		return -1;
	return chmod(path, 0660);
}

/**
 * stale_pid() - the pid in a name "BASE.PID.new" left by a daemon that died
 * between bind and rename, if that process is gone
 * @name:	a directory entry
 * @base:	the socket's file name
 *
 * Return: the dead pid, or 0 (not such a name, or its daemon still runs)
 */
static long stale_pid(const char *name, const char *base)
{
	size_t bl = strlen(base);
	char *end;
	long pid;

	if (strncmp(name, base, bl) || name[bl] != '.')
		return 0;
	pid = strtol(name + bl + 1, &end, 10);
	if (end == name + bl + 1 || strcmp(end, ".new") || pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) && errno == ESRCH ? pid : 0;
}

/**
 * remove_stale() - remove the temporary names ("PATH.PID.new") that daemons
 * which died between bind and rename left beside @path
 * @path:	the control socket
 *
 * Only names whose pid no longer runs: another daemon starting beside us
 * keeps its own.
 */
static void remove_stale(const char *path)
{
	char dir[108], base[108], full[PATH_MAX];
	const char *d;
	struct dirent *e;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s", path);
	d = dirname(dir);
	dp = opendir(d);
	if (!dp)
		return;
	snprintf(base, sizeof(base), "%s", strrchr(path, '/') ?
		 strrchr(path, '/') + 1 : path);
	while ((e = readdir(dp)))
		if (stale_pid(e->d_name, base) &&
		    snprintf(full, sizeof(full), "%s/%s", d, e->d_name) <
		    (int)sizeof(full))
			unlink(full);
	closedir(dp);
}

/**
 * listen_on() - bind and listen on the control socket path
 * @srv:	server
 * @path:	socket path
 *
 * The socket is bound under a temporary name beside @path and renamed onto
 * it once listening, so that the path appears (IN_MOVED_TO) only when it
 * can be connected: programs whose listeners wait for a daemon to come back
 * watch for it (preload/reconnect.c). A path too long for the temporary
 * name is bound directly.
 *
 * Return: the fd or -errno
 */
static int listen_on(struct session_srv *srv, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[sizeof(sun.sun_path)];
	int fd, n;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.%d.new", path,
		     (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path))
		strcpy(sun.sun_path, path);
	unlink(sun.sun_path);	/* only ever ours: a pid-named leftover */
	remove_stale(path);
	strcpy(dir, path);
	if (mkdir(dirname(dir), 0755) && errno != EEXIST)
		return -errno;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sess_pass_creds(fd);	/* again per connection: inheritance varies */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    socket_access(sun.sun_path, srv->d->socket_gid) || listen(fd, 4096) ||
	    (strcmp(sun.sun_path, path) && rename(sun.sun_path, path))) {
		int e = -errno;

		if (strcmp(sun.sun_path, path))
			unlink(sun.sun_path);
		close(fd);
		return e;
	}
	strcpy(srv->path, path);
	return fd;
}

/**
 * limits() - descriptors, per-uid limits, the spare descriptor: what
 * serving needs before the control socket
 * @srv:	server
 */
static void limits(struct session_srv *srv)
{
	raise_nofile();
	if (srv->d->max_sockets)
		srv->max_sockets = srv->d->max_sockets;
	if (srv->d->max_mem)
		srv->max_mem = srv->d->max_mem;
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/**
 * serve() - register the listening socket and the idle hook with the loop
 * @srv:	server, @lfd set
 *
 * Return: 0 or -errno
 */
static int serve(struct session_srv *srv)
{
	int ret = ae_loop_add(srv->d->loop, srv->lfd, EPOLLIN, listener_io, srv);

	if (!ret)
		ret = ae_loop_add_idle(srv->d->loop, idle_publish, srv);
	if (!ret && sess_giveback_init(srv))	/* without: at once */
		fprintf(stderr, "aetherd: no give-back timer: drained ring pages are given back at once\n");
	return ret;
}

/**
 * session_init() - start serving clients on d->socket_path
 * @d:	the daemon
 *
 * Return: 0 on success, -errno on failure
 */
int session_init(struct aetherd *d)
{
	struct session_srv *srv = sess_srv(d);
	const char *path = d->socket_path ? d->socket_path : AE_IPC_DEFAULT_PATH;
	int ret;

	if (!srv)
		return -ENOMEM;
	limits(srv);
	ret = listen_on(srv, path);
	if (ret < 0)
		return ret;
	srv->lfd = ret;
	ret = sess_alive_init(srv);
	if (!ret)
		ret = serve(srv);
	if (ret) {
		session_fini(d);
		return ret;
	}
	return 0;
}

/**
 * session_adopt() - serve on a control socket another aetherd listened on
 * (--takeover): its path stays, connections queued on it come to us
 * @d:		the daemon
 * @lfd:	the listening socket received
 *
 * The alive page is adopted separately (sess_alive_adopt()).
 *
 * Return: 0 or -errno
 */
int session_adopt(struct aetherd *d, int lfd)
{
	struct session_srv *srv = sess_srv(d);
	const char *path = d->socket_path ? d->socket_path : AE_IPC_DEFAULT_PATH;

	if (!srv)
		return -ENOMEM;
	limits(srv);
	if (strlen(path) >= sizeof(srv->path))
		return -ENAMETOOLONG;
	strcpy(srv->path, path);
	srv->lfd = lfd;
	return serve(srv);
}

/**
 * session_fini() - close every client and remove the socket file
 * @d:	the daemon
 *
 * Sockets are closed as if their clients had closed them (FIN, or RST with
 * unread data). The region table stays: the stack, destroyed after this,
 * frees its ring memory through session_ring_free().
 */
void session_fini(struct aetherd *d)
{
	struct session_srv *srv = d->srv;
	struct sconn *c;

	if (!srv)
		return;
	srv->closing = true;	/* regions keep their pages (session_arena.c) */
	while ((c = LIST_FIRST(&srv->conns)))
		/* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): it unlinks c */
		conn_free(c);
	if (srv->lfd >= 0) {
		ae_loop_del(d->loop, srv->lfd);
		close(srv->lfd);
		srv->lfd = -1;
		unlink(srv->path);
	}
	if (srv->spare_fd >= 0) {
		close(srv->spare_fd);
		srv->spare_fd = -1;
	}
	sess_giveback_fini(srv);
	sess_alive_fini(srv);
}

/**
 * session_destroy() - free what session_fini() had to keep for the stack
 * @d:	the daemon, after ae_stack_destroy() (which frees every ring region)
 *
 * Regions still in the table (none, if the stack freed its sockets) are
 * unmapped too.
 */
void session_destroy(struct aetherd *d)
{
	struct session_srv *srv = d->srv;
	struct shm_region *r;
	int i;

	if (!srv)
		return;
	for (i = 0; i < SESS_REGION_BUCKETS; i++)
		while ((r = LIST_FIRST(&srv->regions[i])))
			sess_region_free(srv, r);
	free(srv->buf);
	free(srv->out);
	free(srv);
	d->srv = NULL;
}
