// SPDX-License-Identifier: MIT
/**
 * DOC: log.c - the shim's only output: stderr, when asked (AETHER_LOG=debug),
 * one line, once, when the daemon cannot be reached, and one line per
 * listener that cannot be re-created after a restart of aetherd
 *
 * Messages are formatted into a buffer and written with the real write(2) to
 * fd 2 in one call; nothing goes through stdio, nothing to stdout.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

int ps_debug;
static atomic_int ps_warned;

/**
 * ps_vemit() - write one formatted line to stderr
 * @fmt:	printf format
 * @ap:		arguments
 */
static void ps_vemit(const char *fmt, va_list ap)
{
	char buf[512];
	int n, e = errno;

	n = snprintf(buf, sizeof(buf), "aether[%d]: ", (int)getpid());
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	REAL(write)(2, buf, n);
	errno = e;
}

/**
 * ps_log() - trace a call (AETHER_LOG=debug only)
 * @fmt:	printf format
 */
void ps_log(const char *fmt, ...)
{
	va_list ap;

	if (!ps_debug)
		return;
	va_start(ap, fmt);
	ps_vemit(fmt, ap);
	va_end(ap);
}

/**
 * ps_warn_once() - one line on stderr, the first time only
 * @fmt:	printf format
 */
void ps_warn_once(const char *fmt, ...)
{
	va_list ap;

	if (atomic_exchange(&ps_warned, 1))
		return;
	va_start(ap, fmt);
	ps_vemit(fmt, ap);
	va_end(ap);
}

/**
 * ps_warn() - one line on stderr (the caller sees that it is rare)
 * @fmt:	printf format
 */
void ps_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ps_vemit(fmt, ap);
	va_end(ap);
}

/**
 * ps_fail() - set errno and return -1, the libc convention
 * @err:	positive errno
 *
 * Return: -1
 */
int ps_fail(int err)
{
	errno = err;
	return -1;
}

/**
 * ps_log_init() - read AETHER_LOG once at load
 */
__attribute__((constructor)) static void ps_log_init(void)
{
	const char *v = getenv("AETHER_LOG");

	ps_debug = v && (!strcmp(v, "debug") || !strcmp(v, "trace"));
}
