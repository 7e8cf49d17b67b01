/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rwp module's view, for the tests that run under it: its per-call-site
 * gate counters (/sys/kernel/debug/rwp/counters, there when it was loaded
 * with counters=1: lines of "SITE ASKED SAID ASKED_ON_UFFD_VMAS"), and the
 * lines saying which a test reached. Without the
 * file every check here is skipped, so the tests run on any 7.3 kernel.
 * In the tests that go upstream, every line that uses this header is under
 * #ifdef RWP_COUNTERS (tests/Makefile defines it), which `make upstream`
 * strips with the tree's scripts/unifdef.
 */
#ifndef RWP_COUNTERS_H
#define RWP_COUNTERS_H

#include <stdbool.h>

/* The call sites, by the names the module's counters use. */
#define GATE_GUP_PTE		"gup_pte"
#define GATE_GUP_PMD		"gup_pmd"
#define GATE_GUP_HUGE_PMD	"gup_huge_pmd"
#define GATE_COLLAPSE		"collapse"
#define GATE_RETRACT		"retract"
#define GATE_UNMAP		"unmap"

/*
 * How often the module's call site was asked about a VMA registered with a
 * userfaultfd, or -1 without its counters. Only the tests register one, so
 * another task's decisions on its own memory do not count.
 */
long rwp_gate_asked(const char *gate);
/* Remembers every call site's count, for rwp_gate_consulted(). */
void rwp_gates_mark(void);
/*
 * Has the call site been asked since rwp_gates_mark()? 1, 0, or -1 without
 * the counters. The first 1 after a mark is also said on the test's output
 * ("rwp: reached GATE"): the report's table of call site x test.
 */
int rwp_gate_consulted(const char *gate);

/* In a kselftest_harness test: with the counters, the site must have been asked. */
#define EXPECT_GATE_CONSULTED(gate) do {				\
	const char *__gate = (gate);					\
	int __consulted = rwp_gate_consulted(__gate);			\
	if (__consulted >= 0)						\
		EXPECT_EQ(__consulted, 1)				\
			TH_LOG("gate %s not consulted", __gate);	\
} while (0)

#endif /* RWP_COUNTERS_H */
