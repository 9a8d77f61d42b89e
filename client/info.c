// SPDX-License-Identifier: MIT
/**
 * DOC: info.c - daemon information for tools: stats, socket table, limits
 *
 * Each call opens its own connection to the daemon (aec_dial()), asks one
 * question and reads the answer into the caller's callback; used by the
 * aether tool (tools/aether_main.c) and tests, never by libaether.so's
 * socket calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client_int.h"

/**
 * aec_tool_xfer() - one exchange on a fresh control connection
 * @type:	request
 * @p:		payload, @plen bytes
 * @plen:	size
 * @buf:	answer buffer, AE_IPC_MAX_MSG bytes
 * @len:	set to the answer's length
 *
 * Return: result or -errno
 */
static int aec_tool_xfer(uint16_t type, const void *p, size_t plen, void *buf,
			 size_t *len)
{
	struct aec_rsp r = { .buf = buf, .cap = AE_IPC_MAX_MSG };
	uint32_t seq = 0;
	int fd = aec_dial(true), ret;

	if (fd < 0)
		return fd;
	ret = aec_xfer(fd, &seq, type, p, plen, NULL, 0, &r);
	close_fds(&r);
	sys_close(fd);
	*len = r.len;
	return ret;
}

/**
 * aec_stats() - every counter by name
 * @fn:		per counter
 * @ctx:	its argument
 *
 * Return: count or -errno
 */
int aec_stats(aec_stat_fn fn, void *ctx)
{
	size_t off = sizeof(struct ae_ipc_hdr), len;
	struct ae_ipc_stats_resp sr;
	struct ae_ipc_stat e;
	uint8_t *buf = malloc(AE_IPC_MAX_MSG);
	uint32_t i;
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = aec_tool_xfer(AE_MSG_STATS, NULL, 0, buf, &len);
	if (ret < 0)
		goto out;
	ret = -EPROTO;
	if (len < off + sizeof(sr))
		goto out;
	memcpy(&sr, buf + off, sizeof(sr));
	off += sizeof(sr);
	if (sr.count > (len - off) / sizeof(e))
		goto out;
	for (i = 0; i < sr.count; i++, off += sizeof(e)) {
		memcpy(&e, buf + off, sizeof(e));
		e.group[sizeof(e.group) - 1] = 0;
		e.name[sizeof(e.name) - 1] = 0;
		fn(ctx, e.group, e.name, e.value);
	}
	ret = (int)sr.count;
out:
	free(buf);
	return ret;
}

/**
 * aec_sockets() - the socket table
 * @fn:		per socket
 * @ctx:	its argument
 *
 * Return: count or -errno
 */
int aec_sockets(aec_sockent_fn fn, void *ctx)
{
	struct ae_ipc_int_req q = { 0 };
	struct ae_ipc_sockets_resp sr;
	struct ae_ipc_sockent e;
	uint8_t *buf = malloc(AE_IPC_MAX_MSG);
	size_t off, len;
	int ret = 0, total = 0, rounds;
	uint32_t i;

	if (!buf)
		return -ENOMEM;
	for (rounds = 0; rounds < 4096; rounds++) {
		ret = aec_tool_xfer(AE_MSG_SOCKETS, &q, sizeof(q), buf, &len);
		if (ret < 0)
			break;
		off = sizeof(struct ae_ipc_hdr);
		ret = -EPROTO;
		if (len < off + sizeof(sr))
			break;
		memcpy(&sr, buf + off, sizeof(sr));
		off += sizeof(sr);
		if (sr.count > (len - off) / sizeof(e))
			break;
		for (i = 0; i < sr.count; i++, off += sizeof(e)) {
			memcpy(&e, buf + off, sizeof(e));
			e.state_name[sizeof(e.state_name) - 1] = 0;
			fn(ctx, &e);
			total++;
		}
		ret = total;
		if (!sr.count || sr.next >= sr.total ||
		    sr.next <= (uint32_t)q.val)
			break;
		q.val = (int32_t)sr.next;
	}
	free(buf);
	return ret;
}

/**
 * aec_set_limits() - per-client limits (uid 0)
 * @max_sockets: sockets per client
 * @max_mem:	ring bytes per client
 *
 * Return: 0 or -errno
 */
int aec_set_limits(uint32_t max_sockets, uint64_t max_mem)
{
	struct ae_ipc_limits q = { .max_sockets = max_sockets, .max_mem = max_mem };
	uint8_t *buf = malloc(AE_IPC_MAX_MSG);
	size_t len;
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = aec_tool_xfer(AE_MSG_SETLIMITS, &q, sizeof(q), buf, &len);
	free(buf);
	return ret < 0 ? ret : 0;
}
