// SPDX-License-Identifier: MIT
/**
 * DOC: sandbox.c - an established TCP socket used under a seccomp filter
 *
 * The shape of OpenSSH's privilege-separated pre-auth child: a connection
 * is made over 127.0.0.1:PORT, then a forked child (when root: chroot to
 * an empty directory and setresuid to nobody first) installs a seccomp
 * filter through prctl() that kills the process on any system call but
 * read, write, poll, ppoll, futex, clock_gettime, rt_sigprocmask,
 * exit_group, exit, rt_sigreturn, brk, mmap, munmap, mprotect and madvise.
 * The child then sends SANDBOX_BYTES and reads them back as the parent
 * echoes them, waiting with poll() on a non-blocking socket, and checks
 * every byte. Passes on the kernel; on Aether the data path must need only
 * those calls.
 *
 * With "block" the child's socket stays blocking and the exchange is a
 * ping-pong of SANDBOX_CHUNK blocks (blocking read() waits in the shim).
 * With "inherit" the program first installs, with syscall(SYS_seccomp)
 * and no prctl, a filter that kills on sendto only, and execs itself: a
 * filter inherited across execve (the whole process, parent included,
 * runs under it).
 *
 * With "udp" the pair is two UDP sockets on 127.0.0.1 (PORT and PORT+1,
 * each connected to the other) and the child, under the same filter plus
 * sendto, recvfrom, sendmsg and recvmsg with flags 0 (the program's own
 * calls; the shim's own use of them has other flags),
 * sends SANDBOX_DGRAMS datagrams with send, sendto, sendmsg and write in
 * turn, each echoed by the parent, and takes every echo back with recv,
 * recvfrom, recvmsg and read on its blocking socket (a poll() first every
 * other time), checking every byte and the source address.
 *
 * Usage: sandbox PORT [block|inherit|udp]. Exit 0 on success; the reason on
 * stderr otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SANDBOX_BYTES	(1 << 20)
#define SANDBOX_CHUNK	8192
#define SANDBOX_DGRAMS	400
#define SANDBOX_DGRAM	1200

/**
 * pattern() - the byte expected at offset @i
 * @i:		offset
 *
 * Return: the byte
 */
static unsigned char pattern(size_t i)
{
	return (unsigned char)((i * 7 + i / 251) & 0xff);
}

/* "udp" mode: the program's own sendto/recvfrom/sendmsg/recvmsg (flags 0)
 * pass the filter, calls with other flags (the shim's) do not */
static bool udp_calls;

/**
 * install_filter() - allow the pre-auth child's system calls, kill on others
 *
 * Return: 0, or -1 (errno set)
 */
static int install_filter(void)
{
#define ALLOW(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
	/* @sys with its flags argument (@arg, low word) 0, in "udp" mode */
#define FLAGS0(sys, arg) \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
		 offsetof(struct seccomp_data, nr)), \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, udp_calls ? (sys) : ~0u, 0, 3), \
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
		 offsetof(struct seccomp_data, args[arg])), \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		ALLOW(SYS_read), ALLOW(SYS_write), ALLOW(SYS_poll),
		ALLOW(SYS_ppoll), ALLOW(SYS_futex), ALLOW(SYS_clock_gettime),
		ALLOW(SYS_rt_sigprocmask), ALLOW(SYS_exit_group),
		ALLOW(SYS_exit), ALLOW(SYS_rt_sigreturn), ALLOW(SYS_brk),
		ALLOW(SYS_mmap), ALLOW(SYS_munmap), ALLOW(SYS_mprotect),
		ALLOW(SYS_madvise),
		FLAGS0(SYS_sendto, 3), FLAGS0(SYS_recvfrom, 3),
		FLAGS0(SYS_sendmsg, 2), FLAGS0(SYS_recvmsg, 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
#undef ALLOW
#undef FLAGS0
	struct sock_fprog prog = {
		.len = sizeof(f) / sizeof(f[0]), .filter = f,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/**
 * drop_privileges() - as root: chroot to an empty directory, become nobody
 *
 * Return: 0, or -1 (reason on stderr)
 */
static int drop_privileges(void)
{
	char dir[] = "/tmp/sandbox-root-XXXXXX";
	struct passwd *pw;

	if (geteuid() != 0)
		return 0;
	pw = getpwnam("nobody");
	if (!pw || !mkdtemp(dir) || chroot(dir) || chdir("/") ||
	    setgroups(0, NULL) || setresgid(pw->pw_gid, pw->pw_gid,
					    pw->pw_gid) ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid)) {
		perror("sandbox: drop privileges");
		return -1;
	}
	return 0;
}

/**
 * wait_fd() - poll() one fd for @ev
 * @fd:		fd
 * @ev:		POLLIN / POLLOUT
 *
 * Return: 0, or -1 on an error or a 10 s wait
 */
static int wait_fd(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };

	return poll(&p, 1, 10000) == 1 ? 0 : -1;
}

/**
 * child_run() - the sandboxed side: send the pattern, read the echo
 * @fd:		connected, non-blocking socket
 *
 * Only the filter's system calls are made after install_filter();
 * messages are write()s to fd 2.
 *
 * Return: exit status
 */
static int child_run(int fd)
{
	static const char bad[] = "sandbox: echo mismatch or stall\n";
	static unsigned char out[SANDBOX_CHUNK], in[SANDBOX_CHUNK];
	size_t sent = 0, got = 0, i, len;
	ssize_t n;

	if (drop_privileges() || install_filter()) {
		perror("sandbox: filter");
		return 2;
	}
	while (got < SANDBOX_BYTES) {
		if (sent < SANDBOX_BYTES) {
			len = SANDBOX_BYTES - sent;
			if (len > SANDBOX_CHUNK)
				len = SANDBOX_CHUNK;
			for (i = 0; i < len; i++)
				out[i] = pattern(sent + i);
			n = write(fd, out, len);
			if (n < 0 && errno != EAGAIN)
				goto fail;
			if (n > 0)
				sent += (size_t)n;
			if (n != (ssize_t)len && wait_fd(fd, POLLOUT | POLLIN))
				goto fail;
		}
		n = read(fd, in, sizeof(in));
		if (n == 0)
			goto fail;
		if (n < 0 && errno != EAGAIN)
			goto fail;
		for (i = 0; n > 0 && i < (size_t)n; i++)
			if (in[i] != pattern(got + i))
				goto fail;
		if (n > 0)
			got += (size_t)n;
		else if (sent >= SANDBOX_BYTES && wait_fd(fd, POLLIN))
			goto fail;
	}
	return 0;
fail:
	if (write(2, bad, sizeof(bad) - 1) < 0)
		return 1;
	return 1;
}

/**
 * child_pingpong() - the sandboxed side on a blocking socket: one block
 * out, the same block back, SANDBOX_BYTES in all
 * @fd:		connected, blocking socket
 *
 * Return: exit status
 */
static int child_pingpong(int fd)
{
	static unsigned char out[SANDBOX_CHUNK], in[SANDBOX_CHUNK];
	size_t done, got, i;
	ssize_t n;

	if (drop_privileges() || install_filter()) {
		perror("sandbox: filter");
		return 2;
	}
	for (done = 0; done < SANDBOX_BYTES; done += SANDBOX_CHUNK) {
		for (i = 0; i < SANDBOX_CHUNK; i++)
			out[i] = pattern(done + i);
		if (write(fd, out, SANDBOX_CHUNK) != SANDBOX_CHUNK)
			return 1;
		for (got = 0; got < SANDBOX_CHUNK; got += (size_t)n) {
			n = read(fd, in + got, SANDBOX_CHUNK - got);
			if (n <= 0)
				return 1;
		}
		for (i = 0; i < SANDBOX_CHUNK; i++)
			if (in[i] != out[i])
				return 1;
	}
	return 0;
}

/**
 * reap_child() - wait for the sandboxed child and judge the run
 * @pid:	the child
 * @who:	its name in the messages
 * @echoed:	what the parent echoed
 * @unit:	what @echoed counts
 * @want:	what it must be
 *
 * Return: 0 when the child exited 0 and @echoed is @want, else 1
 */
static int reap_child(pid_t pid, const char *who, long echoed,
		      const char *unit, long want)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return 1;
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "sandbox: %s killed by signal %d%s\n", who,
			WTERMSIG(st), WTERMSIG(st) == SIGSYS ?
			" (a forbidden system call)" : "");
		return 1;
	}
	printf("sandbox: %s exit %d, echoed %ld %s\n", who, WEXITSTATUS(st),
	       echoed, unit);
	return WEXITSTATUS(st) == 0 && echoed == want ? 0 : 1;
}

/**
 * udp_send_one() - the child's datagram @i, by the call @i picks
 * @fd:		connected UDP socket
 * @to:		the parent's address (sendto)
 * @buf:	payload, SANDBOX_DGRAM bytes
 * @i:		its number
 *
 * Return: bytes sent, -1 on error
 */
static ssize_t udp_send_one(int fd, const struct sockaddr_in *to,
			    const unsigned char *buf, int i)
{
	struct iovec iov = { (void *)buf, SANDBOX_DGRAM };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	switch (i % 4) {
	case 0:
		return send(fd, buf, SANDBOX_DGRAM, 0);
	case 1:
		return sendto(fd, buf, SANDBOX_DGRAM, 0,
			      (const struct sockaddr *)to, sizeof(*to));
	case 2:
		return sendmsg(fd, &m, 0);
	}
	return write(fd, buf, SANDBOX_DGRAM);
}

/**
 * udp_recv_one() - take the echo of datagram @i, by the call @i picks
 * @fd:		connected UDP socket
 * @from:	set to the source (recvfrom, recvmsg)
 * @buf:	where it goes, SANDBOX_DGRAM bytes
 * @i:		its number
 *
 * Return: bytes received, -1 on error
 */
static ssize_t udp_recv_one(int fd, struct sockaddr_in *from,
			    unsigned char *buf, int i)
{
	struct iovec iov = { buf, SANDBOX_DGRAM };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_name = from, .msg_namelen = sizeof(*from) };
	socklen_t len = sizeof(*from);

	if (i % 2 && wait_fd(fd, POLLIN))
		return -1;
	switch (i % 4) {
	case 0:
		return recv(fd, buf, SANDBOX_DGRAM, 0);
	case 1:
		return recvfrom(fd, buf, SANDBOX_DGRAM, 0,
				(struct sockaddr *)from, &len);
	case 2:
		return recvmsg(fd, &m, 0);
	}
	return read(fd, buf, SANDBOX_DGRAM);
}

/**
 * child_udp() - the sandboxed side of the UDP exchange
 * @fd:		blocking UDP socket connected to the parent's
 * @to:		the parent's address
 *
 * Return: exit status
 */
static int child_udp(int fd, const struct sockaddr_in *to)
{
	static const char bad[] = "sandbox: udp echo mismatch\n";
	static unsigned char out[SANDBOX_DGRAM], in[SANDBOX_DGRAM];
	struct sockaddr_in from;
	int i, k;

	if (drop_privileges() || install_filter()) {
		perror("sandbox: filter");
		return 2;
	}
	for (i = 0; i < SANDBOX_DGRAMS; i++) {
		for (k = 0; k < SANDBOX_DGRAM; k++)
			out[k] = pattern((size_t)i * SANDBOX_DGRAM + k);
		memset(&from, 0, sizeof(from));
		if (udp_send_one(fd, to, out, i) != SANDBOX_DGRAM ||
		    udp_recv_one(fd, &from, in, i) != SANDBOX_DGRAM ||
		    memcmp(in, out, SANDBOX_DGRAM) ||
		    (i % 4 == 1 && from.sin_port != to->sin_port))
			goto fail;
	}
	return send(fd, "end", 3, 0) == 3 ? 0 : 1;
fail:
	if (write(2, bad, sizeof(bad) - 1) < 0)
		return 1;
	return 1;
}

/**
 * udp_pair() - two UDP sockets on 127.0.0.1:@port and :@port+1, each
 * connected to the other
 * @port:	port
 * @a:		set to the parent's socket
 * @b:		set to the child's
 * @pa:		set to the parent's address
 *
 * Return: 0, or -1
 */
static int udp_pair(int port, int *a, int *b, struct sockaddr_in *pa)
{
	struct sockaddr_in pb = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)(port + 1)) };

	*pa = (struct sockaddr_in){ .sin_family = AF_INET,
				    .sin_port = htons((uint16_t)port) };
	pa->sin_addr.s_addr = pb.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*a = socket(AF_INET, SOCK_DGRAM, 0);
	*b = socket(AF_INET, SOCK_DGRAM, 0);
	if (*a < 0 || *b < 0 ||
	    bind(*a, (struct sockaddr *)pa, sizeof(*pa)) ||
	    bind(*b, (struct sockaddr *)&pb, sizeof(pb)) ||
	    connect(*a, (struct sockaddr *)&pb, sizeof(pb)) ||
	    connect(*b, (struct sockaddr *)pa, sizeof(*pa)))
		return -1;
	return 0;
}

/**
 * udp_echo() - the parent side: echo datagrams until "end" (10 s bound)
 * @fd:		the parent's UDP socket
 *
 * Return: datagrams echoed, or -1
 */
static long udp_echo(int fd)
{
	struct timeval tv = { 10, 0 };
	char buf[SANDBOX_DGRAM + 16];
	long total = 0;
	ssize_t n;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return -1;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		if (n == 3 && !memcmp(buf, "end", 3))
			return total;
		if (send(fd, buf, (size_t)n, 0) != n)
			return -1;
		total++;
	}
	return -1;
}

/**
 * run_udp() - the "udp" mode (see the DOC comment)
 * @port:	first of the two ports
 *
 * Return: exit status
 */
static int run_udp(int port)
{
	struct sockaddr_in pa;
	long echoed;
	int a, b;
	pid_t pid;

	if (udp_pair(port, &a, &b, &pa)) {
		perror("sandbox: udp");
		return 1;
	}
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(a);
		_exit(child_udp(b, &pa));
	}
	close(b);
	echoed = udp_echo(a);
	return reap_child(pid, "udp child", echoed, "datagrams", SANDBOX_DGRAMS);
}

/**
 * inherit_filter() - kill on sendto from now on, installed without prctl,
 * then exec this program again without "inherit"
 * @argv:	our arguments
 *
 * Return: only on failure, 1
 */
static int inherit_filter(char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sendto, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(f) / sizeof(f[0]), .filter = f,
	};
	char *args[] = { argv[0], argv[1], NULL };

	if (syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		perror("sandbox: seccomp");
		return 1;
	}
	execv("/proc/self/exe", args);
	perror("sandbox: exec");
	return 1;
}

/**
 * echo_run() - the parent side: echo everything back until EOF
 * @fd:		connected socket (blocking)
 *
 * Return: bytes echoed, or -1
 */
static long echo_run(int fd)
{
	char buf[16384];
	long total = 0;
	ssize_t n, w, off;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += w) {
			w = write(fd, buf + off, (size_t)(n - off));
			if (w <= 0)
				return -1;
		}
		total += n;
	}
	return n < 0 ? -1 : total;
}

/**
 * connect_pair() - a listener on 127.0.0.1:@port, a connection, its accept
 * @port:	port
 * @c:		set to the connecting end
 * @a:		set to the accepted end
 *
 * Return: 0, or -1
 */
static int connect_pair(int port, int *c, int *a)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port) };
	int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&sa, sizeof(sa)) || listen(l, 1))
		return -1;
	*c = socket(AF_INET, SOCK_STREAM, 0);
	if (*c < 0 || connect(*c, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	*a = accept(l, NULL, NULL);
	close(l);
	return *a < 0 ? -1 : 0;
}

/**
 * main() - see the DOC comment
 * @argc:	2
 * @argv:	PORT
 *
 * Return: 0 on success
 */
int main(int argc, char **argv)
{
	int c, a, st;
	long echoed;
	pid_t pid;

	bool block = argc == 3 && !strcmp(argv[2], "block");

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: sandbox PORT [block|inherit|udp]\n");
		return 2;
	}
	if (argc == 3 && !strcmp(argv[2], "udp")) {
		udp_calls = true;
		return run_udp(atoi(argv[1]));
	}
	if (argc == 3 && !strcmp(argv[2], "inherit"))
		return inherit_filter(argv);
	if (connect_pair(atoi(argv[1]), &c, &a)) {
		perror("sandbox: connect");
		return 1;
	}
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(c);
		if (block)
			_exit(child_pingpong(a));
		if (fcntl(a, F_SETFL, O_NONBLOCK))
			_exit(2);
		_exit(child_run(a));
	}
	close(a);
	/* the child closes its end by exiting: EOF ends the echo */
	echoed = echo_run(c);
	st = reap_child(pid, "child", echoed, "bytes", SANDBOX_BYTES);
	close(c);
	return st;
}
