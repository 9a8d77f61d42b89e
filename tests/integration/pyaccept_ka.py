#!/usr/bin/env python3
"""pyaccept_ka.py: keep-alive load for test_pyaccept.sh.

    pyaccept_ka.py serve DIR PORT          HTTP/1.1 ThreadingHTTPServer on PORT
    pyaccept_ka.py clients HOST PORT N SECS  N keep-alive loops started at
        once, each on one connection for SECS s; prints
        "first_max_ms first_mean_ms requests failures"
"""
import functools
import http.client
import http.server
import sys
import threading
import time


def serve(root, port):
    """A stock threaded http.server speaking HTTP/1.1 (keep-alive)."""
    class H(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

    class S(http.server.ThreadingHTTPServer):
        request_queue_size = 256

    S(("0.0.0.0", port), functools.partial(H, directory=root)).serve_forever()


def clients(host, port, n, secs):
    """N keep-alive loops; the first answer's time on each, from connect."""
    lock = threading.Lock()
    firsts, tot = [], {"req": 0, "fail": 0}
    go = threading.Event()
    end = time.time() + secs

    def one():
        c = http.client.HTTPConnection(host, port, timeout=30)
        go.wait()
        t0 = time.time()
        first = None
        while time.time() < end:
            ok = False
            try:
                c.request("GET", "/page.html")
                r = c.getresponse()
                ok = r.status == 200 and len(r.read()) == 1024
            except Exception:
                c.close()
            if ok and first is None:
                first = time.time() - t0
            with lock:
                tot["req"] += 1
                tot["fail"] += 0 if ok else 1
            if not ok:
                break
        c.close()
        with lock:
            firsts.append(first if first is not None else 1e9)

    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    go.set()
    for t in ts:
        t.join()
    print("%d %d %d %d" % (max(firsts) * 1000, sum(firsts) / len(firsts) * 1000,
                           tot["req"], tot["fail"]))


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    else:
        clients(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                float(sys.argv[5]))
