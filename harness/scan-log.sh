#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scan-log.sh RESULTS_DIR: find what a VM run says went wrong in the kernel.
# Writes RESULTS_DIR/scan.tsv, one row "kind<TAB>detail" per problem:
#   log       a line matching harness/splat-patterns in the kernel log: the
#             whole serial console log (console.log, which the guest's
#             ring buffer cannot truncate) and the final dmesg.txt
#   kmemleak  objects kmemleak reports as leaked
#   taint     the kernel is tainted at the end of the run (TAINT_TEST,
#             which every KUnit run sets, is masked)
#   dstate    a task left in uninterruptible sleep at the end of the run
#   modprobe  a consumer module failed to load
#   scan      this scan could not read what it needs
# prints them with some context for the developer, and exits 1 if there is
# any row (2 if the scan itself failed).
set -uo pipefail
R=$1
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$R/scan.tsv
: >"$OUT" || exit 2
row() { printf '%s\t%s\n' "$1" "$2" >>"$OUT"; }
scan_err=0
scan_fail() { row scan "$1"; echo "scan: $1"; scan_err=1; }

PAT=$(sed -e '/^#/d' -e '/^$/d' "$HERE/splat-patterns" | paste -sd'|')
[ -n "$PAT" ] || scan_fail "no patterns in harness/splat-patterns"

TAINT_TEST=$((1 << 18))

for f in console.log dmesg.txt; do
	log=$R/$f
	if [ ! -f "$log" ]; then
		# dmesg.txt is missing when the guest crashed: console.log has it all.
		[ $f = console.log ] && scan_fail "no $f"
		continue
	fi
	hits=$R/scan-hits.$f
	if ! : >"$hits"; then
		scan_fail "cannot write $hits"
		continue
	fi
	grep -naE -- "$PAT" "$log" >"$hits"
	case $? in
	0)
		n=$(wc -l <"$hits")
		echo "kernel log ($f): $n matching lines; the first in context:"
		first=$(head -n1 "$hits" | cut -d: -f1)
		sed -n "$((first > 5 ? first - 5 : 1)),$((first + 45))p" "$log" | sed 's/^/  | /'
		echo "  all matching lines:"
		cut -c1-200 "$hits" | head -n 40 | sed 's/^/  /'
		# One row per distinct message (timestamps and addresses differ).
		cut -d: -f2- "$hits" | sed -E 's/^\[ *[0-9.]+\] //; s/0x[0-9a-f]+/0x?/g' |
			cut -c1-160 | awk '!seen[$0]++' | head -n 20 |
			while IFS= read -r l; do row log "$f: $l"; done
		;;
	1) ;;
	*) scan_fail "grep failed on $f" ;;
	esac
	rm -f "$hits"
done

if [ -s "$R/kmemleak.txt" ]; then
	n=$(grep -c '^unreferenced object' "$R/kmemleak.txt")
	# The first frame of the first backtrace ("[<addr>] " before 6.2).
	row kmemleak "$n leaked objects, first: $(sed -n '/^unreferenced object/,$p' "$R/kmemleak.txt" |
		sed -n '/backtrace/,$p' | sed -n '2p' | sed -E 's/^\s*(\[<[0-9a-f]+>\] )?//')"
	echo "kmemleak ($R/kmemleak.txt): $n leaked objects"
	head -n 40 "$R/kmemleak.txt" | sed 's/^/  | /'
fi

if [ -f "$R/finished" ]; then
	# What the guest recorded at the end of its job (guest-init.sh).
	if t=$(cat "$R/tainted" 2>/dev/null) && [[ $t =~ ^[0-9]+$ ]]; then
		if [ $((t & ~TAINT_TEST)) -ne 0 ]; then
			row taint "kernel tainted: $t (mask $(printf '%#x' $((t & ~TAINT_TEST))), see Documentation/admin-guide/tainted-kernels.rst)"
			echo "taint: $t"
		fi
	else
		scan_fail "no taint flags recorded"
	fi
	if [ -s "$R/dstate.txt" ]; then
		while IFS= read -r l; do row dstate "$l"; done <"$R/dstate.txt"
		echo "tasks in D state at the end of the run:"
		sed 's/^/  /' "$R/dstate.txt"
	fi
fi
if [ -s "$R/modprobe.err" ]; then
	while IFS= read -r l; do row modprobe "$l"; done < <(head -n 10 "$R/modprobe.err")
	echo "module loading:"
	sed 's/^/  /' "$R/modprobe.err"
fi

[ $scan_err -eq 0 ] || exit 2
[ -s "$OUT" ] && exit 1
exit 0
