// SPDX-License-Identifier: MIT
/**
 * DOC: exec.c - Aether sockets across execve
 *
 * Backing fds without close-on-exec survive exec like any fd. The new
 * image's libaether.so finds them at load time: it walks /proc/self/fd and
 * adopts every fd the IPC client recognises (aec_is_backing_fd(), then
 * aec_attach() maps the socket's memory again). What the kernel would still
 * know but the daemon does not, the family the program asked for (AF_INET6
 * sockets report v4-mapped addresses), travels in the environment variable
 * AETHER_FDS ("fd:family,..."), which the execve wrappers set; without it
 * (exec paths inside libc) a socket comes back as AF_INET.
 */
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "shim.h"

#define PS_ENV		"AETHER_FDS"
#define PS_ENV_MAX	4096

/**
 * env_family() - the family AETHER_FDS records for @fd
 * @fd:	fd
 *
 * Return: AF_INET6 or AF_INET (the default)
 */
static int env_family(int fd)
{
	const char *v = getenv(PS_ENV);
	int f, fam;

	while (v && *v) {
		if (sscanf(v, "%d:%d", &f, &fam) == 2 && f == fd)
			return fam == AF_INET6 ? AF_INET6 : AF_INET;
		v = strchr(v, ',');
		if (v)
			v++;
	}
	return AF_INET;
}

/**
 * ps_is_listener() - is the inherited socket @aec listening (SO_ACCEPTCONN)
 * @aec:	client socket
 *
 * A listener behaves apart when the daemon dies (see ps_mask()) and refuses
 * connect(), so the flag listen() sets must survive exec.
 *
 * Return: 1 if so, else 0
 */
static int ps_is_listener(struct aec_sock *aec)
{
	socklen_t len = sizeof(int);
	int on = 0;

	if (aec->type != SOCK_STREAM ||
	    aec_getsockopt(aec, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0)
		return 0;
	return on != 0;
}

/**
 * ps_adopt_inherited() - adopt the Aether backing fds this image inherited
 */
__attribute__((constructor)) static void ps_adopt_inherited(void)
{
	struct aec_sock *aec;
	struct ps_sock *ps;
	struct dirent *de;
	int fd, err, fl;
	DIR *d;

	/*
	 * Not only when AETHER_FDS is set: execl/execle/posix_spawn reach
	 * libc's internal execve, which the shim cannot see. Checking an fd
	 * costs one getsockopt unless it is an AF_UNIX SOCK_SEQPACKET socket.
	 */
	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (fd == dirfd(d) || de->d_name[0] == '.' || ps_get(fd))
			continue;
		if (!aec_is_backing_fd(fd))
			continue;
		err = 0;
		aec = aec_attach(fd, &err);
		if (!aec) {
			ps_log("attach(%d) = %d", fd, err);
			continue;
		}
		ps = ps_new(aec, env_family(fd), aec->type);
		if (!ps) {
			aec_close_local(aec, 0);
			continue;
		}
		fl = REAL(fcntl)(fd, F_GETFL);
		atomic_store(&ps->nonblock, fl >= 0 && (fl & O_NONBLOCK));
		atomic_store(&ps->listening, ps_is_listener(aec));
		aec->user = ps;
		ps_install(fd, ps);
		if (atomic_load(&ps->listening) || ps->type == SOCK_DGRAM)
			ps_rc_note_bound(ps, atomic_load(&ps->listening) ?
					 SOMAXCONN : -1);
		ps_mark_shared();	/* the process that passed it may poll it */
		ps_log("inherited fd %d", fd);
	}
	closedir(d);
	unsetenv(PS_ENV);
	/* after a fork, parent and child share every socket */
	pthread_atfork(ps_mark_shared, NULL, NULL);
}

/**
 * env_value() - "AETHER_FDS=fd:family,..." for fds that survive exec
 * @buf:	output
 * @len:	its size
 *
 * Return: true if some Aether fd survives exec
 */
static bool env_value(char *buf, size_t len)
{
	struct ps_sock *ps;
	size_t n;
	int fd, fl;
	bool any = false;

	n = snprintf(buf, len, "%s=", PS_ENV);
	for (fd = 0; fd < 65536 && n + 24 < len; fd++) {
		ps = ps_hold(fd);
		if (!ps)
			continue;
		fl = REAL(fcntl)(fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC)) {
			n += snprintf(buf + n, len - n, "%s%d:%d",
				      any ? "," : "", fd, ps->domain);
			any = true;
		}
		ps_put(ps);
	}
	return any;
}

/**
 * execve() - interposed execve(2): passes AETHER_FDS to the new image
 * @path:	program
 * @argv:	arguments
 * @envp:	environment
 *
 * Return: -1 with errno (only returns on failure)
 */
int execve(const char *path, char *const argv[], char *const envp[])
{
	static char var[PS_ENV_MAX];
	char **env;
	int i, n = 0, k = 0;

	if (!env_value(var, sizeof(var)))
		return REAL(execve)(path, argv, envp);
	while (envp && envp[n])
		n++;
	env = malloc((n + 2) * sizeof(*env));
	if (!env)
		return REAL(execve)(path, argv, envp);
	for (i = 0; i < n; i++)
		if (strncmp(envp[i], PS_ENV "=", sizeof(PS_ENV)) != 0)
			env[k++] = envp[i];
	env[k++] = var;
	env[k] = NULL;
	i = REAL(execve)(path, argv, env);
	free(env);
	return i;
}

/**
 * ps_exec_env() - set AETHER_FDS in environ before an exec that uses it
 */
static void ps_exec_env(void)
{
	char var[PS_ENV_MAX];

	if (env_value(var, sizeof(var)))
		setenv(PS_ENV, var + sizeof(PS_ENV), 1);
}

/**
 * execv() - interposed execv(3)
 * @path:	program
 * @argv:	arguments
 *
 * Return: -1 with errno
 */
int execv(const char *path, char *const argv[])
{
	ps_exec_env();
	return execve(path, argv, environ);
}

/**
 * execvp() - interposed execvp(3): libc resolves PATH and calls its own
 * execve, so the environment is set first
 * @file:	program
 * @argv:	arguments
 *
 * Return: -1 with errno
 */
int execvp(const char *file, char *const argv[])
{
	ps_exec_env();
	return REAL(execvp)(file, argv);
}

/**
 * execvpe() - interposed execvpe(3); @envp gets AETHER_FDS
 * @file:	program
 * @argv:	arguments
 * @envp:	environment
 *
 * Return: -1 with errno
 */
int execvpe(const char *file, char *const argv[], char *const envp[])
{
	static char var[PS_ENV_MAX];
	char **env;
	int i, n = 0, k = 0;

	if (!env_value(var, sizeof(var)))
		return REAL(execvpe)(file, argv, envp);
	while (envp && envp[n])
		n++;
	env = malloc((n + 2) * sizeof(*env));
	if (!env)
		return REAL(execvpe)(file, argv, envp);
	for (i = 0; i < n; i++)
		if (strncmp(envp[i], PS_ENV "=", sizeof(PS_ENV)) != 0)
			env[k++] = envp[i];
	env[k++] = var;
	env[k] = NULL;
	i = REAL(execvpe)(file, argv, env);
	free(env);
	return i;
}
