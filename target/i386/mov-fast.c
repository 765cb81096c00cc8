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

/*
 * Store v to / load *v from d's memory operand on the fast path; false: nothing done,
 * the handler returns false for the generic handler (INSN_HANDLER_OR_GENERIC).
 */
static ALWAYS_INLINE bool st_mem(CPUX86State *env, const Insn *d, unsigned size,
                                 uint64_t v)
{
    return likely(fast_st(env, d, size, v));
}

static ALWAYS_INLINE bool ld_mem(CPUX86State *env, const Insn *d, unsigned size,
                                 uint64_t *v)
{
    return likely(fast_ld(env, d, size, v));
}

static ALWAYS_INLINE uint64_t sext_from(uint64_t v, unsigned size)
{
    return size == 1   ? (uint64_t)(int64_t)(int8_t)v
           : size == 2 ? (uint64_t)(int64_t)(int16_t)v
                       : (uint64_t)(int64_t)(int32_t)v;
}

/* Registers through fast_get_opnd/fast_set_opnd: byte forms see AH..BH without REX. */
#define MOV_FORMS(size)                                                                  \
    INSN_HANDLER(op_mov_Ev_Gv_r##size)                                                   \
    {                                                                                    \
        fast_set_opnd(env, d, FAST_RM, size, fast_get_opnd(env, d, FAST_REG, size));     \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_mov_Ev_Gv_m##size)                                        \
    {                                                                                    \
        return st_mem(env, d, size, fast_get_opnd(env, d, FAST_REG, size));              \
    }                                                                                    \
    INSN_HANDLER(op_mov_Gv_Ev_r##size)                                                   \
    {                                                                                    \
        fast_set_opnd(env, d, FAST_REG, size, fast_get_opnd(env, d, FAST_RM, size));     \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_mov_Gv_Ev_m##size)                                        \
    {                                                                                    \
        uint64_t v;                                                                      \
        if (!ld_mem(env, d, size, &v)) {                                                 \
            return false;                                                                \
        }                                                                                \
        fast_set_opnd(env, d, FAST_REG, size, v);                                        \
        return true;                                                                     \
    }                                                                                    \
    INSN_HANDLER(op_mov_Ev_Iz_r##size)                                                   \
    {                                                                                    \
        fast_set_opnd(env, d, FAST_RM, size, d->imm);                                    \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_mov_Ev_Iz_m##size)                                        \
    {                                                                                    \
        return st_mem(env, d, size, d->imm);                                             \
    }

#define LEA_FORM(size)                                                                   \
    INSN_HANDLER(op_lea_Gv_M##size)                                                      \
    {                                                                                    \
        set_reg(env, d->reg, size, true, fast_ea(env, d));                               \
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
    INSN_HANDLER(op_##name##_r4)                                                         \
    {                                                                                    \
        fast_set(env, d->reg, 4, ext(fast_get_opnd(env, d, FAST_RM, src), src));         \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_##name##_m4)                                              \
    {                                                                                    \
        uint64_t v;                                                                      \
        if (!ld_mem(env, d, src, &v)) {                                                  \
            return false;                                                                \
        }                                                                                \
        fast_set(env, d->reg, 4, ext(v, src));                                           \
        return true;                                                                     \
    }                                                                                    \
    INSN_HANDLER(op_##name##_r8)                                                         \
    {                                                                                    \
        fast_set(env, d->reg, 8, ext(fast_get_opnd(env, d, FAST_RM, src), src));         \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_##name##_m8)                                              \
    {                                                                                    \
        uint64_t v;                                                                      \
        if (!ld_mem(env, d, src, &v)) {                                                  \
            return false;                                                                \
        }                                                                                \
        fast_set(env, d->reg, 8, ext(v, src));                                           \
        return true;                                                                     \
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
    unsigned size;

    if (row >= 0) {
        return si >= 0 ? fast_bind(d, hflags, movx_forms[row][si][is_mem(d)]) : NULL;
    }
    row = d->map == MAP_NONE ? mov_row(d) : -1;
    if (row < 0) {
        return NULL;
    }
    size = (d->opcode & 1) || row == 3 ? d->opsize : 1;
    return fast_bind(d, hflags, mov_forms[row][cc_size_idx(size)][is_mem(d)]);
}
INSN_SPECIALIZER(mov_specialize)

/* --- CMOVcc and SETcc with the condition fixed (cc_test_inline) --- */

/*
 * The source is read whatever the condition; a 32-bit CMOV always zero-extends. A
 * condition cc_test_try leaves runs the generic handler, before anything changed.
 */
static ALWAYS_INLINE bool cmov(CPUX86State *env, const Insn *d, unsigned cond,
                               unsigned size, bool mem)
{
    uint64_t v;
    bool holds;

    if (unlikely(!cc_test_try(env, cond, &holds))) {
        return false;
    }
    if (!mem) {
        v = env->regs[d->rm];
    } else if (!ld_mem(env, d, size, &v)) {
        return false;
    }
    fast_set(env, d->reg, size, holds ? v : env->regs[d->reg]);
    return true;
}

static ALWAYS_INLINE bool setcc(CPUX86State *env, const Insn *d, unsigned cond, bool mem)
{
    bool holds;

    if (unlikely(!cc_test_try(env, cond, &holds))) {
        return false;
    }
    if (mem) {
        return st_mem(env, d, 1, holds);
    }
    fast_set_opnd(env, d, FAST_RM, 1, holds);
    return true;
}

#define CC_FORMS(c)                                                                      \
    INSN_HANDLER_OR_GENERIC(op_cmov##c##_r4)                                             \
    {                                                                                    \
        return cmov(env, d, c, 4, false);                                                \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_cmov##c##_m4)                                             \
    {                                                                                    \
        return cmov(env, d, c, 4, true);                                                 \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_cmov##c##_r8)                                             \
    {                                                                                    \
        return cmov(env, d, c, 8, false);                                                \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_cmov##c##_m8)                                             \
    {                                                                                    \
        return cmov(env, d, c, 8, true);                                                 \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_set##c##_r)                                               \
    {                                                                                    \
        return setcc(env, d, c, false);                                                  \
    }                                                                                    \
    INSN_HANDLER_OR_GENERIC(op_set##c##_m)                                               \
    {                                                                                    \
        return setcc(env, d, c, true);                                                   \
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
        return fast_bind(d, hflags, cmov_forms[d->opcode & 15][si][is_mem(d)]);
    }
    if ((d->opcode & 0xf0) == 0x90) {
        return fast_bind(d, hflags, setcc_forms[d->opcode & 15][is_mem(d)]);
    }
    return NULL;
}
INSN_SPECIALIZER(cc_specialize)
