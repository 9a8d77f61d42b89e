/* SPDX-License-Identifier: MIT */
/**
 * DOC: tap.h - the TAP device: open, attach, make persistent
 *
 * Used by aetherd and by programs that embed the stack (examples/httpd.c).
 * Library code: reports errors, never prints or exits.
 */
#ifndef AE_TAP_H
#define AE_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/**
 * struct tap_opts - how to open the device
 * @name:	interface name (e.g. "aether0")
 * @persist:	make the device persistent (needs CAP_NET_ADMIN)
 * @owner:	with @persist: uid allowed to attach later, (uid_t)-1 for none
 */
struct tap_opts {
	const char *name;
	bool persist;
	uid_t owner;
};

/**
 * struct tap_info - what tap_open() found out
 * @created:	the device did not exist before; it vanishes when closed
 *		unless made persistent
 * @mtu:	the device's MTU as the kernel reports it (0 if unknown)
 */
struct tap_info {
	bool created;
	int mtu;
};

bool tap_name_ok(const char *name);
int tap_open(const struct tap_opts *o, struct tap_info *info, char *err,
	     size_t errlen);

#endif /* AE_TAP_H */
