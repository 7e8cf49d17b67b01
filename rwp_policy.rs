// SPDX-License-Identifier: GPL-2.0

//! The policies the gates can decide under, and the module parameters that choose one.
//!
//! Three are for users: the 7.3 decisions and two historical ones. The others are mutants for
//! the tests: each flips or drops one input of one decision, or decides as 7.3 does and has the
//! mm re-create a bug that review of the RWP series found outside the gates ([`Recreates`]), so
//! that a test suite can show which of its tests notice. They are chosen with a parameter of
//! their own, `mutant=`, and are not offered where `policy=` lists its values.

use kernel::{
    fmt,
    mm::rwp_gate::Recreates,
    module_param::ModuleParam,
    prelude::*,
    str::BStr, //
};

/// Declares the policies from one table: the [`Policy`] enum, its lists and names, the
/// [`Policy::dispatch`] that instantiates code per policy, and the `policies` and `mutants`
/// modinfo lines the scripts read (`modinfo -F mutants rwp.ko`). A policy is its variant, the
/// name `insmod` takes, its documentation and, for a mutant that re-creates a bug outside the
/// gates, `recreating` the bug; nothing else names them all.
macro_rules! policies {
    (
        users { $($(#[doc = $udoc:literal])* $user:ident = $uname:literal,)* }
        mutants {
            $($(#[doc = $mdoc:literal])* $mutant:ident = $mname:literal
              $(recreating $bug:ident)?,)*
        }
    ) => {
        /// The decisions the gates make.
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr(u8)]
        pub(crate) enum Policy {
            $($(#[doc = $udoc])* $user,)*
            $($(#[doc = $mdoc])* $mutant,)*
        }

        impl Policy {
            /// The policies a user chooses with `policy=`.
            pub(crate) const USER: &[Self] = &[$(Self::$user),*];
            /// The mutants the tests choose with `mutant=`.
            pub(crate) const MUTANTS: &[Self] = &[$(Self::$mutant),*];
            /// Every policy: first those a user chooses, then the mutants.
            pub(crate) const ALL: &[Self] = &[$(Self::$user,)* $(Self::$mutant,)*];

            /// The name given on the command line.
            pub(crate) const fn name(self) -> &'static str {
                match self {
                    $(Self::$user => $uname,)*
                    $(Self::$mutant => $mname,)*
                }
            }

            /// The bugs outside the gates the mm re-creates under this policy.
            pub(crate) const fn recreates(self) -> Recreates {
                match self {
                    $(Self::$mutant => Recreates::NONE $(.with(Recreates::$bug))?,)*
                    _ => Recreates::NONE,
                }
            }

            /// Calls `f` instantiated for this policy's discriminant: code that takes the policy
            /// as a const generic parameter exists once per policy, and is chosen here.
            pub(crate) fn dispatch<F: PolicyFn>(self, f: F) -> F::Output {
                match self {
                    $(Self::$user => f.call::<{ Self::$user as u8 }>(),)*
                    $(Self::$mutant => f.call::<{ Self::$mutant as u8 }>(),)*
                }
            }
        }

        #[cfg(MODULE)]
        #[link_section = ".modinfo"]
        #[used(compiler)]
        static MODINFO_POLICIES: [u8; POLICIES.len()] = modinfo(POLICIES);
        const POLICIES: &str = concat!("policies=", $($uname, " ",)*);

        #[cfg(MODULE)]
        #[link_section = ".modinfo"]
        #[used(compiler)]
        static MODINFO_MUTANTS: [u8; MUTANTS.len()] = modinfo(MUTANTS);
        const MUTANTS: &str = concat!("mutants=", $($mname, " ",)*);
    };
}

/// Code instantiated once per policy, for [`Policy::dispatch`].
pub(crate) trait PolicyFn {
    /// What the code returns.
    type Output;
    /// Runs the code for the policy whose discriminant is `P`.
    fn call<const P: u8>(self) -> Self::Output;
}

/// `line`, which ends in a space, as a modinfo string (`key=value` and a NUL, as C's
/// `MODULE_INFO()` makes): the space replaced by the NUL.
const fn modinfo<const N: usize>(line: &str) -> [u8; N] {
    let bytes = line.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i + 1 < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

policies! {
    users {
        /// The decisions of the 7.3 tree, bit for bit.
        Merged = "merged",
        /// The series as posted in v2 (May 2026): GUP faults on every RWP VMA, accessible or not
        /// (v6 fixed the `FOLL_FORCE` livelock that causes on a `PROT_NONE` RWP VMA), and rmap
        /// unmaps the large folios of protected VMAs one PTE at a time.
        Seed = "seed",
        /// The gates as they were before the series: only `VM_UFFD_WP` counts. This is the bug
        /// the series fixed.
        WpOnly = "wp-only",
    }
    mutants {
        /// Khugepaged forgets `VM_UFFD_WP` and refuses RWP VMAs only (an RWP-only rewrite).
        RwpOnly = "rwp-only",
        /// GUP ignores `FOLL_HONOR_NUMA_FAULT`, and follows protnone entries it should fault on
        /// for a caller that honours NUMA hinting.
        IgnoresNuma = "ignores-numa",
        /// Collapse is refused for protected VMAs, retraction is not.
        NoRetractGate = "no-retract-gate",
        /// Retraction is refused for protected VMAs, collapse is not.
        NoCollapseGate = "no-collapse-gate",
        /// Rmap batches the PTEs of an RWP VMA whatever their uffd bit and protection, so a
        /// batch may mix protected and unprotected PTEs and a failed unmap restores them all
        /// from the first.
        MixedBatch = "mixed-batch",
        /// The uffd-wp twin of `MixedBatch`: a batch in a uffd-wp VMA may mix write-protected
        /// and writable PTEs, so a restore drops or spreads the uffd-wp bit, and an unmapped
        /// shmem batch gets its markers from its first PTE.
        MixedBatchWp = "mixed-batch-wp",
        /// The `FOLL_FORCE` livelock "fixed" by exempting `FOLL_FORCE` from the RWP fault
        /// instead of asking whether the VMA is accessible, so ptrace and `/proc/pid/mem` read
        /// through the marker of an accessible VMA.
        ForceExempt = "force-exempt",
        /// Accessibility read as readability (`VM_READ`), so the RWP marker of a write-only or
        /// exec-only VMA, which only a `FOLL_FORCE` read can read, is read through.
        ReadableOnly = "readable-only",
        /// Khugepaged refuses every userfaultfd-registered VMA (`userfaultfd_armed()` for
        /// `userfaultfd_protected()`), so a MISSING- or MINOR-registered VMA, which has no
        /// per-PTE state to lose, is never collapsed or retracted.
        ArmedRefused = "armed-refused",
        /// Fork as before RWP (copy_pte_range()'s RWP cases missing): a child's PTE keeps the
        /// uffd bit only in a uffd-wp VMA, and an RWP entry's `PAGE_NONE` is copied as it is, so
        /// a child registered for RWP (`UFFD_FEATURE_EVENT_FORK`) loses its protected pages'
        /// marks, which then trap as NUMA hinting entries that RWP never hears of.
        ForkPreRwp = "fork-pre-rwp" recreating FORK_COPY,
        /// Read fault-around on an RWP VMA (fixed in v9: "pre-faulted neighbours polluted
        /// `PAGE_IS_ACCESSED`"): a fault maps the neighbours it finds in the page cache, which
        /// then show as accessed though nobody touched them.
        FaultAround = "fault-around" recreating FAULT_AROUND,
        /// The split of a protected anonymous THP gives its PTEs the uffd bit and the VMA's
        /// protection instead of `PAGE_NONE`: the anonymous counterpart of the documented loss
        /// on a file THP's split (v7's cover letter), which unlike that one is not allowed.
        SplitUnprotects = "split-unprotects" recreating SPLIT_PROT,
        /// `PAGEMAP_SCAN` reports a range without a page table (a PMD hole) as written in
        /// every VMA, while it reports an empty PTE as nothing outside uffd-wp: the `PMD holes`
        /// bug fixed alongside the series.
        PagemapHoleWritten = "pagemap-hole-written" recreating PAGEMAP_HOLE,
        /// A write fault that swaps in a protected page which another process still maps breaks
        /// COW at once (fixed in v8: "`do_swap_page()` COWed a non-exclusive RWP page and dropped
        /// its tracking"): the copy is mapped writable without the marker, and the write is
        /// never reported.
        SwapCow = "swap-cow" recreating SWAP_COW,
    }
}

// Each bug the kernel can re-create is one mutant's, so that every one is tried; a user's policy
// re-creates none.
const _: () = {
    let mut b = 0;
    while b < Recreates::ALL.len() {
        let bug = Recreates::ALL[b];
        let mut mutants = 0;
        let mut i = 0;
        while i < Policy::MUTANTS.len() {
            let has = Policy::MUTANTS[i].recreates();
            if has.contains(bug) && bug.contains(has) {
                mutants += 1;
            }
            i += 1;
        }
        assert!(
            mutants == 1,
            "a bug the kernel can re-create needs exactly one mutant"
        );
        b += 1;
    }
    let mut u = 0;
    while u < Policy::USER.len() {
        assert!(Recreates::NONE.contains(Policy::USER[u].recreates()));
        u += 1;
    }
};

impl Policy {
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
