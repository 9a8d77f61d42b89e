#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The application side of the TCP conformance tests: runs on Aether (under
LD_PRELOAD=libaether.so) and writes what the application saw to a log, one
line per event, so a test can check app-visible effects of crafted segments:

    listen PORT                    listening (written once per port)
    accepterr PORT ERRNO           accept() failed (the server goes on)
    accept LPORT PEERPORT          a connection arrived
    data LPORT PEERPORT N          N bytes were read
    eof LPORT PEERPORT TOTAL SHA1  read() returned 0 after TOTAL bytes
    error LPORT PEERPORT ERRNO     read()/write() failed
    sent LPORT PEERPORT N          N bytes written (the sender port)

Port 80 (--sink) reads until EOF, then closes. Port 81 (--sender) writes
--send-bytes bytes on accept, then reads until EOF and closes. Port 82
(--closer) writes 100 bytes and closes at once (Aether closes first).
"""
import argparse
import hashlib
import socket
import sys
import threading

LOCK = threading.Lock()


def log(f, *words):
    with LOCK:
        f.write(" ".join(str(w) for w in words) + "\n")
        f.flush()


def serve_conn(f, conn, lport, peer, send_bytes):
    if send_bytes < 0:                  # the closer: write, close at once
        try:
            conn.sendall(b"x" * -send_bytes)
            log(f, "sent", lport, peer, -send_bytes)
        except OSError as e:
            log(f, "error", lport, peer, e.errno)
        conn.close()
        log(f, "closed", lport, peer)
        return
    total = 0
    h = hashlib.sha1()
    try:
        if send_bytes:
            conn.sendall(bytes(i & 0xff for i in range(send_bytes)))
            log(f, "sent", lport, peer, send_bytes)
        while True:
            b = conn.recv(65536)
            if not b:
                log(f, "eof", lport, peer, total, h.hexdigest())
                break
            total += len(b)
            h.update(b)
            log(f, "data", lport, peer, len(b))
    except OSError as e:
        log(f, "error", lport, peer, e.errno)
    finally:
        conn.close()


def listener(f, port, send_bytes):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(64)
    log(f, "listen", port)
    while True:
        try:
            conn, addr = s.accept()
        except OSError as e:
            # Linux passes a pending error of the new connection to accept()
            # (accept(2): treat like EAGAIN); servers retry. Logged, since a
            # test may want to know.
            log(f, "accepterr", port, e.errno)
            continue
        log(f, "accept", port, addr[1])
        threading.Thread(target=serve_conn, daemon=True,
                         args=(f, conn, port, addr[1], send_bytes)).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--sink", type=int, default=80)
    ap.add_argument("--sender", type=int, default=81)
    ap.add_argument("--send-bytes", type=int, default=20000)
    ap.add_argument("--closer", type=int, default=82)
    a = ap.parse_args()
    f = open(a.log, "a")
    threads = [threading.Thread(target=listener, daemon=True, args=(f, a.sink, 0)),
               threading.Thread(target=listener, daemon=True,
                                args=(f, a.sender, a.send_bytes)),
               threading.Thread(target=listener, daemon=True,
                                args=(f, a.closer, -100))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
