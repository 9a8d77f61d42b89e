// SPDX-License-Identifier: MIT
/**
 * DOC: up.c - `aether up` and `aether down`: the persistent TAP in one step
 *
 *   aether up [--tap NAME] [--user NAME] [--addr A.B.C.D/N] [--netns NAME]
 *   aether down [--tap NAME] [--netns NAME]
 *
 * up does, as root, what the README's three `ip` lines did: a persistent TAP
 * (default aether0) that USER (default: the sudo caller, else you) may
 * attach to without privilege, the host's address on it (default
 * 192.168.1.1/24) and the link up, in NETNS when given; then it prints what
 * it did and the aetherd line that serves the other end. down deletes it.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "opts.h"
#include "tap.h"
#include "tapctl.h"
#include "tools.h"

/**
 * struct up_opts - the command line of up and down
 * @tap:	--tap
 * @user:	--user, or NULL
 * @addr:	--addr text
 * @netns:	--netns, or NULL
 */
struct up_opts {
	const char *tap;
	const char *user;
	const char *addr;
	const char *netns;
};

/**
 * parse_up() - the options of up (@with_up) or down
 * @argc:	argument count
 * @argv:	arguments, argv[0] the command
 * @o:		result
 * @with_up:	accept --user and --addr
 *
 * Return: 0, or 2 after saying what is wrong
 */
static int parse_up(int argc, char **argv, struct up_opts *o, bool with_up)
{
	static const struct option lo[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "netns", required_argument, NULL, 'n' },
		{ "user", required_argument, NULL, 'u' },
		{ "addr", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	char err[128];
	int c;

	o->tap = "aether0";
	o->addr = "192.168.1.1/24";
	while ((c = opt_next(argc, argv, "t:n:u:a:", lo, err, sizeof(err))) != -1) {
		if (c == 't') {
			o->tap = optarg;
		} else if (c == 'n') {
			o->netns = optarg;
		} else if (with_up && c == 'u') {
			o->user = optarg;
		} else if (with_up && c == 'a') {
			o->addr = optarg;
		} else {
			tool_err("%s: %s", argv[0], c == OPT_ERR ? err :
				 "--user and --addr are for up (see --help)");
			return 2;
		}
	}
	if (optind < argc) {
		tool_err("%s: unexpected argument '%s' (see --help)", argv[0],
			 argv[optind]);
		return 2;
	}
	if (!tap_name_ok(o->tap)) {
		tool_err("bad --tap '%s'", o->tap);
		return 2;
	}
	return 0;
}

/**
 * up_owner() - who may attach: --user, else $SUDO_UID, else us
 * @user:	--user, or NULL
 * @uid:	result
 * @name:	its name (for the message), 32 bytes
 *
 * Return: 0, or 2 for an unknown user
 */
static int up_owner(const char *user, uid_t *uid, char *name)
{
	const char *sudo = getenv("SUDO_UID");
	struct passwd *pw;
	unsigned long v;

	if (user)
		pw = opt_parse_ulong(user, 0, (uid_t)-2, &v) ? getpwnam(user) :
		     getpwuid((uid_t)v);
	else if (sudo && !opt_parse_ulong(sudo, 0, (uid_t)-2, &v))
		pw = getpwuid((uid_t)v);
	else
		pw = getpwuid(getuid());
	if (!pw) {
		tool_err("bad --user '%s': no such user", user ? user : "?");
		return 2;
	}
	*uid = pw->pw_uid;
	snprintf(name, 32, "%s", pw->pw_name);
	return 0;
}

/**
 * cmd_up() - aether up: persistent TAP, host address, link up
 * @argc:	argument count
 * @argv:	arguments, argv[0] "up"
 *
 * Return: exit status
 */
int cmd_up(int argc, char **argv)
{
	struct up_opts o = { 0 };
	struct tap_opts to = { .persist = true };
	struct tap_info info;
	char err[256], who[32], ns[160] = "";
	uint32_t addr;
	uint8_t plen;
	int fd, rc;

	rc = parse_up(argc, argv, &o, true);
	if (!rc)
		rc = up_owner(o.user, &to.owner, who);
	if (rc)
		return rc;
	if (opt_parse_cidr(o.addr, &addr, &plen, err, sizeof(err))) {
		tool_err("bad --addr: %s", err);
		return 2;
	}
	if (o.netns && tapctl_enter_netns(o.netns, err, sizeof(err))) {
		tool_err("%s", err);
		return 1;
	}
	to.name = o.tap;
	fd = tap_open(&to, &info, err, sizeof(err));
	if (fd < 0) {
		tool_err("%s", err);
		return 1;
	}
	close(fd);
	if (tapctl_host_addr(o.tap, addr, plen, err, sizeof(err))) {
		tool_err("%s", err);
		return 1;
	}
	if (o.netns)
		snprintf(ns, sizeof(ns), " in netns %s", o.netns);
	printf("aether: tap %s%s %s: persistent, owner %s (uid %u), host address %s, up\n",
	       o.tap, ns, info.created ? "created" : "already there", who,
	       (unsigned int)to.owner, o.addr);
	printf("aether: serve its other end with: %s%s%saetherd --tap %s --addr A.B.C.D/%u\n",
	       o.netns ? "ip netns exec " : "", o.netns ? o.netns : "",
	       o.netns ? " " : "", o.tap, plen);
	return 0;
}

/**
 * cmd_down() - aether down: delete the persistent TAP
 * @argc:	argument count
 * @argv:	arguments, argv[0] "down"
 *
 * Return: exit status
 */
int cmd_down(int argc, char **argv)
{
	struct up_opts o = { 0 };
	char err[256];
	int rc;

	rc = parse_up(argc, argv, &o, false);
	if (rc)
		return rc;
	if (o.netns && tapctl_enter_netns(o.netns, err, sizeof(err))) {
		tool_err("%s", err);
		return 1;
	}
	if (tapctl_remove(o.tap, err, sizeof(err))) {
		tool_err("%s", err);
		return 1;
	}
	printf("aether: tap %s%s%s removed\n", o.tap, o.netns ? " in netns " : "",
	       o.netns ? o.netns : "");
	return 0;
}
