// SPDX-License-Identifier: GPL-2.0

//! The provider the kernel asks: one [`Gates`] implementation per policy, counted per call site.
//!
//! The kernel passes no context to a provider, so each policy's decisions are instantiated at
//! compile time: a call never looks the policy up.

use crate::rwp_policy::Policy;
use crate::rwp_stats::{
    Gate,
    STATS, //
};
use crate::{
    rwp_gup,
    rwp_khugepaged,
    rwp_rmap, //
};
use kernel::{
    mm::rwp_gate::{
        Gates,
        GupFlags,
        GupSite,
        Registration,
        UnmapBatch,
        VmaFlags, //
    },
    prelude::*, //
};

/// The gates of the policy whose discriminant is `P`.
struct PolicyGates<const P: u8>;

impl<const P: u8> PolicyGates<P> {
    // Evaluated at compile time: an instance for no policy does not build.
    const POLICY: Policy = match Policy::from_discriminant(P) {
        Some(policy) => policy,
        None => panic!("no policy has this discriminant"),
    };
}

#[vtable]
impl<const P: u8> Gates for PolicyGates<P> {
    fn gup_can_follow_protnone(vma: VmaFlags, gup: GupFlags, site: GupSite) -> bool {
        let follow = rwp_gup::can_follow_protnone(Self::POLICY, vma, gup);
        !STATS.record(Gate::gup(site), !follow)
    }

    fn collapse_refused(vma: VmaFlags) -> bool {
        let refused = rwp_khugepaged::collapse_refused(Self::POLICY, vma);
        STATS.record(Gate::Collapse, refused)
    }

    fn retract_refused(vma: VmaFlags) -> bool {
        let refused = rwp_khugepaged::retract_refused(Self::POLICY, vma);
        STATS.record(Gate::Retract, refused)
    }

    fn unmap_batch(vma: VmaFlags) -> UnmapBatch {
        let batch = rwp_rmap::unmap_batch(Self::POLICY, vma);
        STATS.record(Gate::Unmap, batch != UnmapBatch::Batch);
        batch
    }
}

/// Makes the gates of `policy` decide for the mm, for as long as the result lives.
///
/// Fails with `EBUSY` if another provider is registered.
pub(crate) fn register(policy: Policy) -> Result<Registration> {
    const fn d(p: Policy) -> u8 {
        p as u8
    }
    match policy {
        Policy::Merged => Registration::new::<PolicyGates<{ d(Policy::Merged) }>>(),
        Policy::Seed => Registration::new::<PolicyGates<{ d(Policy::Seed) }>>(),
        Policy::WpOnly => Registration::new::<PolicyGates<{ d(Policy::WpOnly) }>>(),
        Policy::RwpOnly => Registration::new::<PolicyGates<{ d(Policy::RwpOnly) }>>(),
        Policy::IgnoresNuma => Registration::new::<PolicyGates<{ d(Policy::IgnoresNuma) }>>(),
        Policy::NoRetractGate => Registration::new::<PolicyGates<{ d(Policy::NoRetractGate) }>>(),
        Policy::NoCollapseGate => Registration::new::<PolicyGates<{ d(Policy::NoCollapseGate) }>>(),
        Policy::MixedBatch => Registration::new::<PolicyGates<{ d(Policy::MixedBatch) }>>(),
    }
}
