#!/usr/bin/env bash
# Runs in the guest (TAP): rwp_stress keeps the gates busy while
# rwp_modcycle loads and unloads the module as fast as it can (no process
# spawn per cycle), alternating merged and seed. wp-only is left out: it is
# the bug, and loses faults by design.
#   stress-module.sh BIN_DIR MODULE SECONDS [MIN_CYCLES]
set -u
bin=$1 module=$2 seconds=$3 min_cycles=${4:-200}
kunit_glob=/sys/module/kunit/parameters/filter_glob
cycles=0 failed=0

# KUnit runs at every insmod; it is checked elsewhere and would only slow
# the cycles down here.
[ -w "$kunit_glob" ] && echo none.none > "$kunit_glob"
"$bin/rwp_stress" "$seconds" > /tmp/rwp-stress.tap 2>&1 &
pid=$!
cycles=$("$bin/rwp_modcycle" "$module" rwp "$seconds" policy=merged policy=seed) || failed=1
wait "$pid"
rc=$?
[ -w "$kunit_glob" ] && echo '*' > "$kunit_glob"

grep -v '^1\.\.\|^# Totals\|^# Planned' /tmp/rwp-stress.tap | sed 's/^ok \([0-9]*\)/ok \1/'
echo "# $cycles load/unload cycles in ${seconds}s"
if [ "$failed" = 0 ] && [ "$cycles" -ge "$min_cycles" ]; then
	echo "ok 4 stress.module_cycles ($cycles, at least $min_cycles)"
else
	echo "not ok 4 stress.module_cycles ($cycles, at least $min_cycles, load/unload failed: $failed)"
fi
exit $((rc != 0 || failed != 0))
