#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the $TIER kernel (build/obj-$TIER) in QEMU (TCG) and run one job
# inside it.
#
#   run-vm.sh [-t seconds] [-a 'extra kernel args'] [script|-]
#
# The script (a bash script; '-' reads it from stdin; none gives an
# interactive shell) runs as root in the guest with the host's root file
# system mounted read-only.  Its output is streamed here; the exit status of
# run-vm.sh is the script's, or non-zero when the VM crashed, timed out, the
# kernel log shows a splat (WARNING, BUG, lockdep, KASAN, kmemleak, a hung
# task, ...), the kernel is tainted or a task was left in D state.
# Everything of the run is kept in $RESULTS (default build/results/vm):
# console.log (the whole kernel log), job.out, scan.tsv (one row per
# problem found, see scan-log.sh) and identity.tsv (which kernel ran).
# KERNEL=path boots another bzImage (developers only: 'make test' and CI
# refuse it); its modules are not loaded.
. "$(dirname "$0")/lib.sh"

RESULTS=${RESULTS:-$BUILD/results/vm}
TIMEOUT=${VM_TIMEOUT:-1800}
EXTRA_ARGS=
while getopts "t:a:" o; do
	case $o in
	t) TIMEOUT=$OPTARG ;;
	a) EXTRA_ARGS=$OPTARG ;;
	*) die "usage: run-vm.sh [-t seconds] [-a kernel-args] [script|-]" ;;
	esac
done
shift $((OPTIND - 1))

declare -A ID=([TIER]=$TIER [SERIES]=unknown [TREE]=unknown [BZIMAGE_SHA256]=unknown
	    [ICOUNT]=${VM_ICOUNT:-})
if [ -n "${KERNEL:-}" ]; then
	warn "KERNEL=$KERNEL: booting a kernel the harness did not build (no modules)"
	ID[TIER]=other
else
	KERNEL=$KOBJ/arch/x86/boot/bzImage
	[ -f "$KOBJ/imemfd-build.env" ] || die "no $TIER kernel in ${KOBJ#"$TOP"/}; run 'make kernel' first"
	while IFS='=' read -r k v; do ID[$k]=$v; done <"$KOBJ/imemfd-build.env"
fi
[ -f "$KERNEL" ] || die "no kernel at $KERNEL; run 'make kernel' first"
ID[BZIMAGE_SHA256]=$(sha256sum "$KERNEL" | cut -d' ' -f1)
ID[KERNEL]=$KERNEL
ID[QEMU]=$(qemu-system-x86_64 --version | head -n1)

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
for k in TIER SERIES TREE DIRTY BZIMAGE_SHA256 KERNEL QEMU ICOUNT; do
	printf '%s\t%s\n' "$k" "${ID[$k]:-}"
done >"$RESULTS/identity.tsv"
interactive=0
if [ $# -eq 0 ]; then
	interactive=1
elif [ "$1" = - ]; then
	cat >"$RESULTS/job.sh"
else
	cp "$1" "$RESULTS/job.sh"
fi

# Guest command line: 9p root, our init, and a crash ends the run instead
# of hanging it.  The hang detectors get thresholds for TCG (and KASAN),
# where the kernel runs many times slower than on hardware: a soft lockup
# after 60 s, a task blocked for 120 s, a work item stuck for 120 s.  They
# print (the scan fails the run) but do not panic, so the other tests still
# run.  There is no hard-lockup detector: TCG has no PMU for it.  KUnit
# suites run at boot, before init.  The imemfd.* words say which kernel
# this is (summarize.py checks them against the series under test).
CMDLINE="console=ttyS0,115200 root=/dev/root rootfstype=9p ro"
CMDLINE+=" rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose"
CMDLINE+=" init=$TOP/harness/guest-init.sh"
CMDLINE+=" panic=-1 oops=panic"
CMDLINE+=" watchdog_thresh=30 workqueue.watchdog_thresh=120"
CMDLINE+=" sysctl.kernel.hung_task_timeout_secs=120"
CMDLINE+=" imemfd.tier=${ID[TIER]} imemfd.series=${ID[SERIES]} imemfd.tree=${ID[TREE]}"
[ -n "${KUNIT_FILTER:-}" ] && CMDLINE+=" kunit.filter_glob=$KUNIT_FILTER"
CMDLINE+=" $EXTRA_ARGS"

# Profiles: 'plain' has no emulated IOMMU (iommufd's mock domains need
# that in 6.12: the first registered IOMMU driver probes every device);
# 'viommu' adds intel-iommu and QEMU's edu DMA device for VFIO.
DEVICES=()
case ${VM_PROFILE:-plain} in
plain) ;;
viommu)
	DEVICES=(-device intel-iommu,intremap=on,caching-mode=on -device edu)
	CMDLINE+=" intel_iommu=on iommu=pt"
	;;
*) die "unknown VM_PROFILE ${VM_PROFILE}" ;;
esac

# VM_ICOUNT=shift (make bench): the guest's clocks count its own
# instructions, 2^shift ns each, instead of following the host's wall clock:
# one TCG thread runs the vCPUs in turn, and an idle guest skips to its next
# timer (sleep=off).  Guest time then measures work done, whatever the host's
# load; it is not hardware time.  Such a VM has one vCPU: with two, QEMU 7.2
# left the timers of the idle one unserved while the other ran (RCU stall,
# "timer wakeup didn't happen").
ACCEL=(-accel tcg)
SMP=2
if [ -n "${VM_ICOUNT:-}" ]; then
	ACCEL=(-accel tcg,thread=single -icount "shift=$VM_ICOUNT,sleep=off")
	SMP=1
fi
QEMU=(qemu-system-x86_64 "${ACCEL[@]}" -M q35,kernel-irqchip=split -cpu max
      -smp $SMP -m "${VM_MEM:-6G}" -nodefaults -nographic -no-reboot
      "${DEVICES[@]}"
      -fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap
      -device virtio-9p-pci,fsdev=root,mount_tag=/dev/root
      -fsdev "local,id=repo,path=$TOP,security_model=none,readonly=on,multidevs=remap"
      -device virtio-9p-pci,fsdev=repo,mount_tag=repo
      -fsdev "local,id=res,path=$RESULTS,security_model=none,multidevs=remap"
      -device virtio-9p-pci,fsdev=res,mount_tag=results
      -serial "file:$RESULTS/console.log"
      -kernel "$KERNEL" -append "$CMDLINE")
if [ $interactive -eq 1 ]; then
	QEMU+=(-serial mon:stdio)
else
	QEMU+=(-serial stdio)
fi

t0=$(date +%s)
rc=0
if [ $interactive -eq 1 ]; then
	"${QEMU[@]}" || rc=$?
else
	timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null || rc=$?
fi
echo "$(($(date +%s) - t0))" >"$RESULTS/vm-seconds"

status=0
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "VM: TIMEOUT after ${TIMEOUT}s; last console lines:" >&2
	tail -n 25 "$RESULTS/console.log" >&2 || true
	echo "VM: timeout" >"$RESULTS/vm-error"
	status=1
elif [ ! -f "$RESULTS/finished" ]; then
	echo "VM: the guest did not finish its job (crash or early exit, qemu rc=$rc); console tail:" >&2
	tail -n 40 "$RESULTS/console.log" >&2 || true
	echo "VM: crashed (no result)" >"$RESULTS/vm-error"
	status=1
fi

# A splat anywhere in the kernel log fails the run, even if the job
# passed, and so does a scan that could not run.
src=0
"$TOP/harness/scan-log.sh" "$RESULTS" >"$RESULTS/splats.txt" 2>&1 || src=$?
if [ $src -ne 0 ]; then
	echo "VM: kernel log and state show problems:" >&2
	cat "$RESULTS/splats.txt" >&2
	status=1
fi

jrc=$(cat "$RESULTS/job.rc" 2>/dev/null || echo 1)
[ $status -eq 0 ] && [ "$jrc" != 0 ] && status=$jrc
exit $status
