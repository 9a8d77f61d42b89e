// SPDX-License-Identifier: MIT
/**
 * DOC: kloop.c - loopback connections Aether does not serve go to the kernel
 *
 * Theory of operation. A preloaded program's 127.0.0.0/8 and ::1 traffic
 * stays inside aetherd when an Aether socket serves the destination (two
 * preloaded programs, or a program and itself). But the kernel's loopback
 * has its own servers (a database, a resolver, the backend a preloaded
 * nginx proxies to), which Aether cannot reach. So connect() to a loopback
 * destination asks the daemon to connect only if one of its sockets serves
 * it (a TCP listener on that address or the wildcard and port, a UDP socket
 * bound to that port: ae_loop_unserved()); otherwise the daemon answers
 * -EXDEV and changes nothing, and the socket moves to the kernel here:
 *
 *  - a kernel socket of the same family and type is made, the options the
 *    program set are replayed on it (reconnect.c keeps them), O_NONBLOCK
 *    copied, and it is dup3()'d over the program's fd number (keeping
 *    FD_CLOEXEC). The interposed dup3() closes the Aether socket as any
 *    other replaced fd (the daemon sees its last close) and drops its
 *    epoll registrations; each is made again, with the program's events
 *    and data, on the kernel socket (nginx registers its upstream socket
 *    before it connects);
 *  - the program's connect() is then the kernel's, with the program's own
 *    address, so errors (ECONNREFUSED when nobody listens anywhere),
 *    EINPROGRESS and everything after are the kernel's.
 *
 * Only a fresh socket moves: neither bound nor connected, one fd, in at
 * most PS_KLOOP_REGS epoll sets, and no option set that was not kept
 * (AETHER_RECONNECT=off keeps none; then no option may have been set). Otherwise the connect stays on Aether and is refused there, as
 * before. The decision is the daemon's at the moment of connect(): an Aether
 * listener that appears later does not move a kernel connection back.
 * AETHER_LOOPBACK=aether turns this off (all loopback stays in Aether).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "shim.h"

#define PS_KLOOP_REGS	8	/* epoll registrations carried over, at most */

static int kloop_on = -1;	/* -1: AETHER_LOOPBACK not read yet */

/**
 * ps_kloop_init() - read AETHER_LOOPBACK at load, before the program can
 * clear its environment
 */
__attribute__((constructor)) static void ps_kloop_init(void)
{
	const char *v = getenv("AETHER_LOOPBACK");

	kloop_on = !(v && !strcmp(v, "aether"));
}

/**
 * ps_kloop_candidate() - may this connect() move to the kernel's loopback
 * @fd:		the program's fd
 * @ps:		its socket
 * @to:		destination, mapped to IPv4 (::1 is PS_LOOP6_V4)
 *
 * Return: true for a loopback destination and a fresh socket (see the DOC)
 */
bool ps_kloop_candidate(int fd, struct ps_sock *ps, const struct sockaddr_in *to)
{
	struct sockaddr_in me = { .sin_family = AF_INET };
	struct ps_ep_reg regs[PS_KLOOP_REGS];

	if (kloop_on != 1 || (ntohl(to->sin_addr.s_addr) >> 24) != 127 ||
	    !to->sin_port)
		return false;
	if (atomic_load(&ps->opt_unkept) || ps_find_other(ps, fd) >= 0 ||
	    ps_epoll_regs(fd, regs, PS_KLOOP_REGS) < 0)
		return false;
	/* a connect (or a UDP send) binds: port 0 is neither */
	return aec_getsockname(ps->aec, &me) == 0 && !me.sin_port;
}

/**
 * ps_kloop_connect() - move @fd to a kernel socket and connect it
 * @fd:		the program's fd (an Aether socket the daemon declined)
 * @ps:		its socket
 * @sa:		the program's destination
 * @len:	its length
 *
 * Return: connect(2)'s result on the kernel socket now at @fd, or
 * PS_KLOOP_NONE when no kernel socket could be put there (a seccomp filter,
 * no free fd): the Aether socket stays and the caller connects it
 */
int ps_kloop_connect(int fd, struct ps_sock *ps, const struct sockaddr *sa,
		     socklen_t len)
{
	struct ps_ep_reg regs[PS_KLOOP_REGS];
	int fdf = REAL(fcntl)(fd, F_GETFD);
	int kfd, r, n, i;

	n = ps_epoll_regs(fd, regs, PS_KLOOP_REGS);
	if (n < 0)	/* registered elsewhere since the check: the first ones */
		n = PS_KLOOP_REGS;
	kfd = REAL(socket)(ps->domain, ps->type | SOCK_CLOEXEC |
			   (atomic_load(&ps->nonblock) ? SOCK_NONBLOCK : 0), 0);
	if (kfd < 0)
		return PS_KLOOP_NONE;
	ps_rc_replay_kernel(ps, kfd);
	r = dup3(kfd, fd, fdf >= 0 && (fdf & FD_CLOEXEC) ? O_CLOEXEC : 0);
	REAL(close)(kfd);
	if (r < 0)
		return PS_KLOOP_NONE;
	for (i = 0; i < n; i++)
		if (REAL(epoll_ctl)(regs[i].epfd, EPOLL_CTL_ADD, fd,
				    &regs[i].ev) < 0)
			ps_log("connect(%d): epoll %d: re-adding the kernel socket: %d",
			       fd, regs[i].epfd, errno);
	ps_log("connect(%d): loopback port %u not served on Aether: kernel socket",
	       fd, ntohs(((const struct sockaddr_in *)sa)->sin_port));
	return REAL(connect)(fd, sa, len);
}
