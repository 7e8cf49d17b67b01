# SPDX-License-Identifier: GPL-2.0
# rwp: userfaultfd RWP gating predicates in Rust. See README.md.
#
# The module, as Rust-for-Linux's out-of-tree template builds it (Kbuild,
# beside this file, says what rwp.ko is made of):
#   make [KDIR=/path/to/patched/7.3/build]   rwp.ko
#   make CLIPPY=1                            the same, with clippy's lints
#   make rust-analyzer                       rust-project.json for editors
# The pipeline (scripts/run.sh): build the patched kernel, boot it, test:
#   make run     the kselftests with the module loaded (policy=merged)
#   make check   every configuration, KUnit, the extras and the host checks,
#                on x86_64, then the configurations on arm64, then a short
#                pass of make sanitize on the KASAN kernel (scripts/check-all.sh)
#   make check ARCH=x86_64|arm64|riscv64   all of it, on that architecture only
#                (ARCH= works for run, stress, model and bench as well)
#   make stress DURATION=3600   unload under load for that many seconds
#   make bench   the cost of the gates on three kernels, in wall and icount
#                time, written to bench/RESULTS.md (scripts/bench.sh)
#   make sanitize [FLAVOUR=kasan|kcsan] [DURATION=S]   the model checker,
#                fuzz and stress on kernels with KASAN or KCSAN, UBSAN and
#                KFENCE, then random seeds until S seconds (1800) after each
#                boot began (scripts/sanitize.sh)
#   make coverage   which of 7.3's RWP code the kselftests and the model
#                checker execute, on a kernel with gcov: an lcov report and
#                a table of the lines that mention RWP (scripts/coverage.sh)
#   make model [DURATION=S] [OPS=N] [SEED=S,...] [CONFIGS="..."] [REPLAY=...]
#                the RWP model checker under each configuration, or one
#                sequence replayed (scripts/model.sh)
#   make upstream   the module-independent kselftests as a selftests/mm
#                series for a 7.3 tree, in out/upstream, and the fixes of 7.3
#                bugs (patches/fixes/) as a series of their own, in out/fixes
#                (scripts/upstream.py)
#   make shell   a root shell in the VM, this checkout as working directory
#   make clean   remove what the builds left in the checkout and the cache
# A variable of scripts/env.sh for ARCH (make 4.3 does not hand $(shell) an
# ARCH given on the command line: it is passed on here).
env_sh = $(shell ARCH='$(ARCH)' bash -c '. $(CURDIR)/scripts/env.sh && echo $$$(1)')
KDIR ?= $(call env_sh,KBUILD)
KARCH := $(call env_sh,KARCH)
CROSS_COMPILE := $(call env_sh,CROSS_COMPILE)
LLVM := $(call env_sh,LLVM)
KMAKE := $(MAKE) -C $(KDIR) M=$(CURDIR) ARCH=$(KARCH) CROSS_COMPILE=$(CROSS_COMPILE) LLVM=$(LLVM)

modules:
	$(KMAKE) modules

rust-analyzer:
	$(KMAKE) rust-analyzer

run stress:
	@DURATION=$(DURATION) bash scripts/run.sh $@

# Without ARCH, both architectures: x86_64 whole, arm64's share, the KASAN pass.
check:
ifeq ($(origin ARCH),undefined)
	@bash scripts/check-all.sh
else
	@bash scripts/run.sh check
endif

bench:
	@ROUNDS=$(ROUNDS) ITERS=$(ITERS) bash scripts/bench.sh

sanitize:
	@FLAVOUR="$(FLAVOUR)" DURATION=$(DURATION) bash scripts/sanitize.sh

coverage:
	@bash scripts/coverage.sh

model:
	@DURATION=$(DURATION) OPS=$(OPS) SEED=$(SEED) CONFIGS="$(CONFIGS)" REPLAY=$(REPLAY) \
		bash scripts/model.sh

setup:
	@bash scripts/setup.sh

kernel: setup
	@bash scripts/kernel.sh

tests:
	@$(MAKE) -C tests

upstream:
	@bash scripts/upstream.sh series $(CURDIR)/out/upstream
	@bash scripts/upstream.sh fixes $(CURDIR)/out/fixes

shell:
	@bash scripts/vm.sh

clean:
	@if [ -f $(KDIR)/Makefile ]; then $(MAKE) -s -C $(KDIR) M=$(CURDIR) clean; fi
	@rm -f rust-project.json
	@rm -rf tests/out out

.PHONY: modules rust-analyzer run check stress bench sanitize coverage model setup kernel tests upstream shell clean
