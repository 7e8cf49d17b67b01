# The phases a run can have, for scripts/run.sh and scripts/bench.sh (and
# report.py's --known). Source it.
# The configurations that load the module: the three policies, then the
# test-only mutants.
module_configs=(merged seed wp-only rwp-only no-retract-gate no-collapse-gate mixed-batch
	ignores-numa mixed-batch-wp force-exempt readable-only armed-refused)
# In the order make check runs them: the policies, the stock C (none: after
# the loads and unloads before it, the stock decisions must be back), the
# test-only mutants, the extras.
all_phases=(setup "${module_configs[@]:0:3}" none "${module_configs[@]:3}"
	hostile fuzz stress bench unfixed host)
