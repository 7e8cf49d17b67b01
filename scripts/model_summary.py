#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What a make model run found, as make check's report prints it
(report.model_table): per seed and configuration the operations and
seconds to the first mismatch, then per configuration how many seeds found
one and the medians over those.

    model_summary.py CONFIG.ktap...   (scripts/model.sh: $MODEL_OUT/model/)
"""
import os
import sys

import report


class Run:
    """The part of report.Judge that model_table reads."""

    def __init__(self):
        self.model = {}  # (configuration, seed) -> (operations, seconds, mismatch)


def config_of(path):
    """The configuration a KTAP of make model is of: its file's name."""
    return os.path.basename(path).removesuffix(".ktap")


def seed_lines(paths):
    """Each seed's line (report.MODEL) in the KTAPs, with its configuration."""
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = report.MODEL.search(line)
                if m:
                    yield config_of(path), m


def read(paths):
    run = Run()
    for config, m in seed_lines(paths):
        run.model[(config, m["seed"])] = m.group("ops", "seconds", "mismatch")
    return run


def main(argv):
    report.model_table(read(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
