// SPDX-License-Identifier: MIT
/**
 * DOC: run.c - `aether run`: start a program on Aether
 *
 *   aether run [--socket PATH] [--] PROGRAM [ARGS...]
 *
 * Like OpenOnload's `onload`: it puts libaether.so in front of LD_PRELOAD
 * (keeping what was there) by its absolute path, sets AETHER_SOCKET to the
 * daemon's socket (--socket, else the path rule of ipc/path.h, made
 * absolute), and execs PROGRAM. A relative LD_PRELOAD=build/libaether.so
 * silently stops working in a child that changes directory; this one
 * does not.
 *
 * The library is the one beside this program in a build tree
 * (build/aether, build/libaether.so), else the installed one
 * (PREFIX/bin/aether, PREFIX/lib/libaether.so). A program the dynamic
 * loader will not preload into (static, or setuid/setgid when we are not
 * root) is started anyway, on the kernel's stack, after a warning.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "opts.h"
#include "tools.h"

/**
 * find_library() - libaether.so beside us (build tree) or installed
 * @buf:	result, PATH_MAX bytes
 *
 * Return: 0, or -ENOENT
 */
static int find_library(char *buf)
{
	static const char *const rel[] = {
		"libaether.so", "../lib/libaether.so",
	};
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	size_t i;

	if (n <= 0)
		return -ENOENT;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char cand[PATH_MAX + 64];

		snprintf(cand, sizeof(cand), "%s/%s", self, rel[i]);
		if (!access(cand, R_OK) && realpath(cand, buf))
			return 0;
	}
	return -ENOENT;
}

/**
 * resolve_prog() - the file execvp() would run for @prog
 * @prog:	name or path
 * @buf:	result, PATH_MAX bytes
 *
 * Return: 0, or -ENOENT
 */
static int resolve_prog(const char *prog, char *buf)
{
	const char *path = getenv("PATH");
	char *dirs, *d, *save = NULL;
	int rc = -ENOENT;

	if (strchr(prog, '/'))
		return realpath(prog, buf) ? 0 : -errno;
	dirs = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!dirs)
		return -ENOMEM;
	for (d = strtok_r(dirs, ":", &save); d && rc; d = strtok_r(NULL, ":", &save)) {
		char cand[PATH_MAX + 256];

		snprintf(cand, sizeof(cand), "%s/%s", *d ? d : ".", prog);
		if (!access(cand, X_OK) && realpath(cand, buf))
			rc = 0;
	}
	free(dirs);
	return rc;
}

/**
 * elf_is_static() - an ELF executable without a program interpreter
 * @file:	path
 *
 * Scripts, and files we cannot read, count as not static.
 *
 * Return: true if the dynamic loader never runs for it
 */
static bool elf_is_static(const char *file)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	bool interp = false;
	int fd = open(file, O_RDONLY | O_CLOEXEC), i;

	if (fd < 0)
		return false;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(ph)) {
		close(fd);
		return false;
	}
	for (i = 0; i < eh.e_phnum && !interp; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph))) !=
		    sizeof(ph))
			break;
		interp = ph.p_type == PT_INTERP;
	}
	close(fd);
	return !interp;
}

/**
 * warn_uninterposable() - say when PROGRAM will not get the library
 * @prog:	as given
 */
static void warn_uninterposable(const char *prog)
{
	char file[PATH_MAX];
	struct stat st;

	if (resolve_prog(prog, file) || stat(file, &st))
		return;		/* execvp() says it */
	if (elf_is_static(file))
		tool_err("warning: %s is statically linked: LD_PRELOAD cannot reach it, so it uses the kernel's stack, not Aether",
			 file);
	else if (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) ||
		 ((st.st_mode & S_ISGID) && st.st_gid != getegid()))
		tool_err("warning: %s is set%sid: the dynamic loader ignores LD_PRELOAD for it, so it uses the kernel's stack, not Aether",
			 file, (st.st_mode & S_ISUID) ? "u" : "g");
}

/**
 * set_preload() - LD_PRELOAD = @lib, then whatever was there
 * @lib:	absolute path of libaether.so
 *
 * Return: 0, or -ENOMEM
 */
static int set_preload(const char *lib)
{
	const char *old = getenv("LD_PRELOAD");
	char *val;
	int rc;

	if (old && strstr(old, lib))
		return 0;
	if (old && *old)
		rc = asprintf(&val, "%s %s", lib, old);
	else
		rc = asprintf(&val, "%s", lib);
	if (rc < 0)
		return -ENOMEM;
	rc = setenv("LD_PRELOAD", val, 1);
	free(val);
	return rc ? -ENOMEM : 0;
}

/**
 * set_socket() - AETHER_SOCKET = @path (absolute), or the rule's path
 * @path:	--socket, or NULL
 *
 * Return: 0, or -errno
 */
static int set_socket(const char *path)
{
	char abs[PATH_MAX + 128], cwd[PATH_MAX];

	if (!path)
		path = aec_socket_path();
	if (!*path)
		return -ENAMETOOLONG;
	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			return -errno;
		snprintf(abs, sizeof(abs), "%s/%s", cwd, path);
		path = abs;
	}
	return setenv("AETHER_SOCKET", path, 1) ? -errno : 0;
}

/**
 * cmd_run() - aether run [--socket PATH] [--] PROGRAM [ARGS...]
 * @argc:	argument count
 * @argv:	arguments, argv[0] "run"
 *
 * Return: exit status when PROGRAM could not be started (127 not found,
 * 126 not executable, like a shell); otherwise it does not return
 */
int cmd_run(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL;
	char lib[PATH_MAX], err[128];
	int c, e;

	/* "+": stop at PROGRAM, its own options are its own */
	while ((c = opt_next(argc, argv, "+s:", lo, err, sizeof(err))) != -1) {
		if (c != 's') {
			tool_err("run: %s", err);
			return 2;
		}
		sock = optarg;
	}
	if (optind >= argc) {
		tool_err("run: no PROGRAM (see --help)");
		return 2;
	}
	if (find_library(lib)) {
		tool_err("run: libaether.so is neither beside this aether nor in ../lib: build it (make) or install it (make install)");
		return 1;
	}
	if (set_preload(lib) || set_socket(sock)) {
		tool_err("run: cannot set the environment: %s", strerror(ENOMEM));
		return 1;
	}
	warn_uninterposable(argv[optind]);
	execvp(argv[optind], argv + optind);
	e = errno;
	tool_err("run: cannot run %s: %s", argv[optind], strerror(e));
	return e == ENOENT ? 127 : 126;
}
