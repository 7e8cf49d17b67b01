/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Provider hooks for the userfaultfd protection gates.
 *
 * Three mm paths outside the fault handler must honour per-PTE userfaultfd
 * protection (VM_UFFD_WP, VM_UFFD_RWP) or it is silently destroyed or
 * bypassed: GUP following a protnone entry, khugepaged collapsing or
 * retracting a page table, and rmap batching PTEs when it unmaps a large
 * folio. Each asks one predicate (mm/internal.h).
 *
 * With no provider registered each predicate is the stock C, behind a
 * static key, so it costs a patched-out branch. One module at a time can
 * register a provider that supplies the decisions instead, to run the mm
 * under another policy and to compare that policy with the stock one. This
 * can switch off the protection the predicates exist for, so it is a
 * debugging facility (CONFIG_RWP_GATE, under DEBUG_KERNEL).
 */
#ifndef _LINUX_RWP_GATE_H
#define _LINUX_RWP_GATE_H

#include <linux/types.h>

struct vm_area_struct;

/* Bump when struct rwp_gate_ops changes meaning or layout. */
#define RWP_GATE_OPS_VERSION	1

/**
 * struct rwp_gate_ops - a provider of the userfaultfd protection gates
 * @size: sizeof(struct rwp_gate_ops) as the provider was built.
 * @version: RWP_GATE_OPS_VERSION as the provider was built.
 * @gup_can_follow_protnone: may GUP follow a protnone entry in @vma for a
 *	walk with FOLL_* @gup_flags? Called from the GUP slow path with the
 *	mmap lock held. Return: true to follow the entry, false to fault.
 * @collapse_refused: must try_collapse_pte_mapped_thp() leave the page table
 *	of @vma alone? Called with the mmap lock held. Return: true to refuse
 *	the collapse.
 * @retract_refused: must retract_page_tables() skip @vma? Called with the
 *	file's i_mmap_rwsem held for read, sometimes also with the PMD and PTE
 *	locks; no mmap lock is held. Return: true to keep @vma's page table.
 * @unmap_batch_capped: must try_to_unmap_one() unmap a large folio in @vma
 *	one PTE at a time? Called from the rmap walk: the folio lock, the
 *	anon_vma or i_mmap lock and the PTE lock are held. Return: true to
 *	cap the batch at one PTE.
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

#ifdef CONFIG_RWP_GATE
/* The decisions the mm makes with no provider, for providers to test against. */
extern const struct rwp_gate_ops rwp_gate_stock_ops;

int rwp_gate_register(const struct rwp_gate_ops *ops);
void rwp_gate_unregister(const struct rwp_gate_ops *ops);
#endif

#endif /* _LINUX_RWP_GATE_H */
