// SPDX-License-Identifier: MIT
/**
 * DOC: epoll.c - epoll over a mix of Aether and kernel fds
 *
 * The kernel epoll instance stays the program's: pipes, timerfds, files and
 * kernel sockets in it work unchanged, with their epoll_data untouched. For
 * an Aether fd the shim keeps a record (struct ps_ep_member: the program's
 * events and epoll_data, edge and one-shot state) and registers the backing
 * fd in the kernel epoll for EPOLLIN with data PS_EP_TAG | fd, so a NOTIFY
 * from the daemon wakes epoll_wait() and can be mapped back and drained.
 *
 * epoll_wait() first collects Aether readiness from shared memory. If some is
 * ready the kernel part is fetched with timeout 0. Otherwise every member is
 * armed, re-checked, and the thread sleeps in the real epoll_pwait(); tagged
 * events are drained and removed from the result, and Aether readiness is
 * collected again. With AETHER_BUSY_POLL a wait that finds nothing spins first
 * (ep_spin_ready()); what the spin collects is returned with the kernel part
 * fetched as above.
 *
 * Level-triggered members report while ready. EPOLLET members report when a
 * bit rises, or when EPOLLIN/EPOLLOUT is still set but a read drained (or a
 * write filled) the socket since the last report (rd_epoch/wr_epoch), which is
 * how a new edge shows up to a program that reads until EAGAIN. As on Linux,
 * where every sk_data_ready wakes the epoll, an arrival (data, FIN,
 * connection, datagram) on a socket still readable is a new edge too: the
 * daemon counts them (aec_in_seq()), and a sleeper whose member already
 * reported EPOLLIN arms for the next one (AEC_POLL_NEXT_IN). EPOLLONESHOT
 * members are disabled after one report until EPOLL_CTL_MOD.
 *
 * A registration belongs to the open file description (epoll(7), Q6): when
 * the program closes the registered fd while a dup of it stays open, it
 * lives on and reports under its epoll_data until the last fd goes. The
 * shim then keeps the member (@closed; EPOLL_CTL_* on the old number no
 * longer find it, as on Linux) and moves its kernel registration onto a
 * private CLOEXEC dup (@kfd), a key it can still delete. When the last fd
 * of the socket in this process closes, its members go; the kernel's
 * registration is deleted only if no other process can hold the socket
 * (none forked or inherited), since there the kernel keeps it for them.
 *
 * When the daemon is gone a backing fd is hung up, and the kernel reports
 * EPOLLHUP for it on every epoll_pwait(), whatever the registration asks.
 * Left in the set it would wake every wait at once, forever. So the first time
 * a member is seen dead its backing fd is taken out of the kernel set (the
 * record stays: it reports from the now frozen state, see ps_mask()); the
 * program's later EPOLL_CTL_MOD/DEL for it act on the record alone. The
 * process's reconnect watcher (reconnect.c) then joins the set (tag
 * PS_EP_RC): when a daemon is back it wakes the wait, dead listeners and UDP
 * sockets get new backing fds on the same numbers, and ps_epoll_swap_fd()
 * puts their registrations back in the kernel set.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>

#include "client.h"
#include "shim.h"

#define PS_EP_TAG	0xAE7E500000000000ULL
#define PS_EP_TAGMASK	0xFFFFFFFF00000000ULL
#define PS_EP_BITS	(EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLRDNORM | \
			 EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND)
#define PS_EP_EXCL_OK	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | \
			 EPOLLET | EPOLLEXCLUSIVE)
#define PS_EP_KEY_MIN	512	/* lowest private key fd, see ep_orphan() */
#define PS_EP_RD	(EPOLLIN | EPOLLRDNORM)
#define PS_EP_WR	(EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND)
#define PS_EP_WAKE	0xffffffffU	/* tag payload of the wake eventfd */
#define PS_EP_RC	0xfffffffeU	/* tag payload of the reconnect watcher */

/**
 * struct ps_ep_member - one Aether fd in an epoll set
 * @fd:		the fd the program registered
 * @ps:		its socket (a reference, dropped by ep_remove())
 * @events:	program's events, with EPOLLET/EPOLLONESHOT
 * @data:	program's epoll_data
 * @reported:	for EPOLLET: readiness seen at the last evaluation
 * @rd_epoch:	for EPOLLET: @ps->rd_epoch at the last report
 * @wr_epoch:	for EPOLLET: @ps->wr_epoch at the last report
 * @in_seq:	for EPOLLET: aec_in_seq() at the last report
 * @disabled:	EPOLLONESHOT fired
 * @closed:	@fd was closed while a dup stays open: the registration lives
 *		on (epoll(7) Q6), found by no EPOLL_CTL_* any more
 * @kfd:	the fd registered in the kernel set (tag PS_EP_TAG | @kfd):
 *		@fd, or once @closed a private CLOEXEC dup of it
 * @kdel:	the daemon is gone: the backing fd was removed from the kernel set
 */
struct ps_ep_member {
	int fd;
	struct ps_sock *ps;
	uint32_t events;
	epoll_data_t data;
	uint32_t reported;
	unsigned int rd_epoch, wr_epoch;
	uint32_t in_seq;
	bool disabled;
	bool closed;
	int kfd;
	bool kdel;
};

/**
 * struct ps_ep - the shim's part of one epoll instance
 * @lock:	protects the member array
 * @m:		members
 * @n:		members in use
 * @cap:	allocated
 * @cursor:	where the next collection starts (fairness)
 * @epfd:	the epoll fd
 * @wakefd:	eventfd registered in @epfd (tag PS_EP_WAKE) to wake sleepers
 *		when a member is added already ready, -1 until first needed
 * @sleepers:	threads asleep in the real epoll_pwait() on @epfd
 * @rcwatch:	the reconnect watcher is in @epfd (a member was seen dead)
 * @next:	all records, for removal of a closed socket
 */
struct ps_ep {
	pthread_mutex_t lock;
	int epfd;
	int wakefd;
	atomic_int sleepers;
	atomic_bool rcwatch;
	struct ps_ep_member *m;
	int n, cap;
	int cursor;
	struct ps_ep *next;
};

static struct ps_ep *ps_ep_all;
static void ep_wake(struct ps_ep *ep);
static pthread_mutex_t ps_ep_all_lock = PTHREAD_MUTEX_INITIALIZER;

/**
 * ps_epoll_atfork_prepare() - fork: hold the record list still
 */
void ps_epoll_atfork_prepare(void)
{
	pthread_mutex_lock(&ps_ep_all_lock);
}

/**
 * ps_epoll_atfork_parent() - fork done, in the parent
 */
void ps_epoll_atfork_parent(void)
{
	pthread_mutex_unlock(&ps_ep_all_lock);
}

/**
 * ps_epoll_atfork_child() - fork done, in the child: records another thread
 * of the parent had locked would stay locked for good; they are made fresh,
 * and so are their members' sockets (one whose fds are all closed is
 * reachable through the record alone)
 */
void ps_epoll_atfork_child(void)
{
	struct ps_ep *ep;
	int i;

	pthread_mutex_init(&ps_ep_all_lock, NULL);
	for (ep = ps_ep_all; ep; ep = ep->next) {
		pthread_mutex_init(&ep->lock, NULL);
		for (i = 0; i < ep->n; i++)
			if (ep->m[i].ps)
				ps_sock_atfork_child(ep->m[i].ps);
	}
}

/**
 * ep_new() - a record for epoll fd @epfd
 * @epfd:	fd
 *
 * Return: the record, NULL when out of memory
 */
static struct ps_ep *ep_new(int epfd)
{
	struct ps_ep *ep;

	pthread_mutex_lock(&ps_ep_all_lock);
	for (ep = ps_ep_all; ep; ep = ep->next)	/* reuse a closed one */
		if (ep->epfd < 0)
			break;
	if (!ep) {
		ep = calloc(1, sizeof(*ep));
		if (!ep) {
			pthread_mutex_unlock(&ps_ep_all_lock);
			return NULL;
		}
		pthread_mutex_init(&ep->lock, NULL);
		ep->next = ps_ep_all;
		ps_ep_all = ep;
	}
	pthread_mutex_lock(&ep->lock);
	ep->epfd = epfd;
	ep->wakefd = -1;
	ep->n = 0;
	ep->cursor = 0;
	atomic_store(&ep->sleepers, 0);
	atomic_store(&ep->rcwatch, false);
	pthread_mutex_unlock(&ep->lock);
	pthread_mutex_unlock(&ps_ep_all_lock);
	ps_ep_set(epfd, ep);
	return ep;
}

/**
 * ep_find() - the member registered by the program as @fd (still open)
 * @ep:	record (locked)
 * @fd:	fd
 *
 * Return: index, -1 if absent
 */
static int ep_find(struct ps_ep *ep, int fd)
{
	int i;

	for (i = 0; i < ep->n; i++)
		if (ep->m[i].fd == fd && !ep->m[i].closed)
			return i;
	return -1;
}

/**
 * ep_key_ours() - is a closed member's private key still the socket's fd
 * @m:	member with @closed
 *
 * A program that closed every fd behind libc's back (a raw close_range)
 * may have the number in use for something else by now: that is left
 * alone.
 *
 * Return: true if @m->kfd designates @m->ps's backing file
 */
static bool ep_key_ours(const struct ps_ep_member *m)
{
	struct stat a, b;

	return !fstat(m->kfd, &a) && !fstat(m->ps->aec->fd, &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/**
 * ep_remove() - drop member @i and its reference on the socket
 * @ep:	record (locked)
 * @i:	index
 *
 * A member holds a reference: a close() in another thread racing an
 * epoll_ctl() that adds the fd must not leave a member with a freed socket.
 */
static void ep_remove(struct ps_ep *ep, int i)
{
	struct ps_ep_member *m = &ep->m[i];
	struct ps_sock *ps = m->ps;

	if (m->closed && ep_key_ours(m)) {	/* out of the set, closed */
		if (!m->kdel)
			REAL(epoll_ctl)(ep->epfd, EPOLL_CTL_DEL, m->kfd, NULL);
		REAL(close)(m->kfd);
	}
	atomic_fetch_sub(&ps->ep_regs, 1);
	ep->m[i] = ep->m[--ep->n];
	ps_put(ps);
}

/**
 * ep_orphan() - the program closes member @m's fd while a dup stays open:
 * keep the registration, on a private key
 * @ep:	record (locked)
 * @m:	member (its fd still open)
 *
 * The key is taken from PS_EP_KEY_MIN up where it can be, so that the
 * numbers the program's next sockets get stay those Linux would give.
 *
 * Return: true if kept, false if it must go (no fd for the key)
 */
static bool ep_orphan(struct ps_ep *ep, struct ps_ep_member *m)
{
	struct epoll_event kev = { .events = EPOLLIN };
	int pfd = REAL(fcntl)(m->fd, F_DUPFD_CLOEXEC, PS_EP_KEY_MIN);

	if (pfd < 0)
		pfd = REAL(fcntl)(m->fd, F_DUPFD_CLOEXEC, 0);
	if (pfd < 0)
		return false;
	kev.events |= m->events & EPOLLEXCLUSIVE;
	kev.data.u64 = PS_EP_TAG | (uint32_t)pfd;
	if (!m->kdel) {
		if (REAL(epoll_ctl)(ep->epfd, EPOLL_CTL_ADD, pfd, &kev) < 0) {
			REAL(close)(pfd);
			return false;
		}
		REAL(epoll_ctl)(ep->epfd, EPOLL_CTL_DEL, m->fd, NULL);
	}
	m->kfd = pfd;
	m->closed = true;
	return true;
}

/**
 * ep_unhook_dead() - take a dead member's backing fd out of the kernel set
 * @ep:	record (locked)
 * @m:	member
 *
 * Its hung-up backing fd would wake every epoll_pwait() at once; a dead
 * socket's readiness never changes again, so nothing needs to wake for it.
 */
static void ep_unhook_dead(struct ps_ep *ep, struct ps_ep_member *m)
{
	struct epoll_event kev = {
		.events = EPOLLIN, .data.u64 = PS_EP_TAG | PS_EP_RC,
	};
	int wfd;

	if (m->kdel || !ps_dead(m->ps))
		return;
	REAL(epoll_ctl)(ep->epfd, EPOLL_CTL_DEL, m->kfd, NULL);
	m->kdel = true;
	wfd = ps_rc_watch_fd();
	if (wfd >= 0 && !atomic_load(&ep->rcwatch) &&
	    (!REAL(epoll_ctl)(ep->epfd, EPOLL_CTL_ADD, wfd, &kev) ||
	     errno == EEXIST))
		atomic_store(&ep->rcwatch, true);
}

/**
 * ep_swap_member() - ps_epoll_swap_fd() for one epoll record
 * @ep:		record (locked)
 * @m:		member whose fd gets a new backing fd
 * @after:	false before the dup3(), true after it
 */
static void ep_swap_member(struct ps_ep *ep, struct ps_ep_member *m,
			   bool after)
{
	struct epoll_event kev = {
		.events = EPOLLIN | (m->events & EPOLLEXCLUSIVE),
		.data.u64 = PS_EP_TAG | (uint32_t)m->fd,
	};

	if (!after) {
		if (!m->kdel)
			REAL(epoll_ctl)(ep->epfd, EPOLL_CTL_DEL, m->fd, NULL);
		m->kdel = true;
		return;
	}
	if (REAL(epoll_ctl)(ep->epfd, EPOLL_CTL_ADD, m->fd, &kev) < 0) {
		ps_log("reconnect: epoll %d re-adds %d: %d", ep->epfd, m->fd,
		       errno);
		return;
	}
	m->kdel = false;
	m->reported = 0;	/* a new socket: its readiness is a new edge */
	if (atomic_load(&ep->sleepers))
		ep_wake(ep);
}

/**
 * ps_epoll_swap_fd() - @fd is about to get (@after: got) a new backing fd
 * @fd:		Aether fd being re-created after a restart of aetherd
 * @after:	false before the dup3() over @fd, true after it
 *
 * The kernel's registration is of the open file description: the old one
 * must leave every set before dup3() (the fd number then names the new one,
 * and the old one, still open in other processes, would report EPOLLHUP
 * forever); the new one joins after it.
 */
void ps_epoll_swap_fd(int fd, bool after)
{
	struct ps_ep *ep;
	int i;

	pthread_mutex_lock(&ps_ep_all_lock);
	for (ep = ps_ep_all; ep; ep = ep->next) {
		pthread_mutex_lock(&ep->lock);
		i = ep->epfd >= 0 ? ep_find(ep, fd) : -1;
		if (i >= 0)
			ep_swap_member(ep, &ep->m[i], after);
		pthread_mutex_unlock(&ep->lock);
	}
	pthread_mutex_unlock(&ps_ep_all_lock);
}

/**
 * ep_is_unhooked() - is @fd a member of @epfd whose backing fd left the set
 * @epfd:	epoll fd
 * @fd:		member fd
 *
 * Return: true if so (EPOLL_CTL_* then act on the record only)
 */
static bool ep_is_unhooked(int epfd, int fd)
{
	struct ps_ep *ep = ps_ep_get(epfd);
	bool r = false;
	int i;

	if (!ep)
		return false;
	pthread_mutex_lock(&ep->lock);
	i = ep_find(ep, fd);
	if (i >= 0)
		r = ep->m[i].kdel;
	pthread_mutex_unlock(&ep->lock);
	return r;
}

/**
 * ep_forget() - ps_epoll_forget_fd() for one epoll record
 * @ep:		record (locked)
 * @fd:		the fd being closed (still open)
 * @ps:		its socket
 * @last:	no other fd of this process designates @ps
 */
static void ep_forget(struct ps_ep *ep, int fd, struct ps_sock *ps, bool last)
{
	struct ps_ep_member *m;
	int i = 0;

	while (i < ep->n) {
		m = &ep->m[i];
		if (m->ps != ps || (!last && (m->fd != fd || m->closed))) {
			i++;
			continue;
		}
		if (!last && ep_orphan(ep, m)) {
			i++;
			continue;
		}
		/* the kernel drops it with the file; with other processes
		 * possibly holding the file it stays theirs */
		if (m->fd == fd && !m->closed && !m->kdel &&
		    (!last || !ps_is_shared()))
			REAL(epoll_ctl)(ep->epfd, EPOLL_CTL_DEL, fd, NULL);
		ep_remove(ep, i);
	}
}

/**
 * ps_epoll_forget_fd() - @fd is being closed: what becomes of its epoll
 * registrations
 * @fd:		fd (still open; no longer in the fd table)
 * @ps:		its socket
 * @last:	no other fd of this process designates @ps
 *
 * As the kernel's, a registration outlives its fd while a dup keeps the
 * open file description (ep_orphan()). Once this process holds no fd of the
 * socket, every member of it goes from this process's records.
 */
void ps_epoll_forget_fd(int fd, struct ps_sock *ps, bool last)
{
	struct ps_ep *ep;

	pthread_mutex_lock(&ps_ep_all_lock);
	for (ep = ps_ep_all; ep; ep = ep->next) {
		pthread_mutex_lock(&ep->lock);
		if (ep->epfd >= 0)
			ep_forget(ep, fd, ps, last);
		pthread_mutex_unlock(&ep->lock);
	}
	pthread_mutex_unlock(&ps_ep_all_lock);
}

/**
 * ps_epoll_regs() - the registrations of Aether fd @fd in the process's
 * epoll sets, as the program made them (kloop.c re-makes them on the
 * kernel socket that replaces it)
 * @fd:		fd
 * @out:	filled with up to @max of them: the epoll fd, the program's
 *		events (a fired EPOLLONESHOT: its flags alone) and data
 * @max:	room in @out
 *
 * Return: how many, or -1 when there are more than @max
 */
int ps_epoll_regs(int fd, struct ps_ep_reg *out, int max)
{
	struct ps_ep *ep;
	int n = 0, i;

	pthread_mutex_lock(&ps_ep_all_lock);
	for (ep = ps_ep_all; ep && n >= 0; ep = ep->next) {
		pthread_mutex_lock(&ep->lock);
		i = ep_find(ep, fd);
		if (i >= 0 && n == max) {
			n = -1;
		} else if (i >= 0) {
			out[n].epfd = ep->epfd;
			out[n].ev.events = ep->m[i].disabled ?
				ep->m[i].events & (EPOLLET | EPOLLONESHOT) :
				ep->m[i].events;
			out[n].ev.data = ep->m[i].data;
			n++;
		}
		pthread_mutex_unlock(&ep->lock);
	}
	pthread_mutex_unlock(&ps_ep_all_lock);
	return n;
}

/**
 * ps_epoll_close() - epoll fd @epfd is being closed: empty its record
 * @epfd:	fd
 *
 * The record stays allocated (another thread may still hold it), empty,
 * and is reused by the next epoll_create.
 */
void ps_epoll_close(int epfd)
{
	struct ps_ep *ep = ps_ep_get(epfd);

	if (!ep)
		return;
	ps_ep_set(epfd, NULL);
	pthread_mutex_lock(&ps_ep_all_lock);
	pthread_mutex_lock(&ep->lock);
	while (ep->n)
		ep_remove(ep, ep->n - 1);
	if (ep->wakefd >= 0)
		REAL(close)(ep->wakefd);
	ep->wakefd = -1;
	ep->epfd = -1;		/* free for reuse by ep_new() */
	pthread_mutex_unlock(&ep->lock);
	pthread_mutex_unlock(&ps_ep_all_lock);
}

/**
 * epoll_create() - interposed epoll_create(2)
 * @size:	ignored but must be > 0
 *
 * Return: as epoll_create(2)
 */
int epoll_create(int size)
{
	int fd = REAL(epoll_create)(size);

	if (fd >= 0) {
		ps_epoll_close(fd);
		ep_new(fd);
	}
	return fd;
}

/**
 * epoll_create1() - interposed epoll_create1(2)
 * @flags:	EPOLL_CLOEXEC
 *
 * Return: as epoll_create1(2)
 */
int epoll_create1(int flags)
{
	int fd = REAL(epoll_create1)(flags);

	if (fd >= 0) {
		ps_epoll_close(fd);
		ep_new(fd);
	}
	return fd;
}

/**
 * ep_wake() - wake the threads asleep in epoll_wait on @ep
 * @ep:	record (locked)
 *
 * A member added (or modified) while another thread sleeps, and already
 * ready, would get no NOTIFY (readiness did not change), so the sleeper is
 * woken through an eventfd of the shim's, registered in the set once.
 */
static void ep_wake(struct ps_ep *ep)
{
	struct epoll_event kev = { .events = EPOLLIN };
	uint64_t one = 1;

	if (ep->wakefd < 0) {
		ep->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (ep->wakefd < 0)
			return;
		kev.data.u64 = PS_EP_TAG | PS_EP_WAKE;
		if (REAL(epoll_ctl)(ep->epfd, EPOLL_CTL_ADD, ep->wakefd,
				    &kev) < 0) {
			REAL(close)(ep->wakefd);
			ep->wakefd = -1;
			return;
		}
	}
	if (REAL(write)(ep->wakefd, &one, sizeof(one)) < 0)
		ps_log("epoll wake: %d", errno);
}

/**
 * ep_ctl_aether() - EPOLL_CTL_* for an Aether fd
 * @epfd:	epoll fd
 * @op:		operation
 * @fd:		Aether fd
 * @ps:		its socket
 * @ev:		program's event
 *
 * Return: 0 or -1 with errno
 */
static int ep_ctl_aether(int epfd, int op, int fd, struct ps_sock *ps,
			 struct epoll_event *ev)
{
	struct epoll_event kev = { 0 };
	struct ps_ep *ep;
	bool kdel;
	int i, r;

	if (op != EPOLL_CTL_DEL && !ev)
		return ps_fail(EFAULT);
	/* Linux's ep_ctl(): EXCLUSIVE only with ADD and the bits below (the
	 * kernel sees only the backing fd's EPOLLIN, so it cannot tell) */
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD || (ev->events & ~PS_EP_EXCL_OK)))
		return ps_fail(EINVAL);
	kev.events = EPOLLIN;
	if (ev)
		kev.events |= ev->events & EPOLLEXCLUSIVE;
	kev.data.u64 = PS_EP_TAG | (uint32_t)fd;
	kdel = ep_is_unhooked(epfd, fd);
	if (kdel && op == EPOLL_CTL_ADD)
		return ps_fail(EEXIST);
	if (!kdel) {
		r = REAL(epoll_ctl)(epfd, op, fd, &kev);
		/* another process sharing the set took the dead fd out */
		if (r < 0 && errno == ENOENT && op != EPOLL_CTL_ADD &&
		    ps_dead(ps) && ps_ep_get(epfd))
			kdel = true;
		else if (r < 0)
			return r;
	}
	ep = ps_ep_get(epfd);
	if (!ep)
		ep = ep_new(epfd);
	if (!ep)
		return ps_fail(ENOMEM);
	pthread_mutex_lock(&ep->lock);
	i = ep_find(ep, fd);
	if (op == EPOLL_CTL_DEL) {
		if (i >= 0)
			ep_remove(ep, i);
		pthread_mutex_unlock(&ep->lock);
		return 0;
	}
	if (i < 0) {
		if (ep->n == ep->cap) {
			int cap = ep->cap ? ep->cap * 2 : 16;
			void *m = realloc(ep->m, cap * sizeof(*ep->m));

			if (!m) {
				pthread_mutex_unlock(&ep->lock);
				REAL(epoll_ctl)(epfd, EPOLL_CTL_DEL, fd, &kev);
				return ps_fail(ENOMEM);
			}
			ep->m = m;
			ep->cap = cap;
		}
		i = ep->n++;
		atomic_fetch_add(&ps->ep_regs, 1);
	} else {
		ps_put(ep->m[i].ps);	/* MOD: the reference is taken again */
	}
	atomic_fetch_add(&ps->refs, 1);
	ep->m[i] = (struct ps_ep_member){
		.fd = fd, .ps = ps, .events = ev->events, .data = ev->data,
		.rd_epoch = atomic_load(&ps->rd_epoch),
		.wr_epoch = atomic_load(&ps->wr_epoch),
		.in_seq = aec_in_seq(ps->aec),
		.kfd = fd,
		.kdel = kdel,
	};
	/* a thread already asleep in epoll_wait should hear of changes */
	if ((ps_arm(ps, ev->events) &
	     ((ev->events & PS_EP_BITS) | EPOLLERR | EPOLLHUP)) &&
	    atomic_load(&ep->sleepers))
		ep_wake(ep);
	pthread_mutex_unlock(&ep->lock);
	return 0;
}

/**
 * epoll_ctl() - interposed epoll_ctl(2)
 * @epfd:	epoll fd
 * @op:		EPOLL_CTL_ADD/MOD/DEL
 * @fd:		target fd
 * @ev:		event
 *
 * Return: as epoll_ctl(2)
 */
int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	PS_HOLD(ps, fd);

	if (!ps)
		return REAL(epoll_ctl)(epfd, op, fd, ev);
	ps_log("epoll_ctl(%d, %d, %d, %#x)", epfd, op, fd,
	       ev ? ev->events : 0);
	return ep_ctl_aether(epfd, op, fd, ps, ev);
}

/**
 * member_eval() - what member @m reports now, updating its edge state
 * @m:	member (record locked)
 *
 * Return: epoll events to report, 0 for none
 */
static uint32_t member_eval(struct ps_ep_member *m)
{
	unsigned int rde, wre;
	uint32_t r, fresh, ins;

	if (m->disabled)
		return 0;
	r = ps_state(m->ps) & ((m->events & PS_EP_BITS) | EPOLLERR | EPOLLHUP);
	if (!(m->events & EPOLLET))
		return r;
	rde = atomic_load(&m->ps->rd_epoch);
	wre = atomic_load(&m->ps->wr_epoch);
	ins = aec_in_seq(m->ps->aec);
	fresh = r & ~m->reported;
	if ((r & PS_EP_RD) && (rde != m->rd_epoch || ins != m->in_seq))
		fresh |= r & PS_EP_RD;
	if ((r & PS_EP_WR) && wre != m->wr_epoch)
		fresh |= r & PS_EP_WR;
	m->reported = r;
	if (!fresh)
		return 0;
	m->rd_epoch = rde;
	m->wr_epoch = wre;
	m->in_seq = ins;
	return r;
}

/**
 * ep_collect() - Aether readiness of @ep's members into @out
 * @ep:		record
 * @out:	program's array
 * @max:	room in @out
 *
 * Return: events stored
 */
static int ep_collect(struct ps_ep *ep, struct epoll_event *out, int max)
{
	struct ps_ep_member *m;
	int j, n = 0, start;
	uint32_t r;

	pthread_mutex_lock(&ep->lock);
	start = ep->n ? ep->cursor % ep->n : 0;
	for (j = 0; j < ep->n && n < max; j++) {
		m = &ep->m[(start + j) % ep->n];
		r = member_eval(m);
		if (!r)
			continue;
		out[n].events = r;
		out[n].data = m->data;
		n++;
		if (m->events & EPOLLONESHOT)
			m->disabled = true;
	}
	ep->cursor = start + 1;
	pthread_mutex_unlock(&ep->lock);
	return n;
}

/**
 * ep_arm() - arm every enabled member, re-checking readiness
 * @ep:	record
 *
 * An EPOLLET member is not armed for readiness it already reported (that
 * edge is spent; a read to EAGAIN clears it), so a still-readable ET socket
 * neither wakes the sleeper nor counts as ready; it is armed for the next
 * arrival instead (AEC_POLL_NEXT_IN), which is a new edge.
 *
 * Return: true if some member turned out ready (do not sleep)
 */
static bool ep_arm(struct ps_ep *ep)
{
	struct ps_ep_member *m;
	uint32_t want, always, mask;
	bool ready = false, next;
	int i;

	pthread_mutex_lock(&ep->lock);
	for (i = 0; i < ep->n; i++) {
		m = &ep->m[i];
		if (m->disabled)
			continue;
		want = m->events & PS_EP_BITS;
		always = EPOLLERR | EPOLLHUP;
		next = false;
		if (m->events & EPOLLET) {
			next = (m->reported & want & PS_EP_RD) != 0;
			want &= ~m->reported;
			always &= ~m->reported;
		}
		mask = next ? ps_arm_next(m->ps, want) : ps_arm(m->ps, want);
		ep_unhook_dead(ep, m);
		if ((mask & (want | always)) ||
		    (next && aec_in_seq(m->ps->aec) != m->in_seq))
			ready = true;
	}
	pthread_mutex_unlock(&ep->lock);
	return ready;
}

/**
 * ep_disarm_one() - take back member @m's NOTIFY requests if only we wait
 * @m:	member (record locked, the caller its only sleeper)
 *
 * Only for a socket no other process can hold (ps_private()) that is in
 * no other epoll set. A poll() sleeper of this process counts itself in
 * @pollers_in/@pollers_out before it arms: seen here after the clear, its
 * wants are put back with a doorbell (the daemon tells again what is
 * ready), so none is lost.
 */
static void ep_disarm_one(struct ps_ep_member *m)
{
	struct ps_sock *ps = m->ps;
	uint32_t was;

	if (m->disabled || m->kdel || !ps_private(ps) ||
	    atomic_load(&ps->ep_regs) != 1 || atomic_load(&ps->pollers_in) ||
	    atomic_load(&ps->pollers_out))
		return;
	was = aec_disarm(ps->aec, AE_WANT_IN | AE_WANT_OUT | AE_WANT_INEV);
	if (was && (atomic_load(&ps->pollers_in) ||
		    atomic_load(&ps->pollers_out)))
		aec_rearm(ps->aec, was & (AE_WANT_IN | AE_WANT_OUT));
}

/**
 * ep_disarm() - woken from the kernel's epoll_pwait(): take back the wants
 * ep_arm() left on the members nobody else waits for
 * @ep:	record (unlocked); the caller is still counted in @sleepers
 *
 * Without this every member armed for one sleep sends a NOTIFY at its
 * next event, while the program is busy: a sendto() in aetherd, a wake-up
 * and two recvfrom()s here per event. The next sleep arms them again
 * (ep_arm()), after ep_collect() looked at the shared state, so no
 * readiness and no EPOLLET edge is lost. Another thread counted in
 * @sleepers may be asleep on these wants: then nothing is taken back; one
 * that comes in after the check arms after this, under the same lock.
 */
static void ep_disarm(struct ps_ep *ep)
{
	int i;

	pthread_mutex_lock(&ep->lock);
	if (atomic_load(&ep->sleepers) == 1)
		for (i = 0; i < ep->n; i++)
			ep_disarm_one(&ep->m[i]);
	pthread_mutex_unlock(&ep->lock);
}

/**
 * ep_find_key() - the member whose kernel registration is @kfd
 * @ep:		record (locked)
 * @kfd:	the fd a tagged kernel event names
 *
 * Return: index, -1 if none
 */
static int ep_find_key(struct ps_ep *ep, int kfd)
{
	int i;

	for (i = 0; i < ep->n; i++)
		if (ep->m[i].kfd == kfd)
			return i;
	return -1;
}

/**
 * ep_unhook_key() - ep_unhook_dead() for the member registered as @kfd
 * @ep:		record (unlocked)
 * @kfd:	its kernel key
 */
static void ep_unhook_key(struct ps_ep *ep, int kfd)
{
	int i;

	pthread_mutex_lock(&ep->lock);
	i = ep_find_key(ep, kfd);
	if (i >= 0)
		ep_unhook_dead(ep, &ep->m[i]);
	pthread_mutex_unlock(&ep->lock);
}

/**
 * ep_drain_key() - drain the NOTIFYs of the member registered as @kfd
 * @ep:		record (unlocked)
 * @kfd:	its kernel key (the program's fd, or a private dup once the
 *		program closed that, see ep_orphan())
 */
static void ep_drain_key(struct ps_ep *ep, int kfd)
{
	struct ps_sock *ps = NULL;
	uint32_t dirs = 0;
	int i;

	pthread_mutex_lock(&ep->lock);
	i = ep_find_key(ep, kfd);
	if (i >= 0) {
		ps = ep->m[i].ps;
		atomic_fetch_add(&ps->refs, 1);
		dirs = ps_dirs(ep->m[i].events);
	}
	pthread_mutex_unlock(&ep->lock);
	if (!ps)
		ps = ps_hold(kfd);
	if (!ps)
		return;
	ps_drain(ps, dirs, false, ep);
	ps_put(ps);
}

/**
 * ps_epoll_sleepers() - directions threads asleep in epoll_wait() wait for
 * on @ps (for ps_drain())
 * @ps:		socket
 * @self:	the caller's own epoll record (it is one of its sleepers and
 *		does not count), or NULL
 *
 * Walks every epoll record of the process: called only when a drained
 * NOTIFY was not for the caller, which is rare.
 *
 * Return: AE_WANT_* bits
 */
uint32_t ps_epoll_sleepers(struct ps_sock *ps, void *self)
{
	struct ps_ep *ep;
	uint32_t dirs = 0, e;
	int i;

	pthread_mutex_lock(&ps_ep_all_lock);
	for (ep = ps_ep_all; ep; ep = ep->next) {
		if (ep->epfd < 0 ||
		    atomic_load(&ep->sleepers) <= (ep == self ? 1 : 0))
			continue;
		pthread_mutex_lock(&ep->lock);
		for (i = 0; i < ep->n; i++) {
			if (ep->m[i].ps != ps || ep->m[i].disabled)
				continue;
			e = ps_dirs(ep->m[i].events);
			dirs |= ((e & EPOLLIN) ? AE_WANT_IN : 0) |
				((e & EPOLLOUT) ? AE_WANT_OUT : 0);
		}
		pthread_mutex_unlock(&ep->lock);
	}
	pthread_mutex_unlock(&ps_ep_all_lock);
	return dirs;
}

/**
 * ep_filter() - drop the shim's own (tagged) events from a kernel result
 * @ep:		record
 * @ev:		events the kernel returned
 * @n:		how many
 *
 * Tagged events are NOTIFYs on backing fds: drain them. A backing fd found
 * hung up (the daemon is gone) leaves the kernel set (ep_unhook_dead()).
 *
 * Return: events left, compacted at the front of @ev
 */
static int ep_filter(struct ps_ep *ep, struct epoll_event *ev, int n)
{
	uint64_t v = 0;
	int i, k = 0;

	for (i = 0; i < n; i++) {
		if ((ev[i].data.u64 & PS_EP_TAGMASK) ==
		    (PS_EP_TAG & PS_EP_TAGMASK)) {
			if ((uint32_t)ev[i].data.u64 == PS_EP_RC) {
				ps_rc_try();	/* a daemon may be back */
				continue;
			}
			if ((uint32_t)ev[i].data.u64 == PS_EP_WAKE) {
				if (ep->wakefd >= 0 &&
				    REAL(read)(ep->wakefd, &v, sizeof(v)) < 0)
					ps_log("epoll wake read: %d", errno);
				continue;
			}
			ep_drain_key(ep, (int)(uint32_t)ev[i].data.u64);
			if (ev[i].events & (EPOLLHUP | EPOLLERR))
				ep_unhook_key(ep, (int)(uint32_t)ev[i].data.u64);
			continue;
		}
		ev[k++] = ev[i];
	}
	return k;
}

/* a busy poll looks at the kernel side of the set once in this many looks */
#define PS_EP_SPIN_KERNEL_EVERY	16

/**
 * struct ep_spin - what a busy poll of epoll_wait() looks at
 * @ep:		record
 * @epfd:	the epoll fd (readable when its kernel side has events)
 * @out:	program's array
 * @max:	its size
 * @n:		events collected into @out
 * @looks:	looks so far
 */
struct ep_spin {
	struct ps_ep *ep;
	int epfd;
	struct epoll_event *out;
	int max;
	int n;
	unsigned int looks;
};

/**
 * ep_spin_ready() - aec_spin()'s test for epoll_wait(): Aether members
 * ready in shared memory (collected), or now and then the kernel side of
 * the set ready (looked at with poll() on the epoll fd, which consumes
 * nothing: EPOLLET and EPOLLONESHOT registrations keep their events)
 * @ctx:	&struct ep_spin
 *
 * Return: true to stop spinning
 */
static bool ep_spin_ready(void *ctx)
{
	struct ep_spin *p = ctx;
	struct pollfd k = { .fd = p->epfd, .events = POLLIN };

	p->n = ep_collect(p->ep, p->out, p->max);
	if (p->n)
		return true;
	if (++p->looks % PS_EP_SPIN_KERNEL_EVERY)
		return false;
	return REAL(poll)(&k, 1, 0) != 0;
}

/**
 * ps_epoll_wait() - epoll_pwait over Aether and kernel members
 * @epfd:	epoll fd
 * @ev:		program's array
 * @max:	its size
 * @timeout:	milliseconds, <0 forever
 * @mask:	signal mask while sleeping, or NULL
 *
 * Return: as epoll_pwait(2)
 */
static int ps_epoll_wait(int epfd, struct epoll_event *ev, int max,
			 int timeout, const sigset_t *mask)
{
	struct ps_ep *ep = ps_ep_get(epfd);
	struct timespec dl;
	int n, k, left, pre = 0;

	if (!ep)
		return REAL(epoll_pwait)(epfd, ev, max, timeout, mask);
	if (max <= 0)
		return ps_fail(EINVAL);
	ps_deadline(&dl, timeout);
	if (aec_spin_on() && timeout) {
		struct ep_spin sp = { .ep = ep, .epfd = epfd, .out = ev,
				      .max = max };

		if (aec_spin(ep_spin_ready, &sp, timeout) == -EINTR)
			return ps_fail(EINTR);
		pre = sp.n;	/* collected already: the kernel part follows */
	}
	for (;;) {
		/* a sleeper before arming: a drain after the arm must see it */
		atomic_fetch_add(&ep->sleepers, 1);
		n = pre ? pre : ep_collect(ep, ev, max);
		pre = 0;
		if (!n && ep_arm(ep))
			n = ep_collect(ep, ev, max);
		if (!n && atomic_load(&ep->rcwatch) && ps_rc_try()) {
			atomic_fetch_sub(&ep->sleepers, 1);
			continue;	/* dead members re-created */
		}
		left = n ? 0 : ps_ms_left(&dl);
		k = n == max ? 0 : REAL(epoll_pwait)(epfd, ev + n, max - n,
			atomic_load(&ep->rcwatch) ? ps_dead_slice(left) : left,
			mask);
		if (k > 0)
			k = ep_filter(ep, ev + n, k);
		if (!n)		/* it armed and slept */
			ep_disarm(ep);
		atomic_fetch_sub(&ep->sleepers, 1);
		if (n == max)
			return n;
		if (k < 0)
			return n ? n : -1;
		if (!n && k < max)	/* woken: Aether readiness may be new */
			k += ep_collect(ep, ev + k, max - k);
		n += k;
		if (n || left == 0)
			return n;
	}
}

/**
 * epoll_wait() - interposed epoll_wait(2)
 * @epfd:	epoll fd
 * @ev:		array
 * @max:	size
 * @timeout:	milliseconds
 *
 * Return: as epoll_wait(2)
 */
int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	return ps_epoll_wait(epfd, ev, max, timeout, NULL);
}

/**
 * epoll_pwait() - interposed epoll_pwait(2)
 * @epfd:	epoll fd
 * @ev:		array
 * @max:	size
 * @timeout:	milliseconds
 * @mask:	signal mask while sleeping
 *
 * Return: as epoll_pwait(2)
 */
int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
		const sigset_t *mask)
{
	return ps_epoll_wait(epfd, ev, max, timeout, mask);
}
