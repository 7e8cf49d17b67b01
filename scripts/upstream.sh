#!/usr/bin/env bash
# The selftests/mm series (scripts/upstream.py), and the proof that it works
# on a tree that never saw this project:
#   scripts/upstream.sh series OUT      write the series to OUT (make upstream)
#   scripts/upstream.sh build OUT BIN   the series to OUT, applied to a pristine
#                                       copy of the tree's tools/ in OUT/tree,
#                                       its tests built the selftests way in BIN
set -euo pipefail
. "$(dirname "$0")/env.sh"

ORIG=$RWP_CACHE/linux-orig	# kernel.sh's pristine copies of what it patched

series() {
	python3 "$RWP_TOP/scripts/upstream.py" --ksrc "$KSRC" --orig "$ORIG" --out "$1"
}

# The selftests build needs tools/ and mm/gup_test.h; kernel.sh patches
# neither, so the cache's copies are Debian's.
pristine_tree() {
	local tree=$1 f
	for f in tools mm/gup_test.h; do
		[ ! -e "$ORIG/$f" ] || die "$f is patched by the series: no pristine copy here"
	done
	rm -rf "$tree"
	mkdir -p "$tree/mm"
	cp -a "$KSRC/tools" "$tree/"
	cp -a "$KSRC/mm/gup_test.h" "$tree/mm/"
}

build() {
	local out=$1 bin=$2 p progs=()
	series "$out/series" > /dev/null
	pristine_tree "$out/tree"
	for p in "$out"/series/*.patch; do
		[ "${p##*/}" != 0000-cover-letter.patch ] || continue
		# Outside any repository: in one, git apply patches relative to it.
		GIT_CEILING_DIRECTORIES=$out git -C "$out/tree" apply "$p" ||
			die "${p##*/} does not apply to 7.3"
	done
	mkdir -p "$bin"
	for p in "$out"/tree/tools/testing/selftests/mm/uffd-rwp-*.c; do
		progs+=("$bin/$(basename "$p" .c)")
	done
	make -s -C "$out/tree/tools/testing/selftests/mm" OUTPUT="$bin" \
		KHDR_INCLUDES="-isystem $KBUILD/usr/include" "${progs[@]}"
}

case "${1:-}" in
series)	[ $# = 2 ] || die "usage: $0 series OUT"; series "$2" ;;
build)	[ $# = 3 ] || die "usage: $0 build OUT BIN"; build "$2" "$3" ;;
*)	die "usage: $0 series OUT | build OUT BIN" ;;
esac
