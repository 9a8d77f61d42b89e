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
 * Offloads (tap_opts.offload): IFF_VNET_HDR puts a struct virtio_net_hdr
 * (10 bytes) before every frame read or written, and TUNSETOFFLOAD says
 * what we accept from the kernel: TUN_F_CSUM (frames whose TCP/UDP
 * checksum the kernel left undone, VIRTIO_NET_HDR_F_NEEDS_CSUM), TUN_F_TSO4
 * and TUN_F_TSO6 (TCP super-frames of up to 64 KiB, as the kernel's GSO
 * built them), TUN_F_TSO_ECN. The same header on a write asks the kernel to
 * finish our checksum and to cut our super-frames (gso_size) into
 * segments. tap_offload() asks for the most the kernel grants and falls
 * back one set at a time; with none granted the header stays (zeroed on
 * writes). The offloads belong to the device and outlive the file, so
 * without tap_opts.offload they are switched off (TUNSETOFFLOAD 0): the
 * kernel then segments and checksums everything itself. UDP GSO (TUN_F_USO4/6, TUN_F_UFO) is not asked for: a UDP
 * super-frame would have to be split into datagrams here.
 *
 * A received header is untrusted input like the frame: tap_vnet_check()
 * accepts only flags, GSO types and offsets that match the frame's own
 * IPv4/IPv6 and TCP/UDP headers, and names the reason of every reject.
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

#define VN_ETH_HLEN	14
#define VN_IP4_HLEN	20
#define VN_IP6_HLEN	40
#define VN_TCP_HLEN	20
#define VN_UDP_HLEN	8
#define VN_TCP_CSUM	16	/* checksum field offset in the TCP header */
#define VN_UDP_CSUM	6
#define VN_PROTO_TCP	6
#define VN_PROTO_UDP	17

/* Offload sets tap_offload() tries, most first */
static const unsigned int tap_offload_sets[] = {
	TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
	TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
	TUN_F_CSUM | TUN_F_TSO4,
	TUN_F_CSUM,
};

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
 * tap_offload() - ask the kernel for the most offloads it grants
 * @fd:		attached tun file with IFF_VNET_HDR
 *
 * Return: the TUN_F_* set accepted, 0 when none (frames then come whole)
 */
static unsigned int tap_offload(int fd)
{
	size_t i;

	for (i = 0; i < sizeof(tap_offload_sets) / sizeof(tap_offload_sets[0]); i++) {
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tap_offload_sets[i]) == 0)
			return tap_offload_sets[i];
	}
	return 0;
}

/**
 * tap_open() - attach to (or create) the TAP device @o->name
 * @o:		name and persistence
 * @info:	filled on success (may be NULL)
 * @err:	filled with a one-line reason on failure
 * @errlen:	its size
 *
 * The file is non-blocking and close-on-exec: one read() returns one frame,
 * one write() sends one (each after a virtio_net_hdr with @o->offload;
 * @info says which offloads the kernel accepted).
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
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (o->offload ? IFF_VNET_HDR : 0);
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
		info->vnet_hdr = o->offload;
		info->offload = o->offload ? tap_offload(fd) : 0;
	}
	/* the offloads are the device's, not the file's: a previous user's
	 * would outlive it and send us super-frames without their header */
	if (!o->offload)
		ioctl(fd, TUNSETOFFLOAD, 0UL);
	return fd;
}

/**
 * tap_vnet_l4() - find the transport header of a frame
 * @frame:	Ethernet frame
 * @len:	its length
 * @l4:		filled: offset of the TCP/UDP header
 * @proto:	filled: VN_PROTO_TCP or VN_PROTO_UDP
 * @v6:		filled: IPv6 (else IPv4)
 *
 * Only what offloads can describe: IPv4 without fragmentation, IPv6
 * without extension headers, TCP or UDP, whole headers inside the frame.
 *
 * Return: true when found
 */
static bool tap_vnet_l4(const uint8_t *frame, size_t len, size_t *l4,
			uint8_t *proto, bool *v6)
{
	const uint8_t *ip = frame + VN_ETH_HLEN;
	size_t ihl;

	if (len < VN_ETH_HLEN + VN_IP4_HLEN)
		return false;
	if (frame[12] == 0x08 && frame[13] == 0x00) {
		ihl = (size_t)(ip[0] & 0x0f) * 4;
		if ((ip[0] >> 4) != 4 || ihl < VN_IP4_HLEN ||
		    len < VN_ETH_HLEN + ihl)
			return false;
		if ((ip[6] & 0x3f) || ip[7])	/* MF or an offset */
			return false;
		*proto = ip[9];
		*l4 = VN_ETH_HLEN + ihl;
		*v6 = false;
	} else if (frame[12] == 0x86 && frame[13] == 0xdd) {
		if (len < VN_ETH_HLEN + VN_IP6_HLEN || (ip[0] >> 4) != 6)
			return false;
		*proto = ip[6];
		*l4 = VN_ETH_HLEN + VN_IP6_HLEN;
		*v6 = true;
	} else {
		return false;
	}
	if (*proto == VN_PROTO_TCP)
		return len >= *l4 + VN_TCP_HLEN &&
		       (frame[*l4 + 12] >> 4) * 4 >= VN_TCP_HLEN &&
		       len >= *l4 + (size_t)(frame[*l4 + 12] >> 4) * 4;
	return *proto == VN_PROTO_UDP && len >= *l4 + VN_UDP_HLEN;
}

/**
 * tap_vnet_check() - validate the virtio_net_hdr of a received frame
 * @h:		the header, as read (host byte order: the kernel's default)
 * @frame:	the frame that followed it
 * @len:	its length
 * @csum_valid:	set when the frame's TCP/UDP checksum needs no check
 *		(NEEDS_CSUM with offsets verified, or DATA_VALID)
 *
 * Return: TAP_VNET_OK, or why the frame must be dropped
 */
enum tap_vnet_verdict tap_vnet_check(const struct virtio_net_hdr *h,
				     const uint8_t *frame, size_t len,
				     bool *csum_valid)
{
	uint8_t type = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	bool need = h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM, v6 = false;
	uint8_t proto = 0;
	size_t l4 = 0;

	*csum_valid = false;
	if (h->flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
		return TAP_VNET_BAD_FLAGS;
	if ((type != VIRTIO_NET_HDR_GSO_NONE && type != VIRTIO_NET_HDR_GSO_TCPV4 &&
	     type != VIRTIO_NET_HDR_GSO_TCPV6) ||
	    (type == VIRTIO_NET_HDR_GSO_NONE && h->gso_type))
		return TAP_VNET_BAD_GSO_TYPE;
	if ((type == VIRTIO_NET_HDR_GSO_NONE) != !h->gso_size)
		return TAP_VNET_BAD_GSO_SIZE;
	if (h->hdr_len > len)
		return TAP_VNET_BAD_HDR_LEN;
	if (!need && type == VIRTIO_NET_HDR_GSO_NONE) {
		*csum_valid = h->flags & VIRTIO_NET_HDR_F_DATA_VALID;
		return TAP_VNET_OK;
	}
	if (!tap_vnet_l4(frame, len, &l4, &proto, &v6))
		return TAP_VNET_BAD_FRAME;
	if (type != VIRTIO_NET_HDR_GSO_NONE &&
	    (proto != VN_PROTO_TCP || v6 != (type == VIRTIO_NET_HDR_GSO_TCPV6)))
		return TAP_VNET_BAD_FRAME;
	if (type != VIRTIO_NET_HDR_GSO_NONE && !need)
		return TAP_VNET_BAD_CSUM;	/* a super-frame's is never done */
	if (need && (h->csum_start != l4 ||
		     h->csum_offset != (proto == VN_PROTO_TCP ? VN_TCP_CSUM :
							       VN_UDP_CSUM)))
		return TAP_VNET_BAD_CSUM;
	*csum_valid = true;
	return TAP_VNET_OK;
}

/**
 * tap_vnet_verdict_name() - counter name of a verdict
 * @v:		verdict
 *
 * Return: e.g. "rx_vnet_bad_csum"
 */
const char *tap_vnet_verdict_name(enum tap_vnet_verdict v)
{
	static const char *const names[TAP_VNET_NVERDICTS] = {
		[TAP_VNET_OK] = "rx_vnet_ok",
		[TAP_VNET_BAD_FLAGS] = "rx_vnet_bad_flags",
		[TAP_VNET_BAD_GSO_TYPE] = "rx_vnet_bad_gso_type",
		[TAP_VNET_BAD_GSO_SIZE] = "rx_vnet_bad_gso_size",
		[TAP_VNET_BAD_HDR_LEN] = "rx_vnet_bad_hdr_len",
		[TAP_VNET_BAD_CSUM] = "rx_vnet_bad_csum",
		[TAP_VNET_BAD_FRAME] = "rx_vnet_bad_frame",
	};

	return (unsigned int)v < TAP_VNET_NVERDICTS ? names[v] : "rx_vnet_unknown";
}

/**
 * tap_vnet_fill() - the header of a frame we write
 * @h:		filled
 * @csum_start:	offset of the TCP header whose checksum the kernel
 *		completes, 0 for a complete frame (all fields zero)
 * @csum_offset: checksum field offset from @csum_start
 * @gso_size:	payload per segment of an IPv4 TCP super-frame, 0 for none
 * @hdr_len:	Ethernet + IP + TCP header bytes
 */
void tap_vnet_fill(struct virtio_net_hdr *h, uint16_t csum_start,
		   uint16_t csum_offset, uint16_t gso_size, uint16_t hdr_len)
{
	memset(h, 0, sizeof(*h));
	if (!csum_start)
		return;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = csum_start;
	h->csum_offset = csum_offset;
	h->hdr_len = hdr_len;
	if (gso_size) {
		h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		h->gso_size = gso_size;
	}
}
