#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make bench': boot the patched kernel and run the benchmark programs of
# demo/ (bench-*), each printing a table that compares our path with the
# upstream one in the same run.
. "$(dirname "$0")/lib.sh"

timed "kernel-$TIER" "$TOP/harness/build-kernel.sh"
timed selftests "$TOP/harness/build-selftests.sh"
"$TOP/harness/build-demo.sh"
RESULTS=$BUILD/results/bench VM_PROFILE=${VM_PROFILE:-plain} \
	"$TOP/harness/run-vm.sh" -t 1800 -a "kunit.enable=0" - <<JOB
echo "kernel: \$(uname -r) under QEMU (TCG): absolute times are slow, compare the ratios"
for b in "$BUILD"/demo/bench-*; do
	echo
	echo "== \$(basename \$b)"
	\$b || exit 1
done
JOB
