// SPDX-License-Identifier: MIT
/**
 * DOC: client.c - the client side of the aetherd protocol
 *
 * Theory of operation: each struct aec_sock wraps one backing fd. Control
 * operations are request/response exchanges on that fd (aec_xfer()), held
 * under the socket's mutex so that two threads never read each other's
 * responses; NOTIFY datagrams met while waiting for a response are skipped.
 * Data never crosses the fd for TCP: aec_sendv() and aec_recvv() copy into
 * and out of the rings in the shared memory the daemon sent (a memfd mapped
 * here and closed at once), publish the index, and ring a DOORBELL only when
 * the daemon asked for one. Blocking follows one rule (aec_wait()): drain
 * NOTIFYs, set the want flag, re-check the shared state, and only then sleep
 * in ppoll() on the backing fd, which the daemon makes readable with a
 * NOTIFY. The daemon's death shows as POLLHUP/EOF on the fd.
 *
 * Every system call goes through syscall() directly: this library lives
 * inside libaether.so, which interposes the libc socket functions, and must
 * not call back into it (a poll() on a backing fd must be the kernel's).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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

#include "client.h"
#include "proto.h"
#include "shm.h"

#define AEC_SMALL	256
#define AEC_SHARED_MS	50
#define AEC_SHARED_MAX_MS	1000
#define AEC_NAPS	20
#define AEC_FOREIGN_MS	200

/* ---- raw system calls -------------------------------------------------- */

/**
 * sys_ret() - turn a raw syscall() result into >= 0 or -errno
 * @r:		syscall() return value
 *
 * Return: @r or -errno
 */
static long sys_ret(long r)
{
	return r < 0 ? -errno : r;
}

static int sys_close(int fd)
{
	return (int)sys_ret(syscall(SYS_close, fd));
}

static int sys_fcntl(int fd, int cmd, long arg)
{
	return (int)sys_ret(syscall(SYS_fcntl, fd, cmd, arg));
}

static ssize_t sys_sendmsg(int fd, const struct msghdr *m, int flags)
{
	return sys_ret(syscall(SYS_sendmsg, fd, m, flags));
}

static ssize_t sys_recvmsg(int fd, struct msghdr *m, int flags)
{
	return sys_ret(syscall(SYS_recvmsg, fd, m, flags));
}

static int sys_getsockopt(int fd, int level, int name, void *val,
			  socklen_t *len)
{
	return (int)sys_ret(syscall(SYS_getsockopt, fd, level, name, val, len));
}

/**
 * sys_poll1() - ppoll() one fd
 * @fd:		fd
 * @events:	poll events
 * @timeout_ms:	-1 forever
 * @revents:	set to what fired
 *
 * Return: 1 ready, 0 timeout, -errno (-EINTR)
 */
static int sys_poll1(int fd, short events, int timeout_ms, short *revents)
{
	struct pollfd p = { .fd = fd, .events = events };
	struct timespec ts, *tsp = NULL;
	long r;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	r = sys_ret(syscall(SYS_ppoll, &p, 1, tsp, NULL, (size_t)_NSIG / 8));
	*revents = p.revents;
	return (int)r;
}

/**
 * now_ms() - monotonic milliseconds
 *
 * Return: ms
 */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/**
 * left_ms() - time left until a deadline
 * @deadline:	absolute ms, or -1 for none
 *
 * Return: -1 (forever), or ms left (>= 0)
 */
static int left_ms(int64_t deadline)
{
	int64_t l;

	if (deadline < 0)
		return -1;
	l = deadline - now_ms();
	return l < 0 ? 0 : (int)(l > 0x7fffffff ? 0x7fffffff : l);
}

/**
 * deadline_of() - absolute deadline for a timeout
 * @timeout_ms:	< 0 forever
 *
 * Return: absolute ms or -1
 */
static int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* ---- connection to the daemon ------------------------------------------ */

/**
 * aec_socket_path() - the control socket path
 *
 * Return: $AETHER_SOCKET, or AE_IPC_DEFAULT_PATH
 */
const char *aec_socket_path(void)
{
	const char *p = getenv(AE_IPC_ENV_SOCKET);

	return p && *p ? p : AE_IPC_DEFAULT_PATH;
}

/**
 * aec_dial() - connect a new SEQPACKET socket to the control socket
 * @cloexec:	open it close-on-exec
 *
 * Return: the fd, or -ENETDOWN (no daemon), -EMFILE etc.
 */
static int aec_dial(bool cloexec)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = aec_socket_path();
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = (int)sys_ret(syscall(SYS_socket, AF_UNIX,
				  SOCK_SEQPACKET | (cloexec ? SOCK_CLOEXEC : 0),
				  0));
	if (fd < 0)
		return fd;
	do {
		r = (int)sys_ret(syscall(SYS_connect, fd, &sun, sizeof(sun)));
	} while (r == -EINTR);
	if (r < 0) {
		sys_close(fd);
		if (r == -ENOENT || r == -ECONNREFUSED || r == -ENOTDIR)
			return -ENETDOWN;
		return r;
	}
	return fd;
}

/**
 * struct aec_rsp - where a response goes
 * @buf:	header + fixed payload, @cap bytes
 * @cap:	its size
 * @data:	optional second part (UDP data, tables), @data_cap bytes
 * @data_cap:	its size
 * @fds:	received descriptors, @nfds of them
 * @nfds:	count
 * @len:	bytes received
 * @wake:	the socket's header page: NOTIFYs skipped while waiting for
 *		the response are re-armed for its sleepers (NULL: none)
 * @cloexec_fds: receive fds with MSG_CMSG_CLOEXEC (always true here)
 */
struct aec_rsp {
	void *buf;
	size_t cap;
	void *data;
	size_t data_cap;
	int fds[2];
	int nfds;
	size_t len;
	struct ae_shm_hdr *wake;
};

static void aec_notify_taken(int fd, struct ae_shm_hdr *h, uint32_t dirs,
			     uint32_t mine, bool ring);
static uint32_t aec_notify_dirs(const struct ae_ipc_hdr *m);

/**
 * close_fds() - close descriptors a message brought that nobody wants
 * @r:		response
 */
static void close_fds(struct aec_rsp *r)
{
	int i;

	for (i = 0; i < r->nfds; i++)
		sys_close(r->fds[i]);
	r->nfds = 0;
}

/**
 * take_fds() - collect SCM_RIGHTS descriptors of a received message
 * @m:		the message header after recvmsg()
 * @r:		response: fds go to @r->fds (extras are closed)
 */
static void take_fds(struct msghdr *m, struct aec_rsp *r)
{
	struct cmsghdr *c;

	r->nfds = 0;
	for (c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		size_t n, i;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (r->nfds < 2)
				r->fds[r->nfds++] = fd;
			else
				sys_close(fd);
		}
	}
}

/**
 * aec_send_req() - send one request datagram
 * @fd:		backing fd
 * @type:	request type
 * @seq:	sequence number
 * @p:		fixed payload, @plen bytes
 * @plen:	its size
 * @v:		variable payload, @vlen bytes
 * @vlen:	its size
 *
 * Return: 0 or -ENETDOWN / -errno
 */
static int aec_send_req(int fd, uint16_t type, uint32_t seq, const void *p,
			size_t plen, const void *v, size_t vlen)
{
	struct ae_ipc_hdr h;
	struct iovec iov[3] = {
		{ &h, sizeof(h) }, { (void *)p, plen }, { (void *)v, vlen },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };
	short rev;
	ssize_t n;

	ipc_hdr_init(&h, type, (uint32_t)(sizeof(h) + plen + vlen), seq, 0);
	for (;;) {
		n = sys_sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (n == -EINTR)
			continue;
		if (n == -EAGAIN) {
			if (sys_poll1(fd, POLLOUT, -1, &rev) < 0 && errno != EINTR)
				return -ENETDOWN;
			continue;
		}
		if (n == -EPIPE || n == -ECONNRESET || n == -ENOTCONN)
			return -ENETDOWN;
		return (int)n;
	}
}

/**
 * aec_peek_hdr() - wait for the next datagram and peek at its header
 * @fd:		backing fd
 * @h:		the header (valid when the return is >= sizeof(*h))
 *
 * Return: bytes peeked (> 0), or -ENETDOWN
 */
static ssize_t aec_peek_hdr(int fd, struct ae_ipc_hdr *h)
{
	short rev;
	ssize_t n;
	int pr;

	for (;;) {
		n = sys_ret(syscall(SYS_recvfrom, fd, h, sizeof(*h),
				    MSG_PEEK | MSG_DONTWAIT, NULL, NULL));
		if (n > 0)
			return n;
		if (n == -EINTR)
			continue;
		if (n != -EAGAIN)
			return -ENETDOWN;
		pr = sys_poll1(fd, POLLIN, -1, &rev);
		if (pr < 0 && pr != -EINTR)
			return -ENETDOWN;
	}
}

/**
 * aec_discard() - consume one datagram nobody wants, closing its fds
 * @fd:		backing fd
 */
static void aec_discard(int fd)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct aec_rsp r = { 0 };
	char b[64];
	struct iovec iov = { b, sizeof(b) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cm.buf,
			    .msg_controllen = sizeof(cm.buf) };

	if (sys_recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) > 0) {
		take_fds(&m, &r);
		close_fds(&r);
	}
}

/**
 * aec_take_rsp() - consume the datagram at the head: our response
 * @fd:		backing fd
 * @r:		where it goes
 *
 * Return: its result, or -EPROTO / -ENETDOWN
 */
static int aec_take_rsp(int fd, struct aec_rsp *r)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct iovec iov[2] = {
		{ r->buf, r->cap }, { r->data, r->data ? r->data_cap : 0 },
	};
	struct msghdr m = {
		.msg_iov = iov, .msg_iovlen = 2,
		.msg_control = cm.buf, .msg_controllen = sizeof(cm.buf),
	};
	struct ae_ipc_hdr h;
	ssize_t n;

	do {
		n = sys_recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n == -EINTR);
	if (n <= 0)
		return -ENETDOWN;
	take_fds(&m, r);
	memcpy(&h, r->buf, sizeof(h));
	if ((size_t)n < sizeof(h) || (m.msg_flags & MSG_TRUNC) ||
	    h.version != AE_IPC_VERSION || h.len != (size_t)n) {
		close_fds(r);
		return -EPROTO;
	}
	r->len = (size_t)n;
	return h.result;
}

/**
 * aec_recv_rsp() - receive our response, skipping NOTIFYs
 * @fd:		backing fd
 * @type:	expected type
 * @seq:	expected sequence number (it carries our pid, see aec_xfer())
 * @r:		where it goes
 *
 * The next datagram is peeked first. Ours (type and seq) is taken; a NOTIFY
 * is consumed; another process's response (processes sharing a backing fd
 * after fork or SCM_RIGHTS) is left for its owner, and only thrown away if
 * nobody took it within AEC_FOREIGN_MS (its owner is gone). Waits without a
 * timeout otherwise: the daemon answers every request at once, and its
 * death wakes us with POLLHUP.
 *
 * Return: the response's result (>= 0 or -errno), -ENETDOWN, -EPROTO
 */
static int aec_recv_rsp(int fd, uint16_t type, uint32_t seq, struct aec_rsp *r)
{
	struct timespec nap = { 0, 1000000L };
	int64_t foreign_since = -1;
	uint32_t foreign_seq = 0;
	struct ae_ipc_hdr h;
	ssize_t n;

	for (;;) {
		n = aec_peek_hdr(fd, &h);
		if (n < 0)
			return (int)n;
		if ((size_t)n >= sizeof(h) && h.type == type && h.seq == seq)
			return aec_take_rsp(fd, r);
		if ((size_t)n < sizeof(h) || h.type == AE_MSG_NOTIFY ||
		    h.version != AE_IPC_VERSION) {
			aec_discard(fd);
			/* a sleeper on this socket may need that wake-up */
			if ((size_t)n >= sizeof(h) && h.type == AE_MSG_NOTIFY &&
			    r->wake)
				aec_notify_taken(fd, r->wake,
						 aec_notify_dirs(&h), 0, true);
			continue;
		}
		if (foreign_since < 0 || h.seq != foreign_seq) {
			foreign_since = now_ms();
			foreign_seq = h.seq;
		} else if (now_ms() - foreign_since > AEC_FOREIGN_MS) {
			aec_discard(fd);
			foreign_since = -1;
			continue;
		}
		nanosleep(&nap, NULL);
	}
}

/**
 * aec_xfer() - one request/response exchange on a backing fd
 * @fd:		backing fd
 * @seq:	sequence counter to bump
 * @type:	request type
 * @p:		fixed payload, @plen bytes
 * @plen:	its size
 * @v:		variable payload, @vlen bytes
 * @vlen:	its size
 * @r:		response buffers
 *
 * The caller holds the socket's lock (or owns @fd alone).
 *
 * Return: the result, or -ENETDOWN / -EPROTO
 */
static int aec_xfer(int fd, uint32_t *seq, uint16_t type, const void *p,
		    size_t plen, const void *v, size_t vlen, struct aec_rsp *r)
{
	uint32_t wire;
	int ret;

	r->nfds = 0;
	r->len = 0;
	/* the pid in the high half tells processes sharing @fd apart */
	wire = ((uint32_t)getpid() << 16) | (++*seq & 0xffff);
	ret = aec_send_req(fd, type, wire, p, plen, v, vlen);
	if (ret)
		return ret;
	return aec_recv_rsp(fd, type, wire, r);
}

/* ---- shared memory ------------------------------------------------------ */

/*
 * Mapping cache. The daemon reuses a closed socket's region for a later
 * socket of the same uid (session_shm.c); a connection-per-request server
 * then keeps receiving memfds it mapped before. A closed socket's mapping
 * is kept here, keyed by the memfd's inode, and handed to the next socket
 * whose memfd is that very file: no mmap, no munmap, no page faults. Only
 * header-only mappings and ring mappings that carried little data are kept
 * (so at most a few pages each stay pinned), at most AEC_MAP_CACHE of them,
 * oldest unmapped first.
 * What a kept mapping may show later is the same region reused for the same
 * uid's sockets, which the daemon's rule already allows any holder of the
 * memfd to see. The lock is only ever tried: a thread that finds it busy
 * (or a child forked while another thread held it) maps and unmaps as before.
 */
#define AEC_MAP_CACHE		64
#define AEC_MAP_KEEP_BYTES	(256u * 1024)

/**
 * struct aec_cached_map - one kept mapping
 * @p:		the mapping
 * @len:	its length
 * @dev:	memfd device
 * @ino:	memfd inode
 */
struct aec_cached_map {
	void *p;
	size_t len;
	dev_t dev;
	ino_t ino;
};

static struct aec_cached_map map_cache[AEC_MAP_CACHE];
static int map_ncached;
static int map_busy;

/**
 * map_lock() - try to take the cache
 *
 * Return: true if taken (release with map_unlock())
 */
static bool map_lock(void)
{
	return !__atomic_exchange_n(&map_busy, 1, __ATOMIC_ACQUIRE);
}

/**
 * map_unlock() - release the cache
 */
static void map_unlock(void)
{
	__atomic_store_n(&map_busy, 0, __ATOMIC_RELEASE);
}

/**
 * map_cache_take() - a kept mapping of this memfd, if there is one
 * @st:		the memfd's fstat
 * @len:	length wanted
 *
 * Return: the mapping (no longer in the cache) or NULL
 */
static void *map_cache_take(const struct stat *st, size_t len)
{
	void *p = NULL;
	int i;

	if (!map_lock())
		return NULL;
	for (i = map_ncached - 1; i >= 0; i--) {
		struct aec_cached_map *m = &map_cache[i];

		if (m->ino != st->st_ino || m->dev != st->st_dev ||
		    m->len != len)
			continue;
		p = m->p;
		memmove(m, m + 1, sizeof(*m) * (size_t)(map_ncached - i - 1));
		map_ncached--;
		break;
	}
	map_unlock();
	return p;
}

/**
 * map_release() - a socket is done with a mapping: keep it or unmap it
 * @h:		the mapping
 * @len:	its length
 * @dev:	its memfd's device
 * @ino:	its memfd's inode
 */
static void map_release(struct ae_shm_hdr *h, size_t len, dev_t dev, ino_t ino)
{
	void *old = NULL;
	size_t old_len = 0;
	uint32_t through;
	bool keep;

	/* bytes that went through the rings: what may have been paged in */
	through = shm_load(&h->rx_tail) + shm_load(&h->tx_tail);
	if (h->rx_size)
		keep = len == h->map_size && through <= AEC_MAP_KEEP_BYTES;
	else
		keep = len == AE_SHM_HDR_SIZE;
	if (!keep || !map_lock()) {
		munmap(h, len);
		return;
	}
	if (map_ncached == AEC_MAP_CACHE) {
		old = map_cache[0].p;
		old_len = map_cache[0].len;
		memmove(&map_cache[0], &map_cache[1],
			sizeof(map_cache[0]) * (AEC_MAP_CACHE - 1));
		map_ncached--;
	}
	map_cache[map_ncached++] = (struct aec_cached_map){
		.p = h, .len = len, .dev = dev, .ino = ino };
	map_unlock();
	if (old)
		munmap(old, old_len);
}
/**
 * aec_map() - map a socket's memfd and make it the current memory
 * @s:		socket
 * @memfd:	the memfd (closed here)
 * @size:	bytes to map, from the response
 *
 * The previous mapping stays until aec_close_local(): another thread may be
 * reading it right now.
 *
 * Return: 0 or -EPROTO / -ENOMEM
 */
static int aec_map(struct aec_sock *s, int memfd, uint32_t size)
{
	struct ae_shm_hdr *h;
	struct stat st;
	void *p;

	if (size < AE_SHM_HDR_SIZE || fstat(memfd, &st) ||
	    st.st_size < (off_t)size) {
		sys_close(memfd);
		return -EPROTO;
	}
	p = map_cache_take(&st, size);
	if (!p)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd,
			 0);
	sys_close(memfd);
	if (p == MAP_FAILED)
		return -ENOMEM;
	h = p;
	if (shm_layout_check(h, size)) {
		munmap(p, size);
		return -EPROTO;
	}
	if (s->shm) {
		if (s->nold == AEC_OLD_MAPS) {
			munmap(s->old_shm[0], s->old_len[0]);
			memmove(&s->old_shm[0], &s->old_shm[1],
				sizeof(s->old_shm[0]) * (AEC_OLD_MAPS - 1));
			memmove(&s->old_len[0], &s->old_len[1],
				sizeof(s->old_len[0]) * (AEC_OLD_MAPS - 1));
			memmove(&s->old_dev[0], &s->old_dev[1],
				sizeof(s->old_dev[0]) * (AEC_OLD_MAPS - 1));
			memmove(&s->old_ino[0], &s->old_ino[1],
				sizeof(s->old_ino[0]) * (AEC_OLD_MAPS - 1));
			s->nold--;
		}
		s->old_shm[s->nold] = s->shm;
		s->old_dev[s->nold] = s->shm_dev;
		s->old_ino[s->nold] = s->shm_ino;
		s->old_len[s->nold++] = s->shm_len;
	}
	/* seqlock: a reader never pairs a mapping with another's incarnation */
	__atomic_store_n(&s->map_seq, s->map_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->shm_len = size;
	s->shm_dev = st.st_dev;
	s->shm_ino = st.st_ino;
	__atomic_store_n(&s->shm_inc, shm_load(&h->incarnation),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&s->shm, h, __ATOMIC_RELEASE);
	__atomic_store_n(&s->map_seq, s->map_seq + 1, __ATOMIC_RELEASE);
	return 0;
}

/**
 * aec_take_shm() - map the memfd a response carried, if it says so
 * @s:		socket
 * @info:	the response's socket info
 * @r:		the response (its last fd is the memfd)
 *
 * Return: 0 or -errno
 */
static int aec_take_shm(struct aec_sock *s, const struct ae_ipc_sockinfo *info,
			struct aec_rsp *r)
{
	int fd;

	if (!(info->flags & AE_RESP_SHM))
		return 0;
	if (r->nfds < 1)
		return -EPROTO;
	fd = r->fds[--r->nfds];
	return aec_map(s, fd, info->shm_size);
}

/**
 * aec_new() - allocate a socket object around a backing fd
 * @fd:		backing fd
 * @type:	SOCK_STREAM / SOCK_DGRAM
 *
 * Return: the object or NULL
 */
static struct aec_sock *aec_new(int fd, int type)
{
	struct aec_sock *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fd = fd;
	s->type = type;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->rlock, NULL);
	pthread_mutex_init(&s->wlock, NULL);
	return s;
}

/**
 * aec_free() - unmap (or keep in the mapping cache) and free a socket
 * object (not its fd)
 * @s:		socket
 */
static void aec_free(struct aec_sock *s)
{
	int i;

	for (i = 0; i < s->nold; i++)
		map_release(s->old_shm[i], s->old_len[i], s->old_dev[i],
			    s->old_ino[i]);
	if (s->shm)
		map_release(s->shm, s->shm_len, s->shm_dev, s->shm_ino);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->rlock);
	pthread_mutex_destroy(&s->wlock);
	free(s);
}

/**
 * aec_request() - a request on a socket, under its lock, and a fresh shm if
 * the answer carries one
 * @s:		socket
 * @type:	request type
 * @p:		fixed payload, @plen bytes
 * @plen:	size
 * @v:		variable payload, @vlen bytes
 * @vlen:	size
 * @r:		response buffers; if the fixed answer begins with (or is) a
 *		struct ae_ipc_sockinfo at @info_off, its memfd is mapped
 * @info_off:	offset of a struct ae_ipc_sockinfo in the payload, or -1
 *
 * Return: the result or -errno (-ENETDOWN: the daemon is gone)
 */
static int aec_request(struct aec_sock *s, uint16_t type, const void *p,
		       size_t plen, const void *v, size_t vlen,
		       struct aec_rsp *r, int info_off)
{
	struct ae_ipc_sockinfo info;
	int ret, mr;

	if (s->dead)
		return -ENETDOWN;
	pthread_mutex_lock(&s->lock);
	r->wake = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);
	ret = aec_xfer(s->fd, &s->seq, type, p, plen, v, vlen, r);
	if (ret == -ENETDOWN)
		s->dead = 1;
	/* memory may come with an error too (connect: -EINPROGRESS) */
	if (ret != -ENETDOWN && ret != -EPROTO && info_off >= 0 &&
	    r->len >= sizeof(struct ae_ipc_hdr) + info_off + sizeof(info)) {
		memcpy(&info, (uint8_t *)r->buf + sizeof(struct ae_ipc_hdr) +
		       info_off, sizeof(info));
		mr = aec_take_shm(s, &info, r);
		if (mr && ret >= 0)
			ret = mr;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/**
 * aec_simple() - a request whose answer is just the header (+ maybe shm)
 * @s:		socket
 * @type:	type
 * @p:		payload, @plen bytes
 * @plen:	size
 *
 * Return: result or -errno
 */
static int aec_simple(struct aec_sock *s, uint16_t type, const void *p,
		      size_t plen)
{
	uint8_t buf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_sockinfo)];
	struct aec_rsp r = { .buf = buf, .cap = sizeof(buf) };
	int ret;

	ret = aec_request(s, type, p, plen, NULL, 0, &r, 0);
	close_fds(&r);
	return ret;
}

/**
 * aec_refresh() - follow the socket to new memory if the daemon moved it
 * @s:		socket
 *
 * Return: 0 or -errno
 */
static int aec_refresh(struct aec_sock *s)
{
	struct ae_shm_hdr *h = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);

	if (!h || !shm_load(&h->moved) || s->dead)
		return 0;
	return aec_simple(s, AE_MSG_ATTACH, NULL, 0) < 0 ? -EPROTO : 0;
}

/**
 * aec_recycled() - has the daemon given @h's region to another socket?
 * @s:		socket
 * @h:		its current header, as just loaded
 *
 * Only possible once every copy of the backing fd is closed, so only for a
 * thread still inside a call on a socket another thread closed: the region
 * then belongs to a later socket of the same uid, whose data this thread
 * must not take. A move racing with the check makes it answer false.
 *
 * Return: true if recycled
 */
static bool aec_recycled(struct aec_sock *s, struct ae_shm_hdr *h)
{
	uint32_t q = __atomic_load_n(&s->map_seq, __ATOMIC_ACQUIRE), inc;
	struct ae_shm_hdr *cur;

	if (q & 1)
		return false;
	inc = __atomic_load_n(&s->shm_inc, __ATOMIC_RELAXED);
	cur = __atomic_load_n(&s->shm, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&s->map_seq, __ATOMIC_RELAXED) != q || cur != h)
		return false;
	return shm_load(&h->incarnation) != inc;
}

/**
 * aec_hdr() - the current header page, following moves
 * @s:		socket
 *
 * A recycled region (aec_recycled()) makes the socket dead: NULL, and every
 * later call fails as if the daemon had gone.
 *
 * Return: header or NULL
 */
static struct ae_shm_hdr *aec_hdr(struct aec_sock *s)
{
	struct ae_shm_hdr *h;

	aec_refresh(s);
	h = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);
	if (h && aec_recycled(s, h)) {
		s->dead = 1;
		return NULL;
	}
	return h;
}

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
static int addr_to_ipc(const struct sockaddr_in *sin, struct ae_ipc_addr *a)
{
	if (!sin)
		return -EFAULT;
	if (sin->sin_family != AF_INET && sin->sin_family != AF_UNSPEC)
		return -EAFNOSUPPORT;
	a->addr = sin->sin_addr.s_addr;
	a->port = sin->sin_port;
	a->pad = sin->sin_family == AF_UNSPEC ? 1 : 0;
	return 0;
}

/**
 * ipc_to_addr() - wire address to sockaddr_in
 * @a:		wire address
 * @sin:	result, may be NULL
 */
static void ipc_to_addr(const struct ae_ipc_addr *a, struct sockaddr_in *sin)
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
 * aec_accept_once() - one ACCEPT request
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
	uint8_t buf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_accept_resp)];
	struct aec_rsp r = { .buf = buf, .cap = sizeof(buf) };
	struct ae_ipc_int_req q = { 0 };
	struct ae_ipc_accept_resp a;
	struct aec_sock *n;
	int ret, fd;

	ret = aec_request(s, AE_MSG_ACCEPT, &q, sizeof(q), NULL, 0, &r, -1);
	if (ret < 0)
		goto out;
	if (r.len < sizeof(buf) || r.nfds != 2) {
		ret = -EPROTO;
		goto out;
	}
	memcpy(&a, buf + sizeof(struct ae_ipc_hdr), sizeof(a));
	fd = r.fds[0];
	n = aec_new(fd, a.info.type);
	if (!n) {
		ret = -ENOMEM;
		goto out;
	}
	r.nfds = 0;			/* both fds are ours to handle now */
	ret = (a.info.flags & AE_RESP_SHM) ?
	      aec_map(n, r.fds[1], a.info.shm_size) : -EPROTO;
	if (!ret && !(flags & SOCK_CLOEXEC))
		ret = sys_fcntl(fd, F_SETFD, 0);
	if (!ret && (flags & SOCK_NONBLOCK))
		ret = sys_fcntl(fd, F_SETFL, O_NONBLOCK | O_RDWR);
	if (ret < 0 || !n->shm) {
		aec_close_local(n, 1);
		ret = ret < 0 ? ret : -EPROTO;
		goto out;
	}
	ipc_to_addr(&a.peer, peer);
	*out = n;
	ret = fd;
out:
	close_fds(&r);
	return ret;
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
	int ret, w;

	for (;;) {
		ret = aec_accept_once(s, out, peer, flags);
		if (ret != -EAGAIN || (flags & MSG_DONTWAIT) || !timeout_ms)
			return ret;
		w = aec_wait(s, POLLIN, left_ms(deadline));
		if (w < 0)
			return w;
		if (!w)
			return -EAGAIN;
	}
}

/**
 * aec_take_error() - read and clear the pending error in shared memory
 * @h:		header page
 *
 * Return: the error as -errno, or 0
 */
static int aec_take_error(struct ae_shm_hdr *h)
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
	if (ret != -EINPROGRESS || (flags & MSG_DONTWAIT) || !timeout_ms)
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

/* ---- readiness ------------------------------------------------------------ */

/**
 * state_mask() - readiness from a header page
 * @h:		header
 *
 * Return: POLL* mask
 */
static unsigned int state_mask(struct ae_shm_hdr *h)
{
	uint32_t st = shm_load(&h->state);
	unsigned int m = 0;

	if (st & AE_SS_DEAD)
		return POLLIN | POLLOUT | POLLERR | POLLHUP;
	if (__atomic_load_n(&h->so_error, __ATOMIC_ACQUIRE) > 0)
		m |= POLLERR;
	if (h->rx_size) {
		if (shm_load(&h->rx_tail) != shm_load(&h->rx_head))
			m |= POLLIN;
		if ((st & AE_SS_OUT) &&
		    shm_load(&h->tx_tail) - shm_load(&h->tx_head) < h->tx_size)
			m |= POLLOUT;
	} else {
		if (st & AE_SS_IN)
			m |= POLLIN;
		if (st & AE_SS_OUT)
			m |= POLLOUT;
	}
	if (st & (AE_SS_RDHUP | AE_SS_RDSHUT | AE_SS_HUP))
		m |= POLLIN;
	if (st & AE_SS_RDHUP)
		m |= POLLRDHUP;
	if (st & AE_SS_HUP)
		m |= POLLHUP;
	return m;
}

/**
 * aec_poll_state() - current readiness, no syscall (unless moved)
 * @s:		socket
 *
 * Return: POLL* mask
 */
unsigned int aec_poll_state(struct aec_sock *s)
{
	struct ae_shm_hdr *h;

	if (s->dead)
		return POLLIN | POLLOUT | POLLERR | POLLHUP;
	h = aec_hdr(s);
	if (!h)
		return s->dead ? POLLIN | POLLOUT | POLLERR | POLLHUP : 0;
	return state_mask(h);
}

/**
 * aec_arm() - set want flags, then re-check
 * @s:		socket
 * @events:	POLLIN / POLLOUT
 *
 * Return: readiness mask
 */
unsigned int aec_arm(struct aec_sock *s, unsigned int events)
{
	struct ae_shm_hdr *h;
	uint32_t want = 0;

	if (s->dead)
		return POLLIN | POLLOUT | POLLERR | POLLHUP;
	h = aec_hdr(s);
	if (!h)
		return s->dead ? POLLIN | POLLOUT | POLLERR | POLLHUP : 0;
	if (events & POLLIN)
		want |= AE_WANT_IN;
	if (events & POLLOUT)
		want |= AE_WANT_OUT;
	if (want)
		shm_or(&h->shim_want, want);
	shm_fence();
	return state_mask(h);
}

/*
 * The shm waiters count (aec_wait() sleepers on this socket, in every process
 * sharing it) is kept per direction: POLLIN waiters in the low half, POLLOUT
 * waiters in the high half, so a consumer of a NOTIFY knows whether someone
 * else sleeps on the direction it was sent for.
 */
#define AEC_W_IN	1u
#define AEC_W_OUT	(1u << 16)

/**
 * aec_wait_units() - what a waiter for @events adds to the waiters count
 * @events:	POLLIN / POLLOUT
 *
 * Return: AEC_W_* sum
 */
static uint32_t aec_wait_units(unsigned int events)
{
	return ((events & POLLIN) ? AEC_W_IN : 0) |
	       ((events & POLLOUT) ? AEC_W_OUT : 0);
}

/**
 * aec_others_waiting() - directions other aec_wait() sleepers wait on
 * @h:		header page (NULL: nobody)
 * @mine:	the caller's own aec_wait_units() (0 if it is not a waiter)
 *
 * Return: AE_WANT_IN / AE_WANT_OUT bits
 */
static uint32_t aec_others_waiting(struct ae_shm_hdr *h, uint32_t mine)
{
	uint32_t w, d = 0;

	if (!h)
		return 0;
	w = __atomic_load_n(&h->waiters, __ATOMIC_SEQ_CST) - mine;
	if (w & 0xffffu)
		d |= AE_WANT_IN;
	if (w >> 16)
		d |= AE_WANT_OUT;
	return d;
}

/**
 * aec_notify_dirs() - the directions a NOTIFY was sent for
 * @m:		its header (the daemon puts AE_WANT_* bits in @result)
 *
 * Return: AE_WANT_* bits (both when the daemon did not say)
 */
static uint32_t aec_notify_dirs(const struct ae_ipc_hdr *m)
{
	uint32_t b = (uint32_t)m->result & (AE_WANT_IN | AE_WANT_OUT);

	return b ? b : AE_WANT_IN | AE_WANT_OUT;
}

/**
 * aec_notify_taken() - a NOTIFY for @dirs was consumed: keep others' wake-ups
 * @fd:		backing fd
 * @h:		header page or NULL
 * @dirs:	the NOTIFY's directions
 * @mine:	the consumer's own aec_wait_units() (0: not a waiter)
 * @ring:	also ring a DOORBELL so the daemon re-publishes now (else at
 *		its next event or sweep)
 *
 * The daemon cleared the want bit it sent the NOTIFY for; a sleeper in
 * poll() that had not yet looked when the datagram went would sleep on with
 * nobody left to wake it. So the want bit is set again for every direction
 * another waiter sleeps on, and the daemon sends a fresh NOTIFY when that
 * direction is (still) ready.
 */
static void aec_notify_taken(int fd, struct ae_shm_hdr *h, uint32_t dirs,
			     uint32_t mine, bool ring)
{
	struct ae_ipc_hdr m;

	dirs &= aec_others_waiting(h, mine);
	if (!dirs)
		return;
	shm_or(&h->shim_want, dirs);
	shm_fence();
	if (!ring)
		return;
	ipc_hdr_init(&m, AE_MSG_DOORBELL, sizeof(m), 0, 0);
	syscall(SYS_sendto, fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL,
		NULL, 0);
}

/**
 * aec_take_notifies() - consume the NOTIFYs at the head of the backing fd
 * that are the caller's to consume (never a response)
 * @s:		socket
 * @h:		header page the caller counted in, or NULL
 * @want:	AE_WANT_* the caller waits for; every direction if not a waiter
 * @mine:	the caller's aec_wait_units() (0: not a waiter)
 * @force:	also take one that another waiter should take
 *
 * A NOTIFY is taken when it is for a direction the caller waits on, or for
 * one nobody else waits on (stale), or with @force; others' wake-ups that
 * are taken are re-armed (aec_notify_taken()).
 *
 * Return: NOTIFYs taken, -EAGAIN when another waiter's NOTIFY heads the
 * queue (nothing of ours taken), -ENETDOWN when the daemon is gone
 */
static int aec_take_notifies(struct aec_sock *s, struct ae_shm_hdr *h,
			     uint32_t want, uint32_t mine, bool force)
{
	struct ae_ipc_hdr m;
	uint32_t dirs;
	int n = 0;
	ssize_t r;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		r = sys_ret(syscall(SYS_recvfrom, s->fd, &m, sizeof(m),
				    MSG_PEEK | MSG_DONTWAIT, NULL, NULL));
		if (r == 0) {
			s->dead = 1;
			n = -ENETDOWN;
			break;
		}
		if (r < (ssize_t)sizeof(m) || m.type != AE_MSG_NOTIFY)
			break;
		dirs = aec_notify_dirs(&m);
		if (!(dirs & want) && (dirs & aec_others_waiting(h, mine)) &&
		    !force) {
			if (!n)
				n = -EAGAIN;
			break;
		}
		if (syscall(SYS_recvfrom, s->fd, &m, sizeof(m), MSG_DONTWAIT,
			    NULL, NULL) <= 0)
			break;
		aec_notify_taken(s->fd, h, dirs, mine, !mine);
		force = false;
		n = n < 0 ? 1 : n + 1;
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

/**
 * aec_drain() - consume queued NOTIFYs (never a response)
 * @s:		socket
 *
 * Wake-ups that aec_wait() sleepers in this or another process still need
 * are re-armed, so draining never strands them.
 *
 * Return: count, or -ENETDOWN
 */
int aec_drain(struct aec_sock *s)
{
	if (s->dead)
		return -ENETDOWN;
	return aec_take_notifies(s, __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE),
				 AE_WANT_IN | AE_WANT_OUT, 0, false);
}

/**
 * aec_waiters() - count a waiter in or out (shared memory count)
 * @h:		the header page counted in (the same one in and out)
 * @units:	aec_wait_units() of the waiter
 * @delta:	+1 entering, -1 leaving
 */
static void aec_waiters(struct ae_shm_hdr *h, uint32_t units, int delta)
{
	if (!h)
		return;
	if (delta > 0)
		__atomic_add_fetch(&h->waiters, units, __ATOMIC_SEQ_CST);
	else
		__atomic_sub_fetch(&h->waiters, units, __ATOMIC_SEQ_CST);
}

/**
 * aec_wait() - block until ready for @events, a timeout or a signal
 * @s:		socket
 * @events:	POLLIN / POLLOUT
 * @timeout_ms:	-1 forever, 0 check only
 *
 * Several sleepers may share the fd (a reader and a writer thread, forked
 * processes). poll() wakes them all for a NOTIFY but sleeps on if the
 * datagram is gone when it looks, so each takes only NOTIFYs for its own
 * direction (or stale ones) and naps while another waiter's heads the
 * queue; after AEC_NAPS naps (its owner may be gone) it takes that one too,
 * and re-arms it for its owner (aec_notify_taken()).
 *
 * Return: ready mask, 0 on timeout, -EINTR, -ENETDOWN
 */
int aec_wait(struct aec_sock *s, unsigned int events, int timeout_ms)
{
	struct timespec nap = { 0, 1000000L };
	int64_t deadline = deadline_of(timeout_ms);
	uint32_t mine = aec_wait_units(events), want = 0;
	bool foreign;
	unsigned int m;
	int r, t, naps = 0, cap = AEC_SHARED_MS;
	short rev;
	/* count in and out of the same page, even if the socket moves */
	struct ae_shm_hdr *wh = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);

	if (events & POLLIN)
		want |= AE_WANT_IN;
	if (events & POLLOUT)
		want |= AE_WANT_OUT;
	aec_waiters(wh, mine, 1);
	for (;;) {
		r = s->dead ? -ENETDOWN :
		    aec_take_notifies(s, wh, want, mine, naps >= AEC_NAPS);
		if (r == -ENETDOWN) {
			r = POLLIN | POLLOUT | POLLERR | POLLHUP;
			break;
		}
		foreign = r == -EAGAIN;
		if (!foreign)
			naps = 0;
		m = aec_arm(s, events);
		r = (int)m;
		if (m & (events | POLLERR | POLLHUP))
			break;
		r = 0;
		if (!timeout_ms)
			break;
		if (foreign) {
			/* another waiter's wake-up heads the queue */
			naps++;
			nanosleep(&nap, NULL);
			if (!left_ms(deadline))
				break;
			continue;
		}
		t = left_ms(deadline);
		if (aec_others_waiting(wh, mine) && (t < 0 || t > cap)) {
			t = cap;	/* insurance against races */
			if (cap < AEC_SHARED_MAX_MS)
				cap *= 2;
		}
		r = sys_poll1(s->fd, POLLIN, t, &rev);
		if (r < 0)
			break;
		if (r == 0 && !left_ms(deadline))
			break;
		if (r == 0)
			continue;
		if ((rev & (POLLHUP | POLLERR)) && !(rev & POLLIN)) {
			s->dead = 1;
			r = POLLIN | POLLOUT | POLLERR | POLLHUP;
			break;
		}
	}
	aec_waiters(wh, mine, -1);
	return r;
}

/* ---- data ------------------------------------------------------------------- */

/**
 * aec_doorbell() - tell the daemon about a moved index, if it asked
 * @s:		socket
 * @h:		header page
 * @bit:	AE_DB_TX or AE_DB_RX
 */
static void aec_doorbell(struct aec_sock *s, struct ae_shm_hdr *h, uint32_t bit)
{
	struct ae_ipc_hdr m;

	shm_fence();
	if (!(shm_load(&h->daemon_want) & bit))
		return;
	if (!(shm_clear(&h->daemon_want, bit) & bit))
		return;
	ipc_hdr_init(&m, AE_MSG_DOORBELL, sizeof(m), 0, 0);
	/* EAGAIN: the daemon has a queue of our messages to read anyway */
	syscall(SYS_sendto, s->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL,
		NULL, 0);
}

/**
 * iov_total() - bytes in an iovec
 * @iov:	parts
 * @iovcnt:	count
 *
 * Return: sum (saturating at SSIZE_MAX)
 */
static size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t t = 0;
	int i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - t)
			return SSIZE_MAX;
		t += iov[i].iov_len;
	}
	return t;
}

/**
 * tcp_send_blocked() - why a TCP send cannot proceed now
 * @s:		socket
 * @h:		header page
 * @st:		state bits
 *
 * Return: 0 (just wait for room), or the -errno to report
 */
static int tcp_send_blocked(struct aec_sock *s, struct ae_shm_hdr *h,
			    uint32_t st)
{
	int e;

	if (s->dead || (st & AE_SS_DEAD))
		return -EPIPE;
	e = aec_take_error(h);
	if (e)
		return e;
	if (st & (AE_SS_WRSHUT | AE_SS_HUP))
		return -EPIPE;
	if (st & AE_SS_CONNECTING)
		return 0;
	if (!(st & AE_SS_CONNECTED) || !h->tx_size)
		return -ENOTCONN;
	if (!(st & AE_SS_OUT))
		return -EPIPE;
	return 0;
}


/**
 * io_blocked() - a TCP send or receive that cannot go on now
 * @s:		socket
 * @nb:		non-blocking: stop at once
 * @events:	POLLIN or POLLOUT, what to wait for
 * @deadline:	SO_RCVTIMEO/SO_SNDTIMEO deadline
 * @done:	bytes already moved (returned in preference to an error)
 * @ret:	the call's result when it stops
 *
 * Return: true to stop with *@ret set, false to try again after a wait
 */
static bool io_blocked(struct aec_sock *s, bool nb, short events,
		       int64_t deadline, size_t done, ssize_t *ret)
{
	int w = 0;

	if (!nb) {
		w = aec_wait(s, events, left_ms(deadline));
		if (w > 0)
			return false;
	}
	*ret = done ? (ssize_t)done : (w ? w : -EAGAIN);
	return true;
}

/**
 * tcp_sendv() - TCP send through the tx ring
 * @s:		socket
 * @iov:	data
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
static ssize_t tcp_sendv(struct aec_sock *s, const struct iovec *iov,
			 int iovcnt, int flags, int timeout_ms)
{
	int64_t deadline = deadline_of(timeout_ms);
	size_t total = iov_total(iov, iovcnt), done = 0, n;
	bool nb = (flags & MSG_DONTWAIT) || !timeout_ms;
	struct ae_shm_hdr *h;
	struct ae_spsc r;
	ssize_t ret;
	uint32_t st;
	int w;

	pthread_mutex_lock(&s->wlock);
	for (;;) {
		h = aec_hdr(s);
		if (!h) {
			ret = -ENOTCONN;
			break;
		}
		st = shm_load(&h->state);
		w = tcp_send_blocked(s, h, st);
		if (w) {
			ret = done ? (ssize_t)done : w;
			break;
		}
		if (h->tx_size && (st & AE_SS_OUT)) {
			r = (struct ae_spsc){ (uint8_t *)h + h->tx_off,
					      h->tx_size, &h->tx_head,
					      &h->tx_tail };
			n = spsc_writev(&r, iov, iovcnt, done, total - done);
			if (n) {
				done += n;
				aec_doorbell(s, h, AE_DB_TX);
			}
			if (done == total) {
				ret = (ssize_t)done;
				break;
			}
			if (n)
				continue;
		}
		if (io_blocked(s, nb, POLLOUT, deadline, done, &ret))
			break;
	}
	pthread_mutex_unlock(&s->wlock);
	return ret;
}

/**
 * tcp_recv_end() - what an empty rx ring means now
 * @s:		socket
 * @h:		header page
 * @st:		state bits, loaded before the ring was found empty
 * @ret:	set to the result when the answer is final
 *
 * Return: true when @ret is final (EOF 0, or an error)
 */
static bool tcp_recv_end(struct aec_sock *s, struct ae_shm_hdr *h, uint32_t st,
			 ssize_t *ret)
{
	int e;

	if (s->dead || (st & AE_SS_DEAD)) {
		*ret = -ECONNRESET;
		return true;
	}
	e = aec_take_error(h);
	if (e) {
		*ret = e;
		return true;
	}
	if (st & (AE_SS_RDHUP | AE_SS_RDSHUT | AE_SS_HUP)) {
		*ret = (st & (AE_SS_CONNECTED | AE_SS_RDSHUT)) ? 0 : -ENOTCONN;
		return true;
	}
	if (!h->rx_size && !(st & AE_SS_CONNECTING)) {
		*ret = -ENOTCONN;
		return true;
	}
	return false;
}

/**
 * tcp_recvv() - TCP receive from the rx ring
 * @s:		socket
 * @iov:	buffers
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes, 0 at EOF, or -errno
 */
static ssize_t tcp_recvv(struct aec_sock *s, const struct iovec *iov,
			 int iovcnt, int flags, int timeout_ms)
{
	int64_t deadline = deadline_of(timeout_ms);
	size_t total = iov_total(iov, iovcnt), done = 0, n;
	bool nb = (flags & MSG_DONTWAIT) || !timeout_ms;
	bool peek = flags & MSG_PEEK;
	struct ae_shm_hdr *h;
	struct ae_spsc r;
	ssize_t ret = 0;
	uint32_t st;

	if (!total)
		return 0;
	pthread_mutex_lock(&s->rlock);
	for (;;) {
		h = aec_hdr(s);
		if (!h) {
			ret = -ENOTCONN;
			break;
		}
		st = shm_load(&h->state);
		if (h->rx_size && !(st & AE_SS_RDSHUT)) {
			r = (struct ae_spsc){ (uint8_t *)h + h->rx_off,
					      h->rx_size, &h->rx_head,
					      &h->rx_tail };
			n = spsc_readv(&r, iov, iovcnt, done, total - done,
				       peek);
			if (n) {
				done += n;
				if (!peek)
					aec_doorbell(s, h, AE_DB_RX);
				if (done == total || peek ||
				    !(flags & MSG_WAITALL)) {
					ret = (ssize_t)done;
					break;
				}
				continue;
			}
		}
		if (done && !(flags & MSG_WAITALL)) {
			ret = (ssize_t)done;
			break;
		}
		if (tcp_recv_end(s, h, st, &ret)) {
			if (done)
				ret = (ssize_t)done;
			break;
		}
		if (io_blocked(s, nb, POLLIN, deadline, done, &ret))
			break;
	}
	pthread_mutex_unlock(&s->rlock);
	return ret;
}

/**
 * udp_send() - one datagram through the daemon
 * @s:		socket
 * @iov:	data
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT
 * @to:		destination or NULL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
static ssize_t udp_send(struct aec_sock *s, const struct iovec *iov,
			int iovcnt, int flags, const struct sockaddr_in *to,
			int timeout_ms)
{
	uint8_t hbuf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_sockinfo)];
	struct aec_rsp r = { .buf = hbuf, .cap = sizeof(hbuf) };
	struct ae_ipc_dgram q = { 0 };
	size_t total = iov_total(iov, iovcnt), off = 0;
	uint8_t *data;
	int ret, i;

	if (total > AE_IPC_MAX_UDP)
		return -EMSGSIZE;
	if (to) {
		ret = addr_to_ipc(to, &q.addr);
		if (ret)
			return ret;
	}
	q.flags = flags & ~MSG_DONTWAIT;
	q.len = (uint32_t)total;
	data = iovcnt == 1 ? iov[0].iov_base : malloc(total ? total : 1);
	if (!data)
		return -ENOMEM;
	if (iovcnt != 1) {
		for (i = 0; i < iovcnt; i++) {
			memcpy(data + off, iov[i].iov_base, iov[i].iov_len);
			off += iov[i].iov_len;
		}
	}
	ret = aec_request(s, AE_MSG_SENDTO, &q, sizeof(q), data, total, &r, -1);
	close_fds(&r);
	if (iovcnt != 1)
		free(data);
	(void)timeout_ms;
	if (ret == -ENETDOWN)
		return -EPIPE;
	return ret;
}

/**
 * udp_recv() - one datagram through the daemon, waiting if asked
 * @s:		socket
 * @buf:	buffer, @len bytes
 * @len:	size
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC
 * @from:	source, may be NULL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
static ssize_t udp_recv(struct aec_sock *s, void *buf, size_t len, int flags,
			struct sockaddr_in *from, int timeout_ms)
{
	uint8_t hbuf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_dgram)];
	struct ae_ipc_dgram q = { 0 }, a;
	int64_t deadline = deadline_of(timeout_ms);
	int ret, w;

	q.flags = flags & (MSG_PEEK | MSG_TRUNC);
	q.len = len > AE_IPC_MAX_UDP ? AE_IPC_MAX_UDP : (uint32_t)len;
	for (;;) {
		struct aec_rsp r = { .buf = hbuf, .cap = sizeof(hbuf),
				     .data = buf, .data_cap = q.len };

		ret = aec_request(s, AE_MSG_RECVFROM, &q, sizeof(q), NULL, 0,
				  &r, -1);
		close_fds(&r);
		if (ret >= 0) {
			if (r.len < sizeof(hbuf))
				return -EPROTO;
			memcpy(&a, hbuf + sizeof(struct ae_ipc_hdr), sizeof(a));
			ipc_to_addr(&a.addr, from);
			return ret;
		}
		if (ret == -ENETDOWN)
			return -ECONNRESET;
		if (ret != -EAGAIN || (flags & MSG_DONTWAIT) || !timeout_ms)
			return ret;
		w = aec_wait(s, POLLIN, left_ms(deadline));
		if (w < 0)
			return w;
		if (!w)
			return -EAGAIN;
	}
}

/**
 * aec_sendv() - send
 * @s:		socket
 * @iov:	data
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
ssize_t aec_sendv(struct aec_sock *s, const struct iovec *iov, int iovcnt,
		  int flags, int timeout_ms)
{
	if (iovcnt < 0)
		return -EINVAL;
	if (s->type == SOCK_DGRAM)
		return udp_send(s, iov, iovcnt, flags, NULL, timeout_ms);
	return tcp_sendv(s, iov, iovcnt, flags, timeout_ms);
}

/**
 * aec_recvv() - receive
 * @s:		socket
 * @iov:	buffers
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes, 0 at EOF, or -errno
 */
ssize_t aec_recvv(struct aec_sock *s, const struct iovec *iov, int iovcnt,
		  int flags, int timeout_ms)
{
	uint8_t *tmp;
	ssize_t n;
	size_t total, off = 0;
	int i;

	if (iovcnt < 0)
		return -EINVAL;
	if (s->type != SOCK_DGRAM)
		return tcp_recvv(s, iov, iovcnt, flags, timeout_ms);
	if (iovcnt == 1)
		return udp_recv(s, iov[0].iov_base, iov[0].iov_len, flags,
				NULL, timeout_ms);
	total = iov_total(iov, iovcnt);
	if (total > AE_IPC_MAX_UDP)
		total = AE_IPC_MAX_UDP;
	tmp = malloc(total ? total : 1);
	if (!tmp)
		return -ENOMEM;
	n = udp_recv(s, tmp, total, flags, NULL, timeout_ms);
	for (i = 0; n > 0 && i < iovcnt && off < (size_t)n && off < total; i++) {
		size_t c = iov[i].iov_len;

		if (c > total - off)
			c = total - off;
		if (c > (size_t)n - off)
			c = (size_t)n - off;
		memcpy(iov[i].iov_base, tmp + off, c);
		off += c;
	}
	free(tmp);
	return n;
}

ssize_t aec_send(struct aec_sock *s, const void *buf, size_t len, int flags,
		 int timeout_ms)
{
	struct iovec iov = { (void *)buf, len };

	return aec_sendv(s, &iov, 1, flags, timeout_ms);
}

ssize_t aec_recv(struct aec_sock *s, void *buf, size_t len, int flags,
		 int timeout_ms)
{
	struct iovec iov = { buf, len };

	return aec_recvv(s, &iov, 1, flags, timeout_ms);
}

/**
 * aec_sendto() - send to an address (UDP) or on the connection (TCP)
 * @s:		socket
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_DONTWAIT
 * @to:		destination or NULL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
ssize_t aec_sendto(struct aec_sock *s, const void *buf, size_t len, int flags,
		   const struct sockaddr_in *to, int timeout_ms)
{
	struct iovec iov = { (void *)buf, len };

	if (s->type != SOCK_DGRAM)
		return tcp_sendv(s, &iov, 1, flags, timeout_ms);
	return udp_send(s, &iov, 1, flags, to, timeout_ms);
}

/**
 * aec_recvfrom() - receive with the source address
 * @s:		socket
 * @buf:	buffer
 * @len:	size
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC, MSG_WAITALL
 * @from:	source, may be NULL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
ssize_t aec_recvfrom(struct aec_sock *s, void *buf, size_t len, int flags,
		     struct sockaddr_in *from, int timeout_ms)
{
	ssize_t n;

	if (s->type == SOCK_DGRAM)
		return udp_recv(s, buf, len, flags, from, timeout_ms);
	n = aec_recv(s, buf, len, flags, timeout_ms);
	if (n >= 0 && from && aec_getpeername(s, from))
		memset(from, 0, sizeof(*from));
	return n;
}

/**
 * aec_rx_available() - FIONREAD
 * @s:		socket
 *
 * Return: bytes readable (UDP: 1 if a datagram waits)
 */
uint32_t aec_rx_available(struct aec_sock *s)
{
	struct ae_shm_hdr *h = aec_hdr(s);
	uint32_t n;

	if (!h)
		return 0;
	if (!h->rx_size)
		return (shm_load(&h->state) & AE_SS_IN) ? 1 : 0;
	n = shm_load(&h->rx_tail) - shm_load(&h->rx_head);
	return n > h->rx_size ? 0 : n;
}

/**
 * aec_tx_queued() - bytes written but not yet acknowledged (SIOCOUTQ)
 * @s:	socket
 *
 * Return: tx_tail - tx_head, 0 without rings
 */
uint32_t aec_tx_queued(struct aec_sock *s)
{
	struct ae_shm_hdr *h = aec_hdr(s);
	uint32_t n;

	if (!h || !h->tx_size)
		return 0;
	n = shm_load(&h->tx_tail) - shm_load(&h->tx_head);
	return n > h->tx_size ? 0 : n;
}

/* ---- daemon information ----------------------------------------------- */

/**
 * aec_tool_xfer() - one exchange on a fresh control connection
 * @type:	request
 * @p:		payload, @plen bytes
 * @plen:	size
 * @buf:	answer buffer, AE_IPC_MAX_MSG bytes
 * @len:	set to the answer's length
 *
 * Return: result or -errno
 */
static int aec_tool_xfer(uint16_t type, const void *p, size_t plen, void *buf,
			 size_t *len)
{
	struct aec_rsp r = { .buf = buf, .cap = AE_IPC_MAX_MSG };
	uint32_t seq = 0;
	int fd = aec_dial(true), ret;

	if (fd < 0)
		return fd;
	ret = aec_xfer(fd, &seq, type, p, plen, NULL, 0, &r);
	close_fds(&r);
	sys_close(fd);
	*len = r.len;
	return ret;
}

/**
 * aec_stats() - every counter by name
 * @fn:		per counter
 * @ctx:	its argument
 *
 * Return: count or -errno
 */
int aec_stats(aec_stat_fn fn, void *ctx)
{
	size_t off = sizeof(struct ae_ipc_hdr), len;
	struct ae_ipc_stats_resp sr;
	struct ae_ipc_stat e;
	uint8_t *buf = malloc(AE_IPC_MAX_MSG);
	uint32_t i;
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = aec_tool_xfer(AE_MSG_STATS, NULL, 0, buf, &len);
	if (ret < 0)
		goto out;
	ret = -EPROTO;
	if (len < off + sizeof(sr))
		goto out;
	memcpy(&sr, buf + off, sizeof(sr));
	off += sizeof(sr);
	if (sr.count > (len - off) / sizeof(e))
		goto out;
	for (i = 0; i < sr.count; i++, off += sizeof(e)) {
		memcpy(&e, buf + off, sizeof(e));
		e.group[sizeof(e.group) - 1] = 0;
		e.name[sizeof(e.name) - 1] = 0;
		fn(ctx, e.group, e.name, e.value);
	}
	ret = (int)sr.count;
out:
	free(buf);
	return ret;
}

/**
 * aec_sockets() - the socket table
 * @fn:		per socket
 * @ctx:	its argument
 *
 * Return: count or -errno
 */
int aec_sockets(aec_sockent_fn fn, void *ctx)
{
	struct ae_ipc_int_req q = { 0 };
	struct ae_ipc_sockets_resp sr;
	struct ae_ipc_sockent e;
	uint8_t *buf = malloc(AE_IPC_MAX_MSG);
	size_t off, len;
	int ret = 0, total = 0, rounds;
	uint32_t i;

	if (!buf)
		return -ENOMEM;
	for (rounds = 0; rounds < 4096; rounds++) {
		ret = aec_tool_xfer(AE_MSG_SOCKETS, &q, sizeof(q), buf, &len);
		if (ret < 0)
			break;
		off = sizeof(struct ae_ipc_hdr);
		ret = -EPROTO;
		if (len < off + sizeof(sr))
			break;
		memcpy(&sr, buf + off, sizeof(sr));
		off += sizeof(sr);
		if (sr.count > (len - off) / sizeof(e))
			break;
		for (i = 0; i < sr.count; i++, off += sizeof(e)) {
			memcpy(&e, buf + off, sizeof(e));
			e.state_name[sizeof(e.state_name) - 1] = 0;
			fn(ctx, &e);
			total++;
		}
		ret = total;
		if (!sr.count || sr.next >= sr.total ||
		    sr.next <= (uint32_t)q.val)
			break;
		q.val = (int32_t)sr.next;
	}
	free(buf);
	return ret;
}

/**
 * aec_set_limits() - per-client limits (uid 0)
 * @max_sockets: sockets per client
 * @max_mem:	ring bytes per client
 *
 * Return: 0 or -errno
 */
int aec_set_limits(uint32_t max_sockets, uint64_t max_mem)
{
	struct ae_ipc_limits q = { .max_sockets = max_sockets, .max_mem = max_mem };
	uint8_t *buf = malloc(AE_IPC_MAX_MSG);
	size_t len;
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = aec_tool_xfer(AE_MSG_SETLIMITS, &q, sizeof(q), buf, &len);
	free(buf);
	return ret < 0 ? ret : 0;
}
