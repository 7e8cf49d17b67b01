// SPDX-License-Identifier: GPL-2.0
/*
 * Times each workload once, in whatever configuration the kernel is in (no
 * module, the module under some policy, or a kernel without the series).
 * The gate-heavy ones:
 *   gup_read   process_vm_readv of a protected page (async RWP): the GUP
 *              gate, a fault and its resolution, per page;
 *   collapse   MADV_COLLAPSE of a protected, PTE-mapped shmem THP: the
 *              collapse gate refuses, per attempt;
 *   pageout    MADV_PAGEOUT of protected mTHP shmem folios and the
 *              refault: reclaim batches the unmap (the rmap gate), per folio.
 * And what every process pays, where no gate is asked or it says yes:
 *   gup_rwp    the same read of unprotected pages of an RWP-registered VMA;
 *   gup_plain  the same read outside any userfaultfd VMA;
 *   collapse_ok  MADV_COLLAPSE of an unprotected PTE-mapped shmem THP, which
 *              succeeds (the collapse path khugepaged's scan takes), per page
 *              table collapsed.
 *   rwp_bench ITERATIONS
 * Prints "workload nanoseconds-per-operation" lines.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "vm_util.h"
#include "hugepage_settings.h"
#include "rwp_lib_local.h"

#define GUP_PAGES	64
#define MTHP_FOLIOS	16

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static char *shmem_map(size_t len, size_t align)
{
	int fd = memfd_create("rwp-bench", MFD_CLOEXEC);
	char *p;

	if (fd < 0 || ftruncate(fd, len))
		ksft_exit_fail_msg("memfd\n");
	p = aligned_mmap(len, align, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	close(fd);
	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap\n");
	return p;
}

enum gup_kind { GUP_PROTECTED, GUP_RWP_VMA, GUP_PLAIN };

/* process_vm_readv of 8 bytes of each of GUP_PAGES pages, per page. */
static double bench_gup(int iters, enum gup_kind kind)
{
	size_t len = GUP_PAGES * psize();
	struct rwp_ctx ctx;
	char buf[GUP_PAGES][8];
	struct iovec local[GUP_PAGES], remote[GUP_PAGES];
	double t = 0, t0;
	char *area;
	int i, p;

	area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		ksft_exit_fail_msg("gup setup\n");
	madvise(area, len, MADV_NOHUGEPAGE);
	memset(area, 1, len);
	if (kind != GUP_PLAIN && (rwp_open(&ctx, false) || rwp_register(&ctx, area, len)))
		ksft_exit_fail_msg("gup register\n");
	for (p = 0; p < GUP_PAGES; p++) {
		local[p] = (struct iovec){ .iov_base = buf[p], .iov_len = sizeof(buf[p]) };
		remote[p] = (struct iovec){ .iov_base = area + p * psize(), .iov_len = 8 };
	}
	for (i = 0; i < iters; i++) {
		if (kind == GUP_PROTECTED)
			rwp_protect(&ctx, area, len, true);
		t0 = now_ns();
		if (process_vm_readv(getpid(), local, GUP_PAGES, remote, GUP_PAGES, 0) < 0)
			ksft_exit_fail_msg("process_vm_readv\n");
		t += now_ns() - t0;
	}
	if (kind != GUP_PLAIN)
		rwp_close(&ctx);
	munmap(area, len);
	return t / ((double)iters * GUP_PAGES);
}

static double bench_collapse(int iters)
{
	size_t h = read_pmd_pagesize();
	struct rwp_ctx ctx;
	double t0, t;
	char *area;
	int i;

	area = shmem_map(h, h);
	madvise(area, h, MADV_NOHUGEPAGE);
	memset(area, 1, h);
	if (rwp_open(&ctx, false) || rwp_register(&ctx, area, h) ||
	    rwp_protect(&ctx, area, h, true))
		ksft_exit_fail_msg("collapse setup\n");
	madvise(area, h, MADV_HUGEPAGE);
	t0 = now_ns();
	for (i = 0; i < iters; i++)
		madvise(area, h, MADV_COLLAPSE);
	t = now_ns() - t0;
	rwp_close(&ctx);
	munmap(area, h);
	return t / iters;
}

/*
 * MADV_COLLAPSE of an unprotected shmem range whose THP is in the page cache
 * and mapped by PTEs: it collapses into a PMD mapping. Zapping the mapping
 * and faulting it in again under MADV_NOHUGEPAGE maps the THP by PTEs for
 * the next round.
 */
static double bench_collapse_ok(int iters)
{
	size_t h = read_pmd_pagesize();
	double t = 0, t0;
	char *area;
	int i;

	area = shmem_map(h, h);
	memset(area, 1, h);
	madvise(area, h, MADV_HUGEPAGE);
	if (madvise(area, h, MADV_COLLAPSE))
		ksft_exit_fail_msg("collapse_ok: no THP to start from\n");
	for (i = 0; i < iters; i++) {
		madvise(area, h, MADV_DONTNEED);
		madvise(area, h, MADV_NOHUGEPAGE);
		force_read_pages(area, h / psize(), psize());
		madvise(area, h, MADV_HUGEPAGE);
		t0 = now_ns();
		if (madvise(area, h, MADV_COLLAPSE))
			ksft_exit_fail_msg("collapse_ok: MADV_COLLAPSE failed\n");
		t += now_ns() - t0;
	}
	munmap(area, h);
	return t / iters;
}

static double bench_pageout(int iters)
{
	size_t len = MTHP_FOLIOS * rwp_mthp_size();
	struct thp_settings s;
	struct rwp_ctx ctx;
	double t = 0, t0;
	char *area;
	int i;

	/* The folios reclaim batches: shmem mTHP on for this workload. */
	thp_save_settings();
	thp_read_settings(&s);
	s.shmem_hugepages[RWP_MTHP_ORDER].enabled = SHMEM_ALWAYS;
	thp_push_settings(&s);
	area = shmem_map(len, rwp_mthp_size());
	memset(area, 1, len);
	if (rwp_open(&ctx, false) || rwp_register(&ctx, area, len))
		ksft_exit_fail_msg("pageout setup\n");
	for (i = 0; i < iters; i++) {
		rwp_protect(&ctx, area, len, true);
		t0 = now_ns();
		madvise(area, len, MADV_PAGEOUT);
		force_read_pages(area, len / psize(), psize());
		t += now_ns() - t0;
	}
	rwp_close(&ctx);
	munmap(area, len);
	thp_restore_settings();
	return t / ((double)iters * MTHP_FOLIOS);
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 20;

	/* A read GUP is short: ten times the rounds, to see past TCG's noise. */
	printf("gup_read %.0f\n", bench_gup(10 * iters, GUP_PROTECTED));
	printf("gup_rwp %.0f\n", bench_gup(10 * iters, GUP_RWP_VMA));
	printf("gup_plain %.0f\n", bench_gup(10 * iters, GUP_PLAIN));
	printf("collapse %.0f\n", bench_collapse(iters));
	printf("collapse_ok %.0f\n", bench_collapse_ok(iters));
	printf("pageout %.0f\n", bench_pageout(iters));
	return 0;
}
