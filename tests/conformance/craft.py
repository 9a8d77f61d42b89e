#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Send crafted frames to Aether on a TAP and report whether it answered.

Run inside the lab namespace (the kernel side of aether0):

    craft.py [--iface aether0] [--mac 02:ae:c0:a8:01:02] [--count 3]
             [--pid PID --log FILE] CASE[=GROUP.COUNTER] ...

Each CASE is an ICMP echo request (or a UDP datagram) made malformed in one
way; --count frames of it go out with sendp(). A sniffer started before the
first frame watches for answers from 192.168.1.2: a case that expects one
(good, udp_closed) waits until --count answers came or --wait seconds passed,
the others wait --wait seconds. With --pid and --log (aetherd's PID and its
stderr log), COUNTER is read before and after the case from aetherd's SIGUSR1
counter dump. One line per case:

    CASE reply N|noreply [COUNTER BEFORE AFTER]

A frame shorter than an Ethernet header cannot be sent this way: the kernel
pads what a packet socket sends to a whole header (the unit suite covers runts).

Exit status 0 (a reply is not an error here: the caller decides what it
expects); 2 when a counter dump could not be read.

Cases:
  good        a well-formed echo request (the control: it must get replies)
  bad_csum    IP header checksum wrong
  truncated   the frame ends 10 bytes into the IP header
  ihl_lt5     IHL = 4 (a 16-byte header, impossible)
  len_beyond  IP total length 100 bytes more than the frame carries
  bad_version IP version 6 in an IPv4 ethertype frame
  wrong_mac   a unicast destination MAC that is not ours
  udp_closed  UDP to a port nobody listens on (answer: port unreachable)
  ipv6_type   an echo request in a frame of ethertype 0x86dd (not spoken)
  arp_other   an ARP request for 192.168.1.99, not our address
  arp_ours    an ARP request for our address (the control: it must get replies)
"""
import argparse
import os
import signal
import sys
import time

from scapy.all import (ARP, AsyncSniffer, Ether, ICMP, IP, UDP, Raw, conf,
                       get_if_hwaddr, sendp)

conf.verb = 0
SRC = "192.168.1.1"
DST = "192.168.1.2"


def echo(ident, seq):
    return IP(src=SRC, dst=DST) / ICMP(type=8, id=ident, seq=seq) / \
        Raw(b"aether-conformance-" + bytes([seq % 256]) * 16)


def build(case, ident, seq, ours, src_mac):
    eth = Ether(src=src_mac, dst=ours, type=0x0800)
    if case == "good":
        return eth / echo(ident, seq)
    if case == "bad_csum":
        pkt = echo(ident, seq)
        pkt = IP(bytes(pkt))  # computes the right checksum
        pkt.chksum ^= 0x5555
        return eth / pkt
    if case == "truncated":
        return eth / Raw(bytes(echo(ident, seq))[:10])
    if case == "ihl_lt5":
        raw = bytearray(bytes(echo(ident, seq)))
        raw[0] = 0x44
        return eth / Raw(fix_csum(raw))
    if case == "len_beyond":
        raw = bytearray(bytes(echo(ident, seq)))
        tot = int.from_bytes(raw[2:4], "big") + 100
        raw[2:4] = tot.to_bytes(2, "big")
        return eth / Raw(fix_csum(raw))
    if case == "bad_version":
        raw = bytearray(bytes(echo(ident, seq)))
        raw[0] = 0x65
        return eth / Raw(fix_csum(raw))
    if case == "wrong_mac":
        return Ether(src=src_mac, dst="02:ae:00:00:00:99") / echo(ident, seq)
    if case == "ipv6_type":
        return Ether(src=src_mac, dst=ours, type=0x86dd) / echo(ident, seq)
    if case in ("arp_other", "arp_ours"):
        return Ether(src=src_mac, dst="ff:ff:ff:ff:ff:ff") / \
            ARP(op=1, hwsrc=src_mac, psrc=SRC,
                pdst="192.168.1.99" if case == "arp_other" else DST)
    if case == "udp_closed":
        return eth / IP(src=SRC, dst=DST) / \
            UDP(sport=40000 + seq, dport=9) / Raw(b"anyone there?")
    raise SystemExit("craft.py: unknown case " + case)


def fix_csum(raw):
    """Recompute the header checksum over the first 20 bytes (or IHL*4)."""
    hl = max(20, (raw[0] & 0x0f) * 4)
    raw[10:12] = b"\0\0"
    s = 0
    for i in range(0, hl, 2):
        s += raw[i] << 8 | raw[i + 1]
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    raw[10:12] = (~s & 0xffff).to_bytes(2, "big")
    return bytes(raw)


def is_answer(case, ident, p):
    if case.startswith("arp_"):
        return ARP in p and p[ARP].op == 2 and p[ARP].psrc in (DST, "192.168.1.99")
    if IP not in p or p[IP].src != DST:
        return False
    if case == "udp_closed":
        return ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 3
    return ICMP in p and p[ICMP].type == 0 and p[ICMP].id == ident


def read_stats(pid, log, timeout=20.0):
    """Ask aetherd for a counter dump (SIGUSR1); return {name: value}."""
    def ends():
        with open(log, errors="replace") as f:
            return [ln.strip() for ln in f
                    if ln.startswith("aetherd: stats end ")]
    n = len(ends()) + 1
    os.kill(pid, signal.SIGUSR1)
    deadline = time.time() + timeout
    while "aetherd: stats end %d" % n not in ends():
        if time.time() > deadline:
            raise SystemExit(2)
        time.sleep(0.05)
    out, on = {}, False
    with open(log, errors="replace") as f:
        for ln in f:
            ln = ln.strip()
            if ln == "aetherd: stats begin %d" % n:
                on = True
            elif ln == "aetherd: stats end %d" % n:
                break
            elif on and " " in ln:
                k, v = ln.split(" ", 1)
                out[k] = int(v) if v.isdigit() else -1
    return out


def run_case(a, case, ident, src_mac, got):
    del got[:]
    for seq in range(1, a.count + 1):
        sendp(build(case, ident, seq, a.mac, src_mac), iface=a.iface)
    deadline = time.time() + a.wait
    expect = case in ("good", "udp_closed", "arp_ours")
    while time.time() < deadline:
        if expect and sum(is_answer(case, ident, p) for p in got) >= a.count:
            break
        time.sleep(0.05)
    return sum(is_answer(case, ident, p) for p in list(got))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", default="aether0")
    ap.add_argument("--mac", default="02:ae:c0:a8:01:02")
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--wait", type=float, default=1.5)
    ap.add_argument("--pid", type=int)
    ap.add_argument("--log")
    ap.add_argument("cases", nargs="+", metavar="CASE[=COUNTER]")
    a = ap.parse_args()
    src_mac = get_if_hwaddr(a.iface)
    got = []
    sn = AsyncSniffer(iface=a.iface, store=False, prn=got.append,
                      lfilter=lambda p: (IP in p and p[IP].src == DST) or
                      (ARP in p and p[ARP].op == 2))
    sn.start()
    time.sleep(0.3)
    for i, spec in enumerate(a.cases):
        case, _, counter = spec.partition("=")
        ident = (os.getpid() + i) & 0xffff
        before = read_stats(a.pid, a.log).get(counter, -1) \
            if counter and a.pid else None
        n = run_case(a, case, ident, src_mac, got)
        line = "%s %s" % (case, "reply %d" % n if n else "noreply")
        if before is not None:
            after = read_stats(a.pid, a.log).get(counter, -1)
            line += " %s %d %d" % (counter, before, after)
        print(line, flush=True)
    sn.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
