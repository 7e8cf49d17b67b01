#!/usr/bin/env bash
# make bench: what the gates cost, on three kernels, in two units.
#   kernels  test   config/rwp.config: the debugging on, as make check runs
#            prod   config/prod.config after it: the debugging off
#            stock  prod's config on Debian's source without the series
#   units    wall   the guest's clock under plain TCG: it wobbles with the host
#            icount QEMU's -icount: the guest clock advances with executed
#                   instructions, so the guest's clock_gettime() counts work
# Each (kernel, unit) is one boot of tests/run_guest.py's setup and bench
# phases (no module, merged and seed interleaved round by round; the stock
# kernel has no module), judged by scripts/report.py like any run. Then
# scripts/bench_report.py writes bench/RESULTS.md.  ROUNDS=15 ITERS=40.
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$(dirname "$0")/phases.sh"

rounds=${ROUNDS:-15} iters=${ITERS:-40}
# One nanosecond of guest time per instruction; an idle guest skips ahead
# to its next timer instead of waiting for the host (sleep=off). One vCPU:
# with two, QEMU runs them in turns, and when it switches depends on the host.
icount_opts="-icount shift=0,sleep=off"
# Apart from make check's $RWP_OUT: the two may run on one machine.
base=$RWP_CACHE/bench-out
rm -rf "$base"
mkdir -p "$base/bin"

bash "$RWP_TOP/scripts/setup.sh"
for k in test prod stock; do
	bash "$RWP_TOP/scripts/kernel.sh" "$k"
done
# The module for each kernel with the series, built from a copy of the
# sources (the checkout's rwp.ko is make check's).
for k in test prod; do
	mkdir -p "$base/module-$k"
	cp "$RWP_TOP"/Kbuild "$RWP_TOP"/*.rs "$base/module-$k/"
	make -s -C "$(kbuild_of "$k")" M="$base/module-$k" ARCH="$KARCH" modules >/dev/null ||
		die "the module does not build against the $k kernel"
done
make -s -C "$RWP_TOP/tests" KSRC="$KSRC" KBUILD="$KBUILD" OUTPUT="$base/bin" ||
	die "the kselftests do not build"
read_configs "$base/module-test/rwp.ko"

raws=()
for k in test prod stock; do
	for unit in wall icount; do
		out=$base/$k-$unit
		mkdir -p "$out"
		configs="none merged seed" module=$base/module-$k/rwp.ko
		[ "$k" != stock ] || configs=none module=
		opts= cpus=2
		[ "$unit" = wall ] || opts=$icount_opts cpus=1
		stage "bench: $k kernel, $unit time, $rounds rounds ($configs)"
		# The guest sees the cache only through RWP_OUT: all of $base.
		RWP_OUT=$base KBUILD=$(kbuild_of "$k") VM_QEMU_OPTS=$opts VM_CPUS=$cpus \
			bash "$RWP_TOP/scripts/vm.sh" env \
			RWP_TEST_BIN="$base/bin" KSRC="$KSRC" KBUILD="$(kbuild_of "$k")" \
			RWP_MODULE="$module" RWP_BENCH_CONFIGS="$configs" \
			RWP_MODULE_CONFIGS= RWP_KSELFTESTS= \
			RWP_BENCH_ROUNDS="$rounds" RWP_BENCH_ITERS="$iters" \
			python3 "$RWP_TOP/tests/run_guest.py" "$out" setup bench || true
		python3 "$RWP_TOP/scripts/report.py" --expect "$RWP_TOP/tests/expectations" \
			--known "${all_phases[@]}" "${config_groups[@]}" --ktap "$out/guest.ktap" --phases setup bench \
			> "$out/report.txt" ||
			{ cat "$out/report.txt"; die "the $k/$unit bench boot failed"; }
		raws+=("$k:$unit:$out/bench.raw")
	done
done
{
	echo "# Cost of the gates: last \`make bench\`"
	echo
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) host cores, TCG guest (2 vCPUs for wall time, 1 for icount), $rounds rounds."
	echo
	python3 "$RWP_TOP/scripts/bench_report.py" "${raws[@]}"
} > "$base/RESULTS.md"
cp "$base/RESULTS.md" "$RWP_TOP/bench/RESULTS.md"
cat "$base/RESULTS.md"
stage "bench: written to bench/RESULTS.md"
