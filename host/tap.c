// SPDX-License-Identifier: MIT
/**
 * DOC: tap.c - opening the TAP device
 *
 * Theory of operation: /dev/net/tun hands out a file; TUNSETIFF binds it to a
 * named interface, with IFF_TAP (Ethernet frames) and IFF_NO_PI (no packet
 * information prefix: each read() is exactly one frame, each write() one
 * frame). If the interface exists and was created for our user
 * (`ip tuntap add mode tap name aether0 user $USER`), attaching needs no
 * privilege. If it does not exist, TUNSETIFF creates it, which needs
 * CAP_NET_ADMIN; such a device disappears when its last file closes unless
 * TUNSETPERSIST keeps it (with TUNSETOWNER naming who may attach later).
 *
 * The kernel's errno alone is a poor guide (EPERM means both "cannot create"
 * and "not yours"), so tap_open() looks at whether the device existed and
 * explains each failure in one line a user can act on.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_tun.h>

#include "tap.h"

#define TUN_DEV "/dev/net/tun"

/**
 * tap_name_ok() - whether @name can be an interface name
 * @name:	candidate
 *
 * Return: true if non-empty, shorter than IFNAMSIZ, without '/', ':' or space
 */
bool tap_name_ok(const char *name)
{
	size_t n;

	if (!name || !*name)
		return false;
	n = strlen(name);
	if (n >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return !strpbrk(name, "/: \t\n%");
}

/**
 * tap_open_dev() - open /dev/net/tun, explaining failures
 * @err:	filled with a one-line reason on failure
 * @errlen:	its size
 *
 * Return: fd (non-blocking, close-on-exec), or -errno
 */
static int tap_open_dev(char *err, size_t errlen)
{
	int fd = open(TUN_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	int e = errno;

	if (fd >= 0)
		return fd;
	if (e == ENOENT || e == ENODEV || e == ENXIO)
		snprintf(err, errlen, "%s is missing: load the tun module (modprobe tun)",
			 TUN_DEV);
	else if (e == EACCES || e == EPERM)
		snprintf(err, errlen, "no permission to open %s (it should be mode 0666)",
			 TUN_DEV);
	else
		snprintf(err, errlen, "cannot open %s: %s", TUN_DEV, strerror(e));
	return -e;
}

/**
 * tap_explain() - one line for a TUNSETIFF failure
 * @name:	interface name
 * @existed:	whether it existed before the call
 * @e:		errno
 * @err:	filled
 * @errlen:	its size
 */
static void tap_explain(const char *name, bool existed, int e, char *err,
			size_t errlen)
{
	switch (e) {
	case EBUSY:
		snprintf(err, errlen, "tap %s is busy: another aetherd or program has it open",
			 name);
		break;
	case EPERM:
	case EACCES:
		if (existed)
			snprintf(err, errlen, "no permission to attach to tap %s: it belongs to another user (recreate it with 'ip tuntap add mode tap name %s user $USER') or run with CAP_NET_ADMIN",
				 name, name);
		else
			snprintf(err, errlen, "tap %s does not exist, and creating it needs CAP_NET_ADMIN: create it with 'ip tuntap add mode tap name %s user $USER'",
				 name, name);
		break;
	case EINVAL:
		snprintf(err, errlen, "%s exists but is not a single-queue TAP device",
			 name);
		break;
	default:
		snprintf(err, errlen, "cannot attach to tap %s: %s", name,
			 strerror(e));
	}
}

/**
 * tap_persist() - make the attached device persistent, owned by @o->owner
 * @fd:		attached tun file
 * @o:		options
 * @err:	filled on failure
 * @errlen:	its size
 *
 * Return: 0, or -errno
 */
static int tap_persist(int fd, const struct tap_opts *o, char *err,
		       size_t errlen)
{
	int e;

	if (o->owner != (uid_t)-1 &&
	    ioctl(fd, TUNSETOWNER, (unsigned long)o->owner) < 0)
		goto fail;
	if (ioctl(fd, TUNSETPERSIST, 1UL) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	if (e == EPERM || e == EACCES)
		snprintf(err, errlen, "making tap %s persistent needs CAP_NET_ADMIN",
			 o->name);
	else
		snprintf(err, errlen, "cannot make tap %s persistent: %s",
			 o->name, strerror(e));
	return -e;
}

/**
 * tap_mtu() - the interface's MTU
 * @name:	interface name
 *
 * Return: MTU, or 0 if it cannot be read
 */
static int tap_mtu(const char *name)
{
	struct ifreq ifr;
	int s, mtu = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFMTU, &ifr) == 0)
		mtu = ifr.ifr_mtu;
	close(s);
	return mtu;
}

/**
 * tap_open() - attach to (or create) the TAP device @o->name
 * @o:		name and persistence
 * @info:	filled on success (may be NULL)
 * @err:	filled with a one-line reason on failure
 * @errlen:	its size
 *
 * The file is non-blocking and close-on-exec: one read() returns one frame,
 * one write() sends one.
 *
 * Return: the file descriptor, or -errno
 */
int tap_open(const struct tap_opts *o, struct tap_info *info, char *err,
	     size_t errlen)
{
	struct ifreq ifr;
	bool existed;
	int fd, rc, e;

	if (!tap_name_ok(o->name)) {
		snprintf(err, errlen, "bad tap name '%s' (1 to %d characters, no '/', ':', '%%' or spaces)",
			 o->name ? o->name : "", IFNAMSIZ - 1);
		return -EINVAL;
	}
	existed = if_nametoindex(o->name) != 0;
	fd = tap_open_dev(err, errlen);
	if (fd < 0)
		return fd;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	strncpy(ifr.ifr_name, o->name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		tap_explain(o->name, existed, e, err, errlen);
		close(fd);
		return -e;
	}
	if (o->persist) {
		rc = tap_persist(fd, o, err, errlen);
		if (rc) {
			close(fd);
			return rc;
		}
	}
	if (info) {
		info->created = !existed;
		info->mtu = tap_mtu(o->name);
	}
	return fd;
}
