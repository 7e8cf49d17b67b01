/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the rwp kselftests: a userfaultfd registered for RWP
 * (async or sync, with a handler thread that records every RWP fault), the
 * VMM's views of a range (pagemap bit 57, PAGEMAP_SCAN's PAGE_IS_ACCESSED),
 * and what the tests share beyond vm_util.
 */
#ifndef RWP_LIB_H
#define RWP_LIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/userfaultfd.h>

/* In the tree's uapi, not yet in bookworm's glibc. */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

/* A userfaultfd with one RWP-registered range. */
struct rwp_ctx {
	int uffd;
	bool sync;
	/*
	 * What the sync handler unprotects to resolve a fault: a page, or the
	 * huge page size for hugetlb, whose ranges must be aligned to it.
	 */
	size_t grain;
	char *base;
	size_t len;
	/*
	 * Sync mode, or events asked for: the handler thread, the faults it
	 * resolved and the events it read (a fork's new userfaultfd is kept
	 * open here: closing it would unregister the child).
	 */
	pthread_t handler;
	bool handler_running;
	int stop_pipe[2];
	pthread_mutex_t lock;
	unsigned long nr_faults;
	__u64 features;
	int fork_ufd;
	unsigned long nr_remaps;
	/* Per page of the first registered range: RWP faults delivered. */
	unsigned long *page_faults;
	size_t nr_pages;
};

/*
 * Opens a userfaultfd (without UFFD_USER_MODE_ONLY, so that kernel-mode
 * accesses by GUP reach it) with RWP, async or sync. Returns 0, -errno, or
 * RWP_UNSUPPORTED when the kernel has no userfaultfd or no RWP.
 */
#define RWP_UNSUPPORTED	1
int rwp_open(struct rwp_ctx *ctx, bool sync);
/* The same, with more features (UFFD_FEATURE_EVENT_FORK, _EVENT_REMAP). */
int rwp_open_features(struct rwp_ctx *ctx, bool sync, __u64 features);
/*
 * Registers [base, base + len) for RWP and, in sync mode or with events,
 * starts the handler.
 */
int rwp_register(struct rwp_ctx *ctx, void *base, size_t len);
/*
 * A second userfaultfd with [base, base + len) registered for uffd-wp and
 * write-protected: the other kind of per-PTE protection the khugepaged
 * gates keep. Returns its fd, or -errno.
 */
int uffd_wp_protect(void *base, size_t len);
/*
 * A userfaultfd of its own with [base, base + len) registered in mode
 * (UFFDIO_REGISTER_MODE_MISSING, _WP, _MINOR: vm_util's uffd_register()),
 * nothing protected and no
 * handler: a test must not touch what would raise a fault there. Returns
 * its fd, or -errno.
 */
int uffd_register_mode(void *base, size_t len, __u64 mode);
/* This process's page table memory (VmPTE in /proc/self/status), in kB, or -1. */
long rwp_vm_pte_kb(void);
/*
 * A read GUP: len bytes at addr in process pid, copied to buf by
 * process_vm_readv() (pin_user_pages_remote(), no FOLL_WRITE). Returns
 * what process_vm_readv() returns.
 */
ssize_t rwp_gup_read(pid_t pid, const void *addr, void *buf, size_t len);
/*
 * For a handler thread: waits for the next message on uffd, or for stop_fd
 * to become readable. Returns true with *msg filled, false to stop.
 */
bool rwp_next_msg(int uffd, int stop_fd, struct uffd_msg *msg);
/* UFFDIO_RWPROTECT on a sub-range: protect or unprotect. */
int rwp_protect(struct rwp_ctx *ctx, void *addr, size_t len, bool protect);
/* Stops the handler and closes the userfaultfd (which unregisters). */
void rwp_close(struct rwp_ctx *ctx);

/* Sync mode: how many RWP faults were delivered for the page at addr. */
unsigned long rwp_faults_at(struct rwp_ctx *ctx, void *addr);
/*
 * The events the handler read, waiting up to a second for the first: the
 * last fork's userfaultfd (or -1), how many remaps.
 */
int rwp_fork_ufd(struct rwp_ctx *ctx);
unsigned long rwp_remap_count(struct rwp_ctx *ctx);

/*
 * The VMM's views of a range, on top of vm_util's pagemap helpers:
 * pagemap bit 57 (PM_UFFD_WP) is set on an RWP-protected page, and
 * PAGEMAP_SCAN reports PAGE_IS_ACCESSED for a page whose protection an
 * access has cleared. All return -1 on error.
 */
int rwp_is_protected(void *addr);
long rwp_count_protected(void *addr, size_t len);
long rwp_count_accessed(void *addr, size_t len);
/* Pages of [addr, addr + len) PAGEMAP_SCAN puts in every one of category's (PAGE_IS_*). */
long rwp_count_scanned(void *addr, size_t len, __u64 category);
/* Is the page mapped at addr the shared zero page (KPF_ZERO_PAGE)? -1 on error. */
int rwp_is_zero_page(void *addr);
/* The /proc/kpageflags of the page mapped at addr: 0, or -1 if none is mapped. */
int rwp_kpageflags(void *addr, __u64 *flags);
/* Bit `bit` of them (KPF_*_BIT): 1, 0, or -1 if no page is mapped at addr. */
int rwp_kpageflag(void *addr, int bit);
/* /dev/kmsg, positioned after the last record so far; -1 on error. */
int rwp_kmsg_open_at_end(void);
/* Has a record read from fd since it was opened (or last asked) said text? */
bool rwp_kmsg_says(int fd, const char *text);

/* This process's /proc/self/pagemap (a fork child opens its own), or -1. */
int rwp_pagemap_fd(void);
/*
 * A read GUP through the gup_test debugfs file (CONFIG_GUP_TEST): cmd is
 * GUP_BASIC_TEST, PIN_BASIC_TEST or PIN_LONGTERM_TEST, gup_flags the FOLL_*
 * flags it passes through (never FOLL_WRITE here). Returns how many bytes
 * the GUP got, or -errno.
 */
long rwp_gup_test(unsigned long cmd, void *addr, size_t len, unsigned int gup_flags);
/* include/linux/mm_types.h: gup_test passes FOLL_* flags through. */
#define FOLL_HONOR_NUMA_FAULT	0x1000

/* An anonymous or shared mapping of len whose start is aligned to align. */
void *aligned_mmap(size_t len, size_t align, int prot, int flags, int fd);
/*
 * Pins the calling task to the CPU it runs on: the pages it faults in then
 * wait for the LRU in this CPU's batch, which MADV_PAGEOUT drains
 * (lru_add_drain()) before it isolates them, and come from this CPU's
 * node. 0 or -1.
 */
int rwp_stay_on_this_cpu(void);

/*
 * A sync RWP fault from a GUP that cannot retry makes handle_userfault()
 * dump the stack (CONFIG_DEBUG_VM). A test that causes one on purpose says
 * so on its output, so that whoever reads the kernel log can tell.
 */
void rwp_expect_retry_dump(void);

/*
 * NUMA balancing, for marking memory with NUMA hinting entries: an
 * accessible protnone PTE or PMD without the uffd bit. Balancing is off
 * unless the kernel turns it on by default; turned on with no scan delay
 * and a scan period of 100 ms, its scanner marks a task's memory as the
 * task runs on the CPU (task_numa_work(), from the task's ticks). Knobs:
 * numa_balancing and the scheduler's debugfs scan delay and periods.
 */
#define RWP_NUMA_KNOBS	4
struct rwp_numa_knobs {
	unsigned long saved[RWP_NUMA_KNOBS];
	bool saved_ok;
};

/* Saves the knobs; false without CONFIG_NUMA_BALANCING or debugfs. */
bool rwp_numa_save(struct rwp_numa_knobs *k);
/* Balancing on, scanning every 100 ms with no delay. */
bool rwp_numa_start(void);
/* Balancing off: nothing new is marked, marked entries still fault. */
bool rwp_numa_stop(void);
void rwp_numa_restore(const struct rwp_numa_knobs *k);
/*
 * Runs on the CPU, touching no memory, until the scanner has made `passes`
 * more passes over this mm or `seconds` went by. True if it did. A second
 * thread sleeps meanwhile: the scanner leaves a single-threaded process's
 * private pages on the local node alone (folio_can_map_prot_numa()).
 */
bool rwp_numa_spin_until_scanned(long passes, int seconds);

/*
 * Writes val to path; 0 or -errno. Not vm_util's write_file(), which ends
 * the program when the write fails: here the caller decides.
 */
int rwp_write_str(const char *path, const char *val);
/* Writes val to the cgroup file dir/file; 0 or -errno. */
int rwp_cg_write(const char *dir, const char *file, const char *val);
/*
 * A memory cgroup of the caller's own (/sys/fs/cgroup/rwp-NAME-PID), which
 * the process joins: what it faults in from now on is charged there, so
 * that memory.reclaim reclaims just that and memory.stat counts the events
 * of just its pages, not another task's. Returns the cgroup's path (one at
 * a time), or NULL with errno.
 */
const char *rwp_memcg_enter(const char *name);
/* Back to the root cgroup, and the cgroup entered removed. */
void rwp_memcg_leave(void);
/*
 * An event count of the cgroup entered (a memory.stat line), including
 * every event before the call; -1 without one.
 */
long rwp_memcg_events(const char *name);
/*
 * numa_hint_faults on the cgroup's pages taken by reading one byte of every
 * page of [addr, addr + len): another task's faults do not count. -1 on
 * error or outside a cgroup of rwp_memcg_enter()'s.
 */
long rwp_hint_faults_of_reads(char *addr, size_t len);

#endif /* RWP_LIB_H */
