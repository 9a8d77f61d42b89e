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
 * read-only (AE_MSG_ALIVE sends a descriptor opened read-only; the file is
 * mode 0400), so no client can fake a death or hide one from another
 * client. The daemon keeps a writable descriptor for its successor
 * (takeover.c): the old daemon unlocks the mutex just before it exits, the
 * new one locks it (sess_alive_release(), sess_alive_hold()).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
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
 * read_only() - a read-only descriptor of the memfd @fd, for clients
 * @fd:		the alive page's memfd (ours, read-write)
 *
 * Clients must not be able to write the page (fake or hide a death). The
 * daemon keeps write access, to hand the page to its successor
 * (takeover.c), so the memfd is not sealed against writing; instead clients
 * get a descriptor opened read-only (a shared writable mapping needs a
 * writable file) and the file's mode, 0400, keeps another uid from opening
 * it again for writing through /proc.
 *
 * Return: the descriptor, or -1 (no /proc: then the page is sealed, as
 * before, and cannot be handed over)
 */
static int read_only(int fd)
{
	char path[64];

	if (fchmod(fd, 0400))
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_CLOEXEC);
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
	srv->alive_ro_fd = read_only(fd);
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL |
		  (srv->alive_ro_fd < 0 ? F_SEAL_FUTURE_WRITE : 0)) < 0) {
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
	if (srv->alive_ro_fd >= 0)
		close(srv->alive_ro_fd);
	srv->alive_fd = srv->alive_ro_fd = -1;
}

/**
 * sess_alive_adopt() - take the alive page of the daemon we take over from
 * @srv:	server
 * @fd:		its memfd, read-write
 * @ro_fd:	the read-only descriptor clients get
 * @id:		the instance clients know it by (kept: they map it once)
 *
 * The page is mapped, not locked yet: the old daemon holds the mutex until
 * it lets go (sess_alive_release()), then sess_alive_hold() takes it.
 *
 * Return: 0 or -errno
 */
int sess_alive_adopt(struct session_srv *srv, int fd, int ro_fd, uint64_t id)
{
	void *p = mmap(NULL, AE_ALIVE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	srv->alive = p;
	srv->alive_fd = fd;
	srv->alive_ro_fd = ro_fd;
	srv->alive_id = id;
	return 0;
}

/**
 * sess_alive_hold() - lock the adopted alive page's mutex, as
 * sess_alive_init() does, once the old daemon has unlocked it
 * @srv:	server
 *
 * A sleeper woken by the old daemon's unlock looks again and sleeps on
 * the new value; our death from now on is seen as the old one's was.
 */
void sess_alive_hold(struct session_srv *srv)
{
	pthread_mutex_t *m = srv->alive;

	if (pthread_mutex_lock(m) == EOWNERDEAD)
		pthread_mutex_consistent(m);
	__atomic_fetch_or((uint32_t *)srv->alive, FUTEX_WAITERS,
			  __ATOMIC_SEQ_CST);
}

/**
 * sess_alive_release() - unlock the alive page's mutex for our successor:
 * our exit must not look like a death to the clients
 * @srv:	server
 */
void sess_alive_release(struct session_srv *srv)
{
	if (srv->alive)
		pthread_mutex_unlock(srv->alive);
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

	const int *fd = c->srv->alive_ro_fd >= 0 ? &c->srv->alive_ro_fd :
					       &c->srv->alive_fd;

	if (*fd < 0)
		return sess_reply(c, h, -ENOSYS, NULL, 0, NULL, 0, NULL, 0);
	return sess_reply(c, h, 0, &a, sizeof(a), NULL, 0, fd, 1);
}
