#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# modprobe in the test VM: the modules of the booted tier live in the
# build (build/obj-<tier>/modroot), not under the read-only root's
# /lib/modules.  guest-init.sh makes this the kernel's modprobe too.
TOP=$(cd "$(dirname "$0")/.." && pwd)
tier=$(sed -n 's/.*imemfd\.tier=\([a-z]*\).*/\1/p' /proc/cmdline)
exec /usr/sbin/modprobe -d "$TOP/build/obj-$tier/modroot" "$@"
