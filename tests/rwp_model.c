// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of the RWP model: one per operation. Quotes are from
 * Documentation/admin-guide/mm/userfaultfd.rst of the 7.3 tree ("doc:")
 * unless another source is named; where the document is silent, the rule
 * says so and names the commit or code it rests on.
 */
#include <stdlib.h>
#include <string.h>

#include "rwp_model.h"

/* Pages in a PMD and in an mTHP folio: rwp_model_geometry(). */
static size_t pmd_pages, mthp_pages;

void rwp_model_geometry(size_t pmd, size_t mthp)
{
	pmd_pages = pmd;
	mthp_pages = mthp;
}

size_t rwp_range_block(int range)
{
	if (range == R_ANON4K)
		return 1;
	return range == R_ANON64K ? mthp_pages : pmd_pages;
}

size_t rwp_range_pages(int range)
{
	/* Two large folios of the mTHP range; 32 small pages of the 4K one. */
	if (range == R_ANON4K)
		return 32;
	return (range == R_ANON64K ? 2 : 1) * rwp_range_block(range);
}

size_t rwp_max_range_pages(void)
{
	size_t max = 0;
	int r;

	for (r = 0; r < NR_RANGES; r++)
		if (rwp_range_pages(r) > max)
			max = rwp_range_pages(r);
	return max;
}

static void set_features(struct rwp_model *m, const struct rwp_mode *mode)
{
	m->sync = mode->sync;
	m->event_fork = mode->event_fork;
	m->event_remap = mode->event_remap;
}

void model_init(struct rwp_model *m, const struct rwp_mode *mode)
{
	int r;
	size_t i;

	memset(m, 0, sizeof(*m));
	set_features(m, mode);
	for (r = 0; r < NR_RANGES; r++) {
		struct rwp_range_model *rm = &m->r[r];

		rm->kind = r;
		rm->shmem = r == R_SHMEM || r == R_SHMEM_WP;
		rm->wp = r == R_SHMEM_WP;
		rm->nr_pages = rwp_range_pages(r);
		rm->block = rwp_range_block(r);
		rm->pages = calloc(rm->nr_pages, sizeof(*rm->pages));
		/* The executor fills every page before registering: all populated. */
		for (i = 0; i < rm->nr_pages; i++) {
			rm->pages[i].state = OUT_ACC;
			rm->pages[i].data = (unsigned char)(0x10 + r * 0x20 + i % 16);
			rm->pages[i].allow = OUTBIT(OUT_ACC);
		}
	}
}

void model_free(struct rwp_model *m)
{
	int r;

	for (r = 0; r < NR_RANGES; r++)
		free(m->r[r].pages);
}

void model_begin(struct rwp_model *m)
{
	int r;
	size_t i;

	for (r = 0; r < NR_RANGES; r++)
		for (i = 0; i < m->r[r].nr_pages; i++)
			m->r[r].pages[i].allow = OUTBIT(m->r[r].pages[i].state);
}

static bool populated(const struct rwp_page *p)
{
	return p->state == OUT_ACC || p->state == OUT_PROT;
}

/* Moves a page to a state the kernel must show. */
static void set_state(struct rwp_page *p, enum rwp_out o)
{
	p->state = o;
	p->allow = OUTBIT(o);
}

/*
 * The documented exception, as a "may": splitting a large shmem folio
 * unmaps it from every mapping (a file folio is unmapped, not replaced by
 * migration entries, in unmap_folio()); doc (uffd-wp): "Dirty information
 * will not get lost if the pte was zapped due to various reasons (e.g.
 * during split of a shmem transparent huge page)": uffd-wp keeps a marker,
 * RWP keeps nothing ("Operations that drop the PTE entirely (...) also
 * drop the RWP marker").
 */
static void file_folio_may_split(struct rwp_range_model *rm)
{
	size_t i;

	for (i = 0; i < rm->nr_pages; i++) {
		struct rwp_page *p = &rm->pages[i];

		if (p->state == OUT_PROT)
			p->allow |= OUTBIT(rm->wp ? OUT_MARK : OUT_NONE);
		else if (p->state == OUT_ACC)
			p->allow |= OUTBIT(OUT_NONE);
	}
}

void rule_file_pmd_split(struct rwp_model *m, int r)
{
	struct rwp_range_model *rm = &m->r[r];
	size_t i;

	/*
	 * The documented exception: a file THP's PMD is split by erasing it
	 * (mm/mprotect.c, pgtable_split_needed(): "file thp is handled
	 * differently when split by erasing the pmd"; doc (uffd-wp): "if
	 * the pte was zapped due to various reasons (e.g. during split of a
	 * shmem transparent huge page)"): every page of the block goes
	 * missing, and with it any RWP state (doc: "Operations that drop the
	 * PTE entirely (...) also drop the RWP marker").
	 */
	for (i = 0; i < rm->nr_pages; i++)
		if (rm->pages[i].state == OUT_ACC || rm->pages[i].state == OUT_PROT)
			set_state(&rm->pages[i], OUT_NONE);
	rm->pt_maybe_freed = true;
}

void rule_protect(struct rwp_model *m, int r, size_t first, size_t n, bool on)
{
	struct rwp_range_model *rm = &m->r[r];
	size_t i;

	/* Installing markers allocates the page table. */
	if (rm->wp && on)
		rm->pt_maybe_freed = false;

	for (i = first; i < first + n && i < rm->nr_pages; i++) {
		struct rwp_page *p = &rm->pages[i];

		if (rm->wp) {
			/*
			 * doc (uffd-wp): "For file-backed memories like shmem
			 * and hugetlbfs, none ptes will be write protected just
			 * like a present pte." Unprotecting resolves the marker.
			 */
			if (on)
				set_state(p, populated(p) ? OUT_PROT : OUT_MARK);
			else
				set_state(p, populated(p) ? OUT_ACC : OUT_NONE);
			continue;
		}
		/*
		 * doc: "UFFDIO_RWPROTECT only affects entries that are already
		 * populated. Unpopulated addresses within the range remain
		 * unpopulated"; "Setting UFFDIO_RWPROTECT_MODE_RWP sets
		 * PROT_NONE on present PTEs in the range." and "Clearing
		 * UFFDIO_RWPROTECT_MODE_RWP restores normal VMA permissions".
		 * A swapped page counts as populated: "a page swapped out
		 * while RWP-protected carries the marker on its swap entry"
		 * (change_softleaf_pte() sets and clears it there too).
		 */
		if (populated(p))
			set_state(p, on ? OUT_PROT : OUT_ACC);
	}
}

/*
 * An anonymous fault on a missing page may allocate a large folio (64 KiB
 * mTHP, a PMD THP or the huge zero page) and populate its neighbours too:
 * they come up unprotected, as any fault on the missing path.
 */
static void block_may_populate(struct rwp_range_model *rm, size_t i)
{
	size_t b, start = i - i % rm->block;

	/*
	 * shmem: the fault maps one page, or (doc on THP is silent; mm:
	 * finish_fault()/do_set_pmd()) the whole THP by a PMD when there is
	 * no page table. A fault-around is off for RWP and uffd-wp VMAs
	 * (uffd_disable_fault_around()), and an RWP VMA's page table is never
	 * retracted: only an empty table freed by a zap, or an erased PMD,
	 * leaves no table.
	 */
	if (rm->shmem) {
		if (!rm->pt_maybe_freed)
			return;
		rm->pt_maybe_freed = false;
	}
	for (b = start; b < start + rm->block && b < rm->nr_pages; b++)
		if (rm->pages[b].state == OUT_NONE)
			rm->pages[b].allow |= OUTBIT(OUT_ACC);
}

bool rule_access(struct rwp_model *m, int r, size_t i, enum rwp_access how,
		 bool write, unsigned char val, bool pmd_mapped)
{
	struct rwp_range_model *rm = &m->r[r];
	struct rwp_page *p = &rm->pages[i];
	size_t b, start;

	if (rm->wp) {
		/* The executor only reads the uffd-wp range: reads never fault on WP. */
		if (p->state == OUT_NONE) {
			block_may_populate(rm, i);
			set_state(p, OUT_ACC);
		} else if (p->state == OUT_MARK) {
			/* A marker keeps the protection on the page faulted in. */
			set_state(p, OUT_PROT);
		}
		return true;
	}
	switch (p->state) {
	case OUT_NONE:
		/*
		 * doc: "when first accessed they fault through the normal
		 * missing path (...) and the resulting PTE is not
		 * RWP-protected."
		 */
		block_may_populate(rm, i);
		set_state(p, OUT_ACC);
		break;
	case OUT_PROT:
		if (m->sync) {
			/*
			 * doc: "Sync mode (default): The faulting thread blocks
			 * and a UFFD_PAGEFAULT_FLAG_RWP message is delivered to
			 * the userfaultfd handler." A GUP that cannot drop
			 * mmap_lock cannot block: handle_userfault() fails it
			 * (VM_FAULT_SIGBUS) and the page stays protected; it
			 * must not read through unreported either.
			 */
			if (how == ACC_GUP_NORETRY)
				return false;
			/*
			 * "The handler resolves the fault with UFFDIO_RWPROTECT
			 * (clearing MODE_RWP)": ours clears the faulting page.
			 */
			p->faults++;
			set_state(p, OUT_ACC);
			break;
		}
		/*
		 * doc: "Async mode (UFFD_FEATURE_RWP_ASYNC): The kernel
		 * automatically restores PTE permissions and the thread
		 * continues without blocking. No message is delivered to the
		 * handler." A PMD-mapped THP has one entry for all its pages:
		 * resolving it makes every page accessed (the series keeps
		 * the PMD on UFFDIO_RWPROTECT; rwp-brief.md, THP traps).
		 */
		if (pmd_mapped) {
			start = i - i % rm->block;
			for (b = start; b < start + rm->block; b++)
				if (rm->pages[b].state == OUT_PROT)
					set_state(&rm->pages[b], OUT_ACC);
		}
		set_state(p, OUT_ACC);
		break;
	default:
		break;
	}
	if (write) {
		p->data = val;
		/* A write after MADV_FREE cancels the lazy free (madvise(2)). */
		p->lazy = false;
	}
	return true;
}

void rule_foll_force_prot_none(struct rwp_model *m, int r, size_t i)
{
	struct rwp_range_model *rm = &m->r[r];
	struct rwp_page *p = &rm->pages[i];

	/*
	 * The document is silent; v6 of the series (rwp-brief.md, History):
	 * "gup_can_follow_protnone() forces the RWP fault only on
	 * *accessible* VMAs": a FOLL_FORCE read of an RWP VMA that is
	 * mprotect(PROT_NONE) reads through the marker and must complete,
	 * not loop. A missing page is faulted in as usual; mprotect() keeps
	 * the uffd bit both ways (mm/mprotect.c: "pte_modify() preserves
	 * _PAGE_UFFD"), so a protected page stays protected.
	 */
	if (p->state == OUT_NONE) {
		block_may_populate(rm, i);
		set_state(p, OUT_ACC);
	} else if (p->state == OUT_MARK) {
		set_state(p, OUT_PROT);
	}
}

/* After a zap: did it leave the shmem block without a PTE (PT_RECLAIM)? */
static void note_empty_table(struct rwp_range_model *rm)
{
	size_t i;

	if (!rm->shmem)
		return;
	for (i = 0; i < rm->nr_pages; i++)
		if (rm->pages[i].state != OUT_NONE)
			return;
	rm->pt_maybe_freed = true;
}

void rule_dontneed(struct rwp_model *m, int r, size_t first, size_t n)
{
	struct rwp_range_model *rm = &m->r[r];
	size_t i;

	for (i = first; i < first + n && i < rm->nr_pages; i++) {
		struct rwp_page *p = &rm->pages[i];

		if (rm->wp) {
			/*
			 * doc (uffd-wp async): "Dirty information will not get
			 * lost if the pte was zapped": the zap leaves a marker.
			 */
			set_state(p, p->state == OUT_PROT || p->state == OUT_MARK ?
				  OUT_MARK : OUT_NONE);
			continue;
		}
		/*
		 * doc: "Operations that drop the PTE entirely — MADV_DONTNEED
		 * on anonymous memory, hole-punch on shmem, truncation of a
		 * file mapping — also drop the RWP marker: the next access
		 * re-populates the range without protection." Anonymous data
		 * is gone (zero-fill on the next access); shmem keeps it in
		 * the page cache.
		 */
		set_state(p, OUT_NONE);
		if (!rm->shmem) {
			p->data = 0;
			p->lazy = false;
		}
	}
	note_empty_table(rm);
}

void rule_punch(struct rwp_model *m, int r, size_t first, size_t n)
{
	struct rwp_range_model *rm = &m->r[r];
	size_t i;

	/*
	 * Punching part of a large folio unmaps all of it before splitting
	 * it (truncate_inode_partial_folio()): the rest of the block may go
	 * missing too, keeping its data (doc (uffd-wp): "if the pte was
	 * zapped due to various reasons (e.g. during split of a shmem
	 * transparent huge page)"; RWP keeps nothing across a zap).
	 */
	file_folio_may_split(rm);
	for (i = first; i < first + n && i < rm->nr_pages; i++) {
		struct rwp_page *p = &rm->pages[i];
		bool marked = p->state == OUT_PROT || p->state == OUT_MARK;

		/* doc: "hole-punch on shmem (...) also drop the RWP marker". */
		set_state(p, OUT_NONE);
		p->data = 0;
		/*
		 * uffd-wp: a punch may keep the marker or drop it with the
		 * page (the document says neither): allow both.
		 */
		if (rm->wp && marked)
			p->allow |= OUTBIT(OUT_MARK);
	}
}

void rule_free(struct rwp_model *m, int r, size_t first, size_t n, const bool *swapped)
{
	struct rwp_range_model *rm = &m->r[r];
	size_t i;

	/* MADV_FREE applies to private anonymous memory only (EINVAL otherwise). */
	if (rm->shmem)
		return;
	for (i = first; i < first + n && i < rm->nr_pages; i++) {
		struct rwp_page *p = &rm->pages[i];

		if (!populated(p))
			continue;
		/*
		 * madvise(2): the kernel frees the pages lazily, when it needs
		 * memory; a swapped-out page's swap is freed now. The document
		 * has no RWP exception: a lazily freed page keeps its state
		 * until reclaim drops it with the PTE (rule_reclaim()).
		 */
		if (swapped[i]) {
			set_state(p, OUT_NONE);
			p->data = 0;
			p->lazy = false;
		} else {
			p->lazy = true;
		}
	}
}

void rule_reclaim(struct rwp_model *m, int r, size_t first, size_t n)
{
	struct rwp_range_model *rm = &m->r[r];
	size_t i;

	/*
	 * Reclaim unmaps a whole folio from every mapping (try_to_unmap()):
	 * paging out part of a large shmem folio may take all of it.
	 */
	if (rm->shmem) {
		first = 0;
		n = rm->nr_pages;
	}

	for (i = first; i < first + n && i < rm->nr_pages; i++) {
		struct rwp_page *p = &rm->pages[i];

		if (rm->wp) {
			/* uffd-wp: a reclaimed shmem page leaves its marker behind. */
			if (p->state == OUT_PROT)
				p->allow |= OUTBIT(OUT_MARK);
			else if (p->state == OUT_ACC)
				p->allow |= OUTBIT(OUT_NONE);
			continue;
		}
		if (!populated(p))
			continue;
		if (rm->shmem) {
			/*
			 * The documented exception: "for anon it survives swap
			 * (pte_swp_uffd); for shmem it is dropped on reclaim"
			 * (rwp-brief.md, uAPI; tests/rwp_reclaim_test.c,
			 * shmem_mthp_drops_protection): the PTE goes, the data
			 * stays in the file.
			 */
			p->allow |= OUTBIT(OUT_NONE);
		} else if (p->lazy) {
			/*
			 * A lazily freed page may be discarded (zero-filled on
			 * the next access) or kept (it was pinned, or redirtied)
			 * with its own protection: the restore of an aborted
			 * unmap must not change it.
			 */
			p->allow |= OUTBIT(OUT_NONE);
		}
		/*
		 * Otherwise: doc: "Protection is preserved across page
		 * reclaim: a page swapped out while RWP-protected carries the
		 * marker on its swap entry, and swap-in restores the PROT_NONE
		 * state" (populated either way: no change).
		 */
	}
}

void rule_migrate(struct rwp_model *m, int r)
{
	/*
	 * doc: "The same applies to pages temporarily replaced by migration
	 * entries": migration keeps every page's state; but compaction may
	 * split a large folio it cannot move whole, and a file folio's split
	 * is the exception above.
	 */
	if (m->r[r].shmem)
		file_folio_may_split(&m->r[r]);
}

void rule_collapse(struct rwp_model *m, int r)
{
	struct rwp_range_model *rm = &m->r[r];

	switch (rm->kind) {
	case R_ANONTHP:
		/*
		 * Anonymous collapse stops at any PTE with the uffd bit
		 * (rwp-brief.md: "the pte_uffd() checks in
		 * __collapse_huge_page_isolate() ... and collapse_scan_pmd()"),
		 * and in a uffd-armed VMA at any missing one too
		 * (mm/khugepaged.c, collapse_max_ptes_none(): "if (vma &&
		 * userfaultfd_armed(vma)) return 0", before MADV_COLLAPSE's
		 * "allow any empty"): what it may collapse is all present and
		 * accessed, and stays so, with its data. No page changes;
		 * a missing page that came back would be a page no fault
		 * populated, which UFFDIO_REGISTER_MODE_MISSING promises not
		 * to happen.
		 */
		return;
	case R_SHMEM:
	case R_SHMEM_WP:
		/*
		 * MADV_COLLAPSE of this VMA or of another mapping of the
		 * memfd. mm/khugepaged.c, retract_page_tables(): "When a vma
		 * is registered with uffd-wp or RWP, we cannot recycle the
		 * page table (...) it will always be mapped in small page size
		 * for these registrations", and try_collapse_pte_mapped_thp()
		 * "Keep pmd pgtable while the uffd bit is in use": no PMD ever
		 * maps this VMA, so nothing missing becomes populated. A
		 * collapse that copies small folios into a THP unmaps the old
		 * ones (collapse_file(): try_to_unmap()): for RWP that drops
		 * the PTE and its marker (doc: "Operations that drop the PTE
		 * entirely (...) also drop the RWP marker"); for uffd-wp the
		 * protection stays on a marker ("Dirty information will not
		 * get lost if the pte was zapped").
		 */
		file_folio_may_split(rm);
		return;
	default:
		/* MADV_NOHUGEPAGE, or smaller than a PMD: nothing to collapse. */
		return;
	}
}

void rule_khugepaged(struct rwp_model *m, int r)
{
	/*
	 * The daemon's collapse is MADV_COLLAPSE's, with the same refusals
	 * (for anon the pte_uffd() checks and collapse_max_ptes_none(), which
	 * ask nothing of the caller once the VMA is uffd-armed; mTHP orders
	 * too), and for shmem the twin mapping's collapse and the retraction
	 * of every mapping's page table are MADV_COLLAPSE of another mapping's.
	 */
	rule_collapse(m, r);
}

void rule_mremap(struct rwp_model *m, int r)
{
	struct rwp_range_model *rm = &m->r[r];
	size_t i;

	/*
	 * doc: UFFD_FEATURE_EVENT_REMAP: "When the non-cooperative process
	 * moves a virtual memory area to a different location, the manager
	 * will receive UFFD_EVENT_REMAP": the moved area stays the manager's,
	 * registered, and every page keeps its state (the PTEs move). Without
	 * it the doc is silent; mm/userfaultfd.c, mremap_userfaultfd_prep():
	 * "Drop uffd context if remap feature not enabled", and mm/mremap.c,
	 * move_ptes() and mm/huge_memory.c, move_huge_pmd(), under
	 * vma_has_uffd_without_event_remap(), "normalise RWP PTEs so the
	 * destination starts accessible", clear the uffd bit of present and
	 * swap entries and drop a uffd-wp marker (pte_clear()): a page of an
	 * unregistered VMA is never left PROT_NONE, as after unregistering.
	 * The executor registers the range again at once. The uffd-wp
	 * context never has EVENT_REMAP.
	 */
	if (m->event_remap && !rm->wp)
		return;
	for (i = 0; i < rm->nr_pages; i++) {
		struct rwp_page *p = &rm->pages[i];

		if (p->state == OUT_PROT)
			set_state(p, OUT_ACC);
		else if (p->state == OUT_MARK)
			set_state(p, OUT_NONE);
	}
}

void rule_numa_scan(struct rwp_model *m)
{
	/*
	 * doc: RWP "uses the PROT_NONE hinting mechanism (same as NUMA
	 * balancing)"; the uffd bit tells the two apart. mm/mprotect.c: "If
	 * mprotect() or NUMA hinting changed the base protection, restore
	 * PAGE_NONE so the PTE still traps"; mm/memory.c: "On a VM_UFFD_RWP
	 * VMA, a protnone PTE without the uffd bit is NUMA hinting" and goes
	 * to do_numa_page(), whose large-folio rebuild leaves "RWP-armed
	 * PTEs" alone. So a hinting entry is no RWP state:
	 * the scan changes no page's state, an access resolving one delivers
	 * no RWP message, and the pages' contents stay.
	 */
}

void rule_unregister(struct rwp_model *m, int r)
{
	struct rwp_range_model *rm = &m->r[r];
	size_t i;

	/*
	 * doc: "When the userfaultfd is closed or the range is unregistered,
	 * all PROT_NONE PTEs are automatically restored to their normal VMA
	 * permissions." The executor registers the range again at once:
	 * "PAGE_IS_ACCESSED once the bit is clear on a VM_UFFD_RWP VMA".
	 * uffd-wp: unregistering resolves the protection; a marker may be
	 * cleared or left (it no longer means anything).
	 */
	for (i = 0; i < rm->nr_pages; i++) {
		struct rwp_page *p = &rm->pages[i];

		if (p->state == OUT_PROT) {
			set_state(p, OUT_ACC);
		} else if (p->state == OUT_MARK) {
			set_state(p, OUT_NONE);
			p->allow |= OUTBIT(OUT_MARK);
		}
	}
}

void rule_reopen(struct rwp_model *m, const struct rwp_mode *mode)
{
	int r;

	/*
	 * doc: "When the userfaultfd is closed or the range is unregistered,
	 * all PROT_NONE PTEs are automatically restored": the old context's
	 * ranges lose their protection (rule_unregister()), and the new
	 * context's features are the ones UFFDIO_API negotiated for it. The
	 * uffd-wp range keeps its own context.
	 */
	for (r = 0; r < NR_RANGES; r++)
		if (!m->r[r].wp)
			rule_unregister(m, r);
	set_features(m, mode);
}

void rule_set_mode(struct rwp_model *m, bool sync)
{
	/*
	 * doc: "UFFDIO_SET_MODE toggles UFFD_FEATURE_RWP_ASYNC at runtime,
	 * allowing the VMM to switch between lightweight async detection and
	 * safe sync eviction without re-registering." No page changes.
	 */
	m->sync = sync;
}

unsigned int rule_fork_child(const struct rwp_model *m, int r, size_t i)
{
	const struct rwp_range_model *rm = &m->r[r];
	const struct rwp_page *p = &rm->pages[i];
	unsigned int allow;

	if (!populated(p))
		return OUTBIT(OUT_NONE) | (p->state == OUT_MARK ? OUTBIT(OUT_MARK) : 0);
	/*
	 * doc: UFFD_FEATURE_EVENT_FORK: "the userfaultfd context of the
	 * parent process is duplicated into the newly created process": the
	 * child's RWP VMAs stay registered and its pages keep their state.
	 * Without it the child's VMAs are not registered, and a page of an
	 * unregistered VMA is never left PROT_NONE ("all PROT_NONE PTEs are
	 * automatically restored"). The uffd-wp range uses a context without
	 * EVENT_FORK.
	 */
	if (m->event_fork && !rm->wp)
		allow = OUTBIT(p->state);
	else
		allow = OUTBIT(OUT_ACC);
	/*
	 * fork() need not copy the PTEs of a shared file mapping (the child
	 * faults them in): shmem may show as missing in the child.
	 */
	if (rm->shmem)
		allow |= OUTBIT(OUT_NONE) | (rm->wp && p->state == OUT_PROT ? OUTBIT(OUT_MARK) : 0);
	return allow;
}

bool model_adopt(struct rwp_model *m, int r, size_t i, enum rwp_out seen)
{
	struct rwp_range_model *rm = &m->r[r];
	struct rwp_page *p = &rm->pages[i];

	if (!(p->allow & OUTBIT(seen)))
		return false;
	if (seen == p->state)
		return true;
	if (!rm->shmem && (seen == OUT_NONE || p->state == OUT_NONE)) {
		/* Anonymous memory dropped, or populated by a fault: zero. */
		p->data = 0;
		p->lazy = false;
	}
	p->state = seen;
	p->allow = OUTBIT(seen);
	return true;
}

const char *out_name(enum rwp_out o)
{
	static const char * const names[NR_OUTS] = {
		[OUT_NONE] = "missing", [OUT_ACC] = "accessed",
		[OUT_PROT] = "protected", [OUT_MARK] = "marker",
	};

	return o < NR_OUTS ? names[o] : "?";
}
