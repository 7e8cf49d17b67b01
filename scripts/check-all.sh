#!/usr/bin/env bash
# make check without ARCH: the whole check on x86_64, then make check's
# share of arm64 (scripts/phases.sh: share_phases), then a short pass of
# make sanitize on x86_64's KASAN kernel (sanitize_short_phases), each
# judged on its own (scripts/run.sh, into its own $RWP_OUT), then one report
# of all, a column per run and configuration (scripts/report.py --joint),
# whose closing line and exit status are the verdict. make check ARCH=arm64
# runs all of arm64's phases.
set -uo pipefail
# Each run has its own build and output directories (scripts/env.sh): one
# given in the environment cannot serve them all.
if [ -n "${KBUILD:-}" ] || [ -n "${RWP_OUT:-}" ]; then
	echo "error: KBUILD or RWP_OUT is set: make check ARCH=x86_64 or ARCH=arm64 takes them" >&2
	exit 1
fi
unset ARCH
. "$(dirname "$0")/env.sh"

rc=0
saved=()
# ARCH:KERNEL:MODE[:share]: each run of make check.
for run in x86_64:test:check arm64:test:check:share x86_64:kasan:sanitize-short; do
	IFS=: read -r arch kernel mode share <<< "$run"
	note=
	[ -z "$share" ] || note=" (its share; make check ARCH=$arch runs all of it)"
	[ "$kernel" = test ] || note=" on the $kernel kernel (make sanitize runs all of it)"
	stage "check: $arch$note"
	in_run "$arch" "$kernel" RWP_SHARE="$share" bash "$RWP_TOP/scripts/run.sh" "$mode" || rc=1
	saved+=("$(saved_report "$arch" "$kernel")")
done
stage "check: every run"
python3 "$RWP_TOP/scripts/report.py" --joint "${saved[@]}" || rc=1
exit $rc
