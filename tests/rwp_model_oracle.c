// SPDX-License-Identifier: GPL-2.0
/*
 * The RWP model checker's oracle: what the kernel shows of each range
 * (pagemap, kpageflags, PAGEMAP_SCAN, the bytes), against what the model
 * allows.
 */
#include "rwp_model_world.h"

/* include/uapi/linux/kernel-page-flags.h: KPF_ZERO_PAGE (KPF_THP is in vm_util.h) */
#define KPF_ZERO	BIT_ULL(24)

/* The /proc/kpageflags of the page mapped at addr; 0 if none is. */
static __u64 kpageflags_at(char *addr)
{
	__u64 flags;

	return rwp_kpageflags(addr, &flags) ? 0 : flags;
}

/*
 * Would a read pin of addr in range r get the shared zero page: is it
 * mapped there, or would the pin's fault map it (a missing anonymous page)?
 */
bool pins_zero_page(int r, char *addr)
{
	__u64 e = pagemap_get_entry(rwp_pagemap_fd(), addr);

	/* Only the small one: is_zero_folio() is not the huge zero folio. */
	if (e & PM_PRESENT)
		return (kpageflags_at(addr) & (KPF_ZERO | KPF_THP)) == KPF_ZERO;
	return !(e & PM_SWAP) && run.memfd[r] < 0;
}

/*
 * Is page 0 of range r the huge zero page? A read fault with no page table
 * maps it by a PMD (and only by a PMD); smaps does not count it as
 * AnonHugePages.
 */
static bool huge_zero_mapped(int r)
{
	__u64 flags = kpageflags_at(run.base[r]);

	return (flags & KPF_ZERO) && (flags & KPF_THP);
}

/* Is the range's PMD-sized block mapped by a PMD right now? */
bool pmd_mapped(int r)
{
	if (r == R_ANONTHP)
		return rwp_smaps_kb(run.base[r], "AnonHugePages:") >= (long)(hpage() >> 10) ||
		       huge_zero_mapped(r);
	if (r == R_SHMEM || r == R_SHMEM_WP)
		return rwp_smaps_kb(run.base[r], "ShmemPmdMapped:") >= (long)(hpage() >> 10);
	return false;
}

/* The pagemap outcome of every page of range r; false on error. */
bool observe(int r, unsigned char *outs, bool *swapped)
{
	size_t i, nr = rwp_range_pages(r);
	bool shmem = r == R_SHMEM || r == R_SHMEM_WP;
	int tries = 0;
	__u64 e[rwp_max_range_pages()];

again:
	if (pread(rwp_pagemap_fd(), e, nr * sizeof(e[0]),
		  (unsigned long)run.base[r] / ps() * sizeof(e[0])) != (ssize_t)(nr * sizeof(e[0])))
		return false;
	/*
	 * doc: "pages temporarily replaced by migration entries": a
	 * migration entry (compaction, or a long-term pin moving the page)
	 * is transient; look again once it has gone. In shmem only the
	 * uffd-wp marker is a lasting non-present entry: swap type
	 * SWP_PTE_MARKER, the last one (frame bits 0-4).
	 */
	for (i = 0; shmem && i < nr; i++) {
		if ((e[i] & (PM_PRESENT | PM_SWAP)) == PM_SWAP && (e[i] & 31) != 31 &&
		    tries++ < 100) {
			usleep(10000);
			goto again;
		}
	}
	for (i = 0; i < nr; i++) {
		/*
		 * A swap entry in an anonymous range is a swapped-out page; in
		 * shmem (swapped out through the page cache) a non-present
		 * entry is a uffd-wp marker (pagemap sets PM_SWAP on those
		 * too) or a transient migration entry.
		 */
		bool pop = e[i] & (r == R_SHMEM || r == R_SHMEM_WP ? PM_PRESENT :
				   PM_PRESENT | PM_SWAP);
		bool bit = e[i] & PM_UFFD_WP;

		outs[i] = pop ? (bit ? OUT_PROT : OUT_ACC) : (bit ? OUT_MARK : OUT_NONE);
		if (swapped)
			swapped[i] = (e[i] & PM_SWAP) && !(e[i] & PM_PRESENT);
	}
	return true;
}

/* PAGEMAP_SCAN's PAGE_IS_ACCESSED and PAGE_IS_WRITTEN, per page; false on error. */
static bool scan_categories(int r, bool *acc, bool *written)
{
	struct page_region regions[64];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = (unsigned long)run.base[r],
		.end = (unsigned long)run.base[r] + range_len(r),
		.vec = (unsigned long)regions,
		.vec_len = 64,
		.category_anyof_mask = PAGE_IS_ACCESSED | PAGE_IS_WRITTEN,
		.return_mask = PAGE_IS_ACCESSED | PAGE_IS_WRITTEN,
	};
	unsigned long a;
	size_t i;
	long ret, k;

	memset(acc, 0, rwp_range_pages(r) * sizeof(*acc));
	memset(written, 0, rwp_range_pages(r) * sizeof(*written));
	while (arg.start < arg.end) {
		ret = ioctl(rwp_pagemap_fd(), PAGEMAP_SCAN, &arg);
		if (ret < 0)
			return false;
		for (k = 0; k < ret; k++) {
			for (a = regions[k].start; a < regions[k].end; a += ps()) {
				i = (a - (unsigned long)run.base[r]) / ps();
				acc[i] = regions[k].categories & PAGE_IS_ACCESSED;
				written[i] = regions[k].categories & PAGE_IS_WRITTEN;
			}
		}
		if (arg.walk_end >= arg.end || ret < (long)arg.vec_len)
			break;
		arg.start = arg.walk_end;
	}
	return true;
}

const char *allowed_names(unsigned int allow, char *buf, size_t len)
{
	int o;

	buf[0] = 0;
	for (o = 0; o < NR_OUTS; o++)
		if (allow & OUTBIT(o))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 buf[0] ? "|" : "", out_name(o));
	return buf;
}

/* The oracle: every page of every range against the model. */
void check_all(void)
{
	unsigned char outs[rwp_max_range_pages()];
	bool acc[rwp_max_range_pages()], written[rwp_max_range_pages()];
	char names[64];
	int r, shown = 0;
	size_t i;

	for (r = 0; r < NR_RANGES; r++) {
		struct rwp_range_model *rm = &run.m.r[r];

		if (!observe(r, outs, NULL) || (!rm->wp && !scan_categories(r, acc, written))) {
			broken("cannot read pagemap of %s: %s", rwp_range_names[r],
			       strerror(errno));
			return;
		}
		for (i = 0; i < rm->nr_pages; i++) {
			struct rwp_page *p = &rm->pages[i];
			unsigned int allow = p->allow;

			/*
			 * doc: "PAGEMAP_SCAN reports PAGE_IS_ACCESSED once
			 * the bit is clear on a VM_UFFD_RWP VMA" and "is set
			 * on an accessed page whether it is still present or
			 * has since been swapped out": the two views agree.
			 */
			bool acc_seen = outs[i] == OUT_ACC;

			if (!rm->wp && acc[i] != acc_seen && shown++ < 4)
				fail("%s page %zu: pagemap: %s, PAGEMAP_SCAN: %saccessed; ",
				     rwp_range_names[r], i, out_name(outs[i]),
				     acc[i] ? "" : "not ");
			/*
			 * doc (pagemap.rst): PAGE_IS_WRITTEN: "Page has been
			 * written to from the time it was write protected": a
			 * VMA without uffd-wp has no page written, mapped or
			 * not, whether a PTE or a whole page table is missing.
			 */
			if (!rm->wp && written[i] && shown++ < 4)
				fail("%s page %zu: pagemap: %s, PAGEMAP_SCAN: %s; ",
				     rwp_range_names[r], i, out_name(outs[i]),
				     "written, without uffd-wp");
			if (!model_adopt(&run.m, r, i, outs[i]) && shown++ < 4)
				fail("%s page %zu: kernel shows %s, model allows %s; ",
				     rwp_range_names[r], i, out_name(outs[i]),
				     allowed_names(allow, names, sizeof(names)));
			pthread_mutex_lock(&run.lock);
			if (run.faults[r][i] != p->faults && shown++ < 4)
				fail("%s page %zu: %u RWP fault messages, model says %u; ",
				     rwp_range_names[r], i, run.faults[r][i], p->faults);
			pthread_mutex_unlock(&run.lock);
		}
	}
}

void check_bytes(int r, size_t i, const unsigned char *buf, size_t len, const char *how)
{
	unsigned char want = run.m.r[r].pages[i].data;
	size_t k;

	for (k = 0; k < len; k++) {
		if (buf[k] != want) {
			fail("%s of %s page %zu read %#x at +%zu, model has %#x; ",
			     how, rwp_range_names[r], i, buf[k], k, want);
			return;
		}
	}
}
