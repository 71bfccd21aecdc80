#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# 'make test': build the $TIER kernel (kasan unless TIER=plain) and the
# selftests, boot the kernel once per VM profile of tests/kselftests.list
# and run that profile's kselftests; the KUnit suites (tests/kunit.list
# says which must report) run during the first boot.  summarize.py then
# writes build/test-results.tsv and prints the summary line, the last line
# of the output.
#
# TEST_FILTER='ERE' runs only the kselftests whose name matches,
# KUNIT_FILTER='glob' only those KUnit suites: the run is marked partial and
# fails if the filter selects nothing.  The kernel is always the one built
# here from patches/ (KERNEL= is refused: use 'make vm' for other kernels).
. "$(dirname "$0")/lib.sh"

[ -z "${KERNEL:-}" ] || die "make test boots the kernel it builds from patches/; KERNEL= is for 'make vm'"
KLIST=$TOP/tests/kselftests.list
KULIST=$TOP/tests/kunit.list
EXPECTED=$TOP/tests/expected.tsv
OUT=$BUILD/test-results.tsv
ROOT=$BUILD/results/test
FILTER=${TEST_FILTER:-}

# Results of an earlier run must never be mistaken for this one's.
rm -f "$OUT"
rm -rf "$ROOT"
timed "kernel-$TIER" "$TOP/harness/build-kernel.sh"
timed selftests "$TOP/harness/build-selftests.sh"

# Selected entries of one profile: "name timeout".
profile_entries() {
	sed -e '/^@/d' -e 's/#.*//' "$KLIST" |
		awk -v p="[$1]" '/^\[/ { on = ($1 == p); next } on && NF { sub(/^\+/, "", $1); print $1, $2 }' |
		while read -r name t; do
			[ -n "$FILTER" ] && [[ ! $name =~ $FILTER ]] && continue
			echo "$name $t"
		done
}

profiles=$(sed -n 's/^\[\([a-z0-9_-]*\)\].*/\1/p' "$KLIST" | awk '!seen[$0]++')
first=1
for profile in $profiles; do
	sel=$(profile_entries "$profile")
	# A profile with nothing selected is not booted, except the first
	# (the KUnit suites run in its boot).
	[ -z "$sel" ] && [ $first -eq 0 ] && continue
	# The VM's budget: every selected test's timeout, scaled for the
	# tier, plus boot, KUnit and the end-of-run checks.
	# At most 40 minutes: a boot that needs more is broken (the kasan
	# tier's plain profile takes about 7), and CI has 90 in all.
	budget=$(awk -v s="$TIMEOUT_SCALE" '{ t += $2 } END { t = t * s + 600; printf "%d", (t > 2400 ? 2400 : t) }' <<<"$sel")
	args=
	[ $first -eq 1 ] || args="kunit.enable=0"
	log "VM profile '$profile' ($(grep -c . <<<"$sel") tests, budget ${budget}s)"
	RESULTS=$ROOT/$profile VM_PROFILE=$profile \
		timed "vm-$profile" "$TOP/harness/run-vm.sh" -t "$budget" -a "$args" - <<JOB || true
export TEST_FILTER=$(printf '%q' "$FILTER") TIMEOUT_SCALE=$TIMEOUT_SCALE
export RDMA_CORE_BIN=$RDMA_CORE_BIN RDMA_CORE_LIB=$RDMA_CORE_LIB
exec bash $TOP/harness/guest-tests.sh $KLIST $profile
JOB
	first=0
done
echo
EXPECT_SERIES=$(series_hash) python3 "$TOP/harness/summarize.py" "$ROOT" "$KLIST" "$KULIST" \
	"$EXPECTED" "$OUT"
