/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the rwp tests that only this project's programs use: the
 * reclaim test, the fuzzer, the model checker, stress and bench. What the
 * tests make upstream uses is rwp_lib.h, which `make upstream` appends to
 * vm_util.h as it is; a helper one of those tests needs moves there.
 */
#ifndef RWP_LIB_LOCAL_H
#define RWP_LIB_LOCAL_H

#include "rwp_lib.h"

/* Sync mode: how many RWP faults were delivered in all. */
unsigned long rwp_fault_count(struct rwp_ctx *ctx);
/* Is the page at addr swapped out; is it present? -1 on error. */
int rwp_is_swapped(void *addr);
int rwp_is_present(void *addr);
/*
 * Is the folio mapped at addr on an active LRU list (/proc/kpageflags
 * KPF_ACTIVE)? -1 on error. Reclaim activates a folio it failed to unmap.
 */
int rwp_folio_active(void *addr);
/*
 * Is the folio at addr swap-backed (KPF_SWAPBACKED)? A lazily freed folio
 * is not, until an unmap that finds it written again gives up on it. -1 on
 * error.
 */
int rwp_folio_swapbacked(void *addr);
/*
 * Clears this process's accessed bits and referenced flags (clear_refs 1),
 * so that reclaim's next look at a folio finds no reference to keep it
 * for. 0 or -errno.
 */
int rwp_clear_refs(void);
/* A field of /proc/self/smaps for the VMA holding addr, in kB; -1 if none. */
long rwp_smaps_kb(void *addr, const char *field);
/* xorshift64*: the next number of a sequence reproducible from its seed. */
unsigned long rwp_rand(unsigned long long *state);
/*
 * The order of the mTHP folios the tests use: 64 KiB with 4 KiB pages,
 * the size arm64 maps with its contiguous bit. Their size and their sysfs
 * directory follow from the page size.
 */
#define RWP_MTHP_ORDER	4
size_t rwp_mthp_size(void);
/* /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/file (static: one at a time). */
const char *rwp_mthp_path(const char *file);
/* Is swap configured (a device after the header of /proc/swaps)? */
bool swap_available(void);

#endif /* RWP_LIB_LOCAL_H */
