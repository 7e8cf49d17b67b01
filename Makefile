# rwp: userfaultfd RWP gating predicates in Rust. See README.md.
#   make run     build kernel, module and tests; boot; run the kselftests
#   make check   make run under every configuration, plus KUnit, the
#                host checks (rustfmt, clippy, checkpatch) and the rest
#   make shell   a root shell in the VM, with the tree at /work/main
.PHONY: run check setup kernel module tests shell clean

run:
	@bash scripts/run.sh run

check:
	@bash scripts/run.sh check

setup:
	@bash scripts/setup.sh

kernel: setup
	@bash scripts/kernel.sh

module:
	@$(MAKE) -C module

tests:
	@$(MAKE) -C tests

shell:
	@bash scripts/shell.sh

clean:
	@$(MAKE) -C module clean
	@$(MAKE) -C tests clean
