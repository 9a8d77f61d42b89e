#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Kernel-side peers for test_ipc.sh, run inside the lab namespace.

  ipc_peer.py echo ADDR PORT          TCP echo (many connections) + UDP echo
  ipc_peer.py clients ADDR PORT N SIZE  N sequential connections, SIZE bytes
                                      each, echo checked
  ipc_peer.py sink ADDR PORT LOG      read one connection to its end; write
                                      "FIN" or "RST" to LOG
  ipc_peer.py stream ADDR PORT LOG    send forever to each connection; write
                                      "RST", "FIN" or "ERR <x>" to LOG when it ends
"""
import asyncio
import socket
import sys


async def echo_conn(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except Exception:
        pass
    writer.close()


class UdpEcho(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(data, addr)


async def echo(addr, port):
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(UdpEcho, local_addr=(addr, port))
    srv = await asyncio.start_server(echo_conn, addr, port, backlog=4096)
    async with srv:
        await srv.serve_forever()


def stream(addr, port, log):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(8)
    c, _ = ls.accept()
    c.settimeout(30)
    chunk = b"s" * 65536
    how = "ERR timeout"
    try:
        while True:
            c.send(chunk)
    except ConnectionResetError:
        how = "RST"
    except BrokenPipeError:
        how = "FIN"
    except Exception as e:  # noqa: BLE001 - report whatever ended it
        how = "ERR %r" % (e,)
    if how.startswith("ERR"):
        # a FIN shows as EOF on read
        try:
            c.settimeout(2)
            if c.recv(1) == b"":
                how = "FIN"
        except ConnectionResetError:
            how = "RST"
        except Exception:
            pass
    with open(log, "w") as f:
        f.write(how + "\n")


def clients(addr, port, n, size):
    import os
    for i in range(n):
        c = socket.create_connection((addr, port), timeout=10)
        data = os.urandom(size)
        c.sendall(data)
        got = b""
        while len(got) < size:
            d = c.recv(65536)
            if not d:
                break
            got += d
        c.close()
        if got != data:
            print("FAIL echo mismatch on connection %d" % i)
            sys.exit(1)
    print("ok %d kernel clients echoed by the aether server" % n)


def sink(addr, port, log):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(8)
    c, _ = ls.accept()
    c.settimeout(10)
    how = "ERR timeout"
    try:
        while True:
            d = c.recv(65536)
            if not d:
                how = "FIN"
                break
    except ConnectionResetError:
        how = "RST"
    except Exception as e:  # noqa: BLE001
        how = "ERR %r" % (e,)
    with open(log, "w") as f:
        f.write(how + "\n")


def main():
    if sys.argv[1] == "echo":
        asyncio.run(echo(sys.argv[2], int(sys.argv[3])))
    elif sys.argv[1] == "clients":
        clients(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                int(sys.argv[5]))
    elif sys.argv[1] == "sink":
        sink(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "stream":
        stream(sys.argv[2], int(sys.argv[3]), sys.argv[4])


if __name__ == "__main__":
    main()
