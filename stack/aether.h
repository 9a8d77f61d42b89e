/* SPDX-License-Identifier: MIT */
/**
 * DOC: aether.h - the public API of the Aether stack library
 *
 * The stack is pure: it performs no system calls, keeps no global state and
 * never reads a clock of its own. Its owner (aetherd, a test, or an embedded
 * program) gives it Ethernet frames with ae_stack_input(), runs its timers with
 * ae_stack_poll() no later than ae_stack_next_timeout(), and receives every
 * frame the stack emits through the output callback of &struct ae_config.
 *
 * Sockets are non-blocking and report readiness through a callback: the C
 * analogue of async sockets. All addresses and ports in this API are in
 * network byte order (struct sockaddr_in as the kernel uses it); errors are
 * returned as negative errno values, exactly the ones Linux would give.
 */
#ifndef AETHER_H
#define AETHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <netinet/in.h>

struct ae_stack;
struct ae_sock;

/** typedef ae_output_fn - emit one Ethernet frame, gathered from @iovcnt parts */
typedef void (*ae_output_fn)(void *ctx, const struct iovec *iov, int iovcnt);
/**
 * struct ae_tx_offload - what the owner's device must finish on one frame
 * (a virtio_net_hdr without the flags: aetherd turns it into one)
 * @csum_start:	offset from the frame's first byte of the transport header
 *		whose checksum the device completes (its checksum field holds
 *		the pseudo-header sum, as Linux's CHECKSUM_PARTIAL)
 * @csum_offset: offset of that checksum field from @csum_start
 * @gso_size:	payload bytes per segment the device cuts this TCP
 *		super-frame into (TSO); 0 = a single segment
 * @hdr_len:	Ethernet + IP + TCP header bytes (every segment's headers)
 */
struct ae_tx_offload {
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t gso_size;
	uint16_t hdr_len;
};

/**
 * typedef ae_output_offload_fn - emit one frame that needs the device's
 * offloads (@off); used only when &struct ae_config.offload is not 0
 */
typedef void (*ae_output_offload_fn)(void *ctx, const struct iovec *iov,
				     int iovcnt, const struct ae_tx_offload *off);

/**
 * enum ae_offload - what the owner's device does for the stack
 * @AE_OFFLOAD_CSUM:	completes TCP checksums (ae_tx_offload.csum_start)
 * @AE_OFFLOAD_TSO4:	cuts IPv4 TCP super-frames of up to 64 KiB into
 *			segments (ae_tx_offload.gso_size); needs CSUM
 */
enum ae_offload {
	AE_OFFLOAD_CSUM	= 1 << 0,
	AE_OFFLOAD_TSO4	= 1 << 1,
};

/**
 * enum ae_rx_flags - what the owner knows about a received frame
 * @AE_RX_CSUM_VALID:	its TCP/UDP checksum need not be verified (the
 *			frame came from the local kernel with its checksum
 *			left to the device: VIRTIO_NET_HDR_F_NEEDS_CSUM or
 *			_DATA_VALID, after the owner checked the offsets)
 */
enum ae_rx_flags {
	AE_RX_CSUM_VALID = 1 << 0,
};

/** typedef ae_clock_fn - monotonic time in nanoseconds */
typedef uint64_t (*ae_clock_fn)(void *ctx);
/** typedef ae_log_fn - optional log sink; @level is a syslog level */
typedef void (*ae_log_fn)(void *ctx, int level, const char *msg);
/**
 * typedef ae_mem_alloc_fn - allocate socket buffer memory (per connection,
 * never per packet). The daemon places it in shared memory; default: malloc.
 */
typedef void *(*ae_mem_alloc_fn)(void *ctx, size_t len);
typedef void (*ae_mem_free_fn)(void *ctx, void *mem, size_t len);
/**
 * typedef ae_ring_alloc_fn - allocate one TCP socket's ring storage in one
 * piece: @rx_size bytes of receive ring, then @tx_size bytes of send ring
 * (each a power of two). Used for nothing else, so the owner can place
 * exactly the rings elsewhere (the daemon: in memory its clients map).
 * Fresh memory; the stack does not rely on its contents.
 */
typedef void *(*ae_ring_alloc_fn)(void *ctx, size_t rx_size, size_t tx_size);
/** typedef ae_ring_free_fn - free ring storage; @len = rx_size + tx_size */
typedef void (*ae_ring_free_fn)(void *ctx, void *mem, size_t len);

/**
 * struct ae_config - what the owner tells the stack at creation
 * @mac:	our Ethernet address
 * @addr:	our IPv4 address (network order)
 * @prefix_len:	netmask length of @addr's subnet
 * @gateway:	default gateway (network order), 0 for none
 * @mtu:	link MTU, 1500 when 0, 576 to 65520 (the MSS follows it)
 * @seed:	random seed from the owner (ISN secret, ports, IP IDs)
 * @output:	frame sink, @output_ctx its argument
 * @clock:	time source, @clock_ctx its argument
 * @log:	optional log sink, @log_ctx its argument; @log_level max level
 * @mem_alloc:	optional socket-buffer allocator (NULL: malloc/free)
 * @time_wait_ms: TIME-WAIT duration, 60000 when 0 (Linux's 2*MSL)
 * @rcvbuf:	receive ring per TCP socket, 4 MiB when 0; the window offered
 *		from it is autotuned (tcp_autotune.c) from 256 KiB up
 * @sndbuf:	send ring per TCP socket, 4 MiB when 0
 * @max_sockets: bound on live sockets, 65536 when 0
 * @ring_alloc:	optional TCP ring storage allocator, @ring_free its
 *		counterpart, @ring_ctx their argument (NULL: the mem hooks)
 * @congestion:	congestion control of new TCP sockets, a TCP_CONGESTION
 *		name ("cubic", "reno", "bbr"); "" = "cubic". A "bbr" socket
 *		holds ~200 KiB of rate-sampling records besides its rings
 * @offload:	AE_OFFLOAD_* the device does; frames that use them go to
 *		@output_offload instead of @output (0: every frame is complete)
 * @output_offload: required when @offload is not 0
 */
struct ae_config {
	uint8_t mac[6];
	uint32_t addr;
	uint8_t prefix_len;
	uint32_t gateway;
	uint16_t mtu;
	uint64_t seed;
	ae_output_fn output;
	void *output_ctx;
	ae_clock_fn clock;
	void *clock_ctx;
	ae_log_fn log;
	void *log_ctx;
	int log_level;
	ae_mem_alloc_fn mem_alloc;
	ae_mem_free_fn mem_free;
	void *mem_ctx;
	uint32_t time_wait_ms;
	uint32_t rcvbuf;
	uint32_t sndbuf;
	uint32_t max_sockets;
	ae_ring_alloc_fn ring_alloc;
	ae_ring_free_fn ring_free;
	void *ring_ctx;
	char congestion[16];
	unsigned int offload;
	ae_output_offload_fn output_offload;
};

/* Stack lifetime and driving */
struct ae_stack *ae_stack_create(const struct ae_config *cfg);
void ae_stack_destroy(struct ae_stack *s);
void ae_stack_input(struct ae_stack *s, const void *frame, size_t len);
void ae_stack_input_flags(struct ae_stack *s, const void *frame, size_t len,
			  unsigned int flags);
void ae_stack_poll(struct ae_stack *s);
bool ae_stack_deliver_local(struct ae_stack *s);
uint64_t ae_stack_next_timeout(const struct ae_stack *s);
void ae_stack_announce(struct ae_stack *s);
unsigned int ae_stack_open_conns(struct ae_stack *s);
unsigned int ae_stack_reset_all(struct ae_stack *s);
const char *ae_stack_check(const struct ae_stack *s);

/**
 * typedef ae_stat_fn - one named counter, for ae_stack_stats_foreach()
 * @group:	"eth", "arp", "ip", "icmp", "udp", "tcp"
 * @name:	counter name, e.g. "in_csum_errors"
 */
typedef void (*ae_stat_fn)(void *ctx, const char *group, const char *name,
			   uint64_t value);
void ae_stack_stats_foreach(const struct ae_stack *s, ae_stat_fn fn, void *ctx);
uint64_t ae_stack_stat(const struct ae_stack *s, const char *group,
		       const char *name);

/* Readiness events, delivered to the socket callback (a bit mask). */
enum ae_event {
	AE_EV_IN	= 1 << 0,	/* readable, or a connection to accept */
	AE_EV_OUT	= 1 << 1,	/* writable, or connect() completed */
	AE_EV_ERR	= 1 << 2,	/* so_error set (RST, timeout, refused) */
	AE_EV_HUP	= 1 << 3,	/* both directions closed */
	AE_EV_RDHUP	= 1 << 4,	/* peer sent FIN */
	AE_EV_FREE	= 1 << 5,	/* after ae_close(): the stack is done with it */
};

/** typedef ae_sock_cb - readiness callback; may call any socket function */
typedef void (*ae_sock_cb)(struct ae_sock *sk, unsigned int events, void *user);

/**
 * struct ae_ring - a byte ring with free-running 32-bit indices
 * @mem:	storage, @size bytes (a power of two)
 * @head:	consumer index
 * @tail:	producer index; used bytes are tail - head
 * @base:	index stored at the ring's first byte: index i lives at
 *		(i - base) & (size - 1). The producer moves it to @tail when
 *		it finds the ring empty (ring_restart()), so a ring that
 *		empties between exchanges starts over at its first page
 *		instead of walking all of its storage.
 *
 * A TCP socket's receive ring holds in-order data (the app consumes from
 * head); free space is the advertised window. Its send ring holds data not
 * yet acknowledged (head is SND.UNA's byte): it is the retransmission queue.
 */
struct ae_ring {
	uint8_t *mem;
	uint32_t size;
	uint32_t head;
	uint32_t tail;
	uint32_t base;
};

/* Which fields of struct ae_dgram_info a send sets */
enum ae_dgram_set {
	AE_DG_TTL	= 1 << 0,
	AE_DG_TOS	= 1 << 1,
};

/**
 * struct ae_dgram_info - the IP fields of one datagram (ancillary data)
 * @dst:	receive: the destination address it was sent to (network order)
 * @ttl:	receive: its TTL; send: the TTL to use when @set has AE_DG_TTL
 * @tos:	receive: its TOS byte; send: the TOS when @set has AE_DG_TOS
 * @set:	send: enum ae_dgram_set bits; 0 takes the socket's IP_TTL/IP_TOS
 */
struct ae_dgram_info {
	uint32_t dst;
	uint8_t ttl, tos, set;
};

struct ae_sock *ae_socket(struct ae_stack *s, int type, int *err);
void ae_sock_set_callback(struct ae_sock *sk, ae_sock_cb cb, void *user);
void *ae_sock_user(const struct ae_sock *sk);
int ae_bind(struct ae_sock *sk, const struct sockaddr_in *addr);
int ae_listen(struct ae_sock *sk, int backlog);
int ae_accept(struct ae_sock *sk, struct ae_sock **out, struct sockaddr_in *peer);
int ae_unaccept(struct ae_sock *lsk, struct ae_sock *sk);
int ae_connect(struct ae_sock *sk, const struct sockaddr_in *addr);
bool ae_loop_unserved(const struct ae_sock *sk, const struct sockaddr_in *addr);
ssize_t ae_send(struct ae_sock *sk, const void *buf, size_t len, int flags);
ssize_t ae_recv(struct ae_sock *sk, void *buf, size_t len, int flags);
ssize_t ae_sendto(struct ae_sock *sk, const void *buf, size_t len, int flags,
		  const struct sockaddr_in *to);
ssize_t ae_recvfrom(struct ae_sock *sk, void *buf, size_t len, int flags,
		    struct sockaddr_in *from);
ssize_t ae_sendmsg(struct ae_sock *sk, const void *buf, size_t len, int flags,
		   const struct sockaddr_in *to, const struct ae_dgram_info *info);
ssize_t ae_recvmsg(struct ae_sock *sk, void *buf, size_t len, int flags,
		   struct sockaddr_in *from, struct ae_dgram_info *info);
int ae_shutdown(struct ae_sock *sk, int how);
int ae_close(struct ae_sock *sk);
void ae_abort(struct ae_sock *sk);
int ae_getsockname(const struct ae_sock *sk, struct sockaddr_in *addr);
int ae_getpeername(const struct ae_sock *sk, struct sockaddr_in *addr);
int ae_setsockopt(struct ae_sock *sk, int level, int name, const void *val,
		  size_t len);
int ae_getsockopt(struct ae_sock *sk, int level, int name, void *val,
		  size_t *len);
unsigned int ae_poll(const struct ae_sock *sk);
int ae_sock_error(struct ae_sock *sk);
int ae_sock_soft_error(struct ae_sock *sk);
int ae_sock_state(const struct ae_sock *sk);

/* Zero-copy ring access for owners that share buffers (aetherd). */
struct ae_ring *ae_sock_rxring(struct ae_sock *sk);
struct ae_ring *ae_sock_txring(struct ae_sock *sk);
void ae_sock_rx_consumed(struct ae_sock *sk, uint32_t n);
uint32_t ae_sock_rx_limit(struct ae_sock *sk);
uint32_t ae_sock_tx_limit(struct ae_sock *sk);
bool ae_sock_peer_local(const struct ae_sock *sk);
void ae_sock_tx_committed(struct ae_sock *sk, uint32_t n);
bool ae_sock_rx_restart(struct ae_sock *sk);
uint32_t ae_sock_rx_ahead(struct ae_sock *sk);
int ae_sock_tx_rebase(struct ae_sock *sk, uint32_t base);

/**
 * struct ae_sock_info - one line of the socket table (like `ss`), handed
 * to an ae_sock_visit_fn by ae_stack_sockets_foreach()
 */
struct ae_sock_info {
	int type;
	int state;		/* enum tcp_state, or 0 for UDP */
	struct sockaddr_in local, remote;
	uint32_t rx_queued, tx_queued;
	/* TCP, as `ss -i` shows them: microseconds, segments, MSS bytes */
	uint32_t rtt_us, rttvar_us, rto_us, cwnd, ssthresh, mss;
	char congestion[8];	/* "cubic", "reno", "bbr" */
};
typedef void (*ae_sock_visit_fn)(void *ctx, const struct ae_sock_info *info);
void ae_stack_sockets_foreach(struct ae_stack *s, ae_sock_visit_fn fn, void *ctx);
const char *ae_tcp_state_name(int state);

/* Linux's struct tcp_info (<netinet/tcp.h>) for a TCP socket; 0 or -errno */
struct tcp_info;
int ae_tcp_info(const struct ae_sock *sk, struct tcp_info *ti);

#endif /* AETHER_H */
