/* SPDX-License-Identifier: MIT */
/**
 * DOC: stack.h - internals shared by the stack's modules
 *
 * Theory of operation: a frame enters at ae_stack_input() -> eth_input() ->
 * arp_input() or ipv4_input() -> icmp_input() / udp_input() / tcp_input().
 * Each layer checks its header through pkt_get() and either passes a narrower
 * &struct ae_pkt up or drops the frame, counting the reason in &struct ae_stats.
 * Output goes the other way: tcp/udp/icmp build their header in a small stack
 * buffer and call ipv4_output() with an iovec (header + payload straight from
 * the socket ring); ipv4_output() adds the IP header, fragments if needed and
 * hands the frame to arp_output(), which resolves the next hop (queueing a
 * bounded number of frames while it asks) and calls eth_output().
 * A datagram to a local address (127.0.0.0/8 or ours) goes instead to the
 * loopback queue (loopback.c), drained into ipv4_input_local() at the end
 * of ae_stack_input() and in ae_stack_poll(), never from inside output.
 *
 * Each module keeps its state behind an opaque pointer allocated once in
 * ae_stack_create(); nothing allocates per packet. All time comes from
 * s->now, refreshed from the owner's clock at every entry point (stack_now()).
 */
#ifndef AE_STACK_H
#define AE_STACK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include "aether.h"
#include "pkt.h"
#include "stats.h"
#include "wire.h"

#define AE_MAX_MTU	65520	/* cfg.mtu's bound (a TAP's largest, as pasta uses);
				 * buffers holding a packet are sized from cfg.mtu */

/*
 * AE_ASSERT() - an invariant of the stack, checked in debug builds (make
 * AE_DEBUG=1; always in make asan/ubsan/tsan and in the fuzz targets): a
 * broken one names itself and aborts, like passt's ASSERT() and lwIP's
 * LWIP_ASSERT. Without AE_DEBUG the condition is only type-checked, never
 * evaluated, so it may be as costly as it needs.
 */
#ifdef AE_DEBUG
#define AE_ASSERT(c)	((c) ? (void)0 : \
			 ae_assert_fail(#c, __FILE__, __LINE__, __func__))
#else
#define AE_ASSERT(c)	((void)sizeof(!(c)))
#endif
void ae_assert_fail(const char *expr, const char *file, int line,
		    const char *func) __attribute__((noreturn));

#define NS_PER_MS	1000000ULL
#define NS_PER_SEC	1000000000ULL
#define AE_NEVER	UINT64_MAX

/**
 * enum ae_sof - SOL_SOCKET booleans kept as Linux keeps them (sockopt.c)
 * @AE_SOF_KEEPALIVE:	SO_KEEPALIVE (TCP also arms its keepalive timer)
 * @AE_SOF_BROADCAST:	SO_BROADCAST (a UDP send to a broadcast address)
 * @AE_SOF_OOBINLINE:	SO_OOBINLINE
 * @AE_SOF_DONTROUTE:	SO_DONTROUTE
 * @AE_SOF_DEBUG:	SO_DEBUG
 * @AE_SOF_NO_CHECK:	SO_NO_CHECK
 * @AE_SOF_LINGER:	SO_LINGER's l_onoff
 * @AE_SOF_MC_LOOP:	IP_MULTICAST_LOOP
 * @AE_SOF_MC6_LOOP:	IPV6_MULTICAST_LOOP
 */
enum ae_sof {
	AE_SOF_KEEPALIVE = 1u << 0,
	AE_SOF_BROADCAST = 1u << 1,
	AE_SOF_OOBINLINE = 1u << 2,
	AE_SOF_DONTROUTE = 1u << 3,
	AE_SOF_DEBUG	 = 1u << 4,
	AE_SOF_NO_CHECK	 = 1u << 5,
	AE_SOF_LINGER	 = 1u << 6,
	AE_SOF_MC_LOOP	 = 1u << 7,
	AE_SOF_MC6_LOOP	 = 1u << 8,
};

#define AE_LINUX_BUF_MAX 212992	/* net.core.rmem_max, wmem_max */

/**
 * struct ae_sock_opts - option values a socket only stores and reports (or
 * that several protocols read), with Linux's defaults (sock_opts_init());
 * an accepted TCP socket copies its listener's, as Linux's sk_clone does
 * @flags:	enum ae_sof bits
 * @priority:	SO_PRIORITY
 * @rcvlowat:	SO_RCVLOWAT (1 unless set)
 * @linger_s:	SO_LINGER's l_linger, kept when l_onoff is cleared
 * @pmtudisc:	IP_MTU_DISCOVER (IP_PMTUDISC_WANT)
 * @mc_ttl:	IP_MULTICAST_TTL (1)
 * @mc_addr:	IP_MULTICAST_IF's address (network order), 0 for none
 * @mc_index:	IP_MULTICAST_IF's interface index, 0 for none
 * @tclass6:	IPV6_TCLASS
 * @pmtudisc6:	IPV6_MTU_DISCOVER (IPV6_PMTUDISC_WANT)
 * @hops6:	IPV6_UNICAST_HOPS, -1 for the default (64)
 * @mc_hops6:	IPV6_MULTICAST_HOPS (1)
 */
struct ae_sock_opts {
	uint32_t flags;
	int priority, rcvlowat, linger_s;
	uint32_t mc_addr;
	int mc_index;
	uint8_t pmtudisc, mc_ttl, tclass6, pmtudisc6;
	int16_t hops6, mc_hops6;
};

/**
 * struct ae_sock - what every socket type shares; TCP and UDP sockets embed
 * it as their first member.
 * @stack:	owning stack
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @cb:		readiness callback, @user its argument
 * @laddr:	local address (network order), 0 = wildcard
 * @raddr:	remote address (network order), 0 = none
 * @lport:	local port (network order), 0 = unbound
 * @rport:	remote port (network order)
 * @so_error:	pending error (positive errno), read and cleared by SO_ERROR
 * @soft_err:	TCP: the last soft ICMP error (Linux's sk_err_soft): what a
 *		timeout reports instead of ETIMEDOUT, and what SO_ERROR
 *		reads (and clears) when @so_error is 0
 * @reuseaddr:	SO_REUSEADDR
 * @reuseport:	SO_REUSEPORT
 * @v6:		the owner's socket is AF_INET6 (it set IPV6_V6ONLY, either way)
 * @v6only:	IPV6_V6ONLY: the socket takes no IPv4 traffic, so it shares no
 *		address with an AF_INET socket (sock_family_overlap())
 * @closed:	the owner called ae_close(); no more callbacks but AE_EV_FREE
 * @tos:	IP_TOS, the TOS byte of this socket's datagrams
 * @ttl:	IP_TTL, 0 for the default (64)
 * @rcvbuf_opt:	SO_RCVBUF as Linux reports it (twice the value set), 0 = unset
 * @sndbuf_opt:	SO_SNDBUF likewise
 * @defer_accept: TCP_DEFER_ACCEPT in seconds (as Linux reports it)
 * @opt:	the other options (sockopt.c)
 * @entry:	link in the stack's list of all sockets
 */
struct ae_sock {
	struct ae_stack *stack;
	int type;
	ae_sock_cb cb;
	void *user;
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	int so_error;
	int soft_err;
	bool reuseaddr, reuseport, v6, v6only, closed;
	uint8_t tos, ttl;
	int rcvbuf_opt, sndbuf_opt, defer_accept;
	struct ae_sock_opts opt;
	LIST_ENTRY(ae_sock) entry;
};

struct ae_arp;
struct ae_ipfrag;
struct ae_icmp;
struct ae_udp;
struct ae_tcp;
struct ae_loop;

/**
 * struct ae_stack - one instance of the stack
 * @cfg:	configuration as given (defaults filled in)
 * @now:	time of the current entry, nanoseconds
 * @stats:	all counters
 * @arp, @frag, @icmp, @udp, @tcp: module state
 * @loop:	loopback queue (loopback.c)
 * @sockets:	every live socket (for ae_stack_sockets_foreach)
 * @nsockets:	how many
 * @rng:	xorshift state seeded from cfg.seed
 * @ip_id:	next IPv4 identification
 * @rx_csum_valid: the frame being input needs no TCP/UDP checksum check
 *		(AE_RX_CSUM_VALID), for the duration of ae_stack_input_flags()
 * @tx_off:	offload request of the frame being output (set by TCP around
 *		its ipv4_output() call), NULL for a complete frame
 */
struct ae_stack {
	struct ae_config cfg;
	uint64_t now;
	struct ae_stats stats;
	struct ae_arp *arp;
	struct ae_ipfrag *frag;
	struct ae_icmp *icmp;
	struct ae_udp *udp;
	struct ae_tcp *tcp;
	struct ae_loop *loop;
	LIST_HEAD(, ae_sock) sockets;
	uint32_t nsockets;
	uint64_t rng;
	uint16_t ip_id;
	bool rx_csum_valid;
	const struct ae_tx_offload *tx_off;
};

/**
 * struct ae_ipinfo - what the IP layer tells the transport about a datagram
 * @src, @dst:	addresses (network order)
 * @proto:	IP protocol
 * @tos, @ttl:	from the header
 * @hdr:	the IP header as received (for ICMP errors), @hdr_len bytes
 */
struct ae_ipinfo {
	uint32_t src, dst;
	uint8_t proto, tos, ttl;
	const uint8_t *hdr;
	size_t hdr_len;
};

/* stack.c */
uint64_t stack_now(struct ae_stack *s);
uint32_t stack_random(struct ae_stack *s);
void stack_log(struct ae_stack *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void *stack_mem_alloc(struct ae_stack *s, size_t len);
void stack_mem_free(struct ae_stack *s, void *mem, size_t len);
void *stack_ring_alloc(struct ae_stack *s, size_t rx_size, size_t tx_size);
void stack_ring_free(struct ae_stack *s, void *mem, size_t len);
bool stack_is_local(const struct ae_stack *s, uint32_t addr);
void sock_link(struct ae_stack *s, struct ae_sock *sk, int type);
void sock_unlink(struct ae_sock *sk);
void sock_notify(struct ae_sock *sk, unsigned int events);
int sockopt_get_int(const void *val, size_t len, int *out);
bool sock_family_overlap(const struct ae_sock *a, const struct ae_sock *b);
int sockopt_put_int(void *val, size_t *len, int v);
int sockopt_put(void *val, size_t *len, const void *v, size_t size);
void sock_opts_init(struct ae_sock *sk);

/* checksum.c */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);
uint16_t csum(const void *buf, size_t len);
uint32_t csum_iov(const struct iovec *iov, int iovcnt, uint32_t sum);
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
uint16_t csum_update16(uint16_t check, uint16_t old, uint16_t new);

/* eth.c */
void eth_input(struct ae_stack *s, const struct ae_pkt *frame);
int eth_output(struct ae_stack *s, const uint8_t *dst, uint16_t ethertype,
	       const struct iovec *iov, int iovcnt);

/* arp.c */
int arp_init(struct ae_stack *s);
void arp_fini(struct ae_stack *s);
void arp_input(struct ae_stack *s, const struct ae_pkt *p);
int arp_output(struct ae_stack *s, uint32_t nexthop, const struct iovec *iov,
	       int iovcnt);
void arp_announce(struct ae_stack *s);
void arp_timer(struct ae_stack *s);
uint64_t arp_next_timeout(const struct ae_stack *s);

/* ipv4.c */
int ipv4_init(struct ae_stack *s);
void ipv4_fini(struct ae_stack *s);
void ipv4_input(struct ae_stack *s, const struct ae_pkt *p);
void ipv4_input_local(struct ae_stack *s, const struct ae_pkt *p);
int ipv4_output(struct ae_stack *s, uint32_t src, uint32_t dst, uint8_t proto,
		uint8_t tos, const struct iovec *iov, int iovcnt);
int ipv4_output_ttl(struct ae_stack *s, uint32_t src, uint32_t dst,
		    uint8_t proto, uint8_t tos, uint8_t ttl,
		    const struct iovec *iov, int iovcnt);
void ipv4_timer(struct ae_stack *s);
uint64_t ipv4_next_timeout(const struct ae_stack *s);
uint32_t ipv4_route_src(const struct ae_stack *s, uint32_t dst);
bool ipv4_is_bcast(const struct ae_stack *s, uint32_t addr);

/* loopback.c */
int loop_init(struct ae_stack *s);
void loop_fini(struct ae_stack *s);
int loop_output(struct ae_stack *s, const struct iovec *iov, int iovcnt);
void loop_drain(struct ae_stack *s);
bool loop_pending(const struct ae_stack *s);

/* icmp.c */
int icmp_init(struct ae_stack *s);
void icmp_fini(struct ae_stack *s);
void icmp_input(struct ae_stack *s, const struct ae_ipinfo *ip,
		const struct ae_pkt *p);
void icmp_send_unreach(struct ae_stack *s, uint8_t code,
		       const struct ae_ipinfo *ip, const struct ae_pkt *payload);
int icmp_err_convert(uint8_t type, uint8_t code, bool *fatal);
void icmp_local_error(struct ae_stack *s, uint8_t type, uint8_t code,
		      const struct ae_pkt *dgram);
void icmp_send_error(struct ae_stack *s, uint8_t type, uint8_t code,
		     uint32_t info, const struct ae_ipinfo *ip,
		     const struct ae_pkt *payload);

/* udp.c */
int udp_init(struct ae_stack *s);
void udp_fini(struct ae_stack *s);
void udp_input(struct ae_stack *s, const struct ae_ipinfo *ip,
	       const struct ae_pkt *p);
struct ae_sock *udp_socket(struct ae_stack *s, int *err);
int udp_bind(struct ae_sock *sk, uint32_t addr, uint16_t port);
int udp_connect(struct ae_sock *sk, uint32_t addr, uint16_t port);
ssize_t udp_sendto(struct ae_sock *sk, const void *buf, size_t len, int flags,
		   uint32_t daddr, uint16_t dport);
ssize_t udp_recvfrom(struct ae_sock *sk, void *buf, size_t len, int flags,
		     uint32_t *saddr, uint16_t *sport);
ssize_t udp_sendmsg(struct ae_sock *sk, const void *buf, size_t len, int flags,
		    uint32_t daddr, uint16_t dport,
		    const struct ae_dgram_info *info);
ssize_t udp_recvmsg(struct ae_sock *sk, void *buf, size_t len, int flags,
		    uint32_t *saddr, uint16_t *sport,
		    struct ae_dgram_info *info);
unsigned int udp_poll(const struct ae_sock *sk);
uint32_t udp_rx_queued(const struct ae_sock *sk);
int udp_shutdown(struct ae_sock *sk, int how);
void udp_close(struct ae_sock *sk);
bool udp_port_used(struct ae_stack *s, uint16_t port);
void udp_icmp_error(struct ae_stack *s, uint8_t type, uint8_t code,
		    const struct ae_pkt *inner);

/* tcp_*.c (entry points used by other modules) */
int tcp_init(struct ae_stack *s);
void tcp_fini(struct ae_stack *s);
const char *tcp_check_all(const struct ae_stack *s);
void tcp_input(struct ae_stack *s, const struct ae_ipinfo *ip,
	       const struct ae_pkt *p);
void tcp_icmp_error(struct ae_stack *s, uint8_t type, uint8_t code,
		    uint16_t mtu, const struct ae_pkt *inner);
void tcp_timer(struct ae_stack *s);
uint64_t tcp_next_timeout(const struct ae_stack *s);
void tcp_sock_info(const struct ae_sock *sk, struct ae_sock_info *info);

#endif /* AE_STACK_H */
