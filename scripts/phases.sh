# The phases a run can have, for scripts/run.sh, scripts/model.sh and
# scripts/bench.sh (and report.py's --known and --group). Source it, then
# call read_configs.

# read_configs MODULE.ko: the configurations that load the module, as the
# module declares them (rwp_policy.rs, modinfo's policies and mutants
# lines): user_policies, mutants, module_configs (both); the kernel
# mutants, one per patches/mutants/NAME.patch (bugs outside the gates, each
# a kernel of its own: scripts/kernel.sh mutant NAME); and all_phases, in
# the order make check runs them: the policies, the stock C (none: after
# the loads and unloads before it, the stock decisions must be back), the
# test-only mutants, the kernel mutants, the extras.
read_configs() {
	local p
	read -r -a user_policies <<< "$(modinfo -F policies "$1")"
	read -r -a mutants <<< "$(modinfo -F mutants "$1")"
	[ ${#user_policies[@]} -gt 0 ] || die "$1 names no policies (modinfo -F policies)"
	module_configs=("${user_policies[@]}" "${mutants[@]}")
	kernel_mutants=()
	for p in "$RWP_TOP"/patches/mutants/*.patch; do
		[ -f "$p" ] && kernel_mutants+=("$(basename "$p" .patch)")
	done
	all_phases=(setup "${user_policies[@]}" none "${mutants[@]}" "${kernel_mutants[@]}"
		hostile fuzz stress bench unfixed host)
	# make check's share of a second architecture (scripts/check-all.sh):
	# every configuration, so that every mutant is caught there, and the
	# hostile input; the extras that measure or soak (fuzz, stress, bench)
	# and the arch-independent ones (unfixed, host) are make check
	# ARCH=...'s.
	share_phases=(setup "${user_policies[@]}" none "${mutants[@]}" "${kernel_mutants[@]}"
		hostile)
	# make sanitize's boot of a sanitizer's kernel (scripts/run.sh sanitize):
	# the model checker under every configuration, the randomised and the
	# concurrent extras, then the model on random seeds (soak); and make
	# check's short pass of it (sanitize-short). known_phases: every phase
	# of any run.
	sanitize_phases=(setup "${user_policies[@]}" none "${mutants[@]}" fuzz stress soak)
	sanitize_short_phases=(setup none merged fuzz stress)
	# make coverage's boot (scripts/run.sh coverage): the suite under every
	# policy and the stock C, whose gates differ in what they reach, and the
	# hostile modules, which reach the provider layer's error paths.
	coverage_phases=(setup "${user_policies[@]}" none hostile)
	known_phases=("${all_phases[@]}" soak)
	# The names an expectations section may use for each list.
	config_groups=(--group "policies=${user_policies[*]}" --group "mutants=${mutants[*]}"
		--group "kernel-mutants=${kernel_mutants[*]}")
}
