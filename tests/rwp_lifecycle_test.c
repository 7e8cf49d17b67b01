// SPDX-License-Identifier: GPL-2.0
/*
 * RWP state through the rest of a range's life: fork, mremap, unregister,
 * close while a sync fault is pending, and two threads faulting one page.
 * Documentation/admin-guide/mm/userfaultfd.rst promises that protection is
 * a property of the present PTEs, that it moves with them, and that
 * unregistering or closing the userfaultfd restores access.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"
#include "rwp_lib.h"

#define NR_PAGES	4
#define PATTERN(i)	((char)(0x61 + (i)))

static char *protected_area(struct __test_metadata *_metadata, struct rwp_ctx *ctx,
			    size_t len, bool sync)
{
	char *area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (area == MAP_FAILED)
		return area;
	madvise(area, len, MADV_NOHUGEPAGE);
	for (i = 0; i < len / psize(); i++)
		memset(area + i * psize(), PATTERN(i), psize());
	EXPECT_EQ(rwp_open(ctx, sync), 0);
	EXPECT_EQ(rwp_register(ctx, area, len), 0);
	EXPECT_EQ(rwp_protect(ctx, area, len, true), 0);
	EXPECT_EQ(rwp_count_protected(area, len), len / psize());
	return area;
}

/*
 * Without UFFD_FEATURE_EVENT_FORK the child's copy of the range is not
 * registered: it reads its pages with no fault and no marker, while the
 * parent's pages stay protected.
 */
TEST(fork_unregistered_child)
{
	size_t len = NR_PAGES * psize();
	struct rwp_ctx ctx;
	char *area = protected_area(_metadata, &ctx, len, false);
	int status;
	pid_t child;

	ASSERT_NE(area, MAP_FAILED);
	ASSERT_FALSE(_metadata->exit_code);
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		alarm(10);
		if (area[0] != PATTERN(0))
			_exit(2);
		_exit(rwp_count_protected(area, len) == 0 ? 0 : 3);
	}
	ASSERT_EQ(waitpid(child, &status, 0), child);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the child could not read its copy freely: status %#x", status);
	EXPECT_EQ(rwp_count_protected(area, len), NR_PAGES)
		TH_LOG("the fork changed the parent's protection");
	rwp_close(&ctx);
	munmap(area, len);
}

/* mremap moves the PTEs, and their protection with them. */
TEST(mremap_keeps_protection)
{
	size_t len = NR_PAGES * psize();
	struct rwp_ctx ctx;
	char *area = protected_area(_metadata, &ctx, len, false), *moved;

	ASSERT_NE(area, MAP_FAILED);
	ASSERT_FALSE(_metadata->exit_code);
	moved = mremap(area, len, len, MREMAP_MAYMOVE);
	ASSERT_NE(moved, MAP_FAILED);
	EXPECT_EQ(rwp_count_protected(moved, len), NR_PAGES)
		TH_LOG("mremap dropped the protection");
	/* Async: one read, one page reported. */
	EXPECT_EQ(moved[0], PATTERN(0));
	EXPECT_EQ(rwp_count_accessed(moved, len), 1);
	EXPECT_EQ(rwp_count_protected(moved, len), NR_PAGES - 1);
	rwp_close(&ctx);
	munmap(moved, len);
}

/* Closing the userfaultfd restores access: reads then see no marker. */
TEST(close_restores_access)
{
	size_t len = NR_PAGES * psize();
	struct rwp_ctx ctx;
	char *area = protected_area(_metadata, &ctx, len, true);

	ASSERT_NE(area, MAP_FAILED);
	ASSERT_FALSE(_metadata->exit_code);
	rwp_close(&ctx);
	EXPECT_EQ(rwp_count_protected(area, len), 0) TH_LOG("close left pages protected");
	EXPECT_EQ(area[0], PATTERN(0));
	munmap(area, len);
}

struct blocked_read {
	char *addr;
	ssize_t ret;
	char byte;
};

static void *read_remote(void *arg)
{
	struct blocked_read *r = arg;

	r->ret = rwp_gup_read(getpid(), r->addr, &r->byte, 1);
	return NULL;
}

/*
 * Sync mode with nobody reading the userfaultfd: a read GUP of a protected
 * page waits for the handler. Closing the userfaultfd must wake it, and it
 * then completes with the data.
 */
TEST(close_wakes_a_waiting_gup)
{
	size_t len = NR_PAGES * psize();
	struct uffdio_api api = { .api = UFFD_API, .features = UFFD_FEATURE_RWP };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_RWP };
	struct uffdio_rwprotect prot = { .mode = UFFDIO_RWPROTECT_MODE_RWP };
	struct blocked_read r = { .ret = -2 };
	pthread_t reader;
	int uffd;

	r.addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(r.addr, MAP_FAILED);
	memset(r.addr, PATTERN(0), len);
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	ASSERT_GE(uffd, 0);
	ASSERT_EQ(ioctl(uffd, UFFDIO_API, &api), 0);
	reg.range.start = (uintptr_t)r.addr;
	reg.range.len = len;
	prot.range = reg.range;
	ASSERT_EQ(ioctl(uffd, UFFDIO_REGISTER, &reg), 0);
	ASSERT_EQ(ioctl(uffd, UFFDIO_RWPROTECT, &prot), 0);

	ASSERT_EQ(pthread_create(&reader, NULL, read_remote, &r), 0);
	usleep(300 * 1000);
	EXPECT_EQ(r.ret, -2) TH_LOG("the read did not wait for the handler");
	close(uffd);
	ASSERT_EQ(pthread_join(reader, NULL), 0);
	EXPECT_EQ(r.ret, 1) TH_LOG("the woken read failed: %s", strerror(errno));
	EXPECT_EQ(r.byte, PATTERN(0));
	munmap(r.addr, len);
}

static void *touch(void *arg)
{
	return (void *)(uintptr_t)FORCE_READ(*(char *)arg);
}

/*
 * Sync mode: two threads fault on the same protected page at once. Both
 * complete with the data, and the handler hears of the page at least once.
 */
TEST(two_threads_fault_one_page)
{
	size_t len = NR_PAGES * psize();
	struct rwp_ctx ctx;
	char *area = protected_area(_metadata, &ctx, len, true);
	pthread_t t[2];
	void *got[2];
	int i;

	ASSERT_NE(area, MAP_FAILED);
	ASSERT_FALSE(_metadata->exit_code);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&t[i], NULL, touch, area), 0);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pthread_join(t[i], &got[i]), 0);
		EXPECT_EQ((char)(uintptr_t)got[i], PATTERN(0));
	}
	EXPECT_GE(rwp_faults_at(&ctx, area), 1);
	EXPECT_EQ(rwp_count_protected(area, len), NR_PAGES - 1);
	rwp_close(&ctx);
	munmap(area, len);
}

TEST_HARNESS_MAIN
