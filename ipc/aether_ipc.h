/* SPDX-License-Identifier: MIT */
/**
 * DOC: aether_ipc.h - the wire protocol between programs (shim) and aetherd
 *
 * Theory of operation
 *
 * Backing fd. Every Aether socket is a kernel fd: an AF_UNIX SOCK_SEQPACKET
 * connection to the daemon. socket() connects a new one to the control socket
 * (env AETHER_SOCKET, default AE_IPC_DEFAULT_PATH) and sends AE_MSG_SOCKET on
 * it; accept() receives a new one (the client end of a socketpair the daemon
 * made) by SCM_RIGHTS. dup/fork/exec/SCM_RIGHTS are therefore the kernel's,
 * and the daemon sees EOF when the last copy anywhere is closed: it then
 * closes the TCP connection like the kernel (FIN; RST if unread receive data
 * remains or SO_LINGER is on with a zero timeout). Both kinds of backing fd
 * report SO_PEERCRED = the daemon's pid, which is how a process recognises
 * inherited backing fds after exec (aec_is_backing_fd()).
 *
 * Messages. Each message is one SEQPACKET datagram that starts with
 * &struct ae_ipc_hdr; @len is the whole datagram and must equal the size the
 * kernel delivered. Requests from the shim get exactly one response with the
 * same @type and @seq and @result >= 0 or -errno, in the order the requests
 * were sent. A response may carry file descriptors (SCM_RIGHTS):
 *  - a memfd: the socket's shared memory, whenever AE_RESP_SHM is set in
 *    &struct ae_ipc_sockinfo.flags (SOCKET, ATTACH, CONNECT, LISTEN,
 *    SETSOCKOPT, i.e. whenever the daemon moved the socket to new memory),
 *    also on an error answer (CONNECT's -EINPROGRESS brings the rings);
 *  - ACCEPT: the new backing fd first, then its memfd.
 * Two messages carry no response: AE_MSG_DOORBELL (shim -> daemon: "I moved
 * an index, look at my rings") and AE_MSG_NOTIFY (daemon -> shim: "state you
 * asked about changed"). NOTIFY carries nothing the shim must act on; the
 * truth is in shared memory. A reader of responses skips NOTIFYs.
 *
 * A connection's first request decides what it is: AE_MSG_SOCKET makes it a
 * socket's backing fd; AE_MSG_STATS / AE_MSG_SOCKETS are served on any
 * connection (the `aether` tool uses a plain control connection). All socket
 * requests on a connection that is not a socket fail with -EBADF.
 *
 * Validation (daemon side, ae_ipc_check()): version must be AE_IPC_VERSION,
 * @len must equal the datagram size and be in [sizeof(hdr), AE_IPC_MAX_MSG],
 * @type must be a known request, and the payload must have exactly the size
 * of the type's fixed struct (plus the declared variable part, e.g. SENDTO's
 * data or SETSOCKOPT's value, bounded). A bad request gets an error response
 * (-EINVAL, -EMSGSIZE, -EPROTO for a version mismatch, -EOPNOTSUPP for an
 * unknown type); a datagram too short to hold a header, or a version the
 * daemon cannot even answer, closes that one connection (and so that one
 * socket). Nothing a client sends affects another client.
 *
 * Shared memory (TCP sockets with rings; every socket has at least the
 * header page): one memfd per socket, mapped MAP_SHARED by both sides:
 *
 *     [ struct ae_shm_hdr ][ rx ring: rx_size ][ tx ring: tx_size ][ unused ]
 *
 * The header takes the first AE_SHM_RING_OFF bytes of the first page and
 * the rx ring starts right after it (rx_off; an older daemon put it at the
 * next page, which rx_off says too), so the rx ring's first bytes, where
 * a restarted ring writes, share the header's page; the mapping is the
 * header page plus the rings, in whole pages.
 *
 * A memfd may be one a closed socket of the same uid used before (zeroed):
 * the daemon pools freed regions per uid and never gives one to another uid
 * (rule and reasons in daemon/session_shm.c); the shim may keep such a
 * mapping (client/shm_map.c's mapping cache) and use it again when the same memfd
 * returns.
 *
 * The rings are the very memory the stack's struct ae_ring points at (the
 * stack allocates it through the daemon's mem_alloc hook). Indices are
 * free-running uint32 byte counts, used = tail - head, size a power of two.
 *  - rx ring (network -> app): rx_tail written by the daemon (it mirrors the
 *    stack's rx tail), rx_head written by the shim after it copied data out.
 *  - tx ring (app -> network): tx_tail written by the shim after it copied data
 *    in, tx_head written by the daemon (the stack's SND.UNA byte: bytes before
 *    it were acknowledged and may be overwritten).
 * The daemon never trusts shim indices: a new rx_head must satisfy
 * 0 <= rx_head - old_rx_head <= rx_tail - old_rx_head, a new tx_tail
 * 0 <= tx_tail - old_tx_tail and tx_tail - tx_head <= tx_size. Anything else,
 * or a changed read-only field, cuts the socket off: it is reset (RST), its
 * header gets AE_SS_DEAD and every later request on it fails -ECONNRESET.
 *
 * Doorbells and wake-ups (all flags are C11 atomics; writers use release,
 * readers acquire, and each flag/index pair is separated by a seq_cst fence):
 *  - shim_want, futex part (shim sets, daemon clears): AE_WAKE_IN /
 *    AE_WAKE_OUT, for blocked calls. The sleeper loads @wake_seq, sets its
 *    bit, fences, re-checks readiness and only then FUTEX_WAITs on
 *    @wake_seq (with the alive page's word: the daemon's death). The daemon,
 *    after publishing, clears the met bits and if one was set increments
 *    @wake_seq and FUTEX_WAKEs all. Nothing is consumed: every sleeper of
 *    every process wakes; a killed one leaves at most a bit, cleared once.
 *    (client/ready.c aec_sleep() has the ordering argument.)
 *  - shim_want, NOTIFY part (shim sets, daemon clears): AE_WANT_IN /
 *    AE_WANT_OUT, for poll/select/epoll (and timed waits), which must sleep
 *    on the backing fd. The daemon sends one NOTIFY per wanted direction
 *    that became ready (or on ERR/HUP) and clears that bit; the NOTIFY's
 *    @result holds the AE_WANT_* bit it was sent for (0 from an older
 *    daemon: both). The sleeping rule: drain NOTIFYs, set want, fence,
 *    re-check readiness, only then poll(fd). A NOTIFY is consumed by the
 *    one that drains it, and poll() sleeps on if the datagram is gone when
 *    a woken sleeper looks; so a drainer re-arms (want bit + DOORBELL) the
 *    directions other threads of its process sleep on, and, in a process
 *    that shares sockets (forked, inherited), others' at most once a second
 *    per socket (preload/wait.c ps_drain()).
 *    A socket no other process can hold (made in this process since it
 *    last forked or spawned, not inherited, not passed): an epoll sleeper
 *    that is the only one waiting on it clears its wants again once woken
 *    (aec_disarm(), or every member armed for one sleep would NOTIFY a busy
 *    program at its next event), and its NOTIFYs are drained with one
 *    recvmmsg(), blind: no peek, since only this process's exchanges, all
 *    under the socket's lock, read that fd (aec_drain_private()).
 *  - daemon_want (daemon sets, shim clears): AE_DB_TX: "send a DOORBELL after
 *    you advance tx_tail"; AE_DB_RX: "send a DOORBELL after you advance
 *    rx_head" (set when the receive window is getting small). The shim clears
 *    the bit with an atomic and, if it was set, sends one DOORBELL
 *    (MSG_DONTWAIT; EAGAIN is fine: a doorbell is already queued). The daemon
 *    re-reads the indices after re-arming a bit, so no update is lost. There
 *    is no periodic sweep: an index the daemon needs comes with a doorbell
 *    (daemon/session_sync.c says which, and when).
 *  - Daemon death: the backing fd reports POLLHUP, and the kernel marks the
 *    alive page (struct ae_ipc_alive_resp) and wakes its futex sleepers;
 *    blocked calls return ECONNRESET (read), EPIPE (write), ENETDOWN
 *    (requests).
 *
 * Readiness as the shim computes it (aec_poll_state(), client/ready.c, after
 * Linux's tcp_poll(), inet_csk_listen_poll() and datagram_poll()):
 *  - POLLIN|RDNORM: rx_tail != rx_head, or AE_SS_IN (listener with a
 *             connection to accept; UDP socket with a datagram), or shut
 *             for reading (AE_SS_RDHUP/AE_SS_RDSHUT, then POLLRDHUP too).
 *  - POLLOUT|WRNORM: AE_SS_OUT and free tx space (TCP), or AE_SS_OUT (UDP,
 *             with WRBAND); a TCP socket not connecting that is shut for
 *             writing or closed (fresh too) is writable as well.
 *  - POLLERR: so_error pending; POLLHUP: AE_SS_HUP, or shut both ways.
 *  - @in_seq moves with every readable event: EPOLLET's edges.
 *
 * UDP: datagrams travel inline in AE_MSG_SENDTO / AE_MSG_RECVFROM (SEQPACKET
 * keeps the boundaries); readiness is AE_SS_IN / AE_SS_OUT in the header page
 * with the same want/NOTIFY mechanism. A UDP socket's memfd is header-only.
 *
 * Access control: the control socket is mode 0666 in a 0755 directory
 * (created if missing): any local user may use the stack. Per connection
 * the daemon records SO_PEERCRED (pid, uid): binding a port below 1024 needs
 * uid 0 or a uid in the daemon's allow list (-EACCES); the processes of one
 * uid together may hold a bounded number of sockets (-EMFILE at
 * SOCKET/ACCEPT; default 16384) and of ring bytes (-ENOBUFS at
 * CONNECT/ACCEPT; default 64 GiB), so forking does not escape the limits;
 * AE_MSG_SETLIMITS (uid 0) changes both. A request can only act on the socket of the connection it arrives
 * on, so there is no way to name another client's socket; SOCKETS shows a
 * non-root asker only its own uid's sockets. Descriptors a client tries to
 * pass to the daemon are closed unread. The daemon also has the kernel
 * attach each request's sender uid (SO_PASSCRED on its end; nothing for the
 * client to send): a memfd is reused only for the uid it went to, and not
 * at all once a process of another uid has used that socket.
 *
 * Never blocking: the daemon's fds are non-blocking. A response that meets
 * a full socket buffer is parked and that connection is not read until it
 * drains; a NOTIFY that meets EAGAIN is dropped (one is already queued).
 *
 * Several processes may share one backing fd (fork, SCM_RIGHTS). Within a
 * process the client library serialises request/response per socket. Across
 * processes, @seq carries the requester's pid in its high 16 bits: a reader
 * peeks at the next datagram (MSG_PEEK) and takes it only if type and seq
 * are its own, leaving another process's response for its owner (and
 * discarding it only once no process with its pid bits lives, or after
 * 5 s). Peek and consume are two system calls, so readers in different
 * processes serialise them with the @rd_lock word of the socket's header
 * page: without it two readers peek at the same NOTIFY, both consume "it",
 * and the second takes the datagram behind it, someone's response.
 */
#ifndef AETHER_IPC_H
#define AETHER_IPC_H

#include <stdint.h>

#define AE_IPC_VERSION		1
#define AE_IPC_DEFAULT_PATH	"/run/aether/aetherd.sock"
#define AE_IPC_ENV_SOCKET	"AETHER_SOCKET"
/* Largest datagram either side sends: header + UDP payload + address. */
#define AE_IPC_MAX_MSG		(64 * 1024 + 256)
#define AE_IPC_MAX_UDP		65507
#define AE_IPC_MAX_OPTLEN	256
/* @result of a SETSOCKOPT request whose outcome the shim knows (TCP_NODELAY
 * on a TCP socket: Linux returns 0 in every state): the daemon applies it
 * and answers nothing, so the caller does not wait a daemon turn for it
 * (nginx sets it on every accepted connection; issue 19) */
#define AE_REQ_NOREPLY		1
/* Descriptors one response carries at most (SCM_RIGHTS). */
#define AE_IPC_MAX_FDS		16
/* Connections one ACCEPT answer hands over at most: the shim queues those
 * the program has not asked for yet on the listener (client/sock.c). */
#define AE_ACCEPT_BATCH		8
/* SOCKETS responses hold at most this many entries; ask again from @next. */
#define AE_IPC_SOCKETS_PER_MSG	256

/**
 * enum ae_msg_type - message types; requests unless noted
 * @AE_MSG_SOCKET:	make this connection a socket (ae_ipc_socket_req)
 * @AE_MSG_BIND:	ae_ipc_addr_req
 * @AE_MSG_LISTEN:	ae_ipc_int_req (backlog)
 * @AE_MSG_ACCEPT:	ae_ipc_int_req: @val 0 -> ae_ipc_accept_resp + 2 fds
 *			(backing, memfd); @val 1 to AE_ACCEPT_BATCH -> a
 *			batch of up to @val connections (ae_ipc_accept_batch),
 *			@pad AE_ACC_NONBLOCK for O_NONBLOCK backing fds
 * @AE_MSG_CONNECT:	ae_ipc_addr_req -> 0, -EINPROGRESS or -errno; with
 *			AE_ADDR_KERNEL_LOOP in its pad, -EXDEV when the
 *			destination is 127.0.0.0/8 and nothing on Aether
 *			serves it (the client then uses the kernel's socket)
 * @AE_MSG_SHUTDOWN:	ae_ipc_int_req (SHUT_RD/SHUT_WR/SHUT_RDWR)
 * @AE_MSG_CLOSE:	no payload; close now as if the last fd was closed
 * @AE_MSG_GETSOCKNAME:	no payload -> ae_ipc_addr_resp
 * @AE_MSG_GETPEERNAME:	no payload -> ae_ipc_addr_resp
 * @AE_MSG_SETSOCKOPT:	ae_ipc_sockopt (+ value) -> ae_ipc_sockinfo
 * @AE_MSG_GETSOCKOPT:	ae_ipc_sockopt (len = buffer size) -> ae_ipc_sockopt
 * @AE_MSG_SENDTO:	ae_ipc_dgram + data -> result bytes sent
 * @AE_MSG_RECVFROM:	ae_ipc_dgram (len = buffer size) -> ae_ipc_dgram + data
 * @AE_MSG_STATS:	no payload -> ae_ipc_stats_resp
 * @AE_MSG_SOCKETS:	ae_ipc_int_req (first index) -> ae_ipc_sockets_resp
 * @AE_MSG_ATTACH:	no payload -> ae_ipc_sockinfo + memfd
 * @AE_MSG_DOORBELL:	shim -> daemon, no payload, no response
 * @AE_MSG_NOTIFY:	daemon -> shim, no payload, not a response
 * @AE_MSG_SETLIMITS:	uid 0 only: ae_ipc_limits (tests: per-uid limits)
 * @AE_MSG_FLUSH:	no payload -> 0, answered once what the shim wrote to a
 *			connection whose peer is on this stack (AE_SS_LOCAL)
 *			is in the peer's rx ring and both headers are
 *			published: a loopback send() is synchronous, as on Linux
 * @AE_MSG_ALIVE:	no payload -> ae_ipc_alive_resp + the daemon's alive
 *			page (memfd, read-only for clients; see "Sleeping")
 * @AE_MSG_UNACCEPT:	no payload, on a connection still @queued in its
 *			header -> 0 once it is back first in its listener's
 *			accept queue (the shim then closes the fd), or
 *			-EINVAL / -ENOENT (no listener: the close resets it)
 */
enum ae_msg_type {
	AE_MSG_SOCKET = 1,
	AE_MSG_BIND,
	AE_MSG_LISTEN,
	AE_MSG_ACCEPT,
	AE_MSG_CONNECT,
	AE_MSG_SHUTDOWN,
	AE_MSG_CLOSE,
	AE_MSG_GETSOCKNAME,
	AE_MSG_GETPEERNAME,
	AE_MSG_SETSOCKOPT,
	AE_MSG_GETSOCKOPT,
	AE_MSG_SENDTO,
	AE_MSG_RECVFROM,
	AE_MSG_STATS,
	AE_MSG_SOCKETS,
	AE_MSG_ATTACH,
	AE_MSG_DOORBELL,
	AE_MSG_NOTIFY,
	AE_MSG_SETLIMITS,
	AE_MSG_FLUSH,
	AE_MSG_ALIVE,
	AE_MSG_UNACCEPT,
	AE_MSG_MAX
};

/**
 * struct ae_ipc_hdr - starts every message
 * @version:	AE_IPC_VERSION
 * @type:	enum ae_msg_type
 * @len:	whole datagram, header included
 * @seq:	chosen by the requester, echoed in the response
 * @result:	responses: >= 0 or -errno; requests: 0, or AE_REQ_NOREPLY
 *		on a SETSOCKOPT (no response is sent)
 */
struct ae_ipc_hdr {
	uint16_t version;
	uint16_t type;
	uint32_t len;
	uint32_t seq;
	int32_t result;
};

/**
 * struct ae_ipc_addr - an IPv4 socket address, network byte order
 * @addr:	address
 * @port:	port
 * @pad:	zero, or in CONNECT one of enum ae_addr_flag
 */
struct ae_ipc_addr {
	uint32_t addr;
	uint16_t port;
	uint16_t pad;
};

/**
 * enum ae_addr_flag - &struct ae_ipc_addr.pad in a CONNECT request
 * @AE_ADDR_UNSPEC:	connect(AF_UNSPEC): dissolve the association
 * @AE_ADDR_KERNEL_LOOP: refuse with -EXDEV, leaving the socket untouched, a
 *			loopback destination no Aether socket serves
 */
enum ae_addr_flag {
	AE_ADDR_UNSPEC		= 1,
	AE_ADDR_KERNEL_LOOP	= 2,
};

/** struct ae_ipc_socket_req - AE_MSG_SOCKET: @type SOCK_STREAM or SOCK_DGRAM */
struct ae_ipc_socket_req {
	int32_t type;
	uint32_t flags;
};

/** struct ae_ipc_int_req - one integer argument (backlog, how, index) */
struct ae_ipc_int_req {
	int32_t val;
	uint32_t pad;
};

/** struct ae_ipc_addr_req - BIND, CONNECT; also the GET*NAME response */
struct ae_ipc_addr_req {
	struct ae_ipc_addr addr;
};

/* Flags of struct ae_ipc_sockinfo */
#define AE_RESP_SHM	(1u << 0)	/* a memfd is attached: map it, drop the old */

/**
 * struct ae_ipc_sockinfo - what a socket's shim needs to know about it
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @flags:	AE_RESP_*
 * @shm_size:	bytes to map of the attached memfd (AE_RESP_SHM)
 * @shm_pgoff:	where they start in it, in pages of AE_SHM_HDR_SIZE (the
 *		memfd is the daemon's arena of the uid: one per uid)
 */
struct ae_ipc_sockinfo {
	int32_t type;
	uint32_t flags;
	uint32_t shm_size;
	uint32_t shm_pgoff;
};

/**
 * struct ae_ipc_accept_resp - AE_MSG_ACCEPT answer (fds: backing, memfd)
 * @peer:	the remote address
 * @info:	the new socket
 */
struct ae_ipc_accept_resp {
	struct ae_ipc_addr peer;
	struct ae_ipc_sockinfo info;
};

/* ACCEPT request @pad, and struct ae_ipc_accept_ent @flags */
#define AE_ACC_NONBLOCK	(1u << 0)	/* the backing fd is O_NONBLOCK */

/**
 * struct ae_ipc_accept_batch - AE_MSG_ACCEPT answer to a batch request: @n
 * struct ae_ipc_accept_ent follow; the fds are the @n backing fds in order,
 * then @nmem memfds the entries name by index
 * @n:		connections, 1 to AE_ACCEPT_BATCH
 * @nmem:	memfds, 1 to @n
 */
struct ae_ipc_accept_batch {
	uint32_t n;
	uint32_t nmem;
};

/**
 * struct ae_ipc_accept_ent - one connection of a batch
 * @a:		its address and memory (@a.info.flags has AE_RESP_SHM)
 * @mem:	index of its memfd among the batch's memfds
 * @flags:	AE_ACC_NONBLOCK when its backing fd is O_NONBLOCK
 */
struct ae_ipc_accept_ent {
	struct ae_ipc_accept_resp a;
	uint32_t mem;
	uint32_t flags;
};

/**
 * struct ae_ipc_sockopt - SETSOCKOPT request / GETSOCKOPT request and answer
 * @level:	SOL_SOCKET, IPPROTO_TCP, IPPROTO_IP (kernel values)
 * @name:	option name (kernel values)
 * @len:	value bytes that follow (<= AE_IPC_MAX_OPTLEN); in a GETSOCKOPT
 *		request: the caller's buffer size, and no value follows
 * @pad:	zero
 */
struct ae_ipc_sockopt {
	int32_t level;
	int32_t name;
	uint32_t len;
	uint32_t pad;
};

/* Flags of struct ae_ipc_dgram's @set */
#define AE_IPC_DG_TTL	(1u << 0)	/* @ttl is meant */
#define AE_IPC_DG_TOS	(1u << 1)	/* @tos is meant */

/**
 * struct ae_ipc_dgram - SENDTO / RECVFROM
 * @addr:	SENDTO: destination (port 0: the connected peer);
 *		RECVFROM answer: source
 * @flags:	MSG_PEEK, MSG_TRUNC (kernel values); MSG_DONTWAIT is implied
 * @len:	SENDTO: data bytes that follow; RECVFROM request: buffer size;
 *		RECVFROM answer: data bytes that follow (result is the full
 *		datagram length when MSG_TRUNC was asked)
 * @dst:	RECVFROM answer: the datagram's destination address (IP_PKTINFO)
 * @ttl:	SENDTO: TTL for this datagram when @set has AE_DG_TTL;
 *		RECVFROM answer: its TTL (hop limit)
 * @tos:	SENDTO: TOS byte when @set has AE_DG_TOS; RECVFROM answer: its
 *		TOS (traffic class)
 * @set:	SENDTO: AE_IPC_DG_* bits, others zero (else -EINVAL);
 *		RECVFROM answer: which of @ttl/@tos are known
 * @pad:	zero
 */
struct ae_ipc_dgram {
	struct ae_ipc_addr addr;
	int32_t flags;
	uint32_t len;
	uint32_t dst;
	uint8_t ttl, tos, set, pad;
};

/**
 * struct ae_ipc_stat - one named counter
 * @group:	"eth", "ip", "tcp", ..., "ipc" (NUL padded)
 * @name:	counter name (NUL padded)
 * @value:	its value
 */
struct ae_ipc_stat {
	char group[16];
	char name[40];
	uint64_t value;
};

/**
 * struct ae_ipc_stats_resp - AE_MSG_STATS answer: @count entries follow
 * @count:	entries
 * @pad:	zero
 */
struct ae_ipc_stats_resp {
	uint32_t count;
	uint32_t pad;
};

/**
 * struct ae_ipc_sockent - one line of `aether ss`
 * @type:	SOCK_STREAM / SOCK_DGRAM
 * @state:	stack TCP state number (0 for UDP)
 * @local, @remote: addresses
 * @rx_queued, @tx_queued: bytes in the rings
 * @pid:	owning client's pid, 0 if none (closing, orphaned)
 * @uid:	owning client's uid
 * @state_name:	ae_tcp_state_name() or "UNCONN"
 * @rtt_us:	TCP smoothed round trip time (`ss -i` rtt), @rttvar_us its
 *		variation, @rto_us the retransmission timeout
 * @rttvar_us:	see @rtt_us
 * @rto_us:	see @rtt_us
 * @cwnd:	congestion window, segments; @ssthresh slow start threshold,
 *		segments (0x7fffffff: not set); @mss segment size, bytes
 * @ssthresh:	see @cwnd
 * @mss:	see @cwnd
 * @congestion:	"cubic", "reno" or "bbr" (NUL padded); empty for UDP
 */
struct ae_ipc_sockent {
	int32_t type;
	int32_t state;
	struct ae_ipc_addr local, remote;
	uint32_t rx_queued, tx_queued;
	int32_t pid;
	uint32_t uid;
	char state_name[16];
	uint32_t rtt_us, rttvar_us, rto_us;
	uint32_t cwnd, ssthresh, mss;
	char congestion[8];
};

/**
 * struct ae_ipc_sockets_resp - AE_MSG_SOCKETS answer: @count entries follow
 * @total:	sockets visible to the asker (uid 0: all; others: their own)
 * @count:	entries in this message
 * @next:	index to ask for next, == @total when done
 * @pad:	zero
 */
struct ae_ipc_sockets_resp {
	uint32_t total;
	uint32_t count;
	uint32_t next;
	uint32_t pad;
};

/**
 * struct ae_ipc_limits - AE_MSG_SETLIMITS (uid 0): per-uid limits
 * @max_sockets: sockets one uid's processes may hold (EMFILE beyond)
 * @pad:	zero
 * @max_mem:	ring bytes one uid's processes may hold (ENOBUFS beyond)
 */
struct ae_ipc_limits {
	uint32_t max_sockets;
	uint32_t pad;
	uint64_t max_mem;
};

/**
 * struct ae_ipc_alive_resp - AE_MSG_ALIVE answer (fd: the alive page)
 * @instance:	chosen at random when the daemon started: a client maps one
 *		alive page per daemon it talks to
 */
struct ae_ipc_alive_resp {
	uint64_t instance;
};

/*
 * The alive page: one page per daemon, its first 32-bit word the lock word
 * of a robust, process-shared mutex the daemon holds for its whole life:
 * its thread id with FUTEX_WAITERS set. When the daemon dies the kernel sets
 * FUTEX_OWNER_DIED in it and wakes one futex waiter (robust futex list).
 */
#define AE_ALIVE_SIZE		4096u

/* ---- shared memory ---------------------------------------------------- */

#define AE_SHM_MAGIC		0x41455348u	/* "AESH" */
#define AE_SHM_HDR_SIZE		4096u
/* where a ring region's rx ring starts: in the header's own page, so that
 * a restarted rx ring's first bytes cost no page of their own (shm.c) */
#define AE_SHM_RING_OFF		256u
#define AE_SHM_MAX_RING		(1u << 30)

/* state bits (daemon writes) */
#define AE_SS_IN	(1u << 0)	/* listener: accept ready; UDP: datagram */
#define AE_SS_OUT	(1u << 1)	/* may send (connected, not shut for writing) */
#define AE_SS_ERR	(1u << 2)	/* so_error pending */
#define AE_SS_HUP	(1u << 3)	/* both directions closed */
#define AE_SS_RDHUP	(1u << 4)	/* peer sent FIN: after rx data, read gives 0 */
#define AE_SS_LISTEN	(1u << 5)	/* a listening socket */
#define AE_SS_CONNECTING (1u << 6)	/* connect() in progress */
#define AE_SS_CONNECTED	(1u << 7)	/* was connected (getpeername works) */
#define AE_SS_WRSHUT	(1u << 8)	/* shutdown(SHUT_WR) or later: EPIPE */
#define AE_SS_RDSHUT	(1u << 9)	/* shutdown(SHUT_RD): reads give 0 */
#define AE_SS_DEAD	(1u << 10)	/* cut off / daemon gone: ECONNRESET */
#define AE_SS_LOCAL	(1u << 11)	/* the peer is on this stack: AE_MSG_FLUSH */

/* shim_want bits (shim sets, daemon clears with a NOTIFY) */
#define AE_WANT_IN	(1u << 0)
#define AE_WANT_OUT	(1u << 1)
/* shim_want bits (shim sets, daemon clears with a futex wake of @wake_seq) */
#define AE_WAKE_IN	(1u << 2)
#define AE_WAKE_OUT	(1u << 3)
/* shim_want bit (shim sets, daemon clears with a NOTIFY for AE_WANT_IN when
 * @in_seq moves, even on a socket that was readable already) */
#define AE_WANT_INEV	(1u << 4)

/* daemon_want bits (daemon sets, shim clears with a DOORBELL) */
#define AE_DB_TX	(1u << 0)
#define AE_DB_RX	(1u << 1)

/* shim_caps bits (shim sets when it maps a ring page), daemon_caps bits
 * (daemon sets in a ring header) */
#define AE_CAP_RESTART	(1u << 0)	/* reads @rx_base, writes @tx_base */

/**
 * struct ae_shm_hdr - the header page of a socket's shared memory
 *
 * Read-only for the shim (the daemon writes them once; it does not read
 * them back either, it keeps its own copy): @magic .. @incarnation.
 * Daemon-written, shim-read: @moved, @rx_tail, @tx_head, @state, @so_error,
 * @tcp_state, @gen, @daemon_want (the shim may clear bits), @tx_limit,
 * @rx_base, @daemon_caps.
 * Shim-written, daemon-validated: @rx_head, @tx_tail, @shim_want, @tx_base,
 * @shim_caps.
 *
 * @magic:	AE_SHM_MAGIC
 * @version:	AE_IPC_VERSION
 * @map_size:	bytes of the mapping (header + rings)
 * @rx_size:	rx ring bytes (power of two) or 0 (no rings)
 * @tx_size:	tx ring bytes (power of two) or 0
 * @rx_off:	offset of the rx ring from the start of the mapping
 * @tx_off:	offset of the tx ring
 * @incarnation: the daemon reuses a freed region for later sockets of the
 *		same uid (never another uid's) and bumps this each time: a
 *		mapping that outlived its socket sees a new value (and
 *		AE_SS_DEAD was set in it first). Was zero padding before, so
 *		the layout and AE_IPC_VERSION are unchanged.
 * @moved:	1: this memory is stale, send ATTACH for the current one
 * @state:	AE_SS_* bits
 * @so_error:	pending error (positive errno), informative: SO_ERROR asks
 * @tcp_state:	the stack's TCP state number
 * @gen:	incremented at every state publication
 * @rx_tail:	rx producer index (daemon)
 * @tx_head:	tx consumer index, acknowledged bytes (daemon)
 * @daemon_want: AE_DB_* (daemon sets, shim clears)
 * @tx_limit:	bytes of the tx ring the shim may fill (SO_SNDBUF; 0 or
 *		more than @tx_size: all of it). Was zero padding before.
 * @wake_seq:	futex word of blocked calls: the daemon increments it and
 *		wakes every futex waiter on it when it clears AE_WAKE_* bits,
 *		and when the socket moves away from this page or is cut off
 * @in_seq:	incremented for every event that made the socket readable
 *		(data, a FIN, a connection to accept, a datagram), whether or
 *		not it was readable before: EPOLLET's edges, as Linux's
 *		sk_data_ready. Was zero padding before (an older daemon
 *		leaves it 0: no such edges).
 * @rx_base:	rx index at the rx ring's first byte (daemon): index i is at
 *		(i - rx_base) & (rx_size - 1). The daemon moves it to rx_tail
 *		only while the ring is empty and only when @shim_caps has
 *		AE_CAP_RESTART, and stores it before the rx_tail that
 *		follows (ipc/shm.c has the ordering argument). Zero padding
 *		before: an older daemon leaves it 0, the old placement.
 * @daemon_caps: AE_CAP_* the daemon understands (written with the rest
 *		of a ring header): the shim restarts the tx ring only for a
 *		daemon that reads @tx_base. Zero padding before.
 * @rx_head:	rx consumer index (shim)
 * @tx_tail:	tx producer index (shim)
 * @shim_want:	AE_WANT_* and AE_WAKE_* (shim sets, daemon clears)
 * @pad:	zero (was a count of sleepers, which a killed one left behind)
 * @rd_lock:	shim-only: thread id of the shim thread that is taking a
 *		datagram off the backing fd (peek, then consume), 0 when
 *		free. Processes sharing one backing fd (fork, SCM_RIGHTS)
 *		take it around every peek-and-consume, so that one never
 *		consumes a datagram another has just peeked at (a response
 *		lost that way leaves its requester waiting forever). Was
 *		zero padding before: layout and AE_IPC_VERSION unchanged.
 * @xfers:	shim-only: control exchanges (aec_xfer()) under way on the
 *		backing fd, in every process sharing it; raised under
 *		@rd_lock. A sandboxed process (aec_enter_sandbox()), which
 *		cannot peek, consumes a datagram blind only while it is 0:
 *		the head is then a NOTIFY, never someone's response. Zero
 *		padding before, like @rd_lock.
 * @queued:	1 while an accepted connection waits in a shim's queue
 *		(the daemon sets it when it hands the connection over in
 *		a batch, beyond the first), 0 once the program took it
 *		(the shim clears it): a backing fd that hangs up with it
 *		still 1 was never seen by the program, and the daemon puts
 *		the connection back on its listener. Zero padding before.
 * @tx_base:	tx index at the tx ring's first byte (shim), as @rx_base:
 *		the shim moves it to tx_tail when it finds the ring empty
 *		(tx_head == tx_tail) before it writes. The daemon takes it
 *		with the next tx_tail, only while its ring is empty; a base
 *		that moved under queued data cuts the socket off.
 * @shim_caps:	AE_CAP_* the mapping shim understands (set when it maps
 *		the page): the daemon restarts the rx ring only for a shim
 *		that reads @rx_base. Zero padding before (an older shim).
 */
struct ae_shm_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t map_size;
	uint32_t rx_size;
	uint32_t tx_size;
	uint32_t rx_off;
	uint32_t tx_off;
	uint32_t incarnation;
	/* daemon-written line */
	_Alignas(64) uint32_t moved;
	uint32_t state;
	int32_t so_error;
	int32_t tcp_state;
	uint32_t gen;
	uint32_t rx_tail;
	uint32_t tx_head;
	uint32_t daemon_want;
	uint32_t tx_limit;
	uint32_t wake_seq;
	uint32_t in_seq;
	uint32_t rx_base;
	uint32_t daemon_caps;
	/* shim-written line */
	_Alignas(64) uint32_t rx_head;
	uint32_t tx_tail;
	uint32_t shim_want;
	uint32_t pad;
	uint32_t rd_lock;
	uint32_t xfers;
	uint32_t queued;
	uint32_t tx_base;
	uint32_t shim_caps;
};

_Static_assert(sizeof(struct ae_ipc_hdr) == 16, "wire header size");
_Static_assert(sizeof(struct ae_shm_hdr) <= AE_SHM_RING_OFF, "shm header");

#endif /* AETHER_IPC_H */
