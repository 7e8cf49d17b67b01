// SPDX-License-Identifier: GPL-2.0
/*
 * What a run of the RWP model checker needs from the system, probed, set
 * up and restored.
 */
#include "rwp_model_world.h"

void rwp_env_probe(struct rwp_env *env)
{
	const char *dio = getenv("RWP_DIO_DIR");
	const char *t = getenv("RWP_MODEL_GUP_TIMEOUT");
	struct stat st;

	memset(env, 0, sizeof(*env));
	env->dio_dir = dio && !stat(dio, &st) ? dio : NULL;
	env->gup_test = !access("/sys/kernel/debug/gup_test", R_OK);
	env->gup_timeout = t ? atoi(t) : 5;
	/* The ranges' sizes: a PMD's pages, an mTHP folio's (0 without THP). */
	rwp_model_geometry(read_pmd_pagesize() / psize(), 1UL << RWP_MTHP_ORDER);
}

static char mthp_saved[32];
static struct rwp_numa_knobs numa_saved;

/*
 * What the ranges need from the system: 64 KiB mTHP for the mTHP range
 * (the runner's setup enables it; if not, do so and restore it at exit),
 * and a memory cgroup of our own, so that memory.reclaim is LRU reclaim
 * of just these ranges.
 */
void rwp_env_setup(struct rwp_env *env)
{
	char buf[128];

	if (read_file(rwp_mthp_path("enabled"), buf, sizeof(buf)) && strstr(buf, "[never]")) {
		snprintf(mthp_saved, sizeof(mthp_saved), "never");
		if (!rwp_write_str(rwp_mthp_path("enabled"), "always"))
			ksft_print_msg("enabled %zu KiB mTHP for the run\n", rwp_mthp_size() >> 10);
	}
	/* What rwp_env_recover() puts back after a run killed in the daemon or NUMA op. */
	thp_save_settings();
	/* Off until an op turns it on: nothing marks pages behind the model's back. */
	env->numa = rwp_numa_save(&numa_saved) && rwp_numa_stop();
	env->cgroup = rwp_memcg_enter("model");
	if (!env->cgroup) {
		ksft_print_msg("no memory cgroup: reclaim is MADV_PAGEOUT (no LRU reclaim), %s\n",
			       "no NUMA hinting fault is counted");
		env->numa = false;
		return;
	}
	/* LRU reclaim without swap; MADV_PAGEOUT allows it (allow_swap()). */
	rwp_cg_write(env->cgroup, "memory.swap.max", "0");
}

void rwp_env_restore(struct rwp_env *env)
{
	if (env->cgroup)
		rwp_memcg_leave();
	rwp_env_recover();
	if (mthp_saved[0])
		rwp_write_str(rwp_mthp_path("enabled"), mthp_saved);
}

void rwp_env_recover(void)
{
	thp_restore_settings();
	rwp_numa_restore(&numa_saved);
}
