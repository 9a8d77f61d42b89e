#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Run one CPython test module and write each case's verdict to a file.

    cpython_run.py MODULE RESULTS CASE_TIMEOUT [EXCLUDE_GLOB ...]

MODULE is a module of Debian's libpython3.11-testsuite (test.test_socket,
test.test_asyncio.test_events, ...). RESULTS gets one line per event, tab
separated, flushed at once so that a case that hangs or kills the process
is still known:

    start   ID
    ok|FAIL|ERROR|skipped|xfail|xpass   ID   ONE-LINE REASON
    excluded  ID  GLOB
    end

A case whose "start" line is not followed by a verdict hung (the watchdog,
faulthandler, dumps every thread's stack to stderr and exits after
CASE_TIMEOUT seconds of one case) or crashed the interpreter. Cases that
already have a line in RESULTS are not run again, so the caller can start
this again after a hang and the module goes on from the next case.

Full tracebacks go to stderr; tests/conformance/cpython.sh keeps them.
$CPY_ONLY, when set, runs only the cases it names (fnmatch globs).
"""
import faulthandler
import fnmatch
import importlib
import os
import sys
import traceback
import unittest

from test import support


def reason_of(err):
    """One line saying why a case failed: the exception's last line."""
    lines = traceback.format_exception_only(err[0], err[1])
    text = lines[-1].strip() if lines else repr(err[1])
    return " ".join(text.split())[:200]


class LineResult(unittest.TextTestResult):
    """A TextTestResult that also writes one line per case to a file."""

    def __init__(self, out, timeout, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.out = out
        self.timeout = timeout

    def line(self, *fields):
        """Write one tab-separated line and flush it to the disk."""
        self.out.write("\t".join(f.replace("\t", " ").replace("\n", " ")
                                 for f in fields) + "\n")
        self.out.flush()

    @staticmethod
    def case_id(test):
        """The id of a case, of a subtest's parent, or of a fixture error."""
        return getattr(test, "test_case", test).id()

    def startTest(self, test):
        self.line("start", test.id())
        faulthandler.dump_traceback_later(self.timeout, exit=True)
        super().startTest(test)

    def stopTest(self, test):
        faulthandler.cancel_dump_traceback_later()
        super().stopTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.line("ok", test.id(), "")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.line("FAIL", self.case_id(test), reason_of(err))

    def addError(self, test, err):
        super().addError(test, err)
        self.line("ERROR", self.case_id(test), reason_of(err))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.line("skipped", self.case_id(test), reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.line("xfail", test.id(), reason_of(err))

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.line("xpass", test.id(), "")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is None:
            return
        kind = "FAIL" if issubclass(err[0], test.failureException) else "ERROR"
        self.line(kind, test.id(), subtest._subDescription() + " " + reason_of(err))


def flatten(suite):
    """Every case of a suite, in order."""
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from flatten(t)
        else:
            yield t


def done_ids(path):
    """Ids that already have a line in the results file (an earlier try)."""
    seen = set()
    try:
        with open(path) as f:
            for ln in f:
                parts = ln.rstrip("\n").split("\t")
                if len(parts) >= 2:
                    seen.add(parts[1])
    except FileNotFoundError:
        pass
    return seen


def select_cases(suite, seen, globs, out):
    """The cases still to run; excluded ones are written as such.

    $CPY_ONLY (blank-separated fnmatch globs on the case id), when set,
    keeps only the cases it names: one case can be rerun on its own.
    """
    only = os.environ.get("CPY_ONLY", "").split()
    keep = unittest.TestSuite()
    for t in flatten(suite):
        tid = t.id()
        if tid in seen:
            continue
        if only and not any(fnmatch.fnmatchcase(tid, g) for g in only):
            continue
        hit = next((g for g in globs if fnmatch.fnmatchcase(tid, g)), None)
        if hit:
            out.write(f"excluded\t{tid}\t{hit}\n")
            continue
        keep.addTest(t)
    out.flush()
    return keep


def main():
    """Load MODULE, run the cases not yet in RESULTS, write their verdicts."""
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    name, path, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    globs = sys.argv[4:]
    support.verbose = False
    seen = done_ids(path)
    with open(path, "a") as out:
        try:
            mod = importlib.import_module(name)
            suite = unittest.defaultTestLoader.loadTestsFromModule(mod)
        except Exception:
            traceback.print_exc()
            out.write(f"ERROR\t{name}.<import>\t{reason_of(sys.exc_info())}\nend\n")
            return 1
        todo = select_cases(suite, seen, globs, out)
        # a module's setUpModule/tearDownModule run through the suite
        runner = unittest.TextTestRunner(
            stream=sys.stderr, verbosity=2,
            resultclass=lambda *a, **k: LineResult(out, timeout, *a, **k))
        runner.run(todo)
        out.write("end\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
