// SPDX-License-Identifier: MIT
/**
 * DOC: fdops.c - fd-level calls: close, dup/dup2/dup3, fcntl, ioctl
 *
 * The kernel does the real work (the backing fd is a real fd); the shim only
 * keeps its table in step: a dup'd fd designates the same struct ps_sock, a
 * closed one drops its reference. When the fd the IPC client talks on is
 * closed while dups remain (busybox: accept, dup2 onto 0 and 1, close), the
 * client is moved to a surviving dup. O_NONBLOCK lives on the backing fd in
 * the kernel (shared across dup and fork like the kernel's) and is cached.
 *
 * Closing the last fd of a socket while another thread is inside a call on
 * it (blocked in recv(), say) must not pull the socket from under that call:
 * on Linux the call holds the open file description and returns when data
 * or EOF arrives. Calls hold a reference (PS_HOLD()); if one is held when
 * the last fd goes, the client is first moved to a private CLOEXEC dup of
 * the backing fd (@own_fd), which the last reference closes, so the daemon
 * sees the close only then. The program cannot close or dup2 over that
 * private number: close() gives EBADF, dup2() moves the private fd away.
 *
 * Calls on a number racing its close() or a dup2() over it (both allowed on
 * Linux: the call works on the file it found) never see the table say "no
 * socket" while the kernel still has a backing fd there: libc's recv() on
 * it would read the daemon's datagrams or block for good. So close()
 * removes the entry after the kernel's close, dup2() enters the new socket
 * before the kernel's dup and a plain file's empty entry after it; and the
 * replaced socket's client is first moved off the number, so a call that
 * still finds the socket talks on a live fd of that socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "client.h"
#include "shim.h"

static void ps_own_move(struct ps_sock *ps, int from);
static int ps_dup23_locked(int oldfd, int newfd, int flags);

/*
 * What an fd number designates changes in two steps (the kernel's call,
 * then the table): two dup2() onto one number, or a close() and a dup2(),
 * must not interleave them, or the table would say "socket" for a number
 * the kernel gave to something else. Every dup2/dup3 and every close of an
 * Aether fd take this lock, and so do dup/F_DUPFD of one (all are short:
 * no call here blocks).
 */
static pthread_mutex_t ps_fd_lock = PTHREAD_MUTEX_INITIALIZER;

/**
 * ps_fd_settle() - wait until the close() or dup2() under way is done
 * (fdtable.c: a lookup found a number marked as being closed)
 */
void ps_fd_settle(void)
{
	pthread_mutex_lock(&ps_fd_lock);
	pthread_mutex_unlock(&ps_fd_lock);
}

/**
 * ps_fd_atfork_prepare() - fork: no fd change half done in the child
 */
void ps_fd_atfork_prepare(void)
{
	pthread_mutex_lock(&ps_fd_lock);
}

/**
 * ps_fd_atfork_parent() - fork done, in the parent
 */
void ps_fd_atfork_parent(void)
{
	pthread_mutex_unlock(&ps_fd_lock);
}

/**
 * ps_fd_atfork_child() - fork done, in the child (one thread left)
 */
void ps_fd_atfork_child(void)
{
	pthread_mutex_init(&ps_fd_lock, NULL);
}

/**
 * ps_unhook_fd() - make @ps's client stop talking on @fd, which is about to
 * be closed or replaced
 * @ps:		socket @fd designates
 * @fd:		fd
 * @always:	a call may still find @ps through @fd: with no other fd of @ps
 *		left, always move the client to a private dup; otherwise
 *		only while a call holds @ps (it would go with @fd)
 *
 * @fd first leaves the epoll sets it was registered in (their references
 * to @ps go with it).
 */
static void ps_unhook_fd(struct ps_sock *ps, int fd, bool always)
{
	bool keep;
	int other;

	ps_epoll_forget_fd(fd, ps, ps_find_other(ps, fd) < 0);
	keep = always || atomic_load(&ps->refs) > 1;
	/* two fds of @ps closed at once must not each pick the other */
	pthread_mutex_lock(&ps->fd_lock);
	if (ps->aec->fd == fd) {
		other = ps_find_other(ps, fd);
		if (other >= 0)
			aec_set_fd(ps->aec, other);
		else if (keep)
			ps_own_move(ps, fd);
	}
	pthread_mutex_unlock(&ps->fd_lock);
}

/**
 * ps_release_fd() - @fd stops designating its socket (before the real close)
 * @fd:	fd
 *
 * Return: the socket (reference passed to the caller, ps_put() after the
 * real close), or NULL
 */
static struct ps_sock *ps_release_fd(int fd)
{
	struct ps_sock *ps = ps_forget(fd);

	if (!ps) {
		if (ps_ep_get(fd))
			ps_epoll_close(fd);
		return NULL;
	}
	/* no new call finds @ps through @fd now: the count is final */
	ps_unhook_fd(ps, fd, false);
	return ps;
}

/**
 * ps_own_move() - give @ps a private dup of backing fd @from to talk on
 * @ps:		socket
 * @from:	the fd the client talks on now (about to be closed, or the
 *		private fd the program dup2()s over)
 *
 * Called with @ps->fd_lock held.
 *
 * Without a free fd the client stays on @from: a blocked call then ends
 * as on a socket whose daemon went away, it does not crash.
 */
static void ps_own_move(struct ps_sock *ps, int from)
{
	int nfd = REAL(fcntl)(from, F_DUPFD_CLOEXEC, 0);

	if (nfd < 0)
		return;
	ps_own_set(nfd, ps);
	aec_set_fd(ps->aec, nfd);
	if (ps->own_fd >= 0) {
		ps_own_set(ps->own_fd, NULL);
		REAL(close)(ps->own_fd);
	}
	ps->own_fd = nfd;
}

/**
 * close() - interposed close(2)
 * @fd:	fd
 *
 * Return: as close(2)
 */
int close(int fd)
{
	struct ps_sock *ps;
	bool marked;
	int r;

	if (ps_own_get(fd))
		return ps_fail(EBADF);	/* not the program's fd */
	if (!ps_get(fd) && !ps_ep_get(fd))
		return REAL(close)(fd);
	pthread_mutex_lock(&ps_fd_lock);
	/*
	 * The entry goes only after the kernel's close: a call racing it
	 * finds the socket and talks on the client's fd (moved away if a
	 * call was already inside), never on @fd as if it were a plain file
	 * (in libc's recv() it would block for good on the backing fd).
	 */
	ps = ps_get(fd);
	if (ps)
		ps_unhook_fd(ps, fd, false);
	else
		ps_epoll_close(fd);
	/* from the kernel's close until the entry goes, the number may be
	 * another thread's new file: lookups wait for us (ps_get()) */
	marked = ps != NULL;
	if (marked)
		ps_closing_set(fd, ps);
	r = REAL(close)(fd);
	if (ps && !ps_forget_if(fd, ps))
		ps = NULL;	/* a new socket has the number: ours was put */
	if (marked)
		ps_closing_set(fd, NULL);
	pthread_mutex_unlock(&ps_fd_lock);
	if (ps) {
		ps_log("close(%d) = %d", fd, r);
		ps_put(ps);
	}
	return r;
}

/**
 * close_range() - interposed close_range(2): the table follows
 * @first:	first fd
 * @last:	last fd
 * @flags:	CLOSE_RANGE_CLOEXEC (nothing closes), CLOSE_RANGE_UNSHARE
 *
 * Return: as close_range(2)
 */
int close_range(unsigned int first, unsigned int last, int flags)
{
	struct ps_sock *ps;
	unsigned int fd, end = last;
	int r;

	if (!REAL(close_range))
		return ps_fail(ENOSYS);
	if ((flags & 4 /* CLOSE_RANGE_CLOEXEC */) || first > last)
		return REAL(close_range)(first, last, flags);
	if (end > (1u << 20))
		end = 1u << 20;
	pthread_mutex_lock(&ps_fd_lock);
	for (fd = first; fd <= end; fd++) {
		if (!ps_get((int)fd) && !ps_ep_get((int)fd))
			continue;
		ps = ps_release_fd((int)fd);
		if (ps)
			ps_put(ps);	/* only unmaps; the close tells the daemon */
	}
	r = REAL(close_range)(first, last, flags);
	pthread_mutex_unlock(&ps_fd_lock);
	return r;
}

/**
 * closefrom() - interposed closefrom(3)
 * @lowfd:	first fd to close
 */
void closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	if (close_range((unsigned int)lowfd, ~0u, 0) < 0 && REAL(closefrom))
		REAL(closefrom)(lowfd);
}

/**
 * vfork() - interposed vfork(2), as fork(2)
 *
 * A vfork child shares the parent's memory, so its close()/dup2() before
 * exec would edit the parent's fd table in the shim while the kernel's
 * tables stay separate. fork() is a valid implementation of vfork().
 *
 * Return: as fork(2)
 */
pid_t vfork(void)
{
	return REAL(fork)();
}

/*
 * The children these start share the program's sockets without a fork()
 * (glibc clones, no atfork handler runs): every socket that exists stops
 * being private (ps_private()), as at a fork.
 */

/**
 * posix_spawn() - interposed posix_spawn(3)
 * @pid:	child's pid
 * @path:	program
 * @fa:		file actions
 * @attr:	attributes
 * @argv:	arguments
 * @envp:	environment
 *
 * Return: as posix_spawn(3)
 */
int posix_spawn(pid_t *pid, const char *path,
		const posix_spawn_file_actions_t *fa,
		const posix_spawnattr_t *attr, char *const argv[],
		char *const envp[])
{
	ps_gen_bump();
	return REAL(posix_spawn)(pid, path, fa, attr, argv, envp);
}

/**
 * posix_spawnp() - interposed posix_spawnp(3)
 * @pid:	child's pid
 * @file:	program, looked up in PATH
 * @fa:		file actions
 * @attr:	attributes
 * @argv:	arguments
 * @envp:	environment
 *
 * Return: as posix_spawnp(3)
 */
int posix_spawnp(pid_t *pid, const char *file,
		 const posix_spawn_file_actions_t *fa,
		 const posix_spawnattr_t *attr, char *const argv[],
		 char *const envp[])
{
	ps_gen_bump();
	return REAL(posix_spawnp)(pid, file, fa, attr, argv, envp);
}

/**
 * system() - interposed system(3)
 * @cmd:	shell command
 *
 * Return: as system(3)
 */
int system(const char *cmd)
{
	ps_gen_bump();
	return REAL(system)(cmd);
}

/**
 * popen() - interposed popen(3)
 * @cmd:	shell command
 * @type:	"r" or "w"
 *
 * Return: as popen(3)
 */
FILE *popen(const char *cmd, const char *type)
{
	ps_gen_bump();
	return REAL(popen)(cmd, type);
}

/**
 * ps_dup_follow() - @newfd is now a dup of @oldfd: mirror it in the table
 * @oldfd:	source
 * @newfd:	result of the kernel's dup
 */
static void ps_dup_follow(int oldfd, int newfd)
{
	PS_HOLD(ps, oldfd);

	if (ps && newfd >= 0 && newfd != oldfd) {
		ps_install(newfd, ps);
		ps_log("dup(%d) -> %d", oldfd, newfd);
	}
}

/**
 * dup() - interposed dup(2)
 * @fd:	fd
 *
 * Return: as dup(2)
 */
int dup(int fd)
{
	int r;

	if (!ps_get(fd))
		return REAL(dup)(fd);
	pthread_mutex_lock(&ps_fd_lock);	/* @fd stays what it is */
	r = REAL(dup)(fd);
	ps_dup_follow(fd, r);
	pthread_mutex_unlock(&ps_fd_lock);
	return r;
}

/**
 * ps_dup23() - dup2/dup3 with the table kept in step
 * @oldfd:	source
 * @newfd:	target (closed first if open)
 * @flags:	dup3 flags, or -1 for dup2
 *
 * Return: as dup2(2)/dup3(2)
 */
static int ps_dup23(int oldfd, int newfd, int flags)
{
	int r;

	pthread_mutex_lock(&ps_fd_lock);
	r = ps_dup23_locked(oldfd, newfd, flags);
	pthread_mutex_unlock(&ps_fd_lock);
	return r;
}

/**
 * ps_real_dup23() - the kernel's dup2 or dup3
 * @oldfd:	source
 * @newfd:	target
 * @flags:	dup3 flags, or -1 for dup2
 *
 * Return: as dup2(2)/dup3(2)
 */
static int ps_real_dup23(int oldfd, int newfd, int flags)
{
	return flags < 0 ? REAL(dup2)(oldfd, newfd) :
			   REAL(dup3)(oldfd, newfd, flags);
}

/**
 * ps_dup23_locked() - ps_dup23() under ps_fd_lock
 * @oldfd:	source
 * @newfd:	target (closed first if open)
 * @flags:	dup3 flags, or -1 for dup2
 *
 * Other threads may be inside calls on @newfd meanwhile (Linux lets them
 * finish on the file they found), so the table never says "no socket" for
 * a number the kernel still has as a backing fd: such a call would go to
 * the kernel and read the daemon's datagrams, or block in recv() for good.
 * The new socket is entered before the kernel's dup (a call that finds it
 * early acts on it: it talks on the socket's own fd), a plain file's "no
 * socket" only after; the replaced socket's client is first moved off
 * @newfd (to a dup, or a private fd), since a call may still find it.
 *
 * Return: as dup2(2)/dup3(2)
 */
static int ps_dup23_locked(int oldfd, int newfd, int flags)
{
	struct ps_sock *src, *old, *own = ps_own_get(newfd);
	int r;

	if (oldfd == newfd || !(ps_get(oldfd) || ps_get(newfd) ||
				ps_ep_get(newfd) || own))
		return ps_real_dup23(oldfd, newfd, flags);
	if (REAL(fcntl)(oldfd, F_GETFD) < 0)
		return -1;	/* EBADF before touching newfd */
	if (own) {		/* the number is free for the program */
		pthread_mutex_lock(&own->fd_lock);
		if (own->own_fd == newfd)
			ps_own_move(own, newfd);
		pthread_mutex_unlock(&own->fd_lock);
	}
	/* both stay what they are: every change of an Aether fd holds the lock */
	src = ps_get(oldfd);
	old = ps_get(newfd);
	if (src && src == old)
		return ps_real_dup23(oldfd, newfd, flags);
	if (old)
		ps_unhook_fd(old, newfd, true);
	else if (ps_ep_get(newfd))
		ps_epoll_close(newfd);
	if (src) {
		atomic_fetch_add(&src->refs, 1);
		old = ps_swap(newfd, src);
	}
	r = ps_real_dup23(oldfd, newfd, flags);
	if (r < 0 && src)
		old = ps_swap(newfd, old);	/* gives back src's reference */
	else if (r < 0)
		old = NULL;
	else if (!src)
		old = ps_swap(newfd, NULL);
	if (r >= 0 && src)
		ps_log("dup(%d) -> %d", oldfd, newfd);
	if (old)
		ps_put(old);
	return r;
}

/**
 * dup2() - interposed dup2(2)
 * @oldfd:	source
 * @newfd:	target
 *
 * Return: as dup2(2)
 */
int dup2(int oldfd, int newfd)
{
	return ps_dup23(oldfd, newfd, -1);
}

/**
 * dup3() - interposed dup3(2)
 * @oldfd:	source
 * @newfd:	target
 * @flags:	O_CLOEXEC
 *
 * Return: as dup3(2)
 */
int dup3(int oldfd, int newfd, int flags)
{
	if (flags < 0)
		return ps_fail(EINVAL);
	return ps_dup23(oldfd, newfd, flags);
}

/**
 * ps_fcntl() - fcntl with the table kept in step
 * @real:	libc's fcntl or fcntl64
 * @fd:		fd
 * @cmd:	command
 * @arg:	argument (int or pointer)
 *
 * Return: as fcntl(2)
 */
static int ps_fcntl(int (*real)(int, int, ...), int fd, int cmd, long arg)
{
	PS_HOLD(ps, fd);
	int r;

	if (ps && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) {
		pthread_mutex_lock(&ps_fd_lock);	/* as dup() */
		r = real(fd, cmd, arg);
		if (r >= 0)
			ps_dup_follow(fd, r);
		pthread_mutex_unlock(&ps_fd_lock);
		return r;
	}
	r = real(fd, cmd, arg);
	if (!ps || r < 0)
		return r;
	if (cmd == F_SETFL)
		atomic_store(&ps->nonblock, !!(arg & O_NONBLOCK));
	return r;
}

/**
 * fcntl() - interposed fcntl(2)
 * @fd:		fd
 * @cmd:	command
 *
 * Return: as fcntl(2)
 */
int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return ps_fcntl(REAL(fcntl), fd, cmd, arg);
}

/**
 * fcntl64() - interposed fcntl64 (what _FILE_OFFSET_BITS=64 programs call)
 * @fd:		fd
 * @cmd:	command
 *
 * Return: as fcntl(2)
 */
int fcntl64(int fd, int cmd, ...);
int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return ps_fcntl(REAL(fcntl64), fd, cmd, arg);
}

/**
 * ps_fionread() - FIONREAD: bytes queued (TCP), or the size of the next
 * datagram (UDP), as Linux reports them
 * @ps:	socket
 *
 * Return: bytes
 */
static int ps_fionread(struct ps_sock *ps)
{
	char c;
	ssize_t n;

	if (ps->type == SOCK_STREAM)
		return (int)aec_rx_available(ps->aec);
	if (!aec_rx_available(ps->aec))
		return 0;
	n = aec_recvfrom(ps->aec, &c, 1, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT,
			 NULL, 0);
	return n > 0 ? (int)n : 0;
}

/**
 * ps_queue_ioctl() - FIONREAD (SIOCINQ), SIOCOUTQ as Linux's tcp_ioctl() and
 * udp_ioctl() answer them; SIOCOUTQNSD on a listener
 * @ps:		socket
 * @req:	request
 * @arg:	int result
 *
 * A TCP listener has no queues: EINVAL for all three. Elsewhere
 * SIOCOUTQNSD (bytes not yet sent) is not known here (the send ring holds
 * sent and unsent bytes alike): it fails as the backing fd's (ENOTTY).
 *
 * Return: 0 or -1 with errno
 */
static int ps_queue_ioctl(struct ps_sock *ps, unsigned long req, void *arg)
{
	if (ps->type == SOCK_STREAM && atomic_load(&ps->listening))
		return ps_fail(EINVAL);
	if (req == SIOCOUTQNSD)
		return ps_fail(ENOTTY);
	if (!arg)
		return ps_fail(EFAULT);
	*(int *)arg = req == FIONREAD ? ps_fionread(ps) :
		      (int)aec_tx_queued(ps->aec);
	return 0;
}

/**
 * ioctl() - interposed ioctl(2): FIONREAD, FIONBIO, SIOCOUTQ(NSD) on Aether
 * sockets; everything else to the kernel
 * @fd:		fd
 * @req:	request
 *
 * Return: as ioctl(2)
 */
int ioctl(int fd, unsigned long req, ...)
{
	PS_HOLD(ps, fd);
	va_list ap;
	void *arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!ps)
		return REAL(ioctl)(fd, req, arg);
	switch (req) {
	case FIONREAD:	/* SIOCINQ */
	case SIOCOUTQ:
	case SIOCOUTQNSD:
		return ps_queue_ioctl(ps, req, arg);
	case FIONBIO:
		r = REAL(ioctl)(fd, req, arg);
		if (r == 0)
			atomic_store(&ps->nonblock, !!*(int *)arg);
		return r;
	}
	return REAL(ioctl)(fd, req, arg);
}
