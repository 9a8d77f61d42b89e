// SPDX-License-Identifier: MIT
/**
 * DOC: upgrade.c - aether upgrade: replace the running aetherd without
 * dropping a connection
 *
 *   aether upgrade [--socket PATH] [NEW-AETHERD]
 *
 * Theory of operation: the running daemon is found through its control
 * socket (SO_PEERCRED of a connection to it); its command line is read back
 * from /proc and NEW-AETHERD (default: the path of the running binary, which
 * is the new one after a package upgrade replaced the file) is started with
 * the same arguments plus `--socket PATH --takeover`, in the old daemon's
 * working directory, its standard output and error appended to wherever the
 * old daemon's went, in a session of its own (it outlives this command).
 * The rest is aetherd's (daemon/takeover.c). This command waits, on two
 * pidfds, for whichever ends first: the old daemon (handed over: success)
 * or the new one (it refused or failed: the old one goes on serving; its
 * reason is in its log). It must run in the daemon's network namespace,
 * as its user or root.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "path.h"
#include "tools.h"

#define UPGRADE_WAIT_MS	30000
#define UPGRADE_MAXARGS	128

/**
 * daemon_pid() - the pid of the daemon serving @path
 * @path:	control socket
 *
 * The control socket's peer credentials are those of the daemon that
 * created it, which may have handed over since; the takeover socket is
 * made anew by every daemon. Connecting and closing without a word is
 * what the daemon takes for this question.
 *
 * Return: the pid, or -errno
 */
static pid_t daemon_pid(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int fd, e;

	if (strlen(path) + sizeof(".takeover") > sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.takeover", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len)) {
		e = -errno;
		close(fd);
		return e;
	}
	close(fd);
	return uc.pid;
}

/**
 * read_cmdline() - a process's arguments
 * @pid:	process
 * @buf:	room for them, NUL-separated
 * @len:	its size
 * @argv:	set to pointers into @buf, NULL-terminated
 * @max:	room in @argv (the last one stays NULL)
 *
 * Return: the argument count, or -errno
 */
static int read_cmdline(pid_t pid, char *buf, size_t len, char **argv,
			int max)
{
	char path[64];
	ssize_t n;
	int fd, argc = 0;
	size_t i;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	for (i = 0; i < (size_t)n && argc < max - 1; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	argv[argc] = NULL;
	return argc;
}

/**
 * running_binary() - the path of the running daemon's program
 * @pid:	process
 * @buf:	result
 * @len:	its size
 *
 * A file replaced under a running program reads "PATH (deleted)": PATH is
 * then the new binary.
 *
 * Return: 0 or -errno
 */
static int running_binary(pid_t pid, char *buf, size_t len)
{
	static const char del[] = " (deleted)";
	char path[64];
	ssize_t n;
	size_t l;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	l = (size_t)n;
	if (l > sizeof(del) - 1 && !strcmp(buf + l - (sizeof(del) - 1), del))
		buf[l - (sizeof(del) - 1)] = '\0';
	return 0;
}

/**
 * child() - in the forked child: become the new daemon
 * @old:	the running daemon
 * @prog:	the new binary
 * @argv:	its arguments
 */
static void __attribute__((noreturn)) child(pid_t old, const char *prog,
					    char **argv)
{
	char path[64];
	int fd;

	setsid();
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)old);
	if (chdir(path))
		tool_err("cannot enter the running daemon's directory: %s",
			 strerror(errno));
	snprintf(path, sizeof(path), "/proc/%d/fd/2", (int)old);
	fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	execv(prog, argv);
	fprintf(stderr, "aether: cannot run %s: %s\n", prog, strerror(errno));
	_exit(127);
}

/**
 * wait_either() - wait for the old daemon to hand over, or the new one to
 * give up
 * @old:	the running daemon
 * @new:	our child, the new daemon
 *
 * Return: 0 handed over, 1 the new one ended first (or nothing happened
 * in UPGRADE_WAIT_MS)
 */
static int wait_either(pid_t old, pid_t new)
{
	struct pollfd p[2] = {
		{ .fd = (int)syscall(SYS_pidfd_open, old, 0), .events = POLLIN },
		{ .fd = (int)syscall(SYS_pidfd_open, new, 0), .events = POLLIN },
	};
	int st = 0, n;

	if (p[0].fd < 0 || p[1].fd < 0) {
		tool_err("pidfd_open: %s", strerror(errno));
		return 1;
	}
	n = poll(p, 2, UPGRADE_WAIT_MS);
	if (n > 0 && (p[0].revents & POLLIN) && !(p[1].revents & POLLIN)) {
		printf("aether: aetherd %d handed over to %d\n", (int)old,
		       (int)new);
		return 0;
	}
	if (n > 0 && (p[1].revents & POLLIN)) {
		waitpid(new, &st, 0);
		tool_err("the new aetherd exited (status %d) and %d goes on serving; its reason is in the daemon's log",
			 WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
			 (int)old);
	} else {
		tool_err("nothing happened in %d s (pid %d still runs, new pid %d)",
			 UPGRADE_WAIT_MS / 1000, (int)old, (int)new);
	}
	return 1;
}

/**
 * cmd_upgrade() - aether upgrade [--socket PATH] [NEW-AETHERD]
 * @argc:	argument count (argv[0] is "upgrade")
 * @argv:	arguments
 *
 * Return: 0 handed over, 1 failed (the old daemon serves on), 2 usage
 */
int cmd_upgrade(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	static char args[65536], prog[PATH_MAX], sock[108];
	char *av[UPGRADE_MAXARGS + 4];
	const char *path = NULL;
	pid_t old, new;
	int c, n, i, k;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:", lo, NULL)) != -1) {
		if (c != 's')
			return 2;
		path = optarg;
	}
	if (!path && ipc_socket_path(sock, sizeof(sock))) {
		tool_err("no socket path: set AETHER_SOCKET or use --socket");
		return 2;
	}
	if (!path)
		path = sock;
	old = daemon_pid(path);
	if (old < 0) {
		tool_err("no aetherd answers on %s: %s", path, strerror(-old));
		return 1;
	}
	n = read_cmdline(old, args, sizeof(args), av, UPGRADE_MAXARGS);
	if (n < 1 || (optind >= argc && running_binary(old, prog, sizeof(prog)))) {
		tool_err("cannot read the command line of pid %d", (int)old);
		return 1;
	}
	if (optind < argc)
		snprintf(prog, sizeof(prog), "%s", argv[optind]);
	for (i = k = 0; i < n; i++)	/* an earlier upgrade's flag, once */
		if (strcmp(av[i], "--takeover"))
			av[k++] = av[i];
	av[0] = prog;
	av[k++] = "--socket";
	av[k++] = (char *)path;
	av[k++] = "--takeover";
	av[k] = NULL;
	new = fork();
	if (new < 0) {
		tool_err("fork: %s", strerror(errno));
		return 1;
	}
	if (!new)
		child(old, prog, av);
	return wait_either(old, new);
}
