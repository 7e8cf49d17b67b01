// SPDX-License-Identifier: GPL-2.0

//! Per-call-site counters, so a test can prove that the site it aims at was consulted by this
//! module during a scenario rather than bypassed by the stock C.
//!
//! Each site also counts apart the decisions on VMAs registered with a userfaultfd: in the
//! guest only a test registers one, so those counts are the test's own, whatever other tasks,
//! kswapd or khugepaged ask meanwhile. A decision made in another task's context on the
//! test's VMA (a remote GUP, the khugepaged daemon) still counts, as it should.

use kernel::{
    fmt,
    mm::rwp_gate::{
        GupSite,
        VmaFlags, //
    },
    sync::atomic::{
        Atomic,
        Relaxed, //
    }, //
};

/// A call site of a gate: the three of the GUP gate, and one for each other gate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Gate {
    /// `gup_can_follow_protnone()` in `follow_page_pte()`; says "fault".
    GupPte,
    /// `gup_can_follow_protnone()` in `follow_pmd_mask()`; says "fault".
    GupPmd,
    /// `gup_can_follow_protnone()` in `follow_huge_pmd()`; says "fault".
    GupHugePmd,
    /// `try_collapse_pte_mapped_thp()`; says "refuse".
    Collapse,
    /// `file_backed_vma_is_retractable()`; says "refuse".
    Retract,
    /// `folio_unmap_pte_batch()`; says "not the stock batch".
    Unmap,
}

impl Gate {
    /// Every call site, in the order of the counters file.
    pub(crate) const ALL: [Self; 6] = [
        Self::GupPte,
        Self::GupPmd,
        Self::GupHugePmd,
        Self::Collapse,
        Self::Retract,
        Self::Unmap,
    ];

    /// The name the counters file, the tests (`tests/rwp_counters.h`) and the report use.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::GupPte => "gup_pte",
            Self::GupPmd => "gup_pmd",
            Self::GupHugePmd => "gup_huge_pmd",
            Self::Collapse => "collapse",
            Self::Retract => "retract",
            Self::Unmap => "unmap",
        }
    }

    /// The counter of a GUP call site.
    pub(crate) const fn gup(site: GupSite) -> Self {
        match site {
            GupSite::Pte => Self::GupPte,
            GupSite::Pmd => Self::GupPmd,
            GupSite::HugePmd => Self::GupHugePmd,
        }
    }
}

/// How often one call site was asked, how often it said fault, refuse or not-the-batch, and
/// how often it was asked about a VMA registered with a userfaultfd.
struct Counter {
    asked: Atomic<u64>,
    said: Atomic<u64>,
    asked_uffd: Atomic<u64>,
}

/// The counters of every call site.
pub(crate) struct GateStats([Counter; Gate::ALL.len()]);

/// The module's counters. Static, because the C gates pass no context to the provider.
pub(crate) static STATS: GateStats = GateStats(
    [const {
        Counter {
            asked: Atomic::new(0),
            said: Atomic::new(0),
            asked_uffd: Atomic::new(0),
        }
    }; Gate::ALL.len()],
);

impl GateStats {
    /// Counts one decision at `gate` about a VMA with `vma` flags and passes it through. `said`
    /// is true for the decision that protects the per-PTE state, or departs from the stock
    /// batch.
    #[inline]
    pub(crate) fn record(&self, gate: Gate, vma: VmaFlags, said: bool) -> bool {
        let counter = &self.0[gate as usize];
        counter.asked.add(1, Relaxed);
        if said {
            counter.said.add(1, Relaxed);
        }
        if vma.uffd_armed() {
            counter.asked_uffd.add(1, Relaxed);
        }
        said
    }

    /// Writes one line per call site: its name, how often it was asked, how often it said yes,
    /// and how often it was asked about a userfaultfd-registered VMA.
    pub(crate) fn write_table(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for gate in Gate::ALL {
            let counter = &self.0[gate as usize];
            writeln!(
                f,
                "{} {} {} {}",
                gate.name(),
                counter.asked.load(Relaxed),
                counter.said.load(Relaxed),
                counter.asked_uffd.load(Relaxed)
            )?;
        }
        Ok(())
    }
}
