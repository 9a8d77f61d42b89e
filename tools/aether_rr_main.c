// SPDX-License-Identifier: MIT
/**
 * DOC: aether_rr_main.c - aether-rr, a TCP request/response (ping-pong) meter
 *
 * Theory of operation: like sockperf ping-pong. `aether-rr server PORT`
 * accepts one connection at a time and echoes every message of SIZE bytes
 * back; `aether-rr client ADDR PORT COUNT [SIZE]` sends a message, waits for
 * the whole echo, and times the round trip with CLOCK_MONOTONIC, COUNT times
 * (after COUNT/10 warm-up rounds), then prints "p50_us p99_us max_us count".
 * Both ends use TCP_NODELAY and plain blocking read()/write(), so the server
 * runs unmodified under LD_PRELOAD=libaether.so and the client on the
 * kernel's stack. Every loop is bounded by COUNT and by a 5 s SO_RCVTIMEO.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RR_SIZE_DEF	14
#define RR_SIZE_MAX	65536
#define RR_COUNT_MAX	10000000L

/**
 * rr_opts() - TCP_NODELAY and a 5 s receive timeout on @fd
 * @fd:		connected socket
 *
 * Return: 0, or -errno
 */
static int rr_opts(int fd)
{
	struct timeval tv = { .tv_sec = 5 };
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

/**
 * rr_full() - read or write exactly @len bytes
 * @fd:		socket
 * @buf:	buffer
 * @len:	bytes
 * @wr:		true to write, false to read
 *
 * Return: 0, -EPIPE at end of stream, or -errno
 */
static int rr_full(int fd, char *buf, size_t len, int wr)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = wr ? write(fd, buf + done, len - done)
		       : read(fd, buf + done, len - done);
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

/**
 * rr_addr() - fill @sa from @host and @port
 * @sa:		result
 * @host:	dotted IPv4 address, or NULL for any
 * @port:	port number as text
 *
 * Return: 0, or -EINVAL
 */
static int rr_addr(struct sockaddr_in *sa, const char *host, const char *port)
{
	long p = strtol(port, NULL, 10);

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (p <= 0 || p > 65535)
		return -EINVAL;
	sa->sin_port = htons((uint16_t)p);
	if (host && inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -EINVAL;
	return 0;
}

/**
 * rr_serve_one() - echo messages of @size bytes on @fd until the peer closes
 * @fd:		connected socket
 * @size:	message size
 *
 * Return: 0 when the peer closed, or -errno
 */
static int rr_serve_one(int fd, size_t size)
{
	char buf[RR_SIZE_MAX];
	long i;
	int rc = rr_opts(fd);

	for (i = 0; !rc && i < RR_COUNT_MAX * 2; i++) {
		rc = rr_full(fd, buf, size, 0);
		if (!rc)
			rc = rr_full(fd, buf, size, 1);
	}
	return rc == -EPIPE ? 0 : rc;
}

/**
 * rr_server() - listen on @port and echo, one connection after another
 * @port:	port number as text
 * @size:	message size
 *
 * Return: process exit status
 */
static int rr_server(const char *port, size_t size)
{
	struct sockaddr_in sa;
	int one = 1, lfd, fd, n;

	if (rr_addr(&sa, NULL, port))
		return 2;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 8)) {
		perror("aether-rr: listen");
		return 1;
	}
	printf("listening on %s\n", port);
	fflush(stdout);
	for (n = 0; n < 100000; n++) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			perror("aether-rr: accept");
			return 1;
		}
		rr_serve_one(fd, size);
		close(fd);
	}
	return 0;
}

/**
 * rr_cmp() - qsort comparison of two doubles
 * @a:		first
 * @b:		second
 *
 * Return: <0, 0, >0
 */
static int rr_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/**
 * rr_rounds() - @count timed round trips on @fd into @us
 * @fd:		connected socket
 * @size:	message size
 * @count:	round trips
 * @us:		round-trip times in microseconds, or NULL to only warm up
 *
 * Return: 0, or -errno
 */
static int rr_rounds(int fd, size_t size, long count, double *us)
{
	char buf[RR_SIZE_MAX];
	struct timespec a, b;
	long i;
	int rc = 0;

	memset(buf, 'p', size);
	for (i = 0; !rc && i < count; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		rc = rr_full(fd, buf, size, 1);
		if (!rc)
			rc = rr_full(fd, buf, size, 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (us)
			us[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 +
				(double)(b.tv_nsec - a.tv_nsec) / 1e3;
	}
	return rc;
}

/**
 * rr_client() - connect, time @count round trips, print percentiles
 * @host:	server address
 * @port:	server port as text
 * @count:	round trips
 * @size:	message size
 *
 * Return: process exit status
 */
static int rr_client(const char *host, const char *port, long count, size_t size)
{
	struct sockaddr_in sa;
	double *us;
	int fd, rc;

	if (rr_addr(&sa, host, port))
		return 2;
	us = calloc((size_t)count, sizeof(*us));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (!us || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || rr_opts(fd)) {
		perror("aether-rr: connect");
		return 1;
	}
	rc = rr_rounds(fd, size, count / 10 + 1, NULL);
	if (!rc)
		rc = rr_rounds(fd, size, count, us);
	close(fd);
	if (rc) {
		fprintf(stderr, "aether-rr: round trip: %s\n", strerror(-rc));
		return 1;
	}
	qsort(us, (size_t)count, sizeof(*us), rr_cmp);
	printf("%.1f %.1f %.1f %ld\n", us[count / 2], us[count * 99 / 100],
	       us[count - 1], count);
	free(us);
	return 0;
}

/**
 * main() - aether-rr server PORT [SIZE] | client ADDR PORT COUNT [SIZE]
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0 on success, 1 on a failed socket call, 2 on bad usage
 */
int main(int argc, char **argv)
{
	long size = RR_SIZE_DEF, count;

	if (argc >= 3 && !strcmp(argv[1], "server")) {
		if (argc > 3)
			size = strtol(argv[3], NULL, 10);
		if (size >= 1 && size <= RR_SIZE_MAX)
			return rr_server(argv[2], (size_t)size);
	} else if (argc >= 5 && !strcmp(argv[1], "client")) {
		count = strtol(argv[4], NULL, 10);
		if (argc > 5)
			size = strtol(argv[5], NULL, 10);
		if (count >= 1 && count <= RR_COUNT_MAX && size >= 1 && size <= RR_SIZE_MAX)
			return rr_client(argv[2], argv[3], count, (size_t)size);
	}
	fprintf(stderr, "usage: aether-rr server PORT [SIZE]\n"
		"       aether-rr client ADDR PORT COUNT [SIZE]\n");
	return 2;
}
