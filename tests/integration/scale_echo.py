#!/usr/bin/env python3
# Many idle connections (test_scale.sh).
#   scale_echo.py server PORT            asyncio echo server (run preloaded)
#   scale_echo.py client HOST PORT N CTL kernel side: open N connections (at
#       most 256 connecting at once; a connect that fails is retried twice
#       and counted in retried=), then wait for the files CTL.first (one
#       echo on each), CTL.echo (one more echo on every connection, report)
#       and CTL.close (close all, report, exit), at most 10 minutes each.
#       Reports are one line, "<what> ok=K reset=R failed=F secs=S",
#       appended to CTL.
import asyncio
import os
import sys
import time


async def serve(port):
    async def echo(r, w):
        try:
            while True:
                b = await r.read(4096)
                if not b:
                    break
                w.write(b)
                await w.drain()
        except (ConnectionError, OSError):
            pass
        w.close()
    srv = await asyncio.start_server(echo, "0.0.0.0", port, backlog=4096)
    print("listening", flush=True)
    async with srv:
        await srv.serve_forever()


def report(ctl, what, ok, reset, failed, t0, extra=""):
    with open(ctl, "a") as f:
        f.write("%s ok=%d reset=%d failed=%d secs=%.1f%s\n" %
                (what, ok, reset, failed, time.monotonic() - t0, extra))


async def one_echo(r, w, i):
    msg = b"ping %d\n" % i
    w.write(msg)
    await w.drain()
    got = await asyncio.wait_for(r.readexactly(len(msg)), 30)
    return got == msg


async def echo_all(conns):
    ok = reset = failed = 0
    sem = asyncio.Semaphore(512)	# a timeout measures one echo, not the queue

    async def one(i, c):
        nonlocal ok, reset, failed
        async with sem:
            await one_guarded(i, c)

    async def one_guarded(i, c):
        nonlocal ok, reset, failed
        try:
            if await one_echo(c[0], c[1], i):
                ok += 1
            else:
                failed += 1
        except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError):
            reset += 1
        except Exception:
            failed += 1
    await asyncio.gather(*(one(i, c) for i, c in enumerate(conns) if c))
    return ok, reset, failed


async def client(host, port, n, ctl):
    sem = asyncio.Semaphore(256)
    conns = [None] * n
    reset = failed = retried = 0
    t0 = time.monotonic()

    async def dial(i):
        nonlocal reset, failed, retried
        async with sem:
            for attempt in range(3):
                try:
                    conns[i] = await asyncio.wait_for(
                        asyncio.open_connection(host, port), 30)
                    return
                except ConnectionResetError:
                    reset += 1
                    return
                except (asyncio.TimeoutError, OSError):
                    retried += 1
                    await asyncio.sleep(0.2)
            failed += 1
    await asyncio.gather(*(dial(i) for i in range(n)))
    up = sum(1 for c in conns if c)
    report(ctl, "connect", up, reset, failed, t0, " retried=%d" % retried)
    for i in range(6000):   # the first echo waits for CTL.first
        if os.path.exists(ctl + ".first"):
            break
        await asyncio.sleep(0.1)
    t0 = time.monotonic()
    ok, r, f = await echo_all(conns)
    report(ctl, "echo", ok, r, f, t0)
    for cmd in ("echo", "close"):
        for i in range(6000):
            if os.path.exists(ctl + "." + cmd):
                break
            await asyncio.sleep(0.1)
        t0 = time.monotonic()
        if cmd == "echo":
            ok, r, f = await echo_all(conns)
            report(ctl, "echo", ok, r, f, t0)
    for c in conns:
        if c:
            c[1].close()
    await asyncio.sleep(0.5)
    report(ctl, "close", sum(1 for c in conns if c), 0, 0, t0)


if sys.argv[1] == "server":
    asyncio.run(serve(int(sys.argv[2])))
else:
    asyncio.run(client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                       sys.argv[5]))
