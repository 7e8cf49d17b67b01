// SPDX-License-Identifier: GPL-2.0

//! The provider the kernel asks: one [`Gates`] implementation per policy, counted per call site
//! when the module was loaded with `counters=1`.
//!
//! The kernel passes no context to a provider, so each policy's decisions, and whether they are
//! counted, are instantiated at compile time: a call never looks either up, and without counters
//! it does no atomic operation.

use crate::rwp_policy::{
    Policy,
    PolicyFn, //
};
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
        Recreates,
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
    fn record(gate: Gate, vma: VmaFlags, said: bool) -> bool {
        if COUNT {
            STATS.record(gate, vma, said)
        } else {
            said
        }
    }
}

impl<const P: u8, const COUNT: bool> Gates for PolicyGates<P, COUNT> {
    type OwnerModule = crate::RwpModule;

    const RECREATES: Recreates = Self::POLICY.recreates();

    fn gup_can_follow_protnone(vma: VmaFlags, gup: GupFlags, site: GupSite) -> bool {
        let follow = rwp_gup::can_follow_protnone(Self::POLICY, vma, gup);
        !Self::record(Gate::gup(site), vma, !follow)
    }

    fn collapse_refused(vma: VmaFlags) -> bool {
        let refused = rwp_khugepaged::collapse_refused(Self::POLICY, vma);
        Self::record(Gate::Collapse, vma, refused)
    }

    fn retract_refused(vma: VmaFlags) -> bool {
        let refused = rwp_khugepaged::retract_refused(Self::POLICY, vma);
        Self::record(Gate::Retract, vma, refused)
    }

    fn unmap_batch(vma: VmaFlags) -> UnmapBatch {
        let batch = rwp_rmap::unmap_batch(Self::POLICY, vma);
        Self::record(Gate::Unmap, vma, batch != UnmapBatch::Batch);
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

/// [`register`] for one value of `count`, chosen at compile time: one instance of
/// [`PolicyGates`] per policy, chosen by [`Policy::dispatch`].
fn register_as<const COUNT: bool>(policy: Policy) -> Result<Registration> {
    struct Register<const COUNT: bool>;

    impl<const COUNT: bool> PolicyFn for Register<COUNT> {
        type Output = Result<Registration>;

        fn call<const P: u8>(self) -> Self::Output {
            Registration::new::<PolicyGates<P, COUNT>>()
        }
    }

    policy.dispatch(Register::<COUNT>)
}
