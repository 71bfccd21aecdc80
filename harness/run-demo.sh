#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make run': boot the patched kernel (plain tier) and run the demonstration programs:
# the inaccessible memfd and its bindings, a KVM guest on it, guest memory
# moved between two hosts (network namespaces) by RDMA over soft-RoCE with
# the pinned rdma-core, and a guest sharing it with a PCI device (QEMU's edu
# behind an emulated IOMMU, hence the 'viommu' VM profile).
. "$(dirname "$0")/lib.sh"

timed "kernel-$TIER" "$TOP/harness/build-kernel.sh"
timed selftests "$TOP/harness/build-selftests.sh"
"$TOP/harness/build-demo.sh"
RESULTS=$BUILD/results/demo VM_PROFILE=${VM_PROFILE:-viommu} \
	"$TOP/harness/run-vm.sh" -t 900 -a "kunit.enable=0" - <<JOB
echo "kernel: \$(uname -r) under QEMU (TCG)"
echo
"$BUILD"/demo/imemfd-demo || exit 1
echo
"$BUILD"/demo/kvm-guest-demo || exit 1
echo
IBV_BIN="$RDMA_CORE_BIN" LD_LIBRARY_PATH="$RDMA_CORE_LIB" \
	"$KSELFTEST"/rdma/rxe_two_hosts.sh --demo || exit 1
echo
exec "$BUILD"/demo/kvm-device-demo
JOB
