/* Conformance: the integer families (ALU, shifts, mul/div, bit ops, moves, strings). */
#include <string.h>
#include "conf.h"

/*
 * Each instruction runs from registers set by the C code, with EFLAGS loaded by POPF
 * and read back by PUSHF around it (the program is built with -mno-red-zone, so the
 * pushes cannot clobber the compiler's data). Register operands only: the memory
 * forms reach the same code in an emulator, and addresses must not show.
 */
/* clang-format off */
#define FLAGS_IN(fi) "push %[" #fi "]\n\tpopfq\n\t"
#define FLAGS_OUT(fo) "\n\tpushfq\n\tpopq %[" #fo "]"
/* clang-format on */

typedef uint64_t BinFn(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout);

/* clang-format off */
#define BIN(name, insn, T, C)                                                            \
    static uint64_t name(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout)           \
    {                                                                                    \
        T r = (T)a, s = (T)b;                                                            \
        __asm__ volatile(FLAGS_IN(fi) insn " %[s], %[r]" FLAGS_OUT(fo)                   \
                         : [r] "+" C(r), [fo] "=&r"(*fout)                               \
                         : [s] C(s), [fi] "r"(fin)                                       \
                         : "cc");                                                        \
        return r;                                                                        \
    }
#define BIN4(op)                                                                         \
    BIN(op##8, #op, uint8_t, "q")                                                        \
    BIN(op##16, #op, uint16_t, "r") BIN(op##32, #op, uint32_t, "r") BIN(op##64, #op, uint64_t, "r")

#define UN(name, insn, T, C)                                                             \
    static uint64_t name(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout)           \
    {                                                                                    \
        T r = (T)a;                                                                      \
        __asm__ volatile(FLAGS_IN(fi) insn " %[r]" FLAGS_OUT(fo)                         \
                         : [r] "+" C(r), [fo] "=&r"(*fout)                               \
                         : [fi] "r"(fin)                                                 \
                         : "cc");                                                        \
        return r;                                                                        \
    }
#define UN4(op)                                                                          \
    UN(op##8, #op, uint8_t, "q")                                                         \
    UN(op##16, #op, uint16_t, "r") UN(op##32, #op, uint32_t, "r") UN(op##64, #op, uint64_t, "r")

/* Shifts and rotates by CL (b is the count). */
#define SH(name, insn, T, C)                                                             \
    static uint64_t name(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout)           \
    {                                                                                    \
        T r = (T)a;                                                                      \
        __asm__ volatile(FLAGS_IN(fi) insn " %%cl, %[r]" FLAGS_OUT(fo)                   \
                         : [r] "+" C(r), [fo] "=&r"(*fout)                               \
                         : "c"((uint8_t)b), [fi] "r"(fin)                                \
                         : "cc");                                                        \
        return r;                                                                        \
    }
#define SH4(op)                                                                          \
    SH(op##8, #op, uint8_t, "q")                                                         \
    SH(op##16, #op, uint16_t, "r") SH(op##32, #op, uint32_t, "r") SH(op##64, #op, uint64_t, "r")
/* clang-format on */

BIN4(add)
BIN4(adc)
BIN4(sub)
BIN4(sbb) BIN4(and) BIN4(or) BIN4(xor) BIN4(cmp) BIN4(test) UN4(neg) UN4(not ) UN4(inc)
    UN4(dec) SH4(rol) SH4(ror) SH4(rcl) SH4(rcr) SH4(shl) SH4(shr) SH4(sar)

        typedef struct BinOp {
    const char *name;
    BinFn *fn[4];     /* 8, 16, 32, 64 bits */
    unsigned defined; /* the flags the SDM defines */
    bool carry_in;
} BinOp;

#define FNS(op)                                                                          \
    {                                                                                    \
        op##8, op##16, op##32, op##64                                                    \
    }

/* clang-format off */
static const BinOp alu_ops[] = {
    {"add", FNS(add), F_ALL, false},       {"adc", FNS(adc), F_ALL, true},
    {"sub", FNS(sub), F_ALL, false},       {"sbb", FNS(sbb), F_ALL, true},
    {"and", FNS(and), F_ALL & ~F_AF, false}, {"or", FNS(or), F_ALL & ~F_AF, false},
    {"xor", FNS(xor), F_ALL & ~F_AF, false}, {"cmp", FNS(cmp), F_ALL, false},
    {"test", FNS(test), F_ALL & ~F_AF, false}, {"neg", FNS(neg), F_ALL, false},
    {"not", FNS(not), F_ALL, false},       {"inc", FNS(inc), F_ALL, true},
    {"dec", FNS(dec), F_ALL, true},
};
/* clang-format on */

static const unsigned sizes[4] = {8, 16, 32, 64};

static void print_bin(const char *name, unsigned bits, uint64_t a, uint64_t b,
                      uint64_t fin, uint64_t r, uint64_t fout, unsigned defined)
{
    printf("%s%u a=%llx b=%llx cf=%u -> r=%llx fl=%03x\n", name, bits,
           (unsigned long long)a, (unsigned long long)b, (unsigned)(fin & F_CF),
           (unsigned long long)r, (unsigned)(fout & defined));
}

static void alu_family(void)
{
    uint64_t va[8], vb[8], fout;

    for (size_t op = 0; op < N_ELEMS(alu_ops); op++) {
        for (int s = 0; s < 4; s++) {
            conf_int_values(sizes[s], va, N_ELEMS(va));
            conf_int_values(sizes[s], vb, N_ELEMS(vb));
            for (size_t i = 0; i < N_ELEMS(va); i++) {
                size_t j = (i * 3 + op) % N_ELEMS(vb);
                uint64_t fin = 0x202 | (alu_ops[op].carry_in ? (i & 1) : 0);
                uint64_t r = alu_ops[op].fn[s](va[i], vb[j], fin, &fout);
                print_bin(alu_ops[op].name, sizes[s], va[i], vb[j], fin, r, fout,
                          alu_ops[op].defined);
            }
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Shifts and rotates: which flags are defined depends on the masked count
 */

/* clang-format off */
static const BinOp shift_ops[] = {
    {"rol", FNS(rol), F_CF | F_OF, true}, {"ror", FNS(ror), F_CF | F_OF, true},
    {"rcl", FNS(rcl), F_CF | F_OF, true}, {"rcr", FNS(rcr), F_CF | F_OF, true},
    {"shl", FNS(shl), F_ALL & ~F_AF, true}, {"shr", FNS(shr), F_ALL & ~F_AF, true},
    {"sar", FNS(sar), F_ALL & ~F_AF, true},
};
/* clang-format on */

/* Count 0 changes no flag; OF is defined only for a count of 1; CF is undefined for
 * SHL/SHR once the count reaches the operand size. */
static unsigned shift_defined(const BinOp *op, unsigned bits, unsigned count)
{
    unsigned masked = count & (bits == 64 ? 63 : 31);
    unsigned defined = op->defined;
    bool rotate = op->name[0] == 'r' && op->name[1] != 'c';

    if (masked == 0) {
        return F_ALL;
    }
    if (masked != 1) {
        defined &= ~F_OF;
    }
    if (!rotate && op->name[1] != 'c' && masked >= bits) {
        defined &= ~F_CF;
    }
    return defined;
}

static void shift_family(void)
{
    static const uint8_t counts[] = {0,  1,  2,  7,  8,  9,  15,  16,
                                     17, 31, 32, 33, 63, 64, 0xff};
    uint64_t va[3], fout;

    for (size_t op = 0; op < N_ELEMS(shift_ops); op++) {
        for (int s = 0; s < 4; s++) {
            conf_int_values(sizes[s], va, N_ELEMS(va));
            va[0] = conf_rand();
            for (size_t c = 0; c < N_ELEMS(counts); c++) {
                uint64_t a = va[c % N_ELEMS(va)] &
                             (sizes[s] == 64 ? ~0ull : (1ull << sizes[s]) - 1);
                uint64_t fin = 0x202 | (c & 1) | (c & 2 ? F_OF : 0);
                uint64_t r = shift_ops[op].fn[s](a, counts[c], fin, &fout);
                print_bin(shift_ops[op].name, sizes[s], a, counts[c], fin, r, fout,
                          shift_defined(&shift_ops[op], sizes[s], counts[c]));
            }
        }
    }
}

/* SHLD/SHRD: the result is undefined when the count exceeds a 16-bit operand. */
/* clang-format off */
#define SHXD(name, insn, T)                                                              \
    static uint64_t name(uint64_t a, uint64_t b, uint64_t count, uint64_t *fout)         \
    {                                                                                    \
        T r = (T)a, s = (T)b;                                                            \
        __asm__ volatile("push $0x202\n\tpopfq\n\t" insn " %%cl, %[s], %[r]" FLAGS_OUT(fo) \
                         : [r] "+r"(r), [fo] "=&r"(*fout)                                \
                         : [s] "r"(s), "c"((uint8_t)count)                               \
                         : "cc");                                                        \
        return r;                                                                        \
    }
/* clang-format on */
SHXD(shld16, "shld", uint16_t)
SHXD(shld32, "shld", uint32_t)
SHXD(shld64, "shld", uint64_t)
SHXD(shrd16, "shrd", uint16_t) SHXD(shrd32, "shrd", uint32_t)
    SHXD(shrd64, "shrd", uint64_t)

        static void double_shift_family(void)
{
    static const struct {
        const char *name;
        BinFn *fn;
        unsigned bits;
    } ops[] = {{"shld", shld16, 16}, {"shld", shld32, 32}, {"shld", shld64, 64},
               {"shrd", shrd16, 16}, {"shrd", shrd32, 32}, {"shrd", shrd64, 64}};
    static const uint8_t counts[] = {0, 1, 2, 7, 15, 16, 31, 32, 63};
    uint64_t fout;

    for (size_t i = 0; i < N_ELEMS(ops); i++) {
        for (size_t c = 0; c < N_ELEMS(counts); c++) {
            unsigned masked = counts[c] & (ops[i].bits == 64 ? 63 : 31);
            uint64_t a = conf_rand(), b = conf_rand();
            uint64_t r = ops[i].fn(a, b, counts[c], &fout);
            if (masked > ops[i].bits || masked == 0) {
                continue; /* undefined result, or nothing happens */
            }
            printf(
                "%s%u a=%llx b=%llx c=%u -> r=%llx fl=%03x\n", ops[i].name, ops[i].bits,
                (unsigned long long)(a & (ops[i].bits == 64 ? ~0ull
                                                            : (1ull << ops[i].bits) - 1)),
                (unsigned long long)(b & (ops[i].bits == 64 ? ~0ull
                                                            : (1ull << ops[i].bits) - 1)),
                counts[c], (unsigned long long)r,
                (unsigned)(fout & (F_ALL & ~F_AF & ~(masked == 1 ? 0 : F_OF))));
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Multiply and divide
 */

typedef struct MulDiv {
    uint64_t rax, rdx, src, fout;
} MulDiv;

/* clang-format off */
#define MD(name, insn, T, C)                                                             \
    static void name(void *p)                                                            \
    {                                                                                    \
        MulDiv *m = p;                                                                   \
        T s = (T)m->src;                                                                 \
        __asm__ volatile("push $0x202\n\tpopfq\n\t" insn " %[s]" FLAGS_OUT(fo)           \
                         : "+a"(m->rax), "+d"(m->rdx), [fo] "=&r"(m->fout)               \
                         : [s] C(s)                                                      \
                         : "cc");                                                        \
    }
#define MD4(op)                                                                          \
    MD(op##8, #op "b", uint8_t, "q")                                                     \
    MD(op##16, #op "w", uint16_t, "r") MD(op##32, #op "l", uint32_t, "r")                \
    MD(op##64, #op "q", uint64_t, "r")
/* clang-format on */

MD4(mul)
MD4(imul)
MD4(div)
MD4(idiv)

    static void muldiv_family(void)
{
    static const struct {
        const char *name;
        void (*fn[4])(void *);
        unsigned defined;
    } ops[] = {{"mul", FNS(mul), F_CF | F_OF},
               {"imul", FNS(imul), F_CF | F_OF},
               {"div", FNS(div), 0},
               {"idiv", FNS(idiv), 0}};
    uint64_t v[10];

    for (size_t op = 0; op < N_ELEMS(ops); op++) {
        for (int s = 0; s < 4; s++) {
            conf_int_values(sizes[s], v, N_ELEMS(v));
            for (size_t i = 0; i < N_ELEMS(v); i++) {
                /* Half the dividends fit in the low half, so not every case is #DE. */
                uint64_t rax = i & 1 ? conf_rand() >> (64 - sizes[s]) : conf_rand();
                MulDiv m = {rax, i & 1 ? 0 : conf_rand() >> (64 - sizes[s]),
                            v[(i * 7 + op) % N_ELEMS(v)], 0};
                MulDiv in = m;
                printf("%s%u rax=%llx rdx=%llx src=%llx -> ", ops[op].name, sizes[s],
                       (unsigned long long)in.rax, (unsigned long long)in.rdx,
                       (unsigned long long)in.src);
                if (conf_faults(ops[op].fn[s], &m)) {
                    printf("#DE\n");
                } else {
                    printf("rax=%llx rdx=%llx fl=%03x\n", (unsigned long long)m.rax,
                           (unsigned long long)m.rdx,
                           (unsigned)(m.fout & ops[op].defined));
                }
            }
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Bit operations
 */

BIN(bt16, "bt", uint16_t, "r")
BIN(bt32, "bt", uint32_t, "r")
BIN(bt64, "bt", uint64_t, "r")
BIN(bts16, "bts", uint16_t, "r") BIN(bts32, "bts", uint32_t, "r")
    BIN(bts64, "bts", uint64_t, "r") BIN(btr16, "btr", uint16_t, "r")
        BIN(btr32, "btr", uint32_t, "r") BIN(btr64, "btr", uint64_t, "r")
            BIN(btc16, "btc", uint16_t, "r") BIN(btc32, "btc", uint32_t, "r")
                BIN(btc64, "btc", uint64_t, "r") BIN(bsf16, "bsf", uint16_t, "r")
                    BIN(bsf32, "bsf", uint32_t, "r") BIN(bsf64, "bsf", uint64_t, "r")
                        BIN(bsr16, "bsr", uint16_t, "r") BIN(bsr32, "bsr", uint32_t, "r")
                            BIN(bsr64, "bsr", uint64_t, "r")
                                BIN(popcnt16, "popcnt", uint16_t, "r")
                                    BIN(popcnt32, "popcnt", uint32_t, "r")
                                        BIN(popcnt64, "popcnt", uint64_t, "r")
                                            UN(bswap32, "bswap", uint32_t, "r")
                                                UN(bswap64, "bswap", uint64_t, "r")

                                                    static void bitops_family(void)
{
    static const struct {
        const char *name;
        BinFn *fn[3]; /* 16, 32, 64 */
        unsigned defined;
        bool result_undefined_for_zero;
        /* clang-format off */
    } ops[] = {
        /* clang-format on */
        {"bt", {bt16, bt32, bt64}, F_CF | F_ZF, false},
        {"bts", {bts16, bts32, bts64}, F_CF | F_ZF, false},
        {"btr", {btr16, btr32, btr64}, F_CF | F_ZF, false},
        {"btc", {btc16, btc32, btc64}, F_CF | F_ZF, false},
        {"bsf", {bsf16, bsf32, bsf64}, F_ZF, true},
        {"bsr", {bsr16, bsr32, bsr64}, F_ZF, true},
        {"popcnt", {popcnt16, popcnt32, popcnt64}, F_ALL, false},
        {"bswap", {NULL, bswap32, bswap64}, F_ALL, false},
    };
    uint64_t v[8], fout;

    for (size_t op = 0; op < N_ELEMS(ops); op++) {
        for (int s = 0; s < 3; s++) {
            if (!ops[op].fn[s]) {
                continue;
            }
            conf_int_values(sizes[s + 1], v, N_ELEMS(v));
            for (size_t i = 0; i < N_ELEMS(v); i++) {
                uint64_t a = conf_rand(), b = v[i];
                uint64_t r = ops[op].fn[s](a, b, 0x202 | (i & 1), &fout);
                bool hide = ops[op].result_undefined_for_zero && b == 0;
                print_bin(ops[op].name, sizes[s + 1],
                          a & (sizes[s + 1] == 64 ? ~0ull : (1ull << sizes[s + 1]) - 1),
                          b, 0, hide ? 0 : r, fout, ops[op].defined);
            }
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Conditional moves and sets over every flag combination that matters
 */

/* clang-format off */
#define CC(X)                                                                            \
    X(o) X(no) X(b) X(ae) X(e) X(ne) X(be) X(a) X(s) X(ns) X(p) X(np) X(l) X(ge) X(le) X(g)
#define CMOV(cc)                                                                         \
    static uint64_t cmov_##cc(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout)      \
    {                                                                                    \
        __asm__ volatile(FLAGS_IN(fi) "cmov" #cc " %[b], %[a]"                           \
                         : [a] "+r"(a) : [b] "r"(b), [fi] "r"(fin) : "cc");              \
        *fout = 0;                                                                       \
        return a;                                                                        \
    }
#define SETCC(cc)                                                                        \
    static uint64_t set_##cc(uint64_t a, uint64_t b, uint64_t fin, uint64_t *fout)       \
    {                                                                                    \
        uint8_t r;                                                                       \
        __asm__ volatile(FLAGS_IN(fi) "set" #cc " %[r]" : [r] "=q"(r) : [fi] "r"(fin) : "cc"); \
        *fout = 0;                                                                       \
        return r;                                                                        \
    }
#define NAME_FN(cc) {#cc, cmov_##cc, set_##cc},
/* clang-format on */
CC(CMOV)
CC(SETCC)

static void cond_family(void)
{
    static const struct {
        const char *cc;
        BinFn *cmov, *set;
    } conds[] = {CC(NAME_FN)};
    static const uint64_t flag_sets[] = {
        0, F_CF, F_ZF, F_SF, F_OF, F_PF, F_SF | F_OF, F_ZF | F_CF, F_ZF | F_SF, F_ALL};
    uint64_t fout;

    for (size_t c = 0; c < N_ELEMS(conds); c++) {
        for (size_t f = 0; f < N_ELEMS(flag_sets); f++) {
            uint64_t fin = 0x202 | flag_sets[f];
            printf("cmov%s fl=%03x -> %llx set%s -> %llx\n", conds[c].cc,
                   (unsigned)flag_sets[f],
                   (unsigned long long)conds[c].cmov(0x1111, 0x2222, fin, &fout),
                   conds[c].cc, (unsigned long long)conds[c].set(0, 0, fin, &fout));
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Exchanges and extensions
 */

static uint64_t xadd64(uint64_t a, uint64_t b, uint64_t *b_out, uint64_t *fout)
{
    __asm__ volatile("push $0x202\n\tpopfq\n\txadd %[b], %[a]" FLAGS_OUT(fo)
                     : [a] "+r"(a), [b] "+r"(b), [fo] "=&r"(*fout)
                     :
                     : "cc");
    *b_out = b;
    return a;
}

static uint64_t cmpxchg32(uint64_t dst, uint64_t src, uint64_t *rax, uint64_t *fout)
{
    uint32_t d = (uint32_t)dst, a = (uint32_t)*rax;

    __asm__ volatile("push $0x202\n\tpopfq\n\tcmpxchg %[s], %[d]" FLAGS_OUT(fo)
                     : [d] "+r"(d), "+a"(a), [fo] "=&r"(*fout)
                     : [s] "r"((uint32_t)src)
                     : "cc");
    *rax = a;
    return d;
}

static void exchange_family(void)
{
    uint64_t fout, b_out, v[6];

    conf_int_values(64, v, N_ELEMS(v));
    for (size_t i = 0; i < N_ELEMS(v); i++) {
        uint64_t a = xadd64(v[i], v[(i + 2) % N_ELEMS(v)], &b_out, &fout);
        printf("xadd64 a=%llx b=%llx -> a=%llx b=%llx fl=%03x\n",
               (unsigned long long)v[i], (unsigned long long)v[(i + 2) % N_ELEMS(v)],
               (unsigned long long)a, (unsigned long long)b_out,
               (unsigned)(fout & F_ALL));
    }
    for (size_t i = 0; i < N_ELEMS(v); i++) {
        uint64_t rax = i & 1 ? v[i] : v[i] + 1, rax_in = rax;
        uint64_t d = cmpxchg32(v[i], 0xabcdef01, &rax, &fout);
        printf("cmpxchg32 d=%llx eax=%llx -> d=%llx eax=%llx fl=%03x\n",
               (unsigned long long)(uint32_t)v[i], (unsigned long long)(uint32_t)rax_in,
               (unsigned long long)d, (unsigned long long)rax, (unsigned)(fout & F_ALL));
    }
}

static void extend_family(void)
{
    uint64_t v[8];

    conf_int_values(64, v, N_ELEMS(v));
    for (size_t i = 0; i < N_ELEMS(v); i++) {
        int64_t sb, sw, sd;
        uint64_t zb, zw;
        __asm__("movsbq %b1, %0" : "=r"(sb) : "q"(v[i]));
        __asm__("movswq %w1, %0" : "=r"(sw) : "r"(v[i]));
        __asm__("movslq %k1, %0" : "=r"(sd) : "r"(v[i]));
        __asm__("movzbq %b1, %0" : "=r"(zb) : "q"(v[i]));
        __asm__("movzwq %w1, %0" : "=r"(zw) : "r"(v[i]));
        printf("ext v=%llx -> sb=%llx sw=%llx sd=%llx zb=%llx zw=%llx\n",
               (unsigned long long)v[i], (unsigned long long)sb, (unsigned long long)sw,
               (unsigned long long)sd, (unsigned long long)zb, (unsigned long long)zw);
    }
}

/* ------------------------------------------------------------------------------------
 * Strings: small REP runs over buffers, both directions
 */

typedef struct StrRun {
    uint8_t src[32], dst[32];
    uint64_t count, fout;
    long si_moved, di_moved;
} StrRun;

/* clang-format off */
#define STRING(name, insn)                                                               \
    static void name(StrRun *s, bool down, unsigned start)                               \
    {                                                                                    \
        uint8_t *si = s->src + start, *di = s->dst + start;                              \
        uint8_t *si0 = si, *di0 = di;                                                    \
        uint64_t fin = 0x202 | (down ? 0x400 : 0);                                       \
        __asm__ volatile(FLAGS_IN(fi) insn FLAGS_OUT(fo) "\n\tcld"                       \
                         : "+S"(si), "+D"(di), "+c"(s->count), [fo] "=&r"(s->fout)       \
                         : [fi] "r"(fin), "a"(0x41)                                      \
                         : "cc", "memory");                                              \
        s->si_moved = si - si0;                                                          \
        s->di_moved = di - di0;                                                          \
    }
/* clang-format on */
STRING(rep_movsb, "rep movsb")
STRING(rep_stosb, "rep stosb")
STRING(repe_cmpsb, "repe cmpsb")
STRING(repne_scasb, "repne scasb") STRING(rep_movsq, "rep movsq")
    STRING(repe_cmpsw, "repe cmpsw")

        static void print_bytes(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%02x", p[i]);
    }
}

static void string_family(void)
{
    static const struct {
        const char *name;
        void (*fn)(StrRun *, bool, unsigned);
        unsigned width;
    } ops[] = {{"rep movsb", rep_movsb, 1},   {"rep stosb", rep_stosb, 1},
               {"repe cmpsb", repe_cmpsb, 1}, {"repne scasb", repne_scasb, 1},
               {"rep movsq", rep_movsq, 8},   {"repe cmpsw", repe_cmpsw, 2}};

    for (size_t op = 0; op < N_ELEMS(ops); op++) {
        for (unsigned count = 0; count < 5; count++) {
            for (int down = 0; down < 2; down++) {
                StrRun s;
                for (size_t i = 0; i < 32; i++) {
                    s.src[i] = (uint8_t)(i < 8 ? 0x41 : conf_rand());
                    s.dst[i] = (uint8_t)(i < 6 ? 0x41 : i);
                }
                s.count = count;
                ops[op].fn(&s, down, down ? 24 : 0);
                printf("%s n=%u df=%d -> rcx=%llu dsi=%ld ddi=%ld fl=%03x dst=",
                       ops[op].name, count, down, (unsigned long long)s.count, s.si_moved,
                       s.di_moved, (unsigned)(s.fout & F_ALL));
                print_bytes(s.dst, sizeof(s.dst));
                printf("\n");
            }
        }
    }
}

void conf_int_families(void)
{
    conf_seed(1);
    alu_family();
    conf_seed(2);
    shift_family();
    double_shift_family();
    conf_seed(3);
    muldiv_family();
    conf_seed(4);
    bitops_family();
    conf_seed(5);
    cond_family();
    exchange_family();
    extend_family();
    string_family();
}
