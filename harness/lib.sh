# SPDX-License-Identifier: GPL-2.0
# Shared settings and helpers for the harness scripts.  Source it; do not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# $TOP goes into the guest's kernel command line (init=), QEMU's -fsdev
# (where ',' is special) and generated scripts: keep it plain.
[[ $TOP =~ ^[A-Za-z0-9._/-]+$ ]] ||
	{ echo "ERROR: the project path '$TOP' may only contain A-Za-z0-9._/-" >&2; exit 1; }
# Everything the guest runs comes from $TOP/build, which it mounts: the
# build directory is not configurable.
if [ -n "${BUILD:-}" ] && [ "$BUILD" != "$TOP/build" ]; then
	echo "ERROR: BUILD=$BUILD: the build directory is always $TOP/build" >&2
	exit 1
fi
BUILD=$TOP/build
KSRC=$BUILD/linux			# git work tree of the kernel (tag 'base')
ST_OBJ=$BUILD/st			# selftests: O= of their Makefile
KHDR=$ST_OBJ/usr			# uAPI headers the selftests and demos use
KSELFTEST=$ST_OBJ/kselftest		# built selftests
CACHE=${IMF_CACHE:-$HOME/.cache/imemfd}	# survives 'make clean' and fresh clones
JOBS=${JOBS:-$(($(nproc) + 1))}

# Kernel tiers (configs/tier-*.config): 'kasan' is what 'make test' and CI
# boot, 'plain' serves 'make run', 'make bench' and 'make vm'.  Each has
# its own object directory; ccache shares what it can between them.
TIER=${TIER:-kasan}
case $TIER in
kasan|plain) ;;
*) echo "ERROR: TIER=$TIER: the tiers are kasan and plain" >&2; exit 1 ;;
esac
tier_obj() { echo "$BUILD/obj-$1"; }
KOBJ=$(tier_obj "$TIER")
# Test timeouts of tests/kselftests.list are for the plain tier.
case $TIER in
kasan) TIMEOUT_SCALE=${TIMEOUT_SCALE:-3} ;;
plain) TIMEOUT_SCALE=${TIMEOUT_SCALE:-1} ;;
esac

# shellcheck source=../base.env
. "$TOP/base.env"

# The pinned rdma-core (harness/build-rdma-core.sh): libibverbs and the
# rxe provider with userspace/rdma-core/series, for the RDMA selftests and
# the demo; the system's rdma-core serves everything else.  The guest sees
# these paths unchanged.  A program linked with IBVERBS_LIBS finds the
# pinned libibverbs by its RUNPATH, and that libibverbs (IN_PLACE) finds
# the pinned rxe provider in $RDMA_CORE_OBJ/etc/libibverbs.d; the tools in
# RDMA_CORE_BIN have the same RUNPATH.  RDMA_CORE_LIB in LD_LIBRARY_PATH
# does the same for a program linked against the system's library.
# shellcheck source=../userspace/rdma-core/rdma-core.env
. "$TOP/userspace/rdma-core/rdma-core.env"
RDMA_CORE_CACHE=$CACHE/rdma-core	# tarball + private apt state
RDMA_CORE=$BUILD/rdma-core
RDMA_CORE_SRC=$RDMA_CORE/src		# the tarball + the series
RDMA_CORE_OBJ=$RDMA_CORE/obj		# cmake's build directory
RDMA_CORE_BIN=$RDMA_CORE_OBJ/bin
RDMA_CORE_LIB=$RDMA_CORE_OBJ/lib
RDMA_CORE_INC=$RDMA_CORE/include		# libibverbs' public headers only
RDMA_CORE_PKGCONFIG=$RDMA_CORE/pkgconfig	# its libibverbs.pc (PKG_CONFIG_PATH)
IBV_PROVIDER_SUFFIX=-rdmav34.so		# IBVERBS_PABI_VERSION of the pin
IBVERBS_CFLAGS="-I$RDMA_CORE_INC"
IBVERBS_LIBS="-L$RDMA_CORE_LIB -Wl,-rpath,$RDMA_CORE_LIB -libverbs"

# Git must not depend on the user's configuration: the export has to be
# byte-identical on every machine.
export GIT_CONFIG_NOSYSTEM=1
export GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-imemfd harness}
export GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-harness@imemfd.invalid}
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-imemfd harness}
export GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-harness@imemfd.invalid}
# The tarball's .gitattributes (diff=cpp for C: hunk headers name functions,
# not labels) is not in the base commit, so scratch worktrees lack it: name
# it explicitly.
GIT_EXPORT_OPTS=(-c diff.algorithm=myers -c diff.renames=true
		 -c diff.noprefix=false -c diff.mnemonicPrefix=false
		 -c core.abbrev=12 -c format.signature=
		 -c core.attributesFile="$KSRC/.gitattributes")

# Reproducible kernel builds: init/version.c must not change between runs
# (the series hash goes on the guest's command line instead, see run-vm.sh).
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=imemfd
export KBUILD_BUILD_HOST=harness
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-12G}
export CCACHE_BASEDIR=$TOP
export CCACHE_NOHASHDIR=1

log()  { printf '>>> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Patch file names listed in patches/series, in order ('#' starts a comment).
series_list() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$TOP/patches/series"
}

# One hash over everything that defines the tree: the pin and the series.
series_hash() {
	{
		cat "$TOP/base.env"
		series_list | while read -r p; do
			printf '%s\n' "$p"
			cat "$TOP/patches/$p"
		done
	} | sha256sum | cut -d' ' -f1
}

kgit() { git -C "$KSRC" "$@"; }

# Commits of build/linux (base..HEAD) whose change is in no file of
# patches/, by patch id.
unexported_commits() {
	local mine exported
	mine=$(tree_patch_ids | sort) || { echo "(format-patch failed)"; return 0; }
	[ -n "$mine" ] || return 0
	exported=$(cat "$TOP"/patches/*.patch 2>/dev/null | git patch-id --stable | cut -d' ' -f1 | sort)
	comm -23 <(printf '%s\n' "$mine") <(printf '%s\n' "$exported")
}

# Patch ids, in order, of base..HEAD of build/linux and of patches/series.
tree_patch_ids() {
	local fp
	fp=$(kgit format-patch --stdout base..HEAD) || return 1
	git patch-id --stable <<<"$fp" | cut -d' ' -f1
}
series_patch_ids() {
	local p
	series_list | while read -r p; do
		git patch-id --stable <"$TOP/patches/$p" | cut -d' ' -f1
	done
}

# Is build/linux exactly patches/: nothing uncommitted, and base..HEAD the
# commits of patches/series, in order (a tree reset to fewer commits, or
# to base, is not the series however fresh its stamp)?
tree_is_series() {
	local mine
	[ "$(cat "$KSRC/.git/imemfd-series" 2>/dev/null)" = "$(series_hash)" ] || return 1
	[ -z "$(kgit status --porcelain --untracked-files=no | head -1)" ] || return 1
	mine=$(tree_patch_ids) || return 1
	[ "$mine" = "$(series_patch_ids)" ]
}

# kmake OBJDIR make-args...
kmake() {
	local obj=$1
	shift
	make -C "$KSRC" O="$obj" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$JOBS" "$@"
}

# Time a step and add a row to build/timings.tsv, the source of the
# README's figures: date, project commit, host, cores, step, seconds, status.
timed() {
	local name=$1 t0 t1 rc=0 commit
	shift
	t0=$(date +%s)
	"$@" || rc=$?
	t1=$(date +%s)
	mkdir -p "$BUILD"
	commit=$(git -C "$TOP" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
	[ -z "$(git -C "$TOP" status --porcelain 2>/dev/null | head -1)" ] || commit+=+
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$commit" \
		"$(hostname)" "$(nproc)" "$name" "$((t1 - t0))" "$rc" >>"$BUILD/timings.tsv"
	log "$name: $((t1 - t0)) s"
	return $rc
}
