// SPDX-License-Identifier: GPL-2.0

//! A hostile provider for the tests (`tests/hostile-module.sh`): it registers the stock
//! decisions and leaks the registration, as safe code may (`mem::forget`). Unloading it must put
//! the gates back on the stock decisions before its code is freed, so that the next provider can
//! register and no gate calls into freed text.

use kernel::{
    mm::rwp_gate::{
        Gates,
        GupFlags,
        GupSite,
        Registration,
        Stock,
        UnmapBatch,
        VmaFlags, //
    },
    prelude::*, //
};

module! {
    type: RwpLeak,
    name: "rwp_leak",
    authors: ["rwp developers"],
    description: "rwp tests: a gate provider that leaks its registration",
    license: "GPL",
}

/// The stock decisions, from this module's code.
struct StockGates;

impl Gates for StockGates {
    type OwnerModule = RwpLeak;

    fn gup_can_follow_protnone(vma: VmaFlags, gup: GupFlags, site: GupSite) -> bool {
        Stock::gup_can_follow_protnone(vma, gup, site)
    }

    fn collapse_refused(vma: VmaFlags) -> bool {
        Stock::collapse_refused(vma)
    }

    fn retract_refused(vma: VmaFlags) -> bool {
        Stock::retract_refused(vma)
    }

    fn unmap_batch(vma: VmaFlags) -> UnmapBatch {
        Stock::unmap_batch(vma).unwrap_or(UnmapBatch::One)
    }
}

struct RwpLeak;

impl kernel::Module for RwpLeak {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        core::mem::forget(Registration::new::<StockGates>()?);
        pr_info!("registered, and leaked the registration\n");
        Ok(Self)
    }
}
