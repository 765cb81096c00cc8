/* BCD adjustment: DAA DAS AAA AAS AAM AAD, not in 64-bit mode (Intel SDM vol. 2). */
/*
 * Flags the SDM leaves undefined follow AMD Zen, measured by running these
 * instructions natively in compatibility mode (tests/unit/test-alu.c):
 *  - DAA: OF = the sign bit went 0 -> 1; DAS: it went 1 -> 0;
 *  - AAA/AAS: SF, ZF, PF and OF are those of the 16-bit AX +/- 0x106 (+/- 0 when no
 *    adjustment is needed), i.e. of AX before AL is masked to its low nibble;
 *  - AAM: OF = AF = CF = 0; AAD: all flags as for the byte ADD AL + AH * imm8.
 */
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

static uint32_t flags_szp8(uint8_t v)
{
    return (v == 0) * CC_Z | (v & CC_S) | parity8(v) * CC_P;
}

static uint8_t get_al(const CPUX86State *env)
{
    return env->regs[R_EAX] & 0xff;
}

static uint16_t get_ax(const CPUX86State *env)
{
    return env->regs[R_EAX] & 0xffff;
}

static void set_al(CPUX86State *env, uint8_t al)
{
    set_reg(env, R_EAX, 1, false, al);
}

static void set_ax(CPUX86State *env, uint16_t ax)
{
    set_reg(env, R_EAX, 2, false, ax);
}

/* DAA/DAS: adjust AL after an 8-bit ADD/SUB of packed BCD. */
static void decimal_adjust(CPUX86State *env, bool subtract)
{
    uint32_t f = cc_compute_all(env), cf = 0, af = 0;
    uint8_t old_al = get_al(env), al = old_al, sign_flip;

    if ((al & 0xf) > 9 || (f & CC_A)) {
        cf = (f & CC_C) || (subtract ? al < 6 : al > 0xf9);
        al = subtract ? al - 6 : al + 6;
        af = CC_A;
    }
    if (old_al > 0x99 || (f & CC_C)) {
        al = subtract ? al - 0x60 : al + 0x60;
        cf = 1;
    }
    sign_flip = subtract ? old_al & ~al : ~old_al & al;
    set_al(env, al);
    cc_set_flags(env, cf * CC_C | af | flags_szp8(al) | (sign_flip & 0x80 ? CC_O : 0),
                 CC_ARITH);
}

static void op_daa(CPUX86State *env, const Insn *d)
{
    decimal_adjust(env, false);
}

static void op_das(CPUX86State *env, const Insn *d)
{
    decimal_adjust(env, true);
}

/* SF ZF PF OF of the 16-bit AX +/- adjust (AAA/AAS). */
static uint32_t ascii_adjust_flags(uint16_t ax, uint16_t adjust, uint16_t r,
                                   bool subtract)
{
    uint16_t overflow = subtract ? (ax ^ adjust) & (ax ^ r) : (ax ^ r) & (adjust ^ r);

    return (r == 0) * CC_Z | ((r >> 8) & CC_S) | parity8(r) * CC_P |
           (overflow & 0x8000 ? CC_O : 0);
}

/* AAA/AAS: adjust AX after an ADD/SUB of unpacked BCD digits. */
static void ascii_adjust(CPUX86State *env, bool subtract)
{
    uint32_t f = cc_compute_all(env);
    uint16_t ax = get_ax(env);
    bool carry = (ax & 0xf) > 9 || (f & CC_A);
    uint16_t adjust = carry ? 0x106 : 0;
    uint16_t r = subtract ? ax - adjust : ax + adjust;

    set_ax(env, r & 0xff0f);
    cc_set_flags(env,
                 (carry ? CC_C | CC_A : 0) | ascii_adjust_flags(ax, adjust, r, subtract),
                 CC_ARITH);
}

static void op_aaa(CPUX86State *env, const Insn *d)
{
    ascii_adjust(env, false);
}

static void op_aas(CPUX86State *env, const Insn *d)
{
    ascii_adjust(env, true);
}

/* AAM imm8: AH = AL / imm8, AL = AL % imm8. */
static void op_aam_Ib(CPUX86State *env, const Insn *d)
{
    uint8_t base = d->imm & 0xff, al = get_al(env);

    if (base == 0) {
        raise_exception(env, EXCP_DE);
    }
    set_ax(env, (al / base) << 8 | (al % base));
    set_cc(env, CC_OP_LOGIC, 1, al % base, 0);
}

/* AAD imm8: AL = AL + AH * imm8, AH = 0; flags as that byte addition. */
static void op_aad_Ib(CPUX86State *env, const Insn *d)
{
    uint16_t ax = get_ax(env);
    uint8_t product = (ax >> 8) * (d->imm & 0xff);
    uint8_t al = (ax & 0xff) + product;

    set_ax(env, al);
    set_cc(env, CC_OP_ADD, 1, al, product);
}

static const InsnDef bcd_insns[] = {
    {MAP_NONE, 0x27, ANY, ANY, ANY, ANY, IF_NO64, op_daa, "daa"},
    {MAP_NONE, 0x2f, ANY, ANY, ANY, ANY, IF_NO64, op_das, "das"},
    {MAP_NONE, 0x37, ANY, ANY, ANY, ANY, IF_NO64, op_aaa, "aaa"},
    {MAP_NONE, 0x3f, ANY, ANY, ANY, ANY, IF_NO64, op_aas, "aas"},
    {MAP_NONE, 0xd4, ANY, ANY, ANY, ANY, IF_NO64, op_aam_Ib, "aam"},
    {MAP_NONE, 0xd5, ANY, ANY, ANY, ANY, IF_NO64, op_aad_Ib, "aad"},
};
INSN_TABLE(bcd_insns)
