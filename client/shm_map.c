// SPDX-License-Identifier: MIT
/**
 * DOC: shm_map.c - mapping the daemon's shared memory, the socket object
 *
 * A socket's header page and rings live in a memfd the daemon sends with a
 * response; aec_map() maps it (through a small cache of closed sockets'
 * mappings, described below) and closes the fd at once. A region the
 * daemon moved (a socket that grew its rings, an accepted child) replaces
 * the mapping under a seqlock, the old one kept until close because other
 * threads may still be reading it. aec_request() is the one way a control
 * request is sent on a socket: under its lock, taking any memfd that comes
 * back. See conn.c for the library's theory of operation.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"

/*
 * Mapping cache. The daemon reuses a closed socket's region for a later
 * socket of the same uid (session_shm.c); a connection-per-request server
 * then keeps receiving memfds it mapped before. A closed socket's mapping
 * is kept here, keyed by the memfd's inode, and handed to the next socket
 * whose memfd is that very file: no mmap, no munmap, no page faults. Only
 * header-only mappings and ring mappings that carried little data are kept
 * (so at most a few pages each stay pinned), at most AEC_MAP_CACHE of them,
 * oldest unmapped first.
 * What a kept mapping may show later is the same region reused for the same
 * uid's sockets, which the daemon's rule already allows any holder of the
 * memfd to see. The lock is only ever tried: a thread that finds it busy
 * (or a child forked while another thread held it) maps and unmaps as before.
 */
#define AEC_MAP_CACHE		64
#define AEC_MAP_KEEP_BYTES	(256u * 1024)

/**
 * struct aec_cached_map - one kept mapping
 * @p:		the mapping
 * @len:	its length
 * @dev:	memfd device
 * @ino:	memfd inode
 * @off:	offset of the mapping in the memfd (the daemon's arena)
 */
struct aec_cached_map {
	void *p;
	size_t len;
	dev_t dev;
	ino_t ino;
	off_t off;
};

static struct aec_cached_map map_cache[AEC_MAP_CACHE];
static int map_ncached;
static int map_busy;

/**
 * map_lock() - try to take the cache
 *
 * Return: true if taken (release with map_unlock())
 */
static bool map_lock(void)
{
	return !__atomic_exchange_n(&map_busy, 1, __ATOMIC_ACQUIRE);
}

/**
 * map_unlock() - release the cache
 */
static void map_unlock(void)
{
	__atomic_store_n(&map_busy, 0, __ATOMIC_RELEASE);
}

/**
 * aec_map_cache_atfork_child() - fork done, in the child: a cache another
 * thread of the parent was using is free again
 */
void aec_map_cache_atfork_child(void)
{
	__atomic_store_n(&map_busy, 0, __ATOMIC_RELEASE);
}

/**
 * map_cache_take() - a kept mapping of this memfd range, if there is one
 * @st:		the memfd's fstat
 * @len:	length wanted
 * @off:	offset wanted
 *
 * Return: the mapping (no longer in the cache) or NULL
 */
static void *map_cache_take(const struct stat *st, size_t len, off_t off)
{
	void *p = NULL;
	int i;

	if (!map_lock())
		return NULL;
	for (i = map_ncached - 1; i >= 0; i--) {
		struct aec_cached_map *m = &map_cache[i];

		if (m->ino != st->st_ino || m->dev != st->st_dev ||
		    m->len != len || m->off != off)
			continue;
		p = m->p;
		memmove(m, m + 1, sizeof(*m) * (size_t)(map_ncached - i - 1));
		map_ncached--;
		break;
	}
	map_unlock();
	return p;
}

/**
 * map_release() - a socket is done with a mapping: keep it or unmap it
 * @h:		the mapping
 * @len:	its length
 * @dev:	its memfd's device
 * @ino:	its memfd's inode
 * @off:	its offset in the memfd
 */
static void map_release(struct ae_shm_hdr *h, size_t len, dev_t dev, ino_t ino,
			off_t off)
{
	void *old = NULL;
	size_t old_len = 0;
	uint32_t through;
	bool keep;

	/* bytes that went through the rings: what may have been paged in */
	through = shm_load(&h->rx_tail) + shm_load(&h->tx_tail);
	if (h->rx_size)
		keep = len == h->map_size && through <= AEC_MAP_KEEP_BYTES;
	else
		keep = len == AE_SHM_HDR_SIZE;
	if (!keep || !map_lock()) {
		munmap(h, len);
		return;
	}
	if (map_ncached == AEC_MAP_CACHE) {
		old = map_cache[0].p;
		old_len = map_cache[0].len;
		memmove(&map_cache[0], &map_cache[1],
			sizeof(map_cache[0]) * (AEC_MAP_CACHE - 1));
		map_ncached--;
	}
	map_cache[map_ncached++] = (struct aec_cached_map){
		.p = h, .len = len, .dev = dev, .ino = ino, .off = off };
	map_unlock();
	if (old)
		munmap(old, old_len);
}
/**
 * aec_map() - map a socket's memfd range and make it the current memory
 * @s:		socket
 * @memfd:	the memfd (closed here)
 * @size:	bytes to map, from the response
 * @pgoff:	where they start, in pages of AE_SHM_HDR_SIZE (the response's)
 *
 * The previous mapping stays until aec_close_local(): another thread may be
 * reading it right now.
 *
 * Return: 0 or -EPROTO / -ENOMEM
 */
int aec_map(struct aec_sock *s, int memfd, uint32_t size, uint32_t pgoff)
{
	struct stat st;
	int ret = fstat(memfd, &st) ? -EPROTO :
		  aec_map_st(s, memfd, &st, size, pgoff);

	sys_close(memfd);
	return ret;
}

/**
 * aec_map_st() - aec_map() of a memfd already looked at (an ACCEPT batch
 * maps several sockets of one memfd), which stays open
 * @s:		socket
 * @memfd:	the memfd
 * @st:		its fstat()
 * @size:	bytes to map
 * @pgoff:	where they start, in pages of AE_SHM_HDR_SIZE
 *
 * Return: 0 or -EPROTO / -ENOMEM
 */
int aec_map_st(struct aec_sock *s, int memfd, const struct stat *st,
	       uint32_t size, uint32_t pgoff)
{
	off_t off = (off_t)pgoff * AE_SHM_HDR_SIZE;
	struct ae_shm_hdr *h;
	void *p;

	if (size < AE_SHM_HDR_SIZE || st->st_size < off + (off_t)size)
		return -EPROTO;
	p = map_cache_take(st, size, off);
	if (!p)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd,
			 off);
	if (p == MAP_FAILED)
		return -ENOMEM;
	h = p;
	if (shm_layout_check(h, size)) {
		munmap(p, size);
		return -EPROTO;
	}
	if (h->rx_size)		/* this shim reads rx_base (ipc/shm.c, 6) */
		shm_or(&h->shim_caps, AE_CAP_RESTART);
	if (s->shm) {
		if (s->nold == AEC_OLD_MAPS) {
			munmap(s->old_shm[0], s->old_len[0]);
			memmove(&s->old_shm[0], &s->old_shm[1],
				sizeof(s->old_shm[0]) * (AEC_OLD_MAPS - 1));
			memmove(&s->old_len[0], &s->old_len[1],
				sizeof(s->old_len[0]) * (AEC_OLD_MAPS - 1));
			memmove(&s->old_dev[0], &s->old_dev[1],
				sizeof(s->old_dev[0]) * (AEC_OLD_MAPS - 1));
			memmove(&s->old_ino[0], &s->old_ino[1],
				sizeof(s->old_ino[0]) * (AEC_OLD_MAPS - 1));
			memmove(&s->old_off[0], &s->old_off[1],
				sizeof(s->old_off[0]) * (AEC_OLD_MAPS - 1));
			s->nold--;
		}
		s->old_shm[s->nold] = s->shm;
		s->old_dev[s->nold] = s->shm_dev;
		s->old_ino[s->nold] = s->shm_ino;
		s->old_off[s->nold] = s->shm_off;
		s->old_len[s->nold++] = s->shm_len;
	}
	/* seqlock: a reader never pairs a mapping with another's incarnation */
	__atomic_store_n(&s->map_seq, s->map_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	s->shm_len = size;
	s->shm_dev = st->st_dev;
	s->shm_ino = st->st_ino;
	s->shm_off = off;
	__atomic_store_n(&s->shm_inc, shm_load(&h->incarnation),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&s->shm, h, __ATOMIC_RELEASE);
	__atomic_store_n(&s->map_seq, s->map_seq + 1, __ATOMIC_RELEASE);
	return 0;
}

/**
 * aec_take_shm() - map the memfd a response carried, if it says so
 * @s:		socket
 * @info:	the response's socket info
 * @r:		the response (its last fd is the memfd)
 *
 * Return: 0 or -errno
 */
static int aec_take_shm(struct aec_sock *s, const struct ae_ipc_sockinfo *info,
			struct aec_rsp *r)
{
	int fd;

	if (!(info->flags & AE_RESP_SHM))
		return 0;
	if (r->nfds < 1)
		return -EPROTO;
	fd = r->fds[--r->nfds];
	return aec_map(s, fd, info->shm_size, info->shm_pgoff);
}

/**
 * aec_new() - allocate a socket object around a backing fd
 * @fd:		backing fd
 * @type:	SOCK_STREAM / SOCK_DGRAM
 *
 * Return: the object or NULL
 */
struct aec_sock *aec_new(int fd, int type)
{
	struct aec_sock *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->fd = fd;
	s->type = type;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->rlock, NULL);
	pthread_mutex_init(&s->wlock, NULL);
	return s;
}

/**
 * aec_free() - unmap (or keep in the mapping cache) and free a socket
 * object (not its fd)
 * @s:		socket
 */
void aec_free(struct aec_sock *s)
{
	int i;

	aec_acq_free(s);	/* connections taken ahead go back */
	for (i = 0; i < s->nold; i++)
		map_release(s->old_shm[i], s->old_len[i], s->old_dev[i],
			    s->old_ino[i], s->old_off[i]);
	if (s->shm)
		map_release(s->shm, s->shm_len, s->shm_dev, s->shm_ino,
			    s->shm_off);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->rlock);
	pthread_mutex_destroy(&s->wlock);
	free(s);
}

/**
 * aec_request() - a request on a socket, under its lock, and a fresh shm if
 * the answer carries one
 * @s:		socket
 * @type:	request type
 * @p:		fixed payload, @plen bytes
 * @plen:	size
 * @v:		variable payload, @vlen bytes
 * @vlen:	size
 * @r:		response buffers; if the fixed answer begins with (or is) a
 *		struct ae_ipc_sockinfo at @info_off, its memfd is mapped
 * @info_off:	offset of a struct ae_ipc_sockinfo in the payload, or -1
 *
 * Return: the result or -errno (-ENETDOWN: the daemon is gone)
 */
int aec_request(struct aec_sock *s, uint16_t type, const void *p,
		size_t plen, const void *v, size_t vlen,
		struct aec_rsp *r, int info_off)
{
	struct ae_ipc_sockinfo info;
	int ret, mr;

	if (s->dead)
		return -ENETDOWN;
	pthread_mutex_lock(&s->lock);
	r->wake = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);
	ret = aec_xfer(s->fd, &s->seq, type, p, plen, v, vlen, r);
	if (ret == -ENETDOWN)
		s->dead = 1;
	/* memory may come with an error too (connect: -EINPROGRESS) */
	if (ret != -ENETDOWN && ret != -EPROTO && info_off >= 0 &&
	    r->len >= sizeof(struct ae_ipc_hdr) + info_off + sizeof(info)) {
		memcpy(&info, (uint8_t *)r->buf + sizeof(struct ae_ipc_hdr) +
		       info_off, sizeof(info));
		mr = aec_take_shm(s, &info, r);
		if (mr && ret >= 0)
			ret = mr;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/**
 * aec_simple() - a request whose answer is just the header (+ maybe shm)
 * @s:		socket
 * @type:	type
 * @p:		payload, @plen bytes
 * @plen:	size
 *
 * Return: result or -errno
 */
int aec_simple(struct aec_sock *s, uint16_t type, const void *p,
	       size_t plen)
{
	uint8_t buf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_sockinfo)];
	struct aec_rsp r = { .buf = buf, .cap = sizeof(buf) };
	int ret;

	ret = aec_request(s, type, p, plen, NULL, 0, &r, 0);
	close_fds(&r);
	return ret;
}

/**
 * aec_refresh() - follow the socket to new memory if the daemon moved it
 * @s:		socket
 *
 * Return: 0 or -errno
 */
static int aec_refresh(struct aec_sock *s)
{
	struct ae_shm_hdr *h = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);

	if (!h || !shm_load(&h->moved) || s->dead)
		return 0;
	return aec_simple(s, AE_MSG_ATTACH, NULL, 0) < 0 ? -EPROTO : 0;
}

/**
 * aec_recycled() - has the daemon given @h's region to another socket?
 * @s:		socket
 * @h:		its current header, as just loaded
 *
 * Only possible once every copy of the backing fd is closed, so only for a
 * thread still inside a call on a socket another thread closed: the region
 * then belongs to a later socket of the same uid, whose data this thread
 * must not take. A move racing with the check makes it answer false.
 *
 * Return: true if recycled
 */
static bool aec_recycled(struct aec_sock *s, struct ae_shm_hdr *h)
{
	uint32_t q = __atomic_load_n(&s->map_seq, __ATOMIC_ACQUIRE), inc;
	struct ae_shm_hdr *cur;

	if (q & 1)
		return false;
	inc = __atomic_load_n(&s->shm_inc, __ATOMIC_RELAXED);
	cur = __atomic_load_n(&s->shm, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&s->map_seq, __ATOMIC_RELAXED) != q || cur != h)
		return false;
	return shm_load(&h->incarnation) != inc;
}

/**
 * aec_hdr() - the current header page, following moves
 * @s:		socket
 *
 * A recycled region (aec_recycled()) makes the socket dead: NULL, and every
 * later call fails as if the daemon had gone.
 *
 * Return: header or NULL
 */
struct ae_shm_hdr *aec_hdr(struct aec_sock *s)
{
	struct ae_shm_hdr *h;

	aec_refresh(s);
	h = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);
	if (h && aec_recycled(s, h)) {
		s->dead = 1;
		return NULL;
	}
	return h;
}

