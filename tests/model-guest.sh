#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest (scripts/model.sh boots it): the RWP model checker
# under each configuration named in RWP_MODEL_CONFIGS ("none": no module;
# a policy or a mutant: tests/insmod-rwp.sh), after the
# guest setup make check's setup phase does too (tests/guest-setup.sh: zram
# swap, ext4 on loop for O_DIRECT, cgroup2); the checker turns its mTHP
# size on itself. Output: OUT_DIR/model/CONFIG.ktap, and
# one summary line per configuration on stdout. The kernel log of the whole
# run (OUT_DIR/model/kmsg) is judged as make check judges it: a splat, or a
# stack dump no test announced, fails the run.
#   model-guest.sh BIN_DIR OUT_DIR
set -u
bin=$1
top=$(cd "$(dirname "$0")/.." && pwd)
out=$2/model
mkdir -p "$out"
configs=$RWP_MODEL_CONFIGS

"$top/tests/guest-setup.sh" zram_swap ext4_on_loop cgroup2
export RWP_DIO_DIR=/tmp/rwp-dio
cat /dev/kmsg > "$out/kmsg" &
kmsg_pid=$!
status=0

for cfg in $configs; do
	if [ "$cfg" != none ]; then
		if ! "$top/tests/insmod-rwp.sh" "$top/rwp.ko" "$cfg"; then
			echo "model: config=$cfg insmod failed"
			continue
		fi
	fi
	# Microseconds, by bash alone: a foreign guest's root has no awk
	# (its packages are unpacked, not installed: no alternatives links).
	start=${EPOCHREALTIME/./}
	timeout -s KILL "${RWP_MODEL_TIMEOUT:-300}" "$bin/rwp_model_test" > "$out/$cfg.ktap" 2>&1
	rc=$?
	tenths=$(( (${EPOCHREALTIME/./} - start) / 100000 ))
	secs=$((tenths / 10)).$((tenths % 10))
	[ "$cfg" != none ] && rmmod rwp
	echo "model: config=$cfg exit=$rc wall=${secs}s"
	grep -E '^# (model: seed|MISMATCH|CRASHED|HUNG|BROKEN|CUT)' "$out/$cfg.ktap" | sed "s/^/  [$cfg] /"
done
sleep 1
kill "$kmsg_pid"
wait "$kmsg_pid" 2>/dev/null
ktaps=()
for cfg in $configs; do
	[ -f "$out/$cfg.ktap" ] && ktaps+=("$out/$cfg.ktap")
done
python3 "$top/scripts/dmesg_scan.py" "$out/kmsg" "${ktaps[@]}" || status=1
exit $status
