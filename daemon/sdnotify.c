// SPDX-License-Identifier: MIT
/**
 * DOC: sdnotify.c - telling systemd (Type=notify) that aetherd is ready, and
 * which process is aetherd after a live upgrade
 *
 * Theory of operation: under a systemd unit of Type=notify, $NOTIFY_SOCKET
 * names a datagram socket (a path, or '@' for the abstract namespace) that
 * takes "KEY=VALUE" lines (sd_notify(3); the protocol is stable and tiny, so
 * no libsystemd). aetherd opens and connects it once at start, before the
 * sandbox, and later only write()s to it:
 *  - READY=1 once it serves (or has taken over);
 *  - MAINPID=NEW from the old daemon of a live upgrade, after the new one
 *    acknowledged the state and before the old one exits: the unit's main
 *    process is the new daemon from then on, so systemd neither takes the
 *    old one's exit for the service's end nor kills the new one with it.
 *    systemd reads notifications before it handles a child's exit, and the
 *    main process itself sends it, so NotifyAccess=main is enough.
 * `ExecReload=aether upgrade` in dist/aetherd.service makes `systemctl
 * reload aetherd` a live upgrade. Without $NOTIFY_SOCKET nothing is sent.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "aetherd.h"

/**
 * sdn_open() - connect to $NOTIFY_SOCKET, if systemd set one
 *
 * Return: the connected socket, or -1 (none set, or it cannot be reached:
 * then nothing is ever sent)
 */
int sdn_open(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = getenv("NOTIFY_SOCKET");
	socklen_t len;
	size_t n;
	int fd;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return -1;
	n = strlen(path);
	if (n >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* abstract */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, len)) {
		close(fd);
		return -1;
	}
	return fd;
}

/**
 * sdn_send() - one notification
 * @fd:		from sdn_open(), -1 for none
 * @msg:	"KEY=VALUE" lines
 */
void sdn_send(int fd, const char *msg)
{
	if (fd >= 0 && write(fd, msg, strlen(msg)) < 0)
		fprintf(stderr, "aetherd: telling systemd '%s': %s\n", msg,
			strerror(errno));
}

/**
 * sdn_mainpid() - MAINPID=@pid: the new daemon of a live upgrade is the
 * unit's main process from now on
 * @fd:		from sdn_open(), -1 for none
 * @pid:	the new daemon
 */
void sdn_mainpid(int fd, pid_t pid)
{
	char msg[32];

	snprintf(msg, sizeof(msg), "MAINPID=%d", (int)pid);
	sdn_send(fd, msg);
}
