// SPDX-License-Identifier: GPL-2.0
/*
 * The RWP model checker's operations: each does one thing to the ranges
 * and applies its rule to the model (rwp_model.c). Their table is
 * rwp_model_ops.h; exec_op() (rwp_model_exec.c) dispatches.
 */
#include "rwp_model_world.h"

void op_access(int r, size_t first, size_t n, bool write, unsigned char val)
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

void op_gup(int r, size_t i, int kind)
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
int force_read_prot(unsigned int arg)
{
	static const int prot[] = { PROT_NONE, PROT_NONE, PROT_WRITE, PROT_EXEC };

	return prot[(arg >> 1) % 4];
}

const char *prot_name(int prot)
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
void op_force_read(int r, size_t i, bool peek, int prot)
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

/* Ends the fork child that stayed, if any. */
void release_held_child(void)
{
	if (run.held <= 0)
		return;
	kill(run.held, SIGKILL);
	waitpid(run.held, NULL, 0);
	run.held = 0;
}

/*
 * Forks a child that reports what it sees of every range. If @hold, it
 * stays until the next fork, sharing what it maps: its pages and swap
 * entries are not the parent's alone, so the parent's faults on them must
 * unshare (a write to a swapped-out page swaps in a page it cannot map
 * exclusive), and MADV_PAGEOUT and MADV_FREE leave them alone.
 */
void op_fork(bool hold)
{
	unsigned char outs[NR_RANGES][rwp_max_range_pages()];
	char names[64];
	int r, st, fds[2], shown = 0;
	pid_t child;
	size_t i;

	release_held_child();
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
		/* Killed by release_held_child(), or with the executor. */
		if (hold && prctl(PR_SET_PDEATHSIG, SIGKILL))
			hold = false;
		st = write(fds[1], outs, sizeof(outs)) == sizeof(outs) ? 0 : 1;
		/*
		 * What stays is the memory: the files go, as a snapshot child
		 * closes them, so that the parent's close of a userfaultfd or
		 * of a pin's pipe still releases it.
		 */
		if (hold && !st && !close_range(3, ~0U, 0))
			while (true)
				pause();
		_exit(st);
	}
	close(fds[1]);
	if (read(fds[0], outs, sizeof(outs)) != sizeof(outs))
		fail("the fork child reported nothing; ");
	close(fds[0]);
	if (hold)
		run.held = child;
	else
		waitpid(child, &st, 0);
	set_child_uffd(-1);
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

void sysfs_write(const char *path, const char *val)
{
	/* memory.reclaim says EAGAIN when it got less than asked: fine. */
	if (rwp_write_str(path, val))
		errno = 0;
}

/*
 * The cgroup may not swap (memory.swap.max 0, set up by the driver): LRU
 * reclaim then takes only what needs no swap (lazily freed anonymous
 * memory), and leaves anonymous large folios whole for the next lazy free.
 * MADV_PAGEOUT is how a range is swapped out: swap is allowed around it.
 */
void allow_swap(bool allow)
{
	char path[256];

	if (!run.env->cgroup)
		return;
	snprintf(path, sizeof(path), "%s/memory.swap.max", run.env->cgroup);
	sysfs_write(path, allow ? "max" : "0");
}

void op_reclaim(void)
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
		ret = madvise(map, hpage(), MADV_COLLAPSE) ? errno : 0;
	} while (ret == EAGAIN && ++tries < COLLAPSE_TRIES);
	if (ret == EINVAL)
		fail("MADV_COLLAPSE of a MINOR-registered mapping refused (EINVAL); ");
	else if (!ret && !check_huge_shmem(map, hpage(), 1, hpage()))
		fail("MADV_COLLAPSE of a MINOR-registered mapping left it PTE-mapped; ");
}

void op_collapse(int r, bool other)
{
	char *map;
	int armed;

	/* Whether the range's own collapse succeeds is the kernel's business: both allowed. */
	if (!other || run.memfd[r] < 0) {
		madvise(run.base[r], r == R_ANON4K || r == R_ANON64K ? range_len(r) : hpage(),
			MADV_COLLAPSE);
		rule_collapse(&run.m, r);
		return;
	}
	map = aligned_mmap(hpage(), hpage(), PROT_READ | PROT_WRITE, MAP_SHARED, run.memfd[r]);
	if (map == MAP_FAILED) {
		broken("no second mapping of %s: %s; ", rwp_range_names[r], strerror(errno));
		return;
	}
	armed = uffd_register_mode(map, hpage(), UFFDIO_REGISTER_MODE_MINOR);
	if (armed < 0)
		broken("MINOR registration of a second mapping: %s; ", strerror(-armed));
	else
		collapse_armed_other(map, run.memfd[r]);
	munmap(map, hpage());
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

void op_khugepaged(void)
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
	s.khugepaged.pages_to_scan = 8 * (hpage() / ps());
	thp_write_settings(&s);
	for (r = 0; r < NR_RANGES; r++) {
		if (run.memfd[r] < 0)
			continue;
		twin[r] = aligned_mmap(hpage(), hpage(), PROT_READ | PROT_WRITE, MAP_SHARED,
				       run.memfd[r]);
		if (twin[r] == MAP_FAILED)
			twin[r] = NULL;
		else
			madvise(twin[r], hpage(), MADV_HUGEPAGE);
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
			munmap(twin[r], hpage());
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
void op_numa_scan(void)
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
void op_gup_honor(int r, size_t first, size_t n)
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
void op_mremap(int r)
{
	size_t len = range_len(r);
	bool event = run.m.event_remap && r != R_SHMEM_WP;
	unsigned int before = remaps_after(0, 0);
	char *to, *got;

	to = aligned_mmap(len, r == R_ANON64K ? rwp_mthp_size() : hpage(), PROT_NONE,
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
