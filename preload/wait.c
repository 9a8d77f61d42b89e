// SPDX-License-Identifier: MIT
/**
 * DOC: wait.c - readiness from shared memory and sleeping in the kernel
 *
 * The lost-wakeup rule of ipc-design.md: arm the want-notify flags, re-check
 * the shared state, and only then sleep on the backing fd, which the daemon
 * makes readable with a NOTIFY when the armed readiness appears. NOTIFYs are
 * drained before every re-check.
 *
 * The sleep is poll() on the backing fd. A signal interrupts it; without a
 * socket timeout the wait goes on when every installed handler has
 * SA_RESTART (the kernel would have restarted the call), else the call
 * returns EINTR. With SO_RCVTIMEO/SO_SNDTIMEO a signal always gives EINTR,
 * which is what Linux does for sockets with a timeout.
 *
 * Several waiters on one socket (threads blocked in accept() on one
 * listener, a reader and a writer thread, processes sharing it after fork)
 * share one NOTIFY: the one that drains it may leave another asleep with
 * nothing left to wake it. So no sleep is endless: it is cut into slices of
 * PS_SLICE_MS while this process has several waiters on the socket, and
 * PS_IDLE_SLICE_MS otherwise (a waiter that went to sleep alone, or one in
 * another process), after which readiness is checked again.
 *
 * aec_wait() would count the sleeper in the socket's shared header so that
 * a drainer re-arms its wake-up, but a process killed while counted leaves
 * the count behind for good; every later drain of that direction then
 * re-arms and rings the daemon, whose fresh NOTIFY nobody wants: a loop
 * between a surviving poller and aetherd (test_preload.sh checks for it).
 * The count kept here (@waiters) is process memory and dies with its owner.
 */
#include <errno.h>
#include <time.h>

#include "client.h"
#include "shim.h"

#define PS_SLICE_MS		20
#define PS_IDLE_SLICE_MS	250

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
 * @m:	aec_poll_state()/aec_arm() mask
 *
 * Linux tcp_poll(): a hung-up TCP socket (both directions shut, or closed)
 * is also writable (the write fails at once), and readable with EOF, i.e.
 * POLLIN|POLLRDHUP.
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
		m = ps->type == SOCK_DGRAM ? POLLOUT : 0;
		if (!atomic_load(&ps->down_told))
			m |= POLLIN | POLLERR;
		return m;
	}
	if (ps->type == SOCK_STREAM && (m & POLLHUP)) {
		m |= POLLOUT;
		if (m & POLLIN)
			m |= POLLRDHUP;
	}
	return m;
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
 * @events:	POLLIN and/or POLLOUT
 *
 * Return: current readiness, as ps_state()
 */
uint32_t ps_arm(struct ps_sock *ps, uint32_t events)
{
	return ps_mask(ps, aec_arm(ps->aec, events));
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
 * ps_sleep() - sleep on backing fd @fd until a message arrives
 * @fd:		backing fd, or -1 to sleep until the timeout or a signal
 * @timeout_ms:	<0 forever
 * @restart:	no socket timeout: restart after SA_RESTART signals
 *
 * Return: 1 woken, 0 timed out, -1 with errno (EINTR), -2 the daemon is gone
 */
static int ps_sleep(int fd, int timeout_ms, bool restart)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do {
		r = REAL(poll)(&p, 1, timeout_ms);
	} while (r < 0 && errno == EINTR && restart && ps_restartable());
	if (r < 0)
		return -1;
	if (r == 0)
		return 0;
	if ((p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLIN))
		return -2;
	return 1;
}

/**
 * ps_slice_of() - one sleep of a poll/select/epoll wait over Aether fds
 * @left:	time left, -1 forever
 *
 * A poller in another thread or process may drain the NOTIFY this one
 * sleeps on; so no sleep lasts longer than PS_IDLE_SLICE_MS.
 *
 * Return: @left or PS_IDLE_SLICE_MS, whichever is shorter
 */
int ps_slice_of(int left)
{
	if (left >= 0 && left <= PS_IDLE_SLICE_MS)
		return left;
	return PS_IDLE_SLICE_MS;
}

/**
 * ps_slice() - how long one sleep may last
 * @ps:		socket
 * @left:	time left, -1 forever
 *
 * Return: @left, or a slice when other waiters could strand this one
 */
static int ps_slice(struct ps_sock *ps, int left)
{
	int cap = atomic_load(&ps->waiters) > 1 ? PS_SLICE_MS : PS_IDLE_SLICE_MS;

	if (left >= 0 && left <= cap)
		return left;
	return cap;
}

/**
 * ps_client_fd() - the fd the client talks on now (the program's fd may
 * have been closed by another thread meanwhile, see fdops.c)
 * @ps:	socket
 *
 * Return: the fd
 */
static int ps_client_fd(struct ps_sock *ps)
{
	return __atomic_load_n(&ps->aec->fd, __ATOMIC_ACQUIRE);
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
 * ps_wait_fd() - sleep until @ps is ready for @events or the timeout expires
 * @ps:		socket
 * @fd:		the fd the program used (unused: the sleep is on the client's fd,
 *		which outlives a close of @fd by another thread)
 * @events:	POLLIN and/or POLLOUT
 * @timeout_ms:	<0 forever
 *
 * Return: 1 ready (re-try the operation), 0 timed out, -1 with errno set
 * (EINTR), -2 the daemon is gone
 */
int ps_wait_fd(struct ps_sock *ps, int fd, short events, int timeout_ms)
{
	struct timespec dl;
	bool dead;
	int r;

	ps_deadline(&dl, timeout_ms);
	atomic_fetch_add(&ps->waiters, 1);
	for (;;) {
		aec_drain(ps->aec);
		r = 1;
		if (ps_state(ps) & (events | POLLERR | POLLHUP))
			break;
		if (ps_arm(ps, events) & (events | POLLERR | POLLHUP))
			break;
		/*
		 * A dead listener that has reported its error is not ready
		 * until a daemon is back: its backing fd is hung up (polling
		 * it would return at once, forever), so sleep on the
		 * reconnect watcher (reconnect.c), which wakes when a daemon
		 * publishes its socket; without one (AETHER_RECONNECT=off)
		 * until the timeout or a signal. Sliced like every sleep when
		 * another thread could take the watcher's event first.
		 */
		dead = ps_dead(ps);
		if (dead && ps_rc_try())
			continue;	/* re-created: a live socket again */
		if (dead && (ps_rc_watch_fd() < 0 || ps_rc_alone()))
			r = ps_sleep(ps_rc_watch_fd(), ps_ms_left(&dl),
				     timeout_ms < 0);
		else
			r = ps_sleep(dead ? ps_rc_watch_fd() :
				     ps_client_fd(ps),
				     ps_slice(ps, ps_ms_left(&dl)),
				     timeout_ms < 0);
		if (dead && r == 1)
			continue;	/* the watcher saw a file appear */
		if (r == 0 && ps_ms_left(&dl) != 0)
			continue;	/* a slice ended, not the timeout */
		if (r == -2) {
			aec_drain(ps->aec);	/* meets the EOF: dead */
			if (ps_dead(ps))
				continue;	/* the state says what to do */
		}
		if (r != 1) {
			if (r == -2)
				errno = ECONNRESET;
			break;
		}
	}
	atomic_fetch_sub(&ps->waiters, 1);
	return r;
}
