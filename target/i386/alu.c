/* Integer ALU: ADD OR ADC SBB AND SUB XOR CMP TEST INC DEC NEG NOT (Intel SDM vol. 2). */
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

/* The eight operations of opcodes 00-3D (bits 5:3) and of group 1 (ModRM.reg). */
enum {
    ARITH_ADD,
    ARITH_OR,
    ARITH_ADC,
    ARITH_SBB,
    ARITH_AND,
    ARITH_SUB,
    ARITH_XOR,
    ARITH_CMP
};

static unsigned arith_op(const Insn *d)
{
    return d->opcode < 0x40 ? d->opcode >> 3 : d->reg & 7;
}

static uint64_t arith_carry_in(const CPUX86State *env, unsigned op)
{
    return op == ARITH_ADC || op == ARITH_SBB ? cc_compute_c(env) : 0;
}

static uint64_t arith_compute(unsigned op, uint64_t a, uint64_t b, uint64_t carry)
{
    switch (op) {
    case ARITH_ADD:
    case ARITH_ADC: return a + b + carry;
    case ARITH_OR: return a | b;
    case ARITH_AND: return a & b;
    case ARITH_XOR: return a ^ b;
    default: return a - b - carry;
    }
}

static void arith_set_cc(CPUX86State *env, unsigned op, unsigned size, uint64_t r,
                         uint64_t b, uint64_t carry)
{
    static const uint8_t cc_op_of[8] = {
        CC_OP_ADD,   CC_OP_LOGIC, CC_OP_ADC,   CC_OP_SBB,
        CC_OP_LOGIC, CC_OP_SUB,   CC_OP_LOGIC, CC_OP_SUB,
    };
    uint64_t mask = size_mask(size);

    set_cc3(env, cc_op_of[op], size, r & mask, b & mask, carry);
}

/* r/m = r/m op b (CMP only compares). */
static void arith_rm(CPUX86State *env, const Insn *d, unsigned size, uint64_t b)
{
    unsigned op = arith_op(d);
    uint64_t carry = arith_carry_in(env, op);
    uint64_t a = op == ARITH_CMP ? ld_rm(env, d, size) : ld_rm_rmw(env, d, size);
    uint64_t r = arith_compute(op, a, b, carry);

    if (op != ARITH_CMP) {
        st_rm(env, d, size, r);
    }
    arith_set_cc(env, op, size, r, b, carry);
}

/* reg = reg op b, for the Gv,Ev and accumulator forms. */
static void arith_reg(CPUX86State *env, const Insn *d, unsigned reg, unsigned size,
                      uint64_t b)
{
    unsigned op = arith_op(d);
    uint64_t carry = arith_carry_in(env, op);
    uint64_t r = arith_compute(op, get_reg(env, reg, size, insn_rex(d)), b, carry);

    if (op != ARITH_CMP) {
        set_reg(env, reg, size, insn_rex(d), r);
    }
    arith_set_cc(env, op, size, r, b, carry);
}

static void op_arith_Eb_Gb(CPUX86State *env, const Insn *d)
{
    arith_rm(env, d, 1, ld_reg(env, d, 1));
}

static void op_arith_Ev_Gv(CPUX86State *env, const Insn *d)
{
    arith_rm(env, d, d->opsize, ld_reg(env, d, d->opsize));
}

static void op_arith_Gb_Eb(CPUX86State *env, const Insn *d)
{
    arith_reg(env, d, d->reg, 1, ld_rm(env, d, 1));
}

static void op_arith_Gv_Ev(CPUX86State *env, const Insn *d)
{
    arith_reg(env, d, d->reg, d->opsize, ld_rm(env, d, d->opsize));
}

static void op_arith_AL_Ib(CPUX86State *env, const Insn *d)
{
    arith_reg(env, d, R_EAX, 1, d->imm);
}

static void op_arith_rAX_Iz(CPUX86State *env, const Insn *d)
{
    arith_reg(env, d, R_EAX, d->opsize, d->imm);
}

static void op_arith_Eb_Ib(CPUX86State *env, const Insn *d)
{
    arith_rm(env, d, 1, d->imm);
}

/* Ev,Iz and Ev,Ib: the decoder has sign-extended either immediate. */
static void op_arith_Ev_Iz(CPUX86State *env, const Insn *d)
{
    arith_rm(env, d, d->opsize, d->imm);
}

static void set_cc_logic(CPUX86State *env, unsigned size, uint64_t r)
{
    set_cc(env, CC_OP_LOGIC, size, r & size_mask(size), 0);
}

static void op_test_Eb_Gb(CPUX86State *env, const Insn *d)
{
    set_cc_logic(env, 1, ld_rm(env, d, 1) & ld_reg(env, d, 1));
}

static void op_test_Ev_Gv(CPUX86State *env, const Insn *d)
{
    set_cc_logic(env, d->opsize, ld_rm(env, d, d->opsize) & ld_reg(env, d, d->opsize));
}

static void op_test_AL_Ib(CPUX86State *env, const Insn *d)
{
    set_cc_logic(env, 1, env->regs[R_EAX] & d->imm);
}

static void op_test_rAX_Iz(CPUX86State *env, const Insn *d)
{
    set_cc_logic(env, d->opsize, env->regs[R_EAX] & d->imm);
}

static void op_test_Eb_Ib(CPUX86State *env, const Insn *d)
{
    set_cc_logic(env, 1, ld_rm(env, d, 1) & d->imm);
}

static void op_test_Ev_Iz(CPUX86State *env, const Insn *d)
{
    set_cc_logic(env, d->opsize, ld_rm(env, d, d->opsize) & d->imm);
}

/* INC/DEC leave CF alone: it is saved in cc_src. */
static void set_cc_incdec(CPUX86State *env, unsigned size, uint64_t r, uint64_t cf,
                          bool dec)
{
    set_cc(env, dec ? CC_OP_DEC : CC_OP_INC, size, r & size_mask(size), cf);
}

static void incdec_rm(CPUX86State *env, const Insn *d, unsigned size)
{
    bool dec = (d->reg & 7) == 1;
    uint64_t cf = cc_compute_c(env);
    uint64_t r = ld_rm_rmw(env, d, size) + (dec ? -1 : 1);

    st_rm(env, d, size, r);
    set_cc_incdec(env, size, r, cf, dec);
}

static void op_incdec_Eb(CPUX86State *env, const Insn *d)
{
    incdec_rm(env, d, 1);
}

static void op_incdec_Ev(CPUX86State *env, const Insn *d)
{
    incdec_rm(env, d, d->opsize);
}

/* 40+r INC, 48+r DEC (16/32-bit modes only, so no REX). */
static void op_incdec_Zv(CPUX86State *env, const Insn *d)
{
    unsigned reg = d->opcode & 7;
    bool dec = d->opcode & 8;
    uint64_t cf = cc_compute_c(env);
    uint64_t r = get_reg(env, reg, d->opsize, false) + (dec ? -1 : 1);

    set_reg(env, reg, d->opsize, false, r);
    set_cc_incdec(env, d->opsize, r, cf, dec);
}

/* NEG is SUB from zero: CF = (operand != 0). */
static void neg_rm(CPUX86State *env, const Insn *d, unsigned size)
{
    uint64_t v = ld_rm_rmw(env, d, size);
    uint64_t r = -v;

    st_rm(env, d, size, r);
    set_cc(env, CC_OP_SUB, size, r & size_mask(size), v);
}

static void op_neg_Eb(CPUX86State *env, const Insn *d)
{
    neg_rm(env, d, 1);
}

static void op_neg_Ev(CPUX86State *env, const Insn *d)
{
    neg_rm(env, d, d->opsize);
}

static void op_not_Eb(CPUX86State *env, const Insn *d)
{
    st_rm(env, d, 1, ~ld_rm_rmw(env, d, 1));
}

static void op_not_Ev(CPUX86State *env, const Insn *d)
{
    st_rm(env, d, d->opsize, ~ld_rm_rmw(env, d, d->opsize));
}

/* One ALU operation: its six forms at base..base+5 and its group-1 rows. */
#define ARITH_ROWS(base, ext, name, lock)                                                \
    {MAP_NONE, (base) + 0, ANY, ANY, ANY, ANY, lock, op_arith_Eb_Gb, name},              \
        {MAP_NONE, (base) + 1, ANY, ANY, ANY, ANY, lock, op_arith_Ev_Gv, name},          \
        {MAP_NONE, (base) + 2, ANY, ANY, ANY, ANY, 0, op_arith_Gb_Eb, name},             \
        {MAP_NONE, (base) + 3, ANY, ANY, ANY, ANY, 0, op_arith_Gv_Ev, name},             \
        {MAP_NONE, (base) + 4, ANY, ANY, ANY, ANY, 0, op_arith_AL_Ib, name},             \
        {MAP_NONE, (base) + 5, ANY, ANY, ANY, ANY, 0, op_arith_rAX_Iz, name},            \
        {MAP_NONE, 0x80, ext, ANY, ANY, ANY, lock, op_arith_Eb_Ib, name},                \
        {MAP_NONE, 0x81, ext, ANY, ANY, ANY, lock, op_arith_Ev_Iz, name},                \
        {MAP_NONE, 0x82, ext, ANY, ANY, ANY, (lock) | IF_NO64, op_arith_Eb_Ib, name},    \
    {                                                                                    \
        MAP_NONE, 0x83, ext, ANY, ANY, ANY, lock, op_arith_Ev_Iz, name                   \
    }

/* 40-4F: one row per register opcode */
#define INCDEC_ROWS(op, name)                                                            \
    {MAP_NONE, (op) + 0, ANY, ANY, ANY, ANY, IF_NO64, op_incdec_Zv, name},               \
        {MAP_NONE, (op) + 1, ANY, ANY, ANY, ANY, IF_NO64, op_incdec_Zv, name},           \
        {MAP_NONE, (op) + 2, ANY, ANY, ANY, ANY, IF_NO64, op_incdec_Zv, name},           \
        {MAP_NONE, (op) + 3, ANY, ANY, ANY, ANY, IF_NO64, op_incdec_Zv, name},           \
        {MAP_NONE, (op) + 4, ANY, ANY, ANY, ANY, IF_NO64, op_incdec_Zv, name},           \
        {MAP_NONE, (op) + 5, ANY, ANY, ANY, ANY, IF_NO64, op_incdec_Zv, name},           \
        {MAP_NONE, (op) + 6, ANY, ANY, ANY, ANY, IF_NO64, op_incdec_Zv, name},           \
    {                                                                                    \
        MAP_NONE, (op) + 7, ANY, ANY, ANY, ANY, IF_NO64, op_incdec_Zv, name              \
    }

static const InsnDef alu_insns[] = {
    ARITH_ROWS(0x00, 0, "add", IF_LOCK),
    ARITH_ROWS(0x08, 1, "or", IF_LOCK),
    ARITH_ROWS(0x10, 2, "adc", IF_LOCK),
    ARITH_ROWS(0x18, 3, "sbb", IF_LOCK),
    ARITH_ROWS(0x20, 4, "and", IF_LOCK),
    ARITH_ROWS(0x28, 5, "sub", IF_LOCK),
    ARITH_ROWS(0x30, 6, "xor", IF_LOCK),
    ARITH_ROWS(0x38, 7, "cmp", 0),
    {MAP_NONE, 0x84, ANY, ANY, ANY, ANY, 0, op_test_Eb_Gb, "test"},
    {MAP_NONE, 0x85, ANY, ANY, ANY, ANY, 0, op_test_Ev_Gv, "test"},
    {MAP_NONE, 0xa8, ANY, ANY, ANY, ANY, 0, op_test_AL_Ib, "test"},
    {MAP_NONE, 0xa9, ANY, ANY, ANY, ANY, 0, op_test_rAX_Iz, "test"},
    {MAP_NONE, 0xf6, 0, ANY, ANY, ANY, 0, op_test_Eb_Ib, "test"},
    {MAP_NONE, 0xf6, 1, ANY, ANY, ANY, 0, op_test_Eb_Ib, "test"},
    {MAP_NONE, 0xf7, 0, ANY, ANY, ANY, 0, op_test_Ev_Iz, "test"},
    {MAP_NONE, 0xf7, 1, ANY, ANY, ANY, 0, op_test_Ev_Iz, "test"},
    {MAP_NONE, 0xf6, 2, ANY, ANY, ANY, IF_LOCK, op_not_Eb, "not"},
    {MAP_NONE, 0xf7, 2, ANY, ANY, ANY, IF_LOCK, op_not_Ev, "not"},
    {MAP_NONE, 0xf6, 3, ANY, ANY, ANY, IF_LOCK, op_neg_Eb, "neg"},
    {MAP_NONE, 0xf7, 3, ANY, ANY, ANY, IF_LOCK, op_neg_Ev, "neg"},
    {MAP_NONE, 0xfe, 0, ANY, ANY, ANY, IF_LOCK, op_incdec_Eb, "inc"},
    {MAP_NONE, 0xfe, 1, ANY, ANY, ANY, IF_LOCK, op_incdec_Eb, "dec"},
    {MAP_NONE, 0xff, 0, ANY, ANY, ANY, IF_LOCK, op_incdec_Ev, "inc"},
    {MAP_NONE, 0xff, 1, ANY, ANY, ANY, IF_LOCK, op_incdec_Ev, "dec"},
    INCDEC_ROWS(0x40, "inc"),
    INCDEC_ROWS(0x48, "dec"),
};
INSN_TABLE(alu_insns)
