#!/usr/bin/env bash
# An interactive root shell in the VM, the checkout as working directory.
# `insmod module/rwp.ko policy=seed`, `cat /sys/kernel/debug/rwp/counters`.
set -euo pipefail
. "$(dirname "$0")/env.sh"
[ -f "$KBUILD/arch/x86/boot/bzImage" ] || die "no kernel yet: run make run first"
accel=--disable-kvm
[ "$(tail -n1 "$RWP_CACHE/kvm-probe" 2>/dev/null)" = kvm ] && accel=
# shellcheck disable=SC2086
exec vng --run "$KBUILD" $accel --cpus 2 --memory 3G --cwd "$RWP_TOP" \
	--append "kunit.enable=1 kunit.autorun=1"
