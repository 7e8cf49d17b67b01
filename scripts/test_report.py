#!/usr/bin/env python3
"""Tests of the judge (report.py) and its KTAP parser (ktap.py).

Each red case crafts documents and expectations, runs the judge as a function
and asserts the exit status and that the output names the cause; every run
also checks that the closing line agrees with the exit status. Run from the
repository root: `python3 scripts/test_report.py [-v]` or
`python3 -m unittest scripts/test_report.py`.

More scripts' tests (scripts/dmesg_scan.py) go at the end as further TestCase
classes: the scripts directory is on sys.path, and Tmp gives a temporary
directory and write().
"""
import contextlib
import io
import os
import re
import sys
import tempfile
import textwrap
import unittest
import unittest.mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import coverage_report  # noqa: E402
import ktap  # noqa: E402
import report  # noqa: E402

GUEST = """\
KTAP version 1
1..3
  KTAP version 1
  # Subtest: setup
  1..1
  ok 1 zram_swap
ok 1 setup
  KTAP version 1
  # Subtest: merged
  1..3
  ok 1 insmod
    KTAP version 1
    1..1
        KTAP version 1
        # Subtest: rwp
        1..2
        ok 1 merged_matches_stock
        ok 2 second_provider_is_busy
    ok 1 rwp
  ok 2 kunit
    TAP version 13
    1..3
    #  RUN           gup.async.process_vm_readv ...
    #            OK  gup.async.process_vm_readv
    ok 1 gup.async.process_vm_readv
    ok 2 gup.sync.process_vm_readv
    ok 3 global.prot_none_foll_force_completes
    # Totals: pass:3 fail:0 xfail:0 xpass:0 skip:0 error:0
  ok 3 rwp_gup_test
ok 2 merged
  KTAP version 1
  # Subtest: wp-only
  1..1
    TAP version 13
    1..3
    # rwp_gup_test.c:140:process_vm_readv:Expected rwp_is_protected(env->area) (1) == 0 (0)
    # rwp_gup_test.c:140:process_vm_readv:page still protected: the GUP read through the marker
    #            FAIL  gup.async.process_vm_readv
    not ok 1 gup.async.process_vm_readv
    ok 2 gup.sync.process_vm_readv
    ok 3 global.prot_none_foll_force_completes # SKIP no RWP
    # Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
  not ok 1 rwp_gup_test # exit=1
not ok 3 wp-only
"""

# As scripts/run.sh writes it: no `# Subtest:` line.
HOST = """\
KTAP version 1
1..1
  TAP version 13
  1..1
  ok 1 rustfmt
ok 1 host
"""

EXPECT = """\
# a comment, then a blank line

[setup]
zram_swap
[merged wp-only]
rwp_gup_test
rwp_gup_test/gup.async.process_vm_readv   wp-only=fail:"page still protected"
rwp_gup_test/gup.sync.process_vm_readv
rwp_gup_test/global.prot_none_foll_force_completes  wp-only=skip:"no RWP"
[merged]
insmod
kunit
kunit/rwp
kunit/rwp/merged_matches_stock
kunit/rwp/second_provider_is_busy
[seed]
insmod   seed=fail:"a phase this run does not require"
[host]
rustfmt
"""

PHASES = "setup merged wp-only host"
CLOSING = re.compile(r"(\d+) passed, (\d+) failed, (\d+) skipped")


def edit(text, old, new):
    """text with the first old replaced; old must be there, so a typo in a
    test cannot leave the document green by accident."""
    assert old in text, old
    return text.replace(old, new, 1)


def line_of(text, needle):
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


class Tmp(unittest.TestCase):
    """A temporary directory per test, and write() into it."""

    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.dir = tmp.name

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        if text is not None:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return path


class Judging(Tmp):
    """Runs the judge on crafted documents and expectations."""

    def judge(self, guest=GUEST, host=HOST, expect=EXPECT, phases=PHASES, more=(), args=()):
        """Runs report.main; a None document is a --ktap path with no file.
        more: further (name, text) documents."""
        argv = ["--expect", self.write("expectations", expect), "--phases", *phases.split()]
        for name, text in (("guest.ktap", guest), ("host.ktap", host), *more):
            argv += ["--ktap", self.write(name, text)]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = report.main(argv + list(args))
        out = out.getvalue()
        closing = CLOSING.fullmatch(out.splitlines()[-1])
        self.assertTrue(closing, out)
        self.assertEqual(rc == 0, closing.group(2) == "0", f"closing line disagrees with exit {rc}:\n{out}")
        self.counts = tuple(map(int, closing.groups()))
        return rc, out

    def red(self, *causes, **kw):
        rc, out = self.judge(**kw)
        self.assertEqual(rc, 1, out)
        for cause in causes:
            self.assertIn(cause, out)
        return out

    def green(self, **kw):
        rc, out = self.judge(**kw)
        self.assertEqual(rc, 0, out)
        return out


class JudgeTest(Judging):
    # green

    def test_green_run(self):
        out = self.green()
        self.assertIn("mutants caught: 1/1", out)
        self.assertEqual(self.counts, (18, 0, 1))
        self.assertNotIn("Problems:", out)
        self.assertRegex(out, r"rwp_gup_test/gup.async.process_vm_readv +pass +fail\*")
        self.assertRegex(out, r"rwp_gup_test/global.prot_none_foll_force_completes +pass +skip")

    def joint(self, *saved):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = report.main(["--joint", *saved])
        return rc, out.getvalue()

    def test_joint_report_of_two_architectures(self):
        x86, arm = self.write("x86.json", None), self.write("arm.json", None)
        self.green(args=["--save", x86])
        self.green(args=["--save", arm, "--arch", "arm64"])
        rc, out = self.joint(x86, arm)
        self.assertEqual(rc, 0, out)
        self.assertIn("x86_64:wp-only", out)
        self.assertIn("arm64:wp-only", out)
        self.assertIn("mutants caught: 2/2\n36 passed, 0 failed, 2 skipped", out)
        guest = edit(GUEST, "    ok 2 gup.sync.process_vm_readv", "    not ok 2 gup.sync.process_vm_readv")
        self.judge(guest=guest, args=["--save", arm, "--arch", "arm64"])
        rc, out = self.joint(x86, arm)
        self.assertEqual(rc, 1, out)
        self.assertRegex(out, r"arm64: .* [1-9]\d* failed")
        rc, out = self.joint(x86, self.write("none.json", None))
        self.assertEqual(rc, 1, out)

    def test_joint_report_names_a_sanitizers_run_by_its_kernel(self):
        x86, kasan = self.write("x86.json", None), self.write("kasan.json", None)
        self.green(args=["--save", x86])
        out = self.green(args=["--save", kasan, "--kernel", "kasan"])
        self.assertIn("== run: x86_64/kasan", out)
        rc, out = self.joint(x86, kasan)
        self.assertEqual(rc, 0, out)
        self.assertIn("x86_64/kasan:wp-only", out)
        self.assertIn("x86_64/kasan: mutants caught: 1/1", out)

    def test_only_some_tests_of_each_configuration(self):
        """make sanitize runs the model alone: --only requires just the named
        tests of each configuration (and all of the extras'), and still
        judges them, mutants included."""
        start, end = GUEST.index("  ok 1 insmod\n") + len("  ok 1 insmod\n"), GUEST.index("  ok 2 kunit\n")
        guest = GUEST[:start] + GUEST[end + len("  ok 2 kunit\n"):]
        guest = edit(guest, "  1..3\n  ok 1 insmod", "  1..2\n  ok 1 insmod")
        guest = edit(guest, "  ok 3 rwp_gup_test", "  ok 2 rwp_gup_test")
        only = ["--only", "insmod", "rwp_gup_test"]
        out = self.green(guest=guest, args=only)
        self.assertIn("mutants caught: 1/1", out)
        self.red("missing test merged/kunit", guest=guest)
        self.red("missing test merged/kunit", guest=guest, args=[*only, "kunit"])
        wrong = edit(guest, "page still protected: the GUP", "something else: the GUP")
        self.red('without "page still protected"', guest=wrong, args=only)
        self.red("unlisted test merged/insmod", guest=guest, args=only,
                 expect=edit(EXPECT, "[merged]\ninsmod\n", "[merged]\n"))

    def test_allowed_skip_is_counted_as_skipped(self):
        guest = edit(GUEST, "ok 2 gup.sync.process_vm_readv\n", "ok 2 gup.sync.process_vm_readv # SKIP no uffd\n")
        expect = edit(EXPECT, "rwp_gup_test/gup.sync.process_vm_readv\n",
                      'rwp_gup_test/gup.sync.process_vm_readv merged=skip:"no uffd"\n')
        self.green(guest=guest, expect=expect)
        self.assertEqual(self.counts, (17, 0, 2))

    def test_stages_table(self):
        out = self.green(args=["--stages", self.write("stages", "kernel 812\nvm 95\n")])
        self.assertRegex(out, r"== stages.*\nkernel +812\nvm +95\n")

    def test_stages_table_with_the_vm_phases_under_vm(self):
        out = self.green(args=["--stages", self.write("stages", "vm 95\n  setup 5\n  merged 90\n")])
        self.assertRegex(out, r"== stages.*\nvm +95\n  setup +5\n  merged +90\n")

    def test_writer_output_is_judged_green(self):
        """The runner's Writer, with programs' own output nested by raw()."""
        out = io.StringIO()
        top = ktap.Writer(out)
        top.header(2)
        setup = top.child()
        setup.header(1, "setup")
        setup.result(True, "zram_swap")
        top.result(True, "setup")
        wp = top.child()
        wp.header(1, "wp-only")
        wp.child().raw(textwrap.dedent(GUEST[GUEST.rindex("    TAP version 13"):GUEST.index("  not ok 1 rwp")]))
        wp.result(False, "rwp_gup_test", "exit=1")
        top.result(False, "wp-only")
        self.assertEqual((top.count, top.failed, wp.count, wp.failed), (2, 1, 1, 1))
        self.green(guest=out.getvalue(), phases="setup wp-only host")

    # red: the documents

    def test_missing_test(self):
        expect = edit(EXPECT, "rwp_gup_test/gup.sync.process_vm_readv\n",
                      "rwp_gup_test/gup.sync.process_vm_readv\nrwp_gup_test/gup.sync.vmsplice\n")
        out = self.red("missing test merged/rwp_gup_test/gup.sync.vmsplice (did not run)",
                       "missing test wp-only/rwp_gup_test/gup.sync.vmsplice (did not run)", expect=expect)
        self.assertRegex(out, r"rwp_gup_test/gup.sync.vmsplice +MISSING +MISSING")

    def test_unlisted_test(self):
        expect = edit(EXPECT, "kunit/rwp/second_provider_is_busy\n", "")
        out = self.red("unlisted test merged/kunit/rwp/second_provider_is_busy", expect=expect)
        self.assertRegex(out, r"kunit/rwp/second_provider_is_busy +UNLISTED")

    def test_plan_mismatch(self):
        guest = edit(GUEST, "    1..3\n    #  RUN", "    1..4\n    #  RUN")
        self.red("merged/rwp_gup_test: plan 1..4 but 3 results", guest=guest)

    def test_skip_where_pass_is_required(self):
        guest = edit(GUEST, "ok 2 gup.sync.process_vm_readv\n", "ok 2 gup.sync.process_vm_readv # SKIP no uffd\n")
        out = self.red("merged/rwp_gup_test/gup.sync.process_vm_readv: skipped: no uffd", guest=guest)
        self.assertRegex(out, r"gup.sync.process_vm_readv +SKIP!")

    def test_failure_without_its_marker(self):
        guest = edit(GUEST, "page still protected: the GUP", "page is gone: the GUP")
        out = self.red('wp-only/rwp_gup_test/gup.async.process_vm_readv: failed, but without '
                       '"page still protected"', "| #            FAIL  gup.async.process_vm_readv",
                       "mutants caught: 0/1", guest=guest)
        self.assertIn("FAIL?", out)

    def test_expected_failure_passed(self):
        guest = edit(GUEST, "    not ok 1 gup.async", "    ok 1 gup.async")
        guest = edit(guest, "  not ok 1 rwp_gup_test # exit=1\nnot ok 3", "  ok 1 rwp_gup_test\nok 3")
        out = self.red("wp-only/rwp_gup_test/gup.async.process_vm_readv: passed, but must fail",
                       "mutant survived", "mutants caught: 0/1", guest=guest)
        self.assertIn("PASS!", out)
        self.assertEqual(self.counts[1], 1)

    def test_crash_after_the_last_result(self):
        guest = edit(GUEST, "  ok 3 rwp_gup_test\nok 2", "  not ok 3 rwp_gup_test # exit=139\nnot ok 2")
        self.red("merged/rwp_gup_test: exited non-zero / crashed after its last result (exit=139)",
                 "|   # Totals: pass:3", guest=guest)
        self.assertEqual(self.counts[1], 1)

    def test_fewer_results_than_plan(self):
        guest = edit(GUEST, "    ok 3 global.prot_none_foll_force_completes\n", "")
        guest = edit(guest, "  ok 3 rwp_gup_test\nok 2", "  not ok 3 rwp_gup_test # exit=139\nnot ok 2")
        self.red("merged/rwp_gup_test: plan 1..3 but 2 results",
                 "missing test merged/rwp_gup_test/global.prot_none_foll_force_completes", guest=guest)

    def test_parent_ok_although_a_subtest_failed(self):
        guest = edit(GUEST, "  not ok 1 rwp_gup_test # exit=1", "  ok 1 rwp_gup_test")
        self.red("wp-only/rwp_gup_test: reports ok although a subtest failed", guest=guest)

    def test_empty_extra(self):
        guest = edit(GUEST, "1..3", "1..4") + "  KTAP version 1\n  # Subtest: hostile\n  1..0\nok 4 hostile\n"
        self.red("hostile: ran no tests", "missing test hostile/module.rejects_bad_policy",
                 guest=guest, expect=EXPECT + "[hostile]\nmodule.rejects_bad_policy\n",
                 phases=PHASES + " hostile")

    def test_empty_extra_file(self):
        path = os.path.join(self.dir, "hostile.ktap")
        self.red(f"no KTAP document at {path} (the guest did not finish?)",
                 "missing phase hostile (did not run)", more=[("hostile.ktap", "\n")],
                 phases=PHASES + " hostile")

    def test_missing_kunit_case(self):
        guest = edit(GUEST, "        ok 2 second_provider_is_busy\n", "")
        guest = edit(guest, "        1..2", "        1..1")
        self.red("missing test merged/kunit/rwp/second_provider_is_busy (did not run)", guest=guest)

    def test_bail_out(self):
        guest = edit(GUEST, "    ok 3 global.prot_none_foll_force_completes\n",
                     "    Bail out! cannot open /dev/userfaultfd\n")
        guest = edit(guest, "  ok 3 rwp_gup_test\nok 2", "  not ok 3 rwp_gup_test # exit=1\nnot ok 2")
        self.red(f"merged/rwp_gup_test: line {line_of(guest, 'Bail out!')}: Bail out! cannot open /dev/userfaultfd",
                 "merged/rwp_gup_test: plan 1..3 but 2 results", guest=guest)

    def test_required_phase_missing(self):
        out = self.red("missing phase seed (did not run)", "missing test seed/insmod (did not run)",
                       "mutants caught: 1/2", phases=PHASES + " seed")
        self.assertRegex(out, r"\(phase\) +pass +pass +MISSING")

    def test_missing_ktap_file(self):
        path = os.path.join(self.dir, "guest.ktap")
        self.red(f"no KTAP document at {path} (the guest did not finish?)",
                 "missing phase merged (did not run)", guest=None)

    def test_unlisted_phase(self):
        self.red("unlisted phase wp-only", phases="setup merged host")

    def test_phase_twice(self):
        self.red("phase host appears twice", more=[("again.ktap", HOST)])

    def test_skipped_phase_is_one_failure(self):
        guest = edit(GUEST, "ok 1 setup", "ok 1 setup # SKIP no zram")
        self.red("setup: skipped: no zram", guest=guest)
        self.assertEqual(self.counts[1], 1)

    def test_must_skip_but_ran(self):
        guest = edit(GUEST, "global.prot_none_foll_force_completes # SKIP no RWP",
                     "global.prot_none_foll_force_completes")
        self.red('wp-only/rwp_gup_test/global.prot_none_foll_force_completes: must skip', "NOSKIP!",
                 guest=guest)

    def test_numbering(self):
        guest = edit(GUEST, "    ok 2 gup.sync", "    ok 5 gup.sync")
        self.red(f"merged/rwp_gup_test: line {line_of(guest, 'ok 5')}: test gup.sync.process_vm_readv "
                 "is number 5, expected 2",
                 guest=guest)

    def test_guest_stopped_mid_way(self):
        guest = GUEST.split("  ok 2 kunit")[0]
        out = self.red("guest.ktap: line 8: the document merged has no result line closing it",
                       "missing test merged/rwp_gup_test (did not run)", "missing phase wp-only", guest=guest)
        self.assertRegex(out, r"\(phase\) +BROKEN +MISSING")

    # red: the expectations

    def expect_error(self, old, new, message):
        """The error names the expectations file and the line that changed."""
        expect = edit(EXPECT, old, new)
        where = next(n for n, (a, b) in enumerate(zip(EXPECT.splitlines(), expect.splitlines()), 1) if a != b)
        self.red(f"{os.path.join(self.dir, 'expectations')}:{where}: {message}", expect=expect)

    def test_expectation_with_a_phase_not_in_its_section(self):
        self.expect_error("rwp_gup_test/gup.sync.process_vm_readv\n",
                          'rwp_gup_test/gup.sync.process_vm_readv seed=fail:"x"\n',
                          "phase seed is not in this section [merged wp-only]")

    def test_expectation_fail_without_marker(self):
        for verdict in ("wp-only=fail", 'wp-only=fail:""'):
            with self.subTest(verdict):
                self.expect_error('wp-only=fail:"page still protected"', verdict, "fail without its marker")

    def test_expectation_errors(self):
        cases = [
            ("[merged wp-only]", "[merged wp_only]", "unknown phase wp_only"),
            ('wp-only=fail:"page still protected"', "wp-only=maybe", "unknown verdict 'maybe'"),
            ('wp-only=skip:"no RWP"', 'wp-only=skip:""', "skip without its reason"),
            ("rwp_gup_test/gup.sync.process_vm_readv\n", "rwp_gup_test/gup.sync.process_vm_readv merged=pass:x\n",
             "pass takes no text"),
            ("rwp_gup_test\n", "rwp_gup_test wp-only=pass\n", "rwp_gup_test has subtests listed under wp-only"),
            ("kunit/rwp\n", "kunit/rwp\nkunit/rwp\n", "duplicate: kunit/rwp is already listed for merged"),
            ("# a comment", "stray\n# a comment", "a test before any [section]"),
            ('seed=fail:"a phase this run does not require"', "seed=maybe", "unknown verdict 'maybe'"),
            ("rustfmt\n", 'rustfmt "unclosed\n', "No closing quotation"),
        ]
        for old, new, message in cases:
            with self.subTest(new):
                self.expect_error(old, new, message)


class KtapTest(unittest.TestCase):
    def test_tree_by_measured_indentation(self):
        root = ktap.parse(GUEST)
        merged = root.children[1]
        self.assertEqual([c.name for c in root.children], ["setup", "merged", "wp-only"])
        self.assertEqual((root.plan, root.errors), (3, []))
        kunit = merged.children[1]
        self.assertEqual((kunit.plan, kunit.children[0].name, kunit.children[0].plan), (1, "rwp", 2))
        self.assertEqual([c.name for c in kunit.children[0].children],
                         ["merged_matches_stock", "second_provider_is_busy"])
        self.assertIsNone(merged.children[0].children)

    def test_results_directives_and_diagnostics(self):
        wp = ktap.parse(GUEST).children[2].children[0]
        self.assertEqual((wp.status, wp.directive), ("not ok", "exit=1"))
        async_, _, skipped = wp.children
        self.assertEqual(async_.status, "not ok")
        self.assertIn("#            FAIL  gup.async.process_vm_readv", async_.diagnostics)
        self.assertEqual((skipped.status, skipped.directive), ("skip", "SKIP no RWP"))
        self.assertIn("  # Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0", wp.diagnostics)

    def test_skip_is_case_insensitive_and_other_directives_are_text(self):
        root = ktap.parse("KTAP version 1\nok 1 a # skip why\nnot ok 2 b # TODO later\nok 3\n1..3\n")
        self.assertEqual([(c.name, c.status, c.directive) for c in root.children],
                         [("a", "skip", "skip why"), ("b", "not ok", "TODO later"), ("", "ok", "")])
        self.assertEqual((root.plan, root.errors), (3, []))

    def test_errors(self):
        root = ktap.parse("KTAP version 1\nok 1 a\n1..1\nok 3 b\n")
        self.assertEqual(root.errors, ["line 4: test b is number 3, expected 2",
                                       "line 4: result b after the end of the document (its trailing plan)"])
        self.assertIsNone(ktap.parse("KTAP version 1\nok 1 a\n").plan)

    def test_writer_skip_and_raw(self):
        out = io.StringIO()
        w = ktap.Writer(out, indent=2)
        w.diag("two\nlines")
        w.result("skip", "t", "no RWP")
        w.raw("TAP version 13\n\n  indented\n")
        self.assertEqual(out.getvalue(), "  # two\n  # lines\n  ok 1 t # SKIP no RWP\n"
                                         "  TAP version 13\n\n    indented\n")
        self.assertRaises(ValueError, w.result, True, "a # b")


class ReachTest(Judging):
    """--reach: every test can fail, every mutant is caught twice, every
    call site the module counts is reached by a test's check."""

    COUNTED = edit(edit(GUEST, "  1..3\n  ok 1 insmod", "  1..4\n  ok 1 insmod"),
                   "  ok 3 rwp_gup_test\nok 2 merged", """\
  ok 3 rwp_gup_test
    KTAP version 1
    1..2
    ok 1 gup_pte # asked=3 said=1
    ok 2 gup_pmd # asked=1 said=1
  ok 4 counters
ok 2 merged""")
    EXPECTED = edit(EXPECT, "kunit/rwp/second_provider_is_busy\n",
                    "kunit/rwp/second_provider_is_busy\ncounters\ncounters/gup_pte\n"
                    "counters/gup_pmd\n")
    REACHED = edit(COUNTED, "    #            OK  gup.async.process_vm_readv\n",
                   "    # rwp: reached gup_pte\n    #            OK  gup.async.process_vm_readv\n")

    def test_unlabelled_test_that_no_mutant_fails(self):
        self.red("rwp_gup_test/gup.sync.process_vm_readv fails under no mutant and is not "
                 "labelled a regression guard", guest=self.REACHED, expect=self.EXPECTED,
                 args=["--reach"])

    def test_mutant_caught_once(self):
        self.red("mutant wp-only is caught by 1 test(s), not at least two",
                 guest=self.REACHED, expect=self.EXPECTED, args=["--reach"])

    def test_extra_fail_cell_counts_for_the_configuration_it_ran_under(self):
        path = self.write("expectations", """\
[seed]
prog/a   seed=fail:"looped"
[fuzz]
seed/fuzz/t   fuzz=fail:"looped"
merged/fuzz/t   guard="only seed loops"
""")
        expect = report.Expectations(path, ["seed", "merged", "fuzz"])
        problems, caught_by = expect.reach(["seed", "fuzz"])
        self.assertEqual(problems, [])
        self.assertEqual(caught_by, {"seed": [("seed", "prog/a"), ("fuzz", "seed/fuzz/t")]})

    def test_like_copies_each_subtests_verdict(self):
        path = self.write("expectations", """\
[merged wp-only]
prog
prog/a   wp-only=fail:"read through"
prog/b   guard="nothing reaches it"
[wp-only]
copy   like=prog
""")
        expect = report.Expectations(path, ["merged", "wp-only"])
        self.assertEqual(expect.errors, [])
        self.assertEqual(expect.cells[("wp-only", "copy")], ("pass", ""))
        self.assertEqual(expect.cells[("wp-only", "copy/a")], ("fail", "read through"))
        self.assertEqual(expect.cells[("wp-only", "copy/b")], ("pass", ""))
        self.assertNotIn(("merged", "copy/a"), expect.cells)
        self.assertEqual(expect.guards["copy/b"], "nothing reaches it")
        problems, caught_by = expect.reach(["wp-only"])
        self.assertEqual(caught_by["wp-only"], [("wp-only", "prog/a"), ("wp-only", "copy/a")])

    def test_a_group_stands_for_its_phases(self):
        path = self.write("expectations", """\
[none @mutants]
prog   wp-only=fail:"read through"
[@nope]
other
""")
        expect = report.Expectations(path, ["none", "wp-only", "seed"],
                                     {"mutants": ["wp-only", "seed"]})
        self.assertEqual(expect.cells[("seed", "prog")], ("pass", ""))
        self.assertEqual(expect.cells[("wp-only", "prog")], ("fail", "read through"))
        self.assertEqual(expect.cells[("none", "prog")], ("pass", ""))
        errors = "\n".join(expect.errors)
        self.assertIn("unknown group @nope (known: @mutants)", errors)
        self.assertIn("a section header is [PHASE ...], not [@nope]", errors)

    def test_a_group_path_is_each_members_unless_it_has_its_own(self):
        path = self.write("expectations", """\
[fuzz]
@configs/prog/t  guard="nothing reaches it"
seed/prog/t      fuzz=fail:"looped"
@nope/prog
""")
        expect = report.Expectations(path, ["fuzz"], {"configs": ["merged", "seed"]})
        self.assertEqual(expect.cells[("fuzz", "merged/prog/t")], ("pass", ""))
        self.assertEqual(expect.cells[("fuzz", "seed/prog/t")], ("fail", "looped"))
        self.assertEqual(expect.guards["merged/prog/t"], "nothing reaches it")
        self.assertNotIn("seed/prog/t", expect.guards)
        self.assertIn("unknown group @nope (known: @configs)", "\n".join(expect.errors))
        self.assertEqual(len(expect.errors), 1)

    def test_an_architectures_verdict_has_the_last_word_on_it_only(self):
        path = self.write("expectations", """\
[merged wp-only]
prog/a   wp-only=fail:"read through"  arm64=skip:"no soft-dirty"
prog/b   arm64:merged=skip:"no gup_test"  wp-only=fail:"read through"
prog/c   arm46:merged=skip:"x"  arm64:seed=pass  arm64=fail
""")
        x86 = report.Expectations(path, ["merged", "wp-only"])
        arm = report.Expectations(path, ["merged", "wp-only"], arch="arm64")
        self.assertEqual(x86.cells[("wp-only", "prog/a")], ("fail", "read through"))
        self.assertEqual(x86.cells[("merged", "prog/b")], ("pass", ""))
        self.assertEqual(arm.cells[("merged", "prog/a")], ("skip", "no soft-dirty"))
        self.assertEqual(arm.cells[("wp-only", "prog/a")], ("skip", "no soft-dirty"))
        self.assertEqual(arm.cells[("merged", "prog/b")], ("skip", "no gup_test"))
        self.assertEqual(arm.cells[("wp-only", "prog/b")], ("fail", "read through"))
        for expect in (x86, arm):
            errors = "\n".join(expect.errors)
            self.assertIn("unknown architecture 'arm46'", errors)
            self.assertIn("phase seed is not in this section", errors)
            self.assertIn('fail without its marker: arm64:merged=fail:"..."', errors)
            self.assertEqual(len(expect.errors), 3)

    def test_like_of_nothing_and_like_with_more(self):
        path = self.write("expectations", """\
[wp-only]
copy   like=nope
other  like=nope  wp-only=pass
""")
        errors = "\n".join(report.Expectations(path, ["wp-only"]).errors)
        self.assertIn("like=nope: no subtest of nope is listed for wp-only", errors)
        self.assertIn("like=PATH takes nothing else on its line", errors)

    def test_model_table(self):
        guest = edit(GUEST, "    not ok 1 gup.async.process_vm_readv\n",
                     "    # model: seed=3 mode=async ops=54 seconds=1.0 mismatch=yes\n"
                     "    not ok 1 gup.async.process_vm_readv\n")
        out = self.green(guest=guest)
        self.assertRegex(out, r"operations/seconds to each seed's first mismatch\n.*\n"
                              r"seed 3 +54/1.0s\n"
                              r"found +1/1\n"
                              r"median +54/1.0s")

    def test_model_medians_over_the_seeds_that_found_one(self):
        lines = "".join(f"    # model: seed={s} mode=async ops={o} seconds={t} mismatch={f}\n"
                        for s, o, t, f in [(1, 10, "1.0", "yes"), (2, 130, "2.0", "no"),
                                           (3, 30, "3.0", "yes"), (4, 20, "5.0", "yes")])
        guest = edit(GUEST, "    not ok 1 gup.async.process_vm_readv\n",
                     lines + "    not ok 1 gup.async.process_vm_readv\n")
        out = self.green(guest=guest)
        self.assertRegex(out, r"seed 2 +-\n(.*\n){2}found +3/4\nmedian +20/3.0s")

    def test_call_site_reached_by_no_test(self):
        out = self.red("merged: call site gup_pmd was reached by no test's check",
                       guest=self.REACHED, expect=self.EXPECTED, args=["--reach"])
        self.assertNotIn("call site gup_pte was reached by no test", out)


class CrashTest(Judging):
    """A crash, a hang or a kill is never a caught mutant, nor a pass: the
    exit status a program's result line carries, the harness's line for a
    test process that died, the model checker's executor."""

    WP = "  not ok 1 rwp_gup_test # exit=1\nnot ok 3"
    ASYNC = "    not ok 1 gup.async.process_vm_readv\n"
    ASYNC_FAIL = "    #            FAIL  gup.async.process_vm_readv\n"

    def test_crashed_program_under_a_mutant(self):
        for directive in ("exit=139", "exit=134", "exit=-9", "exit=124", "exit=2",
                          "TIMEOUT 900 seconds", "exit=1 killed after 900s"):
            with self.subTest(directive):
                guest = edit(GUEST, self.WP, f"  not ok 1 rwp_gup_test # {directive}\nnot ok 3")
                out = self.red(f"wp-only/rwp_gup_test: crashed, timed out or was killed "
                               f"({directive}), although its failed tests could otherwise be a "
                               "caught mutant", guest=guest)
                self.assertEqual(self.counts[1], 1, out)

    def test_crashed_program_nested_in_the_fuzz_phase(self):
        fuzz = """\
KTAP version 1
1..1
  KTAP version 1
  # Subtest: fuzz
  1..1
    KTAP version 1
    # Subtest: seed
    1..1
      TAP version 13
      1..1
      # a FOLL_FORCE read looped
      not ok 1 global.random_uffd_sequence
    not ok 1 rwp_fuzz_test # exit=1
  not ok 1 seed
not ok 1 fuzz
"""
        expect = ("[fuzz]\nseed\nseed/rwp_fuzz_test\n"
                  "seed/rwp_fuzz_test/global.random_uffd_sequence  fuzz=fail:\"looped\"\n"
                  "[host]\nrustfmt\n")
        self.green(guest=fuzz, expect=expect, phases="fuzz host")
        killed = edit(fuzz, "# exit=1", "# exit=-9 killed after 900s")
        self.red("fuzz/seed/rwp_fuzz_test: crashed, timed out or was killed "
                 "(exit=-9 killed after 900s)", guest=killed, expect=expect, phases="fuzz host")

    def test_killed_or_timed_out_is_never_a_pass(self):
        guest = edit(GUEST, "  ok 3 rwp_gup_test\nok 2",
                     "  ok 3 rwp_gup_test # exit=0 killed after 900s\nok 2")
        self.red("merged/rwp_gup_test: reports ok, but was killed, timed out or exited non-zero "
                 "(exit=0 killed after 900s)", guest=guest)
        guest = edit(GUEST, "ok 1 zram_swap", "ok 1 zram_swap # TIMEOUT 900 seconds")
        out = self.red("setup/zram_swap: timed out or was killed (TIMEOUT 900 seconds)",
                       guest=guest)
        self.assertRegex(out, r"zram_swap +KILLED")

    def test_leaf_killed_by_a_signal_whatever_its_expectation(self):
        for directive in ("exit=139", "exit=-11"):
            with self.subTest(directive):
                guest = edit(GUEST, self.ASYNC, self.ASYNC.replace("\n", f" # {directive}\n"))
                out = self.red("wp-only/rwp_gup_test/gup.async.process_vm_readv: crashed: killed "
                               f"by a signal ({directive})", "mutants caught: 0/1", guest=guest)
                self.assertRegex(out, r"gup.async.process_vm_readv +pass +CRASH")

    def test_harness_test_process_died(self):
        for line in ("process_vm_readv: Test terminated unexpectedly by signal 11",
                     "process_vm_readv: Test terminated by timeout",
                     "process_vm_readv: Test ended in some other way [4991]"):
            with self.subTest(line):
                guest = edit(GUEST, self.ASYNC_FAIL, f"    # {line}\n" + self.ASYNC_FAIL)
                self.red("wp-only/rwp_gup_test/gup.async.process_vm_readv: the test process died: "
                         f"# {line} (a crash, not a caught mutant)", "mutants caught: 0/1",
                         guest=guest)
        # A failed ASSERT_*() abort()s: that is how a caught mutant ends.
        guest = edit(GUEST, self.ASYNC_FAIL,
                     "    # process_vm_readv: Test terminated by assertion\n" + self.ASYNC_FAIL)
        self.green(guest=guest)

    def test_model_executor_crashed_hung_broken_or_cut(self):
        for word, cell, cause in (
                ("crashed", "CRASH", "the model's executor crashed (not a mismatch)"),
                ("hung", "HANG", "the model's executor hung and was killed"),
                ("broken", "BROKEN", "an operation of the model could not run as meant"),
                ("cut", "CUT", "the seed stopped on the clock before its operation count")):
            with self.subTest(word):
                guest = edit(GUEST, self.ASYNC, "    # model: seed=2 mode=async ops=54 "
                             f"seconds=1.0 mismatch={word}\n" + self.ASYNC)
                out = self.red(f"wp-only/rwp_gup_test/gup.async.process_vm_readv: {cause}",
                               "mutants caught: 0/1", guest=guest)
                self.assertRegex(out, rf"seed 2 +{cell}\nfound +0/1\n")

    def test_directives_that_are_not_passes(self):
        for directive in ("TODO not yet", "XFAIL known bug", "xpass"):
            with self.subTest(directive):
                guest = edit(GUEST, "    ok 2 gup.sync.process_vm_readv\n    ok 3 global",
                             f"    ok 2 gup.sync.process_vm_readv # {directive}\n    ok 3 global")
                self.red("merged/rwp_gup_test/gup.sync.process_vm_readv: not a pass: "
                         f"# {directive}", guest=guest)
        guest = edit(GUEST, "  ok 3 rwp_gup_test\nok 2", "  ok 3 rwp_gup_test # XFAIL\nok 2")
        self.red("merged/rwp_gup_test: not a pass: # XFAIL", guest=guest)

    def test_skip_for_another_reason(self):
        guest = edit(GUEST, "ok 2 gup.sync.process_vm_readv\n",
                     "ok 2 gup.sync.process_vm_readv # SKIP no uffd\n")
        expect = edit(EXPECT, "rwp_gup_test/gup.sync.process_vm_readv\n",
                      'rwp_gup_test/gup.sync.process_vm_readv merged=skip:"no userfaultfd"\n')
        out = self.red("merged/rwp_gup_test/gup.sync.process_vm_readv: skipped, but for another "
                       "reason: got 'no uffd', expected 'no userfaultfd'", guest=guest,
                       expect=expect)
        self.assertRegex(out, r"gup.sync.process_vm_readv +SKIP\?")


import dmesg_scan  # noqa: E402

DUMP = """\
FAULT_FLAG_ALLOW_RETRY missing 881
CPU: 1 UID: 0 PID: 312 Comm: rwp_gup_test Tainted: G           O     N  7.3.4 #1 PREEMPTLAZY
Tainted: [O]=OOT_MODULE, [N]=TEST
Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014
Call Trace:
 <TASK>
 dump_stack_lvl+0x5d/0x80
 handle_userfault+0x5c5/0x8a0
 ? lock_release+0xc6/0x290
 do_huge_pmd_uffd_rwp+0x40/0x60
 __get_user_pages+0x1d4/0x1270
 entry_SYSCALL_64_after_hwframe+0x76/0x7e
RIP: 0033:0x4a2f1b
Code: Unable to access opcode bytes at 0x4a2ef1.
RSP: 002b:00007ffd2c0d0d88 EFLAGS: 00000246 ORIG_RAX: 0000000000000011
RAX: ffffffffffffffda RBX: 0000000000000040 RCX: 00000000004a2f1b
RDX: 0000000000000040 RSI: 00007ffebedfca00 RDI: 0000000000000007
RBP: 00007ffebedfca40 R08: 0000000000000000 R09: 0000000036176870
R10: 00007fb1a9a49000 R11: 0000000000000293 R12: 00007ffebedfca00
R13: 00000000004e12e0 R14: 00000000004ae1b4 R15: 0000000000000007
 </TASK>
""".splitlines()


# arm64's form (dump_backtrace()): "Call trace:", frames marked (C), no end marker.
ARM64_DUMP = """\
FAULT_FLAG_ALLOW_RETRY missing 880
CPU: 1 UID: 0 PID: 271 Comm: rwp_gup_test Tainted: G           O     N  7.3.4 #1 PREEMPTLAZY
Tainted: [O]=OOT_MODULE, [N]=TEST
Hardware name: linux,dummy-virt (DT)
Call trace:
 show_stack+0x14/0x1c (C)
 dump_stack_lvl+0xb4/0xc4
 handle_userfault+0x610/0xae8
 __handle_mm_fault+0xb60/0xfd8
 __get_user_pages+0x228/0xe84
 el0t_64_sync+0x154/0x158
""".splitlines()

# riscv's form (show_stack()): "Call Trace:" with no <TASK>, the address first.
RISCV_DUMP = """\
FAULT_FLAG_ALLOW_RETRY missing 880
CPU: 1 UID: 0 PID: 271 Comm: rwp_gup_test Tainted: G           O     N  7.3.4 #1 PREEMPTLAZY
Tainted: [O]=OOT_MODULE, [N]=TEST
Hardware name: riscv-virtio,qemu (DT)
Call Trace:
[<ffffffff80016d0c>] dump_backtrace+0x1c/0x24
[<ffffffff80002b5a>] show_stack+0x2a/0x38
[<ffffffff8000f3d2>] dump_stack_lvl+0x6e/0x98
[<ffffffff80302a1e>] handle_userfault+0x5aa/0x7f4
[<ffffffff8022bd14>] __get_user_pages+0x1d4/0xc60
[<ffffffff80a01c3e>] handle_exception+0xe2/0x12a
""".splitlines()



class SectionTestsTest(Tmp):
    """report.section_tests(): the tests of one phase's own section, which
    the guest runs for that phase alone (unfixed)."""

    def test_lists_the_tests_of_its_section_only(self):
        path = self.write("expectations", """[none merged]
prog/global.elsewhere
[unfixed]
# the fixes
prog
prog/global.first  unfixed=fail:"x"
other/fix.variant.second  unfixed=fail:"y"
taint  unfixed=fail:"z"
[host]
prog/global.after
""")
        self.assertEqual(report.section_tests(path, "unfixed"),
                         [("prog", "global.first"), ("other", "fix.variant.second")])

    def test_a_section_of_several_phases_is_not_the_phases_own(self):
        path = self.write("expectations", "[unfixed none]\nprog/global.shared\n")
        self.assertEqual(report.section_tests(path, "unfixed"), [])


class DmesgScanTest(Judging):
    """The per-phase dmesg check: the one expected stack dump is skipped,
    exactly and only when announced; anything else that looks like a splat
    is reported, inside the dump's window too."""

    def test_announced_dump_is_clean(self):
        self.assertEqual(dmesg_scan.scan(["booted"] + DUMP + ["done"], 1), [])

    def test_announced_arm64_dump_is_clean(self):
        self.assertEqual(dmesg_scan.scan(["booted"] + ARM64_DUMP + ["done"], 1), [])
        self.assertEqual(dmesg_scan.scan(ARM64_DUMP + ARM64_DUMP, 2), [])
        self.assertEqual(dmesg_scan.scan(ARM64_DUMP, 1), [])

    def test_arm64_dump_ends_at_its_last_frame(self):
        lines = ARM64_DUMP + ["WARNING: CPU: 0 PID: 1 at mm/gup.c:900 follow_page_pte+0x1/0x2"]
        self.assertEqual(dmesg_scan.scan(lines, 1),
                         ["WARNING: CPU: 0 PID: 1 at mm/gup.c:900 follow_page_pte+0x1/0x2"])
        bare = [line for line in ARM64_DUMP if "handle_userfault" not in line]
        self.assertIn("Call trace:", dmesg_scan.scan(bare, 1))
        self.assertEqual(dmesg_scan.scan(ARM64_DUMP + ARM64_DUMP, 1),
                         ["2 handle_userfault() stack dumps, but the tests announced only 1"])

    def test_riscv_dump_ends_at_its_last_frame(self):
        self.assertEqual(dmesg_scan.scan(["booted"] + RISCV_DUMP + ["done"], 1), [])
        self.assertEqual(dmesg_scan.scan(RISCV_DUMP + RISCV_DUMP, 2), [])
        lines = RISCV_DUMP + ["WARNING: CPU: 0 PID: 1 at mm/gup.c:900 follow_page_pte+0x1/0x2"]
        self.assertEqual(dmesg_scan.scan(lines, 1),
                         ["WARNING: CPU: 0 PID: 1 at mm/gup.c:900 follow_page_pte+0x1/0x2"])
        bare = [line for line in RISCV_DUMP if "handle_userfault" not in line]
        self.assertIn("Call Trace:", dmesg_scan.scan(bare, 1))

    def test_x86_dump_still_needs_its_end(self):
        # An x86 dump (with <TASK>) cut before </TASK> is not taken for a
        # riscv one: the lines after it are scanned.
        cut = [line for line in DUMP if line.strip() != "</TASK>"] + ["done"]
        self.assertTrue(any("without the expected stack dump" in p
                            for p in dmesg_scan.scan(cut, 1)))

    def test_unannounced_dump_is_reported(self):
        self.assertEqual(dmesg_scan.scan(DUMP + DUMP, 1),
                         ["2 handle_userfault() stack dumps, but the tests announced only 1"])

    def test_splat_inside_the_skipped_window(self):
        lines = DUMP[:6] + ["WARNING: CPU: 0 PID: 1 at mm/gup.c:900 follow_page_pte+0x1/0x2"] + DUMP[6:]
        problems = dmesg_scan.scan(lines, 1)
        self.assertIn("WARNING: CPU: 0 PID: 1 at mm/gup.c:900 follow_page_pte+0x1/0x2", problems)
        self.assertTrue(any("without the expected stack dump" in p for p in problems), problems)
        self.assertIn("Call Trace:", problems)

    def test_dump_without_handle_userfault_is_a_splat(self):
        lines = [line for line in DUMP if "handle_userfault" not in line]
        self.assertIn("Call Trace:", dmesg_scan.scan(lines, 1))

    def test_dump_is_bounded(self):
        frames = [f" frame_{i}+0x1/0x2" for i in range(dmesg_scan.DUMP_MAX_LINES)]
        self.assertIn("Call Trace:", dmesg_scan.scan(DUMP[:7] + frames + DUMP[7:], 1))

    def test_detectors(self):
        for line in ["BUG: sleeping function called from invalid context at mm/gup.c:1",
                     "INFO: task khugepaged:40 blocked for more than 120 seconds.",
                     "watchdog: BUG: soft lockup - CPU#1 stuck for 23s! [rwp_stress:300]",
                     "WARNING: possible circular locking dependency detected",
                     "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"]:
            self.assertEqual(dmesg_scan.scan([line], 0), [line])

    def assert_splats(self, bad, benign):
        """Each bad line is reported, each benign one (a normal run's, or
        one that looks alike) is not."""
        for line in bad:
            self.assertEqual(dmesg_scan.scan([line], 0), [line], "must match")
        for line in benign:
            self.assertEqual(dmesg_scan.scan([line], 0), [], "must not match")

    def test_mm_error_lines(self):
        self.assert_splats([
            "mm/pgtable-generic.c:53: bad pmd 00000000deadbeef(0000000012345067)",
            "mm/memory.c:1234: bad pte 00000000deadbeef(8000000012345067)",
            "get_swap_device: Bad swap file entry 3c000000001",
            "swap_entry_to_info: Bad swap offset entry 00000200",
            "unrecognized swap entry 0x7c00000000000001",
            "Read-error on swap-device (254:0:1234)",
            "BUG: Bad page map in process rwp_gup_test  pte:8000000012345025 pmd:12345067",
            "BUG: Bad page state in process khugepaged  pfn:12345",
            "BUG: Bad rss-counter state mm:00000000deadbeef type:MM_ANONPAGES val:1 "
            "Comm:rwp_gup_test Pid:300",
            "kernel BUG at mm/rmap.c:1954!",
            "invalid opcode: 0000 [#1] PREEMPT SMP NOPTI",
            "Unable to handle kernel paging request at virtual address dead000000000108",
            "rwp_gup_test: Corrupted page table at address 7f0000001000",
            "Thread overran stack, or stack corrupted",
            "pagealloc: memory corruption",
            "PAGETABLE BUG #00! 00000000deadbeef <-> 00000000deadbeef",
            "usercopy: Kernel memory exposure attempt detected from SLUB object 'kmalloc-64' "
            "(offset 0, size 128)!",
        ], [
            "pmd_set_huge: Cannot satisfy [mem 0xfee00000-0xfee01000] with a huge-page mapping "
            "due to MTRR override.",
            "x86/mm: Checked W+X mappings: passed, no W+X pages found.",
            "Adding 1048572k swap on /dev/zram0.  Priority:100 extents:1 across:1048572k SS",
            "Write-error on swap-device (254:0:1234)",
            "Freeing unused kernel image (initmem) memory: 2644K",
            "page dumped because: gup_test: dump_pages() test",
        ])

    def test_kasan_reports(self):
        """Each kind of report of generic KASAN (mm/kasan/report.c), and the
        lines around one, which are not the splat itself."""
        self.assert_splats([
            "BUG: KASAN: slab-use-after-free in folio_unmap_pte_batch+0x1/0x2",
            "BUG: KASAN: slab-out-of-bounds in rwp_gate_call+0x1/0x2 [rwp]",
            "BUG: KASAN: use-after-free in __rust_drop+0x1/0x2 [rwp]",
            "BUG: KASAN: stack-out-of-bounds in gup_fast_pte_range+0x1/0x2",
            "BUG: KASAN: vmalloc-out-of-bounds in rwp_policy_get+0x1/0x2 [rwp]",
            "BUG: KASAN: global-out-of-bounds in hpage_collapse_scan_pmd+0x1/0x2",
            "BUG: KASAN: null-ptr-deref in follow_page_pte+0x1/0x2",
            "BUG: KASAN: wild-memory-access in change_pte_range+0x1/0x2",
            "BUG: KASAN: double-free in kfree+0x1/0x2",
            "BUG: KASAN: invalid-free in kfree+0x1/0x2",
            "KASAN: maybe wild-memory-access in range [0xdead000000000100-0xdead000000000107]",
        ], [
            "KernelAddressSanitizer initialized (generic)",
            "Disabling lock debugging due to kernel taint",
            "==================================================================",
            "Memory state around the buggy address:",
        ])

    def test_ubsan_reports(self):
        """UBSAN's reports (lib/ubsan.c) for the checks config/sanitizers.config turns on."""
        self.assert_splats([
            "UBSAN: array-index-out-of-bounds in mm/rmap.c:1954:3",
            "UBSAN: shift-out-of-bounds in mm/gup.c:2710:22",
            "UBSAN: invalid-load in mm/khugepaged.c:1344:7",
            "UBSAN: division-overflow in mm/rwp_gate.c:40:9",
        ], [
            "index 64 is out of range for type 'unsigned long[64]'",
            "load of value 2 is not a valid value for type '_Bool'",
        ])

    def test_kfence_reports(self):
        """KFENCE's reports (mm/kfence/report.c); its boot line is not one."""
        self.assert_splats([
            "BUG: KFENCE: out-of-bounds read in rwp_counters_show+0x1/0x2 [rwp]",
            "BUG: KFENCE: use-after-free write in rwp_gate_unregister+0x1/0x2",
            "BUG: KFENCE: invalid free in kfree+0x1/0x2",
            "BUG: KFENCE: memory corruption in kfree+0x1/0x2",
            "KFENCE: out-of-bounds read in follow_page_pte+0x1/0x2",
        ], [
            "kfence: initialized - using 2097152 bytes for 255 objects at 0x(____ptrval____)",
            "Out-of-bounds read at 0xffff8880bfe0d000 (32B left of kfence-#72):",
        ])

    def test_kcsan_reports(self):
        """KCSAN's reports (kernel/kcsan/report.c), of a race seen from both
        sides, from one, and of an ASSERT_EXCLUSIVE_*(); its boot lines are
        none."""
        self.assert_splats([
            "BUG: KCSAN: data-race in gup_fast_pte_range / zap_pte_range",
            "BUG: KCSAN: data-race in __rwp_gate_update+0x1/0x2",
            "BUG: KCSAN: assert: race in folio_unmap_pte_batch / try_to_unmap_one",
            "BUG: KCSAN: assert: data-race in change_pte_range",
        ], [
            "kcsan: enabled early",
            "kcsan: non-strict mode configured - compound ops and unaligned accesses are ignored",
            "race at unknown origin, with read to 0xffff888004c3c0a8 of 8 bytes by task 1 on cpu 0:",
            "Reported by Kernel Concurrency Sanitizer on:",
            "value changed: 0x0000000000000001 -> 0x0000000000000002",
        ])

    def test_corruption_and_sanitizers(self):
        self.assert_splats([
            "list_add corruption. next->prev should be prev (ffff888003c4a000), but was "
            "ffff888003c4b000. (next=ffff888003c4c000).",
            "list_del corruption. prev->next should be ffff888003c4a000, but was ffff888003c4b000. "
            "(prev=ffff888003c4d000)",
            "refcount_t: underflow; use-after-free.",
            "UBSAN: array-index-out-of-bounds in mm/rmap.c:1954:3",
            "BUG: KASAN: slab-use-after-free in folio_unmap_pte_batch+0x1/0x2",
            "KFENCE: out-of-bounds read in follow_page_pte+0x1/0x2",
            "BUG: KCSAN: data-race in gup_fast_pte_range / zap_pte_range",
            "BUG kmalloc-64 (Not tainted): Poison overwritten",
            "SLUB kmalloc-64: 3 partial slabs counted but counter=2",
            "rcu: rcu_do_batch(): Double-freed CB 00000000deadbeef->0x0()!!!  slab kmalloc-64",
        ], [
            "kfence: initialized - using 2097152 bytes for 255 objects at 0x(____ptrval____)",
            "KernelAddressSanitizer initialized (generic)",
            "SLUB: HWalign=64, Order=0-3, MinObjects=0, CPUs=2, Nodes=1",
            "percpu: Embedded 64 pages/cpu s225280 r8192 d28672 u1048576",
        ])

    def test_stalls_lockups_lockdep_and_oom(self):
        self.assert_splats([
            "rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-.... } 21003 "
            "jiffies s: 153 root: 0x2/.",
            "rcu: INFO: Expedited stall ended before state dump start",
            "rcu: rcu_preempt kthread starved for 10502 jiffies! g1234 f0x0 RCU_GP_WAIT_FQS(5) "
            "->state=0x0 ->cpu=1",
            "INFO: rcu_tasks detected stalls on tasks:",
            "rcu: INFO: rcu_preempt self-detected stall on CPU",
            "INFO: task khugepaged:40 blocked in I/O wait for more than 120 seconds.",
            "CPU1: Watchdog detected hard LOCKUP on cpu 1",
            "BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0 nice=0 stuck for 31s!",
            "INFO: trying to register non-static key.",
            "turning off the locking correctness validator.",
            "Out of memory: Killed process 300 (rwp_stress) total-vm:2104kB, anon-rss:1024kB, "
            "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:44kB oom_score_adj:0",
        ], [
            "rcu: \tRCU CPU stall warnings timeout set to 21 (rcu_cpu_stall_timeout).",
            "rcu: Hierarchical SRCU implementation.",
            "NMI watchdog: Perf NMI watchdog permanently disabled",
            "Lock dependency validator: Copyright (c) 2006 Red Hat, Inc., Ingo Molnar",
            "Memory cgroup out of memory: Killed process 300 (rwp_reclaim_test) total-vm:2104kB",
        ])

    def test_a_splat_in_a_phase_fails_the_run(self):
        """End to end: the check's KTAP line goes through the judge."""
        out = io.StringIO()
        w = ktap.Writer(out)
        w.header(1)
        phase = w.child()
        phase.header(1, "merged")
        problems = dmesg_scan.scan(["BUG: unable to handle page fault"], 0)
        for p in problems:
            phase.diag(p)
        phase.result(not problems, "dmesg")
        w.result(phase.failed == 0, "merged")
        self.red("merged/dmesg", guest=out.getvalue(), expect="[merged]\ndmesg\n[host]\nrustfmt\n",
                 phases="merged host")

    def test_kmsg_reader_notices_loss(self):
        reader = dmesg_scan.KmsgReader()
        self.assertEqual(reader.accept(["6,0,1,-;boot", "6,1,2,-;a\\x0ab\nSUBSYSTEM=x"]),
                         (["boot", "a\nb"], 0))
        # Read again from the start of the buffer: only the new records count...
        self.assertEqual(reader.accept(["6,0,1,-;boot", "6,1,2,-;x", "6,2,3,-;c"]), (["c"], 0))
        # ... and records that scrolled away before they were read are counted.
        self.assertEqual(reader.accept(["4,7,9,-;d"]), (["d"], 4))
        self.assertEqual(dmesg_scan.KmsgReader().accept(["6,3,1,-;late"]), (["late"], 3))


class UpstreamTest(unittest.TestCase):
    """scripts/upstream.py's source transforms."""

    # strip_module() builds the tree's scripts/unifdef: make check runs this after
    # the kernel step, with KSRC in the environment (scripts/env.sh).
    KSRC = os.environ.get("KSRC", "/var/cache/rwp/linux-src")

    def test_module_lines_go_and_blank_lines_stay_single(self):
        import upstream
        text = ('#include "vm_util.h"\n#include "rwp_lib.h"\n'
                '#ifdef RWP_COUNTERS\n#include "rwp_counters.h"\n#endif\n\n'
                "static void f(void)\n{\n#ifdef RWP_COUNTERS\n\trwp_gates_mark();\n#endif\n\n"
                "\tg();\n\n#ifdef RWP_COUNTERS\n\tEXPECT_GATE_CONSULTED(GATE_GUP_PTE);\n"
                "#endif\n}\n")
        self.assertEqual(upstream.strip_module(self.KSRC, "t.c", text),
                         '#include "vm_util.h"\n\nstatic void f(void)\n{\n\tg();\n}\n')

    def test_a_module_name_left_is_an_error(self):
        import upstream
        with self.assertRaisesRegex(upstream.Error, r"t.c:1: long x = rwp_gate_asked"):
            upstream.strip_module(self.KSRC, "t.c", "long x = rwp_gate_asked(GATE_UNMAP);\n")

    def test_a_name_the_directory_uses_is_refused(self):
        import upstream
        with tempfile.TemporaryDirectory() as mm:
            with open(os.path.join(mm, "uffd-wp-mremap.c"), "w") as f:
                f.write("static void *mmap_aligned(size_t size, int prot, int flags)\n")
            with open(os.path.join(mm, "vm_util.h"), "w") as f:
                f.write("void *mmap_aligned(size_t len);\n")
            upstream.clashes(mm, {"aligned_mmap"})
            with self.assertRaisesRegex(upstream.Error, r"mmap_aligned \(in uffd-wp-mremap.c\)"):
                upstream.clashes(mm, {"mmap_aligned", "aligned_mmap"})

    def test_helpers_are_the_library_whole(self):
        import upstream
        with tempfile.TemporaryDirectory() as mm:
            c, h = upstream.helpers('#include <stdio.h>\n#include "vm_util.h"\n\nint a;\n',
                                    '#include <stdbool.h>\n#include "kselftest.h"\n\nint a(void);\n', mm)
        self.assertIn("\nint rwp_write_str(const char *path, const char *val)\n{", c)
        self.assertIn("\nint rwp_write_str(const char *path, const char *val);\n", h)
        self.assertNotIn('#include "rwp_lib.h"', c)
        self.assertNotIn("#endif /* RWP_LIB_H */", h)


class BenchReportTest(Tmp):
    """scripts/bench_report.py: ratios with their intervals."""

    def test_ratio_and_interval(self):
        import bench_report
        import random
        lo_hi = bench_report.interval([10.0] * 9, [5.0] * 9, random.Random(1))
        self.assertEqual(lo_hi, (2.0, 2.0, 2.0))
        ratio, lo, hi = bench_report.interval([9.0, 10.0, 11.0] * 5, [10.0] * 15,
                                              random.Random(1))
        self.assertEqual(ratio, 1.0)
        self.assertTrue(lo < 1.0 < hi or lo == 1.0 == hi)

    def test_tables_per_unit_and_kernel(self):
        import bench_report
        raw = "".join(f"{c} gup_rwp {v}\n" for c, v in
                      [("none", 100), ("merged", 101), ("seed", 102)] * 4)
        stock = "".join(f"none gup_rwp {v}\n" for v in [100, 100, 100, 100])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = bench_report.main([f"prod:icount:{self.write('p', raw)}",
                                    f"stock:icount:{self.write('s', stock)}"])
        self.assertEqual(rc, 0)
        text = out.getvalue()
        self.assertIn("## icount time", text)
        self.assertIn("| read GUP, unprotected page of an RWP VMA (per page) | 100 | 101 | 102 |"
                      " 1.010 [1.010, 1.010] | 1.020 [1.020, 1.020] |", text)
        self.assertIn("prod none / stock none", text)
        self.assertNotIn("## wall", text)


class ModelSummaryTest(Tmp):
    """scripts/model_summary.py: what a make model run found, per configuration."""

    def test_found_and_medians_per_configuration(self):
        import model_summary
        seed = "# model: seed={} mode=sync ops={} seconds={} mismatch={}\n"
        paths = [self.write("mixed-batch.ktap", seed.format(1, 400, "9.0", "no") +
                            seed.format(2, 66, "1.3", "yes") + seed.format(3, 100, "3.0", "yes")),
                 self.write("none.ktap", seed.format(1, 400, "9.5", "no") +
                            seed.format(2, 12, "0.4", "crashed"))]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            self.assertEqual(model_summary.main(paths), 0)
        lines = out.getvalue().splitlines()
        self.assertEqual(lines[2].split(), ["mixed-batch", "none"])
        rows = {cells[0]: cells[1:] for cells in
                (re.split(r"\s{2,}", line.strip()) for line in lines[3:])}
        self.assertEqual(rows["seed 1"], ["-", "-"])
        self.assertEqual(rows["seed 2"], ["66/1.3s", "CRASH"])
        self.assertEqual(rows["found"], ["2/3", "0/2"])
        self.assertEqual(rows["median"], ["83/2.1s", "-"])


class ModelSeedsTest(Tmp):
    """scripts/model_seeds.py: the pinned seeds chosen from a survey."""

    LINE = "# model: seed={} mode={} ops={} seconds=1.0 mismatch={}\n"
    MODES = {1: "async", 2: "sync", 3: "async+event_fork", 4: "sync+event_remap",
             7: "async+event_fork+event_remap"}

    def survey(self, config, finds):
        return self.write(f"{config}.ktap", "".join(
            self.LINE.format(s, m, finds.get(s, 400), "yes" if s in finds else "no")
            for s, m in self.MODES.items()))

    def run_main(self, *args):
        import model_seeds
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = model_seeds.main(list(args))
        return rc, out.getvalue()

    def test_every_configuration_and_mode_bit(self):
        paths = [self.survey("none", {}),
                 self.survey("rare", {3: 50, 4: 200}),
                 self.survey("common", {1: 10, 2: 20, 4: 30, 7: 5})]
        rc, out = self.run_main("--size", "2", *paths)
        self.assertEqual(rc, 0)
        # 3 alone finds "rare" within 130; 4 gives sync and event_remap.
        self.assertIn('DEFAULT_SEEDS "3,4"', out)
        self.assertIn("rare: 3 at 50", out)
        self.assertIn("common: 4 at 30", out)

    def test_no_set_and_a_dirty_clean_configuration(self):
        rc, out = self.run_main("--size", "2", self.survey("rare", {3: 200}))
        self.assertEqual(rc, 1)
        self.assertIn("rare: [(3, 200)]", out)
        rc, out = self.run_main(self.survey("merged", {2: 9}), self.survey("rare", {3: 5}))
        self.assertEqual(rc, 1)
        self.assertIn("merged found a mismatch (seeds [2])", out)


class CaptureTest(unittest.TestCase):
    """dmesg_scan.check_capture: a `cat /dev/kmsg` capture, as make model takes."""

    def test_clean_capture_with_an_announced_dump(self):
        text = "".join(f"6,{i},0,-;{line}\n" for i, line in enumerate(["booted"] + DUMP))
        self.assertEqual(dmesg_scan.check_capture(text + " SUBSYSTEM=x\n", 1), [])

    def test_warning_and_a_gap_are_problems(self):
        text = "6,0,0,-;booted\n4,3,0,-;WARNING: mm/gup_test.c:59 at gup_test_ioctl\n"
        self.assertEqual(dmesg_scan.check_capture(text, 0),
                         ["WARNING: mm/gup_test.c:59 at gup_test_ioctl",
                          "the capture misses 2 records"])

    def test_a_garbled_record_is_a_problem_not_a_crash(self):
        text = "6,0,0,-;booted\nx6f2/0xc40\n6,1,0,-;on\n"
        self.assertEqual(dmesg_scan.check_capture(text, 0),
                         ["a garbled record in the capture: 'x6f2/0xc40'"])


class CoverageReportTest(Tmp):
    """make coverage's table (coverage_report.py): which lines are rows,
    which bucket reaches them, and that an unreached row needs a reason."""

    SRC = """\
int f(struct vm_area_struct *vma)
{
	/* userfaultfd_rwp(vma) in a comment is no row */
	if (userfaultfd_rwp(vma) &&
	    pte_uffd(pte))
		return 1;
	return 0;
}
int g(struct vm_area_struct *vma)
{
	return userfaultfd_protected(vma);
}
"""
    # f's if: line 4 (its continuation, line 5, has no count of its own),
    # two branches; g's return: line 11.
    # Two records of one file (two steps of a bucket): their counts add up,
    # their two branches stay two.
    KSELFTESTS = ("SF:{src}\nFN:1,f\nFN:9,g\nDA:4,2\nBRDA:4,0,0,2\nBRDA:4,0,1,-\n"
                  "DA:11,0\nend_of_record\n") * 2
    MODEL = "SF:{src}\nFN:1,f\nFN:9,g\nDA:4,1\nBRDA:4,0,0,-\nBRDA:4,0,1,1\n" \
        "DA:11,0\nend_of_record\n"

    def run_report(self, reasons=""):
        os.makedirs(os.path.join(self.dir, "mm"))
        src = self.write("mm/x.c", self.SRC)
        argv = ["--src", self.dir, "--reasons", self.write("reasons", reasons),
                "--bucket", "kselftests=" + self.write("k.info", self.KSELFTESTS.format(src=src)),
                "--bucket", "model=" + self.write("m.info", self.MODEL.format(src=src)),
                "mm/x.c"]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                unittest.mock.patch.object(sys, "argv", ["coverage_report.py", *argv]):
            rc = coverage_report.main()
        return rc, out.getvalue(), err.getvalue()

    def test_rows_buckets_and_branches(self):
        rc, out, _ = self.run_report("mm/x.c:g the test is g's own")
        self.assertEqual(rc, 0, out)
        # Two rows (the comment is none, line 5 is line 4's), one reached by
        # both buckets; its two branches taken, one by each.
        self.assertIn("| mm/x.c | 1/2 (50%) | 1/2 (50%) | 1/2 (50%) | "
                      "1/2 (50%) | 1/2 (50%) | 2/2 (100%) |", out)
        self.assertIn("| mm/x.c:11 | g | `return userfaultfd_protected(vma);` | "
                      "**not reached** | 0/0 | the test is g's own |", out)

    def test_unreached_row_without_reason_fails(self):
        rc, out, err = self.run_report()
        self.assertEqual(rc, 1)
        self.assertIn("**no reason given**", out)
        self.assertIn("mm/x.c:11 (g)", err)


if __name__ == "__main__":
    unittest.main()
