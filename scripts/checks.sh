#!/usr/bin/env bash
# Host-side checks, as a KTAP document on stdout (the tree's
# ktap_helpers.sh): rustfmt and clippy on the module, checkpatch --strict on
# the series and the fixes, the interface header and the kselftests, the
# series' git am onto the pristine files, make
# upstream's fixes series, rust-analyzer's project file, the judge's own
# unit tests, and the GitHub Actions workflow. Nothing here writes to the
# checkout but the module's build outputs, which git ignores. Logs:
# $RWP_CACHE/checks/NAME.log.
set -uo pipefail
. "$(dirname "$0")/env.sh"
. "$KSRC/tools/testing/selftests/kselftest/ktap_helpers.sh"
logs=$RWP_CACHE/checks
rm -rf "$logs"
mkdir -p "$logs"
cd "$RWP_TOP"

# NAME COMMAND...: one test; its output, when it fails, as diagnostics.
check() {
	local name=$1
	shift
	if "$@" > "$logs/$name.log" 2>&1; then
		ktap_test_pass "$name"
	else
		sed 's/^/# /' "$logs/$name.log" | head -n 40
		ktap_test_fail "$name"
	fi
}

rustfmt_check() {
	rustfmt --check --edition 2021 --config-path "$KSRC/.rustfmt.toml" ./*.rs tests/*.rs \
		"$KSRC/rust/kernel/mm/rwp_gate.rs"
}

# Clippy through the module's Makefile: kbuild sees the changed command and
# rebuilds the crate with clippy-driver (the next plain build, without).
clippy_check() {
	make -s KDIR="$KBUILD" CLIPPY=1 modules 2>&1 | tee /dev/stderr | { ! grep -q 'warning'; }
}

# Each patch from inside the tree (so checkpatch knows the tree's files),
# then the files the series does not carry. Debian's tree has no git
# history, so checkpatch cannot look up the commits the fixes' Fixes: tags
# name (UNKNOWN_COMMIT_ID); they are upstream's.
checkpatch_check() {
	local p f bad=0
	for p in patches/fixes/*.patch patches/*.patch; do
		( cd "$KSRC" && scripts/checkpatch.pl --strict -q --ignore UNKNOWN_COMMIT_ID \
			"$RWP_TOP/$p" ) || bad=1
	done
	for f in tests/*.c tests/*.h; do
		# Not what modpost generates for tests/rwp_leak.ko.
		[ "${f%.mod.c}" = "$f" ] || continue
		"$KSRC/scripts/checkpatch.pl" --strict -q --no-tree -f "$f" || bad=1
	done
	return $bad
}

# include/linux/rwp_gate.h is a copy, for readers of this repository, of the
# header the series creates: it must be the same file.
series_header_check() {
	local tmp rc
	tmp=$(mktemp -d)
	( cd "$tmp" && git apply --include=include/linux/rwp_gate.h "$RWP_TOP"/patches/*.patch ) &&
		diff -u "$tmp/include/linux/rwp_gate.h" include/linux/rwp_gate.h
	rc=$?
	rm -rf "$tmp"
	return $rc
}

# The fixes and the series git am onto 7.3, as the README tells a user to
# do (scripts/kernel.sh applies them with patch, file by file): onto a
# repository of the pristine files they touch.
git_am_check() {
	local tmp rc f
	tmp=$(mktemp -d)
	while read -r f; do
		[ ! -e "$RWP_ORIG/$f" ] || install -D -m 644 "$RWP_ORIG/$f" "$tmp/$f"
	done < "$RWP_ORIG/.files"
	(
		cd "$tmp" && export GIT_COMMITTER_NAME=checks.sh GIT_COMMITTER_EMAIL=checks.sh &&
		git init -q && git add -A &&
		GIT_AUTHOR_NAME=7.3 GIT_AUTHOR_EMAIL=7.3 git commit -q -m 7.3 &&
		git am -q "$RWP_TOP"/patches/fixes/*.patch "$RWP_TOP"/patches/*.patch
	)
	rc=$?
	rm -rf "$tmp"
	return $rc
}

# make upstream's fixes series: it is generated, and checkpatch-clean.
fixes_series_check() {
	local tmp rc
	tmp=$(mktemp -d)
	bash scripts/upstream.sh fixes "$tmp/fixes" --unsent > /dev/null
	rc=$?
	rm -rf "$tmp"
	return $rc
}

rust_analyzer_check() {
	make -s KDIR="$KBUILD" MO="$logs/rust-analyzer" rust-analyzer &&
		[ -s "$logs/rust-analyzer/rust-project.json" ]
}

# The GitHub Actions workflow: valid against the workflow schema, and clean
# of zizmor's findings (unpinned actions, injectable expressions, ...).
workflow_check() {
	check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml &&
		zizmor --offline .github/workflows/*.yml
}

ktap_print_header
ktap_set_plan 9
check rustfmt rustfmt_check
check clippy clippy_check
check checkpatch checkpatch_check
check series-header series_header_check
check series-git-am git_am_check
check fixes-series fixes_series_check
check rust-analyzer rust_analyzer_check
check judge-unit-tests python3 scripts/test_report.py
check workflow workflow_check
ktap_finished
