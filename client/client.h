/* SPDX-License-Identifier: MIT */
/**
 * DOC: client.h - the client side of the aetherd protocol (aec_*)
 *
 * Used by the preload library (libaether.so), the aether tool and test
 * programs, so that none touches message layouts (see ipc/aether_ipc.h for
 * the protocol). How it works: client/conn.c; its parts: client_int.h.
 *
 * Conventions:
 *  - Every function returns >= 0 on success or a negative errno value (the
 *    one the kernel would give); errno is not touched. SIGPIPE is the
 *    caller's business: aec_send() returns -EPIPE and the caller raises it
 *    unless MSG_NOSIGNAL.
 *  - Addresses are IPv4 struct sockaddr_in, network byte order. The preload
 *    library maps AF_INET6 (v4-mapped, "::") onto them.
 *  - Blocking: a call blocks iff @flags lacks MSG_DONTWAIT and @timeout_ms
 *    is not 0; @timeout_ms < 0 waits forever (SO_RCVTIMEO/SNDTIMEO give a
 *    positive value). The caller decides from O_NONBLOCK. A timeout returns
 *    -EAGAIN; a signal returns -EINTR (the caller restarts for SA_RESTART).
 *    Blocking sleeps in poll() on the backing fd: never spins.
 *  - Daemon gone: requests return -ENETDOWN; a blocked read -ECONNRESET;
 *    a blocked write -EPIPE.
 *  - Thread-safe per socket: requests on one struct aec_sock are serialised
 *    by its mutex; data calls may run concurrently with requests.
 *  - The library never exits, never prints, never leaves an fd of its own
 *    in the process (memfds are mapped and closed at once).
 */
#ifndef AETHER_CLIENT_H
#define AETHER_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include "aether_ipc.h"

/**
 * struct aec_sock - one Aether socket in this process
 * @fd:		the backing fd (what the app sees as its socket fd)
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @lock:	serialises request/response on @fd
 * @seq:	last request sequence number
 * @shm:	current shared memory header (NULL until attached)
 * @shm_len:	its mapping length
 * @dead:	the daemon went away (POLLHUP/EOF on @fd)
 * @user:	free for the caller (the preload library's per-fd data)
 * @rlock:	serialises readers (the rx ring has one consumer)
 * @wlock:	serialises writers (the tx ring has one producer)
 * @old_shm:	mappings replaced by a move, unmapped at close (other threads
 *		may still be looking at them), @old_len their lengths
 * @nold:	how many
 * @shm_dev:	device and inode of @shm's memfd (the mapping cache's key)
 * @shm_ino:	see @shm_dev
 * @shm_off:	offset of @shm in that memfd (the daemon's arena of the uid)
 * @old_dev:	the same for @old_shm, @old_ino
 * @old_ino:	see @old_dev
 * @old_off:	see @old_dev
 * @shm_inc:	@shm's incarnation when it was mapped (aether_ipc.h)
 * @map_seq:	odd while @shm and @shm_inc change (a seqlock)
 * @tx_hi:	end of the tx storage this process wrote since it last
 *		gave pages back (data.c, tx_give_back()), for @mark_hdr
 * @mark_hdr:	the header page @tx_hi belongs to
 * @tx_last_ns:	CLOCK_MONOTONIC of the last send that found room
 * @fd_users:	doorbells using @fd outside @lock right now (aec_set_fd())
 * @alive:	lock word of the daemon's alive page (ready.c), NULL until
 *		the first blocking wait asks for it
 * @acq:	a listener's connections taken ahead in an ACCEPT batch,
 *		not yet accepted by the program (sock.c), NULL until the
 *		first batch brings more than one
 * @acq_n:	how many wait there (read without @acq's lock: readiness)
 *
 * Fields other than @fd, @type and @user are the library's.
 */
#define AEC_OLD_MAPS	4
struct aec_sock {
	int fd;
	int type;
	pthread_mutex_t lock;
	uint32_t seq;
	struct ae_shm_hdr *shm;
	size_t shm_len;
	int dead;
	void *user;
	pthread_mutex_t rlock, wlock;
	struct ae_shm_hdr *old_shm[AEC_OLD_MAPS];
	size_t old_len[AEC_OLD_MAPS];
	int nold;
	dev_t shm_dev;
	ino_t shm_ino;
	off_t shm_off;
	dev_t old_dev[AEC_OLD_MAPS];
	ino_t old_ino[AEC_OLD_MAPS];
	off_t old_off[AEC_OLD_MAPS];
	uint32_t shm_inc;
	uint32_t map_seq;
	uint32_t tx_hi;
	struct ae_shm_hdr *mark_hdr;
	int64_t tx_last_ns;
	int fd_users;
	const uint32_t *alive;
	struct aec_acq *acq;
	int acq_n;
};

/* Control path -------------------------------------------------------- */

/**
 * aec_socket_path() - the control socket path: $AETHER_SOCKET, else
 * $XDG_RUNTIME_DIR/aether/aetherd.sock, else /run/aether/aetherd.sock
 *
 * Return: the path, computed at the first call and kept
 */
const char *aec_socket_path(void);

/**
 * aec_explain() - "cannot reach aetherd at PATH: REASON; FIX" for an error
 * @err:	the -errno a call returned
 * @buf:	result
 * @len:	its size
 *
 * Return: @buf
 */
const char *aec_explain(int err, char *buf, size_t len);

/**
 * aec_socket() - create an Aether socket (a new backing fd)
 * @type:	SOCK_STREAM or SOCK_DGRAM, optionally | SOCK_NONBLOCK |
 *		SOCK_CLOEXEC (applied to the backing fd)
 * @err:	set to -errno on failure (-ENETDOWN: no daemon)
 *
 * Return: the socket, or NULL
 */
struct aec_sock *aec_socket(int type, int *err);

/**
 * aec_attach() - adopt an inherited or received backing fd (after exec, or
 * from SCM_RIGHTS): ask the daemon for the socket's memory
 * @fd:		the fd (kept; not duplicated)
 * @err:	set to -errno on failure (-ENOTSOCK: not a backing fd)
 *
 * Return: the socket, or NULL
 */
struct aec_sock *aec_attach(int fd, int *err);

/**
 * aec_is_backing_fd() - does @fd look like an Aether backing fd?
 * @fd:		any fd
 *
 * Cheap check without a request: AF_UNIX, SOCK_SEQPACKET, and its peer is
 * the daemon's pid (SO_PEERCRED). Safe on any fd (sends nothing).
 *
 * Return: 1 yes, 0 no
 */
int aec_is_backing_fd(int fd);

/**
 * aec_sig_note() - a signal handler of the program ran on this thread
 * (async-signal-safe; the preload's handler wrapper calls it)
 * @restart:	the handler has SA_RESTART
 *
 * A blocked call on this thread then ends with -EINTR (no SA_RESTART) or
 * goes on (SA_RESTART), as on Linux, even when the signal came just before
 * its sleep.
 */
void aec_sig_note(bool restart);

/**
 * aec_sig_clear() - a call begins on this thread: what handlers did before
 * does not concern it
 */
void aec_sig_clear(void);

/**
 * aec_enter_sandbox() - from now on the data path of established sockets
 * uses only read, write, ppoll, futex and clock_gettime (a seccomp filter
 * is being installed; see client/sandbox.c)
 */
void aec_enter_sandbox(void);

/**
 * aec_atfork_child() - make the socket's locks fresh in a child of fork()
 * (pthread_atfork child handler: other threads of the parent are gone)
 * @s:		socket
 */
void aec_atfork_child(struct aec_sock *s);

/**
 * aec_acq_return() - give a listener's connections taken ahead (an ACCEPT
 * batch) back to the daemon's queue now: before fork()
 * @s:		listener
 */
void aec_acq_return(struct aec_sock *s);
void aec_fork_prepare(void);
void aec_fork_parent(void);
void aec_fork_child(void);

/**
 * aec_set_fd() - move the socket to another backing fd (a dup of the
 * current one), which the caller may then close
 * @s:		socket
 * @fd:		the new fd
 */
void aec_set_fd(struct aec_sock *s, int fd);

/**
 * aec_close_local() - forget a socket in this process: unmap, free
 * @s:		socket, may be NULL
 * @close_fd:	also close(@s->fd) (the preload library may close it itself)
 *
 * The daemon learns of the close when the last copy of the fd closes.
 */
void aec_close_local(struct aec_sock *s, int close_fd);

int aec_bind(struct aec_sock *s, const struct sockaddr_in *addr);
int aec_listen(struct aec_sock *s, int backlog);

/**
 * aec_accept() - take a connection from a listener
 * @s:		listening socket
 * @out:	the new socket on success
 * @peer:	its remote address (may be NULL)
 * @flags:	SOCK_NONBLOCK | SOCK_CLOEXEC for the new backing fd (accept4)
 *		| MSG_DONTWAIT to not block
 * @timeout_ms:	see the DOC (-1: forever)
 *
 * Return: the new backing fd, or -errno (-EAGAIN: none ready)
 */
int aec_accept(struct aec_sock *s, struct aec_sock **out,
	       struct sockaddr_in *peer, int flags, int timeout_ms);

/**
 * aec_connect() - connect a TCP socket, or set a UDP socket's peer
 * @s:		socket
 * @addr:	destination
 * @flags:	MSG_DONTWAIT: return -EINPROGRESS instead of waiting
 * @timeout_ms:	see the DOC
 *
 * A second connect while in progress gives -EALREADY, after success
 * -EISCONN, like the kernel. After -EINPROGRESS, wait for POLLOUT and read
 * SO_ERROR with aec_getsockopt().
 *
 * Return: 0 or -errno
 */
int aec_connect(struct aec_sock *s, const struct sockaddr_in *addr, int flags,
		int timeout_ms);
int aec_connect_loop(struct aec_sock *s, const struct sockaddr_in *addr);

int aec_shutdown(struct aec_sock *s, int how);
int aec_getsockname(struct aec_sock *s, struct sockaddr_in *addr);
int aec_getpeername(struct aec_sock *s, struct sockaddr_in *addr);

/**
 * aec_setsockopt() - kernel-compatible setsockopt
 * @s:		socket
 * @level:	SOL_SOCKET / IPPROTO_TCP / IPPROTO_IP
 * @name:	option
 * @val:	value, @len bytes (<= AE_IPC_MAX_OPTLEN)
 * @len:	its length
 *
 * Return: 0 or -errno (-ENOPROTOOPT for what the stack does not know)
 */
int aec_setsockopt(struct aec_sock *s, int level, int name, const void *val,
		   socklen_t len);
/**
 * aec_getsockopt() - kernel-compatible getsockopt (SO_ERROR reads and
 * clears the pending error)
 * @s:		socket
 * @level:	level
 * @name:	option
 * @val:	buffer of *@len bytes
 * @len:	in: buffer size; out: value length
 *
 * Return: 0 or -errno
 */
int aec_getsockopt(struct aec_sock *s, int level, int name, void *val,
		   socklen_t *len);

/* Data path ----------------------------------------------------------- */

/**
 * aec_sendv() - send on a TCP socket through the tx ring (or a UDP socket
 * to its connected peer)
 * @s:		socket
 * @iov:	data, @iovcnt parts
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT (others ignored; MSG_NOSIGNAL is the caller's)
 * @timeout_ms:	see the DOC
 *
 * Blocking sends return when everything is queued (or on error after a
 * partial send: the count so far).
 *
 * Return: bytes queued, or -errno (-EPIPE, -ECONNRESET, -ENOTCONN, -EAGAIN)
 */
ssize_t aec_sendv(struct aec_sock *s, const struct iovec *iov, int iovcnt,
		  int flags, int timeout_ms);
/**
 * aec_recvv() - receive from a TCP socket's rx ring (UDP: a datagram)
 * @s:		socket
 * @iov:	buffers, @iovcnt parts
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL (MSG_TRUNC for UDP)
 * @timeout_ms:	see the DOC
 *
 * Return: bytes read, 0 at end of stream, or -errno
 */
ssize_t aec_recvv(struct aec_sock *s, const struct iovec *iov, int iovcnt,
		  int flags, int timeout_ms);
ssize_t aec_send(struct aec_sock *s, const void *buf, size_t len, int flags,
		 int timeout_ms);
ssize_t aec_recv(struct aec_sock *s, void *buf, size_t len, int flags,
		 int timeout_ms);

/**
 * aec_sendto() - send a datagram (UDP), or aec_send() for TCP
 * @s:		socket
 * @buf:	data, @len bytes (<= AE_IPC_MAX_UDP for UDP: else -EMSGSIZE)
 * @len:	bytes
 * @flags:	MSG_DONTWAIT
 * @to:		destination, NULL for the connected peer
 * @timeout_ms:	see the DOC
 *
 * Return: bytes sent or -errno
 */
ssize_t aec_sendto(struct aec_sock *s, const void *buf, size_t len, int flags,
		   const struct sockaddr_in *to, int timeout_ms);
/**
 * aec_recvfrom() - receive a datagram (UDP), or aec_recv() for TCP
 * @s:		socket
 * @buf:	buffer, @len bytes
 * @len:	its size
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC
 * @from:	source address (may be NULL; TCP: the peer)
 * @timeout_ms:	see the DOC
 *
 * Return: bytes (the datagram length with MSG_TRUNC), or -errno
 */
ssize_t aec_recvfrom(struct aec_sock *s, void *buf, size_t len, int flags,
		     struct sockaddr_in *from, int timeout_ms);

/**
 * struct aec_dginfo - a datagram's IP fields (ancillary data)
 * @dst:	received: its destination address
 * @ttl:	TTL (IPv6: hop limit)
 * @tos:	TOS byte (IPv6: traffic class)
 * @set:	AE_IPC_DG_* bits: which of @ttl/@tos are meant (sent) or
 *		known (received)
 */
struct aec_dginfo {
	uint32_t dst;
	uint8_t ttl, tos, set;
};

/**
 * aec_sendmsg() - aec_sendto() with this datagram's TTL/TOS (UDP only)
 * @s:		socket
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_DONTWAIT
 * @to:		destination, NULL for the connected peer
 * @info:	fields for this datagram, or NULL for the socket's
 * @timeout_ms:	see the DOC
 *
 * Return: bytes sent or -errno
 */
ssize_t aec_sendmsg(struct aec_sock *s, const void *buf, size_t len,
		    int flags, const struct sockaddr_in *to,
		    const struct aec_dginfo *info, int timeout_ms);
/**
 * aec_recvmsg() - aec_recvfrom() that also reports the datagram's IP fields
 * @s:		socket
 * @buf:	buffer, @len bytes
 * @len:	its size
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC
 * @from:	source address (may be NULL)
 * @info:	the datagram's fields (may be NULL; TCP: left alone)
 * @timeout_ms:	see the DOC
 *
 * Return: as aec_recvfrom()
 */
ssize_t aec_recvmsg(struct aec_sock *s, void *buf, size_t len, int flags,
		    struct sockaddr_in *from, struct aec_dginfo *info,
		    int timeout_ms);

/**
 * aec_rx_available() - bytes readable now without blocking (FIONREAD)
 * @s:		socket
 *
 * Return: bytes (TCP); for UDP 0 or 1 (a datagram is queued)
 */
uint32_t aec_rx_available(struct aec_sock *s);

/**
 * aec_tx_queued() - bytes written but not yet acknowledged by the peer
 * (SIOCOUTQ): the tx ring's fill, which is the retransmission queue
 * @s:	socket
 *
 * Return: bytes, 0 for a socket without rings (UDP sends synchronously)
 */
uint32_t aec_tx_queued(struct aec_sock *s);

/* Readiness ------------------------------------------------------------ */

/**
 * aec_poll_state() - current readiness from shared memory, no syscall
 * @s:		socket
 *
 * Return: a mask of POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP with
 * POLLRDNORM, POLLWRNORM (and POLLWRBAND for UDP) as Linux gives them
 */
unsigned int aec_poll_state(struct aec_sock *s);

/* aec_arm() event: NOTIFY at the next event that makes the socket readable,
 * even if it is readable now (EPOLLET edges; see aec_in_seq()) */
#define AEC_POLL_NEXT_IN	0x01000000u

/**
 * aec_in_seq() - the count of events that made the socket readable
 * @s:		socket
 *
 * It moves with every arrival (data, FIN, connection, datagram), also on a
 * socket readable before: a change since a report is a new EPOLLET edge.
 *
 * Return: the count (0 forever with a daemon that does not keep it)
 */
uint32_t aec_in_seq(struct aec_sock *s);

/**
 * aec_arm() - ask the daemon for a NOTIFY (backing fd readable) when the
 * socket becomes ready for @events, then re-check
 * @s:		socket
 * @events:	POLLIN and/or POLLOUT, AEC_POLL_NEXT_IN
 *
 * Use: aec_drain(); if (aec_arm(s, ev) & ev) -> ready, don't sleep; else
 * sleep in poll/epoll on s->fd (POLLIN). ERR/HUP always wake.
 *
 * Return: the current readiness mask (as aec_poll_state())
 */
unsigned int aec_arm(struct aec_sock *s, unsigned int events);

/**
 * aec_drain() - consume pending NOTIFY datagrams on the backing fd so that
 * it stops being readable (never consumes a response)
 * @s:		socket
 *
 * NOTIFYs are for poll/select/epoll over the backing fd; blocked calls do
 * not use them (aec_wait() sleeps on a futex). One NOTIFY per armed
 * direction: a poller that drains another poller's may leave it asleep
 * (see client/ready.c for what that means and what it does not).
 *
 * Return: NOTIFYs consumed, or -ENETDOWN when the daemon is gone
 */
int aec_drain(struct aec_sock *s);

/**
 * aec_drain_dirs() - aec_drain(), telling which directions were notified
 * @s:		socket
 * @dirs:	set to the AE_WANT_* bits of the NOTIFYs taken
 *
 * Return: NOTIFYs consumed, or -ENETDOWN when the daemon is gone
 */
int aec_drain_dirs(struct aec_sock *s, uint32_t *dirs);

/**
 * aec_drain_private() - aec_drain_dirs() for a socket no other process
 * holds: one recvmmsg() instead of a peek and a consume per NOTIFY
 * @s:		socket
 * @dirs:	set to the AE_WANT_* directions the NOTIFYs were sent for
 *
 * Return: NOTIFYs taken, or -ENETDOWN when the daemon is gone
 */
int aec_drain_private(struct aec_sock *s, uint32_t *dirs);

/**
 * aec_disarm() - take back NOTIFY requests nobody waits for (epoll, once
 * woken); see client/ready.c
 * @s:		socket
 * @bits:	AE_WANT_* bits
 *
 * Return: the bits that were still set (now cleared)
 */
uint32_t aec_disarm(struct aec_sock *s, uint32_t bits);

/**
 * aec_rearm() - set AE_WANT_* @dirs again and ring a DOORBELL, so the
 * daemon sends a fresh NOTIFY for those still ready
 * @s:		socket
 * @dirs:	AE_WANT_* bits
 */
void aec_rearm(struct aec_sock *s, uint32_t dirs);

/**
 * aec_sleep() - one futex sleep of a blocking call until @s may be ready
 * for @events
 * @s:		socket
 * @events:	POLLIN and/or POLLOUT
 * @timeout_ms:	-1 forever
 *
 * Arms the wake-up, re-checks the shared state, and sleeps only if it still
 * says not ready. The caller loops: look at the state, aec_sleep(), look
 * again. A signal with an SA_RESTART handler restarts the sleep in the
 * kernel; any other ends it with -EINTR.
 *
 * Return: 1 look again, 0 timed out, -EINTR, -ENETDOWN the daemon is gone
 */
int aec_sleep(struct aec_sock *s, unsigned int events, int timeout_ms);

/**
 * aec_sleep_intr() - aec_sleep() for a socket with SO_RCVTIMEO/SO_SNDTIMEO:
 * any handler of the program ends the sleep with -EINTR, SA_RESTART or not,
 * as Linux's sock_intr_errno() does for a wait with a timeout
 * @s:		socket
 * @events:	POLLIN and/or POLLOUT
 * @timeout_ms:	-1 forever
 *
 * Return: 1 look again, 0 timed out, -EINTR, -ENETDOWN the daemon is gone
 */
int aec_sleep_intr(struct aec_sock *s, unsigned int events, int timeout_ms);

/**
 * aec_set_busy_poll() - before a blocked call sleeps, watch the socket's
 * shared state for up to @usec microseconds (0, the default: never spin;
 * at most 100000). The shim sets it from AETHER_BUSY_POLL.
 * @usec:	microseconds
 */
void aec_set_busy_poll(unsigned int usec);

/**
 * aec_spin() - busy poll the caller's test @ready(@ctx) for up to the
 * busy-poll time (aec_set_busy_poll()) or @timeout_ms if shorter; a
 * handler of the program running meanwhile ends it
 * @ready:	readiness test, true to stop
 * @ctx:	its argument
 * @timeout_ms:	the caller's longest wait, -1 none
 *
 * Return: 1 ready, 0 not (time up, or busy polling off), -EINTR
 */
int aec_spin(bool (*ready)(void *ctx), void *ctx, int timeout_ms);

/**
 * aec_spin_on() - is busy polling on (AETHER_BUSY_POLL above 0)
 *
 * Return: true if so
 */
bool aec_spin_on(void);

/**
 * aec_busy_polls() - busy polls that ended with the socket ready
 *
 * Return: the count since the library was loaded
 */
uint64_t aec_busy_polls(void);

/**
 * aec_wait() - block until @events are ready, with timeout
 * @s:		socket
 * @events:	POLLIN and/or POLLOUT
 * @timeout_ms:	-1 forever, 0 just check
 *
 * Return: the ready mask (may include POLLERR/POLLHUP), 0 on timeout,
 *	   -EINTR, or -ENETDOWN if the daemon is gone
 */
int aec_wait(struct aec_sock *s, unsigned int events, int timeout_ms);

/* Daemon information (the `aether` tool) -------------------------------- */

/** typedef aec_stat_fn - one named counter */
typedef void (*aec_stat_fn)(void *ctx, const char *group, const char *name,
			    uint64_t value);
/** typedef aec_sockent_fn - one socket table line */
typedef void (*aec_sockent_fn)(void *ctx, const struct ae_ipc_sockent *e);

/**
 * aec_stats() - every counter of the daemon (stack and ipc), by name
 * @fn:		called per counter, @ctx its argument
 * @ctx:	context
 *
 * Return: number of counters or -errno
 */
int aec_stats(aec_stat_fn fn, void *ctx);

/**
 * aec_sockets() - the daemon's socket table (uid 0: all; else own sockets)
 * @fn:		called per socket, @ctx its argument
 * @ctx:	context
 *
 * Return: number of sockets or -errno
 */
int aec_sockets(aec_sockent_fn fn, void *ctx);

/**
 * aec_set_limits() - set per-client limits (uid 0 only; tests)
 * @max_sockets: sockets per client process
 * @max_mem:	ring bytes per client process
 *
 * Return: 0 or -errno
 */
int aec_set_limits(uint32_t max_sockets, uint64_t max_mem);

#endif /* AETHER_CLIENT_H */
