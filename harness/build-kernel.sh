#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build a kernel out of tree, one O= directory per config,
# all from build/linux (so ccache shares every object they have in common).
#
#   build-kernel.sh              the $TIER kernel (kasan or plain) in
#                                build/obj-$TIER: bzImage and modules, the
#                                modules installed to build/obj-$TIER/modroot
#                                for the guest, the uAPI headers, and
#                                build/obj-$TIER/imemfd-build.env saying
#                                which series and tree it was built from
#   build-kernel.sh --point NAME a point of the config matrix: the kasan
#                                tier plus configs/point-NAME.config, in
#                                build/obj-NAME; vmlinux and modules only
#
# Config = tinyconfig + qemu-x86_64, debug, feature, the tier's and the
# point's fragments, in that order (a later fragment wins).  Every symbol the
# fragments ask for must come out as asked, or the build stops.  Output of
# the compiler goes to build/build-<name>.log; a failure prints its errors.
. "$(dirname "$0")/lib.sh"

POINT=
case ${1:-} in
'') ;;
--point)
	POINT=${2:?usage: build-kernel.sh [--point NAME]}
	[ -f "$TOP/configs/point-$POINT.config" ] || die "no configs/point-$POINT.config"
	TIER=kasan
	KOBJ=$BUILD/obj-$POINT
	;;
*) die "usage: build-kernel.sh [--point NAME]" ;;
esac
NAME=${POINT:-$TIER}

[ -d "$KSRC/.git" ] || die "no build/linux; run 'make tree' first"
CFG=$BUILD/config-$NAME
FRAGS=("$TOP"/configs/{qemu-x86_64,debug,feature}.config "$TOP/configs/tier-$TIER.config")
[ -z "$POINT" ] || FRAGS+=("$TOP/configs/point-$POINT.config")
BLOG=$BUILD/build-$NAME.log

# Build the config in a scratch object dir and install it into $KOBJ only
# if it changed: every object depends on autoconf.h, so touching .config for
# nothing would throw away the incremental build.
make_config() {
	rm -rf "$CFG"
	mkdir -p "$CFG"
	make -s -C "$KSRC" O="$CFG" ARCH=x86_64 tinyconfig >/dev/null
	"$KSRC/scripts/kconfig/merge_config.sh" -m -O "$CFG" "$CFG/.config" "${FRAGS[@]}" \
		>"$CFG/merge.log" 2>&1 || { cat "$CFG/merge.log" >&2; die "merge_config.sh failed"; }
	make -s -C "$KSRC" O="$CFG" ARCH=x86_64 olddefconfig >/dev/null
}

# merge_config.sh only warns when a symbol cannot be set (missing dependency,
# typo, symbol renamed): here that is an error, or tests would silently skip.
# The last fragment that names a symbol says what it must be.
verify_config() {
	local bad=0 line sym val got
	declare -A want=()
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			want[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			want[${BASH_REMATCH[1]}]=
		fi
	done < <(cat "${FRAGS[@]}")
	for sym in "${!want[@]}"; do
		val=${want[$sym]}
		got=$(grep -E "^$sym=" "$CFG/.config" | cut -d= -f2- || true)
		if [ "$got" != "$val" ]; then
			printf '  %s: wanted %s, got %s\n' "$sym" "${val:-unset}" "${got:-unset}" >&2
			bad=1
		fi
	done
	[ $bad -eq 0 ] || die "config $NAME: the fragments ask for symbols the merged config does not have (see above)"
}

# kbuild TARGET...: build into $KOBJ, compiler output to the log.
kbuild() {
	if ! kmake "$KOBJ" "$@" >>"$BLOG" 2>&1; then
		grep -E -B2 -A3 'error|ERROR|warning:' "$BLOG" | head -n 60 >&2
		die "config $NAME: 'make $*' failed (full log: ${BLOG#"$TOP"/})"
	fi
}

make_config
verify_config
mkdir -p "$KOBJ"
if ! cmp -s "$CFG/.config" "$KOBJ/.config"; then
	log "kernel config $NAME changed: full rebuild"
	cp "$CFG/.config" "$KOBJ/.config"
fi
: >"$BLOG"
kmake "$KOBJ" -s olddefconfig >/dev/null
command -v ccache >/dev/null && ccache -z >/dev/null

if [ -n "$POINT" ]; then
	log "config $NAME: vmlinux + modules (-j$JOBS)"
	kbuild vmlinux modules
else
	log "config $NAME: bzImage + modules (-j$JOBS, ccache in $CCACHE_DIR)"
	kbuild bzImage modules
	rm -rf "$KOBJ/modroot"
	kbuild INSTALL_MOD_PATH="$KOBJ/modroot" INSTALL_MOD_STRIP=1 \
		modules_install
	kbuild headers
	# Which kernel this is: run-vm.sh puts it on the guest's command line
	# and in the results, run-tests.sh checks it.
	# Only a tree that is exactly patches/ carries the series' hash.
	if tree_is_series; then series=$(series_hash); dirty=0; else series=unexported; dirty=1; fi
	{
		echo "TIER=$TIER"
		echo "SERIES=$series"
		echo "TREE=$(kgit rev-parse --short=12 HEAD)"
		echo "DIRTY=$dirty"
		echo "BZIMAGE_SHA256=$(sha256sum "$KOBJ/arch/x86/boot/bzImage" | cut -d' ' -f1)"
		echo "RELEASE=$(cat "$KOBJ/include/config/kernel.release")"
	} >"$KOBJ/imemfd-build.env"
	[ $dirty -eq 0 ] || warn "build/linux is not patches/ (uncommitted or unexported work): this kernel is no series"
	log "kernel $NAME: $(cat "$KOBJ/include/config/kernel.release"), bzImage $(stat -c %s "$KOBJ/arch/x86/boot/bzImage") bytes"
fi
command -v ccache >/dev/null &&
	log "ccache: $(ccache -s 2>/dev/null | grep -E 'Hits|hit rate' | head -1 | tr -s ' ')"
exit 0
