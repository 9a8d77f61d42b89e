// SPDX-License-Identifier: MIT
/**
 * DOC: reconnect.c - listeners and bound UDP sockets outlive a restart of aetherd
 *
 * Theory of operation. When aetherd goes away every backing fd hangs up and
 * the shim marks the socket dead (wait.c, ps_mask()): connections report a
 * reset, listeners and UDP sockets one ENETDOWN and then nothing. This file
 * brings the second kind back when a daemon serves the socket path again:
 *
 *  - What is kept. At listen() (TCP) or bind() (UDP) the socket's bound
 *    address (getsockname, so a port 0 bind keeps the port it got) and its
 *    backlog are noted, with every socket option the program set (replayed
 *    in order) and a UDP socket's connected peer. Nothing is noted for
 *    connected TCP sockets: their state lived in the daemon and is gone.
 *
 *  - How a sleeping program learns that a daemon is back. One inotify watch
 *    per process on the socket path's directory (IN_CREATE, IN_MOVED_TO),
 *    made the first time a dead socket is slept on. aetherd publishes its
 *    socket by rename() after listen() (session.c), so IN_MOVED_TO means
 *    "connectable now"; the bind-then-listen window of a plain bind() would
 *    otherwise give ECONNREFUSED to a watcher woken by IN_CREATE. Sleepers
 *    of dead sockets sleep on that inotify fd instead of nothing: a blocked
 *    accept() (ps_wait_fd()), poll/select (in place of the hung-up backing
 *    fd) and epoll_wait() (registered once in the set with its own tag). So
 *    the wake-up is an event, with no timer and no retry loop while no
 *    daemon is there. A watcher that cannot be made (the directory does not
 *    exist) leaves the process as with AETHER_RECONNECT=off.
 *
 *  - Re-creation (ps_rc_try(), one at a time under rc_lock). A dead socket
 *    is tried once after its death was seen (the daemon may be back
 *    already), then each time the watcher reports a file appearing; a try
 *    that fails with ENETDOWN means no daemon yet, and the other sockets
 *    wait for the next report. While no daemon is there a wake-up costs one
 *    non-blocking read of the watcher, no connect(). Waits on a dead
 *    socket are still cut into the shim's usual slices (wait.c, poll.c,
 *    epoll.c), because another thread of the process may read the
 *    watcher's event first. Each dead socket with a note gets a new
 *    backing fd: options replayed, SO_REUSEPORT set, bound to the same
 *    address, listen() with the same backlog (UDP: connected again). The new
 *    backing fd is dup3()'d over every fd number that designated the socket
 *    in this process, keeping FD_CLOEXEC, and with the old O_NONBLOCK; then
 *    the struct ps_sock points at the new client socket. epoll sets hold the
 *    old open file description: the shim's registration of each such fd is
 *    removed from the kernel set before dup3 (else the still-open old
 *    description, held by other processes, would report EPOLLHUP forever)
 *    and added again after it (ps_epoll_swap_fd()).
 *
 *  - Processes sharing a listener (nginx's workers after fork) each
 *    re-create their own when they next wait on it; a process that never
 *    waits on it (nginx's master) does not. SO_REUSEPORT is what lets them
 *    bind the same port side by side; each then has its own accept queue.
 *
 * The old client socket is not freed at once (another thread may be reading
 * its frozen state): it is kept until the next re-creation pass.
 * AETHER_RECONNECT=off turns all of this off.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/time.h>

#include "client.h"
#include "shim.h"

#define PS_RC_OPTS	16
#define PS_RC_OPTLEN	16
#define PS_RC_FDS	64

/**
 * struct ps_rc_opt - one socket option the program set
 * @level:	level
 * @name:	option
 * @len:	value length
 * @val:	value
 */
struct ps_rc_opt {
	int level, name;
	socklen_t len;
	unsigned char val[PS_RC_OPTLEN];
};

/**
 * struct ps_rc - what re-creates one listener or UDP socket
 * @next:	all notes of the process (rc_lock)
 * @ps:		the socket
 * @addr:	bound address, as given to aec_bind()
 * @peer:	UDP: connected peer
 * @bound:	@addr is valid
 * @connected:	@peer is valid
 * @listening:	TCP listener
 * @failed:	a re-creation failed for good (port taken): not tried again
 * @tried:	tried since the socket died and the watcher last fired
 * @backlog:	listen() backlog
 * @nopt:	options in @opt
 * @opt:	options, in the order set (a repeat replaces the earlier value)
 */
struct ps_rc {
	struct ps_rc *next;
	struct ps_sock *ps;
	struct sockaddr_in addr, peer;
	bool bound, connected, listening, failed, tried;
	int backlog;
	int nopt;
	struct ps_rc_opt opt[PS_RC_OPTS];
};

/**
 * struct ps_rc_old - a replaced client socket, freed one pass later
 * @next:	list
 * @aec:	the client socket
 */
struct ps_rc_old {
	struct ps_rc_old *next;
	struct aec_sock *aec;
};

static pthread_mutex_t rc_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ps_rc *rc_all;

/**
 * ps_rc_atfork_child() - fork done, in the child: locks another thread of
 * the parent held (a re-creation, the watcher) are fresh
 */
void ps_rc_atfork_child(void)
{
	pthread_mutex_init(&rc_lock, NULL);
	pthread_mutex_init(&watch_lock, NULL);
}
static struct ps_rc_old *rc_old;
static int rc_on = -1;		/* -1 not read yet */
static int watch_fd = -1;
static pid_t watch_pid;

/**
 * ps_rc_init() - read AETHER_RECONNECT and the socket path at load, before
 * the program can clear its environment
 */
__attribute__((constructor)) static void ps_rc_init(void)
{
	ps_rc_on();
	aec_socket_path();
}

/**
 * ps_rc_on() - is reconnection enabled (AETHER_RECONNECT is not "off")
 *
 * Return: true if so
 */
bool ps_rc_on(void)
{
	const char *v;

	if (rc_on < 0) {
		v = getenv("AETHER_RECONNECT");
		rc_on = !(v && (!strcmp(v, "off") || !strcmp(v, "0")));
	}
	return rc_on;
}

/**
 * rc_of() - the note of @ps, made on first use (rc_lock held)
 * @ps:	socket
 *
 * Return: the note, NULL when out of memory
 */
static struct ps_rc *rc_of(struct ps_sock *ps)
{
	struct ps_rc *rc = ps->rc;

	if (rc)
		return rc;
	rc = calloc(1, sizeof(*rc));
	if (!rc)
		return NULL;
	rc->ps = ps;
	rc->next = rc_all;
	rc_all = rc;
	ps->rc = rc;
	return rc;
}

/**
 * ps_rc_note_opt() - remember an option set on @ps, to replay it
 * @ps:		socket
 * @level:	level
 * @name:	option
 * @val:	value
 * @len:	its length
 *
 * Return: true when it is kept
 */
bool ps_rc_note_opt(struct ps_sock *ps, int level, int name, const void *val,
		    socklen_t len)
{
	bool kept = false;
	struct ps_rc *rc;
	int i;

	if (!ps_rc_on() || len > PS_RC_OPTLEN || atomic_load(&ps->rc_never))
		return false;
	pthread_mutex_lock(&rc_lock);
	rc = rc_of(ps);
	if (!rc)
		goto out;
	for (i = 0; i < rc->nopt; i++)
		if (rc->opt[i].level == level && rc->opt[i].name == name)
			break;
	if (i == PS_RC_OPTS) {
		ps_log("reconnect: too many options on one socket, %d not kept",
		       name);
		goto out;
	}
	rc->opt[i].level = level;
	rc->opt[i].name = name;
	rc->opt[i].len = len;
	memcpy(rc->opt[i].val, val, len);
	if (i == rc->nopt)
		rc->nopt++;
	kept = true;
out:
	pthread_mutex_unlock(&rc_lock);
	return kept;
}

/**
 * ps_rc_replay_kernel() - set on kernel socket @kfd the options the program
 * set on @ps (kloop.c): the kept ones in order, the timeouts, IPV6_V6ONLY
 * @ps:		socket
 * @kfd:	kernel socket of the same family and type
 */
void ps_rc_replay_kernel(struct ps_sock *ps, int kfd)
{
	struct timeval tv;
	int i, ms;

	pthread_mutex_lock(&rc_lock);
	for (i = 0; ps->rc && i < ps->rc->nopt; i++)
		REAL(setsockopt)(kfd, ps->rc->opt[i].level, ps->rc->opt[i].name,
				 ps->rc->opt[i].val, ps->rc->opt[i].len);
	pthread_mutex_unlock(&rc_lock);
	if (ps->domain == AF_INET6)
		REAL(setsockopt)(kfd, IPPROTO_IPV6, IPV6_V6ONLY, &ps->v6only,
				 sizeof(ps->v6only));
	for (i = 0; i < 2; i++) {
		ms = i ? ps->sndtimeo_ms : ps->rcvtimeo_ms;
		if (ms < 0)
			continue;
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		REAL(setsockopt)(kfd, SOL_SOCKET, i ? SO_SNDTIMEO : SO_RCVTIMEO,
				 &tv, sizeof(tv));
	}
}

/**
 * ps_rc_note_bound() - @ps is now a listener (@backlog >= 0) or a bound UDP
 * socket (@backlog < 0): remember its address
 * @ps:		socket
 * @backlog:	listen() backlog, <0 for a UDP bind
 */
void ps_rc_note_bound(struct ps_sock *ps, int backlog)
{
	struct sockaddr_in a = { 0 };
	struct ps_rc *rc;

	if (!ps_rc_on() || aec_getsockname(ps->aec, &a) < 0 || !a.sin_port)
		return;
	pthread_mutex_lock(&rc_lock);
	rc = rc_of(ps);
	if (rc) {
		rc->addr = a;
		rc->bound = true;
		rc->listening = backlog >= 0;
		rc->backlog = backlog;
	}
	pthread_mutex_unlock(&rc_lock);
}

/**
 * ps_rc_note_peer() - a UDP socket @ps was connected to @peer (NULL: dissolved)
 * @ps:		socket
 * @peer:	peer
 */
void ps_rc_note_peer(struct ps_sock *ps, const struct sockaddr_in *peer)
{
	struct ps_rc *rc;

	if (!ps_rc_on() || ps->type != SOCK_DGRAM)
		return;
	pthread_mutex_lock(&rc_lock);
	rc = rc_of(ps);
	if (rc) {
		rc->connected = peer != NULL;
		if (peer)
			rc->peer = *peer;
	}
	pthread_mutex_unlock(&rc_lock);
}

/**
 * ps_rc_forget() - @ps is being freed: drop its note
 * @ps:	socket
 */
void ps_rc_forget(struct ps_sock *ps)
{
	struct ps_rc **pp;

	if (!ps->rc)
		return;
	pthread_mutex_lock(&rc_lock);
	for (pp = &rc_all; *pp; pp = &(*pp)->next) {
		if (*pp == ps->rc) {
			*pp = ps->rc->next;
			break;
		}
	}
	free(ps->rc);
	ps->rc = NULL;
	pthread_mutex_unlock(&rc_lock);
}

/**
 * watch_open() - a new inotify watch on the socket path's directory
 *
 * Return: the inotify fd, or -1
 */
static int watch_open(void)
{
	char dir[PATH_MAX];
	int fd;

	if (strlen(aec_socket_path()) >= sizeof(dir))
		return -1;
	strcpy(dir, aec_socket_path());
	fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return -1;
	if (inotify_add_watch(fd, dirname(dir), IN_CREATE | IN_MOVED_TO) < 0) {
		ps_log("reconnect: cannot watch %s: %d", dir, errno);
		REAL(close)(fd);
		return -1;
	}
	return fd;
}

/**
 * ps_rc_watch_fd() - the process's watcher, made on first use
 *
 * A child after fork() makes its own (an inherited inotify fd shares its
 * event queue with the parent, which would take the child's events).
 *
 * Return: an fd that becomes readable when a file appears beside the
 * daemon's socket, or -1 (reconnection off, or no watch possible)
 */
int ps_rc_watch_fd(void)
{
	pid_t me;
	int fd;

	if (!ps_rc_on())
		return -1;
	me = getpid();
	if (__atomic_load_n(&watch_pid, __ATOMIC_ACQUIRE) == me)
		return __atomic_load_n(&watch_fd, __ATOMIC_ACQUIRE);
	pthread_mutex_lock(&watch_lock);
	if (watch_pid != me) {
		if (watch_fd >= 0)
			REAL(close)(watch_fd);	/* the parent's */
		fd = watch_open();
		__atomic_store_n(&watch_fd, fd, __ATOMIC_RELEASE);
		__atomic_store_n(&watch_pid, me, __ATOMIC_RELEASE);
	}
	fd = watch_fd;
	pthread_mutex_unlock(&watch_lock);
	return fd;
}

/**
 * ps_rc_alone() - is this process single-threaded
 *
 * A thread asleep on the watcher can miss its event only to another thread
 * of the process (which then re-creates the sockets, this one's too); alone,
 * it may sleep without a bound. Read from /proc/self/stat (num_threads),
 * only when about to sleep on a dead socket.
 *
 * Return: true if this is the only thread (false if unknown)
 */
bool ps_rc_alone(void)
{
	char buf[1024], *p;
	ssize_t n;
	int fd, i;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = REAL(read)(fd, buf, sizeof(buf) - 1);
	REAL(close)(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the name may hold spaces */
	for (i = 0; p && i < 18; i++)	/* field 20 is 18 after ')' */
		p = strchr(p + 1, ' ');
	return p && atoi(p + 1) == 1;
}

/**
 * watch_drain() - read the watcher's events
 *
 * Return: true if there were any
 */
static bool watch_drain(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int fd = ps_rc_watch_fd();
	bool any = false;

	if (fd < 0)
		return false;
	while (REAL(read)(fd, buf, sizeof(buf)) > 0)
		any = true;
	return any;
}

/**
 * fds_of() - the fd numbers designating @ps in this process
 * @ps:		socket
 * @out:	result
 * @max:	room in @out
 *
 * Return: how many
 */
static int fds_of(struct ps_sock *ps, int *out, int max)
{
	int n = 0, fd = -1;

	while (n < max && (fd = ps_next_fd(ps, fd + 1)) >= 0)
		out[n++] = fd;
	return n;
}

/**
 * rc_build() - a new client socket set up as @rc says
 * @rc:		note
 * @nonblock:	O_NONBLOCK for the new backing fd
 * @out:	the socket
 *
 * Return: 0, or -errno (-ENETDOWN: no daemon)
 */
static int rc_build(struct ps_rc *rc, bool nonblock, struct aec_sock **out)
{
	struct aec_sock *na;
	int one = 1, err = 0, r = 0, i;

	na = aec_socket(rc->ps->type | SOCK_CLOEXEC |
			(nonblock ? SOCK_NONBLOCK : 0), &err);
	if (!na)
		return err == -ENOENT || err == -ECONNREFUSED ? -ENETDOWN :
		       err < 0 ? err : -EIO;
	for (i = 0; i < rc->nopt; i++)
		aec_setsockopt(na, rc->opt[i].level, rc->opt[i].name,
			       rc->opt[i].val, rc->opt[i].len);
	aec_setsockopt(na, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	r = aec_bind(na, &rc->addr);
	if (!r && rc->listening)
		r = aec_listen(na, rc->backlog);
	if (!r && rc->connected)
		r = aec_connect(na, &rc->peer, MSG_DONTWAIT, 0);
	if (r < 0) {
		aec_close_local(na, 1);
		return r;
	}
	*out = na;
	return 0;
}

/**
 * rc_swap() - put @na behind every fd of @rc's socket
 * @rc:		note
 * @na:		the new client socket (its own backing fd is closed here)
 * @fds:	the fd numbers, @n of them
 * @n:		how many
 */
static void rc_swap(struct ps_rc *rc, struct aec_sock *na, const int *fds,
		    int n)
{
	struct ps_sock *ps = rc->ps;
	struct ps_rc_old *old = malloc(sizeof(*old));
	int i, fdf;

	for (i = 0; i < n; i++) {
		fdf = REAL(fcntl)(fds[i], F_GETFD);
		ps_epoll_swap_fd(fds[i], false);
		if (REAL(dup3)(na->fd, fds[i],
			       fdf >= 0 && (fdf & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
			ps_log("reconnect: dup3 onto %d: %d", fds[i], errno);
		ps_epoll_swap_fd(fds[i], true);
	}
	REAL(close)(na->fd);
	na->fd = fds[0];
	na->user = ps;
	if (old) {
		old->aec = ps->aec;
		old->next = rc_old;
		rc_old = old;
	}
	__atomic_store_n(&ps->aec, na, __ATOMIC_RELEASE);
	atomic_store(&ps->down_told, 0);
	atomic_fetch_add(&ps->rd_epoch, 1);	/* a new edge for EPOLLET */
}

/**
 * rc_one() - re-create the socket of note @rc
 * @rc:	note of a dead socket (rc_lock held)
 *
 * Return: 1 re-created, 0 nothing done, -ENETDOWN no daemon yet
 */
static int rc_one(struct ps_rc *rc)
{
	struct aec_sock *na = NULL;
	int fds[PS_RC_FDS], n, fl, r;

	n = fds_of(rc->ps, fds, PS_RC_FDS);
	if (!n)
		return 0;
	fl = REAL(fcntl)(fds[0], F_GETFL);
	r = rc_build(rc, fl >= 0 && (fl & O_NONBLOCK), &na);
	if (r == -ENETDOWN)
		return r;
	if (r < 0) {
		rc->failed = true;	/* so: one line per socket */
		ps_warn("cannot re-create fd %d (port %u) after aetherd restarted: %s; it stays down",
			fds[0], ntohs(rc->addr.sin_port), strerror(-r));
		return 0;
	}
	rc_swap(rc, na, fds, n);
	rc->tried = false;
	ps_log("reconnect: fd %d re-created on port %u", fds[0],
	       ntohs(rc->addr.sin_port));
	return 1;
}

/**
 * rc_free() - free a list of replaced client sockets
 * @o:	list head
 */
static void rc_free(struct ps_rc_old *o)
{
	struct ps_rc_old *next;

	for (; o; o = next) {
		next = o->next;
		aec_close_local(o->aec, 0);
		free(o);
	}
}

/**
 * ps_rc_try() - re-create the dead listeners and bound UDP sockets of this
 * process, if a daemon serves the socket path again
 *
 * A dead socket is tried once after its death was seen, then again each
 * time the watcher reports a file appearing beside the socket path; so
 * while no daemon is there this costs one non-blocking read of the watcher
 * and a walk of the notes, no connect().
 *
 * Return: true if some socket was re-created (re-check readiness)
 */
bool ps_rc_try(void)
{
	struct ps_rc_old *prev;
	struct ps_rc *rc;
	bool any, down = false;
	int done = 0, r;

	if (!ps_rc_on())
		return false;
	any = watch_drain();
	pthread_mutex_lock(&rc_lock);
	prev = rc_old;
	rc_old = NULL;
	for (rc = rc_all; rc; rc = rc->next) {
		if (!rc->bound || rc->failed || !ps_dead(rc->ps))
			continue;
		if (rc->tried && !any)
			continue;
		rc->tried = true;
		if (down)
			continue;
		r = rc_one(rc);
		down = r == -ENETDOWN;
		done += r == 1;
	}
	if (done)
		rc_free(prev);	/* replaced a whole outage ago */
	else
		rc_old = prev;
	pthread_mutex_unlock(&rc_lock);
	return done > 0;
}
