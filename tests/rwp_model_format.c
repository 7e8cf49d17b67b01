// SPDX-License-Identifier: GPL-2.0
/*
 * The RWP model checker's operations printed: for people, and as the C
 * initializer a reproducer is made of.
 */
#include "rwp_model_world.h"

const struct rwp_op_info rwp_ops[NR_OPS] = {
#define RWP_OP(name, str, ...) \
	[OP_##name] = { str, "OP_" #name, { __VA_ARGS__ } },
#include "rwp_model_ops.def"
#undef RWP_OP
};

const char * const rwp_range_names[NR_RANGES] = {
	"anon4k", "anon_thp", "anon64k", "shmem", "shmem_wp",
};

static const char * const range_enum[NR_RANGES] = {
	"R_ANON4K", "R_ANONTHP", "R_ANON64K", "R_SHMEM", "R_SHMEM_WP",
};

const char * const rwp_gup_names[NR_GUPS] = {
	"process_vm_readv", "remote_process_vm_readv", "proc_self_mem",
	"remote_proc_mem", "ptrace_peekdata", "vmsplice", "odirect_write",
	"gup_test_get", "gup_test_pin", "gup_test_pin_longterm", "gup_test_honor_numa",
};

int rwp_op_format(const struct rwp_op *op, char *buf, size_t len)
{
	size_t first, n;
	int r = rwp_op_span(op, &first, &n);

	if (op->kind >= NR_OPS)
		return snprintf(buf, len, "op %u", op->kind);
	switch ((enum rwp_op_kind)op->kind) {
	case OP_PROTECT:
		return snprintf(buf, len, "%s %s [%zu, +%zu)",
				op->arg & 1 ? "protect" : "unprotect", rwp_range_names[r],
				first, n);
	case OP_GUP:
		if (op->arg % NR_GUPS == GUP_TEST_HONOR && r == R_SHMEM_WP)
			return snprintf(buf, len, "gup %s %s [%zu, +%zu)",
					rwp_gup_names[GUP_TEST_HONOR], rwp_range_names[r],
					first, honor_pages(n));
		return snprintf(buf, len, "gup %s %s page %zu", rwp_gup_names[op->arg % NR_GUPS],
				rwp_range_names[r], first);
	case OP_FORCE_READ:
		return snprintf(buf, len, "force_read (%s, %s) %s page %zu",
				op->arg & 1 ? "peekdata" : "proc_mem",
				prot_name(force_read_prot(op->arg)), rwp_range_names[r], first);
	case OP_WRITE:
	case OP_REFILL:
		return snprintf(buf, len, "%s %#x %s [%zu, +%zu)", rwp_ops[op->kind].name,
				(op->arg | 1) & 0xff, rwp_range_names[r], first, n);
	case OP_READ:
	case OP_DONTNEED:
	case OP_PAGEOUT:
	case OP_FREE:
	case OP_PUNCH:
		return snprintf(buf, len, "%s %s [%zu, +%zu)", rwp_ops[op->kind].name,
				rwp_range_names[r], first, n);
	case OP_COLLAPSE:
	case OP_COLLAPSE_OTHER:
	case OP_UNREGISTER:
	case OP_MREMAP:
		return snprintf(buf, len, "%s %s", rwp_ops[op->kind].name, rwp_range_names[r]);
	case OP_PIN:
		return snprintf(buf, len, "pin %s page %zu", rwp_range_names[r], first);
	case OP_REOPEN:
		return snprintf(buf, len, "reopen %s%s%s", op->arg & 1 ? "sync" : "async",
				op->arg & 2 ? "+event_fork" : "",
				op->arg & 4 ? "+event_remap" : "");
	case OP_FORK:
		return snprintf(buf, len, "fork%s", op->arg & 1 ? " (the child stays)" : "");
	case OP_RECLAIM:
	case OP_SET_MODE:
	case OP_COMPACT:
	case OP_KHUGEPAGED:
	case OP_NUMA_SCAN:
		break;
	}
	return snprintf(buf, len, "%s", rwp_ops[op->kind].name);
}

int rwp_op_format_c(const struct rwp_op *op, char *buf, size_t len)
{
	return snprintf(buf, len, "{ %s, %s, %u, %u, %u },", rwp_ops[op->kind % NR_OPS].c_name,
			range_enum[op->range % NR_RANGES], op->first, op->n, op->arg);
}
