#!/usr/bin/env python3
"""Summarise rwp_bench's raw "config workload ns" lines as Markdown.

    bench_report.py KERNEL:UNIT:RAW...

KERNEL is test, prod or stock (scripts/bench.sh), UNIT wall or icount. Per
unit and kernel: each workload's median per configuration, and each ratio of
medians with its 95 % bootstrap interval; then, per unit, the kernel with the
series and no provider against the kernel without it (prod none / stock
none). The interval says whether a ratio is resolved: a 1.01 whose interval
is 0.97-1.05 says nothing about 2 %.
"""
import random
import statistics
import sys
from collections import defaultdict

CONFIGS = ["none", "merged", "seed"]
WORKLOADS = {
    "gup_read": "read GUP of a protected page (per page)",
    "gup_rwp": "read GUP, unprotected page of an RWP VMA (per page)",
    "gup_plain": "read GUP outside any userfaultfd VMA (per page)",
    "collapse": "MADV_COLLAPSE refused on a protected range (per attempt)",
    "collapse_ok": "MADV_COLLAPSE of an unprotected range (per collapse)",
    "pageout": "page-out + refault of protected 64 KiB shmem folios (per folio)",
}
UNITS = {
    "icount": "icount time: QEMU -icount, 1 ns of guest time per instruction executed; "
              "deterministic up to what the guest does differently",
    "wall": "wall time: the guest clock under plain TCG, which wobbles with the host",
}
KERNELS = {
    "test": "the test kernel (config/rwp.config: DEBUG_VM, lockdep)",
    "prod": "the production-like kernel (config/prod.config: debugging off)",
    "stock": "the same production-like config without the series",
}
RESAMPLES = 2000


def interval(a, b, rng):
    """median(a) / median(b), and its 95 % bootstrap interval."""
    ratio = statistics.median(a) / statistics.median(b)
    boot = sorted(statistics.median(rng.choices(a, k=len(a))) /
                  statistics.median(rng.choices(b, k=len(b))) for _ in range(RESAMPLES))
    return ratio, boot[int(0.025 * RESAMPLES)], boot[int(0.975 * RESAMPLES) - 1]


def fmt(r):
    ratio, lo, hi = r
    return f"{ratio:.3f} [{lo:.3f}, {hi:.3f}]"


def read(path):
    samples = defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] in CONFIGS and parts[1] in WORKLOADS:
                samples[(parts[0], parts[1])].append(float(parts[2]))
    return samples


def table(samples, rng, widths):
    configs = [c for c in CONFIGS if any((c, w) in samples for w in WORKLOADS)]
    ratios = [(a, "none") for a in configs if a != "none"]
    print("| workload | " + " | ".join(f"{c} (ns)" for c in configs) +
          "".join(f" | {a}/{b}" for a, b in ratios) + " |")
    print("|---|" + "---|" * (len(configs) + len(ratios)))
    for w, desc in WORKLOADS.items():
        if ("none", w) not in samples:
            continue
        cells = [f"{statistics.median(samples[(c, w)]):,.0f}" for c in configs]
        for a, b in ratios:
            r = interval(samples[(a, w)], samples[(b, w)], rng)
            widths.append((r[2] - r[1]) / 2)
            cells.append(fmt(r))
        print(f"| {desc} | " + " | ".join(cells) + " |")
    print()


def main(argv):
    runs = {}
    for arg in argv:
        kernel, unit, path = arg.split(":", 2)
        runs[(kernel, unit)] = read(path)
    if not any(runs.values()):
        print("no bench samples")
        return 1
    rng = random.Random(1)
    for unit, what in UNITS.items():
        kernels = [k for k in KERNELS if runs.get((k, unit))]
        if not kernels:
            continue
        print(f"## {what}\n")
        widths = []
        for k in kernels:
            s = runs[(k, unit)]
            rounds = min(len(v) for v in s.values())
            print(f"### {KERNELS[k]}: {rounds} rounds\n")
            table(s, rng, widths)
        if "prod" in kernels and "stock" in kernels:
            p, s = runs[("prod", unit)], runs[("stock", unit)]
            print("### no provider against no series: prod none / stock none\n")
            print("| workload | prod none / stock none |\n|---|---|")
            for w, desc in WORKLOADS.items():
                if ("none", w) in p and ("none", w) in s:
                    r = interval(p[("none", w)], s[("none", w)], rng)
                    widths.append((r[2] - r[1]) / 2)
                    print(f"| {desc} | {fmt(r)} |")
            print()
        if widths:
            n = min(len(v) for k in kernels for v in runs[(k, unit)].values())
            worst = max(widths)
            print(f"Widest interval: ±{100 * worst:.1f} % at {n} rounds; an interval of "
                  f"±0.5 % would take about {max(n, round(n * (worst / 0.005) ** 2))} "
                  "rounds (the width shrinks as 1/√rounds).\n")
    print("Ratios are medians over medians, [95 % bootstrap interval]; "
          "absolute times from a TCG guest mean nothing on their own.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
