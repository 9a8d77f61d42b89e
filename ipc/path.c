// SPDX-License-Identifier: MIT
/**
 * DOC: path.c - the control socket path rule (see path.h)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "aether_ipc.h"
#include "path.h"

/**
 * ipc_socket_path() - the control socket path by the rule of path.h
 * @buf:	result
 * @len:	size of @buf
 *
 * Return: 0, or -ENAMETOOLONG when the path does not fit in @buf
 */
int ipc_socket_path(char *buf, size_t len)
{
	const char *env = getenv(AE_IPC_ENV_SOCKET);
	const char *xdg = getenv(AE_IPC_ENV_XDG);
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (xdg && *xdg)
		n = snprintf(buf, len, "%s/aether/%s", xdg, AE_IPC_SOCKET_NAME);
	else
		n = snprintf(buf, len, "%s", AE_IPC_DEFAULT_PATH);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
