// SPDX-License-Identifier: MIT
/**
 * DOC: conn.c - the client side of the aetherd protocol: the connection
 *
 * Theory of operation: each struct aec_sock wraps one backing fd. Control
 * operations are request/response exchanges on that fd (aec_xfer()), held
 * under the socket's mutex so that two threads never read each other's
 * responses; NOTIFY datagrams met while waiting for a response are skipped.
 * Processes sharing a backing fd (fork, SCM_RIGHTS) are serialised by the
 * reader lock in the socket's header page (aec_rd_lock()): every peek at
 * the next datagram and the consume that follows happen under it, so a
 * process never consumes what another has just peeked at.
 * Data never crosses the fd for TCP: aec_sendv() and aec_recvv() copy into
 * and out of the rings in the shared memory the daemon sent (a memfd mapped
 * here and closed at once), publish the index, and ring a DOORBELL only when
 * the daemon asked for one. Blocking follows one rule (aec_sleep()): set
 * the wake flag, re-check the shared state, and only then sleep on the
 * header page's futex word, which the daemon bumps and wakes; poll/select/
 * epoll sleep on the backing fd instead, made readable by a NOTIFY (ready.c).
 * The daemon's death shows as POLLHUP/EOF on the fd, and to futex sleepers
 * through the daemon's alive page.
 *
 * Every system call goes through syscall() directly: this library lives
 * inside libaether.so, which interposes the libc socket functions, and must
 * not call back into it (a poll() on a backing fd must be the kernel's).
 *
 * This file holds those raw system calls and the request/response exchange;
 * the library's other parts are listed in client_int.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
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
#include "path.h"

/* ---- raw system calls -------------------------------------------------- */

/**
 * sys_ret() - turn a raw syscall() result into >= 0 or -errno
 * @r:		syscall() return value
 *
 * Return: @r or -errno
 */
long sys_ret(long r)
{
	return r < 0 ? -errno : r;
}

int sys_close(int fd)
{
	return (int)sys_ret(syscall(SYS_close, fd));
}

int sys_fcntl(int fd, int cmd, long arg)
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

int sys_getsockopt(int fd, int level, int name, void *val,
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
int sys_poll1(int fd, short events, int timeout_ms, short *revents)
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
int left_ms(int64_t deadline)
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
int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* ---- connection to the daemon ------------------------------------------ */

/* the raw errno of this thread's last failed aec_dial(), for aec_explain() */
static __thread int dial_errno;

/**
 * aec_socket_path() - the control socket path (ipc/path.h's rule)
 *
 * Computed once, by the rule, and kept: programs clear their environment
 * after start (nginx's workers keep only TZ), yet their sockets, and the
 * ones re-created after a restart of aetherd, must reach the daemon their
 * master reached.
 *
 * Return: the path as it was at the first call; "" when it is too long
 */
const char *aec_socket_path(void)
{
	static char *_Atomic kept;
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p = atomic_load(&kept), *dup, *none = NULL;

	if (p)
		return p;
	if (ipc_socket_path(buf, sizeof(buf)))
		return "";
	dup = strdup(buf);
	if (!dup)
		return AE_IPC_DEFAULT_PATH;
	if (!atomic_compare_exchange_strong(&kept, &none, dup)) {
		free(dup);
		return none;
	}
	return dup;
}

/**
 * aec_dial() - connect a new SEQPACKET socket to the control socket
 * @cloexec:	open it close-on-exec
 *
 * Return: the fd, or -ENETDOWN (no daemon), -EACCES, -EMFILE etc.; the
 * connect() errno behind -ENETDOWN is kept for aec_explain()
 */
int aec_dial(bool cloexec)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = aec_socket_path();
	int fd, r;

	if (!*path) {
		dial_errno = ENAMETOOLONG;
		return -ENAMETOOLONG;
	}
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
		dial_errno = -r;
		if (r == -ENOENT || r == -ECONNREFUSED || r == -ENOTDIR)
			return -ENETDOWN;
		return r;
	}
	return fd;
}

/**
 * aec_explain() - one line: why aetherd cannot be reached, and the fix
 * @err:	what a call returned (-ENETDOWN, -EACCES, ...)
 * @buf:	the line, without the program's prefix
 * @len:	size of @buf
 *
 * Names the path, the reason (the connect() errno behind -ENETDOWN) and the
 * command that fixes it: start the daemon, join the socket's group, or
 * point AETHER_SOCKET at the socket a daemon serves.
 *
 * Return: @buf
 */
const char *aec_explain(int err, char *buf, size_t len)
{
	const char *path = aec_socket_path();
	int e = err == -ENETDOWN && dial_errno ? dial_errno : -err;
	struct group *gr;
	struct stat st;

	if (e == ENOENT || e == ENOTDIR)
		snprintf(buf, len, "cannot reach aetherd at %s: %s (no daemon serves there); start one with 'aetherd --socket %s', or set AETHER_SOCKET to the socket a running aetherd serves",
			 path, strerror(e), path);
	else if (e == ECONNREFUSED)
		snprintf(buf, len, "cannot reach aetherd at %s: %s (the daemon that made it has stopped); start it again with 'aetherd --socket %s'",
			 path, strerror(e), path);
	else if (e == EACCES && !stat(path, &st) &&
		 (gr = getgrgid(st.st_gid)) != NULL)
		snprintf(buf, len, "cannot reach aetherd at %s: %s (only group %s may connect); join it with 'sudo usermod -aG %s $USER' and log in again",
			 path, strerror(e), gr->gr_name, gr->gr_name);
	else if (e == EACCES)
		snprintf(buf, len, "cannot reach aetherd at %s: %s; ask its owner to add you to the socket's group (ls -l %s)",
			 path, strerror(e), path);
	else
		snprintf(buf, len, "cannot reach aetherd at %s: %s; set AETHER_SOCKET to the socket a running aetherd serves",
			 *path ? path : "$AETHER_SOCKET", strerror(e));
	return buf;
}

/**
 * close_fds() - close descriptors a message brought that nobody wants
 * @r:		response
 */
void close_fds(struct aec_rsp *r)
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
			if (r->nfds < AE_IPC_MAX_FDS)
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
 * @flags:	the header's result field: 0, or AE_REQ_NOREPLY
 *
 * Return: 0 or -ENETDOWN / -errno
 */
static int aec_send_req(int fd, uint16_t type, uint32_t seq, const void *p,
			size_t plen, const void *v, size_t vlen, int32_t flags)
{
	struct ae_ipc_hdr h;
	struct iovec iov[3] = {
		{ &h, sizeof(h) }, { (void *)p, plen }, { (void *)v, vlen },
	};
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };
	short rev;
	ssize_t n;

	ipc_hdr_init(&h, type, (uint32_t)(sizeof(h) + plen + vlen), seq, flags);
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

/* ---- taking datagrams off a shared backing fd -------------------------- */

/**
 * tid_alive() - does a thread (or process) id still exist?
 * @tid:	id
 *
 * Return: false only when the kernel says there is no such task
 */
static bool tid_alive(uint32_t tid)
{
	return syscall(SYS_kill, (pid_t)tid, 0) == 0 || errno != ESRCH;
}

/**
 * rd_lock_sandboxed() - aec_rd_lock() with the calls a seccomp sandbox
 * allows: no gettid, sched_yield or kill (see sandbox.c)
 * @h:		the socket's header page
 * @me:		the id recorded when sandbox mode was entered
 *
 * Whether a holder still lives cannot be asked, so one that has held the
 * lock for AEC_RDLOCK_SANDBOX_MS (it holds it for two system calls) is
 * taken to be gone and replaced.
 *
 * Return: @me
 */
static uint32_t rd_lock_sandboxed(struct ae_shm_hdr *h, uint32_t me)
{
	uint32_t cur, seen = 0;
	int64_t since = 0;

	for (;;) {
		cur = 0;
		if (__atomic_compare_exchange_n(&h->rd_lock, &cur, me, false,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return me;
		if (cur != seen) {
			seen = cur;
			since = now_ms();
		} else if (now_ms() - since > AEC_RDLOCK_SANDBOX_MS &&
			   __atomic_compare_exchange_n(&h->rd_lock, &cur, me,
						       false, __ATOMIC_ACQUIRE,
						       __ATOMIC_RELAXED)) {
			return me;
		}
		aec_nap(100000L);
	}
}

/* this thread's id, 0 until first asked; cleared in a forked child */
static __thread uint32_t aec_tid __attribute__((tls_model("initial-exec")));

/**
 * aec_my_tid() - this thread's id, asked of the kernel once per thread
 *
 * Every NOTIFY drain takes the reader lock, and a gettid() per drain was
 * a third of a system call per nginx keep-alive request. A forked child's
 * only thread has a new id: aec_tid_atfork_child() clears the copy.
 *
 * Return: the thread id
 */
static uint32_t aec_my_tid(void)
{
	if (!aec_tid)
		aec_tid = (uint32_t)syscall(SYS_gettid);
	return aec_tid;
}

/**
 * aec_tid_atfork_child() - fork done, in the child: forget the parent
 * thread's id
 */
void aec_tid_atfork_child(void)
{
	aec_tid = 0;
}

/**
 * aec_rd_lock() - take the header page's reader lock (struct ae_shm_hdr
 * @rd_lock) before a peek-and-consume on the backing fd
 * @h:		the socket's header page, or NULL (a connection nobody
 *		shares: no lock)
 *
 * Held for two system calls at most, so contention is met with a yield and
 * then short naps. A holder that stays for AEC_RDLOCK_STALE_MS and no
 * longer exists (killed between its two calls) is replaced.
 *
 * Return: the value to hand to aec_rd_unlock()
 */
uint32_t aec_rd_lock(struct ae_shm_hdr *h)
{
	struct timespec nap = { 0, 100000L };
	uint32_t me = aec_sandboxed(), cur, seen = 0;
	int64_t since = 0;
	int i;

	if (!h)
		return 0;
	if (me)
		return rd_lock_sandboxed(h, me);
	me = aec_my_tid();
	for (i = 0;; i++) {
		cur = 0;
		if (__atomic_compare_exchange_n(&h->rd_lock, &cur, me, false,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return me;
		if (i < 8) {
			sched_yield();
			continue;
		}
		if (cur != seen) {
			seen = cur;
			since = now_ms();
		} else if (now_ms() - since > AEC_RDLOCK_STALE_MS &&
			   !tid_alive(cur) &&
			   __atomic_compare_exchange_n(&h->rd_lock, &cur, me,
						       false, __ATOMIC_ACQUIRE,
						       __ATOMIC_RELAXED)) {
			return me;
		}
		nanosleep(&nap, NULL);
	}
}

/**
 * aec_rd_unlock() - let go of the reader lock
 * @h:		the header page given to aec_rd_lock()
 * @me:		what aec_rd_lock() returned
 *
 * Only our own hold is released (one that was taken over stays).
 */
void aec_rd_unlock(struct ae_shm_hdr *h, uint32_t me)
{
	if (!h || !me)
		return;
	__atomic_compare_exchange_n(&h->rd_lock, &me, 0, false,
				    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/**
 * owner_gone() - is the process whose request a response answers gone?
 * @seq:	the response's sequence number (pid in its high 16 bits)
 *
 * Only the pid's low 16 bits travel, so every pid they may stand for is
 * asked about (at most PID_MAX_LIMIT / 65536 of them).
 *
 * Return: true if no process with those pid bits exists
 */
static bool owner_gone(uint32_t seq)
{
	uint32_t p;

	for (p = seq >> 16; p <= AEC_PID_MAX; p += 0x10000)
		if (p && tid_alive(p))
			return false;
	return true;
}

/**
 * aec_wait_datagram() - sleep until the backing fd has something to read
 * @fd:		backing fd
 *
 * Return: 0, or -ENETDOWN
 */
static int aec_wait_datagram(int fd)
{
	short rev;
	int pr;

	pr = sys_poll1(fd, POLLIN, -1, &rev);
	if (pr < 0 && pr != -EINTR)
		return -ENETDOWN;
	return 0;
}

/**
 * aec_peek_hdr() - peek at the header of the next datagram, if there is one
 * @fd:		backing fd
 * @h:		the header (valid when the return is >= sizeof(*h))
 *
 * Return: bytes peeked (> 0), -EAGAIN (nothing queued), or -ENETDOWN
 */
static ssize_t aec_peek_hdr(int fd, struct ae_ipc_hdr *h)
{
	ssize_t n;

	do {
		n = sys_ret(syscall(SYS_recvfrom, fd, h, sizeof(*h),
				    MSG_PEEK | MSG_DONTWAIT, NULL, NULL));
	} while (n == -EINTR);
	if (n > 0 || n == -EAGAIN)
		return n;
	return -ENETDOWN;
}

/**
 * aec_discard() - consume one datagram nobody wants, closing its fds
 * @fd:		backing fd
 */
static void aec_discard(int fd)
{
	union {
		char buf[CMSG_SPACE(AE_IPC_MAX_FDS * sizeof(int))];
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
		char buf[CMSG_SPACE(AE_IPC_MAX_FDS * sizeof(int))];
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
 * struct foreign - another process's response heading the queue
 * @since:	when it was first seen (-1: none)
 * @checked:	when its owner was last looked for
 * @seq:	its sequence number
 */
struct foreign {
	int64_t since;
	int64_t checked;
	uint32_t seq;
};

/**
 * foreign_stale() - may another process's response be thrown away?
 * @f:		what is known about it
 * @seq:	its sequence number
 *
 * Its owner normally takes it within a scheduling delay. It is thrown away
 * only when no process with its pid bits exists any more (looked at every
 * AEC_FOREIGN_MS), or when it has stood there for AEC_FOREIGN_MAX_MS: a
 * live owner descheduled for a while still finds it.
 *
 * Return: true to discard it
 */
static bool foreign_stale(struct foreign *f, uint32_t seq)
{
	int64_t now = now_ms();

	if (f->since < 0 || f->seq != seq) {
		f->since = f->checked = now;
		f->seq = seq;
		return false;
	}
	if (now - f->since > AEC_FOREIGN_MAX_MS)
		return true;
	if (now - f->checked < AEC_FOREIGN_MS)
		return false;
	f->checked = now;
	return owner_gone(seq);
}

/**
 * enum rsp_step - what one look at the backing fd found
 * @RSP_DONE:	the exchange is over (our response, or the daemon is gone)
 * @RSP_AGAIN:	a datagram was consumed (a NOTIFY, garbage, a stale
 *		response): look again
 * @RSP_EMPTY:	nothing queued: sleep until something is
 * @RSP_FOREIGN: another process's response heads the queue: nap
 */
enum rsp_step {
	RSP_DONE,
	RSP_AGAIN,
	RSP_EMPTY,
	RSP_FOREIGN,
};

/**
 * rsp_step() - peek at the next datagram and consume it if it is ours to
 * @fd:		backing fd
 * @type:	expected type
 * @seq:	expected sequence number
 * @r:		where our response goes
 * @f:		foreign response tracking
 * @ret:	the exchange's result, set with RSP_DONE
 *
 * The caller holds the reader lock (aec_rd_lock()), so the datagram
 * consumed is the one peeked at.
 *
 * Return: enum rsp_step
 */
static enum rsp_step rsp_step(int fd, uint16_t type, uint32_t seq,
			      struct aec_rsp *r, struct foreign *f, int *ret)
{
	struct ae_ipc_hdr h;
	ssize_t n = aec_peek_hdr(fd, &h);

	if (n == -EAGAIN)
		return RSP_EMPTY;
	if (n < 0) {
		*ret = (int)n;
		return RSP_DONE;
	}
	if ((size_t)n >= sizeof(h) && h.type == type && h.seq == seq) {
		*ret = aec_take_rsp(fd, r);
		return RSP_DONE;
	}
	if ((size_t)n < sizeof(h) || h.type == AE_MSG_NOTIFY ||
	    h.version != AE_IPC_VERSION) {
		aec_discard(fd);	/* NOTIFYs wake pollers only */
		return RSP_AGAIN;
	}
	if (!foreign_stale(f, h.seq))
		return RSP_FOREIGN;
	aec_discard(fd);
	f->since = -1;
	return RSP_AGAIN;
}

/**
 * foreign_nap() - let the process whose response heads the queue take it
 * @n:		naps taken so far in this wait
 *
 * That process is waiting for it too (it sent the request and is in
 * aec_recv_rsp()), so yielding the CPU is usually enough. A fixed 1 ms nap
 * here cost 5-10 ms per exchange on a loaded machine (the timer, then the
 * wait for a CPU), and nginx workers sharing a listener met it on about
 * half of their accepts (issue 19): so yield first, then nap briefly.
 */
static void foreign_nap(unsigned int n)
{
	struct timespec nap = { 0, AEC_FOREIGN_NAP_NS };

	if (n < AEC_FOREIGN_YIELDS) {
		sched_yield();
		return;
	}
	nanosleep(&nap, NULL);
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
 * after fork or SCM_RIGHTS) is left for its owner (foreign_stale() says
 * when it is not). Each peek-and-consume holds the header page's reader
 * lock, so a process sharing the fd never consumes the datagram another
 * has just peeked at. Waits without a timeout otherwise: the daemon answers
 * every request at once, and its death wakes us with POLLHUP.
 *
 * Return: the response's result (>= 0 or -errno), -ENETDOWN, -EPROTO
 */
static int aec_recv_rsp(int fd, uint16_t type, uint32_t seq, struct aec_rsp *r)
{
	struct foreign f = { .since = -1 };
	unsigned int naps = 0;
	enum rsp_step st;
	uint32_t lk;
	int ret = 0;

	for (;;) {
		lk = aec_rd_lock(r->wake);
		st = rsp_step(fd, type, seq, r, &f, &ret);
		aec_rd_unlock(r->wake, lk);
		if (st == RSP_DONE)
			return ret;
		if (st == RSP_EMPTY && aec_wait_datagram(fd))
			return -ENETDOWN;
		if (st == RSP_FOREIGN)
			foreign_nap(naps++);
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
int aec_xfer(int fd, uint32_t *seq, uint16_t type, const void *p,
	     size_t plen, const void *v, size_t vlen, struct aec_rsp *r)
{
	uint32_t wire;
	int ret;

	r->nfds = 0;
	r->len = 0;
	if (aec_sandboxed() && r->wake &&
	    (type == AE_MSG_SENDTO || type == AE_MSG_RECVFROM)) {
		wire = (aec_sandbox_pid_get() << 16) | (++*seq & 0xffff);
		return aec_xfer_sandboxed(fd, wire, type, p, plen, v, vlen, r);
	}
	/* the pid in the high half tells processes sharing @fd apart */
	wire = ((uint32_t)getpid() << 16) | (++*seq & 0xffff);
	aec_xfers(r->wake, 1);
	ret = aec_send_req(fd, type, wire, p, plen, v, vlen, 0);
	if (!ret)
		ret = aec_recv_rsp(fd, type, wire, r);
	aec_xfers(r->wake, -1);
	return ret;
}

/**
 * aec_xfer_noreply() - send a request the daemon answers with nothing
 * @fd:		backing fd
 * @seq:	sequence counter to bump
 * @type:	request type (AE_MSG_SETSOCKOPT, see AE_REQ_NOREPLY)
 * @p:		fixed payload, @plen bytes
 * @plen:	its size
 * @v:		variable payload, @vlen bytes
 * @vlen:	its size
 *
 * The caller holds the socket's lock (or owns @fd alone). The daemon reads
 * a socket's requests in order, so any later request sees its effect.
 *
 * Return: 0, or -ENETDOWN / -errno from sending
 */
int aec_xfer_noreply(int fd, uint32_t *seq, uint16_t type, const void *p,
		     size_t plen, const void *v, size_t vlen)
{
	uint32_t wire = ((uint32_t)getpid() << 16) | (++*seq & 0xffff);

	return aec_send_req(fd, type, wire, p, plen, v, vlen, AE_REQ_NOREPLY);
}

