#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A hostile client storm against aetherd's control socket.

    ipc_storm.py [--socket PATH] [--conns 24] [--msgs 4000] [--seed N]
                 [--seconds 20]

Opens --conns SEQPACKET connections to the daemon (AETHER_SOCKET by default)
and sends --msgs messages spread over them: valid requests of every type with
random arguments, and the same requests damaged (version, type, length
field, result field, truncated, extended with garbage, variable length fields
that lie, random bytes, empty datagrams, datagrams over the size limit),
some carrying file descriptors by SCM_RIGHTS. Responses are drained without
ever blocking and any descriptor received is closed. Some connections are
closed and reopened midway. Ports are chosen from 30000-59999 so that no
socket of the storm can take a port a test server uses; SETLIMITS is only
ever sent malformed (a valid one would change the daemon's limits).

Prints "sent N, responses M, fds K, closed-by-daemon C" and exits 0 when the
daemon is still accepting connections and answering a STATS request at the
end; 1 otherwise. Deterministic for a given --seed (up to timing).
"""
import argparse
import array
import errno
import os
import random
import socket
import struct
import sys
import time

VERSION = 1
T = dict(SOCKET=1, BIND=2, LISTEN=3, ACCEPT=4, CONNECT=5, SHUTDOWN=6, CLOSE=7,
         GETSOCKNAME=8, GETPEERNAME=9, SETSOCKOPT=10, GETSOCKOPT=11,
         SENDTO=12, RECVFROM=13, STATS=14, SOCKETS=15, ATTACH=16,
         DOORBELL=17, NOTIFY=18, SETLIMITS=19)
HDR = struct.Struct("<HHIIi")
MAX_MSG = 64 * 1024 + 256


def hdr(t, payload, seq, version=VERSION, length=None, result=0):
    n = HDR.size + len(payload) if length is None else length
    return HDR.pack(version, t, n & 0xffffffff, seq, result) + payload


def addr(rng):
    a = rng.choice([b"\xc0\xa8\x01\x01", b"\xc0\xa8\x01\x02", b"\0\0\0\0",
                    b"\x7f\0\0\x01", b"\xff\xff\xff\xff",
                    bytes(rng.randrange(256) for _ in range(4))])
    port = rng.randrange(30000, 60000) if rng.random() < 0.9 else 0
    return a + struct.pack("!H", port) + b"\0\0"


def valid_payload(t, rng):
    if t == T["SOCKET"]:
        return struct.pack("<iI", rng.choice([1, 2, 1, 2, 3, 0, -1]), 0)
    if t in (T["BIND"], T["CONNECT"]):
        return addr(rng)
    if t in (T["LISTEN"], T["ACCEPT"], T["SHUTDOWN"], T["SOCKETS"]):
        return struct.pack("<iI", rng.choice([0, 1, 2, 5, 64, -1, 1 << 30,
                                              rng.randrange(-5, 100)]), 0)
    if t in (T["SETSOCKOPT"], T["GETSOCKOPT"]):
        level = rng.choice([1, 6, 0, 41, 99999])          # SOL_SOCKET, TCP, IP
        name = rng.choice([1, 2, 4, 6, 7, 8, 9, 13, 15, 20, 21, 1, 2, 3, 4,
                           5, 11, 12, 18, rng.randrange(-3, 70)])
        vlen = rng.choice([0, 1, 4, 8, 16, 255, 256])
        if t == T["GETSOCKOPT"]:
            return struct.pack("<iiII", level, name, vlen, 0)
        val = bytes(rng.randrange(256) for _ in range(vlen))
        return struct.pack("<iiII", level, name, vlen, 0) + val
    if t == T["SENDTO"]:
        n = rng.choice([0, 1, 100, 1472, 1473, 9000, 65507])
        return addr(rng) + struct.pack("<iI", rng.choice([0, 0x40, 0x4000]),
                                       n) + os.urandom(n)
    if t == T["RECVFROM"]:
        return addr(rng) + struct.pack("<iI", rng.choice([0, 2, 0x20]),
                                       rng.choice([0, 1, 65536, 1 << 31]))
    return b""


def damage(msg, rng):
    m = bytearray(msg)
    how = rng.randrange(9)
    if how == 0:
        struct.pack_into("<H", m, 0, rng.choice([0, 2, 0xffff]))
    elif how == 1:
        struct.pack_into("<H", m, 2, rng.choice([0, 18, 19, 20, 0xffff,
                                                 rng.randrange(1, 25)]))
    elif how == 2:
        struct.pack_into("<I", m, 4, rng.choice([0, 1, 15, len(m) - 1,
                                                 len(m) + 1, 0xffffffff]))
    elif how == 3:
        struct.pack_into("<i", m, 12, rng.choice([-1, 1, -2 ** 31]))
    elif how == 4:
        m = m[:rng.randrange(len(m))]
    elif how == 5:
        m += os.urandom(rng.randrange(1, 64))
        struct.pack_into("<I", m, 4, len(m))      # the length field agrees
    elif how == 6 and len(m) > HDR.size + 4:
        i = rng.randrange(HDR.size, len(m) - 3)   # a payload word lies
        struct.pack_into("<I", m, i, rng.choice([0, 0xffffffff, 65508, 257]))
    elif how == 7:
        m = bytearray(os.urandom(rng.randrange(0, 64)))
    else:
        i = rng.randrange(len(m)) if m else 0
        if m:
            m[i] ^= 1 << rng.randrange(8)
    return bytes(m)


def never_setlimits(m):
    """A damaged message could turn into a valid SETLIMITS (a 16-byte
    payload of GETSOCKOPT/RECVFROM under type 19), which a root client may
    send and which would change every client's limits: cut such a one."""
    if len(m) == HDR.size + 16 and struct.unpack_from("<H", m, 2)[0] == 19:
        return m[:-1]
    return m


def message(rng, seq):
    return never_setlimits(message_any(rng, seq))


def message_any(rng, seq):
    names = [k for k in T if k not in ("SETLIMITS", "NOTIFY")]
    t = T[rng.choice(names)]
    msg = hdr(t, valid_payload(t, rng), seq)
    r = rng.random()
    if r < 0.02:
        return b"\0" * (MAX_MSG + 1)               # over the limit
    if r < 0.04:
        return b""
    if r < 0.06:                                    # SETLIMITS, never valid
        return hdr(T["SETLIMITS"], os.urandom(rng.choice([0, 8, 15, 17])), seq)
    if r < 0.10:
        return hdr(T["NOTIFY"], b"", seq)          # not a request
    if r < 0.55:
        return damage(msg, rng)
    return msg


class Storm:
    def __init__(self, path, rng):
        self.path = path
        self.rng = rng
        self.sent = self.resp = self.fds = self.closed = 0
        self.devnull = os.open("/dev/null", os.O_RDONLY)

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(2.0)
        s.connect(self.path)
        s.setblocking(False)
        return s

    def send(self, s, msg):
        try:
            if self.rng.random() < 0.03:
                fds = array.array("i", [self.devnull] *
                                  self.rng.choice([1, 2, 8]))
                s.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                   fds)])
            else:
                s.send(msg)
            self.sent += 1
            return True
        except BlockingIOError:
            return True                             # full: skip this one
        except OSError as e:
            if e.errno in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN,
                           errno.EMSGSIZE):
                if e.errno != errno.EMSGSIZE:
                    self.closed += 1
                    return False
                return True
            raise

    def drain(self, s):
        for _ in range(64):
            try:
                data, anc, _flags, _a = s.recvmsg(
                    MAX_MSG, socket.CMSG_SPACE(16 * 4))
            except BlockingIOError:
                return True
            except OSError:
                self.closed += 1
                return False
            if not data and not anc:
                self.closed += 1
                return False
            self.resp += 1
            for level, typ, cdata in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                    a = array.array("i")
                    a.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                    for fd in a:
                        self.fds += 1
                        os.close(fd)
        return True


def daemon_ok(path):
    """A fresh connection gets a well-formed answer to STATS."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5.0)
    try:
        s.connect(path)
        s.send(hdr(T["STATS"], b"", 4242))
        data = s.recv(MAX_MSG)
    except OSError as e:
        print("daemon check: %s" % e)
        return False
    finally:
        s.close()
    if len(data) < HDR.size:
        print("daemon check: short STATS answer (%d bytes)" % len(data))
        return False
    v, t, n, seq, res = HDR.unpack_from(data)
    if (v, t, n, seq) != (VERSION, T["STATS"], len(data), 4242) or res < 0:
        print("daemon check: bad STATS answer %r" % ((v, t, n, seq, res),))
        return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", default=os.environ.get(
        "AETHER_SOCKET", "/run/aether/aetherd.sock"))
    ap.add_argument("--conns", type=int, default=24)
    ap.add_argument("--msgs", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=20.0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    st = Storm(a.socket, rng)
    conns = []
    end = time.monotonic() + a.seconds
    for _ in range(a.conns):
        conns.append(st.connect())
    for i in range(a.msgs):
        if time.monotonic() > end:
            break
        k = rng.randrange(len(conns))
        s = conns[k]
        ok = st.send(s, message(rng, i))
        ok = st.drain(s) and ok
        if not ok or rng.random() < 0.01:           # closed, or we hang up
            s.close()
            conns[k] = st.connect()
    time.sleep(0.2)
    for s in conns:
        st.drain(s)
        s.close()
    print("sent %d, responses %d, fds %d, closed-by-daemon %d" %
          (st.sent, st.resp, st.fds, st.closed))
    if st.sent < min(a.msgs, 500):
        print("too few messages sent")
        return 1
    return 0 if daemon_ok(a.socket) else 1


if __name__ == "__main__":
    sys.exit(main())
