# SPDX-License-Identifier: GPL-2.0
# Shared settings and helpers for the harness scripts.  Source it; do not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
KSRC=$BUILD/linux			# git work tree of the kernel (tag 'base')
KOBJ=$BUILD/obj				# out-of-tree kernel objects
KHDR=$KOBJ/usr			# 'make headers' output (usr/include)
KSELFTEST=$KOBJ/kselftest		# built selftests (selftests O=build/obj)
RESULTS=${RESULTS:-$BUILD/results/vm}	# output of one VM run
CACHE=${IMF_CACHE:-$HOME/.cache/imemfd}	# survives 'make clean' and fresh clones
JOBS=${JOBS:-$(($(nproc) + 1))}

# shellcheck source=../base.env
. "$TOP/base.env"

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

# Reproducible kernel builds: init/version.c must not change between runs.
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=imemfd
export KBUILD_BUILD_HOST=harness
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
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

kmake() {
	make -C "$KSRC" O="$KOBJ" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$JOBS" "$@"
}

# Time a step and remember it in build/timings.tsv for the README figures.
timed() {
	local name=$1 t0 t1 rc=0
	shift
	t0=$(date +%s)
	"$@" || rc=$?
	t1=$(date +%s)
	mkdir -p "$BUILD"
	printf '%s\t%s\t%s\n' "$name" "$((t1 - t0))" "$rc" >>"$BUILD/timings.tsv"
	log "$name: $((t1 - t0)) s"
	return $rc
}
