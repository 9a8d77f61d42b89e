// SPDX-License-Identifier: MIT
/**
 * DOC: sandbox.c - see a seccomp filter coming and keep the sockets working
 *
 * A program that installs a seccomp filter (OpenSSH's pre-auth child) may
 * forbid the sendto/recvfrom(MSG_PEEK) the data path uses. prctl() is
 * interposed: PR_SET_NO_NEW_PRIVS (which precedes an unprivileged filter)
 * and PR_SET_SECCOMP switch the client library to sandbox mode first
 * (client/sandbox.c says what changes and its limits). A filter installed
 * with syscall(SYS_seccomp) alone, without either prctl, is not seen.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "client.h"
#include "shim.h"

/**
 * prctl() - libc's prctl, entering sandbox mode before a seccomp filter
 * @option:	PR_*
 *
 * Return: as prctl(2)
 */
int prctl(int option, ...)
{
	unsigned long a[4];
	va_list ap;
	int i;

	va_start(ap, option);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if ((option == PR_SET_NO_NEW_PRIVS && a[0]) ||
	    option == PR_SET_SECCOMP)
		aec_enter_sandbox();
	return (int)syscall(SYS_prctl, option, a[0], a[1], a[2], a[3]);
}

/**
 * ps_sandbox_inherited() - start in sandbox mode under an inherited filter
 *
 * Raw calls: the interposed read() must not run before the shim is set up.
 */
__attribute__((constructor)) static void ps_sandbox_inherited(void)
{
	char buf[4096];
	long n;
	int fd;

	fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/status",
			  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	if (strstr(buf, "\nSeccomp:\t2\n"))
		aec_enter_sandbox();
}
