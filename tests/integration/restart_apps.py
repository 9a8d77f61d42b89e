#!/usr/bin/env python3
"""Programs for test_restart.sh, run under LD_PRELOAD=libaether.so.

restart_apps.py epoll PORT UDPPORT
    An epoll server: a TCP listener and a bound UDP socket, registered once
    in one epoll set and never again. Each TCP connection gets one HTTP
    answer ("epoll PID"); each datagram is echoed. Errors it meets are
    printed ("accept errno N", "recv errno N"), flushed.

restart_apps.py accept PORT THREADS
    THREADS threads blocked in accept() on one listener, each answering
    one HTTP request per connection ("accept errno N" when accept fails).

restart_apps.py late PORT FLAG
    Listens on PORT ("listening"), then sleeps without touching the
    socket until the file FLAG exists, then accepts with a 0.5 s timeout
    and prints what that gave ("accept errno N" or "accepted").

restart_apps.py exec PORT UDPPORT
    Makes the listener and the UDP socket, then execs itself as the epoll
    server with both inherited (the shim re-adopts them after exec).

restart_apps.py client HOST PORT
    Connects to an echo server, checks one echo ("connected"), then blocks
    in recv(). When that fails it prints "recv errno N" and what a second
    recv gives ("recv2 errno N" or "recv2 eof"), then tries to connect again
    every 50 ms for at most 20 s ("socket errno N" for the first failure of
    each kind), and on success checks one echo ("reconnected N" with the
    attempts made).

restart_apps.py hold PORT
    A server that accepts connections and neither reads nor closes them.

restart_apps.py peer PORT
    Kernel side, against "hold": three connections, "idle" (sends nothing),
    "unread" (sends bytes the server never reads) and "stays" (sends
    nothing, and does not close when it reads EOF). Prints "opened", then,
    as aetherd stops, what each reads ("idle eof", "unread errno 104", ...,
    with the seconds since the first event); "idle" and "unread" close at
    once, "stays" reads again until reset or 6 s pass.

restart_apps.py probe SOCKPATH SECS NAME=PORT[/PATH]... udp=PORT
    Run on the kernel side while aetherd restarts: every 20 ms, until each
    target answered or SECS passed, GET http://192.168.1.2:PORT/PATH (any
    200 answer) or, for a NAME starting with "udp", echo a datagram off
    192.168.1.2:PORT. Prints
    "socket T" when SOCKPATH appeared and "back NAME T" per target (T in
    seconds since the probe started; "never" for T when it did not).
"""
import errno
import os
import select
import socket
import sys
import time


def out(msg):
    print(msg, flush=True)


def make_socks(port, uport):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(16)
    us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    us.bind(("0.0.0.0", uport))
    return ls, us


def accept_server(port, nthreads):
    import threading
    ls, _ = make_socks(port, 0)

    def serve():
        while True:
            try:
                c, _ = ls.accept()
            except OSError as e:
                out("accept errno %d" % e.errno)
                continue
            c.settimeout(2)
            try:
                c.recv(4096)
                c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
            except OSError:
                pass
            c.close()
    out("accepting")
    if nthreads == 1:
        serve()		# single-threaded: the main thread blocks
    for _ in range(nthreads):
        threading.Thread(target=serve, daemon=True).start()
    threading.Event().wait()


def late(port, flag):
    ls, _ = make_socks(port, 0)
    out("listening")
    for _ in range(1200):
        if os.path.exists(flag):
            break
        time.sleep(0.05)
    ls.settimeout(0.5)
    try:
        ls.accept()
        out("accepted")
    except OSError as e:
        out("accept errno %d" % (e.errno or 0))


def exec_server(port, uport):
    ls, us = make_socks(port, uport)
    for s in (ls, us):
        s.set_inheritable(True)
    os.execv(sys.executable, [sys.executable, __file__, "epoll-fds",
                              str(ls.detach()), str(us.detach())])


def epoll_server(ls, us):
    ls.setblocking(False)
    us.setblocking(False)
    ep = select.epoll()
    ep.register(ls.fileno(), select.EPOLLIN)
    ep.register(us.fileno(), select.EPOLLIN)
    out("epoll ready %d %d" % (ls.fileno(), us.fileno()))
    body = ("epoll %d\n" % os.getpid()).encode()
    while True:
        for fd, _ in ep.poll():
            if fd == ls.fileno():
                try:
                    c, _ = ls.accept()
                except OSError as e:
                    if e.errno != errno.EAGAIN:
                        out("accept errno %d" % e.errno)
                    continue
                c.setblocking(True)
                c.settimeout(2)
                try:
                    c.recv(4096)
                    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n"
                              % len(body) + body)
                except OSError as e:
                    out("conn errno %d" % (e.errno or 0))
                c.close()
            elif fd == us.fileno():
                try:
                    d, a = us.recvfrom(2048)
                    us.sendto(d, a)
                except OSError as e:
                    if e.errno != errno.EAGAIN:
                        out("udp errno %d" % e.errno)


def client(host, port):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"one")
    if s.recv(10) != b"one":
        out("first echo wrong")
        return 1
    out("connected")
    s.settimeout(None)
    try:
        r = s.recv(10)
        out("recv returned %r" % r)
    except OSError as e:
        out("recv errno %d" % e.errno)
    try:
        r = s.recv(10)
        out("recv2 eof" if r == b"" else "recv2 %r" % r)
    except OSError as e:
        out("recv2 errno %d" % e.errno)
    s.close()
    seen = set()
    for n in range(1, 401):
        try:
            c = socket.create_connection((host, port), timeout=2)
        except OSError as e:
            if e.errno not in seen:
                seen.add(e.errno)
                out("socket errno %d" % (e.errno or 0))
            time.sleep(0.05)
            continue
        c.sendall(b"two")
        out("reconnected %d" % n if c.recv(10) == b"two" else "echo wrong")
        return 0
    out("never reconnected")
    return 1


def probe_one(port, path):
    try:
        if path is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.settimeout(0.1)
            s.sendto(b"ping", ("192.168.1.2", port))
            return s.recv(10) == b"ping"
        s = socket.create_connection(("192.168.1.2", port), timeout=0.3)
        s.settimeout(0.5)
        s.sendall(b"GET /%s HTTP/1.0\r\n\r\n" % path.encode())
        head = s.recv(64)
        return head.startswith(b"HTTP/1.") and head[8:13] == b" 200 "
    except OSError:
        return False
    finally:
        try:
            s.close()
        except NameError:
            pass


def probe(sockpath, secs, targets):
    t0 = time.monotonic()
    left = {}
    for t in targets:
        name, _, spec = t.partition("=")
        port, _, path = spec.partition("/")
        left[name] = (int(port), None if name.startswith("udp") else path)
    sock_seen = False
    t0 = time.monotonic()	# before the launch: times are upper bounds
    out("probing")
    while left and time.monotonic() - t0 < secs:
        if not sock_seen and os.path.exists(sockpath):
            sock_seen = True
            out("socket %.3f" % (time.monotonic() - t0))
        for name, (port, path) in list(left.items()):
            if sock_seen and probe_one(port, path):
                out("back %s %.3f" % (name, time.monotonic() - t0))
                del left[name]
        time.sleep(0.02)
    for name in left:
        out("back %s never" % name)


def hold(port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(8)
    kept = []
    out("holding")
    while True:
        try:
            kept.append(ls.accept()[0])
        except OSError as e:
            out("accept errno %d" % e.errno)
            time.sleep(0.5)


def peer(port):
    socks = {}
    for name in ("idle", "unread", "stays"):
        socks[name] = socket.create_connection(("192.168.1.2", port), timeout=5)
    socks["unread"].sendall(b"never read")
    out("opened")
    t0 = None
    for name in ("idle", "unread", "stays"):
        s = socks[name]
        s.settimeout(30)
        try:
            r = s.recv(10)
            what = "eof" if r == b"" else repr(r)
        except OSError as e:
            what = "errno %d" % (e.errno or 0)
        t0 = t0 or time.monotonic()
        out("%s %s %.2f" % (name, what, time.monotonic() - t0))
        if name != "stays":
            s.close()
            continue
        # half-closed by the peer, and kept open: reset later? (POLLHUP)
        p = select.poll()
        p.register(s, select.POLLOUT)
        while time.monotonic() - t0 < 6:
            ev = p.poll(50)
            if ev and ev[0][1] & (select.POLLHUP | select.POLLERR):
                out("stays reset %.2f" % (time.monotonic() - t0))
                break
        else:
            out("stays never reset")


if __name__ == "__main__":
    if sys.argv[1] == "hold":
        hold(int(sys.argv[2]))
    elif sys.argv[1] == "peer":
        peer(int(sys.argv[2]))
    elif sys.argv[1] == "probe":
        probe(sys.argv[2], float(sys.argv[3]), sys.argv[4:])
    elif sys.argv[1] == "epoll":
        epoll_server(*make_socks(int(sys.argv[2]), int(sys.argv[3])))
    elif sys.argv[1] == "accept":
        accept_server(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "late":
        late(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "exec":
        exec_server(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "epoll-fds":
        epoll_server(socket.socket(fileno=int(sys.argv[2])),
                     socket.socket(fileno=int(sys.argv[3])))
    else:
        sys.exit(client(sys.argv[2], int(sys.argv[3])))
