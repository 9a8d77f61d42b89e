// SPDX-License-Identifier: MIT
/**
 * DOC: shm_stale.c - a socket closed under a thread must not read its
 * region's next owner
 *
 * Usage: shm_stale PORT   (talks to aetherd at $AETHER_SOCKET, over the
 * stack's loopback). aetherd reuses a closed socket's memory for the same
 * uid's next socket (daemon/session_shm.c). A thread still inside a call on
 * a socket whose fd another thread closed keeps the old mapping; it must
 * notice the reuse (the header's incarnation, client/shm_map.c aec_recycled()) and
 * fail, not consume the next socket's data. Here the fd of an accepted
 * socket is closed behind the library's back, its peer closes too, and new
 * connections are made until one of them gets the closed socket's memfd
 * (same inode); then data is sent to it: the stale socket's recv must fail
 * and the new socket must receive the data.
 *
 * Output: one line; exit 0 pass, 1 fail, 2 no reuse seen in 20 rounds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "client.h"

#define ROUNDS	20
#define TMO	2000

/**
 * nap() - sleep some milliseconds
 * @ms:		milliseconds
 */
static void nap(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/**
 * pair() - a connected pair over the loopback: @c connects, @a accepted
 * @l:		listener
 * @to:		its address
 * @c:		set to the connecting socket
 * @a:		set to the accepted socket
 *
 * Return: 0 or -errno
 */
static int pair(struct aec_sock *l, const struct sockaddr_in *to,
		struct aec_sock **c, struct aec_sock **a)
{
	int err = 0, ret;

	*c = aec_socket(SOCK_STREAM, &err);
	if (!*c)
		return err;
	ret = aec_connect(*c, to, 0, TMO);
	if (ret < 0)
		return ret;
	ret = aec_accept(l, a, NULL, 0, TMO);
	return ret < 0 ? ret : 0;
}

/**
 * round_trip() - one round: close a socket behind the library, look for
 * its memfd among new sockets, and test it
 * @l:		listener
 * @to:		its address
 *
 * Return: 0 pass, 1 fail, 2 the memfd was not reused this round
 */
static int round_trip(struct aec_sock *l, const struct sockaddr_in *to)
{
	struct aec_sock *c1, *a1, *c2, *a2, *owner, *other;
	char buf[16] = "";
	ssize_t stale, got;
	ino_t ino;

	if (pair(l, to, &c1, &a1))
		return 1;
	ino = a1->shm_ino;
	close(a1->fd);			/* behind the library: a1 is stale */
	aec_close_local(c1, 1);
	nap(100);			/* FIN both ways: the region is pooled */
	if (pair(l, to, &c2, &a2))
		return 1;
	owner = c2->shm_ino == ino ? c2 : a2->shm_ino == ino ? a2 : NULL;
	if (!owner) {
		aec_close_local(c2, 1);
		aec_close_local(a2, 1);
		return 2;
	}
	other = owner == c2 ? a2 : c2;
	if (aec_send(other, "hello", 5, 0, TMO) != 5)
		return 1;
	nap(50);
	stale = aec_recv(a1, buf, sizeof(buf), MSG_DONTWAIT, 0);
	got = aec_recv(owner, buf, sizeof(buf), 0, TMO);
	printf("memfd reused by the %s socket: stale recv %zd, new socket "
	       "got %zd '%.*s'\n", owner == c2 ? "connecting" : "accepted",
	       stale, got, got > 0 ? (int)got : 0, buf);
	return stale < 0 && got == 5 && !memcmp(buf, "hello", 5) ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct aec_sock *l;
	int err = 0, i, ret = 2;

	if (argc < 2) {
		fprintf(stderr, "usage: shm_stale PORT\n");
		return 1;
	}
	to.sin_port = htons((uint16_t)atoi(argv[1]));
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = aec_socket(SOCK_STREAM, &err);
	if (!l || aec_bind(l, &to) || aec_listen(l, 16)) {
		printf("listener: %d\n", err);
		return 1;
	}
	for (i = 0; i < ROUNDS && ret == 2; i++)
		ret = round_trip(l, &to);
	if (ret == 2)
		printf("no reuse of a closed socket's memfd in %d rounds\n",
		       ROUNDS);
	return ret;
}
