#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make check': the harness judges runs correctly (its self-test), the
# series is consistent, applies to the pristine base with zero fuzz,
# re-exports byte for byte, passes checkpatch and kernel-doc, and builds
# without warnings (CONFIG_WERROR) at every point of the config matrix:
#   kasan     the CI kernel, consumers as modules (CONFIG_KVM=m,
#             CONFIG_IOMMUFD=m, ...): bzImage + modules, modpost checks
#             every export a module uses; 'make test' then boots it
#   nomemfd   the same with CONFIG_MEMFD_INACCESSIBLE=n: vmlinux + modules,
#             no bzImage, in its own O= directory (ccache shares the rest)
# and W=1 reports nothing on a line the series adds.
. "$(dirname "$0")/lib.sh"
TIER=kasan KOBJ=$(tier_obj kasan)

[ -d "$KSRC/.git" ] || die "no build/linux; run 'make tree' first"
fail=0
bad() { printf 'FAIL: %s\n' "$*" >&2; fail=1; }
ok()  { printf 'ok:   %s\n' "$*"; }

# 0. The harness' own verdicts: every way a broken run could end green
#    fails (tests/harness/selftest.sh, host only, seconds).
if "$TOP/tests/harness/selftest.sh" >"$BUILD/check-harness.log" 2>&1; then
	ok "harness self-test: $(tail -n1 "$BUILD/check-harness.log" | sed 's/.*: //')"
else
	bad "harness self-test:"; grep -v '^ok' "$BUILD/check-harness.log" | sed 's/^/    /' >&2
fi

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
	kd_count() {	# $1: file to read, named $2 in the tree
		(cd "$wt" && scripts/kernel-doc -none -Wall "$1" 2>&1 | grep -c 'warning' || true)
	}
	kd_bad=0
	kdb=$(mktemp -d)
	while read -r f; do
		case $f in *.c|*.h) ;; *) continue ;; esac
		b=0
		if git -C "$wt" cat-file -e "base:$f" 2>/dev/null; then
			mkdir -p "$kdb/$(dirname "$f")"
			git -C "$wt" show "base:$f" >"$kdb/$f"
			b=$(kd_count "$kdb/$f")
		fi
		a=$(kd_count "$f")
		if [ "$a" -gt "$b" ]; then
			bad "kernel-doc warnings in $f grew from $b to $a:"
			(cd "$wt" && scripts/kernel-doc -none -Wall "$f" 2>&1 | grep warning | head -10 | sed 's/^/    /') >&2
			kd_bad=1
		fi
	done < <(git -C "$wt" diff --name-only --diff-filter=AM base HEAD)
	rm -rf "$kdb"
	[ $kd_bad -eq 0 ] && ok "kernel-doc: no new warnings in touched files"
fi

# 7. The config matrix.  The tree must be what patches/ says (it is what
#    the points build).
if ! tree_is_series; then
	bad "build/linux is not patches/ (uncommitted or unexported work): 'make export' first"
else
	if TIER=kasan timed kernel-kasan "$TOP/harness/build-kernel.sh"; then
		ok "config kasan (CONFIG_IOMMUFD=m, CONFIG_KVM=m, CONFIG_INFINIBAND=m): bzImage + modules, modpost, no warnings"
		kasan_built=1
	else
		bad "config kasan: the build failed (see above)"
		kasan_built=0
	fi
	if timed check-nomemfd "$TOP/harness/build-kernel.sh" --point nomemfd; then
		ok "config nomemfd (CONFIG_MEMFD_INACCESSIBLE=n): vmlinux + modules, no warnings"
	else
		bad "config nomemfd: the build failed (see above)"
	fi

	# 8. W=1 on the kernel .c files the series touches: no warning on a line
	#    it adds (warnings the base already has elsewhere in the file are
	#    not ours).  Only objects the kasan point builds are checked.
	if [ "$kasan_built" = 1 ]; then
		objs=()
		while read -r f; do
			case $f in tools/*|scripts/*|Documentation/*|samples/*) continue ;; esac
			[[ $f == *.c ]] || continue
			[ -f "$KOBJ/${f%.c}.o" ] && objs+=("${f%.c}.o")
		done < <(kgit diff --name-only --diff-filter=AM base HEAD)
		w1log=$BUILD/check-w1.log
		# Rebuilds these objects with W=1; 'make test' rebuilds them at W=0.
		kmake "$KOBJ" W=1 KCFLAGS=-Wno-error "${objs[@]}" >"$w1log" 2>&1 ||
			bad "W=1 build of the touched files failed (build/check-w1.log)"
		new=$(python3 - "$w1log" "$KSRC" <<'PY'
import re, subprocess, sys
log, src = sys.argv[1:3]
added = {}
def lines(f):
    if f not in added:
        d = subprocess.run(['git', '-C', src, 'diff', '-U0', 'base', 'HEAD', '--', f],
                           capture_output=True, text=True).stdout
        s = set()
        for m in re.finditer(r'^@@ -\S+ \+(\d+)(?:,(\d+))? @@', d, re.M):
            a, n = int(m.group(1)), int(m.group(2) or 1)
            s.update(range(a, a + n))
        added[f] = s
    return added[f]
# The compiler names the files of the tree relative to the O= directory
# (../linux/...) or by their absolute path.
pfx = r'(?:\.\./linux/|' + re.escape(src.rstrip('/') + '/') + ')'
for l in open(log, errors='replace'):
    m = re.match(r'^' + pfx + r'(\S+?):(\d+):\d+: warning: (.*)$', l.strip())
    if m and int(m.group(2)) in lines(m.group(1)):
        print('%s:%s: %s' % m.groups())
PY
)
		if [ -n "$new" ]; then
			bad "W=1 warnings on lines the series adds:"
			printf '%s\n' "$new" | sed 's/^/    /' >&2
		else
			ok "W=1: no warning on the lines the series adds (${#objs[@]} objects)"
		fi
	fi
fi

# 8. The rdma-core series (userspace/rdma-core) applies to the pinned
#    tarball with zero fuzz, and names every patch file once.
if out=$("$TOP/harness/build-rdma-core.sh" --check 2>&1); then
	ok "$(tail -n1 <<<"$out")"
else
	bad "rdma-core series:"; sed 's/^/    /' <<<"$out" >&2
fi

if [ $fail -ne 0 ]; then
	echo "make check: FAILED" >&2
	exit 1
fi
echo "make check: all passed"
