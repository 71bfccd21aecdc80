#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scan-log.sh RESULTS_DIR: print every kernel splat of a VM run (with some
# context) and exit 1 if there is one.  Looks at the full console log (it
# also has the boot-time KUnit runs) and at the kmemleak report.
set -uo pipefail
R=$1
log=$R/console.log
[ -f "$log" ] || { echo "no console log"; exit 1; }

# Anything the kernel prints when it found a bug in itself.
PAT='WARNING:|BUG:|Oops|Kernel panic|general protection fault|RIP: 00|'
PAT+='possible circular locking|possible recursive locking|inconsistent lock state|'
PAT+='suspicious RCU usage|lock held when returning|bad unlock balance|'
PAT+='INFO: task .* blocked for more than|soft lockup|hard LOCKUP|rcu_sched detected stall|'
PAT+='rcu: INFO: .* detected stalls|KASAN:|UBSAN:|kmemleak: .* new suspected memory leaks|'
PAT+='list_add corruption|list_del corruption|refcount_t: |Bad page state|'
PAT+='page dumped because|BUG kmalloc|Slab corruption|double free|use-after-free|'
PAT+='Unable to handle kernel|segfault at .* in kernel|Call Trace:'

bad=0
if grep -nE "$PAT" "$log" >/tmp/scan.$$ 2>/dev/null; then
	bad=1
	echo "kernel log ($log):"
	first=$(head -n1 /tmp/scan.$$ | cut -d: -f1)
	# Show the first splat in full and list the rest.
	sed -n "$((first > 5 ? first - 5 : 1)),$((first + 45))p" "$log" | sed 's/^/  | /'
	echo "  all matching lines:"
	cut -c1-200 /tmp/scan.$$ | head -n 40 | sed 's/^/  /'
fi
rm -f /tmp/scan.$$

if [ -s "$R/kmemleak.txt" ]; then
	bad=1
	echo "kmemleak ($R/kmemleak.txt): $(grep -c '^unreferenced object' "$R/kmemleak.txt") leaked objects"
	head -n 40 "$R/kmemleak.txt" | sed 's/^/  | /'
fi
exit $bad
