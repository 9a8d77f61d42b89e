#!/usr/bin/env python3
# Request/response with the server's waits of one kind (test_busy_poll.sh).
#   rr_wait.py server MODE PORT   Aether side: echo 14-byte messages on each
#                                 connection, waiting before every recv with
#                                 MODE: block (recv, a futex sleep), rcvtimeo
#                                 (SO_RCVTIMEO 5 s), poll (poll() with a 5 s
#                                 timeout), epoll (epoll_wait() with one)
#   rr_wait.py client ADDR PORT N IDLE  kernel side: N round trips, then it
#                                 holds the connection IDLE seconds without a
#                                 word (the server waits, idle) and prints
#                                 "ready" when the round trips are done and
#                                 "done" at the end; every wait is bounded
import select
import socket
import struct
import sys
import time

SIZE = 14


def recv_full(c, wait):
    b = b""
    while len(b) < SIZE:
        wait()
        d = c.recv(SIZE - len(b))
        if not d:
            return None
        b += d
    return b


def serve(mode, port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    while True:
        c, _ = ls.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        wait = lambda: None
        if mode == "rcvtimeo":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                         struct.pack("ll", 5, 0))
        elif mode == "poll":
            p = select.poll()
            p.register(c, select.POLLIN)
            wait = lambda: p.poll(5000)
        elif mode == "epoll":
            e = select.epoll()
            e.register(c, select.EPOLLIN)
            wait = lambda: e.poll(5)
        while True:
            try:
                b = recv_full(c, wait)
            except OSError:
                b = None
            if b is None:
                break
            c.sendall(b)
        c.close()


def client(addr, port, n, idle):
    c = socket.create_connection((addr, port), timeout=5)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg = b"p" * SIZE
    for _ in range(n):
        c.sendall(msg)
        if recv_full(c, lambda: None) != msg:
            sys.exit("bad echo")
    print("ready", flush=True)
    time.sleep(idle)
    c.close()
    print("done", flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
               float(sys.argv[5]))
