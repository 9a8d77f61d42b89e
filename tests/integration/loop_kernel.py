#!/usr/bin/env python3
"""Helpers of test_loopback.sh for loopback that Aether does not serve.

  loop_kernel.py serve NAME PORT...   TCP listeners on 127.0.0.1 and ::1 and
                                      UDP echo on 127.0.0.1, each port; every
                                      TCP connection gets NAME, every datagram
                                      comes back prefixed with NAME
  loop_kernel.py get HOST PORT        connect (TCP), print what arrives or the
                                      error's name
  loop_kernel.py getnb HOST PORT      the same with a non-blocking connect
                                      (EINPROGRESS, poll, SO_ERROR)
  loop_kernel.py udp HOST PORT        connected UDP: send "ping", print reply
All bounded: 5 s socket timeouts; the server exits after 300 s.
"""
import errno
import os
import select
import socket
import sys
import threading
import time


def tcp_listener(fam, host, port):
    """A TCP socket listening on host:port."""
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, port))
    s.listen(8)
    return s


def tcp_server(s, name):
    """Accept forever on listener s, greet each connection with name."""
    while True:
        c, _ = s.accept()
        c.sendall(name.encode())
        c.close()


def udp_server(s, name):
    """Echo every datagram on s, prefixed with name."""
    while True:
        b, a = s.recvfrom(2048)
        s.sendto(name.encode() + b" " + b, a)


def serve(name, ports):
    """Bind and listen on every port, then say so, then serve for 300 s
    (the test stops it sooner). Everything listens before "serving": the
    old server slept 0.3 s for its threads to bind, and lived 60 s, which
    at load 16 ended before the test's eighth client had started."""
    for p in ports:
        for fam, host in ((socket.AF_INET, "127.0.0.1"),
                          (socket.AF_INET6, "::1")):
            threading.Thread(target=tcp_server,
                             args=(tcp_listener(fam, host, p), name),
                             daemon=True).start()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", p))
        threading.Thread(target=udp_server, args=(u, name),
                         daemon=True).start()
    print("serving", flush=True)
    time.sleep(300)


def fam_of(host):
    """AF_INET6 for an address with a colon."""
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def get(host, port, nonblock):
    """One TCP connection: print its greeting or the error's name."""
    s = socket.socket(fam_of(host), socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if nonblock:
            s.setblocking(False)
            e = s.connect_ex((host, port))
            print("connect_ex", errno.errorcode.get(e, e))
            select.select([], [s], [], 5)
            e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if e:
                raise OSError(e, os.strerror(e))
            s.setblocking(True)
        else:
            s.connect((host, port))
        s.settimeout(5)
        print("got", s.recv(100).decode() or "EOF",
              "nodelay", s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
    except OSError as e:
        print("error", errno.errorcode.get(e.errno, e.errno))


def udp(host, port):
    """Connected UDP: one ping, print the reply."""
    s = socket.socket(fam_of(host), socket.SOCK_DGRAM)
    s.settimeout(5)
    try:
        s.connect((host, port))
        s.send(b"ping")
        print("got", s.recv(100).decode())
    except OSError as e:
        print("error", errno.errorcode.get(e.errno, e.errno) if e.errno
              else e)


def main():
    """Dispatch on argv[1]."""
    if sys.argv[1] == "serve":
        serve(sys.argv[2], [int(p) for p in sys.argv[3:]])
    elif sys.argv[1] in ("get", "getnb"):
        get(sys.argv[2], int(sys.argv[3]), sys.argv[1] == "getnb")
    else:
        udp(sys.argv[2], int(sys.argv[3]))


main()
