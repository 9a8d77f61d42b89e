// SPDX-License-Identifier: MIT
/**
 * DOC: ready.c - readiness and waiting
 *
 * A socket's readiness is read from its shared header page, never asked for
 * over the fd. Two ways to wait for it:
 *  - a blocked call (accept, recv, send, connect) sleeps on a futex, the
 *    @wake_seq word of the header page (aec_sleep(), whose comment holds
 *    the argument that no wake-up is lost): every sleeper of every process
 *    wakes, nothing is consumed, a killed sleeper leaves nothing behind;
 *  - poll/select/epoll (which must also watch the program's other fds)
 *    sleep on the backing fd, which the daemon makes readable with a NOTIFY
 *    datagram per armed direction (aec_arm(), aec_drain()). A datagram is
 *    consumed by whoever drains it: with two pollers of one socket (threads
 *    or processes) the one that drains may leave the other asleep until its
 *    next wake-up; a poller that loops (level-triggered) meets the state
 *    again at its next call. Blocked calls are never stranded this way.
 *
 * Busy polling (aec_set_busy_poll(), AETHER_BUSY_POLL=USEC in the shim; off
 * unless asked for): before a blocked call arms its wake-up, it watches the
 * header page for up to USEC microseconds (spin_ready()). Data that comes
 * meanwhile is taken with no futex sleep, no wake-up of this thread and no
 * FUTEX_WAKE by the daemon (no wake bit was set). After USEC it sleeps as
 * always, so a wait never spins longer than USEC and an idle program sleeps.
 * See conn.c for the library's theory of operation.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
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

/* a socket cut off or whose daemon is gone: as Linux after an RST */
#define DEAD_MASK	(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLERR | \
			 POLLHUP | POLLRDHUP)

/**
 * stream_mask() - a TCP socket's readiness, as Linux's tcp_poll()
 * @h:		header
 * @st:		its AE_SS_* bits
 *
 * A listener is readable (IN|RDNORM) with a connection to accept, and
 * nothing else (inet_csk_listen_poll()). Otherwise, with "shut for reading"
 * meaning the peer's FIN, shutdown(SHUT_RD) or the end of a connection
 * (AE_SS_RDHUP or AE_SS_RDSHUT):
 *  - HUP when the socket is closed (fresh, or its connection over: the
 *    stack's AE_SS_HUP) or shut both ways;
 *  - IN|RDNORM|RDHUP when shut for reading, IN|RDNORM with data;
 *  - OUT|WRNORM, unless connect() is in progress, when shut for writing
 *    (the write fails at once), closed (a fresh socket too) or with send
 *    room;
 *  - ERR with a pending error.
 *
 * Return: POLL* mask
 */
static unsigned int stream_mask(struct ae_shm_hdr *h, uint32_t st)
{
	bool rdshut = st & (AE_SS_RDHUP | AE_SS_RDSHUT);
	bool wrshut = st & AE_SS_WRSHUT;
	unsigned int m = 0;

	if (st & AE_SS_LISTEN)
		return (st & AE_SS_IN) ? POLLIN | POLLRDNORM : 0;	/* and acq_n */
	if ((st & AE_SS_HUP) || (rdshut && wrshut))
		m |= POLLHUP;
	if (rdshut)
		m |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (h->rx_size ? shm_load(&h->rx_tail) != shm_load(&h->rx_head) :
	    (st & AE_SS_IN) != 0)
		m |= POLLIN | POLLRDNORM;
	if (!(st & AE_SS_CONNECTING) &&
	    (wrshut || (st & AE_SS_HUP) ||
	     ((st & AE_SS_OUT) && (!h->rx_size || shm_tx_room(h)))))
		m |= POLLOUT | POLLWRNORM;
	return m;
}

/**
 * dgram_mask() - a UDP socket's readiness, as Linux's datagram_poll()
 * @st:		its AE_SS_* bits
 *
 * Return: POLL* mask: IN|RDNORM with a datagram or shut for reading (then
 * RDHUP too), HUP when shut both ways, OUT|WRNORM|WRBAND when sendable
 */
static unsigned int dgram_mask(uint32_t st)
{
	unsigned int m = 0;

	if (st & (AE_SS_IN | AE_SS_RDHUP))
		m |= POLLIN | POLLRDNORM;
	if (st & AE_SS_RDHUP)
		m |= POLLRDHUP;
	if (st & AE_SS_HUP)
		m |= POLLHUP;
	if (st & AE_SS_OUT)
		m |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return m;
}

/**
 * state_mask() - readiness from a header page
 * @s:		socket (its type)
 * @h:		header
 *
 * Return: POLL* mask, with the bits Linux reports beside IN and OUT
 * (RDNORM, WRNORM, WRBAND for UDP)
 */
static unsigned int state_mask(const struct aec_sock *s, struct ae_shm_hdr *h)
{
	uint32_t st = shm_load(&h->state);
	unsigned int m;

	if (st & AE_SS_DEAD)
		return DEAD_MASK;
	m = s->type == SOCK_DGRAM ? dgram_mask(st) : stream_mask(h, st);
	/* connections taken ahead (sock.c) are this listener's accept queue */
	if ((st & AE_SS_LISTEN) && __atomic_load_n(&s->acq_n, __ATOMIC_ACQUIRE))
		m |= POLLIN | POLLRDNORM;
	if (__atomic_load_n(&h->so_error, __ATOMIC_ACQUIRE) > 0)
		m |= POLLERR;
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
		return DEAD_MASK;
	h = aec_hdr(s);
	if (!h)
		return s->dead ? DEAD_MASK : 0;
	return state_mask(s, h);
}

/**
 * aec_in_seq() - the header's count of readable events
 * @s:		socket
 *
 * Return: @in_seq, 0 without a header
 */
uint32_t aec_in_seq(struct aec_sock *s)
{
	struct ae_shm_hdr *h = s->dead ? NULL : aec_hdr(s);

	return h ? shm_load(&h->in_seq) : 0;
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
		return DEAD_MASK;
	h = aec_hdr(s);
	if (!h)
		return s->dead ? DEAD_MASK : 0;
	if (events & POLLIN)
		want |= AE_WANT_IN;
	if (events & POLLOUT)
		want |= AE_WANT_OUT;
	if (events & AEC_POLL_NEXT_IN)
		want |= AE_WANT_INEV;
	if (want)
		shm_or(&h->shim_want, want);
	shm_fence();
	return state_mask(s, h);
}

/**
 * drain_blind() - sandbox mode's look at the head of the backing fd: a
 * NOTIFY consumed blind, if one must head it (aec_take_blind())
 * @s:		socket
 * @lh:		its header page (reader lock held)
 * @m:		set to the NOTIFY taken
 *
 * Return: as the peek it stands for: sizeof(*m) (a NOTIFY, already
 * consumed), 0 (EOF), -EAGAIN (nothing taken)
 */
static ssize_t drain_blind(struct aec_sock *s, struct ae_shm_hdr *lh,
			   struct ae_ipc_hdr *m)
{
	int r = aec_take_blind(s->fd, lh, m);

	if (r < 0)
		return 0;
	return r ? (ssize_t)sizeof(*m) : -EAGAIN;
}

/**
 * aec_drain_dirs() - consume the NOTIFYs at the head of the backing fd
 * @s:		socket
 * @dirs:	set to the AE_WANT_* directions they were sent for
 *
 * Return: NOTIFYs taken, or -ENETDOWN when the daemon is gone
 */
int aec_drain_dirs(struct aec_sock *s, uint32_t *dirs)
{
	struct ae_shm_hdr *lh;
	struct ae_ipc_hdr m;
	int n = 0;
	uint32_t lk;
	ssize_t r;

	*dirs = 0;
	if (s->dead)
		return -ENETDOWN;
	pthread_mutex_lock(&s->lock);
	/* no process sharing the fd may take a datagram between our peek and
	 * our consume (a response behind the NOTIFY would be lost) */
	lh = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);
	lk = aec_rd_lock(lh);
	for (;;) {
		r = aec_sandboxed() ? drain_blind(s, lh, &m) :
		    sys_ret(syscall(SYS_recvfrom, s->fd, &m, sizeof(m),
				    MSG_PEEK | MSG_DONTWAIT, NULL, NULL));
		if (r == 0) {
			s->dead = 1;
			n = -ENETDOWN;
			break;
		}
		if (r < (ssize_t)sizeof(m) || m.type != AE_MSG_NOTIFY)
			break;
		if (!aec_sandboxed() &&
		    syscall(SYS_recvfrom, s->fd, &m, sizeof(m), MSG_DONTWAIT,
			    NULL, NULL) <= 0)
			break;
		/* an older daemon said nothing: both */
		*dirs |= ((uint32_t)m.result & (AE_WANT_IN | AE_WANT_OUT)) ?:
			 AE_WANT_IN | AE_WANT_OUT;
		n++;
	}
	aec_rd_unlock(lh, lk);
	pthread_mutex_unlock(&s->lock);
	return n;
}

/**
 * aec_drain() - consume the NOTIFYs at the head of the backing fd
 * @s:		socket
 *
 * Return: NOTIFYs taken, or -ENETDOWN when the daemon is gone
 */
int aec_drain(struct aec_sock *s)
{
	uint32_t dirs;

	return aec_drain_dirs(s, &dirs);
}

/* datagrams one aec_drain_private() call takes at most per recvmmsg() */
#define AEC_DRAIN_BATCH	4

/**
 * drain_batch() - one recvmmsg() of the datagrams at the head of @fd
 * @fd:		backing fd
 * @dirs:	AE_WANT_* of the NOTIFYs taken, or'ed in
 * @n:		NOTIFYs taken, added to
 *
 * Return: datagrams taken (AEC_DRAIN_BATCH: there may be more), 0 when
 * none was there, -ENETDOWN at the end of the stream
 */
static int drain_batch(int fd, uint32_t *dirs, int *n)
{
	struct ae_ipc_hdr m[AEC_DRAIN_BATCH];
	struct iovec iov[AEC_DRAIN_BATCH];
	struct mmsghdr mm[AEC_DRAIN_BATCH];
	long r;
	int i;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < AEC_DRAIN_BATCH; i++) {
		iov[i] = (struct iovec){ &m[i], sizeof(m[i]) };
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	r = syscall(SYS_recvmmsg, fd, mm, AEC_DRAIN_BATCH, MSG_DONTWAIT, NULL);
	if (r <= 0)
		return 0;
	for (i = 0; i < r; i++) {
		if (!mm[i].msg_len)
			return -ENETDOWN;
		if (mm[i].msg_len < sizeof(m[i]) || m[i].type != AE_MSG_NOTIFY)
			continue;	/* a stale response: nobody waits */
		*dirs |= ((uint32_t)m[i].result & (AE_WANT_IN | AE_WANT_OUT)) ?:
			 AE_WANT_IN | AE_WANT_OUT;
		(*n)++;
	}
	return (int)r;
}

/**
 * aec_drain_private() - aec_drain_dirs() for a socket no other process holds
 * @s:		socket
 * @dirs:	set to the AE_WANT_* directions the NOTIFYs were sent for
 *
 * aec_drain_dirs() peeks at each datagram and consumes only NOTIFYs, under
 * the header page's reader lock, because another process sharing the fd
 * may be waiting for the response behind it: three system calls for one
 * NOTIFY. When the caller knows no other process holds the socket
 * (preload: ps_private()), every exchange of this one runs under @s->lock,
 * which is held here: a datagram at the head is a NOTIFY, or a response
 * nobody waits for any more (aec_recv_rsp() would drop it too). So they are
 * taken blind, a batch per recvmmsg(). Not in sandbox mode (no recvmmsg).
 *
 * Return: NOTIFYs taken, or -ENETDOWN when the daemon is gone
 */
int aec_drain_private(struct aec_sock *s, uint32_t *dirs)
{
	int n = 0, r;

	*dirs = 0;
	if (aec_sandboxed())
		return aec_drain_dirs(s, dirs);
	if (s->dead)
		return -ENETDOWN;
	pthread_mutex_lock(&s->lock);
	do {
		r = drain_batch(s->fd, dirs, &n);
	} while (r == AEC_DRAIN_BATCH);
	pthread_mutex_unlock(&s->lock);
	if (r == -ENETDOWN) {
		s->dead = 1;
		return -ENETDOWN;
	}
	return n;
}

/**
 * aec_rearm() - ask again for NOTIFYs for @dirs, and have the daemon look now
 * @s:		socket
 * @dirs:	AE_WANT_* bits
 *
 * For a poller that drained a NOTIFY another poller was to be woken by:
 * the daemon cleared the want bit when it sent it, so the bit is set again
 * and a DOORBELL makes the daemon publish, sending a fresh NOTIFY if the
 * direction is still ready.
 */
void aec_rearm(struct aec_sock *s, uint32_t dirs)
{
	struct ae_shm_hdr *h = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);

	if (!h || s->dead || !dirs)
		return;
	shm_or(&h->shim_want, dirs & (AE_WANT_IN | AE_WANT_OUT));
	shm_fence();
	aec_ring(s->fd);
}

/**
 * aec_disarm() - take back NOTIFY requests (AE_WANT_*) nobody waits for
 * @s:		socket
 * @bits:	AE_WANT_IN, AE_WANT_OUT, AE_WANT_INEV
 *
 * An epoll sleeper arms every member before it sleeps; woken by one, it
 * leaves the others armed, and each would send a NOTIFY at its next event
 * to a program that is not asleep (one drained per nginx keep-alive
 * request, and its wake-up). The caller makes sure nobody else of this
 * process waits on @s and no other process holds it (preload/epoll.c
 * ep_disarm()). A NOTIFY already on its way is drained as before.
 *
 * Return: the bits that were still set (now cleared)
 */
uint32_t aec_disarm(struct aec_sock *s, uint32_t bits)
{
	struct ae_shm_hdr *h = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);

	bits &= AE_WANT_IN | AE_WANT_OUT | AE_WANT_INEV;
	if (!h || s->dead || !(shm_load(&h->shim_want) & bits))
		return 0;
	return shm_clear(&h->shim_want, bits) & bits;
}

/* what the program's signal handlers did on this thread since the call
 * began (aec_sig_note()): AEC_SIG_* */
enum aec_sig_hit {
	AEC_SIG_NONE,
	AEC_SIG_RESTART,	/* handlers with SA_RESTART only */
	AEC_SIG_EINTR,		/* a handler without SA_RESTART */
};
static __thread int aec_sig_hit __attribute__((tls_model("initial-exec")));
/* handlers of the program run on this thread, never cleared (aec_spin()) */
static __thread volatile unsigned int aec_sig_runs
	__attribute__((tls_model("initial-exec")));
/* the futex word this thread sleeps on (or is about to), or NULL */
static __thread uint32_t *aec_sig_word
	__attribute__((tls_model("initial-exec")));

/* ---- busy polling before a sleep ------------------------------------------ */

/* the longest spin, in microseconds: a spin is a wait, not a mode */
#define AEC_BUSY_MAX_US	100000u
/* clock reads are spaced by this many looks at the header page */
#define AEC_SPIN_LOOKS	64

static uint64_t aec_busy_ns;	/* 0: never spin (the default) */
static uint64_t aec_spins;	/* spins that ended with the socket ready */

/**
 * aec_set_busy_poll() - spin up to @usec before a blocked call sleeps
 * @usec:	microseconds, 0 never (the default); above AEC_BUSY_MAX_US is
 *		cut to it
 */
void aec_set_busy_poll(unsigned int usec)
{
	if (usec > AEC_BUSY_MAX_US)
		usec = AEC_BUSY_MAX_US;
	__atomic_store_n(&aec_busy_ns, (uint64_t)usec * 1000u, __ATOMIC_RELAXED);
}

/**
 * aec_spin_on() - is busy polling on
 *
 * Return: true when AETHER_BUSY_POLL (aec_set_busy_poll()) is above 0
 */
bool aec_spin_on(void)
{
	return __atomic_load_n(&aec_busy_ns, __ATOMIC_RELAXED) != 0;
}

/**
 * aec_busy_polls() - busy polls that found the socket ready (tests)
 *
 * Return: the count, 0 when busy polling is off
 */
uint64_t aec_busy_polls(void)
{
	return __atomic_load_n(&aec_spins, __ATOMIC_RELAXED);
}

/**
 * mono_ns() - CLOCK_MONOTONIC in nanoseconds (vDSO, no system call)
 *
 * Return: the time
 */
static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/**
 * cpu_relax() - tell the core this is a spin loop
 */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/**
 * spin_yield() - let a thread that waits for this CPU run first
 *
 * Linux's own busy polling (sk_busy_loop()) ends when another task needs
 * the CPU. A spin here cannot see that, so it yields at every clock read:
 * on a machine with fewer cores than runnable threads the peer the spin
 * waits for (the daemon, the kernel client) gets the CPU instead of
 * waiting out the spin. Not under a seccomp sandbox (sandbox.c), whose
 * filters allow only the data path's calls.
 */
static void spin_yield(void)
{
	if (!aec_sandboxed())
		sched_yield();
}

/**
 * spin_end() - when a busy poll that starts now must stop
 * @timeout_ms:	the caller's longest wait, -1 none
 *
 * Return: CLOCK_MONOTONIC end in ns: the busy-poll time, or @timeout_ms
 * if shorter; 0 when busy polling is off or the caller does not wait
 */
static uint64_t spin_end(int timeout_ms)
{
	uint64_t ns = __atomic_load_n(&aec_busy_ns, __ATOMIC_RELAXED);

	if (!ns || !timeout_ms)
		return 0;
	if (timeout_ms > 0 && (uint64_t)timeout_ms * 1000000u < ns)
		ns = (uint64_t)timeout_ms * 1000000u;
	return mono_ns() + ns;
}

/**
 * spin_ready() - watch @h for readiness for up to the busy-poll time, or
 * @timeout_ms if shorter
 * @s:		socket (its type)
 * @h:		header page
 * @events:	POLLIN / POLLOUT
 * @timeout_ms:	the caller's longest wait, -1 none
 * @alive:	the alive page's lock word (the daemon's death ends the spin)
 *
 * Only loads: nothing is armed, so the daemon wakes nobody for what the
 * spin sees.
 *
 * Return: true when ready (or moved, or the daemon died): do not sleep
 */
static bool spin_ready(const struct aec_sock *s, struct ae_shm_hdr *h,
		       unsigned int events, int timeout_ms,
		       const uint32_t *alive)
{
	uint64_t end = spin_end(timeout_ms);
	int i;

	if (!end)
		return false;
	do {
		spin_yield();
		for (i = 0; i < AEC_SPIN_LOOKS; i++) {
			if (shm_load(&h->moved) ||
			    (state_mask(s, h) & (events | POLLERR | POLLHUP)) ||
			    (__atomic_load_n(alive, __ATOMIC_RELAXED) &
			     FUTEX_OWNER_DIED)) {
				__atomic_fetch_add(&aec_spins, 1,
						   __ATOMIC_RELAXED);
				return true;
			}
			cpu_relax();
		}
	} while (mono_ns() < end);
	return false;
}

/* a test given to aec_spin() makes system calls or takes locks: fewer
 * looks between clock reads */
#define AEC_SPIN_TESTS	8

/**
 * aec_spin() - busy poll @ready for up to the busy-poll time, or
 * @timeout_ms if shorter (poll, select and epoll before they sleep)
 * @ready:	the caller's readiness test, true to stop
 * @ctx:	its argument
 * @timeout_ms:	the caller's longest wait, -1 none
 *
 * A handler of the program that runs meanwhile ends the spin: poll and
 * epoll_wait end with EINTR after any handler, SA_RESTART or not.
 *
 * Return: 1 ready, 0 not (the time is up, or busy polling is off),
 * -EINTR a handler ran
 */
int aec_spin(bool (*ready)(void *ctx), void *ctx, int timeout_ms)
{
	uint64_t end = spin_end(timeout_ms);
	unsigned int runs = aec_sig_runs;
	int i;

	if (!end)
		return 0;
	do {
		spin_yield();
		for (i = 0; i < AEC_SPIN_TESTS; i++) {
			if (ready(ctx)) {
				__atomic_fetch_add(&aec_spins, 1,
						   __ATOMIC_RELAXED);
				return 1;
			}
			if (aec_sig_runs != runs)
				return -EINTR;
			cpu_relax();
		}
	} while (mono_ns() < end);
	return aec_sig_runs != runs ? -EINTR : 0;
}

/* ---- sleeping on a futex ------------------------------------------------ */

/*
 * The alive pages this process has mapped, one per daemon instance (a
 * daemon restarted is a new instance). Never unmapped: a page per daemon
 * life is all they cost.
 */
#define AEC_ALIVE_MAX	8
static struct {
	uint64_t id;
	const uint32_t *word;
} aec_alive_tab[AEC_ALIVE_MAX];
static int aec_alive_n;
static pthread_mutex_t aec_alive_lock = PTHREAD_MUTEX_INITIALIZER;

/**
 * aec_fork_prepare() - fork: no alive-table change half done in the child
 *
 * The lock is a leaf (held around one mmap()), so it is taken last.
 */
void aec_fork_prepare(void)
{
	pthread_mutex_lock(&aec_alive_lock);
}

/**
 * aec_fork_parent() - fork done, in the parent
 */
void aec_fork_parent(void)
{
	pthread_mutex_unlock(&aec_alive_lock);
}

/**
 * aec_fork_child() - fork done, in the child: the process-wide locks of
 * the library are fresh (only the forking thread exists)
 */
void aec_fork_child(void)
{
	pthread_mutex_init(&aec_alive_lock, NULL);
	aec_map_cache_atfork_child();
	aec_tid_atfork_child();
}

/**
 * alive_word() - this process's mapping of daemon @id's alive page
 * @id:		the daemon's instance
 * @memfd:	the page, consumed (closed) here
 *
 * Return: its lock word, or NULL (no memory, table full)
 */
static const uint32_t *alive_word(uint64_t id, int memfd)
{
	const uint32_t *w = NULL;
	void *p;
	int i;

	pthread_mutex_lock(&aec_alive_lock);
	for (i = 0; i < aec_alive_n; i++)
		if (aec_alive_tab[i].id == id)
			w = aec_alive_tab[i].word;
	if (!w && aec_alive_n < AEC_ALIVE_MAX) {
		p = mmap(NULL, AE_ALIVE_SIZE, PROT_READ, MAP_SHARED, memfd, 0);
		if (p != MAP_FAILED) {
			w = p;
			aec_alive_tab[aec_alive_n].id = id;
			aec_alive_tab[aec_alive_n++].word = w;
		}
	}
	pthread_mutex_unlock(&aec_alive_lock);
	sys_close(memfd);
	return w;
}

/**
 * aec_alive() - the lock word of @s's daemon's alive page, asked for once
 * @s:		socket
 *
 * Return: the word, or NULL if the daemon did not give one (the caller
 * then cannot sleep on a futex without missing the daemon's death)
 */
static const uint32_t *aec_alive(struct aec_sock *s)
{
	uint8_t buf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_alive_resp)];
	struct aec_rsp r = { .buf = buf, .cap = sizeof(buf) };
	const uint32_t *w = __atomic_load_n(&s->alive, __ATOMIC_ACQUIRE);
	struct ae_ipc_alive_resp a;
	int ret;

	if (w)
		return w;
	ret = aec_request(s, AE_MSG_ALIVE, NULL, 0, NULL, 0, &r, -1);
	if (ret < 0 || r.len < sizeof(buf) || r.nfds != 1) {
		close_fds(&r);
		return NULL;
	}
	memcpy(&a, buf + sizeof(struct ae_ipc_hdr), sizeof(a));
	r.nfds = 0;
	w = alive_word(a.instance, r.fds[0]);
	if (w)
		__atomic_store_n(&s->alive, w, __ATOMIC_RELEASE);
	return w;
}

/**
 * aec_daemon_gone() - the daemon died: wait for the backing fd to hang up
 * @s:		socket
 *
 * The kernel releases a dying process's robust futexes before its files,
 * so the hang-up follows shortly. NOTIFYs still queued are drained.
 *
 * Return: -ENETDOWN
 */
static int aec_daemon_gone(struct aec_sock *s)
{
	short rev = 0;
	int i;

	for (i = 0; i < 1000 && !s->dead; i++) {
		if (sys_poll1(s->fd, POLLIN, 1000, &rev) < 0 && errno != EINTR)
			break;
		if (rev & (POLLHUP | POLLERR))
			break;
		if ((rev & POLLIN) && aec_drain(s) == 0)
			break;		/* a response nobody takes: no HUP yet */
	}
	s->dead = 1;
	return -ENETDOWN;
}

/**
 * futex_sleep() - sleep until *@seq != @sv or *@alive != @av, or @deadline
 * @seq:	the header's wake_seq
 * @sv:		its value before arming
 * @alive:	the alive page's lock word
 * @av:		its value
 * @deadline:	deadline_of() milliseconds, -1 none
 *
 * Return: 0 woken (or a value had changed), -ETIMEDOUT, -EINTR
 */
static int futex_sleep(uint32_t *seq, uint32_t sv, const uint32_t *alive,
		       uint32_t av, int64_t deadline)
{
	struct futex_waitv w[2] = {
		{ .val = sv, .uaddr = (uintptr_t)seq, .flags = FUTEX_32 },
		{ .val = av, .uaddr = (uintptr_t)alive, .flags = FUTEX_32 },
	};
	struct timespec ts, *tsp = NULL;
	long r;

	if (deadline >= 0) {
		ts.tv_sec = deadline / 1000;
		ts.tv_nsec = (deadline % 1000) * 1000000L;
		tsp = &ts;
	}
	r = sys_ret(syscall(SYS_futex_waitv, w, 2, 0, tsp, CLOCK_MONOTONIC));
	if (r == -EAGAIN || r >= 0)
		return 0;
	return (int)r;
}

/**
 * aec_sig_note() - a handler of the program ran on this thread
 * @restart:	it has SA_RESTART
 *
 * Async-signal-safe. A blocked call notices it even when the signal came
 * between its last look and its futex sleep: the word it is about to sleep
 * on is bumped, so FUTEX_WAIT returns at once and the call looks at what
 * was noted (take_sig()). No one is woken: other sleepers on the word sleep
 * on. The word is forgotten at once, so a handler that leaves by
 * siglongjmp() leaves no pointer behind.
 */
void aec_sig_note(bool restart)
{
	uint32_t *w = aec_sig_word;

	aec_sig_word = NULL;
	aec_sig_runs++;
	if (aec_sig_hit != AEC_SIG_EINTR)
		aec_sig_hit = restart ? AEC_SIG_RESTART : AEC_SIG_EINTR;
	if (w)
		__atomic_add_fetch(w, 1, __ATOMIC_SEQ_CST);
}

/**
 * aec_sig_clear() - a new call begins: forget handlers that ran before it
 */
void aec_sig_clear(void)
{
	aec_sig_hit = AEC_SIG_NONE;
}

/**
 * take_sig() - what a blocked call makes of the handlers that ran
 * @r:		what the sleep returned (1 look again, -EINTR, ...)
 * @anysig:	the socket has a timeout (SO_RCVTIMEO/SO_SNDTIMEO): Linux's
 *		sock_intr_errno() ends such a wait with EINTR after any handler
 *
 * Return: -EINTR after a handler without SA_RESTART (after any, with
 * @anysig), 1 (look again: the call goes on, as Linux restarts it) after
 * handlers with it, else @r
 */
static int take_sig(int r, bool anysig)
{
	int hit = aec_sig_hit;

	aec_sig_hit = AEC_SIG_NONE;
	if (hit == AEC_SIG_EINTR || (anysig && hit == AEC_SIG_RESTART))
		return -EINTR;
	if (hit == AEC_SIG_RESTART && (r == -EINTR || r > 0))
		return 1;
	return r;
}

/**
 * arm_wake() - steps (1)-(4) of aec_sleep(): arm the wake bits, re-check
 * @s:		socket (its type)
 * @h:		header page
 * @events:	POLLIN / POLLOUT
 * @sv:		set to @wake_seq as loaded before arming
 *
 * Return: true when the socket is ready (or moved): do not sleep
 */
static bool arm_wake(const struct aec_sock *s, struct ae_shm_hdr *h,
		     unsigned int events, uint32_t *sv)
{
	uint32_t bits = 0;

	if (events & POLLIN)
		bits |= AE_WAKE_IN;
	if (events & POLLOUT)
		bits |= AE_WAKE_OUT;
	*sv = shm_load(&h->wake_seq);
	shm_or(&h->shim_want, bits);
	shm_fence();
	return shm_load(&h->moved) ||
	       (state_mask(s, h) & (events | POLLERR | POLLHUP));
}

/**
 * arm_or_stop() - arm_wake(), and what handlers did, before a futex sleep
 * @s:		socket
 * @h:		header page
 * @events:	POLLIN / POLLOUT
 * @sv:		set to @wake_seq as loaded before arming
 * @anysig:	any handler ends the wait (take_sig())
 *
 * The word first, then @sv (in arm_wake()), then the look at what handlers
 * did: a signal after that look bumps the word (aec_sig_note()), so the
 * sleep does not begin. The caller clears @aec_sig_word after its sleep.
 *
 * Return: 0 to sleep, 1 ready (look again), -EINTR
 */
static int arm_or_stop(const struct aec_sock *s, struct ae_shm_hdr *h,
		       unsigned int events, uint32_t *sv, bool anysig)
{
	int r;

	aec_sig_word = &h->wake_seq;
	r = take_sig(arm_wake(s, h, events, sv) ? 1 : 0, anysig);
	if (r)
		aec_sig_word = NULL;
	return r;
}

/**
 * sleep_sandboxed() - aec_sleep() with the calls a seccomp sandbox allows
 * (sandbox.c): FUTEX_WAIT on @wake_seq alone, in slices
 * @s:		socket
 * @events:	POLLIN / POLLOUT
 * @timeout_ms:	-1 forever
 * @anysig:	any handler ends the wait (take_sig())
 *
 * The same ordering as aec_sleep() rules out a lost wake-up. What it
 * cannot do is wait on the alive page too (futex_waitv is not what such
 * filters allow, and asking for the page is a request): the daemon's death
 * is looked for after every slice of AEC_SANDBOX_SLICE_MS, as a hung-up
 * backing fd.
 *
 * Return: 1 look again, 0 timed out, -EINTR, -ENETDOWN
 */
static int sleep_sandboxed(struct aec_sock *s, unsigned int events,
			   int timeout_ms, bool anysig)
{
	struct ae_shm_hdr *h = aec_hdr(s);
	int t = timeout_ms, r;
	struct timespec ts;
	uint32_t sv;
	short rev = 0;

	if (!h)
		return -ENETDOWN;
	r = arm_or_stop(s, h, events, &sv, anysig);
	if (r)
		return r;
	if (t < 0 || t > AEC_SANDBOX_SLICE_MS)
		t = AEC_SANDBOX_SLICE_MS;
	ts.tv_sec = t / 1000;
	ts.tv_nsec = (long)(t % 1000) * 1000000L;
	r = (int)sys_ret(syscall(SYS_futex, &h->wake_seq, FUTEX_WAIT, sv, &ts,
				 NULL, 0));
	aec_sig_word = NULL;
	if (sys_poll1(s->fd, 0, 0, &rev) > 0 && (rev & (POLLHUP | POLLERR)))
		return aec_daemon_gone(s);
	/* a timed FUTEX_WAIT is never restarted: SA_RESTART is ours to
	 * honour (take_sig()) */
	if (r == -EINTR)
		return take_sig(r, anysig);
	return take_sig(r == -ETIMEDOUT && t == timeout_ms ? 0 : 1, anysig);
}

/**
 * sleep_on() - one futex sleep of a blocking call (aec_sleep(),
 * aec_sleep_intr())
 * @s:		socket
 * @events:	POLLIN / POLLOUT
 * @timeout_ms:	-1 forever
 * @anysig:	any handler ends the sleep with -EINTR (a socket timeout)
 *
 * The ordering that rules out a lost wake-up. The sleeper: (1) loads
 * @wake_seq (value S), (2) sets its AE_WAKE_* bit in @shim_want (seq_cst
 * RMW), (3) fence, (4) loads @moved and the state, and sleeps only if they
 * say "not ready", in FUTEX_WAIT(@wake_seq, S), which the kernel enters
 * only while the word still holds S. The daemon, for every change: (a)
 * stores the state, (b) fence, (c) clears the met AE_WAKE_* bits (RMW), and
 * if one was set (d) increments @wake_seq and (e) FUTEX_WAKEs all. (2)(3)(4)
 * against (a)(b)(c) is the store-buffering pattern with full fences: the
 * sleeper's (4) sees the new state, or the daemon's (c) sees its bit (or
 * both). In the first case it does not sleep. In the second, (d) follows
 * (c), which follows (2), which follows (1): the word is no longer S, so
 * the futex either refuses to sleep or is asleep already when (e) wakes
 * it. Several sleepers (threads, processes after fork) each read their own
 * S and are all woken by (e): nothing is consumed, so nobody takes another's
 * wake-up. A sleeper killed (SIGKILL) leaves at most its bit set; the next
 * (c) clears it and (e) wakes nobody: nothing loops. Bits another sleeper
 * already cleared are set again by each sleeper before it sleeps.
 *
 * The daemon's death: the sleep also waits on the alive page's lock word,
 * which the kernel changes (and wakes one waiter of) when the daemon dies;
 * that waiter wakes every other, then finds the backing fd hung up.
 *
 * Return: 1 look again, 0 timed out, -EINTR, -ENETDOWN
 */
static int sleep_on(struct aec_sock *s, unsigned int events, int timeout_ms,
		    bool anysig)
{
	uint32_t sv, av;
	const uint32_t *alive;
	struct ae_shm_hdr *h;
	int r;

	if (s->dead)
		return -ENETDOWN;
	if (aec_sandboxed())
		return sleep_sandboxed(s, events, timeout_ms, anysig);
	alive = aec_alive(s);
	h = aec_hdr(s);
	if (s->dead || !alive || !h)
		return s->dead || !h ? -ENETDOWN : aec_daemon_gone(s);
	av = __atomic_load_n(alive, __ATOMIC_ACQUIRE);
	if (av & FUTEX_OWNER_DIED)
		return aec_daemon_gone(s);
	if (spin_ready(s, h, events, timeout_ms, alive))
		return (__atomic_load_n(alive, __ATOMIC_ACQUIRE) &
			FUTEX_OWNER_DIED) ? aec_daemon_gone(s) :
		       take_sig(1, anysig);
	r = arm_or_stop(s, h, events, &sv, anysig);
	if (r)
		return r;
	r = futex_sleep(&h->wake_seq, sv, alive, av,
			timeout_ms < 0 ? -1 : deadline_of(timeout_ms));
	aec_sig_word = NULL;
	if (__atomic_load_n(alive, __ATOMIC_ACQUIRE) & FUTEX_OWNER_DIED) {
		syscall(SYS_futex, alive, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
		return aec_daemon_gone(s);
	}
	if (r == -ETIMEDOUT)
		return take_sig(0, anysig);
	return take_sig(r < 0 ? r : 1, anysig);
}

/**
 * aec_sleep() - one futex sleep of a blocking call (see client.h)
 * @s:		socket
 * @events:	POLLIN / POLLOUT
 * @timeout_ms:	-1 forever
 *
 * Return: 1 look again, 0 timed out, -EINTR, -ENETDOWN
 */
int aec_sleep(struct aec_sock *s, unsigned int events, int timeout_ms)
{
	return sleep_on(s, events, timeout_ms, false);
}

/**
 * aec_sleep_intr() - aec_sleep() for a socket with a timeout (see client.h)
 * @s:		socket
 * @events:	POLLIN / POLLOUT
 * @timeout_ms:	-1 forever
 *
 * Return: 1 look again, 0 timed out, -EINTR, -ENETDOWN
 */
int aec_sleep_intr(struct aec_sock *s, unsigned int events, int timeout_ms)
{
	return sleep_on(s, events, timeout_ms, true);
}

/**
 * aec_wait() - block until ready for @events, a timeout or a signal
 * @s:		socket
 * @events:	POLLIN / POLLOUT
 * @timeout_ms:	-1 forever, 0 check only
 *
 * Return: ready mask, 0 on timeout, -EINTR, -ENETDOWN
 */
int aec_wait(struct aec_sock *s, unsigned int events, int timeout_ms)
{
	int64_t deadline = deadline_of(timeout_ms);
	unsigned int m;
	int r;

	for (;;) {
		m = aec_poll_state(s);
		if (m & (events | POLLERR | POLLHUP))
			return (int)m;
		if (!timeout_ms)
			return 0;
		r = aec_sleep(s, events, deadline < 0 ? -1 : left_ms(deadline));
		if (r == -ENETDOWN)
			return DEAD_MASK;
		if (r <= 0)
			return r;
		if (deadline >= 0 && !left_ms(deadline))
			return (int)(aec_poll_state(s) &
				     (events | POLLERR | POLLHUP));
	}
}
