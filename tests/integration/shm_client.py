#!/usr/bin/env python3
"""shm_client.py HOST PORT COUNT OUT: COUNT sequential HTTP/1.0 GETs (run
under LD_PRELOAD on Aether); each answer must start with "HTTP/1.0 200".
Then writes to OUT the regions (memfd inode@offset) this process maps
(/proc/self/maps: the shim keeps closed sockets' mappings in its cache, so
this is the set of regions the process was given), one a line, prints
"done ok=1" (or ok=0) and stays alive until the file OUT.quit appears, at
most 60 s, holding one idle socket all along: the daemon keeps a uid's pool
while the uid holds any socket. Exit 0 when every GET succeeded."""
import os
import socket
import sys
import time


def get(host, port):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"GET /hello.html HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.startswith(b"HTTP/1.0 200")


def memfd_inodes():
    inodes = set()
    with open("/proc/self/maps") as f:
        for line in f:
            if "memfd:aether-sock" in line:
                # a region is a range of the uid's memfd (its arena)
                f = line.split()
                inodes.add(f[4] + "@" + f[2])
    return inodes


def main():
    host, port, count, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    idle = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ok = all(get(host, port) for _ in range(count))
    with open(out, "w") as f:
        for ino in sorted(memfd_inodes()):
            f.write(ino + "\n")
    print("done ok=%d" % ok, flush=True)
    for _ in range(600):
        if os.path.exists(out + ".quit"):
            break
        time.sleep(0.1)
    idle.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
