/* Templates for the x87 family: every opcode of D8-DF, documented aliases included. */
#include "gen.h"

/* clang-format off */
#define END {0}
#define RAX RB(0)

/* A memory form (ModRM.reg selects the operation) and a register form ST(i). */
#define FM(nm, o, d, size) {nm, .op = o, .ext = d, .rm = K_M, .msize = size, .rmfix = -1}
#define FR(nm, o, d) {nm, .op = o, .ext = d, .rm = K_STI, .rmfix = -1}
/* A register form with one fixed ModRM byte (D9 E8 FLD1 ...). */
#define FX(nm, o, modrm) {nm, .op = o, .ext = ((modrm) >> 3) & 7, .rm = K_STI,             \
                          .rmfix = (modrm) & 7}

#define ARITH8(X, o, suffix)                                                             \
    X("fadd" suffix, o, 0), X("fmul" suffix, o, 1), X("fcom" suffix, o, 2),              \
    X("fcomp" suffix, o, 3), X("fsub" suffix, o, 4), X("fsubr" suffix, o, 5),            \
    X("fdiv" suffix, o, 6), X("fdivr" suffix, o, 7)
#define FM4(nm, o, d) FM(nm, o, d, 4)
#define FM8(nm, o, d) FM(nm, o, d, 8)
#define FM2(nm, o, d) FM(nm, o, d, 2)
/* clang-format on */

/* FLDCW loads a control word the generator chose: every precision and rounding. */
static void fldcw_setup(GenState *gs, const Tmpl *t, Seq *seq)
{
    Rng *r = gs->rng;
    uint32_t cw = 0x40 | (uint32_t)rng_below(r, 4) << 8 |
                  (uint32_t)rng_below(r, 4) << 10 |
                  (rng_chance(r, 70) ? 0x3f : (uint32_t)rng_below(r, 64));

    if (rng_chance(r, 90)) {
        emit_store_imm32(gs, seq, pick_scratch_addr(r, 64, 4) & ~3ull, cw);
    }
}

/* clang-format off */
static const Tmpl x87_tmpls[] = {
    ARITH8(FM4, 0xd8, " m32fp"),
    ARITH8(FM8, 0xdc, " m64fp"),
    ARITH8(FR, 0xd8, " st,st(i)"),
    FR("fadd st(i),st", 0xdc, 0), FR("fmul st(i),st", 0xdc, 1),
    FR("fcom2 (DC D0+i alias)", 0xdc, 2), FR("fcomp3 (DC D8+i alias)", 0xdc, 3),
    FR("fsubr st(i),st", 0xdc, 4), FR("fsub st(i),st", 0xdc, 5),
    FR("fdivr st(i),st", 0xdc, 6), FR("fdiv st(i),st", 0xdc, 7),
    FR("faddp", 0xde, 0), FR("fmulp", 0xde, 1), FR("fcomp5 (DE D0+i alias)", 0xde, 2),
    FX("fcompp", 0xde, 0xd9), FR("fsubrp", 0xde, 4), FR("fsubp", 0xde, 5),
    FR("fdivrp", 0xde, 6), FR("fdivp", 0xde, 7),
    FM4("fiadd m32int", 0xda, 0), FM4("fimul m32int", 0xda, 1),
    FM4("ficom m32int", 0xda, 2), FM4("ficomp m32int", 0xda, 3),
    FM4("fisub m32int", 0xda, 4), FM4("fisubr m32int", 0xda, 5),
    FM4("fidiv m32int", 0xda, 6), FM4("fidivr m32int", 0xda, 7),
    FM2("fiadd m16int", 0xde, 0), FM2("fimul m16int", 0xde, 1),
    FM2("ficom m16int", 0xde, 2), FM2("ficomp m16int", 0xde, 3),
    FM2("fisub m16int", 0xde, 4), FM2("fisubr m16int", 0xde, 5),
    FM2("fidiv m16int", 0xde, 6), FM2("fidivr m16int", 0xde, 7),
    /* loads and stores */
    FM("fld m32fp", 0xd9, 0, 4), FM("fst m32fp", 0xd9, 2, 4), FM("fstp m32fp", 0xd9, 3, 4),
    FM("fld m64fp", 0xdd, 0, 8), FM("fst m64fp", 0xdd, 2, 8), FM("fstp m64fp", 0xdd, 3, 8),
    FM("fld m80fp", 0xdb, 5, 10), FM("fstp m80fp", 0xdb, 7, 10),
    FM("fild m16int", 0xdf, 0, 2), FM("fild m32int", 0xdb, 0, 4),
    FM("fild m64int", 0xdf, 5, 8), FM("fist m16int", 0xdf, 2, 2),
    FM("fistp m16int", 0xdf, 3, 2), FM("fist m32int", 0xdb, 2, 4),
    FM("fistp m32int", 0xdb, 3, 4), FM("fistp m64int", 0xdf, 7, 8),
    FM("fisttp m16int", 0xdf, 1, 2), FM("fisttp m32int", 0xdb, 1, 4),
    FM("fisttp m64int", 0xdd, 1, 8), FM("fbld m80bcd", 0xdf, 4, 10),
    FM("fbstp m80bcd", 0xdf, 6, 10),
    FR("fld st(i)", 0xd9, 0), FR("fxch", 0xd9, 1), FR("fstp1 (D9 D8+i alias)", 0xd9, 3),
    FR("ffree", 0xdd, 0), FR("fxch4 (DD C8+i alias)", 0xdd, 1), FR("fst st(i)", 0xdd, 2),
    FR("fstp st(i)", 0xdd, 3), FR("fucom", 0xdd, 4), FR("fucomp", 0xdd, 5),
    FR("ffreep (DF C0+i)", 0xdf, 0), FR("fxch7 (DF C8+i alias)", 0xdf, 1),
    FR("fstp8 (DF D0+i alias)", 0xdf, 2), FR("fstp9 (DF D8+i alias)", 0xdf, 3),
    /* comparisons into EFLAGS, conditional moves */
    FX("fucompp", 0xda, 0xe9), FR("fucomi", 0xdb, 5), FR("fcomi", 0xdb, 6),
    FR("fucomip", 0xdf, 5), FR("fcomip", 0xdf, 6),
    {"fcmovb", .op = 0xda, .ext = 0, .rm = K_STI, .rmfix = -1, .flags = T_FLAGS},
    {"fcmove", .op = 0xda, .ext = 1, .rm = K_STI, .rmfix = -1, .flags = T_FLAGS},
    {"fcmovbe", .op = 0xda, .ext = 2, .rm = K_STI, .rmfix = -1, .flags = T_FLAGS},
    {"fcmovu", .op = 0xda, .ext = 3, .rm = K_STI, .rmfix = -1, .flags = T_FLAGS},
    {"fcmovnb", .op = 0xdb, .ext = 0, .rm = K_STI, .rmfix = -1, .flags = T_FLAGS},
    {"fcmovne", .op = 0xdb, .ext = 1, .rm = K_STI, .rmfix = -1, .flags = T_FLAGS},
    {"fcmovnbe", .op = 0xdb, .ext = 2, .rm = K_STI, .rmfix = -1, .flags = T_FLAGS},
    {"fcmovnu", .op = 0xdb, .ext = 3, .rm = K_STI, .rmfix = -1, .flags = T_FLAGS},
    /* D9 E0-FF */
    FX("fchs", 0xd9, 0xe0), FX("fabs", 0xd9, 0xe1), FX("ftst", 0xd9, 0xe4),
    FX("fxam", 0xd9, 0xe5), FX("fld1", 0xd9, 0xe8), FX("fldl2t", 0xd9, 0xe9),
    FX("fldl2e", 0xd9, 0xea), FX("fldpi", 0xd9, 0xeb), FX("fldlg2", 0xd9, 0xec),
    FX("fldln2", 0xd9, 0xed), FX("fldz", 0xd9, 0xee), FX("f2xm1", 0xd9, 0xf0),
    FX("fyl2x", 0xd9, 0xf1), FX("fptan", 0xd9, 0xf2), FX("fpatan", 0xd9, 0xf3),
    FX("fxtract", 0xd9, 0xf4), FX("fprem1", 0xd9, 0xf5), FX("fdecstp", 0xd9, 0xf6),
    FX("fincstp", 0xd9, 0xf7), FX("fprem", 0xd9, 0xf8), FX("fyl2xp1", 0xd9, 0xf9),
    FX("fsqrt", 0xd9, 0xfa), FX("fsincos", 0xd9, 0xfb), FX("frndint", 0xd9, 0xfc),
    FX("fscale", 0xd9, 0xfd), FX("fsin", 0xd9, 0xfe), FX("fcos", 0xd9, 0xff),
    FX("fnop", 0xd9, 0xd0),
    /* control */
    {"fldcw", .op = 0xd9, .ext = 5, .rm = K_M, .msize = 2, .rmfix = -1, .pre = fldcw_setup},
    FM("fnstcw", 0xd9, 7, 2), FM("fnstsw m16", 0xdd, 7, 2),
    {"fnstsw ax", .op = 0xdf, .ext = 4, .rm = K_STI, .rmfix = 0, .implicit = RAX},
    FX("fnclex", 0xdb, 0xe2), FX("fninit", 0xdb, 0xe3),
    FX("fneni (DB E0, a no-op)", 0xdb, 0xe0), FX("fndisi (DB E1, a no-op)", 0xdb, 0xe1),
    {"fwait", .op = 0x9b, .ext = NO_MODRM, .rmfix = -1},
    FM("fnstenv", 0xd9, 6, 28), FM("fldenv", 0xd9, 4, 28),
    FM("fnsave", 0xdd, 6, 108), FM("frstor", 0xdd, 4, 108),
    END,
};

const Family fam_x87 = {"x87", {x87_tmpls}, 10};
/* clang-format on */
