// SPDX-License-Identifier: MIT
/**
 * DOC: aether_main.c - the `aether` command line tool
 *
 *   aether stats        every counter of the running aetherd, "group.name value"
 *   aether ss           its socket table (uid 0: all; others: their own)
 *
 * It talks to the daemon on $AETHER_SOCKET (default /run/aether/aetherd.sock)
 * through the client library, like any program.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "client.h"

/**
 * print_stat() - one counter line
 * @ctx:	unused
 * @group:	group
 * @name:	name
 * @value:	value
 */
static void print_stat(void *ctx, const char *group, const char *name,
		       uint64_t value)
{
	(void)ctx;
	printf("%s.%s %llu\n", group, name, (unsigned long long)value);
}

/**
 * fmt_addr() - "a.b.c.d:port"
 * @a:		wire address
 * @buf:	output, 32 bytes
 *
 * Return: @buf
 */
static const char *fmt_addr(const struct ae_ipc_addr *a, char *buf)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a->addr, ip, sizeof(ip));
	snprintf(buf, 32, "%s:%u", ip, ntohs(a->port));
	return buf;
}

/**
 * print_sock() - one socket line
 * @ctx:	unused
 * @e:		the line
 */
static void print_sock(void *ctx, const struct ae_ipc_sockent *e)
{
	char l[32], r[32];

	(void)ctx;
	printf("%-4s %-11s %8u %8u %-21s %-21s pid=%d uid=%u\n",
	       e->type == SOCK_STREAM ? "tcp" : "udp", e->state_name,
	       e->rx_queued, e->tx_queued, fmt_addr(&e->local, l),
	       fmt_addr(&e->remote, r), e->pid, e->uid);
}

/**
 * usage() - print how to call us
 * @f:		stream
 */
static void usage(FILE *f)
{
	fprintf(f, "usage: aether stats | aether ss\n"
		   "  talks to aetherd on $AETHER_SOCKET (default %s)\n",
		AE_IPC_DEFAULT_PATH);
}

/**
 * main() - dispatch the subcommand
 * @argc:	argument count
 * @argv:	arguments
 *
 * Return: 0, 1 when the daemon cannot be asked, 2 on usage errors
 */
int main(int argc, char **argv)
{
	int n;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "stats")) {
		n = aec_stats(print_stat, NULL);
	} else if (!strcmp(argv[1], "ss")) {
		printf("%-4s %-11s %8s %8s %-21s %-21s owner\n", "proto",
		       "state", "recv-q", "send-q", "local", "peer");
		n = aec_sockets(print_sock, NULL);
	} else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	} else {
		usage(stderr);
		return 2;
	}
	if (n < 0) {
		fprintf(stderr, "aether: %s: %s\n", aec_socket_path(),
			strerror(-n));
		return 1;
	}
	return 0;
}
