#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (see run-tests.sh):
#
#   guest-tests.sh LIST PROFILE [NAME-REGEX]
#
# Saves the boot-time KUnit results and runs the kselftests of LIST's
# [PROFILE] section, each under its own timeout.  Writes
#   $R/kunit/<suite>.ktap   KTAP of each KUnit suite that ran at boot
#   $R/kselftest.tap        one TAP line per test; the test's own output
#                           (including its subtests) indented by '# '
# The host turns these into build/test-results.tsv (summarize.py).
TOP=$(cd "$(dirname "$0")/.." && pwd)
LIST=$1
PROFILE=$2
FILTER=${3:-}
R=${R:-/tmp/results}
export KSELFTEST=$TOP/build/obj/kselftest
export ST_SRC=$TOP/build/linux/tools/testing/selftests

mkdir -p "$R/kunit"
for d in /sys/kernel/debug/kunit/*/; do
	[ -f "$d/results" ] || continue
	cp "$d/results" "$R/kunit/$(basename "$d").ktap"
done

ulimit -c 0

# Entries of one [profile] section: "name timeout [key=value...] program args".
entries() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LIST" |
		awk -v p="[$PROFILE]" '/^\[/ { on = ($1 == p); next } on'
}

# run_one BIN TIMEOUT ARGS: run a test program in its directory, output
# to /tmp/test.out; returns its exit status (124/137: timed out).
run_one() {
	local rc

	# shellcheck disable=SC2086
	(cd "$(dirname "$1")" && exec timeout -k 5 "$2" "$1" $3) \
		</dev/null >/tmp/test.out 2>&1
	rc=$?
	case $rc in
	124|137) echo "harness: TIMEOUT after $2s" >>/tmp/test.out ;;
	esac
	return $rc
}

TAP=$R/kselftest.tap
: >"$TAP"
n=0
while read -r name timeout rest; do
	name=${name#+}
	[ -n "$FILTER" ] && [[ ! $name =~ $FILTER ]] && continue
	n=$((n + 1))
	hugepages=0
	flaky=
	while [[ $rest =~ ^([a-z_]+)=([^[:space:]]*)[[:space:]]+(.*)$ ]]; do
		case ${BASH_REMATCH[1]} in
		hugepages) hugepages=${BASH_REMATCH[2]} ;;
		flaky) flaky=${BASH_REMATCH[2]} ;;
		esac
		rest=${BASH_REMATCH[3]}
	done
	read -r prog args <<<"$rest"
	if [ -x "$KSELFTEST/$prog" ]; then
		bin=$KSELFTEST/$prog
	else
		bin=$ST_SRC/$prog
	fi
	echo "$hugepages" >/proc/sys/vm/nr_hugepages
	echo "# === $name: $prog $args (timeout ${timeout}s)" >>"$TAP"
	t0=$(date +%s.%N)
	run_one "$bin" "$timeout" "$args"
	rc=$?
	note=
	# flaky=ERE: a failure whose output (with the harness' TIMEOUT line)
	# matches ERE is a known flake of the environment (see the list
	# file); run the test once more and say so in the result.  Any other
	# failure, or a second one, counts.
	if [ -n "$flaky" ] && [ $rc -ne 0 ] && [ $rc -ne 4 ] &&
	   grep -qE -- "$flaky" /tmp/test.out; then
		echo "# known flake (output matches '$flaky', exit status $rc): running it again" | tee -a "$TAP"
		sed 's/^/# (1st run) /' /tmp/test.out | tee -a "$TAP" | tail -n 20
		run_one "$bin" "$timeout" "$args"
		rc=$?
		note=" # 2nd run; the 1st hit the known flake '$flaky'"
	fi
	t1=$(date +%s.%N)
	sed 's/^/# /' /tmp/test.out >>"$TAP"
	secs=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
	case $rc in
	0)   line="ok $n $name$note" ;;
	4)   why=$(grep -iE 'skip' /tmp/test.out | tail -n1 | tr -d '\r' | cut -c1-160)
	     line="ok $n $name # SKIP ${why:-exit status 4}" ;;
	124|137) line="not ok $n $name # TIMEOUT after ${timeout}s" ;;
	*)   line="not ok $n $name # exit status $rc" ;;
	esac
	echo "$line" >>"$TAP"
	echo "$line (${secs}s)"
	# The console is all a CI log has: show why a test failed.
	case $line in
	"not ok"*) tail -n 40 /tmp/test.out | sed 's/^/#   /' ;;
	esac
done < <(entries)
echo 0 >/proc/sys/vm/nr_hugepages
echo "1..$n" >>"$TAP"
