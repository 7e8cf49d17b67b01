// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded, time-bounded random sequence of userfaultfd and mm operations
 * on RWP-registered anon and shmem ranges, run under every policy and
 * mutant: UFFDIO_REGISTER/UNREGISTER (RWP, WP, MISSING, MINOR and invalid
 * combinations), UFFDIO_RWPROTECT over random sub-ranges, UFFDIO_SET_MODE
 * (async and sync), mprotect, madvise (COLLAPSE, PAGEOUT, FREE, DONTNEED),
 * fork, read GUPs and FOLL_FORCE reads. Every failure must be an errno the
 * uAPI documents for that call, and a call that is invalid in any state
 * must fail with EINVAL. The last pages of each range are a sentinel no
 * operation touches: protected at the start, they must end protected, not
 * accessed and with their bytes, and each fork child must read the same
 * bytes in its copy. The runner fails the run on any kernel splat. The
 * seed is printed and RWP_FUZZ_SEED replays it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"
#include "rwp_lib_local.h"
#include "rwp_counters.h"

#define REGION_PAGES	1024	/* 4 MiB: room for a 2 MiB aligned THP */
#define SENTINEL_PAGES	4	/* at the end of each region, never operated on */
#define OP_PAGES	(REGION_PAGES - SENTINEL_PAGES)
/*
 * The sequence is a number of operations, so that a seed replays the same
 * one at any speed; a time limit inside the harness's 30 s timeout.
 */
#define FUZZ_OPS	4000
#define FUZZ_SECONDS	25
/* A FOLL_FORCE read that has not returned by then loops. */
#define FORCE_READ_SECONDS	3

static unsigned long long rng;

static unsigned long pick(unsigned long n)
{
	return rwp_rand(&rng) % n;
}

struct region {
	char *base;
	bool shmem;
};

static char *sentinel(struct region *r)
{
	return r->base + OP_PAGES * psize();
}

static char sentinel_byte(int region, size_t page)
{
	return (char)(0x61 + region * SENTINEL_PAGES + page);
}

/* A random page-aligned sub-range of a region, short of its sentinel. */
static void sub_range(struct region *r, char **start, size_t *len)
{
	unsigned long first = pick(OP_PAGES), nr = 1 + pick(OP_PAGES - first);

	if (!pick(4))
		nr = 1;
	*start = r->base + first * psize();
	*len = nr * psize();
}

/* Resolves whatever sync faults the random registrations produce. */
static void *handler(void *arg)
{
	int uffd = *(int *)arg;
	struct uffd_msg msg;
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };

	while (poll(&pfd, 1, -1) > 0) {
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			continue;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;

		__u64 page = msg.arg.pagefault.address & ~((__u64)psize() - 1);
		struct uffdio_range range = { .start = page, .len = psize() };
		struct uffdio_zeropage zero = { .range = range };
		struct uffdio_continue cont = { .range = range };
		struct uffdio_rwprotect rwp = { .range = range };
		struct uffdio_writeprotect wp = { .range = range };

		/* Try each resolution; the ones that do not apply fail harmlessly. */
		ioctl(uffd, UFFDIO_RWPROTECT, &rwp);
		ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
		ioctl(uffd, UFFDIO_ZEROPAGE, &zero);
		ioctl(uffd, UFFDIO_CONTINUE, &cont);
		ioctl(uffd, UFFDIO_WAKE, &range);
	}
	return NULL;
}

/* errnos each call documents; anything else is a finding. */
static bool errno_ok(const char *op, int err)
{
	static const struct {
		const char *op;
		int errs[8];
	} allowed[] = {
		{ "register",	{ EINVAL, EBUSY, EPERM, ENOMEM, EFAULT } },
		{ "unregister",	{ EINVAL, ENOMEM, EFAULT } },
		{ "rwprotect",	{ EINVAL, ENOENT, EAGAIN, EFAULT, ENOMEM } },
		{ "set_mode",	{ EINVAL } },
		{ "mprotect",	{ EINVAL, ENOMEM, EACCES } },
		{ "madvise",	{ EINVAL, EAGAIN, ENOMEM, EBUSY, EFAULT } },
		{ "gup",	{ EFAULT, EIO, ENOMEM } },
		{ "force_read",	{ EFAULT, EIO, ENOMEM } },
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(allowed); i++) {
		if (strcmp(allowed[i].op, op))
			continue;
		for (j = 0; j < ARRAY_SIZE(allowed[i].errs) && allowed[i].errs[j]; j++)
			if (allowed[i].errs[j] == err)
				return true;
	}
	return false;
}

/*
 * A FOLL_FORCE read of len bytes at start, through /proc/PID/mem from a
 * child (CONFIG_PROC_MEM_ALWAYS_FORCE), so that a read that loops can be
 * killed. Returns 0 or -1 with errno; -2 if it looped.
 */
static int force_read(char *start, size_t len)
{
	pid_t parent = getpid(), child;
	int status;

	child = fork();
	if (!child) {
		char path[64], buf[64];
		int fd;

		alarm(FORCE_READ_SECONDS);
		snprintf(path, sizeof(path), "/proc/%d/mem", parent);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			_exit(EIO);
		if (pread(fd, buf, len < sizeof(buf) ? len : sizeof(buf), (uintptr_t)start) < 0)
			_exit(errno);
		_exit(0);
	}
	if (child < 0 || waitpid(child, &status, 0) != child)
		return -1;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		return -2;
	if (!WIFEXITED(status))
		return -1;
	errno = WEXITSTATUS(status);
	return errno ? -1 : 0;
}

/*
 * Each fork child checks its copy of the sentinels: not registered there
 * (no UFFD_FEATURE_EVENT_FORK), they read freely and must hold their bytes.
 */
static int child_checks_sentinels(struct region *regions)
{
	size_t i;
	int r;

	for (r = 0; r < 2; r++)
		for (i = 0; i < SENTINEL_PAGES; i++)
			if (sentinel(&regions[r])[i * psize()] != sentinel_byte(r, i))
				return 2;
	return 0;
}

/* RWP_FUZZ_OPS operations (FUZZ_OPS), within RWP_FUZZ_SECONDS (FUZZ_SECONDS). */
TEST(random_uffd_sequence)
{
	static const __u64 modes[] = {
		UFFDIO_REGISTER_MODE_RWP, UFFDIO_REGISTER_MODE_WP,
		UFFDIO_REGISTER_MODE_MISSING, UFFDIO_REGISTER_MODE_MINOR,
		UFFDIO_REGISTER_MODE_RWP | UFFDIO_REGISTER_MODE_WP,
		UFFDIO_REGISTER_MODE_RWP | UFFDIO_REGISTER_MODE_MISSING,
		0, 1ULL << 10,
	};
	static const int advice[] = { MADV_COLLAPSE, MADV_PAGEOUT, MADV_FREE, MADV_DONTNEED };
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };
	const char *seed_env = getenv("RWP_FUZZ_SEED");
	unsigned long ops = 0, failures = 0, bad = 0, bad_children = 0, loops = 0;
	unsigned long invalid = 0, invalid_accepted = 0, max_ops;
	struct region regions[2];
	struct rwp_ctx ctx;
	pthread_t thread;
	int seconds, status;
	time_t end;
	int i, ret, memfd;

	rng = seed_env ? strtoull(seed_env, NULL, 0) :
			 (unsigned long long)time(NULL) * 2654435761ULL;
	if (!rng)
		rng = 1;
	ksft_print_msg("seed %llu (replay with RWP_FUZZ_SEED=%llu)\n", rng, rng);

	ret = rwp_open(&ctx, false);
	if (ret == RWP_UNSUPPORTED)
		SKIP(return, "no userfaultfd RWP in this kernel");
	ASSERT_EQ(ret, 0);
	memfd = memfd_create("rwp-fuzz", MFD_CLOEXEC);
	ASSERT_GE(memfd, 0);
	ASSERT_EQ(ftruncate(memfd, REGION_PAGES * psize()), 0);
	regions[0].base = aligned_mmap(REGION_PAGES * psize(), 2UL << 20,
				       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	regions[0].shmem = false;
	regions[1].base = aligned_mmap(REGION_PAGES * psize(), 2UL << 20,
				       PROT_READ | PROT_WRITE, MAP_SHARED, memfd);
	regions[1].shmem = true;
	for (i = 0; i < 2; i++) {
		size_t p;

		ASSERT_NE(regions[i].base, MAP_FAILED);
		memset(regions[i].base, 0x42 + i, REGION_PAGES * psize());
		for (p = 0; p < SENTINEL_PAGES; p++)
			memset(sentinel(&regions[i]) + p * psize(), sentinel_byte(i, p), psize());
		ASSERT_EQ(rwp_register(&ctx, sentinel(&regions[i]), SENTINEL_PAGES * psize()), 0);
		ASSERT_EQ(rwp_protect(&ctx, sentinel(&regions[i]), SENTINEL_PAGES * psize(), true),
			  0);
	}
	ASSERT_EQ(pthread_create(&thread, NULL, handler, &ctx.uffd), 0);

	seconds = getenv("RWP_FUZZ_SECONDS") ? atoi(getenv("RWP_FUZZ_SECONDS")) : FUZZ_SECONDS;
	max_ops = getenv("RWP_FUZZ_OPS") ? strtoul(getenv("RWP_FUZZ_OPS"), NULL, 0) : FUZZ_OPS;
	end = time(NULL) + seconds;
	/* A loop leaves the range as it was: the finding is made, stop there. */
	while (ops < max_ops && !loops && time(NULL) < end) {
		struct region *r = &regions[pick(2)];
		const char *op = NULL;
		bool must_fail = false;
		char *start;
		size_t len;
		int res = 0;

		sub_range(r, &start, &len);
		switch (pick(11)) {
		case 0: {
			struct uffdio_register reg = {
				.range = { .start = (uintptr_t)start, .len = len },
				.mode = modes[pick(ARRAY_SIZE(modes))],
			};

			op = "register";
			/* No mode, an unknown one, RWP with WP: invalid wherever. */
			must_fail = !reg.mode || (reg.mode & ~(__u64)0xf) ||
				    ((reg.mode & UFFDIO_REGISTER_MODE_RWP) &&
				     (reg.mode & UFFDIO_REGISTER_MODE_WP));
			res = ioctl(ctx.uffd, UFFDIO_REGISTER, &reg);
			break;
		}
		case 1: {
			struct uffdio_range range = { .start = (uintptr_t)start, .len = len };

			op = "unregister";
			res = ioctl(ctx.uffd, UFFDIO_UNREGISTER, &range);
			break;
		}
		case 2:
		case 3: {
			struct uffdio_rwprotect rwp = {
				.range = { .start = (uintptr_t)start, .len = len },
				.mode = pick(8) ? pick(2) * UFFDIO_RWPROTECT_MODE_RWP : 1ULL << 7,
			};

			/* An unknown mode bit, or a range not page aligned. */
			if (!pick(16))
				rwp.range.start++;
			op = "rwprotect";
			must_fail = rwp.mode == 1ULL << 7 || rwp.range.start % psize();
			res = ioctl(ctx.uffd, UFFDIO_RWPROTECT, &rwp);
			break;
		}
		case 4: {
			/*
			 * Async or sync (the handler thread resolves this thread's
			 * faults), or a bit that is no mode.
			 */
			struct uffdio_set_mode mode = { 0 };

			switch (pick(3)) {
			case 0:
				mode.enable = UFFD_FEATURE_RWP_ASYNC;
				break;
			case 1:
				mode.disable = UFFD_FEATURE_RWP_ASYNC;
				break;
			default:
				mode.enable = 1ULL << 40;
				must_fail = true;
			}
			op = "set_mode";
			res = ioctl(ctx.uffd, UFFDIO_SET_MODE, &mode);
			break;
		}
		case 5:
			op = "mprotect";
			res = mprotect(start, len, prots[pick(ARRAY_SIZE(prots))]);
			break;
		case 6:
			op = "madvise";
			res = madvise(start, len, advice[pick(ARRAY_SIZE(advice))]);
			break;
		case 7: {
			pid_t child = fork();

			if (!child) {
				/* The child's VMAs are no longer registered: just touch. */
				alarm(10);
				if (!mprotect(start, psize(), PROT_READ | PROT_WRITE))
					start[0]++;
				_exit(child_checks_sentinels(regions));
			}
			if (child > 0 && waitpid(child, &status, 0) == child &&
			    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
				bad_children++;
				ksft_print_msg("fork child: status %#x\n", status);
			}
			break;
		}
		case 8:
			op = "force_read";
			res = force_read(start, len);
			if (res == -2) {
				loops++;
				ksft_print_msg("a FOLL_FORCE read looped at op %lu\n", ops);
				res = 0;
			}
			/*
			 * This GUP cannot retry: a userfault it meets (sync RWP,
			 * MISSING) fails it, and handle_userfault() dumps the stack.
			 */
			if (res == -1)
				rwp_expect_retry_dump();
			break;
		default: {
			char buf[64];

			op = "gup";
			res = rwp_gup_read(getpid(), start, buf, sizeof(buf)) < 0 ? -1 : 0;
			break;
		}
		}
		ops++;
		if (must_fail) {
			invalid++;
			if (res >= 0 || errno != EINVAL) {
				invalid_accepted++;
				ksft_print_msg("invalid %s: returned %d, errno %d\n", op, res,
					       res < 0 ? errno : 0);
			}
			continue;
		}
		if (op && res < 0) {
			failures++;
			if (!errno_ok(op, errno)) {
				bad++;
				ksft_print_msg("%s: unexpected errno %d (%s)\n", op, errno,
					       strerror(errno));
			}
		}
	}
	ksft_print_msg("%lu operations, %lu failed with a documented errno, %lu invalid\n",
		       ops, failures - bad, invalid);

	/* The oracle: what no operation touched is as it was. */
	for (i = 0; i < 2; i++) {
		char *s = sentinel(&regions[i]);
		size_t p;

		EXPECT_EQ(rwp_count_protected(s, SENTINEL_PAGES * psize()), SENTINEL_PAGES)
			TH_LOG("an untouched page lost its protection");
		EXPECT_EQ(rwp_count_accessed(s, SENTINEL_PAGES * psize()), 0)
			TH_LOG("an untouched page was reported accessed");
		/* Sync or async, the handler thread is still there to resolve. */
		for (p = 0; p < SENTINEL_PAGES; p++) {
			EXPECT_EQ(s[p * psize()], sentinel_byte(i, p))
				TH_LOG("an untouched page lost its bytes");
		}
	}
	pthread_cancel(thread);
	pthread_join(thread, NULL);
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(invalid_accepted, 0) TH_LOG("an invalid call did not fail with EINVAL");
	EXPECT_EQ(loops, 0) TH_LOG("a FOLL_FORCE read looped");
	EXPECT_EQ(bad_children, 0)
		TH_LOG("a fork child of the fuzzed ranges died or read wrong bytes");
	EXPECT_TRUE(ops == max_ops || loops) TH_LOG("out of time after %lu operations", ops);
	EXPECT_GT(invalid, 0);
}

TEST_HARNESS_MAIN
