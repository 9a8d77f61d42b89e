// SPDX-License-Identifier: MIT
/**
 * DOC: link.c - hearing of the TAP's link state from rtnetlink
 *
 * A TAP set down under a running daemon gives no error on read (no frames
 * arrive) and EIO on write; a deleted one gives EBADFD on read only when
 * the loop next reads it. An rtnetlink socket subscribed to RTMGRP_LINK
 * tells both at once, as events: the loop sleeps on it like on any fd, so
 * nothing polls. Only messages about the watched ifindex count, and only a
 * change of IFF_UP (or RTM_DELLINK) is reported.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "link.h"

/**
 * link_open() - an rtnetlink socket hearing of link changes
 * @ifname:	interface to watch
 * @ifindex:	its index, set
 *
 * Return: the fd (non-blocking, close-on-exec), or -errno
 */
int link_open(const char *ifname, int *ifindex)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK };
	int fd, e;

	*ifindex = (int)if_nametoindex(ifname);
	if (!*ifindex)
		return -errno;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/**
 * link_msg() - what one netlink message says of @ifindex
 * @nh:		message (its length checked by the caller)
 * @ifindex:	watched interface
 * @up:		last known IFF_UP state, updated
 *
 * Return: the event
 */
static enum link_event link_msg(const struct nlmsghdr *nh, int ifindex,
				int *up)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int now;

	if (nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK)
		return LINK_NONE;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) ||
	    ifi->ifi_index != ifindex)
		return LINK_NONE;
	if (nh->nlmsg_type == RTM_DELLINK)
		return LINK_GONE;
	now = !!(ifi->ifi_flags & IFF_UP);
	if (now == *up)
		return LINK_NONE;
	*up = now;
	return now ? LINK_UP : LINK_DOWN;
}

/**
 * link_read() - read what the link socket has, report the last change
 * @fd:		from link_open()
 * @ifindex:	watched interface
 * @up:		last known IFF_UP state (1 at start), updated
 *
 * Return: LINK_GONE if the interface was deleted, else the last of
 * LINK_DOWN/LINK_UP seen, LINK_NONE if nothing changed
 */
enum link_event link_read(int fd, int ifindex, int *up)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct nlmsghdr))));
	enum link_event ev = LINK_NONE, e;
	const struct nlmsghdr *nh;
	size_t off;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		/* NLMSG_OK/NEXT by hand: their int/u32 mix trips -Wsign-compare */
		for (off = 0; off + sizeof(*nh) <= (size_t)n;
		     off += NLMSG_ALIGN(nh->nlmsg_len)) {
			nh = (const struct nlmsghdr *)(buf + off);
			if (nh->nlmsg_len < sizeof(*nh) ||
			    nh->nlmsg_len > (size_t)n - off)
				break;
			e = link_msg(nh, ifindex, up);
			if (e == LINK_GONE)
				return e;
			if (e != LINK_NONE)
				ev = e;
		}
	}
	return ev;
}
