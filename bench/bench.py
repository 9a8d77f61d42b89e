#!/usr/bin/env python3
"""Helpers for bench/run.sh: parse tool output, take percentiles, print the table.

Subcommands (all read files or stdin, print one line, exit non-zero when the
input does not hold what was asked for, so the caller can fail loudly):
  pct FILE               "p50 p99 max n" of the numbers in FILE (one a line)
  ping FILE              "p50_us p99_us max_us received" from ping output
  wrk FILE               "rps p50_us p99_us requests errors" from wrk --latency
  iperf FILE             "gbit_s retransmits bytes" from iperf3 -J output
  table RESULTS META     the results table (RESULTS: key target value lines)
  plot RESULTS PREFIX    PREFIX-{throughput,requests,latency}.png (gnuplot):
                         median bars, min/max whiskers over the runs
"""
import json
import os
import re
import statistics
import subprocess
import sys


def die(msg):
    """Print MSG on stderr and exit 1."""
    print("bench.py: " + msg, file=sys.stderr)
    sys.exit(1)


def pct(values, p):
    """Nearest-rank percentile P (0..100) of VALUES (non-empty)."""
    v = sorted(values)
    k = max(1, -(-len(v) * p // 100))
    return v[int(k) - 1]


def cmd_pct(path):
    """Print p50, p99, max and the count of the numbers in PATH."""
    with open(path) as f:
        v = [float(x) for x in f.read().split()]
    if not v:
        die("no samples in " + path)
    print("%.3f %.3f %.3f %d" % (pct(v, 50), pct(v, 99), max(v), len(v)))


def cmd_ping(path):
    """Print RTT p50/p99/max in microseconds and the replies counted."""
    rtt = []
    with open(path) as f:
        for line in f:
            m = re.search(r"icmp_seq=\d+ .*time=([0-9.]+) ms", line)
            if m and "DUP" not in line:
                rtt.append(float(m.group(1)) * 1000.0)
    if not rtt:
        die("no echo replies in " + path)
    print("%.1f %.1f %.1f %d" % (pct(rtt, 50), pct(rtt, 99), max(rtt), len(rtt)))


UNITS = {"us": 1.0, "ms": 1000.0, "s": 1e6, "m": 60e6}


def wrk_time(s):
    """A wrk duration ("37.00us", "1.29ms", "1.00s") in microseconds."""
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m)", s)
    if not m:
        die("bad wrk time " + s)
    return float(m.group(1)) * UNITS[m.group(2)]


def cmd_wrk(path):
    """Print requests/s, latency p50/p99 (us), requests and errors."""
    text = open(path).read()
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    req = re.search(r"^\s*(\d+) requests in", text, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    if not (rps and req and p50 and p99):
        die("wrk output incomplete in " + path)
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                  r"timeout (\d+)", text)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        errors += int(m.group(1))
    print("%s %.1f %.1f %s %d" % (rps.group(1), wrk_time(p50.group(1)),
                                  wrk_time(p99.group(1)), req.group(1), errors))


def cmd_iperf(path):
    """Print the receiver's Gbit/s, the sender's retransmissions, the bytes."""
    try:
        d = json.load(open(path))
    except (OSError, ValueError) as e:
        die("iperf3 JSON unreadable: %s" % e)
    if d.get("error"):
        die("iperf3: " + d["error"])
    try:
        r = d["end"]["sum_received"]
        s = d["end"]["sum_sent"]
    except KeyError:
        die("iperf3 JSON has no end summary")
    if r.get("bytes", 0) <= 0:
        die("iperf3 moved no bytes")
    print("%.3f %d %d" % (r["bits_per_second"] / 1e9, s.get("retransmits", -1),
                          r["bytes"]))


# The table: key, label, unit, which way is better, targets shown.
K4 = ("kv", "kt", "ae", "em")
K3 = ("kv", "kt", "ae", "af", "aj")
KP = K3 + ("pa",)


def wrk_rows(mode, conns):
    """The rows of one wrk part: requests/s, latency p50 and p99 for each
    connection count in CONNS, keys http.MODE.cN.*"""
    rows = []
    for c in conns:
        n = "%d conn%s" % (c, "" if c == 1 else "s")
        rows += [("http.%s.c%d.rps" % (mode, c), n + ": requests/s", "req/s", "high", K4),
                 ("http.%s.c%d.p50" % (mode, c), n + ": latency p50", "us", "low", K4),
                 ("http.%s.c%d.p99" % (mode, c), n + ": latency p99", "us", "low", K4)]
    return rows


ROWS = [
    ("## ICMP echo (ping -i 0.002), round trip", None, None, None),
    ("icmp.p50", "RTT p50", "us", "low", K4),
    ("icmp.p99", "RTT p99", "us", "low", K4),
    ("icmp.max", "RTT max", "us", "low", K4),
    ("icmp.lost", "replies missing", "count", "low", K4),
    ("## TCP request/response (aether-rr ping-pong, 14 bytes, TCP_NODELAY)", None, None, None),
    ("rr.p50", "round trip p50", "us", "low", ("kv", "kt", "ae", "pa")),
    ("rr.p99", "round trip p99", "us", "low", ("kv", "kt", "ae", "pa")),
    ("rr.bp.p50", "p50, busy-poll BUSYUS us both sides", "us", "low", ("ae",)),
    ("rr.bp.p99", "p99, busy-poll BUSYUS us both sides", "us", "low", ("ae",)),
    ("## TCP connect + GET + close (curl, sequential connections)", None, None, None),
    ("conn.p50", "time_total p50", "us", "low", K4),
    ("conn.p99", "time_total p99", "us", "low", K4),
    ("## nginx, 1 KiB body, keep-alive (wrk -t2)", None, None, None),
] + wrk_rows("k1k", (50, 400)) + [
    ("http.k1k.c50.cpu", "50 conns: CPU per request, whole machine", "us", "low", K4),
    ("http.k1k.c400.cpu", "400 conns: CPU per request, whole machine", "us", "low", K4),
    ("http.k1k.c50.db", "50 conns: doorbells per request", "count", "low", ("ae",)),
    ("http.k1k.c400.db", "400 conns: doorbells per request", "count", "low", ("ae",)),
    ("http.k1k.c50.nt", "50 conns: NOTIFYs per request", "count", "low", ("ae",)),
    ("http.k1k.c400.nt", "400 conns: NOTIFYs per request", "count", "low", ("ae",)),
    ("## HTTP GET hello.html (wrk -t1), keep-alive", None, None, None),
] + wrk_rows("keep", (1, 32)) + [
    ("## HTTP GET hello.html (wrk -t1), Connection: close (a new TCP connection per request)",
     None, None, None),
] + wrk_rows("close", (1, 32, 50)) + [
    ("## Bulk throughput (one TCP connection)", None, None, None),
    ("bulk.iperf.rx", "iperf3: server receives", "Gbit/s", "high", KP),
    ("bulk.iperf.tx", "iperf3 -R: server sends", "Gbit/s", "high", KP),
    ("bulk.curl", "curl BULK MiB from nginx/httpd", "Gbit/s", "high", K4 + ("af", "aj")),
    ("bulk.cpu.rx", "CPU per GB, server receives", "jiff/GB", "low", KP),
    ("bulk.cpu.tx", "CPU per GB, server sends", "jiff/GB", "low", KP),
    ("## Impaired link (IMPAIR both ways), IMIB MiB over HTTP (curl); kernel senders use cubic",
     None, None, None),
    ("impair.tx", "server side sends: time", "s", "low", ("kt", "ae")),
    ("impair.rx", "server side receives: time", "s", "low", ("kt", "ae")),
    ("impair.tx.kdef", "sends, kernel-default KDEF (info)", "s", "low", ("kt",)),
    ("impair.tx.bbr", "server side sends, both with BBR: time", "s", "low", ("kt", "ae")),
]
COLS = [("kv", "kernel-veth"), ("kt", "kernel-tap"), ("ae", "aether"),
        ("af", "aether-nooff"), ("aj", "aether-65520"), ("pa", "pasta"),
        ("em", "embedded")]


def load_results(path):
    """Map (key, target) to a list of values, a value being float or 'FAIL'."""
    res = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3:
                continue
            key, tgt, val = parts[0], parts[1], parts[2]
            try:
                v = float(val)
            except ValueError:
                v = "FAIL"
            res.setdefault((key, tgt), []).append(v)
    return res


def cell(vals):
    """The median of VALS, 'FAIL' if any run failed, None if none ran."""
    if not vals:
        return None
    if any(v == "FAIL" for v in vals):
        return "FAIL"
    return statistics.median(vals)


def fmt(v):
    """A number in a width-friendly form."""
    if v is None:
        return "-"
    if v == "FAIL":
        return "FAIL"
    if v >= 100 or v == int(v):
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def ratio(a, b):
    """a/b as text, or '-' when either is missing or failed."""
    if not isinstance(a, float) or not isinstance(b, float) or b == 0:
        return "-"
    return "%.2fx" % (a / b)


def cmd_table(results, meta):
    """Print the table of medians and ratios, then every run's values."""
    res = load_results(results)
    m = {}
    with open(meta) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                m[k] = v
    w = 38
    head = "%-*s %-6s" % (w, "benchmark", "unit")
    for _, name in COLS:
        head += " %12s" % name
    head += " %9s %9s %10s %9s %9s" % ("ae/veth", "ae/tap", "nooff/veth",
                                       "ae/pasta", "emb/veth")
    print(head)
    print("-" * len(head))
    pending = None
    for row in ROWS:
        if row[1] is None:
            title = row[0].replace("BULK", m.get("bulk_mib", "?"))
            title = title.replace("IMPAIR", m.get("impair_spec", "?"))
            pending = title.replace("IMIB", m.get("impair_mib", "?"))
            continue
        key, label, unit, _better, tgts = row
        label = label.replace("BULK", m.get("bulk_mib", "?"))
        label = label.replace("KDEF", m.get("kernel_default_cc", "?"))
        label = label.replace("BUSYUS", m.get("busy_us", "?"))
        cells = {t: cell(res.get((key, t))) if t in tgts else None for t, _ in COLS}
        if all(v is None for v in cells.values()):
            continue    # a part not run (BENCH_ONLY)
        if pending:
            print(pending)
            pending = None
        line = "  %-*s %-6s" % (w - 2, label, unit)
        for t, _ in COLS:
            line += " %12s" % fmt(cells[t])
        line += " %9s %9s %10s %9s %9s" % (ratio(cells["ae"], cells["kv"]),
                                           ratio(cells["ae"], cells["kt"]),
                                           ratio(cells["af"], cells["kv"]),
                                           ratio(cells["ae"], cells["pa"]),
                                           ratio(cells["em"], cells["kv"]))
        print(line)
    print()
    print("Medians of %s runs each (ICMP and connect: one run of many samples)."
          % m.get("reps", "?"))
    print("Ratios are aether (or embedded) divided by kernel: above 1x is better"
          " for req/s and Gbit/s, worse for us and s.")
    errs = sorted(k for k, v in res.items() if k[0].endswith(".errors")
                  and any(isinstance(x, float) and x > 0 for x in v))
    for key, tgt in errs:
        print("note: %s on %s: wrk counted %s errors per run" %
              (key[:-7], tgt, ", ".join(fmt(x) for x in res[(key, tgt)])))
    print()
    print("Every run (key target: values in run order):")
    for (key, tgt), vals in sorted(res.items()):
        print("  %-22s %-3s %s" % (key, tgt, " ".join(fmt(x) for x in vals)))


# The plots: file suffix, title, y label, log scale, keys (label, key)
PLOTS = [
    ("throughput", "Throughput per path (bar: median; whiskers: min and max of the runs)",
     "Gbit/s", False,
     [("iperf3 rx", "bulk.iperf.rx"), ("iperf3 -R tx", "bulk.iperf.tx"),
      ("curl bulk", "bulk.curl")]),
    ("requests", "HTTP requests/s per path (median; min and max of the runs)",
     "requests/s", False,
     [("1 KiB c50", "http.k1k.c50.rps"), ("1 KiB c400", "http.k1k.c400.rps"),
      ("keep-alive c1", "http.keep.c1.rps"), ("keep-alive c32", "http.keep.c32.rps"),
      ("close c1", "http.close.c1.rps"), ("close c32", "http.close.c32.rps"),
       ("close c50", "http.close.c50.rps")]),
    ("latency", "Latency percentiles per path (median; min and max of the runs)",
     "microseconds (log)", True,
     [("ping p50", "icmp.p50"), ("ping p99", "icmp.p99"),
      ("tcp rr p50", "rr.p50"), ("tcp rr p99", "rr.p99"),
      ("wrk c1 p50", "http.keep.c1.p50"), ("wrk c1 p99", "http.keep.c1.p99"),
      ("connect p50", "conn.p50"), ("connect p99", "conn.p99")]),
]


def plot_data(res, keys):
    """The paths that have a value for KEYS, and one data line per key:
    label, then median min max per path ('?' where missing or failed)."""
    tgts = [t for t, _ in COLS
            if any(isinstance(v, float) for k in keys for v in res.get((k[1], t), []))]
    lines = []
    for label, key in keys:
        cols = ['"%s"' % label]
        for t in tgts:
            vals = res.get((key, t), [])
            if vals and all(isinstance(v, float) for v in vals):
                cols += ["%g" % statistics.median(vals), "%g" % min(vals), "%g" % max(vals)]
            else:
                cols += ["?", "?", "?"]
        if any(c != "?" for c in cols[1:]):
            lines.append(" ".join(cols))
    return tgts, lines


def cmd_plot(results, prefix):
    """Write PREFIX-NAME.png for every plot that has data (gnuplot)."""
    res = load_results(results)
    names = dict(COLS)
    for name, title, ylabel, log, keys in PLOTS:
        tgts, lines = plot_data(res, keys)
        if not tgts or not lines:
            continue
        dat = "%s-%s.dat" % (prefix, name)
        with open(dat, "w") as f:
            f.write("\n".join(lines) + "\n")
        series = ", ".join(
            "'%s' using %d:%d:%d:xtic(1) title '%s'" %
            (dat, 2 + 3 * i, 3 + 3 * i, 4 + 3 * i, names[t]) for i, t in enumerate(tgts))
        gp = "\n".join([
            "set terminal pngcairo size 1100,500 noenhanced",
            "set output '%s-%s.png'" % (prefix, name),
            "set title '%s'" % title, "set ylabel '%s'" % ylabel,
            "set datafile missing '?'", "set style data histogram",
            "set style histogram errorbars gap 2 lw 1", "set style fill solid 0.7 border -1",
            "set key outside right", "set grid ytics", "set xtics rotate by -20",
            "set logscale y" if log else "set yrange [0:*]",
            "plot " + series, ""])
        r = subprocess.run(["gnuplot"], input=gp, text=True, capture_output=True)
        os.unlink(dat)
        if r.returncode != 0:
            die("gnuplot failed on %s: %s" % (name, r.stderr.strip()))
        print("%s-%s.png" % (prefix, name))


def main():
    """Dispatch on the subcommand."""
    a = sys.argv[1:]
    if not a:
        die("usage: bench.py pct|ping|wrk|iperf FILE | table RESULTS META | plot RESULTS PREFIX")
    if a[0] == "pct" and len(a) == 2:
        cmd_pct(a[1])
    elif a[0] == "ping" and len(a) == 2:
        cmd_ping(a[1])
    elif a[0] == "wrk" and len(a) == 2:
        cmd_wrk(a[1])
    elif a[0] == "iperf" and len(a) == 2:
        cmd_iperf(a[1])
    elif a[0] == "plot" and len(a) == 3:
        cmd_plot(a[1], a[2])
    elif a[0] == "table" and len(a) == 3:
        cmd_table(a[1], a[2])
    else:
        die("bad arguments: " + " ".join(a))


if __name__ == "__main__":
    main()
