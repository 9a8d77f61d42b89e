// SPDX-License-Identifier: MIT
/**
 * DOC: aetherd_main.c - the daemon: a TAP device, the stack, one epoll loop
 *
 * Theory of operation: aetherd owns the TAP device and the whole stack. The
 * kernel on the other side of the TAP (the host, or a network namespace) sees
 * our address as an ordinary host on an Ethernet link; programs on this
 * machine reach the stack through the control socket (session.c).
 *
 * Everything runs in one thread, in one epoll loop. The device side (the TAP
 * read in batches, the stack's output written to it, the timerfd driving
 * the stack's timers, the signalfd, the capture file and the --impair
 * stage) is host/host.c's, shared with the embedded examples; this file
 * parses the options, brings the host up, creates the stack with its rings
 * in client-mapped memory, and hands the daemon to session.c. SIGINT/SIGTERM
 * stop it (connections closed as the kernel would, close_conns(); counters
 * printed if asked, the capture flushed), SIGUSR1 prints every counter to
 * stderr, SIGHUP starts the capture file afresh (host.c).
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "aetherd.h"
#include "host.h"
#include "impair.h"
#include "aether_ipc.h"
#include "opts.h"
#include "config.h"
#include "path.h"
#include "sandbox.h"
#include "session.h"
#include "tapctl.h"
#include "takeover.h"

#define MIN_MTU		576
#define MAX_MTU		65520		/* HOST_RX_BUF holds its frames */
#define MAX_BUSY_POLL	100000		/* us: a spin is a wait, not a mode */
#define DEFAULT_GROUP	"aether"
/* the host's end of the TAP queues this many frames for us (500 by
 * default): 10,000 connections opening at once, a SYN and an ACK each,
 * fit; held as skbs of a few KiB, at most ~40 MiB, only while we lag */
#define AETHERD_TXQUEUELEN	16384

/**
 * struct opts - the command line
 * @tap:	--tap
 * @addr:	--addr, network order; @prefix_len its prefix
 * @gateway:	--gateway, network order, 0 for none
 * @host_addr:	--host-addr text, or NULL; @host_ip/@host_plen parsed
 * @host_ip:	see @host_addr, network order
 * @host_plen:	see @host_addr
 * @mac:	--mac, or derived from @addr
 * @mtu:	--mtu, 0 for the TAP's own (at most MAX_MTU)
 * @pcap:	--pcap file, or NULL
 * @socket:	--socket, or the path rule of ipc/path.h
 * @socket_group: --socket-group, or DEFAULT_GROUP
 * @group_given: --socket-group was given (a missing group is then an error)
 * @persist:	--persist
 * @owner:	--owner (with --persist), (uid_t)-1 for the invoking user
 * @stats_on_exit: --stats-on-exit
 * @verbose:	-v count
 * @allow:	--allow-low-ports uids, @nallow of them
 * @impair:	--impair SPEC, or NULL; @impair_spec and @impair_dir parsed
 * @congestion:	--congestion NAME, or NULL (the stack's default, CUBIC)
 * @offload:	--offload: 1 on, 0 off, -1 unset (on unless --impair)
 * @no_seccomp:	--no-seccomp
 * @max_sockets: --max-sockets, 0 for the default
 * @max_mem:	--max-memory, 0 for the default
 * @busy_poll:	--busy-poll microseconds, 0 (default) never to spin
 * @takeover:	--takeover: take everything over from the running aetherd
 */
struct opts {
	const char *tap;
	uint32_t addr;
	uint8_t prefix_len;
	uint32_t gateway;
	const char *host_addr;
	uint32_t host_ip;
	uint8_t host_plen;
	uint8_t mac[6];
	unsigned long mtu;
	const char *pcap;
	const char *socket;
	const char *socket_group;
	bool group_given;
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
	int offload;
	bool no_seccomp;
	unsigned long max_sockets;
	unsigned long long max_mem;
	unsigned long busy_poll;
	bool takeover;
};

/**
 * struct daemon - aetherd: the host side around the shared &struct aetherd
 * @d:		state shared with session.c (stack, loop, socket path)
 * @o:		options
 * @host:	TAP, capture, timer, signals, impairment (host.c)
 * @dumps:	stats dumps printed so far
 * @tin:	with --takeover: what the old daemon handed over
 * @netdev_fd:	socket for reading the TAP's host-side counters, or -1
 */
struct daemon {
	struct aetherd d;
	struct opts o;
	struct ae_host host;
	unsigned int dumps;
	struct takeover_in tin;
	int netdev_fd;
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
"      --host-addr A.B.C.D/N  give the TAP's host end this address and bring\n"
"                        it up (needs CAP_NET_ADMIN; e.g. 192.168.1.1/24)\n"
"  -m, --mac MAC         our Ethernet address (default 02:ae + the address)\n"
"      --mtu N           link MTU, 576..65520 (default: the TAP's own MTU;\n"
"                        raise it with 'ip link set aether0 mtu 65520')\n"
"  -w, --pcap FILE       write every frame in and out to FILE (tshark, Wireshark)\n"
"  -s, --socket PATH     control socket (default $AETHER_SOCKET, else\n"
"                        $XDG_RUNTIME_DIR/aether/aetherd.sock, else\n"
"                        " AE_IPC_DEFAULT_PATH ")\n"
"      --socket-group NAME  who may connect besides root: the socket is\n"
"                        0660 with this group (default " DEFAULT_GROUP "; if it does\n"
"                        not exist: 0666, every local user, said at start)\n"
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
"      --offload on|off  checksum and TSO offloads with the kernel through the\n"
"                        TAP (virtio_net_hdr): 64 KiB super-frames each way\n"
"                        (default on, off with --impair)\n"
"      --busy-poll USEC  after traffic, poll the TAP and the programs for up\n"
"                        to USEC microseconds (at most 100000) before\n"
"                        sleeping: lower latency for a core's worth of CPU\n"
"                        while traffic flows (default 0: never spin)\n"
"      --no-seccomp      do not install the system call filter (debugging;\n"
"                        capabilities are dropped all the same)\n"
"      --max-sockets N   sockets the programs of one user may hold (default\n"
"                        16384); beyond, socket()/accept() fail with EMFILE\n"
"      --max-memory SIZE socket memory the programs of one user may hold,\n"
"                        counted as 4 KiB per socket plus each connection's\n"
"                        first receive window (256 KiB), e.g. 64G (the\n"
"                        default), 1T; beyond, connect()/accept() fail with\n"
"                        ENOBUFS\n"
"  -v, --verbose         log stack events (TCP state transitions...) to stderr\n"
"      --config FILE     read options from FILE first, one \"key = value\" or\n"
"                        \"key\" a line, keys as the long options (default\n"
"                        " CONFIG_DEFAULT " when it exists)\n"
"      --check-config    check the file and the options, then exit\n"
"      --takeover        live upgrade: take the TAP, every program's sockets\n"
"                        and connections over from the aetherd running on the\n"
"                        same --socket (same --tap, --addr), which then exits\n"
"  -V, --version         print the version and exit\n"
"  -h, --help            this text\n"
"\n"
"Signals: SIGINT/SIGTERM stop cleanly (connections get FIN, or RST where data\n"
"was unread; what is not closed after 2 s is reset); SIGUSR1 prints every\n"
"counter to stderr; SIGHUP starts the --pcap file afresh (for rotation).\n"
"The TAP set down: one line, aetherd waits; deleted: one line, exit status 1.\n",
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

/* the long options, also the keys of the configuration file (config.c) */
static const struct option lopts[] = {
	{ "tap",	required_argument, NULL, 't' },
	{ "addr",	required_argument, NULL, 'a' },
	{ "gateway",	required_argument, NULL, 'g' },
	{ "host-addr",	required_argument, NULL, 'H' },
	{ "mac",	required_argument, NULL, 'm' },
	{ "mtu",	required_argument, NULL, 'M' },
	{ "pcap",	required_argument, NULL, 'w' },
	{ "socket",	required_argument, NULL, 's' },
	{ "socket-group", required_argument, NULL, 'G' },
	{ "persist",	no_argument,	   NULL, 'P' },
	{ "owner",	required_argument, NULL, 'O' },
	{ "allow-low-ports", required_argument, NULL, 'L' },
	{ "stats-on-exit", no_argument,	   NULL, 'S' },
	{ "impair",	required_argument, NULL, 'I' },
	{ "congestion",	required_argument, NULL, 'C' },
	{ "offload",	required_argument, NULL, 'F' },
	{ "no-seccomp",	no_argument,	   NULL, 'X' },
	{ "max-sockets", required_argument, NULL, 'N' },
	{ "max-memory",	required_argument, NULL, 'R' },
	{ "busy-poll",	required_argument, NULL, 'B' },
	{ "verbose",	no_argument,	   NULL, 'v' },
	{ "help",	no_argument,	   NULL, 'h' },
	{ "version",	no_argument,	   NULL, 'V' },
	{ "config",	required_argument, NULL, 'c' },
	{ "check-config", no_argument,	   NULL, 'K' },
	{ "takeover",	no_argument,	   NULL, 'U' },
	{ NULL, 0, NULL, 0 }
};

/**
 * parse_size() - a byte count with an optional K, M, G or T (binary) suffix
 * @s:		text
 * @out:	result
 *
 * Return: 0, or -EINVAL
 */
static int parse_size(const char *s, unsigned long long *out)
{
	unsigned long long v, mul = 1;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': mul = 1ULL << 10; end++; break;
	case 'm': case 'M': mul = 1ULL << 20; end++; break;
	case 'g': case 'G': mul = 1ULL << 30; end++; break;
	case 't': case 'T': mul = 1ULL << 40; end++; break;
	}
	if (*end || !v || v > ~0ULL / mul)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

/**
 * parse_opts() - fill @o from the command line; exits on a usage error
 * @argc:	argument count
 * @argv:	arguments
 * @o:		result
 */
static void parse_opts(int argc, char **argv, struct opts *o)
{
	static char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *addr = "192.168.1.2/24", *gw = NULL, *mac = NULL;
	char err[256];
	int c;

	memset(o, 0, sizeof(*o));
	o->tap = "aether0";
	o->offload = -1;
	o->owner = (uid_t)-1;
	o->socket_group = DEFAULT_GROUP;
	o->socket = ipc_socket_path(path, sizeof(path)) ? "" : path;
	while ((c = opt_next(argc, argv, "t:a:g:m:w:s:vhV", lopts, err,
			     sizeof(err))) != -1) {
		switch (c) {
		case 't': o->tap = optarg; break;
		case 'a': addr = optarg; break;
		case 'g': gw = optarg; break;
		case 'H': o->host_addr = optarg; break;
		case 'm': mac = optarg; break;
		case 'w': o->pcap = optarg; break;
		case 's': o->socket = optarg; break;
		case 'G':
			o->socket_group = optarg;
			o->group_given = true;
			break;
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
		case 'F':
			if (!strcmp(optarg, "on"))
				o->offload = 1;
			else if (!strcmp(optarg, "off"))
				o->offload = 0;
			else
				die(2, "bad --offload '%s': expected on or off", optarg);
			break;
		case 'X': o->no_seccomp = true; break;
		case 'U': o->takeover = true; break;
		case 'N':
			if (opt_parse_ulong(optarg, 1, UINT32_MAX, &o->max_sockets))
				die(2, "bad --max-sockets '%s': expected 1 to %u",
				    optarg, UINT32_MAX);
			break;
		case 'R':
			if (parse_size(optarg, &o->max_mem))
				die(2, "bad --max-memory '%s': expected a size like 512M, 64G, 1T",
				    optarg);
			break;
		case 'B':
			if (opt_parse_ulong(optarg, 0, MAX_BUSY_POLL, &o->busy_poll))
				die(2, "bad --busy-poll '%s': expected 0 to %d microseconds",
				    optarg, MAX_BUSY_POLL);
			break;
		case 'v': o->verbose++; break;
		case 'M':
			if (opt_parse_ulong(optarg, MIN_MTU, MAX_MTU, &o->mtu))
				die(2, "bad --mtu '%s': expected %d to %d", optarg,
				    MIN_MTU, MAX_MTU);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("aetherd %s\n", AETHER_VERSION);
			exit(0);
		case 'c': case 'K':
			break;	/* config_load() took them */
		default:
			die(2, "%s", err);
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
	/* the impairment links copy frames without their offload header */
	if (o->impair && o->offload == 1)
		die(2, "--offload on cannot be combined with --impair");
	if (o->offload < 0)
		o->offload = !o->impair;
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
	if (o->host_addr && opt_parse_cidr(o->host_addr, &o->host_ip,
					   &o->host_plen, err, sizeof(err)))
		die(2, "--host-addr: %s", err);
	if (o->host_addr && o->host_ip == o->addr)
		die(2, "bad --host-addr '%s': that is our own address (--addr)",
		    o->host_addr);
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
 * group_gid() - a group's gid, from /etc/group
 * @name:	group name
 * @gid:	result
 *
 * The file itself rather than getgrnam(): NSS modules dlopen()ed for one
 * lookup stay mapped for the daemon's life (valgrind counts them), and the
 * socket's group is a local system group ("groupadd --system aether").
 *
 * Return: true if found
 */
static bool group_gid(const char *name, gid_t *gid)
{
	FILE *f = fopen("/etc/group", "re");
	struct group grs, *gr;
	bool found = false;
	char buf[4096];

	if (!f)
		return false;
	/* _r: fgetgrent()'s own buffer would stay allocated for good */
	while (!found && !fgetgrent_r(f, &grs, buf, sizeof(buf), &gr)) {
		if (!strcmp(gr->gr_name, name)) {
			*gid = gr->gr_gid;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/**
 * member_or_own() - @gid if we may give the socket to it, else our own group
 * @o:		options
 * @gid:	the --socket-group's gid
 *
 * Only root, or a member of @gid, may chown a file to @gid. A user who runs
 * aetherd for themselves outside the group keeps the socket in their own
 * group (said once); a group asked for explicitly must be usable.
 *
 * Return: the gid to use
 */
static long member_or_own(const struct opts *o, gid_t gid)
{
	gid_t groups[256];
	int n, i;

	if (geteuid() == 0 || gid == getegid())
		return (long)gid;
	n = getgroups(sizeof(groups) / sizeof(groups[0]), groups);
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return (long)gid;
	if (o->group_given)
		die(2, "bad --socket-group '%s': you are not a member (join it with 'sudo usermod -aG %s $USER' and log in again)",
		    o->socket_group, o->socket_group);
	return (long)getegid();
}

/**
 * socket_group() - the gid the control socket gets, from --socket-group
 * @o:		options
 *
 * The default group "aether" may not exist (no package made it): then the
 * socket is open to every local user, as before groups existed, and the
 * start says so with the command that closes it. A group named with
 * --socket-group must exist.
 *
 * Return: the gid, or -1 for "no group: mode 0666"
 */
static long socket_group(const struct opts *o)
{
	unsigned long v;
	gid_t gid;

	if (group_gid(o->socket_group, &gid))
		return member_or_own(o, gid);
	if (!opt_parse_ulong(o->socket_group, 0, (gid_t)-2, &v))
		return member_or_own(o, (gid_t)v);
	if (o->group_given)
		die(2, "bad --socket-group '%s': no such group (create it with 'groupadd --system %s')",
		    o->socket_group, o->socket_group);
	return -1;
}

/**
 * say_socket_access() - after the start line: who may connect, when that is
 * not the group asked for
 * @dm:		daemon, serving
 */
static void say_socket_access(const struct daemon *dm)
{
	const struct opts *o = &dm->o;
	gid_t gid;

	if (dm->d.socket_gid < 0) {
		fprintf(stderr, "aetherd: group %s does not exist, so every local user may connect to %s; create it with 'groupadd --system %s' and add the users who may\n",
			o->socket_group, o->socket, o->socket_group);
		return;
	}
	if (group_gid(o->socket_group, &gid) && (long)gid != dm->d.socket_gid)
		fprintf(stderr, "aetherd: not a member of group %s, so %s is for your own group only\n",
			o->socket_group, o->socket);
}

/**
 * serve_hint() - the command that fixes a "cannot serve" error
 * @path:	socket path
 * @e:		errno
 * @buf:	result
 * @len:	its size
 *
 * Return: @buf
 */
static const char *serve_hint(const char *path, int e, char *buf, size_t len)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	if (e == ENOENT || (e == EACCES && stat(dir, &st)))
		snprintf(buf, len, "create %s once with 'sudo install -d -o $USER -m 0755 %s', or choose another --socket (or AETHER_SOCKET)",
			 dir, dir);
	else if (e == EACCES || e == EPERM || e == EROFS)
		snprintf(buf, len, "%s is not writable by you: 'sudo chown $USER %s', or choose another --socket (or AETHER_SOCKET)",
			 dir, dir);
	else
		snprintf(buf, len, "choose another --socket (or AETHER_SOCKET)");
	return buf;
}

/**
 * make_socket_dir() - create the control socket's directory if missing
 * @path:	socket path
 *
 * Only the last component is created (0755: the socket's own mode and
 * group decide who connects); $XDG_RUNTIME_DIR or /run must exist. Exits
 * with the reason and the fixing command when it cannot, or when we may
 * not create the socket in it.
 */
static void make_socket_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)], hint[512];
	int e;

	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		e = errno;
		die(1, "cannot serve on %s: cannot create %s: %s; %s", path,
		    dir, strerror(e), serve_hint(path, e, hint, sizeof(hint)));
	}
	/* said now, before the TAP is touched, rather than at bind() */
	if (access(dir, W_OK | X_OK)) {
		e = errno;
		die(1, "cannot serve on %s: %s; %s", path, strerror(e),
		    serve_hint(path, e, hint, sizeof(hint)));
	}
}

/**
 * setup_impair() - with --impair, a link per impaired direction and a timer
 * @dm:		daemon, host set up
 *
 * "in" (TAP to stack) uses the SPEC's seed, "out" seed+1. A clean SPEC
 * creates nothing.
 */
static void setup_impair(struct daemon *dm)
{
	char err[256];

	if (!dm->o.impair)
		return;
	if (ae_host_impair(&dm->host, &dm->o.impair_spec, dm->o.impair_dir,
			   err, sizeof(err)))
		die(1, "%s", err);
	if (dm->o.verbose && !impair_spec_is_clean(&dm->o.impair_spec))
		fprintf(stderr, "aetherd: impairing %s: %s\n",
			dm->o.impair_dir == IMPAIR_DIR_BOTH ? "both directions" :
			dm->o.impair_dir == IMPAIR_DIR_IN ? "in (TAP to stack)" :
			"out (stack to TAP)", dm->o.impair);
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
	dm->dumps++;
	fprintf(f, "aetherd: stats begin %u\n", dm->dumps);
	session_stats_foreach(&dm->d, ae_host_print_stat, f);
	fprintf(f, "aetherd: stats end %u\n", dm->dumps);
	fflush(f);
}

/**
 * dev_stats() - the &struct aetherd dev_stats hook: host.c's counters, and
 * the host side's drops (tap.host_tx_dropped) when they can be read
 * @dev_ctx:	the daemon
 * @fn:		visitor
 * @ctx:	its argument
 */
static void dev_stats(void *dev_ctx, ae_stat_fn fn, void *ctx)
{
	struct daemon *dm = dev_ctx;
	uint64_t v;

	ae_host_dev_stats_foreach(&dm->host, fn, ctx);
	if (dm->netdev_fd >= 0 &&
	    !tapctl_tx_dropped(dm->netdev_fd, dm->o.tap, &v))
		fn(ctx, "tap", "host_tx_dropped", v);
}

/**
 * size_tap_queue() - make the host's end of the TAP queue a burst
 * @dm:		daemon, TAP open
 *
 * Raised to AETHERD_TXQUEUELEN frames when we may (CAP_NET_ADMIN); said
 * on stderr either way, since a short queue drops frames in a burst of new
 * connections before aetherd sees them. The drop counter is opened here,
 * before the sandbox.
 */
static void size_tap_queue(struct daemon *dm)
{
	char err[256];
	int old = 0;

	dm->netdev_fd = tapctl_stats_open();
	if (tapctl_txqueuelen(dm->o.tap, AETHERD_TXQUEUELEN, &old, err,
			      sizeof(err)))
		fprintf(stderr, "aetherd: %s: the host side queues %d frames (ip link set %s txqueuelen %d raises it)\n",
			err, old, dm->o.tap, AETHERD_TXQUEUELEN);
	else if (old < AETHERD_TXQUEUELEN && dm->o.verbose)
		fprintf(stderr, "aetherd: %s txqueuelen %d -> %d\n",
			dm->o.tap, old, AETHERD_TXQUEUELEN);
}

/**
 * dump_on_signal() - host_dump_fn: SIGUSR1 prints every counter to stderr
 * @ctx:	the daemon
 */
static void dump_on_signal(void *ctx)
{
	dump_stats(ctx, stderr);
}

/**
 * host_opts_of() - the host side's options from the command line
 * @dm:		daemon
 * @ho:		filled
 */
static void host_opts_of(struct daemon *dm, struct host_opts *ho)
{
	*ho = (struct host_opts){
		.prog = "aetherd",
		.tap = { .name = dm->o.tap, .persist = dm->o.persist,
			 .owner = dm->o.owner, .offload = dm->o.offload == 1 },
		.pcap = dm->o.pcap,
		.log_stop = dm->o.verbose,
		.dump = dump_on_signal,
		.ctx = dm,
	};
}

/**
 * open_tap() - attach to the TAP; exits with a one-line reason on failure
 * @dm:		daemon
 */
static void open_tap(struct daemon *dm)
{
	const struct tap_info *info = &dm->host.tap_info;
	struct host_opts ho;
	char err[256];

	host_opts_of(dm, &ho);

	if (ae_host_open_tap(&dm->host, &ho, err, sizeof(err)))
		die(1, "%s", err);
	if (info->vnet_hdr && !ae_host_offload(&dm->host))
		fprintf(stderr, "aetherd: the kernel refused every TAP offload (TUNSETOFFLOAD); frames go whole\n");
	if (!dm->o.mtu && info->mtu >= MIN_MTU)
		dm->o.mtu = info->mtu < MAX_MTU ? (unsigned long)info->mtu : MAX_MTU;
	if (dm->o.host_addr &&
	    tapctl_host_addr(dm->o.tap, dm->o.host_ip, dm->o.host_plen, err,
			     sizeof(err)))
		die(1, "--host-addr: %s", err);
	if (info->created && !dm->o.persist && dm->o.host_addr)
		fprintf(stderr, "aetherd: created tap %s with host address %s, up (it goes away when aetherd stops)\n",
			dm->o.tap, dm->o.host_addr);
	else if (info->created && !dm->o.persist)
		fprintf(stderr, "aetherd: created tap %s (it goes away when aetherd stops); bring it up and give it an address on the host side, or use --host-addr\n",
			dm->o.tap);
}

/**
 * take_tap() - --takeover: ask the running daemon for everything, and
 * attach to the TAP it hands over; exits with a one-line reason on failure
 * (the running daemon then goes on serving)
 * @dm:		daemon
 */
static void take_tap(struct daemon *dm)
{
	struct host_opts ho;
	char err[512];

	host_opts_of(dm, &ho);
	ho.pcap_append = true;	/* the old daemon's capture goes on */

	if (takeover_connect(dm->o.socket, &dm->tin, err, sizeof(err)))
		die(1, "%s", err);
	ae_host_adopt_tap(&dm->host, &ho, dm->tin.tap_fd, &dm->tin.tap);
	if (!dm->o.mtu && dm->tin.tap.mtu >= MIN_MTU)
		dm->o.mtu = dm->tin.tap.mtu < MAX_MTU ?
			    (unsigned long)dm->tin.tap.mtu : MAX_MTU;
}

/**
 * take_over() - --takeover: rebuild the clients and the stack from what
 * the running daemon handed over, then tell it to go; exits with a
 * one-line reason on failure (the running daemon then goes on serving)
 * @dm:		daemon, its stack created
 */
static void take_over(struct daemon *dm)
{
	char err[512];

	if (takeover_restore(&dm->d, &dm->host, &dm->tin, err, sizeof(err))) {
		takeover_refuse(&dm->tin, err);
		die(1, "%s; refused, the running aetherd goes on serving", err);
	}
	if (takeover_commit(&dm->d, &dm->tin, err, sizeof(err)))
		die(1, "%s", err);
	ae_host_rearm(&dm->host);
}

/**
 * setup_host() - receive buffers, capture, loop, timer, signals
 * @dm:		daemon, TAP open
 */
static void setup_host(struct daemon *dm)
{
	char err[256];

	if (ae_host_setup(&dm->host, err, sizeof(err)))
		die(1, "%s", err);
	ae_loop_set_busy_poll(dm->host.loop, (unsigned int)dm->o.busy_poll);
	dm->d.loop = dm->host.loop;
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
	cfg.output = ae_host_output;
	cfg.output_ctx = &dm->host;
	cfg.clock = ae_host_now_ns;
	cfg.clock_ctx = &dm->host;
	cfg.log = ae_host_log_sink;
	cfg.log_ctx = &dm->host;
	/* -v: everything the stack says, TCP state transitions included */
	cfg.log_level = dm->o.verbose ? LOG_DEBUG : LOG_WARNING;
	/* TCP rings (and only they) in memfds the clients map */
	if (dm->o.congestion)
		snprintf(cfg.congestion, sizeof(cfg.congestion), "%s",
			 dm->o.congestion);
	cfg.offload = ae_host_offload(&dm->host);
	cfg.output_offload = ae_host_output_offload;
	cfg.ring_alloc = session_ring_alloc;
	cfg.ring_free = session_ring_free;
	cfg.ring_ctx = &dm->d;
	dm->d.stack = ae_stack_create(&cfg);
	if (!dm->d.stack)
		die(1, "cannot create the stack (out of memory?)");
	dm->host.stack = dm->d.stack;
}

/**
 * early_publish() - the host's rx_done hook: publish what a frame read
 * alone delivered (its program's wake-up) before the TAP is read again
 * @ctx:	the session server
 */
static void early_publish(void *ctx)
{
	sess_publish_dirty(ctx);
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
	fprintf(stderr, "aetherd: %s/%u (%02x:%02x:%02x:%02x:%02x:%02x) on tap %s, mtu %lu, offload %s, socket %s, pid %d%s%s\n",
		a, dm->o.prefix_len, m[0], m[1], m[2], m[3], m[4], m[5],
		dm->o.tap, dm->o.mtu ? dm->o.mtu : 1500,
		ae_host_offload_name(&dm->host), dm->o.socket, (int)getpid(),
		dm->o.impair ? ", impair " : "", dm->o.impair ? dm->o.impair : "");
}

#define AETHERD_DRAIN_MS	2000

/**
 * ms_now() - CLOCK_MONOTONIC in milliseconds
 *
 * Return: milliseconds
 */
static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/**
 * close_conns() - on SIGTERM/SIGINT, close every connection as the kernel
 * would when its programs exit, then stop
 * @dm:		daemon, its loop stopped, session_fini() done (which closed
 *		every client socket as close() does: FIN after the data the
 *		program wrote, or RST where received data was left unread or
 *		SO_LINGER is 0)
 *
 * The loop runs on for at most AETHERD_DRAIN_MS while connections are not
 * closed yet, so the FINs are retransmitted and acknowledged and the peers'
 * FINs answered, as by the kernel (a second signal ends that wait). What
 * is still open then is reset: a
 * daemon that exits cannot keep FIN_WAIT or LAST_ACK state, and an RST tells
 * the peer at once instead of leaving it to time out.
 */
static void close_conns(struct daemon *dm)
{
	int64_t end = ms_now() + AETHERD_DRAIN_MS;
	unsigned int n;

	ae_loop_resume(dm->host.loop);
	while (ae_stack_open_conns(dm->d.stack) && ms_now() < end &&
	       !ae_loop_stopped(dm->host.loop))
		if (ae_loop_run_once(dm->host.loop, (int)(end - ms_now())) < 0)
			break;
	n = ae_stack_reset_all(dm->d.stack);
	if (n)
		fprintf(stderr, "aetherd: %u connection%s not closed after %d ms: reset\n",
			n, n == 1 ? "" : "s", AETHERD_DRAIN_MS);
}

/**
 * confine() - from here on, no capability and (unless --no-seccomp) only
 * the system calls of sandbox.c's table
 * @dm:		daemon, TAP configured, socket bound, capture open
 */
static void confine(const struct daemon *dm)
{
	char err[256];

	if (sandbox_drop_caps(err, sizeof(err)))
		die(1, "%s", err);
	if (!dm->o.no_seccomp && sandbox_seccomp(err, sizeof(err)))
		die(1, "%s", err);
	if (dm->o.verbose)
		fprintf(stderr, "aetherd: capabilities dropped%s\n",
			dm->o.no_seccomp ? ", no seccomp filter (--no-seccomp)" :
			", seccomp filter on");
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
	static struct daemon dm = { .netdev_fd = -1 };
	struct config_args ca;
	char err[512];
	int rc, i;

	setvbuf(stderr, NULL, _IOLBF, 0);
	rc = config_load(argc, argv, lopts, &ca, err, sizeof(err));
	if (rc)
		die(2, "%s", err);
	parse_opts(ca.argc, ca.argv, &dm.o);
	if (ca.check) {
		socket_group(&dm.o);
		printf("aetherd: configuration OK (%s)\n",
		       ca.path ? ca.path : "no configuration file");
		config_free(&ca);
		return 0;
	}
	dm.d.socket_path = dm.o.socket;
	dm.d.verbose = dm.o.verbose;
	dm.d.dev_stats = dev_stats;
	dm.d.dev_ctx = &dm;
	for (i = 0; i < dm.o.nallow; i++)
		dm.d.allow_low_ports[i] = dm.o.allow[i];
	dm.d.allow_low_ports[dm.o.nallow] = -1;
	dm.d.socket_gid = socket_group(&dm.o);
	make_socket_dir(dm.o.socket);
	dm.d.max_sockets = (uint32_t)dm.o.max_sockets;
	dm.d.max_mem = dm.o.max_mem;
	dm.d.to_lfd = -1;
	dm.d.notify_fd = -1;
	if (dm.o.takeover) {
		take_tap(&dm);
	} else {
		check_socket(dm.o.socket, dm.o.verbose);
		open_tap(&dm);
	}
	size_tap_queue(&dm);	/* a successor reads the host-side drops too */
	setup_host(&dm);
	setup_impair(&dm);
	create_stack(&dm);
	if (dm.o.takeover)
		take_over(&dm);
	rc = dm.o.takeover ? 0 : session_init(&dm.d);
	if (rc) {
		char hint[512];

		die(1, "cannot serve on %s: %s; %s", dm.o.socket, strerror(-rc),
		    serve_hint(dm.o.socket, -rc, hint, sizeof(hint)));
	}
	rc = takeover_listen(&dm.d, &dm.host);
	if (rc)
		fprintf(stderr, "aetherd: no takeover socket (%s): live upgrades of this daemon are not possible\n",
			strerror(-rc));
	dm.host.rx_done = early_publish;
	dm.host.rx_done_ctx = dm.d.srv;
	if (dm.o.busy_poll) {	/* shared-memory doorbells (session_spin.c) */
		dm.d.srv->busy_poll = true;
		ae_loop_set_spin_hook(dm.host.loop, sess_spin_hook, dm.d.srv);
	}
	announce(&dm);
	dm.d.notify_fd = sdn_open();	/* before the sandbox: write() only later */
	sdn_send(dm.d.notify_fd, "READY=1");
	if (!dm.o.takeover)
		say_socket_access(&dm);
	confine(&dm);
	if (!dm.o.takeover)
		ae_stack_announce(dm.d.stack);

	rc = ae_host_run(&dm.host);

	takeover_close(&dm.d);
	session_fini(&dm.d);
	if (rc == 0)
		close_conns(&dm);
	if (dm.o.stats_on_exit)
		dump_stats(&dm, stderr);
	i = ae_host_close_pcap(&dm.host);
	if (i)
		fprintf(stderr, "aetherd: writing %s: %s\n", dm.o.pcap, strerror(-i));
	ae_stack_destroy(dm.d.stack);
	/* the region table the stack's ring frees needed, the server state */
	session_destroy(&dm.d);
	ae_host_close(&dm.host);
	config_free(&ca);
	return rc;
}
