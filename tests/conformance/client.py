#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The active-open application of the TCP conformance tests: runs on Aether
(LD_PRELOAD=libaether.so), connects once and logs what it saw, one line per
event, to the same log as server.py:

    client PORT connected LOCALPORT   connect() succeeded
    client PORT connecterr ERRNO      connect() failed (111 = ECONNREFUSED)
    client PORT eof TOTAL             read() returned 0 after TOTAL bytes
    client PORT error ERRNO           read()/write() failed

PORT is the remote port. After connecting it writes --send bytes, then reads
until EOF (or --timeout).
"""
import argparse
import socket
import sys


def log(path, *words):
    with open(path, "a") as f:
        f.write(" ".join(str(w) for w in words) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--host", default="192.168.1.77")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--send", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=15.0)
    a = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    try:
        s.connect((a.host, a.port))
    except OSError as e:
        log(a.log, "client", a.port, "connecterr", e.errno or 110)
        return 0
    log(a.log, "client", a.port, "connected", s.getsockname()[1])
    total = 0
    try:
        if a.send:
            s.sendall(b"c" * a.send)
        while True:
            b = s.recv(65536)
            if not b:
                log(a.log, "client", a.port, "eof", total)
                break
            total += len(b)
    except OSError as e:
        log(a.log, "client", a.port, "error", e.errno or 110)
    s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
