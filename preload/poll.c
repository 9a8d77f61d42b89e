// SPDX-License-Identifier: MIT
/**
 * DOC: poll.c - poll, ppoll, select and pselect over a mix of Aether and
 * kernel fds
 *
 * Aether readiness is read from shared memory first. If some Aether fd is
 * ready, the kernel fds are polled with timeout 0 and both results returned.
 * Otherwise every Aether fd is armed (want-notify), re-checked, and the whole
 * set sleeps in the real ppoll() with each Aether fd replaced by its backing fd
 * watched for POLLIN (a NOTIFY arrives there). Woken Aether fds are drained and
 * the set re-evaluated until something is ready or the timeout expires. A set
 * without Aether fds goes straight to libc.
 *
 * With AETHER_BUSY_POLL a wait that finds nothing ready first spins for up
 * to that time (poll_spin()): Aether fds are looked at in shared memory, the
 * kernel fds with a zero-timeout poll() every PS_SPIN_KERNEL_EVERY looks, and
 * a handler of the program ends the spin with EINTR.
 *
 * A backing fd whose daemon is gone is hung up: the kernel would report it on
 * every ppoll() at once. Its place in the kernel's set is taken by the
 * reconnect watcher (reconnect.c; fd -1 without one), whose wake-up re-creates
 * dead listeners and UDP sockets when a daemon is back; its readiness, frozen
 * until then, comes from ps_state() (see ps_mask()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "shim.h"

#define PS_POLL_STACK	64
#define PS_ALWAYS	(POLLERR | POLLHUP | POLLNVAL)

/**
 * aether_pass() - fill revents of the Aether fds from shared state
 * @fds:	program's array
 * @n:		its size
 * @arm:	arm want-notify flags too
 *
 * Return: number of Aether fds ready
 */
static int aether_pass(struct pollfd *fds, nfds_t n, bool arm)
{
	struct ps_sock *ps;
	uint32_t m;
	int ready = 0;
	nfds_t i;

	for (i = 0; i < n; i++) {
		ps = ps_hold(fds[i].fd);
		if (!ps)
			continue;
		if (arm)
			m = ps_arm(ps, fds[i].events);
		else
			m = ps_state(ps);
		ps_put(ps);
		fds[i].revents = m & (fds[i].events | PS_ALWAYS);
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

/**
 * merge() - combine the kernel's answer with the Aether answers
 * @fds:	program's array (Aether revents already set)
 * @k:		the array given to the kernel
 * @n:		size of both
 * @kernel_ok:	@k's revents are valid
 *
 * Aether fds whose backing fd woke are drained; a backing fd that hung up
 * (daemon gone) reports what ps_state() now says of the dead socket.
 *
 * Return: number of entries with revents
 */
static int merge(struct pollfd *fds, struct pollfd *k, nfds_t n,
		 bool kernel_ok)
{
	struct ps_sock *ps;
	int total = 0;
	nfds_t i;

	for (i = 0; i < n; i++) {
		ps = ps_hold(fds[i].fd);
		if (!ps) {
			fds[i].revents = kernel_ok ? k[i].revents : 0;
		} else if (kernel_ok && k[i].revents) {
			ps_drain(ps, ps_dirs((uint32_t)fds[i].events), true,
				 NULL);
			if (ps_dead(ps) && ps_rc_try())
				fds[i].revents = 0;	/* re-created */
			else if (ps_dead(ps))
				fds[i].revents = ps_state(ps) &
						 (fds[i].events | PS_ALWAYS);
			else if ((k[i].revents & POLLHUP) &&
				 !(k[i].revents & POLLIN))
				fds[i].revents |= POLLERR | POLLHUP;
		}
		if (ps)
			ps_put(ps);
		if (fds[i].revents)
			total++;
	}
	return total;
}

/* a busy poll looks at the kernel fds once in this many looks */
#define PS_SPIN_KERNEL_EVERY	16

/**
 * struct poll_spin - what a busy poll of poll() looks at
 * @fds:	the program's array
 * @n:		its size
 * @k:		its kernel fds, copied
 * @nk:		how many
 * @looks:	looks so far
 */
struct poll_spin {
	struct pollfd *fds;
	nfds_t n;
	struct pollfd *k;
	nfds_t nk;
	unsigned int looks;
};

/**
 * poll_spin_ready() - aec_spin()'s test for poll(): an Aether fd ready in
 * shared memory, or (now and then) a kernel fd ready
 * @ctx:	&struct poll_spin
 *
 * Return: true to stop spinning (the caller's pass then sees what is ready)
 */
static bool poll_spin_ready(void *ctx)
{
	struct poll_spin *p = ctx;

	if (aether_pass(p->fds, p->n, false))
		return true;
	if (!p->nk || ++p->looks % PS_SPIN_KERNEL_EVERY)
		return false;
	return REAL(poll)(p->k, p->nk, 0) != 0;
}

/**
 * poll_spin() - AETHER_BUSY_POLL before poll() sleeps (aec_spin()); the
 * caller checked that it is on
 * @fds:	program's array
 * @n:		its size
 * @k:		scratch of @n entries (the kernel fds are copied there)
 * @timeout_ms:	the call's timeout, <0 none
 *
 * Return: 1 something may be ready, 0 spun out (or busy polling off),
 * -EINTR a handler ran
 */
static int poll_spin(struct pollfd *fds, nfds_t n, struct pollfd *k,
		     int timeout_ms)
{
	struct poll_spin p = { .fds = fds, .n = n, .k = k };
	nfds_t i;

	for (i = 0; i < n; i++) {
		PS_HOLD(ps, fds[i].fd);

		if (!ps)
			k[p.nk++] = fds[i];
	}
	return aec_spin(poll_spin_ready, &p, timeout_ms);
}

/**
 * count_pollers() - count this sleep in the pollers of its Aether fds
 * @fds:	program's array
 * @pp:		the sockets counted, held (ps_hold()) by the +1 call and
 *		put back by the -1 call (the fd table may change meanwhile)
 * @n:		size of the arrays
 * @delta:	+1 before the sleep, -1 after
 */
static void count_pollers(const struct pollfd *fds, struct ps_sock **pp,
			  nfds_t n, int delta)
{
	nfds_t i;

	for (i = 0; i < n; i++) {
		if (delta > 0)
			pp[i] = ps_hold(fds[i].fd);	/* kept until the -1 */
		if (!pp[i])
			continue;
		ps_pollers(pp[i], (uint32_t)fds[i].events, delta);
		if (delta < 0)
			ps_put(pp[i]);
	}
}

/**
 * ps_poll() - poll() over Aether and kernel fds
 * @fds:	program's array
 * @n:		its size
 * @timeout_ms:	<0 forever
 * @mask:	signal mask during the sleep (ppoll), or NULL
 *
 * Return: as poll(2)
 */
int ps_poll(struct pollfd *fds, nfds_t n, int timeout_ms, const sigset_t *mask)
{
	struct pollfd local[PS_POLL_STACK], *k = local;
	struct ps_sock *plocal[PS_POLL_STACK], **pp = plocal;
	struct timespec dl, ts;
	int ready, r, left, to, ret = -1;
	bool dead;
	nfds_t i;

	if (n > PS_POLL_STACK) {
		k = malloc(n * (sizeof(*k) + sizeof(*pp)));
		if (!k)
			return ps_fail(ENOMEM);
		pp = (struct ps_sock **)(k + n);
	}
	ps_deadline(&dl, timeout_ms);
	if (aec_spin_on() && timeout_ms && !aether_pass(fds, n, false) &&
	    poll_spin(fds, n, k, timeout_ms) == -EINTR) {
		ret = ps_fail(EINTR);
		goto out;
	}
	for (;;) {
		/* counted before arming: a drain after the arm must see us */
		count_pollers(fds, pp, n, 1);
		dead = false;
		ready = aether_pass(fds, n, false);
		if (!ready)
			ready = aether_pass(fds, n, true);
		for (i = 0; i < n; i++) {
			PS_HOLD(ps, fds[i].fd);

			k[i] = fds[i];
			k[i].revents = 0;
			if (ps)
				k[i].events = POLLIN;
			if (ps && ps_dead(ps)) { /* hung up: would wake at once */
				k[i].fd = ps_rc_watch_fd();
				dead = true;
			}
		}
		left = ready ? 0 : ps_ms_left(&dl);
		to = dead ? ps_dead_slice(left) : left;
		ts.tv_sec = to / 1000;
		ts.tv_nsec = (long)(to % 1000) * 1000000L;
		r = REAL(ppoll)(k, n, to < 0 ? NULL : &ts, mask);
		if (r < 0 && !ready) {
			ret = -1;
			count_pollers(fds, pp, n, -1);
			goto out;
		}
		ret = merge(fds, k, n, r > 0);
		count_pollers(fds, pp, n, -1);
		if (ret > 0 || (r == 0 && left == 0))
			goto out;
		/* r == 0 with time left: a dead-socket slice ended */
		if (r < 0) {
			ret = ready;
			goto out;
		}
	}
out:
	if (k != local)
		free(k);
	return ret;
}

/**
 * ps_has_aether() - does @fds hold any Aether fd
 * @fds:	array
 * @n:		size
 *
 * Return: true if so
 */
static bool ps_has_aether(const struct pollfd *fds, nfds_t n)
{
	nfds_t i;

	for (i = 0; i < n; i++)
		if (ps_get(fds[i].fd))
			return true;
	return false;
}

/**
 * poll() - interposed poll(2)
 * @fds:	array
 * @n:		size
 * @timeout:	milliseconds, <0 forever
 *
 * Return: as poll(2)
 */
int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (!fds || !ps_has_aether(fds, n))
		return REAL(poll)(fds, n, timeout);
	return ps_poll(fds, n, timeout, NULL);
}

/**
 * ts_to_ms() - a timespec timeout in milliseconds, rounded up
 * @ts:	timeout, NULL forever
 *
 * Return: milliseconds, -1 forever
 */
static int ts_to_ms(const struct timespec *ts)
{
	long long ms;

	if (!ts)
		return -1;
	ms = (long long)ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
	return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/**
 * ppoll() - interposed ppoll(2)
 * @fds:	array
 * @n:		size
 * @ts:		timeout, NULL forever
 * @mask:	signal mask while sleeping
 *
 * Return: as ppoll(2)
 */
int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
	  const sigset_t *mask)
{
	if (!fds || !ps_has_aether(fds, n))
		return REAL(ppoll)(fds, n, ts, mask);
	if (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 ||
		   ts->tv_nsec >= 1000000000L))
		return ps_fail(EINVAL);
	return ps_poll(fds, n, ts_to_ms(ts), mask);
}

/**
 * __poll_chk() - fortified poll
 * @fds:	array
 * @n:		size
 * @timeout:	milliseconds
 * @fdslen:	size of @fds as the compiler knows it
 *
 * Return: as poll(2)
 */
int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		abort();
	return poll(fds, n, timeout);
}

/**
 * __ppoll_chk() - fortified ppoll
 * @fds:	array
 * @n:		size
 * @ts:		timeout
 * @mask:	signal mask
 * @fdslen:	size of @fds as the compiler knows it
 *
 * Return: as ppoll(2)
 */
int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		const sigset_t *mask, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		const sigset_t *mask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		abort();
	return ppoll(fds, n, ts, mask);
}

/**
 * sets_have_aether() - is any fd below @nfds in the sets an Aether fd
 * @nfds:	select's first argument
 * @r:		read set or NULL
 * @w:		write set or NULL
 * @e:		except set or NULL
 *
 * Return: count of fds set in any set, or -1 if none is Aether's
 */
static int sets_have_aether(int nfds, fd_set *r, fd_set *w, fd_set *e)
{
	bool aether = false;
	int fd, n = 0;

	for (fd = 0; fd < nfds && fd < FD_SETSIZE; fd++) {
		if (!((r && FD_ISSET(fd, r)) || (w && FD_ISSET(fd, w)) ||
		      (e && FD_ISSET(fd, e))))
			continue;
		n++;
		if (ps_get(fd))
			aether = true;
	}
	return aether ? n : -1;
}

/**
 * ps_select() - select over Aether and kernel fds, through ps_poll()
 * @nfds:	highest fd + 1
 * @r:		read set
 * @w:		write set
 * @e:		except set
 * @timeout_ms:	<0 forever
 * @mask:	signal mask while sleeping, or NULL
 * @count:	fds set in the sets
 *
 * Return: as select(2)
 */
static int ps_select(int nfds, fd_set *r, fd_set *w, fd_set *e,
		     int timeout_ms, const sigset_t *mask, int count)
{
	struct pollfd *p = calloc(count, sizeof(*p));
	int fd, i = 0, ret, bits = 0;

	if (!p)
		return ps_fail(ENOMEM);
	for (fd = 0; fd < nfds && fd < FD_SETSIZE; fd++) {
		short ev = 0;

		if (r && FD_ISSET(fd, r))
			ev |= POLLIN;
		if (w && FD_ISSET(fd, w))
			ev |= POLLOUT;
		if (e && FD_ISSET(fd, e))
			ev |= POLLPRI;
		if (!ev)
			continue;
		p[i].fd = fd;
		p[i++].events = ev;
	}
	ret = ps_poll(p, i, timeout_ms, mask);
	if (ret < 0)
		goto out;
	for (i = 0; i < count; i++)
		if (p[i].revents & POLLNVAL) {
			ret = ps_fail(EBADF);
			goto out;
		}
	if (r)
		FD_ZERO(r);
	if (w)
		FD_ZERO(w);
	if (e)
		FD_ZERO(e);
	for (i = 0; i < count; i++) {
		short rv = p[i].revents;

		if (r && (p[i].events & POLLIN) &&
		    (rv & (POLLIN | POLLHUP | POLLERR))) {
			FD_SET(p[i].fd, r);
			bits++;
		}
		if (w && (p[i].events & POLLOUT) && (rv & (POLLOUT | POLLERR))) {
			FD_SET(p[i].fd, w);
			bits++;
		}
		if (e && (p[i].events & POLLPRI) && (rv & POLLPRI)) {
			FD_SET(p[i].fd, e);
			bits++;
		}
	}
	ret = bits;
out:
	free(p);
	return ret;
}

/**
 * select() - interposed select(2); updates @tv with the time left as Linux does
 * @nfds:	highest fd + 1
 * @r:		read set
 * @w:		write set
 * @e:		except set
 * @tv:		timeout, NULL forever
 *
 * Return: as select(2)
 */
int select(int nfds, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
	struct timespec dl;
	int count, ms, ret;

	count = sets_have_aether(nfds, r, w, e);
	if (count < 0)
		return REAL(select)(nfds, r, w, e, tv);
	if (tv && (tv->tv_sec < 0 || tv->tv_usec < 0))
		return ps_fail(EINVAL);
	ms = -1;
	if (tv) {
		long long t = (long long)tv->tv_sec * 1000 +
			      (tv->tv_usec + 999) / 1000;

		ms = t > 0x7fffffff ? 0x7fffffff : (int)t;
	}
	ps_deadline(&dl, ms);
	ret = ps_select(nfds, r, w, e, ms, NULL, count);
	if (tv) {
		ms = ps_ms_left(&dl);
		tv->tv_sec = ms / 1000;
		tv->tv_usec = (long)(ms % 1000) * 1000;
	}
	return ret;
}

/**
 * pselect() - interposed pselect(2)
 * @nfds:	highest fd + 1
 * @r:		read set
 * @w:		write set
 * @e:		except set
 * @ts:		timeout, NULL forever
 * @mask:	signal mask while sleeping
 *
 * Return: as pselect(2)
 */
int pselect(int nfds, fd_set *r, fd_set *w, fd_set *e,
	    const struct timespec *ts, const sigset_t *mask)
{
	int count = sets_have_aether(nfds, r, w, e);

	if (count < 0)
		return REAL(pselect)(nfds, r, w, e, ts, mask);
	if (ts && (ts->tv_sec < 0 || ts->tv_nsec < 0 ||
		   ts->tv_nsec >= 1000000000L))
		return ps_fail(EINVAL);
	return ps_select(nfds, r, w, e, ts_to_ms(ts), mask, count);
}
