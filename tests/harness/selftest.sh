#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Self-test of the harness' verdicts: feed summarize.py and scan-log.sh the
# results of VM runs that went wrong in each way a broken series could
# still end green, and check that every one of them fails the run (and that
# a clean run passes); and check that make bench's comparison of two runs
# flags a ratio that moved.  Host only, a few seconds; 'make check' runs it.
#
#   tests/harness/selftest.sh [SUMMARIZE [SCAN]]
#
# (defaults: harness/summarize.py, harness/scan-log.sh; other versions of
# them, e.g. an older harness', can be judged by the same cases).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SUMMARIZE=${1:-$TOP/harness/summarize.py}
PY=${PY:-python3}
SCAN=${2:-$TOP/harness/scan-log.sh}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0

cat >"$W/list" <<'L'
@flake env-x harness: hang: [1-9][0-9]* threads in KVM_RUN, 0 in D state
@skip no-2m 2 MiB huge page
[p]
+c:req        60  c/req
+c:req-skipok 60  skip_ok=no-2m c/req2
c:opt         60  c/opt
+c:flaky      60  flaky=env-x c/flaky
L
echo "memfd_bind" >"$W/kunit.list"
cat >"$W/expected" <<'L'
c:flaky	flaky
c:opt	opt
c:req	a
c:req	b
c:req-skipok	a
c:req-skipok	b
kunit:memfd_bind	case1
L

# A clean profile directory: every file a real run leaves.
clean_run() {
	local r=$1/p
	mkdir -p "$r/kunit"
	cat >"$r/kunit/memfd_bind.ktap" <<'K'
    KTAP version 1
    # Subtest: memfd_bind
    1..1
    ok 1 case1
ok 1 memfd_bind
K
	cat >"$r/kselftest.tap" <<'T'
1..4
# === c:req: c/req (timeout 60s)
# 1..2
# ok 1 a
# ok 2 b
ok 1 c:req
# === c:req-skipok: c/req2 (timeout 60s)
# 1..2
# ok 1 a
# ok 2 b # SKIP no 2 MiB huge page in this VM
ok 2 c:req-skipok
# === c:opt: c/opt (timeout 60s)
ok 3 c:opt # SKIP not here
# === c:flaky: c/flaky (timeout 60s)
ok 4 c:flaky
T
	printf 'c:req\nc:req-skipok\nc:opt\nc:flaky\n' >"$r/selected.txt"
	echo "console=ttyS0 imemfd.series=abc123" >"$r/cmdline"
	printf 'TIER\tkasan\nSERIES\tabc123\n' >"$r/identity.tsv"
	echo "[    0.000000] Linux version 6.12" >"$r/console.log"
	cp "$r/console.log" "$r/dmesg.txt"
	echo 262144 >"$r/tainted"	# TAINT_TEST: every KUnit run sets it
	: >"$r/dstate.txt"
	echo done >"$r/finished"
}

# result NAME OK(0|1) WHY OUTPUT -- one TAP line (and OUTPUT when not ok)
result() {
	if [ "$2" = 1 ]; then
		echo "ok $((pass + fail + 1)) $1"
		pass=$((pass + 1))
	else
		echo "not ok $((pass + fail + 1)) $1 # $3:"
		sed 's/^/#   /' <<<"$4" | tail -n 8
		fail=$((fail + 1))
	fi
}

# check NAME WANT(pass|fail) [ERE the output must show] -- summarize $W/run
check() {
	local name=$1 want=$2 ere=${3:-} rc=0 got out ok
	"$SCAN" "$W/run/p" >"$W/run/p/splats.txt" 2>&1
	out=$(cd "$W" && EXPECT_SERIES=abc123 TEST_FILTER=${TF:-} \
		"$PY" "$SUMMARIZE" "$W/run" "$W/list" "$W/kunit.list" "$W/expected" "$W/out.tsv" 2>&1) || rc=$?
	got=pass
	[ $rc -eq 0 ] || got=fail
	ok=0
	[ "$got" = "$want" ] && { [ -z "$ere" ] || grep -qE -- "$ere" <<<"$out"; } && ok=1
	result "$name" $ok "wanted $want${ere:+ showing /$ere/}, got $got" "$out"
	rm -rf "$W/run"
}
fresh() { rm -rf "$W/run"; clean_run "$W/run"; }
tap() { python3 - "$W/run/p/kselftest.tap" "$1" "$2" <<'P'
import sys
p, old, new = sys.argv[1:4]
s = open(p).read()
assert old in s, old
open(p, 'w').write(s.replace(old, new, 1))
P
}

fresh; check "a clean run passes" pass '^5 passed, 0 failed, 2 skipped$'
fresh; tap '# ok 1 a' '# ok 1 a # SKIP no MFD_INACCESSIBLE'
check "a required suite's skipped subtest fails" fail 'FAIL: c:req a'
fresh; tap '# 1..2
# ok 1 a
# ok 2 b
ok 1 c:req' '# 1..0 # SKIP no MFD_INACCESSIBLE
ok 1 c:req # SKIP no MFD_INACCESSIBLE'
check "a required suite that skips as a whole fails" fail 'required test skipped'
fresh; tap '# ok 2 b # SKIP no 2 MiB huge page in this VM' '# ok 2 b # SKIP no edu device'
check "skip_ok allows only its signature" fail 'FAIL: c:req-skipok b'
fresh; tap '# ok 2 b
ok 1 c:req' 'ok 1 c:req'
check "a suite that loses a subtest fails (plan)" fail 'planned 2 subtests, 1 reported'
fresh; tap '# 1..2
# ok 1 a
# ok 2 b
ok 1 c:req' '# 1..1
# ok 1 a
ok 1 c:req'
check "a subtest missing from tests/expected.tsv fails" fail 'missing: tests/expected.tsv'
fresh; tap '# ok 1 a' '# ok 1 a
# ok 3 c'
check "an unexpected subtest fails" fail 'unexpected: not in tests/expected.tsv'
fresh; tap '# ok 1 a' '# not ok 1 a # TODO not done'
check "a TODO subtest fails" fail 'FAIL: c:req a'
fresh; tap 'ok 4 c:flaky' 'ok 4 c:flaky # rerun: the 1st run hit the known flake'
check "a rerun shows in the summary line" pass '^5 passed \(1 after a rerun\), 0 failed, 2 skipped$'
fresh; tap '# === c:flaky: c/flaky (timeout 60s)
ok 4 c:flaky' ''
sed -i 's/^1\.\.4$/1..4/' "$W/run/p/kselftest.tap"
check "a run that stops early fails (outer plan)" fail 'planned 4 tests, 3 results'
fresh; echo "console=ttyS0 imemfd.series=0ld" >"$W/run/p/cmdline"
check "a kernel of another series fails" fail 'FAIL: kernel:p identity'
fresh; echo 1..0 >"$W/run/p/kselftest.tap"; : >"$W/run/p/selected.txt"
TF='^nothing$' check "a filter that selects nothing fails" fail 'no test ran'
fresh; rm "$W/run/p/kunit/memfd_bind.ktap"
check "a KUnit suite that did not run fails" fail 'suite did not run'
fresh; sed -i 's/^    ok 1 case1$/    ok 1 case1 # SKIP needs CONFIG_FOO/' "$W/run/p/kunit/memfd_bind.ktap"
check "a skipped case of a required KUnit suite fails" fail 'required KUnit case skipped'
fresh; echo "[    2.4] Unknown kernel command line parameters \"watchdog_thres=30\", will be passed to user space." >>"$W/run/p/console.log"
check "an unknown kernel parameter fails" fail 'Unknown kernel command line'
fresh; echo "[   12.5] rcu: INFO: rcu_preempt self-detected stall on CPU" >>"$W/run/p/console.log"
check "an RCU self-detected stall fails" fail 'self-detected stall'
fresh; echo "[  999.1] BUG: KASAN: slab-use-after-free in memfd_unbind+0x12/0x40" >>"$W/run/p/console.log"
check "a splat only in the console log (dmesg.txt truncated) fails" fail 'KASAN'
fresh; echo "[  30.0] watchdog: BUG: soft lockup - CPU#1 stuck for 63s!" >>"$W/run/p/console.log"
check "a soft lockup fails" fail 'soft lockup'
fresh; echo "[  30.0] INFO: task vfio_edu_test:311 blocked for more than 120 seconds." >>"$W/run/p/console.log"
check "a hung task fails" fail 'blocked for more than'
fresh; echo 262656 >"$W/run/p/tainted"
check "a tainted kernel fails (TAINT_WARN)" fail 'kernel tainted'
fresh; echo "  311 D    memfd_unbind    vfio_edu_test" >"$W/run/p/dstate.txt"
check "a task left in D state fails" fail 'FAIL: kernel:p dstate'
fresh; echo "modprobe: FATAL: Module rdma_rxe not found" >"$W/run/p/modprobe.err"
check "a consumer module that does not load fails" fail 'FAIL: kernel:p modprobe'
fresh; rm "$W/run/p/console.log"; mkdir "$W/run/p/console.log"
check "a scan that cannot read the log fails" fail 'FAIL: kernel:p scan'
fresh; echo "VM: timeout" >"$W/run/p/vm-error"
check "a VM timeout fails" fail 'FAIL: vm:p run'

# make bench's repeatability verdict (harness/bench-report.py --compare)
bench_check() {
	local what=$1 want=$2 rc=0 out ok=0
	out=$("$PY" "$TOP/harness/bench-report.py" --compare "$W/b1.csv" "$W/b2.csv" 2>&1) || rc=$?
	{ [ "$want" = agree ] && [ $rc -eq 0 ]; } ||
	{ [ "$want" = differ ] && [ $rc -ne 0 ] &&
	  grep -qE 'moved by more than 5|only in the previous run|not in the previous run' <<<"$out"; } &&
		ok=1
	result "$what" $ok "wanted $want, got rc $rc" "$out"
}
cat >"$W/b1.csv" <<'B'
kvm-faultin,guest_memfd,guest touch,ns/page,5,100,99,101,guest_memfd,1.000
kvm-faultin,memfd,guest touch,ns/page,5,104,103,105,guest_memfd,1.040
accounting,inaccessible,charge,x pages,5,1,1,1,,
bindings,4096 bindings,lookups per second,1/s,5,85000,84000,86000,,
B
sed 's/,85000,84000,86000,/,95000,94000,96000,/' "$W/b1.csv" >"$W/b2.csv"
bench_check "bench runs whose ratios agree (absolute figures may not) agree" agree
sed 's/,104,103,105,guest_memfd,1.040/,110,109,111,guest_memfd,1.100/' "$W/b1.csv" >"$W/b2.csv"
bench_check "a bench ratio that moved by 6 % is flagged" differ
sed 's/x pages,5,1,1,1,,/x pages,5,2,2,2,,/' "$W/b1.csv" >"$W/b2.csv"
bench_check "a bench factor (unit x) that moved is flagged" differ
grep -v '^accounting' "$W/b1.csv" >"$W/b2.csv"
bench_check "a bench figure missing from one run is flagged" differ

echo "harness self-test: $pass passed, $fail failed"
[ $fail -eq 0 ]
