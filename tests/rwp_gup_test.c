// SPDX-License-Identifier: GPL-2.0
/*
 * A read GUP through an RWP-protected page must be reported to the VMM.
 *
 * The protnone entry of a protected page is the RWP marker. Every read GUP
 * below walks the slow path and asks gup_can_follow_protnone(); if the gate
 * lets it follow the entry, the page is read while it stays "not accessed"
 * in pagemap (bit 57 still set) and, in sync mode, no fault message reaches
 * the handler: the VMM's working set is wrong. Each test reads page 0 of a
 * protected range one way and checks the data, the report, and that the
 * other pages are still protected: anon and shmem, async and sync; this
 * process's GUPs and another's (remote), gets, pins and long-term pins.
 * Further down: the PMD call sites, with a PMD-mapped THP and a hugetlb
 * page, FOLL_FORCE reads of PROT_NONE'd RWP VMAs, which must not be
 * forced to fault, and the gate's other half: NUMA hinting entries, which
 * a FOLL_HONOR_NUMA_FAULT caller must fault on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vm_util.h"
#include "hugepage_settings.h"
#include "../../../../mm/gup_test.h"
#include "rwp_lib.h"
#ifdef RWP_COUNTERS
#include "rwp_counters.h"
#endif

#define NR_PAGES	4
#define PATTERN(i)	((char)(0xa0 + (i)))

struct gup_env {
	struct rwp_ctx ctx;
	char *area;
	size_t psz;
};

FIXTURE(gup)
{
	struct gup_env env;
};

FIXTURE_VARIANT(gup)
{
	bool sync;
	bool shmem;
};

FIXTURE_VARIANT_ADD(gup, async)
{
	.sync = false,
};

FIXTURE_VARIANT_ADD(gup, sync)
{
	.sync = true,
};

FIXTURE_VARIANT_ADD(gup, shmem_async)
{
	.sync = false,
	.shmem = true,
};

FIXTURE_VARIANT_ADD(gup, shmem_sync)
{
	.sync = true,
	.shmem = true,
};

FIXTURE_SETUP(gup)
{
	int i, ret;

	self->env.psz = psize();
	if (variant->shmem) {
		int fd = memfd_create("rwp-gup", MFD_CLOEXEC);

		ASSERT_GE(fd, 0);
		ASSERT_EQ(ftruncate(fd, NR_PAGES * self->env.psz), 0);
		self->env.area = mmap(NULL, NR_PAGES * self->env.psz, PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd, 0);
		close(fd);
	} else {
		self->env.area = mmap(NULL, NR_PAGES * self->env.psz, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	ASSERT_NE(self->env.area, MAP_FAILED);
	/* Small pages only: this is about the PTE path. */
	madvise(self->env.area, NR_PAGES * self->env.psz, MADV_NOHUGEPAGE);
	for (i = 0; i < NR_PAGES; i++)
		memset(self->env.area + i * self->env.psz, PATTERN(i), self->env.psz);

	ret = rwp_open(&self->env.ctx, variant->sync);
	if (ret == RWP_UNSUPPORTED)
		SKIP(return, "no userfaultfd RWP in this kernel");
	ASSERT_EQ(ret, 0);
	ASSERT_EQ(rwp_register(&self->env.ctx, self->env.area, NR_PAGES * self->env.psz), 0);
	ASSERT_EQ(rwp_protect(&self->env.ctx, self->env.area, NR_PAGES * self->env.psz, true), 0);
	ASSERT_EQ(rwp_count_protected(self->env.area, NR_PAGES * self->env.psz), NR_PAGES);
#ifdef RWP_COUNTERS
	rwp_gates_mark();
#endif
}

FIXTURE_TEARDOWN(gup)
{
	rwp_close(&self->env.ctx);
	munmap(self->env.area, NR_PAGES * self->env.psz);
}

/* The access to page 0 reached the VMM; pages 1.. are untouched. */
static void check_reported(struct __test_metadata *_metadata,
			   struct gup_env *env, bool sync)
{
	if (sync) {
		EXPECT_GE(rwp_faults_at(&env->ctx, env->area), 1)
			TH_LOG("no RWP fault delivered for the GUP");
	} else {
		EXPECT_EQ(rwp_is_protected(env->area), 0)
			TH_LOG("page still protected: the GUP read through the marker");
		EXPECT_EQ(rwp_count_accessed(env->area, env->psz), 1);
	}
	EXPECT_EQ(rwp_count_protected(env->area + env->psz,
				      (NR_PAGES - 1) * env->psz), NR_PAGES - 1);
#ifdef RWP_COUNTERS
	EXPECT_GATE_CONSULTED(GATE_GUP_PTE);
#endif
}

/*
 * GUPs without FAULT_FLAG_ALLOW_RETRY (access_remote_vm() behind
 * /proc/pid/mem and ptrace, plain get_user_pages() behind gup_test) cannot
 * wait for a sync handler: handle_userfault() fails the fault and the
 * access fails. That is no bypass either, as long as nothing was read and
 * the page is still protected. With CONFIG_DEBUG_VM the refusal dumps the
 * stack once: the test announces it, so the dmesg check can tell it from a
 * splat.
 */
static void check_refused(struct __test_metadata *_metadata,
			  struct gup_env *env)
{
	rwp_expect_retry_dump();
	EXPECT_EQ(rwp_is_protected(env->area), 1)
		TH_LOG("the access failed, yet the protection is gone");
	EXPECT_EQ(rwp_count_protected(env->area, NR_PAGES * env->psz), NR_PAGES);
#ifdef RWP_COUNTERS
	EXPECT_GATE_CONSULTED(GATE_GUP_PTE);
#endif
}

static bool all_bytes(const char *buf, size_t len, char c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != c)
			return false;
	return true;
}

TEST_F(gup, process_vm_readv)
{
	char buf[64];

	ASSERT_EQ(rwp_gup_read(getpid(), self->env.area, buf, sizeof(buf)), sizeof(buf))
		TH_LOG("process_vm_readv: %s", strerror(errno));
	EXPECT_TRUE(all_bytes(buf, sizeof(buf), PATTERN(0)));
	check_reported(_metadata, &self->env, variant->sync);
}

/*
 * Another process reads this one's protected page: a remote GUP. The area
 * is not forked into the reader: a fork would make its anon pages shared,
 * and a pinning GUP of a shared anon page takes an unshare fault, which
 * reports the access however the gate decides.
 */
TEST_F(gup, remote_process_vm_readv)
{
	pid_t reader, parent = getpid();
	int status;

	ASSERT_EQ(madvise(self->env.area, NR_PAGES * self->env.psz, MADV_DONTFORK), 0);
	reader = fork();
	ASSERT_GE(reader, 0);
	if (!reader) {
		char buf[64];

		if (rwp_gup_read(parent, self->env.area, buf, sizeof(buf)) != sizeof(buf))
			_exit(2);
		_exit(all_bytes(buf, sizeof(buf), PATTERN(0)) ? 0 : 3);
	}
	while (waitpid(reader, &status, 0) < 0 && errno == EINTR)
		;
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the remote read failed: status %#x", status);
	check_reported(_metadata, &self->env, variant->sync);
}

TEST_F(gup, proc_self_mem_read)
{
	char buf[64];
	int fd = open("/proc/self/mem", O_RDONLY);
	ssize_t ret;

	ASSERT_GE(fd, 0);
	ret = pread(fd, buf, sizeof(buf), (uintptr_t)self->env.area);
	close(fd);
	if (variant->sync && ret < 0)
		return check_refused(_metadata, &self->env);
	ASSERT_EQ(ret, sizeof(buf));
	EXPECT_TRUE(all_bytes(buf, sizeof(buf), PATTERN(0)));
	check_reported(_metadata, &self->env, variant->sync);
}

/*
 * A child seizes this thread, stops it and peeks at page 0, with the range
 * mprotect()ed to prot first: PTRACE_PEEKDATA is a FOLL_FORCE read, which
 * reads a VMA that is not readable too. A write-only or exec-only VMA is
 * still accessible (vma_is_accessible(): read, write or exec), so its
 * marker is an RWP marker like any other, which the read must report.
 * Only this thread stops: the sync handler thread keeps serving faults.
 */
static void peek_case(struct __test_metadata *_metadata, struct gup_env *env, bool sync,
		      int prot)
{
	pid_t tracee = gettid(), child;
	int status;

	ASSERT_EQ(mprotect(env->area, NR_PAGES * env->psz, prot), 0);
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		long word;
		int st;

		if (ptrace(PTRACE_SEIZE, tracee, 0, 0) ||
		    ptrace(PTRACE_INTERRUPT, tracee, 0, 0) ||
		    waitpid(tracee, &st, __WALL) != tracee)
			_exit(2);
		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, tracee, env->area, 0);
		if (errno)
			_exit(3);
		ptrace(PTRACE_DETACH, tracee, 0, 0);
		_exit(all_bytes((char *)&word, sizeof(word), PATTERN(0)) ? 0 : 4);
	}
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	ASSERT_TRUE(WIFEXITED(status));
	if (sync && WEXITSTATUS(status) == 3)
		return check_refused(_metadata, env);
	ASSERT_EQ(WEXITSTATUS(status), 0) TH_LOG("tracer failed at step %d",
						 WEXITSTATUS(status));
	check_reported(_metadata, env, sync);
}

TEST_F(gup, ptrace_peekdata)
{
	peek_case(_metadata, &self->env, variant->sync, PROT_READ | PROT_WRITE);
}

TEST_F(gup, ptrace_peekdata_write_only)
{
	peek_case(_metadata, &self->env, variant->sync, PROT_WRITE);
}

TEST_F(gup, ptrace_peekdata_exec_only)
{
	peek_case(_metadata, &self->env, variant->sync, PROT_EXEC);
}

TEST_F(gup, vmsplice)
{
	struct iovec iov = { .iov_base = self->env.area, .iov_len = 64 };
	char buf[64];
	int pfd[2];

	ASSERT_EQ(pipe(pfd), 0);
	ASSERT_EQ(vmsplice(pfd[1], &iov, 1, 0), 64);
	ASSERT_EQ(read(pfd[0], buf, sizeof(buf)), sizeof(buf));
	close(pfd[0]);
	close(pfd[1]);
	EXPECT_TRUE(all_bytes(buf, sizeof(buf), PATTERN(0)));
	check_reported(_metadata, &self->env, variant->sync);
}

/*
 * write() with O_DIRECT pins the user buffer (a read GUP) and DMAs from it.
 * tmpfs would copy instead, so this needs a directory on a block filesystem,
 * named by RWP_DIO_DIR.
 */
TEST_F(gup, odirect_write)
{
	const char *dir = getenv("RWP_DIO_DIR");
	char path[256], *check;
	int fd;

	if (!dir)
		SKIP(return, "RWP_DIO_DIR unset: no block filesystem for O_DIRECT");
	snprintf(path, sizeof(path), "%s/odirect.%d", dir, getpid());
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_DIRECT, 0600);
	ASSERT_GE(fd, 0);
	unlink(path);
	ASSERT_EQ(write(fd, self->env.area, self->env.psz), self->env.psz);
	check = mmap(NULL, self->env.psz, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(check, MAP_FAILED);
	ASSERT_EQ(pread(fd, check, self->env.psz, 0), self->env.psz);
	close(fd);
	EXPECT_TRUE(all_bytes(check, self->env.psz, PATTERN(0)));
	munmap(check, self->env.psz);
	check_reported(_metadata, &self->env, variant->sync);
}

/*
 * gup_test's read GUP (GUP_BASIC_TEST), read pin (PIN_BASIC_TEST) or
 * long-term read pin (PIN_LONGTERM_BENCHMARK), with FOLL_* gup_flags.
 */
static void gup_test_case(struct __test_metadata *_metadata, struct gup_env *env,
			  bool sync, unsigned long cmd, unsigned int gup_flags)
{
	long ret = rwp_gup_test(cmd, env->area, env->psz, gup_flags);

	ASSERT_NE(ret, -ENOENT) TH_LOG("no /sys/kernel/debug/gup_test (CONFIG_GUP_TEST)");
	if (sync && ret == 0)
		return check_refused(_metadata, env);
	ASSERT_EQ(ret, env->psz);
	check_reported(_metadata, env, sync);
}

TEST_F(gup, gup_test_get)
{
	gup_test_case(_metadata, &self->env, variant->sync, GUP_BASIC_TEST, 0);
}

TEST_F(gup, gup_test_pin)
{
	gup_test_case(_metadata, &self->env, variant->sync, PIN_BASIC_TEST, 0);
}

TEST_F(gup, gup_test_pin_longterm)
{
	gup_test_case(_metadata, &self->env, variant->sync, PIN_LONGTERM_BENCHMARK, 0);
}

/*
 * A caller that honours NUMA hinting faults already faults on an accessible
 * protnone entry, RWP or not: the gate's RWP clause cannot change this one.
 */
TEST_F(gup, gup_test_honor_numa_fault)
{
	gup_test_case(_metadata, &self->env, variant->sync, GUP_BASIC_TEST,
		      FOLL_HONOR_NUMA_FAULT);
}

/* Controls: a write GUP faults on protnone whatever the gate says. */
TEST_F(gup, control_process_vm_writev)
{
	char buf[64];
	struct iovec local = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct iovec remote = { .iov_base = self->env.area, .iov_len = sizeof(buf) };

	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(process_vm_writev(getpid(), &local, 1, &remote, 1, 0), sizeof(buf));
	check_reported(_metadata, &self->env, variant->sync);
	EXPECT_TRUE(all_bytes(self->env.area, sizeof(buf), 0x5a));
}

TEST_F(gup, control_proc_self_mem_write)
{
	char buf[64];
	int fd = open("/proc/self/mem", O_RDWR);
	ssize_t ret;

	ASSERT_GE(fd, 0);
	memset(buf, 0x5b, sizeof(buf));
	ret = pwrite(fd, buf, sizeof(buf), (uintptr_t)self->env.area);
	close(fd);
	if (variant->sync && ret < 0)
		return check_refused(_metadata, &self->env);
	ASSERT_EQ(ret, sizeof(buf));
	check_reported(_metadata, &self->env, variant->sync);
	EXPECT_TRUE(all_bytes(self->env.area, sizeof(buf), 0x5b));
}

/*
 * The PMD call sites. UFFDIO_RWPROTECT keeps a PMD-mapped anon THP mapped by
 * its PMD, now protnone: a read GUP of one of its pages is decided in
 * follow_pmd_mask() (and, if that lets it through, in follow_huge_pmd()), not
 * in follow_page_pte(). With the gate right the fault unprotects the whole
 * PMD, so all its pages are reported accessed; with it wrong the read goes
 * through unseen.
 *
 * A 2 MiB hugetlb page is mapped by a PMD leaf too, and GUP walks it by the
 * same two sites; the RWP fault on it is hugetlb_fault()'s, which restores
 * (async) or reports (sync) the whole huge page.
 */
struct huge_env {
	struct rwp_ctx ctx;
	char *area;
	size_t hpage;
};

FIXTURE(gup_huge)
{
	struct huge_env env;
};

FIXTURE_VARIANT(gup_huge)
{
	bool sync;
	bool hugetlb;
};

FIXTURE_VARIANT_ADD(gup_huge, thp_async)
{
	.sync = false,
};

FIXTURE_VARIANT_ADD(gup_huge, thp_sync)
{
	.sync = true,
};

FIXTURE_VARIANT_ADD(gup_huge, hugetlb_async)
{
	.sync = false,
	.hugetlb = true,
};

FIXTURE_VARIANT_ADD(gup_huge, hugetlb_sync)
{
	.sync = true,
	.hugetlb = true,
};

static void fill_huge(char *area, size_t hpage)
{
	size_t i;

	for (i = 0; i < hpage / psize(); i++)
		memset(area + i * psize(), PATTERN(i % NR_PAGES), psize());
}

/* A PMD-mapped anon THP, made by MADV_COLLAPSE; MAP_FAILED if it could not be. */
static char *make_thp(size_t hpage)
{
	char *thp = aligned_mmap(hpage, hpage, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1);

	if (thp == MAP_FAILED)
		return thp;
	fill_huge(thp, hpage);
	if (madvise(thp, hpage, MADV_COLLAPSE) || !check_huge_anon(thp, hpage, 1, hpage)) {
		munmap(thp, hpage);
		return MAP_FAILED;
	}
	return thp;
}

/* A private hugetlb page of the default size, filled. */
static char *make_hugetlb(size_t hpage)
{
	char *area = mmap(NULL, hpage, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);

	if (area != MAP_FAILED)
		fill_huge(area, hpage);
	return area;
}

FIXTURE_SETUP(gup_huge)
{
	int ret;

	if (variant->hugetlb) {
		self->env.hpage = default_huge_page_size();
		if (!self->env.hpage || hugetlb_free_pages(self->env.hpage) < 1)
			SKIP(return, "no free hugetlb page (vm.nr_hugepages)");
		self->env.area = make_hugetlb(self->env.hpage);
		ASSERT_NE(self->env.area, MAP_FAILED) TH_LOG("no hugetlb page");
	} else {
		self->env.hpage = read_pmd_pagesize();
		if (!self->env.hpage)
			SKIP(return, "no PMD-sized THP");
		self->env.area = make_thp(self->env.hpage);
		ASSERT_NE(self->env.area, MAP_FAILED) TH_LOG("MADV_COLLAPSE made no THP");
	}
	ret = rwp_open(&self->env.ctx, variant->sync);
	if (ret == RWP_UNSUPPORTED)
		SKIP(return, "no userfaultfd RWP in this kernel");
	ASSERT_EQ(ret, 0);
	/* hugetlb: RWPROTECT ranges must cover whole huge pages. */
	if (variant->hugetlb)
		self->env.ctx.grain = self->env.hpage;
	ASSERT_EQ(rwp_register(&self->env.ctx, self->env.area, self->env.hpage), 0);
	ASSERT_EQ(rwp_protect(&self->env.ctx, self->env.area, self->env.hpage, true), 0);
	ASSERT_EQ(rwp_count_protected(self->env.area, self->env.hpage),
		  self->env.hpage / psize());
	if (!variant->hugetlb)
		ASSERT_TRUE(check_huge_anon(self->env.area, self->env.hpage, 1, self->env.hpage))
			TH_LOG("protecting the THP split it: this is no PMD test");
}

FIXTURE_TEARDOWN(gup_huge)
{
	rwp_close(&self->env.ctx);
	munmap(self->env.area, self->env.hpage);
}

TEST_F(gup_huge, process_vm_readv)
{
	char buf[64];

#ifdef RWP_COUNTERS
	rwp_gates_mark();
#endif

	ASSERT_EQ(rwp_gup_read(getpid(), self->env.area, buf, sizeof(buf)), sizeof(buf))
		TH_LOG("process_vm_readv: %s", strerror(errno));
	EXPECT_TRUE(all_bytes(buf, sizeof(buf), PATTERN(0)));
	if (variant->sync) {
		EXPECT_GE(rwp_faults_at(&self->env.ctx, self->env.area), 1)
			TH_LOG("no RWP fault delivered for the GUP of the huge page");
	} else {
		EXPECT_EQ(rwp_is_protected(self->env.area), 0)
			TH_LOG("huge page still protected: the GUP read through the PMD marker");
		/* The fault restored the whole huge page, not one 4K page of it. */
		EXPECT_EQ(rwp_count_accessed(self->env.area, self->env.hpage),
			  self->env.hpage / psize());
	}
#ifdef RWP_COUNTERS
	EXPECT_GATE_CONSULTED(GATE_GUP_PMD);
#endif
}

/*
 * FOLL_FORCE on an RWP VMA that was mprotect(PROT_NONE)'d: the read must
 * complete. Forcing a fault there loops, since handle_mm_fault() makes no
 * progress on protnone in an inaccessible VMA (as a gate that faults on
 * every RWP VMA, accessible or not, would).
 * In a child, under alarm(), so a livelock is a failure, not a hang: maps
 * len bytes (a PMD-mapped THP if thp), registers and protects them if rwp
 * (else registers them for MISSING faults, of which a populated area raises
 * none: the gate counters count decisions on registered VMAs only), makes
 * them PROT_NONE and reads them through /proc/self/mem. Returns the child's
 * wait status; it exits 0 when the read got the right bytes.
 */
static int foll_force_read_status(size_t len, bool thp, bool rwp)
{
	int status;
	pid_t child;

	child = fork();
	if (!child) {
		char *area = thp ? make_thp(len) :
			mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct rwp_ctx ctx;
		char buf[64];
		int fd;

		if (area == MAP_FAILED)
			_exit(2);
		memset(area, PATTERN(0), psize());
		if (rwp && (rwp_open(&ctx, false) || rwp_register(&ctx, area, len) ||
			    rwp_protect(&ctx, area, len, true)))
			_exit(3);
		if (!rwp && uffd_register_mode(area, len, UFFDIO_REGISTER_MODE_MISSING) < 0)
			_exit(3);
		if (mprotect(area, len, PROT_NONE) || (thp && !check_huge_anon(area, len, 1, len)))
			_exit(4);
		fd = open("/proc/self/mem", O_RDONLY);
		if (fd < 0)
			_exit(5);
		alarm(10);
		if (pread(fd, buf, sizeof(buf), (uintptr_t)area) != sizeof(buf))
			_exit(6);
		_exit(all_bytes(buf, sizeof(buf), PATTERN(0)) ? 0 : 7);
	}
	if (child < 0 || waitpid(child, &status, 0) != child)
		return -1;
	return status;
}

/*
 * A read pin of anonymous memory never written gets the shared zero page,
 * which GUP only pretends to pin. 7.3's gup_test took that for a missing
 * pin and WARNed "pages[0] is NOT dma-pinned", tainting the kernel of any
 * test that pins such memory through it (fixed by "mm/gup_test: do not
 * warn that the shared zero page is not pinned").
 */
TEST(pin_of_the_zero_page_is_quiet)
{
	size_t len = 16 * psize();
	char *area;
	long got;
	int kmsg;

	area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(area, MAP_FAILED);
	ASSERT_EQ(madvise(area, len, MADV_NOHUGEPAGE), 0);
	kmsg = rwp_kmsg_open_at_end();
	ASSERT_GE(kmsg, 0);
	got = rwp_gup_test(PIN_BASIC_TEST, area, len, 0);
	ASSERT_EQ(got, (long)len) TH_LOG("PIN_BASIC_TEST: %s", strerror(-got));
	EXPECT_EQ(rwp_is_zero_page(area), 1)
		TH_LOG("the read pin did not map the zero page: this test shows nothing");
	EXPECT_FALSE(rwp_kmsg_says(kmsg, "is NOT dma-pinned"))
		TH_LOG("gup_test warned that the zero page is not pinned");
	close(kmsg);
	munmap(area, len);
}

TEST(prot_none_foll_force_completes)
{
	int status = foll_force_read_status(psize(), false, true);

	ASSERT_FALSE(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		TH_LOG("the FOLL_FORCE read of a PROT_NONE RWP VMA looped");
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0) TH_LOG("failed at step %d", WEXITSTATUS(status));
}

/*
 * The same for a THP: both PMD sites let the read through. Not registered
 * for RWP, it is the control that reaches follow_huge_pmd()'s gate whatever
 * it decides for RWP; registered, a gate that faults on every RWP VMA
 * forces a fault at the first site.
 */
TEST(thp_prot_none_foll_force_completes)
{
	size_t hpage = read_pmd_pagesize();
	int status;

	if (!hpage)
		SKIP(return, "no PMD-sized THP");
#ifdef RWP_COUNTERS
	rwp_gates_mark();
#endif
	status = foll_force_read_status(hpage, true, false);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the control read failed: status %#x", status);
#ifdef RWP_COUNTERS
	EXPECT_GATE_CONSULTED(GATE_GUP_HUGE_PMD);
#endif

	status = foll_force_read_status(hpage, true, true);
	ASSERT_FALSE(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		TH_LOG("the FOLL_FORCE read of a PROT_NONE RWP THP looped");
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0) TH_LOG("failed at step %d", WEXITSTATUS(status));
}

/*
 * The gate's other half. A NUMA hinting entry is an accessible protnone PTE
 * or PMD that is no RWP marker, and a caller passing FOLL_HONOR_NUMA_FAULT
 * must take the hinting fault instead of reading through it; one that does
 * not pass it reads through. Balancing is off unless the kernel turns it
 * on by default: the test turns it on until the scanner has marked the area
 * (rwp_numa_spin_until_scanned()), turns it off again so nothing is marked
 * while it counts, and counts numa_hint_faults across one GUP without the
 * flag, one with it, and a read of every page after them. It counts them
 * on a memory cgroup of its own, and the area is registered with a
 * userfaultfd (MISSING: populated, nothing to fault), so that neither the
 * fault counts nor the gate counters can be made up by another task.
 */
#define NUMA_PTE_PAGES		64

FIXTURE(numa_hint)
{
	char *area;
	size_t len;
	long entries;		/* hinting entries the area is mapped by */
	char *probe;		/* a twin of the area, to see the scan marked it */
	int uffd;
	struct rwp_numa_knobs knobs;
};

FIXTURE_VARIANT(numa_hint)
{
	bool pmd;
};

FIXTURE_VARIANT_ADD(numa_hint, pte)
{
	.pmd = false,
};

FIXTURE_VARIANT_ADD(numa_hint, pmd)
{
	.pmd = true,
};

/*
 * Memory for the scanner to mark: @len bytes, a THP (MADV_COLLAPSE) if
 * @pmd, else base pages; filled. MAP_FAILED if no THP formed.
 */
static char *hinting_area(size_t len, bool pmd)
{
	char *area;

	if (pmd)
		return make_thp(len);
	area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return area;
	madvise(area, len, MADV_NOHUGEPAGE);
	memset(area, PATTERN(0), len);
	return area;
}

/* numa_hint_faults on this test's pages taken by one gup_test read of [addr, addr + len). */
static long gup_hint_faults(char *addr, size_t len, unsigned int gup_flags, long *got)
{
	long before = rwp_memcg_events("numa_hint_faults"), after;

	*got = rwp_gup_test(GUP_BASIC_TEST, addr, len, gup_flags);
	after = rwp_memcg_events("numa_hint_faults");
	return before < 0 || after < 0 ? -1 : after - before;
}

FIXTURE_SETUP(numa_hint)
{
	char *warm;
	long got;

	self->uffd = -1;
	if (!rwp_numa_save(&self->knobs))
		SKIP(return, "no NUMA balancing knobs (CONFIG_NUMA_BALANCING, debugfs)");
	/* Before the area is faulted in: its pages are charged to the cgroup. */
	ASSERT_NE(rwp_memcg_enter("numa-hint"), NULL)
		TH_LOG("no memory cgroup of its own: %s", strerror(errno));

	self->len = variant->pmd ? read_pmd_pagesize() : NUMA_PTE_PAGES * psize();
	if (!self->len)
		SKIP(return, "no PMD-sized THP");
	self->entries = variant->pmd ? 1 : NUMA_PTE_PAGES;
	self->area = hinting_area(self->len, variant->pmd);
	self->probe = hinting_area(self->len, variant->pmd);
	ASSERT_NE(self->area, MAP_FAILED) TH_LOG("MADV_COLLAPSE made no THP");
	ASSERT_NE(self->probe, MAP_FAILED) TH_LOG("MADV_COLLAPSE made no THP");
	self->uffd = uffd_register_mode(self->area, self->len, UFFDIO_REGISTER_MODE_MISSING);
	ASSERT_GE(self->uffd, 0) TH_LOG("userfaultfd: %s", strerror(-self->uffd));

	ASSERT_TRUE(rwp_numa_start());
	ASSERT_TRUE(rwp_numa_spin_until_scanned(2, 60))
		TH_LOG("the NUMA scanner made no two passes in 60 s");
	ASSERT_TRUE(rwp_numa_stop());
	if (variant->pmd)
		ASSERT_TRUE(check_huge_anon(self->area, self->len, 1, self->len))
			TH_LOG("the scan split the THP: this is no PMD test");

	/*
	 * The scanner marked this process's stack, heap and data too. Walk
	 * the counting path once on a fresh page, so that the counts below
	 * take no hinting fault of the counting itself.
	 */
	warm = mmap(NULL, psize(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(warm, MAP_FAILED);
	memset(warm, 0, psize());
	gup_hint_faults(warm, psize(), 0, &got);
	gup_hint_faults(warm, psize(), FOLL_HONOR_NUMA_FAULT, &got);
	rwp_hint_faults_of_reads(warm, psize());
	munmap(warm, psize());
}

FIXTURE_TEARDOWN(numa_hint)
{
	rwp_numa_restore(&self->knobs);
	if (self->uffd >= 0)
		close(self->uffd);
	if (self->area && self->area != MAP_FAILED)
		munmap(self->area, self->len);
	if (self->probe && self->probe != MAP_FAILED)
		munmap(self->probe, self->len);
	rwp_memcg_leave();
}

TEST_F_TIMEOUT(numa_hint, gup_test_honor_numa_fault, 120)
{
	long followed, honored, touched, got;

#ifdef RWP_COUNTERS
	rwp_gates_mark();
#endif
	followed = gup_hint_faults(self->area, self->len, 0, &got);
	ASSERT_EQ(got, self->len);
	honored = gup_hint_faults(self->area, self->len, FOLL_HONOR_NUMA_FAULT, &got);
	ASSERT_EQ(got, self->len);
	touched = rwp_hint_faults_of_reads(self->area, self->len);
	ASSERT_TRUE(followed >= 0 && honored >= 0 && touched >= 0)
		TH_LOG("cannot count the cgroup's numa_hint_faults");
	EXPECT_TRUE(all_bytes(self->area, psize(), PATTERN(0)));
	TH_LOG("hinting faults: %ld without the flag, %ld with it, %ld reading after",
	       followed, honored, touched);

	EXPECT_EQ(followed, 0) TH_LOG("a GUP without FOLL_HONOR_NUMA_FAULT took a hinting fault");
	/* Every entry was a hinting entry, or this tests nothing. */
	ASSERT_GE(followed + honored + touched, self->entries)
		TH_LOG("the scanner marked fewer than the %ld entries of the area", self->entries);
	EXPECT_GE(honored, self->entries)
		TH_LOG("the GUP read through a NUMA hinting entry: FOLL_HONOR_NUMA_FAULT ignored");
	EXPECT_EQ(touched, 0)
		TH_LOG("a load after the GUP met a hinting entry: the GUP left it unresolved");
#ifdef RWP_COUNTERS
	EXPECT_GATE_CONSULTED(variant->pmd ? GATE_GUP_PMD : GATE_GUP_PTE);
#endif
}

/*
 * UFFDIO_RWPROTECT of hinting entries: a protnone entry without the uffd
 * bit is no marker, and change_huge_pmd() / change_pte_range() must make
 * it one, not take it for one already in place (their "already in the
 * desired state" checks test the bit too). The MISSING registration goes
 * with its userfaultfd; RWP takes the range. An entry cannot be looked at
 * without resolving it: the test reads the first page of the area's twin,
 * marked in the same scan, to see that the scan made hinting entries (one
 * hinting fault).
 */
TEST_F_TIMEOUT(numa_hint, rwprotect_makes_a_hinting_entry_a_marker, 120)
{
	size_t nr = self->len / psize();
	struct rwp_ctx ctx;

	ASSERT_EQ(rwp_hint_faults_of_reads(self->probe, psize()), 1)
		TH_LOG("the scanner left the area's twin unmarked: this tests nothing");
	close(self->uffd);
	self->uffd = -1;
	ASSERT_EQ(rwp_open(&ctx, false), 0);
	ASSERT_EQ(rwp_register(&ctx, self->area, self->len), 0);
	ASSERT_EQ(rwp_protect(&ctx, self->area, self->len, true), 0);
	EXPECT_EQ(rwp_count_protected(self->area, self->len), nr)
		TH_LOG("UFFDIO_RWPROTECT took a NUMA hinting entry for a marker");
	EXPECT_EQ(self->area[0], PATTERN(0));
	EXPECT_EQ(rwp_count_accessed(self->area, self->len), variant->pmd ? nr : 1)
		TH_LOG("the read of a protected page went unseen");
	rwp_close(&ctx);
}

TEST_HARNESS_MAIN
