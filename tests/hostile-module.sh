#!/usr/bin/env bash
# Runs in the guest (TAP): bad input to the module changes nothing.
#   hostile-module.sh MODULE
# Every invalid policy fails insmod with EINVAL ("Invalid parameters") and
# one pr_err line, and leaves nothing registered; the debugfs files refuse
# writes; a valid load still works afterwards.
set -u
module=$1
n=0
fails=0

ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		fails=$((fails + 1))
	fi
}

nothing_registered() {
	! grep -q '^rwp ' /proc/modules && [ ! -e /sys/kernel/debug/rwp ]
}

# NAME ARG: insmod must fail with EINVAL and log the policy error once.
bad_policy() {
	local name=$1 arg=$2 mark="rwp-hostile-$RANDOM" err lines
	echo "$mark" > /dev/kmsg
	if err=$(insmod "$module" "$arg" 2>&1); then
		rmmod rwp
		ok 1 "module.rejects_$name (insmod succeeded)"
		return
	fi
	lines=$(dmesg | sed -n "/$mark/,\$p" | grep -c 'rwp: unknown policy')
	case "$err" in
	*"Invalid parameters"*) ;;
	*) ok 1 "module.rejects_$name (insmod said: $err)"; return ;;
	esac
	if [ "$name" != no_value ] && [ "$lines" != 1 ]; then
		ok 1 "module.rejects_$name ($lines error lines)"
		return
	fi
	nothing_registered
	ok $? "module.rejects_$name"
}

echo "TAP version 13"
echo "1..9"
bad_policy unknown policy=bogus
bad_policy empty policy=
bad_policy overlong "policy=$(printf 'x%.0s' $(seq 4096))"
bad_policy wrong_type policy=1
bad_policy wrong_case policy=MERGED
bad_policy no_value policy

# A valid load works after all that: nothing stale was left registered.
insmod "$module" policy=seed && [ "$(cat /sys/kernel/debug/rwp/policy)" = seed ]
ok $? "module.loads_after_bad_input"

# The run-time files are read-only, and stay so for root.
if echo merged > /sys/kernel/debug/rwp/policy 2>/dev/null ||
   echo 0 > /sys/kernel/debug/rwp/counters 2>/dev/null; then
	ok 1 "module.debugfs_refuses_writes"
else
	[ "$(cat /sys/kernel/debug/rwp/policy)" = seed ]
	ok $? "module.debugfs_refuses_writes"
fi

rmmod rwp && nothing_registered
ok $? "module.rmmod_leaves_nothing"
exit $((fails > 0))
