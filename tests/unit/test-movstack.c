/*
 * Unit tests for target/i386/{mov,stack,branch,string,misc}.c: the unprivileged
 * register forms run differentially against the host CPU (the same bytes executed
 * natively from an executable buffer), the rest against hand-checked SDM cases.
 */
#include <setjmp.h>
#include <sys/mman.h>
#include "hw/machine.h"
#include "system/cpu-exec.h"
#include "system/icount.h"
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/insn.h"

#define RAM_SIZE           (4u << 20)
#define PML4               0x1000
#define CODE_ADDR          0x8000
#define DATA               0x10000 /* scratch data */
#define DATA2              0x11000 /* second scratch page (string destinations) */
#define STACK_TOP          0xf000
#define SEG_LIMIT          0x1ffff /* limited segments end here (see cpu_new_limited) */
#define BEYOND             0x20000 /* the first offset past SEG_LIMIT */
#define TEST_PORT          0x100
#define REP_CHUNK_EXPECTED 1024 /* string.c's REP_CHUNK */

/* ------------------------------------------------------------------------------------
 * A CPU in a chosen mode on a machine with RAM
 */

#define CODE_FLAGS (DESC_P | DESC_S | DESC_CS | DESC_R | DESC_A)
#define DATA_FLAGS (DESC_P | DESC_S | DESC_W | DESC_A)

static uint8_t *ram(CPUX86State *env, uint64_t addr)
{
    return env->machine->ram.ram + addr;
}

static uint64_t rd(CPUX86State *env, uint64_t addr, unsigned size)
{
    return ld_le(ram(env, addr), size);
}

static void wr(CPUX86State *env, uint64_t addr, unsigned size, uint64_t v)
{
    st_le(ram(env, addr), size, v);
}

/* Identity map of the first GiB in 2 MiB pages. */
static void build_page_tables(CPUX86State *env)
{
    wr(env, PML4, 8, (PML4 + 0x1000) | 7);
    wr(env, PML4 + 0x1000, 8, (PML4 + 0x2000) | 7);
    for (uint64_t i = 0; i < 512; i++) {
        wr(env, PML4 + 0x2000 + i * 8, 8, (i << 21) | 0x87);
    }
}

static void enter_long_mode(CPUX86State *env)
{
    build_page_tables(env);
    env->cr[3] = PML4;
    env->cr[4] |= CR4_PAE;
    env->efer |= EFER_LME | EFER_LMA;
    env->cr[0] |= CR0_PE | CR0_PG;
}

/* bits: 16 (real mode), 32 (flat protected mode) or 64 (long mode, identity paged). */
static CPUX86State *cpu_new_mode(int bits)
{
    CPUX86State *env = cpu_x86_new(machine_new("pc", RAM_SIZE));
    uint32_t limit = bits == 16 ? 0xffff : 0xffffffff;
    uint32_t code_size = bits == 64 ? DESC_L : bits == 32 ? DESC_B : 0;
    uint32_t data_size = bits == 16 ? 0 : DESC_B;

    cpu_x86_reset(env);
    if (bits == 64) {
        enter_long_mode(env);
    } else if (bits == 32) {
        env->cr[0] |= CR0_PE;
    }
    for (int seg = 0; seg < NR_SEGS; seg++) {
        bool code = seg == R_CS;
        uint16_t sel = bits == 16 ? 0 : code ? 0x08 : 0x10;
        uint32_t flags = code ? CODE_FLAGS | code_size : DATA_FLAGS | data_size;
        cpu_set_seg_raw(env, seg, sel, 0, limit, flags);
    }
    cpu_update_hflags(env);
    cpu_update_seg_ok(env);
    tlb_flush(env);
    env->regs[R_ESP] = STACK_TOP;
    env->rip = CODE_ADDR;
    cpu_set_eflags(env, 0, CC_ARITH | DF_MASK | IF_MASK | IOPL_MASK);
    return env;
}

/* Change one segment's base (or limit) as a loader would. */
static void set_seg(CPUX86State *env, int seg, uint64_t base, uint32_t limit)
{
    SegmentCache *s = &env->segs[seg];
    cpu_set_seg_raw(env, seg, s->selector, base, limit, s->flags);
    cpu_update_seg_ok(env);
}

static void set_seg_base(CPUX86State *env, int seg, uint64_t base)
{
    set_seg(env, seg, base, env->segs[seg].limit);
}

/* A flat 32-bit CPU whose DS, ES and SS end at SEG_LIMIT: past it they fault. */
static CPUX86State *cpu_new_limited(void)
{
    CPUX86State *env = cpu_new_mode(32);

    set_seg(env, R_DS, 0, SEG_LIMIT);
    set_seg(env, R_ES, 0, SEG_LIMIT);
    set_seg(env, R_SS, 0, SEG_LIMIT);
    return env;
}

static void cpu_free_all(CPUX86State *env)
{
    Machine *m = env->machine;
    cpu_x86_free(env);
    machine_free(m);
}

/* Run one instruction as the engine would. Returns the exception vector, or -1. */
static int exec(CPUX86State *env, const Insn *d)
{
    const InsnDef *def = insn_lookup(d, cpu_is_64bit(env));

    if (!def) {
        return EXCP_UD;
    }
    env->next_rip = env->rip + d->len;
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    def->fn(env, d);
    env->rip = env->next_rip;
    return -1;
}

static void exec_ok(CPUX86State *env, const Insn *d)
{
    g_assert_cmpint(exec(env, d), ==, -1);
}

/* ------------------------------------------------------------------------------------
 * Building instructions: raw bytes for the host and the matching decoded Insn
 */

typedef struct Enc {
    uint8_t bytes[16];
    size_t n;
    Insn d;
} Enc;

static Insn insn(unsigned map, uint8_t opcode, unsigned opsize, unsigned addrsize)
{
    Insn d = {0};
    d.len = 3;
    d.map = map;
    d.opcode = opcode;
    d.opsize = opsize;
    d.addrsize = addrsize;
    d.seg = R_DS;
    d.mod = 3;
    d.base = EA_NONE;
    d.index = EA_NONE;
    return d;
}

static void set_rex(Insn *d, uint8_t rex)
{
    d->rex = rex;
    d->prefix |= PFX_REX;
}

static void modrm_reg(Insn *d, unsigned reg, unsigned rm)
{
    d->has_modrm = 1;
    d->mod = 3;
    d->reg = reg;
    d->rm = rm;
    d->modrm = 0xc0 | (reg & 7) << 3 | (rm & 7);
}

/* [base + disp] with the default segment SS for rSP/rBP bases. */
static void modrm_mem(Insn *d, unsigned reg, unsigned base, int32_t disp)
{
    d->has_modrm = 1;
    d->mod = 2;
    d->reg = reg;
    d->rm = base;
    d->base = base;
    d->disp = disp;
    d->seg = (base == R_ESP || base == R_EBP) ? R_SS : R_DS;
    d->modrm = 0x80 | (reg & 7) << 3 | (base & 7);
}

/* [disp32] (absolute) */
static void modrm_abs(Insn *d, unsigned reg, uint32_t addr)
{
    modrm_mem(d, reg, EA_NONE, (int32_t)addr);
    d->mod = 0;
    d->rm = 5;
    d->modrm = (reg & 7) << 3 | 5;
}

static void emit(Enc *e, uint8_t b)
{
    e->bytes[e->n++] = b;
}

/* Prefixes and opcode for 64-bit mode; the REX byte is emitted when needed or forced. */
static void enc_head(Enc *e, unsigned map, uint8_t op, unsigned opsize, unsigned reg,
                     unsigned rm, bool force_rex)
{
    uint8_t rex = 0x40 | (opsize == 8) << 3 | (reg >> 3) << 2 | (rm >> 3);

    e->d = insn(map, op, opsize, 8);
    if (opsize == 2) {
        emit(e, 0x66);
        e->d.prefix |= PFX_OPSZ;
        e->d.mandatory = MP_66;
    }
    if (force_rex || rex != 0x40) {
        emit(e, rex);
        set_rex(&e->d, rex);
    }
    if (map == MAP_0F) {
        emit(e, 0x0f);
    }
    emit(e, op);
}

/* op reg, rm with a register ModRM (mod = 3). */
static Enc enc_rr(unsigned map, uint8_t op, unsigned opsize, unsigned reg, unsigned rm,
                  bool force_rex)
{
    Enc e = {0};
    enc_head(&e, map, op, opsize, reg, rm, force_rex);
    modrm_reg(&e.d, reg, rm);
    emit(&e, e.d.modrm);
    e.d.len = e.n;
    return e;
}

/* An opcode without ModRM; reg_in_opcode is extended by REX.B. */
static Enc enc_op(uint8_t op, unsigned opsize, unsigned reg_in_opcode)
{
    Enc e = {0};
    enc_head(&e, MAP_NONE, op | (reg_in_opcode & 7), opsize, 0, reg_in_opcode, false);
    e.d.len = e.n;
    return e;
}

static void enc_rep(Enc *e, uint8_t rep)
{
    memmove(e->bytes + 1, e->bytes, e->n++);
    e->bytes[0] = rep;
    e->d.prefix |= rep == 0xf3 ? PFX_REP : PFX_REPNE;
    e->d.mandatory = rep == 0xf3 ? MP_F3 : MP_F2;
    e->d.len = e->n;
}

/* ------------------------------------------------------------------------------------
 * The host oracle: load registers and flags, run the bytes, save them again
 */

typedef struct HostState {
    uint64_t regs[16]; /* rsp is neither loaded nor saved */
    uint64_t flags;
} HostState;

void host_exec_insn(HostState *st, const void *code);
__asm__(".text\n"
        ".globl host_exec_insn\n"
        ".type host_exec_insn, @function\n"
        "host_exec_insn:\n"
        "    push %rbx\n    push %rbp\n    push %r12\n"
        "    push %r13\n    push %r14\n    push %r15\n"
        "    push %rdi\n    push %rsi\n"
        "    pushq 128(%rdi)\n    popfq\n"
        "    mov 0(%rdi), %rax\n    mov 8(%rdi), %rcx\n    mov 16(%rdi), %rdx\n"
        "    mov 24(%rdi), %rbx\n    mov 40(%rdi), %rbp\n    mov 48(%rdi), %rsi\n"
        "    mov 64(%rdi), %r8\n    mov 72(%rdi), %r9\n    mov 80(%rdi), %r10\n"
        "    mov 88(%rdi), %r11\n    mov 96(%rdi), %r12\n    mov 104(%rdi), %r13\n"
        "    mov 112(%rdi), %r14\n    mov 120(%rdi), %r15\n    mov 56(%rdi), %rdi\n"
        "    call *(%rsp)\n"
        "    push %rdi\n    mov 16(%rsp), %rdi\n"
        "    mov %rax, 0(%rdi)\n    mov %rcx, 8(%rdi)\n    mov %rdx, 16(%rdi)\n"
        "    mov %rbx, 24(%rdi)\n    mov %rbp, 40(%rdi)\n    mov %rsi, 48(%rdi)\n"
        "    mov %r8, 64(%rdi)\n    mov %r9, 72(%rdi)\n    mov %r10, 80(%rdi)\n"
        "    mov %r11, 88(%rdi)\n    mov %r12, 96(%rdi)\n    mov %r13, 104(%rdi)\n"
        "    mov %r14, 112(%rdi)\n    mov %r15, 120(%rdi)\n"
        "    pop %rax\n    mov %rax, 56(%rdi)\n"
        "    pushfq\n    pop %rax\n    mov %rax, 128(%rdi)\n    cld\n"
        "    add $16, %rsp\n"
        "    pop %r15\n    pop %r14\n    pop %r13\n"
        "    pop %r12\n    pop %rbp\n    pop %rbx\n"
        "    ret\n"
        ".size host_exec_insn, .-host_exec_insn\n");

static uint8_t *host_code;

static void host_run(const Enc *e, HostState *st)
{
    if (!host_code) {
        host_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        g_assert(host_code != MAP_FAILED);
    }
    memcpy(host_code, e->bytes, e->n);
    host_code[e->n] = 0xc3; /* ret */
    host_exec_insn(st, host_code);
}

/* The decoder's view of e's bytes, which must agree with the hand-built Insn. */
static Insn decoded(const Enc *e)
{
    Insn d;

    g_assert_cmpint(decode_insn(&d, e->bytes, e->n, DECODE_64), ==, DECODE_OK);
    g_assert_cmpint(d.len, ==, e->n);
    g_assert_cmpint(d.map, ==, e->d.map);
    g_assert_cmpint(d.opcode, ==, e->d.opcode);
    g_assert_cmpint(d.opsize, ==, e->d.opsize);
    g_assert_cmpint(d.mandatory, ==, e->d.mandatory);
    if (d.has_modrm) {
        g_assert_cmpint(d.modrm, ==, e->d.modrm);
        g_assert_cmpint(d.reg, ==, e->d.reg);
        g_assert_cmpint(d.rm, ==, e->d.rm);
    }
    return d;
}

#define FLAGS_COMPARED (CC_ARITH | DF_MASK)

/* Run e on the host and on env from the same registers and flags; compare them. */
static void diff_regs(CPUX86State *env, const Enc *e, const uint64_t *regs,
                      uint32_t flags)
{
    HostState host = {.flags = (flags & FLAGS_COMPARED) | EFLAGS_FIXED};
    Insn d = decoded(e);

    memcpy(host.regs, regs, sizeof(host.regs));
    host_run(e, &host);
    memcpy(env->regs, regs, sizeof(env->regs));
    env->regs[R_ESP] = STACK_TOP;
    cpu_set_eflags(env, flags, FLAGS_COMPARED);
    exec_ok(env, &d);
    for (int r = 0; r < 16; r++) {
        if (r != R_ESP && env->regs[r] != host.regs[r]) {
            g_test_message("insn %02x reg %d: emulated %" PRIx64 " host %" PRIx64,
                           e->d.opcode, r, env->regs[r], host.regs[r]);
            g_assert_cmphex(env->regs[r], ==, host.regs[r]);
        }
    }
    g_assert_cmphex(cpu_get_eflags(env) & FLAGS_COMPARED, ==,
                    host.flags & FLAGS_COMPARED);
}

/* Values near the edges of every operand size, and random ones. */
static uint64_t interesting(GRand *rng)
{
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
        0x7fffffffffffffffull,
        0x8000000000000000ull,
        ~0ull,
    };
    uint64_t r = (uint64_t)g_rand_int(rng) << 32 | g_rand_int(rng);

    switch (g_rand_int_range(rng, 0, 4)) {
    case 0: return edges[g_rand_int_range(rng, 0, ARRAY_SIZE(edges))];
    case 1: return r & 0xff;
    default: return r;
    }
}

static void random_regs(GRand *rng, uint64_t *regs)
{
    for (int r = 0; r < 16; r++) {
        regs[r] = interesting(rng);
    }
}

static uint32_t random_flags(GRand *rng)
{
    return g_rand_int(rng) & CC_ARITH;
}

static const unsigned op_sizes[] = {2, 4, 8};

/* ------------------------------------------------------------------------------------
 * Differential tests
 */

/* op Ev, Gv / op Eb, Gb with random registers, including reg == rm. */
static void diff_rr_family(unsigned map, uint8_t op_b, uint8_t op_v, int rounds)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *rng = g_rand_new_with_seed(op_v);
    uint64_t regs[16];

    for (int i = 0; i < rounds; i++) {
        unsigned reg = g_rand_int_range(rng, 0, 16), rm = g_rand_int_range(rng, 0, 16);
        bool rex = g_rand_boolean(rng);
        if (reg == R_ESP || rm == R_ESP) {
            continue;
        }
        random_regs(rng, regs);
        if (g_rand_boolean(rng)) {
            regs[rm] = regs[R_EAX]; /* make CMPXCHG succeed */
        }
        Enc eb = enc_rr(map, op_b, 4, reg, rm, rex);
        diff_regs(env, &eb, regs, random_flags(rng));
        Enc ev = enc_rr(map, op_v, op_sizes[i % 3], reg, rm, rex);
        diff_regs(env, &ev, regs, random_flags(rng));
    }
    g_rand_free(rng);
    cpu_free_all(env);
}

static void test_diff_cmpxchg(void)
{
    diff_rr_family(MAP_0F, 0xb0, 0xb1, 3000);
}

static void test_diff_xadd(void)
{
    diff_rr_family(MAP_0F, 0xc0, 0xc1, 3000);
}

static void test_diff_xchg_mov(void)
{
    diff_rr_family(MAP_NONE, 0x86, 0x87, 1000);
    diff_rr_family(MAP_NONE, 0x88, 0x89, 500);
    diff_rr_family(MAP_NONE, 0x8a, 0x8b, 500);
}

/* The high-byte registers (no REX): AH, CH, DH, BH. */
static void test_diff_high_bytes(void)
{
    CPUX86State *env = cpu_new_mode(64);
    uint64_t regs[16];
    GRand *rng = g_rand_new_with_seed(7);

    for (unsigned reg = 0; reg < 8; reg++) {
        for (unsigned rm = 0; rm < 8; rm++) {
            random_regs(rng, regs);
            Enc e = enc_rr(MAP_NONE, 0x86, 4, reg, rm, false);
            diff_regs(env, &e, regs, 0);
            e = enc_rr(MAP_0F, 0xc0, 4, reg, rm, false);
            diff_regs(env, &e, regs, 0);
        }
    }
    g_rand_free(rng);
    cpu_free_all(env);
}

static void test_diff_movx(void)
{
    static const uint8_t ops[] = {0xb6, 0xb7, 0xbe, 0xbf};
    CPUX86State *env = cpu_new_mode(64);
    GRand *rng = g_rand_new_with_seed(11);
    uint64_t regs[16];

    for (int i = 0; i < 2000; i++) {
        unsigned reg = g_rand_int_range(rng, 0, 16), rm = g_rand_int_range(rng, 0, 16);
        if (reg == R_ESP || rm == R_ESP) {
            continue;
        }
        random_regs(rng, regs);
        Enc e = enc_rr(MAP_0F, ops[i % 4], op_sizes[i % 3], reg, rm, true);
        diff_regs(env, &e, regs, 0);
        e = enc_rr(MAP_NONE, 0x63, op_sizes[i % 3], reg, rm, true);
        diff_regs(env, &e, regs, 0);
    }
    g_rand_free(rng);
    cpu_free_all(env);
}

static void test_diff_cmov_setcc(void)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *rng = g_rand_new_with_seed(13);
    uint64_t regs[16];

    for (int i = 0; i < 3000; i++) {
        unsigned cond = i & 15, reg = g_rand_int_range(rng, 0, 16);
        unsigned rm = g_rand_int_range(rng, 0, 16);
        if (reg == R_ESP || rm == R_ESP) {
            continue;
        }
        random_regs(rng, regs);
        Enc e = enc_rr(MAP_0F, 0x40 + cond, op_sizes[i % 3], reg, rm, true);
        diff_regs(env, &e, regs, random_flags(rng));
        e = enc_rr(MAP_0F, 0x90 + cond, 4, 0, rm, true);
        diff_regs(env, &e, regs, random_flags(rng));
    }
    g_rand_free(rng);
    cpu_free_all(env);
}

/* CBW..CQO, CWD..CQO, LAHF, SAHF, CLC, STC, CMC, CLD, STD and XCHG rAX, r. */
static void test_diff_no_modrm(void)
{
    static const uint8_t ops[] = {0x98, 0x99, 0x9e, 0x9f, 0xf5, 0xf8, 0xf9, 0xfc, 0xfd};
    CPUX86State *env = cpu_new_mode(64);
    GRand *rng = g_rand_new_with_seed(17);
    uint64_t regs[16];

    for (int i = 0; i < 2000; i++) {
        random_regs(rng, regs);
        uint32_t flags = random_flags(rng) | (g_rand_boolean(rng) ? DF_MASK : 0);
        Enc e = enc_op(ops[i % ARRAY_SIZE(ops)], op_sizes[i % 3], 0);
        diff_regs(env, &e, regs, flags);
        unsigned r = g_rand_int_range(rng, 0, 16);
        if (r != R_ESP) {
            e = enc_op(0x90, op_sizes[i % 3], r);
            diff_regs(env, &e, regs, flags);
        }
    }
    g_rand_free(rng);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * String instructions against the host, on buffers at the same offsets
 */

typedef struct StringCase {
    uint8_t op;
    unsigned opsize;
    uint8_t rep; /* 0, 0xf3 or 0xf2 */
    bool df;
    uint64_t count;
    unsigned mismatch_at; /* CMPS/SCAS: first differing byte */
} StringCase;

#define BUF 512
#define MID 256 /* rSI/rDI start in the middle so DF=1 has room too */

static void fill_buffers(uint8_t *src, uint8_t *dst, const StringCase *c, GRand *rng)
{
    bool uniform = g_rand_boolean(rng); /* lets REPE run until the mismatch */

    for (int i = 0; i < BUF; i++) {
        src[i] = uniform ? 0x3c : g_rand_int(rng);
        dst[i] = src[i];
    }
    if (c->mismatch_at < BUF) {
        dst[c->mismatch_at] ^= 0x5a;
    }
}

static void diff_string(CPUX86State *env, const StringCase *c, GRand *rng)
{
    static uint8_t src[BUF], dst[BUF];
    HostState host = {.flags = EFLAGS_FIXED | (c->df ? DF_MASK : 0)};
    Enc e = enc_op(c->op, c->opsize, 0);
    uint64_t rax;

    if (c->rep) {
        enc_rep(&e, c->rep);
    }
    fill_buffers(src, dst, c, rng);
    rax = (uint64_t)dst[MID] * 0x0101010101010101ull;
    memcpy(ram(env, DATA), src, BUF);
    memcpy(ram(env, DATA2), dst, BUF);
    host.regs[R_ESI] = (uintptr_t)src + MID;
    host.regs[R_EDI] = (uintptr_t)dst + MID;
    host.regs[R_ECX] = c->count;
    host.regs[R_EAX] = rax;
    host_run(&e, &host);

    memset(env->regs, 0, sizeof(env->regs));
    env->regs[R_ESP] = STACK_TOP;
    env->regs[R_ESI] = DATA + MID;
    env->regs[R_EDI] = DATA2 + MID;
    env->regs[R_ECX] = c->count;
    env->regs[R_EAX] = rax;
    cpu_set_eflags(env, c->df ? DF_MASK : 0, FLAGS_COMPARED);
    Insn d = decoded(&e);
    do {
        exec_ok(env, &d);
    } while (env->rip == CODE_ADDR);
    env->rip = CODE_ADDR;

    g_assert_cmpmem(ram(env, DATA2), BUF, dst, BUF);
    g_assert_cmpmem(ram(env, DATA), BUF, src, BUF);
    g_assert_cmphex(env->regs[R_ESI] - DATA, ==, host.regs[R_ESI] - (uintptr_t)src);
    g_assert_cmphex(env->regs[R_EDI] - DATA2, ==, host.regs[R_EDI] - (uintptr_t)dst);
    g_assert_cmphex(env->regs[R_ECX], ==, host.regs[R_ECX]);
    g_assert_cmphex(env->regs[R_EAX], ==, host.regs[R_EAX]);
    g_assert_cmphex(cpu_get_eflags(env) & FLAGS_COMPARED, ==,
                    host.flags & FLAGS_COMPARED);
}

static void test_diff_string(void)
{
    static const uint8_t ops[] = {0xa4, 0xa5, 0xa6, 0xa7, 0xaa,
                                  0xab, 0xac, 0xad, 0xae, 0xaf};
    static const uint8_t reps[] = {0, 0xf3, 0xf2};
    CPUX86State *env = cpu_new_mode(64);
    GRand *rng = g_rand_new_with_seed(19);

    env->rip = CODE_ADDR;
    for (int i = 0; i < 1500; i++) {
        StringCase c = {
            .op = ops[i % ARRAY_SIZE(ops)],
            .opsize = op_sizes[g_rand_int_range(rng, 0, 3)],
            .rep = reps[g_rand_int_range(rng, 0, 3)],
            .df = g_rand_boolean(rng),
            .count = g_rand_int_range(rng, 0, 24),
            .mismatch_at = g_rand_int_range(rng, MID - 100, MID + 100),
        };
        diff_string(env, &c, rng);
    }
    g_rand_free(rng);
    cpu_free_all(env);
}

/*
 * Long REP MOVS/STOS over several pages, with source and destination overlapping by
 * a few bytes either way: the copy must replicate exactly as the hardware's does, in
 * chunks, across page boundaries and in both directions.
 */
#define WIDE_BUF   (3 * 4096)
#define WIDE_GUEST 0x20000

static void diff_wide_string(CPUX86State *env, GRand *rng, uint8_t *host_buf)
{
    unsigned size = 1u << g_rand_int_range(rng, 0, 4);
    bool df = g_rand_boolean(rng);
    uint64_t src = WIDE_BUF / 2 + g_rand_int_range(rng, -512, 512);
    uint64_t dst = src + g_rand_int_range(rng, -17, 18);
    uint64_t count = g_rand_int_range(rng, 0, 600);
    Enc e = enc_op(g_rand_boolean(rng) ? 0xa4 : 0xaa, size, 0);
    HostState host = {.flags = EFLAGS_FIXED | (df ? DF_MASK : 0)};

    e.bytes[e.n - 1] |= size > 1;
    e.d.opcode |= size > 1;
    e.d.opsize = size > 1 ? size : 4;
    enc_rep(&e, 0xf3);
    for (int i = 0; i < WIDE_BUF; i++) {
        host_buf[i] = g_rand_int(rng);
    }
    memcpy(ram(env, WIDE_GUEST), host_buf, WIDE_BUF);
    host.regs[R_ESI] = (uintptr_t)host_buf + src;
    host.regs[R_EDI] = (uintptr_t)host_buf + dst;
    host.regs[R_ECX] = count;
    host.regs[R_EAX] = 0x8877665544332211ull;
    host_run(&e, &host);

    env->regs[R_ESI] = WIDE_GUEST + src;
    env->regs[R_EDI] = WIDE_GUEST + dst;
    env->regs[R_ECX] = count;
    env->regs[R_EAX] = 0x8877665544332211ull;
    cpu_set_eflags(env, df ? DF_MASK : 0, DF_MASK);
    env->rip = CODE_ADDR;
    Insn d = decoded(&e);
    do {
        exec_ok(env, &d);
    } while (env->rip == CODE_ADDR);

    g_assert_cmpmem(ram(env, WIDE_GUEST), WIDE_BUF, host_buf, WIDE_BUF);
    g_assert_cmphex(env->regs[R_ESI] - WIDE_GUEST, ==,
                    host.regs[R_ESI] - (uintptr_t)host_buf);
    g_assert_cmphex(env->regs[R_EDI] - WIDE_GUEST, ==,
                    host.regs[R_EDI] - (uintptr_t)host_buf);
    g_assert_cmphex(env->regs[R_ECX], ==, 0);
}

static void test_diff_wide_string(void)
{
    CPUX86State *env = cpu_new_mode(64);
    GRand *rng = g_rand_new_with_seed(23);
    uint8_t *host_buf = g_malloc(WIDE_BUF);

    for (int i = 0; i < 600; i++) {
        diff_wide_string(env, rng, host_buf);
    }
    g_free(host_buf);
    g_rand_free(rng);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * MOV family, hand-checked
 */

static void test_mov_forms(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d;

    /* B8+r with REX.W and REX.B: mov r9, imm64 */
    d = insn(MAP_NONE, 0xb9, 8, 8);
    set_rex(&d, 0x49);
    d.imm = 0x1122334455667788ull;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_R9], ==, 0x1122334455667788ull);

    /* B4 without REX is AH; with REX it is SPL */
    env->regs[R_EAX] = 0x1111;
    env->regs[R_ESP] = STACK_TOP;
    d = insn(MAP_NONE, 0xb4, 4, 8);
    d.imm = 0xab;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xab11);
    set_rex(&d, 0x40);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP | 0xab);
    env->regs[R_ESP] = STACK_TOP;

    /* C7 /0 with REX.W sign-extends imm32 */
    d = insn(MAP_NONE, 0xc7, 8, 8);
    modrm_reg(&d, 0, R_EBX);
    d.imm = (uint64_t)(int64_t)(int32_t)0xfffffff0;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EBX], ==, 0xfffffffffffffff0ull);

    /* 32-bit MOV zero-extends, 16-bit keeps the rest */
    env->regs[R_ECX] = ~0ull;
    d = insn(MAP_NONE, 0x89, 4, 8);
    modrm_reg(&d, R_EBX, R_ECX);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ECX], ==, 0xfffffff0);
    env->regs[R_ECX] = ~0ull;
    d.opsize = 2;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ECX], ==, 0xfffffffffffffff0ull);

    /* moffs: A1 / A3 with 64-bit address and an FS override */
    wr(env, DATA, 8, 0xdeadbeefcafef00dull);
    d = insn(MAP_NONE, 0xa1, 8, 8);
    d.imm = DATA;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xdeadbeefcafef00dull);
    set_seg_base(env, R_FS, 0x100);
    d = insn(MAP_NONE, 0xa2, 8, 8);
    d.imm = DATA;
    d.seg = R_FS;
    d.prefix |= PFX_SEG;
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA + 0x100, 1), ==, 0x0d);
    set_seg_base(env, R_FS, 0);

    /* mov [rbp-8], esi through SS */
    env->regs[R_EBP] = DATA + 0x40;
    env->regs[R_ESI] = 0x12345678;
    d = insn(MAP_NONE, 0x89, 4, 8);
    modrm_mem(&d, R_ESI, R_EBP, -8);
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA + 0x38, 4), ==, 0x12345678);
    cpu_free_all(env);
}

static void test_mov_moffs16(void)
{
    CPUX86State *env = cpu_new_mode(16);
    Insn d = insn(MAP_NONE, 0xa0, 2, 2);

    set_seg_base(env, R_DS, 0x20000);
    wr(env, 0x20000 + 0x9234, 1, 0x5c);
    d.imm = (uint64_t)(int64_t)(int16_t)0x9234;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX] & 0xff, ==, 0x5c);
    cpu_free_all(env);
}

static void test_lea(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = insn(MAP_NONE, 0x8d, 8, 8);

    /* rbx + rsi*4 - 0x30 = -0x10 */
    env->regs[R_EBX] = 0x10;
    env->regs[R_ESI] = 4;
    modrm_mem(&d, R_EAX, R_EBX, -0x30);
    d.index = R_ESI;
    d.scale = 2;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xfffffffffffffff0ull);
    /* 32-bit address size: truncated, then zero-extended to 64 */
    d.addrsize = 4;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xfffffff0);
    /* 16-bit operand size keeps the upper part of the destination */
    env->regs[R_EAX] = 0xaaaaaaaaaaaaaaaaull;
    d.opsize = 2;
    d.addrsize = 8;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xaaaaaaaaaaaafff0ull);
    /* 32-bit operand, 16-bit address: zero-extended */
    d.opsize = 4;
    d.addrsize = 2;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xfff0);
    /* mod == 3 is #UD */
    modrm_reg(&d, R_EAX, R_EBX);
    g_assert_cmpint(exec(env, &d), ==, EXCP_UD);
    cpu_free_all(env);
}

static void test_nop_forms(void)
{
    CPUX86State *env = cpu_new_mode(64);
    uint64_t before[16];
    Insn d = insn(MAP_NONE, 0x90, 4, 8);

    /* 90 with a 32-bit operand size does not zero-extend RAX in 64-bit mode */
    env->regs[R_EAX] = 0x1234567812345678ull;
    memcpy(before, env->regs, sizeof(before));
    exec_ok(env, &d);
    d.mandatory = MP_F3; /* PAUSE */
    d.prefix |= PFX_REP;
    exec_ok(env, &d);
    g_assert_cmpmem(env->regs, sizeof(before), before, sizeof(before));
    cpu_free_all(env);

    /* 0F 1F /0 and the hint space never touch memory, even past a limit */
    env = cpu_new_limited();
    memcpy(before, env->regs, sizeof(before));
    for (uint8_t op = 0x18; op <= 0x1f; op++) {
        d = insn(MAP_0F, op, 4, 4);
        modrm_abs(&d, 0, BEYOND);
        exec_ok(env, &d);
    }
    d = insn(MAP_0F, 0x0d, 4, 4);
    modrm_abs(&d, 1, BEYOND);
    exec_ok(env, &d);
    g_assert_cmpmem(env->regs, sizeof(before), before, sizeof(before));
    cpu_free_all(env);
}

static void test_cmpxchg_memory(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = insn(MAP_0F, 0xb1, 4, 8);

    modrm_abs(&d, R_ECX, DATA);
    wr(env, DATA, 4, 0x55);
    env->regs[R_EAX] = 0xffffffff00000055ull;
    env->regs[R_ECX] = 0x77;
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA, 4), ==, 0x77);
    g_assert_true(cpu_get_eflags(env) & CC_Z);
    /* equal: the accumulator is not written, so not zero-extended either */
    g_assert_cmphex(env->regs[R_EAX], ==, 0xffffffff00000055ull);
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA, 4), ==, 0x77);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x77);
    g_assert_false(cpu_get_eflags(env) & CC_Z);
    cpu_free_all(env);

    /* a faulting destination changes nothing */
    env = cpu_new_limited();
    d = insn(MAP_0F, 0xb1, 4, 4);
    modrm_abs(&d, R_ECX, BEYOND - 2);
    env->regs[R_EAX] = 1;
    g_assert_cmpint(exec(env, &d), ==, EXCP_GP);
    g_assert_cmphex(env->regs[R_EAX], ==, 1);
    cpu_free_all(env);
}

static void test_cmpxchg8b_16b(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = insn(MAP_0F, 0xc7, 4, 8);

    modrm_abs(&d, 1, DATA + 8);
    wr(env, DATA + 8, 8, 0x1111111122222222ull);
    env->regs[R_EAX] = 0xffffffff22222222ull;
    env->regs[R_EDX] = 0x11111111;
    env->regs[R_EBX] = 0xaaaaaaaa;
    env->regs[R_ECX] = 0xbbbbbbbb;
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA + 8, 8), ==, 0xbbbbbbbbaaaaaaaaull);
    g_assert_true(cpu_get_eflags(env) & CC_Z);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xffffffff22222222ull);
    exec_ok(env, &d);
    g_assert_false(cpu_get_eflags(env) & CC_Z);
    g_assert_cmphex(env->regs[R_EAX], ==, 0xaaaaaaaa);
    g_assert_cmphex(env->regs[R_EDX], ==, 0xbbbbbbbb);

    /* CMPXCHG16B: REX.W, 16-byte aligned */
    d.opsize = 8;
    set_rex(&d, 0x48);
    modrm_abs(&d, 1, DATA + 0x10);
    wr(env, DATA + 0x10, 8, 1);
    wr(env, DATA + 0x18, 8, 2);
    env->regs[R_EAX] = 1;
    env->regs[R_EDX] = 2;
    env->regs[R_EBX] = 3;
    env->regs[R_ECX] = 4;
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA + 0x10, 8), ==, 3);
    g_assert_cmphex(rd(env, DATA + 0x18, 8), ==, 4);
    g_assert_true(cpu_get_eflags(env) & CC_Z);
    exec_ok(env, &d);
    g_assert_false(cpu_get_eflags(env) & CC_Z);
    g_assert_cmphex(env->regs[R_EAX], ==, 3);
    g_assert_cmphex(env->regs[R_EDX], ==, 4);
    modrm_abs(&d, 1, DATA + 8);
    g_assert_cmpint(exec(env, &d), ==, EXCP_GP);
    cpu_free_all(env);
}

static void test_xchg_xadd_memory(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = insn(MAP_NONE, 0x87, 8, 8);

    set_rex(&d, 0x48);
    modrm_abs(&d, R_EDX, DATA);
    wr(env, DATA, 8, 10);
    env->regs[R_EDX] = 20;
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA, 8), ==, 20);
    g_assert_cmphex(env->regs[R_EDX], ==, 10);

    d = insn(MAP_0F, 0xc1, 8, 8);
    modrm_abs(&d, R_EDX, DATA);
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA, 8), ==, 30);
    g_assert_cmphex(env->regs[R_EDX], ==, 20);
    cpu_free_all(env);
}

static void test_cmov_memory_faults(void)
{
    CPUX86State *env = cpu_new_limited();
    Insn d = insn(MAP_0F, 0x44, 4, 4); /* CMOVZ with ZF = 0 */

    modrm_abs(&d, R_EBX, BEYOND);
    g_assert_cmpint(exec(env, &d), ==, EXCP_GP);
    cpu_free_all(env);

    env = cpu_new_mode(64);
    d = insn(MAP_0F, 0x44, 4, 8);
    env->regs[R_EBX] = ~0ull;
    modrm_abs(&d, R_EBX, DATA);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EBX], ==, 0xffffffff);
    cpu_free_all(env);
}

static void test_movbe(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = insn(MAP_0F38, 0xf0, 4, 8);

    modrm_abs(&d, R_ECX, DATA);
    wr(env, DATA, 8, 0x0102030405060708ull);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ECX], ==, 0x08070605);
    d.opsize = 2;
    d.mandatory = MP_66;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ECX], ==, 0x08070807);
    d = insn(MAP_0F38, 0xf1, 8, 8);
    modrm_abs(&d, R_ECX, DATA + 8);
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA + 8, 8), ==, 0x0708070800000000ull);
    /* register forms are not MOVBE */
    modrm_reg(&d, R_ECX, R_EAX);
    g_assert_cmpint(exec(env, &d), ==, EXCP_UD);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Stack
 */

static Insn stack_op(uint8_t op, unsigned opsize, unsigned stack)
{
    return insn(MAP_NONE, op, opsize, stack);
}

static void test_push_pop(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d;

    env->regs[R_EBX] = 0x1122334455667788ull;
    d = stack_op(0x53, 8, 8);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP - 8);
    g_assert_cmphex(rd(env, STACK_TOP - 8, 8), ==, 0x1122334455667788ull);

    d = stack_op(0x50, 2, 8); /* 66 push ax */
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP - 10);
    d = stack_op(0x58, 2, 8);
    exec_ok(env, &d);

    /* push rsp pushes the old value; pop rsp loads the popped value */
    d = stack_op(0x54, 8, 8);
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, STACK_TOP - 16, 8), ==, STACK_TOP - 8);
    wr(env, STACK_TOP - 16, 8, 0x7000);
    d = stack_op(0x5c, 8, 8);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x7000);

    /* push imm8 sign-extends to the operand size */
    env->regs[R_ESP] = STACK_TOP;
    d = stack_op(0x6a, 8, 8);
    d.imm = ~0ull;
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, STACK_TOP - 8, 8), ==, ~0ull);

    /* REX.B: push r12 / pop r13 */
    env->regs[R_R12] = 42;
    d = stack_op(0x54, 8, 8);
    set_rex(&d, 0x41);
    exec_ok(env, &d);
    d = stack_op(0x5d, 8, 8);
    set_rex(&d, 0x41);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_R13], ==, 42);
    cpu_free_all(env);
}

/* POP Ev addresses [rsp+disp] with the incremented rSP; PUSH Ev [rsp] reads first. */
static void test_pop_ev_rsp_based(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = stack_op(0x8f, 8, 8);

    wr(env, STACK_TOP - 8, 8, 0xabcdef);
    env->regs[R_ESP] = STACK_TOP - 8;
    modrm_mem(&d, 0, R_ESP, 8);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP);
    g_assert_cmphex(rd(env, STACK_TOP + 8, 8), ==, 0xabcdef);

    /* pop into rsp through ModRM */
    env->regs[R_ESP] = STACK_TOP - 8;
    modrm_reg(&d, 0, R_ESP);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ESP], ==, 0xabcdef);

    env->regs[R_ESP] = STACK_TOP;
    wr(env, STACK_TOP, 8, 0x4242);
    d = stack_op(0xff, 8, 8);
    modrm_mem(&d, 6, R_ESP, 0);
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, STACK_TOP - 8, 8), ==, 0x4242);
    cpu_free_all(env);

    /* a faulting destination leaves rSP alone */
    env = cpu_new_limited();
    d = stack_op(0x8f, 4, 4);
    env->regs[R_ESP] = STACK_TOP - 4;
    modrm_abs(&d, 0, BEYOND);
    g_assert_cmpint(exec(env, &d), ==, EXCP_GP);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP - 4);
    cpu_free_all(env);
}

/* A 16-bit stack wraps SP and keeps the upper half of ESP. */
static void test_stack_wrap16(void)
{
    CPUX86State *env = cpu_new_mode(16);
    Insn d;

    set_seg_base(env, R_SS, 0x30000);
    env->regs[R_ESP] = 0x12340000;
    env->regs[R_EAX] = 0xbeef;
    d = stack_op(0x50, 2, 2);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x1234fffe);
    g_assert_cmphex(rd(env, 0x3fffe, 2), ==, 0xbeef);
    d = stack_op(0x5b, 2, 2);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x12340000);
    g_assert_cmphex(env->regs[R_EBX] & 0xffff, ==, 0xbeef);
    cpu_free_all(env);
}

static void test_pusha_popa(void)
{
    CPUX86State *env = cpu_new_mode(32);
    Insn d = stack_op(0x60, 4, 4);
    uint64_t saved[8];

    for (int r = 0; r < 8; r++) {
        env->regs[r] = r == R_ESP ? STACK_TOP : 0x1000 * (r + 1);
    }
    memcpy(saved, env->regs, sizeof(saved));
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP - 32);
    for (int r = 0; r < 8; r++) {
        g_assert_cmphex(rd(env, STACK_TOP - 4 * (r + 1), 4), ==, saved[r]);
        if (r != R_ESP) {
            env->regs[r] = 0;
        }
    }
    wr(env, STACK_TOP - 20, 4, 0x9999); /* the saved ESP slot is skipped */
    d = stack_op(0x61, 4, 4);
    exec_ok(env, &d);
    g_assert_cmpmem(env->regs, sizeof(saved), saved, sizeof(saved));
    cpu_free_all(env);

    env = cpu_new_mode(64);
    g_assert_cmpint(exec(env, &d), ==, EXCP_UD);
    cpu_free_all(env);
}

static void set_cpl(CPUX86State *env, unsigned cpl)
{
    env->hflags = (env->hflags & ~HF_CPL_MASK) | cpl;
}

static uint32_t popf_result(CPUX86State *env, unsigned opsize, uint32_t pushed)
{
    Insn d = stack_op(0x9d, opsize, 8);

    env->regs[R_ESP] = STACK_TOP - 8;
    wr(env, STACK_TOP - 8, 8, pushed);
    exec_ok(env, &d);
    return cpu_get_eflags(env);
}

static void test_pushf_popf(void)
{
    CPUX86State *env = cpu_new_mode(64);
    uint32_t all = CC_ARITH | TF_MASK | IF_MASK | DF_MASK | IOPL_MASK | NT_MASK |
                   RF_MASK | VM_MASK | AC_MASK | VIF_MASK | VIP_MASK | ID_MASK;
    Insn d = stack_op(0x9c, 8, 8);

    /* the image has VM and RF clear */
    cpu_set_eflags(env, CC_C | RF_MASK | IF_MASK, CC_ARITH | RF_MASK | IF_MASK);
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, STACK_TOP - 8, 8), ==, CC_C | IF_MASK | EFLAGS_FIXED);

    /* CPL 0: everything but RF, VM, VIF, VIP; RF is cleared */
    g_assert_cmphex(popf_result(env, 8, all), ==,
                    (all & ~(RF_MASK | VM_MASK | VIF_MASK | VIP_MASK)) | EFLAGS_FIXED);
    /* CPL 3 with IOPL 3 (left by the previous POPF): IF changes, IOPL does not */
    set_cpl(env, 3);
    g_assert_cmphex(popf_result(env, 8, 0) & (IF_MASK | IOPL_MASK | DF_MASK), ==,
                    IOPL_MASK);
    /* CPL 3 > IOPL 0: neither IF nor IOPL changes */
    set_cpl(env, 0);
    popf_result(env, 8, IF_MASK);
    set_cpl(env, 3);
    g_assert_cmphex(popf_result(env, 8, IOPL_MASK | CC_Z) & (IF_MASK | IOPL_MASK | CC_Z),
                    ==, IF_MASK | CC_Z);
    /* a 16-bit POPF leaves the upper half (AC) alone */
    set_cpl(env, 0);
    popf_result(env, 8, AC_MASK);
    g_assert_true(popf_result(env, 2, 0) & AC_MASK);
    cpu_free_all(env);
}

static void test_pushf_popf_v86(void)
{
    CPUX86State *env = cpu_new_mode(16);
    Insn pushf = stack_op(0x9c, 2, 2), popf = stack_op(0x9d, 2, 2);

    env->cr[0] |= CR0_PE;
    env->eflags |= VM_MASK;
    env->hflags |= HF_PE | HF_VM | 3;
    g_assert_cmpint(exec(env, &pushf), ==, EXCP_GP);
    g_assert_cmpint(exec(env, &popf), ==, EXCP_GP);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP);
    /* IOPL 3: both work; IF changes, IOPL stays */
    env->eflags |= IOPL_MASK;
    wr(env, STACK_TOP - 2, 2, IF_MASK | CC_C);
    env->regs[R_ESP] = STACK_TOP - 2;
    exec_ok(env, &popf);
    g_assert_cmphex(cpu_get_eflags(env) & (IF_MASK | IOPL_MASK | VM_MASK | CC_C), ==,
                    IF_MASK | IOPL_MASK | VM_MASK | CC_C);
    exec_ok(env, &pushf);
    g_assert_cmphex(rd(env, STACK_TOP - 2, 2), ==, IF_MASK | IOPL_MASK | CC_C | 2);
    cpu_free_all(env);
}

static Insn enter_insn(unsigned opsize, unsigned stack, uint16_t alloc, uint8_t level)
{
    Insn d = stack_op(0xc8, opsize, stack);
    d.imm = (uint64_t)(int64_t)(int16_t)alloc;
    d.imm2 = level;
    return d;
}

static void test_enter_leave(void)
{
    CPUX86State *env = cpu_new_mode(32);
    const uint32_t frame = STACK_TOP + 0x100;
    Insn d;

    /* level 0: push ebp; ebp = esp; esp -= alloc */
    env->regs[R_EBP] = frame;
    d = enter_insn(4, 4, 0x8010, 0); /* a large imm16 is not sign-extended */
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, STACK_TOP - 4, 4), ==, frame);
    g_assert_cmphex(env->regs[R_EBP], ==, STACK_TOP - 4);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP - 4 - 0x8010);
    d = stack_op(0xc9, 4, 4);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EBP], ==, frame);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP);

    /* level 3: two frame pointers copied from the enclosing frame, then the new one */
    wr(env, frame - 4, 4, 0xaaaa);
    wr(env, frame - 8, 4, 0xbbbb);
    d = enter_insn(4, 4, 8, 3 + 32); /* the level is taken mod 32 */
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, STACK_TOP - 4, 4), ==, frame);
    g_assert_cmphex(rd(env, STACK_TOP - 8, 4), ==, 0xaaaa);
    g_assert_cmphex(rd(env, STACK_TOP - 12, 4), ==, 0xbbbb);
    g_assert_cmphex(rd(env, STACK_TOP - 16, 4), ==, STACK_TOP - 4);
    g_assert_cmphex(env->regs[R_EBP], ==, STACK_TOP - 4);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP - 16 - 8);

    /* level 1: only the new frame pointer */
    env->regs[R_ESP] = STACK_TOP;
    env->regs[R_EBP] = frame;
    d = enter_insn(4, 4, 0, 1);
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, STACK_TOP - 8, 4), ==, STACK_TOP - 4);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP - 8);
    cpu_free_all(env);
}

static void test_enter_leave64(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d;

    env->regs[R_EBP] = STACK_TOP + 0x100;
    wr(env, STACK_TOP + 0xf8, 8, 0x1234567890ull);
    d = enter_insn(8, 8, 0x20, 2);
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, STACK_TOP - 16, 8), ==, 0x1234567890ull);
    g_assert_cmphex(rd(env, STACK_TOP - 24, 8), ==, STACK_TOP - 8);
    g_assert_cmphex(env->regs[R_EBP], ==, STACK_TOP - 8);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP - 24 - 0x20);

    cpu_free_all(env);
}

/* A faulting ENTER or LEAVE changes no register. */
static void test_enter_leave_faults(void)
{
    CPUX86State *env = cpu_new_limited();
    Insn d;

    /* the enclosing frame is past the SS limit: the first pushes succeed, then #SS */
    env->regs[R_ESP] = STACK_TOP;
    env->regs[R_EBP] = BEYOND + 8;
    d = enter_insn(4, 4, 0, 3);
    g_assert_cmpint(exec(env, &d), ==, EXCP_SS);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP);
    g_assert_cmphex(env->regs[R_EBP], ==, BEYOND + 8);

    d = stack_op(0xc9, 4, 4);
    g_assert_cmpint(exec(env, &d), ==, EXCP_SS);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP);
    cpu_free_all(env);
}

/* Real mode: BP wraps at 16 bits while reading the enclosing frame. */
static void test_enter16(void)
{
    CPUX86State *env = cpu_new_mode(16);
    Insn d = enter_insn(2, 2, 4, 2);

    env->regs[R_ESP] = 0x12348000;
    env->regs[R_EBP] = 0xabcd0000;
    wr(env, 0xfffe, 2, 0x7777);
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, 0x7ffe, 2), ==, 0);
    g_assert_cmphex(rd(env, 0x7ffc, 2), ==, 0x7777);
    g_assert_cmphex(rd(env, 0x7ffa, 2), ==, 0x7ffe);
    g_assert_cmphex(env->regs[R_EBP], ==, 0xabcd7ffe);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x12347ffa - 4);

    /* LEAVE: SP = BP + 2, the upper halves stay */
    d = stack_op(0xc9, 2, 2);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ESP], ==, 0x12348000);
    g_assert_cmphex(env->regs[R_EBP], ==, 0xabcd0000);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * Branches
 */

static Insn branch(uint8_t op, unsigned opsize, unsigned len, int64_t rel)
{
    Insn d = insn(MAP_NONE, op, opsize, opsize == 8 ? 8 : 4);
    d.len = len;
    d.imm = (uint64_t)rel;
    return d;
}

static void test_jmp_jcc(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = branch(0xe9, 8, 5, -0x100);

    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 5 - 0x100);

    /* After CMP 1, 2 (32-bit): NO, B, NE, BE, S, P, L, LE hold */
    const uint16_t taken_after_cmp = 0x5566;
    set_cc(env, CC_OP_SUB, 4, (uint32_t)(1 - 2), 2);
    for (unsigned cond = 0; cond < 16; cond++) {
        uint64_t expect = CODE_ADDR + ((taken_after_cmp >> cond) & 1 ? 0x12 : 2);
        d = branch(0x70 + cond, 8, 2, 0x10);
        env->rip = CODE_ADDR;
        exec_ok(env, &d);
        g_assert_cmphex(env->rip, ==, expect);
        d.map = MAP_0F;
        d.opcode = 0x80 + cond;
        env->rip = CODE_ADDR;
        exec_ok(env, &d);
        g_assert_cmphex(env->rip, ==, expect);
    }

    /* non-canonical target: #GP at the jump */
    env->rip = CODE_ADDR;
    env->regs[R_EAX] = 0x0000800000000000ull;
    d = insn(MAP_NONE, 0xff, 8, 8);
    modrm_reg(&d, 4, R_EAX);
    g_assert_cmpint(exec(env, &d), ==, EXCP_GP);
    g_assert_cmphex(env->rip, ==, CODE_ADDR);
    env->regs[R_EAX] = 0xffff800000000000ull;
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, 0xffff800000000000ull);
    cpu_free_all(env);
}

static void test_branch32(void)
{
    CPUX86State *env = cpu_new_mode(32);
    Insn d;

    /* 16-bit operand size truncates EIP */
    env->rip = 0x12345;
    d = branch(0xeb, 2, 3, 0x10);
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, 0x2358);

    /* beyond the CS limit: #GP, nothing pushed */
    set_seg(env, R_CS, 0, 0xfffff);
    env->rip = 0xffff0;
    d = branch(0xe8, 4, 5, 0x100);
    g_assert_cmpint(exec(env, &d), ==, EXCP_GP);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP);
    g_assert_cmphex(env->rip, ==, 0xffff0);
    cpu_free_all(env);
}

static void test_call_ret(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = branch(0xe8, 8, 5, 0x1000);

    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 5 + 0x1000);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP - 8);
    g_assert_cmphex(rd(env, STACK_TOP - 8, 8), ==, CODE_ADDR + 5);

    d = insn(MAP_NONE, 0xc2, 8, 8);
    d.len = 3;
    d.imm = 0x10;
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 5);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP + 0x10);

    /* call [rsp]: the target is read before the push */
    env->regs[R_ESP] = STACK_TOP;
    wr(env, STACK_TOP, 8, 0x4000);
    d = insn(MAP_NONE, 0xff, 8, 8);
    d.len = 3;
    modrm_mem(&d, 2, R_ESP, 0);
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, 0x4000);
    g_assert_cmphex(rd(env, STACK_TOP - 8, 8), ==, CODE_ADDR + 5 + 3);

    /* a non-canonical return address faults before rSP moves */
    wr(env, STACK_TOP - 8, 8, 0x8000000000000000ull);
    d = insn(MAP_NONE, 0xc3, 8, 8);
    g_assert_cmpint(exec(env, &d), ==, EXCP_GP);
    g_assert_cmphex(env->regs[R_ESP], ==, STACK_TOP - 8);
    cpu_free_all(env);
}

static void test_ret16_stack(void)
{
    CPUX86State *env = cpu_new_mode(16);
    Insn d = insn(MAP_NONE, 0xc2, 2, 2);

    env->regs[R_ESP] = 0xabcdfffe;
    wr(env, 0xfffe, 2, 0x1234);
    d.len = 3;
    d.imm = 4;
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, 0x1234);
    g_assert_cmphex(env->regs[R_ESP], ==, 0xabcd0004);
    cpu_free_all(env);
}

static void test_loop(void)
{
    CPUX86State *env = cpu_new_mode(32);
    Insn d = branch(0xe2, 4, 2, -2);

    env->regs[R_ECX] = 2;
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR);
    g_assert_cmphex(env->regs[R_ECX], ==, 1);
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 2);
    g_assert_cmphex(env->regs[R_ECX], ==, 0);

    /* 16-bit address size: CX wraps, the upper half stays */
    env->rip = CODE_ADDR;
    env->regs[R_ECX] = 0x10000;
    d.addrsize = 2;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_ECX], ==, 0x1ffff);
    g_assert_cmphex(env->rip, ==, CODE_ADDR);

    /* LOOPE / LOOPNE */
    env->regs[R_ECX] = 5;
    cc_set_flags(env, CC_Z, CC_ARITH);
    d = branch(0xe1, 4, 2, 0x20);
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 0x22);
    env->rip = CODE_ADDR;
    d = branch(0xe0, 4, 2, 0x20);
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 2);
    g_assert_cmphex(env->regs[R_ECX], ==, 3);

    /* JECXZ / JCXZ */
    env->rip = CODE_ADDR;
    env->regs[R_ECX] = 0x10000;
    d = branch(0xe3, 4, 2, 0x20);
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 2);
    env->rip = CODE_ADDR;
    d.addrsize = 2;
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 0x22);
    cpu_free_all(env);
}

static void test_jrcxz64(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = branch(0xe3, 8, 2, 0x20);

    env->regs[R_ECX] = 0x100000000ull;
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 2);
    env->rip = CODE_ADDR;
    d.addrsize = 4; /* JECXZ */
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 0x22);
    cpu_free_all(env);
}

/* ------------------------------------------------------------------------------------
 * String instructions, hand-checked
 */

static Insn string_insn(uint8_t op, unsigned opsize, unsigned addrsize, uint32_t pfx)
{
    Insn d = insn(MAP_NONE, op, opsize, addrsize);
    d.len = 2;
    d.prefix = pfx;
    d.mandatory = (pfx & PFX_REP) ? MP_F3 : (pfx & PFX_REPNE) ? MP_F2 : MP_NONE;
    return d;
}

static void test_rep_zero_count(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = string_insn(0xa4, 4, 8, PFX_REP);

    env->regs[R_ESI] = DATA;
    env->regs[R_EDI] = 0x123456789ull; /* not backed by RAM */
    env->regs[R_ECX] = 0;
    cc_set_flags(env, CC_Z | CC_C, CC_ARITH);
    exec_ok(env, &d);
    d.opcode = 0xa6;
    exec_ok(env, &d);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 4);
    g_assert_cmphex(env->regs[R_ESI], ==, DATA);
    g_assert_cmphex(env->regs[R_EDI], ==, 0x123456789ull);
    g_assert_cmphex(cc_compute_all(env), ==, CC_Z | CC_C);
    cpu_free_all(env);
}

/* A long REP runs in chunks: it re-executes itself (next_rip == rip) until rCX = 0. */
static void test_rep_chunks(void)
{
    CPUX86State *env = cpu_new_mode(64);
    Insn d = string_insn(0xaa, 1, 8, PFX_REP);
    int executions = 0;

    env->regs[R_EDI] = DATA;
    env->regs[R_ECX] = 3000;
    env->regs[R_EAX] = 0x5a;
    do {
        exec_ok(env, &d);
        executions++;
        g_assert_cmpint(executions, <=, 3000);
    } while (env->rip == CODE_ADDR);
    g_assert_cmpint(executions, >, 1);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 2);
    g_assert_cmphex(env->regs[R_ECX], ==, 0);
    g_assert_cmphex(env->regs[R_EDI], ==, DATA + 3000);
    for (int i = 0; i < 3000; i++) {
        g_assert_cmphex(rd(env, DATA + i, 1), ==, 0x5a);
    }
    g_assert_cmphex(rd(env, DATA + 3000, 1), ==, 0);

    /* a REPNE SCAS that finds its byte late stops in a later chunk */
    env->rip = CODE_ADDR;
    env->regs[R_EDI] = DATA;
    env->regs[R_ECX] = 5000;
    wr(env, DATA + 2500, 1, 0x77);
    env->regs[R_EAX] = 0x77;
    d = string_insn(0xae, 1, 8, PFX_REPNE);
    while (exec_ok(env, &d), env->rip == CODE_ADDR) {
    }
    g_assert_cmphex(env->regs[R_EDI], ==, DATA + 2501);
    g_assert_cmphex(env->regs[R_ECX], ==, 5000 - 2501);
    g_assert_true(cc_compute_all(env) & CC_Z);
    cpu_free_all(env);
}

/* A fault in iteration k leaves the k completed iterations in the registers. */
static void test_rep_fault_midway(void)
{
    CPUX86State *env = cpu_new_limited();
    Insn d = string_insn(0xa5, 4, 4, PFX_REP);

    for (int i = 0; i < 10; i++) {
        wr(env, DATA + 4 * i, 4, 0x100 + i);
    }
    env->regs[R_ESI] = DATA;
    env->regs[R_EDI] = BEYOND - 12;
    env->regs[R_ECX] = 10;
    g_assert_cmpint(exec(env, &d), ==, EXCP_GP);
    g_assert_cmphex(env->rip, ==, CODE_ADDR);
    g_assert_cmphex(env->regs[R_ECX], ==, 7);
    g_assert_cmphex(env->regs[R_ESI], ==, DATA + 12);
    g_assert_cmphex(env->regs[R_EDI], ==, BEYOND);
    g_assert_cmphex(rd(env, BEYOND - 4, 4), ==, 0x102);
    cpu_free_all(env);
}

/* Address-size 16 wraps SI/DI; address size 32 in 64-bit mode clears the top halves. */
static void test_string_addrsize(void)
{
    CPUX86State *env = cpu_new_mode(16);
    Insn d = string_insn(0xa4, 2, 2, 0);

    set_seg_base(env, R_ES, 0x20000);
    wr(env, 0xffff, 1, 0x3c);
    env->regs[R_ESI] = 0x5555ffff;
    env->regs[R_EDI] = 0x6666ffff;
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, 0x2ffff, 1), ==, 0x3c);
    g_assert_cmphex(env->regs[R_ESI], ==, 0x55550000);
    g_assert_cmphex(env->regs[R_EDI], ==, 0x66660000);
    cpu_free_all(env);

    env = cpu_new_mode(64);
    d = string_insn(0xad, 8, 4, 0);
    wr(env, DATA, 8, 0x0102030405060708ull);
    env->regs[R_ESI] = 0xffffffff00000000ull | DATA;
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x0102030405060708ull);
    g_assert_cmphex(env->regs[R_ESI], ==, DATA + 8);
    cpu_free_all(env);
}

/* The source segment can be overridden; the destination is always ES. */
static void test_string_segments(void)
{
    CPUX86State *env = cpu_new_mode(32);
    Insn d = string_insn(0xa4, 4, 4, PFX_SEG);

    d.seg = R_FS;
    set_seg_base(env, R_FS, 0x1000);
    set_seg_base(env, R_ES, 0x2000);
    wr(env, DATA + 0x1000, 1, 0xf5);
    env->regs[R_ESI] = DATA;
    env->regs[R_EDI] = DATA;
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA + 0x2000, 1), ==, 0xf5);
    d.opcode = 0xaa;
    env->regs[R_EAX] = 0x11;
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA + 0x2001, 1), ==, 0x11);
    cpu_free_all(env);
}

/* A port that counts reads and records the last write. */
typedef struct TestPort {
    uint64_t next_read;
    uint64_t writes[8];
    int nr_writes;
} TestPort;

static uint64_t test_port_read(void *opaque, uint64_t offset, unsigned size)
{
    TestPort *p = opaque;
    return p->next_read++ & size_mask(size);
}

static void test_port_write(void *opaque, uint64_t offset, uint64_t v, unsigned size)
{
    TestPort *p = opaque;
    if (p->nr_writes < 8) {
        p->writes[p->nr_writes++] = v;
    }
}

static const MemoryRegionOps test_port_ops = {
    .read = test_port_read,
    .write = test_port_write,
};

static void test_ins_outs(void)
{
    CPUX86State *env = cpu_new_mode(32);
    TestPort port = {.next_read = 0x1000};
    MemoryRegion mr;
    Insn d = string_insn(0x6d, 2, 4, PFX_REP);

    memory_region_init_io(&mr, "test-port", &test_port_ops, &port, 4);
    address_space_map(&env->machine->io, TEST_PORT, &mr, 0);
    env->regs[R_EDX] = TEST_PORT;
    env->regs[R_EDI] = DATA;
    env->regs[R_ECX] = 3;
    exec_ok(env, &d);
    g_assert_cmphex(rd(env, DATA, 2), ==, 0x1000);
    g_assert_cmphex(rd(env, DATA + 4, 2), ==, 0x1002);
    g_assert_cmphex(env->regs[R_EDI], ==, DATA + 6);

    /* OUTSB backwards */
    d = string_insn(0x6e, 4, 4, PFX_REP);
    env->eflags |= DF_MASK;
    env->regs[R_ESI] = DATA + 1;
    env->regs[R_ECX] = 2;
    exec_ok(env, &d);
    g_assert_cmpint(port.nr_writes, ==, 2);
    g_assert_cmphex(port.writes[0], ==, 0x10);
    g_assert_cmphex(port.writes[1], ==, 0x00);
    g_assert_cmphex(env->regs[R_ESI], ==, DATA - 1);
    address_space_unmap(&env->machine->io, &mr);
    cpu_free_all(env);
}

/*
 * Through the real engine: each chunk of a REP is one instruction for icount, and
 * the machine stops exactly between chunks.
 */
static void test_rep_icount(void)
{
    static const uint8_t code[] = {
        0xbf, 0x00, 0x00, 0x01, 0x00, /* mov edi, DATA */
        0xb9, 0xb8, 0x0b, 0x00, 0x00, /* mov ecx, 3000 */
        0xb0, 0x5a,                   /* mov al, 0x5a */
        0xf3, 0xaa,                   /* rep stosb */
        0xeb, 0xfe,                   /* jmp $ */
    };
    /* Not freed: the engine keeps a list of CPUs with translated code. */
    CPUX86State *env = cpu_new_mode(32);
    uint64_t start = icount.count;

    memcpy(ram(env, CODE_ADDR), code, sizeof(code));
    g_assert_cmpint(cpu_exec(env, 4), ==, EXEC_BUDGET);
    g_assert_cmpuint(icount.count - start, ==, 4);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 12);
    g_assert_cmphex(env->regs[R_ECX], ==, 3000 - REP_CHUNK_EXPECTED);
    g_assert_cmpint(cpu_exec(env, 2), ==, EXEC_BUDGET);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 14);
    g_assert_cmphex(env->regs[R_ECX], ==, 0);
    g_assert_cmphex(env->regs[R_EDI], ==, DATA + 3000);
    g_assert_cmphex(rd(env, DATA + 2999, 1), ==, 0x5a);
    g_assert_cmpint(cpu_exec(env, 5), ==, EXEC_BUDGET);
    g_assert_cmphex(env->rip, ==, CODE_ADDR + 14);
}

/* ------------------------------------------------------------------------------------
 * Misc
 */

static void test_misc(void)
{
    CPUX86State *env = cpu_new_mode(32);
    Insn d;

    d = insn(MAP_NONE, 0xd6, 4, 4); /* SALC */
    cc_set_flags(env, CC_C, CC_ARITH);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX] & 0xff, ==, 0xff);
    cc_set_flags(env, 0, CC_ARITH);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX] & 0xff, ==, 0);

    d = insn(MAP_NONE, 0xd7, 4, 4); /* XLAT */
    env->regs[R_EBX] = DATA;
    env->regs[R_EAX] = 0x1234ff;
    wr(env, DATA + 0xff, 1, 0x99);
    exec_ok(env, &d);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x123499);

    d = insn(MAP_NONE, 0xfd, 4, 4);
    exec_ok(env, &d);
    g_assert_true(env->eflags & DF_MASK);
    d.opcode = 0xfc;
    exec_ok(env, &d);
    g_assert_false(env->eflags & DF_MASK);

    d = insn(MAP_0F, 0x0b, 4, 4);
    env->rip = CODE_ADDR;
    g_assert_cmpint(exec(env, &d), ==, EXCP_UD);
    g_assert_cmphex(env->rip, ==, CODE_ADDR);
    cpu_free_all(env);

    env = cpu_new_mode(64);
    d = insn(MAP_NONE, 0xd6, 4, 8);
    g_assert_cmpint(exec(env, &d), ==, EXCP_UD);
    for (unsigned reg = 5; reg <= 7; reg++) {
        d = insn(MAP_0F, 0xae, 4, 8);
        modrm_reg(&d, reg, 0);
        exec_ok(env, &d);
    }
    cpu_free_all(env);

    /* CLFLUSH checks its address like a load */
    env = cpu_new_limited();
    d = insn(MAP_0F, 0xae, 4, 4);
    modrm_abs(&d, 7, DATA);
    exec_ok(env, &d);
    modrm_abs(&d, 7, BEYOND);
    g_assert_cmpint(exec(env, &d), ==, EXCP_GP);
    cpu_free_all(env);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/movstack/diff/cmpxchg", test_diff_cmpxchg);
    g_test_add_func("/movstack/diff/xadd", test_diff_xadd);
    g_test_add_func("/movstack/diff/xchg-mov", test_diff_xchg_mov);
    g_test_add_func("/movstack/diff/high-bytes", test_diff_high_bytes);
    g_test_add_func("/movstack/diff/movzx-movsx", test_diff_movx);
    g_test_add_func("/movstack/diff/cmov-setcc", test_diff_cmov_setcc);
    g_test_add_func("/movstack/diff/no-modrm", test_diff_no_modrm);
    g_test_add_func("/movstack/diff/string", test_diff_string);
    g_test_add_func("/movstack/diff/wide-string", test_diff_wide_string);
    g_test_add_func("/movstack/mov/forms", test_mov_forms);
    g_test_add_func("/movstack/mov/moffs16", test_mov_moffs16);
    g_test_add_func("/movstack/mov/lea", test_lea);
    g_test_add_func("/movstack/mov/nop", test_nop_forms);
    g_test_add_func("/movstack/mov/cmpxchg-mem", test_cmpxchg_memory);
    g_test_add_func("/movstack/mov/cmpxchg8b-16b", test_cmpxchg8b_16b);
    g_test_add_func("/movstack/mov/xchg-xadd-mem", test_xchg_xadd_memory);
    g_test_add_func("/movstack/mov/cmov-fault", test_cmov_memory_faults);
    g_test_add_func("/movstack/mov/movbe", test_movbe);
    g_test_add_func("/movstack/stack/push-pop", test_push_pop);
    g_test_add_func("/movstack/stack/pop-ev", test_pop_ev_rsp_based);
    g_test_add_func("/movstack/stack/wrap16", test_stack_wrap16);
    g_test_add_func("/movstack/stack/pusha-popa", test_pusha_popa);
    g_test_add_func("/movstack/stack/pushf-popf", test_pushf_popf);
    g_test_add_func("/movstack/stack/pushf-popf-v86", test_pushf_popf_v86);
    g_test_add_func("/movstack/stack/enter-leave", test_enter_leave);
    g_test_add_func("/movstack/stack/enter-leave64", test_enter_leave64);
    g_test_add_func("/movstack/stack/enter16", test_enter16);
    g_test_add_func("/movstack/stack/enter-leave-faults", test_enter_leave_faults);
    g_test_add_func("/movstack/branch/jmp-jcc", test_jmp_jcc);
    g_test_add_func("/movstack/branch/branch32", test_branch32);
    g_test_add_func("/movstack/branch/call-ret", test_call_ret);
    g_test_add_func("/movstack/branch/ret16", test_ret16_stack);
    g_test_add_func("/movstack/branch/loop", test_loop);
    g_test_add_func("/movstack/branch/jrcxz", test_jrcxz64);
    g_test_add_func("/movstack/string/rep-zero", test_rep_zero_count);
    g_test_add_func("/movstack/string/rep-chunks", test_rep_chunks);
    g_test_add_func("/movstack/string/rep-fault", test_rep_fault_midway);
    g_test_add_func("/movstack/string/addrsize", test_string_addrsize);
    g_test_add_func("/movstack/string/segments", test_string_segments);
    g_test_add_func("/movstack/string/ins-outs", test_ins_outs);
    g_test_add_func("/movstack/string/rep-icount", test_rep_icount);
    g_test_add_func("/movstack/misc", test_misc);
    return g_test_run();
}
