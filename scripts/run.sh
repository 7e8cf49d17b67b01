#!/usr/bin/env bash
# The main job: build everything, boot the kernel, run the tests, report.
#   scripts/run.sh run     kselftests with the module loaded (policy=merged)
#   scripts/run.sh check   every configuration (merged, seed, wp-only, then
#                          no module), KUnit, hostile input, fuzz, stress,
#                          a short bench and the host checks
#   scripts/run.sh stress  the unload-under-load stress for DURATION seconds
#   scripts/run.sh bench   the gate cost bench (ROUNDS, ITERS), written to
#                          bench/RESULTS.md
# The last line printed is `N passed, N failed, N skipped`; the exit status
# is 0 only when every expectation was met.
set -euo pipefail
. "$(dirname "$0")/env.sh"

mode=${1:-run}
case "$mode" in
run)	configs=(merged) ;;
check)	# none last: after three loads and unloads, the stock C must be back.
	configs=(merged seed wp-only none)
	export RWP_EXTRAS="hostile fuzz stress bench" ;;
stress)	configs=()
	export RWP_EXTRAS=stress RWP_STRESS_SECONDS=${DURATION:-600} ;;
bench)	configs=()
	export RWP_EXTRAS=bench RWP_BENCH_ROUNDS=${ROUNDS:-15} RWP_BENCH_ITERS=${ITERS:-40} ;;
*)	die "usage: $0 run|check|stress|bench" ;;
esac
programs=(rwp_gup_test rwp_khugepaged_test rwp_reclaim_test)
# A fixed seed keeps make check reproducible; RWP_FUZZ_SEED=random draws one.
fuzz_seed=${RWP_FUZZ_SEED:-20261125}
[ "$fuzz_seed" != random ] || fuzz_seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
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

stage "vm: booting $(cat "$KBUILD/include/config/kernel.release"), running ${configs[*]} ${RWP_EXTRAS:-}"
if VM_TIMEOUT=$(( ${DURATION:-0} + 3600 )) bash "$RWP_TOP/scripts/vm.sh" env \
	RWP_TEST_BIN="$RWP_OUT/bin" RWP_EXTRAS="${RWP_EXTRAS:-}" \
	RWP_STRESS_SECONDS="${RWP_STRESS_SECONDS:-45}" RWP_BENCH_ROUNDS="${RWP_BENCH_ROUNDS:-3}" \
	RWP_BENCH_ITERS="${RWP_BENCH_ITERS:-20}" RWP_FUZZ_SEED="$fuzz_seed" \
	"$RWP_TOP/tests/run-guest.sh" "$RWP_OUT/results" "${configs[@]}"; then
	echo "guest-dmesg-clean pass" >> "$host"
else
	echo "guest-dmesg-clean fail see $RWP_OUT/dmesg" >> "$host"
fi
if [ -s "$RWP_OUT/results/bench.raw" ]; then
	python3 "$RWP_TOP/scripts/bench_report.py" "$RWP_OUT/results/bench.raw" > "$RWP_OUT/bench.md"
	if [ "$mode" = bench ]; then
		{ echo "# Cost of the gates: last \`make bench\`"; echo
		  echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, TCG guest, 2 vCPUs."; echo
		  cat "$RWP_OUT/bench.md"; } > "$RWP_TOP/bench/RESULTS.md"
		stage "bench: written to bench/RESULTS.md"
	fi
	echo; echo "== bench"; cat "$RWP_OUT/bench.md"
fi
stage "report"
python3 "$RWP_TOP/scripts/report.py" --results "$RWP_OUT/results" \
	--expect "$RWP_TOP/tests/expectations" --configs "${configs[@]}" \
	--programs "${programs[@]}" --host "$host"
