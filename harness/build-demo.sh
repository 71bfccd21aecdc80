#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the demonstration and benchmark programs of demo/ against the
# series' uAPI headers and its test-consumer header, into build/demo/.
. "$(dirname "$0")/lib.sh"

[ -f "$KHDR/include/linux/memfd.h" ] || die "no uAPI headers; run 'make kernel' first"
mkdir -p "$BUILD/demo"
for src in "$TOP"/demo/*.c; do
	out=$BUILD/demo/$(basename "$src" .c)
	[ "$out" -nt "$src" ] && [ "$out" -nt "$KHDR/include/linux/memfd.h" ] && continue
	gcc -O2 -Wall -Werror -isystem "$KHDR/include" -I "$KSRC/mm" \
		-o "$out" "$src" || die "building $src failed"
done
