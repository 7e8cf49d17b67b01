#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Chooses the seeds make check pins (DEFAULT_SEEDS in tests/rwp_model_test.c)
from a survey's KTAPs (make model OPS=400 SEED=1,...,16): the set of SIZE
seeds that between them find every configuration's mismatch within LIMIT
operations, with both values of each mode bit among them (sync, event_fork,
event_remap), and that finds the most configurations twice; among those, the
one that finds them soonest (the sum of each configuration's first find).

    model_seeds.py [--size N] [--limit OPS] [--clean none,merged] CONFIG.ktap...
"""
import argparse
import itertools
import sys

import model_summary

FEATURES = ("sync", "event_fork", "event_remap")


def read(paths):
    """Per configuration, the seeds that found a mismatch and at which
    operation; and each seed's mode, as the set of its features."""
    finds = {model_summary.config_of(path): {} for path in paths}
    modes = {}
    for config, m in model_summary.seed_lines(paths):
        seed = int(m["seed"])
        modes[seed] = frozenset(m["mode"].split("+"))
        if m["mismatch"] == "yes":
            finds[config][seed] = int(m["ops"])
    return finds, modes


def choose(finds, modes, size, limit):
    """The best set, or None when no set of `size` seeds finds every configuration."""
    soon = {c: {s: ops for s, ops in f.items() if ops <= limit} for c, f in finds.items()}
    best = None
    for seeds in itertools.combinations(sorted(modes), size):
        counts = [sum(s in soon[c] for s in seeds) for c in soon]
        if not all(counts):
            continue
        if not all(len({f in modes[s] for s in seeds}) == 2 for f in FEATURES):
            continue
        first = sum(min(soon[c][s] for s in seeds if s in soon[c]) for c in soon)
        key = (sum(n >= 2 for n in counts), -first)
        if best is None or key > best[0]:
            best = (key, seeds)
    return best and best[1]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=6)
    ap.add_argument("--limit", type=int, default=130)
    ap.add_argument("--clean", default="none,merged",
                    help="configurations that must find nothing: not to be covered")
    ap.add_argument("ktaps", nargs="+")
    args = ap.parse_args(argv)
    finds, modes = read(args.ktaps)
    clean = set(args.clean.split(","))
    for config in clean & finds.keys():
        if finds[config]:
            print(f"{config} found a mismatch (seeds {sorted(finds[config])}): not a survey to pin from")
            return 1
    finds = {c: f for c, f in finds.items() if c not in clean}
    seeds = choose(finds, modes, args.size, args.limit)
    if not seeds:
        print(f"no {args.size} seeds find every configuration within {args.limit} operations:")
        for config, f in finds.items():
            if not any(ops <= args.limit for ops in f.values()):
                print(f"  {config}: {sorted(f.items(), key=lambda x: x[1])[:3]} (seed, operation)")
        return 1
    print("DEFAULT_SEEDS \"" + ",".join(map(str, seeds)) + "\"")
    for config, f in finds.items():
        hits = ", ".join(f"{s} at {f[s]}" for s in seeds if f.get(s, args.limit + 1) <= args.limit)
        print(f"  {config}: {hits}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
