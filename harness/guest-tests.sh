#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (see run-tests.sh):
#
#   guest-tests.sh LIST PROFILE
#
# Saves the boot-time KUnit results and runs the kselftests of LIST's
# [PROFILE] section whose name matches the ERE $TEST_FILTER (all if it is
# empty), each under its own timeout (the list's, times $TIMEOUT_SCALE).
# Writes
#   $R/kunit/<suite>.ktap   KTAP of each KUnit suite that ran at boot
#   $R/selected.txt         the names of the entries it ran, in order
#   $R/kselftest.tap        the plan, then for each test its output
#                           (subtests included) indented by '# ' and one
#                           TAP result line
# The host turns these into build/test-results.tsv (summarize.py).
TOP=$(cd "$(dirname "$0")/.." && pwd)
LIST=$1
PROFILE=$2
R=${R:-/tmp/results}
SCALE=${TIMEOUT_SCALE:-1}
FILTER=${TEST_FILTER:-}
export KSELFTEST=$TOP/build/st/kselftest
export ST_SRC=$TOP/build/linux/tools/testing/selftests
# The pinned rdma-core (harness/lib.sh passes its paths through run-tests.sh)
# for entries with env=rdma-core.
RDMA_CORE_BIN=${RDMA_CORE_BIN:-$TOP/build/rdma-core/obj/bin}
RDMA_CORE_LIB=${RDMA_CORE_LIB:-$TOP/build/rdma-core/obj/lib}
PATS=$TOP/harness/splat-patterns
SPLAT=$(sed -e '/^#/d' -e '/^$/d' "$PATS" | paste -sd'|')

mkdir -p "$R/kunit"
for d in /sys/kernel/debug/kunit/*/; do
	[ -f "$d/results" ] || continue
	cp "$d/results" "$R/kunit/$(basename "$d").ktap"
done

ulimit -c 0

# Named flake signatures of the list ("@flake NAME ERE").
declare -A FLAKES=()
while read -r _ fname fere; do
	FLAKES[$fname]=$fere
done < <(grep -E '^@flake[[:space:]]' "$LIST")

# Entries of one [profile] section: "name timeout [key=value...] program args".
entries() {
	sed -e '/^@/d' -e 's/#.*//' -e '/^[[:space:]]*$/d' "$LIST" |
		awk -v p="[$PROFILE]" '/^\[/ { on = ($1 == p); next } on'
}

# Kernel log lines matching the splat patterns printed after uptime $1.
splats_since() {
	dmesg 2>/dev/null | awk -v t="$1" '
		match($0, /^\[ *[0-9]+\.[0-9]+\]/) {
			s = substr($0, 2, RLENGTH - 2) + 0
			if (s >= t) print
		}' | grep -aE "$SPLAT"
}

# What the threads of session $1 are doing -- every process of the test,
# also the children kselftest_harness.h runs each test in, which are in
# process groups of their own: state, wait channel and system call (a vCPU
# thread in KVM_RUN is in ioctl(fd, 0xae80)), and how many tasks of the
# whole system are in D state.  The summary line says whether every
# thread in KVM_RUN is running guest code (state R) or some sleep in the
# kernel (a lost wakeup looks like that, not like TCG).  A thread on a CPU
# has no system call to read ("running"): one that KVM's debugfs names as a
# vCPU (kvm/*/vcpu*/pid) counts as a running vCPU.  KVM's NX huge page
# recovery thread is a vhost task that shows the KVM_RUN of the vCPU that
# started it while it sleeps: it does not count.
hang_snapshot() {
	local sid=$1 tid stat wchan comm sc nrun=0 nsleep=0 nd vcpus
	vcpus=" $(cat /sys/kernel/debug/kvm/*/vcpu*/pid 2>/dev/null | tr '\n' ' ') "
	while read -r tid stat wchan comm; do
		sc=$(cut -d' ' -f1,3 "/proc/$tid/syscall" 2>/dev/null)
		echo "harness: thread $tid ($comm) state $stat wchan $wchan syscall ${sc:-?}"
		[ "$comm" = kvm-nx-lpage-re ] && continue
		if [ "$sc" = "16 0xae80" ] ||
		   { [ "$sc" = running ] && [[ $vcpus == *" $tid "* ]]; }; then
			nrun=$((nrun + 1))
			[[ $stat == R* ]] || nsleep=$((nsleep + 1))
		fi
	done < <(ps -eL -o sid=,tid=,stat=,wchan:32=,comm= | awk -v s="$sid" '$1 == s { print $2, $3, $4, $5 }')
	nd=$(ps -eL -o stat= | grep -c '^D')
	if [ "$nsleep" -eq 0 ]; then
		echo "harness: hang: $nrun threads in KVM_RUN, all running, $nd in D state"
	else
		echo "harness: hang: $nrun threads in KVM_RUN, $nsleep sleeping, $nd in D state"
	fi
}

# Is process $1 still there (not yet exited; a zombie has exited)?
alive() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $st != Z* ]]
}

# run_one BIN TIMEOUT ARGS: run a test program in its directory in a session
# of its own, output to /tmp/test.out (line-buffered); returns its
# exit status, 124 if it timed out (the threads' state is recorded first),
# 125 if it could not even be killed then (a task stuck in D state: no
# later test can be trusted).
run_one() {
	local pid sid end i
	# shellcheck disable=SC2086
	(cd "$(dirname "$1")" && exec setsid env "${TEST_ENV[@]}" stdbuf -oL -eL "$1" $3) \
		</dev/null >/tmp/test.out 2>&1 &
	pid=$!
	end=$(($(date +%s) + $2))
	while alive "$pid"; do
		if [ "$(date +%s)" -ge "$end" ]; then
			sid=$(ps -o sid= -p "$pid" 2>/dev/null | tr -d ' ')
			[ -n "$sid" ] || sid=$pid
			{ echo "harness: TIMEOUT after $2s"; hang_snapshot "$sid"; } >>/tmp/test.out
			pkill -TERM -s "$sid" 2>/dev/null
			sleep 5
			pkill -KILL -s "$sid" 2>/dev/null
			for i in $(seq 15); do
				alive "$pid" || break
				sleep 1
			done
			if alive "$pid"; then
				echo "harness: still there 20 s after SIGKILL: $(ps -o stat=,wchan:32= -p "$pid")" >>/tmp/test.out
				return 125
			fi
			wait "$pid"
			return 124
		fi
		sleep 0.2
	done
	wait "$pid"
}

mapfile -t ALL < <(entries)
sel=()
for e in "${ALL[@]}"; do
	read -r name _ <<<"$e"
	name=${name#+}
	[ -n "$FILTER" ] && [[ ! $name =~ $FILTER ]] && continue
	sel+=("$e")
	echo "$name" >>"$R/selected.txt"
done
: >>"$R/selected.txt"

TAP=$R/kselftest.tap
echo "1..${#sel[@]}" >"$TAP"
n=0
for e in "${sel[@]}"; do
	read -r name timeout rest <<<"$e"
	name=${name#+}
	n=$((n + 1))
	hugepages=0 flaky= bad=
	TEST_ENV=()
	while [[ $rest =~ ^([a-z_]+)=([^[:space:]]*)[[:space:]]+(.*)$ ]]; do
		case ${BASH_REMATCH[1]} in
		hugepages) hugepages=${BASH_REMATCH[2]} ;;
		flaky) flaky=${BASH_REMATCH[2]}
		       [ -n "${FLAKES[$flaky]:-}" ] || bad="unknown flake signature '$flaky'" ;;
		skip_ok) ;;	# for summarize.py
		env)
			case ${BASH_REMATCH[2]} in
			rdma-core) TEST_ENV=("IBV_BIN=$RDMA_CORE_BIN" "LD_LIBRARY_PATH=$RDMA_CORE_LIB") ;;
			*) bad="unknown environment '${BASH_REMATCH[2]}'" ;;
			esac ;;
		*) bad="unknown setting '${BASH_REMATCH[1]}'" ;;
		esac
		rest=${BASH_REMATCH[3]}
	done
	read -r prog args <<<"$rest"
	timeout=$(awk -v t="$timeout" -v s="$SCALE" 'BEGIN { printf "%d", t * s }')
	echo "# === $name: $prog $args (timeout ${timeout}s)" >>"$TAP"
	if [ -n "$bad" ]; then
		line="not ok $n $name # bad list entry: $bad"
		echo "$line" | tee -a "$TAP"
		continue
	fi
	if [ -x "$KSELFTEST/$prog" ]; then
		bin=$KSELFTEST/$prog
	else
		bin=$ST_SRC/$prog
	fi
	echo "$hugepages" >/proc/sys/vm/nr_hugepages
	got=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$got" -lt "$hugepages" ]; then
		line="not ok $n $name # could reserve only $got of $hugepages huge pages"
		echo "$line" | tee -a "$TAP"
		continue
	fi
	up0=$(cut -d' ' -f1 /proc/uptime)
	t0=$(date +%s.%N)
	run_one "$bin" "$timeout" "$args"
	rc=$?
	note=
	# flaky=NAME: a failure whose output (with the harness' TIMEOUT and
	# thread lines) matches the documented signature NAME ("@flake" in
	# the list) is run once more, unless the kernel printed a splat or
	# a hung task meanwhile: then it is ours, not the environment's.
	if [ -n "$flaky" ] && [ $rc -ne 0 ] && [ $rc -ne 4 ] && [ $rc -ne 125 ] &&
	   grep -qE -- "${FLAKES[$flaky]}" /tmp/test.out; then
		if splats_since "$up0" >/tmp/test.splat; then
			echo "# known flake signature '$flaky', but the kernel log has a splat since the test began: no rerun" | tee -a "$TAP"
			sed 's/^/# kernel: /' /tmp/test.splat | head -n 5 | tee -a "$TAP"
		else
			why=$(grep -oE -- "${FLAKES[$flaky]}" /tmp/test.out | head -n1)
			echo "# known flake '$flaky' ($why, exit status $rc): running it again" | tee -a "$TAP"
			sed 's/^/# (1st run) /' /tmp/test.out | tee -a "$TAP" | tail -n 20
			run_one "$bin" "$timeout" "$args"
			rc=$?
			note=" # rerun: the 1st run hit the known flake '$flaky' ($why)"
		fi
	fi
	t1=$(date +%s.%N)
	sed 's/^/# /' /tmp/test.out >>"$TAP"
	secs=$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")
	case $rc in
	0)   line="ok $n $name$note" ;;
	125) line="not ok $n $name # TIMEOUT after ${timeout}s, and a task would not die (D state)" ;;
	4)   why=$(grep -iE 'skip' /tmp/test.out | tail -n1 | tr -d '\r' | cut -c1-160)
	     line="ok $n $name # SKIP ${why:-exit status 4}" ;;
	124) line="not ok $n $name # TIMEOUT after ${timeout}s" ;;
	*)   line="not ok $n $name # exit status $rc" ;;
	esac
	echo "$line" >>"$TAP"
	echo "$line (${secs}s)"
	# The console is all a CI log has: show why a test failed.
	case $line in
	"not ok"*) tail -n 40 /tmp/test.out | sed 's/^/#   /' ;;
	esac
	# A task that survives SIGKILL holds whatever it holds for good: stop
	# here (the rest count as not run) and let the guest record its state.
	if [ $rc -eq 125 ]; then
		echo "# harness: stopping: a task of $name cannot be killed" | tee -a "$TAP"
		break
	fi
done
echo 0 >/proc/sys/vm/nr_hugepages
