#!/usr/bin/env bash
# Boot the cached kernel under virtme-ng, as root:
#   scripts/vm.sh                      an interactive shell
#   scripts/vm.sh COMMAND [ARGS...]    run COMMAND, exit with its status
# The guest sees this checkout (working directory), $RWP_OUT (writable) and
# the kernel source (read-only: tests/Makefile's run_tests reads its lib.mk).
# Whether the run passed is not decided here: the command writes its
# results, and scripts/report.py judges them.
#
# KVM is used where it works; this machine's /dev/kvm does not (qemu aborts
# or hangs), so a probe boot, cached per host boot, falls back to TCG.
set -euo pipefail
. "$(dirname "$0")/env.sh"

VM_MEMORY=${VM_MEMORY:-3G}
VM_CPUS=${VM_CPUS:-2}
# NUMA nodes, the memory split evenly, every CPU on the first: the others
# are memory-only nodes for tests/rwp_migrate_test.c to move pages to.
# Tasks allocate on the first node as on a machine of one (CPUs of one
# package on two nodes would WARN in x86's topology_sane()). Where QEMU
# wants CPUs on every node (NUMA_CPUS=spread, scripts/env.sh), they are
# split evenly too. Balancing stays off: config/rwp.config does not set
# CONFIG_NUMA_BALANCING_DEFAULT_ENABLED.
VM_NODES=${VM_NODES:-2}
VM_TIMEOUT=${VM_TIMEOUT:-3600}
VM_QEMU_OPTS=${VM_QEMU_OPTS:-}	# more QEMU options (make bench: -icount)
# Another image of $KBUILD's kernel (a kernel mutant, scripts/kernel.sh),
# booted with $KBUILD's modules: one file, which virtme-ng takes as it is.
VM_KIMAGE=${VM_KIMAGE:-}
# KUnit runs each module's suites at insmod; a ring buffer that holds the
# whole run, so that the per-phase dmesg checks see every line.
VM_CMDLINE="kunit.enable=1 kunit.autorun=1 log_buf_len=32M"
mkdir -p "$RWP_OUT"

[ -f "$KBUILD/$KIMAGE" ] || die "no kernel in $KBUILD: run scripts/kernel.sh"

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

# vng's --numa options for VM_NODES nodes of VM_MEMORY (M or G).
numa_args() {
	local mib node cpus
	case "$VM_MEMORY" in
	*G) mib=$((${VM_MEMORY%G} * 1024)) ;;
	*M) mib=${VM_MEMORY%M} ;;
	*) die "VM_MEMORY=$VM_MEMORY: give it in M or G" ;;
	esac
	[ $((mib % VM_NODES)) = 0 ] || die "VM_MEMORY=$VM_MEMORY does not split into $VM_NODES nodes"
	for ((node = 0; node < VM_NODES; node++)); do
		case "$NUMA_CPUS" in
		first)
			cpus=
			[ "$node" != 0 ] || cpus=",cpus=0-$((VM_CPUS - 1))" ;;
		spread)
			[ $((VM_CPUS % VM_NODES)) = 0 ] ||
				die "VM_CPUS=$VM_CPUS does not split into $VM_NODES nodes ($ARCH needs a CPU on each)"
			cpus=",cpus=$((node * VM_CPUS / VM_NODES))-$(((node + 1) * VM_CPUS / VM_NODES - 1))" ;;
		*) die "NUMA_CPUS=$NUMA_CPUS: first or spread" ;;
		esac
		echo --numa "$((mib / VM_NODES))M$cpus"
	done
}

vng_args=(--run "${VM_KIMAGE:-$KBUILD}" --cpus "$VM_CPUS" --memory "$VM_MEMORY" --append "$VM_CMDLINE")
[ "$VM_NODES" -le 1 ] || vng_args+=($(numa_args))
if [ -z "$CROSS_COMPILE" ]; then
	# The host's own root filesystem, with this checkout in it.
	vng_args+=($(accel) --rwdir "$RWP_OUT" --rodir "$KSRC" --cwd "$RWP_TOP")
else
	# A foreign architecture: its own root filesystem (scripts/setup.sh),
	# emulated (TCG). vng maps a host directory into a foreign root at the
	# guest path given before '='; the mount points must be in the root
	# (it is read-only in the guest). The checkout is mapped at its host
	# path, so that every path the host hands the guest holds there too.
	root=$(rootfs_dir)
	[ -x "$root/usr/bin/python3" ] || die "no $DEB_ARCH root filesystem in $root: run scripts/setup.sh"
	for d in "$RWP_OUT" "$KSRC" "$KBUILD" "$RWP_TOP"; do
		mkdir -p "$root$d"
	done
	# The kernel's modules, where vng looks for them in a foreign root.
	kmake -C "$KSRC" O="$KBUILD" INSTALL_MOD_PATH="$root" modules_install >/dev/null ||
		die "make modules_install into $root failed"
	vng_args+=(--arch "$VNG_ARCH" --root "$root" --rwdir "$RWP_OUT=$RWP_OUT"
		--rodir "$KSRC=$KSRC" --rodir "$KBUILD=$KBUILD" --rodir "$RWP_TOP=$RWP_TOP"
		--cwd "$root$RWP_TOP")
fi
# QEMU_BACKPORT's QEMU, and QEMU_CPU (scripts/env.sh).
[ -z "$QEMU_BACKPORT" ] || vng_args+=(--qemu "$RWP_TOP/scripts/qemu.sh")
qemu_opts="${QEMU_CPU:+-cpu $QEMU_CPU }$VM_QEMU_OPTS"
# A node's CPUs a socket of their own (QEMU warns of one socket on two nodes).
[ "$NUMA_CPUS" != spread ] || [ "$VM_NODES" -le 1 ] || qemu_opts+=" -smp $VM_CPUS,sockets=$VM_NODES"
[ -z "$qemu_opts" ] || vng_args+=("--qemu-opts=$qemu_opts")
if [ $# = 0 ]; then
	exec vng "${vng_args[@]}"
fi

rm -f "$RWP_OUT/rc"
# The guest runs a shell command line: quote every argument. Through a
# pipe: given a regular file as stdout or stderr, qemu truncates it, and
# everything the host printed before the boot would be lost.
cmd=$(printf '%q ' "$RWP_TOP/scripts/guest-wrap.sh" "$RWP_OUT" "$@")
# vng carries the command base64-encoded on the kernel command line, which
# x86 caps at 2 KiB (COMMAND_LINE_SIZE) with vng's own options: past this
# the guest boots without it and nothing runs. Pass more in a file.
[ ${#cmd} -le 1024 ] || die "the guest command is ${#cmd} bytes, over 1024: it would not reach the guest"
timeout "$VM_TIMEOUT" vng "${vng_args[@]}" --exec "$cmd" </dev/null 2>&1 | cat || true
[ -f "$RWP_OUT/rc" ] || die "the guest did not finish (boot failure or timeout after ${VM_TIMEOUT}s)"
exit "$(cat "$RWP_OUT/rc")"
