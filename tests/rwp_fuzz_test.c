// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded, time-bounded random sequence of userfaultfd and mm operations
 * on RWP-registered anon and shmem ranges, run with the module loaded:
 * UFFDIO_REGISTER/UNREGISTER (RWP, WP, MISSING, MINOR and invalid
 * combinations), UFFDIO_RWPROTECT over random sub-ranges, UFFDIO_SET_MODE,
 * mprotect, madvise (COLLAPSE, PAGEOUT, FREE, DONTNEED), fork and read
 * GUPs. Every failure must be an errno the uAPI documents for that call;
 * the runner fails the run on any kernel splat. The seed is printed and
 * RWP_FUZZ_SEED replays it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
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
#include "rwp_lib.h"

#define REGION_PAGES	1024	/* 4 MiB: room for a 2 MiB aligned THP */
#define FUZZ_SECONDS	15

static unsigned long long rng;

static unsigned long next_rand(void)
{
	/* xorshift64*: reproducible from the seed, no libc state. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 2685821657736338717ULL) >> 32;
}

static unsigned long pick(unsigned long n)
{
	return next_rand() % n;
}

struct region {
	char *base;
	bool shmem;
};

/* A random page-aligned sub-range of a region. */
static void sub_range(struct region *r, char **start, size_t *len)
{
	unsigned long first = pick(REGION_PAGES), nr = 1 + pick(REGION_PAGES - first);

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

/* FUZZ_SECONDS (or RWP_FUZZ_SECONDS) stays well inside the harness's 30 s timeout. */
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
	unsigned long ops = 0, failures = 0, bad = 0, bad_children = 0;
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
	regions[0].base = mmap_aligned(REGION_PAGES * psize(), 2UL << 20,
				       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	regions[0].shmem = false;
	regions[1].base = mmap_aligned(REGION_PAGES * psize(), 2UL << 20,
				       PROT_READ | PROT_WRITE, MAP_SHARED, memfd);
	regions[1].shmem = true;
	for (i = 0; i < 2; i++) {
		ASSERT_NE(regions[i].base, MAP_FAILED);
		memset(regions[i].base, 0x42 + i, REGION_PAGES * psize());
	}
	ASSERT_EQ(pthread_create(&thread, NULL, handler, &ctx.uffd), 0);

	seconds = getenv("RWP_FUZZ_SECONDS") ? atoi(getenv("RWP_FUZZ_SECONDS")) : FUZZ_SECONDS;
	end = time(NULL) + seconds;
	while (time(NULL) < end) {
		struct region *r = &regions[pick(2)];
		const char *op = NULL;
		char *start;
		size_t len;
		int res = 0;

		sub_range(r, &start, &len);
		switch (pick(10)) {
		case 0: {
			struct uffdio_register reg = {
				.range = { .start = (uintptr_t)start, .len = len },
				.mode = modes[pick(ARRAY_SIZE(modes))],
			};

			op = "register";
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

			op = "rwprotect";
			res = ioctl(ctx.uffd, UFFDIO_RWPROTECT, &rwp);
			break;
		}
		case 4: {
			/* Stay async (a sync RWP fault from this thread would need the
			 * handler anyway); also try bits that are not modes.
			 */
			struct uffdio_set_mode mode = {
				.enable = pick(2) ? UFFD_FEATURE_RWP_ASYNC : 1ULL << 40,
			};

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
				if (!mprotect(start, psize(), PROT_READ | PROT_WRITE))
					start[0]++;
				_exit(0);
			}
			if (child > 0 && waitpid(child, &status, 0) == child &&
			    !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
				bad_children++;
				ksft_print_msg("fork child: status %#x\n", status);
			}
			break;
		}
		default: {
			char buf[64];

			op = "gup";
			res = rwp_gup_read(getpid(), start, buf, sizeof(buf)) < 0 ? -1 : 0;
			break;
		}
		}
		ops++;
		if (op && res < 0) {
			failures++;
			if (!errno_ok(op, errno)) {
				bad++;
				ksft_print_msg("%s: unexpected errno %d (%s)\n", op, errno,
					       strerror(errno));
			}
		}
	}
	ksft_print_msg("%lu operations, %lu failed with a documented errno\n",
		       ops, failures - bad);
	pthread_cancel(thread);
	pthread_join(thread, NULL);
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(bad_children, 0) TH_LOG("a fork child of the fuzzed ranges died");
	EXPECT_GT(ops, 100);
}

TEST_HARNESS_MAIN
