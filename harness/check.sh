#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make check': the series is consistent, applies to the pristine base with
# zero fuzz, re-exports byte for byte, and passes checkpatch and kernel-doc.
. "$(dirname "$0")/lib.sh"

[ -d "$KSRC/.git" ] || die "no build/linux; run 'make tree' first"
fail=0
bad() { printf 'FAIL: %s\n' "$*" >&2; fail=1; }
ok()  { printf 'ok:   %s\n' "$*"; }

# 1. patches/series and patches/*.patch name the same files, once each.
dups=$(series_list | sort | uniq -d)
[ -z "$dups" ] || bad "listed twice in patches/series: $dups"
listed=$(series_list | sort -u)
present=$(cd "$TOP/patches" && ls -1 -- *.patch 2>/dev/null | sort)
missing=$(comm -23 <(echo "$listed") <(echo "$present") | grep . || true)
stray=$(comm -13 <(echo "$listed") <(echo "$present") | grep . || true)
[ -z "$missing" ] || bad "in series but missing: $missing"
[ -z "$stray" ] || bad "patch files not in series: $stray"
[ $fail -eq 0 ] && ok "series and patch files agree ($(series_list | wc -l) patches)"

# 2. Apply to the pristine base with zero fuzz, in a scratch worktree.  The
#    base commit differs from the tarball only in .gitignore, which no patch
#    may touch.
if grep -lE '^diff --git a/\.gitignore ' "$TOP"/patches/*.patch 2>/dev/null; then
	bad "a patch touches the top-level .gitignore, which the base commit rewrites"
fi
wt=$BUILD/check.wt
kgit worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
kgit worktree prune
kgit worktree add -q --detach "$wt" base
trap 'git -C "$KSRC" worktree remove --force "$wt" >/dev/null 2>&1 || true' EXIT
applied=1
while read -r p; do
	if ! git -C "$wt" am -q --no-3way --committer-date-is-author-date "$TOP/patches/$p" \
		>"$BUILD/check-am.log" 2>&1; then
		bad "$p does not apply with zero fuzz:"; sed 's/^/    /' "$BUILD/check-am.log" >&2
		git -C "$wt" am --abort >/dev/null 2>&1 || true
		applied=0
		break
	fi
done < <(series_list)
[ $applied -eq 1 ] && ok "every patch applies to the pristine base with zero fuzz"

# 3. Round trip: exporting what was just applied reproduces patches/ exactly.
if [ $applied -eq 1 ]; then
	rt=$(mktemp -d)
	git -C "$wt" "${GIT_EXPORT_OPTS[@]}" format-patch -q --zero-commit --no-signature \
		--no-numbered --no-base --abbrev=12 -o "$rt" base..HEAD
	if diff -r -q -x series "$rt" "$TOP/patches" >/dev/null 2>&1 &&
	   [ "$(cd "$rt" && ls -1 -- *.patch 2>/dev/null)" = "$(series_list)" ]; then
		ok "round trip: re-export is byte-identical"
	else
		bad "round trip: re-export differs from patches/ (run 'make export' and commit)"
		diff -r -u -x series "$TOP/patches" "$rt" | head -20 >&2
	fi
	rm -rf "$rt"
fi

# 4. checkpatch --strict: no errors; every warning type justified in the
#    commit message ("checkpatch: TYPE ..." line).  CHECKs are printed for
#    review, they do not fail.
CP=$KSRC/scripts/checkpatch.pl
nerr=0 nwarn=0 nchecks=0
while read -r p; do
	out=$("$CP" --strict --terse --show-types --no-summary --no-tree \
		--ignore SPDX_LICENSE_TAG "$TOP/patches/$p" 2>&1 || true)
	errs=$(grep -c ': ERROR:' <<<"$out" || true)
	if [ "$errs" -gt 0 ]; then
		bad "checkpatch errors in $p:"; grep ': ERROR:' <<<"$out" | sed 's/^/    /' >&2
		nerr=$((nerr + errs))
	fi
	msg=$(sed -n '/^Subject:/,/^---$/p' "$TOP/patches/$p")
	while read -r type; do
		[ -n "$type" ] || continue
		nwarn=$((nwarn + 1))
		if ! grep -qE "^checkpatch: .*\\b$type\\b" <<<"$msg"; then
			bad "$p: checkpatch WARNING:$type is not justified in the commit message"
			grep ": WARNING:$type:" <<<"$out" | head -3 | sed 's/^/    /' >&2
		fi
	done < <(grep -o ': WARNING:[A-Z_]*' <<<"$out" | cut -d: -f3 | sort -u)
	nchk=$(grep -c ': CHECK:' <<<"$out" || true)
	if [ "$nchk" -gt 0 ]; then
		nchecks=$((nchecks + nchk))
		[ -n "${V:-}" ] && grep ': CHECK:' <<<"$out" | sed 's|^|  check: |'
	fi
done < <(series_list)
[ $nerr -eq 0 ] && ok "checkpatch --strict: 0 errors, $nwarn warning types (all justified), $nchecks CHECKs to review (V=1 lists them)"

# 5. Whitespace errors anywhere in the series.
if [ $applied -eq 1 ]; then
	if git -C "$wt" diff --check base HEAD >"$BUILD/check-ws.log"; then
		ok "no whitespace errors"
	else
		bad "whitespace errors:"; head -20 "$BUILD/check-ws.log" >&2
	fi
fi

# 6. kernel-doc: touched .c/.h files gain no warnings.
if [ $applied -eq 1 ]; then
	kd_count() {	# $1: tree, $2: file
		[ -f "$1/$2" ] || { echo 0; return; }
		(cd "$1" && scripts/kernel-doc -none -Wall "$2" 2>&1 | grep -c 'warning' || true)
	}
	kd_bad=0
	bwt=$BUILD/check.base
	kgit worktree remove --force "$bwt" >/dev/null 2>&1 || rm -rf "$bwt"
	kgit worktree add -q --detach "$bwt" base
	while read -r f; do
		case $f in *.c|*.h) ;; *) continue ;; esac
		b=$(kd_count "$bwt" "$f")
		a=$(kd_count "$wt" "$f")
		if [ "$a" -gt "$b" ]; then
			bad "kernel-doc warnings in $f grew from $b to $a:"
			(cd "$wt" && scripts/kernel-doc -none -Wall "$f" 2>&1 | grep warning | head -10 | sed 's/^/    /') >&2
			kd_bad=1
		fi
	done < <(git -C "$wt" diff --name-only --diff-filter=AM base HEAD)
	kgit worktree remove --force "$bwt"
	[ $kd_bad -eq 0 ] && ok "kernel-doc: no new warnings in touched files"
fi

if [ $fail -ne 0 ]; then
	echo "make check: FAILED" >&2
	exit 1
fi
echo "make check: all passed"
