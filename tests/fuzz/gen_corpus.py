#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Write the seed corpora of the fuzz targets.

    gen_corpus.py OUTDIR        -> OUTDIR/frame/*, OUTDIR/ipc/*

fuzz_frame input: a configuration byte, then records
[flags u8][len u16 be][frame]; see tests/fuzz/fuzz_frame.c. The seeds are
valid conversations (ARP, ping, fragments, UDP, TCP handshakes, data, FIN,
RST, SYN flood, active open) so the fuzzer starts deep in every protocol.
Checksums are computed here and FIX is set as well, so mutated payloads keep
passing the checksum checks; AUTO makes the harness fill in the acknowledgment
of the stack's (unguessable) sequence numbers.

fuzz_ipc input: a mode byte (0 request, 1 response, 2 shm header) and bytes;
see tests/fuzz/fuzz_ipc.c.
"""
import os
import struct
import sys

# fuzz_frame.c's constants
CFG_ARP, CFG_SMALLBUF, CFG_CONNECT, CFG_MTU576, CFG_SHORTTW = 1, 2, 4, 8, 16
FIX, AUTO = 1, 2
WRITE, NOREAD, CLOSE = 32, 64, 128
CLK = {0: 0, 1: 1, 10: 2, 100: 3, 500: 4, 2000: 5, 30000: 6, 130000: 7}

OUR_MAC = bytes([2, 0, 0, 0, 0, 2])
PEER_MAC = bytes([2, 0, 0, 0, 0, 1])
BCAST = b"\xff" * 6
US = bytes([192, 168, 1, 2])
PEER = bytes([192, 168, 1, 1])


def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def eth(payload, etype=0x0800, dst=OUR_MAC, src=PEER_MAC):
    return dst + src + struct.pack("!H", etype) + payload


def ipv4(proto, payload, ident=1, frag=0, src=PEER, dst=US, ttl=64,
         tot=None):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot or 20 + len(payload),
                    ident, frag, ttl, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def l4csum(proto, seg, src=PEER, dst=US):
    return csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg)


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, spa,
                       tha, tpa)


def icmp_echo(ident, seq, data):
    m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def udp(sport, dport, data):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = l4csum(17, seg) or 0xffff
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def tcp_opts(mss=None, ws=None, sackok=False, ts=None, sack=()):
    o = b""
    if mss is not None:
        o += struct.pack("!BBH", 2, 4, mss)
    if ws is not None:
        o += struct.pack("!BBB", 3, 3, ws) + b"\x01"
    if sackok:
        o += b"\x04\x02\x01\x01"
    if ts is not None:
        o += b"\x01\x01" + struct.pack("!BBII", 8, 10, ts[0], ts[1])
    if sack:
        o += b"\x01\x01" + struct.pack("!BB", 5, 2 + 8 * len(sack))
        for left, right in sack:
            o += struct.pack("!II", left, right)
    while len(o) % 4:
        o += b"\x01"
    return o


F = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16, "U": 32}


def tcp(sport, dport, seq, ack, flags, data=b"", win=65535, opts=b""):
    fl = sum(F[c] for c in flags)
    off = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff,
                      ack & 0xffffffff, off << 4, fl, win, 0, 0) + opts + data
    c = l4csum(6, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def tcp_frame(*a, **k):
    return eth(ipv4(6, tcp(*a, **k)))


def rec(frame, flags=FIX, clock_ms=0):
    flags |= CLK[clock_ms] << 2
    return struct.pack("!BH", flags, len(frame)) + frame


def arp_seed_frame():
    return eth(arp(2, PEER_MAC, PEER, OUR_MAC, US), 0x0806)


def seeds():
    s = {}
    # ARP
    s["arp_request"] = bytes([0]) + rec(eth(arp(1, PEER_MAC, PEER, b"\0" * 6, US),
                                            0x0806, dst=BCAST), 0)
    s["arp_reply_then_ping"] = bytes([0]) + \
        rec(arp_seed_frame(), 0) + \
        rec(eth(ipv4(1, icmp_echo(7, 1, b"x" * 56))))
    s["arp_gratuitous_conflict"] = bytes([CFG_ARP]) + \
        rec(eth(arp(1, bytes([2, 0, 0, 0, 0, 9]), US, b"\0" * 6, US), 0x0806,
                dst=BCAST), 0)
    # ICMP
    s["ping"] = bytes([CFG_ARP]) + rec(eth(ipv4(1, icmp_echo(7, 1, b"p" * 56))))
    s["ping_noarp"] = bytes([0]) + rec(eth(ipv4(1, icmp_echo(7, 1, b"q" * 56))),
                                       FIX, 100) + \
        rec(arp_seed_frame(), 0)
    # fragments: a 3000-byte echo in three pieces, in and out of order
    big = icmp_echo(9, 2, bytes(range(256)) * 12)
    parts = [(0, big[0:1480], 0x2000), (185, big[1480:2960], 0x2000 | 185),
             (370, big[2960:], 370)]
    fr = [eth(ipv4(1, p, ident=77, frag=f, tot=20 + len(p))) for _, p, f in parts]
    s["frag_inorder"] = bytes([CFG_ARP]) + b"".join(rec(f, 0) for f in fr)
    s["frag_reverse"] = bytes([CFG_ARP]) + b"".join(rec(f, 0) for f in fr[::-1])
    ov = eth(ipv4(1, big[1400:1480 + 800], ident=77, frag=0x2000 | 175))
    s["frag_overlap_timeout"] = bytes([CFG_ARP]) + rec(fr[0], 0) + rec(ov, 0, 30000) + \
        rec(fr[2], 0, 2000)
    # UDP
    s["udp53"] = bytes([CFG_ARP]) + rec(eth(ipv4(17, udp(5353, 53, b"query"))))
    s["udp_closed"] = bytes([CFG_ARP]) + rec(eth(ipv4(17, udp(5353, 9, b"x"))))
    # TCP passive: handshake, data, FIN, in one input
    sp, isn = 40000, 1000
    opts = tcp_opts(1460, 7, True, (100, 0))
    conv = [
        rec(tcp_frame(sp, 80, isn, 0, "S", opts=opts), FIX, 1),
        rec(tcp_frame(sp, 80, isn + 1, 0, "A", opts=tcp_opts(ts=(101, 0))),
            FIX | AUTO, 1),
        rec(tcp_frame(sp, 80, isn + 1, 0, "PA", b"GET / HTTP/1.0\r\n\r\n"),
            FIX | AUTO, 10),
        rec(tcp_frame(sp, 80, isn + 19, 0, "PA", b"more data" * 100),
            FIX | AUTO | WRITE, 10),
        rec(tcp_frame(sp, 80, isn + 919, 0, "FA"), FIX | AUTO, 100),
        rec(tcp_frame(sp, 80, isn + 920, 0, "A"), FIX | AUTO | CLOSE, 500),
        rec(tcp_frame(sp, 80, isn + 920, 0, "A"), FIX | AUTO, 2000),
    ]
    s["tcp_session"] = bytes([CFG_ARP]) + b"".join(conv)
    s["tcp_session_shorttw"] = bytes([CFG_ARP | CFG_SHORTTW]) + b"".join(conv) + \
        rec(tcp_frame(sp, 80, isn + 5000, 0, "S", opts=opts), FIX, 2000)
    s["tcp_syn_only"] = bytes([CFG_ARP]) + rec(tcp_frame(sp, 80, isn, 0, "S",
                                                         opts=opts), FIX, 0)
    s["tcp_syn_noarp"] = bytes([0]) + rec(tcp_frame(sp, 80, isn, 0, "S", opts=opts),
                                          FIX, 500) + rec(arp_seed_frame(), 0, 2000)
    s["tcp_syn_closed"] = bytes([CFG_ARP]) + rec(tcp_frame(sp, 81, isn, 0, "S"))
    s["tcp_ack_closed"] = bytes([CFG_ARP]) + rec(tcp_frame(sp, 81, isn, 5, "A"))
    s["tcp_syn_retrans"] = bytes([CFG_ARP]) + rec(tcp_frame(sp, 80, isn, 0, "S"),
                                                  FIX, 2000) + \
        rec(tcp_frame(sp, 80, isn, 0, "S"), FIX, 30000) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO, 130000)
    hs = conv[:2]
    # out of order data with SACK, then the hole
    s["tcp_ooo_sack"] = bytes([CFG_ARP]) + b"".join(hs) + \
        rec(tcp_frame(sp, 80, isn + 101, 0, "A", b"B" * 100), FIX | AUTO) + \
        rec(tcp_frame(sp, 80, isn + 301, 0, "A", b"D" * 100), FIX | AUTO) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A", b"A" * 100), FIX | AUTO) + \
        rec(tcp_frame(sp, 80, isn + 201, 0, "A", b"C" * 100), FIX | AUTO)
    # the stack sends, the peer SACKs and drops, retransmission, RTO
    s["tcp_send_retrans"] = bytes([CFG_ARP]) + b"".join(hs) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO | WRITE, 1) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO | WRITE, 1) + \
        rec(tcp_frame(sp, 80, isn + 1, 0xfffff830, "A"), FIX | AUTO, 1) + \
        rec(tcp_frame(sp, 80, isn + 1, 0xfffff830, "A"), FIX | AUTO, 1) + \
        rec(tcp_frame(sp, 80, isn + 1, 0xfffff830, "A"), FIX | AUTO, 2000) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO, 500)
    # the stack sends 6000 bytes, the peer loses the first segment: three
    # duplicate ACKs with SACK blocks (edges relative to the stack's ISN + 1
    # under AUTO), fast retransmit, recovery, then a full ACK; and an RTO
    sackopts = lambda *b: tcp_opts(sack=b)
    # (segments carry 1448 bytes with timestamps; Nagle holds the last 208)
    dup = -5792 & 0xffffffff
    s["tcp_sack_recovery"] = bytes([CFG_ARP]) + b"".join(hs) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO | WRITE, 1) + \
        rec(tcp_frame(sp, 80, isn + 1, dup, "A",
                      opts=sackopts((1448, 2896))), FIX | AUTO, 1) + \
        rec(tcp_frame(sp, 80, isn + 1, dup, "A",
                      opts=sackopts((1448, 4344))), FIX | AUTO, 1) + \
        rec(tcp_frame(sp, 80, isn + 1, dup, "A",
                      opts=sackopts((1448, 5792))), FIX | AUTO, 1) + \
        rec(tcp_frame(sp, 80, isn + 1, dup, "A",
                      opts=sackopts((1448, 5792))), FIX | AUTO | WRITE, 10) + \
        rec(tcp_frame(sp, 80, isn + 1, -4000 & 0xffffffff, "A",
                      opts=sackopts((5792, 7240))), FIX | AUTO, 10) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO, 2000) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO | WRITE, 10)
    s["tcp_dupacks_nosack"] = bytes([CFG_ARP]) + \
        rec(tcp_frame(sp, 80, isn, 0, "S", opts=tcp_opts(1460)), FIX, 1) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO, 1) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO | WRITE, 1) + \
        b"".join(rec(tcp_frame(sp, 80, isn + 1, -5840 & 0xffffffff, "A"),
                     FIX | AUTO, 1) for _ in range(4)) + \
        rec(tcp_frame(sp, 80, isn + 1, -3000 & 0xffffffff, "A"), FIX | AUTO, 10) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO, 10)
    # 4 KiB buffers, the app reads: in-order data wraps the receive ring
    s["tcp_smallbuf_wrap"] = bytes([CFG_ARP | CFG_SMALLBUF]) + b"".join(hs) + \
        b"".join(rec(tcp_frame(sp, 80, isn + 1 + 1400 * i, 0, "A",
                               bytes([i]) * 1400), FIX | AUTO, 1)
                 for i in range(9)) + \
        rec(tcp_frame(sp, 80, isn + 1 + 12600, 0, "A"), FIX | AUTO | WRITE, 10) + \
        rec(tcp_frame(sp, 80, isn + 1 + 12600, 0, "A"), FIX | AUTO | WRITE, 10) + \
        rec(tcp_frame(sp, 80, isn + 1 + 12600, 0, "A"), FIX | AUTO, 10)
    # simultaneous close: the app's FIN and the peer's cross (CLOSING), then
    # TIME-WAIT gets the peer's FIN again, then expires
    s["tcp_simultaneous_close"] = bytes([CFG_ARP]) + b"".join(hs) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "PA", b"bye"), FIX | AUTO | CLOSE, 1) + \
        rec(tcp_frame(sp, 80, isn + 4, 0xffffffff, "FA"), FIX | AUTO, 1) + \
        rec(tcp_frame(sp, 80, isn + 5, 0, "A"), FIX | AUTO, 1) + \
        rec(tcp_frame(sp, 80, isn + 4, 0, "FA"), FIX | AUTO, 30000) + \
        rec(tcp_frame(sp, 80, isn + 4, 0, "FA"), FIX | AUTO, 130000) + \
        rec(tcp_frame(sp, 80, isn + 9999, 0, "S", opts=opts), FIX, 1)
    # zero window from the peer, persist probes, then open
    s["tcp_zero_window"] = bytes([CFG_ARP]) + conv[0] + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A", win=0), FIX | AUTO | WRITE, 2000) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A", win=0), FIX | AUTO, 30000) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A", win=8192), FIX | AUTO, 500)
    # small buffers: the app stops reading, the window closes
    s["tcp_smallbuf_noread"] = bytes([CFG_ARP | CFG_SMALLBUF]) + b"".join(hs) + \
        b"".join(rec(tcp_frame(sp, 80, isn + 1 + 1400 * i, 0, "A", b"z" * 1400),
                     FIX | AUTO | NOREAD, 1) for i in range(5)) + \
        rec(tcp_frame(sp, 80, isn + 1 + 7000, 0, "A"), FIX | AUTO, 500)
    # RFC 5961: in-window RST, exact RST, SYN in ESTABLISHED
    s["tcp_rst_challenge"] = bytes([CFG_ARP]) + b"".join(hs) + \
        rec(tcp_frame(sp, 80, isn + 10, 0, "R"), FIX) + \
        rec(tcp_frame(sp, 80, isn + 5, 0, "S"), FIX) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "R"), FIX)
    s["tcp_ack_unsent"] = bytes([CFG_ARP]) + b"".join(hs) + \
        rec(tcp_frame(sp, 80, isn + 1, 1000, "A", b"x" * 10), FIX | AUTO)
    # sequence numbers that wrap
    w = 0xffffff00
    s["tcp_wrap"] = bytes([CFG_ARP]) + \
        rec(tcp_frame(sp, 80, w, 0, "S", opts=opts), FIX, 1) + \
        rec(tcp_frame(sp, 80, w + 1, 0, "A"), FIX | AUTO, 1) + \
        b"".join(rec(tcp_frame(sp, 80, w + 1 + 100 * i, 0, "A", b"w" * 100),
                     FIX | AUTO, 1) for i in range(5)) + \
        rec(tcp_frame(sp, 80, w + 501, 0, "FA"), FIX | AUTO, 10)
    # malformed options
    s["tcp_bad_opts"] = bytes([CFG_ARP]) + \
        rec(tcp_frame(sp, 80, isn, 0, "S", opts=b"\x02\x00\x00\x00")) + \
        rec(tcp_frame(sp + 1, 80, isn, 0, "S", opts=b"\x02\x28\x05\xb4")) + \
        rec(tcp_frame(sp + 2, 80, isn, 0, "S", opts=b"\x08\x0a\x00\x00")) + \
        rec(tcp_frame(sp + 3, 80, isn, 0, "S", opts=b"\x03\x03\x30\x00"))
    # SYN flood (cookies), then one completes
    s["tcp_syn_flood"] = bytes([CFG_ARP]) + \
        b"".join(rec(tcp_frame(30000 + i, 80, 5000 * i, 0, "S", opts=opts), FIX)
                 for i in range(40)) + \
        rec(tcp_frame(30039, 80, 5000 * 39 + 1, 0, "A"), FIX | AUTO)
    # active open to 192.168.1.1:8080 (dport 0 = our ephemeral port)
    s["tcp_active"] = bytes([CFG_ARP | CFG_CONNECT]) + \
        rec(tcp_frame(8080, 0, 7000, 0, "SA", opts=opts), FIX | AUTO, 1) + \
        rec(tcp_frame(8080, 0, 7001, 0, "PA", b"hello"), FIX | AUTO | WRITE, 10) + \
        rec(tcp_frame(8080, 0, 7006, 0, "FA"), FIX | AUTO | CLOSE, 10) + \
        rec(tcp_frame(8080, 0, 7007, 0, "A"), FIX | AUTO, 130000)
    s["tcp_active_refused"] = bytes([CFG_ARP | CFG_CONNECT]) + \
        rec(tcp_frame(8080, 0, 0, 0, "RA"), FIX | AUTO, 1)
    s["tcp_mtu576"] = bytes([CFG_ARP | CFG_MTU576]) + b"".join(hs) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO | WRITE, 10) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO, 10)
    # ICMP errors about our TCP connection (frag needed, port unreachable)
    inner = ipv4(6, tcp(80, sp, 0, 0, "A"), src=US, dst=PEER)[:28]
    icmp_fn = struct.pack("!BBHHH", 3, 4, 0, 0, 576) + inner
    icmp_fn = icmp_fn[:2] + struct.pack("!H", csum(icmp_fn)) + icmp_fn[4:]
    s["tcp_icmp_fragneeded"] = bytes([CFG_ARP]) + b"".join(hs) + \
        rec(eth(ipv4(1, icmp_fn)), FIX | WRITE) + \
        rec(tcp_frame(sp, 80, isn + 1, 0, "A"), FIX | AUTO, 10)
    return s


def ipc_seeds():
    def hdr(t, payload, ver=1, seq=1, res=0, ln=None):
        return struct.pack("<HHIIi", ver, t, ln if ln is not None else
                           16 + len(payload), seq, res) + payload
    s = {}
    s["req_socket"] = b"\0" + hdr(1, struct.pack("<iI", 1, 0))
    s["req_bind"] = b"\0" + hdr(2, struct.pack("<IHH", 0, 0x5000, 0))
    s["req_listen"] = b"\0" + hdr(3, struct.pack("<iI", 16, 0))
    s["req_setsockopt"] = b"\0" + hdr(10, struct.pack("<iiII", 1, 2, 4, 0) +
                                      struct.pack("<i", 1))
    s["req_sendto"] = b"\0" + hdr(12, struct.pack("<IHHiI", 0x0101a8c0, 0x3500,
                                                  0, 0, 5) + b"hello")
    s["req_stats"] = b"\0" + hdr(14, b"")
    s["req_limits"] = b"\0" + hdr(19, struct.pack("<IIQ", 8, 0, 1 << 20))
    s["req_badlen"] = b"\0" + hdr(1, struct.pack("<iI", 1, 0), ln=100)
    s["resp_accept"] = b"\x01" + struct.pack("<H", 4) + b"\x18" + \
        hdr(4, b"\0" * 24)
    s["resp_error"] = b"\x01" + struct.pack("<H", 5) + b"\x00" + \
        hdr(5, b"", res=-111)
    shm = struct.pack("<IIIIIIII", 0x41455348, 1, 4096 + 8192, 4096, 4096,
                      4096, 8192, 0) + b"\0" * (64 * 3 - 32)
    ops = b"".join(struct.pack("<BI", k, v) for k, v in
                   [(0, 100), (1, 50), (0, 4000), (3, 4096), (5, 1 << 31)])
    s["shm_rings"] = b"\x02" + struct.pack("<I", 4096 + 8192)[:3] + shm + ops
    s["shm_norings"] = b"\x02" + struct.pack("<I", 4096)[:3] + \
        struct.pack("<IIIIIIII", 0x41455348, 1, 4096, 0, 0, 0, 0, 0)
    return s


def s2s_seeds():
    """fuzz_s2s: size byte, config byte, then one decision per frame
    (<0xc0 deliver, <0xe0 drop, <0xf0 duplicate, <0xf8 reorder, <0xfc flip
    a byte (+1 byte), else let the clock run (+1 byte ms))."""
    D, X, DUP, RO, FLIP, CLK_ = 0x00, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc
    s = {}
    s["clean_small"] = bytes([0, 0])
    s["clean_big_smallbuf"] = bytes([255, 1])
    s["lose_syn"] = bytes([8, 0, X, D, D])
    s["lose_every_5th"] = bytes([100, 0]) + bytes([D, D, D, D, X] * 60)
    s["lose_burst"] = bytes([100, 0]) + bytes([D] * 8 + [X] * 12 + [D] * 40)
    s["dup_reorder"] = bytes([100, 0]) + bytes([D, DUP, RO, D, RO, DUP] * 40)
    s["corrupt"] = bytes([60, 0]) + bytes([D, D, FLIP, 40, D, FLIP, 3] * 30)
    s["slow_link"] = bytes([60, 0]) + bytes([D, CLK_, 150, D, CLK_, 250] * 30)
    s["mtu576_loss"] = bytes([200, 2]) + bytes([D, D, X, D, RO, D, D] * 60)
    s["smallbuf_loss"] = bytes([200, 1]) + bytes([D, D, D, X, DUP] * 80)
    s["duplex_clean"] = bytes([100, 4])
    s["duplex_loss"] = bytes([150, 4]) + bytes([D, D, X, D, RO, D, DUP] * 60)
    s["duplex_smallbuf_slow"] = bytes([200, 5]) + \
        bytes([D, CLK_, 50, D, X, D, D] * 50)
    return s


def vnet_seeds():
    """fuzz_vnet: a virtio_net_hdr (10 bytes, little endian) + a frame."""
    def hdr(flags=0, gso=0, hdr_len=0, gso_size=0, start=0, off=0):
        return struct.pack("<BBHHHH", flags, gso, hdr_len, gso_size, start, off)
    seg = tcp_frame(40000, 80, 1000, 1, "A", data=b"x" * 3000)
    dgram = eth(ipv4(17, udp(5000, 53, b"q" * 40)))
    s = {}
    s["plain"] = hdr() + seg
    s["data_valid"] = hdr(flags=2) + seg
    s["csum_partial"] = hdr(flags=1, hdr_len=54, start=34, off=16) + seg
    s["tso4"] = hdr(flags=1, gso=1, hdr_len=54, gso_size=1448, start=34,
                    off=16) + seg
    s["tso4_ecn"] = hdr(flags=1, gso=0x81, hdr_len=54, gso_size=1448,
                        start=34, off=16) + seg
    s["udp_partial"] = hdr(flags=1, hdr_len=42, start=34, off=6) + dgram
    s["bad_offset"] = hdr(flags=1, start=34, off=6) + seg
    s["uso"] = hdr(flags=1, gso=5, gso_size=8, start=34, off=6) + dgram
    s["short"] = hdr()[:7]
    return s


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen_corpus.py OUTDIR")
    for sub, table in (("frame", seeds()), ("ipc", ipc_seeds()),
                       ("s2s", s2s_seeds()), ("vnet", vnet_seeds())):
        d = os.path.join(sys.argv[1], sub)
        os.makedirs(d, exist_ok=True)
        for name, data in table.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
