/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The model checker's operations, from their table, rwp_model_ops.def:
 * enum rwp_op_kind, NR_OPS, and rwp_ops[], each operation's name and
 * weights.
 */
#ifndef RWP_MODEL_OPS_H
#define RWP_MODEL_OPS_H

#include "rwp_model.h"

enum rwp_op_kind {
#define RWP_OP(name, ...)	OP_##name,
#include "rwp_model_ops.def"
#undef RWP_OP
};

/* Apart, so that no switch on enum rwp_op_kind needs a case for it. */
enum {
#define RWP_OP(name, ...)	OP_COUNTED_##name,
#include "rwp_model_ops.def"
#undef RWP_OP
	NR_OPS
};

/* An operation's row, indexed by its enum rwp_op_kind (rwp_model_format.c). */
struct rwp_op_info {
	const char *name;		/* as a reproducer prints it */
	const char *c_name;		/* its enumerator, for a reproducer in C */
	unsigned char weight[NR_RANGES];	/* draws on each range */
};

extern const struct rwp_op_info rwp_ops[NR_OPS];

#endif /* RWP_MODEL_OPS_H */
