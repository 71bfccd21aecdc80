#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Configure (tinyconfig + configs/*.config), verify the config and build
# bzImage plus the uAPI headers ('make headers') out of tree in build/obj.
. "$(dirname "$0")/lib.sh"

[ -d "$KSRC/.git" ] || die "no build/linux; run 'make tree' first"
CFG=$BUILD/config
FRAGS=("$TOP"/configs/*.config)

# Build the config in a scratch object dir and install it into build/obj only
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
verify_config() {
	local bad=0 line sym val got
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			sym=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
			got=$(grep -E "^$sym=" "$CFG/.config" | cut -d= -f2- || true)
			if [ "$got" != "$val" ]; then
				printf '  %s: wanted %s, got %s\n' "$sym" "$val" "${got:-not set}" >&2
				bad=1
			fi
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]}
			if grep -qE "^$sym=" "$CFG/.config"; then
				printf '  %s: wanted unset, got %s\n' "$sym" \
					"$(grep -E "^$sym=" "$CFG/.config" | cut -d= -f2-)" >&2
				bad=1
			fi
		fi
	done < <(cat "${FRAGS[@]}")
	[ $bad -eq 0 ] || die "config fragments ask for symbols the merged config does not have (see above)"
}

make_config
verify_config
mkdir -p "$KOBJ"
if ! cmp -s "$CFG/.config" "$KOBJ/.config"; then
	log "kernel config changed: full rebuild"
	cp "$CFG/.config" "$KOBJ/.config"
fi

kmake -s olddefconfig >/dev/null
log "building bzImage (-j$JOBS, ccache in $CCACHE_DIR)"
kmake -s bzImage || die "kernel build failed"
kmake -s headers >/dev/null
log "kernel: $(cat "$KOBJ/include/config/kernel.release") $(stat -c %s "$KOBJ/arch/x86/boot/bzImage") bytes"
