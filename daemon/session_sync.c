// SPDX-License-Identifier: MIT
/**
 * DOC: session_sync.c - keeping the shared header and the stack in step
 *
 * Theory of operation: two directions.
 *  - Pull (sess_pull()): the shim's indices (rx_head after it read, tx_tail
 *    after it wrote) are read once, validated against the stack's own rings
 *    (shm_check_rx_head(), shm_check_tx_tail()), and handed to the stack with
 *    ae_sock_rx_consumed() / ae_sock_tx_committed(). An index that fails
 *    validation cuts the socket off (sess_cutoff()): RST, AE_SS_DEAD, and the
 *    client's later requests on it fail; nobody else notices.
 *  - Publish (sess_publish()): after the stack reported events (the socket
 *    callback marks the connection dirty) the daemon writes the stack's
 *    indices and the readiness bits into the header, then looks at the shim's
 *    want flags and sends one NOTIFY for each wanted direction that is ready.
 *    It re-arms the doorbell requests (AE_DB_TX always while there are rings,
 *    AE_DB_RX when the receive window is half closed (half of the autotuned
 *    buffer, ae_sock_rx_limit())) and re-reads the shim's
 *    indices afterwards, so no doorbell can be lost between the two.
 * Both run from the loop: pulls at doorbells and requests, publishing in the
 * idle hook. There is no periodic sweep, so every index the daemon needs
 * must come with a doorbell: tx_tail always (AE_DB_TX is armed while there
 * are rings: the stack must send what was written), rx_head when the window
 * is half closed (AE_DB_RX). An rx_head advance below that is not needed
 * at once: the window stays at least half open, and the next publication
 * that finds it half closed arms AE_DB_RX and re-reads rx_head
 * (arm_doorbells()), so the stack's view is never behind when it matters.
 * A close pulls both indices first (sess_close_sock()).
 */
#include <errno.h>
#include <sys/socket.h>

#include "session.h"
#include "shm.h"

/**
 * sess_sock_cb() - the stack's readiness callback: publish later
 * @sk:		socket
 * @events:	AE_EV_*
 * @user:	the connection
 */
void sess_sock_cb(struct ae_sock *sk, unsigned int events, void *user)
{
	struct sconn *c = user;

	(void)sk;
	if (c && (events & AE_EV_IN))
		c->in_ev++;	/* an edge even when readable already */
	sess_conn_mark(c);
}

/**
 * has_rings() - is the connection on ring memory with a live socket?
 * @c:		connection
 *
 * Return: true if so
 */
static bool has_rings(const struct sconn *c)
{
	return c->sk && c->reg && c->reg->rings && !(c->flags & SC_DEAD);
}

/**
 * rx_restart() - the shim read the rx ring empty: the next byte goes to its
 * first byte again (ipc/shm.c: restarting)
 * @c:		connection on rings
 * @sk:		its socket
 *
 * Only for a shim that reads rx_base (AE_CAP_RESTART); the new base is in
 * the header before any rx_tail that counts bytes placed by it.
 */
static void rx_restart(struct sconn *c, struct ae_sock *sk)
{
	if (!(shm_load(&c->hdr->shim_caps) & AE_CAP_RESTART) ||
	    !ae_sock_rx_restart(sk))
		return;
	if (shm_load(&c->hdr->rx_base) != ae_sock_rxring(sk)->base) {
		shm_store(&c->hdr->rx_base, ae_sock_rxring(sk)->base);
		SSTAT(c->srv, ring_restarts);
	}
}

/**
 * sess_pull() - take the shim's indices into the stack
 * @c:		connection
 *
 * Return: 0, or -EINVAL when the shim wrote nonsense (the socket is cut off)
 */
int sess_pull(struct sconn *c)
{
	struct ae_ring *rx, *tx;
	struct ae_sock *sk;
	uint32_t v, n;

	if (!has_rings(c))
		return 0;
	sk = c->sk;
	rx = ae_sock_rxring(sk);
	tx = ae_sock_txring(sk);
	v = shm_load(&c->hdr->rx_head);
	if (v != rx->head) {
		if (shm_check_rx_head(rx->head, rx->tail, v, &n)) {
			sess_cutoff(c, ECONNRESET);
			return -EINVAL;
		}
		sess_rx_drained(c, rx->head, n);
		ae_sock_rx_consumed(sk, n);
		/*
		 * The stack runs (window update) and may call back; whatever
		 * ended the connection meanwhile (a cutoff, the ring region
		 * freed by session_ring_free()) cleared c->sk: then @sk, @rx
		 * and @tx are not ours to touch any more.
		 */
		if (c->sk != sk || !has_rings(c))
			return 0;
		rx_restart(c, sk);
	}
	v = shm_load(&c->hdr->tx_tail);
	if (v != tx->tail) {
		if (shm_check_tx_tail(tx->tail, tx->head, tx->size, v, &n) ||
		    ae_sock_tx_rebase(sk, shm_load(&c->hdr->tx_base))) {
			sess_cutoff(c, ECONNRESET);
			return -EINVAL;
		}
		if (!(c->flags & SC_WRSHUT))
			ae_sock_tx_committed(sk, n);
	}
	return 0;
}

/**
 * state_bits() - AE_SS_* for the header from the stack's view
 * @c:		connection with a socket
 * @ev:		ae_poll() mask
 *
 * Return: state bits
 */
static uint32_t state_bits(struct sconn *c, unsigned int ev)
{
	uint32_t st = 0;
	struct ae_ring *tx;

	if (ev & AE_EV_OUT)
		c->flags |= SC_OUT_SEEN;
	if ((c->flags & SC_CONNECTING) && (ev & (AE_EV_OUT | AE_EV_ERR |
						  AE_EV_HUP))) {
		c->flags &= ~SC_CONNECTING;
		if ((ev & AE_EV_OUT) && !(ev & (AE_EV_ERR | AE_EV_HUP)))
			c->flags |= SC_CONNECTED;
	}
	if (ev & AE_EV_IN)
		st |= AE_SS_IN;
	if (ev & AE_EV_OUT)
		st |= AE_SS_OUT;
	tx = c->type == SOCK_STREAM ? ae_sock_txring(c->sk) : NULL;
	if (tx && tx->mem && (c->flags & SC_CONNECTED) &&
	    !(ev & (AE_EV_ERR | AE_EV_HUP)) && !(c->flags & SC_WRSHUT) &&
	    tx->tail - tx->head >= ae_sock_tx_limit(c->sk))
		st |= AE_SS_OUT;	/* full (to SO_SNDBUF), but sendable */
	if (ev & AE_EV_HUP)
		st |= AE_SS_HUP;
	if (ev & AE_EV_RDHUP)
		st |= AE_SS_RDHUP;
	if (c->flags & SC_LISTEN)
		st |= AE_SS_LISTEN;
	if (c->flags & SC_CONNECTING)
		st |= AE_SS_CONNECTING;
	if (c->flags & SC_CONNECTED)
		st |= AE_SS_CONNECTED;
	if (c->type == SOCK_STREAM && ae_sock_peer_local(c->sk))
		st |= AE_SS_LOCAL;
	if (c->flags & SC_WRSHUT)
		st |= AE_SS_WRSHUT;
	if (c->flags & SC_RDSHUT)
		st |= AE_SS_RDSHUT;
	if (c->type == SOCK_STREAM && !(c->flags & SC_CONNECTED))
		st &= ~AE_SS_OUT;
	return st;
}

/**
 * wants_met() - which wanted directions are ready, from the daemon's view
 * @c:		connection
 * @st:		state bits just published
 *
 * Return: AE_WANT_* bits that may be woken
 */
static uint32_t wants_met(const struct sconn *c, uint32_t st)
{
	struct ae_shm_hdr *h = c->hdr;
	uint32_t met = 0;

	if (st & (AE_SS_HUP | AE_SS_DEAD) || h->so_error > 0)
		return AE_WANT_IN | AE_WANT_OUT;
	if (st & (AE_SS_RDHUP | AE_SS_RDSHUT))
		met |= AE_WANT_IN;
	if (c->reg && c->reg->rings) {
		if (shm_load(&h->rx_tail) != shm_load(&h->rx_head))
			met |= AE_WANT_IN;
		if ((st & AE_SS_OUT) && shm_tx_room(h))
			met |= AE_WANT_OUT;
	} else {
		if (st & AE_SS_IN)
			met |= AE_WANT_IN;
		if (st & AE_SS_OUT)
			met |= AE_WANT_OUT;
	}
	if ((st & AE_SS_CONNECTING) == 0 && (st & AE_SS_CONNECTED) == 0 &&
	    c->type == SOCK_STREAM && !(st & AE_SS_LISTEN))
		met |= AE_WANT_OUT;	/* connect failed or never began */
	return met;
}

/**
 * arm_doorbells() - ask for doorbells; Return: true if indices moved meanwhile
 * @c:		connection on rings
 */
static bool arm_doorbells(struct sconn *c)
{
	struct ae_ring *rx = ae_sock_rxring(c->sk), *tx = ae_sock_txring(c->sk);
	uint32_t want = AE_DB_TX;

	if (rx->tail - rx->head >= ae_sock_rx_limit(c->sk) / 2)
		want |= AE_DB_RX;
	want = sess_spin_db(c, want);
	shm_or(&c->hdr->daemon_want, want);
	shm_fence();
	return shm_load(&c->hdr->rx_head) != rx->head ||
	       shm_load(&c->hdr->tx_tail) != tx->tail;
}

/**
 * rings_appeared() - move the connection onto rings the stack created on its
 * own (e.g. when a handshake completed); cut it off if they are over limit
 * @c:		connection with a socket
 *
 * Return: true when the connection moved (the shim was notified)
 */
static bool rings_appeared(struct sconn *c)
{
	struct ae_ring *rx;
	bool moved = false;
	int ret;

	if (c->type != SOCK_STREAM || (c->reg && c->reg->rings))
		return false;
	rx = ae_sock_rxring(c->sk);
	if (!rx || !rx->mem)
		return false;
	ret = sess_conn_bind_rings(c, &moved);
	if (ret)
		sess_cutoff(c, -ret);
	else if (moved)
		sess_notify(c);
	return moved;
}

/**
 * sess_publish() - write the stack's view into the header, wake the shim
 * @c:		connection
 */
void sess_publish(struct sconn *c)
{
	struct ae_shm_hdr *h = c->hdr;
	uint32_t st, want, met, tell;
	unsigned int ev;
	int e, round;
	bool in_new;

	if (!c->sk || !h || (c->flags & SC_DEAD))
		return;
	if (rings_appeared(c))
		h = c->hdr;
	if (!c->sk || !h)
		return;
	for (round = 0; round < 3 && has_rings(c) && arm_doorbells(c); round++)
		if (sess_pull(c))
			return;
	if (!c->sk)
		return;
	ev = ae_poll(c->sk);
	e = ae_sock_error(c->sk);
	if (e)
		__atomic_store_n(&h->so_error, -e, __ATOMIC_RELEASE);
	st = state_bits(c, ev);
	if (has_rings(c)) {
		shm_store(&h->rx_tail, ae_sock_rxring(c->sk)->tail);
		shm_store(&h->tx_head, ae_sock_txring(c->sk)->head);
		sess_publish_tx_limit(c);
	}
	h->tcp_state = ae_sock_state(c->sk);
	in_new = shm_load(&h->in_seq) != c->in_ev;
	if (in_new)
		shm_store(&h->in_seq, c->in_ev);
	shm_store(&h->state, st);
	shm_store(&h->gen, h->gen + 1);
	shm_fence();
	want = shm_load(&h->shim_want);
	if (!want)
		return;
	met = wants_met(c, st);
	tell = (met | (in_new ? AE_WANT_INEV : 0)) & want &
	       (AE_WANT_IN | AE_WANT_OUT | AE_WANT_INEV);
	if (tell) {
		tell &= shm_clear(&h->shim_want, tell);
		/* an edge is told as readiness for reading */
		sess_notify_dirs(c, (tell & (AE_WANT_IN | AE_WANT_OUT)) |
				 ((tell & AE_WANT_INEV) ? AE_WANT_IN : 0));
	}
	/* AE_WAKE_* sit two bits above AE_WANT_* */
	if (want & (AE_WAKE_IN | AE_WAKE_OUT))
		sess_wake(c->srv, h, met << 2);
}

/**
 * sess_publish_tx_limit() - tell the shim how much of the tx ring it may
 * fill (SO_SNDBUF); done before a SETSOCKOPT is answered, so the next send
 * already sees it
 * @c:		connection
 */
void sess_publish_tx_limit(struct sconn *c)
{
	if (has_rings(c))
		shm_store(&c->hdr->tx_limit, ae_sock_tx_limit(c->sk));
}

/**
 * sess_cutoff() - reset a socket whose client broke the rules
 * @c:		connection
 * @err:	positive errno the client's calls will see
 */
void sess_cutoff(struct sconn *c, int err)
{
	SSTAT(c->srv, cutoffs);
	sess_listen_count(c, false);
	if (c->hdr) {
		__atomic_store_n(&c->hdr->so_error, err, __ATOMIC_RELEASE);
		shm_or(&c->hdr->state, AE_SS_DEAD | AE_SS_HUP);
	}
	if (c->sk) {
		ae_sock_set_callback(c->sk, NULL, NULL);
		ae_abort(c->sk);
		c->sk = NULL;
	}
	c->flags |= SC_DEAD;
	sess_notify(c);
}

/**
 * sess_close_sock() - the client closed its last fd: close like the kernel
 * @c:		connection
 *
 * Data the client wrote is committed first (it precedes the FIN). Unread
 * received data, or SO_LINGER with a zero timeout, means RST instead.
 */
void sess_close_sock(struct sconn *c)
{
	struct ae_ring *rx;
	bool rst = false;

	sess_listen_count(c, false);
	if (!c->sk)
		return;
	if (sess_pull(c) || !c->sk)
		return;
	rx = ae_sock_rxring(c->sk);
	if (rx && rx->mem && rx->tail != rx->head)
		rst = true;
	if (c->type == SOCK_STREAM && (c->flags & SC_LINGER0))
		rst = true;
	ae_sock_set_callback(c->sk, NULL, NULL);
	if (rst && c->type == SOCK_STREAM) {
		SSTAT(c->srv, rst_on_close);
		ae_abort(c->sk);
	} else {
		SSTAT(c->srv, fin_on_close);
		ae_close(c->sk);
	}
	c->sk = NULL;
}
