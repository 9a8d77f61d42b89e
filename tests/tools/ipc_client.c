// SPDX-License-Identifier: MIT
/**
 * DOC: ipc_client.c - test client of the aetherd protocol (client/client.h)
 *
 * One program, several modes, each printing "ok ..." lines and exiting 0 on
 * success, or "FAIL ..." and exiting 1:
 *   conns N IP PORT BYTES    N connections to an echo server, BYTES each way
 *                            on every one, checked by checksum
 *   stream IP PORT           connect, read forever (prints "receiving")
 *   blockread IP PORT        connect, one blocking read; prints its result
 *                            and how long it took ("result=-104 ms=12")
 *   scribble IP PORT         connect, corrupt the tx index; expect cut-off
 *   garbage                  malformed messages: expect error answers / EOF
 *   tput IP PORT SECONDS     echo throughput through one socket (bytes/s)
 *   limits                   per-client socket limit (EMFILE)
 *   memlimit IP PORT         per-client ring memory limit (ENOBUFS)
 *   restore-limits           the daemon's default limits
 *   lowport                  bind port 80 (EACCES unless root)
 *   udp IP PORT              one UDP echo round trip
 *   hold IP PORT SECONDS     connect and keep the connection open
 *   serve PORT N BYTES       listen; accept N connections, echo BYTES each
 *   forkexec IP PORT         an exec'd child re-attaches the inherited fd
 *   close IP PORT linger|fin send 10 bytes, close (SO_LINGER 0 or plain)
 *   nosock                   a control connection cannot act on sockets
 *   fuzz N SEED              N random requests; the daemon keeps serving
 *   prefork PORT W N BYTES   W forked workers accept on one listener
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "client.h"
#include "proto.h"
#include "shm.h"

static int restore_limits(void);

/**
 * now_ms() - monotonic ms
 *
 * Return: ms
 */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/**
 * fail() - print and exit 1
 * @what:	message
 * @err:	-errno or 0
 */
static void __attribute__((noreturn)) fail(const char *what, long err)
{
	printf("FAIL %s: %s\n", what, err ? strerror((int)-err) : "");
	fflush(stdout);
	exit(1);
}

/**
 * mkaddr() - sockaddr_in from text
 * @ip:		dotted quad
 * @port:	port text
 *
 * Return: address
 */
static struct sockaddr_in mkaddr(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		fail("bad address", 0);
	a.sin_port = htons((uint16_t)atoi(port));
	return a;
}

/**
 * dial() - a connected TCP socket, or exit
 * @a:		destination
 *
 * Return: socket
 */
static struct aec_sock *dial(const struct sockaddr_in *a)
{
	struct aec_sock *s;
	int err = 0, r;

	s = aec_socket(SOCK_STREAM, &err);
	if (!s)
		fail("socket", err);
	r = aec_connect(s, a, 0, 5000);
	if (r)
		fail("connect", r);
	return s;
}

/**
 * fill() - deterministic pseudo-random bytes
 * @buf:	output
 * @len:	bytes
 * @seed:	stream selector
 */
static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

/**
 * sum() - Fletcher-like checksum
 * @buf:	data
 * @len:	bytes
 *
 * Return: checksum
 */
static uint64_t sum(const uint8_t *buf, size_t len)
{
	uint64_t a = 1, b = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		a = (a + buf[i]) % 4294967291u;
		b = (b + a) % 4294967291u;
	}
	return (b << 32) | a;
}

/**
 * mode_conns() - N connections with checksummed echo traffic
 * @argv:	N IP PORT BYTES
 *
 * Return: 0
 */
static int mode_conns(char **argv)
{
	int n = atoi(argv[0]), i;
	struct sockaddr_in a = mkaddr(argv[1], argv[2]);
	size_t bytes = (size_t)atol(argv[3]);
	struct aec_sock **s = calloc((size_t)n, sizeof(*s));
	uint8_t *out = malloc(bytes), *in = malloc(bytes);
	uint64_t good = 0;

	if (!s || !out || !in)
		fail("memory", -ENOMEM);
	for (i = 0; i < n; i++)
		s[i] = dial(&a);
	printf("ok connected %d\n", n);
	for (i = 0; i < n; i++) {
		fill(out, bytes, (uint32_t)i);
		if (aec_send(s[i], out, bytes, 0, 10000) != (ssize_t)bytes)
			fail("send", 0);
	}
	for (i = 0; i < n; i++) {
		ssize_t r;

		fill(out, bytes, (uint32_t)i);
		memset(in, 0, bytes);
		r = aec_recv(s[i], in, bytes, MSG_WAITALL, 10000);
		if (r != (ssize_t)bytes) {
			printf("# conn %d: got %zd of %zu, state %#x\n", i, r,
			       bytes, aec_poll_state(s[i]));
			fail("recv short", r < 0 ? r : 0);
		}
		if (sum(in, bytes) != sum(out, bytes))
			fail("checksum", 0);
		good++;
	}
	for (i = 0; i < n; i++)
		aec_close_local(s[i], 1);
	free(s);
	free(out);
	free(in);
	printf("ok %llu connections echoed %zu bytes each, checksums match\n",
	       (unsigned long long)good, bytes);
	return 0;
}

/**
 * mode_stream() - read forever
 * @argv:	IP PORT
 *
 * Return: never on success
 */
static int mode_stream(char **argv)
{
	struct sockaddr_in a = mkaddr(argv[0], argv[1]);
	struct aec_sock *s = dial(&a);
	static uint8_t buf[65536];
	uint64_t total = 0;
	bool said = false;
	ssize_t r;

	for (;;) {
		r = aec_recv(s, buf, sizeof(buf), 0, -1);
		if (r <= 0)
			fail("stream ended", r);
		total += (uint64_t)r;
		if (!said && total > 100000) {
			printf("receiving\n");
			fflush(stdout);
			said = true;
			/* stop reading: unread data stays in the ring */
			pause();
		}
	}
}

/**
 * mode_blockread() - one blocking read, timed
 * @argv:	IP PORT
 *
 * Return: 0
 */
static int mode_blockread(char **argv)
{
	struct sockaddr_in a = mkaddr(argv[0], argv[1]);
	struct aec_sock *s = dial(&a);
	uint8_t buf[128];
	int64_t t0;
	ssize_t r;

	printf("blocked\n");
	fflush(stdout);
	t0 = now_ms();
	r = aec_recv(s, buf, sizeof(buf), 0, -1);
	printf("result=%zd ms=%lld\n", r, (long long)(now_ms() - t0));
	r = aec_send(s, "x", 1, 0, 1000);
	printf("send_after=%zd\n", r);
	return 0;
}

/**
 * mode_scribble() - corrupt our own tx index; the socket must die, alone
 * @argv:	IP PORT
 *
 * Return: 0 when cut off as expected
 */
static int mode_scribble(char **argv)
{
	struct sockaddr_in a = mkaddr(argv[0], argv[1]);
	struct aec_sock *s = dial(&a);
	struct ae_shm_hdr *h = s->shm;
	struct ae_ipc_hdr m;
	uint8_t buf[16];
	ssize_t r;
	int i;

	if (!h || !h->tx_size)
		fail("no rings", 0);
	/* claim more data than the ring can hold */
	shm_store(&h->tx_tail, shm_load(&h->tx_head) + 3 * h->tx_size);
	ipc_hdr_init(&m, AE_MSG_DOORBELL, sizeof(m), 0, 0);
	send(s->fd, &m, sizeof(m), MSG_NOSIGNAL);
	for (i = 0; i < 50; i++) {
		if (shm_load(&h->state) & AE_SS_DEAD)
			break;
		usleep(20000);
	}
	if (!(shm_load(&h->state) & AE_SS_DEAD))
		fail("not cut off", 0);
	r = aec_recv(s, buf, sizeof(buf), MSG_DONTWAIT, 0);
	if (r != -ECONNRESET)
		fail("recv after cut-off", r);
	r = aec_getsockopt(s, SOL_SOCKET, SO_TYPE, buf, &(socklen_t){ 4 });
	if (r != -ECONNRESET)
		fail("request after cut-off", r);
	printf("ok scribbled socket cut off (recv and requests: ECONNRESET)\n");
	aec_close_local(s, 1);
	return 0;
}

/**
 * raw_req() - send raw bytes on a fresh socket connection, read the answer
 * @fd:		connection
 * @buf:	bytes
 * @len:	length
 * @h:		the answer's header
 *
 * Return: 1 answered, 0 EOF, -errno
 */
static int raw_req(int fd, const void *buf, size_t len, struct ae_ipc_hdr *h)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t in[512];
	ssize_t n;

	if (send(fd, buf, len, MSG_NOSIGNAL) < 0)
		return -errno;
	for (;;) {
		if (poll(&p, 1, 2000) != 1)
			return -ETIMEDOUT;
		n = recv(fd, in, sizeof(in), 0);
		if (n == 0)
			return 0;
		if (n < 0)
			return -errno;
		if (n < (ssize_t)sizeof(*h))
			return -EPROTO;
		memcpy(h, in, sizeof(*h));
		if (h->type == AE_MSG_NOTIFY)
			continue;
		return 1;
	}
}

/**
 * expect_err() - one malformed request must be answered with @want
 * @fd:		connection
 * @buf:	request bytes
 * @len:	length
 * @want:	expected result
 * @name:	case name
 */
static void expect_err(int fd, const void *buf, size_t len, int want,
		       const char *name)
{
	struct ae_ipc_hdr h;
	int r = raw_req(fd, buf, len, &h);

	if (r != 1 || h.result != want) {
		printf("FAIL garbage %s: r=%d result=%d want=%d\n", name, r,
		       r == 1 ? h.result : 0, want);
		exit(1);
	}
	printf("ok garbage %s -> %s\n", name, strerror(-want));
}

/**
 * mode_garbage() - malformed messages get error answers; runts cut off
 *
 * Return: 0
 */
static int mode_garbage(void)
{
	struct aec_sock *s;
	uint8_t big[1024];
	struct ae_ipc_hdr h;
	int err = 0, r;

	s = aec_socket(SOCK_STREAM, &err);
	if (!s)
		fail("socket", err);
	memset(big, 0, sizeof(big));
	ipc_hdr_init(&h, AE_MSG_BIND, 100, 1, 0);	/* len lies */
	memcpy(big, &h, sizeof(h));
	expect_err(s->fd, big, sizeof(h) + 8, -EMSGSIZE, "length-mismatch");
	ipc_hdr_init(&h, 999, sizeof(h), 2, 0);
	memcpy(big, &h, sizeof(h));
	expect_err(s->fd, big, sizeof(h), -EOPNOTSUPP, "unknown-type");
	ipc_hdr_init(&h, AE_MSG_BIND, sizeof(h) + 3, 3, 0);
	memcpy(big, &h, sizeof(h));
	expect_err(s->fd, big, sizeof(h) + 3, -EINVAL, "truncated-payload");
	ipc_hdr_init(&h, AE_MSG_LISTEN, sizeof(h), 4, 0);
	h.version = 77;
	memcpy(big, &h, sizeof(h));
	expect_err(s->fd, big, sizeof(h), -EPROTO, "bad-version");
	/* a NOTIFY from a client is counted and ignored: no answer */
	ipc_hdr_init(&h, AE_MSG_NOTIFY, sizeof(h), 5, 0);
	if (send(s->fd, &h, sizeof(h), MSG_NOSIGNAL) != sizeof(h))
		fail("send notify", -errno);
	/* the socket still works after all that */
	r = aec_getsockopt(s, SOL_SOCKET, SO_TYPE, &err, &(socklen_t){ 4 });
	if (r || err != SOCK_STREAM)
		fail("socket after garbage", r);
	printf("ok socket still served after bad messages\n");
	/* a runt datagram (no header) closes this connection only */
	r = raw_req(s->fd, "xy", 2, &h);
	if (r != 0)
		fail("runt did not close the connection", r);
	printf("ok runt datagram closed that connection\n");
	aec_close_local(s, 1);
	return 0;
}

struct tput {
	struct aec_sock *s;
	int64_t end;
	uint64_t sent;
};

/**
 * writer() - thread: write until the deadline, then shut down writing
 * @arg:	struct tput
 *
 * Return: NULL
 */
static void *writer(void *arg)
{
	struct tput *t = arg;
	static uint8_t buf[65536];
	ssize_t r;

	while (now_ms() < t->end) {
		r = aec_send(t->s, buf, sizeof(buf), 0, 15000);
		if (r <= 0)
			break;
		t->sent += (uint64_t)r;
	}
	aec_shutdown(t->s, SHUT_WR);
	return NULL;
}

/**
 * mode_tput() - echo throughput through one socket
 * @argv:	IP PORT SECONDS
 *
 * Return: 0
 */
static int mode_tput(char **argv)
{
	struct sockaddr_in a = mkaddr(argv[0], argv[1]);
	struct tput t = { .s = dial(&a) };
	static uint8_t buf[65536];
	uint64_t got = 0;
	int64_t t0 = now_ms(), dt;
	pthread_t th;
	ssize_t r;

	t.end = t0 + atoi(argv[2]) * 1000;
	if (getenv("IPC_DEBUG"))
		printf("# start: wake_seq %u state %#x\n", t.s->shm->wake_seq,
		       t.s->shm->state);
	pthread_create(&th, NULL, writer, &t);
	for (;;) {
		r = aec_recv(t.s, buf, sizeof(buf), 0, 15000);
		if (r <= 0)
			break;
		got += (uint64_t)r;
	}
	if (r < 0) {
		struct ae_shm_hdr *h = t.s->shm;

		printf("# reader stopped: %zd; rx %u..%u tx %u..%u state %#x "
		       "want %#x dwant %#x wake %u moved %u size %u/%u\n",
		       r, h->rx_head, h->rx_tail, h->tx_head, h->tx_tail,
		       h->state, h->shim_want, h->daemon_want, h->wake_seq,
		       h->moved, h->rx_size, h->tx_size);
	}
	pthread_join(th, NULL);
	dt = now_ms() - t0;
	printf("tput sent=%llu echoed=%llu ms=%lld bytes_per_s=%.0f\n",
	       (unsigned long long)t.sent, (unsigned long long)got,
	       (long long)dt, dt ? (double)got * 1000.0 / (double)dt : 0.0);
	if (got != t.sent || !got)
		fail("echo incomplete", 0);
	printf("ok throughput measured\n");
	aec_close_local(t.s, 1);
	return 0;
}

/**
 * mode_limits() - the per-uid socket limit gives EMFILE, to every process
 * of the uid
 *
 * Return: 0
 */
static int mode_limits(void)
{
	struct aec_sock *s[8];
	int err = 0, i, r, st;
	pid_t child;

	r = aec_set_limits(4, 1ULL << 30);
	if (r)
		fail("set limits", r);
	for (i = 0; i < 4; i++) {
		s[i] = aec_socket(SOCK_STREAM, &err);
		if (!s[i])
			fail("socket under limit", err);
	}
	s[4] = aec_socket(SOCK_STREAM, &err);
	if (s[4] || err != -EMFILE)
		fail("fifth socket not EMFILE", err);
	printf("ok fifth socket: EMFILE\n");
	/* the limit is per uid: another process of the same user is over it
	 * too (the parent's sockets count) */
	child = fork();
	if (child < 0)
		fail("fork", -errno);
	if (!child) {
		s[4] = aec_socket(SOCK_STREAM, &err);
		_exit(!s[4] && err == -EMFILE ? 0 : 1);
	}
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		fail("a forked process of the same uid escaped the limit", 0);
	printf("ok fifth socket from another process of the uid: EMFILE\n");
	aec_close_local(s[0], 1);
	usleep(100000);
	s[0] = aec_socket(SOCK_STREAM, &err);
	if (!s[0])
		fail("socket after close", err);
	printf("ok closing one frees a slot\n");
	for (i = 0; i < 4; i++)
		aec_close_local(s[i], 1);
	return restore_limits();
}

/**
 * mode_memlimit() - the per-client ring memory limit gives ENOBUFS
 * @argv:	IP PORT
 *
 * Return: 0
 */
static int mode_memlimit(char **argv)
{
	struct sockaddr_in a = mkaddr(argv[0], argv[1]);
	struct aec_sock *s;
	int err = 0, r;

	r = aec_set_limits(16384, 64 * 1024);	/* below one socket's rings */
	if (r)
		fail("set limits", r);
	s = aec_socket(SOCK_STREAM, &err);
	if (!s)
		fail("socket", err);
	r = aec_connect(s, &a, 0, 5000);
	aec_set_limits(16384, 4ULL << 30);
	if (r != -ENOBUFS)
		fail("connect over the memory limit not ENOBUFS", r);
	printf("ok connect over the ring memory limit: ENOBUFS\n");
	aec_close_local(s, 1);
	s = dial(&a);
	printf("ok after restoring the limit, connect works\n");
	aec_close_local(s, 1);
	return 0;
}

/**
 * mode_acceptlimit() - over the memory limit, accept() says ENOBUFS and the
 * connection stays queued (a kernel client in the lab connects to PORT and
 * sends "x")
 * @argv:	PORT
 *
 * Return: 0
 */
static int mode_acceptlimit(char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(argv[0])) };
	struct aec_sock *l, *c = NULL;
	struct sockaddr_in peer;
	int err = 0, r;
	char b = 0;

	l = aec_socket(SOCK_STREAM, &err);
	if (!l)
		fail("socket", err);
	r = aec_bind(l, &a);
	if (!r)
		r = aec_listen(l, 8);
	if (r)
		fail("bind/listen", r);
	printf("listening\n");
	fflush(stdout);
	if (aec_wait(l, POLLIN, 10000) <= 0)
		fail("no connection came", 0);
	r = aec_set_limits(16384, 64 * 1024);	/* below one socket's rings */
	if (r)
		fail("set limits", r);
	r = aec_accept(l, &c, &peer, 0, 1000);
	aec_set_limits(16384, 4ULL << 30);
	if (r != -ENOBUFS)
		fail("accept over the memory limit not ENOBUFS", r);
	printf("ok accept over the ring memory limit: ENOBUFS\n");
	r = aec_accept(l, &c, &peer, 0, 2000);
	if (r < 0)
		fail("the queued connection is gone", r);
	if (aec_recv(c, &b, 1, 0, 5000) != 1 || b != 'x')
		fail("the queued connection lost its data", 0);
	printf("ok after restoring the limit, the same connection is accepted\n");
	aec_close_local(c, 1);
	aec_close_local(l, 1);
	return 0;
}

/**
 * restore_limits() - the daemon's default limits again
 *
 * Return: 0
 */
static int restore_limits(void)
{
	int r = aec_set_limits(16384, 4ULL << 30);

	if (r)
		fail("restore limits", r);
	return 0;
}

/**
 * mode_lowport() - bind port 80
 *
 * Return: 0; prints the result
 */
static int mode_lowport(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(80) };
	struct aec_sock *s;
	int err = 0, r;

	s = aec_socket(SOCK_STREAM, &err);
	if (!s)
		fail("socket", err);
	r = aec_bind(s, &a);
	printf("bind80=%d\n", r);
	aec_close_local(s, 1);
	return 0;
}

/**
 * mode_udp() - one UDP echo round trip
 * @argv:	IP PORT
 *
 * Return: 0
 */
static int mode_udp(char **argv)
{
	struct sockaddr_in a = mkaddr(argv[0], argv[1]), from;
	struct aec_sock *s;
	char buf[64];
	int err = 0;
	ssize_t r;

	s = aec_socket(SOCK_DGRAM, &err);
	if (!s)
		fail("socket", err);
	r = aec_sendto(s, "hello-udp", 9, 0, &a, -1);
	if (r != 9)
		fail("sendto", r);
	r = aec_recvfrom(s, buf, sizeof(buf), 0, &from, 3000);
	if (r != 9 || memcmp(buf, "hello-udp", 9))
		fail("recvfrom", r < 0 ? r : 0);
	printf("ok udp echo from %s:%u\n", inet_ntoa(from.sin_addr),
	       ntohs(from.sin_port));
	aec_close_local(s, 1);
	return 0;
}

/**
 * mode_hold() - keep a connection open for a while
 * @argv:	IP PORT SECONDS
 *
 * Return: 0
 */
static int mode_hold(char **argv)
{
	struct sockaddr_in a = mkaddr(argv[0], argv[1]);
	struct aec_sock *s = dial(&a);

	printf("holding\n");
	fflush(stdout);
	sleep((unsigned int)atoi(argv[2]));
	aec_close_local(s, 1);
	return 0;
}

/**
 * mode_serve() - listen, accept N connections one by one, echo BYTES each
 * @argv:	PORT N BYTES
 *
 * Return: 0
 */
static int mode_serve(char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(argv[0])) };
	int n = atoi(argv[1]), i, err = 0, one = 1, r;
	size_t bytes = (size_t)atol(argv[2]);
	uint8_t *buf = malloc(bytes);
	struct aec_sock *l, *c;
	struct sockaddr_in peer;
	ssize_t got;

	l = aec_socket(SOCK_STREAM, &err);
	if (!l || !buf)
		fail("socket", err);
	r = aec_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (r)
		fail("SO_REUSEADDR", r);
	r = aec_bind(l, &a);
	if (!r)
		r = aec_listen(l, 128);
	if (r)
		fail("bind/listen", r);
	printf("listening\n");
	for (i = 0; i < n; i++) {
		r = aec_accept(l, &c, &peer, SOCK_CLOEXEC, 10000);
		if (r < 0)
			fail("accept", r);
		got = aec_recv(c, buf, bytes, MSG_WAITALL, 10000);
		if (got != (ssize_t)bytes)
			fail("recv", got < 0 ? got : 0);
		if (aec_send(c, buf, bytes, 0, 10000) != (ssize_t)bytes)
			fail("send", 0);
		got = aec_recv(c, buf, 1, 0, 10000);
		if (got != 0)
			fail("expected EOF", got < 0 ? got : 0);
		aec_close_local(c, 1);
	}
	printf("ok served %d accepted connections\n", n);
	aec_close_local(l, 1);
	free(buf);
	return 0;
}

/**
 * mode_forkexec() - connect, then let an exec'd child use the inherited fd
 * @argv:	IP PORT
 * @self:	path of this program
 *
 * Return: 0 when the child could attach and echo
 */
static int mode_forkexec(char **argv, const char *self)
{
	struct sockaddr_in a = mkaddr(argv[0], argv[1]);
	struct aec_sock *s = dial(&a);
	char fdtxt[16];
	int status;
	pid_t pid;

	snprintf(fdtxt, sizeof(fdtxt), "%d", s->fd);
	pid = fork();
	if (pid == 0) {
		execl(self, self, "attached", fdtxt, (char *)NULL);
		_exit(127);
	}
	aec_close_local(s, 1);	/* the child's copy keeps the socket open */
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("child", 0);
	printf("ok exec'd child re-attached the inherited socket and echoed\n");
	return 0;
}

/**
 * mode_attached() - (exec'd child) use an inherited backing fd
 * @argv:	FD
 *
 * Return: 0
 */
static int mode_attached(char **argv)
{
	int fd = atoi(argv[0]), err = 0;
	struct aec_sock *s;
	char buf[8];
	ssize_t r;

	if (!aec_is_backing_fd(fd))
		fail("not recognised as a backing fd", 0);
	if (aec_is_backing_fd(1))
		fail("stdout recognised as a backing fd", 0);
	s = aec_attach(fd, &err);
	if (!s)
		fail("attach", err);
	r = aec_send(s, "ping", 4, 0, 5000);
	if (r != 4)
		fail("send", r);
	r = aec_recv(s, buf, 4, MSG_WAITALL, 5000);
	if (r != 4 || memcmp(buf, "ping", 4))
		fail("recv", r < 0 ? r : 0);
	aec_close_local(s, 1);
	return 0;
}

/**
 * mode_close() - connect, send, close with or without SO_LINGER 0
 * @argv:	IP PORT linger|fin
 *
 * Return: 0
 */
static int mode_close(char **argv)
{
	struct sockaddr_in a = mkaddr(argv[0], argv[1]);
	struct aec_sock *s = dial(&a);
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	int r;

	if (aec_send(s, "0123456789", 10, 0, 5000) != 10)
		fail("send", 0);
	if (!strcmp(argv[2], "linger")) {
		r = aec_setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		if (r)
			fail("SO_LINGER", r);
	}
	usleep(100000);
	aec_close_local(s, 1);
	printf("ok closed (%s)\n", argv[2]);
	return 0;
}

/**
 * mode_nosock() - a plain control connection names no socket: socket
 * requests fail with EBADF and attach is refused
 *
 * Return: 0
 */
static int mode_nosock(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ae_ipc_int_req q = { 0 };
	uint8_t m[sizeof(struct ae_ipc_hdr) + sizeof(q)];
	struct ae_ipc_hdr h;
	struct aec_sock *s;
	int fd, err = 0, r;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", aec_socket_path());
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		fail("dial", -errno);
	ipc_hdr_init(&h, AE_MSG_ACCEPT, sizeof(m), 1, 0);
	memcpy(m, &h, sizeof(h));
	memcpy(m + sizeof(h), &q, sizeof(q));
	r = raw_req(fd, m, sizeof(m), &h);
	if (r != 1 || h.result != -EBADF)
		fail("accept on a control connection not EBADF", r);
	printf("ok socket request on a control connection: EBADF\n");
	s = aec_attach(fd, &err);
	if (s || err != -ENOTSOCK)
		fail("attach of a control connection not ENOTSOCK", err);
	printf("ok attach of a control connection: ENOTSOCK\n");
	close(fd);
	return 0;
}

/**
 * rnd() - xorshift32
 * @x:		state
 *
 * Return: next value
 */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/**
 * fuzz_conn() - a fresh socket connection for the fuzzer
 * @seed:	random state
 *
 * Return: its socket
 */
static struct aec_sock *fuzz_conn(uint32_t *seed)
{
	struct aec_sock *s;
	int err = 0;

	s = aec_socket(rnd(seed) & 1 ? SOCK_STREAM : SOCK_DGRAM, &err);
	if (!s)
		fail("fuzz socket", err);
	return s;
}

/**
 * mode_fuzz() - random requests (right sizes, random contents, and random
 * sizes) on socket connections; the daemon must keep serving
 * @argv:	N SEED
 *
 * Return: 0
 */
static int mode_fuzz(char **argv)
{
	static const uint16_t types[] = {
		AE_MSG_BIND, AE_MSG_LISTEN, AE_MSG_ACCEPT, AE_MSG_CONNECT,
		AE_MSG_SHUTDOWN, AE_MSG_GETSOCKNAME, AE_MSG_GETPEERNAME,
		AE_MSG_SETSOCKOPT, AE_MSG_GETSOCKOPT, AE_MSG_SENDTO,
		AE_MSG_RECVFROM, AE_MSG_ATTACH, AE_MSG_DOORBELL, AE_MSG_SOCKET,
		AE_MSG_STATS, AE_MSG_SOCKETS,
	};
	static const size_t fixed[] = {
		8, 8, 8, 8, 8, 0, 0, 16, 16, 16, 16, 0, 0, 8, 0, 8,
	};
	int n = atoi(argv[0]), i, conns = 1;
	uint32_t seed = (uint32_t)atoi(argv[1]) | 1;
	struct aec_sock *s = fuzz_conn(&seed);
	uint8_t m[2048], in[AE_IPC_MAX_MSG];
	struct ae_ipc_hdr h;
	size_t len, k, j;
	ssize_t r;

	for (i = 0; i < n; i++) {
		k = rnd(&seed) % (sizeof(types) / sizeof(types[0]));
		len = fixed[k];
		if (types[k] == AE_MSG_SETSOCKOPT)
			len += rnd(&seed) % 9;
		if (rnd(&seed) % 8 == 0)
			len = rnd(&seed) % 64;	/* wrong size on purpose */
		for (j = 0; j < sizeof(h) + len; j++)
			m[j] = (uint8_t)rnd(&seed);
		ipc_hdr_init(&h, types[k], (uint32_t)(sizeof(h) + len),
			     (uint32_t)i, 0);
		memcpy(m, &h, sizeof(h));
		if (types[k] == AE_MSG_SETSOCKOPT && len >= 16) {
			uint32_t ol = (uint32_t)(len - 16);
			int32_t lv = (int32_t)(rnd(&seed) % 3);

			lv = lv == 0 ? SOL_SOCKET : lv == 1 ? IPPROTO_TCP : 0;
			memcpy(m + sizeof(h), &lv, 4);
			memcpy(m + sizeof(h) + 8, &ol, 4);
		}
		if (types[k] == AE_MSG_SENDTO && len >= 16)
			memset(m + sizeof(h) + 12, 0, 4);	/* no data */
		if (send(s->fd, m, sizeof(h) + len, MSG_NOSIGNAL) < 0) {
			aec_close_local(s, 1);
			s = fuzz_conn(&seed);
			conns++;
			continue;
		}
		/* take whatever came back, without waiting long */
		do {
			struct pollfd p = { .fd = s->fd, .events = POLLIN };

			if (poll(&p, 1, types[k] == AE_MSG_DOORBELL ? 0 : 200) <= 0)
				break;
			r = recv(s->fd, in, sizeof(in), MSG_DONTWAIT);
			if (r <= 0) {
				aec_close_local(s, 1);
				s = fuzz_conn(&seed);
				conns++;
				break;
			}
			memcpy(&h, in, sizeof(h));
		} while (h.type == AE_MSG_NOTIFY);
		/* accepted sockets arrive as fds: recv() closed nothing, but
		 * MSG_CTRUNC dropped them, so nothing leaks */
		if (rnd(&seed) % 64 == 0) {
			aec_close_local(s, 1);
			s = fuzz_conn(&seed);
			conns++;
		}
	}
	aec_close_local(s, 1);
	printf("ok %d random requests over %d connections\n", n, conns);
	return 0;
}

/**
 * serve_one() - echo BYTES on an accepted connection until EOF, then close
 * @c:		connection
 * @bytes:	bytes to echo
 *
 * Return: 0 or -1
 */
static int serve_one(struct aec_sock *c, size_t bytes)
{
	static uint8_t buf[65536];
	ssize_t got;

	if (bytes > sizeof(buf))
		return -1;
	got = aec_recv(c, buf, bytes, MSG_WAITALL, 10000);
	if (got != (ssize_t)bytes ||
	    aec_send(c, buf, bytes, 0, 10000) != (ssize_t)bytes)
		return -1;
	got = aec_recv(c, buf, 1, 0, 10000);
	aec_close_local(c, 1);
	return got == 0 ? 0 : -1;
}

/**
 * mode_prefork() - W forked workers accept on one inherited listener and
 * mix in other requests on it; together they must serve N connections
 * @argv:	PORT W N BYTES
 *
 * The workers count what they served in a shared counter and stop when it
 * reaches N, or after 60 s. They used to stop after 3 s without a
 * connection, which at load 24 ran out before the kernel clients' python3
 * had started, and they all served nothing.
 *
 * Return: 0
 */
static int mode_prefork(char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(argv[0])) };
	int w = atoi(argv[1]), n = atoi(argv[2]), i, err = 0, one = 1, total = 0;
	size_t bytes = (size_t)atol(argv[3]);
	struct aec_sock *l, *c;
	struct sockaddr_in me;
	int status, r, *served;

	served = mmap(NULL, sizeof(*served), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (served == MAP_FAILED)
		fail("mmap", -errno);
	*served = 0;
	l = aec_socket(SOCK_STREAM, &err);
	if (!l)
		fail("socket", err);
	aec_setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	r = aec_bind(l, &a);
	if (!r)
		r = aec_listen(l, 128);
	if (r)
		fail("bind/listen", r);
	for (i = 0; i < w; i++) {
		if (fork() == 0) {
			int64_t end = now_ms() + 60000;
			int got = 0;

			while (__atomic_load_n(served, __ATOMIC_SEQ_CST) < n &&
			       now_ms() < end) {
				r = aec_accept(l, &c, NULL, 0, 200);
				if (r == -EAGAIN)
					continue;
				if (r < 0 || serve_one(c, bytes))
					_exit(100);
				__atomic_add_fetch(served, 1, __ATOMIC_SEQ_CST);
				got++;
				if (aec_getsockname(l, &me) ||
				    me.sin_port != a.sin_port)
					_exit(101);
			}
			_exit(got);
		}
	}
	printf("listening\n");
	for (i = 0; i < w; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) >= 100)
			fail("worker", 0);
		total += WEXITSTATUS(status);
	}
	if (total != n) {
		printf("FAIL workers served %d of %d\n", total, n);
		return 1;
	}
	printf("ok %d workers sharing one listener served %d connections\n",
	       w, total);
	aec_close_local(l, 1);
	return 0;
}

/**
 * main() - pick the mode
 * @argc:	count
 * @argv:	arguments
 *
 * Return: 0 ok, 1 failure, 2 usage
 */
int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 6 && !strcmp(argv[1], "conns"))
		return mode_conns(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "stream"))
		return mode_stream(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "blockread"))
		return mode_blockread(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "scribble"))
		return mode_scribble(argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "garbage"))
		return mode_garbage();
	if (argc >= 5 && !strcmp(argv[1], "tput"))
		return mode_tput(argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "limits"))
		return mode_limits();
	if (argc >= 5 && !strcmp(argv[1], "serve"))
		return mode_serve(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "forkexec"))
		return mode_forkexec(argv + 2, argv[0]);
	if (argc >= 3 && !strcmp(argv[1], "attached"))
		return mode_attached(argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "close"))
		return mode_close(argv + 2);
	if (argc >= 6 && !strcmp(argv[1], "prefork"))
		return mode_prefork(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "fuzz"))
		return mode_fuzz(argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "nosock"))
		return mode_nosock();
	if (argc >= 4 && !strcmp(argv[1], "memlimit"))
		return mode_memlimit(argv + 2);
	if (argc >= 3 && !strcmp(argv[1], "acceptlimit"))
		return mode_acceptlimit(argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "restore-limits"))
		return restore_limits();
	if (argc >= 2 && !strcmp(argv[1], "lowport"))
		return mode_lowport();
	if (argc >= 4 && !strcmp(argv[1], "udp"))
		return mode_udp(argv + 2);
	if (argc >= 5 && !strcmp(argv[1], "hold"))
		return mode_hold(argv + 2);
	fprintf(stderr, "usage: ipc_client conns|stream|blockread|scribble|garbage|tput|limits|lowport|udp|hold ...\n");
	return 2;
}
