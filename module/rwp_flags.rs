// SPDX-License-Identifier: GPL-2.0

//! Typed views of the flag words the gates decide on.
//!
//! Every bit comes from the generated bindings, so a renumbering in the tree cannot leave the
//! module testing the wrong bit.

use kernel::{
    bindings,
    mm::virt::VmaRef,
    sync::atomic::{
        Atomic,
        Relaxed, //
    }, //
};

/// The `vm_flags` of a VMA, as far as the gates care.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct VmaFlags(bindings::vm_flags_t);

impl VmaFlags {
    /// `VM_UFFD_MISSING`: userfaultfd missing-page tracking.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const UFFD_MISSING: Self = Self::bit(bindings::VMA_UFFD_MISSING_BIT);
    /// `VM_UFFD_WP`: userfaultfd write protection.
    pub(crate) const UFFD_WP: Self = Self::bit(bindings::VMA_UFFD_WP_BIT);
    /// `VM_UFFD_MINOR`: userfaultfd minor faults.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const UFFD_MINOR: Self = Self::bit(bindings::VMA_UFFD_MINOR_BIT);
    /// `VM_UFFD_RWP`: userfaultfd read-write protection.
    pub(crate) const UFFD_RWP: Self = Self::bit(bindings::VMA_UFFD_RWP_BIT);
    /// `VM_READ`.
    pub(crate) const READ: Self = Self(bindings::VM_READ);
    /// `VM_WRITE`.
    pub(crate) const WRITE: Self = Self(bindings::VM_WRITE);
    /// `VM_EXEC`.
    pub(crate) const EXEC: Self = Self(bindings::VM_EXEC);
    /// `VM_SHARED`.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const SHARED: Self = Self(bindings::VM_SHARED);

    /// No flag set.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const EMPTY: Self = Self(0);

    const fn bit(nr: u32) -> Self {
        Self(1 << nr)
    }

    /// The raw word.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const fn bits(self) -> bindings::vm_flags_t {
        self.0
    }

    /// The flags of a VMA whose lock the caller holds.
    pub(crate) fn of(vma: &VmaRef) -> Self {
        Self(vma.flags())
    }

    /// Reads the flags of a VMA that is kept alive by a lock other than the mmap or VMA lock.
    ///
    /// The caller does not hold the lock that orders writes to `vm_flags` (the mmap write lock,
    /// or none at all for the flags set atomically, such as `VMA_MAYBE_GUARD`), so this is a
    /// relaxed atomic load, the `READ_ONCE()` of the C side, and the value may be stale by the
    /// time it is used: the retraction path rechecks under the PTE lock.
    ///
    /// # Safety
    ///
    /// `vma` must point to a live `vm_area_struct` for the duration of the call.
    pub(crate) unsafe fn read_unlocked(vma: *const bindings::vm_area_struct) -> Self {
        // SAFETY: The caller guarantees that `vma` is live, so the field is valid for reads;
        // concurrent writers are plain stores under the mmap write lock or atomic bit
        // operations, and a relaxed atomic load may race with either.
        let flags =
            unsafe { Atomic::from_ptr((&raw const (*vma).__bindgen_anon_2.vm_flags).cast_mut()) };
        Self(flags.load(Relaxed))
    }

    /// Whether every flag in `other` is set.
    pub(crate) const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of two sets of flags.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// `userfaultfd_wp()`.
    pub(crate) const fn uffd_wp(self) -> bool {
        self.contains(Self::UFFD_WP)
    }

    /// `userfaultfd_rwp()`.
    pub(crate) const fn uffd_rwp(self) -> bool {
        self.contains(Self::UFFD_RWP)
    }

    /// `userfaultfd_protected()`: the uffd PTE bit may carry per-PTE state in this VMA.
    pub(crate) const fn uffd_protected(self) -> bool {
        self.uffd_wp() || self.uffd_rwp()
    }

    /// `vma_is_accessible()`: some access is allowed, so a fault can make progress.
    pub(crate) const fn accessible(self) -> bool {
        self.0 & (Self::READ.0 | Self::WRITE.0 | Self::EXEC.0) != 0
    }
}

/// The `FOLL_*` flags of a GUP walk, as far as the gates care.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct FollFlags(u32);

impl FollFlags {
    /// `FOLL_WRITE`.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const WRITE: Self = Self(bindings::FOLL_WRITE);
    /// `FOLL_FORCE`.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const FORCE: Self = Self(bindings::FOLL_FORCE);
    /// `FOLL_HONOR_NUMA_FAULT`: the caller wants NUMA hinting faults taken, not followed.
    pub(crate) const HONOR_NUMA_FAULT: Self = Self(bindings::FOLL_HONOR_NUMA_FAULT);

    /// No flag set.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const EMPTY: Self = Self(0);

    /// Wraps the `gup_flags` argument of a gate.
    pub(crate) const fn new(bits: u32) -> Self {
        Self(bits)
    }

    /// The raw word.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const fn bits(self) -> u32 {
        self.0
    }

    /// The union of two sets of flags.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) const fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether the walk honours NUMA hinting faults.
    pub(crate) const fn honor_numa_fault(self) -> bool {
        self.0 & Self::HONOR_NUMA_FAULT.0 != 0
    }
}
