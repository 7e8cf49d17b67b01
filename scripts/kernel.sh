#!/usr/bin/env bash
# Build the patched Linux 7.3 kernel in the cache, incrementally:
#   1. extract Debian's linux-source-7.3 into $KSRC once, and check it;
#   2. apply patches/fixes/*.patch (fixes of 7.3 bugs), then patches/*.patch,
#      rewriting only the files whose patched content changed (so make
#      rebuilds only what the change touches);
#   3. configure from config/rwp.config and config/arch/$ARCH.config when
#      they changed;
#   4. make the boot image ($KIMAGE), modules and the uapi headers with O=$KBUILD,
#      for $ARCH (scripts/env.sh).
# make bench builds two more flavours, each in an O= directory of its own:
#   scripts/kernel.sh prod    the same tree, configured with config/prod.config
#                             after rwp.config: the debugging off
#   scripts/kernel.sh stock   the same, from Debian's source without the series
# make sanitize two and make coverage one, RWP_FLAVOUR's (scripts/env.sh:
# their O= directories and compiler):
#   RWP_FLAVOUR=kasan scripts/kernel.sh
#   RWP_FLAVOUR=kcsan scripts/kernel.sh
#                             the test kernel with config/sanitizers.config
#                             and config/FLAVOUR.config after its fragments
#   RWP_FLAVOUR=coverage scripts/kernel.sh
#                             the test kernel with config/coverage.config,
#                             gcov's profiling on env.sh's COVERAGE_FILES
# and make check one per kernel mutant:
#   scripts/kernel.sh mutant NAME
#                             the test kernel with patches/mutants/NAME.patch
#                             on top: built in $KBUILD (a mutant touches a
#                             .c file or two: a rebuild of minutes, where an
#                             O= directory of its own would be a whole build),
#                             its image kept as $(kbuild_of mutants)/NAME.img,
#                             then the test kernel rebuilt; nothing is done
#                             when the image is of the same sources
set -euo pipefail
. "$(dirname "$0")/env.sh"

JOBS=${JOBS:-$(nproc)}
FLAVOUR=${1:-$RWP_FLAVOUR}
FRAGS=("$RWP_TOP/config/rwp.config" "$RWP_TOP/config/arch/$ARCH.config")
MUTANT_PATCH=
# make's variables for the build beyond the fragments' options.
MAKE_VARS=()
# An instrumented kernel is built as RWP_FLAVOUR's, whose O= directory and
# compiler env.sh chose, and that flavour alone.
if is_instrumented "$FLAVOUR" || is_instrumented "$RWP_FLAVOUR"; then
	[ "$FLAVOUR" = "$RWP_FLAVOUR" ] ||
		die "an instrumented kernel is built alone, as RWP_FLAVOUR's: RWP_FLAVOUR=NAME $0 (here RWP_FLAVOUR=$RWP_FLAVOUR and $FLAVOUR)"
	! is_sanitizer "$FLAVOUR" || FRAGS+=("$RWP_TOP/config/sanitizers.config")
	FRAGS+=("$RWP_TOP/config/$FLAVOUR.config")
fi
# Kbuild profiles an object whose GCOV_PROFILE_<stem>.o is y (scripts/
# Makefile.lib). On make's command line, the variable reaches every
# directory's make, and names every object of that stem: y only in the
# file's own directory ($(obj), expanded there: a command line's variable
# is recursive), n elsewhere (arch/x86/boot has a memory.o, which must not
# be).
if [ "$FLAVOUR" = coverage ]; then
	for f in "${COVERAGE_FILES[@]}"; do
		stem=${f##*/}
		MAKE_VARS+=("GCOV_PROFILE_${stem%.c}.o=\$(if \$(filter ${f%/*},\$(obj)),y,n)")
	done
fi
case "$FLAVOUR" in
test)	;;
mutant)	MUTANT_PATCH=$RWP_TOP/patches/mutants/${2:-}.patch
	[ -n "${2:-}" ] && [ -f "$MUTANT_PATCH" ] ||
		die "usage: $0 mutant NAME, for patches/mutants/NAME.patch" ;;
prod)	KBUILD=$(kbuild_of prod) FRAGS+=("$RWP_TOP/config/prod.config") ;;
stock)	KSRC=$RWP_CACHE/linux-src-stock KBUILD=$(kbuild_of stock)
	FRAGS+=("$RWP_TOP/config/prod.config") ;;
*)	is_instrumented "$FLAVOUR" ||
		die "usage: [RWP_FLAVOUR=$(IFS='|'; echo "${INSTRUMENTED[*]}")] $0 [test|prod|stock|mutant NAME]" ;;
esac

extract_source() {
	[ -f "$KSRC/Makefile" ] && return 0
	stage "kernel: extracting linux-source-7.3 into $KSRC"
	[ -f "$RWP_CACHE/linux-source.tar.xz" ] ||
		die "no $RWP_CACHE/linux-source.tar.xz: run scripts/setup.sh"
	rm -rf "$KSRC.tmp"
	# A fresh patched tree: the old originals are no longer its files.
	[ "$FLAVOUR" = stock ] || rm -rf "$RWP_ORIG"
	mkdir -p "$KSRC.tmp"
	tar -xJf "$RWP_CACHE/linux-source.tar.xz" -C "$KSRC.tmp" --strip-components=1
	mv "$KSRC.tmp" "$KSRC"
}

check_source() {
	local ver
	ver=$(kmake -C "$KSRC" kernelversion 2>/dev/null)
	case "$ver" in
	7.3|7.3.*) ;;
	*) die "$KSRC is Linux '$ver', not 7.3.x: delete it and rerun" ;;
	esac
	grep -q 'DECLARE_VMA_BIT(UFFD_RWP' "$KSRC/include/linux/mm.h" ||
		die "$KSRC has no VM_UFFD_RWP: this is not a tree with userfaultfd RWP (7.2+)"
}

# Files a patch touches, relative to the tree.
patch_files() {
	sed -n 's|^+++ b/||p; s|^--- a/||p' "$@" | sort -u
}

# Files a patch creates: their original is no file at all, whatever an
# older build left in the tree.
created_files() {
	sed -n '/^--- \/dev\/null$/{n;s|^+++ b/||p}' "$@" | sort -u
}

apply_series() {
	# The fixes of 7.3 bugs first (their own series, against 7.3), then the
	# gate series.
	local work f series mutants changed=0
	shopt -s nullglob
	series=("$RWP_TOP"/patches/fixes/*.patch "$RWP_TOP"/patches/*.patch $MUTANT_PATCH)
	# What any kernel mutant touches goes back to the series' content
	# when it is not applied.
	mutants=("$RWP_TOP"/patches/mutants/*.patch)
	shopt -u nullglob
	work=$(mktemp -d "$RWP_CACHE/series.XXXXXX")
	# shellcheck disable=SC2064 # $work is fixed now
	trap "rm -rf '$work'" EXIT
	# Every file any version of the series touched, so that a file dropped
	# from the series goes back to its original.
	mkdir -p "$RWP_ORIG"
	{ patch_files "${series[@]}" "${mutants[@]}"; cat "$RWP_ORIG/.files" 2>/dev/null || true; } |
		sort -u > "$work/.files"
	created_files "${series[@]}" > "$work/.created"
	while read -r f; do
		if [ ! -e "$RWP_ORIG/$f" ] && [ ! -e "$RWP_ORIG/$f.absent" ]; then
			mkdir -p "$(dirname "$RWP_ORIG/$f")"
			if [ -e "$KSRC/$f" ] && ! grep -qx "$f" "$work/.created"; then
				cp -p "$KSRC/$f" "$RWP_ORIG/$f"
			else
				touch "$RWP_ORIG/$f.absent"
			fi
		fi
		if [ -e "$RWP_ORIG/$f" ]; then
			mkdir -p "$(dirname "$work/t/$f")"
			cp -p "$RWP_ORIG/$f" "$work/t/$f"
		fi
	done < "$work/.files"
	mkdir -p "$work/t"
	for p in "${series[@]}"; do
		patch -s -p1 -d "$work/t" --no-backup-if-mismatch < "$p" ||
			die "patch $(basename "$p") does not apply to $(kmake -C "$KSRC" kernelversion)"
	done
	while read -r f; do
		if [ -e "$work/t/$f" ]; then
			if ! cmp -s "$work/t/$f" "$KSRC/$f"; then
				mkdir -p "$(dirname "$KSRC/$f")"
				cp "$work/t/$f" "$KSRC/$f"
				changed=$((changed + 1))
			fi
		elif [ -e "$KSRC/$f" ]; then
			rm -f "$KSRC/$f"
			changed=$((changed + 1))
		fi
	done < "$work/.files"
	cp "$work/.files" "$RWP_ORIG/.files"
	rm -rf "$work"
	stage "kernel: series applied (${#series[@]} patches, $changed files rewritten)"
}

# The options the series adds: a tree without it cannot have them.
series_options() {
	sed -n 's/^+config \([A-Z0-9_]*\)$/CONFIG_\1/p' "$RWP_TOP"/patches/*.patch
}

configure() {
	local stamp=$KBUILD/.rwp-config.sha sum missing skip=()
	# A KBUILD handed down from a run for another architecture would be
	# reconfigured and rebuilt in place: refuse it.
	[ ! -f "$KBUILD/.config" ] || grep -qx "$KCONFIG_ARCH=y" "$KBUILD/.config" ||
		die "$KBUILD is a build for another architecture than $ARCH (KBUILD set in the environment?)"
	sum=$(cat "${FRAGS[@]}" "$RWP_TOP/scripts/kernel.sh" | sha256sum | cut -d' ' -f1)
	if [ -f "$KBUILD/.config" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
		return 0
	fi
	stage "kernel: configuring $FLAVOUR from ${FRAGS[*]##*/}"
	mkdir -p "$KBUILD"
	# What virtme-ng needs first, our fragments last: the last word wins.
	virtme-configkernel --allnoconfig --dry-run --arch "$VNG_ARCH" \
		> "$KBUILD/rwp-allconfig" || die "virtme-configkernel --dry-run failed"
	cat "${FRAGS[@]}" >> "$KBUILD/rwp-allconfig"
	kmake -C "$KSRC" O="$KBUILD" KCONFIG_ALLCONFIG="$KBUILD/rwp-allconfig" \
		allnoconfig </dev/null > "$KBUILD/rwp-kconfig.log" 2>&1 ||
		die "make allnoconfig failed: see $KBUILD/rwp-kconfig.log"
	# Kconfig silently drops what it cannot satisfy: refuse that. Each
	# option's last word counts.
	[ "$FLAVOUR" != stock ] || mapfile -t skip < <(series_options)
	missing=$(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=.*/\1 &/p; s/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1 -/p' \
			"${FRAGS[@]}" | awk '{ last[$1] = $2 } END { for (k in last) print last[k] }' |
		grep -E '=[ym]$' | while read -r l; do
			[[ " ${skip[*]} " == *" ${l%=*} "* ]] || grep -qx "$l" "$KBUILD/.config" || echo "$l"
		done)
	[ -z "$missing" ] ||
		die "Kconfig dropped from ${FRAGS[*]##*/}: $(echo $missing)"
	echo "$sum" > "$stamp"
}

# A line a minute while make is quiet, so a long build is not silence.
ticker() {
	while sleep 60; do
		stage "kernel: building, $(find "$KBUILD" -name '*.o' -newer \
			"$KBUILD/.rwp-build-start" | wc -l) objects so far"
	done
}

# make -j$JOBS TARGET...: only warnings and errors shown, all of it in the log.
build() {
	local rc ticker_pid
	stage "kernel: make -j$JOBS $* (cold: ~10 min)"
	touch "$KBUILD/.rwp-build-start"
	ticker &
	ticker_pid=$!
	set +e
	kmake -C "$KSRC" O="$KBUILD" -j"$JOBS" "$@" 2>&1 |
		tee "$KBUILD/rwp-build.log" | grep -E 'warning:|error:|Error [0-9]'
	rc=${PIPESTATUS[0]}
	set -e
	kill "$ticker_pid" 2>/dev/null || true
	[ "$rc" -eq 0 ] || die "kernel build failed: see $KBUILD/rwp-build.log"
}

extract_source
check_source
if [ "$FLAVOUR" = mutant ]; then
	image=$(kbuild_of mutants)/$2.img
	sum=$(cat "$RWP_TOP"/patches/fixes/*.patch "$RWP_TOP"/patches/*.patch "$MUTANT_PATCH" \
		"${FRAGS[@]}" "$RWP_TOP/scripts/kernel.sh" | sha256sum | cut -d' ' -f1)
	if [ -f "$image" ] && [ "$(cat "${image%.img}.sha" 2>/dev/null)" = "$sum" ]; then
		stage "kernel: mutant $2 is built already"
		exit 0
	fi
fi
if [ "$FLAVOUR" = stock ]; then
	[ ! -e "$KSRC/mm/rwp_gate.c" ] || die "$KSRC has the series: it is to be Debian's source"
else
	apply_series
fi
configure
grep -q 'Rust is available' <(kmake -C "$KSRC" O="$KBUILD" rustavailable 2>&1) ||
	die "make rustavailable fails: run scripts/setup.sh (rust-src, bindgen, libclang)"
if [ "$FLAVOUR" = mutant ]; then
	# Built or not, the tree and $KBUILD go back to the test kernel.
	trap 'rc=$?; bash "$0" test || rc=1; exit $rc' EXIT
	build "${KIMAGE##*/}"
	mkdir -p "$(dirname "$image")"
	cp "$KBUILD/$KIMAGE" "$image"
	echo "$sum" > "${image%.img}.sha"
	stage "kernel: mutant $2 built, kept as $image"
	exit 0
fi
build "${KIMAGE##*/}" modules headers "${MAKE_VARS[@]}"
stage "kernel: built $(cat "$KBUILD/include/config/kernel.release")"
