# SPDX-License-Identifier: GPL-2.0
# Front end of the harness; the work is done by the scripts in harness/.
#
#   make run        boot the patched kernel and run the demonstration
#   make test       KUnit + kselftests in the VM -> build/test-results.tsv
#   make check      series/patch hygiene (apply, round trip, checkpatch, kernel-doc)
#   make tree       build/linux: git tree of the pinned base + patches/series
#   make export     build/linux commits -> patches/ + patches/series
#   make kernel     configure and build bzImage + uAPI headers (build/obj)
#   make selftests  build the kselftests of tests/kselftests.list
#   make vm [CMD='...']   boot and run CMD in the guest (no CMD: a shell)
#   make bench      run the benchmark programs and print their tables
#   make clean      remove build output (keeps build/linux and caches)

SHELL := /bin/bash
H := harness

.PHONY: all deps tree export check kernel selftests test run vm bench clean distclean

all: test

deps:
	@$(H)/install-deps.sh

tree: deps
	@$(H)/make-tree.sh

export:
	@$(H)/export-patches.sh

check: tree
	@$(H)/check.sh

kernel: tree
	@$(H)/build-kernel.sh

selftests: kernel
	@$(H)/build-selftests.sh

test: selftests
	@$(H)/run-tests.sh

run: selftests
	@$(H)/run-demo.sh

# CMD reaches the recipe verbatim through the environment: no make
# expansion of '$', no shell quoting to break.
override CMD := $(value CMD)
export CMD
vm: kernel
	@if [ -n "$$CMD" ]; then printf '%s\n' "$$CMD" | $(H)/run-vm.sh -; \
	 else $(H)/run-vm.sh; fi

bench: selftests
	@$(H)/run-bench.sh

clean:
	rm -rf build/obj build/config build/results build/test-results.tsv

distclean:
	@$(H)/make-tree.sh --check-exported
	rm -rf build
