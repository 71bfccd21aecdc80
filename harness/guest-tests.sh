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

TAP=$R/kselftest.tap
: >"$TAP"
n=0
while read -r name timeout rest; do
	name=${name#+}
	[ -n "$FILTER" ] && [[ ! $name =~ $FILTER ]] && continue
	n=$((n + 1))
	hugepages=0
	while [[ $rest =~ ^([a-z_]+)=([^[:space:]]*)[[:space:]]+(.*)$ ]]; do
		case ${BASH_REMATCH[1]} in
		hugepages) hugepages=${BASH_REMATCH[2]} ;;
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
	# shellcheck disable=SC2086
	(cd "$(dirname "$bin")" && exec timeout -k 5 "$timeout" "$bin" $args) \
		</dev/null >/tmp/test.out 2>&1
	rc=$?
	t1=$(date +%s.%N)
	sed 's/^/# /' /tmp/test.out >>"$TAP"
	secs=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
	case $rc in
	0)   line="ok $n $name" ;;
	4)   why=$(grep -iE 'skip' /tmp/test.out | tail -n1 | tr -d '\r' | cut -c1-160)
	     line="ok $n $name # SKIP ${why:-exit status 4}" ;;
	124|137) line="not ok $n $name # TIMEOUT after ${timeout}s" ;;
	*)   line="not ok $n $name # exit status $rc" ;;
	esac
	echo "$line" >>"$TAP"
	echo "$line (${secs}s)"
done < <(entries)
echo 0 >/proc/sys/vm/nr_hugepages
echo "1..$n" >>"$TAP"
