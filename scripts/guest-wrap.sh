#!/usr/bin/env bash
# Runs inside the guest (see vm.sh): OUT COMMAND [ARGS...]. Records the
# command's exit status and the kernel log in OUT for the host to check.
out=$1
shift
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
"$@"
echo $? > "$out/rc.tmp"
dmesg > "$out/dmesg"
mv "$out/rc.tmp" "$out/rc"
