// SPDX-License-Identifier: MIT
/**
 * DOC: httpd.c - a web server that embeds the Aether stack (no daemon, no preload)
 *
 * Theory of operation: this program owns a TAP device itself and runs the
 * whole stack in its own epoll loop, with the host code aetherd uses
 * (host/host.c): frames read from the TAP go to ae_stack_input(), frames the
 * stack emits are written to the TAP, and a timerfd armed to
 * ae_stack_next_timeout() runs ae_stack_poll(). What is its own sits on
 * top: it serves the files under a document root over HTTP/1.1 with the
 * stack's event API: a listening socket, and per connection a readiness
 * callback that reads requests, answers them, and writes as much of the
 * response as the send buffer takes, resuming on AE_EV_OUT.
 *
 * HTTP/1.1 as a small static server needs it: GET and HEAD, keep-alive by
 * default (HTTP/1.0 only when asked), pipelined requests in order,
 * Content-Length on every response, "Connection: close" honoured, 400 for a
 * malformed request, 404 for a missing file, 405 for other methods, 431 for
 * headers beyond 8 KiB. Paths are percent-decoded, may not contain ".." and
 * are opened with openat2(RESOLVE_BENEATH), so no request can leave the
 * document root, through symlinks either.
 *
 * Run it in a namespace whose aether0 (the kernel side) has 192.168.1.1/24:
 *
 *	build/examples/httpd --tap aether0 --addr 192.168.1.2/24 --root examples/www
 *	curl http://192.168.1.2/hello.html
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <netinet/tcp.h>
#include <linux/openat2.h>

#include "aether.h"
#include "host.h"
#include "opts.h"

#define REQ_MAX		8192		/* request line and headers */
#define OUT_BUF		16384

/**
 * struct conn - one HTTP connection
 * @srv:	the server
 * @sk:		its socket
 * @in:		received bytes not yet consumed, @in_len of them
 * @out:	response bytes to send, from @out_off to @out_len
 * @file_fd:	file whose body is still being sent, -1 when none
 * @file_left:	body bytes still to read from @file_fd
 * @close_after: close once the current response is sent
 * @closing:	ae_close() was called: touch the socket no more
 * @busy:	inside conn_cb(); a nested event sets @again instead
 * @again:	run once more before leaving conn_cb()
 */
struct conn {
	struct server *srv;
	struct ae_sock *sk;
	char in[REQ_MAX];
	size_t in_len;
	char out[OUT_BUF];
	size_t out_off, out_len;
	int file_fd;
	uint64_t file_left;
	bool close_after, closing, busy, again;
};

/**
 * struct server - the program: the host side, the stack, listener, counters
 * @host:	TAP, capture, loop, timer, signals (host/host.c)
 * @stack:	the stack
 * @listener:	the listening socket
 * @root_fd:	the document root
 * @verbose:	-v count
 * @conns_open:	connections open now
 * @conns_total: connections accepted
 * @requests:	requests answered
 * @dumps:	SIGUSR1 dumps printed so far
 */
struct server {
	struct ae_host host;
	struct ae_stack *stack;
	struct ae_sock *listener;
	int root_fd;
	int verbose;
	uint64_t conns_open, conns_total, requests;
	unsigned int dumps;
};

/**
 * die() - print "httpd: MESSAGE" and exit (setup errors only)
 * @fmt:	printf format
 */
static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("httpd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* --- HTTP ------------------------------------------------------------------ */

/**
 * mime_type() - Content-Type from a file name's extension
 * @path:	file name
 *
 * Return: a MIME type
 */
static const char *mime_type(const char *path)
{
	static const char *const map[][2] = {
		{ ".html", "text/html; charset=utf-8" }, { ".htm", "text/html" },
		{ ".txt", "text/plain; charset=utf-8" }, { ".css", "text/css" },
		{ ".js", "text/javascript" }, { ".json", "application/json" },
		{ ".png", "image/png" }, { ".jpg", "image/jpeg" },
		{ ".svg", "image/svg+xml" }, { ".ico", "image/x-icon" },
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(dot, map[i][0]))
			return map[i][1];
	return "application/octet-stream";
}

/**
 * url_path() - decode a request target into a relative path under the root
 * @target:	e.g. "/a%20b.html?x=1"
 * @out:	result, e.g. "a b.html" ("index.html" for "/")
 * @outlen:	its size
 *
 * Return: 0, or -1 for a target that is not a safe absolute path
 */
static int url_path(const char *target, char *out, size_t outlen)
{
	size_t n = 0;
	unsigned int v;

	if (*target != '/')
		return -1;
	target++;
	while (*target && *target != '?' && *target != '#') {
		char ch = *target++;

		if (ch == '%') {
			if (sscanf(target, "%2x", &v) != 1 || !v ||
			    !target[0] || !target[1])
				return -1;
			ch = (char)v;
			target += 2;
		}
		if (n + 1 >= outlen)
			return -1;
		out[n++] = ch;
	}
	out[n] = '\0';
	if (!strcmp(out, "..") || !strncmp(out, "../", 3) ||
	    strstr(out, "/../") || (n >= 3 && !strcmp(out + n - 3, "/..")))
		return -1;
	if (!n || out[n - 1] == '/') {
		if (n + sizeof("index.html") > outlen)
			return -1;
		strcpy(out + n, "index.html");
	}
	return 0;
}

/**
 * open_beneath() - open @path inside the root, never outside it
 * @root_fd:	the document root
 * @path:	relative path
 *
 * Return: fd, or -errno
 */
static int open_beneath(int root_fd, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/**
 * conn_fill() - append file body bytes after the queued output, as room allows
 * @c:		connection
 *
 * Return: 0, or -1 if the file ended early (it shrank under us)
 */
static int conn_fill(struct conn *c)
{
	size_t room;
	ssize_t n;

	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	room = sizeof(c->out) - c->out_len;
	if (c->file_fd < 0 || !room)
		return 0;
	if (room > c->file_left)
		room = (size_t)c->file_left;
	n = read(c->file_fd, c->out + c->out_len, room);
	if (n <= 0)
		return -1;
	c->file_left -= (uint64_t)n;
	c->out_len += (size_t)n;
	if (!c->file_left) {
		close(c->file_fd);
		c->file_fd = -1;
	}
	return 0;
}

/**
 * reply_status() - queue a short status response (error pages)
 * @c:		connection
 * @code:	status code
 * @reason:	reason phrase
 * @head:	HEAD request: no body
 * @keep:	keep the connection open afterwards
 */
static void reply_status(struct conn *c, int code, const char *reason,
			 bool head, bool keep)
{
	char body[128];
	int blen, n;

	blen = snprintf(body, sizeof(body), "<h1>%d %s</h1>\n", code, reason);
	n = snprintf(c->out, sizeof(c->out),
		     "HTTP/1.1 %d %s\r\nServer: aether-httpd\r\n"
		     "Content-Type: text/html\r\nContent-Length: %d\r\n"
		     "Connection: %s\r\n\r\n%s",
		     code, reason, blen, keep ? "keep-alive" : "close",
		     head ? "" : body);
	c->out_off = 0;
	c->out_len = (size_t)n;
	c->close_after = !keep;
}

/**
 * reply_error() - queue an error response and close after it
 * @c:		connection
 * @code:	status code
 * @reason:	reason phrase
 */
static void reply_error(struct conn *c, int code, const char *reason)
{
	reply_status(c, code, reason, false, false);
}

/**
 * reply_file() - queue the response to a GET or HEAD of @path
 * @c:		connection
 * @path:	path under the root
 * @head:	HEAD: headers only
 * @keep:	keep the connection open afterwards
 */
static void reply_file(struct conn *c, const char *path, bool head, bool keep)
{
	struct stat st;
	int fd, n;

	fd = open_beneath(c->srv->root_fd, path);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		int dfd = fd;	/* a directory under the root: its index */

		fd = open_beneath(dfd, "index.html");
		close(dfd);
	}
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		if (fd == -EACCES)
			reply_status(c, 403, "Forbidden", head, keep);
		else
			reply_status(c, 404, "Not Found", head, keep);
		return;
	}
	n = snprintf(c->out, sizeof(c->out),
		     "HTTP/1.1 200 OK\r\nServer: aether-httpd\r\n"
		     "Content-Type: %s\r\nContent-Length: %lld\r\n"
		     "Connection: %s\r\n\r\n",
		     mime_type(path), (long long)st.st_size,
		     keep ? "keep-alive" : "close");
	c->out_off = 0;
	c->out_len = (size_t)n;
	c->close_after = !keep;
	if (head || !st.st_size) {
		close(fd);
		return;
	}
	c->file_fd = fd;
	c->file_left = (uint64_t)st.st_size;
	conn_fill(c);	/* header and body start in one segment */
}

/**
 * header_value() - the value of header @name, trimmed, or NULL
 * @hdrs:	header block, NUL-terminated, lines ending in "\r\n"
 * @name:	header name with colon, e.g. "connection:"
 * @val:	filled with the value (cut to fit)
 * @vlen:	its size
 *
 * Return: @val, or NULL if the header is absent
 */
static char *header_value(const char *hdrs, const char *name, char *val,
			  size_t vlen)
{
	const char *line = hdrs, *eol;
	size_t nl = strlen(name), len;

	for (; (eol = strstr(line, "\r\n")); line = eol + 2) {
		len = (size_t)(eol - line);
		if (len < nl || strncasecmp(line, name, nl))
			continue;
		line += nl;
		len -= nl;
		while (len && (*line == ' ' || *line == '\t')) {
			line++;
			len--;
		}
		while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		if (len >= vlen)
			len = vlen - 1;
		memcpy(val, line, len);
		val[len] = '\0';
		return val;
	}
	return NULL;
}

/**
 * handle_request() - parse one request (@len bytes, ending in a blank line)
 * @c:		connection
 * @req:	the request head, NUL-terminated in place of its final "\r\n"
 */
static void handle_request(struct conn *c, char *req)
{
	char method[16], target[2048], version[16], path[1024], val[64];
	char *hdrs = strstr(req, "\r\n");
	bool head, keep;

	c->srv->requests++;
	hdrs = hdrs ? hdrs + 2 : req + strlen(req);
	if (sscanf(req, "%15s %2047s HTTP/%15s", method, target, version) != 3 ||
	    (strcmp(version, "1.1") && strcmp(version, "1.0"))) {
		reply_error(c, 400, "Bad Request");
		return;
	}
	head = !strcmp(method, "HEAD");
	if (!head && strcmp(method, "GET")) {
		reply_error(c, 405, "Method Not Allowed");
		return;
	}
	/* GET and HEAD carry no body; one we cannot skip ends the connection */
	if (header_value(hdrs, "transfer-encoding:", val, sizeof(val)) ||
	    (header_value(hdrs, "content-length:", val, sizeof(val)) &&
	     strcmp(val, "0"))) {
		reply_error(c, 400, "Bad Request");
		return;
	}
	if (header_value(hdrs, "connection:", val, sizeof(val)))
		keep = strcasestr(val, "close") ? false :
		       strcasestr(val, "keep-alive") ? true : !strcmp(version, "1.1");
	else
		keep = !strcmp(version, "1.1");
	if (url_path(target, path, sizeof(path))) {
		reply_error(c, 400, "Bad Request");
		return;
	}
	reply_file(c, path, head, keep);
}

/* --- connections ------------------------------------------------------------- */

/**
 * conn_free() - release a connection the stack is done with
 * @c:		connection
 */
static void conn_free(struct conn *c)
{
	if (c->file_fd >= 0)
		close(c->file_fd);
	c->srv->conns_open--;
	free(c);
}

/**
 * conn_close() - close the socket; conn_cb() frees @c on its way out
 * @c:		connection
 *
 * The stack may keep the socket a while longer (FIN handshake, TIME-WAIT),
 * but it owes us nothing more: without a callback, AE_EV_FREE goes nowhere,
 * and the connection's buffers are released at once.
 */
static void conn_close(struct conn *c)
{
	c->closing = true;
	ae_sock_set_callback(c->sk, NULL, NULL);
	ae_close(c->sk);
}

/**
 * conn_send() - send queued response bytes, refilling from the file
 * @c:		connection
 *
 * Return: 1 when the response is completely sent, 0 if the send buffer is
 *	   full (resume on AE_EV_OUT), -1 on an error (close)
 */
static int conn_send(struct conn *c)
{
	ssize_t n;

	for (;;) {
		if (c->out_off == c->out_len) {
			if (c->file_fd < 0)
				return 1;
			if (conn_fill(c))
				return -1;	/* the file shrank: cut */
		}
		n = ae_send(c->sk, c->out + c->out_off, c->out_len - c->out_off, 0);
		if (n == -EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		c->out_off += (size_t)n;
	}
}

/**
 * conn_next_request() - take one complete request from the input, if any
 * @c:		connection
 *
 * Return: true if a request was handled (a response is queued)
 */
static bool conn_next_request(struct conn *c)
{
	char *end;
	size_t used;

	c->in[c->in_len] = '\0';
	end = strstr(c->in, "\r\n\r\n");
	if (!end) {
		if (c->in_len >= sizeof(c->in) - 1) {
			reply_error(c, 431, "Request Header Fields Too Large");
			return true;
		}
		if (memchr(c->in, '\0', c->in_len)) {
			reply_error(c, 400, "Bad Request");
			return true;
		}
		return false;
	}
	end[2] = '\0';
	used = (size_t)(end - c->in) + 4;
	handle_request(c, c->in);
	memmove(c->in, c->in + used, c->in_len - used);
	c->in_len -= used;
	return true;
}

/**
 * conn_run() - make all the progress possible: send, read, answer
 * @c:		connection
 */
static void conn_run(struct conn *c)
{
	ssize_t n;
	int rc;

	for (;;) {
		rc = conn_send(c);
		if (rc < 0) {
			conn_close(c);
			return;
		}
		if (rc == 0)
			return;			/* wait for AE_EV_OUT */
		if (c->close_after) {
			conn_close(c);
			return;
		}
		if (conn_next_request(c))	/* pipelined, already here */
			continue;
		n = ae_recv(c->sk, c->in + c->in_len,
			    sizeof(c->in) - 1 - c->in_len, 0);
		if (n == -EAGAIN)
			return;			/* wait for AE_EV_IN */
		if (n <= 0) {			/* FIN or error */
			conn_close(c);
			return;
		}
		c->in_len += (size_t)n;
	}
}

/**
 * conn_cb() - readiness callback of a connection
 * @sk:		its socket
 * @events:	AE_EV_* mask
 * @user:	the connection
 */
static void conn_cb(struct ae_sock *sk, unsigned int events, void *user)
{
	struct conn *c = user;

	(void)sk;
	(void)events;
	if (c->busy) {
		c->again = true;
		return;
	}
	c->busy = true;
	do {
		c->again = false;
		if (!c->closing)
			conn_run(c);
	} while (c->again && !c->closing);
	c->busy = false;
	if (c->closing)
		conn_free(c);
}

/**
 * listener_cb() - accept every pending connection
 * @sk:		the listening socket
 * @events:	AE_EV_* mask
 * @user:	the server
 */
static void listener_cb(struct ae_sock *sk, unsigned int events, void *user)
{
	struct server *srv = user;
	struct ae_sock *nsk;
	struct conn *c;
	int one = 1;

	if (!(events & AE_EV_IN))
		return;
	while (ae_accept(sk, &nsk, NULL) == 0) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			ae_abort(nsk);
			continue;
		}
		c->srv = srv;
		c->sk = nsk;
		c->file_fd = -1;
		/* responses are whole: don't hold a tail back for an ACK */
		ae_setsockopt(nsk, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		srv->conns_open++;
		srv->conns_total++;
		ae_sock_set_callback(nsk, conn_cb, c);
		conn_cb(nsk, AE_EV_IN, c);	/* data may be here already */
	}
}

/* --- counters ------------------------------------------------------------------ */

/**
 * print_sock() - one line of the socket table
 * @ctx:	output file
 * @i:		the socket
 */
static void print_sock(void *ctx, const struct ae_sock_info *i)
{
	char l[INET_ADDRSTRLEN], r[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &i->local.sin_addr, l, sizeof(l));
	inet_ntop(AF_INET, &i->remote.sin_addr, r, sizeof(r));
	fprintf(ctx, "sock %s %s %s:%u %s:%u rx %u tx %u\n",
		i->type == SOCK_STREAM ? "tcp" : "udp",
		i->type == SOCK_STREAM ? ae_tcp_state_name(i->state) : "-",
		l, ntohs(i->local.sin_port), r, ntohs(i->remote.sin_port),
		i->rx_queued, i->tx_queued);
}

/**
 * dump() - host_dump_fn: counters, connections and the socket table,
 *	    between markers, on SIGUSR1
 * @ctx:	the server
 *
 * httpd.tx_dropped counts every frame the TAP did not take.
 */
static void dump(void *ctx)
{
	struct server *srv = ctx;
	const struct host_stats *st = &srv->host.st;

	srv->dumps++;
	fprintf(stderr, "httpd: stats begin %u\n", srv->dumps);
	ae_host_print_stat(stderr, "httpd", "conns_open", srv->conns_open);
	ae_host_print_stat(stderr, "httpd", "conns_total", srv->conns_total);
	ae_host_print_stat(stderr, "httpd", "requests", srv->requests);
	ae_host_print_stat(stderr, "httpd", "tx_dropped",
			   st->tx_dropped + st->tx_errors);
	ae_stack_stats_foreach(srv->stack, ae_host_print_stat, stderr);
	ae_stack_sockets_foreach(srv->stack, print_sock, stderr);
	fprintf(stderr, "httpd: stats end %u\n", srv->dumps);
}
/* --- setup ---------------------------------------------------------------------- */

/**
 * usage() - help text
 * @f:		where
 */
static void usage(FILE *f)
{
	fputs("Usage: httpd [--tap NAME] [--addr A.B.C.D/N] [--mac MAC] [--root DIR]\n"
	      "             [--port N] [--pcap FILE] [-v]\n"
	      "Serve DIR (default examples/www) over HTTP/1.1 on a TAP device with\n"
	      "the Aether stack embedded: no kernel TCP, no daemon.\n"
	      "SIGUSR1 prints counters and the socket table to stderr.\n", f);
}

/**
 * setup_device() - options, then the host (TAP, capture, loop, timer,
 *		    signals) and the stack
 * @srv:	filled
 * @argc:	argument count
 * @argv:	arguments
 * @port:	result: the port to listen on, host order
 */
static void setup_device(struct server *srv, int argc, char **argv,
			 unsigned long *port)
{
	static const struct option lo[] = {
		{ "tap", 1, NULL, 't' }, { "addr", 1, NULL, 'a' },
		{ "mac", 1, NULL, 'm' }, { "root", 1, NULL, 'r' },
		{ "port", 1, NULL, 'p' }, { "pcap", 1, NULL, 'w' },
		{ "verbose", 0, NULL, 'v' }, { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *addr = "192.168.1.2/24", *mac = NULL, *root = "examples/www";
	struct host_opts ho = {
		.prog = "httpd",
		.tap = { .name = "aether0", .owner = (uid_t)-1 },
		.dump = dump,
		.ctx = srv,
	};
	struct ae_config cfg = { 0 };
	char err[256];
	int c;

	*port = 80;
	while ((c = getopt_long(argc, argv, "t:a:m:r:p:w:vh", lo, NULL)) != -1) {
		switch (c) {
		case 't': ho.tap.name = optarg; break;
		case 'a': addr = optarg; break;
		case 'm': mac = optarg; break;
		case 'r': root = optarg; break;
		case 'w': ho.pcap = optarg; break;
		case 'v': srv->verbose++; break;
		case 'p':
			if (opt_parse_ulong(optarg, 1, 65535, port))
				die("bad --port '%s'", optarg);
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (opt_parse_cidr(addr, &cfg.addr, &cfg.prefix_len, err, sizeof(err)))
		die("%s", err);
	if (!mac)
		opt_default_mac(cfg.addr, cfg.mac);
	else if (opt_parse_mac(mac, cfg.mac, err, sizeof(err)))
		die("%s", err);
	srv->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (srv->root_fd < 0)
		die("cannot open document root %s: %s", root, strerror(errno));
	if (ae_host_open_tap(&srv->host, &ho, err, sizeof(err)) ||
	    ae_host_setup(&srv->host, err, sizeof(err)))
		die("%s", err);
	if (getrandom(&cfg.seed, sizeof(cfg.seed), 0) != sizeof(cfg.seed))
		die("getrandom: %s", strerror(errno));
	cfg.output = ae_host_output;
	cfg.output_ctx = &srv->host;
	cfg.clock = ae_host_now_ns;
	cfg.log = ae_host_log_sink;
	cfg.log_ctx = &srv->host;
	cfg.log_level = srv->verbose ? LOG_DEBUG : LOG_WARNING;
	srv->stack = ae_stack_create(&cfg);
	if (!srv->stack)
		die("cannot create the stack");
	srv->host.stack = srv->stack;
}

/**
 * setup_listener() - the listening socket on @port
 * @srv:	the server
 * @port:	port, host order
 */
static void setup_listener(struct server *srv, unsigned long port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	};
	int err, one = 1;

	srv->listener = ae_socket(srv->stack, SOCK_STREAM, &err);
	if (!srv->listener)
		die("socket: %s", strerror(-err));
	ae_setsockopt(srv->listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	err = ae_bind(srv->listener, &sin);
	if (!err)
		err = ae_listen(srv->listener, 128);
	if (err)
		die("listen on port %lu: %s", port, strerror(-err));
	ae_sock_set_callback(srv->listener, listener_cb, srv);
}

/**
 * main() - set up, announce, serve until SIGINT/SIGTERM
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0 after a clean stop, 1 after a runtime error (the TAP went away)
 */
int main(int argc, char **argv)
{
	static struct server srv;
	unsigned long port;
	int rc;

	setvbuf(stderr, NULL, _IOLBF, 0);
	setup_device(&srv, argc, argv, &port);
	setup_listener(&srv, port);
	ae_stack_announce(srv.stack);
	fprintf(stderr, "httpd: serving on port %lu, pid %d\n", port, (int)getpid());
	rc = ae_host_run(&srv.host);
	ae_close(srv.listener);
	ae_stack_destroy(srv.stack);
	ae_host_close(&srv.host);
	return rc;
}
