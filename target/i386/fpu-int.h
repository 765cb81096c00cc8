/*
 * Shared by the fpu*.c files (x87, Intel SDM vol. 1 chapter 8): the host executor,
 * memory operands, and the checks and bookkeeping around every x87 instruction.
 */
#ifndef TARGET_I386_FPU_INT_H
#define TARGET_I386_FPU_INT_H

#include "target/i386/fpu.h"

/*
 * The FNSAVE/FRSTOR area in the 32-bit protected-mode layout, which is what the
 * host (in 64-bit mode) reads and writes. st[i] is ST(i); tw is by physical register.
 */
typedef struct __attribute__((packed)) FpuImage {
    uint16_t cw, cw_hi;
    uint16_t sw, sw_hi;
    uint16_t tw, tw_hi;
    uint32_t fip;
    uint32_t fcs_fop;
    uint32_t fdp;
    uint32_t fds;
    uint8_t st[8][10];
} FpuImage;
_Static_assert(sizeof(FpuImage) == 108, "FNSAVE area");

/* --- the host x87 (fpu-host.c) --- */

void fpu_image_from_env(const CPUX86State *env, FpuImage *img);
void fpu_image_to_env(CPUX86State *env, const FpuImage *img);
/*
 * Run one x87 instruction (opcode D8-DF and its ModRM) on the host with img as the
 * whole FPU state; a memory form reads or writes mem (16 bytes). eflags supplies
 * the arithmetic flags FCMOVcc tests; the flags after the instruction are returned
 * (FCOMI and friends set them). No host exception can trap.
 */
uint32_t fpu_host_exec(FpuImage *img, uint8_t opcode, uint8_t modrm, void *mem,
                       uint32_t eflags);

/* --- common (fpu.c) --- */

/* #NM for CR0.EM/TS, then #MF for a pending unmasked exception. */
void fpu_check_waiting(CPUX86State *env);
/* #MF for a pending unmasked exception. */
void fpu_check_pending(CPUX86State *env);
/* FNINIT, FNSTSW, ...: only #NM. */
void fpu_check_nowait(CPUX86State *env);
/* A non-control instruction records its address, opcode and data pointer. */
void fpu_record_insn(CPUX86State *env, const Insn *d, uint64_t ea);

/* Byte strings at seg:off; a store faults before writing anything. */
void fpu_ld_bytes(CPUX86State *env, int seg, uint64_t off, uint8_t *buf, unsigned len);
void fpu_st_bytes(CPUX86State *env, int seg, uint64_t off, const uint8_t *buf,
                  unsigned len);

/* The control word as the hardware keeps it: reserved bits forced. */
static inline uint16_t fpu_canonical_cw(uint16_t cw)
{
    return (cw & 0x1f3f) | 0x0040;
}
/* Load a status word: TOP into fpstt, ES and B recomputed from the masks. */
void fpu_set_sw(CPUX86State *env, uint16_t sw);
/* Recompute ES and B after the control word or the flags changed. */
void fpu_update_es(CPUX86State *env);
/* The full tag word (valid/zero/special/empty), computed from register contents. */
uint16_t fpu_full_tag_word(const CPUX86State *env);
/* Tags as loaded by FLDENV/FRSTOR: only empty versus in use matters. */
void fpu_load_tag_word(CPUX86State *env, uint16_t tw);
void fpu_reset_state(CPUX86State *env);

/* The 80-bit register format in memory. */
void fpu_reg_to_bytes(const FPReg *r, uint8_t *p);
void fpu_reg_from_bytes(FPReg *r, const uint8_t *p);

/* What a computational instruction does besides the x87 stack. */
enum {
    FPU_FLAGS_IN = 1,  /* FCMOVcc tests EFLAGS */
    FPU_FLAGS_OUT = 2, /* FCOMI, FUCOMI (and P forms) set ZF, PF, CF */
};
/*
 * Execute a computational x87 instruction on the host: checks, a memory source of
 * load_size bytes or a memory destination of store_size bytes, the pointers.
 */
void fpu_exec(CPUX86State *env, const Insn *d, unsigned load_size, unsigned store_size,
              unsigned flags);

#endif
