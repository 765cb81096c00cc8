/* x87 transcendentals: F2XM1 FYL2X(P1) FPTAN FPATAN FSIN FCOS FSINCOS (SDM vol. 2). */
/*
 * REPLAY CAVEAT. Unlike the rest of the x87, these results are not fully specified:
 * the SDM promises an error bound (about one ulp), not bits, and Intel and AMD
 * CPUs - even generations of one vendor - differ in the last bits, in C1 and in
 * the inexact flag. They run on the host's x87 like everything else (fpu-host.c),
 * which matches this host bit for bit, but a recording made on one CPU can diverge
 * when replayed on a CPU of another vendor or generation as soon as the guest uses
 * one of them. Replacing this file with a deterministic software implementation
 * (correctly rounded, or a chosen vendor's algorithm) removes the caveat; nothing
 * else depends on how these are computed.
 *
 * What is exact anyway: the stack (overflow, underflow, SF), the handling of NaN,
 * infinity, zero and unsupported operands, the out-of-range rule of the
 * trigonometric instructions (|x| >= 2^63: C2 = 1, ST(0) unchanged).
 */
#include "target/i386/fpu-int.h"
#include "target/i386/insn.h"

static void op_fpu_transcendental(CPUX86State *env, const Insn *d)
{
    fpu_exec(env, d, 0, 0, 0);
}

// clang-format off
#define R(reg, rm, name) \
    {MAP_NONE, 0xd9, reg, MOD_REG, rm, ANY, 0, op_fpu_transcendental, name}
// clang-format on

static const InsnDef fpu_trans_insns[] = {
    R(6, 0, "f2xm1"),   R(6, 1, "fyl2x"),   R(6, 2, "fptan"), R(6, 3, "fpatan"),
    R(7, 1, "fyl2xp1"), R(7, 3, "fsincos"), R(7, 6, "fsin"),  R(7, 7, "fcos"),
};
INSN_TABLE(fpu_trans_insns)
