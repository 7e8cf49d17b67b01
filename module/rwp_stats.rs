// SPDX-License-Identifier: GPL-2.0

//! Per-gate counters, so a test can prove that a gate was consulted by this module during a
//! scenario rather than bypassed by the stock C.

use core::fmt;
use kernel::sync::atomic::{
    Atomic,
    Relaxed, //
};

/// How often one gate was asked, and how often it said "fault", "refuse" or "cap".
pub(crate) struct GateCounter {
    asked: Atomic<u64>,
    said: Atomic<u64>,
}

impl GateCounter {
    const fn new() -> Self {
        Self {
            asked: Atomic::new(0),
            said: Atomic::new(0),
        }
    }

    /// Counts one decision and passes it through. `said` is true for the decision that protects
    /// the per-PTE state: fault, refuse or cap.
    #[inline]
    pub(crate) fn record(&self, said: bool) -> bool {
        self.asked.add(1, Relaxed);
        if said {
            self.said.add(1, Relaxed);
        }
        said
    }
}

/// The counters of the four gates.
pub(crate) struct GateStats {
    /// `gup_can_follow_protnone()`; says "fault".
    pub(crate) gup: GateCounter,
    /// `try_collapse_pte_mapped_thp()`; says "refuse".
    pub(crate) collapse: GateCounter,
    /// `file_backed_vma_is_retractable()`; says "refuse".
    pub(crate) retract: GateCounter,
    /// `folio_unmap_pte_batch()`; says "cap".
    pub(crate) unmap: GateCounter,
}

/// The module's counters. Static, because the C gates pass no context to the provider.
pub(crate) static STATS: GateStats = GateStats {
    gup: GateCounter::new(),
    collapse: GateCounter::new(),
    retract: GateCounter::new(),
    unmap: GateCounter::new(),
};

impl GateStats {
    /// Writes one line per gate: its name, how often it was asked, how often it said yes.
    pub(crate) fn write_table(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows = [
            ("gup_can_follow_protnone", &self.gup),
            ("collapse_refused", &self.collapse),
            ("retract_refused", &self.retract),
            ("unmap_batch_capped", &self.unmap),
        ];
        for (name, counter) in rows {
            writeln!(
                f,
                "{name} {} {}",
                counter.asked.load(Relaxed),
                counter.said.load(Relaxed)
            )?;
        }
        Ok(())
    }
}
