/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The executor and oracle of the RWP model checker: runs a sequence of
 * operations on five registered ranges (anon 4K, anon PMD THP, anon 64K
 * mTHP, shmem RWP, shmem uffd-wp), applies each operation's rule to the
 * model (rwp_model.h) and, after each, compares what the kernel shows
 * (pagemap bit 57, PAGEMAP_SCAN's PAGE_IS_ACCESSED, the bytes read, the
 * sync messages received) with what the model allows.
 */
#ifndef RWP_MODEL_EXEC_H
#define RWP_MODEL_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "rwp_model.h"
#include "rwp_model_ops.h"

enum rwp_gup_kind {
	GUP_PVR_LOCAL,		/* process_vm_readv() of this process */
	GUP_PVR_REMOTE,		/* process_vm_readv() by another process */
	GUP_PROC_MEM,		/* pread() of /proc/self/mem */
	GUP_PROC_MEM_REMOTE,	/* pread() of /proc/PID/mem by another process */
	GUP_PEEKDATA,		/* PTRACE_PEEKDATA by a tracer */
	GUP_VMSPLICE,		/* vmsplice() into a pipe, held until the next reclaim */
	GUP_ODIRECT,		/* O_DIRECT write() from the page (needs RWP_DIO_DIR) */
	GUP_TEST_GET,		/* gup_test GUP_BASIC_TEST */
	GUP_TEST_PIN,		/* gup_test PIN_BASIC_TEST */
	GUP_TEST_LONGTERM,	/* gup_test PIN_LONGTERM_BENCHMARK */
	GUP_TEST_HONOR,		/* gup_test GUP_BASIC_TEST, FOLL_HONOR_NUMA_FAULT */
	NR_GUPS,
};

struct rwp_op {
	unsigned char kind;	/* enum rwp_op_kind */
	unsigned char range;	/* enum rwp_range_kind */
	unsigned short first;	/* first page */
	unsigned short n;	/* pages */
	unsigned short arg;
};

/*
 * The range and the pages [*first, *first + *n) an op acts on: its first
 * and n brought into the range, as the executor runs them and the
 * reproducer prints them.
 */
int rwp_op_span(const struct rwp_op *op, size_t *first, size_t *n);

extern const char * const rwp_range_names[NR_RANGES];
extern const char * const rwp_gup_names[NR_GUPS];

/* What the host offers, probed once: see rwp_model_exec.c. */
struct rwp_env {
	const char *cgroup;	/* a memory cgroup this process is in, or NULL */
	const char *dio_dir;	/* a block filesystem for O_DIRECT, or NULL */
	bool gup_test;		/* /sys/kernel/debug/gup_test */
	bool numa;		/* NUMA balancing's knobs (rwp_numa_save()) */
	int gup_timeout;	/* seconds a FOLL_FORCE read may take */
};

/*
 * What *msg carries when an op could not run as meant (no pagemap, no
 * khugepaged passes, no NUMA knobs): a failure of the run, not a mismatch.
 */
#define RWP_EXEC_BROKEN	"BROKEN: "

/*
 * Runs ops[0..n) in this process, on fresh ranges, until deadline (a
 * CLOCK_MONOTONIC second; 0 for none). progress_fd (or -1) gets "S i\n"
 * before each op. Returns the index of the op after which the kernel and
 * the model disagreed (*msg says how), n if all ran, or the number that ran
 * before the deadline (*done says how many ran); -2 if the ranges could not
 * be set up (*msg says why).
 */
long rwp_exec_run(const struct rwp_env *env, const struct rwp_mode *mode,
		  const struct rwp_op *ops, size_t n, double deadline,
		  int progress_fd, size_t *done, char *msg, size_t msglen);

/* Prints an op as a C initializer: { OP_..., R_..., first, n, arg }. */
int rwp_op_format_c(const struct rwp_op *op, char *buf, size_t len);
/* Prints an op for people: "protect anon4k [0, +32)". */
int rwp_op_format(const struct rwp_op *op, char *buf, size_t len);

/*
 * For a standalone reproducer: sets the system up, runs ops once in this
 * process and prints the verdict as KTAP diagnostics. Returns 0 if the model and the
 * kernel agreed throughout, 1 if not.
 */
int rwp_exec_replay(const struct rwp_mode *mode, const struct rwp_op *ops, size_t n);

/*
 * The environment, probed from the system and RWP_DIO_DIR, and the model's
 * geometry (rwp_model_geometry()) from the system's page and PMD sizes.
 */
void rwp_env_probe(struct rwp_env *env);
/*
 * What the ranges need from the system: 64 KiB mTHP enabled, and a
 * memory cgroup of this process's own (env->cgroup) so that
 * memory.reclaim is LRU reclaim of just these ranges; restore undoes it.
 */
void rwp_env_setup(struct rwp_env *env);
void rwp_env_restore(struct rwp_env *env);
/* Puts the THP settings back as rwp_env_setup() left them. */
void rwp_env_recover(void);

#endif /* RWP_MODEL_EXEC_H */
