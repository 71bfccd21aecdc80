#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# time-step.sh NAME COMMAND...: run COMMAND and add its duration to
# build/timings.tsv under NAME (see timed() in lib.sh).
. "$(dirname "$0")/lib.sh"
name=$1
shift
timed "$name" "$@"
