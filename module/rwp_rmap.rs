// SPDX-License-Identifier: GPL-2.0

//! The rmap gate: `folio_unmap_pte_batch()`.
//!
//! `try_to_unmap_one()` clears the PTEs of a large lazyfree or file folio in batches. When the
//! unmap fails (the folio was dirtied or gained a reference), it restores the whole batch from
//! the first PTE's value. A batch that mixed protected and unprotected PTEs would so spread one
//! PTE's uffd state over its neighbours. The posted series capped the batch at one PTE for
//! protected VMAs; 7.3 does not cap, because `folio_pte_batch_flags()` never batches PTEs that
//! differ in the uffd bit or the `PAGE_NONE` encoding.

use crate::rwp_flags::VmaFlags;
use crate::rwp_policy::Policy;
use kernel::bindings;

/// Whether a VMA's large folios are unmapped one PTE at a time.
pub(crate) fn unmap_batch_capped(policy: Policy, vma: VmaFlags) -> bool {
    match policy {
        Policy::Merged => false,
        Policy::Seed => vma.uffd_protected(),
        // Before the series the cap covered uffd-wp only.
        Policy::WpOnly => vma.uffd_wp(),
    }
}

/// [`unmap_batch_capped`] for `folio_unmap_pte_batch()`.
///
/// # Safety
///
/// `vma` must be valid for the duration of the call. The rmap walk guarantees it: it holds the
/// folio's `anon_vma` lock or the file's `i_mmap_rwsem`, without which the VMA cannot be
/// unlinked and freed, and `try_to_unmap_one()` holds the PTE lock. No mmap lock is held, so the
/// flags are read racily.
pub(crate) unsafe fn unmap_batch_capped_raw(
    policy: Policy,
    vma: *const bindings::vm_area_struct,
) -> bool {
    // SAFETY: The rmap walk keeps the VMA alive, see above.
    let flags = unsafe { VmaFlags::read_unlocked(vma) };
    unmap_batch_capped(policy, flags)
}
