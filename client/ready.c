// SPDX-License-Identifier: MIT
/**
 * DOC: ready.c - readiness and waiting
 *
 * A socket's readiness is read from its shared header page, never asked for
 * over the fd. aec_wait() is the one blocking rule: drain NOTIFYs, set the
 * want flag, re-check the shared state, then sleep in ppoll() on the
 * backing fd, which the daemon makes readable with a NOTIFY. NOTIFYs meant
 * for another thread's direction are re-armed for it. See conn.c for the
 * library's theory of operation.
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
 * state_mask() - readiness from a header page
 * @h:		header
 *
 * Return: POLL* mask
 */
static unsigned int state_mask(struct ae_shm_hdr *h)
{
	uint32_t st = shm_load(&h->state);
	unsigned int m = 0;

	if (st & AE_SS_DEAD)
		return POLLIN | POLLOUT | POLLERR | POLLHUP;
	if (__atomic_load_n(&h->so_error, __ATOMIC_ACQUIRE) > 0)
		m |= POLLERR;
	if (h->rx_size) {
		if (shm_load(&h->rx_tail) != shm_load(&h->rx_head))
			m |= POLLIN;
		if ((st & AE_SS_OUT) && shm_tx_room(h))
			m |= POLLOUT;
	} else {
		if (st & AE_SS_IN)
			m |= POLLIN;
		if (st & AE_SS_OUT)
			m |= POLLOUT;
	}
	if (st & (AE_SS_RDHUP | AE_SS_RDSHUT | AE_SS_HUP))
		m |= POLLIN;
	if (st & AE_SS_RDHUP)
		m |= POLLRDHUP;
	if (st & AE_SS_HUP)
		m |= POLLHUP;
	return m;
}

/**
 * aec_poll_state() - current readiness, no syscall (unless moved)
 * @s:		socket
 *
 * Return: POLL* mask
 */
unsigned int aec_poll_state(struct aec_sock *s)
{
	struct ae_shm_hdr *h;

	if (s->dead)
		return POLLIN | POLLOUT | POLLERR | POLLHUP;
	h = aec_hdr(s);
	if (!h)
		return s->dead ? POLLIN | POLLOUT | POLLERR | POLLHUP : 0;
	return state_mask(h);
}

/**
 * aec_arm() - set want flags, then re-check
 * @s:		socket
 * @events:	POLLIN / POLLOUT
 *
 * Return: readiness mask
 */
unsigned int aec_arm(struct aec_sock *s, unsigned int events)
{
	struct ae_shm_hdr *h;
	uint32_t want = 0;

	if (s->dead)
		return POLLIN | POLLOUT | POLLERR | POLLHUP;
	h = aec_hdr(s);
	if (!h)
		return s->dead ? POLLIN | POLLOUT | POLLERR | POLLHUP : 0;
	if (events & POLLIN)
		want |= AE_WANT_IN;
	if (events & POLLOUT)
		want |= AE_WANT_OUT;
	if (want)
		shm_or(&h->shim_want, want);
	shm_fence();
	return state_mask(h);
}

/*
 * The shm waiters count (aec_wait() sleepers on this socket, in every process
 * sharing it) is kept per direction: POLLIN waiters in the low half, POLLOUT
 * waiters in the high half, so a consumer of a NOTIFY knows whether someone
 * else sleeps on the direction it was sent for.
 */
#define AEC_W_IN	1u
#define AEC_W_OUT	(1u << 16)

/**
 * aec_wait_units() - what a waiter for @events adds to the waiters count
 * @events:	POLLIN / POLLOUT
 *
 * Return: AEC_W_* sum
 */
static uint32_t aec_wait_units(unsigned int events)
{
	return ((events & POLLIN) ? AEC_W_IN : 0) |
	       ((events & POLLOUT) ? AEC_W_OUT : 0);
}

/**
 * aec_others_waiting() - directions other aec_wait() sleepers wait on
 * @h:		header page (NULL: nobody)
 * @mine:	the caller's own aec_wait_units() (0 if it is not a waiter)
 *
 * Return: AE_WANT_IN / AE_WANT_OUT bits
 */
static uint32_t aec_others_waiting(struct ae_shm_hdr *h, uint32_t mine)
{
	uint32_t w, d = 0;

	if (!h)
		return 0;
	w = __atomic_load_n(&h->waiters, __ATOMIC_SEQ_CST) - mine;
	if (w & 0xffffu)
		d |= AE_WANT_IN;
	if (w >> 16)
		d |= AE_WANT_OUT;
	return d;
}

/**
 * aec_notify_dirs() - the directions a NOTIFY was sent for
 * @m:		its header (the daemon puts AE_WANT_* bits in @result)
 *
 * Return: AE_WANT_* bits (both when the daemon did not say)
 */
uint32_t aec_notify_dirs(const struct ae_ipc_hdr *m)
{
	uint32_t b = (uint32_t)m->result & (AE_WANT_IN | AE_WANT_OUT);

	return b ? b : AE_WANT_IN | AE_WANT_OUT;
}

/**
 * aec_notify_taken() - a NOTIFY for @dirs was consumed: keep others' wake-ups
 * @fd:		backing fd
 * @h:		header page or NULL
 * @dirs:	the NOTIFY's directions
 * @mine:	the consumer's own aec_wait_units() (0: not a waiter)
 * @ring:	also ring a DOORBELL so the daemon re-publishes now (else at
 *		its next event or sweep)
 *
 * The daemon cleared the want bit it sent the NOTIFY for; a sleeper in
 * poll() that had not yet looked when the datagram went would sleep on with
 * nobody left to wake it. So the want bit is set again for every direction
 * another waiter sleeps on, and the daemon sends a fresh NOTIFY when that
 * direction is (still) ready.
 */
void aec_notify_taken(int fd, struct ae_shm_hdr *h, uint32_t dirs,
		      uint32_t mine, bool ring)
{
	struct ae_ipc_hdr m;

	dirs &= aec_others_waiting(h, mine);
	if (!dirs)
		return;
	shm_or(&h->shim_want, dirs);
	shm_fence();
	if (!ring)
		return;
	ipc_hdr_init(&m, AE_MSG_DOORBELL, sizeof(m), 0, 0);
	syscall(SYS_sendto, fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL,
		NULL, 0);
}

/**
 * take_one_notify() - consume the NOTIFY heading the backing fd, if it is
 * the caller's to consume
 * @s:		socket (its lock held)
 * @h:		header page the caller counted in, or NULL
 * @want:	AE_WANT_* the caller waits for
 * @mine:	the caller's aec_wait_units() (0: not a waiter)
 * @force:	also take one that another waiter should take
 * @dirs:	set to the directions of the NOTIFY taken
 *
 * Runs under the header page's reader lock (aec_rd_lock()): a process
 * sharing the fd cannot take the datagram between the peek and the
 * consume, so what is consumed is the NOTIFY peeked at, never a response
 * behind it.
 *
 * Return: 1 taken, 0 nothing to take (empty, or a response heads the
 * queue), -EAGAIN (another waiter's NOTIFY heads it), -ENETDOWN
 */
static int take_one_notify(struct aec_sock *s, struct ae_shm_hdr *h,
			   uint32_t want, uint32_t mine, bool force,
			   uint32_t *dirs)
{
	struct ae_shm_hdr *lh = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);
	uint32_t lk = aec_rd_lock(lh);
	struct ae_ipc_hdr m;
	int ret = 0;
	ssize_t r;

	r = sys_ret(syscall(SYS_recvfrom, s->fd, &m, sizeof(m),
			    MSG_PEEK | MSG_DONTWAIT, NULL, NULL));
	if (r == 0) {
		s->dead = 1;
		ret = -ENETDOWN;
		goto out;
	}
	if (r < (ssize_t)sizeof(m) || m.type != AE_MSG_NOTIFY)
		goto out;
	*dirs = aec_notify_dirs(&m);
	if (!(*dirs & want) && (*dirs & aec_others_waiting(h, mine)) &&
	    !force) {
		ret = -EAGAIN;
		goto out;
	}
	if (syscall(SYS_recvfrom, s->fd, &m, sizeof(m), MSG_DONTWAIT,
		    NULL, NULL) > 0)
		ret = 1;
out:
	aec_rd_unlock(lh, lk);
	return ret;
}

/**
 * aec_take_notifies() - consume the NOTIFYs at the head of the backing fd
 * that are the caller's to consume (never a response)
 * @s:		socket
 * @h:		header page the caller counted in, or NULL
 * @want:	AE_WANT_* the caller waits for; every direction if not a waiter
 * @mine:	the caller's aec_wait_units() (0: not a waiter)
 * @force:	also take one that another waiter should take
 *
 * A NOTIFY is taken when it is for a direction the caller waits on, or for
 * one nobody else waits on (stale), or with @force; others' wake-ups that
 * are taken are re-armed (aec_notify_taken()).
 *
 * Return: NOTIFYs taken, -EAGAIN when another waiter's NOTIFY heads the
 * queue (nothing of ours taken), -ENETDOWN when the daemon is gone
 */
static int aec_take_notifies(struct aec_sock *s, struct ae_shm_hdr *h,
			     uint32_t want, uint32_t mine, bool force)
{
	uint32_t dirs = 0;
	int n = 0, r;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		r = take_one_notify(s, h, want, mine, force, &dirs);
		if (r == -ENETDOWN)
			n = r;
		if (r == -EAGAIN && !n)
			n = r;
		if (r <= 0)
			break;
		aec_notify_taken(s->fd, h, dirs, mine, true);
		force = false;
		n = n < 0 ? 1 : n + 1;
	}
	pthread_mutex_unlock(&s->lock);
	return n;
}

/**
 * aec_drain() - consume queued NOTIFYs (never a response)
 * @s:		socket
 *
 * Wake-ups that aec_wait() sleepers in this or another process still need
 * are re-armed, so draining never strands them.
 *
 * Return: count, or -ENETDOWN
 */
int aec_drain(struct aec_sock *s)
{
	if (s->dead)
		return -ENETDOWN;
	return aec_take_notifies(s, __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE),
				 AE_WANT_IN | AE_WANT_OUT, 0, false);
}

/**
 * aec_waiters() - count a waiter in or out (shared memory count)
 * @h:		the header page counted in (the same one in and out)
 * @units:	aec_wait_units() of the waiter
 * @delta:	+1 entering, -1 leaving
 */
static void aec_waiters(struct ae_shm_hdr *h, uint32_t units, int delta)
{
	if (!h)
		return;
	if (delta > 0)
		__atomic_add_fetch(&h->waiters, units, __ATOMIC_SEQ_CST);
	else
		__atomic_sub_fetch(&h->waiters, units, __ATOMIC_SEQ_CST);
}

/**
 * aec_wait() - block until ready for @events, a timeout or a signal
 * @s:		socket
 * @events:	POLLIN / POLLOUT
 * @timeout_ms:	-1 forever, 0 check only
 *
 * Several sleepers may share the fd (a reader and a writer thread, forked
 * processes). poll() wakes them all for a NOTIFY but sleeps on if the
 * datagram is gone when it looks, so each takes only NOTIFYs for its own
 * direction (or stale ones) and naps while another waiter's heads the
 * queue; after AEC_NAPS naps (its owner may be gone) it takes that one too,
 * and re-arms it for its owner (aec_notify_taken()).
 *
 * Return: ready mask, 0 on timeout, -EINTR, -ENETDOWN
 */
int aec_wait(struct aec_sock *s, unsigned int events, int timeout_ms)
{
	struct timespec nap = { 0, 1000000L };
	int64_t deadline = deadline_of(timeout_ms);
	uint32_t mine = aec_wait_units(events), want = 0;
	bool foreign;
	unsigned int m;
	int r, t, naps = 0, cap = AEC_SHARED_MS;
	short rev;
	/* count in and out of the same page, even if the socket moves */
	struct ae_shm_hdr *wh = __atomic_load_n(&s->shm, __ATOMIC_ACQUIRE);

	if (events & POLLIN)
		want |= AE_WANT_IN;
	if (events & POLLOUT)
		want |= AE_WANT_OUT;
	aec_waiters(wh, mine, 1);
	for (;;) {
		r = s->dead ? -ENETDOWN :
		    aec_take_notifies(s, wh, want, mine, naps >= AEC_NAPS);
		if (r == -ENETDOWN) {
			r = POLLIN | POLLOUT | POLLERR | POLLHUP;
			break;
		}
		foreign = r == -EAGAIN;
		if (!foreign)
			naps = 0;
		m = aec_arm(s, events);
		r = (int)m;
		if (m & (events | POLLERR | POLLHUP))
			break;
		r = 0;
		if (!timeout_ms)
			break;
		if (foreign) {
			/* another waiter's wake-up heads the queue */
			naps++;
			nanosleep(&nap, NULL);
			if (!left_ms(deadline))
				break;
			continue;
		}
		t = left_ms(deadline);
		if (aec_others_waiting(wh, mine) && (t < 0 || t > cap)) {
			t = cap;	/* insurance against races */
			if (cap < AEC_SHARED_MAX_MS)
				cap *= 2;
		}
		r = sys_poll1(s->fd, POLLIN, t, &rev);
		if (r < 0)
			break;
		if (r == 0 && !left_ms(deadline))
			break;
		if (r == 0)
			continue;
		if ((rev & (POLLHUP | POLLERR)) && !(rev & POLLIN)) {
			s->dead = 1;
			r = POLLIN | POLLOUT | POLLERR | POLLHUP;
			break;
		}
	}
	aec_waiters(wh, mine, -1);
	return r;
}

