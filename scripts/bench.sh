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
# scripts/bench_report.py writes this architecture's section of
# bench/RESULTS.md (the others' stay).
#   ROUNDS=15 ITERS=40 UNITS="wall icount"
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$(dirname "$0")/phases.sh"

rounds=${ROUNDS:-15} iters=${ITERS:-40} units=${UNITS:-wall icount}
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
# The module for each kernel with the series.
for k in test prod; do
	build_module "$(kbuild_of "$k")" "$base/module-$k" ||
		die "the module does not build against the $k kernel"
done
make -s -C "$RWP_TOP/tests" KSRC="$KSRC" KBUILD="$KBUILD" OUTPUT="$base/bin" ||
	die "the kselftests do not build"
read_configs "$base/module-test/rwp.ko"

raws=()
for k in test prod stock; do
	for unit in $units; do
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
			--known "${known_phases[@]}" "${config_groups[@]}" --ktap "$out/guest.ktap" --phases setup bench --arch "$ARCH" \
			> "$out/report.txt" ||
			{ cat "$out/report.txt"; die "the $k/$unit bench boot failed"; }
		raws+=("$k:$unit:$out/bench.raw")
	done
done
{
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) host cores, TCG guest (2 vCPUs for wall time, 1 for icount), $rounds rounds."
	echo
	# One heading level down: a section of RESULTS.md.
	python3 "$RWP_TOP/scripts/bench_report.py" "${raws[@]}" | sed 's/^#/##/'
} > "$base/$ARCH.md"
# This architecture's section of RESULTS.md, the others' kept.
python3 - "$RWP_TOP/bench/RESULTS.md" "$ARCH" "$base/$ARCH.md" <<'PY'
import re, sys
path, arch, part = sys.argv[1:]
try:
    text = open(path, encoding="utf-8").read()
except OSError:
    text = ""
sections = dict(re.findall(r"^## (\S+)\n\n(.*?)(?=^## |\Z)", text, re.M | re.S))
sections[arch] = open(part, encoding="utf-8").read().rstrip("\n") + "\n\n"
with open(path, "w", encoding="utf-8") as f:
    f.write("# Cost of the gates: the last `make bench` of each architecture\n\n")
    for name in sorted(sections, key=lambda a: (a != "x86_64", a)):
        f.write(f"## {name}\n\n{sections[name]}")
PY
cat "$base/$ARCH.md"
stage "bench: $ARCH's section of bench/RESULTS.md written"
