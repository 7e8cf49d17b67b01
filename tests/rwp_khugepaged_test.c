// SPDX-License-Identifier: GPL-2.0
/*
 * khugepaged must not collapse or retract the page table of a protected
 * VMA: the PTE table is where the RWP bits live, and a PMD mapping in its
 * place reads as 512 accessed pages.
 *
 * - anon: refused by the pte_uffd() check of the scan, whatever the gates
 *   say (a regression guard, with a positive control that the same range
 *   unregistered does collapse);
 * - shmem, PTE-mapped THP: try_collapse_pte_mapped_thp() decides;
 * - retraction: collapsing another mapping of the same memfd walks the RWP
 *   VMA in retract_page_tables(): file_backed_vma_is_retractable() decides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"
#include "hugepage_settings.h"
#include "rwp_lib.h"

#define PATTERN(i)	((char)(0x11 + (i) % 200))

static void fill(char *area, size_t len)
{
	size_t i;

	for (i = 0; i < len / psize(); i++)
		memset(area + i * psize(), PATTERN(i), psize());
}

/* Reads every page back; in async mode this also lifts the protection. */
static bool intact(const char *area, size_t len)
{
	size_t i;

	for (i = 0; i < len / psize(); i++)
		if (area[i * psize()] != PATTERN(i) ||
		    area[(i + 1) * psize() - 1] != PATTERN(i))
			return false;
	return true;
}

struct collapse_env {
	struct rwp_ctx ctx;
	size_t hpage;
	char *area;
	char *control;
};

FIXTURE(collapse)
{
	struct collapse_env env;
};

FIXTURE_SETUP(collapse)
{
	int ret;

	self->env.hpage = read_pmd_pagesize();
	if (!self->env.hpage || !thp_available())
		SKIP(return, "no PMD-sized THP");
	ret = rwp_open(&self->env.ctx, false);
	if (ret == RWP_UNSUPPORTED)
		SKIP(return, "no userfaultfd RWP in this kernel");
	ASSERT_EQ(ret, 0);
	thp_save_settings();
}

FIXTURE_TEARDOWN(collapse)
{
	rwp_close(&self->env.ctx);
	if (self->env.area)
		munmap(self->env.area, self->env.hpage);
	if (self->env.control)
		munmap(self->env.control, self->env.hpage);
}

/*
 * Two 2 MiB aligned anonymous ranges of small pages, the first protected.
 * MADV_HUGEPAGE comes last: from then on the khugepaged daemon may collapse
 * the range, and it must only ever see it protected.
 */
static void anon_setup(struct __test_metadata *_metadata,
		       struct collapse_env *env)
{
	char **r[2] = { &env->area, &env->control };
	int i;

	for (i = 0; i < 2; i++) {
		*r[i] = mmap_aligned(env->hpage, env->hpage, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1);
		ASSERT_NE(*r[i], MAP_FAILED);
		ASSERT_EQ(madvise(*r[i], env->hpage, MADV_NOHUGEPAGE), 0);
		fill(*r[i], env->hpage);
	}
	ASSERT_EQ(rwp_register(&env->ctx, env->area, env->hpage), 0);
	ASSERT_EQ(rwp_protect(&env->ctx, env->area, env->hpage, true), 0);
	ASSERT_EQ(rwp_count_protected(env->area, env->hpage), env->hpage / psize());
	for (i = 0; i < 2; i++)
		ASSERT_EQ(madvise(*r[i], env->hpage, MADV_HUGEPAGE), 0);
}

static void anon_check(struct __test_metadata *_metadata,
		       struct collapse_env *env)
{
	EXPECT_TRUE(check_huge_anon(env->area, env->hpage, 0, env->hpage))
		TH_LOG("the protected range was collapsed");
	EXPECT_EQ(rwp_count_protected(env->area, env->hpage), env->hpage / psize());
	EXPECT_EQ(rwp_count_accessed(env->area, env->hpage), 0);
	EXPECT_TRUE(intact(env->area, env->hpage));
}

TEST_F(collapse, anon_madv_collapse)
{
	anon_setup(_metadata, &self->env);
	/* Positive control: the same kind of range, unregistered, collapses. */
	ASSERT_EQ(madvise(self->env.control, self->env.hpage, MADV_COLLAPSE), 0);
	ASSERT_TRUE(check_huge_anon(self->env.control, self->env.hpage, 1, self->env.hpage));

	EXPECT_NE(madvise(self->env.area, self->env.hpage, MADV_COLLAPSE), 0);
	anon_check(_metadata, &self->env);
}

static unsigned long khugepaged_passes(void)
{
	return thp_read_num("khugepaged/full_scans");
}

TEST_F_TIMEOUT(collapse, anon_khugepaged_daemon, 180)
{
	struct thp_settings s;
	unsigned long start;
	time_t deadline;

	thp_read_settings(&s);
	s.thp_enabled = THP_MADVISE;
	s.khugepaged.scan_sleep_millisecs = 10;
	s.khugepaged.alloc_sleep_millisecs = 10;
	s.khugepaged.pages_to_scan = 8 * self->env.hpage / psize();
	s.khugepaged.max_ptes_none = 511;
	thp_push_settings(&s);

	anon_setup(_metadata, &self->env);
	/* Two full passes: the second starts after our mm was queued. */
	start = khugepaged_passes();
	deadline = time(NULL) + 120;
	while (khugepaged_passes() < start + 2 && time(NULL) < deadline)
		usleep(100 * 1000);
	thp_restore_settings();
	ASSERT_GE(khugepaged_passes(), start + 2) TH_LOG("khugepaged made no full scan");

	/* Positive control: khugepaged did collapse the unregistered range. */
	EXPECT_TRUE(check_huge_anon(self->env.control, self->env.hpage, 1, self->env.hpage));
	anon_check(_metadata, &self->env);
}

/*
 * A memfd whose page cache holds one PMD-sized THP, mapped at a 2 MiB
 * aligned address but by PTEs (MADV_NOHUGEPAGE when faulted in).
 */
static int shmem_pte_mapped_thp(struct __test_metadata *_metadata,
				struct collapse_env *env)
{
	char *helper;
	int fd;

	fd = memfd_create("rwp-khugepaged", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, env->hpage))
		return -1;
	helper = mmap_aligned(env->hpage, env->hpage, PROT_READ | PROT_WRITE,
			      MAP_SHARED, fd);
	if (helper == MAP_FAILED)
		return -1;
	fill(helper, env->hpage);
	/* A forced collapse ignores shmem_enabled. */
	if (madvise(helper, env->hpage, MADV_COLLAPSE)) {
		munmap(helper, env->hpage);
		close(fd);
		return -2;
	}
	munmap(helper, env->hpage);

	env->area = mmap_aligned(env->hpage, env->hpage, PROT_READ | PROT_WRITE,
				 MAP_SHARED, fd);
	close(fd);
	if (env->area == MAP_FAILED) {
		env->area = NULL;
		return -1;
	}
	madvise(env->area, env->hpage, MADV_NOHUGEPAGE);
	if (!intact(env->area, env->hpage))
		return -1;
	if (!check_huge_shmem(env->area, env->hpage, 0, env->hpage))
		return -3;
	return 0;
}

TEST_F(collapse, shmem_pte_mapped_thp)
{
	size_t nr = self->env.hpage / psize();
	long before;
	int ret;

	ret = shmem_pte_mapped_thp(_metadata, &self->env);
	if (ret == -2)
		SKIP(return, "MADV_COLLAPSE cannot make a shmem THP here");
	ASSERT_EQ(ret, 0);
	ASSERT_EQ(rwp_register(&self->env.ctx, self->env.area, self->env.hpage), 0);
	ASSERT_EQ(rwp_protect(&self->env.ctx, self->env.area, self->env.hpage, true), 0);
	ASSERT_EQ(rwp_count_protected(self->env.area, self->env.hpage), nr);
	/* Only now may anything collapse it: it is protected throughout. */
	ASSERT_EQ(madvise(self->env.area, self->env.hpage, MADV_HUGEPAGE), 0);

	before = rwp_gate_asked(GATE_COLLAPSE);
	ret = madvise(self->env.area, self->env.hpage, MADV_COLLAPSE);
	EXPECT_EQ(ret, -1) TH_LOG("MADV_COLLAPSE of the RWP VMA succeeded");
	if (ret)
		EXPECT_EQ(errno, EINVAL);
	EXPECT_TRUE(check_huge_shmem(self->env.area, self->env.hpage, 0, self->env.hpage))
		TH_LOG("the RWP VMA is PMD-mapped");
	EXPECT_EQ(rwp_count_protected(self->env.area, self->env.hpage), nr);
	EXPECT_EQ(rwp_count_accessed(self->env.area, self->env.hpage), 0);
	EXPECT_GATE_CONSULTED(GATE_COLLAPSE, before);
	EXPECT_TRUE(intact(self->env.area, self->env.hpage));
}

/*
 * The RWP VMA maps a memfd of small folios; MADV_COLLAPSE of a second
 * mapping of it makes a THP and retracts the page tables of the other
 * VMAs mapping that range. Touching one byte of the RWP VMA afterwards
 * must report one accessed page, not 512.
 */
TEST_F(collapse, shmem_retract_page_table)
{
	size_t nr = self->env.hpage / psize();
	char *other;
	long before;
	int fd;

	fd = memfd_create("rwp-retract", MFD_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, self->env.hpage), 0);
	self->env.area = mmap_aligned(self->env.hpage, self->env.hpage, PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd);
	ASSERT_NE(self->env.area, MAP_FAILED);
	/*
	 * No MADV_NOHUGEPAGE here: once its page table is retracted, a fault
	 * must be free to map the new THP by a PMD, which is how the loss
	 * shows (512 accessed pages).
	 */
	fill(self->env.area, self->env.hpage);
	ASSERT_EQ(rwp_register(&self->env.ctx, self->env.area, self->env.hpage), 0);
	ASSERT_EQ(rwp_protect(&self->env.ctx, self->env.area, self->env.hpage, true), 0);
	ASSERT_EQ(rwp_count_protected(self->env.area, self->env.hpage), nr);

	other = mmap_aligned(self->env.hpage, self->env.hpage, PROT_READ | PROT_WRITE,
			     MAP_SHARED, fd);
	ASSERT_NE(other, MAP_FAILED);
	close(fd);
	ASSERT_EQ(madvise(other, self->env.hpage, MADV_HUGEPAGE), 0);
	before = rwp_gate_asked(GATE_RETRACT);
	if (madvise(other, self->env.hpage, MADV_COLLAPSE)) {
		munmap(other, self->env.hpage);
		SKIP(return, "MADV_COLLAPSE of the second mapping failed: %s",
		     strerror(errno));
	}
	munmap(other, self->env.hpage);
	EXPECT_GATE_CONSULTED(GATE_RETRACT, before);

	/* One access, through the VMM's eyes. */
	EXPECT_EQ(FORCE_READ(self->env.area[0]), PATTERN(0));
	EXPECT_TRUE(check_huge_shmem(self->env.area, self->env.hpage, 0, self->env.hpage))
		TH_LOG("the RWP VMA's page table was retracted");
	EXPECT_EQ(rwp_count_accessed(self->env.area, self->env.hpage), 1);
	EXPECT_TRUE(intact(self->env.area, self->env.hpage));
}

TEST_HARNESS_MAIN
