#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the harness needs (--bench: and those of
# make bench).  Idempotent: packages that are
# already installed are not touched, so a warm run costs one dpkg-query.  The
# package lists are refreshed before anything is installed.
. "$(dirname "$0")/lib.sh"

PKGS=(
	# kernel build
	build-essential bc bison flex libelf-dev libssl-dev pahole cpio kmod
	ccache python3 rsync xz-utils git
	# selftests (memfd fuse_test, kvm, iommu, our own programs)
	libfuse-dev pkg-config libcap-dev libnuma-dev
	# test VM: QEMU under TCG; the guest uses the host's root over 9p
	qemu-system-x86 iproute2 procps util-linux
	# RDMA userspace for the rxe consumer (soft-RoCE over veth)
	rdma-core ibverbs-utils ibverbs-providers libibverbs-dev rdmacm-utils
	# building the pinned rdma-core (libibverbs + the rxe provider)
	cmake ninja-build libnl-3-dev libnl-route-3-dev libudev-dev dpkg-dev
)
# make bench only: its plots
[ "${1:-}" = --bench ] && PKGS+=(python3-matplotlib)

. /etc/os-release 2>/dev/null || true
[ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ] ||
	warn "this harness is made for Debian 12 (bookworm); this is ${PRETTY_NAME:-unknown}"

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
	SUDO=sudo
fi
log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
