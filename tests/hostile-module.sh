#!/usr/bin/env bash
# Runs in the guest (KTAP, with the tree's ktap_helpers.sh): bad input to
# the module changes nothing.
#   hostile-module.sh MODULE LEAKER
# Every invalid policy or mutant fails insmod with EINVAL ("Invalid parameters") and
# one pr_err line, and leaves nothing registered; the debugfs files refuse
# writes, and one held open keeps the module loaded; a valid load still
# works afterwards. LEAKER (tests/rwp_leak.rs)
# leaks its provider's registration: unloading it must unregister the
# provider, or the next provider is refused and the gates call freed code.
# Loaded beside the module, it is the second provider, and must be refused.
set -u
module=$1
leaker=$2
# The tree's helpers, installed beside the test programs by scripts/run.sh.
. "${RWP_TEST_BIN:?}/ktap_helpers.sh"

nothing_registered() {
	! grep -q '^rwp ' /proc/modules && [ ! -e /sys/kernel/debug/rwp ]
}

# NAME ARG [LOG]: insmod must fail with EINVAL and log the error once (by
# default the module's own line for a policy or mutant it does not know).
bad_policy() {
	local name=$1 arg=$2 log=${3:-'rwp: unknown \(policy\|mutant\)'}
	local mark="rwp-hostile-$RANDOM" err lines
	echo "$mark" > /dev/kmsg
	if err=$(insmod "$module" "$arg" 2>&1); then
		rmmod rwp
		ktap_print_msg "insmod $arg succeeded"
		ktap_test_fail "module.rejects_$name"
		return
	fi
	lines=$(dmesg | sed -n "/$mark/,\$p" | grep -c "$log")
	case "$err" in
	*"Invalid parameters"*) ;;
	*)	ktap_print_msg "insmod said: $err"
		ktap_test_fail "module.rejects_$name"
		return ;;
	esac
	if [ "$name" != no_value ] && [ "$lines" != 1 ]; then
		ktap_print_msg "$lines error lines, not 1"
		ktap_test_fail "module.rejects_$name"
		return
	fi
	ktap_test_result "module.rejects_$name" nothing_registered
}

policy_is() {
	[ "$(cat /sys/kernel/debug/rwp/policy)" = "$1" ]
}

# The run-time files are read-only, and stay so for root.
debugfs_refuses_writes() {
	! echo merged 2>/dev/null > /sys/kernel/debug/rwp/policy &&
		! echo 0 2>/dev/null > /sys/kernel/debug/rwp/counters && policy_is seed
}

# Loads and unloads the leaker; the kernel must undo its registration, say so
# once, and take the next provider.
leaked_registration_undone() {
	local mark="rwp-hostile-$RANDOM" lines
	echo "$mark" > /dev/kmsg
	insmod "$leaker" || return 1
	rmmod rwp_leak || return 1
	lines=$(dmesg | sed -n "/$mark/,\$p" |
		grep -c 'rwp_gate: module rwp_leak left its provider registered: unregistered')
	if [ "$lines" != 1 ]; then
		ktap_print_msg "$lines lines said the leaked provider was unregistered, not 1"
		return 1
	fi
	insmod "$module" || { ktap_print_msg "the next provider was refused"; return 1; }
	policy_is merged && rmmod rwp
}

# A second provider is refused (EBUSY) and changes nothing: the first stays
# registered through the refused module's unload, which the kernel's module
# notifier must not take for its owner's.
second_provider_refused() {
	local mark="rwp-hostile-$RANDOM" err
	insmod "$module" policy=seed || return 1
	echo "$mark" > /dev/kmsg
	if err=$(insmod "$leaker" 2>&1); then
		ktap_print_msg "a second provider was registered"
		rmmod rwp_leak
		rmmod rwp
		return 1
	fi
	case "$err" in
	*"Device or resource busy"*) ;;
	*)	ktap_print_msg "insmod said: $err"
		rmmod rwp
		return 1 ;;
	esac
	if dmesg | sed -n "/$mark/,\$p" | grep -q 'left its provider registered'; then
		ktap_print_msg "the refused module's unload unregistered the first provider"
		rmmod rwp
		return 1
	fi
	policy_is seed && rmmod rwp && nothing_registered
}

# A debugfs file held open keeps the module loaded (its file operations are
# the module's), and closing it afterwards, and unloading, are clean.
open_file_holds_module() {
	local f
	insmod "$module" counters=1 || return 1
	for f in policy counters; do
		exec 3< "/sys/kernel/debug/rwp/$f"
		if rmmod rwp 2>/dev/null; then
			exec 3<&-
			ktap_print_msg "rmmod succeeded with debugfs/rwp/$f open"
			return 1
		fi
		exec 3<&-
	done
	rmmod rwp && nothing_registered
}

ktap_print_header
ktap_set_plan 15
bad_policy unknown policy=bogus
bad_policy empty policy=
bad_policy overlong "policy=$(printf 'x%.0s' $(seq 4096))"
bad_policy wrong_type policy=1
bad_policy wrong_case policy=MERGED
bad_policy no_value policy
# The mutants have a parameter of their own, and it takes nothing else.
bad_policy unknown_mutant mutant=bogus
bad_policy policy_as_mutant mutant=merged
# counters= is a bool: the kernel's parameter parser says so, once.
bad_policy counters_not_bool counters=maybe "invalid for parameter .counters."

# A valid load works after all that: nothing stale was left registered.
insmod "$module" policy=seed counters=1
ktap_test_result module.loads_after_bad_input policy_is seed
ktap_test_result module.debugfs_refuses_writes debugfs_refuses_writes
rmmod rwp
ktap_test_result module.rmmod_leaves_nothing nothing_registered
ktap_test_result module.leaked_registration_undone leaked_registration_undone
ktap_test_result module.second_provider_refused second_provider_refused
ktap_test_result module.open_debugfs_file_holds_module open_file_holds_module
ktap_finished
