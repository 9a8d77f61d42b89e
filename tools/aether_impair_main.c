// SPDX-License-Identifier: MIT
/**
 * DOC: aether-impair - join two TAP devices through an impaired link
 *
 *   aether-impair --a NETNS:TAP --b NETNS:TAP [SPEC]
 *
 * Opens TAP A inside network namespace NETNS (/var/run/netns/NETNS, as made
 * by `ip netns add`), creating the TAP if it does not exist, then TAP B the
 * same way, and returns to its own namespace. It then copies every frame
 * read from A to B and from B to A, each direction through its own
 * impairment link (impair.c). Two kernel namespaces joined this way behave as
 * two hosts on one Ethernet with the loss, delay, reordering, duplication,
 * corruption and rate limit of SPEC: the kernel-stack baseline under the
 * conditions aetherd --impair gives Aether, on a kernel without netem.
 *
 * Directions: a->b is "out", b->a is "in" (dir= in SPEC). The b->a link uses
 * seed+1, so the two directions make independent decisions.
 *
 * One thread, one epoll loop: both TAPs (non-blocking, up to BATCH frames per
 * wakeup), a signalfd (SIGINT/SIGTERM end the relay, SIGUSR1 prints the
 * counters) and an absolute CLOCK_MONOTONIC timerfd armed at the earliest
 * release time of the two links. Nothing sleeps but epoll_wait().
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "impair.h"
#include "loop.h"
#include "opts.h"

#define PROG	"aether-impair"
#define BATCH	64

enum { D_AB, D_BA, D_N };

/**
 * struct side - one TAP end of the relay
 * @arg:	NETNS:TAP as given
 * @ns:		path of the namespace file, if @has_ns
 * @has_ns:	the TAP lives in another namespace
 * @nsname:	NETNS as given
 * @tap:	TAP name
 * @fd:		the TAP's fd
 * @rx:		frames read
 * @tx:		frames written
 * @tx_err:	frames the kernel refused (link down, ...)
 */
struct side {
	const char *arg;
	char ns[PATH_MAX];
	bool has_ns;
	char nsname[PATH_MAX];
	char tap[IFNAMSIZ];
	int fd;
	uint64_t rx, tx, tx_err;
};

/**
 * struct relay - the whole program state
 * @side:	A and B
 * @imp:	impairment per direction (NULL: copied untouched)
 * @spec:	the parsed SPEC
 * @epfd:	epoll
 * @tfd:	timerfd for the next release
 * @sfd:	signalfd
 * @armed:	deadline the timerfd is armed for, UINT64_MAX if disarmed
 * @buf:	read buffer
 */
struct relay {
	struct side side[2];
	struct impair *imp[D_N];
	struct impair_spec spec;
	int epfd, tfd, sfd;
	uint64_t armed;
	uint8_t buf[IMPAIR_FRAME_MAX];
};

static const char *const dir_name[D_N] = { "a->b (out)", "b->a (in)" };

/**
 * usage() - print help
 * @f:		stream
 */
static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " --a NETNS:TAP --b NETNS:TAP [SPEC]\n"
"Relay Ethernet frames between two TAP devices, each in its own network\n"
"namespace, through a netem-like impaired link.\n"
"\n"
"  --a NETNS:TAP  first end: TAP device TAP in namespace NETNS\n"
"                 (/var/run/netns/NETNS; a path starting with / also works;\n"
"                 plain TAP means our own namespace). Created if missing;\n"
"                 a TAP we create disappears when we exit.\n"
"  --b NETNS:TAP  second end, likewise\n"
"  -V, --version  print the version\n"
"  -h, --help     this text\n"
"\n"
"SPEC: comma-separated KEY=VALUE (empty: clean link), e.g.\n"
"  loss=3%%,delay=10ms,jitter=5ms,reorder=25%%,dup=1%%,corrupt=0.1%%,rate=100mbit,seed=1,dir=both\n"
"  loss=PCT  ge=P/R[/BAD[/GOOD]] (Gilbert-Elliott; also ge_p= ge_r= ge_bad= ge_good=)\n"
"  delay=TIME jitter=TIME reorder=PCT dup=PCT corrupt=PCT rate=RATE\n"
"  limit=FRAMES (1000) maxframe=BYTES (2048) seed=N (1) dir=in|out|both (both)\n"
"  PCT in percent; TIME with ns/us/ms/s; RATE with bit/kbit/mbit/gbit or bps/kbps/...\n"
"  dir: out = a->b, in = b->a. b->a uses seed+1.\n"
"\n"
"SIGINT/SIGTERM stop the relay and print the counters of each direction to\n"
"stderr; SIGUSR1 prints them without stopping.\n");
}

/**
 * now_ns() - CLOCK_MONOTONIC in nanoseconds
 *
 * Return: time
 */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/**
 * parse_side() - split NETNS:TAP
 * @arg:	argument
 * @s:		filled
 *
 * Return: 0, or -1 with a message printed
 */
static int parse_side(const char *arg, struct side *s)
{
	const char *colon = strchr(arg, ':');
	const char *tap = colon ? colon + 1 : arg;
	size_t nslen = colon ? (size_t)(colon - arg) : 0;

	s->arg = arg;
	if (!*tap || strlen(tap) >= IFNAMSIZ || strchr(tap, '/')) {
		fprintf(stderr, PROG ": '%s': bad TAP name (1-%d characters)\n",
			arg, IFNAMSIZ - 1);
		return -1;
	}
	strcpy(s->tap, tap);
	if (!nslen)
		return 0;
	if (arg[0] == '/') {
		if (nslen >= sizeof(s->ns))
			goto bad_ns;
		memcpy(s->ns, arg, nslen);
		s->ns[nslen] = '\0';
	} else {
		if (memchr(arg, '/', nslen) || (nslen <= 2 && arg[0] == '.'))
			goto bad_ns;
		if (snprintf(s->ns, sizeof(s->ns), "/var/run/netns/%.*s",
			     (int)nslen, arg) >= (int)sizeof(s->ns))
			goto bad_ns;
	}
	memcpy(s->nsname, arg, nslen);
	s->nsname[nslen] = '\0';
	s->has_ns = true;
	return 0;
bad_ns:
	fprintf(stderr, PROG ": '%s': bad namespace name\n", arg);
	return -1;
}

/**
 * enter_ns() - setns() into the side's namespace
 * @s:		side
 *
 * Return: 0, or -1 with a message printed
 */
static int enter_ns(const struct side *s)
{
	int fd, err;

	fd = open(s->ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (err == ENOENT)
			fprintf(stderr, PROG ": no such network namespace '%s' "
				"(%s)\n", s->nsname, s->ns);
		else
			fprintf(stderr, PROG ": %s: %s\n", s->ns,
				strerror(err));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		err = errno;
		if (err == EPERM)
			fprintf(stderr, PROG ": entering namespace %s: "
				"permission denied (needs CAP_SYS_ADMIN)\n",
				s->ns);
		else if (err == EINVAL)
			fprintf(stderr, PROG ": %s is not a network "
				"namespace\n", s->ns);
		else
			fprintf(stderr, PROG ": setns %s: %s\n", s->ns,
				strerror(err));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/**
 * tap_attach() - open /dev/net/tun and attach to (or create) the TAP
 * @s:		side; @s->fd set
 *
 * The tun device binds to the namespace current at open(), so the caller
 * has already entered the side's namespace.
 *
 * Return: 0, or -1 with a message printed
 */
static int tap_attach(struct side *s)
{
	struct ifreq ifr;
	int fd, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, PROG ": /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strcpy(ifr.ifr_name, s->tap);
	if (ioctl(fd, TUNSETIFF, &ifr) == 0) {
		s->fd = fd;
		return 0;
	}
	err = errno;
	close(fd);
	if (err == EBUSY)
		fprintf(stderr, PROG ": TAP '%s' is busy (another program has "
			"it open)\n", s->arg);
	else if (err == EPERM || err == EACCES)
		fprintf(stderr, PROG ": TAP '%s': permission denied (needs "
			"CAP_NET_ADMIN, or a TAP owned by this user)\n",
			s->arg);
	else if (err == EINVAL)
		fprintf(stderr, PROG ": '%s' exists and is not a TAP device\n",
			s->arg);
	else
		fprintf(stderr, PROG ": TAP '%s': %s\n", s->arg,
			strerror(err));
	return -1;
}

/**
 * open_side() - attach to one side's TAP inside its namespace
 * @s:		side
 * @home:	fd of our own namespace, to return to
 *
 * Return: 0, or -1 with a message printed
 */
static int open_side(struct side *s, int home)
{
	int ret;

	if (!s->has_ns)
		return tap_attach(s);
	if (enter_ns(s))
		return -1;
	ret = tap_attach(s);
	if (setns(home, CLONE_NEWNET)) {
		fprintf(stderr, PROG ": returning to our namespace: %s\n",
			strerror(errno));
		return -1;
	}
	return ret;
}

/**
 * struct out_ctx - where impair_deliver() writes
 * @r:		relay
 * @to:		destination side
 */
struct out_ctx {
	struct relay *r;
	struct side *to;
};

/**
 * side_write() - write one frame to a TAP, counting the outcome
 * @to:		side
 * @frame:	bytes
 * @len:	length
 */
static void side_write(struct side *to, const void *frame, size_t len)
{
	if (write(to->fd, frame, len) == (ssize_t)len)
		to->tx++;
	else
		to->tx_err++;
}

/**
 * deliver_out() - impair_out_fn: write a released frame
 * @ctx:	struct out_ctx
 * @frame:	bytes
 * @len:	length
 */
static void deliver_out(void *ctx, const void *frame, size_t len)
{
	struct out_ctx *o = ctx;

	side_write(o->to, frame, len);
}

/**
 * pump() - read up to BATCH frames from side @d and pass them on
 * @r:		relay
 * @d:		direction: D_AB reads A, D_BA reads B
 *
 * Return: 0, or -1 on a fatal read error
 */
static int pump(struct relay *r, int d)
{
	struct side *from = &r->side[d], *to = &r->side[!d];
	int i;

	for (i = 0; i < BATCH; i++) {
		ssize_t n = read(from->fd, r->buf, sizeof(r->buf));

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fprintf(stderr, PROG ": read %s: %s\n", from->arg,
				strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		from->rx++;
		if (r->imp[d])
			impair_submit(r->imp[d], r->buf, (size_t)n, now_ns());
		else
			side_write(to, r->buf, (size_t)n);
	}
	return 0;
}

/**
 * release() - deliver due frames of both links and re-arm the timer
 * @r:		relay
 */
static void release(struct relay *r)
{
	uint64_t now = now_ns(), next = UINT64_MAX, t;
	struct itimerspec its;
	int d;

	for (d = 0; d < D_N; d++) {
		struct out_ctx o = { r, &r->side[!d] };

		if (!r->imp[d])
			continue;
		impair_deliver(r->imp[d], now, deliver_out, &o);
		t = impair_next_deadline(r->imp[d]);
		if (t < next)
			next = t;
	}
	if (next == r->armed)
		return;
	memset(&its, 0, sizeof(its));
	if (next != UINT64_MAX) {
		if (!next)
			next = 1;
		its.it_value.tv_sec = (time_t)(next / 1000000000ULL);
		its.it_value.tv_nsec = (long)(next % 1000000000ULL);
	}
	timerfd_settime(r->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	r->armed = next;
}

/**
 * print_counters() - every counter of both directions, to stderr
 * @r:		relay
 */
static void print_counters(const struct relay *r)
{
	char name[64];
	int d;

	for (d = 0; d < D_N; d++) {
		snprintf(name, sizeof(name), PROG ": %s", dir_name[d]);
		if (r->imp[d])
			impair_print(r->imp[d], name, stderr);
		else
			fprintf(stderr, "%s: not impaired\n", name);
	}
	for (d = 0; d < 2; d++)
		fprintf(stderr, PROG ": %c %s: rx %" PRIu64 " tx %" PRIu64
			" tx_errors %" PRIu64 "\n", d ? 'b' : 'a',
			r->side[d].arg, r->side[d].rx, r->side[d].tx,
			r->side[d].tx_err);
}

/**
 * on_signal() - handle what the signalfd reports
 * @r:		relay
 *
 * Return: true if the relay should stop
 */
static bool on_signal(struct relay *r)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(r->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			print_counters(r);
		else
			stop = true;
	}
	return stop;
}

/**
 * run() - the event loop, until a signal or a fatal error
 * @r:		relay
 *
 * Return: 0 on a clean stop, 1 on error
 */
static int run(struct relay *r)
{
	struct epoll_event ev[8];
	uint64_t ticks;
	int i, n;

	for (;;) {
		n = epoll_wait(r->epfd, ev, 8, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, PROG ": epoll_wait: %s\n",
				strerror(errno));
			return 1;
		}
		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == r->sfd) {
				if (on_signal(r))
					return 0;
			} else if (fd == r->tfd) {
				/* expired: re-armed by release() below */
				if (read(r->tfd, &ticks, sizeof(ticks)) < 0)
					ticks = 0;
				r->armed = UINT64_MAX;
			} else if (pump(r, fd == r->side[0].fd ? D_AB : D_BA)) {
				return 1;
			}
		}
		release(r);
	}
}

/**
 * setup_loop() - epoll, timerfd and signalfd
 * @r:		relay with both sides open
 *
 * Return: 0, or -1 with a message printed
 */
static int setup_loop(struct relay *r)
{
	int fds[4], i;

	r->sfd = ae_loop_signalfd();
	r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->sfd < 0 || r->tfd < 0 || r->epfd < 0)
		goto err;
	r->armed = UINT64_MAX;
	fds[0] = r->side[0].fd;
	fds[1] = r->side[1].fd;
	fds[2] = r->tfd;
	fds[3] = r->sfd;
	for (i = 0; i < 4; i++) {
		struct epoll_event ev = { .events = EPOLLIN,
					  .data.fd = fds[i] };

		if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fds[i], &ev))
			goto err;
	}
	return 0;
err:
	fprintf(stderr, PROG ": event loop setup: %s\n", strerror(errno));
	return -1;
}

/**
 * make_links() - one impairment link per impaired direction
 * @r:		relay with @spec parsed
 * @dir:	enum impair_dir from SPEC
 *
 * A clean SPEC impairs nothing: frames are copied straight across.
 *
 * Return: 0, or -1 with a message printed
 */
static int make_links(struct relay *r, int dir)
{
	static const int mask[D_N] = { IMPAIR_DIR_OUT, IMPAIR_DIR_IN };
	struct impair_spec s;
	int d;

	if (impair_spec_is_clean(&r->spec))
		return 0;
	for (d = 0; d < D_N; d++) {
		if (!(dir & mask[d]))
			continue;
		s = r->spec;
		s.seed += (uint64_t)d;
		r->imp[d] = impair_new(&s);
		if (!r->imp[d]) {
			fprintf(stderr, PROG ": impairment queue: %s\n",
				strerror(errno));
			return -1;
		}
	}
	return 0;
}

/**
 * parse_args() - command line
 * @argc:	count
 * @argv:	arguments
 * @r:		filled
 * @dir:	enum impair_dir from SPEC
 *
 * Return: 0 to run, 1 on error, 2 after --help or --version
 */
static int parse_args(int argc, char **argv, struct relay *r, int *dir)
{
	static const struct option opts[] = {
		{ "a", required_argument, NULL, 'a' },
		{ "b", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *a = NULL, *b = NULL, *spec = "";
	char err[256];
	int c;

	while ((c = opt_next(argc, argv, "hV", opts, err, sizeof(err))) != -1) {
		switch (c) {
		case 'a':
			a = optarg;
			break;
		case 'b':
			b = optarg;
			break;
		case 'h':
			usage(stdout);
			return 2;
		case 'V':
			printf(PROG " %s\n", AETHER_VERSION);
			return 2;
		default:
			fprintf(stderr, PROG ": %s\n", err);
			return 1;
		}
	}
	if (optind < argc)
		spec = argv[optind++];
	if (!a || !b || optind < argc) {
		fprintf(stderr, PROG ": need --a NETNS:TAP, --b NETNS:TAP and "
			"at most one SPEC (--help)\n");
		return 1;
	}
	if (impair_spec_parse(spec, &r->spec, dir, err, sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		return 1;
	}
	if (parse_side(a, &r->side[0]) || parse_side(b, &r->side[1]))
		return 1;
	return 0;
}

/**
 * main() - parse, open both TAPs, relay until a signal, print counters
 * @argc:	count
 * @argv:	arguments
 *
 * Return: 0 on a clean stop or --help, 1 on error
 */
int main(int argc, char **argv)
{
	static struct relay r;
	char desc[256];
	int dir = IMPAIR_DIR_BOTH, home, ret = 1;

	r.side[0].fd = r.side[1].fd = -1;
	r.sfd = r.tfd = r.epfd = -1;
	ret = parse_args(argc, argv, &r, &dir);
	if (ret)
		return ret == 2 ? 0 : 1;
	ret = 1;
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		fprintf(stderr, PROG ": /proc/self/ns/net: %s\n",
			strerror(errno));
		return 1;
	}
	if (open_side(&r.side[0], home) || open_side(&r.side[1], home))
		goto out;
	if (make_links(&r, dir) || setup_loop(&r))
		goto out;
	impair_spec_format(&r.spec, desc, sizeof(desc));
	fprintf(stderr, PROG ": %s <-> %s: %s%s%s\n", r.side[0].arg,
		r.side[1].arg, r.imp[0] || r.imp[1] ? desc : "clean link",
		r.imp[0] && !r.imp[1] ? " (a->b only)" : "",
		r.imp[1] && !r.imp[0] ? " (b->a only)" : "");
	ret = run(&r);
	print_counters(&r);
out:
	impair_free(r.imp[D_AB]);
	impair_free(r.imp[D_BA]);
	if (r.epfd >= 0)
		close(r.epfd);
	if (r.tfd >= 0)
		close(r.tfd);
	if (r.sfd >= 0)
		close(r.sfd);
	if (r.side[0].fd >= 0)
		close(r.side[0].fd);
	if (r.side[1].fd >= 0)
		close(r.side[1].fd);
	close(home);
	return ret;
}
