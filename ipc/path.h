/* SPDX-License-Identifier: MIT */
/**
 * DOC: path.h - where the control socket is, for the daemon and its clients
 *
 * One rule, applied by aetherd (where to serve), libaether.so and the tools
 * (where to connect):
 *
 *   1. $AETHER_SOCKET, when set and not empty;
 *   2. else $XDG_RUNTIME_DIR/aether/aetherd.sock, when XDG_RUNTIME_DIR is set
 *      and not empty (a user's own daemon, in a logind session);
 *   3. else /run/aether/aetherd.sock (the system daemon, aetherd.service).
 *
 * Under su, sudo or ssh without logind XDG_RUNTIME_DIR is unset, so the rule
 * falls through to the system path instead of producing "/aether/...".
 */
#ifndef AETHER_IPC_PATH_H
#define AETHER_IPC_PATH_H

#include <stddef.h>

/* the socket file's name inside its directory, rule 2 and 3 */
#define AE_IPC_SOCKET_NAME	"aetherd.sock"
#define AE_IPC_ENV_XDG		"XDG_RUNTIME_DIR"

int ipc_socket_path(char *buf, size_t len);

#endif /* AETHER_IPC_PATH_H */
