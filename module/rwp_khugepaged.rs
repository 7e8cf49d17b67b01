// SPDX-License-Identifier: GPL-2.0

//! The khugepaged gates: collapse (`try_collapse_pte_mapped_thp()`) and page-table retraction
//! (`file_backed_vma_is_retractable()`).
//!
//! Both replace a VMA's PTE table with a PMD mapping of a huge folio. The PTE table is where the
//! uffd-wp markers and the RWP bits live, so doing that to a protected VMA wipes its per-PTE
//! state: every page reads as accessed and writable again. Anonymous collapse is refused
//! independently by the `pte_uffd()` checks of the scan, so these gates decide file and shmem
//! collapse only.

use crate::rwp_flags::VmaFlags;
use crate::rwp_policy::Policy;
use kernel::{
    bindings,
    mm::virt::VmaRef, //
};

/// Whether the uffd state of a VMA forbids collapsing or retracting its PTE table.
pub(crate) fn collapse_refused(policy: Policy, vma: VmaFlags) -> bool {
    match policy {
        Policy::Merged | Policy::Seed => vma.uffd_protected(),
        Policy::WpOnly => vma.uffd_wp(),
    }
}

/// [`collapse_refused`] for `try_collapse_pte_mapped_thp()`.
///
/// # Safety
///
/// `vma` must be valid, with the mmap lock held for the duration of the call, as it is in
/// `try_collapse_pte_mapped_thp()`.
pub(crate) unsafe fn collapse_refused_raw(
    policy: Policy,
    vma: *const bindings::vm_area_struct,
) -> bool {
    // SAFETY: The caller holds the mmap lock on a valid VMA: `VmaRef`'s invariant.
    let vma = unsafe { VmaRef::from_raw(vma) };
    collapse_refused(policy, VmaFlags::of(vma))
}

/// [`collapse_refused`] for `file_backed_vma_is_retractable()`.
///
/// # Safety
///
/// `vma` must be valid for the duration of the call. `retract_page_tables()` guarantees it by
/// holding the file's `i_mmap_rwsem`: the VMA is in the mapping's interval tree, and it cannot
/// be unlinked and freed without taking that lock for write. No mmap lock is held, so the flags
/// are read racily, and the caller repeats the check under the PTE lock.
pub(crate) unsafe fn retract_refused_raw(
    policy: Policy,
    vma: *const bindings::vm_area_struct,
) -> bool {
    // SAFETY: The caller keeps the VMA alive through `i_mmap_rwsem`, see above.
    let flags = unsafe { VmaFlags::read_unlocked(vma) };
    collapse_refused(policy, flags)
}
