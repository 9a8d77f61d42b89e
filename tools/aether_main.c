// SPDX-License-Identifier: MIT
/**
 * DOC: aether_main.c - the `aether` command line tool
 *
 *   aether stats [-j] [--watch[=SEC]] [--count N]   every counter of aetherd
 *   aether ss [-i] [-p]                             its socket table
 *   aether run [--socket PATH] [--] PROGRAM [ARGS]  PROGRAM on Aether
 *   aether up [--tap NAME] [--user NAME] [--addr A/N] [--netns NAME]
 *   aether down [--tap NAME] [--netns NAME]         the persistent TAP
 *   aether --version | --help
 *
 * It talks to the daemon through the client library, like any program, on
 * the socket of ipc/path.h's rule ($AETHER_SOCKET, else
 * $XDG_RUNTIME_DIR/aether/aetherd.sock, else /run/aether/aetherd.sock).
 * Each command lives in its own file (tools/info.c ...), see tools.h.
 */
#include <stdio.h>
#include <string.h>

#include "aether_ipc.h"
#include "opts.h"
#include "tools.h"

/**
 * struct command - one "aether CMD"
 * @name:	CMD
 * @fn:		its implementation (tools.h)
 */
struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "stats", cmd_stats },
	{ "ss", cmd_ss },
	{ "run", cmd_run },
	{ "up", cmd_up },
	{ "down", cmd_down },
	{ "upgrade", cmd_upgrade },
};

/**
 * usage() - print how to call us
 * @f:		stream
 */
static void usage(FILE *f)
{
	fputs(
"Usage: aether COMMAND [OPTIONS]\n"
"Talk to the running aetherd (the Aether TCP/IP stack).\n"
"\n"
"  stats [-j|--json] [--watch[=SEC]] [--count N]\n"
"                      every counter: tap, pcap, impair, stack, ipc; -j as\n"
"                      JSON; --watch redraws every SEC (1) seconds\n"
"  ss [-i|--info] [-p|--processes]\n"
"                      the socket table (root: all; others: their own); -i\n"
"                      rtt, rto, mss, cwnd, ssthresh, congestion control;\n"
"                      -p the owning program\n"
"  run [--socket PATH] [--] PROGRAM [ARGS...]\n"
"                      run PROGRAM with libaether.so preloaded (absolute\n"
"                      path, before any LD_PRELOAD) and AETHER_SOCKET set\n"
"  up [--tap NAME] [--user NAME] [--addr A.B.C.D/N] [--netns NAME]\n"
"                      (root) create the persistent TAP (aether0) USER may\n"
"                      attach to, give the host 192.168.1.1/24 on it, link up\n"
"  down [--tap NAME] [--netns NAME]\n"
"                      (root) delete that TAP\n"
"  upgrade [--socket PATH] [NEW-AETHERD]\n"
"                      live upgrade: start NEW-AETHERD (default: the running\n"
"                      daemon's binary) with the running one's arguments and\n"
"                      --takeover; it takes every connection over and the old\n"
"                      one exits. Run it in the daemon's network namespace\n"
"  --version           print the version\n"
"  --help              this text\n"
"\n"
"The daemon's socket: $AETHER_SOCKET, else $XDG_RUNTIME_DIR/aether/aetherd.sock,\n"
"else " AE_IPC_DEFAULT_PATH ".\n", f);
}

/**
 * main() - dispatch the command
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0, 1 when the command failed, 2 on usage errors
 */
int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		tool_err("no command (see --help)");
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("aether %s\n", AETHER_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	tool_err("unknown %s '%s' (see --help)",
		 argv[1][0] == '-' ? "option" : "command", argv[1]);
	return 2;
}
