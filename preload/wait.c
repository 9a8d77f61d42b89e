// SPDX-License-Identifier: MIT
/**
 * DOC: wait.c - readiness from shared memory and sleeping in the kernel
 *
 * A blocked call (accept, recv, send, connect) sleeps in aec_sleep(): a
 * futex on the socket's header page, which the daemon bumps and wakes when
 * the state a sleeper armed for appears (client/ready.c holds the ordering
 * argument that rules out a lost wake-up). Each sleeper re-arms before each
 * sleep and nothing is consumed by waking, so any number of threads and
 * processes (after fork) may sleep on one socket, and a sleeper killed
 * (SIGKILL) leaves nothing another has to clean up or spin on. There is no
 * time slice: a sleep lasts until the event, the timeout or a signal.
 *
 * Signals: a handler with SA_RESTART restarts the sleep in the kernel,
 * one without ends it with EINTR, as on a kernel socket without a timeout.
 * A socket with SO_RCVTIMEO/SO_SNDTIMEO gets EINTR from any handler on
 * Linux: such waits sleep on the same futex, bounded by their timeout, and
 * end with EINTR once any wrapped handler ran (ps_wait_timed()).
 *
 * The daemon's death reaches a sleeper through the daemon's alive page;
 * the socket is then dead and ps_state() says what the call returns; a
 * dead listener sleeps until a daemon is back (ps_sleep_dead()).
 *
 * poll/select/epoll sleep on the backing fd instead (poll.c, epoll.c), the
 * only way to sleep beside the program's other fds; the daemon makes it
 * readable with a NOTIFY for each armed direction.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "client.h"
#include "shim.h"

#define PS_DEAD_SLICE_MS	250
#define PS_BUSY_POLL_MAX	100000UL

/**
 * ps_busy_poll_init() - read AETHER_BUSY_POLL once at load: a blocked call
 * watches the socket's shared state for up to that many microseconds
 * before its futex sleep (aec_set_busy_poll(); 0, the default: never)
 */
__attribute__((constructor)) static void ps_busy_poll_init(void)
{
	const char *v = getenv("AETHER_BUSY_POLL");
	unsigned long us;
	char *end;

	if (!v || !*v)
		return;
	errno = 0;
	us = strtoul(v, &end, 10);
	if (errno || *end || *v == '-' || us > PS_BUSY_POLL_MAX) {
		if (ps_debug)
			ps_log("AETHER_BUSY_POLL=%s ignored (0 to %lu)", v,
			       PS_BUSY_POLL_MAX);
		return;
	}
	aec_set_busy_poll((unsigned int)us);
}

/**
 * ps_dead() - has this process seen @ps's daemon go away
 * @ps:	socket
 *
 * Return: true once a call on @ps met the hung-up backing fd
 */
bool ps_dead(const struct ps_sock *ps)
{
	return __atomic_load_n(&ps->aec->dead, __ATOMIC_ACQUIRE) != 0;
}

/**
 * ps_inert() - is @ps a socket without a connection to reset
 * @ps:	socket
 *
 * Return: true for listeners and UDP sockets
 */
bool ps_inert(struct ps_sock *ps)
{
	return ps->type == SOCK_DGRAM || atomic_load(&ps->listening);
}

/**
 * ps_down_take() - take the one ENETDOWN a dead listener or UDP socket reports
 * @ps:	socket whose daemon is gone
 *
 * Return: true for the first caller (it fails with ENETDOWN); later callers
 * find the socket never ready (EAGAIN, or sleep)
 */
bool ps_down_take(struct ps_sock *ps)
{
	return !atomic_exchange(&ps->down_told, 1);
}

/**
 * ps_mask() - the program's view of readiness mask @m of @ps
 * @ps:	socket
 * @m:	aec_poll_state()/aec_arm() mask, already as Linux's tcp_poll() and
 *	datagram_poll() give it (client/ready.c)
 *
 * When the daemon is gone a connected socket stays readable, writable, in
 * error and hung up, as a kernel socket does after an RST (read gives
 * ECONNRESET, write EPIPE; programs close it). A listener or UDP socket has no
 * connection to lose: like a kernel socket whose device went away it must not
 * be reported ready forever, or an event loop calling accept() on it would
 * spin. It reports POLLIN|POLLERR until one call has returned ENETDOWN for it
 * (ps_down_take()), and then nothing (a UDP socket stays writable; sends fail).
 *
 * Return: poll mask
 */
static uint32_t ps_mask(struct ps_sock *ps, uint32_t m)
{
	if (ps_dead(ps) && ps_inert(ps)) {
		m = ps->type == SOCK_DGRAM ?
			POLLOUT | POLLWRNORM | POLLWRBAND : 0;
		if (!atomic_load(&ps->down_told))
			m |= POLLIN | POLLRDNORM | POLLERR;
		return m;
	}
	return m;
}

/**
 * ps_dirs() - the directions (POLLIN/POLLOUT) whose readiness answers a
 * wait for @events
 * @events:	poll/epoll events a program asked for
 *
 * Only the bits reported exactly when IN or OUT is (RDNORM, WRNORM) stand
 * for a direction: a wait for RDHUP, PRI, RDBAND or WRBAND alone armed for
 * level readiness would be woken at once, over and over, by a socket that
 * is readable or writable without being what it waits for (ps_arm()).
 *
 * Return: POLLIN and/or POLLOUT
 */
uint32_t ps_dirs(uint32_t events)
{
	uint32_t d = 0;

	if (events & (POLLIN | POLLRDNORM))
		d |= POLLIN;
	if (events & (POLLOUT | POLLWRNORM))
		d |= POLLOUT;
	return d;
}

/**
 * ps_arm_bits() - what to arm for a wait for @events on @ps
 * @ps:		socket
 * @events:	poll/epoll events a program asked for
 *
 * The level directions of ps_dirs(); WRBAND is OUT on UDP (datagram_poll()
 * reports them together; TCP never reports it). A wait for RDHUP (or PRI,
 * RDBAND) without IN is armed for the next arrival (AEC_POLL_NEXT_IN): the
 * FIN is one, and data already queued does not wake it again and again.
 *
 * Return: aec_arm() events
 */
static uint32_t ps_arm_bits(struct ps_sock *ps, uint32_t events)
{
	uint32_t d = ps_dirs(events);

	if (ps->type == SOCK_DGRAM && (events & POLLWRBAND))
		d |= POLLOUT;
	if (!(d & POLLIN) && (events & (POLLRDHUP | POLLPRI | POLLRDBAND)))
		d |= AEC_POLL_NEXT_IN;
	return d;
}

/**
 * ps_state() - current readiness of @ps (POLLIN/POLLOUT/POLLERR/POLLHUP/POLLRDHUP)
 * @ps:	socket
 *
 * Return: poll mask (see ps_mask())
 */
uint32_t ps_state(struct ps_sock *ps)
{
	return ps_mask(ps, aec_poll_state(ps->aec));
}

/**
 * ps_arm() - ask for a NOTIFY when @ps becomes ready for @events, re-check
 * @ps:		socket
 * @events:	poll/epoll events a program asked for (see ps_arm_bits())
 *
 * Return: current readiness, as ps_state()
 */
uint32_t ps_arm(struct ps_sock *ps, uint32_t events)
{
	return ps_mask(ps, aec_arm(ps->aec, ps_arm_bits(ps, events)));
}

/**
 * ps_arm_next() - ps_arm(), and a NOTIFY at the next arrival even if @ps is
 * readable now (an EPOLLET edge)
 * @ps:		socket
 * @events:	as ps_arm()
 *
 * Return: current readiness, as ps_state()
 */
uint32_t ps_arm_next(struct ps_sock *ps, uint32_t events)
{
	return ps_mask(ps, aec_arm(ps->aec, ps_arm_bits(ps, events) |
					    AEC_POLL_NEXT_IN));
}

/**
 * ps_pollers() - count a sleeper on @ps's backing fd in or out
 * @ps:		socket
 * @events:	the directions it waits for (POLLIN/POLLOUT)
 * @delta:	+1 before the sleep, -1 after
 */
void ps_pollers(struct ps_sock *ps, uint32_t events, int delta)
{
	events = ps_dirs(events);
	if (events & POLLIN)
		atomic_fetch_add(&ps->pollers_in, delta);
	if (events & POLLOUT)
		atomic_fetch_add(&ps->pollers_out, delta);
}

/**
 * ps_now_us() - monotonic microseconds
 *
 * Return: us
 */
static int64_t ps_now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static atomic_bool ps_shared;

/**
 * ps_mark_shared() - sockets of this process may be shared with another
 * (it forked, or inherited sockets through exec)
 *
 * Every socket that exists now stops being private (ps_private()).
 */
void ps_mark_shared(void)
{
	ps_gen_bump();
	atomic_store(&ps_shared, true);
}

/**
 * ps_is_shared() - may another process hold sockets of this one
 *
 * Return: true once it forked or inherited sockets through exec
 */
bool ps_is_shared(void)
{
	return atomic_load(&ps_shared);
}

/**
 * ps_drain() - drain @ps's NOTIFYs; ask again for those others sleep on
 * @ps:		socket
 * @mine:	the directions the caller waited for (POLLIN/POLLOUT)
 * @counted:	the caller is counted in ps_pollers() now
 * @ep:		the caller's epoll record if it slept in epoll_wait(), or NULL
 *
 * Every sleeper in poll() on the backing fd wakes for a NOTIFY, but one
 * that looks after another drained it sleeps on: a NOTIFY is consumed.
 * So a direction drained here that another thread of this process sleeps
 * on (@pollers_in/@pollers_out, ps_epoll_sleepers()) is re-armed with a
 * DOORBELL (aec_rearm()): the daemon sends a fresh NOTIFY while it is still
 * ready. Those threads are alive (the counts are process memory), and a
 * thread sleeps only while its direction is not ready, so this ends. A
 * direction no other thread here sleeps on may be another process's (once
 * this process forked or inherited sockets): it is re-armed at most once a
 * second per socket, so every process gets its turn in a chain of such
 * re-arms, and a killed poller costs at most one more NOTIFY: never a loop.
 */
void ps_drain(struct ps_sock *ps, uint32_t mine, bool counted, void *ep)
{
	uint32_t dirs = 0, local = 0, re;
	int64_t now;

	if ((ps_private(ps) ? aec_drain_private(ps->aec, &dirs) :
			      aec_drain_dirs(ps->aec, &dirs)) <= 0)
		return;
	if (atomic_load(&ps->pollers_in) > (counted && (mine & POLLIN)))
		local |= AE_WANT_IN;
	if (atomic_load(&ps->pollers_out) > (counted && (mine & POLLOUT)))
		local |= AE_WANT_OUT;
	if (dirs & ~local)
		local |= ps_epoll_sleepers(ps, ep);
	re = dirs & local;
	if (re) {
		/*
		 * Re-armed again before the sleeper ran: step aside for a
		 * millisecond, or two pollers of one CPU could pass the
		 * NOTIFY back and forth through the daemon while the one it
		 * is for waits for the CPU.
		 */
		now = ps_now_us();
		if (now - atomic_load(&ps->local_us) < 2000)
			nanosleep(&(struct timespec){ 0, 1000000L }, NULL);
		atomic_store(&ps->local_us, ps_now_us());
	}
	if ((dirs & ~local) && atomic_load(&ps_shared)) {
		now = ps_now_us() / 1000;
		if (now - atomic_load(&ps->rearm_ms) >= 1000) {
			atomic_store(&ps->rearm_ms, now);
			re = dirs;
		}
	}
	aec_rearm(ps->aec, re);
}

/**
 * ps_deadline() - absolute CLOCK_MONOTONIC deadline @timeout_ms from now
 * @deadline:	result
 * @timeout_ms:	relative timeout, <0 for none
 */
void ps_deadline(struct timespec *deadline, int timeout_ms)
{
	if (timeout_ms < 0) {
		deadline->tv_sec = -1;
		deadline->tv_nsec = 0;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += timeout_ms / 1000;
	deadline->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

/**
 * ps_ms_left() - milliseconds until @deadline, rounded up
 * @deadline:	from ps_deadline()
 *
 * Return: -1 for no deadline, 0 when passed, else the time left
 */
int ps_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	if (deadline->tv_sec < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec + 999999) / 1000000;
	if (ms <= 0)
		return 0;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/**
 * ps_restartable() - would the kernel restart a call this signal interrupted
 *
 * The interrupting signal is not known here; if every signal with a
 * handler has SA_RESTART, whichever it was did, and the kernel would have
 * restarted a blocking socket call without a timeout. Handlers of fault
 * signals (sanitizers and runtimes install them) do not count.
 *
 * Return: true to go back to sleep, false for EINTR
 */
static bool ps_restartable(void)
{
	struct sigaction sa;
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		/* faults are synchronous: they never interrupt a sleep */
		if (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE ||
		    sig == SIGILL || sig == SIGTRAP || sig == SIGSYS)
			continue;
		if (sigaction(sig, NULL, &sa) < 0)
			continue;
		if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
			continue;
		if (!(sa.sa_flags & SA_RESTART))
			return false;
	}
	return true;
}

/**
 * ps_dead_slice() - how long a sleep that watches for a daemon's return
 * (dead sockets, reconnect.c) may last
 * @left:	time left, -1 forever
 *
 * Another thread of the process may read the watcher's event first: then
 * the sleep is cut into PS_DEAD_SLICE_MS slices. Only while a daemon is
 * gone; a single-threaded process sleeps without a bound.
 *
 * Return: @left, or a slice
 */
int ps_dead_slice(int left)
{
	if (ps_rc_alone() || (left >= 0 && left <= PS_DEAD_SLICE_MS))
		return left;
	return PS_DEAD_SLICE_MS;
}

/**
 * ps_sleep_dead() - a dead socket that is not ready: sleep until a daemon
 * is back, the timeout or a signal
 * @timeout_ms:	<0 forever
 * @restart:	no socket timeout: restart after SA_RESTART signals
 *
 * Its backing fd is hung up (polling it would return at once, forever), so
 * the sleep is on the reconnect watcher (reconnect.c), which wakes when a
 * daemon publishes its socket; without one (AETHER_RECONNECT=off) until the
 * timeout or a signal. Another thread of the process may take the
 * watcher's event first, so then the sleep is cut into PS_DEAD_SLICE_MS
 * slices (only while the daemon is gone).
 *
 * Return: 1 look again (the watcher woke, or a slice ended), 0 timed out,
 * -1 with errno (EINTR)
 */
static int ps_sleep_dead(int timeout_ms, bool restart)
{
	struct pollfd p = { .fd = ps_rc_watch_fd(), .events = POLLIN };
	int t = p.fd >= 0 ? ps_dead_slice(timeout_ms) : timeout_ms, r;

	do {
		r = REAL(poll)(&p, 1, t);
	} while (r < 0 && errno == EINTR && restart && ps_restartable());
	if (r < 0)
		return -1;
	return r > 0 || t != timeout_ms ? 1 : 0;
}

/**
 * ps_wait_total() - ps_wait_fd() for a call that may wait several times:
 * SO_RCVTIMEO/SO_SNDTIMEO bound the whole call, not each wait
 * @ps:		socket
 * @fd:		the program's fd
 * @events:	POLLIN and/or POLLOUT
 * @timeout_ms:	the socket's timeout, <0 none
 * @dl:		the call's deadline: tv_nsec < 0 until the first wait sets it
 *
 * A wait that found the socket ready while the retried operation still
 * could not proceed (another thread took the data, or took the error)
 * would otherwise start the timeout afresh, for ever.
 *
 * Return: as ps_wait_fd()
 */
int ps_wait_total(struct ps_sock *ps, int fd, short events, int timeout_ms,
		  struct timespec *dl)
{
	int left;

	if (dl->tv_nsec < 0)
		ps_deadline(dl, timeout_ms);
	left = ps_ms_left(dl);
	if (left == 0)
		return 0;
	return ps_wait_fd(ps, fd, events, left);
}

/**
 * ps_wait_timed() - ps_wait_fd() for a socket with SO_RCVTIMEO/SO_SNDTIMEO
 * @ps:		socket
 * @events:	POLLIN and/or POLLOUT
 * @dl:		deadline
 *
 * The futex sleep of an untimed wait (aec_sleep_intr()), bounded by the
 * deadline: Linux ends such a wait with EINTR for any signal with a
 * handler, even under SA_RESTART, which the sleep gives from the note every
 * wrapped handler leaves (signal.c). No NOTIFY is sent or drained, so the
 * wake-up costs the program no system call beyond the sleep itself, and
 * AETHER_BUSY_POLL spins before it as before any blocked call.
 *
 * Return: as ps_wait_fd()
 */
static int ps_wait_timed(struct ps_sock *ps, short events,
			 const struct timespec *dl)
{
	int r, left;

	for (;;) {
		if (ps_state(ps) & (events | POLLERR | POLLHUP))
			return 1;
		left = ps_ms_left(dl);
		if (ps_dead(ps)) {
			if (ps_rc_try())
				continue;	/* re-created: live again */
			r = ps_sleep_dead(left, false);
			if (r == 1)
				continue;
			return r;
		}
		if (left == 0)
			return 0;
		r = aec_sleep_intr(ps->aec, (unsigned int)events, left);
		if (r == -EINTR) {
			errno = EINTR;
			return -1;
		}
		/* woken, timed out (looked at above), or the daemon is gone */
	}
}

/**
 * ps_wait_fd() - sleep until @ps is ready for @events or the timeout expires
 * @ps:		socket
 * @fd:		the fd the program used (one of @ps's backing fds)
 * @events:	POLLIN and/or POLLOUT
 * @timeout_ms:	the socket's timeout, <0 for none
 *
 * Return: 1 ready (re-try the operation), 0 timed out, -1 with errno set
 * (EINTR)
 */
int ps_wait_fd(struct ps_sock *ps, int fd, short events, int timeout_ms)
{
	struct timespec dl;
	int r;

	ps_deadline(&dl, timeout_ms);
	(void)fd;
	if (timeout_ms >= 0)
		return ps_wait_timed(ps, events, &dl);
	for (;;) {
		if (ps_state(ps) & (events | POLLERR | POLLHUP))
			return 1;
		if (ps_dead(ps)) {
			if (ps_rc_try())
				continue;	/* re-created: live again */
			r = ps_sleep_dead(-1, true);
			if (r == 1)
				continue;
			return r;
		}
		r = aec_sleep(ps->aec, (unsigned int)events, -1);
		if (r == -EINTR) {
			errno = EINTR;
			return -1;
		}
		/* woken, or the daemon is gone: look again */
	}
}
