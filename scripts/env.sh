# Common paths for every script. Source it; it sets no shell options.
# RWP_CACHE holds everything that is expensive to rebuild: the 7.3 source,
# the O= build directory, the Python venv (virtme-ng, libclang) and bindgen.
RWP_CACHE=${RWP_CACHE:-/var/cache/rwp}
RWP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KSRC=${KSRC:-$RWP_CACHE/linux-src}
KBUILD=${KBUILD:-$RWP_CACHE/linux-build}
# Pristine copies of every file the series and its fixes patch (scripts/kernel.sh).
RWP_ORIG=$RWP_CACHE/linux-orig
# The O= directory of a kernel flavour (scripts/kernel.sh): test is $KBUILD.
kbuild_of() {
	case $1 in
	test) echo "$KBUILD" ;;
	*) echo "$RWP_CACHE/linux-build-$1" ;;
	esac
}
RWP_VENV=$RWP_CACHE/venv
RWP_CARGO=$RWP_CACHE/cargo
# The last run: its KTAP documents, kernel logs and stage times.
RWP_OUT=${RWP_OUT:-$RWP_CACHE/out}

export PATH="$RWP_VENV/bin:$RWP_CARGO/bin:$HOME/.cargo/bin:$PATH"
# The libclang wheel ships its shared object under clang/native.
if [ -z "${LIBCLANG_PATH:-}" ]; then
	for d in "$RWP_VENV"/lib/python3*/site-packages/clang/native; do
		[ -d "$d" ] && LIBCLANG_PATH=$d
	done
fi
export LIBCLANG_PATH=${LIBCLANG_PATH:-}
export RWP_CACHE RWP_TOP KSRC KBUILD RWP_OUT

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
# and booted for (make check ARCH=...), x86_64 only for now: the kernel's
# ARCH for it, its boot image, virtme-ng's name for it, and QEMU's package.
ARCH=${ARCH:-x86_64}
case $ARCH in
x86_64 | x86)
	ARCH=x86_64 KARCH=x86 KIMAGE=arch/x86/boot/bzImage VNG_ARCH=x86_64
	QEMU_PKG=qemu-system-x86
	;;
*)
	die "ARCH=$ARCH: only x86_64 is built and booted so far"
	;;
esac
