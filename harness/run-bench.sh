#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make bench': boot the patched kernel and run the benchmark programs of
# demo/ (bench-*), each comparing our path with the upstream one in the same
# boot.  The VM's clocks count guest instructions (VM_ICOUNT, see
# run-vm.sh), so the figures measure work done, not the host's load; every
# figure is the median of BENCH_REPS (default 5) repetitions.
#
# Output: the programs' figures on stdout as they run, then the table of
# all of them, build/bench/bench.csv, the plots build/bench/faultin.png and
# scaling.png, and the comparison of every ratio with the previous run
# (build/bench/previous.csv).  The README's benchmark section and the plots
# in docs/bench/ are rewritten from this run (BENCH_README=0: left alone).
# The figures are of the plain tier (no sanitizers), whoever calls this.
TIER=${TIER:-plain}
if [ "$TIER" != plain ]; then
	echo "make bench measures the plain tier, not TIER=$TIER" >&2
	exit 1
fi
export TIER
. "$(dirname "$0")/lib.sh"

# Which tree this is: the project's commit, dirty if anything but the files
# this script writes differs from it.
commit=$(git -C "$TOP" rev-parse --short=12 HEAD)
if [ -n "$(git -C "$TOP" status --porcelain -- . ':!README.md' ':!docs/bench')" ]; then
	commit+=" (with uncommitted changes)"
fi

"$TOP/harness/install-deps.sh" --bench
timed "kernel-$TIER" "$TOP/harness/build-kernel.sh"
timed selftests "$TOP/harness/build-selftests.sh"
"$TOP/harness/build-demo.sh"

SHIFT=${BENCH_ICOUNT_SHIFT:-0}
RES=$BUILD/results/bench
RESULTS=$RES VM_PROFILE=plain VM_ICOUNT=$SHIFT \
	"$TOP/harness/run-vm.sh" -t 3600 -a "kunit.enable=0" - <<JOB
echo "kernel \$(uname -r) under QEMU TCG -icount shift=$SHIFT: times are guest time"
echo "(one guest instruction = 2^$SHIFT ns), not hardware time; compare the ratios"
export BENCH_CSV=/tmp/results/bench.csv BENCH_REPS=${BENCH_REPS:-5}
# Less background work in the timed regions (one vCPU runs everything):
# no proactive compaction, no khugepaged scans, vmstat folded once a minute.
echo 0 >/proc/sys/vm/compaction_proactiveness
echo 60 >/proc/sys/vm/stat_interval
echo 3600000 >/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs
# bench-rdma-mr, bench-accounting: soft-RoCE on one end of a veth pair
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

series=$(sed -n 's/^SERIES=//p' "$KOBJ/imemfd-build.env")
label="Measured by \`make bench\` on $(date -u '+%F %H:%M UTC') at commit $commit"
label+=" (series ${series:0:12}, plain tier, $(qemu-system-x86_64 --version | head -n1 | sed 's/ (.*//'),"
label+=" TCG -icount shift=$SHIFT, one vCPU): guest time, one guest instruction = 2^$SHIFT ns."

# The previous run's figures and label stay beside this one's.
OUT=$BUILD/bench
mkdir -p "$OUT"
if [ -f "$OUT/bench.csv" ]; then
	mv "$OUT/bench.csv" "$OUT/previous.csv"
	mv "$OUT/label.txt" "$OUT/previous-label.txt" 2>/dev/null || true
fi
cp "$RES/bench.csv" "$OUT/bench.csv"
cp "$RES/job.out" "$OUT/bench.out"
printf '%s\n' "$label" >"$OUT/label.txt"
prev_label=$(sed 's/^Measured by `make bench` on/previous run:/; s/ (series.*//' \
	"$OUT/previous-label.txt" 2>/dev/null || true)

args=("$OUT/bench.csv" "$OUT" --previous "$OUT/previous.csv" --previous-label "$prev_label"
      --label "$label")
if [ "${BENCH_README:-1}" != 0 ]; then
	mkdir -p "$TOP/docs/bench"
	args+=(--readme "$TOP/README.md" --plots-to "$TOP/docs/bench")
fi
# Debian's python3, which has python3-matplotlib
/usr/bin/python3 "$TOP/harness/bench-report.py" "${args[@]}"
