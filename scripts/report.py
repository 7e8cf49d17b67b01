#!/usr/bin/env python3
"""The judge: reads the KTAP documents a run wrote and tests/expectations,
prints a table of test x phase, the problems, the mutants caught and the
closing line `N passed, N failed, N skipped`, and sets the exit status.
`report.py --joint FILE...` joins runs of several architectures (each
judged on its own, with --save FILE) into one table and one closing line.

It is the only judge (the runner records, this decides), and it judges the
whole tree: every node of a required phase must be listed in the
expectations and every listed test must have run, so a test that vanishes,
appears, stops early or crashes after its last result fails the run just like
one that fails. Exit 0 only if nothing failed and every mutant was caught.
"""
import argparse
import json
import math
import re
import shlex
import statistics
import sys

import ktap

# Phases that are not a configuration of the kernel and module; the others
# (none, merged, seed, wp-only, the mutants) share the configurations table.
EXTRAS = ["setup", "hostile", "fuzz", "stress", "bench", "unfixed", "soak", "host"]
# The phases an expectations file may name, unless --known says otherwise.
PHASES = ["setup", "none", "merged", "seed", "wp-only", *EXTRAS[1:]]
SECTION = re.compile(r"\[(.*)\]$")
SKIP_WORD = re.compile(r"skip\b\s*", re.I)
# What EXPECT_GATE_CONSULTED (tests/rwp_lib.h) prints when its check passes.
REACHED = re.compile(r"rwp: reached (\w+)$")
# The model checker's line per seed (tests/rwp_model_test.c). Only yes is a
# mismatch found; the others say the seed proved nothing.
MODEL = re.compile(r"model: seed=(?P<seed>\d+) mode=(?P<mode>\S+) ops=(?P<ops>\d+) "
                   r"seconds=(?P<seconds>[\d.]+) mismatch=(?P<mismatch>yes|no|crashed|hung|broken|cut)\b")
MODEL_BROKEN = {
    "crashed": ("the model's executor crashed (not a mismatch)", "CRASH"),
    "hung": ("the model's executor hung and was killed (not a mismatch)", "HANG"),
    "broken": ("an operation of the model could not run as meant (not a mismatch)", "BROKEN"),
    "cut": ("the seed stopped on the clock before its operation count (not a mismatch)", "CUT"),
}
# How a program ended, in its result line's directive: the guest runner
# writes exit=N (a Python returncode: -N for signal N), then maybe
# "killed after 900s"; the kernel's kselftest runner exit=N or "TIMEOUT N seconds".
EXIT = re.compile(r"exit=(-?\d+)\b")
STOPPED = re.compile(r"\bkilled\b|\bTIMEOUT\b")
# What a failed kselftest_harness program exits with (KSFT_FAIL).
HARNESS_FAILED = "exit=1"
# kselftest_harness.h's __wait_for_test() lines for a test process that died
# rather than failed. Not "Test terminated by assertion": that is SIGABRT,
# how every failed ASSERT_*() ends (__bail() calls abort()).
HARNESS_CRASH = re.compile(r"Test terminated unexpectedly by signal|Test terminated by timeout|"
                           r"Test ended in some other way")
# Results KTAP marks as not what they seem: none of them is a pass.
NOT_A_PASS = re.compile(r"(TODO|XFAIL|XPASS)\b", re.I)
VERDICTS = {"pass": None, "fail": "marker", "skip": "reason"}  # word: what it needs
# The architectures a run can be of (scripts/env.sh's ARCH), which qualify
# a verdict: ARCH:PHASE=VERDICT, or ARCH=VERDICT for every phase of the section.
ARCHES = ["x86_64", "arm64", "riscv64"]


def label(phase, path):
    return f"{phase}/{path}" if path else phase


def section_tests(path, phase):
    """The tests a section of exactly [PHASE] lists in the expectations at
    path, in file order: [(program, test)], a test by its harness's full
    name (FIXTURE.VARIANT.TEST of PROGRAM/FIXTURE.VARIANT.TEST, global.TEST
    for a TEST(): what the harness's -r takes). For a phase whose boot runs
    just its own tests (unfixed), so that they are named once."""
    tests, section = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            tokens = shlex.split(line, comments=True)
            if not tokens:
                continue
            if tokens[0].startswith("["):
                section = " ".join(tokens)
            elif section == f"[{phase}]" and "/" in tokens[0]:
                program, _, node = tokens[0].partition("/")
                tests.append((program, node))
    return tests


class Expectations:
    """tests/expectations as {(phase, path): (verdict, text)}, and every
    error in it with its file:line (each one fails the run)."""

    def __init__(self, path, known, groups=None, arch=ARCHES[0]):
        self.known, self.arch = known, arch
        self.groups = groups or {}  # name -> the phases @name stands for in a header
        self.cells, self.at, self.first_line, self.errors = {}, {}, {}, []
        self.verdict_at = {}  # (phase, path) -> file:line of an explicit verdict
        self.guards = {}  # path -> why no mutant can make it fail
        self.sections = []  # (phases, paths) in file order
        self.likes = []  # (where, n, section, path, original): path like=original
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            self.errors.append(f"{path}: cannot read the expectations: {e.strerror}")
            return
        section, grouped = None, []
        for n, line in enumerate(text.splitlines(), 1):
            where = f"{path}:{n}"
            try:
                tokens = shlex.split(line, comments=True)
            except ValueError as e:
                self.errors.append(f"{where}: {e}")
                continue
            if not tokens:
                continue
            if tokens[0].startswith("["):
                section = self.section(where, " ".join(tokens))
                self.sections.append((section, []))
            elif section is None:
                self.errors.append(f"{where}: a test before any [section]")
            elif tokens[0].startswith("@"):
                grouped.append((where, n, section, len(self.sections) - 1, tokens))
            else:
                self.line(where, n, section, tokens)
                self.sections[-1][1].append(tokens[0])
        for args in grouped:
            self.expand(*args)
        for like in self.likes:
            self.copy(*like)
        self.check_parents()

    def expand(self, where, n, section, index, tokens):
        """@GROUP/REST: the line for each member's path MEMBER/REST, except
        a member's path that a line of its own lists (it has the last word)."""
        group, _, rest = tokens[0][1:].partition("/")
        if group not in self.groups:
            self.errors.append(f"{where}: unknown group @{group} "
                               f"(known: {' '.join('@' + g for g in self.groups)})")
            return
        for member in self.groups[group]:
            path = "/".join(x for x in (member, rest) if x)
            if any((phase, path) in self.at for phase in section):
                continue
            self.line(where, n, section, [path, *tokens[1:]])
            self.sections[index][1].append(path)

    def section(self, where, text):
        m = SECTION.match(text)
        phases = []
        for word in m.group(1).split() if m else []:
            if not word.startswith("@"):
                phases.append(word)
            elif word[1:] in self.groups:
                phases += self.groups[word[1:]]
            else:
                self.errors.append(f"{where}: unknown group {word} "
                                   f"(known: {' '.join('@' + g for g in self.groups)})")
        phases = list(dict.fromkeys(phases))
        if not phases:
            self.errors.append(f"{where}: a section header is [PHASE ...], not {text}")
        unknown = [p for p in phases if p not in self.known]
        if unknown:
            self.errors.append(f"{where}: unknown phase {' '.join(unknown)} "
                               f"(known: {' '.join(self.known)})")
        return phases

    def line(self, where, n, section, tokens):
        """PATH [PHASE=VERDICT ...]: every phase of the section, pass by
        default. A verdict for this run's architecture (ARCH:PHASE=, or
        ARCH= for every phase) has the last word; one for another is checked
        and then set aside."""
        path, verdicts = tokens[0], {p: ("pass", "") for p in section}
        if "" in path.split("/"):
            self.errors.append(f"{where}: an empty component in the path {path!r}")
        named = set()
        rest = []
        for tok in tokens[1:]:
            head, eq, verdict = tok.partition("=")
            arch, colon, phase = head.rpartition(":")
            if not colon and head in ARCHES:
                arch, phase = head, None
            if not arch:
                rest.append(tok)
            elif arch not in ARCHES:
                self.errors.append(f"{where}: unknown architecture {arch!r} in {tok!r} "
                                   f"(known: {' '.join(ARCHES)})")
            elif phase is not None and phase not in section:
                self.errors.append(f"{where}: phase {phase} is not in this section "
                                   f"[{' '.join(section)}]")
            else:
                rest.append((arch, [phase] if phase else section, verdict))
        for tok in sorted(rest, key=lambda t: isinstance(t, tuple)):
            if isinstance(tok, tuple):
                arch, phases, verdict = tok
                word, colon, text = verdict.partition(":")
                error = self.verdict_error(word, colon, text, f"{arch}:{phases[0]}")
                if error:
                    self.errors.append(f"{where}: {error}")
                elif arch == self.arch:
                    for phase in phases:
                        verdicts[phase] = (word, text)
                        self.verdict_at[(phase, path)] = where
                continue
            phase, eq, verdict = tok.partition("=")
            word, colon, text = verdict.partition(":")
            if phase == "like" and eq:
                if len(tokens) > 2:
                    self.errors.append(f"{where}: like=PATH takes nothing else on its line")
                else:
                    self.likes.append((where, n, section, path, verdict))
                continue
            if phase == "guard" and eq:
                if verdict:
                    self.guards[path] = verdict
                else:
                    self.errors.append(f'{where}: guard without its reason: guard="..."')
                continue
            if not eq:
                error = f"expected PHASE=VERDICT, got {tok!r}"
            elif phase not in section:
                error = f"phase {phase} is not in this section [{' '.join(section)}]"
            elif phase in named:
                error = f"two verdicts for {phase}"
            else:
                error = self.verdict_error(word, colon, text, phase)
            if error:
                self.errors.append(f"{where}: {error}")
            else:
                named.add(phase)
                verdicts[phase] = (word, text)
                self.verdict_at[(phase, path)] = where
        again = [p for p in verdicts if (p, path) in self.at]
        if again:
            self.errors.append(f"{where}: duplicate: {path} is already listed for "
                               f"{' '.join(again)} at line {self.at[(again[0], path)]}")
        for phase, verdict in verdicts.items():
            self.cells.setdefault((phase, path), verdict)
            self.at.setdefault((phase, path), n)
        self.first_line.setdefault(path, n)

    @staticmethod
    def verdict_error(word, colon, text, phase):
        """What is wrong with VERDICT in PHASE=VERDICT, or None."""
        if word not in VERDICTS:
            return f'unknown verdict {word!r}: pass, fail:"MARKER" or skip:"REASON"'
        if VERDICTS[word] and not text:
            return f'{word} without its {VERDICTS[word]}: {phase}={word}:"..."'
        if not VERDICTS[word] and colon:
            return f"pass takes no text: {phase}={word}{colon}{text}"
        return None

    def copy(self, where, n, section, path, original):
        """PATH like=ORIGINAL: the same program under another name (the
        upstream copy of a test): each of ORIGINAL's subtests in this
        section's phases is PATH's too, with the same verdict."""
        rows = {(p, x[len(original):]): v for (p, x), v in self.cells.items()
                if p in section and x.startswith(original + "/")}
        if not rows:
            self.errors.append(f"{where}: like={original}: no subtest of {original} is "
                               f"listed for {' '.join(section)}")
        for (phase, rest), verdict in rows.items():
            self.cells[(phase, path + rest)] = verdict
            self.at[(phase, path + rest)] = n
            self.first_line.setdefault(path + rest, n)
            if original + rest in self.guards:
                self.guards[path + rest] = self.guards[original + rest]

    def check_parents(self):
        """A listed path with listed subtests is judged by its structure: a
        verdict on it would never be looked at."""
        for (phase, path), where in self.verdict_at.items():
            if any(p == phase and x.startswith(path + "/") for p, x in self.cells):
                self.errors.append(f"{where}: {path} has subtests listed under {phase}, "
                                   "so it takes no verdict: put it on them")

    def reach(self, required):
        """Every test can fail: in a section where some test must fail under
        a mutant, every other test must too under one, or be labelled a
        regression guard with the reason; and every mutant this run requires
        must be caught by at least two tests."""
        problems, caught_by = [], {}
        for phases, paths in self.sections:
            failing = {x for x in paths if any(self.cells.get((p, x), ("",))[0] == "fail"
                                               for p in phases)}
            if not failing:
                continue
            for x in paths:
                parent = any(y.startswith(x + "/") for y in paths)
                if not parent and x not in failing and x not in self.guards:
                    problems.append(f"{x} fails under no mutant and is not labelled a "
                                    'regression guard (guard="why")')
        for (phase, path), (word, _) in self.cells.items():
            if word == "fail":
                caught_by.setdefault(self.mutant(phase, path), []).append((phase, path))
        for mutant, cells in caught_by.items():
            if mutant in required and len(cells) < 2:
                problems.append(f"mutant {mutant} is caught by {len(cells)} test(s), "
                                "not at least two")
        return problems, caught_by

    def only(self, names):
        """A run of some of each configuration's tests (make sanitize: the
        model checker's): the others are not required of it."""
        for phase, path in list(self.cells):
            if phase not in EXTRAS and path.split("/", 1)[0] not in names:
                del self.cells[(phase, path)]

    def mutant(self, phase, path):
        """The mutant a fail cell catches: its phase, or, in an extra that runs
        under each configuration in turn (fuzz), the one its path starts with."""
        first = path.split("/", 1)[0]
        return first if first in self.known else phase

    def mutants(self, required):
        return sum(v[0] == "fail" and p in required for (p, _), v in self.cells.items())


def read_ktap(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return None
    return ktap.parse(text) if text.strip() else None


def structure(node):
    """What is wrong with the document under a node, as a document."""
    causes = list(node.errors)
    if node.plan is None:
        causes.append("no plan (1..N)")
    elif node.plan != len(node.children):
        causes.append(f"plan 1..{node.plan} but {len(node.children)} results")
    return causes


class Judge:
    """Judges every node, keeping each cell's text and every failure as one
    problem line: failed is len(problems), so the count cannot drift."""

    def __init__(self, expect, required):
        self.expect, self.required = expect, required
        self.cells, self.problems = {}, []  # cells: (phase, path) -> text
        self.passed = self.skipped = self.caught = 0
        self.skipped_trees = set()  # (phase, path) of skips that cover a subtree
        self.reached = {}  # (phase, call site) -> tests whose checks saw it consulted
        self.sites = {}  # phase -> the call sites its counters list
        self.model = {}  # (phase, seed) -> (operations, seconds, mismatch found)

    def fail(self, problem, cell="FAIL", tail=()):
        self.problems.append(problem + "".join(f"\n      | {line}" for line in tail))
        return cell

    def ok(self, cell):
        self.passed += 1
        return cell

    def documents(self, paths):
        """The top-level tests of all documents are the phases: each required
        one exactly once, no other."""
        found = {}
        for path in paths:
            root = read_ktap(path)
            if root is None:
                self.fail(f"no KTAP document at {path} (the guest did not finish?)")
                continue
            for cause in structure(root):
                self.fail(f"{path}: {cause}")
            for node in root.children:
                if node.name not in self.required:
                    self.fail(f"unlisted phase {node.name} (in {path}; this run does not require it)")
                elif node.name in found:
                    self.fail(f"phase {node.name} appears twice ({found[node.name]} and {path})")
                else:
                    found[node.name] = path
                    self.node(node.name, "", node)
        for phase in self.required:
            if phase not in found:
                self.cells[(phase, "")] = self.fail(f"missing phase {phase} (did not run)", "MISSING")
        self.missing()

    def node(self, phase, path, node):
        key, where = (phase, path), label(phase, path)
        if key in self.cells:
            self.fail(f"{where}: appears twice")
            return
        verdict = self.expect.cells.get(key, ("pass", ""))
        if path and key not in self.expect.cells:
            cell = self.fail(f"unlisted test {where} (not in the expectations)", "UNLISTED")
        elif node.status == "skip":  # the whole subtree is one skip
            self.skipped_trees.add(key)
            cell = self.leaf(where, node, verdict)
        elif node.children is not None or not path:
            cell = self.parent(where, node, verdict, phase=not path)
        else:
            cell = self.leaf(where, node, verdict)
            for line in node.diagnostics:
                m = REACHED.search(line)
                if m:
                    self.reached.setdefault((phase, m.group(1)), set()).add(path)
                m = MODEL.search(line)
                if m:
                    self.model[(phase, m["seed"])] = m.group("ops", "seconds", "mismatch")
            if path.startswith("counters/"):
                self.sites.setdefault(phase, []).append(node.name)
        self.cells[key] = cell
        if node.children and node.status != "skip":
            for child in node.children:
                self.node(phase, f"{path}/{child.name}" if path else child.name, child)

    def parent(self, where, node, verdict, phase):
        """Judged by structure: its plan is met, its status agrees with its
        children's, and it ended as its children's results say it should."""
        children = node.children or []
        causes = structure(node) if node.children is not None else []
        if phase and not children:
            causes.append("ran no tests")
        failing = any(c.status == "not ok" for c in children)
        if node.status == "ok" and failing:
            causes.append("reports ok although a subtest failed")
        if verdict[0] != "pass":
            causes.append(f"has subtests, so its {verdict[0]} verdict cannot be judged")
        if NOT_A_PASS.match(node.directive):
            causes.append(f"not a pass: # {node.directive}")
        for cause in causes:
            self.fail(f"{where}: {cause}")
        ended = self.ended(node, failing)
        if ended:
            self.fail(f"{where}: {ended}", tail=node.diagnostics[-3:])
        return "BROKEN" if causes or ended else self.ok("pass")

    @staticmethod
    def ended(node, failing):
        """What is wrong with how a program ended, in any phase: under a
        mutant its tests fail, and then only the harness's own failure status
        says they failed rather than the program crashing, hanging or being
        killed in the middle of them."""
        directive = node.directive
        program = EXIT.match(directive) or STOPPED.search(directive)
        if failing:
            if program and directive != HARNESS_FAILED:
                return (f"crashed, timed out or was killed ({directive}), although its "
                        "failed tests could otherwise be a caught mutant")
            return None
        if node.status == "not ok":
            return (f"exited non-zero / crashed after its last result "
                    f"({directive or 'no directive'})")
        status = EXIT.match(directive)
        if STOPPED.search(directive) or (status and int(status.group(1)) != 0):
            return f"reports ok, but was killed, timed out or exited non-zero ({directive})"
        return None

    @staticmethod
    def crashed(node):
        """(cause, cell) if the test itself died or proved nothing, which no
        expectation allows: a crash is never a caught mutant."""
        if node.status == "skip":
            return None
        for line in node.diagnostics:
            m = MODEL.search(line)
            if m and m["mismatch"] in MODEL_BROKEN:
                return MODEL_BROKEN[m["mismatch"]]
            if HARNESS_CRASH.search(line):
                return (f"the test process died: {line.strip()} (a crash, not a caught "
                        "mutant)", "CRASH")
        directive = node.directive
        if STOPPED.search(directive):
            return f"timed out or was killed ({directive})", "KILLED"
        status = EXIT.match(directive)
        if status and not 0 <= int(status.group(1)) < 128:
            return f"crashed: killed by a signal ({directive})", "CRASH"
        return None

    def leaf(self, where, node, verdict):
        word, text = verdict
        tail = node.diagnostics[-3:]
        crash = self.crashed(node)
        if crash:
            return self.fail(f"{where}: {crash[0]}", crash[1], tail)
        not_a_pass = NOT_A_PASS.match(node.directive)
        if not_a_pass and node.status != "skip":
            return self.fail(f"{where}: not a pass: # {node.directive}",
                             f"{not_a_pass.group(1).upper()}!", tail)
        if word == "skip":
            if node.status != "skip":
                return self.fail(f'{where}: must skip ("{text}") but ran: {node.status}', "NOSKIP!")
            reason = SKIP_WORD.sub("", node.directive, count=1)
            if text not in reason:
                return self.fail(f"{where}: skipped, but for another reason: got '{reason}', "
                                 f"expected '{text}'", "SKIP?")
            self.skipped += 1
            return "skip"
        if node.status == "skip":
            reason = SKIP_WORD.sub("", node.directive, count=1) or "no reason given"
            return self.fail(f"{where}: skipped: {reason}", "SKIP!")
        if word == "pass":
            if node.status == "ok":
                return self.ok("pass")
            directive = f" ({node.directive})" if node.directive else ""
            return self.fail(f"{where}: failed{directive}", "FAIL", tail)
        if node.status == "ok":
            return self.fail(f'{where}: passed, but must fail with "{text}" (the mutant survived)',
                             "PASS!")
        if text in "\n".join(node.diagnostics):
            self.caught += 1
            return self.ok("fail*")
        return self.fail(f'{where}: failed, but without "{text}" (a different failure)', "FAIL?", tail)

    def site_evidence(self):
        """Each call site the module counts was reached, in every
        configuration that loaded it, by a test whose check saw it consulted."""
        for phase, sites in self.sites.items():
            for site in sites:
                if not self.reached.get((phase, site)):
                    self.fail(f"{phase}: call site {site} was reached by no test's check")

    def missing(self):
        """Every listed test of a required phase must have run, unless a skip
        above it (itself a failure) covers it."""
        for phase, path in self.expect.cells:
            parts = path.split("/")
            above = {(phase, "/".join(parts[:k])) for k in range(len(parts))}
            if (phase in self.required and (phase, path) not in self.cells
                    and not above & self.skipped_trees):
                self.cells[(phase, path)] = self.fail(
                    f"missing test {label(phase, path)} (did not run)", "MISSING")


def table(title, phases, cells, first_line):
    """Rows in the expectations' order (the phase itself first, unlisted last)."""
    seen = {path: i for i, path in enumerate(dict.fromkeys(x for p, x in cells if p in phases))}
    rows = sorted(seen, key=lambda x: (x != "", first_line.get(x, math.inf), seen[x]))
    names = [x or "(phase)" for x in rows]
    width, col = max(map(len, names)) + 2, max(max(map(len, phases)), 8) + 2
    print(f"\n== {title}")
    print(" " * width + "".join(p.ljust(col) for p in phases).rstrip())
    for path, name in zip(rows, names):
        print((name.ljust(width) + "".join(cells.get((p, path), "-").ljust(col) for p in phases)).rstrip())


def sites_table(judge):
    """Call site x configuration: how many tests' checks saw each consulted."""
    phases = list(judge.sites)
    if not phases:
        return
    sites = list(dict.fromkeys(x for p in phases for x in judge.sites[p]))
    cells = {(p, x): str(len(judge.reached.get((p, x), ()))) for p in phases for x in sites}
    table("call sites: the number of tests whose checks saw each consulted", phases, cells,
          {x: i for i, x in enumerate(sites)})


def model_table(judge):
    """Seed x configuration: where the model checker found a mismatch, as
    operations/seconds to the first one (- where it found none; CRASH, HANG
    or CUT where the seed proved nothing); then, per configuration, how many
    seeds found one and the medians over those."""
    if not judge.model:
        return
    phases = list(dict.fromkeys(p for p, _ in judge.model))
    seeds = list(dict.fromkeys(s for _, s in judge.model))
    cells = {(p, f"seed {s}"): f"{ops}/{secs}s" if found == "yes"
             else MODEL_BROKEN[found][1] if found in MODEL_BROKEN else "-"
             for (p, s), (ops, secs, found) in judge.model.items()}
    for p in phases:
        runs = [v for (q, _), v in judge.model.items() if q == p]
        hits = [(int(ops), float(secs)) for ops, secs, found in runs if found == "yes"]
        cells[(p, "found")] = f"{len(hits)}/{len(runs)}"
        if hits:
            ops, secs = zip(*hits)
            cells[(p, "median")] = f"{statistics.median(ops):g}/{statistics.median(secs):.1f}s"
    rows = [f"seed {s}" for s in seeds] + ["found", "median"]
    table("model checker: operations/seconds to each seed's first mismatch", phases, cells,
          {x: i for i, x in enumerate(rows)})


def mutants_table(expect, judge, caught_by, required):
    """Mutant x test: which tests catch each mutant, and the labelled guards."""
    rows = [(m, cells) for m, cells in caught_by.items() if m in required]
    if not rows:
        return
    print("\n== mutants: the tests that must catch each (* = caught in this run)")
    for mutant, cells in rows:
        names = [x.split("/")[-1] + ("*" if judge.cells.get((p, x)) == "fail*" else "")
                 for p, x in cells]
        print(f"{mutant} ({len(cells)}): {', '.join(names)}")
    if expect.guards:
        print("\n== regression guards: tests no mutant can make fail, and why")
        for path, why in expect.guards.items():
            print(f"{path.split('/')[-1]}: {why}")


def stages(path):
    """How long each stage of the run took, as scripts/run.sh timed it; an
    indented line is a part of the stage above it (the VM's phases)."""
    try:
        with open(path, encoding="utf-8") as f:
            rows = [(line[:len(line) - len(line.lstrip())], line.split(None, 1))
                    for line in f if line.strip()]
    except OSError:
        print(f"\n(no stages at {path})")
        return
    print("\n== stages (seconds)")
    width = max(len(indent + row[0]) for indent, row in rows) + 2 if rows else 0
    for indent, row in rows:
        print((indent + row[0]).ljust(width) + (row[1].strip() if len(row) > 1 else "?"))


def save(path, run, required, judge, expect):
    """This run's cells and counts, for a joint report of several (--joint);
    run names it there: its architecture, and its kernel unless the test one."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"run": run, "phases": required, "extras": EXTRAS,
                   "cells": [[p, x, c] for (p, x), c in judge.cells.items()],
                   "first_line": expect.first_line, "passed": judge.passed,
                   "failed": len(judge.problems), "skipped": judge.skipped,
                   "caught": judge.caught, "mutants": expect.mutants(required)}, f)


def joint(paths):
    """One table of test x (architecture, configuration) over the runs that
    --save wrote (a column per run and phase), and their counts summed:
    green only if every run was."""
    runs = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                runs.append(json.load(f))
        except (OSError, ValueError) as e:
            print(f"no run at {path}: {e}")
            return 1
    cells, first_line, columns, extras = {}, {}, [], []
    for run in runs:
        for phase in run["phases"]:
            column = f"{run['run']}:{phase}"
            (extras if phase in run["extras"] else columns).append(column)
        for phase, path, cell in run["cells"]:
            cells[(f"{run['run']}:{phase}", path)] = cell
        for path, n in run["first_line"].items():
            first_line.setdefault(path, n)
    print("== runs: " + " ".join(run["run"] for run in runs))
    for title, phases in (("configurations", columns), ("extras and host", extras)):
        if phases:
            table(title, phases, cells, first_line)
    print()
    for run in runs:
        print(f"{run['run']}: mutants caught: {run['caught']}/{run['mutants']}; "
              f"{run['passed']} passed, {run['failed']} failed, {run['skipped']} skipped")
    total = {k: sum(run[k] for run in runs) for k in ("passed", "failed", "skipped",
                                                      "caught", "mutants")}
    print(f"\nmutants caught: {total['caught']}/{total['mutants']}")
    print(f"{total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 0 if total["failed"] == 0 and total["caught"] == total["mutants"] else 1


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--joint"]:
        return joint(argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--expect", required=True, help="tests/expectations")
    ap.add_argument("--phases", nargs="+", action="extend", required=True,
                    help="the phases this run must have (repeatable)")
    ap.add_argument("--ktap", action="append", required=True, help="a KTAP document (repeatable)")
    ap.add_argument("--known", nargs="+", default=PHASES,
                    help="every phase an expectations section may name")
    ap.add_argument("--group", action="append", default=[], metavar="NAME=PHASE ...",
                    help="what @NAME stands for in a section header (repeatable)")
    ap.add_argument("--arch", default=ARCHES[0], choices=ARCHES,
                    help="the architecture the run is of (its verdicts have the last word)")
    ap.add_argument("--kernel", default="test",
                    help="the kernel the run booted (scripts/env.sh: RWP_FLAVOUR)")
    ap.add_argument("--only", nargs="+", metavar="TEST",
                    help="the run ran only these tests of each configuration (their first "
                         "path component): the expectations' others are not required")
    ap.add_argument("--stages", help="a file of NAME SECONDS lines")
    ap.add_argument("--save", metavar="FILE",
                    help="also write the cells and counts, for report.py --joint FILE...")
    ap.add_argument("--reach", action="store_true",
                    help="also require: every test can fail (under a mutant, or is a labelled "
                         "guard), every mutant is caught twice, every call site is reached")
    args = ap.parse_args(argv)
    required = list(dict.fromkeys(args.phases))
    groups = {}
    for group in args.group:
        name, _, phases = group.partition("=")
        groups[name] = phases.split()
    expect = Expectations(args.expect, list(dict.fromkeys(args.known + required)), groups,
                          args.arch)
    if args.only:
        expect.only(args.only)
    run = args.arch if args.kernel == "test" else f"{args.arch}/{args.kernel}"
    print(f"== run: {run}")
    judge = Judge(expect, required)
    for error in expect.errors:
        judge.fail(error)
    judge.documents(args.ktap)
    reach_problems, caught_by = expect.reach(required)
    if args.reach:
        judge.site_evidence()
        for problem in reach_problems:
            judge.fail(problem)

    for title, phases in (("configurations", [p for p in required if p not in EXTRAS]),
                          ("extras and host", [p for p in required if p in EXTRAS])):
        if phases:
            table(title, phases, judge.cells, expect.first_line)
    sites_table(judge)
    model_table(judge)
    mutants_table(expect, judge, caught_by, required)
    if args.stages:
        stages(args.stages)
    if judge.problems:
        print("\nProblems:")
        for problem in judge.problems:
            print(f"  - {problem}")
    failed, mutants = len(judge.problems), expect.mutants(required)
    if mutants:
        print(f"\nmutants caught: {judge.caught}/{mutants}")
    assert judge.caught == mutants or failed, "an uncaught mutant must be a failure"
    print(f"{judge.passed} passed, {failed} failed, {judge.skipped} skipped")
    if args.save:
        save(args.save, run, required, judge, expect)
    return 0 if failed == 0 and judge.caught == mutants else 1


if __name__ == "__main__":
    sys.exit(main())
