/* Bit operations: BT BTS BTR BTC BSF BSR POPCNT BSWAP (Intel SDM vol. 2). */
/*
 * Undefined results follow AMD Zen, as tests/unit/test-alu.c checks on the host:
 * BT* change only CF; BSF/BSR set ZF from the source and leave the other flags
 * alone; with a zero source the destination is not written at all (not even the
 * upper half of a 64-bit register for a 32-bit operand); a 16-bit BSWAP zeroes the
 * register's low word.
 *
 * We do not advertise BMI1 or LZCNT, so F3 0F BC/BD are BSF/BSR with an ignored
 * prefix, exactly as on a CPU without those features.
 */
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

enum { BIT_TEST, BIT_SET, BIT_RESET, BIT_COMPLEMENT };

/* BT=4 BTS=5 BTR=6 BTC=7 in group 8 (0F BA /r); 0F A3/AB/B3/BB carry it in bits 4:3. */
static unsigned bit_op(const Insn *d)
{
    return d->opcode == 0xba ? (d->reg & 7) - 4 : (d->opcode >> 3) & 3;
}

static uint64_t bit_apply(unsigned op, uint64_t v, uint64_t mask)
{
    switch (op) {
    case BIT_SET: return v | mask;
    case BIT_RESET: return v & ~mask;
    case BIT_COMPLEMENT: return v ^ mask;
    default: return v;
    }
}

/* Test and change bit `bit` (already reduced mod the width) of the r/m operand. */
static void bit_rm(CPUX86State *env, const Insn *d, uint64_t bit)
{
    unsigned op = bit_op(d), size = d->opsize;
    uint64_t v = op == BIT_TEST ? ld_rm(env, d, size) : ld_rm_rmw(env, d, size);
    uint64_t mask = 1ull << bit;

    if (op != BIT_TEST) {
        st_rm(env, d, size, bit_apply(op, v, mask));
    }
    cc_set_flags(env, (v & mask) ? CC_C : 0, CC_C);
}

/*
 * With a memory operand and a register bit offset, the offset is signed and may
 * reach outside the operand: access the operand-sized word that holds the bit.
 */
static void bit_mem_far(CPUX86State *env, const Insn *d, int64_t offset)
{
    unsigned op = bit_op(d), size = d->opsize, bits = size * 8;
    int64_t word = offset >> __builtin_ctz(bits);
    uint64_t addr = (insn_ea(env, d) + (uint64_t)word * size) & addr_mask(d);
    uint64_t v = op == BIT_TEST ? cpu_ld(env, d->seg, addr, size)
                                : cpu_ld_rmw(env, d->seg, addr, size);
    uint64_t mask = 1ull << (offset & (bits - 1));

    if (op != BIT_TEST) {
        cpu_st(env, d->seg, addr, size, bit_apply(op, v, mask));
    }
    cc_set_flags(env, (v & mask) ? CC_C : 0, CC_C);
}

static int64_t sext(uint64_t v, unsigned size)
{
    unsigned unused = 64 - size * 8;
    return (int64_t)(v << unused) >> unused;
}

static void op_bt_Ev_Gv(CPUX86State *env, const Insn *d)
{
    uint64_t offset = ld_reg(env, d, d->opsize);

    if (d->mod == 3) {
        bit_rm(env, d, offset & (d->opsize * 8 - 1));
    } else {
        bit_mem_far(env, d, sext(offset, d->opsize));
    }
}

static void op_bt_Ev_Ib(CPUX86State *env, const Insn *d)
{
    bit_rm(env, d, d->imm & (d->opsize * 8 - 1));
}

/* BSF/BSR: a zero source sets ZF and leaves the destination untouched. */
static void bit_scan(CPUX86State *env, const Insn *d, bool reverse)
{
    uint64_t v = ld_rm(env, d, d->opsize);

    if (v == 0) {
        cc_set_flags(env, CC_Z, CC_Z);
        return;
    }
    st_reg(env, d, d->opsize, reverse ? 63 - __builtin_clzll(v) : __builtin_ctzll(v));
    cc_set_flags(env, 0, CC_Z);
}

static void op_bsf_Gv_Ev(CPUX86State *env, const Insn *d)
{
    bit_scan(env, d, false);
}

static void op_bsr_Gv_Ev(CPUX86State *env, const Insn *d)
{
    bit_scan(env, d, true);
}

static void op_popcnt_Gv_Ev(CPUX86State *env, const Insn *d)
{
    uint64_t v = ld_rm(env, d, d->opsize);

    st_reg(env, d, d->opsize, __builtin_popcountll(v));
    cc_set_flags(env, v ? 0 : CC_Z, CC_ARITH);
}

/* 0F C8+r: the register is in the opcode, extended by REX.B. */
static void op_bswap_Zv(CPUX86State *env, const Insn *d)
{
    unsigned reg = (d->opcode & 7) | ((d->rex & 1) << 3);
    uint64_t v = env->regs[reg];

    switch (d->opsize) {
    case 2: set_reg(env, reg, 2, true, 0); break;
    case 4: set_reg(env, reg, 4, true, __builtin_bswap32((uint32_t)v)); break;
    default: env->regs[reg] = __builtin_bswap64(v); break;
    }
}

#define BSWAP_ROW(r)                                                                     \
    {                                                                                    \
        MAP_0F, 0xc8 + (r), ANY, ANY, ANY, ANY, 0, op_bswap_Zv, "bswap"                  \
    }

static const InsnDef bitops_insns[] = {
    {MAP_0F, 0xa3, ANY, ANY, ANY, ANY, 0, op_bt_Ev_Gv, "bt"},
    {MAP_0F, 0xab, ANY, ANY, ANY, ANY, IF_LOCK, op_bt_Ev_Gv, "bts"},
    {MAP_0F, 0xb3, ANY, ANY, ANY, ANY, IF_LOCK, op_bt_Ev_Gv, "btr"},
    {MAP_0F, 0xbb, ANY, ANY, ANY, ANY, IF_LOCK, op_bt_Ev_Gv, "btc"},
    {MAP_0F, 0xba, 4, ANY, ANY, ANY, 0, op_bt_Ev_Ib, "bt"},
    {MAP_0F, 0xba, 5, ANY, ANY, ANY, IF_LOCK, op_bt_Ev_Ib, "bts"},
    {MAP_0F, 0xba, 6, ANY, ANY, ANY, IF_LOCK, op_bt_Ev_Ib, "btr"},
    {MAP_0F, 0xba, 7, ANY, ANY, ANY, IF_LOCK, op_bt_Ev_Ib, "btc"},
    {MAP_0F, 0xbc, ANY, ANY, ANY, ANY, 0, op_bsf_Gv_Ev, "bsf"},
    {MAP_0F, 0xbd, ANY, ANY, ANY, ANY, 0, op_bsr_Gv_Ev, "bsr"},
    {MAP_0F, 0xb8, ANY, ANY, ANY, MP_F3, 0, op_popcnt_Gv_Ev, "popcnt"},
    BSWAP_ROW(0),
    BSWAP_ROW(1),
    BSWAP_ROW(2),
    BSWAP_ROW(3),
    BSWAP_ROW(4),
    BSWAP_ROW(5),
    BSWAP_ROW(6),
    BSWAP_ROW(7),
};
INSN_TABLE(bitops_insns)
