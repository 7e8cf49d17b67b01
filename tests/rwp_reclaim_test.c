// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim must keep per-PTE RWP state where it is documented to survive.
 *
 * try_to_unmap_one() unmaps a large folio in batches that
 * folio_unmap_pte_batch() sizes; a failed unmap restores the batch from
 * its first PTE. These tests give large folios mixed per-PTE protection
 * (every other page protected) and check that each PTE keeps its own
 * state:
 * - anon mTHP swapped out to zram and back in, with mixed protection and
 *   protected throughout (swap-backed anon is never batched: regression
 *   guards), and brought back by swapoff;
 * - lazyfree large folios whose unmap aborts because a page is pinned
 *   (batched, then restored from the batch's first PTE), protected
 *   uniformly through MADV_PAGEOUT and with mixed protection through LRU
 *   reclaim in a memory cgroup;
 * - shmem large folios: reclaim drops the protection, as documented.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"
#include "hugepage_settings.h"
#include "rwp_lib_local.h"
#include "rwp_counters.h"

#define PATTERN(i)	((char)(0x31 + (i) % 200))

static void fill(char *area, size_t len)
{
	size_t i;

	for (i = 0; i < len / psize(); i++)
		memset(area + i * psize(), PATTERN(i), psize());
}

static bool page_intact(const char *page, size_t i)
{
	return page[0] == PATTERN(i) && page[psize() - 1] == PATTERN(i);
}

/*
 * Every other page protected, the even ones (first = 0) or the odd ones
 * (first = 1): mixed state inside each large folio. ALL_PROTECTED: every
 * page, for the checks below.
 */
#define ALL_PROTECTED	2

static int protect_alternate(struct rwp_ctx *ctx, char *area, size_t len, size_t first)
{
	size_t i;

	for (i = first; i < len / psize(); i += 2)
		if (rwp_protect(ctx, area + i * psize(), psize(), true))
			return -1;
	return 0;
}

static bool protected_page(size_t i, size_t first)
{
	return first == ALL_PROTECTED || i % 2 == first;
}

/* The pages protect_alternate() protected are, and not accessed; the others are neither. */
static bool state_is_alternate(char *area, size_t len, size_t first)
{
	size_t i;

	for (i = 0; i < len / psize(); i++) {
		char *p = area + i * psize();
		bool prot = protected_page(i, first);

		if (rwp_is_protected(p) != prot)
			return false;
		if (prot && rwp_count_accessed(p, psize()) != 0)
			return false;
	}
	return true;
}

/*
 * Sync mode: touch every page; exactly the protected ones must fault, once,
 * and every page must hold its data.
 */
static void touch_and_check(struct __test_metadata *_metadata, struct rwp_ctx *ctx,
			    char *area, size_t len, size_t first)
{
	size_t i, wrong_faults = 0, wrong_data = 0;

	for (i = 0; i < len / psize(); i++) {
		char *p = area + i * psize();

		if (!page_intact(p, i))
			wrong_data++;
		if (rwp_faults_at(ctx, p) != protected_page(i, first))
			wrong_faults++;
	}
	EXPECT_EQ(wrong_data, 0);
	EXPECT_EQ(wrong_faults, 0) TH_LOG("a PTE lost or gained protection");
}

struct reclaim_env {
	struct rwp_ctx ctx;
	char *area;
	size_t len;
};

FIXTURE(reclaim)
{
	struct reclaim_env env;
};

FIXTURE_SETUP(reclaim)
{
	int ret;

	if (!(thp_supported_orders() & (1UL << RWP_MTHP_ORDER)))
		SKIP(return, "no 64 KiB mTHP");
	ret = rwp_open(&self->env.ctx, true);
	if (ret == RWP_UNSUPPORTED)
		SKIP(return, "no userfaultfd RWP in this kernel");
	ASSERT_EQ(ret, 0);
	thp_save_settings();
}

FIXTURE_TEARDOWN(reclaim)
{
	rwp_close(&self->env.ctx);
	if (self->env.area)
		munmap(self->env.area, self->env.len);
	thp_restore_settings();
	/* After a failed assertion in a test that entered one. */
	rwp_memcg_leave();
}

/* Anonymous memory in 64 KiB folios, verified through kpageflags. */
static void anon_mthp(struct __test_metadata *_metadata,
		      struct reclaim_env *env, size_t nr_folios)
{
	struct thp_settings s;
	size_t i;

	thp_read_settings(&s);
	s.thp_enabled = THP_MADVISE;
	s.hugepages[RWP_MTHP_ORDER].enabled = THP_ALWAYS;
	thp_push_settings(&s);

	env->len = nr_folios * rwp_mthp_size();
	env->area = aligned_mmap(env->len, rwp_mthp_size(), PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1);
	ASSERT_NE(env->area, MAP_FAILED);
	fill(env->area, env->len);
	ASSERT_TRUE(check_huge_anon(env->area, env->len, nr_folios, rwp_mthp_size()))
		TH_LOG("the range is not in 64 KiB folios");
	/*
	 * arm64: protected, unprotected or mixed, each folio the tests use
	 * starts as one contiguous range, which protecting part of it unfolds.
	 */
	for (i = 0; RWP_CONTPTE && i < nr_folios; i++) {
		ASSERT_EQ(rwp_contpte_mapped(env->area + i * rwp_mthp_size(), rwp_mthp_size(),
					     PROT_READ | PROT_WRITE), 1)
			TH_LOG("folio %zu is not contpte-mapped: arm64's own paths go untested", i);
	}
}

/* The count of pages swapped out in [area, area + len). */
static size_t count_swapped(char *area, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len / psize(); i++)
		n += rwp_is_swapped(area + i * psize()) == 1;
	return n;
}

/*
 * Mixed protection: MADV_PAGEOUT splits each folio (its PTEs do not batch)
 * and swaps every page out; each swap entry keeps its own marker, and each
 * page comes back with its own state.
 */
TEST_F_TIMEOUT(reclaim, anon_mthp_swap_mixed, 120)
{
	size_t nr = 8 * rwp_mthp_size() / psize();

	if (!swap_available())
		SKIP(return, "no swap (the runner sets up zram)");
	anon_mthp(_metadata, &self->env, 8);
	ASSERT_EQ(rwp_register(&self->env.ctx, self->env.area, self->env.len), 0);
	ASSERT_EQ(protect_alternate(&self->env.ctx, self->env.area, self->env.len, 0), 0);
	ASSERT_TRUE(state_is_alternate(self->env.area, self->env.len, 0));

	ASSERT_EQ(madvise(self->env.area, self->env.len, MADV_PAGEOUT), 0);
	ASSERT_EQ(count_swapped(self->env.area, self->env.len), nr)
		TH_LOG("MADV_PAGEOUT left pages in memory");
	/* While swapped: the swap entries keep the marker, nothing is accessed. */
	EXPECT_TRUE(state_is_alternate(self->env.area, self->env.len, 0));
	touch_and_check(_metadata, &self->env.ctx, self->env.area, self->env.len, 0);
}

/*
 * Protected throughout: each folio goes out whole, as one 64 KiB swap-out
 * (the mTHP swpout counter), its swap entries all carrying the marker. It
 * comes back a page at a time: a userfaultfd-armed VMA never swaps in a
 * large folio, for per-page fault fidelity (thp_swapin_suitable_orders()),
 * and each page must come back protected and fault once.
 */
TEST_F_TIMEOUT(reclaim, anon_mthp_swap_uniform, 120)
{
	size_t nr_folios = 4, nr = nr_folios * rwp_mthp_size() / psize();
	unsigned long out_before, out_after, in_before, in_after;

	if (!swap_available())
		SKIP(return, "no swap (the runner sets up zram)");
	anon_mthp(_metadata, &self->env, nr_folios);
	ASSERT_EQ(rwp_register(&self->env.ctx, self->env.area, self->env.len), 0);
	ASSERT_EQ(rwp_protect(&self->env.ctx, self->env.area, self->env.len, true), 0);
	ASSERT_EQ(rwp_count_protected(self->env.area, self->env.len), nr);

	ASSERT_EQ(read_sysfs(rwp_mthp_path("stats/swpout"), &out_before), 0);
	ASSERT_EQ(read_sysfs(rwp_mthp_path("stats/swpin"), &in_before), 0);
	ASSERT_EQ(madvise(self->env.area, self->env.len, MADV_PAGEOUT), 0);
	ASSERT_EQ(read_sysfs(rwp_mthp_path("stats/swpout"), &out_after), 0);
	ASSERT_EQ(count_swapped(self->env.area, self->env.len), nr)
		TH_LOG("MADV_PAGEOUT left pages in memory");
	ASSERT_EQ(out_after - out_before, nr_folios)
		TH_LOG("the folios were not swapped out whole");
	EXPECT_EQ(rwp_count_protected(self->env.area, self->env.len), nr)
		TH_LOG("the swap entries lost the marker");
	EXPECT_EQ(rwp_count_accessed(self->env.area, self->env.len), 0);

	touch_and_check(_metadata, &self->env.ctx, self->env.area, self->env.len,
			ALL_PROTECTED);
	ASSERT_EQ(read_sysfs(rwp_mthp_path("stats/swpin"), &in_after), 0);
	EXPECT_EQ(in_after, in_before) TH_LOG("a large folio was swapped into an armed VMA");
}

#define MAX_SWAPS	8

/*
 * Turns off every swap device in /proc/swaps, their paths in @paths (each
 * freed by swap_on_again()); *@all says whether every one went: how many
 * did.
 */
static int swap_off_all(char *paths[MAX_SWAPS], bool *all)
{
	char line[512], path[256];
	int n = 0;
	FILE *f = fopen("/proc/swaps", "re");

	*all = f;
	while (f && n < MAX_SWAPS && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s", path) != 1 || path[0] != '/')
			continue;
		paths[n] = strdup(path);
		if (!paths[n] || swapoff(path)) {
			free(paths[n]);
			*all = false;
			break;
		}
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

/* Turns the @n devices of swap_off_all() on again: 0, or -1. */
static int swap_on_again(char *paths[MAX_SWAPS], int n)
{
	int ret = 0;

	while (n-- > 0) {
		ret |= swapon(paths[n], 0);
		free(paths[n]);
	}
	return ret ? -1 : 0;
}

/*
 * swapoff brings every swapped-out page back in (unuse_pte()), with no
 * fault: each must come back with its own state, PAGE_NONE again where its
 * swap entry carried the marker. Mixed protection; the swap devices are
 * turned on again before anything is asserted.
 */
TEST_F_TIMEOUT(reclaim, swapoff_keeps_protection, 120)
{
	size_t nr = 4 * rwp_mthp_size() / psize();
	char *paths[MAX_SWAPS];
	bool swapped_state, back_state, all;
	size_t swapped_after;
	int n;

	if (!swap_available())
		SKIP(return, "no swap (the runner sets up zram)");
	anon_mthp(_metadata, &self->env, 4);
	ASSERT_EQ(rwp_register(&self->env.ctx, self->env.area, self->env.len), 0);
	ASSERT_EQ(protect_alternate(&self->env.ctx, self->env.area, self->env.len, 0), 0);
	ASSERT_EQ(madvise(self->env.area, self->env.len, MADV_PAGEOUT), 0);
	ASSERT_EQ(count_swapped(self->env.area, self->env.len), nr)
		TH_LOG("MADV_PAGEOUT left pages in memory");
	swapped_state = state_is_alternate(self->env.area, self->env.len, 0);

	n = swap_off_all(paths, &all);
	swapped_after = count_swapped(self->env.area, self->env.len);
	back_state = state_is_alternate(self->env.area, self->env.len, 0);
	ASSERT_EQ(swap_on_again(paths, n), 0) TH_LOG("a swap device did not come back");
	ASSERT_TRUE(all && n > 0) TH_LOG("swapoff failed");

	EXPECT_TRUE(swapped_state) TH_LOG("swap-out lost or gained protection");
	ASSERT_EQ(swapped_after, 0) TH_LOG("swapoff left pages swapped out");
	EXPECT_TRUE(back_state) TH_LOG("swapoff lost or gained protection");
	touch_and_check(_metadata, &self->env.ctx, self->env.area, self->env.len, 0);
}

/*
 * Three lazyfree 64 KiB folios: the first protected throughout and pinned,
 * the second pinned, the third protected and not pinned. MADV_PAGEOUT hands
 * each whole folio to try_to_unmap_one(), which unmaps it in batches. The
 * pin makes the lazyfree unmap abort and restore the PTEs it cleared, and
 * reclaim then activates the folio: that is how the test knows the restore
 * ran. The third folio is the control: nothing holds it, so it must be
 * discarded. (A folio whose PTEs differ in protection is split by
 * MADV_PAGEOUT first, so mixed state inside one folio reaches the batch
 * only through LRU reclaim.)
 */
TEST_F(reclaim, lazyfree_pinned_restore)
{
	size_t i, per_folio = rwp_mthp_size() / psize();
	char *control;
	struct iovec iov[2];
	int pfd[2];

	anon_mthp(_metadata, &self->env, 3);
	control = self->env.area + 2 * rwp_mthp_size();
	ASSERT_EQ(madvise(self->env.area, self->env.len, MADV_FREE), 0);
	ASSERT_EQ(rwp_register(&self->env.ctx, self->env.area, self->env.len), 0);

	/* Pin before protecting: a read GUP of a protected page would fault. */
	ASSERT_EQ(pipe(pfd), 0);
	for (i = 0; i < 2; i++) {
		iov[i].iov_base = self->env.area + i * rwp_mthp_size() + psize();
		iov[i].iov_len = psize();
	}
	ASSERT_EQ(vmsplice(pfd[1], iov, 2, 0), 2 * psize());
	ASSERT_EQ(rwp_protect(&self->env.ctx, self->env.area, rwp_mthp_size(), true), 0);
	ASSERT_EQ(rwp_protect(&self->env.ctx, control, rwp_mthp_size(), true), 0);
	ASSERT_EQ(rwp_count_protected(self->env.area, self->env.len), 2 * per_folio);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(rwp_folio_active(self->env.area + i * rwp_mthp_size()), 0)
			TH_LOG("folio %zu is active already: activation would prove nothing", i);
	}

	rwp_gates_mark();
	ASSERT_EQ(madvise(self->env.area, self->env.len, MADV_PAGEOUT), 0);
	EXPECT_GATE_CONSULTED(GATE_UNMAP);
	close(pfd[0]);
	close(pfd[1]);

	for (i = 0; i < 2; i++) {
		EXPECT_EQ(rwp_folio_active(self->env.area + i * rwp_mthp_size()), 1)
			TH_LOG("folio %zu's unmap did not abort: no restore ran", i);
	}
	EXPECT_EQ(rwp_count_protected(self->env.area, rwp_mthp_size()), per_folio)
		TH_LOG("the restored PTEs lost their protection");
	EXPECT_EQ(rwp_count_protected(self->env.area + rwp_mthp_size(), rwp_mthp_size()), 0)
		TH_LOG("the restored PTEs gained protection");
	EXPECT_EQ(rwp_count_accessed(self->env.area, rwp_mthp_size()), 0);
	for (i = 0; i < per_folio; i++) {
		EXPECT_EQ(rwp_is_present(control + i * psize()), 0)
			TH_LOG("the unpinned control was not discarded");
	}
	for (i = 0; i < 3 * per_folio; i++) {
		char *p = self->env.area + i * psize();

		/* Kept folios keep their data; the discarded one reads zeroes. */
		EXPECT_TRUE(p < control ? page_intact(p, i) : p[0] == 0)
			TH_LOG("page %zu has the wrong data", i);
		EXPECT_EQ(rwp_faults_at(&self->env.ctx, p), i < per_folio ? 1 : 0)
			TH_LOG("page %zu faulted wrongly", i);
	}
}

/*
 * MADV_FREE moves a folio to the lazyfree list through a per-CPU batch:
 * until the batch drains, the folio still looks swap-backed. Staying on
 * one CPU, MADV_WILLNEED of the range (which swaps in nothing here)
 * drains this CPU's batches (madvise_willneed(): lru_add_drain()).
 */
static int drain_lazyfree_here(char *area, size_t len)
{
	cpu_set_t cpu;

	CPU_ZERO(&cpu);
	CPU_SET(sched_getcpu(), &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu))
		return -1;
	return madvise(area, len, MADV_WILLNEED);
}

/* Write-protects (uffd-wp) or unprotects one page of a range registered on wp_fd. */
static int wp_page(int wp_fd, char *addr, bool on)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)addr, .len = psize() },
		.mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};

	return ioctl(wp_fd, UFFDIO_WRITEPROTECT, &wp);
}

/* The pages wp_alternate() left write-protected are (pagemap bit 57); the others are not. */
static bool wp_state_is_alternate(char *area, size_t len, size_t first)
{
	size_t i;

	for (i = 0; i < len / psize(); i++)
		if (rwp_is_protected(area + i * psize()) != protected_page(i, first))
			return false;
	return true;
}

/*
 * The mixed lazyfree folio in a uffd-wp VMA instead: registered for
 * uffd-wp and write-protected whole, then every even page unprotected.
 * Returns the uffd-wp userfaultfd, or -1.
 */
static int wp_alternate(char *area, size_t len, size_t first)
{
	int fd = uffd_wp_protect(area, len);
	size_t i;

	if (fd < 0)
		return -1;
	for (i = 0; i < len / psize(); i++) {
		if (!protected_page(i, first) && wp_page(fd, area + i * psize(), false)) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * One lazyfree 64 KiB folio with every odd page protected (RWP, or uffd-wp
 * for the uffd-wp twin), in a memory cgroup of its own; memory.reclaim
 * then reclaims it from the LRU. Unlike MADV_PAGEOUT, LRU reclaim does not
 * split the folio first, so try_to_unmap_one() batches PTEs of mixed
 * protection: the batches must stop where the protection changes (or be
 * capped at one PTE). The unmap of the first batch aborts, because a page
 * is pinned or because the first page was written again after MADV_FREE,
 * and the restore must give each PTE its own state.
 *
 * The evidence that this folio's own unmap ran and aborted, whatever else
 * the system reclaimed meanwhile: a redirtied lazyfree folio is made
 * swap-backed by the unmap that finds it dirty (ttu_anon_lazyfree_folio());
 * a pinned one is activated by reclaim when its unmap fails
 * (shrink_folio_list(): activate_locked), and its references are cleared
 * first, so that reclaim does not activate it for them instead.
 */

/*
 * Did the unmap of the redirtied lazyfree folio at addr find it dirty and
 * give up? It made the folio swap-backed, which a lazyfree folio that was
 * discarded instead never is (nor one the unmap never reached), and which
 * stays set (the cgroup's next pass leaves a swap-backed folio alone; the
 * system's reclaim may swap it out, which a discarded one never is).
 */
static bool redirtied_unmap_aborted(char *addr, bool activated)
{
	return rwp_folio_swapbacked(addr) == 1 || rwp_is_swapped(addr) == 1;
}

/*
 * Did the unmap of the pinned folio at addr fail? Reclaim activated it
 * (activate_locked). The folio's active flag alone does not say so
 * afterwards: once it is on the active list, and the cgroup's inactive
 * file list is smaller, the same pass may deactivate it again, and a pass
 * can end either way. The cgroup's PGACTIVATE count keeps the activation:
 * under swappiness=0 (reclaim_until_aborted()) the cgroup's reclaim scans
 * only its file LRUs, where this lazyfree folio is the only folio.
 */
static bool pinned_unmap_aborted(char *addr, bool activated)
{
	return activated || rwp_folio_active(addr) == 1;
}

/*
 * memory.reclaim of the cgroup cg until aborted(addr, activated) says the
 * folio of len bytes at addr had its unmap run and abort; false if it
 * never did. activated: the cgroup's PGACTIVATE count grew by the folio's
 * pages since the first pass (activate_locked counts a folio's pages;
 * false when memory.stat does not say). swappiness=0 keeps the cgroup's
 * reclaim on its file LRUs: a
 * lazyfree folio is there until an aborted unmap makes it swap-backed,
 * and the anonymous pages the test faults in meanwhile stay out of the
 * way. One pass may not reach the folio.
 */
#define RECLAIM_PASSES	32
static bool reclaim_until_aborted(const char *cg, char *addr, size_t len,
				  bool (*aborted)(char *addr, bool activated))
{
	long before = rwp_memcg_events("pgactivate"), now;
	int i;

	for (i = 0; i < RECLAIM_PASSES; i++) {
		rwp_cg_write(cg, "memory.reclaim", "4M swappiness=0");
		now = rwp_memcg_events("pgactivate");
		if (aborted(addr, before >= 0 && now - before >= (long)(len / psize())))
			return true;
	}
	return false;
}

static void lazyfree_mixed_lru(struct __test_metadata *_metadata,
			       struct reclaim_env *env, bool redirty, bool wp)
{
	/*
	 * The odd pages protected: the first page, unprotected, can be written
	 * again without a fault, and a batch (right or wrong) starts there.
	 */
	size_t first = 1;
	const char *cg;
	struct iovec iov;
	int pfd[2], i, wp_fd = -1;
	bool aborted;

	cg = rwp_memcg_enter("reclaim");
	ASSERT_NE(cg, NULL) TH_LOG("no memory cgroup of its own: %s", strerror(errno));

	anon_mthp(_metadata, env, 1);
	ASSERT_EQ(madvise(env->area, env->len, MADV_FREE), 0);
	ASSERT_EQ(drain_lazyfree_here(env->area, env->len), 0);
	ASSERT_EQ(rwp_folio_swapbacked(env->area), 0)
		TH_LOG("MADV_FREE left the folio swap-backed");
	if (wp) {
		wp_fd = wp_alternate(env->area, env->len, first);
		ASSERT_GE(wp_fd, 0) TH_LOG("uffd-wp: %s", strerror(errno));
	} else {
		ASSERT_EQ(rwp_register(&env->ctx, env->area, env->len), 0);
	}
	ASSERT_EQ(pipe(pfd), 0);
	if (redirty) {
		memset(env->area, PATTERN(0), psize());
	} else {
		iov.iov_base = env->area + psize();
		iov.iov_len = psize();
		ASSERT_EQ(vmsplice(pfd[1], &iov, 1, 0), psize());
	}
	if (wp) {
		ASSERT_TRUE(wp_state_is_alternate(env->area, env->len, first));
	} else {
		ASSERT_EQ(protect_alternate(&env->ctx, env->area, env->len, first), 0);
		ASSERT_TRUE(state_is_alternate(env->area, env->len, first));
	}
	/*
	 * Read-only until the restore: the batch respects the write bit, and a
	 * protected PTE is never writable, so only read-only neighbours could
	 * share a batch with it. mprotect() keeps each PTE's uffd bit.
	 */
	ASSERT_EQ(mprotect(env->area, env->len, PROT_READ), 0);
	ASSERT_EQ(rwp_clear_refs(), 0);
	ASSERT_EQ(rwp_folio_active(env->area), 0)
		TH_LOG("the folio is active already: activation would prove nothing");

	rwp_gates_mark();
	aborted = reclaim_until_aborted(cg, env->area, env->len, redirty ? redirtied_unmap_aborted :
					pinned_unmap_aborted);
	EXPECT_TRUE(aborted)
		TH_LOG("this folio's unmap never ran and aborted: no restore to check");
	EXPECT_GATE_CONSULTED(GATE_UNMAP);
	/*
	 * arm64: a batch restored by one set_ptes() over the whole folio is
	 * mapped as one contiguous range; the right batch, the first PTE
	 * alone, is not. (A redirtied folio may be swapped out by now.)
	 */
	if (RWP_CONTPTE && !redirty)
		EXPECT_EQ(rwp_contpte_mapped(env->area, env->len, PROT_READ), 0)
			TH_LOG("the restore mapped the mixed folio as one contiguous range");
	close(pfd[0]);
	close(pfd[1]);
	ASSERT_EQ(mprotect(env->area, env->len, PROT_READ | PROT_WRITE), 0);

	if (wp) {
		EXPECT_TRUE(wp_state_is_alternate(env->area, env->len, first))
			TH_LOG("the restored PTEs do not carry their own uffd-wp bit");
		for (i = 0; i < (int)(env->len / psize()); i++)
			EXPECT_TRUE(page_intact(env->area + i * psize(), i));
		close(wp_fd);
	} else {
		EXPECT_TRUE(state_is_alternate(env->area, env->len, first))
			TH_LOG("the restored PTEs do not carry their own protection");
		touch_and_check(_metadata, &env->ctx, env->area, env->len, first);
	}
}

TEST_F(reclaim, lazyfree_mixed_lru_restore)
{
	lazyfree_mixed_lru(_metadata, &self->env, false, false);
}

TEST_F(reclaim, lazyfree_mixed_redirty_restore)
{
	lazyfree_mixed_lru(_metadata, &self->env, true, false);
}

/* The uffd-wp twins: a restore that spread one PTE's state would let writes go unreported. */
TEST_F(reclaim, lazyfree_mixed_wp_lru_restore)
{
	lazyfree_mixed_lru(_metadata, &self->env, false, true);
}

TEST_F(reclaim, lazyfree_mixed_wp_redirty_restore)
{
	lazyfree_mixed_lru(_metadata, &self->env, true, true);
}

/*
 * Whatever a gate says of the uffd bit, an unmap batch respects each PTE's
 * write and soft-dirty bits (FPB_RESPECT_WRITE, FPB_RESPECT_SOFT_DIRTY;
 * the mixed-batch mutant's FPB_IGNORE_PROT keeps them too). After
 * clear_refs' soft-dirty reset every PTE of the lazyfree folio is
 * read-only and clean; a write to the first page makes that one writable
 * and soft-dirty, and redirties the folio, so that reclaim's unmap aborts
 * and restores its first batch from the first PTE's value. A batch that
 * took the neighbours in would bring them back writable and soft-dirty: a
 * write to them would go unseen by soft-dirty tracking, and, were the
 * folio shared after fork, by the COW that must copy it.
 */
TEST_F_TIMEOUT(reclaim, lazyfree_restore_keeps_write_bits, 120)
{
	size_t i, nr, dirty = 0;
	bool aborted;
	const char *cg;
	int pagemap;

	if (!softdirty_supported())
		SKIP(return, "no soft-dirty tracking (CONFIG_MEM_SOFT_DIRTY)");
	cg = rwp_memcg_enter("reclaim");
	ASSERT_NE(cg, NULL) TH_LOG("no memory cgroup of its own: %s", strerror(errno));
	anon_mthp(_metadata, &self->env, 1);
	nr = self->env.len / psize();
	ASSERT_EQ(rwp_register(&self->env.ctx, self->env.area, self->env.len), 0);
	ASSERT_EQ(madvise(self->env.area, self->env.len, MADV_FREE), 0);
	ASSERT_EQ(drain_lazyfree_here(self->env.area, self->env.len), 0);
	ASSERT_EQ(rwp_folio_swapbacked(self->env.area), 0)
		TH_LOG("MADV_FREE left the folio swap-backed");
	pagemap = rwp_pagemap_fd();
	ASSERT_GE(pagemap, 0);
	clear_softdirty();
	memset(self->env.area, PATTERN(0), psize());
	ASSERT_TRUE(pagemap_is_softdirty(pagemap, self->env.area));
	for (i = 1; i < nr; i++) {
		ASSERT_FALSE(pagemap_is_softdirty(pagemap, self->env.area + i * psize()))
			TH_LOG("clear_refs left page %zu soft-dirty: this test shows nothing", i);
	}

	rwp_gates_mark();
	aborted = reclaim_until_aborted(cg, self->env.area, self->env.len,
					redirtied_unmap_aborted);
	EXPECT_TRUE(aborted)
		TH_LOG("this folio's unmap never ran and aborted: no restore to check");
	EXPECT_GATE_CONSULTED(GATE_UNMAP);
	for (i = 1; i < nr; i++)
		dirty += pagemap_is_softdirty(pagemap, self->env.area + i * psize());
	EXPECT_EQ(dirty, 0)
		TH_LOG("the restore gave %zu read-only pages the first PTE's write bit", dirty);
	for (i = 0; i < nr; i++)
		EXPECT_TRUE(page_intact(self->env.area + i * psize(), i));
}

TEST_F_TIMEOUT(reclaim, shmem_mthp_drops_protection, 120)
{
	struct thp_settings s;
	size_t i, nr;
	int fd;

	if (!swap_available())
		SKIP(return, "no swap (the runner sets up zram)");
	if (!(thp_shmem_supported_orders() & (1UL << RWP_MTHP_ORDER)))
		SKIP(return, "no 64 KiB shmem mTHP");
	thp_read_settings(&s);
	s.shmem_hugepages[RWP_MTHP_ORDER].enabled = SHMEM_ALWAYS;
	thp_push_settings(&s);

	self->env.len = 4 * rwp_mthp_size();
	nr = self->env.len / psize();
	fd = memfd_create("rwp-reclaim", MFD_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(ftruncate(fd, self->env.len), 0);
	self->env.area = aligned_mmap(self->env.len, rwp_mthp_size(), PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd);
	close(fd);
	ASSERT_NE(self->env.area, MAP_FAILED);
	fill(self->env.area, self->env.len);
	ASSERT_TRUE(check_huge_shmem(self->env.area, self->env.len, 4, rwp_mthp_size()))
		TH_LOG("the memfd is not in 64 KiB folios");
	ASSERT_EQ(rwp_register(&self->env.ctx, self->env.area, self->env.len), 0);
	ASSERT_EQ(rwp_protect(&self->env.ctx, self->env.area, self->env.len, true), 0);
	ASSERT_EQ(rwp_count_protected(self->env.area, self->env.len), nr);

	rwp_gates_mark();
	ASSERT_EQ(madvise(self->env.area, self->env.len, MADV_PAGEOUT), 0);
	if (rwp_smaps_kb(self->env.area, "Swap:") <= 0)
		SKIP(return, "MADV_PAGEOUT swapped no shmem out");
	EXPECT_GATE_CONSULTED(GATE_UNMAP);

	/* Documented: for shmem, reclaim drops the protection. */
	EXPECT_EQ(rwp_count_protected(self->env.area, self->env.len), 0);
	for (i = 0; i < nr; i++)
		EXPECT_TRUE(page_intact(self->env.area + i * psize(), i));
	EXPECT_EQ(rwp_fault_count(&self->env.ctx), 0);
}

TEST_HARNESS_MAIN
