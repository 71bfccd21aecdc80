# SPDX-License-Identifier: GPL-2.0
# Front end of the harness; the work is done by the scripts in harness/.
#
#   make run        boot the patched kernel (plain tier) and run the demonstration
#   make test       KUnit + kselftests in the VM on the kasan tier (what CI
#                   boots) -> build/test-results.tsv; TIER=plain make test is
#                   the quick developer loop
#   make check      series hygiene (apply, round trip, checkpatch, kernel-doc,
#                   W=1 on added lines) and the config matrix
#   make tree       build/linux: git tree of the pinned base + patches/series
#   make export     build/linux commits -> patches/ + patches/series
#   make kernel     configure and build the $(TIER) kernel (default kasan)
#   make selftests  uAPI headers + the kselftests of tests/kselftests.list
#   make rdma-core  the pinned rdma-core (libibverbs + rxe) with userspace/rdma-core/series
#   make vm [CMD='...']   boot the plain tier and run CMD in the guest (no CMD: a shell)
#   make bench      run the benchmark programs (plain tier, guest-instruction
#                   clock): table, build/bench/ CSV + plots, README section
#   make expected   rewrite tests/expected.tsv from the last full 'make test'
#   make clean      remove build output (keeps build/linux and caches)

SHELL := /bin/bash
H := harness

.PHONY: all deps tree export check kernel rdma-core selftests test run vm bench expected clean distclean

all: test

# Every step's duration goes to build/timings.tsv (the README's figures).
T := $(H)/time-step.sh

deps:
	@$(T) deps $(H)/install-deps.sh

tree: deps
	@$(T) tree $(H)/make-tree.sh

export:
	@$(H)/export-patches.sh

check: tree
	@$(T) check $(H)/check.sh

kernel: tree
	@$(H)/build-kernel.sh

# The RDMA selftests and the demo use the pinned rdma-core, not the system's.
rdma-core: deps
	@$(T) rdma-core $(H)/build-rdma-core.sh

selftests: kernel rdma-core
	@$(H)/build-selftests.sh

test: tree rdma-core
	@$(H)/run-tests.sh

run: tree rdma-core
	@TIER=$${TIER:-plain} $(H)/run-demo.sh

# CMD reaches the recipe verbatim through the environment: no make
# expansion of '$', no shell quoting to break.
override CMD := $(value CMD)
export CMD
vm: tree
	@export TIER=$${TIER:-plain}; $(H)/build-kernel.sh && \
	 if [ -n "$$CMD" ]; then printf '%s\n' "$$CMD" | $(H)/run-vm.sh -; \
	 else $(H)/run-vm.sh; fi

bench: tree rdma-core
	@TIER=$${TIER:-plain} $(H)/run-bench.sh

expected:
	@python3 $(H)/summarize.py --write-expected build/test-results.tsv tests/expected.tsv

clean:
	rm -rf build/obj-* build/config-* build/st build/demo build/rdma-core build/results build/test-results.tsv

distclean:
	@$(H)/make-tree.sh --check-exported
	rm -rf build
