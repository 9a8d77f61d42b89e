// SPDX-License-Identifier: MIT
/**
 * DOC: session_wake.c - waking blocked calls: futex words and the alive page
 *
 * Theory of operation. A program's blocking call (accept, recv, send,
 * connect) sleeps on a futex: the @wake_seq word of its socket's header page
 * (see client/ready.c for the sleeper's side and the ordering argument). The
 * daemon's side is sess_wake(): clear the AE_WAKE_* bits that are met, and
 * if any was set, increment @wake_seq and FUTEX_WAKE every waiter on it. Every
 * sleeper of every process sharing the socket wakes and looks at the shared
 * state again; a sleeper that was SIGKILLed simply is not on the futex queue
 * any more, and leaves nothing behind but want bits, which the next wake
 * clears once: nobody is left spinning.
 *
 * The alive page tells sleepers that the daemon died, since a futex sleeper
 * does not see its backing fd hang up: it holds the lock word of a robust,
 * process-shared mutex that aetherd locks at start and never unlocks, with
 * FUTEX_WAITERS set. When aetherd dies (SIGKILL included) the kernel walks
 * its robust list, sets FUTEX_OWNER_DIED in the word and wakes one waiter;
 * that waiter wakes all the others (client/ready.c). Clients get the page
 * read-only (AE_MSG_ALIVE; the memfd is sealed against writable mappings),
 * so no client can fake a death or hide one from another client.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "session.h"
#include "shm.h"

/**
 * sess_wake() - wake the futex sleepers of @h that wait for @met
 * @srv:	server (counters)
 * @h:		header page
 * @met:	AE_WAKE_* directions that are ready (or both: moved, cut off)
 *
 * Return: true if some sleeper was waiting (and was woken)
 */
bool sess_wake(struct session_srv *srv, struct ae_shm_hdr *h, uint32_t met)
{
	met &= AE_WAKE_IN | AE_WAKE_OUT;
	if (!h || !met || !(shm_load(&h->shim_want) & met))
		return false;
	if (!(shm_clear(&h->shim_want, met) & met))
		return false;
	__atomic_add_fetch(&h->wake_seq, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &h->wake_seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	SSTAT(srv, futex_wakes);
	return true;
}

/**
 * sess_alive_init() - create and hold the alive page
 * @srv:	server
 *
 * Return: 0 or -errno
 */
int sess_alive_init(struct session_srv *srv)
{
	pthread_mutexattr_t a;
	pthread_mutex_t *m;
	void *p;
	int fd, ret = -ENOMEM;

	fd = memfd_create("aether-alive", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, AE_ALIVE_SIZE))
		goto fail;
	p = mmap(NULL, AE_ALIVE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	m = p;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	ret = -pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	if (!ret)
		ret = -pthread_mutex_lock(m);
	if (ret) {
		munmap(p, AE_ALIVE_SIZE);
		goto fail;
	}
	/* the kernel wakes a waiter at our death only with FUTEX_WAITERS set */
	__atomic_fetch_or((uint32_t *)p, FUTEX_WAITERS, __ATOMIC_SEQ_CST);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
		  F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) < 0) {
		ret = -errno;
		munmap(p, AE_ALIVE_SIZE);
		goto fail;
	}
	if (getrandom(&srv->alive_id, sizeof(srv->alive_id), 0) !=
	    sizeof(srv->alive_id))
		srv->alive_id = ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)p;
	srv->alive = p;
	srv->alive_fd = fd;
	return 0;
fail:
	close(fd);
	return ret;
}

/**
 * sess_alive_fini() - let go of the alive page (the mutex stays held: a
 * client still asleep learns of the end from its backing fd's hang-up and,
 * at our exit, from the robust list)
 * @srv:	server
 */
void sess_alive_fini(struct session_srv *srv)
{
	if (srv->alive_fd >= 0)
		close(srv->alive_fd);
	srv->alive_fd = -1;
}

/**
 * sess_op_alive() - AE_MSG_ALIVE: the alive page and the daemon's instance
 * @c:		connection
 * @h:		request
 *
 * Return: 0 or -errno from sending
 */
int sess_op_alive(struct sconn *c, const struct ae_ipc_hdr *h)
{
	struct ae_ipc_alive_resp a = { .instance = c->srv->alive_id };

	if (c->srv->alive_fd < 0)
		return sess_reply(c, h, -ENOSYS, NULL, 0, NULL, 0, NULL, 0);
	return sess_reply(c, h, 0, &a, sizeof(a), NULL, 0, &c->srv->alive_fd, 1);
}
