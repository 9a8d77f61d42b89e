// SPDX-License-Identifier: MIT
/**
 * DOC: sandbox.c - least privilege for aetherd, as passt does it
 *
 * Theory of operation: aetherd needs privilege only to set up. CAP_NET_ADMIN
 * creates a missing TAP, makes it persistent, addresses its host end; once
 * the TAP is open and configured, the control socket bound and the capture
 * file open, nothing it does needs a capability again. So main() then calls
 * sandbox_drop_caps(), which empties every capability set (effective,
 * permitted, inheritable, ambient and, when allowed, the bounding set):
 * /proc/PID/status shows CapEff 0 for the rest of its life, even when it
 * started as root or from a setcap'd binary.
 *
 * Then sandbox_seccomp() installs a filter that allows only the system
 * calls the running daemon makes: the loop (epoll, timerfd, read/write on
 * the TAP and the capture), the clients (accept4, SEQPACKET send/recvmsg
 * with SCM_RIGHTS, socketpair), their shared memory (memfd_create,
 * ftruncate, fallocate to punch, mmap), malloc, the clock, and exit. They
 * are listed once, in allowed[] below: a new call in the running daemon
 * needs its line there. Anything else is trapped: the SIGSYS handler writes
 * "aetherd: seccomp: system call N is not allowed ..." on stderr and the
 * daemon exits, instead of dying silently. `--no-seccomp` skips the filter
 * (for debugging with strace or gdb, or to find a missing entry).
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "sandbox.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define SANDBOX_ARCH	AUDIT_ARCH_I386
#endif

/*
 * The running daemon's system calls, one table. Setup-only calls (open of
 * /dev/net/tun, TUNSETIFF and the other ioctls, bind, listen, socket,
 * setrlimit, capset, prctl) are not here: they happen before the filter.
 */
static const int allowed[] = {
	/* the loop: TAP frames, capture file, timers, signals, stderr */
	__NR_read, __NR_write, __NR_readv, __NR_writev, __NR_pread64,
	__NR_pwrite64, __NR_lseek, __NR_close, __NR_epoll_ctl,
	__NR_epoll_pwait,
#ifdef __NR_epoll_wait
	__NR_epoll_wait,
#endif
	__NR_timerfd_create, __NR_timerfd_settime, __NR_timerfd_gettime,
	/* clients: the control socket, their socketpairs and descriptors */
	__NR_accept4, __NR_recvmsg, __NR_sendmsg, __NR_recvfrom, __NR_sendto,
	__NR_recvmmsg, __NR_sendmmsg, __NR_socketpair, __NR_setsockopt,
	__NR_getsockopt, __NR_getsockname, __NR_getpeername, __NR_shutdown,
	__NR_fcntl, __NR_dup3, __NR_openat,	/* /dev/null, the spare fd */
	/* shared memory rings */
	__NR_memfd_create, __NR_ftruncate, __NR_fallocate, __NR_mmap,
	__NR_munmap, __NR_mremap, __NR_madvise, __NR_mprotect, __NR_brk,
	__NR_mincore,			/* resident ring pages (session_arena.c) */
	__NR_fstat, __NR_newfstatat,
	/* time, randomness, identity */
	__NR_clock_gettime, __NR_clock_nanosleep, __NR_nanosleep,
	__NR_gettimeofday, __NR_getrandom, __NR_getpid, __NR_gettid,
	__NR_getuid, __NR_geteuid, __NR_getgid, __NR_getegid,
	/* signals, threads of libc, the end */
	__NR_rt_sigreturn, __NR_rt_sigprocmask, __NR_restart_syscall,
	__NR_futex, __NR_sched_yield, __NR_tgkill,
#ifdef __NR_unlink
	__NR_unlink,
#endif
	__NR_unlinkat,			/* the socket file, at exit */
	__NR_exit, __NR_exit_group,
};

/**
 * sandbox_drop_caps() - empty every capability set of this process
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * The bounding set is emptied only when we hold CAP_SETPCAP (as root):
 * without it the permitted set is empty already and stays so (no exec
 * will follow; no_new_privs is set by sandbox_seccomp()).
 *
 * Return: 0, or -errno
 */
int sandbox_drop_caps(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int cap;

	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
			break;		/* past the last capability */
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data)) {
		snprintf(err, errlen, "cannot drop capabilities: %s",
			 strerror(errno));
		return -errno;
	}
	if (syscall(SYS_capget, &hdr, data) || data[0].effective ||
	    data[1].effective || data[0].permitted || data[1].permitted) {
		snprintf(err, errlen, "capabilities are still held after capset()");
		return -EPERM;
	}
	return 0;
}

/**
 * put_num() - decimal digits of @v into @p
 * @p:		room for 10 bytes
 * @v:		number
 *
 * Return: bytes written
 */
static size_t put_num(char *p, unsigned int v)
{
	char tmp[10];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n);
	memcpy(p, tmp + n, sizeof(tmp) - n);
	return sizeof(tmp) - n;
}

/**
 * on_sigsys() - a call outside allowed[]: one line on stderr, then exit
 * @sig:	SIGSYS
 * @si:		si_syscall is the call
 * @uc:		unused
 *
 * Only write() and exit_group(), both allowed, and no stdio: this runs in
 * a signal handler.
 */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	static const char a[] = "aetherd: seccomp: system call ";
	static const char b[] = " is not allowed (daemon/sandbox.c allowed[]); stopping. Restart with --no-seccomp and report it\n";
	char line[sizeof(a) + sizeof(b) + 16];
	size_t n = 0;

	(void)sig;
	(void)uc;
	memcpy(line, a, sizeof(a) - 1);
	n = sizeof(a) - 1;
	n += put_num(line + n, (unsigned int)si->si_syscall);
	memcpy(line + n, b, sizeof(b) - 1);
	n += sizeof(b) - 1;
	if (write(STDERR_FILENO, line, n) < 0)
		n = 0;
	syscall(SYS_exit_group, 159);
}

/**
 * sandbox_seccomp() - allow only the calls of allowed[] from now on
 * @err:	one-line reason on failure
 * @errlen:	its size
 *
 * Sets no_new_privs (required for an unprivileged filter), installs the
 * SIGSYS handler, then the filter: another architecture is killed
 * outright, a call outside the table trapped.
 *
 * Return: 0, or -errno
 */
int sandbox_seccomp(char *err, size_t errlen)
{
#ifdef SANDBOX_ARCH
	enum { N = sizeof(allowed) / sizeof(allowed[0]) };
	struct sock_filter f[4 + N + 2];
	struct sock_fprog prog = { .filter = f };
	struct sigaction sa;
	unsigned int i, k = 0;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
				offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
				SANDBOX_ARCH, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
				SECCOMP_RET_KILL_PROCESS);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
				offsetof(struct seccomp_data, nr));
	/* each match jumps to the ALLOW at the end, N - i instructions on */
	for (i = 0; i < N; i++)
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
				(unsigned int)allowed[i], (unsigned char)(N - i), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		snprintf(err, errlen, "cannot install the seccomp filter: %s (--no-seccomp runs without it)",
			 strerror(errno));
		return -errno;
	}
	return 0;
#else
	snprintf(err, errlen, "no seccomp filter for this architecture: run with --no-seccomp");
	return -ENOSYS;
#endif
}
