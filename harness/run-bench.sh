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
# bench-rdma-mr: soft-RoCE on one end of a veth pair
ip link add bench0 type veth peer name bench1 && ip link set bench0 up &&
	ip link set bench1 up && ip addr add 192.0.2.1/24 dev bench0 &&
	rdma link add rxe_bench type rxe netdev bench0 || exit 1
export RDMA_DEV=rxe_bench
for b in "$BUILD"/demo/bench-*; do
	echo
	echo "== \$(basename \$b)"
	\$b || exit 1
done
JOB
