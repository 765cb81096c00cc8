/* Lazy flags (target/i386/flags.c) against the host CPU: every cc_op and condition. */
/*
 * Each case runs an instruction natively, records the lazy state exactly as the
 * handlers do (flags.h), and checks cc_compute_all, cc_compute_c and all sixteen
 * cc_test conditions against the host's EFLAGS and the host's own SETcc.
 * AF after shifts is undefined in the SDM and compared on AMD Zen hosts only.
 */
#include <cpuid.h>
#include "target/i386/flags.h"

#define CASES 4000

typedef struct HostRegs {
    uint64_t rax, rcx, rdx, flags;
} HostRegs;
typedef void HostFn(HostRegs *r);

/* The red zone is skipped: pushf would clobber it. */
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
#define HOST_OP(m, b, w, l, q) \
    HOST_FN(m##_1, #m " " b); HOST_FN(m##_2, #m " " w); \
    HOST_FN(m##_4, #m " " l); HOST_FN(m##_8, #m " " q)
#define HOST_BIN(m)   HOST_OP(m, "%b1, %b0", "%w1, %w0", "%k1, %k0", "%q1, %q0")
#define HOST_UN(m)    HOST_OP(m, "%b0", "%w0", "%k0", "%q0")
#define HOST_SHIFT(m) HOST_OP(m, "%%cl, %b0", "%%cl, %w0", "%%cl, %k0", "%%cl, %q0")
#define HOST_ACC(m)   HOST_OP(m, "%b1", "%w1", "%k1", "%q1")
#define HOSTS(m)      {host_##m##_1, host_##m##_2, host_##m##_4, host_##m##_8}

HOST_BIN(add);
HOST_BIN(adc);
HOST_BIN(sub);
HOST_BIN(sbb);
HOST_BIN(and);
HOST_BIN(or);
HOST_BIN(xor);
HOST_UN(inc);
HOST_UN(dec);
HOST_UN(neg);
HOST_SHIFT(shl);
HOST_SHIFT(shr);
HOST_SHIFT(sar);
HOST_ACC(mul);
/* clang-format on */

/* The sixteen conditions as the host's SETcc sees them, bit n = condition n. */
static unsigned host_conditions(uint64_t flags)
{
    uint8_t c[16];

    asm volatile("lea -128(%%rsp), %%rsp\n\tpush %1\n\tpopf\n\t"
                 "seto 0(%0)\n\tsetno 1(%0)\n\tsetb 2(%0)\n\tsetae 3(%0)\n\t"
                 "sete 4(%0)\n\tsetne 5(%0)\n\tsetbe 6(%0)\n\tseta 7(%0)\n\t"
                 "sets 8(%0)\n\tsetns 9(%0)\n\tsetp 10(%0)\n\tsetnp 11(%0)\n\t"
                 "setl 12(%0)\n\tsetge 13(%0)\n\tsetle 14(%0)\n\tsetg 15(%0)\n\t"
                 "lea 128(%%rsp), %%rsp"
                 :
                 : "r"(c), "r"(flags)
                 : "cc", "memory");
    unsigned mask = 0;
    for (int i = 0; i < 16; i++) {
        mask |= (unsigned)c[i] << i;
    }
    return mask;
}

static bool host_is_zen(void)
{
    unsigned a = 0, b = 0, c = 0, d = 0;

    if (!__get_cpuid(0, &a, &b, &c, &d) || b != 0x68747541 || d != 0x69746e65 ||
        c != 0x444d4163) { /* "AuthenticAMD" */
        return false;
    }
    __get_cpuid(1, &a, &b, &c, &d);
    return ((a >> 8) & 0xf) + ((a >> 20) & 0xff) >= 0x17;
}

static bool strict;

/* How the handlers record each operation: fills the lazy state from in/out. */
typedef void RecordFn(CPUX86State *env, unsigned size, const HostRegs *in,
                      const HostRegs *out);

static uint64_t carry_in(const HostRegs *in)
{
    return in->flags & CC_C;
}

static uint64_t result(const HostRegs *out, unsigned size)
{
    return out->rax & size_mask(size);
}

static unsigned shift_count(const HostRegs *in, unsigned size)
{
    return in->rcx & (size == 8 ? 63 : 31);
}

static void record_add(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    set_cc(env, CC_OP_ADD, size, result(out, size), in->rcx & size_mask(size));
}

static void record_adc(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    set_cc3(env, CC_OP_ADC, size, result(out, size), in->rcx & size_mask(size),
            carry_in(in));
}

static void record_sub(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    set_cc(env, CC_OP_SUB, size, result(out, size), in->rcx & size_mask(size));
}

static void record_sbb(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    set_cc3(env, CC_OP_SBB, size, result(out, size), in->rcx & size_mask(size),
            carry_in(in));
}

static void record_logic(CPUX86State *env, unsigned size, const HostRegs *in,
                         const HostRegs *out)
{
    set_cc(env, CC_OP_LOGIC, size, result(out, size), 0);
}

static void record_inc(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    set_cc(env, CC_OP_INC, size, result(out, size), carry_in(in));
}

static void record_dec(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    set_cc(env, CC_OP_DEC, size, result(out, size), carry_in(in));
}

static void record_neg(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    set_cc(env, CC_OP_SUB, size, result(out, size), in->rax & size_mask(size));
}

static void record_shl(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    uint64_t v = in->rax & size_mask(size);

    set_cc(env, CC_OP_SHL, size, result(out, size), v << (shift_count(in, size) - 1));
}

static void record_shr(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    uint64_t before_last = (in->rax & size_mask(size)) >> (shift_count(in, size) - 1);

    set_cc3(env, CC_OP_SHR, size, result(out, size), before_last,
            before_last ^ result(out, size));
}

static void record_sar(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    unsigned unused = 64 - size * 8;
    int64_t v = (int64_t)(in->rax << unused) >> unused;

    set_cc(env, CC_OP_SAR, size, result(out, size), v >> (shift_count(in, size) - 1));
}

/* MUL: the lazy form only promises CF = OF (the host keeps SF/ZF/AF/PF). */
static void record_mul(CPUX86State *env, unsigned size, const HostRegs *in,
                       const HostRegs *out)
{
    uint64_t high = size == 1 ? (out->rax >> 8) & 0xff : out->rdx & size_mask(size);

    set_cc(env, CC_OP_MUL, size, result(out, size), high != 0);
}

typedef struct FlagOp {
    const char *name;
    HostFn *host[4];
    RecordFn *record;
    uint32_t checked;   /* flags the lazy form must reproduce */
    uint32_t undefined; /* checked only on Zen */
    bool shift;         /* count 0 records nothing; more flags undefined beyond 1 */
} FlagOp;

static const FlagOp ops[] = {
    {"add", HOSTS(add), record_add, CC_ARITH, 0, false},
    {"adc", HOSTS(adc), record_adc, CC_ARITH, 0, false},
    {"sub", HOSTS(sub), record_sub, CC_ARITH, 0, false},
    {"sbb", HOSTS(sbb), record_sbb, CC_ARITH, 0, false},
    {"and", HOSTS(and), record_logic, CC_ARITH, CC_A, false},
    {"or", HOSTS(or), record_logic, CC_ARITH, CC_A, false},
    {"xor", HOSTS(xor), record_logic, CC_ARITH, CC_A, false},
    {"inc", HOSTS(inc), record_inc, CC_ARITH, 0, false},
    {"dec", HOSTS(dec), record_dec, CC_ARITH, 0, false},
    {"neg", HOSTS(neg), record_neg, CC_ARITH, 0, false},
    {"shl", HOSTS(shl), record_shl, CC_ARITH, CC_A, true},
    {"shr", HOSTS(shr), record_shr, CC_ARITH, CC_A, true},
    {"sar", HOSTS(sar), record_sar, CC_ARITH, CC_A, true},
    {"mul", HOSTS(mul), record_mul, CC_C | CC_O, 0, false},
};

/* Operands at the edges of every operand size. */
static const uint64_t edges[] = {
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x7fff,
    0x8000,
    0xffff,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    ~0ull,
    0x7fffffffffffffffull,
    0x8000000000000000ull,
};

static uint64_t gen_value(GRand *rng)
{
    uint64_t v = (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);

    switch (g_rand_int_range(rng, 0, 4)) {
    case 0: return edges[g_rand_int_range(rng, 0, ARRAY_SIZE(edges))];
    case 1: return -edges[g_rand_int_range(rng, 0, ARRAY_SIZE(edges))];
    case 2: return v >> g_rand_int_range(rng, 0, 64);
    default: return v;
    }
}

static unsigned emu_conditions(const CPUX86State *env)
{
    unsigned mask = 0;

    for (unsigned cond = 0; cond < 16; cond++) {
        mask |= (unsigned)cc_test(env, cond) << cond;
    }
    return mask;
}

/* The condition codes that read only the flags in `known`. */
static unsigned conditions_using(uint32_t known)
{
    static const uint32_t uses[8] = {
        CC_O, CC_C, CC_Z, CC_C | CC_Z, CC_S, CC_P, CC_S | CC_O, CC_Z | CC_S | CC_O,
    };
    unsigned mask = 0;

    for (int i = 0; i < 8; i++) {
        if ((uses[i] & ~known) == 0) {
            mask |= 3u << (2 * i);
        }
    }
    return mask;
}

/* SDM: OF after a shift by more than 1, CF after SHL/SHR by the width or more. */
static uint32_t undefined_flags(const FlagOp *op, unsigned size, const HostRegs *in)
{
    unsigned count = shift_count(in, size);

    if (!op->shift) {
        return op->undefined;
    }
    return op->undefined | (count > 1 ? CC_O : 0) | (count >= size * 8 ? CC_C : 0);
}

static unsigned check_case(CPUX86State *env, const FlagOp *op, unsigned size,
                           const HostRegs *in, const HostRegs *out)
{
    uint32_t known = op->checked & ~(strict ? 0 : undefined_flags(op, size, in));
    uint32_t emu = cc_compute_all(env), host = out->flags;
    unsigned conds = conditions_using(known);
    bool ok = ((emu ^ host) & known) == 0 &&
              ((cc_compute_c(env) ^ host) & known & CC_C) == 0 &&
              ((emu_conditions(env) ^ host_conditions(host)) & conds) == 0;

    if (!ok) {
        g_test_message("%s size %u: rax=%016" PRIx64 " rcx=%016" PRIx64 " in=%03" PRIx64
                       " host=%03x emu=%03x c=%u conds host %04x emu %04x",
                       op->name, size, in->rax, in->rcx, in->flags & CC_ARITH,
                       host & CC_ARITH, emu, cc_compute_c(env),
                       host_conditions(host) & conds, emu_conditions(env) & conds);
    }
    return !ok;
}

static void test_lazy_against_host(void)
{
    CPUX86State *env = g_new0(CPUX86State, 1);
    GRand *rng = g_rand_new_with_seed(0xf1a9);
    unsigned bad = 0;

    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        for (unsigned s = 0; s < 4; s++) {
            unsigned size = 1u << s;
            for (int n = 0; n < CASES; n++) {
                HostRegs in = {gen_value(rng), gen_value(rng), gen_value(rng),
                               (g_rand_int(rng) & CC_ARITH) | EFLAGS_FIXED};
                HostRegs out = in;
                if (ops[i].shift && shift_count(&in, size) == 0) {
                    continue;
                }
                ops[i].host[s](&out);
                ops[i].record(env, size, &in, &out);
                bad += check_case(env, &ops[i], size, &in, &out);
            }
        }
    }
    g_rand_free(rng);
    g_free(env);
    g_assert_cmpuint(bad, ==, 0);
}

/* All 64 combinations of OSZAPC as CC_OP_EFLAGS, against SETcc. */
static void test_conditions_eflags(void)
{
    static const uint32_t bits[6] = {CC_C, CC_P, CC_A, CC_Z, CC_S, CC_O};
    CPUX86State env = {0};

    for (unsigned combo = 0; combo < 64; combo++) {
        uint32_t f = 0;
        for (int b = 0; b < 6; b++) {
            f |= (combo >> b & 1) ? bits[b] : 0;
        }
        cc_set_flags(&env, f, CC_ARITH);
        g_assert_cmphex(env.cc_op, ==, CC_OP_EFLAGS);
        g_assert_cmphex(cc_compute_all(&env), ==, f);
        g_assert_cmpuint(cc_compute_c(&env), ==, f & CC_C);
        g_assert_cmphex(emu_conditions(&env), ==, host_conditions(f | EFLAGS_FIXED));
    }
}

/* cc_set_flags changes only the masked flags, reading the rest from the lazy state. */
static void test_set_flags_merges(void)
{
    CPUX86State env = {0};

    set_cc(&env, CC_OP_SUB, 1, 0x00, 0x01); /* 1 - 1 = 0: ZF PF */
    cc_set_flags(&env, CC_C | CC_O, CC_C);
    g_assert_cmphex(cc_compute_all(&env), ==, CC_Z | CC_P | CC_C);
    cc_set_flags(&env, 0, CC_Z | CC_P);
    g_assert_cmphex(cc_compute_all(&env), ==, CC_C);
    cc_set_flags(&env, CC_S | TF_MASK, CC_ARITH);
    g_assert_cmphex(cc_compute_all(&env), ==, CC_S);
}

static void test_eflags_roundtrip(void)
{
    CPUX86State env = {0};
    uint32_t all = CC_ARITH | TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | NT_MASK | AC_MASK;

    cpu_set_eflags(&env, 0xffffffff, all);
    g_assert_cmphex(cpu_get_eflags(&env), ==, all | EFLAGS_FIXED);
    g_assert_cmphex(env.eflags & CC_ARITH, ==, 0);
    cpu_set_eflags(&env, CC_Z | DF_MASK, CC_ARITH | DF_MASK | IF_MASK);
    g_assert_cmphex(cpu_get_eflags(&env), ==,
                    (all & ~(uint32_t)(CC_ARITH | IF_MASK)) | CC_Z | EFLAGS_FIXED);
    /* arithmetic flags outside the mask survive, and so does a lazy state */
    set_cc(&env, CC_OP_ADD, 4, 0, 1); /* 0xffffffff + 1: CF ZF PF AF */
    cpu_set_eflags(&env, IF_MASK, IF_MASK | CC_O);
    g_assert_cmphex(cpu_get_eflags(&env) & (CC_ARITH | IF_MASK), ==,
                    CC_C | CC_Z | CC_P | CC_A | IF_MASK);
}

/*
 * cc_test_inline (the specialised Jcc/SETcc/CMOVcc path) must agree with cc_test for
 * every condition after every kind and size of lazy-flag record, including operands
 * with junk above the operand size.
 */
#define INLINE_COND(c)                                                                   \
    static bool inline_cond_##c(const CPUX86State *env)                                  \
    {                                                                                    \
        return cc_test_inline(env, c);                                                   \
    }
INLINE_COND(0)
INLINE_COND(1)
INLINE_COND(2)
INLINE_COND(3)
INLINE_COND(4)
INLINE_COND(5)
INLINE_COND(6)
INLINE_COND(7)
INLINE_COND(8)
INLINE_COND(9)
INLINE_COND(10)
INLINE_COND(11)
INLINE_COND(12)
INLINE_COND(13)
INLINE_COND(14)
INLINE_COND(15)

static void test_conditions_inline(void)
{
    static bool (*const conds[16])(const CPUX86State *) = {
        inline_cond_0,  inline_cond_1,  inline_cond_2,  inline_cond_3,
        inline_cond_4,  inline_cond_5,  inline_cond_6,  inline_cond_7,
        inline_cond_8,  inline_cond_9,  inline_cond_10, inline_cond_11,
        inline_cond_12, inline_cond_13, inline_cond_14, inline_cond_15,
    };
    GRand *rng = g_rand_new_with_seed(3);
    CPUX86State env = {0};

    for (int i = 0; i < 200000; i++) {
        unsigned op = g_rand_int_range(rng, 0, CC_OP_NB);
        bool edge = g_rand_boolean(rng);
        env.cc_op = op;
        env.cc_dst = edge ? edges[g_rand_int_range(rng, 0, G_N_ELEMENTS(edges))]
                          : (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
        env.cc_src = edge ? edges[g_rand_int_range(rng, 0, G_N_ELEMENTS(edges))]
                          : (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);
        env.cc_src2 = g_rand_int(rng);
        if (op < CC_OP_ADD) {
            env.cc_op = CC_OP_EFLAGS;
            env.cc_src &= CC_ARITH;
        }
        for (unsigned c = 0; c < 16; c++) {
            g_assert_cmpint(conds[c](&env), ==, cc_test(&env, c));
        }
    }
    g_rand_free(rng);
}

int main(int argc, char **argv)
{
    strict = host_is_zen();
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/flags/lazy-vs-host", test_lazy_against_host);
    g_test_add_func("/flags/conditions-eflags", test_conditions_eflags);
    g_test_add_func("/flags/set-flags-merges", test_set_flags_merges);
    g_test_add_func("/flags/eflags-roundtrip", test_eflags_roundtrip);
    g_test_add_func("/flags/conditions-inline", test_conditions_inline);
    return g_test_run();
}
