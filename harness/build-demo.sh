#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the demonstration and benchmark programs of demo/ against the
# series' uAPI headers, into build/demo/.  Programs that include
# "kvm_util.h" run guests with the KVM selftest library of the patched tree
# (built by build-selftests.sh) and get the KVM selftests' compiler flags;
# programs that include <infiniband/verbs.h> link the pinned libibverbs.
. "$(dirname "$0")/lib.sh"

[ -f "$KHDR/include/linux/memfd.h" ] || die "no uAPI headers; run 'make kernel' first"
ST=$KSRC/tools/testing/selftests
KVMLIB=$KSELFTEST/kvm/lib
mkdir -p "$BUILD/demo"

# Always rebuilt (through ccache): they include headers of the tree.
CC=(ccache gcc)
COMMON=(-O2 -Wall -Werror -isystem "$KHDR/include" -I "$KSRC/mm"
	-I "$KSRC/drivers/iommu/iommufd")
KVM_CFLAGS=(-std=gnu99 -DCONFIG_64BIT -U_FORTIFY_SOURCE -fno-builtin-memcmp
	    -fno-builtin-memcpy -fno-builtin-memset -fno-builtin-strnlen
	    -fno-stack-protector -fno-PIE -fno-strict-aliasing -march=x86-64-v2
	    -I "$KSRC/tools/include" -I "$KSRC/tools/arch/x86/include"
	    -I "$ST/kvm/include" -I "$ST/kvm/include/x86_64" -I "$ST")

for src in "$TOP"/demo/*.c; do
	out=$BUILD/demo/$(basename "$src" .c)
	if grep -q '#include "kvm_util.h"' "$src"; then
		[ -f "$KVMLIB/kvm_util.o" ] || die "no KVM selftest library; run 'make selftests' first"
		"${CC[@]}" "${COMMON[@]}" "${KVM_CFLAGS[@]}" -no-pie -pthread -o "$out" "$src" \
			"$KVMLIB"/*.o "$KVMLIB"/x86_64/*.o -ldl || die "building $src failed"
	elif grep -q '#include <infiniband/verbs.h>' "$src"; then
		[ -f "$RDMA_CORE_LIB/libibverbs.so" ] || die "no pinned rdma-core; run harness/build-rdma-core.sh"
		# shellcheck disable=SC2086 # IBVERBS_* are word lists
		"${CC[@]}" "${COMMON[@]}" $IBVERBS_CFLAGS -o "$out" "$src" $IBVERBS_LIBS ||
			die "building $src failed"
	else
		"${CC[@]}" "${COMMON[@]}" -o "$out" "$src" || die "building $src failed"
	fi
done
