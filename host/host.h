/* SPDX-License-Identifier: MIT */
/**
 * DOC: host.h - bringing the stack up on a real host: TAP, capture, timers,
 * signals, one epoll loop
 *
 * What every program that drives the stack itself needs, written once for
 * aetherd and the embedded examples (examples/httpd.c), the way smoltcp's
 * examples share their TAP plumbing. A program fills a struct host_opts,
 * calls ae_host_open_tap() and ae_host_setup(), creates its stack with
 * ae_host_output() / ae_host_now_ns() / ae_host_log_sink() as the device,
 * clock and log callbacks, stores it in @stack, then calls ae_host_run(),
 * and at the end ae_host_close_pcap() and ae_host_close(). Setup functions
 * report errors (a one-line reason) and never print or exit; at run time,
 * a failing TAP or capture file is said once on stderr, prefixed with the
 * program's name.
 */
#ifndef AE_HOST_H
#define AE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#include "ackq.h"
#include "aether.h"
#include "impair.h"
#include "loop.h"
#include "tap.h"

#define HOST_RX_BATCH	64
#define HOST_RX_ROUNDS	8	/* batches per wake-up at most */
#define HOST_RX_BUF	(65536 + 14)	/* any frame a TAP can hand us */

/**
 * struct host_stats - what the device side counts (the stack counts the rest)
 * @rx_frames:	frames read from the TAP
 * @rx_bytes:	their bytes
 * @rx_batches:	batches of frames handed to the stack
 * @rx_early:	wake-ups whose first frame went to the stack before the
 *		read that found the TAP empty (tap_readable())
 * @rx_errors:	read errors other than EAGAIN
 * @tx_frames:	frames written to the TAP
 * @tx_bytes:	their bytes
 * @tx_dropped:	frames dropped because the TAP queue was full (EAGAIN)
 * @tx_errors:	other write errors (link down: EIO)
 * @rx_gso:	super-frames read (the kernel's GSO, offloads on)
 * @rx_csum_partial: frames read whose checksum the kernel left undone
 * @rx_vnet_short: reads shorter than the virtio_net_hdr (dropped)
 * @rx_vnet:	verdicts of tap_vnet_check(), [TAP_VNET_OK] unused; each
 *		other one counts the frames dropped for that reason
 * @tx_gso:	super-frames written (our TSO)
 * @tx_csum_partial: frames written with the checksum left to the kernel
 */
struct host_stats {
	uint64_t rx_frames, rx_bytes, rx_batches, rx_errors, rx_early;
	uint64_t tx_frames, tx_bytes, tx_dropped, tx_errors;
	uint64_t rx_gso, rx_csum_partial, rx_vnet_short;
	uint64_t rx_vnet[TAP_VNET_NVERDICTS];
	uint64_t tx_gso, tx_csum_partial;
};

/** typedef host_dump_fn - SIGUSR1 arrived: print the program's counters */
typedef void (*host_dump_fn)(void *ctx);

/**
 * struct host_opts - what to bring up
 * @prog:	program name, the prefix of every line said ("aetherd")
 * @tap:	the TAP device to attach to
 * @pcap:	capture file to write, or NULL
 * @log_stop:	say "PROG: SIGNAL, stopping" when a signal stops the loop
 * @dump:	called on SIGUSR1 with @ctx (NULL: SIGUSR1 is ignored)
 * @ctx:	for @dump
 * @pcap_append: go on with the capture in @pcap (a takeover) instead of
 *		starting it afresh
 */
struct host_opts {
	const char *prog;
	struct tap_opts tap;
	const char *pcap;
	bool log_stop;
	host_dump_fn dump;
	void *ctx;
	bool pcap_append;
};

/**
 * struct ae_host - one program's device side around the stack
 * @o:		the options it was opened with
 * @stack:	the stack, set by the program once created
 * @loop:	the event loop
 * @pcap:	capture file, or NULL
 * @tap_fd:	the TAP device
 * @tap_info:	what tap_open() found out (MTU, created)
 * @timer_fd:	timerfd driving the stack's timers
 * @signal_fd:	signalfd for SIGINT, SIGTERM, SIGUSR1
 * @armed:	deadline @timer_fd is armed to (UINT64_MAX: disarmed)
 * @st:		device counters
 * @tx_warned:	a write error was reported once already
 * @exit_code:	what ae_host_run() returns: 1 after a runtime error
 * @rx_len:	lengths of the frames in @rx
 * @rx_vh:	the virtio_net_hdr read before each (offloads on)
 * @rx:		HOST_RX_BATCH receive buffers of HOST_RX_BUF bytes
 * @impair_rx:	impairment of frames from the TAP (NULL: none)
 * @impair_tx:	impairment of frames to the TAP (NULL: none)
 * @impair_fd:	timerfd for the impairment links' next release, or -1
 * @impair_armed: deadline @impair_fd is armed to (UINT64_MAX: disarmed)
 * @link_fd:	rtnetlink socket hearing of the TAP going down/up/away, or -1
 * @link_ifindex: the TAP's interface index
 * @link_up:	the TAP's IFF_UP as last heard
 * @rx_last:	frames the last TAP wake-up read
 * @rx_done:	called after a frame read alone (tap_readable()) went through
 *		the stack, before the next read, or NULL: aetherd publishes
 *		what it delivered, so the program wakes one system call sooner
 * @rx_done_ctx: its argument
 * @in_batch:	a batch read from the TAP is being fed to the stack: pure
 *		ACKs wait in @ackq until it is done
 * @ackq:	the held ACKs
 */
struct ae_host {
	struct host_opts o;
	struct ae_stack *stack;
	struct ae_loop *loop;
	struct pcap *pcap;
	int tap_fd;
	struct tap_info tap_info;
	int timer_fd;
	int signal_fd;
	uint64_t armed;
	struct host_stats st;
	bool tx_warned;
	int exit_code;
	size_t rx_len[HOST_RX_BATCH];
	struct virtio_net_hdr rx_vh[HOST_RX_BATCH];
	uint8_t (*rx)[HOST_RX_BUF];
	struct impair *impair_rx, *impair_tx;
	int impair_fd;
	uint64_t impair_armed;
	int link_fd;
	int link_ifindex;
	int link_up;
	unsigned int rx_last;
	void (*rx_done)(void *ctx);
	void *rx_done_ctx;
	bool in_batch;
	struct ackq ackq;
};

int ae_host_open_tap(struct ae_host *h, const struct host_opts *o, char *err,
		     size_t errlen);
void ae_host_adopt_tap(struct ae_host *h, const struct host_opts *o, int fd,
		       const struct tap_info *info);
int ae_host_setup(struct ae_host *h, char *err, size_t errlen);
int ae_host_impair(struct ae_host *h, const struct impair_spec *spec, int dir,
		   char *err, size_t errlen);
uint64_t ae_host_now_ns(void *ctx);
void ae_host_output(void *ctx, const struct iovec *iov, int iovcnt);
void ae_host_output_offload(void *ctx, const struct iovec *iov, int iovcnt,
			    const struct ae_tx_offload *off);
unsigned int ae_host_offload(const struct ae_host *h);
const char *ae_host_offload_name(const struct ae_host *h);
void ae_host_log_sink(void *ctx, int level, const char *msg);
void ae_host_print_stat(void *ctx, const char *group, const char *name,
			uint64_t value);
void ae_host_dump_dev(const struct ae_host *h, FILE *f);
void ae_host_dev_stats_foreach(const struct ae_host *h, ae_stat_fn fn,
			       void *ctx);
void ae_host_rearm(struct ae_host *h);
int ae_host_run(struct ae_host *h);
int ae_host_close_pcap(struct ae_host *h);
void ae_host_close(struct ae_host *h);

#endif /* AE_HOST_H */
