#!/usr/bin/env python3
"""Turn the guest's results into the report: a table of test x configuration,
the mutants caught, and one closing line `N passed, N failed, N skipped`.

Every cell is judged against tests/expectations: a test must pass under
every configuration except where that file says it must fail. Exit status 0
only when every cell met its expectation.
"""
import argparse
import fnmatch
import os
import re
import sys

TAP = re.compile(r"^(not )?ok \d+ (\S+)(?:\s+#\s*(SKIP|skip)\b\s*(.*))?")
KUNIT_CASE = re.compile(r"^\[[ \d.]+\]\s{2,}(not )?ok \d+ (\S+)(?:\s+#\s*SKIP\b(.*))?")
UFFD_TOTALS = re.compile(r"# Totals: pass:(\d+) fail:(\d+) .*skip:(\d+)")


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def parse_tap(text):
    """{test: ('pass'|'fail'|'skip', reason)} from kselftest_harness TAP."""
    out = {}
    for line in (text or "").splitlines():
        m = TAP.match(line)
        if m:
            if m.group(3):
                out[m.group(2)] = ("skip", m.group(4).strip())
            else:
                out[m.group(2)] = ("fail" if m.group(1) else "pass", "")
    return out


def parse_expectations(path):
    rules = []
    for line in open(path, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if line:
            pattern, *configs = line.split()
            rules.append((pattern, set(configs)))
    return rules


def must_fail(rules, test, config):
    return any(fnmatch.fnmatchcase(test, p) and config in c for p, c in rules)


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.caught = self.mutants = 0
        self.problems = []

    def judge(self, name, config, got, expect_fail, reason=""):
        """Returns the cell text and counts it."""
        if expect_fail:
            self.mutants += 1
        if got == "skip":
            self.skipped += 1
            if expect_fail:
                self.problems.append(f"{name} [{config}]: skipped, so the mutant was not tried: {reason}")
            return "skip"
        if got == "missing":
            self.failed += 1
            self.problems.append(f"{name} [{config}]: no result (crashed or not run)")
            return "MISSING"
        if expect_fail:
            if got == "fail":
                self.passed += 1
                self.caught += 1
                return "fail*"
            self.failed += 1
            self.problems.append(f"{name} [{config}]: passed, but must fail under {config}")
            return "PASS!"
        if got == "pass":
            self.passed += 1
            return "pass"
        self.failed += 1
        self.problems.append(f"{name} [{config}]: failed")
        return "FAIL"


def table(title, configs, rows):
    width = max([len(r[0]) for r in rows] + [28]) + 2
    print(f"\n== {title}")
    print("".ljust(width) + "".join(c.ljust(18) for c in configs))
    for name, cells in rows:
        print(name.ljust(width) + "".join(cells.get(c, "-").ljust(18) for c in configs))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--results", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--configs", nargs="*", default=[])
    ap.add_argument("--programs", nargs="+", required=True)
    ap.add_argument("--host", help="file of host-side checks: NAME pass|fail|skip [detail]")
    args = ap.parse_args()

    rules = parse_expectations(args.expect)
    tally = Tally()
    configs = args.configs

    # kselftests
    results = {c: {} for c in configs}
    order = []
    for c in configs:
        for prog in args.programs:
            for test, res in parse_tap(read(os.path.join(args.results, c, prog + ".tap"))).items():
                results[c][test] = res
                if test not in order:
                    order.append(test)
    rows = []
    for test in order:
        cells = {}
        for c in configs:
            got, reason = results[c].get(test, ("missing", ""))
            cells[c] = tally.judge(test, c, got, must_fail(rules, test, c), reason)
        rows.append((test, cells))
    # the tree's own RWP selftests, the baseline to beat
    cells = {}
    if not configs:
        rows = []
    for c in configs:
        rc = (read(os.path.join(args.results, c, "uffd-unit-tests.rc")) or "").strip()
        totals = UFFD_TOTALS.search(read(os.path.join(args.results, c, "uffd-unit-tests.log")) or "")
        got = "missing" if not rc else ("pass" if rc == "0" else "fail")
        cell = tally.judge("uffd-unit-tests -f rwp", c, got, False)
        if totals:
            cell = f"{cell} {totals.group(1)}/{totals.group(2)}/{totals.group(3)}"
        cells[c] = cell
    if configs:
        rows.append(("uffd-unit-tests -f rwp (p/f/s)", cells))
        table("kselftests: test x configuration (fail* = must fail there, and did)", configs, rows)

    # KUnit and counters, for the configurations that load the module
    modcfgs = [c for c in configs if c != "none"]
    kunit_rows, counter_rows, life_rows = {}, {}, {}
    for c in modcfgs:
        d = os.path.join(args.results, c)
        if os.path.exists(os.path.join(d, "insmod-failed")):
            life_rows.setdefault("insmod", {})[c] = tally.judge("insmod", c, "fail", False)
            continue
        life_rows.setdefault("insmod", {})[c] = tally.judge("insmod", c, "pass", False)
        cases = {}
        for line in (read(os.path.join(d, "kunit.log")) or "").splitlines():
            m = KUNIT_CASE.match(line)
            if m:
                cases[m.group(2)] = "skip" if m.group(3) is not None else ("fail" if m.group(1) else "pass")
        if not cases:
            cases["(no KUnit output)"] = "missing"
        for case, got in cases.items():
            kunit_rows.setdefault(case, {})[c] = tally.judge("kunit " + case, c, got, False)
        consulted = True
        for line in (read(os.path.join(d, "counters")) or "").splitlines():
            gate, asked, said = line.split()
            counter_rows.setdefault(gate, {})[c] = f"{asked}/{said}"
            consulted &= int(asked) > 0
        if not counter_rows:
            consulted = False
        life_rows.setdefault("every gate consulted", {})[c] = tally.judge(
            "every gate consulted", c, "pass" if consulted else "fail", False)
        rmmod_ok = not os.path.exists(os.path.join(d, "rmmod-failed"))
        life_rows.setdefault("rmmod, nothing left", {})[c] = tally.judge(
            "rmmod", c, "pass" if rmmod_ok else "fail", False)
    if modcfgs:
        table("KUnit suite rwp, run at each insmod", modcfgs, sorted(kunit_rows.items()))
        table("gate counters after the kselftests (asked/said)", modcfgs, sorted(counter_rows.items()))
        table("module lifecycle", modcfgs, sorted(life_rows.items()))

    # extra guest programs (hostile input, stress, bench): TAP, one column
    extra = os.path.join(args.results, "extra")
    if os.path.isdir(extra):
        rows = []
        for name in sorted(os.listdir(extra)):
            if name.endswith(".tap"):
                for test, (got, reason) in parse_tap(read(os.path.join(extra, name))).items():
                    rows.append((test, {"result": tally.judge(test, "extra", got, False, reason)}))
        if rows:
            table("hostile input, stress and bench (in the guest)", ["result"], rows)

    if args.host and os.path.exists(args.host):
        rows = []
        for line in open(args.host, encoding="utf-8"):
            name, got, *detail = line.split(None, 2)
            rows.append((name, {"result": tally.judge(name, "host", got, False, " ".join(detail))}))
        table("checks on the host", ["result"], rows)

    if tally.problems:
        print("\nProblems:")
        for p in tally.problems:
            print("  - " + p)
    if tally.mutants:
        print(f"\nmutants caught: {tally.caught}/{tally.mutants}")
    print(f"{tally.passed} passed, {tally.failed} failed, {tally.skipped} skipped")
    return 0 if tally.failed == 0 and tally.caught == tally.mutants else 1


if __name__ == "__main__":
    sys.exit(main())
