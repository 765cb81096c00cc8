/* The encoder: a template's instance with prefixes, ModRM, SIB, displacement, immediate.
 */
/*
 * Choices are made in dependency order: operand size (66, REX.W), registers (and
 * with them REX.R/B and whether byte registers 4-7 mean AH..BH or SPL..DIL), the
 * memory operand, then prefixes and the immediate. A memory operand always targets
 * the scratch buffer; the addressing form is drawn from those that can reach the
 * target from registers whose values the generator knows at that point (the initial
 * state, or a MOV r32, imm32 it emitted). With a 67 prefix any known register can be
 * the base, since 32-bit address arithmetic wraps.
 */
#include <string.h>
#include "gen.h"

typedef struct Enc {
    const Tmpl *t;
    unsigned size; /* operand size in bytes */
    bool rex;      /* emit a REX prefix */
    unsigned rex_w, rex_x_junk, rex_b_junk;
    bool p66;
    int reg; /* ModRM.reg value incl. REX.R, or the opcode register */
    int rm;  /* register incl. REX.B when !mem */
    bool mem;
    bool addr32, riprel, absolute;
    int base, index; /* -1: none */
    unsigned scale;  /* log2 */
    int64_t disp;
    unsigned disp_size;
    uint64_t target;
    uint8_t seg, rep;
    bool lock;
} Enc;

static bool fits8(int64_t v)
{
    return v >= -128 && v <= 127;
}

static bool fits32(int64_t v)
{
    return v >= INT32_MIN && v <= INT32_MAX;
}

static bool kind_is_gpr(unsigned k)
{
    return k == K_G || k == K_E || k == K_R || k == K_OPREG;
}

static bool has_modrm(const Tmpl *t)
{
    return t->ext != NO_MODRM && (t->reg != K_NONE || t->rm != K_NONE || t->ext >= 0);
}

/* ------------------------------------------------------------------------------------
 * Operand size and registers
 */

static unsigned pick_bit(Rng *r, unsigned mask)
{
    unsigned bits[8], n = 0;

    for (unsigned b = 0; b < 8; b++) {
        if (mask & (1u << b)) {
            bits[n++] = 1u << b;
        }
    }
    return n ? bits[rng_below(r, n)] : 0;
}

static void enc_size(GenState *gs, Enc *e)
{
    const Tmpl *t = e->t;
    Rng *r = gs->rng;

    e->size = t->sizes ? pick_bit(r, t->sizes) : 4;
    e->rex_w = e->size == 8 && !(t->flags & T_D64);
    if (e->size == 8 && (t->flags & T_D64)) {
        e->rex_w = rng_chance(r, 30); /* redundant, and harmless */
    }
    if (t->flags & T_WIG) {
        e->rex_w = rng_chance(r, 50);
    }
    e->p66 = e->size == 2;
    if (e->rex_w && (t->sizes & SZ_W) && rng_chance(r, 10)) {
        e->p66 = true; /* REX.W wins over 66 */
    }
}

/* The size the rm slot is read at (movzx, crc32 r32, r/m8 ...). */
static unsigned rm_size(const Enc *e)
{
    if (e->t->flags & T_RMB) {
        return 1;
    }
    if (e->t->flags & T_RMW) {
        return 2;
    }
    return (e->t->flags & T_RMD) ? 4 : e->size;
}

static unsigned reg_count(unsigned kind)
{
    return kind == K_P || kind == K_N || kind == K_Q || kind == K_STI ? 8 : 16;
}

static bool writes_explicit(const Tmpl *t)
{
    return !(t->flags & T_RO);
}

/* A general register for a written slot: never RSP, so the stack stays usable. */
static int pick_gpr(GenState *gs, const Tmpl *t, unsigned size)
{
    for (;;) {
        int r = (int)rng_below(gs->rng, 16);
        bool is_rsp = r == 4 && size != 1;
        if (!is_rsp || !writes_explicit(t)) {
            return r;
        }
    }
}

static int pick_reg(GenState *gs, const Enc *e, unsigned kind, unsigned size)
{
    if (kind_is_gpr(kind)) {
        return pick_gpr(gs, e->t, size);
    }
    if (kind == K_STI && e->t->rmfix >= 0) {
        return e->t->rmfix;
    }
    if (kind == K_SREG) {
        return (int)(rng_chance(gs->rng, 95) ? rng_below(gs->rng, 6)
                                             : 6 + rng_below(gs->rng, 2));
    }
    return (int)rng_below(gs->rng, reg_count(kind));
}

static bool rm_may_be_mem(const Tmpl *t)
{
    return t->rm == K_E || t->rm == K_Q || t->rm == K_W;
}

static void enc_regs(GenState *gs, Enc *e)
{
    const Tmpl *t = e->t;
    Rng *r = gs->rng;

    e->reg = -1;
    e->rm = -1;
    if (t->reg != K_NONE) {
        e->reg = gs->force_reg >= 0 ? gs->force_reg : pick_reg(gs, e, t->reg, e->size);
    }
    e->mem = t->rm == K_M || (rm_may_be_mem(t) && rng_chance(r, 40));
    if (t->rm != K_NONE && !e->mem) {
        e->rm = pick_reg(gs, e, t->rm, rm_size(e));
    }
    if (t->rm == K_STI && t->rmfix >= 0) {
        e->rm = t->rmfix;
    }
    /* MMX and x87 register numbers ignore REX.R/B: setting them tests that. */
    if (!kind_is_gpr(t->reg) && t->reg != K_V && e->reg >= 0 && rng_chance(r, 10)) {
        e->reg |= 8;
    }
    e->rex_x_junk = rng_chance(r, 8);
    e->rex_b_junk = t->rm == K_NONE && rng_chance(r, 8);
}

/* ------------------------------------------------------------------------------------
 * Memory operands
 */

uint64_t pick_scratch_addr(Rng *r, unsigned size, unsigned align)
{
    uint64_t off;

    if (rng_chance(r, 2)) {
        /* Straddle an edge of the buffer: the access faults on the guard page. */
        off = rng_chance(r, 50) ? DIFF_SCRATCH_SIZE - size + 1 + rng_below(r, size)
                                : (uint64_t)0 - 1 - rng_below(r, 8);
        return DIFF_SCRATCH + off;
    }
    off = rng_below(r, DIFF_SCRATCH_SIZE - size + 1);
    if (align > 1 && rng_chance(r, 85)) {
        off &= ~(uint64_t)(align - 1);
    }
    return DIFF_SCRATCH + off;
}

static uint64_t addr_value(const Enc *e, uint64_t v)
{
    return e->addr32 ? (uint32_t)v : v;
}

static int64_t disp_to(const Enc *e, uint64_t target, uint64_t from)
{
    return e->addr32 ? (int64_t)(int32_t)(uint32_t)(target - from)
                     : (int64_t)(target - from);
}

static bool pick_base(GenState *gs, Enc *e)
{
    int cands[16], n = 0;

    for (int r = 0; r < 16; r++) {
        if (gs->known[r] && fits32(disp_to(e, e->target, addr_value(e, gs->val[r])))) {
            cands[n++] = r;
        }
    }
    if (!n) {
        return false;
    }
    e->base = cands[rng_below(gs->rng, n)];
    e->disp = disp_to(e, e->target, addr_value(e, gs->val[e->base]));
    return true;
}

static void pick_index(GenState *gs, Enc *e)
{
    int cands[16], n = 0;
    unsigned scale = (unsigned)rng_below(gs->rng, 4);
    uint64_t base = gs->val[e->base];

    for (int r = 0; r < 16; r++) {
        uint64_t sum = base + (gs->val[r] << scale);
        if (r != 4 && gs->known[r] && fits32(disp_to(e, e->target, addr_value(e, sum)))) {
            cands[n++] = r;
        }
    }
    if (!n) {
        return;
    }
    e->index = cands[rng_below(gs->rng, n)];
    e->scale = scale;
    e->disp = disp_to(e, e->target, addr_value(e, base + (gs->val[e->index] << scale)));
}

static void pick_disp_size(GenState *gs, Enc *e)
{
    bool base_needs_disp = e->base >= 0 && (e->base & 7) == 5;

    if (e->disp == 0 && !base_needs_disp && rng_chance(gs->rng, 60)) {
        e->disp_size = 0;
    } else if (fits8(e->disp) && rng_chance(gs->rng, 80)) {
        e->disp_size = 1;
    } else {
        e->disp_size = 4;
    }
}

/* A register that will hold a pointer: any but RSP and the instruction's own. */
static int pick_setup_reg(GenState *gs, const Enc *e)
{
    for (;;) {
        int r = (int)rng_below(gs->rng, 16);
        if (r != 4 && r != e->reg && r != e->rm) {
            return r;
        }
    }
}

static void enc_mem(GenState *gs, Enc *e, Seq *seq)
{
    const Tmpl *t = e->t;
    unsigned size = t->msize ? t->msize : rm_size(e);
    unsigned align = size >= 16 || (t->flags & T_A16) ? 16 : size;
    Rng *r = gs->rng;
    unsigned form = (unsigned)rng_below(r, 100);

    e->base = e->index = -1;
    e->target = pick_scratch_addr(r, size, align);
    if ((t->flags & T_A16) && rng_chance(r, 90)) {
        e->target &= ~(uint64_t)15;
    }
    if (gs->force_addr) {
        e->target = gs->force_addr;
    }
    e->addr32 = rng_chance(r, 10);
    if (form < 8) {
        e->riprel = true;
        return;
    }
    if (form < 13) {
        e->absolute = true;
        e->disp = (int64_t)e->target;
        e->disp_size = 4;
        return;
    }
    if (!pick_base(gs, e)) {
        int reg = pick_setup_reg(gs, e);
        emit_mov_imm32(gs, seq, (unsigned)reg, (uint32_t)pick_scratch_addr(r, 64, 8));
        pick_base(gs, e);
    }
    if (rng_chance(r, 35)) {
        pick_index(gs, e);
    }
    pick_disp_size(gs, e);
}

/* ------------------------------------------------------------------------------------
 * Immediates
 */

static uint64_t imm_edge(Rng *r, unsigned bytes)
{
    static const int64_t small[] = {0, 1, 2, -1, -2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000};

    if (rng_chance(r, 40)) {
        return (uint64_t)small[rng_below(r, ARRAY_LEN(small))];
    }
    return gen_int_edge(r, bytes);
}

static uint8_t count_edge(Rng *r)
{
    static const uint8_t counts[] = {0,  1,  2,  3,  7,  8,  9,    15,   16,   17,
                                     31, 32, 33, 63, 64, 65, 0xff, 0x80, 0x21, 0x41};

    return rng_chance(r, 70) ? counts[rng_below(r, ARRAY_LEN(counts))]
                             : (uint8_t)rng_next(r);
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Returns the immediate's length; rel branches are fixed up at assembly time. */
static unsigned enc_imm(GenState *gs, const Enc *e, uint8_t *p, SeqInsn *out)
{
    Rng *r = gs->rng;

    switch ((ImmKind)e->t->imm) {
    case I_NONE: return 0;
    case I_B: put_le(p, imm_edge(r, 1), 1); return 1;
    case I_W: put_le(p, imm_edge(r, 2), 2); return 2;
    case I_Z:
        put_le(p, imm_edge(r, e->size == 2 ? 2 : 4), e->size == 2 ? 2 : 4);
        return e->size == 2 ? 2 : 4;
    case I_FULL: put_le(p, imm_edge(r, e->size), e->size); return e->size;
    case I_CNT: p[0] = count_edge(r); return 1;
    case I_ROUND:
        p[0] = (uint8_t)(rng_chance(r, 80) ? rng_below(r, 16) : rng_next(r));
        return 1;
    case I_ENTER:
        put_le(p, rng_chance(r, 80) ? rng_below(r, 9) * 8 : rng_below(r, 200), 2);
        p[2] = (uint8_t)(rng_chance(r, 60)   ? 0
                         : rng_chance(r, 90) ? rng_below(r, 4)
                                             : rng_next(r));
        return 3;
    case I_MOFFS: {
        unsigned n = e->addr32 ? 4 : 8;
        put_le(p, pick_scratch_addr(r, e->size, e->size), n);
        return n;
    }
    case I_INTN: {
        static const uint8_t vectors[] = {0x00, 0x01, 0x02, 0x0d, 0x0e, 0x20, 0x81, 0xff};
        p[0] = vectors[rng_below(r, ARRAY_LEN(vectors))];
        return 1;
    }
    case I_REL8:
    case I_REL32:
        out->rel_kind = REL_SKIP;
        out->rel_size = e->t->imm == I_REL8 ? 1 : 4;
        out->skip = (uint8_t)rng_below(r, 4);
        memset(p, 0, out->rel_size);
        return out->rel_size;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------
 * Bytes
 */

static unsigned sib_byte(unsigned scale, unsigned index, unsigned base)
{
    return scale << 6 | (index & 7) << 3 | (base & 7);
}

static unsigned enc_modrm_mem(const Enc *e, uint8_t *p, unsigned regf, SeqInsn *out,
                              unsigned at)
{
    unsigned n = 0, mod = e->disp_size == 0 ? 0 : e->disp_size == 1 ? 1 : 2;

    if (e->riprel) {
        p[n++] = (uint8_t)(regf << 3 | 5);
        out->rel_kind = REL_DATA;
        out->rel_off = (uint8_t)(at + n);
        out->rel_size = 4;
        out->target = e->target;
        memset(p + n, 0, 4);
        return n + 4;
    }
    if (e->absolute) {
        p[n++] = (uint8_t)(regf << 3 | 4);
        p[n++] = (uint8_t)sib_byte(0, 4, 5);
    } else if (e->index >= 0 || (e->base & 7) == 4) {
        p[n++] = (uint8_t)(mod << 6 | regf << 3 | 4);
        p[n++] = (uint8_t)sib_byte(e->scale, e->index >= 0 ? (unsigned)e->index : 4,
                                   (unsigned)e->base);
    } else {
        p[n++] = (uint8_t)(mod << 6 | regf << 3 | (e->base & 7));
    }
    put_le(p + n, (uint64_t)e->disp, e->absolute ? 4 : e->disp_size);
    return n + (e->absolute ? 4 : e->disp_size);
}

static unsigned rex_byte(const Enc *e)
{
    unsigned w = e->rex_w, rb = 0, x = e->rex_x_junk, b = e->rex_b_junk;

    if (e->reg >= 8 && e->t->reg != K_NONE) {
        rb = 1;
    }
    if (e->mem) {
        x = e->index >= 8 ? 1 : e->index >= 0 ? 0 : x;
        b = e->base >= 8 ? 1 : e->base >= 0 ? 0 : b;
    } else if (e->rm >= 8) {
        b = 1;
    }
    return 0x40 | w << 3 | rb << 2 | x << 1 | b;
}

static unsigned enc_legacy_prefixes(GenState *gs, const Enc *e, uint8_t *p)
{
    uint8_t pf[4];
    unsigned n = 0;

    if (e->seg) {
        pf[n++] = e->seg;
    }
    if (e->lock) {
        pf[n++] = 0xf0;
    }
    if (e->p66) {
        pf[n++] = 0x66;
    }
    if (e->addr32) {
        pf[n++] = 0x67;
    }
    for (unsigned i = n; i > 1; i--) { /* the order of these prefixes is free */
        unsigned j = (unsigned)rng_below(gs->rng, i);
        uint8_t tmp = pf[i - 1];
        pf[i - 1] = pf[j];
        pf[j] = tmp;
    }
    memcpy(p, pf, n);
    if (e->t->pfx) {
        p[n++] = e->t->pfx;
    } else if (e->rep) {
        p[n++] = e->rep;
    }
    return n;
}

static unsigned enc_opcode(const Enc *e, uint8_t *p)
{
    static const uint8_t escapes[4][2] = {{0}, {0x0f}, {0x0f, 0x38}, {0x0f, 0x3a}};
    unsigned n = e->t->map == MAP_1B ? 0 : e->t->map == MAP_0F ? 1 : 2;
    uint8_t op = e->t->op;

    memcpy(p, escapes[e->t->map], n);
    if (e->t->rm == K_OPREG) {
        op |= e->rm & 7;
    }
    p[n++] = op;
    return n;
}

static unsigned enc_modrm(const Enc *e, uint8_t *p, SeqInsn *out, unsigned at)
{
    unsigned regf = e->t->ext >= 0 ? (unsigned)e->t->ext : (unsigned)(e->reg & 7);

    if (!has_modrm(e->t) || e->t->rm == K_OPREG) {
        return 0;
    }
    if (e->mem) {
        return enc_modrm_mem(e, p, regf, out, at);
    }
    p[0] = (uint8_t)(0xc0 | regf << 3 | (e->rm < 0 ? 0 : e->rm & 7));
    return 1;
}

static void enc_bytes(GenState *gs, const Enc *e, SeqInsn *out)
{
    uint8_t *p = out->bytes;
    unsigned n = enc_legacy_prefixes(gs, e, p);
    unsigned rex = rex_byte(e), at;

    if (e->rex || rex != 0x40) {
        p[n++] = (uint8_t)rex;
    }
    n += enc_opcode(e, p + n);
    n += enc_modrm(e, p + n, out, n);
    at = n;
    n += enc_imm(gs, e, p + n, out);
    if (out->rel_kind == REL_SKIP) {
        out->rel_off = (uint8_t)at;
    }
    out->len = (uint8_t)n;
}

/* ------------------------------------------------------------------------------------
 * Putting it together
 */

/* Byte registers 4-7 mean SPL..DIL with any REX, AH..BH without. */
static bool rex_present(const Enc *e)
{
    return e->rex || rex_byte(e) != 0x40;
}

/* The full register an explicit operand writes (AH..BH live in RAX..RBX). */
static int written_gpr(const Enc *e, int r, unsigned size)
{
    bool high_byte = size == 1 && !rex_present(e) && r >= 4 && r < 8;

    return high_byte ? r - 4 : r;
}

static void forget(GenState *gs, int r)
{
    if (r >= 0 && r < 16) {
        gs->known[r] = false;
    }
}

static void enc_track(GenState *gs, const Enc *e)
{
    const Tmpl *t = e->t;

    if (writes_explicit(t)) {
        if (t->reg == K_G) {
            forget(gs, written_gpr(e, e->reg, e->size));
        }
        if (!e->mem && kind_is_gpr(t->rm)) {
            forget(gs, written_gpr(e, e->rm, rm_size(e)));
        }
    }
    for (int r = 0; r < 16; r++) {
        if (t->implicit & RB(r)) {
            forget(gs, r);
        }
    }
}

/* A written byte slot 4 is AH without REX but SPL with one: keep RSP out of it. */
static void enc_keep_rsp(Enc *e)
{
    if (!writes_explicit(e->t) || !rex_present(e)) {
        return;
    }
    if (e->size == 1 && kind_is_gpr(e->t->reg) && e->reg == 4) {
        e->reg = 5;
    }
    if (rm_size(e) == 1 && !e->mem && kind_is_gpr(e->t->rm) && e->rm == 4) {
        e->rm = 5;
    }
}

static void enc_prefix_choice(GenState *gs, Enc *e)
{
    Rng *r = gs->rng;
    static const uint8_t harmless_segs[] = {0x26, 0x2e, 0x36, 0x3e};

    if (rng_chance(r, 8)) {
        e->seg = harmless_segs[rng_below(r, 4)];
    }
    e->lock = e->mem && (e->t->flags & T_LOCK) && rng_chance(r, 30);
    if (e->t->imm == I_MOFFS) {
        e->addr32 = rng_chance(r, 20);
    }
    if (e->t->flags & (T_REP | T_REPCC)) {
        unsigned pick = (unsigned)rng_below(r, 3);
        e->rep = pick == 0 ? 0 : pick == 1 ? 0xf3 : 0xf2;
        e->addr32 = rng_chance(r, 15);
    }
}

bool encode_tmpl(GenState *gs, const Tmpl *t, Seq *seq)
{
    Enc e = {.t = t, .base = -1, .index = -1};
    SeqInsn *out;

    if (seq->n + 6 >= DIFF_MAX_INSNS) {
        return false;
    }
    gs->force_reg = -1;
    gs->force_addr = 0;
    if (t->pre) {
        t->pre(gs, t, seq);
    }
    enc_size(gs, &e);
    e.rex = rng_chance(gs->rng, 15);
    enc_regs(gs, &e);
    if (e.mem) {
        enc_mem(gs, &e, seq);
    }
    enc_keep_rsp(&e);
    enc_prefix_choice(gs, &e);
    out = &seq->insn[seq->n++];
    memset(out, 0, sizeof(*out));
    out->name = t->name;
    out->undef = t->undef;
    enc_bytes(gs, &e, out);
    enc_track(gs, &e);
    return true;
}

void emit_mov_imm32(GenState *gs, Seq *seq, unsigned reg, uint32_t value)
{
    SeqInsn *out = &seq->insn[seq->n++];
    unsigned n = 0;

    memset(out, 0, sizeof(*out));
    if (reg >= 8) {
        out->bytes[n++] = 0x41;
    }
    out->bytes[n++] = (uint8_t)(0xb8 | (reg & 7));
    put_le(out->bytes + n, value, 4);
    out->len = (uint8_t)(n + 4);
    out->name = "mov r32, imm32 (setup)";
    gs->known[reg] = true;
    gs->val[reg] = value;
}

void emit_mov_simm32(GenState *gs, Seq *seq, unsigned reg, int32_t value)
{
    SeqInsn *out = &seq->insn[seq->n++];

    memset(out, 0, sizeof(*out));
    out->bytes[0] = (uint8_t)(0x48 | (reg >> 3));
    out->bytes[1] = 0xc7;
    out->bytes[2] = (uint8_t)(0xc0 | (reg & 7));
    put_le(out->bytes + 3, (uint32_t)value, 4);
    out->len = 7;
    out->name = "mov r64, simm32 (setup)";
    gs->known[reg] = true;
    gs->val[reg] = (uint64_t)(int64_t)value;
}

void emit_store_imm32(GenState *gs, Seq *seq, uint64_t addr, uint32_t value)
{
    SeqInsn *out = &seq->insn[seq->n++];

    memset(out, 0, sizeof(*out));
    out->bytes[0] = 0xc7;
    out->bytes[1] = 0x04;
    out->bytes[2] = 0x25;
    put_le(out->bytes + 3, addr, 4);
    put_le(out->bytes + 7, value, 4);
    out->len = 11;
    out->name = "mov dword [abs], imm32 (setup)";
    gs->force_addr = addr;
}

void emit_raw(GenState *gs, Seq *seq, const uint8_t *bytes, unsigned len,
              const char *name, uint16_t implicit)
{
    SeqInsn *out = &seq->insn[seq->n++];

    memset(out, 0, sizeof(*out));
    memcpy(out->bytes, bytes, len);
    out->len = (uint8_t)len;
    out->name = name;
    for (int r = 0; r < 16; r++) {
        if (implicit & RB(r)) {
            gs->known[r] = false;
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Layout
 */

/* The start of the unit `skip` units after instruction i's own (or the end). */
static uint64_t skip_target(const Seq *s, const bool *keep, int i, uint64_t next)
{
    unsigned left = s->insn[i].skip + 1;

    for (int j = i + 1; j < s->n; j++) {
        if (keep && !keep[j]) {
            continue;
        }
        if (s->insn[j].unit_start && --left == 0) {
            return next;
        }
        next += s->insn[j].len;
    }
    return next;
}

size_t seq_assemble(const Seq *s, const bool *keep, uint8_t *out, size_t cap)
{
    size_t len = 0;

    for (int i = 0; i < s->n; i++) {
        const SeqInsn *in = &s->insn[i];
        uint64_t next = DIFF_CODE + len + in->len;
        int64_t rel;

        if ((keep && !keep[i]) || len + in->len > cap) {
            continue;
        }
        memcpy(out + len, in->bytes, in->len);
        rel = in->rel_kind == REL_SKIP   ? (int64_t)(skip_target(s, keep, i, next) - next)
              : in->rel_kind == REL_DATA ? (int64_t)(in->target - next)
                                         : 0;
        if (in->rel_kind != REL_NONE) {
            put_le(out + len + in->rel_off, (uint64_t)rel, in->rel_size);
        }
        len += in->len;
    }
    return len;
}
