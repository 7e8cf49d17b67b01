#!/usr/bin/env bash
# Idempotent machine setup: everything `make run` needs on a fresh Debian
# bookworm machine. A second run checks and does nothing. Every failing step
# stops with one line that says what failed and what to do.
set -euo pipefail
. "$(dirname "$0")/env.sh"

# libcap-dev, libnuma-dev: four programs of the tree's selftests/mm, which
# make check builds whole with the upstream series applied. LLVM: the
# kernels built by Clang (scripts/env.sh: KERNEL_LLVM). lcov: make
# coverage's reports.
APT_PKGS=(bc flex bison libelf-dev libssl-dev cpio kmod xz-utils rsync
	  $QEMU_PKG busybox-static udev zstd libcap-dev libnuma-dev
	  $LLVM_PKGS lcov)
# A foreign architecture (ARCH=arm64, riscv64): its cross compiler, and mmdebstrap for the guest's root filesystem and a backported QEMU.
[ -z "$CROSS_PKG" ] || APT_PKGS+=($CROSS_PKG mmdebstrap)
# What a foreign guest runs, from Debian's packages for it: /bin/sh and the
# users and groups (what maintainer scripts would have made), the runner
# (python3, make, the kselftest runner's bash, perl and coreutils), module
# loading, swap on zram and a loop device (util-linux, e2fsprogs), and
# virtme-ng's init (busybox; udev, for its console ports); and selftests/mm's
# two libraries, which its cross build links against here (Debian's
# multiarch -dev packages would have to match the host's libc6-dev version
# to the upload).
GUEST_PKGS=dash,base-passwd,python3,bash,coreutils,util-linux,mount,kmod,make,perl-base,grep,sed,gawk,findutils,diffutils,e2fsprogs,procps,busybox-static,udev,libnuma-dev,libcap-dev
BINDGEN_VERSION=0.71.1
LIBCLANG_VERSION=18.1.1
ZIZMOR_VERSION=1.33.1
CHECK_JSONSCHEMA_VERSION=0.39.0
BACKPORTS_LIST=/etc/apt/sources.list.d/rwp-trixie-backports.sources
BACKPORTS_PIN=/etc/apt/preferences.d/rwp-trixie-backports

mkdir -p "$RWP_CACHE"

missing=()
for p in "${APT_PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

# trixie-backports carries linux-source-7.3 (and rust-src 1.95 as a fallback).
# Pin it at 1 so that nothing on the machine is ever upgraded from it: we
# only `apt-get download` from it.
if [ ! -f "$BACKPORTS_LIST" ]; then
	stage "setup: adding the trixie-backports apt source (pinned at 1)"
	cat > "$BACKPORTS_LIST" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	cat > "$BACKPORTS_PIN" <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 1

Package: *
Pin: release n=trixie-backports
Pin-Priority: 1
PIN
	need_update=1
fi

if [ ${#missing[@]} -gt 0 ] || [ -n "${need_update:-}" ]; then
	stage "setup: apt-get update"
	apt-get update -qq >/dev/null ||
		die "apt-get update failed: check the Debian mirror in /etc/apt/sources.list.d"
fi
if [ ${#missing[@]} -gt 0 ]; then
	stage "setup: apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm \
		"${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed: run it by hand to see why"
fi

# Python tools live in a venv inside the cache, so nothing leaks into the
# machine's Python.
if [ ! -x "$RWP_VENV/bin/vng" ] ||
   ! ls "$RWP_VENV"/lib/python3*/site-packages/clang/native/libclang.so >/dev/null 2>&1; then
	stage "setup: python venv with virtme-ng and libclang==$LIBCLANG_VERSION"
	python3 -m venv "$RWP_VENV" || die "python3 -m venv failed: install python3-venv"
	"$RWP_VENV/bin/pip" install -q virtme-ng "libclang==$LIBCLANG_VERSION" ||
		die "pip install virtme-ng libclang failed: is PyPI reachable?"
fi

# The host checks' workflow linters (scripts/checks.sh).
if [ ! -x "$RWP_VENV/bin/zizmor" ] || [ ! -x "$RWP_VENV/bin/check-jsonschema" ]; then
	stage "setup: the workflow linters zizmor and check-jsonschema"
	"$RWP_VENV/bin/pip" install -q "zizmor==$ZIZMOR_VERSION" \
		"check-jsonschema==$CHECK_JSONSCHEMA_VERSION" ||
		die "pip install zizmor check-jsonschema failed: is PyPI reachable?"
fi

# The Rust toolchain is the machine's (7.3 needs rustc 1.85 or later).
command -v rustc > /dev/null && command -v cargo > /dev/null ||
	die "no Rust toolchain: install one with rustup (https://rustup.rs)"

if ! "$RWP_CARGO/bin/bindgen" --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
	stage "setup: cargo install bindgen-cli $BINDGEN_VERSION (a few minutes)"
	cargo install -q --locked --root "$RWP_CARGO" "bindgen-cli@$BINDGEN_VERSION" ||
		die "cargo install bindgen-cli failed: is crates.io reachable?"
fi

# rust-src: from rustup, or else from Debian's package of the same version.
sysroot=$(rustc --print sysroot)
if [ ! -d "$sysroot/lib/rustlib/src/rust/library/core" ] &&
   [ ! -d "$RWP_CACHE/rust-src/usr/lib/rustlib/src/rust/library/core" ]; then
	stage "setup: rust-src"
	if ! rustup component add rust-src >/dev/null 2>&1; then
		stage "setup: rustup failed, extracting Debian's rust-src"
		( cd "$RWP_CACHE" && rm -f rust-src_*.deb &&
		  apt-get download -qq -t trixie-backports rust-src >/dev/null &&
		  dpkg-deb -x rust-src_*.deb rust-src ) ||
			die "no rust-src: both rustup and apt-get download rust-src failed"
	fi
fi

# The 7.3 source, as Debian ships it.
if [ ! -f "$RWP_CACHE/linux-source.tar.xz" ]; then
	stage "setup: downloading linux-source-7.3"
	tmp=$(mktemp -d "$RWP_CACHE/dl.XXXXXX")
	( cd "$tmp" && apt-get download -qq linux-source-7.3 >/dev/null ) ||
		die "apt-get download linux-source-7.3 failed: is trixie-backports reachable?"
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-7.3_*.deb |
		tar -x -C "$tmp" --wildcards './usr/src/linux-source-7.3.tar.xz'
	mv "$tmp/usr/src/linux-source-7.3.tar.xz" "$RWP_CACHE/linux-source.tar.xz"
	rm -rf "$tmp"
fi
# Debian packages unpacked into a directory of the cache by mmdebstrap
# (--variant=extract: nothing of them runs, nothing is installed on the
# machine), once per content: STAMP, kept in DIR.pkgs, says what is there.
# unpack DIR STAMP WHAT FIXUP SUITE [MMDEBSTRAP-ARGS...]: FIXUP, a function
# or '', finishes the tree in DIR.tmp, in that directory, before it is used.
unpack() {
	local dir=$1 stamp=$2 what=$3 fixup=$4 suite=$5
	shift 5
	[ "$(cat "$dir.pkgs" 2>/dev/null)" != "$stamp" ] || return 0
	stage "setup: $what in $dir"
	rm -rf "$dir" "$dir.tmp"
	mmdebstrap --quiet --mode=root --variant=extract "$suite" "$dir.tmp" "$@" >/dev/null ||
		die "mmdebstrap of $what failed: is the Debian mirror reachable?"
	[ -z "$fixup" ] || (cd "$dir.tmp" && "$fixup") || die "finishing $what in $dir.tmp failed"
	mv "$dir.tmp" "$dir"
	echo "$stamp" > "$dir.pkgs"
}
# What the packages of a guest's root would have done at installation:
# virtme-ng's init ends the guest with poweroff -f (busybox's), and
# base-passwd's postinst writes the users and groups.
rootfs_fixup() {
	ln -s /bin/busybox sbin/poweroff &&
		cp usr/share/base-passwd/passwd.master etc/passwd &&
		cp usr/share/base-passwd/group.master etc/group
}
# A foreign guest's root filesystem, without running anything of that
# architecture (no binfmt_misc needed): every program the guest runs is a
# plain binary of a package listed above.
[ -z "$CROSS_PKG" ] ||
	unpack "$(rootfs_dir)" "$DEB_SUITE $GUEST_PKGS" "a $DEB_ARCH $DEB_SUITE root for the guest" \
		rootfs_fixup "$DEB_SUITE" --arch="$DEB_ARCH" --include="$GUEST_PKGS"
# A QEMU newer than bookworm's (QEMU_BACKPORT), with the trixie libraries it
# links, run by scripts/qemu.sh.
if [ -n "$QEMU_BACKPORT" ]; then
	tree=$(qemu_tree)
	unpack "$tree" "$QEMU_BACKPORT" "$QEMU_BACKPORT from trixie-backports" '' trixie \
		--aptopt='APT::Default-Release "trixie-backports"' --include="$QEMU_BACKPORT" \
		"deb http://deb.debian.org/debian trixie main" \
		"deb http://deb.debian.org/debian trixie-backports main"
	"$RWP_TOP/scripts/qemu.sh" --version > /dev/null ||
		die "$QEMU_BACKPORT in $tree does not run: remove $tree.pkgs and run scripts/setup.sh again"
fi
stage "setup: done"
