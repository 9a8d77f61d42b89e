// SPDX-License-Identifier: MIT
/**
 * DOC: loop.c - one epoll loop (aetherd's, and an embedding program's)
 *
 * Theory of operation: every watched fd has one registration, kept in a table
 * indexed by the fd number and grown on demand (registration allocates, the
 * data path never does). The epoll cookie of a registration carries the fd
 * and a generation number, so an event still sitting in the batch that
 * epoll_wait() returned is ignored when its fd was removed (or closed and
 * reused) by a callback earlier in the same batch.
 *
 * ae_loop_run_once() waits once, dispatches every event of the batch to its
 * callback, then runs the idle hooks: the place to re-arm timers and flush
 * buffers after a batch of work. Nothing here blocks but epoll_wait().
 *
 * Busy polling (ae_loop_set_busy_poll(), off unless asked for): for up to
 * busy_ns after the last batch that had an event on a busy fd (every fd
 * but those made quiet with ae_loop_quiet(): timers and signals), the wait is epoll_wait()
 * with a zero timeout, repeated until an event comes or that time is up;
 * only then does the loop sleep. The spin is bounded by the time since the
 * last activity, so a loop left idle sleeps again after busy_ns, and an
 * idle loop that never saw activity never spins.
 *
 * A spin hook (ae_loop_set_spin_hook()) looks at what no descriptor
 * reports: aetherd reads the rings of the programs that rang lately, which
 * need not ring while it spins. It runs at every spin and once more before
 * the sleep that ends the spinning (then it re-arms what it stood in for);
 * work it finds counts as activity and runs the idle hooks.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define LOOP_BATCH	64
#define LOOP_MAX_IDLE	8

/**
 * struct loop_reg - one watched fd
 * @fn:		callback, NULL when the slot is free
 * @ctx:	its argument
 * @gen:	generation, bumped at every add, checked against the event cookie
 * @quiet:	its events are not activity for busy polling (timers, signals)
 */
struct loop_reg {
	ae_loop_fn fn;
	void *ctx;
	uint32_t gen;
	bool quiet;
};

/**
 * struct loop_idle - one idle hook
 * @fn:		callback
 * @ctx:	its argument
 */
struct loop_idle {
	ae_loop_idle_fn fn;
	void *ctx;
};

/**
 * struct ae_loop - the loop
 * @epfd:	epoll instance
 * @regs:	registrations indexed by fd, @nregs slots
 * @idle:	idle hooks, @nidle of them
 * @stop:	set by ae_loop_stop()
 * @busy_ns:	busy-poll time after activity, 0 for none (the default)
 * @active_ns:	CLOCK_MONOTONIC time of the last batch with events
 * @spins:	zero-timeout epoll_wait() calls made while busy polling
 * @spin_fn:	spin hook, or NULL
 * @spin_ctx:	its argument
 * @events:	the batch buffer for epoll_wait()
 */
struct ae_loop {
	int epfd;
	struct loop_reg *regs;
	int nregs;
	struct loop_idle idle[LOOP_MAX_IDLE];
	int nidle;
	bool stop;
	uint64_t busy_ns;
	uint64_t active_ns;
	uint64_t spins;
	ae_loop_spin_fn spin_fn;
	void *spin_ctx;
	struct epoll_event events[LOOP_BATCH];
};

/**
 * ae_loop_new() - create an empty loop
 *
 * Return: the loop, or NULL with errno set
 */
struct ae_loop *ae_loop_new(void)
{
	struct ae_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		free(l);
		return NULL;
	}
	return l;
}

/**
 * ae_loop_free() - close the epoll fd and free the loop
 * @l:		loop, may be NULL
 *
 * The registered fds are not closed: they belong to whoever added them.
 */
void ae_loop_free(struct ae_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l->regs);
	free(l);
}

/**
 * loop_grow() - make the registration table hold index @fd
 * @l:		loop
 * @fd:		file descriptor
 *
 * Return: 0, or -ENOMEM
 */
static int loop_grow(struct ae_loop *l, int fd)
{
	struct loop_reg *r;
	int n = l->nregs ? l->nregs : 64;

	if (fd < l->nregs)
		return 0;
	while (n <= fd)
		n *= 2;
	r = realloc(l->regs, (size_t)n * sizeof(*r));
	if (!r)
		return -ENOMEM;
	memset(r + l->nregs, 0, (size_t)(n - l->nregs) * sizeof(*r));
	l->regs = r;
	l->nregs = n;
	return 0;
}

/**
 * loop_cookie() - the epoll data word for a registration
 * @fd:		file descriptor
 * @gen:	its generation
 *
 * Return: fd in the low 32 bits, generation in the high 32
 */
static uint64_t loop_cookie(int fd, uint32_t gen)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

/**
 * ae_loop_add() - watch @fd for @events, calling @fn(@ctx, events)
 * @l:		loop
 * @fd:		file descriptor (not already in the loop)
 * @events:	EPOLLIN, EPOLLOUT, EPOLLET...
 * @fn:		callback
 * @ctx:	its argument
 *
 * Return: 0, or -errno (-EEXIST if @fd is already registered)
 */
int ae_loop_add(struct ae_loop *l, int fd, uint32_t events, ae_loop_fn fn,
		void *ctx)
{
	struct epoll_event ev = { .events = events };
	struct loop_reg *r;
	int rc;

	if (fd < 0 || !fn)
		return -EINVAL;
	rc = loop_grow(l, fd);
	if (rc)
		return rc;
	r = &l->regs[fd];
	if (r->fn)
		return -EEXIST;
	ev.data.u64 = loop_cookie(fd, r->gen + 1);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	r->gen++;
	r->fn = fn;
	r->ctx = ctx;
	r->quiet = false;
	return 0;
}

/**
 * ae_loop_mod() - change the events watched on a registered fd
 * @l:		loop
 * @fd:		file descriptor
 * @events:	new event mask
 *
 * Return: 0, or -errno (-ENOENT if @fd is not registered)
 */
int ae_loop_mod(struct ae_loop *l, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events };

	if (fd < 0 || fd >= l->nregs || !l->regs[fd].fn)
		return -ENOENT;
	ev.data.u64 = loop_cookie(fd, l->regs[fd].gen);
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev))
		return -errno;
	return 0;
}

/**
 * ae_loop_del() - stop watching @fd; safe from inside any callback
 * @l:		loop
 * @fd:		file descriptor; call before closing it
 *
 * Events for @fd still pending in the current batch are dropped.
 *
 * Return: 0, or -ENOENT if @fd is not registered
 */
int ae_loop_del(struct ae_loop *l, int fd)
{
	if (fd < 0 || fd >= l->nregs || !l->regs[fd].fn)
		return -ENOENT;
	/* Fails only if the fd was closed already, which removed it anyway. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->regs[fd].fn = NULL;
	l->regs[fd].ctx = NULL;
	return 0;
}

/**
 * ae_loop_forget() - drop the registration of an fd the caller closes next
 * @l:		loop
 * @fd:		fd, registered, with no other descriptor of its open file (a
 *		close() then takes it out of the epoll set: no EPOLL_CTL_DEL,
 *		one system call less per connection closed)
 *
 * Return: 0, or -ENOENT if @fd is not registered
 */
int ae_loop_forget(struct ae_loop *l, int fd)
{
	if (fd < 0 || fd >= l->nregs || !l->regs[fd].fn)
		return -ENOENT;
	l->regs[fd].fn = NULL;
	l->regs[fd].ctx = NULL;
	return 0;
}

/**
 * ae_loop_add_idle() - call @fn(@ctx) after every batch of events
 * @l:		loop
 * @fn:		hook
 * @ctx:	its argument
 *
 * Hooks run in the order they were added, also after a wait that timed out.
 *
 * Return: 0, or -ENOSPC when all hook slots are taken
 */
int ae_loop_add_idle(struct ae_loop *l, ae_loop_idle_fn fn, void *ctx)
{
	if (!fn)
		return -EINVAL;
	if (l->nidle == LOOP_MAX_IDLE)
		return -ENOSPC;
	l->idle[l->nidle].fn = fn;
	l->idle[l->nidle].ctx = ctx;
	l->nidle++;
	return 0;
}

/**
 * ae_loop_quiet() - events on @fd are not activity for busy polling
 * @l:		loop
 * @fd:		a registered fd (a timer, a signalfd)
 *
 * Return: 0, or -ENOENT if @fd is not registered
 */
int ae_loop_quiet(struct ae_loop *l, int fd)
{
	if (fd < 0 || fd >= l->nregs || !l->regs[fd].fn)
		return -ENOENT;
	l->regs[fd].quiet = true;
	return 0;
}

/**
 * loop_dispatch() - call the callback of one event, if still registered
 * @l:		loop
 * @ev:		event from epoll_wait()
 *
 * Return: true if the event was activity (a registered fd, not quiet)
 */
static bool loop_dispatch(struct ae_loop *l, const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)ev->data.u64;
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	struct loop_reg *r;
	bool quiet;

	if (fd < 0 || fd >= l->nregs)
		return false;
	r = &l->regs[fd];
	if (!r->fn || r->gen != gen)
		return false;
	/* Read before the call: a handler that registers an fd may realloc
	 * l->regs, leaving @r dangling (aetherd died so at ~9,500 clients). */
	quiet = r->quiet;
	r->fn(r->ctx, ev->events);
	return !quiet;
}

/**
 * loop_now_ns() - CLOCK_MONOTONIC in nanoseconds
 *
 * Return: the time
 */
static uint64_t loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/**
 * loop_spin() - busy poll: zero-timeout waits until an event comes or
 * busy_ns have passed since the last activity (and no longer than
 * @timeout_ms when that is not -1)
 * @l:		loop
 * @timeout_ms:	the caller's longest wait
 * @work:	set when the spin hook found work
 *
 * Return: events found (0 when the spin ended without any), or -1 (errno)
 */
static int loop_spin(struct ae_loop *l, int timeout_ms, bool *work)
{
	uint64_t now, end;
	int n;

	if (!l->busy_ns || !timeout_ms)
		return 0;
	now = loop_now_ns();
	end = l->active_ns + l->busy_ns;
	if (timeout_ms > 0 && now + (uint64_t)timeout_ms * 1000000ULL < end)
		end = now + (uint64_t)timeout_ms * 1000000ULL;
	while (now < end && !l->stop) {
		sched_yield();	/* a runnable thread here goes first */
		n = epoll_wait(l->epfd, l->events, LOOP_BATCH, 0);
		l->spins++;
		if (n)
			return n;
		if (l->spin_fn && l->spin_fn(l->spin_ctx, false)) {
			*work = true;
			return 0;
		}
		now = loop_now_ns();
	}
	return 0;
}

/**
 * ae_loop_set_busy_poll() - spin up to @usec after activity before sleeping
 * @l:		loop
 * @usec:	microseconds, 0 (the default) to never spin
 */
void ae_loop_set_busy_poll(struct ae_loop *l, unsigned int usec)
{
	l->busy_ns = (uint64_t)usec * 1000ULL;
	l->active_ns = 0;
}

/**
 * ae_loop_set_spin_hook() - call @fn(@ctx, false) at every spin, and
 * @fn(@ctx, true) before every sleep while busy polling is on
 * @l:		loop
 * @fn:		hook, NULL for none
 * @ctx:	its argument
 */
void ae_loop_set_spin_hook(struct ae_loop *l, ae_loop_spin_fn fn, void *ctx)
{
	l->spin_fn = fn;
	l->spin_ctx = ctx;
}

/**
 * ae_loop_spins() - zero-timeout waits made by busy polling so far
 * @l:		loop
 *
 * Return: the count (0 when busy polling is off)
 */
uint64_t ae_loop_spins(const struct ae_loop *l)
{
	return l->spins;
}

/**
 * ae_loop_run_once() - wait for one batch of events, dispatch it, run hooks
 * @l:		loop
 * @timeout_ms:	longest wait, -1 for no limit, 0 to poll
 *
 * A signal interrupting the wait is not an error (0 events).
 *
 * Return: number of events dispatched, or -errno from epoll_wait()
 */
int ae_loop_run_once(struct ae_loop *l, int timeout_ms)
{
	bool busy = false, work = false;
	int n, i;

	n = loop_spin(l, timeout_ms, &work);
	/* before sleeping, the hook puts back what its looks stood in for */
	if (n == 0 && !work && l->busy_ns && l->spin_fn && timeout_ms)
		work = l->spin_fn(l->spin_ctx, true);
	if (n == 0 && !work)
		n = epoll_wait(l->epfd, l->events, LOOP_BATCH, timeout_ms);
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	for (i = 0; i < n && !l->stop; i++)
		busy |= loop_dispatch(l, &l->events[i]);
	if ((busy || work) && l->busy_ns)
		l->active_ns = loop_now_ns();
	for (i = 0; i < l->nidle; i++)
		l->idle[i].fn(l->idle[i].ctx);
	return n;
}

/**
 * ae_loop_stop() - make ae_loop_stopped() true; the owner's loop then ends
 * @l:		loop
 *
 * Events left in the current batch are not dispatched.
 */
void ae_loop_stop(struct ae_loop *l)
{
	l->stop = true;
}

/**
 * ae_loop_resume() - undo ae_loop_stop(): the owner runs the loop again
 * (aetherd's shutdown runs it on while connections close)
 * @l:		loop
 */
void ae_loop_resume(struct ae_loop *l)
{
	l->stop = false;
}

/**
 * ae_loop_stopped() - whether ae_loop_stop() was called
 * @l:		loop
 *
 * Return: true once stopped
 */
bool ae_loop_stopped(const struct ae_loop *l)
{
	return l->stop;
}

/**
 * ae_loop_signalfd() - take the host programs' signals through a descriptor
 *
 * Blocks SIGINT, SIGTERM (stop), SIGUSR1 (dump) and SIGHUP (re-read) and
 * returns a non-blocking signalfd that reports them, so a loop sees a
 * signal as one more readable descriptor and never runs code in a handler.
 *
 * Return: the descriptor, or -errno
 */
int ae_loop_signalfd(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}
