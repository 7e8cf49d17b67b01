#!/usr/bin/env bash
# Runs inside the guest (see vm.sh): OUT COMMAND [ARGS...]. Mounts debugfs,
# runs the command and records its exit status in OUT/rc.
out=$1
shift
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
# virtme-ng points /dev/stdout at its console port rather than at the
# process's own stdout; the kselftest runner writes each program's output to
# /dev/stdout, which must reach whoever reads the runner, as on any system.
ln -sfn /proc/self/fd/1 /dev/stdout
"$@"
echo $? > "$out/rc.tmp"
mv "$out/rc.tmp" "$out/rc"
