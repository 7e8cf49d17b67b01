/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Provider hooks for the userfaultfd protection gates.
 *
 * Three mm paths outside the fault handler must honour per-PTE userfaultfd
 * protection (VM_UFFD_WP, VM_UFFD_RWP) or it is silently destroyed or
 * bypassed: GUP following a protnone entry, khugepaged collapsing or
 * retracting a page table, and rmap batching PTEs when it unmaps a large
 * folio. Each asks one predicate here.
 *
 * With no provider registered each predicate is the stock C below, behind a
 * static key, so it costs a patched-out branch. One module at a time can
 * register a provider that supplies the decisions instead, to run the mm
 * under another policy and to compare that policy with the stock one.
 */
#ifndef _LINUX_RWP_GATE_H
#define _LINUX_RWP_GATE_H

#include <linux/jump_label.h>
#include <linux/mm.h>
#include <linux/types.h>
#include <linux/userfaultfd_k.h>

/* Bump when struct rwp_gate_ops changes meaning or layout. */
#define RWP_GATE_OPS_VERSION	1

/**
 * struct rwp_gate_ops - a provider of the userfaultfd protection gates
 * @size: sizeof(struct rwp_gate_ops) as the provider was built.
 * @version: RWP_GATE_OPS_VERSION as the provider was built.
 * @gup_can_follow_protnone: may GUP follow a protnone entry in @vma for a
 *	walk with FOLL_* @gup_flags, or must it fault? Called from the GUP
 *	slow path with the mmap lock or the VMA lock held.
 * @collapse_refused: must try_collapse_pte_mapped_thp() leave the page table
 *	of @vma alone? Called with the mmap lock held.
 * @retract_refused: must retract_page_tables() skip @vma? Called with the
 *	file's i_mmap_rwsem held for read, sometimes also with the PMD and PTE
 *	locks; no mmap lock is held.
 * @unmap_batch_capped: must try_to_unmap_one() unmap a large folio in @vma
 *	one PTE at a time? Called from the rmap walk: the folio lock, the
 *	anon_vma or i_mmap lock and the PTE lock are held.
 *
 * Every entry is required. They run with preemption disabled and often under
 * spinlocks: they must not sleep, must not modify the VMA, and should be pure
 * functions of their arguments.
 */
struct rwp_gate_ops {
	u32 size;
	u32 version;
	bool (*gup_can_follow_protnone)(const struct vm_area_struct *vma,
					unsigned int gup_flags);
	bool (*collapse_refused)(struct vm_area_struct *vma);
	bool (*retract_refused)(struct vm_area_struct *vma);
	bool (*unmap_batch_capped)(struct vm_area_struct *vma);
};

/*
 * The stock decisions. The callers below use them when no provider is
 * registered; rwp_gate_stock_ops makes them reachable from a module, so a
 * provider can be tested against them on the same input.
 */
static inline bool
rwp_gate_stock_gup_can_follow_protnone(const struct vm_area_struct *vma,
				       unsigned int gup_flags)
{
	return gup_can_follow_protnone(vma, gup_flags);
}

/* Keep the PTE table while the uffd bit is in use; see retract_page_tables(). */
static inline bool rwp_gate_stock_collapse_refused(struct vm_area_struct *vma)
{
	return userfaultfd_protected(vma);
}

/* A recycled PTE table would take the uffd-wp markers and RWP bits with it. */
static inline bool rwp_gate_stock_retract_refused(struct vm_area_struct *vma)
{
	return userfaultfd_protected(vma);
}

/*
 * folio_pte_batch_flags() ignores neither the uffd bit nor the PAGE_NONE
 * encoding, so a batch never mixes protected and unprotected PTEs and the
 * restore path cannot spread one PTE's marker over its neighbours.
 */
static inline bool rwp_gate_stock_unmap_batch_capped(struct vm_area_struct *vma)
{
	return false;
}

#ifdef CONFIG_RWP_GATE
extern const struct rwp_gate_ops rwp_gate_stock_ops;
DECLARE_STATIC_KEY_FALSE(rwp_gate_provided);

int rwp_gate_register(const struct rwp_gate_ops *ops);
void rwp_gate_unregister(const struct rwp_gate_ops *ops);

bool __rwp_gate_gup_can_follow_protnone(const struct vm_area_struct *vma,
					unsigned int gup_flags);
bool __rwp_gate_collapse_refused(struct vm_area_struct *vma);
bool __rwp_gate_retract_refused(struct vm_area_struct *vma);
bool __rwp_gate_unmap_batch_capped(struct vm_area_struct *vma);

#define rwp_gate_provider_active() static_branch_unlikely(&rwp_gate_provided)
#else
#define rwp_gate_provider_active() false
#define __rwp_gate_gup_can_follow_protnone rwp_gate_stock_gup_can_follow_protnone
#define __rwp_gate_collapse_refused rwp_gate_stock_collapse_refused
#define __rwp_gate_retract_refused rwp_gate_stock_retract_refused
#define __rwp_gate_unmap_batch_capped rwp_gate_stock_unmap_batch_capped
#endif

/* The gates, as the mm calls them. */
static inline bool rwp_gate_gup_can_follow_protnone(const struct vm_area_struct *vma,
						    unsigned int gup_flags)
{
	if (rwp_gate_provider_active())
		return __rwp_gate_gup_can_follow_protnone(vma, gup_flags);
	return rwp_gate_stock_gup_can_follow_protnone(vma, gup_flags);
}

static inline bool rwp_gate_collapse_refused(struct vm_area_struct *vma)
{
	if (rwp_gate_provider_active())
		return __rwp_gate_collapse_refused(vma);
	return rwp_gate_stock_collapse_refused(vma);
}

static inline bool rwp_gate_retract_refused(struct vm_area_struct *vma)
{
	if (rwp_gate_provider_active())
		return __rwp_gate_retract_refused(vma);
	return rwp_gate_stock_retract_refused(vma);
}

static inline bool rwp_gate_unmap_batch_capped(struct vm_area_struct *vma)
{
	if (rwp_gate_provider_active())
		return __rwp_gate_unmap_batch_capped(vma);
	return rwp_gate_stock_unmap_batch_capped(vma);
}

#endif /* _LINUX_RWP_GATE_H */
