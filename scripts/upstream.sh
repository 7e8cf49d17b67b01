#!/usr/bin/env bash
# The selftests/mm series (scripts/upstream.py), and the proof that it works
# on a tree that never saw this project:
#   scripts/upstream.sh series OUT      write the series to OUT (make upstream)
#   scripts/upstream.sh fixes OUT       the fixes of 7.3 bugs (patches/fixes/),
#                                       a series of their own, to OUT
#   scripts/upstream.sh build OUT BIN   the series to OUT, applied to a pristine
#                                       copy of the tree's tools/ in OUT/tree;
#                                       the whole selftests/mm directory built
#                                       there (into OUT/mm), its new tests
#                                       copied to BIN
set -euo pipefail
. "$(dirname "$0")/env.sh"


series() {
	python3 "$RWP_TOP/scripts/upstream.py" --ksrc "$KSRC" --orig "$RWP_ORIG" --out "$@"
}

# What the selftests/mm build reads of the tree: tools/ and three headers
# outside it. kernel.sh patches none of them, so the cache's copies are
# Debian's.
PRISTINE=(tools mm/gup_test.h lib/test_hmm_uapi.h include/vdso/time64.h)
pristine_tree() {
	local tree=$1 f
	rm -rf "$tree"
	for f in "${PRISTINE[@]}"; do
		[ ! -e "$RWP_ORIG/$f" ] || die "$f is patched by the series: no pristine copy here"
		mkdir -p "$tree/$(dirname "$f")"
		cp -a "$KSRC/$f" "$tree/$f"
	done
}

build() {
	local out=$1 bin=$2 p progs=()
	series "$out/series" --unsent > /dev/null
	pristine_tree "$out/tree"
	for p in "$out"/series/*.patch; do
		[ "${p##*/}" != 0000-cover-letter.patch ] || continue
		# Outside any repository: in one, git apply patches relative to it.
		GIT_CEILING_DIRECTORIES=$out git -C "$out/tree" apply "$p" ||
			die "${p##*/} does not apply to 7.3"
	done
	# The whole directory: every program includes vm_util.h, which the
	# series extends (a name clash there once broke uffd-wp-mremap).
	mkdir -p "$out/mm" "$bin"
	# Cross-built, four programs link libnuma or libcap: the guest's root
	# filesystem has them, and only they (their headers, and a directory of
	# just their libraries) are taken from it: its libc is the cross
	# compiler's.
	local sysroot lib extra=()
	if [ -n "$CROSS_COMPILE" ]; then
		sysroot=$(rootfs_dir)
		mkdir -p "$out/libs"
		for lib in numa cap; do
			# Its shared object by its soname (the -dev symlink may be
			# absolute: it would point into the host).
			lib=$(find "$sysroot/lib" "$sysroot/usr/lib" -name "lib$lib.so.[0-9]" | head -n1)
			[ -n "$lib" ] || die "no lib$lib in $sysroot: run scripts/setup.sh"
			ln -sfn "$lib" "$out/libs/$(basename "${lib%.[0-9]}")"
		done
		# Those libraries may need a newer libc than the cross
		# compiler's (riscv64's root is trixie): the four are built,
		# not run here, and at run time the root's libc is theirs.
		extra=(EXTRA_CFLAGS="-idirafter $sysroot/usr/include -L$out/libs -Wl,--allow-shlib-undefined")
	fi
	make -s -j"$(nproc)" -C "$out/tree/tools/testing/selftests/mm" OUTPUT="$out/mm" \
		KHDR_INCLUDES="-isystem $KBUILD/usr/include" "${extra[@]}" > "$out/mm.log" 2>&1 ||
		{ tail -20 "$out/mm.log"; die "selftests/mm does not build with the series"; }
	for p in "$out"/tree/tools/testing/selftests/mm/uffd-rwp-*.c; do
		progs+=("$out/mm/$(basename "$p" .c)")
	done
	cp "${progs[@]}" "$bin/"
}

case "${1:-}" in
series)	[ $# = 2 ] || die "usage: $0 series OUT"; series "$2" ;;
fixes)	[ $# -ge 2 ] || die "usage: $0 fixes OUT [--unsent]"; series "$2" --fixes "${@:3}" ;;
build)	[ $# = 3 ] || die "usage: $0 build OUT BIN"; build "$2" "$3" ;;
*)	die "usage: $0 series OUT | fixes OUT | build OUT BIN" ;;
esac
