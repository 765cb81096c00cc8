/*
 * Port I/O from the CPU: the IOPL and TSS I/O permission bitmap checks (SDM vol. 1
 * 19.5), I/O breakpoints (SDM vol. 3 17.2.4), then the machine's I/O address space.
 * INS/OUTS (string.c) come through here as well.
 */
#include "target/i386/access.h"
#include "target/i386/debug.h"
#include "target/i386/desc.h"
#include "util/log.h"

/* The TSS I/O permission bitmap check (protected mode with CPL > IOPL, or V86). */
static void io_check_bitmap(CPUX86State *env, uint16_t port, unsigned size)
{
    const SegmentCache *tr = &env->tr;
    unsigned type = (tr->flags >> DESC_TYPE_SHIFT) & 0xf;
    uint64_t map_base, bits;

    if (!(tr->flags & DESC_P) || (type != 9 && type != 11) || tr->limit < 0x67) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    map_base = cpu_ld_lin(env, tr->base + 0x66, 2);
    if (map_base + port / 8 + 1 > tr->limit) {
        raise_exception_err(env, EXCP_GP, 0);
    }
    bits = cpu_ld_lin(env, tr->base + map_base + port / 8, 2);
    if ((bits >> (port & 7)) & ((1u << size) - 1)) {
        raise_exception_err(env, EXCP_GP, 0);
    }
}

void cpu_io_check(CPUX86State *env, uint16_t port, unsigned size)
{
    unsigned iopl = (env->eflags & IOPL_MASK) >> IOPL_SHIFT;

    if ((env->hflags & HF_PE) && ((env->hflags & HF_VM) || cpu_cpl(env) > iopl)) {
        io_check_bitmap(env, port, size);
    }
}

/* The access is allowed: an I/O breakpoint on its ports traps after the instruction. */
static void io_debug(CPUX86State *env, uint16_t port, unsigned size)
{
    if (unlikely(env->dr[7] & DR7_ENABLES)) {
        debug_check_io(env, port, size);
    }
}

uint64_t cpu_in(CPUX86State *env, uint16_t port, unsigned size)
{
    uint64_t v;

    cpu_io_check(env, port, size);
    io_debug(env, port, size);
    v = address_space_ld(env->io, port, size);
    log_mask_printf(LOG_IOPORT, "in%c  0x%04x -> 0x%" PRIx64 "\n", "bw?l"[size - 1], port,
                    v);
    return v;
}

void cpu_out(CPUX86State *env, uint16_t port, unsigned size, uint64_t val)
{
    cpu_io_check(env, port, size);
    io_debug(env, port, size);
    log_mask_printf(LOG_IOPORT, "out%c 0x%04x <- 0x%" PRIx64 "\n", "bw?l"[size - 1], port,
                    val);
    address_space_st(env->io, port, val, size);
    /* A device may have raised an interrupt or stopped the machine. */
    cpu_exit(env);
}
