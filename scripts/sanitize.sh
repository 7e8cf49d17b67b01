#!/usr/bin/env bash
# make sanitize [FLAVOUR=kasan|kcsan] [DURATION=SECONDS]: the suite's
# randomised and concurrent parts on kernels built with the kernel's own
# bug finders (config/sanitizers.config), a boot of each (scripts/run.sh
# sanitize): under every configuration the model checker's pinned seeds,
# the fuzzer (make check's seed: whether a random one meets seed's livelock,
# which the expectations pin, is chance; RWP_FUZZ_SEED=random draws one), the
# unload-under-load stress, then the model on random seeds until DURATION
# seconds (default 1800) after the boot's first phase began. Each flavour is
# judged on its own (its own RWP_OUT: scripts/env.sh), then one report of
# all, a column per flavour and phase, whose closing line is the verdict.
set -uo pipefail
if [ -n "${KBUILD:-}" ] || [ -n "${RWP_OUT:-}" ]; then
	echo "error: KBUILD or RWP_OUT is set: each flavour has its own" >&2
	exit 1
fi
. "$(dirname "$0")/env.sh"

read -r -a flavours <<< "${FLAVOUR:-${SANITIZERS[*]}}"
for f in "${flavours[@]}"; do
	is_sanitizer "$f" ||
		die "FLAVOUR=$f: the sanitizers are ${SANITIZERS[*]}"
done
rc=0
saved=()
for f in "${flavours[@]}"; do
	stage "sanitize: $f"
	in_run "$ARCH" "$f" bash "$RWP_TOP/scripts/run.sh" sanitize || rc=1
	saved+=("$(saved_report "$ARCH" "$f")")
done
stage "sanitize: ${flavours[*]}"
python3 "$RWP_TOP/scripts/report.py" --joint "${saved[@]}" || rc=1
exit $rc
