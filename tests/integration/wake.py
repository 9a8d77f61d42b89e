#!/usr/bin/env python3
# Wake-up latency of several waiters on one Aether socket (test_preload.sh).
#   wake.py peer READYFILE   kernel side: the driver (prints its send times)
#   wake.py app READYFILE    Aether side: the waiters (prints their wake times)
#   wake.py eval PEEROUT APPOUT MAXMS   pairs them up, prints latencies, exit 1
#                            if an event was never seen or took > MAXMS
# Times are CLOCK_MONOTONIC (one clock for both processes). Scenarios, each
# with N events, in pairs 80 ms apart (two bytes in one segment, two
# connections back to back: one NOTIFY may have to wake two waiters):
#   accept: 4 threads blocked in accept() on one listener
#   recv:   4 threads blocked in recv(1) on one connection
#   rw:     readers blocked in recv(1) beside a writer blocked in send (the
#           peer does not read) on one connection: they must still wake
#   epoll:  2 processes (fork) in epoll_wait on one listener, accept4 non-blocking
#   poll:   2 threads in poll() on one listener, accept non-blocking
#   pollrw: a thread in poll(POLLIN) and one in poll(POLLOUT) on one
#           connection whose send buffer is full: the reader must still wake
import os
import select
import socket
import sys
import threading
import time

N = 8
CASES = ("accept", "recv", "rw", "epoll", "poll", "pollrw")
GAP = 0.08
now = time.monotonic


def out(*a):
    os.write(1, (" ".join(str(x) for x in a) + "\n").encode())	# one write: threads print


def peer(ready):
    ls = {}
    for p in (7301, 7302, 7303):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("192.168.1.1", p))
        s.listen(1)
        ls[p] = s
    c = {p: s.accept()[0] for p, s in ls.items()}
    for i in range(600):
        if os.path.exists(ready):
            break
        time.sleep(0.05)
    time.sleep(0.3)
    for name, p in (("recv", 7301), ("rw", 7302), ("pollrw", 7303)):
        for i in range(0, N, 2):	# two bytes in one segment
            c[p].send(bytes([65 + i, 66 + i]))
            t = now()
            out(name, 65 + i, "%.6f" % t)
            out(name, 66 + i, "%.6f" % t)
            time.sleep(GAP)
    for name, port in (("accept", 9200), ("epoll", 9201), ("poll", 9202)):
        held = []
        for i in range(0, N, 2):	# two connections back to back
            for j in range(2):
                s = socket.create_connection(("192.168.1.2", port), timeout=5)
                out(name, s.getsockname()[1], "%.6f" % now())
                held.append(s)
            time.sleep(GAP)
        time.sleep(0.3)
        for s in held:
            s.close()


def listener(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    return s


def app(ready):
    lep = listener(9201)
    parent = os.getpid()
    pid = os.fork()			# 2 processes polling one listener
    ep = select.epoll()
    ep.register(lep, select.EPOLLIN)
    lep.setblocking(False)

    def epoll_loop():
        while os.getppid() == parent or pid:	# the child ends with the parent
            for fd, ev in ep.poll(1):
                try:
                    c, a = lep.accept()
                except BlockingIOError:
                    continue
                out("epoll", a[1], "%.6f" % now())
    if pid == 0:
        epoll_loop()
        os._exit(0)
    threading.Thread(target=epoll_loop, daemon=True).start()

    la = listener(9200)
    lp = listener(9202)
    lp.setblocking(False)
    c = socket.create_connection(("192.168.1.1", 7301))
    d = socket.create_connection(("192.168.1.1", 7302))
    e = socket.create_connection(("192.168.1.1", 7303))
    e.setblocking(False)
    try:
        for i in range(100000):		# fill it: never writable again
            e.send(b"x" * 65536)
    except BlockingIOError:
        pass

    def acceptor():
        while True:
            s, a = la.accept()
            out("accept", a[1], "%.6f" % now())

    def poller():
        p = select.poll()
        p.register(lp, select.POLLIN)
        while True:
            p.poll()
            try:
                s, a = lp.accept()
            except BlockingIOError:
                continue
            out("poll", a[1], "%.6f" % now())

    def reader(sock, name):
        while True:
            b = sock.recv(1)
            if not b:
                return
            out(name, b[0], "%.6f" % now())

    def pollrw(ev):
        p = select.poll()
        p.register(e, ev)
        while True:
            p.poll()
            if ev == select.POLLIN:
                try:
                    b = e.recv(1)
                except BlockingIOError:
                    continue
                out("pollrw", b[0], "%.6f" % now())

    def writer():
        buf = b"x" * 65536
        while True:
            d.sendall(buf)

    ths = [acceptor] * 4 + [poller] * 2
    for f in ths:
        threading.Thread(target=f, daemon=True).start()
    for i in range(4):
        threading.Thread(target=reader, args=(c, "recv"), daemon=True).start()
    threading.Thread(target=writer, daemon=True).start()
    time.sleep(1)			# the writer fills the pipe and blocks
    for i in range(2):
        threading.Thread(target=reader, args=(d, "rw"), daemon=True).start()
    for ev in (select.POLLIN, select.POLLOUT):
        threading.Thread(target=pollrw, args=(ev,), daemon=True).start()
    time.sleep(0.5)
    open(ready, "w").close()
    time.sleep(30)
    os.kill(pid, 9)


def evaluate(peerout, appout, maxms):
    def load(path):
        d = {}
        for line in open(path):
            f = line.split()
            if len(f) == 3 and f[0] in ("accept", "recv", "rw", "epoll", "poll", "pollrw"):
                d[(f[0], f[1])] = float(f[2])
        return d
    sent, woke = load(peerout), load(appout)
    bad = 0
    for name in CASES:
        lat = []
        for (n, k), t in sorted(sent.items(), key=lambda x: x[1]):
            if n != name:
                continue
            w = woke.get((n, k))
            lat.append(None if w is None else (w - t) * 1000)
        shown = " ".join("lost" if x is None else "%.1f" % x for x in lat)
        worst = max((1e9 if x is None else x) for x in lat) if lat else 1e9
        ok = len(lat) == N and worst <= maxms
        bad += not ok
        out("%s %s: ms %s" % ("ok" if ok else "BAD", name, shown))
    return 1 if bad else 0


if sys.argv[1] == "peer":
    peer(sys.argv[2])
elif sys.argv[1] == "app":
    app(sys.argv[2])
else:
    sys.exit(evaluate(sys.argv[2], sys.argv[3], float(sys.argv[4])))
