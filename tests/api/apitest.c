// SPDX-License-Identifier: MIT
/**
 * DOC: apitest.c - the differential socket API suite
 *
 * Two roles in one binary:
 *
 *   apitest peer               the kernel-side peer (192.168.1.1): TCP
 *                              servers with fixed behaviours on fixed ports,
 *                              a UDP echo, and a control port that connects
 *                              back to the subject on request
 *   apitest run [CASE...]      the subject (192.168.1.2): every case (or the
 *                              named ones) in a child process of its own,
 *                              printing "case: observation" lines
 *
 * The subject runs twice: on the kernel stack (two namespaces and a veth
 * pair) and under LD_PRELOAD=libaether.so on Aether. Both runs see the same
 * addresses, so their outputs must be identical line for line; the test
 * script compares them case by case. Observations are return values, errno
 * names, bytes, readiness masks and signal counts, never timings or
 * ephemeral ports (only "port>0").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PEER_IP		"192.168.1.1"
#define SUBJ_IP		"192.168.1.2"

enum peer_port {
	P_CONTROL = 7000,	/* "CONNECT port mode\n": connect back to the subject */
	P_ECHO = 7001,		/* echo until EOF (also UDP echo) */
	P_FIN = 7002,		/* close at once: FIN */
	P_RST = 7003,		/* SO_LINGER 0 close at once: RST */
	P_HELLO = 7004,		/* "hello", SHUT_WR, read until EOF */
	P_SINK = 7005,		/* read and discard until EOF */
	P_BIG = 7008,		/* 100000 bytes pattern, close */
	P_CLOSED = 7009,	/* nothing listens: refused */
	P_BYE = 7010,		/* read until EOF, then "bye", close */
	P_HOLD = 7012,		/* "hello", then hold open until EOF */
	P_SLOW = 7013,		/* "late" after 600 ms, then hold until EOF */
	P_NOREAD = 7014,	/* never reads; closes after 4 s */
};

#define BIG_LEN		100000
#define RST_WAIT_MS	600	/* the peer's RST has arrived by then */

static const int peer_ports[] = {
	P_CONTROL, P_ECHO, P_FIN, P_RST, P_HELLO, P_SINK, P_BIG, P_BYE, P_HOLD,
	P_SLOW, P_NOREAD,
};

static const char *cur_case;

/**
 * out() - print one observation of the current case
 * @fmt:	printf format
 */
static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", cur_case);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/**
 * ename() - errno as its name
 * @e:	errno
 *
 * Return: a static name ("E123" for unlisted values)
 */
static const char *ename(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "0";
	case EAGAIN: return "EAGAIN";
	case EINPROGRESS: return "EINPROGRESS";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case EPIPE: return "EPIPE";
	case ENOTCONN: return "ENOTCONN";
	case EISCONN: return "EISCONN";
	case EALREADY: return "EALREADY";
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EINTR: return "EINTR";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EFAULT: return "EFAULT";
	case ENETUNREACH: return "ENETUNREACH";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case EMSGSIZE: return "EMSGSIZE";
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EPROTO: return "EPROTO";
	case ECONNABORTED: return "ECONNABORTED";
	}
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* R(expr): evaluate, print "text = ret" or "text = -1 ERRNO" */
#define R(expr) rep(#expr, (long)(expr))

/**
 * rep() - report a call's result
 * @what:	the call's text
 * @r:		its result
 *
 * Return: @r
 */
static long rep(const char *what, long r)
{
	if (r < 0)
		out("%s = %ld %s", what, r, ename(errno));
	else
		out("%s = %ld", what, r);
	return r;
}

/**
 * sin_of() - an IPv4 socket address
 * @ip:		dotted quad
 * @port:	port
 *
 * Return: the address
 */
static struct sockaddr_in sin_of(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

/**
 * tcp_to() - a blocking TCP connection to the peer
 * @port:	peer port
 *
 * Return: fd, or -1 (reported)
 */
static int tcp_to(int port)
{
	struct sockaddr_in a = sin_of(PEER_IP, port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (void *)&a, sizeof(a)) < 0) {
		out("connect to %d failed: %s", port, ename(errno));
		return -1;
	}
	return fd;
}

/**
 * rst_go() - tell the RST port's peer to reset the connection now
 * @fd:		connection to P_RST (or -1, then nothing)
 */
static void rst_go(int fd)
{
	if (fd >= 0 && write(fd, "g", 1) != 1)
		out("write to %d failed: %s", P_RST, ename(errno));
}

/**
 * tcp_rst() - a connection to the RST port, reset by the peer once it has
 * read the byte sent here, so after this side's connect() returned: the
 * peer used to wait 50 ms for that, and at load 15 the RST came first
 * (Aether's connect() then said ECONNRESET, as Linux's does in that race)
 *
 * Return: fd, or -1 (said so)
 */
static int tcp_rst(void)
{
	int fd = tcp_to(P_RST);

	rst_go(fd);
	return fd;
}

/**
 * msleep() - sleep milliseconds
 * @ms:	milliseconds
 */
static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/**
 * now_ms() - monotonic milliseconds
 *
 * Return: ms
 */
static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/**
 * read_all() - read until EOF, error or @cap bytes
 * @fd:		socket
 * @buf:	buffer
 * @cap:	its size
 *
 * Return: bytes read (an error ends the read)
 */
static size_t read_all(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap && (r = read(fd, buf + n, cap - n)) > 0)
		n += r;
	return n;
}

/**
 * ask_peer() - ask the peer to connect to us on @port in @mode
 * @port:	our listening port
 * @mode:	"hi" (send "hi", close) or "hold" (hold until EOF)
 */
static void ask_peer(int port, const char *mode)
{
	char line[64];
	int c = tcp_to(P_CONTROL);
	int n;

	if (c < 0)
		return;
	n = snprintf(line, sizeof(line), "CONNECT %d %s\n", port, mode);
	if (write(c, line, n) != n)
		out("control write failed");
	close(c);
}

/**
 * listener() - a listening TCP socket on SUBJ port @port (any address)
 * @family:	AF_INET or AF_INET6
 * @port:	port
 *
 * Return: fd or -1 (reported)
 */
static int listener(int family, int port)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(port) };
	struct sockaddr_in a4 = sin_of("0.0.0.0", port);
	int one = 1, fd = socket(family, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || (family == AF_INET6 ?
		       bind(fd, (void *)&a6, sizeof(a6)) :
		       bind(fd, (void *)&a4, sizeof(a4))) < 0 ||
	    listen(fd, 16) < 0) {
		out("listener %d failed: %s", port, ename(errno));
		return -1;
	}
	return fd;
}

/**
 * addr_str() - "addr port" of a socket address
 * @sa:	address
 *
 * Return: static string
 */
static const char *addr_str(const struct sockaddr_storage *sa)
{
	static char buf[80];
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)sa;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "inet %s %d", ip, ntohs(a->sin_port));
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)sa;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "inet6 %s %d", ip,
			 ntohs(a->sin6_port));
	} else {
		snprintf(buf, sizeof(buf), "family %d", sa->ss_family);
	}
	return buf;
}

static volatile sig_atomic_t sigpipes;

/**
 * on_sigpipe() - count SIGPIPE
 * @sig:	signal
 */
static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipes++;
}

/* ---- cases ------------------------------------------------------------- */

/**
 * c_connect_refused() - case "connect_refused" (see its observations)
 */
static void c_connect_refused(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_CLOSED);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	R(connect(fd, (void *)&a, sizeof(a)));
}

/**
 * c_connect_refused_nb() - case "connect_refused_nb" (see its observations)
 */
static void c_connect_refused_nb(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_CLOSED);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT | POLLIN };
	int err = -1;
	socklen_t len = sizeof(err);

	R(connect(fd, (void *)&a, sizeof(a)));
	R(poll(&p, 1, 3000));
	out("revents %#x", p.revents);
	R(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	out("so_error %s", ename(err));
	R(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	out("so_error again %s", ename(err));
}

/**
 * c_connect_nb_ok() - case "connect_nb_ok" (see its observations)
 */
static void c_connect_nb_ok(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = -1;
	socklen_t len = sizeof(err);

	R(connect(fd, (void *)&a, sizeof(a)));
	R(poll(&p, 1, 3000));
	out("revents %#x", p.revents);
	R(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	out("so_error %s", ename(err));
	R(connect(fd, (void *)&a, sizeof(a)));
}

/**
 * c_connect_twice() - case "connect_twice" (see its observations)
 */
static void c_connect_twice(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	int fd = tcp_to(P_ECHO);

	R(connect(fd, (void *)&a, sizeof(a)));
}

/**
 * c_connect_bad_args() - case "connect_bad_args" (see its observations)
 */
static void c_connect_bad_args(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	R(connect(fd, (void *)&a, 8));
	R(connect(fd, (void *)&a6, sizeof(a6)));
}

/**
 * c_read_after_fin() - case "read_after_fin" (see its observations)
 */
static void c_read_after_fin(void)
{
	char b[8];
	int fd = tcp_to(P_FIN);

	R(read(fd, b, sizeof(b)));
	R(read(fd, b, sizeof(b)));
}

/**
 * c_hello_fin() - case "hello_fin" (see its observations)
 */
static void c_hello_fin(void)
{
	char b[64] = "";
	int fd = tcp_to(P_HELLO);
	size_t n = read_all(fd, b, sizeof(b) - 1);

	out("got %zu '%s'", n, b);
	R(read(fd, b, sizeof(b)));
}

/**
 * c_epipe_sigpipe() - case "epipe_sigpipe" (see its observations)
 */
static void c_epipe_sigpipe(void)
{
	int fd = tcp_rst();

	signal(SIGPIPE, on_sigpipe);
	msleep(RST_WAIT_MS);
	R(write(fd, "a", 1));
	R(write(fd, "a", 1));
	out("sigpipes %d", (int)sigpipes);
}

/**
 * c_nosignal() - case "nosignal" (see its observations)
 */
static void c_nosignal(void)
{
	int fd = tcp_rst();

	signal(SIGPIPE, on_sigpipe);
	msleep(RST_WAIT_MS);
	R(send(fd, "a", 1, MSG_NOSIGNAL));
	R(send(fd, "a", 1, MSG_NOSIGNAL));
	out("sigpipes %d", (int)sigpipes);
}

/**
 * c_write_after_peer_close() - case "write_after_peer_close" (see its observations)
 */
static void c_write_after_peer_close(void)
{
	int fd = tcp_to(P_FIN);

	signal(SIGPIPE, on_sigpipe);
	msleep(300);
	R(write(fd, "x", 1));
	msleep(300);
	R(write(fd, "x", 1));
	out("sigpipes %d", (int)sigpipes);
}

/**
 * c_read_after_rst() - case "read_after_rst" (see its observations)
 */
static void c_read_after_rst(void)
{
	char b[8];
	int fd = tcp_rst();
	int err = -1;
	socklen_t len = sizeof(err);

	msleep(RST_WAIT_MS);
	R(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	out("so_error %s", ename(err));
	fd = tcp_rst();
	msleep(RST_WAIT_MS);
	R(read(fd, b, sizeof(b)));
	R(read(fd, b, sizeof(b)));
}

/**
 * c_msg_peek() - case "msg_peek" (see its observations)
 */
static void c_msg_peek(void)
{
	char b[16] = "";
	int fd = tcp_to(P_HOLD);

	msleep(200);
	R(recv(fd, b, 5, MSG_PEEK));
	out("peeked '%.5s'", b);
	memset(b, 0, sizeof(b));
	R(recv(fd, b, 16, 0));
	out("read '%.5s'", b);
}

/**
 * c_waitall() - case "waitall" (see its observations)
 */
static void c_waitall(void)
{
	static char b[BIG_LEN * 2];
	int fd = tcp_to(P_BIG);
	long sum = 0;
	ssize_t n, i;

	n = R(recv(fd, b, BIG_LEN, MSG_WAITALL));
	for (i = 0; i < n; i++)
		sum += (unsigned char)b[i] ^ (unsigned char)(i * 7);
	out("mismatch %ld", sum);
	fd = tcp_to(P_BIG);
	R(recv(fd, b, sizeof(b), MSG_WAITALL));
}

/**
 * c_half_close() - case "half_close" (see its observations)
 */
static void c_half_close(void)
{
	char b[16] = "";
	int fd = tcp_to(P_BYE);

	R(send(fd, "abc", 3, 0));
	R(shutdown(fd, SHUT_WR));
	R(read(fd, b, sizeof(b)));
	out("got '%s'", b);
	R(read(fd, b, sizeof(b)));
	R(send(fd, "x", 1, MSG_NOSIGNAL));
}

/**
 * c_bind_port0() - case "bind_port0" (see its observations)
 */
static void c_bind_port0(void)
{
	struct sockaddr_in a = sin_of("0.0.0.0", 0);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	R(bind(fd, (void *)&a, sizeof(a)));
	R(getsockname(fd, (void *)&ss, &len));
	out("family %d len %u port>0 %d", ss.ss_family, len,
	    ntohs(((struct sockaddr_in *)&ss)->sin_port) > 0);
	R(bind(fd, (void *)&a, sizeof(a)));
}

/**
 * c_bind_errors() - case "bind_errors" (see its observations)
 */
static void c_bind_errors(void)
{
	struct sockaddr_in a = sin_of("10.1.2.3", 0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	R(bind(fd, (void *)&a, sizeof(a)));
	R(bind(fd, (void *)&a, 4));
}

/**
 * c_eaddrinuse() - case "eaddrinuse" (see its observations)
 */
static void c_eaddrinuse(void)
{
	struct sockaddr_in a = sin_of("0.0.0.0", 6001);
	int one = 1;
	int s1 = socket(AF_INET, SOCK_STREAM, 0);
	int s2 = socket(AF_INET, SOCK_STREAM, 0);

	R(bind(s1, (void *)&a, sizeof(a)));
	R(listen(s1, 4));
	R(bind(s2, (void *)&a, sizeof(a)));
	R(setsockopt(s2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	R(bind(s2, (void *)&a, sizeof(a)));
	close(s1);
	R(bind(s2, (void *)&a, sizeof(a)));
}

/**
 * c_reuseaddr_timewait() - case "reuseaddr_timewait" (see its observations)
 */
static void c_reuseaddr_timewait(void)
{
	struct sockaddr_in a = sin_of("0.0.0.0", 6003);
	int one = 1, l, c, s3, s4;

	l = listener(AF_INET, 6003);
	ask_peer(6003, "hold");
	c = accept(l, NULL, NULL);
	out("accepted %d", c >= 0);
	R(close(c));		/* we close first: TIME_WAIT here */
	msleep(300);
	close(l);
	s3 = socket(AF_INET, SOCK_STREAM, 0);
	R(bind(s3, (void *)&a, sizeof(a)));
	s4 = socket(AF_INET, SOCK_STREAM, 0);
	R(setsockopt(s4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	R(bind(s4, (void *)&a, sizeof(a)));
}

/**
 * c_fionread() - case "fionread" (see its observations)
 */
static void c_fionread(void)
{
	int fd = tcp_to(P_HOLD), n = -1;

	msleep(200);
	R(ioctl(fd, FIONREAD, &n));
	out("fionread %d", n);
}

/**
 * c_epoll_lt() - case "epoll_lt" (see its observations)
 */
static void c_epoll_lt(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 42 }, got[4];
	int fd = tcp_to(P_HOLD), ep = epoll_create1(0);
	char b[16];

	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(epoll_wait(ep, got, 4, 2000));
	out("events %#x data %u", got[0].events, got[0].data.u32);
	R(epoll_wait(ep, got, 4, 0));
	R(read(fd, b, sizeof(b)));
	R(epoll_wait(ep, got, 4, 100));
	R(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL));
	R(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL));
	R(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev));
}

/**
 * c_epoll_et() - case "epoll_et" (see its observations)
 */
static void c_epoll_et(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, got[4];
	int fd = tcp_to(P_ECHO), ep = epoll_create1(0);
	char b[16];

	fcntl(fd, F_SETFL, O_NONBLOCK);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(epoll_wait(ep, got, 4, 100));
	R(write(fd, "one", 3));
	R(epoll_wait(ep, got, 4, 2000));
	out("events %#x", got[0].events);
	R(epoll_wait(ep, got, 4, 100));
	R(read(fd, b, sizeof(b)));
	R(read(fd, b, sizeof(b)));
	R(write(fd, "two", 3));
	R(epoll_wait(ep, got, 4, 2000));
	R(read(fd, b, sizeof(b)));
}

/**
 * c_epoll_oneshot() - case "epoll_oneshot" (see its observations)
 */
static void c_epoll_oneshot(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT }, got[4];
	int fd = tcp_to(P_HOLD), ep = epoll_create1(0);

	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(epoll_wait(ep, got, 4, 2000));
	R(epoll_wait(ep, got, 4, 100));
	R(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev));
	R(epoll_wait(ep, got, 4, 2000));
	R(epoll_wait(ep, got, 4, 100));
}

/**
 * c_epoll_mixed() - case "epoll_mixed" (see its observations)
 */
static void c_epoll_mixed(void)
{
	struct epoll_event ev, got[8];
	int fd = tcp_to(P_HOLD), ep = epoll_create1(0), pp[2], i, n;
	unsigned int seen = 0;

	if (pipe(pp))
		return;
	ev.events = EPOLLIN;
	ev.data.u64 = 0xdeadbeefcafeULL;
	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	ev.data.u64 = 7;
	R(epoll_ctl(ep, EPOLL_CTL_ADD, pp[0], &ev));
	R(write(pp[1], "p", 1));
	msleep(200);
	n = R(epoll_wait(ep, got, 8, 2000));
	for (i = 0; i < n; i++) {
		if (got[i].data.u64 == 0xdeadbeefcafeULL)
			seen |= 1;
		else if (got[i].data.u64 == 7)
			seen |= 2;
		else
			seen |= 4;
	}
	out("seen %#x", seen);
}

/**
 * c_epoll_out_rdhup() - case "epoll_out_rdhup" (see its observations)
 */
static void c_epoll_out_rdhup(void)
{
	struct epoll_event ev = { .events = EPOLLOUT }, got[4];
	int fd = tcp_to(P_ECHO), ep = epoll_create1(0), h, ep2;

	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(epoll_wait(ep, got, 4, 2000));
	out("events %#x", got[0].events);
	h = tcp_to(P_HELLO);
	ep2 = epoll_create1(0);
	ev.events = EPOLLIN | EPOLLRDHUP;
	R(epoll_ctl(ep2, EPOLL_CTL_ADD, h, &ev));
	msleep(300);
	R(epoll_wait(ep2, got, 4, 2000));
	out("events %#x", got[0].events);
}

/**
 * c_poll_fin_hup() - case "poll_fin_hup" (see its observations)
 */
static void c_poll_fin_hup(void)
{
	int fd = tcp_to(P_FIN);
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	msleep(300);
	R(poll(&p, 1, 2000));
	out("revents %#x", p.revents);
	R(shutdown(fd, SHUT_WR));
	msleep(300);
	R(poll(&p, 1, 2000));
	out("revents %#x", p.revents);
}

/**
 * c_poll_mixed() - case "poll_mixed" (see its observations)
 */
static void c_poll_mixed(void)
{
	int fd = tcp_to(P_HOLD), pp[2];
	struct pollfd p[3];

	if (pipe(pp))
		return;
	p[0] = (struct pollfd){ .fd = pp[0], .events = POLLIN };
	p[1] = (struct pollfd){ .fd = fd, .events = POLLIN };
	p[2] = (struct pollfd){ .fd = -1, .events = POLLIN };
	msleep(200);
	R(poll(p, 3, 2000));
	out("revents %#x %#x %#x", p[0].revents, p[1].revents, p[2].revents);
	R(write(pp[1], "x", 1));
	R(poll(p, 3, 2000));
	out("revents %#x %#x %#x", p[0].revents, p[1].revents, p[2].revents);
}

/**
 * c_poll_timeout() - case "poll_timeout" (see its observations)
 */
static void c_poll_timeout(void)
{
	int fd = tcp_to(P_SINK);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long t0 = now_ms(), dt;

	R(poll(&p, 1, 200));
	dt = now_ms() - t0;
	out("waited %s", dt >= 180 && dt < 1500 ? "ok" : "wrong");
}

/**
 * c_select_many() - case "select_many" (see its observations)
 */
static void c_select_many(void)
{
	int fds[10], i, maxfd = 0;
	struct timeval tv = { 2, 0 };
	fd_set r;

	FD_ZERO(&r);
	for (i = 0; i < 10; i++) {
		fds[i] = tcp_to(P_HOLD);
		if (fds[i] < 0)
			return;
		FD_SET(fds[i], &r);
		if (fds[i] > maxfd)
			maxfd = fds[i];
	}
	msleep(300);
	R(select(maxfd + 1, &r, NULL, NULL, &tv));
	for (i = 0; i < 10; i++)
		if (!FD_ISSET(fds[i], &r))
			out("fd %d not set", i);
}

/**
 * c_select_timeout() - case "select_timeout" (see its observations)
 */
static void c_select_timeout(void)
{
	int fd = tcp_to(P_SINK);
	struct timeval tv = { 0, 200000 };
	fd_set r, w;

	FD_ZERO(&r);
	FD_SET(fd, &r);
	R(select(fd + 1, &r, NULL, NULL, &tv));
	out("tv %ld.%06ld isset %d", (long)tv.tv_sec, (long)tv.tv_usec,
	    FD_ISSET(fd, &r));
	FD_ZERO(&w);
	FD_SET(fd, &w);
	tv = (struct timeval){ 1, 0 };
	R(select(fd + 1, NULL, &w, NULL, &tv));
	out("writable %d", FD_ISSET(fd, &w));
}

/**
 * c_dup2_stdout() - case "dup2_stdout" (see its observations)
 */
static void c_dup2_stdout(void)
{
	int fd = tcp_to(P_ECHO), save = dup(1);
	char b[16] = "";

	fflush(stdout);
	dup2(fd, 1);
	if (write(1, "xyz", 3) != 3)
		b[0] = '!';
	dup2(save, 1);
	close(save);
	R(read(fd, b, sizeof(b)));
	out("echo '%s'", b);
}

/**
 * c_dup_close_original() - case "dup_close_original" (see its observations)
 */
static void c_dup_close_original(void)
{
	int fd = tcp_to(P_ECHO), d;
	char b[16] = "";

	d = dup(fd);
	R(close(fd));
	R(write(d, "abc", 3));
	R(read(d, b, sizeof(b)));
	out("echo '%s'", b);
	R(write(fd, "abc", 3));
	d = fcntl(d, F_DUPFD_CLOEXEC, 50);
	out("dupfd>=50 %d cloexec %d", d >= 50, fcntl(d, F_GETFD) & FD_CLOEXEC);
	R(write(d, "q", 1));
	R(read(d, b, sizeof(b)));
}

/**
 * c_fork_parent_close() - case "fork_parent_close" (see its observations)
 */
static void c_fork_parent_close(void)
{
	int fd = tcp_to(P_ECHO), st;
	char b[16] = "";
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		msleep(200);
		if (write(fd, "ping", 4) != 4)
			_exit(2);
		if (read(fd, b, sizeof(b)) != 4)
			_exit(3);
		_exit(strcmp(b, "ping") ? 4 : 0);
	}
	R(close(fd));
	waitpid(pid, &st, 0);
	out("child exit %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/**
 * c_so_rcvtimeo() - case "so_rcvtimeo" (see its observations)
 */
static void c_so_rcvtimeo(void)
{
	struct timeval tv = { 0, 200000 }, g;
	socklen_t len = sizeof(g);
	int fd = tcp_to(P_SINK);
	long t0, dt;
	char b[8];

	R(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	R(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &g, &len));
	out("timeo %ld.%06ld len %u", (long)g.tv_sec, (long)g.tv_usec, len);
	t0 = now_ms();
	R(read(fd, b, sizeof(b)));
	dt = now_ms() - t0;
	out("waited %s", dt >= 180 && dt < 1500 ? "ok" : "wrong");
	tv.tv_usec = 2000000;
	R(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	R(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, 4));
}

/**
 * c_nonblock() - case "nonblock" (see its observations)
 */
static void c_nonblock(void)
{
	int fd = tcp_to(P_SINK), on = 1;
	char b[8];

	out("nonblock %d", !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	R(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK));
	out("nonblock %d", !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	R(read(fd, b, sizeof(b)));
	R(recv(fd, b, sizeof(b), 0));
	fd = tcp_to(P_SINK);
	R(ioctl(fd, FIONBIO, &on));
	out("nonblock %d", !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	R(read(fd, b, sizeof(b)));
	fd = tcp_to(P_SINK);
	R(recv(fd, b, sizeof(b), MSG_DONTWAIT));
}

/**
 * c_names() - case "names" (see its observations)
 */
static void c_names(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = tcp_to(P_ECHO), u = socket(AF_INET, SOCK_STREAM, 0);

	R(getpeername(fd, (void *)&ss, &len));
	out("peer %s len %u", addr_str(&ss), len);
	len = sizeof(ss);
	R(getsockname(fd, (void *)&ss, &len));
	out("local %s", inet_ntoa(((struct sockaddr_in *)&ss)->sin_addr));
	len = sizeof(ss);
	R(getpeername(u, (void *)&ss, &len));
	len = 4;
	R(getpeername(fd, (void *)&ss, &len));
	out("short len %u", len);
}

/**
 * c_v6_connect_mapped() - case "v6_connect_mapped" (see its observations)
 */
static void c_v6_connect_mapped(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(P_HOLD) };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(AF_INET6, SOCK_STREAM, 0), v = -1;
	char b[16] = "";

	inet_pton(AF_INET6, "::ffff:" PEER_IP, &a.sin6_addr);
	R(connect(fd, (void *)&a, sizeof(a)));
	R(getpeername(fd, (void *)&ss, &len));
	out("peer %s len %u", addr_str(&ss), len);
	R(read(fd, b, sizeof(b)));
	out("got '%s'", b);
	len = sizeof(v);
	R(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len));
	out("v6only %d", v);
	len = sizeof(v);
	R(getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len));
	out("domain %d", v);
}

/**
 * c_v6_server_dual() - case "v6_server_dual" (see its observations)
 */
static void c_v6_server_dual(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int l = listener(AF_INET6, 6010), c;
	char b[16] = "";

	R(getsockname(l, (void *)&ss, &len));
	out("listen %s", addr_str(&ss));
	ask_peer(6010, "hi");
	len = sizeof(ss);
	c = R(accept(l, (void *)&ss, &len));
	out("peer family %d ip %s len %u", ss.ss_family,
	    strstr(addr_str(&ss), "::ffff:" PEER_IP) ? "mapped" : addr_str(&ss),
	    len);
	R(read_all(c, b, sizeof(b) - 1));
	out("got '%s'", b);
}

/**
 * c_v4_server() - case "v4_server" (see its observations)
 */
static void c_v4_server(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int l = listener(AF_INET, 6011), c, one = 0;
	char b[16] = "";

	len = sizeof(one);
	R(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &one, &len));
	out("acceptconn %d", one);
	ask_peer(6011, "hi");
	len = sizeof(ss);
	c = R(accept(l, (void *)&ss, &len));
	out("peer ip %s", strstr(addr_str(&ss), PEER_IP) ? "ok" : addr_str(&ss));
	len = sizeof(ss);
	R(getsockname(c, (void *)&ss, &len));
	out("local %s", addr_str(&ss));
	R(read(c, b, sizeof(b)));
	out("got '%s'", b);
	R(read(c, b, sizeof(b)));
	len = sizeof(one);
	R(getsockopt(c, SOL_SOCKET, SO_ACCEPTCONN, &one, &len));
	out("acceptconn %d", one);
}

/**
 * c_accept_nb() - case "accept_nb" (see its observations)
 */
static void c_accept_nb(void)
{
	int l = listener(AF_INET, 6012), c;

	fcntl(l, F_SETFL, O_NONBLOCK);
	R(accept(l, NULL, NULL));
	R(accept4(l, NULL, NULL, 0x1234));
	ask_peer(6012, "hi");
	msleep(300);
	c = R(accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
	out("nonblock %d cloexec %d", !!(fcntl(c, F_GETFL) & O_NONBLOCK),
	    !!(fcntl(c, F_GETFD) & FD_CLOEXEC));
}

/**
 * accept_thread() - one blocking accept on the listener *@arg
 * @arg:	pointer to the listening fd
 *
 * Return: (void *)1 if it accepted
 */
static void *accept_thread(void *arg)
{
	int l = *(int *)arg;

	return (void *)(long)(accept(l, NULL, NULL) >= 0);
}

/**
 * c_accept_threads() - case "accept_threads" (see its observations)
 */
static void c_accept_threads(void)
{
	int l = listener(AF_INET, 6014), i, ok = 0;
	pthread_t t[4];
	void *r;

	for (i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, accept_thread, &l);
	msleep(200);
	for (i = 0; i < 4; i++)
		ask_peer(6014, "hi");
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], &r);
		ok += (int)(long)r;
	}
	out("accepted %d", ok);
}

/**
 * c_sockopts() - case "sockopts" (see its observations)
 */
static void c_sockopts(void)
{
	int fd = tcp_to(P_ECHO), v, one = 1;
	socklen_t len;
	struct linger lg;
	struct tcp_info ti;

#define GET(level, name) (len = sizeof(v), v = -1, \
	R(getsockopt(fd, level, name, &v, &len)), out(#name " %d len %u", v, len))
	GET(SOL_SOCKET, SO_TYPE);
	GET(SOL_SOCKET, SO_DOMAIN);
	GET(SOL_SOCKET, SO_PROTOCOL);
	GET(SOL_SOCKET, SO_ERROR);
	GET(SOL_SOCKET, SO_ACCEPTCONN);
	R(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)));
	GET(IPPROTO_TCP, TCP_NODELAY);
	R(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)));
	GET(SOL_SOCKET, SO_KEEPALIVE);
	R(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
	GET(SOL_SOCKET, SO_REUSEADDR);
	R(setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, 2));
	len = sizeof(lg);
	R(getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len));
	out("linger %d %d", lg.l_onoff, lg.l_linger);
	len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	R(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	out("tcpi_state %d", ti.tcpi_state);
	R(setsockopt(fd, SOL_SOCKET, 9999, &one, sizeof(one)));
#undef GET
}

/**
 * c_socket_flags() - case "socket_flags" (see its observations)
 */
static void c_socket_flags(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	out("nonblock %d cloexec %d", !!(fcntl(fd, F_GETFL) & O_NONBLOCK),
	    !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
	out("rdwr %d", fcntl(fd, F_GETFL) & O_ACCMODE);
	R(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	R(shutdown(fd, 7));
	R(shutdown(fd, SHUT_RD));
}

/**
 * c_unconnected() - case "unconnected" (see its observations)
 */
static void c_unconnected(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char b[4];

	R(send(fd, "x", 1, MSG_NOSIGNAL));
	R(recv(fd, b, sizeof(b), 0));
	R(listen(fd, 1));
	R(connect(fd, (void *)&(struct sockaddr_in){ .sin_family = AF_INET,
		  .sin_port = htons(1), .sin_addr.s_addr = inet_addr(PEER_IP) },
		  sizeof(struct sockaddr_in)));
	fd = tcp_to(P_ECHO);
	R(listen(fd, 1));
}

/**
 * c_iovec() - case "iovec" (see its observations)
 */
static void c_iovec(void)
{
	int fd = tcp_to(P_ECHO);
	char a[4] = "", b[4] = "";
	struct iovec w[3] = { { "ab", 2 }, { "cde", 3 }, { "f", 1 } };
	struct iovec r[2] = { { a, 3 }, { b, 3 } };
	struct msghdr m = { .msg_iov = w, .msg_iovlen = 3 };
	char name[64];

	R(writev(fd, w, 3));
	msleep(200);
	R(readv(fd, r, 2));
	out("got '%s' '%s'", a, b);
	R(sendmsg(fd, &m, 0));
	msleep(200);
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	m = (struct msghdr){ .msg_iov = r, .msg_iovlen = 2, .msg_name = name,
			     .msg_namelen = sizeof(name) };
	R(recvmsg(fd, &m, 0));
	out("got '%s' '%s' namelen %u flags %#x", a, b, m.msg_namelen,
	    m.msg_flags);
}

/**
 * c_sendfile() - case "sendfile" (see its observations)
 */
static void c_sendfile(void)
{
	static char buf[20000], back[20000];
	char path[] = "/tmp/apitest.XXXXXX";
	int f = mkstemp(path), fd = tcp_to(P_ECHO), i;
	off_t off = 100;

	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 13);
	if (f < 0 || write(f, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		return;
	unlink(path);
	R(sendfile(fd, f, &off, 10000));
	out("off %ld", (long)off);
	lseek(f, 0, SEEK_SET);
	R(sendfile(fd, f, NULL, 5000));
	out("pos %ld", (long)lseek(f, 0, SEEK_CUR));
	R(recv(fd, back, 15000, MSG_WAITALL));
	out("match %d %d", !memcmp(back, buf + 100, 10000),
	    !memcmp(back + 10000, buf, 5000));
}

/**
 * c_udp() - case "udp" (see its observations)
 */
static void c_udp(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char b[200] = "";
	struct iovec v = { b, 10 };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1 };

	R(sendto(fd, "ping", 4, 0, (void *)&a, sizeof(a)));
	R(recvfrom(fd, b, sizeof(b), 0, (void *)&from, &len));
	out("got '%s' from %s", b, addr_str(&from));
	R(connect(fd, (void *)&a, sizeof(a)));
	memset(b, 'z', 100);
	R(send(fd, b, 100, 0));
	R(recvmsg(fd, &m, 0));
	out("flags %#x", m.msg_flags);
	R(send(fd, b, 100, 0));
	R(recv(fd, b, 10, MSG_TRUNC));
	R(recv(fd, b, sizeof(b), MSG_DONTWAIT));
}

/**
 * c_close_fd() - case "close_fd" (see its observations)
 */
static void c_close_fd(void)
{
	int fd = tcp_to(P_ECHO), fd2;

	R(close(fd));
	R(write(fd, "x", 1));
	R(close(fd));
	fd2 = socket(AF_INET, SOCK_STREAM, 0);
	out("same number %d", fd2 == fd);
}

/* ---- closing, shutdown, signals, timeouts -------------------------------- */

/**
 * report_close() - how the peer saw our close of an accepted connection
 * @linger0:	close with SO_LINGER {1, 0} (RST) instead of a FIN
 * @port:	our port (port+1 gets the report)
 */
static void report_close(bool linger0, int port)
{
	struct linger lg = { 1, 0 };
	int l = listener(AF_INET, port), r = listener(AF_INET, port + 1), c;
	char b[8] = "";

	ask_peer(port, "report");
	c = accept(l, NULL, NULL);
	out("accepted %d", c >= 0);
	R(read(c, b, 1));
	if (linger0)
		R(setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	R(close(c));
	c = accept(r, NULL, NULL);
	R(read_all(c, b, sizeof(b) - 1));
	out("peer saw %s", b);
}

/**
 * c_close_fin() - case "close_fin" (see its observations)
 */
static void c_close_fin(void)
{
	report_close(false, 6020);
}

/**
 * c_linger0_rst() - case "linger0_rst" (see its observations)
 */
static void c_linger0_rst(void)
{
	report_close(true, 6022);
}

/**
 * c_unread_close_rst() - case "unread_close_rst" (see its observations)
 */
static void c_unread_close_rst(void)
{
	int l = listener(AF_INET, 6024), r = listener(AF_INET, 6025), c;
	char b[8] = "";

	ask_peer(6024, "report");
	c = accept(l, NULL, NULL);
	msleep(300);		/* "r" arrives and stays unread */
	R(close(c));
	c = accept(r, NULL, NULL);
	R(read_all(c, b, sizeof(b) - 1));
	out("peer saw %s", b);
}

/**
 * c_shutdown_rd() - case "shutdown_rd" (see its observations)
 */
static void c_shutdown_rd(void)
{
	int fd = tcp_to(P_SLOW);
	char b[8];

	R(shutdown(fd, SHUT_RD));
	R(read(fd, b, sizeof(b)));
	R(send(fd, "x", 1, MSG_NOSIGNAL));
	R(shutdown(fd, SHUT_RDWR));
	R(send(fd, "x", 1, MSG_NOSIGNAL));
}

/**
 * c_shutdown_wr_sigpipe() - case "shutdown_wr_sigpipe" (see its observations)
 */
static void c_shutdown_wr_sigpipe(void)
{
	int fd = tcp_to(P_ECHO);

	signal(SIGPIPE, on_sigpipe);
	R(shutdown(fd, SHUT_WR));
	R(write(fd, "x", 1));
	out("sigpipes %d", (int)sigpipes);
	msleep(300);		/* the echo peer's FIN has come back */
	R(shutdown(fd, SHUT_WR));
}

/**
 * c_sigpipe_kills() - case "sigpipe_kills" (see its observations)
 */
static void c_sigpipe_kills(void)
{
	int fd = tcp_rst();

	msleep(RST_WAIT_MS);
	R(write(fd, "a", 1));
	R(write(fd, "a", 1));
	out("still alive");
}

/**
 * on_alarm() - SIGALRM handler that only interrupts
 * @sig:	signal
 */
static void on_alarm(int sig)
{
	(void)sig;
}

/**
 * signal_in() - deliver SIGALRM to us in @ms, with or without SA_RESTART
 * @ms:		delay
 * @restart:	SA_RESTART
 */
static void signal_in(int ms, bool restart)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { 0, ms * 1000 } };

	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

/**
 * c_eintr_recv() - case "eintr_recv" (see its observations)
 */
static void c_eintr_recv(void)
{
	int fd = tcp_to(P_SLOW);
	char b[8] = "";

	signal_in(200, false);
	R(recv(fd, b, sizeof(b), 0));
}

/**
 * c_sa_restart_recv() - case "sa_restart_recv" (see its observations)
 */
static void c_sa_restart_recv(void)
{
	int fd = tcp_to(P_SLOW);
	char b[8] = "";

	signal_in(200, true);
	R(recv(fd, b, sizeof(b), 0));
	out("got '%s'", b);
}

/**
 * c_rcvtimeo_eintr() - case "rcvtimeo_eintr" (see its observations)
 */
static void c_rcvtimeo_eintr(void)
{
	struct timeval tv = { 2, 0 };
	int fd = tcp_to(P_SLOW);
	char b[8] = "";

	R(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	signal_in(200, true);
	R(recv(fd, b, sizeof(b), 0));
}

/**
 * c_eintr_accept() - case "eintr_accept" (see its observations)
 */
static void c_eintr_accept(void)
{
	int l = listener(AF_INET, 6026);

	signal_in(200, false);
	R(accept(l, NULL, NULL));
}

/**
 * c_eintr_poll() - case "eintr_poll" (see its observations)
 */
static void c_eintr_poll(void)
{
	int fd = tcp_to(P_SINK);
	struct pollfd p = { .fd = fd, .events = POLLIN };

	signal_in(200, true);
	R(poll(&p, 1, 3000));
}

/**
 * c_eintr_poll_late() - case "eintr_poll_late": a signal without SA_RESTART
 * lands 600 ms into a 3 s poll() on a listener (CPython's accept() with a
 * timeout): -1 EINTR, not a timeout
 */
static void c_eintr_poll_late(void)
{
	int l = listener(AF_INET, 6027);
	struct pollfd p = { .fd = l, .events = POLLIN };

	signal_in(600, false);
	R(poll(&p, 1, 3000));
	signal_in(600, false);
	R(ppoll(&p, 1, &(struct timespec){ 3, 0 }, NULL));
}

/**
 * c_sndtimeo() - case "sndtimeo" (see its observations)
 */
static void c_sndtimeo(void)
{
	/* more than any send buffer plus a silent peer's window: Linux's
	 * tcp_wmem max (4 MiB) and Aether's 4 MiB send ring */
	static char big[16 << 20];
	struct timeval tv = { 0, 300000 };
	int fd = tcp_to(P_NOREAD);
	ssize_t n;

	R(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	n = write(fd, big, sizeof(big));
	out("partial %d", n > 0 && n < (ssize_t)sizeof(big));
}

/**
 * c_nonblock_full() - case "nonblock_full" (see its observations)
 */
static void c_nonblock_full(void)
{
	static char big[65536];
	int fd = tcp_to(P_NOREAD), i;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	ssize_t n = 0, total = 0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 2000; i++) {
		n = write(fd, big, sizeof(big));
		if (n < 0)
			break;
		total += n;
	}
	out("filled %d then %s", total > 0, ename(errno));
	R(poll(&p, 1, 100));
	R(send(fd, big, 1, MSG_DONTWAIT));
}

/* ---- more readiness ----------------------------------------------------- */

/**
 * c_poll_after_rst() - case "poll_after_rst" (see its observations)
 */
static void c_poll_after_rst(void)
{
	int fd = tcp_rst();
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	msleep(RST_WAIT_MS);
	R(poll(&p, 1, 1000));
	out("revents %#x", p.revents);
}

/**
 * c_epoll_after_rst() - case "epoll_after_rst" (see its observations)
 */
static void c_epoll_after_rst(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP }, got[2];
	int fd = tcp_rst(), ep = epoll_create1(EPOLL_CLOEXEC);

	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	msleep(RST_WAIT_MS);
	R(epoll_wait(ep, got, 2, 1000));
	out("events %#x", got[0].events);
}

/**
 * c_epoll_pwait_listen() - case "epoll_pwait_listen" (see its observations)
 */
static void c_epoll_pwait_listen(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = 1234 }, got[2];
	int l = listener(AF_INET, 6027), ep = epoll_create(1);
	sigset_t m;

	sigemptyset(&m);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
	R(epoll_pwait(ep, got, 2, 100, &m));
	ask_peer(6027, "hi");
	R(epoll_pwait(ep, got, 2, 2000, &m));
	out("events %#x data %d", got[0].events, got[0].data.fd);
	R(accept(l, NULL, NULL) >= 0);
	R(epoll_wait(ep, got, 2, 100));
}

/**
 * c_epoll_et_listen() - case "epoll_et_listen" (see its observations)
 */
static void c_epoll_et_listen(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, got[2];
	int l = listener(AF_INET, 6028), ep = epoll_create1(0), i, n = 0;

	fcntl(l, F_SETFL, O_NONBLOCK);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
	ask_peer(6028, "hi");
	ask_peer(6028, "hi");
	msleep(300);
	R(epoll_wait(ep, got, 2, 2000));
	R(epoll_wait(ep, got, 2, 100));
	for (i = 0; i < 4; i++)
		if (accept(l, NULL, NULL) >= 0)
			n++;
	out("accepted %d then %s", n, ename(errno));
	ask_peer(6028, "hi");
	R(epoll_wait(ep, got, 2, 2000));
}

/**
 * c_ppoll_pselect() - case "ppoll_pselect" (see its observations)
 */
static void c_ppoll_pselect(void)
{
	int fd = tcp_to(P_HOLD);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts = { 2, 0 };
	sigset_t m;
	fd_set r;

	sigemptyset(&m);
	msleep(200);
	R(ppoll(&p, 1, &ts, &m));
	out("revents %#x", p.revents);
	FD_ZERO(&r);
	FD_SET(fd, &r);
	R(pselect(fd + 1, &r, NULL, NULL, &ts, &m));
	out("isset %d", FD_ISSET(fd, &r));
}

/**
 * c_select_write_except() - case "select_write_except" (see its observations)
 */
static void c_select_write_except(void)
{
	int fd = tcp_to(P_ECHO), pp[2];
	struct timeval tv = { 1, 0 };
	fd_set w, e;

	if (pipe(pp))
		return;
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(fd, &w);
	FD_SET(pp[1], &w);
	FD_SET(fd, &e);
	R(select((fd > pp[1] ? fd : pp[1]) + 1, NULL, &w, &e, &tv));
	out("w %d %d e %d", FD_ISSET(fd, &w), FD_ISSET(pp[1], &w),
	    FD_ISSET(fd, &e));
}

/**
 * c_poll_nonblock_connect() - case "poll_nonblock_connect" (see its observations)
 */
static void c_poll_nonblock_connect(void)
{
	struct sockaddr_in a = sin_of("192.168.1.99", P_ECHO);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	R(connect(fd, (void *)&a, sizeof(a)));
	R(connect(fd, (void *)&a, sizeof(a)));
	R(poll(&p, 1, 200));
	out("revents %#x", p.revents);
}

/**
 * c_connect_sndtimeo() - case "connect_sndtimeo" (see its observations)
 */
static void c_connect_sndtimeo(void)
{
	struct sockaddr_in a = sin_of("192.168.1.99", P_ECHO);
	struct timeval tv = { 0, 300000 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	R(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)));
	R(connect(fd, (void *)&a, sizeof(a)));
	R(connect(fd, (void *)&a, sizeof(a)));
}

/* ---- data ------------------------------------------------------------- */

/**
 * c_fionread_eof() - case "fionread_eof" (see its observations)
 */
static void c_fionread_eof(void)
{
	int fd = tcp_to(P_HELLO), n = -1;
	char b[8];

	msleep(300);
	R(ioctl(fd, FIONREAD, &n));
	out("fionread %d", n);
	R(read(fd, b, sizeof(b)));
	R(ioctl(fd, FIONREAD, &n));
	out("fionread %d", n);
	R(read(fd, b, sizeof(b)));
}

/**
 * c_bulk_echo() - case "bulk_echo" (see its observations)
 */
static void c_bulk_echo(void)
{
	static char w[1 << 20], r[1 << 20];
	int fd = tcp_to(P_ECHO), i;
	size_t off = 0, got = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	for (i = 0; i < (int)sizeof(w); i++)
		w[i] = (char)(i * 31 + (i >> 9));
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (i = 0; i < 100000 && got < sizeof(r); i++) {
		ssize_t n;

		p.events = POLLIN | (off < sizeof(w) ? POLLOUT : 0);
		if (poll(&p, 1, 3000) <= 0)
			break;
		if ((p.revents & POLLOUT) && off < sizeof(w)) {
			n = write(fd, w + off, sizeof(w) - off);
			if (n > 0)
				off += n;
		}
		if (p.revents & POLLIN) {
			n = read(fd, r + got, sizeof(r) - got);
			if (n <= 0)
				break;
			got += n;
		}
	}
	out("sent %zu got %zu same %d", off, got, !memcmp(w, r, sizeof(w)));
}

/**
 * c_many_connections() - case "many_connections" (see its observations)
 */
static void c_many_connections(void)
{
	int fds[40], i, ok = 0;
	char b[8];

	for (i = 0; i < 40; i++)
		fds[i] = tcp_to(P_ECHO);
	for (i = 0; i < 40; i++)
		if (fds[i] >= 0 && write(fds[i], "ping", 4) == 4)
			ok++;
	for (i = 0; i < 40; i++)
		if (fds[i] >= 0 && read(fds[i], b, sizeof(b)) == 4)
			ok++;
	out("ok %d", ok);
	for (i = 0; i < 40; i++)
		close(fds[i]);
}

/**
 * c_recv_flags() - case "recv_flags" (see its observations)
 */
static void c_recv_flags(void)
{
	int fd = tcp_to(P_HOLD);
	char b[16] = "";

	R(recv(fd, b, 2, MSG_WAITALL | MSG_PEEK));
	R(recv(fd, b, 2, MSG_DONTWAIT));
	R(recv(fd, b, 16, MSG_DONTWAIT));
	out("got '%.3s'", b);
	R(recv(fd, b, 16, MSG_DONTWAIT));
}

/**
 * c_readv_eof() - case "readv_eof" (see its observations)
 */
static void c_readv_eof(void)
{
	int fd = tcp_to(P_HELLO);
	char a[3] = "", b[8] = "";
	struct iovec v[2] = { { a, 2 }, { b, 8 } };

	msleep(300);
	R(readv(fd, v, 2));
	out("'%.2s' '%.3s'", a, b);
	R(readv(fd, v, 2));
}

/* ---- names, binding ---------------------------------------------------- */

/**
 * c_accept_short_len() - case "accept_short_len" (see its observations)
 */
static void c_accept_short_len(void)
{
	int l = listener(AF_INET, 6030), c;
	struct sockaddr_in a;
	socklen_t len = 4;

	ask_peer(6030, "hi");
	c = R(accept(l, (void *)&a, &len) >= 0);
	out("len %u family %d", len, a.sin_family);
	(void)c;
}

/**
 * c_getsockname_unbound() - case "getsockname_unbound" (see its observations)
 */
static void c_getsockname_unbound(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(AF_INET, SOCK_STREAM, 0), f6;

	R(getsockname(fd, (void *)&ss, &len));
	out("%s len %u", addr_str(&ss), len);
	f6 = socket(AF_INET6, SOCK_STREAM, 0);
	len = sizeof(ss);
	R(getsockname(f6, (void *)&ss, &len));
	out("%s len %u", addr_str(&ss), len);
	R(listen(fd, 0));
	len = sizeof(ss);
	R(getsockname(fd, (void *)&ss, &len));
	out("family %d port>0 %d", ss.ss_family,
	    ntohs(((struct sockaddr_in *)&ss)->sin_port) > 0);
}

/**
 * c_v6only() - case "v6only" (see its observations)
 */
static void c_v6only(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(6031) };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), one = 1, v = -1;
	socklen_t len = sizeof(v);

	R(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
	R(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len));
	out("v6only %d", v);
	R(bind(fd, (void *)&a, sizeof(a)));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	R(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
}

/**
 * bind6() - an AF_INET6 TCP socket bound to [::]:@port with SO_REUSEADDR,
 * IPV6_V6ONLY set to @v6only first (as nginx's "listen [::]:80")
 * @port:	port
 * @v6only:	IPV6_V6ONLY value, -1 to leave the default
 *
 * Return: fd (the bind result is reported)
 */
static int bind6(int port, int v6only)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(port) };
	int fd = socket(AF_INET6, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6only >= 0)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
			   sizeof(v6only));
	R(bind(fd, (void *)&a, sizeof(a)));
	return fd;
}

/**
 * c_v6only_coexist() - case "v6only_coexist": Debian's nginx site
 * ("listen 80; listen [::]:80;"): 0.0.0.0:P and a V6ONLY [::]:P coexist in
 * either order, a dual-stack [::]:P conflicts with 0.0.0.0:P (and with a
 * V6ONLY [::]:P), and IPv4 peers reach only the IPv4 listener
 */
static void c_v6only_coexist(void)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct pollfd p[2];
	int l4 = listener(AF_INET, 6050), l6, d6, v = -1, c;

	l6 = bind6(6050, 1);
	R(listen(l6, 16));
	R(getsockname(l6, (void *)&ss, &len));
	out("%s", addr_str(&ss));
	len = sizeof(v);
	R(getsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &v, &len));
	out("v6only %d", v);
	d6 = bind6(6050, 0);		/* dual stack: overlaps both */
	close(d6);
	d6 = bind6(6050, -1);		/* the default is dual stack */
	close(d6);
	ask_peer(6050, "hi");
	p[0] = (struct pollfd){ .fd = l4, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = l6, .events = POLLIN };
	R(poll(p, 2, 3000));
	out("v4 %#x v6only %#x", p[0].revents, p[1].revents);
	len = sizeof(ss);
	c = R(accept(l4, (void *)&ss, &len));
	out("%s", ss.ss_family == AF_INET ? "peer inet" : "peer other");
	close(c);
	R(poll(&p[1], 1, 200));
	close(l4);
	close(l6);
	/* the other order: [::]:P V6ONLY first, then 0.0.0.0:P */
	l6 = bind6(6051, 1);
	R(listen(l6, 16));
	l4 = listener(AF_INET, 6051);
	out("v4 after v6only %s", l4 >= 0 ? "ok" : "failed");
	/* a dual-stack [::]:P first: 0.0.0.0:P is in use */
	d6 = bind6(6052, 0);
	R(listen(d6, 16));
	c = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in a = sin_of("0.0.0.0", 6052);
		int one = 1;

		setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		R(bind(c, (void *)&a, sizeof(a)));
	}
}

/**
 * c_v6only_mapped() - case "v6only_mapped": a V6ONLY socket cannot reach
 * or bind IPv4 (v4-mapped) addresses, and the option is fixed once bound
 */
static void c_v6only_mapped(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(P_ECHO) };
	struct sockaddr_in a4 = sin_of("0.0.0.0", 6053);
	int fd = socket(AF_INET6, SOCK_STREAM, 0), u, one = 1, zero = 0;

	inet_pton(AF_INET6, "::ffff:" PEER_IP, &a.sin6_addr);
	R(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
	R(connect(fd, (void *)&a, sizeof(a)));
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	R(setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
	R(sendto(u, "x", 1, 0, (void *)&a, sizeof(a)));
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	R(setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
	R(connect(u, (void *)&a, sizeof(a)));
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	R(setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
	a.sin6_port = htons(6053);
	inet_pton(AF_INET6, "::ffff:" SUBJ_IP, &a.sin6_addr);
	R(bind(u, (void *)&a, sizeof(a)));
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	R(setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)));
	a.sin6_addr = in6addr_any;
	R(bind(u, (void *)&a, sizeof(a)));
	/* fixed once bound (Linux: EINVAL when inet_num is set) */
	R(setsockopt(u, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)));
	/* UDP: 0.0.0.0:P binds beside the V6ONLY [::]:P, not beside a
	 * dual-stack one */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	R(bind(fd, (void *)&a4, sizeof(a4)));
	close(u);
	close(fd);
	u = socket(AF_INET6, SOCK_DGRAM, 0);
	R(bind(u, (void *)&a, sizeof(a)));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	R(bind(fd, (void *)&a4, sizeof(a4)));
}

/**
 * c_v6_bind_mapped() - case "v6_bind_mapped" (see its observations)
 */
static void c_v6_bind_mapped(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(6032) };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	inet_pton(AF_INET6, "::ffff:" SUBJ_IP, &a.sin6_addr);
	R(bind(fd, (void *)&a, sizeof(a)));
	R(getsockname(fd, (void *)&ss, &len));
	out("%s", addr_str(&ss));
	R(bind(fd, (void *)&a, 20));
}

/**
 * c_ealready() - case "ealready" (see its observations)
 */
static void c_ealready(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	R(connect(fd, (void *)&a, sizeof(a)));
	msleep(300);
	R(connect(fd, (void *)&a, sizeof(a)));
	R(connect(fd, (void *)&a, sizeof(a)));
	a.sin_port = htons(P_HOLD);
	R(connect(fd, (void *)&a, sizeof(a)));
}

/* ---- udp --------------------------------------------------------------- */

/**
 * c_udp_more() - case "udp_more" (see its observations)
 */
static void c_udp_more(void)
{
	static char big[70000];
	struct sockaddr_in a = sin_of("0.0.0.0", 6033);
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	char b[8];

	R(bind(fd, (void *)&a, sizeof(a)));
	R(getsockname(fd, (void *)&ss, &len));
	out("%s", addr_str(&ss));
	R(recv(fd, b, sizeof(b), 0));
	R(send(fd, "x", 1, 0));
	len = sizeof(ss);
	R(getpeername(fd, (void *)&ss, &len));
	a = sin_of(PEER_IP, P_ECHO);
	R(sendto(fd, big, sizeof(big), 0, (void *)&a, sizeof(a)));
	R(connect(fd, (void *)&a, sizeof(a)));
	len = sizeof(ss);
	R(getpeername(fd, (void *)&ss, &len));
	out("%s", addr_str(&ss));
}

/**
 * c_udp_poll() - case "udp_poll" (see its observations)
 */
static void c_udp_poll(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), n = -1;
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };

	R(poll(&p, 1, 100));
	out("revents %#x", p.revents);
	R(sendto(fd, "hello", 5, 0, (void *)&a, sizeof(a)));
	p.events = POLLIN;
	R(poll(&p, 1, 2000));
	out("revents %#x", p.revents);
	R(ioctl(fd, FIONREAD, &n));
	out("fionread %d", n);
}

/* ---- fds, exec ----------------------------------------------------------- */

/**
 * c_dup3_fcntl() - case "dup3_fcntl" (see its observations)
 */
static void c_dup3_fcntl(void)
{
	int fd = tcp_to(P_ECHO), d;
	char b[8] = "";

	R(dup3(fd, fd, 0));
	d = R(dup3(fd, 60, O_CLOEXEC));
	out("cloexec %d", !!(fcntl(60, F_GETFD) & FD_CLOEXEC));
	R(fcntl(60, F_SETFD, 0));
	out("cloexec %d", !!(fcntl(60, F_GETFD) & FD_CLOEXEC));
	R(fcntl(60, F_SETFL, O_NONBLOCK));
	out("shared nonblock %d", !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
	R(write(60, "dup", 3));
	msleep(200);
	R(read(fd, b, sizeof(b)));
	R(close(60));
	R(write(fd, "x", 1));
	(void)d;
}

static const char *self_exe;

/**
 * c_exec_inherit() - case "exec_inherit" (see its observations)
 */
static void c_exec_inherit(void)
{
	int fd = tcp_to(P_ECHO), st;
	char fdarg[16];
	pid_t pid;

	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(self_exe, self_exe, "exec-child", cur_case, fdarg,
		      (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	out("child exit %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/**
 * c_exec_cloexec() - case "exec_cloexec" (see its observations)
 */
static void c_exec_cloexec(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), st;
	char fdarg[16];
	pid_t pid;

	snprintf(fdarg, sizeof(fdarg), "%d", fd);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(self_exe, self_exe, "exec-child", cur_case, fdarg,
		      (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	out("child exit %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/**
 * exec_child() - the exec'd image of the exec cases
 * @name:	case name
 * @fd:		inherited fd
 *
 * Return: exit status
 */
static int exec_child(const char *name, int fd)
{
	char b[8] = "";
	int v = -1;
	socklen_t len = sizeof(v);

	cur_case = name;
	if (fcntl(fd, F_GETFD) < 0) {
		out("child: fd closed by exec (%s)", ename(errno));
		return 0;
	}
	R(getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	out("child: type %d", v);
	R(write(fd, "exec", 4));
	R(read(fd, b, sizeof(b)));
	out("child: got '%s'", b);
	return 0;
}

/* ---- loopback, threads ------------------------------------------------- */

static const struct timeval tv3 = { 3, 0 };

/**
 * c_loopback() - case "loopback" (see its observations)
 */
static void c_loopback(void)
{
	struct sockaddr_in a = sin_of("127.0.0.1", 6040);
	int l = listener(AF_INET, 6040), c, s;
	char b[8] = "";
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	c = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv3, sizeof(tv3));
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv3, sizeof(tv3));
	R(connect(c, (void *)&a, sizeof(a)));
	s = R(accept(l, (void *)&ss, &len));
	out("peer %s", strstr(addr_str(&ss), "127.0.0.1") ? "127.0.0.1" :
	    addr_str(&ss));
	R(write(c, "loop", 4));
	R(read(s, b, sizeof(b)));
	out("got '%s'", b);
}

/**
 * c_siocoutq() - case "siocoutq": EINVAL on a listener; the unacknowledged
 * bytes of a connection whose peer stops reading; 0 once all is acked
 */
static void c_siocoutq(void)
{
	static char big[65536];
	struct sockaddr_in a = sin_of("127.0.0.1", 6042);
	int l = listener(AF_INET, 6042), c, s, n = -1, i;

	c = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv3, sizeof(tv3));
	R(ioctl(l, SIOCOUTQ, &n));
	R(connect(c, (void *)&a, sizeof(a)));
	s = R(accept(l, NULL, NULL));
	R(write(c, "x", 1));
	msleep(200);
	R(ioctl(c, SIOCOUTQ, &n));
	out("outq after ack %d", n);
	R(fcntl(c, F_SETFL, O_NONBLOCK));
	for (i = 0; i < 1024 && write(c, big, sizeof(big)) > 0; i++)
		;
	msleep(200);
	R(ioctl(c, SIOCOUTQ, &n));
	out("outq with a stalled peer %s", n > 0 ? "positive" : "zero");
	close(s);
}

/**
 * c_loopback6() - case "loopback6" (see its observations)
 */
static void c_loopback6(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(6041),
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int l = listener(AF_INET6, 6041), c, s;
	char b[8] = "";
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	c = socket(AF_INET6, SOCK_STREAM, 0);
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv3, sizeof(tv3));
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv3, sizeof(tv3));
	R(connect(c, (void *)&a, sizeof(a)));
	s = R(accept(l, (void *)&ss, &len));
	out("peer %s", strstr(addr_str(&ss), "::1") ? "::1" : addr_str(&ss));
	R(write(c, "loop", 4));
	R(read(s, b, sizeof(b)));
	out("got '%s'", b);
}

struct duplex {
	int fd;
	size_t got;
};

/**
 * duplex_reader() - read the echo of c_thread_duplex() in a thread
 * @arg:	struct duplex
 *
 * Return: NULL
 */
static void *duplex_reader(void *arg)
{
	static char buf[65536];
	struct duplex *d = arg;
	ssize_t n;

	while (d->got < (4u << 20) && (n = read(d->fd, buf, sizeof(buf))) > 0)
		d->got += n;
	return NULL;
}

/**
 * c_thread_duplex() - case "thread_duplex" (see its observations)
 */
static void c_thread_duplex(void)
{
	static char buf[65536];
	struct duplex d = { .fd = tcp_to(P_ECHO) };
	size_t sent = 0;
	pthread_t t;
	ssize_t n;

	pthread_create(&t, NULL, duplex_reader, &d);
	while (sent < (4u << 20) && (n = write(d.fd, buf, sizeof(buf))) > 0)
		sent += n;
	pthread_join(t, NULL);
	out("sent %zu got %zu", sent, d.got);
}

/**
 * c_fork_child_keeps() - case "fork_child_keeps" (see its observations)
 */
static void c_fork_child_keeps(void)
{
	int fd = tcp_to(P_ECHO), st, p[2];
	char b[8] = "";
	pid_t pid;

	if (pipe(p))
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char c;

		if (read(p[0], &c, 1) != 1)	/* parent closed its copy */
			_exit(5);
		if (write(fd, "kid", 3) != 3 || read(fd, b, sizeof(b)) != 3)
			_exit(6);
		_exit(0);
	}
	R(close(fd));
	R(write(p[1], "g", 1));
	waitpid(pid, &st, 0);
	out("child exit %d", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* ---- more options, mmsg, reuseport --------------------------------------- */

/**
 * c_sockopts2() - case "sockopts2" (see its observations)
 */
static void c_sockopts2(void)
{
	int fd = tcp_to(P_ECHO), v, one = 1, idle = 30;
	struct linger lg = { 1, 5 }, lg2;
	struct tcp_info ti;
	socklen_t len;

#define GET2(level, name) (len = sizeof(v), v = -1, \
	R(getsockopt(fd, level, name, &v, &len)), out(#name " %d", v))
	R(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	len = sizeof(lg2);
	R(getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg2, &len));
	out("linger %d %d", lg2.l_onoff, lg2.l_linger);
	R(setsockopt(fd, IPPROTO_TCP, TCP_CORK, &one, sizeof(one)));
	GET2(IPPROTO_TCP, TCP_CORK);
	R(setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle)));
	GET2(IPPROTO_TCP, TCP_KEEPIDLE);
	R(write(fd, "x", 1));
	R(read(fd, &v, 1));
	len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	R(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len));
	out("state %d rtt>0 %d", ti.tcpi_state, ti.tcpi_rtt > 0);
	R(setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)));
	GET2(SOL_SOCKET, SO_REUSEPORT);
#undef GET2
}

/**
 * c_mmsg() - case "mmsg" (see its observations)
 */
static void c_mmsg(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), i;
	char in[3][8];
	struct iovec vo[3] = { { "one", 3 }, { "two", 3 }, { "three", 5 } };
	struct iovec vi[3];
	struct mmsghdr mo[3], mi[3];

	memset(mo, 0, sizeof(mo));
	memset(mi, 0, sizeof(mi));
	memset(in, 0, sizeof(in));
	for (i = 0; i < 3; i++) {
		mo[i].msg_hdr.msg_iov = &vo[i];
		mo[i].msg_hdr.msg_iovlen = 1;
		mo[i].msg_hdr.msg_name = &a;
		mo[i].msg_hdr.msg_namelen = sizeof(a);
		vi[i] = (struct iovec){ in[i], sizeof(in[i]) - 1 };
		mi[i].msg_hdr.msg_iov = &vi[i];
		mi[i].msg_hdr.msg_iovlen = 1;
	}
	R(sendmmsg(fd, mo, 3, 0));
	out("lens %u %u %u", mo[0].msg_len, mo[1].msg_len, mo[2].msg_len);
	msleep(300);
	R(recvmmsg(fd, mi, 3, MSG_DONTWAIT, NULL));
	out("got '%s' '%s' '%s'", in[0], in[1], in[2]);
}

/**
 * c_reuseport() - case "reuseport" (see its observations)
 */
static void c_reuseport(void)
{
	struct sockaddr_in a = sin_of("0.0.0.0", 6050);
	int one = 1, s1, s2, s3;

	s1 = socket(AF_INET, SOCK_STREAM, 0);
	s2 = socket(AF_INET, SOCK_STREAM, 0);
	s3 = socket(AF_INET, SOCK_STREAM, 0);
	R(setsockopt(s1, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)));
	R(setsockopt(s2, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)));
	R(bind(s1, (void *)&a, sizeof(a)));
	R(listen(s1, 8));
	R(bind(s2, (void *)&a, sizeof(a)));
	R(listen(s2, 8));
	R(bind(s3, (void *)&a, sizeof(a)));
}

/**
 * c_sendfile_from_socket() - case "sendfile_from_socket" (see its observations)
 */
static void c_sendfile_from_socket(void)
{
	int fd = tcp_to(P_HOLD), pp[2];
	off_t off = 0;

	if (pipe(pp))
		return;
	msleep(200);
	R(sendfile(pp[1], fd, NULL, 5));
	R(sendfile(pp[1], fd, &off, 5));
	R(pread(fd, &off, 1, 0));
	R(pwrite(fd, "x", 1, 0));
	R(lseek(fd, 0, SEEK_SET));
}

/**
 * c_splice() - case "splice" (see its observations)
 */
static void c_splice(void)
{
	int fd = tcp_to(P_ECHO), pp[2];
	char b[16] = "";

	if (pipe(pp))
		return;
	R(write(pp[1], "spliced", 7));
	R(splice(pp[0], NULL, fd, NULL, 7, 0));
	msleep(200);
	R(splice(fd, NULL, pp[1], NULL, 16, 0));
	R(read(pp[0], b, sizeof(b)));
	out("got '%s'", b);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	R(splice(fd, NULL, pp[1], NULL, 16, 0));
	R(splice(fd, (loff_t *)&b, pp[1], NULL, 16, 0));
}

struct ep_sleeper {
	int ep;
	int n;
	long waited;
};

/**
 * ep_sleeper_fn() - sleep in epoll_wait on an empty set, time it
 * @arg:	struct ep_sleeper
 *
 * Return: NULL
 */
static void *ep_sleeper_fn(void *arg)
{
	struct ep_sleeper *e = arg;
	struct epoll_event got[2];
	long t0 = now_ms();

	e->n = epoll_wait(e->ep, got, 2, 5000);
	e->waited = now_ms() - t0;
	return NULL;
}

/**
 * c_epoll_add_while_waiting() - case "epoll_add_while_waiting" (see its observations)
 */
static void c_epoll_add_while_waiting(void)
{
	struct ep_sleeper e = { .ep = epoll_create1(0) };
	struct epoll_event ev = { .events = EPOLLIN };
	pthread_t t;
	int fd;

	pthread_create(&t, NULL, ep_sleeper_fn, &e);
	msleep(200);
	fd = tcp_to(P_HOLD);
	msleep(300);		/* "hello" is there before the ADD */
	R(epoll_ctl(e.ep, EPOLL_CTL_ADD, fd, &ev));
	pthread_join(t, NULL);
	out("n %d woke %s", e.n, e.waited < 3000 ? "soon" : "late");
}

/**
 * c_close_range_vfork() - case "close_range_vfork" (see its observations)
 */
static void c_close_range_vfork(void)
{
	int a = tcp_to(P_ECHO), b = dup(a), st, fd;
	char buf[8] = "";
	pid_t pid;

	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		close(b);	/* the child's own table only */
		_exit(0);
	}
	waitpid(pid, &st, 0);
	R(write(b, "vf", 2));
	R(read(a, buf, sizeof(buf)));
	out("got '%s'", buf);
	R(close_range(b, b, 0));
	R(write(b, "x", 1));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	out("reused %d", fd == b);
	R(write(a, "ok", 2));
	R(read(a, buf, sizeof(buf)));
}

/**
 * c_ip_tos() - case "ip_tos" (see its observations)
 */
static void c_ip_tos(void)
{
	int fd = tcp_to(P_ECHO), v = 0x10;
	socklen_t len = sizeof(v);

	R(setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)));
	v = -1;
	R(getsockopt(fd, IPPROTO_IP, IP_TOS, &v, &len));
	out("tos %#x", v);
}

/**
 * c_reuseport_spread() - case "reuseport_spread": two SO_REUSEPORT
 * listeners on one port share 20 incoming connections
 */
static void c_reuseport_spread(void)
{
	struct sockaddr_in a = sin_of("0.0.0.0", 6060);
	int one = 1, l[2], i, got[2] = { 0, 0 };
	struct pollfd p[2];

	for (i = 0; i < 2; i++) {
		l[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		setsockopt(l[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		if (bind(l[i], (void *)&a, sizeof(a)) || listen(l[i], 32)) {
			out("listener %d: %s", i, ename(errno));
			return;
		}
		p[i] = (struct pollfd){ .fd = l[i], .events = POLLIN };
	}
	for (i = 0; i < 20; i++)
		ask_peer(6060, "hi");
	for (i = 0; i < 100 && got[0] + got[1] < 20; i++) {
		int k;

		if (poll(p, 2, 200) <= 0)
			continue;
		for (k = 0; k < 2; k++)
			while ((p[k].revents & POLLIN) &&
			       accept(l[k], NULL, NULL) >= 0)
				got[k]++;
	}
	out("total %d both %d", got[0] + got[1], got[0] > 0 && got[1] > 0);
}

/**
 * c_bufsizes() - case "bufsizes": SO_RCVBUF/SO_SNDBUF round trips (Linux
 * reports twice the value set) and TCP_DEFER_ACCEPT on a listener
 */
static void c_bufsizes(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), v = 65536, l;
	socklen_t len = sizeof(v);

	R(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	R(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len));
	out("rcvbuf %d", v);
	v = 65536;
	R(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	len = sizeof(v);
	R(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &len));
	out("sndbuf %d", v);
	l = listener(AF_INET, 6061);
	v = 5;
	R(setsockopt(l, IPPROTO_TCP, TCP_DEFER_ACCEPT, &v, sizeof(v)));
}

/**
 * c_udp6_oob() - case "udp6_oob": an AF_INET6 UDP socket to a v4-mapped
 * peer; MSG_OOB and MSG_ERRQUEUE receives with nothing pending
 */
static void c_udp6_oob(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons(P_ECHO) };
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), t = tcp_to(P_HOLD);
	char b[16] = "";

	inet_pton(AF_INET6, "::ffff:" PEER_IP, &a.sin6_addr);
	R(sendto(fd, "six", 3, 0, (void *)&a, sizeof(a)));
	R(recvfrom(fd, b, sizeof(b), 0, (void *)&from, &len));
	out("got '%s' from %s len %u", b, addr_str(&from), len);
	msleep(200);
	R(recv(t, b, sizeof(b), MSG_OOB));
	R(recv(t, b, sizeof(b), MSG_ERRQUEUE));
	R(recv(t, b, sizeof(b), MSG_DONTWAIT));
}

/**
 * c_udp_misc() - case "udp_misc": listen/accept on UDP, connect(AF_UNSPEC)
 * dissolves a UDP association, and a TCP socket given AF_UNSPEC
 */
static void c_udp_misc(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), t;

	R(listen(fd, 1));
	R(accept(fd, NULL, NULL));
	R(connect(fd, (void *)&a, sizeof(a)));
	R(connect(fd, &un, sizeof(un)));
	R(getpeername(fd, (void *)&ss, &len));
	R(send(fd, "x", 1, 0));
	t = socket(AF_INET, SOCK_STREAM, 0);
	R(connect(t, &un, sizeof(un)));
}

/**
 * show_cmsgs() - print what recvmsg() returned: flags, control length and
 * every control message (level, type, cmsg_len, value as int or byte)
 * @msg:	the message after recvmsg()
 * @r:		recvmsg()'s result
 */
static void show_cmsgs(struct msghdr *msg, ssize_t r)
{
	struct cmsghdr *c;
	int v;

	out("r %zd ctrunc %d controllen %zu", r,
	    !!(msg->msg_flags & MSG_CTRUNC), (size_t)msg->msg_controllen);
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t dl = c->cmsg_len - CMSG_LEN(0);

		v = -1;
		if (dl >= sizeof(int))
			memcpy(&v, CMSG_DATA(c), sizeof(v));
		else if (dl == 1)
			v = *CMSG_DATA(c);
		out("cmsg level %d type %d len %zu value %d", c->cmsg_level,
		    c->cmsg_type, (size_t)c->cmsg_len, v);
	}
}

/**
 * cmsg_recv() - receive one datagram with @room bytes of control buffer
 * @fd:		socket
 * @room:	msg_controllen
 */
static void cmsg_recv(int fd, size_t room)
{
	union { struct cmsghdr h; char b[256]; } ctl;
	char d[16] = "";
	struct iovec v = { d, sizeof(d) };
	struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1,
			    .msg_control = room ? ctl.b : NULL,
			    .msg_controllen = room };

	memset(ctl.b, 0, sizeof(ctl.b));
	show_cmsgs(&m, recvmsg(fd, &m, 0));
}

/**
 * cmsg_send() - send "x" with up to two int control messages
 * @fd:		socket
 * @to:		destination
 * @tolen:	its length
 * @level:	cmsg_level of both
 * @t1:		first type (0: none)
 * @v1:		its value
 * @t2:		second type (0: none)
 * @v2:		its value
 * @extra:	bytes added to the first message's cmsg_len (a bad size)
 *
 * Return: sendmsg()'s result
 */
static ssize_t cmsg_send(int fd, const void *to, socklen_t tolen, int level,
			 int t1, int v1, int t2, int v2, int extra)
{
	union { struct cmsghdr h; char b[128]; } ctl;
	struct iovec v = { "x", 1 };
	struct msghdr m = { .msg_name = (void *)to, .msg_namelen = tolen,
			    .msg_iov = &v, .msg_iovlen = 1,
			    .msg_control = ctl.b };
	struct cmsghdr *c;

	memset(ctl.b, 0, sizeof(ctl.b));
	m.msg_controllen = t2 ? CMSG_SPACE(sizeof(int)) * 2 + extra :
				CMSG_SPACE(sizeof(int)) + extra;
	if (!t1)
		m.msg_controllen = 0;
	c = CMSG_FIRSTHDR(&m);
	if (t1) {
		c->cmsg_level = level;
		c->cmsg_type = t1;
		c->cmsg_len = CMSG_LEN(sizeof(int)) + extra;
		memcpy(CMSG_DATA(c), &v1, sizeof(v1));
	}
	if (t2) {
		c = (struct cmsghdr *)((char *)c + CMSG_SPACE(sizeof(int)) +
				       CMSG_ALIGN(extra));
		c->cmsg_level = level;
		c->cmsg_type = t2;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &v2, sizeof(v2));
	}
	return sendmsg(fd, &m, 0);
}

/**
 * udp_pair() - a UDP socket bound on the loopback of @family and a sender
 * @family:	AF_INET or AF_INET6
 * @port:	the receiver's port
 * @rx:		out: the receiver
 * @to:		out: its address
 * @tolen:	out: its length
 *
 * Return: the sender
 */
static int udp_pair(int family, int port, int *rx, struct sockaddr_storage *to,
		    socklen_t *tolen)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)to;
	struct sockaddr_in *a4 = (struct sockaddr_in *)to;
	struct timeval tv = { 3, 0 };

	memset(to, 0, sizeof(*to));
	if (family == AF_INET6) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		a6->sin6_addr = in6addr_loopback;
		*tolen = sizeof(*a6);
	} else {
		*a4 = sin_of("127.0.0.1", port);
		*tolen = sizeof(*a4);
	}
	*rx = socket(family, SOCK_DGRAM, 0);
	R(bind(*rx, (void *)to, *tolen));
	setsockopt(*rx, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return socket(family, SOCK_DGRAM, 0);
}

/**
 * c_udp6_cmsg() - case "udp6_cmsg": RFC 3542 hop limit and traffic class
 * on ::1, received (IPV6_RECVHOPLIMIT/IPV6_RECVTCLASS), set per datagram by
 * sendmsg(), and cut as put_cmsg() cuts them (MSG_CTRUNC)
 */
static void c_udp6_cmsg(void)
{
	struct sockaddr_storage to;
	socklen_t tl, len = sizeof(int);
	int rx, tx = udp_pair(AF_INET6, 6070, &rx, &to, &tl), one = 1, v = 9;

	R(setsockopt(rx, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)));
	R(getsockopt(rx, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &v, &len));
	out("recvhoplimit %d", v);
	R(sendto(tx, "x", 1, 0, (void *)&to, tl));
	cmsg_recv(rx, 256);
	R(setsockopt(rx, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one)));
	R(cmsg_send(tx, &to, tl, IPPROTO_IPV6, IPV6_HOPLIMIT, 2, 0, 0, 0));
	cmsg_recv(rx, 256);
	R(cmsg_send(tx, &to, tl, IPPROTO_IPV6, IPV6_TCLASS, 0x20,
		    IPV6_HOPLIMIT, 5, 0));
	cmsg_recv(rx, 256);
	R(cmsg_send(tx, &to, tl, IPPROTO_IPV6, IPV6_TCLASS, -1,
		    IPV6_HOPLIMIT, -1, 0));
	cmsg_recv(rx, 256);
	R(cmsg_send(tx, &to, tl, IPPROTO_IPV6, IPV6_TCLASS, 0, IPV6_HOPLIMIT,
		    2, 1));
	R(cmsg_send(tx, &to, tl, IPPROTO_IPV6, IPV6_HOPLIMIT, 256, 0, 0, 0));
	R(cmsg_send(tx, &to, tl, IPPROTO_IPV6, 1000, 1, 0, 0, 0));
	R(cmsg_send(tx, &to, tl, IPPROTO_IP, IP_TTL, 0, 0, 0, 0));
	cmsg_recv(rx, 256);
	R(sendto(tx, "x", 1, 0, (void *)&to, tl));
	cmsg_recv(rx, CMSG_SPACE(sizeof(int)));
	R(sendto(tx, "x", 1, 0, (void *)&to, tl));
	cmsg_recv(rx, CMSG_SPACE(sizeof(int)) + CMSG_LEN(0) + 1);
	R(sendto(tx, "x", 1, 0, (void *)&to, tl));
	cmsg_recv(rx, CMSG_LEN(0) - 1);
	R(sendto(tx, "x", 1, 0, (void *)&to, tl));
	cmsg_recv(rx, CMSG_LEN(1));
	R(sendto(tx, "x", 1, 0, (void *)&to, tl));
	cmsg_recv(rx, 0);
}

/**
 * c_udp4_cmsg() - case "udp4_cmsg": IP_RECVTTL/IP_RECVTOS on 127.0.0.1,
 * IP_TTL/IP_TOS given to sendmsg() for one datagram, and their checks
 */
static void c_udp4_cmsg(void)
{
	struct sockaddr_storage to;
	socklen_t tl, len = sizeof(int);
	int rx, tx = udp_pair(AF_INET, 6071, &rx, &to, &tl), one = 1, v = 9;

	R(setsockopt(rx, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)));
	R(setsockopt(rx, IPPROTO_IP, IP_RECVTOS, &one, 1));
	R(getsockopt(rx, IPPROTO_IP, IP_RECVTOS, &v, &len));
	out("recvtos %d", v);
	R(setsockopt(rx, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)));
	R(sendto(tx, "x", 1, 0, (void *)&to, tl));
	cmsg_recv(rx, 256);
	R(cmsg_send(tx, &to, tl, IPPROTO_IP, IP_TTL, 7, IP_TOS, 0x10, 0));
	cmsg_recv(rx, 256);
	R(cmsg_send(tx, &to, tl, IPPROTO_IP, IP_TTL, 0, 0, 0, 0));
	R(cmsg_send(tx, &to, tl, IPPROTO_IP, IP_TOS, 256, 0, 0, 0));
	R(cmsg_send(tx, &to, tl, IPPROTO_IP, 1000, 1, 0, 0, 0));
	R(cmsg_send(tx, &to, tl, IPPROTO_IPV6, IPV6_HOPLIMIT, 3, 0, 0, 0));
	cmsg_recv(rx, 256);
	R(setsockopt(rx, IPPROTO_IP, IP_RECVTTL, &one, 0));
	R(sendto(tx, "x", 1, 0, (void *)&to, tl));
	cmsg_recv(rx, 256);
}

/**
 * c_sndbuf_small() - case "sndbuf_small": SO_SNDBUF/SO_RCVBUF of 4096 set
 * on a connected loopback pair bound what a non-blocking sender gets
 * accepted (Linux: about 10 KB, the send buffer plus the peer's window),
 * and the peer's close with unread data makes the next sends fail
 */
static void c_sndbuf_small(void)
{
	static char big[65536];
	struct sockaddr_in a = sin_of("127.0.0.1", 6072);
	int l = listener(AF_INET, 6072), c, s, v = 4096, i;
	socklen_t len = sizeof(v);
	ssize_t n, total = 0;

	c = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv3, sizeof(tv3));
	R(setsockopt(l, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	R(connect(c, (void *)&a, sizeof(a)));
	s = R(accept(l, NULL, NULL));
	R(setsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	R(getsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, &len));
	out("sndbuf %d", v);
	R(fcntl(c, F_SETFL, O_NONBLOCK));
	for (i = 0; i < 200; i++) {
		n = write(c, big, sizeof(big));
		if (n < 0)
			break;
		total += n;
		if (total > 4 * 1048576)
			break;
		msleep(i < 5 ? 20 : 0);
	}
	out("write stopped with %s after %s", ename(errno),
	    total <= 65536 ? "at most 64 KiB" : "more than 64 KiB");
	R(read(s, big, 1024));
	close(s);
	msleep(200);
	n = send(c, big, sizeof(big), MSG_NOSIGNAL);
	if (n >= 0)
		n = send(c, big, sizeof(big), MSG_NOSIGNAL);
	out("write after the peer's close: %s", n < 0 ? ename(errno) : "ok");
}

/**
 * c_loopback_sync() - case "loopback_sync": on a loopback connection the
 * bytes are in the peer's queue when send() returns (Linux's lo delivers
 * inside the call): poll() with timeout 0 and FIONREAD right after each
 * send, both ways, and an epoll_wait() that must see both ends at once
 */
static void c_loopback_sync(void)
{
	struct sockaddr_in a = sin_of("127.0.0.1", 6073);
	int l = listener(AF_INET, 6073), c, s, i, ok = 0, both = 0, ep, n;
	struct epoll_event ev, got[4];
	struct pollfd p;
	char b[64];

	c = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv3, sizeof(tv3));
	R(connect(c, (void *)&a, sizeof(a)));
	s = R(accept(l, NULL, NULL));
	for (i = 0; i < 20; i++) {
		int w = i & 1 ? s : c, r = i & 1 ? c : s, q = 0;

		p = (struct pollfd){ .fd = r, .events = POLLIN };
		if (write(w, "ab", 2) == 2 && poll(&p, 1, 0) == 1 &&
		    !ioctl(r, FIONREAD, &q) && q == 2)
			ok++;
		read(r, b, sizeof(b));
	}
	out("readable at once %d/20", ok);
	ep = epoll_create1(0);
	for (i = 0; i < 10; i++) {
		ev = (struct epoll_event){ .events = EPOLLIN | EPOLLOUT |
						     EPOLLET, .data.fd = c };
		epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
		ev.data.fd = s;
		epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
		epoll_wait(ep, got, 4, 1000);	/* the OUT edges */
		write(c, "x", 1);
		write(s, "y", 1);
		n = epoll_wait(ep, got, 4, 0);
		if (n == 2 && (got[0].events & EPOLLIN) &&
		    (got[1].events & EPOLLIN))
			both++;
		read(c, b, sizeof(b));
		read(s, b, sizeof(b));
		epoll_ctl(ep, EPOLL_CTL_DEL, c, NULL);
		epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL);
	}
	out("epoll saw both readable %d/10", both);
}

/**
 * c_udp_loopback_sync() - case "udp_loopback_sync": a datagram sent to
 * 127.0.0.1 is queued at the receiver when sendto() returns
 */
static void c_udp_loopback_sync(void)
{
	struct sockaddr_storage to;
	socklen_t tl;
	int rx, tx = udp_pair(AF_INET, 6074, &rx, &to, &tl), i, ok = 0;
	struct pollfd p = { .events = POLLIN };
	char b[8];

	p.fd = rx;
	for (i = 0; i < 20; i++) {
		if (sendto(tx, "u", 1, 0, (void *)&to, tl) == 1 &&
		    poll(&p, 1, 0) == 1)
			ok++;
		recv(rx, b, sizeof(b), 0);
	}
	out("readable at once %d/20", ok);
}

/* ---- readiness masks, epoll ownership, accept flags, signals (issue 16) -- */

#define ALL_POLL	(POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLRDBAND | \
			 POLLWRNORM | POLLWRBAND | POLLRDHUP)
#define ALL_EPOLL	(EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLRDNORM | \
			 EPOLLRDBAND | EPOLLWRNORM | EPOLLWRBAND | EPOLLRDHUP)

/**
 * show_mask() - print what poll() and a level-triggered epoll asking for every
 * bit report for @fd now
 * @what:	label
 * @fd:		socket
 */
static void show_mask(const char *what, int fd)
{
	struct epoll_event ev = { .events = ALL_EPOLL }, got[2] = { { 0 } };
	struct pollfd p = { .fd = fd, .events = ALL_POLL };
	int ep = epoll_create1(EPOLL_CLOEXEC), n;

	n = poll(&p, 1, 0);
	out("%s: poll %d revents %#x", what, n, n > 0 ? p.revents : 0);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		out("%s: epoll_ctl %s", what, ename(errno));
	} else {
		n = epoll_wait(ep, got, 2, 0);
		out("%s: epoll %d events %#x", what, n, n > 0 ? got[0].events : 0);
	}
	close(ep);
}

/**
 * cpu_ms() - CPU time this process used (user and system)
 *
 * Return: milliseconds
 */
static long cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
}

/**
 * c_masks_tcp() - case "masks_tcp": poll/epoll masks (RDNORM, WRNORM, RDHUP,
 * HUP) of TCP sockets in each state, as Linux's tcp_poll() and
 * inet_csk_listen_poll() give them
 */
static void c_masks_tcp(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), l = listener(AF_INET, 6200);
	int c, h;
	char b[16];

	show_mask("fresh", s);
	show_mask("listen idle", l);
	ask_peer(6200, "hold");
	msleep(300);
	show_mask("listen pending", l);
	c = accept(l, NULL, NULL);
	show_mask("accepted", c);
	c = tcp_to(P_HOLD);
	msleep(200);
	show_mask("data", c);
	R(read(c, b, sizeof(b)));
	show_mask("drained", c);
	c = tcp_to(P_NOREAD);	/* no FIN from it for 4 s */
	R(shutdown(c, SHUT_WR));
	msleep(300);
	show_mask("shut_wr", c);
	h = tcp_to(P_HELLO);
	msleep(300);
	show_mask("data fin", h);
	R(read(h, b, sizeof(b)));
	show_mask("fin", h);
	R(shutdown(h, SHUT_WR));
	msleep(200);
	show_mask("fin shut_wr", h);
	c = tcp_to(P_SINK);
	R(shutdown(c, SHUT_RD));
	show_mask("shut_rd", c);
	R(shutdown(c, SHUT_RDWR));
	show_mask("shut_rdwr", c);
}

/**
 * c_masks_rst() - case "masks_rst": masks after an RST, before and after
 * SO_ERROR and the first read took the error
 */
static void c_masks_rst(void)
{
	int fd = tcp_rst(), e = 0;
	socklen_t len = sizeof(e);
	char b[8];

	msleep(RST_WAIT_MS);
	show_mask("rst", fd);
	R(getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len));
	out("so_error %s", ename(e));
	show_mask("rst taken", fd);
	R(read(fd, b, sizeof(b)));
	show_mask("rst read", fd);
	fd = tcp_rst();
	msleep(RST_WAIT_MS);
	R(read(fd, b, sizeof(b)));
	show_mask("rst read first", fd);
}

/**
 * c_masks_udp() - case "masks_udp": datagram_poll()'s masks (WRBAND too)
 */
static void c_masks_udp(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char b[8];

	show_mask("fresh", fd);
	R(connect(fd, (void *)&a, sizeof(a)));
	show_mask("connected", fd);
	R(send(fd, "x", 1, 0));
	msleep(300);
	show_mask("data", fd);
	R(recv(fd, b, sizeof(b), 0));
	show_mask("drained", fd);
}

/**
 * c_epoll_et_more() - case "epoll_et_more": with EPOLLET, more data on a
 * socket that is still readable is a new edge (Linux wakes the epoll on every
 * sk_data_ready), and so is a second connection on a listener not accepted
 * from
 */
static void c_epoll_et_more(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, got[2];
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	int fd = tcp_to(P_ECHO), ep = epoll_create1(0), l, ep2, u;
	char b[16];
	long t0;

	fcntl(fd, F_SETFL, O_NONBLOCK);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(write(fd, "one", 3));
	R(epoll_wait(ep, got, 2, 2000));
	R(epoll_wait(ep, got, 2, 100));
	R(write(fd, "two", 3));
	R(epoll_wait(ep, got, 2, 2000));
	t0 = cpu_ms();
	R(epoll_wait(ep, got, 2, 500));
	out("idle wait cpu %s", cpu_ms() - t0 < 100 ? "low" : "high");
	R(read(fd, b, sizeof(b)));
	u = socket(AF_INET, SOCK_DGRAM, 0);
	R(connect(u, (void *)&a, sizeof(a)));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, u, &ev));
	R(send(u, "x", 1, 0));
	R(epoll_wait(ep, got, 2, 2000));
	R(epoll_wait(ep, got, 2, 100));
	R(send(u, "y", 1, 0));
	R(epoll_wait(ep, got, 2, 2000));
	R(epoll_wait(ep, got, 2, 100));
	l = listener(AF_INET, 6201);
	ep2 = epoll_create1(0);
	fcntl(l, F_SETFL, O_NONBLOCK);
	R(epoll_ctl(ep2, EPOLL_CTL_ADD, l, &ev));
	ask_peer(6201, "hold");
	R(epoll_wait(ep2, got, 2, 2000));
	R(epoll_wait(ep2, got, 2, 100));
	ask_peer(6201, "hold");
	R(epoll_wait(ep2, got, 2, 2000));
	R(epoll_wait(ep2, got, 2, 100));
}

/**
 * ep_count() - how many fds the kernel lists in epoll set @ep
 * @ep:	epoll fd
 *
 * Return: "tfd:" lines of /proc/self/fdinfo/@ep, -1 if unreadable
 */
static int ep_count(int ep)
{
	char path[64], line[256];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", ep);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "tfd:", 4))
			n++;
	fclose(f);
	return n;
}

/**
 * write_later() - a child writes one byte on @fd after @ms
 * @fd:	connection (to the echo port)
 * @ms:	delay
 */
static void write_later(int fd, int ms)
{
	if (fork() == 0) {
		msleep(ms);
		if (write(fd, "w", 1) != 1)
			out("late write failed");
		_exit(0);
	}
}

/**
 * c_epoll_flags() - case "epoll_flags": EPOLLEXCLUSIVE and EPOLLONESHOT
 * rules of epoll_ctl(2): EXCLUSIVE only with ADD, never with ONESHOT; a
 * ONESHOT|ET member rearmed by MOD reports again
 */
static void c_epoll_flags(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE }, got[2];
	int fd = tcp_to(P_HOLD), ep = epoll_create1(0), ep2 = epoll_create1(0);

	msleep(200);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev));
	R(epoll_wait(ep, got, 2, 1000));
	out("events %#x", got[0].events);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
	R(epoll_ctl(ep2, EPOLL_CTL_ADD, fd, &ev));
	ev.events = EPOLLIN | EPOLLONESHOT | EPOLLET;
	R(epoll_ctl(ep2, EPOLL_CTL_ADD, fd, &ev));
	R(epoll_wait(ep2, got, 2, 1000));
	R(epoll_wait(ep2, got, 2, 100));
	R(epoll_ctl(ep2, EPOLL_CTL_MOD, fd, &ev));
	R(epoll_wait(ep2, got, 2, 1000));
	R(epoll_wait(ep2, got, 2, 100));
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	R(epoll_ctl(ep2, EPOLL_CTL_MOD, fd, &ev));
}

/**
 * et_waiter() - epoll_wait on the set *@arg again and again for 1500 ms
 * @arg:	pointer to the epoll fd
 *
 * Return: the events it got, as a pointer-sized count
 */
static void *et_waiter(void *arg)
{
	struct epoll_event got[2];
	long end = now_ms() + 1500, left, total = 0;
	int n;

	while ((left = end - now_ms()) > 0) {
		n = epoll_wait(*(int *)arg, got, 2, (int)left);
		if (n > 0)
			total += n;
	}
	return (void *)total;
}

/**
 * c_epoll_et_threads() - case "epoll_et_threads": two threads in
 * epoll_wait on one set whose EPOLLET member was left readable; one more
 * arrival is one event for one of them, and they do not keep each other
 * awake
 */
static void c_epoll_et_threads(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET }, got[2];
	int fd = tcp_to(P_ECHO), ep = epoll_create1(0), i;
	pthread_t t[2];
	long total = 0, t0;
	void *r;

	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(write(fd, "a", 1));
	R(epoll_wait(ep, got, 2, 2000));
	t0 = cpu_ms();
	for (i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, et_waiter, &ep);
	msleep(300);
	R(write(fd, "b", 1));
	for (i = 0; i < 2; i++) {
		pthread_join(t[i], &r);
		total += (long)r;
	}
	out("events %ld, cpu %s", total, cpu_ms() - t0 < 150 ? "low" : "high");
}

/**
 * c_eintr_more() - case "eintr_more": a handler without SA_RESTART ends a
 * blocked send (with the bytes already taken, else EINTR), a blocked UDP
 * recv and a blocked select at once
 */
static void c_eintr_more(void)
{
	static char big[16 << 20];	/* more than buffer and window */
	struct sockaddr_in a = sin_of("0.0.0.0", 6205);
	int fd = tcp_to(P_NOREAD), u = socket(AF_INET, SOCK_DGRAM, 0);
	struct timeval tv = { 3, 0 };
	fd_set r;
	ssize_t n;
	long t0;
	char b[8];

	signal(SIGPIPE, SIG_IGN);	/* an EPIPE is printed, not fatal */
	t0 = now_ms();
	signal_in(300, false);
	n = send(fd, big, sizeof(big), 0);
	out("send: partial %d", n > 0 && n < (ssize_t)sizeof(big));
	signal_in(300, false);
	n = send(fd, big, sizeof(big), 0);	/* the window may open a bit */
	out("send again: %s", n > 0 ? "partial" : ename(errno));
	if (now_ms() - t0 > 3000)	/* P_NOREAD resets at 4 s */
		out("sends took %ld ms", now_ms() - t0);
	R(bind(u, (void *)&a, sizeof(a)));
	signal_in(300, false);
	t0 = now_ms();
	R(recv(u, b, sizeof(b), 0));
	out("recv: %s", now_ms() - t0 < 2000 ? "at once" : "late");
	FD_ZERO(&r);
	FD_SET(u, &r);
	signal_in(300, true);	/* select is never restarted */
	R(select(u + 1, &r, NULL, NULL, &tv));
}

/**
 * c_poll_odd_bits() - case "poll_odd_bits": waits for bits a readable TCP
 * socket does not report (RDHUP before the FIN, PRI, RDBAND, WRBAND,
 * exceptfds) time out without spinning; RDHUP alone wakes for the FIN
 */
static void c_poll_odd_bits(void)
{
	static const short odd[] = { POLLRDHUP, POLLPRI, POLLRDBAND, POLLWRBAND };
	struct epoll_event ev = { .events = EPOLLRDHUP }, got[2];
	struct timeval tv = { 0, 300000 };
	int fd = tcp_to(P_HOLD), h = tcp_to(P_SLOW), ep = epoll_create1(0);
	struct pollfd p = { .fd = fd };
	unsigned int i;
	long t0;
	fd_set e;

	msleep(200);	/* "hello" is there */
	t0 = cpu_ms();
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		p.events = odd[i];
		R(poll(&p, 1, 300));
	}
	FD_ZERO(&e);
	FD_SET(fd, &e);
	R(select(fd + 1, NULL, NULL, &e, &tv));
	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(epoll_wait(ep, got, 2, 300));
	out("idle cpu %s", cpu_ms() - t0 < 150 ? "low" : "high");
	p.fd = h;	/* "late" at 600 ms, FIN when we shut */
	p.events = POLLRDHUP;
	R(poll(&p, 1, 1000));
	R(shutdown(h, SHUT_WR));
	R(poll(&p, 1, 2000));
	out("revents %#x", p.revents);
}

/**
 * c_epoll_dup_close() - case "epoll_dup_close": the registration belongs to
 * the open file description; closing one of two dups keeps it (epoll(7) Q6)
 */
static void c_epoll_dup_close(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 77 }, got[2];
	int fd = tcp_to(P_ECHO), ep = epoll_create1(0), d = dup(fd);

	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(close(fd));
	R(epoll_wait(ep, got, 2, 100));
	write_later(d, 300);	/* the wake must come through the set */
	R(epoll_wait(ep, got, 2, 2000));
	out("events %#x data %u", got[0].events, got[0].data.u32);
	R(epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL));
	R(epoll_ctl(ep, EPOLL_CTL_MOD, d, &ev));
	ev.data.u32 = 78;
	R(epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev));
	R(epoll_wait(ep, got, 2, 2000));
	R(close(d));
	R(epoll_wait(ep, got, 2, 100));
}

/**
 * c_epoll_fork_close() - case "epoll_fork_close": a child that closes its
 * copy of a registered fd leaves the parent's registration alive
 */
static void c_epoll_fork_close(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 5 }, got[2];
	int fd = tcp_to(P_ECHO), ep = epoll_create1(0), st;
	pid_t pid;

	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	pid = fork();
	if (pid == 0) {
		close(fd);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	out("registered fds %d", ep_count(ep));
	write_later(fd, 300);
	R(epoll_wait(ep, got, 2, 2000));
	out("events %#x data %u", got[0].events, got[0].data.u32);
}

/**
 * c_accept_inherit() - case "accept_inherit": accept() never inherits
 * O_NONBLOCK from the listener; accept4's flags alone decide
 */
static void c_accept_inherit(void)
{
	int l = listener(AF_INET, 6202), c;

	R(fcntl(l, F_SETFL, O_NONBLOCK));
	ask_peer(6202, "hold");
	ask_peer(6202, "hold");
	ask_peer(6202, "hold");
	msleep(300);
	c = R(accept(l, NULL, NULL));
	out("accept: nonblock %d cloexec %d", !!(fcntl(c, F_GETFL) & O_NONBLOCK),
	    !!(fcntl(c, F_GETFD) & FD_CLOEXEC));
	c = R(accept4(l, NULL, NULL, SOCK_CLOEXEC));
	out("accept4 cloexec: nonblock %d cloexec %d",
	    !!(fcntl(c, F_GETFL) & O_NONBLOCK),
	    !!(fcntl(c, F_GETFD) & FD_CLOEXEC));
	R(fcntl(l, F_SETFL, 0));
	c = R(accept4(l, NULL, NULL, SOCK_NONBLOCK));
	out("accept4 nonblock: nonblock %d cloexec %d",
	    !!(fcntl(c, F_GETFL) & O_NONBLOCK),
	    !!(fcntl(c, F_GETFD) & FD_CLOEXEC));
}

/**
 * accept_nb_all() - accept until EAGAIN (the listener is made O_NONBLOCK)
 * @l:		listener
 *
 * Return: connections accepted (closed again)
 */
static int accept_nb_all(int l)
{
	int n = 0, c;

	fcntl(l, F_SETFL, O_NONBLOCK);
	while ((c = accept4(l, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		close(c);
		n++;
	}
	out("then %s", ename(errno));
	return n;
}

/**
 * c_accept_queued_ready() - case "accept_queued_ready": a listener with
 * several connections waiting stays readable (poll, level epoll) until the
 * last is accepted, EPOLLET reports one edge for them, and accept4 takes
 * exactly as many as arrived
 */
static void c_accept_queued_ready(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 9 };
	struct epoll_event got[2];
	struct pollfd p;
	int l = listener(AF_INET, 6210), ep = epoll_create1(0), c, i;

	for (i = 0; i < 4; i++)
		ask_peer(6210, "hold");
	p = (struct pollfd){ .fd = l, .events = POLLIN };
	poll(&p, 1, 2000);	/* the first is there, the others follow */
	msleep(300);
	p.revents = 0;
	R(poll(&p, 1, 0));
	out("poll revents %#x", p.revents);
	c = R(accept4(l, NULL, NULL, SOCK_NONBLOCK));
	close(c);
	p.revents = 0;
	R(poll(&p, 1, 0));
	out("after one accept: poll revents %#x", p.revents);
	R(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
	R(epoll_wait(ep, got, 2, 0));
	out("epoll et events %#x data %u", got[0].events, got[0].data.u32);
	R(epoll_wait(ep, got, 2, 0));	/* no new edge */
	out("accepted %d more", accept_nb_all(l));
	p.revents = 0;
	R(poll(&p, 1, 0));
	R(epoll_wait(ep, got, 2, 0));
	ask_peer(6210, "hold");		/* a new arrival is a new edge */
	R(epoll_wait(ep, got, 2, 2000));
	out("accepted %d more", accept_nb_all(l));
}

/**
 * c_accept_fork() - case "accept_fork": connections waiting on a listener
 * when the program forks are there for whichever process accepts first
 */
static void c_accept_fork(void)
{
	int l = listener(AF_INET, 6212), c, i, st = 0;
	pid_t pid;

	for (i = 0; i < 3; i++)
		ask_peer(6212, "hold");
	msleep(300);
	c = R(accept(l, NULL, NULL));
	close(c);
	pid = fork();
	if (pid == 0) {		/* the parent waits: the child takes both */
		fcntl(l, F_SETFL, O_NONBLOCK);
		c = accept(l, NULL, NULL);
		i = accept(l, NULL, NULL);
		_exit((c >= 0) + (i >= 0));
	}
	waitpid(pid, &st, 0);
	out("child accepted %d", WEXITSTATUS(st));
	out("parent accepted %d", accept_nb_all(l));
}

/**
 * c_accept_close_pending() - case "accept_close_pending": closing a
 * listener resets the connections it still held; one accepted before
 * lives on
 */
static void c_accept_close_pending(void)
{
	int l = listener(AF_INET, 6214), r = listener(AF_INET, 6215), c, k, i;
	char b[2][8] = { "", "" };

	ask_peer(6214, "report");
	ask_peer(6214, "report");
	msleep(300);
	c = R(accept(l, NULL, NULL));
	R(close(l));
	msleep(300);
	R(write(c, "x", 1));
	R(shutdown(c, SHUT_WR));
	for (i = 0; i < 2; i++) {
		k = accept(r, NULL, NULL);
		R(read_all(k, b[i], sizeof(b[i]) - 1));
		close(k);
	}
	if (strcmp(b[0], b[1]) > 0)
		out("peers saw %s %s", b[1], b[0]);
	else
		out("peers saw %s %s", b[0], b[1]);
	close(c);
}

/**
 * c_ioctl_queues() - case "ioctl_queues": FIONREAD/SIOCINQ/SIOCOUTQ on a
 * listener (EINVAL), an unconnected and a connected socket, UDP
 */
static void c_ioctl_queues(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_ECHO);
	int l = listener(AF_INET, 6203), s = socket(AF_INET, SOCK_STREAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0), c, n;

	n = -1;
	R(ioctl(l, FIONREAD, &n));
	n = -1;
	R(ioctl(l, SIOCINQ, &n));
	n = -1;
	R(ioctl(l, SIOCOUTQ, &n));
	n = -1;
	R(ioctl(l, SIOCOUTQNSD, &n));
	n = -1;
	R(ioctl(s, FIONREAD, &n));
	out("unconnected inq %d", n);
	n = -1;
	R(ioctl(s, SIOCOUTQ, &n));
	out("unconnected outq %d", n);
	c = tcp_to(P_HOLD);
	msleep(200);
	n = -1;
	R(ioctl(c, SIOCINQ, &n));
	out("inq %d", n);
	n = -1;
	R(ioctl(c, SIOCOUTQ, &n));
	out("outq %d", n);
	n = -1;
	R(ioctl(u, SIOCINQ, &n));
	out("udp inq %d", n);
	n = -1;
	R(ioctl(u, SIOCOUTQ, &n));
	out("udp outq %d", n);
	R(sendto(u, "hello", 5, 0, (void *)&a, sizeof(a)));
	R(sendto(u, "hi", 2, 0, (void *)&a, sizeof(a)));
	msleep(300);
	n = -1;
	R(ioctl(u, SIOCINQ, &n));
	out("udp inq %d", n);
}

/**
 * c_signal_restart() - case "signal_restart": SA_RESTART restarts a blocking
 * accept() and recv(); with SO_RCVTIMEO they end in EINTR even so
 * (signal(7)); epoll_wait and poll never restart
 */
static void c_signal_restart(void)
{
	struct epoll_event ev = { .events = EPOLLIN }, got[2];
	struct timeval tv = { 3, 0 };
	int l = listener(AF_INET, 6204), c, ep = epoll_create1(0);
	struct pollfd p = { .fd = l, .events = POLLIN };
	long t0;
	char b[8] = "";

	signal_in(200, true);
	if (fork() == 0) {	/* connects well after the signal */
		msleep(700);
		ask_peer(6204, "hi");
		_exit(0);
	}
	c = R(accept(l, NULL, NULL));
	R(read(c, b, 2));
	R(setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	signal_in(200, true);
	t0 = now_ms();
	R(accept(l, NULL, NULL));
	out("accept timed: %s", now_ms() - t0 < 2000 ? "at once" : "late");
	R(setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	signal_in(200, true);
	t0 = now_ms();
	R(recv(c, b, sizeof(b), 0));
	out("recv timed: %s", now_ms() - t0 < 2000 ? "at once" : "late");
	R(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
	signal_in(200, true);
	R(epoll_wait(ep, got, 2, 3000));
	signal_in(200, true);
	t0 = now_ms();
	R(poll(&p, 1, -1));
	out("poll: %s", now_ms() - t0 < 2000 ? "at once" : "late");
}

/* ---- the option table (issue 16): every option on every socket kind ---- */

/**
 * struct opt_row - one option of the table
 * @level:	level
 * @name:	option
 * @label:	its name as printed
 * @val:	the value set (read back afterwards)
 */
struct opt_row {
	int level, name;
	const char *label;
	int val;
};

#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif
#define O(l, n, v) { l, n, #n, v }
static const struct opt_row opt_rows[] = {
	O(SOL_SOCKET, SO_TYPE, 1), O(SOL_SOCKET, SO_DOMAIN, 1),
	O(SOL_SOCKET, SO_PROTOCOL, 1), O(SOL_SOCKET, SO_ERROR, 1),
	O(SOL_SOCKET, SO_ACCEPTCONN, 1), O(SOL_SOCKET, SO_REUSEADDR, 1),
	O(SOL_SOCKET, SO_REUSEPORT, 1), O(SOL_SOCKET, SO_KEEPALIVE, 1),
	O(SOL_SOCKET, SO_BROADCAST, 1), O(SOL_SOCKET, SO_OOBINLINE, 1),
	O(SOL_SOCKET, SO_DONTROUTE, 1), O(SOL_SOCKET, SO_DEBUG, 1),
	O(SOL_SOCKET, SO_NO_CHECK, 1), O(SOL_SOCKET, SO_PRIORITY, 5),
	O(SOL_SOCKET, SO_RCVLOWAT, 100), O(SOL_SOCKET, SO_SNDLOWAT, 100),
	O(SOL_SOCKET, SO_SNDBUF, 8192), O(SOL_SOCKET, SO_RCVBUF, 8192),
	O(SOL_SOCKET, SO_BSDCOMPAT, 1), O(SOL_SOCKET, 9999, 1),
	O(IPPROTO_IP, IP_TOS, 0x10), O(IPPROTO_IP, IP_TTL, 33),
	O(IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO),
	O(IPPROTO_IP, IP_MULTICAST_TTL, 7), O(IPPROTO_IP, IP_MULTICAST_LOOP, 0),
	O(IPPROTO_IP, IP_RECVTOS, 1), O(IPPROTO_IP, IP_HDRINCL, 1),
	O(IPPROTO_IP, 9999, 1),
	O(IPPROTO_IPV6, IPV6_TCLASS, 0x20), O(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9),
	O(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 5),
	O(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0),
	O(IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO),
	O(IPPROTO_IPV6, 9999, 1),
	O(IPPROTO_TCP, TCP_NODELAY, 1), O(IPPROTO_TCP, TCP_CORK, 1),
	O(IPPROTO_TCP, TCP_KEEPIDLE, 100), O(IPPROTO_TCP, TCP_KEEPINTVL, 10),
	O(IPPROTO_TCP, TCP_KEEPCNT, 3), O(IPPROTO_TCP, TCP_USER_TIMEOUT, 5000),
	O(IPPROTO_TCP, TCP_QUICKACK, 0), O(IPPROTO_TCP, TCP_DEFER_ACCEPT, 5),
	O(IPPROTO_TCP, TCP_FASTOPEN, 5), O(IPPROTO_TCP, TCP_FASTOPEN_CONNECT, 1),
	O(IPPROTO_TCP, TCP_SYNCNT, 3), O(IPPROTO_TCP, TCP_LINGER2, 30),
	O(IPPROTO_TCP, TCP_MAXSEG, 1000), O(IPPROTO_TCP, TCP_NOTSENT_LOWAT, 1000),
	O(IPPROTO_TCP, TCP_INFO, 1), O(IPPROTO_TCP, 9999, 1),
	O(IPPROTO_UDP, 9999, 1),
};
#undef O

/**
 * opt_get() - getsockopt() of an int option with a buffer of @room bytes
 * @fd:		socket
 * @r:		option
 * @room:	the optlen passed
 *
 * Return: "value/len" or the errno name (static)
 */
static const char *opt_get(int fd, const struct opt_row *r, socklen_t room)
{
	static char buf[4][64];
	static int k;
	unsigned char v[sizeof(struct tcp_info)];
	socklen_t len = room;
	int i = 0;

	k = (k + 1) % 4;
	memset(v, 0, sizeof(v));
	if (getsockopt(fd, r->level, r->name, v, &len) < 0)
		return ename(errno);
	if (r->name == TCP_INFO && r->level == IPPROTO_TCP)
		snprintf(buf[k], sizeof(buf[k]), "state %d/%s", v[0],
			 len == sizeof(struct tcp_info) ? "full" : "short");
	else if (len >= sizeof(int) && (memcpy(&i, v, sizeof(i)), 1))
		snprintf(buf[k], sizeof(buf[k]), "%d/%u", i, len);
	else
		snprintf(buf[k], sizeof(buf[k]), "byte %d/%u", v[0], len);
	return buf[k];
}

/**
 * opt_set() - setsockopt() of @r's value in @len bytes
 * @fd:		socket
 * @r:		option
 * @len:	the optlen passed
 *
 * Return: "ok" or the errno name (static)
 */
static const char *opt_set(int fd, const struct opt_row *r, socklen_t len)
{
	return setsockopt(fd, r->level, r->name, &r->val, len) < 0 ?
		ename(errno) : "ok";
}

/**
 * opt_table() - every row on a fresh socket of one kind: the default,
 * the value set and read back, a 1-byte set and a 1-byte and 2-byte read
 * @kind:	label
 * @family:	AF_INET or AF_INET6
 * @type:	SOCK_STREAM or SOCK_DGRAM
 */
static void opt_table(const char *kind, int family, int type)
{
	size_t i;

	for (i = 0; i < sizeof(opt_rows) / sizeof(opt_rows[0]); i++) {
		const struct opt_row *r = &opt_rows[i];
		int fd = socket(family, type, 0);
		char def[64], set[16];

		snprintf(def, sizeof(def), "%s", opt_get(fd, r, sizeof(int)));
		snprintf(set, sizeof(set), "%s", opt_set(fd, r, sizeof(int)));
		out("%s %s(%d): default %s set %s -> %s; 1-byte set %s, "
		    "read %s %s", kind, r->label, r->val, def, set,
		    opt_get(fd, r, sizeof(struct tcp_info)),
		    opt_set(fd, r, 1), opt_get(fd, r, 1), opt_get(fd, r, 2));
		close(fd);
	}
}

/**
 * c_opt_table_tcp() - case "opt_table_tcp": the option table on fresh
 * AF_INET and AF_INET6 TCP sockets
 */
static void c_opt_table_tcp(void)
{
	opt_table("tcp4", AF_INET, SOCK_STREAM);
	opt_table("tcp6", AF_INET6, SOCK_STREAM);
}

/**
 * c_opt_table_udp() - case "opt_table_udp": the option table on fresh
 * AF_INET and AF_INET6 UDP sockets
 */
static void c_opt_table_udp(void)
{
	opt_table("udp4", AF_INET, SOCK_DGRAM);
	opt_table("udp6", AF_INET6, SOCK_DGRAM);
}

/* ---- addresses and state (issue 16) ------------------------------------ */

/**
 * tw_port() - leave a connection accepted on @port in TIME-WAIT here
 * @port:	our port
 * @reuse:	SO_REUSEADDR on the listener (the accepted socket inherits it)
 */
static void tw_port(int port, int reuse)
{
	struct sockaddr_in a = sin_of("0.0.0.0", port);
	int l = socket(AF_INET, SOCK_STREAM, 0), c;
	char b[8];

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
	if (bind(l, (void *)&a, sizeof(a)) || listen(l, 4)) {
		out("listener %d: %s", port, ename(errno));
		return;
	}
	ask_peer(port, "hold");
	c = accept(l, NULL, NULL);
	out("accepted %d", c >= 0);
	R(shutdown(c, SHUT_WR));	/* we close first: TIME-WAIT here */
	R(read(c, b, sizeof(b)));	/* the peer's FIN */
	close(c);
	close(l);
}

/**
 * bind_reuse() - bind a fresh socket to @port with SO_REUSEADDR @reuse
 * @port:	port
 * @reuse:	0 or 1
 */
static void bind_reuse(int port, int reuse)
{
	struct sockaddr_in a = sin_of("0.0.0.0", port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof(reuse));
	out("bind with reuse %d", reuse);
	R(bind(fd, (void *)&a, sizeof(a)));
	close(fd);
}

/**
 * c_reuseaddr_tw_both() - case "reuseaddr_tw_both": a port held in
 * TIME-WAIT is reused only when the old socket and the new one both set
 * SO_REUSEADDR (inet_csk_bind_conflict())
 */
static void c_reuseaddr_tw_both(void)
{
	tw_port(6081, 1);
	bind_reuse(6081, 0);
	bind_reuse(6081, 1);
	tw_port(6082, 0);
	bind_reuse(6082, 0);
	bind_reuse(6082, 1);
}

/**
 * c_shutdown_rd_queued() - case "shutdown_rd_queued": after
 * shutdown(SHUT_RD) what was already queued is still read, then EOF
 */
static void c_shutdown_rd_queued(void)
{
	int fd = tcp_to(P_HOLD);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b[16] = "";

	R(poll(&p, 1, 3000));
	msleep(100);
	R(shutdown(fd, SHUT_RD));
	R(recv(fd, b, 2, 0));
	out("got '%.2s'", b);
	R(recv(fd, b, sizeof(b), 0));
	out("got '%.3s'", b);
	R(recv(fd, b, sizeof(b), 0));
	R(poll(&p, 1, 0));
	out("revents %#x", p.revents & (POLLIN | POLLHUP | POLLERR));
}

/**
 * c_tcp_info_closed() - case "tcp_info_closed": TCP_INFO's state through
 * an active close that ends in TIME-WAIT (Linux: CLOSE, 7, on the socket
 * still held), and on a fresh socket
 */
static void c_tcp_info_closed(void)
{
	int fd = tcp_to(P_HOLD), fresh = socket(AF_INET, SOCK_STREAM, 0);
	struct tcp_info ti;
	socklen_t len;
	char b[16];

#define STATE(s) (len = sizeof(ti), memset(&ti, 0xff, sizeof(ti)), \
	getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &len), \
	out("tcpi_state %d", ti.tcpi_state))
	STATE(fresh);
	R(read(fd, b, 5));
	STATE(fd);
	R(shutdown(fd, SHUT_WR));
	R(read(fd, b, sizeof(b)));
	msleep(100);
	STATE(fd);
#undef STATE
}

/**
 * c_nonblock_partial() - case "nonblock_partial": a non-blocking send
 * larger than the room left takes what fits and returns that count
 * instead of EAGAIN, on loopback with a receiver that read some (the
 * buffers set, so that Linux's autotuning cannot make room for it all)
 */
static void c_nonblock_partial(void)
{
	static char big[1 << 20];
	struct sockaddr_in a = sin_of("127.0.0.1", 6083);
	int l = listener(AF_INET, 6083), c, s, i, v = 65536;
	ssize_t n = 0, total = 0, got = 0;

	c = socket(AF_INET, SOCK_STREAM, 0);
	R(setsockopt(l, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	R(setsockopt(c, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	R(connect(c, (void *)&a, sizeof(a)));
	s = R(accept(l, NULL, NULL));
	R(fcntl(c, F_SETFL, O_NONBLOCK));
	for (i = 0; i < 4000 && (n = write(c, big, 4096)) > 0; i++)
		total += n;
	out("filled %d then %s", total > 0, ename(n < 0 ? errno : 0));
	for (i = 0; i < 100 && got < 30000; i++) {
		n = recv(s, big, 8192, MSG_DONTWAIT);
		if (n > 0)
			got += n;
		else
			msleep(10);
	}
	out("reader took 30000: %d", got >= 30000);
	msleep(200);
	n = write(c, big, sizeof(big));
	out("then a 1 MiB write: %s",
	    n < 0 ? ename(errno) : n > 0 && n < (ssize_t)sizeof(big) ?
	    "partial" : n == (ssize_t)sizeof(big) ? "all" : "0");
}

/**
 * c_udp_broadcast() - case "udp_broadcast": sending to or connecting to a
 * broadcast address needs SO_BROADCAST (EACCES before)
 */
static void c_udp_broadcast(void)
{
	struct sockaddr_in b = sin_of("192.168.1.255", P_ECHO);
	struct sockaddr_in all = sin_of("192.168.1.255", P_ECHO + 1);
	int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;

	R(sendto(fd, "b", 1, 0, (void *)&b, sizeof(b)));
	R(connect(fd, (void *)&all, sizeof(all)));
	R(setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)));
	R(sendto(fd, "b", 1, 0, (void *)&b, sizeof(b)));
	R(connect(fd, (void *)&all, sizeof(all)));
}

/**
 * linger_get() - print SO_LINGER as read back with @room bytes
 * @fd:		socket
 * @room:	optlen passed
 */
static void linger_get(int fd, socklen_t room)
{
	struct linger l = { -1, -1 };
	socklen_t len = room;

	R(getsockopt(fd, SOL_SOCKET, SO_LINGER, &l, &len));
	out("linger %d %d len %u", l.l_onoff, l.l_linger, len);
}

/**
 * c_linger_sequences() - case "linger_sequences": SO_LINGER set and read
 * in every order on TCP (unconnected, connected) and UDP: l_onoff 0 keeps
 * the time, a short value is EINVAL, a short read is truncated; then what
 * the peer sees of a close with {1, 0} after {1, 5}
 */
static void c_linger_sequences(void)
{
	static const struct linger seq[] = {
		{ 1, 5 }, { 0, 7 }, { 1, 0 }, { 0, 0 }, { 1, 3 }, { 0, 9 },
	};
	int fds[3], k, one = 1;
	size_t i;
	char b[8];

	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	fds[1] = tcp_to(P_ECHO);
	fds[2] = socket(AF_INET, SOCK_DGRAM, 0);
	for (k = 0; k < 3; k++) {
		linger_get(fds[k], sizeof(struct linger));
		for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
			R(setsockopt(fds[k], SOL_SOCKET, SO_LINGER, &seq[i],
				     sizeof(seq[i])));
			linger_get(fds[k], sizeof(struct linger));
		}
		R(setsockopt(fds[k], SOL_SOCKET, SO_LINGER, &one, sizeof(one)));
		linger_get(fds[k], sizeof(int));
	}
	k = tcp_to(P_BYE);
	R(setsockopt(k, SOL_SOCKET, SO_LINGER, &seq[0], sizeof(seq[0])));
	R(setsockopt(k, SOL_SOCKET, SO_LINGER, &seq[2], sizeof(seq[2])));
	R(write(k, "x", 1));
	msleep(100);
	R(close(k));	/* RST: the peer never says "bye" */
	k = tcp_to(P_BYE);
	R(setsockopt(k, SOL_SOCKET, SO_LINGER, &seq[2], sizeof(seq[2])));
	R(setsockopt(k, SOL_SOCKET, SO_LINGER, &seq[1], sizeof(seq[1])));
	R(shutdown(k, SHUT_WR));	/* FIN: linger off again */
	memset(b, 0, sizeof(b));
	R(read(k, b, sizeof(b)));
	out("peer said '%s'", b);
}

/**
 * c_opts_inherit() - case "opts_inherit": what an accepted socket takes
 * from its listener's options (Linux clones the listener)
 */
static void c_opts_inherit(void)
{
	static const struct opt_row rows[] = {
		{ SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", 1 },
		{ SOL_SOCKET, SO_PRIORITY, "SO_PRIORITY", 3 },
		{ SOL_SOCKET, SO_RCVLOWAT, "SO_RCVLOWAT", 10 },
		{ SOL_SOCKET, SO_OOBINLINE, "SO_OOBINLINE", 1 },
		{ SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", 65536 },
		{ IPPROTO_IP, IP_TOS, "IP_TOS", 0x20 },
		{ IPPROTO_IP, IP_TTL, "IP_TTL", 30 },
		{ IPPROTO_IP, IP_MTU_DISCOVER, "IP_MTU_DISCOVER", 0 },
		{ IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", 1 },
		{ IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", 50 },
		{ IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", 5 },
		{ IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", 4 },
		{ IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", 3000 },
		{ IPPROTO_TCP, TCP_LINGER2, "TCP_LINGER2", 20 },
		{ IPPROTO_TCP, TCP_NOTSENT_LOWAT, "TCP_NOTSENT_LOWAT", 4096 },
	};
	int l = listener(AF_INET, 6084), c;
	struct linger lg = { 1, 4 };
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (setsockopt(l, rows[i].level, rows[i].name, &rows[i].val,
			       sizeof(int)) < 0)
			out("set %s: %s", rows[i].label, ename(errno));
	R(setsockopt(l, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	ask_peer(6084, "hold");
	c = accept(l, NULL, NULL);
	out("accepted %d", c >= 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		out("accepted %s %s", rows[i].label,
		    opt_get(c, &rows[i], sizeof(int)));
	linger_get(c, sizeof(struct linger));
	out("listener SO_ACCEPTCONN %s accepted %s",
	    opt_get(l, &opt_rows[4], sizeof(int)),
	    opt_get(c, &opt_rows[4], sizeof(int)));
}

/**
 * mcif_get() - print IP_MULTICAST_IF as read back
 * @fd:		socket
 */
static void mcif_get(int fd)
{
	struct in_addr a = { 0xffffffff };
	char ip[INET_ADDRSTRLEN] = "?";
	socklen_t len = sizeof(a) + 4;

	R(getsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &a, &len));
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	out("multicast_if %s len %u", ip, len);
}

/**
 * c_multicast_if() - case "multicast_if": IP_MULTICAST_IF by address and
 * by struct ip_mreqn on UDP, one not ours, the wildcard, too short, TCP
 */
static void c_multicast_if(void)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0), t = socket(AF_INET, SOCK_STREAM, 0);
	struct ip_mreqn m = { .imr_address.s_addr = inet_addr(SUBJ_IP) };
	struct in_addr a = { inet_addr(SUBJ_IP) };

	mcif_get(u);
	R(setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof(a)));
	mcif_get(u);
	a.s_addr = inet_addr("10.9.9.9");
	R(setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof(a)));
	a.s_addr = 0;
	R(setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof(a)));
	mcif_get(u);
	R(setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &a, 2));
	R(setsockopt(u, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m)));
	mcif_get(u);
	R(setsockopt(t, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof(a)));
	mcif_get(t);
}

/**
 * c_sockopt_unprivileged() - case "sockopt_unprivileged": after dropping
 * root, SO_PRIORITY above 6 is EPERM and SO_DEBUG 1 is EACCES (Linux wants
 * CAP_NET_ADMIN); the socket was made before the drop
 */
static void c_sockopt_unprivileged(void)
{
	int t = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_DGRAM, 0);
	int seven = 7, six = 6, one = 1, zero = 0;

	R(setresuid(65534, 65534, 65534));
	R(setsockopt(t, SOL_SOCKET, SO_PRIORITY, &seven, sizeof(seven)));
	R(setsockopt(t, SOL_SOCKET, SO_PRIORITY, &six, sizeof(six)));
	R(setsockopt(u, SOL_SOCKET, SO_PRIORITY, &seven, sizeof(seven)));
	R(setsockopt(u, SOL_SOCKET, SO_DEBUG, &one, sizeof(one)));
	R(setsockopt(u, SOL_SOCKET, SO_DEBUG, &zero, sizeof(zero)));
}

/**
 * c_udp_rcvbuf() - case "udp_rcvbuf": a UDP SO_RCVBUF of 1000 (read back
 * 2304) keeps a handful of 20 datagrams of 1000 bytes sent on loopback
 * and drops the rest (Linux counts buffers, Aether records: not the same
 * handful, so only "some, not all")
 */
static void c_udp_rcvbuf(void)
{
	static char data[1000];
	struct sockaddr_in a = sin_of("127.0.0.1", 6085);
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
	int v = 1000, i, got = 0;
	socklen_t len = sizeof(v);

	R(setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	R(getsockopt(rx, SOL_SOCKET, SO_RCVBUF, &v, &len));
	out("rcvbuf %d", v);
	R(bind(rx, (void *)&a, sizeof(a)));
	for (i = 0; i < 20; i++)
		sendto(tx, data, sizeof(data), 0, (void *)&a, sizeof(a));
	msleep(100);
	while (recv(rx, data, sizeof(data), MSG_DONTWAIT) == sizeof(data))
		got++;
	out("kept some %d, dropped some %d", got > 0, got < 20);
}

/* ---- errors from the network ------------------------------------------- */

#define DEAD_IP		"192.168.1.77"	/* on the link; never answers ARP */

/**
 * span() - how long since @t0, in the coarse steps a case may print
 * @t0:	now_ms() at the start
 *
 * Return: "under 2 s", "2 to 5 s" (the kernel's 3 ARP probes, 1 s apart)
 * or "over 5 s"
 */
static const char *span(long t0)
{
	long ms = now_ms() - t0;

	return ms < 2000 ? "under 2 s" : ms <= 5000 ? "2 to 5 s" : "over 5 s";
}

/**
 * c_arp_unreach_tcp() - case "arp_unreach_tcp": a blocking connect to an
 * on-link address that never answers ARP fails when resolution does
 */
static void c_arp_unreach_tcp(void)
{
	struct sockaddr_in a = sin_of(DEAD_IP, 80);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	long t0 = now_ms();

	R(connect(fd, (void *)&a, sizeof(a)));
	out("after %s", span(t0));
	R(send(fd, "x", 1, MSG_NOSIGNAL));
}

/**
 * c_arp_unreach_nb() - case "arp_unreach_nb": the same, non-blocking:
 * EINPROGRESS, then POLLOUT|POLLERR|POLLHUP and SO_ERROR
 */
static void c_arp_unreach_nb(void)
{
	struct sockaddr_in a = sin_of(DEAD_IP, 81);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = -1;
	socklen_t len = sizeof(err);
	long t0 = now_ms();

	R(connect(fd, (void *)&a, sizeof(a)));
	R(poll(&p, 1, 8000));
	out("revents %#x after %s", p.revents, span(t0));
	R(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	out("so_error %s", ename(err));
	R(connect(fd, (void *)&a, sizeof(a)));
	a = sin_of(PEER_IP, P_CLOSED);	/* unconnected again: starts over */
	R(connect(fd, (void *)&a, sizeof(a)));
	msleep(300);
	R(connect(fd, (void *)&a, sizeof(a)));
	R(connect(fd, (void *)&a, sizeof(a)));
}

/**
 * c_arp_unreach_udp() - case "arp_unreach_udp": datagrams to an address
 * that never answers ARP, on a connected and an unconnected socket
 */
static void c_arp_unreach_udp(void)
{
	struct sockaddr_in a = sin_of(DEAD_IP, 9);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct pollfd p = { .fd = c, .events = POLLIN | POLLOUT };
	int err = -1;
	socklen_t len = sizeof(err);

	R(connect(c, (void *)&a, sizeof(a)));
	R(send(c, "x", 1, 0));
	R(sendto(u, "x", 1, 0, (void *)&a, sizeof(a)));
	msleep(4000);
	R(poll(&p, 1, 0));
	out("revents %#x", p.revents);
	R(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	out("so_error %s", ename(err));
	R(send(c, "x", 1, 0));
	R(sendto(u, "x", 1, 0, (void *)&a, sizeof(a)));
}

/**
 * c_udp_refused() - case "udp_refused": ICMP port unreachable from the
 * peer on a connected UDP socket: poll, recv, send and SO_ERROR each
 * report and clear it once; an unconnected socket never hears of it
 */
static void c_udp_refused(void)
{
	struct sockaddr_in a = sin_of(PEER_IP, P_CLOSED);
	int c = socket(AF_INET, SOCK_DGRAM, 0);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct pollfd p = { .fd = c, .events = POLLIN | POLLOUT };
	int err = -1;
	socklen_t len = sizeof(err);
	char b[8];

	R(connect(c, (void *)&a, sizeof(a)));
	R(send(c, "x", 1, 0));
	msleep(300);
	R(poll(&p, 1, 1000));
	out("revents %#x", p.revents);
	R(recv(c, b, sizeof(b), MSG_DONTWAIT));
	R(recv(c, b, sizeof(b), MSG_DONTWAIT));
	R(send(c, "x", 1, 0));
	msleep(300);
	R(send(c, "x", 1, 0));
	R(send(c, "x", 1, 0));
	msleep(300);
	R(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	out("so_error %s", ename(err));
	R(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	out("so_error %s", ename(err));
	R(sendto(u, "x", 1, 0, (void *)&a, sizeof(a)));
	msleep(300);
	R(sendto(u, "x", 1, 0, (void *)&a, sizeof(a)));
	R(recv(u, b, sizeof(b), MSG_DONTWAIT));
	R(connect(c, (void *)&a, sizeof(a)));
}

/**
 * c_rst_order() - case "rst_order": after the peer's RST, what poll, recv,
 * send and SO_ERROR report, in order (Linux: tcp_reset(), tcp_poll())
 */
static void c_rst_order(void)
{
	struct pollfd p = { .events = POLLIN | POLLOUT | POLLRDHUP | POLLPRI };
	int fd = tcp_rst(), err = -1;
	socklen_t len = sizeof(err);
	char b[8];

	signal(SIGPIPE, on_sigpipe);
	p.fd = fd;
	msleep(RST_WAIT_MS);
	R(poll(&p, 1, 0));
	out("revents %#x", p.revents);
	R(recv(fd, b, sizeof(b), 0));
	R(poll(&p, 1, 0));
	out("revents %#x", p.revents);
	R(recv(fd, b, sizeof(b), 0));
	R(send(fd, "x", 1, 0));
	out("sigpipes %d", (int)sigpipes);
	R(getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	out("so_error %s", ename(err));
	R(shutdown(fd, SHUT_RDWR));
	R(connect(fd, (void *)&(struct sockaddr_in){ 0 }, 0));
}

/**
 * c_rst_send_first() - case "rst_send_first": the first call after the
 * RST is a send: it takes the error, reads then see EOF
 */
static void c_rst_send_first(void)
{
	int fd = tcp_rst();
	char b[8];

	signal(SIGPIPE, on_sigpipe);
	msleep(RST_WAIT_MS);
	R(send(fd, "x", 1, 0));
	R(send(fd, "x", 1, 0));
	out("sigpipes %d", (int)sigpipes);
	R(recv(fd, b, sizeof(b), 0));
	R(read(fd, b, sizeof(b)));
}

/**
 * c_rst_epoll_et() - case "rst_epoll_et": an EPOLLET registration made
 * before the RST sees one edge with every bit, then nothing
 */
static void c_rst_epoll_et(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP |
					    EPOLLET }, got[2];
	int fd = tcp_to(P_RST), ep = epoll_create1(0);

	R(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	R(epoll_wait(ep, got, 2, 0));		/* the connected edge: OUT */
	out("events %#x", got[0].events);
	rst_go(fd);
	msleep(RST_WAIT_MS);
	R(epoll_wait(ep, got, 2, 1000));
	out("events %#x", got[0].events);
	R(epoll_wait(ep, got, 2, 0));
}

/**
 * close_churn() - thread of c_close_reuse_file(): make and close sockets
 * until *@stop
 * @arg:	the stop flag (an int)
 *
 * Return: NULL
 */
static void *close_churn(void *arg)
{
	volatile int *stop = arg;

	while (!*stop) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s >= 0)
			close(s);
	}
	return NULL;
}

/**
 * c_close_reuse_file() - case "close_reuse_file": while another thread
 * closes sockets, the numbers they free are given to this thread's files,
 * and reading such a file reads the file (the shim's table must never take
 * it for the socket that had the number: a read then failed ENOTCONN)
 */
static void c_close_reuse_file(void)
{
	char path[] = "/tmp/apitest.XXXXXX", b[16];
	int f = mkstemp(path), bad = 0, i, stop = 0;
	pthread_t t;

	if (f < 0 || write(f, "0123456789", 10) != 10) {
		out("no file");
		return;
	}
	close(f);
	pthread_create(&t, NULL, close_churn, &stop);
	for (i = 0; i < 20000; i++) {
		f = open(path, O_RDONLY);
		if (f < 0 || read(f, b, sizeof(b)) != 10)
			bad++;
		if (f >= 0)
			close(f);
	}
	stop = 1;
	pthread_join(t, NULL);
	unlink(path);
	out("bad reads %d of %d", bad, i);
}

/**
 * struct tcase - one case
 * @name:	its name (the line prefix)
 * @fn:		its body
 */
struct tcase {
	const char *name;
	void (*fn)(void);
};

#define C(n) { #n, c_##n }
static const struct tcase cases[] = {
	C(connect_refused), C(connect_refused_nb), C(connect_nb_ok),
	C(connect_twice), C(connect_bad_args), C(read_after_fin),
	C(hello_fin), C(epipe_sigpipe), C(nosignal),
	C(write_after_peer_close), C(read_after_rst), C(msg_peek),
	C(waitall), C(half_close), C(bind_port0), C(bind_errors),
	C(eaddrinuse), C(reuseaddr_timewait), C(fionread), C(epoll_lt),
	C(epoll_et), C(epoll_oneshot), C(epoll_mixed), C(epoll_out_rdhup),
	C(poll_fin_hup), C(poll_mixed), C(poll_timeout), C(select_many),
	C(select_timeout), C(dup2_stdout), C(dup_close_original),
	C(fork_parent_close), C(so_rcvtimeo), C(nonblock), C(names),
	C(v6_connect_mapped), C(v6_server_dual), C(v4_server), C(accept_nb),
	C(accept_threads), C(sockopts), C(socket_flags), C(unconnected),
	C(iovec), C(sendfile), C(udp), C(close_fd),
	C(close_fin), C(linger0_rst), C(unread_close_rst), C(shutdown_rd),
	C(shutdown_wr_sigpipe), C(sigpipe_kills), C(eintr_recv),
	C(sa_restart_recv), C(rcvtimeo_eintr), C(eintr_accept), C(eintr_poll),
	C(eintr_poll_late),
	C(sndtimeo), C(nonblock_full), C(poll_after_rst), C(epoll_after_rst),
	C(epoll_pwait_listen), C(epoll_et_listen), C(ppoll_pselect),
	C(select_write_except), C(poll_nonblock_connect), C(connect_sndtimeo),
	C(fionread_eof), C(bulk_echo), C(many_connections), C(recv_flags),
	C(readv_eof), C(accept_short_len), C(getsockname_unbound), C(v6only),
	C(v6_bind_mapped), C(v6only_coexist), C(v6only_mapped), C(ealready), C(udp_more), C(udp_poll),
	C(dup3_fcntl), C(exec_inherit), C(exec_cloexec),
	C(loopback), C(loopback6), C(siocoutq), C(thread_duplex), C(fork_child_keeps),
	C(sockopts2), C(mmsg), C(reuseport), C(sendfile_from_socket),
	C(splice), C(epoll_add_while_waiting), C(close_range_vfork),
	C(ip_tos), C(reuseport_spread), C(bufsizes),
	C(udp6_oob), C(udp_misc), C(udp6_cmsg), C(udp4_cmsg),
	C(sndbuf_small), C(loopback_sync),
	C(udp_loopback_sync),
	C(masks_tcp), C(masks_rst), C(masks_udp), C(epoll_et_more),
	C(epoll_dup_close), C(epoll_fork_close), C(epoll_flags),
	C(epoll_et_threads), C(eintr_more), C(poll_odd_bits),
	C(accept_inherit), C(accept_queued_ready), C(accept_fork),
	C(accept_close_pending),
	C(ioctl_queues), C(signal_restart),
	C(opt_table_tcp), C(opt_table_udp),
	C(reuseaddr_tw_both), C(shutdown_rd_queued), C(tcp_info_closed),
	C(nonblock_partial), C(udp_broadcast), C(linger_sequences),
	C(opts_inherit), C(multicast_if), C(sockopt_unprivileged),
	C(udp_rcvbuf),
	C(arp_unreach_tcp), C(arp_unreach_nb),
	C(arp_unreach_udp), C(udp_refused), C(rst_order), C(rst_send_first),
	C(rst_epoll_et), C(close_reuse_file),
};

/**
 * run_case() - run one case in a child with a time limit
 * @c:	case
 */
static void run_case(const struct tcase *c)
{
	pid_t pid;
	int st;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		cur_case = c->name;
		alarm(20);
		c->fn();
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0) {
		printf("%s: fork failed\n", c->name);
		return;
	}
	if (WIFSIGNALED(st))
		printf("%s: killed by signal %d\n", c->name, WTERMSIG(st));
	printf("%s: end\n", c->name);
	fflush(stdout);
	msleep(50);
}

/* ---- the peer ------------------------------------------------------------ */

/**
 * peer_serve() - one accepted connection, by the port it came in on
 * @fd:		connection
 * @port:	listening port
 */
static void peer_serve(int fd, int port)
{
	static char buf[BIG_LEN];
	struct linger lg = { 1, 0 };
	ssize_t n;
	int i;

	switch (port) {
	case P_ECHO:
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(fd, buf, n) != n)
				break;
		break;
	case P_FIN:
		break;
	case P_RST:	/* the subject's byte (tcp_rst()): its connect() returned */
		if (poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 5000) == 1)
			n = read(fd, buf, 1);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	case P_HELLO:
		if (write(fd, "hello", 5) == 5)
			shutdown(fd, SHUT_WR);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		break;
	case P_HOLD:
		if (write(fd, "hello", 5) != 5)
			break;
		/* fall through */
	case P_SINK:
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		break;
	case P_BIG:
		for (i = 0; i < BIG_LEN; i++)
			buf[i] = (char)(i * 7);
		n = 0;
		while (n < BIG_LEN) {
			ssize_t w = write(fd, buf + n, BIG_LEN - n);

			if (w <= 0)
				break;
			n += w;
		}
		break;
	case P_SLOW:
		msleep(600);
		if (write(fd, "late", 4) != 4)
			break;
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		break;
	case P_NOREAD:
		msleep(4000);
		break;
	case P_BYE:
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		if (write(fd, "bye", 3) != 3)
			break;
		break;
	case P_CONTROL: {
		char line[64] = "", mode[16] = "";
		int p = 0, c;
		struct sockaddr_in a;

		n = read(fd, line, sizeof(line) - 1);
		if (n <= 0 || sscanf(line, "CONNECT %d %15s", &p, mode) != 2)
			break;
		a = sin_of(SUBJ_IP, p);
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (void *)&a, sizeof(a)) < 0)
			break;
		if (!strcmp(mode, "hi")) {
			if (write(c, "hi", 2) != 2)
				break;
		} else if (!strcmp(mode, "report")) {
			/* read to the end, then tell port+1 how it ended */
			const char *how = "EOF";
			int rc;

			if (write(c, "r", 1) != 1)
				break;
			while ((n = read(c, buf, sizeof(buf))) > 0)
				;
			if (n < 0)
				how = errno == ECONNRESET ? "RST" : "ERR";
			close(c);
			a = sin_of(SUBJ_IP, p + 1);
			rc = socket(AF_INET, SOCK_STREAM, 0);
			if (connect(rc, (void *)&a, sizeof(a)) == 0 &&
			    write(rc, how, strlen(how)) < 0)
				break;
			close(rc);
			break;
		} else {
			while (read(c, buf, sizeof(buf)) > 0)
				;
		}
		close(c);
		break;
	}
	}
	close(fd);
}

/**
 * peer() - serve every peer port until killed
 *
 * Return: exit status (only on setup failure)
 */
static int peer(void)
{
	enum { NP = sizeof(peer_ports) / sizeof(peer_ports[0]) };
	struct pollfd p[NP + 1];
	struct sockaddr_in a;
	int i, one = 1, fd;
	char buf[2048];

	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NP; i++) {
		a = sin_of("0.0.0.0", peer_ports[i]);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (void *)&a, sizeof(a)) || listen(fd, 64)) {
			perror("peer listen");
			return 1;
		}
		p[i] = (struct pollfd){ .fd = fd, .events = POLLIN };
	}
	a = sin_of("0.0.0.0", P_ECHO);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(fd, (void *)&a, sizeof(a))) {
		perror("peer udp");
		return 1;
	}
	p[NP] = (struct pollfd){ .fd = fd, .events = POLLIN };
	printf("peer ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(p, NP + 1, -1) < 0)
			continue;
		if (p[NP].revents) {
			socklen_t len = sizeof(a);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
					     (void *)&a, &len);

			if (n >= 0)
				sendto(fd, buf, n, 0, (void *)&a, len);
		}
		for (i = 0; i < NP; i++) {
			int c;

			if (!p[i].revents)
				continue;
			c = accept(p[i].fd, NULL, NULL);
			if (c < 0)
				continue;
			if (fork() == 0) {
				peer_serve(c, peer_ports[i]);
				_exit(0);
			}
			close(c);
		}
	}
}

/**
 * main() - "peer", or "run [CASE...]"
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0, or 2 on bad usage
 */
int main(int argc, char **argv)
{
	size_t i;
	int k;

	self_exe = argv[0];
	if (argc >= 2 && !strcmp(argv[1], "peer"))
		return peer();
	if (argc == 4 && !strcmp(argv[1], "exec-child"))
		return exec_child(argv[2], atoi(argv[3]));
	if (argc >= 2 && !strcmp(argv[1], "list")) {
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: apitest peer | list | run [CASE...]\n");
		return 2;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (argc > 2) {
			for (k = 2; k < argc; k++)
				if (!strcmp(argv[k], cases[i].name))
					break;
			if (k == argc)
				continue;
		}
		run_case(&cases[i]);
	}
	return 0;
}
