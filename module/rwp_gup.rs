// SPDX-License-Identifier: GPL-2.0

//! The GUP gate: `gup_can_follow_protnone()`.
//!
//! The GUP slow path (`follow_page_pte()`, `follow_pmd_mask()`, `follow_huge_pmd()`) asks it
//! whether it may read through a protnone entry or must take a fault. In a `VM_UFFD_RWP` VMA the
//! protnone entry is the RWP marker: following it would let a read GUP (`process_vm_readv()`,
//! `/proc/pid/mem`, `PTRACE_PEEKDATA`, `vmsplice()`, `O_DIRECT`) read the page without the VMM
//! ever hearing of the access. A write GUP already faults on protnone, whatever this says.

use crate::rwp_flags::{
    FollFlags,
    VmaFlags, //
};
use crate::rwp_policy::Policy;
use kernel::{
    bindings,
    mm::virt::VmaRef, //
};

/// Whether GUP may follow a protnone entry in a VMA with flags `vma`, for a walk with `foll`.
pub(crate) fn can_follow_protnone(policy: Policy, vma: VmaFlags, foll: FollFlags) -> bool {
    let rwp_must_fault = match policy {
        // Only while the VMA is accessible: in a PROT_NONE VMA, handle_mm_fault() makes no
        // progress on protnone, so a FOLL_FORCE walk (ptrace, /proc/pid/mem) would loop.
        Policy::Merged => vma.uffd_rwp() && vma.accessible(),
        Policy::Seed => vma.uffd_rwp(),
        Policy::WpOnly => false,
    };
    !rwp_must_fault && numa_hinting_can_follow(vma, foll)
}

/// The NUMA hinting half of the decision, which every policy shares.
fn numa_hinting_can_follow(vma: VmaFlags, foll: FollFlags) -> bool {
    // A caller that does not honour NUMA hinting faults reads through them. In an inaccessible
    // VMA there is no NUMA hinting fault to take, and requiring one would keep FOLL_FORCE from
    // making progress.
    !foll.honor_numa_fault() || !vma.accessible()
}

/// [`can_follow_protnone`] for the C caller's arguments.
///
/// # Safety
///
/// `vma` must be valid, with the mmap lock held for the duration of the call, as it is in the
/// GUP slow path (`__get_user_pages()` asserts it).
pub(crate) unsafe fn can_follow_protnone_raw(
    policy: Policy,
    vma: *const bindings::vm_area_struct,
    gup_flags: u32,
) -> bool {
    // SAFETY: The caller holds the mmap lock on a valid VMA: `VmaRef`'s invariant.
    let vma = unsafe { VmaRef::from_raw(vma) };
    can_follow_protnone(policy, VmaFlags::of(vma), FollFlags::new(gup_flags))
}
