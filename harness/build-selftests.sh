#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the kselftests that tests/kselftests.list runs, against the series'
# own uAPI headers ('make headers' of the $TIER kernel, copied to
# build/st/usr/include: the uAPI does not depend on the config, so every
# tier runs the same programs).  Output goes to build/st/kselftest/<target>/.
# Only the KVM programs on the list are built (the KVM target has ~100).
# The rdma target links the pinned rdma-core's libibverbs (IBVERBS_CFLAGS,
# IBVERBS_LIBS of lib.sh; 'make rdma-core').
. "$(dirname "$0")/lib.sh"

LIST=${1:-$TOP/tests/kselftests.list}
ST=$KSRC/tools/testing/selftests
[ -f "$KOBJ/usr/include/linux/memfd.h" ] ||
	die "no uAPI headers in ${KOBJ#"$TOP"/}/usr/include; run 'make kernel' first"
mkdir -p "$KHDR/include"
rsync -a --delete --checksum "$KOBJ/usr/include/" "$KHDR/include/"

declare -A targets=()
kvm_progs=()
# Program of a list entry: the first word after name and timeout that is
# not a key=value setting.
entry_prog() {
	sed -e '/^@/d' -e 's/#.*//' -e '/^[[:space:]]*$/d' -e '/^\[/d' "$LIST" |
		awk '{ for (i = 3; i <= NF; i++) if ($i !~ /^[a-z_]+=/) { print $1, $i; break } }'
}

while read -r _name prog; do
	p=$(dirname "$prog")
	target=
	while [ "$p" != . ]; do
		[ -f "$ST/$p/Makefile" ] && target=$p
		p=$(dirname "$p")
	done
	[ -n "$target" ] || die "$LIST: no selftest target builds $prog"
	targets[$target]=1
	if [ "$target" = kvm ]; then
		kvm_progs+=("${prog#kvm/}")
	fi
done < <(entry_prog)

# shellcheck disable=SC2207
uniq_kvm=($(printf '%s\n' "${kvm_progs[@]}" | sort -u))

# The selftest Makefiles track only the .c files of a program, not the uAPI
# headers or the headers of the tree it includes: rebuild a target from
# scratch when anything it can include changed.  ccache makes that cheap.
inputs_hash() {
	{
		find "$KHDR/include" "$KSRC/tools/include" "$KSRC/tools/arch/x86/include" \
			"$ST/$1" -type f -print0
		find "$ST" -maxdepth 1 -type f -print0
		printf '%s\0' "$KSRC/mm/memfd_bind_test.h" \
			"$KSRC/drivers/iommu/iommufd/iommufd_test.h"
		# The RDMA programs build against the pinned rdma-core.
		if [ "$1" = rdma ]; then
			find "$RDMA_CORE_INC" "$RDMA_CORE_PKGCONFIG" -type f -print0
			printf '%s\0' "$RDMA_CORE/stamp"
		fi
	} | sort -z | xargs -0 sha1sum | sha1sum | cut -d' ' -f1
}
if [ -n "${targets[rdma]:-}" ] && [ ! -f "$RDMA_CORE/stamp" ]; then
	die "the rdma selftests need the pinned rdma-core; run 'make rdma-core' first"
fi
for t in "${!targets[@]}"; do
	stamp=$KSELFTEST/.inputs-${t//\//_}
	h=$(inputs_hash "$t")
	if [ "$(cat "$stamp" 2>/dev/null)" != "$h" ]; then
		rm -rf "${KSELFTEST:?}/$t"
		mkdir -p "$KSELFTEST"
		echo "$h" >"$stamp.new"
	fi
done

log "building selftests: ${!targets[*]}"
make -s -C "$ST" O="$ST_OBJ" ARCH=x86_64 -j"$JOBS" \
	TARGETS="${!targets[*]}" \
	TEST_GEN_PROGS_x86_64="${uniq_kvm[*]}" \
	IBVERBS_CFLAGS="$IBVERBS_CFLAGS" IBVERBS_LIBS="$IBVERBS_LIBS" \
	CC="ccache gcc" >"$BUILD/selftests.log" 2>&1 || {
	grep -E 'error|Error' "$BUILD/selftests.log" | head -40 >&2
	die "selftest build failed (full log: build/selftests.log)"
}
# Lay the scripts out beside the programs as 'make install' would, so that
# a script finds the programs of its target next to it, those of another
# target under "$DIR/../", and the shared kselftest/ helpers.
for t in "${!targets[@]}"; do
	[ -d "$KSELFTEST/$t" ] || continue
	find "$ST/$t" -maxdepth 1 -name '*.sh' -exec cp -p -t "$KSELFTEST/$t" {} +
done
mkdir -p "$KSELFTEST/kselftest"
cp -p "$ST"/kselftest/*.sh "$KSELFTEST/kselftest/"
# The selftests' Makefile returns 0 even when one target fails: check that
# every program on the list exists.
while read -r name prog; do
	name=${name#+}
	[ -x "$KSELFTEST/$prog" ] || [ -x "$ST/$prog" ] || die "selftest $name: $prog was not built (see build/selftests.log)"
done < <(entry_prog)
# Only now that the targets are built is their stamp valid.
for t in "${!targets[@]}"; do
	stamp=$KSELFTEST/.inputs-${t//\//_}
	[ ! -f "$stamp.new" ] || mv "$stamp.new" "$stamp"
done
