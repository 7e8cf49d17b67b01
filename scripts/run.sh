#!/usr/bin/env bash
# The main job: build everything, boot the kernel, run the tests, report.
#   scripts/run.sh run     the kselftests with the module loaded (merged)
#   scripts/run.sh check   every configuration (merged, seed, wp-only, then
#                          no module), hostile input, fuzz, stress, a short
#                          bench, the host checks; on boots of their own,
#                          each kernel mutant (patches/mutants/) and
#                          (unfixed) the tests of patches/fixes/ on a kernel
#                          without them; with RWP_SHARE=1, only the phases
#                          of make check's share of a second architecture
#                          (scripts/phases.sh, scripts/check-all.sh)
#   scripts/run.sh stress  the unload-under-load stress for DURATION seconds
#   RWP_FLAVOUR=kasan|kcsan scripts/run.sh sanitize
#                          on that sanitizer's kernel (scripts/kernel.sh), the
#                          model checker alone under every configuration,
#                          fuzz, stress, then the model on random seeds
#                          until DURATION seconds (soak); sanitize-short,
#                          make check's pass: none and merged, fuzz, stress
#                          (scripts/sanitize.sh runs both flavours)
#   RWP_FLAVOUR=coverage scripts/run.sh coverage
#                          on make coverage's kernel, every policy, no
#                          module, the hostile modules, each test group's
#                          gcov counters saved
#                          (scripts/coverage.sh reads them)
# (make bench is scripts/bench.sh: several kernels, several boots.)
# Every outcome lands in a KTAP document ($RWP_OUT/guest.ktap from the VM,
# $RWP_OUT/host.ktap from the host checks); scripts/report.py judges them
# against tests/expectations, prints the report and sets the exit status.
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$(dirname "$0")/phases.sh"

mode=${1:-run}
case "$mode" in
run|check|stress) [ "$RWP_FLAVOUR" = test ] ||
		die "make $mode boots the test kernel, not RWP_FLAVOUR=$RWP_FLAVOUR's" ;;
sanitize|sanitize-short) is_sanitizer "$RWP_FLAVOUR" ||
		die "$mode needs a sanitizer's kernel: RWP_FLAVOUR=${SANITIZERS[0]} $0 $mode" ;;
coverage) [ "$RWP_FLAVOUR" = coverage ] ||
		die "$mode needs make coverage's kernel: RWP_FLAVOUR=coverage $0 $mode" ;;
*)	die "usage: $0 run|check|stress|sanitize|sanitize-short|coverage" ;;
esac
# A fixed seed keeps make check reproducible; RWP_FUZZ_SEED=random draws one.
fuzz_seed=${RWP_FUZZ_SEED:-20261125}
[ "$fuzz_seed" != random ] || fuzz_seed=$(( (RANDOM << 15 | RANDOM) + 1 ))
soak_seconds=0
case "$mode" in
stress)	stress_seconds=${DURATION:-600} ;;
sanitize) stress_seconds=120 soak_seconds=${DURATION:-1800} ;;
*)	stress_seconds=45 ;;
esac
# make check's short bench; make bench (scripts/bench.sh) runs the full one.
bench_rounds=3 bench_iters=20

rm -rf "$RWP_OUT"
mkdir -p "$RWP_OUT/bin"
stages=$RWP_OUT/stages
# NAME COMMAND...: one stage of the pipeline, timed into $stages.
timed() {
	local name=$1 t0=$SECONDS rc=0
	shift
	"$@" || rc=$?
	echo "$name $((SECONDS - t0))" >> "$stages"
	return $rc
}

timed setup bash "$RWP_TOP/scripts/setup.sh"
timed kernel bash "$RWP_TOP/scripts/kernel.sh"
stage "module: building rwp.ko"
# For a sanitizer's kernel, from a copy: the checkout's is the test kernel's.
module=$RWP_TOP/rwp.ko
if [ "$RWP_FLAVOUR" = test ]; then
	timed module make -s -C "$RWP_TOP" KDIR="$KBUILD" modules >/dev/null
else
	module=$RWP_OUT/module/rwp.ko
	timed module build_module "$KBUILD" "$RWP_OUT/module"
fi || die "the module does not build"

# The configurations are the module's: it names its policies and mutants.
read_configs "$module"
case "$mode" in
run)	phases=(setup merged) ;;
check)	if [ -n "${RWP_SHARE:-}" ]; then
		phases=("${share_phases[@]}")
	else
		phases=("${all_phases[@]:0:${#all_phases[@]}-1}")
	fi ;;
stress)	phases=(setup stress) ;;
sanitize) phases=("${sanitize_phases[@]}") ;;
sanitize-short) phases=("${sanitize_short_phases[@]}") ;;
coverage) phases=("${coverage_phases[@]}") ;;
esac
# RWP_PHASES="setup wp-only" make run: just those phases, for a quick look.
if [ -n "${RWP_PHASES:-}" ]; then
	read -r -a phases <<< "$RWP_PHASES"
	for p in "${phases[@]}"; do
		[[ " ${known_phases[*]} " == *" $p "* ]] || die "RWP_PHASES: no phase '$p' (${known_phases[*]})"
	done
fi
# unfixed is a boot of its own, of make bench's stock flavour: 7.3 without
# the series and without patches/fixes/; so is each kernel mutant, of the
# test kernel with its patch.
unfixed=
vm_phases=() kernel_mutant_phases=()
for p in "${phases[@]}"; do
	if [ "$p" = unfixed ]; then
		unfixed=1
	elif [[ " ${kernel_mutants[*]} " == *" $p "* ]]; then
		kernel_mutant_phases+=("$p")
	else
		vm_phases+=("$p")
	fi
done
[ -z "$unfixed" ] || timed kernel-unfixed bash "$RWP_TOP/scripts/kernel.sh" stock
for p in "${kernel_mutant_phases[@]}"; do
	timed kernel-mutants bash "$RWP_TOP/scripts/kernel.sh" mutant "$p" ||
		die "kernel mutant $p does not build"
done
stage "tests: building the kselftests"
# Into this run's own directory: a build shared between checkouts could
# hand one of them the other's binaries.
timed tests make -s -C "$RWP_TOP/tests" KSRC="$KSRC" KBUILD="$KBUILD" OUTPUT="$RWP_OUT/bin" ||
	die "the kselftests do not build"
cp "$KSRC/tools/testing/selftests/kselftest/ktap_helpers.sh" "$RWP_OUT/bin/"
upstream_bin=
if [ "$mode" = check ]; then
	stage "upstream: the selftests/mm series, applied to a pristine 7.3 tools/, selftests/mm built"
	upstream_bin=$RWP_OUT/upstream-bin
	timed upstream bash "$RWP_TOP/scripts/upstream.sh" build "$RWP_OUT/upstream" \
		"$upstream_bin" || die "make upstream's series does not build on a pristine tree"
fi

report=()
if [ "$mode" = check ] && [ -z "${RWP_SHARE:-}" ]; then
	stage "checks: rustfmt, clippy, checkpatch, rust-analyzer, the judge's tests"
	# The host checks are a phase of their own, in a document of their own.
	{
		printf 'KTAP version 1\n1..1\n'
		rc=0
		timed host-checks bash "$RWP_TOP/scripts/checks.sh" > "$RWP_OUT/checks.ktap" || rc=$?
		sed 's/^/  /' "$RWP_OUT/checks.ktap"
		if [ "$rc" = 0 ]; then echo "ok 1 host"; else echo "not ok 1 host # exit=$rc"; fi
	} > "$RWP_OUT/host.ktap"
	report+=(--ktap "$RWP_OUT/host.ktap" --phases host)
fi

# A sanitizer's run: the model checker alone under each configuration (the
# kselftests are make check's), and the judge requires only its tests there;
# what only the whole suite can show (every mutant caught twice, every call
# site reached: --reach) is make check's to judge.
# The fuzzer's clock, 25 s for its 4000 operations, is too short for a
# sanitizer's kernel (KASAN: 3736 to 3977 of them, on random seeds): 60 s.
model_only= sanitizer_env=()
kselftests=$(make -s -C "$RWP_TOP/tests" list-kselftests)
case "$mode" in
sanitize*) model_only=1 sanitizer_env=(RWP_FUZZ_SECONDS=60)
	report+=(--kernel "$RWP_FLAVOUR" --only rwp_model_test insmod kunit rmmod taint dmesg) ;;
# make coverage's: the tests of make check's configurations, but not the
# selftests/mm series, which is another build of the same kselftests.
coverage) report+=(--kernel "$RWP_FLAVOUR" --only $kselftests
		rwp_model_test uffd-unit-tests insmod kunit rmmod counters taint dmesg) ;;
*)	report+=(--reach) ;;
esac
# The guest's environment goes in a file: vng hands the command to the guest
# on the kernel command line, which x86 caps at 2 KiB (COMMAND_LINE_SIZE).
guest_env=$RWP_OUT/guest.env
for var in RWP_TEST_BIN="$RWP_OUT/bin" KSRC="$KSRC" KBUILD="$KBUILD" \
	RWP_FUZZ_SEED="$fuzz_seed" RWP_MODULE_CONFIGS="${module_configs[*]}" \
	RWP_KERNEL_MUTANTS="${kernel_mutants[*]}" \
	RWP_KSELFTESTS="$kselftests" \
	RWP_STRESS_SECONDS="$stress_seconds" RWP_BENCH_ROUNDS="$bench_rounds" \
	RWP_BENCH_ITERS="$bench_iters" RWP_UPSTREAM_BIN="$upstream_bin" \
	RWP_MODULE="$module" RWP_MODEL_ONLY="$model_only" RWP_SOAK_SECONDS="$soak_seconds" \
	RWP_FLAVOUR="$RWP_FLAVOUR" \
	"${sanitizer_env[@]}"; do
	printf 'export %q\n' "$var"
done > "$guest_env"
if [ ${#vm_phases[@]} -gt 0 ]; then
	stage "vm: booting $(cat "$KBUILD/include/config/kernel.release"), phases: ${vm_phases[*]}"
	timed vm env VM_TIMEOUT=$((stress_seconds + soak_seconds + 3600)) bash "$RWP_TOP/scripts/vm.sh" \
		bash -c '. "$0" && exec "$@"' "$guest_env" \
		python3 "$RWP_TOP/tests/run_guest.py" "$RWP_OUT" "${vm_phases[@]}" || true
	report+=(--ktap "$RWP_OUT/guest.ktap")
	# The guest's time per phase, under the vm stage.
	[ -f "$RWP_OUT/vm-stages" ] && cat "$RWP_OUT/vm-stages" >> "$stages"
	if [ -f "$RWP_OUT/kcsan" ]; then
		echo "== kcsan: its counters at the end of the boot"
		cat "$RWP_OUT/kcsan"
	fi
fi
# boot_alone PHASE TITLE VAR=VALUE...: PHASE in a boot of its own, with the
# environment vm.sh is given.
boot_alone() {
	local phase=$1 title=$2
	shift 2
	stage "vm: booting $title, phase: $phase"
	mkdir -p "$RWP_OUT/$phase"
	timed "vm-$phase" env "$@" VM_TIMEOUT=900 \
		bash "$RWP_TOP/scripts/vm.sh" bash -c '. "$0" && exec "$@"' "$guest_env" \
		python3 "$RWP_TOP/tests/run_guest.py" "$RWP_OUT/$phase" "$phase" || true
	report+=(--ktap "$RWP_OUT/$phase/guest.ktap")
	[ -f "$RWP_OUT/$phase/vm-stages" ] && cat "$RWP_OUT/$phase/vm-stages" >> "$stages"
}
for p in "${kernel_mutant_phases[@]}"; do
	boot_alone "$p" "the kernel mutant $p" VM_KIMAGE="$(kbuild_of mutants)/$p.img"
done
[ -z "$unfixed" ] ||
	boot_alone unfixed "7.3 without patches/fixes/" KBUILD="$(kbuild_of stock)"

if [ -s "$RWP_OUT/bench.raw" ]; then
	python3 "$RWP_TOP/scripts/bench_report.py" "test:wall:$RWP_OUT/bench.raw" \
		> "$RWP_OUT/bench.md"
	echo; echo "== bench"; cat "$RWP_OUT/bench.md"
fi
stage "report"
exec python3 "$RWP_TOP/scripts/report.py" --expect "$RWP_TOP/tests/expectations" \
	--known "${known_phases[@]}" "${config_groups[@]}" "${report[@]}" --phases "${phases[@]}" \
	--arch "$ARCH" --stages "$stages" --save "$RWP_OUT/report.json"
