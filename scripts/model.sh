#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The RWP model checker (tests/rwp_model_test.c) in the VM, under chosen
# configurations:
#   make model [DURATION=SECONDS] [OPS=N] [SEED=S[,S...]] [CONFIGS="..."] [REPLAY=...]
#   DURATION  seconds per configuration, all seeds together (default: the
#             checker's own bound, 130 operations a seed, about 25 s)
#   OPS       operations a seed (default 130; with DURATION, no bound)
#   SEED      seeds (default: the checker's, DEFAULT_SEEDS in tests/rwp_model_test.c)
#   CONFIGS   none, policies and mutants (default: all, as rwp.ko names them)
#   REPLAY    one sequence instead of generated ones, KIND:RANGE:FIRST:N:ARG,...
#             (a reproducer's initializers as numbers), run in the first
#             seed's mode (RWP_MODEL_REPLAY of rwp_model_test)
# Needs the kernel scripts/kernel.sh built (it does not build one). The
# KTAP of each configuration lands in $MODEL_OUT/model/CONFIG.ktap; the
# run ends with what it found (scripts/model_summary.py: per configuration,
# how many seeds found a mismatch and the medians).
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$(dirname "$0")/phases.sh"

# The checkout's rwp.ko is the test kernel's; make sanitize runs the model
# on the sanitizers' kernels.
[ "$RWP_FLAVOUR" = test ] || die "make model boots the test kernel: RWP_FLAVOUR is make sanitize's"
# One per architecture: the binary is built for it, and make would take
# another architecture's, built from the same sources, for up to date.
MODEL_OUT=${MODEL_OUT:-$RWP_CACHE/model-out$ARCH_SUFFIX}
mkdir -p "$MODEL_OUT/bin"
# One run at a time per output directory: a second would rebuild the binary
# the first one's guest runs, and the two would write the same KTAPs.
exec 9>"$MODEL_OUT/.lock"
flock -n 9 || die "another make model is writing $MODEL_OUT"
stage "model: building rwp.ko and rwp_model_test"
make -s -C "$RWP_TOP" KDIR="$KBUILD" modules >/dev/null || die "the module does not build"
make -s -C "$RWP_TOP/tests" KSRC="$KSRC" KBUILD="$KBUILD" OUTPUT="$MODEL_OUT/bin" \
	"$MODEL_OUT/bin/rwp_model_test" || die "rwp_model_test does not build"

read_configs "$RWP_TOP/rwp.ko"
vars=(RWP_MODEL_CONFIGS="${CONFIGS:-none ${module_configs[*]}}")
[ -z "${SEED:-}" ] || vars+=(RWP_MODEL_SEEDS="$SEED")
[ -z "${REPLAY:-}" ] || vars+=(RWP_MODEL_REPLAY="$REPLAY")
if [ -n "${DURATION:-}" ]; then
	# A time bound instead of the operation bound.
	vars+=(RWP_MODEL_SECONDS="$DURATION" RWP_MODEL_OPS="${OPS:-0}"
	       RWP_MODEL_TIMEOUT=$((DURATION + 300)))
elif [ -n "${OPS:-}" ]; then
	# An operation bound only: as long as the seeds take.
	vars+=(RWP_MODEL_OPS="$OPS" RWP_MODEL_SECONDS=100000 RWP_MODEL_TIMEOUT=100000)
fi
# The VM's own bound (scripts/vm.sh, an hour by default) must outlast every
# configuration's: a long run of two configurations once ran into it.
read -r -a cfgs <<< "${CONFIGS:-none ${module_configs[*]}}"
vm_timeout=$(( ${#cfgs[@]} * (${DURATION:-300} + 300) + 600 ))
ktaps=()
for cfg in "${cfgs[@]}"; do
	# A configuration that does not run this time leaves no KTAP of an earlier run.
	rm -f "$MODEL_OUT/model/$cfg.ktap"
	ktaps+=("$MODEL_OUT/model/$cfg.ktap")
done
stage "model: ${vars[*]}"
status=0
VM_TIMEOUT=$vm_timeout RWP_OUT=$MODEL_OUT bash "$RWP_TOP/scripts/vm.sh" env "${vars[@]}" \
	"$RWP_TOP/tests/model-guest.sh" "$MODEL_OUT/bin" "$MODEL_OUT" || status=$?
ran=()
for ktap in "${ktaps[@]}"; do
	if [ -f "$ktap" ]; then
		ran+=("$ktap")
	else
		echo "model: no result of $(basename "$ktap" .ktap)"
	fi
done
python3 "$RWP_TOP/scripts/model_summary.py" "${ran[@]}"
exit $status
