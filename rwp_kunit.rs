// SPDX-License-Identifier: GPL-2.0

//! KUnit suite, run when the module is loaded: the Rust gates against the kernel's stock C
//! decisions on every combination of the inputs they read, each policy's departures from them,
//! and the registration's refusal of a second provider.

use kernel::macros::kunit_tests;

#[kunit_tests(rwp)]
mod tests {
    use crate::rwp_policy::Policy;
    use crate::{
        rwp_gup,
        rwp_khugepaged,
        rwp_provider,
        rwp_rmap, //
    };
    use kernel::{
        mm::rwp_gate::{
            GupFlags,
            GupSite,
            Stock,
            UnmapBatch,
            VmaFlags, //
        },
        prelude::*, //
    };

    /// The VMA bits the gates read, or could wrongly read.
    const VMA_BITS: [VmaFlags; 8] = [
        VmaFlags::UFFD_WP,
        VmaFlags::UFFD_RWP,
        VmaFlags::UFFD_MISSING,
        VmaFlags::UFFD_MINOR,
        VmaFlags::READ,
        VmaFlags::WRITE,
        VmaFlags::EXEC,
        VmaFlags::SHARED,
    ];

    /// The FOLL bits the GUP gate reads, and two it must ignore.
    const GUP_BITS: [GupFlags; 3] = [GupFlags::HONOR_NUMA_FAULT, GupFlags::WRITE, GupFlags::FORCE];

    /// Every subset of `bits`, as the union of its members.
    fn subsets<T: Copy, const N: usize>(
        bits: [T; N],
        empty: T,
        with: fn(T, T) -> T,
    ) -> impl Iterator<Item = T> {
        (0..1u32 << N).map(move |mask| {
            (0..N)
                .filter(|i| mask & (1 << i) != 0)
                .fold(empty, |acc, i| with(acc, bits[i]))
        })
    }

    /// Every combination of VMA flags and GUP flags the gates could be asked about.
    fn inputs() -> impl Iterator<Item = (VmaFlags, GupFlags)> {
        subsets(VMA_BITS, VmaFlags::EMPTY, VmaFlags::with).flat_map(|vma| {
            subsets(GUP_BITS, GupFlags::EMPTY, GupFlags::with).map(move |gup| (vma, gup))
        })
    }

    /// The four decisions of one policy: follow, refuse collapse, refuse retraction, batch.
    type Decisions = (bool, bool, bool, UnmapBatch);

    fn rust_decisions(policy: Policy, vma: VmaFlags, gup: GupFlags) -> Decisions {
        (
            rwp_gup::can_follow_protnone(policy, vma, gup),
            rwp_khugepaged::collapse_refused(policy, vma),
            rwp_khugepaged::retract_refused(policy, vma),
            rwp_rmap::unmap_batch(policy, vma),
        )
    }

    #[test]
    fn merged_matches_stock_c() {
        for (vma, gup) in inputs() {
            for site in GupSite::ALL {
                let stock = (
                    Stock::gup_can_follow_protnone(vma, gup, site),
                    Stock::collapse_refused(vma),
                    Stock::retract_refused(vma),
                    Stock::unmap_batch(vma),
                );
                let rust = rust_decisions(Policy::Merged, vma, gup);
                let rust = (rust.0, rust.1, rust.2, Some(rust.3));
                assert_eq!(
                    (vma.bits(), gup.bits(), rust),
                    (vma.bits(), gup.bits(), stock)
                );
            }
        }
    }

    /// Where a policy must decide differently from `merged`, decision by decision (0: GUP,
    /// 1: collapse, 2: retraction, 3: unmap batch), as a predicate over the inputs. The rows of
    /// `named_differences` are instances of it.
    fn differs_from_merged(policy: Policy, decision: usize, vma: VmaFlags, gup: GupFlags) -> bool {
        let (rwp, wp, accessible) = (vma.uffd_rwp(), vma.uffd_wp(), vma.accessible());
        let readable = vma.contains(VmaFlags::READ);
        let numa = gup.honor_numa_fault();
        let force = gup.force();
        match (policy, decision) {
            (Policy::Merged, _) => false,
            // v2 faults on an RWP VMA even when it is PROT_NONE: the FOLL_FORCE livelock...
            (Policy::Seed, GUP) => rwp && !accessible,
            // ... and unmaps the large folios of protected VMAs one PTE at a time.
            (Policy::Seed, UNMAP) => wp || rwp,
            // Before the series GUP read through the RWP marker (unless it honoured NUMA
            // faults, which already fault on an accessible protnone entry)...
            (Policy::WpOnly, GUP) => rwp && accessible && !numa,
            // ... khugepaged collapsed and retracted RWP VMAs, and rmap capped uffd-wp VMAs.
            (Policy::WpOnly, COLLAPSE | RETRACT) => rwp && !wp,
            (Policy::WpOnly, UNMAP) => wp,
            (Policy::RwpOnly, COLLAPSE | RETRACT) => wp && !rwp,
            (Policy::IgnoresNuma, GUP) => numa && accessible && !rwp,
            (Policy::NoRetractGate, RETRACT) | (Policy::NoCollapseGate, COLLAPSE) => rwp && !wp,
            (Policy::MixedBatch, UNMAP) => rwp,
            (Policy::MixedBatchWp, UNMAP) => wp,
            // Exempting FOLL_FORCE reads through an accessible VMA's marker for it, and faults
            // in an inaccessible one for everything else.
            (Policy::ForceExempt, GUP) => {
                rwp && ((accessible && force && !numa) || (!accessible && !force))
            }
            (Policy::ReadableOnly, GUP) => rwp && accessible && !readable && !numa,
            // Refusing every registration refuses MISSING- and MINOR-only ones too.
            (Policy::ArmedRefused, COLLAPSE | RETRACT) => vma.uffd_armed() && !wp && !rwp,
            _ => false,
        }
    }

    const GUP: usize = 0;
    const COLLAPSE: usize = 1;
    const RETRACT: usize = 2;
    const UNMAP: usize = 3;

    /// The decisions as four comparable values.
    fn as_array(d: Decisions) -> [u32; 4] {
        [d.0.into(), d.1.into(), d.2.into(), d.3 as u32]
    }

    #[test]
    fn policies_differ_exactly_where_expected() {
        for &policy in Policy::ALL {
            for (vma, gup) in inputs() {
                let merged = as_array(rust_decisions(Policy::Merged, vma, gup));
                let this = as_array(rust_decisions(policy, vma, gup));
                for decision in [GUP, COLLAPSE, RETRACT, UNMAP] {
                    let expected = differs_from_merged(policy, decision, vma, gup);
                    let differs = merged[decision] != this[decision];
                    assert_eq!(
                        (policy.name(), decision, vma.bits(), gup.bits(), differs),
                        (policy.name(), decision, vma.bits(), gup.bits(), expected)
                    );
                }
            }
        }
    }

    #[test]
    fn named_differences() {
        let rw = VmaFlags::READ.with(VmaFlags::WRITE);
        let rwp_rw = VmaFlags::UFFD_RWP.with(rw);
        let rwp_none = VmaFlags::UFFD_RWP;
        let wp_rw = VmaFlags::UFFD_WP.with(rw);
        let rwp_write_only = VmaFlags::UFFD_RWP.with(VmaFlags::WRITE);
        let minor_shared = VmaFlags::UFFD_MINOR.with(rw).with(VmaFlags::SHARED);
        let missing_shared = VmaFlags::UFFD_MISSING.with(rw).with(VmaFlags::SHARED);
        let (read, force) = (GupFlags::EMPTY, GupFlags::FORCE);
        let numa = GupFlags::HONOR_NUMA_FAULT;
        let (one, mixed) = (UnmapBatch::One as u32, UnmapBatch::IgnoreProt as u32);
        // (policy, decision, VMA, FOLL, what merged says, what the policy says)
        let rows = [
            // process_vm_readv() of a protected page: merged faults, wp-only reads through.
            (Policy::WpOnly, GUP, rwp_rw, read, 0, 1),
            // ptrace read of an RWP VMA made PROT_NONE: merged follows, seed faults forever.
            (Policy::Seed, GUP, rwp_none, force, 1, 0),
            // A NUMA hinting entry, for a caller that honours them: merged faults.
            (Policy::IgnoresNuma, GUP, rw, numa, 0, 1),
            // MADV_COLLAPSE of a PTE-mapped shmem THP in an RWP VMA.
            (Policy::WpOnly, COLLAPSE, rwp_rw, read, 1, 0),
            (Policy::NoCollapseGate, COLLAPSE, rwp_rw, read, 1, 0),
            // ... and in a uffd-wp VMA.
            (Policy::RwpOnly, COLLAPSE, wp_rw, read, 1, 0),
            // Retracting the page table of an RWP VMA for another VMA's collapse.
            (Policy::WpOnly, RETRACT, rwp_rw, read, 1, 0),
            (Policy::NoRetractGate, RETRACT, rwp_rw, read, 1, 0),
            (Policy::RwpOnly, RETRACT, wp_rw, read, 1, 0),
            // Reclaim of a large folio in an RWP VMA: seed unmaps one PTE at a time...
            (Policy::Seed, UNMAP, rwp_rw, read, 0, one),
            // ... and in a uffd-wp VMA, as did the tree before the series.
            (Policy::Seed, UNMAP, wp_rw, read, 0, one),
            (Policy::WpOnly, UNMAP, wp_rw, read, 0, one),
            // mixed-batch lets one batch mix protected and unprotected PTEs.
            (Policy::MixedBatch, UNMAP, rwp_rw, read, 0, mixed),
            // ... and mixed-batch-wp write-protected and writable ones.
            (Policy::MixedBatchWp, UNMAP, wp_rw, read, 0, mixed),
            // ptrace read of a protected page: merged faults, force-exempt reads through.
            (Policy::ForceExempt, GUP, rwp_rw, force, 0, 1),
            // ... and of a write-only VMA's protected page: readable-only reads through.
            (Policy::ReadableOnly, GUP, rwp_write_only, force, 0, 1),
            // MADV_COLLAPSE of a MINOR-registered shmem VMA: merged collapses, armed-refused not;
            // nor does it retract a MISSING-registered one.
            (Policy::ArmedRefused, COLLAPSE, minor_shared, read, 0, 1),
            (Policy::ArmedRefused, RETRACT, missing_shared, read, 0, 1),
        ];
        for (policy, decision, vma, gup, merged_says, policy_says) in rows {
            let merged = as_array(rust_decisions(Policy::Merged, vma, gup));
            let this = as_array(rust_decisions(policy, vma, gup));
            assert_eq!(
                (policy.name(), merged[decision]),
                (policy.name(), merged_says)
            );
            assert_eq!(
                (policy.name(), this[decision]),
                (policy.name(), policy_says)
            );
        }
    }

    #[test]
    fn a_second_provider_is_busy() {
        // The module registered its gates before this suite ran.
        for &policy in Policy::ALL {
            for count in [false, true] {
                assert_eq!(rwp_provider::register(policy, count).err(), Some(EBUSY));
            }
        }
    }
}
