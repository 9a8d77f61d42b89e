// SPDX-License-Identifier: MIT
/**
 * DOC: aetherd_main.c - the daemon: a TAP device, the stack, one epoll loop
 *
 * Theory of operation: aetherd owns the TAP device and the whole stack. The
 * kernel on the other side of the TAP (the host, or a network namespace) sees
 * our address as an ordinary host on an Ethernet link; programs on this
 * machine reach the stack through the control socket (session.c).
 *
 * Everything runs in one thread, in one epoll loop (loop.c), on four kinds of
 * event:
 *
 * - the TAP is readable: up to RX_BATCH frames are read into buffers
 *   allocated once at start, each is recorded in the capture file and handed
 *   to the stack (frame_from_tap());
 * - the stack emits a frame: it goes to the capture file and to the TAP with
 *   one writev() (frame_to_tap_iov()); the TAP is non-blocking, and a frame the
 *   kernel cannot take now is counted and dropped, as a full NIC queue would;
 * - the timerfd, armed to the stack's next deadline after every batch of
 *   events (the loop's idle hook), fires: ae_stack_poll() runs the timers;
 * - a signal, read from a signalfd: SIGINT/SIGTERM stop the loop (clients
 *   are closed, counters printed if asked, the capture flushed), SIGUSR1
 *   prints every counter to stderr.
 *
 * frame_from_tap() (shaped like impair_out_fn) and frame_to_tap_iov() are
 * the two ends of the link, so an impairment stage can sit between the TAP
 * and the stack in either direction.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "aetherd.h"
#include "impair.h"
#include "opts.h"
#include "pcap.h"
#include "tap.h"

#define RX_BATCH	64
#define RX_BUF		(65536 + 14)	/* any frame a TAP can hand us */
#define DEFAULT_SOCKET	"/run/aether/aetherd.sock"
#define NEVER		UINT64_MAX	/* ae_stack_next_timeout(): no timer */

/**
 * struct dev_stats - what the device side counts (the stack counts the rest)
 * @rx_frames:	frames read from the TAP
 * @rx_bytes:	their bytes
 * @rx_batches:	wakeups that read at least one frame
 * @rx_errors:	read errors other than EAGAIN
 * @tx_frames:	frames written to the TAP
 * @tx_bytes:	their bytes
 * @tx_dropped:	frames dropped because the TAP queue was full (EAGAIN)
 * @tx_errors:	other write errors (link down: EIO)
 */
struct dev_stats {
	uint64_t rx_frames, rx_bytes, rx_batches, rx_errors;
	uint64_t tx_frames, tx_bytes, tx_dropped, tx_errors;
};

/**
 * struct opts - the command line
 * @tap:	--tap
 * @addr:	--addr, network order; @prefix_len its prefix
 * @gateway:	--gateway, network order, 0 for none
 * @mac:	--mac, or derived from @addr
 * @mtu:	--mtu, 0 for the TAP's own (at most 1500)
 * @pcap:	--pcap file, or NULL
 * @socket:	--socket, AETHER_SOCKET, or the default
 * @persist:	--persist
 * @owner:	--owner (with --persist), (uid_t)-1 for the invoking user
 * @stats_on_exit: --stats-on-exit
 * @verbose:	-v count
 * @allow:	--allow-low-ports uids, @nallow of them
 * @impair:	--impair SPEC, or NULL; @impair_spec and @impair_dir parsed
 * @congestion:	--congestion NAME, or NULL (the stack's default, CUBIC)
 */
struct opts {
	const char *tap;
	uint32_t addr;
	uint8_t prefix_len;
	uint32_t gateway;
	uint8_t mac[6];
	unsigned long mtu;
	const char *pcap;
	const char *socket;
	bool persist;
	uid_t owner;
	bool stats_on_exit;
	int verbose;
	int allow[15];
	int nallow;
	const char *impair;
	struct impair_spec impair_spec;
	int impair_dir;
	const char *congestion;
};

/**
 * struct daemon - aetherd's device side around the shared &struct aetherd
 * @d:		state shared with session.c (stack, loop, TAP fd, socket path)
 * @o:		options
 * @pcap:	capture file, or NULL
 * @timer_fd:	timerfd driving the stack's timers
 * @signal_fd:	signalfd for SIGINT, SIGTERM, SIGUSR1
 * @armed:	deadline the timerfd is armed to (NEVER: disarmed)
 * @st:		device counters
 * @dumps:	stats dumps printed so far
 * @tx_warned:	a write error was reported once already
 * @exit_code:	what main() returns once the loop stops
 * @rx_len:	lengths of the frames in @rx
 * @rx:		RX_BATCH receive buffers of RX_BUF bytes, allocated once
 * @impair_fd:	timerfd for the impairment links' next release (--impair)
 * @impair_armed: deadline @impair_fd is armed to (NEVER: disarmed)
 */
struct daemon {
	struct aetherd d;
	struct opts o;
	struct pcap *pcap;
	int timer_fd;
	int signal_fd;
	uint64_t armed;
	struct dev_stats st;
	unsigned int dumps;
	bool tx_warned;
	int exit_code;
	size_t rx_len[RX_BATCH];
	uint8_t (*rx)[RX_BUF];
	int impair_fd;
	uint64_t impair_armed;
};

/**
 * die() - print "aetherd: MESSAGE" and exit; only main()'s helpers use it
 * @code:	exit status
 * @fmt:	printf format
 */
static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("aetherd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(code);
}

/**
 * usage() - print the help text
 * @f:		stdout for --help, stderr for a usage error
 */
static void usage(FILE *f)
{
	fputs(
"Usage: aetherd [OPTIONS]\n"
"Run the Aether TCP/IP stack on a TAP device and serve programs over a\n"
"Unix socket (LD_PRELOAD=libaether.so).\n"
"\n"
"  -t, --tap NAME        TAP device to attach to (default aether0); created if\n"
"                        missing when we have CAP_NET_ADMIN\n"
"  -a, --addr A.B.C.D/N  our address (default 192.168.1.2/24)\n"
"  -g, --gateway A.B.C.D default gateway, on our subnet (default none)\n"
"  -m, --mac MAC         our Ethernet address (default 02:ae + the address)\n"
"      --mtu N           link MTU, 576..1500 (default: the TAP's, at most 1500)\n"
"  -w, --pcap FILE       write every frame in and out to FILE (tshark, Wireshark)\n"
"  -s, --socket PATH     control socket (default $AETHER_SOCKET, else\n"
"                        " DEFAULT_SOCKET ")\n"
"      --persist         make the TAP persistent (needs CAP_NET_ADMIN)\n"
"      --owner USER      with --persist: who may attach later (default: the\n"
"                        invoking user, $SUDO_UID under sudo)\n"
"      --allow-low-ports USER  let USER's programs bind ports below 1024\n"
"                        (root always may; repeat for more users)\n"
"      --stats-on-exit   print every counter to stderr when stopping\n"
"      --impair SPEC     impair the link like netem, e.g.\n"
"                        loss=3%,delay=10ms,jitter=5ms,reorder=25%,dup=1%,\n"
"                        corrupt=0.1%,rate=100mbit,seed=1,dir=both\n"
"                        (in = TAP to stack, out = stack to TAP; see impair.h)\n"
"      --congestion NAME congestion control of every TCP socket unless the\n"
"                        program sets TCP_CONGESTION: cubic (default), reno, bbr\n"
"  -v, --verbose         log stack events (TCP state transitions...) to stderr\n"
"  -h, --help            this text\n"
"\n"
"Signals: SIGINT/SIGTERM stop cleanly; SIGUSR1 prints every counter to stderr.\n",
	      f);
}

/**
 * parse_owner() - a user name or numeric uid
 * @s:		text
 * @opt:	the option, for the message
 *
 * Return: the uid; exits on an unknown user
 */
static uid_t parse_owner(const char *s, const char *opt)
{
	struct passwd *pw;
	unsigned long v;

	if (!opt_parse_ulong(s, 0, (uid_t)-2, &v))
		return (uid_t)v;
	pw = getpwnam(s);
	if (!pw)
		die(2, "bad %s '%s': no such user", opt, s);
	return pw->pw_uid;
}

/**
 * default_owner() - who owns a TAP made persistent without --owner
 *
 * Return: $SUDO_UID when run under sudo, else the real uid
 */
static uid_t default_owner(void)
{
	const char *s = getenv("SUDO_UID");
	unsigned long v;

	if (s && !opt_parse_ulong(s, 0, (uid_t)-2, &v))
		return (uid_t)v;
	return getuid();
}

/**
 * parse_opts() - fill @o from the command line; exits on a usage error
 * @argc:	argument count
 * @argv:	arguments
 * @o:		result
 */
static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "tap",	required_argument, NULL, 't' },
		{ "addr",	required_argument, NULL, 'a' },
		{ "gateway",	required_argument, NULL, 'g' },
		{ "mac",	required_argument, NULL, 'm' },
		{ "mtu",	required_argument, NULL, 'M' },
		{ "pcap",	required_argument, NULL, 'w' },
		{ "socket",	required_argument, NULL, 's' },
		{ "persist",	no_argument,	   NULL, 'P' },
		{ "owner",	required_argument, NULL, 'O' },
		{ "allow-low-ports", required_argument, NULL, 'L' },
		{ "stats-on-exit", no_argument,	   NULL, 'S' },
		{ "impair",	required_argument, NULL, 'I' },
		{ "congestion",	required_argument, NULL, 'C' },
		{ "verbose",	no_argument,	   NULL, 'v' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *addr = "192.168.1.2/24", *gw = NULL, *mac = NULL;
	char err[256];
	int c;

	memset(o, 0, sizeof(*o));
	o->tap = "aether0";
	o->owner = (uid_t)-1;
	o->socket = getenv("AETHER_SOCKET");
	if (!o->socket || !*o->socket)
		o->socket = DEFAULT_SOCKET;
	while ((c = getopt_long(argc, argv, "t:a:g:m:w:s:vh", lopts, NULL)) != -1) {
		switch (c) {
		case 't': o->tap = optarg; break;
		case 'a': addr = optarg; break;
		case 'g': gw = optarg; break;
		case 'm': mac = optarg; break;
		case 'w': o->pcap = optarg; break;
		case 's': o->socket = optarg; break;
		case 'P': o->persist = true; break;
		case 'O': o->owner = parse_owner(optarg, "--owner"); break;
		case 'L':
			if (o->nallow == (int)(sizeof(o->allow) / sizeof(o->allow[0])))
				die(2, "too many --allow-low-ports (at most %zu)",
				    sizeof(o->allow) / sizeof(o->allow[0]));
			o->allow[o->nallow++] = (int)parse_owner(optarg,
							"--allow-low-ports");
			break;
		case 'S': o->stats_on_exit = true; break;
		case 'I': o->impair = optarg; break;
		case 'C': o->congestion = optarg; break;
		case 'v': o->verbose++; break;
		case 'M':
			if (opt_parse_ulong(optarg, 576, 1500, &o->mtu))
				die(2, "bad --mtu '%s': expected 576 to 1500", optarg);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc)
		die(2, "unexpected argument '%s' (see --help)", argv[optind]);
	if (!tap_name_ok(o->tap))
		die(2, "bad tap name '%s' (1 to %d characters, no '/', ':', '%%' or spaces)",
		    o->tap, IFNAMSIZ - 1);
	if (o->impair && impair_spec_parse(o->impair, &o->impair_spec,
					   &o->impair_dir, err, sizeof(err)))
		die(2, "--impair: %s", err);
	if (o->congestion && strcmp(o->congestion, "cubic") &&
	    strcmp(o->congestion, "reno") && strcmp(o->congestion, "bbr"))
		die(2, "bad --congestion '%s': expected cubic, reno or bbr",
		    o->congestion);
	if (opt_parse_cidr(addr, &o->addr, &o->prefix_len, err, sizeof(err)))
		die(2, "%s", err);
	if (gw && opt_parse_gateway(gw, o->addr, o->prefix_len, &o->gateway,
				    err, sizeof(err)))
		die(2, "%s", err);
	if (mac && opt_parse_mac(mac, o->mac, err, sizeof(err)))
		die(2, "%s", err);
	if (!mac)
		opt_default_mac(o->addr, o->mac);
	if (o->owner != (uid_t)-1 && !o->persist)
		die(2, "--owner needs --persist");
	if (o->persist && o->owner == (uid_t)-1)
		o->owner = default_owner();
	if (!*o->socket || strlen(o->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		die(2, "bad socket path '%s': empty or longer than %zu bytes",
		    o->socket, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
}

/**
 * check_socket() - refuse to start when another daemon serves @path
 * @path:	control socket path
 * @verbose:	log removal of a stale socket
 *
 * A daemon that answers connect() is running: exit. A socket file nobody
 * listens on is left over from a daemon that died: remove it.
 */
static void check_socket(const char *path, int verbose)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc, e;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return;
		die(1, "cannot check socket %s: %s", path, strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		die(1, "%s exists and is not a socket; remove it or choose another --socket",
		    path);
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die(1, "socket: %s", strerror(errno));
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	e = errno;
	close(fd);
	if (!rc)
		die(1, "another aetherd is already running on %s", path);
	if (e == EPROTOTYPE)
		die(1, "%s is in use by another program", path);
	if (e != ECONNREFUSED)
		die(1, "cannot check socket %s: %s", path, strerror(e));
	if (unlink(path) && errno != ENOENT)
		die(1, "cannot remove stale socket %s: %s", path, strerror(errno));
	if (verbose)
		fprintf(stderr, "aetherd: removed stale socket %s\n", path);
}

/**
 * now_ns() - the stack's clock: CLOCK_MONOTONIC in nanoseconds
 * @ctx:	unused
 *
 * Return: nanoseconds; the same clock the timerfd is armed in
 */
static uint64_t now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/**
 * stack_log_sink() - the stack's log lines, to stderr
 * @ctx:	the daemon
 * @level:	syslog level (already filtered by the stack)
 * @msg:	one line, without newline
 */
static void stack_log_sink(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	fprintf(stderr, "aetherd: %s\n", msg);
}

/**
 * frame_to_tap_iov() - send one frame from the stack out of the TAP
 * @dm:		daemon
 * @iov:	frame parts
 * @iovcnt:	how many
 *
 * Never blocks: a frame the TAP cannot take now is counted and dropped.
 */
static void frame_to_tap_iov(struct daemon *dm, const struct iovec *iov,
			     int iovcnt)
{
	ssize_t n;

	pcap_write(dm->pcap, iov, iovcnt);
	do {
		n = writev(dm->d.tap_fd, iov, iovcnt);
	} while (n < 0 && errno == EINTR);
	if (n >= 0) {
		dm->st.tx_frames++;
		dm->st.tx_bytes += (uint64_t)n;
		return;
	}
	if (errno == EAGAIN) {
		dm->st.tx_dropped++;
		return;
	}
	dm->st.tx_errors++;
	if (!dm->tx_warned) {
		dm->tx_warned = true;
		fprintf(stderr, "aetherd: writing to tap %s: %s%s\n", dm->o.tap,
			strerror(errno),
			errno == EIO ? " (is the link up on the host side?)" : "");
	}
}

/*
 * --impair: an impairment link (impair.c) on each impaired direction. Frames
 * read from the TAP go through impair_rx before the stack; frames from the
 * stack go through impair_tx before the TAP. Due frames are released in the
 * idle hook, before the stack's timer is re-armed; impair_fd wakes the loop
 * at the next release. The capture shows what the stack and the wire saw:
 * frames after the impairment.
 */

/**
 * impair_frame_out() - a frame from the stack enters impair_tx
 * @dm:		daemon
 * @iov:	frame parts
 * @iovcnt:	how many
 */
static void impair_frame_out(struct daemon *dm, const struct iovec *iov,
			     int iovcnt)
{
	static uint8_t buf[IMPAIR_FRAME_MAX];
	size_t len = 0;
	int i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > sizeof(buf) - len) {
			dm->st.tx_errors++;
			return;
		}
		memcpy(buf + len, iov[i].iov_base, iov[i].iov_len);
		len += iov[i].iov_len;
	}
	impair_submit(dm->d.impair_tx, buf, len, now_ns(NULL));
}

/**
 * stack_output() - the stack's output callback: a frame to send
 * @ctx:	the daemon
 * @iov:	frame parts
 * @iovcnt:	how many
 */
static void stack_output(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct daemon *dm = ctx;

	if (dm->d.impair_tx)
		impair_frame_out(dm, iov, iovcnt);
	else
		frame_to_tap_iov(dm, iov, iovcnt);
}

/**
 * frame_from_tap() - one frame received on the TAP: record it, run the stack
 * @ctx:	the daemon
 * @frame:	bytes
 * @len:	length
 *
 * Shaped like impair_out_fn, for an impairment stage on the way in.
 */
static void frame_from_tap(void *ctx, const void *frame, size_t len)
{
	struct daemon *dm = ctx;

	pcap_write_frame(dm->pcap, frame, len);
	ae_stack_input(dm->d.stack, frame, len);
}

/**
 * tap_readable() - read a batch of frames from the TAP and hand them on
 * @ctx:	the daemon
 * @events:	epoll events
 */
static void tap_readable(void *ctx, uint32_t events)
{
	struct daemon *dm = ctx;
	ssize_t n;
	int i, cnt = 0;

	(void)events;
	while (cnt < RX_BATCH) {
		n = read(dm->d.tap_fd, dm->rx[cnt], RX_BUF);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			dm->st.rx_errors++;
			if (errno == EBADFD || errno == EIO) {
				fprintf(stderr, "aetherd: tap %s went away (%s); stopping\n",
					dm->o.tap, strerror(errno));
				dm->exit_code = 1;
				ae_loop_stop(dm->d.loop);
			}
			break;
		}
		dm->rx_len[cnt++] = (size_t)n;
	}
	if (!cnt)
		return;
	dm->st.rx_batches++;
	for (i = 0; i < cnt; i++) {
		dm->st.rx_frames++;
		dm->st.rx_bytes += dm->rx_len[i];
		if (dm->d.impair_rx)
			impair_submit(dm->d.impair_rx, dm->rx[i], dm->rx_len[i],
				      now_ns(NULL));
		else
			frame_from_tap(dm, dm->rx[i], dm->rx_len[i]);
	}
}

/**
 * timer_arm() - arm the timerfd to the stack's next deadline, if it moved
 * @dm:		daemon
 */
static void timer_arm(struct daemon *dm)
{
	uint64_t t = ae_stack_next_timeout(dm->d.stack);
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (t == dm->armed)
		return;
	if (t != NEVER) {
		if (!t)
			t = 1;	/* zero would disarm; 1 ns is long past */
		its.it_value.tv_sec = (time_t)(t / 1000000000ULL);
		its.it_value.tv_nsec = (long)(t % 1000000000ULL);
	}
	if (timerfd_settime(dm->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		dm->armed = t;
}

/**
 * timer_fired() - the stack's deadline passed: run its timers
 * @ctx:	the daemon
 * @events:	epoll events
 */
static void timer_fired(void *ctx, uint32_t events)
{
	struct daemon *dm = ctx;
	uint64_t expirations;

	(void)events;
	if (read(dm->timer_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno == EAGAIN)
		return;
	dm->armed = 0;	/* re-arm in the idle hook, whatever the deadline */
	ae_stack_poll(dm->d.stack);
}

/**
 * impair_to_tap() - impair_out_fn: a released frame goes out of the TAP
 * @ctx:	the daemon
 * @frame:	bytes
 * @len:	length
 */
static void impair_to_tap(void *ctx, const void *frame, size_t len)
{
	struct iovec iov = { .iov_base = (void *)frame, .iov_len = len };

	frame_to_tap_iov(ctx, &iov, 1);
}

/**
 * impair_release() - deliver due frames both ways, re-arm impair_fd
 * @dm:		daemon
 *
 * Frames into the stack go first: the stack's answers join impair_tx and
 * leave in the same call if they are due already.
 */
static void impair_release(struct daemon *dm)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	uint64_t t = NEVER, now;

	if (dm->d.impair_rx) {
		impair_deliver(dm->d.impair_rx, now_ns(NULL), frame_from_tap, dm);
		t = impair_next_deadline(dm->d.impair_rx);
	}
	if (dm->d.impair_tx) {
		now = now_ns(NULL);
		impair_deliver(dm->d.impair_tx, now, impair_to_tap, dm);
		if (impair_next_deadline(dm->d.impair_tx) < t)
			t = impair_next_deadline(dm->d.impair_tx);
	}
	if (dm->impair_fd < 0 || t == dm->impair_armed)
		return;
	if (t != NEVER) {
		its.it_value.tv_sec = (time_t)(t / 1000000000ULL);
		its.it_value.tv_nsec = (long)(t % 1000000000ULL);
	}
	if (timerfd_settime(dm->impair_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		dm->impair_armed = t;
}

/**
 * impair_fired() - a release time passed; the idle hook delivers
 * @ctx:	the daemon
 * @events:	epoll events
 */
static void impair_fired(void *ctx, uint32_t events)
{
	struct daemon *dm = ctx;
	uint64_t expirations;

	(void)events;
	if (read(dm->impair_fd, &expirations, sizeof(expirations)) < 0 &&
	    errno == EAGAIN)
		return;
	dm->impair_armed = NEVER;
}

/**
 * setup_impair() - with --impair, a link per impaired direction and a timer
 * @dm:		daemon, loop set up
 *
 * "in" (TAP to stack) uses the SPEC's seed, "out" seed+1. A clean SPEC
 * creates nothing.
 */
static void setup_impair(struct daemon *dm)
{
	struct impair_spec s = dm->o.impair_spec;
	int rc;

	if (!dm->o.impair || impair_spec_is_clean(&s))
		return;
	if (dm->o.impair_dir & IMPAIR_DIR_IN) {
		dm->d.impair_rx = impair_new(&s);
		if (!dm->d.impair_rx)
			die(1, "--impair: %s", strerror(errno));
	}
	if (dm->o.impair_dir & IMPAIR_DIR_OUT) {
		s.seed++;
		dm->d.impair_tx = impair_new(&s);
		if (!dm->d.impair_tx)
			die(1, "--impair: %s", strerror(errno));
	}
	dm->impair_armed = NEVER;
	dm->impair_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (dm->impair_fd < 0)
		die(1, "timerfd: %s", strerror(errno));
	rc = ae_loop_add(dm->d.loop, dm->impair_fd, EPOLLIN, impair_fired, dm);
	if (rc)
		die(1, "event loop: %s", strerror(-rc));
	if (dm->o.verbose)
		fprintf(stderr, "aetherd: impairing %s: %s\n",
			dm->o.impair_dir == IMPAIR_DIR_BOTH ? "both directions" :
			dm->o.impair_dir == IMPAIR_DIR_IN ? "in (TAP to stack)" :
			"out (stack to TAP)", dm->o.impair);
}

/**
 * after_batch() - the loop's idle hook: re-arm the timer, flush the capture
 * @ctx:	the daemon
 */
static void after_batch(void *ctx)
{
	struct daemon *dm = ctx;
	int rc;

	impair_release(dm);
	timer_arm(dm);
	rc = pcap_flush(dm->pcap);
	if (rc) {
		fprintf(stderr, "aetherd: writing %s: %s; capture stopped\n",
			dm->o.pcap, strerror(-rc));
		pcap_close(dm->pcap);
		dm->pcap = NULL;
	}
}

/**
 * print_stat() - one counter line of a stats dump
 * @ctx:	the output file
 * @group:	counter group
 * @name:	counter name
 * @value:	its value
 */
static void print_stat(void *ctx, const char *group, const char *name,
		       uint64_t value)
{
	fprintf(ctx, "%s.%s %llu\n", group, name, (unsigned long long)value);
}

/**
 * impair_dump() - a link's counters as stats lines
 * @imp:	link, or NULL (nothing printed)
 * @group:	counter group name
 * @f:		where
 */
static void impair_dump(const struct impair *imp, const char *group, FILE *f)
{
	const struct impair_stats *s;

	if (!imp)
		return;
	s = impair_stats(imp);
	print_stat(f, group, "submitted", s->submitted);
	print_stat(f, group, "passed", s->passed);
	print_stat(f, group, "dropped", s->dropped);
	print_stat(f, group, "duplicated", s->duplicated);
	print_stat(f, group, "corrupted", s->corrupted);
	print_stat(f, group, "reordered", s->reordered);
	print_stat(f, group, "tail_dropped", s->tail_dropped);
	print_stat(f, group, "oversize", s->oversize);
	print_stat(f, group, "delivered", s->delivered);
	print_stat(f, group, "queued", s->queued);
}

/**
 * dump_stats() - print every counter, device and stack, between markers
 * @dm:		daemon
 * @f:		where
 *
 * Lines look like "ip.in_csum_errors 3"; the dump is framed by
 * "aetherd: stats begin N" and "aetherd: stats end N".
 */
static void dump_stats(struct daemon *dm, FILE *f)
{
	const struct dev_stats *st = &dm->st;

	dm->dumps++;
	fprintf(f, "aetherd: stats begin %u\n", dm->dumps);
	print_stat(f, "tap", "rx_frames", st->rx_frames);
	print_stat(f, "tap", "rx_bytes", st->rx_bytes);
	print_stat(f, "tap", "rx_batches", st->rx_batches);
	print_stat(f, "tap", "rx_errors", st->rx_errors);
	print_stat(f, "tap", "tx_frames", st->tx_frames);
	print_stat(f, "tap", "tx_bytes", st->tx_bytes);
	print_stat(f, "tap", "tx_dropped", st->tx_dropped);
	print_stat(f, "tap", "tx_errors", st->tx_errors);
	print_stat(f, "pcap", "frames", pcap_frames(dm->pcap));
	impair_dump(dm->d.impair_rx, "impair_in", f);
	impair_dump(dm->d.impair_tx, "impair_out", f);
	ae_stack_stats_foreach(dm->d.stack, print_stat, f);
	fprintf(f, "aetherd: stats end %u\n", dm->dumps);
	fflush(f);
}

/**
 * signal_read() - handle the signals that arrived
 * @ctx:	the daemon
 * @events:	epoll events
 */
static void signal_read(void *ctx, uint32_t events)
{
	struct daemon *dm = ctx;
	struct signalfd_siginfo si;

	(void)events;
	while (read(dm->signal_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			dump_stats(dm, stderr);
			continue;
		}
		if (dm->o.verbose)
			fprintf(stderr, "aetherd: %s, stopping\n",
				strsignal((int)si.ssi_signo));
		ae_loop_stop(dm->d.loop);
	}
}

/**
 * open_signals() - block SIGINT, SIGTERM, SIGUSR1 and read them from a signalfd
 *
 * Return: the signalfd; exits on failure
 */
static int open_signals(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die(1, "sigprocmask: %s", strerror(errno));
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		die(1, "signalfd: %s", strerror(errno));
	return fd;
}

/**
 * open_tap() - attach to the TAP; exits with a one-line reason on failure
 * @dm:		daemon
 */
static void open_tap(struct daemon *dm)
{
	struct tap_opts to = {
		.name = dm->o.tap, .persist = dm->o.persist, .owner = dm->o.owner,
	};
	struct tap_info info = { 0 };
	char err[256];
	int fd;

	fd = tap_open(&to, &info, err, sizeof(err));
	if (fd < 0)
		die(1, "%s", err);
	dm->d.tap_fd = fd;
	if (!dm->o.mtu && info.mtu >= 576)
		dm->o.mtu = info.mtu < 1500 ? (unsigned long)info.mtu : 1500;
	if (info.created && !dm->o.persist)
		fprintf(stderr, "aetherd: created tap %s (it goes away when aetherd stops); bring it up and give it an address on the host side\n",
			dm->o.tap);
}

/**
 * create_stack() - the stack, seeded from the kernel's random pool
 * @dm:		daemon
 */
static void create_stack(struct daemon *dm)
{
	struct ae_config cfg;
	uint64_t seed;

	memset(&cfg, 0, sizeof(cfg));
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		die(1, "getrandom: %s", strerror(errno));
	memcpy(cfg.mac, dm->o.mac, sizeof(cfg.mac));
	cfg.addr = dm->o.addr;
	cfg.prefix_len = dm->o.prefix_len;
	cfg.gateway = dm->o.gateway;
	cfg.mtu = (uint16_t)dm->o.mtu;
	cfg.seed = seed;
	cfg.output = stack_output;
	cfg.output_ctx = dm;
	cfg.clock = now_ns;
	cfg.clock_ctx = dm;
	cfg.log = stack_log_sink;
	cfg.log_ctx = dm;
	/* -v: everything the stack says, TCP state transitions included */
	cfg.log_level = dm->o.verbose ? LOG_DEBUG : LOG_WARNING;
	/* TCP rings (and only they) in memfds the clients map */
	if (dm->o.congestion)
		snprintf(cfg.congestion, sizeof(cfg.congestion), "%s",
			 dm->o.congestion);
	cfg.ring_alloc = session_ring_alloc;
	cfg.ring_free = session_ring_free;
	cfg.ring_ctx = &dm->d;
	dm->d.stack = ae_stack_create(&cfg);
	if (!dm->d.stack)
		die(1, "cannot create the stack (out of memory?)");
}

/**
 * setup_loop() - the loop with the TAP, the timer and the signals in it
 * @dm:		daemon
 */
static void setup_loop(struct daemon *dm)
{
	int rc;

	dm->d.loop = ae_loop_new();
	if (!dm->d.loop)
		die(1, "epoll: %s", strerror(errno));
	dm->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (dm->timer_fd < 0)
		die(1, "timerfd: %s", strerror(errno));
	dm->armed = NEVER;
	dm->signal_fd = open_signals();
	rc = ae_loop_add(dm->d.loop, dm->d.tap_fd, EPOLLIN, tap_readable, dm);
	if (!rc)
		rc = ae_loop_add(dm->d.loop, dm->timer_fd, EPOLLIN, timer_fired, dm);
	if (!rc)
		rc = ae_loop_add(dm->d.loop, dm->signal_fd, EPOLLIN, signal_read, dm);
	if (!rc)
		rc = ae_loop_add_idle(dm->d.loop, after_batch, dm);
	if (rc)
		die(1, "event loop: %s", strerror(-rc));
}

/**
 * announce() - say what we serve, where
 * @dm:		daemon
 */
static void announce(const struct daemon *dm)
{
	char a[INET_ADDRSTRLEN];
	const uint8_t *m = dm->o.mac;

	inet_ntop(AF_INET, &dm->o.addr, a, sizeof(a));
	fprintf(stderr, "aetherd: %s/%u (%02x:%02x:%02x:%02x:%02x:%02x) on tap %s, mtu %lu, socket %s, pid %d\n",
		a, dm->o.prefix_len, m[0], m[1], m[2], m[3], m[4], m[5],
		dm->o.tap, dm->o.mtu ? dm->o.mtu : 1500, dm->o.socket,
		(int)getpid());
}

/**
 * main() - parse, set up, run the loop until a signal, tear down in reverse
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0 after a clean stop, 1 on a runtime error, 2 on a usage error
 */
int main(int argc, char **argv)
{
	static struct daemon dm;
	int rc, i;

	setvbuf(stderr, NULL, _IOLBF, 0);
	parse_opts(argc, argv, &dm.o);
	dm.d.socket_path = dm.o.socket;
	dm.d.verbose = dm.o.verbose;
	dm.d.tap_fd = -1;
	dm.impair_fd = -1;
	for (i = 0; i < dm.o.nallow; i++)
		dm.d.allow_low_ports[i] = dm.o.allow[i];
	dm.d.allow_low_ports[dm.o.nallow] = -1;
	check_socket(dm.o.socket, dm.o.verbose);
	open_tap(&dm);
	dm.rx = calloc(RX_BATCH, sizeof(*dm.rx));
	if (!dm.rx)
		die(1, "out of memory for receive buffers");
	if (dm.o.pcap) {
		dm.pcap = pcap_open(dm.o.pcap, &rc);
		if (!dm.pcap)
			die(1, "cannot write capture %s: %s", dm.o.pcap, strerror(-rc));
	}
	setup_loop(&dm);
	setup_impair(&dm);
	create_stack(&dm);
	rc = session_init(&dm.d);
	if (rc)
		die(1, "cannot serve on %s: %s", dm.o.socket, strerror(-rc));
	announce(&dm);
	ae_stack_announce(dm.d.stack);

	while (!ae_loop_stopped(dm.d.loop)) {
		rc = ae_loop_run_once(dm.d.loop, -1);
		if (rc < 0) {
			fprintf(stderr, "aetherd: epoll_wait: %s\n", strerror(-rc));
			dm.exit_code = 1;
			break;
		}
	}

	session_fini(&dm.d);
	if (dm.o.stats_on_exit)
		dump_stats(&dm, stderr);
	rc = pcap_close(dm.pcap);
	if (rc)
		fprintf(stderr, "aetherd: writing %s: %s\n", dm.o.pcap, strerror(-rc));
	ae_stack_destroy(dm.d.stack);
	/* the region table the stack's ring frees needed, the server state */
	session_destroy(&dm.d);
	impair_free(dm.d.impair_rx);
	impair_free(dm.d.impair_tx);
	if (dm.impair_fd >= 0)
		close(dm.impair_fd);
	ae_loop_free(dm.d.loop);
	close(dm.signal_fd);
	close(dm.timer_fd);
	close(dm.d.tap_fd);
	free(dm.rx);
	return dm.exit_code;
}
