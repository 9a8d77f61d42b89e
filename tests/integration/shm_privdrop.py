#!/usr/bin/env python3
"""shm_privdrop.py PORT COUNT OUT: a server that drops privileges the way
nginx does (run as root under LD_PRELOAD on Aether): the root process
listens, forks, and the child switches to uid/gid 65534 and accepts COUNT
connections, answering each with a short HTTP/1.0 response. The child then
writes to OUT the regions (memfd inode@offset) it maps (/proc/self/maps),
prints "served N", and waits (at most 60 s) for the file OUT.quit; so does
the parent, so that the listener (root's) stays open meanwhile."""
import os
import socket
import sys
import time


def memfd_inodes():
    inodes = set()
    with open("/proc/self/maps") as f:
        for line in f:
            if "memfd:aether-sock" in line:
                # a region is a range of the uid's memfd (its arena)
                f = line.split()
                inodes.add(f[4] + "@" + f[2])
    return inodes


def wait_quit(out):
    for _ in range(600):
        if os.path.exists(out + ".quit"):
            return
        time.sleep(0.1)


def child(ls, count, out):
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    served = 0
    for _ in range(count):
        c, _ = ls.accept()
        c.recv(65536)
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nhi\n")
        c.close()
        served += 1
    with open(out, "w") as f:
        for ino in sorted(memfd_inodes()):
            f.write(ino + "\n")
    print("served %d" % served, flush=True)
    wait_quit(out)
    return 0


def main():
    port, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(64)
    print("listening", flush=True)
    pid = os.fork()
    if pid == 0:
        os._exit(child(ls, count, out))
    wait_quit(out)
    os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
