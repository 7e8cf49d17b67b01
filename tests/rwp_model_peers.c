// SPDX-License-Identifier: GPL-2.0
/*
 * The RWP model checker's peers: the sync handler thread, which counts
 * and resolves RWP faults, and the reader process, forked before the
 * ranges exist so that it shares none of their pages, which does the
 * remote GUPs.
 */
#include "rwp_model_world.h"

/* --- the sync handler ------------------------------------------------- */

void *handler(void *arg)
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
			set_child_uffd(msg.arg.fork.ufd);
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

int reader_start(void)
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
bool reader_ask(int kind, void *addr, size_t len, struct resp *a)
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
