// SPDX-License-Identifier: MIT
/**
 * DOC: info.c - `aether stats` and `aether ss`
 *
 *   aether stats [-j] [--watch[=SEC]] [--count N]
 *   aether ss [-i] [-p]
 *
 * Both ask the running aetherd over its control socket (client/info.c) and
 * collect the whole answer before printing anything, so a daemon that
 * cannot be reached gives one line on stderr and no half table. stats
 * prints every counter the daemon has: the device's (tap, pcap, impair_*),
 * the stack's (eth, arp, ip, icmp, udp, tcp) and the daemon's own (ipc);
 * -j prints them as one JSON object per group; --watch redraws them every
 * SEC seconds with the change per second beside each non-zero counter.
 * ss -i adds what `ss -i` shows for TCP (rtt/rttvar, rto, mss, cwnd,
 * ssthresh, the congestion control), -p the owning program by name.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "client.h"
#include "opts.h"
#include "proto.h"
#include "tools.h"

/**
 * tool_err() - "aether: MESSAGE" on stderr
 * @fmt:	printf format
 */
void tool_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("aether: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/**
 * tool_unreachable() - say why the daemon did not answer, and the fix
 * @err:	-errno from the client library
 */
void tool_unreachable(int err)
{
	char why[512];

	tool_err("%s", aec_explain(err, why, sizeof(why)));
}

/**
 * fetch_counters() - ask the daemon for every counter
 * @cs:		result, room allocated by the caller
 *
 * Return: 0, or 1 after saying why on stderr
 */
static int fetch_counters(struct ipc_stat_list *cs)
{
	int n;

	cs->n = 0;
	n = aec_stats(ipc_stat_add, cs);
	if (n < 0) {
		tool_unreachable(n);
		return 1;
	}
	return 0;
}

/**
 * group_seen() - did a counter before @i already open @i's group?
 * @cs:		counters
 * @i:		index
 *
 * Return: true if an earlier counter has the same group
 */
static bool group_seen(const struct ipc_stat_list *cs, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (!strcmp(cs->e[j].group, cs->e[i].group))
			return true;
	return false;
}

/**
 * print_json() - every counter as {"group": {"name": value, ...}, ...}
 * @cs:		counters in the daemon's order
 *
 * A group's counters need not be adjacent (the device's are collected in
 * two places): each group is one object, in first-seen order, since a
 * repeated key would leave a JSON reader with only its last object.
 */
static void print_json(const struct ipc_stat_list *cs)
{
	size_t i, j;
	bool first;

	putchar('{');
	for (i = 0; i < cs->n; i++) {
		if (group_seen(cs, i))
			continue;
		printf("%s\"%s\": {", i ? ", " : "", cs->e[i].group);
		first = true;
		for (j = i; j < cs->n; j++) {
			if (strcmp(cs->e[j].group, cs->e[i].group))
				continue;
			printf("%s\"%s\": %llu", first ? "" : ", ", cs->e[j].name,
			       (unsigned long long)cs->e[j].value);
			first = false;
		}
		putchar('}');
	}
	puts("}");
}

/**
 * print_watch() - one frame of --watch: non-zero counters and their rates
 * @cs:		counters now
 * @prev:	the previous frame's (same order), or NULL for the first
 * @secs:	seconds between the two
 */
static void print_watch(const struct ipc_stat_list *cs, const struct ipc_stat_list *prev,
			unsigned long secs)
{
	char when[16];
	time_t t = time(NULL);
	size_t i;

	strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
	if (isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout);
	printf("aether stats %s, every %lu s (non-zero counters, change per second)\n",
	       when, secs);
	for (i = 0; i < cs->n; i++) {
		const struct ae_ipc_stat *c = &cs->e[i];
		uint64_t d = prev && i < prev->n && c->value >= prev->e[i].value ?
			     c->value - prev->e[i].value : 0;

		if (!c->value)
			continue;
		printf("%s.%-32s %14llu %10.1f/s\n", c->group, c->name,
		       (unsigned long long)c->value, (double)d / (double)secs);
	}
	fflush(stdout);
}

/**
 * watch() - --watch: redraw every @secs seconds, @count times (0: forever)
 * @cs:		a first answer
 * @secs:	interval
 * @count:	frames, 0 until interrupted
 *
 * Return: 0, or 1 when the daemon stops answering
 */
static int watch(struct ipc_stat_list *cs, unsigned long secs, unsigned long count)
{
	struct ipc_stat_list prev = { .max = cs->max };
	unsigned long frame;
	int rc = 0;

	prev.e = calloc(prev.max, sizeof(*prev.e));
	if (!prev.e)
		return 1;
	print_watch(cs, NULL, secs);
	for (frame = 1; !count || frame < count; frame++) {
		memcpy(prev.e, cs->e, cs->n * sizeof(*cs->e));
		prev.n = cs->n;
		sleep((unsigned int)secs);
		rc = fetch_counters(cs);
		if (rc)
			break;
		print_watch(cs, &prev, secs);
	}
	free(prev.e);
	return rc;
}

/**
 * cmd_stats() - aether stats [-j] [--watch[=SEC]] [--count N]
 * @argc:	argument count
 * @argv:	arguments, argv[0] "stats"
 *
 * Return: exit status
 */
int cmd_stats(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", optional_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct ipc_stat_list cs = { .max = 4096 };
	unsigned long secs = 0, count = 0;
	bool json = false;
	char err[128];
	size_t i;
	int c, rc;

	while ((c = opt_next(argc, argv, "jw::n:", lo, err, sizeof(err))) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'w':
			secs = 1;
			if (optarg && opt_parse_ulong(optarg, 1, 3600, &secs)) {
				tool_err("bad --watch '%s': expected 1 to 3600 seconds", optarg);
				return 2;
			}
			break;
		case 'n':
			if (opt_parse_ulong(optarg, 1, 1000000, &count)) {
				tool_err("bad --count '%s': expected 1 to 1000000", optarg);
				return 2;
			}
			break;
		default:
			tool_err("stats: %s", err);
			return 2;
		}
	}
	if (optind < argc || (json && secs)) {
		tool_err("stats: %s (see --help)", optind < argc ?
			 "unexpected argument" : "-j and --watch do not mix");
		return 2;
	}
	cs.e = calloc(cs.max, sizeof(*cs.e));
	if (!cs.e)
		return 1;
	rc = fetch_counters(&cs);
	if (!rc && secs)
		rc = watch(&cs, secs, count);
	else if (!rc && json)
		print_json(&cs);
	else
		for (i = 0; !rc && i < cs.n; i++)
			printf("%s.%s %llu\n", cs.e[i].group, cs.e[i].name,
			       (unsigned long long)cs.e[i].value);
	free(cs.e);
	return rc;
}

/**
 * struct sockents - a whole SOCKETS answer
 * @e:		lines, @n of them, room for @max
 * @n:		used
 * @max:	room
 */
struct sockents {
	struct ae_ipc_sockent *e;
	size_t n, max;
};

/**
 * keep_sock() - aec_sockent_fn: append one line
 * @ctx:	struct sockents
 * @e:		the line
 */
static void keep_sock(void *ctx, const struct ae_ipc_sockent *e)
{
	struct sockents *ss = ctx;
	struct ae_ipc_sockent *ne;

	if (ss->n == ss->max) {
		ne = realloc(ss->e, (ss->max * 2 + 64) * sizeof(*ne));
		if (!ne)
			return;
		ss->e = ne;
		ss->max = ss->max * 2 + 64;
	}
	ss->e[ss->n++] = *e;
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
 * prog_name() - a process's name, from /proc/PID/comm
 * @pid:	process
 * @buf:	result
 * @len:	its size
 *
 * Return: @buf, "?" when it cannot be read (gone, another pid namespace)
 */
static const char *prog_name(int pid, char *buf, size_t len)
{
	char path[32];
	FILE *f;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = pid > 0 ? fopen(path, "r") : NULL;
	if (!f)
		return buf;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return buf;
}

/**
 * print_sock() - one socket, with -i its TCP details, with -p its program
 * @e:		the line
 * @info:	-i
 * @procs:	-p
 */
static void print_sock(const struct ae_ipc_sockent *e, bool info, bool procs)
{
	char l[32], r[32], comm[32], cc[sizeof(e->congestion) + 1];

	printf("%-4s %-11s %8u %8u %-21s %-21s pid=%d uid=%u",
	       e->type == SOCK_STREAM ? "tcp" : "udp", e->state_name,
	       e->rx_queued, e->tx_queued, fmt_addr(&e->local, l),
	       fmt_addr(&e->remote, r), e->pid, e->uid);
	if (procs)
		printf(" users:((\"%s\",pid=%d))",
		       prog_name(e->pid, comm, sizeof(comm)), e->pid);
	putchar('\n');
	if (!info || e->type != SOCK_STREAM)
		return;
	memcpy(cc, e->congestion, sizeof(e->congestion));
	cc[sizeof(e->congestion)] = '\0';
	printf("\t %s rtt:%.3f/%.3f rto:%.0f mss:%u cwnd:%u", cc,
	       e->rtt_us / 1000.0, e->rttvar_us / 1000.0, e->rto_us / 1000.0,
	       e->mss, e->cwnd);
	if (e->ssthresh && e->ssthresh < 0x7fffffff)
		printf(" ssthresh:%u", e->ssthresh);
	putchar('\n');
}

/**
 * cmd_ss() - aether ss [-i] [-p]: the daemon's socket table
 * @argc:	argument count
 * @argv:	arguments, argv[0] "ss"
 *
 * Return: exit status
 */
int cmd_ss(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "info", no_argument, NULL, 'i' },
		{ "processes", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	struct sockents ss = { 0 };
	bool info = false, procs = false;
	char err[128];
	size_t i;
	int c, n;

	while ((c = opt_next(argc, argv, "ip", lo, err, sizeof(err))) != -1) {
		switch (c) {
		case 'i': info = true; break;
		case 'p': procs = true; break;
		default:
			tool_err("ss: %s", err);
			return 2;
		}
	}
	if (optind < argc) {
		tool_err("ss: unexpected argument '%s' (see --help)", argv[optind]);
		return 2;
	}
	n = aec_sockets(keep_sock, &ss);
	if (n < 0) {
		free(ss.e);
		tool_unreachable(n);
		return 1;
	}
	printf("%-4s %-11s %8s %8s %-21s %-21s owner\n", "proto", "state",
	       "recv-q", "send-q", "local", "peer");
	for (i = 0; i < ss.n; i++)
		print_sock(&ss.e[i], info, procs);
	free(ss.e);
	return 0;
}
