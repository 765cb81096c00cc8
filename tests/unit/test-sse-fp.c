/* SSE floating-point, SSE3, SSE4.1 and SSE4.2 instructions tested against the host CPU.
 */
/*
 * Every case builds a whole register state: GPRs, arithmetic flags, XMM0-15, MXCSR
 * (random rounding, DAZ, FTZ, masks and sticky flags) and the x87/MMX state, plus a
 * memory operand. The instruction's bytes then run twice. Natively: fxrstor the
 * state, load the GPRs, call the bytes, and save it all again; a host fault (#XM,
 * #GP for misalignment, #MF) comes back through the signal handler with the state
 * at the faulting instruction. And through our decoder and handler on a guest CPU
 * with RAM, in 64-bit mode and, for encodings without REX, in 32-bit protected mode.
 * Everything is compared: XMM, GPRs, arithmetic flags, MXCSR, the x87 tags, TOP and
 * MMX registers, the memory, and the exception raised (the host's #XM is the guest's
 * #UD when CR4.OSXMMEXCPT is clear).
 *
 * Operands come from per-type generators that favour the edges: signed zeros,
 * denormals, infinities, quiet and signalling NaNs, the largest and smallest
 * normals, values that overflow or underflow when combined, halfway cases and the
 * limits of integer conversions.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "hw/machine.h"
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/fpu.h"
#include "target/i386/insn.h"
#include "target/i386/sse-common.h"

#define RAM_SIZE  (4u << 20)
#define PML4      0x1000
#define CODE_ADDR 0x8000
#define DATA      0x10000 /* the guest's copy of host_mem */
#define MEM_BYTES 256
#define MEM_BASE  64 /* RBX points here in memory forms; disp8 stays within */

#define MXCSR_DEFAULT 0x1f80

/* ------------------------------------------------------------------------------------
 * State shared by host and guest: GPRs, RFLAGS and an FXSAVE image
 */

typedef struct HostCtx {
    uint64_t regs[16]; /* RSP is neither loaded nor saved */
    uint64_t rflags;
    uint64_t pad;
    uint8_t fx[512];
} __attribute__((aligned(16))) HostCtx;

#define FX_FCW    0
#define FX_FSW    2
#define FX_FTW    4 /* abridged: bit i set when physical register i is not empty */
#define FX_MXCSR  24
#define FX_ST(i)  (32 + 16 * (i))
#define FX_XMM(i) (160 + 16 * (i))

static uint16_t ld16(const uint8_t *p)
{
    return (uint16_t)ld_le(p, 2);
}

static uint32_t ld32(const uint8_t *p)
{
    return (uint32_t)ld_le(p, 4);
}

static unsigned fx_top(const HostCtx *c)
{
    return (ld16(c->fx + FX_FSW) >> 11) & 7;
}

/* Physical x87 register i of the image (FXSAVE stores them in stack order). */
static uint8_t *fx_phys(HostCtx *c, unsigned i)
{
    return c->fx + FX_ST((i - fx_top(c)) & 7);
}

/* ------------------------------------------------------------------------------------
 * The host side
 */

void sse_test_host_exec(HostCtx *ctx, const void *code);
__asm__(".text\n"
        ".globl sse_test_host_exec\n"
        ".type sse_test_host_exec, @function\n"
        "sse_test_host_exec:\n"
        "    push %rbx\n    push %rbp\n    push %r12\n"
        "    push %r13\n    push %r14\n    push %r15\n"
        "    push %rdi\n    push %rsi\n"
        "    fxrstor 144(%rdi)\n"
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
        "    pushfq\n    pop %rax\n    mov %rax, 128(%rdi)\n"
        "    fxsave 144(%rdi)\n    cld\n"
        "    add $16, %rsp\n"
        "    pop %r15\n    pop %r14\n    pop %r13\n"
        "    pop %r12\n    pop %rbp\n    pop %rbx\n"
        "    ret\n"
        ".size sse_test_host_exec, .-sse_test_host_exec\n");

static uint8_t host_mem[4096] __attribute__((aligned(4096)));
static uint8_t *host_code;
static HostCtx *host_active; /* where the signal handler saves the faulting state */
static int host_trapno;
static sigjmp_buf host_fault;

/* ucontext's general registers in our order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
 * R8..) */
static const int greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                REG_R12, REG_R13, REG_R14, REG_R15};

static void host_signal(int sig, siginfo_t *info, void *uc_void)
{
    ucontext_t *uc = uc_void;

    if (!host_active) {
        signal(sig, SIG_DFL);
        return;
    }
    for (int i = 0; i < 16; i++) {
        host_active->regs[i] = uc->uc_mcontext.gregs[greg_of[i]];
    }
    host_active->rflags = uc->uc_mcontext.gregs[REG_EFL];
    memcpy(host_active->fx, uc->uc_mcontext.fpregs, 512);
    host_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    siglongjmp(host_fault, 1);
}

static void host_init(void)
{
    struct sigaction sa = {.sa_sigaction = host_signal, .sa_flags = SA_SIGINFO};

    if (host_code) {
        return;
    }
    host_code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_assert(host_code != MAP_FAILED);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

static void host_fpu_reset(void)
{
    uint32_t mxcsr = MXCSR_DEFAULT;
    asm volatile("fninit\n\tldmxcsr %0" : : "m"(mxcsr));
}

/* Run bytes on the host from state *c (updated in place). Returns the vector or -1. */
static int host_run(const uint8_t *bytes, size_t n, HostCtx *c)
{
    memcpy(host_code, bytes, n);
    host_code[n] = 0xc3; /* ret */
    host_active = c;
    host_trapno = -1;
    if (!sigsetjmp(host_fault, 1)) {
        sse_test_host_exec(c, host_code);
    }
    host_active = NULL;
    host_fpu_reset();
    return host_trapno;
}

/* ------------------------------------------------------------------------------------
 * The guest side
 */

#define CODE_FLAGS (DESC_P | DESC_S | DESC_CS | DESC_R | DESC_A)
#define DATA_FLAGS (DESC_P | DESC_S | DESC_W | DESC_A)

static uint8_t *guest_ram(CPUX86State *env, uint64_t addr)
{
    return env->machine->ram.ram + addr;
}

static void guest_wr(CPUX86State *env, uint64_t addr, unsigned size, uint64_t v)
{
    st_le(guest_ram(env, addr), size, v);
}

/* bits: 32 (flat protected mode) or 64 (long mode, first GiB identity mapped). */
static CPUX86State *guest_new(int bits)
{
    CPUX86State *env = cpu_x86_new(machine_new("pc", RAM_SIZE));

    cpu_x86_reset(env);
    env->cr[0] |= CR0_PE | CR0_MP | CR0_NE;
    env->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (bits == 64) {
        guest_wr(env, PML4, 8, (PML4 + 0x1000) | 3);
        guest_wr(env, PML4 + 0x1000, 8, (PML4 + 0x2000) | 3);
        for (uint64_t i = 0; i < 512; i++) {
            guest_wr(env, PML4 + 0x2000 + i * 8, 8, (i << 21) | 0x83);
        }
        env->cr[3] = PML4;
        env->cr[4] |= CR4_PAE;
        env->efer |= EFER_LME | EFER_LMA;
        env->cr[0] |= CR0_PG;
    }
    for (int seg = 0; seg < NR_SEGS; seg++) {
        bool code = seg == R_CS;
        uint32_t flags =
            code ? CODE_FLAGS | (bits == 64 ? DESC_L : DESC_B) : DATA_FLAGS | DESC_B;
        cpu_set_seg_raw(env, seg, code ? 0x08 : 0x10, 0, 0xffffffff, flags);
    }
    cpu_update_hflags(env);
    cpu_update_seg_ok(env);
    tlb_flush(env);
    env->rip = CODE_ADDR;
    return env;
}

static void guest_free(CPUX86State *env)
{
    Machine *m = env->machine;
    cpu_x86_free(env);
    machine_free(m);
}

static void guest_load(CPUX86State *env, const HostCtx *c)
{
    unsigned top = fx_top(c);
    uint8_t ftw = c->fx[FX_FTW];

    memcpy(env->regs, c->regs, sizeof(env->regs));
    cpu_set_eflags(env, (uint32_t)c->rflags, CC_ARITH);
    for (int i = 0; i < 16; i++) {
        memcpy(&env->xmm[i], c->fx + FX_XMM(i), 16);
    }
    env->mxcsr = ld32(c->fx + FX_MXCSR);
    env->fpuc = ld16(c->fx + FX_FCW);
    env->fpus = ld16(c->fx + FX_FSW) & ~FPUS_TOP;
    env->fpstt = top;
    env->fptw = 0;
    for (unsigned i = 0; i < 8; i++) {
        const uint8_t *st = c->fx + FX_ST((i - top) & 7);
        env->fptw |= ((ftw >> i) & 1 ? 0 : FPU_TAG_EMPTY) << (2 * i);
        env->fpregs[i].mant = ld_le(st, 8);
        env->fpregs[i].exp = ld16(st + 8);
    }
}

/* The guest state as an image comparable with the host's (fields we compare only). */
static void guest_save(const CPUX86State *env, HostCtx *c)
{
    uint16_t fsw = fpu_get_sw(env);
    uint8_t ftw = 0;

    memset(c, 0, sizeof(*c));
    memcpy(c->regs, env->regs, sizeof(c->regs));
    c->rflags = cpu_get_eflags(env);
    for (int i = 0; i < 16; i++) {
        memcpy(c->fx + FX_XMM(i), &env->xmm[i], 16);
    }
    st_le(c->fx + FX_MXCSR, 4, env->mxcsr);
    st_le(c->fx + FX_FCW, 2, env->fpuc);
    st_le(c->fx + FX_FSW, 2, fsw);
    for (unsigned i = 0; i < 8; i++) {
        ftw |= (((env->fptw >> (2 * i)) & 3) != FPU_TAG_EMPTY) << i;
        st_le(fx_phys(c, i), 8, env->fpregs[i].mant);
        st_le(fx_phys(c, i) + 8, 2, env->fpregs[i].exp);
    }
    c->fx[FX_FTW] = ftw;
}

/* Decode bytes as the translator would and run the handler. Returns the vector or -1. */
static int guest_run(CPUX86State *env, const uint8_t *bytes, size_t n)
{
    bool mode64 = cpu_is_64bit(env);
    const InsnDef *def;
    Insn d;

    g_assert_cmpint(decode_insn(&d, bytes, n, mode64 ? DECODE_64 : DECODE_32), ==,
                    DECODE_OK);
    g_assert_cmpint(d.len, ==, n);
    def = insn_lookup(&d, mode64);
    if (!def) {
        return EXCP_UD;
    }
    env->rip = CODE_ADDR;
    env->next_rip = env->rip + d.len;
    env->exception_index = -1;
    if (setjmp(env->jmp_env)) {
        return env->exception_index;
    }
    def->fn(env, &d);
    return -1;
}

/* ------------------------------------------------------------------------------------
 * Operand generators
 */

static uint32_t rnd32(void)
{
    return (uint32_t)g_test_rand_int();
}

static uint64_t rnd64(void)
{
    return (uint64_t)rnd32() << 32 | rnd32();
}

static unsigned pick(unsigned n)
{
    return (unsigned)g_test_rand_int_range(0, (gint32)n);
}

static bool chance(unsigned percent)
{
    return pick(100) < percent;
}

static const uint32_t f32_edges[] = {
    0x00000000, 0x3f800000, 0x3fc00000, 0x40000000, 0x40400000, 0x40200000, /* 2.5 */
    0x3f000000, 0x3effffff, 0x3f7fffff, 0x3f800001, 0x4b000000, 0x4b000001, /* 2^23 */
    0x00000001, 0x00000003, 0x007fffff, 0x00400000, 0x00800000, 0x00800001, /* tiny */
    0x00ffffff, 0x01000000, 0x1f000000, 0x1f000001, 0x20000000, 0x0c000000, /* small */
    0x7f7fffff, 0x7f000000, 0x7effffff, 0x5f800000, 0x60000000, 0x7e800000, /* big */
    0x7f800000, 0x7fc00000, 0xffc00000, 0x7fc12345, 0x7f800001, 0x7fa00000, /* NaN */
    0x7fbfffff, 0x4f000000, 0x4effffff, 0x4f000001, 0xcf000000, 0xcf000001, /* 2^31 */
    0x5f000000, 0x5effffff, 0xdf000000, 0xdf000001, 0x46fffe00, 0x477fff00, /* 2^63 */
};

static const uint64_t f64_edges[] = {
    0x0000000000000000, 0x3ff0000000000000, 0x3ff8000000000000, 0x4000000000000000,
    0x4004000000000000, 0x3fe0000000000000, 0x3fefffffffffffff, 0x3ff0000000000001,
    0x4330000000000000, 0x4330000000000001, 0x0000000000000001, 0x000fffffffffffff,
    0x0010000000000000, 0x0010000000000001, 0x0020000000000000, 0x1ff0000000000000,
    0x1ff0000000000001, 0x2000000000000000, 0x7fefffffffffffff, 0x7fe0000000000000,
    0x5ff0000000000000, 0x7ff0000000000000, 0x7ff8000000000000, 0xfff8000000000000,
    0x7ff8000000012345, 0x7ff0000000000001, 0x7ff4000000000000, 0x41dfffffffc00000,
    0x41e0000000000000, 0x41dfffffffe00000, 0xc1e0000000000000, 0xc1e0000000200000,
    0xc1e0000000100000, 0x43e0000000000000, 0x43dfffffffffffff, 0xc3e0000000000000,
    0xc3e0000000000001, 0x47efffffe0000000, 0x47efffffefffffff, 0x47effffff0000000,
    0x47f0000000000000, 0x36a0000000000000, 0x3690000000000000, 0x36a0000000000001,
    0x3810000000000000, 0x380fffffffffffff, 0x380ffffff0000000, 0x3800000000000000,
};

static const uint64_t int_edges[] = {
    0,
    1,
    (uint64_t)-1,
    0x7fffffff,
    0x80000000,
    0xffffffff80000000,
    0x1000001,
    0x7fffffc0,
    0x7fffff80,
    0x80000001,
    0x7fffffffffffffff,
    0x8000000000000000,
    0x20000000000001,
    0xffdfffffffffffff,
    0x7ffffffffffffc00,
    0x7ffffffffffffe00,
    100,
};

static uint32_t gen_f32(void)
{
    uint32_t v;

    switch (pick(6)) {
    case 0:
    case 1:
    case 2: v = f32_edges[pick(ARRAY_SIZE(f32_edges))]; break;
    case 3: v = rnd32(); break;
    case 4: v = (rnd32() & 0x007ff000) | (pick(256) << 23); break;
    default: {
        float f = (float)((int)pick(64) - 32) / (float)(1u << pick(3));
        memcpy(&v, &f, 4);
        break;
    }
    }
    return v ^ (chance(30) ? 0x80000000u : 0);
}

static uint64_t gen_f64(void)
{
    uint64_t v;

    switch (pick(6)) {
    case 0:
    case 1:
    case 2: v = f64_edges[pick(ARRAY_SIZE(f64_edges))]; break;
    case 3: v = rnd64(); break;
    case 4: v = (rnd64() & 0x000ffffff0000000ull) | (uint64_t)pick(2048) << 52; break;
    default: {
        double f = (double)((int)pick(64) - 32) / (double)(1u << pick(3));
        memcpy(&v, &f, 8);
        break;
    }
    }
    return v ^ (chance(30) ? 1ull << 63 : 0);
}

static uint64_t gen_int(void)
{
    switch (pick(4)) {
    case 0:
    case 1: return int_edges[pick(ARRAY_SIZE(int_edges))];
    case 2: return (uint64_t)((int64_t)pick(2000) - 1000);
    default: return rnd64() >> pick(64);
    }
}

/* Bytes for the string compares: a small alphabet, zeros to end implicit strings. */
static uint8_t gen_str_byte(void)
{
    static const uint8_t alphabet[] = {'a', 'b', 'c', 'a', 'b', 0x80, 0xff, 0x7f};

    if (chance(8)) {
        return 0;
    }
    return chance(85) ? alphabet[pick(ARRAY_SIZE(alphabet))] : (uint8_t)rnd32();
}

/* Operand value types */
enum { T_PS, T_PD, T_I32, T_I64, T_INT, T_STR };

static void gen_value(uint8_t *p, unsigned bytes, int type)
{
    bool words = chance(50);

    for (unsigned i = 0; i < bytes;) {
        switch (type) {
        case T_PS:
            st_le(p + i, 4, gen_f32());
            i += 4;
            break;
        case T_PD:
            st_le(p + i, 8, gen_f64());
            i += 8;
            break;
        case T_I32:
            st_le(p + i, 4, gen_int());
            i += 4;
            break;
        case T_I64:
            st_le(p + i, 8, gen_int());
            i += 8;
            break;
        case T_STR:
            p[i] = gen_str_byte();
            p[i + 1] = words ? (chance(70) ? 0 : gen_str_byte()) : gen_str_byte();
            i += 2;
            break;
        default:
            st_le(p + i, 8, chance(50) ? gen_int() : rnd64());
            i += 8;
            break;
        }
    }
}

static uint32_t gen_mxcsr(void)
{
    uint32_t m = MXCSR_DEFAULT | pick(4) << 13;

    m |= chance(35) ? 0x0040 : 0; /* DAZ */
    m |= chance(35) ? 0x8000 : 0; /* FTZ */
    if (chance(50)) {
        for (unsigned bit = 7; bit <= 12; bit++) {
            m &= chance(40) ? ~(1u << bit) : ~0u;
        }
    }
    if (chance(15)) {
        m |= rnd32() & 0x3f;
    }
    return m;
}

/* ------------------------------------------------------------------------------------
 * Instruction forms
 */

#define F_W        0x001 /* REX.W (64-bit mode only) */
#define F_IMM      0x002 /* an imm8 follows */
#define F_REG_GPR  0x004 /* ModRM.reg is a general register */
#define F_RM_GPR   0x008 /* a register ModRM.rm is a general register */
#define F_REG_MMX  0x010 /* ModRM.reg is an MMX register */
#define F_RM_MMX   0x020 /* a register ModRM.rm is an MMX register */
#define F_MEM_ONLY 0x040
#define F_LENGTHS  0x080 /* explicit string lengths in rAX and rDX */
#define F_BYTE_RM  0x100 /* a register ModRM.rm is a byte register */

typedef struct Form {
    const char *name;
    uint8_t pfx, pfx2; /* legacy prefixes (0: none) */
    uint8_t map;       /* MAP_0F, MAP_0F38, MAP_0F3A */
    uint8_t opcode;
    uint8_t dst, src; /* T_* of the ModRM.reg and ModRM.rm operands */
    uint16_t flags;
} Form;

/* clang-format off */
#define FORM(name, pfx, map, op, dst, src, flags) {name, pfx, 0, map, op, dst, src, flags}
#define ARITH4(name, op) \
    FORM(name "ps", 0, MAP_0F, op, T_PS, T_PS, 0), \
    FORM(name "pd", 0x66, MAP_0F, op, T_PD, T_PD, 0), \
    FORM(name "ss", 0xf3, MAP_0F, op, T_PS, T_PS, 0), \
    FORM(name "sd", 0xf2, MAP_0F, op, T_PD, T_PD, 0)
#define SSE66(name, map, op, t, flags) FORM(name, 0x66, map, op, t, t, flags)

static const Form sse_fp_forms[] = {
    ARITH4("sqrt", 0x51), ARITH4("add", 0x58), ARITH4("mul", 0x59), ARITH4("sub", 0x5c),
    ARITH4("min", 0x5d), ARITH4("div", 0x5e), ARITH4("max", 0x5f),
    FORM("rsqrtps", 0, MAP_0F, 0x52, T_PS, T_PS, 0),
    FORM("rsqrtss", 0xf3, MAP_0F, 0x52, T_PS, T_PS, 0),
    FORM("rcpps", 0, MAP_0F, 0x53, T_PS, T_PS, 0),
    FORM("rcpss", 0xf3, MAP_0F, 0x53, T_PS, T_PS, 0),
    FORM("cmpps", 0, MAP_0F, 0xc2, T_PS, T_PS, F_IMM),
    FORM("cmppd", 0x66, MAP_0F, 0xc2, T_PD, T_PD, F_IMM),
    FORM("cmpss", 0xf3, MAP_0F, 0xc2, T_PS, T_PS, F_IMM),
    FORM("cmpsd", 0xf2, MAP_0F, 0xc2, T_PD, T_PD, F_IMM),
    FORM("ucomiss", 0, MAP_0F, 0x2e, T_PS, T_PS, 0),
    FORM("ucomisd", 0x66, MAP_0F, 0x2e, T_PD, T_PD, 0),
    FORM("comiss", 0, MAP_0F, 0x2f, T_PS, T_PS, 0),
    FORM("comisd", 0x66, MAP_0F, 0x2f, T_PD, T_PD, 0),
};

static const Form sse_cvt_forms[] = {
    FORM("cvtps2pd", 0, MAP_0F, 0x5a, T_PD, T_PS, 0),
    FORM("cvtpd2ps", 0x66, MAP_0F, 0x5a, T_PS, T_PD, 0),
    FORM("cvtss2sd", 0xf3, MAP_0F, 0x5a, T_PD, T_PS, 0),
    FORM("cvtsd2ss", 0xf2, MAP_0F, 0x5a, T_PS, T_PD, 0),
    FORM("cvtdq2ps", 0, MAP_0F, 0x5b, T_PS, T_I32, 0),
    FORM("cvtps2dq", 0x66, MAP_0F, 0x5b, T_I32, T_PS, 0),
    FORM("cvttps2dq", 0xf3, MAP_0F, 0x5b, T_I32, T_PS, 0),
    FORM("cvttpd2dq", 0x66, MAP_0F, 0xe6, T_I32, T_PD, 0),
    FORM("cvtdq2pd", 0xf3, MAP_0F, 0xe6, T_PD, T_I32, 0),
    FORM("cvtpd2dq", 0xf2, MAP_0F, 0xe6, T_I32, T_PD, 0),
    FORM("cvtpi2ps", 0, MAP_0F, 0x2a, T_PS, T_I32, F_RM_MMX),
    FORM("cvtpi2pd", 0x66, MAP_0F, 0x2a, T_PD, T_I32, F_RM_MMX),
    FORM("cvtsi2ss", 0xf3, MAP_0F, 0x2a, T_PS, T_I32, F_RM_GPR),
    FORM("cvtsi2ss/w", 0xf3, MAP_0F, 0x2a, T_PS, T_I64, F_RM_GPR | F_W),
    FORM("cvtsi2sd", 0xf2, MAP_0F, 0x2a, T_PD, T_I32, F_RM_GPR),
    FORM("cvtsi2sd/w", 0xf2, MAP_0F, 0x2a, T_PD, T_I64, F_RM_GPR | F_W),
    FORM("cvttps2pi", 0, MAP_0F, 0x2c, T_INT, T_PS, F_REG_MMX),
    FORM("cvttpd2pi", 0x66, MAP_0F, 0x2c, T_INT, T_PD, F_REG_MMX),
    FORM("cvttss2si", 0xf3, MAP_0F, 0x2c, T_INT, T_PS, F_REG_GPR),
    FORM("cvttss2si/w", 0xf3, MAP_0F, 0x2c, T_INT, T_PS, F_REG_GPR | F_W),
    FORM("cvttsd2si", 0xf2, MAP_0F, 0x2c, T_INT, T_PD, F_REG_GPR),
    FORM("cvttsd2si/w", 0xf2, MAP_0F, 0x2c, T_INT, T_PD, F_REG_GPR | F_W),
    FORM("cvtps2pi", 0, MAP_0F, 0x2d, T_INT, T_PS, F_REG_MMX),
    FORM("cvtpd2pi", 0x66, MAP_0F, 0x2d, T_INT, T_PD, F_REG_MMX),
    FORM("cvtss2si", 0xf3, MAP_0F, 0x2d, T_INT, T_PS, F_REG_GPR),
    FORM("cvtss2si/w", 0xf3, MAP_0F, 0x2d, T_INT, T_PS, F_REG_GPR | F_W),
    FORM("cvtsd2si", 0xf2, MAP_0F, 0x2d, T_INT, T_PD, F_REG_GPR),
    FORM("cvtsd2si/w", 0xf2, MAP_0F, 0x2d, T_INT, T_PD, F_REG_GPR | F_W),
};

static const Form sse3_forms[] = {
    FORM("addsubpd", 0x66, MAP_0F, 0xd0, T_PD, T_PD, 0),
    FORM("addsubps", 0xf2, MAP_0F, 0xd0, T_PS, T_PS, 0),
    FORM("haddpd", 0x66, MAP_0F, 0x7c, T_PD, T_PD, 0),
    FORM("haddps", 0xf2, MAP_0F, 0x7c, T_PS, T_PS, 0),
    FORM("hsubpd", 0x66, MAP_0F, 0x7d, T_PD, T_PD, 0),
    FORM("hsubps", 0xf2, MAP_0F, 0x7d, T_PS, T_PS, 0),
    FORM("movsldup", 0xf3, MAP_0F, 0x12, T_PS, T_PS, 0),
    FORM("movshdup", 0xf3, MAP_0F, 0x16, T_PS, T_PS, 0),
    FORM("movddup", 0xf2, MAP_0F, 0x12, T_PD, T_PD, 0),
};

static const Form sse41_forms[] = {
    SSE66("roundps", MAP_0F3A, 0x08, T_PS, F_IMM),
    SSE66("roundpd", MAP_0F3A, 0x09, T_PD, F_IMM),
    SSE66("roundss", MAP_0F3A, 0x0a, T_PS, F_IMM),
    SSE66("roundsd", MAP_0F3A, 0x0b, T_PD, F_IMM),
    SSE66("dpps", MAP_0F3A, 0x40, T_PS, F_IMM),
    SSE66("dppd", MAP_0F3A, 0x41, T_PD, F_IMM),
    SSE66("blendps", MAP_0F3A, 0x0c, T_PS, F_IMM),
    SSE66("blendpd", MAP_0F3A, 0x0d, T_PD, F_IMM),
    SSE66("pblendw", MAP_0F3A, 0x0e, T_INT, F_IMM),
    SSE66("pextrb", MAP_0F3A, 0x14, T_INT, F_IMM | F_RM_GPR),
    SSE66("pextrw", MAP_0F3A, 0x15, T_INT, F_IMM | F_RM_GPR),
    SSE66("pextrd", MAP_0F3A, 0x16, T_INT, F_IMM | F_RM_GPR),
    SSE66("pextrq", MAP_0F3A, 0x16, T_INT, F_IMM | F_RM_GPR | F_W),
    SSE66("extractps", MAP_0F3A, 0x17, T_PS, F_IMM | F_RM_GPR),
    SSE66("pinsrb", MAP_0F3A, 0x20, T_INT, F_IMM | F_RM_GPR),
    SSE66("insertps", MAP_0F3A, 0x21, T_PS, F_IMM),
    SSE66("pinsrd", MAP_0F3A, 0x22, T_INT, F_IMM | F_RM_GPR),
    SSE66("pinsrq", MAP_0F3A, 0x22, T_INT, F_IMM | F_RM_GPR | F_W),
    SSE66("mpsadbw", MAP_0F3A, 0x42, T_INT, F_IMM),
    SSE66("pblendvb", MAP_0F38, 0x10, T_INT, 0),
    SSE66("blendvps", MAP_0F38, 0x14, T_PS, 0),
    SSE66("blendvpd", MAP_0F38, 0x15, T_PD, 0),
    SSE66("ptest", MAP_0F38, 0x17, T_INT, 0),
    SSE66("pmovsxbw", MAP_0F38, 0x20, T_INT, 0),
    SSE66("pmovsxbd", MAP_0F38, 0x21, T_INT, 0),
    SSE66("pmovsxbq", MAP_0F38, 0x22, T_INT, 0),
    SSE66("pmovsxwd", MAP_0F38, 0x23, T_INT, 0),
    SSE66("pmovsxwq", MAP_0F38, 0x24, T_INT, 0),
    SSE66("pmovsxdq", MAP_0F38, 0x25, T_INT, 0),
    SSE66("pmuldq", MAP_0F38, 0x28, T_INT, 0),
    SSE66("pcmpeqq", MAP_0F38, 0x29, T_INT, 0),
    SSE66("movntdqa", MAP_0F38, 0x2a, T_INT, F_MEM_ONLY),
    SSE66("packusdw", MAP_0F38, 0x2b, T_INT, 0),
    SSE66("pmovzxbw", MAP_0F38, 0x30, T_INT, 0),
    SSE66("pmovzxbd", MAP_0F38, 0x31, T_INT, 0),
    SSE66("pmovzxbq", MAP_0F38, 0x32, T_INT, 0),
    SSE66("pmovzxwd", MAP_0F38, 0x33, T_INT, 0),
    SSE66("pmovzxwq", MAP_0F38, 0x34, T_INT, 0),
    SSE66("pmovzxdq", MAP_0F38, 0x35, T_INT, 0),
    SSE66("pminsb", MAP_0F38, 0x38, T_INT, 0),
    SSE66("pminsd", MAP_0F38, 0x39, T_INT, 0),
    SSE66("pminuw", MAP_0F38, 0x3a, T_INT, 0),
    SSE66("pminud", MAP_0F38, 0x3b, T_INT, 0),
    SSE66("pmaxsb", MAP_0F38, 0x3c, T_INT, 0),
    SSE66("pmaxsd", MAP_0F38, 0x3d, T_INT, 0),
    SSE66("pmaxuw", MAP_0F38, 0x3e, T_INT, 0),
    SSE66("pmaxud", MAP_0F38, 0x3f, T_INT, 0),
    SSE66("pmulld", MAP_0F38, 0x40, T_INT, 0),
    SSE66("phminposuw", MAP_0F38, 0x41, T_INT, 0),
};

static const Form sse42_forms[] = {
    SSE66("pcmpestrm", MAP_0F3A, 0x60, T_STR, F_IMM | F_LENGTHS),
    SSE66("pcmpestrm/w", MAP_0F3A, 0x60, T_STR, F_IMM | F_LENGTHS | F_W),
    SSE66("pcmpestri", MAP_0F3A, 0x61, T_STR, F_IMM | F_LENGTHS),
    SSE66("pcmpestri/w", MAP_0F3A, 0x61, T_STR, F_IMM | F_LENGTHS | F_W),
    SSE66("pcmpistrm", MAP_0F3A, 0x62, T_STR, F_IMM),
    SSE66("pcmpistri", MAP_0F3A, 0x63, T_STR, F_IMM),
    SSE66("pcmpgtq", MAP_0F38, 0x37, T_INT, 0),
    FORM("crc32b", 0xf2, MAP_0F38, 0xf0, T_INT, T_INT, F_REG_GPR | F_RM_GPR | F_BYTE_RM),
    FORM("crc32b/w", 0xf2, MAP_0F38, 0xf0, T_INT, T_INT,
         F_REG_GPR | F_RM_GPR | F_BYTE_RM | F_W),
    {"crc32w", 0x66, 0xf2, MAP_0F38, 0xf1, T_INT, T_INT, F_REG_GPR | F_RM_GPR},
    FORM("crc32d", 0xf2, MAP_0F38, 0xf1, T_INT, T_INT, F_REG_GPR | F_RM_GPR),
    FORM("crc32q", 0xf2, MAP_0F38, 0xf1, T_INT, T_INT, F_REG_GPR | F_RM_GPR | F_W),
};
/* clang-format on */

/* ------------------------------------------------------------------------------------
 * One case
 */

typedef struct Case {
    uint8_t bytes[16];
    size_t n;
    bool mem;
    int8_t disp;
    unsigned reg, rm;
    HostCtx in;
    uint8_t mem_in[MEM_BYTES];
} Case;

static void emit(Case *c, uint8_t b)
{
    c->bytes[c->n++] = b;
}

/* [rbx + disp8] for memory operands, so the same bytes work in 32-bit mode. */
static void encode(Case *c, const Form *f, uint8_t imm)
{
    uint8_t rex = 0x40 | ((f->flags & F_W) ? 8 : 0) | ((c->reg & 8) ? 4 : 0) |
                  (!c->mem && (c->rm & 8) ? 1 : 0);

    c->n = 0;
    if (f->pfx) {
        emit(c, f->pfx);
    }
    if (f->pfx2) {
        emit(c, f->pfx2);
    }
    if (rex != 0x40) {
        emit(c, rex);
    }
    emit(c, 0x0f);
    if (f->map != MAP_0F) {
        emit(c, f->map == MAP_0F38 ? 0x38 : 0x3a);
    }
    emit(c, f->opcode);
    if (c->mem) {
        emit(c, 0x40 | (c->reg & 7) << 3 | R_EBX);
        emit(c, (uint8_t)c->disp);
    } else {
        emit(c, 0xc0 | (c->reg & 7) << 3 | (c->rm & 7));
    }
    if (f->flags & F_IMM) {
        emit(c, imm);
    }
}

/* A general register for an operand: never RSP, nor RBX (the memory base). */
static unsigned pick_gpr(unsigned nregs)
{
    unsigned r;

    do {
        r = pick(nregs);
    } while (r == R_ESP || r == R_EBX);
    return r;
}

static unsigned pick_operand(uint16_t flags, uint16_t gpr, uint16_t mmx, unsigned nregs)
{
    if (flags & gpr) {
        return pick_gpr(nregs);
    }
    return (flags & mmx) ? pick(8) : pick(nregs);
}

static int8_t pick_disp(void)
{
    return (int8_t)(chance(80) ? 16 * pick(4) : pick(49));
}

static void gen_x87(HostCtx *in, int src_type, unsigned mm_src)
{
    uint16_t fsw = (uint16_t)(pick(8) << 11), fcw = 0x037f;

    if (chance(4)) {
        fsw |= 0x8081; /* IE pending and unmasked: the next MMX instruction takes #MF */
        fcw &= ~1;
    }
    st_le(in->fx + FX_FCW, 2, fcw);
    st_le(in->fx + FX_FSW, 2, fsw);
    in->fx[FX_FTW] = (uint8_t)rnd32();
    for (unsigned i = 0; i < 8; i++) {
        gen_value(fx_phys(in, i), 8, i == mm_src ? src_type : T_INT);
        st_le(fx_phys(in, i) + 8, 2, rnd32());
    }
}

static void gen_state(Case *c, const Form *f, unsigned nregs)
{
    HostCtx *in = &c->in;

    memset(in, 0, sizeof(*in));
    for (int i = 0; i < 16; i++) {
        in->regs[i] = chance(50) ? gen_int() : rnd64();
    }
    if (!c->mem && (f->flags & F_RM_GPR)) {
        gen_value((uint8_t *)&in->regs[c->rm], 8, f->src == T_PS ? T_INT : f->src);
    }
    if (f->flags & F_LENGTHS) {
        in->regs[R_EAX] = chance(90) ? (uint64_t)((int64_t)pick(41) - 20) : rnd64();
        in->regs[R_EDX] = chance(90) ? (uint64_t)((int64_t)pick(41) - 20) : rnd64();
    }
    in->rflags = (rnd32() & CC_ARITH) | EFLAGS_FIXED;
    for (unsigned i = 0; i < 16; i++) {
        bool src = !c->mem && i == c->rm && !(f->flags & (F_RM_GPR | F_RM_MMX));
        gen_value(in->fx + FX_XMM(i), 16, src ? f->src : f->dst);
    }
    st_le(in->fx + FX_MXCSR, 4, gen_mxcsr());
    gen_x87(in, f->src, !c->mem && (f->flags & F_RM_MMX) ? c->rm : 8);
    gen_value(c->mem_in, MEM_BYTES, f->src);
}

/* ------------------------------------------------------------------------------------
 * Comparison
 */

typedef struct Outcome {
    HostCtx s;
    int excp;
    uint8_t mem[MEM_BYTES];
} Outcome;

static void dump_bytes(const char *what, const uint8_t *p, unsigned n)
{
    fprintf(stderr, "  %-10s", what);
    for (unsigned i = n; i-- > 0;) {
        fprintf(stderr, "%02x%s", p[i], i && i % 4 == 0 ? "_" : "");
    }
    fprintf(stderr, "\n");
}

static void dump_case(const Form *f, const Case *c, const Outcome *h, const Outcome *g,
                      const char *what)
{
    fprintf(stderr, "\n%s: %s differs; bytes", f->name, what);
    for (size_t i = 0; i < c->n; i++) {
        fprintf(stderr, " %02x", c->bytes[i]);
    }
    fprintf(stderr, "; mxcsr in %04x; exception host %d guest %d\n",
            ld32(c->in.fx + FX_MXCSR), h->excp, g->excp);
    dump_bytes("reg in", c->in.fx + FX_XMM(c->reg & 15), 16);
    if (c->mem) {
        dump_bytes("mem in", c->mem_in + MEM_BASE + c->disp, 16);
    } else {
        dump_bytes("rm in", c->in.fx + FX_XMM(c->rm & 15), 16);
    }
    dump_bytes("reg host", h->s.fx + FX_XMM(c->reg & 15), 16);
    dump_bytes("reg guest", g->s.fx + FX_XMM(c->reg & 15), 16);
    fprintf(stderr,
            "  mxcsr host %04x guest %04x; flags host %03" PRIx64 " guest %03" PRIx64
            "\n",
            ld32(h->s.fx + FX_MXCSR), ld32(g->s.fx + FX_MXCSR), h->s.rflags & CC_ARITH,
            g->s.rflags & CC_ARITH);
}

/* The first difference between host and guest, or NULL. */
static const char *outcome_diff(const Outcome *h, const Outcome *g)
{
    if (h->excp != g->excp) {
        return "exception";
    }
    if (memcmp(h->s.fx + FX_XMM(0), g->s.fx + FX_XMM(0), 256)) {
        return "xmm";
    }
    if (ld32(h->s.fx + FX_MXCSR) != ld32(g->s.fx + FX_MXCSR)) {
        return "mxcsr";
    }
    for (int i = 0; i < 16; i++) {
        if (i != R_ESP && h->s.regs[i] != g->s.regs[i]) {
            return "gpr";
        }
    }
    if ((h->s.rflags ^ g->s.rflags) & CC_ARITH) {
        return "eflags";
    }
    if (memcmp(h->s.fx, g->s.fx, FX_FTW + 1)) {
        return "x87 control, status or tags";
    }
    for (int i = 0; i < 8; i++) {
        if (memcmp(h->s.fx + FX_ST(i), g->s.fx + FX_ST(i), 10)) {
            return "mmx";
        }
    }
    return memcmp(h->mem, g->mem, MEM_BYTES) ? "memory" : NULL;
}

static void run_host(const Case *c, Outcome *h)
{
    int trap;

    h->s = c->in;
    if (c->mem) {
        h->s.regs[R_EBX] = (uintptr_t)host_mem + MEM_BASE;
    }
    memcpy(host_mem, c->mem_in, MEM_BYTES);
    trap = host_run(c->bytes, c->n, &h->s);
    h->excp = trap;
    memcpy(h->mem, host_mem, MEM_BYTES);
    if (c->mem && h->s.regs[R_EBX] == (uintptr_t)host_mem + MEM_BASE) {
        h->s.regs[R_EBX] = c->in.regs[R_EBX];
    }
}

static void run_guest(CPUX86State *env, const Case *c, bool osxmmexcpt, Outcome *g)
{
    guest_load(env, &c->in);
    if (c->mem) {
        env->regs[R_EBX] = DATA + MEM_BASE;
    }
    env->cr[4] = osxmmexcpt ? env->cr[4] | CR4_OSXMMEXCPT : env->cr[4] & ~CR4_OSXMMEXCPT;
    memcpy(guest_ram(env, DATA), c->mem_in, MEM_BYTES);
    g->excp = guest_run(env, c->bytes, c->n);
    guest_save(env, &g->s);
    if (c->mem && env->regs[R_EBX] == DATA + MEM_BASE) {
        g->s.regs[R_EBX] = c->in.regs[R_EBX];
    }
    memcpy(g->mem, guest_ram(env, DATA), MEM_BYTES);
}

/* One random case of form f; returns false (after reporting) if host and guest differ. */
static bool run_case(CPUX86State *env, const Form *f)
{
    unsigned nregs = cpu_is_64bit(env) ? 16 : 8;
    bool osxmmexcpt = chance(85);
    Outcome h, g;
    const char *diff;
    Case c;

    c.mem = (f->flags & F_MEM_ONLY) || chance(35);
    c.reg = pick_operand(f->flags, F_REG_GPR, F_REG_MMX, nregs);
    c.rm = pick_operand(f->flags, F_RM_GPR, F_RM_MMX, nregs);
    gen_state(&c, f, nregs);
    c.disp = pick_disp();
    encode(&c, f, (uint8_t)rnd32());
    run_host(&c, &h);
    if (h.excp == EXCP_XM && !osxmmexcpt) {
        h.excp = EXCP_UD;
    }
    run_guest(env, &c, osxmmexcpt, &g);
    diff = outcome_diff(&h, &g);
    if (diff) {
        dump_case(f, &c, &h, &g, diff);
    }
    return diff == NULL;
}

static unsigned cases_per_form(void)
{
    return g_test_slow() ? 100000 : 2500;
}

static void run_forms(const Form *forms, size_t count)
{
    CPUX86State *env64 = guest_new(64), *env32 = guest_new(32);
    unsigned failures = 0;

    host_init();
    for (size_t i = 0; i < count; i++) {
        const Form *f = &forms[i];
        unsigned bad = 0;
        for (unsigned k = 0; k < cases_per_form() && bad < 3; k++) {
            bool mode32 = !(f->flags & F_W) && k % 4 == 3;
            bad += !run_case(mode32 ? env32 : env64, f);
        }
        failures += bad;
    }
    guest_free(env64);
    guest_free(env32);
    g_assert_cmpuint(failures, ==, 0);
}

static void test_diff_arith(void)
{
    run_forms(sse_fp_forms, ARRAY_SIZE(sse_fp_forms));
}

static void test_diff_cvt(void)
{
    run_forms(sse_cvt_forms, ARRAY_SIZE(sse_cvt_forms));
}

static void test_diff_sse3(void)
{
    run_forms(sse3_forms, ARRAY_SIZE(sse3_forms));
}

static void test_diff_sse41(void)
{
    run_forms(sse41_forms, ARRAY_SIZE(sse41_forms));
}

static void test_diff_sse42(void)
{
    run_forms(sse42_forms, ARRAY_SIZE(sse42_forms));
}

/* ------------------------------------------------------------------------------------
 * Cases checked against the SDM rather than the host
 */

/* Run bytes on a 64-bit guest with xmm0 = a, xmm1 = b (low lanes) and this MXCSR. */
static int guest_xmm(CPUX86State *env, const uint8_t *bytes, size_t n, uint64_t a,
                     uint64_t b, uint32_t mxcsr)
{
    env->xmm[0] = (XMMReg){.q = {a, 0x1111111122222222ull}};
    env->xmm[1] = (XMMReg){.q = {b, 0x3333333344444444ull}};
    env->mxcsr = mxcsr;
    return guest_run(env, bytes, n);
}

#define RUN(env, a, b, mxcsr, ...)                                                       \
    guest_xmm(env, (const uint8_t[]){__VA_ARGS__},                                       \
              sizeof((const uint8_t[]){__VA_ARGS__}), a, b, mxcsr)

#define F32_QNAN   0x7fc00001u
#define F32_SNAN   0x7f800002u
#define F32_ONE    0x3f800000u
#define F32_DENORM 0x00000001u

/* Rounding, NaN precedence, DAZ */
static void test_sdm_add(void)
{
    CPUX86State *env = guest_new(64);

    /* addss xmm0, xmm1: 1 + 2^-30 is inexact; round up goes to the next single */
    g_assert_cmpint(RUN(env, F32_ONE, 0x30800000, 0x1f80, 0xf3, 0x0f, 0x58, 0xc1), ==,
                    -1);
    g_assert_cmphex(env->xmm[0].l[0], ==, F32_ONE);
    g_assert_cmphex(env->xmm[0].q[1], ==, 0x1111111122222222ull);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80 | MXCSR_PE);
    RUN(env, F32_ONE, 0x30800000, 0x5f80, 0xf3, 0x0f, 0x58, 0xc1);
    g_assert_cmphex(env->xmm[0].l[0], ==, F32_ONE + 1);
    /* a QNaN destination wins over an SNaN source, which still raises IE */
    RUN(env, F32_QNAN, F32_SNAN, 0x1f80, 0xf3, 0x0f, 0x58, 0xc1);
    g_assert_cmphex(env->xmm[0].l[0], ==, F32_QNAN);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80 | MXCSR_IE);
    /* denormal operand: DE; with DAZ it is a zero and raises nothing */
    RUN(env, F32_DENORM, 0, 0x1f80, 0xf3, 0x0f, 0x58, 0xc1);
    g_assert_cmphex(env->xmm[0].l[0], ==, F32_DENORM);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80 | MXCSR_DE);
    RUN(env, F32_DENORM, 0, 0x1f80 | MXCSR_DAZ, 0xf3, 0x0f, 0x58, 0xc1);
    g_assert_cmphex(env->xmm[0].l[0], ==, 0);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80 | MXCSR_DAZ);
    guest_free(env);
}

/* Underflow (FTZ, unmasked) and overflow */
static void test_sdm_mul(void)
{
    CPUX86State *env = guest_new(64);

    /* mulss: an exact tiny result raises nothing masked; FTZ flushes it with UE, PE */
    RUN(env, 0x00800000, 0x3f000000, 0x1f80, 0xf3, 0x0f, 0x59, 0xc1);
    g_assert_cmphex(env->xmm[0].l[0], ==, 0x00400000);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80);
    RUN(env, 0x00800000, 0x3f000000, 0x1f80 | MXCSR_FZ, 0xf3, 0x0f, 0x59, 0xc1);
    g_assert_cmphex(env->xmm[0].l[0], ==, 0);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80 | MXCSR_FZ | MXCSR_UE | MXCSR_PE);
    /* ... and unmasked underflow traps on it, leaving the destination alone */
    g_assert_cmpint(RUN(env, 0x00800000, 0x3f000000, 0x1780, 0xf3, 0x0f, 0x59, 0xc1), ==,
                    EXCP_XM);
    g_assert_cmphex(env->xmm[0].l[0], ==, 0x00800000);
    g_assert_cmphex(env->mxcsr, ==, 0x1780 | MXCSR_UE);
    /* unmasked overflow of an exactly representable 2^128: OE without PE */
    g_assert_cmpint(RUN(env, 0x7f000000, 0x40800000, 0x1b80, 0xf3, 0x0f, 0x59, 0xc1), ==,
                    EXCP_XM);
    g_assert_cmphex(env->xmm[0].l[0], ==, 0x7f000000);
    g_assert_cmphex(env->mxcsr, ==, 0x1b80 | MXCSR_OE);
    /* #UD instead of #XM without CR4.OSXMMEXCPT */
    env->cr[4] &= ~CR4_OSXMMEXCPT;
    g_assert_cmpint(RUN(env, 0x7f000000, 0x40800000, 0x1b80, 0xf3, 0x0f, 0x59, 0xc1), ==,
                    EXCP_UD);
    guest_free(env);
}

/* The integer indefinite, unordered compares, rounding with an immediate */
static void test_sdm_convert_compare(void)
{
    CPUX86State *env = guest_new(64);

    /* cvttss2si eax, xmm0 of a NaN: the integer indefinite and IE */
    RUN(env, F32_QNAN, 0, 0x1f80, 0xf3, 0x0f, 0x2c, 0xc0);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x80000000);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80 | MXCSR_IE);
    /* cvtsd2si rax, xmm0 of 2^63 */
    RUN(env, 0x43e0000000000000ull, 0, 0x1f80, 0xf2, 0x48, 0x0f, 0x2d, 0xc0);
    g_assert_cmphex(env->regs[R_EAX], ==, 0x8000000000000000ull);
    /* comiss and ucomiss of a QNaN: unordered (ZF PF CF), only COMISS raises IE */
    RUN(env, F32_QNAN, F32_ONE, 0x1f80, 0x0f, 0x2f, 0xc1);
    g_assert_cmphex(cpu_get_eflags(env) & CC_ARITH, ==, CC_Z | CC_P | CC_C);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80 | MXCSR_IE);
    RUN(env, F32_QNAN, F32_ONE, 0x1f80, 0x0f, 0x2e, 0xc1);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80);
    /* roundss xmm0, xmm1, 0x0b (truncate, no PE): 2.5 -> 2.0 */
    RUN(env, 0, 0x40200000, 0x1f80, 0x66, 0x0f, 0x3a, 0x0a, 0xc1, 0x0b);
    g_assert_cmphex(env->xmm[0].l[0], ==, 0x40000000);
    g_assert_cmphex(env->mxcsr, ==, 0x1f80);
    guest_free(env);
}

static void test_sdm_crc32_pcmpstr(void)
{
    static const char digits[] = "123456789";
    static const uint8_t crc32_eax_cl[] = {0xf2, 0x0f, 0x38, 0xf0, 0xc1};
    static const uint8_t pcmpistri[] = {0x66, 0x0f, 0x3a, 0x63, 0xc1, 0x0c};
    CPUX86State *env = guest_new(64);

    /* the CRC-32C check value: crc32 eax, cl over "123456789" */
    env->regs[R_EAX] = 0xffffffff;
    for (size_t i = 0; i < 9; i++) {
        env->regs[R_ECX] = (uint8_t)digits[i];
        g_assert_cmpint(guest_run(env, crc32_eax_cl, sizeof(crc32_eax_cl)), ==, -1);
    }
    g_assert_cmphex(env->regs[R_EAX] ^ 0xffffffff, ==, 0xe3069283);
    /* pcmpistri xmm0, xmm1, 0x0c (equal ordered): "abc" found in "xxabcxx" at 2 */
    env->xmm[0] = (XMMReg){.q = {0x636261, 0}};
    env->xmm[1] = (XMMReg){.q = {0x0078786362617878ull, 0}};
    g_assert_cmpint(guest_run(env, pcmpistri, sizeof(pcmpistri)), ==, -1);
    g_assert_cmpuint(env->regs[R_ECX], ==, 2);
    g_assert_cmphex(cpu_get_eflags(env) & CC_ARITH, ==, CC_C | CC_Z | CC_S);
    guest_free(env);
}

/* The checks every SSE instruction makes before anything else (CRC32 makes none). */
static void test_control_register_faults(void)
{
    static const uint8_t addps[] = {0x0f, 0x58, 0xc1};
    static const uint8_t cvtps2pi[] = {0x0f, 0x2d, 0xc1};
    static const uint8_t crc32[] = {0xf2, 0x0f, 0x38, 0xf1, 0xc1};
    CPUX86State *env = guest_new(64);
    uint64_t cr0 = env->cr[0], cr4 = env->cr[4];

    env->cr[0] = cr0 | CR0_TS;
    g_assert_cmpint(guest_run(env, addps, sizeof(addps)), ==, EXCP_NM);
    g_assert_cmpint(guest_run(env, cvtps2pi, sizeof(cvtps2pi)), ==, EXCP_NM);
    g_assert_cmpint(guest_run(env, crc32, sizeof(crc32)), ==, -1);
    env->cr[0] = cr0 | CR0_TS | CR0_EM;
    g_assert_cmpint(guest_run(env, addps, sizeof(addps)), ==, EXCP_UD);
    g_assert_cmpint(guest_run(env, crc32, sizeof(crc32)), ==, -1);
    env->cr[0] = cr0 | CR0_TS;
    env->cr[4] = cr4 & ~CR4_OSFXSR;
    g_assert_cmpint(guest_run(env, addps, sizeof(addps)), ==, EXCP_UD);
    g_assert_cmpint(guest_run(env, cvtps2pi, sizeof(cvtps2pi)), ==, EXCP_UD);
    g_assert_cmpint(guest_run(env, crc32, sizeof(crc32)), ==, -1);
    env->cr[0] = cr0;
    env->cr[4] = cr4;
    env->fpus |= FPUS_ES;
    g_assert_cmpint(guest_run(env, cvtps2pi, sizeof(cvtps2pi)), ==, EXCP_MF);
    g_assert_cmpint(guest_run(env, addps, sizeof(addps)), ==, -1);
    guest_free(env);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sse-fp/diff/arith", test_diff_arith);
    g_test_add_func("/sse-fp/diff/cvt", test_diff_cvt);
    g_test_add_func("/sse-fp/diff/sse3", test_diff_sse3);
    g_test_add_func("/sse-fp/diff/sse41", test_diff_sse41);
    g_test_add_func("/sse-fp/diff/sse42", test_diff_sse42);
    g_test_add_func("/sse-fp/sdm/add", test_sdm_add);
    g_test_add_func("/sse-fp/sdm/mul", test_sdm_mul);
    g_test_add_func("/sse-fp/sdm/convert-compare", test_sdm_convert_compare);
    g_test_add_func("/sse-fp/sdm/crc32-pcmpstr", test_sdm_crc32_pcmpstr);
    g_test_add_func("/sse-fp/sdm/control-registers", test_control_register_faults);
    return g_test_run();
}
