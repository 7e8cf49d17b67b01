#!/usr/bin/env bash
# Runs in the guest: rwp_bench under each configuration (none: no module;
# else the module under it: tests/insmod-rwp.sh), interleaved round by round (the order
# rotates, so drift spreads evenly), and prints raw "config workload ns"
# lines for scripts/bench_report.py.
#   bench-guest.sh BIN_DIR MODULE ROUNDS ITERATIONS "CONFIG..."
set -u
bin=$1 module=$2 rounds=$3 iters=$4
read -r -a configs <<< "$5"
kunit_glob=/sys/module/kunit/parameters/filter_glob

[ -w "$kunit_glob" ] && echo none.none > "$kunit_glob"
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < ${#configs[@]}; k++)); do
		cfg=${configs[(r + k) % ${#configs[@]}]}
		[ "$cfg" = none ] || "$(dirname "$0")/insmod-rwp.sh" "$module" "$cfg" || exit 1
		"$bin/rwp_bench" "$iters" | sed "s/^/$cfg /"
		[ "$cfg" = none ] || rmmod rwp || exit 1
	done
done
[ -w "$kunit_glob" ] && echo '*' > "$kunit_glob"
