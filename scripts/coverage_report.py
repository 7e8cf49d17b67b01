#!/usr/bin/env python3
"""make coverage's table (scripts/coverage.sh): which of 7.3's RWP code each
test group reaches.

The rows are the lines of the profiled files that mention RWP (RWP_LINE),
and every line of the series' own files (--own); a row's branches are the
ones gcc counts on it. A row that is a continuation of a statement takes the
counts of the statement's first line; one without code (a comment, a macro's
body, a declaration) is no row. Each --bucket is an lcov tracefile of one test
group, summed over the configurations. A row is reached when a line count is
non-zero in any bucket but --informative ones; one that is not, or has a
branch no such bucket took, must have its reason in --reasons ("FILE:FUNCTION
why", the function the row is in): the exit status is 1 while one has not.
"""

import argparse
import os
import re
import sys
from collections import defaultdict

# What mentions RWP: the VMA flag and its helpers, the protection modes and
# features, mprotect's flag, the series' gate layer, and the uffd PTE bit's
# checks, which RWP shares with WP (pte_uffd(), pmd_uffd(), their swap and
# huge forms).
RWP_LINE = re.compile(
    r"userfaultfd_rwp|userfaultfd_protected|VM_UFFD_RWP|VMA_UFFD_RWP|uffd_rwp|"
    r"MM_CP_UFFD_RWP|UFFD_FEATURE_RWP|MODE_RWP|rwp_gate|"
    r"\b(?:pte|pmd|huge_pte|pte_swp|pmd_swp)_uffd\(")
COMMENT = re.compile(r"^\s*(?:/?\*|//)")
# How far back a continuation line looks for its statement's first line.
STATEMENT_LINES = 6


def read_info(path):
    """An lcov tracefile: {file: (lines {n: count}, branches {n: {(block,
    branch): taken}}, functions [(start, name)])}, each count summed over
    the file's records (a bucket's steps)."""
    files = {}
    cur = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            key, _, val = line.partition(":")
            if key == "SF":
                cur = files.setdefault(os.path.realpath(val), ({}, defaultdict(dict), []))
            elif key == "DA" and cur:
                n, count = val.split(",")[:2]
                cur[0][int(n)] = cur[0].get(int(n), 0) + int(count)
            elif key == "BRDA" and cur:
                n, block, branch, taken = val.split(",")
                key = (block, branch)
                cur[1][int(n)][key] = cur[1][int(n)].get(key, 0) + (0 if taken == "-" else int(taken))
            elif key == "FN" and cur:
                n, name = val.split(",", 1)
                cur[2].append((int(n), name))
    return files


def statement_line(src, lines, n):
    """The line whose counts stand for line n: n itself if gcc counted it,
    else the first line of the statement it continues, or None."""
    if n in lines:
        return n
    for m in range(n - 1, max(0, n - STATEMENT_LINES), -1):
        text = src[m - 1].rstrip()
        if not text or text.endswith((";", "{", "}")):
            return None
        if m in lines:
            return m
    return None


def function_of(functions, n):
    best = None
    for start, name in sorted(functions):
        if start <= n:
            best = name
    return best or "?"


def read_reasons(path):
    reasons = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            where, _, why = line.partition(" ")
            reasons[where] = why.strip()
    return reasons


def rows_of(src_path, rel, own, buckets):
    """The rows of one file: (line, code, function, {bucket: (hits,
    {branch: taken})})."""
    with open(src_path, encoding="utf-8", errors="replace") as f:
        src = f.read().split("\n")
    data = {b: info.get(os.path.realpath(src_path), ({}, {}, [])) for b, info in buckets.items()}
    # Every bucket profiled the same objects: the first that has the file
    # says which lines are code and where its functions begin.
    lines, functions = {}, []
    for d in data.values():
        lines = lines or d[0]
        functions = functions or d[2]
    rows = []
    seen = set()
    for n, text in enumerate(src, 1):
        if rel in own:
            if n not in lines:
                continue
        elif not RWP_LINE.search(text) or COMMENT.match(text):
            continue
        at = statement_line(src, lines, n)
        if at is None or at in seen:
            continue
        seen.add(at)
        counts = {b: (d[0].get(at, 0), d[1].get(at, {})) for b, d in data.items()}
        rows.append((at, src[at - 1].strip(), function_of(functions, at), counts))
    return rows


def pct(part, whole):
    return f"{part}/{whole} ({100 * part // whole}%)" if whole else "0/0"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", required=True, help="the kernel tree the objects were built from")
    ap.add_argument("--own", nargs="*", default=[], help="files all of whose lines are RWP's")
    ap.add_argument("--bucket", action="append", required=True, metavar="NAME=INFO")
    ap.add_argument("--informative", nargs="*", default=[],
                    help="buckets shown, but not counted as reaching a row")
    ap.add_argument("--reasons", required=True)
    ap.add_argument("--title", default="")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()

    buckets = {}
    for spec in args.bucket:
        name, _, path = spec.partition("=")
        buckets[name] = read_info(path)
    counted = [b for b in buckets if b not in args.informative]
    reasons = read_reasons(args.reasons)

    out = []
    if args.title:
        out += [args.title, ""]
    head = " | ".join(buckets)
    out += ["| file | RWP lines: " + head + " | reached | RWP branches: " + head + " | taken |",
            "|---" * (2 * len(buckets) + 5) + "|"]
    missing, unreached = [], []
    tot_l = defaultdict(int)
    tot_b = defaultdict(int)
    for rel in args.files:
        rows = rows_of(os.path.join(args.src, rel), rel, set(args.own), buckets)
        nl = defaultdict(int)
        nb = defaultdict(int)
        for n, code, fn, counts in rows:
            branches = sorted(set().union(*(br.keys() for _, br in counts.values())))
            nbr = len(branches)
            nl["all"] += 1
            nb["all"] += nbr
            for b, (hits, br) in counts.items():
                nl[b] += hits > 0
                nb[b] += sum(t > 0 for t in br.values())
            hit = any(counts[b][0] for b in counted)
            taken = [any(counts[b][1].get(k) for b in counted) for k in branches]
            nl["reached"] += hit
            nb["reached"] += sum(taken)
            if not hit or not all(taken):
                why = reasons.get(f"{rel}:{fn}")
                unreached.append((rel, n, fn, code, counts, nbr, hit, sum(taken), why))
                if not why:
                    missing.append(f"{rel}:{n} ({fn})")
        for k, v in nl.items():
            tot_l[k] += v
        for k, v in nb.items():
            tot_b[k] += v
        out.append(f"| {rel} | " + " | ".join(pct(nl[b], nl["all"]) for b in buckets)
                   + f" | {pct(nl['reached'], nl['all'])} | "
                   + " | ".join(pct(nb[b], nb["all"]) for b in buckets)
                   + f" | {pct(nb['reached'], nb['all'])} |")
    out.append("| **all** | " + " | ".join(pct(tot_l[b], tot_l["all"]) for b in buckets)
               + f" | **{pct(tot_l['reached'], tot_l['all'])}** | "
               + " | ".join(pct(tot_b[b], tot_b["all"]) for b in buckets)
               + f" | **{pct(tot_b['reached'], tot_b['all'])}** |")
    out += ["", f"Reached: by {' or '.join(counted)}. Not reached, or a branch on it "
            f"not taken ({len(unreached)} rows):", "",
            "| where | function | code | line | branches taken | "
            + "".join(f"{b} | " for b in args.informative) + "why |",
            "|---" * (6 + len(args.informative)) + "|"]
    for rel, n, fn, code, counts, nbr, hit, taken, why in unreached:
        code = code.replace("|", "\\|").replace("`", "'")
        # What a bucket that does not count reaches of it: the tree's own
        # suite, where it reaches a gap of ours.
        info = "".join(f"{'line' if counts[b][0] else '-'}, "
                       f"{sum(t > 0 for t in counts[b][1].values())}/{nbr} | "
                       for b in args.informative)
        out.append(f"| {rel}:{n} | {fn} | `{code}` | {'reached' if hit else '**not reached**'}"
                   f" | {taken}/{nbr} | {info}{why or '**no reason given**'} |")
    # A reason no row needs any more: its gap was filled (or the row was
    # reached by chance this time: the background's doing, in a bucket).
    used = {f"{rel}:{fn}" for rel, _, fn, *_ in unreached}
    stale = sorted(set(reasons) - used)
    if stale:
        out += ["", "Reasons that no row needed in this run: " + ", ".join(stale) + "."]
    print("\n".join(out))
    if missing:
        print(f"coverage: {len(missing)} unreached rows without a reason in {args.reasons}: "
              + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
