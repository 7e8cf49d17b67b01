// SPDX-License-Identifier: GPL-2.0

//! KUnit suite, run when the module is loaded: the Rust gates against the kernel's stock C
//! decisions (`rwp_gate_stock_ops`) on synthetic VMAs, and the shim layer's checks.

use kernel::macros::kunit_tests;

#[kunit_tests(rwp)]
mod tests {
    use crate::rwp_flags::{
        FollFlags,
        VmaFlags, //
    };
    use crate::rwp_policy::Policy;
    use crate::{
        rwp_gup,
        rwp_khugepaged,
        rwp_provider,
        rwp_rmap, //
    };
    use kernel::{
        bindings,
        prelude::*, //
    };
    use pin_init::zeroed;

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
    const FOLL_BITS: [FollFlags; 3] = [
        FollFlags::HONOR_NUMA_FAULT,
        FollFlags::WRITE,
        FollFlags::FORCE,
    ];

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

    fn vma_combinations() -> impl Iterator<Item = VmaFlags> {
        subsets(VMA_BITS, VmaFlags::EMPTY, VmaFlags::with)
    }

    fn foll_combinations() -> impl Iterator<Item = FollFlags> {
        subsets(FOLL_BITS, FollFlags::EMPTY, FollFlags::with)
    }

    /// A VMA that exists only on this test's stack, with `flags`.
    fn synthetic_vma(flags: VmaFlags) -> bindings::vm_area_struct {
        let mut vma: bindings::vm_area_struct = zeroed();
        vma.__bindgen_anon_2.vm_flags = flags.bits();
        vma
    }

    /// The four decisions of one policy. The raw adapters the kernel calls only turn a locked
    /// VMA into `VmaFlags`; the synthetic VMA here is no VMA of any mm, so it is not handed to
    /// them (`VmaRef` requires its mmap lock to be held).
    fn rust_decisions(policy: Policy, flags: VmaFlags, foll: FollFlags) -> [bool; 4] {
        [
            rwp_gup::can_follow_protnone(policy, flags, foll),
            rwp_khugepaged::collapse_refused(policy, flags),
            rwp_khugepaged::collapse_refused(policy, flags),
            rwp_rmap::unmap_batch_capped(policy, flags),
        ]
    }

    /// The four decisions of the kernel's stock C.
    fn stock_decisions(vma: &mut bindings::vm_area_struct, foll: FollFlags) -> Result<[bool; 4]> {
        // SAFETY: `rwp_gate_stock_ops` is a constant table exported by the kernel.
        let stock = unsafe { &bindings::rwp_gate_stock_ops };
        let gup = stock.gup_can_follow_protnone.ok_or(EINVAL)?;
        let collapse = stock.collapse_refused.ok_or(EINVAL)?;
        let retract = stock.retract_refused.ok_or(EINVAL)?;
        let unmap = stock.unmap_batch_capped.ok_or(EINVAL)?;
        // SAFETY: The stock entries only read the flags of `vma`, which is local to this test.
        Ok(unsafe {
            [
                gup(vma, foll.bits()),
                collapse(vma),
                retract(vma),
                unmap(vma),
            ]
        })
    }

    #[test]
    fn merged_matches_stock_c() -> Result {
        for flags in vma_combinations() {
            for foll in foll_combinations() {
                let mut vma = synthetic_vma(flags);
                let rust = rust_decisions(Policy::Merged, flags, foll);
                let c = stock_decisions(&mut vma, foll)?;
                assert_eq!(
                    (flags.bits(), foll.bits(), rust),
                    (flags.bits(), foll.bits(), c)
                );
            }
        }
        Ok(())
    }

    /// Where a policy must decide differently from `merged`, gate by gate, as a predicate over
    /// the inputs. The rows of `named_differences` are instances of it.
    fn differs_from_merged(policy: Policy, gate: usize, flags: VmaFlags, foll: FollFlags) -> bool {
        let (rwp, wp, accessible) = (flags.uffd_rwp(), flags.uffd_wp(), flags.accessible());
        match (policy, gate) {
            (Policy::Merged, _) => false,
            // v2 faults on an RWP VMA even when it is PROT_NONE: the FOLL_FORCE livelock.
            (Policy::Seed, GUP) => rwp && !accessible,
            (Policy::Seed, COLLAPSE | RETRACT) => false,
            (Policy::Seed, _) => wp || rwp,
            // Before the series GUP read through the RWP marker (unless it honoured NUMA
            // faults, which already fault on an accessible protnone entry)...
            (Policy::WpOnly, GUP) => rwp && accessible && !foll.honor_numa_fault(),
            // ... and khugepaged collapsed and retracted RWP VMAs ...
            (Policy::WpOnly, COLLAPSE | RETRACT) => rwp && !wp,
            // ... and rmap capped uffd-wp VMAs only.
            (Policy::WpOnly, _) => wp,
        }
    }

    const GUP: usize = 0;
    const COLLAPSE: usize = 1;
    const RETRACT: usize = 2;
    const UNMAP: usize = 3;

    #[test]
    fn policies_differ_exactly_where_expected() {
        for policy in Policy::ALL {
            for flags in vma_combinations() {
                for foll in foll_combinations() {
                    let merged = rust_decisions(Policy::Merged, flags, foll);
                    let this = rust_decisions(policy, flags, foll);
                    for gate in [GUP, COLLAPSE, RETRACT, UNMAP] {
                        let expected = differs_from_merged(policy, gate, flags, foll);
                        let differs = merged[gate] != this[gate];
                        assert_eq!(
                            (policy.name(), gate, flags.bits(), foll.bits(), differs),
                            (policy.name(), gate, flags.bits(), foll.bits(), expected)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn named_differences() {
        let rwp_rw = VmaFlags::UFFD_RWP
            .with(VmaFlags::READ)
            .with(VmaFlags::WRITE);
        let rwp_none = VmaFlags::UFFD_RWP;
        let wp_rw = VmaFlags::UFFD_WP.with(VmaFlags::READ).with(VmaFlags::WRITE);
        let read_gup = FollFlags::EMPTY;
        let force = FollFlags::FORCE;
        // (policy, gate, VMA, FOLL, what merged says, what the policy says)
        let rows = [
            // process_vm_readv() of a protected page: merged faults, wp-only reads through.
            (Policy::WpOnly, GUP, rwp_rw, read_gup, false, true),
            // ptrace read of an RWP VMA made PROT_NONE: merged follows, seed faults forever.
            (Policy::Seed, GUP, rwp_none, force, true, false),
            // MADV_COLLAPSE of a PTE-mapped shmem THP in an RWP VMA.
            (Policy::WpOnly, COLLAPSE, rwp_rw, read_gup, true, false),
            // Retracting the page table of an RWP VMA for another VMA's collapse.
            (Policy::WpOnly, RETRACT, rwp_rw, read_gup, true, false),
            // Reclaim of a large folio in an RWP VMA: seed unmaps one PTE at a time.
            (Policy::Seed, UNMAP, rwp_rw, read_gup, false, true),
            // ... and in a uffd-wp VMA, as did the tree before the series.
            (Policy::Seed, UNMAP, wp_rw, read_gup, false, true),
            (Policy::WpOnly, UNMAP, wp_rw, read_gup, false, true),
        ];
        for (policy, gate, flags, foll, merged_says, policy_says) in rows {
            assert_eq!(
                rust_decisions(Policy::Merged, flags, foll)[gate],
                merged_says
            );
            assert_eq!(rust_decisions(policy, flags, foll)[gate], policy_says);
        }
    }

    #[test]
    fn shim_refuses_a_second_or_malformed_provider() {
        // The module registered its gates before this suite ran: any other valid table is a
        // second provider.
        let other = rwp_provider::ops(Policy::Seed);
        let mut wrong_size = *other;
        wrong_size.size -= 1;
        let mut wrong_version = *other;
        wrong_version.version += 1;
        let mut missing_entry = *other;
        missing_entry.retract_refused = None;

        let register = |ops: &bindings::rwp_gate_ops| -> i32 {
            // SAFETY: `ops` outlives the call. Every case below must be refused; should one be
            // accepted, it is unregistered at once, so the kernel keeps no pointer to it.
            let ret = unsafe { bindings::rwp_gate_register(ops) };
            if ret == 0 {
                // SAFETY: `ops` was just registered, and is still alive.
                unsafe { bindings::rwp_gate_unregister(ops) };
            }
            ret
        };
        let (busy, inval) = (EBUSY.to_errno(), EINVAL.to_errno());
        assert_eq!(register(other), busy);
        assert_eq!(register(&wrong_size), inval);
        assert_eq!(register(&wrong_version), inval);
        assert_eq!(register(&missing_entry), inval);
        // SAFETY: A null table is exactly the input being tested; the kernel checks for it.
        let null = unsafe { bindings::rwp_gate_register(core::ptr::null()) };
        assert_eq!(null, inval);
    }
}
