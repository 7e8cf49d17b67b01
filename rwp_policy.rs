// SPDX-License-Identifier: GPL-2.0

//! The policies the gates can decide under, and the module parameters that choose one.
//!
//! Three are for users: the 7.3 decisions and two historical ones. The others are mutants for
//! the tests: each flips or drops one input of one decision, so that a test suite can show which
//! of its tests notice. They are chosen with a parameter of their own, `mutant=`, and are not
//! offered where `policy=` lists its values.

use kernel::{
    fmt,
    module_param::ModuleParam,
    prelude::*,
    str::BStr, //
};

/// The decisions the gates make.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum Policy {
    /// The decisions of the 7.3 tree, bit for bit.
    Merged,
    /// The series as posted in v2 (May 2026): GUP faults on every RWP VMA, accessible or not
    /// (v6 fixed the `FOLL_FORCE` livelock that causes on a `PROT_NONE` RWP VMA), and rmap
    /// unmaps the large folios of protected VMAs one PTE at a time.
    Seed,
    /// The gates as they were before the series: only `VM_UFFD_WP` counts. This is the bug the
    /// series fixed.
    WpOnly,
    /// Mutant: khugepaged forgets `VM_UFFD_WP` and refuses RWP VMAs only (an RWP-only rewrite).
    RwpOnly,
    /// Mutant: GUP ignores `FOLL_HONOR_NUMA_FAULT`, and follows protnone entries it should fault
    /// on for a caller that honours NUMA hinting.
    IgnoresNuma,
    /// Mutant: collapse is refused for protected VMAs, retraction is not.
    NoRetractGate,
    /// Mutant: retraction is refused for protected VMAs, collapse is not.
    NoCollapseGate,
    /// Mutant: rmap batches the PTEs of an RWP VMA comparing PFNs only, so a batch may mix
    /// protected and unprotected PTEs and a failed unmap restores them all from the first.
    MixedBatch,
    /// Mutant: the uffd-wp twin of `MixedBatch`: a batch in a uffd-wp VMA may mix
    /// write-protected and writable PTEs, so a restore drops or spreads the uffd-wp bit, and an
    /// unmapped shmem batch gets its markers from its first PTE.
    MixedBatchWp,
    /// Mutant: the `FOLL_FORCE` livelock "fixed" by exempting `FOLL_FORCE` from the RWP fault
    /// instead of asking whether the VMA is accessible, so ptrace and `/proc/pid/mem` read
    /// through the marker of an accessible VMA.
    ForceExempt,
    /// Mutant: accessibility read as readability (`VM_READ`), so the RWP marker of a write-only or
    /// exec-only VMA, which only a `FOLL_FORCE` read can read, is read through.
    ReadableOnly,
    /// Mutant: khugepaged refuses every userfaultfd-registered VMA (`userfaultfd_armed()` for
    /// `userfaultfd_protected()`), so a MISSING- or MINOR-registered VMA, which has no per-PTE
    /// state to lose, is never collapsed or retracted.
    ArmedRefused,
}

impl Policy {
    /// Every policy: first those a user chooses with `policy=`, then the mutants.
    pub(crate) const ALL: [Self; 12] = [
        Self::Merged,
        Self::Seed,
        Self::WpOnly,
        Self::RwpOnly,
        Self::IgnoresNuma,
        Self::NoRetractGate,
        Self::NoCollapseGate,
        Self::MixedBatch,
        Self::MixedBatchWp,
        Self::ForceExempt,
        Self::ReadableOnly,
        Self::ArmedRefused,
    ];
    /// The policies a user chooses with `policy=`.
    pub(crate) const USER: &[Self] = Self::ALL.split_at(3).0;
    /// The mutants the tests choose with `mutant=`.
    pub(crate) const MUTANTS: &[Self] = Self::ALL.split_at(3).1;

    /// The policy whose discriminant is `d`.
    pub(crate) const fn from_discriminant(d: u8) -> Option<Self> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if Self::ALL[i] as u8 == d {
                return Some(Self::ALL[i]);
            }
            i += 1;
        }
        None
    }

    /// The name given on the command line.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            Self::Merged => "merged",
            Self::Seed => "seed",
            Self::WpOnly => "wp-only",
            Self::RwpOnly => "rwp-only",
            Self::IgnoresNuma => "ignores-numa",
            Self::NoRetractGate => "no-retract-gate",
            Self::NoCollapseGate => "no-collapse-gate",
            Self::MixedBatch => "mixed-batch",
            Self::MixedBatchWp => "mixed-batch-wp",
            Self::ForceExempt => "force-exempt",
            Self::ReadableOnly => "readable-only",
            Self::ArmedRefused => "armed-refused",
        }
    }
}

/// The names of `choices`, comma-separated, for a message.
struct Names<'a>(&'a [Policy]);

impl fmt::Display for Names<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(p.name())?;
        }
        Ok(())
    }
}

/// Looks `arg` up among `choices` by name, or logs one line naming the valid ones.
fn parse(what: &str, choices: &[Policy], arg: &BStr) -> Result<Policy> {
    const MAX_SHOWN: usize = 32;

    if let Some(p) = choices.iter().find(|p| p.name().as_bytes() == &**arg) {
        return Ok(*p);
    }
    // Show enough of a bad name to recognise it, not a page of it.
    let shown = BStr::from_bytes(&arg[..arg.len().min(MAX_SHOWN)]);
    pr_err!(
        "unknown {what} '{shown}': valid ones are {}\n",
        Names(choices)
    );
    Err(EINVAL)
}

/// The `policy=` parameter.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct UserPolicy(pub(crate) Policy);

impl ModuleParam for UserPolicy {
    fn try_from_param_arg(arg: &BStr) -> Result<Self> {
        parse("policy", Policy::USER, arg).map(Self)
    }
}

/// The `mutant=` parameter: a test-only policy that overrides `policy=`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct MutantParam(pub(crate) Option<Policy>);

impl ModuleParam for MutantParam {
    fn try_from_param_arg(arg: &BStr) -> Result<Self> {
        parse("mutant", Policy::MUTANTS, arg).map(|p| Self(Some(p)))
    }
}
