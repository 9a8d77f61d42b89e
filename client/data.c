// SPDX-License-Identifier: MIT
/**
 * DOC: data.c - moving data: TCP through the rings, UDP through the fd
 *
 * TCP data never crosses the backing fd: aec_sendv() and aec_recvv() copy
 * into and out of the shared rings, publish the index, and ring a DOORBELL
 * only when the daemon asked for one. UDP datagrams travel as messages on
 * the fd. Blocking waits go through aec_wait() (ready.c). See conn.c for
 * the library's theory of operation.
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

/**
 * aec_doorbell() - tell the daemon about a moved index, if it asked
 * @s:		socket
 * @h:		header page
 * @bit:	AE_DB_TX or AE_DB_RX
 */
static void aec_doorbell(struct aec_sock *s, struct ae_shm_hdr *h, uint32_t bit)
{
	shm_fence();
	if (!(shm_load(&h->daemon_want) & bit))
		return;
	if (!(shm_clear(&h->daemon_want, bit) & bit))
		return;
	/* counted: aec_set_fd() waits until the old fd is out of use;
	 * EAGAIN: the daemon has a queue of our messages to read anyway */
	__atomic_add_fetch(&s->fd_users, 1, __ATOMIC_SEQ_CST);
	aec_ring(__atomic_load_n(&s->fd, __ATOMIC_SEQ_CST));
	__atomic_sub_fetch(&s->fd_users, 1, __ATOMIC_SEQ_CST);
}

/**
 * aec_tx_rung() - after bytes went into the tx ring: a doorbell if the
 * daemon asked for one; for a peer on the same stack (AE_SS_LOCAL) a
 * request answered once the bytes are in the peer's queue, so a loopback
 * send() is synchronous as on Linux (one round trip, loopback only; not
 * in sandbox mode, whose data path makes no requests)
 * @s:		socket
 * @h:		header page
 * @st:		state bits loaded before the write
 */
static void aec_tx_rung(struct aec_sock *s, struct ae_shm_hdr *h, uint32_t st)
{
	/* sandboxed: no request (sendmsg) on the data path, see sandbox.c */
	if (!(st & AE_SS_LOCAL) || aec_sandboxed()) {
		aec_doorbell(s, h, AE_DB_TX);
		return;
	}
	shm_clear(&h->daemon_want, AE_DB_TX);	/* the request pulls too */
	aec_simple(s, AE_MSG_FLUSH, NULL, 0);
}

/**
 * iov_total() - bytes in an iovec
 * @iov:	parts
 * @iovcnt:	count
 *
 * Return: sum (saturating at SSIZE_MAX)
 */
static size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t t = 0;
	int i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - t)
			return SSIZE_MAX;
		t += iov[i].iov_len;
	}
	return t;
}

/**
 * tcp_send_blocked() - why a TCP send cannot proceed now
 * @s:		socket
 * @h:		header page
 * @st:		state bits
 *
 * A connected socket neither shut for writing nor hung up that lacks
 * AE_SS_OUT has no send room yet (the stack's send space is used up while
 * the daemon has not seen the ring full): that is a wait, not EPIPE, or a
 * blocked send on a healthy connection to a slow reader raises SIGPIPE.
 *
 * Return: 0 (just wait for room), or the -errno to report
 */
static int tcp_send_blocked(struct aec_sock *s, struct ae_shm_hdr *h,
			    uint32_t st)
{
	int e;

	if (s->dead || (st & AE_SS_DEAD))
		return -EPIPE;
	e = aec_take_error(h);
	if (e)
		return e;
	if (st & (AE_SS_WRSHUT | AE_SS_HUP))
		return -EPIPE;
	if (st & AE_SS_CONNECTING)
		return 0;
	if (!(st & AE_SS_CONNECTED) || !h->tx_size)
		return -ENOTCONN;
	return 0;
}


/**
 * aec_io_blocked() - a call that cannot go on now: wait, or say how it ends
 * @s:		socket
 * @nb:		non-blocking: stop at once
 * @events:	POLLIN or POLLOUT, what to wait for
 * @deadline:	SO_RCVTIMEO/SO_SNDTIMEO deadline
 * @done:	bytes already moved (returned in preference to an error)
 * @ret:	the call's result when it stops
 *
 * Return: true to stop with *@ret set, false to try again after a wait
 */
bool aec_io_blocked(struct aec_sock *s, bool nb, short events,
		    int64_t deadline, size_t done, ssize_t *ret)
{
	int w = 0;

	if (!nb) {
		w = aec_wait(s, events, left_ms(deadline));
		if (w > 0)
			return false;
	}
	*ret = done ? (ssize_t)done : (w ? w : -EAGAIN);
	return true;
}

/**
 * struct io_call - one TCP send or receive in progress
 * @deadline:	SO_RCVTIMEO/SO_SNDTIMEO deadline
 * @total:	bytes asked for
 * @done:	bytes moved so far
 * @nb:		non-blocking (MSG_DONTWAIT or a zero timeout)
 */
struct io_call {
	int64_t deadline;
	size_t total;
	size_t done;
	bool nb;
};

/**
 * io_call_start() - set up a TCP send or receive
 * @iov:	buffers
 * @iovcnt:	parts
 * @flags:	MSG_* flags of the call
 * @timeout_ms:	-1 forever
 *
 * Return: the call's bookkeeping
 */
static struct io_call io_call_start(const struct iovec *iov, int iovcnt,
				    int flags, int timeout_ms)
{
	return (struct io_call){ .deadline = deadline_of(timeout_ms),
				 .total = iov_total(iov, iovcnt),
				 .nb = aec_nonblock(flags, timeout_ms) };
}

/**
 * io_hdr() - the socket's header page and state for one more turn
 * @s:		socket
 * @st:		set to the state bits
 * @ret:	set to -ENOTCONN when the socket has no rings
 *
 * Return: the header page, or NULL with *@ret set
 */
static struct ae_shm_hdr *io_hdr(struct aec_sock *s, uint32_t *st,
				 ssize_t *ret)
{
	struct ae_shm_hdr *h = aec_hdr(s);

	if (!h) {
		*ret = -ENOTCONN;
		return NULL;
	}
	*st = shm_load(&h->state);
	return h;
}

/**
 * ring_of() - a view of one of the header page's rings
 * @h:		header page
 * @tx:		true for the transmit ring, false for the receive ring
 *
 * Return: the ring view
 */
static struct ae_spsc ring_of(struct ae_shm_hdr *h, bool tx)
{
	if (tx)
		return (struct ae_spsc){ (uint8_t *)h + h->tx_off, h->tx_size,
					 &h->tx_head, &h->tx_tail,
					 &h->tx_base };
	return (struct ae_spsc){ (uint8_t *)h + h->rx_off, h->rx_size,
				 &h->rx_head, &h->rx_tail, &h->rx_base };
}

/**
 * tx_written() - note how far this process wrote into the tx ring
 * @s:		socket (its write lock held)
 * @h:		header page
 * @pos:	position the write started at (index - base, masked)
 * @n:		bytes written
 */
static void tx_written(struct aec_sock *s, struct ae_shm_hdr *h, uint32_t pos,
		       size_t n)
{
	if (s->mark_hdr != h) {
		s->mark_hdr = h;
		s->tx_hi = 0;
	}
	shm_written(&s->tx_hi, pos, (uint32_t)n, h->tx_size);
}

/**
 * tx_pos() - the tx ring's producer position: where the next byte goes
 * @h:		header page (the caller holds the write lock)
 *
 * Return: (tx_tail - tx_base) masked to the ring
 */
static uint32_t tx_pos(struct ae_shm_hdr *h)
{
	return (__atomic_load_n(&h->tx_tail, __ATOMIC_RELAXED) -
		__atomic_load_n(&h->tx_base, __ATOMIC_RELAXED)) &
	       (h->tx_size - 1);
}

/**
 * tx_give_back() - punch out the tx ring's pages past its live data
 * @s:		socket (its write lock held: this process is the ring's writer)
 * @h:		header page
 *
 * The ring restarts at its first byte whenever it is found empty
 * (spsc_restart(), before each write), so a request-response connection
 * writes only its first page(s). Pages this process wrote outside the live
 * data [tx_head, tx_tail) hold acknowledged bytes nobody reads again. Once
 * enough of them were written (AEC_PUNCH_IDLE with the ring empty,
 * AEC_PUNCH_BUSY otherwise) they are given back with one
 * madvise(MADV_REMOVE), so the memfd's resident pages follow the data in
 * flight. Rarely a system call: never one per send, none for exchanges that
 * fit in the first page.
 *
 * Not while the program streams (this send came within AEC_STREAM_GAP_NS
 * of the last): the ring would be written again within its lap, and each
 * page given back costs a TLB shoot-down, a fault and a cleared page the
 * next time round. iperf3 -R sent 2.15 Gbit/s punching as it went and
 * 37.3 Gbit/s without (same run, CPU per GB 644 against 41 jiffies). A
 * stream's ring is therefore resident up to its size, as the kernel's
 * autotuned send buffer is, and goes back at the first send after a pause
 * (or when the socket closes and its region is pooled).
 */
static void tx_give_back(struct aec_sock *s, struct ae_shm_hdr *h)
{
	uint32_t head = shm_load(&h->tx_head);
	uint32_t tail = __atomic_load_n(&h->tx_tail, __ATOMIC_RELAXED);
	uint32_t base = __atomic_load_n(&h->tx_base, __ATOMIC_RELAXED);
	struct shm_span sp[2];
	struct timespec ts;
	int64_t now, last = s->tx_last_ns;
	int n, i;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	s->tx_last_ns = now;
	if (now - last < AEC_STREAM_GAP_NS || s->mark_hdr != h)
		return;
	n = shm_idle_span(&s->tx_hi, h->tx_off,
			  (head - base) & (h->tx_size - 1), tail - head,
			  h->tx_size, head == tail ? AEC_PUNCH_IDLE :
			  AEC_PUNCH_BUSY, sp);
	for (i = 0; i < n; i++)
		syscall(SYS_madvise, (uint8_t *)h + sp[i].off,
			(size_t)sp[i].len, MADV_REMOVE);
}

/**
 * tcp_sendv() - TCP send through the tx ring
 * @s:		socket
 * @iov:	data
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
static ssize_t tcp_sendv(struct aec_sock *s, const struct iovec *iov,
			 int iovcnt, int flags, int timeout_ms)
{
	struct io_call c = io_call_start(iov, iovcnt, flags, timeout_ms);
	struct ae_shm_hdr *h;
	struct ae_spsc r;
	uint32_t st, pos;
	ssize_t ret;
	size_t n;
	int w;

	pthread_mutex_lock(&s->wlock);
	while ((h = io_hdr(s, &st, &ret))) {
		w = tcp_send_blocked(s, h, st);
		if (w) {
			ret = c.done ? (ssize_t)c.done : w;
			break;
		}
		if (h->tx_size && (st & AE_SS_OUT)) {
			r = ring_of(h, true);
			if (shm_load(&h->daemon_caps) & AE_CAP_RESTART)
				spsc_restart(&r);
			tx_give_back(s, h);
			pos = tx_pos(h);
			n = c.total - c.done;
			if (n > shm_tx_room(h))
				n = shm_tx_room(h);
			n = n ? spsc_writev(&r, iov, iovcnt, c.done, n) : 0;
			if (n) {
				tx_written(s, h, pos, n);
				c.done += n;
				aec_tx_rung(s, h, st);
			}
			if (c.done == c.total) {
				ret = (ssize_t)c.done;
				break;
			}
			if (n)
				continue;
		}
		if (aec_io_blocked(s, c.nb, POLLOUT, c.deadline, c.done, &ret))
			break;
	}
	pthread_mutex_unlock(&s->wlock);
	return ret;
}

/**
 * tcp_recv_end() - what an empty rx ring means now
 * @s:		socket
 * @h:		header page
 * @st:		state bits, loaded before the ring was found empty
 * @ret:	set to the result when the answer is final
 *
 * Return: true when @ret is final (EOF 0, or an error)
 */
static bool tcp_recv_end(struct aec_sock *s, struct ae_shm_hdr *h, uint32_t st,
			 ssize_t *ret)
{
	int e;

	if (s->dead || (st & AE_SS_DEAD)) {
		*ret = -ECONNRESET;
		return true;
	}
	e = aec_take_error(h);
	if (e) {
		*ret = e;
		return true;
	}
	if (st & (AE_SS_RDHUP | AE_SS_RDSHUT | AE_SS_HUP)) {
		*ret = (st & (AE_SS_CONNECTED | AE_SS_RDSHUT)) ? 0 : -ENOTCONN;
		return true;
	}
	if (!h->rx_size && !(st & AE_SS_CONNECTING)) {
		*ret = -ENOTCONN;
		return true;
	}
	return false;
}

/**
 * tcp_recvv() - TCP receive from the rx ring
 * @s:		socket
 * @iov:	buffers
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes, 0 at EOF, or -errno
 */
static ssize_t tcp_recvv(struct aec_sock *s, const struct iovec *iov,
			 int iovcnt, int flags, int timeout_ms)
{
	struct io_call c = io_call_start(iov, iovcnt, flags, timeout_ms);
	bool peek = flags & MSG_PEEK;
	struct ae_shm_hdr *h;
	struct ae_spsc r;
	ssize_t ret = 0;
	uint32_t st;
	size_t n;

	if (!c.total)
		return 0;
	pthread_mutex_lock(&s->rlock);
	while ((h = io_hdr(s, &st, &ret))) {
		/* after shutdown(SHUT_RD) what is queued still reads, then
		 * EOF (tcp_recvmsg() walks the queue before the shutdown) */
		if (h->rx_size) {
			r = ring_of(h, false);
			n = spsc_readv(&r, iov, iovcnt, c.done, c.total - c.done,
				       peek);
			if (n) {
				c.done += n;
				if (!peek)
					aec_doorbell(s, h, AE_DB_RX);
				if (c.done == c.total || peek ||
				    !(flags & MSG_WAITALL)) {
					ret = (ssize_t)c.done;
					break;
				}
				continue;
			}
		}
		if (c.done && !(flags & MSG_WAITALL)) {
			ret = (ssize_t)c.done;
			break;
		}
		if (tcp_recv_end(s, h, st, &ret)) {
			if (c.done)
				ret = (ssize_t)c.done;
			break;
		}
		if (aec_io_blocked(s, c.nb, POLLIN, c.deadline, c.done, &ret))
			break;
	}
	pthread_mutex_unlock(&s->rlock);
	return ret;
}

/**
 * udp_send() - one datagram through the daemon
 * @s:		socket
 * @iov:	data
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT
 * @to:		destination or NULL
 * @info:	this datagram's TTL/TOS, or NULL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
static ssize_t udp_send(struct aec_sock *s, const struct iovec *iov,
			int iovcnt, int flags, const struct sockaddr_in *to,
			const struct aec_dginfo *info, int timeout_ms)
{
	uint8_t hbuf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_sockinfo)];
	struct aec_rsp r = { .buf = hbuf, .cap = sizeof(hbuf) };
	struct ae_ipc_dgram q = { 0 };
	size_t total = iov_total(iov, iovcnt), off = 0;
	uint8_t *data;
	int ret, i;

	if (total > AE_IPC_MAX_UDP)
		return -EMSGSIZE;
	if (to) {
		ret = addr_to_ipc(to, &q.addr);
		if (ret)
			return ret;
	}
	q.flags = flags & ~MSG_DONTWAIT;
	q.len = (uint32_t)total;
	if (info) {
		q.ttl = info->ttl;
		q.tos = info->tos;
		q.set = info->set & (AE_IPC_DG_TTL | AE_IPC_DG_TOS);
	}
	data = iovcnt == 1 ? iov[0].iov_base : malloc(total ? total : 1);
	if (!data)
		return -ENOMEM;
	if (iovcnt != 1) {
		for (i = 0; i < iovcnt; i++) {
			memcpy(data + off, iov[i].iov_base, iov[i].iov_len);
			off += iov[i].iov_len;
		}
	}
	ret = aec_request(s, AE_MSG_SENDTO, &q, sizeof(q), data, total, &r, -1);
	close_fds(&r);
	if (iovcnt != 1)
		free(data);
	(void)timeout_ms;
	if (ret == -ENETDOWN)
		return -EPIPE;
	return ret;
}

/**
 * udp_recv() - one datagram through the daemon, waiting if asked
 * @s:		socket
 * @buf:	buffer, @len bytes
 * @len:	size
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC
 * @from:	source, may be NULL
 * @info:	the datagram's IP fields, may be NULL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
static ssize_t udp_recv(struct aec_sock *s, void *buf, size_t len, int flags,
			struct sockaddr_in *from, struct aec_dginfo *info,
			int timeout_ms)
{
	uint8_t hbuf[sizeof(struct ae_ipc_hdr) + sizeof(struct ae_ipc_dgram)];
	struct ae_ipc_dgram q = { 0 }, a;
	int64_t deadline = deadline_of(timeout_ms);
	ssize_t ret;

	q.flags = flags & (MSG_PEEK | MSG_TRUNC);
	q.len = len > AE_IPC_MAX_UDP ? AE_IPC_MAX_UDP : (uint32_t)len;
	for (;;) {
		struct aec_rsp r = { .buf = hbuf, .cap = sizeof(hbuf),
				     .data = buf, .data_cap = q.len };

		ret = aec_request(s, AE_MSG_RECVFROM, &q, sizeof(q), NULL, 0,
				  &r, -1);
		close_fds(&r);
		if (ret >= 0) {
			if (r.len < sizeof(hbuf))
				return -EPROTO;
			memcpy(&a, hbuf + sizeof(struct ae_ipc_hdr), sizeof(a));
			ipc_to_addr(&a.addr, from);
			if (info) {
				info->dst = a.dst;
				info->ttl = a.ttl;
				info->tos = a.tos;
				info->set = a.set;
			}
			return ret;
		}
		if (ret == -ENETDOWN)
			return -ECONNRESET;
		if (ret != -EAGAIN ||
		    aec_io_blocked(s, aec_nonblock(flags, timeout_ms), POLLIN,
				   deadline, 0, &ret))
			return ret;
	}
}

/**
 * aec_sendv() - send
 * @s:		socket
 * @iov:	data
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
ssize_t aec_sendv(struct aec_sock *s, const struct iovec *iov, int iovcnt,
		  int flags, int timeout_ms)
{
	if (iovcnt < 0)
		return -EINVAL;
	if (s->type == SOCK_DGRAM)
		return udp_send(s, iov, iovcnt, flags, NULL, NULL, timeout_ms);
	return tcp_sendv(s, iov, iovcnt, flags, timeout_ms);
}

/**
 * aec_recvv() - receive
 * @s:		socket
 * @iov:	buffers
 * @iovcnt:	parts
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes, 0 at EOF, or -errno
 */
ssize_t aec_recvv(struct aec_sock *s, const struct iovec *iov, int iovcnt,
		  int flags, int timeout_ms)
{
	uint8_t *tmp;
	ssize_t n;
	size_t total, off = 0;
	int i;

	if (iovcnt < 0)
		return -EINVAL;
	if (s->type != SOCK_DGRAM)
		return tcp_recvv(s, iov, iovcnt, flags, timeout_ms);
	if (iovcnt == 1)
		return udp_recv(s, iov[0].iov_base, iov[0].iov_len, flags,
				NULL, NULL, timeout_ms);
	total = iov_total(iov, iovcnt);
	if (total > AE_IPC_MAX_UDP)
		total = AE_IPC_MAX_UDP;
	tmp = malloc(total ? total : 1);
	if (!tmp)
		return -ENOMEM;
	n = udp_recv(s, tmp, total, flags, NULL, NULL, timeout_ms);
	for (i = 0; n > 0 && i < iovcnt && off < (size_t)n && off < total; i++) {
		size_t c = iov[i].iov_len;

		if (c > total - off)
			c = total - off;
		if (c > (size_t)n - off)
			c = (size_t)n - off;
		memcpy(iov[i].iov_base, tmp + off, c);
		off += c;
	}
	free(tmp);
	return n;
}

ssize_t aec_send(struct aec_sock *s, const void *buf, size_t len, int flags,
		 int timeout_ms)
{
	struct iovec iov = { (void *)buf, len };

	return aec_sendv(s, &iov, 1, flags, timeout_ms);
}

ssize_t aec_recv(struct aec_sock *s, void *buf, size_t len, int flags,
		 int timeout_ms)
{
	struct iovec iov = { buf, len };

	return aec_recvv(s, &iov, 1, flags, timeout_ms);
}

/**
 * aec_sendto() - send to an address (UDP) or on the connection (TCP)
 * @s:		socket
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_DONTWAIT
 * @to:		destination or NULL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
ssize_t aec_sendto(struct aec_sock *s, const void *buf, size_t len, int flags,
		   const struct sockaddr_in *to, int timeout_ms)
{
	return aec_sendmsg(s, buf, len, flags, to, NULL, timeout_ms);
}

/**
 * aec_sendmsg() - aec_sendto() with this datagram's TTL/TOS
 * @s:		socket
 * @buf:	data
 * @len:	bytes
 * @flags:	MSG_DONTWAIT
 * @to:		destination or NULL
 * @info:	UDP: this datagram's fields, or NULL; TCP ignores it
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
ssize_t aec_sendmsg(struct aec_sock *s, const void *buf, size_t len,
		    int flags, const struct sockaddr_in *to,
		    const struct aec_dginfo *info, int timeout_ms)
{
	struct iovec iov = { (void *)buf, len };

	if (s->type != SOCK_DGRAM)
		return tcp_sendv(s, &iov, 1, flags, timeout_ms);
	return udp_send(s, &iov, 1, flags, to, info, timeout_ms);
}

/**
 * aec_recvfrom() - receive with the source address
 * @s:		socket
 * @buf:	buffer
 * @len:	size
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC, MSG_WAITALL
 * @from:	source, may be NULL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
ssize_t aec_recvfrom(struct aec_sock *s, void *buf, size_t len, int flags,
		     struct sockaddr_in *from, int timeout_ms)
{
	return aec_recvmsg(s, buf, len, flags, from, NULL, timeout_ms);
}

/**
 * aec_recvmsg() - aec_recvfrom() that also reports the datagram's fields
 * @s:		socket
 * @buf:	buffer
 * @len:	size
 * @flags:	MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC, MSG_WAITALL
 * @from:	source, may be NULL
 * @info:	UDP: the datagram's TTL, TOS, destination; may be NULL
 * @timeout_ms:	-1 forever
 *
 * Return: bytes or -errno
 */
ssize_t aec_recvmsg(struct aec_sock *s, void *buf, size_t len, int flags,
		    struct sockaddr_in *from, struct aec_dginfo *info,
		    int timeout_ms)
{
	ssize_t n;

	if (s->type == SOCK_DGRAM)
		return udp_recv(s, buf, len, flags, from, info, timeout_ms);
	n = aec_recv(s, buf, len, flags, timeout_ms);
	if (n >= 0 && from && aec_getpeername(s, from))
		memset(from, 0, sizeof(*from));
	return n;
}

/**
 * aec_rx_available() - FIONREAD
 * @s:		socket
 *
 * Return: bytes readable (UDP: 1 if a datagram waits)
 */
uint32_t aec_rx_available(struct aec_sock *s)
{
	struct ae_shm_hdr *h = aec_hdr(s);
	uint32_t n;

	if (!h)
		return 0;
	if (!h->rx_size)
		return (shm_load(&h->state) & AE_SS_IN) ? 1 : 0;
	n = shm_load(&h->rx_tail) - shm_load(&h->rx_head);
	return n > h->rx_size ? 0 : n;
}

/**
 * aec_tx_queued() - bytes written but not yet acknowledged (SIOCOUTQ)
 * @s:	socket
 *
 * Return: tx_tail - tx_head, 0 without rings
 */
uint32_t aec_tx_queued(struct aec_sock *s)
{
	struct ae_shm_hdr *h = aec_hdr(s);
	uint32_t n;

	if (!h || !h->tx_size)
		return 0;
	n = shm_load(&h->tx_tail) - shm_load(&h->tx_head);
	return n > h->tx_size ? 0 : n;
}

