#!/usr/bin/env python3
# Waiters killed while data flows (test_wake_stress.sh).
#   wake_stress.py peer DIR   kernel side: accepts the app's two connections,
#       streams bytes and connections while DIR/flow exists, then on
#       DIR/final sends the final round: 'F' bytes on the data connection,
#       connections that say 'F', one 'F' on the poll connection.
#   wake_stress.py app DIR    Aether side: 4 processes per kind (recv,
#       accept, poll, epoll), 2 threads each, block on shared sockets; the
#       parent SIGKILLs one child every 0.3 s while data flows, then writes
#       DIR/survivors (pid kind per line) and waits for the final round:
#       every survivor's threads must see their 'F' and exit.
#   wake_stress.py rw DIR     Aether side: on one connection a thread in
#       poll(POLLOUT) (the send buffer is full: never ready) beside a thread
#       in poll(POLLIN), both pinned to one CPU, the reader at nice 5, so
#       the writer tends to run first after a NOTIFY and drain it: the reader
#       must still see each of 20 bytes, sent 200 ms apart (printed: how
#       many, and the worst latency; a stranded reader sleeps until its 3 s
#       poll timeout: its want bit was spent on the drained NOTIFY).
import os
import select
import signal
import socket
import sys
import threading
import time

KINDS = ("recv", "accept", "poll", "epoll")
PER_KIND = 4
THREADS = 2


def peer(d):
    data = socket.create_server(("192.168.1.1", 7700), reuse_port=False)
    pl = socket.create_server(("192.168.1.1", 7702))
    c, _ = data.accept()
    p, _ = pl.accept()
    open(os.path.join(d, "peer.ready"), "w").close()
    t0 = time.monotonic()
    while os.path.exists(os.path.join(d, "flow")) and time.monotonic() - t0 < 60:
        c.send(b"x")
        try:
            s = socket.create_connection(("192.168.1.2", 7701), timeout=2)
            s.send(b"x")
            s.close()
        except OSError:
            pass
        time.sleep(0.02)
    for i in range(600):
        if os.path.exists(os.path.join(d, "final")):
            break
        time.sleep(0.05)
    c.send(b"F" * (PER_KIND * THREADS))
    held = []
    for i in range(PER_KIND * THREADS):
        s = socket.create_connection(("192.168.1.2", 7701), timeout=2)
        s.send(b"F")
        held.append(s)
    p.send(b"F")
    time.sleep(10)


def waiter(kind, s, l, p):
    if kind == "recv":
        while s.recv(1) != b"F":
            pass
    elif kind == "accept":
        while True:
            a, _ = l.accept()
            b = a.recv(1)
            a.close()
            if b == b"F":
                break
    elif kind == "poll":
        po = select.poll()
        po.register(p, select.POLLIN)
        po.poll()
    else:
        ep = select.epoll()
        ep.register(p, select.EPOLLIN)
        ep.poll()


def child(kind, s, l, p):
    ts = [threading.Thread(target=waiter, args=(kind, s, l, p))
          for i in range(THREADS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    os._exit(0)


def app(d):
    l = socket.create_server(("0.0.0.0", 7701), backlog=256)
    s = socket.create_connection(("192.168.1.1", 7700))
    p = socket.create_connection(("192.168.1.1", 7702))
    kids = {}
    for kind in KINDS:
        for i in range(PER_KIND):
            pid = os.fork()
            if pid == 0:
                child(kind, s, l, p)
            kids[pid] = kind
    open(os.path.join(d, "flow"), "w").close()
    time.sleep(0.5)
    order = sorted(kids)
    killed = 0
    for i, pid in enumerate(order):
        if i % 2:		# half of each kind dies, the other half lives
            continue
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        del kids[pid]
        killed += 1
        time.sleep(0.3)
    os.unlink(os.path.join(d, "flow"))
    with open(os.path.join(d, "survivors"), "w") as f:
        for pid, kind in sorted(kids.items()):
            f.write("%d %s\n" % (pid, kind))
    print("killed", killed, "survivors", len(kids), flush=True)
    for i in range(600):	# the driver measures the idle, then says final
        if os.path.exists(os.path.join(d, "final")):
            break
        time.sleep(0.05)
    t0 = time.monotonic()
    left = dict(kids)
    while left and time.monotonic() - t0 < 5:
        pid, st = os.waitpid(-1, os.WNOHANG)
        if pid:
            print("woke", left.pop(pid), "%.0f ms" % ((time.monotonic() - t0) * 1000),
                  flush=True)
        else:
            time.sleep(0.01)
    for pid, kind in left.items():
        print("STUCK", kind, pid, flush=True)
        os.kill(pid, signal.SIGKILL)
    print("done", "stuck", len(left), flush=True)


def rw(d):
    e = socket.create_connection(("192.168.1.1", 7703))
    e.setblocking(False)
    try:
        for i in range(100000):
            e.send(b"x" * 65536)
    except BlockingIOError:
        pass
    got = []

    def pin(nice):
        os.sched_setaffinity(0, {0})
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)

    def reader():
        pin(int(os.environ.get("RW_NICE", "5")))
        po = select.poll()
        po.register(e, select.POLLIN)
        while len(got) < 20:
            po.poll(3000)
            try:
                b = e.recv(1)
            except BlockingIOError:
                continue
            if not b:
                return
            got.append(time.monotonic())

    def writer():
        pin(0)
        po = select.poll()
        po.register(e, select.POLLOUT)
        while len(got) < 20:
            po.poll(200)
    tr = threading.Thread(target=reader)
    tw = threading.Thread(target=writer, daemon=True)
    tr.start()
    tw.start()
    open(os.path.join(d, "rw.ready"), "w").close()
    tr.join(30)
    sent = [float(x) for x in open(os.path.join(d, "rw.sent"))]
    lat = [(g - t) * 1000 for g, t in zip(got, sent)]
    print("rw got %d of %d, worst %.1f ms" % (len(got), len(sent),
                                              max(lat) if lat else -1),
          flush=True)


def rw_peer(d):
    ls = socket.create_server(("192.168.1.1", 7703))
    c, _ = ls.accept()
    for i in range(600):
        if os.path.exists(os.path.join(d, "rw.ready")):
            break
        time.sleep(0.05)
    time.sleep(0.3)
    with open(os.path.join(d, "rw.sent"), "w") as f:
        for i in range(20):
            c.send(b"y")
            f.write("%.6f\n" % time.monotonic())
            f.flush()
            time.sleep(0.2)
    time.sleep(5)


{"peer": peer, "app": app, "rw": rw, "rwpeer": rw_peer}[sys.argv[1]](sys.argv[2])
