// SPDX-License-Identifier: GPL-2.0

//! The GUP gate: `gup_can_follow_protnone()`.
//!
//! The GUP slow path (`follow_page_pte()`, `follow_pmd_mask()`, `follow_huge_pmd()`) asks it
//! whether it may read through a protnone entry or must take a fault. In a `VM_UFFD_RWP` VMA the
//! protnone entry is the RWP marker: following it would let a read GUP (`process_vm_readv()`,
//! `/proc/pid/mem`, `PTRACE_PEEKDATA`, `vmsplice()`, `O_DIRECT`) read the page without the VMM
//! ever hearing of the access. A write GUP already faults on protnone, whatever this says.

use crate::rwp_policy::Policy;
use kernel::mm::rwp_gate::{
    GupFlags,
    VmaFlags, //
};

/// Whether GUP may follow a protnone entry in a VMA with flags `vma`, for a walk with `gup`.
/// The answer is the same at every call site.
pub(crate) fn can_follow_protnone(policy: Policy, vma: VmaFlags, gup: GupFlags) -> bool {
    let rwp_must_fault = match policy {
        // v2 faulted on every RWP VMA, accessible or not.
        Policy::Seed => vma.uffd_rwp(),
        // Before the series, the RWP marker was not special.
        Policy::WpOnly => false,
        // The livelock's plausible wrong fix: exempt FOLL_FORCE rather than ask the VMA.
        Policy::ForceExempt => vma.uffd_rwp() && !gup.force(),
        // Accessibility read as readability: wrong for write-only and exec-only VMAs.
        Policy::ReadableOnly => vma.uffd_rwp() && vma.contains(VmaFlags::READ),
        // Only while the VMA is accessible: in a PROT_NONE VMA, handle_mm_fault() makes no
        // progress on protnone, so a FOLL_FORCE walk (ptrace, /proc/pid/mem) would loop.
        _ => vma.uffd_rwp() && vma.accessible(),
    };
    if policy == Policy::IgnoresNuma {
        return !rwp_must_fault;
    }
    !rwp_must_fault && numa_hinting_can_follow(vma, gup)
}

/// The NUMA hinting half of the decision.
fn numa_hinting_can_follow(vma: VmaFlags, gup: GupFlags) -> bool {
    // A caller that does not honour NUMA hinting faults reads through them. In an inaccessible
    // VMA there is no NUMA hinting fault to take, and requiring one would keep FOLL_FORCE from
    // making progress.
    !gup.honor_numa_fault() || !vma.accessible()
}
