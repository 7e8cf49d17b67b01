// SPDX-License-Identifier: GPL-2.0
/*
 * khugepaged must not collapse or retract the page table of a protected
 * VMA: the PTE table is where the RWP bits live, and a PMD mapping in its
 * place reads as a PMD's worth of accessed pages.
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
#ifdef RWP_COUNTERS
#include "rwp_counters.h"
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

/*
 * A collapse allocates a THP, which may compact memory first: late in a
 * long run under TCG, one anon_madv_collapse went past the harness's
 * default 30 s.
 */
#define COLLAPSE_TIMEOUT	120

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
	/* After a failed assertion in a test that pushed settings. */
	thp_restore_settings();
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
		*r[i] = aligned_mmap(env->hpage, env->hpage, PROT_READ | PROT_WRITE,
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

TEST_F_TIMEOUT(collapse, anon_madv_collapse, COLLAPSE_TIMEOUT)
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

/* A memfd of one PMD size, or -1. */
static int hpage_memfd(struct collapse_env *env)
{
	int fd = memfd_create("rwp-khugepaged", MFD_CLOEXEC);

	if (fd >= 0 && ftruncate(fd, env->hpage)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/*
 * shmem's page cache in small folios, whatever the system was left with: a
 * memfd already in a THP would be mapped by the collapse, not collapsed,
 * and no page table retracted. A forced collapse ignores these settings.
 */
static void shmem_small_folios(void)
{
	struct thp_settings s;
	int i;

	thp_read_settings(&s);
	s.shmem_enabled = SHMEM_NEVER;
	for (i = 0; i < NR_ORDERS; i++)
		s.shmem_hugepages[i].enabled = SHMEM_INHERIT;
	thp_push_settings(&s);
}

/* Is the page at addr mapped and not part of a THP? */
static bool small_folio_at(char *addr)
{
	__u64 flags;

	return rwp_kpageflags(addr, &flags) == 0 && !(flags & KPF_THP);
}

/* A PMD-aligned shared mapping of that memfd, or MAP_FAILED. */
static char *map_hpage(struct collapse_env *env, int fd)
{
	return aligned_mmap(env->hpage, env->hpage, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
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

	fd = hpage_memfd(env);
	if (fd < 0)
		return -1;
	helper = map_hpage(env, fd);
	if (helper == MAP_FAILED) {
		close(fd);
		return -1;
	}
	fill(helper, env->hpage);
	/* A forced collapse ignores shmem_enabled. */
	if (madvise(helper, env->hpage, MADV_COLLAPSE) ||
	    !check_huge_shmem(helper, env->hpage, 1, env->hpage)) {
		munmap(helper, env->hpage);
		close(fd);
		return -2;
	}
	munmap(helper, env->hpage);

	env->area = map_hpage(env, fd);
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

/*
 * Protects the whole of env->area, RWP or uffd-wp; returns the uffd-wp fd,
 * or 0 for RWP (whose userfaultfd is env->ctx).
 */
static int protect_area(struct __test_metadata *_metadata, struct collapse_env *env, bool wp)
{
	size_t nr = env->hpage / psize();
	int fd = 0;

	if (wp) {
		fd = uffd_wp_protect(env->area, env->hpage);
		EXPECT_GE(fd, 0) TH_LOG("uffd-wp: %s", strerror(-fd));
	} else {
		EXPECT_EQ(rwp_register(&env->ctx, env->area, env->hpage), 0);
		EXPECT_EQ(rwp_protect(&env->ctx, env->area, env->hpage, true), 0);
	}
	EXPECT_EQ(rwp_count_protected(env->area, env->hpage), nr);
	return fd;
}

/*
 * MADV_COLLAPSE of a PTE-mapped shmem THP in a protected VMA: refused
 * (SCAN_PTE_UFFD, -EINVAL), the PTEs and their uffd bits kept.
 */
static void shmem_pte_mapped_collapse(struct __test_metadata *_metadata,
				      struct collapse_env *env, bool wp)
{
	size_t nr = env->hpage / psize();
	int ret, fd;

	ret = shmem_pte_mapped_thp(_metadata, env);
	ASSERT_EQ(ret, 0) TH_LOG("no PTE-mapped shmem THP (step %d)", -ret);
	fd = protect_area(_metadata, env, wp);
	ASSERT_FALSE(_metadata->exit_code);
	/* Only now may anything collapse it: it is protected throughout. */
	ASSERT_EQ(madvise(env->area, env->hpage, MADV_HUGEPAGE), 0);

#ifdef RWP_COUNTERS
	rwp_gates_mark();
#endif
	ret = madvise(env->area, env->hpage, MADV_COLLAPSE);
	EXPECT_EQ(ret, -1) TH_LOG("MADV_COLLAPSE of the %s VMA succeeded", wp ? "uffd-wp" : "RWP");
	if (ret)
		EXPECT_EQ(errno, EINVAL);
	EXPECT_TRUE(check_huge_shmem(env->area, env->hpage, 0, env->hpage))
		TH_LOG("the protected VMA is PMD-mapped");
	EXPECT_EQ(rwp_count_protected(env->area, env->hpage), nr);
	EXPECT_EQ(rwp_count_accessed(env->area, env->hpage), 0);
#ifdef RWP_COUNTERS
	EXPECT_GATE_CONSULTED(GATE_COLLAPSE);
#endif
	EXPECT_TRUE(intact(env->area, env->hpage));
	if (fd > 0)
		close(fd);
}

TEST_F_TIMEOUT(collapse, shmem_pte_mapped_thp, COLLAPSE_TIMEOUT)
{
	shmem_pte_mapped_collapse(_metadata, &self->env, false);
}

TEST_F_TIMEOUT(collapse, shmem_pte_mapped_thp_uffd_wp, COLLAPSE_TIMEOUT)
{
	shmem_pte_mapped_collapse(_metadata, &self->env, true);
}

/*
 * The protected VMA maps a memfd of small folios; MADV_COLLAPSE of a second
 * mapping of it makes a THP and retracts the page tables of the other VMAs
 * mapping that range: of an unprotected twin (the positive control), not of
 * the protected VMA. Touching one byte of it afterwards must fault in one
 * PTE, not a PMD: with RWP, one page reported accessed, not a PMD's worth; with
 * uffd-wp, every page still write-protected.
 */
static void shmem_retract(struct __test_metadata *_metadata, struct collapse_env *env, bool wp)
{
	size_t nr = env->hpage / psize();
	char *other, *twin;
	int fd, uffd;

	shmem_small_folios();
	fd = hpage_memfd(env);
	ASSERT_GE(fd, 0);
	env->area = map_hpage(env, fd);
	twin = map_hpage(env, fd);
	other = map_hpage(env, fd);
	close(fd);
	ASSERT_NE(env->area, MAP_FAILED);
	ASSERT_NE(twin, MAP_FAILED);
	ASSERT_NE(other, MAP_FAILED);
	/*
	 * No MADV_NOHUGEPAGE here: once a page table is retracted, a fault
	 * must be free to map the new THP by a PMD, which is how the loss
	 * shows.
	 */
	fill(env->area, env->hpage);
	ASSERT_TRUE(small_folio_at(env->area)) TH_LOG("the memfd is in a THP already");
	ASSERT_TRUE(intact(twin, env->hpage));
	ASSERT_TRUE(check_huge_shmem(twin, env->hpage, 0, env->hpage));
	uffd = protect_area(_metadata, env, wp);
	ASSERT_FALSE(_metadata->exit_code);

	ASSERT_EQ(madvise(other, env->hpage, MADV_HUGEPAGE), 0);
#ifdef RWP_COUNTERS
	rwp_gates_mark();
#endif
	ASSERT_EQ(madvise(other, env->hpage, MADV_COLLAPSE), 0)
		TH_LOG("MADV_COLLAPSE of the second mapping: %s", strerror(errno));
	ASSERT_TRUE(check_huge_shmem(other, env->hpage, 1, env->hpage))
		TH_LOG("the collapse made no PMD-mapped THP");
	munmap(other, env->hpage);
#ifdef RWP_COUNTERS
	EXPECT_GATE_CONSULTED(GATE_RETRACT);
#endif

	/* The control: the twin's page table went, a fault maps the THP by a PMD. */
	EXPECT_TRUE(intact(twin, env->hpage));
	EXPECT_TRUE(check_huge_shmem(twin, env->hpage, 1, env->hpage))
		TH_LOG("the unprotected twin was not retracted: this test shows nothing");
	munmap(twin, env->hpage);

	/* One access, through the VMM's eyes. */
	EXPECT_EQ(FORCE_READ(env->area[0]), PATTERN(0));
	EXPECT_TRUE(check_huge_shmem(env->area, env->hpage, 0, env->hpage))
		TH_LOG("the %s VMA's page table was retracted", wp ? "uffd-wp" : "RWP");
	/* uffd-wp: every page still write-protected; RWP: one page accessed. */
	EXPECT_EQ(wp ? rwp_count_protected(env->area, env->hpage) :
		  rwp_count_accessed(env->area, env->hpage), wp ? (long)nr : 1)
		TH_LOG("%s", wp ? "a read dropped write protection" :
		       "one read left more pages than its own accessed");
	EXPECT_TRUE(intact(env->area, env->hpage));
	if (uffd > 0)
		close(uffd);
}

TEST_F_TIMEOUT(collapse, shmem_retract_page_table, COLLAPSE_TIMEOUT)
{
	shmem_retract(_metadata, &self->env, false);
}

TEST_F_TIMEOUT(collapse, shmem_retract_page_table_uffd_wp, COLLAPSE_TIMEOUT)
{
	shmem_retract(_metadata, &self->env, true);
}

/*
 * The gates must refuse protection, not registration: a VMA registered for
 * MISSING or MINOR faults alone keeps no state in its PTEs, and collapsing
 * or retracting its page table loses nothing. Over-refusal costs it its
 * huge pages for as long as it is registered, which for a VMM's
 * postcopy-registered guest memory is the whole migration.
 */
static const char *mode_name(__u64 mode)
{
	return mode == UFFDIO_REGISTER_MODE_MINOR ? "MINOR" : "MISSING";
}

/* A registration of env->area in mode alone; its fd. */
static int register_armed(struct __test_metadata *_metadata, struct collapse_env *env,
			  __u64 mode)
{
	int fd = uffd_register_mode(env->area, env->hpage, mode);

	EXPECT_GE(fd, 0) TH_LOG("%s registration: %s", mode_name(mode), strerror(-fd));
	return fd;
}

/* MADV_COLLAPSE of a PTE-mapped shmem THP in an armed VMA maps it by a PMD. */
static void shmem_pte_mapped_collapse_armed(struct __test_metadata *_metadata,
					    struct collapse_env *env, __u64 mode)
{
	int ret, fd;

	ret = shmem_pte_mapped_thp(_metadata, env);
	ASSERT_EQ(ret, 0) TH_LOG("no PTE-mapped shmem THP (step %d)", -ret);
	fd = register_armed(_metadata, env, mode);
	ASSERT_FALSE(_metadata->exit_code);
	ASSERT_EQ(madvise(env->area, env->hpage, MADV_HUGEPAGE), 0);

#ifdef RWP_COUNTERS
	rwp_gates_mark();
#endif
	ret = madvise(env->area, env->hpage, MADV_COLLAPSE);
	EXPECT_EQ(ret, 0) TH_LOG("MADV_COLLAPSE of the %s-registered VMA refused: %s",
				 mode_name(mode), strerror(errno));
#ifdef RWP_COUNTERS
	EXPECT_GATE_CONSULTED(GATE_COLLAPSE);
#endif
	/* Every page was mapped before, so reading them raises no fault. */
	EXPECT_TRUE(intact(env->area, env->hpage));
	EXPECT_TRUE(check_huge_shmem(env->area, env->hpage, 1, env->hpage))
		TH_LOG("the %s-registered VMA is still PTE-mapped", mode_name(mode));
	close(fd);
}

TEST_F_TIMEOUT(collapse, shmem_pte_mapped_thp_uffd_missing, COLLAPSE_TIMEOUT)
{
	shmem_pte_mapped_collapse_armed(_metadata, &self->env, UFFDIO_REGISTER_MODE_MISSING);
}

TEST_F_TIMEOUT(collapse, shmem_pte_mapped_thp_uffd_minor, COLLAPSE_TIMEOUT)
{
	shmem_pte_mapped_collapse_armed(_metadata, &self->env, UFFDIO_REGISTER_MODE_MINOR);
}

/*
 * MADV_COLLAPSE of a second mapping of a memfd of small folios retracts the
 * page table of the armed VMA. No fault may be raised in it (a MINOR fault
 * would wait for a handler there is none of), so the retraction shows as
 * this process's page table memory: the collapse unmaps the small folios
 * everywhere, then frees the armed VMA's emptied PTE table, and the second
 * mapping, never touched before, gets a PMD and no table.
 */
static void shmem_retract_armed(struct __test_metadata *_metadata, struct collapse_env *env,
				__u64 mode)
{
	long before, after;
	char *block, *other;
	int fd, uffd;

	shmem_small_folios();
	fd = hpage_memfd(env);
	ASSERT_GE(fd, 0);
	/*
	 * Both mappings in one block aligned to its size, hence under one PMD
	 * table: the second mapping's PMD then needs no table of its own, and
	 * VmPTE moves by the retraction alone. Placed apart, they were now
	 * and then on two sides of a PMD table's reach, and the table the
	 * collapse allocated for the second cancelled the retraction out
	 * (VmPTE 40->40 kB, both tests of one run of this program, on arm64).
	 */
	block = aligned_mmap(2 * env->hpage, 2 * env->hpage, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_NE(block, MAP_FAILED);
	env->area = mmap(block, env->hpage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	other = mmap(block + env->hpage, env->hpage, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_FIXED, fd, 0);
	close(fd);
	ASSERT_NE(env->area, MAP_FAILED);
	ASSERT_NE(other, MAP_FAILED);
	fill(env->area, env->hpage);
	ASSERT_TRUE(small_folio_at(env->area)) TH_LOG("the memfd is in a THP already");
	ASSERT_TRUE(check_huge_shmem(env->area, env->hpage, 0, env->hpage));
	uffd = register_armed(_metadata, env, mode);
	ASSERT_FALSE(_metadata->exit_code);
	ASSERT_EQ(madvise(other, env->hpage, MADV_HUGEPAGE), 0);

#ifdef RWP_COUNTERS
	rwp_gates_mark();
#endif
	before = rwp_vm_pte_kb();
	ASSERT_EQ(madvise(other, env->hpage, MADV_COLLAPSE), 0)
		TH_LOG("MADV_COLLAPSE of the second mapping: %s", strerror(errno));
	after = rwp_vm_pte_kb();
	ASSERT_TRUE(check_huge_shmem(other, env->hpage, 1, env->hpage))
		TH_LOG("the collapse made no PMD-mapped THP");
	ASSERT_GT(before, 0);
#ifdef RWP_COUNTERS
	EXPECT_GATE_CONSULTED(GATE_RETRACT);
#endif
	EXPECT_LE(after, before - (long)(psize() / 1024))
		TH_LOG("the %s-registered VMA's page table was not retracted (VmPTE %ld->%ld kB)",
		       mode_name(mode), before, after);
	munmap(other, env->hpage);
	close(uffd);
	/* Unregistered: every page reads back, now through a PMD. */
	EXPECT_TRUE(intact(env->area, env->hpage));
}

TEST_F_TIMEOUT(collapse, shmem_retract_page_table_uffd_missing, COLLAPSE_TIMEOUT)
{
	shmem_retract_armed(_metadata, &self->env, UFFDIO_REGISTER_MODE_MISSING);
}

TEST_F_TIMEOUT(collapse, shmem_retract_page_table_uffd_minor, COLLAPSE_TIMEOUT)
{
	shmem_retract_armed(_metadata, &self->env, UFFDIO_REGISTER_MODE_MINOR);
}

/*
 * The khugepaged daemon on shmem. An unprotected twin mapping of a memfd of
 * small folios asks for huge pages: khugepaged collapses the file range
 * into a THP (the positive control: the twin is then PMD-mapped) and tries
 * to retract the page tables of every mapping, the protected VMA's among
 * them. The protected VMA asks for huge pages too, so later scans find a
 * PTE-mapped THP in it and try to collapse that. Both gates must refuse;
 * whichever lets go, the protected VMA ends up mapped by a PMD.
 */
TEST_F_TIMEOUT(collapse, shmem_khugepaged_daemon, 180)
{
	struct thp_settings s;
	unsigned long start;
	time_t deadline;
	int fd;

	thp_read_settings(&s);
	s.shmem_enabled = SHMEM_ADVISE;
	s.khugepaged.scan_sleep_millisecs = 10;
	s.khugepaged.alloc_sleep_millisecs = 10;
	s.khugepaged.pages_to_scan = 8 * self->env.hpage / psize();
	thp_push_settings(&s);

	fd = hpage_memfd(&self->env);
	ASSERT_GE(fd, 0);
	self->env.area = map_hpage(&self->env, fd);
	self->env.control = map_hpage(&self->env, fd);
	close(fd);
	ASSERT_NE(self->env.area, MAP_FAILED);
	ASSERT_NE(self->env.control, MAP_FAILED);
	fill(self->env.area, self->env.hpage);
	ASSERT_TRUE(intact(self->env.control, self->env.hpage));
	protect_area(_metadata, &self->env, false);
	ASSERT_FALSE(_metadata->exit_code);
	ASSERT_EQ(madvise(self->env.control, self->env.hpage, MADV_HUGEPAGE), 0);
	ASSERT_EQ(madvise(self->env.area, self->env.hpage, MADV_HUGEPAGE), 0);

	/* The collapse and retraction, then scans of the protected VMA. */
	start = khugepaged_passes();
	deadline = time(NULL) + 120;
	while (khugepaged_passes() < start + 3 && time(NULL) < deadline)
		usleep(100 * 1000);
	thp_restore_settings();
	ASSERT_GE(khugepaged_passes(), start + 3) TH_LOG("khugepaged made no full scan");

	EXPECT_TRUE(intact(self->env.control, self->env.hpage));
	EXPECT_TRUE(check_huge_shmem(self->env.control, self->env.hpage, 1, self->env.hpage))
		TH_LOG("khugepaged did not collapse the unprotected twin: this test shows nothing");
	EXPECT_EQ(FORCE_READ(self->env.area[0]), PATTERN(0));
	EXPECT_TRUE(check_huge_shmem(self->env.area, self->env.hpage, 0, self->env.hpage))
		TH_LOG("khugepaged made the RWP VMA PMD-mapped");
	EXPECT_EQ(rwp_count_accessed(self->env.area, self->env.hpage), 1)
		TH_LOG("one read left more pages than its own accessed");
	EXPECT_TRUE(intact(self->env.area, self->env.hpage));
}

TEST_HARNESS_MAIN
