#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the pinned rdma-core (userspace/rdma-core/rdma-core.env) with the
# patches of userspace/rdma-core/series: libibverbs, the rxe provider,
# ibv_devices, ibv_devinfo and the pingpong examples, nothing else.
#
#   build-rdma-core.sh [--check]
#
# The tarball is extracted to build/rdma-core/src and the series applied
# with zero fuzz (a patch that does not apply stops the build, naming it);
# cmake (IN_PLACE=1: libibverbs finds its providers in the build tree, not
# in /etc/libibverbs.d) builds in build/rdma-core/obj with ninja and ccache.
# The result is used through RDMA_CORE_BIN/LIB/INC and IBVERBS_CFLAGS/LIBS
# of lib.sh; the system's rdma-core stays for everything else.  Nothing is
# rebuilt when the tarball, the series and this script are unchanged
# (build/rdma-core/stamp).  --check only verifies that the series applies
# to the pristine tarball ('make check').
. "$(dirname "$0")/lib.sh"

UDIR=$TOP/userspace/rdma-core
# ninja targets: libibverbs, the rxe provider, the tools the tests run.
TARGETS=(ibverbs "librxe$IBV_PROVIDER_SUFFIX" ibv_devices ibv_devinfo ibv_rc_pingpong ibv_ud_pingpong
	 ibv_srq_pingpong)
CMAKE_OPTS=(-GNinja -DIN_PLACE=1 -DNO_PYVERBS=1 -DNO_MAN_PAGES=1
	    -DENABLE_STATIC=0 -DENABLE_VALGRIND=0 -DCMAKE_BUILD_TYPE=RelWithDebInfo
	    -DCMAKE_C_COMPILER_LAUNCHER=ccache)

rdma_series() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$UDIR/series"
}

# extract DIR: the pristine tarball in DIR with the series applied.
extract() {
	local dir=$1 tarball p
	tarball=$("$TOP/harness/fetch-rdma-core.sh")
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -xzf "$tarball" -C "$dir" --strip-components=1 "$RDMA_CORE_TOPDIR/"
	while read -r p; do
		[ -f "$UDIR/$p" ] || die "userspace/rdma-core/series names $p, which does not exist"
		if ! patch -d "$dir" -p1 -F0 -N -s --dry-run <"$UDIR/$p" >"$dir.patch.log" 2>&1 ||
		   ! patch -d "$dir" -p1 -F0 -N -s --no-backup-if-mismatch <"$UDIR/$p" >"$dir.patch.log" 2>&1; then
			sed 's/^/    /' "$dir.patch.log" >&2
			die "userspace/rdma-core/$p does not apply to rdma-core $RDMA_CORE_VERSION with zero fuzz"
		fi
	done < <(rdma_series)
	rm -f "$dir.patch.log"
	# Every patch file is listed, once.
	local listed present
	listed=$(rdma_series | sort)
	present=$(cd "$UDIR" && ls -1 -- *.patch 2>/dev/null | sort)
	[ "$listed" = "$present" ] ||
		die "userspace/rdma-core: series and *.patch differ: $(comm -3 <(echo "$listed") <(echo "$present") | tr -s '\t\n' '  ')"
	[ -z "$(rdma_series | sort | uniq -d)" ] || die "userspace/rdma-core/series lists a patch twice"
}

if [ "${1:-}" = --check ]; then
	scratch=$(mktemp -d "$BUILD/rdma-core-check.XXXXXX")
	trap 'rm -rf "$scratch"' EXIT
	extract "$scratch/src"
	echo "rdma-core $RDMA_CORE_VERSION: $(rdma_series | wc -l) patch(es) apply with zero fuzz"
	exit 0
fi

stamp_of() {
	{
		echo "$RDMA_CORE_SHA256"
		cat "$UDIR/rdma-core.env" "$UDIR/series" "$0"
		rdma_series | while read -r p; do cat "$UDIR/$p"; done
	} | sha256sum | cut -d' ' -f1
}
want=$(stamp_of)
outputs=("$RDMA_CORE_LIB/libibverbs.so.1" "$RDMA_CORE_LIB/librxe$IBV_PROVIDER_SUFFIX"
	 "$RDMA_CORE_INC/infiniband/verbs.h" "$RDMA_CORE_PKGCONFIG/libibverbs.pc")
for t in ibv_devices ibv_devinfo ibv_rc_pingpong ibv_ud_pingpong ibv_srq_pingpong; do
	outputs+=("$RDMA_CORE_BIN/$t")
done
all_there() {
	local f
	for f in "${outputs[@]}"; do [ -e "$f" ] || return 1; done
}
if [ "$(cat "$RDMA_CORE/stamp" 2>/dev/null)" = "$want" ] && all_there; then
	exit 0
fi

log "building rdma-core $RDMA_CORE_VERSION + $(rdma_series | wc -l) patch(es) in ${RDMA_CORE#"$TOP"/}"
rm -f "$RDMA_CORE/stamp"
# Sources from scratch (the series applies to the pristine tarball only);
# the object directory too: cmake caches absolute paths and options.
# ccache makes the rebuild cheap.
extract "$RDMA_CORE_SRC"
rm -rf "$RDMA_CORE_OBJ"
mkdir -p "$RDMA_CORE_OBJ"
(cd "$RDMA_CORE_OBJ" && cmake "${CMAKE_OPTS[@]}" "$RDMA_CORE_SRC") \
	>"$RDMA_CORE/build.log" 2>&1 ||
	{ tail -n 30 "$RDMA_CORE/build.log" >&2; die "rdma-core: cmake failed (full log: ${RDMA_CORE#"$TOP"/}/build.log)"; }
ninja -C "$RDMA_CORE_OBJ" -j"$JOBS" "${TARGETS[@]}" >>"$RDMA_CORE/build.log" 2>&1 ||
	{ grep -E 'error|FAILED' "$RDMA_CORE/build.log" | head -40 >&2; die "rdma-core: build failed (full log: ${RDMA_CORE#"$TOP"/}/build.log)"; }
# cmake writes a .driver file for every provider it knows; libibverbs
# warns about each one it cannot load.  Only rxe is built.
find "$RDMA_CORE_OBJ/etc/libibverbs.d" -name '*.driver' ! -name rxe.driver -delete
# The build's include directory also holds rdma-core's private headers
# (config.h, sys/stat.h, linux/vfio.h, ...) that must not shadow the
# series' uAPI or libc in a program built with IBVERBS_CFLAGS: publish
# only what libibverbs-dev installs, and a pkg-config file for it.
rm -rf "$RDMA_CORE_INC" "$RDMA_CORE_PKGCONFIG"
mkdir -p "$RDMA_CORE_INC/infiniband" "$RDMA_CORE_PKGCONFIG"
for h in arch ib_user_ioctl_verbs opcode sa-kern-abi sa tm_types verbs verbs_api; do
	cp -L "$RDMA_CORE_OBJ/include/infiniband/$h.h" "$RDMA_CORE_INC/infiniband/"
done
cat >"$RDMA_CORE_PKGCONFIG/libibverbs.pc" <<PC
libdir=$RDMA_CORE_LIB
includedir=$RDMA_CORE_INC

Name: libibverbs
Description: RDMA Core Userspace Library (the pinned build of the imemfd harness)
Version: $RDMA_CORE_VERSION
Libs: -L\${libdir} -Wl,-rpath,\${libdir} -libverbs
Cflags: -I\${includedir}
PC
all_there || die "rdma-core: the build did not produce ${outputs[*]}"
echo "$want" >"$RDMA_CORE/stamp"
