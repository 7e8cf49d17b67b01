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

/// The gates of the policy whose index in [`Policy::ALL`] is `P`.
struct PolicyGates<const P: usize>;

impl<const P: usize> PolicyGates<P> {
    const POLICY: Policy = Policy::ALL[P];
}

#[vtable]
impl<const P: usize> Gates for PolicyGates<P> {
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
    macro_rules! by_index {
        ($($i:literal)*) => {
            match Policy::ALL.iter().position(|p| *p == policy) {
                $(Some($i) => Registration::new::<PolicyGates<$i>>(),)*
                _ => Err(EINVAL),
            }
        };
    }
    const _: () = assert!(Policy::ALL.len() == 8, "one arm per policy below");
    by_index!(0 1 2 3 4 5 6 7)
}
