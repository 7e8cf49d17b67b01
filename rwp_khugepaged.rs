// SPDX-License-Identifier: GPL-2.0

//! The khugepaged gates: `try_collapse_pte_mapped_thp()` and `file_backed_vma_is_retractable()`.
//!
//! Collapsing a PTE-mapped THP into a PMD mapping, or retracting a VMA's page table so that a
//! THP made for another mapping of the file can be mapped by a PMD, throws the PTE table away,
//! and with it every per-PTE uffd bit: the uffd-wp markers and the RWP protection. Both must
//! leave a VMA alone while either kind of protection is registered on it, and only then: a VMA
//! registered for MISSING or MINOR faults alone keeps nothing in its PTEs and must still collapse.

use crate::rwp_policy::Policy;
use kernel::mm::rwp_gate::VmaFlags;

/// Whether `try_collapse_pte_mapped_thp()` must keep the page table of a VMA with flags `vma`.
pub(crate) fn collapse_refused(policy: Policy, vma: VmaFlags) -> bool {
    match policy {
        // Before the series only uffd-wp markers were protected.
        Policy::WpOnly | Policy::NoCollapseGate => vma.uffd_wp(),
        Policy::RwpOnly => vma.uffd_rwp(),
        // Over-refusal: MISSING and MINOR registrations keep no state in the PTEs.
        Policy::ArmedRefused => vma.uffd_armed(),
        _ => vma.uffd_protected(),
    }
}

/// Whether `retract_page_tables()` must keep the page table of a VMA with flags `vma`.
pub(crate) fn retract_refused(policy: Policy, vma: VmaFlags) -> bool {
    match policy {
        Policy::WpOnly | Policy::NoRetractGate => vma.uffd_wp(),
        Policy::RwpOnly => vma.uffd_rwp(),
        Policy::ArmedRefused => vma.uffd_armed(),
        _ => vma.uffd_protected(),
    }
}
