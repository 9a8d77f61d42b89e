/* SPDX-License-Identifier: MIT */
/**
 * DOC: shim.h - libaether.so internals: real libc entry points, the per-process
 * fd table, address mapping, readiness and blocking helpers
 *
 * Theory of operation. Every Aether socket is backed by a real kernel fd (an
 * AF_UNIX SOCK_SEQPACKET connection to aetherd, see client/client.h), and the fd
 * number the program holds IS that backing fd. So dup/fork/exec/close-on-exec
 * are the kernel's; the shim only has to remember, per fd number, which
 * struct ps_sock (one per open file description, refcounted across dup) the fd
 * designates. A lookup in that table is the only cost a non-Aether fd pays.
 *
 * Data and state live in shared memory that client/shm_map.c maps; readiness is
 * read from it (aec_poll_state()), and a program that must sleep arms the
 * want-notify flags, re-checks, and sleeps in the kernel on the backing fd,
 * which aetherd makes readable with a NOTIFY message. Nothing spins.
 *
 * Only client/client.h is used to talk to the daemon; the message layout is not
 * known here.
 */
#ifndef AE_SHIM_H
#define AE_SHIM_H

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <time.h>

struct aec_sock;
struct msghdr;
struct mmsghdr;

/**
 * struct ps_real - the next definitions (libc's) of everything interposed
 */
struct ps_real {
	int (*socket)(int, int, int);
	int (*socketpair)(int, int, int, int *);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int,
			  const struct sockaddr *, socklen_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *,
			    socklen_t *);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int,
			struct timespec *);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*sendfile64)(int, int, off_t *, size_t);
	int (*shutdown)(int, int);
	int (*close)(int);
	int (*fcntl)(int, int, ...);
	int (*fcntl64)(int, int, ...);
	int (*ioctl)(int, unsigned long, ...);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *,
		     const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *,
		       const struct timespec *, const sigset_t *);
	int (*epoll_create)(int);
	int (*epoll_create1)(int);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int,
			   const sigset_t *);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	pid_t (*fork)(void);
	int (*posix_spawn)(pid_t *, const char *,
			   const posix_spawn_file_actions_t *,
			   const posix_spawnattr_t *, char *const[],
			   char *const[]);
	int (*posix_spawnp)(pid_t *, const char *,
			    const posix_spawn_file_actions_t *,
			    const posix_spawnattr_t *, char *const[],
			    char *const[]);
	int (*system)(const char *);
	FILE *(*popen)(const char *, const char *);
	int (*close_range)(unsigned int, unsigned int, int);
	void (*closefrom)(int);
	int (*execve)(const char *, char *const[], char *const[]);
	int (*execvp)(const char *, char *const[]);
	int (*execvpe)(const char *, char *const[], char *const[]);
	ssize_t (*pread)(int, void *, size_t, off_t);
	ssize_t (*splice)(int, loff_t *, int, loff_t *, size_t, unsigned int);
	ssize_t (*tee)(int, int, size_t, unsigned int);
	ssize_t (*pwrite)(int, const void *, size_t, off_t);
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
};

extern struct ps_real ps_real;

void ps_init(void);

/* Make sure ps_real is filled, then name one of its members. */
#define REAL(fn) (ps_init(), ps_real.fn)

/*
 * The IPv4 address that stands for ::1 inside Aether (an IPv4 stack):
 * 127.255.255.254. Keeping it apart from 127.0.0.1 lets a dual-stack
 * listener tell a ::1 client from a 127.0.0.1 one, as Linux does.
 */
#define PS_LOOP6_V4	htonl(0x7ffffffeU)

/**
 * struct ps_sock - one Aether open file description, shared by dup'd fds
 * @aec:	the IPC client socket (its backing fd is one of our fds)
 * @refs:	fd table entries pointing here
 * @domain:	AF_INET or AF_INET6 as the program asked
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @nonblock:	O_NONBLOCK as the program set it
 * @v6only:	IPV6_V6ONLY (AF_INET6 only; the daemon keeps it too, for its
 *		bind-conflict rules)
 * @v6any:	bound to [::] with IPV6_V6ONLY: the stack holds the ::1
 *		stand-in (PS_LOOP6_V4), the program is told [::]
 * @connecting:	a non-blocking connect returned EINPROGRESS and no later
 *		connect() has seen it finish yet
 * @listening:	listen() succeeded
 * @rcvtimeo_ms: SO_RCVTIMEO, -1 for none
 * @sndtimeo_ms: SO_SNDTIMEO, -1 for none
 * @rd_epoch:	bumped whenever a read found the socket drained (EPOLLET edges)
 * @wr_epoch:	bumped whenever a write found the socket full
 * @rx_cmsg:	PS_RX_* bits: control messages a UDP receive returns
 * @down_told:	the daemon is gone and a call on this listener or UDP socket
 *		has returned ENETDOWN for it (see ps_state()), or a read on
 *		this connection has returned ECONNRESET (later reads: EOF)
 * @rc:		what re-creates it after a restart of aetherd (reconnect.c)
 * @rc_never:	a TCP connection (accepted, or connect() called): never
 *		re-created, so its options are not noted
 * @own_fd:	a private dup of the backing fd, made when the program closed
 *		its last fd of the socket while another thread was using it
 *		(fdops.c); the client talks on it; closed with the last
 *		reference. -1 when none
 * @fd_lock:	serialises choosing the fd the client talks on (fdops.c)
 * @pollers_in:	threads of this process asleep on the backing fd for POLLIN
 *		in poll/select or a timed wait (epoll sleepers are found
 *		through their records), see ps_drain()
 * @pollers_out: the same for POLLOUT
 * @rearm_ms:	when ps_drain() last re-armed a direction nobody here waits on
 * @local_us:	when ps_drain() last re-armed one for a thread here (us)
 * @opt_unkept:	an option was set that ps_rc_replay_kernel() cannot replay
 *		(so the socket cannot move to the kernel, kloop.c)
 */
struct ps_sock {
	struct aec_sock *aec;
	atomic_int refs;
	int domain;
	int type;
	atomic_int nonblock;
	int v6only;
	int v6any;
	atomic_int connecting;
	atomic_int listening;
	int rcvtimeo_ms;
	int sndtimeo_ms;
	atomic_uint rd_epoch;
	atomic_uint wr_epoch;
	atomic_int down_told;
	struct ps_rc *rc;
	atomic_bool rc_never;
	int own_fd;
	pthread_mutex_t fd_lock;
	atomic_uint rx_cmsg;
	atomic_int pollers_in;
	atomic_int pollers_out;
	_Atomic int64_t rearm_ms;
	_Atomic int64_t local_us;
	atomic_bool opt_unkept;
	unsigned int gen;
	atomic_int ep_regs;
};

/* struct ps_sock's @rx_cmsg: receive options set (cmsg.c) */
enum ps_rx_cmsg {
	PS_RX_TTL	= 1 << 0,	/* IP_RECVTTL */
	PS_RX_TOS	= 1 << 1,	/* IP_RECVTOS */
	PS_RX_HOPLIMIT6	= 1 << 2,	/* IPV6_RECVHOPLIMIT */
	PS_RX_TCLASS6	= 1 << 3,	/* IPV6_RECVTCLASS */
};

/* fdtable.c */
struct ps_sock *ps_get(int fd);
struct ps_sock *ps_hold(int fd);
void ps_release(struct ps_sock **ps);
struct ps_sock *ps_own_get(int fd);
void ps_own_set(int fd, struct ps_sock *ps);
void ps_closing_set(int fd, struct ps_sock *ps);

/*
 * PS_HOLD(var, fd): struct ps_sock *var = ps_hold(fd), put back
 * automatically when var goes out of scope. ps_get() is for identity tests
 * only: its pointer may be freed by another thread at any time.
 */
#define PS_HOLD(var, fd) \
	struct ps_sock *var __attribute__((cleanup(ps_release))) = ps_hold(fd)

void ps_install(int fd, struct ps_sock *ps);
struct ps_sock *ps_forget(int fd);
struct ps_sock *ps_swap(int fd, struct ps_sock *ps);
bool ps_forget_if(int fd, struct ps_sock *ps);
int ps_find_other(struct ps_sock *ps, int not_fd);
void ps_put(struct ps_sock *ps);
struct ps_sock *ps_new(struct aec_sock *aec, int domain, int type);
int ps_next_fd(struct ps_sock *ps, int from);
void *ps_ep_get(int fd);
void ps_ep_set(int fd, void *ep);
void ps_atfork_install(void);
void ps_sock_atfork_child(struct ps_sock *ps);

/* fdops.c */
void ps_fd_settle(void);
void ps_fd_atfork_prepare(void);
void ps_fd_atfork_parent(void);
void ps_fd_atfork_child(void);

/* log.c */
extern int ps_debug;
void ps_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ps_warn_once(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ps_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ps_fail(int err);

/* addr.c */
int ps_bind_addr(struct ps_sock *ps, struct sockaddr_in *a,
		 const struct sockaddr *sa);
int ps_loop6_bind(struct ps_sock *ps, const struct sockaddr_in *to);
int ps_addr_from_app(const struct ps_sock *ps, const struct sockaddr *sa,
		     socklen_t len, struct sockaddr_in *out, bool for_bind);
void ps_addr_to_app(const struct ps_sock *ps, const struct sockaddr_in *in,
		    struct sockaddr *sa, socklen_t *len);

/* wait.c */
uint32_t ps_state(struct ps_sock *ps);
uint32_t ps_arm(struct ps_sock *ps, uint32_t events);
uint32_t ps_arm_next(struct ps_sock *ps, uint32_t events);
uint32_t ps_dirs(uint32_t events);
bool ps_dead(const struct ps_sock *ps);
bool ps_down_take(struct ps_sock *ps);
bool ps_inert(struct ps_sock *ps);
int ps_wait_fd(struct ps_sock *ps, int fd, short events, int timeout_ms);
int ps_wait_total(struct ps_sock *ps, int fd, short events, int timeout_ms,
		  struct timespec *dl);
void ps_pollers(struct ps_sock *ps, uint32_t events, int delta);
void ps_drain(struct ps_sock *ps, uint32_t mine, bool counted, void *ep);
void ps_mark_shared(void);
bool ps_is_shared(void);
unsigned int ps_gen_now(void);
void ps_gen_bump(void);
bool ps_private(const struct ps_sock *ps);
int ps_dead_slice(int left);
int ps_ms_left(const struct timespec *deadline);
void ps_deadline(struct timespec *deadline, int timeout_ms);

/* cmsg.c */
struct aec_dginfo;
unsigned int ps_cmsg_want_bit(int level, int name);
int ps_cmsg_setopt(struct ps_sock *ps, unsigned int bit, bool v6,
		   const void *val, socklen_t len);
void ps_cmsg_recv(struct ps_sock *ps, struct msghdr *msg,
		  const struct sockaddr_in *from, const struct aec_dginfo *dg);
int ps_cmsg_send(struct ps_sock *ps, const struct msghdr *msg,
		 const struct sockaddr_in *to, struct aec_dginfo *dg);

/* poll.c */
int ps_poll(struct pollfd *fds, nfds_t n, int timeout_ms,
	    const sigset_t *mask);

/* epoll.c */
uint32_t ps_epoll_sleepers(struct ps_sock *ps, void *self);
void ps_epoll_forget_fd(int fd, struct ps_sock *ps, bool last);
void ps_epoll_close(int epfd);
void ps_epoll_swap_fd(int fd, bool after);
/**
 * struct ps_ep_reg - one epoll registration of an fd, as the program made it
 * @epfd:	the epoll fd
 * @ev:		the program's events and data
 */
struct ps_ep_reg {
	int epfd;
	struct epoll_event ev;
};
int ps_epoll_regs(int fd, struct ps_ep_reg *out, int max);

/* kloop.c */
#define PS_KLOOP_NONE	(-2)	/* ps_kloop_connect(): the socket stays */
bool ps_kloop_candidate(int fd, struct ps_sock *ps,
			const struct sockaddr_in *to);
int ps_kloop_connect(int fd, struct ps_sock *ps, const struct sockaddr *sa,
		     socklen_t len);

/* reconnect.c */
struct ps_rc;
bool ps_rc_on(void);
bool ps_rc_note_opt(struct ps_sock *ps, int level, int name, const void *val,
		    socklen_t len);
void ps_rc_replay_kernel(struct ps_sock *ps, int kfd);
void ps_rc_note_bound(struct ps_sock *ps, int backlog);
void ps_rc_note_peer(struct ps_sock *ps, const struct sockaddr_in *peer);
void ps_rc_forget(struct ps_sock *ps);
void ps_rc_atfork_child(void);
int ps_rc_watch_fd(void);
bool ps_rc_alone(void);
bool ps_rc_try(void);
void ps_epoll_atfork_prepare(void);
void ps_epoll_atfork_parent(void);
void ps_epoll_atfork_child(void);


#endif /* AE_SHIM_H */
