// SPDX-License-Identifier: MIT
/**
 * DOC: fdtable.c - the per-process fd table: fd number -> Aether socket
 *
 * Two levels of 1024 slots, allocated lazily, so a lookup is two atomic loads
 * and never takes a lock; growth and changes take the write side of one
 * rwlock. Pages are never freed, so a reader racing a writer sees either the
 * old or the new pointer.
 *
 * A call that uses a socket holds a reference for its whole duration
 * (ps_hold(), PS_HOLD()): another thread may close the fd meanwhile, as on
 * Linux, where a blocked recv() keeps the open file description and returns
 * when data or EOF arrives. ps_hold() finds the entry and takes its
 * reference under the read side of the rwlock, so the table's own reference
 * cannot be dropped in between; a non-Aether fd costs only the lock-free
 * look (an empty slot).
 *
 * A second table of the same shape maps epoll fds to the shim's record of the
 * Aether sockets registered in them (epoll.c); a third marks the private fds
 * a socket keeps when its last program fd is closed under a blocked call
 * (ps_own_fd()), which the program can neither close nor dup2 over.
 *
 * A fourth marks the numbers a close() is closing (ps_closing_set()).
 * close() removes a socket's entry only after the kernel's close, so for a
 * moment the number is free in the kernel while the table still names the
 * socket: another thread's open() may get that number then, and its read()
 * must not find the old socket (it read the file as that socket: ENOTCONN,
 * or slept on a connection it never had, seen as HTTP bodies lost under
 * 250 threads of python's http.server). A lookup that finds the mark waits
 * for that close() to finish (ps_fd_settle()); the table then says what the
 * kernel has there.
 */
#include <pthread.h>
#include <stdlib.h>

#include "client.h"
#include "shim.h"

#define PS_PAGE_SHIFT	10
#define PS_PAGE		(1 << PS_PAGE_SHIFT)
#define PS_PAGES	1024	/* fds up to 1M */

/**
 * struct ps_table - lazily allocated two-level array of pointers
 * @pages:	PS_PAGES pages of PS_PAGE slots
 */
struct ps_table {
	_Atomic(void *_Atomic *) pages[PS_PAGES];
};

static struct ps_table ps_socks, ps_eps, ps_owns, ps_closing;
static pthread_rwlock_t ps_table_lock = PTHREAD_RWLOCK_INITIALIZER;

/**
 * table_get() - the pointer stored for @fd
 * @t:	table
 * @fd:	fd number
 *
 * Return: the pointer, NULL if none (or @fd out of range)
 */
static void *table_get(struct ps_table *t, int fd)
{
	void *_Atomic *page;

	if (fd < 0 || fd >= PS_PAGES * PS_PAGE)
		return NULL;
	page = atomic_load_explicit(&t->pages[fd >> PS_PAGE_SHIFT],
				    memory_order_acquire);
	if (!page)
		return NULL;
	return atomic_load_explicit(&page[fd & (PS_PAGE - 1)],
				    memory_order_acquire);
}

/**
 * table_set() - store @p for @fd, allocating its page if needed
 * @t:	table
 * @fd:	fd number
 * @p:	pointer, NULL to clear
 *
 * Return: the pointer stored before
 */
static void *table_set(struct ps_table *t, int fd, void *p)
{
	void *_Atomic *page;
	void *old;

	if (fd < 0 || fd >= PS_PAGES * PS_PAGE)
		return NULL;
	pthread_rwlock_wrlock(&ps_table_lock);
	page = atomic_load_explicit(&t->pages[fd >> PS_PAGE_SHIFT],
				    memory_order_acquire);
	if (!page && p) {
		page = calloc(PS_PAGE, sizeof(*page));
		if (page)
			atomic_store_explicit(&t->pages[fd >> PS_PAGE_SHIFT],
					      page, memory_order_release);
	}
	old = NULL;
	if (page)
		old = atomic_exchange(&page[fd & (PS_PAGE - 1)], p);
	pthread_rwlock_unlock(&ps_table_lock);
	return old;
}

/**
 * ps_get() - the Aether socket behind @fd, without a reference
 * @fd:	the program's fd
 *
 * For identity tests only ("is this an Aether fd", "same socket"): another
 * thread may close @fd and free the socket at any time; use ps_hold() to
 * dereference it.
 *
 * Return: the socket, or NULL for any other fd
 */
struct ps_sock *ps_get(int fd)
{
	void *p = table_get(&ps_socks, fd);

	if (p && table_get(&ps_closing, fd)) {
		ps_fd_settle();	/* a close() of @fd is half done */
		p = table_get(&ps_socks, fd);
	}
	return p;
}

/**
 * ps_hold() - the Aether socket behind @fd, with a reference for the caller
 * @fd:	the program's fd
 *
 * Return: the socket (ps_put() it when done), or NULL for any other fd
 */
struct ps_sock *ps_hold(int fd)
{
	struct ps_sock *ps;

	if (!ps_get(fd))
		return NULL;
	aec_sig_clear();	/* a call begins (signal.c) */
	pthread_rwlock_rdlock(&ps_table_lock);
	ps = table_get(&ps_socks, fd);
	if (ps)
		atomic_fetch_add(&ps->refs, 1);
	pthread_rwlock_unlock(&ps_table_lock);
	return ps;
}

/**
 * ps_release() - cleanup handler of PS_HOLD(): drop the reference, if any
 * @ps:	the variable holding it
 */
void ps_release(struct ps_sock **ps)
{
	if (*ps)
		ps_put(*ps);
}

/**
 * ps_own_get() - the socket whose private fd @fd is
 * @fd:	fd number
 *
 * Return: the socket, NULL if @fd is no private fd of the shim
 */
struct ps_sock *ps_own_get(int fd)
{
	return table_get(&ps_owns, fd);
}

/**
 * ps_own_set() - mark or unmark @fd as @ps's private fd
 * @fd:	fd number
 * @ps:	socket, NULL to unmark
 */
void ps_own_set(int fd, struct ps_sock *ps)
{
	table_set(&ps_owns, fd, ps);
}

/**
 * ps_closing_set() - mark @fd as being closed (its entry goes once the
 * kernel closed it), or unmark it; called with the fd lock held (fdops.c)
 * @fd:	fd number
 * @ps:	the socket it designated, NULL to unmark
 */
void ps_closing_set(int fd, struct ps_sock *ps)
{
	table_set(&ps_closing, fd, ps);
}

/**
 * ps_install() - make @fd designate @ps (takes a reference)
 * @fd:	fd number (already open in the kernel)
 * @ps:	socket
 *
 * A stale entry left by an fd that libc closed behind our back is released.
 */
void ps_install(int fd, struct ps_sock *ps)
{
	struct ps_sock *old;

	atomic_fetch_add(&ps->refs, 1);
	old = table_set(&ps_socks, fd, ps);
	if (old)
		ps_put(old);
}

/**
 * ps_forget() - remove @fd from the table
 * @fd:	fd number
 *
 * Return: the socket it designated (reference passed to the caller), or NULL
 */
struct ps_sock *ps_forget(int fd)
{
	if (!ps_get(fd))
		return NULL;
	return table_set(&ps_socks, fd, NULL);
}

/**
 * ps_forget_if() - remove @fd from the table if it still designates @ps
 * @fd:	fd number
 * @ps:	socket
 *
 * Return: true if removed (the table's reference passes to the caller);
 * false if another socket took the number meanwhile (its ps_install() put
 * the reference of @ps)
 */
bool ps_forget_if(int fd, struct ps_sock *ps)
{
	void *_Atomic *page;
	void *want = ps;
	bool r = false;

	if (fd < 0 || fd >= PS_PAGES * PS_PAGE)
		return false;
	pthread_rwlock_wrlock(&ps_table_lock);
	page = atomic_load(&ps_socks.pages[fd >> PS_PAGE_SHIFT]);
	if (page)
		r = atomic_compare_exchange_strong(&page[fd & (PS_PAGE - 1)],
						   &want, NULL);
	pthread_rwlock_unlock(&ps_table_lock);
	return r;
}

/**
 * ps_swap() - make @fd designate @ps, references unchanged
 * @fd:	fd number
 * @ps:	socket (its reference for the table taken by the caller), or NULL
 *
 * Return: what @fd designated (the table's reference passes to the
 * caller), or NULL
 */
struct ps_sock *ps_swap(int fd, struct ps_sock *ps)
{
	return table_set(&ps_socks, fd, ps);
}

/**
 * ps_find_other() - another fd designating @ps
 * @ps:		socket
 * @not_fd:	the fd to skip
 *
 * Return: an fd, or -1 if @not_fd is the only one
 */
int ps_find_other(struct ps_sock *ps, int not_fd)
{
	void *_Atomic *page;
	int p, i;

	for (p = 0; p < PS_PAGES; p++) {
		page = atomic_load(&ps_socks.pages[p]);
		if (!page)
			continue;
		for (i = 0; i < PS_PAGE; i++)
			if (atomic_load(&page[i]) == ps &&
			    (p << PS_PAGE_SHIFT) + i != not_fd)
				return (p << PS_PAGE_SHIFT) + i;
	}
	return -1;
}

/**
 * ps_next_fd() - the lowest fd number >= @from designating @ps
 * @ps:		socket
 * @from:	where to start
 *
 * Return: an fd, or -1 if none
 */
int ps_next_fd(struct ps_sock *ps, int from)
{
	void *_Atomic *page;
	int fd;

	for (fd = from < 0 ? 0 : from; fd < PS_PAGES * PS_PAGE; fd++) {
		page = atomic_load(&ps_socks.pages[fd >> PS_PAGE_SHIFT]);
		if (!page) {
			fd |= PS_PAGE - 1;	/* skip the whole page */
			continue;
		}
		if (atomic_load(&page[fd & (PS_PAGE - 1)]) == ps)
			return fd;
	}
	return -1;
}

/**
 * ps_sock_atfork_child() - fork done, in the child: @ps's locks are fresh
 * @ps:	socket (another thread of the parent may have held its locks)
 */
void ps_sock_atfork_child(struct ps_sock *ps)
{
	pthread_mutex_init(&ps->fd_lock, NULL);
	aec_atfork_child(ps->aec);
}

/**
 * acq_return_all() - every listener of this process gives back the
 * connections it took ahead, so that after fork() whichever process
 * accepts first finds them (the kernel's queue is shared)
 */
static void acq_return_all(void)
{
	void *_Atomic *page;
	struct ps_sock *ps;
	int p, i;

	pthread_rwlock_rdlock(&ps_table_lock);
	for (p = 0; p < PS_PAGES; p++) {
		page = atomic_load(&ps_socks.pages[p]);
		for (i = 0; page && i < PS_PAGE; i++) {
			ps = atomic_load(&page[i]);
			if (ps && ps->aec &&
			    __atomic_load_n(&ps->aec->acq_n, __ATOMIC_ACQUIRE))
				aec_acq_return(ps->aec);
		}
	}
	pthread_rwlock_unlock(&ps_table_lock);
}

/**
 * atfork_prepare() - fork: hold the table still, so the child's copy is
 * consistent and its lock free; connections taken ahead go back first
 */
static void atfork_prepare(void)
{
	acq_return_all();
	ps_fd_atfork_prepare();
	ps_epoll_atfork_prepare();
	pthread_rwlock_wrlock(&ps_table_lock);
	aec_fork_prepare();
}

/**
 * atfork_parent() - fork done, in the parent
 */
static void atfork_parent(void)
{
	aec_fork_parent();
	pthread_rwlock_unlock(&ps_table_lock);
	ps_epoll_atfork_parent();
	ps_fd_atfork_parent();
}

/**
 * atfork_child() - fork done, in the child: only the forking thread exists
 *
 * Per-socket client locks another thread of the parent held at the fork
 * would stay locked for good in the child; they are made fresh.
 */
static void atfork_child(void)
{
	void *_Atomic *page;
	struct ps_sock *ps;
	int p, i;

	/* not unlock: glibc's rwlock knows its writer by a tid the child lacks */
	pthread_rwlock_init(&ps_table_lock, NULL);
	aec_fork_child();
	ps_rc_atfork_child();
	ps_epoll_atfork_child();
	ps_fd_atfork_child();
	for (p = 0; p < PS_PAGES; p++) {
		page = atomic_load(&ps_socks.pages[p]);
		for (i = 0; page && i < PS_PAGE; i++) {
			ps = atomic_load(&page[i]);
			if (ps)
				ps_sock_atfork_child(ps);
		}
	}
}

/**
 * ps_atfork_install() - keep the table usable in a child forked while other
 * threads were using it (once, at load)
 */
void ps_atfork_install(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static atomic_uint ps_gen;

/**
 * ps_gen_now() - the generation a socket made now is born in
 *
 * Return: it
 */
unsigned int ps_gen_now(void)
{
	return atomic_load(&ps_gen);
}

/**
 * ps_gen_bump() - every socket that exists now may be held by another
 * process: this one forks, inherited sockets, or sent descriptors
 * (SCM_RIGHTS) on a kernel socket
 */
void ps_gen_bump(void)
{
	atomic_fetch_add(&ps_gen, 1);
}

/**
 * ps_private() - can only this process hold @ps
 * @ps:	socket
 *
 * True for a socket made here (socket, accept) since this process last
 * forked, spawned (posix_spawn, system, popen), inherited sockets or
 * passed descriptors: a nginx worker's accepted connections. Only then may
 * a waiter take back another's wants, or drain its fd blind. A child
 * started by a raw clone() without CLONE_VM is not seen.
 *
 * Return: true if so
 */
bool ps_private(const struct ps_sock *ps)
{
	return ps->gen == atomic_load(&ps_gen);
}

/**
 * ps_new() - a new socket record, with no reference yet
 * @aec:	IPC client socket
 * @domain:	AF_INET or AF_INET6
 * @type:	SOCK_STREAM or SOCK_DGRAM (flags stripped)
 *
 * Return: the record, NULL when out of memory
 */
struct ps_sock *ps_new(struct aec_sock *aec, int domain, int type)
{
	struct ps_sock *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return NULL;
	ps->aec = aec;
	ps->domain = domain;
	ps->type = type;
	ps->rcvtimeo_ms = -1;
	ps->sndtimeo_ms = -1;
	ps->own_fd = -1;
	ps->gen = ps_gen_now();
	pthread_mutex_init(&ps->fd_lock, NULL);
	return ps;
}

/**
 * ps_ep_get() - the shim's record for epoll fd @fd
 * @fd:	fd number
 *
 * Return: the record, NULL if @fd is no epoll fd we created
 */
void *ps_ep_get(int fd)
{
	return table_get(&ps_eps, fd);
}

/**
 * ps_ep_set() - set or clear the epoll record of @fd
 * @fd:	fd number
 * @ep:	record, NULL to clear
 */
void ps_ep_set(int fd, void *ep)
{
	table_set(&ps_eps, fd, ep);
}
