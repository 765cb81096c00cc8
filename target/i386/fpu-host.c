/* The host's x87 as the oracle for x87 arithmetic (Intel SDM vol. 1 ch. 8, vol. 2). */
/*
 * Why the host executes our x87 instructions: the x87's results (rounding in every
 * precision and rounding mode, denormals, unsupported formats, NaN propagation,
 * C0-C3, the masked and unmasked responses, the stack fault) are defined bit for
 * bit by IEEE 754 and the SDM, and every x86-64 CPU implements them, so running the
 * guest's own instruction on the host's x87 is both exact and deterministic. The
 * transcendental instructions are the exception; see fpu-trans.c.
 *
 * How: the guest's whole FPU state goes into an FRSTOR image (with its own control
 * word: precision, rounding and exception masks), a four-byte stub runs the one
 * instruction - its own ModRM for register forms, [rsi] for memory forms - and
 * FNSAVE takes the state back. An unmasked guest exception leaves the host with a
 * pending exception, but nothing waits on it: FNSAVE does not wait, and it
 * reinitialises the FPU, after which the host's control word is put back. The guest
 * side never runs a waiting instruction with an exception pending (fpu.c raises
 * #MF first), so FRSTOR itself cannot trap either.
 */
#include "target/i386/fpu-int.h"
#include "target/i386/access.h"

uint32_t fpu_host_run(FpuImage *img, void *mem, uint64_t eflags, const void *stub);
extern const uint8_t fpu_host_reg_stubs[], fpu_host_mem_stubs[];

#define FPU_STUB_SIZE 4

/* clang-format off */
__asm__(".pushsection .text\n"
        ".balign 16\n"
        ".globl fpu_host_run\n"
        ".hidden fpu_host_run\n"
        ".type fpu_host_run, @function\n"
        /* rdi = image, rsi = memory operand, rdx = EFLAGS in, rcx = stub */
        "fpu_host_run:\n"
        "    sub $8, %rsp\n"
        "    fnstcw (%rsp)\n"
        "    frstor (%rdi)\n"
        "    push %rdx\n"
        "    popfq\n"
        "    call *%rcx\n"
        "    pushfq\n"
        "    pop %rax\n"
        "    fnsave (%rdi)\n"
        "    fldcw (%rsp)\n"
        "    add $8, %rsp\n"
        "    ret\n"
        ".size fpu_host_run, .-fpu_host_run\n"
        /* D8 C0 ... DF FF: opcode, ModRM, ret, int3 */
        ".balign 4\n"
        ".globl fpu_host_reg_stubs\n"
        ".hidden fpu_host_reg_stubs\n"
        "fpu_host_reg_stubs:\n"
        ".irp op, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf\n"
        "    .set fpu_modrm, 0xc0\n"
        "    .rept 64\n"
        "        .byte \\op, fpu_modrm, 0xc3, 0xcc\n"
        "        .set fpu_modrm, fpu_modrm + 1\n"
        "    .endr\n"
        ".endr\n"
        /* D8 /0 [rsi] ... DF /7 [rsi] */
        ".globl fpu_host_mem_stubs\n"
        ".hidden fpu_host_mem_stubs\n"
        "fpu_host_mem_stubs:\n"
        ".irp op, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf\n"
        "    .irp reg, 0, 1, 2, 3, 4, 5, 6, 7\n"
        "        .byte \\op, (\\reg << 3) | 6, 0xc3, 0xcc\n"
        "    .endr\n"
        ".endr\n"
        ".popsection\n");
/* clang-format on */

/*
 * The aliases the SDM leaves blank (FSTP1, FCOM2, FXCH4, ...) run as themselves:
 * every x86-64 CPU has them, and they are not all what they alias - AMD's FSTP1
 * (D9 D8+i) neither faults on nor stores an empty ST(0), unlike FSTP. Being
 * undocumented, FSTP1 on an empty ST(0) shares the transcendentals' replay caveat.
 */
static const void *fpu_host_stub(uint8_t opcode, uint8_t modrm)
{
    unsigned op = opcode - 0xd8;

    if (modrm >= 0xc0) {
        return fpu_host_reg_stubs + (op * 64 + modrm - 0xc0) * FPU_STUB_SIZE;
    }
    return fpu_host_mem_stubs + (op * 8 + ((modrm >> 3) & 7)) * FPU_STUB_SIZE;
}

uint32_t fpu_host_exec(FpuImage *img, uint8_t opcode, uint8_t modrm, void *mem,
                       uint32_t eflags)
{
    uint64_t flags_in = (eflags & CC_ARITH) | EFLAGS_FIXED; /* TF, DF, AC stay clear */

    return fpu_host_run(img, mem, flags_in, fpu_host_stub(opcode, modrm));
}

void fpu_reg_to_bytes(const FPReg *r, uint8_t *p)
{
    st_le(p, 8, r->mant);
    st_le(p + 8, 2, r->exp);
}

void fpu_reg_from_bytes(FPReg *r, const uint8_t *p)
{
    r->mant = ld_le(p, 8);
    r->exp = ld_le(p + 8, 2);
}

/* The pointer fields stay zero: the host's would be its own addresses. */
void fpu_image_from_env(const CPUX86State *env, FpuImage *img)
{
    memset(img, 0, offsetof(FpuImage, st));
    img->cw = env->fpuc;
    img->sw = fpu_get_sw(env);
    img->tw = env->fptw;
    for (unsigned i = 0; i < 8; i++) {
        fpu_reg_to_bytes(&env->fpregs[(env->fpstt + i) & 7], img->st[i]);
    }
}

void fpu_image_to_env(CPUX86State *env, const FpuImage *img)
{
    env->fpuc = img->cw;
    env->fpus = img->sw & ~FPUS_TOP;
    env->fpstt = (img->sw >> 11) & 7;
    env->fptw = img->tw;
    for (unsigned i = 0; i < 8; i++) {
        fpu_reg_from_bytes(&env->fpregs[(env->fpstt + i) & 7], img->st[i]);
    }
}
