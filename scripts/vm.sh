#!/usr/bin/env bash
# Boot the cached kernel under virtme-ng and run a command inside as root:
#   scripts/vm.sh COMMAND [ARGS...]
# Exits with the command's status. Afterwards the guest's dmesg is scanned:
# any WARN, BUG, Oops, lockdep report or RCU stall fails the run and is
# printed. The guest's dmesg is kept in $RWP_OUT/dmesg.
#
# KVM is used where it works; this machine's /dev/kvm does not (qemu aborts
# or hangs), so a probe boot, cached per host boot, falls back to TCG.
set -euo pipefail
. "$(dirname "$0")/env.sh"

RWP_OUT=${RWP_OUT:-$RWP_CACHE/out}
VM_MEMORY=${VM_MEMORY:-3G}
VM_CPUS=${VM_CPUS:-2}
VM_TIMEOUT=${VM_TIMEOUT:-3600}
mkdir -p "$RWP_OUT"

[ -f "$KBUILD/arch/x86/boot/bzImage" ] || die "no kernel in $KBUILD: run scripts/kernel.sh"

# Prints the accelerator option for vng: nothing for KVM, --disable-kvm for TCG.
accel() {
	local probe=$RWP_CACHE/kvm-probe boot
	boot=$(cat /proc/sys/kernel/random/boot_id)
	if [ "${RWP_ACCEL:-}" = tcg ]; then echo --disable-kvm; return; fi
	if [ ! -f "$probe" ] || [ "$(head -n1 "$probe")" != "$boot" ]; then
		local verdict=tcg
		if [ -w /dev/kvm ] &&
		   timeout 60 vng --run "$KBUILD" --cpus 1 --memory 512M \
			--exec 'echo rwp-kvm-ok' </dev/null 2>/dev/null | grep -q rwp-kvm-ok; then
			verdict=kvm
		fi
		printf '%s\n%s\n' "$boot" "$verdict" > "$probe"
		stage "vm: KVM probe says $verdict" >&2
	fi
	[ "$(tail -n1 "$probe")" = kvm ] || echo --disable-kvm
}

# Lines of a guest dmesg that mean the kernel misbehaved.
SPLAT='WARNING:|BUG:|Oops|general protection fault|Kernel panic|Call Trace:|cut here|rcu.*detected stall|rcu_sched self-detected|possible recursive locking|possible circular locking|inconsistent lock state|suspicious RCU usage|UBSAN:|KASAN:|hung_task|soft lockup|hard LOCKUP'

rm -f "$RWP_OUT/rc" "$RWP_OUT/dmesg"
# The guest runs a shell command line: quote every argument.
cmd=$(printf '%q ' "$RWP_TOP/scripts/guest-wrap.sh" "$RWP_OUT" "$@")
# Through a pipe: given a regular file as stdout or stderr, qemu truncates
# it, and everything the host printed before the boot would be lost.
# shellcheck disable=SC2046
timeout "$VM_TIMEOUT" vng --run "$KBUILD" $(accel) --cpus "$VM_CPUS" --memory "$VM_MEMORY" \
	--append "kunit.enable=1 kunit.autorun=1" --rwdir "$RWP_OUT" --cwd "$RWP_TOP" \
	--exec "$cmd" </dev/null 2>&1 | cat || true

[ -f "$RWP_OUT/rc" ] || die "the guest did not finish (boot failure or timeout after ${VM_TIMEOUT}s)"
rc=$(cat "$RWP_OUT/rc")
# One diagnostic is expected, not a splat: with CONFIG_DEBUG_VM,
# handle_userfault() dumps the stack when a sync userfaultfd fault comes
# from a GUP that cannot retry (/proc/pid/mem, ptrace, gup_test), which the
# sync GUP tests do on purpose. Drop exactly that block, then scan.
awk '/FAULT_FLAG_ALLOW_RETRY missing/ { skip = 1 }
     !skip { print }
     skip && /<\/TASK>/ { skip = 0 }' "$RWP_OUT/dmesg" > "$RWP_OUT/dmesg.scanned"
if grep -E "$SPLAT" "$RWP_OUT/dmesg.scanned" >/dev/null; then
	echo "error: the guest kernel complained; dmesg:" >&2
	grep -E -B5 -A30 "$SPLAT" "$RWP_OUT/dmesg.scanned" | head -n 200 >&2
	exit 1
fi
exit "$rc"
