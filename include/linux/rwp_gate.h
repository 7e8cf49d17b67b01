/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Providers of the userfaultfd protection gates.
 *
 * Three mm paths outside the fault handler must honour per-PTE userfaultfd
 * protection (VM_UFFD_WP, VM_UFFD_RWP) or it is silently destroyed or
 * bypassed: GUP following a protnone entry, khugepaged collapsing or
 * retracting a page table, and rmap batching PTEs when it unmaps a large
 * folio. Each asks one gate (mm/rwp_gate.h).
 *
 * With no provider registered each gate is the stock C, behind a static
 * key, so it costs a patched-out branch. One module at a time can register
 * a provider that supplies the decisions instead, to run the mm under
 * another policy and to compare that policy with the stock one. This can
 * switch off the protection the gates exist for, so it is a debugging
 * facility (CONFIG_RWP_GATE, under DEBUG_KERNEL).
 *
 * A provider written for tests may also ask the mm to re-create bugs that
 * review of RWP found elsewhere (enum rwp_gate_recreate), at the sites
 * that had them, for as long as it is registered.
 */
#ifndef _LINUX_RWP_GATE_H
#define _LINUX_RWP_GATE_H

#include <linux/jump_label.h>
#include <linux/mm_types.h>

struct module;

/**
 * enum rwp_gate_gup_site - where GUP asks gup_can_follow_protnone()
 * @RWP_GATE_GUP_PTE: follow_page_pte(), a PTE-mapped page.
 * @RWP_GATE_GUP_PMD: follow_pmd_mask(), before it looks at a PMD leaf.
 * @RWP_GATE_GUP_HUGE_PMD: follow_huge_pmd(), a PMD-mapped THP.
 * @RWP_GATE_GUP_NR_SITES: the number of sites.
 */
enum rwp_gate_gup_site {
	RWP_GATE_GUP_PTE,
	RWP_GATE_GUP_PMD,
	RWP_GATE_GUP_HUGE_PMD,
	RWP_GATE_GUP_NR_SITES,
};

/**
 * enum rwp_gate_unmap_batch - how try_to_unmap_one() may batch PTEs
 * @RWP_GATE_UNMAP_BATCH: as the stock code does: a batch only spans PTEs
 *	that agree on everything a restore would copy, the uffd bit and the
 *	protnone encoding included.
 * @RWP_GATE_UNMAP_ONE: one PTE at a time.
 * @RWP_GATE_UNMAP_IGNORE_PROT: batch present PTEs whatever their uffd bit
 *	and protection encoding, starting from an accessible one, so that a
 *	batch may mix protected and unprotected PTEs and a failed unmap
 *	restores them all with the first one's uffd bit and protection. This
 *	is the bug the stock answer prevents, for tests to show that they
 *	catch it, and only that bug: the write and soft-dirty bits must still
 *	agree across the batch, so a restore never makes a PTE writable or
 *	drops its soft-dirty bit.
 */
enum rwp_gate_unmap_batch {
	RWP_GATE_UNMAP_BATCH,
	RWP_GATE_UNMAP_ONE,
	RWP_GATE_UNMAP_IGNORE_PROT,
};

/**
 * enum rwp_gate_recreate - a bug that review of the RWP series found,
 *	which the mm re-creates while a provider asks for it
 * @RWP_GATE_RECREATE_FORK_COPY: fork()'s copy of a page table
 *	(copy_pte_range(): present, swap and migration entries, and the copy
 *	of a pinned page) treats the uffd bit as it did before RWP: a PTE
 *	copied into a child keeps it only if the child's VMA has uffd-wp, and
 *	an RWP entry's PAGE_NONE is copied as it is, so the protected pages
 *	of a child registered for RWP (EVENT_FORK) lose their bit and trap as
 *	NUMA hinting entries, unseen by RWP. A THP's or hugetlb page's copy
 *	is as in 7.3.
 * @RWP_GATE_RECREATE_FAULT_AROUND: a read fault in an RWP VMA maps its
 *	neighbours from the page cache too (uffd_disable_fault_around() before
 *	v9): pages nobody touched show as accessed.
 * @RWP_GATE_RECREATE_SPLIT_PROT: the split of a protected anonymous PMD
 *	gives its PTEs the uffd bit but the VMA's protection, not PAGE_NONE:
 *	the pages look protected and are read without a fault.
 * @RWP_GATE_RECREATE_PAGEMAP_HOLE: PAGEMAP_SCAN reports a range that has
 *	no page table as written in every VMA, as it did before the series,
 *	while an empty PTE outside uffd-wp is reported as nothing.
 * @RWP_GATE_RECREATE_SWAP_COW: a write fault that swaps in a protected
 *	page of an RWP VMA which it cannot map exclusive (another process
 *	still maps the swap entry) breaks COW at once, as before v8: the copy
 *	is mapped writable without the uffd bit, and the write is never
 *	reported.
 * @RWP_GATE_NR_RECREATES: the number of bugs.
 *
 * Each is a bug that tests of RWP should be seen to catch. The stock mm
 * has none of them; the sites test a static key each, so a kernel without
 * a provider that asks for one pays a patched-out branch.
 */
enum rwp_gate_recreate {
	RWP_GATE_RECREATE_FORK_COPY,
	RWP_GATE_RECREATE_FAULT_AROUND,
	RWP_GATE_RECREATE_SPLIT_PROT,
	RWP_GATE_RECREATE_PAGEMAP_HOLE,
	RWP_GATE_RECREATE_SWAP_COW,
	RWP_GATE_NR_RECREATES,
};

/**
 * struct rwp_gate_ops - a provider of the userfaultfd protection gates
 * @owner: the module whose code the entries are, or NULL if built in.
 *	Should that module be unloaded with its provider still registered,
 *	the gates go back to the stock decisions before its code is freed.
 * @gup_can_follow_protnone: may GUP follow a protnone entry in a VMA with
 *	@vma_flags, for a walk with FOLL_* @gup_flags, asked at @site? Called
 *	from the GUP slow path (__get_user_pages()) with the mmap lock held.
 *	Return: true to follow the entry, false to fault.
 * @collapse_refused: must try_collapse_pte_mapped_thp() leave the page table
 *	of a VMA with @vma_flags alone? Called with the mmap lock held.
 *	Return: true to refuse.
 * @retract_refused: must retract_page_tables() skip a VMA with @vma_flags?
 *	Called with the file's i_mmap_rwsem held for read, sometimes also with
 *	the PMD and PTE locks; no mmap lock is held. Return: true to keep the
 *	VMA's page table.
 * @unmap_batch: how may try_to_unmap_one() batch the PTEs of a large folio
 *	in a VMA with @vma_flags? Called from the rmap walk: the folio lock,
 *	the anon_vma or i_mmap lock and the PTE lock are held.
 * @recreates: the bugs of enum rwp_gate_recreate the mm re-creates while
 *	the provider is registered, BIT(RWP_GATE_RECREATE_*) each; 0 for a
 *	provider that only decides the gates.
 *
 * Each entry decides on a snapshot of the VMA's flags that the gate took
 * once, under the locks its caller holds; a provider never sees the VMA.
 *
 * Every entry is required. They run with preemption disabled, most of them
 * under a page table lock: an entry must not sleep, and must take no
 * spinlock_t (which sleeps on PREEMPT_RT), only a raw_spinlock_t.
 */
struct rwp_gate_ops {
	struct module *owner;
	bool (*gup_can_follow_protnone)(vma_flags_t vma_flags,
					unsigned int gup_flags,
					enum rwp_gate_gup_site site);
	bool (*collapse_refused)(vma_flags_t vma_flags);
	bool (*retract_refused)(vma_flags_t vma_flags);
	enum rwp_gate_unmap_batch (*unmap_batch)(vma_flags_t vma_flags);
	unsigned long recreates;
};

#ifdef CONFIG_RWP_GATE
/*
 * The decisions the mm makes with no provider, for a provider to test its
 * own against on the same input.
 */
bool rwp_gate_stock_gup_can_follow_protnone(vma_flags_t vma_flags, unsigned int gup_flags,
					    enum rwp_gate_gup_site site);
bool rwp_gate_stock_collapse_refused(vma_flags_t vma_flags);
bool rwp_gate_stock_retract_refused(vma_flags_t vma_flags);
enum rwp_gate_unmap_batch rwp_gate_stock_unmap_batch(vma_flags_t vma_flags);

int rwp_gate_register(const struct rwp_gate_ops *ops);
void rwp_gate_unregister(const struct rwp_gate_ops *ops);

/* For the sites of enum rwp_gate_recreate, built in: not exported. */
extern struct static_key_false rwp_gate_recreating[RWP_GATE_NR_RECREATES];

/*
 * Is the mm to re-create @bug? An operation that races with the
 * registration of the provider may see the old answer at one site and the
 * new one at the next: a test registers its provider first.
 */
static __always_inline bool rwp_gate_recreates(enum rwp_gate_recreate bug)
{
	return static_branch_unlikely(&rwp_gate_recreating[bug]);
}
#else
static __always_inline bool rwp_gate_recreates(enum rwp_gate_recreate bug)
{
	return false;
}
#endif

#endif /* _LINUX_RWP_GATE_H */
