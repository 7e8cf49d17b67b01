// SPDX-License-Identifier: GPL-2.0
/* The rwp module's gate counters, for the tests; see rwp_counters.h. */
#include <stdio.h>
#include <string.h>

#include "kselftest.h"
#include "rwp_counters.h"

static const char * const gates[] = {
	GATE_GUP_PTE, GATE_GUP_PMD, GATE_GUP_HUGE_PMD,
	GATE_COLLAPSE, GATE_RETRACT, GATE_UNMAP,
};

#define NR_GATES	ARRAY_SIZE(gates)

static long marks[NR_GATES];
static bool reported[NR_GATES];

long rwp_gate_asked(const char *gate)
{
	FILE *f = fopen("/sys/kernel/debug/rwp/counters", "r");
	unsigned long asked, said, asked_uffd;
	long found = -1;
	char name[64];

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lu %lu %lu", name, &asked, &said, &asked_uffd) == 4) {
		if (!strcmp(name, gate)) {
			found = asked_uffd;
			break;
		}
	}
	fclose(f);
	return found;
}

void rwp_gates_mark(void)
{
	size_t i;

	for (i = 0; i < NR_GATES; i++) {
		marks[i] = rwp_gate_asked(gates[i]);
		reported[i] = false;
	}
}

int rwp_gate_consulted(const char *gate)
{
	long asked = rwp_gate_asked(gate);
	size_t i;

	for (i = 0; i < NR_GATES && strcmp(gates[i], gate); i++)
		;
	if (i == NR_GATES || asked < 0 || marks[i] < 0)
		return -1;
	if (asked == marks[i])
		return 0;
	if (!reported[i])
		fprintf(stderr, "# rwp: reached %s\n", gate);
	reported[i] = true;
	return 1;
}
