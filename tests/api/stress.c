// SPDX-License-Identifier: MIT
/**
 * DOC: stress.c - descriptors shared between threads, closed under blocked
 * calls: the shim must never crash, hang or leak
 *
 *   stress close-blocked PORT   one thread blocked in recv() on a TCP socket,
 *                               another close()s it: on Linux the blocked call
 *                               keeps the open file description and returns
 *                               the data that arrives next; then the
 *                               connection ends (the peer reads EOF)
 *   stress random PORT SECONDS  8 threads doing random socket operations
 *                               (socket/connect, accept, close, dup, dup2
 *                               and dup3 over sockets others use, recv and
 *                               send with timeouts, poll, epoll, shutdown,
 *                               ioctl, getsockopt, fork) on 16 shared
 *                               descriptor slots for SECONDS; then all is
 *                               closed and the count of open fds must be
 *                               what it was before
 *
 * Both talk to themselves over 127.0.0.1:PORT, so they run unchanged on the
 * kernel (a namespace with lo up) and on Aether (LD_PRELOAD, the stack's
 * loopback). Observations are printed as "name: value" lines; the exit
 * status is 0 only when every check held.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSLOTS		16
#define NTHREADS	8

static _Atomic int slots[NSLOTS];
static atomic_bool stop;
static atomic_long nops;
static int port;

/**
 * msleep() - sleep milliseconds
 * @ms:	milliseconds
 */
static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/**
 * open_fds() - how many fds this process has open
 *
 * Return: the count (the directory's own fd excluded)
 */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

/**
 * set_timeouts() - SO_RCVTIMEO and SO_SNDTIMEO of @ms on @fd
 * @fd:	socket
 * @ms:	milliseconds
 */
static void set_timeouts(int fd, int ms)
{
	struct timeval tv = { 0, ms * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/**
 * loop_addr() - 127.0.0.1:port
 *
 * Return: the address
 */
static struct sockaddr_in loop_addr(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/**
 * listen_loop() - a listener on 127.0.0.1:port
 *
 * Return: fd or -1
 */
static int listen_loop(void)
{
	struct sockaddr_in a = loop_addr();
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (void *)&a, sizeof(a)) || listen(fd, 128)) {
		perror("listen");
		return -1;
	}
	return fd;
}

/**
 * connect_loop() - a connection to the listener
 *
 * Return: fd or -1
 */
static int connect_loop(void)
{
	struct sockaddr_in a = loop_addr();
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	set_timeouts(fd, 50);
	if (connect(fd, (void *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- close-blocked ------------------------------------------------------ */

/**
 * struct blocked - the recv() that another thread's close() must not break
 * @fd:		socket
 * @n:		what recv() returned
 * @err:	its errno
 * @buf:	the bytes
 */
struct blocked {
	int fd;
	ssize_t n;
	int err;
	char buf[16];
};

/**
 * blocked_recv() - thread: one blocking recv()
 * @arg:	struct blocked
 *
 * Return: NULL
 */
static void *blocked_recv(void *arg)
{
	struct blocked *b = arg;

	b->n = recv(b->fd, b->buf, sizeof(b->buf) - 1, 0);
	b->err = errno;
	return NULL;
}

/**
 * close_blocked() - "close-blocked": close under a blocked recv()
 *
 * Return: 0 when every check held
 */
static int close_blocked(void)
{
	struct blocked b = { .n = -2 };
	int l = listen_loop(), s, ok = 1;
	struct timeval tv = { 3, 0 };
	pthread_t t;
	char c;

	if (l < 0)
		return 1;
	b.fd = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in a = loop_addr();

		if (connect(b.fd, (void *)&a, sizeof(a)) < 0)
			return 1;
	}
	s = accept(l, NULL, NULL);
	pthread_create(&t, NULL, blocked_recv, &b);
	msleep(200);			/* the reader is asleep in recv() */
	printf("close: %d\n", close(b.fd));
	msleep(200);
	printf("still blocked: %d\n", b.n == -2);
	ok &= b.n == -2;
	printf("write: %zd\n", write(s, "data", 4));
	pthread_join(t, NULL);
	printf("recv: %zd '%s' %s\n", b.n, b.n > 0 ? b.buf : "",
	       b.n < 0 ? strerror(b.err) : "ok");
	ok &= b.n == 4 && !memcmp(b.buf, "data", 4);
	/* the last reference went with the recv: the peer sees the end */
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	printf("peer read: %zd\n", read(s, &c, 1));
	close(s);
	close(l);
	return !ok;
}

/* ---- random ------------------------------------------------------------- */

/*
 * The program itself must not use a number after closing it (on any stack
 * that reads whatever file the number names next): a slot's fd is used
 * under the slot's read lock and replaced (closed) under its write lock.
 * What races is what Linux allows: dup2() over an fd other threads are
 * blocked on (a kernel placeholder replaces the socket, the calls inside
 * keep it), dup/dup3/fork/epoll/shutdown beside blocked calls.
 */
static pthread_rwlock_t locks[NSLOTS];
static int placeholder;		/* a kernel socket dup2()ed over slots */

/**
 * slot_put() - store @fd in slot @i, closing what was there
 * @i:	slot
 * @fd:	fd, or -1 to just empty it
 */
static void slot_put(int i, int fd)
{
	int old;

	pthread_rwlock_wrlock(&locks[i]);
	old = atomic_exchange(&slots[i], fd);
	if (old >= 0)
		close(old);
	pthread_rwlock_unlock(&locks[i]);
}

/**
 * acceptor() - thread: accept connections into random slots
 * @arg:	the listener
 *
 * Return: NULL
 */
static void *acceptor(void *arg)
{
	int l = (int)(long)arg, c;
	unsigned int seed = 7;

	while (!atomic_load(&stop)) {
		c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;	/* SO_RCVTIMEO on the listener */
		set_timeouts(c, 50);
		slot_put(rand_r(&seed) % NSLOTS, c);
	}
	return NULL;
}

/**
 * io_op() - a data or readiness call on @fd
 * @fd:		socket
 * @what:	which
 * @seed:	random state
 */
static void io_op(int fd, int what, unsigned int *seed)
{
	char buf[4096];
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	socklen_t len = sizeof(int);
	int v, ep;

	memset(buf, 'x', sizeof(buf));
	switch (what) {
	case 0:
		(void)!recv(fd, buf, sizeof(buf), 0);
		break;
	case 1:
		(void)!send(fd, buf, rand_r(seed) % sizeof(buf),
			    MSG_NOSIGNAL | (rand_r(seed) % 2 ? MSG_DONTWAIT : 0));
		break;
	case 2:
		poll(&p, 1, 10);
		break;
	case 3:
		ep = epoll_create1(EPOLL_CLOEXEC);
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0)
			epoll_wait(ep, &ev, 1, 10);
		close(ep);
		break;
	case 4:
		shutdown(fd, rand_r(seed) % 3);
		break;
	default:
		ioctl(fd, FIONREAD, &v);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len);
		break;
	}
}

/**
 * fork_op() - fork; the child uses and closes its copies, then exits
 * @fd:		a slot's fd (read-locked by the caller)
 */
static void fork_op(int fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		(void)!send(fd, "c", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/**
 * one_op() - one random operation on the shared slots
 * @seed:	the thread's random state
 */
static void one_op(unsigned int *seed)
{
	int i = rand_r(seed) % NSLOTS, j = rand_r(seed) % NSLOTS;
	int what = rand_r(seed) % 16, fd, fd2;

	if (what < 2) {
		slot_put(i, connect_loop());
		atomic_fetch_add(&nops, 1);
		return;
	}
	if (what == 2) {
		slot_put(i, -1);
		atomic_fetch_add(&nops, 1);
		return;
	}
	pthread_rwlock_rdlock(&locks[i]);
	fd = atomic_load(&slots[i]);
	if (fd < 0) {
		pthread_rwlock_unlock(&locks[i]);
		return;
	}
	switch (what) {
	case 3:		/* the socket goes while others may be inside calls */
		dup2(placeholder, fd);
		break;
	case 4:
	case 5:		/* over another slot's socket, if free to read-lock */
		if (i != j && pthread_rwlock_tryrdlock(&locks[j]) == 0) {
			fd2 = atomic_load(&slots[j]);
			if (fd2 >= 0 && what == 4)
				dup2(fd, fd2);
			else if (fd2 >= 0)
				(void)!dup3(fd, fd2, O_CLOEXEC);
			pthread_rwlock_unlock(&locks[j]);
		}
		break;
	case 6:
		fd2 = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		pthread_rwlock_unlock(&locks[i]);
		if (i != j)
			slot_put(j, fd2);
		else if (fd2 >= 0)
			close(fd2);
		atomic_fetch_add(&nops, 1);
		return;
	case 7:
		if (rand_r(seed) % 8 == 0)
			fork_op(fd);
		break;
	default:
		io_op(fd, what - 8, seed);
		break;
	}
	pthread_rwlock_unlock(&locks[i]);
	atomic_fetch_add(&nops, 1);
}

/**
 * worker() - thread: random operations until told to stop
 * @arg:	seed
 *
 * Return: NULL
 */
static void *worker(void *arg)
{
	unsigned int seed = (unsigned int)(long)arg;

	while (!atomic_load(&stop))
		one_op(&seed);
	return NULL;
}

/**
 * random_ops() - "random": the stress run
 * @secs:	how long
 *
 * Return: 0 when no descriptor leaked
 */
static int random_ops(int secs)
{
	pthread_t t[NTHREADS], a;
	int i, l, before, after = -1, tries;
	struct timeval tv = { 0, 50000 };

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NSLOTS; i++)
		atomic_store(&slots[i], -1);
	for (i = 0; i < NSLOTS; i++)
		pthread_rwlock_init(&locks[i], NULL);
	before = open_fds();
	placeholder = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	set_timeouts(placeholder, 50);	/* calls on it must end too */
	l = listen_loop();
	if (l < 0)
		return 1;
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	pthread_create(&a, NULL, acceptor, (void *)(long)l);
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(long)(i + 1));
	sleep(secs);
	atomic_store(&stop, true);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	pthread_join(a, NULL);
	for (i = 0; i < NSLOTS; i++)
		slot_put(i, -1);
	close(l);
	close(placeholder);
	for (tries = 0; tries < 20 && after != before; tries++) {
		msleep(50);
		after = open_fds();
	}
	printf("ops: %s\n", atomic_load(&nops) > 1000 ? ">1000" : "few");
	fprintf(stderr, "ops done: %ld\n", atomic_load(&nops));
	printf("fds before %d after %d\n", before, after);
	return after != before || atomic_load(&nops) <= 1000;
}

/**
 * main() - see the DOC
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0 when every check held, 1 otherwise, 2 on bad usage
 */
int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "close-blocked")) {
		port = atoi(argv[2]);
		return close_blocked();
	}
	if (argc == 4 && !strcmp(argv[1], "random")) {
		port = atoi(argv[2]);
		return random_ops(atoi(argv[3]));
	}
	fprintf(stderr, "usage: stress close-blocked PORT | random PORT SECONDS\n");
	return 2;
}
