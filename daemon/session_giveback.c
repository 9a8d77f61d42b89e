// SPDX-License-Identifier: MIT
/**
 * DOC: session_giveback.c - the rx rings' drained pages, given back once
 * the data stops
 *
 * Theory of operation: the pages of an rx ring the shim has read are
 * punched out of its memfd (session_shm.c, sess_rx_punch()), so a ring's
 * memory follows the data in flight. Punching them the moment they drained
 * made a streaming connection pay for every page twice per lap of its
 * ring: the punch (fallocate, a TLB shoot-down on every CPU) and, when the
 * stack wrote the page again, a page fault, a fresh page and its clearing.
 * The profile of aetherd receiving iperf3 at MTU 1500 had a third of its
 * time there, and without the punches it received ten times faster.
 *
 * So a pull that sees drained pages only queues the connection here
 * (sess_giveback_later()) with the rx tail it saw. One timerfd, armed only
 * while the queue holds a connection, looks at them every SESS_GIVEBACK_MS:
 * one whose tail moved since is still streaming and waits for the next
 * look; one whose tail stood still gives back its drained pages then (the
 * thresholds of sess_rx_punch()) and leaves the queue. A streaming ring
 * stays resident (it would be written again within the lap); an idle one
 * is back to a page or two within two periods; an idle daemon has nothing
 * queued and takes no wake-up. Everything runs in the daemon's thread, so
 * the stack writes no page of a ring while its drained part is punched.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "session.h"

/**
 * giveback_arm() - arm the timer SESS_GIVEBACK_MS from now, once
 * @srv:	server
 */
static void giveback_arm(struct session_srv *srv)
{
	struct itimerspec it = {
		.it_value = {
			.tv_sec = SESS_GIVEBACK_MS / 1000,
			.tv_nsec = (SESS_GIVEBACK_MS % 1000) * 1000000L,
		},
	};

	if (srv->gb_armed || srv->gb_fd < 0)
		return;
	if (timerfd_settime(srv->gb_fd, 0, &it, NULL) == 0)
		srv->gb_armed = true;
}

/**
 * gb_live() - does @c still have an rx ring the sweep may look at?
 * @c:		connection
 *
 * Return: true if so
 */
static bool gb_live(const struct sconn *c)
{
	return c->sk && c->reg && c->reg->rings && !(c->flags & SC_DEAD);
}

/**
 * sess_giveback_later() - @c has drained rx pages: look at it later
 * @c:		connection on rings
 */
void sess_giveback_later(struct sconn *c)
{
	struct session_srv *srv = c->srv;

	if (c->gb_queued || srv->gb_fd < 0) {
		if (srv->gb_fd < 0)	/* no timer: give back now, as before */
			sess_rx_punch(c);
		return;
	}
	c->gb_queued = true;
	c->gb_tail = ae_sock_rxring(c->sk)->tail;
	TAILQ_INSERT_TAIL(&srv->giveback, c, gb);
	giveback_arm(srv);
}

/**
 * sess_giveback_forget() - @c goes away: take it off the queue
 * @c:		connection
 */
void sess_giveback_forget(struct sconn *c)
{
	if (!c->gb_queued)
		return;
	TAILQ_REMOVE(&c->srv->giveback, c, gb);
	c->gb_queued = false;
}

/**
 * giveback_fired() - the timer: punch the queued rings that went quiet
 * @ctx:	server
 * @events:	epoll events
 */
static void giveback_fired(void *ctx, uint32_t events)
{
	struct session_srv *srv = ctx;
	struct sconn *c, *next;
	uint64_t ticks;
	uint32_t tail;

	(void)events;
	if (read(srv->gb_fd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
		return;
	srv->gb_armed = false;
	for (c = TAILQ_FIRST(&srv->giveback); c; c = next) {
		next = TAILQ_NEXT(c, gb);
		if (gb_live(c)) {
			tail = ae_sock_rxring(c->sk)->tail;
			if (tail != c->gb_tail) {	/* still streaming */
				c->gb_tail = tail;
				continue;
			}
			sess_rx_punch(c);
		}
		sess_giveback_forget(c);
	}
	if (!TAILQ_EMPTY(&srv->giveback))
		giveback_arm(srv);
}

/**
 * sess_giveback_init() - the timer, in the loop (quiet: not activity for
 * busy polling)
 * @srv:	server
 *
 * Return: 0, or -errno (the caller may go on: pages are then given back
 * at once, as before)
 */
int sess_giveback_init(struct session_srv *srv)
{
	int fd, ret;

	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = ae_loop_add(srv->d->loop, fd, EPOLLIN, giveback_fired, srv);
	if (ret) {
		close(fd);
		return ret;
	}
	ae_loop_quiet(srv->d->loop, fd);
	srv->gb_fd = fd;
	return 0;
}

/**
 * sess_giveback_fini() - drop the queue and the timer
 * @srv:	server
 */
void sess_giveback_fini(struct session_srv *srv)
{
	struct sconn *c;

	while ((c = TAILQ_FIRST(&srv->giveback)))
		sess_giveback_forget(c);
	if (srv->gb_fd < 0)
		return;
	ae_loop_del(srv->d->loop, srv->gb_fd);
	close(srv->gb_fd);
	srv->gb_fd = -1;
	srv->gb_armed = false;
}
