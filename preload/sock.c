// SPDX-License-Identifier: MIT
/**
 * DOC: sock.c - socket creation and the control calls: socket, bind, listen,
 * accept, accept4, connect, getsockname, getpeername, shutdown
 *
 * Only AF_INET/AF_INET6 stream and datagram sockets (protocol 0, TCP or UDP)
 * become Aether sockets; every other family and type (AF_UNIX, AF_NETLINK,
 * AF_PACKET, raw and ICMP "ping" sockets) goes to the kernel untouched.
 * Blocking is done here, not in client/: client calls are made with
 * MSG_DONTWAIT and the shim sleeps with ps_wait_fd(), so SA_RESTART and the
 * socket timeouts behave as on the kernel.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <netinet/in.h>

#include "client.h"
#include "shim.h"

/**
 * ps_put() - drop one reference; the last one forgets the socket locally
 * @ps:	socket
 *
 * The kernel close of the last backing fd is what tells the daemon: the
 * program's own close, or the close of the socket's private fd here (one
 * was made when the program closed its last fd under another thread's
 * call, see fdops.c).
 */
void ps_put(struct ps_sock *ps)
{
	if (atomic_fetch_sub(&ps->refs, 1) != 1)
		return;
	ps_rc_forget(ps);
	if (ps->own_fd >= 0)
		ps_own_set(ps->own_fd, NULL);
	aec_close_local(ps->aec, ps->own_fd >= 0);
	pthread_mutex_destroy(&ps->fd_lock);
	free(ps);
}

/**
 * ps_adopt() - wrap a new client socket and install it at its fd
 * @aec:	client socket
 * @domain:	AF_INET or AF_INET6
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @nonblock:	O_NONBLOCK set on the backing fd
 *
 * Return: the fd, or -1 with errno (the backing fd is closed)
 */
static int ps_adopt(struct aec_sock *aec, int domain, int type, bool nonblock)
{
	struct ps_sock *ps = ps_new(aec, domain, type);
	int fd = aec->fd;

	if (!ps) {
		aec_close_local(aec, 1);
		return ps_fail(ENOMEM);
	}
	atomic_store(&ps->nonblock, nonblock);
	aec->user = ps;
	ps_install(fd, ps);
	return fd;
}

/**
 * ps_takes() - is this socket() call one for Aether
 * @domain:	family
 * @type:	type without flags
 * @proto:	protocol
 *
 * Return: true for AF_INET/AF_INET6 TCP and UDP
 */
static bool ps_takes(int domain, int type, int proto)
{
	if (domain != AF_INET && domain != AF_INET6)
		return false;
	if (type == SOCK_STREAM)
		return proto == 0 || proto == IPPROTO_TCP;
	if (type == SOCK_DGRAM)
		return proto == 0 || proto == IPPROTO_UDP;
	return false;
}

/**
 * socket() - interposed socket(2)
 * @domain:	family
 * @type:	type | SOCK_NONBLOCK | SOCK_CLOEXEC
 * @proto:	protocol
 *
 * Return: fd or -1 with errno; ENETDOWN (and one line on stderr) when aetherd
 * cannot be reached
 */
int socket(int domain, int type, int proto)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct aec_sock *aec;
	int err = 0, fd;

	if (!ps_takes(domain, base, proto))
		return REAL(socket)(domain, type, proto);
	if (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC | 0xf))
		return ps_fail(EINVAL);
	aec = aec_socket(type, &err);
	if (!aec) {
		if (err == -ENETDOWN || err == -ENOENT || err == -ECONNREFUSED ||
		    err == -EACCES) {
			char why[512];

			ps_warn_once("%s (socket() fails with %s%s)",
				     aec_explain(err, why, sizeof(why)),
				     err == -EACCES ? "EACCES" :
				     "ENETDOWN until aetherd is started",
				     ps_rc_on() && err != -EACCES ?
				     "; listeners made before come back by themselves" :
				     "");
			if (err != -EACCES)
				err = -ENETDOWN;
		}
		ps_log("socket(%d, %#x) = %d", domain, type, err);
		return ps_fail(err ? -err : EIO);
	}
	fd = ps_adopt(aec, domain, base, type & SOCK_NONBLOCK);
	ps_log("socket(%s, %s%s) = %d", domain == AF_INET ? "inet" : "inet6",
	       base == SOCK_STREAM ? "stream" : "dgram",
	       (type & SOCK_NONBLOCK) ? "|nonblock" : "", fd);
	return fd;
}

/**
 * bind() - interposed bind(2)
 * @fd:		socket
 * @sa:		address
 * @len:	its length
 *
 * Return: 0 or -1 with errno
 */
int bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	PS_HOLD(ps, fd);
	struct sockaddr_in a;
	int r;

	if (!ps)
		return REAL(bind)(fd, sa, len);
	r = ps_addr_from_app(ps, sa, len, &a, true);
	if (r)
		return ps_fail(r);
	r = ps_bind_addr(ps, &a, sa);
	if (r == 0)
		r = aec_bind(ps->aec, &a);
	ps_log("bind(%d, port %u) = %d", fd, ntohs(a.sin_port), r);
	if (r < 0)
		return ps_fail(-r);
	ps->v6any = a.sin_addr.s_addr == PS_LOOP6_V4 &&
		    IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	if (ps->type == SOCK_DGRAM)
		ps_rc_note_bound(ps, -1);
	return 0;
}

/**
 * listen() - interposed listen(2)
 * @fd:		socket
 * @backlog:	queue length
 *
 * Return: 0 or -1 with errno
 */
int listen(int fd, int backlog)
{
	PS_HOLD(ps, fd);
	int r;

	if (!ps)
		return REAL(listen)(fd, backlog);
	r = aec_listen(ps->aec, backlog);
	ps_log("listen(%d, %d) = %d", fd, backlog, r);
	if (r == 0) {
		atomic_store(&ps->listening, 1);
		ps_rc_note_bound(ps, backlog);
	}
	return r < 0 ? ps_fail(-r) : 0;
}

/**
 * ps_accept() - accept4 on an Aether listener
 * @fd:		listener fd
 * @ps:		its socket
 * @sa:		peer address out (may be NULL)
 * @len:	its length, in/out
 * @flags:	SOCK_NONBLOCK | SOCK_CLOEXEC
 *
 * Return: new fd or -1 with errno
 */
static int ps_accept(int fd, struct ps_sock *ps, struct sockaddr *sa,
		     socklen_t *len, int flags)
{
	struct timespec dl = { 0, -1 };
	struct aec_sock *na = NULL;
	struct ps_sock *nps;
	struct sockaddr_in peer;
	int r, w, nfd;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return ps_fail(EINVAL);
	if (sa && !len)
		return ps_fail(EFAULT);
	if (sa && (int)*len < 0)
		return ps_fail(EINVAL);
	for (;;) {
		memset(&peer, 0, sizeof(peer));
		r = aec_accept(ps->aec, &na, &peer, flags | MSG_DONTWAIT, 0);
		if (r < 0 && r != -EAGAIN && ps_dead(ps))
			/* ENETDOWN once, then never ready (ps_mask()) */
			r = ps_down_take(ps) ? -ENETDOWN : -EAGAIN;
		if (r == -EAGAIN || !(ps_state(ps) & POLLIN))
			atomic_fetch_add(&ps->rd_epoch, 1);	/* EPOLLET */
		if (r != -EAGAIN || atomic_load(&ps->nonblock))
			break;
		w = ps_wait_total(ps, fd, POLLIN, ps->rcvtimeo_ms, &dl);
		if (w == 0)
			return ps_fail(EAGAIN);
		if (w < 0)
			return -1;
	}
	if (r < 0) {
		ps_log("accept(%d) = %d", fd, r);
		return ps_fail(-r);
	}
	nfd = ps_adopt(na, ps->domain, SOCK_STREAM, flags & SOCK_NONBLOCK);
	if (nfd < 0)
		return -1;
	nps = ps_hold(nfd);	/* another thread may close it at once */
	if (nps) {
		atomic_store(&nps->rc_never, true);	/* reconnect.c: a connection */
		nps->v6only = ps->v6only;	/* Linux: the child is a clone */
		if (sa)	/* Linux ignores @len without an address buffer */
			ps_addr_to_app(nps, &peer, sa, len);
		ps_put(nps);
	}
	ps_log("accept(%d) = %d", fd, nfd);
	return nfd;
}

/**
 * accept() - interposed accept(2)
 * @fd:		listener
 * @sa:		peer address out
 * @len:	its length
 *
 * Return: new fd or -1 with errno
 */
int accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	PS_HOLD(ps, fd);

	if (!ps)
		return REAL(accept)(fd, sa, len);
	return ps_accept(fd, ps, sa, len, 0);
}

/**
 * accept4() - interposed accept4(2)
 * @fd:		listener
 * @sa:		peer address out
 * @len:	its length
 * @flags:	SOCK_NONBLOCK | SOCK_CLOEXEC
 *
 * Return: new fd or -1 with errno
 */
int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	PS_HOLD(ps, fd);

	if (!ps)
		return REAL(accept4)(fd, sa, len, flags);
	return ps_accept(fd, ps, sa, len, flags);
}

/**
 * ps_disconnect() - connect(AF_UNSPEC): dissolve the association
 * @fd:	socket
 * @ps:	its record
 *
 * UDP: the stack takes the peer 0.0.0.0:0 as "no peer". TCP: an unconnected
 * socket stays as it is (Linux returns 0); a connected one is the daemon's
 * business.
 *
 * Return: 0 or -1 with errno
 */
static int ps_disconnect(int fd, struct ps_sock *ps)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int r;

	if (ps->type == SOCK_STREAM) {
		r = aec_getpeername(ps->aec, &a);
		if (r == -ENOTCONN)
			return 0;
		a.sin_family = AF_UNSPEC;
	}
	r = aec_connect(ps->aec, &a, MSG_DONTWAIT, 0);
	ps_log("connect(%d, AF_UNSPEC) = %d", fd, r);
	if (r == 0)
		ps_rc_note_peer(ps, NULL);
	return r < 0 ? ps_fail(-r) : 0;
}

/**
 * ps_connect_ended() - connect() again after a non-blocking connect whose
 * connection has ended (refused, unreachable, timed out, reset)
 * @ps:	socket
 *
 * Linux's __inet_stream_connect() in SS_CONNECTING on a closed socket: the
 * pending error, or ECONNABORTED when SO_ERROR already took it; the socket
 * is then unconnected (the next connect() starts over).
 *
 * Return: -1 with errno
 */
static int ps_connect_ended(struct ps_sock *ps)
{
	socklen_t elen = sizeof(int);
	int soerr = 0;

	atomic_store(&ps->connecting, 0);
	if (aec_getsockopt(ps->aec, SOL_SOCKET, SO_ERROR, &soerr, &elen) < 0)
		soerr = 0;
	return ps_fail(soerr ? soerr : ECONNABORTED);
}

/**
 * connect() - interposed connect(2)
 * @fd:		socket
 * @sa:		destination
 * @len:	its length
 *
 * Non-blocking: EINPROGRESS, then POLLOUT and SO_ERROR. Blocking: sleeps
 * until established or failed (SO_SNDTIMEO expiry gives EINPROGRESS, a
 * signal EINTR, as Linux).
 *
 * Return: 0 or -1 with errno
 */
int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	PS_HOLD(ps, fd);
	struct sockaddr_in a;
	socklen_t elen;
	int r, w, soerr;
	bool kloop;

	if (!ps)
		return REAL(connect)(fd, sa, len);
	if (sa && len >= sizeof(sa_family_t) && sa->sa_family == AF_UNSPEC)
		return ps_disconnect(fd, ps);
	r = ps_addr_from_app(ps, sa, len, &a, false);
	if (r)
		return ps_fail(r);
	if (atomic_load(&ps->listening))
		return ps_fail(EISCONN);	/* Linux: not in CLOSE state */
	if (ps->type == SOCK_STREAM && atomic_load(&ps->connecting) &&
	    (ps_state(ps) & POLLHUP))
		return ps_connect_ended(ps);
	kloop = ps_kloop_candidate(fd, ps, &a);
	r = ps_loop6_bind(ps, &a);
	if (r < 0)
		return ps_fail(-r);
	r = kloop ? aec_connect_loop(ps->aec, &a) :
		    aec_connect(ps->aec, &a, MSG_DONTWAIT, 0);
	if (r == -EXDEV) {	/* nobody on Aether there: the kernel's */
		r = ps_kloop_connect(fd, ps, sa, len);
		if (r != PS_KLOOP_NONE)
			return r;
		r = aec_connect(ps->aec, &a, MSG_DONTWAIT, 0);
	}
	if (ps->type == SOCK_STREAM)
		atomic_store(&ps->rc_never, true);	/* reconnect.c */
	ps_log("connect(%d, port %u) = %d", fd, ntohs(a.sin_port), r);
	if (r == -EISCONN && atomic_exchange(&ps->connecting, 0))
		return 0;	/* Linux: the first connect after completion */
	if (r == -EINPROGRESS && atomic_load(&ps->nonblock))
		atomic_store(&ps->connecting, 1);
	if (r == 0)
		ps_rc_note_peer(ps, &a);	/* UDP only */
	if (r != -EINPROGRESS || atomic_load(&ps->nonblock))
		return r < 0 ? ps_fail(-r) : 0;
	w = ps_wait_fd(ps, fd, POLLOUT, ps->sndtimeo_ms);
	if (w == 0)
		return ps_fail(EINPROGRESS);
	if (w < 0)
		return -1;
	soerr = 0;
	elen = sizeof(soerr);
	r = aec_getsockopt(ps->aec, SOL_SOCKET, SO_ERROR, &soerr, &elen);
	if (r < 0)
		return ps_fail(-r);
	return soerr ? ps_fail(soerr) : 0;
}

/**
 * getsockname() - interposed getsockname(2)
 * @fd:		socket
 * @sa:		address out
 * @len:	its length, in/out
 *
 * Return: 0 or -1 with errno
 */
int getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	PS_HOLD(ps, fd);
	struct sockaddr_in a;
	int r;

	if (!ps)
		return REAL(getsockname)(fd, sa, len);
	if (!len || !sa)
		return ps_fail(EFAULT);
	if ((int)*len < 0)
		return ps_fail(EINVAL);
	memset(&a, 0, sizeof(a));
	r = aec_getsockname(ps->aec, &a);
	if (r < 0)
		return ps_fail(-r);
	ps_addr_to_app(ps, &a, sa, len);
	return 0;
}

/**
 * getpeername() - interposed getpeername(2)
 * @fd:		socket
 * @sa:		address out
 * @len:	its length, in/out
 *
 * Return: 0 or -1 with errno (ENOTCONN)
 */
int getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	PS_HOLD(ps, fd);
	struct sockaddr_in a;
	int r;

	if (!ps)
		return REAL(getpeername)(fd, sa, len);
	if (!len || !sa)
		return ps_fail(EFAULT);
	if ((int)*len < 0)
		return ps_fail(EINVAL);
	memset(&a, 0, sizeof(a));
	r = aec_getpeername(ps->aec, &a);
	if (r < 0)
		return ps_fail(-r);
	ps_addr_to_app(ps, &a, sa, len);
	return 0;
}

/**
 * shutdown() - interposed shutdown(2)
 * @fd:		socket
 * @how:	SHUT_RD, SHUT_WR or SHUT_RDWR
 *
 * Return: 0 or -1 with errno
 */
int shutdown(int fd, int how)
{
	PS_HOLD(ps, fd);
	int r;

	if (!ps)
		return REAL(shutdown)(fd, how);
	if (how < SHUT_RD || how > SHUT_RDWR)
		return ps_fail(EINVAL);
	r = aec_shutdown(ps->aec, how);
	ps_log("shutdown(%d, %d) = %d", fd, how, r);
	return r < 0 ? ps_fail(-r) : 0;
}
