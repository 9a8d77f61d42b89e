// SPDX-License-Identifier: MIT
/**
 * DOC: host.c - the stack on a real host: TAP, capture, timers, signals
 *
 * Theory of operation: one thread, one epoll loop (loop.c), four kinds of
 * event:
 *
 * - the TAP is readable: it is drained (until EAGAIN, at most
 *   HOST_RX_ROUNDS batches per wake-up) in batches of up to HOST_RX_BATCH
 *   frames read into buffers allocated once at start; with offloads (tap_opts.offload) each comes
 *   after a virtio_net_hdr, checked by tap_vnet_check() (a reject is
 *   counted by reason); each is recorded in the capture file and handed to
 *   the stack (frame_in()); the pure ACKs the stack answers a batch with
 *   wait until the batch is done, and a later one of a connection replaces
 *   its earlier one (ackq.c);
 * - the stack emits a frame: it goes to the capture file and to the TAP with
 *   one writev() (frame_to_tap_iov()), after a virtio_net_hdr saying what
 *   the kernel must finish (checksum, TSO) when offloads are on; the TAP is
 *   non-blocking, and a frame the kernel cannot take now is counted and
 *   dropped, as a full NIC queue would;
 * - the timerfd, armed to the stack's next deadline (or an earlier one,
 *   timer_arm()) after every batch of
 *   events (the loop's idle hook), fires: ae_stack_poll() runs the timers;
 * - a signal, read from a signalfd: SIGINT/SIGTERM stop the loop, SIGUSR1
 *   asks the program for its counters.
 *
 * frame_from_tap() (shaped like impair_out_fn) and frame_to_tap_iov() are
 * the two ends of the link, so an impairment stage (impair.c,
 * ae_host_impair()) can sit between the TAP and the stack in either
 * direction. Nothing is allocated per packet.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "host.h"
#include "link.h"
#include "pcap.h"

#define NEVER		UINT64_MAX	/* ae_stack_next_timeout(): no timer */
#define TX_MAX_IOV	16		/* parts of a frame from the stack */

/**
 * ae_host_now_ns() - the stack's clock: CLOCK_MONOTONIC in nanoseconds
 * @ctx:	unused
 *
 * Return: nanoseconds; the same clock the timerfds are armed in
 */
uint64_t ae_host_now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/**
 * ae_host_log_sink() - the stack's log lines, to stderr as "PROG: line"
 * @ctx:	the host
 * @level:	syslog level (already filtered by the stack)
 * @msg:	one line, without newline
 */
void ae_host_log_sink(void *ctx, int level, const char *msg)
{
	const struct ae_host *h = ctx;

	(void)level;
	fprintf(stderr, "%s: %s\n", h->o.prog, msg);
}

/**
 * frame_to_tap_iov() - send one frame from the stack out of the TAP
 * @h:		host
 * @iov:	frame parts
 * @iovcnt:	how many
 * @off:	what the kernel must finish (checksum, TSO), or NULL
 *
 * Never blocks: a frame the TAP cannot take now is counted and dropped.
 * With offloads on, a virtio_net_hdr goes first; the capture gets the
 * frame as the stack made it (a super-frame stays one record).
 */
static void frame_to_tap_iov(struct ae_host *h, const struct iovec *iov,
			     int iovcnt, const struct ae_tx_offload *off)
{
	struct iovec v[TX_MAX_IOV + 1];
	struct virtio_net_hdr vh;
	ssize_t n;
	int i;

	pcap_write(h->pcap, iov, iovcnt);
	if (h->tap_info.vnet_hdr) {
		if (iovcnt > TX_MAX_IOV) {
			h->st.tx_errors++;
			return;
		}
		if (off)
			tap_vnet_fill(&vh, off->csum_start, off->csum_offset,
				      off->gso_size, off->hdr_len);
		else
			tap_vnet_fill(&vh, 0, 0, 0, 0);
		h->st.tx_csum_partial += off != NULL;
		h->st.tx_gso += off && off->gso_size;
		v[0].iov_base = &vh;
		v[0].iov_len = sizeof(vh);
		for (i = 0; i < iovcnt; i++)
			v[i + 1] = iov[i];
		iov = v;
		iovcnt++;
	}
	do {
		n = writev(h->tap_fd, iov, iovcnt);
	} while (n < 0 && errno == EINTR);
	if (n >= 0) {
		h->st.tx_frames++;
		h->st.tx_bytes += (uint64_t)n;
		return;
	}
	if (errno == EAGAIN) {
		h->st.tx_dropped++;
		return;
	}
	h->st.tx_errors++;
	if (!h->tx_warned) {
		h->tx_warned = true;
		fprintf(stderr, "%s: writing to tap %s: %s%s\n", h->o.prog,
			h->o.tap.name, strerror(errno),
			errno == EIO ? " (is the link up on the host side?)" : "");
	}
}

/*
 * Impairment (ae_host_impair()): an impairment link (impair.c) on each
 * impaired direction. Frames read from the TAP go through impair_rx before
 * the stack; frames from the stack go through impair_tx before the TAP. Due
 * frames are released in the idle hook, before the stack's timer is
 * re-armed; impair_fd wakes the loop at the next release. The capture shows
 * what the stack and the wire saw: frames after the impairment.
 */

/**
 * impair_frame_out() - a frame from the stack enters impair_tx
 * @h:		host
 * @iov:	frame parts
 * @iovcnt:	how many
 */
static void impair_frame_out(struct ae_host *h, const struct iovec *iov,
			     int iovcnt)
{
	static uint8_t buf[IMPAIR_FRAME_MAX];
	size_t len = 0;
	int i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > sizeof(buf) - len) {
			h->st.tx_errors++;
			return;
		}
		memcpy(buf + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	impair_submit(h->impair_tx, buf, len, ae_host_now_ns(NULL));
}

/**
 * ackq_to_tap() - ackq_out_fn: a held ACK goes out of the TAP
 * @ctx:	the host
 * @iov:	frame parts
 * @iovcnt:	how many
 * @off:	its offload request, or NULL
 */
static void ackq_to_tap(void *ctx, const struct iovec *iov, int iovcnt,
			const struct ae_tx_offload *off)
{
	frame_to_tap_iov(ctx, iov, iovcnt, off);
}

/**
 * ae_host_output() - the stack's output callback: a frame to send
 * @ctx:	the host
 * @iov:	frame parts
 * @iovcnt:	how many
 */
void ae_host_output(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct ae_host *h = ctx;

	if (h->impair_tx)
		impair_frame_out(h, iov, iovcnt);
	else if (!h->in_batch ||
		 !ackq_offer(&h->ackq, iov, iovcnt, NULL, ackq_to_tap, h))
		frame_to_tap_iov(h, iov, iovcnt, NULL);
}

/**
 * ae_host_output_offload() - the stack's output callback for a frame whose
 * checksum (and, for a super-frame, segmentation) the kernel finishes
 * @ctx:	the host
 * @iov:	frame parts
 * @iovcnt:	how many
 * @off:	the offload request
 *
 * Only with offloads on, which an impairment excludes (its links copy
 * frames without the header).
 */
void ae_host_output_offload(void *ctx, const struct iovec *iov, int iovcnt,
			    const struct ae_tx_offload *off)
{
	struct ae_host *h = ctx;

	if (!h->in_batch ||
	    !ackq_offer(&h->ackq, iov, iovcnt, off, ackq_to_tap, h))
		frame_to_tap_iov(h, iov, iovcnt, off);
}

/**
 * ae_host_offload() - the offloads the stack may use on this TAP
 * @h:		host, TAP open
 *
 * Return: AE_OFFLOAD_* for &struct ae_config.offload (0: none)
 */
unsigned int ae_host_offload(const struct ae_host *h)
{
	unsigned int f = h->tap_info.offload, o = 0;

	if (f & TUN_F_CSUM)
		o |= AE_OFFLOAD_CSUM;
	if ((f & TUN_F_CSUM) && (f & TUN_F_TSO4))
		o |= AE_OFFLOAD_TSO4;
	return o;
}

/**
 * ae_host_offload_name() - the offloads the kernel granted, for a start line
 * @h:		host, TAP open
 *
 * Return: "off", or e.g. "csum,tso4,tso6,tso_ecn" (a static string)
 */
const char *ae_host_offload_name(const struct ae_host *h)
{
	static char buf[64];
	unsigned int f = h->tap_info.offload;

	if (!(f & TUN_F_CSUM))
		return "off";
	snprintf(buf, sizeof(buf), "csum%s%s%s", (f & TUN_F_TSO4) ? ",tso4" : "",
		 (f & TUN_F_TSO6) ? ",tso6" : "",
		 (f & TUN_F_TSO_ECN) ? ",tso_ecn" : "");
	return buf;
}

/**
 * frame_from_tap() - one frame received on the TAP: record it, run the stack
 * @ctx:	the host
 * @frame:	bytes
 * @len:	length
 *
 * Shaped like impair_out_fn, for an impairment stage on the way in.
 */
static void frame_from_tap(void *ctx, const void *frame, size_t len)
{
	struct ae_host *h = ctx;

	pcap_write_frame(h->pcap, frame, len);
	ae_stack_input(h->stack, frame, len);
}

/**
 * frame_in() - one frame read from the TAP, after its virtio_net_hdr was
 * checked: record it, run the stack
 * @h:		host
 * @frame:	bytes
 * @len:	length
 * @flags:	AE_RX_* for the stack
 */
static void frame_in(struct ae_host *h, const uint8_t *frame, size_t len,
		     unsigned int flags)
{
	pcap_write_frame(h->pcap, frame, len);
	ae_stack_input_flags(h->stack, frame, len, flags);
}

/**
 * rx_vnet() - check the virtio_net_hdr in front of frame @i of the batch
 * @h:		host
 * @i:		index in the batch
 * @flags:	filled with AE_RX_* for the stack
 *
 * Return: true to deliver the frame, false when dropped (counted)
 */
static bool rx_vnet(struct ae_host *h, int i, unsigned int *flags)
{
	enum tap_vnet_verdict v;
	bool valid;

	*flags = 0;
	if (!h->tap_info.vnet_hdr)
		return true;
	v = tap_vnet_check(&h->rx_vh[i], h->rx[i], h->rx_len[i], &valid);
	if (v != TAP_VNET_OK) {
		h->st.rx_vnet[v]++;
		return false;
	}
	h->st.rx_gso += h->rx_vh[i].gso_type != VIRTIO_NET_HDR_GSO_NONE;
	h->st.rx_csum_partial += !!(h->rx_vh[i].flags &
				    VIRTIO_NET_HDR_F_NEEDS_CSUM);
	if (valid)
		*flags = AE_RX_CSUM_VALID;
	return true;
}

/**
 * tap_read_one() - one read() (readv() after a virtio_net_hdr) into slot @i
 * @h:		host
 * @i:		slot in the batch
 *
 * Return: frame bytes (without the header), 0 for a read shorter than the
 * header (counted), or -1 with errno set
 */
static ssize_t tap_read_one(struct ae_host *h, int i)
{
	struct iovec v[2] = {
		{ .iov_base = &h->rx_vh[i], .iov_len = sizeof(h->rx_vh[i]) },
		{ .iov_base = h->rx[i], .iov_len = HOST_RX_BUF },
	};
	ssize_t n;

	if (!h->tap_info.vnet_hdr)
		return read(h->tap_fd, h->rx[i], HOST_RX_BUF);
	n = readv(h->tap_fd, v, 2);
	if (n < 0)
		return n;
	if ((size_t)n < sizeof(h->rx_vh[i])) {
		h->st.rx_vnet_short++;
		return 0;
	}
	return n - (ssize_t)sizeof(h->rx_vh[i]);
}

/**
 * tap_read_batch() - read up to @max frames from the TAP
 * @h:		host
 * @max:	1 to HOST_RX_BATCH
 * @more:	set when the batch filled up (the TAP may hold more)
 *
 * Return: frames read into h->rx[0..n)
 */
static int tap_read_batch(struct ae_host *h, int max, bool *more)
{
	int cnt = 0, tries;
	ssize_t n;

	*more = false;
	for (tries = 0; cnt < max && tries < 2 * HOST_RX_BATCH; tries++) {
		n = tap_read_one(h, cnt);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			continue;	/* counted; a read is never empty */
		if (n < 0) {
			if (errno == EAGAIN)
				return cnt;
			h->st.rx_errors++;
			if (errno == EBADFD || errno == EIO) {
				fprintf(stderr, "%s: tap %s went away (%s); stopping with status 1 (create it and start %s again)\n",
					h->o.prog, h->o.tap.name, strerror(errno),
					h->o.prog);
				h->exit_code = 1;
				ae_loop_stop(h->loop);
			}
			return cnt;
		}
		h->rx_len[cnt++] = (size_t)n;
	}
	*more = true;
	return cnt;
}

/**
 * tap_batch_in() - hand a batch of frames on; the pure ACKs the stack
 * answers with are held until the batch is done (ackq.c)
 * @h:		host
 * @cnt:	frames in h->rx
 */
static void tap_batch_in(struct ae_host *h, int cnt)
{
	unsigned int flags;
	int i;

	h->st.rx_batches++;
	h->in_batch = !h->impair_tx;
	for (i = 0; i < cnt; i++) {
		h->st.rx_frames++;
		h->st.rx_bytes += h->rx_len[i];
		if (h->impair_rx)
			impair_submit(h->impair_rx, h->rx[i], h->rx_len[i],
				      ae_host_now_ns(NULL));
		else if (rx_vnet(h, i, &flags))
			frame_in(h, h->rx[i], h->rx_len[i], flags);
	}
	h->in_batch = false;
	ackq_flush(&h->ackq, ackq_to_tap, h);
}

/**
 * tap_readable() - drain the TAP: batches of frames until it is empty
 * (EAGAIN), at most HOST_RX_ROUNDS batches per wake-up so clients and
 * timers get their turn
 * @ctx:	the host
 * @events:	epoll events
 *
 * When the last wake-up found a single frame (request/response traffic:
 * a ping, a TCP request), the first frame of this one goes to the stack
 * alone, before the read that finds the TAP empty: the echo reply, or the
 * request in the program's ring and its wake-up, leave one system call
 * sooner (with @rx_done set, the program is woken before that read too).
 * Bulk traffic (several frames per wake-up) keeps whole batches,
 * so its ACKs stay coalesced (ackq.c).
 */
static void tap_readable(void *ctx, uint32_t events)
{
	struct ae_host *h = ctx;
	bool early = h->rx_last <= 1 && !h->impair_rx, more = true;
	int cnt, round, max = early ? 1 : HOST_RX_BATCH;
	unsigned int total = 0;

	(void)events;
	for (round = 0; round < HOST_RX_ROUNDS && more; round++) {
		cnt = tap_read_batch(h, max, &more);
		if (cnt)
			tap_batch_in(h, cnt);
		if (early && !round && cnt) {
			h->st.rx_early++;
			if (h->rx_done)
				h->rx_done(h->rx_done_ctx);
		}
		total += (unsigned int)cnt;
		max = HOST_RX_BATCH;
	}
	h->rx_last = total;
}

/**
 * timer_set() - arm a timerfd to an absolute CLOCK_MONOTONIC deadline
 * @fd:		the timerfd
 * @t:		deadline in ns, NEVER to disarm
 *
 * Return: 0, or -1 (errno set)
 */
static int timer_set(int fd, uint64_t t)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (t != NEVER) {
		its.it_value.tv_sec = (time_t)(t / 1000000000ULL);
		its.it_value.tv_nsec = (long)(t % 1000000000ULL);
	}
	return timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/**
 * timer_arm() - arm the timerfd to the stack's next deadline, if it moved
 * earlier
 * @h:		host
 *
 * Lazy, like the kernel's RTO timer: a deadline that moved later (or went
 * away) leaves the earlier one armed; that one fires, finds nothing due, and
 * timer_fired() re-arms to the real deadline. A request/response exchange
 * moves the deadline on every segment (delayed ACK, RTO) and would
 * otherwise cost two timerfd_settime() calls per round trip; this way the
 * timer is reset at most once per expiry. An idle stack still ends up
 * disarmed: the last early expiry re-arms to NEVER.
 */
static void timer_arm(struct ae_host *h)
{
	uint64_t t = ae_stack_next_timeout(h->stack);

	if (t == h->armed)
		return;
	if (h->armed && h->armed != NEVER && t > h->armed)
		return;
	if (!t)
		t = 1;	/* zero would disarm; 1 ns is long past */
	if (timer_set(h->timer_fd, t) == 0)
		h->armed = t;
}

/**
 * timer_fired() - the stack's deadline passed: run its timers
 * @ctx:	the host
 * @events:	epoll events
 */
static void timer_fired(void *ctx, uint32_t events)
{
	struct ae_host *h = ctx;
	uint64_t expirations;

	(void)events;
	if (read(h->timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno == EAGAIN)
		return;
	h->armed = 0;	/* re-arm in the idle hook, whatever the deadline */
	ae_stack_poll(h->stack);
}

/**
 * impair_to_tap() - impair_out_fn: a released frame goes out of the TAP
 * @ctx:	the host
 * @frame:	bytes
 * @len:	length
 */
static void impair_to_tap(void *ctx, const void *frame, size_t len)
{
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = len };

	frame_to_tap_iov(ctx, &iov, 1, NULL);
}

/**
 * impair_release() - deliver due frames both ways, re-arm impair_fd
 * @h:		host
 *
 * Frames into the stack go first: the stack's answers join impair_tx and
 * leave in the same call if they are due already.
 */
static void impair_release(struct ae_host *h)
{
	uint64_t t = NEVER, now;

	if (h->impair_rx) {
		impair_deliver(h->impair_rx, ae_host_now_ns(NULL),
			       frame_from_tap, h);
		t = impair_next_deadline(h->impair_rx);
	}
	if (h->impair_tx) {
		now = ae_host_now_ns(NULL);
		impair_deliver(h->impair_tx, now, impair_to_tap, h);
		if (impair_next_deadline(h->impair_tx) < t)
			t = impair_next_deadline(h->impair_tx);
	}
	if (h->impair_fd < 0 || t == h->impair_armed)
		return;
	if (timer_set(h->impair_fd, t) == 0)
		h->impair_armed = t;
}

/**
 * impair_fired() - a release time passed; the idle hook delivers
 * @ctx:	the host
 * @events:	epoll events
 */
static void impair_fired(void *ctx, uint32_t events)
{
	struct ae_host *h = ctx;
	uint64_t expirations;

	(void)events;
	if (read(h->impair_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno == EAGAIN)
		return;
	h->impair_armed = NEVER;
}

/**
 * after_batch() - the loop's idle hook: release impaired frames, re-arm the
 *		   timer, flush the capture
 * @ctx:	the host
 */
static void after_batch(void *ctx)
{
	struct ae_host *h = ctx;
	int rc;

	impair_release(h);
	timer_arm(h);
	rc = pcap_flush(h->pcap);
	if (rc) {
		fprintf(stderr, "%s: writing %s: %s; capture stopped\n",
			h->o.prog, h->o.pcap, strerror(-rc));
		pcap_close(h->pcap);
		h->pcap = NULL;
	}
}

/**
 * ae_host_rearm() - arm the stack's timer and the impairment's now (a stack
 * and links restored with timers running and frames held, before the loop
 * starts)
 * @h:		host, with its stack
 */
void ae_host_rearm(struct ae_host *h)
{
	timer_arm(h);
	if (h->impair_rx || h->impair_tx)
		impair_release(h);	/* frames handed over: their timer */
}

/**
 * reopen_pcap() - SIGHUP: start the capture file afresh at the same path
 * @h:		host
 *
 * What can change while running is where frames are recorded: after a
 * rotation (mv aether.pcap aether.pcap.1; kill -HUP) the capture goes on in
 * a new file with its own header, and the old one is complete. Everything
 * else is fixed at start.
 */
static void reopen_pcap(struct ae_host *h)
{
	int rc;

	if (!h->o.pcap) {
		fprintf(stderr, "%s: SIGHUP: nothing to re-read (no --pcap)\n",
			h->o.prog);
		return;
	}
	rc = pcap_close(h->pcap);
	if (rc)
		fprintf(stderr, "%s: SIGHUP: finishing %s: %s\n", h->o.prog,
			h->o.pcap, strerror(-rc));
	h->pcap = pcap_open(h->o.pcap, &rc);
	if (!h->pcap)
		fprintf(stderr, "%s: SIGHUP: cannot reopen %s: %s; capture stopped\n",
			h->o.prog, h->o.pcap, strerror(-rc));
	else
		fprintf(stderr, "%s: SIGHUP: capture %s started afresh\n",
			h->o.prog, h->o.pcap);
}

/**
 * link_changed() - the TAP went down, came up, or was deleted
 * @ctx:	the host
 * @events:	epoll events
 *
 * Down: one line, and the daemon waits (nothing can be sent or received;
 * connections time out as over any dead link). Up: one line. Deleted: one
 * line, and the loop stops with status 1.
 */
static void link_changed(void *ctx, uint32_t events)
{
	struct ae_host *h = ctx;

	(void)events;
	switch (link_read(h->link_fd, h->link_ifindex, &h->link_up)) {
	case LINK_DOWN:
		h->tx_warned = true;	/* this line says it all */
		fprintf(stderr, "%s: tap %s was set down: nothing is sent or received until it is up again (ip link set %s up); waiting\n",
			h->o.prog, h->o.tap.name, h->o.tap.name);
		break;
	case LINK_UP:
		h->tx_warned = false;
		fprintf(stderr, "%s: tap %s is up again\n", h->o.prog,
			h->o.tap.name);
		break;
	case LINK_GONE:
		fprintf(stderr, "%s: tap %s was deleted; stopping with status 1 (create it and start %s again)\n",
			h->o.prog, h->o.tap.name, h->o.prog);
		h->exit_code = 1;
		ae_loop_stop(h->loop);
		break;
	case LINK_NONE:
		break;
	}
}

/**
 * signal_read() - handle the signals that arrived
 * @ctx:	the host
 * @events:	epoll events
 */
static void signal_read(void *ctx, uint32_t events)
{
	struct ae_host *h = ctx;
	struct signalfd_siginfo si;

	(void)events;
	while (read(h->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reopen_pcap(h);
			continue;
		}
		if (si.ssi_signo == SIGUSR1) {
			if (h->o.dump)
				h->o.dump(h->o.ctx);
			continue;
		}
		if (h->o.log_stop)
			fprintf(stderr, "%s: %s, stopping\n", h->o.prog,
				strsignal((int)si.ssi_signo));
		ae_loop_stop(h->loop);
	}
}

/**
 * fail() - write a one-line reason and pass an error on
 * @err:	buffer
 * @errlen:	its size
 * @what:	what failed
 * @e:		positive errno
 *
 * Return: -@e
 */
static int fail(char *err, size_t errlen, const char *what, int e)
{
	snprintf(err, errlen, "%s: %s", what, strerror(e));
	return -e;
}

/**
 * open_signals() - block SIGINT, SIGTERM, SIGUSR1, SIGHUP and read them
 * from a signalfd
 * @h:		host; @signal_fd is set
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * SIGPIPE is ignored: a write to a closed pipe or socket returns EPIPE.
 *
 * Return: 0, or -errno
 */
static int open_signals(struct ae_host *h, char *err, size_t errlen)
{
	signal(SIGPIPE, SIG_IGN);
	h->signal_fd = ae_loop_signalfd();
	if (h->signal_fd < 0)
		return fail(err, errlen, "signalfd", -h->signal_fd);
	return 0;
}

/**
 * ae_host_open_tap() - attach to the TAP device; the first step of bring-up
 * @h:		host, zeroed by the caller
 * @o:		options (copied; the strings must outlive @h)
 * @err:	one-line reason on failure (tap_open()'s, which says what to do)
 * @errlen:	its size
 *
 * @h->tap_info then tells the device's MTU and whether it was created.
 *
 * Return: 0, or -errno
 */
int ae_host_open_tap(struct ae_host *h, const struct host_opts *o, char *err,
		     size_t errlen)
{
	h->o = *o;
	h->timer_fd = h->signal_fd = h->impair_fd = -1;
	h->link_fd = -1;
	h->tap_fd = tap_open(&h->o.tap, &h->tap_info, err, errlen);
	return h->tap_fd < 0 ? h->tap_fd : 0;
}

/**
 * ae_host_adopt_tap() - take over a TAP another process had open (aetherd
 * --takeover): the same open file, so frames it left unread come to us
 * @h:		host, zeroed by the caller
 * @o:		options (copied; the strings must outlive @h)
 * @fd:		the TAP descriptor received
 * @info:	what the other process knew of it (MTU, vnet header, offloads)
 */
void ae_host_adopt_tap(struct ae_host *h, const struct host_opts *o, int fd,
		       const struct tap_info *info)
{
	h->o = *o;
	h->timer_fd = h->signal_fd = h->impair_fd = -1;
	h->link_fd = -1;
	h->tap_fd = fd;
	h->tap_info = *info;
}

/**
 * ae_host_setup() - receive buffers, capture, loop, timer, signals
 * @h:		host with its TAP open
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Registers the TAP, the stack's timerfd and the signalfd with a new loop,
 * and the idle hook that re-arms the timer and flushes the capture. The
 * stack may be created afterwards; nothing runs before ae_host_run().
 *
 * Return: 0, or -errno
 */
int ae_host_setup(struct ae_host *h, char *err, size_t errlen)
{
	int rc;

	h->rx = calloc(HOST_RX_BATCH, sizeof(*h->rx));
	if (!h->rx) {
		snprintf(err, errlen, "out of memory for receive buffers");
		return -ENOMEM;
	}
	if (h->o.pcap) {
		h->pcap = h->o.pcap_append ? pcap_append(h->o.pcap, &rc) :
					     pcap_open(h->o.pcap, &rc);
		if (!h->pcap) {
			snprintf(err, errlen, "cannot write capture %s: %s",
				 h->o.pcap, strerror(-rc));
			return rc;
		}
	}
	h->loop = ae_loop_new();
	if (!h->loop)
		return fail(err, errlen, "epoll", errno);
	h->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->timer_fd < 0)
		return fail(err, errlen, "timerfd", errno);
	h->armed = NEVER;
	rc = open_signals(h, err, errlen);
	if (rc)
		return rc;
	rc = ae_loop_add(h->loop, h->tap_fd, EPOLLIN, tap_readable, h);
	if (!rc)
		rc = ae_loop_add(h->loop, h->timer_fd, EPOLLIN, timer_fired, h);
	if (!rc)
		rc = ae_loop_add(h->loop, h->signal_fd, EPOLLIN, signal_read, h);
	if (!rc)
		rc = ae_loop_add_idle(h->loop, after_batch, h);
	h->link_up = 1;
	h->link_fd = link_open(h->o.tap.name, &h->link_ifindex);
	if (!rc && h->link_fd >= 0)
		rc = ae_loop_add(h->loop, h->link_fd, EPOLLIN, link_changed, h);
	if (rc)
		return fail(err, errlen, "event loop", -rc);
	/* a timer or a signal is no traffic: no busy poll after one */
	ae_loop_quiet(h->loop, h->timer_fd);
	ae_loop_quiet(h->loop, h->signal_fd);
	ae_loop_quiet(h->loop, h->link_fd);
	return 0;
}

/**
 * ae_host_impair() - a netem-like link per impaired direction, and its timer
 * @h:		host, set up
 * @spec:	the impairment; a clean one creates nothing
 * @dir:	IMPAIR_DIR_IN, IMPAIR_DIR_OUT or both
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * "in" (TAP to stack) uses the spec's seed, "out" seed+1.
 *
 * Return: 0, or -errno
 */
int ae_host_impair(struct ae_host *h, const struct impair_spec *spec, int dir,
		   char *err, size_t errlen)
{
	struct impair_spec s = *spec;
	int rc;

	if (impair_spec_is_clean(&s))
		return 0;
	if (dir & IMPAIR_DIR_IN) {
		h->impair_rx = impair_new(&s);
		if (!h->impair_rx)
			return fail(err, errlen, "--impair", errno);
	}
	if (dir & IMPAIR_DIR_OUT) {
		s.seed++;
		h->impair_tx = impair_new(&s);
		if (!h->impair_tx)
			return fail(err, errlen, "--impair", errno);
	}
	h->impair_armed = NEVER;
	h->impair_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->impair_fd < 0)
		return fail(err, errlen, "timerfd", errno);
	rc = ae_loop_add(h->loop, h->impair_fd, EPOLLIN, impair_fired, h);
	if (rc)
		return fail(err, errlen, "event loop", -rc);
	return 0;
}

/**
 * ae_host_print_stat() - one counter line, "group.name value"
 * @ctx:	the output file
 * @group:	counter group
 * @name:	counter name
 * @value:	its value
 *
 * Shaped for ae_stack_stats_foreach().
 */
void ae_host_print_stat(void *ctx, const char *group, const char *name,
			uint64_t value)
{
	fprintf(ctx, "%s.%s %llu\n", group, name, (unsigned long long)value);
}

/**
 * impair_visit() - a link's counters, one call each
 * @imp:	link, or NULL (nothing visited)
 * @group:	counter group name
 * @fn:		visitor
 * @ctx:	its argument
 */
static void impair_visit(const struct impair *imp, const char *group,
			 ae_stat_fn fn, void *ctx)
{
	const struct impair_stats *s;

	if (!imp)
		return;
	s = impair_stats(imp);
	fn(ctx, group, "submitted", s->submitted);
	fn(ctx, group, "passed", s->passed);
	fn(ctx, group, "dropped", s->dropped);
	fn(ctx, group, "duplicated", s->duplicated);
	fn(ctx, group, "corrupted", s->corrupted);
	fn(ctx, group, "reordered", s->reordered);
	fn(ctx, group, "tail_dropped", s->tail_dropped);
	fn(ctx, group, "oversize", s->oversize);
	fn(ctx, group, "delivered", s->delivered);
	fn(ctx, group, "queued", s->queued);
}

/**
 * ae_host_dev_stats_foreach() - the device side's counters, one call each
 * @h:		host
 * @fn:		visitor, shaped like ae_stack_stats_foreach()'s
 * @ctx:	its argument
 *
 * Groups tap, pcap, and impair_in / impair_out when impairing. aetherd
 * answers `aether stats` and prints its SIGUSR1 dump from this one list.
 */
void ae_host_dev_stats_foreach(const struct ae_host *h, ae_stat_fn fn,
			       void *ctx)
{
	const struct host_stats *st = &h->st;
	int i;

	fn(ctx, "tap", "rx_frames", st->rx_frames);
	fn(ctx, "tap", "rx_bytes", st->rx_bytes);
	fn(ctx, "tap", "rx_batches", st->rx_batches);
	fn(ctx, "tap", "rx_early", st->rx_early);
	fn(ctx, "tap", "rx_errors", st->rx_errors);
	fn(ctx, "tap", "tx_frames", st->tx_frames);
	fn(ctx, "tap", "tx_bytes", st->tx_bytes);
	fn(ctx, "tap", "tx_dropped", st->tx_dropped);
	fn(ctx, "tap", "tx_errors", st->tx_errors);
	fn(ctx, "tap", "rx_gso", st->rx_gso);
	fn(ctx, "tap", "rx_csum_partial", st->rx_csum_partial);
	fn(ctx, "tap", "rx_vnet_short", st->rx_vnet_short);
	for (i = TAP_VNET_OK + 1; i < TAP_VNET_NVERDICTS; i++)
		fn(ctx, "tap", tap_vnet_verdict_name(i), st->rx_vnet[i]);
	fn(ctx, "tap", "tx_gso", st->tx_gso);
	fn(ctx, "tap", "tx_csum_partial", st->tx_csum_partial);
	fn(ctx, "tap", "tx_acks_coalesced", h->ackq.coalesced);
	fn(ctx, "pcap", "frames", pcap_frames(h->pcap));
	fn(ctx, "loop", "busy_polls", ae_loop_spins(h->loop));
	impair_visit(h->impair_rx, "impair_in", fn, ctx);
	impair_visit(h->impair_tx, "impair_out", fn, ctx);
}

/**
 * ae_host_dump_dev() - the device side's counters as stats lines
 * @h:		host
 * @f:		where
 */
void ae_host_dump_dev(const struct ae_host *h, FILE *f)
{
	ae_host_dev_stats_foreach(h, ae_host_print_stat, f);
}

/**
 * ae_host_run() - run the loop until a signal (or a runtime error) stops it
 * @h:		host, with its stack
 *
 * Return: 0 after a clean stop, 1 after a runtime error (said on stderr)
 */
int ae_host_run(struct ae_host *h)
{
	int rc;

	while (!ae_loop_stopped(h->loop)) {
		rc = ae_loop_run_once(h->loop, -1);
		if (rc < 0) {
			fprintf(stderr, "%s: epoll_wait: %s\n", h->o.prog,
				strerror(-rc));
			h->exit_code = 1;
			break;
		}
	}
	return h->exit_code;
}

/**
 * ae_host_close_pcap() - write the rest of the capture and close it
 * @h:		host
 *
 * Frames sent afterwards are no longer recorded.
 *
 * Return: 0, or -errno from writing the capture
 */
int ae_host_close_pcap(struct ae_host *h)
{
	int rc = pcap_close(h->pcap);

	h->pcap = NULL;
	return rc;
}

/**
 * ae_host_close() - free what ae_host_*() set up, in reverse order
 * @h:		host, its stack destroyed (the TAP is closed here)
 *
 * A capture still open is closed too, its error ignored: call
 * ae_host_close_pcap() first to hear of it.
 */
void ae_host_close(struct ae_host *h)
{
	ae_host_close_pcap(h);
	impair_free(h->impair_rx);
	impair_free(h->impair_tx);
	if (h->impair_fd >= 0)
		close(h->impair_fd);
	if (h->loop)
		ae_loop_free(h->loop);
	if (h->signal_fd >= 0)
		close(h->signal_fd);
	if (h->link_fd >= 0)
		close(h->link_fd);
	if (h->timer_fd >= 0)
		close(h->timer_fd);
	if (h->tap_fd >= 0)
		close(h->tap_fd);
	free(h->rx);
}
