/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The executor's own: one run's world (struct run, the one `run`, defined
 * in rwp_model_exec.c), the helpers every part of it uses, and what its
 * parts call in one another:
 *   rwp_model_exec.c    a run: setup, each op's dispatch, teardown
 *   rwp_model_peers.c   the sync handler thread and the reader process
 *   rwp_model_oracle.c  what the kernel shows, against the model
 *   rwp_model_ops.c     the operations
 *   rwp_model_format.c  operations printed for people and as C
 *   rwp_model_env.c     what the system offers and needs for a run
 */
#ifndef RWP_MODEL_WORLD_H
#define RWP_MODEL_WORLD_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#include "kselftest.h"
#include "vm_util.h"
#include "hugepage_settings.h"
#include "../../../../mm/gup_test.h"
#include "rwp_lib_local.h"
#include "rwp_counters.h"
#include "rwp_model_exec.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

/* Reader requests. */
enum { REQ_PVR, REQ_PROC_MEM, REQ_PEEK };

struct req {
	int kind;
	pid_t tid;
	unsigned long addr;
	size_t len;
};

struct resp {
	long ret;
	int err;
	unsigned char buf[64];
};

#define MAX_PINS	16

/* One run's world. */
struct run {
	const struct rwp_env *env;
	struct rwp_model m;
	char *base[NR_RANGES];
	int memfd[NR_RANGES];
	int uffd, wp_uffd;
	int child_uffd;		/* a fork child's context (EVENT_FORK) */
	pthread_t handler;
	bool handler_running;
	int stop[2];
	pthread_mutex_t lock;
	unsigned int *faults[NR_RANGES];
	unsigned int remaps;	/* UFFD_EVENT_REMAP messages read */
	pid_t reader;
	pid_t held;		/* the fork child that stays (op_fork()), or 0 */
	int req_fd, resp_fd;
	int pins[MAX_PINS][2];
	int nr_pins;
	int dio_fd;
	char *dio_buf;
	char *msg;
	size_t msglen;
};

extern struct run run;

static inline size_t ps(void)
{
	return psize();
}

/* A PMD's bytes: the THP and shmem ranges' block. */
static inline size_t hpage(void)
{
	return rwp_range_block(R_ANONTHP) * ps();
}

static inline size_t range_len(int r)
{
	return rwp_range_pages(r) * ps();
}

static inline char *page_addr(int r, size_t i)
{
	return run.base[r] + i * ps();
}

/* gup_test_honor_numa's window: at most HONOR_PAGES of its pages. */
#define HONOR_PAGES	16

static inline size_t honor_pages(size_t n)
{
	return n < HONOR_PAGES ? n : HONOR_PAGES;
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline bool failed(void)
{
	return run.msg[0];
}

__printf(1, 2) void fail(const char *fmt, ...);
/*
 * An op that could not run as meant (the system did not do its part): no
 * finding about the kernel's RWP state, and never to be taken for one.
 */
#define broken(fmt, ...)	fail(RWP_EXEC_BROKEN fmt, ##__VA_ARGS__)

/* rwp_model_peers.c */
void *handler(void *arg);
int reader_start(void);
bool reader_ask(int kind, void *addr, size_t len, struct resp *a);

/* rwp_model_oracle.c */
bool pins_zero_page(int r, char *addr);
bool pmd_mapped(int r);
bool observe(int r, unsigned char *outs, bool *swapped);
const char *allowed_names(unsigned int allow, char *buf, size_t len);
void check_all(void);
void check_bytes(int r, size_t i, const unsigned char *buf, size_t len, const char *how);

/* rwp_model_ops.c */
void op_access(int r, size_t first, size_t n, bool write, unsigned char val);
void op_gup(int r, size_t i, int kind);
int force_read_prot(unsigned int arg);
const char *prot_name(int prot);
void op_force_read(int r, size_t i, bool peek, int prot);
void op_fork(bool hold);
void release_held_child(void);
void sysfs_write(const char *path, const char *val);
void allow_swap(bool allow);
void op_reclaim(void);
void op_collapse(int r, bool other);
void op_khugepaged(void);
void op_numa_scan(void);
void op_gup_honor(int r, size_t first, size_t n);
void op_mremap(int r);

/* rwp_model_exec.c */
int do_register(int r);
void release_pins(void);
/* Closes the fork child's context, if any, and keeps `ufd` (-1: none). */
void set_child_uffd(int ufd);

#endif /* RWP_MODEL_WORLD_H */
