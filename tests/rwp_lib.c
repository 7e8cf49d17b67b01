// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the rwp kselftests; see rwp_lib.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include "vm_util.h"
#include "../../../../mm/gup_test.h"
#include "rwp_lib.h"

bool rwp_next_msg(int uffd, int stop_fd, struct uffd_msg *msg)
{
	struct pollfd pfd[2] = {
		{ .fd = uffd, .events = POLLIN },
		{ .fd = stop_fd, .events = POLLIN },
	};

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (pfd[1].revents)
			return false;
		if (read(uffd, msg, sizeof(*msg)) == sizeof(*msg))
			return true;
	}
}

static void *rwp_handler(void *arg)
{
	struct rwp_ctx *ctx = arg;
	struct uffd_msg msg;

	while (rwp_next_msg(ctx->uffd, ctx->stop_pipe[0], &msg)) {
		/* Reading an event completes it: the forking or remapping task goes on. */
		pthread_mutex_lock(&ctx->lock);
		if (msg.event == UFFD_EVENT_FORK) {
			if (ctx->fork_ufd >= 0)
				close(ctx->fork_ufd);
			ctx->fork_ufd = msg.arg.fork.ufd;
		} else if (msg.event == UFFD_EVENT_REMAP) {
			ctx->nr_remaps++;
		}
		pthread_mutex_unlock(&ctx->lock);
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;

		__u64 addr = msg.arg.pagefault.address & ~((__u64)psize() - 1);
		__u64 grain = msg.arg.pagefault.address & ~((__u64)ctx->grain - 1);

		pthread_mutex_lock(&ctx->lock);
		ctx->nr_faults++;
		if ((msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_RWP) &&
		    addr >= (uintptr_t)ctx->base &&
		    addr < (uintptr_t)ctx->base + ctx->nr_pages * psize())
			ctx->page_faults[(addr - (uintptr_t)ctx->base) / psize()]++;
		pthread_mutex_unlock(&ctx->lock);
		/* Resolve: unprotect the page, which wakes the faulting task. */
		rwp_protect(ctx, (void *)(uintptr_t)grain, ctx->grain, false);
	}
	return NULL;
}

int rwp_open(struct rwp_ctx *ctx, bool sync)
{
	return rwp_open_features(ctx, sync, 0);
}

int rwp_open_features(struct rwp_ctx *ctx, bool sync, __u64 features)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_RWP | (sync ? 0 : UFFD_FEATURE_RWP_ASYNC) | features,
	};

	memset(ctx, 0, sizeof(*ctx));
	ctx->sync = sync;
	ctx->features = features;
	ctx->grain = psize();
	ctx->fork_ufd = -1;
	ctx->stop_pipe[0] = -1;
	ctx->stop_pipe[1] = -1;
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (ctx->uffd < 0)
		return RWP_UNSUPPORTED;
	if (ioctl(ctx->uffd, UFFDIO_API, &api)) {
		/* EINVAL: a feature this kernel does not know. */
		int ret = errno == EINVAL ? RWP_UNSUPPORTED : -errno;

		close(ctx->uffd);
		ctx->uffd = -1;
		return ret;
	}
	return 0;
}

int rwp_register(struct rwp_ctx *ctx, void *base, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)base, .len = len },
		.mode = UFFDIO_REGISTER_MODE_RWP,
	};

	if (ioctl(ctx->uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	if (ctx->page_faults)
		return 0;
	ctx->base = base;
	ctx->len = len;
	ctx->nr_pages = len / psize();
	ctx->page_faults = calloc(ctx->nr_pages, sizeof(*ctx->page_faults));
	if (!ctx->page_faults)
		return -ENOMEM;
	if ((!ctx->sync && !ctx->features) || ctx->handler_running)
		return 0;
	if (pipe(ctx->stop_pipe))
		return -errno;
	if (pthread_create(&ctx->handler, NULL, rwp_handler, ctx))
		return -EAGAIN;
	ctx->handler_running = true;
	return 0;
}

ssize_t rwp_gup_read(pid_t pid, const void *addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)addr, .iov_len = len };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

int uffd_register_mode(void *base, size_t len, __u64 mode)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_WP_HUGETLBFS_SHMEM | UFFD_FEATURE_MINOR_SHMEM,
	};
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	int ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, UFFDIO_API, &api) ? -errno :
	      uffd_register(fd, base, len, mode & UFFDIO_REGISTER_MODE_MISSING,
			    mode & UFFDIO_REGISTER_MODE_WP, mode & UFFDIO_REGISTER_MODE_MINOR);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

long rwp_vm_pte_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

int uffd_wp_protect(void *base, size_t len)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)base, .len = len },
		.mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	int fd = uffd_register_mode(base, len, UFFDIO_REGISTER_MODE_WP);

	if (fd >= 0 && ioctl(fd, UFFDIO_WRITEPROTECT, &wp)) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

int rwp_protect(struct rwp_ctx *ctx, void *addr, size_t len, bool protect)
{
	struct uffdio_rwprotect rwp = {
		.range = { .start = (uintptr_t)addr, .len = len },
		.mode = protect ? UFFDIO_RWPROTECT_MODE_RWP : 0,
	};

	return ioctl(ctx->uffd, UFFDIO_RWPROTECT, &rwp) ? -errno : 0;
}

void rwp_close(struct rwp_ctx *ctx)
{
	if (ctx->handler_running) {
		if (write(ctx->stop_pipe[1], "x", 1) == 1)
			pthread_join(ctx->handler, NULL);
		ctx->handler_running = false;
	}
	if (ctx->stop_pipe[0] >= 0) {
		close(ctx->stop_pipe[0]);
		close(ctx->stop_pipe[1]);
	}
	if (ctx->uffd >= 0)
		close(ctx->uffd);
	ctx->uffd = -1;
	if (ctx->fork_ufd >= 0)
		close(ctx->fork_ufd);
	ctx->fork_ufd = -1;
	free(ctx->page_faults);
	ctx->page_faults = NULL;
}

unsigned long rwp_faults_at(struct rwp_ctx *ctx, void *addr)
{
	size_t i = ((char *)addr - ctx->base) / psize();
	unsigned long n = 0;

	pthread_mutex_lock(&ctx->lock);
	if ((char *)addr >= ctx->base && i < ctx->nr_pages)
		n = ctx->page_faults[i];
	pthread_mutex_unlock(&ctx->lock);
	return n;
}

/*
 * Reading an event releases the task that raised it before the handler
 * records it: give the handler up to a second to catch up.
 */
static unsigned long event_seen(struct rwp_ctx *ctx, bool fork)
{
	unsigned long seen = 0;
	int i;

	for (i = 0; i < 100 && !seen; i++) {
		if (i)
			usleep(10000);
		pthread_mutex_lock(&ctx->lock);
		seen = fork ? ctx->fork_ufd + 1 : ctx->nr_remaps;
		pthread_mutex_unlock(&ctx->lock);
	}
	return seen;
}

int rwp_fork_ufd(struct rwp_ctx *ctx)
{
	return (int)event_seen(ctx, true) - 1;
}

unsigned long rwp_remap_count(struct rwp_ctx *ctx)
{
	return event_seen(ctx, false);
}

/* This process's pagemap; a fork child opens its own, not its parent's. */
int rwp_pagemap_fd(void)
{
	static pid_t owner;
	static int fd = -1;

	if (fd >= 0 && owner != getpid()) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
		owner = getpid();
	}
	return fd;
}

int rwp_is_protected(void *addr)
{
	if (rwp_pagemap_fd() < 0)
		return -1;
	return !!(pagemap_get_entry(rwp_pagemap_fd(), addr) & PM_UFFD_WP);
}

long rwp_count_protected(void *addr, size_t len)
{
	long n = 0;
	size_t off;

	for (off = 0; off < len; off += psize()) {
		int p = rwp_is_protected((char *)addr + off);

		if (p < 0)
			return -1;
		n += p;
	}
	return n;
}

long rwp_count_accessed(void *addr, size_t len)
{
	return rwp_count_scanned(addr, len, PAGE_IS_ACCESSED);
}

long rwp_count_scanned(void *addr, size_t len, __u64 category)
{
	struct page_region regions[64];
	struct pm_scan_arg arg = {
		.size = sizeof(arg),
		.start = (uintptr_t)addr,
		.end = (uintptr_t)addr + len,
		.vec = (uintptr_t)regions,
		.vec_len = 64,
		.category_mask = category,
		.return_mask = category,
	};
	long n = 0, ret, i;

	if (rwp_pagemap_fd() < 0)
		return -1;
	/* A scan stops when vec is full; walk on from where it stopped. */
	while (arg.start < arg.end) {
		ret = ioctl(rwp_pagemap_fd(), PAGEMAP_SCAN, &arg);
		if (ret < 0)
			return -1;
		for (i = 0; i < ret; i++)
			n += (regions[i].end - regions[i].start) / psize();
		if (arg.walk_end >= arg.end || ret < (long)arg.vec_len)
			break;
		arg.start = arg.walk_end;
	}
	return n;
}

/* A bit of /proc/kpageflags (uapi kernel-page-flags.h) for the page at addr, or -1. */
/*
 * Not vm_util's pageflags_get(): it takes a uint64_t *, which is not the
 * __u64 of the kernel's types (unsigned long long) these tests use.
 */
int rwp_kpageflags(void *addr, __u64 *flags)
{
	unsigned long pfn;
	ssize_t got;
	int fd;

	if (rwp_pagemap_fd() < 0)
		return -1;
	pfn = pagemap_get_pfn(rwp_pagemap_fd(), addr);
	if (pfn == -1UL)
		return -1;
	fd = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = pread(fd, flags, sizeof(*flags), pfn * sizeof(*flags));
	close(fd);
	return got == sizeof(*flags) ? 0 : -1;
}

int rwp_kpageflag(void *addr, int bit)
{
	__u64 flags;

	return rwp_kpageflags(addr, &flags) ? -1 : !!(flags & BIT_ULL(bit));
}

/* KPF_ZERO_PAGE, which vm_util.h does not define. */
#define KPF_ZERO_PAGE_BIT	24

int rwp_is_zero_page(void *addr)
{
	return rwp_kpageflag(addr, KPF_ZERO_PAGE_BIT);
}

int rwp_kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

bool rwp_kmsg_says(int fd, const char *text)
{
	char record[8192];
	bool said = false;
	ssize_t got;

	/* One record per read; -EPIPE if some were overwritten: read on. */
	while ((got = read(fd, record, sizeof(record) - 1)) > 0 || (got < 0 && errno == EPIPE)) {
		if (got <= 0)
			continue;
		record[got] = '\0';
		if (strstr(record, text))
			said = true;
	}
	return said;
}

long rwp_gup_test(unsigned long cmd, void *addr, size_t len, unsigned int gup_flags)
{
	struct gup_test gup = {
		.addr = (uintptr_t)addr,
		.size = len,
		.nr_pages_per_call = 1,
		.gup_flags = gup_flags,
	};
	int fd = open("/sys/kernel/debug/gup_test", O_RDWR);
	long ret;

	if (fd < 0)
		return -errno;
	/* On return, gup.size is how far the GUP got. */
	ret = ioctl(fd, cmd, &gup) ? -errno : (long)gup.size;
	close(fd);
	return ret;
}

void *aligned_mmap(size_t len, size_t align, int prot, int flags, int fd)
{
	size_t span = len + align;
	char *raw, *start;

	raw = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return MAP_FAILED;
	start = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	if (start > raw)
		munmap(raw, start - raw);
	munmap(start + len, raw + span - (start + len));
	return mmap(start, len, prot, flags | MAP_FIXED, fd, 0);
}

int rwp_stay_on_this_cpu(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

void rwp_expect_retry_dump(void)
{
	fprintf(stderr, "# rwp: expect a FAULT_FLAG_ALLOW_RETRY stack dump\n");
}

static const char * const numa_knobs[RWP_NUMA_KNOBS] = {
	"/proc/sys/kernel/numa_balancing",
	"/sys/kernel/debug/sched/numa_balancing/scan_delay_ms",
	"/sys/kernel/debug/sched/numa_balancing/scan_period_min_ms",
	"/sys/kernel/debug/sched/numa_balancing/scan_period_max_ms",
};

bool rwp_numa_save(struct rwp_numa_knobs *k)
{
	size_t i;

	k->saved_ok = false;
	for (i = 0; i < RWP_NUMA_KNOBS; i++)
		if (access(numa_knobs[i], W_OK) || read_sysfs(numa_knobs[i], &k->saved[i]))
			return false;
	k->saved_ok = true;
	return true;
}

bool rwp_numa_start(void)
{
	/* Balancing last: it starts scanning with the delay and periods it finds. */
	static const unsigned long set[RWP_NUMA_KNOBS] = { 1, 0, 100, 100 };
	size_t i;

	for (i = RWP_NUMA_KNOBS; i-- > 0;)
		if (write_sysfs(numa_knobs[i], set[i]))
			return false;
	return true;
}

bool rwp_numa_stop(void)
{
	return !write_sysfs(numa_knobs[0], 0);
}

void rwp_numa_restore(const struct rwp_numa_knobs *k)
{
	size_t i;

	if (k->saved_ok)
		for (i = 0; i < RWP_NUMA_KNOBS; i++)
			write_sysfs(numa_knobs[i], k->saved[i]);
}

/* The value of the line "name N" of a /proc-style table; -1 if absent. */
static long table_value(const char *table, const char *name)
{
	size_t n = strlen(name);
	const char *line;

	for (line = table; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, name, n) && line[n] == ' ')
			return strtol(line + n + 1, NULL, 10);
	return -1;
}

#define CGROOT		"/sys/fs/cgroup"

static char memcg[64];

int rwp_write_str(const char *path, const char *val)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int rwp_cg_write(const char *dir, const char *file, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return rwp_write_str(path, val);
}

const char *rwp_memcg_enter(const char *name)
{
	char pid[16];

	snprintf(memcg, sizeof(memcg), CGROOT "/rwp-%s-%d", name, getpid());
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (rwp_cg_write(CGROOT, "cgroup.subtree_control", "+memory") || mkdir(memcg, 0755)) {
		memcg[0] = 0;
		return NULL;
	}
	if (rwp_cg_write(memcg, "cgroup.procs", pid)) {
		rmdir(memcg);
		memcg[0] = 0;
		return NULL;
	}
	return memcg;
}

void rwp_memcg_leave(void)
{
	char pid[16];

	if (!memcg[0])
		return;
	snprintf(pid, sizeof(pid), "%d", getpid());
	rwp_cg_write(CGROOT, "cgroup.procs", pid);
	rmdir(memcg);
	memcg[0] = 0;
}

/* The cgroup's pgfault count and its counter `name`, from one read of memory.stat. */
static bool memcg_stat(const char *name, long *pgfault, long *val)
{
	static char buf[8192];
	char path[96];

	snprintf(path, sizeof(path), "%s/memory.stat", memcg);
	if (!memcg[0] || !read_file(path, buf, sizeof(buf)))
		return false;
	*pgfault = table_value(buf, "pgfault");
	*val = table_value(buf, name);
	return *pgfault >= 0 && *val >= 0;
}

/* Enough page faults that the cgroup's pending updates call for a flush. */
#define NUDGE_PAGES	256

long rwp_memcg_events(const char *name)
{
	size_t len = NUDGE_PAGES * psize(), off;
	long first, pgfault, val;
	int tries;
	char *buf;

	if (!memcg_stat(name, &first, &val))
		return -1;
	/*
	 * memory.stat shows per-CPU counts once they were flushed: when a
	 * read finds enough updates pending (mem_cgroup_flush_stats()), or
	 * every 2 s (flush_memcg_stats_dwork()). Fault in fresh pages, whose
	 * faults are this cgroup's events, until a read shows more faults
	 * than the first: a flush ran after that read, so after every event
	 * before the call. The fresh pages take no NUMA hinting fault.
	 */
	for (tries = 0; tries < 50; tries++) {
		buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf == MAP_FAILED)
			return -1;
		madvise(buf, len, MADV_NOHUGEPAGE);
		for (off = 0; off < len; off += psize())
			buf[off] = 1;
		munmap(buf, len);
		if (!memcg_stat(name, &pgfault, &val))
			return -1;
		if (pgfault > first)
			return val;
		usleep(100 * 1000);
	}
	return -1;
}

long rwp_hint_faults_of_reads(char *addr, size_t len)
{
	long before = rwp_memcg_events("numa_hint_faults"), after;
	size_t off;

	for (off = 0; off < len; off += psize())
		FORCE_READ(addr[off]);
	after = rwp_memcg_events("numa_hint_faults");
	return before < 0 || after < 0 ? -1 : after - before;
}

/* Completed passes of the NUMA scanner over this mm (/proc/self/sched). */
static long scanner_passes(void)
{
	static char buf[8192];
	char *seq;

	if (!read_file("/proc/self/sched", buf, sizeof(buf)))
		return -1;
	seq = strstr(buf, "mm->numa_scan_seq");
	seq = seq ? strchr(seq, ':') : NULL;
	return seq ? strtol(seq + 1, NULL, 10) : -1;
}

static void *sleep_on_pipe(void *arg)
{
	char c;

	return (void *)(long)read(*(int *)arg, &c, 1);
}

bool rwp_numa_spin_until_scanned(long passes, int seconds)
{
	long seq, target = scanner_passes() + passes;
	time_t end = time(NULL) + seconds;
	unsigned long spin;
	pthread_t sleeper;
	int p[2];

	/* A second thread: the scanner skips a single-threaded process's local pages. */
	if (pipe(p))
		return false;
	if (pthread_create(&sleeper, NULL, sleep_on_pipe, &p[0])) {
		close(p[0]);
		close(p[1]);
		return false;
	}
	do {
		for (spin = 0; spin < 1000000; spin++)
			asm volatile("" : "+r" (spin));
		seq = scanner_passes();
	} while (seq >= 0 && seq < target && time(NULL) < end);
	close(p[1]);
	pthread_join(sleeper, NULL);
	close(p[0]);
	return seq >= target;
}
