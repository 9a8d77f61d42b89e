#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""TCP conformance cases (RFC 9293, RFC 5961, RFC 7323) against Aether.

Run inside the lab namespace (the kernel side of aether0):

    tcp_conf.py --mac AETHER_MAC --log SERVER_LOG CASE
    tcp_conf.py --mac AETHER_MAC --log SERVER_LOG --serve  (case names on stdin)

Segments are built byte by byte here (so checksums and options can be wrong
on purpose) and sent at layer 2 on aether0; Aether's answers are read from a
packet socket filtered on its address. The peer is a phantom host on the
link, 192.168.1.77 at 02:00:00:00:00:77, which this script announces to
Aether by ARP (and answers Aether's ARP requests for): Aether's segments go
to a MAC the namespace kernel does not own, so the kernel drops them as
PACKET_OTHERHOST instead of answering them with RSTs of its own, while the
packet socket still sees them. No firewall rule is needed. The application on Aether
is tests/conformance/server.py: port 80 reads until EOF, port 81 writes
20000 bytes on accept; its log shows what the application saw.

Exit 0 when the case holds. Otherwise exit 1 and print why, with the whole
packet exchange of the case (-> sent, <- received).
"""
import argparse
import os
import random
import select
import socket
import struct
import sys
import time

from scapy.all import ARP, ICMP, Ether, IP, TCP, conf  # noqa: E402

conf.verb = 0
SRC = "192.168.1.77"
SRC_MAC = "02:00:00:00:00:77"
DST = "192.168.1.2"
SRC_B = bytes([192, 168, 1, 77])
DST_B = bytes([192, 168, 1, 2])
SINK, SENDER, CLOSER, CLOSED = 80, 81, 82, 7
FL = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}
M32 = 0xffffffff


class CaseFail(Exception):
    pass


def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def opt_bytes(mss=None, ws=None, sackok=False, ts=None):
    o = b""
    if mss is not None:
        o += struct.pack("!BBH", 2, 4, mss)
    if sackok:
        o += b"\x04\x02"
    if ts is not None:
        o += struct.pack("!BBII", 8, 10, ts[0], ts[1])
    if ws is not None:
        o += struct.pack("!BBB", 3, 3, ws)
    while len(o) % 4:
        o += b"\x01"
    return o


def flagstr(f):
    return "".join(c for c, b in FL.items() if f & b) or "."


def describe(t, payload_len):
    opts = ""
    if t.options:
        opts = " opts=" + ",".join(
            "%s%s" % (o[0], "" if o[1] in (None, b"") else "=" + str(o[1]))
            for o in t.options)
    return "%d>%d %s seq=%u ack=%u win=%u len=%d%s" % (
        t.sport, t.dport, flagstr(int(t.flags)), t.seq, t.ack, t.window,
        payload_len, opts)


class Lab:
    """The wire: send raw TCP segments, receive Aether's, keep a transcript."""

    def __init__(self, iface, mac, logpath):
        self.iface = iface
        self.mac = mac
        self.src_mac = SRC_MAC
        self.sock = conf.L2socket(
            iface=iface, filter="(tcp and src host %s) or arp" % DST)
        try:    # room for bursts (SYN flood answers) while we still send
            self.sock.ins.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)
        except OSError:     # 33 = SO_RCVBUFFORCE (root)
            pass
        self.transcript = []
        self.children = []
        self.logpath = logpath
        self.mark = None
        self.app_lines()                # sets the mark
        self.t0 = time.monotonic()
        self.t0_wall = time.time() - (time.monotonic() - self.t0)
        self.announce()

    def announce(self):
        """Tell Aether where the phantom peer is (an ARP reply to it)."""
        self.sock.send(Ether(src=SRC_MAC, dst=self.mac) /
                       ARP(op=2, hwsrc=SRC_MAC, psrc=SRC, hwdst=self.mac,
                           pdst=DST))

    def answer_arp(self, p):
        """Aether asks who has the phantom peer: answer."""
        a = p[ARP]
        if a.op == 1 and a.pdst == SRC and a.psrc == DST:
            self.note("<- ARP who-has %s (answered)" % SRC)
            self.announce()

    def note(self, s, when=None):
        """One transcript line; @when: the packet's capture time (epoch)."""
        t = (when - self.t0_wall) if when else time.monotonic() - self.t0
        self.transcript.append("%7.3f %s" % (t, s))

    def send_raw(self, sport, dport, seq, ack, flags, data=b"", win=65535,
                 opts=b"", bad_csum=False, doff=None, urp=0):
        fl = sum(FL[c] for c in flags) if isinstance(flags, str) else flags
        hl = 20 + len(opts)
        off = doff if doff is not None else hl // 4
        seg = struct.pack("!HHIIBBHHH", sport, dport, seq & M32, ack & M32,
                          off << 4, fl, win, 0, urp) + opts + data
        c = csum(SRC_B + DST_B + struct.pack("!BBH", 0, 6, len(seg)) + seg)
        if bad_csum:
            c ^= 0x5a5a
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
        frame = Ether(src=self.src_mac, dst=self.mac) / \
            IP(src=SRC, dst=DST, proto=6, id=random.randrange(65536)) / seg
        self.note("-> %d>%d %s seq=%u ack=%u win=%u len=%d%s%s" % (
            sport, dport, flagstr(fl), seq & M32, ack & M32, win, len(data),
            " opts=" + opts.hex() if opts else "",
            " BADCSUM" if bad_csum else ""))
        self.sock.send(frame)

    def recv(self, sport, timeout, pred=None, what="a segment"):
        """First segment to @sport matching @pred within @timeout, or None."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return None
            p = self.sock.recv()
            if p is not None and ARP in p:
                self.answer_arp(p)
                continue
            if p is None or TCP not in p or IP not in p or p[IP].src != DST:
                continue
            t = p[TCP]
            plen = p[IP].len - p[IP].ihl * 4 - t.dataofs * 4
            t.plen = plen
            if t.dport != sport:
                continue
            self.note("<- " + describe(t, plen), getattr(p, "time", None))
            if pred is None or pred(t):
                return t

    def expect(self, sport, timeout, pred, what):
        t = self.recv(sport, timeout, pred, what)
        if t is None:
            raise CaseFail("expected %s within %.1fs, got none" %
                           (what, timeout))
        return t

    def quiet(self, sport, timeout, pred, what):
        """Fail if a segment matching @pred arrives within @timeout."""
        t = self.recv(sport, timeout, pred, what)
        if t is not None:
            raise CaseFail("unexpected %s" % what)

    def app_lines(self):
        """What the application logged since this case started (earlier
        cases may have used the same port numbers)."""
        try:
            with open(self.logpath) as f:
                lines = [ln.split() for ln in f]
        except OSError:
            return []
        if self.mark is None:
            self.mark = len(lines)
        return [w for w in lines[self.mark:] if w]

    def app_wait(self, pred, timeout=3.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for w in self.app_lines():
                if pred(w):
                    self.note("app: " + " ".join(w))
                    return w
            time.sleep(0.05)
        return None


class Conn:
    """Our side of one connection to Aether: we track both sequence spaces."""

    def __init__(self, lab, dport=SINK, isn=None, sport=None):
        self.lab = lab
        self.dport = dport
        self.sport = sport or random.randrange(20000, 30000)
        self.isn = random.randrange(1 << 32) if isn is None else isn
        self.snd_nxt = self.isn      # our next sequence number
        self.rcv_nxt = None          # Aether's next sequence number
        self.their_win = None        # Aether's window, scaled
        self.their_ws = 0

    def send(self, flags, data=b"", seq=None, ack=None, **kw):
        self.lab.send_raw(self.sport, self.dport,
                          self.snd_nxt if seq is None else seq,
                          (self.rcv_nxt or 0) if ack is None else ack,
                          flags, data, **kw)

    def expect(self, timeout, pred, what):
        return self.lab.expect(self.sport, timeout, pred, what)

    def quiet(self, timeout, pred, what):
        return self.lab.quiet(self.sport, timeout, pred, what)

    def handshake(self, opts=None, win=65535, ack_win=None, drain=True):
        if opts is None:
            opts = opt_bytes(mss=1460, ws=7, sackok=True)
        self.send("S", seq=self.isn, ack=0, opts=opts, win=win)
        sa = self.expect(3.0, lambda t: int(t.flags) & 0x12 == 0x12,
                         "SYN-ACK")
        if sa.ack != (self.isn + 1) & M32:
            raise CaseFail("SYN-ACK ack=%u, want ISN+1=%u" %
                           (sa.ack, (self.isn + 1) & M32))
        self.synack = sa
        self.snd_nxt = (self.isn + 1) & M32
        self.rcv_nxt = (sa.seq + 1) & M32
        offered_ws = False
        i = 0
        while i < len(opts):          # our own options: did we offer WS?
            if opts[i] in (0, 1):
                i += 1
                continue
            offered_ws |= opts[i] == 3
            i += max(2, opts[i + 1] if i + 1 < len(opts) else 2)
        for o in sa.options:
            if o[0] == "WScale" and offered_ws:
                self.their_ws = o[1]
        self.their_win = sa.window     # SYN-ACK windows are never scaled
        self.send("A", win=win if ack_win is None else ack_win)
        # the application has the connection (a case's RST must not race
        # accept()), and stray segments (window updates) have passed
        if not self.lab.app_wait(lambda w: w[0] == "accept" and
                                 int(w[1]) == self.dport and
                                 int(w[2]) == self.sport):
            raise CaseFail("the application did not accept the connection")
        end = time.monotonic() + 0.2
        while drain and self.lab.recv(self.sport, end - time.monotonic()):
            pass
        return sa

    def send_data(self, data, flags="PA"):
        self.send(flags, data)
        self.snd_nxt = (self.snd_nxt + len(data)) & M32

    def ack_of(self, want):
        return lambda t: int(t.flags) & 0x10 and t.ack == want & M32 and \
            not int(t.flags) & 0x04

    def reset(self):
        """Clean up: an exact RST."""
        self.send("R", seq=self.snd_nxt, ack=0)


def has_opt(t, name):
    return [o for o in t.options if o[0] == name]


def app_data(lab, sport, total=None):
    """Bytes the application read on the connection from @sport so far."""
    n = 0
    for w in lab.app_lines():
        if w[0] == "data" and int(w[2]) == sport:
            n += int(w[3])
    return n


# ---- cases --------------------------------------------------------------

def case_syn_closed(lab):
    """SYN to a closed port: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>."""
    c = Conn(lab, dport=CLOSED)
    c.send("S", b"hello", seq=c.isn, ack=0)
    t = c.expect(2.0, lambda t: int(t.flags) & 0x04, "RST")
    if int(t.flags) & 0x3f != 0x14:
        raise CaseFail("flags %s, want RA" % flagstr(int(t.flags)))
    if t.seq != 0:
        raise CaseFail("RST seq=%u, want 0" % t.seq)
    if t.ack != (c.isn + 1 + 5) & M32:
        raise CaseFail("RST ack=%u, want SEG.SEQ+SEG.LEN=%u" %
                       (t.ack, (c.isn + 6) & M32))


def case_ack_closed(lab):
    """ACK to a closed port: <SEQ=SEG.ACK><CTL=RST>, no ACK bit."""
    c = Conn(lab, dport=CLOSED)
    ack = random.randrange(1 << 32)
    c.send("A", seq=c.isn, ack=ack)
    t = c.expect(2.0, lambda t: int(t.flags) & 0x04, "RST")
    if int(t.flags) & 0x3f != 0x04:
        raise CaseFail("flags %s, want R only" % flagstr(int(t.flags)))
    if t.seq != ack:
        raise CaseFail("RST seq=%u, want SEG.ACK=%u" % (t.seq, ack))


def case_opts_full(lab):
    """SYN with MSS, WS, SACK-permitted, TS: all answered, TSval echoed."""
    c = Conn(lab)
    tsval = random.randrange(1, 1 << 31)
    sa = c.handshake(opts=opt_bytes(mss=1400, ws=7, sackok=True,
                                    ts=(tsval, 0)))
    mss = has_opt(sa, "MSS")
    if not mss or mss[0][1] != 1460:
        raise CaseFail("SYN-ACK MSS %s, want 1460 (MTU 1500)" % mss)
    if not has_opt(sa, "WScale"):
        raise CaseFail("SYN-ACK without window scale though offered")
    if not has_opt(sa, "SAckOK"):
        raise CaseFail("SYN-ACK without SACK-permitted though offered")
    ts = has_opt(sa, "Timestamp")
    if not ts:
        raise CaseFail("SYN-ACK without timestamps though offered")
    if ts[0][1][1] != tsval:
        raise CaseFail("SYN-ACK TSecr=%u, want our TSval %u" %
                       (ts[0][1][1], tsval))
    c.reset()


def case_opts_none(lab):
    """SYN without options: no WS/SACK/TS in the SYN-ACK (RFC 7323 1.3)."""
    c = Conn(lab)
    sa = c.handshake(opts=b"")
    for name in ("WScale", "SAckOK", "Timestamp"):
        if has_opt(sa, name):
            raise CaseFail("SYN-ACK carries %s though the SYN had none" % name)
    if sa.window == 0:
        raise CaseFail("SYN-ACK window 0")
    c.reset()


def case_rst_in_window(lab):
    """RFC 5961 3.2: RST in window but not exact -> challenge ACK, no reset."""
    c = Conn(lab)
    c.handshake()
    c.send("R", seq=c.snd_nxt + 100, ack=0)
    t = c.expect(2.0, c.ack_of(c.snd_nxt), "challenge ACK")
    if t.seq != c.rcv_nxt:
        raise CaseFail("challenge ACK seq=%u, want SND.NXT=%u" %
                       (t.seq, c.rcv_nxt))
    c.send_data(b"still-here")
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of data after the RST")
    if not lab.app_wait(lambda w: w[0] == "data" and int(w[2]) == c.sport):
        raise CaseFail("application did not read data after the RST")
    c.reset()


def case_rst_exact(lab):
    """RST at exactly RCV.NXT resets: app gets ECONNRESET, segments get RST."""
    c = Conn(lab)
    c.handshake()
    c.send("R", seq=c.snd_nxt, ack=0)
    c.quiet(0.5, lambda t: True, "answer to an exact RST")
    c.send_data(b"anyone?", flags="PA")
    t = c.expect(2.0, lambda t: int(t.flags) & 0x04, "RST to data after reset")
    if t.seq != c.rcv_nxt:
        raise CaseFail("RST seq=%u, want SEG.ACK=%u" % (t.seq, c.rcv_nxt))
    w = lab.app_wait(lambda w: w[0] in ("error", "eof") and
                     int(w[2]) == c.sport)
    if not w or w[0] != "error" or int(w[3]) != 104:
        raise CaseFail("application saw %s, want error 104 (ECONNRESET)" %
                       (" ".join(w) if w else "nothing"))


def case_syn_established(lab):
    """RFC 5961 4.2: SYN in ESTABLISHED -> challenge ACK, connection stays."""
    c = Conn(lab)
    c.handshake()
    c.send("S", seq=c.snd_nxt + 1000, ack=0)
    t = c.expect(2.0, c.ack_of(c.snd_nxt), "challenge ACK")
    if t.seq != c.rcv_nxt or int(t.flags) & 0x06:
        raise CaseFail("challenge ACK seq=%u flags %s, want seq=%u A" %
                       (t.seq, flagstr(int(t.flags)), c.rcv_nxt))
    c.send_data(b"alive")
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of data after the SYN")
    c.reset()


def case_data_out_of_window(lab):
    """Unacceptable segment (far outside): <SEQ=SND.NXT><ACK=RCV.NXT><ACK>."""
    c = Conn(lab)
    c.handshake()
    c.send("PA", b"x" * 10, seq=c.snd_nxt + (1 << 31))
    t = c.expect(2.0, lambda t: int(t.flags) & 0x10, "duplicate ACK")
    if t.ack != c.snd_nxt or t.seq != c.rcv_nxt:
        raise CaseFail("ACK seq=%u ack=%u, want seq=%u ack=%u (RCV.NXT)" %
                       (t.seq, t.ack, c.rcv_nxt, c.snd_nxt))
    time.sleep(0.3)
    if app_data(lab, c.sport):
        raise CaseFail("application read out-of-window data")
    c.reset()


def case_data_beyond_window(lab):
    """Data starting at RCV.NXT+RCV.WND: dropped (not queued), dup ACK."""
    c = Conn(lab)
    c.handshake()
    # the window as of the last ACK: ask for one with a 1-byte segment
    c.send_data(b"w")
    t = c.expect(2.0, c.ack_of(c.snd_nxt), "ACK")
    wnd = t.window << c.their_ws
    edge = (c.snd_nxt + wnd) & M32
    c.send("PA", b"b" * 100, seq=edge)
    t = c.expect(2.0, lambda t: int(t.flags) & 0x10, "duplicate ACK")
    if t.ack != c.snd_nxt:
        raise CaseFail("ACK ack=%u, want RCV.NXT=%u" % (t.ack, c.snd_nxt))
    for o in has_opt(t, "SAck"):
        blocks = o[1]
        for i in range(1, len(blocks), 2):
            if ((blocks[i] - edge) & M32) < (1 << 31) and blocks[i] != edge:
                raise CaseFail("SACK block right edge %u beyond the window "
                               "edge %u: beyond-window data was queued" %
                               (blocks[i], edge))
    c.send_data(b"in-order")
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of in-order data only")
    time.sleep(0.3)
    if app_data(lab, c.sport) != 1 + len(b"in-order"):
        raise CaseFail("application read %d bytes, want 9" %
                       app_data(lab, c.sport))
    c.reset()


def case_ack_unsent(lab):
    """SEG.ACK > SND.NXT: send an ACK, drop the segment (its data too)."""
    c = Conn(lab)
    c.handshake()
    c.send("PA", b"12345", ack=c.rcv_nxt + 1000)
    t = c.expect(2.0, lambda t: int(t.flags) & 0x10, "ACK")
    if t.ack != c.snd_nxt:
        raise CaseFail("ACK ack=%u, want %u (the data must be dropped)" %
                       (t.ack, c.snd_nxt))
    time.sleep(0.3)
    if app_data(lab, c.sport):
        raise CaseFail("application read data of a segment acking unsent data")
    c.send_data(b"12345")
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of the same data, valid ACK")
    c.reset()


def bad_syn(lab, opts, after=()):
    """A SYN whose options are malformed. RFC 9293 leaves the choice: drop
    it (Aether's DESIGN.md) or, like Linux, use what was parsed before the
    bad option and stop there. Either is accepted; what is checked is that
    nothing @after the bad option is used (a parser that walked past it),
    that an answer is a well-formed SYN-ACK, and that the stack is alive."""
    c = Conn(lab)
    c.send("S", seq=c.isn, ack=0, opts=opts)
    t = lab.recv(c.sport, 1.0, lambda t: int(t.flags) & 0x12 == 0x12)
    if t is not None:
        lab.note("(answered: options parsed up to the bad one, like Linux)")
        if t.ack != (c.isn + 1) & M32:
            raise CaseFail("SYN-ACK ack=%u, want %u" % (t.ack, c.isn + 1))
        for name in after:
            if has_opt(t, name):
                raise CaseFail("SYN-ACK has %s: the parser read options "
                               "after the malformed one" % name)
        c.rcv_nxt = (t.seq + 1) & M32
        c.snd_nxt = (c.isn + 1) & M32
        c.reset()
    else:
        lab.note("(dropped)")
    # the stack is alive: the same port gets a SYN-ACK for a clean SYN
    c2 = Conn(lab, sport=c.sport)
    c2.isn = (c.isn + 100000) & M32
    c2.handshake()
    c2.reset()


def case_opt_zero_len(lab):
    """Option with length 0 (an endless loop for a naive parser)."""
    bad_syn(lab, b"\x02\x04\x05\xb4" + b"\x08\x00" + b"\x04\x02" +
            b"\x03\x03\x07\x01", after=("SAckOK", "WScale"))


def case_opt_past_header(lab):
    """Option whose length runs past the header."""
    bad_syn(lab, b"\x04\x02" + b"\x03\x30\x07\x01" + b"\x01\x01",
            after=("WScale",))


def case_opt_bad_established(lab):
    """Data with a malformed option in ESTABLISHED: dropped (not acked, not
    delivered) or accepted (acked and delivered), never half of each."""
    c = Conn(lab)
    c.handshake()
    c.send("PA", b"evil", opts=b"\x05\x00\x01\x01")
    t = lab.recv(c.sport, 0.7, c.ack_of(c.snd_nxt + 4))
    time.sleep(0.3)
    got = app_data(lab, c.sport)
    if t is not None and got != 4:
        raise CaseFail("data acked but the application read %d bytes" % got)
    if t is None and got:
        raise CaseFail("data not acked but the application read %d bytes" % got)
    if t is not None:
        c.snd_nxt = (c.snd_nxt + 4) & M32
    c.send_data(b"good")
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of clean data")
    c.reset()


def case_csum_syn(lab):
    """SYN with a bad checksum: silently dropped."""
    c = Conn(lab)
    c.send("S", seq=c.isn, ack=0, opts=opt_bytes(mss=1460), bad_csum=True)
    c.quiet(1.0, lambda t: True, "answer to a SYN with a bad checksum")


def case_csum_data(lab):
    """Data with a bad checksum in ESTABLISHED: not acked, not delivered."""
    c = Conn(lab)
    c.handshake()
    c.send("PA", b"corrupt", bad_csum=True)
    c.quiet(0.7, lambda t: True, "answer to data with a bad checksum")
    if app_data(lab, c.sport):
        raise CaseFail("application read data with a bad checksum")
    c.reset()


def case_fin(lab):
    """Data+FIN: ACK of both, app sees EOF, app's close sends FIN."""
    c = Conn(lab)
    c.handshake()
    c.send("FPA", b"0123456789")
    c.snd_nxt = (c.snd_nxt + 11) & M32
    t = c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of data+FIN")
    w = lab.app_wait(lambda w: w[0] in ("eof", "error") and
                     int(w[2]) == c.sport)
    if not w or w[0] != "eof" or int(w[3]) != 10:
        raise CaseFail("application saw %s, want eof after 10 bytes" %
                       (" ".join(w) if w else "nothing"))
    t = c.expect(3.0, lambda t: int(t.flags) & 0x01, "FIN after the app closed")
    if t.seq != c.rcv_nxt or t.ack != c.snd_nxt:
        raise CaseFail("FIN seq=%u ack=%u, want seq=%u ack=%u" %
                       (t.seq, t.ack, c.rcv_nxt, c.snd_nxt))
    c.rcv_nxt = (c.rcv_nxt + 1) & M32
    c.send("A")
    # CLOSED now: a segment gets RST (its ACK bit: <SEQ=SEG.ACK>)
    c.send("A", b"late")
    t = c.expect(2.0, lambda t: int(t.flags) & 0x04, "RST after LAST-ACK")
    if t.seq != c.rcv_nxt:
        raise CaseFail("RST seq=%u, want %u" % (t.seq, c.rcv_nxt))


def case_zero_window(lab):
    """Peer window 0: no data beyond it, persist probes, flow on reopen."""
    c = Conn(lab, dport=SENDER)
    c.handshake(ack_win=0)
    end = time.monotonic() + 6.0
    probes = 0
    while time.monotonic() < end and probes < 2:
        t = lab.recv(c.sport, end - time.monotonic())
        if t is None:
            break
        if t.plen > 1:
            raise CaseFail("%d bytes sent into a zero window" % t.plen)
        if t.plen <= 1 and t.seq in (c.rcv_nxt, (c.rcv_nxt - 1) & M32):
            probes += 1
            c.send("A", win=0)
    if probes < 1:
        raise CaseFail("no zero-window probe within 6 s")
    c.send("A", win=65535)
    t = c.expect(4.0, lambda t: t.plen > 1, "data after the window opened")
    if t.seq not in (c.rcv_nxt, (c.rcv_nxt + 1) & M32):
        raise CaseFail("data seq=%u, want SND.UNA=%u" % (t.seq, c.rcv_nxt))
    c.reset()


def case_wrap(lab):
    """ISN 0xFFFFFF00: acknowledgments wrap, the app gets every byte."""
    c = Conn(lab, isn=0xFFFFFF00)
    c.handshake()
    blob = bytes((i * 7) & 0xff for i in range(600))
    for i in range(3):
        c.send_data(blob[200 * i:200 * (i + 1)])
        c.expect(2.0, c.ack_of(c.snd_nxt), "ACK %u after segment %d" %
                 (c.snd_nxt, i + 1))
    if c.snd_nxt > 0xFFFFFF00:
        raise CaseFail("test error: sequence did not wrap")
    c.send("FA")
    c.snd_nxt = (c.snd_nxt + 1) & M32
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of FIN")
    import hashlib
    w = lab.app_wait(lambda w: w[0] in ("eof", "error") and
                     int(w[2]) == c.sport)
    if not w or w[0] != "eof" or int(w[3]) != 600 or \
            w[4] != hashlib.sha1(blob).hexdigest():
        raise CaseFail("application saw %s, want eof 600 %s" %
                       (" ".join(w) if w else "nothing",
                        hashlib.sha1(blob).hexdigest()))
    t = c.expect(3.0, lambda t: int(t.flags) & 0x01, "FIN")
    c.rcv_nxt = (t.seq + 1) & M32
    c.send("A")


def case_ack_old(lab):
    """RFC 5961 5.2: SEG.ACK within [SND.UNA - MAX.SND.WND, SND.UNA] is fine
    (the data is taken); below it: challenge ACK and the segment dropped."""
    c = Conn(lab)
    c.handshake(opts=opt_bytes(mss=1460))    # no scaling: MAX.SND.WND 65535
    c.send("PA", b"aaaaa", ack=c.rcv_nxt - 1000)
    c.snd_nxt = (c.snd_nxt + 5) & M32
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of data with an old, acceptable ACK")
    c.send("PA", b"bbbbb", ack=c.rcv_nxt - 200000)
    t = c.expect(2.0, lambda t: int(t.flags) & 0x10, "challenge ACK")
    if t.ack != c.snd_nxt:
        raise CaseFail("ACK ack=%u, want %u: data of a segment whose ACK is "
                       "below SND.UNA-MAX.SND.WND was taken" % (t.ack, c.snd_nxt))
    time.sleep(0.3)
    if app_data(lab, c.sport) != 5:
        raise CaseFail("application read %d bytes, want 5" %
                       app_data(lab, c.sport))
    c.reset()


def case_ooo_sack(lab):
    """Out-of-order segment: dup ACK with its SACK block; the hole filled:
    one ACK for both, the application reads them in order."""
    c = Conn(lab)
    c.handshake()
    a, b = bytes(range(100)), bytes(range(100, 200))
    base = c.snd_nxt
    c.send("PA", b, seq=base + 100)
    t = c.expect(2.0, lambda t: int(t.flags) & 0x10, "duplicate ACK")
    if t.ack != base:
        raise CaseFail("ACK ack=%u, want RCV.NXT=%u" % (t.ack, base))
    sack = has_opt(t, "SAck")
    if not sack or tuple(sack[0][1][:2]) != ((base + 100) & M32,
                                             (base + 200) & M32):
        raise CaseFail("SACK %s, want the block (%u, %u)" %
                       (sack, (base + 100) & M32, (base + 200) & M32))
    c.send("PA", a, seq=base)
    c.snd_nxt = (base + 200) & M32
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK covering both segments")
    c.send("FA")
    c.snd_nxt = (c.snd_nxt + 1) & M32
    import hashlib
    w = lab.app_wait(lambda w: w[0] in ("eof", "error") and
                     int(w[2]) == c.sport)
    if not w or w[0] != "eof" or int(w[3]) != 200 or \
            w[4] != hashlib.sha1(a + b).hexdigest():
        raise CaseFail("application saw %s, want eof 200 %s (in order)" %
                       (" ".join(w) if w else "nothing",
                        hashlib.sha1(a + b).hexdigest()))
    c.expect(3.0, lambda t: int(t.flags) & 0x01, "FIN")
    c.rcv_nxt = (c.rcv_nxt + 1) & M32
    c.send("A")


def case_syn_retransmit(lab):
    """A retransmitted SYN in SYN-RECEIVED is answered for the same ISN
    (SYN-ACK again, or a challenge ACK), and the handshake completes."""
    c = Conn(lab)
    opts = opt_bytes(mss=1460)
    c.send("S", seq=c.isn, ack=0, opts=opts)
    sa = c.expect(3.0, lambda t: int(t.flags) & 0x12 == 0x12, "SYN-ACK")
    c.send("S", seq=c.isn, ack=0, opts=opts)
    t = c.expect(3.0, lambda t: int(t.flags) & 0x10, "answer to the SYN again")
    if t.ack != (c.isn + 1) & M32 or t.seq not in (sa.seq, (sa.seq + 1) & M32):
        raise CaseFail("answer seq=%u ack=%u, want seq %u ack %u (same ISNs)" %
                       (t.seq, t.ack, sa.seq, (c.isn + 1) & M32))
    c.snd_nxt = (c.isn + 1) & M32
    c.rcv_nxt = (sa.seq + 1) & M32
    c.send("A")
    if not lab.app_wait(lambda w: w[0] == "accept" and int(w[2]) == c.sport):
        raise CaseFail("the handshake did not complete")
    c.reset()


def collect_data(c, timeout, ack_each=False, win=65535):
    """Data segments from Aether for @timeout seconds; returns them."""
    segs = []
    end = time.monotonic() + timeout
    while True:
        t = c.lab.recv(c.sport, end - time.monotonic())
        if t is None:
            return segs
        if t.plen > 0:
            segs.append((t.seq, t.plen))
            if ack_each:
                top = (t.seq + t.plen) & M32
                if ((top - c.rcv_nxt) & M32) < (1 << 31):
                    c.rcv_nxt = top
                c.send("A", win=win)


def beyond(c, segs):
    """How far past RCV.NXT the segments reach (retransmissions of bytes
    already acked, crossing our ACK on the wire, reach nowhere)."""
    ends = [(s + n - c.rcv_nxt) & M32 for s, n in segs]
    return max([e for e in ends if e < (1 << 31)] + [0])


def case_mss_respected(lab):
    """Our MSS 536: no data segment from Aether carries more."""
    c = Conn(lab, dport=SENDER)
    c.handshake(opts=opt_bytes(mss=536))
    segs = collect_data(c, 2.0, ack_each=True)
    if len(segs) < 5:
        raise CaseFail("only %d data segments" % len(segs))
    big = [n for _, n in segs if n > 536]
    if big:
        raise CaseFail("data segments of %s bytes, peer MSS 536" % big)
    c.reset()


def case_window_respected(lab):
    """Our window 3000 (unscaled): never more than 3000 bytes in flight."""
    c = Conn(lab, dport=SENDER)
    c.handshake(opts=opt_bytes(mss=1460), win=3000)
    for rnd in range(4):
        segs = collect_data(c, 0.6)
        if not segs:
            raise CaseFail("no data in round %d" % rnd)
        top = beyond(c, segs)
        if top > 3000:
            raise CaseFail("%d bytes beyond SND.UNA sent, window 3000" % top)
        c.rcv_nxt = (c.rcv_nxt + top) & M32
        c.send("A", win=3000)
    c.reset()


def eof_check(lab, c, data):
    """The application saw EOF after exactly @data."""
    import hashlib
    w = lab.app_wait(lambda w: w[0] in ("eof", "error") and
                     int(w[2]) == c.sport)
    want = hashlib.sha1(data).hexdigest()
    if not w or w[0] != "eof" or int(w[3]) != len(data) or w[4] != want:
        raise CaseFail("application saw %s, want eof %d %s" %
                       (" ".join(w) if w else "nothing", len(data), want))


def close_after_fin(c):
    """Aether's FIN after the application closed; we ACK it."""
    t = c.expect(3.0, lambda t: int(t.flags) & 0x01, "FIN")
    c.rcv_nxt = (t.seq + t.plen + 1) & M32
    c.send("A")


def case_fin_ooo(lab):
    """A FIN beyond a hole is not taken until the hole is filled."""
    c = Conn(lab)
    c.handshake()
    base = c.snd_nxt
    c.send("FPA", b"tail", seq=base + 6)
    t = c.expect(2.0, lambda t: int(t.flags) & 0x10, "duplicate ACK")
    if t.ack != base:
        raise CaseFail("ACK ack=%u, want RCV.NXT=%u (FIN beyond a hole "
                       "acknowledged)" % (t.ack, base))
    c.send("PA", b"head: ", seq=base)
    c.snd_nxt = (base + 6 + 4 + 1) & M32
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of data and FIN after the fill")
    eof_check(lab, c, b"head: tail")
    close_after_fin(c)


def case_overlap(lab):
    """A retransmission overlapping received data: only new bytes count."""
    c = Conn(lab)
    c.handshake()
    base = c.snd_nxt
    c.send("PA", b"A" * 100, seq=base)
    c.expect(2.0, c.ack_of(base + 100), "ACK of the first 100 bytes")
    c.send("PA", b"A" * 50 + b"B" * 50, seq=base + 50)
    c.expect(2.0, c.ack_of(base + 150), "ACK of the 50 new bytes")
    c.snd_nxt = (base + 150) & M32
    c.send("FA")
    c.snd_nxt = (c.snd_nxt + 1) & M32
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of FIN")
    eof_check(lab, c, b"A" * 100 + b"B" * 50)
    close_after_fin(c)


def case_keepalive_probe(lab):
    """A keep-alive probe (SEG.SEQ = RCV.NXT - 1, one garbage byte) is
    answered with <SEQ=SND.NXT><ACK=RCV.NXT>; the byte is not delivered."""
    c = Conn(lab)
    c.handshake()
    c.send_data(b"x")
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK")
    c.send("A", b"\0", seq=c.snd_nxt - 1)
    t = c.expect(2.0, lambda t: int(t.flags) & 0x10, "ACK to the probe")
    if t.ack != c.snd_nxt or t.seq != c.rcv_nxt:
        raise CaseFail("ACK seq=%u ack=%u, want seq=%u ack=%u" %
                       (t.seq, t.ack, c.rcv_nxt, c.snd_nxt))
    time.sleep(0.3)
    if app_data(lab, c.sport) != 1:
        raise CaseFail("application read %d bytes, want 1" %
                       app_data(lab, c.sport))
    c.reset()


def case_urgent(lab):
    """URG data is delivered in line (the urgent pointer is no hazard)."""
    c = Conn(lab)
    c.handshake()
    # an urgent pointer far beyond the segment
    c.send("UPA", b"urgent", urp=0xffff)
    c.snd_nxt = (c.snd_nxt + 6) & M32
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of urgent data")
    c.send("FA")
    c.snd_nxt = (c.snd_nxt + 1) & M32
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of FIN")
    eof_check(lab, c, b"urgent")
    close_after_fin(c)


def case_paws(lab):
    """RFC 7323 5.3: a segment whose TSval is older than TS.Recent is
    dropped with an ACK; the application does not get its data."""
    c = Conn(lab)
    c.handshake(opts=opt_bytes(mss=1460, sackok=True, ts=(1000000, 0)))
    ts = lambda v: b"\x01\x01" + struct.pack("!BBII", 8, 10, v, 0)
    c.send("PA", b"new", opts=ts(1000100))
    c.snd_nxt = (c.snd_nxt + 3) & M32
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of data with a fresh TSval")
    c.send("PA", b"old", opts=ts(999000))
    t = c.expect(2.0, lambda t: int(t.flags) & 0x10, "ACK to the old TSval")
    if t.ack != c.snd_nxt:
        raise CaseFail("ACK ack=%u, want %u: data with an old TSval taken" %
                       (t.ack, c.snd_nxt))
    tso = has_opt(t, "Timestamp")
    if not tso or tso[0][1][1] != 1000100:
        raise CaseFail("ACK TSecr %s, want TS.Recent 1000100" %
                       (tso[0][1][1] if tso else None))
    time.sleep(0.3)
    if app_data(lab, c.sport) != 3:
        raise CaseFail("application read %d bytes, want 3" %
                       app_data(lab, c.sport))
    c.reset()


def case_syn_flood(lab):
    """400 SYNs never completed: every one answered (SYN queue, then SYN
    cookies); the last SYN-ACK completed late still gives the application a
    connection; a fresh connection works."""
    base = random.randrange(20000, 29000 - 400)
    isns = {}
    for i in range(400):
        isns[base + i] = random.randrange(1 << 32)
        lab.send_raw(base + i, SINK, isns[base + i], 0, "S",
                     opts=opt_bytes(mss=1460))
    got = {}
    end = time.monotonic() + 5.0
    while time.monotonic() < end and len(got) < 400:
        r, _, _ = select.select([lab.sock], [], [], end - time.monotonic())
        if not r:
            break
        p = lab.sock.recv()
        if p is None or TCP not in p:
            continue
        t = p[TCP]
        if t.dport in isns and int(t.flags) & 0x12 == 0x12 and \
                t.ack == (isns[t.dport] + 1) & M32:
            got[t.dport] = t.seq
    lab.note("%d of 400 SYNs answered with a SYN-ACK" % len(got))
    if len(got) < 400:
        raise CaseFail("only %d of 400 SYNs got a SYN-ACK" % len(got))
    port = base + 399
    c = Conn(lab, sport=port)
    c.isn = isns[port]
    c.snd_nxt = (c.isn + 1) & M32
    c.rcv_nxt = (got[port] + 1) & M32
    c.send("A")
    c.send_data(b"late")
    c.expect(3.0, c.ack_of(c.snd_nxt), "ACK of data on the late-completed "
             "connection")
    if not lab.app_wait(lambda w: w[0] == "data" and int(w[2]) == port):
        raise CaseFail("the application did not get the late connection")
    c.reset()
    for p in list(got)[:399]:             # withdraw the half-open ones
        lab.send_raw(p, SINK, isns[p] + 1, 0, "R")
    c2 = Conn(lab)
    c2.handshake()
    c2.reset()


def case_time_wait(lab):
    """Aether closes first: data then FIN (seq right after the data); our
    FIN is acked (TIME-WAIT); a retransmitted FIN is acked again; a new SYN
    above the old sequence space reopens the 4-tuple (as Linux allows)."""
    c = Conn(lab, dport=CLOSER)
    c.handshake(drain=False)
    got = 0
    fin = None
    end = time.monotonic() + 4.0
    while fin is None and time.monotonic() < end:
        t = lab.recv(c.sport, end - time.monotonic())
        if t is None:
            break
        if t.plen and t.seq == (c.rcv_nxt + got) & M32:
            got += t.plen
        if int(t.flags) & 0x01:
            fin = t
    if fin is None:
        raise CaseFail("no FIN from Aether after the application closed")
    if got != 100 or fin.seq + fin.plen != (c.rcv_nxt + 100) & M32:
        raise CaseFail("FIN seq=%u after %d data bytes, want data 100 and "
                       "FIN at %u" % (fin.seq, got, (c.rcv_nxt + 100) & M32))
    c.rcv_nxt = (c.rcv_nxt + 101) & M32
    c.send("FA")
    c.snd_nxt = (c.snd_nxt + 1) & M32
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of our FIN (TIME-WAIT)")
    c.send("FA", seq=c.snd_nxt - 1)
    t = c.expect(2.0, lambda t: int(t.flags) & 0x10, "ACK of the FIN again")
    if t.ack != c.snd_nxt or int(t.flags) & 0x05:
        raise CaseFail("answer %s ack=%u to a retransmitted FIN in TIME-WAIT,"
                       " want ACK ack=%u" % (flagstr(int(t.flags)), t.ack,
                                             c.snd_nxt))
    isn = (c.snd_nxt + 100000) & M32
    c.send("S", seq=isn, ack=0, opts=opt_bytes(mss=1460))
    t = c.expect(2.0, lambda t: int(t.flags) & 0x12 == 0x12 or
                 int(t.flags) & 0x04, "SYN-ACK for the new incarnation")
    if int(t.flags) & 0x12 != 0x12 or t.ack != (isn + 1) & M32:
        raise CaseFail("answer %s ack=%u, want SYN-ACK ack=%u" %
                       (flagstr(int(t.flags)), t.ack, (isn + 1) & M32))
    c.send("R", seq=isn + 1, ack=0)


def case_jumbo_segment(lab):
    """An 8000-byte segment (beyond Aether's MTU and MSS, the link allows
    it): taken whole (acked, delivered) or dropped (not acked, not
    delivered), never half; the connection goes on either way."""
    c = Conn(lab)
    c.handshake()
    blob = bytes((i * 13) & 0xff for i in range(8000))
    c.send("PA", blob)
    t = lab.recv(c.sport, 1.5, c.ack_of(c.snd_nxt + 8000))
    time.sleep(0.3)
    got = app_data(lab, c.sport)
    if t is not None:
        lab.note("(taken whole)")
        if got != 8000:
            raise CaseFail("acked but the application read %d bytes" % got)
        c.snd_nxt = (c.snd_nxt + 8000) & M32
    elif got:
        raise CaseFail("not acked but the application read %d bytes" % got)
    c.send_data(b"after")
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of data after the jumbo one")
    c.reset()


def case_rst_synrecv(lab):
    """SYN-RECEIVED: an in-window RST that is not exact gets a challenge
    ACK (RFC 5961 3.2); the exact one removes the embryonic connection
    silently (back to LISTEN, the application sees nothing); our late ACK
    then gets <SEQ=SEG.ACK><CTL=RST>."""
    c = Conn(lab)
    c.send("S", seq=c.isn, ack=0, opts=opt_bytes(mss=1460))
    sa = c.expect(3.0, lambda t: int(t.flags) & 0x12 == 0x12, "SYN-ACK")
    c.snd_nxt = (c.isn + 1) & M32
    c.rcv_nxt = (sa.seq + 1) & M32
    c.send("R", seq=c.snd_nxt + 10, ack=0)
    t = c.expect(2.0, lambda t: not int(t.flags) & 0x04, "challenge ACK")
    if t.ack != c.snd_nxt:
        raise CaseFail("challenge ACK ack=%u, want RCV.NXT=%u" %
                       (t.ack, c.snd_nxt))
    c.send("R", seq=c.snd_nxt, ack=0)
    c.quiet(0.5, lambda t: True, "answer to the exact RST")
    c.send("A")
    t = c.expect(2.0, lambda t: int(t.flags) & 0x04, "RST to the late ACK")
    if t.seq != c.rcv_nxt:
        raise CaseFail("RST seq=%u, want SEG.ACK=%u" % (t.seq, c.rcv_nxt))
    time.sleep(0.3)
    if lab.app_wait(lambda w: w[0] == "accept" and int(w[2]) == c.sport,
                    timeout=0.1):
        raise CaseFail("the application accepted a connection reset in "
                       "SYN-RECEIVED")


def case_syn_data(lab):
    """SYN carrying data: the SYN-ACK acks the data only if it was kept;
    either way the application reads it exactly once."""
    c = Conn(lab)
    c.send("S", b"early", seq=c.isn, ack=0, opts=opt_bytes(mss=1460))
    sa = c.expect(3.0, lambda t: int(t.flags) & 0x12 == 0x12, "SYN-ACK")
    c.rcv_nxt = (sa.seq + 1) & M32
    if sa.ack == (c.isn + 6) & M32:
        lab.note("(SYN data kept)")
        c.snd_nxt = (c.isn + 6) & M32
        c.send("A")
    elif sa.ack == (c.isn + 1) & M32:
        lab.note("(SYN data dropped: send it again)")
        c.snd_nxt = (c.isn + 1) & M32
        c.send("A")
        c.send_data(b"early")
    else:
        raise CaseFail("SYN-ACK ack=%u, want ISN+1 or ISN+1+5" % sa.ack)
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of the data")
    c.send("FA")
    c.snd_nxt = (c.snd_nxt + 1) & M32
    c.expect(2.0, c.ack_of(c.snd_nxt), "ACK of FIN")
    eof_check(lab, c, b"early")
    close_after_fin(c)


def send_icmp(lab, c, icmp_type, code, seq, mtu=0):
    """An ICMP error about our connection @c, quoting Aether's segment with
    sequence number @seq (Aether -> us, as if it had been sent to us)."""
    quoted = IP(src=DST, dst=SRC, proto=6, id=1, ttl=64) / \
        struct.pack("!HHI", c.dport, c.sport, seq & M32)
    ic = ICMP(type=icmp_type, code=code)
    if mtu:
        ic.nexthopmtu = mtu
    lab.note("-> ICMP type %d code %d quoting seq=%u%s" %
             (icmp_type, code, seq & M32, " mtu=%d" % mtu if mtu else ""))
    lab.sock.send(Ether(src=SRC_MAC, dst=lab.mac) /
                  IP(src=SRC, dst=DST) / ic / bytes(quoted)[:28])


def case_icmp_errors(lab):
    """ICMP errors about an established connection (RFC 5927, RFC 1122
    4.2.3.9): port unreachable does not abort it (soft error); a quoted
    sequence number outside SND.UNA..SND.NXT is ignored; fragmentation
    needed with an absurd MTU (68) does not take the MSS below 512 bytes
    (Linux's 552-byte path MTU floor, RFC 5927 section 7);
    the transfer goes on throughout."""
    c = Conn(lab, dport=SENDER)
    c.handshake(opts=opt_bytes(mss=1460), win=2920, drain=False)
    segs = collect_data(c, 0.3)          # two segments in flight, unacked
    if not segs:
        raise CaseFail("no data from the sender")
    send_icmp(lab, c, 3, 3, c.rcv_nxt)                 # port unreachable
    send_icmp(lab, c, 3, 4, c.rcv_nxt + (1 << 30), 576)  # out of window
    top = beyond(c, segs)
    c.rcv_nxt = (c.rcv_nxt + top) & M32
    c.send("A", win=2920)
    segs = collect_data(c, 0.3)
    if not segs:
        raise CaseFail("the connection stopped after ICMP port unreachable")
    if max(n for _, n in segs) != 1460:
        raise CaseFail("segments of %s bytes after an ICMP frag-needed whose "
                       "quoted sequence number is outside the window" %
                       sorted(set(n for _, n in segs)))
    send_icmp(lab, c, 3, 4, c.rcv_nxt, 68)             # absurd MTU
    top = beyond(c, segs)
    c.rcv_nxt = (c.rcv_nxt + top) & M32
    c.send("A", win=2920)
    segs = collect_data(c, 2.0, ack_each=True, win=2920)
    if not segs:
        raise CaseFail("the connection stopped after the ICMP errors")
    w = lab.app_wait(lambda w: w[0] == "error" and int(w[2]) == c.sport,
                     timeout=0.1)
    if w:
        raise CaseFail("the application got error %s from an ICMP error" %
                       w[3])
    # (retransmitted old segments are cut into MSS pieces and a short tail)
    if max(n for _, n in segs) < 512:
        raise CaseFail("segments of at most %d bytes after ICMP frag-needed "
                       "with MTU 68 (Linux floors the path MTU at 552)" %
                       max(n for _, n in segs))
    lab.note("segment sizes after the ICMP errors: %s" %
             sorted(set(n for _, n in segs)))
    c.reset()


def case_ack_seq_after_rto(lab):
    """RFC 9293 3.10.7.4/3.8.1: retransmitting does not move SND.NXT back.
    While Aether retransmits after a timeout, a pure ACK it sends must carry
    SEQ = SND.NXT, the first byte it never sent (BSD: snd_max). A sequence
    number below what we have received would make the ACK unacceptable to us
    (SEG.SEQ < RCV.NXT), so its acknowledgment would be dropped."""
    c = Conn(lab, dport=SENDER)
    c.handshake(opts=opt_bytes(mss=1460), win=2920, drain=False)
    segs = collect_data(c, 0.15)
    top = beyond(c, segs)
    if top < 2920:
        raise CaseFail("only %d bytes sent into the 2920-byte window" % top)
    snd_max = (c.rcv_nxt + top) & M32
    c.lab.recv(c.sport, 2.0, lambda t: t.plen and t.seq == c.rcv_nxt)
    # Aether timed out and resent its first segment; now we send data
    # (acknowledging none of Aether's) and look at its ACK
    c.send("PA", b"0123456789", win=2920)
    c.snd_nxt = (c.snd_nxt + 10) & M32
    t = c.expect(2.0, lambda t: t.plen == 0 and t.ack == c.snd_nxt,
                 "pure ACK of our data")
    if t.seq != snd_max:
        raise CaseFail("pure ACK seq=%u, want SND.NXT=%u (the highest byte "
                       "sent + 1); we have received up to %u, so this ACK is "
                       "unacceptable to us" % (t.seq, snd_max, snd_max))
    c.reset()


# ---- active open: an application on Aether connects to the phantom peer --

def start_client(lab, port, send=0):
    """Run client.py on Aether (CONF_APP: the command prefix that puts a
    program on Aether, e.g. "ip netns exec NS env LD_PRELOAD=...")."""
    import shlex
    import subprocess
    prefix = shlex.split(os.environ.get("CONF_APP", ""))
    if not prefix:
        raise CaseFail("CONF_APP is not set: cannot start an application")
    cmd = prefix + [sys.executable,
                    os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "client.py"),
                    "--log", lab.logpath, "--port", str(port),
                    "--send", str(send), "--timeout", "10"]
    lab.children.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL))


def active_syn(lab, send=0):
    """Start a client and catch its SYN: a Conn whose dport is Aether's
    ephemeral port, rcv_nxt its ISS + 1."""
    port = random.randrange(20000, 30000)
    start_client(lab, port, send)
    t = lab.expect(port, 8.0, lambda t: int(t.flags) & 0x02, "SYN from Aether")
    if int(t.flags) & 0x3f != 0x02:
        raise CaseFail("SYN flags %s, want S only" % flagstr(int(t.flags)))
    c = Conn(lab, dport=t.sport, sport=port)
    c.syn = t
    c.iss = t.seq
    c.rcv_nxt = (t.seq + 1) & M32
    return c


def client_line(lab, c, kinds, timeout=8.0):
    return lab.app_wait(lambda w: w[0] == "client" and int(w[1]) == c.sport
                        and w[2] in kinds, timeout)


def case_active_refused(lab):
    """Aether's SYN offers MSS 1460, SACK-permitted, timestamps and window
    scale; RST,ACK with ACK=ISS+1 refuses it: connect() gets ECONNREFUSED."""
    c = active_syn(lab)
    mss = has_opt(c.syn, "MSS")
    if not mss or mss[0][1] != 1460:
        raise CaseFail("SYN MSS %s, want 1460" % mss)
    for name in ("SAckOK", "Timestamp", "WScale"):
        if not has_opt(c.syn, name):
            raise CaseFail("SYN without %s" % name)
    c.send("RA", seq=0, ack=c.rcv_nxt)
    w = client_line(lab, c, ("connecterr", "connected"))
    if not w or w[2] != "connecterr" or int(w[3]) != 111:
        raise CaseFail("client saw %s, want connecterr 111" %
                       (" ".join(w) if w else "nothing"))


def case_active_icmp(lab):
    """SYN-SENT and ICMP errors, as Linux's tcp_v4_err(): source quench
    and an error quoting a sequence number Aether never sent change nothing
    (the connection then completes); host unreachable quoting the SYN makes
    connect() fail with EHOSTUNREACH (113), port unreachable with
    ECONNREFUSED (111), at once rather than after the SYN retries."""
    c = active_syn(lab)
    send_icmp(lab, c, 4, 0, c.iss)                   # source quench
    send_icmp(lab, c, 3, 1, c.iss + 5000)            # not a sequence sent
    isn = random.randrange(1 << 32)
    c.send("SA", seq=isn, ack=c.rcv_nxt, opts=opt_bytes(mss=1460))
    c.snd_nxt = (isn + 1) & M32
    c.expect(3.0, c.ack_of(c.snd_nxt), "ACK of our SYN-ACK")
    w = client_line(lab, c, ("connecterr", "connected"))
    if not w or w[2] != "connected":
        raise CaseFail("client saw %s after source quench and an "
                       "out-of-window ICMP, want connected" %
                       (" ".join(w) if w else "nothing"))
    c.reset()
    for code, want in ((1, 113), (3, 111)):
        c = active_syn(lab)
        t0 = time.time()
        send_icmp(lab, c, 3, code, c.iss)
        w = client_line(lab, c, ("connecterr", "connected"), timeout=3.0)
        if not w or w[2] != "connecterr" or int(w[3]) != want:
            raise CaseFail("ICMP unreachable code %d: client saw %s, want "
                           "connecterr %d" %
                           (code, " ".join(w) if w else "nothing", want))
        lab.note("code %d: connecterr %d after %.2f s" %
                 (code, want, time.time() - t0))


def case_synsent_bad_rst(lab):
    """SYN-SENT: a RST whose ACK is unacceptable, or a RST without ACK, is
    dropped (RFC 9293 3.10.7.3); the connection then completes."""
    c = active_syn(lab)
    c.send("RA", seq=0, ack=c.iss + 1000)
    c.send("R", seq=0, ack=0)
    c.quiet(0.5, lambda t: int(t.flags) & 0x04, "RST answering a RST")
    isn = random.randrange(1 << 32)
    c.send("SA", seq=isn, ack=c.rcv_nxt, opts=opt_bytes(mss=1460))
    c.snd_nxt = (isn + 1) & M32
    t = c.expect(3.0, lambda t: int(t.flags) & 0x10, "ACK of our SYN-ACK")
    if t.ack != c.snd_nxt or t.seq != c.rcv_nxt:
        raise CaseFail("ACK seq=%u ack=%u, want seq=%u ack=%u" %
                       (t.seq, t.ack, c.rcv_nxt, c.snd_nxt))
    w = client_line(lab, c, ("connecterr", "connected"))
    if not w or w[2] != "connected":
        raise CaseFail("client saw %s, want connected (the RSTs were to be "
                       "ignored)" % (" ".join(w) if w else "nothing"))
    c.reset()


def case_synsent_bad_ack(lab):
    """SYN-SENT: a SYN-ACK acking something never sent gets
    <SEQ=SEG.ACK><CTL=RST>; a valid SYN-ACK later completes it."""
    c = active_syn(lab)
    isn = random.randrange(1 << 32)
    bad = (c.iss + 1000) & M32
    c.send("SA", seq=isn, ack=bad, opts=opt_bytes(mss=1460))
    t = c.expect(2.0, lambda t: int(t.flags) & 0x04, "RST")
    if t.seq != bad or int(t.flags) & 0x10:
        raise CaseFail("RST seq=%u flags %s, want seq=SEG.ACK=%u, no ACK" %
                       (t.seq, flagstr(int(t.flags)), bad))
    c.send("SA", seq=isn, ack=c.rcv_nxt, opts=opt_bytes(mss=1460))
    c.snd_nxt = (isn + 1) & M32
    c.expect(3.0, c.ack_of(c.snd_nxt), "ACK of the valid SYN-ACK")
    w = client_line(lab, c, ("connecterr", "connected"))
    if not w or w[2] != "connected":
        raise CaseFail("client saw %s, want connected" %
                       (" ".join(w) if w else "nothing"))
    c.reset()


def case_simultaneous_open(lab):
    """SYN answered by a SYN (no ACK): Aether sends SYN,ACK for its ISS
    (SYN-RECEIVED); our ACK completes it; data and FIN flow."""
    c = active_syn(lab, send=100)
    isn = random.randrange(1 << 32)
    c.send("S", seq=isn, ack=0, opts=opt_bytes(mss=1460))
    c.snd_nxt = (isn + 1) & M32
    t = c.expect(3.0, lambda t: int(t.flags) & 0x12 == 0x12, "SYN-ACK")
    if t.seq != c.iss or t.ack != c.snd_nxt:
        raise CaseFail("SYN-ACK seq=%u ack=%u, want seq=ISS=%u ack=%u" %
                       (t.seq, t.ack, c.iss, c.snd_nxt))
    c.send("A")
    w = client_line(lab, c, ("connecterr", "connected"))
    if not w or w[2] != "connected":
        raise CaseFail("client saw %s, want connected" %
                       (" ".join(w) if w else "nothing"))
    t = c.expect(3.0, lambda t: t.plen > 0, "the client's data")
    if t.seq != c.rcv_nxt:
        raise CaseFail("data seq=%u, want %u" % (t.seq, c.rcv_nxt))
    c.rcv_nxt = (t.seq + t.plen) & M32
    c.send("FA")
    c.snd_nxt = (c.snd_nxt + 1) & M32
    w = client_line(lab, c, ("eof", "error"))
    if not w or w[2] != "eof":
        raise CaseFail("client saw %s, want eof" %
                       (" ".join(w) if w else "nothing"))
    c.reset()


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}


def run_case(name, a):
    """Run case @name on a fresh Lab; print its report. Return: exit code."""
    lab = Lab(a.iface, a.mac, a.log)
    try:
        try:
            CASES[name](lab)
        finally:
            for p in lab.children:      # bounded: clients time out by 10 s
                try:
                    p.wait(12)
                except Exception:
                    p.kill()
    except CaseFail as e:
        print("FAIL %s: %s" % (name, e))
        print("  exchange:")
        for ln in lab.transcript:
            print("   ", ln)
        return 1
    finally:
        lab.sock.close()
    if os.environ.get("CONF_SHOW"):      # the exchange of a passing case
        print("\n".join(lab.transcript))
    return 0


def serve(a):
    """--serve: run the cases named on stdin, one a line, each on a fresh
    Lab (its own packet socket and transcript), and end each report with
    "@@done CASE EXIT". Importing scapy costs a second of CPU; one process
    for every case of test_conformance.sh saves it some forty times."""
    for line in sys.stdin:
        name = line.strip()
        if not name:
            continue
        if name not in CASES:
            print("no such case: %s" % name)
            rc = 2
        else:
            try:
                rc = run_case(name, a)
            except Exception as e:      # the next case still runs
                print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
                rc = 1
        print("@@done %s %d" % (name, rc), flush=True)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", default="aether0")
    ap.add_argument("--mac", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--serve", action="store_true",
                    help="run the cases named on stdin (see serve())")
    ap.add_argument("case", nargs="?", choices=sorted(CASES))
    a = ap.parse_args()
    random.seed(os.getpid() ^ int(time.time() * 1000))
    if a.serve:
        return serve(a)
    if a.case is None:
        ap.error("a CASE or --serve")
    return run_case(a.case, a)


if __name__ == "__main__":
    sys.exit(main())
