// SPDX-License-Identifier: MIT
/**
 * DOC: session_shm.c - socket memory in memfds the clients map
 *
 * Theory of operation: the stack takes each TCP socket's ring storage in one
 * call of its ring_alloc hook (rx ring then tx ring; struct ae_config), and
 * only ring storage goes through that hook: session_ring_alloc() serves each
 * call from a fresh memfd with one extra page in front, the header page of
 * aether_ipc.h, where the rings start right after the header (ring_off,
 * AE_SHM_RING_OFF: a restarted rx ring's first bytes share the header's
 * page, so a busy keep-alive connection holds two pages, not three);
 * everything else the stack allocates comes from malloc. A hash by address finds the region again
 * when the stack frees it, and when a connection wants the memfd behind its
 * socket's rings (sess_conn_bind_rings(), after connect or accept: rings are
 * created lazily, also for connections not yet accepted).
 *
 * A socket without rings (new, listening, UDP) gets a header-only region.
 * When rings appear the connection moves: the new header is filled from the
 * stack's indices, the old header is marked @moved, and the client maps the
 * new memfd (carried by the response, or fetched with ATTACH).
 *
 * The daemon writes the read-only part of a header once and never reads it
 * back: all its decisions use its own copy of the layout (the stack's rings).
 *
 * Reuse (connection-per-request servers create and free one region per
 * connection: memfd_create, ftruncate, mmap, munmap, close were a third of the
 * daemon's time per connection). A region (rings, or header only) nobody
 * maps any more goes to an idle pool of the uid it was handed to and is
 * given again only to that same uid. The rule, and why it is safe:
 *  - Once a memfd left the daemon, any process holding it (a forked child,
 *    a stale mapping the shim kept, a dup of the fd) can see whatever the
 *    region holds later. So a region is reused only for the one uid it was
 *    ever sent to, which could read that process's sockets anyway (ptrace,
 *    /proc/pid/mem): one uid never sees another's data through it.
 *  - Who it was sent to: a region is tagged with the uid of the
 *    connection's creator (SO_PEERCRED) when a connection takes it, and
 *    every request carries its sender's real uid (SO_PASSCRED). Sending the
 *    memfd to another uid (sess_shm_expose()), or having it on a connection
 *    a process of another uid has used (a backing fd passed or inherited
 *    across a uid change, e.g. a server that drops privileges after
 *    listen(), or a setuid program: sess_conn_foreign()), poisons it:
 *    destroyed at the end, never pooled. A pooled region is bound only to a
 *    connection created by its uid (else shm_uid_mismatch, never expected).
 *    Not seen: a process of another uid that was given a backing fd and
 *    never sends a request on it, only reads; memfds it takes from that
 *    socket's answers may be reused for the giving uid's later sockets.
 *  - No data crosses from one socket into the next: when a region is pooled
 *    the rx ring's bytes in the header's page and the page where the tx
 *    ring starts are zeroed in place, every other page punched out (freed;
 *    see scrub_rings()), and when it
 *    is taken its whole header page is cleared and its incarnation bumped;
 *    AE_SS_DEAD is written into the old header first, for a misbehaving
 *    mapping that looks again.
 *  - A region the stack frees while a connection still uses it (cut off, the
 *    shim maps it as current) is destroyed, never pooled: only a region
 *    whose connection is gone (the last copy of its backing fd closed, which
 *    is when the shim unmaps) is reused, so a well-behaved shim never sees
 *    its memory change under it. A header-only region a connection moved
 *    away from is still mapped by the shim: it waits on the connection.
 *  - Bounds: a uid pools at most SESS_POOL_PER_USER regions, the daemon
 *    SESS_POOL_MAX; a region pooled while its uid's pool holds fewer than
 *    SESS_POOL_WARM keeps its header page and the page where
 *    its tx ring starts, the others the header page only. A uid's pool dies with its record, when the uid's last
 *    connection closes (sess_pool_flush()): servers keep theirs (the
 *    listener), a client process that holds nothing between connections
 *    starts afresh.
 * Memory follows the data in flight: a ring's storage is touched page by
 * page as its indices run around it, and memfd pages stay resident until
 * punched out. Both rings restart at their first byte when found empty
 * (ipc/shm.c), so request-response traffic keeps to the first page of each.
 * The rx ring's pages past the first that the shim has read are given back
 * by the daemon (sess_rx_punch(), in its own thread, once the ring's tail
 * stood still for SESS_GIVEBACK_MS: session_giveback.c; a streaming ring
 * would be written there again within the lap) once SESS_PUNCH_IDLE bytes
 * of whole pages were read and the ring is empty, or SESS_PUNCH_BUSY while
 * data remains; the tx ring's by the shim, its only writer (client/data.c).
 * So a busy connection costs one fallocate() per many pages, a small
 * exchange none, and an idle one keeps a page per ring. sess_ring_resident() counts what is
 * resident (`aether stats`: ipc.ring_resident_bytes, pool_resident_bytes).
 *
 * The stack allocates rings without saying for whom, so the uid is inferred:
 * inside ae_connect() it is the connection's (sess_ring_hint(); the only
 * ring allocation ae_connect() makes is its own socket's); elsewhere a
 * ring allocation is always a listener's child (handshake completion), so
 * when every listening socket belongs to one uid and no other uid uses
 * them, it is that uid's (children die with their listener). Otherwise a
 * fresh memfd is made, as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session.h"
#include "shm.h"

/**
 * region_bucket() - hash bucket of a region's ring address
 * @srv:	server
 * @mem:	ring memory (base + header page)
 *
 * Return: the bucket
 */
static struct region_list *region_bucket(struct session_srv *srv,
					 const void *mem)
{
	uintptr_t a = (uintptr_t)mem >> 12;

	return &srv->regions[(a ^ (a >> 10)) % SESS_REGION_BUCKETS];
}

/**
 * region_count() - count a mapped region (hashed when it holds rings)
 * @srv:	server
 * @r:		region, mapped, @map_len set
 * @rings:	it holds stack rings
 */
static void region_count(struct session_srv *srv, struct shm_region *r,
			 bool rings)
{
	r->rings = rings;
	srv->nregions++;
	srv->region_bytes += r->map_len;
	if (rings)
		LIST_INSERT_HEAD(region_bucket(srv, sess_ring0(r)), r, hlink);
}

/**
 * sess_region_new() - a region: a header page and @user_len bytes after it
 * @srv:	server
 * @user_len:	bytes after the header (0: header only)
 * @rings:	it holds stack rings (hash it by address)
 * @uid:	the uid it is for (its arena), or NULL: not known yet
 *
 * Return: region or NULL
 */
struct shm_region *sess_region_new(struct session_srv *srv, size_t user_len,
				   bool rings, const uid_t *uid)
{
	struct shm_region *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->map_len = AE_SHM_HDR_SIZE + user_len;
	r->ring_off = AE_SHM_RING_OFF;
	if (sess_region_map(srv, r, uid)) {
		free(r);
		return NULL;
	}
	SSTAT(srv, shm_created);
	region_count(srv, r, rings);
	return r;
}

/**
 * sess_region_adopt() - a region another aetherd made (--takeover), mapped
 * where it was: the same range of the same arena, or its own memfd
 * @srv:	server
 * @a:		the arena it is a range of (adopted), or NULL
 * @memfd:	without @a: its own memfd (owned by the region once adopted)
 * @off:	its offset in @a
 * @len:	bytes to map, header page included
 * @rings:	it holds stack rings (hash it by address)
 * @ring_off:	where its rings start (an older aetherd: AE_SHM_HDR_SIZE)
 *
 * Return: region or NULL (it cannot be mapped: @memfd left open)
 */
struct shm_region *sess_region_adopt(struct session_srv *srv,
				     struct shm_arena *a, int memfd,
				     uint64_t off, size_t len, bool rings,
				     uint32_t ring_off)
{
	struct shm_region *r;

	if (len < AE_SHM_HDR_SIZE || len > SESS_ARENA_MAX ||
	    ring_off < AE_SHM_RING_OFF || ring_off > AE_SHM_HDR_SIZE)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->map_len = len;
	r->ring_off = ring_off;
	if (sess_region_map_adopted(r, a, memfd, off)) {
		free(r);
		return NULL;
	}
	region_count(srv, r, rings);
	return r;
}

/**
 * region_destroy() - unmap a region that is in no list, give back its memory
 * @srv:	server
 * @r:		region
 * @mapped:	a shim may still map it (sess_region_unmap())
 */
static void region_destroy(struct session_srv *srv, struct shm_region *r,
			   bool mapped)
{
	sess_region_unmap(srv, r, mapped);
	free(r);
}

/**
 * sess_region_free() - unmap a region a shim may still map (its header
 * page stays: sess_region_unmap())
 * @srv:	server
 * @r:		region (unhooked from its owner by the caller)
 */
void sess_region_free(struct session_srv *srv, struct shm_region *r)
{
	if (r->rings)
		LIST_REMOVE(r, hlink);
	srv->nregions--;
	srv->region_bytes -= r->map_len;
	region_destroy(srv, r, true);
}

/**
 * user_of() - the accounting record of a uid, if it has a connection
 * @srv:	server
 * @uid:	uid
 *
 * Return: the record or NULL
 */
static struct suser *user_of(struct session_srv *srv, uid_t uid)
{
	struct suser *u;

	LIST_FOREACH(u, &srv->users, link)
		if (u->uid == uid)
			return u;
	return NULL;
}

/**
 * listening_user() - the one uid every listening socket belongs to
 * @srv:	server
 *
 * Return: its record, or NULL (no listener, listeners of several uids, or
 *	   one that a process of another uid uses)
 */
static struct suser *listening_user(struct session_srv *srv)
{
	struct suser *u;

	if (srv->nlisten_users != 1 || srv->nlisten_foreign)
		return NULL;
	LIST_FOREACH(u, &srv->users, link)
		if (u->nlisten)
			return u;
	return NULL;
}

/**
 * sess_listen_count() - count a connection's listening socket for its uid
 * @c:		connection
 * @on:		true: it listens now; false: its listener is gone
 *
 * Feeds listening_user(); idempotent in both directions.
 */
void sess_listen_count(struct sconn *c, bool on)
{
	struct suser *u = c->cl->user;

	if (on == !!(c->flags & SC_LCOUNTED))
		return;
	if (c->flags & SC_FOREIGN) {
		if (on)
			c->srv->nlisten_foreign++;
		else
			c->srv->nlisten_foreign--;
	}
	if (on) {
		c->flags |= SC_LCOUNTED;
		if (u->nlisten++ == 0)
			c->srv->nlisten_users++;
	} else {
		c->flags &= ~SC_LCOUNTED;
		if (--u->nlisten == 0)
			c->srv->nlisten_users--;
	}
}

/**
 * poison() - a region's memfd may have reached another uid: never pool it
 * @srv:	server
 * @r:		region, may be NULL
 */
static void poison(struct session_srv *srv, struct shm_region *r)
{
	if (!r || r->poisoned)
		return;
	r->poisoned = true;
	SSTAT(srv, shm_poisoned);
}

/**
 * sess_conn_foreign() - a process of another uid than the connection's
 * creator sent a request on it (the backing fd was passed or inherited
 * across a uid change)
 * @c:		connection
 *
 * Whatever memory the connection has or had is poisoned; a listener stops
 * feeding listening_user(), so its children get fresh memfds.
 */
void sess_conn_foreign(struct sconn *c)
{
	if (c->flags & SC_FOREIGN)
		return;
	c->flags |= SC_FOREIGN;
	poison(c->srv, c->reg);
	poison(c->srv, c->retired);
	if (c->flags & SC_LCOUNTED)
		c->srv->nlisten_foreign++;
}

/**
 * sess_shm_expose() - a region's memfd is about to be sent
 * @c:		the connection it belongs to
 * @r:		region
 * @uid:	uid of the process that asked (the one expected to map it)
 *
 * The region moves into @uid's arena if it was never sent
 * (sess_region_settle()). The first uid it goes to is its uid; another one,
 * or a connection that processes of several uids use, poisons it.
 *
 * Return: 0 (send it), or -EACCES (it lives in another uid's arena)
 */
int sess_shm_expose(struct sconn *c, struct shm_region *r, uid_t uid)
{
	int ret = sess_region_settle(c->srv, r, uid);

	if (ret)
		return ret;
	if (!r->tagged) {
		r->tagged = true;
		r->uid = uid;
	}
	if (r->uid != uid || (c->flags & SC_FOREIGN))
		poison(c->srv, r);
	r->sent = true;
	return 0;
}

/**
 * sess_ring_hint() - say whose socket the stack's ring allocations are for
 * @srv:	server
 * @u:		the connecting client's uid record; NULL ends the hint
 *
 * Set around ae_connect(); the first ring allocation consumes it.
 */
void sess_ring_hint(struct session_srv *srv, struct suser *u)
{
	srv->ring_user = u;
	srv->ring_hint = u != NULL;
}

/**
 * pool_take() - an idle region of @u's with these ring sizes
 * @srv:	server
 * @u:		uid record
 * @rx_size:	rx ring bytes (0 with @tx_size 0: a header-only region)
 * @tx_size:	tx ring bytes
 *
 * The header page is cleared (the connection that binds it fills it) and
 * the incarnation bumped; a ring region is hashed for the stack again. Its
 * rings are all zero (pool_put() punched them).
 *
 * Return: the region or NULL
 */
static struct shm_region *pool_take(struct session_srv *srv, struct suser *u,
				    size_t rx_size, size_t tx_size)
{
	struct shm_region *r;

	LIST_FOREACH(r, &u->pool, hlink)
		if (r->rx_size == rx_size && r->tx_size == tx_size)
			break;
	if (!r)
		return NULL;
	LIST_REMOVE(r, hlink);
	u->npool--;
	srv->npooled--;
	memset(r->base, 0, AE_SHM_HDR_SIZE);	/* the shim may write all of it */
	r->incarnation = ++srv->next_incarnation;
	r->sent = false;	/* not yet for the connection that takes it */
	((struct ae_shm_hdr *)r->base)->incarnation = r->incarnation;
	srv->nregions++;
	srv->region_bytes += r->map_len;
	if (r->rings)
		LIST_INSERT_HEAD(region_bucket(srv, sess_ring0(r)), r, hlink);
	SSTAT(srv, shm_reused);
	return r;
}

/**
 * punch_between() - give back a region's pages in [@from, @to), if any
 * @r:		region
 * @from:	page-aligned offset in the region
 * @to:		page-aligned end
 *
 * Return: 0 or -errno
 */
static int punch_between(const struct shm_region *r, size_t from, size_t to)
{
	return to > from ? sess_region_punch(r, from, to - from) : 0;
}

/**
 * scrub_rings() - clear what a finished socket left in a ring region
 * @srv:	server
 * @r:		ring region nobody maps any more
 * @warm:	keep the page where the tx ring starts in place (zeroed)
 *
 * Without looking at which pages are resident: a mincore() of the region
 * walks every page of its 8 MiB (2,048 page cache lookups), 10-19% of
 * aetherd's CPU per connection under wrk -c50 Connection: close
 * (bench/connprof.sh perf). Both rings restart at their first byte when
 * empty, so a short connection's data lies in the header's page (the rx
 * ring's first bytes, zeroed) and in the page where the tx ring starts
 * (zeroed in place if @warm, so the next socket does not fault it in
 * again). Every other page is punched out with fallocate: free where the
 * range holds no pages (a page-table walk, no TLB shoot-down), and what a
 * bulk transfer left is freed.
 *
 * Return: 0, or -errno (the caller destroys the region)
 */
static int scrub_rings(struct session_srv *srv, struct shm_region *r,
		       bool warm)
{
	size_t pg = AE_SHM_PAGE, end = r->map_len & ~(size_t)(pg - 1);
	size_t tpage = ((size_t)r->ring_off + r->rx_size) & ~(size_t)(pg - 1);
	int ret;

	SSTAT(srv, shm_punched);
	/* the rx ring's first bytes, in the header's page */
	memset(sess_ring0(r), 0, AE_SHM_HDR_SIZE - r->ring_off);
	if (!warm || tpage < pg || tpage + pg > end)
		return punch_between(r, pg, end);
	ret = punch_between(r, pg, tpage);
	if (ret)
		return ret;
	memset(r->base + tpage, 0, pg);
	return punch_between(r, tpage + pg, end);
}

/**
 * pool_put() - keep an unused region for its uid, if there is room
 * @srv:	server
 * @r:		region, unhashed, tagged, no owner, not counted as live
 *
 * The rings are scrubbed (scrub_rings()): a pooled region carries no data
 * from its last socket into the next one, and few pages.
 *
 * Return: true if pooled; false: the caller destroys it
 */
static bool pool_put(struct session_srv *srv, struct shm_region *r)
{
	struct ae_shm_hdr *h = (struct ae_shm_hdr *)r->base;
	struct suser *u = user_of(srv, r->uid);

	if (r->poisoned || !u || u->npool >= SESS_POOL_PER_USER ||
	    srv->npooled >= SESS_POOL_MAX ||
	    (r->arena && r->arena->uid != r->uid))
		return false;
	if (r->rings && scrub_rings(srv, r, u->npool < SESS_POOL_WARM))
		return false;
	__atomic_store_n(&h->so_error, ECONNRESET, __ATOMIC_RELEASE);
	shm_or(&h->state, AE_SS_DEAD | AE_SS_HUP);
	LIST_INSERT_HEAD(&u->pool, r, hlink);
	u->npool++;
	srv->npooled++;
	SSTAT(srv, shm_pooled);
	return true;
}

/**
 * sess_pool_flush() - destroy a uid's idle regions (its last process left)
 * @srv:	server
 * @u:		uid record
 */
void sess_pool_flush(struct session_srv *srv, struct suser *u)
{
	struct shm_region *r;

	while ((r = LIST_FIRST(&u->pool))) {
		LIST_REMOVE(r, hlink);
		u->npool--;
		srv->npooled--;
		region_destroy(srv, r, false);
	}
}

/**
 * region_release() - a region nobody maps any more: pool it or free it
 * @srv:	server
 * @r:		region, no owner (a ring region still hashed)
 *
 * Only a region whose connection is gone (its last fd closed) or that never
 * left the daemon may come here.
 */
static void region_release(struct session_srv *srv, struct shm_region *r)
{
	if (r->rings)
		LIST_REMOVE(r, hlink);
	srv->nregions--;
	srv->region_bytes -= r->map_len;
	if (!r->tagged || !pool_put(srv, r))
		region_destroy(srv, r, false);
}

/**
 * sess_region_find() - the ring region whose ring memory starts at @mem
 * @srv:	server
 * @mem:	address the stack got from session_ring_alloc()
 *
 * Return: region or NULL
 */
struct shm_region *sess_region_find(struct session_srv *srv, const void *mem)
{
	struct region_list *b = region_bucket(srv, mem);
	struct shm_region *r;

	LIST_FOREACH(r, b, hlink)
		if (sess_ring0(r) == mem)
			return r;
	return NULL;
}

/**
 * session_ring_alloc() - the stack's ring_alloc hook: TCP ring storage
 * @ctx:	the daemon
 * @rx_size:	receive ring bytes
 * @tx_size:	send ring bytes
 *
 * The stack calls this for ring storage and nothing else (struct ae_config
 * @ring_alloc), so every call gets a memfd region with the header page in
 * front; without server state (out of memory) plain memory.
 *
 * Return: memory, or NULL
 */
void *session_ring_alloc(void *ctx, size_t rx_size, size_t tx_size)
{
	struct session_srv *srv = sess_srv(ctx);
	size_t len = rx_size + tx_size;
	struct shm_region *r = NULL;
	struct suser *u;

	if (!srv)
		return calloc(1, len);
	if (rx_size > AE_SHM_MAX_RING || tx_size > AE_SHM_MAX_RING)
		return NULL;
	u = srv->ring_hint ? srv->ring_user : listening_user(srv);
	srv->ring_user = NULL;		/* a hint serves one allocation */
	if (u)
		r = pool_take(srv, u, rx_size, tx_size);
	if (!r)
		r = sess_region_new(srv, len, true, u ? &u->uid : NULL);
	if (!r)
		return NULL;
	r->rx_size = (uint32_t)rx_size;
	r->tx_size = (uint32_t)tx_size;
	return sess_ring0(r);
}

/**
 * session_ring_free() - the stack's ring_free hook
 * @ctx:	the daemon
 * @mem:	memory from session_ring_alloc()
 * @len:	its length
 *
 * A region still used by a connection (the stack freed a socket under it)
 * leaves that connection cut off: its header is marked dead first, and the
 * region is destroyed. Otherwise a tagged region goes to its uid's pool.
 */
void session_ring_free(void *ctx, void *mem, size_t len)
{
	struct session_srv *srv = sess_srv(ctx);
	struct shm_region *r = NULL;

	(void)len;
	if (srv)
		r = sess_region_find(srv, mem);
	if (!r) {
		free(mem);
		return;
	}
	if (r->owner && (r->owner->flags & SC_FREEING)) {
		/* its last fd is closed (RST at close): nobody maps it */
		r->owner->sk = NULL;
		sess_conn_drop_region(r->owner);
	} else if (r->owner) {
		struct sconn *c = r->owner;

		shm_or(&c->hdr->state, AE_SS_DEAD);
		sess_notify(c);
		c->flags |= SC_DEAD;
		c->sk = NULL;
		sess_conn_drop_region(c);
		/* still mapped as current: kept until the connection goes, so
		 * its range is not handed to another socket meanwhile */
		if (c->cut)
			sess_region_free(srv, r);
		else
			c->cut = r;
		return;
	}
	region_release(srv, r);
}

/**
 * session_mem_alloc() - the stack's general memory (not rings): malloc
 * @ctx:	the daemon (unused)
 * @len:	bytes
 *
 * Kept for owners that set the mem hooks; nothing here is shared memory
 * (ring storage comes through session_ring_alloc()).
 *
 * Return: memory, or NULL
 */
void *session_mem_alloc(void *ctx, size_t len)
{
	(void)ctx;
	return malloc(len);
}

/**
 * session_mem_free() - release memory from session_mem_alloc()
 * @ctx:	the daemon (unused)
 * @mem:	the memory
 * @len:	its length
 */
void session_mem_free(void *ctx, void *mem, size_t len)
{
	(void)ctx;
	(void)len;
	free(mem);
}

/**
 * charge_of() - what a region costs its connection's uid
 * @c:		connection
 * @r:		region
 *
 * Not its mapped size (rings are sparse: an idle connection has its header
 * page and a page or two) but what others can make it hold: the header
 * page, and for rings the receive window offered now (the autotuned
 * buffer, ae_sock_rx_limit(): 256 KiB at first), which a peer may fill
 * without the program reading. The send ring fills only as fast as the
 * program writes, like its own heap.
 *
 * Return: bytes
 */
static uint64_t charge_of(const struct sconn *c, const struct shm_region *r)
{
	uint64_t n = AE_SHM_HDR_SIZE;

	if (r->rings && c->sk)
		n += ae_sock_rx_limit(c->sk);
	return n < r->map_len ? n : r->map_len;
}

/**
 * charge() - account a region to a connection's client
 * @c:		connection
 * @r:		region
 *
 * Return: 0, or -ENOBUFS over the client's limit
 */
static int charge(struct sconn *c, struct shm_region *r)
{
	struct session_srv *srv = c->srv;
	uint64_t n = charge_of(c, r);

	if (c->cl->user->mem + n > srv->max_mem) {
		SSTAT(srv, enobufs);
		return -ENOBUFS;
	}
	c->cl->user->mem += n;
	r->charged = n;
	if (r->rings && n > srv->ring_len_hint)
		srv->ring_len_hint = n;
	return 0;
}

/**
 * sess_conn_give_header() - a header-only region for a new socket
 * @c:		connection (no region yet)
 *
 * From the uid's pool when it has one (header-only regions are pooled like
 * ring regions, under the same rule), else a fresh memfd.
 *
 * Return: 0 or -ENOMEM
 */
int sess_conn_give_header(struct sconn *c)
{
	struct shm_region *r = pool_take(c->srv, c->cl->user, 0, 0);
	struct ae_shm_hdr *h;

	if (!r)
		r = sess_region_new(c->srv, 0, false, &c->cl->uid);
	if (!r)
		return -ENOMEM;
	h = (struct ae_shm_hdr *)r->base;
	shm_layout_init(h, AE_SHM_HDR_SIZE, 0, 0, 0, 0);
	h->incarnation = r->incarnation;
	r->tagged = true;		/* its memfd goes to this uid */
	r->uid = c->cl->uid;
	r->owner = c;
	c->reg = r;
	c->hdr = (struct ae_shm_hdr *)r->base;
	return 0;
}

/**
 * sess_conn_drop_region() - let go of a connection's region
 * @c:		connection
 *
 * Header-only regions (the current one, and one the connection moved away
 * from) are pooled when the connection is being freed (its last fd closed:
 * no shim maps them) and freed otherwise; a ring region cut off under it
 * (@cut) goes with the connection; ring regions stay with the stack,
 * which frees them through session_ring_free() when the socket dies.
 */
void sess_conn_drop_region(struct sconn *c)
{
	struct shm_region *r = c->reg, *old = c->retired, *cut = c->cut;

	c->retired = NULL;
	if (old && (c->flags & SC_FREEING))
		region_release(c->srv, old);
	else if (old)
		sess_region_free(c->srv, old);
	if (cut && (c->flags & SC_FREEING)) {
		c->cut = NULL;
		region_release(c->srv, cut);
	}
	if (!r)
		return;
	c->cl->user->mem -= r->charged;
	r->charged = 0;
	r->owner = NULL;
	c->reg = NULL;
	c->hdr = NULL;
	if (r->rings)
		return;
	if (c->flags & SC_FREEING)
		region_release(c->srv, r);
	else
		sess_region_free(c->srv, r);
}

/**
 * init_ring_header() - fill a ring region's header from the stack's rings
 * @h:		header page
 * @r:		region
 * @rx:		stack rx ring
 * @tx:		stack tx ring
 * @old:	the previous header (state carried over), may be NULL
 *
 * Return: 0, or -EINVAL if the rings do not lie in the region
 */
static int init_ring_header(struct ae_shm_hdr *h, const struct shm_region *r,
			    const struct ae_ring *rx, const struct ae_ring *tx,
			    const struct ae_shm_hdr *old)
{
	uint8_t *ring0 = sess_ring0(r);

	if (tx->mem != ring0 + rx->size)
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	if (shm_layout_init(h, (uint32_t)r->map_len, r->ring_off, rx->size,
			    r->ring_off + rx->size, tx->size))
		return -EINVAL;
	h->rx_tail = rx->tail;
	h->rx_head = rx->head;
	h->tx_head = tx->head;
	h->tx_tail = tx->tail;
	h->rx_base = rx->base;
	h->tx_base = tx->base;
	h->daemon_caps = AE_CAP_RESTART;
	h->daemon_want = AE_DB_TX;
	h->incarnation = r->incarnation;
	if (old) {
		h->state = shm_load(&old->state);
		h->so_error = old->so_error;
		h->shim_want = shm_load(&old->shim_want);
		h->in_seq = shm_load(&old->in_seq);	/* no false edge */
	}
	return 0;
}

/**
 * sess_conn_bind_rings() - move a TCP connection onto its rings' memfd
 * @c:		connection with a socket
 * @moved:	set true when the connection changed region
 *
 * Return: 0 (also when the socket has no rings yet), -ENOBUFS (over the
 *	   memory limit), -EINVAL (rings not in shared memory)
 */
int sess_conn_bind_rings(struct sconn *c, bool *moved)
{
	struct ae_ring *rx, *tx;
	struct shm_region *r, *old = c->reg;
	struct ae_shm_hdr *oh = c->hdr;
	int ret;

	*moved = false;
	if (!c->sk || c->type != SOCK_STREAM)
		return 0;
	rx = ae_sock_rxring(c->sk);
	tx = ae_sock_txring(c->sk);
	if (!rx || !tx || !rx->mem)
		return 0;
	if (old && old->rings && sess_ring0(old) == rx->mem)
		return 0;
	r = sess_region_find(c->srv, rx->mem);
	if (!r || r->owner)
		return -EINVAL;
	if (r->tagged && r->uid != c->cl->uid) {
		SSTAT(c->srv, shm_uid_mismatch);
		return -EINVAL;
	}
	ret = init_ring_header((struct ae_shm_hdr *)r->base, r, rx, tx, oh);
	if (ret)
		return ret;
	ret = charge(c, r);
	if (ret)
		return ret;
	r->tagged = true;
	r->uid = c->cl->uid;
	r->owner = c;
	r->rx_hi = 0;
	c->reg = r;
	c->hdr = (struct ae_shm_hdr *)r->base;
	c->hdr->tx_limit = ae_sock_tx_limit(c->sk);
	if (old) {
		shm_store(&oh->moved, 1);
		shm_fence();	/* sleepers on the old page look again */
		sess_wake(c->srv, oh, AE_WAKE_IN | AE_WAKE_OUT);
		c->cl->user->mem -= old->charged;
		old->charged = 0;
		old->owner = NULL;
		if (!old->rings && !c->retired)
			c->retired = old;	/* the shim still maps it */
		else if (!old->rings)
			sess_region_free(c->srv, old);
	}
	SSTAT(c->srv, moves);
	*moved = true;
	return 0;
}

/**
 * sess_rx_drained() - the shim read @n bytes of the rx ring from @head: if
 * that reached past its first page, its pages go back once the data stops
 * (session_giveback.c)
 * @c:		connection on rings, its new rx_head validated
 * @head:	the consumer index before this read
 * @n:		bytes read
 */
void sess_rx_drained(struct sconn *c, uint32_t head, uint32_t n)
{
	struct ae_ring *rx = ae_sock_rxring(c->sk);
	struct shm_region *r = c->reg;

	shm_written(&r->rx_hi, (head - rx->base) & (rx->size - 1), n,
		    rx->size);
	if (r->rx_hi > AE_SHM_PAGE)
		sess_giveback_later(c);
}

/**
 * sess_rx_punch() - give back the rx pages outside the live data that the
 * shim read since the last give-back, past a threshold (see the DOC above)
 * @c:		connection on rings, in the daemon's thread (nothing writes
 *		the ring meanwhile)
 *
 * Live: [head, tail) and the data out of order beyond it.
 */
void sess_rx_punch(struct sconn *c)
{
	struct ae_ring *rx = ae_sock_rxring(c->sk);
	struct shm_region *r = c->reg;
	uint32_t used = rx->tail - rx->head;
	struct shm_span sp[2];
	int n, i;

	n = shm_idle_span(&r->rx_hi, r->ring_off,
			  (rx->head - rx->base) & (rx->size - 1),
			  used + ae_sock_rx_ahead(c->sk), rx->size,
			  used ? SESS_PUNCH_BUSY : SESS_PUNCH_IDLE, sp);
	for (i = 0; i < n; i++) {
		if (sess_region_punch(r, sp[i].off, sp[i].len)) {
			SSTAT(c->srv, ring_punch_errors);
			return;
		}
	}
	if (n)
		SSTAT(c->srv, ring_punches);
}

/**
 * sess_ring_resident() - resident bytes of ring regions (header pages too)
 * @srv:	server
 * @live:	set to those of regions sockets use
 * @pooled:	set to those of idle pooled regions
 *
 * One fstat() per region: for `aether stats`, not for the data path.
 */
void sess_ring_resident(struct session_srv *srv, uint64_t *live,
			uint64_t *pooled)
{
	struct shm_region *r;
	struct suser *u;
	int b;

	*live = *pooled = 0;
	for (b = 0; b < SESS_REGION_BUCKETS; b++)
		LIST_FOREACH(r, &srv->regions[b], hlink)
			*live += sess_region_resident(r);
	LIST_FOREACH(u, &srv->users, link)
		LIST_FOREACH(r, &u->pool, hlink)
			*pooled += sess_region_resident(r);
}
