// SPDX-License-Identifier: MIT
/**
 * DOC: real.c - resolve libc's definitions of every interposed function
 *
 * Resolved once, with dlsym(RTLD_NEXT), from a constructor and (in case a
 * wrapper runs before constructors, e.g. from another library's constructor)
 * from pthread_once on first use.
 */
#include <dlfcn.h>
#include <pthread.h>

#include "shim.h"

struct ps_real ps_real;

static pthread_once_t ps_once = PTHREAD_ONCE_INIT;

#define RESOLVE(fn) (*(void **)&ps_real.fn = dlsym(RTLD_NEXT, #fn))

/**
 * ps_resolve() - fill ps_real
 */
static void ps_resolve(void)
{
	RESOLVE(socket);
	RESOLVE(socketpair);
	RESOLVE(bind);
	RESOLVE(listen);
	RESOLVE(accept);
	RESOLVE(accept4);
	RESOLVE(connect);
	RESOLVE(getsockname);
	RESOLVE(getpeername);
	RESOLVE(setsockopt);
	RESOLVE(getsockopt);
	RESOLVE(read);
	RESOLVE(write);
	RESOLVE(readv);
	RESOLVE(writev);
	RESOLVE(send);
	RESOLVE(recv);
	RESOLVE(sendto);
	RESOLVE(recvfrom);
	RESOLVE(sendmsg);
	RESOLVE(recvmsg);
	RESOLVE(sendmmsg);
	RESOLVE(recvmmsg);
	RESOLVE(sendfile);
	RESOLVE(sendfile64);
	RESOLVE(shutdown);
	RESOLVE(close);
	RESOLVE(fcntl);
	RESOLVE(fcntl64);
	RESOLVE(ioctl);
	RESOLVE(poll);
	RESOLVE(ppoll);
	RESOLVE(select);
	RESOLVE(pselect);
	RESOLVE(epoll_create);
	RESOLVE(epoll_create1);
	RESOLVE(epoll_ctl);
	RESOLVE(epoll_wait);
	RESOLVE(epoll_pwait);
	RESOLVE(dup);
	RESOLVE(dup2);
	RESOLVE(dup3);
	RESOLVE(fork);
	RESOLVE(posix_spawn);
	RESOLVE(posix_spawnp);
	RESOLVE(system);
	RESOLVE(popen);
	RESOLVE(close_range);
	RESOLVE(closefrom);
	RESOLVE(execve);
	RESOLVE(execvp);
	RESOLVE(execvpe);
	RESOLVE(pread);
	RESOLVE(splice);
	RESOLVE(tee);
	RESOLVE(pwrite);
	RESOLVE(sigaction);
	if (!ps_real.fcntl64)
		ps_real.fcntl64 = ps_real.fcntl;
	if (!ps_real.sendfile64)
		ps_real.sendfile64 = ps_real.sendfile;
}

/**
 * ps_init() - make sure the real entry points are known
 */
void ps_init(void)
{
	pthread_once(&ps_once, ps_resolve);
}

/**
 * ps_ctor() - resolve at load time, before the program's main()
 */
__attribute__((constructor)) static void ps_ctor(void)
{
	ps_init();
	ps_atfork_install();
}
