// SPDX-License-Identifier: GPL-2.0

//! The policies: which version of the RWP series the gates follow.

use kernel::{
    module_param::ModuleParam,
    prelude::*,
    str::BStr, //
};

/// The gate decisions of one version of the userfaultfd RWP series.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Policy {
    /// The decisions of the 7.3 tree, bit for bit.
    Merged,
    /// The series as posted in v2 (May 2026): GUP faults on every RWP VMA, accessible or not
    /// (v6 fixed the `FOLL_FORCE` livelock that causes on a `PROT_NONE` RWP VMA), and rmap
    /// unmaps the large folios of protected VMAs one PTE at a time.
    Seed,
    /// The gates as they were before the series: only `VM_UFFD_WP` counts. This is the bug the
    /// series fixed; it exists so that the tests can show they catch it.
    WpOnly,
}

impl Policy {
    /// Every policy, in the order the tests run them.
    pub(crate) const ALL: [Self; 3] = [Self::Merged, Self::Seed, Self::WpOnly];

    /// The name a user gives `insmod rwp.ko policy=NAME`.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Merged => "merged",
            Self::Seed => "seed",
            Self::WpOnly => "wp-only",
        }
    }

    /// Looks a policy up by its name.
    pub(crate) fn from_name(name: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name().as_bytes() == name)
    }
}

/// How much of a rejected policy name the error message shows.
const MAX_SHOWN: usize = 32;

impl ModuleParam for Policy {
    fn try_from_param_arg(arg: &BStr) -> Result<Self> {
        Self::from_name(arg).ok_or_else(|| {
            // Show enough of a bad name to recognise it, not a page of it.
            let shown = BStr::from_bytes(&arg[..arg.len().min(MAX_SHOWN)]);
            pr_err!("unknown policy '{shown}': valid policies are merged, seed, wp-only\n");
            EINVAL
        })
    }
}
