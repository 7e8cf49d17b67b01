/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The documented per-page state of userfaultfd RWP (and, for the uffd-wp
 * range the khugepaged gates also guard, of uffd-wp), as a pure model: no
 * system calls here. Each rule in rwp_model.c cites the sentence of
 * Documentation/admin-guide/mm/userfaultfd.rst (or the commit) it encodes.
 *
 * The kernel shows a page through pagemap: present or swapped ("populated")
 * or neither, and bit 57 (the uffd bit: RWP-protected, or write-protected
 * in the uffd-wp range). A rule maps the state before an operation to the
 * set of outcomes the kernel may show after it; where the kernel may
 * legitimately do one thing or another (reclaim, collapse), the set has
 * more than one member and the checker adopts what the kernel shows.
 */
#ifndef RWP_MODEL_H
#define RWP_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/* What pagemap shows of one page: populated?, bit 57? */
enum rwp_out {
	OUT_NONE,	/* not populated, no marker */
	OUT_ACC,	/* populated, bit 57 clear: accessed (RWP) / writable (WP) */
	OUT_PROT,	/* populated, bit 57 set: protected */
	OUT_MARK,	/* not populated, bit 57 set: a uffd-wp PTE marker */
	NR_OUTS,
};

#define OUTBIT(o)	(1u << (o))

enum rwp_range_kind {
	R_ANON4K,	/* anonymous, MADV_NOHUGEPAGE: small pages only */
	R_ANONTHP,	/* anonymous, one PMD-sized THP */
	R_ANON64K,	/* anonymous, 64 KiB mTHP folios */
	R_SHMEM,	/* a memfd, RWP-registered */
	R_SHMEM_WP,	/* a memfd, uffd-wp-registered (the other protection) */
	NR_RANGES,
};

struct rwp_page {
	unsigned char state;	/* enum rwp_out */
	unsigned char data;	/* every byte of the page */
	bool lazy;		/* MADV_FREE'd and not written since */
	unsigned char allow;	/* OUTBITs the kernel may show now */
	unsigned int faults;	/* sync RWP messages delivered for it */
};

struct rwp_range_model {
	enum rwp_range_kind kind;
	bool shmem;
	bool wp;		/* uffd-wp, not RWP */
	size_t nr_pages;
	size_t block;		/* pages a fault may populate at once (THP) */
	/*
	 * shmem: every PTE of the block went at once (a zap that left the
	 * page table empty, which CONFIG_PT_RECLAIM frees; or a split PMD
	 * mapping, erased): the next fault may map the file's THP by a PMD.
	 */
	bool pt_maybe_freed;
	struct rwp_page *pages;
};

/* The features of a run's RWP context (a seed picks them, a reopen draws new ones). */
struct rwp_mode {
	bool sync;		/* UFFD_FEATURE_RWP_ASYNC off */
	bool event_fork;	/* UFFD_FEATURE_EVENT_FORK */
	bool event_remap;	/* UFFD_FEATURE_EVENT_REMAP */
};

struct rwp_model {
	bool sync;		/* RWP_ASYNC off (UFFDIO_SET_MODE changes it) */
	bool event_fork;
	bool event_remap;	/* the RWP context's; the uffd-wp one has none */
	struct rwp_range_model r[NR_RANGES];
};

/* How an access reaches the page. */
enum rwp_access {
	ACC_USER,	/* a load or store by this thread */
	ACC_GUP_RETRY,	/* a read GUP that may drop mmap_lock and wait */
	ACC_GUP_NORETRY,/* a read GUP that cannot wait for a handler */
};

/*
 * The system's geometry, before anything else: pages in a PMD and in the
 * mTHP folios the mTHP range uses. The ranges are sized from it.
 */
void rwp_model_geometry(size_t pmd_pages, size_t mthp_pages);
/* Pages in a range; pages a fault may populate at once (its large folio). */
size_t rwp_range_pages(int range);
size_t rwp_range_block(int range);
/* The pages of the largest range. */
size_t rwp_max_range_pages(void);

void model_init(struct rwp_model *m, const struct rwp_mode *mode);
void model_free(struct rwp_model *m);
/* Resets every page's allowed set to its current state: before each op. */
void model_begin(struct rwp_model *m);

void rule_protect(struct rwp_model *m, int r, size_t first, size_t n, bool on);
/* A shmem block mapped by a PMD is split (before a partial op, or a protect). */
void rule_file_pmd_split(struct rwp_model *m, int r);
/*
 * An access to page i. pmd_mapped: the kernel had the block mapped by a
 * PMD when it began (observed, a precondition). Returns false when the
 * access must fail (a GUP that cannot wait, in sync mode, on a protected
 * page); data, when it succeeds, is the model's contents.
 */
bool rule_access(struct rwp_model *m, int r, size_t i, enum rwp_access how,
		 bool write, unsigned char val, bool pmd_mapped);
void rule_foll_force_prot_none(struct rwp_model *m, int r, size_t i);
void rule_dontneed(struct rwp_model *m, int r, size_t first, size_t n);
void rule_punch(struct rwp_model *m, int r, size_t first, size_t n);
void rule_free(struct rwp_model *m, int r, size_t first, size_t n, const bool *swapped);
void rule_reclaim(struct rwp_model *m, int r, size_t first, size_t n);
void rule_collapse(struct rwp_model *m, int r);
/* The khugepaged daemon's passes, with an unprotected twin of each memfd. */
void rule_khugepaged(struct rwp_model *m, int r);
/* The range moved by mremap(); unless its context has EVENT_REMAP, re-registered. */
void rule_mremap(struct rwp_model *m, int r);
void rule_migrate(struct rwp_model *m, int r);
/* NUMA balancing's scanner marked the accessible present pages for hinting faults. */
void rule_numa_scan(struct rwp_model *m);
void rule_unregister(struct rwp_model *m, int r);
void rule_reopen(struct rwp_model *m, const struct rwp_mode *mode);
void rule_set_mode(struct rwp_model *m, bool sync);
/* The fork child's view of a page (no registration without EVENT_FORK). */
unsigned int rule_fork_child(const struct rwp_model *m, int r, size_t i);

/* Adopts an allowed observed outcome; false if it was not allowed. */
bool model_adopt(struct rwp_model *m, int r, size_t i, enum rwp_out seen);

const char *out_name(enum rwp_out o);

#endif /* RWP_MODEL_H */
