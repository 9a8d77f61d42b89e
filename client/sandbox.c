// SPDX-License-Identifier: MIT
/**
 * DOC: sandbox.c - the data path under a seccomp filter
 *
 * A sandboxed process (OpenSSH's pre-auth child: chroot, setresuid, then a
 * seccomp filter allowing read, write, poll/ppoll, futex, clock_gettime and
 * a few more, SECCOMP_RET_KILL) keeps using the sockets it holds, so the
 * data path of an established socket must then need only those calls. The
 * normal path uses three others: sendto(MSG_DONTWAIT | MSG_NOSIGNAL) for a
 * DOORBELL, recvfrom(MSG_PEEK) to look at the head of the backing fd before
 * consuming a NOTIFY, and gettid/sched_yield/nanosleep in the reader lock.
 *
 * Chosen: a sandbox mode, entered when the program installs a filter through
 * libc's prctl(PR_SET_SECCOMP) or sets PR_SET_NO_NEW_PRIVS (which a filter
 * needs unless the caller is privileged; the preload interposes prctl and
 * calls aec_enter_sandbox()). In it:
 *  - a DOORBELL is a write(), made only when a zero-timeout ppoll() says
 *    the fd is writable: the backing fd carries the program's O_NONBLOCK,
 *    so a write() could block (EAGAIN is no loss: the daemon has a queue
 *    of our messages to read anyway). A write() on an AF_UNIX
 *    SOCK_SEQPACKET socket whose peer is gone fails with EPIPE without
 *    raising SIGPIPE (unlike a stream socket), so MSG_NOSIGNAL is not
 *    missed.
 *  - a NOTIFY is consumed blind with read(), under the reader lock, only
 *    when a zero-timeout ppoll() says a datagram is queued (a blocking fd
 *    would otherwise sleep in read()), and only while no process sharing the fd has a control exchange under way
 *    (struct ae_shm_hdr @xfers, raised under the same lock before the
 *    request goes out): the head is then a NOTIFY, never a response. While
 *    one is under way nothing is taken (its owner consumes NOTIFYs before
 *    its response) and the waiter polls again.
 *  - a send to a peer on the same stack rings a DOORBELL like any other,
 *    instead of the FLUSH request that makes a loopback send synchronous
 *    (aec_tx_rung()).
 *  - a blocked call sleeps in FUTEX_WAIT on @wake_seq alone, in slices of
 *    AEC_SANDBOX_SLICE_MS (ready.c sleep_sandboxed()): futex_waitv on the
 *    alive page too is not a call such filters allow, and the alive page
 *    is asked for with a request; the daemon's death is seen at the end of
 *    a slice, as a hung-up backing fd.
 *  - the reader lock uses the thread id read when the mode was entered and
 *    sleeps with ppoll(): no gettid, sched_yield, nanosleep or kill.
 * Why not always: the normal path keeps MSG_PEEK (no blind consume, no
 * dependency on every sharer counting its exchanges) and costs nothing
 * extra. Limits: a filter installed with syscall(SYS_seccomp) directly is
 * not seen (OpenSSH, libseccomp's prctl fallback and glibc users go through
 * prctl; libseccomp >= 2.4 uses the seccomp syscall but is preceded by
 * PR_SET_NO_NEW_PRIVS through prctl unless told not to); a sharer killed
 * in the middle of a control exchange leaves @xfers raised, after which a
 * sandboxed waiter on that socket no longer drains NOTIFYs and wakes every
 * poll slice; control calls (setsockopt, connect, ...) still use sendmsg
 * and recvmsg.
 *
 * UDP data (SENDTO and RECVFROM exchanges: datagrams are messages on the
 * fd, no fds ride with them) goes through aec_xfer_sandboxed(): the request
 * is one write(), the response is read() blind. That is safe only while no
 * other exchange on the fd is under way, so the whole exchange holds the
 * reader lock, taken when @xfers is 0 (no one else's response can then be
 * queued, and no one starts an exchange without the lock); what it reads
 * before its response can only be NOTIFYs, consumed as above. The daemon
 * answers at once, so the lock is held for one round trip.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"
#include "proto.h"

/* 0: normal; else the tid of the thread that entered sandbox mode */
static uint32_t aec_sandbox_tid;

/* the pid when sandbox mode was entered: getpid is not in every filter */
static uint32_t aec_sandbox_pid;

/* datagrams consumed blind that were not NOTIFYs (stale responses) */
unsigned long aec_sandbox_drops;

/**
 * aec_enter_sandbox() - switch the data path to the calls a seccomp
 * sandbox allows (see the DOC above); never left
 */
void aec_enter_sandbox(void)
{
	uint32_t tid = (uint32_t)syscall(SYS_gettid);

	__atomic_store_n(&aec_sandbox_pid, (uint32_t)getpid(), __ATOMIC_RELAXED);
	__atomic_store_n(&aec_sandbox_tid, tid, __ATOMIC_RELEASE);
}

/**
 * aec_sandboxed() - is the data path in sandbox mode?
 *
 * Return: the tid recorded on entry, 0 when not sandboxed
 */
uint32_t aec_sandboxed(void)
{
	return __atomic_load_n(&aec_sandbox_tid, __ATOMIC_ACQUIRE);
}

/**
 * aec_nap() - sleep a little, with ppoll() (allowed in every sandbox)
 * @ns:		nanoseconds (< 1 s)
 */
void aec_nap(long ns)
{
	struct timespec ts = { 0, ns };

	syscall(SYS_ppoll, NULL, 0, &ts, NULL, (size_t)_NSIG / 8);
}

/**
 * fd_ready() - would a read or write on @fd proceed now (zero-timeout
 * ppoll)?
 * @fd:		backing fd
 * @ev:		POLLIN or POLLOUT
 *
 * Return: true when @ev, POLLHUP or POLLERR is reported (read() then
 * returns EOF or an error at once, write() EPIPE)
 */
static bool fd_ready(int fd, short ev)
{
	short rev = 0;

	return sys_poll1(fd, ev, 0, &rev) > 0 &&
	       (rev & (ev | POLLHUP | POLLERR));
}

/**
 * aec_ring() - send a DOORBELL on a backing fd, never blocking, never
 * raising SIGPIPE
 * @fd:		backing fd
 *
 * EAGAIN is fine: the daemon has a queue of our messages to read anyway.
 */
void aec_ring(int fd)
{
	struct ae_ipc_hdr m;

	ipc_hdr_init(&m, AE_MSG_DOORBELL, sizeof(m), 0, 0);
	/* raw calls: write() and read() here would be the preload's */
	if (aec_sandboxed()) {
		/* SEQPACKET gives EPIPE, no SIGPIPE */
		if (fd_ready(fd, POLLOUT))
			syscall(SYS_write, fd, &m, sizeof(m));
		return;
	}
	syscall(SYS_sendto, fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL,
		NULL, 0);
}

/**
 * aec_xfers() - count a control exchange in or out of the header page
 * @h:		the exchange's header page, or NULL (nobody shares the fd)
 * @delta:	+1 before the request is sent, -1 after the response
 *
 * Raised under the reader lock, so that a sandboxed reader that saw 0
 * under the lock consumes its datagram before any request goes out.
 */
void aec_xfers(struct ae_shm_hdr *h, int delta)
{
	uint32_t lk;

	if (!h)
		return;
	if (delta < 0) {
		__atomic_sub_fetch(&h->xfers, 1, __ATOMIC_SEQ_CST);
		return;
	}
	lk = aec_rd_lock(h);
	__atomic_add_fetch(&h->xfers, 1, __ATOMIC_SEQ_CST);
	aec_rd_unlock(h, lk);
}

/**
 * aec_take_blind() - consume the head datagram with read(), if it must be
 * a NOTIFY; the caller holds the reader lock of @h
 * @fd:		backing fd
 * @h:		the socket's header page, or NULL
 * @m:		where the NOTIFY's header goes
 *
 * Return: 1 a NOTIFY taken, 0 nothing taken (empty, an exchange under
 * way, or a stale response dropped and counted), -ENETDOWN (EOF)
 */
int aec_take_blind(int fd, struct ae_shm_hdr *h, struct ae_ipc_hdr *m)
{
	ssize_t r;

	if (h && __atomic_load_n(&h->xfers, __ATOMIC_SEQ_CST))
		return 0;
	if (!fd_ready(fd, POLLIN))
		return 0;
	r = sys_ret(syscall(SYS_read, fd, m, sizeof(*m)));
	if (r == 0)
		return -ENETDOWN;
	if (r < (ssize_t)sizeof(*m) || m->type != AE_MSG_NOTIFY) {
		if (r > 0)
			__atomic_add_fetch(&aec_sandbox_drops, 1,
					   __ATOMIC_RELAXED);
		return 0;
	}
	return 1;
}

/**
 * aec_sandbox_pid_get() - the pid to put in a request's sequence number
 *
 * Return: the pid cached when sandbox mode was entered
 */
uint32_t aec_sandbox_pid_get(void)
{
	return __atomic_load_n(&aec_sandbox_pid, __ATOMIC_RELAXED);
}

/**
 * lock_idle() - take @h's reader lock at a moment no exchange is under way
 * @h:		header page
 *
 * Return: the lock token (aec_rd_unlock())
 */
static uint32_t lock_idle(struct ae_shm_hdr *h)
{
	uint32_t lk;

	for (;;) {
		lk = aec_rd_lock(h);
		if (!__atomic_load_n(&h->xfers, __ATOMIC_SEQ_CST))
			return lk;
		aec_rd_unlock(h, lk);
		aec_nap(AEC_SANDBOX_NAP_NS);	/* its owner takes its answer */
	}
}

/**
 * write_req() - send one request datagram with write()
 * @fd:		backing fd
 * @msg:	the whole datagram
 * @len:	its size
 *
 * Return: 0, or -ENETDOWN
 */
static int write_req(int fd, const void *msg, size_t len)
{
	short rev;
	long n;

	for (;;) {
		n = sys_ret(syscall(SYS_write, fd, msg, len));
		if (n == (long)len)
			return 0;
		if (n == -EINTR)
			continue;
		if (n == -EAGAIN && sys_poll1(fd, POLLOUT, -1, &rev) >= 0)
			continue;
		if (n == -EAGAIN && errno == EINTR)
			continue;
		return -ENETDOWN;
	}
}

/**
 * read_rsp() - read() datagrams until our response, dropping NOTIFYs
 * @fd:		backing fd
 * @type:	expected type
 * @seq:	expected sequence number
 * @buf:	scratch, @cap bytes
 * @cap:	its size
 * @r:		where the response goes (fixed part, then data)
 *
 * Return: the response's result, -ENETDOWN, -EPROTO
 */
static int read_rsp(int fd, uint16_t type, uint32_t seq, uint8_t *buf,
		    size_t cap, struct aec_rsp *r)
{
	struct ae_ipc_hdr h;
	size_t fixed;
	short rev;
	long n;

	for (;;) {
		if (sys_poll1(fd, POLLIN, -1, &rev) < 0)
			continue;	/* EINTR */
		n = sys_ret(syscall(SYS_read, fd, buf, cap));
		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n <= 0)
			return -ENETDOWN;
		memcpy(&h, buf, n < (long)sizeof(h) ? (size_t)n : sizeof(h));
		if (n >= (long)sizeof(h) && h.type == AE_MSG_NOTIFY)
			continue;	/* NOTIFYs wake pollers only */
		if (n < (long)sizeof(h) || h.version != AE_IPC_VERSION ||
		    h.type != type || h.seq != seq) {
			__atomic_add_fetch(&aec_sandbox_drops, 1,
					   __ATOMIC_RELAXED);
			continue;
		}
		if (h.len != (size_t)n)
			return -EPROTO;		/* truncated */
		fixed = (size_t)n < r->cap ? (size_t)n : r->cap;
		memcpy(r->buf, buf, fixed);
		if ((size_t)n > fixed) {
			if (!r->data || (size_t)n - fixed > r->data_cap)
				return -EPROTO;
			memcpy(r->data, buf + fixed, (size_t)n - fixed);
		}
		r->len = (size_t)n;
		return h.result;
	}
}

/**
 * aec_xfer_sandboxed() - aec_xfer() with write() and read() alone, for
 * exchanges whose response carries no fds (UDP data, see the DOC above)
 * @fd:		backing fd
 * @seq:	the request's sequence number
 * @type:	request type
 * @p:		fixed payload, @plen bytes
 * @plen:	its size
 * @v:		variable payload, @vlen bytes
 * @vlen:	its size
 * @r:		response buffers; @r->wake must be the header page
 *
 * Return: the result, or -ENETDOWN / -EPROTO / -ENOMEM
 */
int aec_xfer_sandboxed(int fd, uint32_t seq, uint16_t type, const void *p,
		       size_t plen, const void *v, size_t vlen,
		       struct aec_rsp *r)
{
	size_t len = sizeof(struct ae_ipc_hdr) + plen + vlen;
	size_t rcap = r->cap + (r->data ? r->data_cap : 0);
	size_t cap = len > rcap ? len : rcap;
	uint8_t small[AEC_SANDBOX_STACK_MSG], *buf = small;
	struct ae_shm_hdr *h = r->wake;
	struct ae_ipc_hdr hd;
	uint32_t lk;
	int ret;

	if (cap > AE_IPC_MAX_MSG)
		cap = AE_IPC_MAX_MSG;
	if (len > cap)
		return -EMSGSIZE;
	if (cap > sizeof(small)) {
		buf = malloc(cap);	/* brk/mmap: in every such filter */
		if (!buf)
			return -ENOMEM;
	}
	ipc_hdr_init(&hd, type, (uint32_t)len, seq, 0);
	memcpy(buf, &hd, sizeof(hd));
	if (plen)
		memcpy(buf + sizeof(hd), p, plen);
	if (vlen)
		memcpy(buf + sizeof(hd) + plen, v, vlen);
	lk = lock_idle(h);
	__atomic_add_fetch(&h->xfers, 1, __ATOMIC_SEQ_CST);
	ret = write_req(fd, buf, len);
	if (!ret)
		ret = read_rsp(fd, type, seq, buf, cap, r);
	__atomic_sub_fetch(&h->xfers, 1, __ATOMIC_SEQ_CST);
	aec_rd_unlock(h, lk);
	if (buf != small)
		free(buf);
	return ret;
}
