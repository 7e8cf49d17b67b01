#!/usr/bin/env bash
# Runs inside the guest (see vm.sh): OUT COMMAND [ARGS...]. Mounts debugfs,
# runs the command and records its exit status in OUT/rc.
out=$1
shift
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
"$@"
echo $? > "$out/rc.tmp"
mv "$out/rc.tmp" "$out/rc"
