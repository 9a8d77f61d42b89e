/* SPDX-License-Identifier: MIT */
/**
 * DOC: session.h - internals of the client side (session*.c)
 *
 * A &struct sconn is one connection on the control socket: one backing fd of
 * some program. Once it sent AE_MSG_SOCKET (or came out of an accept) it owns
 * one stack socket and one &struct shm_region, the memfd both sides map.
 * Connections of one process (by SO_PEERCRED pid) share a &struct sclient;
 * the processes of one uid share a &struct suser, which carries the limits
 * accounting (a user cannot escape the limits by forking).
 */
#ifndef AE_SESSION_H
#define AE_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "aether_ipc.h"
#include "aetherd.h"

#define SESS_REGION_BUCKETS	1024
/* idle ring regions kept per uid for reuse (session_shm.c), and in all */
#define SESS_POOL_PER_USER	128
#define SESS_POOL_MAX		1024
/* a pooled region keeps (zeroed) at most this many bytes of ring pages in
 * place besides its header page (which holds the rx ring's first bytes):
 * the page where the tx ring starts, while its uid's pool holds fewer than
 * SESS_POOL_WARM regions; the others are punched out (scrub_rings()). A punch unmaps the pages from every process that
 * maps them (a TLB shoot-down on each CPU) and the next socket faults
 * them back: with punching on every close, that cycle was 40% of
 * aetherd's CPU per connection under wrk -c50 Connection: close
 * (bench/connprof.sh: 350-490 us per connection, 163 us without). The
 * bound keeps an idle uid's pool at SESS_POOL_WARM * 8 KiB at most (the
 * pool is LIFO: a busy server reuses the warm ones) */
#define SESS_POOL_KEEP_BYTES	8192u
#define SESS_POOL_WARM		64
/* the rx ring's drained pages are given back (sess_rx_punch(), once the
 * ring's tail stood still for SESS_GIVEBACK_MS) once this
 * many bytes of whole pages were read and the ring is empty, or this many
 * while data remains */
#define SESS_PUNCH_IDLE		(4u * 1024)
#define SESS_PUNCH_BUSY		(256u * 1024)
/* a queued rx ring whose tail stood still this long gives back its drained
 * pages (session_giveback.c) */
#define SESS_GIVEBACK_MS	250
/* malloc_trim() after this many connections closed (idle connections
 * leave their heap in glibc's free lists otherwise) */
#define SESS_TRIM_AFTER		1024
/* session_arena.c: a uid's arena grows by this much (sparse), up to the
 * offsets a 32-bit page number carries; its free ranges hash by length */
#define SESS_ARENA_GROW		(1ULL << 30)
#define SESS_ARENA_MAX		((uint64_t)UINT32_MAX * AE_SHM_HDR_SIZE)
#define SESS_ARENA_GAP_BUCKETS	16
/* pages one mincore() call looks at (sess_region_pages()) */
#define SESS_MINCORE_PAGES	4096
#define SESS_DEF_MAX_SOCKETS	16384
/* connections whose tx ring a busy-polling daemon reads (session_spin.c) */
#define SESS_HOT_MAX		64
#define SESS_DEF_MAX_MEM	(64ULL << 30)	/* charged bytes per uid (charge_of()) */

/* ipc counters, reported by `aether stats` in group "ipc" */
#define SESS_STATS(X) \
	X(clients) X(conns_opened) X(conns_closed) X(requests) X(bad_msgs) \
	X(closed_garbage) X(doorbells) X(flushes) X(notifies) X(notifies_dropped) \
	X(cutoffs) X(resp_deferred) X(fds_rejected) X(emfile) X(enobufs) \
	X(eacces_low_port) X(rst_on_close) X(fin_on_close) X(moves) \
	X(shed_no_fds) X(shm_created) X(shm_reused) X(shm_pooled) \
	X(shm_punched) X(shm_uid_mismatch) X(shm_poisoned) X(foreign_uid_reqs) \
	X(ring_punches) X(ring_punch_errors) X(ring_restarts) X(shm_settled) \
	X(shm_foreign_refused) \
	X(futex_wakes) X(kernel_loop) X(noreply_reqs) X(noreply_errors) \
	X(accept_batched) X(accept_requeued) X(accept_queue_reset) \
	X(spin_pulls)

/**
 * struct sess_stats - one counter per name in SESS_STATS
 */
struct sess_stats {
#define SESS_STAT_FIELD(n) uint64_t n;
	SESS_STATS(SESS_STAT_FIELD)
#undef SESS_STAT_FIELD
};

struct sconn;
struct arena_gap;
LIST_HEAD(gap_list, arena_gap);

/**
 * struct shm_arena - one uid's memfd, holding its regions (session_arena.c)
 * @fd:		the memfd, sent to that uid's processes only
 * @uid:	the uid
 * @size:	its length (ftruncate), @end what was ever handed out
 * @end:	see @size
 * @nregions:	regions in it; 0 closes it
 * @gaps:	free ranges, by length
 * @link:	the server's list
 * @snap_id:	its name in a takeover's state string (takeover.c)
 */
struct shm_arena {
	int fd;
	uid_t uid;
	uint64_t size, end;
	uint32_t nregions;
	struct gap_list gaps[SESS_ARENA_GAP_BUCKETS];
	LIST_ENTRY(shm_arena) link;
	uint32_t snap_id;
};

/**
 * struct shm_region - one memfd mapping: header page (+ rings)
 * @base:	daemon's mapping; the header page is at @base
 * @map_len:	bytes mapped
 * @memfd:	its own memfd, sent to clients; -1 when in an @arena
 * @arena:	the arena it is a range of (session_arena.c), or NULL
 * @off:	offset of @base in @arena (0 for its own memfd)
 * @sent:	its memfd (or arena) went to a client for the connection
 *		using it now (cleared when a pooled region is taken again)
 * @rings:	allocated for the stack (ring memory at base + page)
 * @tagged:	reserved for uid @uid: it was (or may have been) handed to a
 *		client of @uid, so only @uid may ever get it again
 * @uid:	that uid (when @tagged)
 * @rx_size:	rx ring bytes (rings only), @tx_size tx ring bytes
 * @tx_size:	tx ring bytes
 * @incarnation: bumped at every reuse, published in the header (stale
 *		mappings tell a recycled region from their own)
 * @poisoned:	its memfd may have reached a process of a uid other than
 *		@uid: never pooled
 * @owner:	the connection using it, or NULL
 * @charged:	bytes charged to @owner's client
 * @hlink:	hash chain (rings in use) or pool list (idle rings)
 * @ring_off:	where the rings start (sess_ring0()): AE_SHM_RING_OFF, or
 *		AE_SHM_HDR_SIZE in a region an older aetherd made
 * @rx_hi:	end of the rx storage the shim read since the last give-back
 *		(bytes from the ring's first byte: sess_rx_drained())
 * @snap_id:	its name in a takeover's state string (takeover.c), 0: none
 */
struct shm_region {
	uint8_t *base;
	size_t map_len;
	int memfd;
	struct shm_arena *arena;
	uint64_t off;
	bool sent;
	bool rings;
	bool tagged;
	uid_t uid;
	uint32_t rx_size, tx_size;
	uint32_t incarnation;
	bool poisoned;
	struct sconn *owner;
	uint64_t charged;
	LIST_ENTRY(shm_region) hlink;
	uint32_t ring_off;
	uint32_t rx_hi;
	uint32_t snap_id;
};

LIST_HEAD(region_list, shm_region);

/**
 * struct suser - one client uid: what the per-user limits count
 * @uid:	the uid
 * @refs:	client processes referring to it
 * @nsocks:	sockets its processes hold
 * @mem:	ring bytes its processes hold
 * @nlisten:	listening sockets its processes hold
 * @pool:	idle ring regions only this uid may get again (session_shm.c)
 * @npool:	how many
 * @link:	in the server's list
 */
struct suser {
	uid_t uid;
	uint32_t refs;
	uint32_t nsocks;
	uint64_t mem;
	uint32_t nlisten;
	struct region_list pool;
	uint32_t npool;
	LIST_ENTRY(suser) link;
};

/**
 * struct sclient - one client process (SO_PEERCRED)
 * @pid:	its pid
 * @uid:	its uid
 * @refs:	connections referring to it
 * @user:	its uid's accounting (limits are per uid)
 * @link:	in the server's list
 */
struct sclient {
	pid_t pid;
	uid_t uid;
	uint32_t refs;
	struct suser *user;
	LIST_ENTRY(sclient) link;
};

/* sconn flags */
enum {
	SC_DIRTY	= 1 << 0,	/* on the dirty list */
	SC_DEAD		= 1 << 1,	/* cut off: every request -ECONNRESET */
	SC_CONNECTING	= 1 << 2,
	SC_CONNECTED	= 1 << 3,
	SC_LISTEN	= 1 << 4,
	SC_WRSHUT	= 1 << 5,
	SC_RDSHUT	= 1 << 6,
	SC_LINGER0	= 1 << 7,
	SC_OUT_SEEN	= 1 << 8,	/* the stack reported OUT once */
	SC_BLOCKED	= 1 << 9,	/* a response waits for EPOLLOUT */
	SC_COUNTED	= 1 << 10,	/* counted in cl->nsocks */
	SC_LCOUNTED	= 1 << 11,	/* counted in cl->user->nlisten */
	SC_FREEING	= 1 << 12,	/* last fd closed: conn_free() runs */
	SC_FOREIGN	= 1 << 13,	/* a process of another uid used it */
	SC_HOT		= 1 << 14,	/* on the hot list (session_spin.c) */
};

/**
 * struct sconn - one connection on the control socket
 * @srv:	server
 * @fd:		daemon end
 * @cl:		owning client process
 * @sk:		stack socket, NULL until SOCKET (or after a cut-off)
 * @type:	SOCK_STREAM / SOCK_DGRAM
 * @flags:	SC_*
 * @reg:	current shared memory
 * @hdr:	its header page (reg->base)
 * @req_uid:	uid of the process that sent the request being handled
 *		(SCM_CREDENTIALS), (uid_t)-1 if unknown
 * @retired:	the header-only region it moved away from: the shim keeps
 *		that mapping until it closes, so it is pooled (or freed) only
 *		with the connection
 * @cut:	the ring region the stack freed under it (cut off): the shim
 *		still maps it and reads AE_SS_DEAD there, so its range goes
 *		back to the arena only with the connection
 * @rcvtimeo, @sndtimeo: stored SO_RCVTIMEO / SO_SNDTIMEO (struct timeval)
 * @pend:	a response that met EAGAIN, @pend_len bytes, @pend_fds
 * @pend_len:	its length
 * @pend_fds:	fds to pass with it, @pend_nfds
 * @pend_nfds:	count
 * @in_ev:	events that made the socket readable, published as @in_seq
 *		of the header (EPOLLET edges)
 * @dirty:	dirty list link
 * @gb:		give-back queue link (session_giveback.c)
 * @hot:	hot list link (session_spin.c)
 * @spin_tail:	the tx_tail the spin saw last (session_spin.c)
 * @gb_tail:	the rx tail when last looked at there
 * @gb_queued:	on that queue
 * @link:	all connections
 * @snap_id:	its name in a takeover's state string (takeover.c)
 */
struct sconn {
	struct session_srv *srv;
	int fd;
	struct sclient *cl;
	struct ae_sock *sk;
	int type;
	uint32_t flags;
	struct shm_region *reg;
	struct ae_shm_hdr *hdr;
	struct shm_region *retired;
	struct shm_region *cut;
	uid_t req_uid;
	int64_t rcvtimeo[2], sndtimeo[2];
	void *pend;
	size_t pend_len;
	int pend_fds[AE_IPC_MAX_FDS];
	int pend_nfds;
	uint32_t in_ev;
	TAILQ_ENTRY(sconn) dirty;
	TAILQ_ENTRY(sconn) gb;
	TAILQ_ENTRY(sconn) hot;
	uint32_t spin_tail;
	uint32_t gb_tail;
	bool gb_queued;
	LIST_ENTRY(sconn) link;
	uint32_t snap_id;
};

/**
 * struct session_srv - the client side of one daemon
 * @d:		daemon
 * @lfd:	listening control socket, -1 before session_init()
 * @spare_fd:	a descriptor held back for shedding connections at EMFILE
 * @path:	socket file to remove at the end
 * @conns:	every connection
 * @clients:	every client process
 * @users:	every client uid
 * @dirty:	connections to publish
 * @giveback:	connections whose drained rx pages wait (session_giveback.c)
 * @hot:	connections whose tx ring the busy poll reads (session_spin.c)
 * @nhot:	how many, at most SESS_HOT_MAX
 * @busy_poll:	aetherd busy-polls (--busy-poll): the hot list is used
 * @gb_fd:	its timerfd, -1 without
 * @gb_armed:	@gb_fd is armed
 * @regions:	ring regions by address
 * @nconns:	connections
 * @nregions:	memfd regions alive, @region_bytes their mapped bytes
 * @npooled:	idle ring regions in all users' pools
 * @nlisten_users: uids holding at least one listening socket
 * @nlisten_foreign: listening sockets used by processes of another uid
 * @ring_user:	with @ring_hint: whose socket the stack's next ring
 *		allocation is for (set around ae_connect())
 * @ring_hint:	@ring_user is meaningful
 * @max_sockets: per-uid socket limit
 * @max_mem:	per-uid ring memory limit
 * @ring_len_hint: the largest ring charge so far (charge_of()): what ACCEPT
 *		checks against @max_mem before taking a connection
 * @closed_since_trim: connections closed since the last malloc_trim()
 * @alive:	the alive page (session_wake.c), @alive_fd its memfd
 * @alive_fd:	-1 before sess_alive_init()
 * @alive_ro_fd: the same page opened read-only: what clients get (-1: none,
 *		then @alive_fd is sealed against writing and is sent instead,
 *		and the page cannot be handed over)
 * @alive_id:	this daemon's instance, sent with the alive page
 * @arenas:	every uid's arena (session_arena.c), @narenas how many
 * @narenas:	see @arenas
 * @next_incarnation: the last incarnation number handed to a region
 * @closing:	session_fini() runs: programs still map their regions and
 *		must read their sockets' end there, so nothing is punched
 * @stats:	ipc counters
 * @buf:	receive buffer, AE_IPC_MAX_MSG
 * @out:	response buffer, AE_IPC_MAX_MSG
 */
struct session_srv {
	struct aetherd *d;
	int lfd;
	int spare_fd;
	char path[108];
	LIST_HEAD(conn_list, sconn) conns;
	LIST_HEAD(client_list, sclient) clients;
	LIST_HEAD(user_list, suser) users;
	TAILQ_HEAD(dirty_list, sconn) dirty;
	TAILQ_HEAD(gb_list, sconn) giveback;
	TAILQ_HEAD(hot_list, sconn) hot;
	uint32_t nhot;
	bool busy_poll;
	int gb_fd;
	bool gb_armed;
	struct region_list regions[SESS_REGION_BUCKETS];
	uint32_t nconns;
	uint32_t nregions;
	uint64_t region_bytes;
	uint32_t npooled;
	uint32_t nlisten_users;
	uint32_t nlisten_foreign;
	struct suser *ring_user;
	bool ring_hint;
	uint32_t max_sockets;
	uint64_t max_mem;
	size_t ring_len_hint;
	uint32_t closed_since_trim;
	void *alive;
	int alive_fd;
	int alive_ro_fd;
	uint64_t alive_id;
	LIST_HEAD(arena_list, shm_arena) arenas;
	uint32_t narenas;
	uint32_t next_incarnation;
	bool closing;
	struct sess_stats stats;
	uint8_t *buf;
	uint8_t *out;
};

#define SSTAT(srv, n)	((srv)->stats.n++)

/* session.c */
int sess_reap_port(struct session_srv *srv, struct sconn *self, uint16_t port);
struct session_srv *sess_srv(struct aetherd *d);
struct sclient *client_get(struct session_srv *srv, pid_t pid, uid_t uid);
void client_put(struct session_srv *srv, struct sclient *cl);
int session_adopt(struct aetherd *d, int lfd);
struct sconn *sess_conn_new(struct session_srv *srv, int fd,
			    struct sclient *cl);
void sess_conn_mark(struct sconn *c);
int sess_reply(struct sconn *c, const struct ae_ipc_hdr *req, int32_t result,
	       const void *p, size_t plen, const void *v, size_t vlen,
	       const int *fds, int nfds);
void sess_notify(struct sconn *c);
void sess_notify_dirs(struct sconn *c, uint32_t dirs);
int sess_pass_creds(int fd);
bool sess_uid_may_bind_low(const struct session_srv *srv, uid_t uid);

/* session_wake.c */
bool sess_wake(struct session_srv *srv, struct ae_shm_hdr *h, uint32_t met);
void sess_spin_hot(struct sconn *c);
void sess_spin_forget(struct sconn *c);
uint32_t sess_spin_db(struct sconn *c, uint32_t want);
bool sess_spin_end(struct session_srv *srv);
bool sess_spin_hook(void *ctx, bool sleeping);
int sess_alive_init(struct session_srv *srv);
void sess_alive_fini(struct session_srv *srv);
int sess_alive_adopt(struct session_srv *srv, int fd, int ro_fd,
		     uint64_t id);
void sess_alive_hold(struct session_srv *srv);
void sess_alive_release(struct session_srv *srv);
int sess_op_alive(struct sconn *c, const struct ae_ipc_hdr *h);

/* session_arena.c */
int sess_region_map(struct session_srv *srv, struct shm_region *r,
		    const uid_t *uid);
void sess_region_unmap(struct session_srv *srv, struct shm_region *r,
		       bool mapped);
int sess_region_fd(const struct shm_region *r);
void sess_region_info(const struct shm_region *r, struct ae_ipc_sockinfo *info);
int sess_region_punch(const struct shm_region *r, uint64_t off, uint64_t len);
off_t sess_region_extent(const struct shm_region *r, off_t pos, off_t *len);
long sess_region_pages(const struct shm_region *r, size_t from, size_t *idx,
		       int max);
uint64_t sess_region_resident(const struct shm_region *r);
int sess_region_settle(struct session_srv *srv, struct shm_region *r,
		      uid_t uid);
struct shm_arena *sess_arena_adopt(struct session_srv *srv, int fd,
				   uid_t uid, uint64_t size, uint64_t end);
int sess_arena_adopt_gap(struct shm_arena *a, uint64_t off, uint64_t len);
int sess_arena_gaps(const struct shm_arena *a,
		    void (*fn)(void *ctx, uint64_t off, uint64_t len),
		    void *ctx);
void sess_arenas_adopted(struct session_srv *srv);
int sess_region_map_adopted(struct shm_region *r, struct shm_arena *a,
			    int memfd, uint64_t off);

/* session_shm.c */
struct shm_region *sess_region_new(struct session_srv *srv, size_t user_len,
				   bool rings, const uid_t *uid);
void sess_region_free(struct session_srv *srv, struct shm_region *r);
struct shm_region *sess_region_adopt(struct session_srv *srv,
				     struct shm_arena *a, int memfd,
				     uint64_t off, size_t len, bool rings,
				     uint32_t ring_off);
struct shm_region *sess_region_find(struct session_srv *srv, const void *mem);

/**
 * sess_ring0() - where a ring region's rings start in the daemon's mapping
 * @r:		region
 *
 * Return: the rx ring's first byte (the stack's ring memory)
 */
static inline uint8_t *sess_ring0(const struct shm_region *r)
{
	return r->base + r->ring_off;
}
int sess_conn_give_header(struct sconn *c);
int sess_conn_bind_rings(struct sconn *c, bool *moved);
void sess_conn_drop_region(struct sconn *c);
void sess_rx_drained(struct sconn *c, uint32_t head, uint32_t n);
void sess_rx_punch(struct sconn *c);
void sess_ring_resident(struct session_srv *srv, uint64_t *live,
			uint64_t *pooled);
void sess_ring_hint(struct session_srv *srv, struct suser *u);
void sess_listen_count(struct sconn *c, bool on);
void sess_pool_flush(struct session_srv *srv, struct suser *u);
void sess_conn_foreign(struct sconn *c);
int sess_shm_expose(struct sconn *c, struct shm_region *r, uid_t uid);

/* session_sync.c */
void sess_sock_cb(struct ae_sock *sk, unsigned int events, void *user);
int sess_pull(struct sconn *c);
void sess_publish(struct sconn *c);
void sess_publish_tx_limit(struct sconn *c);
void sess_publish_dirty(struct session_srv *srv);

/* session_giveback.c */
void sess_giveback_later(struct sconn *c);
void sess_giveback_forget(struct sconn *c);
int sess_giveback_init(struct session_srv *srv);
void sess_giveback_fini(struct session_srv *srv);
void sess_cutoff(struct sconn *c, int err);
int sess_unaccept(struct sconn *c);
void sess_close_sock(struct sconn *c);

/* session_info.c */
int sess_op_stats(struct sconn *c, const struct ae_ipc_hdr *h);
int sess_op_sockets(struct sconn *c, const struct ae_ipc_hdr *h,
		    const void *p);

/* session_ops.c */
int sess_dispatch(struct sconn *c, const uint8_t *buf, size_t n);

#endif /* AE_SESSION_H */
