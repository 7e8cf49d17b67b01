#!/usr/bin/env python3
"""make upstream: the kselftests that need no module, as a series for a 7.3
tree's tools/testing/selftests/mm, written by git format-patch; with
--fixes, the fixes of 7.3 bugs in patches/fixes/ as a series of their own.

  scripts/upstream.py --ksrc KSRC [--orig ORIG] --out DIR [--fixes]

The tree's files come from KSRC (ORIG's pristine copy where kernel.sh patched
one); tests/upstream/ has the cover letter and one commit message per patch.
The series is:
  1. rwp_lib.[ch]'s helpers appended to vm_util.[ch];
  2-4. one test each (tests/rwp_X_test.c as uffd-rwp-X.c), with its Makefile
     entry, a line in run_vmtests.sh's uffd_rwp category (the first test adds
     the category and its ksft_uffd_rwp.sh); .gitignore needs nothing, it
     lists what to keep.
The lines that serve the rwp module or its runner (tests/rwp_counters.h)
are under #ifdef RWP_COUNTERS, which the tree's scripts/unifdef strips;
what is left must name neither. The helpers are rwp_lib.[ch] as they are
(tests/rwp_lib_local.[ch] has those only this project's programs use).
The patches must be checkpatch.pl --strict clean. Exit 1, saying why,
otherwise.
"""
import argparse
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = os.path.join(TOP, "tests")
MESSAGES = os.path.join(TESTS, "upstream")
FIXES = os.path.join(TOP, "patches", "fixes")
MM = "tools/testing/selftests/mm"
# (our test, its name upstream, its commit message)
PROGRAMS = [
    ("rwp_gup_test.c", "uffd-rwp-gup", "2-gup.txt"),
    ("rwp_khugepaged_test.c", "uffd-rwp-khugepaged", "3-khugepaged.txt"),
    ("rwp_lifecycle_test.c", "uffd-rwp-lifecycle", "4-lifecycle.txt"),
]
CATEGORY = "uffd_rwp"
# The symbol the module's lines are under: tests/Makefile defines it.
MODULE_ONLY = "RWP_COUNTERS"
# Upstream, rwp_lib.h's helpers are vm_util.h's.
LIB_INCLUDE = '#include "rwp_lib.h"'
# What must not be left: the module, its counters, policies and mutants.
FORBIDDEN = re.compile(r"rwp_gate|GATE_|rwp_counters|debug/rwp|rwp_lib|RWP_COUNTERS|"
                       r"\bpolic|\bmutant|\bmodule\b", re.I)
# A function's declaration in a header: its name.
DECLARATION = re.compile(r"^[a-z_][\w *]*?\b(\w+)\(", re.M)
# Fixed dates: the same sources give the same series.
DATE = "2026-11-26T00:00:00+00:00"


class Error(Exception):
    pass


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def unifdef(ksrc, text):
    """text with the MODULE_ONLY blocks gone, by the tree's scripts/unifdef
    (built from its source: the build directory may not have it)."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "unifdef")
        subprocess.run(["cc", "-O2", "-o", exe, os.path.join(ksrc, "scripts", "unifdef.c")],
                       check=True, capture_output=True)
        r = subprocess.run([exe, f"-U{MODULE_ONLY}"], input=text, text=True,
                           capture_output=True)
    # 0: nothing changed, 1: something did, 2: trouble.
    if r.returncode > 1:
        raise Error(f"unifdef: {r.stderr.strip()}")
    return r.stdout


def strip_module(ksrc, name, text):
    """The test without the module's lines (and without the include of
    rwp_lib.h); blank lines left doubled, or opening or closing a block,
    go too."""
    out = []
    for line in unifdef(ksrc, text).splitlines():
        if line == LIB_INCLUDE:
            continue
        if not line.strip() and out and (not out[-1].strip() or out[-1].endswith("{")):
            continue
        if line.strip() == "}" and out and not out[-1].strip():
            out.pop()
        out.append(line)
    text = "\n".join(out) + "\n"
    left = [f"{name}:{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1)
            if FORBIDDEN.search(line)]
    if left:
        raise Error("the module is still named after stripping:\n  " + "\n  ".join(left))
    return text


def includes_and_body(text):
    """(the #include lines, what follows the last one)"""
    lines = text.splitlines()
    last = max(n for n, line in enumerate(lines) if line.startswith("#include"))
    incs = [line for line in lines[:last + 1] if line.startswith("#include")]
    return incs, "\n".join(lines[last + 1:]).strip("\n") + "\n"


def add_includes(text, incs):
    """incs that text lacks: system ones before its first local one, local
    ones after its last include."""
    lines = text.splitlines()
    have = {line.split("/*")[0].strip() for line in lines if line.startswith("#include")}
    new = [i for i in incs if i not in have]
    first_local = next(n for n, line in enumerate(lines) if line.startswith('#include "'))
    last = max(n for n, line in enumerate(lines) if line.startswith("#include"))
    local = [i for i in new if i.startswith('#include "')]
    system = [i for i in new if not i.startswith('#include "')]
    lines[last + 1:last + 1] = local
    lines[first_local:first_local] = system
    return "\n".join(lines) + "\n"


def clashes(mm, names):
    """Every program of the directory includes vm_util.h: a name it adds must
    be new to all of them (uffd-wp-mremap.c has a static mmap_aligned())."""
    found = []
    for f in sorted(os.listdir(mm)):
        if f.endswith((".c", ".h")) and f not in ("vm_util.c", "vm_util.h"):
            text = read(os.path.join(mm, f))
            found += [f"{name} (in {f})" for name in sorted(names)
                      if re.search(rf"\b{name}\b", text)]
    if found:
        raise Error("vm_util would gain names the directory already uses: " + ", ".join(found))


def helpers(vm_c, vm_h, mm):
    """vm_util.[ch] with rwp_lib.[ch] appended."""
    lib_incs, lib_body = includes_and_body(read(os.path.join(TESTS, "rwp_lib.c")))
    lib_incs = [i for i in lib_incs if i not in (LIB_INCLUDE, '#include "vm_util.h"')]
    hdr_incs, hdr_body = includes_and_body(read(os.path.join(TESTS, "rwp_lib.h")))
    hdr_body = re.sub(r"\n*#endif /\* RWP_LIB_H \*/\n$", "\n", hdr_body)
    clashes(mm, set(DECLARATION.findall(hdr_body)))
    return (add_includes(vm_c, lib_incs).rstrip("\n") + "\n\n" + lib_body,
            add_includes(vm_h, hdr_incs).rstrip("\n") + "\n\n" + hdr_body)


def add_program(tree, name, first):
    """Makefile, run_vmtests.sh (and, with the first, the category)."""
    mk = os.path.join(tree, MM, "Makefile")
    text = read(mk)
    text = text.replace("TEST_GEN_FILES += uffd-wp-mremap\n",
                        f"TEST_GEN_FILES += uffd-wp-mremap\nTEST_GEN_FILES += {name}\n", 1)
    if first:
        text = text.replace("TEST_PROGS += ksft_userfaultfd.sh\n",
                            "TEST_PROGS += ksft_uffd_rwp.sh\n"
                            "TEST_PROGS += ksft_userfaultfd.sh\n", 1)
    if f"+= {name}\n" not in text:
        raise Error(f"{MM}/Makefile: no uffd-wp-mremap line to add {name} after")
    write(mk, text)
    rv = os.path.join(tree, MM, "run_vmtests.sh")
    text = read(rv)
    anchor = 'CATEGORY="userfaultfd" run_test ./uffd-wp-mremap\n'
    if first:
        text = text.replace("- userfaultfd\n\ttests for  userfaultfd(2)\n",
                            "- userfaultfd\n\ttests for  userfaultfd(2)\n"
                            f"- {CATEGORY}\n\ttests that GUP, khugepaged and the rest of mm"
                            " keep userfaultfd RWP protection\n", 1)
        text = text.replace(anchor, anchor + "\n", 1)
        write(os.path.join(tree, MM, "ksft_uffd_rwp.sh"),
              f"#!/bin/sh -e\n# SPDX-License-Identifier: GPL-2.0\n\n./run_vmtests.sh -t {CATEGORY}\n")
        os.chmod(os.path.join(tree, MM, "ksft_uffd_rwp.sh"), 0o755)
        last = anchor + "\n"
    else:
        last = re.findall(rf'CATEGORY="{CATEGORY}" run_test \./\S+\n', text)[-1]
    line = f'CATEGORY="{CATEGORY}" run_test ./{name}\n'
    if last not in text or (first and f"- {CATEGORY}\n" not in text):
        raise Error(f"{MM}/run_vmtests.sh: not the 7.3 layout this series expects")
    write(rv, text.replace(last, last + line, 1))


def git(tree, *args, env=None, stdin=None):
    return subprocess.run(["git", "-C", tree, *args], check=True, text=True, input=stdin,
                          capture_output=True, env=env).stdout


def git_env(ident):
    """Author and committer: ident, at DATE."""
    name, email = ident
    return dict(os.environ, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
                GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email,
                GIT_AUTHOR_DATE=DATE, GIT_COMMITTER_DATE=DATE)


def commit(tree, message_file, ident):
    subject, _, body = read(os.path.join(MESSAGES, message_file)).partition("\n\n")
    msg = f"{subject.strip()}\n\n{body.strip()}\n\nSigned-off-by: {ident[0]} <{ident[1]}>\n"
    git(tree, "add", "-A")
    git(tree, "commit", "-q", "-F", "-", env=git_env(ident), stdin=msg)


# Who the commits of a series that is only built, never sent, are by when
# git has no identity configured (make check on a bare machine).
UNSENT = ("unsent build of the rwp selftests series", "nobody@localhost")


def identity(unsent):
    """The author and Signed-off-by of the series: git config's, the
    person generating it. A series to send refuses to go without one."""
    def cfg(key):
        r = subprocess.run(["git", "-C", TOP, "config", key], text=True, capture_output=True)
        return r.stdout.strip()
    ident = cfg("user.name"), cfg("user.email")
    if all(ident):
        return ident
    if unsent:
        return UNSENT
    raise Error("git config user.name and user.email must be set: the series' From: and "
                "Signed-off-by: are theirs")


def pristine(ksrc, orig, path):
    """The tree's file as Debian ships it: kernel.sh keeps the originals of
    what it patches in ORIG."""
    for base in (orig, ksrc):
        if base and os.path.isfile(os.path.join(base, path)):
            return os.path.join(base, path)
    raise Error(f"no {path} in {ksrc}")


def series(ksrc, orig, out, unsent=False):
    ident = identity(unsent)
    with tempfile.TemporaryDirectory() as tree:
        git(tree, "init", "-q")
        for f in ("Makefile", "run_vmtests.sh", "vm_util.c", "vm_util.h"):
            dst = os.path.join(tree, MM, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(pristine(ksrc, orig, os.path.join(MM, f)), dst)
        env = git_env(ident)
        git(tree, "add", "-A")
        git(tree, "commit", "-q", "-m", "Linux 7.3 (the files this series touches)", env=env)
        base = git(tree, "rev-parse", "HEAD").strip()

        tests = [strip_module(ksrc, ours, read(os.path.join(TESTS, ours)))
                 for ours, _, _ in PROGRAMS]
        vm_c, vm_h = (os.path.join(tree, MM, f) for f in ("vm_util.c", "vm_util.h"))
        c, h = helpers(read(vm_c), read(vm_h), os.path.join(ksrc, MM))
        write(vm_c, c)
        write(vm_h, h)
        commit(tree, "1-vm_util.txt", ident)
        for n, ((_, name, message), test) in enumerate(zip(PROGRAMS, tests)):
            write(os.path.join(tree, MM, name + ".c"), test)
            add_program(tree, name, n == 0)
            commit(tree, message, ident)

        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        git(tree, "format-patch", "-q", "--cover-letter", "--no-signature",
            "-o", os.path.abspath(out), f"{base}..HEAD", env=env)
    return cover_letter(out, "0-cover.txt")


def cover_letter(out, message_file):
    """Fills in the cover letter git format-patch wrote first in out."""
    cover = sorted(os.listdir(out))[0]
    subject, _, blurb = read(os.path.join(MESSAGES, message_file)).partition("\n\n")
    text = read(os.path.join(out, cover))
    text = text.replace("*** SUBJECT HERE ***", subject.strip())
    text = text.replace("*** BLURB HERE ***", blurb.strip())
    write(os.path.join(out, cover), text)
    return sorted(os.path.join(out, f) for f in os.listdir(out))


def fixes_series(ksrc, orig, out, unsent=False):
    """patches/fixes/, each applied to the tree's pristine files and
    committed with its own message, by whoever generates the series (its
    Signed-off-by: lines are replaced by theirs)."""
    ident = identity(unsent)
    patches = sorted(os.path.join(FIXES, f) for f in os.listdir(FIXES) if f.endswith(".patch"))
    files = sorted({f for p in patches for f in re.findall(r"^\+\+\+ b/(\S+)", read(p), re.M)})
    env = git_env(ident)
    with tempfile.TemporaryDirectory() as tree:
        git(tree, "init", "-q")
        for f in files:
            os.makedirs(os.path.dirname(os.path.join(tree, f)), exist_ok=True)
            shutil.copy2(pristine(ksrc, orig, f), os.path.join(tree, f))
        git(tree, "add", "-A")
        git(tree, "commit", "-q", "-m", "Linux 7.3 (the files these fixes touch)", env=env)
        base = git(tree, "rev-parse", "HEAD").strip()
        for p in patches:
            git(tree, "apply", "--index", p)
            info = subprocess.run(["git", "mailinfo", os.devnull, os.devnull],
                                  input=read(p), text=True, capture_output=True, check=True)
            subject = re.search(r"^Subject: (.*)$", info.stdout, re.M).group(1)
            body = re.sub(r"^---\n.*", "", read(p).split("\n\n", 1)[1], flags=re.M | re.S)
            body = "\n".join(line for line in body.strip().splitlines()
                             if not line.startswith("Signed-off-by:"))
            msg = f"{subject}\n\n{body.strip()}\nSigned-off-by: {ident[0]} <{ident[1]}>\n"
            git(tree, "commit", "-q", "-F", "-", env=env, stdin=msg)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        git(tree, "format-patch", "-q", "--cover-letter", "--no-signature",
            "-o", os.path.abspath(out), f"{base}..HEAD", env=env)
    return cover_letter(out, "fixes-0-cover.txt")


def maintained(ksrc, path):
    """Does an F: line of the tree's MAINTAINERS cover path?"""
    for line in read(os.path.join(ksrc, "MAINTAINERS")).splitlines():
        if line.startswith("F:\t"):
            pat = line[3:].strip()
            if path.startswith(pat) if pat.endswith("/") else fnmatch.fnmatchcase(path, pat):
                return True
    return False


def checkpatch(ksrc, patches):
    """checkpatch.pl --strict on each patch (the cover letter is none). Its
    "does MAINTAINERS need updating?" asks of every new file; this answers
    it instead: each must be covered by an F: line already. Debian's tree
    has no git history to look a Fixes: tag's commit up in."""
    problems = []
    for p in patches[1:]:
        r = subprocess.run([os.path.join(ksrc, "scripts", "checkpatch.pl"), "--strict",
                            "--no-tree", "--quiet", "--ignore",
                            "FILE_PATH_CHANGES,UNKNOWN_COMMIT_ID", p],
                           text=True, capture_output=True)
        if r.returncode:
            problems.append(f"{os.path.basename(p)}:\n{r.stdout}")
        for new in re.findall(r"^diff --git a/\S+ b/(\S+)\nnew file mode", read(p), re.M):
            if not maintained(ksrc, new):
                problems.append(f"{os.path.basename(p)}: no MAINTAINERS entry covers {new}")
    if problems:
        raise Error("checkpatch.pl --strict:\n" + "\n".join(problems))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ksrc", required=True, help="the 7.3 tree")
    ap.add_argument("--orig", help="pristine copies of the files kernel.sh patched")
    ap.add_argument("--out", required=True, help="where the series goes (emptied first)")
    ap.add_argument("--fixes", action="store_true",
                    help="the fixes of 7.3 bugs (patches/fixes/), not the selftests")
    ap.add_argument("--unsent", action="store_true",
                    help="the series is only built here (make check): it may go without "
                         "a git identity")
    args = ap.parse_args(argv)
    try:
        make = fixes_series if args.fixes else series
        patches = make(args.ksrc, args.orig, args.out, args.unsent)
        checkpatch(args.ksrc, patches)
    except (Error, subprocess.CalledProcessError) as e:
        err = getattr(e, "stderr", "") or ""
        print(f"error: make upstream: {e}\n{err}".rstrip(), file=sys.stderr)
        return 1
    for p in patches:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
