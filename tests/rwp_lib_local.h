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
/*
 * arm64 maps a 64 KiB folio whose PTEs agree as one contiguous range (the
 * contiguous bit, arch/arm64/mm/contpte.c; config/arch/arm64.config sets
 * CONFIG_ARM64_CONTPTE), and reads and writes such a range as a whole: the
 * tests check that their folios went that way. No other architecture here
 * has it.
 */
#ifdef __aarch64__
#define RWP_CONTPTE	true
#else
#define RWP_CONTPTE	false
#endif
/*
 * Is the block of len bytes at addr (its own VMA's protection prot, its
 * first page readable and not protected) mapped by one contiguous range of
 * PTEs? Such a range has one accessed flag: with the accessed bits
 * cleared, a read of its first byte makes all of it young, where separate
 * PTEs make one page young, and smaps' Referenced counts young PTEs.
 * Clears this process's accessed bits. 1 or 0; -1 on error or if it is
 * neither.
 */
int rwp_contpte_mapped(char *addr, size_t len, int prot);
/* Is swap configured (a device after the header of /proc/swaps)? */
bool swap_available(void);

#endif /* RWP_LIB_LOCAL_H */
