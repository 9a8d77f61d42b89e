// SPDX-License-Identifier: MIT
/**
 * DOC: io.c - the data path: read/write and the send/recv family on Aether
 * sockets
 *
 * Everything funnels into ps_recvv() and ps_sendv(). Client calls are made
 * with MSG_DONTWAIT; a blocking socket that gets -EAGAIN sleeps in
 * ps_wait_fd() (honouring SO_RCVTIMEO/SO_SNDTIMEO) and retries. A blocking
 * send queues everything (or returns the partial count when a timeout or
 * signal cuts it short); MSG_WAITALL reads until the buffer is full, end of
 * stream, an error, a timeout or a signal. EPIPE raises SIGPIPE in the
 * calling thread unless MSG_NOSIGNAL, like the kernel.
 *
 * For EPOLLET (epoll.c) a read that leaves the socket unreadable bumps
 * rd_epoch and a write that finds it full bumps wr_epoch.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include "client.h"
#include "shim.h"

#define PS_IOV_STACK	64
#define PS_UDP_MAX	65536

/**
 * struct ps_iter - a mutable copy of a program's iovec array
 * @v:		current parts (advanced as data moves)
 * @n:		parts left
 * @local:	storage for small arrays
 * @heap:	storage for large ones (free with iter_done())
 */
struct ps_iter {
	struct iovec *v;
	int n;
	struct iovec local[PS_IOV_STACK];
	struct iovec *heap;
};

/**
 * iter_init() - copy @iov
 * @it:		iterator
 * @iov:	program's array
 * @cnt:	parts
 *
 * Return: total bytes, or -1 with errno (EINVAL, ENOMEM)
 */
static ssize_t iter_init(struct ps_iter *it, const struct iovec *iov, int cnt)
{
	size_t total = 0;
	int i;

	it->heap = NULL;
	it->v = it->local;
	it->n = 0;
	if (cnt < 0 || cnt > IOV_MAX)
		return ps_fail(EINVAL);
	if (cnt > PS_IOV_STACK) {
		it->heap = malloc(cnt * sizeof(*iov));
		if (!it->heap)
			return ps_fail(ENOMEM);
		it->v = it->heap;
	} else {
		it->v = it->local;
	}
	for (i = 0; i < cnt; i++) {
		it->v[i] = iov[i];
		total += iov[i].iov_len;
		if (total > SSIZE_MAX) {
			free(it->heap);
			return ps_fail(EINVAL);
		}
	}
	it->n = cnt;
	return total;
}

/**
 * iter_advance() - consume @n bytes
 * @it:	iterator
 * @n:	bytes
 */
static void iter_advance(struct ps_iter *it, size_t n)
{
	while (it->n && n >= it->v->iov_len) {
		n -= it->v->iov_len;
		it->v++;
		it->n--;
	}
	if (it->n && n) {
		it->v->iov_base = (char *)it->v->iov_base + n;
		it->v->iov_len -= n;
	}
}

/**
 * iter_done() - release an iterator
 * @it:	iterator
 */
static void iter_done(struct ps_iter *it)
{
	free(it->heap);
}

/**
 * ps_nonblock() - does this call not block
 * @ps:		socket
 * @flags:	call flags
 *
 * Return: true for O_NONBLOCK or MSG_DONTWAIT
 */
static bool ps_nonblock(struct ps_sock *ps, int flags)
{
	return (flags & MSG_DONTWAIT) || atomic_load(&ps->nonblock);
}

/**
 * ps_recv_once() - one non-blocking receive
 * @ps:		socket
 * @it:		buffers
 * @flags:	MSG_PEEK/MSG_TRUNC
 * @from:	source out (UDP), may be NULL
 * @dg:		the datagram's IP fields out (UDP), may be NULL
 * @mflags:	out: MSG_TRUNC when a datagram did not fit
 *
 * Return: bytes (with MSG_TRUNC a datagram's full length), 0 at end of
 * stream, or -errno
 */
static ssize_t ps_recv_once(struct ps_sock *ps, struct ps_iter *it, int flags,
			    struct sockaddr_in *from, struct aec_dginfo *dg,
			    int *mflags)
{
	size_t cap = 0, off = 0;
	char *bounce = NULL;
	ssize_t r;
	int i;

	if (ps->type == SOCK_STREAM)
		return aec_recvv(ps->aec, it->v, it->n,
				 (flags & MSG_PEEK) | MSG_DONTWAIT, 0);
	for (i = 0; i < it->n; i++)
		cap += it->v[i].iov_len;
	if (it->n == 1) {
		r = aec_recvmsg(ps->aec, it->v[0].iov_base, it->v[0].iov_len,
				(flags & MSG_PEEK) | MSG_TRUNC | MSG_DONTWAIT,
				from, dg, 0);
	} else {
		bounce = malloc(PS_UDP_MAX);
		if (!bounce)
			return -ENOMEM;
		r = aec_recvmsg(ps->aec, bounce, PS_UDP_MAX,
				(flags & MSG_PEEK) | MSG_TRUNC | MSG_DONTWAIT,
				from, dg, 0);
		for (i = 0; r > 0 && i < it->n && off < (size_t)r; i++) {
			size_t n = it->v[i].iov_len;

			if ((size_t)r - off < n)
				n = r - off;
			memcpy(it->v[i].iov_base, bounce + off, n);
			off += n;
		}
		free(bounce);
	}
	if (r > 0 && (size_t)r > cap) {
		*mflags |= MSG_TRUNC;
		if (!(flags & MSG_TRUNC))
			r = cap;
	}
	return r;
}

/**
 * ps_recv_iter() - receive into @it with kernel blocking semantics
 * @ps:		socket
 * @fd:		the program's fd
 * @it:		buffers
 * @total:	their size
 * @flags:	program's flags
 * @from:	source out (UDP), may be NULL
 * @dg:		the datagram's IP fields out (UDP), may be NULL
 * @mflags:	out: MSG_TRUNC when a datagram did not fit
 *
 * Return: bytes, 0 at end of stream, or -1 with errno
 */
static ssize_t ps_recv_iter(struct ps_sock *ps, int fd, struct ps_iter *it,
			    size_t total, int flags, struct sockaddr_in *from,
			    struct aec_dginfo *dg, int *mflags)
{
	bool nb = ps_nonblock(ps, flags);
	bool waitall = (flags & MSG_WAITALL) && ps->type == SOCK_STREAM &&
		       !(flags & MSG_PEEK) && !nb;
	struct timespec dl = { 0, -1 };
	size_t got = 0;
	ssize_t r;
	int w;

	if (flags & MSG_OOB)	/* no urgent data is ever pending */
		return ps_fail(ps->type == SOCK_STREAM ? EINVAL : EOPNOTSUPP);
	if (flags & MSG_ERRQUEUE)	/* no errors are ever queued */
		return ps_fail(EAGAIN);
	if (total == 0 && ps->type == SOCK_STREAM)
		return 0;
	for (;;) {
		r = ps_recv_once(ps, it, flags, from, dg, mflags);
		if (r < 0 && r != -EAGAIN && ps->type == SOCK_DGRAM &&
		    ps_dead(ps))	/* see ps_mask(): ENETDOWN once */
			r = ps_down_take(ps) ? -ENETDOWN : -EAGAIN;
		if (r == -ECONNRESET && ps_dead(ps) && !ps_down_take(ps))
			r = 0;	/* Linux: a reset is read once, then EOF */
		if (r > 0) {
			got += r;
			if (!waitall || got >= total)
				break;
			iter_advance(it, r);
			continue;
		}
		if (r == 0 || r != -EAGAIN) {
			if (got)
				break;
			if (r == 0)
				return 0;
			return ps_fail(-r);
		}
		if (nb) {
			atomic_fetch_add(&ps->rd_epoch, 1);
			return got ? (ssize_t)got : ps_fail(EAGAIN);
		}
		w = ps_wait_total(ps, fd, POLLIN, ps->rcvtimeo_ms, &dl);
		if (w == 1)
			continue;
		if (got)
			break;
		if (w == 0)
			return ps_fail(EAGAIN);
		return -1;
	}
	if (!(ps_state(ps) & POLLIN))
		atomic_fetch_add(&ps->rd_epoch, 1);
	return got;
}

/**
 * ps_recvv() - receive on an Aether socket
 * @ps:		socket
 * @fd:		the program's fd
 * @iov:	buffers
 * @cnt:	parts
 * @flags:	MSG_* flags
 * @from:	source out (UDP), may be NULL
 * @dg:		the datagram's IP fields out (UDP), may be NULL
 * @mflags:	out: msg_flags (MSG_TRUNC), may be NULL
 *
 * Return: as recvmsg(2)
 */
static ssize_t ps_recvv(struct ps_sock *ps, int fd, const struct iovec *iov,
			int cnt, int flags, struct sockaddr_in *from,
			struct aec_dginfo *dg, int *mflags)
{
	struct ps_iter it;
	ssize_t total, r;
	int mf = 0;

	total = iter_init(&it, iov, cnt);
	if (total < 0)
		return -1;
	r = ps_recv_iter(ps, fd, &it, total, flags, from, dg,
			 mflags ? mflags : &mf);
	iter_done(&it);
	return r;
}

/**
 * ps_epipe() - report EPIPE, raising SIGPIPE unless MSG_NOSIGNAL
 * @flags:	call flags
 *
 * Return: -1
 */
static ssize_t ps_epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		raise(SIGPIPE);
	return ps_fail(EPIPE);
}

/**
 * ps_send_once() - one non-blocking send
 * @ps:		socket
 * @it:		data
 * @to:		destination (UDP), may be NULL
 * @dg:		this datagram's TTL/TOS (UDP), may be NULL
 *
 * Return: bytes or -errno
 */
static ssize_t ps_send_once(struct ps_sock *ps, struct ps_iter *it,
			    const struct sockaddr_in *to,
			    const struct aec_dginfo *dg)
{
	size_t total = 0, off = 0;
	char *bounce;
	ssize_t r;
	int i;

	if (ps->type == SOCK_STREAM || (!to && !dg && it->n != 1))
		return aec_sendv(ps->aec, it->v, it->n, MSG_DONTWAIT, 0);
	if (it->n == 1)
		return aec_sendmsg(ps->aec, it->v[0].iov_base,
				   it->v[0].iov_len, MSG_DONTWAIT, to, dg, 0);
	for (i = 0; i < it->n; i++)
		total += it->v[i].iov_len;
	if (total > PS_UDP_MAX)
		return -EMSGSIZE;
	bounce = malloc(total ? total : 1);
	if (!bounce)
		return -ENOMEM;
	for (i = 0; i < it->n; i++) {
		memcpy(bounce + off, it->v[i].iov_base, it->v[i].iov_len);
		off += it->v[i].iov_len;
	}
	r = aec_sendmsg(ps->aec, bounce, total, MSG_DONTWAIT, to, dg, 0);
	free(bounce);
	return r;
}

/**
 * ps_sendv() - send on an Aether socket
 * @ps:		socket
 * @fd:		the program's fd
 * @iov:	data
 * @cnt:	parts
 * @flags:	MSG_* flags
 * @to:		destination (UDP), may be NULL
 * @dg:		this datagram's TTL/TOS (UDP), may be NULL
 *
 * Return: as sendmsg(2)
 */
static ssize_t ps_sendv(struct ps_sock *ps, int fd, const struct iovec *iov,
			int cnt, int flags, const struct sockaddr_in *to,
			const struct aec_dginfo *dg)
{
	bool nb = ps_nonblock(ps, flags);
	struct timespec dl = { 0, -1 };
	struct ps_iter it;
	ssize_t total, r;
	size_t sent = 0;
	int w;

	total = iter_init(&it, iov, cnt);
	if (total < 0)
		return -1;
	for (;;) {
		r = ps_send_once(ps, &it, to, dg);
		if (r < 0 && ps->type == SOCK_DGRAM && ps_dead(ps))
			r = -ENETDOWN;	/* no connection to break: no SIGPIPE */
		if (r >= 0) {
			sent += r;
			if (sent >= (size_t)total || ps->type != SOCK_STREAM)
				break;
			iter_advance(&it, r);
			if (nb)
				goto full;
			continue;
		}
		if (r != -EAGAIN) {
			if (sent)
				break;
			iter_done(&it);
			if (r == -EPIPE)
				return ps_epipe(flags);
			return ps_fail(-r);
		}
full:
		atomic_fetch_add(&ps->wr_epoch, 1);
		if (nb) {
			if (sent)
				break;
			iter_done(&it);
			return ps_fail(EAGAIN);
		}
		w = ps_wait_total(ps, fd, POLLOUT, ps->sndtimeo_ms, &dl);
		if (w == 1)
			continue;
		if (sent)
			break;
		iter_done(&it);
		if (w == 0)
			return ps_fail(EAGAIN);
		return -1;
	}
	iter_done(&it);
	return sent;
}

/**
 * ps_send1() - send one buffer on an Aether socket (sendfile, write)
 * @ps:		socket
 * @fd:		the program's fd
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_* flags
 *
 * Return: as send(2)
 */
static ssize_t ps_send1(struct ps_sock *ps, int fd, const void *buf,
			size_t len, int flags)
{
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };

	return ps_sendv(ps, fd, &v, 1, flags, NULL, NULL);
}

/**
 * ps_recv1() - receive into one buffer
 * @ps:		socket
 * @fd:		the program's fd
 * @buf:	buffer
 * @len:	its size
 * @flags:	MSG_* flags
 * @from:	source out (UDP), may be NULL
 *
 * Return: as recv(2)
 */
static ssize_t ps_recv1(struct ps_sock *ps, int fd, void *buf, size_t len,
			int flags, struct sockaddr_in *from)
{
	struct iovec v = { .iov_base = buf, .iov_len = len };

	return ps_recvv(ps, fd, &v, 1, flags, from, NULL, NULL);
}

/**
 * read() - interposed read(2)
 * @fd:		fd
 * @buf:	buffer
 * @len:	its size
 *
 * Return: as read(2)
 */
ssize_t read(int fd, void *buf, size_t len)
{
	PS_HOLD(ps, fd);

	if (!ps)
		return REAL(read)(fd, buf, len);
	return ps_recv1(ps, fd, buf, len, 0, NULL);
}

/**
 * write() - interposed write(2)
 * @fd:		fd
 * @buf:	data
 * @len:	bytes
 *
 * Return: as write(2)
 */
ssize_t write(int fd, const void *buf, size_t len)
{
	PS_HOLD(ps, fd);

	if (!ps)
		return REAL(write)(fd, buf, len);
	return ps_send1(ps, fd, buf, len, 0);
}

/**
 * readv() - interposed readv(2)
 * @fd:		fd
 * @iov:	buffers
 * @cnt:	parts
 *
 * Return: as readv(2)
 */
ssize_t readv(int fd, const struct iovec *iov, int cnt)
{
	PS_HOLD(ps, fd);

	if (!ps)
		return REAL(readv)(fd, iov, cnt);
	return ps_recvv(ps, fd, iov, cnt, 0, NULL, NULL, NULL);
}

/**
 * writev() - interposed writev(2)
 * @fd:		fd
 * @iov:	data
 * @cnt:	parts
 *
 * Return: as writev(2)
 */
ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	PS_HOLD(ps, fd);

	if (!ps)
		return REAL(writev)(fd, iov, cnt);
	return ps_sendv(ps, fd, iov, cnt, 0, NULL, NULL);
}

/**
 * recv() - interposed recv(2)
 * @fd:		socket
 * @buf:	buffer
 * @len:	its size
 * @flags:	MSG_*
 *
 * Return: as recv(2)
 */
ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	PS_HOLD(ps, fd);

	if (!ps)
		return REAL(recv)(fd, buf, len, flags);
	return ps_recv1(ps, fd, buf, len, flags, NULL);
}

/**
 * send() - interposed send(2)
 * @fd:		socket
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_*
 *
 * Return: as send(2)
 */
ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	PS_HOLD(ps, fd);

	if (!ps)
		return REAL(send)(fd, buf, len, flags);
	return ps_send1(ps, fd, buf, len, flags);
}

/**
 * recvfrom() - interposed recvfrom(2)
 * @fd:		socket
 * @buf:	buffer
 * @len:	its size
 * @flags:	MSG_*
 * @sa:		source out
 * @salen:	its size in/out (TCP: set to 0, like Linux)
 *
 * Return: as recvfrom(2)
 */
ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
		 struct sockaddr *sa, socklen_t *salen)
{
	PS_HOLD(ps, fd);
	struct sockaddr_in from;
	ssize_t r;

	if (!ps)
		return REAL(recvfrom)(fd, buf, len, flags, sa, salen);
	memset(&from, 0, sizeof(from));
	r = ps_recv1(ps, fd, buf, len, flags,
		     ps->type == SOCK_DGRAM ? &from : NULL);
	if (r >= 0 && sa && salen) {
		if (ps->type == SOCK_DGRAM)
			ps_addr_to_app(ps, &from, sa, salen);
		else
			*salen = 0;
	}
	return r;
}

/**
 * sendto() - interposed sendto(2)
 * @fd:		socket
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_*
 * @sa:		destination (UDP; ignored by TCP as Linux does)
 * @salen:	its length
 *
 * Return: as sendto(2)
 */
ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *sa, socklen_t salen)
{
	PS_HOLD(ps, fd);
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };
	struct sockaddr_in to;
	int r;

	if (!ps)
		return REAL(sendto)(fd, buf, len, flags, sa, salen);
	if (!sa || ps->type == SOCK_STREAM)
		return ps_sendv(ps, fd, &v, 1, flags, NULL, NULL);
	r = ps_addr_from_app(ps, sa, salen, &to, false);
	if (!r)
		r = -ps_loop6_bind(ps, &to);
	if (r)
		return ps_fail(r);
	return ps_sendv(ps, fd, &v, 1, flags, &to, NULL);
}

/**
 * recvmsg() - interposed recvmsg(2)
 * @fd:		socket
 * @msg:	message
 * @flags:	MSG_*
 *
 * Return: as recvmsg(2); UDP control messages as cmsg.c says
 */
ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	PS_HOLD(ps, fd);
	struct aec_dginfo dg = { 0 };
	struct sockaddr_in from;
	ssize_t r;

	if (!ps)
		return REAL(recvmsg)(fd, msg, flags);
	if (!msg)
		return ps_fail(EFAULT);
	memset(&from, 0, sizeof(from));
	msg->msg_flags = 0;
	r = ps_recvv(ps, fd, msg->msg_iov, msg->msg_iovlen, flags,
		     ps->type == SOCK_DGRAM ? &from : NULL, &dg,
		     &msg->msg_flags);
	if (r < 0)
		return r;
	ps_cmsg_recv(ps, msg, &from, &dg);
	if (ps->type == SOCK_DGRAM && msg->msg_name)
		ps_addr_to_app(ps, &from, msg->msg_name, &msg->msg_namelen);
	else
		msg->msg_namelen = 0;
	return r;
}

/**
 * sendmsg() - interposed sendmsg(2)
 * @fd:		socket
 * @msg:	message (UDP control messages as cmsg.c says; TCP ignores them)
 * @flags:	MSG_*
 *
 * Return: as sendmsg(2)
 */
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	PS_HOLD(ps, fd);
	struct aec_dginfo dg;
	struct sockaddr_in to;
	int r;

	if (!ps) {
		if (msg && msg->msg_controllen)
			ps_gen_bump();	/* SCM_RIGHTS, perhaps ours */
		return REAL(sendmsg)(fd, msg, flags);
	}
	if (!msg)
		return ps_fail(EFAULT);
	if (!msg->msg_name || ps->type == SOCK_STREAM) {
		r = ps_cmsg_send(ps, msg, NULL, &dg);
		if (r)
			return ps_fail(r);
		return ps_sendv(ps, fd, msg->msg_iov, msg->msg_iovlen, flags,
				NULL, dg.set ? &dg : NULL);
	}
	r = ps_addr_from_app(ps, msg->msg_name, msg->msg_namelen, &to, false);
	if (!r)
		r = -ps_loop6_bind(ps, &to);
	if (!r)
		r = ps_cmsg_send(ps, msg, &to, &dg);
	if (r)
		return ps_fail(r);
	return ps_sendv(ps, fd, msg->msg_iov, msg->msg_iovlen, flags, &to,
			dg.set ? &dg : NULL);
}

/**
 * recvmmsg() - interposed recvmmsg(2): recvmsg in a loop
 * @fd:		socket
 * @vec:	messages
 * @vlen:	how many
 * @flags:	MSG_* (MSG_WAITFORONE)
 * @timeout:	ignored beyond the first message, as Linux mostly does
 *
 * Return: messages received, or -1 with errno if none
 */
int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	     struct timespec *timeout)
{
	PS_HOLD(ps, fd);
	unsigned int i;
	ssize_t r;

	if (!ps)
		return REAL(recvmmsg)(fd, vec, vlen, flags, timeout);
	for (i = 0; i < vlen; i++) {
		r = recvmsg(fd, &vec[i].msg_hdr, flags & ~MSG_WAITFORONE);
		if (r < 0)
			return i ? (int)i : -1;
		vec[i].msg_len = r;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
	}
	return i;
}

/**
 * sendmmsg() - interposed sendmmsg(2): sendmsg in a loop
 * @fd:		socket
 * @vec:	messages
 * @vlen:	how many
 * @flags:	MSG_*
 *
 * Return: messages sent, or -1 with errno if none
 */
int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	PS_HOLD(ps, fd);
	unsigned int i;
	ssize_t r;

	if (!ps) {
		ps_gen_bump();	/* perhaps SCM_RIGHTS */
		return REAL(sendmmsg)(fd, vec, vlen, flags);
	}
	for (i = 0; i < vlen; i++) {
		r = sendmsg(fd, &vec[i].msg_hdr, flags);
		if (r < 0)
			return i ? (int)i : -1;
		vec[i].msg_len = r;
	}
	return i;
}

/**
 * ps_sendfile() - sendfile from a file to an Aether socket, through a buffer
 * @ps:		socket
 * @out:	socket fd
 * @in:		file fd
 * @off:	file offset in/out, NULL for the file position
 * @count:	bytes
 *
 * Return: bytes sent or -1 with errno
 */
static ssize_t ps_sendfile(struct ps_sock *ps, int out, int in, off_t *off,
			   size_t count)
{
	size_t chunk, done = 0;
	ssize_t n, s;
	char *buf;

	buf = malloc(65536);
	if (!buf)
		return ps_fail(ENOMEM);
	while (done < count) {
		chunk = count - done < 65536 ? count - done : 65536;
		if (off)
			n = REAL(pread)(in, buf, chunk, *off);
		else
			n = REAL(read)(in, buf, chunk);
		if (n <= 0) {
			if (n < 0 && !done) {
				free(buf);
				return -1;
			}
			break;
		}
		s = ps_send1(ps, out, buf, n, 0);
		if (s < 0) {
			if (!off)
				lseek(in, -n, SEEK_CUR);
			if (done)
				break;
			free(buf);
			return -1;
		}
		done += s;
		if (off)
			*off += s;
		else if (s < n)
			lseek(in, s - n, SEEK_CUR);
		if (s < n)
			break;
	}
	free(buf);
	return done;
}

/**
 * pipe_room() - bytes a write to @fd can take without blocking or splitting
 * @fd:		destination
 * @want:	bytes wanted
 *
 * Return: @want for non-pipes, else at most the pipe's free space (0: full)
 */
static size_t pipe_room(int fd, size_t want)
{
	struct stat st;
	int cap, used = 0;

	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return want;
	cap = REAL(fcntl)(fd, F_GETPIPE_SZ);
	if (cap <= 0 || REAL(ioctl)(fd, FIONREAD, &used) < 0)
		return want;
	if (used >= cap)
		return 0;
	return want < (size_t)(cap - used) ? want : (size_t)(cap - used);
}

/**
 * write_all() - write @n bytes to a kernel fd
 * @fd:		destination
 * @buf:	data
 * @n:		bytes
 *
 * Return: 0, or -1 with errno (the bytes are lost: callers size @n so that
 * this cannot happen on a pipe)
 */
static int write_all(int fd, const char *buf, size_t n)
{
	ssize_t w;

	while (n) {
		w = REAL(write)(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

/**
 * ps_sock_to_fd() - sendfile/splice from an Aether socket into a kernel fd
 * @ps:		source socket
 * @in:		its fd
 * @out:	destination (file or pipe)
 * @count:	bytes at most
 * @nonblock:	do not wait (Linux's SPLICE_F_NONBLOCK concerns the pipe
 *		only, so splice passes false and the socket's own mode rules)
 *
 * One receive, sized to what @out can take at once, then written whole.
 *
 * Return: bytes moved, 0 at end of stream, or -1 with errno
 */
static ssize_t ps_sock_to_fd(struct ps_sock *ps, int in, int out, size_t count,
			     bool nonblock)
{
	char buf[16384];
	size_t room;
	ssize_t n;

	room = pipe_room(out, count < sizeof(buf) ? count : sizeof(buf));
	if (!room)
		return ps_fail(EAGAIN);
	n = ps_recv1(ps, in, buf, room, nonblock ? MSG_DONTWAIT : 0, NULL);
	if (n <= 0)
		return n;
	return write_all(out, buf, n) < 0 ? -1 : n;
}

/**
 * splice() - interposed splice(2). From an Aether socket into a pipe: one
 * receive sized to the pipe's free space. Into an Aether socket from a pipe:
 * only for blocking sockets (a partial send could not be put back into the
 * pipe), else EINVAL, what Linux says for fds that cannot splice; programs
 * fall back to read/write.
 * @in:		source fd
 * @off_in:	source offset (EINVAL for a socket)
 * @out:	destination fd
 * @off_out:	destination offset
 * @len:	bytes
 * @flags:	SPLICE_F_*
 *
 * Return: as splice(2)
 */
ssize_t splice(int in, loff_t *off_in, int out, loff_t *off_out, size_t len,
	       unsigned int flags)
{
	PS_HOLD(pin, in);
	PS_HOLD(pout, out);
	char buf[16384];
	ssize_t n, s;

	if (!pin && !pout)
		return REAL(splice)(in, off_in, out, off_out, len, flags);
	if (pin && pout)
		return ps_fail(EINVAL);
	if ((pin && off_in) || (pout && off_out))
		return ps_fail(EINVAL);	/* Linux: an offset on a socket */
	if (pin)
		return ps_sock_to_fd(pin, in, out, len, false);
	if (atomic_load(&pout->nonblock) || (flags & SPLICE_F_NONBLOCK) ||
	    off_in)
		return ps_fail(EINVAL);
	n = REAL(read)(in, buf, len < sizeof(buf) ? len : sizeof(buf));
	if (n <= 0)
		return n;
	s = ps_send1(pout, out, buf, n, 0);
	return s;
}

/**
 * tee() - interposed tee(2): pipes only, as on Linux
 * @in:		source pipe
 * @out:	destination pipe
 * @len:	bytes
 * @flags:	SPLICE_F_*
 *
 * Return: as tee(2)
 */
ssize_t tee(int in, int out, size_t len, unsigned int flags)
{
	if (ps_get(in) || ps_get(out))
		return ps_fail(EINVAL);
	return REAL(tee)(in, out, len, flags);
}

/**
 * sendfile() - interposed sendfile(2)
 * @out:	destination fd
 * @in:		source fd
 * @off:	offset in/out
 * @count:	bytes
 *
 * Return: as sendfile(2)
 */
ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	PS_HOLD(ps, out);
	PS_HOLD(pin, in);

	if (pin && (ps || off))
		return ps_fail(ps ? EINVAL : ESPIPE);
	if (pin)
		return ps_sock_to_fd(pin, in, out, count, false);
	if (!ps)
		return REAL(sendfile)(out, in, off, count);
	return ps_sendfile(ps, out, in, off, count);
}

/**
 * sendfile64() - interposed sendfile64 (the same on 64-bit)
 * @out:	destination fd
 * @in:		source fd
 * @off:	offset in/out
 * @count:	bytes
 *
 * Return: as sendfile(2)
 */
ssize_t sendfile64(int out, int in, off_t *off, size_t count)
{
	return sendfile(out, in, off, count);	/* off64_t is off_t on LP64 */
}

/**
 * __read_chk() - fortified read
 * @fd:		fd
 * @buf:	buffer
 * @len:	bytes wanted
 * @buflen:	buffer size as the compiler knows it
 *
 * Return: as read(2)
 */
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		abort();
	return read(fd, buf, len);
}

/**
 * __recv_chk() - fortified recv
 * @fd:		socket
 * @buf:	buffer
 * @len:	bytes wanted
 * @buflen:	buffer size as the compiler knows it
 * @flags:	MSG_*
 *
 * Return: as recv(2)
 */
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		abort();
	return recv(fd, buf, len, flags);
}

/**
 * __recvfrom_chk() - fortified recvfrom
 * @fd:		socket
 * @buf:	buffer
 * @len:	bytes wanted
 * @buflen:	buffer size as the compiler knows it
 * @flags:	MSG_*
 * @sa:		source out
 * @salen:	its size in/out
 *
 * Return: as recvfrom(2)
 */
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
		       int flags, struct sockaddr *sa, socklen_t *salen);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen,
		       int flags, struct sockaddr *sa, socklen_t *salen)
{
	if (len > buflen)
		abort();
	return recvfrom(fd, buf, len, flags, sa, salen);
}
