/* The x86 instruction decoder: bytes to Insn (Intel SDM Vol. 2, chapter 2 and App. A). */
/*
 * An instruction is: legacy prefixes, an optional REX, one to three opcode bytes
 * (or a VEX/EVEX prefix and one opcode byte), ModRM, SIB, displacement and up to
 * two immediates, 15 bytes at most. Everything opcode-specific comes from the
 * tables in decode-tables.c; this file only walks the bytes.
 *
 * Errors are sticky: the cursor remembers the first byte it could not fetch
 * (NEED_MORE or TOO_LONG) and hands out zeros after that, so the steps below run
 * straight through and the result is checked only where it decides something.
 *
 * Conventions beyond decode.h:
 *  - VEX/EVEX: rex holds the equivalent REX.W/R/X/B bits (W only outside 64-bit
 *    mode), PFX_REX stays clear; opc_byte holds the escape bytes the map implies;
 *    vex_vvvv is un-inverted (EVEX.V' is bit 4); mandatory is VEX.pp; EVEX disp8
 *    is stored unscaled (disp8*N is the handler's business).
 *  - MOV to/from CR/DR ignores ModRM.mod (SDM: "always register"): mod reads 3.
 *  - In 64-bit mode near branches are f64 as on Intel CPUs: a 66 prefix neither
 *    shrinks the operand size nor the displacement (AMD honours it).
 */
#include "target/i386/cpu.h"
#include "target/i386/decode.h"
#include "target/i386/decode-tables.h"

#define MAX_INSN_LEN 15

typedef struct Cursor {
    const uint8_t *bytes;
    unsigned pos;
    unsigned limit;   /* MIN(avail, 15): bytes that may be read */
    bool short_input; /* avail < 15: hitting the limit means NEED_MORE */
    int err;          /* first DECODE_NEED_MORE or DECODE_TOO_LONG met, else 0 */
} Cursor;

static void cursor_init(Cursor *c, const uint8_t *bytes, size_t avail)
{
    c->bytes = bytes;
    c->pos = 0;
    c->short_input = avail < MAX_INSN_LEN;
    c->limit = c->short_input ? avail : MAX_INSN_LEN;
    c->err = 0;
}

/* Past the limit: pos stays put, so every later read lands here too. */
static uint8_t cursor_overrun(Cursor *c)
{
    if (!c->err) {
        c->err = c->short_input ? DECODE_NEED_MORE : DECODE_TOO_LONG;
    }
    return 0;
}

static uint8_t cursor_peek(Cursor *c)
{
    if (likely(c->pos < c->limit)) {
        return c->bytes[c->pos];
    }
    return cursor_overrun(c);
}

static uint8_t cursor_take(Cursor *c)
{
    if (likely(c->pos < c->limit)) {
        return c->bytes[c->pos++];
    }
    return cursor_overrun(c);
}

static uint64_t load_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

/* n (0, 1, 2, 4 or 8) little-endian bytes, sign-extended to 64 bits */
static uint64_t cursor_take_signed(Cursor *c, unsigned n)
{
    const uint8_t *p = c->bytes + c->pos;

    if (unlikely(c->pos + n > c->limit)) {
        c->pos = c->limit;
        return cursor_overrun(c);
    }
    c->pos += n;
    switch (n) {
    case 1: return (int8_t)p[0];
    case 2: return (int16_t)load_le(p, 2);
    case 4: return (int32_t)load_le(p, 4);
    case 8: return load_le(p, 8);
    default: return 0;
    }
}

/* ---- prefixes ---- */

typedef struct Prefixes {
    uint8_t seg;      /* last segment override (R_*), or 0xff */
    uint8_t last_rep; /* the last of F2/F3, or 0 */
} Prefixes;

/*
 * What each legacy prefix byte records: a PFX_* bit, or for segment overrides
 * PFX_SEG and the segment in the high byte.
 */
static const uint16_t legacy_prefix[256] = {
    [0x26] = PFX_SEG | R_ES << 8,
    [0x2e] = PFX_SEG | R_CS << 8,
    [0x36] = PFX_SEG | R_SS << 8,
    [0x3e] = PFX_SEG | R_DS << 8,
    [0x64] = PFX_SEG | R_FS << 8,
    [0x65] = PFX_SEG | R_GS << 8,
    [0x66] = PFX_OPSZ,
    [0x67] = PFX_ADSZ,
    [0xf0] = PFX_LOCK,
    [0xf2] = PFX_REPNE,
    [0xf3] = PFX_REP,
};

static void record_legacy_prefix(Insn *d, Prefixes *p, uint8_t b, unsigned what)
{
    if (what & PFX_SEG) {
        p->seg = what >> 8;
        return;
    }
    d->prefix |= what;
    if (what & (PFX_REP | PFX_REPNE)) {
        p->last_rep = b;
    }
}

/*
 * A REX counts only if it is the last prefix: a legacy prefix after it voids it.
 * Running out of bytes reads a 0, which is no prefix, and ends the loop.
 */
static void decode_prefixes(Insn *d, Cursor *c, Prefixes *p, int mode)
{
    for (;;) {
        uint8_t b = cursor_peek(c);
        unsigned what = legacy_prefix[b];
        if (what) {
            record_legacy_prefix(d, p, b, what);
            d->rex = 0;
        } else if (mode == DECODE_64 && (b & 0xf0) == 0x40) {
            d->rex = b;
        } else {
            break;
        }
        c->pos++;
    }
    if (d->rex) {
        d->prefix |= PFX_REX;
    }
}

static uint8_t mandatory_class(const Insn *d, const Prefixes *p)
{
    if (p->last_rep == 0xf3) {
        return MP_F3;
    }
    if (p->last_rep == 0xf2) {
        return MP_F2;
    }
    return (d->prefix & PFX_OPSZ) ? MP_66 : MP_NONE;
}

/* ---- sizes and segments ---- */

static uint8_t address_size(const Insn *d, int mode)
{
    static const uint8_t sizes[3][2] = {{2, 4}, {4, 2}, {8, 4}};

    return sizes[mode][!!(d->prefix & PFX_ADSZ)];
}

static uint8_t operand_size(const Insn *d, int mode, bool d64, bool f64)
{
    bool opsz = d->prefix & PFX_OPSZ;

    if (mode != DECODE_64) {
        return ((mode == DECODE_32) != opsz) ? 4 : 2;
    }
    if (f64 || (d->rex & 0x08)) {
        return 8;
    }
    if (opsz) {
        return 2;
    }
    return d64 ? 8 : 4;
}

/* In 64-bit mode only FS and GS overrides take effect (SDM 3.4.2.1). */
static void apply_segment(Insn *d, const Prefixes *p, int mode)
{
    if (p->seg == 0xff) {
        return;
    }
    if (mode == DECODE_64 && p->seg != R_FS && p->seg != R_GS) {
        return;
    }
    d->seg = p->seg;
    d->prefix |= PFX_SEG;
}

/* ---- ModRM, SIB, displacement ---- */

static uint8_t default_segment(uint8_t base)
{
    return (base == R_ESP || base == R_EBP) ? R_SS : R_DS;
}

/* 16-bit forms: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP] [BX] */
static void decode_ea16(Insn *d, Cursor *c)
{
    static const uint8_t base[8] = {R_EBX, R_EBX, R_EBP, R_EBP,
                                    R_ESI, R_EDI, R_EBP, R_EBX};
    static const uint8_t index[8] = {R_ESI,   R_EDI,   R_ESI,   R_EDI,
                                     EA_NONE, EA_NONE, EA_NONE, EA_NONE};
    static const uint8_t disp_bytes[3] = {0, 1, 2};
    unsigned rm = d->modrm & 7;

    d->index = index[rm];
    d->base = base[rm];
    if (d->mod == 0 && rm == 6) {
        d->base = EA_NONE;
        d->disp = (int16_t)cursor_take_signed(c, 2);
        return;
    }
    d->disp = (int32_t)cursor_take_signed(c, disp_bytes[d->mod]);
}

static void decode_sib(Insn *d, Cursor *c)
{
    uint8_t sib = cursor_take(c);
    uint8_t index = ((sib >> 3) & 7) | ((d->rex & 0x02) << 2);

    d->index = (index == R_ESP) ? EA_NONE : index;
    d->scale = (d->index == EA_NONE) ? 0 : sib >> 6;
    d->base = (sib & 7) | ((d->rex & 0x01) << 3);
    if ((sib & 7) == 5 && d->mod == 0) {
        d->base = EA_NONE;
        d->disp = (int32_t)cursor_take_signed(c, 4);
    }
}

static void decode_ea32(Insn *d, Cursor *c, int mode)
{
    static const uint8_t disp_bytes[3] = {0, 1, 4};
    unsigned rm = d->modrm & 7;

    d->base = d->rm;
    d->index = EA_NONE;
    if (rm == 4) {
        decode_sib(d, c);
    } else if (rm == 5 && d->mod == 0) {
        d->base = (mode == DECODE_64) ? EA_RIP : EA_NONE;
        d->disp = (int32_t)cursor_take_signed(c, 4);
    }
    if (d->mod != 0) {
        d->disp = (int32_t)cursor_take_signed(c, disp_bytes[d->mod]);
    }
}

static void read_modrm(Insn *d, Cursor *c, bool always_register)
{
    uint8_t m = cursor_take(c);

    d->has_modrm = 1;
    d->modrm = m;
    d->mod = always_register ? 3 : m >> 6;
    d->reg = ((m >> 3) & 7) | ((d->rex & 0x04) << 1);
    d->rm = (m & 7) | ((d->rex & 0x01) << 3);
}

/* The SIB and displacement that follow a memory-form ModRM. */
static void decode_address(Insn *d, Cursor *c, int mode)
{
    if (!d->has_modrm || d->mod == 3) {
        return;
    }
    if (d->addrsize == 2) {
        decode_ea16(d, c);
    } else {
        decode_ea32(d, c, mode);
    }
    d->seg = default_segment(d->base);
}

/* ---- immediates ---- */

static unsigned iz_bytes(const Insn *d)
{
    return d->opsize == 2 ? 2 : 4;
}

/* Sizes of the first and second immediate. */
static unsigned immediate_bytes(const Insn *d, unsigned kind, unsigned *second)
{
    *second = 0;
    /* most instructions: keep them off the jump table and its mispredictions */
    if (kind == IMM_NONE || kind == IMM_B) {
        return kind == IMM_B;
    }
    switch (kind) {
    case IMM_W: return 2;
    case IMM_Z: return iz_bytes(d);
    case IMM_V: return d->opsize;
    case IMM_MOFFS: return d->addrsize;
    case IMM_FAR: *second = 2; return iz_bytes(d);
    case IMM_ENTER: *second = 1; return 2;
    case IMM_GRP3:
        if (((d->modrm >> 3) & 7) > 1) {
            return 0;
        }
        return (d->opcode & 1) ? iz_bytes(d) : 1;
    default: return 0;
    }
}

static void decode_immediates(Insn *d, Cursor *c, unsigned kind)
{
    unsigned second;

    d->imm_size = immediate_bytes(d, kind, &second);
    d->imm = cursor_take_signed(c, d->imm_size);
    for (unsigned i = 0; i < second; i++) {
        d->imm2 |= cursor_take(c) << (8 * i);
    }
}

/* ---- validity ---- */

static bool group_form_defined(const GroupAttr *g, const Insn *d, int mode)
{
    unsigned reg = (d->modrm >> 3) & 7;

    if (d->mod != 3) {
        return (g->mem[d->mandatory] >> reg) & 1;
    }
    if (mode != DECODE_64 && ((g->reg64[d->mandatory] >> reg) & 1)) {
        return false;
    }
    return (g->reg[d->mandatory][reg] >> (d->modrm & 7)) & 1;
}

/* Whether this form (prefix class, memory or register operand) is defined. */
static bool form_defined(const OpAttr *a, const Insn *d, int mode)
{
    if (a->group) {
        /* REX.R does not extend a segment register: the CPU ignores it (Zen 3). */
        return group_form_defined(&decode_group_attr[a->group], d, mode);
    }
    unsigned mask = (d->has_modrm && d->mod != 3) ? a->ok : a->ok >> 4;

    return (mask >> d->mandatory) & 1;
}

/* Whether the opcode is defined for the mandatory prefix in either form. */
static bool opcode_defined(const OpAttr *a, const Insn *d, int mode)
{
    if (mode == DECODE_64 && (a->flags & A_NO64)) {
        return false;
    }
    return (a->ok >> d->mandatory) & 0x11;
}

/* ---- VEX and EVEX ---- */

/* Opcodes of VEX map 1 that take an ib (the shift groups, CMPPS, PINSRW, ...) */
static bool vex_map1_has_ib(uint8_t op)
{
    return (op >= 0x70 && op <= 0x73) || (op >= 0xc4 && op <= 0xc6) || op == 0xc2;
}

static void vex_finish(Insn *d, Cursor *c, int mode)
{
    static const uint8_t escape[4][2] = {{0, 0}, {0x0f, 0}, {0x0f, 0x38}, {0x0f, 0x3a}};
    unsigned n = d->map == MAP_0F ? 1 : 2;

    d->prefix |= PFX_VEX;
    d->opsize = (mode == DECODE_64 && (d->rex & 0x08)) ? 8 : 4;
    d->opcode = cursor_take(c);
    memcpy(d->opc_byte, escape[d->map], n);
    d->opc_byte[n] = d->opcode;
    if (!(d->map == MAP_0F && d->opcode == 0x77)) { /* VZEROUPPER/VZEROALL */
        read_modrm(d, c, false);
        decode_address(d, c, mode);
    }
    bool ib = d->map == MAP_0F3A || (d->map == MAP_0F && vex_map1_has_ib(d->opcode));
    decode_immediates(d, c, ib ? IMM_B : IMM_NONE);
}

/* REX.W/R/X/B from the inverted VEX/EVEX bits; only W means anything outside 64-bit. */
static uint8_t vex_rex(uint8_t rxb_inverted, uint8_t w, int mode)
{
    uint8_t rxb = (~rxb_inverted >> 5) & 7;

    if (mode != DECODE_64) {
        rxb = 0;
    }
    return 0x40 | (w << 3) | rxb;
}

/* The VEX/EVEX decoders return false on an encoding that is #UD whatever follows. */

static bool decode_vex2(Insn *d, Cursor *c, int mode)
{
    uint8_t b1 = cursor_take(c);

    d->rex = vex_rex((b1 & 0x80) | 0x60, 0, mode);
    d->vex_vvvv = (~b1 >> 3) & 15;
    d->vex_l = (b1 >> 2) & 1;
    d->mandatory = b1 & 3;
    d->map = MAP_0F;
    vex_finish(d, c, mode);
    return true;
}

static bool decode_vex3(Insn *d, Cursor *c, int mode)
{
    uint8_t b1 = cursor_take(c);
    uint8_t map = b1 & 0x1f;

    if (map < MAP_0F || map > MAP_0F3A) {
        return false;
    }
    uint8_t b2 = cursor_take(c);
    d->rex = vex_rex(b1, b2 >> 7, mode);
    d->vex_vvvv = (~b2 >> 3) & 15;
    d->vex_l = (b2 >> 2) & 1;
    d->mandatory = b2 & 3;
    d->map = map;
    vex_finish(d, c, mode);
    return true;
}

/* EVEX: 62 P0 P1 P2 (SDM 2.7.1); P0 bits 3:2 are zero and P1 bit 2 is one. */
static bool decode_evex(Insn *d, Cursor *c, int mode)
{
    uint8_t p0 = cursor_take(c);

    if ((p0 & 0x0c) || !(p0 & 3)) {
        return false;
    }
    uint8_t p1 = cursor_take(c);
    if (!(p1 & 0x04)) {
        return false;
    }
    uint8_t p2 = cursor_take(c);
    d->rex = vex_rex(p0, p1 >> 7, mode);
    d->vex_vvvv = ((~p1 >> 3) & 15) | (p2 & 0x08 ? 0 : 0x10);
    d->vex_l = (p2 >> 5) & 3;
    d->mandatory = p1 & 3;
    d->map = p0 & 3;
    vex_finish(d, c, mode);
    return true;
}

/*
 * C4, C5 and 62 are VEX/EVEX in 64-bit mode; elsewhere only when the next byte
 * would be a register-form ModRM, which LES, LDS and BOUND cannot take.
 */
static bool is_vex_escape(Cursor *c, uint8_t op, int mode)
{
    if (op != 0xc4 && op != 0xc5 && op != 0x62) {
        return false;
    }
    if (mode == DECODE_64) {
        return true;
    }
    return (cursor_peek(c) & 0xc0) == 0xc0;
}

/* VEX after 66, F2, F3, LOCK or REX is #UD (SDM 2.3.2). */
static bool decode_vex_family(Insn *d, Cursor *c, int mode, uint8_t op)
{
    if ((d->prefix & (PFX_OPSZ | PFX_REP | PFX_REPNE | PFX_LOCK)) || d->rex) {
        return false;
    }
    if (op == 0xc5) {
        return decode_vex2(d, c, mode);
    }
    return op == 0xc4 ? decode_vex3(d, c, mode) : decode_evex(d, c, mode);
}

/* ---- legacy opcodes ---- */

/* Reads 0F, 0F 38 and 0F 3A escapes; leaves the final opcode byte in d->opcode. */
static void decode_opcode_bytes(Insn *d, Cursor *c, uint8_t first)
{
    unsigned n = 0;

    d->opc_byte[n++] = first;
    d->opcode = first;
    d->map = MAP_NONE;
    if (first != 0x0f) {
        return;
    }
    d->opcode = d->opc_byte[n++] = cursor_take(c);
    d->map = MAP_0F;
    if (d->opcode == 0x38 || d->opcode == 0x3a) {
        d->map = d->opcode == 0x38 ? MAP_0F38 : MAP_0F3A;
        d->opcode = d->opc_byte[n++] = cursor_take(c);
    }
}

static void set_operand_size(Insn *d, const OpAttr *a, int mode)
{
    bool d64 = a->flags & A_D64, f64 = a->flags & A_F64;

    if (a->group && d->has_modrm) {
        unsigned reg = (d->modrm >> 3) & 7;
        d64 |= (decode_group_attr[a->group].d64 >> reg) & 1;
        f64 |= (decode_group_attr[a->group].f64 >> reg) & 1;
    }
    d->opsize = operand_size(d, mode, d64, f64);
}

/* Everything after the opcode: ModRM, operand size, validity, immediates. */
static int decode_legacy_operands(Insn *d, Cursor *c, int mode, const OpAttr *a)
{
    if (a->flags & A_MODRM) {
        read_modrm(d, c, a->flags & A_REGFORM);
    }
    if (c->err) {
        return c->err;
    }
    if (!form_defined(a, d, mode)) {
        return DECODE_INVALID;
    }
    set_operand_size(d, a, mode);
    decode_address(d, c, mode);
    decode_immediates(d, c, a->imm);
    return c->err;
}

static int decode_legacy(Insn *d, Cursor *c, int mode, uint8_t first)
{
    decode_opcode_bytes(d, c, first);
    if (c->err) {
        return c->err;
    }
    const OpAttr *a = &decode_op_attr[d->map][d->opcode];
    if (!opcode_defined(a, d, mode)) {
        return DECODE_INVALID;
    }
    return decode_legacy_operands(d, c, mode, a);
}

static int decode_body(Insn *d, Cursor *c, int mode)
{
    uint8_t first = cursor_take(c);

    if (c->err) {
        return c->err;
    }
    if (!is_vex_escape(c, first, mode)) {
        return decode_legacy(d, c, mode, first);
    }
    if (c->err) {
        return c->err;
    }
    if (!decode_vex_family(d, c, mode, first)) {
        return c->err ? c->err : DECODE_INVALID;
    }
    return c->err;
}

int decode_insn(Insn *d, const uint8_t *bytes, size_t avail, int mode)
{
    Cursor c;
    Prefixes p = {.seg = 0xff};

    cursor_init(&c, bytes, avail);
    memset(d, 0, sizeof(*d));
    d->seg = R_DS;
    d->base = d->index = EA_NONE;
    decode_prefixes(d, &c, &p, mode);
    d->mandatory = mandatory_class(d, &p);
    d->addrsize = address_size(d, mode);
    d->opsize = operand_size(d, mode, false, false);
    int ret = decode_body(d, &c, mode);
    apply_segment(d, &p, mode);
    d->len = c.pos;
    return ret;
}
