// SPDX-License-Identifier: MIT
/**
 * DOC: session_arena.c - one memfd per uid: where socket regions live
 *
 * Theory of operation: a socket's region (header page, rings) used to be a
 * memfd of its own, which aetherd kept open to send again (ATTACH, reuse)
 * and to punch: with the connection's socketpair, two descriptors per
 * connection, and the hard descriptor limit halved the connections it held.
 * The kernel cannot give back a descriptor for a mapping without privilege
 * (/proc/self/map_files needs CAP_CHECKPOINT_RESTORE; aetherd drops every
 * capability), so a memfd closed once mapped could never be sent again.
 *
 * So regions are ranges of an arena: one sparse memfd per uid, which the
 * daemon holds once and sends with an offset (struct ae_ipc_sockinfo
 * @shm_pgoff); the shim maps only its socket's range. A region never leaves
 * its arena's uid, which is session_shm.c's rule for reuse already: a
 * process that holds the arena sees every region of its uid, as it could
 * see its uid's processes through ptrace. Hence:
 *  - A region whose uid is known when it is made (a header-only region of
 *    a new socket, rings of a connect(), a listener's child when every
 *    listener is one uid's) is placed in that uid's arena at once.
 *  - Otherwise (several uids listen) it is a private memfd, as before, and
 *    it moves into the arena of the first uid it is sent to, before it is
 *    sent (sess_region_settle(): its pages are copied, the daemon's mapping
 *    replaced at the same address with MAP_FIXED, so the stack's ring
 *    pointers stay valid; nobody else maps it yet). The same move takes a
 *    region out of another uid's arena when it was never sent (an accepted
 *    child whose listener is root's, taken by a uid 65534 worker).
 *  - A region already sent from one uid's arena is never sent to another
 *    uid (-EACCES, counter shm_foreign_refused): that would hand over the
 *    whole arena. Before arenas, such a region was sent and poisoned; the
 *    case needs a socket passed or inherited across a uid change and then
 *    re-attached (an exec, SCM_RIGHTS), not a fork: a forked child keeps
 *    its parent's mapping.
 *  - A range given back is punched (its pages freed; the header page of a
 *    region cut off under a shim that still maps it stays, so that the shim
 *    reads its socket's end, not zeros) and kept on a free list by length,
 *    for the same arena only; every region handed out gets
 *    a new incarnation number from one daemon-wide counter, so a stale
 *    mapping of a reused range sees that it is not its socket any more.
 *  - The arena grows (ftruncate) by SESS_ARENA_GROW and is closed when its
 *    last region goes: when a uid's connections are all gone, so is its
 *    memory. When aetherd stops (session_fini()), nothing is punched: the
 *    programs still map their regions and must read ECONNRESET there, not
 *    zeros; the pages go when the last mapping does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session.h"

/**
 * struct arena_gap - a free range of an arena
 * @off:	offset in the arena
 * @len:	bytes (page multiple)
 * @link:	bucket list
 */
struct arena_gap {
	uint64_t off;
	size_t len;
	LIST_ENTRY(arena_gap) link;
};

/**
 * page_round() - round a length up to whole pages
 * @len:	bytes
 *
 * Return: the rounded length
 */
static size_t page_round(size_t len)
{
	return (len + AE_SHM_HDR_SIZE - 1) & ~((size_t)AE_SHM_HDR_SIZE - 1);
}

/**
 * gap_bucket() - free-list bucket of a length
 * @a:		arena
 * @len:	page-rounded length
 *
 * Return: the bucket
 */
static struct gap_list *gap_bucket(struct shm_arena *a, size_t len)
{
	return &a->gaps[(len / AE_SHM_HDR_SIZE) % SESS_ARENA_GAP_BUCKETS];
}

/**
 * arena_find() - the arena of @uid
 * @srv:	server
 * @uid:	uid
 *
 * Return: the arena or NULL
 */
static struct shm_arena *arena_find(struct session_srv *srv, uid_t uid)
{
	struct shm_arena *a;

	LIST_FOREACH(a, &srv->arenas, link)
		if (a->uid == uid)
			return a;
	return NULL;
}

/**
 * arena_add() - a new arena record for @uid around memfd @fd, listed
 * @srv:	server
 * @fd:		its memfd (owned by the arena)
 * @uid:	uid
 *
 * Return: the arena (empty, size 0), or NULL (no memory: @fd left open)
 */
static struct shm_arena *arena_add(struct session_srv *srv, int fd,
				   uid_t uid)
{
	struct shm_arena *a = calloc(1, sizeof(*a));
	int i;

	if (!a)
		return NULL;
	a->fd = fd;
	a->uid = uid;
	for (i = 0; i < SESS_ARENA_GAP_BUCKETS; i++)
		LIST_INIT(&a->gaps[i]);
	LIST_INSERT_HEAD(&srv->arenas, a, link);
	srv->narenas++;
	return a;
}

/**
 * arena_get() - the arena of @uid, made if it has none
 * @srv:	server
 * @uid:	uid
 *
 * Return: the arena or NULL (memfd_create failed)
 */
static struct shm_arena *arena_get(struct session_srv *srv, uid_t uid)
{
	struct shm_arena *a = arena_find(srv, uid);
	int fd;

	if (a)
		return a;
	fd = memfd_create("aether-sock", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	a = arena_add(srv, fd, uid);
	if (!a)
		close(fd);
	return a;
}

/**
 * arena_close_unused() - close an arena that holds no region
 * @srv:	server
 * @a:		arena
 */
static void arena_close_unused(struct session_srv *srv, struct shm_arena *a)
{
	struct arena_gap *g;
	int i;

	if (a->nregions)
		return;
	for (i = 0; i < SESS_ARENA_GAP_BUCKETS; i++)
		while ((g = LIST_FIRST(&a->gaps[i]))) {
			LIST_REMOVE(g, link);
			free(g);
		}
	LIST_REMOVE(a, link);
	srv->narenas--;
	close(a->fd);
	free(a);
}

/**
 * arena_put() - a region left the arena: close it if it was the last
 * @srv:	server
 * @a:		arena
 */
static void arena_put(struct session_srv *srv, struct shm_arena *a)
{
	a->nregions--;
	arena_close_unused(srv, a);
}

/**
 * arena_take() - a range of @len bytes in an arena
 * @a:		arena
 * @len:	bytes
 * @off:	set to its offset
 *
 * A free range of that very length first, else the end, grown by
 * SESS_ARENA_GROW at a time; offsets stay below SESS_ARENA_MAX (the wire
 * carries them in pages, 32 bits).
 *
 * Return: 0, or -errno
 */
static int arena_take(struct shm_arena *a, size_t len, uint64_t *off)
{
	struct arena_gap *g;
	uint64_t size;

	len = page_round(len);
	LIST_FOREACH(g, gap_bucket(a, len), link)
		if (g->len == len)
			break;
	if (g) {
		*off = g->off;
		LIST_REMOVE(g, link);
		free(g);
		a->nregions++;
		return 0;
	}
	if (a->end + len > SESS_ARENA_MAX)
		return -ENOMEM;
	if (a->end + len > a->size) {
		size = (a->end + len + SESS_ARENA_GROW - 1) &
		       ~(uint64_t)(SESS_ARENA_GROW - 1);
		if (ftruncate(a->fd, (off_t)size))
			return -errno;
		a->size = size;
	}
	*off = a->end;
	a->end += len;
	a->nregions++;
	return 0;
}

/**
 * arena_give() - give a range back: its pages freed, the range kept for a
 * later region of the same length
 * @srv:	server
 * @a:		arena
 * @off:	offset
 * @len:	bytes
 * @keep:	bytes at the start to leave as they are (a header page a shim
 *		still maps: it reads the socket's end there, not zeros)
 */
static void arena_give(struct session_srv *srv, struct shm_arena *a,
		       uint64_t off, size_t len, size_t keep)
{
	struct arena_gap *g;

	len = page_round(len);
	if (len > keep)
		fallocate(a->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			  (off_t)(off + keep), (off_t)(len - keep));
	g = malloc(sizeof(*g));
	if (g) {
		g->off = off;
		g->len = len;
		LIST_INSERT_HEAD(gap_bucket(a, len), g, link);
	}
	arena_put(srv, a);
}

/**
 * sess_region_fd() - the memfd a region lives in
 * @r:		region
 *
 * Return: the arena's memfd, or the region's own
 */
int sess_region_fd(const struct shm_region *r)
{
	return r->arena ? r->arena->fd : r->memfd;
}

/**
 * sess_region_info() - say in an answer where a region is
 * @r:		region
 * @info:	the answer's socket info: AE_RESP_SHM, size and page offset
 */
void sess_region_info(const struct shm_region *r, struct ae_ipc_sockinfo *info)
{
	info->flags |= AE_RESP_SHM;
	info->shm_size = (uint32_t)r->map_len;
	info->shm_pgoff = (uint32_t)(r->off / AE_SHM_HDR_SIZE);
}

/**
 * sess_region_map() - give a new region its memory
 * @srv:	server
 * @r:		region, @map_len set, not mapped
 * @uid:	the uid it is for, or NULL (not known yet: a private memfd)
 *
 * Return: 0, or -errno
 */
int sess_region_map(struct session_srv *srv, struct shm_region *r,
		    const uid_t *uid)
{
	int fd, ret;
	void *p;

	r->memfd = -1;
	r->arena = uid ? arena_get(srv, *uid) : NULL;
	if (r->arena) {
		ret = arena_take(r->arena, r->map_len, &r->off);
		if (ret) {
			arena_close_unused(srv, r->arena);
			r->arena = NULL;
			return ret;
		}
		fd = r->arena->fd;
	} else {
		r->off = 0;
		r->memfd = memfd_create("aether-sock", MFD_CLOEXEC);
		if (r->memfd < 0)
			return -errno;
		if (ftruncate(r->memfd, (off_t)r->map_len))
			goto err;
		fd = r->memfd;
	}
	p = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)r->off);
	if (p == MAP_FAILED)
		goto err;
	r->base = p;
	r->incarnation = ++srv->next_incarnation;
	return 0;
err:
	ret = -errno;
	if (r->arena)
		arena_give(srv, r->arena, r->off, r->map_len, 0);
	else
		close(r->memfd);
	r->arena = NULL;
	r->memfd = -1;
	return ret;
}

/**
 * sess_region_unmap() - unmap a region and give its memory back
 * @srv:	server
 * @r:		region
 * @mapped:	a shim may still map it as its socket's current memory (cut
 *		off): its header page, which says so, is left in place
 */
void sess_region_unmap(struct session_srv *srv, struct shm_region *r,
		       bool mapped)
{
	munmap(r->base, r->map_len);
	if (r->arena && srv->closing)
		arena_put(srv, r->arena);	/* pages go with the mappings */
	else if (r->arena)
		arena_give(srv, r->arena, r->off, r->map_len,
			   mapped ? AE_SHM_HDR_SIZE : 0);
	else if (r->memfd >= 0)
		close(r->memfd);
	r->arena = NULL;
	r->memfd = -1;
}

/**
 * sess_region_punch() - free the pages of a byte range of a region
 * @r:		region
 * @off:	offset in the region (page aligned)
 * @len:	bytes
 *
 * Return: 0 or -errno
 */
int sess_region_punch(const struct shm_region *r, uint64_t off, uint64_t len)
{
	if (fallocate(sess_region_fd(r), FALLOC_FL_PUNCH_HOLE |
		      FALLOC_FL_KEEP_SIZE, (off_t)(r->off + off), (off_t)len))
		return -errno;
	return 0;
}

/**
 * sess_region_extent() - the next range of a region that has pages
 * @r:		region
 * @pos:	offset in the region to look from
 * @len:	set to the range's length
 *
 * Return: its offset in the region, -ENXIO when there is none, or -errno
 */
off_t sess_region_extent(const struct shm_region *r, off_t pos, off_t *len)
{
	int fd = sess_region_fd(r);
	off_t base = (off_t)r->off, end = (off_t)r->map_len, data, hole;

	if (pos >= end)
		return -ENXIO;
	data = lseek(fd, base + pos, SEEK_DATA);
	if (data < 0)
		return -errno;
	data -= base;
	if (data >= end)
		return -ENXIO;
	hole = lseek(fd, base + data, SEEK_HOLE);
	if (hole < 0)
		return -errno;
	hole -= base;
	*len = (hole > end ? end : hole) - data;
	return data;
}

/**
 * sess_region_pages() - which pages of a region are resident (mincore()
 * on the daemon's own mapping: one call per SESS_MINCORE_PAGES pages,
 * where walking the memfd with SEEK_DATA/SEEK_HOLE took two per extent)
 * @r:		region
 * @from:	offset in the region to look from (page aligned)
 * @idx:	set to the offsets of the first @max resident pages
 * @max:	size of @idx (0: count only)
 *
 * Return: how many pages from @from on are resident, or -errno
 */
long sess_region_pages(const struct shm_region *r, size_t from, size_t *idx,
		       int max)
{
	unsigned char vec[SESS_MINCORE_PAGES];
	size_t end = r->map_len, len, i, n;
	long count = 0;

	while (from < end) {
		len = end - from;
		if (len > (size_t)SESS_MINCORE_PAGES * AE_SHM_HDR_SIZE)
			len = (size_t)SESS_MINCORE_PAGES * AE_SHM_HDR_SIZE;
		if (mincore(r->base + from, len, vec))
			return -errno;
		n = (len + AE_SHM_HDR_SIZE - 1) / AE_SHM_HDR_SIZE;
		for (i = 0; i < n; i++) {
			if (!(vec[i] & 1))
				continue;
			if (count < max)
				idx[count] = from + i * AE_SHM_HDR_SIZE;
			count++;
		}
		from += len;
	}
	return count;
}

/**
 * sess_region_resident() - bytes of a region that have pages
 * @r:		region
 *
 * Return: resident bytes (0 if mincore() fails)
 */
uint64_t sess_region_resident(const struct shm_region *r)
{
	long n = sess_region_pages(r, 0, NULL, 0);

	return n > 0 ? (uint64_t)n * AE_SHM_HDR_SIZE : 0;
}

/**
 * copy_pages() - copy what a region has resident into @fd at @off
 * @r:		region, mapped at r->base
 * @fd:		destination memfd
 * @off:	where the region starts in it
 *
 * Only the extents with pages are written, so a sparse ring stays sparse.
 *
 * Return: 0 or -errno
 */
static int copy_pages(const struct shm_region *r, int fd, uint64_t off)
{
	off_t pos = 0, data, len;
	int i;

	for (i = 0; i < 4096; i++) {
		data = sess_region_extent(r, pos, &len);
		if (data == -ENXIO)
			return 0;
		if (data < 0)
			return (int)data;
		if (pwrite(fd, r->base + data, (size_t)len,
			   (off_t)off + data) != (ssize_t)len)
			return -EIO;
		pos = data + len;
	}
	return -E2BIG;
}

/**
 * sess_region_settle() - make sure a region may be sent to @uid
 * @srv:	server
 * @r:		region
 * @uid:	the uid it is about to be sent to
 *
 * A region never sent moves into @uid's arena (see the DOC above); one
 * sent from another uid's arena may not go to @uid; a private memfd (the
 * move failed once) is sent as it is, as before arenas.
 *
 * Return: 0 (send sess_region_fd(r) at r->off), -EACCES, or -errno
 */
int sess_region_settle(struct session_srv *srv, struct shm_region *r,
		      uid_t uid)
{
	struct shm_arena *a;
	uint64_t off = 0;
	bool taken;
	int ret;
	void *p;

	if (r->arena && r->arena->uid == uid)
		return 0;
	if (r->sent && !r->arena)
		return 0;
	if (r->sent) {
		SSTAT(srv, shm_foreign_refused);
		return -EACCES;
	}
	a = arena_get(srv, uid);
	if (!a)
		return r->arena ? -ENOMEM : 0;
	ret = arena_take(a, r->map_len, &off);
	taken = !ret;
	if (!ret)
		ret = copy_pages(r, a->fd, off);
	if (!ret) {
		p = mmap(r->base, r->map_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, a->fd, (off_t)off);
		ret = p == MAP_FAILED ? -errno : 0;
	}
	if (ret) {
		if (taken)
			arena_give(srv, a, off, r->map_len, 0);
		else
			arena_close_unused(srv, a);
		return r->arena ? ret : 0;
	}
	if (r->arena)
		arena_give(srv, r->arena, r->off, r->map_len, 0);
	else
		close(r->memfd);
	r->memfd = -1;
	r->arena = a;
	r->off = off;
	SSTAT(srv, shm_settled);
	return 0;
}

/* ------------------------------------------------------------------ */
/* takeover (takeover.c): arenas and regions handed over as they are   */
/* ------------------------------------------------------------------ */

/**
 * sess_arena_adopt() - an arena another aetherd made (--takeover)
 * @srv:	server
 * @fd:		its memfd (owned by the arena once adopted)
 * @uid:	its uid (one arena per uid)
 * @size:	its length, as the old daemon grew it
 * @end:	what the old daemon ever handed out of it
 *
 * It starts with no region (sess_region_adopt() counts them) and no free
 * range (sess_arena_adopt_gap()); nothing in the memfd is touched, so the
 * programs' mappings stay what they are.
 *
 * Return: the arena, or NULL (a second arena for @uid, sizes that do not
 * fit the memfd, no memory)
 */
struct shm_arena *sess_arena_adopt(struct session_srv *srv, int fd,
				   uid_t uid, uint64_t size, uint64_t end)
{
	struct shm_arena *a;
	struct stat st;

	if (arena_find(srv, uid) || end > size || end > SESS_ARENA_MAX ||
	    end % AE_SHM_HDR_SIZE || fd < 0 || fstat(fd, &st) ||
	    (uint64_t)st.st_size < size)
		return NULL;
	a = arena_add(srv, fd, uid);
	if (a) {
		a->size = size;
		a->end = end;
	}
	return a;
}

/**
 * sess_arena_adopt_gap() - a free range of an adopted arena
 * @a:		arena
 * @off:	offset (page aligned)
 * @len:	bytes (whole pages, more than none)
 *
 * Its ring pages are holes already (given back, or a pooled region's
 * scrubbed rings); whoever takes it writes the header page anew.
 *
 * Return: 0, -EINVAL (not a range of the arena), or -ENOMEM
 */
int sess_arena_adopt_gap(struct shm_arena *a, uint64_t off, uint64_t len)
{
	struct arena_gap *g;

	if (!len || off % AE_SHM_HDR_SIZE || len % AE_SHM_HDR_SIZE ||
	    off > a->end || len > a->end - off)
		return -EINVAL;
	g = malloc(sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->off = off;
	g->len = (size_t)len;
	LIST_INSERT_HEAD(gap_bucket(a, g->len), g, link);
	return 0;
}

/**
 * sess_arena_gaps() - call @fn for each free range of an arena
 * @a:		arena
 * @fn:		called with @ctx, offset and length; NULL: count only
 * @ctx:	its context
 *
 * Return: how many free ranges there are
 */
int sess_arena_gaps(const struct shm_arena *a,
		    void (*fn)(void *ctx, uint64_t off, uint64_t len),
		    void *ctx)
{
	const struct arena_gap *g;
	int i, n = 0;

	for (i = 0; i < SESS_ARENA_GAP_BUCKETS; i++)
		LIST_FOREACH(g, &a->gaps[i], link) {
			if (fn)
				fn(ctx, g->off, g->len);
			n++;
		}
	return n;
}

/**
 * sess_arenas_adopted() - every region is adopted: close the arenas that
 * hold none (their uid's sockets were all gone, only pooled ranges left)
 * @srv:	server
 */
void sess_arenas_adopted(struct session_srv *srv)
{
	struct shm_arena *a = LIST_FIRST(&srv->arenas), *next;

	for (; a; a = next) {
		next = LIST_NEXT(a, link);
		arena_close_unused(srv, a);
	}
}

/**
 * sess_region_map_adopted() - map a region another aetherd made where it
 * was: the same range of the same arena, or the whole of its own memfd
 * @r:		region, @map_len set, not mapped
 * @a:		the arena it is a range of, or NULL
 * @memfd:	without @a: its own memfd (owned by @r on success)
 * @off:	its offset in @a
 *
 * Return: 0, -EINVAL (not a range of @a, or a memfd too short), or -errno
 */
int sess_region_map_adopted(struct shm_region *r, struct shm_arena *a,
			    int memfd, uint64_t off)
{
	uint64_t len = page_round(r->map_len);
	struct stat st;
	void *p;

	if (a ? off % AE_SHM_HDR_SIZE || off > a->end || len > a->end - off :
	    memfd < 0 || fstat(memfd, &st) || (uint64_t)st.st_size < r->map_len)
		return -EINVAL;
	p = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 a ? a->fd : memfd, a ? (off_t)off : 0);
	if (p == MAP_FAILED)
		return -errno;
	r->base = p;
	r->arena = a;
	r->off = a ? off : 0;
	r->memfd = a ? -1 : memfd;
	if (a)
		a->nregions++;
	return 0;
}
