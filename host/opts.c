// SPDX-License-Identifier: MIT
/**
 * DOC: opts.c - parsing command line values
 *
 * Strict parsers: "192.168.1.2/24" means exactly that; "192.168.1" (which
 * inet_aton() would accept as 192.168.0.1), leading '+', trailing garbage, a
 * prefix of 33, a multicast MAC or a network address as our own address are
 * refused with a reason the user can act on.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

/**
 * opt_parse_ulong() - a decimal number in [@min, @max]
 * @s:		text
 * @min:	smallest accepted
 * @max:	largest accepted
 * @out:	result
 *
 * Return: 0, or -EINVAL
 */
int opt_parse_ulong(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/**
 * opt_parse_ipv4() - a dotted-quad IPv4 address, all four parts
 * @s:		text
 * @addr:	result, network order
 *
 * Return: 0, or -EINVAL
 */
int opt_parse_ipv4(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	return 0;
}

/**
 * opt_host_ok() - whether @addr can be a host's address in its subnet
 * @addr:	address, network order
 * @prefix_len:	subnet prefix length
 * @err:	filled with the reason when not
 * @errlen:	its size
 * @what:	"address" or "gateway", for the message
 * @s:		the text given, for the message
 *
 * Return: 0, or -EINVAL
 */
static int opt_host_ok(uint32_t addr, uint8_t prefix_len, char *err,
		       size_t errlen, const char *what, const char *s)
{
	uint32_t h = ntohl(addr);
	uint32_t mask = prefix_len ? ~0U << (32 - prefix_len) : 0;

	if (h == 0 || h >= 0xe0000000U || (h >> 24) == 127 || (h >> 24) == 0) {
		snprintf(err, errlen, "bad %s '%s': not a unicast host address",
			 what, s);
		return -EINVAL;
	}
	if (prefix_len <= 30 && ((h & ~mask) == 0 || (h & ~mask) == ~mask)) {
		snprintf(err, errlen, "bad %s '%s': that is the %s address of its /%u subnet",
			 what, s, (h & ~mask) ? "broadcast" : "network",
			 prefix_len);
		return -EINVAL;
	}
	return 0;
}

/**
 * opt_parse_cidr() - our address with its prefix, "192.168.1.2/24"
 * @s:		text; without "/N" the prefix is 24
 * @addr:	result, network order
 * @prefix_len:	result
 * @err:	filled with a one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0, or -EINVAL
 */
int opt_parse_cidr(const char *s, uint32_t *addr, uint8_t *prefix_len,
		   char *err, size_t errlen)
{
	char buf[INET_ADDRSTRLEN];
	const char *slash = s ? strchr(s, '/') : NULL;
	unsigned long plen = 24;
	size_t n;

	if (!s || !*s) {
		snprintf(err, errlen, "bad address '': expected A.B.C.D/N, e.g. 192.168.1.2/24");
		return -EINVAL;
	}
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof(buf) ||
	    (slash && opt_parse_ulong(slash + 1, 1, 32, &plen))) {
		snprintf(err, errlen, "bad address '%s': expected A.B.C.D/N with N from 1 to 32, e.g. 192.168.1.2/24",
			 s);
		return -EINVAL;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (opt_parse_ipv4(buf, addr)) {
		snprintf(err, errlen, "bad address '%s': expected A.B.C.D/N, e.g. 192.168.1.2/24",
			 s);
		return -EINVAL;
	}
	*prefix_len = (uint8_t)plen;
	return opt_host_ok(*addr, *prefix_len, err, errlen, "address", s);
}

/**
 * opt_parse_gateway() - a default gateway, which must be on our subnet
 * @s:		text
 * @addr:	our address, network order
 * @prefix_len:	our prefix length
 * @gw:		result, network order
 * @err:	filled with a one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0, or -EINVAL
 */
int opt_parse_gateway(const char *s, uint32_t addr, uint8_t prefix_len,
		      uint32_t *gw, char *err, size_t errlen)
{
	uint32_t mask = htonl(prefix_len ? ~0U << (32 - prefix_len) : 0);

	if (opt_parse_ipv4(s, gw)) {
		snprintf(err, errlen, "bad gateway '%s': expected A.B.C.D", s);
		return -EINVAL;
	}
	if (opt_host_ok(*gw, prefix_len, err, errlen, "gateway", s))
		return -EINVAL;
	if ((*gw & mask) != (addr & mask)) {
		snprintf(err, errlen, "bad gateway '%s': not on our /%u subnet",
			 s, prefix_len);
		return -EINVAL;
	}
	if (*gw == addr) {
		snprintf(err, errlen, "bad gateway '%s': that is our own address", s);
		return -EINVAL;
	}
	return 0;
}

/**
 * opt_parse_mac() - a unicast Ethernet address, "02:ae:00:00:00:02"
 * @s:		text, six hex pairs separated by ':' or '-'
 * @mac:	result
 * @err:	filled with a one-line reason on failure
 * @errlen:	its size
 *
 * Return: 0, or -EINVAL
 */
int opt_parse_mac(const char *s, uint8_t mac[6], char *err, size_t errlen)
{
	unsigned int b[6];
	char sep[5], end;
	int i, n;

	n = s ? sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &b[0], &sep[0],
		       &b[1], &sep[1], &b[2], &sep[2], &b[3], &sep[3], &b[4],
		       &sep[4], &b[5], &end) : 0;
	if (n != 11 || strlen(s) != 17)
		goto bad;
	for (i = 0; i < 5; i++)
		if (sep[i] != sep[0] || (sep[i] != ':' && sep[i] != '-'))
			goto bad;
	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i * 3]) ||
		    !isxdigit((unsigned char)s[i * 3 + 1]))
			goto bad;
		mac[i] = (uint8_t)b[i];
	}
	if (mac[0] & 1) {
		snprintf(err, errlen, "bad MAC '%s': multicast (lowest bit of the first byte set)",
			 s);
		return -EINVAL;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		snprintf(err, errlen, "bad MAC '%s': all zero", s);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen, "bad MAC '%s': expected six hex pairs like 02:ae:c0:a8:01:02",
		 s ? s : "");
	return -EINVAL;
}

/**
 * opt_default_mac() - the stable default MAC for an address
 * @addr:	our IPv4 address, network order
 * @mac:	result: 02:ae followed by the address's four bytes
 *
 * Locally administered (0x02), unicast, the same on every run, and distinct
 * for two stacks with distinct addresses on one link.
 */
void opt_default_mac(uint32_t addr, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0xae;
	memcpy(mac + 2, &addr, 4);
}

/**
 * opt_long_name() - the name an option was given by, for messages
 * @lopts:	getopt_long() table
 * @c:		the value getopt_long() returned
 * @longindex:	index it set, or -1 when the short form was used
 * @buf:	room for "-x", 3 bytes or more
 *
 * Return: "--name" style text without the dashes for long options ("tap"),
 * or "-x" for a short option without a long form
 */
static const char *opt_long_name(const struct option *lopts, int c,
				 int longindex, char *buf)
{
	int i;

	if (longindex >= 0)
		return lopts[longindex].name;
	/* a short option: its long form, if it has one */
	for (i = 0; lopts[i].name; i++)
		if (!lopts[i].flag && lopts[i].val == c)
			return lopts[i].name;
	buf[0] = (char)c;
	buf[1] = '\0';
	return buf;
}

/**
 * opt_next() - getopt_long() with one-line messages instead of getopt's own
 * @argc:	argument count
 * @argv:	arguments
 * @shortopts:	short options, as for getopt_long() (no ':' of its own;
 *		a leading '+' stops at the first non-option)
 * @lopts:	long options
 * @err:	the message on OPT_ERR: "unknown option '--x' (see --help)",
 *		"option '--tap' needs a value (see --help)" or
 *		"bad --impair '': empty value (see --help)"
 * @errlen:	size of @err
 *
 * An empty value ("--impair ''") is refused for every option that takes
 * one: none of our options means anything by it, and accepting it silently
 * hides a shell variable that was not set.
 *
 * Return: the option's value as getopt_long() returns it, -1 at the end,
 * or OPT_ERR with @err filled
 */
int opt_next(int argc, char **argv, const char *shortopts,
	     const struct option *lopts, char *err, size_t errlen)
{
	char sopts[64], one[3];
	int c, li = -1;
	const char *bad;

	/* ':' reports a missing value apart; it goes after a leading '+' */
	if (shortopts[0] == '+' || shortopts[0] == '-')
		snprintf(sopts, sizeof(sopts), "%c:%s", shortopts[0], shortopts + 1);
	else
		snprintf(sopts, sizeof(sopts), ":%s", shortopts);
	opterr = 0;
	c = getopt_long(argc, argv, sopts, lopts, &li);
	if (c == '?' || c == ':') {
		bad = argv[optind - 1];
		if (strncmp(bad, "--", 2) && optopt) {
			snprintf(one, sizeof(one), "-%c", optopt);
			bad = one;
		}
		snprintf(err, errlen, c == '?' ?
			 "unknown option '%s' (see --help)" :
			 "option '%s' needs a value (see --help)", bad);
		return OPT_ERR;
	}
	if (c != -1 && optarg && !*optarg) {
		bad = opt_long_name(lopts, c, li, one);
		snprintf(err, errlen, "bad %s%s '': empty value (see --help)",
			 strlen(bad) > 1 ? "--" : "-", bad);
		return OPT_ERR;
	}
	return c;
}
