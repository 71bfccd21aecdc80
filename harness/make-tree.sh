#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Materialise build/linux: a git work tree of the pinned base (commit tagged
# 'base') with one commit per patch of patches/series on branch 'series'.
#
# An existing tree is updated in place: the new commit chain is built in a
# scratch worktree and then checked out, so git rewrites only the files that
# differ and incremental kernel builds stay incremental.  The update refuses
# to run if it would throw away work: uncommitted edits, untracked files, or
# commits whose diff is not in patches/.
. "$(dirname "$0")/lib.sh"

STAMP=$KSRC/.git/imemfd-series

# Fixed dates and identity make the base commit (and so every commit SHA)
# the same on every machine.
base_commit_env() {
	export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
}

apply_series() {	# $1: git work tree positioned at 'base'
	local p n=0
	[ -f "$TOP/patches/series" ] || return 0
	while read -r p; do
		[ -f "$TOP/patches/$p" ] || die "patches/series lists $p, which does not exist"
		# git am never applies with fuzz: context must match exactly.
		if ! git -C "$1" am -q --no-3way --committer-date-is-author-date \
			"$TOP/patches/$p" 2>"$BUILD/am.err"; then
			cat "$BUILD/am.err" >&2
			git -C "$1" am --abort >/dev/null 2>&1 || true
			die "patch $p does not apply to the pinned base (zero fuzz); fix it or drop it from patches/series"
		fi
		n=$((n + 1))
	done < <(series_list)
	log "applied $n patches"
}

refuse_if_unexported() {
	local dirty lost
	dirty=$(kgit status --porcelain | head -20)
	if [ -n "$dirty" ]; then
		printf '%s\n' "$dirty" >&2
		die "build/linux has uncommitted edits or untracked files; commit them and 'make export', or discard them yourself"
	fi
	lost=$(unexported_commits | grep -c . || true)
	if [ "$lost" -gt 0 ]; then
		kgit log --oneline base..HEAD >&2
		die "build/linux has $lost commit(s) whose diff is not in patches/; run 'make export' first (or reset the tree yourself)"
	fi
}

create_tree() {
	local tarball tmp
	tarball=$(timed download "$TOP/harness/fetch-base.sh")
	tmp=$BUILD/linux.new
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "extracting $(basename "$tarball")"
	tar -C "$tmp" --strip-components=1 -xf "$tarball"
	# Debian's top-level .gitignore ends with "/*" + "!/debian/" (ignore
	# everything): git would silently ignore every new file.  Drop that
	# stanza in the base commit; patches never touch .gitignore, so they
	# still apply to the pristine tarball.
	sed -i -e '/^# Debian packaging: ignore everything/,$d' "$tmp/.gitignore"
	sed -i -e '${/^#$/d}' "$tmp/.gitignore"
	grep -qx '/\*' "$tmp/.gitignore" && die "could not neutralise the tarball's .gitignore"
	(
		cd "$tmp"
		base_commit_env
		git init -q -b series
		git config gc.auto 0
		git add -A
		git commit -q -m "base: $DEB_PACKAGE $DEB_VERSION" \
			-m "Pristine $TARBALL_NAME (sha256 $TARBALL_SHA256) with the tarball's
ignore-everything .gitignore stanza removed."
		git tag base
	)
	apply_series "$tmp"
	mv "$tmp" "$KSRC"
}

update_tree() {
	local wt=$BUILD/linux.apply new
	refuse_if_unexported
	kgit worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
	kgit worktree prune
	kgit worktree add -q --detach "$wt" base
	apply_series "$wt"
	new=$(git -C "$wt" rev-parse HEAD)
	kgit worktree remove --force "$wt"
	kgit checkout -q -B series "$new"
}

if [ "${1:-}" = --check-exported ]; then
	[ -d "$KSRC/.git" ] && refuse_if_unexported
	exit 0
fi

mkdir -p "$BUILD"
want=$(series_hash)
if [ ! -d "$KSRC/.git" ]; then
	create_tree
elif [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
	# patches/ has not changed since the tree was last synced: leave the
	# tree alone, including local work that is not exported yet.
	if [ -n "$(kgit status --porcelain | head -1)" ] ||
	   [ -n "$(unexported_commits | head -1)" ]; then
		warn "build/linux has work that is not in patches/ yet ('make export')"
	fi
	exit 0
else
	update_tree
fi
echo "$want" >"$STAMP"
log "build/linux at $(kgit log --oneline -1 | cut -c1-70)"
