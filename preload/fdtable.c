// SPDX-License-Identifier: MIT
/**
 * DOC: fdtable.c - the per-process fd table: fd number -> Aether socket
 *
 * Two levels of 1024 slots, allocated lazily, so a lookup is two atomic loads
 * and never takes a lock; growth and changes take one mutex. Pages are never
 * freed, so a reader racing a writer sees either the old or the new pointer.
 * A second table of the same shape maps epoll fds to the shim's record of the
 * Aether sockets registered in them (epoll.c).
 */
#include <pthread.h>
#include <stdlib.h>

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

static struct ps_table ps_socks, ps_eps;
static pthread_mutex_t ps_table_lock = PTHREAD_MUTEX_INITIALIZER;

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
	pthread_mutex_lock(&ps_table_lock);
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
	pthread_mutex_unlock(&ps_table_lock);
	return old;
}

/**
 * ps_get() - the Aether socket behind @fd
 * @fd:	the program's fd
 *
 * Return: the socket, or NULL for any other fd
 */
struct ps_sock *ps_get(int fd)
{
	return table_get(&ps_socks, fd);
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
