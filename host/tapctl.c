// SPDX-License-Identifier: MIT
/**
 * DOC: tapctl.c - the host's end of a TAP (see tapctl.h)
 *
 * Plain ioctls on an AF_INET socket (SIOCSIFADDR, SIOCSIFNETMASK,
 * SIOCGIFFLAGS/SIOCSIFFLAGS), as ifconfig does: no netlink needed for one
 * address and a flag. The socket is made after any setns(), so it works in
 * the namespace the TAP lives in.
 *
 * The host's end of a TAP queues the frames the kernel sends us (the TAP's
 * "transmit" side: host to aetherd) in a ring of txqueuelen frames, 500 by
 * default (TUN_READQ_SIZE); a burst beyond it is dropped there, before we
 * could read it, and counted in the device's TX drop counter. A burst of
 * thousands of connections opening at once (a SYN, then an ACK and data
 * each) overflowed it: tapctl_txqueuelen() raises it, and
 * tapctl_tx_dropped() reads the counter from /proc/self/net/dev (the
 * namespace of the reader: the TAP's, as aetherd opened it there), opened
 * once by tapctl_stats_open() and re-read with pread().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "tapctl.h"

/**
 * ifr_set_addr() - put an IPv4 address into an ifreq address field
 * @sa:		the field (ifr_addr, ifr_netmask)
 * @addr:	address, network order
 */
static void ifr_set_addr(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	sin.sin_addr.s_addr = addr;
	memcpy(sa, &sin, sizeof(sin));
}

/**
 * tapctl_fail() - fill @err with "STEP NAME: REASON" (+ the fix for EPERM)
 * @err:	result
 * @errlen:	its size
 * @step:	what failed
 * @name:	interface
 * @e:		errno
 *
 * Return: -@e
 */
static int tapctl_fail(char *err, size_t errlen, const char *step,
		       const char *name, int e)
{
	snprintf(err, errlen, "%s %s: %s%s", step, name, strerror(e),
		 e == EPERM || e == EACCES ? " (needs CAP_NET_ADMIN: run as root)" : "");
	return -e;
}

/**
 * ifr_socket() - an AF_INET socket for interface ioctls, and @ifr named
 * @name:	interface
 * @ifr:	cleared, its name set
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Return: the socket, or -errno
 */
static int ifr_socket(const char *name, struct ifreq *ifr, char *err,
		      size_t errlen)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return tapctl_fail(err, errlen, "socket for", name, errno);
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	return fd;
}

/**
 * tapctl_host_addr() - give interface @name the address A/N and bring it up
 * @name:	interface (the TAP's host end)
 * @addr:	address, network order
 * @prefix_len:	0..32
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0, or -errno
 */
int tapctl_host_addr(const char *name, uint32_t addr, uint8_t prefix_len,
		     char *err, size_t errlen)
{
	uint32_t mask = prefix_len ? htonl(~0u << (32 - prefix_len)) : 0;
	struct ifreq ifr;
	int fd, rc = 0;

	fd = ifr_socket(name, &ifr, err, errlen);
	if (fd < 0)
		return fd;
	ifr_set_addr(&ifr.ifr_addr, addr);
	if (ioctl(fd, SIOCSIFADDR, &ifr) < 0) {
		rc = tapctl_fail(err, errlen, "setting the address of", name, errno);
		goto out;
	}
	ifr_set_addr(&ifr.ifr_netmask, mask);
	if (ioctl(fd, SIOCSIFNETMASK, &ifr) < 0) {
		rc = tapctl_fail(err, errlen, "setting the netmask of", name, errno);
		goto out;
	}
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		rc = tapctl_fail(err, errlen, "reading the flags of", name, errno);
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		rc = tapctl_fail(err, errlen, "bringing up", name, errno);
out:
	close(fd);
	return rc;
}

/**
 * tapctl_remove() - delete a persistent TAP (ip tuntap del mode tap NAME)
 * @name:	interface
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Attaches to it and clears TUNSETPERSIST: the device goes when the file
 * closes.
 *
 * Return: 0, -ENODEV when there is no such interface, or -errno
 */
int tapctl_remove(const char *name, char *err, size_t errlen)
{
	struct ifreq ifr;
	int fd, rc = 0;

	if (!if_nametoindex(name)) {
		snprintf(err, errlen, "there is no interface %s", name);
		return -ENODEV;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return tapctl_fail(err, errlen, "opening /dev/net/tun for", name, errno);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		rc = tapctl_fail(err, errlen, errno == EBUSY ?
				 "in use (stop its aetherd first):" : "attaching to",
				 name, errno);
	else if (ioctl(fd, TUNSETPERSIST, 0UL) < 0)
		rc = tapctl_fail(err, errlen, "removing", name, errno);
	close(fd);
	return rc;
}

/**
 * tapctl_enter_netns() - move this process into a named network namespace
 * @netns:	name, as `ip netns` knows it (/run/netns/NAME)
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0, or -errno
 */
int tapctl_enter_netns(const char *netns, char *err, size_t errlen)
{
	char path[128];
	int fd, e;

	snprintf(path, sizeof(path), "/run/netns/%s", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "no network namespace %s (%s: %s; create it with 'ip netns add %s')",
			 netns, path, strerror(e), netns);
		return -e;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "cannot enter network namespace %s: %s%s",
			 netns, strerror(e), e == EPERM ? " (run as root)" : "");
		return -e;
	}
	close(fd);
	return 0;
}

/**
 * tapctl_txqueuelen() - raise a device's transmit queue length to @want
 * @name:	interface
 * @want:	frames; a longer queue is kept
 * @old:	set to the length it had
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0, or -errno (-EPERM without CAP_NET_ADMIN)
 */
int tapctl_txqueuelen(const char *name, int want, int *old, char *err,
		      size_t errlen)
{
	struct ifreq ifr;
	int fd, rc = 0;

	fd = ifr_socket(name, &ifr, err, errlen);
	if (fd < 0)
		return fd;
	if (ioctl(fd, SIOCGIFTXQLEN, &ifr) < 0) {
		rc = tapctl_fail(err, errlen, "reading txqueuelen of", name,
				 errno);
		goto out;
	}
	*old = ifr.ifr_qlen;
	if (ifr.ifr_qlen >= want)
		goto out;
	ifr.ifr_qlen = want;
	if (ioctl(fd, SIOCSIFTXQLEN, &ifr) < 0)
		rc = tapctl_fail(err, errlen, "setting txqueuelen of", name,
				 errno);
out:
	close(fd);
	return rc;
}

/**
 * tapctl_stats_open() - open this network namespace's device counters
 *
 * Return: a descriptor for tapctl_tx_dropped(), or -errno
 */
int tapctl_stats_open(void)
{
	int fd = open("/proc/self/net/dev", O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/**
 * tapctl_tx_dropped() - the TX drop counter of a device (the host's end of
 * a TAP: frames to us it could not queue)
 * @fd:		from tapctl_stats_open()
 * @name:	interface
 * @dropped:	set to the counter
 *
 * /proc/net/dev lines read "NAME: rx bytes packets errs drop fifo frame
 * compressed multicast tx bytes packets errs drop ...": the 12th number.
 *
 * Return: 0, -ENODEV (no such line), or -errno
 */
int tapctl_tx_dropped(int fd, const char *name, uint64_t *dropped)
{
	char buf[16384], *line, *p, *end;
	size_t nlen = strlen(name);
	ssize_t n;
	int i;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	for (line = buf; line && *line; line = strchr(line, '\n'),
	     line = line ? line + 1 : NULL) {
		p = line + strspn(line, " ");
		if (strncmp(p, name, nlen) || p[nlen] != ':')
			continue;
		p += nlen + 1;
		for (i = 0; i < 12; i++) {
			*dropped = strtoull(p, &end, 10);
			if (end == p)
				return -EINVAL;
			p = end;
		}
		return 0;
	}
	return -ENODEV;
}
