# rwp: userfaultfd RWP gating predicates in Rust. See README.md.
#   make run     build kernel, module and tests; boot; run the kselftests
#   make check   make run under every configuration, plus KUnit, the
#                host checks (rustfmt, clippy, checkpatch) and the rest
#   make stress DURATION=3600   unload under load for that many seconds
#   make bench   the cost of the gates, written to bench/RESULTS.md
#   make shell   a root shell in the VM, with this checkout as working directory
.PHONY: run check stress bench setup kernel module tests shell clean

run:
	@bash scripts/run.sh run

check:
	@bash scripts/run.sh check

stress:
	@DURATION=$(DURATION) bash scripts/run.sh stress

bench:
	@bash scripts/run.sh bench

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
