// SPDX-License-Identifier: GPL-2.0

//! The provider the C shims call: one `rwp_gate_ops` table per policy, and its registration.
//!
//! The C gates pass no context, so each table's entries are instantiated for one policy at
//! compile time: a call never looks the policy up. The entries are thin: they count the call
//! and hand the raw VMA to the gate's typed decision.

use crate::rwp_policy::Policy;
use crate::rwp_stats::STATS;
use crate::{
    rwp_gup,
    rwp_khugepaged,
    rwp_rmap, //
};
use core::marker::PhantomData;
use kernel::{
    bindings,
    error::to_result,
    ffi::c_uint,
    prelude::*, //
};

/// A policy known at compile time.
trait GatePolicy {
    const POLICY: Policy;
}

struct MergedGates;
struct SeedGates;
struct WpOnlyGates;

impl GatePolicy for MergedGates {
    const POLICY: Policy = Policy::Merged;
}

impl GatePolicy for SeedGates {
    const POLICY: Policy = Policy::Seed;
}

impl GatePolicy for WpOnlyGates {
    const POLICY: Policy = Policy::WpOnly;
}

/// # Safety
///
/// Called by `rwp_gate` from the GUP slow path: `vma` is valid and its mmap lock is held.
unsafe extern "C" fn gup_can_follow_protnone<P: GatePolicy>(
    vma: *const bindings::vm_area_struct,
    gup_flags: c_uint,
) -> bool {
    // SAFETY: The GUP slow path holds the mmap lock on `vma`, see above.
    let follow = unsafe { rwp_gup::can_follow_protnone_raw(P::POLICY, vma, gup_flags) };
    !STATS.gup.record(!follow)
}

/// # Safety
///
/// Called by `rwp_gate` from `try_collapse_pte_mapped_thp()`: `vma` is valid and the mmap lock
/// is held.
unsafe extern "C" fn collapse_refused<P: GatePolicy>(vma: *mut bindings::vm_area_struct) -> bool {
    // SAFETY: `try_collapse_pte_mapped_thp()` holds the mmap lock, see above.
    let refused = unsafe { rwp_khugepaged::collapse_refused_raw(P::POLICY, vma) };
    STATS.collapse.record(refused)
}

/// # Safety
///
/// Called by `rwp_gate` from `file_backed_vma_is_retractable()`: `vma` is valid and kept alive
/// by the file's `i_mmap_rwsem`.
unsafe extern "C" fn retract_refused<P: GatePolicy>(vma: *mut bindings::vm_area_struct) -> bool {
    // SAFETY: `retract_page_tables()` holds `i_mmap_rwsem`, see above.
    let refused = unsafe { rwp_khugepaged::retract_refused_raw(P::POLICY, vma) };
    STATS.retract.record(refused)
}

/// # Safety
///
/// Called by `rwp_gate` from `folio_unmap_pte_batch()`: `vma` is valid and kept alive by the
/// rmap walk's `anon_vma` or `i_mmap` lock.
unsafe extern "C" fn unmap_batch_capped<P: GatePolicy>(vma: *mut bindings::vm_area_struct) -> bool {
    // SAFETY: The rmap walk keeps `vma` alive, see above.
    let capped = unsafe { rwp_rmap::unmap_batch_capped_raw(P::POLICY, vma) };
    STATS.unmap.record(capped)
}

/// The size of `rwp_gate_ops`, as the C side checks it.
const OPS_SIZE: u32 = {
    let size = core::mem::size_of::<bindings::rwp_gate_ops>();
    assert!(size <= u32::MAX as usize);
    size as u32
};

struct Gates<P>(PhantomData<P>);

impl<P: GatePolicy> Gates<P> {
    const OPS: bindings::rwp_gate_ops = bindings::rwp_gate_ops {
        size: OPS_SIZE,
        version: bindings::RWP_GATE_OPS_VERSION,
        gup_can_follow_protnone: Some(gup_can_follow_protnone::<P>),
        collapse_refused: Some(collapse_refused::<P>),
        retract_refused: Some(retract_refused::<P>),
        unmap_batch_capped: Some(unmap_batch_capped::<P>),
    };
}

// Named statics: the kernel identifies a provider by the address of its table.
static MERGED_OPS: bindings::rwp_gate_ops = Gates::<MergedGates>::OPS;
static SEED_OPS: bindings::rwp_gate_ops = Gates::<SeedGates>::OPS;
static WP_ONLY_OPS: bindings::rwp_gate_ops = Gates::<WpOnlyGates>::OPS;

/// The table of entries for `policy`.
pub(crate) fn ops(policy: Policy) -> &'static bindings::rwp_gate_ops {
    match policy {
        Policy::Merged => &MERGED_OPS,
        Policy::Seed => &SEED_OPS,
        Policy::WpOnly => &WP_ONLY_OPS,
    }
}

/// The module's gates, registered with the kernel for as long as this lives.
pub(crate) struct Registration {
    ops: &'static bindings::rwp_gate_ops,
}

impl Registration {
    /// Makes the gates of `policy` decide for the mm.
    ///
    /// Fails with `EBUSY` if another provider is registered.
    pub(crate) fn new(policy: Policy) -> Result<Self> {
        let ops = ops(policy);
        // SAFETY: `ops` is a static table, valid until the module is unloaded; `Drop`
        // unregisters it before that.
        to_result(unsafe { bindings::rwp_gate_register(ops) })?;
        Ok(Self { ops })
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // SAFETY: `self.ops` was registered by `new`. On return no CPU runs any of its entries,
        // so the module text may go away.
        unsafe { bindings::rwp_gate_unregister(self.ops) };
    }
}
