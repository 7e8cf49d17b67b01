// SPDX-License-Identifier: GPL-2.0

//! The rmap gate: `folio_unmap_pte_batch()`.
//!
//! `try_to_unmap_one()` unmaps a large lazyfree or file folio a batch of PTEs at a time, and if
//! the unmap fails it restores the batch from the first PTE. The stock batch never mixes
//! protected and unprotected PTEs, since `folio_pte_batch_flags()` compares the uffd bit and the
//! PAGE_NONE encoding; v2 of the series capped the batch at one PTE for protected VMAs instead,
//! which is correct too, only slower.

use crate::rwp_policy::Policy;
use kernel::mm::rwp_gate::{
    UnmapBatch,
    VmaFlags, //
};

/// How `try_to_unmap_one()` may batch the PTEs of a large folio in a VMA with flags `vma`.
pub(crate) fn unmap_batch(policy: Policy, vma: VmaFlags) -> UnmapBatch {
    let capped = match policy {
        Policy::Seed => vma.uffd_protected(),
        // Before the series the cap covered uffd-wp only.
        Policy::WpOnly => vma.uffd_wp(),
        Policy::MixedBatch if vma.uffd_rwp() => return UnmapBatch::IgnoreProt,
        Policy::MixedBatchWp if vma.uffd_wp() => return UnmapBatch::IgnoreProt,
        _ => false,
    };
    if capped {
        UnmapBatch::One
    } else {
        UnmapBatch::Batch
    }
}
