/* SPDX-License-Identifier: MIT */
/**
 * DOC: client_int.h - what the parts of the client library share
 *
 * Not installed, not included outside client/: the public API is client.h.
 * The library is split by concern: conn.c (raw system calls, the
 * request/response exchange), shm_map.c (mappings, the socket object),
 * sock.c (control operations), ready.c (readiness, waiting), data.c (data
 * transfer) and info.c (daemon information). The functions declared here
 * are hidden: libaether.so does not export them to the program it is
 * loaded into.
 */
#ifndef AETHER_CLIENT_INT_H
#define AETHER_CLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <netinet/in.h>

#include "client.h"
#include "proto.h"
#include "shm.h"

#define AEC_SMALL	256
#define AEC_FOREIGN_MS	200
#define AEC_FOREIGN_MAX_MS	5000
/* another process's response heads the queue: yield this many times, then
 * nap AEC_FOREIGN_NAP_NS at a time (client/conn.c, foreign_nap()) */
#define AEC_FOREIGN_YIELDS	16
#define AEC_FOREIGN_NAP_NS	100000L
#define AEC_RDLOCK_STALE_MS	50
/* the same, in sandbox mode, where a holder's death cannot be asked */
#define AEC_RDLOCK_SANDBOX_MS	1000
/* longest futex sleep in sandbox mode: how late the daemon's death is seen */
#define AEC_SANDBOX_SLICE_MS	250
/* sandbox mode: the nap while another's exchange is under way, and the
 * largest UDP exchange built on the stack (larger ones are malloc()ed) */
#define AEC_SANDBOX_NAP_NS	1000000L
#define AEC_SANDBOX_STACK_MSG	2048
/* the tx ring's pages past its live data are given back once this many
 * bytes of them were written and the ring is empty, or this many while data
 * remains (the daemon does the same for rx: daemon/session.h) */
#define AEC_PUNCH_IDLE	(4u * 1024)
#define AEC_PUNCH_BUSY	(256u * 1024)
/* a send within this long of the previous one is a stream: its tx ring
 * keeps its pages (data.c, tx_give_back()) */
#define AEC_STREAM_GAP_NS	1000000LL
#define AEC_PID_MAX	(1U << 22)	/* the kernel's PID_MAX_LIMIT */

/**
 * struct aec_rsp - where a response goes
 * @buf:	header + fixed payload, @cap bytes
 * @cap:	its size
 * @data:	optional second part (UDP data, tables), @data_cap bytes
 * @data_cap:	its size
 * @fds:	received descriptors, @nfds of them
 * @nfds:	count
 * @len:	bytes received
 * @wake:	the socket's header page, whose rd_lock serialises taking
 *		datagrams off the fd across processes (NULL: none)
 * @cloexec_fds: receive fds with MSG_CMSG_CLOEXEC (always true here)
 */
struct aec_rsp {
	void *buf;
	size_t cap;
	void *data;
	size_t data_cap;
	int fds[AE_IPC_MAX_FDS];
	int nfds;
	size_t len;
	struct ae_shm_hdr *wake;
};

/* a listener's queue holds at most this many connections taken ahead */
#define AEC_ACQ_MAX	(2 * AE_ACCEPT_BATCH)

/**
 * struct aec_acq_ent - one connection taken ahead
 * @s:		the socket (its backing fd is CLOEXEC while it waits)
 * @peer:	its peer
 * @nonblock:	its backing fd is O_NONBLOCK
 */
struct aec_acq_ent {
	struct aec_sock *s;
	struct sockaddr_in peer;
	bool nonblock;
};

/**
 * struct aec_acq - a listener's connections taken ahead, oldest first
 * @lock:	protects the rest
 * @n:		entries
 * @e:		entries
 */
struct aec_acq {
	pthread_mutex_t lock;
	int n;
	struct aec_acq_ent e[AEC_ACQ_MAX];
};

#pragma GCC visibility push(hidden)

/* conn.c */
long sys_ret(long r);
int sys_close(int fd);
int sys_fcntl(int fd, int cmd, long arg);
int sys_getsockopt(int fd, int level, int name, void *val,
		   socklen_t *len);
int sys_poll1(int fd, short events, int timeout_ms, short *revents);
int left_ms(int64_t deadline);
int64_t deadline_of(int timeout_ms);

/**
 * aec_nonblock() - whether a call must not wait
 * @flags:	the call's MSG_* flags
 * @timeout_ms:	its timeout, 0 for none at all
 *
 * Return: true for MSG_DONTWAIT or a zero timeout
 */
static inline bool aec_nonblock(int flags, int timeout_ms)
{
	return (flags & MSG_DONTWAIT) || !timeout_ms;
}
int aec_dial(bool cloexec);
void close_fds(struct aec_rsp *r);
uint32_t aec_rd_lock(struct ae_shm_hdr *h);
void aec_rd_unlock(struct ae_shm_hdr *h, uint32_t me);
int aec_xfer(int fd, uint32_t *seq, uint16_t type, const void *p,
	     size_t plen, const void *v, size_t vlen, struct aec_rsp *r);
int aec_xfer_noreply(int fd, uint32_t *seq, uint16_t type, const void *p,
		     size_t plen, const void *v, size_t vlen);

/* shm_map.c */
int aec_map(struct aec_sock *s, int memfd, uint32_t size, uint32_t pgoff);
int aec_map_st(struct aec_sock *s, int memfd, const struct stat *st,
	       uint32_t size, uint32_t pgoff);
void aec_map_cache_atfork_child(void);
struct aec_sock *aec_new(int fd, int type);
void aec_free(struct aec_sock *s);
void aec_acq_drop(struct aec_sock *s);
void aec_acq_free(struct aec_sock *s);
int aec_request(struct aec_sock *s, uint16_t type, const void *p,
		size_t plen, const void *v, size_t vlen,
		struct aec_rsp *r, int info_off);
int aec_simple(struct aec_sock *s, uint16_t type, const void *p,
	       size_t plen);
struct ae_shm_hdr *aec_hdr(struct aec_sock *s);

/* sock.c */
int addr_to_ipc(const struct sockaddr_in *sin, struct ae_ipc_addr *a);
void ipc_to_addr(const struct ae_ipc_addr *a, struct sockaddr_in *sin);
int aec_take_error(struct ae_shm_hdr *h);

/* data.c */
bool aec_io_blocked(struct aec_sock *s, bool nb, short events,
		    int64_t deadline, size_t done, ssize_t *ret);

/* sandbox.c */
uint32_t aec_sandboxed(void);
void aec_tid_atfork_child(void);
uint32_t aec_sandbox_pid_get(void);
void aec_nap(long ns);
int aec_xfer_sandboxed(int fd, uint32_t seq, uint16_t type, const void *p,
		       size_t plen, const void *v, size_t vlen,
		       struct aec_rsp *r);
void aec_ring(int fd);
void aec_xfers(struct ae_shm_hdr *h, int delta);
int aec_take_blind(int fd, struct ae_shm_hdr *h, struct ae_ipc_hdr *m);

#pragma GCC visibility pop

#endif /* AETHER_CLIENT_INT_H */
