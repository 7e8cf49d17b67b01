#!/usr/bin/env bash
# Runs inside the guest: the kselftests once per configuration.
#   run-guest.sh RESULTS_DIR CONFIG...
# CONFIG is "none" (no module: the stock 7.3 C) or a policy name (the module
# loaded with policy=NAME). For each, RESULTS_DIR/CONFIG/ gets one TAP file
# per test program, the module's KUnit log and its counters.
set -u
results=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${RWP_TEST_BIN:?}
module=$top/module/rwp.ko
tests=(rwp_gup_test rwp_khugepaged_test rwp_reclaim_test)

log() { printf '  [guest %4ds] %s\n' "$SECONDS" "$*"; }

# Swap on zram for the reclaim tests.
setup_swap() {
	[ -e /sys/block/zram0 ] || return 0
	echo 1G > /sys/block/zram0/disksize &&
		mkswap -q /dev/zram0 >/dev/null && swapon /dev/zram0 ||
		log "no zram swap: the reclaim tests will skip"
}

# ext4 on a loop device, so that O_DIRECT really pins the user buffer.
setup_dio() {
	local img=/tmp/rwp-dio.img dir=/tmp/rwp-dio dev
	mkdir -p "$dir" && truncate -s 64M "$img" &&
		mkfs.ext4 -q -F "$img" >/dev/null 2>&1 &&
		dev=$(losetup -f --show "$img") &&
		mount -t ext4 "$dev" "$dir" && export RWP_DIO_DIR=$dir ||
		log "no ext4 on loop: the O_DIRECT test will skip"
}

# cgroup2, for memory.reclaim in the mixed-protection LRU reclaim test.
setup_cgroup() {
	mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup ||
		log "no cgroup2: the LRU reclaim test will skip"
}

run_config() {
	local cfg=$1 out=$results/$1 t mark
	mkdir -p "$out"
	if [ "$cfg" != none ]; then
		mark="rwp-kunit-$cfg-$SECONDS"
		echo "$mark" > /dev/kmsg
		if ! insmod "$module" policy="$cfg"; then
			log "insmod policy=$cfg failed"
			echo "insmod failed" > "$out/insmod-failed"
			return
		fi
		dmesg | sed -n "/$mark/,\$p" > "$out/kunit.log"
	fi
	for t in "${tests[@]}"; do
		log "$cfg: $t"
		"$bin/$t" > "$out/$t.tap" 2>&1
	done
	log "$cfg: uffd-unit-tests -f rwp"
	"$bin/uffd-unit-tests" -f rwp > "$out/uffd-unit-tests.log" 2>&1
	echo $? > "$out/uffd-unit-tests.rc"
	if [ "$cfg" != none ]; then
		cat /sys/kernel/debug/rwp/counters > "$out/counters"
		rmmod rwp || echo "rmmod failed" > "$out/rmmod-failed"
		[ ! -e /sys/kernel/debug/rwp ] || echo "debugfs left behind" > "$out/rmmod-failed"
	fi
}

# The extra passes named in RWP_EXTRAS: hostile fuzz stress bench.
run_extras() {
	local out=$results/extra what
	mkdir -p "$out"
	for what in ${RWP_EXTRAS:-}; do
		case $what in
		hostile)
			log "extra: hostile module input"
			"$top/tests/hostile-module.sh" "$module" > "$out/hostile.tap" 2>&1 ;;
		fuzz)
			log "extra: randomised uffd sequence (module loaded)"
			insmod "$module" policy=merged
			"$bin/rwp_fuzz_test" > "$out/fuzz.tap" 2>&1
			rmmod rwp ;;
		stress)
			log "extra: unload under load, ${RWP_STRESS_SECONDS:-45}s"
			"$top/tests/stress-module.sh" "$bin" "$module" "${RWP_STRESS_SECONDS:-45}" \
				"${RWP_STRESS_MIN_CYCLES:-200}" > "$out/stress.tap" 2>&1 ;;
		bench)
			log "extra: bench, ${RWP_BENCH_ROUNDS:-3} rounds"
			if "$top/tests/bench-guest.sh" "$bin" "$module" "${RWP_BENCH_ROUNDS:-3}" \
				"${RWP_BENCH_ITERS:-20}" > "$results/bench.raw"; then
				printf 'ok 1 bench.ran (%s rounds)\n' "${RWP_BENCH_ROUNDS:-3}"
			else
				echo "not ok 1 bench.ran"
			fi > "$out/bench.tap" ;;
		esac
	done
}

mkdir -p "$results"
setup_swap
setup_dio
setup_cgroup
for cfg in "$@"; do
	run_config "$cfg"
done
run_extras
