#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make test': boot the kernel once per VM profile of tests/kselftests.list
# and run that profile's kselftests; the KUnit suites (the config builds in
# only ours, tests/kunit.list says which must report) run during the first
# boot.  summarize.py then writes build/test-results.tsv and prints the
# summary line.  TEST_FILTER='regex' runs only the kselftests whose name
# matches.
. "$(dirname "$0")/lib.sh"

KLIST=$TOP/tests/kselftests.list
KULIST=$TOP/tests/kunit.list
FILTER=${TEST_FILTER:-}

profiles=$(sed -n 's/^\[\([a-z0-9_-]*\)\].*/\1/p' "$KLIST" | awk '!seen[$0]++')
rm -rf "$BUILD/results"
first=1
for profile in $profiles; do
	# Skip a profile none of whose entries match the filter (KUnit still
	# needs one boot).
	if [ -n "$FILTER" ] && [ $first -eq 0 ] &&
	   ! sed -e 's/#.*//' "$KLIST" | awk -v p="[$profile]" '/^\[/ { on = ($1 == p); next } on { sub(/^\+/, "", $1); print $1 }' |
		grep -qE -- "$FILTER"; then
		continue
	fi
	args=
	[ $first -eq 1 ] || args="kunit.enable=0"
	log "VM profile '$profile'"
	RESULTS=$BUILD/results/$profile VM_PROFILE=$profile \
		timed "vm-$profile" "$TOP/harness/run-vm.sh" -t "${VM_TIMEOUT:-2700}" -a "$args" - <<JOB || true
exec bash $TOP/harness/guest-tests.sh $KLIST $profile '$FILTER'
JOB
	first=0
done
echo
TEST_FILTER=$FILTER python3 "$TOP/harness/summarize.py" "$BUILD/results" "$KLIST" "$KULIST" \
	"$BUILD/test-results.tsv"
