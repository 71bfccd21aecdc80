#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the test VM.  The root file system is the host's own '/', read-only
# over 9p, so every host program (bash, iproute2, rdma-core, the selftests
# built in build/) runs unchanged.  The host passes the job in the 'results'
# 9p share; we run it, save its output and status, the kernel log, the
# kmemleak report, the taint flags and any task stuck in D state there, and
# reboot (QEMU runs with -no-reboot, so it exits).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8
TOP=$(cd "$(dirname "$0")/.." && pwd)

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm /dev/hugepages
mount -t devpts -o gid=5,mode=620 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t hugetlbfs hugetlbfs /dev/hugepages
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
R=/tmp/results
mkdir -p $R
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results $R
# The project (and its build/) at its host path, even where the tmpfs
# mounts above hide the host's directory (a clone in /tmp).
mkdir -p "$TOP" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro repo "$TOP"
ip link set lo up 2>/dev/null
hostname imemfd-vm 2>/dev/null
cat /proc/cmdline >$R/cmdline

# The consumers are modules of the booted tier (build/obj-<tier>/modroot);
# the read-only root has no /lib/modules for this kernel, so modprobe is
# pointed at the build, also for the kernel's own module requests.
tier=$(sed -n 's/.*imemfd\.tier=\([a-z]*\).*/\1/p' /proc/cmdline)
MODROOT=$TOP/build/obj-$tier/modroot
if [ -n "$tier" ] && [ -d "$MODROOT/lib/modules/$(uname -r)" ]; then
	echo "$TOP/harness/guest-modprobe.sh" >/proc/sys/kernel/modprobe
	for m in kvm_amd iommufd vfio_pci rdma_rxe ib_uverbs; do
		"$TOP/harness/guest-modprobe.sh" "$m" 2>>$R/modprobe.err ||
			echo "modprobe $m failed" >>$R/modprobe.err
	done
fi

# The job's output goes to the second serial port, which the host connects
# to its stdout; the kernel log stays on ttyS0 (a file on the host).
out=/dev/ttyS1
[ -c $out ] || out=/dev/console

finish() {
	if [ -w /sys/kernel/debug/kmemleak ]; then
		# Two scans some seconds apart: an object is reported only once it
		# has stayed unreferenced for longer than kmemleak's minimum age.
		echo scan >/sys/kernel/debug/kmemleak
		sleep 6
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak >$R/kmemleak.txt 2>&1
	fi
	# A task the tests left in D state hangs for good; the hung task
	# detector would need minutes to say so.  Only a task in D state in
	# two looks 3 s apart counts (9p writeback sleeps in D for a moment).
	ps -eo pid=,stat=,wchan:32=,comm= | awk '$2 ~ /^D/' >/tmp/d1
	sleep 3
	ps -eo pid=,stat=,wchan:32=,comm= | awk '$2 ~ /^D/' >/tmp/d2
	awk 'NR == FNR { d[$1] = 1; next } ($1 in d)' /tmp/d1 /tmp/d2 >$R/dstate.txt
	cat /proc/sys/kernel/tainted >$R/tainted
	dmesg >$R/dmesg.txt 2>&1
	sync
	echo done >$R/finished
	sync
	echo b >/proc/sysrq-trigger
	sleep 10
}

if [ -f $R/job.sh ]; then
	cd /tmp
	bash $R/job.sh 2>&1 | tee $R/job.out >$out
	echo "${PIPESTATUS[0]}" >$R/job.rc
else
	echo "imemfd test VM: $(uname -r); exit the shell to power off" >$out
	setsid -c bash -i <$out >$out 2>&1
	echo 0 >$R/job.rc
fi
finish
