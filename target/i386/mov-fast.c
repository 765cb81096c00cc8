/*
 * Specialised data movement (mov.c): MOV, LEA, MOVZX, MOVSX and MOVSXD with 32- and
 * 64-bit destinations, one handler per form and size, doing exactly what mov.c's
 * generic handlers do for that form.
 */
#include "target/i386/fast.h"

static bool is_mem(const Insn *d)
{
    return d->has_modrm && d->mod != 3;
}

static ALWAYS_INLINE uint64_t ld_mem(CPUX86State *env, const Insn *d, unsigned size)
{
    return cpu_ld(env, d->seg, insn_ea(env, d), size);
}

/* A byte or word source operand: register forms see AH..BH without REX. */
static ALWAYS_INLINE uint64_t ld_small_rm(CPUX86State *env, const Insn *d, unsigned size,
                                          bool mem)
{
    return mem ? ld_mem(env, d, size) : get_reg(env, d->rm, size, insn_rex(d));
}

static ALWAYS_INLINE uint64_t sext_from(uint64_t v, unsigned size)
{
    return size == 1   ? (uint64_t)(int64_t)(int8_t)v
           : size == 2 ? (uint64_t)(int64_t)(int16_t)v
                       : (uint64_t)(int64_t)(int32_t)v;
}

/* Registers through get_reg/set_reg with a constant size: byte forms see AH..BH. */
#define MOV_FORMS(size)                                                                  \
    static void op_mov_Ev_Gv_r##size(CPUX86State *env, const Insn *d)                    \
    {                                                                                    \
        set_reg(env, d->rm, size, insn_rex(d), get_reg(env, d->reg, size, insn_rex(d))); \
    }                                                                                    \
    static void op_mov_Ev_Gv_m##size(CPUX86State *env, const Insn *d)                    \
    {                                                                                    \
        uint64_t v = get_reg(env, d->reg, size, insn_rex(d));                            \
        cpu_st(env, d->seg, insn_ea(env, d), size, v);                                   \
    }                                                                                    \
    static void op_mov_Gv_Ev_r##size(CPUX86State *env, const Insn *d)                    \
    {                                                                                    \
        set_reg(env, d->reg, size, insn_rex(d), get_reg(env, d->rm, size, insn_rex(d))); \
    }                                                                                    \
    static void op_mov_Gv_Ev_m##size(CPUX86State *env, const Insn *d)                    \
    {                                                                                    \
        set_reg(env, d->reg, size, insn_rex(d), ld_mem(env, d, size));                   \
    }                                                                                    \
    static void op_mov_Ev_Iz_r##size(CPUX86State *env, const Insn *d)                    \
    {                                                                                    \
        set_reg(env, d->rm, size, insn_rex(d), d->imm);                                  \
    }                                                                                    \
    static void op_mov_Ev_Iz_m##size(CPUX86State *env, const Insn *d)                    \
    {                                                                                    \
        cpu_st(env, d->seg, insn_ea(env, d), size, d->imm);                              \
    }

#define LEA_FORM(size)                                                                   \
    static void op_lea_Gv_M##size(CPUX86State *env, const Insn *d)                       \
    {                                                                                    \
        set_reg(env, d->reg, size, true, insn_ea(env, d));                               \
    }

MOV_FORMS(1)
MOV_FORMS(2)
MOV_FORMS(4)
MOV_FORMS(8)
LEA_FORM(2)
LEA_FORM(4)
LEA_FORM(8)

/* MOVZX/MOVSX Gv, Eb/Ew (and MOVSXD Gv, Ed) for each source size and form. */
#define MOVX_FORMS(name, ext, src)                                                       \
    static void op_##name##_r4(CPUX86State *env, const Insn *d)                          \
    {                                                                                    \
        fast_set(env, d->reg, 4, ext(ld_small_rm(env, d, src, false), src));             \
    }                                                                                    \
    static void op_##name##_m4(CPUX86State *env, const Insn *d)                          \
    {                                                                                    \
        fast_set(env, d->reg, 4, ext(ld_small_rm(env, d, src, true), src));              \
    }                                                                                    \
    static void op_##name##_r8(CPUX86State *env, const Insn *d)                          \
    {                                                                                    \
        fast_set(env, d->reg, 8, ext(ld_small_rm(env, d, src, false), src));             \
    }                                                                                    \
    static void op_##name##_m8(CPUX86State *env, const Insn *d)                          \
    {                                                                                    \
        fast_set(env, d->reg, 8, ext(ld_small_rm(env, d, src, true), src));              \
    }

#define ZEXT(v, size) (v)
MOVX_FORMS(movzx_Gv_Eb, ZEXT, 1)
MOVX_FORMS(movzx_Gv_Ew, ZEXT, 2)
MOVX_FORMS(movsx_Gv_Eb, sext_from, 1)
MOVX_FORMS(movsx_Gv_Ew, sext_from, 2)
MOVX_FORMS(movsxd_Gv_Ed, sext_from, 4)

/* [size index][mem] */
#define MOVX_TABLE(name)                                                                 \
    {                                                                                    \
        {op_##name##_r4, op_##name##_m4},                                                \
        {                                                                                \
            op_##name##_r8, op_##name##_m8                                               \
        }                                                                                \
    }

static InsnHandler *const movx_forms[5][2][2] = {
    MOVX_TABLE(movzx_Gv_Eb), MOVX_TABLE(movzx_Gv_Ew),  MOVX_TABLE(movsx_Gv_Eb),
    MOVX_TABLE(movsx_Gv_Ew), MOVX_TABLE(movsxd_Gv_Ed),
};

#define MOV_SIZE(name, size)                                                             \
    {                                                                                    \
        op_##name##_r##size, op_##name##_m##size                                         \
    }
#define MOV_ROW(name)                                                                    \
    {                                                                                    \
        MOV_SIZE(name, 1), MOV_SIZE(name, 2), MOV_SIZE(name, 4), MOV_SIZE(name, 8)       \
    }

/* [88/89, 8A/8B, C6/C7, 8D][size as cc_size_idx][mem] */
static InsnHandler *const mov_forms[4][4][2] = {
    MOV_ROW(mov_Ev_Gv),
    MOV_ROW(mov_Gv_Ev),
    MOV_ROW(mov_Ev_Iz),
    {{NULL, NULL}, {NULL, op_lea_Gv_M2}, {NULL, op_lea_Gv_M4}, {NULL, op_lea_Gv_M8}},
};

static int mov_row(const Insn *d)
{
    switch (d->opcode & ~1) {
    case 0x88: return 0;
    case 0x8a: return 1;
    case 0xc6: return (d->reg & 7) == 0 ? 2 : -1;
    default: return d->opcode == 0x8d ? 3 : -1;
    }
}

static int movx_row(const Insn *d, bool mode64)
{
    if (d->map == MAP_0F && d->opcode >= 0xb6 && d->opcode <= 0xbf &&
        (d->opcode & 7) >= 6) {
        return (d->opcode & 1) + (d->opcode >= 0xbe ? 2 : 0);
    }
    return d->map == MAP_NONE && d->opcode == 0x63 && mode64 ? 4 : -1;
}

static InsnHandler *mov_specialize(Insn *d, uint32_t hflags)
{
    bool mode64 = (hflags & HF_CS64) != 0;
    int si = fast_size_idx(d->opsize);
    int row = movx_row(d, mode64);

    if (row >= 0) {
        return si >= 0 ? movx_forms[row][si][is_mem(d)] : NULL;
    }
    row = d->map == MAP_NONE ? mov_row(d) : -1;
    if (row < 0) {
        return NULL;
    }
    return mov_forms[row][cc_size_idx((d->opcode & 1) || row == 3 ? d->opsize : 1)]
                    [is_mem(d)];
}
INSN_SPECIALIZER(mov_specialize)

/* --- CMOVcc and SETcc with the condition fixed (cc_test_inline) --- */

/* The source is read whatever the condition; a 32-bit CMOV always zero-extends. */
static ALWAYS_INLINE void cmov(CPUX86State *env, const Insn *d, unsigned cond,
                               unsigned size, bool mem)
{
    uint64_t v = mem ? ld_mem(env, d, size) : env->regs[d->rm];

    fast_set(env, d->reg, size, cc_test_inline(env, cond) ? v : env->regs[d->reg]);
}

static ALWAYS_INLINE void setcc(CPUX86State *env, const Insn *d, unsigned cond, bool mem)
{
    bool holds = cc_test_inline(env, cond);

    if (mem) {
        cpu_st(env, d->seg, insn_ea(env, d), 1, holds);
    } else {
        set_reg(env, d->rm, 1, insn_rex(d), holds);
    }
}

#define CC_FORMS(c)                                                                      \
    static void op_cmov##c##_r4(CPUX86State *env, const Insn *d)                         \
    {                                                                                    \
        cmov(env, d, c, 4, false);                                                       \
    }                                                                                    \
    static void op_cmov##c##_m4(CPUX86State *env, const Insn *d)                         \
    {                                                                                    \
        cmov(env, d, c, 4, true);                                                        \
    }                                                                                    \
    static void op_cmov##c##_r8(CPUX86State *env, const Insn *d)                         \
    {                                                                                    \
        cmov(env, d, c, 8, false);                                                       \
    }                                                                                    \
    static void op_cmov##c##_m8(CPUX86State *env, const Insn *d)                         \
    {                                                                                    \
        cmov(env, d, c, 8, true);                                                        \
    }                                                                                    \
    static void op_set##c##_r(CPUX86State *env, const Insn *d)                           \
    {                                                                                    \
        setcc(env, d, c, false);                                                         \
    }                                                                                    \
    static void op_set##c##_m(CPUX86State *env, const Insn *d)                           \
    {                                                                                    \
        setcc(env, d, c, true);                                                          \
    }

CC_FORMS(0)
CC_FORMS(1)
CC_FORMS(2)
CC_FORMS(3)
CC_FORMS(4)
CC_FORMS(5)
CC_FORMS(6)
CC_FORMS(7)
CC_FORMS(8)
CC_FORMS(9)
CC_FORMS(10)
CC_FORMS(11)
CC_FORMS(12)
CC_FORMS(13)
CC_FORMS(14)
CC_FORMS(15)

/* [cond][size index][mem] */
#define CMOV_ROW(c)                                                                      \
    {                                                                                    \
        {op_cmov##c##_r4, op_cmov##c##_m4},                                              \
        {                                                                                \
            op_cmov##c##_r8, op_cmov##c##_m8                                             \
        }                                                                                \
    }
#define SET_ROW(c)                                                                       \
    {                                                                                    \
        op_set##c##_r, op_set##c##_m                                                     \
    }

static InsnHandler *const cmov_forms[16][2][2] = {
    CMOV_ROW(0),  CMOV_ROW(1),  CMOV_ROW(2),  CMOV_ROW(3),  CMOV_ROW(4),  CMOV_ROW(5),
    CMOV_ROW(6),  CMOV_ROW(7),  CMOV_ROW(8),  CMOV_ROW(9),  CMOV_ROW(10), CMOV_ROW(11),
    CMOV_ROW(12), CMOV_ROW(13), CMOV_ROW(14), CMOV_ROW(15),
};

static InsnHandler *const setcc_forms[16][2] = {
    SET_ROW(0),  SET_ROW(1),  SET_ROW(2),  SET_ROW(3),  SET_ROW(4),  SET_ROW(5),
    SET_ROW(6),  SET_ROW(7),  SET_ROW(8),  SET_ROW(9),  SET_ROW(10), SET_ROW(11),
    SET_ROW(12), SET_ROW(13), SET_ROW(14), SET_ROW(15),
};

static InsnHandler *cc_specialize(Insn *d, uint32_t hflags)
{
    int si = fast_size_idx(d->opsize);

    if (d->map != MAP_0F) {
        return NULL;
    }
    if ((d->opcode & 0xf0) == 0x40 && si >= 0) {
        return cmov_forms[d->opcode & 15][si][is_mem(d)];
    }
    if ((d->opcode & 0xf0) == 0x90) {
        return setcc_forms[d->opcode & 15][is_mem(d)];
    }
    return NULL;
}
INSN_SPECIALIZER(cc_specialize)
