// SPDX-License-Identifier: GPL-2.0

//! The provider the kernel asks: one [`Gates`] implementation per policy, counted per call site
//! when the module was loaded with `counters=1`.
//!
//! The kernel passes no context to a provider, so each policy's decisions, and whether they are
//! counted, are instantiated at compile time: a call never looks either up, and without counters
//! it does no atomic operation.

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

/// The gates of the policy whose discriminant is `P`, counted if `COUNT`.
struct PolicyGates<const P: u8, const COUNT: bool>;

impl<const P: u8, const COUNT: bool> PolicyGates<P, COUNT> {
    // Evaluated at compile time: an instance for no policy does not build.
    const POLICY: Policy = match Policy::from_discriminant(P) {
        Some(policy) => policy,
        None => panic!("no policy has this discriminant"),
    };

    /// Passes `said` through, counting it at `gate` if this instance counts.
    #[inline]
    fn record(gate: Gate, said: bool) -> bool {
        if COUNT {
            STATS.record(gate, said)
        } else {
            said
        }
    }
}

impl<const P: u8, const COUNT: bool> Gates for PolicyGates<P, COUNT> {
    type OwnerModule = crate::RwpModule;

    fn gup_can_follow_protnone(vma: VmaFlags, gup: GupFlags, site: GupSite) -> bool {
        let follow = rwp_gup::can_follow_protnone(Self::POLICY, vma, gup);
        !Self::record(Gate::gup(site), !follow)
    }

    fn collapse_refused(vma: VmaFlags) -> bool {
        let refused = rwp_khugepaged::collapse_refused(Self::POLICY, vma);
        Self::record(Gate::Collapse, refused)
    }

    fn retract_refused(vma: VmaFlags) -> bool {
        let refused = rwp_khugepaged::retract_refused(Self::POLICY, vma);
        Self::record(Gate::Retract, refused)
    }

    fn unmap_batch(vma: VmaFlags) -> UnmapBatch {
        let batch = rwp_rmap::unmap_batch(Self::POLICY, vma);
        Self::record(Gate::Unmap, batch != UnmapBatch::Batch);
        batch
    }
}

/// Makes the gates of `policy` decide for the mm, for as long as the result lives, counting each
/// call site's decisions in [`STATS`] if `count`.
///
/// Fails with `EBUSY` if another provider is registered.
pub(crate) fn register(policy: Policy, count: bool) -> Result<Registration> {
    if count {
        register_as::<true>(policy)
    } else {
        register_as::<false>(policy)
    }
}

/// [`register`] for one value of `count`, chosen at compile time.
fn register_as<const COUNT: bool>(policy: Policy) -> Result<Registration> {
    const fn d(p: Policy) -> u8 {
        p as u8
    }
    match policy {
        Policy::Merged => Registration::new::<PolicyGates<{ d(Policy::Merged) }, COUNT>>(),
        Policy::Seed => Registration::new::<PolicyGates<{ d(Policy::Seed) }, COUNT>>(),
        Policy::WpOnly => Registration::new::<PolicyGates<{ d(Policy::WpOnly) }, COUNT>>(),
        Policy::RwpOnly => Registration::new::<PolicyGates<{ d(Policy::RwpOnly) }, COUNT>>(),
        Policy::IgnoresNuma => {
            Registration::new::<PolicyGates<{ d(Policy::IgnoresNuma) }, COUNT>>()
        }
        Policy::NoRetractGate => {
            Registration::new::<PolicyGates<{ d(Policy::NoRetractGate) }, COUNT>>()
        }
        Policy::NoCollapseGate => {
            Registration::new::<PolicyGates<{ d(Policy::NoCollapseGate) }, COUNT>>()
        }
        Policy::MixedBatch => Registration::new::<PolicyGates<{ d(Policy::MixedBatch) }, COUNT>>(),
        Policy::MixedBatchWp => {
            Registration::new::<PolicyGates<{ d(Policy::MixedBatchWp) }, COUNT>>()
        }
        Policy::ForceExempt => {
            Registration::new::<PolicyGates<{ d(Policy::ForceExempt) }, COUNT>>()
        }
        Policy::ReadableOnly => {
            Registration::new::<PolicyGates<{ d(Policy::ReadableOnly) }, COUNT>>()
        }
        Policy::ArmedRefused => {
            Registration::new::<PolicyGates<{ d(Policy::ArmedRefused) }, COUNT>>()
        }
    }
}
