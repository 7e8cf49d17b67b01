#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Loads rwp.ko under one configuration: a policy (policy=NAME), or one of
# the mutants the module names (modinfo -F mutants: mutant=NAME).
#   insmod-rwp.sh MODULE CONFIG [PARAM...]
module=$1 cfg=$2
shift 2
param=policy
case " $(modinfo -F mutants "$module") " in
*" $cfg "*) param=mutant ;;
esac
exec insmod "$module" "$param=$cfg" "$@"
