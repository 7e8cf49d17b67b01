# Common paths for every script. Source it; it sets no shell options.
# RWP_CACHE holds everything that is expensive to rebuild: the 7.3 source,
# the O= build directory, the Python venv (virtme-ng, libclang) and bindgen.
RWP_CACHE=${RWP_CACHE:-/var/cache/rwp}
RWP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Stage banner with elapsed time since the top-level command started.
: "${RWP_T0:=$(date +%s)}"
export RWP_T0
stage() {
	printf '==> [%4ds] %s\n' $(( $(date +%s) - RWP_T0 )) "$*"
}
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# The architecture the kernel, the module, the tests and the VM are built
# and booted for (make check ARCH=...; the host is x86_64): the kernel's
# ARCH for it and the option its .config has, its boot image, virtme-ng's
# and Debian's names for it, QEMU's package, and for a foreign one the
# cross compiler (exported: the kernel's and the kselftests' makefiles take
# CROSS_COMPILE from the environment), the Debian release of its guest root
# and the suffix of its directories in the cache.
#   QEMU_BACKPORT  QEMU from trixie-backports instead of QEMU_PKG: the
#                  guest needs a newer QEMU than bookworm's (scripts/qemu.sh)
#   QEMU_CPU       the guest's CPU, where QEMU's default lacks what RWP needs
#   NUMA_CPUS      spread: the guest's CPUs split among its NUMA nodes, where
#                  QEMU refuses a node without one (scripts/vm.sh)
#   LLVM           the kernel and the module built with LLVM (kmake); the
#                  tests stay on CROSS_COMPILE's gcc, as on arm64
ARCH=${ARCH:-x86_64}
# The LLVM of the kernels built by Clang (riscv64's, the sanitizers'):
# bookworm's 19 (7.3 needs 17.0.1 or later), installed on every host.
KERNEL_LLVM=-19
LLVM_PKGS="clang-19 lld-19 llvm-19"
QEMU_BACKPORT= QEMU_CPU= NUMA_CPUS=first LLVM=${LLVM:-} DEB_SUITE=bookworm
case $ARCH in
x86_64)
	KARCH=x86 KCONFIG_ARCH=CONFIG_X86_64 KIMAGE=arch/x86/boot/bzImage
	VNG_ARCH=x86_64 DEB_ARCH=amd64
	QEMU_PKG=qemu-system-x86 CROSS_COMPILE= CROSS_PKG= ARCH_SUFFIX=
	;;
arm64)
	KARCH=arm64 KCONFIG_ARCH=CONFIG_ARM64 KIMAGE=arch/arm64/boot/Image
	VNG_ARCH=arm64 DEB_ARCH=arm64
	QEMU_PKG=qemu-system-arm CROSS_COMPILE=aarch64-linux-gnu-
	CROSS_PKG=gcc-aarch64-linux-gnu ARCH_SUFFIX=-arm64
	;;
riscv64)
	# 7.3 has RWP on riscv only with Svrsw60t59b (HAVE_ARCH_USERFAULTFD_WP
	# needs RISCV_ISA_SVRSW60T59B, and the uffd PTE bit is its bit 60,
	# probed at boot): QEMU 10.1 or later, -cpu max. Rust for riscv needs
	# the kernel built by LLVM, bookworm's 19; Debian's riscv64 port begins
	# with trixie.
	KARCH=riscv KCONFIG_ARCH=CONFIG_RISCV KIMAGE=arch/riscv/boot/Image
	VNG_ARCH=riscv64 DEB_ARCH=riscv64 DEB_SUITE=trixie
	# QEMU's riscv virt machine makes a socket of each node, and refuses
	# one without harts ("discontinuous hartids in socket1").
	QEMU_PKG= QEMU_BACKPORT=qemu-system-riscv QEMU_CPU=rv64,svrsw60t59b=true NUMA_CPUS=spread
	CROSS_COMPILE=riscv64-linux-gnu- LLVM=$KERNEL_LLVM
	CROSS_PKG=gcc-riscv64-linux-gnu ARCH_SUFFIX=-riscv64
	;;
*)
	die "ARCH=$ARCH: the architectures built and booted are x86_64, arm64 and riscv64"
	;;
esac
export ARCH CROSS_COMPILE
# The kernel every script builds for, boots and loads the module into: the
# test kernel (config/rwp.config), or an instrumented one, which has an O=
# directory of its own (scripts/kernel.sh): make sanitize's (kasan|kcsan:
# config/sanitizers.config), built by Clang whatever the architecture's
# compiler, since 7.3 has Rust beside KASAN only then (init/Kconfig: RUST
# depends on !KASAN || CC_IS_CLANG); make coverage's (coverage:
# config/coverage.config), built by the architecture's gcc, whose gcov
# notes Debian's lcov reads, with gcov's profiling on COVERAGE_FILES alone.
RWP_FLAVOUR=${RWP_FLAVOUR:-test}
SANITIZERS=(kasan kcsan)
INSTRUMENTED=("${SANITIZERS[@]}" coverage)
# is_sanitizer NAME, is_instrumented NAME: whether NAME is one of those kernels.
is_sanitizer() {
	[[ " ${SANITIZERS[*]} " == *" $1 "* ]]
}
is_instrumented() {
	[[ " ${INSTRUMENTED[*]} " == *" $1 "* ]]
}
FLAVOUR_SUFFIX=
if is_instrumented "$RWP_FLAVOUR"; then
	FLAVOUR_SUFFIX=-$RWP_FLAVOUR
	! is_sanitizer "$RWP_FLAVOUR" || LLVM=$KERNEL_LLVM
elif [ "$RWP_FLAVOUR" != test ]; then
	die "RWP_FLAVOUR=$RWP_FLAVOUR: the kernels are test and the instrumented ones (${INSTRUMENTED[*]})"
fi
export RWP_FLAVOUR
# make coverage's files: those of 7.3 that decide on RWP state (mm/, and
# PAGEMAP_SCAN's fs/proc/task_mmu.c), then the series' own (COVERAGE_OWN:
# every line of it is RWP's). scripts/kernel.sh profiles them alone.
COVERAGE_OWN=(mm/rwp_gate.c)
COVERAGE_FILES=(mm/gup.c mm/khugepaged.c mm/rmap.c mm/memory.c mm/huge_memory.c mm/hugetlb.c
	mm/mprotect.c mm/mremap.c mm/migrate.c mm/swapfile.c mm/userfaultfd.c
	fs/proc/task_mmu.c "${COVERAGE_OWN[@]}")
# make in the kernel tree (or O= a build of it) for $ARCH: the kernel's name
# for it (not always ours: riscv64 is riscv) and its compiler.
kmake() {
	make -s ARCH="$KARCH" ${LLVM:+LLVM="$LLVM"} "$@"
}

KSRC=${KSRC:-$RWP_CACHE/linux-src}
KBUILD=${KBUILD:-$RWP_CACHE/linux-build$FLAVOUR_SUFFIX$ARCH_SUFFIX}
# Pristine copies of every file the series and its fixes patch (scripts/kernel.sh).
RWP_ORIG=$RWP_CACHE/linux-orig
# The O= directory of a kernel flavour (scripts/kernel.sh): test is $KBUILD
# (RWP_FLAVOUR's own).
kbuild_of() {
	case $1 in
	test) echo "$KBUILD" ;;
	*) echo "$RWP_CACHE/linux-build-$1$ARCH_SUFFIX" ;;
	esac
}
# in_run ARCH FLAVOUR CMD...: CMD in the environment of a run for that
# architecture and kernel, not this script's (this file exported its
# directories and bindgen's libclang).
in_run() {
	env -u KBUILD -u RWP_OUT -u LIBCLANG_PATH ARCH="$1" RWP_FLAVOUR="$2" "${@:3}"
}
# saved_report ARCH FLAVOUR: where such a run's judge saves its verdict
# (scripts/run.sh: report.py --save), for a joint report of several.
saved_report() {
	in_run "$1" "$2" bash -c '. "$0" && echo "$RWP_OUT/report.json"' "$RWP_TOP/scripts/env.sh"
}
# build_module KBUILD DIR: rwp.ko (and tests/rwp_leak.ko, which Kbuild
# builds too) for the kernel in KBUILD, from a copy of the sources in DIR:
# the checkout's own rwp.ko is make check's, for the test kernel.
build_module() {
	mkdir -p "$2/tests" &&
		cp "$RWP_TOP"/Kbuild "$RWP_TOP"/*.rs "$2/" &&
		cp "$RWP_TOP"/tests/*.rs "$2/tests/" &&
		kmake -C "$1" M="$2" CROSS_COMPILE="$CROSS_COMPILE" modules >/dev/null
}
# A foreign architecture's guest root filesystem (scripts/setup.sh).
rootfs_dir() {
	echo "$RWP_CACHE/rootfs-$DEB_ARCH"
}
# QEMU_BACKPORT's files, extracted with its libraries (scripts/setup.sh).
qemu_tree() {
	echo "$RWP_CACHE/qemu-$DEB_ARCH"
}
RWP_VENV=$RWP_CACHE/venv
RWP_CARGO=$RWP_CACHE/cargo
# The last run: its KTAP documents, kernel logs and stage times.
RWP_OUT=${RWP_OUT:-$RWP_CACHE/out$FLAVOUR_SUFFIX$ARCH_SUFFIX}

export PATH="$RWP_VENV/bin:$RWP_CARGO/bin:$HOME/.cargo/bin:$PATH"
# bindgen's libclang: for a kernel built by LLVM, that LLVM's (the kernel
# warns when the two differ); else the libclang wheel's, which ships its
# shared object under clang/native.
if [ -z "${LIBCLANG_PATH:-}" ] && [ -n "$LLVM" ]; then
	LIBCLANG_PATH=/usr/lib/llvm$LLVM/lib
fi
if [ -z "${LIBCLANG_PATH:-}" ]; then
	for d in "$RWP_VENV"/lib/python3*/site-packages/clang/native; do
		[ -d "$d" ] && LIBCLANG_PATH=$d
	done
fi
export LIBCLANG_PATH=${LIBCLANG_PATH:-}
export RWP_CACHE RWP_TOP KSRC KBUILD RWP_OUT
