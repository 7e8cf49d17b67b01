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


def read(paths):
    run = Run()
    for path in paths:
        config = os.path.basename(path).removesuffix(".ktap")
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = report.MODEL.search(line)
                if m:
                    run.model[(config, m.group(1))] = m.group(2, 3, 4)
    return run


def main(argv):
    report.model_table(read(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
