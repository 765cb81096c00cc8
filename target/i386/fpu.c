/* x87 FPU common ground: #NM/#MF, pointers, tags, operands (Intel SDM vol. 1 ch. 8). */
/*
 * Every x87 instruction starts with the same checks. CR0.EM or CR0.TS gives #NM
 * (FWAIT only with TS and MP). A waiting instruction - all but FNINIT, FNCLEX,
 * FNSTSW, FNSTCW, FNSTENV, FNSAVE and the 287 leftovers FENI/FDISI/FSETPM - then
 * takes #MF if an unmasked exception is pending, i.e. if ES is set; that is how an
 * unmasked exception reaches software: on the next waiting instruction, with the
 * pointers still naming the instruction that caused it. FLDCW, FLDENV and FRSTOR
 * are waiting instructions too (measured: they trap on AMD Zen as on Intel).
 *
 * ES and B always equal "some exception flag is set whose mask is clear", which is
 * what the hardware shows after FLDCW, FLDENV, FRSTOR and FXRSTOR as well.
 *
 * The non-control instructions record the instruction pointer (CS and the offset
 * of its first prefix byte), the 11-bit opcode and, when they have a memory
 * operand, the data pointer; without one the data pointer keeps its old value (as
 * AMD CPUs do; the SDM leaves it undefined).
 */
#include "target/i386/fpu-int.h"
#include "target/i386/access.h"
#include "target/i386/flags.h"
#include "target/i386/sse-common.h" /* simd_probe_write, simd_check_ac */
#include "util/log.h"

/* --- exceptions --- */

static NORETURN void fpu_raise_mf(CPUX86State *env)
{
    if (!(env->cr[0] & CR0_NE)) {
        log_unimp("x87 error with CR0.NE=0: FERR#/IRQ13 not modelled, raising #MF");
    }
    raise_exception(env, EXCP_MF);
}

void fpu_check_nowait(CPUX86State *env)
{
    if (env->cr[0] & (CR0_EM | CR0_TS)) {
        raise_exception(env, EXCP_NM);
    }
}

void fpu_check_pending(CPUX86State *env)
{
    if (env->fpus & FPUS_ES) {
        fpu_raise_mf(env);
    }
}

void fpu_check_waiting(CPUX86State *env)
{
    fpu_check_nowait(env);
    fpu_check_pending(env);
}

void fpu_mmx_check(CPUX86State *env)
{
    if (env->cr[0] & CR0_EM) {
        raise_exception(env, EXCP_UD);
    }
    if (env->cr[0] & CR0_TS) {
        raise_exception(env, EXCP_NM);
    }
    fpu_check_pending(env);
}

/* --- status, tags, pointers --- */

void fpu_update_es(CPUX86State *env)
{
    bool pending = (env->fpus & ~env->fpuc & FPU_EXCP) != 0;

    env->fpus = (env->fpus & ~(FPUS_ES | FPUS_B)) | (pending ? FPUS_ES | FPUS_B : 0);
}

void fpu_set_sw(CPUX86State *env, uint16_t sw)
{
    env->fpus = sw & ~FPUS_TOP;
    env->fpstt = (sw >> 11) & 7;
    fpu_update_es(env);
}

/* 0 valid, 1 zero, 2 special (NaN, infinity, denormal, unsupported), 3 empty. */
static unsigned fpu_tag_of(const FPReg *r)
{
    unsigned exp = r->exp & 0x7fff;

    if (exp == 0x7fff) {
        return 2;
    }
    if (exp == 0) {
        return r->mant ? 2 : 1;
    }
    return (r->mant >> 63) ? 0 : 2; /* an unnormal lacks the integer bit */
}

uint16_t fpu_full_tag_word(const CPUX86State *env)
{
    uint16_t tw = 0;

    for (unsigned i = 0; i < 8; i++) {
        bool empty = ((env->fptw >> (2 * i)) & 3) == FPU_TAG_EMPTY;
        tw |= (empty ? FPU_TAG_EMPTY : fpu_tag_of(&env->fpregs[i])) << (2 * i);
    }
    return tw;
}

void fpu_load_tag_word(CPUX86State *env, uint16_t tw)
{
    env->fptw = 0;
    for (unsigned i = 0; i < 8; i++) {
        if (((tw >> (2 * i)) & 3) == FPU_TAG_EMPTY) {
            env->fptw |= FPU_TAG_EMPTY << (2 * i);
        }
    }
}

/* FNINIT: the registers keep their contents, everything else is reset. */
void fpu_reset_state(CPUX86State *env)
{
    env->fpuc = FPUC_DEFAULT;
    env->fpus = 0;
    env->fpstt = 0;
    env->fptw = FPU_TAGS_EMPTY;
    env->fpop = 0;
    env->fpip = env->fpdp = 0;
    env->fpcs = env->fpds = 0;
}

void fpu_record_insn(CPUX86State *env, const Insn *d, uint64_t ea)
{
    env->fpop = (d->opcode & 7) << 8 | d->modrm;
    env->fpip = env->rip;
    env->fpcs = env->segs[R_CS].selector;
    if (d->mod != 3) {
        env->fpdp = ea;
        env->fpds = env->segs[d->seg].selector;
    }
}

/* --- memory operands --- */

static unsigned fpu_chunk(unsigned left)
{
    return left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
}

/*
 * The piece of a len-byte operand to move at off. A state image (longer than 16
 * bytes) needs only 4-byte alignment under alignment checking (#AC), which its first
 * probe checks, so its pieces are never wider than their address is aligned; an m80
 * needs 8, which its first 8-byte piece checks.
 */
static unsigned fpu_piece(uint64_t off, unsigned left, unsigned len)
{
    unsigned n = fpu_chunk(left);

    while (len > 16 && n > 1 && (off & (n - 1))) {
        n >>= 1;
    }
    return n;
}

/*
 * The alignment a len-byte x87 operand needs under alignment checking (SDM vol. 3
 * table 6-7): an m80 8, an environment or save image 4 (2 for its 16-bit forms of
 * 14 and 94 bytes), anything else its size.
 */
static unsigned fpu_align(unsigned len)
{
    if (len == 10) {
        return 8;
    }
    return len <= 8 ? len : len % 4 == 0 ? 4 : 2;
}

/*
 * Where a multi-part access faults, as AMD Zen 3 reports it (measured): first an
 * access of its alignment (fpu_align) at its start, which faults at the first byte
 * on a bad page; then, for a state image (FLDENV, FRSTOR, FXRSTOR and the stores, all
 * longer than 16 bytes), its last byte, or for a single operand (m80) the first byte
 * of its second page.
 */
static uint64_t fpu_second_probe(const CPUX86State *env, int seg, uint64_t off,
                                 unsigned len)
{
    uint64_t lin = seg_linear(env, seg, off);
    uint64_t last_page = (lin + len - 1) & PAGE_MASK;

    if (len > 16 || last_page <= lin) {
        return off + len - 1;
    }
    return off + (last_page - lin);
}

void fpu_ld_bytes(CPUX86State *env, int seg, uint64_t off, uint8_t *buf, unsigned len)
{
    if (len > 16) {
        cpu_ld(env, seg, off, fpu_align(len));
        cpu_ld(env, seg, fpu_second_probe(env, seg, off, len), 1);
    }
    for (unsigned i = 0, n; i < len; i += n) {
        n = fpu_piece(off + i, len - i, len);
        st_le(buf + i, n, cpu_ld(env, seg, off + i, n));
    }
}

/*
 * Make a multi-part store fault before it writes anything, as a write (#PF with W
 * set), probing where the hardware does (above) and its last byte: the area (at most
 * 512 bytes) spans at most two pages, and a segment limit can only cut it at one end.
 */
static void fpu_probe_write(CPUX86State *env, int seg, uint64_t off, unsigned len)
{
    uint64_t second = fpu_second_probe(env, seg, off, len), last = off + len - 1;

    simd_check_ac(env, seg, off, fpu_align(len)); /* #AC before the pages */
    simd_probe_write(env, seg, off, fpu_align(len));
    simd_probe_write(env, seg, second, 1);
    if (last != second) { /* the segment limit */
        simd_probe_write(env, seg, last, 1);
    }
}

void fpu_st_bytes(CPUX86State *env, int seg, uint64_t off, const uint8_t *buf,
                  unsigned len)
{
    if (len > 8) {
        fpu_probe_write(env, seg, off, len);
    }
    for (unsigned i = 0, n; i < len; i += n) {
        n = fpu_piece(off + i, len - i, len);
        cpu_st(env, seg, off + i, n, ld_le(buf + i, n));
    }
}

/* --- computational instructions --- */

/*
 * A store to memory happens unless it raised an unmasked exception other than
 * precision (measured on the host: unmasked IE, OE, UE leave memory untouched;
 * unmasked PE stores the rounded result). Flags raised earlier are all masked, or
 * the instruction would have taken #MF, so unmasked flags are this instruction's.
 */
static bool fpu_image_stored(const FpuImage *img)
{
    uint16_t unmasked = img->sw & ~img->cw & FPU_EXCP;

    return (unmasked & ~FPUS_PE) == 0;
}

void fpu_exec(CPUX86State *env, const Insn *d, unsigned load_size, unsigned store_size,
              unsigned flags)
{
    uint8_t buf[16] = {0};
    uint64_t ea = d->mod != 3 ? insn_ea(env, d) : 0;
    uint32_t eflags = (flags & FPU_FLAGS_IN) ? cpu_get_eflags(env) : 0;
    FpuImage img;

    fpu_check_waiting(env);
    if (load_size) {
        fpu_ld_bytes(env, d->seg, ea, buf, load_size);
    }
    fpu_image_from_env(env, &img);
    eflags = fpu_host_exec(&img, d->opcode, d->modrm, buf, eflags);
    if (store_size && fpu_image_stored(&img)) {
        fpu_st_bytes(env, d->seg, ea, buf, store_size);
    } else if (store_size) {
        /* A store an unmasked exception suppressed still faults on its destination
         * first (measured on AMD Zen 3), leaving the FPU state as it was. */
        fpu_probe_write(env, d->seg, ea, store_size);
    }
    fpu_image_to_env(env, &img);
    fpu_record_insn(env, d, ea);
    if (flags & FPU_FLAGS_OUT) {
        cc_set_flags(env, eflags & CC_ARITH, CC_ARITH);
    }
}
