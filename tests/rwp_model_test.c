// SPDX-License-Identifier: GPL-2.0
/*
 * A model checker for userfaultfd RWP: seeded random sequences of
 * operations on RWP- (and uffd-wp-) registered ranges, each checked after
 * every operation against the documented per-page state (rwp_model.c); a
 * mismatch is shrunk to a minimal sequence (delta debugging, each try in a
 * fresh process) and printed as a standalone kselftest.
 *
 * One KTAP test per seed. Environment:
 *   RWP_MODEL_SEEDS		seeds, comma-separated (default DEFAULT_SEEDS);
 *				an even seed starts in sync mode, seed % 4 == 3
 *				with UFFD_FEATURE_EVENT_FORK, seed % 8 >= 4
 *				with UFFD_FEATURE_EVENT_REMAP (a reopen op
 *				draws new features within the run)
 *   RWP_MODEL_OPS		operations per seed (default 130: about 4 s
 *				of a TCG guest, 25 s for the default seeds);
 *				0: no operation bound, RWP_MODEL_SECONDS is
 *				the bound (a long run)
 *   RWP_MODEL_SECONDS		a cap on the time for all seeds (default 40),
 *				split evenly; with an operation bound, a seed
 *				the cap stops before it is a failure (cut)
 *   RWP_MODEL_SHRINK_SECONDS	time to shrink the run's first mismatch (15;
 *				0: none); the others are printed, not shrunk
 *   RWP_MODEL_GUP_TIMEOUT	seconds a remote or FOLL_FORCE read may take (5)
 *   RWP_DIO_DIR		a block filesystem for O_DIRECT reads (optional)
 *   RWP_MODEL_DUMP		print the generated sequences and exit
 *   RWP_MODEL_REPLAY		instead of generating: KIND:RANGE:FIRST:N:ARG,...
 *				(numbers, as the reproducer's initializers),
 *				run under the first seed's mode
 * Per seed it prints "# model: seed=S mode=M ops=N seconds=T mismatch=W":
 * W is yes (the kernel and the model disagreed: a finding, "MISMATCH"),
 * no, or one of four failures of the run that are no finding about RWP:
 * crashed (the executor died), hung (it stopped making progress), broken
 * (an op could not run as meant) or cut (the clock stopped it before its
 * operation count).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "rwp_lib_local.h"
#include "rwp_model_exec.h"

#define MAX_SEEDS	32
/*
 * A survey of seeds 1 to 16 under every configuration (README) chose six
 * that between them find every mutant within 130 operations, most of them
 * twice, and start in every mode (sync, async, with each event and with
 * none). The rarest: 4 meets a mixed protected/unprotected unmap batch
 * (mixed-batch) at its 66th operation, the only seed of the sixteen to.
 */
#define DEFAULT_SEEDS	"4,6,7,9,10,12"
#define MSG_LEN		2048
/* With RWP_MODEL_OPS=0: as many operations as the clock allows. */
#define UNBOUNDED_OPS	1000000

static unsigned long long rng;

static unsigned long pick(unsigned long n)
{
	return rwp_rand(&rng) % n;
}

/*
 * The operation mix, per kind of range (the weight columns of
 * rwp_model_ops.h): what is worth doing to it. The weights favour the
 * operations that change or read per-PTE protection (protect, then access
 * or GUP; collapse on the file ranges; lazy free, pins and LRU reclaim on
 * the mTHP range), so that sequences reach every path that must keep the
 * protection within a few dozen operations.
 */
static int pick_kind(int r)
{
	unsigned int total = 0, k, x;

	for (k = 0; k < NR_OPS; k++)
		total += rwp_ops[k].weight[r];
	x = pick(total);
	for (k = 0; k < NR_OPS; k++) {
		if (x < rwp_ops[k].weight[r])
			return k;
		x -= rwp_ops[k].weight[r];
	}
	return OP_READ;
}

/*
 * Which range a burst works on: the ones with more paths that must keep
 * per-PTE state (large folios, file THPs) more often.
 */
static int pick_focus(void)
{
	static const unsigned char focus[NR_RANGES] = {
		[R_ANON4K] = 2, [R_ANONTHP] = 3, [R_ANON64K] = 5,
		[R_SHMEM] = 3, [R_SHMEM_WP] = 2,
	};
	unsigned int x = pick(15), r;

	for (r = 0; r < NR_RANGES; r++) {
		if (x < focus[r])
			return r;
		x -= focus[r];
	}
	return R_ANON4K;
}

/* A sub-range: the whole range, one page, or a random span. */
static void pick_span(struct rwp_op *op, size_t nr, unsigned int whole, unsigned int one)
{
	unsigned int x = pick(100);

	if (x < whole) {
		op->first = 0;
		op->n = nr;
	} else if (x < whole + one) {
		op->first = pick(nr);
		op->n = 1;
	} else {
		op->first = pick(nr);
		op->n = 1 + pick(nr - op->first);
	}
}

/*
 * Widens the span to the whole large folios it touches on an anonymous
 * large-folio range (a partial one is split by whatever acts on it); false
 * on the other ranges.
 */
static bool whole_folios(struct rwp_op *op, size_t nr)
{
	size_t folio = rwp_range_block(op->range), end;

	if (op->range != R_ANON64K && op->range != R_ANONTHP)
		return false;
	end = (op->first + op->n + folio - 1) / folio * folio;
	op->first -= op->first % folio;
	op->n = (end < nr ? end : nr) - op->first;
	return true;
}

/* A window: one mTHP folio's worth of pages, aligned. */
static size_t window_pages(void)
{
	return rwp_range_block(R_ANON64K);
}

/*
 * Half of a burst's operations on its range stay inside one window: the
 * paths that must keep per-PTE state differ only where one large folio's
 * PTEs differ, which takes several operations on the same folio. Not the
 * ones that free or reclaim: those act on whole folios.
 */
static void confine(struct rwp_op *op, size_t window)
{
	size_t end = window + window_pages();

	op->first = window + op->first % window_pages();
	if (op->first + op->n > end)
		op->n = end - op->first;
}

/*
 * Does the operation change PTEs behind the process's back (NUMA hinting,
 * lazy free, reclaim, migration) rather than by its own access?
 */
static bool rewrites_ptes(enum rwp_op_kind kind)
{
	switch (kind) {
	case OP_NUMA_SCAN:
	case OP_FREE:
	case OP_PAGEOUT:
	case OP_RECLAIM:
	case OP_COMPACT:
		return true;
	default:
		return false;
	}
}

/*
 * Bursts of operations on one range (a VMM works on one region at a time),
 * with the odd operation elsewhere. After an operation that rewrote PTEs
 * behind the process, the next one half the time goes through them by a
 * GUP or a pin of the same range before any access of the process's own
 * can resolve them: the paths outside the fault handler meet the entries
 * the rewrite left (a hinting entry, a lazily freed folio in mixed states)
 * only then.
 */
static void generate(unsigned long long seed, struct rwp_op *ops, size_t n)
{
	size_t i, burst = 0, window = 0;
	int focus = 0;

	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (i = 0; i < n; i++) {
		struct rwp_op *op = &ops[i];
		size_t nr;

		if (!burst) {
			focus = pick_focus();
			burst = 6 + pick(10);
			window = pick(rwp_range_pages(focus) / window_pages()) * window_pages();
		}
		burst--;
		if (i && rewrites_ptes(ops[i - 1].kind) && pick(2)) {
			op->range = ops[i - 1].range;
			op->kind = rwp_ops[OP_PIN].weight[op->range] && pick(2) ? OP_PIN : OP_GUP;
		} else {
			op->range = pick(10) < 8 ? focus : pick(NR_RANGES);
			op->kind = pick_kind(op->range);
		}
		op->arg = pick(65536);
		nr = rwp_range_pages(op->range);
		switch ((enum rwp_op_kind)op->kind) {
		case OP_PROTECT:
			op->arg = pick(4) ? 1 : 0;
			pick_span(op, nr, 35, 25);
			/*
			 * A quarter of them take whole large folios, as a VMM
			 * tracking at the size the kernel maps would: a THP
			 * protected whole keeps its PMD until something splits it.
			 */
			if (!pick(4) && whole_folios(op, nr))
				continue;
			break;
		case OP_GUP:
			op->first = pick(nr);
			op->n = 1;
			/*
			 * The uffd-wp range is the one VMA where FOLL_HONOR_NUMA_FAULT
			 * decides: a window of its pages, mostly, anywhere
			 * (a NUMA scan marks the whole range).
			 */
			if (op->range == R_SHMEM_WP && pick(4)) {
				op->arg = GUP_TEST_HONOR;
				op->n = nr - op->first;
				if (op->n > window_pages())
					op->n = window_pages();
				continue;
			}
			break;
		case OP_PIN:
		case OP_FORCE_READ:
			op->first = pick(nr);
			op->n = 1;
			break;
		case OP_FREE:
		case OP_PAGEOUT:
		case OP_REFILL:
			pick_span(op, nr, 50, 0);
			/* Whole anonymous large folios, mostly: a partial one is split. */
			if (pick(4))
				whole_folios(op, nr);
			continue;
		case OP_READ:
		case OP_WRITE:
		case OP_DONTNEED:
		case OP_PUNCH:
		case OP_COLLAPSE:
		case OP_COLLAPSE_OTHER:
		case OP_RECLAIM:
		case OP_FORK:
		case OP_SET_MODE:
		case OP_REOPEN:
		case OP_UNREGISTER:
		case OP_COMPACT:
		case OP_KHUGEPAGED:
		case OP_MREMAP:
		case OP_NUMA_SCAN:
			pick_span(op, nr, 30, 40);
			break;
		}
		if (op->range == focus && pick(2))
			confine(op, window);
	}
}

/* How a run of the executor ended, besides a mismatch. */
enum run_end {
	RUN_OK,		/* it reported: a mismatch at `at`, or none */
	RUN_CRASHED,	/* it died without a word */
	RUN_HUNG,	/* it stopped making progress and was killed */
	RUN_BROKEN,	/* an op could not run as meant (RWP_EXEC_BROKEN) */
};

struct result {
	long at;	/* index of the mismatching op, or -1 */
	size_t done;	/* ops executed */
	enum run_end end;
	double seconds;
	char msg[MSG_LEN];
};

static struct rwp_env env;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Runs ops in a fresh child process for at most `seconds` (0: no limit but
 * a generous one). A child that stops making progress is killed and its
 * current op is the mismatch: a hang is a finding. Returns -2 when the
 * ranges could not be set up.
 */
static int run_child(const struct rwp_mode *mode, const struct rwp_op *ops, size_t n,
		     double seconds, struct result *res)
{
	double start = now(), deadline = seconds ? start + seconds : 0;
	double kill_at = (seconds ? seconds : 60) + 3 * env.gup_timeout + 30;
	char buf[MSG_LEN + 64], *line, *nl;
	size_t have = 0, cur = 0;
	int fds[2], st, ret = 0;
	bool got_result = false;
	pid_t child;

	memset(res, 0, sizeof(*res));
	res->at = -1;
	if (pipe(fds))
		return -2;
	fflush(stdout);
	fflush(stderr);
	child = fork();
	if (child < 0)
		return -2;
	if (!child) {
		char msg[MSG_LEN];
		size_t done;
		long at;

		close(fds[0]);
		at = rwp_exec_run(&env, mode, ops, n, deadline, fds[1],
				  &done, msg, sizeof(msg));
		dprintf(fds[1], "R %ld %zu\nM %s\n", at, done, msg);
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		ssize_t got;

		if (poll(&pfd, 1, 1000) == 0) {
			if (now() - start < kill_at)
				continue;
			kill(child, SIGKILL);
			snprintf(res->msg, sizeof(res->msg),
				 "op %zu did not complete in %.0f s: the process hung", cur,
				 now() - start);
			res->end = RUN_HUNG;
			res->at = cur;
			res->done = cur;
			break;
		}
		got = read(fds[0], buf + have, sizeof(buf) - 1 - have);
		if (got <= 0)
			break;
		have += got;
		buf[have] = 0;
		line = buf;
		while ((nl = strchr(line, '\n'))) {
			long at;
			size_t done;

			*nl = 0;
			if (line[0] == 'S') {
				cur = strtoul(line + 2, NULL, 10);
			} else if (line[0] == 'R' && sscanf(line, "R %ld %zu", &at, &done) == 2) {
				got_result = true;
				res->done = done;
				if (at == -2)
					ret = -2;
				else if (at >= 0 && done == (size_t)at + 1 && at < (long)n)
					res->at = at;
			} else if (line[0] == 'M') {
				snprintf(res->msg, sizeof(res->msg), "%s", line + 2);
			}
			line = nl + 1;
		}
		have = strlen(line);
		memmove(buf, line, have);
	}
	close(fds[0]);
	waitpid(child, &st, 0);
	if (!got_result)
		/* Killed or dead mid-op: the daemon op may have left its settings. */
		rwp_env_recover();
	if (!got_result && res->at < 0) {
		/* Died without a word: the op it was in is where. */
		res->end = RUN_CRASHED;
		res->at = cur;
		res->done = cur;
		snprintf(res->msg, sizeof(res->msg), "the process died in op %zu (status %#x)",
			 cur, st);
	}
	if (res->end == RUN_OK && res->at >= 0 && strstr(res->msg, RWP_EXEC_BROKEN))
		res->end = RUN_BROKEN;
	res->seconds = now() - start;
	return ret;
}

/*
 * A shrink keeps a sequence only if it still mismatches: a try that
 * crashes or hangs is another failure, not the one being shrunk.
 */
static bool mismatches(const struct rwp_mode *mode, const struct rwp_op *ops, size_t n,
		       struct result *res)
{
	return !run_child(mode, ops, n, 0, res) && res->end == RUN_OK && res->at >= 0;
}

/*
 * Delta debugging (ddmin): drop chunks of the sequence while some mismatch
 * persists, each try in a fresh process; then cut at the mismatching op.
 * Stops when 1-minimal or out of time. Returns the length of ops[].
 */
static size_t shrink(const struct rwp_mode *mode, struct rwp_op *ops, size_t n,
		     double seconds, unsigned int *tries)
{
	double end = now() + seconds;
	struct rwp_op *tmp = calloc(n, sizeof(*tmp));
	size_t gran = 2, chunk, i, k, m;
	struct result res;

	*tries = 0;
	while (n >= 2 && now() < end) {
		bool reduced = false;

		chunk = (n + gran - 1) / gran;
		for (i = 0; i < n && now() < end; i += chunk) {
			/* The complement of [i, i + chunk). */
			for (k = 0, m = 0; k < n; k++)
				if (k < i || k >= i + chunk)
					tmp[m++] = ops[k];
			if (!m)
				continue;
			(*tries)++;
			if (mismatches(mode, tmp, m, &res)) {
				n = res.at + 1 < (long)m ? res.at + 1 : m;
				memcpy(ops, tmp, n * sizeof(*ops));
				gran = gran > 2 ? gran - 1 : 2;
				reduced = true;
				break;
			}
		}
		if (!reduced) {
			if (gran >= n)
				break;
			gran = gran * 2 < n ? gran * 2 : n;
		}
	}
	free(tmp);
	return n;
}

static void print_sequence(const char *title, const struct rwp_op *ops, size_t n)
{
	char line[160];
	size_t i;

	ksft_print_msg("%s (%zu ops):\n", title, n);
	for (i = 0; i < n; i++) {
		rwp_op_format(&ops[i], line, sizeof(line));
		ksft_print_msg("  %3zu: %s\n", i, line);
	}
}

static void print_reproducer(unsigned long long seed, const struct rwp_mode *mode,
			     const struct rwp_op *ops, size_t n)
{
	char line[160];
	size_t i;

	ksft_print_msg("---- reproducer: rwp_model_repro.c, %s ----\n",
		       "linked like rwp_model_test");
	/* Split, or checkpatch takes it for this file's own tag. */
	ksft_print_msg("// %s%s: GPL-2.0\n", "SPDX-", "License-Identifier");
	ksft_print_msg("/* Found by rwp_model_test, RWP_MODEL_SEEDS=%llu, then shrunk. */\n", seed);
	ksft_print_msg("#include \"kselftest.h\"\n");
	ksft_print_msg("#include \"rwp_model_exec.h\"\n");
	ksft_print_msg("\n");
	ksft_print_msg("int main(void)\n");
	ksft_print_msg("{\n");
	ksft_print_msg("\tstatic const struct rwp_op ops[] = {\n");
	for (i = 0; i < n; i++) {
		rwp_op_format_c(&ops[i], line, sizeof(line));
		ksft_print_msg("\t\t%s\n", line);
	}
	ksft_print_msg("\t};\n");
	ksft_print_msg("\tstatic const struct rwp_mode mode = {\n");
	ksft_print_msg("\t\t.sync = %s, .event_fork = %s, .event_remap = %s,\n",
		       mode->sync ? "true" : "false", mode->event_fork ? "true" : "false",
		       mode->event_remap ? "true" : "false");
	ksft_print_msg("\t};\n");
	ksft_print_msg("\n");
	ksft_print_msg("\tksft_print_header();\n");
	ksft_print_msg("\tksft_set_plan(1);\n");
	ksft_print_msg("\tksft_test_result(!rwp_exec_replay(&mode, ops, ARRAY_SIZE(ops)),\n");
	ksft_print_msg("\t\t\t \"rwp_model_seed_%llu\\n\");\n", seed);
	ksft_print_msg("\tksft_finished();\n");
	ksft_print_msg("}\n");
	ksft_print_msg("---- end of reproducer ----\n");
}

/* RWP_MODEL_REPLAY: a sequence given by hand or from a reproducer. */
static size_t parse_replay(const char *text, struct rwp_op *ops, size_t max)
{
	unsigned int k, r, f, n, a;
	size_t nr = 0;
	int used;

	while (nr < max && sscanf(text, " %u:%u:%u:%u:%u%n", &k, &r, &f, &n, &a, &used) == 5) {
		ops[nr++] = (struct rwp_op){ .kind = k % NR_OPS, .range = r % NR_RANGES,
					     .first = f, .n = n, .arg = a };
		text += used;
		if (*text == ',')
			text++;
	}
	return nr;
}

/* What the run's line says in place of MISMATCH when it was no finding. */
static const char *run_end_word(enum run_end end)
{
	return end == RUN_HUNG ? "HUNG" : end == RUN_BROKEN ? "BROKEN" : "CRASHED";
}

/* The seed line's mismatch= word. */
static const char *run_word(const struct result *res, bool cut)
{
	if (res->end == RUN_CRASHED)
		return "crashed";
	if (res->end == RUN_HUNG)
		return "hung";
	if (res->end == RUN_BROKEN)
		return "broken";
	if (cut)
		return "cut";
	return res->at >= 0 ? "yes" : "no";
}

static unsigned long env_num(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

static bool rwp_supported(void)
{
	struct rwp_ctx ctx;

	if (rwp_open(&ctx, false))
		return false;
	rwp_close(&ctx);
	return true;
}

int main(void)
{
	unsigned long long seeds[MAX_SEEDS];
	const char *list = getenv("RWP_MODEL_SEEDS");
	const char *replay = getenv("RWP_MODEL_REPLAY");
	double total = env_num("RWP_MODEL_SECONDS", 40);
	double shrink_s = env_num("RWP_MODEL_SHRINK_SECONDS", 15);
	size_t max_ops = env_num("RWP_MODEL_OPS", 130);
	bool clock_bound = !max_ops;
	struct rwp_op *ops;
	int nseeds = 0, s;
	bool shrunk = false;
	char *copy, *tok, *save;

	if (clock_bound)
		max_ops = UNBOUNDED_OPS;
	ops = calloc(max_ops, sizeof(*ops));
	copy = strdup(list && *list ? list : DEFAULT_SEEDS);
	for (tok = strtok_r(copy, ", ", &save); tok && nseeds < MAX_SEEDS;
	     tok = strtok_r(NULL, ", ", &save))
		seeds[nseeds++] = strtoull(tok, NULL, 0);
	free(copy);
	if (replay)
		nseeds = 1;

	rwp_env_probe(&env);
	if (!rwp_range_pages(R_ANONTHP))
		ksft_exit_skip("no PMD-sized THP: the model's THP and shmem ranges are one PMD\n");
	if (getenv("RWP_MODEL_DUMP")) {
		/* Just the generated sequences, for reading: no kernel needed. */
		for (s = 0; s < nseeds; s++) {
			generate(seeds[s], ops, max_ops);
			printf("seed %llu:\n", seeds[s]);
			print_sequence("generated", ops, max_ops);
		}
		return 0;
	}
	ksft_print_header();
	if (!rwp_supported())
		ksft_exit_skip("no userfaultfd RWP in this kernel\n");
	ksft_set_plan(nseeds);
	rwp_env_setup(&env);
	ksft_print_msg("model: %d seeds, %.0f s, gup_test %s, O_DIRECT %s, LRU reclaim %s\n",
		       nseeds, total, env.gup_test ? "yes" : "no",
		       env.dio_dir ? env.dio_dir : "no", env.cgroup ? "yes" : "no");

	for (s = 0; s < nseeds; s++) {
		unsigned long long seed = seeds[s];
		const struct rwp_mode mode = {
			.sync = seed % 2 == 0,
			.event_fork = seed % 4 == 3,
			.event_remap = seed % 8 >= 4,
		};
		char mode_name[48], op_desc[160];
		struct result res;
		unsigned int tries;
		bool cut;
		size_t n;

		if (replay) {
			max_ops = parse_replay(replay, ops, max_ops);
			total = total < 60 ? 60 : total;
		} else {
			generate(seed, ops, max_ops);
		}
		snprintf(mode_name, sizeof(mode_name), "%s%s%s", mode.sync ? "sync" : "async",
			 mode.event_fork ? "+event_fork" : "",
			 mode.event_remap ? "+event_remap" : "");
		if (run_child(&mode, ops, max_ops, total / nseeds, &res)) {
			ksft_print_msg("seed %llu: setup failed: %s\n", seed, res.msg);
			ksft_test_result_fail("seed %llu\n", seed);
			continue;
		}
		cut = res.end == RUN_OK && res.at < 0 && res.done < max_ops && !clock_bound;
		ksft_print_msg("model: seed=%llu mode=%s ops=%zu seconds=%.1f mismatch=%s\n",
			       seed, mode_name, res.at >= 0 ? (size_t)res.at + 1 : res.done,
			       res.seconds, run_word(&res, cut));
		if (res.end != RUN_OK) {
			/* Not a finding about RWP: its own word, never MISMATCH. */
			ksft_print_msg("%s seed=%llu mode=%s in op %ld: %s\n",
				       run_end_word(res.end), seed, mode_name,
				       res.at, res.msg);
			print_sequence("the sequence", ops, res.at + 1);
			ksft_test_result_fail("seed %llu\n", seed);
			continue;
		}
		if (cut) {
			ksft_print_msg("CUT seed=%llu: %s after %zu of %zu operations\n",
				       seed, "RWP_MODEL_SECONDS stopped it", res.done, max_ops);
			ksft_test_result_fail("seed %llu\n", seed);
			continue;
		}
		if (res.at < 0) {
			ksft_test_result_pass("seed %llu\n", seed);
			continue;
		}
		/* Where it showed, first: each bug has its kind of op (expectations pin it). */
		rwp_op_format(&ops[res.at], op_desc, sizeof(op_desc));
		ksft_print_msg("MISMATCH at %s: seed=%llu mode=%s after op %ld (%s): %s\n",
			       rwp_ops[ops[res.at].kind].name, seed, mode_name, res.at, op_desc,
			       res.msg);
		ksft_print_msg("replay: RWP_MODEL_SEEDS=%llu RWP_MODEL_OPS=%zu\n", seed, max_ops);
		print_sequence("the sequence", ops, res.at + 1);
		if (shrunk || !shrink_s) {
			/* One shrink a run keeps a run under mutants bounded. */
			ksft_print_msg("not shrunk (%s): RWP_MODEL_SEEDS=%llu %s shrinks it\n",
				       shrunk ? "one a run" : "no time for it", seed,
				       "RWP_MODEL_SHRINK_SECONDS=15");
			ksft_test_result_fail("seed %llu\n", seed);
			continue;
		}
		shrunk = true;
		n = shrink(&mode, ops, res.at + 1, shrink_s, &tries);
		/* Confirm the shrunk sequence (it may be a flaky finding). */
		if (mismatches(&mode, ops, n, &res))
			ksft_print_msg("shrunk in %u tries; it still fails: %s\n", tries, res.msg);
		else
			ksft_print_msg("shrunk in %u tries; %s\n", tries,
				       "the shrunk sequence did not fail again (flaky)");
		print_sequence("minimal sequence", ops, n);
		print_reproducer(seed, &mode, ops, n);
		ksft_test_result_fail("seed %llu\n", seed);
	}
	rwp_env_restore(&env);
	free(ops);
	ksft_finished();
}
