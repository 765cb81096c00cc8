/* Integer families (alu, shift, muldiv, bitops, bcd) tested against the host CPU. */
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
#include <sys/mman.h>
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
    }                                                                                    \
    _Static_assert(1, "a use of HOST_FN takes a semicolon")

/* clang-format off */
/* Per size: op %rcx, %rax (AT&T order: source first). */
#define HOST_BIN(m) \
    HOST_FN(m##_1, #m " %b1, %b0"); HOST_FN(m##_2, #m " %w1, %w0"); \
    HOST_FN(m##_4, #m " %k1, %k0"); HOST_FN(m##_8, #m " %q1, %q0")
#define HOST_BIN_V(m) \
    HOST_FN(m##_2, #m " %w1, %w0"); HOST_FN(m##_4, #m " %k1, %k0"); \
    HOST_FN(m##_8, #m " %q1, %q0")
/* op %rax */
#define HOST_UN(m) \
    HOST_FN(m##_1, #m " %b0"); HOST_FN(m##_2, #m " %w0"); \
    HOST_FN(m##_4, #m " %k0"); HOST_FN(m##_8, #m " %q0")
/* op %rcx, with rAX/rDX implicit */
#define HOST_ACC(m) \
    HOST_FN(m##_1, #m " %b1"); HOST_FN(m##_2, #m " %w1"); \
    HOST_FN(m##_4, #m " %k1"); HOST_FN(m##_8, #m " %q1")
/* op %cl, %rax and op $1, %rax (host_shl1_4 ...) */
#define HOST_SHIFT(m) \
    HOST_FN(m##_1, #m " %%cl, %b0"); HOST_FN(m##_2, #m " %%cl, %w0"); \
    HOST_FN(m##_4, #m " %%cl, %k0"); HOST_FN(m##_8, #m " %%cl, %q0"); \
    HOST_FN(m##1_1, #m " $1, %b0"); HOST_FN(m##1_2, #m " $1, %w0"); \
    HOST_FN(m##1_4, #m " $1, %k0"); HOST_FN(m##1_8, #m " $1, %q0")
/* op %cl, %rdx, %rax */
#define HOST_SHIFTD(m) \
    HOST_FN(m##_2, #m " %%cl, %w2, %w0"); HOST_FN(m##_4, #m " %%cl, %k2, %k0"); \
    HOST_FN(m##_8, #m " %%cl, %q2, %q0")

HOST_BIN(add);
HOST_BIN(or);
HOST_BIN(adc);
HOST_BIN(sbb);
HOST_BIN(and);
HOST_BIN(sub);
HOST_BIN(xor);
HOST_BIN(cmp);
HOST_BIN(test);
HOST_UN(inc);
HOST_UN(dec);
HOST_UN(neg);
HOST_UN(not);
HOST_SHIFT(rol);
HOST_SHIFT(ror);
HOST_SHIFT(rcl);
HOST_SHIFT(rcr);
HOST_SHIFT(shl);
HOST_SHIFT(shr);
HOST_SHIFT(sar);
HOST_SHIFTD(shld);
HOST_SHIFTD(shrd);
HOST_ACC(mul);
HOST_ACC(imul);
HOST_ACC(div);
HOST_ACC(idiv);
HOST_BIN_V(bt);
HOST_BIN_V(bts);
HOST_BIN_V(btr);
HOST_BIN_V(btc);
HOST_BIN_V(bsf);
HOST_BIN_V(bsr);
HOST_BIN_V(popcnt);
/* imul %rcx, %rax */
HOST_FN(imul2_2, "imul %w1, %w0");
HOST_FN(imul2_4, "imul %k1, %k0");
HOST_FN(imul2_8, "imul %q1, %q0");
/* imul $imm, %rdx, %rax, with the immediate in RCX */
HOST_FN(imul3_2, "mov %w2, %w0\n\timul %w1, %w0");
HOST_FN(imul3_4, "mov %k2, %k0\n\timul %k1, %k0");
HOST_FN(imul3_8, "mov %q2, %q0\n\timul %q1, %q0");
/* bswap %ax has no assembler mnemonic */
HOST_FN(bswap_2, ".byte 0x66, 0x0f, 0xc8");
HOST_FN(bswap_4, "bswap %k0");
HOST_FN(bswap_8, "bswap %q0");

/* op %rcx, (%rdx): bit offsets that reach outside the operand */
#define HOST_BTMEM(m) \
    HOST_FN(m##m_2, #m " %w1, (%2)"); HOST_FN(m##m_4, #m " %k1, (%2)"); \
    HOST_FN(m##m_8, #m " %q1, (%2)")
HOST_BTMEM(bt);
HOST_BTMEM(bts);
HOST_BTMEM(btr);
HOST_BTMEM(btc);
/* add %ch, %ah: the legacy high-byte registers */
HOST_FN(add_high, "add %%ch, %%ah");

#define HOSTS(m)   {host_##m##_1, host_##m##_2, host_##m##_4, host_##m##_8}
#define HOSTS_V(m) {NULL, host_##m##_2, host_##m##_4, host_##m##_8}
/* clang-format on */

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
    int16_t op_b, op_v; /* opcode of the byte / the v form, -1 if none */
    int8_t ext;         /* ModRM.reg /digit, -1 if a register operand */
    uint8_t shape, kind, imm, mandatory;
    bool no64;
    uint32_t undef; /* flags the SDM leaves undefined */
} Spec;

#define ARITH_SPECS(m, base, ext, undef)                                                 \
    {#m, HOSTS(m), MAP_NONE, (base), (base) + 1, -1, SHAPE_RM_REG, 0, 0, 0, 0, undef},   \
        {#m,           HOSTS(m), MAP_NONE, (base) + 2, (base) + 3, -1,                   \
         SHAPE_REG_RM, 0,        0,        0,          0,          undef},               \
        {#m,        HOSTS(m), MAP_NONE, (base) + 4, (base) + 5, -1,                      \
         SHAPE_ACC, 0,        IMM_Z,    0,          0,          undef},                  \
        {#m, HOSTS(m), MAP_NONE, 0x80, 0x81, ext, SHAPE_RM_REG, 0, IMM_Z, 0, 0, undef},  \
        {#m, HOSTS(m), MAP_NONE, -1, 0x83, ext, SHAPE_RM_REG, 0, IMM_B, 0, 0, undef},    \
    {                                                                                    \
#m, HOSTS(m), MAP_NONE, 0x82, -1, ext, SHAPE_RM_REG, 0, IMM_B, 0, true, undef    \
    }

#define SHIFT_SPECS(m, host, ext, kind)                                                  \
    {m, HOSTS(host), MAP_NONE, 0xd2, 0xd3, ext, SHAPE_RM_REG, kind, 0, 0, 0, 0},         \
        {m, HOSTS(host), MAP_NONE, 0xc0, 0xc1, ext, SHAPE_RM_REG, kind, IMM_B, 0, 0, 0}, \
    {                                                                                    \
        m, HOSTS(host##1), MAP_NONE, 0xd0, 0xd1, ext, SHAPE_RM_REG, kind, IMM_ONE, 0, 0, \
            0                                                                            \
    }

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
    {"not", HOSTS(not ), MAP_NONE, 0xf6, 0xf7, 2, SHAPE_RM_REG, 0, 0, 0, 0, 0},
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
    {"idiv", HOSTS(idiv), MAP_NONE, 0xf6, 0xf7, 7, SHAPE_RCX, KIND_DIV, 0, 0, 0,
     CC_ARITH},
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
        0,
        1,
        2,
        6,
        9,
        0xa,
        0xf,
        0x10,
        0x1f,
        0x20,
        0x3f,
        0x40,
        0x7f,
        0x80,
        0x99,
        0xff,
        0x100,
        0x7fff,
        0x8000,
        0xffff,
        0x10000,
        0x7fffffff,
        0x80000000,
        0xffffffff,
        0x100000000ull,
        0x7fffffffffffffffull,
        0x8000000000000000ull,
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
    for (int seg = 0; seg < NR_SEGS; seg++) {
        env->seg_max[seg] = ~0ull;
    }
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
        return count == 0
                   ? 0
                   : CC_A | (count > 1 ? CC_O : 0) | (count >= size * 8 ? CC_C : 0);
    case KIND_ROTATE: return count > 1 ? CC_O : 0;
    case KIND_SHIFTD:
        return count == 0         ? 0
               : count > size * 8 ? CC_ARITH
                                  : CC_A | (count > 1 ? CC_O : 0);
    default: return sp->undef;
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

static void report(const Spec *sp, unsigned size, const HostRegs *in,
                   const HostRegs *host, const HostRegs *emu, int emu_fault, bool host_ok)
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

/* One instruction on explicit registers, for the tests below. */
static void emu_exec(CPUX86State *env, Insn *d, bool mode64)
{
    const InsnDef *def = insn_lookup(d, mode64);

    g_assert_nonnull(def);
    def->fn(env, d);
}

static Insn reg_insn(uint8_t map, uint8_t opcode, unsigned size, unsigned reg,
                     unsigned rm)
{
    Spec sp = {.map = map, .op_b = opcode, .op_v = opcode, .ext = reg};
    Insn d = make_insn(&sp, size);

    d.rm = rm;
    d.modrm = (d.modrm & ~7) | (rm & 7);
    return d;
}

/* BT* Ev,Gv with memory: the signed offset selects any word around the operand. */
static unsigned bt_memory_case(CPUX86State *env, HostFn *host_fn, Insn *d, unsigned size,
                               GRand *rng)
{
    static uint8_t host_mem[2 * PAGE_SIZE];
    int64_t offset =
        g_rand_int_range(rng, -8 * ((int)PAGE_SIZE - 8), 8 * ((int)PAGE_SIZE - 8));
    uint64_t garbage = size == 8 ? 0 : rand64(rng) & ~size_mask(size);
    HostRegs in = {0, garbage | ((uint64_t)offset & size_mask(size)),
                   (uintptr_t)(host_mem + PAGE_SIZE), (g_rand_int(rng) & CC_ARITH) | 2};
    HostRegs host = in;
    uint32_t mask = strict ? CC_ARITH : CC_C;

    if (size == 2) {
        offset = (int16_t)offset;
    }
    for (size_t i = 0; i < sizeof(host_mem); i++) {
        host_mem[i] = guest_mem[i] = g_rand_int(rng);
    }
    host_fn(&host);
    env->regs[R_ECX] = in.rcx;
    cc_set_flags(env, in.flags, CC_ARITH);
    emu_exec(env, d, true);
    return memcmp(host_mem, guest_mem, sizeof(host_mem)) != 0 ||
           ((cpu_get_eflags(env) ^ host.flags) & mask) != 0;
}

static void test_bt_memory_offsets(void)
{
    static const struct {
        uint8_t opcode;
        HostFn *host[3];
    } ops[] = {
        {0xa3, {host_btm_2, host_btm_4, host_btm_8}},
        {0xab, {host_btsm_2, host_btsm_4, host_btsm_8}},
        {0xb3, {host_btrm_2, host_btrm_4, host_btrm_8}},
        {0xbb, {host_btcm_2, host_btcm_4, host_btcm_8}},
    };
    CPUX86State *env = new_env();
    GRand *rng = g_rand_new_with_seed(0xb175);
    unsigned bad = 0;

    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        for (unsigned s = 0; s < 3; s++) {
            Insn d = reg_insn(MAP_0F, ops[i].opcode, 2u << s, R_ECX, 0);
            make_memory_operand(&d);
            for (int n = 0; n < 300; n++) {
                bad += bt_memory_case(env, ops[i].host[s], &d, 2u << s, rng);
            }
        }
    }
    g_rand_free(rng);
    g_free(env);
    g_assert_cmpuint(bad, ==, 0);
}

/* Run DIV/IDIV r/m = RCX; returns the exception vector or -1. */
static int emu_divide(CPUX86State *env, unsigned ext, unsigned size, uint64_t rax,
                      uint64_t rdx, uint64_t rcx)
{
    Insn d = reg_insn(MAP_NONE, size == 1 ? 0xf6 : 0xf7, size, ext, R_ECX);

    env->regs[R_EAX] = rax;
    env->regs[R_EDX] = rdx;
    env->regs[R_ECX] = rcx;
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    emu_exec(env, &d, true);
    return -1;
}

/* #DE on a zero divisor and on quotients that do not fit, leaving registers alone. */
static void test_divide_errors(void)
{
    CPUX86State *env = new_env();

    for (unsigned s = 0; s < 4; s++) {
        unsigned size = 1u << s, bits = size * 8;
        uint64_t min = 1ull << (bits - 1), all = size_mask(size);
        /* signed minimum / -1: AX = -128 for bytes, rDX:rAX = sign:min otherwise */
        uint64_t rax = size == 1 ? 0xff80 : min, rdx = size == 1 ? 0 : all;
        g_assert_cmpint(emu_divide(env, 6, size, 5, 0, 0), ==, EXCP_DE);
        g_assert_cmpint(emu_divide(env, 7, size, 5, 0, 0), ==, EXCP_DE);
        g_assert_cmpint(emu_divide(env, 7, size, rax, rdx, all), ==, EXCP_DE);
        g_assert_cmphex(env->regs[R_EAX], ==, rax);
        g_assert_cmphex(env->regs[R_EDX], ==, rdx);
        g_assert_cmpint(emu_divide(env, 6, size, size == 1 ? 0x100 : 0, 1, 1), ==,
                        EXCP_DE);
        /* the same values that fit */
        g_assert_cmpint(emu_divide(env, 7, size, rax + 1, rdx, all), ==, -1);
        g_assert_cmphex(env->regs[R_EAX] & all, ==, min - 1);
        g_assert_cmpint(emu_divide(env, 6, size, size == 1 ? 0xff : all, 0, 1), ==, -1);
    }
    g_free(env);
}

/* Without REX, byte registers 4..7 are AH CH DH BH. */
static void test_high_byte_registers(void)
{
    CPUX86State *env = new_env();
    Insn d = reg_insn(MAP_NONE, 0x00, 1, 5, 4); /* add ch, ah */
    HostRegs in = {0x1122334455667788, 0x99aabbccddeeff00, 0, 2}, host = in;

    host_add_high(&host);
    env->regs[R_EAX] = in.rax;
    env->regs[R_ECX] = in.rcx;
    cc_set_flags(env, 0, CC_ARITH);
    emu_exec(env, &d, true);
    g_assert_cmphex(env->regs[R_EAX], ==, host.rax);
    g_assert_cmphex(env->regs[R_ECX], ==, host.rcx);
    g_assert_cmphex(cpu_get_eflags(env) & CC_ARITH, ==, host.flags & CC_ARITH);
    g_free(env);
}

/* BSWAP r8..r15 take the register from the opcode and REX.B. */
static void test_bswap_rex_b(void)
{
    CPUX86State *env = new_env();
    Insn d = reg_insn(MAP_0F, 0xc9, 8, 0, 0); /* REX.WB 0F C9: bswap r9 */

    d.rex = 0x49;
    env->regs[R_R9] = 0x0102030405060708;
    env->regs[R_ECX] = 0x1111;
    emu_exec(env, &d, true);
    g_assert_cmphex(env->regs[R_R9], ==, 0x0807060504030201);
    g_assert_cmphex(env->regs[R_ECX], ==, 0x1111);
    g_free(env);
}

/*
 * The BCD instructions are invalid in 64-bit mode, so the host runs them in
 * compatibility mode: a far return to Linux's 32-bit user code segment (0x23) enters
 * a copy of this blob placed below 4 GiB, which runs the patched instruction on the
 * registers in a CompatState and returns to 64-bit mode (0x33).
 */
typedef struct CompatState {
    uint32_t eax, flags, out_eax, out_flags;
    uint64_t saved_rsp;
} CompatState;

#define COMPAT_STACK 4096 /* bytes of stack above the CompatState */

asm(".pushsection .rodata\n"
    "compat_blob_start:\n"
    ".code64\n"
    "push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
    "mov %rsp, 16(%rdi)\n"
    "mov %edi, %esi\n"
    "lea compat_back64(%rip), %rbx\n"
    "lea 4096(%rdi), %rsp\n"
    "lea compat_code32(%rip), %rax\n"
    "pushq $0x23\n"
    "push %rax\n"
    "lretq\n"
    "compat_code32:\n"
    ".code32\n"
    "push %ss; pop %ds; push %ss; pop %es\n"
    "mov 0(%esi), %eax\n"
    "pushl 4(%esi); popfl\n"
    "compat_insn: nop; nop\n"
    "pushfl; popl 12(%esi)\n"
    "mov %eax, 8(%esi)\n"
    "pushl $0x33\n"
    "push %ebx\n"
    "lret\n"
    "compat_back64:\n"
    ".code64\n"
    "mov %esi, %esi\n"
    "mov 16(%rsi), %rsp\n"
    "pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
    "ret\n"
    "compat_blob_end:\n"
    ".popsection\n");
extern const uint8_t compat_blob_start[], compat_insn[], compat_blob_end[];

typedef struct Compat {
    uint8_t *page; /* the blob, then the CompatState and its stack */
    CompatState *state;
    uint8_t *insn;
} Compat;

static sigjmp_buf compat_fault;

static void on_compat_fault(int sig)
{
    siglongjmp(compat_fault, 1);
}

static void compat_run(Compat *c, uint8_t op0, uint8_t op1, uint32_t eax, uint32_t flags)
{
    c->insn[0] = op0;
    c->insn[1] = op1;
    c->state->eax = eax;
    c->state->flags = flags;
    ((void (*)(CompatState *))c->page)(c->state);
}

/* Map the blob below 4 GiB and check that compatibility mode works here at all. */
static bool compat_setup(Compat *c)
{
    struct sigaction sa = {.sa_handler = on_compat_fault}, old;
    volatile bool ok = false;

    c->page = mmap(NULL, 3 * PAGE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (c->page == MAP_FAILED) {
        return false;
    }
    memcpy(c->page, compat_blob_start, compat_blob_end - compat_blob_start);
    c->state = (CompatState *)(c->page + PAGE_SIZE);
    c->insn = c->page + (compat_insn - compat_blob_start);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old);
    if (!sigsetjmp(compat_fault, 1)) {
        compat_run(c, 0x27, 0x90, 0x9b, EFLAGS_FIXED); /* daa: 0x9b -> 0x01, CF AF */
        ok = (c->state->out_eax & 0xff) == 0x01 && (c->state->out_flags & CC_C);
    }
    sigaction(SIGSEGV, &old, NULL);
    return ok;
}

static uint32_t bcd_undefined(uint8_t opcode)
{
    switch (opcode) {
    case 0x27:
    case 0x2f: return CC_O;
    case 0x37:
    case 0x3f: return CC_O | CC_S | CC_Z | CC_P;
    default: return CC_O | CC_A | CC_C;
    }
}

static unsigned bcd_case(CPUX86State *env, Compat *c, uint8_t opcode, uint8_t imm,
                         uint16_t ax, uint32_t flags)
{
    Insn d = reg_insn(MAP_NONE, opcode, 4, 0, 0);
    uint32_t eax = 0x5a5a0000 | ax,
             mask = CC_ARITH & ~(strict ? 0 : bcd_undefined(opcode));
    bool has_imm = opcode == 0xd4 || opcode == 0xd5;

    d.imm = imm;
    compat_run(c, opcode, has_imm ? imm : 0x90, eax, flags);
    env->regs[R_EAX] = eax;
    cc_set_flags(env, flags, CC_ARITH);
    emu_exec(env, &d, false);
    if (env->regs[R_EAX] == c->state->out_eax &&
        ((cpu_get_eflags(env) ^ c->state->out_flags) & mask) == 0) {
        return 0;
    }
    g_test_message(
        "bcd %02x imm %02x ax=%04x fl=%03x: host ax=%04x fl=%03x emu ax=%04x fl=%03x",
        opcode, imm, ax, flags & CC_ARITH, c->state->out_eax & 0xffff,
        c->state->out_flags & CC_ARITH, (unsigned)env->regs[R_EAX] & 0xffff,
        cpu_get_eflags(env) & CC_ARITH);
    return 1;
}

/* Every AL, a spread of AH, flags and AAM/AAD bases (never 0: that is #DE). */
static void test_bcd_against_host(void)
{
    static const uint8_t opcodes[] = {0x27, 0x2f, 0x37, 0x3f, 0xd4, 0xd5};
    CPUX86State *env = new_env();
    GRand *rng = g_rand_new_with_seed(0xbcd);
    Compat c;
    unsigned bad = 0;

    if (!compat_setup(&c)) {
        g_test_skip("no 32-bit compatibility mode on this host");
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(opcodes); i++) {
        for (unsigned n = 0; n < 256 * 64; n++) {
            uint8_t imm = n % 64 == 0 ? 10 : g_rand_int_range(rng, 1, 256);
            uint16_t ax = (g_rand_int(rng) & 0xff00) | (n & 0xff);
            uint32_t flags = (g_rand_int(rng) & CC_ARITH) | EFLAGS_FIXED;
            bad += bcd_case(env, &c, opcodes[i], imm, ax, flags);
        }
    }
    munmap(c.page, 3 * PAGE_SIZE);
    g_rand_free(rng);
    g_free(env);
    g_assert_cmpuint(bad, ==, 0);
}

/* AAM 0 divides by zero. */
static void test_aam_zero(void)
{
    CPUX86State *env = new_env();
    Insn d = reg_insn(MAP_NONE, 0xd4, 4, 0, 0);

    env->regs[R_EAX] = 0x1234;
    env->exception_index = -1;
    if (!setjmp(env->jmp_env)) {
        emu_exec(env, &d, false);
    }
    g_assert_cmpint(env->exception_index, ==, EXCP_DE);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x1234);
    d.opcode = 0x27;
    g_assert_null(insn_lookup(&d, true));
    g_free(env);
}

static bool row_flags_are(uint8_t map, uint8_t opcode, int ext, bool mode64,
                          uint8_t flags)
{
    Insn d = reg_insn(map, opcode, 4, ext < 0 ? 0 : ext, 0);
    const InsnDef *def = insn_lookup(&d, mode64);

    return def && (def->flags & (IF_LOCK | IF_NO64)) == flags;
}

/* LOCK is allowed on the read-modify-write forms only; 82 and 40-4F are not 64-bit. */
static void test_table_flags(void)
{
    for (int ext = 0; ext < 7; ext++) {
        g_assert_true(row_flags_are(MAP_NONE, ext * 8, -1, true, IF_LOCK));
        g_assert_true(row_flags_are(MAP_NONE, ext * 8 + 3, -1, true, 0));
        g_assert_true(row_flags_are(MAP_NONE, 0x81, ext, true, IF_LOCK));
        g_assert_true(row_flags_are(MAP_NONE, 0x82, ext, false, IF_LOCK | IF_NO64));
    }
    g_assert_true(row_flags_are(MAP_NONE, 0x39, -1, true, 0));
    g_assert_true(row_flags_are(MAP_NONE, 0x83, 7, true, 0));
    g_assert_true(row_flags_are(MAP_NONE, 0x85, -1, true, 0));
    g_assert_true(row_flags_are(MAP_NONE, 0xf7, 0, true, 0));
    g_assert_true(row_flags_are(MAP_NONE, 0xf7, 3, true, IF_LOCK));
    g_assert_true(row_flags_are(MAP_NONE, 0xff, 1, true, IF_LOCK));
    g_assert_true(row_flags_are(MAP_NONE, 0xd3, 4, true, 0));
    g_assert_true(row_flags_are(MAP_0F, 0xa3, -1, true, 0));
    g_assert_true(row_flags_are(MAP_0F, 0xbb, -1, true, IF_LOCK));
    g_assert_true(row_flags_are(MAP_0F, 0xba, 4, true, 0));
    g_assert_true(row_flags_are(MAP_0F, 0xba, 5, true, IF_LOCK));
    g_assert_true(row_flags_are(MAP_NONE, 0x47, -1, false, IF_NO64));
    g_assert_null(insn_lookup(&(Insn){.map = MAP_0F, .opcode = 0xb8, .mod = 3}, true));
}

/* --- specialised handlers (insn.h) against the generic ones --- */

/*
 * Every specialised form must leave the CPU exactly as its generic handler does:
 * registers, rip/next_rip, the lazy-flag record (cc_op and all three operands, not
 * just the flags they stand for), memory and any exception. Each encoding is decoded
 * and bound as the translator does, then run from the same random state (random lazy
 * flags of every kind included) through both handlers.
 */
typedef struct SpecCase {
    const char *hex; /* the instruction bytes */
    bool mode64;
} SpecCase;

/*
 * Memory operands are [disp32], [rbx+disp8] or [rbx+rsi*4+disp8], with rbx and rsi
 * set so that they land in guest_mem (32-bit mode encodes [disp32] as mod 0, rm 5).
 */
static const SpecCase spec_cases[] = {
    /* ALU Ev,Gv / Gv,Ev, register and memory, each operation */
    {"01 c8", true},
    {"48 01 c8", true},
    {"4d 01 c8", true},
    {"03 c8", true},
    {"48 03 c8", true},
    {"09 c8", true},
    {"21 c8", true},
    {"29 c8", true},
    {"31 c8", true},
    {"39 c8", true},
    {"48 39 0c 25 00 11 01 00", true},
    {"01 4b 10", true},
    {"48 29 4c b3 08", true},
    {"48 21 0c 25 00 11 01 00", true},
    {"3b 4b 20", true},
    {"48 0b 4c b3 f8", true},
    {"33 0c 25 08 11 01 00", true},
    {"4c 03 43 08", true},
    {"11 c8", true},
    {"f0 01 4b 10", true},
    /* rAX,Iz and group 1 */
    {"05 78 56 34 12", true},
    {"48 2d ff ff ff ff", true},
    {"3d 00 00 00 80", true},
    {"81 c1 ff 00 00 00", true},
    {"48 83 e9 01", true},
    {"49 83 f8 7f", true},
    {"83 e0 f0", true},
    {"48 81 f1 00 00 00 80", true},
    {"83 4b 10 01", true},
    {"48 81 7c b3 04 ff 00 00 00", true},
    {"83 24 25 00 11 01 00 0f", true},
    /* byte and word forms */
    {"00 e0", true},
    {"40 00 e0", true},
    {"02 4b 08", true},
    {"04 7f", true},
    {"80 f9 10", true},
    {"80 7b 08 ff", true},
    {"3c 0a", true},
    {"66 01 c8", true},
    {"66 83 c0 ff", true},
    {"66 3d 00 80", true},
    {"84 c0", true},
    {"84 e4", true},
    {"a8 01", true},
    {"f6 c4 01", true},
    {"f6 43 08 80", true},
    {"66 85 c8", true},
    {"30 e4", false},
    {"66 29 4b 02", false},
    {"28 24 25 00 11 01 00", true},
    {"66 a9 00 80", true},
    /* TEST, INC, DEC */
    {"85 c8", true},
    {"48 85 c0", true},
    {"a9 01 00 00 00", true},
    {"48 a9 00 00 00 80", true},
    {"f7 c1 00 01 00 00", true},
    {"48 f7 43 08 ff 00 00 00", true},
    {"85 4b 04", true},
    {"ff c0", true},
    {"48 ff c9", true},
    {"ff 43 08", true},
    {"48 ff 4c b3 08", true},
    /* MOV, LEA, MOVZX/MOVSX/MOVSXD */
    {"89 c8", true},
    {"48 89 c8", true},
    {"4c 89 c0", true},
    {"8b 4b 08", true},
    {"48 8b 4c b3 10", true},
    {"89 0c 25 10 11 01 00", true},
    {"48 89 4b 18", true},
    {"c7 c1 ff ff ff ff", true},
    {"48 c7 c1 ff ff ff ff", true},
    {"48 c7 43 08 01 00 00 80", true},
    {"8d 4c b3 08", true},
    {"48 8d 4c b3 08", true},
    {"67 48 8d 4c b3 08", true},
    {"0f b6 c4", true},
    {"40 0f b6 c4", true},
    {"0f b7 c1", true},
    {"48 0f be c4", true},
    {"0f bf 4b 02", true},
    {"48 0f b6 4b 03", true},
    {"48 63 c8", true},
    {"48 63 4b 04", true},
    {"63 c8", true},
    /* SHL/SAL, SHR, SAR by imm8, 1 and CL */
    {"c1 e8 05", true},
    {"48 c1 e0 3f", true},
    {"d1 f8", true},
    {"48 d3 e0", true},
    {"c1 6b 08 03", true},
    {"48 d1 64 b3 08", true},
    {"c1 e0 00", true},
    {"d3 f8", true},
    {"c1 f0 04", true},
    {"48 d3 7b 08", true},
    {"c1 e8 05", false},
    /* IMUL Gv,Ev and Gv,Ev,Iz */
    {"0f af c8", true},
    {"48 0f af c8", true},
    {"0f af 4b 08", true},
    {"69 c0 6d 4e c6 41", true},
    {"48 6b c8 ff", true},
    {"48 69 4b 08 00 00 00 80", true},
    {"69 c0 6d 4e c6 41", false},
    /* CMOVcc, SETcc */
    {"0f 44 c8", true},
    {"48 0f 4f 4b 08", true},
    {"0f 42 4b 08", true},
    {"0f 4c c8", false},
    {"48 0f 46 c8", true},
    {"0f 4b c8", true},
    {"0f 94 c0", true},
    {"0f 9f c4", true},
    {"40 0f 95 c4", true},
    {"0f 9c 43 08", true},
    {"0f 97 c1", false},
    {"0f 9a c1", true},
    {"0f 90 c1", true},
    /* PUSH, POP, CALL, RET */
    {"50", true},
    {"41 57", true},
    {"58", true},
    {"41 5c", true},
    {"5c", true},
    {"54", true},
    {"e8 00 01 00 00", true},
    {"c3", true},
    {"50", false},
    {"5f", false},
    {"5c", false},
    {"e8 00 01 00 00", false},
    {"c3", false},
    /* byte and word MOV */
    {"88 e0", true},
    {"40 88 e0", true},
    {"8a 4b 08", true},
    {"88 64 b3 08", true},
    {"c6 c4 7f", true},
    {"c6 43 08 ff", true},
    {"66 89 c8", true},
    {"66 8b 4b 08", true},
    {"66 c7 c0 ff 80", true},
    {"66 8d 4c b3 08", true},
    {"88 e0", false},
    /*
     * Operand shapes folded at translation time (fast.h): RIP-relative (d.rip is
     * 0x1000, so these land on GUEST_OPERAND), a negative displacement, 16-bit
     * addresses wrapping at 64 KiB.
     */
    {"03 0d fa ff 00 00", true},
    {"48 01 0d f9 ff 00 00", true},
    {"83 3d f9 ff 00 00 05", true},
    {"48 8d 0d 00 00 00 80", true},
    {"67 8d 48 08", false},
    {"66 67 8d 40 f8", false},
    /* Jcc, JMP */
    {"70 10", true},
    {"71 f0", true},
    {"72 10", true},
    {"73 10", true},
    {"74 10", true},
    {"75 10", true},
    {"76 10", true},
    {"77 10", true},
    {"78 10", true},
    {"79 10", true},
    {"7a 10", true},
    {"7b 10", true},
    {"7c 10", true},
    {"7d 10", true},
    {"7e 10", true},
    {"7f 10", true},
    {"0f 84 00 01 00 00", true},
    {"0f 8f 00 ff ff ff", true},
    {"eb 10", true},
    {"e9 00 00 00 80", true},
    /* 32-bit mode */
    {"01 c8", false},
    {"03 4b 10", false},
    {"29 0d 00 11 01 00", false},
    {"83 f9 10", false},
    {"40", false},
    {"4f", false},
    {"85 c8", false},
    {"89 c8", false},
    {"8b 0d 08 11 01 00", false},
    {"8d 4c b3 08", false},
    {"0f b6 c4", false},
    {"0f be 4b 02", false},
    {"74 10", false},
    {"7c f0", false},
    {"0f 87 00 01 00 00", false},
    {"e9 00 00 00 80", false},
    {"66 e9 00 10", false},
};

static size_t parse_hex(const char *hex, uint8_t *out)
{
    size_t n = 0;

    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        sscanf(p, "%2hhx", &out[n++]);
        p += 2;
    }
    return n;
}

static void spec_random_state(CPUX86State *env, GRand *rng, bool mode64)
{
    static const unsigned kinds[] = {CC_OP_EFLAGS, CC_OP_ADD,   CC_OP_ADC, CC_OP_SUB,
                                     CC_OP_SBB,    CC_OP_LOGIC, CC_OP_INC, CC_OP_DEC,
                                     CC_OP_SHL,    CC_OP_SAR,   CC_OP_SHR, CC_OP_MUL};
    unsigned kind = kinds[g_rand_int_range(rng, 0, G_N_ELEMENTS(kinds))];

    for (int r = 0; r < 16; r++) {
        env->regs[r] = g_rand_boolean(rng) ? rand64(rng) : g_rand_int_range(rng, 0, 3);
    }
    env->regs[R_EBX] = GUEST_OPERAND + g_rand_int_range(rng, 0, 0x100);
    env->regs[R_ESI] = g_rand_int_range(rng, 0, 0x40);
    env->regs[R_ESP] = GUEST_OPERAND + 0x800 + 8 * g_rand_int_range(rng, 0, 0x40);
    env->cc_op = kind == CC_OP_EFLAGS ? kind : kind + g_rand_int_range(rng, 0, 4);
    env->cc_dst = g_rand_boolean(rng) ? 0 : rand64(rng);
    env->cc_src = kind == CC_OP_EFLAGS ? rand64(rng) & CC_ARITH : rand64(rng);
    env->cc_src2 = g_rand_int_range(rng, 0, 2);
    env->hflags =
        mode64 ? HF_CS64 | HF_LMA | HF_PE | HF_CS32 | HF_SS32 : HF_PE | HF_CS32 | HF_SS32;
    env->segs[R_CS].limit = g_rand_boolean(rng) ? 0xffffffff : 0x1100;
    for (size_t i = 0; i < sizeof(guest_mem); i++) {
        guest_mem[i] = (uint8_t)g_rand_int(rng);
    }
}

/* Run one handler on env; the exception vector or -1. */
static int spec_run(CPUX86State *env, InsnHandler *fn, const Insn *d)
{
    env->rip = d->rip;
    env->next_rip = d->next_rip;
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    fn(env, d);
    return -1;
}

static void spec_assert_same(const CPUX86State *a, const CPUX86State *b)
{
    g_assert_cmpmem(a->regs, sizeof(a->regs), b->regs, sizeof(b->regs));
    g_assert_cmphex(a->next_rip, ==, b->next_rip);
    g_assert_cmpuint(a->cc_op, ==, b->cc_op);
    g_assert_cmphex(a->cc_dst, ==, b->cc_dst);
    g_assert_cmphex(a->cc_src, ==, b->cc_src);
    g_assert_cmphex(a->cc_src2, ==, b->cc_src2);
    g_assert_cmphex(a->eflags, ==, b->eflags);
}

/* The same random start through the generic and the specialised handler. */
static void spec_compare_once(const Insn *d, InsnHandler *generic, InsnHandler *fast,
                              bool mode64, GRand *rng)
{
    CPUX86State *a = new_env(), *b = new_env();
    uint8_t start[sizeof(guest_mem)], after[sizeof(guest_mem)];
    int va, vb;

    spec_random_state(a, rng, mode64);
    memcpy(b, a, offsetof(CPUX86State, jmp_env));
    memcpy(start, guest_mem, sizeof(guest_mem));
    va = spec_run(a, generic, d);
    memcpy(after, guest_mem, sizeof(guest_mem));
    memcpy(guest_mem, start, sizeof(guest_mem));
    vb = spec_run(b, fast, d);
    g_assert_cmpint(va, ==, vb);
    spec_assert_same(a, b);
    g_assert_cmpmem(after, sizeof(after), guest_mem, sizeof(guest_mem));
    g_free(a);
    g_free(b);
}

static void test_specialized(void)
{
    GRand *rng = g_rand_new_with_seed(7);
    unsigned specialised = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(spec_cases); i++) {
        const SpecCase *c = &spec_cases[i];
        uint8_t bytes[16] = {0};
        size_t n = parse_hex(c->hex, bytes);
        const InsnDef *def;
        InsnHandler *fast;
        Insn d;
        g_assert_cmpint(decode_insn(&d, bytes, n, c->mode64 ? DECODE_64 : DECODE_32), ==,
                        DECODE_OK);
        g_assert_cmpuint(d.len, ==, n);
        def = insn_lookup(&d, c->mode64);
        g_assert_nonnull(def);
        d.fn = def->fn;
        d.rip = 0x1000;
        d.next_rip = d.rip + d.len;
        fast =
            insn_specialize(&d, c->mode64 ? HF_CS64 | HF_LMA | HF_PE | HF_CS32 | HF_SS32
                                          : HF_PE | HF_CS32 | HF_SS32);
        specialised += fast != def->fn;
        for (int k = 0; fast != def->fn && k < 300; k++) {
            spec_compare_once(&d, def->fn, fast, c->mode64, rng);
        }
    }
#ifndef INSN_NO_SPECIALIZE
    /* ADC (11 c8) is left generic; LOCK ADD is specialised like ADD. */
    g_assert_cmpuint(specialised, ==, G_N_ELEMENTS(spec_cases) - 1);
#endif
    g_rand_free(rng);
}

/*
 * Two instructions whose handlers the translator binds together: a compare and a Jcc
 * (insn_fuse_compare), an IMUL and an instruction that kills the flags
 * (insn_without_flags); run as the engine runs them, or by the generic handlers one
 * after the other.
 */
typedef struct FuseCase {
    const char *cmp, *jcc;
    bool mode64;
} FuseCase;

static const FuseCase fuse_cases[] = {
    {"39 c8", "74 10", true},
    {"48 39 c8", "0f 8c 00 01 00 00", true},
    {"83 f9 10", "76 f0", false},
    {"3d 00 00 01 00", "77 10", false},
    {"3b 4b 08", "72 10", false},
    {"80 7b 02 00", "75 10", false},
    {"48 3b 4b 08", "7f 10", true},
    {"66 39 c8", "7e 10", false},
    {"38 e0", "70 10", false},
    {"85 c8", "78 10", false},
    {"f6 c4 01", "75 f0", false},
    {"48 85 c0", "7a 10", true},
    {"84 43 01", "7d 10", false},
    {"f7 43 04 ff 00 00 00", "73 10", false},
    {"48 83 f8 ff", "71 10", true},
    {"39 c8", "7b 10", false},
    /* IMUL before an instruction that kills the flags: no record (insn_without_flags) */
    {"69 c0 6d 4e c6 41", "05 39 30 00 00", false},
    {"0f af c1", "85 c0", false},
    {"48 6b c0 07", "48 31 c3", true},
    {"48 0f af c8", "39 c8", true},
};

static void fuse_decode(Insn *d, const char *hex, uint64_t rip, bool mode64)
{
    uint8_t bytes[16] = {0};
    size_t n = parse_hex(hex, bytes);
    const InsnDef *def;

    g_assert_cmpint(decode_insn(d, bytes, n, mode64 ? DECODE_64 : DECODE_32), ==,
                    DECODE_OK);
    def = insn_lookup(d, mode64);
    g_assert_nonnull(def);
    d->fn = d->generic = def->fn;
    d->sets_next_rip = (def->flags & IF_BRANCH) != 0; /* as the translator, specialised */
    d->rip = rip;
    d->next_rip = rip + d->len;
    d->fn = insn_specialize(d, mode64 ? HF_CS64 | HF_LMA | HF_PE | HF_CS32 | HF_SS32
                                      : HF_PE | HF_CS32 | HF_SS32);
}

/* Generic: the compare, then (unless it faulted, or only_cmp) the Jcc. */
static int fuse_run_generic(CPUX86State *env, const Insn *ins, bool only_cmp)
{
    int v = spec_run(env, ins[0].generic, &ins[0]);

    if (v >= 0 || only_cmp) {
        return v;
    }
    return spec_run(env, ins[1].generic, &ins[1]);
}

/* Fused, as the engine runs it: block_end allows both, or the compare only. */
static int fuse_run_fused(CPUX86State *env, InsnHandler *fused, const Insn *ins,
                          bool only_cmp)
{
    env->rip = ins[0].rip;
    env->next_rip = ins[0].next_rip;
    env->exception_index = -1;
    env->block_icount = icount.count;
    env->block_end = only_cmp ? &ins[1] : &ins[2];
    env->cur_insn = ins;
    if (setjmp(env->jmp_env)) {
        env->cur_insn = NULL;
        return env->exception_index;
    }
    fused(env, ins);
    /* rip after the last one that ran, as the exec loop finds it */
    if (!env->cur_insn->sets_next_rip) {
        env->next_rip = env->cur_insn->next_rip;
    }
    env->cur_insn = NULL;
    return -1;
}

static void test_fused(void)
{
    GRand *rng = g_rand_new_with_seed(11);

    for (size_t i = 0; i < G_N_ELEMENTS(fuse_cases); i++) {
        const FuseCase *c = &fuse_cases[i];
        Insn ins[3];
        InsnHandler *fused;

        memset(ins, 0, sizeof(ins));
        fuse_decode(&ins[0], c->cmp, 0x1000, c->mode64);
        fuse_decode(&ins[1], c->jcc, ins[0].next_rip, c->mode64);
        ins[1].idx = 1; /* its place in the block, for icount */
#ifdef INSN_NO_SPECIALIZE
        g_assert_null(insn_fuse_compare(&ins[0], &ins[1]));
        g_assert_false(insn_kills_flags(&ins[1]));
        continue;
#endif
        fused = insn_fuse_compare(&ins[0], &ins[1]);
        if (!fused && insn_kills_flags(&ins[1])) {
            fused = insn_without_flags(&ins[0]);
        }
        g_assert_nonnull(fused);
        for (int k = 0; k < 600; k++) {
            CPUX86State *a = new_env(), *b = new_env();
            uint8_t start[sizeof(guest_mem)], after[sizeof(guest_mem)];
            bool only_cmp = k % 5 == 4;
            int va, vb;

            spec_random_state(a, rng, c->mode64);
            memcpy(b, a, offsetof(CPUX86State, jmp_env));
            memcpy(start, guest_mem, sizeof(guest_mem));
            va = fuse_run_generic(a, ins, only_cmp);
            memcpy(after, guest_mem, sizeof(guest_mem));
            memcpy(guest_mem, start, sizeof(guest_mem));
            vb = fuse_run_fused(b, fused, ins, only_cmp);
            g_assert_cmpint(va, ==, vb);
            spec_assert_same(a, b);
            g_assert_cmpmem(after, sizeof(after), guest_mem, sizeof(guest_mem));
            g_free(a);
            g_free(b);
        }
    }
    g_rand_free(rng);
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_handler = on_sigfpe};

    sigemptyset(&sa.sa_mask);
    sigaction(SIGFPE, &sa, NULL);
    strict = host_is_zen();
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/alu/differential", test_differential);
    g_test_add_func("/alu/bt-memory-offsets", test_bt_memory_offsets);
    g_test_add_func("/alu/divide-errors", test_divide_errors);
    g_test_add_func("/alu/high-byte-registers", test_high_byte_registers);
    g_test_add_func("/alu/bswap-rex-b", test_bswap_rex_b);
    g_test_add_func("/alu/table-flags", test_table_flags);
    g_test_add_func("/alu/bcd-vs-host", test_bcd_against_host);
    g_test_add_func("/alu/aam-zero", test_aam_zero);
    g_test_add_func("/alu/specialized-vs-generic", test_specialized);
    g_test_add_func("/alu/paired-vs-generic", test_fused);
    return g_test_run();
}
