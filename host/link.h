/* SPDX-License-Identifier: MIT */
/**
 * DOC: link.h - hearing of the TAP's link going down, up, or away (netlink)
 *
 * Library code: reports, never prints or exits.
 */
#ifndef AE_LINK_H
#define AE_LINK_H

/**
 * enum link_event - what link_read() saw of the watched interface
 * @LINK_NONE:	nothing new
 * @LINK_DOWN:	set down (IFF_UP cleared)
 * @LINK_UP:	set up again
 * @LINK_GONE:	deleted
 */
enum link_event {
	LINK_NONE,
	LINK_DOWN,
	LINK_UP,
	LINK_GONE,
};

int link_open(const char *ifname, int *ifindex);
enum link_event link_read(int fd, int ifindex, int *up);

#endif /* AE_LINK_H */
