#!/usr/bin/env bash
# The main job: build everything, boot the kernel, run the tests, report.
#   scripts/run.sh run     kselftests with the module loaded (policy=merged)
#   scripts/run.sh check   every configuration (no module, merged, seed,
#                          wp-only), KUnit, hostile input and the host checks
# The last line printed is `N passed, N failed, N skipped`; the exit status
# is 0 only when every expectation was met.
set -euo pipefail
. "$(dirname "$0")/env.sh"

mode=${1:-run}
case "$mode" in
run)	configs=(merged) ;;
check)	configs=(none merged seed wp-only) ;;
*)	die "usage: $0 run|check" ;;
esac
programs=(rwp_gup_test rwp_khugepaged_test rwp_reclaim_test)
RWP_OUT=${RWP_OUT:-$RWP_CACHE/out}
export RWP_OUT

bash "$RWP_TOP/scripts/setup.sh"
bash "$RWP_TOP/scripts/kernel.sh"
stage "module: building rwp.ko"
make -s -C "$RWP_TOP/module" KDIR="$KBUILD" >/dev/null || die "the module does not build"
stage "tests: building the kselftests"
make -s -C "$RWP_TOP/tests" KSRC="$KSRC" KBUILD="$KBUILD" OUT="$KBUILD/rwp-tests" ||
	die "the kselftests do not build"

rm -rf "$RWP_OUT"
mkdir -p "$RWP_OUT/bin" "$RWP_OUT/results"
cp "$KBUILD"/rwp-tests/* "$RWP_OUT/bin/"
host=$RWP_OUT/host-checks
: > "$host"
if [ "$mode" = check ]; then
	stage "checks: rustfmt, clippy, checkpatch, rust-analyzer"
	bash "$RWP_TOP/scripts/checks.sh" "$host"
fi

stage "vm: booting $(cat "$KBUILD/include/config/kernel.release"), running ${configs[*]}"
if bash "$RWP_TOP/scripts/vm.sh" env RWP_TEST_BIN="$RWP_OUT/bin" \
	"$RWP_TOP/tests/run-guest.sh" "$RWP_OUT/results" "${configs[@]}"; then
	echo "guest-dmesg-clean pass" >> "$host"
else
	echo "guest-dmesg-clean fail see $RWP_OUT/dmesg" >> "$host"
fi
stage "report"
python3 "$RWP_TOP/scripts/report.py" --results "$RWP_OUT/results" \
	--expect "$RWP_TOP/tests/expectations" --configs "${configs[@]}" \
	--programs "${programs[@]}" --host "$host"
