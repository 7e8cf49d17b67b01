// SPDX-License-Identifier: GPL-2.0

//! rwp: the userfaultfd RWP gating predicates of GUP, khugepaged and rmap, in Rust.
//!
//! Loading the module registers its gates with the kernel's `rwp_gate` layer under one policy
//! (`insmod rwp.ko policy=merged|seed|wp-only`, or a test's `mutant=NAME`); unloading it returns
//! the mm to the stock C decisions. `/sys/kernel/debug/rwp/` shows the active policy and, when
//! loaded with `counters=1` (the tests do), how often each call site of each gate was asked.

use kernel::{
    debugfs,
    fmt,
    mm::rwp_gate::Registration,
    prelude::*, //
};

#[cfg(not(CONFIG_RWP_GATE))]
compile_error!("rwp needs a kernel with CONFIG_RWP_GATE=y (the patches/ series applied)");

mod rwp_gup;
mod rwp_khugepaged;
#[cfg(CONFIG_KUNIT)]
mod rwp_kunit;
mod rwp_policy;
mod rwp_provider;
mod rwp_rmap;
mod rwp_stats;

use rwp_policy::{
    MutantParam,
    Policy,
    UserPolicy, //
};
use rwp_stats::{
    GateStats,
    STATS, //
};

module! {
    type: RwpModule,
    name: "rwp",
    authors: ["rwp developers"],
    description: "userfaultfd RWP gating predicates for GUP, khugepaged and rmap",
    license: "GPL",
    params: {
        policy: UserPolicy {
            default: UserPolicy(Policy::Merged),
            description: "Gate policy: merged (7.3), seed (v2 as posted) or wp-only (pre-RWP)",
        },
        mutant: MutantParam {
            default: MutantParam(None),
            description: "Test only: a mutant policy, overriding policy=",
        },
        counters: bool {
            default: false,
            description: "Count each gate call site's decisions in debugfs (up to three atomics a call)",
        },
    },
}

struct RwpModule {
    // Dropped first: the gates are back to stock C before the files go.
    _gates: Registration,
    _policy_file: Pin<KBox<debugfs::File<Policy>>>,
    _counters_file: Option<Pin<KBox<debugfs::File<&'static GateStats>>>>,
    _dir: debugfs::Dir<debugfs::ModuleOwner<RwpModule>>,
}

impl kernel::Module for RwpModule {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let policy = module_parameters::mutant
            .value()
            .0
            .unwrap_or(module_parameters::policy.value().0);

        // Its files are this module's: one held open keeps the module loaded.
        let dir = debugfs::Dir::for_module::<RwpModule>(c"rwp");
        let policy_file = KBox::pin_init(
            dir.read_callback_file(
                c"policy",
                policy,
                &|p: &Policy, f: &mut fmt::Formatter<'_>| writeln!(f, "{}", p.name()),
            ),
            GFP_KERNEL,
        )?;
        let count = module_parameters::counters.value();
        // Only when counting: a test that finds no file checks no counter.
        let counters_file = count
            .then(|| {
                KBox::pin_init(
                    dir.read_callback_file(
                        c"counters",
                        &STATS,
                        &|s: &&'static GateStats, f: &mut fmt::Formatter<'_>| s.write_table(f),
                    ),
                    GFP_KERNEL,
                )
            })
            .transpose()?;

        // Last, so that a failure above leaves nothing registered.
        let gates = rwp_provider::register(policy, count).inspect_err(|e| {
            pr_err!("cannot register the gates: {e:?} (another provider loaded?)\n");
        })?;
        pr_info!("gates registered, policy {}\n", policy.name());

        Ok(Self {
            _gates: gates,
            _policy_file: policy_file,
            _counters_file: counters_file,
            _dir: dir,
        })
    }
}
