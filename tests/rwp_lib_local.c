// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the rwp tests that only this project's programs use (the
 * reclaim test, the fuzzer, the model checker, stress and bench); see
 * rwp_lib_local.h. What the tests make upstream uses is rwp_lib.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm_util.h"
#include "rwp_lib_local.h"

unsigned long rwp_fault_count(struct rwp_ctx *ctx)
{
	unsigned long n;

	pthread_mutex_lock(&ctx->lock);
	n = ctx->nr_faults;
	pthread_mutex_unlock(&ctx->lock);
	return n;
}

int rwp_is_swapped(void *addr)
{
	if (rwp_pagemap_fd() < 0)
		return -1;
	return pagemap_is_swapped(rwp_pagemap_fd(), addr);
}

int rwp_is_present(void *addr)
{
	if (rwp_pagemap_fd() < 0)
		return -1;
	return !!(pagemap_get_entry(rwp_pagemap_fd(), addr) & PM_PRESENT);
}

/* include/uapi/linux/kernel-page-flags.h, which vm_util.h does not define */
#define KPF_ACTIVE_BIT		6
#define KPF_SWAPBACKED_BIT	14

int rwp_folio_active(void *addr)
{
	return rwp_kpageflag(addr, KPF_ACTIVE_BIT);
}

int rwp_folio_swapbacked(void *addr)
{
	return rwp_kpageflag(addr, KPF_SWAPBACKED_BIT);
}

int rwp_clear_refs(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	/* 1: clear the accessed bits and PG_referenced of every page. */
	if (write(fd, "1", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

long rwp_smaps_kb(void *addr, const char *field)
{
	unsigned long start, end;
	char line[256];
	bool in_vma = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in_vma = (uintptr_t)addr >= start && (uintptr_t)addr < end;
			continue;
		}
		if (in_vma && !strncmp(line, field, strlen(field))) {
			kb = strtol(line + strlen(field), NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

int rwp_contpte_mapped(char *addr, size_t len, int prot)
{
	long kb;

	/*
	 * clear_refs flushes no TLB (only its soft-dirty mode does): a cached
	 * translation would keep its accessed flag, and the read would set
	 * none. An mprotect() round trip rewrites the PTEs, each keeping its
	 * uffd bit, and flushes them.
	 */
	if (rwp_clear_refs() || mprotect(addr, len, prot | PROT_EXEC) ||
	    mprotect(addr, len, prot) || rwp_smaps_kb(addr, "Referenced:") != 0)
		return -1;
	FORCE_READ(*addr);
	kb = rwp_smaps_kb(addr, "Referenced:");
	if (kb == (long)(len >> 10))
		return 1;
	return kb == (long)(psize() >> 10) ? 0 : -1;
}

unsigned long rwp_rand(unsigned long long *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (*state * 2685821657736338717ULL) >> 32;
}

bool swap_available(void)
{
	char line[256];
	FILE *f = fopen("/proc/swaps", "r");
	int lines = 0;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	return lines > 1;
}

size_t rwp_mthp_size(void)
{
	return psize() << RWP_MTHP_ORDER;
}

const char *rwp_mthp_path(const char *file)
{
	static char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/hugepages-%zukB/%s",
		 rwp_mthp_size() >> 10, file);
	return path;
}
