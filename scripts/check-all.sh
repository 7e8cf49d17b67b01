#!/usr/bin/env bash
# make check without ARCH: the whole check on x86_64, then make check's
# share of arm64 (scripts/phases.sh: share_phases), each judged on its own
# (scripts/run.sh, into its own $RWP_OUT), then one report of both, a column
# per architecture and configuration (scripts/report.py --joint), whose
# closing line and exit status are the verdict. make check ARCH=arm64 runs
# all of arm64's phases.
set -uo pipefail
# Each architecture's run has its own build and output directories
# (scripts/env.sh): one given in the environment cannot serve both.
if [ -n "${KBUILD:-}" ] || [ -n "${RWP_OUT:-}" ]; then
	echo "error: KBUILD or RWP_OUT is set: make check ARCH=x86_64 or ARCH=arm64 takes them" >&2
	exit 1
fi
unset ARCH
. "$(dirname "$0")/env.sh"

# CMD...: in the environment of a run for $arch, not of this script's
# architecture (env.sh exported its directories).
for_arch() {
	env -u KBUILD -u RWP_OUT ARCH="$arch" "$@"
}

rc=0
saved=()
for run in x86_64: arm64:share; do
	arch=${run%%:*} share=${run#*:}
	note=
	[ -z "$share" ] || note=" (its share; make check ARCH=$arch runs all of it)"
	stage "check: $arch$note"
	for_arch RWP_SHARE="$share" bash "$RWP_TOP/scripts/run.sh" check || rc=1
	saved+=("$(for_arch bash -c '. "$0" && echo "$RWP_OUT"' "$RWP_TOP/scripts/env.sh")/report.json")
done
stage "check: both architectures"
python3 "$RWP_TOP/scripts/report.py" --joint "${saved[@]}" || rc=1
exit $rc
