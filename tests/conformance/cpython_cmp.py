#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Compare the verdicts of CPython's test cases on the kernel and on Aether.

    cpython_cmp.py --known FILE OUTDIR MODULE...

Reads OUTDIR/kernel/MODULE.res and OUTDIR/aether/MODULE.res (written by
cpython_run.py and cpython.sh), prints every case whose verdict differs,
module by module, then one check line per module ("ok cpython MODULE ..."
or "FAIL cpython MODULE ..."), the summary line

    cpython: N cases, N same, N differ (N pass on kernel but fail on aether)

and "N passed, N failed" over the modules. A case passes when its verdict
is ok or xfail; anything else on Aether (FAIL, ERROR, skipped, xpass,
HANG, CRASH, missing) where the kernel passes is a regression. A module
fails when it has a regression that FILE does not list. FILE has one case
a line: its id (an fnmatch glob is allowed), blanks, the reason; '#'
starts a comment. A module also fails when either pass ran out of time
(cpython.sh's module timeout). Exit status 1 when a module failed.
"""
import argparse
import fnmatch
import os
import sys

# most severe first: a case with several verdict lines (failed subtests,
# then a watchdog) keeps the worst
SEVERITY = ["HANG", "CRASH", "ERROR", "FAIL", "xpass", "missing", "skipped",
            "ok", "xfail"]
PASSING = {"ok", "xfail"}


def read_results(path):
    """Verdicts of one results file: ({id: (verdict, reason)}, excluded, stopped)."""
    cases, excluded, stopped = {}, set(), False
    if not os.path.exists(path):
        return cases, excluded, True
    with open(path, errors="replace") as f:
        for ln in f:
            parts = ln.rstrip("\n").split("\t")
            kind = parts[0]
            if kind in ("end", "start") or len(parts) < 2:
                if kind == "start" and len(parts) > 1:
                    cases.setdefault(parts[1], ("missing", "no verdict"))
                continue
            if kind == "modtimeout":
                stopped = True
                continue
            if kind == "excluded":
                excluded.add(parts[1])
                continue
            reason = parts[2] if len(parts) > 2 else ""
            old = cases.get(parts[1])
            if (old is None or old[0] == "missing" or
                    SEVERITY.index(kind) < SEVERITY.index(old[0])):
                cases[parts[1]] = (kind, reason)
    return cases, excluded, stopped


def read_known(path):
    """The listed differences: [(glob, reason)]."""
    known = []
    with open(path) as f:
        for ln in f:
            ln = ln.split("#", 1)[0].strip()
            if ln:
                tid, _, why = ln.partition(" ")
                known.append((tid, why.strip()))
    return known


def is_known(tid, known):
    """True if a line of the known list names this case."""
    return any(fnmatch.fnmatchcase(tid, g) for g, _ in known)


def compare(outdir, mod, known, used):
    """Print one module's differing cases; return its counts."""
    k, kex, kstop = read_results(os.path.join(outdir, "kernel", mod + ".res"))
    a, aex, astop = read_results(os.path.join(outdir, "aether", mod + ".res"))
    if not k and not a:
        print(f"--- {mod}: no results on either stack")
    ids = list(k) + [t for t in a if t not in k]
    n = same = regress = unlisted = 0
    rows = []
    for tid in ids:
        # the harness's own entries (test.MOD.<module>, .<aetherd>: a
        # death outside any case) pass where they are absent
        absent = "ok" if tid.endswith(">") else "missing"
        kv, _ = k.get(tid, (absent, ""))
        av, why = a.get(tid, ("missing", "not reached"))
        n += 1
        if kv == av:
            same += 1
            continue
        mark = ""
        if kv in PASSING and av not in PASSING:
            regress += 1
            hits = [g for g, _ in known if fnmatch.fnmatchcase(tid, g)]
            used.update(hits)
            if hits:
                mark = "known"
            else:
                unlisted += 1
                mark = "NEW"
        rows.append((kv, av, mark, tid, why))
    if rows:
        print(f"--- {mod}: kernel -> aether")
        for kv, av, mark, tid, why in rows:
            print(f"  {kv:8} {av:8} {mark:5} {tid}  {why}"[:400])
    notes = []
    if kstop:
        notes.append("kernel pass stopped early")
    if astop:
        notes.append("aether pass stopped early")
    if kex or aex:
        notes.append(f"{len(kex | aex)} excluded")
    return n, same, regress, unlisted, notes


def main():
    """Compare every module, print the checks and the summary."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--known", required=True)
    ap.add_argument("outdir")
    ap.add_argument("modules", nargs="+")
    args = ap.parse_args()
    known = read_known(args.known)
    used = set()
    tot = [0, 0, 0, 0]
    checks = []
    for mod in args.modules:
        n, same, regress, unlisted, notes = compare(args.outdir, mod, known, used)
        for i, v in enumerate((n, same, regress, unlisted)):
            tot[i] += v
        # a module that ran out of time cannot be judged: that fails it
        ok = unlisted == 0 and n > 0 and not any("stopped" in x for x in notes)
        extra = ("; " + ", ".join(notes)) if notes else ""
        checks.append((ok, f"cpython {mod}: {n} cases, {n - same} differ, "
                           f"{regress} pass on kernel only ({unlisted} not in the known list){extra}"))
    print()
    for ok, text in checks:
        print(("ok " if ok else "FAIL ") + text)
    stale = [g for g, _ in known if g not in used and
             any(g.startswith("test." + m + ".") for m in args.modules)]
    for g in stale:
        print(f"# known difference no longer seen (remove it from the list?): {g}")
    n, same, regress, unlisted = tot
    print(f"cpython: {n} cases, {same} same, {n - same} differ "
          f"({regress} pass on kernel but fail on aether)")
    if unlisted:
        print(f"cpython: {unlisted} of them NOT in {args.known}: a regression")
    bad = sum(1 for ok, _ in checks if not ok)
    print(f"{len(checks) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
