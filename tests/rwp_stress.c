// SPDX-License-Identifier: GPL-2.0
/*
 * Keeps all six gate call sites busy on both vCPUs for a while, with data
 * it can verify, while rwp_modcycle loads and unloads the rwp module:
 *   - read GUPs (process_vm_readv) of protected pages in sync mode: every
 *     read of a page protected at the time must produce exactly one fault
 *     message; /proc/self/mem reads of protected pages in async mode;
 *   - /proc/self/mem reads of a protected PMD-mapped THP, accessible (the
 *     PMD leaf's gate) and PROT_NONE (both PMD gates let FOLL_FORCE by);
 *   - MADV_COLLAPSE of protected anon and shmem ranges: always refused;
 *   - MADV_COLLAPSE of a second mapping of a protected memfd: the protected
 *     VMA's page table is never retracted;
 *   - MADV_PAGEOUT and refault of protected 64 KiB mTHP ranges (64 KiB
 *     mTHP enabled for the run, the folios checked, the pages that really
 *     went out counted);
 *   - MADV_FREE of large folios and rewrite.
 *   rwp_stress SECONDS
 * rwp_modcycle, which loads and unloads the module, reads its counters in
 * each load: that every call site was reached is its report.
 * Prints TAP: checksums intact, no RWP fault lost, collapse always refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
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

static time_t deadline;
static atomic_ulong bad_data, lost_faults, collapsed, gup_reads, collapses, pageouts, frees;
static atomic_ulong thp_reads, retractions;

static bool running(void)
{
	return time(NULL) < deadline;
}

static char pattern(const char *base, const char *p)
{
	return (char)(0x20 + ((p - base) / psize()) % 90);
}

static void fill(char *base, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += psize())
		memset(base + off, pattern(base, base + off), psize());
}

static void check(char *base, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += psize())
		if (base[off] != pattern(base, base + off) ||
		    base[off + psize() - 1] != pattern(base, base + off))
			atomic_fetch_add(&bad_data, 1);
}

/* Sync mode: each read GUP of a freshly protected page faults exactly once. */
static void *gup_worker(void *arg)
{
	struct rwp_ctx ctx;
	char *area, buf[32];
	unsigned long i = 0;
	int fd = open("/proc/self/mem", O_RDONLY);

	area = mmap(NULL, GUP_PAGES * psize(), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || fd < 0 || rwp_open(&ctx, true))
		ksft_exit_fail_msg("gup worker setup\n");
	madvise(area, GUP_PAGES * psize(), MADV_NOHUGEPAGE);
	fill(area, GUP_PAGES * psize());
	if (rwp_register(&ctx, area, GUP_PAGES * psize()))
		ksft_exit_fail_msg("gup worker register\n");

	while (running()) {
		char *p = area + (i++ % GUP_PAGES) * psize();
		unsigned long before = rwp_faults_at(&ctx, p);

		if (rwp_protect(&ctx, p, psize(), true))
			continue;
		if (rwp_gup_read(getpid(), p, buf, sizeof(buf)) != sizeof(buf) ||
		    buf[0] != pattern(area, p))
			atomic_fetch_add(&bad_data, 1);
		if (rwp_faults_at(&ctx, p) != before + 1)
			atomic_fetch_add(&lost_faults, 1);
		atomic_fetch_add(&gup_reads, 1);
	}
	close(fd);
	rwp_close(&ctx);
	check(area, GUP_PAGES * psize());
	munmap(area, GUP_PAGES * psize());
	return NULL;
}

/* Async mode: /proc/self/mem reads of protected pages, and collapse attempts. */
static void *collapse_worker(void *arg)
{
	size_t h = read_pmd_pagesize();
	struct rwp_ctx ctx;
	char *anon, *shm, buf[32];
	int memfd = memfd_create("rwp-stress", MFD_CLOEXEC);
	int fd = open("/proc/self/mem", O_RDONLY);

	anon = aligned_mmap(h, h, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (memfd < 0 || fd < 0 || ftruncate(memfd, h) || anon == MAP_FAILED)
		ksft_exit_fail_msg("collapse worker setup\n");
	shm = aligned_mmap(h, h, PROT_READ | PROT_WRITE, MAP_SHARED, memfd);
	if (shm == MAP_FAILED || rwp_open(&ctx, false))
		ksft_exit_fail_msg("collapse worker setup\n");
	madvise(anon, h, MADV_NOHUGEPAGE);
	madvise(shm, h, MADV_NOHUGEPAGE);
	fill(anon, h);
	fill(shm, h);
	if (rwp_register(&ctx, anon, h) || rwp_register(&ctx, shm, h))
		ksft_exit_fail_msg("collapse worker register\n");
	madvise(anon, h, MADV_HUGEPAGE);
	madvise(shm, h, MADV_HUGEPAGE);

	while (running()) {
		rwp_protect(&ctx, anon, h, true);
		rwp_protect(&ctx, shm, h, true);
		if (!madvise(anon, h, MADV_COLLAPSE) || !madvise(shm, h, MADV_COLLAPSE))
			atomic_fetch_add(&collapsed, 1);
		if (pread(fd, buf, sizeof(buf), (uintptr_t)anon) != sizeof(buf) ||
		    buf[0] != pattern(anon, anon))
			atomic_fetch_add(&bad_data, 1);
		atomic_fetch_add(&collapses, 1);
	}
	rwp_close(&ctx);
	check(anon, h);
	check(shm, h);
	close(fd);
	close(memfd);
	return NULL;
}

/* A PMD-mapped anon THP, filled; exits the test if there is none. */
static char *thp_area(size_t h)
{
	char *thp = aligned_mmap(h, h, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);

	if (thp == MAP_FAILED)
		ksft_exit_fail_msg("thp worker mmap\n");
	fill(thp, h);
	if (madvise(thp, h, MADV_COLLAPSE) || !check_huge_anon(thp, h, 1, h))
		ksft_exit_fail_msg("thp worker: no PMD-mapped THP\n");
	return thp;
}

static void read_thp(int fd, char *thp)
{
	char buf[32];

	if (pread(fd, buf, sizeof(buf), (uintptr_t)thp) != sizeof(buf) ||
	    buf[0] != pattern(thp, thp))
		atomic_fetch_add(&bad_data, 1);
}

/*
 * PMD-mapped THPs read through /proc/self/mem (FOLL_FORCE): a protected
 * one, whose PMD leaf's gate refuses (the fault restores the PMD), and an
 * unregistered PROT_NONE one, which both PMD gates let by. (Not a PROT_NONE
 * RWP one: under seed, which alternates with merged, that read loops until
 * the module goes, holding the process's mmap lock.)
 */
static void *thp_worker(void *arg)
{
	size_t h = read_pmd_pagesize();
	char *thp = thp_area(h), *none = thp_area(h);
	int fd = open("/proc/self/mem", O_RDONLY);
	struct rwp_ctx ctx;

	if (fd < 0 || rwp_open(&ctx, false) || rwp_register(&ctx, thp, h) ||
	    mprotect(none, h, PROT_NONE))
		ksft_exit_fail_msg("thp worker setup\n");
	while (running()) {
		rwp_protect(&ctx, thp, h, true);
		read_thp(fd, thp);
		read_thp(fd, none);
		atomic_fetch_add(&thp_reads, 1);
	}
	rwp_close(&ctx);
	check(thp, h);
	close(fd);
	return NULL;
}

/*
 * A fresh memfd of small folios each round, mapped twice: the first mapping
 * protected, the second collapsed. The collapse retracts the page tables
 * of the file's other mappings, but must leave the protected one's: a touch
 * of it then maps one PTE, not the new THP by a PMD. (The collapse unmaps
 * the small folios, and their protection with them: documented for file
 * THPs.)
 */
static void *retract_worker(void *arg)
{
	size_t h = read_pmd_pagesize();
	struct rwp_ctx ctx;

	if (rwp_open(&ctx, false))
		ksft_exit_fail_msg("retract worker setup\n");
	while (running()) {
		int memfd = memfd_create("rwp-stress-retract", MFD_CLOEXEC);
		char *area, *other;

		if (memfd < 0 || ftruncate(memfd, h))
			ksft_exit_fail_msg("retract worker memfd\n");
		area = aligned_mmap(h, h, PROT_READ | PROT_WRITE, MAP_SHARED, memfd);
		other = aligned_mmap(h, h, PROT_READ | PROT_WRITE, MAP_SHARED, memfd);
		close(memfd);
		if (area == MAP_FAILED || other == MAP_FAILED)
			ksft_exit_fail_msg("retract worker mmap\n");
		fill(area, h);
		if (rwp_register(&ctx, area, h) || rwp_protect(&ctx, area, h, true))
			ksft_exit_fail_msg("retract worker register\n");
		madvise(other, h, MADV_COLLAPSE);
		FORCE_READ(area[0]);
		if (!check_huge_shmem(area, h, 0, h))
			atomic_fetch_add(&collapsed, 1);
		check(other, h);
		munmap(area, h);
		munmap(other, h);
		atomic_fetch_add(&retractions, 1);
	}
	rwp_close(&ctx);
	return NULL;
}

/* Protected mTHP out to zram and back; lazyfree large folios. */
static void *reclaim_worker(void *arg)
{
	size_t mthp = rwp_mthp_size(), len = 8 * mthp;
	struct rwp_ctx ctx;
	char *area, *lazy;

	area = aligned_mmap(len, mthp, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	lazy = aligned_mmap(len, mthp, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	if (area == MAP_FAILED || lazy == MAP_FAILED || rwp_open(&ctx, false))
		ksft_exit_fail_msg("reclaim worker setup\n");
	fill(area, len);
	fill(lazy, len);
	if (!check_huge_anon(area, len, len / mthp, mthp) ||
	    !check_huge_anon(lazy, len, len / mthp, mthp))
		ksft_exit_fail_msg("reclaim worker: no mTHP folios\n");
	if (rwp_register(&ctx, area, len))
		ksft_exit_fail_msg("reclaim worker register\n");

	while (running()) {
		size_t off, out = 0;

		rwp_protect(&ctx, area, len, true);
		madvise(area, len, MADV_PAGEOUT);
		for (off = 0; off < len; off += psize())
			out += rwp_is_swapped(area + off) == 1;
		check(area, len);	/* refault, async resolve */
		atomic_fetch_add(&pageouts, out);

		fill(lazy, len);
		madvise(lazy, len, MADV_FREE);
		madvise(lazy, len, MADV_PAGEOUT);
		fill(lazy, len);
		check(lazy, len);
		atomic_fetch_add(&frees, 1);
	}
	rwp_close(&ctx);
	return NULL;
}

int main(int argc, char **argv)
{
	void *(*workers[])(void *) = { gup_worker, thp_worker, collapse_worker, retract_worker,
				       reclaim_worker };
	pthread_t threads[ARRAY_SIZE(workers)];
	struct thp_settings thp;
	size_t i;

	deadline = time(NULL) + (argc > 1 ? atoi(argv[1]) : 30);
	/* 64 KiB anon folios, so that reclaim reaches the batched unmap. */
	if (!(thp_supported_orders() & (1UL << RWP_MTHP_ORDER)))
		ksft_exit_fail_msg("no 64 KiB mTHP\n");
	thp_save_settings();
	thp_read_settings(&thp);
	thp.thp_enabled = THP_MADVISE;
	thp.hugepages[RWP_MTHP_ORDER].enabled = THP_ALWAYS;
	thp_push_settings(&thp);
	ksft_print_header();
	ksft_set_plan(3);
	for (i = 0; i < ARRAY_SIZE(workers); i++)
		if (pthread_create(&threads[i], NULL, workers[i], NULL))
			ksft_exit_fail_msg("pthread_create\n");
	for (i = 0; i < ARRAY_SIZE(workers); i++)
		pthread_join(threads[i], NULL);
	thp_restore_settings();

	ksft_print_msg("%lu read GUPs, %lu THP reads, %lu collapses, %lu retractions\n",
		       gup_reads, thp_reads, collapses, retractions);
	ksft_print_msg("%lu pages swapped out, %lu lazyfree rounds\n", pageouts, frees);
	ksft_print_msg("%lu bad checksums, %lu lost faults, %lu collapses of protected ranges\n",
		       bad_data, lost_faults, collapsed);
	ksft_test_result(!bad_data && gup_reads && thp_reads && pageouts,
			 "stress.checksums_intact\n");
	ksft_test_result(!lost_faults && gup_reads, "stress.no_rwp_fault_lost\n");
	ksft_test_result(!collapsed && collapses && retractions,
			 "stress.collapse_always_refused\n");
	ksft_finished();
}
