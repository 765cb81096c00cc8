/*
 * Unit tests for target/i386/fpu*.c: the x87, FNSTENV/FLDENV/FNSAVE/FRSTOR,
 * FXSAVE/FXRSTOR, EMMS and the MMX helpers, differentially against the host CPU and
 * against cases worked out from the Intel SDM.
 *
 * The differential test runs every x87 encoding (D8-DF, each register form, each
 * memory form with [rsi]) from random states - all precisions and rounding modes,
 * masked and unmasked exceptions, zeros, denormals, pseudo-denormals, unnormals,
 * pseudo-NaNs, infinities, QNaNs and SNaNs, extreme and random values, full and
 * empty stacks - natively (FRSTOR, the instruction, FNSAVE) and through our handlers
 * (the emulated FRSTOR, the instruction, the emulated FNSAVE). It compares the
 * control and status words, the full tag word, the registers, the last opcode,
 * memory, EFLAGS and AX bit for bit. The instruction and data pointers hold host
 * addresses on one side and guest ones on the other, so for them the test checks
 * that ours changed exactly when the host's did, to the guest's address.
 */
#include <setjmp.h>
#include <sys/mman.h>
#include "hw/machine.h"
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/fpu.h"
#include "target/i386/insn.h"

#define RAM_SIZE  (4u << 20)
#define PML4      0x1000
#define CODE_ADDR 0x8000
#define DATA      0x10000 /* the memory operand (512 bytes) */
#define DATA2     0x11000 /* FRSTOR/FNSAVE images moving state in and out */
#define SEL_CS    0x08
#define SEL_DS    0x10

#define CASES_PER_FORM 150

/* ------------------------------------------------------------------------------------
 * The emulated CPU
 */

#define CODE_FLAGS (DESC_P | DESC_S | DESC_CS | DESC_R | DESC_A)
#define DATA_FLAGS (DESC_P | DESC_S | DESC_W | DESC_A)

typedef struct __attribute__((packed)) Fsave {
    uint16_t cw, cw_hi, sw, sw_hi, tw, tw_hi;
    uint32_t fip, fcs_fop, fdp, fds;
    uint8_t st[8][10];
} Fsave;

static uint8_t *ram(CPUX86State *env, uint64_t addr)
{
    return env->machine->ram.ram + addr;
}

static void build_page_tables(CPUX86State *env)
{
    st_le(ram(env, PML4), 8, (PML4 + 0x1000) | 3);
    st_le(ram(env, PML4 + 0x1000), 8, (PML4 + 0x2000) | 3);
    for (uint64_t i = 0; i < 512; i++) {
        st_le(ram(env, PML4 + 0x2000 + i * 8), 8, (i << 21) | 0x83);
    }
}

/* bits: 16 (real mode), 32 (flat protected mode) or 64 (long mode, identity paged). */
static CPUX86State *cpu_new_mode(int bits)
{
    CPUX86State *env = cpu_x86_new(machine_new("pc", RAM_SIZE));
    uint32_t limit = bits == 16 ? 0xffff : 0xffffffff;
    uint32_t code_size = bits == 64 ? DESC_L : bits == 32 ? DESC_B : 0;
    uint32_t data_size = bits == 16 ? 0 : DESC_B;

    cpu_x86_reset(env);
    env->cr[0] |= CR0_NE;
    env->cr[4] |= CR4_OSFXSR;
    if (bits == 64) {
        build_page_tables(env);
        env->cr[3] = PML4;
        env->cr[4] |= CR4_PAE;
        env->efer |= EFER_LME | EFER_LMA;
        env->cr[0] |= CR0_PE | CR0_PG;
    } else if (bits == 32) {
        env->cr[0] |= CR0_PE;
    }
    for (int seg = 0; seg < NR_SEGS; seg++) {
        bool code = seg == R_CS;
        uint16_t sel = bits == 16 ? 0 : code ? SEL_CS : SEL_DS;
        uint32_t flags = code ? CODE_FLAGS | code_size : DATA_FLAGS | data_size;
        cpu_set_seg_raw(env, seg, sel, 0, limit, flags);
    }
    cpu_update_hflags(env);
    cpu_update_seg_ok(env);
    tlb_flush(env);
    env->rip = CODE_ADDR;
    return env;
}

static void cpu_free_all(CPUX86State *env)
{
    Machine *m = env->machine;
    cpu_x86_free(env);
    machine_free(m);
}

static void set_seg(CPUX86State *env, int seg, uint16_t sel, uint64_t base,
                    uint32_t limit)
{
    cpu_set_seg_raw(env, seg, sel, base, limit, env->segs[seg].flags);
    cpu_update_seg_ok(env);
    tlb_flush(env);
}

static int decode_mode_of(const CPUX86State *env)
{
    return (env->hflags & HF_CS64)   ? DECODE_64
           : (env->hflags & HF_CS32) ? DECODE_32
                                     : DECODE_16;
}

/* Run one instruction as the engine would. Returns the exception vector, or -1. */
static int emu_exec(CPUX86State *env, const uint8_t *bytes, size_t n)
{
    Insn d;
    const InsnDef *def;

    g_assert_cmpint(decode_insn(&d, bytes, n, decode_mode_of(env)), ==, DECODE_OK);
    g_assert_cmpint(d.len, ==, n);
    def = insn_lookup(&d, cpu_is_64bit(env));
    if (!def) {
        return EXCP_UD;
    }
    env->rip = CODE_ADDR;
    env->next_rip = CODE_ADDR + d.len;
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    def->fn(env, &d);
    env->rip = env->next_rip;
    return -1;
}

/* The bytes of an instruction, and their count */
#define BYTES(...)       (const uint8_t[]){__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__})
#define EMU(env, ...)    emu_exec(env, BYTES(__VA_ARGS__))
#define EMU_OK(env, ...) g_assert_cmpint(EMU(env, __VA_ARGS__), ==, -1)

/* FNINIT, then FRSTOR [rdi] from an image (64-bit mode). */
static void emu_load_state(CPUX86State *env, const Fsave *s)
{
    memcpy(ram(env, DATA2), s, sizeof(*s));
    env->regs[R_EDI] = DATA2;
    EMU_OK(env, 0xdb, 0xe3);
    EMU_OK(env, 0xdd, 0x27);
}

/* FNSAVE [rdi] (which reinitialises the FPU). */
static void emu_save_state(CPUX86State *env, Fsave *s)
{
    env->regs[R_EDI] = DATA2;
    EMU_OK(env, 0xdd, 0x37);
    memcpy(s, ram(env, DATA2), sizeof(*s));
}

/* ------------------------------------------------------------------------------------
 * The host
 */

/* FRSTOR img, EFLAGS and RAX in, call code, RAX and EFLAGS out, FNSAVE img. */
uint32_t host_x87(Fsave *img, void *mem, uint64_t flags, const void *code, uint64_t *rax);
__asm__(".text\n"
        ".globl host_x87\n"
        ".type host_x87, @function\n"
        "host_x87:\n"
        "    push %rbx\n"
        "    mov %r8, %rbx\n"
        "    sub $16, %rsp\n"
        "    fnstcw (%rsp)\n"
        "    frstor (%rdi)\n"
        "    push %rdx\n"
        "    popfq\n"
        "    mov (%rbx), %rax\n"
        "    call *%rcx\n"
        "    mov %rax, (%rbx)\n"
        "    pushfq\n"
        "    pop %rax\n"
        "    fnsave (%rdi)\n"
        "    fldcw (%rsp)\n"
        "    add $16, %rsp\n"
        "    pop %rbx\n"
        "    ret\n"
        ".size host_x87, .-host_x87\n");

static uint8_t *host_code;
/* The host's memory operand, always at one address (its FDP). */
static uint8_t host_operand[512] __attribute__((aligned(16)));

static const void *host_code_for(const uint8_t *bytes, size_t n)
{
    if (!host_code) {
        host_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        g_assert(host_code != MAP_FAILED);
    }
    memcpy(host_code, bytes, n);
    host_code[n] = 0xc3; /* ret */
    return host_code;
}

/* ------------------------------------------------------------------------------------
 * Operands
 */

static uint64_t rnd64(GRand *r)
{
    return (uint64_t)g_rand_int(r) << 32 | g_rand_int(r);
}

static int rnd(GRand *r, int lo, int hi_excl)
{
    return g_rand_int_range(r, lo, hi_excl);
}

/* Exponents where float/double/int conversions and precision control get tight. */
static unsigned edge_exponent(GRand *r)
{
    static const int deltas[] = {
        0,     1,     -1,    15,    16,     31,     32,    62,     63,     64,
        126,   127,   128,   -126,  -127,   -149,   -150,  1022,   1023,   1024,
        -1022, -1023, -1074, -1075, -16382, -16383, 16383, -16440, -16445, -16446};
    return 0x3fff + deltas[rnd(r, 0, ARRAY_SIZE(deltas))];
}

/* Significands with round-half, just-above and just-below patterns at 24/53/64 bits. */
static uint64_t tie_mantissa(GRand *r)
{
    static const unsigned drop[] = {40, 11, 1};
    unsigned k = drop[rnd(r, 0, 3)];
    uint64_t half = 1ull << (k - 1);
    uint64_t m = (rnd64(r) | 1ull << 63) & ~((1ull << k) - 1);

    switch (rnd(r, 0, 3)) {
    case 0: return m | half;
    case 1: return m | (half - 1);
    default: return m | half | 1;
    }
}

/* An 80-bit value; anchor gives operands exponents close enough to interact. */
static void gen_ext80(GRand *r, unsigned anchor, uint8_t *p)
{
    uint64_t mant = rnd64(r), top = 1ull << 63;
    int exp = rnd(r, 1, 0x7fff);

    switch (rnd(r, 0, 20)) {
    case 0: mant = 0, exp = 0; break;
    case 1: mant = (mant & ~top) >> rnd(r, 0, 63), exp = 0; break; /* denormal */
    case 2: mant |= top, exp = 0; break;                           /* pseudo-denormal */
    case 3: mant &= ~top; break;                                   /* unnormal */
    case 4: mant = top, exp = 0x7fff; break;                       /* infinity */
    case 5: mant |= 3ull << 62, exp = 0x7fff; break;               /* QNaN */
    case 6: mant = (mant & ~(1ull << 62)) | top | 1, exp = 0x7fff; break; /* SNaN */
    case 7: mant &= ~top, exp = 0x7fff; break; /* pseudo-NaN, pseudo-infinity */
    case 8: mant = ~0ull, exp = 0x7ffe; break;
    case 9: mant = top, exp = 1; break;
    case 10:
    case 11: mant |= top, exp = edge_exponent(r); break;
    case 12:
        mant = (mant | top) & (~0ull << rnd(r, 0, 64)), exp = 0x3fff + rnd(r, 0, 66);
        break;
    case 13:
    case 14:
        mant = tie_mantissa(r), exp = rnd(r, 0, 2) ? anchor : edge_exponent(r);
        break;
    case 15: mant |= top; break;
    default: mant |= top, exp = anchor + rnd(r, -66, 67); break;
    }
    st_le(p, 8, mant);
    st_le(p + 8, 2, (exp & 0x7fff) | (rnd(r, 0, 2) << 15));
}

static uint64_t gen_int(GRand *r, unsigned bits)
{
    static const int64_t edges[] = {0,
                                    1,
                                    -1,
                                    2,
                                    3,
                                    -3,
                                    10,
                                    0x7fff,
                                    -0x8000,
                                    0x7fffffff,
                                    -0x7fffffff - 1,
                                    INT64_MAX,
                                    INT64_MIN,
                                    1000000007};
    switch (rnd(r, 0, 4)) {
    case 0: return edges[rnd(r, 0, ARRAY_SIZE(edges))];
    case 1: return rnd64(r) >> rnd(r, 0, 64);
    case 2: return -(rnd64(r) >> rnd(r, 0, 64));
    default: return rnd64(r) & size_mask(bits / 8);
    }
}

/* IEEE single (bits 32) or double (64) bit patterns. */
static uint64_t gen_ieee(GRand *r, unsigned bits)
{
    unsigned mbits = bits == 32 ? 23 : 52, ebits = bits - 1 - mbits;
    uint64_t emax = (1ull << ebits) - 1, mant = rnd64(r) & ((1ull << mbits) - 1);
    uint64_t exp = rnd64(r) & emax, sign = (uint64_t)rnd(r, 0, 2) << (bits - 1);
    uint64_t quiet = 1ull << (mbits - 1);

    switch (rnd(r, 0, 10)) {
    case 0: exp = mant = 0; break;
    case 1: exp = 0; break;
    case 2: exp = emax, mant = 0; break;
    case 3: exp = emax, mant |= quiet; break;
    case 4: exp = emax, mant = (mant & ~quiet) | 1; break;
    case 5: exp = emax - 1, mant = quiet * 2 - 1; break;
    case 6: exp = 1; break;
    case 7:
    case 8: exp = emax / 2 + rnd(r, -70, 70); break;
    default: break;
    }
    return sign | exp << mbits | mant;
}

static void gen_bcd(GRand *r, uint8_t *p)
{
    for (int i = 0; i < 9; i++) {
        p[i] = rnd(r, 0, 10) << 4 | rnd(r, 0, 10);
        if (rnd(r, 0, 40) == 0) {
            p[i] = g_rand_int(r); /* invalid digits */
        }
    }
    p[9] = rnd(r, 0, 4) == 0 ? g_rand_int(r) : rnd(r, 0, 2) << 7;
}

static uint16_t gen_cw(GRand *r)
{
    static const unsigned pcs[] = {0, 2, 2, 3, 3, 3, 1};
    unsigned masks = rnd(r, 0, 10) < 7 ? FPU_EXCP : g_rand_int(r) & FPU_EXCP;
    uint16_t cw =
        masks | pcs[rnd(r, 0, ARRAY_SIZE(pcs))] << 8 | rnd(r, 0, 4) << 10 | 0x40;

    return rnd(r, 0, 8) == 0 ? cw | (g_rand_int(r) & 0xe080) : cw;
}

/* A state without a pending exception: only masked flags set. */
static void gen_state(GRand *r, Fsave *s)
{
    unsigned anchor = rnd(r, 0, 3) ? 0x3fff + rnd(r, -80, 80) : rnd(r, 1, 0x7fff);
    int fill = rnd(r, 0, 8); /* 0: all empty, 1: all in use, else some of each */

    memset(s, 0, sizeof(*s));
    s->cw = gen_cw(r);
    s->sw = (g_rand_int(r) & 0x7f40) | (g_rand_int(r) & s->cw & FPU_EXCP);
    s->sw |= rnd(r, 0, 8) == 0 ? FPUS_ES | FPUS_B : 0; /* a stale ES the CPU ignores */
    for (int i = 0; i < 8; i++) {
        bool empty = fill == 0 || (fill > 1 && rnd(r, 0, 4) == 0);
        s->tw |= (empty ? 3 : rnd(r, 0, 3)) << (2 * i);
        gen_ext80(r, anchor, s->st[i]);
    }
    s->fip = g_rand_int(r);
    s->fcs_fop = g_rand_int(r) & 0x07ffffff;
    s->fdp = g_rand_int(r);
    s->fds = g_rand_int(r) & 0xffff;
}

enum { MK_RANDOM, MK_F32, MK_F64, MK_F80, MK_I16, MK_I32, MK_I64, MK_BCD, MK_CW, MK_ENV };

static int mem_kind(uint8_t op, unsigned reg)
{
    switch (op) {
    case 0xd8: return MK_F32;
    case 0xd9:
        return reg == 0 ? MK_F32 : reg == 5 ? MK_CW : reg == 4 ? MK_ENV : MK_RANDOM;
    case 0xda: return MK_I32;
    case 0xdb: return reg == 0 ? MK_I32 : reg == 5 ? MK_F80 : MK_RANDOM;
    case 0xdc: return MK_F64;
    case 0xdd: return reg == 0 ? MK_F64 : reg == 4 ? MK_ENV : MK_RANDOM;
    case 0xde: return MK_I16;
    default: return reg == 0 ? MK_I16 : reg == 4 ? MK_BCD : reg == 5 ? MK_I64 : MK_RANDOM;
    }
}

/* The memory operand: 512 random bytes with the operand's value at the start. */
static void gen_mem(GRand *r, int kind, bool env16, uint8_t *m)
{
    Fsave s;

    for (int i = 0; i < 512; i++) {
        m[i] = g_rand_int(r);
    }
    switch (kind) {
    case MK_F32: st_le(m, 4, gen_ieee(r, 32)); break;
    case MK_F64: st_le(m, 8, gen_ieee(r, 64)); break;
    case MK_F80: gen_ext80(r, 0x3fff + rnd(r, -70, 70), m); break;
    case MK_I16: st_le(m, 2, gen_int(r, 16)); break;
    case MK_I32: st_le(m, 4, gen_int(r, 32)); break;
    case MK_I64: st_le(m, 8, gen_int(r, 64)); break;
    case MK_BCD: gen_bcd(r, m); break;
    case MK_CW: st_le(m, 2, gen_cw(r)); break;
    case MK_ENV:
        gen_state(r, &s);
        if (env16) { /* cw, sw, tw, then four pointer words, then the registers */
            st_le(m, 2, s.cw), st_le(m + 2, 2, s.sw), st_le(m + 4, 2, s.tw);
            memcpy(m + 14, s.st, 80);
        } else {
            memcpy(m, &s, sizeof(s));
        }
        break;
    default: break;
    }
}

/* ------------------------------------------------------------------------------------
 * The differential test
 */

typedef struct Case {
    const uint8_t *bytes;
    size_t n;
    Fsave init, host, emu;
    uint8_t host_mem[512];
    uint8_t mem_before[512];
    uint64_t flags_in, host_rax, emu_rax;
    uint32_t host_flags, emu_flags;
} Case;

static void dump_fsave(const char *what, const Fsave *s)
{
    g_test_message("%s: cw %04x sw %04x tw %04x fip %08x fcs/fop %08x fdp %08x fds %08x",
                   what, s->cw, s->sw, s->tw, s->fip, s->fcs_fop, s->fdp, s->fds);
    for (int i = 0; i < 8; i++) {
        g_test_message("  st%d %04x %016" PRIx64, i, (unsigned)ld_le(s->st[i] + 8, 2),
                       ld_le(s->st[i], 8));
    }
}

static void case_fail(const Case *c, const char *what)
{
    GString *b = g_string_new(NULL);

    for (size_t i = 0; i < c->n; i++) {
        g_string_append_printf(b, "%02x ", c->bytes[i]);
    }
    g_test_message("insn %s: %s differs; flags in %03" PRIx64 ", mem %016" PRIx64 " %04x",
                   b->str, what, c->flags_in, ld_le(c->mem_before, 8),
                   (unsigned)ld_le(c->mem_before + 8, 2));
    dump_fsave("initial", &c->init);
    dump_fsave("host", &c->host);
    dump_fsave("emulated", &c->emu);
    g_string_free(b, true);
    g_test_fail();
}

/* The pointers: changed exactly where the host's changed, to our CS:rip and DS:ea. */
static void check_pointers(const Case *c)
{
    bool ip_set = c->host.fip == (uint32_t)(uintptr_t)host_code;
    bool dp_set = c->host.fdp == (uint32_t)(uintptr_t)host_operand;

    if ((c->emu.fcs_fop >> 16) != (c->host.fcs_fop >> 16)) {
        case_fail(c, "FOP");
    }
    if (ip_set ? c->emu.fip != CODE_ADDR || (c->emu.fcs_fop & 0xffff) != SEL_CS
               : c->emu.fip != c->host.fip ||
                     (c->emu.fcs_fop & 0xffff) != (c->host.fcs_fop & 0xffff)) {
        case_fail(c, "FIP/FCS");
    }
    if (dp_set ? c->emu.fdp != DATA || c->emu.fds != (0xffff0000 | SEL_DS)
               : c->emu.fdp != c->host.fdp || c->emu.fds != c->host.fds) {
        case_fail(c, "FDP/FDS");
    }
}

static void compare_case(CPUX86State *env, const Case *c)
{
    if (memcmp(&c->emu, &c->host, offsetof(Fsave, fip)) ||
        memcmp(c->emu.st, c->host.st, sizeof(c->emu.st))) {
        case_fail(c, "state");
    }
    check_pointers(c);
    if (memcmp(ram(env, DATA), c->host_mem, sizeof(c->host_mem))) {
        case_fail(c, "memory");
    }
    if ((c->emu_flags ^ c->host_flags) & CC_ARITH) {
        g_test_message("eflags host %03x emulated %03x", c->host_flags, c->emu_flags);
        case_fail(c, "EFLAGS");
    }
    if (c->emu_rax != c->host_rax) {
        case_fail(c, "RAX");
    }
}

typedef struct HostResult {
    Fsave fsave;
    uint8_t mem[512] __attribute__((aligned(16)));
    uint64_t rax;
    uint32_t flags;
} HostResult;

static void host_once(Case *c, HostResult *h)
{
    h->fsave = c->init;
    h->rax = c->emu_rax;
    memcpy(host_operand, c->mem_before, sizeof(host_operand));
    h->flags = host_x87(&h->fsave, host_operand, c->flags_in | EFLAGS_FIXED,
                        host_code_for(c->bytes, c->n), &h->rax);
    memcpy(h->mem, host_operand, sizeof(h->mem));
}

/*
 * The host's pointers do not always survive a preemption between the instruction
 * and FNSAVE (AMD's XSAVE drops them when no exception is pending), so a result
 * counts once two runs agree.
 */
static void host_run_case(Case *c)
{
    HostResult a, b;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    host_once(c, &a);
    for (int tries = 0; tries < 5; tries++) {
        host_once(c, &b);
        if (!memcmp(&a, &b, sizeof(a))) {
            break;
        }
        a = b;
    }
    c->host = a.fsave;
    memcpy(c->host_mem, a.mem, sizeof(a.mem));
    c->host_rax = a.rax;
    c->host_flags = a.flags;
}

static void run_case(CPUX86State *env, GRand *r, Case *c, int kind, bool env16)
{
    int vector;

    gen_state(r, &c->init);
    gen_mem(r, kind, env16, c->mem_before);
    c->flags_in = g_rand_int(r) & CC_ARITH;
    c->emu_rax = rnd64(r);
    host_run_case(c);

    emu_load_state(env, &c->init);
    memcpy(ram(env, DATA), c->mem_before, sizeof(c->mem_before));
    env->regs[R_ESI] = DATA;
    env->regs[R_EAX] = c->emu_rax;
    cpu_set_eflags(env, c->flags_in, CC_ARITH);
    vector = emu_exec(env, c->bytes, c->n);
    if (vector != -1) {
        g_test_message("raised vector %d", vector);
        case_fail(c, "exception");
        return;
    }
    c->emu_rax = env->regs[R_EAX];
    c->emu_flags = cpu_get_eflags(env);
    emu_save_state(env, &c->emu);
    compare_case(env, c);
}

static void diff_form(CPUX86State *env, GRand *r, const uint8_t *bytes, size_t n,
                      int kind, int cases)
{
    Case *c = g_new0(Case, 1);

    c->bytes = bytes;
    c->n = n;
    for (int i = 0; i < cases && !g_test_failed(); i++) {
        run_case(env, r, c, kind, bytes[0] == 0x66);
    }
    g_free(c);
}

/* Whether the decoder accepts the bytes (the aliases included). */
static bool encodable(const uint8_t *bytes, size_t n)
{
    Insn d;
    return decode_insn(&d, bytes, n, DECODE_64) == DECODE_OK && d.len == n;
}

static int cases_per_form(void)
{
    return g_test_slow() ? CASES_PER_FORM * 40 : CASES_PER_FORM;
}

static void test_diff_register_forms(void)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *r = g_rand_new_with_seed(87);
    unsigned forms = 0;

    for (unsigned op = 0xd8; op <= 0xdf; op++) {
        for (unsigned modrm = 0xc0; modrm <= 0xff; modrm++) {
            uint8_t bytes[2] = {op, modrm};
            if (encodable(bytes, 2)) {
                diff_form(env, r, bytes, 2, MK_RANDOM, cases_per_form());
                forms++;
            }
        }
    }
    g_assert_cmpuint(forms, ==, 8 * 64 - 92); /* SDM tables, with aliases */
    g_rand_free(r);
    cpu_free_all(env);
}

static void test_diff_memory_forms(void)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *r = g_rand_new_with_seed(88);
    unsigned forms = 0;

    for (unsigned op = 0xd8; op <= 0xdf; op++) {
        for (unsigned reg = 0; reg < 8; reg++) {
            uint8_t bytes[3] = {0x66, op, reg << 3 | 6}; /* [rsi] */
            bool env_form = (op == 0xd9 || op == 0xdd) && (reg == 4 || reg == 6);
            if (!encodable(bytes + 1, 2)) {
                continue;
            }
            diff_form(env, r, bytes + 1, 2, mem_kind(op, reg), cases_per_form() * 2);
            if (env_form) { /* and the 16-bit layouts */
                diff_form(env, r, bytes, 3, mem_kind(op, reg), cases_per_form());
            }
            forms++;
        }
    }
    g_assert_cmpuint(forms, ==, 64 - 4); /* D9 /1, DB /4, DB /6, DD /5 undefined */
    g_rand_free(r);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Pending exceptions and #NM
 */

static const FPReg *st_i(const CPUX86State *env, unsigned i)
{
    return &env->fpregs[(env->fpstt + i) & 7];
}

static void emu_fldcw(CPUX86State *env, uint16_t cw)
{
    st_le(ram(env, DATA + 256), 2, cw);
    env->regs[R_EDI] = DATA + 256;
    EMU_OK(env, 0xd9, 0x2f); /* fldcw [rdi] */
}

/* 1/0 with ZE unmasked natively: the status word it leaves. */
static uint16_t host_unmasked_divide_sw(void)
{
    uint16_t cw = 0x37b, sw;

    asm volatile("fninit\n\tfldcw %1\n\tfld1\n\tfldz\n\t.byte 0xde, 0xf9\n\t"
                 "fnstsw %0\n\tfninit"
                 : "=m"(sw)
                 : "m"(cw));
    return sw;
}

static void test_pending_exception(void)
{
    CPUX86State *env = cpu_new_mode(64);
    uint16_t sw;

    env->regs[R_ESI] = DATA;
    EMU_OK(env, 0xdb, 0xe3);
    emu_fldcw(env, 0x37b);
    EMU_OK(env, 0xd9, 0xe8); /* fld1 */
    EMU_OK(env, 0xd9, 0xee); /* fldz */
    EMU_OK(env, 0xde, 0xf9); /* fdivp: unmasked ZE */
    sw = fpu_get_sw(env);
    g_assert_cmphex(sw, ==, host_unmasked_divide_sw());
    g_assert_cmphex(sw & (FPUS_ZE | FPUS_ES | FPUS_B), ==, FPUS_ZE | FPUS_ES | FPUS_B);
    g_assert_cmphex(env->fpop, ==, 0x6f9);

    /* Waiting instructions trap and change nothing; the FN forms do not wait. */
    g_assert_cmpint(EMU(env, 0xd8, 0xc0), ==, EXCP_MF);
    g_assert_cmpint(EMU(env, 0x9b), ==, EXCP_MF);
    g_assert_cmpint(EMU(env, 0xd9, 0x2e), ==, EXCP_MF); /* fldcw */
    g_assert_cmpint(EMU(env, 0x0f, 0x77), ==, EXCP_MF); /* emms */
    g_assert_cmphex(fpu_get_sw(env), ==, sw);
    g_assert_cmphex(env->fpop, ==, 0x6f9);
    env->cr[0] &= ~(uint64_t)CR0_NE; /* FERR# is not modelled: still #MF */
    g_assert_cmpint(EMU(env, 0xd8, 0xc0), ==, EXCP_MF);
    env->cr[0] |= CR0_NE;
    EMU_OK(env, 0xdf, 0xe0); /* fnstsw ax */
    g_assert_cmphex(env->regs[R_EAX] & 0xffff, ==, sw);
    EMU_OK(env, 0x0f, 0xae, 0x06); /* fxsave does not wait */
    EMU_OK(env, 0xdb, 0xe2);       /* fnclex */
    g_assert_cmphex(fpu_get_sw(env) & 0x80ff, ==, 0);
    EMU_OK(env, 0xd8, 0xc0);

    /* FLDCW can unmask a flag that is already set; FNSTENV masks all again. */
    EMU_OK(env, 0xdb, 0xe3);
    EMU_OK(env, 0xd9, 0xe8);
    EMU_OK(env, 0xd9, 0xee);
    EMU_OK(env, 0xde, 0xf9); /* masked: ZE, ST(0) = +inf */
    g_assert_cmphex(fpu_get_sw(env) & FPUS_ES, ==, 0);
    emu_fldcw(env, 0x37b);
    g_assert_cmphex(fpu_get_sw(env) & (FPUS_ES | FPUS_B), ==, FPUS_ES | FPUS_B);
    g_assert_cmpint(EMU(env, 0xd8, 0xc0), ==, EXCP_MF);
    EMU_OK(env, 0xd9, 0x36); /* fnstenv [rsi] */
    g_assert_cmphex(env->fpuc, ==, 0x37f);
    g_assert_cmphex(fpu_get_sw(env) & FPUS_ES, ==, 0);
    EMU_OK(env, 0xd8, 0xc0);
    cpu_free_all(env);
}

static void test_device_not_available(void)
{
    CPUX86State *env = cpu_new_mode(64);

    env->regs[R_ESI] = DATA;
    env->cr[0] |= CR0_TS;
    g_assert_cmpint(EMU(env, 0xd8, 0xc0), ==, EXCP_NM);
    g_assert_cmpint(EMU(env, 0xdb, 0xe3), ==, EXCP_NM);       /* fninit */
    g_assert_cmpint(EMU(env, 0xdf, 0xe0), ==, EXCP_NM);       /* fnstsw ax */
    g_assert_cmpint(EMU(env, 0x0f, 0xae, 0x06), ==, EXCP_NM); /* fxsave */
    g_assert_cmpint(EMU(env, 0x0f, 0x77), ==, EXCP_NM);       /* emms */
    EMU_OK(env, 0x9b);                                        /* fwait needs MP too */
    env->cr[0] |= CR0_MP;
    g_assert_cmpint(EMU(env, 0x9b), ==, EXCP_NM);
    env->cr[0] &= ~(uint64_t)(CR0_TS | CR0_MP);
    env->cr[0] |= CR0_EM;
    g_assert_cmpint(EMU(env, 0xd9, 0xe8), ==, EXCP_NM);
    g_assert_cmpint(EMU(env, 0x0f, 0xae, 0x0e), ==, EXCP_NM); /* fxrstor */
    g_assert_cmpint(EMU(env, 0x0f, 0x77), ==, EXCP_UD);       /* MMX: #UD with EM */
    EMU_OK(env, 0x9b);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Cases worked out from the SDM
 */

static void emu_fninit_cw(CPUX86State *env, uint16_t cw)
{
    EMU_OK(env, 0xdb, 0xe3);
    emu_fldcw(env, cw);
}

static void test_sdm_constants(void)
{
    /* pi = 1.1001001 0000 1111 1101 1010 ... C90FDAA2 2168C234 C4C6...: below a tie */
    static const uint64_t pi_by_rc[4] = {0xc90fdaa22168c235ull, 0xc90fdaa22168c234ull,
                                         0xc90fdaa22168c235ull, 0xc90fdaa22168c234ull};
    CPUX86State *env = cpu_new_mode(64);

    for (unsigned rc = 0; rc < 4; rc++) {
        emu_fninit_cw(env, 0x37f | rc << 10);
        EMU_OK(env, 0xd9, 0xeb); /* fldpi */
        g_assert_cmphex(st_i(env, 0)->mant, ==, pi_by_rc[rc]);
        g_assert_cmphex(st_i(env, 0)->exp, ==, 0x4000);
        EMU_OK(env, 0xd9, 0xee); /* fldz */
        g_assert_cmphex(st_i(env, 0)->mant, ==, 0);
        g_assert_cmphex(st_i(env, 0)->exp, ==, 0);
    }
    EMU_OK(env, 0xdb, 0xe3);
    env->regs[R_ESI] = DATA;
    EMU_OK(env, 0xd9, 0xe8); /* fld1 */
    EMU_OK(env, 0xd9, 0x1e); /* fstp dword [rsi] */
    g_assert_cmphex(ld_le(ram(env, DATA), 4), ==, 0x3f800000);
    g_assert_cmphex(env->fptw, ==, 0xffff);
    cpu_free_all(env);
}

static void test_sdm_stack_faults(void)
{
    CPUX86State *env = cpu_new_mode(64);

    EMU_OK(env, 0xdb, 0xe3);
    EMU_OK(env, 0xd9, 0xe5); /* fxam on an empty register: C3 and C0 */
    g_assert_cmphex(fpu_get_sw(env) & (FPUS_C3 | FPUS_C2 | FPUS_C0), ==,
                    FPUS_C3 | FPUS_C0);
    for (int i = 0; i < 8; i++) {
        EMU_OK(env, 0xd9, 0xe8);
    }
    EMU_OK(env, 0xd9, 0xe8); /* overflow: IE, SF, C1 = 1, QNaN indefinite */
    g_assert_cmphex(fpu_get_sw(env) & (FPU_EXCP | FPUS_SF | FPUS_C1), ==,
                    FPUS_IE | FPUS_SF | FPUS_C1);
    g_assert_cmphex(st_i(env, 0)->exp, ==, 0xffff);
    g_assert_cmphex(st_i(env, 0)->mant, ==, 0xc000000000000000ull);
    EMU_OK(env, 0xdb, 0xe3);
    EMU_OK(env, 0xd8, 0xc1); /* fadd st, st(1): underflow, C1 = 0 */
    g_assert_cmphex(fpu_get_sw(env) & (FPU_EXCP | FPUS_SF | FPUS_C1), ==,
                    FPUS_IE | FPUS_SF);
    cpu_free_all(env);
}

static void test_sdm_conversions(void)
{
    CPUX86State *env = cpu_new_mode(64);
    uint8_t *m = ram(env, DATA);

    env->regs[R_ESI] = DATA;
    EMU_OK(env, 0xdb, 0xe3);
    st_le(m, 4, 40000);
    EMU_OK(env, 0xdb, 0x06); /* fild dword [rsi] */
    EMU_OK(env, 0xdf, 0x1e); /* fistp word [rsi]: out of range, integer indefinite */
    g_assert_cmphex(ld_le(m, 2), ==, 0x8000);
    g_assert_cmphex(fpu_get_sw(env) & FPUS_IE, ==, FPUS_IE);

    EMU_OK(env, 0xdb, 0xe3);
    st_le(m, 8, 0xc004000000000000ull); /* -2.5 */
    EMU_OK(env, 0xdd, 0x06);            /* fld qword [rsi] */
    EMU_OK(env, 0xd9, 0xc0);            /* fld st(0) */
    EMU_OK(env, 0xdb, 0x0e);            /* fisttp dword [rsi]: truncates */
    g_assert_cmphex(ld_le(m, 4), ==, (uint32_t)-2);
    EMU_OK(env, 0xdb, 0x1e); /* fistp dword [rsi]: nearest even */
    g_assert_cmphex(ld_le(m, 4), ==, (uint32_t)-2);

    EMU_OK(env, 0xdb, 0xe3);
    st_le(m, 4, -1234);
    EMU_OK(env, 0xdb, 0x06);
    EMU_OK(env, 0xdf, 0x36); /* fbstp [rsi] */
    g_assert_cmphex(ld_le(m, 8), ==, 0x1234);
    g_assert_cmphex(ld_le(m + 8, 2), ==, 0x8000);
    EMU_OK(env, 0xdf, 0x26); /* fbld [rsi] */
    g_assert_cmphex(st_i(env, 0)->exp, ==, 0xc009);
    g_assert_cmphex(st_i(env, 0)->mant, ==, 0x9a40000000000000ull);
    cpu_free_all(env);
}

static void test_sdm_compare(void)
{
    CPUX86State *env = cpu_new_mode(64);

    env->regs[R_ESI] = DATA;
    st_le(ram(env, DATA), 4, 0x7fc00000); /* QNaN */
    EMU_OK(env, 0xdb, 0xe3);
    EMU_OK(env, 0xd9, 0xee);
    EMU_OK(env, 0xd9, 0x06); /* fld dword [rsi] */
    cpu_set_eflags(env, CC_O | CC_S | CC_A, CC_ARITH);
    EMU_OK(env, 0xdb, 0xe9); /* fucomi: unordered, no IE for a QNaN */
    g_assert_cmphex(cpu_get_eflags(env) & CC_ARITH, ==, CC_Z | CC_P | CC_C);
    g_assert_cmphex(fpu_get_sw(env) & FPUS_IE, ==, 0);
    EMU_OK(env, 0xdb, 0xf1); /* fcomi: IE */
    g_assert_cmphex(fpu_get_sw(env) & FPUS_IE, ==, FPUS_IE);
    EMU_OK(env, 0xd9, 0xe8); /* 1 > 0 */
    EMU_OK(env, 0xdf, 0xf2); /* fcomip st, st(2) */
    g_assert_cmphex(cpu_get_eflags(env) & CC_ARITH, ==, 0);
    cpu_set_eflags(env, CC_C, CC_ARITH);
    EMU_OK(env, 0xda, 0xc1); /* fcmovb st, st(1): CF set, moves the 0 */
    g_assert_cmphex(st_i(env, 0)->exp, ==, 0);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * FNSTENV/FLDENV/FNSAVE/FRSTOR layouts (SDM vol. 1 figures 8-9 to 8-12)
 */

static void check_words(CPUX86State *env, uint64_t addr, const uint32_t *want, int n,
                        unsigned width)
{
    for (int i = 0; i < n; i++) {
        g_assert_cmphex(ld_le(ram(env, addr + i * width), width), ==, want[i]);
    }
}

static void test_env_real_mode(void)
{
    static const uint32_t env16[7] = {0x037f, 0x3800, 0x3fff, 0xa340,
                                      0x1104, 0x3550, 0x2000};
    static const uint32_t env32[7] = {0xffff037f, 0xffff3800, 0xffff3fff, 0xffffa340,
                                      0x00001104, 0xffff3550, 0x00002000};
    CPUX86State *env = cpu_new_mode(16);
    const uint64_t ds = 0x23450;

    set_seg(env, R_CS, 0x1234, 0x12340, 0xffff); /* FIP: 0x12340 + 0x8000 */
    set_seg(env, R_DS, 0x2345, ds, 0xffff);      /* FDP: 0x23450 + 0x100 */
    env->regs[R_ESI] = 0x100;
    env->regs[R_EDI] = 0x200;
    st_le(ram(env, ds + 0x100), 4, 0x3f800000);
    EMU_OK(env, 0xdb, 0xe3);
    EMU_OK(env, 0xd9, 0x04); /* fld dword [si] */
    EMU_OK(env, 0xd9, 0x35); /* fnstenv [di], 14 bytes */
    check_words(env, ds + 0x200, env16, 7, 2);
    EMU_OK(env, 0x66, 0xd9, 0x35); /* o32 fnstenv [di], 28 bytes */
    check_words(env, ds + 0x200, env32, 7, 4);

    st_le(ram(env, ds + 0x200), 2, 0x0c7f); /* FLDENV, then the same back */
    EMU_OK(env, 0x66, 0xd9, 0x25);
    g_assert_cmphex(env->fpuc, ==, 0x0c7f);
    env->regs[R_EDI] = 0x300;
    EMU_OK(env, 0x66, 0xd9, 0x35);
    g_assert_cmpmem(ram(env, ds + 0x300) + 4, 24, ram(env, ds + 0x200) + 4, 24);

    EMU_OK(env, 0xdd, 0x35); /* fnsave [di], 94 bytes, then FNINIT */
    g_assert_cmphex(env->fptw, ==, 0xffff);
    g_assert_cmphex(env->fpuc, ==, 0x37f);
    g_assert_cmphex(ld_le(ram(env, ds + 0x300 + 14), 8), ==, 1ull << 63);
    EMU_OK(env, 0xdd, 0x25); /* frstor [di] */
    g_assert_cmphex(env->fpuc, ==, 0x0c7f);
    g_assert_cmphex(fpu_get_sw(env), ==, 0x3800);
    g_assert_cmphex(st_i(env, 0)->exp, ==, 0x3fff);
    cpu_free_all(env);
}

static void test_env_protected_mode(void)
{
    static const uint32_t env16[7] = {0x037f, 0x3800,        0x3fff, 0x8000,
                                      SEL_CS, DATA & 0xffff, SEL_DS};
    static const uint32_t env32[7] = {
        0xffff037f,           0xffff3800, 0xffff3fff,         CODE_ADDR,
        SEL_CS | 0x106 << 16, DATA,       0xffff0000 | SEL_DS};
    CPUX86State *env = cpu_new_mode(32);

    env->regs[R_ESI] = DATA;
    env->regs[R_EDI] = DATA2;
    st_le(ram(env, DATA), 4, 0x3f800000);
    EMU_OK(env, 0xdb, 0xe3);
    EMU_OK(env, 0xd9, 0x06);       /* fld dword [esi] */
    EMU_OK(env, 0x66, 0xd9, 0x37); /* o16 fnstenv [edi] */
    check_words(env, DATA2, env16, 7, 2);
    EMU_OK(env, 0xd9, 0x37); /* fnstenv [edi] */
    check_words(env, DATA2, env32, 7, 4);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * FXSAVE / FXRSTOR
 */

static uint8_t host_saved[512] __attribute__((aligned(16)));

/* Natively: FXRSTOR64 in, FRSTOR x87, FXSAVE(64) out; the host's state survives. */
static void host_fxsave(const uint8_t *in, const Fsave *x87, uint8_t *out, bool rex_w)
{
    if (rex_w) {
        asm volatile("fxsave64 %0\n\tfxrstor64 %2\n\tfrstor %3\n\tfxsave64 %1\n\t"
                     "fninit\n\tfxrstor64 %0"
                     : "+m"(host_saved), "=m"(*(uint8_t(*)[512])out)
                     : "m"(*(const uint8_t(*)[512])in), "m"(*x87));
    } else {
        asm volatile("fxsave64 %0\n\tfxrstor64 %2\n\tfrstor %3\n\tfxsave %1\n\t"
                     "fninit\n\tfxrstor64 %0"
                     : "+m"(host_saved), "=m"(*(uint8_t(*)[512])out)
                     : "m"(*(const uint8_t(*)[512])in), "m"(*x87));
    }
}

/* Natively: FXRSTOR(64) in, then FNSAVE and FXSAVE64 what it loaded. */
static void host_fxrstor(const uint8_t *in, Fsave *x87, uint8_t *fx, bool rex_w)
{
    if (rex_w) {
        asm volatile("fxsave64 %0\n\tfxrstor64 %3\n\tfxsave64 %2\n\tfnsave %1\n\t"
                     "fxrstor64 %0"
                     : "+m"(host_saved), "=m"(*x87), "=m"(*(uint8_t(*)[512])fx)
                     : "m"(*(const uint8_t(*)[512])in));
    } else {
        asm volatile("fxsave64 %0\n\tfxrstor %3\n\tfxsave64 %2\n\tfnsave %1\n\t"
                     "fxrstor64 %0"
                     : "+m"(host_saved), "=m"(*x87), "=m"(*(uint8_t(*)[512])fx)
                     : "m"(*(const uint8_t(*)[512])in));
    }
}

/* host_fxrstor until two runs agree (see host_run_case for why). */
static void host_fxrstor_stable(const uint8_t *in, Fsave *x87, uint8_t *fx, bool rex_w)
{
    Fsave again;
    uint8_t fx_again[512] __attribute__((aligned(16)));

    host_fxrstor(in, x87, fx, rex_w);
    for (int tries = 0; tries < 5; tries++) {
        host_fxrstor(in, &again, fx_again, rex_w);
        if (!memcmp(&again, x87, sizeof(again)) && !memcmp(fx_again, fx, 512)) {
            return;
        }
        *x87 = again;
        memcpy(fx, fx_again, 512);
    }
}

/* A valid FXSAVE image with random XMM registers and MXCSR. */
static void gen_fx_image(GRand *r, uint8_t *fx)
{
    Fsave s;
    uint8_t in[512] __attribute__((aligned(16)));

    asm volatile("fxsave64 %0" : "=m"(in));
    gen_state(r, &s);
    host_fxsave(in, &s, fx, true);
    for (int i = 160; i < 512; i++) {
        fx[i] = g_rand_int(r);
    }
    st_le(fx + 24, 4, g_rand_int(r) & FPU_MXCSR_MASK);
}

static void emu_set_sse(CPUX86State *env, const uint8_t *fx)
{
    env->mxcsr = ld_le(fx + 24, 4);
    memcpy(env->xmm, fx + 160, 256);
}

static void check_fxsave_pointers(const uint8_t *p, const Fsave *s, bool rex_w)
{
    g_assert_cmphex(ld_le(p + 6, 2), ==, (s->fcs_fop >> 16) & 0x7ff);
    if (rex_w) {
        g_assert_cmphex(ld_le(p + 8, 8), ==, s->fip);
        g_assert_cmphex(ld_le(p + 16, 8), ==, s->fdp);
    } else {
        g_assert_cmphex(ld_le(p + 8, 4), ==, s->fip);
        g_assert_cmphex(ld_le(p + 12, 4), ==, s->fcs_fop & 0xffff);
        g_assert_cmphex(ld_le(p + 16, 4), ==, s->fdp);
        g_assert_cmphex(ld_le(p + 20, 4), ==, s->fds & 0xffff);
    }
}

/* FXSAVE after the same state, byte for byte; pointers and MXCSR_MASK apart. */
static void test_fxsave_vs_host(void)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *r = g_rand_new_with_seed(89);
    uint8_t in[512] __attribute__((aligned(16))), out[512] __attribute__((aligned(16)));
    uint8_t *emu = ram(env, DATA);
    Fsave s;

    env->regs[R_ESI] = DATA;
    for (int i = 0; i < 2000; i++) {
        bool rex_w = i & 1;
        gen_fx_image(r, in);
        gen_state(r, &s);
        for (int b = 0; b < 512; b++) {
            out[b] = emu[b] = g_rand_int(r);
        }
        host_fxsave(in, &s, out, rex_w);
        emu_set_sse(env, in);
        emu_load_state(env, &s);
        g_assert_cmpint(rex_w ? EMU(env, 0x48, 0x0f, 0xae, 0x06)
                              : EMU(env, 0x0f, 0xae, 0x06),
                        ==, -1);
        g_assert_cmpmem(emu, 6, out, 6);
        g_assert_cmpmem(emu + 24, 4, out + 24, 4);
        g_assert_cmphex(ld_le(emu + 28, 4), ==, ld_le(out + 28, 4) & 0xffff);
        g_assert_cmpmem(emu + 32, 480, out + 32, 480);
        check_fxsave_pointers(emu, &s, rex_w);
    }
    g_rand_free(r);
    cpu_free_all(env);
}

static void test_fxrstor_vs_host(void)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *r = g_rand_new_with_seed(90);
    uint8_t in[512] __attribute__((aligned(16))), fx[512] __attribute__((aligned(16)));
    Fsave host, emu;

    env->regs[R_ESI] = DATA;
    for (int i = 0; i < 2000; i++) {
        bool rex_w = i & 1;
        gen_fx_image(r, in);
        in[4] = g_rand_int(r); /* abridged tags */
        for (int b = 6; b < 24; b++) {
            in[b] = g_rand_int(r); /* FOP, FIP, FCS, FDP, FDS */
        }
        host_fxrstor_stable(in, &host, fx, rex_w);
        memcpy(ram(env, DATA), in, 512);
        EMU_OK(env, 0xdb, 0xe3);
        g_assert_cmpint(rex_w ? EMU(env, 0x48, 0x0f, 0xae, 0x0e)
                              : EMU(env, 0x0f, 0xae, 0x0e),
                        ==, -1);
        g_assert_cmphex(env->mxcsr, ==, ld_le(fx + 24, 4));
        g_assert_cmpmem(env->xmm, 256, fx + 160, 256);
        emu_save_state(env, &emu);
        g_assert_cmpmem(&emu, 12, &host, 12);
        g_assert_cmpmem(emu.st, 80, host.st, 80);
        g_assert_cmphex(emu.fip, ==, host.fip);
        g_assert_cmphex(emu.fdp, ==, host.fdp);
        g_assert_cmphex(emu.fcs_fop >> 16, ==, host.fcs_fop >> 16);
        if (!rex_w) {
            g_assert_cmphex(emu.fcs_fop & 0xffff, ==, host.fcs_fop & 0xffff);
            g_assert_cmphex(emu.fds, ==, host.fds);
        }
    }
    g_rand_free(r);
    cpu_free_all(env);
}

static void test_fx_faults_and_modes(void)
{
    CPUX86State *env = cpu_new_mode(64);
    uint8_t *m = ram(env, DATA);

    env->regs[R_ESI] = DATA + 8;
    g_assert_cmpint(EMU(env, 0x0f, 0xae, 0x06), ==, EXCP_GP); /* misaligned */
    g_assert_cmpint(EMU(env, 0x0f, 0xae, 0x0e), ==, EXCP_GP);
    env->regs[R_ESI] = DATA;
    EMU_OK(env, 0x0f, 0xae, 0x06);
    st_le(m + 24, 4, 0x10000); /* reserved MXCSR bit */
    st_le(m, 2, 0x0c7f);
    g_assert_cmpint(EMU(env, 0x0f, 0xae, 0x0e), ==, EXCP_GP);
    g_assert_cmphex(env->fpuc, ==, 0x37f);

    /* Without CR4.OSFXSR: neither MXCSR nor XMM is saved or loaded. */
    env->cr[4] &= ~(uint64_t)CR4_OSFXSR;
    memset(m, 0xaa, 512);
    EMU_OK(env, 0x0f, 0xae, 0x06);
    g_assert_cmphex(ld_le(m + 24, 8), ==, 0xaaaaaaaaaaaaaaaaull);
    g_assert_cmphex(ld_le(m + 160, 8), ==, 0xaaaaaaaaaaaaaaaaull);
    g_assert_cmphex(ld_le(m, 2), ==, 0x37f);
    st_le(m + 24, 4, 0x10000);
    st_le(m, 2, 0x0c7f);
    EMU_OK(env, 0x0f, 0xae, 0x0e);
    g_assert_cmphex(env->fpuc, ==, 0x0c7f);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80);
    cpu_free_all(env);

    /* Outside 64-bit mode: XMM0-7 only; bytes 416-511 are never written. */
    env = cpu_new_mode(32);
    m = ram(env, DATA);
    env->regs[R_ESI] = DATA;
    memset(env->xmm, 0x11, sizeof(env->xmm));
    memset(m, 0xaa, 512);
    EMU_OK(env, 0x0f, 0xae, 0x06);
    g_assert_cmphex(ld_le(m + 160 + 7 * 16, 8), ==, 0x1111111111111111ull);
    g_assert_cmphex(ld_le(m + 160 + 8 * 16, 8), ==, 0xaaaaaaaaaaaaaaaaull);
    g_assert_cmphex(ld_le(m + 504, 8), ==, 0xaaaaaaaaaaaaaaaaull);
    cpu_free_all(env);
}

/* A store that faults at the segment limit writes nothing and changes nothing. */
static void test_store_faults(void)
{
    CPUX86State *env = cpu_new_mode(32);
    uint8_t before[512];

    set_seg(env, R_DS, SEL_DS, 0, 0x1ffff);
    memset(ram(env, 0x1fe00), 0x55, 0x200);
    memcpy(before, ram(env, 0x1fe00), 0x200);
    EMU_OK(env, 0xdb, 0xe3);
    emu_fldcw(env, 0x27f);
    EMU_OK(env, 0xd9, 0xe8);
    env->regs[R_ESI] = 0x1fffa;
    g_assert_cmpint(EMU(env, 0xdb, 0x3e), ==, EXCP_GP); /* fstp tbyte [esi] */
    g_assert_cmpuint(env->fpstt, ==, 7);
    env->regs[R_ESI] = 0x1ffa0;
    g_assert_cmpint(EMU(env, 0xdd, 0x36), ==, EXCP_GP); /* fnsave [esi] */
    g_assert_cmphex(env->fpuc, ==, 0x27f);
    env->regs[R_ESI] = 0x1ff00;
    g_assert_cmpint(EMU(env, 0x0f, 0xae, 0x06), ==, EXCP_GP); /* fxsave */
    g_assert_cmpmem(ram(env, 0x1fe00), 0x200, before, 0x200);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * MMX aliasing and EMMS
 */

/* host_x87 without a memory operand, until two runs agree. */
static void host_x87_stable(Fsave *s, const uint8_t *code, size_t n, uint64_t rax)
{
    Fsave first = *s, again;

    for (int tries = 0; tries < 5; tries++) {
        uint64_t r = rax;
        again = first;
        host_x87(&again, NULL, EFLAGS_FIXED, host_code_for(code, n), &r);
        if (tries > 0 && !memcmp(&again, s, sizeof(again))) {
            return;
        }
        *s = again;
    }
}

static void assert_same_state(const Fsave *emu, const Fsave *host)
{
    if (memcmp(emu, host, sizeof(*emu))) {
        dump_fsave("host", host);
        dump_fsave("emulated", emu);
        g_assert_cmpmem(emu, sizeof(*emu), host, sizeof(*host));
    }
}

static void test_mmx_and_emms(void)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *r = g_rand_new_with_seed(91);
    static const uint8_t movq_mm3_rax[] = {0x48, 0x0f, 0x6e, 0xd8};
    static const uint8_t emms[] = {0x0f, 0x77};
    Fsave init, host, emu;

    for (int i = 0; i < 500; i++) {
        uint64_t v = rnd64(r);
        gen_state(r, &init);
        host = init;
        host_x87_stable(&host, movq_mm3_rax, 4, v);
        emu_load_state(env, &init);
        fpu_mmx_check(env);
        fpu_mmx_enter(env);
        fpu_mmx_set(env, 3, v);
        g_assert_cmphex(fpu_mmx_get(env, 3), ==, v);
        emu_save_state(env, &emu);
        assert_same_state(&emu, &host);

        /* AMD's EMMS also zeroes the pointers; the SDM's (ours) leaves them */
        host = init;
        host_x87_stable(&host, emms, 2, v);
        emu_load_state(env, &init);
        EMU_OK(env, 0x0f, 0x77);
        emu_save_state(env, &emu);
        host.fip = init.fip, host.fcs_fop = init.fcs_fop;
        host.fdp = init.fdp, host.fds = init.fds | 0xffff0000;
        assert_same_state(&emu, &host);
    }
    g_rand_free(r);
    cpu_free_all(env);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fpu/diff/register-forms", test_diff_register_forms);
    g_test_add_func("/fpu/diff/memory-forms", test_diff_memory_forms);
    g_test_add_func("/fpu/pending-exception", test_pending_exception);
    g_test_add_func("/fpu/device-not-available", test_device_not_available);
    g_test_add_func("/fpu/sdm/constants", test_sdm_constants);
    g_test_add_func("/fpu/sdm/stack-faults", test_sdm_stack_faults);
    g_test_add_func("/fpu/sdm/conversions", test_sdm_conversions);
    g_test_add_func("/fpu/sdm/compare", test_sdm_compare);
    g_test_add_func("/fpu/env/real-mode", test_env_real_mode);
    g_test_add_func("/fpu/env/protected-mode", test_env_protected_mode);
    g_test_add_func("/fpu/fxsave/vs-host", test_fxsave_vs_host);
    g_test_add_func("/fpu/fxrstor/vs-host", test_fxrstor_vs_host);
    g_test_add_func("/fpu/fxsave/faults-and-modes", test_fx_faults_and_modes);
    g_test_add_func("/fpu/store-faults", test_store_faults);
    g_test_add_func("/fpu/mmx-emms", test_mmx_and_emms);
    return g_test_run();
}
