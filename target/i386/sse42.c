/* SSE4.2: PCMPESTRI/M, PCMPISTRI/M, PCMPGTQ, CRC32 (SDM vol. 2, and §4.1 for the
 * strings). */
/*
 * The string compares in four steps (SDM vol. 2 §4.1): read both operands as 16
 * bytes or 8 words, signed or not (imm8[1:0]), and find their lengths, explicit
 * (|EAX| and |EDX|, or RAX/RDX with REX.W, saturated) or implicit (up to the first
 * zero element); aggregate (imm8[3:2]) into IntRes1, a bit per element of the second
 * operand, with the SDM's rules for elements past either length; apply the polarity
 * (imm8[5:4]) to get IntRes2; output an index to ECX or a mask to XMM0 (imm8[6]),
 * and the flags. POPCNT lives with the other bit instructions in bitops.c.
 */
#include "target/i386/flags.h"
#include "target/i386/sse-fp.h"

typedef struct StrCmp {
    unsigned n;          /* elements per operand: 16 bytes or 8 words */
    unsigned len1, len2; /* valid elements of the first and second operand */
    int64_t e1[16], e2[16];
} StrCmp;

enum { AGG_EQUAL_ANY, AGG_RANGES, AGG_EQUAL_EACH, AGG_EQUAL_ORDERED };

static void str_elements(int64_t *e, const XMMReg *r, unsigned imm)
{
    bool words = imm & 1, is_signed = imm & 2;

    for (unsigned i = 0; i < (words ? 8u : 16u); i++) {
        uint64_t v = words ? r->w[i] : r->b[i];
        e[i] = !is_signed ? (int64_t)v : words ? (int16_t)v : (int8_t)v;
    }
}

static unsigned str_implicit_len(const int64_t *e, unsigned n)
{
    unsigned len = 0;

    while (len < n && e[len] != 0) {
        len++;
    }
    return len;
}

static unsigned str_explicit_len(const CPUX86State *env, const Insn *d, int reg,
                                 unsigned n)
{
    int64_t v = (d->rex & 0x08) ? (int64_t)env->regs[reg] : (int32_t)env->regs[reg];
    uint64_t magnitude = v < 0 ? -(uint64_t)v : (uint64_t)v;

    return magnitude < n ? magnitude : n;
}

static bool str_any_equal(const StrCmp *s, unsigned j)
{
    for (unsigned i = 0; i < s->len1; i++) {
        if (s->e1[i] == s->e2[j]) {
            return true;
        }
    }
    return false;
}

/* The first operand holds inclusive ranges: pairs of lower and upper bounds. */
static bool str_in_ranges(const StrCmp *s, unsigned j)
{
    for (unsigned i = 0; i + 1 < s->len1; i += 2) {
        if (s->e1[i] <= s->e2[j] && s->e2[j] <= s->e1[i + 1]) {
            return true;
        }
    }
    return false;
}

/* Element j of both operands: equal if both are valid and equal, or both invalid */
static bool str_each_equal(const StrCmp *s, unsigned j)
{
    bool valid1 = j < s->len1, valid2 = j < s->len2;

    return valid1 && valid2 ? s->e1[j] == s->e2[j] : valid1 == valid2;
}

/* The first operand occurs at j in the second (its end matches anything) */
static bool str_occurs_at(const StrCmp *s, unsigned j)
{
    for (unsigned k = 0; j + k < s->n && k < s->len1; k++) {
        if (j + k >= s->len2 || s->e1[k] != s->e2[j + k]) {
            return false;
        }
    }
    return true;
}

static uint32_t str_aggregate(const StrCmp *s, unsigned imm)
{
    uint32_t res = 0;

    for (unsigned j = 0; j < s->n; j++) {
        bool hit;
        switch ((imm >> 2) & 3) {
        case AGG_EQUAL_ANY: hit = j < s->len2 && str_any_equal(s, j); break;
        case AGG_RANGES: hit = j < s->len2 && str_in_ranges(s, j); break;
        case AGG_EQUAL_EACH: hit = str_each_equal(s, j); break;
        default: hit = str_occurs_at(s, j); break;
        }
        res |= (uint32_t)hit << j;
    }
    return res;
}

/* IntRes2: negated (01), or negated only over the second operand's valid part (11) */
static uint32_t str_polarity(uint32_t res, const StrCmp *s, unsigned imm)
{
    switch ((imm >> 4) & 3) {
    case 1: return res ^ ((1u << s->n) - 1);
    case 3: return res ^ ((1u << s->len2) - 1);
    default: return res;
    }
}

/* ECX: the least (imm8[6] = 0) or most significant set bit of res, or n if none */
static void str_output_index(CPUX86State *env, uint32_t res, const StrCmp *s,
                             unsigned imm)
{
    unsigned index = s->n;

    if (res) {
        index = (imm & 0x40) ? 31 - __builtin_clz(res) : __builtin_ctz(res);
    }
    set_reg(env, R_ECX, 4, true, index);
}

/* XMM0: res as bits (imm8[6] = 0) or as an all-ones/zero element per bit */
static void str_output_mask(CPUX86State *env, uint32_t res, const StrCmp *s, unsigned imm)
{
    XMMReg m = {0};
    unsigned esize = 16 / s->n;

    if (!(imm & 0x40)) {
        m.q[0] = res;
    } else {
        for (unsigned i = 0; i < s->n; i++) {
            memset(&m.b[i * esize], (res >> i) & 1 ? 0xff : 0, esize);
        }
    }
    env->xmm[0] = m;
}

static void op_pcmpstr_Vx_Wx_Ib(CPUX86State *env, const Insn *d)
{
    unsigned imm = d->imm;
    bool explicit = !(d->opcode & 2);
    StrCmp s = {.n = (imm & 1) ? 8 : 16};
    XMMReg src;
    uint32_t res;

    sse_check(env);
    sse_ld_rm(env, d, &src, SIMD_UNALIGNED);
    str_elements(s.e1, &env->xmm[d->reg], imm);
    str_elements(s.e2, &src, imm);
    s.len1 =
        explicit ? str_explicit_len(env, d, R_EAX, s.n) : str_implicit_len(s.e1, s.n);
    s.len2 =
        explicit ? str_explicit_len(env, d, R_EDX, s.n) : str_implicit_len(s.e2, s.n);
    res = str_polarity(str_aggregate(&s, imm), &s, imm);
    if (d->opcode & 1) {
        str_output_index(env, res, &s, imm);
    } else {
        str_output_mask(env, res, &s, imm);
    }
    cc_set_flags(env,
                 (res ? CC_C : 0) | (s.len2 < s.n ? CC_Z : 0) |
                     (s.len1 < s.n ? CC_S : 0) | ((res & 1) ? CC_O : 0),
                 CC_ARITH);
}

static void op_pcmpgtq_Vx_Wx(CPUX86State *env, const Insn *d)
{
    XMMReg src, *dst = &env->xmm[d->reg];

    sse_check(env);
    sse_ld_rm(env, d, &src, SIMD_ALIGNED);
    for (unsigned i = 0; i < 2; i++) {
        dst->q[i] = (int64_t)dst->q[i] > (int64_t)src.q[i] ? ~0ull : 0;
    }
}

/*
 * CRC32 accumulates CRC-32C (Castagnoli, polynomial 0x1EDC6F41, bit-reflected as
 * 0x82F63B78) a nibble at a time; entry i is the CRC of nibble i.
 */
static const uint32_t crc32c_nibble[16] = {
    0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1, 0x417b1dbc, 0x5125dad3,
    0x61c69362, 0x7198540d, 0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9,
    0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75,
};

static uint32_t crc32c_byte(uint32_t crc, uint8_t byte)
{
    crc ^= byte;
    crc = (crc >> 4) ^ crc32c_nibble[crc & 15];
    return (crc >> 4) ^ crc32c_nibble[crc & 15];
}

/*
 * CRC32 Gy, Eb (F0) and Gy, Ev (F1): the low 32 bits of Gy are the CRC so far, the
 * result is written zero-extended (REX.W only widens the destination).
 */
static void op_crc32_Gy_Ev(CPUX86State *env, const Insn *d)
{
    unsigned size = d->opcode == 0xf0 ? 1 : d->opsize;
    uint64_t data = ld_rm(env, d, size);
    uint32_t crc = (uint32_t)env->regs[d->reg];

    for (unsigned i = 0; i < size; i++) {
        crc = crc32c_byte(crc, data >> (8 * i));
    }
    set_reg(env, d->reg, 4, true, crc);
}

#define ROW3A(opcode, fn, name)                                                          \
    {                                                                                    \
        MAP_0F3A, opcode, ANY, ANY, ANY, MP_66, 0, fn, name                              \
    }

static const InsnDef sse42_insns[] = {
    ROW3A(0x60, op_pcmpstr_Vx_Wx_Ib, "pcmpestrm"),
    ROW3A(0x61, op_pcmpstr_Vx_Wx_Ib, "pcmpestri"),
    ROW3A(0x62, op_pcmpstr_Vx_Wx_Ib, "pcmpistrm"),
    ROW3A(0x63, op_pcmpstr_Vx_Wx_Ib, "pcmpistri"),
    {MAP_0F38, 0x37, ANY, ANY, ANY, MP_66, 0, op_pcmpgtq_Vx_Wx, "pcmpgtq"},
    {MAP_0F38, 0xf0, ANY, ANY, ANY, MP_F2, 0, op_crc32_Gy_Ev, "crc32"},
    {MAP_0F38, 0xf1, ANY, ANY, ANY, MP_F2, 0, op_crc32_Gy_Ev, "crc32"},
};
INSN_TABLE(sse42_insns)
