// SPDX-License-Identifier: GPL-2.0
/*
 * Migration must keep per-PTE protection where it is.
 *
 * try_to_migrate_one() carries a PTE's uffd bit into its migration entry
 * (pte_swp_mkuffd()), and remove_migration_pte() maps the page where it
 * landed with the bit, PAGE_NONE again in an RWP VMA. These tests move
 * memory to the other NUMA node with move_pages(2), which finds each folio
 * by a page-table walk (folio_walk_start()), not by GUP: a GUP of a
 * protected page would fault and unprotect it. Then every page must be on
 * the other node with its data and its own state: pagemap's bit 57 where
 * it was protected and nowhere else, and in sync mode exactly the
 * protected pages fault, once each.
 *
 * Base pages, 64 KiB folios and shmem carry every other page protected; a
 * hugetlb page and a PMD-mapped THP are protected whole (a part of a
 * hugetlb page cannot be, and protecting a part of a THP splits its PMD),
 * and of two THPs the first; a range under uffd-wp is the other user of
 * the bit. A THP migrates by its PMD (set_pmd_migration_entry(),
 * remove_migration_pmd()) only if the other node has a free 2 MiB block
 * (a THP's migration target is allocated as a THP fault's is, with one
 * light attempt at compaction, and without one the THP is split and moves
 * as base pages): the test compacts that node first, and checks the THP
 * arrived whole. They need two NUMA nodes with memory (scripts/vm.sh gives
 * the guest two).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/mempolicy.h>

#include "kselftest_harness.h"
#include "vm_util.h"
#include "hugepage_settings.h"
#include "rwp_lib_local.h"

#define PATTERN(i)	((char)(0x51 + (i) % 200))

#define HAS_MEMORY	"/sys/devices/system/node/has_memory"

enum backing { ANON_PAGES, ANON_MTHP, ANON_THP, SHMEM_PAGES, HUGETLB };

/* A node with memory other than from (has_memory: "0-1", "0,2-3"), or -1. */
static int other_node(int from)
{
	char buf[256] = "", *s, *end;
	FILE *f = fopen(HAS_MEMORY, "re");
	long node, last;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (s = buf; *s >= '0' && *s <= '9'; s = end + (*end == ',')) {
		node = strtol(s, &end, 10);
		last = *end == '-' ? strtol(end + 1, &end, 10) : node;
		for (; node <= last; node++)
			if (node != from)
				return node;
	}
	return -1;
}

/* Compacts node's memory, so that a 2 MiB folio can land there: 0 or -errno. */
static int compact_node(int node)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/compact", node);
	return rwp_write_str(path, "1");
}

/*
 * move_pages(2) of this process: each page of pages to node, or with
 * node < 0 where each page is, into status. 0 or -errno.
 */
static int move_pages_to(void **pages, int *status, size_t n, int node)
{
	int *nodes = NULL;
	size_t i;
	long ret;

	if (node >= 0) {
		nodes = calloc(n, sizeof(*nodes));
		if (!nodes)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			nodes[i] = node;
	}
	ret = syscall(SYS_move_pages, 0, n, pages, nodes, status, node >= 0 ? MPOL_MF_MOVE : 0);
	free(nodes);
	return ret < 0 ? -errno : 0;
}

struct migrate_case {
	enum backing backing;
	/* Every other grain protected, the even ones; else every grain. */
	bool mixed;
	/* uffd-wp rather than RWP: the bit's other user. */
	bool wp;
};

struct migrate_env {
	struct rwp_ctx ctx;
	char *area;
	size_t len;
	/* What one protection covers: a page, or a hugetlb page. */
	size_t grain;
	/* The size of the range's folios. */
	size_t folio;
	int wp_fd;
};

FIXTURE(migrate)
{
	struct migrate_env env;
};

FIXTURE_VARIANT(migrate)
{
	struct migrate_case c;
};

FIXTURE_VARIANT_ADD(migrate, anon_pages_mixed)  { { .backing = ANON_PAGES, .mixed = true } };
FIXTURE_VARIANT_ADD(migrate, anon_pages_wp)     { { .backing = ANON_PAGES, .wp = true } };
FIXTURE_VARIANT_ADD(migrate, anon_mthp_mixed)   { { .backing = ANON_MTHP, .mixed = true } };
FIXTURE_VARIANT_ADD(migrate, anon_thp)          { { .backing = ANON_THP } };
FIXTURE_VARIANT_ADD(migrate, anon_thp_mixed)    { { .backing = ANON_THP, .mixed = true } };
FIXTURE_VARIANT_ADD(migrate, shmem_pages_mixed) { { .backing = SHMEM_PAGES, .mixed = true } };
FIXTURE_VARIANT_ADD(migrate, hugetlb)           { { .backing = HUGETLB } };

static bool grain_protected(const struct migrate_case *c, size_t i)
{
	return !c->mixed || i % 2 == 0;
}

static void fill(char *area, size_t len)
{
	size_t i;

	for (i = 0; i < len / psize(); i++)
		memset(area + i * psize(), PATTERN(i), psize());
}

/* Is the anonymous range in large folios of its size? */
static bool in_folios(struct migrate_env *env)
{
	return check_huge_anon(env->area, env->len, env->len / env->folio, env->folio);
}

/*
 * The memory of the variant's backing, filled and of the folio size it
 * names (checked): the THP settings it needs are pushed, the fixture's
 * teardown pops them.
 */
static void make_area(struct __test_metadata *_metadata, struct migrate_env *env,
		      const struct migrate_case *c)
{
	struct thp_settings s;
	int fd = -1, flags = MAP_PRIVATE | MAP_ANONYMOUS;

	thp_read_settings(&s);
	s.thp_enabled = THP_MADVISE;
	s.hugepages[RWP_MTHP_ORDER].enabled = THP_INHERIT;
	s.shmem_enabled = SHMEM_NEVER;
	env->grain = psize();
	env->folio = psize();
	env->len = 16 * psize();
	switch (c->backing) {
	case ANON_PAGES:
		break;
	case ANON_MTHP:
		s.hugepages[RWP_MTHP_ORDER].enabled = THP_ALWAYS;
		env->folio = rwp_mthp_size();
		env->len = 4 * env->folio;
		break;
	case ANON_THP:
		env->folio = read_pmd_pagesize();
		if (!env->folio)
			SKIP(return, "no PMD-sized THP");
		env->grain = env->folio;
		/* Mixed: two THPs, the first protected. */
		env->len = (c->mixed ? 2 : 1) * env->folio;
		break;
	case SHMEM_PAGES:
		fd = memfd_create("rwp-migrate", MFD_CLOEXEC);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(ftruncate(fd, env->len), 0);
		flags = MAP_SHARED;
		break;
	case HUGETLB:
		env->grain = default_huge_page_size();
		if (!env->grain || hugetlb_free_pages(env->grain) < 2)
			SKIP(return, "fewer than two free hugetlb pages (vm.nr_hugepages)");
		env->folio = env->grain;
		env->len = env->grain;
		flags |= MAP_HUGETLB;
		break;
	}
	thp_push_settings(&s);
	env->area = aligned_mmap(env->len, c->backing == ANON_PAGES ? psize() : env->len,
				 PROT_READ | PROT_WRITE, flags, fd);
	if (fd >= 0)
		close(fd);
	ASSERT_NE(env->area, MAP_FAILED);
	if (c->backing == ANON_PAGES)
		ASSERT_EQ(madvise(env->area, env->len, MADV_NOHUGEPAGE), 0);
	fill(env->area, env->len);
	if (c->backing == ANON_THP)
		ASSERT_EQ(madvise(env->area, env->len, MADV_COLLAPSE), 0);
	if (c->backing == ANON_MTHP || c->backing == ANON_THP)
		ASSERT_TRUE(in_folios(env))
			TH_LOG("the range is not in %zu KiB folios", env->folio >> 10);
}

FIXTURE_SETUP(migrate)
{
	struct migrate_env *env = &self->env;
	int ret;

	env->wp_fd = -1;
	ret = rwp_open(&env->ctx, true);
	if (ret == RWP_UNSUPPORTED)
		SKIP(return, "no userfaultfd RWP in this kernel");
	ASSERT_EQ(ret, 0);
	thp_save_settings();
	/*
	 * The whole range on one node: the test stays on the CPU it started
	 * on, whose node it allocates from. (On riscv each node has a CPU of
	 * its own: scripts/vm.sh.)
	 */
	ASSERT_EQ(rwp_stay_on_this_cpu(), 0);
	make_area(_metadata, env, &variant->c);
}

FIXTURE_TEARDOWN(migrate)
{
	struct migrate_env *env = &self->env;

	rwp_close(&env->ctx);
	if (env->wp_fd >= 0)
		close(env->wp_fd);
	if (env->area && env->area != MAP_FAILED)
		munmap(env->area, env->len);
	thp_restore_settings();
}

/* Is each grain's state in pagemap the one the variant gave it? */
static bool state_as_protected(struct migrate_env *env, const struct migrate_case *c)
{
	size_t i, per_grain = env->grain / psize();

	for (i = 0; i < env->len / env->grain; i++) {
		char *g = env->area + i * env->grain;
		bool prot = grain_protected(c, i);

		if (rwp_count_protected(g, env->grain) != (prot ? per_grain : 0))
			return false;
		if (!c->wp && prot && rwp_count_accessed(g, env->grain) != 0)
			return false;
	}
	return true;
}

TEST_F_TIMEOUT(migrate, to_the_other_node, 120)
{
	struct migrate_env *env = &self->env;
	const struct migrate_case *c = &variant->c;
	size_t i, n = env->len / psize(), wrong_node = 0, wrong_data = 0, wrong_faults = 0;
	void **pages;
	int *status;
	int from, to;

	if (c->wp) {
		env->wp_fd = uffd_wp_protect(env->area, env->len);
		ASSERT_GE(env->wp_fd, 0);
	} else {
		/*
		 * hugetlb: RWPROTECT ranges, and the handler's, cover whole huge
		 * pages; a THP's too, or they would split its PMD.
		 */
		env->ctx.grain = env->grain;
		ASSERT_EQ(rwp_register(&env->ctx, env->area, env->len), 0);
		for (i = 0; i < env->len / env->grain; i++) {
			if (!grain_protected(c, i))
				continue;
			ASSERT_EQ(rwp_protect(&env->ctx, env->area + i * env->grain,
					      env->grain, true), 0);
		}
	}
	ASSERT_TRUE(state_as_protected(env, c));

	pages = calloc(n, sizeof(*pages));
	status = calloc(n, sizeof(*status));
	ASSERT_TRUE(pages && status);
	for (i = 0; i < n; i++)
		pages[i] = env->area + i * psize();
	/* Where the pages are: all on one node, or some would not move. */
	ASSERT_EQ(move_pages_to(pages, status, n, -1), 0);
	from = status[0];
	for (i = 0; i < n; i++)
		wrong_node += status[i] != from;
	ASSERT_GE(from, 0);
	ASSERT_EQ(wrong_node, 0) TH_LOG("the range is on several nodes");
	to = other_node(from);
	ASSERT_GE(to, 0) TH_LOG("one NUMA node with memory: nowhere to migrate to");
	if (c->backing == ANON_THP)
		ASSERT_EQ(compact_node(to), 0);

	/* One address a folio: the others of a folio on its way are busy. */
	for (i = 0; i < env->len / env->folio; i++)
		pages[i] = env->area + i * env->folio;
	ASSERT_EQ(move_pages_to(pages, status, env->len / env->folio, to), 0);
	for (i = 0; i < n; i++)
		pages[i] = env->area + i * psize();
	ASSERT_EQ(move_pages_to(pages, status, n, -1), 0);
	for (i = 0; i < n; i++)
		wrong_node += status[i] != to;
	ASSERT_EQ(wrong_node, 0)
		TH_LOG("move_pages() left pages on node %d (first page: %d)", from, status[0]);
	free(pages);
	free(status);
	if (c->backing == ANON_MTHP || c->backing == ANON_THP)
		/* A split folio moves by other paths than this variant's. */
		ASSERT_TRUE(in_folios(env)) TH_LOG("the folios were split on the way");

	EXPECT_TRUE(state_as_protected(env, c))
		TH_LOG("migration lost or added protection");
	/* Sync RWP: the first read of a grain faults if it is protected. */
	for (i = 0; i < n; i++) {
		char *p = env->area + i * psize();

		wrong_data += p[0] != PATTERN(i) || p[psize() - 1] != PATTERN(i);
		if (!c->wp && i % (env->grain / psize()) == 0)
			wrong_faults += rwp_faults_at(&env->ctx, p) !=
					grain_protected(c, i * psize() / env->grain);
	}
	EXPECT_EQ(wrong_data, 0) TH_LOG("the data did not move with the pages");
	EXPECT_EQ(wrong_faults, 0) TH_LOG("a page faulted wrongly after migration");
}

TEST_HARNESS_MAIN
