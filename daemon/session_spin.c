// SPDX-License-Identifier: MIT
/**
 * DOC: session_spin.c - doorbells in shared memory while aetherd busy-polls
 *
 * Theory of operation. A program that writes into its tx ring rings a
 * DOORBELL (a datagram: one sendto() for the program, one recvmsg() and a
 * loop turn for the daemon) when the daemon asked for one (AE_DB_TX in
 * @daemon_want, session_sync.c). With --busy-poll the daemon spins between
 * events anyway, so for the connections that rang lately (the hot list) it
 * reads the shim's tx_tail itself at every spin (sess_spin_look()) and
 * stops asking: their publication clears AE_DB_TX instead of setting it
 * (sess_spin_db()). A request/response program then sends its answer with
 * no system call at all, and the daemon sees it without a wake-up.
 *
 * No write is lost. The spin ends only through the loop's hook call before
 * it sleeps (sess_spin_end()), which sets AE_DB_TX again on every hot
 * connection, fences, then reads tx_tail: the store-buffering pattern with
 * the shim's (write tx_tail, fence, load @daemon_want) of aec_doorbell(),
 * so either the shim sees the bit and rings, or the daemon sees the tail
 * and pulls it. The hot list is emptied there, so while the daemon sleeps
 * every connection asks for doorbells as without busy polling. The list is
 * bounded (SESS_HOT_MAX): a connection that does not fit rings as usual.
 * Without --busy-poll nothing here runs.
 */
#include "session.h"
#include "shm.h"

/**
 * sess_spin_hot() - a DOORBELL came from @c: watch its ring while spinning
 * @c:		connection
 */
void sess_spin_hot(struct sconn *c)
{
	struct session_srv *srv = c->srv;

	if (!srv->busy_poll || (c->flags & SC_HOT) || srv->nhot >= SESS_HOT_MAX)
		return;
	c->flags |= SC_HOT;
	c->spin_tail = c->hdr ? shm_load(&c->hdr->tx_tail) : 0;
	TAILQ_INSERT_TAIL(&srv->hot, c, hot);
	srv->nhot++;
}

/**
 * sess_spin_forget() - @c goes away: off the hot list
 * @c:		connection
 */
void sess_spin_forget(struct sconn *c)
{
	if (!(c->flags & SC_HOT))
		return;
	TAILQ_REMOVE(&c->srv->hot, c, hot);
	c->srv->nhot--;
	c->flags &= ~SC_HOT;
}

/**
 * sess_spin_db() - the AE_DB_* bits a publication of @c asks for
 * @c:		connection on rings
 * @want:	what it would ask for without busy polling
 *
 * Return: @want, without AE_DB_TX (cleared in the header too) for a hot
 * connection: the spin reads its tx_tail
 */
uint32_t sess_spin_db(struct sconn *c, uint32_t want)
{
	if (!(c->flags & SC_HOT))
		return want;
	shm_clear(&c->hdr->daemon_want, AE_DB_TX);
	return want & ~AE_DB_TX;
}

/**
 * spin_pull() - take @c's tx_tail into the stack if the shim moved it
 * @c:		hot connection
 *
 * Return: true if it moved (the connection is marked for publishing)
 */
static bool spin_pull(struct sconn *c)
{
	uint32_t tail;

	if (!c->sk || !c->hdr || !c->reg || !c->reg->rings ||
	    (c->flags & SC_DEAD))
		return false;
	/* against what the spin saw last, not the stack's tail: a tail the
	 * stack does not take (written after SHUT_WR) is work only once */
	tail = shm_load(&c->hdr->tx_tail);
	if (tail == c->spin_tail)
		return false;
	c->spin_tail = tail;
	SSTAT(c->srv, spin_pulls);
	if (!sess_pull(c))
		sess_conn_mark(c);
	return true;
}

/**
 * sess_spin_look() - the loop's spin hook: read the hot connections' rings
 * @srv:	server
 *
 * Return: true if some ring moved (work for the idle hook)
 */
static bool sess_spin_look(struct session_srv *srv)
{
	struct sconn *c, *next;
	bool work = false;

	for (c = TAILQ_FIRST(&srv->hot); c; c = next) {
		next = TAILQ_NEXT(c, hot);
		work |= spin_pull(c);
	}
	return work;
}

/**
 * sess_spin_end() - the spin is over: every hot connection asks for
 * doorbells again, and a write that came meanwhile is taken now
 * @srv:	server
 *
 * Also before a takeover hands the connections on.
 *
 * Return: true if some ring moved (do not sleep yet)
 */
bool sess_spin_end(struct session_srv *srv)
{
	struct sconn *c;
	bool work = false;

	TAILQ_FOREACH(c, &srv->hot, hot)
		if (c->hdr)
			shm_or(&c->hdr->daemon_want, AE_DB_TX);
	shm_fence();	/* every bit set before any tail is read */
	while ((c = TAILQ_FIRST(&srv->hot))) {
		sess_spin_forget(c);
		work |= spin_pull(c);
	}
	return work;
}

/**
 * sess_spin_hook() - ae_loop_spin_fn for aetherd's loop
 * @ctx:	server
 * @sleeping:	the loop is about to sleep
 *
 * Return: true if work was found
 */
bool sess_spin_hook(void *ctx, bool sleeping)
{
	struct session_srv *srv = ctx;

	if (!srv->nhot)
		return false;
	return sleeping ? sess_spin_end(srv) : sess_spin_look(srv);
}
