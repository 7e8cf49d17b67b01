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

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

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

FIXTURE(collapse)
{
	struct rwp_ctx ctx;
	size_t hpage;
	char *area;
	char *control;
};

FIXTURE_SETUP(collapse)
{
	int ret;

	self->hpage = read_pmd_pagesize();
	if (!self->hpage || !thp_available())
		SKIP(return, "no PMD-sized THP");
	ret = rwp_open(&self->ctx, false);
	if (ret == -EINVAL || ret == -ENOSYS)
		SKIP(return, "no userfaultfd RWP in this kernel");
	ASSERT_EQ(ret, 0);
	thp_save_settings();
}

FIXTURE_TEARDOWN(collapse)
{
	rwp_close(&self->ctx);
	if (self->area)
		munmap(self->area, self->hpage);
	if (self->control)
		munmap(self->control, self->hpage);
}

/*
 * Two 2 MiB aligned anonymous ranges of small pages, the first protected.
 * MADV_HUGEPAGE comes last: from then on the khugepaged daemon may collapse
 * the range, and it must only ever see it protected.
 */
static void anon_setup(struct __test_metadata *_metadata,
		       FIXTURE_DATA(collapse) *self)
{
	char **r[2] = { &self->area, &self->control };
	int i;

	for (i = 0; i < 2; i++) {
		*r[i] = mmap_aligned(self->hpage, self->hpage, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1);
		ASSERT_NE(*r[i], MAP_FAILED);
		ASSERT_EQ(madvise(*r[i], self->hpage, MADV_NOHUGEPAGE), 0);
		fill(*r[i], self->hpage);
	}
	ASSERT_EQ(rwp_register(&self->ctx, self->area, self->hpage), 0);
	ASSERT_EQ(rwp_protect(&self->ctx, self->area, self->hpage, true), 0);
	ASSERT_EQ(rwp_count_protected(self->area, self->hpage), self->hpage / psize());
	for (i = 0; i < 2; i++)
		ASSERT_EQ(madvise(*r[i], self->hpage, MADV_HUGEPAGE), 0);
}

static void anon_check(struct __test_metadata *_metadata,
		       FIXTURE_DATA(collapse) *self)
{
	EXPECT_TRUE(check_huge_anon(self->area, self->hpage, 0, self->hpage))
		TH_LOG("the protected range was collapsed");
	EXPECT_EQ(rwp_count_protected(self->area, self->hpage), self->hpage / psize());
	EXPECT_EQ(rwp_count_accessed(self->area, self->hpage), 0);
	EXPECT_TRUE(intact(self->area, self->hpage));
}

TEST_F(collapse, anon_madv_collapse)
{
	anon_setup(_metadata, self);
	/* Positive control: the same kind of range, unregistered, collapses. */
	ASSERT_EQ(madvise(self->control, self->hpage, MADV_COLLAPSE), 0);
	ASSERT_TRUE(check_huge_anon(self->control, self->hpage, 1, self->hpage));

	EXPECT_NE(madvise(self->area, self->hpage, MADV_COLLAPSE), 0);
	anon_check(_metadata, self);
}

static unsigned long full_scans(void)
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
	s.khugepaged.pages_to_scan = 8 * self->hpage / psize();
	s.khugepaged.max_ptes_none = 511;
	thp_push_settings(&s);

	anon_setup(_metadata, self);
	/* Two full passes: the second starts after our mm was queued. */
	start = full_scans();
	deadline = time(NULL) + 120;
	while (full_scans() < start + 2 && time(NULL) < deadline)
		usleep(100 * 1000);
	thp_restore_settings();
	ASSERT_GE(full_scans(), start + 2) TH_LOG("khugepaged made no full scan");

	/* Positive control: khugepaged did collapse the unregistered range. */
	EXPECT_TRUE(check_huge_anon(self->control, self->hpage, 1, self->hpage));
	anon_check(_metadata, self);
}

/*
 * A memfd whose page cache holds one PMD-sized THP, mapped at a 2 MiB
 * aligned address but by PTEs (MADV_NOHUGEPAGE when faulted in).
 */
static int shmem_pte_mapped_thp(struct __test_metadata *_metadata,
				FIXTURE_DATA(collapse) *self)
{
	char *helper;
	int fd;

	fd = memfd_create("rwp-khugepaged", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, self->hpage))
		return -1;
	helper = mmap_aligned(self->hpage, self->hpage, PROT_READ | PROT_WRITE,
			      MAP_SHARED, fd);
	if (helper == MAP_FAILED)
		return -1;
	fill(helper, self->hpage);
	/* A forced collapse ignores shmem_enabled. */
	if (madvise(helper, self->hpage, MADV_COLLAPSE)) {
		munmap(helper, self->hpage);
		close(fd);
		return -2;
	}
	munmap(helper, self->hpage);

	self->area = mmap_aligned(self->hpage, self->hpage, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd);
	close(fd);
	if (self->area == MAP_FAILED) {
		self->area = NULL;
		return -1;
	}
	madvise(self->area, self->hpage, MADV_NOHUGEPAGE);
	if (!intact(self->area, self->hpage))
		return -1;
	if (!check_huge_shmem(self->area, self->hpage, 0, self->hpage))
		return -3;
	return 0;
}

TEST_F(collapse, shmem_pte_mapped_thp)
{
	size_t nr = self->hpage / psize();
	long before;
	int ret;

	ret = shmem_pte_mapped_thp(_metadata, self);
	if (ret == -2)
		SKIP(return, "MADV_COLLAPSE cannot make a shmem THP here");
	ASSERT_EQ(ret, 0);
	ASSERT_EQ(rwp_register(&self->ctx, self->area, self->hpage), 0);
	ASSERT_EQ(rwp_protect(&self->ctx, self->area, self->hpage, true), 0);
	ASSERT_EQ(rwp_count_protected(self->area, self->hpage), nr);
	/* Only now may anything collapse it: it is protected throughout. */
	ASSERT_EQ(madvise(self->area, self->hpage, MADV_HUGEPAGE), 0);

	before = rwp_gate_asked(GATE_COLLAPSE);
	ret = madvise(self->area, self->hpage, MADV_COLLAPSE);
	EXPECT_EQ(ret, -1) TH_LOG("MADV_COLLAPSE of the RWP VMA succeeded");
	if (ret)
		EXPECT_EQ(errno, EINVAL);
	EXPECT_TRUE(check_huge_shmem(self->area, self->hpage, 0, self->hpage))
		TH_LOG("the RWP VMA is PMD-mapped");
	EXPECT_EQ(rwp_count_protected(self->area, self->hpage), nr);
	EXPECT_EQ(rwp_count_accessed(self->area, self->hpage), 0);
	EXPECT_GATE_CONSULTED(GATE_COLLAPSE, before);
	EXPECT_TRUE(intact(self->area, self->hpage));
}

/*
 * The RWP VMA maps a memfd of small folios; MADV_COLLAPSE of a second
 * mapping of it makes a THP and retracts the page tables of the other
 * VMAs mapping that range. Touching one byte of the RWP VMA afterwards
 * must report one accessed page, not 512.
 */
TEST_F(collapse, shmem_retract_page_table)
{
	size_t nr = self->hpage / psize();
	char *other;
	long before;
	int fd;

	fd = memfd_create("rwp-retract", MFD_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, self->hpage), 0);
	self->area = mmap_aligned(self->hpage, self->hpage, PROT_READ | PROT_WRITE,
				  MAP_SHARED, fd);
	ASSERT_NE(self->area, MAP_FAILED);
	/*
	 * No MADV_NOHUGEPAGE here: once its page table is retracted, a fault
	 * must be free to map the new THP by a PMD, which is how the loss
	 * shows (512 accessed pages).
	 */
	fill(self->area, self->hpage);
	ASSERT_EQ(rwp_register(&self->ctx, self->area, self->hpage), 0);
	ASSERT_EQ(rwp_protect(&self->ctx, self->area, self->hpage, true), 0);
	ASSERT_EQ(rwp_count_protected(self->area, self->hpage), nr);

	other = mmap_aligned(self->hpage, self->hpage, PROT_READ | PROT_WRITE,
			     MAP_SHARED, fd);
	ASSERT_NE(other, MAP_FAILED);
	close(fd);
	ASSERT_EQ(madvise(other, self->hpage, MADV_HUGEPAGE), 0);
	before = rwp_gate_asked(GATE_RETRACT);
	if (madvise(other, self->hpage, MADV_COLLAPSE)) {
		munmap(other, self->hpage);
		SKIP(return, "MADV_COLLAPSE of the second mapping failed: %s",
		     strerror(errno));
	}
	munmap(other, self->hpage);
	EXPECT_GATE_CONSULTED(GATE_RETRACT, before);

	/* One access, through the VMM's eyes. */
	EXPECT_EQ(FORCE_READ(self->area[0]), PATTERN(0));
	EXPECT_TRUE(check_huge_shmem(self->area, self->hpage, 0, self->hpage))
		TH_LOG("the RWP VMA's page table was retracted");
	EXPECT_EQ(rwp_count_accessed(self->area, self->hpage), 1);
	EXPECT_TRUE(intact(self->area, self->hpage));
}

TEST_HARNESS_MAIN
