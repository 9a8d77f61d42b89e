#!/usr/bin/env python3
# Blocked calls when aetherd dies (run preloaded by test_daemon_death.sh).
# argv: aetherd's pid. Threads block in accept, recv, send, poll, epoll and
# select on Aether sockets; "ready" is printed; the test kills aetherd; each
# thread's result is printed with the ms between the daemon's death (as seen
# in /proc) and the call's return. Then calls on the dead sockets are made one
# at a time: "name result elapsed_ms". The last line is the CPU share this
# process used during those after-death checks.
import os
import select
import socket
import struct
import sys
import threading
import time

dpid = int(sys.argv[1])
res = {}


def run(name, fn):
    try:
        r = fn()
        res[name] = ("ok", r, time.monotonic())
    except OSError as e:
        res[name] = ("errno", e.errno, time.monotonic())


def daemon_gone():
    try:
        with open("/proc/%d/stat" % dpid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True


ls = socket.socket()
ls.bind(("0.0.0.0", 9100))
ls.listen(4)
ls2 = socket.socket()
ls2.bind(("0.0.0.0", 9101))
ls2.listen(4)
ls3 = socket.socket()
ls3.bind(("0.0.0.0", 9102))
ls3.listen(4)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("0.0.0.0", 9110))
u.setblocking(False)
a = socket.create_connection(("192.168.1.1", 7777))	# sink: reads, discards
b = socket.create_connection(("192.168.1.1", 7778))	# never reads
c = socket.create_connection(("192.168.1.1", 7777))
d = socket.create_connection(("192.168.1.1", 7777))


def sendloop():
    buf = b"x" * 65536
    while True:
        b.sendall(buf)


def pollc():
    p = select.poll()
    p.register(c, select.POLLIN)
    return p.poll()[0][1]


def epolld():
    ep = select.epoll()
    ep.register(d, select.EPOLLIN | select.EPOLLET)
    r = ep.poll()
    second = time.monotonic()
    again = ep.poll(0.3)		# ET: reported once, then nothing
    return (r[0][1], len(again), int((time.monotonic() - second) * 1000))


def selectls2():
    r, _, _ = select.select([ls2], [], [])
    return len(r)


blocked = {
    "accept": lambda: ls.accept(),
    "recv": lambda: a.recv(10),
    "send": sendloop,
    "poll": pollc,
    "epoll_et": epolld,
    "select_listener": selectls2,
}
ths = []
for n, f in blocked.items():
    t = threading.Thread(target=run, args=(n, f), daemon=True)
    t.start()
    ths.append(t)
time.sleep(1)
print("ready", flush=True)
for i in range(3000):		# up to 30 s
    if daemon_gone():
        break
    time.sleep(0.01)
t0 = time.monotonic()
for t in ths:
    t.join(5)
for n in blocked:
    if n not in res:
        print(n, "hung", flush=True)
        continue
    kind, v, t = res[n]
    print(n, kind, v, int((t - t0) * 1000), flush=True)


def timed(name, fn):
    s = time.monotonic()
    try:
        r = ("ok", fn())
    except OSError as e:
        r = ("errno", e.errno)
    print(name, r[0], r[1], int((time.monotonic() - s) * 1000), flush=True)


cpu0, wall0 = time.process_time(), time.monotonic()
# the listener that reported its error: accept fails with it once
timed("select_listener_accept", lambda: ls2.accept())
# then listeners are never ready: accept does not succeed, polls time out
ls.setblocking(False)
timed("accept_nonblock", lambda: ls.accept())
ls.setblocking(True)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, 300000))
timed("accept_rcvtimeo", lambda: ls.accept())
p = select.poll()
p.register(ls, select.POLLIN)
timed("poll_listener", lambda: len(p.poll(300)))
timed("select_listeners", lambda: len(select.select([ls, ls2], [], [], 0.3)[0]))
ep = select.epoll()
ep.register(ls, select.EPOLLIN)
ep.register(ls2, select.EPOLLIN | select.EPOLLET)
timed("epoll_listener", lambda: len(ep.poll(0.3)))
# SO_ERROR takes a listener's error as accept would: then it is quiet
p3 = select.poll()
p3.register(ls3, select.POLLIN)
timed("poll_listener3", lambda: p3.poll(0)[0][1])
so_err = lambda s: s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
timed("so_error_listener", lambda: so_err(ls3))
timed("poll_listener3_after", lambda: len(p3.poll(300)))
timed("so_error_conn", lambda: (so_err(d), so_err(d)))
# connected sockets: reset, like the kernel after an RST
timed("recv_after", lambda: a.recv(10))
timed("send_after", lambda: c.send(b"x"))
timed("socket_new", lambda: socket.socket())
# UDP: sends fail with ENETDOWN (no SIGPIPE); receive reports it once
timed("udp_send", lambda: u.sendto(b"x", ("192.168.1.1", 7779)))
timed("udp_recv", lambda: u.recv(10))
timed("udp_recv_again", lambda: u.recv(10))
pu = select.poll()
pu.register(u, select.POLLIN)
timed("udp_poll", lambda: len(pu.poll(300)))
cpu = (time.process_time() - cpu0) / (time.monotonic() - wall0)
print("cpu_after %d" % int(cpu * 100), flush=True)
