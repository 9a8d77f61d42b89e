/* SPDX-License-Identifier: MIT */
/**
 * DOC: aetherd.h - the daemon's shared state, seen by its modules
 *
 * aetherd_main.c parses options, brings the host side up (host/host.c: TAP,
 * loop, timers, signals), creates the stack, then hands the daemon to the client side (session.c), which serves programs
 * over the control socket. Everything runs in one thread, in one epoll loop.
 */
#ifndef AETHERD_H
#define AETHERD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "aether.h"
#include "loop.h"

struct session_srv;
struct ae_host;

/**
 * struct aetherd - one daemon
 * @stack:	the protocol stack
 * @loop:	the event loop
 * @socket_path: control socket (AETHER_SOCKET, or /run/aether/aetherd.sock)
 * @verbose:	-v count
 * @srv:	client side state, owned by session.c
 * @allow_low_ports: uids allowed to bind below 1024 besides root (-1 ends)
 * @socket_gid:	group of the control socket (mode 0660), -1: none (0666)
 * @dev_stats:	the device side's counters (tap, pcap, impair), for STATS
 * @dev_ctx:	its first argument
 * @max_sockets: --max-sockets: sockets per uid, 0 for the default
 * @max_mem:	--max-memory: ring bytes per uid, 0 for the default
 * @to_lfd:	the takeover socket (takeover.c), -1 before it listens
 * @host:	the device side, for a takeover
 * @notify_fd:	$NOTIFY_SOCKET, connected (sdnotify.c), or -1
 */
struct aetherd {
	struct ae_stack *stack;
	struct ae_loop *loop;
	const char *socket_path;
	int verbose;
	struct session_srv *srv;
	int allow_low_ports[16];
	long socket_gid;
	void (*dev_stats)(void *dev_ctx, ae_stat_fn fn, void *ctx);
	void *dev_ctx;
	uint32_t max_sockets;
	uint64_t max_mem;
	int to_lfd;
	struct ae_host *host;
	int notify_fd;
};

/* sdnotify.c: systemd's readiness protocol */
int sdn_open(void);
void sdn_send(int fd, const char *msg);
void sdn_mainpid(int fd, pid_t pid);

/* session.c: the client side */
int session_init(struct aetherd *d);
void session_fini(struct aetherd *d);
void *session_mem_alloc(void *ctx, size_t len);
void session_mem_free(void *ctx, void *mem, size_t len);
/* the stack's ring_alloc/ring_free hooks: TCP rings in client-mapped memfds */
void *session_ring_alloc(void *ctx, size_t rx_size, size_t tx_size);
void session_ring_free(void *ctx, void *mem, size_t len);
/* every counter: device, stack, ipc (AE_MSG_STATS, SIGUSR1) */
void session_stats_foreach(const struct aetherd *d, ae_stat_fn fn, void *ctx);
/* after ae_stack_destroy(): the memory table session_mem_free() needed */
void session_destroy(struct aetherd *d);

#endif /* AETHERD_H */
