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
 * poll slice; control calls (setsockopt, connect, ...) and UDP data
 * still use sendmsg and recvmsg (UDP datagrams are messages on the fd).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"
#include "proto.h"

/* 0: normal; else the tid of the thread that entered sandbox mode */
static uint32_t aec_sandbox_tid;

/* datagrams consumed blind that were not NOTIFYs (stale responses) */
unsigned long aec_sandbox_drops;

/**
 * aec_enter_sandbox() - switch the data path to the calls a seccomp
 * sandbox allows (see the DOC above); never left
 */
void aec_enter_sandbox(void)
{
	uint32_t tid = (uint32_t)syscall(SYS_gettid);

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
