// SPDX-License-Identifier: GPL-2.0
/*
 * The executor and oracle of the RWP model checker; see rwp_model_exec.h.
 * One run owns its ranges, its userfaultfds, a sync handler thread and a
 * reader process (forked before the ranges exist, so that it shares none
 * of their pages) that does the remote GUPs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include "kselftest.h"
#include "vm_util.h"
#include "hugepage_settings.h"
#include "../../../../mm/gup_test.h"
#include "rwp_lib.h"
#include "rwp_counters.h"
#include "rwp_model_exec.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

#define HPAGE		(2UL << 20)
#define MTHP		(64UL << 10)

const char * const rwp_op_names[NR_OPS] = {
	[OP_PROTECT] = "protect", [OP_READ] = "read", [OP_WRITE] = "write",
	[OP_GUP] = "gup", [OP_FORCE_READ] = "force_read",
	[OP_DONTNEED] = "dontneed", [OP_PAGEOUT] = "pageout", [OP_FREE] = "free",
	[OP_PUNCH] = "punch", [OP_COLLAPSE] = "collapse",
	[OP_COLLAPSE_OTHER] = "collapse_other", [OP_RECLAIM] = "reclaim",
	[OP_FORK] = "fork", [OP_SET_MODE] = "set_mode",
	[OP_UNREGISTER] = "unregister", [OP_COMPACT] = "compact",
	[OP_REFILL] = "refill", [OP_PIN] = "pin", [OP_KHUGEPAGED] = "khugepaged",
	[OP_MREMAP] = "mremap", [OP_NUMA_SCAN] = "numa_scan",
};

static const char * const op_enum[NR_OPS] = {
	"OP_PROTECT", "OP_READ", "OP_WRITE", "OP_GUP", "OP_FORCE_READ",
	"OP_DONTNEED", "OP_PAGEOUT", "OP_FREE", "OP_PUNCH", "OP_COLLAPSE",
	"OP_COLLAPSE_OTHER", "OP_RECLAIM", "OP_FORK", "OP_SET_MODE",
	"OP_UNREGISTER", "OP_COMPACT", "OP_REFILL", "OP_PIN", "OP_KHUGEPAGED",
	"OP_MREMAP", "OP_NUMA_SCAN",
};

const char * const rwp_range_names[NR_RANGES] = {
	"anon4k", "anon_thp", "anon64k", "shmem", "shmem_wp",
};

static const char * const range_enum[NR_RANGES] = {
	"R_ANON4K", "R_ANONTHP", "R_ANON64K", "R_SHMEM", "R_SHMEM_WP",
};

const char * const rwp_gup_names[NR_GUPS] = {
	"process_vm_readv", "remote_process_vm_readv", "proc_self_mem",
	"remote_proc_mem", "ptrace_peekdata", "vmsplice", "odirect_write",
	"gup_test_get", "gup_test_pin", "gup_test_pin_longterm", "gup_test_honor_numa",
};

/* Reader requests. */
enum { REQ_PVR, REQ_PROC_MEM, REQ_PEEK };

struct req {
	int kind;
	pid_t tid;
	unsigned long addr;
	size_t len;
};

struct resp {
	long ret;
	int err;
	unsigned char buf[64];
};

#define MAX_PINS	16

/* One run's world. */
static struct run {
	const struct rwp_env *env;
	struct rwp_model m;
	char *base[NR_RANGES];
	int memfd[NR_RANGES];
	int uffd, wp_uffd;
	int child_uffd;		/* a fork child's context (EVENT_FORK) */
	pthread_t handler;
	bool handler_running;
	int stop[2];
	pthread_mutex_t lock;
	unsigned int *faults[NR_RANGES];
	unsigned int remaps;	/* UFFD_EVENT_REMAP messages read */
	pid_t reader;
	int req_fd, resp_fd;
	int pins[MAX_PINS][2];
	int nr_pins;
	int dio_fd;
	char *dio_buf;
	char *msg;
	size_t msglen;
} run;

static size_t ps(void)
{
	return psize();
}

static size_t range_len(int r)
{
	return rwp_range_pages(r) * ps();
}

static char *page_addr(int r, size_t i)
{
	return run.base[r] + i * ps();
}

/* gup_test_honor_numa's window: at most HONOR_PAGES of its pages. */
#define HONOR_PAGES	16

static size_t honor_pages(size_t n)
{
	return n < HONOR_PAGES ? n : HONOR_PAGES;
}

static __printf(1, 2) void fail(const char *fmt, ...)
{
	va_list ap;
	size_t used = strlen(run.msg);

	if (used + 2 >= run.msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(run.msg + used, run.msglen - used, fmt, ap);
	va_end(ap);
}

/*
 * An op that could not run as meant (the system did not do its part): no
 * finding about the kernel's RWP state, and never to be taken for one.
 */
#define broken(fmt, ...)	fail(RWP_EXEC_BROKEN fmt, ##__VA_ARGS__)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool failed(void)
{
	return run.msg[0];
}

/* --- the sync handler ------------------------------------------------- */

static void *handler(void *arg)
{
	struct uffd_msg msg;
	int r;

	while (rwp_next_msg(run.uffd, run.stop[0], &msg)) {
		if (msg.event == UFFD_EVENT_FORK) {
			/*
			 * The child's context: nobody serves it, but closing it
			 * would unregister the child's ranges while it looks at
			 * them; op_fork() closes it once the child is done.
			 */
			pthread_mutex_lock(&run.lock);
			if (run.child_uffd >= 0)
				close(run.child_uffd);
			run.child_uffd = msg.arg.fork.ufd;
			pthread_mutex_unlock(&run.lock);
			continue;
		}
		if (msg.event == UFFD_EVENT_REMAP) {
			/* Reading it lets the mremap() go on. */
			pthread_mutex_lock(&run.lock);
			run.remaps++;
			pthread_mutex_unlock(&run.lock);
			continue;
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;

		unsigned long addr = msg.arg.pagefault.address & ~(ps() - 1);

		for (r = 0; r < NR_RANGES; r++) {
			char *b = run.base[r];

			if (addr < (unsigned long)b || addr >= (unsigned long)b + range_len(r))
				continue;
			pthread_mutex_lock(&run.lock);
			if (msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_RWP)
				run.faults[r][(addr - (unsigned long)b) / ps()]++;
			pthread_mutex_unlock(&run.lock);
		}
		/* Resolve: unprotect the page, which wakes the faulting thread. */
		struct uffdio_rwprotect rwp = { .range = { .start = addr, .len = ps() } };

		ioctl(run.uffd, UFFDIO_RWPROTECT, &rwp);
	}
	return NULL;
}

/* --- the reader process ----------------------------------------------- */

static void reader_loop(pid_t parent, int in, int out, int timeout)
{
	char path[64];
	struct req q;
	struct resp a;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", parent);
	while (read(in, &q, sizeof(q)) == sizeof(q)) {
		memset(&a, 0, sizeof(a));
		/* A livelocked read ends here: SIGALRM is fatal, GUP checks for it. */
		alarm(timeout);
		switch (q.kind) {
		case REQ_PVR:
			a.ret = rwp_gup_read(parent, (void *)q.addr, a.buf, q.len);
			break;
		case REQ_PROC_MEM:
			fd = open(path, O_RDONLY);
			a.ret = fd < 0 ? -1 : pread(fd, a.buf, q.len, q.addr);
			if (fd >= 0)
				close(fd);
			break;
		case REQ_PEEK: {
			int st;
			long word;

			a.ret = -1;
			if (ptrace(PTRACE_SEIZE, q.tid, 0, 0))
				break;
			if (!ptrace(PTRACE_INTERRUPT, q.tid, 0, 0) &&
			    waitpid(q.tid, &st, __WALL) == q.tid) {
				errno = 0;
				word = ptrace(PTRACE_PEEKDATA, q.tid, (void *)q.addr, 0);
				if (!errno) {
					memcpy(a.buf, &word, sizeof(word));
					a.ret = sizeof(word);
				}
			}
			a.err = errno;
			ptrace(PTRACE_DETACH, q.tid, 0, 0);
			break;
		}
		}
		alarm(0);
		if (a.ret < 0 && !a.err)
			a.err = errno;
		if (write(out, &a, sizeof(a)) != sizeof(a))
			break;
	}
	_exit(0);
}

static int reader_start(void)
{
	int req[2], resp[2];
	pid_t parent = getpid();

	if (pipe(req) || pipe(resp))
		return -1;
	run.reader = fork();
	if (run.reader < 0)
		return -1;
	if (!run.reader) {
		close(req[1]);
		close(resp[0]);
		reader_loop(parent, req[0], resp[1], run.env->gup_timeout);
	}
	close(req[0]);
	close(resp[1]);
	/* The reader traces this process for PTRACE_PEEKDATA (Yama). */
	prctl(PR_SET_PTRACER, run.reader);
	run.req_fd = req[1];
	run.resp_fd = resp[0];
	return 0;
}

/* Returns false if the reader died: a read it did never completed. */
static bool reader_ask(int kind, void *addr, size_t len, struct resp *a)
{
	struct req q = { .kind = kind, .tid = gettid(), .addr = (unsigned long)addr, .len = len };

	ssize_t got;

	if (write(run.req_fd, &q, sizeof(q)) != sizeof(q))
		return false;
	do {
		got = read(run.resp_fd, a, sizeof(*a));
	} while (got < 0 && errno == EINTR);
	/* EOF: the reader is gone (killed by its alarm). */
	return got == sizeof(*a);
}

/* --- setup ------------------------------------------------------------ */

static void fill(int r)
{
	size_t i;

	for (i = 0; i < rwp_range_pages(r); i++)
		memset(page_addr(r, i), run.m.r[r].pages[i].data, ps());
}

static int open_uffd(__u64 features)
{
	struct uffdio_api api = { .api = UFFD_API, .features = features };
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int do_register(int r)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)run.base[r], .len = range_len(r) },
		.mode = r == R_SHMEM_WP ? UFFDIO_REGISTER_MODE_WP : UFFDIO_REGISTER_MODE_RWP,
	};

	return ioctl(r == R_SHMEM_WP ? run.wp_uffd : run.uffd, UFFDIO_REGISTER, &reg);
}

static int setup(const struct rwp_mode *mode)
{
	int r;

	model_init(&run.m, mode);
	pthread_mutex_init(&run.lock, NULL);
	run.dio_fd = -1;
	run.child_uffd = -1;
	if (reader_start()) {
		fail("cannot start the reader: %s", strerror(errno));
		return -1;
	}
	for (r = 0; r < NR_RANGES; r++) {
		size_t len = range_len(r);

		run.memfd[r] = -1;
		if (r == R_SHMEM || r == R_SHMEM_WP) {
			run.memfd[r] = memfd_create("rwp-model", MFD_CLOEXEC);
			if (run.memfd[r] < 0 || ftruncate(run.memfd[r], len))
				goto err;
			run.base[r] = aligned_mmap(len, HPAGE, PROT_READ | PROT_WRITE,
						   MAP_SHARED, run.memfd[r]);
		} else {
			run.base[r] = aligned_mmap(len, r == R_ANON64K ? MTHP : HPAGE,
						   PROT_READ | PROT_WRITE,
						   MAP_PRIVATE | MAP_ANONYMOUS, -1);
		}
		if (run.base[r] == MAP_FAILED)
			goto err;
		if (r == R_ANON4K)
			madvise(run.base[r], len, MADV_NOHUGEPAGE);
		if (r == R_ANONTHP)
			madvise(run.base[r], len, MADV_HUGEPAGE);
		run.faults[r] = calloc(rwp_range_pages(r), sizeof(unsigned int));
		fill(r);
	}
	/* Best effort: a PMD THP for the anon THP range (observed, not assumed). */
	madvise(run.base[R_ANONTHP], HPAGE, MADV_COLLAPSE);

	run.uffd = open_uffd(UFFD_FEATURE_RWP | (mode->sync ? 0 : UFFD_FEATURE_RWP_ASYNC) |
			     (mode->event_fork ? UFFD_FEATURE_EVENT_FORK : 0) |
			     (mode->event_remap ? UFFD_FEATURE_EVENT_REMAP : 0));
	run.wp_uffd = open_uffd(UFFD_FEATURE_WP_HUGETLBFS_SHMEM);
	if (run.uffd < 0 || run.wp_uffd < 0) {
		fail("UFFDIO_API: %s", strerror(errno));
		return -1;
	}
	for (r = 0; r < NR_RANGES; r++) {
		if (do_register(r)) {
			fail("UFFDIO_REGISTER %s: %s", rwp_range_names[r], strerror(errno));
			return -1;
		}
	}
	if (pipe(run.stop) || pthread_create(&run.handler, NULL, handler, NULL)) {
		fail("no handler thread");
		return -1;
	}
	run.handler_running = true;
	if (run.env->dio_dir) {
		char path[256];

		snprintf(path, sizeof(path), "%s/rwp-model.%d", run.env->dio_dir, getpid());
		run.dio_fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_DIRECT, 0600);
		if (run.dio_fd >= 0)
			unlink(path);
		run.dio_buf = mmap(NULL, ps(), PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	return 0;
err:
	fail("cannot map %s: %s", rwp_range_names[r], strerror(errno));
	return -1;
}

static void release_pins(void)
{
	while (run.nr_pins > 0) {
		run.nr_pins--;
		close(run.pins[run.nr_pins][0]);
		close(run.pins[run.nr_pins][1]);
	}
}

/* --- what the kernel shows -------------------------------------------- */

/* include/uapi/linux/kernel-page-flags.h: KPF_ZERO_PAGE (KPF_THP is in vm_util.h) */
#define KPF_ZERO	BIT_ULL(24)

/* The /proc/kpageflags of the page mapped at addr; 0 if none is. */
static __u64 kpageflags_at(char *addr)
{
	unsigned long pfn = pagemap_get_pfn(rwp_pagemap_fd(), addr);
	__u64 flags = 0;
	int fd;

	if (pfn == -1UL)
		return 0;
	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &flags, sizeof(flags), pfn * sizeof(flags)) != sizeof(flags))
		flags = 0;
	close(fd);
	return flags;
}

/*
 * Would a read pin of addr in range r get the shared zero page: is it
 * mapped there, or would the pin's fault map it (a missing anonymous page)?
 */
static bool pins_zero_page(int r, char *addr)
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
static bool pmd_mapped(int r)
{
	if (r == R_ANONTHP)
		return rwp_smaps_kb(run.base[r], "AnonHugePages:") >= (long)(HPAGE >> 10) ||
		       huge_zero_mapped(r);
	if (r == R_SHMEM || r == R_SHMEM_WP)
		return rwp_smaps_kb(run.base[r], "ShmemPmdMapped:") >= (long)(HPAGE >> 10);
	return false;
}

/* The pagemap outcome of every page of range r; false on error. */
static bool observe(int r, unsigned char *outs, bool *swapped)
{
	size_t i, nr = rwp_range_pages(r);
	bool shmem = r == R_SHMEM || r == R_SHMEM_WP;
	int tries = 0;
	__u64 e[512];

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

/* PAGEMAP_SCAN's PAGE_IS_ACCESSED, per page; false on error. */
static bool scan_accessed(int r, bool *acc)
{
	struct page_region regions[64];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = (unsigned long)run.base[r],
		.end = (unsigned long)run.base[r] + range_len(r),
		.vec = (unsigned long)regions,
		.vec_len = 64,
		.category_mask = PAGE_IS_ACCESSED,
		.return_mask = PAGE_IS_ACCESSED,
	};
	unsigned long a;
	long ret, k;

	memset(acc, 0, rwp_range_pages(r) * sizeof(*acc));
	while (arg.start < arg.end) {
		ret = ioctl(rwp_pagemap_fd(), PAGEMAP_SCAN, &arg);
		if (ret < 0)
			return false;
		for (k = 0; k < ret; k++)
			for (a = regions[k].start; a < regions[k].end; a += ps())
				acc[(a - (unsigned long)run.base[r]) / ps()] = true;
		if (arg.walk_end >= arg.end || ret < (long)arg.vec_len)
			break;
		arg.start = arg.walk_end;
	}
	return true;
}

static const char *allowed_names(unsigned int allow, char *buf, size_t len)
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
static void check_all(void)
{
	unsigned char outs[512];
	bool acc[512];
	char names[64];
	int r, shown = 0;
	size_t i;

	for (r = 0; r < NR_RANGES; r++) {
		struct rwp_range_model *rm = &run.m.r[r];

		if (!observe(r, outs, NULL) || (!rm->wp && !scan_accessed(r, acc))) {
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

/* --- operations ------------------------------------------------------- */

static void check_bytes(int r, size_t i, const unsigned char *buf, size_t len, const char *how)
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

static void op_access(int r, size_t first, size_t n, bool write, unsigned char val)
{
	bool pmd = pmd_mapped(r);
	size_t i;

	/* The uffd-wp range is only read: its writes would wait on a WP fault. */
	if (r == R_SHMEM_WP)
		write = false;
	for (i = first; i < first + n; i++) {
		unsigned char *p = (unsigned char *)page_addr(r, i);
		unsigned char got[2];

		rule_access(&run.m, r, i, ACC_USER, write, val, pmd);
		if (write) {
			memset((char *)p, val, ps());
		} else {
			got[0] = FORCE_READ(p[0]);
			got[1] = FORCE_READ(p[ps() - 1]);
			check_bytes(r, i, got, 2, "a load");
		}
	}
}

static enum rwp_access gup_access(int kind)
{
	switch (kind) {
	case GUP_PROC_MEM:
	case GUP_PROC_MEM_REMOTE:
	case GUP_PEEKDATA:
	case GUP_TEST_GET:
	case GUP_TEST_PIN:
	case GUP_TEST_LONGTERM:
	case GUP_TEST_HONOR:
		/* access_remote_vm() and plain get/pin_user_pages(): no retry. */
		return ACC_GUP_NORETRY;
	default:
		return ACC_GUP_RETRY;
	}
}

static void op_gup(int r, size_t i, int kind)
{
	char *addr = page_addr(r, i);
	unsigned char buf[64];
	struct resp a;
	bool ok, pmd = pmd_mapped(r);
	long ret = -1;
	size_t len = 0;
	int fd;

	if (kind == GUP_ODIRECT && run.dio_fd < 0)
		kind = GUP_PVR_LOCAL;
	if (kind >= GUP_TEST_GET && !run.env->gup_test)
		kind = GUP_PVR_LOCAL;
	/*
	 * A pin of the shared zero page takes no pin (mm/gup.c: "if a
	 * zero_page is amongst the returned pages, it will not have pins in
	 * it"), which gup_test's own check takes for a bug and WARNs about
	 * (verify_dma_pinned()): get it instead.
	 */
	if ((kind == GUP_TEST_PIN || kind == GUP_TEST_LONGTERM) && pins_zero_page(r, addr))
		kind = GUP_TEST_GET;
	ok = rule_access(&run.m, r, i, gup_access(kind), false, 0, pmd);
	if (!ok)
		/* The runner counts these: the refusal dumps the stack (DEBUG_VM). */
		rwp_expect_retry_dump();

	switch (kind) {
	case GUP_PVR_LOCAL:
		len = sizeof(buf);
		ret = rwp_gup_read(getpid(), addr, buf, len);
		break;
	case GUP_PVR_REMOTE:
	case GUP_PROC_MEM_REMOTE:
	case GUP_PEEKDATA:
		len = kind == GUP_PEEKDATA ? sizeof(long) : sizeof(buf);
		if (!reader_ask(kind == GUP_PVR_REMOTE ? REQ_PVR :
				kind == GUP_PEEKDATA ? REQ_PEEK : REQ_PROC_MEM, addr, len, &a)) {
			fail("%s of %s page %zu: no answer in %d s, the reader was killed; ",
			     rwp_gup_names[kind], rwp_range_names[r], i, run.env->gup_timeout);
			return;
		}
		ret = a.ret;
		memcpy(buf, a.buf, sizeof(buf));
		break;
	case GUP_PROC_MEM:
		len = sizeof(buf);
		fd = open("/proc/self/mem", O_RDONLY);
		ret = fd < 0 ? -1 : pread(fd, buf, len, (unsigned long)addr);
		if (fd >= 0)
			close(fd);
		break;
	case GUP_VMSPLICE: {
		struct iovec iov = { .iov_base = addr, .iov_len = sizeof(buf) };
		int *p = run.pins[run.nr_pins];

		int t[2];

		len = sizeof(buf);
		if (run.nr_pins == MAX_PINS)
			release_pins();
		p = run.pins[run.nr_pins];
		if (pipe(p))
			break;
		run.nr_pins++;
		/* The pipe keeps the page referenced until the next reclaim. */
		ret = vmsplice(p[1], &iov, 1, 0);
		if (ret != (long)len || pipe(t))
			break;
		/* Read a copy: the pinned buffer stays in p. */
		ret = tee(p[0], t[1], len, 0) == (long)len ? read(t[0], buf, len) : -1;
		close(t[0]);
		close(t[1]);
		break;
	}
	case GUP_ODIRECT:
		len = 16;
		ret = pwrite(run.dio_fd, addr, ps(), 0);
		if (ret == (long)ps())
			ret = pread(run.dio_fd, run.dio_buf, ps(), 0) == (long)ps() ?
			      (long)len : -1;
		memcpy(buf, run.dio_buf, len);
		break;
	default:
		len = 0;
		ret = rwp_gup_test(kind == GUP_TEST_PIN ? PIN_BASIC_TEST :
				   kind == GUP_TEST_LONGTERM ? PIN_LONGTERM_BENCHMARK :
				   GUP_BASIC_TEST, addr, ps(),
				   kind == GUP_TEST_HONOR ? FOLL_HONOR_NUMA_FAULT : 0);
		/* gup_test reports how far it got: a whole page or nothing. */
		if (ret == (long)ps())
			ret = 0;
		else if (ret >= 0)
			ret = -1;
		break;
	}
	if (!ok) {
		if (ret >= 0)
			fail("%s of protected %s page %zu in sync mode completed (%ld) %s; ",
			     rwp_gup_names[kind], rwp_range_names[r], i, ret,
			     "without waiting for the handler");
		return;
	}
	if (ret != (long)len) {
		fail("%s of %s page %zu failed: ret %ld (%s); ", rwp_gup_names[kind],
		     rwp_range_names[r], i, ret, strerror(errno));
		return;
	}
	check_bytes(r, i, buf, len, rwp_gup_names[kind]);
}

/* OP_FORCE_READ's protections: PROT_NONE half the time, write-only, exec-only. */
static int force_read_prot(unsigned int arg)
{
	static const int prot[] = { PROT_NONE, PROT_NONE, PROT_WRITE, PROT_EXEC };

	return prot[(arg >> 1) % 4];
}

static const char *prot_name(int prot)
{
	return prot == PROT_NONE ? "PROT_NONE" : prot == PROT_WRITE ? "PROT_WRITE" : "PROT_EXEC";
}

/*
 * A FOLL_FORCE read (ptrace's PTRACE_PEEKDATA, or a tracer's /proc/pid/mem)
 * of page i while the whole range is mprotect()ed to prot. PROT_NONE: the
 * VMA is inaccessible and the read must complete, not loop. Write-only or
 * exec-only: the VMA is still accessible (vma_is_accessible(): read, write
 * or exec), so a read of a protected page is an RWP access like any other
 * GUP's, though the VMA is not readable: only FOLL_FORCE reads it at all.
 */
static void op_force_read(int r, size_t i, bool peek, int prot)
{
	const char *how = peek ? "PTRACE_PEEKDATA" : "/proc/pid/mem";
	char *addr = page_addr(r, i);
	long len = peek ? sizeof(long) : 64;
	bool done, ok = true, pmd = pmd_mapped(r);
	struct resp a;

	if (mprotect(run.base[r], range_len(r), prot)) {
		fail("mprotect(%s): %s; ", prot_name(prot), strerror(errno));
		return;
	}
	if (prot == PROT_NONE)
		rule_foll_force_prot_none(&run.m, r, i);
	else
		ok = rule_access(&run.m, r, i, ACC_GUP_NORETRY, false, 0, pmd);
	if (!ok)
		/* The runner counts these: the refusal dumps the stack (DEBUG_VM). */
		rwp_expect_retry_dump();
	done = reader_ask(peek ? REQ_PEEK : REQ_PROC_MEM, addr, len, &a);
	if (mprotect(run.base[r], range_len(r), PROT_READ | PROT_WRITE))
		fail("mprotect(PROT_READ|PROT_WRITE): %s; ", strerror(errno));
	if (!done) {
		fail("FOLL_FORCE read (%s) of %s page %zu, %s RWP VMA: %s %d s%s; ", how,
		     rwp_range_names[r], i, prot_name(prot), "no answer in", run.env->gup_timeout,
		     prot == PROT_NONE ? ": livelock" : "");
		return;
	}
	if (!ok) {
		if (a.ret >= 0)
			fail("FOLL_FORCE read (%s) of protected %s page %zu, %s VMA, %s; ",
			     how, rwp_range_names[r], i, prot_name(prot),
			     "sync mode: completed without waiting for the handler");
		return;
	}
	if (a.ret != len) {
		fail("FOLL_FORCE read (%s) of %s page %zu in a %s VMA failed: %ld (%s); ",
		     how, rwp_range_names[r], i, prot_name(prot), a.ret, strerror(a.err));
		return;
	}
	check_bytes(r, i, a.buf, a.ret, "FOLL_FORCE read");
}

static void op_fork(void)
{
	unsigned char outs[NR_RANGES][512];
	char names[64];
	int r, st, fds[2], shown = 0;
	pid_t child;
	size_t i;

	if (pipe(fds))
		return;
	child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (!child) {
		close(fds[0]);
		for (r = 0; r < NR_RANGES; r++) {
			memset(outs[r], 0xff, sizeof(outs[r]));
			observe(r, outs[r], NULL);
			/* Reads of what is accessible: they change nothing. */
			for (i = 0; i < rwp_range_pages(r); i++)
				if (outs[r][i] == OUT_ACC &&
				    FORCE_READ(*page_addr(r, i)) !=
				    (char)run.m.r[r].pages[i].data)
					outs[r][i] = 0xfe;
		}
		_exit(write(fds[1], outs, sizeof(outs)) == sizeof(outs) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], outs, sizeof(outs)) != sizeof(outs))
		fail("the fork child reported nothing; ");
	close(fds[0]);
	waitpid(child, &st, 0);
	pthread_mutex_lock(&run.lock);
	if (run.child_uffd >= 0)
		close(run.child_uffd);
	run.child_uffd = -1;
	pthread_mutex_unlock(&run.lock);
	if (failed())
		return;
	for (r = 0; r < NR_RANGES; r++) {
		for (i = 0; i < rwp_range_pages(r); i++) {
			unsigned int allow = rule_fork_child(&run.m, r, i);

			if (outs[r][i] == 0xfe && shown++ < 4)
				fail("fork child: %s page %zu has the wrong data; ",
				     rwp_range_names[r], i);
			else if (outs[r][i] < NR_OUTS && !(allow & OUTBIT(outs[r][i])) &&
				 shown++ < 4)
				fail("fork child: %s page %zu shows %s, model allows %s; ",
				     rwp_range_names[r], i, out_name(outs[r][i]),
				     allowed_names(allow, names, sizeof(names)));
		}
	}
}

static void sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	/* memory.reclaim says EAGAIN when it got less than asked: fine. */
	if (write(fd, val, strlen(val)) < 0)
		errno = 0;
	close(fd);
}

/*
 * The cgroup may not swap (memory.swap.max 0, set up by the driver): LRU
 * reclaim then takes only what needs no swap (lazily freed anonymous
 * memory), and leaves anonymous large folios whole for the next lazy free.
 * MADV_PAGEOUT is how a range is swapped out: swap is allowed around it.
 */
static void allow_swap(bool allow)
{
	char path[256];

	if (!run.env->cgroup)
		return;
	snprintf(path, sizeof(path), "%s/memory.swap.max", run.env->cgroup);
	sysfs_write(path, allow ? "max" : "0");
}

static void op_reclaim(void)
{
	char path[256];
	int r, k;

	if (run.env->cgroup) {
		/*
		 * LRU reclaim: unlike MADV_PAGEOUT it does not split a large
		 * folio whose PTEs differ first. Young folios take a few
		 * passes.
		 */
		snprintf(path, sizeof(path), "%s/memory.reclaim", run.env->cgroup);
		for (k = 0; k < 6; k++)
			sysfs_write(path, "16M");
	} else {
		for (r = 0; r < NR_RANGES; r++)
			madvise(run.base[r], range_len(r), MADV_PAGEOUT);
	}
	release_pins();
	for (r = 0; r < NR_RANGES; r++)
		rule_reclaim(&run.m, r, 0, rwp_range_pages(r));
}

/*
 * MADV_COLLAPSE of the other mapping, whose VMA is registered for MINOR
 * faults (a VMM's postcopy destination) and never touched: no per-PTE state
 * to lose, so it must collapse, unless the file has nothing in the range
 * (collapse_file(): SCAN_TRUNCATED, -EINVAL). The transient failures are
 * -EAGAIN (a page locked, isolated or pinned) and -ENOMEM. Another -EINVAL,
 * which is how a gate's refusal (SCAN_PTE_UFFD) shows, or a success that
 * left no PMD, is the kernel refusing what it must not.
 */
#define COLLAPSE_TRIES	3

static void collapse_armed_other(char *map, int memfd)
{
	int tries = 0, ret;

	if (lseek(memfd, 0, SEEK_DATA) < 0)
		return;
	do {
		ret = madvise(map, HPAGE, MADV_COLLAPSE) ? errno : 0;
	} while (ret == EAGAIN && ++tries < COLLAPSE_TRIES);
	if (ret == EINVAL)
		fail("MADV_COLLAPSE of a MINOR-registered mapping refused (EINVAL); ");
	else if (!ret && !check_huge_shmem(map, HPAGE, 1, HPAGE))
		fail("MADV_COLLAPSE of a MINOR-registered mapping left it PTE-mapped; ");
}

static void op_collapse(int r, bool other)
{
	char *map;
	int armed;

	/* Whether the range's own collapse succeeds is the kernel's business: both allowed. */
	if (!other || run.memfd[r] < 0) {
		madvise(run.base[r], r == R_ANON4K || r == R_ANON64K ? range_len(r) : HPAGE,
			MADV_COLLAPSE);
		rule_collapse(&run.m, r);
		return;
	}
	map = aligned_mmap(HPAGE, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, run.memfd[r]);
	if (map == MAP_FAILED) {
		broken("no second mapping of %s: %s; ", rwp_range_names[r], strerror(errno));
		return;
	}
	armed = uffd_register_mode(map, HPAGE, UFFDIO_REGISTER_MODE_MINOR);
	if (armed < 0)
		broken("MINOR registration of a second mapping: %s; ", strerror(-armed));
	else
		collapse_armed_other(map, run.memfd[r]);
	munmap(map, HPAGE);
	if (armed >= 0)
		close(armed);
	rule_collapse(&run.m, r);
}

/*
 * The khugepaged daemon: THP for MADV_HUGEPAGE VMAs (the anon THP range;
 * the daemon scans only PMD-sized spans, so not the smaller ranges), and
 * an unprotected MADV_HUGEPAGE twin mapping of each memfd, whose collapse
 * retracts the page tables of every mapping of the file. Three full passes:
 * the second starts after this mm was queued, the third scans the
 * collapsed file's mappings again. If the daemon makes fewer in time, the
 * op did not run as meant, which fails it (not as a mismatch). The settings are
 * put back here, or, should this process be killed in between, by the
 * parent (rwp_env_recover()).
 */
#define KHUGEPAGED_SECONDS	30

static void op_khugepaged(void)
{
	struct thp_settings saved, s;
	char *twin[NR_RANGES] = { 0 };
	unsigned long start, passes;
	double deadline;
	int r;

	thp_read_settings(&saved);
	s = saved;
	s.thp_enabled = THP_MADVISE;
	s.shmem_enabled = SHMEM_ADVISE;
	s.khugepaged.scan_sleep_millisecs = 10;
	s.khugepaged.alloc_sleep_millisecs = 10;
	s.khugepaged.pages_to_scan = 8 * (HPAGE / ps());
	thp_write_settings(&s);
	for (r = 0; r < NR_RANGES; r++) {
		if (run.memfd[r] < 0)
			continue;
		twin[r] = aligned_mmap(HPAGE, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
				       run.memfd[r]);
		if (twin[r] == MAP_FAILED)
			twin[r] = NULL;
		else
			madvise(twin[r], HPAGE, MADV_HUGEPAGE);
	}
	start = thp_read_num("khugepaged/full_scans");
	deadline = now() + KHUGEPAGED_SECONDS;
	while ((passes = thp_read_num("khugepaged/full_scans") - start) < 3 && now() < deadline)
		usleep(20 * 1000);
	thp_write_settings(&saved);
	if (passes < 3)
		broken("the khugepaged daemon made %lu of 3 full passes in %d s; ", passes,
		       KHUGEPAGED_SECONDS);
	for (r = 0; r < NR_RANGES; r++) {
		if (twin[r])
			munmap(twin[r], HPAGE);
		rule_khugepaged(&run.m, r);
	}
}

/*
 * NUMA balancing's scanner over this process: it makes a NUMA hinting entry
 * (protnone) of the accessible present pages it may (not pinned, COW-shared
 * or zero pages: folio_can_map_prot_numa()), RWP VMAs included, where the
 * entry has no uffd bit; it skips RWP-protected pages (protnone already),
 * and a uffd-wp page keeps its bit. Three passes: a VMA is scanned for two
 * passes after it appears, and after that only when this task took a
 * hinting fault on it lately or every few passes (vma_is_accessed()).
 * Balancing is off again afterwards, so the entries stay until an access,
 * or a GUP that honours them, resolves them.
 */
static void op_numa_scan(void)
{
	bool ok;

	if (!run.env->numa)
		return;
	ok = rwp_numa_start();
	/* A scan that made fewer passes in time marked less: the rule allows it. */
	if (ok)
		rwp_numa_spin_until_scanned(3, 20);
	if (!rwp_numa_stop() || !ok) {
		broken("NUMA balancing knobs: %s; ", strerror(errno));
		return;
	}
	/* Resolve the counting path's own entries: see op_gup_honor(). */
	rwp_memcg_events("numa_hint_faults");
	rwp_memcg_events("numa_hint_faults");
	rule_numa_scan(&run.m);
}

/*
 * A GUP that honours NUMA hinting faults, on [first, first + n) of the
 * uffd-wp range (no RWP VMA: there the RWP gate faults on every protnone
 * entry whatever the caller asks), then a load of each page: the GUP must
 * have resolved every hinting entry it met (include/linux/mm_types.h,
 * FOLL_HONOR_NUMA_FAULT: "Always honor (trigger) NUMA hinting faults"), so
 * the loads take none. numa_hint_faults is counted on this process's own
 * memory cgroup (rwp_hint_faults_of_reads()), around the loads alone, by a
 * counting path whose own entries op_numa_scan() resolved: another task's
 * faults do not count. A fault is a mismatch unless the same loads, timed
 * again, take one too: then this process was faulting elsewhere, and the
 * op proves nothing.
 */
static void op_gup_honor(int r, size_t first, size_t n)
{
	bool pmd = pmd_mapped(r);
	long faults, control;
	size_t i;

	n = honor_pages(n);
	for (i = first; i < first + n && !failed(); i++)
		op_gup(r, i, GUP_TEST_HONOR);
	if (failed() || !run.env->gup_test || !run.env->cgroup)
		return;
	for (i = first; i < first + n; i++)
		rule_access(&run.m, r, i, ACC_USER, false, 0, pmd);
	faults = rwp_hint_faults_of_reads(page_addr(r, first), n * ps());
	control = faults > 0 ? rwp_hint_faults_of_reads(page_addr(r, first), n * ps()) : 0;
	if (faults < 0 || control < 0) {
		broken("cannot read numa_hint_faults of the memory cgroup; ");
		return;
	}
	for (i = first; i < first + n; i++)
		check_bytes(r, i, (unsigned char *)page_addr(r, i), 1,
			    "a load after gup_test_honor_numa");
	if (faults > 0 && !control)
		fail("%s [%zu, +%zu): loads after a gup_test read with %s took %ld NUMA %s; ",
		     rwp_range_names[r], first, n, "FOLL_HONOR_NUMA_FAULT", faults,
		     "hinting faults: the GUP read through hinting entries");
}

/*
 * The number of UFFD_EVENT_REMAP messages read, once it reaches `want` or
 * at the deadline: mremap() returns when the handler has read the message,
 * which may be before the handler counts it.
 */
static unsigned int remaps_after(unsigned int want, double deadline)
{
	unsigned int seen;

	for (;;) {
		pthread_mutex_lock(&run.lock);
		seen = run.remaps;
		pthread_mutex_unlock(&run.lock);
		if (seen >= want || now() > deadline)
			return seen;
		usleep(1000);
	}
}

/*
 * The whole range moves to a fresh, equally aligned address (PMD entries
 * move whole). A context with EVENT_REMAP must say so, once; without it
 * the moved VMA is no longer registered, and is registered again.
 */
static void op_mremap(int r)
{
	size_t len = range_len(r);
	bool event = run.m.event_remap && r != R_SHMEM_WP;
	unsigned int before = remaps_after(0, 0);
	char *to, *got;

	to = aligned_mmap(len, r == R_ANON64K ? MTHP : HPAGE, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1);
	/* No room is this process's problem, not the kernel's: nothing moved. */
	if (to == MAP_FAILED)
		return;
	got = mremap(run.base[r], len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (got == MAP_FAILED) {
		munmap(to, len);
		fail("mremap %s: %s; ", rwp_range_names[r], strerror(errno));
		return;
	}
	/* No fault is in flight (this thread is here), so the handler is not reading it. */
	run.base[r] = got;
	rule_mremap(&run.m, r);
	if (event && remaps_after(before + 1, now() + 5) != before + 1)
		fail("mremap %s: %u UFFD_EVENT_REMAP messages, not 1; ", rwp_range_names[r],
		     remaps_after(0, 0) - before);
	if (!event && do_register(r))
		fail("register %s after mremap: %s; ", rwp_range_names[r], strerror(errno));
}

/*
 * A shmem range the kernel maps by a PMD right now (after a fault with no
 * page table): an op that splits the PMD erases it; reclaim may unmap it.
 */
static void file_pmd_split(const struct rwp_op *op, int r)
{
	int k;

	for (k = R_SHMEM; k <= R_SHMEM_WP; k++) {
		if ((k != r && op->kind != OP_RECLAIM) || !pmd_mapped(k))
			continue;
		switch (op->kind) {
		case OP_PROTECT:
			/* A partial range splits; so does protecting (markers are per PTE). */
			if ((op->arg & 1) || op->first % rwp_range_pages(k) ||
			    op->n < rwp_range_pages(k))
				rule_file_pmd_split(&run.m, k);
			break;
		case OP_DONTNEED:
		case OP_PUNCH:
			rule_file_pmd_split(&run.m, k);
			break;
		case OP_PAGEOUT:
		case OP_RECLAIM:
			run.m.r[k].pt_maybe_freed = true;
			break;
		default:
			break;
		}
	}
}

static void exec_op(const struct rwp_op *op)
{
	int r = op->range % NR_RANGES;
	size_t nr = rwp_range_pages(r);
	size_t first = op->first % nr;
	size_t n = op->n ? 1 + (op->n - 1) % (nr - first) : 1;
	char *addr = page_addr(r, first);
	size_t len = n * ps();
	bool swapped[512];
	unsigned char outs[512];

	model_begin(&run.m);
	file_pmd_split(op, r);
	switch (op->kind) {
	case OP_PROTECT:
		if (r == R_SHMEM_WP) {
			struct uffdio_writeprotect wp = {
				.range = { .start = (unsigned long)addr, .len = len },
				.mode = (op->arg & 1) ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
			};

			if (ioctl(run.wp_uffd, UFFDIO_WRITEPROTECT, &wp))
				fail("UFFDIO_WRITEPROTECT: %s; ", strerror(errno));
		} else {
			struct rwp_ctx ctx = { .uffd = run.uffd };

			if (rwp_protect(&ctx, addr, len, op->arg & 1))
				fail("UFFDIO_RWPROTECT: %s; ", strerror(errno));
		}
		rule_protect(&run.m, r, first, n, op->arg & 1);
		break;
	case OP_READ:
		op_access(r, first, n, false, 0);
		break;
	case OP_WRITE:
		op_access(r, first, n, true, (unsigned char)(op->arg | 1));
		break;
	case OP_GUP:
		/* A long-term pin migrates the page out of ZONE_MOVABLE first. */
		if (op->arg % NR_GUPS == GUP_TEST_LONGTERM)
			rule_migrate(&run.m, r);
		if (op->arg % NR_GUPS == GUP_TEST_HONOR && run.m.r[r].wp)
			op_gup_honor(r, first, n);
		else
			op_gup(r, first, op->arg % NR_GUPS);
		break;
	case OP_PIN:
		/* A DMA buffer: a read GUP whose reference outlives the call. */
		op_gup(r, first, GUP_VMSPLICE);
		break;
	case OP_FORCE_READ:
		op_force_read(r, first, op->arg & 1, force_read_prot(op->arg));
		break;
	case OP_DONTNEED:
		if (madvise(addr, len, MADV_DONTNEED))
			fail("MADV_DONTNEED: %s; ", strerror(errno));
		rule_dontneed(&run.m, r, first, n);
		break;
	case OP_PAGEOUT:
		allow_swap(true);
		madvise(addr, len, MADV_PAGEOUT);
		allow_swap(false);
		rule_reclaim(&run.m, r, first, n);
		break;
	case OP_FREE:
		if (!observe(r, outs, swapped))
			break;
		madvise(addr, len, MADV_FREE);
		rule_free(&run.m, r, first, n, swapped);
		break;
	case OP_PUNCH:
		if (run.memfd[r] < 0)
			break;
		if (fallocate(run.memfd[r], FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      first * ps(), len))
			fail("punch: %s; ", strerror(errno));
		rule_punch(&run.m, r, first, n);
		break;
	case OP_COLLAPSE:
	case OP_COLLAPSE_OTHER:
		op_collapse(r, op->kind == OP_COLLAPSE_OTHER);
		break;
	case OP_RECLAIM:
		op_reclaim();
		break;
	case OP_FORK:
		op_fork();
		break;
	case OP_SET_MODE: {
		struct uffdio_set_mode mode = { 0 };

		if (run.m.sync)
			mode.enable = UFFD_FEATURE_RWP_ASYNC;
		else
			mode.disable = UFFD_FEATURE_RWP_ASYNC;
		if (ioctl(run.uffd, UFFDIO_SET_MODE, &mode))
			fail("UFFDIO_SET_MODE: %s; ", strerror(errno));
		rule_set_mode(&run.m, !run.m.sync);
		break;
	}
	case OP_UNREGISTER: {
		struct uffdio_range range = {
			.start = (unsigned long)run.base[r], .len = range_len(r),
		};

		if (ioctl(r == R_SHMEM_WP ? run.wp_uffd : run.uffd, UFFDIO_UNREGISTER, &range) ||
		    do_register(r))
			fail("unregister/register %s: %s; ", rwp_range_names[r], strerror(errno));
		rule_unregister(&run.m, r);
		break;
	}
	case OP_REFILL:
		/*
		 * A guest that frees memory and reuses it: the refault makes
		 * new (large) folios where reclaim or splits left small ones.
		 */
		if (madvise(addr, len, MADV_DONTNEED))
			fail("MADV_DONTNEED: %s; ", strerror(errno));
		rule_dontneed(&run.m, r, first, n);
		op_access(r, first, n, true, (unsigned char)(op->arg | 1));
		break;
	case OP_KHUGEPAGED:
		op_khugepaged();
		break;
	case OP_MREMAP:
		op_mremap(r);
		break;
	case OP_NUMA_SCAN:
		op_numa_scan();
		break;
	case OP_COMPACT:
		sysfs_write("/proc/sys/vm/compact_memory", "1");
		for (r = 0; r < NR_RANGES; r++)
			rule_migrate(&run.m, r);
		break;
	}
	if (!failed())
		check_all();
}

static void teardown(void)
{
	int r;

	if (run.handler_running) {
		if (write(run.stop[1], "x", 1) == 1)
			pthread_join(run.handler, NULL);
		run.handler_running = false;
	}
	release_pins();
	if (run.reader > 0) {
		close(run.req_fd);
		close(run.resp_fd);
		kill(run.reader, SIGKILL);
		waitpid(run.reader, NULL, 0);
	}
	for (r = 0; r < NR_RANGES; r++)
		free(run.faults[r]);
	model_free(&run.m);
}

long rwp_exec_run(const struct rwp_env *env, const struct rwp_mode *mode,
		  const struct rwp_op *ops, size_t n, double deadline,
		  int progress_fd, size_t *done, char *msg, size_t msglen)
{
	bool verbose = getenv("RWP_MODEL_VERBOSE");
	char line[160];
	long ret = n;
	double t;
	size_t i;

	memset(&run, 0, sizeof(run));
	run.env = env;
	run.msg = msg;
	run.msglen = msglen;
	msg[0] = 0;
	*done = 0;
	if (setup(mode))
		return -2;
	check_all();
	if (failed()) {
		ret = -2;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (deadline && now() > deadline) {
			ret = i;
			break;
		}
		if (progress_fd >= 0)
			dprintf(progress_fd, "S %zu\n", i);
		t = now();
		exec_op(&ops[i]);
		if (verbose) {
			rwp_op_format(&ops[i], line, sizeof(line));
			ksft_print_msg("op %zu: %s: %.3f s%s\n", i, line, now() - t,
				       failed() ? " MISMATCH" : "");
		}
		*done = i + 1;
		if (failed()) {
			ret = i;
			break;
		}
	}
out:
	teardown();
	return ret;
}

int rwp_op_format(const struct rwp_op *op, char *buf, size_t len)
{
	int r = op->range % NR_RANGES;
	size_t nr = rwp_range_pages(r), first = op->first % nr;
	size_t n = op->n ? 1 + (op->n - 1) % (nr - first) : 1;

	switch (op->kind) {
	case OP_PROTECT:
		return snprintf(buf, len, "%s %s [%zu, +%zu)",
				op->arg & 1 ? "protect" : "unprotect", rwp_range_names[r],
				first, n);
	case OP_GUP:
		if (op->arg % NR_GUPS == GUP_TEST_HONOR && r == R_SHMEM_WP)
			return snprintf(buf, len, "gup %s %s [%zu, +%zu)",
					rwp_gup_names[GUP_TEST_HONOR], rwp_range_names[r],
					first, honor_pages(n));
		return snprintf(buf, len, "gup %s %s page %zu", rwp_gup_names[op->arg % NR_GUPS],
				rwp_range_names[r], first);
	case OP_FORCE_READ:
		return snprintf(buf, len, "force_read (%s, %s) %s page %zu",
				op->arg & 1 ? "peekdata" : "proc_mem",
				prot_name(force_read_prot(op->arg)), rwp_range_names[r], first);
	case OP_WRITE:
	case OP_REFILL:
		return snprintf(buf, len, "%s %#x %s [%zu, +%zu)", rwp_op_names[op->kind],
				(op->arg | 1) & 0xff, rwp_range_names[r], first, n);
	case OP_READ:
	case OP_DONTNEED:
	case OP_PAGEOUT:
	case OP_FREE:
	case OP_PUNCH:
		return snprintf(buf, len, "%s %s [%zu, +%zu)", rwp_op_names[op->kind],
				rwp_range_names[r], first, n);
	case OP_COLLAPSE:
	case OP_COLLAPSE_OTHER:
	case OP_UNREGISTER:
	case OP_MREMAP:
		return snprintf(buf, len, "%s %s", rwp_op_names[op->kind], rwp_range_names[r]);
	case OP_PIN:
		return snprintf(buf, len, "pin %s page %zu", rwp_range_names[r], first);
	default:
		return snprintf(buf, len, "%s", rwp_op_names[op->kind % NR_OPS]);
	}
}

int rwp_op_format_c(const struct rwp_op *op, char *buf, size_t len)
{
	return snprintf(buf, len, "{ %s, %s, %u, %u, %u },", op_enum[op->kind % NR_OPS],
			range_enum[op->range % NR_RANGES], op->first, op->n, op->arg);
}

void rwp_env_probe(struct rwp_env *env)
{
	const char *dio = getenv("RWP_DIO_DIR");
	const char *t = getenv("RWP_MODEL_GUP_TIMEOUT");
	struct stat st;

	memset(env, 0, sizeof(*env));
	env->dio_dir = dio && !stat(dio, &st) ? dio : NULL;
	env->gup_test = !access("/sys/kernel/debug/gup_test", R_OK);
	env->gup_timeout = t ? atoi(t) : 5;
}

#define MTHP_ENABLED	"/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled"

static char mthp_saved[32];
static struct rwp_numa_knobs numa_saved;

static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = !!fgets(buf, len, f);
	fclose(f);
	return ok;
}

static bool write_str(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok;
}

/*
 * What the ranges need from the system: 64 KiB mTHP for the mTHP range
 * (the runner's setup enables it; if not, do so and restore it at exit),
 * and a memory cgroup of our own, so that memory.reclaim is LRU reclaim
 * of just these ranges.
 */
void rwp_env_setup(struct rwp_env *env)
{
	char buf[128];

	if (read_line(MTHP_ENABLED, buf, sizeof(buf)) && strstr(buf, "[never]")) {
		snprintf(mthp_saved, sizeof(mthp_saved), "never");
		if (write_str(MTHP_ENABLED, "always"))
			ksft_print_msg("enabled 64 KiB mTHP for the run\n");
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
		write_str(MTHP_ENABLED, mthp_saved);
}

void rwp_env_recover(void)
{
	thp_restore_settings();
	rwp_numa_restore(&numa_saved);
}

int rwp_exec_replay(const struct rwp_mode *mode, const struct rwp_op *ops, size_t n)
{
	struct rwp_env env;
	char msg[2048];
	size_t done;
	long at;

	rwp_env_probe(&env);
	rwp_env_setup(&env);
	at = rwp_exec_run(&env, mode, ops, n, 0, -1, &done, msg, sizeof(msg));
	rwp_env_restore(&env);
	if (at == (long)n)
		return 0;
	ksft_print_msg("after op %ld: %s\n", at, msg);
	return 1;
}
