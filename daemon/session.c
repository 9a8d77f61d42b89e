/* SPDX-License-Identifier: MIT */
/**
 * DOC: session.c - serving programs over the control socket (skeleton; the
 * IPC issue fills it in)
 */
#include <stdlib.h>

#include "aetherd.h"

/**
 * session_init() - start serving clients on d->socket_path
 * @d:	the daemon
 *
 * Return: 0 on success, -errno on failure
 */
int session_init(struct aetherd *d)
{
	(void)d;
	return 0;
}

/**
 * session_fini() - close every client and remove the socket file
 * @d:	the daemon
 */
void session_fini(struct aetherd *d)
{
	(void)d;
}

/**
 * session_mem_alloc() - socket buffer memory for the stack
 * @ctx:	the daemon
 * @len:	bytes
 *
 * Return: memory, or NULL
 */
void *session_mem_alloc(void *ctx, size_t len)
{
	(void)ctx;
	return malloc(len);
}

/**
 * session_mem_free() - release memory from session_mem_alloc()
 * @ctx:	the daemon
 * @mem:	the memory
 * @len:	its length
 */
void session_mem_free(void *ctx, void *mem, size_t len)
{
	(void)ctx;
	(void)len;
	free(mem);
}
