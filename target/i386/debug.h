/*
 * Debug registers and debug exceptions (Intel SDM vol. 3 chapter 17; AMD APM vol. 2
 * chapter 13): instruction and data breakpoints in DR0-DR3/DR7, single-step through
 * EFLAGS.TF, general detect, and the DR6 status they report.
 *
 * The exec loop and the MMU call in here only while debug_armed() holds, so a guest
 * with DR7 clear and TF clear pays nothing. Where they call:
 *
 *   exec loop, per block:   armed = debug_armed(env);
 *   per instruction, if armed:
 *       before the handler: if (debug_insn_breakpoint_hit(env))
 *                               raise_exception(env, EXCP_DB);   (a fault: rip stays)
 *                           eflags_before = env->eflags;
 *       after rip and icount advanced: debug_after_insn(env, eflags_before);
 *   MMU: every data access that reaches guest memory (cpu_ld_lin/cpu_st_lin and the
 *       slow paths) calls debug_check_data_access() when debug_data_gate() and
 *       debug_data_armed(); pages
 *       for which debug_page_watched() is true get no fast-path read/write TLB tags
 *       (execute tags stay), so accesses to them reach the slow path.
 *   port I/O (io.c): cpu_in/cpu_out call debug_check_io() when a DR7 enable is set.
 *
 * Everything that can arm debugging (MOV DRn, POPF, IRET, task switches, SYSRET)
 * ends its translation block, which is why a per-block check is enough.
 */
#ifndef TARGET_I386_DEBUG_H
#define TARGET_I386_DEBUG_H

#include "target/i386/cpu.h"

#define DR6_B0       (1u << 0) /* B0-B3: breakpoint n condition met */
#define DR6_BMASK    0x0000000fu
#define DR6_BD       (1u << 13)  /* BD: debug register access detected */
#define DR6_BS       (1u << 14)  /* BS: single step */
#define DR6_BT       (1u << 15)  /* BT: task switch */
#define DR6_FIXED    0xffff0ff0u /* reads as 1 */
#define DR6_WRITABLE 0x0000e00fu

#define DR7_L0       (1u << 0) /* L0-L3 (even bits), G0-G3 (odd bits): enables */
#define DR7_ENABLES  0x000000ffu
#define DR7_LOCAL    0x00000155u /* L0-L3 and LE: cleared by a task switch */
#define DR7_GD       (1u << 13)  /* GD: general detect */
#define DR7_FIXED    0x00000400u /* reads as 1 */
#define DR7_ZERO     0x0000d800u /* bits 11, 12, 14, 15 read as 0 */
#define DR7_RW_SHIFT 16          /* R/W0 at 17:16, LEN0 at 19:18, then 4 bits per DRn */

/* env->debug_hits: the current instruction's hits (DR6 layout) below this bit, and
 * above it the traps a MOV SS / POP SS holds off until the next instruction. */
#define DEBUG_HITS_HELD_SHIFT 16

enum { DR_RW_EXEC = 0, DR_RW_WRITE = 1, DR_RW_IO = 2, DR_RW_ACCESS = 3 };

/*
 * Any breakpoint enabled, TF set, a debugger breakpoint or watchpoint, or traps a MOV SS
 * / POP SS held off (kept in debug_hits' top half; INT n after it clears TF): the exec
 * loop must call in here.
 */
static inline bool debug_armed(const CPUX86State *env)
{
    return ((env->eflags & TF_MASK) | (env->dr[7] & DR7_ENABLES) | env->dbg_nbreakpoints |
            env->dbg_nwatches | (env->debug_hits >> DEBUG_HITS_HELD_SHIFT)) != 0;
}

/* A debugger read (writes = false) or access (writes = true) watchpoint (cpu.h). */
struct DbgWatch {
    uint64_t addr, len;
    bool writes;
};

/* The MMU's cheap gate: data breakpoints or debugger watchpoints may be enabled. */
static inline bool debug_data_gate(const CPUX86State *env)
{
    return ((env->dr[7] & DR7_ENABLES) | env->dbg_nwatches) != 0;
}

/* Before the instruction at CS:rip: a debugger breakpoint is there (not at resume). */
bool debug_debugger_breakpoint_hit(CPUX86State *env);

/*
 * Before the instruction at CS:rip: an enabled execute breakpoint matches its linear
 * address and EFLAGS.RF is clear, or traps a MOV SS / POP SS held off are due because
 * the instruction after it entered a handler. Sets DR6 (the caller raises #DB) and
 * forgets the data breakpoint hits of any earlier, faulted instruction.
 */
bool debug_insn_breakpoint_hit(CPUX86State *env);
/*
 * After an instruction completed: raises the #DB trap for single-step (TF was set in
 * eflags_before) and for the data breakpoints it hit; clears RF if it was set. After
 * MOV SS / POP SS the trap waits for the next instruction (SDM vol. 3 6.8.3).
 */
void debug_after_insn(CPUX86State *env, uint32_t eflags_before);

/* Some enabled breakpoint watches data (R/W or W), or a debugger watchpoint is set. */
bool debug_data_armed(const CPUX86State *env);
/* The 4 KiB linear page holds (part of) an enabled data breakpoint or a debugger
 * watchpoint. */
bool debug_page_watched(const CPUX86State *env, uint64_t page);
/* A data access of size bytes at linear address lin: remember matching breakpoints
 * (DR6 bits, for the guest) and the first matching debugger watchpoint (dbg_watch_hit,
 * never seen by the guest). */
void debug_check_data_access(CPUX86State *env, uint64_t lin, unsigned size, bool write);

/* Port I/O of size bytes at port (after its permission checks): remember matching
 * I/O breakpoints (R/W = 10, CR4.DE set), reported as a trap after the instruction. */
void debug_check_io(CPUX86State *env, uint16_t port, unsigned size);

/* MOV from/to DRn (n = ModRM.reg): the aliasing, fault and general-detect rules. */
uint64_t debug_read_dr(CPUX86State *env, unsigned n);
void debug_write_dr(CPUX86State *env, unsigned n, uint64_t v);

#endif
