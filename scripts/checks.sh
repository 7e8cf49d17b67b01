#!/usr/bin/env bash
# Host-side checks, one line each into the file named by $1:
#   NAME pass|fail [detail]
# rustfmt and clippy on the module, checkpatch --strict on the series, the
# interface header and the kselftests.
set -uo pipefail
. "$(dirname "$0")/env.sh"
out=$1
: > "$out"
record() { echo "$1 $2 ${3:-}" >> "$out"; }

cd "$RWP_TOP"
if rustfmt --check --edition 2021 --config-path "$KSRC/.rustfmt.toml" module/*.rs \
	> "$RWP_CACHE/rustfmt.log" 2>&1; then
	record rustfmt pass
else
	record rustfmt fail "see $RWP_CACHE/rustfmt.log"
	cat "$RWP_CACHE/rustfmt.log"
fi

# Clippy through the kernel build: rebuild the crate with CLIPPY=1.
touch module/rwp_core.rs
if make -s -C "$KBUILD" M="$RWP_TOP/module" CLIPPY=1 modules > "$RWP_CACHE/clippy.log" 2>&1 &&
   ! grep -q 'warning' "$RWP_CACHE/clippy.log"; then
	record clippy pass
else
	record clippy fail "see $RWP_CACHE/clippy.log"
	cat "$RWP_CACHE/clippy.log"
fi

# checkpatch: each patch in the tree (so it knows the tree's files), then
# the files the series does not carry.
bad=0
for p in patches/*.patch; do
	( cd "$KSRC" && scripts/checkpatch.pl --strict -q "$RWP_TOP/$p" ) || bad=1
done
for f in include/linux/rwp_gate.h tests/*.c tests/*.h; do
	"$KSRC/scripts/checkpatch.pl" --strict -q --no-tree -f "$f" || bad=1
done
if [ "$bad" = 0 ]; then record checkpatch pass; else record checkpatch fail; fi

# make rust-analyzer must keep producing rust-project.json.
rm -f module/rust-project.json
if make -s -C module KDIR="$KBUILD" rust-analyzer > /dev/null 2>&1 && [ -s module/rust-project.json ]; then
	record rust-analyzer pass
else
	record rust-analyzer fail
fi
exit 0
