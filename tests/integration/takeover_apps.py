#!/usr/bin/env python3
"""Programs of test_takeover.sh (a live upgrade of aetherd under load).

  server DIR HTTP_PORT UDP_PORT
      (preloaded) an HTTP/1.1 keep-alive server of DIR (one thread per
      connection, each asleep in recv between requests) and a UDP echo
      socket bound once; runs until killed.
  clients HOST PORT N PATH SHA STOPFILE SECS [SERVEDFILE]
      (kernel side) N keep-alive connections, each doing GET PATH in a loop
      and checking the body's sha256, plus one idle connection opened first
      and used only at the end (an ssh-like long-lived one). Stops when
      STOPFILE exists (or after SECS). Once every connection has had its
      first answer, writes "served N in S s, slowest first answer W s" to
      SERVEDFILE (the server accepts them one by one, so the first answer
      can wait seconds while many connect at once). An error line names the
      connection's port and its request number (1: never answered yet).
      Prints "requests R failed F reconnects C idle ok|FAIL" and exits 0.
  udp HOST PORT
      one datagram to the echo socket; exit 0 when it comes back.
  lateaccept PORT GOFILE
      (preloaded) listen on PORT and accept nothing until GOFILE exists,
      then accept and echo one line per connection, forever.
  queued HOST PORT N OUTFILE GOFILE
      (kernel side) N connections to a lateaccept server, each sending one
      line while it waits in the accept queue; GOFILE is created once all
      are sent; then every echo is read: "echoed K of N" in OUTFILE.
"""
import hashlib
import http.client
import http.server
import os
import socket
import socketserver
import sys
import threading
import time


def server(root, hport, uport):
    """Serve ROOT over HTTP/1.1 on HPORT and echo UDP on UPORT."""
    os.chdir(root)

    class H(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

    class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = True
        request_queue_size = 256

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("0.0.0.0", uport))

    def echo():
        while True:
            d, a = u.recvfrom(2048)
            u.sendto(d, a)

    threading.Thread(target=echo, daemon=True).start()
    S(("0.0.0.0", hport), H).serve_forever()


def lport(c):
    """The local port of connection C (to find it in a capture), or None."""
    try:
        return c.sock.getsockname()[1]
    except (AttributeError, OSError):
        return None


def served_once(lock, tot, n, t0, t1, served):
    """Count one connection's first answer (at T1); the last writes SERVED."""
    with lock:
        tot["first"] += 1
        tot["slowest"] = max(tot["slowest"], t1)
        if tot["first"] != n or not served:
            return
        with open(served + ".tmp", "w") as f:
            f.write("served %d in %.2f s, slowest first answer %.2f s\n" %
                    (n, time.time() - t0, tot["slowest"]))
        os.rename(served + ".tmp", served)


def clients(host, port, n, path, sha, stop, secs, served=None):
    """N keep-alive loops and one idle connection; print the totals."""
    lock = threading.Lock()
    tot = {"req": 0, "fail": 0, "reconn": 0, "first": 0, "slowest": 0.0}
    t0 = time.time()
    end = t0 + secs

    def one():
        c = http.client.HTTPConnection(host, port, timeout=10)
        c.connect()
        first = c.sock
        nreq = 0	# requests on this connection
        counted = False
        while not os.path.exists(stop) and time.time() < end:
            ok = False
            nreq += 1
            t1 = time.time()
            try:
                c.request("GET", path)
                r = c.getresponse()
                ok = r.status == 200 and \
                    hashlib.sha256(r.read()).hexdigest() == sha
            except Exception as e:  # a reset, a timeout: all failures
                print("client error at %.3f: port %s request %d:" %
                      (time.time(), lport(c), nreq), repr(e), flush=True)
                c.close()
                c.connect()
            if ok and not counted:
                counted = True
                served_once(lock, tot, n, t0, time.time() - t1, served)
            with lock:
                tot["req"] += 1
                tot["fail"] += 0 if ok else 1
                if c.sock is not first:
                    tot["reconn"] += 1
                    first = c.sock
                    nreq = 0
        c.close()

    idle = http.client.HTTPConnection(host, port, timeout=10)
    idle.connect()
    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    try:
        idle.request("GET", path)
        r = idle.getresponse()
        iok = r.status == 200 and hashlib.sha256(r.read()).hexdigest() == sha
    except Exception as e:
        print("idle error:", repr(e), flush=True)
        iok = False
    print("requests %d failed %d reconnects %d idle %s" %
          (tot["req"], tot["fail"], tot["reconn"], "ok" if iok else "FAIL"),
          flush=True)


def udp(host, port):
    """Exit 0 when one datagram comes back."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    s.sendto(b"takeover", (host, port))
    sys.exit(0 if s.recv(64) == b"takeover" else 1)


def lateaccept(port, go):
    """Accept nothing until GO exists, then echo a line per connection."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(64)
    while not os.path.exists(go):
        time.sleep(0.05)
    while True:
        c, _ = ls.accept()
        c.sendall(c.makefile("rb").readline())
        c.close()


def queued(host, port, n, out, go):
    """N connections left in the accept queue with a line each."""
    cs = []
    for i in range(n):
        c = socket.create_connection((host, port), timeout=20)
        c.sendall(b"queued %d\n" % i)
        c.settimeout(300)	# the server accepts only after every takeover
        cs.append(c)
    open(go + ".sent", "w").close()
    k = 0
    for i, c in enumerate(cs):
        try:
            if c.makefile("rb").readline() == b"queued %d\n" % i:
                k += 1
        except Exception as e:
            print("queued error:", repr(e), flush=True)
    with open(out, "w") as f:
        f.write("echoed %d of %d\n" % (k, n))


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "server":
        server(a[2], int(a[3]), int(a[4]))
    elif a[1] == "clients":
        clients(a[2], int(a[3]), int(a[4]), a[5], a[6], a[7], float(a[8]),
                a[9] if len(a) > 9 else None)
    elif a[1] == "udp":
        udp(a[2], int(a[3]))
    elif a[1] == "lateaccept":
        lateaccept(int(a[2]), a[3])
    elif a[1] == "queued":
        queued(a[2], int(a[3]), int(a[4]), a[5], a[6])
