/* Differential tests of the integer families (alu, shift, muldiv, bitops) against the host CPU. */
/*
 * Each Spec names an instruction form; for every operand size it is run many times
 * with random and edge-case operands and incoming flags, once natively (GCC inline
 * asm, flags set with popf and read with pushf) and once through our handler, found
 * with insn_lookup() as the translator would. Registers: the r/m operand is RAX,
 * the reg operand RCX (RDX where CL is the count), MUL/DIV use RAX:RDX with RCX as
 * the source. An immediate form is checked against the host's register form with
 * RCX holding the (sign-extended) immediate: the semantics are the same.
 *
 * Flags and results the SDM leaves undefined are compared only on AMD Zen hosts,
 * whose behaviour the handlers reproduce; elsewhere they are masked.
 */
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

#define CASES_PER_FORM 3000

typedef struct HostRegs {
    uint64_t rax, rcx, rdx, flags;
} HostRegs;
typedef void HostFn(HostRegs *r);

/* Run one instruction natively. The red zone is skipped: pushf would clobber it. */
#define HOST_FN(id, text)                                                                \
    static void host_##id(HostRegs *r)                                                   \
    {                                                                                    \
        asm volatile("lea -128(%%rsp), %%rsp\n\tpush %3\n\tpopf\n\t" text                \
                     "\n\tpushf\n\tpop %3\n\tlea 128(%%rsp), %%rsp"                      \
                     : "+a"(r->rax), "+c"(r->rcx), "+d"(r->rdx), "+r"(r->flags)          \
                     :                                                                   \
                     : "cc", "memory");                                                  \
    }

/* Per size: op %rcx, %rax (AT&T order: source first). */
#define HOST_BIN(m)                                                                      \
    HOST_FN(m##_1, #m " %b1, %b0")                                                       \
    HOST_FN(m##_2, #m " %w1, %w0") HOST_FN(m##_4, #m " %k1, %k0")                        \
        HOST_FN(m##_8, #m " %q1, %q0")
#define HOST_BIN_V(m)                                                                    \
    HOST_FN(m##_2, #m " %w1, %w0")                                                       \
    HOST_FN(m##_4, #m " %k1, %k0") HOST_FN(m##_8, #m " %q1, %q0")
/* op %rax */
#define HOST_UN(m)                                                                       \
    HOST_FN(m##_1, #m " %b0")                                                            \
    HOST_FN(m##_2, #m " %w0") HOST_FN(m##_4, #m " %k0") HOST_FN(m##_8, #m " %q0")
/* op %rcx, with rAX/rDX implicit */
#define HOST_ACC(m)                                                                      \
    HOST_FN(m##_1, #m " %b1")                                                            \
    HOST_FN(m##_2, #m " %w1") HOST_FN(m##_4, #m " %k1") HOST_FN(m##_8, #m " %q1")
#define HOST_SHIFT(m)                                                                    \
    HOST_FN(m##_1, #m " %%cl, %b0")                                                      \
    HOST_FN(m##_2, #m " %%cl, %w0") HOST_FN(m##_4, #m " %%cl, %k0")                      \
        HOST_FN(m##_8, #m " %%cl, %q0") HOST_FN(m##1_1, #m " $1, %b0")                   \
            HOST_FN(m##1_2, #m " $1, %w0") HOST_FN(m##1_4, #m " $1, %k0")                \
                HOST_FN(m##1_8, #m " $1, %q0")
#define HOST_SHIFTD(m)                                                                   \
    HOST_FN(m##_2, #m " %%cl, %w2, %w0")                                                 \
    HOST_FN(m##_4, #m " %%cl, %k2, %k0") HOST_FN(m##_8, #m " %%cl, %q2, %q0")

HOST_BIN(add) HOST_BIN(or) HOST_BIN(adc) HOST_BIN(sbb) HOST_BIN(and) HOST_BIN(sub)
HOST_BIN(xor) HOST_BIN(cmp) HOST_BIN(test)
HOST_UN(inc) HOST_UN(dec) HOST_UN(neg) HOST_UN(not)
HOST_SHIFT(rol) HOST_SHIFT(ror) HOST_SHIFT(rcl) HOST_SHIFT(rcr) HOST_SHIFT(shl)
HOST_SHIFT(shr) HOST_SHIFT(sar)
HOST_SHIFTD(shld) HOST_SHIFTD(shrd)
HOST_ACC(mul) HOST_ACC(imul) HOST_ACC(div) HOST_ACC(idiv)
HOST_BIN_V(bt) HOST_BIN_V(bts) HOST_BIN_V(btr) HOST_BIN_V(btc)
HOST_BIN_V(bsf) HOST_BIN_V(bsr) HOST_BIN_V(popcnt)
/* imul %rcx, %rax */
HOST_FN(imul2_2, "imul %w1, %w0")
HOST_FN(imul2_4, "imul %k1, %k0")
HOST_FN(imul2_8, "imul %q1, %q0")
/* imul $imm, %rdx, %rax, with the immediate in RCX */
HOST_FN(imul3_2, "mov %w2, %w0\n\timul %w1, %w0")
HOST_FN(imul3_4, "mov %k2, %k0\n\timul %k1, %k0")
HOST_FN(imul3_8, "mov %q2, %q0\n\timul %q1, %q0")
/* bswap %ax has no assembler mnemonic */
HOST_FN(bswap_2, ".byte 0x66, 0x0f, 0xc8")
HOST_FN(bswap_4, "bswap %k0")
HOST_FN(bswap_8, "bswap %q0")

#define HOSTS(m)   {host_##m##_1, host_##m##_2, host_##m##_4, host_##m##_8}
#define HOSTS_V(m) {NULL, host_##m##_2, host_##m##_4, host_##m##_8}

/* Where the operands are (see the top comment). */
enum {
    SHAPE_RM_REG, /* Ev,Gv: r/m = RAX, reg = RCX (or the /digit) */
    SHAPE_REG_RM, /* Gv,Ev: reg = RAX, r/m = RCX */
    SHAPE_RM_RDX, /* SHLD Ev,Gv,CL: r/m = RAX, reg = RDX */
    SHAPE_RCX,    /* MUL/DIV Ev: r/m = RCX */
    SHAPE_IMUL3,  /* IMUL Gv,Ev,imm: reg = RAX, r/m = RDX */
    SHAPE_OPREG,  /* register in the opcode (40+r, 0F C8+r): RAX */
    SHAPE_ACC,    /* AL/rAX with an immediate */
};

/* Spec.kind: how to pick operands and which flags may be undefined. */
enum {
    KIND_PLAIN,
    KIND_SHIFT,
    KIND_ROTATE,
    KIND_SHIFTD,
    KIND_DIV,
    KIND_BSWAP,
    KIND_BITREG, /* BT* Ev,Gv: a memory operand takes offsets beyond it */
};

enum { IMM_NONE = 0, IMM_ONE = 1, IMM_B = 8, IMM_Z = 32 }; /* IMM_ONE: D0/D1 shifts */

typedef struct Spec {
    const char *mnemonic; /* as in the InsnDef */
    HostFn *host[4];      /* per operand size 1, 2, 4, 8; NULL if not encodable */
    uint8_t map;
    int16_t op_b, op_v;   /* opcode of the byte / the v form, -1 if none */
    int8_t ext;           /* ModRM.reg /digit, -1 if a register operand */
    uint8_t shape, kind, imm, mandatory;
    bool no64;
    uint32_t undef;       /* flags the SDM leaves undefined */
} Spec;

#define ARITH_SPECS(m, base, ext, undef)                                                 \
    {#m, HOSTS(m), MAP_NONE, (base), (base) + 1, -1, SHAPE_RM_REG, 0, 0, 0, 0, undef},   \
        {#m, HOSTS(m), MAP_NONE, (base) + 2, (base) + 3, -1, SHAPE_REG_RM, 0, 0, 0, 0,   \
         undef},                                                                         \
        {#m, HOSTS(m), MAP_NONE, (base) + 4, (base) + 5, -1, SHAPE_ACC, 0, IMM_Z, 0, 0,  \
         undef},                                                                         \
        {#m, HOSTS(m), MAP_NONE, 0x80, 0x81, ext, SHAPE_RM_REG, 0, IMM_Z, 0, 0, undef},  \
        {#m, HOSTS(m), MAP_NONE, -1, 0x83, ext, SHAPE_RM_REG, 0, IMM_B, 0, 0, undef},    \
        {#m, HOSTS(m), MAP_NONE, 0x82, -1, ext, SHAPE_RM_REG, 0, IMM_B, 0, true, undef}

#define SHIFT_SPECS(m, host, ext, kind)                                                  \
    {m, HOSTS(host), MAP_NONE, 0xd2, 0xd3, ext, SHAPE_RM_REG, kind, 0, 0, 0, 0},         \
        {m, HOSTS(host), MAP_NONE, 0xc0, 0xc1, ext, SHAPE_RM_REG, kind, IMM_B, 0, 0, 0}, \
        {m, HOSTS(host##1), MAP_NONE, 0xd0, 0xd1, ext, SHAPE_RM_REG, kind, IMM_ONE, 0, 0, 0}

#define UNDEF_MUL (CC_S | CC_Z | CC_A | CC_P)
#define UNDEF_BT  (CC_O | CC_S | CC_A | CC_P)
#define UNDEF_BSF (CC_C | CC_O | CC_S | CC_A | CC_P)

static const Spec specs[] = {
    ARITH_SPECS(add, 0x00, 0, 0),
    ARITH_SPECS(or, 0x08, 1, CC_A),
    ARITH_SPECS(adc, 0x10, 2, 0),
    ARITH_SPECS(sbb, 0x18, 3, 0),
    ARITH_SPECS(and, 0x20, 4, CC_A),
    ARITH_SPECS(sub, 0x28, 5, 0),
    ARITH_SPECS(xor, 0x30, 6, CC_A),
    ARITH_SPECS(cmp, 0x38, 7, 0),
    {"test", HOSTS(test), MAP_NONE, 0x84, 0x85, -1, SHAPE_RM_REG, 0, 0, 0, 0, CC_A},
    {"test", HOSTS(test), MAP_NONE, 0xa8, 0xa9, -1, SHAPE_ACC, 0, IMM_Z, 0, 0, CC_A},
    {"test", HOSTS(test), MAP_NONE, 0xf6, 0xf7, 0, SHAPE_RM_REG, 0, IMM_Z, 0, 0, CC_A},
    {"test", HOSTS(test), MAP_NONE, 0xf6, 0xf7, 1, SHAPE_RM_REG, 0, IMM_Z, 0, 0, CC_A},
    {"not", HOSTS(not), MAP_NONE, 0xf6, 0xf7, 2, SHAPE_RM_REG, 0, 0, 0, 0, 0},
    {"neg", HOSTS(neg), MAP_NONE, 0xf6, 0xf7, 3, SHAPE_RM_REG, 0, 0, 0, 0, 0},
    {"inc", HOSTS(inc), MAP_NONE, 0xfe, 0xff, 0, SHAPE_RM_REG, 0, 0, 0, 0, 0},
    {"dec", HOSTS(dec), MAP_NONE, 0xfe, 0xff, 1, SHAPE_RM_REG, 0, 0, 0, 0, 0},
    {"inc", HOSTS_V(inc), MAP_NONE, -1, 0x40, -1, SHAPE_OPREG, 0, 0, 0, true, 0},
    {"dec", HOSTS_V(dec), MAP_NONE, -1, 0x48, -1, SHAPE_OPREG, 0, 0, 0, true, 0},
    SHIFT_SPECS("rol", rol, 0, KIND_ROTATE),
    SHIFT_SPECS("ror", ror, 1, KIND_ROTATE),
    SHIFT_SPECS("rcl", rcl, 2, KIND_ROTATE),
    SHIFT_SPECS("rcr", rcr, 3, KIND_ROTATE),
    SHIFT_SPECS("shl", shl, 4, KIND_SHIFT),
    SHIFT_SPECS("shr", shr, 5, KIND_SHIFT),
    SHIFT_SPECS("sal", shl, 6, KIND_SHIFT),
    SHIFT_SPECS("sar", sar, 7, KIND_SHIFT),
    {"shld", HOSTS_V(shld), MAP_0F, -1, 0xa5, -1, SHAPE_RM_RDX, KIND_SHIFTD, 0, 0, 0, 0},
    {"shld", HOSTS_V(shld), MAP_0F, -1, 0xa4, -1, SHAPE_RM_RDX, KIND_SHIFTD, IMM_B, 0, 0,
     0},
    {"shrd", HOSTS_V(shrd), MAP_0F, -1, 0xad, -1, SHAPE_RM_RDX, KIND_SHIFTD, 0, 0, 0, 0},
    {"shrd", HOSTS_V(shrd), MAP_0F, -1, 0xac, -1, SHAPE_RM_RDX, KIND_SHIFTD, IMM_B, 0, 0,
     0},
    {"mul", HOSTS(mul), MAP_NONE, 0xf6, 0xf7, 4, SHAPE_RCX, 0, 0, 0, 0, UNDEF_MUL},
    {"imul", HOSTS(imul), MAP_NONE, 0xf6, 0xf7, 5, SHAPE_RCX, 0, 0, 0, 0, UNDEF_MUL},
    {"div", HOSTS(div), MAP_NONE, 0xf6, 0xf7, 6, SHAPE_RCX, KIND_DIV, 0, 0, 0, CC_ARITH},
    {"idiv", HOSTS(idiv), MAP_NONE, 0xf6, 0xf7, 7, SHAPE_RCX, KIND_DIV, 0, 0, 0, CC_ARITH},
    {"imul", HOSTS_V(imul2), MAP_0F, -1, 0xaf, -1, SHAPE_REG_RM, 0, 0, 0, 0, UNDEF_MUL},
    {"imul", HOSTS_V(imul3), MAP_NONE, -1, 0x69, -1, SHAPE_IMUL3, 0, IMM_Z, 0, 0,
     UNDEF_MUL},
    {"imul", HOSTS_V(imul3), MAP_NONE, -1, 0x6b, -1, SHAPE_IMUL3, 0, IMM_B, 0, 0,
     UNDEF_MUL},
    {"bt", HOSTS_V(bt), MAP_0F, -1, 0xa3, -1, SHAPE_RM_REG, KIND_BITREG, 0, 0, 0,
     UNDEF_BT},
    {"bts", HOSTS_V(bts), MAP_0F, -1, 0xab, -1, SHAPE_RM_REG, KIND_BITREG, 0, 0, 0,
     UNDEF_BT},
    {"btr", HOSTS_V(btr), MAP_0F, -1, 0xb3, -1, SHAPE_RM_REG, KIND_BITREG, 0, 0, 0,
     UNDEF_BT},
    {"btc", HOSTS_V(btc), MAP_0F, -1, 0xbb, -1, SHAPE_RM_REG, KIND_BITREG, 0, 0, 0,
     UNDEF_BT},
    {"bt", HOSTS_V(bt), MAP_0F, -1, 0xba, 4, SHAPE_RM_REG, 0, IMM_B, 0, 0, UNDEF_BT},
    {"bts", HOSTS_V(bts), MAP_0F, -1, 0xba, 5, SHAPE_RM_REG, 0, IMM_B, 0, 0, UNDEF_BT},
    {"btr", HOSTS_V(btr), MAP_0F, -1, 0xba, 6, SHAPE_RM_REG, 0, IMM_B, 0, 0, UNDEF_BT},
    {"btc", HOSTS_V(btc), MAP_0F, -1, 0xba, 7, SHAPE_RM_REG, 0, IMM_B, 0, 0, UNDEF_BT},
    {"bsf", HOSTS_V(bsf), MAP_0F, -1, 0xbc, -1, SHAPE_REG_RM, 0, 0, 0, 0, UNDEF_BSF},
    {"bsr", HOSTS_V(bsr), MAP_0F, -1, 0xbd, -1, SHAPE_REG_RM, 0, 0, 0, 0, UNDEF_BSF},
    /* F3 0F BC/BD (TZCNT/LZCNT on the host) must act as BSF/BSR: we lack BMI1/LZCNT */
    {"bsf", HOSTS_V(bsf), MAP_0F, -1, 0xbc, -1, SHAPE_REG_RM, 0, 0, MP_F3, 0, UNDEF_BSF},
    {"bsr", HOSTS_V(bsr), MAP_0F, -1, 0xbd, -1, SHAPE_REG_RM, 0, 0, MP_F3, 0, UNDEF_BSF},
    {"popcnt", HOSTS_V(popcnt), MAP_0F, -1, 0xb8, -1, SHAPE_REG_RM, 0, 0, MP_F3, 0, 0},
    {"bswap", HOSTS_V(bswap), MAP_0F, -1, 0xc8, -1, SHAPE_OPREG, KIND_BSWAP, 0, 0, 0, 0},
};

/* Compare what the SDM leaves undefined? Only on the CPUs we model: AMD Zen. */
static bool host_is_zen(void)
{
    unsigned a = 0, b = 0, c = 0, d = 0, family;

    if (!__get_cpuid(0, &a, &b, &c, &d) || b != 0x68747541 || d != 0x69746e65 ||
        c != 0x444d4163) { /* "AuthenticAMD" */
        return false;
    }
    __get_cpuid(1, &a, &b, &c, &d);
    family = ((a >> 8) & 0xf) + ((a >> 20) & 0xff);
    return family >= 0x17;
}

static bool strict;

/* --- operands --- */

static uint64_t edge_value(GRand *rng)
{
    static const uint64_t edges[] = {
        0, 1, 2, 6, 9, 0xa, 0xf, 0x10, 0x1f, 0x20, 0x3f, 0x40, 0x7f, 0x80, 0x99, 0xff,
        0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
        0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
    };
    uint64_t v = edges[g_rand_int_range(rng, 0, ARRAY_SIZE(edges))];

    switch (g_rand_int_range(rng, 0, 4)) {
    case 0: return v;
    case 1: return -v;
    case 2: return v - 1;
    default: return ~v;
    }
}

static uint64_t rand64(GRand *rng)
{
    return (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
}

static uint64_t gen_value(GRand *rng)
{
    switch (g_rand_int_range(rng, 0, 4)) {
    case 0: return edge_value(rng);
    case 1: return rand64(rng) >> g_rand_int_range(rng, 0, 64);
    default: return rand64(rng);
    }
}

static uint64_t sign_extend(uint64_t v, unsigned bits)
{
    return bits >= 64 ? v : (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

/* Encoded immediate width: Iz is 16 bits with a 16-bit operand, Ib for byte forms. */
static unsigned imm_bits(const Spec *sp, unsigned size)
{
    if (sp->imm != IMM_Z) {
        return sp->imm == IMM_ONE ? 0 : sp->imm;
    }
    return size == 1 ? 8 : size == 2 ? 16 : 32;
}

/* Dividends whose quotient fits most of the time, so #DE stays the exception. */
static void gen_dividend(const Spec *sp, unsigned size, GRand *rng, HostRegs *in)
{
    uint64_t divisor = in->rcx & size_mask(size);
    bool is_signed = sp->ext == 7;
    unsigned hi_shift = size == 1 ? 8 : 0;
    uint64_t hi;

    if (g_rand_int_range(rng, 0, 4) == 0 || divisor == 0) {
        return;
    }
    if (is_signed) {
        hi = (int64_t)sign_extend(in->rax, size * 8) < 0 ? -1 : 0;
    } else {
        hi = (rand64(rng) & size_mask(size)) % divisor;
    }
    if (size == 1) {
        in->rax = (in->rax & ~0xff00ull) | ((hi & 0xff) << hi_shift);
    } else {
        in->rdx = hi;
    }
}

static void gen_operands(const Spec *sp, unsigned size, GRand *rng, HostRegs *in)
{
    in->rax = gen_value(rng);
    in->rcx = gen_value(rng);
    in->rdx = gen_value(rng);
    in->flags = (g_rand_int(rng) & CC_ARITH) | EFLAGS_FIXED;
    if (sp->kind == KIND_SHIFTD && g_rand_boolean(rng)) {
        in->rcx = g_rand_int_range(rng, 0, 34);
    }
    if (sp->kind == KIND_DIV) {
        gen_dividend(sp, size, rng, in);
    }
    if (sp->imm == IMM_ONE) {
        in->rcx = 1;
    } else if (sp->imm) {
        in->rcx = sign_extend(in->rcx, imm_bits(sp, size));
    }
}

/* --- the emulated side --- */

static Insn make_insn(const Spec *sp, unsigned size)
{
    Insn d = {0};
    static const uint8_t rm_of[] = {
        [SHAPE_RM_REG] = R_EAX, [SHAPE_REG_RM] = R_ECX, [SHAPE_RM_RDX] = R_EAX,
        [SHAPE_RCX] = R_ECX,    [SHAPE_IMUL3] = R_EDX,  [SHAPE_OPREG] = R_EAX,
        [SHAPE_ACC] = R_EAX,
    };
    static const uint8_t reg_of[] = {
        [SHAPE_RM_REG] = R_ECX, [SHAPE_REG_RM] = R_EAX, [SHAPE_RM_RDX] = R_EDX,
        [SHAPE_RCX] = 0,        [SHAPE_IMUL3] = R_EAX,  [SHAPE_OPREG] = 0,
        [SHAPE_ACC] = R_ECX,
    };

    d.map = sp->map;
    d.opcode = size == 1 ? sp->op_b : sp->op_v;
    d.opsize = size == 1 ? 4 : size;
    d.addrsize = 8;
    d.seg = R_DS;
    d.has_modrm = sp->shape != SHAPE_OPREG;
    d.mod = 3;
    d.rm = rm_of[sp->shape];
    d.reg = sp->ext >= 0 ? sp->ext : reg_of[sp->shape];
    d.base = d.index = EA_NONE;
    d.imm_size = imm_bits(sp, size) / 8;
    d.mandatory = sp->mandatory ? sp->mandatory : size == 2 && sp->map ? MP_66 : MP_NONE;
    d.prefix = size == 2 ? PFX_OPSZ : 0;
    if (size == 8) {
        d.rex = 0x48;
        d.prefix |= PFX_REX;
    }
    d.modrm = 0xc0 | (d.reg & 7) << 3 | (d.rm & 7);
    return d;
}

/*
 * Guest memory for memory operands: two pages at GUEST_BASE, mapped straight onto
 * guest_mem through software-TLB entries, so no MMU is involved.
 */
#define GUEST_BASE    0x10000
#define GUEST_OPERAND (GUEST_BASE + PAGE_SIZE)
static uint8_t guest_mem[2 * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static void map_guest_memory(CPUX86State *env)
{
    memset(env->tlb, 0xff, sizeof(env->tlb));
    for (int i = 0; i < 2; i++) {
        uint64_t lin = GUEST_BASE + i * PAGE_SIZE;
        TLBEntry *e = &env->tlb[(lin >> PAGE_BITS) & (TLB_SIZE - 1)];
        e->tag_read = e->tag_write = lin;
        e->addend = (uintptr_t)guest_mem - GUEST_BASE;
    }
    env->seg_ok_read = env->seg_ok_write = (1u << NR_SEGS) - 1;
}

static CPUX86State *new_env(void)
{
    CPUX86State *env = g_new0(CPUX86State, 1);

    env->hflags = HF_CS64 | HF_LMA | HF_PE | HF_CS32 | HF_SS32;
    map_guest_memory(env);
    return env;
}

/* Turn the r/m operand into [GUEST_OPERAND] (mod 0, disp32 without base). */
static void make_memory_operand(Insn *d)
{
    d->mod = 0;
    d->rm = 4;
    d->base = d->index = EA_NONE;
    d->disp = GUEST_OPERAND;
    d->modrm = (d->modrm & 0x38) | 4;
}

static uint64_t *reg_slot(HostRegs *r, unsigned reg)
{
    return reg == R_EAX ? &r->rax : reg == R_ECX ? &r->rcx : &r->rdx;
}

/*
 * Run the handler; returns the exception vector, or -1. With mem_reg >= 0 the r/m
 * operand lives in guest memory, initialised from that register; afterwards the
 * register must be untouched and its reported value takes the operand's low bytes.
 */
static int emu_run(CPUX86State *env, const InsnDef *def, const Insn *d,
                   const HostRegs *in, HostRegs *out, int mem_reg, unsigned size)
{
    HostRegs regs = *in;

    env->regs[R_EAX] = in->rax;
    env->regs[R_ECX] = in->rcx;
    env->regs[R_EDX] = in->rdx;
    if (mem_reg >= 0) {
        memcpy(guest_mem + PAGE_SIZE, reg_slot(&regs, mem_reg), 8);
    }
    cc_set_flags(env, in->flags, CC_ARITH);
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    def->fn(env, d);
    out->rax = env->regs[R_EAX];
    out->rcx = env->regs[R_ECX];
    out->rdx = env->regs[R_EDX];
    out->flags = cpu_get_eflags(env);
    if (mem_reg >= 0) {
        uint64_t *slot = reg_slot(out, mem_reg), operand;
        memcpy(&operand, guest_mem + PAGE_SIZE, 8);
        *slot = *slot == *reg_slot(&regs, mem_reg) ? operand : ~operand;
    }
    return -1;
}

/* --- the host side --- */

static sigjmp_buf host_fault;

static void on_sigfpe(int sig)
{
    siglongjmp(host_fault, 1);
}

/* Returns false if the instruction faulted (#DE). */
static bool host_run(HostFn *fn, HostRegs *r)
{
    if (sigsetjmp(host_fault, 1)) {
        return false;
    }
    fn(r);
    return true;
}

/* --- comparing --- */

/* Undefined flags for this count (shifts), or the Spec's fixed set. */
static uint32_t undefined_flags(const Spec *sp, unsigned size, const HostRegs *in)
{
    unsigned count = in->rcx & (size == 8 ? 63 : 31);

    switch (sp->kind) {
    case KIND_SHIFT:
        return count == 0 ? 0 : CC_A | (count > 1 ? CC_O : 0) | (count >= size * 8 ? CC_C : 0);
    case KIND_ROTATE:
        return count > 1 ? CC_O : 0;
    case KIND_SHIFTD:
        return count == 0 ? 0 : count > size * 8 ? CC_ARITH : CC_A | (count > 1 ? CC_O : 0);
    default:
        return sp->undef;
    }
}

static bool result_undefined(const Spec *sp, unsigned size, const HostRegs *in)
{
    unsigned count = in->rcx & (size == 8 ? 63 : 31);

    return (sp->kind == KIND_BSWAP && size == 2) ||
           (sp->kind == KIND_SHIFTD && count > size * 8);
}

static bool same_state(const Spec *sp, unsigned size, const HostRegs *in,
                       const HostRegs *host, const HostRegs *emu)
{
    uint32_t mask = CC_ARITH & ~(strict ? 0 : undefined_flags(sp, size, in));
    bool regs_defined = strict || !result_undefined(sp, size, in);

    if (((host->flags ^ emu->flags) & mask) != 0) {
        return false;
    }
    return !regs_defined ||
           (host->rax == emu->rax && host->rcx == emu->rcx && host->rdx == emu->rdx);
}

static void report(const Spec *sp, unsigned size, const HostRegs *in, const HostRegs *host,
                   const HostRegs *emu, int emu_fault, bool host_ok)
{
    g_test_message("%s op %02x/%02x ext %d size %u: in rax=%016" PRIx64 " rcx=%016" PRIx64
                   " rdx=%016" PRIx64 " fl=%03" PRIx64,
                   sp->mnemonic, sp->op_b & 0xff, sp->op_v & 0xff, sp->ext, size, in->rax,
                   in->rcx, in->rdx, in->flags & CC_ARITH);
    g_test_message("  host %s rax=%016" PRIx64 " rcx=%016" PRIx64 " rdx=%016" PRIx64
                   " fl=%03" PRIx64,
                   host_ok ? "ok" : "#DE", host->rax, host->rcx, host->rdx,
                   host->flags & CC_ARITH);
    g_test_message("  emu  exc=%d rax=%016" PRIx64 " rcx=%016" PRIx64 " rdx=%016" PRIx64
                   " fl=%03" PRIx64,
                   emu_fault, emu->rax, emu->rcx, emu->rdx, emu->flags & CC_ARITH);
}

/* A 32-bit register destination is zero-extended; the same operand in memory is not. */
static void drop_zero_extension(HostRegs *host, int mem_reg, unsigned size)
{
    if (mem_reg >= 0 && size == 4) {
        *reg_slot(host, mem_reg) &= size_mask(4);
    }
}

static void emu_drop_upper(HostRegs *emu, int mem_reg, unsigned size)
{
    if (mem_reg >= 0 && size == 4) {
        *reg_slot(emu, mem_reg) &= size_mask(4);
    }
}

/* Returns the number of mismatches (reporting the first few). */
static unsigned run_form(CPUX86State *env, const Spec *sp, unsigned size, bool memory,
                         GRand *rng)
{
    Insn d = make_insn(sp, size);
    const InsnDef *def = insn_lookup(&d, !sp->no64);
    int mem_reg = memory ? d.rm : -1;
    unsigned bad = 0;

    g_assert_nonnull(def);
    g_assert_cmpstr(def->name, ==, sp->mnemonic);
    if (memory) {
        make_memory_operand(&d);
    }
    for (int i = 0; i < CASES_PER_FORM; i++) {
        HostRegs in, host, emu = {0};
        gen_operands(sp, size, rng, &in);
        if (memory && sp->kind == KIND_BITREG) {
            in.rcx &= size * 8 - 1; /* offsets beyond the operand: test_bt_memory */
        }
        d.imm = in.rcx;
        host = in;
        bool host_ok = host_run(sp->host[cc_size_idx(size)], &host);
        int fault = emu_run(env, def, &d, &in, &emu, mem_reg, size);
        drop_zero_extension(&host, mem_reg, size);
        emu_drop_upper(&emu, mem_reg, size);
        bool same = host_ok ? fault < 0 && same_state(sp, size, &in, &host, &emu)
                            : fault == EXCP_DE;
        if (!same && bad++ < 5) {
            report(sp, size, &in, &host, &emu, fault, host_ok);
        }
    }
    return bad;
}

static unsigned run_spec(CPUX86State *env, const Spec *sp, GRand *rng)
{
    static const unsigned sizes[] = {1, 2, 4, 8};
    bool has_memory_form = sp->shape != SHAPE_OPREG && sp->shape != SHAPE_ACC;
    unsigned bad = 0;

    for (int s = 0; s < 4; s++) {
        int16_t opcode = sizes[s] == 1 ? sp->op_b : sp->op_v;
        if (opcode < 0 || !sp->host[s]) {
            continue;
        }
        bad += run_form(env, sp, sizes[s], false, rng);
        if (has_memory_form) {
            bad += run_form(env, sp, sizes[s], true, rng);
        }
    }
    return bad;
}

static void test_differential(void)
{
    CPUX86State *env = new_env();
    GRand *rng = g_rand_new_with_seed(0x5eed);
    unsigned bad = 0;

    for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
        bad += run_spec(env, &specs[i], rng);
    }
    g_rand_free(rng);
    g_free(env);
    g_assert_cmpuint(bad, ==, 0);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_handler = on_sigfpe};

    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, NULL);
    strict = host_is_zen();
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/alu/differential", test_differential);
    return g_test_run();
}
