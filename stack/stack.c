// SPDX-License-Identifier: MIT
/**
 * DOC: stack.c - stack lifetime, driving, counters and shared helpers
 *
 * Theory of operation: ae_stack_create() copies the owner's configuration,
 * fills in defaults and asks every module to allocate its state once (arp,
 * ipv4 reassembly, icmp, udp, tcp); ae_stack_destroy() unwinds in reverse.
 * Every public entry point first refreshes s->now from the owner's clock, so
 * one entry sees one instant. Timers are polled, not scheduled: each module
 * reports its earliest deadline and ae_stack_poll() runs whatever is due.
 *
 * All memory the stack owns (its own struct, module state, socket buffers) is
 * taken through stack_mem_alloc(), i.e. the owner's mem_alloc hook when given,
 * so a test can count allocations and prove that destroy frees everything.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include "stack.h"

#define DEF_MTU		1500
#define MIN_MTU		576
#define DEF_TIME_WAIT	60000
#define DEF_RCVBUF	(4u << 20)	/* capacity; tcp_autotune.c */
#define DEF_SNDBUF	(4u << 20)
#define DEF_MAX_SOCKETS	65536

/**
 * cfg_alloc_raw() - allocate through the configuration's hook or malloc,
 * contents undefined
 * @cfg:	configuration (hooks)
 * @len:	bytes
 *
 * Return: memory or NULL
 */
static void *cfg_alloc_raw(const struct ae_config *cfg, size_t len)
{
	if (cfg->mem_alloc)
		return cfg->mem_alloc(cfg->mem_ctx, len);
	return malloc(len);
}

/**
 * cfg_alloc() - allocate through the configuration's hook or malloc
 * @cfg:	configuration (hooks)
 * @len:	bytes
 *
 * Return: zeroed memory or NULL
 */
static void *cfg_alloc(const struct ae_config *cfg, size_t len)
{
	void *m = cfg_alloc_raw(cfg, len);

	if (m)
		memset(m, 0, len);
	return m;
}

/**
 * cfg_free() - release memory taken by cfg_alloc()
 * @cfg:	configuration (hooks)
 * @mem:	memory, may be NULL
 * @len:	bytes, as allocated
 */
static void cfg_free(const struct ae_config *cfg, void *mem, size_t len)
{
	if (!mem)
		return;
	if (cfg->mem_free)
		cfg->mem_free(cfg->mem_ctx, mem, len);
	else if (!cfg->mem_alloc)
		free(mem);
}

/**
 * stack_mem_alloc() - allocate zeroed memory owned by the stack
 * @s:		stack
 * @len:	bytes
 *
 * Used at creation and per socket, never per packet.
 *
 * Return: memory or NULL
 */
void *stack_mem_alloc(struct ae_stack *s, size_t len)
{
	return cfg_alloc(&s->cfg, len);
}

/**
 * stack_mem_free() - free memory from stack_mem_alloc()
 * @s:		stack
 * @mem:	memory, may be NULL
 * @len:	size given at allocation
 */
void stack_mem_free(struct ae_stack *s, void *mem, size_t len)
{
	cfg_free(&s->cfg, mem, len);
}

/**
 * stack_ring_alloc() - storage for one TCP socket's rings (rx then tx)
 * @s:		stack
 * @rx_size:	receive ring bytes
 * @tx_size:	send ring bytes
 *
 * Through the owner's ring_alloc hook when given (only ring storage goes
 * there), else the mem hooks or malloc, not zeroed: a ring's bytes are
 * only ever read after they were written, and clearing 8 MiB per
 * connection would touch every page of it (the embedded httpd fell from
 * 4.4k to 0.25k new connections a second when the rings grew to 4 MiB).
 *
 * Return: memory or NULL
 */
void *stack_ring_alloc(struct ae_stack *s, size_t rx_size, size_t tx_size)
{
	if (s->cfg.ring_alloc)
		return s->cfg.ring_alloc(s->cfg.ring_ctx, rx_size, tx_size);
	return cfg_alloc_raw(&s->cfg, rx_size + tx_size);
}

/**
 * stack_ring_free() - free storage from stack_ring_alloc()
 * @s:		stack
 * @mem:	memory, may be NULL
 * @len:	rx_size + tx_size given at allocation
 */
void stack_ring_free(struct ae_stack *s, void *mem, size_t len)
{
	if (!mem)
		return;
	if (s->cfg.ring_alloc)
		s->cfg.ring_free(s->cfg.ring_ctx, mem, len);
	else
		stack_mem_free(s, mem, len);
}

/**
 * stack_now() - refresh and return the current time from the owner's clock
 * @s:		stack
 *
 * The clock is monotonic by contract; a clock that goes back is clamped so
 * that no timer arithmetic sees time decrease.
 *
 * Return: nanoseconds
 */
uint64_t stack_now(struct ae_stack *s)
{
	uint64_t t = s->cfg.clock(s->cfg.clock_ctx);

	if (t > s->now)
		s->now = t;
	return s->now;
}

/**
 * stack_random() - 32 pseudo-random bits (xorshift64*)
 * @s:		stack
 *
 * Not cryptographic; TCP mixes its ISN secret separately.
 *
 * Return: random value
 */
uint32_t stack_random(struct ae_stack *s)
{
	uint64_t x = s->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rng = x;
	return (uint32_t)((x * 0x2545F4914F6CDD1DULL) >> 32);
}

/**
 * stack_log() - format a message to the owner's log sink
 * @s:		stack
 * @level:	syslog level; dropped when above cfg.log_level
 * @fmt:	printf format
 */
void stack_log(struct ae_stack *s, int level, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	if (!s->cfg.log || level > s->cfg.log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.log_ctx, level, buf);
}

/**
 * ae_assert_fail() - an AE_ASSERT() failed (debug builds): say which, where,
 * and abort, so that a sanitizer or fuzzer reports the stack trace
 * @expr:	the condition, as written
 * @file:	source file
 * @line:	line
 * @func:	function
 */
void ae_assert_fail(const char *expr, const char *file, int line,
		    const char *func)
{
	fprintf(stderr, "aether: %s:%d: %s: assertion '%s' failed\n", file,
		line, func, expr);
	abort();
}

/**
 * ae_stack_check() - check the stack's internal invariants (the TCBs and
 * the TCP timer heap: tcp_check_all()); for tests and fuzz targets, and
 * cheap enough for an embedder's debug build to call after every event
 * @s:		stack
 *
 * Return: NULL when they hold, else what is broken
 */
const char *ae_stack_check(const struct ae_stack *s)
{
	return s->tcp ? tcp_check_all(s) : NULL;
}

/**
 * stack_is_local() - is @addr one of our addresses?
 * @s:		stack
 * @addr:	IPv4 address, network order
 *
 * Like Linux's loopback device, the whole of 127.0.0.0/8 is ours: sockets
 * may bind there, and datagrams to it (or to our configured address) go
 * through the loopback queue, never the wire.
 *
 * Return: true for our configured address and 127.0.0.0/8
 */
bool stack_is_local(const struct ae_stack *s, uint32_t addr)
{
	return addr == s->cfg.addr || (ntohl(addr) >> 24) == 127;
}

/**
 * sock_link() - register a new socket with the stack
 * @s:		stack
 * @sk:		socket (zeroed by its module)
 * @type:	SOCK_STREAM or SOCK_DGRAM
 */
void sock_link(struct ae_stack *s, struct ae_sock *sk, int type)
{
	sk->stack = s;
	sk->type = type;
	sock_opts_init(sk);
	LIST_INSERT_HEAD(&s->sockets, sk, entry);
	s->nsockets++;
}

/**
 * sock_unlink() - remove a socket from the stack's list
 * @sk:		socket, previously linked
 */
void sock_unlink(struct ae_sock *sk)
{
	LIST_REMOVE(sk, entry);
	sk->stack->nsockets--;
}

/**
 * sock_notify() - deliver readiness events to the socket's owner
 * @sk:		socket
 * @events:	AE_EV_* mask
 *
 * After ae_close() only AE_EV_FREE is delivered.
 */
void sock_notify(struct ae_sock *sk, unsigned int events)
{
	if (!sk->cb || !events)
		return;
	if (sk->closed) {
		events &= AE_EV_FREE;
		if (!events)
			return;
	}
	sk->cb(sk, events, sk->user);
}

/**
 * cfg_defaults() - fill zero fields of a configuration with defaults
 * @cfg:	configuration, modified
 */
static void cfg_defaults(struct ae_config *cfg)
{
	if (!cfg->mtu)
		cfg->mtu = DEF_MTU;
	if (cfg->mtu < MIN_MTU)
		cfg->mtu = MIN_MTU;
	if (cfg->mtu > AE_MAX_MTU)
		cfg->mtu = AE_MAX_MTU;
	if (!cfg->time_wait_ms)
		cfg->time_wait_ms = DEF_TIME_WAIT;
	if (!cfg->rcvbuf)
		cfg->rcvbuf = DEF_RCVBUF;
	if (!cfg->sndbuf)
		cfg->sndbuf = DEF_SNDBUF;
	if (!cfg->max_sockets)
		cfg->max_sockets = DEF_MAX_SOCKETS;
	if (cfg->prefix_len > 32)
		cfg->prefix_len = 32;
}

/**
 * ae_stack_create() - create a stack instance
 * @cfg:	configuration; @output and @clock are required
 *
 * Return: the stack, or NULL (bad configuration or out of memory)
 */
struct ae_stack *ae_stack_create(const struct ae_config *cfg)
{
	struct ae_stack *s;

	if (!cfg || !cfg->output || !cfg->clock)
		return NULL;
	if (cfg->offload && !cfg->output_offload)
		return NULL;
	if (!!cfg->mem_alloc != !!cfg->mem_free ||
	    !!cfg->ring_alloc != !!cfg->ring_free)
		return NULL;
	s = cfg_alloc(cfg, sizeof(*s));
	if (!s)
		return NULL;
	s->cfg = *cfg;
	cfg_defaults(&s->cfg);
	LIST_INIT(&s->sockets);
	s->rng = cfg->seed ^ 0x9E3779B97F4A7C15ULL;
	if (!s->rng)
		s->rng = 1;
	stack_now(s);
	s->ip_id = (uint16_t)stack_random(s);

	if (arp_init(s))
		goto err_arp;
	if (ipv4_init(s))
		goto err_ipv4;
	if (icmp_init(s))
		goto err_icmp;
	if (udp_init(s))
		goto err_udp;
	if (tcp_init(s))
		goto err_tcp;
	if (loop_init(s))
		goto err_loop;
	return s;

err_loop:
	tcp_fini(s);
err_tcp:
	udp_fini(s);
err_udp:
	icmp_fini(s);
err_icmp:
	ipv4_fini(s);
err_ipv4:
	arp_fini(s);
err_arp:
	cfg_free(cfg, s, sizeof(*s));
	return NULL;
}

/**
 * ae_stack_destroy() - free a stack, its sockets and all module state
 * @s:		stack, may be NULL
 *
 * Emits nothing: sockets still open are freed silently.
 */
void ae_stack_destroy(struct ae_stack *s)
{
	struct ae_config cfg;

	if (!s)
		return;
	loop_fini(s);
	tcp_fini(s);
	udp_fini(s);
	icmp_fini(s);
	ipv4_fini(s);
	arp_fini(s);
	cfg = s->cfg;
	cfg_free(&cfg, s, sizeof(*s));
}

/**
 * ae_stack_input() - hand one received Ethernet frame to the stack
 * @s:		stack
 * @frame:	frame bytes (without FCS); need not be aligned
 * @len:	frame length
 *
 * The frame is only read during the call.
 */
void ae_stack_input(struct ae_stack *s, const void *frame, size_t len)
{
	ae_stack_input_flags(s, frame, len, 0);
}

/**
 * ae_stack_input_flags() - ae_stack_input() with what the owner's device
 * knows about the frame
 * @s:		stack
 * @frame:	frame bytes (without FCS); need not be aligned; may be an
 *		IPv4 TCP super-frame of up to 64 KiB (the peer's GSO), taken
 *		as one segment
 * @len:	frame length
 * @flags:	AE_RX_* (AE_RX_CSUM_VALID: skip the TCP/UDP checksum check)
 */
void ae_stack_input_flags(struct ae_stack *s, const void *frame, size_t len,
			  unsigned int flags)
{
	struct ae_pkt p = { .data = frame, .len = len };

	stack_now(s);
	if (!frame)
		p.len = 0;
	s->rx_csum_valid = flags & AE_RX_CSUM_VALID;
	eth_input(s, &p);
	s->rx_csum_valid = false;
	loop_drain(s);
}

/**
 * ae_stack_poll() - run every timer that is due
 * @s:		stack
 */
void ae_stack_poll(struct ae_stack *s)
{
	stack_now(s);
	arp_timer(s);
	ipv4_timer(s);
	tcp_timer(s);
	loop_drain(s);
}

/**
 * ae_stack_deliver_local() - deliver what sockets sent to this stack itself
 * (the loopback queue) now, not at the next ae_stack_poll()
 * @s:		stack
 *
 * For an owner that answers a send only once the local peer has the data,
 * as Linux's loopback does. Call it where ae_stack_poll() could be called:
 * not from inside a socket callback.
 *
 * Return: true if anything was queued for local delivery
 */
bool ae_stack_deliver_local(struct ae_stack *s)
{
	if (!loop_pending(s))
		return false;
	stack_now(s);
	loop_drain(s);
	return true;
}

/**
 * ae_stack_next_timeout() - when ae_stack_poll() must run next
 * @s:		stack
 *
 * While the loopback queue holds datagrams, that is now (the time of the
 * last entry), so the owner calls ae_stack_poll() at once to deliver them.
 *
 * Return: absolute time in the owner's clock (ns), or AE_NEVER
 */
uint64_t ae_stack_next_timeout(const struct ae_stack *s)
{
	uint64_t t = arp_next_timeout(s), u;

	if (loop_pending(s))
		return s->now;
	u = ipv4_next_timeout(s);
	if (u < t)
		t = u;
	u = tcp_next_timeout(s);
	if (u < t)
		t = u;
	return t;
}

/**
 * ae_stack_announce() - send a gratuitous ARP for our address
 * @s:		stack
 */
void ae_stack_announce(struct ae_stack *s)
{
	stack_now(s);
	arp_announce(s);
}

/**
 * ae_stack_stats_foreach() - call @fn for every named counter
 * @s:		stack
 * @fn:		visitor
 * @ctx:	its argument
 */
void ae_stack_stats_foreach(const struct ae_stack *s, ae_stat_fn fn, void *ctx)
{
#define AE_STAT_VISIT(g, n) fn(ctx, #g, #n, s->stats.g##_##n);
	AE_STATS_ALL(AE_STAT_VISIT)
#undef AE_STAT_VISIT
}

/**
 * ae_stack_stat() - one counter by group and name
 * @s:		stack
 * @group:	e.g. "ip"
 * @name:	e.g. "in_csum_errors"
 *
 * Return: its value, or 0 for an unknown name
 */
uint64_t ae_stack_stat(const struct ae_stack *s, const char *group,
		       const char *name)
{
#define AE_STAT_FIND(g, n) \
	if (!strcmp(group, #g) && !strcmp(name, #n)) \
		return s->stats.g##_##n;
	AE_STATS_ALL(AE_STAT_FIND)
#undef AE_STAT_FIND
	return 0;
}

/**
 * sock_fill_addr() - a struct sockaddr_in from network-order fields
 * @sin:	filled
 * @addr:	address, network order
 * @port:	port, network order
 */
static void sock_fill_addr(struct sockaddr_in *sin, uint32_t addr,
			   uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	sin->sin_port = port;
}

/**
 * ae_stack_sockets_foreach() - one line per live socket, like `ss`
 * @s:		stack
 * @fn:		visitor; must not open or close sockets
 * @ctx:	its argument
 */
void ae_stack_sockets_foreach(struct ae_stack *s, ae_sock_visit_fn fn, void *ctx)
{
	struct ae_sock_info info;
	struct ae_sock *sk;

	LIST_FOREACH(sk, &s->sockets, entry) {
		memset(&info, 0, sizeof(info));
		info.type = sk->type;
		sock_fill_addr(&info.local, sk->laddr, sk->lport);
		sock_fill_addr(&info.remote, sk->raddr, sk->rport);
		if (sk->type == SOCK_STREAM)
			tcp_sock_info(sk, &info);
		else
			info.rx_queued = udp_rx_queued(sk);
		fn(ctx, &info);
	}
}
