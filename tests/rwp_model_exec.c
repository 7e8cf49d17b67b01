// SPDX-License-Identifier: GPL-2.0
/*
 * The executor of the RWP model checker; see rwp_model_exec.h. One run
 * owns its ranges, its userfaultfds, a sync handler thread and a reader
 * process (rwp_model_peers.c); this file sets a run up, dispatches each
 * operation (rwp_model_ops.c) and checks after it (rwp_model_oracle.c).
 */
#include "rwp_model_world.h"

/* The run this process is executing. */
struct run run;

__printf(1, 2) void fail(const char *fmt, ...)
{
	va_list ap;
	size_t used = strlen(run.msg);

	if (used + 2 >= run.msglen)
		return;
	va_start(ap, fmt);
	vsnprintf(run.msg + used, run.msglen - used, fmt, ap);
	va_end(ap);
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

int do_register(int r)
{
	struct uffdio_register reg = {
		.range = { .start = (unsigned long)run.base[r], .len = range_len(r) },
		.mode = r == R_SHMEM_WP ? UFFDIO_REGISTER_MODE_WP : UFFDIO_REGISTER_MODE_RWP,
	};

	return ioctl(r == R_SHMEM_WP ? run.wp_uffd : run.uffd, UFFDIO_REGISTER, &reg);
}

static int open_rwp_uffd(const struct rwp_mode *mode)
{
	run.uffd = open_uffd(UFFD_FEATURE_RWP | (mode->sync ? 0 : UFFD_FEATURE_RWP_ASYNC) |
			     (mode->event_fork ? UFFD_FEATURE_EVENT_FORK : 0) |
			     (mode->event_remap ? UFFD_FEATURE_EVENT_REMAP : 0));
	return run.uffd < 0 ? -1 : 0;
}

static int start_handler(void)
{
	if (pthread_create(&run.handler, NULL, handler, NULL))
		return -1;
	run.handler_running = true;
	return 0;
}

static void stop_handler(void)
{
	char c;

	if (!run.handler_running)
		return;
	if (write(run.stop[1], "x", 1) != 1) {
		fail("the handler's stop pipe: %s; ", strerror(errno));
		return;
	}
	pthread_join(run.handler, NULL);
	run.handler_running = false;
	/* Take the byte back: the next handler must not stop at once. */
	if (read(run.stop[0], &c, 1) != 1)
		fail("the handler's stop pipe: %s; ", strerror(errno));
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
			run.base[r] = aligned_mmap(len, hpage(), PROT_READ | PROT_WRITE,
						   MAP_SHARED, run.memfd[r]);
		} else {
			run.base[r] = aligned_mmap(len, r == R_ANON64K ? rwp_mthp_size() : hpage(),
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
	madvise(run.base[R_ANONTHP], hpage(), MADV_COLLAPSE);

	open_rwp_uffd(mode);
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
	if (pipe(run.stop) || start_handler()) {
		fail("no handler thread");
		return -1;
	}
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

/*
 * A VMM that hands its memory to a new userfaultfd (a new monitor, or one
 * that wants other features) closes the old one: the RWP ranges are
 * unregistered with it and registered with the new context, whose features
 * the op's arg draws. Runs thereby meet every mode, not only the seed's.
 */
static void op_reopen(unsigned int arg)
{
	const struct rwp_mode mode = {
		.sync = arg & 1, .event_fork = arg & 2, .event_remap = arg & 4,
	};
	int r;

	stop_handler();
	set_child_uffd(-1);
	close(run.uffd);
	if (open_rwp_uffd(&mode)) {
		fail("UFFDIO_API of the new context: %s; ", strerror(errno));
		return;
	}
	for (r = 0; r < NR_RANGES; r++)
		if (r != R_SHMEM_WP && do_register(r))
			fail("UFFDIO_REGISTER %s with the new context: %s; ",
			     rwp_range_names[r], strerror(errno));
	if (start_handler())
		fail("no handler thread for the new context; ");
	rule_reopen(&run.m, &mode);
}

void set_child_uffd(int ufd)
{
	pthread_mutex_lock(&run.lock);
	if (run.child_uffd >= 0)
		close(run.child_uffd);
	run.child_uffd = ufd;
	pthread_mutex_unlock(&run.lock);
}

void release_pins(void)
{
	while (run.nr_pins > 0) {
		run.nr_pins--;
		close(run.pins[run.nr_pins][0]);
		close(run.pins[run.nr_pins][1]);
	}
}

/*
 * A shmem range the kernel maps by a PMD right now (after a fault with no
 * page table): an op that splits the PMD erases it; reclaim may unmap it.
 */
static void file_pmd_split(const struct rwp_op *op, int r, size_t first, size_t n)
{
	int k;

	for (k = R_SHMEM; k <= R_SHMEM_WP; k++) {
		if ((k != r && op->kind != OP_RECLAIM) || !pmd_mapped(k))
			continue;
		switch (op->kind) {
		case OP_PROTECT:
			/* A partial range splits; so does protecting (markers are per PTE). */
			if ((op->arg & 1) || first || n < rwp_range_pages(k))
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

int rwp_op_span(const struct rwp_op *op, size_t *first, size_t *n)
{
	int r = op->range % NR_RANGES;
	size_t nr = rwp_range_pages(r);

	*first = op->first % nr;
	*n = op->n ? 1 + (op->n - 1) % (nr - *first) : 1;
	return r;
}

static void exec_op(const struct rwp_op *op)
{
	size_t first, n;
	int r = rwp_op_span(op, &first, &n);
	char *addr = page_addr(r, first);
	size_t len = n * ps();
	bool swapped[rwp_max_range_pages()];
	unsigned char outs[rwp_max_range_pages()];

	model_begin(&run.m);
	file_pmd_split(op, r, first, n);
	switch ((enum rwp_op_kind)op->kind) {
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
		op_fork(op->arg & 1);
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
	case OP_REOPEN:
		op_reopen(op->arg);
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

	stop_handler();
	release_pins();
	release_held_child();
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
