#!/usr/bin/env bash
# make coverage: which of 7.3's RWP code the suite executes. Boots make
# coverage's kernel (scripts/kernel.sh, RWP_FLAVOUR=coverage: gcov on
# scripts/env.sh's COVERAGE_FILES), which runs every policy and the stock C
# (scripts/run.sh coverage, judged like make check's phases); the guest saves
# the counters after each test group, each counted from zero: the kselftests,
# the model checker's pinned seeds, the module's loads, KUnit and unloads
# with the hostile modules (module), and the tree's own RWP suite
# (uffd-unit-tests -f rwp, under no module). Then, in $RWP_OUT/coverage: a
# tracefile per group (lcov, summed over the configurations), genhtml's
# report of all of them (html/index.html) and scripts/coverage_report.py's
# table of the lines that mention RWP (summary.md), whose every unreached row
# needs its reason in tests/coverage-reasons.
set -uo pipefail
if [ -n "${KBUILD:-}" ] || [ -n "${RWP_OUT:-}" ]; then
	echo "error: KBUILD or RWP_OUT is set: make coverage's kernel has its own" >&2
	exit 1
fi
. "$(dirname "$0")/env.sh"
# The one architecture it has been run on.
[ "$ARCH" = x86_64 ] || die "make coverage runs on x86_64 (ARCH=$ARCH)"
BUCKETS=(kselftests model module uffd-unit-tests)

in_run "$ARCH" coverage bash "$RWP_TOP/scripts/run.sh" coverage
rc=$?
# The coverage kernel's directories, as run.sh had them.
read -r kbuild out < <(in_run "$ARCH" coverage bash -c \
	'. "$0" && echo "$KBUILD $RWP_OUT"' "$RWP_TOP/scripts/env.sh")
cov=$out/coverage
rm -rf "$cov"
mkdir -p "$cov"
stage "coverage: lcov, a tracefile per test group"
lcov_rc=(--rc lcov_branch_coverage=1)
infos=()
for b in "${BUCKETS[@]}"; do
	parts=()
	for d in "$out"/gcov/*/"$b"; do
		[ -d "$d" ] || continue
		# The guest saved each .gcda at its object's path; gcov wants the
		# object's notes (.gcno, in the build) beside it.
		tree=$d$kbuild
		[ -d "$tree" ] || die "$d has no counters under $kbuild"
		(cd "$kbuild" && find . -name '*.gcno') | while read -r f; do
			[ ! -f "$tree/${f%.gcno}.gcda" ] || cp "$kbuild/$f" "$tree/$f"
		done
		step=$(basename "$(dirname "$d")")
		lcov --quiet "${lcov_rc[@]}" --capture --directory "$tree" \
			--base-directory "$kbuild" --test-name "${b//-/_}_${step//-/_}" \
			--output-file "$cov/$b-$step.info" > "$cov/lcov.log" 2>&1 ||
			die "lcov failed on $d: see $cov/lcov.log"
		parts+=(--add-tracefile "$cov/$b-$step.info")
	done
	[ ${#parts[@]} -gt 0 ] || die "no counters of $b under $out/gcov: did the boot run?"
	lcov --quiet "${lcov_rc[@]}" "${parts[@]}" --output-file "$cov/$b.info" ||
		die "lcov could not add up $b's tracefiles"
	infos+=("$cov/$b.info")
done
stage "coverage: genhtml"
genhtml --quiet --branch-coverage --show-details --prefix "$KSRC" \
	--title "RWP's code in $(cat "$kbuild/include/config/kernel.release")" \
	--output-directory "$cov/html" "${infos[@]}" > "$cov/genhtml.log" 2>&1 ||
	die "genhtml failed: see $cov/genhtml.log"
stage "coverage: the RWP rows"
args=()
for b in "${BUCKETS[@]}"; do
	args+=(--bucket "$b=$cov/$b.info")
done
python3 "$RWP_TOP/scripts/coverage_report.py" --src "$KSRC" --own "${COVERAGE_OWN[@]}" \
	"${args[@]}" --informative uffd-unit-tests --reasons "$RWP_TOP/tests/coverage-reasons" \
	--title "RWP's code in $(cat "$kbuild/include/config/kernel.release") (x86_64), $(date -u +%F), $(git -C "$RWP_TOP" describe --always --dirty 2>/dev/null)" \
	"${COVERAGE_FILES[@]}" > "$cov/summary.md" || rc=1
cat "$cov/summary.md"
echo "coverage: $cov/summary.md, $cov/html/index.html"
exit $rc
