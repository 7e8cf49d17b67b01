#!/usr/bin/env python3
"""Summarise rwp_bench's raw "config workload ns" lines: median and spread
(interquartile range, as a percentage of the median) per workload and
configuration, and each median's ratio to no module. Prints a Markdown table.
"""
import statistics
import sys
from collections import defaultdict

CONFIGS = ["none", "merged", "seed"]
WORKLOADS = {
    "gup_read": "read GUP of a protected page (ns/page)",
    "collapse": "MADV_COLLAPSE refused on a protected range (ns/attempt)",
    "pageout": "page-out + refault of protected 64 KiB shmem folios (ns/folio)",
}


def quartiles(xs):
    xs = sorted(xs)
    if len(xs) < 4:
        return xs[0], xs[-1]
    q = statistics.quantiles(xs, n=4)
    return q[0], q[2]


def main():
    samples = defaultdict(list)
    for line in open(sys.argv[1], encoding="utf-8"):
        parts = line.split()
        if len(parts) == 3 and parts[0] in CONFIGS and parts[1] in WORKLOADS:
            samples[(parts[0], parts[1])].append(float(parts[2]))
    if not samples:
        print("no bench samples")
        return 1
    rounds = min(len(v) for v in samples.values())
    print(f"{rounds} interleaved rounds per configuration; median (spread = IQR / median), "
          "ratio = median / median without the module\n")
    print("| workload | " + " | ".join(CONFIGS) + " | merged/none | seed/none | seed/merged |")
    print("|---|" + "---|" * (len(CONFIGS) + 3))
    for w, desc in WORKLOADS.items():
        med = {}
        cells = []
        for c in CONFIGS:
            xs = samples.get((c, w), [])
            if not xs:
                cells.append("-")
                continue
            med[c] = statistics.median(xs)
            lo, hi = quartiles(xs)
            cells.append(f"{med[c]:,.0f} (±{100 * (hi - lo) / 2 / med[c]:.0f}%)")
        ratio = lambda a, b: f"{med[a] / med[b]:.3f}" if a in med and b in med else "-"
        print(f"| {desc} | " + " | ".join(cells) +
              f" | {ratio('merged', 'none')} | {ratio('seed', 'none')} | {ratio('seed', 'merged')} |")
    print("\nAbsolute times come from a TCG guest and mean nothing on their own; compare ratios.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
