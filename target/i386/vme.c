/*
 * The virtual interrupt flag: virtual-8086 mode extensions and protected-mode virtual
 * interrupts (Intel SDM vol. 3 20.3 "Interrupt and exception handling in virtual-8086
 * mode", 20.4 "Protected-mode virtual interrupts"; vol. 2 CLI, STI, PUSHF, POPF, IRET,
 * INT n). The instructions' handlers (system.c, stack.c, excp.c) call in here.
 */
#include "target/i386/vme.h"
#include "target/i386/access.h"
#include "target/i386/desc.h"
#include "target/i386/flags.h"

#define TSS_IOMAP_BASE    0x66 /* 32-bit TSS: offset of the I/O permission bitmap */
#define TSS32_MIN_LIMIT   0x67
#define REDIRECTION_BYTES 32 /* the bitmap ends where the I/O permission map begins */

bool vme_active(const CPUX86State *env)
{
    return cpu_in_v86(env) && (env->cr[4] & CR4_VME) && cpu_iopl(env) < 3;
}

bool vif_may_stand_in(const CPUX86State *env)
{
    if (cpu_in_v86(env)) {
        return (env->cr[4] & CR4_VME) != 0;
    }
    return cpu_cpl(env) == 3 && (env->cr[4] & CR4_PVI);
}

void vif_set(CPUX86State *env, bool on)
{
    if (!on) {
        env->eflags &= ~VIF_MASK;
        return;
    }
    if (env->eflags & VIP_MASK) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    env->eflags |= VIF_MASK;
}

uint16_t vme_flags_image(const CPUX86State *env)
{
    uint16_t image = (cpu_get_eflags(env) & ~IF_MASK) | IOPL_MASK;

    return (env->eflags & VIF_MASK) ? image | IF_MASK : image;
}

/* TF may not be set from V86 code under VME, nor IF while an interrupt is pending. */
void vme_check_flags(CPUX86State *env, uint16_t image)
{
    if ((image & TF_MASK) || ((image & IF_MASK) && (env->eflags & VIP_MASK))) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

void vme_load_flags(CPUX86State *env, uint16_t image)
{
    cpu_set_eflags(env, image, CC_ARITH | TF_MASK | DF_MASK | NT_MASK);
    vif_set(env, image & IF_MASK);
}

/* --- INT n (SDM 20.3.3, table 20-2: methods 5 and 6 redirect) --- */

/* Bit n of the 32-byte bitmap just below the I/O map: set means "use the IDT". */
static bool redirection_bit(CPUX86State *env, uint8_t vector)
{
    const SegmentCache *tr = &env->tr;
    uint64_t off;

    if (!(desc_type(tr->flags) & 8) || tr->limit < TSS32_MIN_LIMIT) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    off = cpu_ld_lin(env, (uint32_t)(tr->base + TSS_IOMAP_BASE), 2);
    off = off - REDIRECTION_BYTES + vector / 8;
    if (off > tr->limit) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    return (cpu_ld_lin(env, (uint32_t)(tr->base + off), 1) >> (vector & 7)) & 1;
}

bool vme_int_redirect(CPUX86State *env, uint8_t vector)
{
    uint64_t frame[3];
    uint32_t entry;

    if (!(env->cr[4] & CR4_VME) || redirection_bit(env, vector)) {
        return false;
    }
    /* The 8086 program's vector table, at linear 0 of its address space. */
    entry = cpu_ld_lin(env, vector * 4u, 4);
    frame[0] = vme_active(env) ? vme_flags_image(env) : (uint16_t)cpu_get_eflags(env);
    frame[1] = env->segs[R_CS].selector;
    frame[2] = env->next_rip;
    stack_push_frame(env, frame, 3, 2);
    cpu_load_seg(env, R_CS, entry >> 16);
    env->next_rip = entry & 0xffff;
    env->eflags &= ~(TF_MASK | RF_MASK);
    if (vme_active(env)) {
        env->eflags &= ~VIF_MASK;
    } else {
        env->eflags &= ~IF_MASK;
    }
    return true;
}
